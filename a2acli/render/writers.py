"""Writers: the only code that puts bytes on stdout and stderr.

JSON is written compactly, one document or one line per event, flushed per line and never through Rich
(Rich wraps long lines). Diagnostics always go to stderr. A closed stdout (`| head -1`) raises
`BrokenPipeError`, which `a2acli.cli` turns into a quiet exit.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import IO, Any

from a2acli.render.sanitize import clean_line


@dataclass
class OutputMode:
    """How the running command writes its result; set by the command, read by the error boundary."""

    format: str = "text"  # "text" | "json"
    stream: bool = False


MODE = OutputMode()


def set_mode(fmt: str, *, stream: bool = False) -> None:
    MODE.format = fmt
    MODE.stream = stream


def dumps(doc: Any) -> str:
    """Compact JSON, non-ASCII kept as is (valid UTF-8 either way)."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def write_json(doc: Any, stream: IO[str] | None = None) -> None:
    """One JSON document or JSON line on stdout, flushed."""
    out = stream if stream is not None else sys.stdout
    out.write(dumps(doc) + "\n")
    out.flush()


def write_raw_json_line(line: str, stream: IO[str] | None = None) -> None:
    """A line that is already compact JSON (the streaming fast path)."""
    out = stream if stream is not None else sys.stdout
    out.write(line + "\n")
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
    """A diagnostic line on stderr (never on stdout)."""
    sys.stderr.write(clean_line(message) + "\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    diag(f"warning: {message}")
