"""`a2a send` against the real demo agent: text floor, one JSON document, JSON lines, parts, ids, exit codes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from a2acli.cli import run
from tests.support.agent import demo_agent
from tests.support.cli import run_cli as _run

DEMO_TEXT = "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities."


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def _fields(out: str) -> dict[str, str]:
    """The `Label: value` lines outside blocks (a block runs from its label line to the next blank line)."""
    fields: dict[str, str] = {}
    in_block = False
    for line in out.splitlines():
        if in_block:
            in_block = bool(line)
            continue
        label, sep, value = line.partition(": ")
        if line.endswith(":") or label in ("Artifact", "Data", "Message", "History"):
            in_block = True
            continue
        assert sep, f"not a field line: {line!r}"
        fields[label] = value
    return fields


def test_text_floor_reports_ids_state_artifact_and_next_command(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "hello", "-a", agent)
    assert code == 0, err
    fields = _fields(out)
    assert fields["State"] == "COMPLETED"
    assert fields["Task ID"] and fields["Context ID"]
    assert f"Artifact: response\n{DEMO_TEXT}\n\n" in out
    assert fields["Continue"].startswith(f"a2a send -a {agent} --context-id {fields['Context ID']}")
    assert "\x1b" not in out and err == ""


def test_json_is_exactly_one_send_message_response(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "hello", "-a", agent, "-o", "json")
    assert code == 0, err
    assert out.count("\n") == 1
    doc = json.loads(out)
    assert list(doc) == ["task"]
    task = doc["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    text = "".join(p["text"] for p in task["artifacts"][0]["parts"])
    assert text == DEMO_TEXT


def test_stream_json_lines_end_on_the_terminal_event(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "hello", "-a", agent, "--stream", "-o", "json")
    assert code == 0, err
    events = _lines(out)
    assert "task" in events[0]
    assert all(len(e) == 1 and next(iter(e)) in ("task", "statusUpdate", "artifactUpdate") for e in events)
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    chunks = [p["text"] for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"]]
    assert "".join(chunks) == DEMO_TEXT
    assert events[-2]["artifactUpdate"]["lastChunk"] is True


def test_stream_text_floor_restates_ids_at_the_end(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "send", "hi", "-a", agent, "--stream")
    assert code == 0
    tail = out.splitlines()[-4:]
    assert tail[0].startswith("Task ID: ") and tail[1].startswith("Context ID: ")
    assert tail[2] == "State: COMPLETED" and tail[3].startswith("Continue: a2a send")
    assert f"Artifact: response\n{DEMO_TEXT}\n\n" in out


def test_message_only_reply(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "/scenario message", "-a", agent, "--stream", "-o", "json")
    assert code == 0, err
    events = _lines(out)
    assert len(events) == 1 and events[0]["message"]["role"] == "ROLE_AGENT"
    code, out, _ = _run(capsys, "send", "/scenario message", "-a", agent)
    assert code == 0
    assert "Message:\nDirect message response\n\n" in out and "Reply: message (no task created)" not in out
    assert _fields(out)["Continue"].startswith("a2a send")


def test_input_required_stops_and_the_reply_continues_the_task(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "/scenario input-required", "-a", agent, "-o", "json")
    assert code == 0
    task = json.loads(out)["task"]
    assert task["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"
    assert "INPUT_REQUIRED" in err and f"--task-id {task['id']}" in err
    code, out, err = _run(capsys, "send", "yes, go on", "-a", agent, "--task-id", task["id"])
    assert code == 0, err
    fields = _fields(out)
    assert fields["Task ID"] == task["id"] and fields["State"] == "COMPLETED"


def test_failed_task_exits_zero_with_a_warning(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "/scenario fail", "-a", agent)
    assert code == 0
    assert _fields(out)["State"] == "FAILED"
    assert "warning: the task ended FAILED: Simulated failure" in err


def test_rejected_task_id_fails_without_a_new_task(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "x", "-a", agent, "--task-id", "no-such-task", "-o", "json")
    assert code == 1
    envelope = json.loads(out)
    assert envelope["error"]["code"] == "TaskNotFoundError" and envelope["error"]["a2aCode"] == -32001
    assert "[TaskNotFoundError]" in err


def test_protocol_error_is_reported_by_name(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "/scenario error", "-a", agent, "--stream", "-o", "json")
    assert code == 1
    last = _lines(out)[-1]
    assert set(last) == {"error"} and not last["error"]["code"].startswith("A2ACLI_ERR")
    assert err.count("\n") == 1


def test_async_returns_at_once_with_the_ids(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "send", "/scenario long-running 5", "-a", agent, "--async", "-o", "json")
    assert code == 0
    task = json.loads(out)["task"]
    assert task["id"] and task["contextId"]
    assert task["status"]["state"] not in ("TASK_STATE_COMPLETED",)
    code, out, _ = _run(capsys, "task", "cancel", task["id"], "-a", agent, "-o", "json")


def test_parts_keep_their_order_and_media_types(agent: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "report.bin"
    report.write_bytes(b"\x00\x01pdf?")
    code, out, err = _run(
        capsys,
        "send",
        "first",
        "-a",
        agent,
        "--text",
        "second",
        "--file",
        str(report),
        "--media-type",
        "application/pdf",
        "--data",
        '{"k": [1, 2]}',
        "--text",
        "# last",
        "--media-type",
        "text/markdown",
        "--file",
        "https://example.com/a/b.png?x=1",
        "-o",
        "json",
    )
    assert code == 0, err
    parts = json.loads(out)["task"]["history"][0]["parts"]
    assert parts[0] == {"text": "first"}
    assert parts[1] == {"text": "second"}
    assert parts[2]["filename"] == "report.bin" and parts[2]["mediaType"] == "application/pdf"
    assert base64.b64decode(parts[2]["raw"]) == b"\x00\x01pdf?"
    assert parts[3]["data"]["k"] == [1, 2]
    assert parts[4] == {"text": "# last", "mediaType": "text/markdown"}
    assert parts[5]["url"] == "https://example.com/a/b.png?x=1" and parts[5]["filename"] == "b.png"


@pytest.mark.parametrize(
    "args",
    [
        ["--media-type", "text/plain", "hello"],
        ["--text", "a", "--media-type", "text/plain", "--media-type", "text/x"],
        ["--async", "--stream", "hi"],
        ["--data", "{not json"],
        ["--metadata", "[1]", "hi"],
        ["--file", "/no/such/file"],
        ["--svc-param", "novalue", "hi"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", *args, "-a", "http://127.0.0.1:9")
    assert code == 2
    assert err.startswith("error: ") and "[A2ACLI_ERR_USAGE]" in err and err.count("\n") == 1
    assert out == ""


def test_legacy_03_wire_is_normalised_on_both_bindings(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    for transport in ("JSONRPC", "HTTP+JSON"):
        code, out, err = _run(
            capsys,
            "send",
            "hi",
            "-a",
            agent,
            "--a2a-version",
            "0.3",
            "--transport",
            transport,
            "--stream",
            "-o",
            "json",
        )
        assert code == 0, err
        events = _lines(out)
        assert events[0]["task"]["status"]["state"].startswith("TASK_STATE_")
        assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
        assert "kind" not in out


def test_timeout_reports_the_ids_and_exits_5(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "send", "/scenario long-running 20", "-a", agent, "--stream", "-o", "json", "--timeout", "1s"
    )
    assert code == 5
    lines = _lines(out)
    task_id = lines[0]["task"]["id"]
    assert lines[-1]["error"]["code"] == "A2ACLI_ERR_TIMEOUT"
    assert task_id in lines[-1]["error"]["message"] and "task subscribe" in lines[-1]["error"]["hint"]
    run(["task", "cancel", task_id, "-a", agent])
    capsys.readouterr()


def test_artifacts_of_every_kind_are_rendered(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "send", "/scenario artifact-data", "-a", agent)
    assert code == 0
    assert "Data: " in out and '"count": 42' in out
    code, out, _ = _run(capsys, "send", "/scenario artifact-file", "-a", agent)
    assert code == 0
    assert "File: output.txt (text/plain, " in out
    code, out, _ = _run(capsys, "send", "/scenario artifact-file-url", "-a", agent, "--stream")
    assert code == 0
    assert "File: output.txt (text/plain, https://example.com/output.txt)" in out


def test_escape_sequences_from_the_agent_never_reach_the_text_floor(capsys: pytest.CaptureFixture[str]) -> None:
    nasty = "hi \x1b]0;owned\x07 \x1b[2J [bold red]markup[/] \x9b31m bell\x07"
    with demo_agent(echo=True) as url:
        code, out, _ = _run(capsys, "send", nasty, "-a", url, "--stream")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "[bold red]markup[/]" in out


def test_download_saves_the_artifacts(agent: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "out"
    code, out, err = _run(capsys, "stream", "hi", "-a", agent, "--download", str(dest))
    assert code == 0, err
    saved = dest / "response.txt"
    assert saved.read_text() == DEMO_TEXT
    assert f"Saved: {saved} (text/plain, {len(DEMO_TEXT)} bytes)" in out
    code, out, err = _run(capsys, "send", "/scenario artifact-file", "-a", agent, "-o", "json", "--download", str(dest))
    assert code == 0, err
    assert json.loads(out)["task"]["status"]["state"] == "TASK_STATE_COMPLETED"  # stdout stays one document
    assert (dest / "output.txt").exists() and "Saved: " in err


def test_push_follows_deliveries_one_document_or_json_lines(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "send", "hello", "--push", "-a", agent, "-o", "json")
    assert code == 0, err
    assert out.count("\n") == 1  # without --stream: exactly one document (SPEC §11.3)
    assert "".join(p["text"] for p in json.loads(out)["task"]["artifacts"][0]["parts"]) == DEMO_TEXT
    assert "receiving push notifications on http://127.0.0.1:" in err
    code, out, err = _run(capsys, "send", "hello", "--push", "--stream", "-a", agent, "-o", "json")
    assert code == 0, err
    events = _lines(out)
    assert "task" in events[0] and events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    code, _, err = _run(capsys, "send", "hello", "--push", "--async", "-a", agent)
    assert code == 2 and "--async and --push" in err


def _stdout_on_a_terminal(argv: list[str], **env: str) -> bytes:
    """What `a2a ARGV` writes to stdout when stdout is a terminal (stderr, with its spinner, apart)."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    base = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")} | {"COLUMNS": "100", "TERM": "xterm"}
    base.pop("NO_COLOR", None)
    a2a = str(Path(sys.executable).with_name("a2a"))
    proc = subprocess.Popen(
        [a2a, *argv], stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=base | env
    )
    os.close(slave)
    out = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    proc.wait(timeout=30)
    os.close(master)
    return out


@pytest.mark.parametrize(
    ("argv", "env", "view"),
    [
        (["send", "hi"], {}, "floor"),
        (["send", "hi", "-o", "text"], {"A2ACLI_OUTPUT": "rich"}, "floor"),
        (["send", "hi", "--stream"], {}, "floor"),
        (["send", "hi", "-o", "rich"], {}, "styled"),
        (["send", "hi"], {"A2ACLI_OUTPUT": "rich"}, "styled"),
        (["send", "hi", "--stream", "-o", "rich"], {}, "live"),
        (["stream", "hi"], {}, "live"),
        (["stream", "hi", "-o", "rich"], {}, "live"),
        (["stream", "hi", "-o", "text"], {}, "floor"),
    ],
)
def test_the_rich_views_are_one_flag_away_on_a_terminal(
    agent: str, argv: list[str], env: dict[str, str], view: str
) -> None:
    """OUT_005 / DEFAULT_001 (issue 13): `send` prints the text floor on a terminal too; `-o rich` (or
    A2ACLI_OUTPUT=rich) asks for the Rich views, as for `task` and `card`; `a2a stream` keeps its live view there
    by default (the one deliberate difference). `a2a stream -o rich` printed the floor."""
    shown = _stdout_on_a_terminal([*argv, "-a", agent], **env)
    if view == "floor":
        assert b"\x1b" not in shown and shown.startswith(b"Task ID: "), shown[:200]
    elif view == "styled":
        assert b"\x1b[1mTask ID:" in shown and b"events" not in shown, shown[:200]
    else:
        assert b"\x1b[" in shown and b"first token" in shown and b"Task ID: " in shown, shown[:200]
