"""`a2a --help` without importing Rich: the same panels Typer draws, from the same Click tree.

Typer's Rich help formatter imports `typer.rich_utils`, whose module level pulls in rich.markdown (markdown-it),
rich.traceback (pygments) and friends: ~2.5x the start-up of `import typer` for the command people type first
(bench/FINDINGS.md, item 4). The root's help is simple — a usage line, one paragraph, plain flags, command names
with one line of help, an epilogue — so this module lays it out itself, porting the few pieces of Rich it needs
(console width and colour detection, word wrapping, the table's column-width algorithm) so the result is the
same text, cell for cell. Anything it cannot reproduce exactly (Rich markup or emoji codes in a help string,
wide characters, arguments, shown defaults or environment variables, deprecated commands, custom panels)
makes `render` return None, and the caller falls back to Typer's own formatter.

Pure: `render` takes the command, a context, the width and the colour choice and returns the text;
`console_geometry` reads the environment and the terminal the way Rich's Console does.
"""

from __future__ import annotations

import inspect
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

# Typer's styles (typer/rich_utils.py) as SGR parameters.
_OPTION, _SWITCH, _TYPES, _USAGE, _DIM, _BOLD, _CMD = "1;36", "1;32", "1;33", "33", "2", "1", "1;36"
_HIGHLIGHTS = (  # typer.rich_utils.OptionHighlighter, in its order (later matches restyle earlier ones)
    (re.compile(r"(^|\W)(?P<x>\-\w+)(?![a-zA-Z0-9])"), _SWITCH),
    (re.compile(r"(^|\W)(?P<x>\-\-[\w\-]+)(?![a-zA-Z0-9])"), _OPTION),
    (re.compile(r"(?P<x>\<[^\>]+\>)"), _TYPES),
    (re.compile(r"(?P<x>Usage: )"), _USAGE),
)
_TYPES_SEP = (re.compile(r"^(?P<x>(\[|<))"), re.compile(r"(?P<x>\|)"), re.compile(r"(?P<x>(\]|>))(\.\.\.)?$"))
_WORDS = re.compile(r"\s*\S+\s*")
_UNSAFE = re.compile(r"[\[\]\\\x1b\b\f]|:[\w+-]+:")  # Rich markup, escapes, emoji codes: leave those to Rich


@dataclass(frozen=True)
class Geometry:
    width: int
    color: bool  # SGR styles at all (a terminal)
    no_color: bool  # NO_COLOR: Rich keeps bold/dim, drops colours


def console_geometry(environ: Mapping[str, str], isatty: bool, terminal_width: int | None) -> Geometry:
    """What `typer.rich_utils._get_rich_console()` would use: width and whether it writes escape sequences.

    `terminal_width` is the size of the first of stdin/stdout/stderr that is a terminal (Rich asks all three)."""
    forced: bool | None = (
        True if (environ.get("GITHUB_ACTIONS") or environ.get("FORCE_COLOR") or environ.get("PY_COLORS")) else None
    )
    if environ.get("_TYPER_FORCE_DISABLE_TERMINAL"):
        forced = False
    if forced is not None:
        terminal = forced
    elif environ.get("TTY_COMPATIBLE", "") in ("0", "1"):
        terminal = environ["TTY_COMPATIBLE"] == "1"
    elif environ.get("FORCE_COLOR") is not None:
        terminal = environ["FORCE_COLOR"] != ""
    else:
        terminal = isatty
    dumb = terminal and environ.get("TERM", "").lower() in ("dumb", "unknown")
    fixed = environ.get("TERMINAL_WIDTH") or None
    width: int | None = int(fixed) if fixed else None
    if width is None:
        columns = environ.get("COLUMNS")
        width = int(columns) if columns is not None and columns.isdigit() else None
    if dumb:
        width = 80
    elif width is None:
        width = terminal_width or 80
    return Geometry(width=width, color=terminal and not dumb, no_color=environ.get("NO_COLOR", "") != "")


def terminal_width() -> int | None:
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or None
        except (AttributeError, ValueError, OSError):
            continue
    return None


# ---------------------------------------------------------------------------------------------- styled text


class _Text:
    """A line of plain text with SGR style spans (start, end, params); overlapping spans combine, later ones
    winning where they set the same attribute (as Rich's Style addition)."""

    def __init__(self, plain: str, spans: list[tuple[int, int, str]] | None = None) -> None:
        self.plain, self.spans = plain, spans or []

    def highlight(self, patterns: Sequence[tuple[re.Pattern[str], str]]) -> _Text:
        for pattern, style in patterns:
            for m in pattern.finditer(self.plain):
                if m.end("x") > m.start("x"):
                    self.spans.append((m.start("x"), m.end("x"), style))
        return self

    def cut(self, start: int, end: int) -> _Text:
        spans = [(max(s, start) - start, min(e, end) - start, st) for s, e, st in self.spans if s < end and e > start]
        return _Text(self.plain[start:end], spans)

    def wrap(self, width: int, *, fold: bool = True) -> list[_Text]:
        """Rich's `Text.wrap(width)`: greedy on words; a word longer than the width is folded (the console's
        overflow) or, in a table cell (a Column's "ellipsis" overflow), put on its own line and cut with "…"."""
        out: list[_Text] = []
        for line_start, line in _lines(self.plain):
            breaks = _divide_line(line, width, fold=fold)
            for a, b in zip([0, *breaks], [*breaks, len(line)], strict=True):
                piece = self.cut(line_start + a, line_start + b)
                if len(piece.plain) > width:  # Text.rstrip_end, then Text.truncate
                    piece = piece.cut(0, max(width, len(piece.plain.rstrip())))
                    if len(piece.plain) > width:
                        piece = piece.cut(0, width - 1 if not fold else width)
                        piece.plain += "" if fold else "…"
                out.append(piece)
        return out

    def render(self, width: int, geo: Geometry, base: str = "") -> str:
        """The line padded to `width`, with escape sequences when the console writes them."""
        pad = " " * max(0, width - len(self.plain))
        if not geo.color:
            return self.plain + pad
        styles = [base] * len(self.plain)
        for s, e, st in self.spans:
            for i in range(s, e):
                styles[i] = _combine(styles[i], st)
        out, i = [], 0
        while i < len(self.plain):
            j = i
            while j < len(self.plain) and styles[j] == styles[i]:
                j += 1
            out.append(_sgr(self.plain[i:j], styles[i], geo))
            i = j
        return "".join(out) + (_sgr(pad, base, geo) if base and pad else pad)


def _combine(base: str, style: str) -> str:
    return ";".join(dict.fromkeys(p for p in f"{base};{style}".split(";") if p))


def _sgr(text: str, style: str, geo: Geometry) -> str:
    if geo.no_color:
        style = ";".join(p for p in style.split(";") if p in ("1", "2"))
    return f"\x1b[{style}m{text}\x1b[0m" if style and text else text


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _divide_line(text: str, width: int, *, fold: bool) -> list[int]:
    """rich._wrap.divide_line: the offsets where the line breaks."""
    breaks: list[int] = []
    offset = 0
    pos = 0
    while (m := _WORDS.match(text, pos)) is not None:
        start, word = m.start(), m.group()
        pos = m.end()
        word_length = len(word.rstrip())
        if width - offset >= word_length:
            offset += len(word)
        elif word_length > width and not fold:
            if start:
                breaks.append(start)
            offset = len(word)
        elif word_length > width:
            chunks = [word[i : i + width] for i in range(0, len(word), width)]
            for k, chunk in enumerate(chunks):
                if start:
                    breaks.append(start)
                if k == len(chunks) - 1:
                    offset = len(chunk)
                else:
                    start += len(chunk)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


# --------------------------------------------------------------------------------- rich's table arithmetic


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    ratios = [r if m else 0 for r, m in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining, out = total, []
    for ratio, maximum, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _ratio_distribute(total: int, ratios: list[int], minimums: list[int] | None = None) -> list[int]:
    if minimums:
        ratios = [r if m else 0 for r, m in zip(ratios, minimums, strict=True)]
    total_ratio = sum(ratios)
    remaining, out = total, []
    for ratio, minimum in zip(ratios, minimums or [0] * len(ratios), strict=True):
        distributed = max(minimum, ceil(ratio * remaining / total_ratio)) if total_ratio > 0 else remaining
        out.append(distributed)
        total_ratio -= ratio
        remaining -= distributed
    return out


def _collapse(widths: list[int], wrapable: list[bool], max_width: int) -> list[int]:
    total = sum(widths)
    excess = total - max_width
    if any(wrapable):
        while total and excess > 0:
            widest = max(w for w, ok in zip(widths, wrapable, strict=True) if ok)
            second = max(w if ok and w != widest else 0 for w, ok in zip(widths, wrapable, strict=True))
            ratios = [1 if (w == widest and ok) else 0 for w, ok in zip(widths, wrapable, strict=True)]
            if not any(ratios) or not widest - second:
                break
            widths = _ratio_reduce(excess, ratios, [min(excess, widest - second)] * len(widths), widths)
            total = sum(widths)
            excess = total - max_width
    return widths


@dataclass
class _Column:
    cells: list[_Text]
    pad_left: int
    pad_right: int
    fixed: int | None = None  # Column(width=…)
    ratio: int | None = None
    no_wrap: bool = False
    unmeasured: bool = False  # a Columns renderable: Rich measures it as (0, max_width)
    style: str = ""
    fold: bool = False  # Column(overflow="ellipsis") unless the Text says fold

    def measure(self, max_width: int) -> tuple[int, int]:
        pad = self.pad_left + self.pad_right
        if max_width < 1:
            return 0, 0
        if self.fixed is not None:
            return min(self.fixed + pad, max_width), min(self.fixed + pad, max_width)
        lo: list[int] = []
        hi: list[int] = []
        for cell in self.cells:
            inner = max_width - pad
            if inner < 1:
                lo.append(max_width)
                hi.append(max_width)
                continue
            if self.unmeasured:
                cmin, cmax = 0, inner
            else:
                lines = cell.plain.splitlines() or [""]
                cmax = max(len(line) for line in lines)
                words = cell.plain.split()
                cmin = max(len(w) for w in words) if words else cmax
                cmin, cmax = min(cmin, inner), min(cmax, inner)
            lo.append(min(cmin + pad, max_width))
            hi.append(min(cmax + pad, max_width))
        low, high = (max(lo) if lo else 1), (max(hi) if hi else max_width)
        return min(low, max_width), min(high, max_width)


def _table_widths(columns: list[_Column], max_width: int) -> list[int]:
    """rich.table.Table._calculate_column_widths for an expanding, borderless table."""
    ranges = [c.measure(max_width) for c in columns]
    widths = [hi or 1 for _, hi in ranges]
    flexible = [c.ratio is not None for c in columns]
    ratios = [c.ratio or 0 for c, f in zip(columns, flexible, strict=True) if f]
    if any(ratios):
        fixed = [0 if f else hi for (_, hi), f in zip(ranges, flexible, strict=True)]
        minimums = [(c.fixed or 1) + c.pad_left + c.pad_right for c, f in zip(columns, flexible, strict=True) if f]
        flex = iter(_ratio_distribute(max_width - sum(fixed), ratios, minimums))
        widths = [fixed[i] + next(flex) if f else widths[i] for i, f in enumerate(flexible)]
    table_width = sum(widths)
    if table_width > max_width:
        widths = _collapse(widths, [c.fixed is None and not c.no_wrap for c in columns], max_width)
        table_width = sum(widths)
        if table_width > max_width:
            widths = _ratio_reduce(table_width - max_width, [1] * len(widths), widths, widths)
            table_width = sum(widths)
        widths = [c.measure(w)[1] or 0 for c, w in zip(columns, widths, strict=True)]
        table_width = sum(widths)
    if table_width < max_width:
        pads = _ratio_distribute(max_width - table_width, widths)
        widths = [w + p for w, p in zip(widths, pads, strict=True)]
    return widths


def _table_lines(columns: list[_Column], max_width: int, geo: Geometry) -> list[str]:
    widths = _table_widths(columns, max_width)
    lines: list[str] = []
    for row in range(len(columns[0].cells)):
        rendered: list[list[str]] = []
        for col, width in zip(columns, widths, strict=True):
            inner = max(0, width - col.pad_left - col.pad_right)
            cell = col.cells[row]
            parts = [cell.cut(0, inner)] if col.no_wrap else (cell.wrap(inner, fold=col.fold) if inner else [])
            rendered.append(
                [
                    " " * col.pad_left + p.render(inner, geo, col.style) + " " * col.pad_right
                    for p in parts or [_Text("")]
                ]
            )
        height = max(len(r) for r in rendered)
        for i in range(height):
            lines.append("".join(r[i] if i < len(r) else " " * w for r, w in zip(rendered, widths, strict=True)))
    return lines


def _panel(title: str, body: list[str], width: int, geo: Geometry) -> list[str]:
    """rich.panel.Panel(box ROUNDED, padding (0, 1), title left-aligned, border style dim), full width."""
    head = f"─ {title} "
    top = "╭" + head + "─" * max(0, width - 2 - len(head)) + "╮"
    out = [_border(top, geo)]
    for line in body:
        out.append(_border("│ ", geo) + line + _border(" │", geo))
    out.append(_border("╰" + "─" * (width - 2) + "╯", geo))
    return out


def _border(text: str, geo: Geometry) -> str:
    return _sgr(text, _DIM, geo) if geo.color else text


def _padded(text: _Text, width: int, geo: Geometry, *, top: int, bottom: int, base: str = "") -> list[str]:
    """rich.padding.Padding(text, (top, 1, bottom, 1)) at the console width."""
    blank = " " * width
    body = [" " + line.render(width - 2, geo, base) + " " for line in text.wrap(width - 2)]
    return [blank] * top + body + [blank] * bottom


# ---------------------------------------------------------------------------------------------- the help


def _safe(*texts: str | None) -> bool:
    for text in texts:
        if text and (_UNSAFE.search(text) or any(_wide(ch) for ch in text if ord(ch) > 0x7F)):
            return False
    return True


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") or unicodedata.combining(ch) != 0 or not ch.isprintable()


def render(command: Any, ctx: Any, geo: Geometry) -> str | None:
    """The group's help as Typer's Rich formatter prints it, or None if this renderer cannot match it exactly."""
    width = geo.width
    if width < 50 or getattr(command, "deprecated", False) or getattr(command, "rich_markup_mode", None) != "rich":
        return None
    help_text = inspect.cleandoc(command.help or "").partition("\f")[0]
    epilog = command.epilog or ""
    if "\n" in help_text or "\n" in epilog or not _safe(help_text, epilog):
        return None
    options: list[tuple[str, str, str, str]] = []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name != "option" or param.secondary_opts or param.required:
            return None
        if getattr(param, "rich_help_panel", None) or _shows_extra(param, ctx):
            return None
        if param._get_number_range_help_str() or "\n" in (param.help or ""):
            return None
        longs = ",".join(o for o in param.opts if "--" in o)
        shorts = ",".join(o for o in param.opts if "--" not in o)
        types = param.display_type_rich(ctx=ctx) or ""
        if not _safe(param.help, longs, shorts, types):
            return None
        options.append((longs, shorts, types, (param.help or "").strip()))
    commands: list[tuple[str, str]] = []
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or sub.hidden:
            continue
        if sub.deprecated or getattr(sub, "rich_help_panel", None):
            return None
        first = inspect.cleandoc(sub.short_help or sub.help or "").split("\n\n")[0].strip()
        if "\n" in first or not _safe(first, sub.name):
            return None
        commands.append((sub.name or "", first))

    out: list[str] = []
    usage = _Text(command.get_usage(ctx)).highlight(_HIGHLIGHTS)
    if "\n" in usage.plain or not _safe(usage.plain.replace("[", "").replace("]", "")):
        return None
    out += _padded(usage, width, geo, top=1, bottom=1, base=_BOLD)
    if help_text:
        out += _padded(_Text(help_text).highlight(_HIGHLIGHTS), width, geo, top=0, bottom=1)
    inner = width - 4
    if options:
        cols = [
            _Column([_Text(o[0]).highlight(_HIGHLIGHTS) for o in options], 0, 1),
            _Column([_Text(o[1]).highlight(_HIGHLIGHTS) for o in options], 1, 1),
            _Column([_Text("") for _ in options], 1, 1),
            _Column([_Text("") for _ in options], 1, 1),
            _Column([_types(o[2]) for o in options], 1, 1, fold=True),
            _Column([_Text(o[3]).highlight(_HIGHLIGHTS) for o in options], 1, 0, unmeasured=True),
        ]
        out += _panel("Options", _table_lines(cols, inner, geo), width, geo)
    if commands:
        cols = [
            _Column(
                [_Text(c[0]) for c in commands], 0, 1, fixed=max(len(c[0]) for c in commands), no_wrap=True, style=_CMD
            ),
            _Column([_Text(c[1]).highlight(_HIGHLIGHTS) for c in commands], 1, 0, ratio=10),
        ]
        out += _panel("Commands", _table_lines(cols, inner, geo), width, geo)
    if epilog:
        out += _padded(_Text(epilog).highlight(_HIGHLIGHTS), width, geo, top=1, bottom=1)
    return "".join(line + "\n" for line in out)


def _shows_extra(param: Any, ctx: Any) -> bool:
    """Whether Typer's `_get_parameter_help` would add "[env var: …]" or "[default: …]" (same tests, same calls)."""
    envvar = getattr(param, "envvar", None)
    if (
        envvar is None
        and getattr(param, "allow_from_autoenv", None)
        and ctx.auto_envvar_prefix is not None
        and param.name
    ):
        envvar = f"{ctx.auto_envvar_prefix}_{param.name.upper()}"
    if envvar and getattr(param, "show_envvar", None):
        return True
    if not hasattr(param, "_extract_default_help_str"):
        return True  # not a Typer parameter: leave it to Typer
    default_value = param._extract_default_help_str(ctx=ctx)
    show_default_is_str = isinstance(param.show_default, str)
    if show_default_is_str or (default_value is not None and (param.show_default or ctx.show_default)):
        shown = param._get_default_string(ctx=ctx, show_default_is_str=show_default_is_str, default_value=default_value)
        return bool(shown)
    return False


def _types(text: str) -> _Text:
    t = _Text(text, [(0, len(text), _TYPES)] if text else [])
    return t.highlight([(p, _DIM) for p in _TYPES_SEP])
