"""The SSE decoder: W3C framing on bytes, bounded events, and linear cost for long lines."""

from __future__ import annotations

import time

import pytest

from a2acli.client.sse import SSEDecoder, SSEError


def test_framing_byte_by_byte_matches_whole() -> None:
    wire = b'event: x\ndata: {"a":1}\r\n\r\n: keep-alive\n\ndata: 1\ndata: 2\nid: 7\n\n'
    whole = SSEDecoder().feed(wire)
    dec = SSEDecoder()
    pieces = [ev for b in wire for ev in dec.feed(bytes([b]))]
    assert pieces == whole == [("x", b'{"a":1}'), ("message", b"1\n2")]
    assert dec.last_event_id == "7" and dec.finish()


def test_truncated_event_is_reported() -> None:
    dec = SSEDecoder()
    assert dec.feed(b'data: {"half"') == []
    assert dec.finish() is False


def test_an_unterminated_line_over_the_cap_is_refused() -> None:
    dec = SSEDecoder(max_event_bytes=4096)
    with pytest.raises(SSEError):
        for _ in range(100):
            dec.feed(b"d" * 100)


def test_long_line_in_small_chunks_costs_linear_time() -> None:
    # 10 MiB in 1 KiB chunks: re-copying the partial line per chunk would move ~50 GiB (minutes);
    # joining once moves 10 MiB (milliseconds). The bound leaves a 100x margin for a loaded machine.
    dec = SSEDecoder()
    chunk = b"x" * 1024
    start = time.thread_time()  # this thread only: in-process test servers run on other threads
    assert dec.feed(b"data: ") == []
    for _ in range(10 * 1024):
        assert dec.feed(chunk) == []
    events = dec.feed(b"\n\n")
    assert time.thread_time() - start < 2.0
    assert len(events) == 1 and len(events[0][1]) == 10 * 1024 * 1024
