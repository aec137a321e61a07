"""`a2a send` and `a2a stream`: one turn with an agent (SPEC §10.2), for scripts and for people.

Thin: options -> settings + request -> `_run_turn` (connection + `client.conversation`) -> a presenter
(`render.events_output` / `render.live`). Nothing heavy is imported before the command body runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from a2acli.commands._options import (
    DEFAULT_AGENT,
    A2AVersionOpt,
    AgentCardOpt,
    ApiKeyOpt,
    BearerOpt,
    ConfigOpt,
    DebugOpt,
    InsecureOpt,
    OutputFormat,
    OutputOpt,
    PollIntervalOpt,
    SvcParamOpt,
    TimeoutOpt,
    TransportOpt,
    VerboseOpt,
)
from a2acli.commands._plain import spare

if TYPE_CHECKING:
    from a2acli.client.connection import AgentConnection
    from a2acli.render.events import CommandContext
    from a2acli.render.events_output import Presenter, TurnIds
    from a2acli.settings import ConnectionSettings


class RawArgsCommand(TyperCommand):
    """Keeps the raw argument list: `--text/--file/--data/--media-type` order matters (SPEC §10.2).

    Also spares every plain option (str, bool, list[str], a str Enum) typer's pydantic coercion: typer builds
    a TypeAdapter per option, given or not, which costs pydantic's import plus milliseconds per option on
    the way to the first token. Anything unusual still goes through typer's own coercion.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            spare(param)

    def get_help_option(self, ctx: Any) -> Any:
        return spare(super().get_help_option(ctx))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["a2acli.raw_args"] = list(args)
        result: list[str] = super().parse_args(ctx, args)
        return result


PromptArg = Annotated[
    str | None,
    typer.Argument(help="The message text; - reads stdin (also read when stdin is piped and no part flag is given)."),
]
TextOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--text",
        envvar="A2ACLI_TEXT",
        help="Add a text part (repeatable, order-preserving).",
        show_default=False,
    ),
]
FileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--file",
        envvar="A2ACLI_FILE",
        help="Add a file part: a local path is sent inline (base64, media type, filename); a URL by reference.",
        show_default=False,
    ),
]
DataOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--data",
        envvar="A2ACLI_DATA",
        help="Add a data part: inline JSON, a JSON file, or - for stdin.",
        show_default=False,
    ),
]
MediaTypeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--media-type",
        envvar="A2ACLI_MEDIA_TYPE",
        help="Media type of the part flag right before it.",
        show_default=False,
    ),
]
MetadataOpt = Annotated[
    str | None,
    typer.Option("--metadata", envvar="A2ACLI_METADATA", help="Request metadata, a JSON object (payload, A2A §3.2.5)."),
]
ContextIdOpt = Annotated[
    str | None,
    typer.Option(
        "--context-id", envvar="A2ACLI_CONTEXT_ID", help="Start a new task in this existing context (server-assigned)."
    ),
]
TaskIdOpt = Annotated[
    str | None,
    typer.Option(
        "--task-id",
        envvar="A2ACLI_TASK_ID",
        help="Continue this existing task (e.g. reply to INPUT_REQUIRED); a rejected id fails, no new task.",
    ),
]
AsyncOpt = Annotated[
    bool,
    typer.Option(
        "--async",
        "--return-immediately",
        "--no-wait",
        envvar="A2ACLI_ASYNC",
        help="Do not wait: return the task and context ids at once.",
    ),
]
WaitOpt = Annotated[
    bool,
    typer.Option(
        "--wait",
        "--watch",
        envvar="A2ACLI_WAIT",
        help="Wait until a terminal or interrupted state (the default; overrides a configured --async).",
    ),
]
StreamFlag = Annotated[
    bool, typer.Option("--stream", help="Follow live delivery; with -o json, one StreamResponse per line.")
]
PushOpt = Annotated[
    bool,
    typer.Option(
        "--push",
        envvar="A2ACLI_PUSH",
        help="Follow the task through push notifications: a loopback webhook receiver is started, registered "
        "with the message, and every delivery is shown as it arrives (GetTask fills any gap).",
    ),
]
CancelOnInterruptOpt = Annotated[
    bool,
    typer.Option(
        "--cancel-on-interrupt",
        envvar="A2ACLI_CANCEL_ON_INTERRUPT",
        help="On Ctrl-C, also ask the agent to cancel the task.",
    ),
]
DownloadOpt = Annotated[
    str | None,
    typer.Option(
        "--download",
        envvar="A2ACLI_DOWNLOAD",
        help="When the turn ends, save every artifact part under this folder (never overwrites; URLs not fetched).",
        show_default=False,
    ),
]
JsonlOpt = Annotated[
    bool, typer.Option("--jsonl", envvar="A2ACLI_JSONL", help="Same as -o json: one StreamResponse per line.")
]


def send(
    ctx: typer.Context,
    prompt: PromptArg = None,
    text: TextOpt = None,
    file: FileOpt = None,
    data: DataOpt = None,
    media_type: MediaTypeOpt = None,
    metadata: MetadataOpt = None,
    context_id: ContextIdOpt = None,
    task_id: TaskIdOpt = None,
    async_: AsyncOpt = False,
    wait: WaitOpt = False,
    stream_: StreamFlag = False,
    push: PushOpt = False,
    timeout: TimeoutOpt = None,
    poll_interval: PollIntervalOpt = "2s",
    cancel_on_interrupt: CancelOnInterruptOpt = False,
    download: DownloadOpt = None,
    agent_card: AgentCardOpt = DEFAULT_AGENT,
    output: OutputOpt = OutputFormat.text,
    transport: TransportOpt = None,
    a2a_version: A2AVersionOpt = None,
    bearer: BearerOpt = None,
    api_key: ApiKeyOpt = None,
    svc_param: SvcParamOpt = None,
    insecure: InsecureOpt = False,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Send a message to an agent and wait for the task to finish (or stop at INPUT_REQUIRED/AUTH_REQUIRED).

    Prints the task id, context id, state and the command that continues. -o json: one SendMessageResponse;
    --stream -o json: one StreamResponse per line. Exit 0 whatever the task's outcome (FAILED is a warning).
    """
    _main(ctx, "send", locals())


def stream(
    ctx: typer.Context,
    prompt: PromptArg = None,
    text: TextOpt = None,
    file: FileOpt = None,
    data: DataOpt = None,
    media_type: MediaTypeOpt = None,
    metadata: MetadataOpt = None,
    context_id: ContextIdOpt = None,
    task_id: TaskIdOpt = None,
    jsonl: JsonlOpt = False,
    timeout: TimeoutOpt = None,
    poll_interval: PollIntervalOpt = "2s",
    cancel_on_interrupt: CancelOnInterruptOpt = False,
    download: DownloadOpt = None,
    agent_card: AgentCardOpt = DEFAULT_AGENT,
    output: OutputOpt = OutputFormat.text,
    transport: TransportOpt = None,
    a2a_version: A2AVersionOpt = None,
    bearer: BearerOpt = None,
    api_key: ApiKeyOpt = None,
    svc_param: SvcParamOpt = None,
    insecure: InsecureOpt = False,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Send a message and stream the answer live (Rich on a terminal, the text floor when piped, --jsonl).

    Ctrl-C stops cleanly, prints the ids and the command that resumes, and exits 130.
    """
    _main(ctx, "stream", locals())


# --------------------------------------------------------------------------------------------- plumbing


def _settings(values: dict[str, Any], timeout: float | None) -> ConnectionSettings:
    from a2acli.settings import connection_settings

    return connection_settings(
        agent_card=values["agent_card"],
        transport=values.get("transport"),
        a2a_version=values.get("a2a_version"),
        bearer=values.get("bearer"),
        api_key=values.get("api_key"),
        svc_param=values.get("svc_param"),
        insecure=bool(values.get("insecure")),
        timeout=timeout,
        debug=bool(values.get("debug")),
        verbose=bool(values.get("verbose")),
    )


def _takes_value(ctx: typer.Context) -> dict[str, bool]:
    table: dict[str, bool] = {}
    for param in ctx.command.params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        takes = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]:
            table[opt] = takes
    return table


def _main(ctx: typer.Context, command: str, values: dict[str, Any]) -> None:
    from a2acli.client.message import (
        build_parts,
        build_request,
        ordered_part_flags,
        parse_metadata,
        part_inputs,
    )
    from a2acli.errors import UsageError
    from a2acli.render.events import CommandContext
    from a2acli.render.writers import set_mode
    from a2acli.settings import parse_duration

    is_stream_cmd = command == "stream"
    fmt = "json" if (values["output"] == OutputFormat.json or values.get("jsonl")) else "text"
    streaming = is_stream_cmd or bool(values.get("stream_"))
    set_mode(fmt, stream=streaming)
    if values.get("async_") and streaming:
        raise UsageError("--async and --stream contradict each other", hint="pick one: return at once, or follow live")
    push = bool(values.get("push"))
    if push and values.get("async_"):
        raise UsageError("--async and --push contradict each other", hint="--push follows the task until it ends")
    if values.get("async_") and values.get("wait"):
        from a2acli.settings import source_of

        if source_of(ctx, "async_") == "flag" and source_of(ctx, "wait") == "flag":
            raise UsageError("--async and --wait contradict each other")
        # An explicit flag beats a configured default (SPEC §6.5).
        values["async_"] = source_of(ctx, "async_") == "flag"
    timeout = parse_duration(values.get("timeout"), name="--timeout")
    poll = parse_duration(values.get("poll_interval"), name="--poll-interval") or 2.0
    settings = _settings(values, timeout)

    raw = ctx.meta.get("a2acli.raw_args", [])
    ordered = ordered_part_flags(list(raw), _takes_value(ctx))
    inputs = part_inputs(
        ordered,
        texts=list(values.get("text") or []),
        files=list(values.get("file") or []),
        datas=list(values.get("data") or []),
        media_types=list(values.get("media_type") or []),
    )
    parts = build_parts(values.get("prompt"), inputs)
    request = build_request(
        parts,
        context_id=values.get("context_id"),
        task_id=values.get("task_id"),
        metadata=parse_metadata(values.get("metadata")),
    )
    commands = CommandContext(agent_ref=None if values["agent_card"] == DEFAULT_AGENT else values["agent_card"])

    live = False
    if fmt == "json":
        presenter: Presenter = _json_presenter(streaming)
    elif is_stream_cmd and _tty() and _output_source(ctx) == "default":
        from a2acli.render.live import LivePresenter

        presenter = LivePresenter(commands, verbose=settings.verbose)
        live = True
    else:
        from a2acli.render.events_output import TextPresenter

        presenter = TextPresenter(commands, stream=streaming or push, verbose=settings.verbose)

    turn = _Turn(
        settings=settings,
        request=request,
        presenter=presenter,
        commands=commands,
        async_=bool(values.get("async_")),
        streaming=streaming,
        poll_interval=poll,
        timeout=timeout,
        cancel_on_interrupt=bool(values.get("cancel_on_interrupt")),
        json_mode=fmt == "json",
        live=live,
        download=values.get("download"),
        push=push,
    )
    import asyncio

    asyncio.run(turn.run())


def _json_presenter(streaming: bool) -> Presenter:
    from a2acli.render.events_output import JsonDocumentPresenter, JsonLinesPresenter

    return JsonLinesPresenter() if streaming else JsonDocumentPresenter()


def _tty() -> bool:
    import sys

    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _output_source(ctx: typer.Context) -> str:
    from a2acli.settings import source_of

    try:
        return source_of(ctx, "output")
    except Exception:
        return "default"


class _Turn:
    """Runs one turn: connection, conversation, presentation, Ctrl-C and --timeout handling."""

    def __init__(
        self,
        *,
        settings: ConnectionSettings,
        request: dict[str, Any],
        presenter: Presenter,
        commands: CommandContext,
        async_: bool,
        streaming: bool,
        poll_interval: float,
        timeout: float | None,
        cancel_on_interrupt: bool,
        json_mode: bool,
        live: bool,
        download: str | None = None,
        push: bool = False,
    ) -> None:
        from a2acli.render.events_output import TurnIds

        self.settings = settings
        self.request = request
        self.presenter = presenter
        self.commands = commands
        self.async_ = async_
        self.streaming = streaming
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.cancel_on_interrupt = cancel_on_interrupt
        self.json_mode = json_mode
        self.live = live
        self.download = download
        self.push = push
        self.ids: TurnIds = TurnIds()
        self.conn: AgentConnection | None = None
        self._foreign_warned = False

    def _resume_command(self, task_id: str) -> str:
        from a2acli.render.events import next_commands

        found = next_commands(self.commands, task_id, self.ids.context_id, self.ids.state)
        return found[0][1] if found else f"a2a task get {task_id} --wait"

    def _notice(self, notice: Any) -> None:
        from a2acli.render.writers import diag

        if notice.kind == "dropped":
            diag(f"note: the stream dropped ({notice.reason}); reconnecting in {notice.delay:.1f}s")
        elif notice.kind == "polling":
            diag(f"note: cannot resubscribe ({notice.reason}); polling the task instead")
        elif self.settings.debug:
            diag(f"debug: resubscribed to task {notice.task_id}")

    async def run(self) -> None:
        import asyncio

        from a2acli.client.connection import deadline, open_connection
        from a2acli.errors import A2ACliError, TimeoutExpiredError

        start = getattr(self.presenter, "start", None)
        if start is not None:
            start()
        self._start_spinner()
        try:
            async with deadline(self.timeout), open_connection(self.settings) as conn:
                self.conn = conn
                try:
                    await self._turn(conn)
                except asyncio.CancelledError:
                    await self._cancel_remote(conn)  # while the connection is still open
                    raise
        except asyncio.CancelledError:
            raise self._interrupted() from None
        except TimeoutExpiredError as exc:
            self._timed_out(exc)
            raise
        except A2ACliError as exc:
            self._failed(exc)
            raise
        finally:
            self._stop_spinner()
            close = getattr(self.presenter, "close", None)
            if close is not None:
                close()

    def _interrupted(self) -> Exception:
        from a2acli.errors import Interrupted

        self._stop_spinner()
        self.presenter.abort(self.ids)
        hint = self._hint() or "nothing was started that can be resumed"
        return Interrupted("interrupted" + self._where(), hint=hint)

    def _timed_out(self, exc: Any) -> None:
        self.presenter.abort(self.ids)
        if self.ids.task_id:
            exc.message = f"--timeout expired before the task finished{self._where()}"
            exc.hint = self._hint()

    def _failed(self, exc: Any) -> None:
        from a2acli.errors import ProtocolError

        if self.ids.task_id:
            self.presenter.abort(self.ids)
        if self.request["message"].get("taskId") and isinstance(exc, ProtocolError) and not self.ids.task_id:
            exc.hint = exc.hint or "the agent rejected --task-id; no new task was started (see --debug)"

    def _start_spinner(self) -> None:
        """A blocking text-mode send on a terminal shows it is alive, on stderr (never on stdout)."""
        import sys

        self._spinner: Any = None
        if self.json_mode or self.streaming or self.live or self.presenter.wants_events:
            return
        try:
            if not sys.stderr.isatty():
                return
        except (AttributeError, ValueError):
            return
        from a2acli.render.events_output import WaitingSpinner

        self._spinner = WaitingSpinner(self.settings.agent_card, lambda: self.ids.state)
        self._spinner.start()

    def _stop_spinner(self) -> None:
        spinner = getattr(self, "_spinner", None)
        if spinner is not None:
            self._spinner = None
            spinner.stop()

    def _where(self) -> str:
        from a2acli.render.events import short_state

        if not self.ids.task_id:
            return ""
        return f" (task {self.ids.task_id}, context {self.ids.context_id or '?'}, state {short_state(self.ids.state)})"

    def _hint(self) -> str | None:
        from a2acli.render.events import next_commands

        found = next_commands(self.commands, self.ids.task_id, self.ids.context_id, self.ids.state)
        return " · ".join(cmd for _, cmd in found) or None

    async def _cancel_remote(self, conn: AgentConnection) -> None:
        import asyncio
        import contextlib

        if not self.cancel_on_interrupt or not self.ids.task_id:
            return
        from a2acli.render.writers import diag

        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                task = await conn.cancel_task(self.ids.task_id)
                status = task.get("status")
                state = status.get("state") if isinstance(status, dict) else None
                self.ids.state = state if isinstance(state, str) else self.ids.state
                diag(f"note: asked the agent to cancel task {self.ids.task_id}")

    def _foreign_notice(self, other: str) -> None:
        from a2acli.render.writers import warn

        if not self._foreign_warned:
            self._foreign_warned = True
            warn(f"ignoring events for another task ({other[:80]}) than the one this message started")

    def _track(self, event: dict[str, Any]) -> None:
        ids = self.ids
        for key in ("task", "statusUpdate", "artifactUpdate", "message"):
            body = event.get(key)
            if not isinstance(body, dict):
                continue
            tid = body.get("id") if key == "task" else body.get("taskId")
            cid = body.get("contextId")
            if isinstance(tid, str) and tid and ids.task_id is None:
                ids.task_id = tid
            if isinstance(cid, str) and cid and ids.context_id is None:
                ids.context_id = cid
            status = body.get("status")
            if isinstance(status, dict) and isinstance(status.get("state"), str):
                ids.state = status["state"]
            if key == "message" and isinstance(body.get("messageId"), str):
                ids.message_id = body["messageId"]
            return

    async def _turn(self, conn: AgentConnection) -> None:
        import contextlib
        import sys

        from a2acli.client.conversation import TurnOptions, conversation
        from a2acli.render.events_output import JsonLinesPresenter
        from a2acli.render.task import TaskAccumulator
        from a2acli.render.writers import diag, warn

        if self.streaming and not conn.supports_streaming and not self.async_:
            warn("the agent does not advertise streaming: sending, then polling the task (JSON lines still follow)")
        options = TurnOptions(
            async_=self.async_,
            poll_interval=self.poll_interval,
            timeout=self.timeout,
            resume_command=self._resume_command,
        )
        acc = TaskAccumulator()
        presenter = self.presenter
        wants = presenter.wants_events
        if self.push:
            from a2acli.push.session import push_turn

            events = push_turn(
                conn,
                self.request,
                timeout=self.timeout,
                idle=self.poll_interval,
                resume_command=self._resume_command,
                on_ready=lambda session: diag(f"note: receiving push notifications on {session.receiver.url}"),
            )
        else:
            events = conversation(conn, self.request, options, on_notice=self._notice, on_foreign=self._foreign_notice)
        track = self._track
        ids = self.ids
        accumulate = not wants or self.live
        emit = presenter.event
        async with contextlib.aclosing(events):
            if isinstance(presenter, JsonLinesPresenter):
                # The hot path: an event whose own text is already compact JSON is written as is.
                conn.keep_raw = True
                out = sys.stdout
                write, flush = out.write, out.flush
                async for event in events:
                    if ids.task_id is None or "artifactUpdate" not in event:
                        track(event)
                    raw = conn.last_raw if conn.last_event is event else None
                    if raw is None:
                        emit(event)
                    else:
                        write(raw + "\n")
                        flush()
            else:
                async for event in events:
                    # Artifact chunks carry no state: once the ids are known they need no bookkeeping.
                    if ids.task_id is None or "artifactUpdate" not in event:
                        track(event)
                    if accumulate:
                        acc.apply(event)
                    if wants:
                        emit(event)
        result = await self._final(conn, acc)
        self._stop_spinner()
        presenter.finish(result, self.ids)
        self._warn_outcome(result)
        if self.download:
            await self._save(conn, result)

    async def _save(self, conn: AgentConnection, result: dict[str, Any] | None) -> None:
        """`--download DIR`: every artifact part of the task as the agent now holds it, into DIR."""
        import contextlib
        from pathlib import Path

        from a2acli.client.download import download_artifacts
        from a2acli.errors import A2ACliError
        from a2acli.render.writers import diag, write_text

        task = (result or {}).get("task") if result else None
        if self.ids.task_id:
            with contextlib.suppress(A2ACliError):  # else keep what the events built
                task = await conn.get_task(self.ids.task_id)
        if not isinstance(task, dict):
            diag("note: --download: the agent replied with a message, there are no artifacts to save")
            return
        assert self.download is not None
        saved = await download_artifacts(task, Path(self.download).expanduser())
        for item in saved.saved:
            line = f"Saved: {item.path} ({item.media_type}, {item.size} bytes)"
            if self.json_mode:
                diag(line)
            else:
                from a2acli.render.sanitize import clean_line

                write_text(clean_line(line) + "\n")
        for skip in saved.skipped:
            diag(f"note: --download skipped part {skip.part_index} of artifact {skip.artifact_id}: {skip.reason}")

    async def _final(self, conn: AgentConnection, acc: Any) -> dict[str, Any] | None:
        """The terminal object: the task as the agent now holds it (GetTask), else what the events built."""
        from a2acli.errors import A2ACliError

        built: dict[str, Any] | None = acc.result()
        if self.async_ or not self.ids.task_id or self.presenter.wants_events or self.live:
            return built
        try:
            task = await conn.get_task(self.ids.task_id)
        except A2ACliError:
            return built
        status = task.get("status")
        if isinstance(status, dict) and isinstance(status.get("state"), str):
            self.ids.state = status["state"]
        return {"task": task}

    def _warn_outcome(self, result: dict[str, Any] | None) -> None:
        from a2acli.render.events import short_state
        from a2acli.render.writers import warn

        state = self.ids.state
        if state in ("TASK_STATE_FAILED", "TASK_STATE_REJECTED", "TASK_STATE_CANCELED"):
            detail = ""
            task = (result or {}).get("task") if result else None
            status = task.get("status") if isinstance(task, dict) else None
            message = status.get("message") if isinstance(status, dict) else None
            if isinstance(message, dict):
                from a2acli.render.events import message_text

                detail = message_text(message).strip()[:300]
            warn(f"the task ended {short_state(state)}" + (f": {detail}" if detail else ""))
        elif state in ("TASK_STATE_INPUT_REQUIRED", "TASK_STATE_AUTH_REQUIRED"):
            warn(f"the agent is waiting: {short_state(state)} — reply with --task-id {self.ids.task_id}")
        if (
            self.json_mode
            and self.ids.task_id
            and state
            not in (
                "TASK_STATE_COMPLETED",
                "TASK_STATE_FAILED",
                "TASK_STATE_REJECTED",
                "TASK_STATE_CANCELED",
            )
        ):
            hint = self._hint()
            if hint:
                from a2acli.render.writers import diag

                diag(f"next: {hint}")
