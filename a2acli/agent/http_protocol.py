"""uvicorn's httptools HTTP protocol plus the two limits on a request's head that uvicorn lacks.

- A header-read timeout: uvicorn's `timeout_keep_alive` only runs between requests, so a client that connects
  and then sends nothing, or a partial request line, holds the connection for as long as it likes (slow-loris).
  Here a connection must finish each request's headers within `header_timeout` seconds of connecting or of
  starting the request, else it is closed.
- A cap on the size of the head (request line + headers): httptools buffers a header of any size, so one
  64 MiB header was read into memory and then served. Here the bytes of a head are counted as they arrive,
  before the parser sees them, and a head over `max_header_bytes` gets `431` and the connection is closed:
  no parsing, no ASGI call, nothing buffered past the cap.
Bodies have their own limits (guards.BodyLimit).

The names overridden and read are uvicorn's, not its documented API: tests/compat/test_uvicorn_contract.py
checks them against the pinned uvicorn.
"""

from __future__ import annotations

import json
from typing import Any

MAX_HEADER_BYTES = 64 * 1024
#: The HttpToolsProtocol methods overridden below, and the attributes of it they read.
OVERRIDDEN = (
    "connection_made",
    "data_received",
    "on_message_begin",
    "on_headers_complete",
    "on_message_complete",
    "connection_lost",
)
READ_ATTRIBUTES = ("loop", "transport", "logger")
_HEAD_END = b"\r\n\r\n"


def header_too_large_response(limit: int) -> bytes:
    """The whole 431 response (HTTP+JSON error body: the path, and so the binding, may not even be known)."""
    message = f"Request header fields too large: the request line and headers exceed {limit} bytes"
    body = json.dumps({"error": {"code": 431, "status": "INVALID_ARGUMENT", "message": message}}).encode()
    head = (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n"
    )
    return head + body


def http_protocol(header_timeout: float, max_header_bytes: int = MAX_HEADER_BYTES) -> Any:
    """The protocol class for `uvicorn.Config(http=...)`, or "auto" when httptools is not installed.

    `header_timeout <= 0` turns the timeout off, `max_header_bytes <= 0` the cap.
    """
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency; h11 has its own cap (server.py)
        return "auto"
    refusal = header_too_large_response(max_header_bytes)

    class HeaderLimitsProtocol(HttpToolsProtocol):  # type: ignore[misc]
        _header_timer: Any = None
        _in_head = True  # between the end of a message (or connecting) and the end of the next head
        _head_bytes = 0
        _tail = b""  # the last 3 bytes seen, for a head end split across reads
        _refused = False

        def _arm(self) -> None:
            if self._header_timer is None and header_timeout > 0:
                self._header_timer = self.loop.call_later(header_timeout, self._header_timed_out)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_timed_out(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def _refuse_head(self) -> None:
            self._refused = True
            self._disarm()
            self.logger.warning("refused a request whose head exceeds %d bytes (431)", max_header_bytes)
            if not self.transport.is_closing():
                self.transport.write(refusal)
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            if self._in_head and max_header_bytes > 0:
                window = self._tail + data
                end = window.find(_HEAD_END)
                used = self._head_bytes + (len(data) if end < 0 else end + len(_HEAD_END) - len(self._tail))
                if used > max_header_bytes:
                    self._refuse_head()
                    return
                self._head_bytes += len(data)
                self._tail = window[-3:]
            super().data_received(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            self._in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            # The next head starts here; the keep-alive timeout rules until its first byte re-arms the timer.
            self._in_head = True
            self._head_bytes = 0
            self._tail = b""

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderLimitsProtocol
