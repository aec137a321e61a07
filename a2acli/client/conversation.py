"""One `send` turn as a sequence of A2A 1.0 StreamResponse events, whatever the agent can do (SPEC §9, §10.2).

- `--async`: SendMessage with `returnImmediately`; the one SendMessageResponse is the only event.
- the card streams: SendStreamingMessage, made resilient by `a2acli.client.resume` (resubscribe with backoff,
  GetTask fallback) until a terminal or interrupted state.
- the card does not stream: SendMessage with `returnImmediately`, then GetTask polling with bounded backoff;
  each poll yields only what changed (artifact / status deltas), so `--stream` still prints JSON lines.

Pure domain code: yields dicts, prints nothing; notices go to the `on_notice` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from a2acli.client.connection import AgentConnection, invalid_response
from a2acli.errors import DeadlineExpired
from a2acli.protocol import FINAL_STATES

if TYPE_CHECKING:
    from a2acli.client.resume import ResumeNotice, StreamLedger

# `a2acli.client.resume` is imported where a turn needs it (polling, or a stream to resume): a stream that runs
# to its end, the common case, never pays for building its classes before the first event.


@dataclass(frozen=True)
class TurnOptions:
    async_: bool = False
    poll_interval: float = 2.0
    max_poll_interval: float = 10.0
    timeout: float | None = None
    resume_command: Callable[[str], str] | None = None


def _state_of(event: dict[str, Any]) -> str | None:
    task = event.get("task")
    if isinstance(task, dict):
        status = task.get("status")
        return status.get("state") if isinstance(status, dict) else None
    return None


def conversation(
    conn: AgentConnection,
    request: dict[str, Any],
    options: TurnOptions,
    *,
    on_notice: Callable[[ResumeNotice], None] | None = None,
    ledger: StreamLedger | None = None,
    on_foreign: Callable[[str], None] | None = None,
) -> AsyncGenerator[dict[str, Any], None]:
    """The StreamResponses of one turn, ending at a terminal or interrupted state (or a Message).

    Returns the generator of the path that applies (no extra generator layer per event on the hot path).
    """
    if options.async_:
        return _async_turn(conn, request)
    if conn.supports_streaming:
        return _stream_turn(conn, request, options, ledger, on_notice, on_foreign)
    from a2acli.client.resume import StreamLedger

    return _polled_turn(conn, request, options, ledger if ledger is not None else StreamLedger())


async def _async_turn(conn: AgentConnection, request: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
    yield await conn.send_message(_immediate(request))


async def _polled_turn(
    conn: AgentConnection, request: dict[str, Any], options: TurnOptions, book: StreamLedger
) -> AsyncGenerator[dict[str, Any], None]:
    started = time.monotonic()
    first = await conn.send_message(_immediate(request))
    book.observe(first)
    yield first
    if "task" not in first or _state_of(first) in FINAL_STATES or not book.task_id:
        return
    async for event in _poll(conn, book, options, started):
        yield event


class _Seen:
    """What a recovery needs of the events already shown, kept compactly (bounded by the text itself, not by
    the number of events): the first Task, the last status, and per artifact its text (as chunks) and parts."""

    __slots__ = ("artifacts", "context_id", "first_task", "last_status", "metas")

    def __init__(self) -> None:
        self.first_task: dict[str, Any] | None = None
        self.last_status: dict[str, Any] | None = None
        self.context_id: str = ""
        self.artifacts: dict[str, list[Any]] = {}
        self.metas: dict[str, dict[str, Any]] = {}

    def artifact(self, body: dict[str, Any]) -> None:
        art = body.get("artifact")
        if type(art) is not dict:
            return
        aid = art.get("artifactId")
        if not isinstance(aid, str):
            return
        bucket = self.artifacts.get(aid)
        if bucket is None or body.get("append") is not True:
            bucket = self.artifacts[aid] = []
            self.metas[aid] = art
        parts = art.get("parts")
        if type(parts) is list:
            for part in parts:
                if type(part) is dict and len(part) == 1 and type(part.get("text")) is str:
                    bucket.append(part["text"])
                else:
                    bucket.append(part)

    def ledger(self, book: StreamLedger, task_id: str) -> StreamLedger:
        if self.first_task is not None:
            book.observe(self.first_task)
        for aid, bucket in self.artifacts.items():
            parts: list[Any] = []
            run: list[str] = []
            for item in bucket:
                if isinstance(item, str):
                    run.append(item)
                    continue
                if run:
                    parts.append({"text": "".join(run)})
                    run = []
                parts.append(item)
            if run:
                parts.append({"text": "".join(run)})
            meta = {k: v for k, v in self.metas[aid].items() if k != "parts"}
            book.observe(
                {
                    "artifactUpdate": {
                        "taskId": task_id,
                        "contextId": self.context_id,
                        "artifact": {**meta, "parts": parts},
                    }
                }
            )
        if self.last_status is not None:
            book.observe(self.last_status)
        book.task_id = task_id
        return book


async def _stream_turn(
    conn: AgentConnection,
    request: dict[str, Any],
    options: TurnOptions,
    ledger: StreamLedger | None,
    on_notice: Callable[[ResumeNotice], None] | None,
    on_foreign: Callable[[str], None] | None,
) -> AsyncGenerator[dict[str, Any], None]:
    """The lean path: events straight from the connection; only what a recovery needs is kept (`_Seen`).

    If the stream breaks or ends before a final state, `resilient_events` takes over from what was seen
    (resubscribe with backoff, GetTask fallback), so every word is still shown exactly once.
    """
    seen = _Seen()
    task_id: str | None = None
    reason = "the stream ended before a final state"
    events = conn.stream_message(request)
    try:
        async with contextlib.aclosing(events):  # type: ignore[type-var]
            async for event in events:
                if "artifactUpdate" in event:
                    body = event["artifactUpdate"]
                    if type(body) is dict:
                        other = body.get("taskId")
                        if task_id is None:
                            if isinstance(other, str) and other:
                                task_id = other
                        elif other and other != task_id:
                            if on_foreign is not None:
                                on_foreign(str(other))
                            continue
                        seen.artifact(body)
                    yield event
                    continue
                other = _task_id_of(event)
                if other is not None:
                    if task_id is None:
                        task_id = other
                    elif other != task_id:
                        if on_foreign is not None:
                            on_foreign(other)
                        continue
                if "task" in event:
                    if seen.first_task is None:
                        seen.first_task = event
                elif "statusUpdate" in event:
                    seen.last_status = event
                if not seen.context_id:
                    body = next(iter(event.values()), None)
                    cid = body.get("contextId") if isinstance(body, dict) else None
                    seen.context_id = cid if isinstance(cid, str) else ""
                yield event
                if "message" in event and task_id is None:
                    return  # a direct Message reply ends the turn
                if _final_state(event):
                    return
    except Exception as exc:
        from a2acli.client.resume import is_transient

        if task_id is None or isinstance(exc, DeadlineExpired) or not is_transient(exc):
            raise  # nothing to resume: the error as it is
        reason = _describe(exc)
    if task_id is None:
        raise invalid_response("the agent ended the event stream without naming a task or sending a message")
    from a2acli.client.resume import ResumeNotice, ResumePolicy, StreamLedger, resilient_events

    book = ledger if ledger is not None else StreamLedger()
    seen.ledger(book, task_id)
    if on_notice is not None:
        on_notice(ResumeNotice("dropped", task_id, 1, 0.0, reason))
    policy = ResumePolicy(
        timeout=options.timeout,
        poll_interval=options.poll_interval,
        max_poll_interval=max(options.max_poll_interval, options.poll_interval),
    )
    async for event in resilient_events(
        lambda: conn.subscribe(task_id),
        conn,
        task_id=task_id,
        policy=policy,
        on_notice=on_notice,
        resume_command=options.resume_command,
        ledger=book,
    ):
        yield event


def _final_state(event: dict[str, Any]) -> bool:
    body = event.get("statusUpdate") or event.get("task")
    status = body.get("status") if isinstance(body, dict) else None
    return isinstance(status, dict) and status.get("state") in FINAL_STATES


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _task_id_of(event: dict[str, Any]) -> str | None:
    if "artifactUpdate" in event:
        body = event["artifactUpdate"]
        key = "taskId"
    elif "statusUpdate" in event:
        body = event["statusUpdate"]
        key = "taskId"
    elif "task" in event:
        body = event["task"]
        key = "id"
    else:
        return None
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def _immediate(request: dict[str, Any]) -> dict[str, Any]:
    config = dict(request.get("configuration") or {})
    config["returnImmediately"] = True
    return {**request, "configuration": config}


async def _poll(
    conn: AgentConnection, book: StreamLedger, options: TurnOptions, started: float
) -> AsyncIterator[dict[str, Any]]:
    assert book.task_id is not None
    interval = max(options.poll_interval, 0.05)
    ceiling = max(options.max_poll_interval, options.poll_interval)
    delay = interval
    failures = 0
    while True:
        if options.timeout is not None:
            left = options.timeout - (time.monotonic() - started)
            if left <= 0:
                command = options.resume_command(book.task_id) if options.resume_command else None
                raise DeadlineExpired(
                    f"--timeout expired while waiting for task {book.task_id} (last state {book.state or 'unknown'})",
                    hint=command,
                )
            delay = min(delay, left)
        await asyncio.sleep(delay)
        try:
            task = await conn.get_task(book.task_id)
        except Exception as exc:
            from a2acli.client.resume import is_transient

            if not is_transient(exc) or failures >= 5:
                raise
            failures += 1
            delay = min(ceiling, delay * 1.5)
            continue
        failures = 0
        deltas = book.reconcile(task)
        for delta in deltas:
            yield delta
        if book.final:
            return
        # Bounded backoff: back to the base interval whenever something changed.
        delay = interval if deltas else min(ceiling, delay * 1.5)
