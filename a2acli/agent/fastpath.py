"""The demo agent's lean path for A2A 1.0 JSON-RPC `SendStreamingMessage` when there is nothing to wait for.

With `--delay 0` the demo reply is fully determined the moment the request is read: SUBMITTED, WORKING, the
reply's words as chunks of one artifact, COMPLETED. The SDK's general machinery (an ActiveTask with producer
and consumer tasks, two event queues, a task-manager save and a whole-task copy per event, protobuf ->
dict -> JSON per event, an sse-starlette task group) then costs ~5x what the protocol needs. This path
validates the request exactly as the SDK does (same proto parse and required-field check), stores the
finished task once (so GetTask / ListTasks / CancelTask / SubscribeToTask answer as for any completed
task), and writes the same StreamResponse events, pre-encoded, as one SSE body.

Anything else — another method or version, a scenario, a follow-up message (taskId), a push config, a
history length, `--delay` > 0 (where cancel and resubscribe must be able to act mid-stream), or any input
that is not plainly valid — goes to the SDK unchanged. `ServeOptions.fast_path=False` turns it off.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from a2acli.agent.executor import ARTIFACT_NAME, split_words

log = logging.getLogger("a2acli.serve")

ASGIApp = Any
Scope = dict[str, Any]

MARKER = b'"SendStreamingMessage"'
SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FastStreams:
    """Pure ASGI, innermost on the JSON-RPC paths: serve eligible streams itself, pass the rest through."""

    def __init__(self, app: ASGIApp, *, options: Any, task_store: Any, jsonrpc_paths: tuple[str, ...]) -> None:
        from a2acli.agent.options import ServeOptions

        assert isinstance(options, ServeOptions)
        self.app = app
        self.paths = frozenset(jsonrpc_paths)
        self.enabled = options.fast_path and options.delay <= 0 and options.serves_v10
        self.echo = options.echo
        self.chunks = split_words(options.text)
        self.store = task_store

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in self.paths
            or not _wants_v1(scope)
        ):
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = parts[0] if len(parts) == 1 else b"".join(parts)
        plan = self._plan(body) if MARKER in body else None
        if plan is None:
            replayed = False

            async def replay() -> Any:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send)
            return
        await self._serve(scope, send, *plan)

    def _plan(self, body: bytes) -> tuple[Any, Any, list[str]] | None:
        """(request id, parsed SendMessageRequest, reply chunks) when this request is eligible, else None."""
        try:
            doc = json.loads(body)
        except ValueError:
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
        from a2a.utils.proto_utils import validate_proto_required_fields
        from google.protobuf.json_format import ParseDict

        try:
            request = ParseDict(params, SendMessageRequest(), ignore_unknown_fields=True)
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
            'data: {"result":{"statusUpdate":{' + ids + ',"status":{"state":"TASK_STATE_WORKING","timestamp":"'
            + working_at + '"}}}' + tail,
        ]
        head = 'data: {"result":{"artifactUpdate":{' + ids + ',"artifact":{"artifactId":"' + artifact_id + '","name":'
        head += _dumps(ARTIFACT_NAME) + ',"parts":[{"text":'
        for i, chunk in enumerate(chunks):
            flags = ("" if i == 0 else ',"append":true') + (',"lastChunk":true' if i == last else "")
            events.append(head + _dumps(chunk) + "}]}" + flags + "}}" + tail)
        events.append(
            'data: {"result":{"statusUpdate":{' + ids + ',"status":{"state":"TASK_STATE_COMPLETED","timestamp":"'
            + completed_at + '"}}}' + tail
        )
        await _send_sse(send, "".join(events).encode())


async def _send_sse(send: Any, body: bytes) -> None:
    """The whole event stream in one write: every event is ready, so nothing is gained by trickling it."""
    headers = [*SSE_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _wants_v1(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"a2a-version":
            return bool(value.strip().startswith(b"1"))
    return False
