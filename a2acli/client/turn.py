"""One turn with an agent (`a2a send`, `a2a stream`): send, follow, resume, and what happens at its edges.

`run_turn(settings, plan, presenter)` opens the connection, runs the turn's events (`client.conversation`:
streamed, polled or `--async`; or `push.session` for `--push`) into the presenter, then reads the final task
when the presenter shows only that, saves the artifacts for `--download`, and reports how the turn ended. On
Ctrl-C it asks the agent to cancel the task (`--cancel-on-interrupt`); on Ctrl-C, `--timeout` or an error the
presenter gets the ids and the error names the command that resumes.

It never writes anything: events go to `presenter.event`, everything else to `presenter.notice` (typed notices,
`a2acli.render.notices`). The one async boundary is the caller's `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from a2acli.client.connection import AgentConnection, deadline, open_connection
from a2acli.client.conversation import TurnOptions, conversation
from a2acli.errors import A2ACliError, DeadlineExpired, Interrupted, ProtocolError, TimeoutExpiredError
from a2acli.render import notices
from a2acli.render.events import message_text, short_state
from a2acli.render.events_output import TurnIds
from a2acli.render.task import TaskAccumulator

if TYPE_CHECKING:
    from a2acli.client.resume import ResumeNotice
    from a2acli.render.events_output import Presenter
    from a2acli.settings import ConnectionSettings


@dataclass(frozen=True)
class TurnPlan:
    """What the turn is asked to do, as the command's options said it."""

    request: dict[str, Any]  # a SendMessageRequest
    async_: bool = False
    streaming: bool = False
    push: bool = False
    poll_interval: float = 2.0
    timeout: float | None = None
    cancel_on_interrupt: bool = False
    download: Path | None = None
    debug: bool = False
    # The commands that continue from where the turn stands (for hints): from the CLI's own spelling.
    follow_up: Callable[[TurnIds], list[str]] = lambda ids: []


async def run_turn(
    settings: ConnectionSettings,
    plan: TurnPlan,
    presenter: Presenter,
    *,
    connection: AgentConnection | None = None,
) -> None:
    """One turn; on `connection` when given (`a2a chat` keeps one open across its turns), else on a connection
    opened for it and closed after."""
    await _Turn(settings, plan, presenter, connection).run()


class _Turn:
    def __init__(
        self,
        settings: ConnectionSettings,
        plan: TurnPlan,
        presenter: Presenter,
        connection: AgentConnection | None = None,
    ) -> None:
        self.settings = settings
        self.connection = connection
        self.plan = plan
        self.presenter = presenter
        self.ids = TurnIds()
        self._foreign_warned = False

    async def run(self) -> None:
        self.presenter.start(self.ids)
        try:
            opened = (
                open_connection(self.settings) if self.connection is None else contextlib.nullcontext(self.connection)
            )
            async with deadline(self.plan.timeout), opened as conn:
                try:
                    await self._turn(conn)
                except asyncio.CancelledError:
                    await self._cancel_remote(conn)  # while the connection is still open
                    raise
        except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels the turn
            self.presenter.abort(self.ids)
            raise Interrupted("interrupted" + self._where(), hint=self._hint() or _NOTHING_STARTED) from None
        except TimeoutExpiredError as exc:
            self.presenter.abort(self.ids)
            if not self.ids.task_id:
                raise
            message = f"--timeout expired before the task finished{self._where()}"
            raise DeadlineExpired(message, hint=self._hint()) from exc
        except A2ACliError as exc:
            if self.ids.task_id:
                self.presenter.abort(self.ids)
            elif self.plan.request["message"].get("taskId") and isinstance(exc, ProtocolError):
                exc.hint = exc.hint or "the agent rejected --task-id; no new task was started (see --debug)"
            raise
        finally:
            self.presenter.close()

    # ------------------------------------------------------------------------------------------------ the events

    async def _turn(self, conn: AgentConnection) -> None:
        plan, presenter, ids = self.plan, self.presenter, self.ids
        if plan.streaming and not conn.supports_streaming and not plan.async_:
            presenter.notice(notices.NotStreaming())
        acc = TaskAccumulator()
        accumulate = presenter.wants_result
        wants = presenter.wants_events
        raw = presenter.takes_raw
        conn.keep_raw = raw  # the events' own compact text, written as is (no re-encoding per event)
        track = self._track
        async with contextlib.aclosing(self._events(conn)) as events:
            async for event in events:
                # Artifact chunks carry no state: once the ids are known they need no bookkeeping.
                if ids.task_id is None or "artifactUpdate" not in event:
                    track(event)
                if accumulate:
                    acc.apply(event)
                if not wants:
                    continue
                text = conn.last_raw if raw and conn.last_event is event else None
                if text is None:
                    presenter.event(event)
                else:
                    presenter.raw_event(text)
        result = await self._final(conn, acc.result())
        presenter.finish(result, ids)
        presenter.notice(self._outcome(result))
        if plan.download is not None:
            await self._save(conn, result, plan.download)

    def _events(self, conn: AgentConnection) -> Any:
        plan = self.plan
        if plan.push:
            from a2acli.push.session import push_turn  # the webhook receiver: only a --push turn loads it

            return push_turn(
                conn,
                plan.request,
                timeout=plan.timeout,
                idle=plan.poll_interval,
                resume_command=self._resume_command,
                on_ready=lambda session: self.presenter.notice(notices.PushReceiving(session.receiver.url)),
            )
        options = TurnOptions(
            async_=plan.async_,
            poll_interval=plan.poll_interval,
            timeout=plan.timeout,
            resume_command=self._resume_command,
        )
        return conversation(conn, plan.request, options, on_notice=self._resume_notice, on_foreign=self._foreign)

    def _track(self, event: dict[str, Any]) -> None:
        ids = self.ids
        for key in ("task", "statusUpdate", "artifactUpdate", "message"):
            body = event.get(key)
            if not isinstance(body, dict):
                continue
            tid = body.get("id") if key == "task" else body.get("taskId")
            cid = body.get("contextId")
            if isinstance(tid, str) and tid and ids.task_id is None:
                ids.task_id = tid
            if isinstance(cid, str) and cid and ids.context_id is None:
                ids.context_id = cid
            status = body.get("status")
            if isinstance(status, dict) and isinstance(status.get("state"), str):
                ids.state = status["state"]
            if key == "message" and isinstance(body.get("messageId"), str):
                ids.message_id = body["messageId"]
            return

    def _resume_notice(self, notice: ResumeNotice) -> None:
        if notice.kind == "dropped":
            self.presenter.notice(notices.StreamDropped(notice.reason, notice.delay))
        elif notice.kind == "polling":
            self.presenter.notice(notices.PollingInstead(notice.reason))
        elif self.plan.debug:
            self.presenter.notice(notices.Resubscribed(notice.task_id))

    def _foreign(self, other: str) -> None:
        if not self._foreign_warned:
            self._foreign_warned = True
            self.presenter.notice(notices.ForeignEvents(other))

    # ------------------------------------------------------------------------------------------------ the end

    async def _final(self, conn: AgentConnection, built: dict[str, Any] | None) -> dict[str, Any] | None:
        """The terminal object: the task as the agent now holds it (GetTask) when the presenter shows only
        that, else what the events built."""
        if self.plan.async_ or not self.ids.task_id or self.presenter.wants_events:
            return built
        try:
            task = await conn.get_task(self.ids.task_id)
        except A2ACliError:
            return built
        status = task.get("status")
        if isinstance(status, dict) and isinstance(status.get("state"), str):
            self.ids.state = status["state"]
        return {"task": task}

    def _outcome(self, result: dict[str, Any] | None) -> notices.Outcome:
        task = (result or {}).get("task")
        status = task.get("status") if isinstance(task, dict) else None
        message = status.get("message") if isinstance(status, dict) else None
        detail = message_text(message) if isinstance(message, dict) else ""
        follow_up = tuple(self.plan.follow_up(self.ids))
        return notices.Outcome(self.ids.task_id, self.ids.state, detail, follow_up)

    async def _save(self, conn: AgentConnection, result: dict[str, Any] | None, folder: Path) -> None:
        """`--download DIR`: every artifact part of the task as the agent now holds it, into DIR."""
        from a2acli.client.download import download_artifacts  # only a --download turn loads it

        task = (result or {}).get("task")
        if self.ids.task_id:
            with contextlib.suppress(A2ACliError):  # else keep what the events built
                task = await conn.get_task(self.ids.task_id)
        if not isinstance(task, dict):
            self.presenter.notice(notices.NothingToDownload())
            return
        saved = await download_artifacts(task, folder.expanduser())
        for item in saved.saved:
            self.presenter.notice(notices.ArtifactSaved(str(item.path), item.media_type, item.size))
        for skip in saved.skipped:
            self.presenter.notice(notices.ArtifactSkipped(skip.artifact_id, skip.part_index, skip.reason))

    async def _cancel_remote(self, conn: AgentConnection) -> None:
        if not self.plan.cancel_on_interrupt or not self.ids.task_id:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                task = await conn.cancel_task(self.ids.task_id)
                status = task.get("status")
                state = status.get("state") if isinstance(status, dict) else None
                self.ids.state = state if isinstance(state, str) else self.ids.state
                self.presenter.notice(notices.CancelRequested(self.ids.task_id))

    # ------------------------------------------------------------------------------------------------ hints

    def _resume_command(self, task_id: str) -> str:
        ids = TurnIds(task_id=task_id, context_id=self.ids.context_id, state=self.ids.state)
        found = self.plan.follow_up(ids)
        return found[0] if found else f"a2a task get {task_id} --wait"

    def _where(self) -> str:
        if not self.ids.task_id:
            return ""
        return f" (task {self.ids.task_id}, context {self.ids.context_id or '?'}, state {short_state(self.ids.state)})"

    def _hint(self) -> str | None:
        return " · ".join(self.plan.follow_up(self.ids)) or None


_NOTHING_STARTED = "nothing was started that can be resumed"
