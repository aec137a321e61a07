"""Property-based fuzzing of the client layer (issue 8): event-stream reading, the 0.3 -> 1.0 normaliser and the card
renderers. Any input yields a result or the documented error (the typed errors of `sse_events`, `ValueError` from
the normaliser, which the connection maps to typed errors) — never another exception — and the events read do not
depend on how the bytes are chunked."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from a2acli.client.normalize import send_response_v10, stream_response_v10
from tests.test_client_sse_decoder import drip, read
from tests.test_sanitize_fuzz import FORBIDDEN_ALWAYS

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

sse_lines = st.lists(
    st.one_of(
        st.sampled_from(
            [b"data: {}", b"data:x", b"data", b"event: error", b"event:", b"id: 7", b"id: \x00", b": ping", b"retry: 5",
             b"", b"\r", b"data: \xff\xfe", b"field-without-colon"]
        ),
        st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
    ),
    max_size=30,
)  # fmt: skip


@FUZZ
@given(sse_lines, st.sampled_from([b"\n", b"\r\n", b"\r"]), st.data())
@example([b"data: a", b"", b"data: b"], b"\n", None)
@example([b"data: a", b"", b"data: b", b""], b"\r", None)
def test_sse_reading_is_independent_of_chunking(lines: list[bytes], eol: bytes, data: Any) -> None:
    stream = eol.join(lines) + eol
    whole = read([stream])
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8))) if data is not None else [1, 3]
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert read([p for p in pieces if p]) == whole
    assert read(drip(stream)) == whole  # the one-byte drip


@FUZZ
@given(sse_lines, st.sampled_from([b"\n", b"\r\n", b"\r"]), st.integers(1, 120), st.data())
def test_the_event_cap_does_not_depend_on_chunking(lines: list[bytes], eol: bytes, limit: int, data: Any) -> None:
    stream = eol.join(lines) + eol
    whole = read([stream], limit)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert read([p for p in pieces if p], limit)[1] == whole[1]
    assert read(drip(stream), limit)[1] == whole[1]


@FUZZ
@given(st.lists(st.binary(min_size=1, max_size=200), max_size=20), st.integers(1, 300))
def test_sse_reading_bounds_every_event(chunks: list[bytes], limit: int) -> None:
    events, _ = read(chunks, limit)
    for name, payload in events:
        assert isinstance(name, str) and isinstance(payload, str)
        assert len(payload) <= limit  # decoding gives at most one character per byte


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=15,
)
KINDS = ["task", "message", "status-update", "artifact-update", "other", 3]
KEYS = [
    "kind", "id", "taskId", "task_id", "contextId", "status", "state", "message", "parts", "artifact", "artifacts",
    "history", "role", "text", "file", "data", "append", "lastChunk", "final", "metadata", "msg", "content", "update",
    "statusUpdate", "artifactUpdate", "task", "bytes", "uri", "mimeType", "name", "messageId",
]  # fmt: skip
v03_like = st.recursive(
    st.one_of(json_scalars, st.sampled_from(["input-required", "completed", "TASK_STATE_CANCELLED", "agent", "user"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
        st.fixed_dictionaries({"kind": st.sampled_from(KINDS)}, optional=dict.fromkeys(KEYS[1:12], inner)),
    ),
    max_leaves=25,
)


@FUZZ
@given(st.one_of(v03_like, json_values))
@example({"kind": "task", "id": "t", "status": {"state": "input-required"}, "artifacts": [{"parts": [{"kind": "x"}]}]})
@example({"kind": "artifact-update", "artifact": {"parts": [{"kind": "file", "file": {"bytes": 5}}]}})
def test_normaliser_is_total(obj: Any) -> None:
    for fn in (stream_response_v10, send_response_v10):
        try:
            out = fn(obj)
        except ValueError:
            continue
        assert isinstance(out, dict) and len(out) == 1
        assert next(iter(out)) in ("task", "message", "statusUpdate", "artifactUpdate")


card_like = st.dictionaries(
    st.sampled_from(
        ["name", "description", "version", "url", "provider", "supportedInterfaces", "skills", "capabilities",
         "securitySchemes", "securityRequirements", "defaultInputModes", "defaultOutputModes", "protocolVersion",
         "preferredTransport", "additionalInterfaces", "signatures", "iconUrl"]
    ),
    st.one_of(json_values, st.text().map(lambda t: t + "\x1b]0;x\x07\x9b2J\u202e")),
    max_size=10,
)  # fmt: skip


@FUZZ
@given(card_like)
def test_card_text_floor_renders_any_card_safely(card: dict[str, Any]) -> None:
    from a2acli.render.card import render_card_text

    with contextlib.suppress(ValueError):
        out = render_card_text(card, source="fuzz")
        bad = [c for c in out if c in FORBIDDEN_ALWAYS]
        assert not bad, (out, bad)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(card_like)
def test_card_rich_view_renders_any_card_safely(card: dict[str, Any]) -> None:
    import io

    from rich.console import Console

    from a2acli.render.card import render_card_rich

    console = Console(file=io.StringIO(), width=100, color_system=None, force_terminal=False)
    console.print(render_card_rich(card, source="fuzz"))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    bad = [c for c in out if c in FORBIDDEN_ALWAYS]
    assert not bad, (out, bad)


@FUZZ
@given(card_like)
def test_validator_report_renders_safely(card: dict[str, Any]) -> None:
    from a2acli.cards.validate import validate_card
    from a2acli.render.card_report import render_report_text

    report = validate_card(card, source="fuzz")
    out = render_report_text(report, strict=False)
    bad = [c for c in out if c in FORBIDDEN_ALWAYS]
    assert not bad, (out, bad)
