"""uvicorn's httptools HTTP protocol plus a header-read timeout (uvicorn has none).

uvicorn's `timeout_keep_alive` only runs between requests, so a client that connects and then sends nothing, or
a partial request line, holds the connection for as long as it likes (slow-loris). Here a connection must finish
each request's headers within `header_timeout` seconds of connecting or of starting the request, else it is
closed. Bodies have their own timeout (guards.BodyLimit).
"""

from __future__ import annotations

from typing import Any


def http_protocol(header_timeout: float) -> Any:
    """The protocol class for `uvicorn.Config(http=...)`, or "auto" when httptools is not installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency; h11 still works, without this guard
        return "auto"
    if header_timeout <= 0:
        return HttpToolsProtocol

    class HeaderTimeoutProtocol(HttpToolsProtocol):  # type: ignore[misc]
        _header_timer: Any = None

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout, self._header_timed_out)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_timed_out(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # Between requests the keep-alive timeout rules; the next request re-arms on its first byte.

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
