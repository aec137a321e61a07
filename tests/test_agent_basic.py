"""The demo agent, served for real: card, JSON-RPC (1.0 and 0.3) at every path, HTTP+JSON, cancel."""

from __future__ import annotations

import json
from typing import Any

import httpx

from a2acli.agent.options import TUTORIAL_REPLY
from tests.support.agent import demo_agent

V1 = {"A2A-Version": "1.0"}


def _send_params(message_id: str, text: str = "hi") -> dict[str, Any]:
    return {"message": {"messageId": message_id, "role": "ROLE_USER", "parts": [{"text": text}]}}


def _rpc(method: str, params: dict[str, Any], rid: int | str = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}


def _sse_json(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line[5:]) for line in response.iter_lines() if line.startswith("data:")]


def test_stream_jsonrpc_v10_one_artifact_word_by_word() -> None:
    body = _rpc("SendStreamingMessage", _send_params("m1"))
    with (
        demo_agent() as url,
        httpx.Client(timeout=10) as client,
        client.stream("POST", url + "/", json=body, headers=V1) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [e["result"] for e in _sse_json(r)]
    assert "task" in events[0] and events[0]["task"]["status"]["state"] == "TASK_STATE_SUBMITTED"
    assert events[1]["statusUpdate"]["status"]["state"] == "TASK_STATE_WORKING"
    chunks = [e["artifactUpdate"] for e in events if "artifactUpdate" in e]
    assert len({c["artifact"]["artifactId"] for c in chunks}) == 1
    assert [c.get("append", False) for c in chunks] == [False] + [True] * (len(chunks) - 1)
    assert [c.get("lastChunk", False) for c in chunks] == [False] * (len(chunks) - 1) + [True]
    text = "".join(p["text"] for c in chunks for p in c["artifact"]["parts"])
    assert text == TUTORIAL_REPLY
    assert len(chunks) == 13
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_jsonrpc_answers_at_root_and_a2a_without_redirect() -> None:
    with demo_agent(text="one two") as url, httpx.Client(timeout=10, follow_redirects=False) as client:
        for i, path in enumerate(("/", "/a2a", "/a2a/")):
            r = client.post(url + path, json=_rpc("SendMessage", _send_params(f"p{i}")), headers=V1)
            assert r.status_code == 200, path
            task = r.json()["result"]["task"]
            assert task["status"]["state"] == "TASK_STATE_COMPLETED"
            assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == "one two"


def test_v03_jsonrpc_stream_ends_final_completed() -> None:
    part = {"kind": "text", "text": "x"}
    params = {"message": {"messageId": "o1", "role": "user", "kind": "message", "parts": [part]}}
    body = _rpc("message/stream", params, "a")
    with demo_agent() as url, httpx.Client(timeout=10) as client, client.stream("POST", url + "/a2a", json=body) as r:
        events = [e["result"] for e in _sse_json(r)]
    assert events[0]["kind"] == "task"
    assert events[-1]["kind"] == "status-update" and events[-1]["final"] is True
    assert events[-1]["status"]["state"] == "completed"
    assert sum(1 for e in events if e["kind"] == "artifact-update") == 13


def test_rest_v10_send_and_get() -> None:
    with demo_agent(echo=True) as url, httpx.Client(timeout=10) as client:
        r = client.post(url + "/message:send", json=_send_params("r1", "echo me back"), headers=V1)
        assert r.status_code == 200, r.text
        task = r.json()["task"]
        assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == "echo me back"
        got = client.get(f"{url}/tasks/{task['id']}", headers=V1)
        assert got.status_code == 200 and got.json()["status"]["state"] == "TASK_STATE_COMPLETED"


def test_card_served_at_both_paths() -> None:
    with demo_agent() as url, httpx.Client(timeout=10) as client:
        for path in ("/.well-known/agent-card.json", "/.well-known/agent.json"):
            card = client.get(url + path).json()
            assert card["name"] == "Streaming Demo Agent"
            assert card["capabilities"]["streaming"] is True


def test_cancel_running_task_stops_promptly() -> None:
    import time

    with demo_agent(delay=0.3) as url, httpx.Client(timeout=10) as client:
        with client.stream("POST", url + "/", json=_rpc("SendStreamingMessage", _send_params("c1")), headers=V1) as r:
            lines = r.iter_lines()
            first = next(line for line in lines if line.startswith("data:"))
            task_id = json.loads(first[5:])["result"]["task"]["id"]
            started = time.monotonic()
            cancel = client.post(url + "/", json=_rpc("CancelTask", {"id": task_id}, 2), headers=V1)
            assert time.monotonic() - started < 2
            assert cancel.json()["result"]["status"]["state"] == "TASK_STATE_CANCELED"
            rest = [json.loads(line[5:]) for line in lines if line.startswith("data:")]
        assert len([e for e in rest if "artifactUpdate" in e.get("result", {})]) < 13
        got = client.post(url + "/", json=_rpc("GetTask", {"id": task_id}, 3), headers=V1).json()["result"]
        assert got["status"]["state"] == "TASK_STATE_CANCELED"


def test_v03_rest_stream_wire_carries_append_and_last_chunk() -> None:
    body = {"message": {"messageId": "w1", "role": "ROLE_USER", "content": [{"text": "hi"}]}}
    with (
        demo_agent(text="a b c") as url,
        httpx.Client(timeout=10) as client,
        client.stream("POST", url + "/v1/message:stream", json=body) as r,
    ):
        events = _sse_json(r)
    chunks = [e["artifactUpdate"] for e in events if "artifactUpdate" in e]
    assert [c["artifact"]["parts"][0]["text"] for c in chunks] == ["a ", "b ", "c"]
    assert [c.get("append", False) for c in chunks] == [False, True, True]
    assert [c.get("lastChunk", False) for c in chunks] == [False, False, True]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert events[-1]["statusUpdate"]["final"] is True


def test_cancel_bookkeeping_does_not_outlive_tasks() -> None:
    """A cancel for a task with no running word loop (finished, idle, unknown) leaves nothing behind;
    a cancel during the loop stops it and is forgotten with it."""
    import asyncio

    from a2a.server.agent_execution import RequestContext
    from a2a.server.context import ServerCallContext
    from a2a.server.events.event_queue import EventQueueLegacy
    from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageRequest

    from a2acli.agent.executor import DemoAgentExecutor
    from a2acli.agent.options import ServeOptions

    async def scenario() -> None:
        executor = DemoAgentExecutor(ServeOptions(delay=0.05, text="one two three four five six"))
        call = ServerCallContext()
        for idle in ("finished-task", "idle-task", "never-seen"):
            await executor.cancel(RequestContext(call, task_id=idle, context_id="c"), EventQueueLegacy())
        assert executor._canceled == set() and executor._running == set()

        request = SendMessageRequest(
            message=Message(
                message_id="m1", role=Role.ROLE_USER, parts=[Part(text="go")], task_id="t1", context_id="c1"
            )
        )
        queue = EventQueueLegacy()
        run = asyncio.create_task(
            executor.execute(RequestContext(call, request=request, task_id="t1", context_id="c1"), queue)
        )
        await asyncio.sleep(0.12)
        assert executor._running == {"t1"}
        await executor.cancel(RequestContext(call, task_id="t1", context_id="c1"), queue)
        await asyncio.wait_for(run, timeout=2)
        assert executor._canceled == set() and executor._running == set()
        events = []
        while not queue.queue.empty():
            events.append(queue.queue.get_nowait())
        words = [e for e in events if type(e).__name__ == "TaskArtifactUpdateEvent"]
        assert 0 < len(words) < 6  # stopped part-way, promptly

    asyncio.run(scenario())
