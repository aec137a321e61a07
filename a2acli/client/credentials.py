"""Card security schemes -> what goes on the wire: `--bearer` / `--api-key` / `--basic` placed as the card says
(A2A §4.5.2), and the hint an auth failure carries (which scheme the agent declares, which flag supplies it).
Pure: no I/O."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from a2acli.redact import register_credential

if TYPE_CHECKING:
    from a2acli.auth.session import StoredSession
    from a2acli.protocol import JSONObject
    from a2acli.settings import ConnectionSettings


class Scheme(NamedTuple):
    """One declared security scheme, whatever the card's version."""

    name: str
    kind: str  # apiKey | http | oauth2 | openIdConnect | mutualTLS
    location: str = "header"  # apiKey: header | query | cookie
    param: str = ""  # apiKey: header/query/cookie name
    http_scheme: str = ""  # http: bearer | basic | ...


def security_schemes(doc: JSONObject) -> list[Scheme]:
    """The schemes of a 1.0 card (`apiKeySecurityScheme`, ...) or a 0.3 card (OpenAPI-style `type`)."""
    raw = doc.get("securitySchemes")
    if not isinstance(raw, dict):
        return []
    found: list[Scheme] = []
    for name, value in raw.items():
        if not isinstance(value, dict):
            continue
        api_key, http = value.get("apiKeySecurityScheme"), value.get("httpAuthSecurityScheme")
        if isinstance(api_key, dict):
            location, param = api_key.get("location") or "header", api_key.get("name") or ""
            found.append(Scheme(str(name), "apiKey", str(location).lower(), str(param)))
        elif isinstance(http, dict):
            found.append(Scheme(str(name), "http", http_scheme=str(http.get("scheme") or "bearer").lower()))
        elif "oauth2SecurityScheme" in value:
            found.append(Scheme(str(name), "oauth2"))
        elif "openIdConnectSecurityScheme" in value:
            found.append(Scheme(str(name), "openIdConnect"))
        elif "mtlsSecurityScheme" in value:
            found.append(Scheme(str(name), "mutualTLS"))
        else:
            kind = str(value.get("type") or "")
            if kind == "apiKey":
                found.append(
                    Scheme(str(name), "apiKey", str(value.get("in") or "header").lower(), str(value.get("name") or ""))
                )
            elif kind == "http":
                found.append(Scheme(str(name), "http", http_scheme=str(value.get("scheme") or "bearer").lower()))
            elif kind in ("oauth2", "openIdConnect", "mutualTLS"):
                found.append(Scheme(str(name), kind))
    return found


def auth_hint(schemes: list[Scheme], *, supplied: bool) -> str:
    if not schemes:
        return (
            "the agent rejected the credentials"
            if supplied
            else "pass --bearer TOKEN or --api-key KEY (or set A2ACLI_BEARER / A2ACLI_API_KEY)"
        )
    parts: list[str] = []
    for s in schemes:
        if s.kind == "apiKey":
            parts.append(f"{s.name}: API key in {s.location} {s.param or '?'} -> --api-key KEY or A2ACLI_API_KEY")
        elif s.kind == "http" and s.http_scheme == "bearer":
            parts.append(f"{s.name}: HTTP bearer token -> --bearer TOKEN or A2ACLI_BEARER")
        elif s.kind == "http" and s.http_scheme == "basic":
            parts.append(f"{s.name}: HTTP basic -> --basic USER[:PASSWORD] or A2ACLI_BASIC")
        elif s.kind == "http":
            parts.append(f"{s.name}: HTTP {s.http_scheme} (not supported by flags; use --svc-param Authorization:...)")
        elif s.kind in ("oauth2", "openIdConnect"):
            parts.append(f"{s.name}: {s.kind} -> a2a auth login -a AGENT (or --bearer TOKEN)")
        else:
            parts.append(f"{s.name}: {s.kind} -> --cert FILE --key FILE (or A2ACLI_CERT / A2ACLI_KEY)")
    lead = "credentials rejected; the agent declares " if supplied else "the agent declares "
    return lead + "; ".join(parts)


class Credentials:
    """Where the credentials go on every request of a connection. `service_credentials`: a `--svc-param` header
    looks like a credential, so a 401 means "rejected", not "missing"."""

    def __init__(self, schemes: list[Scheme] | None = None, *, service_credentials: bool = False) -> None:
        self.headers: dict[str, str] = {}
        self.params: dict[str, str] = {}
        self.cookies: dict[str, str] = {}
        self.notes: list[str] = []
        self.schemes = schemes or []
        self.service_credentials = service_credentials
        self.session: StoredSession | None = None  # a stored `a2a auth login`, attached by the wire per request

    @property
    def any(self) -> bool:
        return bool(self.headers or self.params or self.cookies)

    def failure_hint(self) -> tuple[bool, str]:
        """(credentials were supplied, the hint) for a 401 / 403 answer."""
        if self.session is not None:
            from a2acli.auth.session import relogin_hint

            return True, f"the agent rejected the stored login; {relogin_hint(self.session.agent)}"
        supplied = self.any or self.service_credentials
        return supplied, auth_hint(self.schemes, supplied=supplied)


def _looks_like_credential(name: str) -> bool:
    low = name.lower()
    return low in ("authorization", "cookie") or "key" in low or "token" in low


_BEARER_KINDS = ("oauth2", "openIdConnect")


def accepts_bearer(schemes: list[Scheme]) -> bool:
    """A declared scheme takes a bearer token: HTTP bearer, or an OAuth 2 / OpenID Connect access token."""
    return any(s.kind in _BEARER_KINDS or (s.kind == "http" and s.http_scheme == "bearer") for s in schemes)


def login_key(base_url: str | None, interface_url: str) -> str:
    """The key a stored login is filed under: the origin the card came from (the interface's for a local card)."""
    from a2acli.client.tls import origin_of

    return origin_of(base_url or "") or origin_of(interface_url)


def build_credentials(
    doc: JSONObject, settings: ConnectionSettings, *, declared_only: bool = False, agent: str = ""
) -> Credentials:
    """Attach --bearer / --api-key / --basic as the card's security schemes say (A2A §4.5.2), else a stored login
    for `agent` when the card declares a scheme taking a bearer token. `declared_only` (the extended card, SPEC
    §12.4): a credential goes only through a scheme the card declares, never by guess."""
    schemes = security_schemes(doc)
    creds = Credentials(
        schemes=schemes, service_credentials=any(_looks_like_credential(k) for k, _ in settings.svc_params)
    )
    if declared_only:
        if settings.bearer and not accepts_bearer(schemes):
            register_credential(settings.bearer)
            creds.notes.append("the card declares no scheme taking a bearer token: --bearer is not sent")
            settings = replace(settings, bearer=None)
        if settings.api_key and not any(s.kind == "apiKey" and s.param for s in schemes):
            register_credential(settings.api_key)
            creds.notes.append("the card declares no API-key scheme: --api-key is not sent")
            settings = replace(settings, api_key=None)
        if settings.basic and not any(s.kind == "http" and s.http_scheme == "basic" for s in schemes):
            creds.notes.append("the card declares no HTTP Basic scheme: --basic is not sent")
            settings = replace(settings, basic=None)
    if settings.bearer:
        register_credential(settings.bearer)
        creds.headers["Authorization"] = f"Bearer {settings.bearer}"
    elif settings.basic:
        import base64

        user, password = settings.basic
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        register_credential(token)
        creds.headers["Authorization"] = f"Basic {token}"
    if settings.api_key:
        register_credential(settings.api_key)
        scheme = next((s for s in schemes if s.kind == "apiKey" and s.param), None)
        if scheme is None:
            creds.headers["X-API-Key"] = settings.api_key
            creds.notes.append("the card declares no API-key scheme: sending --api-key as header X-API-Key")
        elif scheme.location == "query":
            creds.params[scheme.param] = settings.api_key
        elif scheme.location == "cookie":
            creds.cookies[scheme.param] = settings.api_key
        else:
            creds.headers[scheme.param] = settings.api_key
        if scheme is not None:
            creds.notes.append(f"--api-key sent as {scheme.location} {scheme.param} (scheme {scheme.name})")
    explicit = creds.any or any(k.lower() == "authorization" for k, _ in settings.svc_params)
    if not explicit and agent and accepts_bearer(schemes):
        from a2acli.auth import store

        if store.has_logins():  # one stat: no stored login, nothing more is read (keyring never imported)
            login = store.get(agent)
            if login is not None:
                from a2acli.auth.session import StoredSession

                creds.session = StoredSession(login)
                creds.notes.append(f"attaching the stored login for {agent} (a2a auth status)")
    return creds
