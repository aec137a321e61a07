"""A second, minimal OAuth 2 authorization server written for the tests (Starlette under uvicorn on port 0), so the
auth tests do not lean on one server's quirks; it also misbehaves on purpose (`server.mode`).

RFC 8414 metadata, a JWKS, JWT access tokens (RS256, RFC 9068 claims), client credentials, RFC 8628 device
authorization (approved or denied by the test through `approve()` / `deny()`), refresh tokens (rotated), RFC 7009
revocation; every request recorded.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support.server import serve_in_thread

CC_CLIENT, CC_SECRET = "cc-client", "cc-secret-0123456789abcdef"
DEVICE_CLIENT = "device-client"
AUDIENCE = "urn:a2a:demo"


async def _form(request: Request) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl((await request.body()).decode()))


@dataclass
class Device:
    device_code: str
    user_code: str
    expires_at: float
    client_id: str
    scope: str
    state: str = "pending"  # pending | approved | denied


@dataclass
class MiniAuthServer:
    lifetime: int = 300
    device_lifetime: int = 60
    interval: int = 1
    # "" (behave) | html | 500 | no_token_type | expires_0 | expires_negative | refresh_fails | slow_down_once |
    # lying_expiry | wrong_issuer | held_refresh (a refresh answer waits until another token request arrives, or
    # `hold` seconds: two clients racing on one refresh token both reach the server before either is answered)
    mode: str = ""
    hold: float = 3.0
    base: str = ""
    key: Any = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    devices: dict[str, Device] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (client, scope)
    revoked: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    slowed: bool = False
    # Issue this opaque token instead of a JWT (for an agent that checks one fixed bearer token: `--bearer-token`).
    fixed_token: str = ""

    # ---------------------------------------------------------------- test hooks

    def approve(self, user_code: str | None = None) -> None:
        for device in self.devices.values():
            if user_code is None or device.user_code == user_code:
                device.state = "approved"

    def deny(self) -> None:
        for device in self.devices.values():
            device.state = "denied"

    def grants(self, grant: str) -> list[dict[str, str]]:
        return [form for path, form in self.requests if path == "/token" and form.get("grant_type") == grant]

    # ---------------------------------------------------------------- tokens

    def _access_token(self, client: str, scope: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base,
            "sub": client,
            "aud": AUDIENCE,
            "client_id": client,
            "scope": scope,
            "iat": now - (120 if self.mode == "lying_expiry" else 0),
            # lying_expiry: the token is dead on arrival while expires_in promises `lifetime` (the agent, past its
            # leeway, says invalid_token)
            "exp": now + (-60 if self.mode == "lying_expiry" else max(self.lifetime, 1)),
            "jti": secrets.token_hex(8),
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, "typ": "at+jwt"})
        self.issued.append(token)
        return token

    def _token_answer(self, client: str, scope: str, *, refresh: bool) -> Response:
        mode = self.mode
        if mode == "html":
            return HTMLResponse("<html><body><h1>Login</h1></body></html>")
        if mode == "500":
            return PlainTextResponse("internal error", status_code=500)
        token = self.fixed_token or self._access_token(client, scope)
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
        body["expires_in"] = {"expires_0": 0, "expires_negative": -30}.get(mode, self.lifetime)
        if mode == "no_token_type":
            del body["token_type"]
        if scope:
            body["scope"] = scope
        if refresh:
            token = "rt-" + secrets.token_urlsafe(16)
            self.refresh_tokens[token] = (client, scope)
            body["refresh_token"] = token
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    # ---------------------------------------------------------------- endpoints

    async def _client(self, request: Request, form: dict[str, str]) -> tuple[str, str | None]:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password
        return form.get("client_id", ""), form.get("client_secret")

    async def metadata(self, request: Request) -> Response:
        b = self.base
        return JSONResponse(
            {
                "issuer": "https://issuer.elsewhere.example" if self.mode == "wrong_issuer" else b,
                "token_endpoint": f"{b}/token",
                "device_authorization_endpoint": f"{b}/device",
                "revocation_endpoint": f"{b}/revoke",
                "jwks_uri": f"{b}/jwks",
                "grant_types_supported": [
                    "client_credentials",
                    "refresh_token",
                    "urn:ietf:params:oauth:grant-type:device_code",
                ],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return JSONResponse({"keys": [jwk]})

    async def device(self, request: Request) -> Response:
        form = await _form(request)
        self.requests.append(("/device", form))
        client, _ = await self._client(request, form)
        if client != DEVICE_CLIENT:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        code = Device(
            "dc-" + secrets.token_urlsafe(16),
            secrets.token_hex(2).upper() + "-" + secrets.token_hex(2).upper(),
            time.time() + self.device_lifetime,
            client,
            form.get("scope", ""),
        )
        self.devices[code.device_code] = code
        return JSONResponse(
            {
                "device_code": code.device_code,
                "user_code": code.user_code,
                "verification_uri": f"{self.base}/activate",
                "verification_uri_complete": f"{self.base}/activate?user_code={code.user_code}",
                "expires_in": self.device_lifetime,
                "interval": self.interval,
            }
        )

    async def token(self, request: Request) -> Response:
        form = await _form(request)
        self.requests.append(("/token", form))
        client, secret = await self._client(request, form)
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            if client != CC_CLIENT or secret != CC_SECRET:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            return self._token_answer(client, form.get("scope", ""), refresh=False)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            device = self.devices.get(form.get("device_code", ""))
            if device is None or device.client_id != client:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if time.time() > device.expires_at:
                return JSONResponse({"error": "expired_token"}, status_code=400)
            if device.state == "denied":
                return JSONResponse({"error": "access_denied"}, status_code=400)
            if self.mode == "slow_down_once" and not self.slowed:
                self.slowed = True
                return JSONResponse({"error": "slow_down"}, status_code=400)
            if device.state != "approved":
                return JSONResponse({"error": "authorization_pending"}, status_code=400)
            del self.devices[device.device_code]
            return self._token_answer(client, device.scope, refresh=True)
        if grant == "refresh_token":
            if self.mode == "refresh_fails":
                return JSONResponse({"error": "invalid_grant", "error_description": "refresh token revoked"}, 400)
            # rotated: a refresh token is good once (popped on receipt), a reused one is refused
            found = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if found is None or found[0] != client:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if self.mode == "held_refresh":
                seen, deadline = len(self.requests), time.monotonic() + self.hold
                while len(self.requests) == seen and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
            return self._token_answer(client, found[1], refresh=True)
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def revoke(self, request: Request) -> Response:
        form = await _form(request)
        self.requests.append(("/revoke", form))
        token = form.get("token", "")
        self.revoked.append(token)
        self.refresh_tokens.pop(token, None)
        return Response(status_code=200)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/oauth-authorization-server", self.metadata),
                Route("/jwks", self.jwks),
                Route("/device", self.device, methods=["POST"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/revoke", self.revoke, methods=["POST"]),
            ]
        )


@contextlib.contextmanager
def mini_auth_server(**config: Any) -> Iterator[MiniAuthServer]:
    server = MiniAuthServer(**config)
    with serve_in_thread(server.app()) as url:
        server.base = url
        yield server
