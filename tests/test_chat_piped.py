"""`a2a chat` off a terminal (one message per stdin line, the text floor or JSON lines, exit 0 at the end of
input), resuming with --context-id / --task-id, errors, Ctrl-C, a dropped stream, imports; and its pure parts."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from a2acli.chat import slash, view
from a2acli.chat.transcript import Transcript
from a2acli.cli import run
from a2acli.errors import UsageError
from tests.support.agent import demo_agent

A2A = str(Path(sys.executable).with_name("a2a"))
DEMO_TEXT = "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities."


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    with demo_agent(delay=0.005) as url:
        yield url


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env.update({"COLUMNS": "100", "TERM": "xterm-256color"})
    return env


def _piped(agent: str, lines: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [A2A, "chat", "-a", agent, *args], input=lines, capture_output=True, text=True, timeout=60, env=_env()
    )


def _chat(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lines: str, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    code = run(["chat", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _fields(text: str, label: str) -> list[str]:
    return re.findall(rf"^{label}: (\S+)$", text, re.M)


def test_piped_lines_are_messages_on_the_text_floor(agent: str) -> None:
    proc = _piped(agent, "hello\n\n/scenario input-required\nmy answer\n")
    assert proc.returncode == 0, proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", stream)  # no control sequences, no prompt
    assert proc.stdout.count(f"Artifact: response\n{DEMO_TEXT}\n\n") == 2
    (context_id,) = set(_fields(proc.stdout, "Context ID"))
    tasks = list(dict.fromkeys(_fields(proc.stdout, "Task ID")))
    assert len(tasks) == 2, proc.stdout  # hello; then the input-required task, completed by the reply
    assert "State: INPUT_REQUIRED" in proc.stdout and proc.stdout.count("State: COMPLETED") >= 2
    assert proc.stdout.endswith(f"Continue: a2a chat -a {agent} --context-id {context_id}\n")
    assert "the next line continues this task" in proc.stderr
    assert "reply with --task-id" not in proc.stderr  # the chat's own words, not `a2a send`'s


def test_json_lines_are_the_protocol_objects(
    agent: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _chat(capsys, monkeypatch, "hi\n/scenario input-required\nok\n/task\n", "-a", agent, "-o", "json")
    assert code == 0, err
    objects = [json.loads(line) for line in out.splitlines()]
    assert all(len(o) == 1 for o in objects[:-1])
    assert {next(iter(o)) for o in objects[:-1]} <= {"task", "statusUpdate", "artifactUpdate", "message"}
    contexts = {body["contextId"] for o in objects[:-1] for body in o.values()}
    assert len(contexts) == 1
    (context_id,) = contexts
    assert objects[-1]["status"]["state"] == "TASK_STATE_COMPLETED"  # /task: the Task itself
    assert f"next: a2a chat -a {agent} --context-id {context_id}" in err


def test_context_id_and_task_id_resume_a_conversation(
    agent: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _chat(capsys, monkeypatch, "/scenario input-required\n", "-a", agent)
    assert code == 0, err
    (task_id,) = set(_fields(out, "Task ID"))
    (context_id,) = set(_fields(out, "Context ID"))
    assert out.endswith(f"Continue: a2a chat -a {agent} --context-id {context_id} --task-id {task_id}\n")
    code, out, err = _chat(capsys, monkeypatch, "the answer\n", "-a", agent, "--task-id", task_id)
    assert code == 0, err
    assert set(_fields(out, "Task ID")) == {task_id} and "State: COMPLETED" in out
    code, out, err = _chat(capsys, monkeypatch, "next\n", "-a", agent, "--context-id", context_id)
    assert code == 0, err
    assert set(_fields(out, "Context ID")) == {context_id} and task_id not in _fields(out, "Task ID")


def test_the_same_conversation_on_every_binding(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chat has no transport code of its own: the connection's binding carries the context and the
    input-required round trip alike, and the text floor reads the same (SPEC §6.4)."""
    lines = "hi\n/scenario input-required\nmy answer\n/task\n"
    shown = {}
    with demo_agent(delay=0, grpc_port=0) as url:
        for transport in ("JSONRPC", "HTTP+JSON", "GRPC"):
            code, out, err = _chat(capsys, monkeypatch, lines, "-a", url, "--transport", transport)
            assert code == 0, (transport, err)
            assert len(set(_fields(out, "Context ID"))) == 1, transport
            assert len(set(_fields(out, "Task ID"))) == 2, transport
            assert out.count(f"Artifact: response\n{DEMO_TEXT}\n") == 3, transport  # 2 answers, then /task
            shown[transport] = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "ID", out)
    assert shown["HTTP+JSON"] == shown["JSONRPC"] == shown["GRPC"]


def test_a_rejected_task_id_is_an_error_and_starts_no_task(
    agent: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _chat(capsys, monkeypatch, "hi\nnever sent\n", "-a", agent, "--task-id", "no-such-task")
    assert code == 1, err
    assert "Task ID" not in out and "Traceback" not in err
    assert re.search(r"^error: .*\[TaskNotFoundError\] — hint: .*nothing was sent to a new task", err, re.M), err


def test_auth_required_says_how_to_log_in(
    agent: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _chat(capsys, monkeypatch, "/scenario auth-required\n", "-a", agent)
    assert code == 0, err
    assert "State: AUTH_REQUIRED" in out
    assert f"log in with `a2a auth login -a {agent}`" in err


def test_bad_input_is_a_usage_error_and_an_unreachable_agent_exit_3(
    agent: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _chat(capsys, monkeypatch, "/file /no/such/file\n", "-a", agent)
    assert code == 2 and re.fullmatch(r"error: cannot read --file /no/such/file: .+\n", err.splitlines(True)[0]), err
    code, _, err = _chat(capsys, monkeypatch, "/data {not json\n", "-a", agent)
    assert code == 2 and "not valid JSON" in err
    code, out, err = _chat(capsys, monkeypatch, "hi\n", "-a", "http://127.0.0.1:9")
    assert code == 3 and out == "" and len(err.splitlines()) == 1 and "[A2ACLI_ERR_UNREACHABLE]" in err


def test_ctrl_c_off_a_terminal_ends_the_session_with_the_ids(agent: str) -> None:
    proc = subprocess.Popen(
        [A2A, "chat", "-a", agent],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("/scenario long-running 30\n")
    proc.stdin.flush()
    seen = ""
    deadline = time.monotonic() + 20
    while "tick 1/30" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=20)
    out = seen + rest
    assert proc.returncode == 130, err
    (context_id,) = set(_fields(out, "Context ID"))
    assert f"Continue: a2a chat -a {agent} --context-id {context_id}" in out
    assert err.startswith("error: interrupted") and "Traceback" not in err


def test_a_dropped_stream_resumes_as_in_stream() -> None:
    from urllib.parse import urlsplit

    from tests.test_resume_proxy import cutting_proxy

    with cutting_proxy([4]) as proxy, demo_agent(delay=0.02, public_url=proxy.url) as url:
        upstream = urlsplit(url)
        proxy.upstream = (upstream.hostname or "127.0.0.1", int(upstream.port or 0))
        proc = _piped(proxy.url, "tell me\nand again\n")
        assert proxy.cut_done == 1
    assert proc.returncode == 0, proc.stderr
    assert "note: the stream dropped" in proc.stderr
    assert proc.stdout.count(DEMO_TEXT) == 2  # every word once, though the first stream was cut
    assert len(set(_fields(proc.stdout, "Context ID"))) == 1


def test_hostile_agent_text_stays_sanitised_on_the_floor() -> None:
    from tests.hostile.clirun import assert_terminal_clean
    from tests.hostile.servers import hostile_agents

    with hostile_agents() as hostile:
        proc = _piped(hostile.origin_ref("escape-card"), "hi\n/task\n/card\n")
    assert proc.returncode == 0, proc.stderr
    assert_terminal_clean(proc.stdout, where="stdout")
    assert_terminal_clean(proc.stderr, where="stderr")
    assert "[bold red]RICH[/bold red]" in proc.stdout


def test_prompt_toolkit_is_imported_only_by_chat_on_a_terminal(agent: str) -> None:
    code = (
        "import io, sys, contextlib\n"
        "from a2acli.cli import run\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    for args in (['--help'], ['--version'], ['chat', '--help'], ['stream', '--help'], ['help', 'chat'],"
        " ['completion', 'bash'], ['card', '-a', sys.argv[1]]):\n"
        "        run(args)\n"
        "    sys.stdin = io.StringIO('hi\\n')\n"
        "    rc = run(['chat', '-a', sys.argv[1]])\n"
        "print(rc, 'prompt_toolkit' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, agent], capture_output=True, text=True, timeout=60, env=_env())
    assert proc.stdout.strip().splitlines()[-1] == "0 False", proc.stdout + proc.stderr


# ------------------------------------------------------------------------------------------------ pure parts


def test_slash_lines_that_are_not_the_chats_go_to_the_agent() -> None:
    assert slash.parse("/help") == slash.Invocation(slash.BY_NAME["/help"], "")
    assert slash.parse("  /FILE  a b.txt ") == slash.Invocation(slash.BY_NAME["/file"], "a b.txt")
    assert slash.parse("/exit").command.name == "/quit"  # type: ignore[union-attr]
    for line in ("/scenario input-required", "/helpme", "hello /help", "", "/"):
        assert slash.parse(line) is None, line
    text = view.help_text()
    assert all(command.name in text for command in slash.COMMANDS)


def test_the_prompt_and_the_continue_command() -> None:
    assert view.prompt_text("Agent", None) == "Agent > "
    assert view.prompt_text("Agent", "TASK_STATE_INPUT_REQUIRED", 2) == "Agent [INPUT_REQUIRED] +2 attached > "
    assert view.agent_label("\x1b]0;x\x07Bad\x1b[31m Agent", "ref") == "Bad Agent"
    assert view.agent_label("", "host:1") == "host:1" and len(view.agent_label("n" * 100, "r")) == view.MAX_NAME
    quoted = "a2a chat -a 'a b' --context-id 'c'\"'\"'1'"
    assert view.continue_command("a b", "c'1", "t", "TASK_STATE_WORKING") == quoted
    assert view.continue_command(None, "c", "t", "TASK_STATE_AUTH_REQUIRED") == "a2a chat --context-id c --task-id t"
    assert view.ids_text(None, None, None, None) == ""


def test_the_transcript_is_written_once_0600_never_over_a_file(tmp_path: Path) -> None:
    transcript = Transcript()
    transcript.sent({"message": {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "\x1b[2J"}]}})
    transcript.received_raw('{"task":{"id":"t"}}')
    path = transcript.save(str(tmp_path / "t.jsonl"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert "\x1b" not in path.read_text() and json.loads(lines[0])["message"]["parts"][0]["text"] == "\x1b[2J"
    assert json.loads(lines[1]) == {"task": {"id": "t"}}
    with pytest.raises(UsageError, match="the file exists"):
        transcript.save(str(path))
    with pytest.raises(UsageError, match="needs a path"):
        transcript.save(" ")


def test_a_given_task_whose_agent_does_not_answer_delays_the_session_only_briefly() -> None:
    """`--task-id`: the task's state for the prompt is asked once, and not waited for beyond a few seconds."""
    from tests.hostile.servers import hostile_agents

    with hostile_agents() as hostile:
        started = time.monotonic()
        proc = _piped(hostile.origin_ref("rpc-stall"), "", "--task-id", "t-1")
        took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert took < 20, took  # the agent stalls for 30 s; the chat asked for 5 s at most
