"""Agent Card signatures (A2A §8.4): JWS (RFC 7515) over the RFC 8785 canonical JSON of the card without
`signatures`, default/empty values removed. Pure: keys are handed in; fetching a `jku` is the client layer's job.

Two canonical payloads are recognised, and a verified signature says which one it covers:
- the "1.0 view": the card parsed as an A2A 1.0 `AgentCard` (unknown and 0.3-only fields dropped), empty values
  removed — exactly what the official SDK signs and verifies, so hybrid cards served by SDK agents verify;
- the "whole card": the JSON as served minus `signatures`, empty values removed (A2A §8.4.3 read literally).
When only the 1.0 view verifies, the fields it leaves out are listed as not covered by the signature.

Outcomes per signature: verified, invalid (a key was found and the signature does not match), unverifiable (no key,
no key the user trusts, unsupported or symmetric algorithm, malformed header); `absent` when the card carries no
signature (not an error). Nothing unverified is ever reported as verified, and "verified" means by a trusted key:
one the user gave (`--jwks`, or the pinned A2ACLI_JWKS), or one from a `jku` on the card's own origin
(`jku_distrust`). A key the card merely names elsewhere proves only that someone holds it: anybody can sign a copy
of a card with a fresh key and point its `jku` at their own key set. Signing (`sign_card_dict`) uses the 1.0 view
when the card has one, so SDK clients verify what a2a signs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard
from urllib.parse import urlsplit

import rfc8785

from a2acli.errors import UsageError
from a2acli.protocol import JSONObject, JSONValue

if TYPE_CHECKING:
    from jwt.algorithms import AllowedPrivateKeys, AllowedPublicKeys

ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


@dataclass(frozen=True)
class SignatureCheck:
    index: int
    status: str  # "verified" | "invalid" | "unverifiable" | "absent"
    reason: str = ""
    kid: str | None = None
    alg: str | None = None
    jku: str | None = None
    key_source: str | None = None
    covers: str | None = None
    not_covered: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.status == "absent":
            return "absent (the card is not signed; that is allowed)"
        who = ", ".join(p for p in (f"kid={self.kid}" if self.kid else "", self.alg or "") if p)
        head = f"#{self.index} {self.status}" + (f" ({who})" if who else "")
        if self.status == "verified":
            text = f"{head} with key from {self.key_source}; covers {self.covers}"
            if self.key_source and self.key_source.startswith("jku "):
                text += " (on the card's own origin)"
            if self.not_covered:
                text += f" (not covered: {', '.join(self.not_covered)})"
            return text
        return f"{head}: {self.reason}"

    def to_dict(self) -> JSONObject:
        return {
            "index": self.index,
            "status": self.status,
            "reason": self.reason or None,
            "kid": self.kid,
            "alg": self.alg,
            "jku": self.jku,
            "keySource": self.key_source,
            "covers": self.covers,
            "notCovered": list(self.not_covered),
        }


# ------------------------------------------------------------------------------------------------ canonical form


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Nesting is attacker-controlled (`AgentExtension.params` is a free Struct) and both passes below recurse, so the
# depth is bounded before either can exhaust the stack; the SDK's signer enforces the same limit.
MAX_DEPTH = 128


def canonical_bytes(doc: JSONValue) -> bytes:
    """What a signature over `doc` covers: its RFC 8785 form after `drop_empty` (which also bounds the depth).

    A card with nothing left after `drop_empty` canonicalises to `null`, as the SDK signs and verifies it."""
    return rfc8785.dumps(drop_empty(doc))


def drop_empty(value: JSONValue, depth: int = 1) -> JSONValue:
    """`value` without empty strings, arrays, objects and nulls, recursively; None when nothing is left.

    This is the default-value step of card signing (A2A §8.4.1) as the official SDK performs it, which is what
    interoperates: a card is signed and verified over the proto JSON of the card (which already omits unset
    fields), with these empties removed as well. `false` and `0` stay. Raises ValueError past `MAX_DEPTH`.
    """
    if isinstance(value, dict | list) and depth > MAX_DEPTH:
        raise ValueError(f"nesting exceeds the maximum depth of {MAX_DEPTH}")
    if isinstance(value, dict):
        kept: JSONObject = {k: v for k, item in value.items() if (v := drop_empty(item, depth + 1)) is not None}
        return kept or None
    if isinstance(value, list):
        items: list[JSONValue] = [v for item in value if (v := drop_empty(item, depth + 1)) is not None]
        return items or None
    if isinstance(value, str) and not value:
        return None
    return value


def proto_view(card: JSONObject) -> JSONObject | None:
    """The card as the SDK's 1.0 AgentCard sees it (MessageToDict of the parsed card), or None if it does not parse."""
    from a2a.types.a2a_pb2 import AgentCard
    from google.protobuf.json_format import MessageToDict, ParseDict, ParseError

    from a2acli.cards.validate import v1_view

    if "supportedInterfaces" not in card and "supported_interfaces" not in card:
        return None
    view = {k: v for k, v in v1_view(card).items() if k != "signatures"}
    try:
        message = ParseDict(view, AgentCard(), ignore_unknown_fields=True)
    except (ParseError, ValueError, TypeError, AttributeError, RecursionError):
        return None
    out: JSONObject = MessageToDict(message)
    return out


def _is_default(value: JSONValue) -> bool:
    return value in (None, False, 0, "", [], {}) and value is not True


def _uncovered(whole: JSONValue, covered: JSONValue, at: str = "", depth: int = 0, limit: int = 12) -> list[str]:
    """JSON pointers of non-default values in `whole` that the canonical `covered` form leaves out."""
    out: list[str] = []
    if depth > 16:
        return out
    if isinstance(whole, dict):
        other = covered if isinstance(covered, dict) else {}
        for key, value in whole.items():
            if len(out) >= limit:
                break
            ptr = f"{at}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in other:
                if not _is_default(drop_empty(value)):
                    out.append(ptr.lstrip("/") if depth == 0 else ptr)
            else:
                out.extend(_uncovered(value, other[key], ptr, depth + 1, limit - len(out)))
    elif isinstance(whole, list) and isinstance(covered, list):
        for i, (value, mirror) in enumerate(zip(whole, covered, strict=False)):
            out.extend(_uncovered(value, mirror, f"{at}/{i}", depth + 1, limit - len(out)))
    return out[:limit]


def canonical_payloads(card: JSONObject) -> list[tuple[str, bytes, tuple[str, ...]]]:
    """(name, canonical bytes, top-level fields not covered) for each recognised canonical form."""
    forms: list[tuple[str, bytes, tuple[str, ...]]] = []
    whole = {k: v for k, v in card.items() if k != "signatures"}
    try:
        view = proto_view(card)
        if view is not None:
            missing = tuple(_uncovered(whole, drop_empty(view) or {}))
            forms.append(("the A2A 1.0 fields" if missing else "the whole card", canonical_bytes(view), missing))
    except Exception:  # canonicalisation of hostile content: fall through to the whole-card form
        pass
    try:
        payload = canonical_bytes(whole)
        if not forms or payload != forms[0][1]:
            forms.append(("the whole card", payload, ()))
        else:
            forms[0] = ("the whole card", payload, ())
    except Exception:
        pass
    return forms


# ---------------------------------------------------------------------------------------------------------- keys


_UNSUPPORTED_KEY = "unsupported key type (use an RSA, EC P-256/384/521 or Ed25519 key)"


def _text(obj: JSONValue, name: str) -> str | None:
    value = obj.get(name) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def _is_signing_public_key(key: object) -> TypeGuard[AllowedPublicKeys]:
    """Whether `key` is of a kind a card signature may use (the asymmetric kinds PyJWT verifies)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    kinds = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)
    return isinstance(key, kinds)


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, default ports filled in; None for anything else or a malformed URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return None
    return scheme, host, port if port is not None else (443 if scheme == "https" else 80)


def jku_distrust(jku: str, card_origin: str | None) -> str | None:
    """Why the keys at a signature's `jku` are not trusted for a card served from `card_origin` (None for a card
    read from a file or stdin); None when they are: the card's own origin, over https (or http on loopback, where
    the tool accepts plain http everywhere: the same process serves both)."""
    from a2acli.net import is_loopback_host

    hint = f"pass --jwks {jku} if you trust it"
    where = _origin(jku)
    if where is None:
        return f"its jku {jku!r} is not an http(s) URL"
    if card_origin is None:
        return f"the card was read locally, so its jku {jku} is a key the card names itself; {hint}"
    if where != _origin(card_origin):
        return f"its jku {jku} is not on the card's origin ({card_origin}): a key the card names itself; {hint}"
    if where[0] != "https" and not is_loopback_host(where[1]):
        return f"its jku {jku} is plain http; {hint}"
    return None


@dataclass
class KeySet:
    """Public keys by kid (None for a key without one), each with where it came from; `jku_sources` maps the
    source of keys fetched from a signature's `jku` to that URL (their trust depends on the card's origin)."""

    keys: list[tuple[str | None, AllowedPublicKeys, str]] = field(default_factory=list)
    jku_sources: dict[str, str] = field(default_factory=dict)

    def add_jku(self, doc: bytes, url: str) -> None:
        """The key set a signature's `jku` names (the bytes fetched from it)."""
        source = f"jku {url}"
        self.jku_sources[source] = url
        load_key_material(doc, source, self)

    def add_jwks(self, doc: JSONValue, source: str) -> None:
        import jwt

        entries = doc.get("keys") if isinstance(doc, dict) and "keys" in doc else [doc]
        if not isinstance(entries, list):
            raise UsageError(f"{source} is not a JWKS (no 'keys' list)")
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("kty") == "oct":
                continue  # symmetric keys are never accepted for card signatures
            try:
                jwk = jwt.PyJWK(entry)
            except Exception:
                continue
            kid = _text(entry, "kid")
            if _is_signing_public_key(jwk.key):
                self.keys.append((kid, jwk.key, source))

    def add_pem(self, data: bytes, source: str) -> None:
        from cryptography.hazmat.primitives import serialization

        try:
            key: object = serialization.load_pem_public_key(data)
        except ValueError:
            try:
                key = serialization.load_pem_private_key(data, password=None).public_key()
            except (ValueError, TypeError) as exc:
                raise UsageError(f"{source} holds no PEM public key: {exc}") from None
        if not _is_signing_public_key(key):
            raise UsageError(_UNSUPPORTED_KEY)
        self.keys.append((jwk_thumbprint(key), key, source))

    def candidates(self, kid: str | None) -> list[tuple[AllowedPublicKeys, str]]:
        if kid is not None:
            exact = [(k, s) for key_id, k, s in self.keys if key_id == kid]
            if exact:
                return exact
            return [(k, s) for key_id, k, s in self.keys if key_id is None]
        return [(k, s) for _, k, s in self.keys]


def load_key_material(data: bytes, source: str, into: KeySet | None = None) -> KeySet:
    """A JWKS, a single JWK or a PEM key from bytes (a `--jwks` file or URL body)."""
    keys = into or KeySet()
    stripped = data.lstrip()
    if stripped.startswith(b"-----BEGIN"):
        keys.add_pem(data, source)
        return keys
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise UsageError(f"{source} is neither a JWKS (JSON) nor a PEM key") from None
    keys.add_jwks(doc, source)
    return keys


def jwk_thumbprint(public_key: AllowedPublicKeys) -> str:
    """RFC 7638 SHA-256 thumbprint of a public key, base64url: a stable default `kid`."""
    jwk = json.loads(_public_jwk_json(public_key))
    required = {
        "RSA": ("e", "kty", "n"),
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
    }.get(jwk.get("kty", ""), tuple(sorted(jwk)))
    members = {k: jwk[k] for k in required if k in jwk}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return _b64url(digest)


def _public_jwk_json(public_key: AllowedPublicKeys) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
    from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

    if isinstance(public_key, rsa.RSAPublicKey):
        return str(RSAAlgorithm.to_jwk(public_key))
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return str(ECAlgorithm.to_jwk(public_key))
    if isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return str(OKPAlgorithm.to_jwk(public_key))
    raise UsageError(_UNSUPPORTED_KEY)


def public_jwks(key_pem: bytes, *, kid: str | None = None) -> JSONObject:
    """The JWKS an agent publishes (at its `jku`) for a private key."""
    private = _load_private(key_pem)
    public = private.public_key()
    jwk = json.loads(_public_jwk_json(public))
    jwk["kid"] = kid or jwk_thumbprint(public)
    jwk["use"] = "sig"
    jwk["alg"] = _default_alg(private)
    return {"keys": [jwk]}


# ------------------------------------------------------------------------------------------------------- verify


def _header(sig: JSONValue) -> tuple[JSONObject | None, str]:
    if not isinstance(sig, dict):
        return None, "signature entry is not an object"
    protected = sig.get("protected")
    if not isinstance(protected, str) or not protected or not isinstance(sig.get("signature"), str):
        return None, "signature entry lacks 'protected' or 'signature'"
    try:
        header = json.loads(_b64url_decode(protected))
    except (ValueError, UnicodeDecodeError):
        return None, "protected header is not base64url-encoded JSON"
    if not isinstance(header, dict):
        return None, "protected header is not a JSON object"
    return header, ""


def signature_headers(card: JSONObject) -> list[JSONObject | None]:
    """The decoded protected header of each signature (None where it does not decode), in order."""
    sigs = card.get("signatures")
    return [_header(sig)[0] for sig in sigs] if isinstance(sigs, list) else []


def verify_card(
    card: JSONObject,
    keys: KeySet,
    *,
    origin: str | None = None,
    algorithms: tuple[str, ...] = ASYMMETRIC_ALGORITHMS,
) -> list[SignatureCheck]:
    """One outcome per signature, or a single `absent` outcome. `origin`: where the card was served from
    (`scheme://host[:port]`, None for a file or stdin), which decides whether keys from a `jku` are trusted."""
    from jwt import api_jws
    from jwt.exceptions import InvalidSignatureError, PyJWTError

    sigs = card.get("signatures")
    if not isinstance(sigs, list) or not sigs:
        return [SignatureCheck(0, "absent")]
    payloads = canonical_payloads(card)
    results: list[SignatureCheck] = []
    for index, sig in enumerate(sigs):
        header, problem = _header(sig)
        if header is None:
            results.append(SignatureCheck(index, "unverifiable", problem))
            continue
        kid, alg, jku = _text(header, "kid"), _text(header, "alg"), _text(header, "jku")
        protected, signature = _text(sig, "protected"), _text(sig, "signature")  # both str: _header checked them
        if alg not in algorithms:
            why = (
                "symmetric or 'none' algorithm, never accepted for card signatures"
                if alg is None or alg.startswith("HS") or alg == "none"
                else f"algorithm {alg!r} is not supported"
            )
            results.append(SignatureCheck(index, "unverifiable", why, kid=kid, alg=alg, jku=jku))
            continue
        if header.get("crit") or header.get("b64") is False:
            results.append(
                SignatureCheck(index, "unverifiable", "unsupported JWS header parameters", kid=kid, alg=alg, jku=jku)
            )
            continue
        candidates = keys.candidates(kid)
        distrust = [d for _, source in candidates if (d := _distrusted(keys, source, origin))]
        candidates = [(k, source) for k, source in candidates if not _distrusted(keys, source, origin)]
        if not candidates:
            where = "no keys given (pass --jwks FILE|URL)" if not keys.keys else "no key with that kid"
            own = jku_distrust(jku, origin) if jku else None
            if distrust or own:
                where = f"not signed by a key you trust: {distrust[0] if distrust else own}"
            elif jku and not keys.keys:
                where = f"no key available (jku {jku} not fetched)"
            results.append(SignatureCheck(index, "unverifiable", where, kid=kid, alg=alg, jku=jku))
            continue
        outcome: SignatureCheck | None = None
        mismatched = False
        for key, source in candidates:
            for name, payload, missing in payloads:
                token = f"{protected}.{_b64url(payload)}.{signature}"
                try:
                    api_jws.decode_complete(token, key=key, algorithms=[alg])
                except InvalidSignatureError:
                    mismatched = True
                    continue
                except PyJWTError:
                    continue
                except (ValueError, TypeError):
                    continue
                outcome = SignatureCheck(
                    index,
                    "verified",
                    "",
                    key_source=source,
                    covers=name,
                    not_covered=missing,
                    kid=kid,
                    alg=alg,
                    jku=jku,
                )
                break
            if outcome is not None:
                break
        if outcome is None:
            if mismatched:
                outcome = SignatureCheck(
                    index,
                    "invalid",
                    "signature does not match the card (modified after signing, or signed with another key)",
                    kid=kid,
                    alg=alg,
                    jku=jku,
                )
            else:
                outcome = SignatureCheck(
                    index, "unverifiable", "no usable key for this algorithm", kid=kid, alg=alg, jku=jku
                )
        results.append(outcome)
    return results


def _distrusted(keys: KeySet, source: str, origin: str | None) -> str | None:
    url = keys.jku_sources.get(source)
    return None if url is None else jku_distrust(url, origin)


# --------------------------------------------------------------------------------------------------------- sign


def _load_private(key_pem: bytes) -> AllowedPrivateKeys:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        private = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot load the private key: {exc}", hint="a PEM private key without a password") from None
    if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise UsageError(_UNSUPPORTED_KEY)
    return private


def _default_alg(private: AllowedPrivateKeys) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(private, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}.get(private.curve.name, "ES256")
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise UsageError(_UNSUPPORTED_KEY)


def sign_card_dict(card: JSONObject, key_pem: bytes, *, kid: str | None = None, jku: str | None = None) -> JSONObject:
    """A copy of `card` with one more signature (existing ones kept). `kid` defaults to the key's RFC 7638
    thumbprint; the algorithm follows the key (RS256, ES256/384/512, EdDSA)."""
    from jwt import api_jws

    private = _load_private(key_pem)
    alg = _default_alg(private)
    header: JSONObject = {"alg": alg, "typ": "JOSE", "kid": kid or jwk_thumbprint(private.public_key())}
    if jku:
        header["jku"] = jku
    payloads = canonical_payloads(card)
    if not payloads:
        raise UsageError("the card cannot be canonicalised for signing (nesting too deep or invalid numbers)")
    payload = payloads[0][1]
    token = api_jws.encode(payload, private, algorithm=alg, headers=header)
    protected, _, signature = token.split(".")
    signed = dict(card)
    existing = card.get("signatures")
    signed["signatures"] = [
        *(existing if isinstance(existing, list) else []),
        {"protected": protected, "signature": signature},
    ]
    return signed
