"""Pure renderers for push deliveries (`a2a push listen`): the SPEC §11.2 text floor and a Rich view for terminals.

Every agent-supplied string goes through `clean_line` / `clean_text`; Rich output is built from
`rich.text.Text` pieces, never from markup strings.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from a2acli.protocol import COMPLETED, TERMINAL_STATES
from a2acli.render.events import short_state
from a2acli.render.sanitize import clean_line, clean_text
from a2acli.render.writers import field as fmt_field

if TYPE_CHECKING:
    from rich.console import RenderableType


class Delivery(Protocol):
    """What the views read of a push delivery (`a2acli.push.receiver.Delivery`)."""

    @property
    def payload(self) -> dict[str, Any]: ...

    @property
    def number(self) -> int: ...

    @property
    def received_at(self) -> float: ...


@dataclass
class EventSummary:
    """What one StreamResponse says, flattened for presentation."""

    kind: str
    task_id: str = ""
    context_id: str = ""
    state: str = ""
    artifact_id: str = ""
    artifact_name: str = ""
    append: bool = False
    last_chunk: bool = False
    texts: list[str] = field(default_factory=list)
    data: list[Any] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _parts(parts: Any, summary: EventSummary) -> None:
    if not isinstance(parts, list):
        return
    for part in parts:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            summary.texts.append(part["text"])
        elif "data" in part:
            summary.data.append(part["data"])
        elif "raw" in part or "url" in part:
            name = part.get("filename") or part.get("url") or "(unnamed)"
            media = part.get("mediaType") or "application/octet-stream"
            raw = part.get("raw")
            size = f", {len(raw) * 3 // 4} bytes" if isinstance(raw, str) else ""
            summary.files.append(f"{name} ({media}{size})")


def summarize(payload: dict[str, Any]) -> EventSummary:
    """Flatten a StreamResponse (any of its four members) into an EventSummary."""
    for kind in ("statusUpdate", "artifactUpdate", "task", "message"):
        body = payload.get(kind)
        if isinstance(body, dict):
            break
    else:
        return EventSummary(kind="unknown")
    summary = EventSummary(kind=kind)
    if kind == "task":
        summary.task_id = str(body.get("id", ""))
    else:
        summary.task_id = str(body.get("taskId", ""))
    summary.context_id = str(body.get("contextId", ""))
    status = body.get("status")
    if isinstance(status, dict):
        summary.state = str(status.get("state", ""))
        message = status.get("message")
        if isinstance(message, dict):
            _parts(message.get("parts"), summary)
    if kind == "artifactUpdate":
        raw_artifact = body.get("artifact")
        artifact: dict[str, Any] = raw_artifact if isinstance(raw_artifact, dict) else {}
        summary.artifact_id = str(artifact.get("artifactId", ""))
        summary.artifact_name = str(artifact.get("name", ""))
        summary.append = bool(body.get("append"))
        summary.last_chunk = bool(body.get("lastChunk"))
        _parts(artifact.get("parts"), summary)
    elif kind == "message":
        _parts(body.get("parts"), summary)
    elif kind == "task":
        for artifact in body.get("artifacts") or []:
            if isinstance(artifact, dict):
                _parts(artifact.get("parts"), summary)
    return summary


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def text_floor(delivery: Delivery) -> str:
    """`Label: value` lines, then blocks for text and data, then a blank line."""
    summary = summarize(delivery.payload)
    out = [
        fmt_field("Notification", delivery.number),
        fmt_field("Received", _iso(delivery.received_at)),
        fmt_field("Event", summary.kind),
    ]
    if summary.task_id:
        out.append(fmt_field("Task ID", summary.task_id))
    if summary.context_id:
        out.append(fmt_field("Context ID", summary.context_id))
    if summary.state:
        out.append(fmt_field("State", short_state(summary.state)))
    if summary.artifact_id:
        out.append(fmt_field("Artifact ID", summary.artifact_id))
        if summary.artifact_name:
            out.append(fmt_field("Artifact Name", summary.artifact_name))
        out.append(fmt_field("Append", str(summary.append).lower()))
    out.extend(fmt_field("File", name) for name in summary.files)
    if summary.texts:
        text = clean_text("".join(summary.texts))
        out.append("Text:\n" + text + ("" if text.endswith("\n") else "\n") + "\n")
    for doc in summary.data:
        pretty = clean_text(json.dumps(doc, indent=2, ensure_ascii=False))
        out.append("Data:\n" + pretty + "\n\n")
    out.append("\n")
    return "".join(out)


def rich_view(delivery: Delivery) -> RenderableType:
    """A compact coloured view for terminals: a header line, then the content."""
    from rich.text import Text

    summary = summarize(delivery.payload)
    line = Text()
    line.append(f"#{delivery.number} ", style="bold")
    line.append(time.strftime("%H:%M:%S", time.localtime(delivery.received_at)) + " ", style="dim")
    line.append(summary.kind, style="cyan")
    if summary.state:
        style = "green" if summary.state == COMPLETED else "yellow"
        if summary.state in TERMINAL_STATES - {COMPLETED}:
            style = "red"
        line.append(" " + summary.state.removeprefix("TASK_STATE_"), style=style)
    if summary.task_id:
        line.append("  task ", style="dim")
        line.append(clean_line(summary.task_id))
    if summary.artifact_id:
        line.append("  artifact ", style="dim")
        line.append(clean_line(summary.artifact_name or summary.artifact_id))
    for name in summary.files:
        line.append("\n  file ", style="dim")
        line.append(clean_line(name))
    if summary.texts:
        line.append("\n  ")
        line.append(clean_text("".join(summary.texts)).replace("\n", "\n  "))
    for doc in summary.data:
        line.append("\n  ")
        line.append(clean_text(json.dumps(doc, indent=2, ensure_ascii=False)).replace("\n", "\n  "))
    return line
