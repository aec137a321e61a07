"""`a2a serve --proxy URL` in front of an upstream whose card offers gRPC first: the proxy's upstream calls go over
gRPC, and its clients (JSON-RPC, HTTP+JSON) see the stream they would see from the upstream directly.

The upstream is the real demo agent with its real gRPC server (`--grpc-port`). Its card is served by a small
front (a real Starlette app on uvicorn) that lists the GRPC interface first and points the HTTP interfaces at
itself, where every request is recorded and refused: an upstream call over HTTP would show there (and fail).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from a2acli.agent.modes import ExchangeLogOptions, ProxyOptions
from tests.support.agent import demo_agent, grpc_target
from tests.support.server import serve_in_thread

pytest.importorskip("grpc")
A2A = str(Path(sys.executable).with_name("a2a"))
CARD = "/.well-known/agent-card.json"


class Front:
    """Serves `card` (GRPC first, HTTP interfaces pointing here); records every other request and refuses it."""

    def __init__(self) -> None:
        self.card: dict[str, Any] = {}
        self.hits: list[str] = []

    async def serve_card(self, request: Request) -> Response:
        return JSONResponse(self.card)

    async def refuse(self, request: Request) -> Response:
        self.hits.append(f"{request.method} {request.url.path}")
        return Response("this upstream is reached over gRPC only", status_code=503)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(CARD, self.serve_card),
                Route("/{path:path}", self.refuse, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, Front, list[dict[str, Any]], list[dict[str, Any]]]]:
    """(the front's URL, the front, the card's interfaces GRPC first, the card's interfaces in its own order): the
    demo agent's card, its HTTP interfaces pointing at the front, its gRPC server as the only way in."""
    front = Front()
    with demo_agent(delay=0.01, grpc_port=0) as agent_url, serve_in_thread(front.app()) as front_url:
        card = httpx.get(agent_url + CARD, headers={"A2A-Version": "1.0"}, timeout=10).json()
        target = grpc_target(agent_url)
        interfaces = [
            i if i["protocolBinding"] == "GRPC" else {**i, "url": i["url"].replace(agent_url, front_url)}
            for i in card["supportedInterfaces"]
        ]
        grpc = [i for i in interfaces if i["protocolBinding"] == "GRPC"]
        assert grpc and grpc[0]["url"] == target
        assert interfaces[0]["protocolBinding"] != "GRPC"  # the demo's own order: HTTP first
        grpc_first = grpc + [i for i in interfaces if i not in grpc]
        front.card = card
        yield front_url, front, grpc_first, interfaces


def _a2a(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    return subprocess.run([A2A, *args], capture_output=True, text=True, timeout=60, env=env)


def _stream(url: str, *extra: str) -> list[dict[str, Any]]:
    done = _a2a("stream", "-a", url, "-o", "json", *extra, "hello")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _shape(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for event in events:
        ((kind, body),) = event.items()
        if kind == "artifactUpdate":
            flags = f"{'+' if body.get('append') else ''}{'!' if body.get('lastChunk') else ''}"
            out.append((kind, flags + "".join(p.get("text", "") for p in body["artifact"]["parts"])))
        elif kind in ("statusUpdate", "task"):
            out.append((kind, body["status"]["state"]))
        else:
            out.append((kind, ""))
    return out


def _through_the_proxy(upstream_ref: str, front_url: str, front: Front, transport: str) -> None:
    front.hits.clear()
    direct = _stream(front_url, "--transport", "GRPC")
    assert front.hits == []
    with demo_agent(proxy=ProxyOptions(upstream=upstream_ref), exchange_log=ExchangeLogOptions("json")) as proxy:
        proxied = _stream(proxy, "--transport", transport)
        task_id = next(e["task"]["id"] for e in proxied if "task" in e)
        got = _a2a("task", "get", "-a", proxy, "-o", "json", task_id)
        assert got.returncode == 0, got.stderr
    assert front.hits == []  # no upstream call went over HTTP
    assert _shape(proxied) == _shape(direct)
    assert _shape(proxied)[-1] == ("statusUpdate", "TASK_STATE_COMPLETED")
    assert json.loads(got.stdout)["status"]["state"] == "TASK_STATE_COMPLETED"


@pytest.mark.parametrize("transport", ["JSONRPC", "HTTP+JSON"])
def test_the_proxy_reaches_a_grpc_first_upstream_over_grpc_and_passes_the_same_stream_on(
    upstream: tuple[str, Front, list[dict[str, Any]], list[dict[str, Any]]], transport: str
) -> None:
    front_url, front, grpc_first, _ = upstream
    front.card["supportedInterfaces"] = grpc_first
    _through_the_proxy(front_url, front_url, front, transport)


def test_a_catalog_entry_preferring_grpc_is_honoured_by_the_proxy(
    upstream: tuple[str, Front, list[dict[str, Any]], list[dict[str, Any]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--proxy catalog:NAME`: the entry's transport is the proxy's preference, as it is every command's."""
    front_url, front, _, card_order = upstream
    front.card["supportedInterfaces"] = card_order  # HTTP first: only the preference leads to gRPC
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"agents": [{"name": "up", "url": front_url, "transport": "GRPC"}]}))
    monkeypatch.setenv("A2ACLI_CATALOG", str(catalog))
    _through_the_proxy("catalog:up", front_url, front, "JSONRPC")


def test_a_cancel_through_the_proxy_reaches_the_grpc_upstream_and_ends_the_stream(
    upstream: tuple[str, Front, list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    front_url, front, grpc_first, _ = upstream
    front.card["supportedInterfaces"] = grpc_first
    front.hits.clear()
    with demo_agent(proxy=ProxyOptions(upstream=front_url), exchange_log=ExchangeLogOptions("json")) as proxy:
        stream = subprocess.Popen(
            [A2A, "stream", "-a", proxy, "-o", "json", "/scenario long-running 20"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert stream.stdout is not None
            task_id = json.loads(stream.stdout.readline())["task"]["id"]
            canceled = _a2a("task", "cancel", "-a", proxy, "-o", "json", task_id)
            rest, err = stream.communicate(timeout=30)
        finally:
            stream.kill()
    assert canceled.returncode == 0, canceled.stderr
    assert json.loads(canceled.stdout)["status"]["state"] == "TASK_STATE_CANCELED"
    assert stream.returncode == 0, err
    last = json.loads(rest.splitlines()[-1])
    assert last["statusUpdate"]["status"]["state"] == "TASK_STATE_CANCELED"
    assert front.hits == []
