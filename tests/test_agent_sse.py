"""The lean SSE response says byte for byte what sse-starlette says, pings, and lets go of a stream a client left."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from a2acli.agent import sse
from tests.support.agent import demo_agent
from tests.support.server import serve_in_thread

V1 = {"A2A-Version": "1.0"}
EVENTS: list[dict[str, str]] = [
    {"data": json.dumps({"result": {"n": 1}})},
    {"data": "two\nlines"},
    {"data": json.dumps({"error": {"code": -32603}}), "event": "error"},
]


def _app(closed: dict[str, threading.Event], delay: float = 0.0) -> Starlette:
    def gen(name: str) -> AsyncIterator[dict[str, str]]:
        async def inner() -> AsyncIterator[dict[str, str]]:
            try:
                for event in EVENTS:
                    if delay:
                        await asyncio.sleep(delay)
                    yield event
            finally:
                closed.setdefault(name, threading.Event()).set()

        return inner()

    async def lean(request: Request) -> Response:
        return sse.LeanEventStream(gen("lean"))

    async def stock(request: Request) -> Response:
        return EventSourceResponse(gen("stock"))

    return Starlette(routes=[Route("/lean", lean, methods=["POST"]), Route("/stock", stock, methods=["POST"])])


def _raw(url: str) -> tuple[list[tuple[str, str]], bytes]:
    with httpx.Client(timeout=10) as client, client.stream("POST", url) as r:
        body = r.read()
        headers = [(k, v) for k, v in r.headers.multi_items() if k != "date"]
    return headers, body


def test_lean_stream_bytes_and_headers_equal_sse_starlette() -> None:
    closed: dict[str, threading.Event] = {}
    with serve_in_thread(_app(closed)) as base:
        lean_headers, lean_body = _raw(base + "/lean")
        stock_headers, stock_body = _raw(base + "/stock")
    assert lean_body == stock_body
    assert lean_headers == stock_headers
    assert b"event: error\r\ndata: " in lean_body and lean_body.endswith(b"\r\n\r\n")
    assert dict(lean_headers)["content-type"] == "text/event-stream; charset=utf-8"


def test_lean_stream_pings_while_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sse, "PING_SECONDS", 0.2)
    closed: dict[str, threading.Event] = {}
    with serve_in_thread(_app(closed, delay=0.7)) as base:
        _, body = _raw(base + "/lean")
    text = body.decode()
    pings = re.findall(r": ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00:00\r\n\r\n", text)
    assert len(pings) >= 3
    first = next(line for line in text.split("\r\n") if line.startswith("data: {"))
    assert json.loads(first[6:]) == {"result": {"n": 1}}


@pytest.mark.parametrize("path", ["/lean", "/stock"])
def test_a_client_that_leaves_closes_the_generator(path: str) -> None:
    closed: dict[str, threading.Event] = {}
    with serve_in_thread(_app(closed, delay=30)) as base:
        with httpx.Client(timeout=10) as client, client.stream("POST", base + path) as r:
            assert r.status_code == 200
        name = path.strip("/")
        deadline = time.monotonic() + 5
        while name not in closed and time.monotonic() < deadline:
            time.sleep(0.05)
        assert name in closed and closed[name].wait(5)


def _rpc(url: str, method: str, params: dict[str, Any], rid: int = 1) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
    result: dict[str, Any] = httpx.post(url + "/", json=body, headers=V1, timeout=10).json()
    return result


def test_delayed_stream_cancel_midway_ends_canceled_and_subscribe_sees_it() -> None:
    with demo_agent(delay=0.3, text="one two three four five six seven eight") as url:
        body = {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "SendStreamingMessage",
            "params": {"message": {"messageId": "sse-1", "role": "ROLE_USER", "parts": [{"text": "go"}]}},
        }
        states: list[str] = []
        raw = b""
        with httpx.Client(timeout=10) as client, client.stream("POST", url + "/", json=body, headers=V1) as r:
            assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
            task_id = ""
            for line in r.iter_lines():
                raw += line.encode() + b"\n"
                if not line.startswith("data:"):
                    continue
                result = json.loads(line[5:])["result"]
                if "task" in result:
                    task_id = result["task"]["id"]
                    mid = _rpc(url, "GetTask", {"id": task_id})
                    assert mid["result"]["status"]["state"] in ("TASK_STATE_SUBMITTED", "TASK_STATE_WORKING")
                if "artifactUpdate" in result and "cancel" not in states:
                    states.append("cancel")
                    canceled = _rpc(url, "CancelTask", {"id": task_id})
                    assert canceled["result"]["status"]["state"] == "TASK_STATE_CANCELED"
                if "statusUpdate" in result:
                    states.append(result["statusUpdate"]["status"]["state"])
        assert states[0] == "TASK_STATE_WORKING" and states[1] == "cancel"
        assert states[-1] == "TASK_STATE_CANCELED" and "TASK_STATE_COMPLETED" not in states
        assert _rpc(url, "GetTask", {"id": task_id})["result"]["status"]["state"] == "TASK_STATE_CANCELED"
        # A finished task: SubscribeToTask answers with an error, as the SDK does.
        sub = {"jsonrpc": "2.0", "id": 8, "method": "SubscribeToTask", "params": {"id": task_id}}
        answer = httpx.post(url + "/", json=sub, headers=V1, timeout=10)
        assert "error" in answer.text


UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _wire(url: str, binding: str) -> tuple[list[tuple[str, str]], bytes]:
    message = {"messageId": "wire-1", "role": "ROLE_USER", "parts": [{"text": "go"}]}
    if binding == "jsonrpc":
        target = url + "/"
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 3, "method": "SendStreamingMessage"}
        body["params"] = {"message": message}
    else:
        target, body = url + "/message:stream", {"message": message}
    with httpx.Client(timeout=10) as client, client.stream("POST", target, json=body, headers=V1) as r:
        raw = r.read()
        headers = sorted((k, v) for k, v in r.headers.multi_items() if k != "date")
    ids: dict[bytes, bytes] = {}
    raw = UUID.sub(lambda m: ids.setdefault(m.group(0), b"<id%d>" % len(ids)), raw)
    return headers, STAMP.sub(b"<ts>", raw)


@pytest.mark.parametrize("binding", ["jsonrpc", "http_json"])
def test_sdk_path_streams_say_what_sse_starlette_said(binding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opts = {"delay": 0.02, "text": "one two three", "fast_path": False}  # the SDK path; lean: test_serve_lean_delayed
    made: list[int] = []
    init = sse.LeanEventStream.__init__

    def counting(self: sse.LeanEventStream, content: Any) -> None:
        made.append(1)
        init(self, content)

    monkeypatch.setattr(sse.LeanEventStream, "__init__", counting)
    with demo_agent(**opts) as url:
        lean = _wire(url, binding)
    assert made == [1]  # the lean response wrote this stream
    from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher

    monkeypatch.setattr(sse.LeanJsonRpcDispatcher, "_create_response", JsonRpcDispatcher._create_response)
    monkeypatch.setattr(sse, "lean_rest_streams", lambda routes: routes)
    with demo_agent(**opts) as url:
        stock = _wire(url, binding)
    assert lean == stock
    assert lean[1].count(b"data: ") == 6 and b"TASK_STATE_COMPLETED" in lean[1]
