"""`a2a card`: fetch, render, validate, sign and verify Agent Cards. (Owned by the card work, issue 3.)

    a2a card [-a REF] [-o json] [--validate] [--extended]     show the card (same as `a2a card get`)
    a2a card get [REF]                                         show the card
    a2a card validate [REF] [--strict] [-o json|sarif] [--live] check it: schemas, REQUIRED fields, lint rules
    a2a card verify [REF] [--jwks FILE|URL]                    check its signatures
    a2a card sign [REF] --key PEM [--kid ID] [--jku URL]       sign it (for agent authors)

Thin: options in, one call into `a2acli.cards` / `a2acli.client`, result to a writer.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from a2acli.commands._options import (
    DEFAULT_AGENT,
    A2AVersionOpt,
    AgentCardOpt,
    ApiKeyOpt,
    BearerOpt,
    ConfigOpt,
    DebugOpt,
    InsecureOpt,
    TimeoutOpt,
)

if TYPE_CHECKING:
    from a2acli.cards.validate import ValidationReport
    from a2acli.client.card_fetch import CardRequest, CardResult
    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.settings import ConnectionSettings

EXIT_EPILOG = (
    "Exit codes: 0 ok (validate: valid, warnings allowed) · 1 invalid card or signature · 2 usage · "
    "3 card not found or agent unreachable · 4 authentication · 5 timeout."
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


class CardOutput(StrEnum):
    text = "text"
    json = "json"


class ReportOutput(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


RefArg = Annotated[
    str | None,
    typer.Argument(
        help="Agent Card reference (overrides -a): host[:port], origin, card URL, file path, file:// URL, or -.",
        show_default=False,
    ),
]
CardOutputOpt = Annotated[
    CardOutput,
    typer.Option(
        "--output",
        "-o",
        envvar="A2ACLI_OUTPUT",
        show_envvar=True,
        case_sensitive=False,
        help="text (Rich on a terminal, the plain text floor when piped) or json (the card as served).",
    ),
]
ReportOutputOpt = Annotated[
    ReportOutput,
    typer.Option(
        "--output",
        "-o",
        envvar="A2ACLI_OUTPUT",
        show_envvar=True,
        case_sensitive=False,
        help="text, json (a machine report) or sarif (SARIF 2.1.0 for code-scanning dashboards).",
    ),
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", envvar="A2ACLI_STRICT", show_envvar=True, help="Warnings fail validation too.")
]
LiveOpt = Annotated[
    bool,
    typer.Option(
        "--live",
        envvar="A2ACLI_LIVE",
        show_envvar=True,
        help="Also probe the agent behind the card: well-known path, every interface answers, version negotiation.",
    ),
]
LiveStreamOpt = Annotated[
    bool,
    typer.Option(
        "--live-stream",
        envvar="A2ACLI_LIVE_STREAM",
        show_envvar=True,
        help="With --live: check that advertised streaming really streams (creates one task, then cancels it).",
    ),
]
JwksOpt = Annotated[
    str | None,
    typer.Option(
        "--jwks",
        envvar="A2ACLI_JWKS",
        show_envvar=True,
        help="Keys to verify card signatures with: a JWKS, JWK or PEM public key, as a file or an https URL.",
    ),
]
NoJkuOpt = Annotated[
    bool,
    typer.Option(
        "--no-jku",
        envvar="A2ACLI_NO_JKU",
        show_envvar=True,
        help="Never fetch the key set a signature's `jku` header names.",
    ),
]
ExtendedOpt = Annotated[
    bool,
    typer.Option(
        "--extended",
        envvar="A2ACLI_EXTENDED",
        show_envvar=True,
        help="Fetch the authenticated extended card (needs the card to advertise it, and credentials).",
    ),
]
ValidateFlagOpt = Annotated[
    bool,
    typer.Option(
        "--validate", envvar="A2ACLI_VALIDATE", show_envvar=True, help="Validate the card (as `a2a card validate`)."
    ),
]
SendCredsOpt = Annotated[
    bool,
    typer.Option(
        "--card-credentials",
        envvar="A2ACLI_CARD_CREDENTIALS",
        show_envvar=True,
        help="Also send --bearer / --api-key when fetching the card itself (never sent across origins).",
    ),
]
MaxCardBytesOpt = Annotated[
    int | None,
    typer.Option(
        "--max-card-bytes",
        envvar="A2ACLI_MAX_CARD_BYTES",
        show_envvar=True,
        min=1,
        help="Refuse cards larger than this many bytes (default 1 MiB).",
    ),
]


# ------------------------------------------------------------------------------------------------------ helpers


def _settings(
    ref: str,
    *,
    bearer: str | None,
    api_key: str | None,
    insecure: bool,
    timeout: str | None,
    debug: bool,
    a2a_version: str | None = None,
) -> ConnectionSettings:
    from a2acli.settings import connection_settings, parse_duration

    return connection_settings(
        agent_card=ref,
        bearer=bearer,
        api_key=api_key,
        insecure=insecure,
        timeout=parse_duration(timeout, name="--timeout"),
        debug=debug,
        a2a_version=a2a_version,
    )


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
    """One async boundary: resolve (and, as asked, extend, probe, verify), then report diagnostics."""
    from a2acli.client.card_fetch import load_card_sync
    from a2acli.redact import redact
    from a2acli.render.writers import diag, warn

    result = load_card_sync(request)
    card = result.card
    if request.settings.debug:
        diag(redact(f"debug: card from {card.source} ({len(card.raw)} bytes, {card.content_type})"))
        for note in card.notes:
            diag(redact(f"debug: {note}"))
    for message in result.warnings:
        warn(message)
    return result


def _is_tty() -> bool:
    return sys.stdout.isatty()


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


# ------------------------------------------------------------------------------------------------------- show


def _show(resolved: ResolvedCard, output: CardOutput) -> None:
    from a2acli.cards.validate import validate_card
    from a2acli.client.card_resolver import provenance_notes
    from a2acli.render.writers import warn, write_json, write_text

    notes = provenance_notes(resolved.notes)

    if output is CardOutput.json:
        write_json(resolved.document)
    elif _is_tty():
        from a2acli.render.card import render_card_rich

        _console().print(render_card_rich(resolved.document, source=resolved.source, notes=notes))
    else:
        from a2acli.render.card import render_card_text

        write_text(render_card_text(resolved.document, source=resolved.source, notes=notes))
    report = validate_card(resolved.document, raw_size=len(resolved.raw))
    if report.errors:
        warn(f"the card has {report.errors} validation error(s); run `a2a card validate` for details")


def _report(result: CardResult, *, output: ReportOutput, strict: bool) -> None:
    from a2acli.cards.validate import ValidationReport, sort_findings, validate_card
    from a2acli.render.writers import set_mode, write_json, write_text

    resolved = result.card
    report = validate_card(resolved.document, source=resolved.source, raw_size=len(resolved.raw))
    if result.live is not None:
        report = ValidationReport(report.source, report.version, sort_findings([*report.findings, *result.live]))
    signatures = result.signatures
    if output is ReportOutput.json:
        doc = report.to_dict(strict=strict)
        if signatures is not None:
            doc["signatures"] = [s.to_dict() for s in signatures]
        write_json(doc)
    elif output is ReportOutput.sarif:
        from a2acli.cards.sarif import to_sarif

        write_json(to_sarif(report, raw=None if resolved.source == "stdin" else resolved.raw, strict=strict))
    elif _is_tty():
        from a2acli.render.card_report import render_report_rich

        _console().print(render_report_rich(report, strict=strict, signatures=signatures))
    else:
        from a2acli.render.card_report import render_report_text

        write_text(render_report_text(report, strict=strict, signatures=signatures))
    bad_signature = any(s.status == "invalid" for s in signatures or [])
    if not report.passes(strict=strict) or bad_signature:
        set_mode("text")  # the report above is the result: no error envelope after it on stdout
        _raise_invalid(report, strict, bad_signature)


def _raise_invalid(report: ValidationReport, strict: bool, bad_signature: bool) -> None:
    from a2acli.errors import CardInvalidError

    if bad_signature and report.passes(strict=strict):
        raise CardInvalidError("a card signature does not match the card", hint="the card was modified after signing")
    what = f"{report.errors} error(s)" if report.errors else f"{report.warnings} warning(s) under --strict"
    raise CardInvalidError(f"the card is invalid: {what}", hint="see the findings above")


# ---------------------------------------------------------------------------------------------------- commands


@app.callback()
def card(
    ctx: typer.Context,
    agent_card: AgentCardOpt = DEFAULT_AGENT,
    output: CardOutputOpt = CardOutput.text,
    validate: ValidateFlagOpt = False,
    strict: StrictOpt = False,
    extended: ExtendedOpt = False,
    a2a_version: A2AVersionOpt = None,
    bearer: BearerOpt = None,
    api_key: ApiKeyOpt = None,
    card_credentials: SendCredsOpt = False,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    max_card_bytes: MaxCardBytesOpt = None,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Show an agent's card (with no subcommand), or validate, verify or sign one.

    The card comes from -a/--agent-card: a bare host or host:port (http for loopback, https otherwise), an origin
    (its /.well-known/agent-card.json, then the 0.2 /.well-known/agent.json), a full card URL, a file, or - (stdin).
    """
    if ctx.invoked_subcommand is not None:
        return
    _get_impl(
        agent_card,
        output=output,
        validate=validate,
        strict=strict,
        extended=extended,
        a2a_version=a2a_version,
        bearer=bearer,
        api_key=api_key,
        card_credentials=card_credentials,
        insecure=insecure,
        timeout=timeout,
        max_card_bytes=max_card_bytes,
        debug=debug,
    )


def _get_impl(ref: str, *, output: CardOutput, validate: bool, strict: bool, extended: bool, **conn: Any) -> None:
    from a2acli.render.writers import set_mode

    set_mode(output.value)
    max_bytes = conn.pop("max_card_bytes")
    send_creds = conn.pop("card_credentials")
    from a2acli.client.card_fetch import CardRequest

    settings = _settings(ref, **conn)
    result = _load(CardRequest(settings, max_bytes, send_creds, extended=extended))
    if validate:
        _report(result, output=ReportOutput(output.value), strict=strict)
        return
    _show(result.card, output)


@app.command("get", epilog=EXIT_EPILOG)
def get(
    ctx: typer.Context,
    ref: RefArg = None,
    agent_card: AgentCardOpt = DEFAULT_AGENT,
    output: CardOutputOpt = CardOutput.text,
    validate: ValidateFlagOpt = False,
    strict: StrictOpt = False,
    extended: ExtendedOpt = False,
    a2a_version: A2AVersionOpt = None,
    bearer: BearerOpt = None,
    api_key: ApiKeyOpt = None,
    card_credentials: SendCredsOpt = False,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    max_card_bytes: MaxCardBytesOpt = None,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Fetch and show an Agent Card.

    A Rich view on a terminal, `Label: value` lines when piped, -o json prints the card as served.
    """
    _get_impl(
        _pick_ref(ctx, ref, agent_card),
        output=output,
        validate=validate,
        strict=strict,
        extended=extended,
        a2a_version=a2a_version,
        bearer=bearer,
        api_key=api_key,
        card_credentials=card_credentials,
        insecure=insecure,
        timeout=timeout,
        max_card_bytes=max_card_bytes,
        debug=debug,
    )


@app.command("validate", epilog=EXIT_EPILOG)
def validate_command(
    ctx: typer.Context,
    ref: RefArg = None,
    agent_card: AgentCardOpt = DEFAULT_AGENT,
    output: ReportOutputOpt = ReportOutput.text,
    strict: StrictOpt = False,
    live: LiveOpt = False,
    live_stream: LiveStreamOpt = False,
    jwks: JwksOpt = None,
    a2a_version: A2AVersionOpt = None,
    bearer: BearerOpt = None,
    api_key: ApiKeyOpt = None,
    card_credentials: SendCredsOpt = False,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    max_card_bytes: MaxCardBytesOpt = None,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Validate an Agent Card (exit 0 valid, 1 invalid; --strict fails on warnings).

    Detects the version(s) the card is written for (1.0, 0.3, hybrid, 0.2), checks it against the official A2A 1.0
    and 0.3 JSON Schemas and the proto's REQUIRED fields, and applies semantic rules with stable codes (AC0xx),
    JSON-pointer locations and fix hints. --live also probes the agent behind the card.
    """
    from a2acli.errors import CardInvalidError
    from a2acli.render.writers import set_mode

    set_mode("text" if output is ReportOutput.text else "json")
    settings = _settings(
        _pick_ref(ctx, ref, agent_card),
        bearer=bearer,
        api_key=api_key,
        insecure=insecure,
        timeout=timeout,
        debug=debug,
        a2a_version=a2a_version,
    )
    from a2acli.client.card_fetch import CardRequest

    request = CardRequest(
        settings,
        max_card_bytes,
        card_credentials,
        live=live,
        live_stream=live_stream,
        verify=bool(jwks),
        jwks=jwks,
    )
    try:
        result = _load(request)
    except CardInvalidError as exc:
        if output is not ReportOutput.sarif:
            raise
        _sarif_unreadable(settings.agent_card, exc)  # a dashboard still gets a SARIF log saying why
        raise
    if result.signatures is not None and result.signatures[0].status == "absent":
        result.signatures = None  # --jwks on an unsigned card: nothing to report
    _report(result, output=output, strict=strict)


def _sarif_unreadable(source: str, exc: Any) -> None:
    from a2acli.cards.findings import Finding, Severity
    from a2acli.cards.sarif import to_sarif
    from a2acli.cards.validate import ValidationReport
    from a2acli.cards.versions import VersionInfo
    from a2acli.render.writers import set_mode, write_json

    finding = Finding("AC012", Severity.error, "", exc.message, exc.hint)
    write_json(to_sarif(ValidationReport(source, VersionInfo("unknown"), (finding,))))
    set_mode("text")


@app.command("verify", epilog=EXIT_EPILOG)
def verify_command(
    ctx: typer.Context,
    ref: RefArg = None,
    agent_card: AgentCardOpt = DEFAULT_AGENT,
    jwks: JwksOpt = None,
    no_jku: NoJkuOpt = False,
    require: Annotated[
        bool,
        typer.Option(
            "--require-signature",
            envvar="A2ACLI_REQUIRE_SIGNATURE",
            show_envvar=True,
            help="Fail (exit 1) when the card carries no signature.",
        ),
    ] = False,
    output: CardOutputOpt = CardOutput.text,
    bearer: BearerOpt = None,
    api_key: ApiKeyOpt = None,
    card_credentials: SendCredsOpt = False,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    max_card_bytes: MaxCardBytesOpt = None,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Verify the card's signatures (A2A §8.4).

    Each signature is reported verified, invalid or unverifiable; an unsigned card is reported absent (not an
    error unless --require-signature). Keys come from --jwks, else from each signature's jku.
    """
    from a2acli.errors import CardInvalidError
    from a2acli.render.writers import field, set_mode, write_json, write_text

    set_mode(output.value)
    settings = _settings(
        _pick_ref(ctx, ref, agent_card),
        bearer=bearer,
        api_key=api_key,
        insecure=insecure,
        timeout=timeout,
        debug=debug,
    )
    from a2acli.client.card_fetch import CardRequest

    result = _load(
        CardRequest(settings, max_card_bytes, card_credentials, verify=True, jwks=jwks, allow_jku=not no_jku)
    )
    resolved = result.card
    checks = result.signatures or []
    verified = any(c.status == "verified" for c in checks)
    invalid = any(c.status == "invalid" for c in checks)
    absent = checks[0].status == "absent"
    status = "verified" if verified and not invalid else "invalid" if invalid else "absent" if absent else "unverified"
    if output is CardOutput.json:
        write_json({"source": resolved.source, "status": status, "signatures": [c.to_dict() for c in checks]})
    else:
        lines = [field("Source", resolved.source)]
        lines += [field("Signature", c.describe()) for c in checks]
        lines.append(field("Result", status))
        write_text("".join(lines))
    set_mode("text")
    if invalid:
        raise CardInvalidError(
            "a card signature does not match the card", hint="the card was modified after signing, or the key differs"
        )
    if absent and require:
        raise CardInvalidError("the card is not signed", hint="drop --require-signature to accept unsigned cards")
    if not absent and not verified:
        raise CardInvalidError(
            "no signature could be verified",
            hint="pass the agent's public keys with --jwks FILE|URL",
        )


@app.command("sign", epilog=EXIT_EPILOG)
def sign_command(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Option(
            "--key", envvar="A2ACLI_KEY", show_envvar=True, help="PEM private key (RSA, EC P-256/384/521 or Ed25519)."
        ),
    ],
    ref: RefArg = None,
    agent_card: AgentCardOpt = DEFAULT_AGENT,
    kid: Annotated[
        str | None,
        typer.Option(
            "--kid",
            envvar="A2ACLI_KID",
            show_envvar=True,
            help="Key id for the protected header (default: RFC 7638 thumbprint).",
        ),
    ] = None,
    jku: Annotated[
        str | None,
        typer.Option(
            "--jku", envvar="A2ACLI_JKU", show_envvar=True, help="URL of the JWKS where clients find the public key."
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", envvar="A2ACLI_OUT", show_envvar=True, help="Write the signed card here instead of stdout."
        ),
    ] = None,
    jwks_out: Annotated[
        str | None,
        typer.Option(
            "--jwks-out",
            envvar="A2ACLI_JWKS_OUT",
            show_envvar=True,
            help="Also write the public JWKS (to publish at --jku) here.",
        ),
    ] = None,
    max_card_bytes: MaxCardBytesOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Sign an Agent Card (for agent authors): print it with one more JWS signature.

    The payload is the RFC 8785 canonical JSON of the card's A2A 1.0 fields (what SDK clients verify); 0.3-only
    cards are signed whole. --jwks-out writes the public key set to publish at --jku.
    """
    import json
    from pathlib import Path

    from a2acli.cards.signing import public_jwks, sign_card_dict
    from a2acli.errors import UsageError
    from a2acli.render.writers import set_mode, write_json, write_text

    set_mode("json")
    try:
        key_pem = Path(key).expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read --key {key}: {exc.strerror or exc}") from None
    settings = _settings(
        _pick_ref(ctx, ref, agent_card), bearer=None, api_key=None, insecure=insecure, timeout=timeout, debug=False
    )
    from a2acli.client.card_fetch import CardRequest

    resolved = _load(CardRequest(settings, max_card_bytes)).card
    signed = sign_card_dict(resolved.document, key_pem, kid=kid, jku=jku)
    if jwks_out:
        Path(jwks_out).write_text(json.dumps(public_jwks(key_pem, kid=kid), indent=2) + "\n", encoding="utf-8")
    if out:
        Path(out).write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    if _is_tty():  # pretty for a person; ASCII-escaped so no card byte can act on the terminal
        write_text(json.dumps(signed, indent=2, ensure_ascii=True) + "\n")
    else:
        write_json(signed)
