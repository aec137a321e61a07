"""Signed cards (A2A §8.4): sign, verify (verified / invalid / unverifiable / absent), interop with the SDK's
verifier, keys from --jwks files/URLs and from the header's jku, and a signed card served by the demo agent."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from a2acli.cards.signing import (
    KeySet,
    canonical_bytes,
    canonical_payloads,
    drop_empty,
    load_key_material,
    proto_view,
    public_jwks,
    sign_card_dict,
    verify_card,
)
from tests.support.agent import demo_agent
from tests.support.cli import run_cli as cli
from tests.support.server import serve_in_thread

CARDS = Path(__file__).parent / "cards"


def pem(key: Any) -> bytes:
    return bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@pytest.fixture(scope="module")
def keys() -> dict[str, bytes]:
    return {
        "ec": pem(ec.generate_private_key(ec.SECP256R1())),
        "rsa": pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "ed": pem(ed25519.Ed25519PrivateKey.generate()),
    }


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CARDS / name).read_text())
    return doc


def keyset(key_pem: bytes, kid: str | None = None) -> KeySet:
    ks = KeySet()
    ks.add_jwks(public_jwks(key_pem, kid=kid), "test-jwks")
    return ks


@pytest.mark.parametrize("kind", ["ec", "rsa", "ed"])
@pytest.mark.parametrize("name", ["valid/v1-full.json", "valid/hybrid-sdk.json", "valid/v03.json"])
def test_sign_then_verify(keys: dict[str, bytes], kind: str, name: str) -> None:
    card = load(name)
    signed = sign_card_dict(card, keys[kind], kid="k1", jku="https://agent.test/jwks.json")
    assert card.get("signatures") is None  # the input is not modified
    header = json.loads(base64.urlsafe_b64decode(signed["signatures"][0]["protected"] + "=="))
    assert header["kid"] == "k1" and header["typ"] == "JOSE" and header["jku"] == "https://agent.test/jwks.json"
    (check,) = verify_card(signed, keyset(keys[kind], "k1"))
    assert check.status == "verified", check
    if name == "valid/hybrid-sdk.json":
        assert check.covers == "the A2A 1.0 fields"
        assert {"url", "preferredTransport"} <= set(check.not_covered)
    else:
        assert check.covers == "the whole card" and check.not_covered == ()


def test_tampering_is_detected(keys: dict[str, bytes]) -> None:
    signed = sign_card_dict(load("valid/v1-full.json"), keys["ec"], kid="k1")
    for mutate in (
        lambda c: c.update(name="Evil"),
        lambda c: c["supportedInterfaces"][0].update(url="https://evil.test/a2a"),
        lambda c: c["skills"].pop(),
    ):
        tampered = copy.deepcopy(signed)
        mutate(tampered)
        (check,) = verify_card(tampered, keyset(keys["ec"], "k1"))
        assert check.status == "invalid"


def test_whitespace_and_key_order_do_not_matter(keys: dict[str, bytes]) -> None:
    signed = sign_card_dict(load("valid/v1-full.json"), keys["rsa"], kid="k1")
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items()))), indent=4))
    assert verify_card(reordered, keyset(keys["rsa"], "k1"))[0].status == "verified"


def test_outcomes_never_overstate(keys: dict[str, bytes]) -> None:
    card = load("valid/v1-minimal.json")
    assert [c.status for c in verify_card(card, KeySet())] == ["absent"]
    signed = sign_card_dict(card, keys["ec"], kid="k1")
    assert verify_card(signed, KeySet())[0].status == "unverifiable"  # no keys
    assert verify_card(signed, keyset(keys["rsa"], "k1"))[0].status in ("invalid", "unverifiable")  # wrong key
    assert verify_card(signed, keyset(keys["ec"], "other"))[0].status == "unverifiable"  # unknown kid
    # alg "none" / HS256 never verify, whatever the keys
    for alg in ("none", "HS256"):
        forged = copy.deepcopy(signed)
        header = {"alg": alg, "kid": "k1", "typ": "JOSE"}
        forged["signatures"][0]["protected"] = base64.urlsafe_b64encode(json.dumps(header).encode()).decode()
        assert verify_card(forged, keyset(keys["ec"], "k1"))[0].status == "unverifiable"
    broken = copy.deepcopy(signed)
    broken["signatures"] = [{"protected": "!!!", "signature": "x"}, "nope"]
    assert [c.status for c in verify_card(broken, keyset(keys["ec"], "k1"))] == ["unverifiable", "unverifiable"]


def test_one_good_signature_among_several(keys: dict[str, bytes]) -> None:
    card = sign_card_dict(load("valid/v1-full.json"), keys["rsa"], kid="old")
    card = sign_card_dict(card, keys["ec"], kid="new")
    statuses = [c.status for c in verify_card(card, keyset(keys["ec"], "new"))]
    assert statuses == ["unverifiable", "verified"]


def test_sdk_verifier_accepts_our_signature(keys: dict[str, bytes]) -> None:
    import jwt
    from a2a.client.card_resolver import parse_agent_card
    from a2a.utils.signing import create_signature_verifier

    for name in ("valid/v1-full.json", "valid/hybrid-sdk.json"):
        signed = sign_card_dict(load(name), keys["ec"], kid="k1")
        public = jwt.PyJWK(public_jwks(keys["ec"], kid="k1")["keys"][0]).key
        verifier = create_signature_verifier(lambda kid, jku, k=public: k, ["ES256"])
        verifier(parse_agent_card(copy.deepcopy(signed)))  # raises if invalid


def test_we_verify_the_sdk_signer(keys: dict[str, bytes]) -> None:
    from a2a.client.card_resolver import parse_agent_card
    from a2a.server.request_handlers.response_helpers import agent_card_to_dict
    from a2a.utils.signing import create_agent_card_signer

    proto = parse_agent_card(load("valid/hybrid-sdk.json"))
    signer = create_agent_card_signer(keys["ed"], {"alg": "EdDSA", "kid": "sdk", "typ": "JOSE", "jku": None})
    served = agent_card_to_dict(signer(proto))
    (check,) = verify_card(served, keyset(keys["ed"], "sdk"))
    assert check.status == "verified"


def test_canonical_form_is_rfc8785() -> None:
    card = {"name": "é", "b": [], "a": {"z": 1.0, "y": ""}, "signatures": [{"protected": "x", "signature": "y"}]}
    forms = canonical_payloads(card)
    assert forms[-1] == ("the whole card", '{"a":{"z":1},"name":"é"}'.encode(), ())


def test_pem_public_key_material(keys: dict[str, bytes]) -> None:
    private = serialization.load_pem_private_key(keys["rsa"], password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signed = sign_card_dict(load("valid/v1-minimal.json"), keys["rsa"])  # kid = thumbprint
    ks = load_key_material(public_pem, "pub.pem")
    assert verify_card(signed, ks)[0].status == "verified"


# ------------------------------------------------------------------------------------------------------ the CLI


def test_cli_sign_and_verify(capsys: pytest.CaptureFixture[str], keys: dict[str, bytes], tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_bytes(keys["ec"])
    jwks = tmp_path / "jwks.json"
    code, out, err = cli(
        capsys, "card", "sign", str(CARDS / "valid" / "v1-full.json"), "--key", str(key), "--jwks-out", str(jwks)
    )
    assert code == 0, err
    signed = json.loads(out)
    assert len(signed["signatures"]) == 1
    card = tmp_path / "signed.json"
    card.write_text(out)
    code, out, err = cli(capsys, "card", "verify", str(card), "--jwks", str(jwks), "-o", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "verified" and result["signatures"][0]["status"] == "verified"
    code, out, _ = cli(capsys, "card", "verify", str(card), "--jwks", str(jwks))
    assert code == 0 and "Result: verified" in out
    # tampered
    signed["description"] = "changed"
    card.write_text(json.dumps(signed))
    code, out, err = cli(capsys, "card", "verify", str(card), "--jwks", str(jwks))
    assert code == 1 and "Result: invalid" in out and "[A2ACLI_ERR_CARD_INVALID]" in err
    # validate with --jwks reports the signature and fails on an invalid one
    code, out, _ = cli(capsys, "card", "validate", str(card), "--jwks", str(jwks), "-o", "json")
    assert code == 1 and json.loads(out)["signatures"][0]["status"] == "invalid"


def test_cli_verify_absent_and_unverifiable(capsys: pytest.CaptureFixture[str], keys: dict[str, bytes]) -> None:
    unsigned = str(CARDS / "valid" / "v1-minimal.json")
    code, out, _ = cli(capsys, "card", "verify", unsigned)
    assert code == 0 and "Result: absent" in out
    assert cli(capsys, "card", "verify", unsigned, "--require-signature")[0] == 1


def test_cli_verify_offers_only_options_it_uses(capsys: pytest.CaptureFixture[str]) -> None:
    """verify reads the card and key sets, never an A2A operation: --extension (A2A-Extensions, declared on A2A
    requests) had no request to go on, so it is not offered, like --svc-param and --transport."""
    code, out, _ = cli(capsys, "card", "verify", "--help")
    assert code == 0 and "--require-signature" in out
    for flag in ("--extension", "--svc-param", "--transport"):
        assert flag not in out
    unsigned = str(CARDS / "valid" / "v1-minimal.json")
    code, _, err = cli(capsys, "card", "verify", unsigned, "--extension", "https://example.com/ext")
    assert code == 2 and "--extension" in err


def _card_server(card: dict[str, Any] | None, jwks: dict[str, Any] | None, seen: list[str]) -> Starlette:
    """A card server: the card at the well-known path, a key set at /jwks.json; every request path recorded."""

    async def card_route(request: Request) -> Response:
        seen.append(request.url.path)
        return JSONResponse(card) if card is not None else Response(status_code=404)

    async def jwks_route(request: Request) -> Response:
        seen.append(request.url.path)
        return JSONResponse(jwks) if jwks is not None else Response(status_code=404)

    return Starlette(routes=[Route("/.well-known/agent-card.json", card_route), Route("/jwks.json", jwks_route)])


def test_cli_verify_with_jku(capsys: pytest.CaptureFixture[str], keys: dict[str, bytes]) -> None:
    """A jku on the card's own origin (loopback http here) is trusted: the card's server serves the key too."""
    document = public_jwks(keys["rsa"], kid="k9")
    card: dict[str, Any] = {}
    with serve_in_thread(_card_server(card, document, [])) as same:
        card.update(sign_card_dict(load("valid/v1-full.json"), keys["rsa"], kid="k9", jku=same + "/jwks.json"))
        code, out, err = cli(capsys, "card", "verify", "-a", same, "-o", "json")
        assert code == 0, err
        check = json.loads(out)["signatures"][0]
        assert check["status"] == "verified" and check["keySource"] == f"jku {same}/jwks.json"
        code, out, err = cli(capsys, "card", "verify", "-a", same, "--no-jku")
        assert code == 1 and "unverifiable" in out
        assert "no signature could be verified" in err
        code, out, err = cli(capsys, "card", "verify", "-a", same, "--no-jku", "--jwks", same + "/jwks.json")
        assert code == 0, err
        assert "Result: verified" in out


def test_a_fresh_key_named_by_a_jku_on_another_origin_is_unverifiable(
    capsys: pytest.CaptureFixture[str], keys: dict[str, bytes]
) -> None:
    """Issue 13: a card signed by a fresh key whose jku points at another origin's key set was `verified`, exit 0.
    Anyone can sign a copy of a card that way; now it is unverifiable with the reason, the other origin is never
    asked, --require-signature fails on it, and --jwks naming that key set (the user vouching for it) verifies."""
    document = public_jwks(keys["ec"], kid="fresh")
    key_requests: list[str] = []
    card: dict[str, Any] = {}
    card_requests: list[str] = []
    with (
        serve_in_thread(_card_server(None, document, key_requests)) as elsewhere,
        serve_in_thread(_card_server(card, None, card_requests)) as agent,
    ):
        card.update(sign_card_dict(load("valid/v1-full.json"), keys["ec"], kid="fresh", jku=elsewhere + "/jwks.json"))
        code, out, err = cli(capsys, "card", "verify", "-a", agent, "-o", "json")
        assert code == 1, err
        result = json.loads(out)
        [check] = result["signatures"]
        assert result["status"] == "unverifiable" and check["status"] == "unverifiable"
        assert "not on the card's origin" in check["reason"] and f"--jwks {elsewhere}/jwks.json" in check["reason"]
        assert "[A2ACLI_ERR_CARD_INVALID]" in err
        assert key_requests == []  # a jku nobody vouches for is not fetched
        code, out, err = cli(capsys, "card", "verify", "-a", agent, "--require-signature")
        assert code == 1 and "Result: unverifiable" in out and "verified with" not in out
        assert err.strip().splitlines()[-1].startswith("error: ") and "[A2ACLI_ERR_CARD_INVALID]" in err
        code, out, err = cli(capsys, "card", "verify", "-a", agent, "--jwks", elsewhere + "/jwks.json", "-o", "json")
        assert code == 0, err
        assert json.loads(out)["status"] == "verified"
        code, _, err = cli(
            capsys, "card", "verify", "-a", agent, "--require-signature", "--jwks", elsewhere + "/jwks.json"
        )
        assert code == 0, err


def test_only_a_jku_on_the_cards_own_origin_is_trusted(keys: dict[str, bytes]) -> None:
    """The trust rule, pure: the https origin (default port or not) of the card itself; nothing else."""
    from a2acli.cards.signing import jku_distrust

    origin = "https://agent.example"
    assert jku_distrust("https://agent.example/keys/jwks.json", origin) is None
    assert jku_distrust("https://AGENT.example:443/jwks.json", origin) is None
    assert jku_distrust("https://agent.example:8443/jwks.json", "https://agent.example:8443") is None
    assert jku_distrust("http://127.0.0.1:9/jwks.json", "http://127.0.0.1:9") is None
    for jku in (
        "https://keys.example/jwks.json",
        "https://agent.example:8443/jwks.json",
        "http://agent.example/jwks.json",
        "https://agent.example.evil/jwks.json",
        "https://agent.example@evil.example/jwks.json",
        "file:///etc/jwks.json",
        "not a url",
    ):
        assert jku_distrust(jku, origin) is not None, jku
    assert jku_distrust("http://agent.example/jwks.json", "http://agent.example") is not None  # plain http
    assert jku_distrust("https://agent.example/jwks.json", None) is not None  # a card read from a file

    jku = "https://agent.example/jwks.json"
    signed = sign_card_dict(load("valid/v1-full.json"), keys["ec"], kid="k1", jku=jku)
    ks = KeySet()
    ks.add_jku(json.dumps(public_jwks(keys["ec"], kid="k1")).encode(), jku)
    assert verify_card(signed, ks, origin=origin)[0].status == "verified"
    for other in ("https://mirror.example", None):
        [check] = verify_card(signed, ks, origin=other)
        assert check.status == "unverifiable" and "not signed by a key you trust" in check.reason
    assert verify_card(signed, keyset(keys["ec"], "k1"), origin=None)[0].status == "verified"  # --jwks: trusted


def test_demo_agent_serves_a_signed_card(
    capsys: pytest.CaptureFixture[str], keys: dict[str, bytes], tmp_path: Path
) -> None:
    key = tmp_path / "agent.pem"
    key.write_bytes(keys["ec"])
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(public_jwks(keys["ec"])))
    with demo_agent(sign_key=str(key)) as url:
        code, out, err = cli(capsys, "card", "verify", "-a", url, "--jwks", str(jwks), "-o", "json")
        assert code == 0, err
        assert json.loads(out)["status"] == "verified"


ALL_CARDS = sorted(p.relative_to(CARDS).as_posix() for p in CARDS.rglob("*.json"))


def test_every_fixture_card_is_covered() -> None:
    assert len(ALL_CARDS) >= 37


@pytest.mark.parametrize("name", ALL_CARDS)
def test_canonical_bytes_match_the_sdk_canonicaliser(name: str) -> None:
    """rfc8785 + drop_empty replaced the SDK's private canonicaliser: byte for byte the same on every card.

    A differential test of the code it replaced; it skips, rather than fails, once the SDK renames it."""
    jcs = pytest.importorskip("a2a.utils._jcs")
    sdk_signing = pytest.importorskip("a2a.utils.signing")
    clean = getattr(sdk_signing, "_clean_empty", None)
    if clean is None:
        pytest.skip("the SDK no longer has _clean_empty")
    try:
        doc = json.loads((CARDS / name).read_text())
    except ValueError:
        pytest.skip("not JSON")
    if not isinstance(doc, dict):
        pytest.skip("not an object")
    for view in (proto_view(doc), {k: v for k, v in doc.items() if k != "signatures"}):
        if view is None:
            continue
        ours = canonical_bytes(view)
        theirs = jcs.canonicalize(clean(view)).encode()
        assert ours == theirs


@pytest.mark.parametrize("name", ALL_CARDS)
def test_we_verify_the_sdk_signer_on_every_card(name: str, keys: dict[str, bytes]) -> None:
    from a2a.client.card_resolver import parse_agent_card
    from a2a.server.request_handlers.response_helpers import agent_card_to_dict
    from a2a.utils.signing import create_agent_card_signer

    try:
        doc = json.loads((CARDS / name).read_text())
        proto = parse_agent_card(copy.deepcopy(doc))
    except Exception:
        pytest.skip("the SDK does not parse this card")
    signer = create_agent_card_signer(keys["ec"], {"alg": "ES256", "kid": "sdk", "typ": "JOSE", "jku": None})
    served = agent_card_to_dict(signer(proto))
    checks = verify_card(served, keyset(keys["ec"], "sdk"))
    assert checks[-1].status == "verified", checks[-1].reason


def test_drop_empty() -> None:
    doc = {"a": "", "b": [], "c": {}, "d": None, "e": [{"x": ""}, 0, False], "f": {"g": {"h": [""]}}, "i": "x"}
    assert drop_empty(doc) == {"e": [0, False], "i": "x"}
    assert drop_empty({"a": [{}]}) is None
    assert drop_empty(0) == 0 and drop_empty(False) is False


def test_hostile_nesting_is_bounded() -> None:
    deep: Any = "leaf"
    for _ in range(5000):
        deep = {"k": [deep]}
    with pytest.raises(ValueError, match="maximum depth"):
        drop_empty(deep)
    card = {"name": "x", "capabilities": {"extensions": [{"uri": "u", "params": deep}]}}
    assert canonical_payloads(card) == []


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_rfc8785_agrees_with_the_sdk_canonicaliser_on_any_json(doc: Any) -> None:
    """Numbers (ECMAScript formatting), UTF-16 key order, escapes, lone surrogates: the same bytes, or both refuse."""
    import rfc8785

    jcs = pytest.importorskip("a2a.utils._jcs")
    try:
        theirs: bytes | None = jcs.canonicalize(doc).encode()
    except ValueError:
        theirs = None
    try:
        ours: bytes | None = rfc8785.dumps(doc)
    except ValueError:
        ours = None
    assert ours == theirs
