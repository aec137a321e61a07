"""Polling paths against a small real agent that cannot stream: UNSPECIFIED keeps `--wait` polling, and
`task subscribe` falls back to GetTask, showing only what each snapshot adds."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from a2acli.cli import run
from tests.support.server import serve_in_thread


def task(state: str, *texts: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "t-1", "contextId": "c-1", "status": {"state": state}}
    if texts:
        doc["artifacts"] = [{"artifactId": "a-1", "name": "answer", "parts": [{"text": t} for t in texts]}]
    return doc


@contextlib.contextmanager
def polling_agent(script: list[dict[str, Any]]) -> Iterator[tuple[str, list[str]]]:
    """A 1.0 JSON-RPC agent without streaming: GetTask walks `script` (then repeats its last entry)."""
    calls: list[str] = []
    where: dict[str, str] = {}

    async def card(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "name": "poll-only",
                "description": "answers GetTask from a script",
                "version": "1",
                "supportedInterfaces": [
                    {"url": where["base"] + "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
                ],
                "capabilities": {"streaming": False},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [{"id": "s", "name": "s", "description": "s", "tags": ["t"]}],
            }
        )

    async def rpc(request: Request) -> JSONResponse:
        body = await request.json()
        calls.append(body["method"])
        if body["method"] == "GetTask":
            index = min(calls.count("GetTask") - 1, len(script) - 1)
            return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": script[index]})
        return JSONResponse(
            {"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32004, "message": "Streaming is not supported"}}
        )

    app = Starlette(routes=[Route("/.well-known/agent-card.json", card), Route("/", rpc, methods=["POST"])])
    with serve_in_thread(app) as base:
        where["base"] = base
        yield base, calls


def test_wait_keeps_polling_through_unspecified(capsys: pytest.CaptureFixture[str]) -> None:
    script = [
        task("TASK_STATE_UNSPECIFIED"),
        task("TASK_STATE_UNSPECIFIED"),
        task("TASK_STATE_WORKING"),
        task("TASK_STATE_COMPLETED", "done"),
    ]
    with polling_agent(script) as (base, calls):
        assert run(["task", "get", "t-1", "-a", base, "--wait", "--poll-interval", "20ms", "-o", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"]["state"] == "TASK_STATE_COMPLETED"
    assert calls.count("GetTask") == 4
    assert "State: UNSPECIFIED" in captured.err  # reported as received, not mapped onto a neighbour


def test_wait_stops_at_auth_required(capsys: pytest.CaptureFixture[str]) -> None:
    with polling_agent([task("TASK_STATE_WORKING"), task("TASK_STATE_AUTH_REQUIRED")]) as (base, calls):
        assert run(["task", "get", "t-1", "-a", base, "--wait", "--poll-interval", "20ms"]) == 0
    captured = capsys.readouterr()
    assert "State: AUTH_REQUIRED\n" in captured.out
    assert calls.count("GetTask") == 2


def test_wait_timeout_on_a_task_that_never_settles(capsys: pytest.CaptureFixture[str]) -> None:
    with polling_agent([task("TASK_STATE_UNSPECIFIED")]) as (base, calls):
        code = run(["task", "get", "t-1", "-a", base, "--wait", "--poll-interval", "50ms", "--timeout", "400ms"])
    assert code == 5
    assert 2 <= calls.count("GetTask") <= 12  # bounded backoff, no busy loop
    assert "hint: a2a task get t-1 --wait -a " in capsys.readouterr().err


def test_subscribe_falls_back_to_polling_and_shows_each_word_once(capsys: pytest.CaptureFixture[str]) -> None:
    script = [
        task("TASK_STATE_WORKING", "Hello "),
        task("TASK_STATE_WORKING", "Hello ", "poll"),
        task("TASK_STATE_WORKING", "Hello ", "poll"),
        task("TASK_STATE_COMPLETED", "Hello ", "poll", "ing world"),
    ]
    with polling_agent(script) as (base, calls):
        assert run(["task", "subscribe", "t-1", "-a", base, "--poll-interval", "20ms", "-o", "json", "--stream"]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    assert events[0] == {"task": script[0]}
    assert [e["artifactUpdate"]["artifact"]["parts"] for e in events if "artifactUpdate" in e] == [
        [{"text": "poll"}],
        [{"text": "ing world"}],
    ]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "SubscribeToTask" not in calls and calls.count("GetTask") == 4  # the card says: no streaming
    assert "not streaming (UnsupportedOperationError: the agent card does not advertise streaming)" in captured.err


def test_ctrl_c_exits_130_and_the_envelope_says_interrupted() -> None:
    """SPEC §11.6 / Appendix D: the status and the reported error agree. Ctrl-C is no A2ACLI_ERR_INTERNAL (exit 1):
    exit 130 with the vendor code X_A2ACLI_INTERRUPTED, which `--help`'s exit-code epilog documents."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    with polling_agent([task("TASK_STATE_WORKING")]) as (base, _):
        argv = [sys.executable, "-m", "a2acli", "task", "get", "t-1", "-a", base, "--wait", "-o", "json"]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert proc.stderr is not None
        started = time.monotonic()
        seen = ""
        while "State: WORKING" not in seen and time.monotonic() - started < 30:
            seen += proc.stderr.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, seen + err
    error = json.loads(out.splitlines()[-1])["error"]
    assert error["code"] == "X_A2ACLI_INTERRUPTED" and "t-1" in error["message"]
    assert "a2a task get t-1 --wait" in (error["hint"] or "")
    help_text = subprocess.run(
        [sys.executable, "-m", "a2acli", "task", "get", "--help"],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "250"},
        timeout=60,
    ).stdout
    assert "130 interrupted" in help_text and "X_A2ACLI_INTERRUPTED" in help_text
