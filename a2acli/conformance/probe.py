"""What a check holds: the agent's card and one connection per binding, plus the few raw requests a check needs.

Every operation goes through the client's own `AgentConnection` façade (the operation table, so a binding the
client learns is checked with no code here). Only a check that must send something the façade never sends (a
wrong A2A-Version, a wrong Content-Type, a malformed body) or read what it hides (a response header, the exact
error object) makes a raw request, on the same connection's httpx client, wire and credentials.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from a2acli.client import operations as ops
from a2acli.errors import A2ACliError, ProtocolError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.client.connection import AgentConnection
    from a2acli.client.interfaces import Interface
    from a2acli.protocol import JSONObject, JSONValue

RAW_LIMIT = 1024 * 1024
TERMINAL = frozenset({"TASK_STATE_COMPLETED", "TASK_STATE_CANCELED", "TASK_STATE_FAILED", "TASK_STATE_REJECTED"})
INTERRUPTED = frozenset({"TASK_STATE_INPUT_REQUIRED", "TASK_STATE_AUTH_REQUIRED"})


class CheckFailed(Exception):
    def __init__(self, reason: str, pointer: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pointer = pointer


class CheckSkipped(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def fail(reason: str, pointer: str | None = None) -> NoReturn:
    raise CheckFailed(reason, pointer)


def skip(reason: str) -> NoReturn:
    raise CheckSkipped(reason)


def expect(condition: object, reason: str) -> None:
    if not condition:
        fail(reason)


@dataclass(frozen=True)
class RawReply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    doc: JSONValue

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def tck_message_id(scenario: str) -> str:
    """A messageId that names a TCK scenario (`tck-complete-task-1a2b3c4d`), unique per call."""
    return f"{scenario}-{uuid.uuid4().hex[:12]}"


def user_message(scenario: str, text: str, **fields: Any) -> JSONObject:
    message: JSONObject = {"role": "ROLE_USER", "parts": [{"text": text}], "messageId": tck_message_id(scenario)}
    message.update(fields)
    return message


def task_of(reply: Mapping[str, Any]) -> dict[str, Any] | None:
    task = reply.get("task")
    return task if isinstance(task, dict) else None


def state_of(task: Mapping[str, Any] | None) -> str:
    status = task.get("status") if task else None
    state = status.get("state") if isinstance(status, dict) else None
    return state if isinstance(state, str) else ""


def event_state(event: Mapping[str, Any]) -> str:
    """The task state a StreamResponse carries ("" for a message or an artifact update)."""
    for key in ("task", "statusUpdate"):
        inner = event.get(key)
        if isinstance(inner, dict):
            return state_of(inner)
    return ""


def event_kind(event: Mapping[str, Any]) -> str:
    for key in ("task", "message", "statusUpdate", "artifactUpdate"):
        if key in event:
            return key
    return "?"


async def expect_error(call: Awaitable[Any], *names: str) -> ProtocolError:
    """Await `call`, which must fail with one of the A2A errors `names` (any A2A error when none is named)."""
    try:
        result = await call
    except ProtocolError as exc:
        if names and exc.code not in names:
            fail(f"expected {' or '.join(names)}, got {exc.code} ({exc.message[:120]})")
        return exc
    shown = json.dumps(result)[:120] if result is not None else "no error"
    fail(f"expected {' or '.join(names) or 'an error'}, but the agent answered {shown}")


class Probe:
    """One binding of the agent under test: its connection, and the tasks several checks share."""

    def __init__(self, conn: AgentConnection, timeout: float) -> None:
        self.conn = conn
        self.timeout = timeout
        self._shared: dict[str, asyncio.Task[Any]] = {}

    @property
    def interface(self) -> Interface:
        return self.conn.interface

    @property
    def binding(self) -> str:
        return self.conn.interface.binding

    @property
    def card(self) -> ResolvedCard:
        return self.conn.card

    @property
    def capabilities(self) -> JSONObject:
        return self.conn.capabilities

    def other_version(self, version: str) -> AgentConnection:
        """The same interface spoken with another A2A-Version header (the version contract checks)."""
        from a2acli.client.connection import AgentConnection
        from a2acli.client.interfaces import Interface

        iface = self.interface
        odd = Interface(iface.url, iface.binding, version, iface.tenant)
        return AgentConnection(self.card, self.conn.settings, self.conn.client, interface=odd)

    def with_extensions(self, uris: tuple[str, ...]) -> AgentConnection:
        """The same interface with `uris` declared as A2A-Extensions (a header, or gRPC metadata)."""
        import dataclasses

        from a2acli.client.connection import AgentConnection

        settings = dataclasses.replace(self.conn.settings, extensions=(*self.conn.settings.extensions, *uris))
        return AgentConnection(self.card, settings, self.conn.client, interface=self.interface)

    # ---------------------------------------------------------------- shared tasks (created once per binding)

    def _once(self, key: str, make: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
        if key not in self._shared:
            self._shared[key] = asyncio.ensure_future(make())
        return asyncio.shield(self._shared[key])

    async def send(self, scenario: str, text: str = "Hello from a2a conformance", **config: Any) -> dict[str, Any]:
        params: JSONObject = {"message": user_message(scenario, text)}
        if config:
            params["configuration"] = config
        return await self.conn.send_message(params)

    async def completed_task(self) -> dict[str, Any]:
        """A task of this agent in a terminal state (the TCK's `tck-complete-task`); skips when there is none."""
        return dict(await self._once("completed", self._make_completed))

    async def _make_completed(self) -> dict[str, Any]:
        try:
            reply = await self.send("tck-complete-task")
        except A2ACliError as exc:
            skip(f"no task to check: SendMessage failed ({exc.message[:120]})")
        task = task_of(reply)
        if task is None:
            skip("no task to check: the agent answers with messages, not tasks")
        task_id = task.get("id")
        if not isinstance(task_id, str):
            skip("no task to check: the task has no id")
        state = state_of(task)
        if state not in TERMINAL:
            got = await self.conn.get_task(task_id)
            state = state_of(got)
            task = got
            if state not in TERMINAL:
                skip(f"no terminal task to check: the task is {state or 'without a state'} after a blocking send")
        return task

    async def working_task(self) -> dict[str, Any]:
        """A task left in INPUT_REQUIRED (the TCK scenario `tck-input-required`), new for each caller; skips when
        the agent does not answer that scenario."""
        try:
            reply = await self.send("tck-input-required", "TCK prerequisite task creation")
        except A2ACliError as exc:
            skip(f"the agent does not answer the TCK scenario tck-input-required ({exc.message[:120]})")
        task = task_of(reply)
        state = state_of(task)
        if task is None or state != "TASK_STATE_INPUT_REQUIRED":
            got = "a message" if task is None else (state or "no state")
            skip(f"the agent does not answer the TCK scenario tck-input-required (it answered {got})")
        return task

    # ---------------------------------------------------------------- raw requests (same client, wire, credentials)

    async def raw(
        self,
        verb: str,
        url: str,
        *,
        body: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        drop: tuple[str, ...] = (),
        query: Mapping[str, str] | None = None,
        accept: str = "application/json",
        first_line_only: bool = False,
    ) -> RawReply:
        """One request with the connection's headers and credentials, `headers` set and `drop` removed;
        `content` replaces the JSON body with exact bytes. `first_line_only`: a stream, read up to its first event."""
        wire = self.conn.wire
        request = wire.build(verb, url, body=None if content is not None else body, query=query, accept=accept)
        for name in drop:
            if name in request.headers:
                del request.headers[name]
        for name, value in (headers or {}).items():
            request.headers[name] = value
        if content is not None:
            kept = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            request = self.conn.client.build_request(verb, request.url, headers=kept, content=content)
        response = await wire.send(request)
        if response.status_code in (401, 403):
            try:
                await wire.check_status(response)  # the typed auth error, with the credentials hint
            finally:
                await response.aclose()
        try:
            if first_line_only:
                data = b""
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if b"\n\n" in data or b"\r\n\r\n" in data or len(data) > RAW_LIMIT:
                        break
            else:
                data = await wire.read_body(response, RAW_LIMIT)
        finally:
            await response.aclose()
        doc: JSONValue = None
        try:
            doc = json.loads(data) if data.strip() and not first_line_only else None
        except ValueError:
            doc = None
        return RawReply(response.status_code, dict(response.headers), data, doc)

    async def rpc(
        self,
        method: str,
        params: object,
        *,
        headers: Mapping[str, str] | None = None,
        drop: tuple[str, ...] = (),
        content: bytes | None = None,
        accept: str = "application/json",
        first_line_only: bool = False,
    ) -> RawReply:
        envelope = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": method, "params": params}
        return await self.raw(
            "POST",
            self.interface.url,
            body=envelope,
            content=content,
            headers=headers,
            drop=drop,
            accept=accept,
            first_line_only=first_line_only,
        )

    def rest_url(self, path: str) -> str:
        return ops.rest_base(self.interface) + path
