"""What the demo agent's lean streams take from sse-starlette's public API still frames events as its response does.

The lean path (a2acli/agent/fastpath.py) writes its own SSE bytes, so that they equal the SDK path's, which are
sse-starlette's `EventSourceResponse`: its headers (read from `raw_headers`), its separator and ping interval
(`DEFAULT_SEPARATOR`, `DEFAULT_PING_INTERVAL`) and its keep-alive comment (`ServerSentEvent` + `ensure_bytes`).
If a release of sse-starlette changes any of these, this fails here, before a client sees two framings.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import sse_starlette
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from a2acli.agent import fastpath
from tests.support.server import serve_in_thread

DATA = ['{"result": {"n": 1}}', '{"result": {"text": "b\\u00e9ta \\"q\\""}}']


def _app() -> Starlette:
    async def stock(request: Request) -> Response:
        async def events() -> AsyncIterator[str]:
            for data in DATA:
                yield data

        return EventSourceResponse(events())

    class Lean:  # a pure ASGI endpoint, as the lean path is
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            writer = fastpath._Writer(send, "", "")
            await writer.start()
            for data in DATA:
                await writer.event(data)
            await writer.end()

    return Starlette(routes=[Route("/stock", stock, methods=["POST"]), Route("/lean", Lean(), methods=["POST"])])


def _raw(url: str) -> tuple[list[tuple[str, str]], bytes]:
    with httpx.Client(timeout=10) as client, client.stream("POST", url) as r:
        body = r.read()
        headers = sorted((k, v) for k, v in r.headers.multi_items() if k != "date")
    return headers, body


def test_the_version_range_pinned_in_pyproject() -> None:
    major, minor = (int(x) for x in sse_starlette.__version__.split(".")[:2])
    assert (major, minor) == (3, 7), "re-run this contract, then move the sse-starlette pin in pyproject.toml"


def test_lean_writer_bytes_and_headers_equal_event_source_response() -> None:
    with serve_in_thread(_app()) as base:
        stock = _raw(base + "/stock")
        lean = _raw(base + "/lean")
    assert lean == stock
    assert dict(stock[0])["content-type"] == "text/event-stream; charset=utf-8"
    assert stock[1].endswith(b"\r\n\r\n") and stock[1].count(b"data: ") == 2


def test_ping_comment_is_sse_starlettes() -> None:
    assert fastpath.SEP == "\r\n" and fastpath.PING_SECONDS == 15.0
    assert re.fullmatch(rb": ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00:00\r\n\r\n", fastpath.ping_bytes())

    async def stock_ping() -> bytes:
        sent: list[dict[str, Any]] = []

        async def never() -> AsyncIterator[str]:
            await asyncio.sleep(3600)
            yield ""

        async def receive() -> dict[str, Any]:
            await asyncio.sleep(3600)
            return {}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        response = EventSourceResponse(never(), ping=0.05)
        task = asyncio.ensure_future(response({"type": "http", "method": "POST"}, receive, send))
        while len(sent) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        return bytes(sent[1]["body"])

    stamp = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00:00")
    assert stamp.sub(b"<t>", asyncio.run(stock_ping())) == stamp.sub(b"<t>", fastpath.ping_bytes())
