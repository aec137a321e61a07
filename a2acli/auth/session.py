"""A stored login attached to a connection: its bearer header, refreshed when it has expired (before a request) or
when the agent answers 401 `invalid_token` (once; a second refusal is exit 4 with a hint to log in again)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from typing import TYPE_CHECKING

from a2acli.auth import store
from a2acli.errors import AuthFailedError

if TYPE_CHECKING:
    import httpx

    from a2acli.auth.store import Login


def relogin_hint(agent: str) -> str:
    return f"log in again: a2a auth login -a {agent}"


def can_refresh(login: Login) -> bool:
    return bool(login.refresh_token) or (login.flow == "client_credentials" and bool(login.client_secret))


# How long a process waits for another one renewing the same login (a token request, bounded by its timeouts).
RENEWAL_WAIT = 30.0


async def renew(client: httpx.AsyncClient, login: Login) -> Login:
    """A fresh access token for `login`, stored. One renewal at a time per login across processes (an OS lock next
    to the store): with a rotating refresh token, two `a2a` renewing at once would send the same refresh token
    twice and the second would be refused. Under the lock the stored login is read again: when another process
    renewed it meanwhile, that login is used, not renewed again."""
    from a2acli.oslock import held_async

    path = store.renewal_lock_path(login.agent)
    with contextlib.suppress(OSError):  # not lockable: renew unserialised, as before
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    async with held_async(path, timeout=RENEWAL_WAIT):
        current = store.get(login.agent)
        if current is not None and current.access_token != login.access_token and not current.expired():
            return current  # renewed by another process while this one waited
        return await _renew(client, current if current is not None else login)


async def _renew(client: httpx.AsyncClient, login: Login) -> Login:
    """Its refresh token, or the client-credentials grant again; the stored login is left as it was when this
    fails."""
    from a2acli.client import oauth

    auth = oauth.ClientAuth(login.client_id, login.client_secret)
    scopes = tuple(login.scopes)
    try:
        if login.refresh_token:
            tokens = await oauth.refresh(client, login.token_endpoint, login.refresh_token, auth)
        elif login.flow == "client_credentials" and login.client_secret:
            endpoints = oauth.Endpoints(token=login.token_endpoint)
            tokens = await oauth.client_credentials(client, endpoints, auth, scopes)
        else:
            raise AuthFailedError(f"the login for {login.agent} has expired", hint=relogin_hint(login.agent))
    except AuthFailedError as exc:
        if exc.hint is None:
            exc.hint = relogin_hint(login.agent)
        exc.message = f"refreshing the login for {login.agent} failed: {exc.message}"
        raise
    now = time.time()
    renewed = dataclasses.replace(
        login,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token if tokens.refresh_token else login.refresh_token,
        expires_at=now + tokens.expires_in if tokens.expires_in else None,
        obtained_at=now,
        scopes=list(tokens.scope) or login.scopes,
    )
    return store.put(renewed)


class StoredSession:
    """The login a connection attaches (as `Authorization: Bearer`, what OAuth 2 and OpenID Connect schemes take)."""

    def __init__(self, login: Login) -> None:
        self.login = login
        self.refreshed = False
        self._lock = asyncio.Lock()

    @property
    def agent(self) -> str:
        return self.login.agent

    async def header(self, client: httpx.AsyncClient) -> str:
        async with self._lock:
            if self.login.expired() and not self.refreshed:
                self.login = await renew(client, self.login)
                self.refreshed = True
        return f"Bearer {self.login.access_token}"

    async def after_rejection(self, client: httpx.AsyncClient) -> str | None:
        """The agent answered 401: a renewed header to retry with once, or None (then the 401 stands)."""
        async with self._lock:
            if self.refreshed or not can_refresh(self.login):
                return None
            self.login = await renew(client, self.login)
            self.refreshed = True
            return f"Bearer {self.login.access_token}"
