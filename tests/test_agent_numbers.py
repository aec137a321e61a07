"""Whole numbers stay whole on the wire (issue 13): `{"n": 1}` comes back as `1`, not `1.0`, on every binding and
version the demo agent speaks, in replies, streams, task reads and push notifications; fractions stay fractions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.agent import demo_agent
from tests.support.server import serve_in_thread
from tests.test_agent_push import Webhook

V1 = {"A2A-Version": "1.0"}
DATA = {"n": 1, "neg": -3, "f": 1.5, "nested": {"list": [2, 3.25, {"deep": 10}]}}
MSG10 = {"messageId": "num-1", "role": "ROLE_USER", "parts": [{"data": DATA}], "metadata": {"k": 7}}
MSG03 = {"messageId": "num-3", "role": "user", "kind": "message", "parts": [{"kind": "data", "data": DATA}]}
# HTTP+JSON 0.3 is the 0.3 proto's JSON: `content` parts, `data` wrapping a Struct
REST03 = {"messageId": "num-r3", "role": "ROLE_USER", "content": [{"data": {"data": DATA}}]}


def _values(doc: Any, key: str) -> list[Any]:
    found: list[Any] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == key:
                found.append(v)
            found.extend(_values(v, key))
    elif isinstance(doc, list):
        for v in doc:
            found.extend(_values(v, key))
    return found


def _assert_whole(docs: list[Any], where: str) -> None:
    ns = [v for d in docs for v in _values(d, "n")]
    assert ns, f"{where}: the data part is not in the answer"
    assert all(type(v) is int and v == 1 for v in ns), (where, ns)
    assert all(type(v) is int for d in docs for v in _values(d, "deep")), where
    assert all(type(v) is int for d in docs for v in _values(d, "neg")), where
    assert all(v == 1.5 and type(v) is float for d in docs for v in _values(d, "f")), where


def _sse(response: httpx.Response) -> list[Any]:
    return [json.loads(line[5:]) for line in response.iter_lines() if line.startswith("data:")]


@pytest.fixture(scope="module", params=[0.0, 0.01], ids=["delay-0", "delayed"])
def agent_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with demo_agent(delay=request.param, text="a b") as url:
        yield url


def test_jsonrpc_1_0(agent_url: str) -> None:
    with httpx.Client(base_url=agent_url, headers=V1, timeout=20) as c:
        sent = c.post("/", json={"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": MSG10}})
        _assert_whole([sent.json()], "JSON-RPC 1.0 SendMessage")
        assert _values(sent.json(), "k") == [7] and type(_values(sent.json(), "k")[0]) is int
        task_id = sent.json()["result"]["task"]["id"]
        got = c.post("/", json={"jsonrpc": "2.0", "id": 2, "method": "GetTask", "params": {"id": task_id}})
        _assert_whole([got.json()], "JSON-RPC 1.0 GetTask")
        listed = c.post("/", json={"jsonrpc": "2.0", "id": 3, "method": "ListTasks", "params": {"pageSize": 5}})
        _assert_whole([listed.json()], "JSON-RPC 1.0 ListTasks")
        stream = {"jsonrpc": "2.0", "id": 4, "method": "SendStreamingMessage", "params": {"message": MSG10}}
        with c.stream("POST", "/", json=stream) as r:
            _assert_whole(_sse(r), "JSON-RPC 1.0 SendStreamingMessage (lean path)")


def test_http_json_1_0(agent_url: str) -> None:
    with httpx.Client(base_url=agent_url, headers=V1, timeout=20) as c:
        sent = c.post("/message:send", json={"message": MSG10})
        _assert_whole([sent.json()], "HTTP+JSON 1.0 message:send")
        got = c.get(f"/tasks/{sent.json()['task']['id']}")
        _assert_whole([got.json()], "HTTP+JSON 1.0 GET task")
        with c.stream("POST", "/message:stream", json={"message": MSG10}) as r:
            _assert_whole(_sse(r), "HTTP+JSON 1.0 message:stream (lean path)")


def test_v0_3_bindings(agent_url: str) -> None:
    with httpx.Client(base_url=agent_url, timeout=20) as c:
        sent = c.post("/", json={"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {"message": MSG03}})
        _assert_whole([sent.json()], "JSON-RPC 0.3 message/send")
        stream = {"jsonrpc": "2.0", "id": 2, "method": "message/stream", "params": {"message": MSG03}}
        with c.stream("POST", "/", json=stream) as r:
            _assert_whole(_sse(r), "JSON-RPC 0.3 message/stream")
        rest = c.post("/v1/message:send", json={"message": REST03})
        _assert_whole([rest.json()], "HTTP+JSON 0.3 message:send")
        with c.stream("POST", "/v1/message:stream", json={"message": REST03}) as r:
            _assert_whole(_sse(r), "HTTP+JSON 0.3 message:stream")


def test_the_artifact_data_scenario_answers_an_integer_count_also_in_push_notifications() -> None:
    hook = Webhook()
    with serve_in_thread(hook.app()) as hook_url, demo_agent() as url:
        params = {
            "message": {"messageId": "scenario-artifact-data", "role": "ROLE_USER", "parts": [{"text": "x"}]},
            "configuration": {"taskPushNotificationConfig": {"url": hook_url + "/hook"}},
        }
        body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params}
        answer = httpx.post(url + "/", json=body, headers=V1, timeout=20).json()
        assert _values(answer, "count") == [42] and type(_values(answer, "count")[0]) is int, answer
        events = hook.wait_for(lambda got: any(_values(b, "count") for _, b in got))
        counts = [v for _, b in events for v in _values(b, "count")]
        assert counts and all(type(v) is int and v == 42 for v in counts), counts


def test_whole_numbers_unit() -> None:
    from a2acli.agent.numbers import fix_json, fix_sse, whole_numbers

    assert whole_numbers({"a": [1.0, 2.5, -0.0, 1e300, True, "1.0"]}) == {"a": [1, 2.5, 0, 1e300, True, "1.0"]}
    assert type(whole_numbers(1e300)) is float  # not exactly one integer: left alone
    text = b'{"jsonrpc":"2.0","result":{"v":"1.0","x":2.0}}'
    assert fix_json(text, compact=True) == b'{"jsonrpc":"2.0","result":{"v":"1.0","x":2}}'
    untouched = b'{"jsonrpc":"2.0","result":{"text":"A2A 1.0"}}'
    assert fix_json(untouched, compact=True) is untouched  # nothing that looks like a whole float: no re-encoding
    event = b'event: x\r\ndata: {"a": 3.0}\r\n\r\n'
    assert fix_sse(event) == b'event: x\r\ndata: {"a": 3}\r\n\r\n'
