"""ASGI plumbing the demo server's layers share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[Any]]


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client went away before sending all of it. For layers behind
    guards.BodyLimit, which has already capped it (and, being first, replays it as one message)."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)


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
