"""`a2a conformance` on screen: the text floor (one line per check, then the summary), the Rich table and the
live progress line on a terminal, `-o json` as one document, and the --junit / --sarif files. Agent-supplied
text (reasons quote the agent's errors) is cleaned before it reaches a terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from a2acli.conformance.report import Report, Result, Status
from a2acli.render import writers
from a2acli.render.sanitize import clean_line

if TYPE_CHECKING:
    from rich.table import Table

_MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.SKIP: "SKIP"}
_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.SKIP: "yellow"}


def summary(report: Report) -> str:
    failing = len(report.failing())
    levels = "MUST" if report.fail_on == "must" else "MUST/SHOULD"
    verdict = "conformant" if report.ok else f"{failing} {levels} failure{'s' if failing != 1 else ''}"
    return (
        f"{clean_line(report.agent) or 'agent'}: {verdict} — {report.count(Status.PASS)} passed, "
        f"{report.count(Status.FAIL)} failed, {report.count(Status.SKIP)} skipped in {report.elapsed:.1f}s"
    )


def text_lines(report: Report) -> list[str]:
    """The text floor: `STATUS ID BINDING LEVEL reason` per check, then the summary. No control sequences."""
    lines = [f"Agent: {clean_line(report.agent)}", f"Card: {clean_line(report.card_url)}"]
    for binding, url in report.bindings:
        lines.append(f"Binding: {binding} {clean_line(url)}".rstrip())
    width = max((len(r.id) for r in report.results), default=10)
    for r in report.ordered():
        lines.append(f"{_MARK[r.status]}  {r.id:<{width}}  {r.binding:<9}  {r.level.value:<6}  {clean_line(r.reason)}")
    lines.append(summary(report))
    return lines


def rich_table(report: Report) -> Table:
    from rich.markup import escape
    from rich.table import Table

    view = Table(title=escape(clean_line(report.agent) or "agent"), show_lines=False, expand=False)
    view.add_column("status", no_wrap=True)
    view.add_column("requirement", no_wrap=True)
    view.add_column("binding", no_wrap=True)
    view.add_column("level", no_wrap=True)
    view.add_column("detail")
    for r in report.ordered():
        view.add_row(
            f"[{_STYLE[r.status]}]{_MARK[r.status]}[/]",
            r.id,
            r.binding,
            r.level.value,
            escape(clean_line(r.reason)),
        )
    return view


def progress_text(result: Result, done: int, total: int) -> str:
    return f"conformance: {done}/{total} checks — {result.id} {result.binding} {_MARK[result.status].lower()}"


class Progress:
    """The live progress line on stderr (a terminal only): one line, rewritten as checks finish."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.width = 0

    def __call__(self, result: Result, done: int, total: int) -> None:
        if not self.live:
            return
        text = progress_text(result, done, total)[:120]
        sys.stderr.write("\r" + text + " " * max(0, self.width - len(text)))
        sys.stderr.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.live and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


def show(report: Report, *, json_output: bool, table: bool = False) -> None:
    """-o json: one document; `table` (a terminal): the Rich table and the summary; else the text floor."""
    from a2acli.conformance.formats import document

    if json_output:
        writers.write_json(document(report))
        return
    if table:
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=False)
        console.print(rich_table(report))
        console.print(summary(report), markup=False)
        return
    for line in text_lines(report):
        writers.write_text(line + "\n")


def write_file(path: str, text: str) -> None:
    """--junit FILE / --sarif FILE (`-` is stdout)."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    Path(path).write_text(text, encoding="utf-8")
