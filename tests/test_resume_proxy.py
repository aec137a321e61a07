"""A real TCP proxy that cuts event streams mid-flight, for the resumption tests (and its own self-test).

`CuttingProxy(cuts=[3, 5])` forwards every connection to an upstream host:port. The first response that is
an event stream is cut after 3 SSE events have passed (the connection is aborted in the middle of the
chunked body), the second after 5; later streams pass untouched. Non-stream responses always pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

import httpx


class CuttingProxy:
    def __init__(self, cuts: list[int]) -> None:
        self.cuts = list(cuts)
        self.upstream: tuple[str, int] | None = None
        self.stream_responses = 0
        self.cut_done = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        fut.result(timeout=10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, sock=self._sock)

    def stop(self) -> None:
        async def _stop() -> None:
            if self._server is not None:
                self._server.close()
            # Connections still being relayed (a client that gave up, a stream never read to its end) must end
            # here, in the running loop: left pending, their handlers would be finalised after the loop is
            # gone and their cleanup would raise "Event loop is closed" (an unraisable-exception warning).
            handlers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self.upstream is not None
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return

        async def client_to_upstream() -> None:
            with contextlib.suppress(Exception):
                while data := await reader.read(65536):
                    up_writer.write(data)
                    await up_writer.drain()
            with contextlib.suppress(Exception):
                up_writer.write_eof()

        pump = asyncio.create_task(client_to_upstream())
        try:
            await self._upstream_to_client(up_reader, writer)
        except asyncio.CancelledError:
            pass  # stop() ends the connections still relayed (a plain return: Python 3.11's stream callback
            # would log a cancelled handler task as an error)
        finally:
            pump.cancel()
            with contextlib.suppress(BaseException):
                await pump
            up_writer.transport.abort()
            writer.transport.abort()

    async def _upstream_to_client(self, up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = b""
        limit: int | None = None
        seen = 0
        tail = b""
        while True:
            data = await up_reader.read(65536)
            if not data:
                with contextlib.suppress(Exception):
                    await writer.drain()
                return
            if head is not None and b"\r\n\r\n" not in head:
                head += data
                if b"\r\n\r\n" not in head:
                    continue
                headers, _, body = head.partition(b"\r\n\r\n")
                # One response per connection: the client must not reuse it (we parse only the first head).
                lines = [ln for ln in headers.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
                headers = b"\r\n".join([*lines, b"Connection: close"])
                writer.write(headers + b"\r\n\r\n")
                if b"text/event-stream" in headers.lower():
                    index = self.stream_responses
                    self.stream_responses += 1
                    limit = self.cuts[index] if index < len(self.cuts) else None
                data = body
                head = b"\r\n\r\n"  # headers done (sentinel)
            if limit is not None:
                window = tail + data
                pos = 0
                while True:
                    found = window.find(b"data:", pos)
                    if found < 0:
                        break
                    pos = found + 5
                    if found + 5 <= len(tail):
                        continue  # counted in the previous read
                    seen += 1
                    if seen > limit:
                        cut_at = found - len(tail)
                        if cut_at > 0:
                            writer.write(data[:cut_at])
                        with contextlib.suppress(Exception):
                            await writer.drain()
                        self.cut_done += 1
                        writer.transport.abort()  # a reset in the middle of the chunked body
                        return
                tail = window[-5:]
            writer.write(data)
            await writer.drain()


@contextlib.contextmanager
def cutting_proxy(cuts: list[int]) -> Iterator[CuttingProxy]:
    proxy = CuttingProxy(cuts)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


def test_the_proxy_forwards_plain_requests_and_cuts_event_streams() -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse, StreamingResponse
    from starlette.routing import Route

    from tests.support.server import serve_in_thread

    async def plain(_: object) -> PlainTextResponse:
        return PlainTextResponse("hello")

    async def events(_: object) -> StreamingResponse:
        async def gen() -> object:
            for i in range(10):
                yield f"data: {i}\n\n"
                await asyncio.sleep(0.01)

        return StreamingResponse(gen(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/", plain), Route("/events", events)])
    with serve_in_thread(app) as base, cutting_proxy([3]) as proxy:
        host, port = base.removeprefix("http://").split(":")
        proxy.upstream = (host, int(port))
        assert httpx.get(proxy.url + "/").text == "hello"
        received: list[str] = []
        try:
            with httpx.stream("GET", proxy.url + "/events") as response:
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        received.append(line)
        except httpx.HTTPError as exc:
            assert isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError)
        else:
            raise AssertionError("the stream was not cut")
        assert received == ["data: 0", "data: 1", "data: 2"]
        with httpx.Client() as client:  # keep-alive clients too: each response closes its connection
            assert client.get(proxy.url + "/").text == "hello"
            assert client.get(proxy.url + "/").headers["connection"] == "close"
        with httpx.stream("GET", proxy.url + "/events") as response:  # the second stream passes
            assert sum(1 for line in response.iter_lines() if line.startswith("data:")) == 10
        assert proxy.cut_done == 1
