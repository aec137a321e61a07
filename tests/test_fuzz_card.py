"""Property-based fuzzing of card parsing (issue 8): any bytes, any reference, any document yields a result or a
typed `A2ACliError`, never another exception."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from a2acli.errors import A2ACliError

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=25,
)

CARD_KEYS = [
    "name", "description", "version", "url", "preferredTransport", "protocolVersion", "supportedInterfaces",
    "additionalInterfaces", "capabilities", "defaultInputModes", "defaultOutputModes", "skills", "provider",
    "securitySchemes", "securityRequirements", "security", "signatures", "iconUrl", "documentationUrl",
]  # fmt: skip

card_like = st.dictionaries(st.sampled_from(CARD_KEYS), json_values, max_size=12)

VALID_V1: dict[str, Any] = {
    "name": "A",
    "description": "d",
    "version": "1",
    "supportedInterfaces": [{"url": "http://127.0.0.1:1/rpc", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
    "capabilities": {},
    "defaultInputModes": ["text/plain"],
    "defaultOutputModes": ["text/plain"],
    "skills": [{"id": "s", "name": "s", "description": "d", "tags": ["t"]}],
}


@st.composite
def mutated_cards(draw: st.DrawFn) -> dict[str, Any]:
    """A valid card with a few fields replaced by arbitrary JSON (wrong types, wrong shapes)."""
    card = json.loads(json.dumps(VALID_V1))
    for key in draw(st.lists(st.sampled_from(CARD_KEYS), max_size=4)):
        card[key] = draw(json_values)
    if draw(st.booleans()):
        iface = card.get("supportedInterfaces")
        if isinstance(iface, list) and iface and isinstance(iface[0], dict):
            iface[0][draw(st.sampled_from(["url", "protocolBinding", "protocolVersion", "tenant"]))] = draw(json_values)
    return card


@FUZZ
@given(st.binary(max_size=2000))
@example(b"\xef\xbb\xbf{}")
@example(b"[" * 100000)
@example(b'{"a": NaN}')
@example(b"<html>")
@example(b'{"a": 1e999999}')
def test_parse_card_bytes_never_raises_untyped(raw: bytes) -> None:
    from a2acli.client.card_resolver import parse_card_bytes

    try:
        doc = parse_card_bytes(raw, "fuzz")
    except A2ACliError:
        return
    assert isinstance(doc, dict)


@FUZZ
@given(json_values.map(lambda v: json.dumps(v).encode()))
def test_parse_card_bytes_on_json_documents(raw: bytes) -> None:
    from a2acli.client.card_resolver import parse_card_bytes

    with contextlib.suppress(A2ACliError):
        assert isinstance(parse_card_bytes(raw, "fuzz"), dict)


@FUZZ
@given(st.text(max_size=80))
@example("http://[::1")
@example("http://host:99999999/")
@example("::::")
@example("[v6]:x")
@example("file://remote/x")
@example("\x00")
def test_classify_reference_never_raises_untyped(ref: str) -> None:
    from a2acli.client.card_resolver import classify_reference

    with contextlib.suppress(A2ACliError):
        classify_reference(ref)


def _validator() -> Any:
    """The card validator's public entry point (a missing or renamed one must fail, not skip)."""
    from a2acli.cards.validate import validate_card

    return validate_card


@FUZZ
@given(st.one_of(card_like, mutated_cards()))
def test_card_validator_never_raises_untyped(card: dict[str, Any]) -> None:
    validate = _validator()
    with contextlib.suppress(A2ACliError):
        validate(card)
