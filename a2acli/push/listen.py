"""`a2a push listen`: serve a receiver and hand each delivery to the caller until told to stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from a2acli.protocol import FINAL_STATES
from a2acli.push.receiver import DEFAULT_MAX_BODY_BYTES, Delivery, ReceiverStats, RunningReceiver, open_receiver


@dataclass(frozen=True)
class ListenOptions:
    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    count: int | None = None  # stop after this many deliveries
    exit_on_final: bool = False  # stop after a terminal / interrupted state or a Message
    duration: float | None = None  # stop after this long (seconds)
    task_ids: frozenset[str] = frozenset()  # accept only these tasks (empty: any)


def is_final(payload: dict[str, Any]) -> bool:
    """A delivery after which no more are expected: a terminal or interrupted state, or a bare Message."""
    for kind in ("statusUpdate", "artifactUpdate", "task", "message"):
        body = payload.get(kind)
        if isinstance(body, dict):
            status = body.get("status")
            return kind == "message" or (isinstance(status, dict) and status.get("state") in FINAL_STATES)
    return False


async def listen(
    options: ListenOptions,
    *,
    on_ready: Callable[[RunningReceiver], None],
    on_delivery: Callable[[Delivery], None],
) -> ReceiverStats:
    """Serve until a stop condition holds (or the caller is interrupted); return the counters."""
    async with open_receiver(
        host=options.host,
        port=options.port,
        token=options.token,
        max_body_bytes=options.max_body_bytes,
        task_ids=options.task_ids,
    ) as receiver:
        on_ready(receiver)
        deadline = None if options.duration is None else time.monotonic() + options.duration
        seen = 0
        while options.count is None or seen < options.count:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                break
            delivery = await receiver.next_delivery(timeout=remaining)
            if delivery is None:
                break
            seen += 1
            on_delivery(delivery)
            if options.exit_on_final and is_final(delivery.payload):
                break
        await asyncio.sleep(0)  # let the last 200 reach the agent before the server stops
        return receiver.app.stats
