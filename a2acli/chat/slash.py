"""The chat's own slash commands: one table, read by the session (dispatch), `/help` and the completer.

A line whose first word is one of these is a command of the chat; any other line, `/scenario NAME` included, is
sent to the agent unchanged (an agent may have slash commands of its own).
"""

from __future__ import annotations

from typing import NamedTuple


class SlashCommand(NamedTuple):
    name: str  # with its slash
    argument: str  # how the argument is written in /help ("" when it takes none)
    summary: str


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("/help", "", "this list"),
    SlashCommand("/card", "", "the agent's card"),
    SlashCommand("/new", "", "start a new conversation (a new context; attachments dropped)"),
    SlashCommand("/task", "", "the current task as the agent now holds it (GetTask)"),
    SlashCommand("/cancel", "", "ask the agent to cancel the current task"),
    SlashCommand("/file", "PATH", "attach a file (or a URL) to the next message"),
    SlashCommand("/data", "JSON", "attach a data part to the next message"),
    SlashCommand("/save", "PATH", "write the transcript: JSON lines of the protocol objects sent and received"),
    SlashCommand("/history", "", "the turns of this session"),
    SlashCommand("/quit", "", "leave (so do Ctrl-D, and Ctrl-C at an empty prompt)"),
)
BY_NAME = {command.name: command for command in COMMANDS}
ALIASES = {"/exit": "/quit", "/?": "/help"}


class Invocation(NamedTuple):
    command: SlashCommand
    argument: str


def parse(line: str) -> Invocation | None:
    """The chat command a line invokes, or None when the line is a message for the agent."""
    stripped = line.strip()
    if not stripped.startswith("/"):
        return None
    word, _, rest = stripped.partition(" ")
    name = ALIASES.get(word.lower(), word.lower())
    command = BY_NAME.get(name)
    return None if command is None else Invocation(command, rest.strip())
