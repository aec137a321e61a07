"""`a2a auth login / status / logout / token`: OAuth 2 and OpenID Connect logins driven by the Agent Card.

Thin: options -> `a2acli.auth.login` (one `asyncio.run`) -> a writer. Prompts, codes and progress go to stderr;
stdout carries data only (`auth token` is the one command that prints a token).
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from a2acli.commands._options import EXPOSED, AgentOptions, OutputFormat, agent_options, setting

if TYPE_CHECKING:
    from a2acli.auth.login import Announcer
    from a2acli.auth.store import Login

app = typer.Typer(
    help="Log in to agents with OAuth 2 / OpenID Connect (device, client credentials, code + PKCE); stored tokens.",
    no_args_is_help=True,
)

# `auth` talks to the card and the authorization server only: the A2A request options do not apply.
_NOT_HERE = ("transport", "a2a_version", "bearer", "api_key", "basic", "svc_param", "extension", "verbose")


def _announcer(open_browser: bool = False) -> Announcer:
    from a2acli.auth.login import Announcer
    from a2acli.render.writers import diag

    interactive = sys.stdin.isatty() and sys.stderr.isatty()

    def confirm(question: str) -> bool:
        sys.stderr.write(question)
        sys.stderr.flush()
        try:
            return sys.stdin.readline().strip().lower() in ("y", "yes")
        except (OSError, KeyboardInterrupt):
            return False

    def open_url(url: str) -> None:
        import webbrowser

        webbrowser.open(url)

    return Announcer(say=diag, interactive=interactive, confirm=confirm, open_url=open_url if open_browser else None)


def _read_secret(value: str | None) -> str | None:
    """`--client-secret -` reads one line from stdin (never echoed: a terminal gets a hidden prompt)."""
    if value != "-":
        return value or None
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Client secret: ", stream=sys.stderr) or None
    return sys.stdin.readline().strip() or None


def _rows(login: Login) -> list[tuple[str, str]]:
    import time

    if login.expires_at is None:
        expiry = "no expiry given"
    else:
        left = int(login.expires_at - time.time())
        expiry = f"in {left}s" if left > 0 else f"expired {-left}s ago"
    return [
        ("Agent", login.agent),
        ("Scheme", login.scheme),
        ("Flow", login.flow.replace("_", "-")),
        ("Issuer", login.issuer or login.token_endpoint),
        ("Client", login.client_id),
        ("Scopes", " ".join(login.scopes) or "(none)"),
        ("Expires", expiry),
        ("Refreshable", "yes" if login.public()["refreshable"] else "no"),
        ("Store", "OS keyring" if login.store == "keyring" else "file"),
    ]


def _write_logins(logins: list[Login], output: OutputFormat, *, listing: bool = False) -> None:
    """Text: one block of `Label: value` lines per login. JSON: one document, the login (`auth login`) or
    `{"logins": [...]}` (`auth status`)."""
    from a2acli.render.writers import field, write_json, write_text

    if output is OutputFormat.json:
        write_json({"logins": [login.public() for login in logins]} if listing else logins[0].public())
        return
    blocks = ["".join(field(label, value) for label, value in _rows(login)) for login in logins]
    write_text("\n".join(blocks))


def _scopes(scope: list[str] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for item in scope or () for s in item.split() if s))


@app.command("login")
@agent_options(omit=_NOT_HERE)
def login(
    agent: AgentOptions,
    flow: Annotated[
        str | None,
        setting("--flow", help="device, client_credentials or authorization_code. Default: the card's, see below."),
    ] = None,
    client_id: Annotated[
        str | None, setting("--client-id", help="The OAuth client id the agent's operator issued.")
    ] = None,
    client_secret: Annotated[
        str | None,
        setting(
            "--client-secret",
            help=f"Client secret (client-credentials flow); - reads it from stdin, never echoed. {EXPOSED}",
        ),
    ] = None,
    scope: Annotated[
        list[str] | None,
        setting("--scope", help="A scope to ask for, repeatable. Default: the scopes the card's requirement names."),
    ] = None,
    scheme: Annotated[
        str | None,
        setting("--scheme", help="The card's security scheme to use, by name. Default: the first OAuth one."),
    ] = None,
    open_browser: Annotated[
        bool, setting("--open", help="Open the verification or login URL in a browser (never without this flag).")
    ] = False,
    yes: Annotated[
        bool,
        setting("--yes", help="Send the client secret to a token endpoint on another origin than the agent's."),
    ] = False,
    timeout: Annotated[
        str | None, setting("--timeout", help="Give up on a browser login after this long. Default: 5m.")
    ] = None,
) -> None:
    """Log in to an agent with the OAuth 2 / OpenID Connect flow its card offers, and store the tokens.

    Without --flow: client credentials when a client secret is given, else the device flow (RFC 8628), else
    authorization code + PKCE on a loopback redirect (a terminal only); the choice is said on stderr.

    The device flow prints the verification URL and the user code on stderr and waits for the approval.

    The provider is discovered from the card's openIdConnectUrl or oauth2MetadataUrl when it gives one.

    Tokens go to the OS keyring when one is usable, else to a file only you can read; every command that talks to
    the agent then sends them, renewed when expired.
    """
    from a2acli.auth.login import LoginRequest
    from a2acli.auth.login import login as run_login
    from a2acli.errors import Interrupted
    from a2acli.settings import parse_duration

    wait = parse_duration(timeout, name="--timeout") if timeout else 300.0
    request = LoginRequest(
        settings=agent.settings(),
        flow=flow.replace("-", "_") if flow else None,
        scheme=scheme,
        client_id=client_id,
        client_secret=_read_secret(client_secret),
        scopes=_scopes(scope),
        yes=yes,
        wait_seconds=wait or 300.0,
    )
    try:
        stored = asyncio.run(run_login(request, _announcer(open_browser)))
    except KeyboardInterrupt:
        raise Interrupted("login interrupted: nothing was stored") from None
    from a2acli.render.writers import diag

    diag(f"logged in to {stored.agent}; stored in the {'OS keyring' if stored.store == 'keyring' else 'token file'}")
    _write_logins([stored], agent.output)


def _agent_key(agent: AgentOptions) -> str:
    from a2acli.auth.login import agent_for_reference

    return asyncio.run(agent_for_reference(agent.settings()))


@app.command("status")
@agent_options(omit=_NOT_HERE)
def status(agent: AgentOptions, ctx: typer.Context) -> None:
    """Show the stored logins (agent, issuer, client, scopes, expiry, where kept); never a token.

    With -a only the login for that agent; without it every stored login.
    """
    from a2acli.auth import store
    from a2acli.errors import CredentialsMissingError
    from a2acli.settings import source_of

    logins = store.all_logins()
    if source_of(ctx, "agent_card") != "default":
        key = _agent_key(agent)
        logins = [login for login in logins if login.agent == key]
        if not logins:
            raise CredentialsMissingError(f"no stored login for {key}", hint=f"a2a auth login -a {key}")
    if not logins:
        from a2acli.render.writers import diag

        diag("no stored logins (a2a auth login -a AGENT)")
    _write_logins(logins, agent.output, listing=True)


@app.command("logout")
@agent_options(omit=_NOT_HERE)
def logout(
    agent: AgentOptions,
    ctx: typer.Context,
    all_logins: Annotated[bool, setting("--all", help="Forget every stored login.")] = False,
) -> None:
    """Forget the stored login of an agent (-a) or of every agent (--all).

    The tokens are revoked first where the authorization server offers RFC 7009 revocation.
    """
    from a2acli.auth import store
    from a2acli.auth.login import logout as run_logout
    from a2acli.errors import UsageError
    from a2acli.render.writers import diag
    from a2acli.settings import source_of

    given = source_of(ctx, "agent_card") != "default"
    if all_logins == given:
        raise UsageError("name the agent with -a AGENT, or pass --all (not both)")
    keys = [login.agent for login in store.all_logins()] if all_logins else [_agent_key(agent)]
    settings, ui = agent.settings(), _announcer()
    for key in keys:
        if asyncio.run(run_logout(key, settings, ui)):
            diag(f"logged out of {key}")
        elif not all_logins:
            diag(f"no stored login for {key}: nothing to do")


@app.command("token")
@agent_options(omit=(*_NOT_HERE, "output"))
def token(agent: AgentOptions) -> None:
    """Print a valid access token of the stored login for an agent, renewed first when it has expired.

    The only command that prints a token, for scripts: curl -H "Authorization: Bearer $(a2a auth token -a X)".
    """
    from a2acli.auth.login import fresh_token

    key = _agent_key(agent)
    value = asyncio.run(fresh_token(key, agent.settings()))
    sys.stdout.write(value + "\n")
    sys.stdout.flush()
