"""A version-independent summary of a card (1.0, 0.3, hybrid, 0.2) for renderers. Pure; tolerant of any shape.

Values are kept as the card gives them, converted to text where the card used a wrong type; the renderers
sanitise every string before it reaches a terminal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from a2acli.cards.required import SCHEME_KINDS, get
from a2acli.cards.versions import VersionInfo, detect_version
from a2acli.protocol import JSONRPC, JSONObject, JSONValue


def text(value: JSONValue) -> str:
    """Any JSON value as a short single string ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        out = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        out = str(value)
    return out if len(out) <= 200 else out[:197] + "..."


def _strs(value: JSONValue) -> list[str]:
    if isinstance(value, list):
        return [text(v) for v in value]
    return [] if value is None else [text(value)]


def _flag(value: JSONValue) -> bool | None:
    return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class InterfaceView:
    url: str
    binding: str
    protocol_version: str
    tenant: str = ""


@dataclass(frozen=True)
class SchemeView:
    name: str
    kind: str
    detail: str
    description: str = ""


@dataclass(frozen=True)
class SkillView:
    id: str
    name: str
    description: str
    tags: list[str]
    examples: list[str]
    input_modes: list[str]
    output_modes: list[str]


@dataclass(frozen=True)
class CardView:
    version: VersionInfo
    name: str
    description: str
    agent_version: str
    provider: str
    provider_url: str
    documentation_url: str
    icon_url: str
    interfaces: list[InterfaceView]
    streaming: bool | None
    push_notifications: bool | None
    extended_card: bool | None
    extensions: list[tuple[str, bool]]
    schemes: list[SchemeView]
    requirements: list[list[tuple[str, list[str]]]]
    input_modes: list[str]
    output_modes: list[str]
    skills: list[SkillView]
    signatures: int = 0
    extra: JSONObject = field(default_factory=dict)


def _interfaces(card: JSONObject, info: VersionInfo) -> list[InterfaceView]:
    out: list[InterfaceView] = []
    ifaces = get(card, "supportedInterfaces")
    if isinstance(ifaces, list):
        for entry in ifaces:
            if isinstance(entry, dict):
                out.append(
                    InterfaceView(
                        text(entry.get("url")),
                        text(get(entry, "protocolBinding")),
                        text(get(entry, "protocolVersion")),
                        text(entry.get("tenant")),
                    )
                )
    if info.kind in ("0.3", "0.2") or (not out and "url" in card):
        version = text(card.get("protocolVersion")) or ("0.2" if info.kind == "0.2" else "0.3")
        preferred = text(card.get("preferredTransport")) or JSONRPC
        seen = set()
        if "url" in card:
            out.append(InterfaceView(text(card.get("url")), preferred, version))
            seen.add((text(card.get("url")), preferred))
        extra = card.get("additionalInterfaces")
        if isinstance(extra, list):
            for entry in extra:
                if isinstance(entry, dict):
                    key = (text(entry.get("url")), text(entry.get("transport")))
                    if key not in seen:
                        seen.add(key)
                        out.append(InterfaceView(key[0], key[1], version))
    return out


def _scheme(name: str, scheme: JSONValue) -> SchemeView:
    if not isinstance(scheme, dict):
        return SchemeView(name, "?", text(scheme))
    for kind in SCHEME_KINDS:
        body = get(scheme, kind)
        if isinstance(body, dict):
            desc = text(body.get("description"))
            if kind == "httpAuthSecurityScheme":
                fmt = text(get(body, "bearerFormat"))
                return SchemeView(name, "http", text(body.get("scheme")) + (f" ({fmt})" if fmt else ""), desc)
            if kind == "apiKeySecurityScheme":
                return SchemeView(name, "apiKey", f"{text(body.get('name'))} in {text(body.get('location'))}", desc)
            if kind == "oauth2SecurityScheme":
                flows = body.get("flows")
                names = ", ".join(flows) if isinstance(flows, dict) else ""
                return SchemeView(name, "oauth2", names, desc)
            if kind == "openIdConnectSecurityScheme":
                return SchemeView(name, "openIdConnect", text(get(body, "openIdConnectUrl")), desc)
            return SchemeView(name, "mutualTLS", "", desc)
    kind_name = text(scheme.get("type")) or "?"
    desc = text(scheme.get("description"))
    if kind_name == "http":
        fmt = text(scheme.get("bearerFormat"))
        return SchemeView(name, "http", text(scheme.get("scheme")) + (f" ({fmt})" if fmt else ""), desc)
    if kind_name == "apiKey":
        return SchemeView(name, "apiKey", f"{text(scheme.get('name'))} in {text(scheme.get('in'))}", desc)
    if kind_name == "oauth2":
        flows = scheme.get("flows")
        return SchemeView(name, "oauth2", ", ".join(flows) if isinstance(flows, dict) else "", desc)
    if kind_name == "openIdConnect":
        return SchemeView(name, "openIdConnect", text(scheme.get("openIdConnectUrl")), desc)
    return SchemeView(name, kind_name, "", desc)


def _requirements(card: JSONObject) -> list[list[tuple[str, list[str]]]]:
    out: list[list[tuple[str, list[str]]]] = []
    reqs = get(card, "securityRequirements")
    if isinstance(reqs, list):
        for req in reqs:
            schemes = req.get("schemes") if isinstance(req, dict) else None
            if isinstance(schemes, dict):
                out.append([(text(k), _strs(v.get("list")) if isinstance(v, dict) else []) for k, v in schemes.items()])
        return out
    legacy = card.get("security")
    if isinstance(legacy, list):
        for req in legacy:
            if isinstance(req, dict):
                out.append([(text(k), _strs(v)) for k, v in req.items()])
    return out


def card_view(card: JSONObject) -> CardView:
    info = detect_version(card)
    provider = get(card, "provider")
    caps = get(card, "capabilities")
    caps = caps if isinstance(caps, dict) else {}
    extended = _flag(get(caps, "extendedAgentCard"))
    if extended is None:
        extended = _flag(card.get("supportsAuthenticatedExtendedCard"))
    extensions: list[tuple[str, bool]] = []
    declared = caps.get("extensions")
    if isinstance(declared, list):
        for ext in declared:
            if isinstance(ext, dict):
                extensions.append((text(ext.get("uri")), ext.get("required") is True))
    schemes = get(card, "securitySchemes")
    skills: list[SkillView] = []
    raw_skills = get(card, "skills")
    if isinstance(raw_skills, list):
        for skill in raw_skills:
            if isinstance(skill, dict):
                skills.append(
                    SkillView(
                        text(skill.get("id")),
                        text(skill.get("name")),
                        text(skill.get("description")),
                        _strs(skill.get("tags")),
                        _strs(skill.get("examples")),
                        _strs(get(skill, "inputModes")),
                        _strs(get(skill, "outputModes")),
                    )
                )
    sigs = get(card, "signatures")
    return CardView(
        version=info,
        name=text(card.get("name")),
        description=text(card.get("description")),
        agent_version=text(card.get("version")),
        provider=text(provider.get("organization")) if isinstance(provider, dict) else text(provider),
        provider_url=text(provider.get("url")) if isinstance(provider, dict) else "",
        documentation_url=text(get(card, "documentationUrl")),
        icon_url=text(get(card, "iconUrl")),
        interfaces=_interfaces(card, info),
        streaming=_flag(caps.get("streaming")),
        push_notifications=_flag(get(caps, "pushNotifications")),
        extended_card=extended,
        extensions=extensions,
        schemes=[_scheme(text(k), v) for k, v in schemes.items()] if isinstance(schemes, dict) else [],
        requirements=_requirements(card),
        input_modes=_strs(get(card, "defaultInputModes")),
        output_modes=_strs(get(card, "defaultOutputModes")),
        skills=skills,
        signatures=len(sigs) if isinstance(sigs, list) else 0,
    )


def versions_spoken(view: CardView) -> str:
    """'1.0, 0.3' — the protocol versions the card's interfaces speak, by major.minor, in card order."""
    from a2acli.cards.versions import major_minor

    seen: list[str] = []
    for iface in view.interfaces:
        mm = major_minor(iface.protocol_version) or iface.protocol_version
        if mm and mm not in seen:
            seen.append(mm)
    return ", ".join(seen)
