"""The checks, one coroutine per requirement ID of `registry` (which says where each applies and what it needs).

A check returns a short note when it passes and raises `CheckFailed` / `CheckSkipped` (probe.fail / probe.skip)
otherwise; a typed error from the client is a failure with its message. Card checks take a `CardProbe`; the
others take the `Probe` of one binding and speak through its connection.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from a2acli.conformance.probe import (
    INTERRUPTED,
    TERMINAL,
    CheckFailed,
    CheckSkipped,
    Probe,
    RawReply,
    event_kind,
    event_state,
    expect,
    expect_error,
    fail,
    skip,
    state_of,
    task_of,
    tck_message_id,
    user_message,
)
from a2acli.errors import A2A_ERRORS_BY_JSONRPC_CODE, A2A_ERRORS_BY_REASON, A2ACliError, ProtocolError
from a2acli.protocol import GRPC, HTTP_JSON, JSONRPC

if TYPE_CHECKING:
    import httpx

    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.protocol import JSONObject, JSONValue

STREAM_EVENTS_MAX = 500
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"
A2A_ERROR_DOMAIN = "a2a-protocol.org"
PUSH_WEBHOOK = "https://example.com/tck-push-webhook"
KNOWN_BINDINGS = frozenset({JSONRPC, HTTP_JSON, GRPC})
JSONRPC_CODES = {name: code for code, name in A2A_ERRORS_BY_JSONRPC_CODE.items()}
REASONS = {name: reason for reason, name in A2A_ERRORS_BY_REASON.items()}
#: A2A §5.4's HTTP statuses, as the TCK (1.0-dev) reads them. Where the released 1.0.1 text differs (it maps
#: TaskNotCancelableError to 400 and ContentTypeNotSupportedError to 400; the TCK's copy to 409 and 415), a status
#: either text gives is accepted for TaskNotCancelableError; ContentTypeNotSupportedError is checked only for a
#: wrong Content-Type header, where 415 is HTTP's own answer too.
HTTP_STATUS: dict[str, tuple[int, ...]] = {
    "TaskNotFoundError": (404,),
    "TaskNotCancelableError": (409, 400),
    "PushNotificationNotSupportedError": (400,),
    "UnsupportedOperationError": (400,),
    "ContentTypeNotSupportedError": (415,),
    "VersionNotSupportedError": (400,),
}

#: A2A §5.4's gRPC status codes (the TCK's `ERROR_BINDINGS`, the same in the released 1.0.1 text).
GRPC_STATUS: dict[str, str] = {
    "TaskNotFoundError": "NOT_FOUND",
    "TaskNotCancelableError": "FAILED_PRECONDITION",
    "PushNotificationNotSupportedError": "UNIMPLEMENTED",
    "UnsupportedOperationError": "UNIMPLEMENTED",
    "VersionNotSupportedError": "UNIMPLEMENTED",
}
GRPC_TEST_EXTENSIONS = ("https://example.com/ext/v1", "https://example.com/ext/v2")


@dataclass
class CardProbe:
    """The card as resolved, and the run's httpx client to fetch it again (its headers, the well-known path);
    no client for a card read from a file."""

    card: ResolvedCard
    client: httpx.AsyncClient | None
    well_known: str


BindingCheck = Callable[[Probe], Awaitable[str]]
CardCheck = Callable[[CardProbe], Awaitable[str]]
BINDING_CHECKS: dict[str, BindingCheck] = {}
CARD_CHECKS: dict[str, CardCheck] = {}


def on_binding(rid: str) -> Callable[[BindingCheck], BindingCheck]:
    def register(fn: BindingCheck) -> BindingCheck:
        BINDING_CHECKS[rid] = fn
        return fn

    return register


def on_card(rid: str) -> Callable[[CardCheck], CardCheck]:
    def register(fn: CardCheck) -> CardCheck:
        CARD_CHECKS[rid] = fn
        return fn

    return register


def unknown_task_id() -> str:
    return f"tck-nonexistent-{uuid.uuid4()}"


# ================================================================================================ the card


def _schema_errors(doc: object, definition: str) -> list[tuple[str, str]]:
    from a2acli.cards.schema import definition_validator

    found = []
    for error in sorted(definition_validator(definition).iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = "".join(f"/{p}" for p in error.absolute_path)
        found.append((where, error.message[:200]))
    return found


REQUIRED_CARD_FIELDS = (
    "name",
    "description",
    "version",
    "capabilities",
    "skills",
    "supportedInterfaces",
    "defaultInputModes",
    "defaultOutputModes",
)


@on_card("CARD-DISC-001")
async def card_discovery(p: CardProbe) -> str:
    if p.client is None:
        expect(isinstance(p.card.document, dict), "the card is not a JSON object")
        return f"card read from {p.card.source}"
    reply = await _fetch_card(p)
    expect(reply.status == 200, f"GET {p.well_known} answered HTTP {reply.status}")
    try:
        doc = json.loads(reply.body)
    except ValueError:
        fail(f"{p.well_known} is not JSON")
    expect(isinstance(doc, dict), f"{p.well_known} is not a JSON object")
    return f"card served at {p.well_known}"


async def _fetch_card(p: CardProbe) -> RawReply:
    assert p.client is not None
    response = await p.client.get(p.well_known, headers={"A2A-Version": "1.0", "Accept": "application/json"})
    return RawReply(response.status_code, dict(response.headers), response.content, None)


@on_card("CARD-STRUCT-001")
async def card_structure(p: CardProbe) -> str:
    doc = p.card.document
    missing = [name for name in REQUIRED_CARD_FIELDS if name not in doc]
    if missing:
        fail(f"required fields missing: {', '.join(missing)}", "")
    errors = _schema_errors(doc, "Agent Card")
    if errors:
        where, message = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        fail(f"{where or '/'}: {message}{more}", where)
    return "valid against the A2A 1.0 AgentCard schema"


@on_card("CARD-PROTO-001")
async def card_interfaces(p: CardProbe) -> str:
    interfaces = p.card.document.get("supportedInterfaces")
    if not isinstance(interfaces, list):
        fail("supportedInterfaces is missing or not a list (an A2A 0.3 card?)", "/supportedInterfaces")
    expect(interfaces, "supportedInterfaces is empty")
    return f"{len(interfaces)} interface(s) declared"


@on_card("CARD-PROTO-002")
async def card_interface_shape(p: CardProbe) -> str:
    interfaces = p.card.document.get("supportedInterfaces")
    items = interfaces if isinstance(interfaces, list) else []
    for index, item in enumerate(items):
        errors = _schema_errors(item, "Agent Interface")
        if errors:
            where, message = errors[0]
            fail(f"supportedInterfaces[{index}]{where}: {message}", f"/supportedInterfaces/{index}{where}")
    return f"{len(items)} interface(s) valid"


@on_card("BIND-FIELD-001")
async def card_bindings(p: CardProbe) -> str:
    interfaces = p.card.document.get("supportedInterfaces")
    items = interfaces if isinstance(interfaces, list) else []
    bindings = {i.get("protocolBinding") for i in items if isinstance(i, dict)}
    unknown = sorted(str(b) for b in bindings - KNOWN_BINDINGS)
    if unknown:
        skip(f"custom binding(s) declared: {', '.join(unknown)}")
    expect(bindings, "no protocol binding declared in supportedInterfaces")
    return ", ".join(sorted(str(b) for b in bindings))


def _card_header(name: str) -> CardCheck:
    async def check(p: CardProbe) -> str:
        if p.client is None:
            skip("the card was read from a file")
        reply = await _fetch_card(p)
        value = reply.headers.get(name.lower())
        expect(value, f"the card endpoint sends no {name} header")
        return f"{name}: {value}"

    return check


CARD_CHECKS["CARD-CACHE-001"] = _card_header("Cache-Control")
CARD_CHECKS["CARD-CACHE-002"] = _card_header("ETag")
CARD_CHECKS["CARD-CACHE-003"] = _card_header("Last-Modified")


# ================================================================================================ send


@on_binding("CORE-SEND-001")
async def send_returns_task_or_message(p: Probe) -> str:
    reply = await p.send("tck-complete-task")
    if "task" in reply:
        return f"a Task ({state_of(task_of(reply)) or 'no state'})"
    expect("message" in reply, "the reply holds neither a task nor a message")
    return "a Message"


@on_binding("CORE-SEND-002")
async def send_to_terminal_task(p: Probe) -> str:
    task = await p.completed_task()
    message = user_message("tck-terminal", "Follow-up to terminal task", taskId=task["id"])
    err = await expect_error(p.conn.send_message({"message": message}))
    return f"refused with {err.code}"


@on_binding("CORE-SEND-003")
async def send_unsupported_media(p: Probe) -> str:
    message: JSONObject = {
        "role": "ROLE_USER",
        "parts": [{"raw": "dGNr", "mediaType": "application/x-unsupported-tck-type"}],
        "messageId": tck_message_id("tck-send-003"),
    }
    try:
        await p.conn.send_message({"message": message})
    except ProtocolError as exc:
        expect(exc.code == "ContentTypeNotSupportedError", f"refused with {exc.code}, not ContentTypeNotSupportedError")
        return f"refused with {exc.code}"
    skip("the agent accepted application/x-unsupported-tck-type: no refusal to check")


@on_binding("CORE-EXECUTION-MODE-001")
async def blocking_send(p: Probe) -> str:
    reply = await p.send("tck-complete-task", returnImmediately=False)
    if "message" in reply:
        return "answered with a Message"
    state = state_of(task_of(reply))
    expect(state in TERMINAL | INTERRUPTED, f"a blocking send returned the task in {state or 'no state'}")
    return state


@on_binding("CORE-EXECUTION-MODE-002")
async def non_blocking_send(p: Probe) -> str:
    reply = await p.send("tck-complete-task", returnImmediately=True)
    expect("task" in reply or "message" in reply, "the reply holds neither a task nor a message")
    return f"answered at once ({state_of(task_of(reply)) or 'a Message'})"


# ================================================================================================ streaming


async def _collect(events: Any, limit: int = STREAM_EVENTS_MAX) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    try:
        async for event in events:
            got.append(event)
            if len(got) >= limit:
                break
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
    return got


async def _stream(p: Probe, scenario: str, text: str = "Hello from a2a conformance") -> list[dict[str, Any]]:
    return await _collect(p.conn.stream_message({"message": user_message(scenario, text)}))


@on_binding("CORE-STREAM-001")
async def stream_opens(p: Probe) -> str:
    events = await _stream(p, "tck-stream-001")
    expect(events, "the stream closed without an event")
    first = event_kind(events[0])
    expect(first in ("task", "message"), f"the first event is a {first}, not a Task or a Message")
    return f"{len(events)} event(s)"


@on_binding("CORE-STREAM-002")
async def stream_message_only(p: Probe) -> str:
    events = await _stream(p, "tck-stream-002")
    expect(events, "the stream closed without an event")
    if event_kind(events[0]) != "message":
        skip("the agent answered with a task stream; there is no message-only stream to check")
    expect(len(events) == 1, f"a message-only stream holds {len(events)} events, not exactly one Message")
    return "one Message, then the stream closed"


@on_binding("CORE-STREAM-003")
async def stream_task_lifecycle(p: Probe) -> str:
    events = await _stream(p, "tck-stream-003")
    expect(events, "the stream closed without an event")
    if event_kind(events[0]) == "message":
        skip("the agent answered with a message-only stream")
    expect(event_kind(events[0]) == "task", f"the stream begins with a {event_kind(events[0])}, not the Task")
    last = next((event_state(e) for e in reversed(events) if event_state(e)), "")
    expect(last in TERMINAL | INTERRUPTED, f"the stream closed with the task in {last or 'no state'}")
    return f"Task first, closed at {last} ({len(events)} events)"


STATE_ORDER = {
    "TASK_STATE_SUBMITTED": 0,
    "TASK_STATE_WORKING": 1,
    "TASK_STATE_INPUT_REQUIRED": 1,
    "TASK_STATE_AUTH_REQUIRED": 1,
    **{s: 2 for s in TERMINAL},
}


@on_binding("STREAM-ORDER-001")
async def stream_order(p: Probe) -> str:
    events = await _stream(p, "tck-stream-ordering-001", "TCK stream ordering test")
    expect(events, "the stream closed without an event")
    highest = -1
    for index, event in enumerate(events):
        state = event_state(event)
        if not state:
            continue
        order = STATE_ORDER.get(state, -1)
        expect(order >= highest, f"event {index}: {state} comes after a later state")
        highest = order
    return f"{len(events)} events in order"


# ================================================================================================ tasks


@on_binding("CORE-GET-001")
async def get_task(p: Probe) -> str:
    task = await p.completed_task()
    got = await p.conn.get_task(task["id"])
    expect(got.get("id") == task["id"], f"GetTask returned task {got.get('id')!r}, not {task['id']!r}")
    state = state_of(got)
    expect(state, "the task has no status.state")
    return state


@on_binding("CORE-GET-002")
async def get_unknown_task(p: Probe) -> str:
    err = await expect_error(p.conn.get_task(unknown_task_id()), "TaskNotFoundError")
    return err.code


async def _list(p: Probe, **params: Any) -> dict[str, Any]:
    """ListTasks; a reply that is no ListTasksResponse (no `tasks` list) fails the check that asked."""
    reply = await p.conn.list_tasks(params)
    if not isinstance(reply.get("tasks"), list):
        fail(f"ListTasks' reply is not a ListTasksResponse (no tasks list): {json.dumps(reply)[:100]}")
    return reply


@on_binding("CORE-LIST-001")
async def list_tasks(p: Probe) -> str:
    await p.completed_task()
    reply = await _list(p)
    tasks = reply.get("tasks")
    if not isinstance(tasks, list):
        fail("ListTasks' reply has no tasks list")
    errors = _schema_errors(reply, "List Tasks Response")
    expect(not errors, f"ListTasksResponse{errors[0][0] if errors else ''}: {errors[0][1] if errors else ''}")
    return f"{len(tasks)} task(s)"


@on_binding("CORE-LIST-002")
async def list_pages(p: Probe) -> str:
    await p.completed_task()
    await p.send("tck-complete-task")
    first = await _list(p, pageSize=1)
    tasks = first.get("tasks") or []
    expect(len(tasks) <= 1, f"pageSize 1 returned {len(tasks)} tasks")
    token = first.get("nextPageToken")
    if not token:
        fail("two tasks exist but pageSize 1 gave no nextPageToken")
    second = await _list(p, pageSize=1, pageToken=token)
    other = second.get("tasks") or []
    expect(len(other) <= 1, f"the second page of pageSize 1 holds {len(other)} tasks")
    expect(not (tasks and other and tasks[0].get("id") == other[0].get("id")), "the second page repeats the first task")
    return "pageSize and pageToken page through the tasks"


def _stamp(task: dict[str, Any]) -> datetime | None:
    status = task.get("status")
    value = status.get("timestamp") if isinstance(status, dict) else None
    return _parse_time(value) if isinstance(value, str) else None


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@on_binding("CORE-LIST-003")
async def list_order(p: Probe) -> str:
    await p.completed_task()
    await p.send("tck-complete-task")
    tasks = (await _list(p, pageSize=20)).get("tasks") or []
    stamps = [s for s in (_stamp(t) for t in tasks) if s is not None]
    expect(len(stamps) >= 2, "fewer than two tasks carry a status timestamp")
    for newer, older in itertools.pairwise(stamps):
        expect(newer >= older, f"task from {older.isoformat()} is listed after one from {newer.isoformat()}")
    return f"{len(stamps)} tasks newest first"


@on_binding("CORE-LIST-004")
async def list_last_page(p: Probe) -> str:
    await p.completed_task()
    token: str | None = None
    for _ in range(50):
        params: dict[str, Any] = {"pageSize": 100}
        if token:
            params["pageToken"] = token
        reply = await _list(p, **params)
        token = reply.get("nextPageToken")
        if not token:
            expect(token in (None, ""), f"the final page's nextPageToken is {token!r}, not empty")
            return "the final page has an empty nextPageToken"
    fail("50 pages of 100 tasks and still a nextPageToken")


@on_binding("CORE-LIST-005")
async def list_without_artifacts(p: Probe) -> str:
    await p.completed_task()
    tasks = (await _list(p, includeArtifacts=False, pageSize=20)).get("tasks") or []
    with_artifacts = [t.get("id") for t in tasks if t.get("artifacts")]
    expect(not with_artifacts, f"includeArtifacts=false, yet task {with_artifacts[:1]} carries artifacts")
    return f"{len(tasks)} task(s), no artifacts"


@on_binding("CORE-CANCEL-001")
async def cancel_task(p: Probe) -> str:
    task = await p.working_task()
    got = await p.conn.cancel_task(task["id"])
    expect(got.get("id") == task["id"], f"CancelTask returned task {got.get('id')!r}, not {task['id']!r}")
    state = state_of(got)
    expect(state == "TASK_STATE_CANCELED", f"the canceled task is {state or 'without a state'}")
    return state


@on_binding("CORE-CANCEL-002")
async def cancel_terminal_task(p: Probe) -> str:
    task = await p.completed_task()
    err = await expect_error(p.conn.cancel_task(task["id"]), "TaskNotCancelableError")
    return err.code


@on_binding("CORE-CANCEL-003")
async def cancel_unknown_task(p: Probe) -> str:
    err = await expect_error(p.conn.cancel_task(unknown_task_id()), "TaskNotFoundError")
    return err.code


@on_binding("STREAM-SUB-001")
async def subscribe_first_event(p: Probe) -> str:
    task = await p.working_task()
    events = p.conn.subscribe(task["id"])
    try:
        first = await events.__anext__()
    except StopAsyncIteration:
        fail("the subscription closed without an event")
    finally:
        await _close(events)
    expect(event_kind(first) == "task", f"the first event is a {event_kind(first)}, not the Task")
    return "the Task first"


async def _close(events: Any) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        await close()


async def _complete_later(p: Probe, task_id: str, delay: float = 0.3) -> None:
    await asyncio.sleep(delay)
    message = user_message("tck-complete-task", "Complete", taskId=task_id)
    await p.conn.send_message({"message": message})


@on_binding("STREAM-SUB-002")
async def subscribe_until_terminal(p: Probe) -> str:
    task = await p.working_task()
    follow_up = asyncio.ensure_future(_complete_later(p, task["id"]))
    try:
        events = await _collect(p.conn.subscribe(task["id"]))
    finally:
        await asyncio.gather(follow_up, return_exceptions=True)
    expect(events, "the subscription closed without an event")
    last = next((event_state(e) for e in reversed(events) if event_state(e)), "")
    expect(last in TERMINAL, f"the subscription closed with the task in {last or 'no state'}")
    return f"closed at {last}"


@on_binding("STREAM-SUB-003")
async def subscribe_terminal_task(p: Probe) -> str:
    task = await p.completed_task()
    try:
        events = await _collect(p.conn.subscribe(task["id"]))
    except ProtocolError as exc:
        return f"refused with {exc.code}"
    fail(f"SubscribeToTask of a {state_of(task)} task streamed {len(events)} event(s) instead of an error")


@on_binding("STREAM-SUB-004")
async def subscribe_unknown_task(p: Probe) -> str:
    err = await expect_error(_collect(p.conn.subscribe(unknown_task_id())), "TaskNotFoundError")
    return err.code


@on_binding("STREAM-ORDER-002")
async def broadcast(p: Probe) -> str:
    task = await p.working_task()
    follow_up = asyncio.ensure_future(_complete_later(p, task["id"], 0.5))
    try:
        one, two = await asyncio.gather(_collect(p.conn.subscribe(task["id"])), _collect(p.conn.subscribe(task["id"])))
    finally:
        await asyncio.gather(follow_up, return_exceptions=True)
    kinds_one = [event_kind(e) for e in one[1:]]
    kinds_two = [event_kind(e) for e in two[1:]]
    expect(kinds_one and kinds_two, "a subscriber received nothing after the Task")
    expect(kinds_one == kinds_two, f"the two subscribers received {kinds_one} and {kinds_two}")
    return f"both subscribers received {len(kinds_one)} event(s) after the Task"


# ================================================================================================ contexts


@on_binding("CORE-MULTI-001a")
async def generated_context(p: Probe) -> str:
    reply = await p.send("tck-complete-task")
    inner = reply.get("task") or reply.get("message") or {}
    expect(isinstance(inner, dict) and inner.get("contextId"), "the reply has no contextId")
    return "contextId generated"


@on_binding("CORE-MULTI-002a")
async def client_context(p: Probe) -> str:
    context = f"tck-client-context-{uuid.uuid4()}"
    message = user_message("tck-complete-task", "client context", contextId=context)
    try:
        reply = await p.conn.send_message({"message": message})
    except ProtocolError as exc:
        return f"the client's contextId is refused ({exc.code})"
    inner = reply.get("task") or reply.get("message") or {}
    got = inner.get("contextId") if isinstance(inner, dict) else None
    expect(got == context, f"the client's contextId was replaced by {got!r} instead of kept or refused")
    return "the client's contextId is kept"


@on_binding("CORE-MULTI-003")
async def unique_task_ids(p: Probe) -> str:
    one, two = await asyncio.gather(p.send("tck-complete-task"), p.send("tck-complete-task"))
    first, second = task_of(one), task_of(two)
    if first is None or second is None:
        skip("the agent answers with messages, not tasks")
    expect(first.get("id") != second.get("id"), f"two new tasks share the id {first.get('id')!r}")
    return "distinct task ids"


@on_binding("CORE-MULTI-004")
async def message_to_unknown_task(p: Probe) -> str:
    message = user_message("tck-multi-004", "unknown task", taskId=unknown_task_id())
    err = await expect_error(p.conn.send_message({"message": message}), "TaskNotFoundError")
    return err.code


@on_binding("CORE-MULTI-005")
async def infer_context(p: Probe) -> str:
    task = await p.working_task()
    message = user_message("tck-infer-ctx", "Follow-up message", taskId=task["id"])
    reply = await p.conn.send_message({"message": message})
    inner = reply.get("task") or reply.get("message") or {}
    got = inner.get("contextId") if isinstance(inner, dict) else None
    expect(got == task.get("contextId"), f"the follow-up's context is {got!r}, not the task's")
    return "the task's context continues"


@on_binding("CORE-MULTI-006")
async def mismatching_context(p: Probe) -> str:
    task = await p.completed_task()
    message = user_message(
        "tck-mismatch", "Mismatched context test", taskId=task["id"], contextId=f"tck-wrong-context-{uuid.uuid4()}"
    )
    err = await expect_error(p.conn.send_message({"message": message}))
    return f"refused with {err.code}"


@on_binding("CORE-HIST-002")
async def history_length(p: Probe) -> str:
    task = await p.working_task()
    await p.conn.send_message({"message": user_message("tck-complete-task", "Complete", taskId=task["id"])})
    got = await p.conn.get_task(task["id"], history_length=1)
    history = got.get("history") or []
    expect(len(history) <= 1, f"historyLength 1 returned {len(history)} messages")
    return f"{len(history)} message(s) for historyLength 1"


@on_binding("CORE-HIST-001")
async def history_zero_on_get(p: Probe) -> str:
    task = await p.completed_task()
    got = await p.conn.get_task(task["id"], history_length=0)
    history = got.get("history") or []
    expect(not history, f"historyLength 0 returned {len(history)} message(s)")
    return "no history for historyLength 0"


@on_binding("CORE-HIST-003")
async def history_zero_on_send(p: Probe) -> str:
    reply = await p.send("tck-complete-task", historyLength=0)
    task = task_of(reply)
    if task is None:
        skip("the agent answered with a Message: no task history to check")
    history = task.get("history") or []
    expect(not history, f"historyLength 0 on SendMessage returned {len(history)} message(s)")
    return "no history for historyLength 0"


# ================================================================================================ errors


@on_binding("CORE-ERR-001")
async def errors_are_actionable(p: Probe) -> str:
    if p.binding == JSONRPC:
        reply = await p.rpc("NonExistentMethod", {})
        error = reply.doc.get("error") if isinstance(reply.doc, dict) else None
        if not isinstance(error, dict):
            skip("the agent answered an unknown method without an error")
        expect(isinstance(error.get("code"), int), "the error has no integer code")
        expect(isinstance(error.get("message"), str), "the error has no message")
        return f"code {error['code']}: {str(error['message'])[:60]}"
    err = await expect_error(p.conn.get_task(unknown_task_id()))
    expect(err.message, "the error has no message")
    return f"{err.code}: {err.message[:60]}"


@on_binding("CORE-ERR-002")
async def malformed_rejected(p: Probe) -> str:
    if p.binding == JSONRPC:
        reply = await p.rpc("SendMessage", {})
        expect(isinstance(reply.doc, dict) and "error" in reply.doc, "SendMessage without a message was accepted")
        return "SendMessage {} refused"
    if p.binding == HTTP_JSON:
        reply = await p.raw("POST", p.rest_url("/message:send"), body={})
        expect(reply.status >= 400, f"POST /message:send {{}} answered HTTP {reply.status}")
        return f"HTTP {reply.status}"
    err = await expect_error(p.conn.send_message({}))
    return f"refused with {err.code}"


@on_binding("CORE-CAP-001")
async def push_not_supported(p: Probe) -> str:
    if p.capabilities.get("pushNotifications") is True:
        skip("the agent advertises push notifications")
    config: JSONObject = {"url": PUSH_WEBHOOK, "id": f"tck-push-{uuid.uuid4().hex[:8]}"}
    err = await expect_error(
        p.conn.create_push_config(unknown_task_id(), config),
        "PushNotificationNotSupportedError",
        "UnsupportedOperationError",
    )
    return err.code


@on_binding("CORE-CAP-002")
async def streaming_not_supported(p: Probe) -> str:
    if p.capabilities.get("streaming") is True:
        skip("the agent advertises streaming")
    err = await expect_error(_stream(p, "tck-cap-stream"), "UnsupportedOperationError")
    return err.code


@on_binding("CORE-CAP-003")
async def extended_card_not_supported(p: Probe) -> str:
    if p.capabilities.get("extendedAgentCard") is True:
        skip("the agent advertises an extended card")
    err = await expect_error(
        p.conn.get_extended_card(), "ExtendedAgentCardNotConfiguredError", "UnsupportedOperationError"
    )
    return err.code


# ================================================================================================ versions


@on_binding("VER-SERVER-002")
async def unsupported_version(p: Probe) -> str:
    odd = p.other_version("99.0")
    message = user_message("tck-ver-002", "version test")
    err = await expect_error(odd.send_message({"message": message}), "VersionNotSupportedError")
    return err.code


@on_binding("VER-SERVER-003")
async def empty_version(p: Probe) -> str:
    reply = await p.rpc(
        "SendMessage", {"message": user_message("tck-ver-003", "empty version test")}, headers={"A2A-Version": ""}
    )
    doc = reply.doc
    expect(isinstance(doc, dict) and ("result" in doc or "error" in doc), f"HTTP {reply.status}, not a JSON-RPC reply")
    return "answered as JSON-RPC (result or error)"


# ================================================================================================ data model


async def _sample(p: Probe) -> dict[str, Any]:
    """The completed task the data-model checks read (as SendMessage returned it, or GetTask if it was not yet
    terminal): a 1.0 answer reaches them as the agent sent it."""
    return await p.completed_task()


def _walk(value: JSONValue, path: str = "") -> Iterator[tuple[str, str, JSONValue]]:
    """(path, key, value) of every object member, not descending into free-form `data` / `metadata`."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            if key not in ("data", "metadata"):
                yield from _walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}/{index}")


@on_binding("DM-TASK-001")
async def task_schema(p: Probe) -> str:
    task = await _sample(p)
    for name in ("id", "contextId", "status"):
        expect(name in task, f"the Task has no {name}")
    errors = _schema_errors(task, "Task")
    expect(not errors, f"Task{errors[0][0] if errors else ''}: {errors[0][1] if errors else ''}")
    return "the Task validates against the 1.0 schema"


@on_binding("DM-TASK-002")
async def task_states(p: Probe) -> str:
    task = await _sample(p)
    states = [v for _, k, v in _walk(task) if k == "state"]
    bad = [s for s in states if not (isinstance(s, str) and s.startswith("TASK_STATE_"))]
    expect(not bad, f"task state {bad[:1]} is not a TASK_STATE_* name")
    return ", ".join(sorted({str(s) for s in states}))


@on_binding("DM-MSG-001")
async def message_reply(p: Probe) -> str:
    try:
        reply = await p.send("tck-message-response")
    except A2ACliError as exc:
        skip(f"the agent does not answer the TCK scenario tck-message-response ({exc.message[:100]})")
    message = reply.get("message")
    if not isinstance(message, dict):
        skip("the agent does not answer the TCK scenario tck-message-response (it answered a Task)")
    for name in ("messageId", "role", "parts"):
        expect(name in message, f"the Message has no {name}")
    errors = _schema_errors(message, "Message")
    expect(not errors, f"Message{errors[0][0] if errors else ''}: {errors[0][1] if errors else ''}")
    return "a Message with messageId, role and parts"


@on_binding("DM-MSG-002")
async def roles(p: Probe) -> str:
    task = await _sample(p)
    roles_seen = [v for _, k, v in _walk(task) if k == "role"]
    bad = [r for r in roles_seen if r not in ("ROLE_USER", "ROLE_AGENT")]
    expect(not bad, f"role {bad[:1]} is not ROLE_USER or ROLE_AGENT")
    return ", ".join(sorted({str(r) for r in roles_seen})) or "no messages to check"


PART_FIELDS = ("text", "raw", "url", "data")


@on_binding("DM-PART-001")
async def parts_oneof(p: Probe) -> str:
    task = await _sample(p)
    count = 0
    for path, key, value in _walk(task):
        if key != "parts" or not isinstance(value, list):
            continue
        for index, part in enumerate(value):
            count += 1
            held = [f for f in PART_FIELDS if isinstance(part, dict) and f in part]
            expect(len(held) == 1, f"{path}/parts/{index} holds {held or 'none'} of text/raw/url/data")
    return f"{count} part(s), one content field each"


@on_binding("DM-ART-001")
async def artifact_fields(p: Probe) -> str:
    try:
        reply = await p.send("tck-artifact-text")
    except A2ACliError as exc:
        skip(f"the agent does not answer the TCK scenario tck-artifact-text ({exc.message[:100]})")
    task = task_of(reply) or {}
    artifacts = task.get("artifacts") or []
    texts = [part.get("text") for a in artifacts for part in (a.get("parts") or []) if isinstance(part, dict)]
    if "Generated text content" not in texts:
        skip("the agent does not answer the TCK scenario tck-artifact-text (no 'Generated text content' artifact)")
    for index, artifact in enumerate(artifacts):
        expect(artifact.get("artifactId"), f"artifacts/{index} has no artifactId")
        expect(artifact.get("parts"), f"artifacts/{index} has no parts")
    errors = _schema_errors(artifacts[0], "Artifact")
    expect(not errors, f"Artifact{errors[0][0] if errors else ''}: {errors[0][1] if errors else ''}")
    return f"{len(artifacts)} artifact(s) with artifactId and parts"


@on_binding("DM-STATUS-001")
async def status_state(p: Probe) -> str:
    task = await _sample(p)
    status = task.get("status")
    expect(isinstance(status, dict) and status.get("state"), "the TaskStatus has no state")
    return str(status["state"])  # type: ignore[index]


SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@on_binding("DM-SERIAL-001")
async def camel_case(p: Probe) -> str:
    task = await _sample(p)
    snake = [f"{path}/{key}" for path, key, _ in _walk(task) if SNAKE.match(key)]
    expect(not snake, f"snake_case field {snake[0] if snake else ''}")
    return "camelCase field names"


@on_binding("DM-SERIAL-002")
async def enum_strings(p: Probe) -> str:
    task = await _sample(p)
    bad = [f"{path}/{key}" for path, key, v in _walk(task) if key in ("state", "role") and not isinstance(v, str)]
    expect(not bad, f"enum {bad[0] if bad else ''} is not a string")
    return "enums as ProtoJSON strings"


@on_binding("DM-SERIAL-003")
async def timestamps(p: Probe) -> str:
    task = await _sample(p)
    count = 0
    for path, key, value in _walk(task):
        if key != "timestamp":
            continue
        count += 1
        expect(isinstance(value, str), f"{path}/timestamp is not a string")
        parsed = _parse_time(str(value))
        expect(parsed is not None, f"{path}/timestamp {value!r} is not ISO 8601")
        assert parsed is not None
        offset = parsed.utcoffset()
        expect(offset is not None and offset.total_seconds() == 0, f"{path}/timestamp {value!r} is not in UTC")
    return f"{count} timestamp(s) in ISO 8601 UTC" if count else "no timestamp to check"


@on_binding("DM-SERIAL-005")
async def unknown_fields_ignored(p: Probe) -> str:
    message = user_message("tck-dm-serial-005", "forward compatibility test", tckUnknownField="should-be-ignored")
    params = {"message": message, "tckExtraParam": 42}
    if p.binding == JSONRPC:
        reply = await p.rpc("SendMessage", params)
        doc = reply.doc
        expect(
            isinstance(doc, dict) and "result" in doc, f"refused a request with unknown fields: {reply.body[:120]!r}"
        )
    else:
        reply = await p.raw("POST", p.rest_url("/message:send"), body=params)
        expect(reply.status < 300, f"refused a request with unknown fields: HTTP {reply.status}")
    return "unknown fields ignored"


# ================================================================================================ push


async def _push_config(p: Probe) -> tuple[str, str, dict[str, Any]]:
    task = await p.completed_task()
    config_id = f"tck-push-{uuid.uuid4().hex[:8]}"
    created = await p.conn.create_push_config(
        task["id"], {"id": config_id, "url": PUSH_WEBHOOK, "token": "tck-test-token"}
    )
    return task["id"], str(created.get("id") or config_id), created


@on_binding("PUSH-CREATE-001")
async def push_create(p: Probe) -> str:
    _, config_id, created = await _push_config(p)
    expect(created.get("url") == PUSH_WEBHOOK, f"the created config's url is {created.get('url')!r}")
    return f"config {config_id} created"


@on_binding("PUSH-GET-001")
async def push_get(p: Probe) -> str:
    task_id, config_id, _ = await _push_config(p)
    got = await p.conn.get_push_config(task_id, config_id)
    expect(got.get("url") == PUSH_WEBHOOK, f"the config read back has url {got.get('url')!r}")
    return f"config {config_id} read back"


@on_binding("PUSH-GET-002")
async def push_get_unknown(p: Probe) -> str:
    task = await p.completed_task()
    err = await expect_error(p.conn.get_push_config(task["id"], f"tck-nonexistent-{uuid.uuid4().hex[:8]}"))
    return err.code


@on_binding("PUSH-LIST-001")
async def push_list(p: Probe) -> str:
    task_id, config_id, _ = await _push_config(p)
    listed = (await p.conn.list_push_configs(task_id)).get("configs") or []
    ids = [c.get("id") for c in listed if isinstance(c, dict)]
    expect(config_id in ids, f"config {config_id} is not in the list {ids[:5]}")
    return f"{len(ids)} config(s) listed"


@on_binding("PUSH-DEL-001")
async def push_delete(p: Probe) -> str:
    task_id, config_id, _ = await _push_config(p)
    await p.conn.delete_push_config(task_id, config_id)
    await expect_error(p.conn.get_push_config(task_id, config_id))
    return f"config {config_id} deleted"


# ================================================================================================ JSON-RPC binding


def _rpc_error(reply: RawReply, *, answered_is_skip: bool = False) -> dict[str, Any]:
    """The reply's JSON-RPC error object. `answered_is_skip`: a result where an error was due is another
    requirement's failure (CORE-GET-002 for an unknown task): this check of the error's shape has nothing to see."""
    doc = reply.doc
    error = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(doc, dict) and "result" in doc and answered_is_skip:
        skip("the agent answered a GetTask of an unknown task without an error (CORE-GET-002): no error to check")
    if not isinstance(error, dict):
        fail(f"HTTP {reply.status}: no JSON-RPC error object in {reply.body[:120]!r}")
    return error


async def _rpc_unknown_task(p: Probe) -> RawReply:
    return await p.rpc("GetTask", {"id": unknown_task_id()})


def _error_info(details: object) -> dict[str, Any] | None:
    for item in details if isinstance(details, list) else []:
        if isinstance(item, dict) and item.get("@type") == ERROR_INFO_TYPE:
            return item
    return None


def _check_error_info(details: object, reason: str | None = None) -> str:
    info = _error_info(details)
    expect(info is not None, f"no google.rpc.ErrorInfo ({ERROR_INFO_TYPE}) among the error details")
    assert info is not None
    domain = info.get("domain")
    expect(domain == A2A_ERROR_DOMAIN, f"ErrorInfo domain is {domain!r}, not {A2A_ERROR_DOMAIN!r}")
    got = info.get("reason")
    expect(got in A2A_ERRORS_BY_REASON, f"ErrorInfo reason {got!r} is not an A2A reason")
    if reason is not None:
        expect(got == reason, f"ErrorInfo reason is {got!r}, not {reason!r}")
    return f"ErrorInfo {got}"


@on_binding("JSONRPC-FMT-001")
async def rpc_envelope(p: Probe) -> str:
    envelope_id = uuid.uuid4().hex
    body = {"jsonrpc": "2.0", "id": envelope_id, "method": "GetTask", "params": {"id": unknown_task_id()}}
    reply = await p.raw("POST", p.interface.url, body=body)
    doc = reply.doc
    expect(isinstance(doc, dict), f"HTTP {reply.status}: the reply is not a JSON object")
    assert isinstance(doc, dict)
    expect(doc.get("jsonrpc") == "2.0", f"jsonrpc is {doc.get('jsonrpc')!r}, not '2.0'")
    expect(doc.get("id") == envelope_id, f"the reply's id {doc.get('id')!r} does not echo the request's")
    expect(("result" in doc) != ("error" in doc), "the reply must hold exactly one of result and error")
    return "JSON-RPC 2.0 envelope, id echoed"


@on_binding("JSONRPC-FMT-002")
async def rpc_content_type(p: Probe) -> str:
    task = await p.completed_task()
    reply = await p.rpc("GetTask", {"id": task["id"]})
    expect(reply.content_type == "application/json", f"Content-Type is {reply.content_type!r}")
    return "application/json"


@on_binding("JSONRPC-SVC-001")
async def rpc_method_names(p: Probe) -> str:
    for method in ("GetTask", "CancelTask"):
        reply = await p.rpc(method, {"id": unknown_task_id()})
        doc = reply.doc
        expect(isinstance(doc, dict) and ("result" in doc or "error" in doc), f"{method}: HTTP {reply.status}")
        error = doc.get("error") if isinstance(doc, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        expect(code != -32601, f"{method} is not a method of this agent (MethodNotFound)")
    return "GetTask, CancelTask answered as methods"


@on_binding("JSONRPC-SVC-002")
async def rpc_service_params(p: Probe) -> str:
    reply = await p.rpc(
        "SendMessage",
        {"message": user_message("tck-jsonrpc-svc-002-ext", "extension header test")},
        headers={"A2A-Extensions": "https://example.com/tck-extension"},
    )
    doc = reply.doc
    expect(isinstance(doc, dict) and "result" in doc, f"a request with A2A-Extensions failed: {reply.body[:120]!r}")
    return "a request with A2A-Extensions is served"


@on_binding("JSONRPC-ERR-001")
async def rpc_error_object(p: Probe) -> str:
    error = _rpc_error(await _rpc_unknown_task(p), answered_is_skip=True)
    expect(isinstance(error.get("code"), int), "error.code is not an integer")
    expect(isinstance(error.get("message"), str), "error.message is not a string")
    return f"code {error['code']}"


@on_binding("JSONRPC-ERR-002")
async def rpc_error_range(p: Probe) -> str:
    error = _rpc_error(await _rpc_unknown_task(p), answered_is_skip=True)
    code = error.get("code")
    # the TCK's reading: an A2A code, or one of JSON-RPC's own (-32700..-32600); which one is JSONRPC-SSE-002's
    in_range = isinstance(code, int) and (-32099 <= code <= -32001 or -32700 <= code <= -32600)
    expect(in_range, f"error code {code} is neither an A2A code (-32001..-32099) nor a JSON-RPC one")
    return f"code {code}"


@on_binding("JSONRPC-ERR-003")
async def rpc_error_info(p: Probe) -> str:
    error = _rpc_error(await _rpc_unknown_task(p), answered_is_skip=True)
    if "data" not in error:
        fail("error.data is absent: A2A errors carry an ErrorInfo in data")
    return _check_error_info(error.get("data"), REASONS["TaskNotFoundError"])


@on_binding("JSONRPC-SSE-001")
async def rpc_stream(p: Probe) -> str:
    reply = await p.rpc(
        "SendStreamingMessage",
        {"message": user_message("tck-sse-streaming-001", "SSE format test")},
        accept="text/event-stream",
        first_line_only=True,
    )
    expect(reply.content_type == "text/event-stream", f"Content-Type is {reply.content_type!r}")
    data = next(
        (line[5:].strip() for line in reply.body.decode("utf-8", "replace").splitlines() if line.startswith("data:")),
        "",
    )
    expect(data, "no data line in the first event")
    try:
        doc = json.loads(data)
    except ValueError:
        fail("the first event's data is not JSON")
    expect(isinstance(doc, dict) and doc.get("jsonrpc") == "2.0", "the first event is not a JSON-RPC response")
    result = doc.get("result")
    expect(isinstance(result, dict) and event_kind(result) != "?", "the first event's result is not a StreamResponse")
    return f"text/event-stream of JSON-RPC responses ({event_kind(result)} first)"


def _expect_code(reply: RawReply, name: str) -> str:
    error = _rpc_error(reply)
    code = error.get("code")
    want = JSONRPC_CODES[name]
    expect(code == want, f"{name} should be {want}, got {code}")
    return f"{name} {want}"


@on_binding("JSONRPC-SSE-002")
async def rpc_error_codes(p: Probe) -> str:
    seen = [_expect_code(await _rpc_unknown_task(p), "TaskNotFoundError")]
    task = await p.completed_task()
    seen.append(_expect_code(await p.rpc("CancelTask", {"id": task["id"]}), "TaskNotCancelableError"))
    message = {"message": user_message("tck-error-code-009", "version error code test")}
    seen.append(
        _expect_code(await p.rpc("SendMessage", message, headers={"A2A-Version": "99.0"}), "VersionNotSupportedError")
    )
    bad = await p.rpc("SendMessage", None, content=repr(message).encode(), headers={"Content-Type": "text/plain"})
    if isinstance(bad.doc, dict) and "error" in bad.doc:
        seen.append(_expect_code(bad, "ContentTypeNotSupportedError"))
    if p.capabilities.get("pushNotifications") is not True:
        config = {"taskId": task["id"], "id": "tck-push", "url": PUSH_WEBHOOK}
        seen.append(
            _expect_code(await p.rpc("CreateTaskPushNotificationConfig", config), "PushNotificationNotSupportedError")
        )
    return ", ".join(seen)


# ================================================================================================ HTTP+JSON binding


async def _rest_unknown_task(p: Probe) -> RawReply:
    return await p.raw("GET", p.rest_url(f"/tasks/{unknown_task_id()}"))


def _rest_error(reply: RawReply) -> dict[str, Any]:
    doc = reply.doc
    error = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(error, dict):
        fail(f"HTTP {reply.status}: no AIP-193 error object in {reply.body[:120]!r}")
    return error


@on_binding("HTTP_JSON-SVC-001")
async def rest_content_type(p: Probe) -> str:
    body = {"message": user_message("tck-transport-test-001", "content type test")}
    reply = await p.raw("POST", p.rest_url("/message:send"), body=body)
    expect(reply.status < 300, f"POST /message:send answered HTTP {reply.status}")
    expect(reply.content_type == "application/json", f"Content-Type is {reply.content_type!r}, not application/json")
    return "application/json"


@on_binding("HTTP_JSON-SVC-002")
async def rest_service_params(p: Probe) -> str:
    body = {"message": user_message("tck-svc-002-ext", "extension header test")}
    reply = await p.raw(
        "POST", p.rest_url("/message:send"), body=body, headers={"A2A-Extensions": "https://example.com/tck-extension"}
    )
    expect(reply.status < 300, f"a request with A2A-Extensions answered HTTP {reply.status}")
    return "a request with A2A-Extensions is served"


@on_binding("HTTP_JSON-URL-001")
async def rest_paths(p: Probe) -> str:
    task = await p.completed_task()
    reply = await p.raw("GET", p.rest_url(f"/tasks/{task['id']}"))
    expect(reply.status == 200, f"GET /tasks/{{id}} answered HTTP {reply.status}")
    expect(isinstance(reply.doc, dict) and reply.doc.get("id") == task["id"], "GET /tasks/{id} is not the task")
    listed = await p.raw("GET", p.rest_url("/tasks"))
    expect(listed.status == 200, f"GET /tasks answered HTTP {listed.status}")
    return "/tasks/{id} and /tasks"


@on_binding("HTTP_JSON-URL-002")
async def rest_methods(p: Probe) -> str:
    task = await p.completed_task()
    reply = await p.raw("POST", p.rest_url(f"/tasks/{task['id']}:cancel"), body={"id": task["id"]})
    expect(reply.status != 405 and reply.status != 404, f"POST /tasks/{{id}}:cancel answered HTTP {reply.status}")
    wrong = await p.raw("GET", p.rest_url("/message:send"))
    expect(wrong.status >= 400, f"GET /message:send answered HTTP {wrong.status} (it is a POST)")
    return f"POST :cancel {reply.status}, GET /message:send {wrong.status}"


@on_binding("HTTP_JSON-QP-001")
async def rest_query(p: Probe) -> str:
    await p.completed_task()
    await p.send("tck-complete-task")
    reply = await p.raw("GET", p.rest_url("/tasks"), query={"pageSize": "1"})
    expect(reply.status == 200, f"GET /tasks?pageSize=1 answered HTTP {reply.status}")
    tasks = reply.doc.get("tasks") if isinstance(reply.doc, dict) else None
    expect(isinstance(tasks, list) and len(tasks) <= 1, "pageSize=1 is not honoured as a camelCase query parameter")
    return "pageSize honoured"


@on_binding("HTTP_JSON-ERR-001")
async def rest_error_format(p: Probe) -> str:
    reply = await _rest_unknown_task(p)
    error = _rest_error(reply)
    expect(reply.content_type == "application/json", f"the error's Content-Type is {reply.content_type!r}")
    expect(error.get("code") == reply.status, f"error.code {error.get('code')!r} is not the HTTP status {reply.status}")
    expect(isinstance(error.get("status"), str), "error.status is not a string")
    expect(isinstance(error.get("message"), str), "error.message is not a string")
    return f"HTTP {reply.status}, status {error.get('status')}"


@on_binding("HTTP_JSON-ERR-002")
async def rest_error_info(p: Probe) -> str:
    error = _rest_error(await _rest_unknown_task(p))
    return _check_error_info(error.get("details"), REASONS["TaskNotFoundError"])


def _expect_status(reply: RawReply, name: str) -> str:
    want = HTTP_STATUS[name]
    shown = " or ".join(str(w) for w in want)
    expect(reply.status in want, f"{name} should be HTTP {shown}, got {reply.status}")
    return f"{name} {reply.status}"


@on_binding("HTTP_JSON-STATUS-001")
async def rest_status_codes(p: Probe) -> str:
    seen = [_expect_status(await _rest_unknown_task(p), "TaskNotFoundError")]
    task = await p.completed_task()
    cancel = await p.raw("POST", p.rest_url(f"/tasks/{task['id']}:cancel"), body={"id": task["id"]})
    seen.append(_expect_status(cancel, "TaskNotCancelableError"))
    body = {"message": user_message("tck-status-ver-006", "version status test")}
    version = await p.raw("POST", p.rest_url("/message:send"), body=body, headers={"A2A-Version": "99.0"})
    seen.append(_expect_status(version, "VersionNotSupportedError"))
    wrong = await p.raw(
        "POST", p.rest_url("/message:send"), content=json.dumps(body).encode(), headers={"Content-Type": "text/plain"}
    )
    if wrong.status >= 400:  # refused (an agent may read any body as JSON): then as ContentTypeNotSupportedError
        seen.append(_expect_status(wrong, "ContentTypeNotSupportedError"))
    if p.capabilities.get("pushNotifications") is not True:
        push = await p.raw(
            "POST", p.rest_url(f"/tasks/{task['id']}/pushNotificationConfigs"), body={"url": PUSH_WEBHOOK}
        )
        seen.append(_expect_status(push, "PushNotificationNotSupportedError"))
    return ", ".join(seen)


@on_binding("HTTP_JSON-SSE-001")
async def rest_stream(p: Probe) -> str:
    body = {"message": user_message("tck-sse-streaming-001", "SSE format test")}
    reply = await p.raw(
        "POST", p.rest_url("/message:stream"), body=body, accept="text/event-stream", first_line_only=True
    )
    expect(reply.content_type == "text/event-stream", f"Content-Type is {reply.content_type!r}")
    return "text/event-stream"


# ================================================================================================ gRPC binding
# The gRPC wire raises an A2A error that keeps the call's status code name and ErrorInfo reason
# (`ProtocolError.grpc_status` / `.grpc_reason`); the checks read them there, on the connection's own channel.


async def _grpc_error(call: Awaitable[Any]) -> ProtocolError:
    err = await expect_error(call)
    if err.grpc_status is None:
        fail(f"the error {err.code} did not come from a gRPC status")
    return err


@on_binding("GRPC-SVC-001")
async def grpc_service(p: Probe) -> str:
    try:
        reply = await p.send("tck-grpc-svc-001", "gRPC service test")
    except ProtocolError as exc:
        if exc.grpc_status == "UNIMPLEMENTED" and exc.grpc_reason is None:
            fail(f"the agent does not implement A2AService/SendMessage ({exc.message[:120]})")
        return f"A2AService answered with {exc.code} (gRPC {exc.grpc_status})"
    kind = "task" if "task" in reply else "message" if "message" in reply else None
    expect(kind, f"the SendMessageResponse holds neither a task nor a message: {json.dumps(reply)[:120]}")
    return f"SendMessageResponse with a {kind}"


@on_binding("GRPC-META-001")
async def grpc_metadata(p: Probe) -> str:
    conn = p.with_extensions(GRPC_TEST_EXTENSIONS)
    message = user_message("tck-grpc-meta-001-ext", "Extensions metadata test")
    try:
        await conn.send_message({"message": message})
    except ProtocolError as exc:
        # as the TCK reads it: an A2A answer (even an error) shows the metadata reached the service; UNIMPLEMENTED
        # does not
        if exc.grpc_status == "UNIMPLEMENTED":
            fail(f"the agent refused a call with a2a-extensions metadata: UNIMPLEMENTED ({exc.message[:120]})")
        return f"a2a-extensions metadata accepted (answered {exc.code})"
    return "a2a-extensions metadata accepted"


@on_binding("GRPC-ERR-001")
async def grpc_error_info(p: Probe) -> str:
    err = await _grpc_error(p.conn.get_task(unknown_task_id()))
    if err.grpc_reason is None:
        fail(f"gRPC {err.grpc_status} without a google.rpc.ErrorInfo in its status details (grpc-status-details-bin)")
    return _check_error_info(err.data, REASONS["TaskNotFoundError"])


@on_binding("GRPC-ERR-002")
async def grpc_status_codes(p: Probe) -> str:
    """Each A2A error this agent can be made to raise, by its gRPC status; every mismatch is named."""
    seen: list[str] = []
    wrong: list[str] = []

    async def status(call: Awaitable[Any], name: str) -> None:
        err = await _grpc_error(call)
        want = GRPC_STATUS[name]
        if err.grpc_status == want:
            seen.append(f"{name} {want}")
        else:
            wrong.append(f"{name} should be gRPC {want}, got {err.grpc_status} ({err.message[:80]})")

    async def refused(call: Awaitable[Any], name: str) -> None:
        try:
            await status(call, name)
        except CheckFailed as exc:  # answered normally, or not over gRPC: this error's mismatch, the others go on
            wrong.append(f"{name}: {exc.reason}")

    await refused(p.conn.get_task(unknown_task_id()), "TaskNotFoundError")
    try:
        task_id: str | None = (await p.completed_task())["id"]
    except CheckSkipped as exc:  # no terminal task: TaskNotCancelableError is not checked, the rest is
        task_id = None
        unchecked = f"TaskNotCancelableError not checked ({exc.reason})"
    else:
        unchecked = ""
        await refused(p.conn.cancel_task(str(task_id)), "TaskNotCancelableError")
    message = user_message("tck-grpc-status-ver-005", "grpc version status test")
    await refused(p.other_version("99.0").send_message({"message": message}), "VersionNotSupportedError")
    if p.capabilities.get("pushNotifications") is not True:
        config: JSONObject = {"url": PUSH_WEBHOOK, "id": f"tck-push-{uuid.uuid4().hex[:8]}"}
        push = p.conn.create_push_config(unknown_task_id(), config)  # as the TCK and CORE-CAP-001 send it
        await refused(push, "PushNotificationNotSupportedError")
    if p.capabilities.get("streaming") is not True:
        stream: JSONObject = {"message": user_message("tck-grpc-status-unsupported-003", "grpc status code test")}
        await refused(_collect(p.conn.stream_message(stream)), "UnsupportedOperationError")
    if wrong:
        fail("; ".join(wrong))
    return ", ".join([*seen, unchecked] if unchecked else seen)


@on_binding("GRPC-ERR-003")
async def grpc_server_stream(p: Probe) -> str:
    events = await _stream(p, "tck-grpc-stream-003", "gRPC streaming test")
    expect(events, "the server-streaming rpc closed without a StreamResponse")
    kinds = [event_kind(e) for e in events]
    expect("?" not in kinds, f"a StreamResponse without one of task, message, statusUpdate, artifactUpdate: {kinds}")
    return f"{len(events)} StreamResponse message(s), {kinds[0]} first"
