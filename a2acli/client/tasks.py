"""What `a2a task` asks of an agent: get (or wait for) a task, page through tasks, cancel, follow, download,
and the push-config calls. Each opens one connection, does its job and returns the protocol objects.

Nothing here writes: progress goes to the caller's callbacks, a followed task's events to its presenter. The
caller runs each coroutine under its one `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from a2acli.errors import A2ACliError, Interrupted, ProtocolError
from a2acli.protocol import CANCELED
from a2acli.render.events import short_state
from a2acli.render.events_output import TurnIds
from a2acli.render.task import split_task_event, task_state

if TYPE_CHECKING:
    from a2acli.client.connection import AgentConnection
    from a2acli.client.download import DownloadResult
    from a2acli.client.resume import PollPolicy, ResumeNotice, ResumePolicy
    from a2acli.render.events_output import Presenter
    from a2acli.settings import ConnectionSettings


async def with_connection(settings: ConnectionSettings, action: Callable[[AgentConnection], Awaitable[Any]]) -> Any:
    """One call on a fresh connection."""
    from a2acli.client.connection import open_connection

    async with open_connection(settings) as conn:
        return await action(conn)


async def push_config_call(
    settings: ConnectionSettings, action: Callable[[AgentConnection], Awaitable[Any]], *, instead: str
) -> Any:
    """A push-config operation, refused before any request when the card does not advertise push notifications
    (SPEC §13.3, A2ACLI_VER_003): the agent would answer PushNotificationNotSupportedError anyway, and a create
    would hand a webhook (and its token) to an agent that said it will never call it. `instead`: the command
    that follows the task without push."""
    from a2acli.client.connection import open_connection

    async with open_connection(settings) as conn:
        if not conn.supports_push:
            raise ProtocolError(
                "PushNotificationNotSupportedError",
                "the agent card does not advertise push notifications (capabilities.pushNotifications is not true);"
                " nothing was sent",
                hint=f"follow the task without push: {instead}",
            )
        return await action(conn)


async def get_task(
    settings: ConnectionSettings,
    task_id: str,
    *,
    history: int | None,
    wait: PollPolicy | None,
    on_poll: Callable[[dict[str, Any]], None],
    on_retry: Callable[[int, float, str], None],
    resume: str,
) -> dict[str, Any]:
    """GetTask; with a `wait` policy, GetTask until the task is terminal or interrupted (Ctrl-C: Interrupted)."""
    from a2acli.client.connection import open_connection
    from a2acli.client.resume import wait_for_task

    seen: list[str] = []

    def polled(task: dict[str, Any]) -> None:
        seen.append(task_state(task))
        on_poll(task)

    try:
        async with open_connection(settings) as conn:
            if wait is None:
                return await conn.get_task(task_id, history)
            return await wait_for_task(
                conn,
                task_id,
                policy=wait,
                history_length=history,
                on_poll=polled,
                on_retry=on_retry,
                resume_command=lambda _tid: resume,
            )
    except asyncio.CancelledError:
        state = short_state(seen[-1]) if seen else "unknown"
        raise Interrupted(f"interrupted while waiting (task {task_id}, state {state})", hint=resume) from None


def list_request(
    *,
    status: str | None,
    context_id: str | None,
    page_size: int | None,
    page_token: str | None,
    history: int | None,
    include_artifacts: bool,
) -> dict[str, Any]:
    """A ListTasksRequest with the fields given (the agent's defaults for the others)."""
    params: dict[str, Any] = {}
    if status:
        params["status"] = status
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
    return params


async def list_tasks(
    settings: ConnectionSettings, params: dict[str, Any], *, all_pages: bool, on_page: Callable[[dict[str, Any]], None]
) -> str:
    """ListTasks, one page or (`all_pages`) every page up to a bound; returns the token of the page not read."""
    from a2acli.client.connection import open_connection

    params = dict(params)
    token = ""
    async with open_connection(settings) as conn:
        for _ in range(1000 if all_pages else 1):
            page = await conn.list_tasks(params)
            on_page(page)
            token = str(page.get("nextPageToken") or "")
            if not token or not all_pages:
                return token
            params["pageToken"] = token
    return token


def push_config(
    url: str, *, config_id: str | None, token: str | None, scheme: str | None, credentials: str | None
) -> dict[str, Any]:
    """The body of CreateTaskPushNotificationConfig."""
    body: dict[str, Any] = {"url": url}
    if config_id:
        body["id"] = config_id
    if token:
        body["token"] = token
    if scheme:
        body["authentication"] = {"scheme": scheme, **({"credentials": credentials} if credentials else {})}
    return body


async def cancel_task(settings: ConnectionSettings, task_id: str, *, hint: str) -> tuple[dict[str, Any], bool]:
    """CancelTask and the task it returns; (task, True) when the task was canceled already (idempotent)."""
    from a2acli.client.connection import open_connection

    async with open_connection(settings) as conn:
        try:
            return await conn.cancel_task(task_id), False
        except ProtocolError as exc:
            if exc.code != "TaskNotCancelableError":
                raise
            task = await conn.get_task(task_id, 0)
            if task_state(task) == CANCELED:
                return task, True
            raise ProtocolError(
                exc.code,
                f"task {task_id} is {task_state(task)} and can no longer be canceled",
                a2a_code=exc.a2a_code,
                hint=hint,
                data=exc.data,
            ) from exc


async def _no_streaming() -> AsyncIterator[dict[str, Any]]:
    raise ProtocolError("UnsupportedOperationError", "the agent card does not advertise streaming")
    yield  # an async generator that fails on first use, as a refused subscription does


async def follow_task(
    settings: ConnectionSettings,
    task_id: str,
    policy: ResumePolicy,
    presenter: Presenter,
    *,
    split_tasks: bool,
    resume: str,
    on_notice: Callable[[ResumeNotice], None],
) -> TurnIds:
    """SubscribeToTask, resumed across drops (GetTask when the agent cannot stream), into `presenter`; returns
    the ids and the last state seen. `split_tasks`: a running Task reaches the presenter as its parts."""
    from a2acli.client.connection import open_connection
    from a2acli.client.resume import resilient_events

    ids = TurnIds(task_id=task_id)

    def track(event: dict[str, Any]) -> None:
        body: Any = next((event[k] for k in ("task", "statusUpdate", "artifactUpdate") if k in event), None)
        if isinstance(body, dict):
            ids.context_id = ids.context_id or body.get("contextId")
            status = body.get("status")
            if isinstance(status, dict) and isinstance(status.get("state"), str):
                ids.state = status["state"]

    presenter.start()
    try:
        async with open_connection(settings) as conn:

            def open_stream() -> AsyncIterator[dict[str, Any]]:
                if not conn.supports_streaming:  # SPEC §13.3: check the capability before using it
                    return _no_streaming()
                return conn.subscribe(task_id)

            async for event in resilient_events(
                open_stream, conn, task_id=task_id, policy=policy, on_notice=on_notice, resume_command=lambda _: resume
            ):
                track(event)
                if presenter.wants_events:
                    for shown in split_task_event(event) if split_tasks else [event]:
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
        presenter.close()
    return ids


async def download_task(
    settings: ConnectionSettings,
    task_id: str,
    directory: Path,
    *,
    force: bool,
    fetch_urls: bool,
    max_url_bytes: int,
) -> tuple[dict[str, Any], DownloadResult]:
    """GetTask, then every artifact part written under `directory`."""
    from a2acli.client.connection import open_connection
    from a2acli.client.download import download_artifacts

    async with open_connection(settings) as conn:
        task = await conn.get_task(task_id, 0)
    result = await download_artifacts(
        task, directory, force=force, fetch_urls=fetch_urls, max_url_bytes=max_url_bytes, insecure=settings.insecure
    )
    return task, result
