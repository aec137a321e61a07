"""`a2a task get / cancel / subscribe` against hostile agents (issue 8): same guarantees as send/stream."""

from __future__ import annotations

import pytest

from tests.hostile.clirun import check_run, run_cli
from tests.hostile.servers import HostileAgent

AUTH = {"A2ACLI_ERR_AUTH_FAILED", "A2ACLI_ERR_CREDENTIALS_MISSING"}

CASES: list[tuple[list[str], str, set[int], set[str] | None]] = [
    (["task", "get", "task-hostile-1"], "ok", {0}, None),
    (["task", "get", "task-hostile-1"], "escape-artifact", {0}, None),
    (["task", "get", "task-hostile-1"], "escape-error", {1}, {"TaskNotFoundError"}),
    (["task", "get", "task-hostile-1"], "unknown-code", {1}, {"A2ACLI_ERR_INTERNAL"}),
    (["task", "get", "task-hostile-1"], "rpc-401", {4}, AUTH),
    (["task", "get", "task-hostile-1"], "rpc-html-200", {1}, None),
    (["task", "get", "task-hostile-1"], "rpc-partial-json", {1}, None),
    (["task", "get", "task-hostile-1"], "rpc-500-html", {1, 3}, None),
    (["task", "cancel", "task-hostile-1"], "escape-artifact", {0}, None),
    (["task", "cancel", "task-hostile-1"], "weird-error", {1}, None),
    (["task", "subscribe", "task-hostile-1"], "sse-escape", {0}, None),
    (["task", "subscribe", "task-hostile-1"], "sse-garbage", {0, 1}, None),
    (["task", "subscribe", "task-hostile-1"], "sse-after-terminal", {0}, None),
    (["task", "subscribe", "task-hostile-1"], "sse-error-event", {1}, None),
    (["task", "subscribe", "task-hostile-1"], "sse-truncated", {1, 3, 5}, None),
    (["task", "subscribe", "task-hostile-1"], "sse-stall", {5}, {"A2ACLI_ERR_TIMEOUT"}),
]


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize(("argv", "scenario", "codes", "errors"), CASES, ids=[f"{c[0][1]}-{c[1]}" for c in CASES])
def test_task_commands(
    hostile: HostileAgent,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    scenario: str,
    codes: set[int],
    errors: set[str] | None,
    output: str,
) -> None:
    timeout = "1s" if scenario in ("sse-stall", "sse-truncated") else "10s"
    limit = [] if argv[1] == "cancel" else ["--timeout", timeout]  # `task cancel` has no --timeout
    result = run_cli([*argv, "-a", hostile.card_url(scenario), "-o", output, *limit], capsys)
    check_run(result, codes=codes, errors=errors, max_seconds=12, case=f"{' '.join(argv[:2])} {scenario}")
    if scenario == "sse-after-terminal":
        assert "AFTER-TERMINAL" not in result.out


def test_task_cancel_against_a_stalled_agent_ends_on_the_idle_timeout(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `task cancel` has no --timeout: a silent agent is bounded by the idle read timeout (A2ACLI_READ_TIMEOUT).
    monkeypatch.setenv("A2ACLI_READ_TIMEOUT", "1")
    result = run_cli(["task", "cancel", "task-hostile-1", "-a", hostile.card_url("rpc-stall")], capsys)
    check_run(result, codes={3, 5}, max_seconds=8, case="task cancel rpc-stall idle 1s")
