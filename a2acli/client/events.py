"""Event streams: an agent's `text/event-stream` answer -> A2A 1.0 StreamResponse dicts, one per event.

httpx-sse reads the event-stream format (CRLF, LF and CR line endings, comments, multi-line data). It keeps
whatever it has not yet dispatched, without a limit: one endless line, or data lines with no blank line between
them, would grow memory for as long as a hostile agent keeps sending. So the body reaches httpx-sse through
`CappedEventStream`, which counts the bytes since the last event boundary and refuses an event larger than
`A2ACLI_MAX_EVENT_BYTES` before httpx-sse ever buffers it; it also tells a stream that ended cleanly between
events from one cut off in the middle of an event (a dropped stream, which the turn resumes).

Results: a 1.0 event is passed through untouched; a 0.x event, or a 1.0 event an agent spelled the 0.x way,
is normalised (`a2acli.client.normalize`). An `event: error`, a JSON-RPC error or an HTTP+JSON error inside the
stream is raised as its typed error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import httpx
from httpx_sse import EventSource

from a2acli.client import normalize
from a2acli.client.wire import (
    StreamDroppedError,
    Wire,
    invalid_response,
    json_or_none,
    jsonrpc_error,
    normalized,
    reason,
    rest_error,
    rpc_error,
    rpc_result,
)
from a2acli.errors import A2ACliError, ProtocolError, TimeoutExpiredError
from a2acli.protocol import StreamResponse
from a2acli.render.sanitize import clean_line

_STREAM_KEYS = frozenset({"task", "message", "statusUpdate", "artifactUpdate"})
# Two line endings in a row end an event; "\r\n" is one ending, so these three pairs cover every blank line.
_BLANK_LINES = (b"\n\n", b"\n\r", b"\r\r")


class CappedEventStream(httpx.AsyncByteStream):
    """The decoded body of `response`, refused as soon as one event outgrows `limit` bytes."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self._response = response
        self._limit = limit
        self._rest = b""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        limit = self._limit
        held: list[bytes] = []  # the chunks since the last event boundary; the event starts at `start` in held[0]
        start = 0
        size = 0
        last = b""
        async for chunk in self._response.aiter_bytes():
            begin = 0
            if last + chunk[:1] in _BLANK_LINES:  # a blank line straddles the chunks: an event ended with the last
                held, start, size, begin = [], 0, 0, 1
            end = max(chunk.rfind(b"\n\n"), chunk.rfind(b"\n\r"), chunk.rfind(b"\r\r"))
            if end >= 0:
                first = _first_blank_line(chunk, begin)
                # An event's size counts its bytes up to its last line ending, however the chunks cut them.
                if size + first + 1 - begin > limit or (len(chunk) > limit and _longest_event(chunk, first) > limit):
                    raise self._too_big()
                begin = end + 2
            if end >= 0 or begin:
                held = [chunk]
                start = begin
                size = len(chunk) - begin
            else:
                held.append(chunk)
                size += len(chunk)
            if size > limit:
                raise self._too_big()
            last = chunk[-1:]
            yield chunk
        self._rest = b"".join(held)[start:]

    def _too_big(self) -> ProtocolError:
        return invalid_response(f"an event from the agent exceeds the {self._limit}-byte limit")

    def ended_mid_event(self) -> bool:
        """True when the body ended inside an event: data lines, or a partial line, after the last boundary."""
        lines = self._rest.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        if lines.pop().strip():
            return True
        return any(line == b"data" or line.startswith(b"data:") for line in lines)


def _first_blank_line(chunk: bytes, start: int) -> int:
    found = [i for i in (chunk.find(b"\n\n", start), chunk.find(b"\n\r", start), chunk.find(b"\r\r", start)) if i >= 0]
    return min(found) if found else -1


def _longest_event(chunk: bytes, first: int) -> int:
    """The longest event between two blank lines of `chunk` (checked only when the chunk itself is over the cap).

    Blank lines may overlap ("\n\r\r" is two of them), so the next one is looked for from the second byte on."""
    longest = 0
    pos = first
    while (following := _first_blank_line(chunk, pos + 1)) >= 0:
        longest = max(longest, following + 1 - (pos + 2))
        pos = following
    return longest


async def sse_events(response: httpx.Response, limit: int) -> AsyncIterator[tuple[str, str]]:
    """(event name, data) per event of an event-stream `response`, each event at most `limit` bytes.

    Raises InvalidAgentResponseError for an event over the limit and StreamDroppedError when the body ends in
    the middle of an event; httpx's own errors (timeouts, broken connections) pass through."""
    capped = CappedEventStream(response, limit)
    # SSE is UTF-8 whatever the header says (WHATWG HTML §9.2.5); the content encoding is already undone.
    body = httpx.Response(response.status_code, headers={"content-type": "text/event-stream"}, stream=capped)
    async for event in EventSource(body).aiter_sse():
        if event.data:  # an event with no data (only id:, retry: or event:) carries nothing to show
            yield event.event, event.data
    if capped.ended_mid_event():
        raise StreamDroppedError("the event stream ended in the middle of an event")


class RawEcho:
    """JSON-lines output can reuse an event's own compact text instead of encoding it again: when `keep` is
    set, `raw` is that text for `event` (None when it must be re-encoded)."""

    __slots__ = ("event", "keep", "raw")

    def __init__(self) -> None:
        self.keep = False
        self.event: StreamResponse | None = None
        self.raw: str | None = None


EventDecoder = Callable[[str, str], StreamResponse]


def event_decoder(*, rpc: bool, legacy: bool, echo: RawEcho, debug_out: Callable[[str], None] | None) -> EventDecoder:
    """`decode(name, data) -> StreamResponse` for one event of a stream, raising the typed errors. Pure."""
    loads = json.loads

    def decode(name: str, data: str) -> StreamResponse:
        if debug_out is not None:
            debug_out(f"debug: < event: {name} data: {data}")
        if name == "error":
            raise error_event(data)
        try:
            doc = loads(data)
        except (ValueError, RecursionError):
            raise invalid_response("the agent sent an event that is not JSON") from None
        if rpc:
            if type(doc) is not dict:
                raise invalid_response("the agent sent an event that is not a JSON-RPC response")
            result = doc.get("result")
            if result is None:
                raise rpc_error(doc)
        else:
            result = doc
            if type(doc) is dict and "error" in doc and len(doc) <= 2:
                raise rest_error(0, doc)
        if not legacy and type(result) is dict and len(result) == 1 and next(iter(result)) in _STREAM_KEYS:
            event = cast(StreamResponse, result)  # a 1.0 event (one of the four keys), passed through untouched
            if echo.keep:
                echo.event = event
                echo.raw = _raw_result(data, doc) if rpc else _raw_json(data)
            return event
        return stream_response(result, legacy)

    return decode


def stream_response(result: object, legacy: bool) -> StreamResponse:
    """Validate / normalise one streamed result into a 1.0 StreamResponse."""
    if not isinstance(result, dict):
        raise invalid_response("the agent sent an event that is not a JSON object")
    if not legacy and "kind" not in result and len(result) == 1:
        key = next(iter(result))
        if key in _STREAM_KEYS and isinstance(result[key], dict):
            return cast(StreamResponse, result)
    return normalized(normalize.stream_response_v10, result)


def error_event(data: str) -> A2ACliError:
    """`event: error` mid-stream: a JSON-RPC error, an HTTP+JSON error, or free text."""
    doc = json_or_none(data)
    if isinstance(doc, dict):
        err = doc.get("error")
        if isinstance(err, dict):
            code = err.get("code")
            if doc.get("jsonrpc") == "2.0" or (isinstance(code, int) and code < 0):
                return jsonrpc_error(err)
            return rest_error(code if isinstance(code, int) else 0, doc)
        if isinstance(doc.get("code"), int) and isinstance(doc.get("message"), str):
            return jsonrpc_error(doc)

    text = clean_line(data)[:300] or "no details"
    return ProtocolError("InternalError", f"the agent reported an error mid-stream: {text}")


_ENVELOPE_KEYS = frozenset({"jsonrpc", "id", "result"})
_ID_TYPES = (str, int, type(None))
_VERSION_TYPES = (str, type(None))


def _raw_json(text: str) -> str | None:
    """`text` as one output line if it is already compact, single-line, plain-ASCII JSON; else None.

    `": ` and `, "` cannot occur in compact JSON outside strings, and inside a string a quote is escaped,
    so their absence means no structural whitespace after keys or between members (a false alarm only
    costs a re-encode). Non-ASCII text is re-encoded so terminal controls get \\u-escaped.
    """
    raw = text.strip()
    if raw[:1] != "{" or not raw.isascii() or "\n" in raw or '": ' in raw or ', "' in raw:
        return None
    return raw


def _raw_result(text: str, doc: dict[str, Any]) -> str | None:
    """The raw text of a JSON-RPC envelope's `result`, when `result` is its last member (else None)."""
    if not doc.keys() <= _ENVELOPE_KEYS or next(reversed(doc)) != "result":
        return None
    if not isinstance(doc.get("id"), _ID_TYPES) or not isinstance(doc.get("jsonrpc"), _VERSION_TYPES):
        return None  # a nested "result" key before the real one would fool the search below
    begin = text.find('"result":')
    end = text.rfind("}")
    if begin < 0 or end <= begin:
        return None
    return _raw_json(text[begin + 9 : end])


# ------------------------------------------------------------------------------------------------ one stream


async def open_events(
    wire: Wire,
    request: httpx.Request,
    *,
    rpc: bool,
    legacy: bool,
    echo: RawEcho,
    fallback: httpx.Request | None = None,
) -> AsyncIterator[StreamResponse]:
    """Send `request` (then `fallback` if the agent answers 405) and yield its events as 1.0 StreamResponses."""
    debug = wire.debug_out if wire.debug else None
    response = await wire.send(request)
    try:
        if response.status_code == 405 and fallback is not None:
            await response.aclose()
            response = await wire.send(fallback)
        await wire.check_status(response)
        ctype = response.headers.get("content-type", "")
        if debug is not None:
            debug(f"debug: < HTTP {response.status_code} {ctype}")
        if "text/event-stream" not in ctype:
            # A plain JSON answer to a streaming request: an error, or a single result.
            body = await wire.read_body(response, wire.max_event_bytes)
            yield plain_reply(body, ctype, rpc=rpc, legacy=legacy, debug_out=debug)
            return
        decode = event_decoder(rpc=rpc, legacy=legacy, echo=echo, debug_out=debug)
        try:
            async for name, data in sse_events(response, wire.max_event_bytes):
                yield decode(name, data)
        except httpx.TimeoutException:
            raise silent_stream(wire.read_timeout) from None
        except httpx.HTTPError as exc:
            raise StreamDroppedError(f"the event stream broke off: {reason(exc)}") from None
    finally:
        await response.aclose()


def silent_stream(seconds: float) -> TimeoutExpiredError:
    return TimeoutExpiredError(
        f"the agent's event stream was silent for {seconds:g}s", hint="raise A2ACLI_READ_TIMEOUT for slow agents"
    )


def plain_reply(
    body: bytes, ctype: str, *, rpc: bool, legacy: bool, debug_out: Callable[[str], None] | None
) -> StreamResponse:
    """A plain JSON answer (capped `body`) to a streaming request: its one event, or the typed error."""
    if debug_out is not None:
        debug_out("debug: < " + body.decode("utf-8", "replace"))
    doc = json_or_none(body)
    if doc is None:
        shown = ctype.split(";")[0].strip() or "no content type"
        raise invalid_response(f"the agent answered a streaming request with {shown}, not an event stream")
    return stream_response(rpc_result(doc) if rpc else doc, legacy)
