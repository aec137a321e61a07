"""Writers: the only code that puts bytes on stdout and stderr.

JSON is written compactly, one document or one line per event, flushed per line and never through Rich
(Rich wraps long lines). Diagnostics always go to stderr. A closed stdout (`| head -1`) raises
`BrokenPipeError`, which `a2acli.cli` turns into a quiet exit.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import IO, Any

from a2acli.render.sanitize import clean_line


@dataclass
class OutputMode:
    """How the running command writes its result; set by the command, read by the error boundary."""

    format: str = "text"  # "text" | "json" | "rich"
    stream: bool = False


MODE = OutputMode()


def set_mode(fmt: str, *, stream: bool = False) -> None:
    MODE.format = fmt
    MODE.stream = stream


def rich_terminal(fmt: str) -> bool:
    """Whether to draw the Rich view: asked for (`-o rich`, or A2ACLI_OUTPUT=rich) and stdout is a terminal. The
    default `text` is the floor on a terminal too (SPEC §6.1: output whose shape does not vary with where it runs)."""
    return fmt == "rich" and sys.stdout.isatty()


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
# json.dumps escapes C0 controls but writes C1 controls (U+0080-U+009F, e.g. the 8-bit CSI U+009B) and bidi
# controls raw; JSON read on a terminal must not carry them, so they are written as \uXXXX (same JSON value).
_TERMINAL_UNSAFE = re.compile("[\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _u_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps(doc: Any) -> str:
    """Compact JSON, non-ASCII kept as is (valid UTF-8), terminal controls \\u-escaped (see above)."""
    text = _ENCODE(doc)
    return text if text.isascii() else _TERMINAL_UNSAFE.sub(_u_escape, text)


def write_json(doc: Any, stream: IO[str] | None = None) -> None:
    """One JSON document or JSON line on stdout, flushed."""
    out = stream if stream is not None else sys.stdout
    out.write(dumps(doc) + "\n")
    out.flush()


def write_text(text: str, stream: IO[str] | None = None) -> None:
    """Text-floor output on stdout; the caller has already sanitised agent-supplied content."""
    out = stream if stream is not None else sys.stdout
    out.write(text)
    out.flush()


def field(label: str, value: object) -> str:
    """One `Label: value` line of the SPEC §11.2 text floor."""
    return f"{label}: {clean_line(value)}\n"


def diag(message: str) -> None:
    """A diagnostic line on stderr (never on stdout), credentials redacted (SPEC §12.1)."""
    from a2acli.redact import redact

    sys.stderr.write(clean_line(redact(message)) + "\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    diag(f"warning: {message}")


_WARNED: set[str] = set()  # the warnings given once per run (`a2acli.cli.run` clears it)


def warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        warn(message)


def reset_run() -> None:
    """A new run (`a2acli.cli.run`, also several in one test process): its once-only warnings are due again."""
    _WARNED.clear()


def warn_insecure(*, credentials: bool) -> None:
    """SPEC §6.5 / §12.1 (A2ACLI_AUTH_003): TLS verification off is never silent, and says so louder when a
    credential travels over it. Every command that honours --insecure calls this, once per run."""
    message = "TLS certificate verification is DISABLED (--insecure): anyone on the network can impersonate the agent"
    if credentials:
        message += " and read the credentials sent to it"
    warn_once(message)
