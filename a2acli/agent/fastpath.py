"""The demo agent's lean path for A2A 1.0 `SendStreamingMessage` (JSON-RPC and HTTP+JSON `/message:stream`).

The demo reply is fully determined the moment the request is read: SUBMITTED, WORKING, the reply's words as
chunks of one artifact (with `--delay` before each), COMPLETED. The SDK's general machinery (an ActiveTask
with producer and consumer tasks, two event queues, a task-manager save and a whole-task copy per event,
protobuf -> dict -> JSON per event, the SSE response's helper tasks) costs several times the CPU and memory
the protocol needs (bench/). This pure ASGI layer, in front of the SDK's routes, validates the request exactly
as the SDK does (same proto parse and required-field check) and then:

- delay 0, JSON-RPC: stores the finished task once (so GetTask / ListTasks / CancelTask / SubscribeToTask
  answer as for any completed task) and writes every event, pre-encoded, as one SSE body;
- otherwise (a delay, or HTTP+JSON): `LeanRunner` runs the stream in ONE coroutine, this ASGI call, writing
  each event pre-encoded in the SDK path's exact bytes (sse-starlette's framing, headers and keep-alive ping,
  taken from its public API; the ping timed by the same wait as the next word: no timer task) and saving the
  task to the store at every event, as the SDK's consumer does. The task is registered in `live.LiveTasks`
  while it runs, so CancelTask, SubscribeToTask, push configs and follow-ups reach it through
  `live.DemoRequestHandler`, from any binding. A client that goes away does not stop the task (as on the SDK
  path): it runs to COMPLETED unwatched. At server shutdown (`live.Shutdown`) the stream ends cleanly and the
  task stays as stored (WORKING: `--store sqlite` resumes it, with `LeanRunner` too: recovery.py).

Anything else — another method or version, a tenant, a scenario, a follow-up message (taskId), a push config,
a history length, or any input that is not plainly valid — goes to the SDK unchanged.
`ServeOptions.fast_path=False` turns all of it off.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.event import ensure_bytes

from a2acli.agent.asgi import read_body, replaying
from a2acli.agent.executor import ARTIFACT_NAME, split_words

if TYPE_CHECKING:
    from a2acli.agent.live import LiveTask, LiveTasks, Shutdown
    from a2acli.agent.options import ServeOptions

log = logging.getLogger("a2acli.serve")

ASGIApp = Any
Scope = dict[str, Any]

MARKER = b'"SendStreamingMessage"'
REST_STREAM_PATH = "/message:stream"
SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]
# sse-starlette's framing, from its public defaults: the SDK path's streams are its EventSourceResponse.
SEP = EventSourceResponse.DEFAULT_SEPARATOR
PING_SECONDS = float(EventSourceResponse.DEFAULT_PING_INTERVAL)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_raw_headers: list[tuple[bytes, bytes]] | None = None


def sse_headers() -> list[tuple[bytes, bytes]]:
    """sse-starlette's own response headers (taken once from a real, never started, EventSourceResponse)."""
    global _raw_headers
    if _raw_headers is None:
        _raw_headers = list(EventSourceResponse(iter(())).raw_headers)
    return _raw_headers


def ping_bytes() -> bytes:
    """sse-starlette's keep-alive comment, `: ping - <UTC time>`."""
    return ensure_bytes(ServerSentEvent(comment=f"ping - {datetime.now(UTC)}", sep=SEP), SEP)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FastStreams:
    """Pure ASGI, innermost: serve eligible streams itself, pass the rest through."""

    def __init__(
        self, app: ASGIApp, *, options: ServeOptions, runner: LeanRunner, jsonrpc_paths: tuple[str, ...]
    ) -> None:
        self.app = app
        self.paths = frozenset(jsonrpc_paths)
        self.enabled = options.fast_path and options.serves_v10
        self.delay = max(0.0, float(options.delay))
        self.echo = options.echo
        self.chunks = split_words(options.text)
        self.runner = runner
        self.store = runner.store

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if not self.enabled or scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        rest = path == REST_STREAM_PATH
        if not ((path in self.paths or rest) and _wants_v1(scope)):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # the client went away before sending its body
        plan = self._plan_rest(body) if rest else self._plan(body) if MARKER in body else None
        if plan is None:
            await self.app(scope, replaying(body, receive), send)
            return
        body = b""  # not kept for the life of the stream
        rid, request, chunks = plan
        del plan
        if rest:
            await self._run(scope, send, "", "", request, chunks)
        elif self.delay > 0:
            tail = ', "id": ' + json.dumps(rid) + ', "jsonrpc": "2.0"}'  # the SDK's JSON-RPC envelope, key order
            await self._run(scope, send, '{"result": ', tail, request, chunks)
        else:
            await self._serve(scope, send, rid, request, chunks)

    def _plan_rest(self, body: bytes) -> tuple[Any, Any, list[str]] | None:
        """(None, parsed SendMessageRequest, reply chunks) for an eligible HTTP+JSON stream request, else None."""
        from a2a.types.a2a_pb2 import SendMessageRequest
        from google.protobuf.json_format import Parse

        try:  # as the SDK's RestDispatcher parses it (duplicate keys refused, unknown fields ignored)
            request = Parse(body, SendMessageRequest(), ignore_unknown_fields=True)
        except Exception:
            return None
        return self._eligible(None, request)

    def _plan(self, body: bytes) -> tuple[Any, Any, list[str]] | None:
        """(request id, parsed SendMessageRequest, reply chunks) when this request is eligible, else None."""
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError):  # the SDK path reports it (guards.JsonDepthGuard keeps it rare)
            return None
        if not isinstance(doc, dict) or doc.get("jsonrpc") != "2.0" or doc.get("method") != "SendStreamingMessage":
            return None
        rid = doc.get("id")
        if isinstance(rid, bool) or not isinstance(rid, int | str):
            return None
        params = doc.get("params")
        if not isinstance(params, dict):
            return None
        from a2a.types.a2a_pb2 import SendMessageRequest
        from google.protobuf.json_format import ParseDict

        try:
            request = ParseDict(params, SendMessageRequest(), ignore_unknown_fields=True)
        except Exception:  # the SDK path reports it, in its own words
            return None
        return self._eligible(rid, request)

    def _eligible(self, rid: Any, request: Any) -> tuple[Any, Any, list[str]] | None:
        from a2a.utils.proto_utils import validate_proto_required_fields

        try:
            validate_proto_required_fields(request)
        except Exception:  # the SDK path reports it, in its own words
            return None
        message = request.message
        config = request.configuration
        if (
            message.task_id
            or request.tenant
            or config.HasField("task_push_notification_config")
            or config.HasField("history_length")
        ):
            return None
        user_text = " ".join(p.text for p in message.parts if p.HasField("text"))
        from a2acli.agent.scenarios import find_scenario

        if find_scenario(message.message_id, user_text) is not None:
            return None
        chunks = split_words(user_text) if self.echo and user_text.strip() else self.chunks
        return rid, request, chunks

    async def _serve(self, scope: Scope, send: Any, rid: Any, request: Any, chunks: list[str]) -> None:
        from a2a.server.routes.common import DefaultServerCallContextBuilder
        from a2a.types.a2a_pb2 import Artifact, Part, Task, TaskState, TaskStatus
        from google.protobuf.json_format import MessageToDict
        from starlette.requests import Request

        message = request.message
        task_id = str(uuid.uuid4())
        context_id = message.context_id or str(uuid.uuid4())
        message.task_id = task_id
        message.context_id = context_id
        artifact_id = str(uuid.uuid4())

        working_at = _now()
        task = Task(id=task_id, context_id=context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))
        task.history.append(message)
        submitted = MessageToDict(task)
        # The finished task, stored before the first byte goes out: the outcome is already certain.
        done = Task()
        done.CopyFrom(task)
        done.status.state = TaskState.TASK_STATE_COMPLETED
        completed_at = _now()
        done.status.timestamp.FromJsonString(completed_at)
        parts = [Part(text=c) for c in chunks]
        done.artifacts.append(Artifact(artifact_id=artifact_id, name=ARTIFACT_NAME, parts=parts))
        context = DefaultServerCallContextBuilder().build(Request(scope))
        try:
            await self.store.save(done, context)
        except Exception:
            log.exception("could not store task %s", task_id)
            body = _dumps({"error": {"code": -32603, "message": "Internal error"}, "id": rid, "jsonrpc": "2.0"})
            await _send_sse(send, f"event: error\ndata: {body}\n\n".encode())
            return

        tail = f',"id":{_dumps(rid)},"jsonrpc":"2.0"}}\n\n'
        ids = f'"taskId":"{task_id}","contextId":"{context_id}"'
        last = len(chunks) - 1
        events = [
            'data: {"result":' + _dumps({"task": submitted}) + tail,
            'data: {"result":{"statusUpdate":{'
            + ids
            + ',"status":{"state":"TASK_STATE_WORKING","timestamp":"'
            + working_at
            + '"}}}'
            + tail,
        ]
        head = 'data: {"result":{"artifactUpdate":{' + ids + ',"artifact":{"artifactId":"' + artifact_id + '","name":'
        head += _dumps(ARTIFACT_NAME) + ',"parts":[{"text":'
        for i, chunk in enumerate(chunks):
            flags = ("" if i == 0 else ',"append":true') + (',"lastChunk":true' if i == last else "")
            events.append(head + _dumps(chunk) + "}]}" + flags + "}}" + tail)
        events.append(
            'data: {"result":{"statusUpdate":{'
            + ids
            + ',"status":{"state":"TASK_STATE_COMPLETED","timestamp":"'
            + completed_at
            + '"}}}'
            + tail
        )
        await _send_sse(send, "".join(events).encode())

    async def _run(self, scope: Scope, send: Any, head: str, tail: str, request: Any, chunks: list[str]) -> None:
        """One open stream, start to end, in this coroutine: each event saved, then written (see module doc)."""
        from a2a.server.routes.common import DefaultServerCallContextBuilder
        from a2a.types.a2a_pb2 import Task, TaskState, TaskStatus
        from starlette.requests import Request

        from a2acli.agent.live import LiveTask

        if self.runner.shutdown.requested:
            return  # shutting down: as the SDK path's response, which sends nothing then
        message = request.message
        task_id = str(uuid.uuid4())
        context_id = message.context_id or str(uuid.uuid4())
        message.task_id = task_id
        message.context_id = context_id
        task = Task(id=task_id, context_id=context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))
        task.history.append(message)
        del message, request
        live = LiveTask(task, DefaultServerCallContextBuilder().build(Request(scope)))
        stream = _Writer(send, head, tail)
        if not await self.runner.first_save(live):
            body = _dumps({"error": {"code": -32603, "message": "Internal error"}, "id": None, "jsonrpc": "2.0"})
            await _send_sse(send, f"event: error\ndata: {body}\n\n".encode())
            return
        await stream.start()
        await self.runner.run(live, stream, chunks, first_event=True)
        await stream.end()


class LeanRunner:
    """Runs lean tasks: each in the coroutine that calls `run`, registered in `LiveTasks` while it runs."""

    def __init__(self, *, store: Any, live: LiveTasks, shutdown: Shutdown, push_sender: Any, delay: float) -> None:
        self.store = store
        self.live = live
        self.shutdown = shutdown
        self.push_sender = push_sender
        self.delay = delay

    async def first_save(self, live: LiveTask) -> bool:
        """Register the task, then store it; False (and unregistered) when the store fails."""
        task_id = live.task.id
        self.live[task_id] = live  # before the first save: whoever finds the task in the store finds it live
        try:
            await self.store.save(live.task, live.context)
        except Exception:
            del self.live[task_id]
            live.finish()
            log.exception("could not store task %s", task_id)
            return False
        return True

    async def run(
        self,
        live: LiveTask,
        stream: _Writer | None,
        chunks: list[str],
        *,
        first_event: bool = False,
        first_chunk: int = 0,
        artifact_id: str | None = None,
    ) -> None:
        """SUBMITTED -> WORKING -> the words from `first_chunk` on -> COMPLETED, unless cancelled or stopped."""
        from a2a.types.a2a_pb2 import TaskState
        from google.protobuf.json_format import MessageToDict

        from a2acli.agent.live import CANCEL, STOP

        task = live.task
        task_id = task.id
        shutdown = self.shutdown
        shutdown.add(live)
        if shutdown.requested:
            live.stop()
        loop = asyncio.get_running_loop()
        ids = '"taskId": "' + task_id + '", "contextId": ' + json.dumps(task.context_id, ensure_ascii=False)
        try:
            next_ping = loop.time() + PING_SECONDS
            if stream is not None and first_event:
                await stream.event(json.dumps({"task": MessageToDict(task)}, ensure_ascii=False))
            woke = CANCEL if live.canceling else STOP if live.stopping else 0
            if not woke and task.status.state != TaskState.TASK_STATE_WORKING:
                await self._status(live, stream, ids, TaskState.TASK_STATE_WORKING)
            artifact = _ArtifactChunks(task, ids, chunks, artifact_id)
            i = first_chunk
            while not woke and i < len(chunks):
                due = loop.time() + self.delay
                while True:  # sleep until the next word, pinging every 15 s of silence, unless woken
                    until = min(due, next_ping)
                    woke = await live.sleep_until(until)
                    if woke or until == due:
                        break
                    if stream is not None:
                        await stream.ping()
                    next_ping = loop.time() + PING_SECONDS
                if woke:
                    break
                await self._emit(live, stream, artifact.add(i), artifact.event, i)
                i += 1
            if live.canceling:
                await self._status(live, stream, ids, TaskState.TASK_STATE_CANCELED)
                live.finish()  # the cancel gets its answer: the CANCELED task
            elif not live.stopping:
                await self._status(live, stream, ids, TaskState.TASK_STATE_COMPLETED)
        except Exception:
            log.exception("lean task %s failed", task_id)
        finally:
            if self.live.get(task_id) is live:
                del self.live[task_id]
            shutdown.discard(live)
            live.finish()

    async def _status(self, live: LiveTask, stream: _Writer | None, ids: str, state: int) -> None:
        from a2a.types.a2a_pb2 import TaskState, TaskStatus, TaskStatusUpdateEvent

        status = TaskStatus(state=state)  # type: ignore[arg-type]
        status.timestamp.GetCurrentTime()
        status.timestamp.nanos -= status.timestamp.nanos % 1000  # microseconds, as the SDK's datetime stamps
        task = live.task
        task.status.CopyFrom(status)
        stamp = status.timestamp.ToJsonString()
        data = (
            '{"statusUpdate": {'
            + ids
            + ', "status": {"state": "'
            + TaskState.Name(state)
            + '", "timestamp": "'
            + stamp
            + '"}}}'
        )

        def event() -> Any:
            return TaskStatusUpdateEvent(task_id=task.id, context_id=task.context_id, status=status)

        await self._emit(live, stream, data, event, None)

    async def _emit(self, live: LiveTask, stream: _Writer | None, data: str, make_event: Any, index: Any) -> None:
        """As the SDK's consumer: save the task, deliver pushes, hand the event to subscribers; then write it."""
        await self.store.save(live.task, live.context)
        if live.push or live.inboxes:
            event = make_event() if index is None else make_event(index)
            if live.push and self.push_sender is not None:
                try:
                    await self.push_sender.send_notification(live.task.id, event)
                except Exception:
                    log.exception("push notification for task %s failed", live.task.id)
            for inbox in live.inboxes or ():
                inbox.put(event)
        if stream is not None:
            await stream.event(data)


class _ArtifactChunks:
    """The reply's artifact, one word at a time: appended to the task, and its pre-encoded update event."""

    __slots__ = ("artifact_id", "chunks", "head", "ids", "task")

    def __init__(self, task: Any, ids: str, chunks: list[str], artifact_id: str | None = None) -> None:
        self.task = task
        self.ids = ids
        self.chunks = chunks
        self.artifact_id = artifact_id or str(uuid.uuid4())
        self.head = (
            '{"artifactUpdate": {'
            + ids
            + ', "artifact": {"artifactId": "'
            + self.artifact_id
            + '", "name": '
            + json.dumps(ARTIFACT_NAME, ensure_ascii=False)
            + ', "parts": [{"text": '
        )

    def add(self, i: int) -> str:
        from a2a.types.a2a_pb2 import Artifact, Part

        chunk = self.chunks[i]
        if i == 0 or not self.task.artifacts:
            artifact = Artifact(artifact_id=self.artifact_id, name=ARTIFACT_NAME, parts=[Part(text=chunk)])
            self.task.artifacts.append(artifact)
        else:
            self.task.artifacts[-1].parts.append(Part(text=chunk))
        last = i == len(self.chunks) - 1
        flags = ("" if i == 0 else ', "append": true') + (', "lastChunk": true' if last else "")
        return self.head + json.dumps(chunk, ensure_ascii=False) + "}]}" + flags + "}}"

    def event(self, i: int) -> Any:
        from a2a.types.a2a_pb2 import Artifact, Part, TaskArtifactUpdateEvent

        return TaskArtifactUpdateEvent(
            task_id=self.task.id,
            context_id=self.task.context_id,
            artifact=Artifact(artifact_id=self.artifact_id, name=ARTIFACT_NAME, parts=[Part(text=self.chunks[i])]),
            append=i > 0,
            last_chunk=i == len(self.chunks) - 1,
        )


class _Writer:
    """The SDK path's SSE bytes (sse-starlette's framing and headers); a client that left is written to no more."""

    __slots__ = ("gone", "head", "send", "started", "tail")

    def __init__(self, send: Any, head: str, tail: str) -> None:
        self.send = send
        self.head = head
        self.tail = tail
        self.started = False
        self.gone = False

    async def _write(self, message: dict[str, Any]) -> None:
        if self.gone:
            return
        try:
            await self.send(message)
        except Exception:  # the connection is gone; the task carries on, as on the SDK path
            self.gone = True

    async def start(self) -> None:
        self.started = True
        await self._write({"type": "http.response.start", "status": 200, "headers": sse_headers()})

    async def event(self, data: str) -> None:
        # sse-starlette's `data: ...\r\n\r\n`: JSON text holds no line break, so one data line.
        body = ("data: " + self.head + data + self.tail + SEP + SEP).encode()
        await self._write({"type": "http.response.body", "body": body, "more_body": True})

    async def ping(self) -> None:
        await self._write({"type": "http.response.body", "body": ping_bytes(), "more_body": True})

    async def end(self) -> None:
        if self.started:
            await self._write({"type": "http.response.body", "body": b"", "more_body": False})


async def _send_sse(send: Any, body: bytes) -> None:
    """The whole event stream in one write: every event is ready, so nothing is gained by trickling it."""
    headers = [*SSE_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _wants_v1(scope: Scope) -> bool:
    """Whether the SDK would serve this request as A2A 1.x (its version check compares the major version)."""
    for name, value in scope["headers"]:
        if name == b"a2a-version":
            value = value.strip()
            if value in (b"1.0", b"1", b"1.0.0", b"1.0.1"):
                return True
            if not value.startswith(b"1"):
                return False
            from packaging.version import InvalidVersion, Version

            try:
                return Version(value.decode("latin-1")).major == 1
            except InvalidVersion:
                return False
    return False
