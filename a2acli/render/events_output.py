"""Presenters: where `send` / `stream` / `task subscribe` events go (the I/O side of the pure renderers).

- `JsonLinesPresenter`: one StreamResponse per line, compact, flushed per line (the hot path: an event the
  agent sent as compact JSON is written as it came, else one `json.dumps`; one write per event).
- `JsonDocumentPresenter`: nothing per event; exactly one document at the end (SPEC §11.3).
- `TextPresenter`: the SPEC §11.2 text floor, per event (`stream=True`) or once at the end.
- `a2acli.render.live.LivePresenter`: Rich Live on a terminal.

All implement `Presenter`; `a2acli.client.turn` drives them and never writes anything itself.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from a2acli.render.events import CommandContext, TextFloor, field_line, next_commands, short_state
from a2acli.render.notices import Notice, is_result, notice_lines
from a2acli.render.sanitize import clean_line
from a2acli.render.task import render_message, render_task, rich_floor
from a2acli.render.writers import diag, dumps, write_json, write_text


@dataclass
class TurnIds:
    """What the caller needs to continue: reported on completion AND on interruption (SPEC §8.2)."""

    task_id: str | None = None
    context_id: str | None = None
    state: str | None = None
    message_id: str | None = None


class Presenter(Protocol):
    """What a turn shows, in order: `start`, `event`s and `notice`s, then `finish` or `abort`; `close` always."""

    wants_events: bool  # each event; else only the final object (the turn then reads it with GetTask)
    wants_result: bool  # `finish` uses the object the events built (the turn folds them into one)
    takes_raw: bool  # `raw_event(text)` writes an event already encoded as compact JSON

    def start(self, ids: TurnIds | None = None) -> None: ...

    def event(self, event: dict[str, Any]) -> None: ...

    def raw_event(self, text: str) -> None: ...

    def notice(self, notice: Notice) -> None: ...

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None: ...

    def abort(self, ids: TurnIds) -> None: ...

    def close(self) -> None: ...


def report(notice: Notice, *, json_output: bool) -> None:
    """A notice's lines: diagnostics on stderr (sanitised, credentials redacted); a saved file on the text
    floor is data, on stdout."""
    for line in notice_lines(notice, json_output=json_output):
        if is_result(notice, json_output=json_output):
            write_text(clean_line(line) + "\n")
        else:
            diag(line)


class PresenterBase:
    """What most presenters share: nothing to start or close, notices reported as lines."""

    json_output = False

    def start(self, ids: TurnIds | None = None) -> None:
        pass

    def event(self, event: dict[str, Any]) -> None:
        raise NotImplementedError

    def raw_event(self, text: str) -> None:
        self.event(json.loads(text))

    def notice(self, notice: Notice) -> None:
        report(notice, json_output=self.json_output)

    def close(self) -> None:
        pass


class JsonLinesPresenter(PresenterBase):
    wants_events = True
    wants_result = False
    takes_raw = True
    json_output = True

    def __init__(self) -> None:
        self._dumps = dumps  # compact JSON with terminal controls \\u-escaped
        self._out = sys.stdout

    def event(self, event: dict[str, Any]) -> None:
        out = self._out
        out.write(self._dumps(event) + "\n")
        out.flush()

    def raw_event(self, text: str) -> None:
        out = self._out
        out.write(text + "\n")
        out.flush()

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        pass

    def abort(self, ids: TurnIds) -> None:
        pass


class JsonDocumentPresenter(PresenterBase):
    wants_events = False
    wants_result = True
    takes_raw = False
    json_output = True

    def event(self, event: dict[str, Any]) -> None:
        pass

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        if result is not None:
            write_json(result)

    def abort(self, ids: TurnIds) -> None:
        pass  # the error boundary writes the single error document


class TextPresenter(PresenterBase):
    """The text floor: live per event when `stream`, else the final object once.

    `waiting_on` (the agent's name or reference): a blocking turn shows a transient spinner on stderr while it
    waits, when stderr is a terminal (progress never goes to stdout)."""

    takes_raw = False

    def __init__(
        self,
        commands: CommandContext,
        *,
        stream: bool,
        verbose: bool = False,
        waiting_on: str | None = None,
        rich: bool = False,
    ) -> None:
        self.floor = TextFloor(commands=commands, verbose=verbose)
        self.rich = rich and not stream  # `-o rich` styles the final object; events stay the floor as they come
        self.commands = commands
        self.stream = stream
        self.verbose = verbose
        self.wants_events = stream
        self.wants_result = not stream
        self.waiting_on = waiting_on
        self._spinner: WaitingSpinner | None = None

    def start(self, ids: TurnIds | None = None) -> None:
        if self.stream or self.waiting_on is None or ids is None or not _is_terminal(sys.stderr):
            return
        self._spinner = WaitingSpinner(self.waiting_on, lambda: ids.state)
        self._spinner.start()

    def _stop_spinner(self) -> None:
        spinner, self._spinner = self._spinner, None
        if spinner is not None:
            spinner.stop()

    def _write(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()

    def event(self, event: dict[str, Any]) -> None:
        self._write(self.floor.render(event))

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        self._stop_spinner()
        if self.stream:
            self._write(self.floor.finish())
            return
        text = ""
        if result is not None and isinstance(result.get("task"), dict):
            text = render_task(result["task"], commands=self.commands, verbose=self.verbose)
        elif result is not None and isinstance(result.get("message"), dict):
            text = render_message(result["message"], commands=self.commands)
        if self.rich and text:
            from rich.console import Console

            Console(highlight=False).print(rich_floor(text), end="")
        else:
            self._write(text)

    def abort(self, ids: TurnIds) -> None:
        """Interrupted / timed out: the ids and the command that resumes, so nothing is lost."""
        self._stop_spinner()
        out = self.floor.close_block() if self.stream else ""
        out += ids_block(ids, self.commands)
        self._write(out)

    def close(self) -> None:
        self._stop_spinner()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def follow_up(commands: CommandContext) -> Callable[[TurnIds], list[str]]:
    """The commands that continue from where a turn stands, spelled for this agent reference."""

    def commands_for(ids: TurnIds) -> list[str]:
        return [command for _, command in next_commands(commands, ids.task_id, ids.context_id, ids.state)]

    return commands_for


def ids_block(ids: TurnIds, commands: CommandContext) -> str:
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

        state = self._state()
        shown = short_state(state) if state else "CONNECTING"
        return Text(f"{clean_line(self._agent) or 'agent'} · {shown} · {time.monotonic() - self._started:.1f}s")

    def start(self) -> None:
        self._status.start()
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            self._status.update(self._text())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._status.stop()
