"""`a2a serve --grpc-port`: the demo agent's gRPC binding, driven by real gRPC clients (the a2a-sdk 1.3 client
over grpcio, its v0.3 compat client, and the generated stubs), never mocks."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import pytest

pytest.importorskip("grpc")

import grpc
from a2a.types import a2a_pb2, a2a_pb2_grpc

from a2acli.agent.options import TUTORIAL_REPLY
from tests.support.agent import demo_agent, grpc_target

V10 = (("a2a-version", "1.0"),)


def _message(text: str = "Tell me a story", **fields: Any) -> Any:
    return a2a_pb2.Message(
        message_id=str(uuid.uuid4()), role=a2a_pb2.ROLE_USER, parts=[a2a_pb2.Part(text=text)], **fields
    )


def _text(events: list[Any]) -> str:
    return "".join(
        p.text
        for ev in events
        if ev.WhichOneof("payload") == "artifact_update"
        for p in ev.artifact_update.artifact.parts
    )


def _states(events: list[Any]) -> list[str]:
    out = []
    for ev in events:
        kind = ev.WhichOneof("payload")
        if kind == "status_update":
            out.append(a2a_pb2.TaskState.Name(ev.status_update.status.state))
        elif kind == "task":
            out.append(a2a_pb2.TaskState.Name(ev.task.status.state))
    return out


def _card(url: str, version: str | None = "1.0") -> dict[str, Any]:
    headers = {"A2A-Version": version} if version else {}
    doc: dict[str, Any] = httpx.get(url + "/.well-known/agent-card.json", headers=headers, timeout=10).json()
    return doc


def _reason(err: grpc.aio.AioRpcError) -> str | None:
    from google.rpc import error_details_pb2, status_pb2

    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return str(info.reason)
    return None


# ------------------------------------------------------------------------------------------------ the card


def test_card_advertises_grpc_after_jsonrpc_and_http_json_per_version() -> None:
    with demo_agent(grpc_port=0) as url:
        card = _card(url)
        legacy = _card(url, None)
    pairs = [(i["protocolBinding"], i["protocolVersion"]) for i in card["supportedInterfaces"]]
    assert pairs == [
        ("JSONRPC", "1.0"),
        ("HTTP+JSON", "1.0"),
        ("GRPC", "1.0"),
        ("JSONRPC", "0.3"),
        ("HTTP+JSON", "0.3"),
        ("GRPC", "0.3"),
    ]
    target = next(i["url"] for i in card["supportedInterfaces"] if i["protocolBinding"] == "GRPC")
    host, _, port = target.rpartition(":")
    assert host == "127.0.0.1" and int(port) > 0 and "://" not in target
    assert {"url": target, "transport": "GRPC"} in legacy["additionalInterfaces"]


def test_card_without_grpc_port_has_no_grpc() -> None:
    with demo_agent() as url:
        card = _card(url)
    assert all(i["protocolBinding"] != "GRPC" for i in card["supportedInterfaces"])


# ------------------------------------------------------------------------------------------------ the SDK's client


async def _sdk_client(url: str, **config: Any) -> Any:
    from a2a.client import ClientConfig, ClientFactory

    cfg = ClientConfig(
        streaming=True, supported_protocol_bindings=["GRPC"], grpc_channel_factory=grpc.aio.insecure_channel, **config
    )
    return await ClientFactory(cfg).create_from_url(url)


def test_sdk_grpc_client_streams_word_by_word_then_gets_and_lists_the_task() -> None:
    async def run(url: str) -> tuple[list[Any], Any, Any, str]:
        client = await _sdk_client(url)
        transport = type(client._transport).__name__
        events = [ev async for ev in client.send_message(a2a_pb2.SendMessageRequest(message=_message()))]
        task_id = next(ev.task.id for ev in events if ev.WhichOneof("payload") == "task")
        task = await client.get_task(a2a_pb2.GetTaskRequest(id=task_id))
        listed = await client.list_tasks(a2a_pb2.ListTasksRequest())
        await client.close()
        return events, task, listed, transport

    with demo_agent(grpc_port=0) as url:
        events, task, listed, transport = asyncio.run(run(url))
    assert transport == "GrpcTransport"
    chunks = [ev for ev in events if ev.WhichOneof("payload") == "artifact_update"]
    assert len(chunks) == len(TUTORIAL_REPLY.split())  # word by word
    assert _text(events) == TUTORIAL_REPLY
    assert _states(events)[-1] == "TASK_STATE_COMPLETED"
    assert task.status.state == a2a_pb2.TASK_STATE_COMPLETED
    assert "".join(p.text for p in task.artifacts[0].parts) == TUTORIAL_REPLY
    assert task.id in [t.id for t in listed.tasks]


def test_sdk_v03_compat_grpc_client_streams_to_completed() -> None:
    """A 0.3 client on `a2a.v1.A2AService` (the SDK's CompatGrpcTransport, on the 0.3 card's GRPC entry),
    served from the same handler."""

    async def run(url: str) -> tuple[list[Any], Any]:
        from a2a.client import ClientConfig
        from a2a.compat.v0_3 import types as v03
        from a2a.compat.v0_3.conversions import to_core_agent_card
        from a2a.compat.v0_3.grpc_transport import CompatGrpcTransport

        doc = _card(url, None)
        target = next(i["url"] for i in doc["additionalInterfaces"] if i["transport"] == "GRPC")
        legacy = {k: v for k, v in doc.items() if k != "supportedInterfaces"}
        card = to_core_agent_card(v03.AgentCard.model_validate(legacy))
        cfg = ClientConfig(grpc_channel_factory=grpc.aio.insecure_channel)
        transport = CompatGrpcTransport.create(card, target, cfg)
        request = a2a_pb2.SendMessageRequest(message=_message())
        events = [ev async for ev in transport.send_message_streaming(request)]
        task_id = next(ev.task.id for ev in events if ev.WhichOneof("payload") == "task")
        task = await transport.get_task(a2a_pb2.GetTaskRequest(id=task_id))
        await transport.close()
        return events, task

    with demo_agent(grpc_port=0) as url:
        events, task = asyncio.run(run(url))
    assert _text(events) == TUTORIAL_REPLY
    assert _states(events)[-1] == "TASK_STATE_COMPLETED"
    assert task.status.state == a2a_pb2.TASK_STATE_COMPLETED


# ------------------------------------------------------------------------------------------------ the stubs


async def _stub_run(target: str, body: Any, metadata: Any = V10, **channel: Any) -> Any:
    options = list(channel.items())
    async with grpc.aio.insecure_channel(target, options=options) as ch:
        return await body(a2a_pb2_grpc.A2AServiceStub(ch), metadata)


def test_cancel_subscribe_and_push_configs_over_grpc() -> None:
    async def body(stub: Any, md: Any) -> dict[str, Any]:
        sent = await stub.SendMessage(
            a2a_pb2.SendMessageRequest(
                message=_message(), configuration=a2a_pb2.SendMessageConfiguration(return_immediately=True)
            ),
            metadata=md,
        )
        task_id = sent.task.id
        sub = stub.SubscribeToTask(a2a_pb2.SubscribeToTaskRequest(id=task_id), metadata=md)
        first = await sub.read()
        created = await stub.CreateTaskPushNotificationConfig(
            a2a_pb2.TaskPushNotificationConfig(task_id=task_id, id="c1", url="http://127.0.0.1:9/hook"), metadata=md
        )
        got = await stub.GetTaskPushNotificationConfig(
            a2a_pb2.GetTaskPushNotificationConfigRequest(task_id=task_id, id="c1"), metadata=md
        )
        listed = await stub.ListTaskPushNotificationConfigs(
            a2a_pb2.ListTaskPushNotificationConfigsRequest(task_id=task_id), metadata=md
        )
        await stub.DeleteTaskPushNotificationConfig(
            a2a_pb2.DeleteTaskPushNotificationConfigRequest(task_id=task_id, id="c1"), metadata=md
        )
        after = await stub.ListTaskPushNotificationConfigs(
            a2a_pb2.ListTaskPushNotificationConfigsRequest(task_id=task_id), metadata=md
        )
        canceled = await stub.CancelTask(a2a_pb2.CancelTaskRequest(id=task_id), metadata=md)
        rest = []
        while (event := await sub.read()) is not grpc.aio.EOF:
            rest.append(event)
        try:
            await stub.CancelTask(a2a_pb2.CancelTaskRequest(id=task_id), metadata=md)
        except grpc.aio.AioRpcError as err:
            again = (err.code(), _reason(err))
        return {
            "first": first,
            "created": created,
            "got": got,
            "listed": listed,
            "after": after,
            "canceled": canceled,
            "rest": rest,
            "again": again,
        }

    with demo_agent(grpc_port=0, delay=0.3) as url:
        r = asyncio.run(_stub_run(grpc_target(url), body))
    assert r["first"].WhichOneof("payload") == "task"
    assert r["created"].url == "http://127.0.0.1:9/hook" and r["got"].id == "c1"
    assert [c.id for c in r["listed"].configs] == ["c1"] and not r["after"].configs
    assert r["canceled"].status.state == a2a_pb2.TASK_STATE_CANCELED
    assert _states(r["rest"])[-1] == "TASK_STATE_CANCELED"
    assert r["again"] == (grpc.StatusCode.FAILED_PRECONDITION, "TASK_NOT_CANCELABLE")


def test_errors_carry_error_info_and_version_is_checked() -> None:
    async def body(stub: Any, md: Any) -> list[tuple[Any, str | None]]:
        out = []
        future = (("a2a-version", "9.0"),)
        for call in (
            stub.GetTask(a2a_pb2.GetTaskRequest(id="no-such-task"), metadata=md),
            stub.SendMessage(a2a_pb2.SendMessageRequest(message=_message()), metadata=future),
        ):
            try:
                await call
                out.append((None, None))
            except grpc.aio.AioRpcError as err:
                out.append((err.code(), _reason(err)))
        return out

    with demo_agent(grpc_port=0, protocol_versions="1.0") as url:
        results = asyncio.run(_stub_run(grpc_target(url), body))
    assert results == [
        (grpc.StatusCode.NOT_FOUND, "TASK_NOT_FOUND"),
        (grpc.StatusCode.UNIMPLEMENTED, "VERSION_NOT_SUPPORTED"),
    ]


def test_bearer_token_is_required_in_metadata() -> None:
    async def body(stub: Any, md: Any) -> list[Any]:
        out: list[Any] = []
        for metadata in (md, (*md, ("authorization", "Bearer wrong")), (*md, ("authorization", "Bearer s3cret"))):
            try:
                task = await stub.GetTask(a2a_pb2.GetTaskRequest(id="x"), metadata=metadata)
                out.append(task)
            except grpc.aio.AioRpcError as err:
                out.append(err.code())
            try:
                stream = stub.SendStreamingMessage(a2a_pb2.SendMessageRequest(message=_message()), metadata=metadata)
                out.append(len([ev async for ev in stream]))
            except grpc.aio.AioRpcError as err:
                out.append(err.code())
        return out

    with demo_agent(grpc_port=0, bearer_token="s3cret") as url:
        results = asyncio.run(_stub_run(grpc_target(url), body))
    unauth = grpc.StatusCode.UNAUTHENTICATED
    assert results[:4] == [unauth, unauth, unauth, unauth]
    assert results[4] == grpc.StatusCode.NOT_FOUND  # authenticated: the task simply does not exist
    assert isinstance(results[5], int) and results[5] > 3


def test_oversized_request_is_refused() -> None:
    async def body(stub: Any, md: Any) -> Any:
        try:
            await stub.SendMessage(a2a_pb2.SendMessageRequest(message=_message("x" * 5000)), metadata=md)
        except grpc.aio.AioRpcError as err:
            return err.code()
        return None

    with demo_agent(grpc_port=0, max_body_bytes=2048) as url:
        assert asyncio.run(_stub_run(grpc_target(url), body)) == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_sqlite_store_shares_tasks_between_bindings(tmp_path: Any) -> None:
    async def body(stub: Any, md: Any) -> str:
        sent = await stub.SendMessage(a2a_pb2.SendMessageRequest(message=_message()), metadata=md)
        return str(sent.task.id)

    store = f"sqlite:///{tmp_path / 'tasks.db'}"
    with demo_agent(grpc_port=0, store=store) as url:
        task_id = asyncio.run(_stub_run(grpc_target(url), body))
        doc = httpx.get(f"{url}/tasks/{task_id}", headers={"A2A-Version": "1.0"}, timeout=10).json()
    assert doc["id"] == task_id and doc["status"]["state"] == "TASK_STATE_COMPLETED"


# ------------------------------------------------------------------------------------------------ the command


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "a2acli", "serve", "--port", "0", "--delay", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def test_serve_grpc_port_zero_names_the_port_and_stops_gracefully() -> None:
    proc = _serve("--grpc-port", "0")
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "gRPC at 127.0.0.1:" in line, line
        port = int(line.split("gRPC at 127.0.0.1:")[1].split(")")[0])
        deadline = time.monotonic() + 20
        while "Application startup complete" not in proc.stderr.readline():
            assert time.monotonic() < deadline

        async def body(stub: Any, md: Any) -> Any:
            return await stub.SendMessage(a2a_pb2.SendMessageRequest(message=_message()), metadata=md)

        sent = asyncio.run(_stub_run(f"127.0.0.1:{port}", body))
        assert sent.task.status.state == a2a_pb2.TASK_STATE_COMPLETED
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_serve_grpc_port_in_use_is_a_one_line_usage_error() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = _serve("--grpc-port", str(busy.getsockname()[1]))
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2, err
    assert "cannot listen for gRPC on 127.0.0.1:" in err and "Traceback" not in err


def test_serve_grpc_port_without_grpcio_names_the_extra(tmp_path: Any) -> None:
    """grpcio missing (its import blocked the way a missing package fails): one line naming the extra."""
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['grpc'] = None\n")
    proc = _serve("--grpc-port", "0", env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{os.getcwd()}"})
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2, err
    assert "pip install 'a2acli[grpc]'" in err and "Traceback" not in err


def test_sigterm_with_an_open_grpc_stream_ends_it_and_exits_0() -> None:
    proc = _serve("--grpc-port", "0", "--delay", "0.5")
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        port = int(line.split("gRPC at 127.0.0.1:")[1].split(")")[0])
        deadline = time.monotonic() + 20
        while "Application startup complete" not in proc.stderr.readline():
            assert time.monotonic() < deadline

        async def body(stub: Any, md: Any) -> tuple[int, Any, float]:
            stream = stub.SendStreamingMessage(a2a_pb2.SendMessageRequest(message=_message()), metadata=md)
            seen, code, stopped = 0, None, time.monotonic()
            try:
                while (await stream.read()) is not grpc.aio.EOF:
                    seen += 1
                    if seen == 3:  # the task is streaming: stop the server under it
                        proc.send_signal(signal.SIGTERM)
                        stopped = time.monotonic()
            except grpc.aio.AioRpcError as err:
                code = err.code()
            return seen, code, time.monotonic() - stopped

        seen, code, took = asyncio.run(_stub_run(f"127.0.0.1:{port}", body))
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert 3 <= seen < len(TUTORIAL_REPLY.split()) + 3  # cut short: the server did not wait for the whole reply
    assert code == grpc.StatusCode.UNAVAILABLE and took < 10
    assert "Traceback" not in err
