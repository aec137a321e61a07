"""A delayed stream of the demo agent, cancelled midway: CANCELED on the stream, in the store, to subscribers."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.agent import demo_agent

V1 = {"A2A-Version": "1.0"}


def _rpc(url: str, method: str, params: dict[str, Any], rid: int = 1) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
    result: dict[str, Any] = httpx.post(url + "/", json=body, headers=V1, timeout=10).json()
    return result


def test_delayed_stream_cancel_midway_ends_canceled_and_subscribe_sees_it() -> None:
    with demo_agent(delay=0.3, text="one two three four five six seven eight") as url:
        body = {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "SendStreamingMessage",
            "params": {"message": {"messageId": "sse-1", "role": "ROLE_USER", "parts": [{"text": "go"}]}},
        }
        states: list[str] = []
        raw = b""
        with httpx.Client(timeout=10) as client, client.stream("POST", url + "/", json=body, headers=V1) as r:
            assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
            task_id = ""
            for line in r.iter_lines():
                raw += line.encode() + b"\n"
                if not line.startswith("data:"):
                    continue
                result = json.loads(line[5:])["result"]
                if "task" in result:
                    task_id = result["task"]["id"]
                    mid = _rpc(url, "GetTask", {"id": task_id})
                    assert mid["result"]["status"]["state"] in ("TASK_STATE_SUBMITTED", "TASK_STATE_WORKING")
                if "artifactUpdate" in result and "cancel" not in states:
                    states.append("cancel")
                    canceled = _rpc(url, "CancelTask", {"id": task_id})
                    assert canceled["result"]["status"]["state"] == "TASK_STATE_CANCELED"
                if "statusUpdate" in result:
                    states.append(result["statusUpdate"]["status"]["state"])
        assert states[0] == "TASK_STATE_WORKING" and states[1] == "cancel"
        assert states[-1] == "TASK_STATE_CANCELED" and "TASK_STATE_COMPLETED" not in states
        assert _rpc(url, "GetTask", {"id": task_id})["result"]["status"]["state"] == "TASK_STATE_CANCELED"
        # A finished task: SubscribeToTask answers with an error, as the SDK does.
        sub = {"jsonrpc": "2.0", "id": 8, "method": "SubscribeToTask", "params": {"id": task_id}}
        answer = httpx.post(url + "/", json=sub, headers=V1, timeout=10)
        assert "error" in answer.text
