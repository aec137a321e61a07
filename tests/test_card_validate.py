"""The card validator on the corpus in tests/cards (valid 1.0, 0.3, hybrid, 0.2 and many broken variants) and on
the 42 cards found in public repositories (smoke: never crash, always a verdict)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2acli.cards.findings import RULES, Severity
from a2acli.cards.validate import validate_card
from a2acli.cards.versions import detect_version

CARDS = Path(__file__).parent / "cards"
WILD = CARDS / "wild"  # byte-exact copies of published cards (SOURCES.txt): the suite needs nothing outside the repo


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CARDS / name).read_text(encoding="utf-8"))
    return doc


# file -> (detected kind, valid?, codes that must be reported)
EXPECTED: dict[str, tuple[str, bool, set[str]]] = {
    "valid/v1-minimal.json": ("1.0", True, set()),
    "valid/v1-full.json": ("1.0", True, set()),
    "valid/v1-spec-sample.json": ("1.0", True, {"AC071", "AC023"}),
    "valid/v03.json": ("0.3", True, {"AC073"}),
    "valid/v02.json": ("0.2", True, {"AC073"}),
    "valid/hybrid-sdk.json": ("hybrid", True, set()),
    "valid/hybrid-sdk-all-schemes.json": ("hybrid", True, set()),
    "broken/missing-name.json": ("1.0", False, {"AC010"}),
    "broken/empty-name.json": ("1.0", False, {"AC011"}),
    "broken/not-a-url.json": ("1.0", False, {"AC020"}),
    "broken/missing-interfaces.json": ("unknown", False, {"AC010"}),
    "broken/empty-interfaces.json": ("1.0", False, {"AC011"}),
    "broken/interface-missing-version.json": ("1.0", False, {"AC010"}),
    "broken/bad-protocol-version.json": ("1.0", False, {"AC031"}),
    "broken/duplicate-skill-ids.json": ("1.0", False, {"AC040"}),
    "broken/bad-modes.json": ("1.0", False, {"AC050"}),
    "broken/undeclared-security-scheme.json": ("1.0", False, {"AC060"}),
    "broken/wrong-types.json": ("1.0", False, {"AC001"}),
    "broken/skill-missing-tags.json": ("1.0", False, {"AC010"}),
    "broken/plain-http-public.json": ("1.0", True, {"AC021"}),
    "broken/custom-binding-uri.json": ("1.0", True, set()),
    "broken/binding-alias.json": ("1.0", True, {"AC030", "AC034"}),
    "broken/legacy-scheme-shape.json": ("1.0", False, {"AC061"}),
    "broken/bind-all-address.json": ("1.0", True, {"AC023"}),
    "broken/url-credentials.json": ("1.0", False, {"AC022"}),
    "broken/escape-sequences.json": ("1.0", True, {"AC082"}),
    "broken/snake-case.json": ("1.0", True, {"AC004"}),
    "broken/oauth-two-flows.json": ("1.0", False, {"AC061", "AC064"}),
    "broken/apikey-bad-location.json": ("1.0", False, {"AC062"}),
    "broken/declares-1.0-in-0.3-layout.json": ("0.3", False, {"AC072"}),
    "broken/hybrid-disagree.json": ("hybrid", False, {"AC070"}),
    "broken/v03-missing-url.json": ("0.3", False, {"AC010"}),
    "broken/v03-undeclared-security.json": ("0.3", False, {"AC060"}),
}


def test_corpus_is_complete() -> None:
    on_disk = {str(p.relative_to(CARDS)) for p in CARDS.glob("*/*.json") if p.parent.name in ("valid", "broken")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name: str) -> None:
    kind, valid, codes = EXPECTED[name]
    report = validate_card(load(name), source=name)
    reported = {f.code for f in report.findings}
    assert report.version.kind == kind
    assert report.valid is valid, [f.to_dict() for f in report.findings]
    assert codes <= reported, reported
    for finding in report.findings:
        assert finding.code in RULES
        assert finding.pointer == "" or finding.pointer.startswith("/")
        assert finding.message and "\n" not in finding.message
    if valid:
        assert report.errors == 0
    else:
        assert any(f.severity is Severity.error for f in report.findings)


def test_clean_cards_have_no_findings() -> None:
    for name in (
        "valid/v1-minimal.json",
        "valid/v1-full.json",
        "valid/hybrid-sdk.json",
        "valid/hybrid-sdk-all-schemes.json",
    ):
        assert validate_card(load(name)).findings == (), name


def test_valid_1_0_card_without_url_is_not_called_invalid() -> None:
    # the bug other validators ship: "url missing" on a 1.0 card
    report = validate_card(load("valid/v1-full.json"))
    assert report.valid and not any("url" in f.pointer and f.code == "AC010" for f in report.findings)


def test_nameless_not_a_url_card_is_invalid() -> None:
    card = load("valid/v1-minimal.json")
    del card["name"]
    card["supportedInterfaces"][0]["url"] = "not-a-url"
    report = validate_card(card)
    assert not report.valid
    assert {("AC010", "/name"), ("AC020", "/supportedInterfaces/0/url")} <= {
        (f.code, f.pointer) for f in report.findings
    }


def test_strict_mode_fails_on_warnings() -> None:
    report = validate_card(load("broken/plain-http-public.json"))
    assert report.passes() and not report.passes(strict=True)
    doc = report.to_dict(strict=True)
    assert doc["valid"] is True and doc["passed"] is False and doc["summary"]["warnings"] >= 1


def test_json_report_shape() -> None:
    doc = validate_card(load("broken/duplicate-skill-ids.json"), source="x.json").to_dict()
    assert doc["source"] == "x.json"
    assert doc["version"]["detected"] == "1.0"
    finding = next(f for f in doc["findings"] if f["code"] == "AC040")
    assert finding == {
        "code": "AC040",
        "rule": "skill-id-duplicate",
        "severity": "error",
        "pointer": "/skills/1/id",
        "message": "skill id 'echo' is already used by skills/0",
        "hint": "give every skill a unique id",
    }
    json.dumps(doc)  # serialisable


def test_hybrid_security_views_must_agree() -> None:
    card = load("valid/hybrid-sdk.json")
    card["security"] = [{"bearer": ["admin"]}]
    report = validate_card(card)
    assert any(f.code == "AC070" and f.pointer == "/security" for f in report.findings)


def test_hybrid_scheme_with_0_3_fields_is_not_an_unknown_field() -> None:
    card = load("valid/hybrid-sdk.json")
    assert card["securitySchemes"]["bearer"]["type"] == "http"  # the SDK merges both shapes
    assert not any(f.code == "AC003" for f in validate_card(card).findings)


@pytest.mark.parametrize(
    ("card", "kind"),
    [
        ({"supportedInterfaces": []}, "1.0"),
        ({"supportedInterfaces": [], "protocolVersion": "1.0"}, "1.0"),
        ({"supportedInterfaces": [], "url": "https://a.test"}, "hybrid"),
        ({"url": "https://a.test", "protocolVersion": "0.3.0"}, "0.3"),
        ({"url": "https://a.test", "preferredTransport": "JSONRPC"}, "0.3"),
        ({"url": "https://a.test", "protocolVersion": "0.2.6"}, "0.2"),
        ({"url": "https://a.test"}, "0.2"),
        ({"name": "x"}, "unknown"),
    ],
)
def test_version_detection(card: dict[str, Any], kind: str) -> None:
    assert detect_version(card).kind == kind


def test_size_sanity() -> None:
    card = load("valid/v1-minimal.json")
    card["description"] = "x" * 20000
    report = validate_card(card, raw_size=300 * 1024)
    assert {"AC080", "AC081"} <= {f.code for f in report.findings}


def test_early_0_2_card_without_protocol_version() -> None:
    card = load("valid/v02.json")
    del card["protocolVersion"]
    report = validate_card(card)
    assert report.version.kind == "0.2" and report.valid, [f.to_dict() for f in report.findings]


def test_unicode_digit_keys_do_not_crash() -> None:
    # "²".isdigit() is True but int("²") raises: a regression found by hypothesis
    card = load("valid/v1-minimal.json")
    card["securitySchemes"] = {"²": {}, "1": {"x": 1}}
    card["skills"] = {"٣": []}
    report = validate_card(card)
    assert not report.valid
    json.dumps(report.to_dict())


def test_loopback_interfaces_on_a_remote_card() -> None:
    card = load("valid/v1-minimal.json")  # interface http://127.0.0.1:8001/
    assert not any(f.code == "AC024" for f in validate_card(card, source="card.json").findings)
    assert not any(f.code == "AC024" for f in validate_card(card, source="http://localhost:8001/x").findings)
    remote = validate_card(card, source="https://agents.example.org/.well-known/agent-card.json")
    (finding,) = [f for f in remote.findings if f.code == "AC024"]
    assert finding.pointer == "/supportedInterfaces/0/url" and remote.valid


def test_findings_are_capped_per_rule() -> None:
    card = load("valid/v1-minimal.json")
    card["skills"] = [{"id": "x", "name": "n", "description": "d", "tags": ["t"]} for _ in range(300)]
    report = validate_card(card)
    dupes = [f for f in report.findings if f.code == "AC040"]
    assert len(dupes) == 101
    assert any("199 more AC040" in f.message for f in dupes)


def test_not_an_object() -> None:
    for doc in ([], "card", 3, None):
        report = validate_card(doc)
        assert not report.valid and report.version.kind == "unknown"


def test_wild_cards_smoke() -> None:
    files = sorted(WILD.glob("*.json"))
    assert len(files) >= 40
    verdicts = {}
    for path in files:
        raw = path.read_bytes()
        report = validate_card(json.loads(raw), source=path.name, raw_size=len(raw))
        verdicts[path.name] = report.version.kind
        json.dumps(report.to_dict())
    kinds = set(verdicts.values())
    assert {"1.0", "0.3", "0.2", "hybrid", "unknown"} <= kinds


@pytest.mark.parametrize("name", sorted(p.name for p in (CARDS / "wild").glob("*.json")))
def test_wild_copies(name: str) -> None:
    report = validate_card(json.loads((CARDS / "wild" / name).read_text(encoding="utf-8")))
    assert report.findings  # every copied wild card has something to say


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(EXPECTED)),
    st.lists(st.tuples(st.sampled_from(["name", "skills", "securitySchemes", "url", "capabilities"]), json_values)),
)
def test_mutated_corpus_never_crashes(name: str, edits: list[tuple[str, Any]]) -> None:
    card = load(name)
    for key, value in edits:
        card[key] = value
    report = validate_card(card)
    json.dumps(report.to_dict())
