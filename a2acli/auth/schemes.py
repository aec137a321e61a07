"""The card's OAuth 2 / OpenID Connect schemes and the scopes its requirements name (A2A §4.5). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from a2acli.protocol import JSONObject

# Card flow names (1.0 proto JSON, and the 0.3 OpenAPI names) -> ours.
FLOW_NAMES = {
    "deviceCode": "device",
    "clientCredentials": "client_credentials",
    "authorizationCode": "authorization_code",
}
FLOWS = ("device", "client_credentials", "authorization_code")


@dataclass(frozen=True)
class Flow:
    name: str  # device | client_credentials | authorization_code
    token_url: str = ""
    device_authorization_url: str = ""
    authorization_url: str = ""
    refresh_url: str = ""
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OAuthScheme:
    """One oauth2 or openIdConnect scheme of a card."""

    name: str
    kind: str  # oauth2 | openIdConnect
    flows: dict[str, Flow] = field(default_factory=dict)
    metadata_url: str = ""  # oauth2MetadataUrl (RFC 8414)
    discovery_url: str = ""  # openIdConnectUrl
    required_scopes: tuple[str, ...] = ()


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _flow(name: str, raw: object) -> Flow | None:
    if not isinstance(raw, dict):
        return None
    scopes = raw.get("scopes")
    return Flow(
        name,
        token_url=_text(raw.get("tokenUrl")),
        device_authorization_url=_text(raw.get("deviceAuthorizationUrl")),
        authorization_url=_text(raw.get("authorizationUrl")),
        refresh_url=_text(raw.get("refreshUrl")),
        scopes=tuple(str(s) for s in scopes) if isinstance(scopes, dict) else (),
    )


def requirement_scopes(doc: JSONObject) -> dict[str, tuple[str, ...]]:
    """Scopes per scheme name from `securityRequirements` (1.0: `{"schemes": {name: {"list": [...]}}}`) or the 0.3
    `security` list (`{name: [...]}`)."""
    found: dict[str, list[str]] = {}

    def add(name: object, items: object) -> None:
        scopes = found.setdefault(str(name), [])
        if isinstance(items, list):
            scopes.extend(s for s in items if isinstance(s, str))

    reqs = doc.get("securityRequirements")
    for req in reqs if isinstance(reqs, list) else ():
        schemes = req.get("schemes") if isinstance(req, dict) else None
        for name, value in schemes.items() if isinstance(schemes, dict) else ():
            add(name, value.get("list") if isinstance(value, dict) else value)
    legacy = doc.get("security")
    for req in legacy if isinstance(legacy, list) else ():
        for name, items in req.items() if isinstance(req, dict) else ():
            add(name, items)
    return {name: tuple(dict.fromkeys(scopes)) for name, scopes in found.items()}


def oauth_schemes(doc: JSONObject) -> list[OAuthScheme]:
    """The card's oauth2 and openIdConnect schemes (1.0 or 0.3 shape), with the scopes its requirements name."""
    raw = doc.get("securitySchemes")
    if not isinstance(raw, dict):
        return []
    required = requirement_scopes(doc)
    found: list[OAuthScheme] = []
    for name, value in raw.items():
        if not isinstance(value, dict):
            continue
        oauth, oidc = value.get("oauth2SecurityScheme"), value.get("openIdConnectSecurityScheme")
        kind = str(value.get("type") or "")
        if isinstance(oauth, dict) or (oauth is None and oidc is None and kind == "oauth2"):
            body = oauth if isinstance(oauth, dict) else value
            flows_raw = body.get("flows")
            flows: dict[str, Flow] = {}
            for card_name, ours in FLOW_NAMES.items():
                flow = _flow(ours, flows_raw.get(card_name)) if isinstance(flows_raw, dict) else None
                if flow is not None:
                    flows[ours] = flow
            found.append(
                OAuthScheme(
                    str(name),
                    "oauth2",
                    flows,
                    metadata_url=_text(body.get("oauth2MetadataUrl")),
                    required_scopes=required.get(str(name), ()),
                )
            )
        elif isinstance(oidc, dict) or kind == "openIdConnect":
            body = oidc if isinstance(oidc, dict) else value
            found.append(
                OAuthScheme(
                    str(name),
                    "openIdConnect",
                    discovery_url=_text(body.get("openIdConnectUrl")),
                    required_scopes=required.get(str(name), ()),
                )
            )
    return found
