"""`a2a serve` as a real subprocess: start-up line, serving, graceful SIGINT/SIGTERM, sqlite restarts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import free_port

V1 = {"A2A-Version": "1.0"}
A2A = [sys.executable, "-m", "a2acli"]


def _port_is_free(port: int) -> bool:
    """Whether a new server can listen on the port (as uvicorn would: SO_REUSEADDR, TIME_WAIT is fine)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
        except OSError:
            return False
        return True


@contextmanager
def serve_process(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    proc = subprocess.Popen(
        [*A2A, "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"a2a serve exited early: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if httpx.get(url + "/.well-known/agent-card.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("a2a serve did not come up")
            time.sleep(0.1)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _send(url: str, text: str = "hi", message_id: str = "m1", **headers: str) -> dict[str, Any]:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "SendMessage",
        "params": {"message": {"messageId": message_id, "role": "ROLE_USER", "parts": [{"text": text}]}},
    }
    r = httpx.post(url + "/a2a", json=body, headers={**V1, **headers}, timeout=10)
    return dict(r.json())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_gracefully_on_signal(sig: signal.Signals) -> None:
    with serve_process("--delay", "0.3") as (proc, url):
        port = int(url.rsplit(":", 1)[1])
        body = {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "SendStreamingMessage",
            "params": {"message": {"messageId": "s1", "role": "ROLE_USER", "parts": [{"text": "x"}]}},
        }
        with httpx.Client(timeout=10) as client, client.stream("POST", url + "/", json=body, headers=V1) as r:
            events = []
            for line in r.iter_lines():  # ends without an exception: the stream is closed cleanly
                if line.startswith("data:"):
                    events.append(json.loads(line[5:]))
                    if len(events) == 3:
                        proc.send_signal(sig)
        assert 3 <= len(events) < 16
        assert proc.wait(timeout=15) == 0
        stderr = proc.stderr.read() if proc.stderr else ""
    assert "Traceback" not in stderr
    first = stderr.splitlines()[0]
    assert first.startswith("a2a serve: Streaming Demo Agent on " + url + "/")
    assert "/.well-known/agent-card.json" in first
    assert _port_is_free(port)


def test_open_streams_end_at_once_on_sigterm() -> None:
    """A lean stream and a subscription to it, both idle (30 s a word), end as soon as the server is asked to stop:
    well inside uvicorn's graceful timeout (5 s), which would otherwise cut them off."""
    with serve_process("--delay", "30") as (proc, url), httpx.Client(timeout=20, headers=V1) as client:
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "SendStreamingMessage",
            "params": {"message": {"messageId": "idle", "role": "ROLE_USER", "parts": [{"text": "x"}]}},
        }
        with client.stream("POST", url + "/", json=body) as r:
            lines = r.iter_lines()
            task_id = json.loads(next(line for line in lines if line.startswith("data:"))[5:])["result"]["task"]["id"]
            sub = {"jsonrpc": "2.0", "id": 2, "method": "SubscribeToTask", "params": {"id": task_id}}
            with client.stream("POST", url + "/", json=sub) as s:
                sub_lines = s.iter_lines()
                assert next(line for line in sub_lines if line.startswith("data:"))
                asked = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                list(sub_lines)  # ends without an exception: closed cleanly
            list(lines)
            ended = time.monotonic() - asked
        assert proc.wait(timeout=15) == 0
        stopped = time.monotonic() - asked
    assert ended < 3 and stopped < 4, (ended, stopped)


def test_serve_streams_and_answers_on_all_paths() -> None:
    with serve_process("--delay", "0", "--text", "alpha beta gamma") as (proc, url):
        task = _send(url)["result"]["task"]
        assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == "alpha beta gamma"
        assert proc.stdout is not None
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        assert proc.stdout.read() == ""  # stdout carries no logs


def test_sqlite_store_keeps_a_completed_task_across_restart(tmp_path: Path) -> None:
    db = tmp_path / "tasks.db"
    store = f"sqlite:///{db}"
    with serve_process("--delay", "0", "--store", store) as (proc, url):
        task_id = _send(url)["result"]["task"]["id"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    assert db.is_file()
    with serve_process("--delay", "0", "--store", store) as (proc, url):
        get = {"jsonrpc": "2.0", "id": 2, "method": "GetTask", "params": {"id": task_id}}
        task = httpx.post(url + "/", json=get, headers=V1, timeout=10).json()["result"]
        assert task["id"] == task_id
        assert task["status"]["state"] == "TASK_STATE_COMPLETED"
        assert "".join(p["text"] for p in task["artifacts"][0]["parts"]).startswith("Hello! I'm streaming")
        legacy = {"jsonrpc": "2.0", "id": 3, "method": "tasks/get", "params": {"id": task_id}}
        assert httpx.post(url + "/", json=legacy, timeout=10).json()["result"]["status"]["state"] == "completed"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0


def test_env_vars_configure_serve() -> None:
    env = {"A2ACLI_SERVE_TEXT": "from the environment", "A2ACLI_SERVE_DELAY": "0"}
    with serve_process(env=env) as (proc, url):
        task = _send(url)["result"]["task"]
        assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == "from the environment"
        proc.terminate()
        assert proc.wait(timeout=15) == 0


def test_busy_port_is_one_line_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = subprocess.run([*A2A, "serve", "--port", str(port)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "cannot listen on 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--protocol-versions", "2.0"],
        ["--store", "redis://nowhere"],
        ["--log-level", "chatty"],
        ["--public-url", "ftp://x"],
        ["--delay", "-1"],
    ],
)
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    from a2acli.cli import run

    assert run(["serve", "--port", "0", *args]) == 2


def test_sqlite_restart_mid_task_resumes_it(tmp_path: Path) -> None:
    """A task cut off by a restart carries on after it: each word once, then COMPLETED; a subscriber sees the rest."""
    from a2acli.agent.options import TUTORIAL_REPLY

    store = f"sqlite:///{tmp_path / 'tasks.db'}"
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "SendStreamingMessage",
        "params": {"message": {"messageId": "r1", "role": "ROLE_USER", "parts": [{"text": "x"}]}},
    }
    with serve_process("--delay", "0.25", "--store", store) as (proc, url):
        port = url.rsplit(":", 1)[1]
        seen = 0
        with httpx.Client(timeout=10) as client, client.stream("POST", url + "/", json=body, headers=V1) as r:
            for line in r.iter_lines():
                if line.startswith("data:"):
                    event = json.loads(line[5:])["result"]
                    seen += 1
                    if seen == 1:
                        task_id = event["task"]["id"]
                    if seen == 5:  # task, working, 3 words
                        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    proc2 = subprocess.Popen(
        [*A2A, "serve", "--port", port, "--delay", "0.25", "--store", store],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/.well-known/agent-card.json", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "restart did not come up"
                time.sleep(0.1)
        sub = {"jsonrpc": "2.0", "id": 2, "method": "SubscribeToTask", "params": {"id": task_id}}
        with httpx.Client(timeout=15) as client, client.stream("POST", url + "/", json=sub, headers=V1) as r:
            events = [json.loads(line[5:])["result"] for line in r.iter_lines() if line.startswith("data:")]
        assert events[0]["task"]["id"] == task_id  # the snapshot first
        updates = [e["artifactUpdate"] for e in events[1:] if "artifactUpdate" in e]
        later = "".join(u["artifact"]["parts"][0]["text"] for u in updates)
        assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
        get = {"jsonrpc": "2.0", "id": 3, "method": "GetTask", "params": {"id": task_id}}
        task = httpx.post(url + "/", json=get, headers=V1, timeout=10).json()["result"]
        assert task["status"]["state"] == "TASK_STATE_COMPLETED"
        assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == TUTORIAL_REPLY
        assert TUTORIAL_REPLY.endswith(later) and later
        proc2.send_signal(signal.SIGINT)
        assert proc2.wait(timeout=15) == 0
        assert "1 unfinished task(s) resumed" in (proc2.stderr.read() if proc2.stderr else "")
    finally:
        if proc2.poll() is None:
            proc2.kill()
            proc2.wait()
