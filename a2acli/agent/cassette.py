"""Cassettes: `a2a serve --proxy URL --record FILE` writes one, `a2a serve --replay FILE` answers from it.

A cassette is JSON lines (UTF-8), written as the exchanges happen (flushed per line):
- the first line: `{"cassette": 1, "upstream": URL, "recorded": ISO-8601, "card": {the upstream card, A2A 1.0}}`;
- then per exchange, in the order things happened (concurrent exchanges interleave; `exchange` tells them apart):
  `{"exchange": N, "method": "SendStreamingMessage", "kind": "request", "t": 0.0, "type": "SendMessageRequest",
  "payload": {...}}`, then `"kind": "event"` lines (a stream) or one `"response"` (`payload` null for an empty
  answer) or `"error"` (`{"type": "TaskNotFoundError", "message": ...}`), then `"kind": "end"`. `t` is seconds
  since the request arrived; `type` the proto message name of `payload` (A2A 1.0 JSON).
Secrets are redacted before anything is written: every credential registered with a2acli/redact.py (the
proxy's upstream credentials, its `--bearer-token`, forwarded client credentials) wherever it appears, and the
values of push-config `token` and `credentials` fields.

Replay matches a request by method and content: a message by its parts (and its task id, for a follow-up), a
task operation by its task id (and config id), anything else by its whole request. Several recordings of the
same request are answered in order, the last one again after that (a poll). An unrecorded request gets an
UnsupportedOperationError saying so, with what the cassette holds for that method. Events and answers come at
the recorded pace divided by `--speed` (0: at once).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from a2a.server.request_handlers import RequestHandler
from a2a.types import a2a_pb2
from a2a.utils import errors as sdk_errors

from a2acli.agent.exchanges import END, ERROR, EVENT, REQUEST, RESPONSE
from a2acli.agent.proxy import from_json, to_json

if TYPE_CHECKING:
    from a2a.server.context import ServerCallContext

FORMAT = 1
SECRET_FIELDS = frozenset({"token", "credentials"})
REDACTED = "***"


def redacted(document: Any) -> Any:
    """`document` with every registered credential and every push-config secret field replaced (module doc)."""
    from a2acli.redact import scrub_json

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (REDACTED if k in SECRET_FIELDS and isinstance(v, str) else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(scrub_json(document))


class CassetteWriter:
    """An exchange observer (agent/exchanges.py) that writes the cassette."""

    def __init__(self, path: str, *, upstream: str, card: dict[str, Any]) -> None:
        import os

        from a2acli.redact import redact

        target = Path(path).expanduser()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file: TextIO = os.fdopen(fd, "w", encoding="utf-8")
        self._write(
            {
                "cassette": FORMAT,
                "upstream": redact(upstream),
                "recorded": datetime.now(UTC).isoformat(timespec="seconds"),
                "card": redacted(card),
            }
        )

    def _write(self, record: dict[str, Any]) -> None:
        if self._file.closed:
            return
        self._file.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
        self._file.flush()

    def observe(self, exchange: int, method: str, kind: str, elapsed: float, payload: Any) -> None:
        record: dict[str, Any] = {"exchange": exchange, "method": method, "kind": kind, "t": round(elapsed, 6)}
        if kind == ERROR:
            record["error"] = {"type": type(payload).__name__, "message": redacted(getattr(payload, "message", ""))}
            if not isinstance(payload, sdk_errors.A2AError):
                record["error"] = {"type": "InternalError", "message": redacted(str(payload))}
        elif kind == END:
            record["events"] = payload
        elif payload is None:
            record["payload"] = None
        else:
            record["type"] = payload.DESCRIPTOR.name
            record["payload"] = redacted(to_json(payload))
        self._write(record)

    def close(self) -> None:
        self._file.close()


# ------------------------------------------------------------------------------------------------ replay


@dataclass
class Recording:
    """One recorded exchange: its request, and what came back (events, or a response or an error)."""

    method: str
    request: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)  # event / response / error records, in order


@dataclass
class Cassette:
    upstream: str
    card: dict[str, Any]
    recordings: dict[str, deque[Recording]]
    methods: dict[str, list[str]]  # method -> what was recorded for it (for the error of an unrecorded request)


def match_key(method: str, request: dict[str, Any]) -> str:
    """What a request is matched by (module doc)."""
    message = request.get("message")
    if isinstance(message, dict):
        content = {"parts": message.get("parts", []), "taskId": message.get("taskId", "")}
        return method + " " + json.dumps(content, sort_keys=True, separators=(",", ":"))
    ids = {k: request[k] for k in ("id", "taskId") if k in request}
    if ids:
        return method + " " + json.dumps(ids, sort_keys=True, separators=(",", ":"))
    body = {k: v for k, v in request.items() if k != "tenant"}
    return method + " " + json.dumps(body, sort_keys=True, separators=(",", ":"))


def describe(method: str, request: dict[str, Any]) -> str:
    message = request.get("message")
    if isinstance(message, dict):
        texts = [p["text"] for p in message.get("parts", []) if isinstance(p, dict) and isinstance(p.get("text"), str)]
        shown = " ".join(texts)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return f"message {shown!r}" if texts else "a message without text"
    for key in ("id", "taskId"):
        if isinstance(request.get(key), str):
            return f"task {request[key]}"
    return json.dumps(request, sort_keys=True)[:80]


def load_cassette(path: str) -> Cassette:
    """Read a cassette; ValueError naming the line when it is not one."""
    source = Path(path).expanduser()
    header: dict[str, Any] | None = None
    open_exchanges: dict[int, Recording] = {}
    recordings: dict[str, deque[Recording]] = defaultdict(deque)
    methods: dict[str, list[str]] = defaultdict(list)
    with source.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"--replay {path}: line {number} is not JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise ValueError(f"--replay {path}: line {number} is not a JSON object")
            if header is None:
                if record.get("cassette") != FORMAT or not isinstance(record.get("card"), dict):
                    raise ValueError(f"--replay {path}: not a cassette written by `a2a serve --record`")
                header = record
                continue
            exchange, kind, method = record.get("exchange"), record.get("kind"), record.get("method")
            if not isinstance(exchange, int) or not isinstance(method, str):
                raise ValueError(f"--replay {path}: line {number} has no exchange number or method")
            if kind == REQUEST:
                given = record.get("payload")
                request: dict[str, Any] = given if isinstance(given, dict) else {}
                recording = Recording(method, request)
                open_exchanges[exchange] = recording
                recordings[match_key(method, request)].append(recording)
                methods[method].append(describe(method, request))
            elif kind in (EVENT, RESPONSE, ERROR):
                if exchange in open_exchanges:
                    open_exchanges[exchange].steps.append(record)
            elif kind == END:
                open_exchanges.pop(exchange, None)
    if header is None:
        raise ValueError(f"--replay {path}: the file is empty")
    return Cassette(
        upstream=str(header.get("upstream", "")), card=header["card"], recordings=recordings, methods=methods
    )


class ReplayHandler(RequestHandler):
    """Answers every request from a cassette (module doc)."""

    def __init__(self, cassette: Cassette, speed: float = 1.0) -> None:
        self.cassette = cassette
        self.speed = speed

    async def aclose(self) -> None:
        return None

    def _find(self, method: str, params: Any) -> Recording:
        request = to_json(params)
        queue = self.cassette.recordings.get(match_key(method, request))
        if not queue:
            recorded = self.cassette.methods.get(method)
            held = f"; it holds {method} for: {', '.join(dict.fromkeys(recorded))}" if recorded else ""
            raise sdk_errors.UnsupportedOperationError(
                message=f"replay: the cassette has no {method} for {describe(method, request)}{held}"
            )
        return queue.popleft() if len(queue) > 1 else queue[0]

    async def _pace(self, started: float, t: Any) -> None:
        if self.speed <= 0 or not isinstance(t, int | float):
            return
        delay = started + t / self.speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    @staticmethod
    def _payload(step: dict[str, Any]) -> Any:
        if step.get("payload") is None:
            return None
        kind = getattr(a2a_pb2, str(step.get("type")), None)
        if not isinstance(kind, type):
            raise sdk_errors.InternalError(message=f"replay: unknown recorded type {step.get('type')!r}")
        return from_json(step["payload"], kind)

    @staticmethod
    def _raise(step: dict[str, Any]) -> None:
        given = step.get("error")
        error: dict[str, Any] = given if isinstance(given, dict) else {}
        kind = getattr(sdk_errors, str(error.get("type")), None)
        message = str(error.get("message") or "")
        if isinstance(kind, type) and issubclass(kind, sdk_errors.A2AError) and kind is not sdk_errors.A2AError:
            raise kind(message=message)
        raise sdk_errors.InternalError(message=message)

    async def _unary(self, method: str, params: Any) -> Any:
        started = time.monotonic()
        recording = self._find(method, params)
        for step in recording.steps:
            await self._pace(started, step.get("t"))
            if step.get("kind") == ERROR:
                self._raise(step)
            if step.get("kind") == RESPONSE:
                return self._payload(step)
        raise sdk_errors.InternalError(message=f"replay: the recorded {method} has no answer (cut while recording)")

    async def _streamed(self, method: str, params: Any) -> AsyncGenerator[Any, None]:
        started = time.monotonic()
        recording = self._find(method, params)
        for step in recording.steps:
            await self._pace(started, step.get("t"))
            if step.get("kind") == ERROR:
                self._raise(step)
            if step.get("kind") == EVENT:
                yield self._payload(step)

    async def on_message_send(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("SendMessage", params)

    async def on_message_send_stream(self, params: Any, context: ServerCallContext) -> AsyncGenerator[Any, None]:
        async for event in self._streamed("SendStreamingMessage", params):
            yield event

    async def on_subscribe_to_task(self, params: Any, context: ServerCallContext) -> AsyncGenerator[Any, None]:
        async for event in self._streamed("SubscribeToTask", params):
            yield event

    async def on_get_task(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("GetTask", params)

    async def on_list_tasks(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("ListTasks", params)

    async def on_cancel_task(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("CancelTask", params)

    async def on_create_task_push_notification_config(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("CreateTaskPushNotificationConfig", params)

    async def on_get_task_push_notification_config(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("GetTaskPushNotificationConfig", params)

    async def on_list_task_push_notification_configs(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("ListTaskPushNotificationConfigs", params)

    async def on_delete_task_push_notification_config(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("DeleteTaskPushNotificationConfig", params)

    async def on_get_extended_agent_card(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("GetExtendedAgentCard", params)
