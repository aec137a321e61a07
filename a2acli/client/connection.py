"""One connection to one agent: card -> interface (binding + version + tenant) -> A2A operations as 1.0 JSON.

`open_connection(settings)` resolves the Agent Card, picks the interface and yields an `AgentConnection`
whose methods speak the wire directly with httpx on JSON dicts (no protobuf, no pydantic per event):

- bindings: JSON-RPC 2.0 and HTTP+JSON; versions: 1.0 (method names `SendStreamingMessage`, ...) and
  0.3 / 0.2 (`message/stream`, `/v1/message:stream`, ...). Every request carries `A2A-Version`.
- whatever the agent speaks, results are A2A 1.0 JSON (proto JSON names, `TASK_STATE_*`, `ROLE_*`,
  StreamResponse `{"task"|"message"|"statusUpdate"|"artifactUpdate"}`): 0.x is normalised
  (`a2acli.client.normalize`); 1.0 events are passed through untouched (the lean path).
- failures are typed (`a2acli.errors`): protocol errors by A2A name, connect/DNS/TLS -> UnreachableError,
  401/403 -> CredentialsMissingError / AuthFailedError with a hint from the card's security schemes,
  idle read -> TimeoutExpiredError, a stream that breaks off -> StreamDroppedError, garbage ->
  InvalidAgentResponseError. Events are size-capped (`A2ACLI_MAX_EVENT_BYTES`, default 16 MiB).

Selection (SPEC §13): the highest protocol version both sides speak (1.0 before 0.3 before 0.2; 0.x only
when the card offers nothing newer; `--a2a-version` pins), then the first interface of that version whose
binding the client speaks, in `--transport` order when given, else in card order.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from a2acli.client import normalize
from a2acli.client.sse import SSEDecoder, SSEError
from a2acli.errors import (
    A2ACliError,
    AuthFailedError,
    CredentialsMissingError,
    ExitStatus,
    InternalError,
    ProtocolError,
    TimeoutExpiredError,
    UnreachableError,
    UsageError,
    protocol_error_from_jsonrpc,
    protocol_error_from_rest,
)
from a2acli.settings import DEFAULT_MAX_EVENT_BYTES, DEFAULT_READ_TIMEOUT

if TYPE_CHECKING:
    import httpx

    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.settings import ConnectionSettings

JSONRPC = "JSONRPC"
HTTP_JSON = "HTTP+JSON"
GRPC = "GRPC"
CLIENT_BINDINGS = (JSONRPC, HTTP_JSON)
MAX_BODY_BYTES = 64 * 1024 * 1024
_DEBUG_LIMIT = 4000
_SPACE = (" ", "\t", "\r", "\n")

_BINDING_ALIASES = {
    "JSONRPC": JSONRPC,
    "JSON-RPC": JSONRPC,
    "JSON_RPC": JSONRPC,
    "HTTP+JSON": HTTP_JSON,
    "HTTP_JSON": HTTP_JSON,
    "HTTPJSON": HTTP_JSON,
    "REST": HTTP_JSON,
    "HTTP": HTTP_JSON,
    "GRPC": GRPC,
}


class StreamDroppedError(A2ACliError):
    """The event stream broke off (connection reset, truncated event, closed early) before a terminal state.

    Raised by the stream iterators so callers can recover (resubscribe / poll GetTask) before reporting it.
    """

    code = "A2ACLI_ERR_UNREACHABLE"
    exit_status = ExitStatus.UNREACHABLE


def invalid_response(message: str, *, a2a_code: str | int | None = None) -> ProtocolError:
    return ProtocolError(
        "InvalidAgentResponseError",
        message,
        a2a_code=a2a_code,
        hint="the agent's reply does not follow the A2A protocol; run with --debug to see the wire",
    )


def normalize_binding(value: str) -> str:
    key = value.strip().upper().replace(" ", "")
    return _BINDING_ALIASES.get(key, key)


def version_key(value: Any) -> tuple[int, int] | None:
    """'1.0.1' -> (1, 0); '0.3' -> (0, 3); garbage -> None."""
    if not isinstance(value, str) or not value.strip():
        return None
    bits = value.strip().lstrip("vV").split(".")
    try:
        major = int(bits[0])
        minor = int(bits[1]) if len(bits) > 1 and bits[1] else 0
    except ValueError:
        return None
    return (major, minor)


@dataclass(frozen=True)
class Interface:
    """The interface the connection speaks: where, which binding, which protocol version, which tenant."""

    url: str
    binding: str
    protocol_version: str
    tenant: str | None = None

    @property
    def legacy(self) -> bool:
        """True for 0.3 / 0.2 (0.3-style wire)."""
        key = version_key(self.protocol_version)
        return key is not None and key[0] < 1


def _join_url(base: str | None, url: str) -> str:
    if base and "://" not in url:
        import httpx

        return str(httpx.URL(base).join(url))
    return url


def card_interfaces(doc: dict[str, Any], base_url: str | None = None) -> list[Interface]:
    """Every interface a card declares (1.0 `supportedInterfaces`, else 0.3/0.2 `url` + `additionalInterfaces`)."""
    found: list[Interface] = []
    supported = doc.get("supportedInterfaces")
    if isinstance(supported, list) and supported:
        for item in supported:
            if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"]:
                continue
            binding = item.get("protocolBinding") or item.get("transport") or JSONRPC
            version = item.get("protocolVersion")
            tenant = item.get("tenant")
            found.append(
                Interface(
                    _join_url(base_url, item["url"]),
                    normalize_binding(str(binding)),
                    version if isinstance(version, str) and version else "1.0",
                    tenant if isinstance(tenant, str) and tenant else None,
                )
            )
        if found:
            return found
    url = doc.get("url")
    legacy_version = doc.get("protocolVersion")
    version = legacy_version if isinstance(legacy_version, str) and legacy_version else "0.3"
    if isinstance(url, str) and url:
        binding = doc.get("preferredTransport") or JSONRPC
        found.append(Interface(_join_url(base_url, url), normalize_binding(str(binding)), version))
    extra = doc.get("additionalInterfaces")
    if isinstance(extra, list):
        for item in extra:
            if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"]:
                candidate = Interface(
                    _join_url(base_url, item["url"]), normalize_binding(str(item.get("transport") or JSONRPC)), version
                )
                if candidate not in found:
                    found.append(candidate)
    return found


def _speakable(interface: Interface) -> tuple[int, int] | None:
    """The version the client would speak on this interface, or None if it cannot."""
    key = version_key(interface.protocol_version)
    if key is None or interface.binding not in CLIENT_BINDINGS:
        return None
    if key[0] == 1:
        return (1, 0)
    if key[0] == 0 and key[1] in (2, 3):
        return key
    return None


def select_interface(
    doc: dict[str, Any],
    *,
    base_url: str | None = None,
    transports: tuple[str, ...] = (),
    a2a_version: str | None = None,
) -> tuple[Interface, list[str]]:
    """Pick the interface (SPEC §13.1, §13.2); returns it with notes for --debug."""
    interfaces = card_interfaces(doc, base_url)
    notes: list[str] = []
    if not interfaces:
        raise ProtocolError(
            "InvalidAgentResponseError",
            "the Agent Card declares no interface (no supportedInterfaces, no url)",
            hint="check the card with `a2a card get --validate`",
        )
    wanted = [normalize_binding(t) for t in transports if t.strip()]
    for binding in wanted:
        if binding not in (*CLIENT_BINDINGS, GRPC):
            raise UsageError(f"unknown transport {binding!r}", hint="use JSONRPC or HTTP+JSON (alias REST)")
        if binding == GRPC:
            notes.append("--transport GRPC: gRPC is not supported yet; skipped")
    usable = [(i, _speakable(i)) for i in interfaces]
    usable_ok = [(i, v) for i, v in usable if v is not None]
    if not usable_ok:
        offered = ", ".join(f"{i.binding} {i.protocol_version}" for i in interfaces)
        if not any(i.binding in CLIENT_BINDINGS for i in interfaces):
            raise InternalError(
                f"the agent offers no transport this client speaks ({offered})",
                hint="a2acli speaks JSONRPC and HTTP+JSON (gRPC is not supported yet)",
            )
        raise ProtocolError(
            "VersionNotSupportedError",
            f"the agent offers no interface this client speaks ({offered})",
            hint="a2acli speaks JSONRPC and HTTP+JSON on A2A 1.0, 0.3 and 0.2",
        )
    if a2a_version:
        pin = version_key(a2a_version)
        if pin is None:
            raise UsageError(f"invalid --a2a-version {a2a_version!r}", hint="use 1.0 or 0.3")
        target = (1, 0) if pin[0] == 1 else pin
        candidates = [(i, v) for i, v in usable_ok if v == target]
        if not candidates:
            offered = ", ".join(sorted({i.protocol_version for i, _ in usable_ok}))
            raise ProtocolError(
                "VersionNotSupportedError",
                f"the agent does not offer A2A {a2a_version} (it offers {offered})",
                hint="drop --a2a-version to use the highest version both sides speak",
            )
    else:
        best = max(v for _, v in usable_ok)
        candidates = [(i, v) for i, v in usable_ok if v == best]
        if best < (1, 0):
            notes.append(
                f"the agent only speaks A2A {candidates[0][0].protocol_version}: using the legacy 0.x wire "
                "(results are normalised to A2A 1.0 JSON)"
            )
    chosen: Interface | None = None
    for binding in wanted:
        chosen = next((i for i, _ in candidates if i.binding == binding), None)
        if chosen is not None:
            break
    if chosen is None:
        if wanted:
            notes.append(f"none of --transport {', '.join(wanted)} is offered at this version; using card order")
        chosen = candidates[0][0]
    speak = next(v for i, v in candidates if i is chosen)
    spoken = f"{speak[0]}.{speak[1]}"
    if spoken != chosen.protocol_version:
        chosen = Interface(chosen.url, chosen.binding, spoken, chosen.tenant)
    notes.append(
        f"interface: {chosen.binding} {chosen.url} (A2A {chosen.protocol_version}"
        + (f", tenant {chosen.tenant}" if chosen.tenant else "")
        + ")"
    )
    return chosen, notes


# ------------------------------------------------------------------------------------------------ security


@dataclass(frozen=True)
class Scheme:
    """One declared security scheme, whatever the card's version."""

    name: str
    kind: str  # apiKey | http | oauth2 | openIdConnect | mutualTLS
    location: str = "header"  # apiKey: header | query | cookie
    param: str = ""  # apiKey: header/query/cookie name
    http_scheme: str = ""  # http: bearer | basic | ...


def security_schemes(doc: dict[str, Any]) -> list[Scheme]:
    raw = doc.get("securitySchemes")
    if not isinstance(raw, dict):
        return []
    found: list[Scheme] = []
    for name, value in raw.items():
        if not isinstance(value, dict):
            continue
        if isinstance(value.get("apiKeySecurityScheme"), dict):
            s = value["apiKeySecurityScheme"]
            found.append(
                Scheme(str(name), "apiKey", str(s.get("location") or "header").lower(), str(s.get("name") or ""))
            )
        elif isinstance(value.get("httpAuthSecurityScheme"), dict):
            s = value["httpAuthSecurityScheme"]
            found.append(Scheme(str(name), "http", http_scheme=str(s.get("scheme") or "bearer").lower()))
        elif "oauth2SecurityScheme" in value:
            found.append(Scheme(str(name), "oauth2"))
        elif "openIdConnectSecurityScheme" in value:
            found.append(Scheme(str(name), "openIdConnect"))
        elif "mtlsSecurityScheme" in value:
            found.append(Scheme(str(name), "mutualTLS"))
        else:
            kind = str(value.get("type") or "")
            if kind == "apiKey":
                found.append(
                    Scheme(str(name), "apiKey", str(value.get("in") or "header").lower(), str(value.get("name") or ""))
                )
            elif kind == "http":
                found.append(Scheme(str(name), "http", http_scheme=str(value.get("scheme") or "bearer").lower()))
            elif kind in ("oauth2", "openIdConnect", "mutualTLS"):
                found.append(Scheme(str(name), kind))
    return found


def auth_hint(schemes: list[Scheme], *, supplied: bool) -> str:
    if not schemes:
        return (
            "the agent rejected the credentials"
            if supplied
            else "pass --bearer TOKEN or --api-key KEY (or set A2ACLI_BEARER / A2ACLI_API_KEY)"
        )
    parts: list[str] = []
    for s in schemes:
        if s.kind == "apiKey":
            parts.append(f"{s.name}: API key in {s.location} {s.param or '?'} -> --api-key KEY or A2ACLI_API_KEY")
        elif s.kind == "http" and s.http_scheme == "bearer":
            parts.append(f"{s.name}: HTTP bearer token -> --bearer TOKEN or A2ACLI_BEARER")
        elif s.kind == "http":
            parts.append(f"{s.name}: HTTP {s.http_scheme} (not supported by flags; use --svc-param Authorization:...)")
        elif s.kind in ("oauth2", "openIdConnect"):
            parts.append(f"{s.name}: {s.kind} -> obtain an access token and pass --bearer TOKEN")
        else:
            parts.append(f"{s.name}: {s.kind} (client certificates are not supported yet)")
    lead = "credentials rejected; the agent declares " if supplied else "the agent declares "
    return lead + "; ".join(parts)


@dataclass
class Credentials:
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.headers or self.params or self.cookies)


def build_credentials(doc: dict[str, Any], settings: ConnectionSettings) -> Credentials:
    """Attach --bearer / --api-key as the card's security schemes say (A2A §4.5.2)."""
    from a2acli.redact import register_secret

    creds = Credentials()
    schemes = security_schemes(doc)
    if settings.bearer:
        register_secret(settings.bearer)
        creds.headers["Authorization"] = f"Bearer {settings.bearer}"
    if settings.api_key:
        register_secret(settings.api_key)
        scheme = next((s for s in schemes if s.kind == "apiKey" and s.param), None)
        if scheme is None:
            creds.headers["X-API-Key"] = settings.api_key
            creds.notes.append("the card declares no API-key scheme: sending --api-key as header X-API-Key")
        elif scheme.location == "query":
            creds.params[scheme.param] = settings.api_key
        elif scheme.location == "cookie":
            creds.cookies[scheme.param] = settings.api_key
        else:
            creds.headers[scheme.param] = settings.api_key
        if scheme is not None:
            creds.notes.append(f"--api-key sent as {scheme.location} {scheme.param} (scheme {scheme.name})")
    return creds


# ------------------------------------------------------------------------------------------------ settings


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    from a2acli.settings import parse_duration

    try:
        value = float(raw)
    except ValueError:
        parsed = parse_duration(raw, name=name)
        return default if parsed is None else parsed
    if value <= 0:
        raise UsageError(f"invalid {name}: {raw!r}", hint="a positive number")
    return value


def max_event_bytes() -> int:
    """Per-event cap (`A2ACLI_MAX_EVENT_BYTES`, default 16 MiB): memory stays bounded whatever the agent sends."""
    return int(_env_number("A2ACLI_MAX_EVENT_BYTES", DEFAULT_MAX_EVENT_BYTES))


def read_timeout() -> float:
    """Idle read timeout (`A2ACLI_READ_TIMEOUT`, default 300 s): the longest silence tolerated from an agent."""
    return _env_number("A2ACLI_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)


# ------------------------------------------------------------------------------------------------ connection


class AgentConnection:
    """A2A operations against one selected interface; every result is A2A 1.0 JSON."""

    def __init__(
        self,
        card: ResolvedCard,
        settings: ConnectionSettings,
        client: httpx.AsyncClient,
        interface: Interface | None = None,
    ) -> None:
        self.card = card
        self.settings = settings
        self.client = client
        notes: list[str] = list(card.notes) if getattr(card, "notes", None) else []
        if interface is None:
            interface, selection_notes = select_interface(
                card.document,
                base_url=card.base_url,
                transports=tuple(settings.transports),
                a2a_version=settings.a2a_version,
            )
            notes.extend(selection_notes)
        self.interface = interface
        self.credentials = build_credentials(card.document, settings)
        notes.extend(self.credentials.notes)
        self.notes = notes
        self.debug = settings.debug
        # JSON-lines output can reuse an event's own compact text instead of encoding it again: when
        # `keep_raw` is set, `last_raw` is that text for `last_event` (or None when it must be re-encoded).
        self.keep_raw = False
        self.last_event: dict[str, Any] | None = None
        self.last_raw: str | None = None
        self.max_event_bytes = max_event_bytes()
        self.read_timeout = read_timeout()
        self._headers = self._base_headers()
        self._rest_base = self.interface.url.rstrip("/")
        if self.interface.legacy and self.interface.binding == HTTP_JSON:
            self._rest_base += "/v1"
        elif self.interface.tenant and self.interface.binding == HTTP_JSON:
            self._rest_base += "/" + quote(self.interface.tenant, safe="")
        if self.debug:
            from a2acli.redact import redact
            from a2acli.render.writers import diag

            for note in notes:
                diag(redact(f"debug: {note}"))

    # ---------------------------------------------------------------- card facts

    @property
    def capabilities(self) -> dict[str, Any]:
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

    # ---------------------------------------------------------------- operations

    async def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """SendMessage -> SendMessageResponse `{"task": ...}` or `{"message": ...}`."""
        iface = self.interface
        if iface.binding == JSONRPC:
            if iface.legacy:
                result = await self._rpc("message/send", normalize.send_params_v03(params))
                return self._normalized(normalize.send_response_v10, result)
            result = await self._rpc("SendMessage", self._with_tenant(params))
        elif iface.legacy:
            result = await self._rest("POST", "/message:send", body=normalize.send_body_rest_v03(params))
            return self._normalized(normalize.send_response_v10, result)
        else:
            result = await self._rest("POST", "/message:send", body=self._with_tenant(params))
        return self._send_response(result)

    def stream_message(self, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """SendStreamingMessage -> StreamResponse per event."""
        iface = self.interface
        if iface.binding == JSONRPC:
            if iface.legacy:
                return self._rpc_stream("message/stream", normalize.send_params_v03(params))
            return self._rpc_stream("SendStreamingMessage", self._with_tenant(params))
        if iface.legacy:
            return self._rest_stream("POST", "/message:stream", normalize.send_body_rest_v03(params))
        return self._rest_stream("POST", "/message:stream", self._with_tenant(params))

    async def get_task(self, task_id: str, history_length: int | None = None) -> dict[str, Any]:
        iface = self.interface
        params: dict[str, Any] = {"id": task_id}
        if history_length is not None:
            params["historyLength"] = history_length
        if iface.binding == JSONRPC:
            if iface.legacy:
                return self._normalized(normalize.task_v10, await self._rpc("tasks/get", params))
            result = await self._rpc("GetTask", self._with_tenant(params))
        else:
            query = {"historyLength": str(history_length)} if history_length is not None else None
            result = await self._rest("GET", f"/tasks/{_seg(task_id)}", query=query)
            if iface.legacy:
                return self._normalized(normalize.task_v10, result)
        return self._task(result)

    async def list_tasks(self, params: dict[str, Any]) -> dict[str, Any]:
        """ListTasks (1.0 only) -> ListTasksResponse."""
        iface = self.interface
        if iface.legacy:
            raise ProtocolError(
                "UnsupportedOperationError",
                f"listing tasks needs A2A 1.0; this agent speaks {iface.protocol_version}",
                hint="pass the task id you were given to `a2a task get`",
            )
        if iface.binding == JSONRPC:
            result = await self._rpc("ListTasks", self._with_tenant(params))
        else:
            query = {k: _query_value(v) for k, v in params.items() if v is not None and k != "tenant"}
            result = await self._rest("GET", "/tasks", query=query)
        if not isinstance(result, dict):
            raise invalid_response("ListTasks answered something other than an object")
        if result.get("tasks") and any(isinstance(t, dict) and "kind" in t for t in result["tasks"]):
            result = {**result, "tasks": [self._normalized(normalize.task_v10, t) for t in result["tasks"]]}
        return result

    async def cancel_task(self, task_id: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        iface = self.interface
        params: dict[str, Any] = {"id": task_id}
        if metadata:
            params["metadata"] = metadata
        if iface.binding == JSONRPC:
            if iface.legacy:
                return self._normalized(normalize.task_v10, await self._rpc("tasks/cancel", params))
            result = await self._rpc("CancelTask", self._with_tenant(params))
        elif iface.legacy:
            return self._normalized(
                normalize.task_v10, await self._rest("POST", f"/tasks/{_seg(task_id)}:cancel", body={})
            )
        else:
            result = await self._rest("POST", f"/tasks/{_seg(task_id)}:cancel", body=self._with_tenant(params))
        return self._task(result)

    def subscribe(self, task_id: str) -> AsyncIterator[dict[str, Any]]:
        """SubscribeToTask (0.3: tasks/resubscribe) -> StreamResponse per event; the first is the Task."""
        iface = self.interface
        if iface.binding == JSONRPC:
            if iface.legacy:
                return self._rpc_stream("tasks/resubscribe", {"id": task_id})
            return self._rpc_stream("SubscribeToTask", self._with_tenant({"id": task_id}))
        return self._rest_stream("POST", f"/tasks/{_seg(task_id)}:subscribe", None, retry_get_on_405=True)

    async def create_push_config(self, task_id: str, config: dict[str, Any]) -> dict[str, Any]:
        """CreateTaskPushNotificationConfig; `config` holds url, and optionally id, token, authentication."""
        iface = self.interface
        body = {k: v for k, v in config.items() if k not in ("taskId", "tenant")}
        if iface.legacy:
            v03 = normalize.push_config_v03(body)
            if iface.binding == JSONRPC:
                result = await self._rpc(
                    "tasks/pushNotificationConfig/set", {"taskId": task_id, "pushNotificationConfig": v03}
                )
            else:
                result = await self._rest(
                    "POST",
                    f"/tasks/{_seg(task_id)}/pushNotificationConfigs",
                    body={
                        "parent": f"tasks/{task_id}",
                        "configId": v03.get("id", ""),
                        "config": {"pushNotificationConfig": v03},
                    },
                )
            return self._normalized(normalize.push_config_v10, result)
        params = self._with_tenant({"taskId": task_id, **body})
        if iface.binding == JSONRPC:
            result = await self._rpc("CreateTaskPushNotificationConfig", params)
        else:
            result = await self._rest("POST", f"/tasks/{_seg(task_id)}/pushNotificationConfigs", body=params)
        return self._object(result, "CreateTaskPushNotificationConfig")

    async def get_push_config(self, task_id: str, config_id: str) -> dict[str, Any]:
        iface = self.interface
        if iface.legacy:
            if iface.binding == JSONRPC:
                result = await self._rpc(
                    "tasks/pushNotificationConfig/get", {"id": task_id, "pushNotificationConfigId": config_id}
                )
            else:
                result = await self._rest("GET", f"/tasks/{_seg(task_id)}/pushNotificationConfigs/{_seg(config_id)}")
            return self._normalized(normalize.push_config_v10, result)
        if iface.binding == JSONRPC:
            result = await self._rpc(
                "GetTaskPushNotificationConfig", self._with_tenant({"taskId": task_id, "id": config_id})
            )
        else:
            result = await self._rest("GET", f"/tasks/{_seg(task_id)}/pushNotificationConfigs/{_seg(config_id)}")
        return self._object(result, "GetTaskPushNotificationConfig")

    async def list_push_configs(
        self, task_id: str, page_size: int | None = None, page_token: str | None = None
    ) -> dict[str, Any]:
        """ListTaskPushNotificationConfigs -> `{"configs": [...], "nextPageToken"?}`."""
        iface = self.interface
        if iface.legacy:
            if iface.binding != JSONRPC:
                raise ProtocolError(
                    "UnsupportedOperationError", "listing push configs is not part of the A2A 0.3 HTTP+JSON binding"
                )
            result = await self._rpc("tasks/pushNotificationConfig/list", {"id": task_id})
            items = result if isinstance(result, list) else []
            return {"configs": [self._normalized(normalize.push_config_v10, c) for c in items]}
        params: dict[str, Any] = {"taskId": task_id}
        if page_size is not None:
            params["pageSize"] = page_size
        if page_token:
            params["pageToken"] = page_token
        if iface.binding == JSONRPC:
            result = await self._rpc("ListTaskPushNotificationConfigs", self._with_tenant(params))
        else:
            query = {k: str(v) for k, v in params.items() if k != "taskId"}
            result = await self._rest("GET", f"/tasks/{_seg(task_id)}/pushNotificationConfigs", query=query)
        return self._object(result, "ListTaskPushNotificationConfigs")

    async def delete_push_config(self, task_id: str, config_id: str) -> None:
        iface = self.interface
        if iface.legacy:
            if iface.binding != JSONRPC:
                raise ProtocolError(
                    "UnsupportedOperationError", "deleting push configs is not part of the A2A 0.3 HTTP+JSON binding"
                )
            await self._rpc(
                "tasks/pushNotificationConfig/delete", {"id": task_id, "pushNotificationConfigId": config_id}
            )
            return
        if iface.binding == JSONRPC:
            await self._rpc("DeleteTaskPushNotificationConfig", self._with_tenant({"taskId": task_id, "id": config_id}))
        else:
            await self._rest("DELETE", f"/tasks/{_seg(task_id)}/pushNotificationConfigs/{_seg(config_id)}")

    async def get_extended_card(self) -> dict[str, Any]:
        """GetExtendedAgentCard (0.3: agent/getAuthenticatedExtendedCard) -> the card document as served."""
        iface = self.interface
        if iface.binding == JSONRPC:
            method = "agent/getAuthenticatedExtendedCard" if iface.legacy else "GetExtendedAgentCard"
            result = await self._rpc(method, {} if iface.legacy else self._with_tenant({}))
        else:
            result = await self._rest("GET", "/card" if iface.legacy else "/extendedAgentCard")
        return self._object(result, "GetExtendedAgentCard")

    # ---------------------------------------------------------------- result shapes

    def _with_tenant(self, params: dict[str, Any]) -> dict[str, Any]:
        tenant = self.interface.tenant
        if tenant and params.get("tenant") != tenant:
            return {**params, "tenant": tenant}
        return params

    @staticmethod
    def _normalized(fn: Any, value: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = fn(value)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise invalid_response(f"cannot read the agent's A2A 0.x reply: {exc}") from None
        return result

    def _send_response(self, result: Any) -> dict[str, Any]:
        if isinstance(result, dict):
            inner = result.get("task") if "task" in result else result.get("message")
            if isinstance(inner, dict) and len(result) == 1:
                if "kind" in inner:  # a 0.3 object inside a 1.0 wrapper
                    return self._normalized(normalize.send_response_v10, inner)
                return result
            if "kind" in result:  # a 0.3 reply mislabelled as 1.0
                return self._normalized(normalize.send_response_v10, result)
        raise invalid_response("SendMessage answered neither a task nor a message")

    def _task(self, result: Any) -> dict[str, Any]:
        if isinstance(result, dict) and isinstance(result.get("id"), str):
            status = result.get("status")
            state = status.get("state") if isinstance(status, dict) else None
            if "kind" in result or (isinstance(state, str) and not state.startswith("TASK_STATE_")):
                return self._normalized(normalize.task_v10, result)
            return result
        raise invalid_response("the agent answered something other than a Task")

    @staticmethod
    def _object(result: Any, what: str) -> dict[str, Any]:
        if isinstance(result, dict):
            return result
        if result is None:
            return {}
        raise invalid_response(f"{what} answered something other than a JSON object")

    # ---------------------------------------------------------------- HTTP plumbing

    def _base_headers(self) -> dict[str, str]:
        from a2acli import __version__
        from a2acli.redact import register_secret

        headers: dict[str, str] = {"User-Agent": f"a2acli/{__version__}"}
        for key, value in self.settings.svc_params:
            register_secret(value)
            headers[key] = value
        headers.update(self.credentials.headers)
        headers["A2A-Version"] = self.interface.protocol_version
        return headers

    def _debug_out(self, text: str) -> None:
        from a2acli.redact import redact
        from a2acli.render.writers import diag

        if len(text) > _DEBUG_LIMIT:
            text = text[:_DEBUG_LIMIT] + f"… ({len(text)} chars)"
        diag(redact(text))

    def _debug_request(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> None:
        self._debug_out(f"debug: > {method} {url}")
        for key, value in headers.items():
            self._debug_out(f"debug: > {key}: {value}")
        if body:
            self._debug_out("debug: > " + body.decode("utf-8", "replace"))

    def _prepare(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        accept: str = "application/json",
    ) -> tuple[dict[str, str], bytes | None, dict[str, str]]:
        """The headers, body bytes and query parameters of one request (pure; shown under --debug).

        Shared by the httpx path and the synchronous first stream (`a2acli.client.fast`): both send the same."""
        headers = dict(self._headers)
        headers["Accept"] = accept
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        params = dict(self.credentials.params)
        if query:
            params.update(query)
        if self.debug:
            shown = url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
            self._debug_request(method, shown, headers, content)
        return headers, content, params

    def _build(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        accept: str = "application/json",
    ) -> httpx.Request:
        headers, content, params = self._prepare(method, url, body=body, query=query, accept=accept)
        return self.client.build_request(
            method,
            url,
            content=content,
            headers=headers,
            params=params or None,
            cookies=self.credentials.cookies or None,
            timeout=self._timeout(),
        )

    def _timeout(self) -> Any:
        import httpx

        return httpx.Timeout(self.read_timeout, connect=self.settings.connect_timeout)

    async def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        import httpx

        try:
            return await self.client.send(request, stream=stream, follow_redirects=False)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise UnreachableError(
                    f"timed out connecting to {_origin(request)}", hint="is the agent running at that address?"
                ) from None
            raise TimeoutExpiredError(
                f"the agent sent nothing for {self.read_timeout:g}s ({request.method} {request.url.path})",
                hint="raise A2ACLI_READ_TIMEOUT for slow agents",
            ) from None
        except httpx.HTTPError as exc:
            raise _transport_error(exc, request) from None

    async def _read_body(self, response: httpx.Response, limit: int) -> bytes:
        import httpx

        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise invalid_response(f"the agent's reply is larger than {limit} bytes")
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise TimeoutExpiredError(
                f"the agent stopped sending for {self.read_timeout:g}s", hint="raise A2ACLI_READ_TIMEOUT"
            ) from None
        except httpx.HTTPError as exc:
            raise StreamDroppedError(
                f"the connection to the agent broke while reading its reply: {_reason(exc)}"
            ) from None
        return b"".join(chunks)

    async def _check_status(self, response: httpx.Response) -> None:
        """Raise the typed error for a non-2xx answer (reads a capped body)."""
        status = response.status_code
        if 200 <= status < 300:
            return
        body = await self._read_body(response, min(self.max_event_bytes, 1024 * 1024))
        raise self.status_error(status, response.headers, body, response.request.url.path)

    def status_error(self, status: int, headers: Any, body: bytes, path: str) -> A2ACliError:
        """The typed error for a non-2xx answer whose (capped) body is `body`.

        Pure: shared by the httpx path and the synchronous first stream. `headers.get` takes lower-case names."""
        if self.debug:
            self._debug_out(f"debug: < HTTP {status} {headers.get('content-type', '')}")
            self._debug_out("debug: < " + body.decode("utf-8", "replace"))
        if status in (401, 403):
            supplied = self.credentials.any or any(
                k.lower() in ("authorization", "cookie") or "key" in k.lower() or "token" in k.lower()
                for k, _ in self.settings.svc_params
            )
            challenge = headers.get("www-authenticate", "")
            hint = auth_hint(security_schemes(self.card.document), supplied=supplied)
            if challenge:
                from a2acli.render.sanitize import clean_line

                hint += f" (server asks: {clean_line(challenge)[:200]})"
            what = "authentication required" if status == 401 else "access denied"
            if supplied:
                return AuthFailedError(f"the agent answered HTTP {status}: {what}", a2a_code=status, hint=hint)
            return CredentialsMissingError(f"the agent answered HTTP {status}: {what}", a2a_code=status, hint=hint)
        if 300 <= status < 400:
            location = headers.get("location", "")
            return UnreachableError(
                f"the agent answered HTTP {status} (a redirect{' to ' + location[:200] if location else ''})",
                a2a_code=status,
                hint="point --agent-card at the final address; A2A requests are not redirected",
            )
        doc = _json_or_none(body)
        if isinstance(doc, dict):
            if isinstance(doc.get("error"), dict) and "code" in doc["error"] and doc.get("jsonrpc") == "2.0":
                return protocol_error_from_jsonrpc(doc["error"])
            if isinstance(doc.get("error"), dict):
                err = protocol_error_from_rest(status, doc)
                if (
                    err.code == "UnknownA2AError"
                    and isinstance(doc["error"].get("code"), int)
                    and doc["error"]["code"] < 0
                ):
                    err = protocol_error_from_jsonrpc(doc["error"])
                if err.code == "UnknownA2AError" and status == 404:
                    err = ProtocolError(
                        "TaskNotFoundError" if "/tasks/" in path else "MethodNotFoundError",
                        err.message,
                        a2a_code=status,
                    )
                return err
            legacy_type = doc.get("type")
            if isinstance(legacy_type, str) and legacy_type.endswith("Error"):
                message = doc.get("message")
                return ProtocolError(
                    legacy_type, message if isinstance(message, str) and message else legacy_type, a2a_code=status
                )
        ctype = headers.get("content-type", "").split(";")[0].strip() or "no content type"
        hint = "the agent failed; run with --debug to see its reply"
        if status == 429 or status == 503:
            retry = headers.get("retry-after")
            hint = (
                f"the agent is overloaded or rate limiting; retry after {retry.strip()[:20]}s"
                if retry
                else "the agent is overloaded or rate limiting; retry later"
            )
        if status == 404:
            hint = "no A2A endpoint at that URL: check the card's interface URL (see `a2a card get`)"
        return InternalError(
            f"the agent answered HTTP {status} ({ctype}), not an A2A response", a2a_code=status, hint=hint
        )

    async def _call(self, request: httpx.Request) -> Any:
        response = await self._send(request, stream=True)
        try:
            await self._check_status(response)
            body = await self._read_body(response, max(self.max_event_bytes, MAX_BODY_BYTES))
        finally:
            await response.aclose()
        if self.debug:
            self._debug_out(f"debug: < HTTP {response.status_code}")
            self._debug_out("debug: < " + body.decode("utf-8", "replace"))
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            ctype = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
            raise invalid_response(f"the agent's reply is not JSON ({ctype})") from None

    async def _rpc(self, method: str, params: dict[str, Any]) -> Any:
        payload = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": method, "params": params}
        request = self._build("POST", self.interface.url, body=payload)
        doc = await self._call(request)
        return _rpc_result(doc)

    async def _rest(self, method: str, path: str, *, body: Any = None, query: dict[str, str] | None = None) -> Any:
        request = self._build(method, self._rest_base + path, body=body, query=query)
        return await self._call(request)

    # ---------------------------------------------------------------- streams

    def _rpc_stream(self, method: str, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        payload = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": method, "params": params}
        return self._stream("POST", self.interface.url, payload, rpc=True)

    def _rest_stream(
        self, method: str, path: str, body: Any, *, retry_get_on_405: bool = False
    ) -> AsyncIterator[dict[str, Any]]:
        return self._stream(method, self._rest_base + path, body, rpc=False, retry_get_on_405=retry_get_on_405)

    def _stream(
        self, method: str, url: str, body: Any, *, rpc: bool, retry_get_on_405: bool = False
    ) -> AsyncIterator[dict[str, Any]]:
        """One event-stream request (overridden by the synchronous first stream of `a2acli.client.fast`)."""
        request = self._build(method, url, body=body, accept="text/event-stream")
        fallback = self._build("GET", url, accept="text/event-stream") if retry_get_on_405 else None
        return self._events(request, rpc=rpc, fallback=fallback)

    async def _events(
        self, request: httpx.Request, *, rpc: bool, fallback: httpx.Request | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        import httpx

        legacy = self.interface.legacy
        response = await self._send(request, stream=True)
        try:
            if response.status_code == 405 and fallback is not None:
                await response.aclose()
                response = await self._send(fallback, stream=True)
            await self._check_status(response)
            ctype = response.headers.get("content-type", "")
            if self.debug:
                self._debug_out(f"debug: < HTTP {response.status_code} {ctype}")
            if "text/event-stream" not in ctype:
                # A plain JSON answer to a streaming request: an error, or a single result.
                body = await self._read_body(response, self.max_event_bytes)
                yield self.plain_reply(body, ctype, rpc=rpc, legacy=legacy)
                return
            decoder = SSEDecoder(self.max_event_bytes)
            decode = self.event_decoder(rpc=rpc, legacy=legacy)
            try:
                async for chunk in response.aiter_bytes():
                    for name, data in decoder.feed(chunk):
                        yield decode(name, data)
            except SSEError as exc:
                raise invalid_response(str(exc)) from None
            except httpx.TimeoutException:
                raise self.silent_stream() from None
            except httpx.HTTPError as exc:
                raise StreamDroppedError(f"the event stream broke off: {_reason(exc)}") from None
            if not decoder.finish():
                raise StreamDroppedError("the event stream ended in the middle of an event")
        finally:
            await response.aclose()

    def silent_stream(self) -> TimeoutExpiredError:
        return TimeoutExpiredError(
            f"the agent's event stream was silent for {self.read_timeout:g}s",
            hint="raise A2ACLI_READ_TIMEOUT for slow agents",
        )

    def plain_reply(self, body: bytes, ctype: str, *, rpc: bool, legacy: bool) -> dict[str, Any]:
        """A plain JSON answer (capped `body`) to a streaming request: its one event, or the typed error."""
        if self.debug:
            self._debug_out("debug: < " + body.decode("utf-8", "replace"))
        doc = _json_or_none(body)
        if doc is None:
            shown = ctype.split(";")[0].strip() or "no content type"
            raise invalid_response(f"the agent answered a streaming request with {shown}, not an event stream")
        result = _rpc_result(doc) if rpc else doc
        return self._event(result, legacy)

    def event_decoder(self, *, rpc: bool, legacy: bool) -> Any:
        """`decode(name, data) -> StreamResponse` for one SSE event of a stream, raising the typed errors.

        Pure (no I/O): shared by the httpx path and the synchronous first stream. With `keep_raw`, a 1.0
        event passed through untouched also leaves its compact text in `last_raw` (see `__init__`)."""
        debug = self.debug
        keep_raw = self.keep_raw
        raw_decode = json.JSONDecoder().raw_decode

        def decode(name: str, data: bytes) -> dict[str, Any]:
            if debug:
                self._debug_out(f"debug: < event: {name} data: " + data.decode("utf-8", "replace"))
            if name == "error":
                raise _error_event(data)
            try:
                text = data.decode("utf-8")
                if text[:1] in _SPACE:
                    text = text.lstrip()
                doc, end = raw_decode(text)
                if end != len(text) and text[end:].strip():
                    raise ValueError("trailing data")
            except (ValueError, RecursionError):
                raise invalid_response("the agent sent an event that is not JSON") from None
            if rpc:
                if type(doc) is not dict:
                    raise invalid_response("the agent sent an event that is not a JSON-RPC response")
                result = doc.get("result")
                if result is None:
                    raise _rpc_error(doc)
            else:
                result = doc
                if type(doc) is dict and "error" in doc and len(doc) <= 2:
                    raise protocol_error_from_rest(0, doc)
            if (
                not legacy
                and type(result) is dict
                and len(result) == 1
                and ("artifactUpdate" in result or "statusUpdate" in result or "task" in result or "message" in result)
            ):
                if keep_raw:
                    self.last_event = result
                    self.last_raw = _raw_result(text, doc) if rpc else _raw_json(text)
                return result  # the lean 1.0 path: passed through untouched
            return self._event(result, legacy)

        return decode

    def _event(self, result: Any, legacy: bool) -> dict[str, Any]:
        """Validate / normalise one streamed result into a 1.0 StreamResponse."""
        if isinstance(result, dict):
            if not legacy and "kind" not in result and len(result) == 1:
                key = next(iter(result))
                if key in ("task", "message", "statusUpdate", "artifactUpdate") and isinstance(result[key], dict):
                    return result
            return self._normalized(normalize.stream_response_v10, result)
        raise invalid_response("the agent sent an event that is not a JSON object")


# ------------------------------------------------------------------------------------------------ helpers


def _seg(value: str) -> str:
    return quote(value, safe="")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _origin(request: httpx.Request) -> str:
    url = request.url
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _transport_error(exc: Exception, request: httpx.Request) -> A2ACliError:
    import httpx

    reason = _reason(exc)
    origin = _origin(request)
    if isinstance(exc, httpx.ConnectError):
        low = reason.lower()
        if "ssl" in low or "certificate" in low or "tls" in low:
            return UnreachableError(
                f"TLS handshake with {origin} failed: {reason}",
                hint="check the certificate; --insecure skips verification (development only)",
            )
        return UnreachableError(f"cannot reach {origin}: {reason}", hint="is the agent running at that address?")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return StreamDroppedError(f"the agent at {origin} closed the connection: {reason}")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return UnreachableError(
            f"unsupported agent URL {request.url}: {reason}", hint="the card's interface URL must be http(s)"
        )
    return UnreachableError(f"request to {origin} failed: {reason}")


_ENVELOPE_KEYS = frozenset({"jsonrpc", "id", "result"})


def _raw_json(text: str) -> str | None:
    """`text` as one output line if it is already compact, single-line, plain-ASCII JSON; else None.

    `": ` and `, "` cannot occur in compact JSON outside strings, and inside a string a quote is escaped,
    so their absence means no structural whitespace after keys or between members (a false alarm only
    costs a re-encode). Non-ASCII text is re-encoded so terminal controls get \\u-escaped.
    """
    raw = text.strip()
    if raw[:1] != "{" or not raw.isascii() or "\n" in raw or '": ' in raw or ', "' in raw:
        return None
    return raw


def _raw_result(text: str, doc: dict[str, Any]) -> str | None:
    """The raw text of a JSON-RPC envelope's `result`, when `result` is its last member (else None)."""
    if not doc.keys() <= _ENVELOPE_KEYS or next(reversed(doc)) != "result":
        return None
    if not isinstance(doc.get("id"), str | int | None) or not isinstance(doc.get("jsonrpc"), str | None):
        return None  # a nested "result" key before the real one would fool the search below
    start = text.find('"result":')
    end = text.rfind("}")
    if start < 0 or end <= start:
        return None
    return _raw_json(text[start + 9 : end])


def _json_or_none(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _rpc_result(doc: Any) -> Any:
    if not isinstance(doc, dict):
        raise invalid_response("the agent's reply is not a JSON-RPC response object")
    if "result" in doc and doc.get("error") is None:
        return doc["result"]
    raise _rpc_error(doc)


def _rpc_error(doc: dict[str, Any]) -> ProtocolError:
    err = doc.get("error")
    if isinstance(err, dict):
        return protocol_error_from_jsonrpc(err)
    return invalid_response("the agent's JSON-RPC response has neither a result nor an error")


def _error_event(data: bytes) -> A2ACliError:
    """`event: error` mid-stream: a JSON-RPC error, an HTTP+JSON error, or free text."""
    doc = _json_or_none(data)
    if isinstance(doc, dict):
        if isinstance(doc.get("error"), dict):
            err = doc["error"]
            if doc.get("jsonrpc") == "2.0" or (isinstance(err.get("code"), int) and err["code"] < 0):
                return protocol_error_from_jsonrpc(err)
            return protocol_error_from_rest(int(err["code"]) if isinstance(err.get("code"), int) else 0, doc)
        if isinstance(doc.get("code"), int) and isinstance(doc.get("message"), str):
            return protocol_error_from_jsonrpc(doc)
    from a2acli.render.sanitize import clean_line

    text = clean_line(data.decode("utf-8", "replace"))[:300] or "no details"
    return ProtocolError("InternalError", f"the agent reported an error mid-stream: {text}")


# ------------------------------------------------------------------------------------------------ entry points


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def make_http_client(settings: ConnectionSettings) -> httpx.AsyncClient:
    """The one HTTP client of a command. TLS verification is on unless --insecure (which warns).

    Building a verifying SSL context loads the CA bundle (tens of ms); a plain-http agent never needs it, so
    the https transport is created on first use (unless a proxy is configured from the environment).
    """
    import httpx

    if settings.insecure:
        from a2acli.render.writers import warn

        warn("TLS certificate verification is DISABLED (--insecure): anyone on the network can impersonate the agent")
    timeout = httpx.Timeout(read_timeout(), connect=settings.connect_timeout)
    if any(os.environ.get(v) or os.environ.get(v.upper()) for v in _PROXY_VARIABLES):
        return httpx.AsyncClient(verify=not settings.insecure, timeout=timeout, follow_redirects=False, trust_env=True)
    verify = not settings.insecure
    return httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(verify=False),  # mounted for http:// only: it never speaks TLS
        mounts={"https://": _LazyTransport(lambda: httpx.AsyncHTTPTransport(verify=verify))},  # type: ignore[dict-item]
        timeout=timeout,
        follow_redirects=False,
        trust_env=True,
    )


class _LazyTransport:
    """An httpx transport built on first request (see `make_http_client`); duck-typed like AsyncBaseTransport."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._transport: Any = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._transport is None:
            self._transport = self._factory()
        response: httpx.Response = await self._transport.handle_async_request(request)
        return response

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()

    async def __aenter__(self) -> _LazyTransport:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()


@contextlib.asynccontextmanager
async def open_connection(settings: ConnectionSettings) -> AsyncIterator[AgentConnection]:
    """Resolve the card, select the interface and yield the connection (closed on exit)."""
    from a2acli.client.card_resolver import resolve_card

    client = make_http_client(settings)
    try:
        card = await resolve_card(settings.agent_card, settings, client=client)
        yield AgentConnection(card, settings, client)
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def deadline(seconds: float | None, what: str = "before the task finished") -> AsyncIterator[None]:
    """Apply `--timeout` to a block: expiry raises TimeoutExpiredError (exit 5)."""
    if seconds is None:
        yield
        return
    import asyncio

    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise TimeoutExpiredError(f"--timeout {seconds:g}s expired {what}") from None
