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
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from a2acli.client.connection import AgentConnection
from a2acli.client.resume import (
    FINAL_STATES,
    ResumeNotice,
    ResumePolicy,
    StreamLedger,
    is_transient,
    resilient_events,
)
from a2acli.errors import TimeoutExpiredError


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


async def conversation(
    conn: AgentConnection,
    request: dict[str, Any],
    options: TurnOptions,
    *,
    on_notice: Callable[[ResumeNotice], None] | None = None,
    ledger: StreamLedger | None = None,
    on_foreign: Callable[[str], None] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yield the StreamResponses of one turn, ending at a terminal or interrupted state (or a Message)."""
    book = ledger if ledger is not None else StreamLedger()
    if options.async_:
        yield await conn.send_message(_immediate(request))
        return
    if conn.supports_streaming:
        policy = ResumePolicy(
            timeout=options.timeout,
            poll_interval=options.poll_interval,
            max_poll_interval=max(options.max_poll_interval, options.poll_interval),
        )
        async for event in resilient_events(
            lambda: own_task_only(conn.stream_message(request), on_foreign),
            conn,
            policy=policy,
            on_notice=on_notice,
            resume_command=options.resume_command,
            ledger=book,
        ):
            yield event
        return
    started = time.monotonic()
    first = await conn.send_message(_immediate(request))
    book.observe(first)
    yield first
    if "task" not in first or _state_of(first) in FINAL_STATES or not book.task_id:
        return
    async for event in _poll(conn, book, options, started):
        yield event


async def own_task_only(
    events: AsyncIterator[dict[str, Any]], on_foreign: Callable[[str], None] | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Drop events about another task than the first one the stream names (a confused or hostile agent)."""
    task_id: str | None = None
    try:
        async for event in events:
            other = _task_id_of(event)
            if other is not None:
                if task_id is None:
                    task_id = other
                elif other != task_id:
                    if on_foreign is not None:
                        on_foreign(other)
                    continue
            yield event
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


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
                raise TimeoutExpiredError(
                    f"--timeout expired while waiting for task {book.task_id} (last state {book.state or 'unknown'})",
                    hint=command,
                )
            delay = min(delay, left)
        await asyncio.sleep(delay)
        try:
            task = await conn.get_task(book.task_id)
        except Exception as exc:
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
