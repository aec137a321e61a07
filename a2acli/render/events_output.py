"""Presenters: where `send` / `stream` / `task subscribe` events go (the I/O side of the pure renderers).

- `JsonLinesPresenter`: one StreamResponse per line, compact, flushed per line (the hot path: one
  `json.dumps` and one write per event, nothing else).
- `JsonDocumentPresenter`: nothing per event; exactly one document at the end (SPEC §11.3).
- `TextPresenter`: the SPEC §11.2 text floor, per event (`stream=True`) or once at the end.
- `a2acli.render.live.LivePresenter`: Rich Live on a terminal.

All share `event(ev)`, `finish(result, ledger_ids)` and `abort(ids)`.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, Protocol

from a2acli.render.events import CommandContext, TextFloor, next_commands, short_state


@dataclass
class TurnIds:
    """What the caller needs to continue: reported on completion AND on interruption (SPEC §8.2)."""

    task_id: str | None = None
    context_id: str | None = None
    state: str | None = None
    message_id: str | None = None


class Presenter(Protocol):
    wants_events: bool

    def event(self, event: dict[str, Any]) -> None: ...

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None: ...

    def abort(self, ids: TurnIds) -> None: ...


class JsonLinesPresenter:
    wants_events = True

    def __init__(self) -> None:
        from a2acli.render.writers import dumps

        self._dumps = dumps  # compact JSON with terminal controls \\u-escaped
        self._out = sys.stdout

    def event(self, event: dict[str, Any]) -> None:
        out = self._out
        out.write(self._dumps(event) + "\n")
        out.flush()

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        pass

    def abort(self, ids: TurnIds) -> None:
        pass


class JsonDocumentPresenter:
    wants_events = False

    def event(self, event: dict[str, Any]) -> None:
        pass

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        from a2acli.render.writers import write_json

        if result is not None:
            write_json(result)

    def abort(self, ids: TurnIds) -> None:
        pass  # the error boundary writes the single error document


class TextPresenter:
    """The text floor: live per event when `stream`, else the final object once."""

    def __init__(self, commands: CommandContext, *, stream: bool, verbose: bool = False) -> None:
        self.floor = TextFloor(commands=commands, verbose=verbose)
        self.commands = commands
        self.stream = stream
        self.verbose = verbose
        self.wants_events = stream

    def _write(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()

    def event(self, event: dict[str, Any]) -> None:
        self._write(self.floor.render(event))

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        if self.stream:
            self._write(self.floor.finish())
            return
        from a2acli.render.task import render_message, render_task

        if result is not None and isinstance(result.get("task"), dict):
            self._write(render_task(result["task"], commands=self.commands, verbose=self.verbose))
        elif result is not None and isinstance(result.get("message"), dict):
            self._write(render_message(result["message"], commands=self.commands))

    def abort(self, ids: TurnIds) -> None:
        """Interrupted / timed out: the ids and the command that resumes, so nothing is lost."""
        out = self.floor._close() if self.stream else ""
        out += ids_block(ids, self.commands)
        self._write(out)


def ids_block(ids: TurnIds, commands: CommandContext) -> str:
    from a2acli.render.events import field_line

    out = ""
    if ids.task_id:
        out += field_line("Task ID", ids.task_id)
    if ids.context_id:
        out += field_line("Context ID", ids.context_id)
    if ids.task_id:
        out += field_line("State", short_state(ids.state))
    for label, command in next_commands(commands, ids.task_id, ids.context_id, ids.state):
        out += f"{label}: {command}\n"
    return out


class WaitingSpinner:
    """A transient spinner on stderr while a blocking `a2a send` waits (only when stderr is a terminal).

    Progress goes to stderr (SPEC §11.1); stdout keeps the text floor. `state()` is read on each refresh.
    """

    def __init__(self, agent: str, state: Any) -> None:
        from rich.console import Console
        from rich.status import Status

        self._state = state
        self._agent = agent
        self._started = time.monotonic()
        self._status = Status(self._text(), console=Console(stderr=True), spinner="dots")
        self._task: Any = None

    def _text(self) -> Any:
        from rich.text import Text

        from a2acli.render.sanitize import clean_line

        state = self._state()
        shown = short_state(state) if state else "CONNECTING"
        return Text(f"{clean_line(self._agent) or 'agent'} · {shown} · {time.monotonic() - self._started:.1f}s")

    def start(self) -> None:
        import asyncio

        self._status.start()
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        import asyncio

        while True:
            await asyncio.sleep(0.1)
            self._status.update(self._text())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._status.stop()
