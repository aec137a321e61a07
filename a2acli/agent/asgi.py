"""ASGI plumbing the demo server's layers share: the request body, the credential guards' exemptions and header, a JSON
response."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

Receive = Callable[[], Awaitable[Any]]


def exempt_from_credentials(scope: Mapping[str, Any], public_paths: Collection[str]) -> bool:
    """What a credential guard lets through unasked: anything but HTTP, a public path (the card), a CORS
    preflight (OPTIONS carries no credentials)."""
    return scope["type"] != "http" or scope.get("path") in public_paths or scope.get("method") == "OPTIONS"


def authorization(scope: Mapping[str, Any]) -> bytes:
    """The request's Authorization header, b"" when it has none."""
    return next((value for name, value in scope["headers"] if name == b"authorization"), b"")


def rest_error(status: int, grpc_status: str, message: str) -> bytes:
    """An A2A HTTP+JSON error body (google.rpc.Status shape)."""
    return json.dumps({"error": {"code": status, "status": grpc_status, "message": message}}).encode()


async def respond(send: Any, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """A whole JSON response: `body` with its length, and any `extra` headers."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers.extend(extra or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
