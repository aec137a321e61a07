"""`a2a task`: get, wait, list, cancel, subscribe, download, push-config (SPEC §9–§10, Appendix A/B).

Thin commands: each parses its options, builds ConnectionSettings, runs one coroutine under `asyncio.run`
and hands the protocol objects to a writer. JSON carries the protocol's own types (bare Task for get and
cancel, ListTasksResponse for list, StreamResponse lines for subscribe --stream); the text floor carries
Task ID / Context ID / State and the command that continues.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from a2acli.commands._options import (
    DEFAULT_AGENT,
    AgentOptions,
    OutputFormat,
    PollIntervalOpt,
    TimeoutOpt,
    agent_options,
    complete_task_state,
)

if TYPE_CHECKING:
    from a2acli.client.connection import AgentConnection
    from a2acli.settings import ConnectionSettings

app = typer.Typer(
    help="Follow and manage tasks: get, list, cancel, subscribe, download, push-config.", no_args_is_help=True
)
push_app = typer.Typer(
    help="Manage a task's push-notification configs: create, get, list, delete.", no_args_is_help=True
)
app.add_typer(push_app, name="push-config")

TERMINAL = ("TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED", "TASK_STATE_REJECTED")
INTERRUPTED = ("TASK_STATE_INPUT_REQUIRED", "TASK_STATE_AUTH_REQUIRED")

TaskIdArg = Annotated[str, typer.Argument(help="The task id (as reported by `a2a send`).", show_default=False)]
StreamOpt = Annotated[
    bool, typer.Option("--stream", help="Follow live; with -o json, one JSON object per line (never from env).")
]


# ------------------------------------------------------------------------------------------- plumbing


def _card_flag(agent_card: str) -> str:
    if agent_card == DEFAULT_AGENT:
        return ""
    return f" -a {_quote(agent_card)}"


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


def _run(coro: Any, agent_card: str = DEFAULT_AGENT) -> Any:
    import asyncio

    from a2acli.errors import ProtocolError

    try:
        return asyncio.run(coro)
    except ProtocolError as exc:
        if exc.code == "TaskNotFoundError" and not exc.hint:
            exc.hint = f"a2a task list{_card_flag(agent_card)} shows the tasks this agent knows"
        raise


def _state(task: dict[str, Any]) -> str:
    status = task.get("status")
    state = status.get("state") if isinstance(status, dict) else None
    return state if isinstance(state, str) and state else "TASK_STATE_UNSPECIFIED"


def _tty() -> bool:
    return sys.stdout.isatty()


# ------------------------------------------------------------------------------------------- presentation


def _commands(agent_card: str) -> Any:
    from a2acli.render.events import CommandContext

    return CommandContext(agent_ref=None if agent_card == DEFAULT_AGENT else agent_card)


def _rich_floor(text: str) -> Any:
    """The text floor, styled for a terminal: labels bold, the state coloured. Built from Text, never markup.

    Block content (after `Artifact:`, `Data:`, `Message:`, `History:` up to the blank line) is left as is.
    """
    from rich.text import Text

    view = Text()
    in_block = False
    for line in text.splitlines(keepends=True):
        if in_block:
            view.append(line)
            in_block = line != "\n"
            continue
        label, sep, value = line.partition(":")
        if sep and label[:1].isupper() and len(label) <= 16:
            view.append(label + ":", style="bold")
            state = value.strip()
            style = ""
            if label == "State":
                style = "green" if state == "COMPLETED" else "yellow"
                if state in ("FAILED", "REJECTED", "CANCELED"):
                    style = "red"
            view.append(value, style=style)
            in_block = label in ("Artifact", "Data", "Message", "History")
        else:
            view.append(line)
    return view


def _write_floor(text: str) -> None:
    from a2acli.render import writers

    if _tty():
        _console().print(_rich_floor(text), end="")
    else:
        writers.write_text(text)


def _show_task(task: dict[str, Any], output: OutputFormat, agent_card: str, verbose: bool) -> None:
    from a2acli.render import writers
    from a2acli.render.task import render_task

    if output is OutputFormat.json:
        writers.write_json(task)
        return
    _write_floor(render_task(task, commands=_commands(agent_card), verbose=verbose))


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _warn_outcome(task: dict[str, Any]) -> None:
    from a2acli.render.writers import warn

    state = _state(task)
    if state in ("TASK_STATE_FAILED", "TASK_STATE_REJECTED", "TASK_STATE_CANCELED"):
        warn(f"task {task.get('id', '')} is {state}")
    elif state in INTERRUPTED:
        warn(f"task {task.get('id', '')} is waiting: {state}")


# ------------------------------------------------------------------------------------------- get


@app.command("get")
@agent_options
def get(
    agent: AgentOptions,
    task_id: TaskIdArg,
    history: Annotated[
        int | None,
        typer.Option(
            "--history",
            envvar="A2ACLI_HISTORY",
            show_envvar=True,
            min=0,
            help="Include the last N messages of the task's history.",
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            "--watch",
            envvar="A2ACLI_WAIT",
            show_envvar=True,
            help="Poll until a terminal state, or an interrupted one (INPUT_REQUIRED / AUTH_REQUIRED).",
        ),
    ] = False,
    poll_interval: PollIntervalOpt = "2s",
    timeout: TimeoutOpt = None,
    stream: StreamOpt = False,
) -> None:
    """Get a task: state, artifacts and (with --history) messages. --wait polls until it settles.

    -o json prints the Task (one line, with or without --stream). To follow live, use `a2a task subscribe`.
    """
    from a2acli.client.connection import open_connection
    from a2acli.client.resume import PollPolicy, wait_for_task
    from a2acli.errors import UsageError
    from a2acli.render import writers
    from a2acli.render.events import short_state
    from a2acli.settings import parse_duration

    writers.set_mode(agent.output.value, stream=stream)
    interval = parse_duration(poll_interval, name="--poll-interval")
    if interval is None or interval <= 0:
        raise UsageError("--poll-interval must be more than zero", hint="e.g. --poll-interval 2s")
    limit = parse_duration(timeout, name="--timeout")
    settings = agent.settings()
    seen: dict[str, str] = {}

    def on_poll(task: dict[str, Any]) -> None:
        state = _state(task)
        if seen.get("state") != state:
            if not seen:
                writers.diag(f"Task ID: {task.get('id', task_id)}  Context ID: {task.get('contextId', '')}")
            writers.diag(f"State: {short_state(state)}")
            seen["state"] = state

    def on_retry(attempt: int, delay: float, reason: str) -> None:
        writers.warn(f"GetTask failed ({reason}); retry {attempt} in {delay:.1f}s")

    resume = f"a2a task get {_quote(task_id)} --wait{_card_flag(agent.agent_card)}"

    async def go() -> dict[str, Any]:
        import asyncio

        from a2acli.errors import Interrupted

        try:
            async with open_connection(settings) as conn:
                if not wait:
                    return await conn.get_task(task_id, history)
                policy = PollPolicy(interval=interval, max_interval=max(10.0, interval), timeout=limit)
                return await wait_for_task(
                    conn,
                    task_id,
                    policy=policy,
                    history_length=history,
                    on_poll=on_poll,
                    on_retry=on_retry,
                    resume_command=lambda _tid: resume,
                )
        except asyncio.CancelledError:
            state = short_state(seen["state"]) if seen else "unknown"
            raise Interrupted(f"interrupted while waiting (task {task_id}, state {state})", hint=resume) from None

    task = _run(go(), agent.agent_card)
    _show_task(task, agent.output, agent.agent_card, agent.verbose or history is not None)
    if wait:
        _warn_outcome(task)


# ------------------------------------------------------------------------------------------- list


def _state_filter(value: str | None) -> str | None:
    from a2acli.errors import UsageError

    if not value:
        return None
    name = value.strip().upper().replace("-", "_")
    if not name.startswith("TASK_STATE_"):
        name = "TASK_STATE_" + name
    valid = {*TERMINAL, *INTERRUPTED, "TASK_STATE_SUBMITTED", "TASK_STATE_WORKING", "TASK_STATE_UNSPECIFIED"}
    if name == "TASK_STATE_CANCELLED":
        name = "TASK_STATE_CANCELED"
    if name not in valid:
        raise UsageError(f"unknown task state {value!r}", hint="e.g. working, input-required, completed")
    return name


def format_task_row(task: dict[str, Any]) -> str:
    from a2acli.render.events import short_state
    from a2acli.render.writers import field

    status = task.get("status") if isinstance(task.get("status"), dict) else {}
    lines = [field("Task ID", task.get("id", "")), field("Context ID", task.get("contextId", ""))]
    lines.append(field("State", short_state(_state(task))))
    if isinstance(status, dict) and status.get("timestamp"):
        lines.append(field("Updated", status["timestamp"]))
    return "".join(lines) + "\n"


@app.command("list")
@agent_options
def list_tasks(
    agent: AgentOptions,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            envvar="A2ACLI_STATUS",
            show_envvar=True,
            help="Only tasks in this state (working, input-required, …).",
            autocompletion=complete_task_state,
        ),
    ] = None,
    context_id: Annotated[
        str | None,
        typer.Option("--context-id", envvar="A2ACLI_CONTEXT_ID", show_envvar=True, help="Only this context."),
    ] = None,
    page_size: Annotated[
        int | None,
        typer.Option(
            "--page-size", envvar="A2ACLI_PAGE_SIZE", show_envvar=True, min=1, max=100, help="Tasks per page (1–100)."
        ),
    ] = None,
    page_token: Annotated[
        str | None,
        typer.Option(
            "--page-token", envvar="A2ACLI_PAGE_TOKEN", show_envvar=True, help="Continue from a previous page."
        ),
    ] = None,
    history: Annotated[
        int | None,
        typer.Option(
            "--history", envvar="A2ACLI_HISTORY", show_envvar=True, min=0, help="Messages of history per task."
        ),
    ] = None,
    include_artifacts: Annotated[
        bool,
        typer.Option(
            "--include-artifacts",
            envvar="A2ACLI_INCLUDE_ARTIFACTS",
            show_envvar=True,
            help="Include each task's artifacts.",
        ),
    ] = False,
    all_pages: Annotated[
        bool,
        typer.Option(
            "--all", envvar="A2ACLI_ALL", show_envvar=True, help="Follow nextPageToken through every page (bounded)."
        ),
    ] = False,
    stream: StreamOpt = False,
) -> None:
    """List tasks, newest first, with cursor pagination. -o json: ListTasksResponse; --stream: one Task per line."""
    from a2acli.client.connection import open_connection
    from a2acli.render import writers

    writers.set_mode(agent.output.value, stream=stream)
    params: dict[str, Any] = {}
    state = _state_filter(status)
    if state:
        params["status"] = state
    if context_id:
        params["contextId"] = context_id
    if page_size is not None:
        params["pageSize"] = page_size
    if page_token:
        params["pageToken"] = page_token
    if history is not None:
        params["historyLength"] = history
    if include_artifacts:
        params["includeArtifacts"] = True
    settings = agent.settings()
    max_pages = 1000 if all_pages else 1
    rich_rows: list[dict[str, Any]] = []
    merged: dict[str, Any] = {}
    count = 0

    def show_page(page: dict[str, Any]) -> None:
        nonlocal count
        tasks = [t for t in page.get("tasks") or [] if isinstance(t, dict)]
        count += len(tasks)
        if agent.output is OutputFormat.json:
            if stream:
                for task in tasks:
                    writers.write_json(task)
            elif not merged:
                merged.update(page)  # one document even with --all: the pages' tasks in one ListTasksResponse
            else:
                merged["tasks"] = [*merged.get("tasks", []), *tasks]
                merged["nextPageToken"] = page.get("nextPageToken", "")
                merged["pageSize"] = len(merged["tasks"])
        elif _tty():
            rich_rows.extend(tasks)
        else:
            writers.write_text("".join(format_task_row(t) for t in tasks))

    async def go() -> str:
        token = ""
        async with open_connection(settings) as conn:
            for _ in range(max_pages):
                page = await conn.list_tasks(params)
                show_page(page)
                token = str(page.get("nextPageToken") or "")
                if not token or not all_pages:
                    return token
                params["pageToken"] = token
        return token

    next_token = _run(go(), agent.agent_card)
    if merged:
        writers.write_json(merged)
    if agent.output is OutputFormat.text:
        if rich_rows:
            _console().print(_task_table(rich_rows))
        if next_token:
            more = f"a2a task list --page-token {_quote(next_token)}{_card_flag(agent.agent_card)}"
            if _tty():
                writers.diag(f"Next page: {more}")
            else:
                writers.write_text(writers.field("Next Page Token", next_token) + writers.field("Next", more))
        if not count:
            writers.diag("no tasks")


def _task_table(tasks: list[dict[str, Any]]) -> Any:
    from rich.table import Table
    from rich.text import Text

    from a2acli.render.sanitize import clean_line

    table = Table(box=None, pad_edge=False)
    for name in ("Task ID", "Context ID", "State", "Updated"):
        table.add_column(name, no_wrap=True)
    for task in tasks:
        status = task.get("status") if isinstance(task.get("status"), dict) else {}
        stamp = status.get("timestamp", "") if isinstance(status, dict) else ""
        table.add_row(
            Text(clean_line(task.get("id", ""))),
            Text(clean_line(task.get("contextId", ""))),
            Text(_state(task).removeprefix("TASK_STATE_")),
            Text(clean_line(stamp)),
        )
    return table


# ------------------------------------------------------------------------------------------- cancel


@app.command("cancel")
@agent_options
def cancel(
    agent: AgentOptions,
    task_id: TaskIdArg,
    stream: StreamOpt = False,
) -> None:
    """Cancel a task and report the resulting state. Idempotent: an already-canceled task is not an error."""
    from a2acli.client.connection import open_connection
    from a2acli.errors import ProtocolError
    from a2acli.render import writers

    writers.set_mode(agent.output.value, stream=stream)
    settings = agent.settings()

    async def go() -> tuple[dict[str, Any], bool]:
        async with open_connection(settings) as conn:
            try:
                return await conn.cancel_task(task_id), False
            except ProtocolError as exc:
                if exc.code != "TaskNotCancelableError":
                    raise
                task = await conn.get_task(task_id, 0)
                if _state(task) == "TASK_STATE_CANCELED":
                    return task, True
                raise ProtocolError(
                    exc.code,
                    f"task {task_id} is {_state(task)} and can no longer be canceled",
                    a2a_code=exc.a2a_code,
                    hint=f"a2a task get {_quote(task_id)}{_card_flag(agent.agent_card)}",
                    data=exc.data,
                ) from exc

    task, already = _run(go(), agent.agent_card)
    if already:
        writers.diag(f"task {task_id} was already canceled")
    elif _state(task) != "TASK_STATE_CANCELED":
        writers.diag(f"cancel requested; the task is {_state(task)} for now")
    _show_task(task, agent.output, agent.agent_card, agent.verbose)


# ------------------------------------------------------------------------------------------- subscribe


@app.command("subscribe")
@agent_options
def subscribe(
    agent: AgentOptions,
    task_id: TaskIdArg,
    stream: StreamOpt = False,
    timeout: TimeoutOpt = None,
    poll_interval: PollIntervalOpt = "2s",
) -> None:
    """(Re)subscribe to a task's events; survives dropped connections. The first event is the full Task.

    -o json prints the final Task; -o json --stream one StreamResponse per line.
    """
    from a2acli.client.resume import ResumePolicy
    from a2acli.errors import UsageError
    from a2acli.render import writers
    from a2acli.settings import parse_duration

    writers.set_mode(agent.output.value, stream=stream)
    interval = parse_duration(poll_interval, name="--poll-interval")
    if interval is None or interval <= 0:
        raise UsageError("--poll-interval must be more than zero", hint="e.g. --poll-interval 2s")
    limit = parse_duration(timeout, name="--timeout")
    settings = agent.settings()
    policy = ResumePolicy(timeout=limit, poll_interval=interval, max_poll_interval=max(10.0, interval))
    presenter = _presenter(agent.output, stream, agent.agent_card, agent.verbose)
    _run(_follow(task_id, settings, policy, presenter, split_tasks=agent.output is OutputFormat.text), agent.agent_card)


def _presenter(output: OutputFormat, stream: bool, agent_card: str, verbose: bool) -> Any:
    """The same presentation as `a2a stream`: JSON lines, one JSON document, Rich Live, or the text floor."""
    from a2acli.render.events_output import JsonDocumentPresenter, JsonLinesPresenter, TextPresenter

    if output is OutputFormat.json:
        return JsonLinesPresenter() if stream else JsonDocumentPresenter()
    if _tty():
        from a2acli.render.live import LivePresenter

        return LivePresenter(_commands(agent_card), verbose=verbose)
    return TextPresenter(_commands(agent_card), stream=True, verbose=verbose)


async def _no_streaming() -> Any:
    from a2acli.errors import ProtocolError

    raise ProtocolError("UnsupportedOperationError", "the agent card does not advertise streaming")
    yield  # an async generator that fails on first use, as a refused subscription does


def split_task_event(event: dict[str, Any]) -> list[dict[str, Any]]:
    """For people: a still-running Task as the Task (without artifacts) and one open artifact event each.

    The text views close an artifact shown inside a Task; presented this way, the words that follow on the
    stream continue the same block instead of opening another. JSON output never goes through this.
    """
    task = event.get("task")
    if not isinstance(task, dict) or not task.get("artifacts"):
        return [event]
    status = task.get("status")
    if isinstance(status, dict) and status.get("state") in (*TERMINAL, *INTERRUPTED):
        return [event]
    head = {k: v for k, v in task.items() if k != "artifacts"}
    out: list[dict[str, Any]] = [{"task": head}]
    for artifact in task["artifacts"]:
        if isinstance(artifact, dict):
            update = {"taskId": task.get("id"), "contextId": task.get("contextId"), "artifact": artifact}
            out.append({"artifactUpdate": {**update, "append": False, "lastChunk": False}})
    return out


async def _follow(
    task_id: str, settings: ConnectionSettings, policy: Any, presenter: Any, *, split_tasks: bool = False
) -> None:
    """SubscribeToTask, resumed across drops (GetTask when the agent cannot stream), into `presenter`."""
    import asyncio

    from a2acli.client.connection import open_connection
    from a2acli.client.resume import ResumeNotice, resilient_events
    from a2acli.errors import A2ACliError, Interrupted
    from a2acli.render import writers
    from a2acli.render.events import short_state
    from a2acli.render.events_output import TurnIds

    ids = TurnIds(task_id=task_id)
    resume = f"a2a task subscribe {_quote(task_id)}{_card_flag(settings.agent_card)}"

    def on_notice(notice: ResumeNotice) -> None:
        if notice.kind == "dropped":
            writers.diag(f"note: the stream dropped ({notice.reason}); reconnecting in {notice.delay:.1f}s")
        elif notice.kind == "polling" and notice.attempt == 0:
            writers.diag(f"note: not streaming ({notice.reason}); showing the task as GetTask returns it")
        elif notice.kind == "polling":
            writers.diag(f"note: cannot resubscribe ({notice.reason}); polling the task instead")
        elif settings.debug:
            writers.diag(f"debug: resubscribed to task {notice.task_id}")

    def track(event: dict[str, Any]) -> None:
        body: Any = next((event[k] for k in ("task", "statusUpdate", "artifactUpdate") if k in event), None)
        if isinstance(body, dict):
            ids.context_id = ids.context_id or body.get("contextId")
            status = body.get("status")
            if isinstance(status, dict) and isinstance(status.get("state"), str):
                ids.state = status["state"]

    start = getattr(presenter, "start", None)
    if start is not None:
        start()
    try:
        async with open_connection(settings) as conn:

            def open_stream() -> Any:
                if not conn.supports_streaming:  # SPEC §13.3: check the capability before using it
                    return _no_streaming()
                return conn.subscribe(task_id)

            async for event in resilient_events(
                open_stream,
                conn,
                task_id=task_id,
                policy=policy,
                on_notice=on_notice,
                resume_command=lambda _tid: resume,
            ):
                track(event)
                if presenter.wants_events:
                    for shown in split_task_event(event) if split_tasks else (event,):
                        presenter.event(shown)
            result = None if presenter.wants_events else await conn.get_task(task_id)
        presenter.finish(result, ids)
    except asyncio.CancelledError:
        presenter.abort(ids)
        where = f" (task {task_id}, context {ids.context_id or '?'}, state {short_state(ids.state)})"
        raise Interrupted("interrupted" + where, hint=resume) from None
    except A2ACliError:
        if ids.state is not None:
            presenter.abort(ids)
        raise
    finally:
        close = getattr(presenter, "close", None)
        if close is not None:
            close()
    state = ids.state or ""
    if state in INTERRUPTED or state in ("TASK_STATE_FAILED", "TASK_STATE_REJECTED", "TASK_STATE_CANCELED"):
        writers.warn(f"task {task_id} is {short_state(state)}")


# ------------------------------------------------------------------------------------------- download


@app.command("download")
@agent_options
def download(
    agent: AgentOptions,
    task_id: TaskIdArg,
    directory: Annotated[
        str,
        typer.Option(
            "--dir", "-d", envvar="A2ACLI_DIR", show_envvar=True, help="Folder to write into (created if missing)."
        ),
    ] = ".",
    force: Annotated[
        bool,
        typer.Option("--force", envvar="A2ACLI_FORCE", show_envvar=True, help="Overwrite files that already exist."),
    ] = False,
    fetch_urls: Annotated[
        bool,
        typer.Option(
            "--fetch-urls",
            envvar="A2ACLI_FETCH_URLS",
            show_envvar=True,
            help="Also download URL parts (http/https only, size-capped).",
        ),
    ] = False,
    max_url_size: Annotated[
        int,
        typer.Option(
            "--max-url-size",
            envvar="A2ACLI_MAX_URL_SIZE",
            show_envvar=True,
            min=1,
            help="Largest URL part fetched, in bytes.",
        ),
    ] = 100 * 1024 * 1024,
) -> None:
    """Save every artifact part of a task: text as .txt/.md, data as .json, files under their own name."""
    from pathlib import Path

    from a2acli.client.connection import open_connection
    from a2acli.client.download import DownloadResult, download_artifacts
    from a2acli.render import writers
    from a2acli.render.events import short_state

    writers.set_mode(agent.output.value)
    settings = agent.settings()

    async def go() -> tuple[dict[str, Any], DownloadResult]:
        async with open_connection(settings) as conn:
            task = await conn.get_task(task_id, 0)
        result = await download_artifacts(
            task,
            Path(directory),
            force=force,
            fetch_urls=fetch_urls,
            max_url_bytes=max_url_size,
            insecure=agent.insecure,
        )
        return task, result

    task, result = _run(go(), agent.agent_card)
    if agent.output is OutputFormat.json:
        writers.write_json(
            {
                "taskId": task.get("id", task_id),
                "contextId": task.get("contextId", ""),
                "state": _state(task),
                "files": [
                    {
                        "path": str(f.path),
                        "artifactId": f.artifact_id,
                        "part": f.part_index,
                        "kind": f.kind,
                        "mediaType": f.media_type,
                        "size": f.size,
                    }
                    for f in result.saved
                ],
                "skipped": [
                    {"artifactId": s.artifact_id, "part": s.part_index, "kind": s.kind, "reason": s.reason}
                    for s in result.skipped
                ],
            }
        )
    else:
        out = writers.field("Task ID", task.get("id", task_id)) + writers.field("Context ID", task.get("contextId", ""))
        out += writers.field("State", short_state(_state(task)))
        for f in result.saved:
            out += writers.field("Saved", f"{f.path} ({f.kind}, {f.media_type}, {f.size} bytes)")
        for s in result.skipped:
            out += writers.field("Skipped", f"{s.artifact_id} part {s.part_index + 1}: {s.reason}")
        writers.write_text(out)
    if _state(task) not in TERMINAL:
        writers.warn(f"task {task_id} is {short_state(_state(task))}: its artifacts may not be complete yet")
    if not result.saved and not result.skipped:
        writers.diag("the task has no artifacts")
    elif any(s.kind == "url" for s in result.skipped):
        writers.diag("URL parts were not fetched: pass --fetch-urls to download them")


# ------------------------------------------------------------------------------------------- push-config


def _show_config(doc: dict[str, Any], output: OutputFormat) -> None:
    from a2acli.render import writers

    if output is OutputFormat.json:
        writers.write_json(doc)
        return
    writers.write_text(format_push_config(doc) + "\n")


def format_push_config(doc: dict[str, Any]) -> str:
    from a2acli.render.writers import field

    out = (
        field("Config ID", doc.get("id", ""))
        + field("Task ID", doc.get("taskId", ""))
        + field("URL", doc.get("url", ""))
    )
    out += field("Token", "(set)" if doc.get("token") else "(none)")
    auth = doc.get("authentication")
    if isinstance(auth, dict) and auth.get("scheme"):
        out += field(
            "Authentication", f"{auth.get('scheme')} (credentials {'set' if auth.get('credentials') else 'none'})"
        )
    return out


def _with_connection(settings: ConnectionSettings, action: Callable[[AgentConnection], Any]) -> Any:
    from a2acli.client.connection import open_connection

    async def go() -> Any:
        async with open_connection(settings) as conn:
            return await action(conn)

    return _run(go(), settings.agent_card)


@push_app.command("create")
@agent_options
def push_create(
    agent: AgentOptions,
    task_id: TaskIdArg,
    url: Annotated[
        str,
        typer.Option(
            "--webhook",
            "-w",
            envvar="A2ACLI_WEBHOOK",
            show_envvar=True,
            help="Webhook URL the agent will POST StreamResponses to.",
        ),
    ],
    token: Annotated[
        str | None, typer.Option("--token", envvar="A2ACLI_TOKEN", show_envvar=True, help="Notification token.")
    ] = None,
    config_id: Annotated[
        str | None,
        typer.Option("--id", envvar="A2ACLI_ID", show_envvar=True, help="Config id (the agent picks one if omitted)."),
    ] = None,
    auth_scheme: Annotated[
        str | None,
        typer.Option(
            "--auth-scheme",
            envvar="A2ACLI_AUTH_SCHEME",
            show_envvar=True,
            help="Authorization scheme the agent sends (e.g. Bearer).",
        ),
    ] = None,
    auth_credentials: Annotated[
        str | None,
        typer.Option(
            "--auth-credentials", envvar="A2ACLI_AUTH_CREDENTIALS", show_envvar=True, help="Credentials for it."
        ),
    ] = None,
) -> None:
    """Register a webhook for a task's updates (CreateTaskPushNotificationConfig)."""
    from a2acli.errors import UsageError
    from a2acli.redact import register_secret
    from a2acli.render import writers

    writers.set_mode(agent.output.value)
    if not url.lower().startswith(("http://", "https://")):
        raise UsageError(f"--webhook must be an http(s) URL, got {url!r}")
    if auth_credentials and not auth_scheme:
        raise UsageError("--auth-credentials needs --auth-scheme", hint="e.g. --auth-scheme Bearer")
    register_secret(token)
    register_secret(auth_credentials)
    body: dict[str, Any] = {"url": url}
    if config_id:
        body["id"] = config_id
    if token:
        body["token"] = token
    if auth_scheme:
        body["authentication"] = {
            "scheme": auth_scheme,
            **({"credentials": auth_credentials} if auth_credentials else {}),
        }
    settings = agent.settings()
    _show_config(_with_connection(settings, lambda conn: conn.create_push_config(task_id, body)), agent.output)


@push_app.command("get")
@agent_options
def push_get(
    agent: AgentOptions,
    task_id: TaskIdArg,
    config_id: Annotated[str, typer.Argument(help="The push config id.")],
) -> None:
    """Show one push config of a task."""
    from a2acli.render import writers

    writers.set_mode(agent.output.value)
    settings = agent.settings()
    _show_config(_with_connection(settings, lambda conn: conn.get_push_config(task_id, config_id)), agent.output)


@push_app.command("list")
@agent_options
def push_list(
    agent: AgentOptions,
    task_id: TaskIdArg,
    page_size: Annotated[
        int | None,
        typer.Option("--page-size", envvar="A2ACLI_PAGE_SIZE", show_envvar=True, min=1, help="Configs per page."),
    ] = None,
    page_token: Annotated[
        str | None,
        typer.Option(
            "--page-token", envvar="A2ACLI_PAGE_TOKEN", show_envvar=True, help="Continue from a previous page."
        ),
    ] = None,
) -> None:
    """List a task's push configs (ListTaskPushNotificationConfigsResponse in -o json)."""
    from a2acli.render import writers

    writers.set_mode(agent.output.value)
    settings = agent.settings()
    page = _with_connection(settings, lambda conn: conn.list_push_configs(task_id, page_size, page_token))
    if agent.output is OutputFormat.json:
        writers.write_json(page)
        return
    configs = [c for c in page.get("configs") or [] if isinstance(c, dict)]
    writers.write_text("".join(format_push_config(c) + "\n" for c in configs))
    if page.get("nextPageToken"):
        writers.write_text(writers.field("Next Page Token", page["nextPageToken"]))
    if not configs:
        writers.diag(f"task {task_id} has no push configs")


@push_app.command("delete")
@agent_options
def push_delete(
    agent: AgentOptions,
    task_id: TaskIdArg,
    config_id: Annotated[str, typer.Argument(help="The push config id.")],
) -> None:
    """Delete a push config (idempotent on the agent's side). -o json prints {} (google.protobuf.Empty)."""
    from a2acli.render import writers

    writers.set_mode(agent.output.value)
    settings = agent.settings()
    _with_connection(settings, lambda conn: conn.delete_push_config(task_id, config_id))
    if agent.output is OutputFormat.json:
        writers.write_json({})
    else:
        writers.write_text(writers.field("Deleted", config_id) + writers.field("Task ID", task_id))
