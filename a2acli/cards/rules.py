"""Semantic rules beyond any schema. Each finding has a stable code (see `findings.RULES`), a JSON pointer and a hint.

Rules read the card defensively: any field may have any JSON type (wrong types are schema findings), so every
access checks its type first and a rule never raises on odd input.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlsplit

from a2acli.cards.findings import Findings, Severity, pointer
from a2acli.cards.required import FLOW_KINDS, SCHEME_KINDS, get
from a2acli.cards.versions import VERSION_RE, VersionInfo, major_minor
from a2acli.net import is_loopback_host
from a2acli.protocol import (
    CORE_BINDINGS,
    GRPC,
    HTTP_JSON,
    JSONRPC,
    KNOWN_VERSIONS,
    JSONObject,
    JSONValue,
    canonical_binding,
)

URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
MEDIA_TYPE_RE = re.compile(rf"^(?:\*/\*|{_TOKEN}/(?:\*|{_TOKEN}))(?:\s*;\s*[^;]+)*$")
MODE_HINTS = {
    "text": "text/plain",
    "txt": "text/plain",
    "json": "application/json",
    "data": "application/json",
    "file": "application/octet-stream",
    "image": "image/png (or image/*)",
    "audio": "audio/mpeg (or audio/*)",
    "video": "video/mp4 (or video/*)",
    "markdown": "text/markdown",
    "html": "text/html",
}
PLACEHOLDER_HOSTS = re.compile(
    r"(^|\.)(example\.(com|org|net)|your[-_]?(domain|host|server|agent|url)[^.]*|placeholder|changeme|todo)$", re.I
)
LEGACY_SCHEME_TYPES = {
    "apiKey": "apiKeySecurityScheme",
    "http": "httpAuthSecurityScheme",
    "oauth2": "oauth2SecurityScheme",
    "openIdConnect": "openIdConnectSecurityScheme",
    "mutualTLS": "mtlsSecurityScheme",
}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_CARD_BYTES_SANE = 256 * 1024
MAX_STRING = 16 * 1024
MAX_ITEMS = 200


def _each(value: JSONValue) -> list[tuple[int, JSONValue]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _dicts(value: JSONValue) -> list[tuple[int, JSONObject]]:
    return [(i, v) for i, v in _each(value) if isinstance(v, dict)]


# -------------------------------------------------------------------------------------------------------- URLs


def check_url(
    findings: Findings,
    value: JSONValue,
    at: str,
    what: str,
    *,
    schemes: tuple[str, ...] = ("http", "https"),
    optional: bool = False,
    tls_required: bool = False,
) -> None:
    """An absolute URL with one of `schemes`; https for non-loopback hosts (warning, or error if `tls_required`)."""
    if not isinstance(value, str):
        return
    if not value.strip():
        if optional:
            findings.add("AC092", at, f"{what} is an empty string", "omit the field instead of sending it empty")
        return  # an empty REQUIRED value is AC011
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        parts, host = None, ""
    if parts is not None and parts.scheme.lower() == "data" and "data" in schemes:
        return
    if parts is None or parts.scheme.lower() not in schemes or not host:
        shown = value if len(value) <= 80 else value[:77] + "..."
        findings.add(
            "AC020",
            at,
            f"{what} is not an absolute {'/'.join(schemes)} URL: {shown!r}",
            "use an absolute URL such as https://agent.example.com/a2a",
        )
        return
    if parts.username is not None or parts.password is not None:
        findings.add(
            "AC022", at, f"{what} embeds credentials in the URL", "remove user:password@ — cards are public documents"
        )
    if host == "0.0.0.0" or host == "::":
        findings.add(
            "AC023",
            at,
            f"{what} uses the bind-all address {host}, which clients cannot connect to",
            "publish the host name clients use (set the public URL of the server)",
        )
    elif PLACEHOLDER_HOSTS.search(host):
        findings.add("AC023", at, f"{what} points at a placeholder host {host!r}", "publish the agent's real address")
    if parts.scheme.lower() == "http" and not is_loopback_host(host):
        findings.add(
            "AC021",
            at,
            f"{what} uses plain http for the non-loopback host {host!r}",
            "serve it over https (A2A requires TLS in production)",
            severity=Severity.error if tls_required else None,
        )


def check_loopback_from_remote(card: JSONObject, findings: Findings, source: str | None) -> None:
    """A card fetched from a remote host whose interfaces point at loopback: remote clients cannot use them."""
    try:
        origin_host = urlsplit(source or "").hostname if (source or "").startswith(("http://", "https://")) else None
    except ValueError:
        origin_host = None
    if not origin_host or is_loopback_host(origin_host):
        return
    places: list[tuple[str, JSONValue]] = [
        (pointer("supportedInterfaces", i, "url"), iface.get("url"))
        for i, iface in _dicts(get(card, "supportedInterfaces"))
    ]
    places.append((pointer("url"), card.get("url")))
    places += [
        (pointer("additionalInterfaces", i, "url"), x.get("url")) for i, x in _dicts(card.get("additionalInterfaces"))
    ]
    for at, url in places:
        if not isinstance(url, str):
            continue
        try:
            host = urlsplit(url.strip()).hostname or ""
        except ValueError:
            continue
        if host and (is_loopback_host(host) or host in ("0.0.0.0", "::")):
            findings.add(
                "AC024",
                at,
                f"the card is served from {origin_host} but this interface points at {host}: "
                "clients elsewhere cannot reach it",
                "advertise the public address (e.g. a2a serve --public-url)",
            )


# -------------------------------------------------------------------------------------------- bindings/versions


def check_binding(findings: Findings, value: JSONValue, at: str) -> str | None:
    """Returns the canonical core binding name, or None (custom or unknown)."""
    if not isinstance(value, str) or not value.strip():
        return None
    if value in CORE_BINDINGS:
        return value
    alias = canonical_binding(value)
    if alias is not None:
        findings.add(
            "AC030",
            at,
            f"protocol binding {value!r} is not a core binding name; clients match {alias!r} exactly",
            f"use {alias!r}",
        )
        return None
    if URI_RE.match(value):
        return None  # a custom binding identified by a URI (A2A §5.8)
    findings.add(
        "AC030",
        at,
        f"protocol binding {value!r} is neither a core binding (JSONRPC, HTTP+JSON, GRPC) nor a URI",
        "use a core binding name, or identify a custom binding by a URI (A2A §5.8)",
    )
    return None


def check_protocol_version(findings: Findings, value: JSONValue, at: str) -> None:
    if not isinstance(value, str) or not value.strip():
        return
    if not VERSION_RE.match(value):
        findings.add(
            "AC031",
            at,
            f"protocol version {value!r} is not Major.Minor or Major.Minor.Patch",
            'write it like "1.0" (or "0.3.0" for 0.3 cards)',
        )
        return
    if major_minor(value) not in KNOWN_VERSIONS:
        findings.add(
            "AC032", at, f"protocol version {value!r} is not one this tool knows (0.2, 0.3, 1.0)", "check the value"
        )


def _interface_url(findings: Findings, url: JSONValue, binding: str | None, raw_binding: JSONValue, at: str) -> None:
    if binding in (JSONRPC, HTTP_JSON):
        check_url(findings, url, at, "interface URL")
    elif binding == GRPC:
        if isinstance(url, str) and url.strip() and "://" not in url:
            # gRPC targets are often written host:port
            check_url(findings, "https://" + url.strip(), at, "gRPC interface target")
        else:
            check_url(findings, url, at, "interface URL", schemes=("http", "https", "grpc", "grpcs"))
    elif isinstance(url, str) and url.strip() and not URI_RE.match(url.strip()):
        findings.add("AC020", at, f"interface URL {url!r} is not an absolute URI", "use an absolute URI")


def _usable(url: JSONValue, binding: str | None) -> bool:
    return binding in CORE_BINDINGS and isinstance(url, str) and url.strip() != ""


def check_interfaces_v1(card: JSONObject, findings: Findings) -> None:
    interfaces = get(card, "supportedInterfaces")
    seen: set[tuple[str, str, str, str]] = set()
    usable = False
    entries = _dicts(interfaces)
    for i, iface in entries:
        at = pointer("supportedInterfaces", i)
        raw_binding = get(iface, "protocolBinding")
        binding = check_binding(findings, raw_binding, at + pointer("protocolBinding"))
        url = iface.get("url")
        _interface_url(findings, url, binding, raw_binding, at + pointer("url"))
        check_protocol_version(findings, get(iface, "protocolVersion"), at + pointer("protocolVersion"))
        usable = usable or _usable(url, binding)
        key = (str(url), str(raw_binding), str(get(iface, "protocolVersion")), str(iface.get("tenant", "")))
        if key in seen:
            findings.add("AC033", at, "this interface repeats an earlier entry", "remove the duplicate")
        seen.add(key)
    if entries and not usable:
        findings.add(
            "AC034",
            pointer("supportedInterfaces"),
            "no interface uses a core binding (JSONRPC, HTTP+JSON, GRPC) with a URL; generic clients cannot connect",
            "add an entry with a core protocolBinding",
            severity=Severity.warning,
        )


def check_interfaces_legacy(card: JSONObject, findings: Findings, info: VersionInfo) -> None:
    preferred = card.get("preferredTransport")
    binding = check_binding(findings, preferred, pointer("preferredTransport")) if preferred is not None else JSONRPC
    _interface_url(findings, card.get("url"), binding, preferred, pointer("url"))
    version = card.get("protocolVersion")
    check_protocol_version(findings, version, pointer("protocolVersion"))
    for i, iface in _dicts(card.get("additionalInterfaces")):
        at = pointer("additionalInterfaces", i)
        b = check_binding(findings, iface.get("transport"), at + pointer("transport"))
        _interface_url(findings, iface.get("url"), b, iface.get("transport"), at + pointer("url"))
    mm = major_minor(version)
    if info.kind in ("0.3", "0.2") and mm is not None and not mm.startswith("0."):
        findings.add(
            "AC072",
            pointer("protocolVersion"),
            f"the card declares protocolVersion {version!r} but uses the 0.3 layout (url/preferredTransport); "
            "1.0 clients look for supportedInterfaces",
            "add supportedInterfaces (A2A 1.0 §8.3), or declare the version the card's layout is written for",
        )


# ------------------------------------------------------------------------------------------------------ skills


def check_modes(findings: Findings, value: JSONValue, at: str) -> None:
    seen: set[str] = set()
    for i, mode in _each(value):
        if not isinstance(mode, str):
            continue
        where = at + pointer(i)
        if not MEDIA_TYPE_RE.match(mode.strip()) or mode != mode.strip():
            hint = MODE_HINTS.get(mode.strip().lower())
            findings.add(
                "AC050",
                where,
                f"{mode!r} is not a media type (type/subtype)",
                f"use {hint!r}" if hint else "use a media type such as text/plain or application/json",
            )
            continue
        key = mode.lower()
        if key in seen:
            findings.add("AC051", where, f"media type {mode!r} is listed twice", "remove the duplicate")
        seen.add(key)


def check_skills(card: JSONObject, findings: Findings) -> None:
    check_modes(findings, get(card, "defaultInputModes"), pointer("defaultInputModes"))
    check_modes(findings, get(card, "defaultOutputModes"), pointer("defaultOutputModes"))
    first_at: dict[str, int] = {}
    for i, skill in _dicts(get(card, "skills")):
        at = pointer("skills", i)
        sid = skill.get("id")
        if isinstance(sid, str) and sid.strip():
            if sid in first_at:
                findings.add(
                    "AC040",
                    at + pointer("id"),
                    f"skill id {sid!r} is already used by skills/{first_at[sid]}",
                    "give every skill a unique id",
                )
            else:
                first_at[sid] = i
        for name in ("tags", "examples"):
            for j, item in _each(skill.get(name)):
                if isinstance(item, str) and not item.strip():
                    findings.add("AC041", at + pointer(name, j), f"empty {name[:-1]}", "remove it")
        check_modes(findings, get(skill, "inputModes"), at + pointer("inputModes"))
        check_modes(findings, get(skill, "outputModes"), at + pointer("outputModes"))


# ---------------------------------------------------------------------------------------------------- security


def _requirement_names_v1(req: JSONValue) -> list[str]:
    schemes = req.get("schemes") if isinstance(req, dict) else None
    return [str(k) for k in schemes] if isinstance(schemes, dict) else []


def _requirement_names_legacy(req: JSONValue) -> list[str]:
    return [str(k) for k in req] if isinstance(req, dict) else []


def check_security(card: JSONObject, findings: Findings, view: str) -> None:
    """`view` is "1.0" or "0.3": which requirement and scheme shapes to read."""
    schemes = get(card, "securitySchemes")
    declared = set(schemes) if isinstance(schemes, dict) else set()
    used: set[str] = set()
    req_field = "securityRequirements" if view == "1.0" else "security"
    names_of = _requirement_names_v1 if view == "1.0" else _requirement_names_legacy
    places: list[tuple[str, JSONValue]] = [(pointer(req_field), get(card, req_field))]
    for i, skill in _dicts(get(card, "skills")):
        places.append((pointer("skills", i, req_field), get(skill, req_field)))
    for at, reqs in places:
        for j, req in _each(reqs):
            for name in names_of(req):
                used.add(name)
                if name not in declared:
                    sub = ("schemes", name) if view == "1.0" else (name,)
                    findings.add(
                        "AC060",
                        at + pointer(j, *sub),
                        f"security requirement names {name!r}, which securitySchemes does not declare",
                        f"declare {name!r} in securitySchemes, or fix the name"
                        + (f" (declared: {', '.join(sorted(declared))})" if declared else ""),
                    )
    if not isinstance(schemes, dict):
        return
    for name, scheme in schemes.items():
        at = pointer("securitySchemes", name)
        if not isinstance(scheme, dict):
            continue
        if view == "1.0":
            _check_scheme_v1(findings, scheme, at)
        else:
            _check_scheme_legacy(findings, scheme, at)
        if name not in used and (get(card, req_field) is not None or view == "1.0"):
            findings.add(
                "AC063",
                at,
                f"security scheme {name!r} is declared but no security requirement uses it",
                f"reference it from {req_field} if clients need it",
            )


def _api_key_location(findings: Findings, value: JSONValue, at: str) -> None:
    if isinstance(value, str) and value not in ("query", "header", "cookie"):
        findings.add(
            "AC062", at, f"API key location {value!r} is not query, header or cookie", "use query, header or cookie"
        )


def _check_flows(findings: Findings, flows: JSONValue, at: str, legacy: bool) -> None:
    if not isinstance(flows, dict):
        return
    present = [k for k in FLOW_KINDS if get(flows, k) is not None]
    if not legacy and len(present) != 1:
        findings.add(
            "AC061",
            at,
            f"OAuthFlows is a oneof: it must hold exactly one flow, found {len(present)}"
            + (f" ({', '.join(present)})" if present else ""),
            "declare one flow per OAuth2 scheme (declare several schemes for several flows)",
        )
    for kind in present:
        flow = get(flows, kind)
        where = at + pointer(kind)
        if kind in ("implicit", "password"):
            findings.add(
                "AC064",
                where,
                f"the {kind} OAuth flow is deprecated in A2A 1.0",
                "use authorizationCode with PKCE, or deviceCode",
            )
        if isinstance(flow, dict):
            for url_field in ("authorizationUrl", "tokenUrl", "refreshUrl", "deviceAuthorizationUrl"):
                if get(flow, url_field) is not None:
                    check_url(findings, get(flow, url_field), where + pointer(url_field), url_field, optional=True)


def _check_scheme_v1(findings: Findings, scheme: JSONObject, at: str) -> None:
    kinds = [k for k in SCHEME_KINDS if get(scheme, k) is not None]
    if len(kinds) != 1:
        legacy_type = scheme.get("type")
        hint = (
            f"wrap it as {{{LEGACY_SCHEME_TYPES[legacy_type]!r}: {{...}}}} (the 0.3 'type' shape is not 1.0)"
            if isinstance(legacy_type, str) and legacy_type in LEGACY_SCHEME_TYPES
            else "use exactly one of " + ", ".join(SCHEME_KINDS)
        )
        findings.add(
            "AC061",
            at,
            f"a 1.0 SecurityScheme holds exactly one of {len(SCHEME_KINDS)} kinds, found {len(kinds)}",
            hint,
        )
        return
    kind = kinds[0]
    body = get(scheme, kind)
    if not isinstance(body, dict):
        return
    where = at + pointer(kind)
    if kind == "apiKeySecurityScheme":
        _api_key_location(findings, body.get("location"), where + pointer("location"))
    elif kind == "oauth2SecurityScheme":
        _check_flows(findings, body.get("flows"), where + pointer("flows"), legacy=False)
        if get(body, "oauth2MetadataUrl") is not None:
            check_url(
                findings,
                get(body, "oauth2MetadataUrl"),
                where + pointer("oauth2MetadataUrl"),
                "OAuth2 metadata URL",
                optional=True,
                tls_required=True,
            )
    elif kind == "openIdConnectSecurityScheme":
        check_url(findings, get(body, "openIdConnectUrl"), where + pointer("openIdConnectUrl"), "OpenID Connect URL")


def _check_scheme_legacy(findings: Findings, scheme: JSONObject, at: str) -> None:
    kind = scheme.get("type")
    if not isinstance(kind, str) or kind not in LEGACY_SCHEME_TYPES:
        message = (
            "security scheme has no 'type' (0.3 clients need it)"
            if kind is None
            else f"security scheme type {kind!r} is not one of {', '.join(LEGACY_SCHEME_TYPES)}"
        )
        findings.add("AC061", at + pointer("type"), message, "use apiKey, http, oauth2, openIdConnect or mutualTLS")
        return
    if kind == "apiKey":
        _api_key_location(findings, scheme.get("in"), at + pointer("in"))
    elif kind == "oauth2":
        _check_flows(findings, scheme.get("flows"), at + pointer("flows"), legacy=True)
    elif kind == "openIdConnect":
        check_url(findings, scheme.get("openIdConnectUrl"), at + pointer("openIdConnectUrl"), "OpenID Connect URL")


# ------------------------------------------------------------------------------------------------------- hybrid


def _scopes_v1(req: JSONValue) -> frozenset[tuple[str, tuple[str, ...]]]:
    schemes = req.get("schemes") if isinstance(req, dict) else None
    out = []
    if isinstance(schemes, dict):
        for name, value in schemes.items():
            scopes = value.get("list") if isinstance(value, dict) else None
            out.append((str(name), tuple(sorted(str(s) for s in scopes)) if isinstance(scopes, list) else ()))
    return frozenset(out)


def _scopes_legacy(req: JSONValue) -> frozenset[tuple[str, tuple[str, ...]]]:
    out = []
    if isinstance(req, dict):
        for name, scopes in req.items():
            out.append((str(name), tuple(sorted(str(s) for s in scopes)) if isinstance(scopes, list) else ()))
    return frozenset(out)


def _plain(value: JSONValue) -> JSONValue:
    """An enum member (the SDK's compat dicts hold some before JSON encoding) as its value."""
    from enum import Enum

    return value.value if isinstance(value, Enum) else value


def _same_requirements(v1: JSONValue, legacy: JSONValue) -> bool:
    a = {_scopes_v1(r) for r in v1} if isinstance(v1, list) else set()
    b = {_scopes_legacy(r) for r in legacy} if isinstance(legacy, list) else set()
    return a == b


def check_hybrid(card: JSONObject, findings: Findings) -> None:
    """A hybrid card's 0.3 fields and 1.0 fields must describe the same agent."""
    interfaces = [iface for _, iface in _dicts(get(card, "supportedInterfaces"))]
    by_url: dict[str, list[JSONObject]] = {}
    for iface in interfaces:
        iface_url = iface.get("url")
        if isinstance(iface_url, str):
            by_url.setdefault(iface_url.rstrip("/"), []).append(iface)
    url = card.get("url")
    preferred = card.get("preferredTransport", JSONRPC)
    version = card.get("protocolVersion")
    if isinstance(url, str) and url.strip():
        matches = by_url.get(url.rstrip("/"), [])
        if not matches:
            findings.add(
                "AC070",
                pointer("url"),
                f"the 0.3 url {url!r} is not among the supportedInterfaces URLs",
                "0.3 clients and 1.0 clients would talk to different endpoints; list it in supportedInterfaces",
            )
        else:
            bindings = {str(get(m, "protocolBinding")) for m in matches}
            if isinstance(preferred, str) and preferred not in bindings:
                findings.add(
                    "AC070",
                    pointer("preferredTransport"),
                    f"preferredTransport {preferred!r} differs from the binding supportedInterfaces gives for {url!r}"
                    f" ({', '.join(sorted(bindings))})",
                    "make both views name the same binding for that URL",
                )
            versions = {major_minor(get(m, "protocolVersion")) for m in matches}
            mm = major_minor(version)
            if mm is not None and mm not in versions:
                findings.add(
                    "AC070",
                    pointer("protocolVersion"),
                    f"0.3 clients will speak {version} at {url!r}, which supportedInterfaces declares as "
                    f"{', '.join(sorted(v for v in versions if v))}",
                    f"add a supportedInterfaces entry with protocolVersion {mm!r} for that URL if it serves {mm}",
                    severity=Severity.warning,
                )
    for i, extra in _dicts(card.get("additionalInterfaces")):
        extra_url = extra.get("url")
        if not isinstance(extra_url, str):
            continue
        bindings = {str(get(m, "protocolBinding")) for m in by_url.get(extra_url.rstrip("/"), [])}
        if not bindings or (isinstance(extra.get("transport"), str) and extra["transport"] not in bindings):
            findings.add(
                "AC070",
                pointer("additionalInterfaces", i),
                f"additionalInterfaces entry {extra_url!r} ({extra.get('transport')}) has no matching "
                "supportedInterfaces entry",
                "list the same interfaces in both views",
            )
    legacy_ext = card.get("supportsAuthenticatedExtendedCard")
    caps = get(card, "capabilities")
    v1_ext = get(caps, "extendedAgentCard") if isinstance(caps, dict) else None
    if isinstance(legacy_ext, bool) and bool(legacy_ext) != bool(v1_ext):
        findings.add(
            "AC070",
            pointer("supportsAuthenticatedExtendedCard"),
            f"supportsAuthenticatedExtendedCard is {str(legacy_ext).lower()} but capabilities.extendedAgentCard is "
            f"{str(bool(v1_ext)).lower()}",
            "set both to the same value",
        )
    places = [("", card)] + [(pointer("skills", i), s) for i, s in _dicts(get(card, "skills"))]
    for at, obj in places:
        legacy_sec = obj.get("security")
        if legacy_sec is None:
            continue
        v1_sec = get(obj, "securityRequirements")
        if not _same_requirements(v1_sec, legacy_sec):
            findings.add(
                "AC070",
                at + pointer("security"),
                "security (0.3) and securityRequirements (1.0) require different schemes or scopes",
                "make securityRequirements say what security says",
            )
    schemes = get(card, "securitySchemes")
    if isinstance(schemes, dict):
        for name, scheme in schemes.items():
            if not isinstance(scheme, dict) or "type" not in scheme:
                continue
            expected = LEGACY_SCHEME_TYPES.get(str(scheme.get("type")))
            kinds = [k for k in SCHEME_KINDS if get(scheme, k) is not None]
            if expected and kinds and expected not in kinds:
                findings.add(
                    "AC070",
                    pointer("securitySchemes", name),
                    f"security scheme {name!r} is {scheme.get('type')!r} in the 0.3 view "
                    f"but {kinds[0]} in the 1.0 view",
                    "describe the same scheme in both views",
                )
            body = get(scheme, expected) if expected else None
            if isinstance(body, dict):
                pairs = {"http": (("scheme", "scheme"),), "apiKey": (("in", "location"), ("name", "name"))}
                for legacy_key, v1_key in pairs.get(str(scheme.get("type")), ()):
                    a, b = _plain(scheme.get(legacy_key)), _plain(body.get(v1_key))
                    if a is not None and b is not None and str(a).lower() != str(b).lower():
                        findings.add(
                            "AC070",
                            pointer("securitySchemes", name, legacy_key),
                            f"security scheme {name!r}: {legacy_key}={a!r} (0.3) but {v1_key}={b!r} (1.0)",
                            "describe the same scheme in both views",
                        )


# ------------------------------------------------------------------------------------------------ cross-version


def check_legacy_fields_in_v1(card: JSONObject, findings: Findings) -> None:
    renames = {
        "security": "securityRequirements",
        "supportsAuthenticatedExtendedCard": "capabilities.extendedAgentCard",
        "protocolVersion": "supportedInterfaces[].protocolVersion",
    }
    for legacy, modern in renames.items():
        if legacy in card:
            findings.add(
                "AC071",
                pointer(legacy),
                f"{legacy!r} is a 0.3 field; A2A 1.0 clients ignore it",
                f"use {modern!r} (keep {legacy!r} only if 0.3 clients must read it)",
            )
    for i, skill in _dicts(get(card, "skills")):
        if "security" in skill:
            findings.add(
                "AC071",
                pointer("skills", i, "security"),
                "'security' is a 0.3 skill field; A2A 1.0 clients ignore it",
                "use 'securityRequirements'",
            )


def check_common(card: JSONObject, findings: Findings, info: VersionInfo) -> None:
    provider = get(card, "provider")
    if isinstance(provider, dict):
        check_url(findings, provider.get("url"), pointer("provider", "url"), "provider URL")
    check_url(findings, get(card, "documentationUrl"), pointer("documentationUrl"), "documentationUrl", optional=True)
    check_url(
        findings, get(card, "iconUrl"), pointer("iconUrl"), "iconUrl", optional=True, schemes=("http", "https", "data")
    )
    caps = get(card, "capabilities")
    if isinstance(caps, dict):
        if "stateTransitionHistory" in caps and info.kind in ("1.0", "hybrid"):
            findings.add(
                "AC074",
                pointer("capabilities", "stateTransitionHistory"),
                "capabilities.stateTransitionHistory was removed in A2A 1.0",
                "remove it",
            )
        ext_seen: set[str] = set()
        for i, ext in _dicts(caps.get("extensions")):
            uri = ext.get("uri")
            at = pointer("capabilities", "extensions", i, "uri")
            if isinstance(uri, str):
                if not URI_RE.match(uri):
                    findings.add("AC090", at, f"extension {uri!r} is not identified by a URI", "use the extension URI")
                elif uri in ext_seen:
                    findings.add("AC090", at, f"extension {uri!r} is declared twice", "remove the duplicate")
                ext_seen.add(uri)
        extended = get(caps, "extendedAgentCard")
        if extended is None:
            extended = card.get("supportsAuthenticatedExtendedCard")
        schemes = get(card, "securitySchemes")
        if extended is True and not (isinstance(schemes, dict) and schemes):
            findings.add(
                "AC091",
                pointer("capabilities", "extendedAgentCard"),
                "an authenticated extended card is advertised but no security scheme is declared",
                "declare the scheme clients must use to fetch the extended card",
            )
    if "authentication" in card:
        findings.add(
            "AC074", pointer("authentication"), "'authentication' is a pre-0.2 field", "use securitySchemes instead"
        )
    for i, sig in _dicts(get(card, "signatures")):
        check_signature_shape(findings, sig, pointer("signatures", i))


def check_signature_shape(findings: Findings, sig: JSONObject, at: str) -> None:
    protected = sig.get("protected")
    if not isinstance(protected, str) or not protected:
        return
    try:
        padded = protected + "=" * (-len(protected) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError):
        findings.add(
            "AC093", at + pointer("protected"), "protected header is not base64url-encoded JSON", "re-sign the card"
        )
        return
    if not isinstance(header, dict):
        findings.add("AC093", at + pointer("protected"), "protected header is not a JSON object", "re-sign the card")
        return
    if not isinstance(header.get("alg"), str) or header.get("alg") in ("", "none"):
        findings.add("AC093", at + pointer("protected"), "protected header has no usable 'alg'", "re-sign the card")
    if not isinstance(header.get("kid"), str):
        findings.add(
            "AC093",
            at + pointer("protected"),
            "protected header has no 'kid' (A2A §8.4.2 requires it)",
            "sign with a key id (a2a card sign --kid)",
            severity=Severity.warning,
        )


# --------------------------------------------------------------------------------------------------- hygiene


def check_hygiene(card: JSONObject, findings: Findings, raw_size: int | None) -> None:
    if raw_size is not None and raw_size > MAX_CARD_BYTES_SANE:
        findings.add(
            "AC080",
            "",
            f"the card is {raw_size} bytes; cards over {MAX_CARD_BYTES_SANE // 1024} KiB are slow to fetch and parse",
            "move long content to documentationUrl",
        )
    budget = [20000]  # bound the walk on hostile input

    def walk(value: JSONValue, at: str) -> None:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                findings.add("AC081", at, f"string of {len(value)} characters", "shorten it")
            if _CONTROL.search(value) or "\x1b" in value:
                findings.add(
                    "AC082",
                    at,
                    "string holds control characters or terminal escape sequences (shown stripped by a2a)",
                    "remove them: they can rewrite a user's terminal in other tools",
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, at + pointer(key))
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                findings.add("AC083", at, f"list of {len(value)} items", "keep cards small")
            for i, item in enumerate(value):
                walk(item, at + pointer(i))

    walk(card, "")


def check_snake_case(card: JSONValue, findings: Findings, names: frozenset[str]) -> None:
    budget = [5000]

    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(p[:1].upper() + p[1:] for p in rest)

    def walk(value: JSONValue, at: str, depth: int) -> None:
        if budget[0] <= 0 or depth > 8:
            return
        budget[0] -= 1
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and "_" in key and camel(key) in names:
                    findings.add(
                        "AC004",
                        at + pointer(key),
                        f"{key!r} is the proto field name; the JSON name is {camel(key)!r}",
                        f"rename it to {camel(key)!r} (A2A §5.5: JSON uses camelCase)",
                    )
                if at.startswith(("/securitySchemes/", "/capabilities/extensions")) and key in ("params", "scopes"):
                    continue
                walk(item, at + pointer(key), depth + 1)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, at + pointer(i), depth + 1)

    walk(card, "", 0)
