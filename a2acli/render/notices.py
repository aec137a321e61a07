"""What a turn reports beside its events (`a2acli.client.turn` -> a presenter): typed notices and their lines.

The turn decides *that* something happened (the stream dropped, a file was saved, the task ended FAILED); this
module decides how it reads. Pure: `notice_line` returns the text, the presenters write it (stderr, except a
saved file on the text floor, which is part of the result). Named tuples: a turn on its way to the first
token builds none of the per-class code a dataclass generates at import.
"""

from __future__ import annotations

from typing import NamedTuple

from a2acli.protocol import INTERRUPTED_STATES, TERMINAL_STATES
from a2acli.render.events import UNHAPPY, short_state


class StreamDropped(NamedTuple):
    reason: str
    delay: float


class PollingInstead(NamedTuple):
    """The agent cannot (re)subscribe to the task: GetTask from here on."""

    reason: str


class Resubscribed(NamedTuple):
    task_id: str


class CancelRequested(NamedTuple):
    task_id: str


class ForeignEvents(NamedTuple):
    """The stream carried events for another task than the one this message started (ignored)."""

    task_id: str


class NotStreaming(NamedTuple):
    """`--stream` / `stream` on an agent that does not advertise streaming: sent, then polled."""


class PushReceiving(NamedTuple):
    url: str


class ArtifactSaved(NamedTuple):
    path: str
    media_type: str
    size: int


class ArtifactSkipped(NamedTuple):
    artifact_id: str
    part_index: int
    reason: str


class NothingToDownload(NamedTuple):
    """`--download` after a direct Message reply: there are no artifacts."""


class AwaitingReply(NamedTuple):
    """`a2a chat`: the task stopped in INPUT_REQUIRED or AUTH_REQUIRED; the next line typed continues it."""

    task_id: str
    state: str
    login: str = ""  # AUTH_REQUIRED: the command that stores a login for this agent


class StoppedFollowing(NamedTuple):
    """`a2a chat`: Ctrl-C stopped following the answer; the task may still be running on the agent."""

    task_id: str | None
    state: str | None
    canceled: bool = False  # --cancel-on-interrupt asked the agent to cancel it


class Outcome(NamedTuple):
    """How the turn ended, once the result was shown: warns about unhappy and waiting states."""

    task_id: str | None
    state: str | None
    detail: str = ""  # the status message's text, if any
    follow_up: tuple[str, ...] = ()  # the commands that continue


Notice = (
    StreamDropped
    | PollingInstead
    | Resubscribed
    | CancelRequested
    | ForeignEvents
    | NotStreaming
    | PushReceiving
    | ArtifactSaved
    | ArtifactSkipped
    | NothingToDownload
    | AwaitingReply
    | StoppedFollowing
    | Outcome
)


def notice_lines(notice: Notice, *, json_output: bool) -> list[str]:
    """The diagnostic lines for `notice` (stderr), without the trailing newline; `ArtifactSaved` is the one
    line that is data on the text floor (see `is_result`)."""
    match notice:
        case StreamDropped(reason, delay):
            return [f"note: the stream dropped ({reason}); reconnecting in {delay:.1f}s"]
        case PollingInstead(reason):
            return [f"note: cannot resubscribe ({reason}); polling the task instead"]
        case Resubscribed(task_id):
            return [f"debug: resubscribed to task {task_id}"]
        case CancelRequested(task_id):
            return [f"note: asked the agent to cancel task {task_id}"]
        case ForeignEvents(task_id):
            return [f"warning: ignoring events for another task ({task_id[:80]}) than the one this message started"]
        case NotStreaming():
            return [
                "warning: the agent does not advertise streaming: sending, then polling the task"
                " (JSON lines still follow)"
            ]
        case PushReceiving(url):
            return [f"note: receiving push notifications on {url}"]
        case ArtifactSaved(path, media_type, size):
            return [f"Saved: {path} ({media_type}, {size} bytes)"]
        case ArtifactSkipped(artifact_id, part_index, reason):
            return [f"note: --download skipped part {part_index} of artifact {artifact_id}: {reason}"]
        case NothingToDownload():
            return ["note: --download: the agent replied with a message, there are no artifacts to save"]
        case AwaitingReply(task_id, state, login):
            if state == "TASK_STATE_AUTH_REQUIRED":
                return [
                    f"note: the agent needs you to authenticate (task {task_id}, AUTH_REQUIRED): log in with"
                    f" `{login or 'a2a auth login'}` (another terminal), then reply here: the next turn uses the"
                    " stored login"
                ]
            return [
                f"note: the agent is waiting for your reply (task {task_id}, {short_state(state)}): the next line"
                " continues this task; /new starts over"
            ]
        case StoppedFollowing(task_id, state, canceled):
            if not task_id:
                return ["note: stopped; no task was started"]
            if canceled:
                return [f"note: stopped following task {task_id} and asked the agent to cancel it"]
            return [
                f"note: stopped following task {task_id} ({short_state(state)}); it may still be running:"
                " /task shows it, /cancel cancels it"
            ]
        case Outcome():
            return _outcome_lines(notice, json_output=json_output)
    return []


def is_result(notice: Notice, *, json_output: bool) -> bool:
    """Whether the notice's line belongs on stdout: a saved file is part of the text floor's result."""
    return isinstance(notice, ArtifactSaved) and not json_output


def _outcome_lines(outcome: Outcome, *, json_output: bool) -> list[str]:
    lines: list[str] = []
    state = outcome.state
    if state in UNHAPPY:
        detail = outcome.detail.strip()[:300]
        lines.append(f"warning: the task ended {short_state(state)}" + (f": {detail}" if detail else ""))
    elif state in INTERRUPTED_STATES:
        lines.append(f"warning: the agent is waiting: {short_state(state)} — reply with --task-id {outcome.task_id}")
    # JSON on stdout carries no commands: the next step goes to stderr (the text views show it in the ids block).
    if json_output and outcome.task_id and state not in TERMINAL_STATES and outcome.follow_up:
        lines.append("next: " + " · ".join(outcome.follow_up))
    return lines
