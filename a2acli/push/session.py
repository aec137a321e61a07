"""`a2a send --push`: a receiver on a free loopback port for one message, and the deliveries it gets.

    async with push_session() as push:
        request["configuration"] = {**request.get("configuration", {}),
                                    "taskPushNotificationConfig": push.config, "returnImmediately": True}
        sent = await conn.send_message(request)           # {"task": ...} or {"message": ...}
        async for event in follow_push(push, conn, task_id, policy=PushPolicy(timeout=...)):
            presenter.event(event)                          # StreamResponse, as `a2a stream` shows them

Each session has its own random token (the receiver refuses anything without it) and config id. Deliveries
for other tasks are ignored. Push is best effort (A2A §4.3.3), so the follower never waits on it blindly:
when nothing arrives for `idle` seconds it reads the task (GetTask) and shows what the snapshot adds; once a
snapshot had to fill a gap, later deliveries only wake it up and content comes from snapshots, so nothing is
shown twice. It stops at a terminal or interrupted state, or raises DeadlineExpired at `timeout`.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from a2acli.client.resume import StreamLedger, TaskSource
from a2acli.errors import DeadlineExpired, ProtocolError
from a2acli.protocol import FINAL_STATES
from a2acli.push.receiver import DEFAULT_MAX_BODY_BYTES, RunningReceiver, open_receiver, payload_task_id
from a2acli.redact import register_credential


@dataclass
class PushSession:
    receiver: RunningReceiver
    token: str
    config_id: str
    ignored: int = 0  # deliveries for other tasks
    deliveries: int = 0

    @property
    def config(self) -> dict[str, Any]:
        """The TaskPushNotificationConfig to send in SendMessageConfiguration (A2A 1.0 JSON)."""
        return {"id": self.config_id, "url": self.receiver.url, "token": self.token}


@dataclass(frozen=True)
class PushPolicy:
    timeout: float | None = None
    idle: float = 2.0  # no delivery for this long: check the task with GetTask
    max_idle: float = 10.0  # ... backing off up to this
    resume_command: Callable[[str], str] | None = field(default=None)


@contextlib.asynccontextmanager
async def push_session(
    *, host: str = "127.0.0.1", max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> AsyncIterator[PushSession]:
    token = secrets.token_urlsafe(24)
    register_credential(token)
    async with open_receiver(host=host, port=0, token=token, max_body_bytes=max_body_bytes) as receiver:
        yield PushSession(receiver=receiver, token=token, config_id=f"a2acli-{secrets.token_hex(6)}")


async def follow_push(
    session: PushSession,
    source: TaskSource,
    task_id: str,
    *,
    policy: PushPolicy | None = None,
    ledger: StreamLedger | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yield StreamResponses for `task_id` from push deliveries (GetTask filling any gap) until a final state.

    The first event is the Task (the agent's first delivery, or a GetTask snapshot if none came in time).
    """
    policy = policy or PushPolicy()
    book = ledger or StreamLedger(task_id=task_id)
    deadline = None if policy.timeout is None else time.monotonic() + policy.timeout
    idle = policy.idle
    snapshots_only = False

    def timed_out() -> DeadlineExpired:
        hint = policy.resume_command(task_id) if policy.resume_command else f"a2a task get {task_id} --wait"
        return DeadlineExpired(
            f"--timeout expired before task {task_id} reached a final state (last state {book.state or 'unknown'})",
            hint=hint,
        )

    def show(task: dict[str, Any]) -> list[dict[str, Any]]:
        if not book.saw_event:
            book.observe({"task": task})
            return [{"task": task}]
        return book.reconcile(task)

    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise timed_out()
        delivery = await session.receiver.next_delivery(timeout=idle if left is None else min(idle, left))
        if delivery is None or snapshots_only:
            if delivery is not None and payload_task_id(delivery.payload) not in (task_id, None):
                session.ignored += 1
                continue
            task = await source.get_task(task_id)
            added = show(task)
            for event in added:
                yield event
            if added and delivery is None and book.saw_event:
                snapshots_only = True  # deliveries lag or were lost: from now on, snapshots carry the content
            if book.final:
                return
            idle = min(idle * 1.5, policy.max_idle) if delivery is None else policy.idle
            continue
        payload = delivery.payload
        if payload_task_id(payload) != task_id:
            session.ignored += 1
            continue
        session.deliveries += 1
        idle = policy.idle
        if isinstance(payload.get("task"), dict):
            for event in show(payload["task"]):
                yield event
        else:
            book.observe(payload)
            yield payload
        if book.final:
            return


def _final_state(task: dict[str, Any]) -> bool:
    status = task.get("status")
    return isinstance(status, dict) and status.get("state") in FINAL_STATES


async def push_conversation(
    conn: Any,
    request: dict[str, Any],
    *,
    policy: PushPolicy | None = None,
    host: str = "127.0.0.1",
    on_ready: Callable[[PushSession], None] | None = None,
) -> AsyncGenerator[dict[str, Any], None]:
    """`a2a send --push`: start a receiver, send the message with its push config, yield what arrives.

    `conn` is an AgentConnection. Yields StreamResponses: the deliveries for the task (the first is the Task),
    GetTask filling gaps, until a terminal or interrupted state; a direct Message reply is yielded alone.
    """
    if not getattr(conn, "supports_push", False):
        raise ProtocolError(
            "PushNotificationNotSupportedError",
            "the agent card does not advertise push notifications (capabilities.pushNotifications)",
            hint="drop --push: plain `a2a send` polls, `--stream` follows live",
        )
    async with push_session(host=host) as push:
        if on_ready is not None:
            on_ready(push)
        configuration = dict(request.get("configuration") or {})
        configuration["taskPushNotificationConfig"] = push.config
        configuration["returnImmediately"] = True
        sent = await conn.send_message({**request, "configuration": configuration})
        if isinstance(sent.get("message"), dict):
            yield {"message": sent["message"]}
            return
        task = sent.get("task")
        if not isinstance(task, dict) or not isinstance(task.get("id"), str):
            raise ProtocolError("InvalidAgentResponseError", "SendMessage answered neither a task nor a message")
        if _final_state(task):
            yield {"task": task}  # settled before any delivery could matter
            return
        async for event in follow_push(push, conn, task["id"], policy=policy):
            yield event


def push_turn(
    conn: Any,
    request: dict[str, Any],
    *,
    timeout: float | None,
    idle: float = 2.0,
    resume_command: Callable[[str], str] | None = None,
    on_ready: Callable[[PushSession], None] | None = None,
) -> AsyncGenerator[dict[str, Any], None]:
    """The events of one `a2a send --push` turn: what `client.conversation` is to a streamed turn."""
    policy = PushPolicy(timeout=timeout, idle=max(idle, 0.2), max_idle=max(10.0, idle), resume_command=resume_command)
    return push_conversation(conn, request, policy=policy, on_ready=on_ready)
