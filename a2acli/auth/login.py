"""`a2a auth login / status / logout / token`: what they do, driven by the agent's card.

Login reads the card's oauth2 / openIdConnect schemes, finds the authorization server (the provider's discovery
document for `openIdConnectUrl`, RFC 8414 metadata for `oauth2MetadataUrl`, else the card's own flow URLs), picks
a flow (`--flow`, else: a client secret given -> client credentials; else the device flow; else authorization
code + PKCE on a terminal) and says which, runs it (a2acli.client.oauth), and only then stores the login.
Prompts and progress go to stderr through `Announcer`; nothing here prints a token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from a2acli.auth import store
from a2acli.auth.schemes import FLOWS, OAuthScheme, oauth_schemes
from a2acli.errors import CredentialsMissingError, UsageError

if TYPE_CHECKING:
    import httpx

    from a2acli.auth.store import Login
    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.client.oauth import Endpoints
    from a2acli.settings import ConnectionSettings


@dataclass
class Announcer:
    """Where a login talks to the person at the keyboard (stderr), and whether one is there."""

    say: Callable[[str], None]
    interactive: bool = False
    confirm: Callable[[str], bool] = field(default=lambda _question: False)
    open_url: Callable[[str], None] | None = None


@dataclass
class LoginRequest:
    settings: ConnectionSettings
    flow: str | None = None
    scheme: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ()
    yes: bool = False
    wait_seconds: float = 300.0


def _pick_schemes(schemes: list[OAuthScheme], wanted: str | None, agent: str) -> list[OAuthScheme]:
    if not schemes:
        raise CredentialsMissingError(
            f"the card of {agent} declares no OAuth 2 or OpenID Connect scheme: there is nothing to log in to",
            hint="see its schemes with a2a card -a AGENT; pass --bearer / --api-key / --basic / --cert instead",
        )
    if wanted is None:
        return schemes
    chosen = [scheme for scheme in schemes if scheme.name == wanted]
    if not chosen:
        raise UsageError(f"--scheme {wanted}: the card declares {', '.join(s.name for s in schemes)}")
    return chosen


async def flows_offered(
    client: httpx.AsyncClient, schemes: list[OAuthScheme]
) -> dict[str, tuple[OAuthScheme, Endpoints]]:
    """Each flow the card's schemes offer, with the first scheme offering it and its endpoints (A2A 1.0 declares
    one flow per oauth2 scheme; the metadata several schemes share is fetched once)."""
    found: dict[str, tuple[OAuthScheme, Endpoints]] = {}
    fetched: dict[str, tuple[Endpoints, set[str]]] = {}
    for scheme in schemes:
        url = scheme.discovery_url or scheme.metadata_url
        if url and url in fetched:
            endpoints, offered = fetched[url]
            offered = offered & set(scheme.flows) if scheme.flows else offered
        else:
            endpoints, offered = await discover(client, scheme)
            if url:
                fetched[url] = (endpoints, _offered(endpoints))
        for flow in sorted(offered):
            found.setdefault(flow, (scheme, endpoints))
    return found


async def discover(client: httpx.AsyncClient, scheme: OAuthScheme) -> tuple[Endpoints, set[str]]:
    """The authorization server's endpoints and the flows it offers for this scheme."""
    from a2acli.client import oauth

    if scheme.kind == "openIdConnect":
        if not scheme.discovery_url:
            raise CredentialsMissingError(f"the card's scheme {scheme.name} has no openIdConnectUrl")
        issuer = oauth.issuer_of_discovery_url(scheme.discovery_url, "openid-configuration")
        endpoints = await oauth.fetch_metadata(client, scheme.discovery_url, expected_issuer=issuer)
        return endpoints, _offered(endpoints)
    card_flows = scheme.flows
    if scheme.metadata_url:
        issuer = oauth.issuer_of_discovery_url(scheme.metadata_url, "oauth-authorization-server")
        if issuer is None:
            issuer = oauth.issuer_of_discovery_url(scheme.metadata_url, "openid-configuration")
        endpoints = await oauth.fetch_metadata(client, scheme.metadata_url, expected_issuer=issuer)
        offered = _offered(endpoints)
        return endpoints, (offered & set(card_flows)) if card_flows else offered
    device = card_flows.get("device")
    code = card_flows.get("authorization_code")
    token = next((f.token_url for f in card_flows.values() if f.token_url), "")
    if not token:
        raise CredentialsMissingError(f"the card's scheme {scheme.name} names no token URL and no metadata URL")
    endpoints = oauth.Endpoints(
        token=token,
        device=device.device_authorization_url if device else "",
        authorization=code.authorization_url if code else "",
    )
    return endpoints, set(card_flows)


def _offered(endpoints: Endpoints) -> set[str]:
    grants = set(endpoints.grant_types) or {"authorization_code"}  # RFC 8414's default
    offered: set[str] = set()
    if endpoints.device and (not endpoints.grant_types or "urn:ietf:params:oauth:grant-type:device_code" in grants):
        offered.add("device")
    if "client_credentials" in grants:
        offered.add("client_credentials")
    if endpoints.authorization and "authorization_code" in grants:
        offered.add("authorization_code")
    return offered


def choose_flow(offered: set[str], request: LoginRequest, interactive: bool) -> tuple[str, str]:
    """(flow, why). `--flow` wins when offered; else the one that needs no secret where a person can act on it."""
    if request.flow is not None:
        if request.flow not in FLOWS:
            raise UsageError(f"--flow {request.flow}: use device, client_credentials or authorization_code")
        if request.flow not in offered:
            raise UsageError(
                f"--flow {request.flow}: the agent's authorization server offers {', '.join(sorted(offered)) or 'none'}"
            )
        return request.flow, "as asked with --flow"
    if request.client_secret and "client_credentials" in offered:
        return "client_credentials", "a client secret was given"
    if "device" in offered:
        return "device", "it needs no client secret"
    if "authorization_code" in offered and interactive:
        return "authorization_code", "it needs no client secret (a browser on this machine)"
    if "client_credentials" in offered:
        raise CredentialsMissingError(
            "the agent only offers the client-credentials flow, which needs a client secret",
            hint="set A2ACLI_CLIENT_SECRET (or --client-secret -, read from stdin)",
        )
    if "authorization_code" in offered:
        raise UsageError("the agent only offers the authorization-code flow, which needs a terminal and a browser")
    raise CredentialsMissingError("the agent's authorization server offers no flow this tool can run")


def _same_origin(a: str, b: str) -> bool:
    from a2acli.client.tls import origin_of

    return bool(origin_of(a)) and origin_of(a) == origin_of(b)


def check_secret_destination(endpoints: Endpoints, agent: str, request: LoginRequest, ui: Announcer) -> None:
    """A client secret goes to another origin than the agent's only when the user agrees (`--yes` off a terminal)."""
    from a2acli.client.oauth import host_of

    if not request.client_secret or _same_origin(endpoints.token, agent):
        return
    host = host_of(endpoints.token)
    if request.yes:
        ui.say(f"sending the client secret to the token endpoint at {host} (another origin than {agent}; --yes)")
        return
    if ui.interactive and ui.confirm(f"Send the client secret to {host}, another origin than the agent's? [y/N] "):
        return
    raise UsageError(
        f"the token endpoint {host} is on another origin than the agent ({agent}): the client secret was not sent",
        hint="check that host, then pass --yes to send it there",
    )


async def login(request: LoginRequest, ui: Announcer) -> Login:
    from a2acli.client import oauth
    from a2acli.client.card_resolver import resolve_card
    from a2acli.client.wire import make_http_client

    settings = request.settings
    client = make_http_client(settings)
    try:
        card = await resolve_card(settings.agent_card, settings, client=client)
        agent = agent_of(card)
        schemes = _pick_schemes(oauth_schemes(card.document), request.scheme, agent)
        offered = await flows_offered(client, schemes)
        flow, why = choose_flow(set(offered), request, ui.interactive)
        scheme, endpoints = offered[flow]
        if not request.client_id:
            raise UsageError("--client-id is needed (or A2ACLI_CLIENT_ID)", hint="the agent's operator issues it")
        scopes = request.scopes or scheme.required_scopes
        ui.say(f"logging in to {agent} with the {flow.replace('_', '-')} flow ({why}), scheme {scheme.name}")
        auth = oauth.ClientAuth(request.client_id, request.client_secret, endpoints.auth_methods)
        check_secret_destination(endpoints, agent, request, ui)
        if flow == "client_credentials":
            if not request.client_secret:
                raise CredentialsMissingError(
                    "the client-credentials flow needs a client secret",
                    hint="set A2ACLI_CLIENT_SECRET (or --client-secret -, read from stdin)",
                )
            tokens = await oauth.client_credentials(client, endpoints, auth, scopes)
        elif flow == "device":
            code = await oauth.device_authorization(client, endpoints, auth, scopes)
            ui.say(f"open {code.verification_uri} and enter the code {code.user_code}")
            if code.verification_uri_complete:
                ui.say(f"or open {code.verification_uri_complete}")
            if ui.open_url is not None:
                ui.open_url(code.verification_uri_complete or code.verification_uri)
            ui.say(f"waiting for the approval (the code expires in {code.expires_in:g}s; Ctrl-C to stop)")
            tokens = await oauth.poll_device(client, endpoints, auth, code)
        else:

            def announce(url: str) -> None:
                ui.say(f"open this URL to log in: {url}")
                if ui.open_url is not None:
                    ui.open_url(url)

            tokens = await oauth.authorization_code(
                client, endpoints, auth, scopes, announce=announce, wait_seconds=request.wait_seconds
            )
    finally:
        await client.aclose()
    now = time.time()
    stored = store.put(
        store.Login(
            agent=agent,
            scheme=scheme.name,
            flow=flow,
            client_id=request.client_id,
            token_endpoint=endpoints.token,
            issuer=endpoints.issuer,
            revocation_endpoint=endpoints.revocation,
            scopes=list(tokens.scope or scopes),
            expires_at=now + tokens.expires_in if tokens.expires_in else None,
            obtained_at=now,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            client_secret=request.client_secret if flow == "client_credentials" else None,
        )
    )
    return stored


def agent_of(card: ResolvedCard) -> str:
    from a2acli.client.credentials import login_key

    interfaces = card.document.get("supportedInterfaces")
    first = interfaces[0] if isinstance(interfaces, list) and interfaces else {}
    url = first.get("url") if isinstance(first, dict) else None
    return login_key(card.base_url, url if isinstance(url, str) else str(card.document.get("url") or ""))


async def agent_for_reference(settings: ConnectionSettings) -> str:
    """The login key for `-a REF` without fetching a card when the reference already names the origin."""
    from a2acli.client.card_resolver import agent_origins, classify_reference, resolve_card

    ref = classify_reference(settings.agent_card)
    if ref.kind == "url":
        origins = sorted(agent_origins(settings.agent_card))
        known = {entry.agent for entry in store.all_logins()}
        for origin in origins:
            if origin in known:
                return origin
        return origins[0] if origins else settings.agent_card
    return agent_of(await resolve_card(settings.agent_card, settings))


async def logout(agent: str, settings: ConnectionSettings, ui: Announcer) -> bool:
    """Forget the login for `agent`, revoking its tokens first where the server offers RFC 7009."""
    login = store.get(agent) if any(entry.agent == agent for entry in store.all_logins()) else None
    if login is None:
        return store.remove(agent)
    if login.revocation_endpoint:
        from a2acli.client import oauth
        from a2acli.client.wire import make_http_client

        auth = oauth.ClientAuth(login.client_id, login.client_secret)
        host = oauth.host_of(login.revocation_endpoint)
        client = make_http_client(settings)
        try:
            for token, hint in ((login.refresh_token, "refresh_token"), (login.access_token, "access_token")):
                if not token:
                    continue
                what = hint.replace("_", " ")
                problem = await oauth.revoke(client, login.revocation_endpoint, token, hint, auth)
                if problem is None:
                    ui.say(f"revoked the {what} at {host}")
                elif problem == oauth.UNSUPPORTED_TOKEN_TYPE:
                    ui.say(f"{host} does not revoke {what}s: it stays valid until it expires")
                else:
                    ui.say(f"warning: revoking the {what} failed: {problem}")
        finally:
            await client.aclose()
    return store.remove(agent)


async def fresh_token(agent: str, settings: ConnectionSettings) -> str:
    """A valid access token for `agent`, renewed first when it has expired."""
    from a2acli.auth.session import relogin_hint, renew

    login = store.get(agent)
    if login is None:
        raise CredentialsMissingError(f"no stored login for {agent}", hint=f"a2a auth login -a {agent}")
    if login.expired():
        from a2acli.client.wire import make_http_client

        client = make_http_client(settings)
        try:
            login = await renew(client, login)
        finally:
            await client.aclose()
    if not login.access_token:
        raise CredentialsMissingError(f"the login for {agent} holds no token", hint=relogin_hint(agent))
    return login.access_token
