"""Fixtures of the hostile suite: one hostile agent (plus a second origin) and one raw-socket agent per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile import fixtures
from tests.hostile.servers import HostileAgent

hostile, raw = fixtures.hostile, fixtures.raw  # the shared module-scoped agents, found by name


@pytest.fixture(autouse=True)
def _clear_recorders(request: pytest.FixtureRequest) -> None:
    if "hostile" in request.fixturenames:
        agent: HostileAgent = request.getfixturevalue("hostile")
        agent.recorder.clear()
        if agent.other is not None:
            agent.other.recorder.clear()


@pytest.fixture(scope="session", autouse=True)
def _observation_report() -> Iterator[None]:
    """With HOSTILE_REPORT=path, write every observed run (exit status, error code, seconds, peak RSS) as Markdown."""
    import os

    target = os.environ.get("HOSTILE_REPORT")
    yield
    if not target:
        return
    from tests.hostile.clirun import OBSERVATIONS

    lines = ["| case | mode | exit | error code | seconds | peak RSS MB |", "|---|---|---|---|---|---|"]
    for o in OBSERVATIONS:
        rss = "" if o.peak_rss_mb is None else f"{o.peak_rss_mb:.0f}"
        lines.append(f"| {o.case} | {o.mode} | {o.code} | {o.error_code} | {o.seconds:.2f} | {rss} |")
    with open(target, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
