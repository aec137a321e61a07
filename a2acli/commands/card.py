"""`a2a card`: fetch, render, validate, sign and verify Agent Cards.

    a2a card [-a REF] [-o json] [--validate] [--extended]     show the card (same as `a2a card get`)
    a2a card get [REF]                                         show the card
    a2a card validate [REF] [--strict] [-o json|sarif] [--live] check it: schemas, REQUIRED fields, lint rules
    a2a card verify [REF] [--jwks FILE|URL]                    check its signatures
    a2a card sign [REF] --key PEM [--kid ID] [--jku URL]       sign it (for agent authors)

Thin: options in, one call into `a2acli.client.card_fetch` / `a2acli.cards`, the result to the writers of
`a2acli.render.card_output`.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from a2acli.commands._options import (
    DEFAULT_AGENT,
    AgentCardOpt,
    AgentOptions,
    ConfigOpt,
    InsecureOpt,
    OutputFormat,
    agent_options,
    setting,
)
from a2acli.render import card_output
from a2acli.render.writers import rich_terminal, set_mode

if TYPE_CHECKING:
    from a2acli.client.card_fetch import CardRequest, CardResult
    from a2acli.settings import ConnectionSettings

EXIT_EPILOG = (
    "Exit codes: 0 ok (validate: valid, warnings allowed) · 1 invalid card or signature · 2 usage · "
    "3 card not found or agent unreachable · 4 authentication · 5 timeout · 130 interrupted (Ctrl-C; -o json "
    "reports the code X_A2ACLI_INTERRUPTED)."
)


def _looks_like_reference(word: str) -> bool:
    """`a2a card HOST:PORT`: a first word that is no subcommand but reads as a card reference."""
    from pathlib import Path

    return word == "-" or word == "localhost" or any(c in word for c in ".:/\\") or Path(word).exists()


class _CardGroup(TyperGroup):
    """`a2a card REF ...` is `a2a card get REF ...` when REF is not a subcommand (typos still fail as usage)."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        first = args[0] if args else ""
        if (
            first
            and first not in self.commands
            and (first == "-" or not first.startswith("-"))
            and _looks_like_reference(first)
        ):
            return "get", self.commands["get"], args
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_CardGroup,
    help="Fetch, render, validate, sign and verify Agent Cards. With no subcommand: show the card.\n\n"
    "The card comes from -a/--agent-card REF: a bare host or host:port (http for loopback hosts, https otherwise), "
    "an origin (its /.well-known/agent-card.json, then the 0.2 /.well-known/agent.json), a full card URL, "
    "a file path or file:// URL, or - for stdin.",
    no_args_is_help=False,
    invoke_without_command=True,
    epilog=EXIT_EPILOG,
    rich_markup_mode="rich",
)


class ReportOutput(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    rich = "rich"


RefArg = Annotated[
    str | None,
    typer.Argument(
        help="Agent Card reference (overrides -a): host[:port], origin, card URL, file path, file:// URL, or -.",
        show_default=False,
    ),
]
ReportOutputOpt = Annotated[
    ReportOutput,
    setting(
        "--output",
        "-o",
        case_sensitive=False,
        help="text (default), json (a machine report), sarif (SARIF 2.1.0 for code-scanning dashboards) or rich "
        "(a styled report on a terminal).",
    ),
]
StrictOpt = Annotated[bool, setting("--strict", help="Warnings fail validation too.")]
LiveOpt = Annotated[
    bool,
    setting(
        "--live",
        help="Also probe the agent behind the card: well-known path, every interface answers, version negotiation.",
    ),
]
LiveStreamOpt = Annotated[
    bool,
    setting(
        "--live-stream",
        help="With --live: check that advertised streaming really streams (creates one task, then cancels it).",
    ),
]
JwksOpt = Annotated[
    str | None,
    setting(
        "--jwks", help="Keys to verify card signatures with: a JWKS, JWK or PEM public key, as a file or an https URL."
    ),
]
NoJkuOpt = Annotated[bool, setting("--no-jku", help="Never fetch the key set a signature's `jku` header names.")]
ExtendedOpt = Annotated[
    bool,
    setting(
        "--extended", help="Fetch the authenticated extended card (needs the card to advertise it, and credentials)."
    ),
]
ValidateFlagOpt = Annotated[bool, setting("--validate", help="Validate the card (as `a2a card validate`).")]
SendCredsOpt = Annotated[
    bool,
    setting(
        "--card-credentials",
        help="Offer --bearer / --api-key to the card endpoint when it asks for them (a 401/403 challenge that "
        "accepts them; never across origins).",
    ),
]
# The card fetch's own deadline (client/card_resolver.DEFAULT_CARD_TIMEOUT, which tests/test_card_command.py holds
# to this): a card command never waits without limit, and its --help says how long it does wait.
DEFAULT_CARD_TIMEOUT = "30s"
CardTimeoutOpt = Annotated[
    str | None, setting("--timeout", help="Give up fetching the card after this long (e.g. 10s, 2m).")
]
MaxCardBytesOpt = Annotated[
    int | None, setting("--max-card-bytes", min=1, help="Refuse cards larger than this many bytes (default 1 MiB).")
]

# The agent options a card command takes: every one but --verbose (a card shows in full anyway).
_NOT_FOR_CARDS = ("verbose",)


# ------------------------------------------------------------------------------------------------------ helpers


def _settings(agent: AgentOptions, ref: str, timeout: str | None, *, to_agent: bool) -> ConnectionSettings:
    """`to_agent`: the command sends the credentials somewhere (the card fetch under --card-credentials, the
    extended card, the --live probe), which the --insecure warning then names."""
    from a2acli.settings import parse_duration

    settings = dataclasses.replace(agent, agent_card=ref).settings(timeout=parse_duration(timeout, name="--timeout"))
    if settings.insecure:
        _warn_insecure(settings, to_agent=to_agent)
    return settings


def _warn_insecure(settings: ConnectionSettings, *, to_agent: bool) -> None:
    from a2acli.render.writers import warn_insecure

    warn_insecure(credentials=to_agent and bool(settings.bearer or settings.api_key))


def _pick_ref(ctx: typer.Context, positional: str | None, agent_card: str) -> str:
    """Positional REF > this command's -a > the group's -a (`a2a card -a X validate`) > default."""
    from a2acli._compat.typer import ParameterSource

    if positional:
        return positional
    if ctx.get_parameter_source("agent_card") not in (ParameterSource.DEFAULT, None):
        return agent_card
    parent = ctx.parent.params if ctx.parent is not None else {}
    group_ref = parent.get("agent_card")
    return group_ref if isinstance(group_ref, str) and group_ref else agent_card


def _load(request: CardRequest) -> CardResult:
    """The one async boundary: resolve (and, as asked, extend, probe, verify); diagnostics to stderr."""
    from a2acli.client.card_fetch import load_card_sync

    result = load_card_sync(request)
    card_output.card_diagnostics(result, debug=request.settings.debug)
    return result


def _show(
    agent: AgentOptions,
    ref: str,
    *,
    validate: bool,
    strict: bool,
    extended: bool,
    card_credentials: bool,
    timeout: str | None,
    max_card_bytes: int | None,
) -> None:
    """`a2a card` and `a2a card get`: the card, or (--validate) its validation report."""
    from a2acli.cards.validate import validate_card
    from a2acli.client.card_fetch import CardRequest
    from a2acli.client.card_resolver import provenance_notes

    set_mode(agent.output.value)
    settings = _settings(agent, ref, timeout, to_agent=card_credentials or extended)
    result = _load(CardRequest(settings, max_card_bytes, card_credentials, extended=extended))
    if validate:
        _report(result, output=agent.output.value, strict=strict)
        return
    resolved = result.card
    errors = validate_card(resolved.document, raw_size=len(resolved.raw)).errors
    card_output.show_card(
        resolved,
        provenance_notes(resolved.notes),
        json_output=agent.output is OutputFormat.json,
        errors=errors,
        rich=rich_terminal(agent.output.value),
    )


def _report(result: CardResult, *, output: str, strict: bool) -> None:
    """The validation report of what was fetched; then the failure, if any (exit 1)."""
    from a2acli.cards.verdict import validation

    resolved = result.card
    verdict = validation(
        resolved.document,
        source=resolved.source,
        raw_size=len(resolved.raw),
        live=result.live,
        signatures=result.signatures,
        strict=strict,
    )
    raw = None if resolved.source == "stdin" else resolved.raw
    card_output.show_report(verdict.report, result.signatures, output=output, strict=strict, raw=raw)
    if verdict.failure is not None:
        set_mode("text")  # the report above is the result: no error envelope after it on stdout
        raise verdict.failure.error()


# ---------------------------------------------------------------------------------------------------- commands


@app.callback()
@agent_options(omit=_NOT_FOR_CARDS)
def card(
    ctx: typer.Context,
    agent: AgentOptions,
    validate: ValidateFlagOpt = False,
    strict: StrictOpt = False,
    extended: ExtendedOpt = False,
    card_credentials: SendCredsOpt = False,
    timeout: CardTimeoutOpt = DEFAULT_CARD_TIMEOUT,
    max_card_bytes: MaxCardBytesOpt = None,
) -> None:
    """Show an agent's card (with no subcommand), or validate, verify or sign one.

    The card comes from -a/--agent-card: a bare host or host:port (http for loopback, https otherwise), an origin
    (its /.well-known/agent-card.json, then the 0.2 /.well-known/agent.json), a full card URL, a file, or - (stdin).
    """
    if ctx.invoked_subcommand is not None:
        return
    flags = {"validate": validate, "strict": strict, "extended": extended, "card_credentials": card_credentials}
    _show(agent, agent.agent_card, timeout=timeout, max_card_bytes=max_card_bytes, **flags)


@app.command("get", epilog=EXIT_EPILOG)
@agent_options(omit=_NOT_FOR_CARDS)
def get(
    ctx: typer.Context,
    agent: AgentOptions,
    ref: RefArg = None,
    validate: ValidateFlagOpt = False,
    strict: StrictOpt = False,
    extended: ExtendedOpt = False,
    card_credentials: SendCredsOpt = False,
    timeout: CardTimeoutOpt = DEFAULT_CARD_TIMEOUT,
    max_card_bytes: MaxCardBytesOpt = None,
) -> None:
    """Fetch and show an Agent Card.

    `Label: value` lines (on a terminal too), -o json prints the card as served, -o rich a styled view on a terminal.
    """
    flags = {"validate": validate, "strict": strict, "extended": extended, "card_credentials": card_credentials}
    _show(agent, _pick_ref(ctx, ref, agent.agent_card), timeout=timeout, max_card_bytes=max_card_bytes, **flags)


@app.command("validate", epilog=EXIT_EPILOG)
@agent_options(omit=_NOT_FOR_CARDS)
def validate_command(
    ctx: typer.Context,
    agent: AgentOptions,
    ref: RefArg = None,
    output: ReportOutputOpt = ReportOutput.text,
    strict: StrictOpt = False,
    live: LiveOpt = False,
    live_stream: LiveStreamOpt = False,
    jwks: JwksOpt = None,
    card_credentials: SendCredsOpt = False,
    timeout: CardTimeoutOpt = DEFAULT_CARD_TIMEOUT,
    max_card_bytes: MaxCardBytesOpt = None,
) -> None:
    """Validate an Agent Card (exit 0 valid, 1 invalid; --strict fails on warnings).

    Detects the version(s) the card is written for (1.0, 0.3, hybrid, 0.2), checks it against the official A2A 1.0
    and 0.3 JSON Schemas and the proto's REQUIRED fields, and applies semantic rules with stable codes (AC0xx),
    JSON-pointer locations and fix hints. --live also probes the agent behind the card.
    """
    from a2acli.cards.verdict import unreadable
    from a2acli.client.card_fetch import CardRequest
    from a2acli.errors import CardInvalidError

    set_mode("json" if output in (ReportOutput.json, ReportOutput.sarif) else "text")
    settings = _settings(
        agent, _pick_ref(ctx, ref, agent.agent_card), timeout, to_agent=card_credentials or live or live_stream
    )
    request = CardRequest(
        settings, max_card_bytes, card_credentials, live=live, live_stream=live_stream, verify=bool(jwks), jwks=jwks
    )
    try:
        result = _load(request)
    except CardInvalidError as exc:
        if output is ReportOutput.sarif:  # a dashboard still gets a SARIF log saying why
            card_output.show_unreadable_sarif(unreadable(settings.agent_card, exc.message, exc.hint))
            set_mode("text")
        raise
    if result.signatures is not None and result.signatures[0].status == "absent":
        result.signatures = None  # --jwks on an unsigned card: nothing to report
    _report(result, output=output.value, strict=strict)


@app.command("verify", epilog=EXIT_EPILOG)
@agent_options(omit=(*_NOT_FOR_CARDS, "transport", "a2a_version", "svc_param", "extension"))
def verify_command(
    ctx: typer.Context,
    agent: AgentOptions,
    ref: RefArg = None,
    jwks: JwksOpt = None,
    no_jku: NoJkuOpt = False,
    require: Annotated[
        bool,
        setting(
            "--require-signature",
            help="Fail (exit 1) unless a signature is verified with a trusted key: an unsigned card fails too.",
        ),
    ] = False,
    card_credentials: SendCredsOpt = False,
    timeout: CardTimeoutOpt = DEFAULT_CARD_TIMEOUT,
    max_card_bytes: MaxCardBytesOpt = None,
) -> None:
    """Verify the card's signatures (A2A §8.4).

    Each signature is reported verified, invalid or unverifiable; an unsigned card is reported absent (not an
    error unless --require-signature). Verified means by a key you trust: from --jwks (file or URL; A2ACLI_JWKS pins
    it), else from a signature's jku on the card's own https origin. A jku anywhere else, or on a card read from a
    file, is not fetched: its signature is unverifiable (exit 1), since anyone can sign a card with a fresh key.
    """
    from a2acli.cards.verdict import verification
    from a2acli.client.card_fetch import CardRequest

    set_mode(agent.output.value)
    settings = _settings(agent, _pick_ref(ctx, ref, agent.agent_card), timeout, to_agent=card_credentials)
    request = CardRequest(settings, max_card_bytes, card_credentials, verify=True, jwks=jwks, allow_jku=not no_jku)
    result = _load(request)
    checks = result.signatures or []
    verdict = verification(checks, require=require)
    json_output = agent.output is OutputFormat.json
    card_output.show_verification(result.card.source, verdict.status, checks, json_output=json_output, required=require)
    set_mode("text")
    if verdict.failure is not None:
        raise verdict.failure.error()


@app.command("sign", epilog=EXIT_EPILOG)
def sign_command(
    ctx: typer.Context,
    key: Annotated[str, setting("--key", help="PEM private key (RSA, EC P-256/384/521 or Ed25519).")],
    ref: RefArg = None,
    agent_card: AgentCardOpt = DEFAULT_AGENT,
    kid: Annotated[
        str | None, setting("--kid", help="Key id for the protected header (default: RFC 7638 thumbprint).")
    ] = None,
    jku: Annotated[str | None, setting("--jku", help="URL of the JWKS where clients find the public key.")] = None,
    out: Annotated[str | None, setting("--out", help="Write the signed card here instead of stdout.")] = None,
    jwks_out: Annotated[
        str | None, setting("--jwks-out", help="Also write the public JWKS (to publish at --jku) here.")
    ] = None,
    max_card_bytes: MaxCardBytesOpt = None,
    insecure: InsecureOpt = False,
    timeout: CardTimeoutOpt = DEFAULT_CARD_TIMEOUT,
    config: ConfigOpt = None,
) -> None:
    """Sign an Agent Card (for agent authors): print it with one more JWS signature.

    The payload is the RFC 8785 canonical JSON of the card's A2A 1.0 fields (what SDK clients verify); 0.3-only
    cards are signed whole. --jwks-out writes the public key set to publish at --jku.
    """
    import json
    from pathlib import Path

    from a2acli.cards.signing import public_jwks, sign_card_dict
    from a2acli.client.card_fetch import CardRequest
    from a2acli.errors import UsageError
    from a2acli.settings import connection_settings, parse_duration

    set_mode("json")
    try:
        key_pem = Path(key).expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read --key {key}: {exc.strerror or exc}") from None
    settings = connection_settings(
        agent_card=_pick_ref(ctx, ref, agent_card),
        insecure=insecure,
        timeout=parse_duration(timeout, name="--timeout"),
    )
    if insecure:
        _warn_insecure(settings, to_agent=False)
    resolved = _load(CardRequest(settings, max_card_bytes)).card
    signed = sign_card_dict(resolved.document, key_pem, kid=kid, jku=jku)
    if jwks_out:
        Path(jwks_out).write_text(json.dumps(public_jwks(key_pem, kid=kid), indent=2) + "\n", encoding="utf-8")
    if out:
        Path(out).write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    card_output.show_signed(signed)
