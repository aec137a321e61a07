"""A follow-up message to a task that ends while the follow-up waits is never run on the terminal task.

SDK 1.3 queues a message naming a running task behind the running request and, once that request has ended the
task COMPLETED, runs the executor again on it: WORKING again, a second artifact (for `a2a serve --exec`, the
command a second time). A2A forbids reopening a terminal task; the demo's lean path never runs such a follow-up
(agent/live.py). Here both executors of the SDK path (the command's and the demo's) go through the same guard.

Real servers (the app under uvicorn), real processes (the command), the real `a2a stream` for the stream case.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from a2acli.agent.modes import exec_options
from tests.support.agent import demo_agent

A2A = str(Path(sys.executable).with_name("a2a"))


def _rpc(url: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": str(uuid.uuid4()), "method": method, "params": params}
    response = httpx.post(url + "/", json=body, headers={"A2A-Version": "1.0"}, timeout=30)
    reply: dict[str, Any] = response.json()
    return reply


def _message(text: str, task_id: str = "", **configuration: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]}
    if task_id:
        message["taskId"] = task_id
    params: dict[str, Any] = {"message": message}
    if configuration:
        params["configuration"] = configuration
    return params


def _settled(url: str, task_id: str, seconds: float = 3.0) -> dict[str, Any]:
    """The task once it has stayed terminal with the same artifacts for `seconds` (a rerun would show by then)."""
    deadline = time.monotonic() + 30
    seen: tuple[str, int] | None = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        task: dict[str, Any] = _rpc(url, "GetTask", {"id": task_id})["result"]
        now = (task["status"]["state"], len(task.get("artifacts", [])))
        if now != seen:
            seen, since = now, time.monotonic()
        elif now[0] == "TASK_STATE_COMPLETED" and time.monotonic() - since >= seconds:
            return task
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} never settled: {seen}")


def _exec_agent(tmp_path: Path) -> tuple[Any, Path]:
    runs = tmp_path / "runs"
    # One line in `runs` per run of the command; the run lasts long enough for a follow-up to queue behind it.
    command = exec_options(f"sh -c 'echo run >> {runs}; sleep 1; cat'")
    return demo_agent(command=command), runs


@pytest.mark.parametrize("agent", ["exec", "demo"])
def test_a_follow_up_queued_behind_a_running_task_is_not_run_on_the_completed_task(tmp_path: Path, agent: str) -> None:
    if agent == "exec":
        server, runs = _exec_agent(tmp_path)
    else:  # the demo's SDK path (a returnImmediately send is not the lean path's), slow enough to queue behind
        server, runs = demo_agent(delay=0.1), None
    with server as url:
        first = _rpc(url, "SendMessage", _message("first", returnImmediately=True))["result"]["task"]
        # Sent while the first run is running: the SDK queues it behind that run.
        answer = _rpc(url, "SendMessage", _message("second", first["id"]))
        assert answer.get("result", {}).get("task", {}).get("status", {}).get("state") == "TASK_STATE_COMPLETED", answer
        task = _settled(url, first["id"])
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert len(task["artifacts"]) == 1, task["artifacts"]  # not a second run's artifact
    if runs is not None:
        assert runs.read_text().splitlines() == ["run"]  # the command ran once
        assert task["artifacts"][0]["parts"][0]["text"] == "first"


def test_a_streamed_follow_up_gets_the_rest_of_the_run_and_the_command_runs_once(tmp_path: Path) -> None:
    server, runs = _exec_agent(tmp_path)
    with server as url:
        first = _rpc(url, "SendMessage", _message("first", returnImmediately=True))["result"]["task"]
        done = subprocess.run(
            [A2A, "stream", "-a", url, "-o", "json", "--task-id", first["id"], "second"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        task = _settled(url, first["id"])
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    states = [(e.get("statusUpdate") or e.get("task") or {}).get("status", {}).get("state") for e in events]
    assert [s for s in states if s][-1] == "TASK_STATE_COMPLETED"
    texts = "".join(
        p.get("text", "") for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"]
    )
    assert "second" not in texts  # the follow-up's text was never run
    assert runs.read_text().splitlines() == ["run"]
    assert len(task["artifacts"]) == 1 and task["artifacts"][0]["parts"][0]["text"] == "first"
