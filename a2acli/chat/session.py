"""The `a2a chat` session loop: read a line, run it as a turn (or as one of the chat's own commands), repeat.

One connection is opened for the whole session (the card is read once; a turn that stops in AUTH_REQUIRED
reconnects, so a login stored meanwhile is picked up). Each message is one `client.turn.run_turn` on it: streamed
when the card offers it, else sent and polled, and resumed after a dropped stream exactly as `a2a stream` does,
shown by the presenter `render.presenters.choose_presenter` gives `a2a stream` (the live view on a terminal, the
text floor or JSON lines otherwise), wrapped only to record the transcript.

Context (SPEC §8.1): the contextId the agent assigns is sent with every later message; while the task is
INPUT_REQUIRED or AUTH_REQUIRED the next line continues it (its taskId). Nothing is stored between runs: the ids
to continue are printed when the session ends (`a2a chat --context-id ... [--task-id ...]`).

On a terminal, Ctrl-C during an answer cancels only that turn (`--cancel-on-interrupt`: the task too) and the
prompt returns; off a terminal it ends the session with the ids (exit 130), like any other command. An error on a
terminal is shown and the session goes on; off a terminal it ends the session with its exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from a2acli.chat import view
from a2acli.chat.slash import Invocation, parse
from a2acli.chat.transcript import RecordingPresenter, Transcript
from a2acli.errors import A2ACliError, ExitStatus, Interrupted, ProtocolError, UsageError
from a2acli.protocol import CANCELED, TERMINAL_STATES
from a2acli.render import notices
from a2acli.render.events import CommandContext
from a2acli.render.events_output import TurnIds, report
from a2acli.render.sanitize import clean_line
from a2acli.render.writers import diag, write_json, write_text

if TYPE_CHECKING:
    from a2acli.client.connection import AgentConnection
    from a2acli.protocol import JSONObject
    from a2acli.settings import ConnectionSettings


GIVEN_TASK_WAIT = 5.0  # seconds the state of a `--task-id` task is waited for before the first prompt


@dataclass(frozen=True)
class ChatOptions:
    agent_ref: str | None  # the agent as the user named it, for the commands printed (None: the default agent)
    interactive: bool  # a terminal on stdin and stdout: the line editor
    live: bool = False  # answers in the live view (a terminal and no explicit `-o text`)
    json_output: bool = False  # JSON lines of the protocol objects on stdout
    context_id: str | None = None
    task_id: str | None = None
    metadata: JSONObject | None = None
    timeout: float | None = None  # per turn
    poll_interval: float = 2.0
    cancel_on_interrupt: bool = False
    verbose: bool = False
    vi: bool = False
    multiline: bool = False
    history_file: Path | None = None


class LineSource(Protocol):
    interactive: bool

    async def read(self, prompt: str) -> str | None: ...

    def close(self) -> None: ...


def line_source(options: ChatOptions) -> LineSource:
    """The line editor on a terminal (prompt_toolkit is imported only here), else one message per stdin line."""
    if options.interactive:
        from a2acli.chat.editor import LineEditor

        return LineEditor(vi=options.vi, multiline=options.multiline, history_file=options.history_file)
    from a2acli.chat.lines import StdinLines

    return StdinLines()


async def run_chat(settings: ConnectionSettings, options: ChatOptions, source: LineSource | None = None) -> None:
    await ChatSession(settings, options, source or line_source(options)).run()


class ChatSession:
    def __init__(self, settings: ConnectionSettings, options: ChatOptions, source: LineSource) -> None:
        self.settings = settings
        self.options = options
        self.source = source
        self.commands = CommandContext(agent_ref=options.agent_ref, follow_ups=False)
        self.context_id = options.context_id
        self.task_id = options.task_id  # the task the next message continues (given, or interrupted)
        self.last_task_id = options.task_id
        self.state: str | None = None  # of the last task
        self.pending: list[JSONObject] = []  # /file and /data parts for the next message
        self.turns: list[view.TurnRecord] = []
        self.transcript = Transcript()
        self.conn: AgentConnection | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._reconnect = False
        self._said_not_streaming = False
        self._sigint = False  # Ctrl-C arrived while a turn or a command was being waited for
        self._label = ""

    # ------------------------------------------------------------------------------------------------ the loop

    async def run(self) -> None:
        try:
            await self._connect()
            if self.task_id:
                await self._load_given_task(self.task_id)
            self._warm_up()
            self._greet()
            while True:
                line = await self.source.read(view.prompt_text(self._label, self.state, len(self.pending)))
                if line is None or not await self._handle(line):
                    break
        except A2ACliError as exc:
            self._farewell()
            if isinstance(exc, Interrupted):
                raise Interrupted(exc.message, hint=self._continue_hint()) from None
            exc.hint = exc.hint or self._continue_hint()
            raise
        finally:
            await self._disconnect()
            self.source.close()
        self._farewell()

    async def _handle(self, line: str) -> bool:
        """One line: False when the session ends."""
        invocation = parse(line)
        if invocation is None and not line.strip():
            return True
        try:
            if invocation is not None:
                return await self._interruptible(self._command(invocation))
            await self._send(line)
        except A2ACliError as exc:
            if not self.source.interactive or isinstance(exc, Interrupted):
                raise
            self._error(exc)
        return True

    # ------------------------------------------------------------------------------------------------ a turn

    async def _send(self, text: str) -> None:
        from a2acli.client.message import build_request
        from a2acli.client.turn import TurnPlan, run_turn
        from a2acli.render.presenters import choose_presenter

        conn = await self._connection()
        attached, self.pending = self.pending, []
        continuing = self.task_id
        request = build_request(
            [{"text": text}, *attached],
            context_id=self.context_id,
            task_id=continuing,
            metadata=self.options.metadata,
        )
        plan = TurnPlan(
            request=request,
            streaming=True,
            poll_interval=self.options.poll_interval,
            timeout=self.options.timeout,
            cancel_on_interrupt=self.options.cancel_on_interrupt,
            debug=self.settings.debug,
        )
        inner = choose_presenter(
            self.commands,
            json_output=self.options.json_output,
            streaming=True,
            live=self.options.live,
            verbose=self.options.verbose,
        )
        presenter = RecordingPresenter(inner, self.transcript, said_not_streaming=self._said_not_streaming)
        self.transcript.sent(request)
        turn = asyncio.ensure_future(run_turn(self.settings, plan, presenter, connection=conn))
        record = view.TurnRecord(text, None, self.context_id, None, attachments=len(attached))
        try:
            with self._ctrl_c_cancels(turn):
                await turn
        except Interrupted:
            self._after_turn(presenter.ids, record, stopped=True)
            if not self.source.interactive:
                raise
            return
        except A2ACliError as exc:
            self._after_turn(presenter.ids, record, error=exc)
            if continuing and not presenter.ids.task_id and isinstance(exc, ProtocolError):
                self.task_id = None  # SPEC §8.1: not silently a new task; said, and the next line is one
                if self.last_task_id == continuing:
                    self.last_task_id = None
                exc.hint = (
                    f"the agent did not accept task {continuing}: nothing was sent to a new task; the next line"
                    " starts one" + (" in the same context" if self.context_id else "")
                )
            elif exc.exit_status == ExitStatus.AUTH and not exc.hint:
                exc.hint = f"log in with `{view.login_command(self.options.agent_ref)}`, then try again here"
            if exc.exit_status == ExitStatus.AUTH:
                self._reconnect = True
            raise
        finally:
            self._said_not_streaming = presenter.said_not_streaming
        self._after_turn(presenter.ids, record)

    def _after_turn(
        self, ids: TurnIds, record: view.TurnRecord, *, stopped: bool = False, error: A2ACliError | None = None
    ) -> None:
        if ids.context_id:
            self.context_id = ids.context_id
        if ids.task_id:
            self.last_task_id = ids.task_id
            self.state = ids.state
        elif error is None:
            self.state = None  # a direct Message: no task to show
        waiting = bool(ids.task_id) and view.waiting_for(ids.state)
        if ids.task_id or error is None:
            self.task_id = ids.task_id if waiting else None
        # else: the turn failed before any event; the task being continued (if any) is still the one to continue
        self.turns.append(
            record._replace(
                task_id=ids.task_id,
                context_id=ids.context_id or self.context_id,
                state=ids.state,
                stopped=stopped,
                error=error.message if error is not None else None,
            )
        )
        if stopped and self.source.interactive:  # off a terminal the session ends here, with the ids
            canceled = self.options.cancel_on_interrupt and ids.state == CANCELED
            self._notice(notices.StoppedFollowing(ids.task_id, ids.state, canceled))
        elif waiting and ids.task_id and ids.state:
            login = view.login_command(self.options.agent_ref) if view.needs_login(ids.state) else ""
            self._notice(notices.AwaitingReply(ids.task_id, ids.state, login))
            if login:
                self._reconnect = True  # the next turn resolves the credentials again (a stored login)

    async def _interruptible(self, work: Coroutine[Any, Any, bool]) -> bool:
        """A chat command that waits on the agent (/task, /cancel): on a terminal Ctrl-C abandons the request and
        the prompt returns."""
        task = asyncio.ensure_future(work)
        self._sigint = False
        try:
            with self._ctrl_c_cancels(task):
                return await task
        except asyncio.CancelledError:
            if not self._sigint:
                raise  # the session itself is being cancelled
            self._note("stopped waiting for the agent")
            return True

    @contextlib.contextmanager
    def _ctrl_c_cancels(self, turn: asyncio.Future[Any]) -> Iterator[None]:
        """On a terminal, Ctrl-C cancels the turn, not the session (the turn then reports where it stood)."""
        if not self.source.interactive:
            yield
            return
        loop = asyncio.get_running_loop()

        def on_sigint(signum: int, frame: Any) -> None:
            self._sigint = True
            loop.call_soon_threadsafe(turn.cancel)

        try:
            previous = signal.signal(signal.SIGINT, on_sigint)
        except ValueError:  # not the main thread
            yield
            return
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    # ------------------------------------------------------------------------------------------------ commands

    async def _command(self, invocation: Invocation) -> bool:
        name, argument = invocation.command.name, invocation.argument
        if name == "/quit":
            return False
        if name == "/help":
            self._info(view.help_text(interactive=self.source.interactive, multiline=self.options.multiline))
        elif name == "/card":
            await self._show_card()
        elif name == "/new":
            self.context_id = self.task_id = self.last_task_id = self.state = None
            self.pending = []
            self._note("new conversation: the next message starts a new context")
        elif name == "/task":
            await self._show_task()
        elif name == "/cancel":
            await self._cancel()
        elif name == "/file":
            self._attach_file(argument)
        elif name == "/data":
            self._attach_data(argument)
        elif name == "/save":
            path = self.transcript.save(argument)
            self._note(f"saved {len(self.transcript.lines)} JSON lines to {path}")
        elif name == "/history":
            self._info(view.history_text(self.turns))
        return True

    async def _show_card(self) -> None:
        card = (await self._connection()).card
        if self.options.json_output:
            write_json(card.document)
            return
        from a2acli.render.card import render_card_text

        write_text(render_card_text(card.document, source=card.source))

    async def _show_task(self) -> None:
        task_id = self.task_id or self.last_task_id
        if not task_id:
            self._note("no task yet in this conversation")
            return
        task = await (await self._connection()).get_task(task_id)
        self._task_seen(task)
        if self.options.json_output:
            write_json(task)
            return
        from a2acli.render.task import render_task

        write_text(render_task(task, commands=self.commands, verbose=self.options.verbose))

    async def _cancel(self) -> None:
        task_id = self.task_id or (self.last_task_id if self.state not in TERMINAL_STATES else None)
        if not task_id:
            self._note("no task to cancel: " + ("the last one has ended" if self.last_task_id else "none yet"))
            return
        task = await (await self._connection()).cancel_task(task_id)
        self._task_seen(task)
        from a2acli.render.events import short_state

        self._note(f"asked the agent to cancel task {task_id}: {short_state(self.state)}")

    def _task_seen(self, task: dict[str, Any]) -> None:
        status = task.get("status")
        state = status.get("state") if isinstance(status, dict) else None
        if isinstance(state, str):
            self.state = state
            if not view.waiting_for(state):
                self.task_id = None

    def _attach_file(self, argument: str) -> None:
        from a2acli.client.message import file_part

        if not argument:
            raise UsageError("/file needs a path or a URL", hint="/file report.pdf")
        part = file_part(argument, None)
        self.pending.append(part)
        raw = part.get("raw")
        size = f", {len(raw) * 3 // 4 - raw[-2:].count('=')} bytes" if isinstance(raw, str) else ""
        self._note(f"attached {part.get('filename') or argument} ({part.get('mediaType') or 'file'}{size})")

    def _attach_data(self, argument: str) -> None:
        from a2acli.client.message import data_part

        if not argument or argument == "-":
            raise UsageError("/data needs inline JSON or a JSON file", hint="""/data {"k": 1}""")
        self.pending.append(data_part(argument, None, None))
        self._note("attached a data part to the next message")

    # ------------------------------------------------------------------------------------------------ connection

    async def _connect(self) -> None:
        from a2acli.client.connection import open_connection

        stack = contextlib.AsyncExitStack()
        self.conn = await stack.enter_async_context(open_connection(self.settings))
        self._stack = stack
        self._label = view.agent_label(self.conn.agent_name, self.options.agent_ref or self.settings.agent_card)

    async def _connection(self) -> AgentConnection:
        """The session's connection; a fresh one after an auth error or AUTH_REQUIRED (a login stored meanwhile is
        then used), or when the last attempt to open one failed."""
        if self._reconnect or self.conn is None:
            await self._disconnect()
            await self._connect()
            self._reconnect = False
        assert self.conn is not None
        return self.conn

    async def _disconnect(self) -> None:
        stack, self._stack, self.conn = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def _load_given_task(self, task_id: str) -> None:
        """`--task-id`: the prompt shows the task's state; the first message is sent to it whatever it is (a
        task the agent will not continue is its error to report)."""
        assert self.conn is not None
        try:
            async with asyncio.timeout(GIVEN_TASK_WAIT):  # only the prompt's state hangs on it: never for long
                task = await self.conn.get_task(task_id)
        except (A2ACliError, TimeoutError):
            return
        status = task.get("status")
        state = status.get("state") if isinstance(status, dict) else None
        self.state = state if isinstance(state, str) else None
        context_id = task.get("contextId")
        if not self.context_id and isinstance(context_id, str) and context_id:
            self.context_id = context_id

    # ------------------------------------------------------------------------------------------------ output

    def _warm_up(self) -> None:
        """Import what every turn runs before the first prompt, not between the first Enter and its answer."""
        import a2acli.client.message
        import a2acli.client.turn
        import a2acli.render.presenters

        if self.options.live:
            import a2acli.render.live  # noqa: F401

    def _greet(self) -> None:
        if not self.source.interactive:
            return
        conn = self.conn
        assert conn is not None
        how = "streaming" if conn.supports_streaming else "not streaming: each answer is polled"
        iface = conn.interface
        write_text(
            f"Chatting with {self._label} at {clean_line(iface.url)} ({clean_line(iface.binding)}, A2A"
            f" {clean_line(iface.protocol_version)}, {how}).\n"
            "Type a message and press Enter. /help lists the chat's commands; Ctrl-D leaves.\n"
        )

    def _farewell(self) -> None:
        if self.options.json_output:
            if self.context_id or self.task_id:
                diag("next: " + self._continue_hint())
            return
        task_id = self.task_id or self.last_task_id
        write_text(view.ids_text(self.options.agent_ref, self.context_id, task_id, self.state))

    def _continue_hint(self) -> str:
        return view.continue_command(self.options.agent_ref, self.context_id, self.task_id, self.state)

    def _info(self, text: str) -> None:
        """The chat's own text: stdout, except beside JSON lines (stderr)."""
        if self.options.json_output:
            for line in text.splitlines():
                diag(line)
        else:
            write_text(text)

    def _note(self, text: str) -> None:
        diag(f"note: {text}")

    def _notice(self, notice: notices.Notice) -> None:
        report(notice, json_output=self.options.json_output)

    def _error(self, exc: A2ACliError) -> None:
        diag(view.error_line(exc))
