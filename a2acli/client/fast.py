"""The synchronous first stream: time to first token at the cost of the imports, not of an event loop.

`a2a stream` (and `send --stream`) against a plain-`http://` agent spend most of their time to first token
importing the async stack (asyncio, httpx, httpcore, anyio: ~100 ms, bench/FINDINGS.md item 9) before the
first byte is asked for. This module does the first connection with the standard library only (a socket):

1. `connect(settings, clock)` fetches the card as the full path would (plain GETs of the reference's
   candidate URLs in order, 404 -> the next one, so the 0.2 path too; the card cache read, revalidated and
   written alike) and builds the same `AgentConnection` the full path builds, as a `FastConnection`. It
   returns None — nothing was sent but idempotent GETs — whenever anything is unusual: an https agent or
   interface, a proxy variable, `--insecure`, `--debug`, a redirect, an auth challenge or any other status,
   a card that does not parse, a URL or header httpx would rewrite, credentials in a query or cookie, no
   streaming capability. The caller then takes the full path, which simply fetches the card again.
   Card time-outs are reported as the full path reports them (waiting twice would not be the same).
2. The connection's first event stream (`SendStreamingMessage` / `message:stream`) is POSTed on a socket:
   same URL, headers and body bytes as httpx would send (built by `AgentConnection._prepare`), and the
   answer goes through the same pure code as the httpx path (`status_error`, `plain_reply`,
   `event_decoder`), so every result and typed error is the same. The POST is never sent twice.
3. Everything after it that needs an event loop — resuming a dropped stream (resubscribe, GetTask) — runs
   on the full async machinery: the stream first awaits `HANDOVER` (`drive` then continues the very same
   coroutine under `asyncio.run`, see `a2acli.commands.send`), the connection gets its httpx client, and
   the usual typed error goes up to `a2acli.client.conversation`, which resumes from what was shown
   (`resume.py`): no event is shown twice or lost. `--timeout` keeps counting from the start of the turn.

Nothing here imports asyncio or httpx. `A2ACLI_NO_FAST_PATH=1` turns the fast path off (tests compare).
"""

from __future__ import annotations

import _socket
import contextlib
import os
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from a2acli.client.connection import (
    AgentConnection,
    StreamDroppedError,
    invalid_response,
    read_timeout,
)
from a2acli.client.sse import SSEDecoder, SSEError
from a2acli.errors import A2ACliError, TimeoutExpiredError, UnreachableError

if TYPE_CHECKING:
    from collections.abc import Generator

    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.settings import ConnectionSettings

DISABLE_VARIABLE = "A2ACLI_NO_FAST_PATH"
CARD_DEADLINE = 30.0  # card_resolver.DEFAULT_CARD_TIMEOUT
HEAD_LIMIT = 100 * 1024  # httpcore's h11 max_incomplete_event_size: beyond it, "Receive buffer too long"
RECV_SIZE = 256 * 1024
ACCEPT_ENCODING = "gzip, deflate"  # what httpx sends without brotli / zstandard (else: the full path)
# Characters httpx leaves as they are in a path or query (it re-encodes anything else; `%` must start an escape).
# Plain sets, not regular expressions: compiling a pattern costs more than these checks, on every run.
_SAFE_TARGET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%")
_HEX = frozenset("0123456789abcdefABCDEF")
_HOST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-:")
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _safe_target(target: str) -> bool:
    if not set(target) <= _SAFE_TARGET:
        return False
    at = target.find("%")
    while at >= 0:
        if not set(target[at + 1 : at + 3]) <= _HEX or len(target) < at + 3:
            return False
        at = target.find("%", at + 3)
    return True


def _status_of(line: bytes) -> int | None:
    """The status of an HTTP/1.x status line, or None when it is not one."""
    line = line.rstrip(b"\r")
    if line[:9] not in (b"HTTP/1.1 ", b"HTTP/1.0 ") or not line[9:12].isdigit() or line[12:13] not in (b"", b" "):
        return None
    return int(line[9:12])


class _Handover:
    """Awaited when the stream needs an event loop next: the caller's driver sees it and moves to asyncio."""

    def __await__(self) -> Generator[Any, None, None]:
        yield self


HANDOVER = _Handover()


def disabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "").strip().lower() not in ("", "0", "false", "no", "off")


def proxied() -> bool:
    """True when httpx (trust_env) could route a plain-http request through a proxy: then never fast."""
    return any(value and name.lower() in ("http_proxy", "all_proxy") for name, value in os.environ.items())


class Clock:
    """The overall `--timeout` of the turn, counted from its start (as `connection.deadline` does)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def expired(self) -> TimeoutExpiredError:
        err = TimeoutExpiredError(f"--timeout {self.seconds:g}s expired before the task finished")
        err.resume_deadline = True  # type: ignore[attr-defined]  # the turn's own deadline: never resumed
        return err


# ------------------------------------------------------------------------------------------------ HTTP/1.1


class _Timeout(Exception):
    def __init__(self, deadline: bool) -> None:
        super().__init__("timed out")
        self.deadline = deadline


class _Broken(Exception):
    """The peer broke HTTP/1.1 (closed early, garbage): the text is what h11/httpx would say."""


class _Target:
    """A URL the socket client can speak to exactly as httpx would, or None."""

    def __init__(self, host: str, port: int, netloc: str, target: str, origin: str, path: str) -> None:
        self.host = host
        self.port = port
        self.netloc = netloc
        self.target = target
        self.origin = origin
        self.path = path

    @classmethod
    def of(cls, url: str) -> _Target | None:
        if not url.isascii() or any(c.isspace() or ord(c) < 0x21 for c in url):
            return None
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return None
        if parts.scheme.lower() != "http" or parts.fragment or "@" in parts.netloc:
            return None
        host = (parts.hostname or "").lower()
        if not host or not set(host) <= _HOST or "%" in host:
            return None
        path = parts.path or "/"
        target = path + ("?" + parts.query if parts.query else "")
        if not _safe_target(target) or url.endswith("?") or any(seg in (".", "..") for seg in path.split("/")):
            return None
        port = 80 if port is None else port
        shown = (f"[{host}]" if ":" in host else host) + ("" if port == 80 else f":{port}")
        return cls(host, port, shown, target, f"http://{shown}", path)


class _Exchange:
    """One HTTP/1.1 request and its response on a fresh socket; reads are bounded by `idle` and the clock."""

    def __init__(self, target: _Target, idle: float, connect_timeout: float, clock: Clock) -> None:
        self.target = target
        self.idle = idle
        self.connect_timeout = connect_timeout
        self.clock = clock
        self.sock: _socket.socket | None = None
        self.buf = b""
        self.status = 0
        self.headers: dict[str, str] = {}

    def _limit(self, base: float) -> tuple[float, bool]:
        left = self.clock.left()
        if left is not None and left < base:
            return max(left, 0.0), True
        return base, False

    def connect(self) -> None:
        """socket.create_connection, on `_socket` (importing `socket` costs milliseconds of enum set-up)."""
        seconds, by_clock = self._limit(self.connect_timeout)
        if seconds <= 0:
            raise _Timeout(True)
        # A bytes host: a str one would load the idna codec first.
        infos = _socket.getaddrinfo(self.target.host.encode("ascii"), self.target.port, 0, _socket.SOCK_STREAM)
        error: OSError | None = None
        for family, kind, proto, _, address in infos:
            sock = _socket.socket(family, kind, proto)
            try:
                sock.settimeout(seconds)
                sock.connect(address)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            self.sock = sock
            return
        if isinstance(error, TimeoutError):
            raise _Timeout(by_clock)
        raise error if error is not None else OSError("getaddrinfo returned an empty list")

    def send(self, method: str, headers: list[tuple[str, str]], body: bytes | None) -> None:
        lines = [f"{method} {self.target.target} HTTP/1.1", f"Host: {self.target.netloc}"]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        lines.extend(f"{k}: {v}" for k, v in headers)
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + (body or b"")
        assert self.sock is not None
        seconds, by_clock = self._limit(self.idle)
        self.sock.settimeout(max(seconds, 0.001))
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise _Timeout(by_clock) from None

    def recv(self) -> bytes:
        seconds, by_clock = self._limit(self.idle)
        if seconds <= 0:
            raise _Timeout(True)
        assert self.sock is not None
        self.sock.settimeout(seconds)
        try:
            return self.sock.recv(RECV_SIZE)
        except TimeoutError:
            raise _Timeout(by_clock) from None

    def read_head(self) -> None:
        """Status and headers (1xx interim responses skipped); the rest stays in `buf`."""
        while True:
            buf = self.buf
            while True:
                end = buf.find(b"\r\n\r\n")
                sep = 4
                if end < 0:
                    end = buf.find(b"\n\n")
                    sep = 2
                if end >= 0:
                    break
                if len(buf) > HEAD_LIMIT:
                    raise _Broken("Receive buffer too long")
                more = self.recv()
                if not more:
                    if not buf:
                        raise _Broken("Server disconnected without sending a response.")
                    raise _Broken("peer closed connection without sending complete message body (incomplete head)")
                buf += more
            head, self.buf = buf[:end], buf[end + sep :]
            lines = head.split(b"\n")
            status = _status_of(lines[0])
            if status is None:  # h11's words
                shown = bytearray(lines[0].rstrip(b"\r"))
                raise _Broken(f"illegal status line: {shown!r}")
            headers: dict[str, str] = {}
            for raw in lines[1:]:
                line = raw.rstrip(b"\r")
                name, sep_, value = line.partition(b":")
                if not sep_ or not name or name != name.strip():
                    raise _Broken(f"illegal header line: {bytearray(line)!r}")
                key = name.decode("latin-1").lower()
                text = value.strip().decode("latin-1")
                headers[key] = f"{headers[key]}, {text}" if key in headers else text
            if 100 <= status < 200 and status != 101:
                continue
            self.status, self.headers = status, headers
            return

    def body(self) -> Iterator[bytes]:
        """The body after transfer decoding (chunked / Content-Length / until close), as it arrives."""
        if self.status in (204, 304):
            return iter(())
        encoding = self.headers.get("transfer-encoding", "").lower()
        if "chunked" in encoding:
            return self._chunked()
        length = self.headers.get("content-length")
        if length is not None:
            text = length.split(",")[0].strip()
            if not text.isdigit():
                raise _Broken(f"bad Content-Length: {length[:40]!r}")
            return self._sized(int(text))
        return self._until_close()

    def _until_close(self) -> Iterator[bytes]:
        if self.buf:
            yield self.buf
            self.buf = b""
        while True:
            more = self.recv()
            if not more:
                return
            yield more

    def _sized(self, total: int) -> Iterator[bytes]:
        got = 0
        if self.buf:
            first = self.buf[:total]
            self.buf = b""
            got = len(first)
            if first:
                yield first
        while got < total:
            more = self.recv()
            if not more:
                raise _Broken(
                    f"peer closed connection without sending complete message body (received {got} bytes, "
                    f"expected {total})"
                )
            more = more[: total - got]
            got += len(more)
            yield more

    def _chunked(self) -> Iterator[bytes]:
        """Chunked transfer decoding, strict as h11 (CRLF line ends; its error texts); data that arrived before
        an error is still delivered first, as h11 delivers every Data event before the broken one."""
        buf, pos = self.buf, 0
        self.buf = b""
        left = 0  # bytes of the current chunk still to come
        state = "size"  # size | data | crlf | trailer
        while True:
            out: list[bytes] = []
            error: _Broken | None = None
            while True:
                if state == "data":
                    take = min(left, len(buf) - pos)
                    if take <= 0:
                        break
                    out.append(buf[pos : pos + take])
                    pos += take
                    left -= take
                    if left:
                        break
                    state = "crlf"
                if state == "crlf":
                    have = buf[pos : pos + 2]
                    if have != b"\r\n"[: len(have)]:
                        error = _Broken(f"malformed chunk footer: {bytearray(have)!r} (expected b'\\r\\n')")
                        break
                    if len(have) < 2:
                        break
                    pos += 2
                    state = "size"
                nl = buf.find(b"\r\n", pos)
                if nl < 0:
                    if len(buf) - pos > HEAD_LIMIT:
                        error = _Broken("Receive buffer too long")
                    break
                line = buf[pos : nl + 2]
                pos = nl + 2
                if state == "trailer":
                    if line == b"\r\n":
                        if out:
                            yield b"".join(out)
                        return
                    continue
                size_text = line[:-2].split(b";", 1)[0].rstrip(b" \t")
                if not 1 <= len(size_text) <= 20 or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
                    error = _Broken(f"illegal chunk header: {bytearray(line)!r}")
                    break
                left = int(size_text, 16)
                state = "data" if left else "trailer"
            if out:
                yield b"".join(out)
            if error is not None:
                raise error
            more = self.recv()
            if not more:
                raise _Broken("peer closed connection without sending complete message body (incomplete chunked read)")
            buf = buf[pos:] + more
            pos = 0

    def close(self) -> None:
        if self.sock is not None:
            sock, self.sock = self.sock, None
            with contextlib.suppress(OSError):
                sock.close()


class _ContentDecoder:
    """Content-Encoding as httpx decodes it: gzip / deflate (raw deflate too), unknown codings passed through."""

    def __init__(self, header: str) -> None:
        self.steps: list[Any] = []
        for value in reversed([v.strip().lower() for v in header.split(",") if v.strip()]):
            if value == "gzip":
                self.steps.append(["gzip", zlib.decompressobj(zlib.MAX_WBITS | 16), True])
            elif value == "deflate":
                self.steps.append(["deflate", zlib.decompressobj(), True])

    def feed(self, data: bytes) -> bytes:
        for step in self.steps:
            data = self._one(step, data)
        return data

    def flush(self) -> bytes:
        """What the decompressors still hold at the end of the body (httpx flushes its decoders too)."""
        data = b""
        for step in self.steps:
            try:
                data = step[1].decompress(data) + step[1].flush() if data else step[1].flush()
            except zlib.error as exc:
                raise _Broken(str(exc)) from None
        return data

    @staticmethod
    def _one(step: list[Any], data: bytes) -> bytes:
        first = step[2]
        step[2] = False
        try:
            out: bytes = step[1].decompress(data)
            return out
        except zlib.error as exc:
            if step[0] == "deflate" and first:
                step[1] = zlib.decompressobj(-zlib.MAX_WBITS)
                return _ContentDecoder._one(step, data)
            raise _Broken(str(exc)) from None


# ------------------------------------------------------------------------------------------------ the card


def _card_reference(settings: ConnectionSettings) -> Any:
    """The classified reference when every candidate URL is plain http, else None."""
    from a2acli.client.card_resolver import classify_reference

    try:
        ref = classify_reference(settings.agent_card)
    except A2ACliError:
        return None  # the full path reports it
    if ref.kind != "url" or not ref.candidates or not all(c.startswith("http://") for c in ref.candidates):
        return None
    return ref


def _card_timeout(clock: Clock, value: str, current: str, by_clock: bool) -> TimeoutExpiredError:
    """What the full path reports when the card fetch times out (connect, or the card / --timeout deadline)."""
    if not by_clock:
        return TimeoutExpiredError(f"timed out fetching the card at {current}")
    if clock.seconds is not None:
        return TimeoutExpiredError(f"--timeout {clock.seconds:g}s expired before the task finished")
    message = f"timed out after {CARD_DEADLINE:g}s fetching the card at {value}"
    return TimeoutExpiredError(message, hint="raise --timeout")


_NOT_THERE = object()


def fetch_card(settings: ConnectionSettings, clock: Clock) -> ResolvedCard | None:
    """The card of a plain-http agent as card_resolver's `_fetch_http` finds it (candidates in order, 404 ->
    the next one, the card cache), or None: anything else is left to the full path."""
    from a2acli.client.card_resolver import (
        LEGACY_WELL_KNOWN_PATH,
        CardCache,
        ResolvedCard,
        _origin,
        _request_headers,
        max_card_bytes,
        parse_card_bytes,
    )

    ref = _card_reference(settings)
    if ref is None:
        return None
    try:
        limit = max_card_bytes()
        idle = read_timeout()  # the full path fetches the card with the connection's client and its timeouts
    except A2ACliError:
        return None
    headers = _request_headers(settings, False)
    cache = CardCache.default()
    card_clock = Clock(CARD_DEADLINE if settings.timeout is None else settings.timeout)
    if clock.at is not None and (card_clock.at is None or clock.at < card_clock.at):
        card_clock = clock
    notes: list[str] = []
    for candidate in ref.candidates:
        try:
            got = _get_card(candidate, settings, headers, limit, cache, card_clock, notes, idle)
        except _Timeout as exc:
            raise _card_timeout(clock, ref.value, candidate, exc.deadline) from None
        if got is None:
            return None
        if got is _NOT_THERE:
            notes.append(f"HTTP 404 at {candidate}")
            continue
        raw, content_type = got
        try:
            doc = parse_card_bytes(raw, candidate, content_type)
        except A2ACliError:
            return None  # an HTML page may mean "try the next path": the full path decides
        if candidate.endswith(LEGACY_WELL_KNOWN_PATH):
            notes.append(f"served at the legacy 0.2 path {LEGACY_WELL_KNOWN_PATH}")
        return ResolvedCard(doc, raw, candidate, _origin(candidate), content_type, tuple(notes))
    return None  # no card anywhere: the full path says so


def _get_card(
    url: str,
    settings: ConnectionSettings,
    base_headers: dict[str, str],
    limit: int,
    cache: Any,
    clock: Clock,
    notes: list[str],
    idle: float,
) -> Any:
    """card_resolver `_fetch_one` without redirects: (body, content type), `_NOT_THERE` (404/410), or None."""
    from a2acli.client.card_resolver import _Decoder

    target = _Target.of(url)
    if target is None:
        return None
    headers = dict(base_headers)
    version = headers.get("A2A-Version", "")
    entry = cache.load(url, version, limit) if cache is not None else None
    if entry is not None:
        if float(entry.get("expires") or 0) > time.time():
            notes.append(f"from the local card cache (fresh for the server's max-age): {url}")
            return entry["raw"], entry.get("contentType")
        if entry.get("etag"):
            headers["If-None-Match"] = str(entry["etag"])
        if entry.get("lastModified"):
            headers["If-Modified-Since"] = str(entry["lastModified"])
    ordered = [("Accept", headers.pop("Accept")), ("Accept-Encoding", headers.pop("Accept-Encoding"))]
    ordered.append(("Connection", "keep-alive"))
    ordered.extend(headers.items())
    exchange = _Exchange(target, idle, settings.connect_timeout, clock)
    try:
        exchange.connect()
        exchange.send("GET", ordered, None)
        exchange.read_head()
        status, got = exchange.status, exchange.headers
        if status == 304 and entry is not None:
            cache.refresh(url, version, entry, got)
            notes.append(f"revalidated the cached card (HTTP 304): {url}")
            return entry["raw"], entry.get("contentType")
        if status in (404, 410):
            return _NOT_THERE
        if status != 200:
            return None
        declared = got.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > limit and not got.get("content-encoding"):
            return None
        decoder = _Decoder(got.get("content-encoding", ""), limit, url)
        for chunk in exchange.body():
            decoder.feed(chunk)
        raw = bytes(decoder.out)
        if cache is not None and raw.lstrip()[:1] == b"{":
            cache.store(url, version, raw, got)
        return raw, got.get("content-type")
    except (OSError, _Broken, A2ACliError):
        return None  # refused, reset, garbage, too big, bad encoding: the full path says what it is
    finally:
        exchange.close()


# ------------------------------------------------------------------------------------------------ the stream


class FastConnection(AgentConnection):
    """An `AgentConnection` whose first event stream is spoken on a socket, before any event loop exists.

    `client` stays None until `enter_loop()` (called by the driver once asyncio runs); every later request
    (resubscribe, GetTask, ...) takes the ordinary httpx path."""

    def __init__(self, card: ResolvedCard, settings: ConnectionSettings, clock: Clock) -> None:
        super().__init__(card, settings, None)  # type: ignore[arg-type]  # httpx client comes with the loop
        self.clock = clock
        self.armed = True
        self.target = _Target.of(self.interface.url)

    def usable(self) -> bool:
        """Whether the first stream can go over the socket exactly as httpx would send it."""
        if self.target is None or not self.supports_streaming or self.debug:
            return False
        if self.credentials.params or self.credentials.cookies:
            return False
        for key, value in self._headers.items():
            if not key or not set(key) <= _TOKEN or not value.isascii():
                return False
            if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
                return False
        iface = self.interface
        if iface.binding != "JSONRPC":
            rest = _Target.of(self._rest_base + "/message:stream")
            if rest is None or rest.origin != self.target.origin:
                return False
        return True

    def enter_loop(self) -> None:
        """Now inside asyncio: give the connection its httpx client for everything after the first stream."""
        from a2acli.client.connection import make_http_client

        if self.client is None:
            self.client = make_http_client(self.settings)

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    def _stream(
        self, method: str, url: str, body: Any, *, rpc: bool, retry_get_on_405: bool = False
    ) -> AsyncIterator[dict[str, Any]]:
        if not self.armed or retry_get_on_405 or self.client is not None:
            return super()._stream(method, url, body, rpc=rpc, retry_get_on_405=retry_get_on_405)
        self.armed = False
        return self._socket_events(method, url, body, rpc=rpc)

    def _ordered(self, headers: dict[str, str]) -> list[tuple[str, str]]:
        """httpx's header order: its defaults (Accept, Accept-Encoding, Connection, User-Agent) first."""
        first = [
            ("Accept", headers.pop("Accept")),
            ("Accept-Encoding", ACCEPT_ENCODING),
            ("Connection", "keep-alive"),
        ]
        if "User-Agent" in headers:
            first.append(("User-Agent", headers.pop("User-Agent")))
        return first + list(headers.items())

    async def _socket_events(self, method: str, url: str, body: Any, *, rpc: bool) -> AsyncIterator[dict[str, Any]]:
        target = _Target.of(url)
        assert target is not None  # checked by usable()
        headers, content, _ = self._prepare(method, url, body=body, accept="text/event-stream")
        exchange = _Exchange(target, self.read_timeout, self.settings.connect_timeout, self.clock)
        origin = target.origin
        yielded = False
        try:
            # ---- the request: failures here are the ones httpx's send() maps (connection.py _send)
            try:
                exchange.connect()
            except _Timeout as exc:
                if exc.deadline:
                    raise self.clock.expired() from None
                raise UnreachableError(
                    f"timed out connecting to {origin}", hint="is the agent running at that address?"
                ) from None
            except OSError as exc:
                raise UnreachableError(
                    f"cannot reach {origin}: {_reason(exc)}", hint="is the agent running at that address?"
                ) from None
            try:
                # httpcore does the same: a write error is set aside and the answer read, since a server may
                # close early and still answer (and if it does not, reading says so).
                with contextlib.suppress(OSError):
                    exchange.send(method, self._ordered(headers), content)
                exchange.read_head()
            except _Timeout as exc:
                if exc.deadline:
                    raise self.clock.expired() from None
                raise TimeoutExpiredError(
                    f"the agent sent nothing for {self.read_timeout:g}s ({method} {target.path})",
                    hint="raise A2ACLI_READ_TIMEOUT for slow agents",
                ) from None
            except (_Broken, ConnectionError) as exc:
                raise StreamDroppedError(f"the agent at {origin} closed the connection: {_reason(exc)}") from None
            except OSError as exc:
                raise UnreachableError(f"request to {origin} failed: {_reason(exc)}") from None
            status = exchange.status
            legacy = self.interface.legacy
            decoding = _ContentDecoder(exchange.headers.get("content-encoding", ""))
            if not 200 <= status < 300:
                raise self.status_error(
                    status, exchange.headers, self._read_body_sync(exchange, decoding, 1024 * 1024), target.path
                )
            ctype = exchange.headers.get("content-type", "")
            if self.debug:
                self._debug_out(f"debug: < HTTP {status} {ctype}")
            if "text/event-stream" not in ctype:
                yield self.plain_reply(self._read_body_sync(exchange, decoding), ctype, rpc=rpc, legacy=legacy)
                return
            # ---- the events: failures here are the ones connection.py `_events` maps
            decoder = SSEDecoder(self.max_event_bytes)
            decode = self.event_decoder(rpc=rpc, legacy=legacy)
            feed = decoder.feed
            steps = decoding.steps
            dropped: A2ACliError | None = None
            try:
                for chunk in exchange.body():
                    if steps:
                        chunk = decoding.feed(chunk)
                    for name, data in feed(chunk):
                        event = decode(name, data)
                        yielded = True
                        yield event
                if steps:
                    for name, data in feed(decoding.flush()):
                        event = decode(name, data)
                        yielded = True
                        yield event
            except SSEError as exc:
                raise invalid_response(str(exc)) from None
            except _Timeout as exc:
                if exc.deadline:
                    raise self.clock.expired() from None
                dropped = self.silent_stream()
            except (_Broken, OSError) as exc:
                dropped = StreamDroppedError(f"the event stream broke off: {_reason(exc)}")
            if dropped is None and not decoder.finish():
                dropped = StreamDroppedError("the event stream ended in the middle of an event")
            if yielded:
                exchange.close()
                await HANDOVER  # what follows (resuming from what was shown) needs the event loop
            if dropped is not None:
                raise dropped
        finally:
            exchange.close()

    def _read_body_sync(self, exchange: _Exchange, decoding: _ContentDecoder, cap: int | None = None) -> bytes:
        """connection.py `_read_body` over the socket: the same limit and the same typed errors."""
        limit = self.max_event_bytes if cap is None else min(self.max_event_bytes, cap)
        chunks: list[bytes] = []
        size = 0
        try:
            for raw in exchange.body():
                chunk = decoding.feed(raw) if decoding.steps else raw
                size += len(chunk)
                if size > limit:
                    raise invalid_response(f"the agent's reply is larger than {limit} bytes")
                chunks.append(chunk)
            if decoding.steps:
                chunks.append(decoding.flush())
        except _Timeout as exc:
            if exc.deadline:
                raise self.clock.expired() from None
            raise TimeoutExpiredError(
                f"the agent stopped sending for {self.read_timeout:g}s", hint="raise A2ACLI_READ_TIMEOUT"
            ) from None
        except (_Broken, OSError) as exc:
            raise StreamDroppedError(
                f"the connection to the agent broke while reading its reply: {_reason(exc)}"
            ) from None
        return b"".join(chunks)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def allowed(settings: ConnectionSettings) -> bool:
    """What can be told before any I/O: not switched off, no proxy variable, no --insecure, no --debug, and
    httpx would send the same Accept-Encoding (it adds br / zstd when brotli / zstandard are installed)."""
    return not (disabled() or proxied() or settings.insecure or settings.debug or _more_decoders())


def _more_decoders() -> bool:
    import importlib.util

    return any(importlib.util.find_spec(name) is not None for name in ("brotli", "brotlicffi", "zstandard"))


def connect(settings: ConnectionSettings, clock: Clock) -> FastConnection | None:
    """The connection for the synchronous first stream, or None (nothing but idempotent GETs was sent)."""
    if not allowed(settings):
        return None
    card = fetch_card(settings, clock)
    if card is None:
        return None
    conn = FastConnection(card, settings, clock)
    return conn if conn.usable() else None


def drive(coro: Any, on_loop: Callable[[], Any]) -> Any:
    """Run `coro` without an event loop until it awaits `HANDOVER` (or anything else that suspends); then
    continue the very same coroutine under `asyncio.run`, after `on_loop()` (an async callable) ran there."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    except BaseException:
        coro.close()
        raise
    import asyncio
    import types

    @types.coroutine
    def resume() -> Generator[Any, Any, Any]:
        return (yield from coro)

    async def main() -> Any:
        await on_loop()
        return await resume()

    return asyncio.run(main())
