"""The operation table (`a2acli.client.operations`): every cell checked against the A2A proto and exercised against
the real demo agent on both bindings and both protocol versions it serves."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest

from a2acli.client import operations as ops
from a2acli.client.connection import AgentConnection, open_connection
from a2acli.client.interfaces import HTTP_JSON, JSONRPC, Interface
from a2acli.errors import ProtocolError
from a2acli.settings import ConnectionSettings
from tests.support.agent import demo_agent


def _proto_service() -> dict[str, tuple[str, str]]:
    """rpc name -> (HTTP verb, path with camelCase fields) from the SDK's compiled `lf.a2a.v1` proto."""
    from a2a.types import a2a_pb2
    from google.api import annotations_pb2

    service = a2a_pb2.DESCRIPTOR.services_by_name["A2AService"]
    assert service.full_name == ops.GRPC_SERVICE
    routes: dict[str, tuple[str, str]] = {}
    for method in service.methods:
        rule = method.GetOptions().Extensions[annotations_pb2.http]
        verb = rule.WhichOneof("pattern")
        path = re.sub(r"\{(\w+)=\*\}", r"{\1}", getattr(rule, verb))
        path = re.sub(r"_(\w)", lambda m: m.group(1).upper(), path)  # {task_id} -> {taskId}: proto JSON names
        routes[method.name] = (verb.upper(), path)
    return routes


def test_the_table_declares_every_rpc_of_the_proto_once() -> None:
    routes = _proto_service()
    assert set(ops.OPERATIONS) == set(routes)
    for name, op in ops.OPERATIONS.items():
        assert op.name == op.jsonrpc.method == op.grpc.method == name
        assert op.grpc.path == f"/lf.a2a.v1.A2AService/{name}"
        verb, path = routes[name]
        assert op.http_json.route.path == path, name
        if name == "SubscribeToTask":
            # POST first, GET on 405: one request shape for agents on either reading of 0.3 and 1.0.
            assert op.http_json.route.verb == "POST" and op.http_json.route.get_on_405
        else:
            assert op.http_json.route.verb == verb, name
        assert op.streaming == (name in ("SendStreamingMessage", "SubscribeToTask"))
        if op.jsonrpc.method_v03 is None or op.http_json.route_v03 is None:
            assert op.missing_v03 is not None, f"{name}: an empty 0.3 cell must say why"


TENANT_10 = {
    JSONRPC: Interface("http://h/rpc", JSONRPC, "1.0", "acme"),
    HTTP_JSON: Interface("http://h/rest/", HTTP_JSON, "1.0", "acme"),
}
LEGACY = {JSONRPC: Interface("http://h/rpc", JSONRPC, "0.3"), HTTP_JSON: Interface("http://h/rest", HTTP_JSON, "0.3")}


def test_plans_put_path_fields_query_and_tenant_where_each_binding_wants_them() -> None:
    rest = ops.plan(ops.GET_TASK, TENANT_10[HTTP_JSON], {"id": "t/1", "historyLength": 2})
    assert (rest.verb, rest.url, rest.body, rest.query) == ("GET", "http://h/rest/acme/tasks/t%2F1", None,
                                                           {"historyLength": "2"})  # fmt: skip
    rpc = ops.plan(ops.GET_TASK, TENANT_10[JSONRPC], {"id": "t/1"})
    assert rpc.rpc and rpc.url == "http://h/rpc"
    assert isinstance(rpc.body, dict) and rpc.body["method"] == "GetTask"
    assert rpc.body["params"] == {"id": "t/1", "tenant": "acme"}
    old = ops.plan(ops.GET_PUSH_CONFIG, LEGACY[JSONRPC], {"taskId": "t", "id": "c"})
    assert isinstance(old.body, dict) and old.body["method"] == "tasks/pushNotificationConfig/get"
    assert old.body["params"] == {"id": "t", "pushNotificationConfigId": "c"}
    old_rest = ops.plan(ops.GET_EXTENDED_CARD, LEGACY[HTTP_JSON], {})
    assert (old_rest.verb, old_rest.url) == ("GET", "http://h/rest/v1/card")
    listing = ops.plan(ops.LIST_TASKS, TENANT_10[HTTP_JSON], {"pageSize": 5, "includeArtifacts": True, "x": None})
    assert listing.query == {"pageSize": "5", "includeArtifacts": "true"}
    with pytest.raises(ProtocolError) as err:
        ops.plan(ops.LIST_TASKS, LEGACY[JSONRPC], {})
    assert err.value.code == "UnsupportedOperationError" and "0.3" in err.value.message
    with pytest.raises(ProtocolError):
        ops.plan(ops.DELETE_PUSH_CONFIG, LEGACY[HTTP_JSON], {"taskId": "t", "id": "c"})
    grpc_call = ops.plan(ops.GET_TASK, Interface("h:50051", "GRPC", "1.0", "t1"), {"id": "t"})
    assert (grpc_call.verb, grpc_call.url, grpc_call.body) == (
        "/lf.a2a.v1.A2AService/GetTask",
        "h:50051",
        {"id": "t", "tenant": "t1"},
    )
    subscribe_v03 = ops.plan(ops.SUBSCRIBE_TO_TASK, Interface("h:50051", "GRPC", "0.3"), {"id": "t"})
    assert subscribe_v03.verb == "/a2a.v1.A2AService/TaskSubscription"
    with pytest.raises(ProtocolError) as err:
        ops.plan(ops.LIST_TASKS, Interface("h:50051", "GRPC", "0.3"), {})
    assert err.value.code == "UnsupportedOperationError"


def _message(text: str = "hello") -> dict[str, Any]:
    return {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]}


async def _every_operation(url: str, version: str, transport: str) -> dict[str, Any]:
    settings = ConnectionSettings(agent_card=url, a2a_version=version, transports=(transport,))
    out: dict[str, Any] = {}
    async with open_connection(settings) as conn:
        assert isinstance(conn, AgentConnection)
        out["interface"] = conn.interface
        sent = await conn.send_message({"message": _message(), "configuration": {"returnImmediately": True}})
        task_id = sent["task"]["id"]
        out["sent"] = sent
        out["got"] = await conn.get_task(task_id, history_length=1)
        subscription = conn.subscribe(task_id)
        out["first_subscribed"] = await anext(subscription)
        await subscription.aclose()
        config = {"url": "http://127.0.0.1:9/hook", "id": "cfg1", "token": "tok-123456"}
        out["created"] = await conn.create_push_config(task_id, config)
        out["fetched"] = await conn.get_push_config(task_id, "cfg1")
        for name, call in (
            ("configs", lambda: conn.list_push_configs(task_id)),
            ("deleted", lambda: conn.delete_push_config(task_id, "cfg1")),
            ("tasks", lambda: conn.list_tasks({"pageSize": 10})),
        ):
            try:
                out[name] = await call()
            except ProtocolError as exc:
                out[name] = exc.code
        out["canceled"] = await conn.cancel_task(task_id)
        out["stream"] = [e async for e in conn.stream_message({"message": _message("again")})]
        try:
            out["extended"] = await conn.get_extended_card()
        except ProtocolError as exc:
            out["extended"] = exc.code
    return out


@pytest.mark.parametrize(
    ("version", "transport"), [("1.0", JSONRPC), ("1.0", HTTP_JSON), ("0.3", JSONRPC), ("0.3", HTTP_JSON)]
)
def test_every_operation_against_the_demo_agent(version: str, transport: str) -> None:
    with demo_agent(delay=0.5) as url:
        out = asyncio.run(_every_operation(url, version, transport))
    assert out["interface"].binding == transport and out["interface"].protocol_version == version
    task_id = out["sent"]["task"]["id"]
    assert out["sent"]["task"]["status"]["state"] in ("TASK_STATE_SUBMITTED", "TASK_STATE_WORKING")
    assert out["got"]["id"] == task_id
    assert out["first_subscribed"]["task"]["id"] == task_id
    for config in (out["created"], out["fetched"]):
        assert config["id"] == "cfg1" and config["url"] == "http://127.0.0.1:9/hook" and config["taskId"] == task_id
    if version == "0.3" and transport == HTTP_JSON:
        assert out["configs"] == out["deleted"] == "UnsupportedOperationError"
    else:
        assert [c["id"] for c in out["configs"]["configs"]] == ["cfg1"]
        assert out["deleted"] is None
    if version == "0.3":
        assert out["tasks"] == "UnsupportedOperationError"
    else:
        assert task_id in [t["id"] for t in out["tasks"]["tasks"]]
    assert out["canceled"]["id"] == task_id and out["canceled"]["status"]["state"] == "TASK_STATE_CANCELED"
    events = out["stream"]
    assert list(events[0]) == ["task"]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    # The demo agent has no extended card: an A2A error from its handler (not MethodNotFound, not a 404) shows
    # the method or route reached it.
    assert out["extended"] in ("UnsupportedOperationError", "ExtendedAgentCardNotConfiguredError")
