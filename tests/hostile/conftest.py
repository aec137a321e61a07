"""Fixtures of the hostile suite: one hostile agent (plus a second origin) and one raw-socket agent per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.servers import HostileAgent, RawAgent, hostile_agents, raw_agent


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileAgent]:
    with hostile_agents() as agent:
        yield agent


@pytest.fixture(scope="module")
def raw() -> Iterator[RawAgent]:
    with raw_agent() as agent:
        yield agent


@pytest.fixture(autouse=True)
def _clear_recorders(request: pytest.FixtureRequest) -> None:
    if "hostile" in request.fixturenames:
        agent: HostileAgent = request.getfixturevalue("hostile")
        agent.recorder.clear()
        if agent.other is not None:
            agent.other.recorder.clear()
