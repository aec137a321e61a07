"""Event-stream reading (`a2acli.client.events`): httpx-sse behind the bounded reader. Every line ending the format
allows (CRLF, LF, CR), any chunking, bounded events, truncation told apart from a clean end, linear cost."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from a2acli.client.events import sse_events
from a2acli.client.wire import StreamDroppedError
from a2acli.errors import ProtocolError
from tests.test_send_misbehaving import DONE, TASK, _run, fake_agent, rpc, stream_of

Outcome = tuple[list[tuple[str, str]], str]  # the events, then "end" | "truncated" | "too-big"


def read(chunks: Iterable[bytes], limit: int = 1 << 20) -> Outcome:
    """The events `sse_events` yields for a body arriving as `chunks`, and how the body ended."""

    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def go() -> Outcome:
        response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())
        events: list[tuple[str, str]] = []
        try:
            async for event in sse_events(response, limit):
                events.append(event)
        except StreamDroppedError:
            return events, "truncated"
        except ProtocolError as exc:
            assert f"exceeds the {limit}-byte limit" in exc.message
            return events, "too-big"
        return events, "end"

    return asyncio.run(go())


def drip(data: bytes) -> list[bytes]:
    return [bytes([b]) for b in data]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_framing_is_the_same_for_every_line_ending_and_any_chunking(eol: bytes) -> None:
    wire = eol.join([b"event: x", b'data: {"a":1}', b"", b": keep-alive", b"", b"data: 1", b"data: 2", b"id: 7"])
    wire += eol * 2
    expected = ([("x", '{"a":1}'), ("message", "1\n2")], "end")
    assert read([wire]) == read(drip(wire)) == expected


def test_mixed_line_endings_and_a_blank_line_split_across_chunks() -> None:
    assert read([b"data: a\r", b"\ndata: b\r", b"\r", b"data: c\n", b"\r\n"]) == (
        [("message", "a\nb"), ("message", "c")],
        "end",
    )


def test_events_without_data_are_skipped() -> None:
    assert read([b"id: 1\n\nretry: 5\n\nevent: ping\n\ndata: x\n\n"]) == ([("message", "x")], "end")


def test_truncated_event_is_reported_and_a_trailing_comment_is_not() -> None:
    assert read([b'data: {"half"']) == ([], "truncated")
    assert read([b"data: 1\n\ndata: 2\n"]) == ([("message", "1")], "truncated")
    assert read([b"data: 1\n\n: bye\n"]) == ([("message", "1")], "end")
    assert read([b"data: 1\n\nevent: x\n"]) == ([("message", "1")], "end")


def test_an_event_over_the_cap_is_refused_however_it_arrives() -> None:
    assert read([b"data: " + b"x" * 5000 + b"\n\n"], limit=4096)[1] == "too-big"
    assert read([b"d" * 100] * 100, limit=4096)[1] == "too-big"  # a line that never ends
    assert read([b"data: x\n"] * 1000, limit=4096)[1] == "too-big"  # data lines with no blank line between
    small = b"data: " + b"x" * 1000 + b"\n\n"
    assert read([small] * 50, limit=4096) == ([("message", "x" * 1000)] * 50, "end")  # the cap is per event
    # two events of 3,000 bytes under a 4,096-byte cap, the blank line between them cut across two chunks
    half = b"data: " + b"y" * 3000
    assert read([half + b"\n", b"\n" + half + b"\n\n"], limit=4096) == ([("message", "y" * 3000)] * 2, "end")


def test_long_line_in_small_chunks_costs_linear_time() -> None:
    # 10 MiB in 1 KiB chunks: re-copying the partial line per chunk would move ~50 GiB (minutes); joining once
    # moves 10 MiB. The bound leaves a wide margin for a loaded machine.
    chunks = [b"data: ", *([b"x" * 1024] * (10 * 1024)), b"\n\n"]
    start = time.thread_time()
    events, end = read(chunks, limit=16 << 20)
    assert time.thread_time() - start < 5.0
    assert end == "end" and len(events) == 1 and len(events[0][1]) == 10 * 1024 * 1024


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_a_real_agent_with_any_line_ending(capsys: pytest.CaptureFixture[str], eol: str) -> None:
    events = [
        rpc({"task": TASK}),
        rpc({"artifactUpdate": {"taskId": "t-1", "contextId": "c-1", "artifact": {"artifactId": "a",
                                                                                   "parts": [{"text": "hi"}]}}}),
        rpc({"statusUpdate": {"taskId": "t-1", "contextId": "c-1", "status": DONE["status"]}}),
    ]  # fmt: skip
    wire = "".join(f": ping{eol}event: message{eol}data: {json.dumps(e)}{eol}{eol}" for e in events).encode()

    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        async def one_byte_at_a_time() -> AsyncIterator[bytes]:
            for b in wire:
                yield bytes([b])

        return stream_of(one_byte_at_a_time)

    with fake_agent(handler) as (url, _):
        code, out, err, _ = _run(capsys, "stream", "hi", "-a", url, "-o", "json")
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [e["result"] for e in events]
