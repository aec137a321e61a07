"""A lean SSE response for the SDK's JSON-RPC streams: the same bytes as sse-starlette, fewer objects per stream.

sse-starlette's `EventSourceResponse` runs every open stream as an anyio task group of four tasks (the data
pump, a ping loop, a shutdown listener, a disconnect listener) with their cancel scopes, an anyio lock and an
anyio event: ~15 KB of heap per idle stream (bench/FINDINGS.md item 14). `LeanEventStream` keeps the same
behaviour with the request's own task as the pump and ONE helper task that waits for the client to leave:

- headers, event encoding (`sse_starlette.event.ensure_bytes`, `\\r\\n` separators) and the final empty body
  are sse-starlette's own; a keep-alive comment `: ping - <UTC time>` every 15 s, from a timer, not a task;
- a client disconnect or a server shutdown (sse-starlette's shared uvicorn watcher) cancels the pump, which
  closes the SDK's event generator exactly as the task group's cancellation does, and the response returns
  normally (no final body on shutdown, as sse-starlette; `guards.EndStreamsCleanly` finishes it).

`LeanJsonRpcDispatcher` is the SDK's `JsonRpcDispatcher` with only that response swapped in; request parsing,
validation, errors and the v0.3 adapter are untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime
from typing import Any

from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher
from sse_starlette import sse as _sse
from sse_starlette.event import ServerSentEvent, ensure_bytes
from starlette.responses import Response

log = logging.getLogger("a2acli.serve")

SEP = _sse.EventSourceResponse.DEFAULT_SEPARATOR
PING_SECONDS = float(_sse.EventSourceResponse.DEFAULT_PING_INTERVAL)
_raw_headers: list[tuple[bytes, bytes]] | None = None


def _headers() -> list[tuple[bytes, bytes]]:
    """sse-starlette's own response headers (computed once from a real EventSourceResponse)."""
    global _raw_headers
    if _raw_headers is None:
        _raw_headers = list(_sse.EventSourceResponse(iter(())).raw_headers)
    return _raw_headers


def _ping_bytes() -> bytes:
    return ensure_bytes(ServerSentEvent(comment=f"ping - {datetime.now(UTC)}", sep=SEP), SEP)


class _Stop:
    """Registered with sse-starlette's shutdown watcher, which calls `set()` on every entry at shutdown."""

    __slots__ = ("stream",)

    def __init__(self, stream: LeanEventStream) -> None:
        self.stream = stream

    def set(self) -> None:
        self.stream._stop()


class LeanEventStream(Response):
    """`EventSourceResponse(content)` with grace period 0, in one helper task and a timer per open stream."""

    def __init__(self, content: AsyncIterator[Any]) -> None:
        self.body_iterator = content
        self.background = None
        self.status_code = 200
        self.raw_headers = _headers()
        self._active = True
        self._stopping = False
        self._task: asyncio.Task[Any] | None = None
        self._lock = asyncio.Lock()
        self._send: Any = None
        self._timer: asyncio.TimerHandle | None = None

    def _stop(self) -> None:
        """Disconnect or shutdown: cancel the pump once (it is waiting for the next event or writing)."""
        if self._active and not self._stopping and self._task is not None:
            self._stopping = True
            self._active = False
            self._task.cancel()

    async def _watch(self, receive: Any) -> None:
        with contextlib.suppress(Exception):
            while self._active:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break
            else:
                return
        self._stop()

    def _schedule_ping(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(PING_SECONDS, self._ping)

    def _ping(self) -> None:
        if self._active:
            asyncio.get_running_loop().create_task(self._send_ping())

    async def _send_ping(self) -> None:
        try:
            async with self._lock:
                if self._active:
                    await self._send({"type": "http.response.body", "body": _ping_bytes(), "more_body": True})
        except Exception:  # the pump sees a broken connection on its next write, or the watcher sees it go
            return
        if self._active:
            self._schedule_ping()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        state = _sse._get_shutdown_state()
        if _sse.AppStatus.should_exit:
            return
        self._task = asyncio.current_task()
        self._send = send
        stop = _Stop(self)
        _sse._ensure_watcher_started_on_this_loop()
        state.events.add(stop)  # type: ignore[arg-type]  # duck-typed: the watcher only calls set()
        watcher = asyncio.get_running_loop().create_task(self._watch(receive))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            self._schedule_ping()
            await self._pump(send)
        except asyncio.CancelledError:
            task = self._task
            if not self._stopping or task is None or task.uncancel() > 0:
                raise  # cancelled from outside (the server), not by our own stop
        finally:
            self._active = False
            state.events.discard(stop)  # type: ignore[arg-type]
            if self._timer is not None:
                self._timer.cancel()
            watcher.cancel()

    async def _pump(self, send: Any) -> None:
        iterator = self.body_iterator
        async for data in iterator:
            try:
                chunk = ensure_bytes(data, SEP)
                async with self._lock:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except BaseException:
                # As sse-starlette: the generator is suspended at its yield; close it before the error escapes.
                aclose = getattr(iterator, "aclose", None)
                if aclose is not None:
                    try:
                        await asyncio.shield(asyncio.wait_for(aclose(), 5))
                    except asyncio.CancelledError:
                        pass
                    except Exception:
                        log.debug("error closing an SSE body iterator", exc_info=True)
                raise
        async with self._lock:
            self._active = False
            await send({"type": "http.response.body", "body": b"", "more_body": False})


class LeanJsonRpcDispatcher(JsonRpcDispatcher):
    """The SDK's JSON-RPC dispatcher, answering its streams with `LeanEventStream`."""

    def _create_response(self, context: Any, handler_result: Any) -> Response:
        if self._shutdown_grace_period or not isinstance(handler_result, AsyncGenerator):
            return super()._create_response(context, handler_result)  # type: ignore[no-any-return]
        # The SDK's own response (an EventSourceResponse over its event generator), unwrapped.
        sdk = super()._create_response(context, handler_result)
        return LeanEventStream(sdk.body_iterator)  # type: ignore[attr-defined]


def lean_rest_streams(routes: list[Any]) -> list[Any]:
    """`create_rest_routes(...)` output with its dispatcher's streams answered by `LeanEventStream`.

    The SDK's RestDispatcher builds every stream in `_handle_streaming` (body pre-read, context, first event
    fetched eagerly so errors stay JSON, then an EventSourceResponse); that method is wrapped on the one
    dispatcher instance behind the routes, so its route table and error handling stay the SDK's own.
    """
    from a2a.server.routes.rest_dispatcher import RestDispatcher

    seen: set[int] = set()
    for route in _walk(routes):
        dispatcher = getattr(getattr(route, "endpoint", None), "__self__", None)
        if not isinstance(dispatcher, RestDispatcher) or id(dispatcher) in seen:
            continue
        seen.add(id(dispatcher))
        if getattr(dispatcher, "_shutdown_grace_period", 0):
            continue
        stock = dispatcher._handle_streaming

        async def handle_streaming(request: Any, handler_func: Any, _stock: Any = stock) -> Any:
            response = await _stock(request, handler_func)
            if isinstance(response, _sse.EventSourceResponse):
                return LeanEventStream(response.body_iterator)  # type: ignore[arg-type]
            return response

        dispatcher._handle_streaming = handle_streaming  # type: ignore[method-assign]
    return routes


def _walk(routes: list[Any]) -> list[Any]:
    found: list[Any] = []
    for route in routes:
        found.append(route)
        found.extend(_walk(list(getattr(route, "routes", []) or [])))
    return found


def create_jsonrpc_routes(handler: Any, rpc_url: str, *, enable_v0_3_compat: bool) -> list[Any]:
    """`a2a.server.routes.create_jsonrpc_routes(..., shutdown_grace_period=0)` with the lean dispatcher."""
    from starlette.routing import Route

    dispatcher = LeanJsonRpcDispatcher(request_handler=handler, enable_v0_3_compat=enable_v0_3_compat)
    return [Route(path=rpc_url, endpoint=dispatcher.handle_requests, methods=["POST"])]
