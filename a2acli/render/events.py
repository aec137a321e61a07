"""Pure renderers for A2A 1.0 StreamResponse events: the SPEC §11.2 text floor, incrementally.

`TextFloor.render(event)` returns the text to write for one event (no I/O): `Label: value` fields, and
blocks (`Artifact: <name>` / `Data: <name>` / `Message:` then the content, then a blank line) that are never
interleaved with fields. Streamed text chunks of one artifact grow one block, which is closed before the next
field line. `TextFloor.finish()` restates the task id, context id and state, and the commands that continue.

Every agent-supplied string goes through `clean_text` / `clean_line` (no escape sequence reaches a terminal).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from a2acli.protocol import COMPLETED, INTERRUPTED_STATES, TERMINAL_STATES
from a2acli.render.sanitize import clean_line, clean_text

UNHAPPY = TERMINAL_STATES - {COMPLETED}


def short_state(state: Any) -> str:
    """`TASK_STATE_INPUT_REQUIRED` -> `INPUT_REQUIRED`; anything else is shown as received (sanitised)."""
    text = clean_line(state) if state is not None else "UNKNOWN"
    return text[len("TASK_STATE_") :] if text.startswith("TASK_STATE_") else text


def field_line(label: str, value: Any) -> str:
    return f"{label}: {clean_line(value)}\n"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def raw_size(part: dict[str, Any]) -> int | None:
    """Decoded size of an inline (base64) file part, without decoding it."""
    raw = part.get("raw")
    if not isinstance(raw, str):
        return None
    body = raw.strip()
    pad = len(body) - len(body.rstrip("="))
    return max(0, len(body) * 3 // 4 - pad)


def file_summary(part: dict[str, Any]) -> str:
    """`name (media/type, N bytes)` or `url (media/type)` for a file part."""
    name = part.get("filename") if isinstance(part.get("filename"), str) and part.get("filename") else None
    where = part.get("url") if isinstance(part.get("url"), str) else None
    label = name or where or "(unnamed file)"
    details: list[str] = []
    media = part.get("mediaType")
    if isinstance(media, str) and media:
        details.append(media)
    size = raw_size(part)
    if size is not None:
        details.append(f"{size} bytes")
    elif where and name:
        details.append(where)
    return clean_line(label) + (f" ({clean_line(', '.join(details))})" if details else "")


def data_block(data: Any) -> str:
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    except (TypeError, ValueError):
        text = str(data)
    return clean_text(text)


def part_kind(part: Any) -> str:
    if not isinstance(part, dict):
        return "unknown"
    if "text" in part:
        return "text"
    if "data" in part:
        return "data"
    if "raw" in part or "url" in part:
        return "file"
    return "unknown"


def message_text(message: dict[str, Any]) -> str:
    return "".join(str(p.get("text", "")) for p in _list(message.get("parts")) if part_kind(p) == "text")


def artifact_label(artifact: dict[str, Any]) -> str:
    name = artifact.get("name")
    if isinstance(name, str) and name.strip():
        return name
    aid = artifact.get("artifactId")
    return aid if isinstance(aid, str) and aid else "artifact"


# ------------------------------------------------------------------------------------------ resume commands


@dataclass(frozen=True)
class CommandContext:
    """What the printed follow-up commands need: the agent reference as the user gave it.

    `follow_ups=False`: no follow-up commands at all (`a2a chat`, where the next line typed is the follow-up)."""

    agent_ref: str | None = None
    follow_ups: bool = True

    def base(self, *words: str) -> str:
        parts = ["a2a", *words]
        if self.agent_ref:
            parts += ["-a", self.agent_ref]
        return " ".join(shlex.quote(p) for p in parts)


def next_commands(
    ctx: CommandContext, task_id: str | None, context_id: str | None, state: str | None
) -> list[tuple[str, str]]:
    """(label, command) pairs: how to reply, resume or continue, by state."""
    out: list[tuple[str, str]] = []
    if not ctx.follow_ups:
        return out
    if task_id and state in INTERRUPTED_STATES:
        what = "<reply>" if state == "TASK_STATE_INPUT_REQUIRED" else "<reply after authenticating>"
        out.append(("Reply", f"{ctx.base('send')} --task-id {shlex.quote(task_id)} {shlex.quote(what)}"))
    elif task_id and state not in TERMINAL_STATES:
        out.append(("Resume", f"{ctx.base('task', 'subscribe')} {shlex.quote(task_id)}"))
        out.append(("Poll", f"{ctx.base('task', 'get')} {shlex.quote(task_id)} --wait"))
    if context_id and (state in TERMINAL_STATES or task_id is None):
        out.append(("Continue", f"{ctx.base('send')} --context-id {shlex.quote(context_id)} '<next message>'"))
    return out


# ------------------------------------------------------------------------------------------ the text floor


@dataclass
class TextFloor:
    """Incremental text-floor renderer; holds only what it needs to keep blocks well-formed."""

    commands: CommandContext = field(default_factory=CommandContext)
    verbose: bool = False
    task_id: str | None = None
    context_id: str | None = None
    state: str | None = None
    message_id: str | None = None
    open_block: str | None = None  # artifact id whose text block is open
    at_line_start: bool = True
    events: int = 0

    # ---------------------------------------------------------------- helpers

    def close_block(self) -> str:
        """End the open block, if any (the text that does it)."""
        if self.open_block is None:
            return ""
        self.open_block = None
        tail = "" if self.at_line_start else "\n"
        self.at_line_start = True
        return tail + "\n"

    def _block(self, label: str, content: str) -> str:
        body = content if content.endswith("\n") else content + "\n"
        return f"{label}\n{body}\n"

    def _ids(self, task_id: Any, context_id: Any) -> str:
        out = ""
        if isinstance(task_id, str) and task_id and task_id != self.task_id:
            self.task_id = task_id
            out += field_line("Task ID", task_id)
        if isinstance(context_id, str) and context_id and context_id != self.context_id:
            self.context_id = context_id
            out += field_line("Context ID", context_id)
        return out

    def _status(self, status: Any, *, force: bool = False) -> str:
        status = _dict(status)
        state = status.get("state")
        out = ""
        if isinstance(state, str) and (state != self.state or force):
            self.state = state
            out += field_line("State", short_state(state))
        message = status.get("message")
        if isinstance(message, dict):
            text = message_text(message)
            if text.strip():
                out += self._block("Message:", clean_text(text))
            out += self._other_parts(message.get("parts"))
        return out

    def _other_parts(self, parts: Any, label: str = "message") -> str:
        out = ""
        for part in _list(parts):
            kind = part_kind(part)
            if kind == "data":
                out += self._block(f"Data: {clean_line(label)}", data_block(part.get("data")))
            elif kind == "file":
                out += field_line("File", file_summary(part))
        return out

    def _artifact(self, artifact: dict[str, Any], *, append: bool, last: bool) -> str:
        aid = artifact.get("artifactId") if isinstance(artifact.get("artifactId"), str) else ""
        label = artifact_label(artifact)
        out = ""
        for part in _list(artifact.get("parts")):
            kind = part_kind(part)
            if kind == "text":
                text = clean_text(part.get("text", ""))
                if not text:
                    continue
                if self.open_block != aid or not append:
                    out += self.close_block()
                    out += f"Artifact: {clean_line(label)}\n"
                    self.open_block = aid
                    self.at_line_start = True
                out += text
                self.at_line_start = text.endswith("\n")
                append = True
            elif kind == "data":
                out += self.close_block()
                out += self._block(f"Data: {clean_line(label)}", data_block(part.get("data")))
            elif kind == "file":
                out += self.close_block()
                out += field_line("File", file_summary(part))
            else:
                out += self.close_block()
                out += field_line("Part", f"unrecognised part in {label} (see -o json)")
        if last:
            out += self.close_block()
        return out

    # ---------------------------------------------------------------- events

    def render(self, event: dict[str, Any]) -> str:
        self.events += 1
        if "artifactUpdate" in event:
            update = _dict(event["artifactUpdate"])
            out = ""
            if self.open_block is None:
                out += self._ids(update.get("taskId"), update.get("contextId"))
            return out + self._artifact(
                _dict(update.get("artifact")), append=update.get("append") is True, last=update.get("lastChunk") is True
            )
        out = self.close_block()
        if "statusUpdate" in event:
            update = _dict(event["statusUpdate"])
            return out + self._ids(update.get("taskId"), update.get("contextId")) + self._status(update.get("status"))
        if "task" in event:
            task = _dict(event["task"])
            out += self._ids(task.get("id"), task.get("contextId"))
            out += self._status(task.get("status"))
            for artifact in _list(task.get("artifacts")):
                out += self._artifact(_dict(artifact), append=False, last=True)
            return out
        if "message" in event:
            message = _dict(event["message"])
            out += self._ids(message.get("taskId"), message.get("contextId"))
            mid = message.get("messageId")
            if isinstance(mid, str) and mid:
                self.message_id = mid
                out += field_line("Message ID", mid)
            text = message_text(message)
            if text:
                out += self._block("Message:", clean_text(text))
            return out + self._other_parts(message.get("parts"))
        return out + field_line("Event", "unrecognised event (see -o json)")

    def finish(self) -> str:
        """Close any block; restate ids and state (SPEC §11.2) and print the follow-up commands."""
        out = self.close_block()
        if self.task_id:
            out += field_line("Task ID", self.task_id)
        if self.context_id:
            out += field_line("Context ID", self.context_id)
        if self.task_id:
            out += field_line("State", short_state(self.state))
        elif self.message_id:
            out += field_line("Reply", "message (no task created)")
        for label, command in next_commands(self.commands, self.task_id, self.context_id, self.state):
            out += f"{label}: {command}\n"
        return out
