"""`a2a send --push`: one command starts a receiver, registers it with the message, and prints the deliveries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from a2acli.agent.options import TUTORIAL_REPLY
from a2acli.cli import run
from tests.support.agent import demo_agent
from tests.test_resume_stream import final_state
from tests.test_task_commands import artifact_text


def text_shown(events: list[dict[str, Any]]) -> str:
    """The artifact text the events carry, Task events included: a Task (the first event) may already hold
    artifacts — a GetTask snapshot taken when no delivery came within the idle time, or a SendMessage answer
    that was already final — and later artifact updates extend or replace those (append or not)."""
    text: dict[str, str] = {}
    for event in events:
        for artifact in (event.get("task") or {}).get("artifacts") or []:
            text[artifact["artifactId"]] = "".join(p.get("text", "") for p in artifact["parts"])
        update = event.get("artifactUpdate")
        if update:
            aid = update["artifact"]["artifactId"]
            chunk = "".join(p.get("text", "") for p in update["artifact"]["parts"])
            text[aid] = text.get(aid, "") + chunk if update.get("append") else chunk
    return "".join(text.values())


def test_send_push_prints_deliveries_inline_until_the_task_ends(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(delay=0.02) as base:
        assert run(["send", "hello", "--push", "-a", base]) == 0
    captured = capsys.readouterr()
    assert artifact_text(captured.out) == TUTORIAL_REPLY
    tail = captured.out.rstrip("\n").splitlines()
    assert "State: COMPLETED" in tail[-5:] and any(line.startswith("Task ID: ") for line in tail[-5:])
    assert "note: receiving push notifications on http://127.0.0.1:" in captured.err


def test_send_push_json_lines_are_the_delivered_stream_responses(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(delay=0.02) as base:
        assert run(["send", "hello", "--push", "--stream", "-a", base, "-o", "json"]) == 0
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert "task" in events[0]
        assert text_shown(events) == TUTORIAL_REPLY
        assert final_state(events) == "TASK_STATE_COMPLETED"
        assert run(["send", "hello", "--push", "-a", base, "-o", "json"]) == 0  # without --stream: one document
        lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    task = json.loads(lines[0])["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == TUTORIAL_REPLY


def test_send_push_with_async_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["send", "hello", "--push", "--async"]) == 2
    assert "--async and --push" in capsys.readouterr().err
