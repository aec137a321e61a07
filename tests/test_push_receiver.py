"""The push receiver, over real HTTP: in-process (open_receiver) and as `a2a push listen` subprocesses."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from a2acli.push.receiver import normalize_payload, open_receiver

STATUS = {
    "statusUpdate": {
        "taskId": "t-1",
        "contextId": "c-1",
        "status": {"state": "TASK_STATE_WORKING"},
    }
}
DONE = {
    "statusUpdate": {
        "taskId": "t-1",
        "contextId": "c-1",
        "status": {"state": "TASK_STATE_COMPLETED"},
    }
}
EVIL_ARTIFACT = {
    "artifactUpdate": {
        "taskId": "t-1",
        "contextId": "c-1",
        "artifact": {"artifactId": "a-1", "name": "x\x1b]0;pwned\x07", "parts": [{"text": "hi \x1b[31mred[/b]"}]},
    }
}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_receiver_accepts_token_header_and_bearer_and_refuses_the_rest() -> None:
    async def scenario() -> dict[str, Any]:
        async with open_receiver(token="s3cret-token", max_body_bytes=2048) as rx, httpx.AsyncClient() as http:

            async def post(doc: Any, headers: dict[str, str] | None = None) -> int:
                return (await http.post(rx.url, json=doc, headers=headers)).status_code

            token = "X-A2A-Notification-Token"
            codes = {
                "token": await post(STATUS, {token: "s3cret-token"}),
                "bearer": await post(DONE, {"Authorization": "Bearer s3cret-token"}),
                "none": await post(STATUS),
                "wrong": await post(STATUS, {token: "nope"}),
                "prefix": await post(STATUS, {token: "s3cret"}),
                "get": (await http.get(rx.url)).status_code,
                "put": (await http.put(rx.url, json=STATUS)).status_code,
            }
            first = await rx.next_delivery(timeout=2)
            second = await rx.next_delivery(timeout=2)
            third = await rx.next_delivery(timeout=0.2)
            return {"codes": codes, "got": [first, second, third], "stats": rx.app.stats}

    result = run(scenario())
    assert result["codes"] == {
        "token": 200,
        "bearer": 200,
        "none": 401,
        "wrong": 401,
        "prefix": 401,
        "get": 200,
        "put": 405,
    }
    first, second, third = result["got"]
    assert first.payload == STATUS and first.number == 1
    assert second.payload == DONE and second.number == 2
    assert third is None
    assert result["stats"].rejected_auth == 3


def test_receiver_bounds_the_body_and_rejects_what_is_not_a_stream_response() -> None:
    async def scenario() -> dict[str, int]:
        headers = {"X-A2A-Notification-Token": "tok-1234"}
        async with open_receiver(token="tok-1234", max_body_bytes=1024) as rx, httpx.AsyncClient() as http:
            big = {"statusUpdate": {"taskId": "t", "contextId": "c", "status": {"state": "x" * 5000}}}

            async def chunks() -> Any:
                for _ in range(10):
                    yield b"x" * 400  # no Content-Length: the limit must hold while reading

            return {
                "declared": (await http.post(rx.url, json=big, headers=headers)).status_code,
                "chunked": (await http.post(rx.url, content=chunks(), headers=headers)).status_code,
                "not_json": (await http.post(rx.url, content=b"{nope", headers=headers)).status_code,
                "array": (await http.post(rx.url, json=[STATUS], headers=headers)).status_code,
                "two_members": (await http.post(rx.url, json={**STATUS, **EVIL_ARTIFACT}, headers=headers)).status_code,
                "ok": (await http.post(rx.url, json=STATUS, headers=headers)).status_code,
                "queued": rx.app.queue.qsize(),
            }

    assert run(scenario()) == {
        "declared": 413,
        "chunked": 413,
        "not_json": 400,
        "array": 400,
        "two_members": 400,
        "ok": 200,
        "queued": 1,
    }


def test_receiver_answers_429_when_the_backlog_is_full() -> None:
    async def scenario() -> list[int]:
        async with open_receiver(token=None, backlog=2) as rx, httpx.AsyncClient() as http:
            return [(await http.post(rx.url, json=STATUS)).status_code for _ in range(3)]

    assert run(scenario()) == [200, 200, 429]


def test_a_03_task_payload_is_wrapped_as_a_stream_response() -> None:
    task = {"kind": "task", "id": "t-9", "contextId": "c", "status": {"state": "completed"}}
    assert normalize_payload(task) == {"task": task}
    assert normalize_payload({"kind": "message"}) is None
    assert normalize_payload("text") is None


# `python -m a2acli`, but with Ctrl-C (SIGINT) delivered whatever this test run inherited: a suite started as a
# background job (`cmd &`, nohup, some CI runners) ignores SIGINT, its children inherit SIG_IGN, Python then
# installs no KeyboardInterrupt handler and the Ctrl-C test's listener never stops.
_MAIN_WITH_CTRL_C = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'a2a'; from a2acli.cli import main; main()"
)


@pytest.fixture
def listener(tmp_path: Any) -> Iterator[Any]:
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
        proc = subprocess.Popen(
            [sys.executable, "-c", _MAIN_WITH_CTRL_C, "push", "listen", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        procs.append(proc)
        assert proc.stderr is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if line.startswith("Listening for A2A push notifications on "):
                return proc, line.rsplit(" ", 1)[1].strip()
            if not line and proc.poll() is not None:
                break
        raise AssertionError(f"listener did not start: {proc.stderr.read()}")

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def test_push_listen_prints_json_lines_and_stops_after_count(listener: Any) -> None:
    proc, url = listener("--token", "tok-abcdef", "-o", "json", "--count", "2")
    assert url.startswith("http://127.0.0.1:")
    headers = {"X-A2A-Notification-Token": "tok-abcdef"}
    assert httpx.post(url, json=STATUS, headers={"X-A2A-Notification-Token": "bad"}).status_code == 401
    assert httpx.post(url, json=STATUS, headers=headers).status_code == 200
    assert httpx.post(url, json=EVIL_ARTIFACT, headers=headers).status_code == 200
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [STATUS, EVIL_ARTIFACT]  # JSON carries the protocol objects unchanged
    assert "received 2 notification(s); refused 1 (auth 1" in err
    assert "tok-abcdef" not in err  # a token the user chose is never echoed back


def test_push_listen_text_floor_is_clean_and_exits_on_final(listener: Any) -> None:
    proc, url = listener("--exit-on-final")
    token = None
    # The generated token is printed on stderr for the user to register; read it from the Register line.
    assert proc.stderr is not None
    for _ in range(5):
        line = proc.stderr.readline()
        if line.startswith("Register: "):
            token = line.rsplit(" --token ", 1)[1].strip()  # the generated token, ready to paste
            break
    assert token
    headers = {"X-A2A-Notification-Token": token}
    assert httpx.post(url, json=EVIL_ARTIFACT, headers=headers).status_code == 200
    assert httpx.post(url, json=DONE, headers=headers).status_code == 200
    out, _err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "Notification: 1\n" in out and "Notification: 2\n" in out
    assert "Event: artifactUpdate\nTask ID: t-1\nContext ID: c-1\nArtifact ID: a-1\n" in out
    assert "Text:\nhi red[/b]\n\n" in out  # escape sequence stripped, markup shown literally
    assert "State: COMPLETED\n" in out


def test_push_listen_refuses_contradictory_flags() -> None:
    from a2acli.cli import run as cli_run

    assert cli_run(["push", "listen", "--token", "abcd", "--no-auth"]) == 2


def test_push_listen_ctrl_c_prints_the_summary_and_frees_the_port(listener: Any) -> None:
    import signal
    import socket

    proc, url = listener("--token", "tok-abcdef")
    assert httpx.post(url, json=STATUS, headers={"X-A2A-Notification-Token": "tok-abcdef"}).status_code == 200
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0  # Ctrl-C is how a listener stops, as for `a2a serve`
    assert "Notification: 1\n" in out
    assert "received 1 notification(s) (stopped by Ctrl-C)" in err and "Traceback" not in err
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT of the served connection is fine
        s.bind(("127.0.0.1", port))  # released: a new listener can take the port


def test_rich_view_of_a_delivery_is_plain_text_underneath() -> None:
    from a2acli.push.receiver import Delivery
    from a2acli.render.push import rich_view

    view = rich_view(Delivery(EVIL_ARTIFACT, 7, 0.0, "127.0.0.1:1", "/"))
    plain = view.plain  # type: ignore[union-attr]
    assert plain.startswith("#7 ") and "artifactUpdate" in plain
    assert "hi red[/b]" in plain and "\x1b" not in plain and "\x07" not in plain


def test_receiver_limited_to_expected_tasks_refuses_others() -> None:
    other = {"statusUpdate": {"taskId": "t-2", "contextId": "c", "status": {"state": "TASK_STATE_WORKING"}}}

    async def scenario() -> tuple[list[int], int]:
        async with open_receiver(token=None, task_ids=frozenset({"t-1"})) as rx, httpx.AsyncClient() as http:
            codes = [(await http.post(rx.url, json=doc)).status_code for doc in (STATUS, other, EVIL_ARTIFACT)]
            return codes, rx.app.stats.rejected_task

    assert run(scenario()) == ([200, 404, 200], 1)


def _echoing(token: str) -> dict[str, Any]:
    """A delivery from an agent that echoes the push token back: in its text, an artifact name, a data key."""
    return {
        "artifactUpdate": {
            "taskId": "t-1",
            "contextId": "c-1",
            "artifact": {
                "artifactId": "a-1",
                "name": f"report for {token}",
                "parts": [{"text": f"your token is {token} (Authorization: Bearer {token})"}, {"data": {token: 1}}],
            },
        }
    }


@pytest.mark.parametrize("output", ["json", "text"])
def test_push_listen_never_prints_the_token_an_agent_echoes(listener: Any, output: str) -> None:
    token = "tok-echo-9876"
    proc, url = listener("--token", token, "-o", output, "--count", "2")
    assert httpx.post(url, json=_echoing(token), headers={"X-A2A-Notification-Token": token}).status_code == 200
    assert httpx.post(url, json=_echoing(token), headers={"Authorization": f"Bearer {token}"}).status_code == 200
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert token not in out and token not in err
    assert "your token is ***" in out  # the rest of the delivery is shown
    if output == "json":
        assert [json.loads(line)["artifactUpdate"]["artifact"]["name"] for line in out.splitlines()] == [
            "report for ***"
        ] * 2


def test_push_listen_a_short_token_is_redacted_where_it_stands_alone(listener: Any) -> None:
    proc, url = listener("--token", "k3y", "--count", "1")
    assert httpx.post(url, json=_echoing("k3y"), headers={"X-A2A-Notification-Token": "k3y"}).status_code == 200
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "your token is ***" in out and "k3y" not in out and "k3y" not in err


def test_push_listen_shows_a_generated_token_once_to_register_it_and_never_again(listener: Any) -> None:
    proc, url = listener("--count", "1", "-o", "json")
    assert proc.stderr is not None
    token = ""
    for _ in range(5):
        line = proc.stderr.readline()
        if line.startswith("Register: "):
            token = line.rsplit(" --token ", 1)[1].strip()
            break
    assert token
    assert httpx.post(url, json=_echoing(token), headers={"Authorization": f"Bearer {token}"}).status_code == 200
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert token not in out and token not in err  # err: everything after the Register line
    assert json.loads(out)["artifactUpdate"]["artifact"]["name"] == "report for ***"
