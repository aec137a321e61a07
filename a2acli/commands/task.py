"""`a2a task`: get, wait, list, cancel, subscribe, download, push-config (SPEC §9–§10, Appendix A/B).

Thin commands: options in, one coroutine of `a2acli.client.tasks` under `asyncio.run`, the protocol objects to
the writers of `a2acli.render.task_output`. JSON carries the protocol's own types (bare Task for get and cancel,
ListTasksResponse for list, StreamResponse lines for subscribe --stream); the text floor carries Task ID /
Context ID / State and the command that continues.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from a2acli.cli import EXIT_CODES_EPILOG
from a2acli.commands._options import (
    DEFAULT_AGENT,
    DEFAULT_POLL_INTERVAL,
    EXPOSED,
    AgentOptions,
    OutputFormat,
    PollIntervalOpt,
    TimeoutOpt,
    agent_options,
    complete_task_state,
    setting,
)
from a2acli.errors import UsageError
from a2acli.render import writers
from a2acli.settings import parse_duration

if TYPE_CHECKING:
    from a2acli.client.connection import AgentConnection
    from a2acli.render.events import CommandContext

T = TypeVar("T")

app = typer.Typer(
    help="Follow and manage tasks: get, list, cancel, subscribe, download, push-config.", no_args_is_help=True
)
push_app = typer.Typer(
    help="Manage a task's push-notification configs: create, get, list, delete.", no_args_is_help=True
)
app.add_typer(push_app, name="push-config")

TaskIdArg = Annotated[str, typer.Argument(help="The task id (as reported by `a2a send`).", show_default=False)]
StreamOpt = Annotated[
    bool, typer.Option("--stream", help="Follow live; with -o json, one JSON object per line (never from env).")
]


# ------------------------------------------------------------------------------------------- plumbing


def _card_flag(agent_card: str) -> str:
    return "" if agent_card == DEFAULT_AGENT else f" -a {_quote(agent_card)}"


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


def _json(agent: AgentOptions) -> bool:
    return agent.output is OutputFormat.json


def _rich(agent: AgentOptions) -> bool:
    """The Rich views: `-o rich` (or A2ACLI_OUTPUT=rich) on a terminal; the text floor is the default everywhere."""
    return writers.rich_terminal(agent.output.value)


def _commands(agent: AgentOptions) -> CommandContext:
    from a2acli.render.events import CommandContext

    return CommandContext(agent_ref=None if agent.agent_card == DEFAULT_AGENT else agent.agent_card)


def _run(work: Coroutine[Any, Any, T], agent_card: str = DEFAULT_AGENT) -> T:
    """The command's one async boundary; an unknown task id is answered with the command that lists them."""
    import asyncio

    from a2acli.errors import ProtocolError

    try:
        return asyncio.run(work)
    except ProtocolError as exc:
        if exc.code == "TaskNotFoundError" and not exc.hint:
            exc.hint = f"a2a task list{_card_flag(agent_card)} shows the tasks this agent knows"
        raise


def _push_call(agent: AgentOptions, task_id: str, action: Callable[[AgentConnection], Awaitable[Any]]) -> Any:
    from a2acli.client.tasks import push_config_call

    instead = f"a2a task subscribe {_quote(task_id)}{_card_flag(agent.agent_card)}"
    return _run(push_config_call(agent.settings(), action, instead=instead), agent.agent_card)


def _poll_interval(value: str) -> float:
    interval = parse_duration(value, name="--poll-interval")
    if interval is None or interval <= 0:
        raise UsageError("--poll-interval must be more than zero", hint="e.g. --poll-interval 2s")
    return interval


def _state_filter(value: str | None) -> str | None:
    from a2acli.protocol import TASK_STATES, UNSPECIFIED

    if not value:
        return None
    name = value.strip().upper().replace("-", "_")
    if not name.startswith("TASK_STATE_"):
        name = "TASK_STATE_" + name
    if name == "TASK_STATE_CANCELLED":
        name = "TASK_STATE_CANCELED"
    if name not in {*TASK_STATES, UNSPECIFIED}:
        raise UsageError(f"unknown task state {value!r}", hint="e.g. working, input-required, completed")
    return name


# ---------------------------------------------------------------------------------------- get


@app.command("get", epilog=EXIT_CODES_EPILOG)
@agent_options
def get(
    agent: AgentOptions,
    task_id: TaskIdArg,
    history: Annotated[
        int | None, setting("--history", min=0, help="Include the last N messages of the task's history.")
    ] = None,
    wait: Annotated[
        bool,
        setting(
            "--wait",
            "--watch",
            help="Poll until a terminal state, or an interrupted one (INPUT_REQUIRED / AUTH_REQUIRED).",
        ),
    ] = False,
    poll_interval: PollIntervalOpt = DEFAULT_POLL_INTERVAL,
    timeout: TimeoutOpt = None,
    stream: StreamOpt = False,
) -> None:
    """Get a task: state, artifacts and (with --history) messages. --wait polls until it settles.

    -o json prints the Task (one line, with or without --stream). To follow live, use `a2a task subscribe`.
    """
    from a2acli.client.resume import PollPolicy
    from a2acli.client.tasks import get_task
    from a2acli.render import task_output

    writers.set_mode(agent.output.value, stream=stream)
    interval = _poll_interval(poll_interval)
    limit = parse_duration(timeout, name="--timeout")
    policy = PollPolicy(interval=interval, max_interval=max(10.0, interval), timeout=limit) if wait else None
    resume = f"a2a task get {_quote(task_id)} --wait{_card_flag(agent.agent_card)}"
    task = _run(
        get_task(
            agent.settings(),
            task_id,
            history=history,
            wait=policy,
            on_poll=task_output.poll_progress(task_id),
            on_retry=task_output.poll_retry,
            resume=resume,
        ),
        agent.agent_card,
    )
    task_output.show_task(
        task,
        json_output=_json(agent),
        commands=_commands(agent),
        verbose=agent.verbose or history is not None,
        rich=_rich(agent),
    )
    if wait:
        task_output.warn_outcome(task)


# --------------------------------------------------------------------------------------- list


@app.command("list", epilog=EXIT_CODES_EPILOG)
@agent_options
def list_tasks(
    agent: AgentOptions,
    status: Annotated[
        str | None,
        setting(
            "--status",
            help="Only tasks in this state (working, input-required, …).",
            autocompletion=complete_task_state,
        ),
    ] = None,
    context_id: Annotated[str | None, setting("--context-id", help="Only this context.")] = None,
    page_size: Annotated[int | None, setting("--page-size", min=1, max=100, help="Tasks per page (1–100).")] = None,
    page_token: Annotated[str | None, setting("--page-token", help="Continue from a previous page.")] = None,
    history: Annotated[int | None, setting("--history", min=0, help="Messages of history per task.")] = None,
    include_artifacts: Annotated[bool, setting("--include-artifacts", help="Include each task's artifacts.")] = False,
    all_pages: Annotated[bool, setting("--all", help="Follow nextPageToken through every page (bounded).")] = False,
    stream: StreamOpt = False,
) -> None:
    """List tasks, newest first, with cursor pagination. -o json: ListTasksResponse; --stream: one Task per line."""
    from a2acli.client.tasks import list_request
    from a2acli.client.tasks import list_tasks as list_pages
    from a2acli.render.task_output import TaskList

    writers.set_mode(agent.output.value, stream=stream)
    params = list_request(
        status=_state_filter(status),
        context_id=context_id,
        page_size=page_size,
        page_token=page_token,
        history=history,
        include_artifacts=include_artifacts,
    )
    view = TaskList(json_output=_json(agent), stream=stream, rich=_rich(agent))
    token = _run(list_pages(agent.settings(), params, all_pages=all_pages, on_page=view.page), agent.agent_card)
    kept = [("--status", status), ("--context-id", context_id), ("--page-size", page_size), ("--history", history)]
    again = "".join(f" {flag} {_quote(str(value))}" for flag, value in kept if value is not None)
    again += " --include-artifacts" if include_artifacts else ""
    view.finish(token, f"a2a task list{again} --page-token {_quote(token)}{_card_flag(agent.agent_card)}")


# ------------------------------------------------------------------------------------- cancel


@app.command("cancel", epilog=EXIT_CODES_EPILOG)
@agent_options
def cancel(
    agent: AgentOptions,
    task_id: TaskIdArg,
    stream: StreamOpt = False,
) -> None:
    """Cancel a task and report the resulting state. Idempotent: an already-canceled task is not an error."""
    from a2acli.client.tasks import cancel_task
    from a2acli.render import task_output

    writers.set_mode(agent.output.value, stream=stream)
    hint = f"a2a task get {_quote(task_id)}{_card_flag(agent.agent_card)}"
    task, already = _run(cancel_task(agent.settings(), task_id, hint=hint), agent.agent_card)
    task_output.cancel_notes(task_id, task, already=already)
    task_output.show_task(
        task, json_output=_json(agent), commands=_commands(agent), verbose=agent.verbose, rich=_rich(agent)
    )


# ---------------------------------------------------------------------------------- subscribe


@app.command("subscribe", epilog=EXIT_CODES_EPILOG)
@agent_options
def subscribe(
    agent: AgentOptions,
    task_id: TaskIdArg,
    stream: StreamOpt = False,
    timeout: TimeoutOpt = None,
    poll_interval: PollIntervalOpt = DEFAULT_POLL_INTERVAL,
) -> None:
    """(Re)subscribe to a task's events; survives dropped connections. The first event is the full Task.

    -o json prints the final Task; -o json --stream one StreamResponse per line.
    """
    from a2acli.client.resume import ResumePolicy
    from a2acli.client.tasks import follow_task
    from a2acli.render import task_output

    writers.set_mode(agent.output.value, stream=stream)
    interval = _poll_interval(poll_interval)
    limit = parse_duration(timeout, name="--timeout")
    policy = ResumePolicy(timeout=limit, poll_interval=interval, max_poll_interval=max(10.0, interval))
    presenter = task_output.event_presenter(
        json_output=_json(agent), stream=stream, commands=_commands(agent), verbose=agent.verbose, rich=_rich(agent)
    )
    settings = agent.settings()
    follow = follow_task(
        settings,
        task_id,
        policy,
        presenter,
        split_tasks=not _json(agent),
        resume=f"a2a task subscribe {_quote(task_id)}{_card_flag(agent.agent_card)}",
        on_notice=task_output.resume_notices(settings.debug),
    )
    task_output.warn_followed(_run(follow, agent.agent_card))


# ----------------------------------------------------------------------------------- download


@app.command("download", epilog=EXIT_CODES_EPILOG)
@agent_options
def download(
    agent: AgentOptions,
    task_id: TaskIdArg,
    directory: Annotated[str, setting("--dir", "-d", help="Folder to write into (created if missing).")] = ".",
    force: Annotated[bool, setting("--force", help="Overwrite files that already exist.")] = False,
    fetch_urls: Annotated[
        bool, setting("--fetch-urls", help="Also download URL parts (http/https only, size-capped).")
    ] = False,
    max_url_size: Annotated[int, setting("--max-url-size", min=1, help="Largest URL part fetched, in bytes.")] = 100
    * 1024
    * 1024,
) -> None:
    """Save every artifact part of a task: text as .txt/.md, data as .json, files under their own name."""
    from pathlib import Path

    from a2acli.client.tasks import download_task
    from a2acli.render.task_output import show_download

    writers.set_mode(agent.output.value)
    work = download_task(
        agent.settings(), task_id, Path(directory), force=force, fetch_urls=fetch_urls, max_url_bytes=max_url_size
    )
    task, result = _run(work, agent.agent_card)
    show_download(task, task_id, result, json_output=_json(agent))


# -------------------------------------------------------------------------------- push-config


@push_app.command("create", epilog=EXIT_CODES_EPILOG)
@agent_options
def push_create(
    agent: AgentOptions,
    task_id: TaskIdArg,
    url: Annotated[
        str,
        setting("--webhook", "-w", help="Webhook URL the agent will POST StreamResponses to."),
    ],
    token: Annotated[
        str | None, setting("--token", help=f"Notification token the agent sends with each notification. {EXPOSED}")
    ] = None,
    config_id: Annotated[str | None, setting("--id", help="Config id (the agent picks one if omitted).")] = None,
    auth_scheme: Annotated[
        str | None, setting("--auth-scheme", help="Authorization scheme the agent sends (e.g. Bearer).")
    ] = None,
    auth_credentials: Annotated[
        str | None, setting("--auth-credentials", help=f"Credentials for that scheme. {EXPOSED}")
    ] = None,
) -> None:
    """Register a webhook for a task's updates (CreateTaskPushNotificationConfig)."""
    from a2acli.client.tasks import push_config
    from a2acli.redact import register_secret
    from a2acli.render.task_output import show_push_config

    writers.set_mode(agent.output.value)
    if not url.lower().startswith(("http://", "https://")):
        raise UsageError(f"--webhook must be an http(s) URL, got {url!r}")
    if auth_credentials and not auth_scheme:
        raise UsageError("--auth-credentials needs --auth-scheme", hint="e.g. --auth-scheme Bearer")
    register_secret(token)
    register_secret(auth_credentials)
    body = push_config(url, config_id=config_id, token=token, scheme=auth_scheme, credentials=auth_credentials)
    doc = _push_call(agent, task_id, lambda conn: conn.create_push_config(task_id, body))
    show_push_config(doc, json_output=_json(agent))


@push_app.command("get", epilog=EXIT_CODES_EPILOG)
@agent_options
def push_get(
    agent: AgentOptions,
    task_id: TaskIdArg,
    config_id: Annotated[str, typer.Argument(help="The push config id.")],
) -> None:
    """Show one push config of a task."""
    from a2acli.render.task_output import show_push_config

    writers.set_mode(agent.output.value)
    doc = _push_call(agent, task_id, lambda conn: conn.get_push_config(task_id, config_id))
    show_push_config(doc, json_output=_json(agent))


@push_app.command("list", epilog=EXIT_CODES_EPILOG)
@agent_options
def push_list(
    agent: AgentOptions,
    task_id: TaskIdArg,
    page_size: Annotated[int | None, setting("--page-size", min=1, help="Configs per page.")] = None,
    page_token: Annotated[str | None, setting("--page-token", help="Continue from a previous page.")] = None,
) -> None:
    """List a task's push configs (ListTaskPushNotificationConfigsResponse in -o json)."""
    from a2acli.render.task_output import show_push_configs

    writers.set_mode(agent.output.value)
    page = _push_call(agent, task_id, lambda conn: conn.list_push_configs(task_id, page_size, page_token))
    show_push_configs(page, task_id, json_output=_json(agent))


@push_app.command("delete", epilog=EXIT_CODES_EPILOG)
@agent_options
def push_delete(
    agent: AgentOptions,
    task_id: TaskIdArg,
    config_id: Annotated[str, typer.Argument(help="The push config id.")],
) -> None:
    """Delete a push config (idempotent on the agent's side). -o json prints {} (google.protobuf.Empty)."""
    from a2acli.render.task_output import show_push_deleted

    writers.set_mode(agent.output.value)
    _push_call(agent, task_id, lambda conn: conn.delete_push_config(task_id, config_id))
    show_push_deleted(task_id, config_id, json_output=_json(agent))
