"""What passes through `a2a serve --proxy` / `--replay`, seen at the handler level: one `RequestHandler` that
wraps another and tells observers about every exchange (request, response or error, each stream event, the
end), with timing. Two observers: `ExchangeLog`, the live log on stderr, and the cassette writer
(agent/cassette.py).

The log says, per exchange: its number, the A2A method, the task, the state (or the event kind) and the time
since the request arrived. On a terminal it is styled by Rich; otherwise plain lines; with `--log-format json`,
one JSON object a line (`{"exchange", "method", "kind", "ms", "task"?, "state"?, "error"?}`). Ids and states
come from the agent and are untrusted: they are cleaned (render/sanitize.py) before they reach a terminal.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from a2a.server.request_handlers import RequestHandler
from a2a.types.a2a_pb2 import Message, Task, TaskArtifactUpdateEvent, TaskState, TaskStatusUpdateEvent

if TYPE_CHECKING:
    from a2a.server.context import ServerCallContext

    from a2acli.client.resume import ResumeNotice

REQUEST, RESPONSE, EVENT, ERROR, END = "request", "response", "event", "error", "end"


class Observer(Protocol):
    def observe(self, exchange: int, method: str, kind: str, elapsed: float, payload: Any) -> None:
        """`payload`: the request proto (REQUEST), the answer proto or None (RESPONSE), the event proto (EVENT),
        the exception (ERROR), the number of events (END)."""


def task_and_state(payload: Any) -> tuple[str, str]:
    """(task id, state or event kind) of a proto the handler saw; ('', '') when it names neither."""
    if isinstance(payload, Task):
        return payload.id, TaskState.Name(payload.status.state).removeprefix("TASK_STATE_")
    if isinstance(payload, TaskStatusUpdateEvent):
        return payload.task_id, TaskState.Name(payload.status.state).removeprefix("TASK_STATE_")
    if isinstance(payload, TaskArtifactUpdateEvent):
        last = " last" if payload.last_chunk else ""
        return payload.task_id, f"artifact {payload.artifact.name or payload.artifact.artifact_id}{last}"
    if isinstance(payload, Message):
        return payload.task_id, "message"
    task_id = getattr(payload, "id", None) or getattr(payload, "task_id", None)
    if task_id is None:
        message = getattr(payload, "message", None)
        task_id = getattr(message, "task_id", "") if isinstance(message, Message) else ""
    return (task_id if isinstance(task_id, str) else ""), ""


class ExchangeLog:
    """The live log on stderr (module doc)."""

    def __init__(self, fmt: str = "text", stream: TextIO | None = None) -> None:
        self.format = fmt
        self.stream = stream or sys.stderr
        self._console: Any = None
        if fmt == "text" and self.stream.isatty():
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def observe(self, exchange: int, method: str, kind: str, elapsed: float, payload: Any) -> None:
        ms = round(elapsed * 1000, 1)
        task, state = ("", "") if kind in (END, ERROR) else task_and_state(payload)
        error = f"{type(payload).__name__}: {getattr(payload, 'message', '') or payload}" if kind == ERROR else ""
        if self.format == "json":
            record: dict[str, Any] = {"exchange": exchange, "method": method, "kind": kind, "ms": ms}
            if task:
                record["task"] = task
            if state:
                record["state"] = state
            if kind == END:
                record["events"] = payload
            if error:
                record["error"] = error
            self.stream.write(json.dumps(record, separators=(",", ":")) + "\n")
            self.stream.flush()
            return
        self._text(exchange, method, kind, ms, task, state, error, payload)

    def notice(self, notice: ResumeNotice) -> None:
        """A reconnect to the upstream (client/resume.py), as one log line."""
        from a2acli.render.sanitize import clean_line

        if self.format == "json":
            record = {"kind": "upstream-" + notice.kind, "task": notice.task_id, "attempt": notice.attempt}
            self.stream.write(json.dumps({**record, "reason": notice.reason}, separators=(",", ":")) + "\n")
        else:
            self.stream.write(
                clean_line(f"upstream {notice.kind}: task {notice.task_id} (attempt {notice.attempt}): {notice.reason}")
                + "\n"
            )
        self.stream.flush()

    def _text(
        self, exchange: int, method: str, kind: str, ms: float, task: str, state: str, error: str, payload: Any
    ) -> None:
        from a2acli.render.sanitize import clean_line

        arrow = {REQUEST: "→", RESPONSE: "←", EVENT: "←", ERROR: "✗", END: "■"}[kind]
        parts = [f"#{exchange}", arrow, method]
        if task:
            parts.append(f"task {task}")
        if state:
            parts.append(state)
        if error:
            parts.append(error)
        if kind == END:
            parts.append(f"{payload} event(s)")
        parts.append(f"+{ms:g} ms")
        line = clean_line(" ".join(parts))
        if self._console is None:
            self.stream.write(line + "\n")
            self.stream.flush()
            return
        from rich.text import Text

        style = {REQUEST: "bold cyan", RESPONSE: "green", EVENT: "", ERROR: "bold red", END: "dim"}[kind]
        self._console.print(Text(line, style=style))


class ObservedHandler(RequestHandler):
    """`inner` with every exchange told to `observers` (module doc)."""

    def __init__(self, inner: RequestHandler, observers: list[Observer]) -> None:
        self.inner = inner
        self.observers = observers
        self._numbers = itertools.count(1)

    async def aclose(self) -> None:
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()

    def _tell(self, exchange: int, method: str, kind: str, started: float, payload: Any) -> None:
        elapsed = time.monotonic() - started
        for observer in self.observers:
            observer.observe(exchange, method, kind, elapsed, payload)

    async def _unary(self, method: str, call: Callable[[Any, Any], Awaitable[Any]], params: Any, context: Any) -> Any:
        exchange, started = next(self._numbers), time.monotonic()
        self._tell(exchange, method, REQUEST, started, params)
        try:
            result = await call(params, context)
        except Exception as exc:
            self._tell(exchange, method, ERROR, started, exc)
            raise
        self._tell(exchange, method, RESPONSE, started, result)
        return result

    async def _streamed(
        self, method: str, call: Callable[[Any, Any], AsyncGenerator[Any, None]], params: Any, context: Any
    ) -> AsyncGenerator[Any, None]:
        exchange, started = next(self._numbers), time.monotonic()
        self._tell(exchange, method, REQUEST, started, params)
        count = 0
        events = call(params, context)
        try:
            async for event in events:
                count += 1
                self._tell(exchange, method, EVENT, started, event)
                yield event
        except Exception as exc:
            self._tell(exchange, method, ERROR, started, exc)
            raise
        finally:
            await events.aclose()
            self._tell(exchange, method, END, started, count)

    async def on_message_send(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("SendMessage", self.inner.on_message_send, params, context)

    async def on_message_send_stream(self, params: Any, context: ServerCallContext) -> AsyncGenerator[Any, None]:
        async for event in self._streamed("SendStreamingMessage", self.inner.on_message_send_stream, params, context):
            yield event

    async def on_subscribe_to_task(self, params: Any, context: ServerCallContext) -> AsyncGenerator[Any, None]:
        async for event in self._streamed("SubscribeToTask", self.inner.on_subscribe_to_task, params, context):
            yield event

    async def on_get_task(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("GetTask", self.inner.on_get_task, params, context)

    async def on_list_tasks(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("ListTasks", self.inner.on_list_tasks, params, context)

    async def on_cancel_task(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("CancelTask", self.inner.on_cancel_task, params, context)

    async def on_create_task_push_notification_config(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary(
            "CreateTaskPushNotificationConfig", self.inner.on_create_task_push_notification_config, params, context
        )

    async def on_get_task_push_notification_config(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary(
            "GetTaskPushNotificationConfig", self.inner.on_get_task_push_notification_config, params, context
        )

    async def on_list_task_push_notification_configs(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary(
            "ListTaskPushNotificationConfigs", self.inner.on_list_task_push_notification_configs, params, context
        )

    async def on_delete_task_push_notification_config(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary(
            "DeleteTaskPushNotificationConfig", self.inner.on_delete_task_push_notification_config, params, context
        )

    async def on_get_extended_agent_card(self, params: Any, context: ServerCallContext) -> Any:
        return await self._unary("GetExtendedAgentCard", self.inner.on_get_extended_agent_card, params, context)
