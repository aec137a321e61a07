"""Tasks the lean path (fastpath.py) is running right now, and the request handler that knows about them.

A lean task runs in ONE coroutine (the ASGI call of its stream, or a recovery task after a restart): it keeps
the task's proto, saves it to the store at every event (as the SDK's consumer does, so GetTask, ListTasks and a
restart on `--store sqlite` see exactly what they would see on the SDK path) and writes pre-encoded events.
What a client can do to such a task while it runs comes back here, through `DemoRequestHandler`, whatever the
binding or version:

- GetTask / ListTasks: answered by the SDK from the store, which is current;
- CancelTask: the SDK's checks (owner, terminal state), then the lean task itself writes CANCELED and ends, and
  the cancel returns that task — as the SDK path, where the executor's cancel writes it;
- SubscribeToTask: the task as it is now, then every later event, up to the terminal one;
- a push config created mid-stream: later events are delivered to it, as the SDK's consumer delivers them;
- a follow-up message naming the task: answered as the SDK path begins to answer it (a stream gets the rest of
  the running task's events, SendMessage the task at its next status update, i.e. COMPLETED or CANCELED).
  Deliberately NOT as the SDK path goes on: SDK 1.3 then runs the queued follow-up on the COMPLETED task,
  reopening a terminal task (WORKING again, a second artifact), which A2A forbids; here it never runs.
  On the SDK path (a task the lean path does not run: `--exec`'s command, a scenario, a returnImmediately send)
  `NoReopen` keeps the same promise: every executor is wrapped in it, and a queued follow-up whose task is
  terminal by the time it would run is not run (its client has the rest of the task's events, as here).

`DemoRequestHandler` is a `RequestHandler` (the SDK's public interface for every binding) that holds the SDK's
`DefaultRequestHandlerV2` and hands it every request that does not name a live lean task. It reads the task
store and the push-config store through their public interfaces, never the SDK handler's own members.

Waking a lean task costs no task: a future it waits on (with a timer for the next word or keep-alive ping) is
resolved by a cancel, a server shutdown (`Shutdown`) or the timer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import DefaultRequestHandlerV2, RequestHandler
from a2a.types.a2a_pb2 import (
    AgentCard,
    CancelTaskRequest,
    DeleteTaskPushNotificationConfigRequest,
    GetExtendedAgentCardRequest,
    GetTaskPushNotificationConfigRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTaskPushNotificationConfigsResponse,
    ListTasksRequest,
    ListTasksResponse,
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
from a2a.utils.proto_utils import validate_proto_required_fields

from a2acli import protocol

if TYPE_CHECKING:
    from a2a.server.agent_execution import RequestContext
    from a2a.server.context import ServerCallContext
    from a2a.server.events import EventQueue
    from a2a.server.tasks import PushNotificationConfigStore, TaskStore

log = logging.getLogger("a2acli.serve")

TIMER, CANCEL, STOP = 0, 1, 2

# The vocabulary's state names (a2acli/protocol.py) as the SDK's proto enum values.
TERMINAL_STATES = frozenset(TaskState.Value(name) for name in protocol.TERMINAL_STATES)
INTERRUPTED_STATES = frozenset(TaskState.Value(name) for name in protocol.INTERRUPTED_STATES)


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
    """The state of one running lean task: its task (current), its call context, and who waits on it."""

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

    def stop(self) -> None:
        """Server shutdown: end now, leaving the task as stored (a restart on `--store sqlite` resumes it)."""
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
        """Ask the task to end CANCELED; the future gets the task as it ends."""
        future: asyncio.Future[Task] = asyncio.get_running_loop().create_future()
        if self.finished:
            future.set_result(self.snapshot())
            return future
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
        """The task's run is over: wake every subscriber and every cancel still waiting (with the task as it is)."""
        self.finished = True
        for inbox in self.inboxes or ():
            _resolve(inbox.waiter, None)
        for future in self.cancel_waiters or ():
            _resolve(future, self.snapshot())
        self.cancel_waiters = None


class LiveTasks(dict[str, LiveTask]):
    """task id -> its running lean task. Entries live exactly as long as the coroutine that runs the task."""


class Shutdown:
    """The server is stopping: every lean task still running ends now (the SDK's own streams end by sse-starlette).

    `request()` may be called from a signal handler (uvicorn's `handle_exit`): it only sets a flag and schedules
    the wake-up on the loop the tasks run on.
    """

    def __init__(self) -> None:
        self.requested = False
        self.running: set[LiveTask] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, live: LiveTask) -> None:
        self._loop = asyncio.get_running_loop()
        self.running.add(live)

    def discard(self, live: LiveTask) -> None:
        self.running.discard(live)

    def request(self) -> None:
        self.requested = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.stop_all)

    def stop_all(self) -> None:
        self.requested = True
        for live in list(self.running):
            live.stop()


def is_final(event: Any) -> bool:
    if isinstance(event, Message):
        return True
    if isinstance(event, TaskStatusUpdateEvent | Task):
        return event.status.state in (TERMINAL_STATES | INTERRUPTED_STATES)
    return False


class NoReopen(AgentExecutor):
    """`executor`, except that a follow-up is never run on a task that is already terminal (module doc).

    The SDK's producer takes a queued follow-up, waits for the running request to end (the task COMPLETED,
    FAILED, CANCELED or REJECTED) and then calls `execute` with that terminal task as `current_task`. Nothing
    runs then: the request ends with no event, so its SendMessage has the terminal task (its next status update)
    and its stream ends after the rest of the task's events, as a follow-up to a running lean task.
    """

    def __init__(self, executor: AgentExecutor) -> None:
        self.executor = executor

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        task = context.current_task
        if task is not None and task.status.state in TERMINAL_STATES:
            log.info("a follow-up to task %s was not run: the task is %s", task.id, TaskState.Name(task.status.state))
            return
        await self.executor.execute(context, event_queue)

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await self.executor.cancel(context, event_queue)


class DemoRequestHandler(RequestHandler):
    """The SDK's request handler, aware of the tasks the lean path is running."""

    def __init__(
        self,
        sdk: DefaultRequestHandlerV2,
        *,
        task_store: TaskStore,
        push_config_store: PushNotificationConfigStore | None,
        push_url_validator: Callable[[str], Awaitable[bool]] | None,
        live: LiveTasks,
    ) -> None:
        self.sdk = sdk
        self.task_store = task_store
        self.push_config_store = push_config_store
        self.push_url_validator = push_url_validator
        self.live = live

    async def aclose(self) -> None:
        await self.sdk.aclose()

    def _running(self, task_id: str) -> LiveTask | None:
        live = self.live.get(task_id) if task_id else None
        return None if live is None or live.finished else live

    # ------------------------------------------------------------------------------ handed to the SDK as is

    async def on_get_task(self, params: GetTaskRequest, context: ServerCallContext) -> Task | None:
        result: Task | None = await self.sdk.on_get_task(params, context)
        return result

    async def on_list_tasks(self, params: ListTasksRequest, context: ServerCallContext) -> ListTasksResponse:
        result: ListTasksResponse = await self.sdk.on_list_tasks(params, context)
        return result

    async def on_get_task_push_notification_config(
        self, params: GetTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        result: TaskPushNotificationConfig = await self.sdk.on_get_task_push_notification_config(params, context)
        return result

    async def on_list_task_push_notification_configs(
        self, params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext
    ) -> ListTaskPushNotificationConfigsResponse:
        result: ListTaskPushNotificationConfigsResponse = await self.sdk.on_list_task_push_notification_configs(
            params, context
        )
        return result

    async def on_delete_task_push_notification_config(
        self, params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> None:
        await self.sdk.on_delete_task_push_notification_config(params, context)

    async def on_get_extended_agent_card(
        self, params: GetExtendedAgentCardRequest, context: ServerCallContext
    ) -> AgentCard:
        result: AgentCard = await self.sdk.on_get_extended_agent_card(params, context)
        return result

    # ------------------------------------------------------------------------------ aware of live lean tasks

    async def on_cancel_task(self, params: CancelTaskRequest, context: ServerCallContext) -> Task | None:
        live = self._running(params.id)
        if live is not None:
            # The SDK's checks, in its order: the task is this caller's, and not terminal.
            validate_proto_required_fields(params)
            stored = await self.task_store.get(params.id, context)
            if stored is None:
                raise TaskNotFoundError
            if stored.status.state in TERMINAL_STATES:
                raise TaskNotCancelableError
            live = self._running(params.id)  # None if it ended meanwhile: then the SDK answers from the store
        if live is None:
            result: Task | None = await self.sdk.on_cancel_task(params, context)
            return result
        # The lean task writes CANCELED to the store, its client and its subscribers, then answers here.
        return await live.cancel()

    async def on_subscribe_to_task(
        self, params: SubscribeToTaskRequest, context: ServerCallContext
    ) -> AsyncGenerator[Any, None]:
        if self._running(params.id) is None:
            async for event in self.sdk.on_subscribe_to_task(params, context):
                yield event
            return
        validate_proto_required_fields(params)
        stored = await self.task_store.get(params.id, context)
        if stored is None:
            raise TaskNotFoundError
        if stored.status.state in TERMINAL_STATES:
            raise UnsupportedOperationError(
                message=f"Task {params.id} is in terminal state: {TaskState.Name(stored.status.state)}"
            )
        live = self._running(params.id)
        if live is None:
            async for event in self.sdk.on_subscribe_to_task(params, context):
                yield event
            return
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
                    if is_final(event):
                        return
                if live.finished:
                    return
                await inbox.wait()
        finally:
            live.unsubscribe(inbox)

    async def on_create_task_push_notification_config(
        self, params: TaskPushNotificationConfig, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        config: TaskPushNotificationConfig = await self.sdk.on_create_task_push_notification_config(params, context)
        live = self._running(params.task_id)
        if live is not None:
            live.push = True  # its next events go to the stored configs, as the SDK's consumer sends them
        return config

    async def _follow_up(self, params: SendMessageRequest, context: ServerCallContext) -> LiveTask | None:
        """A message naming a live lean task, checked as the SDK checks it; None when it is not one."""
        if self._running(params.message.task_id) is None:
            return None
        from a2a.utils.task import validate_history_length

        validate_proto_required_fields(params)
        validate_history_length(params.configuration)
        task_id = params.message.task_id
        stored = await self.task_store.get(task_id, context)
        if stored is None:
            raise TaskNotFoundError(f"Task {task_id} not found")
        given = params.message.context_id
        if given and stored.context_id != given:
            raise InvalidParamsError(
                message=f"Context {given} does not match context {stored.context_id} of task {task_id}"
            )
        if self.push_config_store is not None and params.configuration.HasField("task_push_notification_config"):
            config = params.configuration.task_push_notification_config
            if self.push_url_validator is not None and not await self.push_url_validator(config.url):
                raise InvalidParamsError(message="Invalid push notification URL")
            await self.push_config_store.set_info(task_id, config, context)
            live = self._running(task_id)
            if live is not None:
                live.push = True
        return self._running(task_id)

    async def on_message_send_stream(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> AsyncGenerator[Any, None]:
        live = await self._follow_up(params, context) if params.message.task_id else None
        if live is None:
            async for event in self.sdk.on_message_send_stream(params, context):
                yield event
            return
        # The SDK queues the follow-up behind the running request and streams what the task does next; the
        # task then ends terminal, and a terminal task takes no more messages (module doc: the SDK differs).
        async for event in self._tail(live, include_snapshot=False):
            yield event

    async def on_message_send(self, params: SendMessageRequest, context: ServerCallContext) -> Message | Task:
        live = await self._follow_up(params, context) if params.message.task_id else None
        if live is None:
            result: Message | Task = await self.sdk.on_message_send(params, context)
            return result
        from a2a.utils.task import apply_history_length

        # As the SDK path: the answer is the task at its next status update (with returnImmediately too), and
        # a running demo task's next status update is its last.
        async for event in self._tail(live, include_snapshot=False):
            if is_final(event):
                break
        task: Task = apply_history_length(live.snapshot(), params.configuration)
        return task
