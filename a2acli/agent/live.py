"""Tasks whose stream the lean path (fastpath.py) is writing right now, and the handler that knows about them.

A lean stream runs in ONE coroutine, the ASGI call itself: it keeps the task's proto, saves it to the store at
every event (as the SDK's consumer does, so GetTask, ListTasks and a restart on `--store sqlite` see exactly
what they would see on the SDK path) and writes pre-encoded events. What a client can do to such a task while
its stream is open comes back here, through `DemoRequestHandler`, whatever the binding or version:

- GetTask / ListTasks: answered by the SDK from the store, which is current;
- CancelTask: the SDK's checks (owner, terminal state), then the stream itself writes CANCELED and ends, and
  the cancel returns that task — as the SDK path, where the executor's cancel writes it;
- SubscribeToTask: the task as it is now, then every later event, up to the terminal one;
- a push config created mid-stream: later events are delivered to it, as the SDK's consumer delivers them;
- a follow-up message naming the task: answered as the SDK path begins to answer it (a stream gets the rest of
  the running task's events, SendMessage the task at its next status update, i.e. COMPLETED or CANCELED).
  Deliberately NOT as the SDK path goes on: SDK 1.3 then runs the queued follow-up on the COMPLETED task,
  reopening a terminal task (WORKING again, a second artifact), which A2A forbids; here it never runs.

Waking a stream costs no task: a future it waits on (with a timer for the next word or keep-alive ping) is
resolved by a cancel, a server shutdown (sse-starlette's watcher calls `set()`) or the timer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any

from a2a.server.agent_execution.active_task import INTERRUPTED_TASK_STATES, TERMINAL_TASK_STATES
from a2a.server.request_handlers.default_request_handler_v2 import DefaultRequestHandlerV2
from a2a.types.a2a_pb2 import (
    Message,
    SendMessageRequest,
    SubscribeToTaskRequest,
    Task,
    TaskPushNotificationConfig,
    TaskState,
    TaskStatusUpdateEvent,
)
from a2a.utils.errors import (
    InvalidParamsError,
    TaskNotCancelableError,
    TaskNotFoundError,
    UnsupportedOperationError,
)

log = logging.getLogger("a2acli.serve")

TIMER, CANCEL, STOP = 0, 1, 2


def _resolve(future: asyncio.Future[Any] | None, value: Any) -> None:
    if future is not None and not future.done():
        future.set_result(value)


class Inbox:
    """One subscriber's pending events (SDK protos), and the future it sleeps on."""

    __slots__ = ("events", "waiter")

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.waiter: asyncio.Future[Any] | None = None

    def put(self, event: Any) -> None:
        self.events.append(event)
        _resolve(self.waiter, None)

    async def wait(self) -> None:
        self.waiter = asyncio.get_running_loop().create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None


class LiveTask:
    """The state of one open lean stream: its task (current), its call context, and who waits on it."""

    __slots__ = ("cancel_waiters", "canceling", "context", "finished", "inboxes", "push", "stopping", "task", "wake")

    def __init__(self, task: Task, context: Any) -> None:
        self.task = task
        self.context = context
        self.wake: asyncio.Future[int] | None = None
        self.canceling = False
        self.stopping = False
        self.cancel_waiters: list[asyncio.Future[Task]] | None = None
        self.inboxes: list[Inbox] | None = None
        self.push = False
        self.finished = False

    def set(self) -> None:
        """Server shutdown (called by sse-starlette's shutdown watcher, as on its own events)."""
        self.stopping = True
        _resolve(self.wake, STOP)

    async def sleep_until(self, when: float) -> int:
        """TIMER at loop time `when`, or CANCEL / STOP as soon as either is asked for."""
        if self.canceling:
            return CANCEL
        if self.stopping:
            return STOP
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self.wake = future
        timer = loop.call_at(when, _resolve, future, TIMER)
        try:
            return await future
        finally:
            timer.cancel()
            self.wake = None

    def cancel(self) -> asyncio.Future[Task]:
        """Ask the stream to end CANCELED; the future gets the task as it ends."""
        future: asyncio.Future[Task] = asyncio.get_running_loop().create_future()
        if self.cancel_waiters is None:
            self.cancel_waiters = []
        self.cancel_waiters.append(future)
        self.canceling = True
        _resolve(self.wake, CANCEL)
        return future

    def subscribe(self) -> Inbox:
        inbox = Inbox()
        if self.inboxes is None:
            self.inboxes = []
        self.inboxes.append(inbox)
        return inbox

    def unsubscribe(self, inbox: Inbox) -> None:
        if self.inboxes is not None and inbox in self.inboxes:
            self.inboxes.remove(inbox)

    def snapshot(self) -> Task:
        copy = Task()
        copy.CopyFrom(self.task)
        return copy

    def finish(self) -> None:
        """The stream is over: wake every subscriber and every cancel still waiting (with the task as it is)."""
        self.finished = True
        for inbox in self.inboxes or ():
            _resolve(inbox.waiter, None)
        for future in self.cancel_waiters or ():
            _resolve(future, self.snapshot())
        self.cancel_waiters = None


class LiveTasks(dict[str, LiveTask]):
    """task id -> its open lean stream. Entries live exactly as long as their stream coroutine."""


def _is_final(event: Any) -> bool:
    if isinstance(event, Message):
        return True
    if isinstance(event, TaskStatusUpdateEvent | Task):
        return event.status.state in (TERMINAL_TASK_STATES | INTERRUPTED_TASK_STATES)
    return False


class DemoRequestHandler(DefaultRequestHandlerV2):
    """The SDK's request handler, aware of the tasks whose stream the lean path is writing."""

    live: LiveTasks

    def __init__(self, *args: Any, live: LiveTasks, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live = live

    def _running(self, task_id: str) -> LiveTask | None:
        live = self.live.get(task_id) if task_id else None
        return None if live is None or live.finished else live

    async def _cancel_remote(self, task_id: str, task: Task, version: Any, context: Any) -> Task:
        # Reached after the SDK's own checks (task found for this caller, not terminal), when no SDK ActiveTask
        # runs it: a lean stream's task is cancelled by that stream, which writes CANCELED to the store and to
        # its client (and subscribers), then returns the task here.
        live = self._running(task_id)
        if live is None:
            # A lean stream may have ended (terminal) since the SDK read the store: never overwrite that.
            again = await self._versioned_store.get(task_id, context)
            if again is not None and again.task.status.state in TERMINAL_TASK_STATES:
                raise TaskNotCancelableError
            result: Task = await super()._cancel_remote(task_id, task, version, context)
            return result
        return await live.cancel()

    async def on_subscribe_to_task(  # type: ignore[override]
        self, params: SubscribeToTaskRequest, context: Any
    ) -> AsyncGenerator[Any, None]:
        live = self._running(params.id)
        if live is None:
            async for event in super().on_subscribe_to_task(params, context):
                yield event
            return
        # The SDK's checks, in its order (the id is set: it named a live task; the card has streaming).
        stored = await self._versioned_store.get(params.id, context)
        if stored is None:
            raise TaskNotFoundError
        if stored.task.status.state in TERMINAL_TASK_STATES:
            raise UnsupportedOperationError(
                message=f"Task {params.id} is in terminal state: {TaskState.Name(stored.task.status.state)}"
            )
        async for event in self._tail(live, include_snapshot=True):
            yield event

    async def _tail(self, live: LiveTask, *, include_snapshot: bool) -> AsyncGenerator[Any, None]:
        inbox = live.subscribe()
        try:
            if include_snapshot:
                yield live.snapshot()
            while True:
                while inbox.events:
                    event = inbox.events.pop(0)
                    yield event
                    if _is_final(event):
                        return
                if live.finished:
                    return
                await inbox.wait()
        finally:
            live.unsubscribe(inbox)

    async def on_create_task_push_notification_config(
        self, params: TaskPushNotificationConfig, context: Any
    ) -> TaskPushNotificationConfig:
        config: TaskPushNotificationConfig = await super().on_create_task_push_notification_config(params, context)
        live = self._running(params.task_id)
        if live is not None:
            live.push = True  # its stream delivers its next events to the stored configs, as the SDK's consumer
        return config

    async def _follow_up(self, params: SendMessageRequest, context: Any) -> LiveTask | None:
        """A message naming a live lean task, checked as the SDK checks it; None when it is not one."""
        live = self._running(params.message.task_id)
        if live is None:
            return None
        from a2a.utils.proto_utils import validate_proto_required_fields
        from a2a.utils.task import validate_history_length

        validate_proto_required_fields(params)
        validate_history_length(params.configuration)
        stored = await self._versioned_store.get(params.message.task_id, context)
        if stored is None:
            raise TaskNotFoundError(f"Task {params.message.task_id} not found")
        given = params.message.context_id
        if given and stored.task.context_id != given:
            raise InvalidParamsError(
                message=(
                    f"Context {given} does not match context {stored.task.context_id} of task "
                    f"{params.message.task_id}"
                )
            )
        if self._push_config_store and params.configuration.HasField("task_push_notification_config"):
            await self._reject_unsafe_push_url(params.configuration.task_push_notification_config.url)
            await self._push_config_store.set_info(
                params.message.task_id, params.configuration.task_push_notification_config, context
            )
            live.push = True
        return self._running(params.message.task_id)

    async def on_message_send_stream(  # type: ignore[override]
        self, params: SendMessageRequest, context: Any
    ) -> AsyncGenerator[Any, None]:
        live = await self._follow_up(params, context) if params.message.task_id else None
        if live is None:
            async for event in super().on_message_send_stream(params, context):
                yield event
            return
        # The SDK queues the follow-up behind the running request and streams what the task does next; the
        # task then ends terminal, and a terminal task takes no more messages (module doc: the SDK differs).
        async for event in self._tail(live, include_snapshot=False):
            yield event

    async def on_message_send(self, params: SendMessageRequest, context: Any) -> Message | Task:
        live = await self._follow_up(params, context) if params.message.task_id else None
        if live is None:
            result: Message | Task = await super().on_message_send(params, context)
            return result
        from a2a.utils.task import apply_history_length

        # As the SDK path: the answer is the task at its next status update (with returnImmediately too), and
        # a running demo task's next status update is its last.
        async for event in self._tail(live, include_snapshot=False):
            if _is_final(event):
                break
        task: Task = apply_history_length(live.snapshot(), params.configuration)
        return task
