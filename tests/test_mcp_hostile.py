"""`a2a mcp` against agents that misbehave on purpose (tests/hostile): escapes and markup kept out of the text
summaries, huge events and results bounded, stalls ended by the call's timeout, credentials kept out of results
and away from agents the user did not pin. Driven by the official `mcp` SDK's client over stdio."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.hostile.fixtures import hostile  # noqa: F401  (the module-scoped fixture)
from tests.hostile.servers import EVIL_BYTES, EVIL_TITLE, HostileAgent
from tests.support.mcp_client import run, stdio_session, text_of

SECRET = "s3cr3t-mcp-bearer-7f1c"


def _calls(pins: list[str], calls: list[tuple[str, dict[str, Any]]], *extra: str, env: dict[str, str] | None = None
           ) -> list[Any]:
    args = [a for pin in pins for a in ("--agent", pin)]

    async def go() -> list[Any]:
        async with stdio_session(*args, *extra, env=env) as session:
            return [await session.call_tool(name, arguments) for name, arguments in calls]

    return run(go())


def _assert_clean(text: str) -> None:
    for byte in EVIL_BYTES:
        assert byte not in text, (byte, text)
    assert EVIL_TITLE not in text


def test_escapes_in_artifacts_and_cards_never_reach_a_summary(hostile: HostileAgent) -> None:  # noqa: F811
    artifact, card = hostile.origin_ref("escape-artifact"), hostile.origin_ref("escape-card")
    results = _calls(
        [artifact, card],
        [
            ("send_message", {"agent": artifact, "text": "hi"}),
            ("send_message_and_follow", {"agent": artifact, "text": "hi"}),
            ("get_agent_card", {"agent": card}),
            ("list_skills", {"agent": card}),
            ("list_agents", {}),
        ],
    )
    for result in results:
        _assert_clean(text_of(result))
    sent = results[0]
    assert sent.isError is False, text_of(sent)
    # The protocol objects stay faithful (they are data, not text for a terminal); the summary is clean.
    assert "\x1b" in sent.structuredContent["text"]
    assert "[bold red]RICH[/bold red]" in text_of(sent)  # markup shown literally, inside the agent's fence
    assert "--- agent text (untrusted" in text_of(sent)


def test_escapes_never_reach_a_progress_message(hostile: HostileAgent) -> None:  # noqa: F811
    pin = hostile.origin_ref("sse-escape")
    messages: list[str] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    async def go() -> Any:
        async with stdio_session("--agent", pin) as session:
            return await session.call_tool("send_message_and_follow", {"text": "hi"}, progress_callback=on_progress)

    result = run(go())
    assert result.isError is False, text_of(result)[:500]
    assert messages and any("RICH" in m for m in messages)  # the agent's words arrived, cleaned
    for message in messages:
        _assert_clean(message)
    _assert_clean(text_of(result))


def test_an_error_message_with_escapes_is_a_clean_tool_error(hostile: HostileAgent) -> None:  # noqa: F811
    pin = hostile.origin_ref("escape-error")
    (result,) = _calls([pin], [("send_message", {"text": "hi"})])
    assert result.isError is True
    _assert_clean(text_of(result))
    assert text_of(result).startswith("error: ")
    assert f"[{result.structuredContent['error']['code']}]" in text_of(result)


@pytest.mark.parametrize(
    ("scenario", "tool"),
    [
        ("sse-huge-event", "send_message_and_follow"),
        ("sse-gzip-bomb", "send_message_and_follow"),
        ("rpc-huge-result", "get_task"),
        ("huge-card", "get_agent_card"),
        ("gzip-bomb-card", "get_agent_card"),
    ],
)
def test_huge_answers_end_as_bounded_tool_errors(hostile: HostileAgent, scenario: str, tool: str) -> None:  # noqa: F811
    pin = hostile.origin_ref(scenario)
    arguments: dict[str, Any] = {"task_id": "task-hostile-1"} if tool == "get_task" else {}
    if tool.startswith("send"):
        arguments["text"] = "hi"
    started = time.monotonic()
    (result,) = _calls([pin], [(tool, {**arguments, "timeout": 30})])
    assert time.monotonic() - started < 60
    assert result.isError is True, text_of(result)[:500]
    text = text_of(result)
    assert len(text) < 2000 and "[" in text and "A2ACLI_ERR_TIMEOUT" not in text  # refused by the cap, not by time


@pytest.mark.parametrize(
    ("scenario", "tool"),
    [
        ("sse-stall", "send_message_and_follow"),
        ("sse-stall-after-event", "send_message"),
        ("rpc-stall", "get_task"),
        ("card-stall", "get_agent_card"),
    ],
)
def test_stalls_end_at_the_calls_timeout(hostile: HostileAgent, scenario: str, tool: str) -> None:  # noqa: F811
    pin = hostile.origin_ref(scenario)
    arguments: dict[str, Any] = {"task_id": "task-hostile-1"} if tool == "get_task" else {}
    if tool.startswith("send"):
        arguments["text"] = "hi"
    started = time.monotonic()
    (result,) = _calls([pin], [(tool, {**arguments, "timeout": 2})])
    took = time.monotonic() - started
    assert result.isError is True, text_of(result)[:500]
    assert "[A2ACLI_ERR_TIMEOUT]" in text_of(result), text_of(result)
    assert took < 20  # the call's 2 s, the server's start-up and a loaded machine; never the 30 s stall


def test_many_events_each_become_progress_and_the_call_stays_bounded(hostile: HostileAgent) -> None:  # noqa: F811
    pin = hostile.origin_ref("sse-many-events")
    seen: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        seen.append(value)

    async def go() -> Any:
        async with stdio_session("--agent", pin) as session:
            return await session.call_tool("send_message_and_follow", {"text": "hi"}, progress_callback=on_progress)

    result = run(go())
    assert result.isError is False, text_of(result)[:500]
    assert seen == sorted(seen) and len(seen) == result.structuredContent["events"] >= 2000


def test_configured_credentials_are_redacted_from_results(hostile: HostileAgent) -> None:  # noqa: F811
    pin = hostile.origin_ref("echo-credentials")
    (result,) = _calls([pin], [("send_message", {"text": "hi"})], "--bearer", SECRET)
    assert result.isError is True
    assert SECRET in hostile.recorder.all_text()  # it was sent to the pinned agent, which echoed it back
    assert SECRET not in text_of(result) and SECRET not in str(result.structuredContent)
    assert "***" in text_of(result)


def test_an_unpinned_agent_gets_no_request(hostile: HostileAgent) -> None:  # noqa: F811
    pinned, other = hostile.origin_ref("ok"), hostile.origin_ref("echo-credentials", "v03")
    hostile.recorder.clear()
    results = _calls([pinned], [("get_agent_card", {"agent": other}), ("send_message", {"agent": other, "text": "x"})])
    assert all(r.isError and "[A2ACLI_ERR_USAGE]" in text_of(r) for r in results)
    assert not [r for r in hostile.recorder.snapshot() if r.path.startswith("/v03/")]


def test_allow_any_agent_reaches_others_without_the_users_credentials(hostile: HostileAgent) -> None:  # noqa: F811
    pinned, other = hostile.origin_ref("ok"), hostile.origin_ref("ok", "v1rest")
    hostile.recorder.clear()
    results = _calls(
        [pinned],
        [
            ("get_agent_card", {"agent": pinned}),
            ("send_message", {"agent": other, "text": "hi"}),
            ("get_agent_card", {"agent": "./card.json"}),
        ],
        "--allow-any-agent",
        "--bearer",
        SECRET,
    )
    assert results[0].isError is False and results[1].isError is False, text_of(results[1])
    assert results[1].structuredContent["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert results[2].isError is True and "local file that was not pinned" in text_of(results[2])
    to_other = [r for r in hostile.recorder.snapshot() if r.path.startswith("/v1rest/")]
    assert to_other, "the unpinned agent was reached"
    for request in to_other:
        assert SECRET not in " ".join(request.headers.values()) and "authorization" not in request.headers


@pytest.mark.parametrize(
    ("scenario", "tool", "code"),
    [
        ("card-404", "get_agent_card", "A2ACLI_ERR_CARD_NOT_FOUND"),
        ("html-card", "get_agent_card", "A2ACLI_ERR_CARD_INVALID"),
        ("rpc-401", "send_message", "A2ACLI_ERR_CREDENTIALS_MISSING"),
        ("unknown-code", "send_message", "A2ACLI_ERR_INTERNAL"),  # a code A2A does not define
        ("rpc-html-200", "get_task", "InvalidAgentResponseError"),
    ],
)
def test_failures_carry_the_spec_code(hostile: HostileAgent, scenario: str, tool: str, code: str) -> None:  # noqa: F811
    arguments: dict[str, Any] = {"task_id": "task-hostile-1"} if tool == "get_task" else {}
    if tool.startswith("send"):
        arguments["text"] = "hi"
    (result,) = _calls([hostile.origin_ref(scenario)], [(tool, arguments)])
    assert result.isError is True
    assert result.structuredContent["error"]["code"] == code, text_of(result)
    assert text_of(result).startswith("error: ") and f"[{code}]" in text_of(result)


def test_an_agent_that_is_not_there_is_unreachable() -> None:
    from tests.support.server import free_port

    (result,) = _calls([f"http://127.0.0.1:{free_port()}"], [("get_agent_card", {})])
    assert result.isError is True and "[A2ACLI_ERR_UNREACHABLE]" in text_of(result), text_of(result)
