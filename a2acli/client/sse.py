"""A lean, bounded Server-Sent Events decoder working on bytes.

Why not httpx-sse: it decodes every chunk to text and walks it line by line in Python, and it has no size
limit, so a hostile agent can grow one event without bound. This decoder keeps `data` as bytes (json.loads
reads UTF-8 bytes directly), splits on newlines with `bytes.find`, and refuses any single event larger than
`max_event_bytes` (memory stays bounded whatever the agent sends).

`SSEDecoder.feed(chunk)` returns the events completed by `chunk`; `SSEDecoder.finish()` reports whether the
stream ended in the middle of an event (a truncated stream). Pure: no I/O, fuzzed by the hostile suite.
"""

from __future__ import annotations

from a2acli.settings import DEFAULT_MAX_EVENT_BYTES


class SSEError(ValueError):
    """The byte stream is not acceptable SSE (an event over the size cap)."""


class SSEDecoder:
    """Incremental SSE decoder: `(event_name, data_bytes)` per dispatched event (W3C EventSource rules)."""

    __slots__ = ("_data", "_data_size", "_event", "_max", "_pending", "_pending_size", "last_event_id")

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        # The pieces of an unfinished line, joined once when its newline arrives: a long line fed in many
        # small chunks costs linear time, not a copy of everything so far per chunk.
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._data: list[bytes] = []
        self._data_size = 0
        self._event = ""
        self._max = max_event_bytes
        self.last_event_id: str | None = None

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        if self._pending:
            self._pending.append(chunk)
            self._pending_size += len(chunk)
            if b"\n" not in chunk:
                if self._pending_size + self._data_size > self._max:
                    raise SSEError(f"an event from the agent exceeds the {self._max}-byte limit")
                return []
            buf = b"".join(self._pending)
            self._pending = []
            self._pending_size = 0
        else:
            buf = chunk
        events: list[tuple[str, bytes]] = []
        pos = 0
        find = buf.find
        while True:
            nl = find(b"\n", pos)
            if nl < 0:
                break
            line = buf[pos:nl]
            pos = nl + 1
            if line[-1:] == b"\r":
                line = line[:-1]
            if not line:
                if self._data:
                    data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
                    events.append((self._event or "message", data))
                self._data = []
                self._data_size = 0
                self._event = ""
                continue
            self._line(line)
        rest = buf[pos:] if pos else buf
        if len(rest) + self._data_size > self._max:
            raise SSEError(f"an event from the agent exceeds the {self._max}-byte limit")
        if rest:
            self._pending = [rest]
            self._pending_size = len(rest)
        return events

    def _line(self, line: bytes) -> None:
        if line[:5] == b"data:":
            value = line[6:] if line[5:6] == b" " else line[5:]
            self._data_size += len(value) + 1
            if self._data_size > self._max:
                raise SSEError(f"an event from the agent exceeds the {self._max}-byte limit")
            self._data.append(value)
            return
        if line[:1] == b":":
            return  # comment / keep-alive
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\x00" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == b"data":  # "data" with no colon: an empty data line
            self._data.append(b"")
        # "retry" and unknown fields are ignored, as EventSource does.

    def finish(self) -> bool:
        """True when the stream ended cleanly between events (no partial event pending)."""
        return not self._data and not b"".join(self._pending).strip()
