"""Pure helpers for whole Tasks: rebuild a Task from StreamResponse events, and render one as the text floor.

`TaskAccumulator.apply(event)` folds events into a 1.0 Task dict (status updates replace the status, artifact
updates honour `append` / `lastChunk`), so a stream can be summarised without a GetTask. `render_task(task)`
and `render_message(message)` give the SPEC §11.2 text floor for one object (also used by `a2a task get`).
"""

from __future__ import annotations

import copy
from typing import Any

from a2acli.render.events import CommandContext, TextFloor


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
