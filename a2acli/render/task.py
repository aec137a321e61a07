"""Pure helpers for whole Tasks: rebuild a Task from StreamResponse events, and render one as the text floor.

`TaskAccumulator.apply(event)` folds events into a 1.0 Task dict (status updates replace the status, artifact
updates honour `append` / `lastChunk`), so a stream can be summarised without a GetTask. `render_task(task)`
and `render_message(message)` give the SPEC §11.2 text floor for one object (also used by `a2a task get`);
the `format_*` functions the other text-floor views of `a2a task`, `rich_floor` and `task_table` their terminal
views (Rich renderables, built from Text, never from markup).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from a2acli.protocol import FINAL_STATES, UNSPECIFIED
from a2acli.render.events import CommandContext, TextFloor, short_state
from a2acli.render.writers import field

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from a2acli.client.download import DownloadResult


class TaskAccumulator:
    """Fold StreamResponse events into the Task (or the Message) they describe."""

    def __init__(self) -> None:
        self.task: dict[str, Any] | None = None
        self.message: dict[str, Any] | None = None
        self._index: dict[str, int] = {}

    def _ensure(self, task_id: Any, context_id: Any) -> dict[str, Any]:
        if self.task is None:
            self.task = {
                "id": task_id if isinstance(task_id, str) else "",
                "contextId": context_id if isinstance(context_id, str) else "",
                "status": {"state": "TASK_STATE_UNSPECIFIED"},
            }
        return self.task

    def apply(self, event: dict[str, Any]) -> None:
        if isinstance(event.get("task"), dict):
            self.task = copy.deepcopy(event["task"])
            self._index = {
                a["artifactId"]: i
                for i, a in enumerate(self.task.get("artifacts") or [])
                if isinstance(a, dict) and isinstance(a.get("artifactId"), str)
            }
        elif isinstance(event.get("statusUpdate"), dict):
            update = event["statusUpdate"]
            task = self._ensure(update.get("taskId"), update.get("contextId"))
            status = update.get("status")
            if isinstance(status, dict):
                previous = task.get("status")
                message = previous.get("message") if isinstance(previous, dict) else None
                if isinstance(message, dict) and "message" in status:
                    task.setdefault("history", []).append(message)
                task["status"] = status
        elif isinstance(event.get("artifactUpdate"), dict):
            update = event["artifactUpdate"]
            task = self._ensure(update.get("taskId"), update.get("contextId"))
            artifact = update.get("artifact")
            if not isinstance(artifact, dict):
                return
            raw_id = artifact.get("artifactId")
            aid: str = raw_id if isinstance(raw_id, str) else ""
            artifacts = task.setdefault("artifacts", [])
            parts = [p for p in artifact.get("parts") or [] if isinstance(p, dict)]
            if update.get("append") is True and aid in self._index:
                artifacts[self._index[aid]].setdefault("parts", []).extend(dict(p) for p in parts)
            else:
                fresh = {k: v for k, v in artifact.items() if k != "parts"}
                fresh["parts"] = [dict(p) for p in parts]
                if aid in self._index:
                    artifacts[self._index[aid]] = fresh
                else:
                    self._index[aid] = len(artifacts)
                    artifacts.append(fresh)
        elif isinstance(event.get("message"), dict):
            self.message = event["message"]

    def result(self) -> dict[str, Any] | None:
        """The SendMessageResponse: `{"task": ...}`, else `{"message": ...}`, else None.

        Consecutive plain text chunks of an artifact are joined (in linear time) into one part.
        """
        if self.task is not None:
            for artifact in self.task.get("artifacts") or []:
                if isinstance(artifact, dict) and isinstance(artifact.get("parts"), list):
                    artifact["parts"] = _join_text_runs(artifact["parts"])
            return {"task": self.task}
        if self.message is not None:
            return {"message": self.message}
        return None


def _join_text_runs(parts: list[Any]) -> list[Any]:
    out: list[Any] = []
    run: list[str] = []
    for part in parts:
        if isinstance(part, dict) and set(part) == {"text"} and isinstance(part["text"], str):
            run.append(part["text"])
            continue
        if run:
            out.append({"text": "".join(run)})
            run = []
        out.append(part)
    if run:
        out.append({"text": "".join(run)})
    return out


def render_task(task: dict[str, Any], *, commands: CommandContext | None = None, verbose: bool = False) -> str:
    """The text floor of one Task: ids, state, status message, artifact blocks, follow-up commands."""
    floor = TextFloor(commands=commands or CommandContext(), verbose=verbose)
    out = floor.render({"task": task})
    if verbose:
        for message in task.get("history") or []:
            if isinstance(message, dict):
                role = "agent" if message.get("role") == "ROLE_AGENT" else "user"
                from a2acli.render.events import message_text
                from a2acli.render.sanitize import clean_text

                text = message_text(message)
                if text:
                    out += f"History: {role}\n{clean_text(text).rstrip(chr(10))}\n\n"
    return out + _tail(floor)


def render_message(message: dict[str, Any], *, commands: CommandContext | None = None) -> str:
    floor = TextFloor(commands=commands or CommandContext())
    return floor.render({"message": message}) + _tail(floor)


def _tail(floor: TextFloor) -> str:
    """The follow-up commands without restating the fields just printed."""
    from a2acli.render.events import next_commands

    out = floor.close_block()
    for label, command in next_commands(floor.commands, floor.task_id, floor.context_id, floor.state):
        out += f"{label}: {command}\n"
    return out


def task_state(task: dict[str, Any]) -> str:
    status = task.get("status")
    state = status.get("state") if isinstance(status, dict) else None
    return state if isinstance(state, str) and state else UNSPECIFIED


def split_task_event(event: dict[str, Any]) -> list[dict[str, Any]]:
    """For people: a still-running Task as the Task (without artifacts) and one open artifact event each.

    The text views close an artifact shown inside a Task; presented this way, the words that follow on the
    stream continue the same block instead of opening another. JSON output never goes through this.
    """
    task = event.get("task")
    if not isinstance(task, dict) or not task.get("artifacts"):
        return [event]
    if task_state(task) in FINAL_STATES:
        return [event]
    head = {k: v for k, v in task.items() if k != "artifacts"}
    out: list[dict[str, Any]] = [{"task": head}]
    for artifact in task["artifacts"]:
        if isinstance(artifact, dict):
            update = {"taskId": task.get("id"), "contextId": task.get("contextId"), "artifact": artifact}
            out.append({"artifactUpdate": {**update, "append": False, "lastChunk": False}})
    return out


def format_task_row(task: dict[str, Any]) -> str:
    """One task of `a2a task list` on the text floor."""
    status = task.get("status") if isinstance(task.get("status"), dict) else {}
    lines = [field("Task ID", task.get("id", "")), field("Context ID", task.get("contextId", ""))]
    lines.append(field("State", short_state(task_state(task))))
    if isinstance(status, dict) and status.get("timestamp"):
        lines.append(field("Updated", status["timestamp"]))
    return "".join(lines) + "\n"


def format_push_config(doc: dict[str, Any]) -> str:
    """A TaskPushNotificationConfig on the text floor; the token and credentials only as set / none."""
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


# Where `task download -o json` records what it wrote: the Task's `metadata`, A2A's extension point (SPEC
# Appendix B lets a tool add fields there only), under a key of the tool's own (A2A §4.6 keys metadata by URI).
DOWNLOAD_METADATA_KEY = "urn:a2acli:download"


def download_document(task: dict[str, Any], task_id: str, result: DownloadResult) -> dict[str, Any]:
    """`a2a task download -o json`: the Task as the agent returned it (SPEC §11.3, the protocol's own type), with the
    files written and the parts skipped under its metadata's DOWNLOAD_METADATA_KEY."""
    saved = {
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
    metadata = task.get("metadata")
    document = {"id": task_id, **task}
    document["metadata"] = {**(metadata if isinstance(metadata, dict) else {}), DOWNLOAD_METADATA_KEY: saved}
    return document


def format_download(task: dict[str, Any], task_id: str, result: DownloadResult) -> str:
    out = field("Task ID", task.get("id", task_id)) + field("Context ID", task.get("contextId", ""))
    out += field("State", short_state(task_state(task)))
    for f in result.saved:
        out += field("Saved", f"{f.path} ({f.kind}, {f.media_type}, {f.size} bytes)")
    for s in result.skipped:
        out += field("Skipped", f"{s.artifact_id} part {s.part_index + 1}: {s.reason}")
    return out


def rich_floor(text: str) -> Text:
    """The text floor, styled for a terminal: labels bold, the state coloured.

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


def task_table(tasks: list[dict[str, Any]]) -> Table:
    """`a2a task list` on a terminal: one row per task."""
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
            Text(task_state(task).removeprefix("TASK_STATE_")),
            Text(clean_line(stamp)),
        )
    return table
