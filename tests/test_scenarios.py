"""The scenario facility: every TCK messageId prefix and every `/scenario NAME` against the real demo agent."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from a2acli.agent.scenarios import (
    LONG_RUNNING_DEFAULT_S,
    LONG_RUNNING_MAX_S,
    SCENARIOS,
    Ticks,
    find_scenario,
    help_text,
    parse_seconds,
)
from tests.support.agent import demo_agent

V10 = {"A2A-Version": "1.0"}


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("message_id", "expected"),
    [
        ("tck-complete-task-abc123", "complete"),
        ("tck-artifact-text-abc", "artifact-text"),
        ("tck-artifact-file-abc", "artifact-file"),
        ("tck-artifact-file-url-abc", "artifact-file-url"),  # longest prefix wins over tck-artifact-file
        ("tck-artifact-data-abc", "artifact-data"),
        ("tck-message-response-abc", "message"),
        ("tck-input-required-abc", "input-required"),
        ("tck-reject-task-abc", "tck-reject-task"),
        ("tck-stream-001-abc", "stream"),
        ("tck-stream-002-abc", "tck-stream-002"),
        ("tck-stream-003-abc", "tck-stream-003"),
        ("tck-stream-ordering-001-abc", "tck-stream-ordering-001"),
        ("tck-stream-artifact-text-abc", "tck-stream-artifact-text"),
        ("tck-stream-artifact-file-abc", "tck-stream-artifact-file"),
        ("tck-stream-artifact-chunked-abc", "artifact-chunked"),
        ("test-resubscribe-message-id-1", "tck-resubscribe"),
        ("scenario-artifact-file-url-7", "artifact-file-url"),
        ("scenario-fail", "fail"),
    ],
)
def test_message_id_prefixes_select_scenarios(message_id: str, expected: str) -> None:
    scenario = find_scenario(message_id, "some text")
    assert scenario is not None
    assert scenario.name == expected


@pytest.mark.parametrize(
    "message_id",
    ["", str(uuid.uuid4()), "tck-dm-test-001-abc", "tck-sse-streaming-001-x", "tck-terminal-x", "scenario-nope"],
)
def test_other_message_ids_get_the_demo_reply(message_id: str) -> None:
    assert find_scenario(message_id, "Tell me a story") is None


def test_text_commands() -> None:
    for scenario in SCENARIOS:
        if scenario.hidden:
            continue
        found = find_scenario("m1", f"  /scenario {scenario.name.upper()}  ")
        assert found is not None and found.name == scenario.name
    assert find_scenario("m1", "/scenarios are fun") is None
    assert find_scenario("m1", "please /scenario complete") is None
    assert find_scenario("m1", "hello") is None
    for text in ("/scenario", "/scenario help", "/scenario list", "/scenario bogus-name"):
        found = find_scenario("m1", text)
        assert found is not None and found.name == "help", text


def test_help_lists_every_user_scenario_and_every_tck_prefix() -> None:
    text = help_text()
    for scenario in SCENARIOS:
        if not scenario.hidden:
            assert f"\n  {scenario.name}" in text
        for prefix in scenario.tck_prefixes:
            assert prefix in text
    assert "/scenario NAME" in text


def test_long_running_argument() -> None:
    assert parse_seconds("5") == 5.0
    assert parse_seconds("2.5s") == 2.5
    assert parse_seconds("-3") == 0.0
    assert parse_seconds("1e9") == LONG_RUNNING_MAX_S
    assert parse_seconds("nan") == LONG_RUNNING_DEFAULT_S
    assert parse_seconds("soon") == LONG_RUNNING_DEFAULT_S
    scenario = find_scenario("m", "/scenario long-running 3")
    assert scenario is not None
    assert [s.seconds for s in scenario.steps if isinstance(s, Ticks)] == [3.0]


# --------------------------------------------------------------------------- against the demo agent


@pytest.fixture(scope="module")
def agent_url() -> Iterator[str]:
    with demo_agent() as url:
        yield url


def _message(text: str, message_id: str | None = None, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "ROLE_USER", "parts": [{"text": text}], "messageId": message_id or str(uuid.uuid4())}
    msg.update(extra)
    return msg


def _rpc(url: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    response = httpx.post(url + "/", json=body, headers=V10, timeout=10)
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _send(url: str, text: str, message_id: str | None = None, **extra: Any) -> dict[str, Any]:
    reply = _rpc(url, "SendMessage", {"message": _message(text, message_id, **extra)})
    assert "result" in reply, reply
    result: dict[str, Any] = reply["result"]
    return result


def _stream(url: str, text: str, message_id: str | None = None) -> list[dict[str, Any]]:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "SendStreamingMessage",
        "params": {"message": _message(text, message_id)},
    }
    events: list[dict[str, Any]] = []
    with httpx.stream("POST", url + "/", json=body, headers=V10, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data:"):
                events.append(json.loads(line[5:])["result"])
    return events


def _texts(parts: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for p in parts if "text" in p]


def test_complete(agent_url: str) -> None:
    for trigger in ({"message_id": "tck-complete-task-x1"}, {"text": "/scenario complete"}):
        task = _send(agent_url, trigger.get("text", "hi"), trigger.get("message_id"))["task"]
        assert task["status"]["state"] == "TASK_STATE_COMPLETED"
        assert _texts(task["status"]["message"]["parts"]) == ["Hello from TCK"]
        assert task["history"][0]["parts"][0]["text"] == trigger.get("text", "hi")


@pytest.mark.parametrize("trigger", ["tck-message-response-1", "/scenario message"])
def test_message_reply_has_no_task(agent_url: str, trigger: str) -> None:
    result = _send(agent_url, trigger) if trigger.startswith("/") else _send(agent_url, "hi", trigger)
    assert "task" not in result
    message = result["message"]
    assert message["role"] == "ROLE_AGENT"
    assert _texts(message["parts"]) == ["Direct message response"]
    assert "taskId" not in message


def test_artifacts(agent_url: str) -> None:
    text = _send(agent_url, "/scenario artifact-text")["task"]
    assert text["status"]["state"] == "TASK_STATE_COMPLETED"
    assert text["artifacts"][0]["artifactId"]
    assert _texts(text["artifacts"][0]["parts"]) == ["Generated text content"]

    file = _send(agent_url, "x", "tck-artifact-file-1")["task"]["artifacts"][0]["parts"][0]
    assert file["filename"] == "output.txt" and file["mediaType"] == "text/plain" and file["raw"]

    url = _send(agent_url, "/scenario artifact-file-url")["task"]["artifacts"][0]["parts"][0]
    assert url == {"url": "https://example.com/output.txt", "filename": "output.txt", "mediaType": "text/plain"}

    data = _send(agent_url, "x", "tck-artifact-data-1")["task"]["artifacts"][0]["parts"][0]
    assert data["data"] == {"key": "value", "count": 42}


def test_chunked_artifact_streams_in_order(agent_url: str) -> None:
    events = _stream(agent_url, "x", "tck-stream-artifact-chunked-1")
    kinds = [next(iter(e)) for e in events]
    assert kinds == ["task", "statusUpdate", "artifactUpdate", "artifactUpdate", "statusUpdate"]
    assert events[0]["task"]["status"]["state"] == "TASK_STATE_SUBMITTED"
    assert events[1]["statusUpdate"]["status"]["state"] == "TASK_STATE_WORKING"
    first, last = events[2]["artifactUpdate"], events[3]["artifactUpdate"]
    assert first["artifact"]["artifactId"] == last["artifact"]["artifactId"]
    assert not first.get("append") and not first.get("lastChunk")
    assert last["append"] is True and last["lastChunk"] is True
    assert _texts(first["artifact"]["parts"]) + _texts(last["artifact"]["parts"]) == ["chunk-1 ", "chunk-2"]
    assert events[4]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


@pytest.mark.parametrize(
    ("message_id", "text"),
    [
        ("tck-stream-001-a", "Stream hello from TCK"),
        ("tck-stream-003-a", "Stream task lifecycle"),
        ("tck-stream-ordering-001-a", "Ordered output"),
        ("tck-stream-artifact-text-a", "Streamed text content"),
    ],
)
def test_tck_stream_lifecycles(agent_url: str, message_id: str, text: str) -> None:
    events = _stream(agent_url, "x", message_id)
    assert [next(iter(e)) for e in events] == ["task", "statusUpdate", "artifactUpdate", "statusUpdate"]
    assert _texts(events[2]["artifactUpdate"]["artifact"]["parts"]) == [text]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_tck_stream_file_and_stream_002(agent_url: str) -> None:
    events = _stream(agent_url, "x", "tck-stream-artifact-file-a")
    part = events[2]["artifactUpdate"]["artifact"]["parts"][0]
    assert part["filename"] == "output.txt" and part["mediaType"] == "text/plain"
    events = _stream(agent_url, "x", "tck-stream-002-a")
    assert [next(iter(e)) for e in events] == ["task", "statusUpdate"]
    assert events[1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_progress_sends_working_messages(agent_url: str) -> None:
    events = _stream(agent_url, "/scenario progress")
    working = [
        _texts(e["statusUpdate"]["status"]["message"]["parts"])[0]
        for e in events
        if "statusUpdate" in e and e["statusUpdate"]["status"]["state"] == "TASK_STATE_WORKING"
    ]
    assert working == ["Step 1 of 3: reading the request", "Step 2 of 3: thinking", "Step 3 of 3: writing the answer"]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_input_required_is_multi_turn(agent_url: str) -> None:
    first = _send(agent_url, "first turn", "tck-input-required-a")["task"]
    assert first["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"
    assert "reply on this task" in _texts(first["status"]["message"]["parts"])[0]
    task_id, context_id = first["id"], first["contextId"]

    again = _send(agent_url, "/scenario input-required", taskId=task_id)["task"]
    assert again["id"] == task_id and again["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"

    # A plain reply continues the task with the normal demo answer, which completes it.
    done = _send(agent_url, "second turn", taskId=task_id)["task"]
    assert done["id"] == task_id and done["contextId"] == context_id
    assert done["status"]["state"] == "TASK_STATE_COMPLETED"
    answer = "".join(_texts(done["artifacts"][0]["parts"]))
    assert answer.startswith("Hello! I'm streaming")

    got = _rpc(agent_url, "GetTask", {"id": task_id, "historyLength": 10})["result"]
    user_texts = [t for m in got["history"] if m["role"] == "ROLE_USER" for t in _texts(m["parts"])]
    assert user_texts == ["first turn", "/scenario input-required", "second turn"]


def test_auth_required_then_continue(agent_url: str) -> None:
    task = _send(agent_url, "/scenario auth-required")["task"]
    assert task["status"]["state"] == "TASK_STATE_AUTH_REQUIRED"
    assert "Authentication required" in _texts(task["status"]["message"]["parts"])[0]
    done = _send(agent_url, "/scenario complete", taskId=task["id"])["task"]
    assert done["status"]["state"] == "TASK_STATE_COMPLETED"


def test_fail_and_reject_end_in_their_states(agent_url: str) -> None:
    failed = _send(agent_url, "/scenario fail")["task"]
    assert failed["status"]["state"] == "TASK_STATE_FAILED"
    assert "Simulated failure" in _texts(failed["status"]["message"]["parts"])[0]
    rejected = _send(agent_url, "/scenario reject")["task"]
    assert rejected["status"]["state"] == "TASK_STATE_REJECTED"
    assert "Rejected" in _texts(rejected["status"]["message"]["parts"])[0]


@pytest.mark.parametrize(
    ("trigger", "message"), [("/scenario error", "Simulated agent error"), ("tck-reject-task-1", "rejected")]
)
def test_error_scenarios_answer_with_an_a2a_error(agent_url: str, trigger: str, message: str) -> None:
    if trigger.startswith("/"):
        reply = _rpc(agent_url, "SendMessage", {"message": _message(trigger)})
    else:
        reply = _rpc(agent_url, "SendMessage", {"message": _message("x", trigger)})
    assert "result" not in reply
    assert reply["error"]["code"] == -32603
    assert message in reply["error"]["message"]
    assert "Traceback" not in json.dumps(reply)
    # The server survives and keeps answering.
    assert _send(agent_url, "/scenario complete")["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_long_running_can_be_canceled_promptly(agent_url: str) -> None:
    params = {"message": _message("/scenario long-running 30"), "configuration": {"returnImmediately": True}}
    task = _rpc(agent_url, "SendMessage", params)["result"]["task"]
    assert task["status"]["state"] in ("TASK_STATE_SUBMITTED", "TASK_STATE_WORKING")
    started = time.monotonic()
    canceled = _rpc(agent_url, "CancelTask", {"id": task["id"]})["result"]
    assert canceled["status"]["state"] == "TASK_STATE_CANCELED"
    assert time.monotonic() - started < 5
    got = _rpc(agent_url, "GetTask", {"id": task["id"]})["result"]
    assert got["status"]["state"] == "TASK_STATE_CANCELED"


def test_long_running_ticks_one_artifact(agent_url: str) -> None:
    events = _stream(agent_url, "/scenario long-running 2")
    ticks = [e["artifactUpdate"] for e in events if "artifactUpdate" in e]
    assert [_texts(t["artifact"]["parts"]) for t in ticks] == [["tick 1/2\n"], ["tick 2/2\n"]]
    assert ticks[0]["artifact"]["artifactId"] == ticks[1]["artifact"]["artifactId"]
    assert ticks[1]["append"] is True and ticks[1]["lastChunk"] is True
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_help_and_unknown_scenario_reply_with_a_message(agent_url: str) -> None:
    help_reply = _send(agent_url, "/scenario help")["message"]
    assert "long-running" in _texts(help_reply["parts"])[0]
    unknown = _send(agent_url, "/scenario no-such-thing")["message"]
    assert _texts(unknown["parts"])[0].startswith("Unknown scenario 'no-such-thing'.")


def test_plain_messages_still_get_the_demo_reply(agent_url: str) -> None:
    task = _send(agent_url, "Tell me a story")["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "".join(_texts(task["artifacts"][0]["parts"])).startswith("Hello! I'm streaming")


def test_http_json_binding(agent_url: str) -> None:
    body = {"message": _message("/scenario artifact-data")}
    response = httpx.post(agent_url + "/message:send", json=body, headers=V10, timeout=10)
    assert response.status_code == 200, response.text
    task = response.json()["task"]
    assert task["artifacts"][0]["parts"][0]["data"] == {"key": "value", "count": 42}


def test_a2a_03_clients_can_use_scenarios(agent_url: str) -> None:
    message = {
        "role": "user",
        "kind": "message",
        "messageId": str(uuid.uuid4()),
        "parts": [{"kind": "text", "text": "/scenario input-required"}],
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {"message": message}}
    reply = httpx.post(agent_url + "/", json=body, timeout=10).json()
    assert reply["result"]["kind"] == "task"
    assert reply["result"]["status"]["state"] == "input-required"


def test_a_plain_follow_up_streams_events_in_the_tasks_context(agent_url: str) -> None:
    first = _send(agent_url, "/scenario input-required")["task"]
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "SendStreamingMessage",
        "params": {"message": _message("my answer", taskId=first["id"])},  # taskId only, no contextId
    }
    with httpx.stream("POST", agent_url + "/", json=body, headers=V10, timeout=10) as response:
        events = [json.loads(line[5:])["result"] for line in response.iter_lines() if line.startswith("data:")]
    payloads = [next(iter(e.values())) for e in events]
    assert payloads and {p["contextId"] for p in payloads} == {first["contextId"]}
    assert payloads[-1]["status"]["state"] == "TASK_STATE_COMPLETED"
