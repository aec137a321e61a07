"""Pure ASGI middlewares of the demo agent: body cap, bearer check, `?A2A-Version=` query -> header.

Pure ASGI (not BaseHTTPMiddleware) so the streaming hot path pays one function call per layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from a2acli.agent.asgi import authorization, exempt_from_credentials, read_body, replaying, respond, rest_error

ASGIApp = Any
Scope = dict[str, Any]


def _jsonrpc_error(code: int, message: str) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}).encode()


BODY_TIMEOUT_SECONDS = 30.0


class _BodyTimeout(BaseException):
    """Raised out of `receive` when a body stalls; BaseException so no handler inside turns it into a 500."""


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, without ever holding more than `limit` bytes, and
    bodies not complete `body_timeout` seconds after the request reached the app with 408. The deadline is for
    the whole body, not per chunk: a client dripping a byte now and then cannot pin a request for ever.

    With a Content-Length the size check is up front; a chunked body is buffered up to the cap and replayed.
    JSON-RPC paths get a JSON-RPC error body (-32600), the others an HTTP+JSON error body.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        jsonrpc_paths: tuple[str, ...] = (),
        body_timeout: float = BODY_TIMEOUT_SECONDS,
    ) -> None:
        self.app = app
        self.limit = int(limit)
        self.jsonrpc_paths = frozenset(jsonrpc_paths)
        self.body_timeout = body_timeout

    async def _timed_out(self, scope: Scope, send: Any) -> None:
        message = (
            f"Request timeout: the request body was not complete {self.body_timeout:g} s after the headers "
            "(stalled or too slow)"
        )
        if scope.get("path") in self.jsonrpc_paths:
            body = _jsonrpc_error(-32600, message)
        else:
            body = rest_error(408, "DEADLINE_EXCEEDED", message)
        with contextlib.suppress(Exception):
            await respond(send, 408, body, [(b"connection", b"close")])

    def _timed(self, receive: Any) -> Any:
        """`receive`, bounded by one deadline for the whole body (from now); free once the body is complete."""
        complete = False
        deadline = asyncio.get_running_loop().time() + self.body_timeout

        async def timed_receive() -> Any:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTimeout from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        return timed_receive

    async def _refuse(self, scope: Scope, send: Any) -> None:
        message = f"Payload too large: the request body exceeds {self.limit} bytes"
        if scope.get("path") in self.jsonrpc_paths:
            body = _jsonrpc_error(-32600, message)
        else:
            body = rest_error(413, "INVALID_ARGUMENT", message)
        await respond(send, 413, body, [(b"connection", b"close")])

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if length is not None and not chunked:
            try:
                size = int(length)
            except ValueError:
                size = self.limit + 1
            if size > self.limit:
                await self._refuse(scope, send)
                return
            if size == 0:
                await self.app(scope, receive, send)
                return
            try:
                await self.app(scope, self._timed(receive), send)
            except _BodyTimeout:
                await self._timed_out(scope, send)
            return
        if not chunked:
            await self.app(scope, receive, send)
            return
        # Chunked: read up to the cap, then replay what was read.
        parts: list[bytes] = []
        total = 0
        timed_receive = self._timed(receive)
        while True:
            try:
                message = await timed_receive()
            except _BodyTimeout:
                await self._timed_out(scope, send)
                return
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.limit:
                await self._refuse(scope, send)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        await self.app(scope, replaying(body, receive), send)


class BearerGuard:
    """Require `Authorization: Bearer <token>` on every A2A endpoint; the card paths stay public."""

    def __init__(self, app: ASGIApp, token: str, public_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.public = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if exempt_from_credentials(scope, self.public):
            await self.app(scope, receive, send)
            return
        supplied = authorization(scope)
        # Case-insensitive scheme, constant-time token comparison.
        if supplied[:7].lower() == b"bearer " and hmac.compare_digest(supplied[7:].strip(), self.expected[7:]):
            await self.app(scope, receive, send)
            return
        error = "invalid_token" if supplied else "invalid_request"
        body = rest_error(401, "UNAUTHENTICATED", "authentication required: send Authorization: Bearer <token>")
        challenge = f'Bearer realm="a2a", error="{error}"'.encode()
        await respond(send, 401, body, [(b"www-authenticate", challenge)])


class VersionQueryToHeader:
    """`?A2A-Version=1.0` counts as the `A2A-Version` header when the header is absent (spec: either may carry it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            qs = scope["query_string"]
            if b"a2a-version" in qs.lower():
                headers = scope["headers"]
                if not any(name == b"a2a-version" for name, _ in headers):
                    for key, value in parse_qsl(qs.decode("latin-1")):
                        if key.lower() == "a2a-version" and value:
                            scope = dict(scope)
                            scope["headers"] = [*headers, (b"a2a-version", value.encode("latin-1", "replace"))]
                            break
        await self.app(scope, receive, send)


class EndStreamsCleanly:
    """Finish a response the app left open (an SSE stream stopped at shutdown): send the final empty body.

    sse-starlette stops its streams when uvicorn is asked to exit, but returns without the last body
    message, so the client would see a truncated chunked response; this closes it properly instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "done": False}

        async def tracking_send(message: Any) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                state["started"] = True
            elif kind == "http.response.body" and not message.get("more_body", False):
                state["done"] = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            if state["started"] and not state["done"]:
                state["done"] = True
                with contextlib.suppress(Exception):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})


class RestInputGuard:
    """HTTP+JSON inputs the SDK 1.3 would answer with 500 get a 400 here instead.

    - a request body that is not UTF-8 (the SDK's REST handlers raise UnicodeDecodeError);
    - a `historyLength` query value that is not an integer (its 0.3 handler calls `int()` on it).
    JSON-RPC and card paths are not touched; bodies are read only on the HTTP+JSON paths (already capped).
    """

    def __init__(self, app: ASGIApp, skip_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.skip = frozenset(skip_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.skip:
            await self.app(scope, receive, send)
            return
        qs: bytes = scope.get("query_string") or b""
        if b"istory" in qs:
            for key, value in parse_qsl(qs.decode("latin-1")):
                if key in ("historyLength", "history_length"):
                    try:
                        int(value)
                    except ValueError:
                        await respond(send, 400, rest_error(400, "INVALID_ARGUMENT", f"{key} must be an integer"))
                        return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # the client went away
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            await respond(send, 400, rest_error(400, "INVALID_ARGUMENT", "the request body is not UTF-8"))
            return
        await self.app(scope, replaying(body, receive), send)


class RefuseVersion1:
    """`--protocol-versions 0.3`: requests that ask for A2A 1.x get VersionNotSupportedError (-32009 / 400)."""

    def __init__(self, app: ASGIApp, jsonrpc_paths: tuple[str, ...] = (), public_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.jsonrpc = frozenset(jsonrpc_paths)
        self.public = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path") not in self.public:
            for name, value in scope["headers"]:
                if name == b"a2a-version" and value.strip().startswith(b"1"):
                    message = "A2A version 1.x is not served here (this agent speaks 0.3 only)"
                    if scope.get("path") in self.jsonrpc:
                        await respond(send, 200, _jsonrpc_error(-32009, message))
                    else:
                        await respond(send, 400, rest_error(400, "FAILED_PRECONDITION", message))
                    return
        await self.app(scope, receive, send)


MAX_JSON_DEPTH = 200
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text `body` nests arrays/objects deeper than `limit` (strings do not count).

    Cheap for every real request: fewer brackets in all than the limit cannot nest past it (a C-speed count);
    only then are strings removed and the brackets walked.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class JsonDepthGuard:
    """A request body nested deeper than `MAX_JSON_DEPTH` gets the binding's parse error, before any parser.

    Python's json (and, past it, protobuf's and pydantic's converters) recurse once per level: at some 970
    levels a `RecursionError` escapes the SDK's handlers (a plain-text 500 on the lean path, an internal error
    -32603 on the SDK's JSON-RPC path). No A2A request needs a fraction of this depth: the SDK refuses
    messages nested past 100 protobuf levels anyway. JSON-RPC paths get -32700 (Parse error, id null: the id
    cannot be read without parsing), the HTTP+JSON paths (1.0 and 0.3) 400 INVALID_ARGUMENT, as the SDK
    answers a body it cannot parse.
    """

    def __init__(self, app: ASGIApp, jsonrpc_paths: tuple[str, ...] = (), skip_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.jsonrpc = frozenset(jsonrpc_paths)
        self.skip = frozenset(skip_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") not in ("POST", "PUT", "PATCH")
            or scope.get("path") in self.skip
        ):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # the client went away
        if json_depth_exceeds(body):
            text = f"Parse error: the JSON body nests deeper than {MAX_JSON_DEPTH} levels"
            if scope.get("path") in self.jsonrpc:
                await respond(send, 200, _jsonrpc_error(-32700, text))
            else:
                await respond(send, 400, rest_error(400, "INVALID_ARGUMENT", text))
            return
        await self.app(scope, replaying(body, receive), send)
