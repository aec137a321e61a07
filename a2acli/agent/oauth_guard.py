"""`a2a serve --oauth-issuer URL [--oauth-audience AUD] [--oauth-scope S]`: the demo agent as an OAuth 2 resource
server, for practising `a2a auth login`.

At start the issuer's metadata (OpenID Connect Discovery, else RFC 8414) and its JWKS are fetched; the card then
declares the matching scheme (openIdConnect with the discovery URL, or oauth2 with the metadata URL and the flows
the server offers) and requires the scopes. Every A2A request needs a JWT access token (RFC 9068 style) signed by
a key of that JWKS, issued by that issuer, for that audience, not expired, holding the scopes; PyJWT checks the
signature and the claims. Failures answer 401 `invalid_token` (403 `insufficient_scope`) with an RFC 6750 challenge;
on gRPC (`--grpc-port`) the same check of the `authorization` metadata answers UNAUTHENTICATED (PERMISSION_DENIED),
the challenge as `www-authenticate` trailing metadata. An unknown key id refetches the JWKS, at most every 30 s
(key rotation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from a2acli.agent.asgi import authorization, exempt_from_credentials, respond, rest_error
from a2acli.errors import UsageError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Scope

    from a2acli.agent.options import ServeOptions

DISCOVERY_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
JWKS_REFRESH_SECONDS = 30.0
FETCH_TIMEOUT = 10.0


@dataclass
class Issuer:
    """What the card declares and the guard checks against."""

    issuer: str
    metadata_url: str
    openid: bool
    metadata: dict[str, Any]
    jwks_uri: str
    jwks: dict[str, Any]
    audience: str | None
    scopes: tuple[str, ...] = ()
    fetched_at: float = field(default_factory=time.monotonic)


def _get_json(url: str) -> dict[str, Any]:
    import httpx

    try:
        response = httpx.get(url, timeout=FETCH_TIMEOUT, follow_redirects=False, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise UsageError(f"--oauth-issuer: cannot fetch {url}: {exc}") from None
    if response.status_code != 200:
        raise UsageError(f"--oauth-issuer: {url} answered HTTP {response.status_code}")
    try:
        doc = response.json()
    except ValueError:
        raise UsageError(f"--oauth-issuer: {url} did not answer JSON") from None
    if not isinstance(doc, dict):
        raise UsageError(f"--oauth-issuer: {url} did not answer a JSON object")
    return doc


def discover_issuer(options: ServeOptions) -> Issuer | None:
    """Fetch the issuer's metadata and keys (once, at start); None without --oauth-issuer."""
    if not options.oauth_issuer:
        return None
    base = options.oauth_issuer.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise UsageError("--oauth-issuer must be an http(s) URL (the issuer identifier)")
    problems: list[str] = []
    for path in DISCOVERY_PATHS:
        url = base + path
        try:
            metadata = _get_json(url)
        except UsageError as exc:
            problems.append(exc.message)
            continue
        if str(metadata.get("issuer", "")).rstrip("/") != base:
            raise UsageError(f"--oauth-issuer: {url} names issuer {metadata.get('issuer')!r}, not {base!r}")
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise UsageError(f"--oauth-issuer: {url} has no jwks_uri: access tokens cannot be checked")
        return Issuer(
            issuer=str(metadata["issuer"]),
            metadata_url=url,
            openid=path == DISCOVERY_PATHS[0],
            metadata=metadata,
            jwks_uri=jwks_uri,
            jwks=_get_json(jwks_uri),
            audience=options.oauth_audience,
            scopes=options.oauth_scopes,
        )
    raise UsageError(f"--oauth-issuer {base}: no provider metadata ({'; '.join(problems)})")


def card_schemes(issuer: Issuer) -> dict[str, dict[str, Any]]:
    """The schemes the card declares, as proto JSON (1.0), by name: one openIdConnect scheme, or one oauth2 scheme
    per flow the server offers (A2A 1.0's OAuthFlows holds one flow), each naming the metadata URL."""
    if issuer.openid:
        return {"oidc": {"openIdConnectSecurityScheme": {"openIdConnectUrl": issuer.metadata_url}}}
    meta = issuer.metadata
    grants = meta.get("grant_types_supported") or ["authorization_code"]
    scopes = dict.fromkeys(issuer.scopes, "")
    token = meta.get("token_endpoint")
    flows: dict[str, dict[str, Any]] = {}
    if meta.get("device_authorization_endpoint"):
        flows["oauth2-device"] = {
            "deviceCode": {
                "deviceAuthorizationUrl": meta["device_authorization_endpoint"],
                "tokenUrl": token,
                "scopes": scopes,
            }
        }
    if "client_credentials" in grants:
        flows["oauth2-client-credentials"] = {"clientCredentials": {"tokenUrl": token, "scopes": scopes}}
    if meta.get("authorization_endpoint") and "authorization_code" in grants:
        flows["oauth2-code"] = {
            "authorizationCode": {
                "authorizationUrl": meta["authorization_endpoint"],
                "tokenUrl": token,
                "scopes": scopes,
                "pkceRequired": True,
            }
        }
    return {
        name: {"oauth2SecurityScheme": {"oauth2MetadataUrl": issuer.metadata_url, "flows": flow}}
        for name, flow in flows.items()
    }


class Rejected(Exception):
    """A refused access token: `status` 401 (`error` invalid_token, or "" when none was sent) or 403
    (insufficient_scope), as HTTP answers it; gRPC answers UNAUTHENTICATED / PERMISSION_DENIED."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def challenge(self, scopes: tuple[str, ...]) -> str:
        """The RFC 6750 `WWW-Authenticate` value."""
        value = 'Bearer realm="a2a"'
        if self.error:
            value += f', error="{self.error}", error_description="{self.description.replace(chr(34), chr(39))}"'
        if scopes:
            value += f', scope="{" ".join(scopes)}"'
        return value


class AccessTokens:
    """The one check of an access token against the issuer's keys and claims, for every binding: the HTTP guard
    (`OAuthGuard`) and the gRPC server (agent/grpc_server.py) share one instance, so one key set and refetch."""

    def __init__(self, issuer: Issuer) -> None:
        import jwt

        self.issuer = issuer
        self.keys = jwt.PyJWKSet.from_dict(issuer.jwks)
        self.fetched = time.monotonic()

    async def _refetch(self) -> None:
        import httpx
        import jwt

        if time.monotonic() - self.fetched < JWKS_REFRESH_SECONDS:
            return
        self.fetched = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT) as client:
                response = await client.get(self.issuer.jwks_uri)
            self.keys = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError):
            return

    def _key(self, kid: str | None) -> Any:
        for key in self.keys.keys:
            if kid is None or key.key_id == kid:
                return key
        return None

    async def authorize(self, header: str) -> dict[str, Any]:
        """The claims of the token an `Authorization` value ("Bearer TOKEN") carries; `Rejected` otherwise."""
        if header[:7].lower() != "bearer " or not header[7:].strip():
            raise Rejected(401, "", "authentication required: send an access token from " + self.issuer.issuer)
        return await self.check(header[7:].strip())

    async def check(self, token: str) -> dict[str, Any]:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Rejected(401, "invalid_token", "the access token is not a JWT") from None
        kid = header.get("kid")
        key = self._key(kid)
        if key is None:
            await self._refetch()
            key = self._key(kid)
        if key is None:
            raise Rejected(401, "invalid_token", "the access token is signed by an unknown key")
        options = {"require": ["exp", "iss"], "verify_aud": self.issuer.audience is not None}
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                issuer=self.issuer.issuer,
                audience=self.issuer.audience,
                options=options,  # type: ignore[arg-type]
                leeway=5,
            )
        except jwt.ExpiredSignatureError:
            raise Rejected(401, "invalid_token", "the access token has expired") from None
        except jwt.PyJWTError as exc:
            raise Rejected(401, "invalid_token", f"the access token is not valid here: {exc}") from None
        granted = claims.get("scope") or claims.get("scp") or ""
        have = set(granted.split() if isinstance(granted, str) else granted if isinstance(granted, list) else ())
        missing = [s for s in self.issuer.scopes if s not in have]
        if missing:
            raise Rejected(403, "insufficient_scope", f"the access token lacks the scope {' '.join(missing)}")
        return claims


class OAuthGuard:
    """Require a valid JWT access token from the issuer on every A2A endpoint; the card paths stay public."""

    def __init__(self, app: ASGIApp, tokens: AccessTokens, public_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.tokens = tokens
        self.public = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if exempt_from_credentials(scope, self.public):
            await self.app(scope, receive, send)
            return
        try:
            await self.tokens.authorize(authorization(scope).decode("latin-1"))
        except Rejected as exc:
            await self._refuse(send, exc)
            return
        await self.app(scope, receive, send)

    async def _refuse(self, send: Any, exc: Rejected) -> None:
        challenge = exc.challenge(self.tokens.issuer.scopes)
        status = "UNAUTHENTICATED" if exc.status == 401 else "PERMISSION_DENIED"
        body = rest_error(exc.status, status, exc.description)
        await respond(send, exc.status, body, [(b"www-authenticate", challenge.encode("latin-1", "replace"))])
