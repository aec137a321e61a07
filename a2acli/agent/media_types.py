"""Media-type handling of the demo agent's A2A endpoints (pure ASGI, one header scan on the hot path).

- JSON-RPC: a body that is not JSON sent with a non-JSON `Content-Type` (e.g. `text/plain`) is refused with
  `ContentTypeNotSupportedError` (-32005): the declared type is the cause, so say so rather than -32700.
  A JSON body is served whatever its declared type (curl's default form type included).
- HTTP+JSON: the SDK labels every answer `application/a2a+json` (A2A 1.0.1 says SHOULD). A client that
  speaks `application/json` (its `Content-Type`, or an `Accept` naming it but not the A2A type) gets its answer
  labelled `application/json`, as A2A 1.0.0 and the A2A TCK expect. Same bytes either way.
"""

from __future__ import annotations

import json
from typing import Any

from a2acli.agent.asgi import read_body, replaying

ASGIApp = Any
Scope = dict[str, Any]

A2A_JSON = b"application/a2a+json"
PLAIN_JSON = b"application/json"


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _base_type(value: bytes) -> bytes:
    return value.split(b";", 1)[0].strip().lower()


def is_json_type(value: bytes) -> bool:
    """`application/json`, `application/a2a+json`, `application/problem+json`, ... (parameters ignored)."""
    base = _base_type(value)
    return base == PLAIN_JSON or (base.startswith(b"application/") and base.endswith(b"+json"))


def _content_type_error() -> bytes:
    error = {
        "code": -32005,
        "message": "Content type not supported: send the JSON-RPC request as application/json",
        "data": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "CONTENT_TYPE_NOT_SUPPORTED",
                "domain": "a2a-protocol.org",
                "metadata": {},
            }
        ],
    }
    return json.dumps({"jsonrpc": "2.0", "id": None, "error": error}, separators=(",", ":")).encode()


class JsonRpcContentType:
    """On the JSON-RPC paths, a non-JSON `Content-Type` whose body does not parse as JSON gets -32005.

    Must sit inside the body-size cap: it reads the (already capped) body only in that rare case.
    """

    def __init__(self, app: ASGIApp, jsonrpc_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.paths = frozenset(jsonrpc_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-type")
        if declared is None or is_json_type(declared):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # client went away
        try:
            json.loads(body)
        except ValueError:
            payload = _content_type_error()
            headers = [(b"content-type", PLAIN_JSON), (b"content-length", str(len(payload)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return
        await self.app(scope, replaying(body, receive), send)


def wants_plain_json(scope: Scope) -> bool:
    """The client spoke `application/json` and did not ask for `application/a2a+json`."""
    accept = (_header(scope, b"accept") or b"").lower()
    if A2A_JSON in accept:
        return False
    declared = _header(scope, b"content-type")
    if declared is not None:
        return _base_type(declared) == PLAIN_JSON
    return PLAIN_JSON in accept


class RestJsonMediaType:
    """Label HTTP+JSON answers `application/json` for clients that speak `application/json` (see module doc)."""

    def __init__(self, app: ASGIApp, skip_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.skip = frozenset(skip_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.skip or not wants_plain_json(scope):
            await self.app(scope, receive, send)
            return

        async def relabel(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                if any(k.lower() == b"content-type" and _base_type(v) == A2A_JSON for k, v in headers):
                    message = dict(message)
                    message["headers"] = [
                        (k, PLAIN_JSON) if k.lower() == b"content-type" and _base_type(v) == A2A_JSON else (k, v)
                        for k, v in headers
                    ]
            await send(message)

        await self.app(scope, receive, relabel)
