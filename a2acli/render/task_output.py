"""The writers of `a2a task`: JSON documents and lines, the text floor (the default, on a terminal too), the Rich
views (`-o rich` on a terminal: `rich` below), and the diagnostics on stderr. The commands hand protocol objects
here and write nothing themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from a2acli.protocol import CANCELED, FAILED, INTERRUPTED_STATES, REJECTED, TERMINAL_STATES
from a2acli.render import writers
from a2acli.render.events import CommandContext, short_state
from a2acli.render.task import (
    download_document,
    format_download,
    format_push_config,
    format_task_row,
    render_task,
    rich_floor,
    task_state,
    task_table,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from a2acli.client.download import DownloadResult
    from a2acli.client.resume import ResumeNotice
    from a2acli.render.events_output import Presenter, TurnIds

_UNHAPPY = (FAILED, REJECTED, CANCELED)


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def write_floor(text: str, *, rich: bool) -> None:
    """Text-floor output: as is, or styled (`rich`)."""
    if rich:
        _console().print(rich_floor(text), end="")
    else:
        writers.write_text(text)


def show_task(
    task: dict[str, Any], *, json_output: bool, commands: CommandContext, verbose: bool, rich: bool = False
) -> None:
    """A bare Task (get, cancel): the JSON document, or its text floor with the commands that continue."""
    if json_output:
        writers.write_json(task)
        return
    write_floor(render_task(task, commands=commands, verbose=verbose), rich=rich)


def warn_outcome(task: dict[str, Any]) -> None:
    """After a wait: a task that failed, or waits for the user, is said so on stderr."""
    state = task_state(task)
    if state in _UNHAPPY:
        writers.warn(f"task {task.get('id', '')} is {state}")
    elif state in INTERRUPTED_STATES:
        writers.warn(f"task {task.get('id', '')} is waiting: {state}")


def warn_followed(ids: TurnIds) -> None:
    """After a subscription: the same for the last state the events showed."""
    state = ids.state or ""
    if state in INTERRUPTED_STATES or state in _UNHAPPY:
        writers.warn(f"task {ids.task_id} is {short_state(state)}")


def poll_progress(task_id: str) -> Callable[[dict[str, Any]], None]:
    """`task get --wait`: the ids once, then each new state, on stderr."""
    seen: list[str] = []

    def on_poll(task: dict[str, Any]) -> None:
        state = task_state(task)
        if not seen:
            writers.diag(f"Task ID: {task.get('id', task_id)}  Context ID: {task.get('contextId', '')}")
        if not seen or seen[-1] != state:
            writers.diag(f"State: {short_state(state)}")
            seen.append(state)

    return on_poll


def poll_retry(attempt: int, delay: float, reason: str) -> None:
    writers.warn(f"GetTask failed ({reason}); retry {attempt} in {delay:.1f}s")


def resume_notices(debug: bool) -> Callable[[ResumeNotice], None]:
    """How a subscription's reconnect decisions read on stderr."""

    def on_notice(notice: ResumeNotice) -> None:
        if notice.kind == "dropped":
            writers.diag(f"note: the stream dropped ({notice.reason}); reconnecting in {notice.delay:.1f}s")
        elif notice.kind == "polling" and notice.attempt == 0:
            writers.diag(f"note: not streaming ({notice.reason}); showing the task as GetTask returns it")
        elif notice.kind == "polling":
            writers.diag(f"note: cannot resubscribe ({notice.reason}); polling the task instead")
        elif debug:
            writers.diag(f"debug: resubscribed to task {notice.task_id}")

    return on_notice


def event_presenter(
    *, json_output: bool, stream: bool, commands: CommandContext, verbose: bool, rich: bool = False
) -> Presenter:
    """JSON lines, one JSON document, the text floor, or (`rich`) the Rich Live view of `a2a stream`."""
    from a2acli.render.events_output import JsonDocumentPresenter, JsonLinesPresenter, TextPresenter

    if json_output:
        return JsonLinesPresenter() if stream else JsonDocumentPresenter()
    if rich:
        from a2acli.render.live import LivePresenter

        return LivePresenter(commands, verbose=verbose)
    return TextPresenter(commands, stream=True, verbose=verbose)


def cancel_notes(task_id: str, task: dict[str, Any], *, already: bool) -> None:
    if already:
        writers.diag(f"task {task_id} was already canceled")
    elif task_state(task) != CANCELED:
        writers.diag(f"cancel requested; the task is {task_state(task)} for now")


class TaskList:
    """`a2a task list`, page by page: ListTasksResponse (pages merged into one), Task lines (--stream), the text
    floor, or (`rich`) a table."""

    def __init__(self, *, json_output: bool, stream: bool, rich: bool = False) -> None:
        self.json_output = json_output
        self.stream = stream
        self.rich = rich
        self.rows: list[dict[str, Any]] = []
        self.merged: dict[str, Any] = {}
        self.count = 0

    def page(self, page: dict[str, Any]) -> None:
        tasks = [t for t in page.get("tasks") or [] if isinstance(t, dict)]
        self.count += len(tasks)
        if self.json_output:
            if self.stream:
                for task in tasks:
                    writers.write_json(task)
            elif not self.merged:
                self.merged.update(page)  # one document even with --all: the pages' tasks in one response
            else:
                self.merged["tasks"] = [*self.merged.get("tasks", []), *tasks]
                self.merged["nextPageToken"] = page.get("nextPageToken", "")
                self.merged["pageSize"] = len(self.merged["tasks"])
        elif self.rich:
            self.rows.extend(tasks)
        else:
            writers.write_text("".join(format_task_row(t) for t in tasks))

    def finish(self, next_token: str, next_command: str) -> None:
        if self.merged:
            writers.write_json(self.merged)
        if self.json_output:
            return
        if self.rows:
            _console().print(task_table(self.rows))
        if next_token:
            if self.rich:
                writers.diag(f"Next page: {next_command}")
            else:
                writers.write_text(writers.field("Next Page Token", next_token) + writers.field("Next", next_command))
        if not self.count:
            writers.diag("no tasks")


def show_download(task: dict[str, Any], task_id: str, result: DownloadResult, *, json_output: bool) -> None:
    if json_output:
        writers.write_json(download_document(task, task_id, result))
    else:
        writers.write_text(format_download(task, task_id, result))
    state = task_state(task)
    if state not in TERMINAL_STATES:
        writers.warn(f"task {task_id} is {short_state(state)}: its artifacts may not be complete yet")
    if not result.saved and not result.skipped:
        writers.diag("the task has no artifacts")
    elif any(s.kind == "url" for s in result.skipped):
        writers.diag("URL parts were not fetched: pass --fetch-urls to download them")


def show_push_config(doc: dict[str, Any], *, json_output: bool) -> None:
    if json_output:
        writers.write_json(doc)
    else:
        writers.write_text(format_push_config(doc) + "\n")


def show_push_configs(page: dict[str, Any], task_id: str, *, json_output: bool) -> None:
    """ListTaskPushNotificationConfigsResponse in JSON; each config on the text floor."""
    if json_output:
        writers.write_json(page)
        return
    configs = [c for c in page.get("configs") or [] if isinstance(c, dict)]
    writers.write_text("".join(format_push_config(c) + "\n" for c in configs))
    if page.get("nextPageToken"):
        writers.write_text(writers.field("Next Page Token", page["nextPageToken"]))
    if not configs:
        writers.diag(f"task {task_id} has no push configs")


def show_push_deleted(task_id: str, config_id: str, *, json_output: bool) -> None:
    """-o json prints {} (google.protobuf.Empty)."""
    if json_output:
        writers.write_json({})
    else:
        writers.write_text(writers.field("Deleted", config_id) + writers.field("Task ID", task_id))
