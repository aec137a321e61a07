"""ASGI plumbing the demo server's layers share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[Any]]


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` for the next layer, after this one has read the whole request body: the body once, as one
    message, then whatever the connection says next (a disconnect)."""
    replayed = False

    async def replay() -> Any:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
