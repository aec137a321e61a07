"""Rich Live view for `a2a stream` on a terminal.

Layout: finished output scrolls above a small live region that holds only the text still growing (the
current line, or the current Markdown block) and a status line (spinner, state, elapsed, events, time to
first token). Rendering cost stays linear in the output: completed lines/blocks are printed once, never
re-rendered; the live region is bounded; refreshes (and the printing of finished lines) are capped at
`REFRESH_HZ`, whatever the event rate.

Agent text goes through `clean_text` and into `rich.text.Text` (never markup); Markdown is rendered with
hyperlinks off. Pure parts (`LiveModel`) are separate from the Rich/terminal parts (`LivePresenter`).
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from a2acli.protocol import COMPLETED, INTERRUPTED_STATES, TERMINAL_STATES
from a2acli.render.events import (
    CommandContext,
    artifact_label,
    data_block,
    file_summary,
    message_text,
    part_kind,
    short_state,
)
from a2acli.render.events_output import PresenterBase, TurnIds, ids_block, report
from a2acli.render.notices import Notice, is_result, notice_lines
from a2acli.render.sanitize import clean_line, clean_text

if TYPE_CHECKING:
    from rich.console import RenderableType

REFRESH_HZ = 12.0
MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")


@dataclass
class Flushed:
    """A finished piece of output, ready to print once: kind is text | markdown | data | file | label | note."""

    kind: str
    content: Any


@dataclass
class LiveModel:
    """What the live view shows, updated per event without any terminal I/O (unit-testable)."""

    width: int = 80
    state: str | None = None
    task_id: str | None = None
    context_id: str | None = None
    events: int = 0
    started: float = field(default_factory=time.monotonic)
    first_token: float | None = None
    pending: str = ""  # text still growing (current line or Markdown block)
    pending_markdown: bool = False
    pending_artifact: str | None = None
    out: list[Flushed] = field(default_factory=list)

    # ---------------------------------------------------------------- flushing

    def _flush_pending(self) -> None:
        if self.pending:
            self.out.append(Flushed("markdown" if self.pending_markdown else "text", self.pending.rstrip("\n")))
        self.pending = ""
        self.pending_artifact = None

    def _settle(self) -> None:
        """Move finished lines / blocks from `pending` to `out`; keeps `pending` bounded."""
        text = self.pending
        if self.pending_markdown:
            cut = _last_block_break(text)
            if cut > 0:
                self.out.append(Flushed("markdown", text[:cut].rstrip("\n")))
                self.pending = text[cut:]
            return
        nl = text.rfind("\n")
        if nl >= 0:
            self.out.append(Flushed("text", text[:nl]))
            text = self.pending = text[nl + 1 :]
        # Only whole screen lines go to scrollback, broken where the terminal's wrap of the whole paragraph
        # breaks it: a cut anywhere else ends a line early (a lone word on a line of its own).
        breaks = wrap_breaks(text, max(self.width, 1))
        if breaks:
            lines = [text[a:b].rstrip() for a, b in zip([0, *breaks[:-1]], breaks, strict=True)]
            self.out.append(Flushed("text", "\n".join(lines)))
            self.pending = text[breaks[-1] :]

    def _text(self, artifact_id: str | None, text: str, markdown: bool, label: str | None) -> None:
        if not text:
            return
        if self.first_token is None:
            self.first_token = time.monotonic()
        if artifact_id != self.pending_artifact or markdown != self.pending_markdown:
            self._flush_pending()
            if label:
                self.out.append(Flushed("label", label))
            self.pending_artifact = artifact_id
            self.pending_markdown = markdown
        self.pending += clean_text(text)
        self._settle()

    def _parts(self, parts: Any, artifact_id: str | None, label: str | None, *, append: bool) -> None:
        if not isinstance(parts, list):
            return
        for part in parts:
            kind = part_kind(part)
            if kind == "text":
                media = part.get("mediaType")
                markdown = isinstance(media, str) and media.split(";")[0].strip().lower() in MARKDOWN_TYPES
                if not append and self.pending_artifact == artifact_id:
                    self._flush_pending()
                self._text(artifact_id, str(part.get("text", "")), markdown, label)
                append = True
            elif kind == "data":
                self._flush_pending()
                self.out.append(Flushed("data", part.get("data")))
            elif kind == "file":
                self._flush_pending()
                self.out.append(Flushed("file", file_summary(part)))

    def _status(self, status: Any) -> None:
        if not isinstance(status, dict):
            return
        state = status.get("state")
        if isinstance(state, str):
            self.state = state
        message = status.get("message")
        if isinstance(message, dict) and message_text(message).strip():
            self._flush_pending()
            self.out.append(Flushed("note", clean_text(message_text(message)).strip()))

    def _ids(self, task_id: Any, context_id: Any) -> None:
        if isinstance(task_id, str) and task_id and self.task_id is None:
            self.task_id = task_id
        if isinstance(context_id, str) and context_id and self.context_id is None:
            self.context_id = context_id

    # ---------------------------------------------------------------- events

    def apply(self, event: dict[str, Any]) -> None:
        self.events += 1
        if "artifactUpdate" in event:
            update = event["artifactUpdate"] if isinstance(event["artifactUpdate"], dict) else {}
            self._ids(update.get("taskId"), update.get("contextId"))
            found = update.get("artifact")
            artifact: dict[str, Any] = found if isinstance(found, dict) else {}
            aid = artifact.get("artifactId") if isinstance(artifact.get("artifactId"), str) else ""
            label = artifact_label(artifact)
            self._parts(artifact.get("parts"), aid, label, append=update.get("append") is True)
            if update.get("lastChunk") is True and self.pending_artifact == aid:
                self._flush_pending()
        elif "statusUpdate" in event:
            update = event["statusUpdate"] if isinstance(event["statusUpdate"], dict) else {}
            self._ids(update.get("taskId"), update.get("contextId"))
            self._status(update.get("status"))
        elif "task" in event:
            task = event["task"] if isinstance(event["task"], dict) else {}
            self._ids(task.get("id"), task.get("contextId"))
            self._status(task.get("status"))
            for artifact in task.get("artifacts") or []:
                if isinstance(artifact, dict):
                    aid = artifact.get("artifactId") if isinstance(artifact.get("artifactId"), str) else ""
                    self._parts(artifact.get("parts"), aid, artifact_label(artifact), append=False)
                    self._flush_pending()
        elif "message" in event:
            message = event["message"] if isinstance(event["message"], dict) else {}
            self._ids(message.get("taskId"), message.get("contextId"))
            self._parts(message.get("parts"), "message", None, append=False)
            self._flush_pending()

    def take(self) -> list[Flushed]:
        out, self.out = self.out, []
        return out

    def finish(self) -> list[Flushed]:
        self._flush_pending()
        return self.take()

    def status_text(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        bits = [short_state(self.state) if self.state else "CONNECTING", f"{now - self.started:.1f}s"]
        bits.append(f"{self.events} event{'s' if self.events != 1 else ''}")
        if self.first_token is not None:
            bits.append(f"first token {self.first_token - self.started:.2f}s")
        return " · ".join(bits)


_WORD = re.compile(r"\s*\S+\s*")


def wrap_breaks(text: str, width: int) -> list[int]:
    """Where a terminal `width` cells wide wraps one paragraph: the offsets of the lines after the first.

    The same greedy rule as Rich's own wrap (a word with its trailing blanks, measured without them, goes to
    the next line when it does not fit; a word wider than a line is folded), so the lines committed to
    scrollback are the lines Rich would have printed for the whole paragraph. Every break is final: text
    appended later only extends the last line or its last word."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = cell_len(word.rstrip())
        if width - offset >= length:
            offset += cell_len(word)
        elif length > width:
            if start:
                breaks.append(start)
            line = 0
            for i, char in enumerate(word, start):
                cells = cell_len(char)
                if line + cells > width and i > start:
                    breaks.append(i)
                    line = 0
                line += cells
            offset = line
        elif offset and start:
            breaks.append(start)
            offset = cell_len(word)
    return breaks


def _last_block_break(text: str) -> int:
    """Index just after the last blank line outside a ``` / ~~~ fence (a finished Markdown block), or 0."""
    cut = 0
    fenced = False
    pos = 0
    for line in text.splitlines(keepends=True):
        pos += len(line)
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        elif not stripped and not fenced and line.endswith("\n"):
            cut = pos
    return cut


# ------------------------------------------------------------------------------------------------ Rich side


def _state_style(state: str | None) -> str:
    if state == COMPLETED:
        return "bold green"
    if state in TERMINAL_STATES:
        return "bold red"
    if state in INTERRUPTED_STATES:
        return "bold yellow"
    return "bold cyan"


def renderable(item: Flushed) -> RenderableType:
    """A finished piece as a Rich renderable, built from Text (agent content never parsed as markup)."""
    if item.kind == "markdown":
        from rich.markdown import Markdown

        return Markdown(str(item.content), hyperlinks=False)
    if item.kind == "data":
        from rich.syntax import Syntax

        return Syntax(data_block(item.content), "json", theme="ansi_dark", background_color="default", word_wrap=True)
    if item.kind == "file":
        return Text.assemble(("file: ", "bold"), (clean_line(item.content), ""))
    if item.kind == "label":
        return Text(f"── {clean_line(item.content)} ──", style="dim")
    if item.kind == "note":
        return Text(str(item.content), style="italic")
    return Text(str(item.content))


class LivePresenter(PresenterBase):
    """Presenter for a terminal: a Rich Live region, refresh-capped, fed by `LiveModel`."""

    wants_events = True
    wants_result = True
    takes_raw = False

    def __init__(self, commands: CommandContext, *, verbose: bool = False, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self.commands = commands
        self.verbose = verbose
        self.model = LiveModel(width=self.console.width)
        self.live: Live | None = None
        self._last_refresh = 0.0
        self._ticker: Any = None
        self._interval = 1.0 / REFRESH_HZ

    # ---------------------------------------------------------------- lifecycle

    def start(self, ids: TurnIds | None = None) -> None:
        """Draw the live region; its status line ticks between events on the running event loop."""
        self.live = Live(
            get_renderable=self._region,
            console=self.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.live.start()
        self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while self.live is not None:
            await asyncio.sleep(self._interval)
            self._refresh(force=True)

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _stop(self) -> None:
        self._stop_ticker()
        if self.live is not None:
            live, self.live = self.live, None
            live.stop()

    # ---------------------------------------------------------------- rendering

    def _region(self) -> RenderableType:
        model = self.model
        status = Text(model.status_text(), style=_state_style(model.state))
        spinner = _Spinner(status)
        if not model.pending:
            return spinner
        if model.pending_markdown:
            from rich.markdown import Markdown

            return Group(Markdown(model.pending, hyperlinks=False), spinner)
        return Group(Text(model.pending), spinner)

    def _refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_refresh < self._interval:
            return
        self._last_refresh = now
        if self.live is None:
            return
        finished = self.model.take()
        self.live.refresh()  # first, so the region printed again below the new lines is the current one
        if finished:
            self.live.console.print(Group(*(renderable(f) for f in finished)))

    # ---------------------------------------------------------------- presenter API

    def event(self, event: dict[str, Any]) -> None:
        self.model.apply(event)
        self._refresh()

    def notice(self, notice: Notice) -> None:
        """While the region is drawn, a diagnostic for the same terminal goes above it, through the live console:
        written past Rich's back, it would be overwritten at the next refresh and leave a copy of the region."""
        live = self.live
        if live is None or is_result(notice, json_output=False) or not _is_terminal(sys.stderr):
            report(notice, json_output=False)
            return
        from a2acli.redact import redact

        self._refresh(force=True)  # the finished lines first, so the note lands after them
        for line in notice_lines(notice, json_output=False):
            live.console.print(Text(clean_line(redact(line))))

    def _print_tail(self, ids: TurnIds) -> None:
        self._stop_ticker()  # no refresh between the last lines and the end of the region
        finished = self.model.finish()
        self._stop()
        if finished:
            self.console.print(Group(*(renderable(f) for f in finished)))
        summary = Text()
        for line in ids_block(ids, self.commands).splitlines():
            label, _, value = line.partition(": ")
            summary.append(f"{label}: ", style="bold")
            summary.append(value + "\n", style=_state_style(ids.state) if label == "State" else "")
        self.console.print(summary, end="", soft_wrap=True)  # commands stay one line for copy-paste

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        self._fill(ids)
        self._print_tail(ids)

    def abort(self, ids: TurnIds) -> None:
        self._fill(ids)
        self._print_tail(ids)

    def close(self) -> None:
        """Stop the live region whatever happened (idempotent)."""
        self._stop()

    def _fill(self, ids: TurnIds) -> None:
        ids.task_id = ids.task_id or self.model.task_id
        ids.context_id = ids.context_id or self.model.context_id
        ids.state = ids.state or self.model.state


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class _Spinner:
    """Rich's "dots" spinner frames beside a one-line status. `rich.spinner` lays the frame and the text out in a
    `rich.table` grid, which a terminal would import before its first token; one line needs no grid."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    INTERVAL_MS = 80.0

    def __init__(self, text: Any) -> None:
        self.text = text

    def __rich_console__(self, console: Any, options: Any) -> Any:
        # The frame follows the clock, not the object: the region (and this spinner) is rebuilt at every refresh.
        frame = self.FRAMES[int(time.monotonic() * 1000 / self.INTERVAL_MS) % len(self.FRAMES)]
        line = Text(frame, style="cyan")
        line.append(" ")
        line.append_text(self.text)
        yield line
