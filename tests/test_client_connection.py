"""The client layer: interface selection, credentials, the 0.x -> 1.0 normaliser, and real round trips against the
demo agent on every binding and version it serves (event-stream framing: test_client_sse_decoder.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from a2acli.client import normalize
from a2acli.client.connection import AgentConnection, open_connection
from a2acli.client.credentials import build_credentials
from a2acli.client.interfaces import Interface, card_interfaces, select_interface
from a2acli.errors import ProtocolError, UsageError
from a2acli.settings import ConnectionSettings
from tests.support.agent import demo_agent

CARD_V10 = {
    "name": "x",
    "supportedInterfaces": [
        {"url": "http://h/rpc", "protocolBinding": "JSONRPC", "protocolVersion": "0.3"},
        {"url": "http://h/rest", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"},
        {"url": "http://h/grpc", "protocolBinding": "GRPC", "protocolVersion": "1.0"},
        {"url": "http://h/rpc10", "protocolBinding": "JSONRPC", "protocolVersion": "1.0", "tenant": "acme"},
    ],
}
CARD_V03 = {
    "name": "old",
    "url": "http://h/a2a",
    "preferredTransport": "JSONRPC",
    "protocolVersion": "0.3.0",
    "additionalInterfaces": [{"url": "http://h/rest", "transport": "HTTP+JSON"}],
}


def test_selection_prefers_highest_version_then_card_order() -> None:
    chosen, _ = select_interface(CARD_V10)
    assert chosen == Interface("http://h/rest", "HTTP+JSON", "1.0")


def test_transport_preference_is_ordered_and_tenant_is_kept() -> None:
    chosen, _ = select_interface(CARD_V10, transports=("GRPC", "JSONRPC"))
    assert chosen == Interface("http://h/grpc", "GRPC", "1.0")  # gRPC's URL is the card's, never joined
    chosen, _ = select_interface(CARD_V10, transports=("JSONRPC", "GRPC"))
    assert chosen == Interface("http://h/rpc10", "JSONRPC", "1.0", "acme")
    chosen, _ = select_interface(CARD_V10, transports=("REST",))
    assert chosen.binding == "HTTP+JSON"


def test_version_pin_and_legacy_only_cards() -> None:
    chosen, _ = select_interface(CARD_V10, a2a_version="0.3")
    assert chosen == Interface("http://h/rpc", "JSONRPC", "0.3")
    chosen, notes = select_interface(CARD_V03)
    assert chosen == Interface("http://h/a2a", "JSONRPC", "0.3")
    assert any("legacy" in n for n in notes)
    chosen, _ = select_interface(CARD_V03, transports=("HTTP+JSON",))
    assert chosen.url == "http://h/rest" and chosen.legacy
    with pytest.raises(ProtocolError) as err:
        select_interface(CARD_V03, a2a_version="1.0")
    assert err.value.code == "VersionNotSupportedError"
    with pytest.raises(UsageError):
        select_interface(CARD_V10, transports=("carrier-pigeon",))


def test_relative_interface_urls_join_the_card_origin() -> None:
    found = card_interfaces({"url": "/a2a", "protocolVersion": "0.2.5"}, "http://agent:9")
    assert found == [Interface("http://agent:9/a2a", "JSONRPC", "0.2.5")]
    assert (
        select_interface({"url": "/a2a", "protocolVersion": "0.2.5"}, base_url="http://agent:9")[0].protocol_version
        == "0.2"
    )


def test_api_key_goes_where_the_scheme_says() -> None:
    card = {"securitySchemes": {"k": {"apiKeySecurityScheme": {"location": "query", "name": "key"}}}}
    creds = build_credentials(card, ConnectionSettings(api_key="sekrit-1"))
    assert creds.params == {"key": "sekrit-1"} and not creds.headers
    card03 = {"securitySchemes": {"k": {"type": "apiKey", "in": "cookie", "name": "sid"}}}
    assert build_credentials(card03, ConnectionSettings(api_key="sekrit-2")).cookies == {"sid": "sekrit-2"}
    creds = build_credentials({}, ConnectionSettings(bearer="tok-123", api_key="k-456"))
    assert creds.headers == {"Authorization": "Bearer tok-123", "X-API-Key": "k-456"}


def test_normaliser_turns_03_events_into_10() -> None:
    status = {
        "kind": "status-update",
        "taskId": "t",
        "contextId": "c",
        "final": True,
        "status": {
            "state": "input-required",
            "message": {
                "kind": "message",
                "messageId": "m",
                "role": "agent",
                "parts": [{"kind": "text", "text": "more?"}],
            },
        },
    }
    assert normalize.stream_response_v10(status) == {
        "statusUpdate": {
            "taskId": "t",
            "contextId": "c",
            "status": {
                "state": "TASK_STATE_INPUT_REQUIRED",
                "message": {"messageId": "m", "role": "ROLE_AGENT", "parts": [{"text": "more?"}]},
            },
        }
    }
    art = {
        "kind": "artifact-update",
        "taskId": "t",
        "contextId": "c",
        "append": True,
        "lastChunk": False,
        "artifact": {
            "artifactId": "a",
            "parts": [
                {"kind": "file", "file": {"bytes": "aGk=", "mimeType": "text/plain", "name": "x.txt"}},
                {"kind": "file", "file": {"uri": "https://e/x"}},
                {"kind": "data", "data": {"value": [1, 2]}, "metadata": {"data_part_compat": True}},
            ],
        },
    }
    out = normalize.stream_response_v10(art)["artifactUpdate"]
    assert out["append"] is True and "lastChunk" not in out
    assert out["artifact"]["parts"] == [
        {"raw": "aGk=", "mediaType": "text/plain", "filename": "x.txt"},
        {"url": "https://e/x"},
        {"data": [1, 2]},
    ]
    # 0.3 proto JSON (HTTP+JSON binding)
    rest = {"msg": {"messageId": "m", "role": "ROLE_AGENT", "content": [{"text": "hi"}]}}
    assert normalize.stream_response_v10(rest) == {
        "message": {"messageId": "m", "role": "ROLE_AGENT", "parts": [{"text": "hi"}]}
    }
    task = {"task": {"id": "t", "contextId": "c", "status": {"state": "TASK_STATE_CANCELLED"}}}
    assert normalize.stream_response_v10(task)["task"]["status"]["state"] == "TASK_STATE_CANCELED"
    with pytest.raises(ValueError):
        normalize.stream_response_v10({"kind": "weird"})
    with pytest.raises(ValueError):
        normalize.stream_response_v10([1])


def test_request_conversion_to_03_round_trips() -> None:
    params = {
        "message": {
            "messageId": "m",
            "role": "ROLE_USER",
            "taskId": "t",
            "parts": [{"text": "a"}, {"data": 5}, {"raw": "aGk=", "mediaType": "x/y", "filename": "f"}],
        },
        "configuration": {"returnImmediately": True},
    }
    v03 = normalize.send_params_v03(params)
    assert v03["configuration"] == {"blocking": False}
    assert v03["message"]["role"] == "user" and v03["message"]["taskId"] == "t"
    back = normalize.message_v10(v03["message"])
    assert back["parts"] == params["message"]["parts"]


async def _roundtrip(url: str, version: str | None, transports: tuple[str, ...]) -> dict[str, Any]:
    settings = ConnectionSettings(agent_card=url, a2a_version=version, transports=transports)
    async with open_connection(settings) as conn:
        assert isinstance(conn, AgentConnection)
        msg = {"messageId": "m-1", "role": "ROLE_USER", "parts": [{"text": "hello"}]}
        sent = await conn.send_message({"message": msg})
        events = [e async for e in conn.stream_message({"message": {**msg, "messageId": "m-2"}})]
        task = await conn.get_task(sent["task"]["id"], history_length=1)
        with pytest.raises(ProtocolError) as err:
            await conn.get_task("no-such-task")
        return {"iface": conn.interface, "sent": sent, "events": events, "task": task, "missing": err.value.code}


@pytest.mark.parametrize(
    ("version", "transports", "binding"),
    [
        (None, (), "JSONRPC"),
        (None, ("REST",), "HTTP+JSON"),
        ("0.3", (), "JSONRPC"),
        ("0.3", ("HTTP+JSON",), "HTTP+JSON"),
    ],
)
def test_demo_agent_round_trip_on_every_binding_and_version(
    version: str | None, transports: tuple[str, ...], binding: str
) -> None:
    with demo_agent() as url:
        out = asyncio.run(_roundtrip(url, version, transports))
    assert out["iface"].binding == binding and out["iface"].protocol_version == (version or "1.0")
    assert out["sent"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    events = out["events"]
    assert list(events[0]) == ["task"]
    assert list(events[-1]) == ["statusUpdate"]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    text = "".join(
        p.get("text", "") for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"]
    )
    assert text.startswith("Hello!")
    assert out["task"]["id"] == out["sent"]["task"]["id"]
    assert out["missing"] == "TaskNotFoundError"
    json.dumps(out["events"])  # plain JSON all the way down


def test_cards_without_a_usable_interface() -> None:
    from a2acli.errors import InternalError

    other = {"supportedInterfaces": [{"url": "http://h", "protocolBinding": "urn:x:mqtt", "protocolVersion": "1.0"}]}
    with pytest.raises(InternalError) as err:
        select_interface(other)
    assert "GRPC" in (err.value.hint or "")  # names what a2acli speaks (gRPC-only without the extra: test_grpc_client)
    future = {"supportedInterfaces": [{"url": "http://h", "protocolBinding": "JSONRPC", "protocolVersion": "2.0"}]}
    with pytest.raises(ProtocolError) as perr:
        select_interface(future)
    assert perr.value.code == "VersionNotSupportedError"
    with pytest.raises(ProtocolError):
        select_interface({"name": "no interfaces"})


def test_an_explicit_transport_the_client_cannot_speak_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from a2acli.cli import run

    with demo_agent() as url:
        assert run(["send", "hi", "-a", url, "--transport", "MQTT", "-o", "json"]) == 2
        out, _ = capsys.readouterr()
        error = json.loads(out)["error"]
        assert error["code"] == "A2ACLI_ERR_USAGE"
        assert "MQTT" in error["message"]
        # A binding the client speaks but the card lacks falls back to card order (SPEC §13.1): this agent
        # serves no gRPC (no --grpc-port), so --transport GRPC gets its JSON-RPC interface.
        assert run(["send", "hi", "-a", url, "--transport", "GRPC", "-o", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


def _extended_card_agent(schemes: dict[str, Any], seen: list[dict[str, str]]) -> Any:
    """An agent whose public card advertises an extended card and declares `schemes`; records every request."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    card: dict[str, Any] = {
        "name": "guarded",
        "description": "has an extended card",
        "version": "1",
        "supportedInterfaces": [{"url": "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
        "capabilities": {"extendedAgentCard": True},
        "securitySchemes": schemes,
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [],
    }

    async def public(request: Request) -> Response:
        seen.append(dict(request.headers))
        return JSONResponse(card)

    async def rpc(request: Request) -> Response:
        seen.append(dict(request.headers))
        body = await request.json()
        return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": {**card, "name": "extended"}})

    return Starlette(routes=[Route("/.well-known/agent-card.json", public), Route("/", rpc, methods=["POST"])])


@pytest.mark.parametrize(
    ("schemes", "sent"),
    [
        ({}, {}),
        ({"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}}, {"authorization": "Bearer xt-secret-1"}),
        ({"key": {"apiKeySecurityScheme": {"location": "header", "name": "X-Key"}}}, {"x-key": "xt-key-22"}),
    ],
    ids=["none-declared", "bearer-declared", "api-key-declared"],
)
def test_the_extended_card_gets_only_the_credentials_a_declared_scheme_takes(
    schemes: dict[str, Any], sent: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from a2acli.cli import run
    from tests.support.server import serve_in_thread

    seen: list[dict[str, str]] = []
    creds = ["--bearer", "xt-secret-1", "--api-key", "xt-key-22"]
    with serve_in_thread(_extended_card_agent(schemes, seen)) as url:
        assert run(["card", "-a", url, "--extended", *creds, "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "extended"
    public, extended = seen[0], seen[-1]
    assert "authorization" not in public and "xt-key-22" not in str(public)
    shown = {k: v for k, v in extended.items() if "xt-" in v}
    assert shown == sent


def test_live_findings_point_at_the_card_entry_of_each_interface(capsys: pytest.CaptureFixture[str]) -> None:
    """A dual-version agent declares 1.0 and 0.3 at the same URLs: each probe's finding points at its own entry."""
    from a2acli.client.card_live import probe_live
    from a2acli.client.card_resolver import resolve_card
    from a2acli.client.interfaces import declared_interfaces

    async def probe(url: str) -> tuple[list[Any], dict[str, Any]]:
        settings = ConnectionSettings(agent_card=url)
        card = await resolve_card(url, settings)
        return (await probe_live(card, settings)).finish(), card.document

    with demo_agent() as url:
        findings, doc = asyncio.run(probe(url))
    assert "warning" not in capsys.readouterr().err  # probing a 0.3 entry is no downgrade (VER_001 is for sends)
    entries = doc["supportedInterfaces"]
    assert len({e["url"] for e in entries}) < len(entries)  # URLs shared between versions
    for index, entry in enumerate(entries):
        label = f"{entry['protocolBinding']} {entry['protocolVersion']} at "
        mine = [f for f in findings if f.message.startswith(label)]
        assert mine and {f.pointer for f in mine} == {f"/supportedInterfaces/{index}"}, (index, mine)
    legacy = {"url": "http://h/a2a", "protocolVersion": "0.3", "additionalInterfaces": [{"url": "http://h/rest"}]}
    assert [path for path, _ in declared_interfaces(legacy)] == [("url",), ("additionalInterfaces", 0)]
