"""The lean path for delay-0 1.0 JSON-RPC streams says exactly what the SDK path says, and leaves the same task."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.support.agent import demo_agent

V1 = {"A2A-Version": "1.0"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _normal(doc: Any) -> Any:
    """Ids and timestamps replaced by placeholders, so two runs compare equal."""
    text = json.dumps(doc, sort_keys=True)
    ids: dict[str, str] = {}
    text = UUID.sub(lambda m: ids.setdefault(m.group(0), f"<id{len(ids)}>"), text)
    return json.loads(STAMP.sub("<ts>", text))


def _stream(url: str, params: dict[str, Any], headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    body = {"jsonrpc": "2.0", "id": 5, "method": "SendStreamingMessage", "params": params}
    with httpx.Client(timeout=10) as client, client.stream("POST", url + "/", json=body, headers=headers or V1) as r:
        assert r.status_code == 200
        if r.headers["content-type"].startswith("application/json"):  # an error answered before any event
            r.read()
            return [r.json()]
        assert r.headers["content-type"].startswith("text/event-stream")
        return [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:")]


def _params(message_id: str = "fast-1", **extra: Any) -> dict[str, Any]:
    message = {"messageId": message_id, "role": "ROLE_USER", "parts": [{"text": "hello there"}], **extra}
    return {"message": message}


def _run(fast: bool, **opts: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with demo_agent(fast_path=fast, **opts) as url:
        events = _stream(url, _params(contextId="ctx-given"))
        task_id = events[0]["result"]["task"]["id"]
        get = {"jsonrpc": "2.0", "id": 6, "method": "GetTask", "params": {"id": task_id}}
        task = httpx.post(url + "/", json=get, headers=V1, timeout=10).json()
    return events, task


@pytest.mark.parametrize("opts", [{}, {"echo": True}, {"text": "  odd\tspacing  ünïcode \"quotes\" \\ end"}])
def test_fast_path_events_and_task_equal_the_sdk_path(opts: dict[str, Any]) -> None:
    fast_events, fast_task = _run(True, **opts)
    sdk_events, sdk_task = _run(False, **opts)
    assert _normal(fast_events) == _normal(sdk_events)
    assert _normal(fast_task) == _normal(sdk_task)
    assert fast_events[0]["result"]["task"]["contextId"] == "ctx-given"


def test_fast_path_task_behaves_as_a_completed_task() -> None:
    with demo_agent() as url, httpx.Client(timeout=10, headers=V1) as client:
        task_id = _stream(url, _params())[0]["result"]["task"]["id"]
        rpc = {"jsonrpc": "2.0", "id": 1}
        cancel = client.post(url + "/", json={**rpc, "method": "CancelTask", "params": {"id": task_id}}).json()
        assert cancel["error"]["code"] == -32002  # TaskNotCancelableError
        listed = client.post(url + "/", json={**rpc, "method": "ListTasks", "params": {}}).json()["result"]
        assert task_id in [t["id"] for t in listed["tasks"]]
        rest = client.get(f"{url}/tasks/{task_id}").json()
        assert rest["status"]["state"] == "TASK_STATE_COMPLETED"


def test_what_the_fast_path_leaves_to_the_sdk() -> None:
    """Scenarios, follow-ups, push configs, 0.3 and headerless requests still take the SDK path (and work)."""
    with demo_agent() as url:
        first = _stream(url, _params("f-2"))
        task_id = first[0]["result"]["task"]["id"]
        follow = _stream(url, _params("f-3", taskId=task_id))
        assert "error" in follow[0]  # a completed task takes no follow-up: the SDK's answer
        no_header = _stream(url, _params("f-4"), headers={"A2A-Version": ""})
        assert no_header[0]["error"]["code"] == -32009
        bad = _stream(url, {"message": {"messageId": "f-5", "role": "ROLE_USER", "parts": []}})
        assert bad[0]["error"]["code"] == -32602


def test_fast_path_switch() -> None:
    """On for every delay (delayed streams: tests/test_serve_lean_delayed.py); off with fast_path=False or 0.3 only."""
    from a2acli.agent.fastpath import FastStreams, LeanRunner
    from a2acli.agent.live import LiveTasks, Shutdown
    from a2acli.agent.options import ServeOptions

    runner = LeanRunner(store=None, live=LiveTasks(), shutdown=Shutdown(), push_sender=None, delay=0)

    def enabled(options: ServeOptions) -> bool:
        return FastStreams(None, options=options, runner=runner, jsonrpc_paths=("/",)).enabled

    assert enabled(ServeOptions(delay=0.1))
    assert enabled(ServeOptions(delay=0))
    assert not enabled(ServeOptions(delay=0, fast_path=False))
    assert not enabled(ServeOptions(delay=0.1, protocol_versions=("0.3",)))


def test_fast_path_task_lands_in_the_sqlite_store(tmp_path: Any) -> None:
    with demo_agent(store=f"sqlite:///{tmp_path / 't.db'}") as url:
        events = _stream(url, _params("fast-db"))
        task_id = events[0]["result"]["task"]["id"]
        get = {"jsonrpc": "2.0", "id": 6, "method": "GetTask", "params": {"id": task_id}}
        task = httpx.post(url + "/", json=get, headers=V1, timeout=10).json()["result"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert task["history"][0]["messageId"] == "fast-db"
