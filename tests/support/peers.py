"""Agents that are not `a2a serve`, for `a2a conformance` and its agreement with the A2A TCK.

- `sdk_agent()`: a plain a2a-sdk 1.3 agent on A2A 1.0 (JSON-RPC + HTTP+JSON), the tutorial's executor (a task
  that streams a few words as one artifact and completes), no TCK scenarios, no push-notification store;
- `v03_agent()`: the same executor behind a 0.3 card (`url`, `preferredTransport`, `protocolVersion: 0.3.0`) and
  the SDK's 0.3 compat JSON-RPC route;
- `sloppy_agent()`: the plain SDK agent behind an ASGI layer that misbehaves on purpose: it ignores the A2A-Version
  header (serves any version), answers errors with HTTP 200 JSON-RPC bodies without `data` and mislabels the
  unknown-task error code.

`js_agent()` runs a plain @a2a-js/sdk 1.3 agent (tests/interop/js-agent/agent.mjs, npm-installed there on first
use; None when node or npm is missing).

`python -m tests.support.peers NAME PORT` serves one of them on 127.0.0.1:PORT (for running the TCK by hand).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.support.server import serve_in_thread

WORDS = ["Once ", "upon ", "a ", "time."]


def _executor() -> Any:
    from a2a.server.agent_execution import AgentExecutor, RequestContext
    from a2a.server.events import EventQueue
    from a2a.server.tasks import TaskUpdater
    from a2a.types.a2a_pb2 import Part, Task, TaskState, TaskStatus

    class StoryExecutor(AgentExecutor):
        async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
            task_id = context.task_id or str(uuid.uuid4())
            context_id = context.context_id or str(uuid.uuid4())
            if context.current_task is None:
                task = Task(id=task_id, context_id=context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))
                if context.message is not None:
                    task.history.append(context.message)
                await event_queue.enqueue_event(task)
            updater = TaskUpdater(event_queue, task_id, context_id)
            await updater.start_work()
            artifact_id = str(uuid.uuid4())
            for i, word in enumerate(WORDS):
                await updater.add_artifact(
                    [Part(text=word)], artifact_id=artifact_id, name="story", append=i > 0, last_chunk=i == 3
                )
            await updater.complete()

        async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
            await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()

    return StoryExecutor()


def _sdk_app(base: str, *, legacy: bool = False) -> Any:
    from a2a.server.request_handlers import DefaultRequestHandlerV2
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes, create_rest_routes
    from a2a.server.tasks import InMemoryTaskStore
    from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentInterface, AgentSkill
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    version = "0.3" if legacy else "1.0"
    interfaces = [AgentInterface(url=base + "/", protocol_binding="JSONRPC", protocol_version=version)]
    if not legacy:
        interfaces.append(AgentInterface(url=base, protocol_binding="HTTP+JSON", protocol_version="1.0"))
    card = AgentCard(
        name="SDK story agent",
        description="a plain a2a-sdk 1.3 agent: each message starts a task that streams a short story",
        version="1.0.0",
        supported_interfaces=interfaces,
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="story", name="Story", description="tells a four-word story", tags=["story"])],
    )
    handler = DefaultRequestHandlerV2(agent_executor=_executor(), task_store=InMemoryTaskStore(), agent_card=card)
    if legacy:

        async def card_route(request: Request) -> Response:
            return JSONResponse(
                {
                    "protocolVersion": "0.3.0",
                    "name": "SDK 0.3 agent",
                    "description": "a plain a2a-sdk agent on the 0.3 wire",
                    "url": base + "/",
                    "preferredTransport": "JSONRPC",
                    "version": "1.0.0",
                    "capabilities": {"streaming": True},
                    "defaultInputModes": ["text/plain"],
                    "defaultOutputModes": ["text/plain"],
                    "skills": [],
                }
            )

        routes = [
            Route("/.well-known/agent-card.json", card_route),
            *create_jsonrpc_routes(handler, rpc_url="/", enable_v0_3_compat=True),
        ]
        return Starlette(routes=routes)
    routes = [
        *create_agent_card_routes(card),
        *create_jsonrpc_routes(handler, rpc_url="/"),
        *create_rest_routes(handler),
    ]
    return Starlette(routes=routes)


class _Late:
    """An app whose base URL (for the card) is known only once the server listens on its port-0 socket."""

    def __init__(self, build: Any) -> None:
        self.build = build
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            if scope["type"] == "lifespan":
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                    message = await receive()
                await send({"type": "lifespan.shutdown.complete"})
                return
            server = scope.get("server") or ("127.0.0.1", 0)
            self.app = self.build(f"http://{server[0]}:{server[1]}")
        await self.app(scope, receive, send)


class _Sloppy:
    """Breaks three 1.0 rules on purpose: any A2A-Version is served (no VersionNotSupportedError), JSON-RPC errors
    lose their `data` (no ErrorInfo), and TaskNotFoundError (-32001) is answered as a generic -32603."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"a2a-version"] + [
            (b"a2a-version", b"1.0")
        ]
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        streaming = False

        async def capture(message: Any) -> None:
            nonlocal streaming
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                streaming = headers.get(b"content-type", b"").startswith(b"text/event-stream")
                if streaming:
                    await send(message)
                else:
                    start.update(message)
                return
            if streaming:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            if isinstance(doc, dict) and isinstance(doc.get("error"), dict) and doc.get("jsonrpc") == "2.0":
                doc["error"].pop("data", None)
                if doc["error"].get("code") == -32001:
                    doc["error"]["code"] = -32603
                body = json.dumps(doc).encode()
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


@contextlib.contextmanager
def sdk_agent() -> Iterator[str]:
    with serve_in_thread(_Late(_sdk_app)) as url:
        yield url


@contextlib.contextmanager
def v03_agent() -> Iterator[str]:
    with serve_in_thread(_Late(lambda base: _sdk_app(base, legacy=True))) as url:
        yield url


@contextlib.contextmanager
def sloppy_agent() -> Iterator[str]:
    with serve_in_thread(_Late(lambda base: _Sloppy(_sdk_app(base)))) as url:
        yield url


JS_AGENT_DIR = Path(__file__).resolve().parents[1] / "interop" / "js-agent"


def install_js_agent() -> Path | None:
    """tests/interop/js-agent with its node_modules (npm ci on first use); None without node and npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return None
    if not (JS_AGENT_DIR / "node_modules" / "express" / "package.json").is_file():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS_AGENT_DIR, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm ci in {JS_AGENT_DIR} failed:\n{done.stderr[-2000:]}")
    return JS_AGENT_DIR / "agent.mjs"


@contextlib.contextmanager
def js_agent() -> Iterator[str]:
    """The @a2a-js/sdk agent on a free loopback port until the block ends."""
    script = install_js_agent()
    if script is None:
        raise RuntimeError("node and npm are needed for the @a2a-js/sdk agent")
    # stderr is not read (an undrained pipe could stall the agent): a failed start says how to see why
    proc = subprocess.Popen(["node", str(script), "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(
                f"the @a2a-js/sdk agent did not start: {proc.stderr.read()[-2000:] if proc.stderr else ''}"
            )
        yield json.loads(line)["url"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


PEERS = {
    "sdk": _sdk_app,
    "v03": lambda base: _sdk_app(base, legacy=True),
    "sloppy": lambda base: _Sloppy(_sdk_app(base)),
}


def main(argv: list[str]) -> None:
    import uvicorn

    name, port = argv[0], int(argv[1])
    uvicorn.run(PEERS[name](f"http://127.0.0.1:{port}"), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
