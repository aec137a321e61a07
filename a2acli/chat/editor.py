"""The line editor on a terminal (prompt_toolkit, the field's standard): history across sessions, Emacs or Vi
keys, multi-line input, completion of the chat's commands and of file paths. Imported only when `a2a chat` runs
on a terminal: no other command, and no piped chat, pays for prompt_toolkit.

Keys: Enter sends, Alt-Enter (Esc Enter) inserts a new line; with `--multiline` Enter inserts a new line and
Alt-Enter sends. Ctrl-J is Enter: a line typed ahead while an answer streams reaches the editor with the
terminal's own Enter (CR turned into LF in cooked mode), and must send, not break the line. Ctrl-C clears a line
being typed and, at an empty prompt, ends the session; so does Ctrl-D. The history file holds only the lines
typed (never an id: nothing of a conversation is resumed from it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from a2acli.chat.slash import COMMANDS

_TAKES_A_PATH = ("/file", "/save")


def default_history_path() -> Path:
    """`$XDG_DATA_HOME/a2a-cli/chat-history`, else `~/.local/share/a2a-cli/chat-history`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "a2a-cli" / "chat-history"


class ChatCompleter(Completer):
    """The chat's commands after a leading `/`; file paths after `/file ` and `/save `."""

    def __init__(self) -> None:
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if "\n" in text or not text.startswith("/"):
            return
        word, space, rest = text.partition(" ")
        if not space:
            for command in COMMANDS:
                if command.name.startswith(word.lower()):
                    yield Completion(
                        command.name + (" " if command.argument else ""),
                        start_position=-len(word),
                        display=command.name,
                        display_meta=command.summary,
                    )
            return
        if word.lower() in _TAKES_A_PATH:
            typed = rest.lstrip()
            yield from self.paths.get_completions(Document(typed, len(typed)), complete_event)


def _history(path: Path | None) -> History:
    if path is None:
        return InMemoryHistory()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))  # the lines typed: the user's only
    except OSError:
        return InMemoryHistory()  # an unwritable data dir costs the history, not the session
    return FileHistory(str(path))


def _key_bindings(multiline: bool) -> KeyBindings:
    keys = KeyBindings()

    def send(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    def new_line(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    if multiline:
        keys.add("enter")(new_line)
        keys.add("c-j")(new_line)
        keys.add("escape", "enter")(send)
    else:
        keys.add("enter")(send)
        keys.add("c-j")(send)
        keys.add("escape", "enter")(new_line)

    @keys.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()
        else:
            event.app.exit(exception=EOFError())

    return keys


class LineEditor:
    interactive = True

    def __init__(self, *, vi: bool = False, multiline: bool = False, history_file: Path | None = None) -> None:
        self.multiline = multiline
        self.session: PromptSession[str] = PromptSession(
            history=_history(history_file),
            multiline=True,  # Enter's meaning is the key bindings' (above)
            key_bindings=_key_bindings(multiline),
            completer=ChatCompleter(),
            complete_while_typing=False,
            editing_mode=EditingMode.VI if vi else EditingMode.EMACS,
            prompt_continuation=lambda width, line_number, wrap_count: "." * max(width - 1, 0) + " ",
        )

    async def read(self, prompt: str) -> str | None:
        """The next line typed, or None when the user leaves (Ctrl-D, Ctrl-C at an empty prompt)."""
        try:
            return await self.session.prompt_async(prompt)
        except (EOFError, KeyboardInterrupt):
            return None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.session.app.output.flush()
