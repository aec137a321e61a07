"""`a2a send` and `a2a stream`: one turn with an agent (SPEC §10.2), for scripts and for people.

Thin: options -> settings, the request and a `TurnPlan` -> `client.turn.run_turn` -> a presenter from
`render/` (JSON lines or one document, the text floor, the live view on a terminal). Nothing heavy is imported
before the command body runs.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

import typer
from typer.core import TyperCommand

from a2acli.commands._options import (
    DEFAULT_AGENT,
    DEFAULT_POLL_INTERVAL,
    AgentOptions,
    OutputFormat,
    PollIntervalOpt,
    TimeoutOpt,
    agent_options,
    setting,
)
from a2acli.commands._plain import spare


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
    setting("--text", help="Add a text part (repeatable, order-preserving).", show_default=False),
]
FileOpt = Annotated[
    list[str] | None,
    setting(
        "--file",
        help="Add a file part: a local path is sent inline (base64, media type, filename); a URL by reference.",
        show_default=False,
    ),
]
DataOpt = Annotated[
    list[str] | None,
    setting("--data", help="Add a data part: inline JSON, a JSON file, or - for stdin.", show_default=False),
]
MediaTypeOpt = Annotated[
    list[str] | None,
    setting("--media-type", help="Media type of the part flag right before it.", show_default=False),
]
MetadataOpt = Annotated[
    str | None, setting("--metadata", help="Request metadata, a JSON object (payload, A2A §3.2.5).")
]
ContextIdOpt = Annotated[
    str | None, setting("--context-id", help="Start a new task in this existing context (server-assigned).")
]
TaskIdOpt = Annotated[
    str | None,
    setting(
        "--task-id",
        help="Continue this existing task (e.g. reply to INPUT_REQUIRED); a rejected id fails, no new task.",
    ),
]
AsyncOpt = Annotated[
    bool,
    setting(
        "--async", "--return-immediately", "--no-wait", help="Do not wait: return the task and context ids at once."
    ),
]
WaitOpt = Annotated[
    bool,
    setting(
        "--wait",
        "--watch",
        help="Wait until a terminal or interrupted state (the default; overrides a configured --async).",
    ),
]
StreamFlag = Annotated[  # no variable: --stream is never a default (SPEC §7.2)
    bool, typer.Option("--stream", help="Follow live delivery; with -o json, one StreamResponse per line.")
]
PushOpt = Annotated[
    bool,
    setting(
        "--push",
        help="Follow the task through push notifications: a loopback webhook receiver is started, registered "
        "with the message, and every delivery is shown as it arrives (GetTask fills any gap).",
    ),
]
CancelOnInterruptOpt = Annotated[
    bool, setting("--cancel-on-interrupt", help="On Ctrl-C, also ask the agent to cancel the task.")
]
DownloadOpt = Annotated[
    str | None,
    setting(
        "--download",
        help="When the turn ends, save every artifact part under this folder (never overwrites; URLs not fetched).",
        show_default=False,
    ),
]
JsonlOpt = Annotated[bool, setting("--jsonl", help="Same as -o json: one StreamResponse per line.")]


@agent_options
def send(
    ctx: typer.Context,
    agent: AgentOptions,
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
    poll_interval: PollIntervalOpt = DEFAULT_POLL_INTERVAL,
    cancel_on_interrupt: CancelOnInterruptOpt = False,
    download: DownloadOpt = None,
) -> None:
    """Send a message to an agent and wait for the task to finish (or stop at INPUT_REQUIRED/AUTH_REQUIRED).

    Prints the task id, context id, state and the command that continues. -o json: one SendMessageResponse;
    --stream -o json: one StreamResponse per line. Exit 0 whatever the task's outcome (FAILED is a warning).
    """
    from a2acli.errors import UsageError
    from a2acli.settings import source_of

    json_output = agent.output is OutputFormat.json
    _set_mode(json_output, stream_)
    if async_ and stream_:
        raise UsageError("--async and --stream contradict each other", hint="pick one: return at once, or follow live")
    if push and async_:
        raise UsageError("--async and --push contradict each other", hint="--push follows the task until it ends")
    if async_ and wait:
        if source_of(ctx, "async_") == "flag" and source_of(ctx, "wait") == "flag":
            raise UsageError("--async and --wait contradict each other")
        async_ = source_of(ctx, "async_") == "flag"  # an explicit flag beats a configured default (SPEC §6.5)
    message = _Message(prompt, text, file, data, media_type, metadata, context_id, task_id)
    _run(
        ctx,
        agent,
        message,
        json_output=json_output,
        streaming=stream_,
        live=False,
        async_=async_,
        push=push,
        timeout=timeout,
        poll_interval=poll_interval,
        cancel_on_interrupt=cancel_on_interrupt,
        download=download,
    )


@agent_options
def stream(
    ctx: typer.Context,
    agent: AgentOptions,
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
    poll_interval: PollIntervalOpt = DEFAULT_POLL_INTERVAL,
    cancel_on_interrupt: CancelOnInterruptOpt = False,
    download: DownloadOpt = None,
) -> None:
    """Send a message and stream the answer live (Rich on a terminal, the text floor when piped, --jsonl).

    Ctrl-C stops cleanly, prints the ids and the command that resumes, and exits 130.
    """
    json_output = agent.output is OutputFormat.json or jsonl
    _set_mode(json_output, True)
    message = _Message(prompt, text, file, data, media_type, metadata, context_id, task_id)
    _run(
        ctx,
        agent,
        message,
        json_output=json_output,
        streaming=True,
        live=True,
        async_=False,
        push=False,
        timeout=timeout,
        poll_interval=poll_interval,
        cancel_on_interrupt=cancel_on_interrupt,
        download=download,
    )


# --------------------------------------------------------------------------------------------- plumbing


class _Message(NamedTuple):
    """The message options, as given (the request is built once the output mode is set)."""

    prompt: str | None
    text: list[str] | None
    file: list[str] | None
    data: list[str] | None
    media_type: list[str] | None
    metadata: str | None
    context_id: str | None
    task_id: str | None

    def request(self, ctx: typer.Context) -> dict[str, Any]:
        from a2acli.client.message import build_parts, build_request, ordered_part_flags, parse_metadata, part_inputs
        from a2acli.errors import UsageError

        ordered = ordered_part_flags(list(ctx.meta.get("a2acli.raw_args", [])), _takes_value(ctx))
        inputs = part_inputs(
            ordered,
            texts=list(self.text or []),
            files=list(self.file or []),
            datas=list(self.data or []),
            media_types=list(self.media_type or []),
        )
        try:
            parts = build_parts(self.prompt, inputs)
        except UsageError as exc:
            # The message builder's hints show `a2a send`; a user of `a2a stream` is shown the command they ran.
            if exc.hint and ctx.info_name and ctx.info_name != "send":
                exc.hint = exc.hint.replace("a2a send ", f"a2a {ctx.info_name} ")
            raise
        return build_request(
            parts,
            context_id=self.context_id,
            task_id=self.task_id,
            metadata=parse_metadata(self.metadata),
        )


def _run(
    ctx: typer.Context,
    agent: AgentOptions,
    message: _Message,
    *,
    json_output: bool,
    streaming: bool,
    live: bool,
    async_: bool,
    push: bool,
    timeout: str | None,
    poll_interval: str,
    cancel_on_interrupt: bool,
    download: str | None,
) -> None:
    """Options -> settings, request and plan -> the one domain call, into a presenter."""
    import asyncio
    from pathlib import Path

    from a2acli.client.turn import TurnPlan, run_turn
    from a2acli.render.events import CommandContext
    from a2acli.render.events_output import follow_up
    from a2acli.render.presenters import choose_presenter
    from a2acli.render.writers import rich_terminal
    from a2acli.settings import parse_duration

    limit = parse_duration(timeout, name="--timeout")
    settings = agent.settings(limit)
    commands = CommandContext(agent_ref=None if agent.agent_card == DEFAULT_AGENT else agent.agent_card)
    plan = TurnPlan(
        request=message.request(ctx),
        async_=async_,
        streaming=streaming,
        push=push,
        poll_interval=parse_duration(poll_interval, name="--poll-interval") or 2.0,
        timeout=limit,
        cancel_on_interrupt=cancel_on_interrupt,
        download=Path(download) if download else None,
        debug=settings.debug,
        follow_up=follow_up(commands),
    )
    # The text floor is the default everywhere, a terminal too (SPEC §6.1, §11.2); `-o rich` (A2ACLI_OUTPUT=rich)
    # asks for the Rich views on a terminal: the live view when following a stream, else the styled floor.
    # `a2a stream` alone draws its live view on a terminal by default (`live`): the one deliberate difference.
    rich = rich_terminal(agent.output.value)
    presenter = choose_presenter(
        commands,
        json_output=json_output,
        streaming=streaming or (push and not json_output),  # --push -o json stays one document
        live=not json_output and ((rich and streaming and not push) or (live and _live_view(ctx))),
        verbose=settings.verbose,
        waiting_on=settings.agent_card,
        rich=rich,
    )
    asyncio.run(run_turn(settings, plan, presenter))


def _set_mode(json_output: bool, streaming: bool) -> None:
    """First: the error boundary writes even a usage error in the command's output format."""
    from a2acli.render.writers import set_mode

    set_mode("json" if json_output else "text", stream=streaming)


def _takes_value(ctx: typer.Context) -> dict[str, bool]:
    table: dict[str, bool] = {}
    for param in ctx.command.params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        takes = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]:
            table[opt] = takes
    return table


def _live_view(ctx: typer.Context) -> bool:
    """`a2a stream`: a terminal on stdout, and no output format asked for (`-o text` promises the floor)."""
    import sys

    from a2acli.settings import source_of

    try:
        return sys.stdout.isatty() and source_of(ctx, "output") == "default"
    except (AttributeError, ValueError):
        return False
