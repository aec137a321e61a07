"""The writers of `a2a card`: the card as served (-o json), its text floor (the default, on a terminal too), its
Rich view (`-o rich` on a terminal); validation reports as text, JSON or SARIF; signature outcomes; diagnostics
on stderr. The commands hand the results here and write nothing themselves.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from a2acli.render import writers

if TYPE_CHECKING:
    from rich.console import Console

    from a2acli.cards.signing import SignatureCheck
    from a2acli.cards.validate import ValidationReport
    from a2acli.client.card_fetch import CardResult
    from a2acli.client.card_resolver import ResolvedCard


def _tty() -> bool:
    return sys.stdout.isatty()


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def card_diagnostics(result: CardResult, *, debug: bool) -> None:
    """Where the card came from (--debug) and what the fetch warned about, on stderr."""
    card = result.card
    if debug:
        writers.diag(f"debug: card from {card.source} ({len(card.raw)} bytes, {card.content_type})")
        for note in card.notes:
            writers.diag(f"debug: {note}")
    for message in result.warnings:
        writers.warn(message)


def show_card(
    resolved: ResolvedCard, notes: tuple[str, ...], *, json_output: bool, errors: int, rich: bool = False
) -> None:
    """The card: as served in JSON, the text floor, or (`rich`) the Rich view; a card with validation errors is
    said so on stderr."""
    if json_output:
        writers.write_json(resolved.document)
    elif rich:
        from a2acli.render.card import render_card_rich

        _console().print(render_card_rich(resolved.document, source=resolved.source, notes=notes))
    else:
        from a2acli.render.card import render_card_text

        writers.write_text(render_card_text(resolved.document, source=resolved.source, notes=notes))
    if errors:
        writers.warn(f"the card has {errors} validation error(s); run `a2a card validate` for details")


def show_report(
    report: ValidationReport,
    signatures: list[SignatureCheck] | None,
    *,
    output: str,
    strict: bool,
    raw: bytes | None,
) -> None:
    """A validation report: JSON (with the signatures), SARIF 2.1.0 (`raw`: the card's bytes, for regions), the
    text floor, or Rich (`-o rich` on a terminal)."""
    if output == "json":
        doc = report.to_dict(strict=strict)
        if signatures is not None:
            doc["signatures"] = [s.to_dict() for s in signatures]
        writers.write_json(doc)
    elif output == "sarif":
        from a2acli.cards.sarif import to_sarif

        writers.write_json(to_sarif(report, raw=raw, strict=strict))
    elif writers.rich_terminal(output):
        from a2acli.render.card_report import render_report_rich

        _console().print(render_report_rich(report, strict=strict, signatures=signatures))
    else:
        from a2acli.render.card_report import render_report_text

        writers.write_text(render_report_text(report, strict=strict, signatures=signatures))


def show_unreadable_sarif(report: ValidationReport) -> None:
    """A card that could not be read still gives a dashboard a SARIF log that says why."""
    from a2acli.cards.sarif import to_sarif

    writers.write_json(to_sarif(report))


def show_verification(
    source: str, status: str, checks: list[SignatureCheck], *, json_output: bool, required: bool = False
) -> None:
    """`required` (--require-signature): an unsigned card is a failure, which its line says (not "allowed")."""
    if json_output:
        writers.write_json({"source": source, "status": status, "signatures": [c.to_dict() for c in checks]})
        return
    lines = [writers.field("Source", source)]
    lines += [
        writers.field(
            "Signature",
            "absent (the card is not signed, and --require-signature requires it)"
            if required and c.status == "absent"
            else c.describe(),
        )
        for c in checks
    ]
    lines.append(writers.field("Result", status))
    writers.write_text("".join(lines))


def show_signed(signed: dict[str, Any]) -> None:
    """A signed card: indented for a person (ASCII-escaped, so no card byte can act on the terminal), one
    compact JSON document when piped."""
    import json

    if _tty():
        writers.write_text(json.dumps(signed, indent=2, ensure_ascii=True) + "\n")
    else:
        writers.write_json(signed)
