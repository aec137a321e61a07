"""Bounded memory and the Rich path, measured on real child processes (issue 8).

Peak RSS comes from `os.wait4` on each `python -m a2acli` child (ru_maxrss of that child alone). Bounds are
relative to a baseline run of the same CLI against a well-behaved agent in the same test session, so they hold on
any machine: the 64 MB card, the 256 MB event and the 256 MB unary result must not be held in memory.
The Rich path runs on a pseudo-terminal: what the terminal receives holds Rich's own styling and cursor control,
and nothing the agent sent (no OSC, no clear-screen, no alternate screen, no BEL/backspace/8-bit CSI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.clirun import Result, check_run, record, run_pty, run_subprocess
from tests.hostile.servers import HostileAgent, hostile_agents

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def agent() -> Iterator[HostileAgent]:
    with hostile_agents() as h:
        yield h


@pytest.fixture(scope="module")
def baseline(agent: HostileAgent) -> float:
    result = run_subprocess(["send", "hello", "-o", "json", "-a", agent.card_url("ok")])
    assert result.code == 0, result.err
    record("baseline: send to a well-behaved agent", result)
    assert result.peak_rss_mb is not None
    return result.peak_rss_mb


def _peak(result: Result) -> float:
    assert result.peak_rss_mb is not None
    return result.peak_rss_mb


def test_64_mb_card_is_refused_without_reading_it(agent: HostileAgent, baseline: float) -> None:
    for scenario in ("huge-card", "huge-card-cl"):
        result = run_subprocess(["card", "-a", agent.card_url(scenario), "-o", "json"])
        invalid = {"A2ACLI_ERR_CARD_INVALID"}
        check_run(result, codes={1}, errors=invalid, max_seconds=20, case=f"card {scenario} (64 MB)")
        assert _peak(result) < baseline + 30, f"64 MB card: peak RSS {_peak(result)} MB vs baseline {baseline} MB"


def test_256_mb_event_is_capped(agent: HostileAgent, baseline: float) -> None:
    # Default cap: A2ACLI_MAX_EVENT_BYTES = 16 MiB. The cap, not the event, bounds memory.
    result = run_subprocess(["stream", "hello", "--jsonl", "-a", agent.card_url("sse-huge-event")])
    check_run(result, codes={1}, max_seconds=40, case="sse-huge-event (256 MB, default cap 16 MiB)")
    assert "16777216" in result.err
    assert _peak(result) < baseline + 100, f"256 MB event: peak RSS {_peak(result)} MB vs baseline {baseline} MB"


def test_gzip_bombs_stay_bounded(agent: HostileAgent, baseline: float) -> None:
    result = run_subprocess(["card", "-a", agent.card_url("gzip-bomb-card")])
    check_run(result, codes={1}, errors={"A2ACLI_ERR_CARD_INVALID"}, max_seconds=20, case="card gzip-bomb-card (64 MB)")
    assert _peak(result) < baseline + 30
    result = run_subprocess(["stream", "hello", "--jsonl", "-a", agent.card_url("sse-gzip-bomb")])
    check_run(result, codes={1}, max_seconds=40, case="sse-gzip-bomb (256 MB inflated)")
    assert _peak(result) < baseline + 100, f"gzip bomb: peak RSS {_peak(result)} MB vs baseline {baseline} MB"


def test_event_cap_is_configurable(agent: HostileAgent, baseline: float) -> None:
    env = {"A2ACLI_MAX_EVENT_BYTES": str(2 * MIB)}
    result = run_subprocess(["stream", "hello", "--jsonl", "-a", agent.card_url("sse-huge-event")], env=env)
    check_run(result, codes={1}, max_seconds=20, case="sse-huge-event (cap 2 MiB)")
    assert str(2 * MIB) in result.err
    assert _peak(result) < baseline + 40


def test_256_mb_unary_result_is_capped(agent: HostileAgent, baseline: float) -> None:
    # Unary replies (GetTask here) are capped at max(event cap, 64 MiB).
    result = run_subprocess(["task", "get", "task-hostile-1", "-o", "json", "-a", agent.card_url("rpc-huge-result")])
    check_run(result, codes={1}, max_seconds=40, case="task get rpc-huge-result (256 MB)")
    assert _peak(result) < baseline + 200, f"256 MB result: peak RSS {_peak(result)} MB vs baseline {baseline} MB"
    assert _peak(result) < 256, "the whole 256 MB reply was held in memory"


@pytest.mark.parametrize(
    ("argv", "scenario", "codes"),
    [
        (["card", "-o", "rich"], "escape-card", {0}),
        (["card", "validate", "-o", "rich"], "escape-card", {0, 1}),
        (["send", "hello"], "escape-artifact", {0}),
        (["stream", "hello"], "sse-escape", {0}),
        (["stream", "hello"], "escape-artifact", {0}),
        (["send", "hello"], "escape-error", {1}),
        (["stream", "hello"], "sse-error-event", {1}),
        (["stream", "hello"], "sse-jsonrpc-error", {1}),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, list) else str(v),
)
def test_rich_path_on_a_terminal_shows_no_agent_escape(
    agent: HostileAgent, argv: list[str], scenario: str, codes: set[int]
) -> None:
    result = run_pty([*argv, "-a", agent.card_url(scenario)], limit=30)
    check_run(result, codes=codes, max_seconds=30, case=f"{' '.join(argv)} {scenario} on a pty (Rich)")
    rich_view = argv in (["card", "-o", "rich"], ["stream", "hello"])  # `send`, `card validate` may print plain text
    if rich_view and result.code == 0:
        assert "\x1b[" in result.out, "expected Rich styling on a terminal"
    plain = result.out.replace("\r\n", "\n")
    if rich_view and scenario in ("escape-card", "escape-artifact", "sse-escape"):
        assert "[/bold red]" in plain or "[bold" in plain, "Rich markup from the agent was interpreted"
    assert "evil.example/x\x1b" not in plain and "\x1b]8;" not in plain, "the agent's [link=…] became a hyperlink"


def test_rich_path_for_huge_card_and_stall_is_bounded(agent: HostileAgent, baseline: float) -> None:
    result = run_pty(["card", "-o", "rich", "-a", agent.card_url("huge-card")], limit=30)
    check_run(result, codes={1}, max_seconds=30, case="card huge-card on a pty")
    result = run_pty(["stream", "hello", "-a", agent.card_url("sse-stall"), "--timeout", "1s"], limit=30)
    check_run(result, codes={5}, max_seconds=15, case="stream sse-stall --timeout 1s on a pty")
    assert "task-hostile-1" not in result.out or "a2a task" in result.out
