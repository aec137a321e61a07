"""`a2a serve --proxy URL`: a `RequestHandler` whose every method forwards through a2acli's own client.

The proxy is served on the same SDK routes as the demo agent (`agent/app.py`), so a client reaches it over any
version and binding `a2a serve` serves, behind the same guards (body and header limits, the bearer token); the
upstream is reached through `client/connection.AgentConnection` over whatever version and binding a2acli picks
from its card (no second client): the card's order, gRPC included, or the transport a `--proxy catalog:NAME`
entry prefers. Requests arrive as SDK protos and are sent upstream as A2A 1.0 JSON; the
façade answers A2A 1.0 JSON, parsed back into protos for the SDK's routes to write in the client's own version.

- The card: the upstream's (1.0 or 0.3), with the interfaces replaced by the proxy's own and the signatures
  dropped (a rewritten card is another document; `--sign-key` signs the proxy's). Its security schemes are the
  proxy's (`--bearer-token`), or the upstream's with `--forward-credentials`, else none.
- Credentials: `--upstream-bearer` / `--upstream-api-key` are placed as the upstream card says (the client's
  credential code, client/credentials.py). The client's own `Authorization` / API-key headers go upstream only
  with `--forward-credentials`.
- Streams are passed on as the upstream streams them, ending when it ends; a cut between the proxy and the
  upstream (before a terminal state) is taken over by a2acli's own resumption (client/resume.py), which
  resubscribes and reconciles, so the client sees every event once. A client that goes away closes the
  upstream stream (the generator is closed; its `finally` closes the upstream one).
- Errors: an upstream A2A error is raised as the same SDK error (same name, the upstream's message); the
  upstream unreachable or answering nonsense is an InternalError naming the upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from a2a.server.request_handlers import RequestHandler
from a2a.types.a2a_pb2 import (
    AgentCard,
    CancelTaskRequest,
    DeleteTaskPushNotificationConfigRequest,
    GetExtendedAgentCardRequest,
    GetTaskPushNotificationConfigRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTaskPushNotificationConfigsResponse,
    ListTasksRequest,
    ListTasksResponse,
    Message,
    SendMessageRequest,
    SendMessageResponse,
    StreamResponse,
    SubscribeToTaskRequest,
    Task,
    TaskPushNotificationConfig,
)
from a2a.utils import errors as sdk_errors
from google.protobuf.json_format import MessageToDict, ParseDict

from a2acli.errors import A2ACliError

if TYPE_CHECKING:
    import httpx
    from a2a.server.context import ServerCallContext
    from google.protobuf.message import Message as ProtoMessage

    from a2acli.agent.modes import ProxyOptions
    from a2acli.agent.options import ServeOptions
    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.client.connection import AgentConnection
    from a2acli.client.interfaces import Interface
    from a2acli.client.resume import ResumeNotice
    from a2acli.settings import ConnectionSettings

log = logging.getLogger("a2acli.serve")

P = TypeVar("P", bound="ProtoMessage")
MAX_FORWARDED_IDENTITIES = 64  # connections kept for distinct forwarded client credentials (least recent dropped)


def to_json(message: ProtoMessage) -> dict[str, Any]:
    """A proto as A2A 1.0 JSON (proto JSON names)."""
    return dict(MessageToDict(message))


def from_json(document: Any, kind: type[P]) -> P:
    """A2A 1.0 JSON as a proto; fields this SDK does not know are ignored (a newer upstream)."""
    message: P = kind()
    ParseDict(document if isinstance(document, dict) else {}, message, ignore_unknown_fields=True)
    return message


def stream_payload(event: dict[str, Any]) -> Any:
    """A StreamResponse JSON as the event proto the SDK's routes write (Task, Message, status or artifact)."""
    response = from_json(event, StreamResponse)
    which = response.WhichOneof("payload")
    if which is None:
        raise sdk_errors.InvalidAgentResponseError(message="the upstream sent an empty stream event")
    return getattr(response, which)


def as_sdk_error(exc: A2ACliError, upstream: str) -> sdk_errors.A2AError:
    """The upstream's A2A error as the SDK's (same name and message); any other failure an InternalError."""
    kind = getattr(sdk_errors, exc.code, None) if isinstance(exc.code, str) else None
    if isinstance(kind, type) and issubclass(kind, sdk_errors.A2AError) and kind is not sdk_errors.A2AError:
        return kind(message=exc.message)
    return sdk_errors.InternalError(message=f"upstream {upstream}: {exc.message}")


# ------------------------------------------------------------------------------------------------ the card


def card_proto(document: dict[str, Any]) -> AgentCard:
    """An upstream card document (A2A 1.0, or 0.3 converted by the SDK's compat layer) as the 1.0 proto."""
    if "supportedInterfaces" in document or "protocolVersion" not in document:
        return from_json(document, AgentCard)
    from a2a.compat.v0_3 import types as types_v03
    from a2a.compat.v0_3.conversions import to_core_agent_card

    return to_core_agent_card(types_v03.AgentCard.model_validate(document))


def proxied_card(upstream: AgentCard, options: ServeOptions, *, oauth: Any = None) -> AgentCard:
    """The upstream card pointing at the proxy (module doc); `oauth`: --oauth-issuer's issuer, a scheme of the proxy."""
    from a2acli.agent.card import build_agent_card

    own = build_agent_card(dataclasses.replace(options, proxy=None, replay=None), oauth=oauth)
    card = AgentCard()
    card.CopyFrom(upstream)
    del card.supported_interfaces[:]
    card.supported_interfaces.extend(own.supported_interfaces)
    del card.signatures[:]
    forward = options.proxy is not None and options.proxy.forward_credentials
    if options.bearer_token or oauth is not None or not forward:
        card.ClearField("security_schemes")
        del card.security_requirements[:]
        for name, scheme in own.security_schemes.items():
            card.security_schemes[name].CopyFrom(scheme)
        card.security_requirements.extend(own.security_requirements)
    return card


# ------------------------------------------------------------------------------------------------ the upstream


class Upstream:
    """The upstream agent: its card (resolved once at start) and, while serving, the connections to it."""

    def __init__(
        self,
        settings: ConnectionSettings,
        card: ResolvedCard,
        interface: Interface,
        *,
        forward_credentials: bool = False,
        on_notice: Callable[[ResumeNotice], None] | None = None,
    ) -> None:
        self.settings = settings
        self.card = card
        self.interface = interface
        self.forward_credentials = forward_credentials
        self.on_notice = on_notice
        self.client: httpx.AsyncClient | None = None
        self._own: AgentConnection | None = None
        self._forwarded: OrderedDict[tuple[str | None, str | None], AgentConnection] = OrderedDict()

    @property
    def name(self) -> str:
        return self.interface.url

    async def start(self) -> None:
        from a2acli.client.connection import make_http_client

        self.client = make_http_client(self.settings)

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    def connection(self, context: ServerCallContext | None) -> AgentConnection:
        """The connection for this request: the proxy's own credentials, or the client's with --forward-credentials."""
        from a2acli.client.connection import AgentConnection

        assert self.client is not None, "the upstream connection opens with the server's lifespan"
        identity = self._client_credentials(context) if self.forward_credentials else (None, None)
        if identity == (None, None):
            if self._own is None:
                self._own = AgentConnection(self.card, self.settings, self.client, self.interface)
            return self._own
        known = self._forwarded.get(identity)
        if known is not None:
            self._forwarded.move_to_end(identity)
            return known
        from a2acli.redact import register_secret

        bearer, api_key = identity
        register_secret(bearer)
        register_secret(api_key)
        settings = dataclasses.replace(
            self.settings, bearer=bearer or self.settings.bearer, api_key=api_key or self.settings.api_key
        )
        connection = AgentConnection(self.card, settings, self.client, self.interface)
        self._forwarded[identity] = connection
        while len(self._forwarded) > MAX_FORWARDED_IDENTITIES:
            self._forwarded.popitem(last=False)
        return connection

    def _client_credentials(self, context: ServerCallContext | None) -> tuple[str | None, str | None]:
        headers = context.state.get("headers") if context is not None else None
        if not isinstance(headers, dict):
            return None, None
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        bearer = None
        authorization = lowered.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            bearer = token.strip()
        api_key = lowered.get("x-api-key") or lowered.get("api-key") or None
        return bearer, api_key


async def resolve_upstream(options: ProxyOptions, notice: Callable[[ResumeNotice], None] | None) -> Upstream:
    """Fetch the upstream card and pick its interface; the typed errors of the client when that fails."""
    from a2acli.client.card_resolver import resolve_card
    from a2acli.client.connection import make_http_client
    from a2acli.client.interfaces import select_interface
    from a2acli.settings import connection_settings

    settings = connection_settings(agent_card=options.upstream, bearer=options.bearer, api_key=options.api_key)
    settings = dataclasses.replace(settings, timeout=None)
    client = make_http_client(settings)
    try:
        card = await resolve_card(settings.agent_card, settings, client=client)
    finally:
        await client.aclose()
    # The preference `connection_settings` resolved (a `catalog:NAME` entry's transport), as every command honours it.
    interface, _notes = select_interface(
        card.document, base_url=card.base_url, transports=settings.transports, a2a_version=settings.a2a_version
    )
    return Upstream(
        settings=settings,
        card=card,
        interface=interface,
        forward_credentials=options.forward_credentials,
        on_notice=notice,
    )


# ------------------------------------------------------------------------------------------------ the handler


class ProxyHandler(RequestHandler):
    """Every A2A operation forwarded to the upstream (module doc)."""

    def __init__(self, upstream: Upstream, card: AgentCard) -> None:
        self.upstream = upstream
        self.card = card

    async def aclose(self) -> None:
        await self.upstream.aclose()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except A2ACliError as exc:
            raise as_sdk_error(exc, self.upstream.name) from None

    async def _stream(self, opened: Callable[[AgentConnection], AsyncIterator[dict[str, Any]]], context: Any) -> Any:
        """The upstream's stream as it comes, ending when it ends (a subscription to an INPUT_REQUIRED task stays
        open, as the upstream keeps it). Only a cut (a transport failure before a terminal state) is taken over
        by a2acli's resumption, from what was already passed on: every event once."""
        from a2acli.client.resume import StreamLedger, is_transient, resilient_events
        from a2acli.protocol import TERMINAL_STATES

        connection = self.upstream.connection(context)
        ledger = StreamLedger()
        events = opened(connection)
        try:
            with self._errors():
                try:
                    async for event in events:
                        ledger.observe(event)
                        yield stream_payload(event)
                    return
                except Exception as exc:
                    if not is_transient(exc) or not ledger.task_id or ledger.state in TERMINAL_STATES:
                        raise
                    if self.upstream.on_notice is not None:
                        from a2acli.client.resume import ResumeNotice

                        self.upstream.on_notice(ResumeNotice("dropped", ledger.task_id, 1, 0.0, str(exc) or repr(exc)))
                await _aclose(events)
                task_id = ledger.task_id
                events = resilient_events(
                    lambda: connection.subscribe(task_id),
                    connection,
                    task_id=task_id,
                    ledger=ledger,
                    on_notice=self.upstream.on_notice,
                )
                async for event in events:
                    yield stream_payload(event)
        finally:
            await asyncio.shield(_aclose(events))

    async def on_message_send(self, params: SendMessageRequest, context: ServerCallContext) -> Task | Message:
        with self._errors():
            answer = await self.upstream.connection(context).send_message(_request(params))
        response = from_json(answer, SendMessageResponse)
        if response.HasField("message"):
            return response.message
        return response.task

    async def on_message_send_stream(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> AsyncGenerator[Any, None]:
        request = _request(params)
        async for event in self._stream(lambda c: c.stream_message(request), context):
            yield event

    async def on_subscribe_to_task(
        self, params: SubscribeToTaskRequest, context: ServerCallContext
    ) -> AsyncGenerator[Any, None]:
        async for event in self._stream(lambda c: c.subscribe(params.id), context):
            yield event

    async def on_get_task(self, params: GetTaskRequest, context: ServerCallContext) -> Task | None:
        history = params.history_length if params.HasField("history_length") else None
        with self._errors():
            return from_json(await self.upstream.connection(context).get_task(params.id, history), Task)

    async def on_list_tasks(self, params: ListTasksRequest, context: ServerCallContext) -> ListTasksResponse:
        with self._errors():
            answer = await self.upstream.connection(context).list_tasks(_request(params))
        return from_json(answer, ListTasksResponse)

    async def on_cancel_task(self, params: CancelTaskRequest, context: ServerCallContext) -> Task | None:
        metadata = to_json(params).get("metadata")
        with self._errors():
            return from_json(await self.upstream.connection(context).cancel_task(params.id, metadata), Task)

    async def on_create_task_push_notification_config(
        self, params: TaskPushNotificationConfig, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        with self._errors():
            answer = await self.upstream.connection(context).create_push_config(params.task_id, _request(params))
        return from_json(answer, TaskPushNotificationConfig)

    async def on_get_task_push_notification_config(
        self, params: GetTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        with self._errors():
            answer = await self.upstream.connection(context).get_push_config(params.task_id, params.id)
        return from_json(answer, TaskPushNotificationConfig)

    async def on_list_task_push_notification_configs(
        self, params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext
    ) -> ListTaskPushNotificationConfigsResponse:
        with self._errors():
            answer = await self.upstream.connection(context).list_push_configs(
                params.task_id, params.page_size or None, params.page_token or None
            )
        return from_json(answer, ListTaskPushNotificationConfigsResponse)

    async def on_delete_task_push_notification_config(
        self, params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> None:
        with self._errors():
            await self.upstream.connection(context).delete_push_config(params.task_id, params.id)

    async def on_get_extended_agent_card(
        self, params: GetExtendedAgentCardRequest, context: ServerCallContext
    ) -> AgentCard:
        with self._errors():
            answer = await self.upstream.connection(context).get_extended_card()
        extended = card_proto(answer)
        extended.ClearField("supported_interfaces")
        extended.supported_interfaces.extend(self.card.supported_interfaces)
        del extended.signatures[:]
        return extended


async def _aclose(events: Any) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()


def _request(params: ProtoMessage) -> dict[str, Any]:
    """A request proto as the 1.0 JSON the façade sends, without the client's tenant (the upstream's applies)."""
    document = to_json(params)
    document.pop("tenant", None)
    return document
