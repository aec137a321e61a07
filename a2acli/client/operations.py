"""The A2A operations, each declared once: how every binding and protocol version spells it on the wire.

An operation takes its A2A 1.0 request (proto JSON names, as `a2a-v1.0.1.proto` declares the request message)
and gives back its A2A 1.0 result. One row per operation, one column per binding:

- `jsonrpc`: the JSON-RPC 2.0 method for 1.0 and for 0.3, and how the 0.3 params are built from the 1.0 request
  (1.0 params are the request itself, with the interface's tenant);
- `http_json`: the HTTP+JSON verb and path for 1.0 and for 0.3 (`{field}` is the request field, percent-encoded;
  the interface's `/{tenant}` or 0.3's `/v1` prefix the path), the body each sends, and the request fields that
  go to the query string;
- `grpc`: the rpc of `lf.a2a.v1.A2AService` and of 0.3's `a2a.v1.A2AService` (the 1.0 request converts to the
  proto request message one to one, so the gRPC wire, `a2acli.client.grpc_wire`, needs these names and the row's
  1.0 reply, nothing else; a 0.3 reply comes back converted to 1.0 by the a2a-sdk's compat layer).

`replies` reads a unary answer: `v10` checks a 1.0 answer (and repairs a 0.3 object mislabelled as 1.0), `v03`
turns a 0.3 answer into 1.0; streaming rows have none (`a2acli.client.events` reads their events). `None` in a
0.3 cell: the operation does not exist there, and `plan` raises UnsupportedOperationError with the row's
`missing_v03` message. Pure: no I/O; `plan` says what to send, the connection sends it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Generic, NamedTuple, TypedDict, TypeVar, cast
from urllib.parse import quote

from a2acli.client import normalize
from a2acli.client.interfaces import GRPC, HTTP_JSON, JSONRPC, Interface
from a2acli.client.wire import invalid_response, normalized
from a2acli.errors import ProtocolError
from a2acli.protocol import (
    JSONObject,
    JSONValue,
    ListTasksResponse,
    SendMessageResponse,
    Task,
    TaskPushNotificationConfig,
)

Request = JSONObject
"""An operation's A2A 1.0 request: the proto request message as JSON (camelCase names)."""
Build = Callable[[Request], "JSONObject | None"]
R = TypeVar("R", covariant=True)

GRPC_SERVICE = "lf.a2a.v1.A2AService"
GRPC_SERVICE_V03 = "a2a.v1.A2AService"


class PushConfigList(TypedDict, total=False):
    """ListTaskPushNotificationConfigsResponse."""

    configs: list[TaskPushNotificationConfig]
    nextPageToken: str


def _same(request: Request) -> Request:
    return request


# ------------------------------------------------------------------------------------------------ columns


class Route(NamedTuple):
    """One HTTP+JSON endpoint. `body`: what the request sends (None: no body); GET / DELETE send the request
    fields not in the path as the query string instead."""

    verb: str
    path: str
    body: Build | None = None
    #: 405 -> the same URL again with GET (agents built on either reading of the 0.3 / 1.0 subscribe route)
    get_on_405: bool = False


class JsonRpc(NamedTuple):
    method: str
    method_v03: str | None
    params_v03: Build = _same


class HttpJson(NamedTuple):
    route: Route
    route_v03: Route | None


class Grpc(NamedTuple):
    method: str
    #: the rpc of 0.3's `a2a.v1.A2AService` (None: not in 0.3)
    method_v03: str | None

    @property
    def path(self) -> str:
        """The gRPC request path (`/package.Service/Method`)."""
        return f"/{GRPC_SERVICE}/{self.method}"

    @property
    def path_v03(self) -> str | None:
        return f"/{GRPC_SERVICE_V03}/{self.method_v03}" if self.method_v03 else None


class Missing(NamedTuple):
    """Why a 0.3 cell is empty; `{version}` is the interface's protocol version."""

    message: str
    hint: str | None = None


class Replies(NamedTuple, Generic[R]):
    """How a unary operation's result is read: `v10` checks a 1.0 answer (and repairs a 0.3 object mislabelled
    as 1.0), `v03` converts a 0.3 answer. A streaming operation has none: a2acli.client.events reads its events."""

    v10: Callable[[JSONValue], R]
    v03: Callable[[JSONValue], R]


class Operation(NamedTuple, Generic[R]):
    name: str
    jsonrpc: JsonRpc
    http_json: HttpJson
    grpc: Grpc
    replies: Replies[R] | None
    missing_v03: Missing | None = None
    #: the result is empty (google.protobuf.Empty): a JSON-RPC reply without a `result` member is success too,
    #: as the a2a-sdk's 0.3 JSON-RPC server sends it
    empty: bool = False

    @property
    def streaming(self) -> bool:
        return self.replies is None


# ------------------------------------------------------------------------------------------------ replies


def _send_v10(result: JSONValue) -> SendMessageResponse:
    if isinstance(result, dict):
        inner = result.get("task") if "task" in result else result.get("message")
        if isinstance(inner, dict) and len(result) == 1:
            if "kind" in inner:  # a 0.3 object inside a 1.0 wrapper
                return _send_v03(inner)
            return cast(SendMessageResponse, result)
        if "kind" in result:  # a 0.3 reply mislabelled as 1.0
            return _send_v03(result)
    raise invalid_response("SendMessage answered neither a task nor a message")


def _send_v03(result: JSONValue) -> SendMessageResponse:
    return normalized(normalize.send_response_v10, result)


def _task_v10(result: JSONValue) -> Task:
    if isinstance(result, dict) and isinstance(result.get("id"), str):
        status = result.get("status")
        state = status.get("state") if isinstance(status, dict) else None
        if "kind" in result or (isinstance(state, str) and not state.startswith("TASK_STATE_")):
            return _task_v03(result)
        return cast(Task, result)
    raise invalid_response("the agent answered something other than a Task")


def _task_v03(result: JSONValue) -> Task:
    return normalized(normalize.task_v10, result)


def _list_tasks(result: JSONValue) -> ListTasksResponse:
    if not isinstance(result, dict):
        raise invalid_response("ListTasks answered something other than an object")
    tasks = result.get("tasks")
    if isinstance(tasks, list) and any(isinstance(t, dict) and "kind" in t for t in tasks):
        return cast(ListTasksResponse, {**result, "tasks": [_task_v03(t) for t in tasks]})
    return cast(ListTasksResponse, result)


def _object(what: str) -> Callable[[JSONValue], Any]:
    def reply(result: JSONValue) -> JSONObject:
        if isinstance(result, dict):
            return result
        if result is None:
            return {}
        raise invalid_response(f"{what} answered something other than a JSON object")

    return reply


def _push_config_v03(result: JSONValue) -> TaskPushNotificationConfig:
    return normalized(normalize.push_config_v10, result)


def _push_configs_v03(result: JSONValue) -> PushConfigList:
    items = result if isinstance(result, list) else []
    return {"configs": [_push_config_v03(c) for c in items]}


def _nothing(result: JSONValue) -> None:
    return None


# ------------------------------------------------------------------------------------------------ 0.3 requests


def _push_params_v03(request: Request) -> JSONObject:
    return {"taskId": request["taskId"], "pushNotificationConfig": normalize.push_config_v03(request)}


def _push_body_rest_v03(request: Request) -> JSONObject:
    v03 = normalize.push_config_v03(request)
    return {
        "parent": f"tasks/{request['taskId']}",
        "configId": v03.get("id", ""),
        "config": {"pushNotificationConfig": v03},
    }


def _config_ref_v03(request: Request) -> JSONObject:
    return {"id": request["taskId"], "pushNotificationConfigId": request["id"]}


def _task_ref_v03(request: Request) -> JSONObject:
    return {"id": request["taskId"]}


def _empty(request: Request) -> JSONObject:
    return {}


# ------------------------------------------------------------------------------------------------ the table

_CONFIGS = "/tasks/{taskId}/pushNotificationConfigs"
_CONFIG = "/tasks/{taskId}/pushNotificationConfigs/{id}"
_NOT_IN_REST_V03 = "{what} push configs is not part of the A2A 0.3 HTTP+JSON binding"

SEND_MESSAGE: Operation[SendMessageResponse] = Operation(
    "SendMessage",
    JsonRpc("SendMessage", "message/send", normalize.send_params_v03),
    HttpJson(Route("POST", "/message:send", _same), Route("POST", "/message:send", normalize.send_body_rest_v03)),
    Grpc("SendMessage", "SendMessage"),
    Replies(_send_v10, _send_v03),
)
SEND_STREAMING_MESSAGE: Operation[None] = Operation(
    "SendStreamingMessage",
    JsonRpc("SendStreamingMessage", "message/stream", normalize.send_params_v03),
    HttpJson(Route("POST", "/message:stream", _same), Route("POST", "/message:stream", normalize.send_body_rest_v03)),
    Grpc("SendStreamingMessage", "SendStreamingMessage"),
    None,
)
GET_TASK: Operation[Task] = Operation(
    "GetTask",
    JsonRpc("GetTask", "tasks/get"),
    HttpJson(Route("GET", "/tasks/{id}"), Route("GET", "/tasks/{id}")),
    Grpc("GetTask", "GetTask"),
    Replies(_task_v10, _task_v03),
)
LIST_TASKS: Operation[ListTasksResponse] = Operation(
    "ListTasks",
    JsonRpc("ListTasks", None),
    HttpJson(Route("GET", "/tasks"), None),
    Grpc("ListTasks", None),
    Replies(_list_tasks, _list_tasks),
    missing_v03=Missing(
        "listing tasks needs A2A 1.0; this agent speaks {version}", "pass the task id you were given to `a2a task get`"
    ),
)
CANCEL_TASK: Operation[Task] = Operation(
    "CancelTask",
    JsonRpc("CancelTask", "tasks/cancel"),
    HttpJson(Route("POST", "/tasks/{id}:cancel", _same), Route("POST", "/tasks/{id}:cancel", _empty)),
    Grpc("CancelTask", "CancelTask"),
    Replies(_task_v10, _task_v03),
)
SUBSCRIBE_TO_TASK: Operation[None] = Operation(
    "SubscribeToTask",
    JsonRpc("SubscribeToTask", "tasks/resubscribe"),
    HttpJson(
        Route("POST", "/tasks/{id}:subscribe", get_on_405=True),
        Route("POST", "/tasks/{id}:subscribe", get_on_405=True),
    ),
    Grpc("SubscribeToTask", "TaskSubscription"),
    None,
)
CREATE_PUSH_CONFIG: Operation[TaskPushNotificationConfig] = Operation(
    "CreateTaskPushNotificationConfig",
    JsonRpc("CreateTaskPushNotificationConfig", "tasks/pushNotificationConfig/set", _push_params_v03),
    HttpJson(Route("POST", _CONFIGS, _same), Route("POST", _CONFIGS, _push_body_rest_v03)),
    Grpc("CreateTaskPushNotificationConfig", "CreateTaskPushNotificationConfig"),
    Replies(_object("CreateTaskPushNotificationConfig"), _push_config_v03),
)
GET_PUSH_CONFIG: Operation[TaskPushNotificationConfig] = Operation(
    "GetTaskPushNotificationConfig",
    JsonRpc("GetTaskPushNotificationConfig", "tasks/pushNotificationConfig/get", _config_ref_v03),
    HttpJson(Route("GET", _CONFIG), Route("GET", _CONFIG)),
    Grpc("GetTaskPushNotificationConfig", "GetTaskPushNotificationConfig"),
    Replies(_object("GetTaskPushNotificationConfig"), _push_config_v03),
)
LIST_PUSH_CONFIGS: Operation[PushConfigList] = Operation(
    "ListTaskPushNotificationConfigs",
    JsonRpc("ListTaskPushNotificationConfigs", "tasks/pushNotificationConfig/list", _task_ref_v03),
    HttpJson(Route("GET", _CONFIGS), None),
    Grpc("ListTaskPushNotificationConfigs", "ListTaskPushNotificationConfig"),
    Replies(_object("ListTaskPushNotificationConfigs"), _push_configs_v03),
    missing_v03=Missing(_NOT_IN_REST_V03.format(what="listing")),
)
DELETE_PUSH_CONFIG: Operation[None] = Operation(
    "DeleteTaskPushNotificationConfig",
    JsonRpc("DeleteTaskPushNotificationConfig", "tasks/pushNotificationConfig/delete", _config_ref_v03),
    HttpJson(Route("DELETE", _CONFIG), None),
    Grpc("DeleteTaskPushNotificationConfig", "DeleteTaskPushNotificationConfig"),
    Replies(_nothing, _nothing),
    missing_v03=Missing(_NOT_IN_REST_V03.format(what="deleting")),
    empty=True,
)
GET_EXTENDED_CARD: Operation[JSONObject] = Operation(
    "GetExtendedAgentCard",
    JsonRpc("GetExtendedAgentCard", "agent/getAuthenticatedExtendedCard"),
    HttpJson(Route("GET", "/extendedAgentCard"), Route("GET", "/card")),
    Grpc("GetExtendedAgentCard", "GetAgentCard"),
    Replies(_object("GetExtendedAgentCard"), _object("GetExtendedAgentCard")),
)

OPERATIONS: Mapping[str, Operation[Any]] = {
    op.name: op
    for op in (
        SEND_MESSAGE,
        SEND_STREAMING_MESSAGE,
        GET_TASK,
        LIST_TASKS,
        CANCEL_TASK,
        SUBSCRIBE_TO_TASK,
        CREATE_PUSH_CONFIG,
        GET_PUSH_CONFIG,
        LIST_PUSH_CONFIGS,
        DELETE_PUSH_CONFIG,
        GET_EXTENDED_CARD,
    )
}


# ------------------------------------------------------------------------------------------------ planning


class Call(NamedTuple):
    """What one operation sends on one interface (the wire's input)."""

    verb: str
    url: str
    body: object
    query: Mapping[str, str] | None
    rpc: bool
    get_on_405: bool = False
    empty: bool = False


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _missing(op: Operation[Any], interface: Interface) -> ProtocolError:
    missing = op.missing_v03 or Missing(f"{op.name} is not part of A2A {{version}} on {interface.binding}")
    return ProtocolError(
        "UnsupportedOperationError", missing.message.format(version=interface.protocol_version), hint=missing.hint
    )


def with_tenant(request: Request, tenant: str | None) -> Request:
    if tenant and request.get("tenant") != tenant:
        return {**request, "tenant": tenant}
    return request


def rest_base(interface: Interface) -> str:
    """Where an HTTP+JSON interface's paths start: its URL, then `/v1` (0.3) or `/{tenant}` (1.0)."""
    base = interface.url.rstrip("/")
    if interface.legacy:
        return base + "/v1"
    if interface.tenant:
        return base + "/" + quote(interface.tenant, safe="")
    return base


def plan(op: Operation[Any], interface: Interface, request: Request) -> Call:
    """The request `op` sends on `interface` for the 1.0 `request`."""
    legacy = interface.legacy
    if interface.binding == JSONRPC:
        method = op.jsonrpc.method_v03 if legacy else op.jsonrpc.method
        if method is None:
            raise _missing(op, interface)
        params = op.jsonrpc.params_v03(request) if legacy else with_tenant(request, interface.tenant)
        envelope = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": method, "params": params}
        return Call("POST", interface.url, envelope, None, True, empty=op.empty)
    if interface.binding == HTTP_JSON:
        route = op.http_json.route_v03 if legacy else op.http_json.route
        if route is None:
            raise _missing(op, interface)
        if not legacy:
            request = with_tenant(request, interface.tenant)
        path = route.path
        in_path: set[str] = set()
        while "{" in path:
            head, _, rest = path.partition("{")
            name, _, tail = rest.partition("}")
            in_path.add(name)
            path = head + quote(str(request[name]), safe="") + tail
        body = route.body(request) if route.body is not None else None
        query = None
        if route.verb in ("GET", "DELETE"):
            query = {
                k: _query_value(v) for k, v in request.items() if v is not None and k != "tenant" and k not in in_path
            } or None
        return Call(route.verb, rest_base(interface) + path, body, query, False, route.get_on_405, op.empty)
    if interface.binding == GRPC:
        # verb: the rpc's path; url: the interface's target; body: the 1.0 request (the wire converts it)
        rpc = op.grpc.path_v03 if legacy else op.grpc.path
        if rpc is None:
            raise _missing(op, interface)
        body = request if legacy else with_tenant(request, interface.tenant)
        return Call(rpc, interface.url, body, None, False, empty=op.empty)
    raise ProtocolError("UnsupportedOperationError", f"the {interface.binding} binding is not supported yet")
