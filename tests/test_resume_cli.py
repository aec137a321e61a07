"""The user-visible scenarios of issue 5: cut connections, an agent restarted on its sqlite store, Ctrl-C.

Each test drives the real CLI (`a2acli.cli.run` or `python -m a2acli` subprocesses) against the real demo agent.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from a2acli.agent.options import TUTORIAL_REPLY
from a2acli.cli import run
from tests.support.agent import demo_agent
from tests.test_resume_proxy import cutting_proxy
from tests.test_resume_stream import final_state, words_seen
from tests.test_task_commands import artifact_text, start_task, wait_state


def upstream(proxy: Any, base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    proxy.upstream = (host, int(port))


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


# ------------------------------------------------------------------------------------------- cut connections


def test_task_subscribe_through_a_proxy_that_cuts_the_stream(capsys: pytest.CaptureFixture[str]) -> None:
    with cutting_proxy([4, 3]) as proxy, demo_agent(delay=0.1, public_url=proxy.url) as base:
        upstream(proxy, base)
        task = start_task(proxy.url)
        wait_state(base, task["id"], "TASK_STATE_WORKING")
        assert run(["task", "subscribe", task["id"], "-a", proxy.url]) == 0
    captured = capsys.readouterr()
    assert proxy.cut_done == 2
    assert artifact_text(captured.out) == TUTORIAL_REPLY  # every word exactly once
    assert captured.out.count("Artifact: response\n") == 1  # one seamless block across both reconnects
    assert captured.out.count("the stream dropped") == 0  # notes go to stderr only
    assert captured.err.count("note: the stream dropped") == 2
    print(captured.out + "--- stderr ---\n" + captured.err)
    tail = captured.out.rstrip("\n").splitlines()[-4:]
    assert f"Task ID: {task['id']}" in tail and "State: COMPLETED" in tail


def test_task_subscribe_json_lines_through_a_cut(capsys: pytest.CaptureFixture[str]) -> None:
    with cutting_proxy([5]) as proxy, demo_agent(delay=0.04, public_url=proxy.url) as base:
        upstream(proxy, base)
        task = start_task(proxy.url)
        wait_state(base, task["id"], "TASK_STATE_WORKING")
        assert run(["task", "subscribe", task["id"], "-a", proxy.url, "-o", "json", "--stream"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "task" in events[0]  # the first event is the full Task, once
    assert sum(1 for e in events if "task" in e) == 1
    seen = "".join(p["text"] for a in events[0]["task"].get("artifacts", []) for p in a["parts"])
    assert seen + words_seen(events[1:])[0] == TUTORIAL_REPLY
    assert final_state(events) == "TASK_STATE_COMPLETED"


def test_a2a_stream_through_a_proxy_that_cuts_the_stream(capsys: pytest.CaptureFixture[str]) -> None:
    with cutting_proxy([6]) as proxy, demo_agent(delay=0.03, public_url=proxy.url) as base:
        upstream(proxy, base)
        assert run(["stream", "hello", "-a", proxy.url, "-o", "json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert proxy.cut_done == 1
    text, appends = words_seen(events)
    assert text == TUTORIAL_REPLY and appends[0] is False and all(appends[1:])
    assert final_state(events) == "TASK_STATE_COMPLETED"


# ------------------------------------------------------------------------------------------- restart


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int, store: str, delay: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "a2acli", "serve", "--port", str(port), "--delay", delay, "--store", store],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            raise AssertionError(f"a2a serve exited: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("a2a serve did not start")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_agent_restarted_on_its_sqlite_store_mid_task(tmp_path: Path) -> None:
    port = _free_port()
    store = f"sqlite:///{tmp_path / 'tasks.db'}"
    base = f"http://127.0.0.1:{port}"
    server = _serve(port, store, "0.25")
    client: subprocess.Popen[bytes] | None = None
    try:
        task = start_task(base)
        client = subprocess.Popen(
            [sys.executable, "-m", "a2acli", "task", "subscribe", task["id"], "-a", base, "--timeout", "40"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,  # unbuffered: reading the head must not swallow what communicate() reads later
            env=cli_env(),
        )
        assert client.stdout is not None
        head = b""
        deadline = time.monotonic() + 30
        while b"Artifact: response\n" not in head and time.monotonic() < deadline:
            line = client.stdout.readline()  # the client is subscribed and words are streaming
            if not line:
                break
            head += line
        time.sleep(0.6)
        _stop(server)
        server = _serve(port, store, "0.25")
        rest, raw_err = client.communicate(timeout=90)
        out, err = (head + rest).decode(), raw_err.decode()
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        _stop(server)
    print(out + "--- stderr ---\n" + err)
    assert "note: the stream dropped" in err
    words = artifact_text(out)
    assert words and TUTORIAL_REPLY.startswith(words)  # what was persisted, each word once
    tail = out.rstrip("\n").splitlines()[-6:]
    assert f"Task ID: {task['id']}" in tail
    if client.returncode == 0:
        # The agent finished the task after its restart: every word once, one block, the final state.
        assert "State: COMPLETED" in tail
        assert words == TUTORIAL_REPLY and out.count("Artifact: response\n") == 1
    else:
        # The demo agent does not resume work a restart interrupted: the task stays WORKING in the store. The
        # CLI reconnected, showed the persisted state once, and gave up at --timeout with the resume command.
        assert client.returncode == 5, err
        assert "State: WORKING" in tail
        assert f"hint: a2a task subscribe {task['id']} -a {base}" in err


# ------------------------------------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize(
    "command", [["task", "get", "{id}", "--wait", "--poll-interval", "0.2"], ["task", "subscribe", "{id}"]]
)
def test_ctrl_c_keeps_the_ids_and_the_resume_command(command: list[str]) -> None:
    with demo_agent(delay=0.5) as base:
        task = start_task(base)
        argv = [part.replace("{id}", task["id"]) for part in command]
        proc = subprocess.Popen(
            [sys.executable, "-m", "a2acli", *argv, "-a", base],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(),
        )
        time.sleep(2.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        run(["task", "cancel", task["id"], "-a", base, "-o", "json"])
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert task["id"] in out + err
    assert f"a2a task {argv[1]} {task['id']}" in err


def test_agent_restarted_without_a_store_reports_task_not_found() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(port, "memory", "0.3")
    client: subprocess.Popen[bytes] | None = None
    try:
        task = start_task(base)
        client = subprocess.Popen(
            [sys.executable, "-m", "a2acli", "task", "subscribe", task["id"], "-a", base, "--timeout", "40"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            env=cli_env(),
        )
        assert client.stdout is not None
        head = b""
        while b"Artifact: response\n" not in head:
            line = client.stdout.readline()
            assert line, "the client ended early"
            head += line
        _stop(server)
        server = _serve(port, "memory", "0.3")
        _rest, raw_err = client.communicate(timeout=90)
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        _stop(server)
    err = raw_err.decode()
    assert client.returncode == 1, err
    assert "note: the stream dropped" in err
    assert "[TaskNotFoundError]" in err  # the task died with the agent's memory: said plainly, no retry loop
