"""Option definitions shared by every command, so flags, env variables and defaults are spelled once.

Every option that may have a default has an `A2ACLI_<FLAG>` variable (SPEC §7.2); `--stream`, `--help`
and `--version` never do. Typer shows the variable and the default in `--help`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, overload

import typer

if TYPE_CHECKING:
    from a2acli.settings import ConnectionSettings

R = TypeVar("R")

DEFAULT_AGENT = "http://127.0.0.1:8001"
# The one source of the poll interval's default: every command that polls, and `config show`, declare it with this.
DEFAULT_POLL_INTERVAL = "2s"


class OutputFormat(StrEnum):
    """SPEC §6.5 / §11.2: `text`, the plain floor, is the default everywhere (a terminal too); `rich` is the Rich
    view, on a terminal only (piped, it is the floor), which `A2ACLI_OUTPUT=rich` makes a person's default."""

    text = "text"
    json = "json"
    rich = "rich"


def setting(*param_decls: str, help: str, **kwargs: Any) -> Any:
    """A `typer.Option` that is also a setting: it reads A2ACLI_<FLAG>, the canonical long flag in upper snake
    case (SPEC §7.2), and `--help` names the variable."""
    flag = next(d for d in param_decls if d.startswith("--"))
    envvar = "A2ACLI_" + flag[2:].upper().replace("-", "_")
    return typer.Option(*param_decls, envvar=envvar, show_envvar=True, help=help, **kwargs)


def _starting_with(values: tuple[str, ...], incomplete: str) -> list[str]:
    # Shells replace the word with the offered value, and Typer keeps only exact-prefix matches.
    return [v for v in values if v.startswith(incomplete)]


# The vocabulary is read only when a Tab press asks for it: `--help` of a command does not pay for it.


def complete_transport(incomplete: str) -> list[str]:
    """Shell completion for `--transport`: the bindings the client speaks."""
    from a2acli.protocol import CLIENT_BINDINGS

    return _starting_with(CLIENT_BINDINGS, incomplete)


def complete_a2a_version(incomplete: str) -> list[str]:
    from a2acli.protocol import PROTOCOL_VERSIONS

    return _starting_with(PROTOCOL_VERSIONS, incomplete)


def complete_task_state(incomplete: str) -> list[str]:
    """Task states: the A2A 1.0 names, or their short lower-case forms (`working`, `input-required`)."""
    from a2acli.protocol import TASK_STATES

    short = tuple(s.removeprefix("TASK_STATE_").lower().replace("_", "-") for s in TASK_STATES)
    return _starting_with(TASK_STATES if incomplete[:1].isupper() else short, incomplete)


def complete_agent_card(incomplete: str) -> list[str]:
    """`-a catalog:<TAB>`: the names of the catalog's entries, as `catalog:NAME`. A file catalog only (a URL
    catalog is never fetched on a Tab press) and nothing for an unreadable or refused one; any other reference
    is left to the shell (files)."""
    from a2acli import catalog
    from a2acli.errors import A2ACliError
    from a2acli.settings import catalog_location

    typed = incomplete.lower()
    if not typed or not (typed.startswith(catalog.PREFIX) or catalog.PREFIX.startswith(typed)):
        return []
    where, explicit = catalog_location()
    if where.lower().startswith(("http://", "https://")):
        return []
    try:
        names = sorted(catalog.load(where, explicit=explicit))
    except (A2ACliError, OSError):
        return []
    return _starting_with(tuple(catalog.PREFIX + name for name in names), incomplete)


# SPEC §12.1 / A2ACLI_AUTH_002: the help of every option that carries a secret says how a flag exposes it.
EXPOSED = "A flag is visible in the process table and shell history: prefer the variable (or a .env file)."

AgentCardOpt = Annotated[
    str,
    setting(
        "--agent-card",
        "-a",
        "--url",
        autocompletion=complete_agent_card,
        help="Agent Card reference: host[:port], origin, card URL, file path, file:// URL, or - for stdin.",
    ),
]
OutputOpt = Annotated[
    OutputFormat,
    setting(
        "--output",
        "-o",
        case_sensitive=False,
        help="Output format: text (default: `Label: value` lines, the same on a terminal and in a pipe), json (the "
        "protocol's objects) or rich (styled views on a terminal, text when piped; A2ACLI_OUTPUT=rich to keep it).",
    ),
]
TransportOpt = Annotated[
    list[str] | None,
    setting(
        "--transport",
        autocompletion=complete_transport,
        help="Preferred binding, repeatable, highest first: JSONRPC, HTTP+JSON (alias REST), GRPC (pip install "
        "'a2acli[grpc]'). Default: card order.",
    ),
]
A2AVersionOpt = Annotated[
    str | None,
    setting(
        "--a2a-version",
        autocompletion=complete_a2a_version,
        help="Protocol version to speak (1.0, 0.3). Default: the highest both sides support, never below 1.0 "
        "unless the agent only speaks 0.x.",
    ),
]
BearerOpt = Annotated[
    str | None,
    setting(
        "--bearer",
        help=f"Bearer token. {EXPOSED}",
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    setting(
        "--api-key", help=f"API key, sent where the card's security scheme says (header, query or cookie). {EXPOSED}"
    ),
]
SvcParamOpt = Annotated[
    list[str] | None, setting("--svc-param", help="A2A service parameter K:V sent as a transport header; repeatable.")
]
ExtensionOpt = Annotated[
    list[str] | None,
    setting(
        "--extension",
        help="An A2A extension URI to declare to the agent (A2A-Extensions), repeatable; those the card marks"
        " required are declared too.",
    ),
]
InsecureOpt = Annotated[
    bool, setting("--insecure", help="Disable TLS certificate verification (development only; warns).")
]
CertOpt = Annotated[
    str | None,
    setting(
        "--cert",
        help="Client certificate (PEM) for mutual TLS, presented only to the agent's origin; it may hold the key.",
    ),
]
KeyOpt = Annotated[str | None, setting("--key", help="Private key (PEM) of --cert; must not be readable by others.")]
KeyPasswordOpt = Annotated[str | None, setting("--key-password", help=f"Password of an encrypted --key. {EXPOSED}")]
CACertOpt = Annotated[
    str | None,
    setting(
        "--cacert", help="Also trust the CA certificates in this PEM file (a self-signed agent without --insecure)."
    ),
]
BasicOpt = Annotated[
    str | None,
    setting(
        "--basic",
        help="HTTP Basic credentials USER[:PASSWORD]; without the password it comes from A2ACLI_BASIC_PASSWORD or"
        f" a prompt. {EXPOSED}",
    ),
]
TimeoutOpt = Annotated[
    str | None, setting("--timeout", help="Give up after this long (e.g. 30s, 5m). Default: no limit.")
]
PollIntervalOpt = Annotated[
    str, setting("--poll-interval", help="How often to poll while waiting (bounded backoff from here).")
]
DebugOpt = Annotated[
    bool, setting("--debug", help="Diagnostics on stderr: wire messages (credentials redacted), timing, tracebacks.")
]
VerboseOpt = Annotated[bool, setting("--verbose", help="Show every part of what was exchanged in full.")]
ConfigOpt = Annotated[str | None, setting("--config", help="A .env file to load in place of the local ./.env.")]


# ------------------------------------------------------------------------------ the agent options, declared once


@dataclass(frozen=True)
class AgentOptions:
    """The options of every command that talks to an agent (SPEC §7.2), as the command was given them."""

    agent_card: str
    output: OutputFormat
    transport: list[str] | None
    a2a_version: str | None
    bearer: str | None
    api_key: str | None
    svc_param: list[str] | None
    insecure: bool
    debug: bool
    verbose: bool
    extension: list[str] | None = None
    cert: str | None = None
    key: str | None = None
    key_password: str | None = None
    cacert: str | None = None
    basic: str | None = None

    def settings(self, timeout: float | None = None) -> ConnectionSettings:
        from a2acli.settings import connection_settings

        return connection_settings(
            agent_card=self.agent_card,
            transport=self.transport,
            a2a_version=self.a2a_version,
            bearer=self.bearer,
            api_key=self.api_key,
            svc_param=self.svc_param,
            insecure=self.insecure,
            timeout=timeout,
            debug=self.debug,
            verbose=self.verbose,
            extensions=self.extension,
            cert=self.cert,
            key=self.key,
            key_password=self.key_password,
            cacert=self.cacert,
            basic=self.basic,
        )


# (name, annotation, default), in the order `--help` lists them; `config` is read by a2acli.settings, not here.
_AGENT_PARAMS: tuple[tuple[str, Any, Any], ...] = (
    ("agent_card", AgentCardOpt, DEFAULT_AGENT),
    ("output", OutputOpt, OutputFormat.text),
    ("transport", TransportOpt, None),
    ("a2a_version", A2AVersionOpt, None),
    ("bearer", BearerOpt, None),
    ("api_key", ApiKeyOpt, None),
    ("basic", BasicOpt, None),
    ("cert", CertOpt, None),
    ("key", KeyOpt, None),
    ("key_password", KeyPasswordOpt, None),
    ("cacert", CACertOpt, None),
    ("svc_param", SvcParamOpt, None),
    ("extension", ExtensionOpt, None),
    ("insecure", InsecureOpt, False),
    ("debug", DebugOpt, False),
    ("verbose", VerboseOpt, False),
    ("config", ConfigOpt, None),
)
_AGENT_DEFAULTS = {n: d for n, _, d in _AGENT_PARAMS if n != "config"}


@overload
def agent_options(func: Callable[..., R], /) -> Callable[..., R]: ...


@overload
def agent_options(*, omit: Collection[str] = ()) -> Callable[[Callable[..., R]], Callable[..., R]]: ...


def agent_options(func: Callable[..., R] | None = None, /, *, omit: Collection[str] = ()) -> Any:
    """Give a command the shared agent options without re-listing them: they are appended to its parameters
    (Typer reads `__signature__`) and reach it as one `agent: AgentOptions` keyword argument.

    `@agent_options(omit=("verbose",))`: a command without some of them (their fields keep the default). A
    command that declares a shared option itself (card validate's `--output`, which takes sarif too) gets its
    own declaration, and the value as its own argument.
    """

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        signature = inspect.signature(func, eval_str=True)
        own = [p for name, p in signature.parameters.items() if name != "agent"]
        taken = {p.name for p in own} | set(omit)
        shared = [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d)
            for n, a, d in _AGENT_PARAMS
            if n not in taken
        ]
        names = [p.name for p in shared if p.name != "config"]  # `config` is read by a2acli.settings
        parameters = [*own, *shared]

        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> R:
            given = {name: kwargs.pop(name) for name in names if name in kwargs}
            if "config" not in signature.parameters:
                kwargs.pop("config", None)
            return func(*args, agent=AgentOptions(**{**_AGENT_DEFAULTS, **given}), **kwargs)

        command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        return command

    return decorate if func is None else decorate(func)
