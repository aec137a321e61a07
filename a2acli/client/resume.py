"""Streams that survive a dropped connection (SPEC §9.3–§9.4).

`resilient_events(open_stream, source, ...)` wraps any StreamResponse iterator (`send --stream`, `stream`,
`task subscribe`). When it fails or ends before the task reaches a terminal or interrupted state — a reset
connection, a proxy that cuts long streams, an agent restarted on a persistent store — it:

1. waits with bounded exponential backoff and full jitter, then resubscribes (SubscribeToTask);
2. reconciles the re-delivered first `Task` against what the caller was already shown (the `StreamLedger`):
   only artifact parts not yet emitted, and the status only if it changed, are passed on, as ordinary
   `artifactUpdate` / `statusUpdate` StreamResponses — every word exactly once, then the final state;
3. falls back to polling GetTask when the agent cannot subscribe (UnsupportedOperationError — which the SDK
   also answers for a task that finished in the gap — or no streaming capability);
4. gives up after `max_attempts` consecutive failures or the overall `timeout`, with a typed error whose hint
   is the command that resumes the task.

`on_notice` receives a `ResumeNotice` for every reconnect decision, for a one-line diagnostic on stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from a2acli.errors import A2ACliError, DeadlineExpired, ProtocolError, TimeoutExpiredError, UnreachableError
from a2acli.protocol import FINAL_STATES

# Protocol errors that mean "this agent cannot stream this task to you now" rather than "no such task" (an error
# code A2A does not name arrives as A2ACLI_ERR_INTERNAL, client/wire.a2a_named).
_CANNOT_SUBSCRIBE = frozenset({"UnsupportedOperationError", "MethodNotFoundError", "A2ACLI_ERR_INTERNAL"})


class TaskSource(Protocol):
    """The two AgentConnection methods resumption needs."""

    def subscribe(self, task_id: str) -> AsyncIterator[dict[str, Any]]: ...

    async def get_task(self, task_id: str, history_length: int | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ResumePolicy:
    max_attempts: int = 8  # consecutive reconnects without progress before giving up
    max_stalls: int = 3  # ... of which reconnects that answered (a replayed snapshot) yet brought nothing new
    base_delay: float = 0.25
    max_delay: float = 4.0
    timeout: float | None = None  # overall limit in seconds, from the first event request
    poll_interval: float = 2.0  # GetTask fallback: first interval, then backoff ...
    max_poll_interval: float = 10.0  # ... up to this
    max_reconnects: int = 100  # total reconnects over the whole stream, whatever progress was made


@dataclass(frozen=True)
class ResumeNotice:
    """A reconnect decision, for diagnostics: kind is dropped | resubscribed | polling."""

    kind: str
    task_id: str
    attempt: int
    delay: float
    reason: str


def backoff_delay(attempt: int, policy: ResumePolicy, rng: random.Random | None = None) -> float:
    """Exponential backoff with 'equal jitter': half fixed, half random, capped at max_delay."""
    ceiling = min(policy.max_delay, policy.base_delay * (2.0 ** max(attempt - 1, 0)))
    r = random.random() if rng is None else rng.random()
    return ceiling / 2 + r * ceiling / 2


def is_transient(exc: BaseException) -> bool:
    """A failure of the connection rather than an answer from the agent: worth reconnecting."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ProtocolError | DeadlineExpired):  # an answer, or the run's own time is up
            return False
        if isinstance(current, httpx.TransportError | ConnectionError | asyncio.IncompleteReadError | EOFError):
            return True
        if isinstance(current, A2ACliError) and current.code in ("A2ACLI_ERR_UNREACHABLE", "A2ACLI_ERR_TIMEOUT"):
            return True
        if isinstance(current, OSError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _text_of(parts: list[dict[str, Any]]) -> str | None:
    if all(isinstance(p, dict) and set(p) <= {"text", "mediaType", "metadata"} and "text" in p for p in parts):
        return "".join(str(p["text"]) for p in parts)
    return None


@dataclass
class StreamLedger:
    """What the caller has been shown so far, per task: artifact parts by artifact id, and the last status."""

    task_id: str | None = None
    context_id: str | None = None
    state: str | None = None
    status_key: str | None = None
    status_keys: set[str] = field(default_factory=set)  # every status shown: one seen before is no progress
    artifacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    saw_event: bool = False
    final: bool = False
    last_message: bool = False
    replaying: dict[str, int] = field(default_factory=dict)  # artifact id -> how far a replay has come (chars)

    def _ids(self, task_id: Any, context_id: Any) -> None:
        if isinstance(task_id, str) and task_id and self.task_id is None:
            self.task_id = task_id
        if isinstance(context_id, str) and context_id and self.context_id is None:
            self.context_id = context_id

    def _status(self, status: Any) -> None:
        if isinstance(status, dict):
            state = status.get("state")
            self.state = state if isinstance(state, str) else self.state
            self.status_key = _status_key(status)
            self.status_keys.add(self.status_key)
            self.final = self.state in FINAL_STATES

    def mark(self) -> tuple[int, int]:
        """What counts as progress: a status not shown before, or more artifact parts than before (an agent
        that replays its snapshot, SUBMITTED then WORKING again, on every subscription makes none)."""
        return len(self.status_keys), sum(len(parts) for parts in self.artifacts.values())

    def observe(self, event: dict[str, Any]) -> None:
        """Record an event that is being passed on unchanged."""
        self.saw_event = True
        if isinstance(event.get("task"), dict):
            task = event["task"]
            self._ids(task.get("id"), task.get("contextId"))
            for artifact in task.get("artifacts") or []:
                if isinstance(artifact, dict) and isinstance(artifact.get("artifactId"), str):
                    self.artifacts[artifact["artifactId"]] = list(artifact.get("parts") or [])
            self._status(task.get("status"))
        elif isinstance(event.get("statusUpdate"), dict):
            update = event["statusUpdate"]
            self._ids(update.get("taskId"), update.get("contextId"))
            self._status(update.get("status"))
        elif isinstance(event.get("artifactUpdate"), dict):
            update = event["artifactUpdate"]
            self._ids(update.get("taskId"), update.get("contextId"))
            artifact = update.get("artifact")
            if isinstance(artifact, dict) and isinstance(artifact.get("artifactId"), str):
                parts = list(artifact.get("parts") or [])
                if update.get("append"):
                    self.artifacts.setdefault(artifact["artifactId"], []).extend(parts)
                else:
                    self.artifacts[artifact["artifactId"]] = parts
        elif isinstance(event.get("message"), dict):
            message = event["message"]
            self._ids(message.get("taskId"), message.get("contextId"))
            if not self.task_id:
                self.final = self.last_message = True  # a direct Message reply ends the stream

    def unseen(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """After a reconnect: `event` less what the caller already saw, or None when it is all a repeat.

        An agent may replay an artifact from its start on a new subscription (`append=false` with the text on
        screen, or a prefix of it, then the following chunks): the replayed text is dropped up to where the
        caller's view ends, and only what goes beyond it is passed on, as an append."""
        update = event.get("artifactUpdate")
        artifact = update.get("artifact") if isinstance(update, dict) else None
        aid = artifact.get("artifactId") if isinstance(artifact, dict) else None
        if not isinstance(update, dict) or not isinstance(artifact, dict) or not isinstance(aid, str):
            return event
        seen = self.artifacts.get(aid)
        if seen is None:
            return event
        parts = list(artifact.get("parts") or [])
        seen_text, text = _text_of(seen), _text_of(parts)
        if update.get("append"):
            cursor = self.replaying.pop(aid, None)
            if cursor is None or seen_text is None or text is None:
                return event
            ahead = seen_text[cursor:]
            if ahead.startswith(text) and len(text) < len(ahead):
                self.replaying[aid] = cursor + len(text)
                return None
            if not text.startswith(ahead):
                return event  # the replay went elsewhere: show what the agent sends
            rest = text[len(ahead) :]
        else:
            self.replaying.pop(aid, None)
            if parts == seen:
                return None
            if seen_text is None or text is None:
                return event
            if seen_text.startswith(text):
                self.replaying[aid] = len(text)  # the agent starts the artifact over: a replay
                return None
            if not text.startswith(seen_text):
                return event  # a new version of the artifact: shown whole
            rest = text[len(seen_text) :]
        if not rest:
            return None
        shown = {**artifact, "parts": [{"text": rest}]}
        return {"artifactUpdate": {**update, "artifact": shown, "append": True}}

    def reconcile(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        """The StreamResponses that bring the caller from what it saw to `task` — nothing it already saw."""
        self._ids(task.get("id"), task.get("contextId"))
        task_id, context_id = self.task_id or "", self.context_id or ""
        out: list[dict[str, Any]] = []
        status = task.get("status") if isinstance(task.get("status"), dict) else {}
        state = status.get("state") if isinstance(status, dict) else None
        ending = state in FINAL_STATES
        for artifact in task.get("artifacts") or []:
            if not isinstance(artifact, dict) or not isinstance(artifact.get("artifactId"), str):
                continue
            aid = artifact["artifactId"]
            parts = list(artifact.get("parts") or [])
            seen = self.artifacts.get(aid)
            delta: list[dict[str, Any]] | None
            append = True
            if seen is None:
                delta, append = parts, False
            elif parts[: len(seen)] == seen:
                delta = parts[len(seen) :]
            else:
                seen_text, now_text = _text_of(seen), _text_of(parts)
                if seen_text is not None and now_text is not None and now_text.startswith(seen_text):
                    rest = now_text[len(seen_text) :]
                    delta = [{"text": rest}] if rest else []
                else:
                    delta, append = parts, False  # the artifact was replaced: show the new one whole
            self.artifacts[aid] = parts
            if not delta and append:
                continue
            shown = {k: v for k, v in artifact.items() if k != "parts"}
            shown["parts"] = copy.deepcopy(delta)
            out.append(
                {
                    "artifactUpdate": {
                        "taskId": task_id,
                        "contextId": context_id,
                        "artifact": shown,
                        "append": append,
                        "lastChunk": ending,
                    }
                }
            )
        if isinstance(status, dict) and status and _status_key(status) != self.status_key:
            out.append({"statusUpdate": {"taskId": task_id, "contextId": context_id, "status": status}})
        self.saw_event = True
        self._status(status)
        return out


OVERLAP_WINDOW = 16  # how many trailing snapshot parts a live event may repeat
OVERLAP_EVENTS = 64  # only the first events after a snapshot are suspect


class SnapshotOverlap:
    """Drops live artifact events that only repeat what the subscription's first Task already contained.

    An agent may take the Task snapshot a moment after it starts tapping live events (the a2a-sdk does: tap,
    then read the store), so the first few live chunks can repeat the snapshot's last parts. A chunk that
    matches the snapshot's tail is held back; when held chunks reach the snapshot's end exactly they were
    repeats and are dropped; as soon as one does not match, everything held is released, in order.
    Unconfirmed chunks are released at the end of the stream (and dropped with it if the stream breaks: the
    next snapshot carries them).
    """

    def __init__(self) -> None:
        self.snapshot: dict[str, list[Any]] = {}
        self.candidates: dict[str, set[int]] = {}
        self.held: list[dict[str, Any]] = []
        self.held_for: str | None = None
        self.budget = 0

    def arm(self, task: dict[str, Any]) -> None:
        self.budget = OVERLAP_EVENTS
        self.snapshot = {
            a["artifactId"]: list(a.get("parts") or [])
            for a in task.get("artifacts") or []
            if isinstance(a, dict) and isinstance(a.get("artifactId"), str) and a.get("parts")
        }
        self.candidates = {}

    def flush(self) -> list[dict[str, Any]]:
        held, self.held, self.held_for = self.held, [], None
        if held:
            self.snapshot.pop(str(_artifact_id(held[0])), None)
        return held

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.snapshot:
            return [event]
        self.budget -= 1
        if self.budget < 0:
            released = self.flush()
            self.snapshot = {}
            return [*released, event]
        update = event.get("artifactUpdate")
        aid = _artifact_id(event)
        if not isinstance(update, dict) or aid is None or aid not in self.snapshot:
            return [*self.flush(), event]
        if self.held_for not in (None, aid):
            released = self.flush()
            return [*released, *self.feed(event)]
        artifact = update.get("artifact")
        parts = list(artifact.get("parts") or []) if isinstance(artifact, dict) else []
        if not parts:
            return [*self.flush(), event]
        snap = self.snapshot[aid]
        end = len(snap)
        if aid in self.candidates:
            starts: Any = self.candidates[aid]
        elif update.get("append"):
            starts = range(max(0, end - OVERLAP_WINDOW), end)
        else:
            starts = (0,)
        reach = {j + len(parts) for j in starts if j + len(parts) <= end and snap[j : j + len(parts)] == parts}
        if end in reach:  # the held chunks and this one are exactly the snapshot's tail: repeats
            self.held, self.held_for = [], None
            self.candidates.pop(aid, None)
            del self.snapshot[aid]
            return []
        if reach:
            self.held.append(event)
            self.held_for = aid
            self.candidates[aid] = reach
            return []
        self.candidates.pop(aid, None)
        del self.snapshot[aid]
        held, self.held, self.held_for = self.held, [], None
        return [*held, event]


def _artifact_id(event: dict[str, Any]) -> str | None:
    update = event.get("artifactUpdate")
    artifact = update.get("artifact") if isinstance(update, dict) else None
    aid = artifact.get("artifactId") if isinstance(artifact, dict) else None
    return aid if isinstance(aid, str) else None


def _status_key(status: dict[str, Any]) -> str:
    message = status.get("message")
    message_id = message.get("messageId") if isinstance(message, dict) else None
    return f"{status.get('state')}|{message_id or ''}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ProtocolError):
        return f"{exc.code}: {exc.message}"[:200]
    if isinstance(exc, A2ACliError):
        return exc.message[:200]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


async def resilient_events(
    open_stream: Callable[[], AsyncIterator[dict[str, Any]]],
    source: TaskSource,
    *,
    task_id: str | None = None,
    policy: ResumePolicy | None = None,
    on_notice: Callable[[ResumeNotice], None] | None = None,
    resume_command: Callable[[str], str] | None = None,
    ledger: StreamLedger | None = None,
    rng: random.Random | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yield the StreamResponses of `open_stream()`, resuming through `source` until a final state."""
    policy = policy or ResumePolicy()
    book = ledger or StreamLedger(task_id=task_id)
    deadline = None if policy.timeout is None else time.monotonic() + policy.timeout
    command = resume_command or (lambda tid: f"a2a task subscribe {tid}")

    def remaining() -> float | None:
        return None if deadline is None else deadline - time.monotonic()

    def timed_out() -> DeadlineExpired:
        where = f" (task {book.task_id}, state {book.state or 'unknown'})" if book.task_id else ""
        hint = command(book.task_id) if book.task_id else None
        return DeadlineExpired(f"--timeout expired before the task reached a final state{where}", hint=hint)

    def gave_up(reason: str) -> A2ACliError:
        message = f"the event stream dropped and could not be resumed after {reconnects} attempt(s): {reason}" + (
            f" (task {book.task_id}, last state {book.state or 'unknown'})" if book.task_id else ""
        )
        hint = command(book.task_id) if book.task_id else "run the command again"
        if isinstance(failure, TimeoutExpiredError):  # the agent went silent: its read timeout, exit 5
            return TimeoutExpiredError(message, hint=hint)
        if answered:
            # The agent is there and answers every subscription, with a stream that breaks: not a connection
            # that fails (exit 3) but an agent response that is not valid A2A (exit 1, SPEC §11.6).
            return ProtocolError("InvalidAgentResponseError", message, hint=hint)
        return UnreachableError(message, hint=hint)

    async def next_event(iterator: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
        left = remaining()
        if left is None:
            return await iterator.__anext__()
        if left <= 0:
            raise timed_out()
        try:
            return await asyncio.wait_for(iterator.__anext__(), left)
        except TimeoutError:
            raise timed_out() from None

    overlap = SnapshotOverlap()  # per stream: what its first Task already showed
    replay = book.saw_event  # a stream after a drop (here or the caller's) may replay what was shown
    mark = book.mark()
    answered = False  # the current stream produced at least one event
    stalls = 0
    attempt = 0  # consecutive failures
    reconnects = 0
    resumed = False
    polling = False
    stream: AsyncIterator[dict[str, Any]] | None = open_stream()
    while True:
        reason = "the stream ended before a final state"
        failure: Exception | None = None
        if not polling:
            assert stream is not None
            try:
                while True:
                    try:
                        event = await next_event(stream)
                        answered = True
                    except StopAsyncIteration:
                        for shown in overlap.flush():  # held back as possible repeats, never confirmed
                            if replay and (unseen := book.unseen(shown)) is not None:
                                shown = unseen
                            elif replay:
                                continue
                            book.observe(shown)
                            yield shown
                        break
                    if isinstance(event.get("task"), dict):
                        overlap.arm(event["task"])
                        if book.saw_event:
                            # A re-delivered snapshot (resubscribe, or an agent's closing Task): only what is new.
                            for delta in book.reconcile(event["task"]):
                                yield delta
                        else:
                            book.observe(event)
                            yield event
                    else:
                        for shown in overlap.feed(event):
                            if replay:
                                unseen = book.unseen(shown)
                                if unseen is None:
                                    continue
                                shown = unseen
                            book.observe(shown)
                            yield shown
                    if resumed and book.mark() != mark:
                        # The reconnect brought something new (not just the snapshot replayed): budget whole again.
                        attempt, stalls, resumed = 0, 0, False
                    if book.final:
                        return
            except ProtocolError as exc:
                # The first stream's own errors are the caller's, unless it is a subscription by task id.
                first_attempt = not reconnects and task_id is None
                if not book.task_id or exc.code not in _CANNOT_SUBSCRIBE or first_attempt:
                    raise
                # Cannot (re)subscribe: the task may have ended in the gap, or the agent cannot stream it.
                polling = True
                if on_notice is not None:
                    on_notice(ResumeNotice("polling", book.task_id, attempt, policy.poll_interval, _describe(exc)))
            except Exception as exc:
                if isinstance(exc, DeadlineExpired) or not is_transient(exc):
                    raise
                reason, failure = _describe(exc), exc
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    with contextlib.suppress(Exception):
                        await aclose()
            if book.final:
                return
        if polling:
            async for delta in _poll(book, source, policy, remaining, timed_out, on_notice, rng):
                yield delta
            return
        if not book.task_id:
            raise UnreachableError(
                f"the event stream dropped before the agent named a task: {reason}",
                hint="nothing was started that can be resumed; run the command again",
            )
        attempt += 1
        reconnects += 1
        if resumed and answered:
            stalls += 1  # the agent answered the resubscribe, then went quiet or closed with nothing new
        if attempt > policy.max_attempts or stalls > policy.max_stalls or reconnects > policy.max_reconnects:
            raise gave_up(reason)
        delay = backoff_delay(attempt, policy, rng)
        left = remaining()
        if left is not None and left <= delay:
            raise timed_out()
        if on_notice is not None:
            on_notice(ResumeNotice("dropped", book.task_id, attempt, delay, reason))
        await asyncio.sleep(delay)
        overlap = SnapshotOverlap()  # held events of the dropped stream are dropped too: the snapshot has them
        stream = source.subscribe(book.task_id)
        resumed, answered, replay = True, False, True
        mark = book.mark()
        if on_notice is not None:
            on_notice(ResumeNotice("resubscribed", book.task_id, attempt, 0.0, "SubscribeToTask"))


async def _poll(
    book: StreamLedger,
    source: TaskSource,
    policy: ResumePolicy,
    remaining: Callable[[], float | None],
    timed_out: Callable[[], Exception],
    on_notice: Callable[[ResumeNotice], None] | None,
    rng: random.Random | None,
) -> AsyncIterator[dict[str, Any]]:
    """GetTask until a final state, yielding only what each snapshot adds."""
    assert book.task_id is not None
    interval = policy.poll_interval
    failures = 0
    while True:
        try:
            task = await source.get_task(book.task_id)
        except Exception as exc:
            if not is_transient(exc):
                raise
            failures += 1
            if failures > policy.max_attempts:
                raise
            delay = backoff_delay(failures, policy, rng)
            if on_notice is not None:
                on_notice(ResumeNotice("dropped", book.task_id, failures, delay, _describe(exc)))
        else:
            failures = 0
            if not book.saw_event:
                book.observe({"task": task})  # nothing shown yet: the first event is the full Task
                yield {"task": task}
            else:
                for delta in book.reconcile(task):
                    yield delta
            if book.final:
                return
            delay = interval
            interval = min(interval * 1.5, policy.max_poll_interval)
        left = remaining()
        if left is not None and left <= 0:
            raise timed_out()
        await asyncio.sleep(delay if left is None else min(delay, left))


@dataclass(frozen=True)
class PollPolicy:
    interval: float = 2.0  # first wait between two GetTask calls
    max_interval: float = 10.0  # bounded backoff: the wait grows by `factor` up to this
    factor: float = 1.5
    timeout: float | None = None
    max_failures: int = 5  # consecutive transient failures tolerated


async def wait_for_task(
    source: TaskSource,
    task_id: str,
    *,
    policy: PollPolicy,
    history_length: int | None = None,
    on_poll: Callable[[dict[str, Any]], None] | None = None,
    on_retry: Callable[[int, float, str], None] | None = None,
    resume_command: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """GetTask until a terminal or interrupted state (SPEC §9.3) and return that Task.

    UNSPECIFIED and unknown states keep polling. Bounded backoff; never a busy loop; `--timeout` raises
    DeadlineExpired with the command that picks the wait up again. `on_poll` sees every snapshot.
    """
    deadline = None if policy.timeout is None else time.monotonic() + policy.timeout
    interval = max(policy.interval, 0.01)
    failures = 0
    last: dict[str, Any] | None = None
    command = resume_command or (lambda tid: f"a2a task get {tid} --wait")
    while True:
        try:
            task = await source.get_task(task_id, history_length)
        except Exception as exc:
            if not is_transient(exc) or failures >= policy.max_failures:
                raise
            failures += 1
            delay = min(policy.max_interval, interval * policy.factor**failures)
            if on_retry is not None:
                on_retry(failures, delay, _describe(exc))
        else:
            failures = 0
            last = task
            if on_poll is not None:
                on_poll(task)
            status = task.get("status")
            state = status.get("state") if isinstance(status, dict) else None
            if state in FINAL_STATES:
                return task
            delay = interval
            interval = min(interval * policy.factor, max(policy.max_interval, policy.interval))
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                state = None
                if last is not None and isinstance(last.get("status"), dict):
                    state = last["status"].get("state")
                raise DeadlineExpired(
                    f"--timeout expired while waiting for task {task_id} (last state {state or 'unknown'})",
                    hint=command(task_id),
                )
            delay = min(delay, left)
        await asyncio.sleep(delay)
