"""OAuth 2 on the command's one httpx client: metadata discovery (OpenID Connect Discovery, RFC 8414), the token
endpoint (client credentials, RFC 8628 device authorization, authorization code + PKCE on a loopback redirect per
RFC 8252, refresh), and RFC 7009 revocation.

Small flows on the project's own HTTP stack rather than a second client library: the grants a CLI needs are a
few form posts, and every answer is checked here the same way (a JSON object, a bearer `token_type`, a positive
`expires_in`), each failure one typed error: the authorization server refusing or answering nonsense is exit 4,
not reaching it exit 3. Nothing here stores anything; `a2acli.auth` does, once a flow has fully succeeded.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx

from a2acli.errors import AuthFailedError, TimeoutExpiredError, UnreachableError
from a2acli.redact import register_credential
from a2acli.render.sanitize import clean_line

MAX_BODY = 1024 * 1024
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REQUEST_TIMEOUT = 30.0


def host_of(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


class GrantError(AuthFailedError):
    """The token endpoint answered an OAuth error (`{"error": ...}`, RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str, endpoint: str) -> None:
        text = f"the authorization server {host_of(endpoint)} refused: {error}"
        if description:
            text += f" ({description})"
        super().__init__(text, a2a_code=error)
        self.error = error


@dataclass(frozen=True)
class Endpoints:
    """Where the authorization server does what (from its metadata, else from the card's flow)."""

    token: str
    device: str = ""
    authorization: str = ""
    revocation: str = ""
    issuer: str = ""
    auth_methods: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ()
    code_challenge_methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    token_type: str
    expires_in: float | None
    refresh_token: str | None = field(default=None, repr=False)
    scope: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeviceCode:
    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: float
    interval: float


@dataclass(frozen=True)
class ClientAuth:
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    methods: tuple[str, ...] = ()  # token_endpoint_auth_methods_supported, when the metadata says

    def apply(self, data: dict[str, str], headers: dict[str, str]) -> None:
        """client_secret_basic by default (RFC 6749 §2.3.1), client_secret_post when that is all the server
        takes; a public client sends its id in the body."""
        if not self.client_secret:
            data["client_id"] = self.client_id
            return
        register_credential(self.client_secret)
        if self.methods and "client_secret_basic" not in self.methods and "client_secret_post" in self.methods:
            data["client_id"], data["client_secret"] = self.client_id, self.client_secret
            return
        pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")


# ------------------------------------------------------------------------------------------------ HTTP


async def _exchange(
    client: httpx.AsyncClient, method: str, url: str, *, data: dict[str, str] | None = None, headers: dict[str, str]
) -> tuple[int, str, bytes]:
    try:
        async with client.stream(
            method, url, data=data, headers=headers, timeout=REQUEST_TIMEOUT, follow_redirects=False
        ) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BODY:
                    raise AuthFailedError(f"the answer of {host_of(url)} is larger than {MAX_BODY} bytes")
            return response.status_code, response.headers.get("content-type", ""), body
    except httpx.TimeoutException:
        raise TimeoutExpiredError(f"timed out waiting for {host_of(url)}") from None
    except httpx.HTTPError as exc:
        why = (str(exc) or type(exc).__name__).splitlines()[0][:200]
        raise UnreachableError(f"cannot reach the authorization server {host_of(url)}: {why}") from None


def _json_object(status: int, ctype: str, body: bytes, url: str, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        kind = ctype.split(";")[0].strip() or "no content type"
        raise AuthFailedError(
            f"{what} {host_of(url)} answered HTTP {status} with {kind}, not JSON",
            hint="check the card's OAuth URLs (run with --debug)",
        ) from None
    if not isinstance(doc, dict):
        raise AuthFailedError(f"{what} {host_of(url)} answered JSON that is not an object")
    return doc


async def fetch_metadata(client: httpx.AsyncClient, url: str, *, expected_issuer: str | None = None) -> Endpoints:
    """Authorization server metadata from an `openIdConnectUrl` or `oauth2MetadataUrl`; the issuer it names must
    be the one the URL belongs to (OpenID Connect Discovery §4.3, RFC 8414 §3.3)."""
    status, ctype, body = await _exchange(client, "GET", url, headers={"Accept": "application/json"})
    if status != 200:
        raise AuthFailedError(f"the provider metadata at {url} answered HTTP {status}")
    doc = _json_object(status, ctype, body, url, "the provider metadata at")
    raw_issuer = doc.get("issuer")
    issuer = raw_issuer if isinstance(raw_issuer, str) else ""
    if expected_issuer is not None and issuer.rstrip("/") != expected_issuer.rstrip("/"):
        raise AuthFailedError(
            f"the provider metadata at {url} names issuer {clean_line(issuer)[:100]!r}, not {expected_issuer!r}",
            hint="the metadata does not belong to the URL the card gives",
        )
    token = doc.get("token_endpoint")
    if not isinstance(token, str) or not token.startswith(("https://", "http://")):
        raise AuthFailedError(f"the provider metadata at {url} has no token_endpoint")

    def text(name: str) -> str:
        value = doc.get(name)
        return value if isinstance(value, str) else ""

    def names(name: str) -> tuple[str, ...]:
        value = doc.get(name)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    return Endpoints(
        token=token,
        device=text("device_authorization_endpoint"),
        authorization=text("authorization_endpoint"),
        revocation=text("revocation_endpoint"),
        issuer=issuer,
        auth_methods=names("token_endpoint_auth_methods_supported"),
        grant_types=names("grant_types_supported"),
        code_challenge_methods=names("code_challenge_methods_supported"),
    )


def issuer_of_discovery_url(url: str, suffix: str) -> str | None:
    """`https://id.example/.well-known/openid-configuration` -> `https://id.example`; RFC 8414's inserted form
    `https://as.example/.well-known/oauth-authorization-server/tenant` -> `https://as.example/tenant`."""
    parts = urlsplit(url)
    path = parts.path
    if path.endswith("/.well-known/" + suffix):
        base = path[: -len("/.well-known/" + suffix)]
    elif path.startswith("/.well-known/" + suffix):
        base = path[len("/.well-known/" + suffix) :]
    else:
        return None
    return f"{parts.scheme}://{parts.netloc}{base}"


def _token_set(doc: dict[str, Any], url: str) -> TokenSet:
    where = host_of(url)
    access = doc.get("access_token")
    if not isinstance(access, str) or not access.strip():
        raise AuthFailedError(f"the token endpoint {where} answered without an access_token")
    register_credential(access)
    refresh = doc.get("refresh_token")
    if isinstance(refresh, str) and refresh:
        register_credential(refresh)
    else:
        refresh = None
    kind = doc.get("token_type")
    if not isinstance(kind, str) or not kind.strip():
        raise AuthFailedError(f"the token endpoint {where} answered without a token_type (RFC 6749 §5.1)")
    if kind.strip().lower() != "bearer":
        raise AuthFailedError(
            f"the token endpoint {where} issued a {clean_line(kind)[:40]!r} token; only Bearer is sent"
        )
    expires = doc.get("expires_in")
    lifetime: float | None = None
    if expires is not None:
        if isinstance(expires, str) and expires.strip().isdigit():
            expires = int(expires)
        if isinstance(expires, bool) or not isinstance(expires, int | float) or expires <= 0:
            raise AuthFailedError(
                f"the token endpoint {where} answered expires_in {clean_line(str(expires))[:40]}: a token that is"
                " already expired"
            )
        lifetime = float(expires)
    scope = doc.get("scope")
    return TokenSet(access, "Bearer", lifetime, refresh, tuple(scope.split()) if isinstance(scope, str) else ())


async def token_request(client: httpx.AsyncClient, url: str, data: dict[str, str], auth: ClientAuth) -> TokenSet:
    """One token endpoint request (RFC 6749 §3.2): a TokenSet, or GrantError / AuthFailedError."""
    headers = {"Accept": "application/json"}
    data = dict(data)
    auth.apply(data, headers)
    status, ctype, body = await _exchange(client, "POST", url, data=data, headers=headers)
    if status == 200:
        return _token_set(_json_object(status, ctype, body, url, "the token endpoint"), url)
    doc: object = None
    with contextlib.suppress(ValueError, RecursionError):
        doc = json.loads(body)
    if isinstance(doc, dict) and isinstance(doc.get("error"), str):
        description = doc.get("error_description")
        raise GrantError(
            clean_line(doc["error"])[:60],
            clean_line(description)[:200] if isinstance(description, str) else "",
            url,
        )
    kind = ctype.split(";")[0].strip() or "no content type"
    raise AuthFailedError(f"the token endpoint {host_of(url)} answered HTTP {status} ({kind})")


def _scope(scopes: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {"scope": " ".join(scopes)} if scopes else {}


async def client_credentials(
    client: httpx.AsyncClient, endpoints: Endpoints, auth: ClientAuth, scopes: tuple[str, ...]
) -> TokenSet:
    return await token_request(client, endpoints.token, {"grant_type": "client_credentials", **_scope(scopes)}, auth)


async def refresh(
    client: httpx.AsyncClient, token_url: str, refresh_token: str, auth: ClientAuth, scopes: tuple[str, ...] = ()
) -> TokenSet:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **_scope(scopes)}
    result = await token_request(client, token_url, data, auth)
    if result.refresh_token is None:  # RFC 6749 §6: the old refresh token stays valid when none is issued
        result = TokenSet(result.access_token, result.token_type, result.expires_in, refresh_token, result.scope)
    return result


# ------------------------------------------------------------------------------------------------ device


async def device_authorization(
    client: httpx.AsyncClient, endpoints: Endpoints, auth: ClientAuth, scopes: tuple[str, ...]
) -> DeviceCode:
    """RFC 8628 §3.1-3.2: ask for a device code and a user code."""
    url = endpoints.device
    headers = {"Accept": "application/json"}
    data = _scope(scopes)
    auth.apply(data, headers)
    status, ctype, body = await _exchange(client, "POST", url, data=data, headers=headers)
    doc = _json_object(status, ctype, body, url, "the device authorization endpoint")
    if status != 200:
        error = doc.get("error")
        raise GrantError(clean_line(str(error or f"HTTP {status}"))[:60], "", url)
    device_code, user_code = doc.get("device_code"), doc.get("user_code")
    uri = doc.get("verification_uri") or doc.get("verification_url")
    if not all(isinstance(v, str) and v for v in (device_code, user_code, uri)):
        raise AuthFailedError(f"the device authorization endpoint {host_of(url)} answered without the RFC 8628 fields")
    assert isinstance(device_code, str) and isinstance(user_code, str) and isinstance(uri, str)
    register_credential(device_code)
    complete = doc.get("verification_uri_complete")
    expires, interval = doc.get("expires_in"), doc.get("interval", 5)
    if isinstance(expires, bool) or not isinstance(expires, int | float) or expires <= 0:
        raise AuthFailedError(f"the device authorization endpoint {host_of(url)} answered expires_in {expires!r}")
    if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
        interval = 5
    return DeviceCode(
        device_code,
        clean_line(user_code)[:64],
        clean_line(uri)[:500],
        clean_line(complete)[:600] if isinstance(complete, str) else "",
        float(expires),
        float(interval),
    )


async def poll_device(
    client: httpx.AsyncClient,
    endpoints: Endpoints,
    auth: ClientAuth,
    code: DeviceCode,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> TokenSet:
    """RFC 8628 §3.4-3.5: poll every `interval` seconds (5 more after each slow_down) until approved, denied or
    expired; the device code's own lifetime bounds the loop."""
    interval = max(code.interval, 1.0)
    deadline = clock() + code.expires_in
    data = {"grant_type": DEVICE_GRANT, "device_code": code.device_code}
    while True:
        if clock() + interval > deadline:
            raise AuthFailedError(
                "the device code expired before the login was approved", hint="run a2a auth login again"
            )
        await sleep(interval)
        try:
            return await token_request(client, endpoints.token, data, auth)
        except GrantError as exc:
            if exc.error == "authorization_pending":
                continue
            if exc.error == "slow_down":
                interval += 5
                continue
            if exc.error == "expired_token":
                raise AuthFailedError(
                    "the device code expired before the login was approved", hint="run a2a auth login again"
                ) from None
            if exc.error == "access_denied":
                raise AuthFailedError("the login was denied at the verification page") from None
            raise


# ------------------------------------------------------------------------------------------------ code + PKCE


def pkce_pair() -> tuple[str, str]:
    """RFC 7636: a verifier of 43+ characters and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


_DONE_PAGE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\nconnection: close\r\n\r\n"
    b"<!doctype html><title>a2a auth login</title><p>Login complete: you can close this window.</p>"
)
_BAD_PAGE = (
    b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nnot the expected login reply\n"
)


async def authorization_code(
    client: httpx.AsyncClient,
    endpoints: Endpoints,
    auth: ClientAuth,
    scopes: tuple[str, ...],
    *,
    announce: Callable[[str], None],
    wait_seconds: float = 300.0,
) -> TokenSet:
    """Authorization code + PKCE with a loopback redirect (RFC 8252 §7.3): a one-shot listener on 127.0.0.1 and a
    free port takes the redirect; `announce(url)` tells the user where to log in (and may open a browser)."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    reply: asyncio.Future[dict[str, list[str]]] = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 10)
            parts = line.decode("latin-1").split()
            target = urlsplit(parts[1]) if len(parts) >= 2 else None
            query = parse_qs(target.query) if target is not None and target.path == "/callback" else {}
            if query.get("state") == [state] and not reply.done():
                writer.write(_DONE_PAGE)
                reply.set_result(query)
            else:
                writer.write(_BAD_PAGE)
            await writer.drain()
        except (TimeoutError, OSError, UnicodeDecodeError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    redirect = f"http://127.0.0.1:{port}/callback"
    params = {
        "response_type": "code",
        "client_id": auth.client_id,
        "redirect_uri": redirect,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **_scope(scopes),
    }
    joiner = "&" if "?" in endpoints.authorization else "?"
    announce(endpoints.authorization + joiner + urlencode(params))
    try:
        async with asyncio.timeout(wait_seconds):
            query = await reply
    except TimeoutError:
        raise AuthFailedError(f"no login reply came to {redirect} within {wait_seconds:g}s") from None
    finally:
        server.close()
    if "error" in query:
        raise GrantError(
            clean_line(query["error"][0])[:60],
            clean_line((query.get("error_description") or [""])[0])[:200],
            endpoints.authorization,
        )
    code = (query.get("code") or [""])[0]
    if not code:
        raise AuthFailedError("the login reply carried no authorization code")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": verifier}
    return await token_request(client, endpoints.token, data, auth)


# ------------------------------------------------------------------------------------------------ revocation


UNSUPPORTED_TOKEN_TYPE = "unsupported_token_type"


async def revoke(client: httpx.AsyncClient, url: str, token: str, hint: str, auth: ClientAuth) -> str | None:
    """RFC 7009: revoke `token`; None when done, `UNSUPPORTED_TOKEN_TYPE` when the server does not revoke that
    kind of token (§2.2.1: a self-contained access token, often), else why not (best effort at logout)."""
    headers: dict[str, str] = {"Accept": "application/json"}
    data = {"token": token, "token_type_hint": hint}
    auth.apply(data, headers)
    try:
        status, _, body = await _exchange(client, "POST", url, data=data, headers=headers)
    except (UnreachableError, TimeoutExpiredError, AuthFailedError) as exc:
        return exc.message
    if status == 200:
        return None
    with contextlib.suppress(ValueError, RecursionError):
        doc = json.loads(body)
        if isinstance(doc, dict) and doc.get("error") == UNSUPPORTED_TOKEN_TYPE:
            return UNSUPPORTED_TOKEN_TYPE
    return f"{host_of(url)} answered HTTP {status}"
