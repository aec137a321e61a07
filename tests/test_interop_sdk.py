"""Interop with real clients, no mocks: the a2a-sdk 1.3 client (JSON-RPC, HTTP+JSON) and its v0.3 compat
client path stream from the demo agent to a completed task."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from a2acli.agent.options import TUTORIAL_REPLY
from tests.support.agent import demo_agent


def _message(text: str = "Tell me a story") -> Any:
    import uuid

    from a2a.types.a2a_pb2 import Message, Part, Role

    return Message(message_id=str(uuid.uuid4()), role=Role.ROLE_USER, parts=[Part(text=text)])


async def _stream_with(client: Any) -> tuple[list[Any], Any]:
    from a2a.types.a2a_pb2 import SendMessageRequest

    events = []
    async for response in client.send_message(SendMessageRequest(message=_message())):
        events.append(response)
    return events, events[-1]


def _collect(events: list[Any]) -> tuple[str, list[str]]:
    """(artifact text from the artifact updates, the status states in order)."""
    text = ""
    states: list[str] = []
    from a2a.types.a2a_pb2 import TaskState

    for ev in events:
        kind = ev.WhichOneof("payload")
        if kind == "artifact_update":
            text += "".join(p.text for p in ev.artifact_update.artifact.parts)
        elif kind == "status_update":
            states.append(TaskState.Name(ev.status_update.status.state))
        elif kind == "task":
            states.append(TaskState.Name(ev.task.status.state))
    return text, states


async def _sdk_v10(url: str, binding: str) -> tuple[str, list[str], Any]:
    from a2a.client import ClientConfig, ClientFactory

    async with httpx.AsyncClient(timeout=10) as http:
        config = ClientConfig(streaming=True, httpx_client=http, supported_protocol_bindings=[binding])
        client = await ClientFactory(config).create_from_url(url)
        events, _ = await _stream_with(client)
        text, states = _collect(events)
        from a2a.types.a2a_pb2 import GetTaskRequest

        task_id = next(ev.task.id for ev in events if ev.WhichOneof("payload") == "task")
        task = await client.get_task(GetTaskRequest(id=task_id))
        await client.close()
    return text, states, task


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
def test_sdk_13_client_streams_to_completed(binding: str) -> None:
    from a2a.types.a2a_pb2 import TaskState

    with demo_agent() as url:
        text, states, task = asyncio.run(_sdk_v10(url, binding))
    assert text == TUTORIAL_REPLY
    assert states[0] in ("TASK_STATE_SUBMITTED", "TASK_STATE_WORKING")
    assert states[-1] == "TASK_STATE_COMPLETED"
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert "".join(p.text for p in task.artifacts[0].parts) == TUTORIAL_REPLY


async def _sdk_v03(url: str, binding: str) -> tuple[str, list[str], dict[str, Any]]:
    """The 0.3 path: a card read as a 0.3 client reads it (no A2A-Version; url/preferredTransport/
    additionalInterfaces only), so the SDK picks its v0.3 compat transport."""
    from a2a.client import ClientConfig, ClientFactory
    from a2a.compat.v0_3 import types as v03
    from a2a.compat.v0_3.conversions import to_core_agent_card

    async with httpx.AsyncClient(timeout=10) as http:
        doc = (await http.get(url + "/.well-known/agent-card.json")).json()
        legacy = {k: v for k, v in doc.items() if k != "supportedInterfaces"}
        card = to_core_agent_card(v03.AgentCard.model_validate(legacy))
        assert {i.protocol_version for i in card.supported_interfaces} == {"0.3"}
        seen: list[httpx.Request] = []

        async def record(request: httpx.Request) -> None:
            seen.append(request)

        http.event_hooks["request"].append(record)
        config = ClientConfig(streaming=True, httpx_client=http, supported_protocol_bindings=[binding])
        client = ClientFactory(config).create(card)
        transport = type(client._transport).__name__  # which transport the factory chose
        events, _ = await _stream_with(client)
        await client.close()
    text, states = _collect(events)
    return text, states, {"transport": transport, "requests": seen}


@pytest.mark.parametrize(
    ("binding", "transport"), [("JSONRPC", "CompatJsonRpcTransport"), ("HTTP+JSON", "CompatRestTransport")]
)
def test_sdk_v03_compat_client_streams_to_completed(binding: str, transport: str) -> None:
    with demo_agent() as url:
        text, states, info = asyncio.run(_sdk_v03(url, binding))
    assert info["transport"] == transport
    posted = [r for r in info["requests"] if r.method == "POST"]
    assert posted, "no request was made"
    if binding == "JSONRPC":
        import json

        assert json.loads(posted[0].content)["method"] == "message/stream"
    else:
        assert posted[0].url.path == "/v1/message:stream"
    assert text == TUTORIAL_REPLY
    assert states[-1] == "TASK_STATE_COMPLETED"
