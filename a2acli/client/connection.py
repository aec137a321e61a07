"""One connection to one agent: card -> interface -> A2A operations, every result as A2A 1.0 JSON.

`open_connection(settings)` resolves the Agent Card and yields an `AgentConnection`, the façade commands and
the turn call. Its jobs live next door: `interfaces` picks the interface (binding, version, tenant),
`credentials` places the credentials, `operations` says what each operation sends on that interface, `wire`
sends it over the command's one httpx client and maps failures to typed errors, `events` reads event streams.
Whatever the agent speaks, results are A2A 1.0 JSON (proto JSON names, `TASK_STATE_*`, `ROLE_*`, StreamResponse
`{"task"|"message"|"statusUpdate"|"artifactUpdate"}`); 1.0 events are passed through untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from a2acli import __version__
from a2acli.client import operations as ops
from a2acli.client.card_resolver import resolve_card
from a2acli.client.credentials import build_credentials, login_key
from a2acli.client.events import RawEcho, open_events
from a2acli.client.interfaces import GRPC, Interface, select_interface
from a2acli.client.tls import present_certificate_to
from a2acli.client.wire import (
    StreamDroppedError,
    Wire,
    deadline,
    invalid_response,
    make_http_client,
    rpc_result,
)
from a2acli.errors import AuthFailedError
from a2acli.redact import has_secrets, mentions_secret, register_secret, scrub_json
from a2acli.render.writers import warn_once

if TYPE_CHECKING:
    import httpx

    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.client.grpc_wire import GrpcWire
    from a2acli.protocol import JSONObject, StreamResponse
    from a2acli.settings import ConnectionSettings

R = TypeVar("R")
GRPC_UNAUTHENTICATED = 16  # grpc.StatusCode.UNAUTHENTICATED, the a2a_code of the wire's AuthFailedError

__all__ = [
    "AgentConnection",
    "StreamDroppedError",
    "deadline",
    "invalid_response",
    "make_http_client",
    "open_connection",
]


class AgentConnection:
    """A2A operations against one selected interface; every result is A2A 1.0 JSON."""

    def __init__(
        self,
        card: ResolvedCard,
        settings: ConnectionSettings,
        client: httpx.AsyncClient,
        interface: Interface | None = None,
        *,
        declared_schemes_only: bool = False,
    ) -> None:
        self.card = card
        self.settings = settings
        self.client = client
        notes: list[str] = list(card.notes)
        if interface is None:
            interface, selection_notes = select_interface(
                card.document,
                base_url=card.base_url,
                transports=tuple(settings.transports),
                a2a_version=settings.a2a_version,
            )
            notes.extend(selection_notes)
            if interface.legacy and not settings.a2a_version:
                # SPEC §13.2 / §6.5 (A2ACLI_VER_001): below 1.0 only with an explicit opt-in, never silently. (An
                # interface given by the caller, a `card validate --live` probe of each entry, is no negotiation.)
                warn_once(
                    f"the agent only speaks A2A {interface.protocol_version}: using the legacy 0.x wire below A2A"
                    f" 1.0 (pass --a2a-version {interface.protocol_version} to opt in and silence this)"
                )
        self.interface = interface
        present_certificate_to(client, interface.url)
        self.credentials = build_credentials(
            card.document,
            settings,
            declared_only=declared_schemes_only,
            agent=login_key(card.base_url, interface.url),
        )
        notes.extend(self.credentials.notes)
        self.notes = notes
        self.debug = settings.debug
        self.wire = Wire(
            client,
            self._base_headers(),
            self.credentials,
            connect_timeout=settings.connect_timeout,
            debug=settings.debug,
        )
        self.echo = RawEcho()
        self._grpc_wire: GrpcWire | None = None
        if self.debug:
            for note in notes:
                self.wire.debug_out(f"debug: {note}")

    # ---------------------------------------------------------------- card facts

    @property
    def capabilities(self) -> JSONObject:
        caps = self.card.document.get("capabilities")
        return caps if isinstance(caps, dict) else {}

    @property
    def supports_streaming(self) -> bool:
        return self.capabilities.get("streaming") is True

    @property
    def supports_push(self) -> bool:
        return self.capabilities.get("pushNotifications") is True

    @property
    def agent_name(self) -> str:
        name = self.card.document.get("name")
        return name if isinstance(name, str) else ""

    # ---------------------------------------------------------------- JSON-lines echo (see events.RawEcho)

    @property
    def keep_raw(self) -> bool:
        return self.echo.keep

    @keep_raw.setter
    def keep_raw(self, value: bool) -> None:
        self.echo.keep = value

    @property
    def last_event(self) -> dict[str, Any] | None:
        return None if self.echo.event is None else _plain(self.echo.event)

    @property
    def last_raw(self) -> str | None:
        return self.echo.raw

    # ---------------------------------------------------------------- operations

    async def send_message(self, params: JSONObject) -> dict[str, Any]:
        """SendMessage -> SendMessageResponse `{"task": ...}` or `{"message": ...}`."""
        return _plain(await self._unary(ops.SEND_MESSAGE, params))

    def stream_message(self, params: JSONObject) -> AsyncIterator[dict[str, Any]]:
        """SendStreamingMessage -> StreamResponse per event."""
        return self._stream(ops.SEND_STREAMING_MESSAGE, params)

    async def get_task(self, task_id: str, history_length: int | None = None) -> dict[str, Any]:
        request: JSONObject = {"id": task_id}
        if history_length is not None:
            request["historyLength"] = history_length
        return _plain(await self._unary(ops.GET_TASK, request))

    async def list_tasks(self, params: JSONObject) -> dict[str, Any]:
        """ListTasks (1.0 only) -> ListTasksResponse."""
        return _plain(await self._unary(ops.LIST_TASKS, params))

    async def cancel_task(self, task_id: str, metadata: JSONObject | None = None) -> dict[str, Any]:
        request: JSONObject = {"id": task_id}
        if metadata:
            request["metadata"] = metadata
        return _plain(await self._unary(ops.CANCEL_TASK, request))

    def subscribe(self, task_id: str) -> AsyncIterator[dict[str, Any]]:
        """SubscribeToTask (0.3: tasks/resubscribe) -> StreamResponse per event; the first is the Task."""
        return self._stream(ops.SUBSCRIBE_TO_TASK, {"id": task_id})

    async def create_push_config(self, task_id: str, config: JSONObject) -> dict[str, Any]:
        """CreateTaskPushNotificationConfig; `config` holds url, and optionally id, token, authentication."""
        body = {k: v for k, v in config.items() if k not in ("taskId", "tenant")}
        return _plain(await self._unary(ops.CREATE_PUSH_CONFIG, {"taskId": task_id, **body}))

    async def get_push_config(self, task_id: str, config_id: str) -> dict[str, Any]:
        return _plain(await self._unary(ops.GET_PUSH_CONFIG, {"taskId": task_id, "id": config_id}))

    async def list_push_configs(
        self, task_id: str, page_size: int | None = None, page_token: str | None = None
    ) -> dict[str, Any]:
        """ListTaskPushNotificationConfigs -> `{"configs": [...], "nextPageToken"?}`."""
        request: JSONObject = {"taskId": task_id}
        if page_size is not None:
            request["pageSize"] = page_size
        if page_token:
            request["pageToken"] = page_token
        return _plain(await self._unary(ops.LIST_PUSH_CONFIGS, request))

    async def delete_push_config(self, task_id: str, config_id: str) -> None:
        await self._unary(ops.DELETE_PUSH_CONFIG, {"taskId": task_id, "id": config_id})

    async def get_extended_card(self) -> dict[str, Any]:
        """GetExtendedAgentCard (0.3: agent/getAuthenticatedExtendedCard) -> the card document as served."""
        return _plain(await self._unary(ops.GET_EXTENDED_CARD, {}))

    # ---------------------------------------------------------------- one operation

    async def _unary(self, op: ops.Operation[R], request: ops.Request) -> R:
        assert op.replies is not None, f"{op.name} streams: it is read by _stream"
        call = ops.plan(op, self.interface, request)
        if self.interface.binding == GRPC:  # the wire hands back 1.0 JSON for 0.3 agents too
            await self._stored_login_for_grpc()
            try:
                reply = await self._grpc().unary(call)
            except AuthFailedError as exc:
                if not await self._renewed_after_grpc_refusal(exc):
                    raise
                reply = await self._grpc().unary(call)
            return scrub_json(op.replies.v10(reply))
        result = await self.wire.call(self.wire.build(call.verb, call.url, body=call.body, query=call.query))
        if call.rpc:
            if call.empty and isinstance(result, dict) and "result" not in result and result.get("error") is None:
                result = None
            else:
                result = rpc_result(result)
        return scrub_json((op.replies.v03 if self.interface.legacy else op.replies.v10)(result))

    def _stream(self, op: ops.Operation[None], request: ops.Request) -> AsyncIterator[dict[str, Any]]:
        call = ops.plan(op, self.interface, request)
        if self.interface.binding == GRPC:
            events: AsyncIterator[StreamResponse] = self._grpc_stream(call)
            if has_secrets():
                events = _scrubbed(events, self.echo)
            return cast("AsyncIterator[dict[str, Any]]", events)
        accept = "text/event-stream"
        first = self.wire.build(call.verb, call.url, body=call.body, query=call.query, accept=accept)
        fallback = self.wire.build("GET", call.url, accept=accept) if call.get_on_405 else None
        events = open_events(
            self.wire,
            first,
            rpc=call.rpc,
            legacy=self.interface.legacy,
            echo=self.echo,
            fallback=fallback,
        )
        if has_secrets():
            events = _scrubbed(events, self.echo)
        return cast("AsyncIterator[dict[str, Any]]", events)  # see _plain

    async def _stored_login_for_grpc(self) -> None:
        """A stored login (renewed when expired) as the `authorization` metadata of the gRPC calls; the HTTP wire
        places it per request itself (client/wire.Wire.send)."""
        session = self.credentials.session
        if session is None:
            return
        header = await session.header(self.client)
        if self.wire.headers.get("Authorization") == header:
            return
        self.wire.headers["Authorization"] = header
        if self._grpc_wire is not None:
            kept = tuple((k, v) for k, v in self._grpc_wire.metadata if k != "authorization")
            self._grpc_wire.metadata = (*kept, ("authorization", header))

    async def _renewed_after_grpc_refusal(self, exc: AuthFailedError) -> bool:
        """UNAUTHENTICATED with a stored login: renew it once (as the HTTP wire does on a 401), then retry."""
        session = self.credentials.session
        if session is None or exc.a2a_code != GRPC_UNAUTHENTICATED:
            return False
        header = await session.after_rejection(self.client)
        if header is None:
            return False
        await self._stored_login_for_grpc()
        return True

    async def _grpc_stream(self, call: ops.Call) -> AsyncIterator[StreamResponse]:
        await self._stored_login_for_grpc()
        for attempt in (1, 2):
            stream = self._grpc().stream(call)
            started = False
            try:
                async for event in stream:
                    started = True
                    yield event
                return
            except AuthFailedError as exc:
                if started or attempt == 2 or not await self._renewed_after_grpc_refusal(exc):
                    raise
            finally:
                close = getattr(stream, "aclose", None)
                if close is not None:
                    await close()

    def _grpc(self) -> GrpcWire:
        """The gRPC wire of a GRPC interface (grpc is imported here, on first use)."""
        if self._grpc_wire is None:
            from a2acli.client.grpc_wire import GrpcWire

            self._grpc_wire = GrpcWire(
                self.interface,
                self.settings,
                self.wire.headers,
                self.credentials,
                debug_out=self.wire.debug_out if self.debug else None,
            )
        return self._grpc_wire

    async def aclose(self) -> None:
        """Close what the connection opened itself (a gRPC channel); the httpx client is the caller's."""
        wire, self._grpc_wire = self._grpc_wire, None
        if wire is not None:
            await wire.aclose()

    def _base_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {"User-Agent": f"a2acli/{__version__}"}
        for key, value in self.settings.svc_params:
            register_secret(value)
            headers[key] = value
        headers.update(self.credentials.headers)
        headers["A2A-Version"] = self.interface.protocol_version
        extensions = self._extensions()
        if extensions:
            # A2A §3.2.6 (1.0: A2A-Extensions; 0.3: X-A2A-Extensions), merged with one a --svc-param set.
            name = "X-A2A-Extensions" if self.interface.legacy else "A2A-Extensions"
            given = next((v for k, v in headers.items() if k.lower() == name.lower()), "")
            known = [e.strip() for e in given.split(",") if e.strip()]
            headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
            headers[name] = ", ".join(dict.fromkeys([*known, *extensions]))
        return headers

    def _extensions(self) -> list[str]:
        """--extension URIs, then those the card marks required (A2ACLI_VER_002: an agent that requires an
        extension is told the client speaks it, said under --debug)."""
        declared = list(self.settings.extensions)
        listed = self.capabilities.get("extensions")
        for item in listed if isinstance(listed, list) else ():
            if not isinstance(item, dict):
                continue
            uri = item.get("uri")
            if isinstance(uri, str) and uri.strip() and item.get("required") is True and uri.strip() not in declared:
                declared.append(uri.strip())
                self.notes.append(f"the card marks extension {uri.strip()} required: declared in A2A-Extensions")
        return declared


async def _scrubbed(events: AsyncIterator[StreamResponse], echo: RawEcho) -> AsyncIterator[StreamResponse]:
    """The events with the user's own credentials redacted wherever an agent echoed them (SPEC §12.1): every
    output mode prints from these, and a JSON line holding one is re-encoded from its scrubbed event."""
    try:
        async for event in events:
            clean = scrub_json(event)
            if echo.event is event:
                echo.event = clean
            if echo.raw is not None and mentions_secret(echo.raw):
                echo.raw = None
            yield clean
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


def _plain(value: Mapping[str, object]) -> dict[str, Any]:
    """The 1.0 result as the plain dict the façade's callers (the turn, the task commands) read today; the typed
    shapes (protocol.py's TypedDicts) stop here until those callers take them."""
    return cast("dict[str, Any]", value)


@contextlib.asynccontextmanager
async def open_connection(settings: ConnectionSettings) -> AsyncIterator[AgentConnection]:
    """Resolve the card, select the interface and yield the connection (closed on exit)."""
    client = make_http_client(settings)
    try:
        card = await resolve_card(settings.agent_card, settings, client=client)
        connection = AgentConnection(card, settings, client)
        try:
            yield connection
        finally:
            await connection.aclose()
    finally:
        await client.aclose()
