"""Fixes the A2A TCK asked for, checked against the real demo agent: media types on both bindings."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from a2acli.agent.media_types import is_json_type, wants_plain_json
from tests.support.agent import demo_agent

V10 = {"A2A-Version": "1.0"}


@pytest.fixture(scope="module")
def agent_url() -> Iterator[str]:
    with demo_agent() as url:
        yield url


def _send_body(text: str = "/scenario complete") -> dict[str, Any]:
    message = {"role": "ROLE_USER", "parts": [{"text": text}], "messageId": str(uuid.uuid4())}
    return {"jsonrpc": "2.0", "id": 7, "method": "SendMessage", "params": {"message": message}}


def test_is_json_type() -> None:
    assert is_json_type(b"application/json")
    assert is_json_type(b"Application/JSON; charset=utf-8")
    assert is_json_type(b"application/a2a+json")
    assert not is_json_type(b"text/plain")
    assert not is_json_type(b"application/x-www-form-urlencoded")


def test_wants_plain_json() -> None:
    def scope(**headers: str) -> dict[str, Any]:
        return {"headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]}

    assert wants_plain_json(scope(content_type="application/json"))
    assert not wants_plain_json(scope(content_type="application/a2a+json"))
    assert not wants_plain_json(scope(content_type="application/json", accept="application/a2a+json"))
    assert wants_plain_json(scope(accept="application/json"))
    assert not wants_plain_json(scope(accept="*/*"))
    assert not wants_plain_json(scope())


def test_jsonrpc_non_json_content_type_and_body_is_content_type_not_supported(agent_url: str) -> None:
    body = str(_send_body()).encode()  # a Python repr: not JSON
    response = httpx.post(agent_url + "/", content=body, headers={"Content-Type": "text/plain", **V10}, timeout=10)
    assert response.status_code == 200
    error = response.json()["error"]
    assert error["code"] == -32005
    assert error["data"][0]["reason"] == "CONTENT_TYPE_NOT_SUPPORTED"


def test_jsonrpc_invalid_json_declared_as_json_is_still_a_parse_error(agent_url: str) -> None:
    headers = {"Content-Type": "application/json", **V10}
    response = httpx.post(agent_url + "/a2a", content=b"{'a': 1}", headers=headers, timeout=10)
    assert response.json()["error"]["code"] == -32700


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_jsonrpc_json_body_is_served_whatever_its_declared_type(agent_url: str, content_type: str) -> None:
    # curl -d without -H sends application/x-www-form-urlencoded: the tutorial's commands must still work.
    body = json.dumps(_send_body()).encode()
    response = httpx.post(agent_url + "/a2a", content=body, headers={"Content-Type": content_type, **V10}, timeout=10)
    result = response.json()["result"]
    assert result["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_http_json_answer_labelled_like_the_request(agent_url: str) -> None:
    body = {"message": _send_body()["params"]["message"]}
    plain = httpx.post(agent_url + "/message:send", json=body, headers=V10, timeout=10)
    assert plain.status_code == 200
    assert plain.headers["content-type"] == "application/json"
    a2a = httpx.post(
        agent_url + "/message:send",
        content=json.dumps(body | {"message": body["message"] | {"messageId": str(uuid.uuid4())}}).encode(),
        headers={"Content-Type": "application/a2a+json", **V10},
        timeout=10,
    )
    assert a2a.status_code == 200
    assert a2a.headers["content-type"] == "application/a2a+json"
    assert a2a.json()["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    task_id = a2a.json()["task"]["id"]
    # No signal (a bare GET): the SDK's A2A media type stays.
    got = httpx.get(f"{agent_url}/tasks/{task_id}", headers=V10, timeout=10)
    assert got.headers["content-type"] == "application/a2a+json"


def test_streams_keep_their_event_stream_type(agent_url: str) -> None:
    body = {"message": _send_body("/scenario stream")["params"]["message"]}
    with httpx.stream("POST", agent_url + "/message:stream", json=body, headers=V10, timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    assert json.loads(lines[-1][5:])["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
