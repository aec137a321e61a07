"""Pure renderers for `a2a card validate` (human) and card signature outcomes: text floor and Rich.

Finding messages quote card content, so they go through the sanitiser like any agent text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from a2acli.render.sanitize import clean_line
from a2acli.render.writers import field

if TYPE_CHECKING:
    from rich.console import RenderableType

    from a2acli.cards.signing import SignatureCheck
    from a2acli.cards.validate import ValidationReport

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _verdict(report: ValidationReport, strict: bool) -> str:
    if not report.valid:
        return "invalid"
    if strict and report.warnings:
        return "fails --strict (warnings)"
    return "valid"


def render_report_text(
    report: ValidationReport, *, strict: bool = False, signatures: list[SignatureCheck] | None = None
) -> str:
    out = [
        field("Source", report.source or "-"),
        field("A2A Version", report.version.short),
    ]
    if report.version.declared:
        out.append(field("Declared Versions", ", ".join(report.version.declared)))
    for finding in report.findings:
        hint = f" (fix: {finding.hint})" if finding.hint else ""
        where = finding.pointer or "/"
        out.append(field("Finding", f"{finding.severity} {finding.code} {where}: {finding.message}{hint}"))
    for check in signatures or []:
        out.append(field("Signature", check.describe()))
    out.append(field("Errors", report.errors))
    out.append(field("Warnings", report.warnings))
    out.append(field("Info", report.infos))
    out.append(field("Result", _verdict(report, strict)))
    return "".join(out)


def render_report_rich(
    report: ValidationReport, *, strict: bool = False, signatures: list[SignatureCheck] | None = None
) -> RenderableType:
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    head = Text.assemble(
        ("Card ", "bold"),
        (clean_line(report.source or "-"), "blue"),
        "  ",
        (report.version.label, "magenta"),
    )
    if report.version.declared:
        head.append(f"  declares {clean_line(', '.join(report.version.declared))}", style="dim")
    parts.append(head)
    if report.findings:
        table = Table(box=box.SIMPLE_HEAD, show_lines=False, expand=True)
        table.add_column("Severity", no_wrap=True)
        table.add_column("Code", no_wrap=True, style="dim")
        table.add_column("Where", overflow="fold", ratio=1)
        table.add_column("Finding", overflow="fold", ratio=3)
        for finding in report.findings:
            body = Text(clean_line(finding.message))
            if finding.hint:
                body.append("\n→ " + clean_line(finding.hint), style="dim")
            table.add_row(
                Text(str(finding.severity), style=_STYLE[str(finding.severity)]),
                Text(finding.code),
                Text(clean_line(finding.pointer or "/"), style="cyan"),
                body,
            )
        parts.append(table)
    for check in signatures or []:
        style = {"verified": "green", "absent": "dim"}.get(
            check.status, "yellow" if check.status != "invalid" else "red"
        )
        parts.append(Text.assemble(("Signature ", "bold"), (clean_line(check.describe()), style)))
    verdict = _verdict(report, strict)
    style = "bold green" if verdict == "valid" else "bold red"
    parts.append(
        Text.assemble(
            ("✓ " if verdict == "valid" else "✗ ", style),
            (verdict, style),
            f"  {report.errors} error(s), {report.warnings} warning(s), {report.infos} info",
        )
    )
    return Group(*parts)
