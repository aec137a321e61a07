"""The pure card renderers, without a terminal: text floor lines, Rich renderables, validation reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from a2acli.cards.signing import SignatureCheck
from a2acli.cards.validate import validate_card
from a2acli.cards.view import card_view
from a2acli.render.card import render_card_rich, render_card_text
from a2acli.render.card_report import render_report_rich, render_report_text

CARDS = Path(__file__).parent / "cards"


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CARDS / name).read_text())
    return doc


def fields(text: str) -> list[tuple[str, str]]:
    return [(line.split(": ", 1)[0], line.split(": ", 1)[1]) for line in text.splitlines()]


def rich_text(renderable: Any) -> str:
    console = Console(width=120, record=True, force_terminal=False, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_text_floor_v1() -> None:
    out = fields(render_card_text(load("valid/v1-full.json"), source="card.json", notes=("served at x",)))
    assert ("Name", "Recipe Agent") in out
    assert ("A2A Version", "1.0") in out
    assert ("Interface", "JSONRPC 1.0 https://recipes.agents.test/a2a/v1") in out
    assert ("Interface", "HTTP+JSON 1.0 https://recipes.agents.test/a2a/rest") in out
    assert ("Security Scheme", "bearer: http Bearer (JWT)") in out
    assert ("Security Scheme", "oauth: oauth2 clientCredentials") in out
    assert ("Security", "bearer OR oauth [recipes:read]") in out
    assert ("Extended Card", "yes") in out and ("Push Notifications", "no") in out
    assert ("Skill", "find-recipe: Find recipe [cooking, search] — Finds a recipe") in out
    assert out[-2:] == [("Source", "card.json"), ("Note", "served at x")]


@pytest.mark.parametrize(
    ("name", "label", "interface"),
    [
        ("valid/v03.json", "0.3 (A2A 0.3 card)", "JSONRPC 0.3.0 https://weather.agents.test/a2a"),
        ("valid/v02.json", "0.2 (legacy A2A 0.2 card)", "JSONRPC 0.2.5 https://old.agents.test/"),
        (
            "valid/hybrid-sdk.json",
            "1.0, 0.3 (hybrid card: 1.0 fields plus 0.3 url/preferredTransport)",
            "JSONRPC 0.3 https://hybrid.agents.test/a2a/v03",
        ),
    ],
)
def test_text_floor_other_versions(name: str, label: str, interface: str) -> None:
    out = fields(render_card_text(load(name)))
    assert ("A2A Version", label) in out
    assert ("Interface", interface) in out


def test_hybrid_interfaces_come_from_supported_interfaces_only() -> None:
    view = card_view(load("valid/hybrid-sdk.json"))
    assert [(i.binding, i.protocol_version) for i in view.interfaces] == [
        ("JSONRPC", "1.0"),
        ("JSONRPC", "0.3"),
        ("HTTP+JSON", "0.3"),
    ]


def test_wrong_types_render_safely() -> None:
    card = {"name": ["a", 1], "skills": "nope", "capabilities": {"streaming": "yes"}, "supportedInterfaces": [3]}
    out = render_card_text(card)
    assert 'Name: ["a", 1]' in out and "Streaming: not declared" in out
    assert "Skill:" not in out
    assert rich_text(render_card_rich(card))


def test_multiline_and_control_characters_are_flattened() -> None:
    card = load("valid/v1-minimal.json")
    card["description"] = "line one\nline two\r\x1b[2Kthree\u202eevil"
    out = render_card_text(card)
    assert "Description: line one line two three" in out
    assert "\x1b" not in out and "\u202e" not in out and "\r" not in out
    assert len(out.splitlines()) == len(fields(out))


def test_rich_view_sections() -> None:
    text = rich_text(render_card_rich(load("valid/v1-full.json"), source="card.json"))
    for part in ("Recipe Agent", "Interfaces", "HTTP+JSON", "Security", "oauth2", "Skills (2)", "find-recipe"):
        assert part in text


def test_report_text_floor() -> None:
    report = validate_card(load("broken/duplicate-skill-ids.json"), source="dup.json")
    out = render_report_text(report)
    rows = fields(out)
    assert ("Source", "dup.json") in rows
    assert ("A2A Version", "1.0") in rows
    assert (
        "Finding",
        "error AC040 /skills/1/id: skill id 'echo' is already used by skills/0 (fix: give every skill a unique id)",
    ) in rows
    assert rows[-4:] == [("Errors", "1"), ("Warnings", "0"), ("Info", "0"), ("Result", "invalid")]


def test_report_strict_and_signatures() -> None:
    report = validate_card(load("broken/plain-http-public.json"))
    checks = [
        SignatureCheck(0, "verified", kid="k", alg="ES256", key_source="jwks.json", covers="the whole card"),
        SignatureCheck(1, "unverifiable", "no key with that kid", kid="old", alg="RS256"),
    ]
    out = render_report_text(report, strict=True, signatures=checks)
    assert "Result: fails --strict (warnings)" in out
    assert "Signature: #0 verified (kid=k, ES256) with key from jwks.json; covers the whole card" in out
    assert "Signature: #1 unverifiable (kid=old, RS256): no key with that kid" in out
    rich = rich_text(render_report_rich(report, strict=True, signatures=checks))
    assert "fails --strict" in rich and "AC021" in rich and "#1 unverifiable" in rich
