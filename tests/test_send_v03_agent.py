"""`a2a send` / `a2a stream` against an agent built plainly with the a2a-sdk, speaking ONLY A2A 0.3:
a 0.3 card (`url`, `preferredTransport`, `protocolVersion: 0.3.0`) and the SDK's v0.3 compat routes. The CLI must
pick the 0.3 wire by itself (saying so under --debug), send `A2A-Version: 0.3`, and print A2A 1.0 JSON."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from a2acli.cli import run
from tests.support.server import serve_in_thread

WORDS = ["Once ", "upon ", "a ", "time."]


def _sdk_app(headers_seen: list[dict[str, str]]) -> Any:
    from a2a.server.agent_execution import AgentExecutor, RequestContext
    from a2a.server.events import EventQueue
    from a2a.server.request_handlers import DefaultRequestHandlerV2
    from a2a.server.routes import create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
    from a2a.types.a2a_pb2 import (
        AgentCapabilities,
        AgentCard,
        AgentInterface,
        Message,
        Part,
        Role,
        Task,
        TaskState,
        TaskStatus,
    )

    class StoryExecutor(AgentExecutor):
        async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
            task_id = context.task_id or str(uuid.uuid4())
            context_id = context.context_id or str(uuid.uuid4())
            text = context.get_user_input(" ")
            if context.current_task is None:
                task = Task(id=task_id, context_id=context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))
                if context.message is not None:
                    task.history.append(context.message)
                await event_queue.enqueue_event(task)
            updater = TaskUpdater(event_queue, task_id, context_id)
            await updater.start_work()
            if text.startswith("ask"):
                question = Message(
                    message_id=str(uuid.uuid4()), role=Role.ROLE_AGENT, parts=[Part(text="Which story?")]
                )
                await updater.requires_input(question)
                return
            artifact_id = str(uuid.uuid4())
            for i, word in enumerate(WORDS):
                await updater.add_artifact(
                    [Part(text=word)], artifact_id=artifact_id, name="story", append=i > 0, last_chunk=i == 3
                )
            await updater.complete()

        async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
            await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()

    card = AgentCard(
        name="SDK 0.3 agent",
        description="a plain a2a-sdk agent on the 0.3 wire",
        version="1.0.0",
        supported_interfaces=[
            AgentInterface(url="http://placeholder/", protocol_binding="JSONRPC", protocol_version="0.3")
        ],
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
    )
    handler = DefaultRequestHandlerV2(agent_executor=StoryExecutor(), task_store=InMemoryTaskStore(), agent_card=card)
    routes = create_jsonrpc_routes(handler, rpc_url="/", enable_v0_3_compat=True)

    async def card_route(request: Request) -> Response:
        base = str(request.base_url)
        return JSONResponse(
            {
                "protocolVersion": "0.3.0",
                "name": "SDK 0.3 agent",
                "description": "a plain a2a-sdk agent on the 0.3 wire",
                "url": base,
                "preferredTransport": "JSONRPC",
                "version": "1.0.0",
                "capabilities": {"streaming": True},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [],
            }
        )

    class Recorder:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                headers_seen.append({k.decode(): v.decode() for k, v in scope["headers"]} | {":path": scope["path"]})
            await self.app(scope, receive, send)

    return Recorder(Starlette(routes=[Route("/.well-known/agent-card.json", card_route), *routes]))


@pytest.fixture(scope="module")
def v03_agent() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    with serve_in_thread(_sdk_app(seen)) as url:
        yield url, seen


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_stream_json_lines_are_a2a_10(
    v03_agent: tuple[str, list[dict[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, seen = v03_agent
    seen.clear()
    assert run(["send", "tell me", "-a", url, "--stream", "-o", "json", "--debug"]) == 0
    out, err = capsys.readouterr()
    assert "only speaks A2A 0.3" in err and "legacy" in err
    events = _lines(out)
    assert events[0]["task"]["status"]["state"] == "TASK_STATE_SUBMITTED"
    assert events[0]["task"]["history"][0]["role"] == "ROLE_USER"
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    text = "".join(p["text"] for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"])
    assert text == "".join(WORDS)
    assert '"kind"' not in out and "input-required" not in out
    rpc_calls = [h for h in seen if h[":path"] == "/" and "a2a-version" in h]
    assert rpc_calls and all(h["a2a-version"] == "0.3" for h in rpc_calls)
    assert len(rpc_calls) == len([h for h in seen if h[":path"] == "/"])  # every A2A request had it


def test_blocking_send_and_input_required_round_trip(
    v03_agent: tuple[str, list[dict[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = v03_agent
    assert run(["send", "tell me", "-a", url, "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    task = doc["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == "".join(WORDS)
    assert run(["send", "ask me", "-a", url]) == 0
    out, err = capsys.readouterr()
    assert "State: INPUT_REQUIRED" in out and "Message:\nWhich story?\n" in out
    task_id = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Task ID: "))
    assert f"Reply: a2a send -a {url} --task-id {task_id}" in out
    assert run(["stream", "the dragon one", "-a", url, "--task-id", task_id]) == 0
    out, _ = capsys.readouterr()
    assert "State: COMPLETED" in out and "".join(WORDS) in out
    assert run(["send", "x", "-a", url, "--task-id", "no-such-task"]) == 1
    _, err = capsys.readouterr()
    assert "[TaskNotFoundError]" in err


def test_pinning_10_on_a_03_only_agent_is_a_clear_error(
    v03_agent: tuple[str, list[dict[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = v03_agent
    assert run(["send", "hi", "-a", url, "--a2a-version", "1.0"]) == 1
    _, err = capsys.readouterr()
    assert "[VersionNotSupportedError]" in err and "0.3" in err


def test_going_below_1_0_warns_every_run_unless_pinned(
    v03_agent: tuple[str, list[dict[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = v03_agent
    for _ in range(2):
        assert run(["send", "tell me", "-a", url, "-o", "json"]) == 0
        out, err = capsys.readouterr()
        assert err.count("warning:") == 1 and "A2A 0.3" in err and "--a2a-version 0.3" in err
        assert json.loads(out)["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert run(["send", "tell me", "-a", url, "-o", "json", "--a2a-version", "0.3"]) == 0
    assert capsys.readouterr().err == ""
