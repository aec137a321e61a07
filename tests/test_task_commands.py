"""`a2a task get|list|cancel|subscribe|download|push-config` against the real demo agent."""

from __future__ import annotations

import asyncio
import json
import shlex
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from a2acli.agent.options import TUTORIAL_REPLY
from a2acli.cli import run
from a2acli.settings import ConnectionSettings
from tests.support.agent import demo_agent


def start_task(base: str, text: str = "hello", message_id: str | None = None) -> dict[str, Any]:
    """SendMessage with returnImmediately through the real client; returns the Task."""
    from a2acli.client.connection import open_connection

    async def go() -> dict[str, Any]:
        async with open_connection(ConnectionSettings(agent_card=base)) as conn:
            response = await conn.send_message(
                {
                    "message": {
                        "messageId": message_id or str(uuid.uuid4()),
                        "role": "ROLE_USER",
                        "parts": [{"text": text}],
                    },
                    "configuration": {"returnImmediately": True},
                }
            )
        return dict(response["task"])

    return asyncio.run(go())


def json_lines(out: str) -> list[Any]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def artifact_text(floor: str) -> str:
    """The content of every `Artifact:` block of a text-floor transcript, joined."""
    text: list[str] = []
    inside = False
    for line in floor.splitlines(keepends=True):
        if line.startswith("Artifact: "):
            inside = True
        elif inside and line == "\n":
            inside = False
        elif inside:
            text.append(line)
    return "".join(text).replace("\n", "")


def wait_state(base: str, task_id: str, state: str, limit: float = 10) -> None:
    from a2acli.client.connection import open_connection

    async def go() -> None:
        async with open_connection(ConnectionSettings(agent_card=base)) as conn:
            deadline = time.monotonic() + limit
            while (await conn.get_task(task_id))["status"]["state"] != state:
                assert time.monotonic() < deadline, f"task never reached {state}"
                await asyncio.sleep(0.02)

    asyncio.run(go())


# ------------------------------------------------------------------------------------------- get


def test_get_one_shot_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent() as base:
        task = start_task(base)
        wait_state(base, task["id"], "TASK_STATE_COMPLETED")
        assert run(["task", "get", task["id"], "-a", base]) == 0
        out = capsys.readouterr().out
        assert f"Task ID: {task['id']}\n" in out
        assert f"Context ID: {task['contextId']}\n" in out
        assert "State: COMPLETED\n" in out
        assert TUTORIAL_REPLY in out
        assert "\x1b" not in out
        assert run(["task", "get", task["id"], "-a", base, "-o", "json", "--history", "0"]) == 0
        doc = json.loads(capsys.readouterr().out)  # exactly one document: the bare Task
        assert doc["id"] == task["id"] and doc["status"]["state"] == "TASK_STATE_COMPLETED"
        assert "history" not in doc or doc["history"] == []
        assert "".join(p["text"] for p in doc["artifacts"][0]["parts"]) == TUTORIAL_REPLY


@pytest.mark.parametrize(
    "argv",
    [
        ["task", "get", "no-such-task"],
        ["task", "cancel", "no-such-task"],
        ["task", "subscribe", "no-such-task"],
        ["task", "download", "no-such-task"],
        ["task", "push-config", "list", "no-such-task"],
    ],
)
def test_unknown_task_ids_exit_1_with_task_not_found(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent() as base:
        assert run([*argv, "-a", base, "-o", "json"]) == 1
    captured = capsys.readouterr()
    envelope = json.loads(captured.out)
    assert envelope["error"]["code"] == "TaskNotFoundError"
    assert envelope["error"]["hint"].startswith("a2a task list")
    assert captured.err.startswith("error: ") and "TaskNotFoundError" in captured.err
    assert "Traceback" not in captured.err


def test_get_wait_polls_to_the_final_state(capsys: pytest.CaptureFixture[str]) -> None:
    # The task must still be running when the CLI's first GetTask lands, or no intermediate state is there to
    # be seen. 13 words at 0.03 s (0.4 s) was shorter than the CLI's start-up (imports, card, connection) on a
    # loaded 2-core box, so the first poll already saw COMPLETED. 13 x 0.3 s (~4 s) leaves a wide margin.
    with demo_agent(delay=0.3) as base:
        task = start_task(base)
        started = time.monotonic()
        assert run(["task", "get", task["id"], "-a", base, "--wait", "--poll-interval", "100ms", "-o", "json"]) == 0
        assert time.monotonic() - started < 60
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "State: WORKING" in captured.err or "State: SUBMITTED" in captured.err  # progress went to stderr
    assert captured.err.rstrip().endswith("State: COMPLETED")


def test_get_wait_times_out_with_exit_5_and_the_resume_command(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(delay=1.0) as base:
        task = start_task(base)
        code = run(["task", "get", task["id"], "-a", base, "--wait", "--poll-interval", "0.1", "--timeout", "0.5s"])
        run(["task", "cancel", task["id"], "-a", base, "-o", "json"])
    assert code == 5
    err = capsys.readouterr().err
    assert "A2ACLI_ERR_TIMEOUT" in err
    assert f"a2a task get {task['id']} --wait -a {base}" in err


def test_get_wait_stops_at_input_required(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("a2acli.agent.scenarios")
    with demo_agent() as base:
        task = start_task(base, "/scenario input-required")
        assert run(["task", "get", task["id"], "-a", base, "--wait", "--poll-interval", "50ms"]) == 0
    captured = capsys.readouterr()
    assert "State: INPUT_REQUIRED\n" in captured.out
    assert f"a2a send -a {base} --task-id {task['id']}" in captured.out  # how to answer it
    assert "waiting: TASK_STATE_INPUT_REQUIRED" in captured.err


def test_bad_poll_interval_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["task", "get", "x", "--wait", "--poll-interval", "0"]) == 2
    assert "A2ACLI_ERR_USAGE" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------- list


def test_list_json_stream_text_and_pagination(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent() as base:
        ids = {start_task(base)["id"] for _ in range(3)}
        for task_id in ids:
            wait_state(base, task_id, "TASK_STATE_COMPLETED")
        assert run(["task", "list", "-a", base, "-o", "json"]) == 0
        page = json.loads(capsys.readouterr().out)
        assert {t["id"] for t in page["tasks"]} == ids  # ListTasksResponse, unchanged
        assert "totalSize" in page or "nextPageToken" in page

        assert run(["task", "list", "-a", base, "-o", "json", "--stream"]) == 0
        lines = json_lines(capsys.readouterr().out)
        assert {t["id"] for t in lines} == ids and all("status" in t for t in lines)  # one Task per line

        assert run(["task", "list", "-a", base, "-o", "json", "--page-size", "2"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert len(first["tasks"]) == 2 and first["nextPageToken"]
        assert (
            run(["task", "list", "-a", base, "-o", "json", "--page-size", "2", "--page-token", first["nextPageToken"]])
            == 0
        )
        second = json.loads(capsys.readouterr().out)
        assert {t["id"] for t in first["tasks"] + second["tasks"]} == ids

        assert run(["task", "list", "-a", base, "--page-size", "2"]) == 0
        out = capsys.readouterr().out
        assert out.count("Task ID: ") == 2 and "State: COMPLETED\n" in out
        assert f"Next Page Token: {first['nextPageToken']}\n" in out
        # The next page is asked for as this one was: --page-size (and the filters) kept (was dropped).
        [following] = [line.removeprefix("Next: ") for line in out.splitlines() if line.startswith("Next: ")]
        assert following.startswith("a2a task list --page-size 2 --page-token ")
        assert run(shlex.split(following)[1:]) == 0
        assert capsys.readouterr().out.count("Task ID: ") == 1
        assert run(["task", "list", "-a", base, "--page-size", "1", "--status", "completed", "--history", "0"]) == 0
        assert "Next: a2a task list --status completed --page-size 1 --history 0 --page-token " in (
            capsys.readouterr().out
        )
        assert run(["task", "list", "-a", base, "--page-size", "1", "--all", "-o", "json", "--stream"]) == 0
        assert {t["id"] for t in json_lines(capsys.readouterr().out)} == ids
        assert run(["task", "list", "-a", base, "--page-size", "1", "--all", "-o", "json"]) == 0
        whole = json_lines(capsys.readouterr().out)
        assert len(whole) == 1 and {t["id"] for t in whole[0]["tasks"]} == ids  # one document, every page
        assert not whole[0].get("nextPageToken")

        assert run(["task", "list", "-a", base, "--status", "working", "-o", "json"]) == 0
        assert json.loads(capsys.readouterr().out).get("tasks", []) == []
        assert run(["task", "list", "-a", base, "--status", "bogus"]) == 2


# ------------------------------------------------------------------------------------------- cancel


def test_cancel_is_idempotent_and_reports_the_state(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(delay=0.5) as base:
        task = start_task(base)
        wait_state(base, task["id"], "TASK_STATE_WORKING")
        assert run(["task", "cancel", task["id"], "-a", base, "-o", "json"]) == 0
        first = capsys.readouterr()
        assert json.loads(first.out)["status"]["state"] == "TASK_STATE_CANCELED"
        assert run(["task", "cancel", task["id"], "-a", base]) == 0
        again = capsys.readouterr()
        assert "State: CANCELED\n" in again.out and f"Task ID: {task['id']}\n" in again.out
        assert "already canceled" in again.err


def test_cancel_of_a_completed_task_is_task_not_cancelable(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent() as base:
        task = start_task(base)
        wait_state(base, task["id"], "TASK_STATE_COMPLETED")
        assert run(["task", "cancel", task["id"], "-a", base, "-o", "json"]) == 1
    envelope = json.loads(capsys.readouterr().out)["error"]
    assert envelope["code"] == "TaskNotCancelableError"
    assert "TASK_STATE_COMPLETED" in envelope["message"]


# ------------------------------------------------------------------------------------------- subscribe


def test_subscribe_json_stream_first_event_is_the_task(capsys: pytest.CaptureFixture[str]) -> None:
    # 0.3 s a word (about 4 s in all): the task must still be running when `task subscribe` has started, also on a
    # loaded machine (at 0.05 s it could finish first, and a finished task cannot be subscribed to)
    with demo_agent(delay=0.3) as base:
        task = start_task(base)
        wait_state(base, task["id"], "TASK_STATE_WORKING")
        assert run(["task", "subscribe", task["id"], "-a", base, "-o", "json", "--stream"]) == 0
    events = json_lines(capsys.readouterr().out)
    assert "task" in events[0] and events[0]["task"]["id"] == task["id"]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    shown = "".join(p["text"] for p in events[0]["task"].get("artifacts", [{}])[0].get("parts", []))
    for event in events[1:]:
        if "artifactUpdate" in event:
            assert event["artifactUpdate"].get("append") is True or not shown  # 1.0 JSON omits a false append
            shown += "".join(p["text"] for p in event["artifactUpdate"]["artifact"]["parts"])
    assert shown == TUTORIAL_REPLY  # every word exactly once


def test_subscribe_text_and_single_json(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(delay=0.02) as base:
        task = start_task(base)
        assert run(["task", "subscribe", task["id"], "-a", base]) == 0
        out = capsys.readouterr().out
        assert artifact_text(out) == TUTORIAL_REPLY  # every word once, across the Task and its appends
        assert out.count("Artifact: response\n") == 1  # the words after the first Task continue its block
        tail = out.rstrip("\n").splitlines()
        assert f"Task ID: {task['id']}" in tail[-5:] and "State: COMPLETED" in tail[-5:]  # restated last
        assert run(["task", "subscribe", task["id"], "-a", base, "-o", "json"]) == 0  # already finished
        captured = capsys.readouterr()
        doc = json.loads(captured.out)
        assert doc["id"] == task["id"] and doc["status"]["state"] == "TASK_STATE_COMPLETED"
        assert "showing the task as GetTask returns it" in captured.err


# ------------------------------------------------------------------------------------------- download


def test_download_writes_artifacts_and_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent() as base:
        task = start_task(base)
        wait_state(base, task["id"], "TASK_STATE_COMPLETED")
        dest = tmp_path / "files"
        assert run(["task", "download", task["id"], "-a", base, "--dir", str(dest)]) == 0
        out = capsys.readouterr().out
        assert f"Saved: {dest / 'response.txt'} (text, text/plain, {len(TUTORIAL_REPLY.encode())} bytes)" in out
        assert (dest / "response.txt").read_text() == TUTORIAL_REPLY
        assert run(["task", "download", task["id"], "-a", base, "--dir", str(dest)]) == 2
        assert "pass --force" in capsys.readouterr().err
        assert run(["task", "download", task["id"], "-a", base, "--dir", str(dest), "--force", "-o", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert run(["task", "get", task["id"], "-a", base, "-o", "json"]) == 0
        got = json.loads(capsys.readouterr().out)
    # A2ACLI_DOWNLOAD_001: the protocol's Task (was a shape of the tool's own: taskId, contextId, state, files),
    # what was saved under the metadata extension point, nothing else added.
    saved = doc["metadata"].pop("urn:a2acli:download")
    if not doc["metadata"]:
        del doc["metadata"]
    got.pop("history", None)  # GetTask's default history; the download asks for none
    assert doc == got and not {"taskId", "state", "files"} & set(doc)
    assert saved["skipped"] == [] and [f["path"] for f in saved["files"]] == [str(dest / "response.txt")]
    assert saved["files"][0]["size"] == len(TUTORIAL_REPLY.encode()) and saved["files"][0]["mediaType"] == "text/plain"


# ------------------------------------------------------------------------------------------- push-config


def test_push_config_crud(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(delay=0.5) as base:
        task = start_task(base)
        tid = task["id"]
        url = "http://127.0.0.1:9/hook"
        create = [
            "task",
            "push-config",
            "create",
            tid,
            "-a",
            base,
            "--webhook",
            url,
            "--token",
            "tok-123456",
            "--id",
            "cfg1",
        ]
        assert run([*create, "-o", "json"]) == 0
        created = json.loads(capsys.readouterr().out)
        assert created["id"] == "cfg1" and created["url"] == url and created["taskId"] == tid
        assert run(["task", "push-config", "get", tid, "cfg1", "-a", base]) == 0
        out = capsys.readouterr().out
        assert "Config ID: cfg1\n" in out and f"URL: {url}\n" in out and "Token: (set)\n" in out
        assert "tok-123456" not in out  # the text floor never prints the token
        assert run(["task", "push-config", "list", tid, "-a", base, "-o", "json"]) == 0
        assert [c["id"] for c in json.loads(capsys.readouterr().out)["configs"]] == ["cfg1"]
        assert run(["task", "push-config", "delete", tid, "cfg1", "-a", base, "-o", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == {}
        assert run(["task", "push-config", "list", tid, "-a", base, "-o", "json"]) == 0
        assert json.loads(capsys.readouterr().out).get("configs", []) == []
        assert run(["task", "push-config", "create", tid, "-a", base, "--webhook", "ftp://x"]) == 2
        run(["task", "cancel", tid, "-a", base, "-o", "json"])


def test_rich_view_styles_labels_only_and_keeps_agent_text_literal() -> None:
    from a2acli.render.task import render_task
    from a2acli.render.task import rich_floor as _rich_floor

    doc = {
        "id": "t1",
        "contextId": "c1",
        "status": {"state": "TASK_STATE_FAILED"},
        "artifacts": [{"artifactId": "a", "name": "ans", "parts": [{"text": "Key: [bold]x[/bold]\x1b[2J"}]}],
    }
    view = _rich_floor(render_task(doc))
    assert "Key: [bold]x[/bold]\n" in view.plain and "\x1b" not in view.plain
    styled = {view.plain[span.start : span.end]: str(span.style) for span in view.spans}
    assert styled["State:"] == "bold" and styled[" FAILED\n"] == "red"
    assert "Key:" not in styled  # block content is the agent's, never styled as a field


def test_get_history_is_shown_and_stream_json_is_one_task_line(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent() as base:
        task = start_task(base, "what is the plan?")
        wait_state(base, task["id"], "TASK_STATE_COMPLETED")
        assert run(["task", "get", task["id"], "-a", base, "--history", "5"]) == 0
        assert "History: user\nwhat is the plan?\n\n" in capsys.readouterr().out
        assert run(["task", "get", task["id"], "-a", base, "-o", "json", "--stream"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1 and json.loads(lines[0])["id"] == task["id"]  # Appendix B: Task (single line)


@pytest.mark.parametrize("version", ["1.0", "0.3"])
@pytest.mark.parametrize("transport", ["JSONRPC", "HTTP+JSON"])
def test_subscribe_and_get_on_every_binding_and_version(
    version: str, transport: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 0.3 s a word: still running when `task subscribe` starts on a loaded machine (at 0.03 s it finished first once)
    with demo_agent(delay=0.3) as base:
        task = start_task(base)
        wait_state(base, task["id"], "TASK_STATE_WORKING")
        flags = ["-a", base, "--a2a-version", version, "--transport", transport]
        assert run(["task", "subscribe", task["id"], *flags, "-o", "json", "--stream"]) == 0
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert events[0]["task"]["id"] == task["id"]  # A2A 1.0 JSON whatever the agent speaks
        seen = "".join(p["text"] for a in events[0]["task"].get("artifacts", []) for p in a["parts"])
        for event in events[1:]:
            if "artifactUpdate" in event:
                seen += "".join(p["text"] for p in event["artifactUpdate"]["artifact"]["parts"])
        assert seen == TUTORIAL_REPLY
        assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
        assert run(["task", "get", task["id"], *flags, "-o", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["status"]["state"] == "TASK_STATE_COMPLETED"


def test_download_of_a_running_task_warns_that_it_may_be_partial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with demo_agent(delay=0.3) as base:
        task = start_task(base)
        wait_state(base, task["id"], "TASK_STATE_WORKING")
        assert run(["task", "download", task["id"], "-a", base, "--dir", str(tmp_path)]) == 0
        run(["task", "cancel", task["id"], "-a", base, "-o", "json"])
    err = capsys.readouterr().err
    assert f"warning: task {task['id']} is WORKING: its artifacts may not be complete yet" in err


def test_subscribe_and_get_in_a_terminal_use_the_live_and_rich_views_under_o_rich() -> None:
    from tests.test_stream import _pty_run

    nasty = "hi \x1b]0;owned\x07 [bold]markup[/bold] \x1b[31mred and more words to stream"
    with demo_agent(echo=True, delay=0.05) as base:
        task = start_task(base, nasty)
        code, out = _pty_run(["task", "subscribe", task["id"], "-a", base, "-o", "rich"])
        assert code == 0, out
        live = out.decode("utf-8", "replace")
        code, out = _pty_run(["task", "get", task["id"], "-a", base, "-o", "rich"])
        assert code == 0, out
        rich = out.decode("utf-8", "replace")
    for text in (live, rich):
        assert "[bold]markup[/bold]" in text and "\x1b]0;owned" not in text and "\x1b[31mred" not in text
        assert f"Task ID: {task['id']}" in text.replace("\x1b[0m", "").replace("\x1b[1m", "")
        assert "COMPLETED" in text and "stream" in text
    assert "\x1b[" in rich  # styled labels


def _stdout_on_a_pty(argv: list[str], env: dict[str, str]) -> bytes:
    """What `argv` writes to stdout when stdout is a terminal (stderr apart, so notes do not mix in)."""
    import os
    import pty
    import subprocess

    master, slave = pty.openpty()
    terminal = {**env, "COLUMNS": "100", "TERM": "xterm-256color"}
    terminal.pop("NO_COLOR", None)
    proc = subprocess.Popen(argv, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=terminal)
    os.close(slave)
    out = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        out += data
    assert proc.wait(timeout=30) == 0, out
    os.close(master)
    return out


@pytest.mark.parametrize("how", [[], ["-o", "text"]])
def test_task_commands_print_the_text_floor_on_a_terminal(how: list[str]) -> None:
    """A2ACLI_OUT_005 / DEFAULT_001: on a terminal `task get` bolded its labels, `task list` drew a table and
    `task subscribe` the Live view, even with -o text; now every task command prints the floor there as in a pipe
    (the Rich views are `-o rich`)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    with demo_agent() as base:
        task = start_task(base)
        wait_state(base, task["id"], "TASK_STATE_COMPLETED")
        for argv in (["task", "get", task["id"]], ["task", "list"], ["task", "subscribe", task["id"]]):
            out = _stdout_on_a_pty([sys.executable, "-m", "a2acli", *argv, "-a", base, *how], env)
            piped = subprocess.run(
                [sys.executable, "-m", "a2acli", *argv, "-a", base, *how], capture_output=True, env=env, timeout=60
            )
            assert b"\x1b[" not in out and "╭".encode() not in out and "━".encode() not in out, (argv, out)
            assert out.startswith(b"Task ID: "), (argv, out)
            assert out.replace(b"\r\n", b"\n") == piped.stdout, argv  # the same bytes on a terminal and in a pipe


def test_subscribe_to_a_waiting_task_returns_at_once_with_the_reply_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with demo_agent() as base:
        task = start_task(base, "/scenario input-required")
        wait_state(base, task["id"], "TASK_STATE_INPUT_REQUIRED")
        started = time.monotonic()
        assert run(["task", "subscribe", task["id"], "-a", base]) == 0
        assert time.monotonic() - started < 10
    captured = capsys.readouterr()
    assert "State: INPUT_REQUIRED\n" in captured.out
    assert f"a2a send -a {base} --task-id {task['id']}" in captured.out
    assert "INPUT_REQUIRED" in captured.err  # the paused outcome is named on stderr too


@pytest.mark.parametrize(
    "action",
    [
        ["create", "t-1", "--webhook", "http://127.0.0.1:9/hook", "--token", "push-tok-991"],
        ["get", "t-1", "cfg1"],
        ["list", "t-1"],
        ["delete", "t-1", "cfg1"],
    ],
)
def test_push_config_is_refused_before_sending_when_the_card_has_no_push(
    action: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A2ACLI_VER_003 (SPEC §13.3): with `pushNotifications: false` on the card, every push-config command used to
    send its request anyway (a create handed the webhook and its token to the agent). Now nothing is sent:
    PushNotificationNotSupportedError (A2A's own name for it), exit 1, and the command that follows without push."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.support.server import serve_in_thread

    posted: list[Any] = []
    where: dict[str, str] = {}

    async def card(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "name": "no-push",
                "description": "advertises no push notifications",
                "version": "1",
                "supportedInterfaces": [
                    {"url": where["base"] + "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
                ],
                "capabilities": {"streaming": False, "pushNotifications": False},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [{"id": "s", "name": "s", "description": "s", "tags": ["t"]}],
            }
        )

    async def rpc(request: Request) -> JSONResponse:
        body = await request.json()
        posted.append(body)
        return JSONResponse({"jsonrpc": "2.0", "id": body.get("id"), "result": {}})

    app = Starlette(routes=[Route("/.well-known/agent-card.json", card), Route("/", rpc, methods=["POST"])])
    with serve_in_thread(app) as base:
        where["base"] = base
        code = run(["task", "push-config", *action, "-a", base, "-o", "json"])
    captured = capsys.readouterr()
    assert posted == []  # the agent received nothing
    assert code == 1, captured.err
    error = json.loads(captured.out)["error"]
    assert error["code"] == "PushNotificationNotSupportedError" and error["a2aCode"] is None
    assert "pushNotifications" in error["message"] and "a2a task subscribe t-1" in error["hint"]
    assert "push-tok-991" not in captured.out + captured.err
