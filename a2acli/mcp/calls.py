"""Each MCP tool as a thin call into the client code the commands use: `client.card_fetch` and `cards/` for cards,
`client.turn.run_turn` for a send (as `a2a send` / `a2a stream`), `client.tasks` for tasks (as `a2a task`).

No second client: a call gets its settings from `agents.AgentPolicy`, runs one of those functions, and returns an
`Outcome` (the protocol objects, credentials scrubbed, and a short summary). Progress goes to a callback; nothing
here writes anything, nor imports the `mcp` SDK. Errors are the typed errors of `a2acli.errors`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from a2acli.errors import DeadlineExpired, Interrupted, UsageError
from a2acli.mcp import summary

if TYPE_CHECKING:
    from a2acli.mcp.agents import AgentPolicy, Target
    from a2acli.render.events_output import TurnIds
    from a2acli.render.notices import Notice

Progress = Callable[[str], None]


@dataclass
class Outcome:
    """One tool result: structured content (protocol objects) and its text summary."""

    structured: dict[str, Any]
    summary: str


def _finish(structured: dict[str, Any], text: str) -> Outcome:
    """Credentials scrubbed from what the agent returned (an agent may echo them), then the size bound."""
    from a2acli.redact import redact, scrub_json

    clean, cut = summary.bounded(scrub_json(structured))
    if cut:
        clean = {**clean, "truncated": True}
        text += f"\nNote: the result was larger than {summary.MAX_RESULT_BYTES} bytes: long strings were cut."
    return Outcome(clean, redact(text))


# ------------------------------------------------------------------------------------------------------ cards


async def _card(target: Target) -> Any:
    from a2acli.client.card_fetch import CardRequest, load_card

    return await load_card(CardRequest(target.settings))


async def get_card(target: Target) -> Outcome:
    from a2acli.client.card_resolver import provenance_notes

    result = await _card(target)
    card = result.card
    notes = list(provenance_notes(card.notes))
    structured = {"agent": target.reference, "source": card.source, "card": card.document, "notes": notes}
    return _finish(structured, summary.card_summary(card.document, card.source))


async def validate_card(target: Target, *, strict: bool) -> Outcome:
    """The card's validation report (as `a2a card validate -o json`); an invalid card is a result, not an error."""
    from a2acli.cards.verdict import validation

    result = await _card(target)
    card = result.card
    verdict = validation(card.document, source=card.source, raw_size=len(card.raw), strict=strict)
    report = verdict.report.to_dict(strict=strict)
    return _finish({"agent": target.reference, "report": report}, summary.report_summary(report))


async def list_skills(target: Target) -> Outcome:
    result = await _card(target)
    document = result.card.document
    skills = [s for s in document.get("skills") or [] if isinstance(s, dict)]
    name = document.get("name") if isinstance(document.get("name"), str) else target.reference
    return _finish({"agent": target.reference, "skills": skills}, summary.skills_summary(skills, name))


async def list_agents(policy: AgentPolicy, timeout: float) -> Outcome:
    """The pinned agents, each with its card's name and description (or why its card could not be read)."""
    from a2acli.errors import A2ACliError

    async def one(pin: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"agent": pin}
        try:
            async with asyncio.timeout(timeout):
                card = (await _card(policy.target(pin))).card.document
        except (A2ACliError, TimeoutError) as exc:
            entry["error"] = getattr(exc, "code", "A2ACLI_ERR_TIMEOUT")
            return entry
        for key in ("name", "description", "version"):
            if isinstance(card.get(key), str):
                entry[key] = card[key]
        entry["skills"] = [s.get("id") for s in card.get("skills") or [] if isinstance(s, dict)]
        return entry

    agents = list(await asyncio.gather(*(one(pin) for pin in policy.pins)))
    lines = [policy.describe()]
    for entry in agents:
        if "error" in entry:
            lines.append(f"- {summary.untrusted_line(entry['agent'], 300)}: card not readable [{entry['error']}]")
        else:
            lines.append(
                f"- {summary.untrusted_line(entry['agent'], 300)}: {summary.untrusted_line(entry.get('name'))}"
                f" — {summary.untrusted_line(entry.get('description') or '', 300)}"
            )
    return _finish({"agents": agents, "allowAnyAgent": policy.allow_any}, "\n".join(lines))


# ------------------------------------------------------------------------------------------------------ messages


_PART_KINDS = ("text", "data", "url", "raw")
_PART_EXTRAS = frozenset({"mediaType", "filename", "metadata"})


def message_parts(text: str | None, parts: Any) -> list[dict[str, Any]]:
    """The message's parts: `text` first, then the A2A 1.0 Part objects given (text, data, url or raw/base64).

    Nothing is read from the user's disk: a file goes by URL or inline bytes, as the model holds it."""
    out: list[dict[str, Any]] = []
    if text:
        out.append({"text": text})
    for index, part in enumerate(parts or []):
        if not isinstance(part, dict):
            raise UsageError(f"parts[{index}] is not an object", hint='e.g. {"text": "..."} or {"data": {...}}')
        kinds = [k for k in _PART_KINDS if k in part]
        unknown = sorted(set(part) - set(_PART_KINDS) - _PART_EXTRAS)
        if len(kinds) != 1 or unknown:
            raise UsageError(
                f"parts[{index}] must hold exactly one of text, data, url, raw"
                + (f" (unknown fields: {', '.join(unknown)})" if unknown else ""),
                hint="an A2A 1.0 Part: text, data (JSON), url (a file by reference) or raw (base64 bytes)",
            )
        kind = kinds[0]
        if kind in ("text", "url", "raw") and not isinstance(part[kind], str):
            raise UsageError(f"parts[{index}].{kind} must be a string")
        if kind == "raw":
            import base64
            import binascii

            try:
                base64.b64decode(part["raw"], validate=True)
            except (binascii.Error, ValueError):
                raise UsageError(f"parts[{index}].raw is not base64") from None
        out.append(dict(part))
    if not out:
        raise UsageError("nothing to send", hint="pass `text` (or `parts`)")
    return out


class TurnCollector:
    """A `Presenter` for one turn run by `client.turn.run_turn`: it writes nothing; it keeps the final object and
    the notes, and hands each event to `progress` (send-and-follow)."""

    takes_raw = False

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.wants_events = progress is not None
        self.wants_result = True
        self.result: dict[str, Any] | None = None
        self.ids: TurnIds | None = None
        self.notes: list[str] = []
        self.events = 0

    def start(self, ids: TurnIds | None = None) -> None:
        self.ids = ids

    def event(self, event: dict[str, Any]) -> None:
        self.events += 1
        if self.progress is not None:
            self.progress(summary.event_progress(event))

    def raw_event(self, text: str) -> None:  # takes_raw is False: never called
        import json

        self.event(json.loads(text))

    def notice(self, notice: Notice) -> None:
        from a2acli.render.notices import Outcome as TurnOutcome
        from a2acli.render.notices import notice_lines

        if isinstance(notice, TurnOutcome):
            return  # the result says how the turn ended
        self.notes += notice_lines(notice, json_output=True)

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        self.result = result
        self.ids = ids

    def abort(self, ids: TurnIds) -> None:
        self.ids = ids

    def close(self) -> None:
        pass


def _tool_hint(ids: TurnIds) -> list[str]:
    """What continues a turn, in this server's terms (the CLI's own commands mean nothing to a model)."""
    if not ids.task_id:
        return []
    return [f"call get_task or subscribe_task with task_id {ids.task_id}"]


async def send(
    target: Target,
    request: dict[str, Any],
    *,
    timeout: float,
    progress: Progress | None = None,
) -> Outcome:
    """One turn, as `a2a send` (blocking: the final Task or Message) or, with `progress`, as `a2a stream` (each
    event reported as it comes, the Task the events built at the end)."""
    from a2acli.client.turn import TurnPlan, run_turn

    plan = TurnPlan(
        request=request,
        streaming=progress is not None,
        poll_interval=1.0,
        timeout=timeout,
        follow_up=_tool_hint,
    )
    collector = TurnCollector(progress)
    try:
        await run_turn(target.settings, plan, collector)
    except Interrupted:
        # The MCP client canceled the call (notifications/cancelled): nobody waits for this task any more.
        if collector.ids is not None and collector.ids.task_id:
            await _cancel_quietly(target, collector.ids.task_id)
        raise
    result = collector.result
    structured: dict[str, Any] = {"agent": target.reference, **(result or {})}
    structured["text"] = summary.result_text(result)
    if progress is not None:
        structured["events"] = collector.events
    return _finish(structured, summary.result_summary(result, notes=collector.notes))


async def _cancel_quietly(target: Target, task_id: str) -> None:
    """CancelTask, shielded from the cancellation that got us here (the SDK's cancel scope would end any await
    inside it at once), bounded, and silent: the call is over whatever the agent says."""
    import anyio

    from a2acli.client.tasks import cancel_task as cancel
    from a2acli.errors import A2ACliError

    with anyio.CancelScope(shield=True), anyio.move_on_after(5), contextlib.suppress(A2ACliError):
        await cancel(target.settings, task_id, hint="")


# ------------------------------------------------------------------------------------------------------ tasks


async def get_task(target: Target, task_id: str, history_length: int | None) -> Outcome:
    from a2acli.client.tasks import get_task as fetch

    task = await fetch(
        target.settings,
        task_id,
        history=history_length,
        wait=None,
        on_poll=lambda _task: None,
        on_retry=lambda _n, _delay, _why: None,
        resume="",
    )
    return _task_outcome(target, task)


def _task_outcome(target: Target, task: dict[str, Any], **extra: Any) -> Outcome:
    result = {"task": task}
    structured = {"agent": target.reference, **result, "text": summary.result_text(result), **extra}
    return _finish(structured, summary.result_summary(result))


async def list_tasks(
    target: Target,
    *,
    context_id: str | None,
    status: str | None,
    page_size: int | None,
    page_token: str | None,
) -> Outcome:
    from a2acli.client.tasks import list_request
    from a2acli.client.tasks import list_tasks as page_through
    from a2acli.protocol import TASK_STATES

    if status is not None:
        wanted = status.strip().upper().replace("-", "_")
        status = wanted if wanted.startswith("TASK_STATE_") else "TASK_STATE_" + wanted
        if status not in TASK_STATES:
            raise UsageError(f"unknown task state {status!r}", hint="e.g. working, completed, input-required")
    params = list_request(
        status=status,
        context_id=context_id,
        page_size=page_size,
        page_token=page_token,
        history=0,
        include_artifacts=False,
    )
    pages: list[dict[str, Any]] = []
    await page_through(target.settings, params, all_pages=False, on_page=pages.append)
    page = pages[0] if pages else {"tasks": []}
    return _finish({"agent": target.reference, **page}, summary.task_page_summary(page))


async def cancel_task(target: Target, task_id: str) -> Outcome:
    from a2acli.client.tasks import cancel_task as cancel

    task, already = await cancel(target.settings, task_id, hint="call get_task to see its state")
    outcome = _task_outcome(target, task, alreadyCanceled=already)
    if already:
        outcome.summary += "\nNote: the task was canceled already."
    return outcome


async def subscribe(target: Target, task_id: str, *, wait: float, progress: Progress | None) -> Outcome:
    """SubscribeToTask, resumed across drops, for at most `wait` seconds: the task when it reaches a final state,
    else (the wait is over) the task as it stands, `finished: false`. Each event goes to `progress`."""
    from a2acli.client.resume import ResumePolicy
    from a2acli.client.tasks import follow_task
    from a2acli.client.tasks import get_task as fetch
    from a2acli.protocol import FINAL_STATES
    from a2acli.render.task import TaskAccumulator

    accumulator = TaskAccumulator()

    def shown(event: dict[str, Any]) -> None:
        accumulator.apply(event)
        if progress is not None:
            progress(summary.event_progress(event))

    collector = _Following(shown)
    notes: list[str] = []
    try:
        await follow_task(
            target.settings,
            task_id,
            ResumePolicy(timeout=wait),
            collector,  # type: ignore[arg-type]  # the Presenter protocol, structurally
            split_tasks=False,
            resume="",
            on_notice=lambda notice: notes.append(f"{notice.kind}: {notice.reason}"),
        )
    except DeadlineExpired:
        notes.append(f"the wait of {wait:g}s ended before the task reached a final state")
    built = accumulator.result()
    task = built.get("task") if built else None
    state = task.get("status", {}).get("state") if isinstance(task, dict) else None
    if not isinstance(task, dict) or state not in FINAL_STATES:
        task = await fetch(
            target.settings,
            task_id,
            history=None,
            wait=None,
            on_poll=lambda _task: None,
            on_retry=lambda _n, _delay, _why: None,
            resume="",
        )
    state = task.get("status", {}).get("state") if isinstance(task.get("status"), dict) else None
    outcome = _task_outcome(target, task, finished=state in FINAL_STATES, events=collector.events)
    outcome.summary += "".join(f"\nNote: {summary.untrusted_line(n, 300)}" for n in notes)
    return outcome


class _Following:
    """The presenter `follow_task` drives: every event to `shown`, nothing written."""

    wants_events = True
    wants_result = False
    takes_raw = False

    def __init__(self, shown: Callable[[dict[str, Any]], None]) -> None:
        self.shown = shown
        self.events = 0

    def start(self, ids: TurnIds | None = None) -> None:
        pass

    def event(self, event: dict[str, Any]) -> None:
        self.events += 1
        self.shown(event)

    def raw_event(self, text: str) -> None:
        import json

        self.event(json.loads(text))

    def notice(self, notice: Notice) -> None:
        pass

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        pass

    def abort(self, ids: TurnIds) -> None:
        pass

    def close(self) -> None:
        pass
