"""Scenarios: make the demo agent produce any A2A behaviour on demand.

Two kinds of trigger select a scenario; anything else gets the normal streamed demo reply.

* Users (practice): a message whose text starts with ``/scenario NAME [ARG]`` (``/scenario help`` lists them),
  or a ``messageId`` that starts with ``scenario-NAME`` (for scripts that want free text).
* The A2A TCK (``a2aproject/a2a-tck``, 1.0 line): its ``messageId`` prefixes (``tck-complete-task``,
  ``tck-artifact-file-url``, ``tck-stream-artifact-chunked``, ``test-resubscribe-message-id``, ...), each doing
  exactly what the TCK's ``scenarios/*.feature`` files require of a system under test.

A scenario is a short list of steps (status change, artifact, direct reply, sleep, error). The executor calls
``find_scenario`` first and, when it returns one, awaits ``run`` and does nothing else. A scenario that needs a
task enqueues the initial ``Task`` itself (SUBMITTED, with the user's message in its history) unless the message
continues an existing task (multi-turn), so the SDK always sees a Task before any status update.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from a2a.server.agent_execution import RequestContext
    from a2a.server.events import EventQueue
    from a2a.server.tasks import TaskUpdater
    from a2a.types.a2a_pb2 import Part

COMMAND = "/scenario"
MESSAGE_ID_PREFIX = "scenario-"
LONG_RUNNING_DEFAULT_S = 30.0
LONG_RUNNING_MAX_S = 3600.0
FILE_URL = "https://example.com/output.txt"
DATA_VALUE: dict[str, Any] = {"key": "value", "count": 42}


# --------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Status:
    """Move the task to `state`, optionally with an agent status message."""

    state: str
    text: str | None = None


@dataclass(frozen=True)
class Artifact:
    """Emit one artifact update. `kind`: text | file | file-url | data.

    `chunk` is None for a whole artifact, else "first" / "middle" / "last": chunks of the same `key` share one
    artifactId; first has append=false, the others append=true, the last lastChunk=true.
    """

    kind: str
    value: str = ""
    filename: str | None = None
    media_type: str | None = None
    name: str | None = None
    chunk: str | None = None
    key: str = "a"


@dataclass(frozen=True)
class Reply:
    """Answer with a direct Message (no task)."""

    text: str


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Ticks:
    """Stream one text chunk of ONE artifact per second for `seconds` (the long-running scenario)."""

    seconds: float


@dataclass(frozen=True)
class Raise:
    """Fail the request with an A2A error (no task is created)."""

    message: str


Step = Status | Artifact | Reply | Sleep | Ticks | Raise


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    """A named, scripted behaviour. `run` plays its steps on the request's event queue."""

    name: str
    summary: str
    steps: tuple[Step, ...]
    usage: str = ""
    tck_prefixes: tuple[str, ...] = ()
    hidden: bool = False
    arg: str | None = field(default=None, compare=False)

    @property
    def needs_task(self) -> bool:
        return any(isinstance(s, Status | Artifact | Ticks) for s in self.steps)

    def with_arg(self, arg: str | None) -> Scenario:
        """A copy whose steps take the user's argument into account (only long-running has one)."""
        if not arg:
            return self
        steps = tuple(Ticks(parse_seconds(arg)) if isinstance(s, Ticks) else s for s in self.steps)
        return Scenario(self.name, self.summary, steps, self.usage, self.tck_prefixes, self.hidden, arg)

    async def run(self, context: RequestContext, updater: TaskUpdater, event_queue: EventQueue) -> None:
        current = context.current_task
        if current is not None and current.context_id and current.context_id != updater.context_id:
            # A follow-up naming only its taskId: the SDK invents a fresh contextId for the request, but every
            # event must carry the task's own, or the task store refuses the next turn.
            from a2a.server.tasks import TaskUpdater

            updater = TaskUpdater(event_queue, updater.task_id, current.context_id)
        player = _Player(context, updater, event_queue)
        for step in self.steps:
            await player.play(step)


def parse_seconds(arg: str) -> float:
    """The long-running duration: a number of seconds, clamped to [0, LONG_RUNNING_MAX_S]; junk -> default."""
    try:
        value = float(arg.strip().rstrip("sS"))
    except ValueError:
        return LONG_RUNNING_DEFAULT_S
    if value != value:  # NaN
        return LONG_RUNNING_DEFAULT_S
    return min(max(value, 0.0), LONG_RUNNING_MAX_S)


def _file(value: str = "Generated file content\n") -> Artifact:
    return Artifact("file", value, filename="output.txt", media_type="text/plain", name="output.txt")


def _stream(text: str, *, prefixes: tuple[str, ...], name: str) -> Scenario:
    return Scenario(
        name,
        f'working -> text artifact "{text}" -> completed',
        (Status("working"), Artifact("text", text), Status("completed")),
        tck_prefixes=prefixes,
        hidden=True,
    )


# The user-facing catalogue, in the order `/scenario help` lists it.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "complete",
        'the task completes at once, with the status message "Hello from TCK"',
        (Status("completed", "Hello from TCK"),),
        tck_prefixes=("tck-complete-task",),
    ),
    Scenario(
        "message",
        'the agent answers with a direct Message ("Direct message response"): no task at all',
        (Reply("Direct message response"),),
        tck_prefixes=("tck-message-response",),
    ),
    Scenario(
        "stream",
        'working -> one text artifact ("Stream hello from TCK") -> completed',
        (Status("working"), Artifact("text", "Stream hello from TCK"), Status("completed")),
        tck_prefixes=("tck-stream-001",),
    ),
    Scenario(
        "progress",
        "three working updates with status messages, then a text artifact, then completed",
        (
            Status("working", "Step 1 of 3: reading the request"),
            Sleep(0.2),
            Status("working", "Step 2 of 3: thinking"),
            Sleep(0.2),
            Status("working", "Step 3 of 3: writing the answer"),
            Artifact("text", "Done in three steps.", name="result"),
            Status("completed"),
        ),
    ),
    Scenario(
        "artifact-text",
        'completed task with a text artifact ("Generated text content")',
        (Artifact("text", "Generated text content"), Status("completed")),
        tck_prefixes=("tck-artifact-text",),
    ),
    Scenario(
        "artifact-file",
        "completed task with a file artifact (inline bytes, output.txt, text/plain)",
        (_file(), Status("completed")),
        tck_prefixes=("tck-artifact-file",),
    ),
    Scenario(
        "artifact-file-url",
        f"completed task with a file artifact by URL ({FILE_URL}, output.txt, text/plain)",
        (
            Artifact("file-url", FILE_URL, filename="output.txt", media_type="text/plain", name="output.txt"),
            Status("completed"),
        ),
        tck_prefixes=("tck-artifact-file-url",),
    ),
    Scenario(
        "artifact-data",
        'completed task with a structured data artifact ({"key": "value", "count": 42})',
        (Artifact("data"), Status("completed")),
        tck_prefixes=("tck-artifact-data",),
    ),
    Scenario(
        "artifact-chunked",
        'working -> one artifact in two chunks ("chunk-1 ", then "chunk-2" with lastChunk) -> completed',
        (
            Status("working"),
            Artifact("text", "chunk-1 ", chunk="first"),
            Artifact("text", "chunk-2", chunk="last"),
            Status("completed"),
        ),
        tck_prefixes=("tck-stream-artifact-chunked",),
    ),
    Scenario(
        "input-required",
        "the task stops in input-required (multi-turn): reply on the same task to continue it",
        (
            Status(
                "input-required",
                "Input required: reply on this task (same taskId) to continue. A plain reply gets the demo "
                "answer and completes the task; '/scenario complete' completes it; '/scenario input-required' "
                "asks again.",
            ),
        ),
        tck_prefixes=("tck-input-required",),
    ),
    Scenario(
        "auth-required",
        "the task stops in auth-required: reply on the same task to continue it",
        (
            Status(
                "auth-required",
                "Authentication required: this is practice, no credential is checked. Reply on this task "
                "(same taskId) to continue.",
            ),
        ),
    ),
    Scenario(
        "fail",
        "working -> failed, with a status message saying why",
        (Status("working"), Status("failed", "Simulated failure: the demo agent failed this task on purpose.")),
    ),
    Scenario(
        "reject",
        "the agent rejects the task (state rejected, with a status message)",
        (Status("rejected", "Rejected: the demo agent declines this task on purpose."),),
    ),
    Scenario(
        "error",
        "the request fails with an A2A error before any task exists",
        (Raise("Simulated agent error (/scenario error)"),),
    ),
    Scenario(
        "long-running",
        "working, then one artifact chunk per second for SECONDS (default 30, max 3600), then completed; "
        "practise cancel and resubscribe on it",
        (
            Status("working", "Working for a while: cancel me or resubscribe."),
            Ticks(LONG_RUNNING_DEFAULT_S),
            Status("completed"),
        ),
        usage="[SECONDS]",
    ),
    # TCK-only variants (exact texts the TCK checks); reachable by their messageId prefixes.
    Scenario(
        "tck-reject-task",
        'the request fails with the A2A error "rejected" (the TCK\'s "reject with error")',
        (Raise("rejected"),),
        tck_prefixes=("tck-reject-task",),
        hidden=True,
    ),
    Scenario(
        "tck-stream-002",
        "completed at once (no working state)",
        (Status("completed"),),
        tck_prefixes=("tck-stream-002",),
        hidden=True,
    ),
    _stream("Stream task lifecycle", prefixes=("tck-stream-003",), name="tck-stream-003"),
    _stream("Ordered output", prefixes=("tck-stream-ordering-001",), name="tck-stream-ordering-001"),
    _stream("Streamed text content", prefixes=("tck-stream-artifact-text",), name="tck-stream-artifact-text"),
    Scenario(
        "tck-stream-artifact-file",
        "working -> file artifact (output.txt, text/plain) -> completed",
        (Status("working"), _file(), Status("completed")),
        tck_prefixes=("tck-stream-artifact-file",),
        hidden=True,
    ),
    Scenario(
        "tck-resubscribe",
        "working -> 4 s pause (twice the TCK's streaming timeout) -> completed",
        (Status("working"), Sleep(4.0), Status("completed")),
        tck_prefixes=("test-resubscribe-message-id",),
        hidden=True,
    ),
)

_BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}
# Longest prefix first, so "tck-artifact-file-url" wins over "tck-artifact-file".
_TCK_PREFIXES: tuple[tuple[str, Scenario], ...] = tuple(
    sorted(((p, s) for s in SCENARIOS for p in s.tck_prefixes), key=lambda item: -len(item[0]))
)
_NAMES_LONGEST_FIRST: tuple[str, ...] = tuple(sorted(_BY_NAME, key=len, reverse=True))


def help_text() -> str:
    """What `/scenario help` answers: every user-facing scenario, its trigger, and the TCK prefixes."""
    width = max(len(s.name) + len(s.usage) + 1 for s in SCENARIOS if not s.hidden)
    lines = [
        "Scenarios make this demo agent produce one A2A behaviour on demand.",
        f"Send '{COMMAND} NAME [ARG]' as the message text (or use a messageId starting with "
        f"'{MESSAGE_ID_PREFIX}NAME'):",
        "",
    ]
    for s in SCENARIOS:
        if s.hidden:
            continue
        label = f"{s.name} {s.usage}".rstrip()
        lines.append(f"  {label:<{width}}  {s.summary}")
    prefixes = ", ".join(p for p, _ in sorted(_TCK_PREFIXES))
    lines += ["", f"A2A TCK messageId prefixes honoured: {prefixes}."]
    return "\n".join(lines)


def _help_scenario(intro: str | None = None) -> Scenario:
    text = help_text() if intro is None else f"{intro}\n\n{help_text()}"
    return Scenario("help", "list the scenarios", (Reply(text),), hidden=True)


def _match_name(rest: str) -> tuple[Scenario, str] | None:
    """`artifact-file-url-123` -> (artifact-file-url, "-123"): the longest scenario name `rest` starts with."""
    low = rest.lower()
    for name in _NAMES_LONGEST_FIRST:
        if low.startswith(name) and (len(low) == len(name) or not low[len(name)].isalnum()):
            return _BY_NAME[name], rest[len(name) :]
    return None


def find_scenario(message_id: str, text: str) -> Scenario | None:
    """The scenario a message asks for, or None for the normal demo behaviour.

    Order: the TCK's messageId prefixes, then a `scenario-NAME` messageId, then a `/scenario NAME [ARG]` text.
    """
    for prefix, scenario in _TCK_PREFIXES:
        if message_id.startswith(prefix):
            return scenario
    if message_id.lower().startswith(MESSAGE_ID_PREFIX):
        found = _match_name(message_id[len(MESSAGE_ID_PREFIX) :])
        if found is not None:
            return found[0]
    return parse_command(text)


def parse_command(text: str) -> Scenario | None:
    """`/scenario NAME [ARG]` -> that scenario; `/scenario`, `/scenario help` or an unknown name -> the help reply."""
    stripped = text.strip()
    if not stripped.lower().startswith(COMMAND):
        return None
    rest = stripped[len(COMMAND) :]
    if rest and not rest[0].isspace():
        return None  # e.g. "/scenarios" is ordinary text
    words = rest.split()
    if not words or words[0].lower() in ("help", "list", "?", "--help", "-h"):
        return _help_scenario()
    name = words[0].lower()
    scenario = _BY_NAME.get(name)
    if scenario is None:
        return _help_scenario(f"Unknown scenario {name[:64]!r}.")
    return scenario.with_arg(words[1] if len(words) > 1 else None)


# --------------------------------------------------------------------------- playing steps


class _Player:
    """Plays steps for one request; creates the task on the first step that needs one."""

    def __init__(self, context: RequestContext, updater: TaskUpdater, event_queue: EventQueue) -> None:
        self.context = context
        self.updater = updater
        self.queue = event_queue
        self.task_ready = context.current_task is not None
        self.artifact_ids: dict[str, str] = {}

    async def play(self, step: Step) -> None:
        handler: Callable[[Any], Any] = getattr(self, f"_{type(step).__name__.lower()}")
        await handler(step)

    async def _ensure_task(self) -> None:
        if self.task_ready:
            return
        from a2a.types.a2a_pb2 import Task, TaskState, TaskStatus

        task = Task(
            id=self.updater.task_id,
            context_id=self.updater.context_id,
            status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED),
        )
        if self.context.message is not None:
            task.history.append(self.context.message)
        await self.queue.enqueue_event(task)
        self.task_ready = True

    def _message(self, text: str) -> Any:
        return self.updater.new_agent_message([_part_text(text)])

    async def _status(self, step: Status) -> None:
        from a2a.types.a2a_pb2 import TaskState

        from a2acli.protocol import state_v10

        await self._ensure_task()
        state = TaskState.Value(state_v10(step.state))
        message = self._message(step.text) if step.text else None
        await self.updater.update_status(state, message=message)

    async def _artifact(self, step: Artifact) -> None:
        await self._ensure_task()
        if step.chunk in (None, "first"):
            artifact_id = str(uuid.uuid4())
            self.artifact_ids[step.key] = artifact_id
        else:
            artifact_id = self.artifact_ids.setdefault(step.key, str(uuid.uuid4()))
        append = None if step.chunk is None else step.chunk != "first"
        last_chunk = None if step.chunk is None else step.chunk == "last"
        await self.updater.add_artifact(
            [_artifact_part(step)],
            artifact_id=artifact_id,
            name=step.name,
            append=append,
            last_chunk=last_chunk,
        )

    async def _reply(self, step: Reply) -> None:
        from a2a.types.a2a_pb2 import Message, Role

        message = Message(
            role=Role.ROLE_AGENT,
            message_id=str(uuid.uuid4()),
            context_id=self.updater.context_id,
            parts=[_part_text(step.text)],
        )
        if self.task_ready:
            # Continuing a task: a direct Message is not allowed there, so it becomes the completing status.
            message.task_id = self.updater.task_id
            await self.updater.complete(message)
            return
        await self.queue.enqueue_event(message)

    async def _sleep(self, step: Sleep) -> None:
        await asyncio.sleep(step.seconds)

    async def _ticks(self, step: Ticks) -> None:
        await self._ensure_task()
        artifact_id = str(uuid.uuid4())
        total = int(step.seconds)
        if total <= 0:
            await self.updater.add_artifact(
                [_part_text("done (0 s)\n")], artifact_id=artifact_id, name="ticks", append=False, last_chunk=True
            )
            return
        for i in range(1, total + 1):
            await asyncio.sleep(1.0)
            await self.updater.add_artifact(
                [_part_text(f"tick {i}/{total}\n")],
                artifact_id=artifact_id,
                name="ticks",
                append=i > 1,
                last_chunk=i == total,
            )
        rest = step.seconds - total
        if rest > 0:
            await asyncio.sleep(rest)

    async def _raise(self, step: Raise) -> None:
        from a2a.utils.errors import A2AError

        raise A2AError(step.message)


def _part_text(text: str) -> Part:
    from a2a.types.a2a_pb2 import Part

    return Part(text=text)


def _artifact_part(step: Artifact) -> Part:
    from a2a.types.a2a_pb2 import Part

    if step.kind == "text":
        return Part(text=step.value)
    if step.kind == "file":
        return Part(raw=step.value.encode(), filename=step.filename or "", media_type=step.media_type or "")
    if step.kind == "file-url":
        return Part(url=step.value, filename=step.filename or "", media_type=step.media_type or "")
    if step.kind == "data":
        from google.protobuf import json_format
        from google.protobuf.struct_pb2 import Value

        value = Value()
        json_format.ParseDict(DATA_VALUE, value)
        return Part(data=value)
    raise ValueError(f"unknown artifact kind {step.kind!r}")
