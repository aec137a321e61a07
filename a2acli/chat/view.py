"""The chat's own text: the prompt, `/help`, `/history`, the ids to continue, an error line. Pure: strings only,
agent-supplied text sanitised here (the writers sanitise again on the way out)."""

from __future__ import annotations

import shlex
from typing import NamedTuple

from a2acli.chat.slash import COMMANDS
from a2acli.errors import A2ACliError
from a2acli.protocol import AUTH_REQUIRED, INTERRUPTED_STATES
from a2acli.render.events import short_state
from a2acli.render.sanitize import clean_line

MAX_NAME = 40


class TurnRecord(NamedTuple):
    """One turn of the session, for `/history`."""

    text: str
    task_id: str | None
    context_id: str | None
    state: str | None
    attachments: int = 0
    stopped: bool = False  # Ctrl-C stopped following it
    error: str | None = None


def agent_label(name: str, fallback: str) -> str:
    """The agent's name for the prompt (untrusted: sanitised, capped), else the reference the user gave."""
    label = clean_line(name).strip() or clean_line(fallback).strip() or "agent"
    return label if len(label) <= MAX_NAME else label[: MAX_NAME - 1] + "…"


def prompt_text(label: str, state: str | None, attachments: int = 0) -> str:
    """`Demo Agent > `, `Demo Agent [INPUT_REQUIRED] > `: the agent and the state of the current task."""
    out = label
    if state:
        out += f" [{short_state(state)}]"
    if attachments:
        out += f" +{attachments} attached"
    return out + " > "


def help_text(*, interactive: bool = True, multiline: bool = False) -> str:
    width = max(len(c.name) + (len(c.argument) + 1 if c.argument else 0) for c in COMMANDS)
    lines = ["Chat commands (any other line, /word lines included, is sent to the agent):"]
    for command in COMMANDS:
        usage = f"{command.name} {command.argument}".strip()
        lines.append(f"  {usage.ljust(width)}  {command.summary}")
    if interactive:
        keys = (
            "Enter: a new line · Alt-Enter (Esc Enter) sends"
            if multiline
            else ("Enter sends · Alt-Enter (Esc Enter): a new line")
        )
        lines.append(f"Keys: {keys} · Tab completes · Up/Down: earlier lines")
        lines.append("      Ctrl-C stops following an answer (at an empty prompt it leaves) · Ctrl-D leaves")
    return "\n".join(lines) + "\n"


def history_text(turns: list[TurnRecord]) -> str:
    if not turns:
        return "No turns yet.\n"
    lines = []
    for number, turn in enumerate(turns, 1):
        said = clean_line(turn.text.replace("\n", " ⏎ ")).strip()
        said = said if len(said) <= 60 else said[:59] + "…"
        if turn.attachments:
            said += f" (+{turn.attachments} attached)"
        if turn.error:
            outcome = f"error: {clean_line(turn.error)}"
        elif turn.task_id:
            outcome = f"task {clean_line(turn.task_id)} {short_state(turn.state)}"
            if turn.stopped:
                outcome += " (stopped following)"
        else:
            outcome = "message" if turn.context_id else "no reply"
        lines.append(f"{number:>3}. {said} -> {outcome}")
    return "\n".join(lines) + "\n"


def continue_command(agent_ref: str | None, context_id: str | None, task_id: str | None, state: str | None) -> str:
    """The command that continues this conversation later (SPEC §8.2: every id needed is reported)."""
    words = ["a2a", "chat"]
    if agent_ref:
        words += ["-a", agent_ref]
    if context_id:
        words += ["--context-id", context_id]
    if task_id and state in INTERRUPTED_STATES:
        words += ["--task-id", task_id]
    return " ".join(shlex.quote(clean_line(w)) for w in words)


def ids_text(agent_ref: str | None, context_id: str | None, task_id: str | None, state: str | None) -> str:
    """The ids to continue, as text-floor fields (`Label: value`)."""
    if not context_id and not task_id:
        return ""
    out = ""
    if context_id:
        out += f"Context ID: {clean_line(context_id)}\n"
    if task_id:
        out += f"Task ID: {clean_line(task_id)}\nState: {short_state(state)}\n"
    return out + f"Continue: {continue_command(agent_ref, context_id, task_id, state)}\n"


def error_line(err: A2ACliError) -> str:
    """The one-line error the CLI's boundary would print, for an error the session survives."""
    line = f"error: {err.message} [{err.code}]"
    if err.hint:
        line += f" — hint: {err.hint}"
    return line


def login_command(agent_ref: str | None) -> str:
    words = ["a2a", "auth", "login"] + (["-a", agent_ref] if agent_ref else [])
    return " ".join(shlex.quote(w) for w in words)


def waiting_for(state: str | None) -> bool:
    return state in INTERRUPTED_STATES


def needs_login(state: str | None) -> bool:
    return state == AUTH_REQUIRED
