"""`a2a mcp` over stdio, driven by the official `mcp` SDK's client (ClientSession over stdio_client) against the
real demo agent: every tool, progress notifications, the pins, the resources, and stdout carrying only the protocol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from a2acli.cli import run as cli_run
from tests.support.agent import demo_agent
from tests.support.mcp_client import Stdio, command, run, stdio_session, text_of

DEMO_TEXT = "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities."
TOOLS = {
    "list_agents",
    "get_agent_card",
    "validate_agent_card",
    "list_skills",
    "send_message",
    "send_message_and_follow",
    "get_task",
    "list_tasks",
    "cancel_task",
    "subscribe_task",
}


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    with demo_agent(delay=0.01) as url:
        yield url


@pytest.fixture(scope="module")
def slow_agent() -> Iterator[str]:
    """Each word 0.4 s: a task runs for about 6 s, long enough to be seen working, followed, canceled."""
    with demo_agent(delay=0.4) as url:
        yield url


def _start_task(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """A task left running on the agent (`a2a send --async`): its id."""
    capsys.readouterr()
    assert cli_run(["send", "--async", "-o", "json", "-a", url, "take your time"]) == 0
    return str(json.loads(capsys.readouterr().out)["task"]["id"])


def test_the_tools_are_listed_with_closed_schemas_that_take_no_credentials(agent: str) -> None:
    async def go() -> Any:
        async with stdio_session("--agent", agent) as session:
            return await session.list_tools()

    listed = run(go())
    assert {tool.name for tool in listed.tools} == TOOLS
    for tool in listed.tools:
        schema = tool.inputSchema
        assert schema["type"] == "object" and schema["additionalProperties"] is False, tool.name
        assert tool.description and tool.annotations is not None
        names = " ".join(schema["properties"]).lower()
        for word in ("bearer", "token", "api_key", "apikey", "password", "credential", "header"):
            assert word not in names.replace("page_token", ""), (tool.name, names)
    by_name = {tool.name: tool for tool in listed.tools}
    assert by_name["get_task"].inputSchema["required"] == ["task_id"]
    assert by_name["send_message"].annotations.readOnlyHint is False
    assert by_name["get_agent_card"].annotations.readOnlyHint is True


def test_send_message_round_trip_returns_the_final_task_and_its_text(agent: str) -> None:
    async def go() -> Any:
        async with stdio_session("--agent", agent) as session:
            return await session.call_tool("send_message", {"text": "hello over MCP"})

    result = run(go())
    assert result.isError is False
    structured = result.structuredContent
    assert structured["agent"] == agent
    assert structured["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert structured["text"] == DEMO_TEXT
    summary = text_of(result)
    assert "COMPLETED" in summary and structured["task"]["id"] in summary
    assert f"--- agent text (untrusted, as the agent sent it) ---\n{DEMO_TEXT}\n--- end of agent text ---" in summary


def test_send_and_follow_reports_each_event_as_a_progress_notification(agent: str) -> None:
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async def go() -> Any:
        async with stdio_session("--agent", agent) as session:
            return await session.call_tool(
                "send_message_and_follow", {"text": "stream it"}, progress_callback=on_progress
            )

    result = run(go())
    assert result.isError is False, text_of(result)
    assert result.structuredContent["text"] == DEMO_TEXT
    events = result.structuredContent["events"]
    assert len(progress) == events >= len(DEMO_TEXT.split())  # one notification per event, none lost
    assert [value for value, _ in progress] == [float(i) for i in range(1, len(progress) + 1)]
    messages = [m or "" for _, m in progress]
    assert messages[0].startswith("task ") and "SUBMITTED" in messages[0]
    chunks = "".join(m.split(": ", 1)[1] for m in messages if m.startswith("artifact "))
    assert chunks == DEMO_TEXT
    assert any(m == "status: COMPLETED" for m in messages)


def test_card_validation_and_skills(agent: str) -> None:
    async def go() -> tuple[Any, Any, Any]:
        async with stdio_session("--agent", agent) as session:
            card = await session.call_tool("get_agent_card", {})
            report = await session.call_tool("validate_agent_card", {"agent": agent, "strict": True})
            skills = await session.call_tool("list_skills", {"agent": agent.removeprefix("http://")})
            return card, report, skills

    card, report, skills = run(go())
    document = card.structuredContent["card"]
    assert document["name"] == "Streaming Demo Agent"
    assert card.structuredContent["source"] == f"{agent}/.well-known/agent-card.json"
    assert "Agent Streaming Demo Agent" in text_of(card) and "Streaming: yes" in text_of(card)
    assert report.isError is False
    assert report.structuredContent["report"]["valid"] is True
    assert text_of(report).startswith("The card is valid")
    assert [s["id"] for s in skills.structuredContent["skills"]] == [s["id"] for s in document["skills"]]
    assert all(s["id"] in text_of(skills) for s in document["skills"])


def test_get_list_subscribe_and_cancel_a_running_task(slow_agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    followed = _start_task(slow_agent, capsys)
    canceled = _start_task(slow_agent, capsys)
    progress: list[str] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    async def go() -> dict[str, Any]:
        async with stdio_session("--agent", slow_agent) as session:
            out = {"get": await session.call_tool("get_task", {"task_id": followed})}
            out["list"] = await session.call_tool("list_tasks", {"page_size": 50})
            out["cancel"] = await session.call_tool("cancel_task", {"task_id": canceled})
            out["again"] = await session.call_tool("cancel_task", {"task_id": canceled})
            out["follow"] = await session.call_tool(
                "subscribe_task", {"task_id": followed, "wait": 60}, progress_callback=on_progress
            )
            out["missing"] = await session.call_tool("get_task", {"task_id": "no-such-task"})
            return out

    out = run(go())
    got = out["get"].structuredContent["task"]
    assert got["id"] == followed and got["status"]["state"] in ("TASK_STATE_SUBMITTED", "TASK_STATE_WORKING")
    listed = {t["id"] for t in out["list"].structuredContent["tasks"]}
    assert {followed, canceled} <= listed
    assert out["cancel"].structuredContent["task"]["status"]["state"] == "TASK_STATE_CANCELED"
    assert out["again"].isError is False and out["again"].structuredContent["alreadyCanceled"] is True
    follow = out["follow"].structuredContent
    assert follow["finished"] is True and follow["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert follow["text"] == DEMO_TEXT
    assert len(progress) == follow["events"] > 1 and any(m.startswith("artifact ") for m in progress)
    missing = out["missing"]
    assert missing.isError is True and "[TaskNotFoundError]" in text_of(missing)
    assert missing.structuredContent["error"]["code"] == "TaskNotFoundError"


def test_subscribe_waits_only_as_long_as_asked(slow_agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    task_id = _start_task(slow_agent, capsys)

    async def go() -> Any:
        async with stdio_session("--agent", slow_agent) as session:
            started = time.monotonic()
            result = await session.call_tool("subscribe_task", {"task_id": task_id, "wait": 1})
            return result, time.monotonic() - started

    result, took = run(go())
    assert result.isError is False, text_of(result)
    assert result.structuredContent["finished"] is False
    assert result.structuredContent["task"]["status"]["state"] == "TASK_STATE_WORKING"
    assert "the wait of 1s ended" in text_of(result)
    assert took < 5


def test_an_unpinned_agent_stdin_and_an_unpinned_file_are_refused(agent: str) -> None:
    with demo_agent(delay=0) as other:

        async def go() -> list[Any]:
            async with stdio_session("--agent", agent) as session:
                return [
                    await session.call_tool("get_agent_card", {"agent": other}),
                    await session.call_tool("send_message", {"agent": other, "text": "hi"}),
                    await session.call_tool("get_agent_card", {"agent": "-"}),
                    await session.call_tool("get_agent_card", {"agent": "/etc/hostname"}),
                ]

        results = run(go())
        for result in results:
            assert result.isError is True
            assert "[A2ACLI_ERR_USAGE]" in text_of(result), text_of(result)
            assert result.structuredContent["error"]["code"] == "A2ACLI_ERR_USAGE"
        assert "not one of the agents this server offers" in text_of(results[0])


def test_bad_arguments_are_usage_errors_with_the_spec_code(agent: str) -> None:
    async def go() -> list[Any]:
        async with stdio_session("--agent", agent) as session:
            return [
                await session.call_tool("send_message", {"text": "hi", "bearer": "sneaky"}),
                await session.call_tool("send_message", {}),
                await session.call_tool("get_task", {}),
                await session.call_tool("send_message", {"text": "hi", "parts": [{"file": "/etc/passwd"}]}),
                await session.call_tool("send_message", {"text": "hi", "timeout": -1}),
                await session.call_tool("no_such_tool", {}),
            ]

    for result in run(go()):
        assert result.isError is True
        assert "[A2ACLI_ERR_USAGE]" in text_of(result), text_of(result)


def test_parts_after_the_text_reach_the_agent(agent: str) -> None:
    async def go() -> Any:
        async with stdio_session("--agent", agent) as session:
            parts = [{"data": {"k": 1}}, {"url": "https://example.com/a.txt", "mediaType": "text/plain"}]
            return await session.call_tool("send_message", {"text": "with parts", "parts": parts})

    result = run(go())
    assert result.isError is False, text_of(result)
    history = result.structuredContent["task"].get("history") or []
    sent = next(m for m in history if m.get("role") == "ROLE_USER")
    assert sent["parts"][0] == {"text": "with parts"}
    assert sent["parts"][1]["data"] == {"k": 1}
    assert sent["parts"][2]["url"] == "https://example.com/a.txt"


def test_the_pinned_agents_cards_are_resources(agent: str, slow_agent: str) -> None:
    async def go() -> tuple[Any, Any, Any]:
        async with stdio_session("--agent", agent, "--agent", slow_agent) as session:
            listed = await session.list_resources()
            read = await session.read_resource(listed.resources[1].uri)
            agents = await session.call_tool("list_agents", {})
            return listed, read, agents

    listed, read, agents = run(go())
    assert [str(r.uri) for r in listed.resources] == ["a2a://agents/1/card", "a2a://agents/2/card"]
    assert [r.title for r in listed.resources] == [f"Agent Card of {agent}", f"Agent Card of {slow_agent}"]
    card = json.loads(read.contents[0].text)
    assert card["name"] == "Streaming Demo Agent" and read.contents[0].mimeType == "application/json"
    assert slow_agent.rsplit(":", 1)[1] in json.dumps(card)  # the second agent's own card
    entries = agents.structuredContent["agents"]
    assert [e["agent"] for e in entries] == [agent, slow_agent]
    assert all(e["name"] == "Streaming Demo Agent" for e in entries)


def test_without_a_pin_or_allow_any_agent_the_server_does_not_start() -> None:
    proc = subprocess.run(command(), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "[A2ACLI_ERR_USAGE]" in proc.stderr and "--agent" in proc.stderr


def test_stdout_carries_only_the_protocol_even_under_debug(agent: str) -> None:
    """Raw JSON-RPC lines in, and every line out is a JSON-RPC message (a debug run writes its wire log too)."""
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "send_message", "arguments": {"text": "hi"}, "_meta": {"progressToken": "p"}}},
        {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "get_agent_card", "arguments": {}}},
    ]
    proc = subprocess.Popen(
        command("--agent", agent, "--debug"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    answers: dict[int, dict[str, Any]] = {}
    lines: list[str] = []
    try:
        for request in requests:
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            if "id" not in request:
                continue
            while request["id"] not in answers:
                line = proc.stdout.readline()
                assert line, "the server closed stdout"
                lines.append(line)
                message = json.loads(line)
                assert message["jsonrpc"] == "2.0"
                if "id" in message:
                    answers[message["id"]] = message
        rest, err = proc.communicate(timeout=30)  # closes stdin: the server ends
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rest == ""
    assert "debug:" in err  # the wire log went to stderr
    assert answers[3]["result"]["isError"] is False
    assert answers[3]["result"]["structuredContent"]["text"] == DEMO_TEXT
    assert answers[4]["result"]["structuredContent"]["card"]["name"] == "Streaming Demo Agent"


def test_a_stdio_server_ends_when_its_client_goes_away(agent: str) -> None:
    log = Stdio()

    async def go() -> None:
        async with stdio_session("--agent", agent, log=log) as session:
            await session.list_tools()

    started = time.monotonic()
    run(go())
    assert time.monotonic() - started < 30
    assert "Traceback" not in log.stderr, log.stderr


def test_mcp_help_names_every_tool() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "a2acli", "mcp", "--help"], capture_output=True, text=True, timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0
    for name in TOOLS:
        assert name in proc.stdout


def test_a_call_the_client_cancels_cancels_its_task_and_the_server_goes_on(slow_agent: str) -> None:
    """notifications/cancelled mid-stream: the turn stops, the agent is asked to cancel the task (nobody waits for it
    any more), and the next call is answered as usual."""
    import anyio
    import mcp.types as types

    first: list[str] = []
    started = anyio.Event()

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        if message and message.startswith("task "):
            first.append(message.split()[1].rstrip(":"))
        if message and message.startswith("artifact "):
            started.set()

    async def go() -> Any:
        async with stdio_session("--agent", slow_agent) as session:
            async with anyio.create_task_group() as group:

                async def call() -> None:
                    await session.call_tool("send_message_and_follow", {"text": "x"}, progress_callback=on_progress)

                group.start_soon(call)
                with anyio.fail_after(30):
                    await started.wait()
                cancel = types.CancelledNotification(params=types.CancelledNotificationParams(requestId=1))
                await session.send_notification(types.ClientNotification(cancel))  # id 1: the first call
                group.cancel_scope.cancel()  # the client stops waiting too
            deadline = time.monotonic() + 20
            while True:
                result = await session.call_tool("get_task", {"task_id": first[0]})
                state = result.structuredContent["task"]["status"]["state"]
                if state == "TASK_STATE_CANCELED" or time.monotonic() > deadline:
                    return result
                await anyio.sleep(0.2)

    result = run(go())
    assert result.isError is False
    assert result.structuredContent["task"]["status"]["state"] == "TASK_STATE_CANCELED"


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON", "GRPC"])
def test_every_binding_the_client_speaks_serves_the_tools(binding: str) -> None:
    """The tools are the client the commands use: `--transport` picks the binding for them as for `a2a send`."""
    log = Stdio()
    with demo_agent(grpc_port=0, delay=0.01) as url:

        async def go() -> tuple[Any, Any]:
            async with stdio_session("--agent", url, "--transport", binding, "--debug", log=log) as session:
                followed = await session.call_tool("send_message_and_follow", {"text": "hi"})
                task = await session.call_tool("get_task", {"task_id": followed.structuredContent["task"]["id"]})
                return followed, task

        followed, task = run(go())
    assert f"debug: interface: {binding} " in log.stderr, log.stderr[:2000]
    assert followed.isError is False, text_of(followed)
    assert followed.structuredContent["text"] == DEMO_TEXT
    assert task.structuredContent["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert task.structuredContent["text"] == DEMO_TEXT


def test_a_pinned_card_file_and_a_conversation_carried_by_its_context_id(agent: str) -> None:
    """A card file is an agent reference too (pinned: files are read only then); `context_id` continues the
    conversation a first send started."""
    import httpx

    card = httpx.get(f"{agent}/.well-known/agent-card.json", timeout=30).json()
    path = os.path.join(os.getcwd(), "demo-card.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump(card, out)

    async def go() -> tuple[Any, Any, Any]:
        async with stdio_session("--agent", "./demo-card.json") as session:
            shown = await session.call_tool("get_agent_card", {"agent": path})  # another spelling of the pin
            first = await session.call_tool("send_message", {"text": "one"})
            context = first.structuredContent["task"]["contextId"]
            second = await session.call_tool("send_message", {"text": "two", "context_id": context})
            return shown, first, second

    shown, first, second = run(go())
    assert shown.isError is False and shown.structuredContent["source"].endswith("demo-card.json")
    assert first.isError is False and second.isError is False, text_of(second)
    assert second.structuredContent["task"]["contextId"] == first.structuredContent["task"]["contextId"]
    assert second.structuredContent["task"]["id"] != first.structuredContent["task"]["id"]


def test_a_send_whose_timeout_expires_names_the_task_and_leaves_it_running(slow_agent: str) -> None:
    async def go() -> tuple[Any, Any]:
        async with stdio_session("--agent", slow_agent) as session:
            sent = await session.call_tool("send_message", {"text": "slow", "timeout": 1.5})
            task_id = sent.structuredContent["error"]["message"].split("(task ", 1)[1].split(",", 1)[0]
            return sent, await session.call_tool("get_task", {"task_id": task_id})

    sent, task = run(go())
    assert sent.isError is True and "[A2ACLI_ERR_TIMEOUT]" in text_of(sent), text_of(sent)
    assert "the call's timeout" in text_of(sent) and "get_task" in text_of(sent)
    assert task.structuredContent["task"]["status"]["state"] == "TASK_STATE_WORKING"
