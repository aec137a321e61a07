"""The hostile servers themselves: each misbehaves exactly as documented (a harness that silently behaves would
make every client-side test pass for the wrong reason)."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.hostile.servers import (
    CARD_SCENARIOS,
    EVIL,
    HUGE_CARD_BYTES,
    RAW_SCENARIOS,
    RPC_SCENARIOS,
    HostileAgent,
    RawAgent,
)


def _rpc(method: str = "SendMessage") -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": {"message": {"messageId": "m", "parts": []}}}


@pytest.mark.parametrize("wire", ["v1", "v03"])
def test_ok_card_and_endpoint(hostile: HostileAgent, wire: str) -> None:
    card = httpx.get(hostile.card_url("ok", wire)).json()
    url = card["url"] if wire == "v03" else card["supportedInterfaces"][0]["url"]
    reply = httpx.post(url, json=_rpc("message/send" if wire == "v03" else "SendMessage")).json()
    task = reply["result"] if wire == "v03" else reply["result"]["task"]
    assert task["id"] == "task-hostile-1"


def test_every_documented_scenario_has_a_description() -> None:
    assert {"huge-card", "redirect-loop", "escape-card", "card-401"} <= set(CARD_SCENARIOS)
    assert {"sse-huge-event", "sse-drip", "sse-stall", "rpc-429", "unknown-code"} <= set(RPC_SCENARIOS)
    assert {"raw-truncated-chunked", "raw-no-headers-stall"} <= set(RAW_SCENARIOS)


def test_card_misbehaviours(hostile: HostileAgent) -> None:
    assert httpx.get(hostile.card_url("html-card")).headers["content-type"].startswith("text/html")
    loop = httpx.get(hostile.card_url("redirect-loop"))
    assert loop.status_code == 302 and loop.headers["location"] == hostile.card_url("redirect-loop")
    r429 = httpx.get(hostile.card_url("card-429"))
    assert r429.status_code == 429 and r429.headers["retry-after"] == "3600"
    assert "WWW-Authenticate" in httpx.get(hostile.card_url("card-401")).headers
    evil = httpx.get(hostile.card_url("escape-card")).json()
    assert EVIL in evil["name"] and EVIL in evil["skills"][0]["description"]


def test_huge_card_is_streamed_lazily(hostile: HostileAgent) -> None:
    seen = 0
    start = time.monotonic()
    with httpx.stream("GET", hostile.card_url("huge-card-cl")) as resp:
        assert int(resp.headers["content-length"]) > HUGE_CARD_BYTES
        for chunk in resp.iter_raw():
            seen += len(chunk)
            if seen > 4 * 1024 * 1024:
                break
    assert seen > 4 * 1024 * 1024 and time.monotonic() - start < 10


def test_stream_misbehaviours(hostile: HostileAgent) -> None:
    url = f"{hostile.base}/v1/sse-after-terminal/rpc"
    body = httpx.post(url, json=_rpc("SendStreamingMessage")).text
    assert body.index("TASK_STATE_COMPLETED") < body.index("AFTER-TERMINAL")
    trunc = httpx.post(f"{hostile.base}/v1/sse-truncated/rpc", json=_rpc("SendStreamingMessage")).text
    assert not trunc.endswith("\n\n")
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{hostile.base}/v1/sse-stall/rpc", json=_rpc("SendStreamingMessage"), timeout=0.5).read()
    err = httpx.post(f"{hostile.base}/v1/unknown-code/rpc", json=_rpc()).json()
    assert err["error"]["code"] == -31337


def test_recorder_sees_headers(hostile: HostileAgent) -> None:
    httpx.get(hostile.card_url("ok"), headers={"Authorization": "Bearer sekrit-123"})
    assert "sekrit-123" in hostile.recorder.all_text()


def test_raw_scenarios(raw: RawAgent) -> None:
    assert json.loads(httpx.get(raw.card_url("raw-close")).text)["name"]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{raw.base}/raw-garbage-status/rpc", json=_rpc())
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{raw.base}/raw-short-content-length/rpc", json=_rpc()).read()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{raw.base}/raw-no-headers-stall/rpc", json=_rpc(), timeout=0.5)
    host, port = raw.base.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=2) as s:
        s.sendall(b"POST /raw-close/rpc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        assert s.recv(100) == b""
