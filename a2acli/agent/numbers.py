"""Whole numbers stay whole on the wire: `1` sent is `1` served, not `1.0`.

A2A carries free JSON (`DataPart.data`, `metadata`, extension params) in protobuf `Struct`s, whose numbers
are doubles, so every proto -> JSON conversion (the SDK's `MessageToDict` on every binding and version, the
lean path's own) turns `1` into `1.0`. A client that sent `{"n": 1}` gets `{"n": 1.0}` back, and in a
typed language a float where it sent an int. JSON itself has one number type; writing a whole double as an
integer is the faithful form (what protobuf's own C++/Go ProtoJSON printers do).

Two public hooks cover every byte the server writes, without touching the SDK:
- `WholeNumbers`, the outermost ASGI layer: JSON responses and SSE `data:` lines;
- `WholeNumbersTransport`, the httpx transport of the push-notification client: push bodies.
Both only re-encode a document when it may hold such a number (a cheap byte search: a number token ending in
`.0`), so a stream of text chunks is passed through as written.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

ASGIApp = Any
Scope = dict[str, Any]

# A JSON number token `12.0` / `-3.0` (between JSON delimiters, so not inside most strings; a string that
# happens to match only costs a re-encoding that changes nothing in it).
_WHOLE_FLOAT = re.compile(rb"[:\[,\s]-?\d+\.0[,\]}\s]")
_EXACT = float(2**53)  # beyond this a double is not one integer but a range: leave it a float


def whole_numbers(value: Any) -> Any:
    """`value` with every float that is a whole number within ±2**53 turned into an int (recursively)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and -_EXACT <= value <= _EXACT else value
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


def may_hold_whole_floats(data: bytes) -> bool:
    return _WHOLE_FLOAT.search(data) is not None


def fix_json(data: bytes, *, compact: bool) -> bytes:
    """The JSON document `data` re-encoded with whole numbers as integers; `data` itself when nothing changes or
    it does not parse."""
    if not may_hold_whole_floats(data):
        return data
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return data
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(whole_numbers(document), ensure_ascii=False, separators=separators).encode()


def fix_sse(chunk: bytes) -> bytes:
    """An SSE body chunk with the JSON of each `data:` line fixed (one event's JSON is always one line here)."""
    if not may_hold_whole_floats(chunk):
        return chunk
    lines = chunk.split(b"\n")
    for i, line in enumerate(lines):
        if not line.startswith(b"data:"):
            continue
        end = b"\r" if line.endswith(b"\r") else b""
        payload = line[5 : len(line) - len(end)]
        space = b" " if payload.startswith(b" ") else b""
        fixed = fix_json(payload[len(space) :], compact=False)
        lines[i] = b"data:" + space + fixed + end
    return b"\n".join(lines)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((v for k, v in headers if k.lower() == name), b"")


class WholeNumbers:
    """Outermost pure ASGI layer: fix JSON response bodies and SSE events. A response of known length (JSON, or
    the lean path's whole SSE body) is buffered until complete and its Content-Length updated; an open SSE
    stream is fixed event by event as it goes."""

    def __init__(self, app: ASGIApp, skip_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.skip = frozenset(skip_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.skip:
            await self.app(scope, receive, send)
            return
        fixer: Any = None  # fix_sse or a JSON fixer; None: pass through
        held: dict[str, Any] | None = None  # the start message of a buffered response
        parts: list[bytes] = []

        async def fixing_send(message: Any) -> None:
            nonlocal fixer, held
            kind = message["type"]
            if kind == "http.response.start":
                headers = message.get("headers", [])
                content_type = _header(headers, b"content-type").lower()
                if b"text/event-stream" in content_type:
                    fixer = fix_sse
                elif b"json" in content_type:
                    fixer = _fix_compact_json
                if fixer is not None and (fixer is _fix_compact_json or _header(headers, b"content-length")):
                    held = message
                    return
                await send(message)
                return
            if kind != "http.response.body" or fixer is None:
                await send(message)
                return
            if held is None:  # an open stream: each chunk is whole events
                body = message.get("body", b"")
                await send({**message, "body": fixer(body)} if body else message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = fixer(b"".join(parts))
            headers = [(k, v) for k, v in held.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, fixing_send)


def _fix_compact_json(data: bytes) -> bytes:
    return fix_json(data, compact=True)


class WholeNumbersTransport(httpx.AsyncBaseTransport):
    """The push client's transport: a JSON request body is sent with whole numbers as integers."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if b"json" in request.headers.get("content-type", "").encode().lower():
            body = await request.aread()
            fixed = fix_json(body, compact=True)
            if fixed is not body:
                headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
                request = httpx.Request(
                    request.method, request.url, headers=headers, content=fixed, extensions=request.extensions
                )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
