"""The proto's REQUIRED fields (`a2a-v1.0.1.proto`, `google.api.field_behavior = REQUIRED`), which the generated
1.0 JSON Schema does not enforce. A2A §5.7: a REQUIRED field MUST be present and set, and a REQUIRED array MUST
hold at least one element. Proto JSON parsers also accept the proto (snake_case) name, so either spelling counts
as present (the snake_case spelling is reported separately as AC004).
"""

from __future__ import annotations

import re

from a2acli.cards.findings import Findings, pointer
from a2acli.protocol import JSONObject, JSONValue

# message -> REQUIRED fields (JSON names). Maps are not arrays: an empty `scopes` map is allowed.
REQUIRED: dict[str, tuple[str, ...]] = {
    "AgentCard": (
        "name",
        "description",
        "supportedInterfaces",
        "version",
        "capabilities",
        "defaultInputModes",
        "defaultOutputModes",
        "skills",
    ),
    "AgentInterface": ("url", "protocolBinding", "protocolVersion"),
    "AgentProvider": ("url", "organization"),
    "AgentSkill": ("id", "name", "description", "tags"),
    "AgentCardSignature": ("protected", "signature"),
    "APIKeySecurityScheme": ("location", "name"),
    "HTTPAuthSecurityScheme": ("scheme",),
    "OAuth2SecurityScheme": ("flows",),
    "OpenIdConnectSecurityScheme": ("openIdConnectUrl",),
    "AuthorizationCodeOAuthFlow": ("authorizationUrl", "tokenUrl", "scopes"),
    "ClientCredentialsOAuthFlow": ("tokenUrl", "scopes"),
    "DeviceCodeOAuthFlow": ("deviceAuthorizationUrl", "tokenUrl", "scopes"),
}

SCHEME_KINDS = {
    "apiKeySecurityScheme": "APIKeySecurityScheme",
    "httpAuthSecurityScheme": "HTTPAuthSecurityScheme",
    "oauth2SecurityScheme": "OAuth2SecurityScheme",
    "openIdConnectSecurityScheme": "OpenIdConnectSecurityScheme",
    "mtlsSecurityScheme": "MutualTlsSecurityScheme",
}
FLOW_KINDS = {
    "authorizationCode": "AuthorizationCodeOAuthFlow",
    "clientCredentials": "ClientCredentialsOAuthFlow",
    "deviceCode": "DeviceCodeOAuthFlow",
    "implicit": "ImplicitOAuthFlow",
    "password": "PasswordOAuthFlow",
}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def get(obj: JSONObject, name: str) -> JSONValue:
    """A field by JSON name, falling back to its proto (snake_case) name."""
    if name in obj:
        return obj[name]
    return obj.get(snake(name))


def has(obj: JSONObject, name: str) -> bool:
    return name in obj or snake(name) in obj


def _check(obj: JSONValue, message: str, at: str, findings: Findings) -> None:
    if not isinstance(obj, dict):
        return  # wrong types are schema findings
    for name in REQUIRED.get(message, ()):
        where = at + pointer(name)
        if not has(obj, name) or get(obj, name) is None:
            findings.add(
                "AC010",
                where,
                f"required field {name!r} is missing ({message})",
                f"add {name!r}: the A2A 1.0 proto marks it REQUIRED",
            )
            continue
        value = get(obj, name)
        if (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value):
            what = "an empty string" if isinstance(value, str) else "an empty array"
            findings.add(
                "AC011",
                where,
                f"required field {name!r} is {what} ({message})",
                "REQUIRED fields must be set; REQUIRED arrays need at least one element (A2A §5.7)",
            )


def _each(value: JSONValue) -> list[tuple[int, JSONValue]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def check_required(card: JSONObject, findings: Findings) -> None:
    """REQUIRED fields of AgentCard and everything it contains."""
    _check(card, "AgentCard", "", findings)
    for i, iface in _each(get(card, "supportedInterfaces")):
        _check(iface, "AgentInterface", pointer("supportedInterfaces", i), findings)
    provider = get(card, "provider")
    if provider is not None:
        _check(provider, "AgentProvider", pointer("provider"), findings)
    for i, skill in _each(get(card, "skills")):
        _check(skill, "AgentSkill", pointer("skills", i), findings)
    for i, sig in _each(get(card, "signatures")):
        _check(sig, "AgentCardSignature", pointer("signatures", i), findings)
    schemes = get(card, "securitySchemes")
    if isinstance(schemes, dict):
        for name, scheme in schemes.items():
            if not isinstance(scheme, dict):
                continue
            for kind, message in SCHEME_KINDS.items():
                body = get(scheme, kind)
                if body is None:
                    continue
                at = pointer("securitySchemes", name, kind)
                _check(body, message, at, findings)
                if message == "OAuth2SecurityScheme" and isinstance(body, dict):
                    flows = get(body, "flows")
                    if isinstance(flows, dict):
                        for flow_name, flow_message in FLOW_KINDS.items():
                            flow = get(flows, flow_name)
                            if flow is not None:
                                _check(flow, flow_message, at + pointer("flows", flow_name), findings)
