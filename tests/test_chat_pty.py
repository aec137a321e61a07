"""`a2a chat` on a real pseudo-terminal against `a2a serve` (a subprocess): type, wait for the streamed words,
check the screen. The pty is the program's controlling terminal, so Ctrl-C is typed, not signalled."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.pty_session import PtySession
from tests.support.screen import screen_lines
from tests.test_serve import serve_process

A2A = str(Path(sys.executable).with_name("a2a"))
COLUMNS = 100
DEMO_END = "communication capabilities."
PROMPT = "Streaming Demo Agent"


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    with serve_process("--delay", "0.02") as (_, url):
        yield url


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env.update(
        {
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "COLUMNS": str(COLUMNS),
            "LINES": "40",
            "TERM": "xterm-256color",
            "PROMPT_TOOLKIT_NO_CPR": "1",
            **extra,
        }
    )
    env.pop("NO_COLOR", None)
    return env


def _chat(agent: str, home: Path, *args: str, **env: str) -> PtySession:
    return PtySession([A2A, "chat", "-a", agent, *args], _env(home, **env), columns=COLUMNS)


def _screen(session: PtySession) -> str:
    return "\n".join(screen_lines(session.out, COLUMNS))


def _field(text: str, label: str) -> list[str]:
    return re.findall(rf"^{label}: (\S+)$", text, re.M)


def _tasks(agent: str, context_id: str) -> list[dict[str, object]]:
    proc = subprocess.run(
        [A2A, "task", "list", "-a", agent, "--context-id", context_id, "--history", "10", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")},
    )
    assert proc.returncode == 0, proc.stderr
    tasks: list[dict[str, object]] = json.loads(proc.stdout)["tasks"]
    return tasks


def test_two_turns_stream_live_and_share_one_context(agent: str, tmp_path: Path) -> None:
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("hello there")
        chat.expect(r"first token")  # the live view's status line, while the words stream
        chat.expect(DEMO_END)
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.sendline("and once more")
        chat.expect(DEMO_END)
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")  # Ctrl-D
        code = chat.wait()
        screen = _screen(chat)
    assert code == 0, screen
    assert "\x1b[" in chat.text()  # the live view drew (and erased) its region
    assert screen.count("Hello! I'm streaming this response word by word") == 2, screen  # no stale copies
    assert not re.search(r"WORKING · .*events", screen), screen  # no live region left behind
    contexts = set(_field(screen, "Context ID"))
    assert len(contexts) == 1, screen
    (context_id,) = contexts
    task_ids = list(dict.fromkeys(_field(screen, "Task ID")))
    assert len(task_ids) == 2, screen
    assert f"Continue: a2a chat -a {agent} --context-id {context_id}" in screen
    listed = _tasks(agent, context_id)  # the agent's own word: both tasks in the one context
    assert sorted(str(t["id"]) for t in listed) == sorted(task_ids)
    assert all(t["contextId"] == context_id for t in listed)


def test_a_line_typed_while_an_answer_streams_is_the_next_message(agent: str, tmp_path: Path) -> None:
    """Typed ahead, the line sits in the terminal (cooked mode turns its Enter into LF); the editor reads it
    when the prompt returns and sends it, rather than breaking the line."""
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("/scenario long-running 2")
        chat.expect("tick 1/2")
        chat.sendline("typed ahead")
        chat.expect("tick 2/2")  # the first answer runs to its end
        chat.expect(r"Hello!")  # then the typed-ahead line is sent: the demo answer
        chat.expect(DEMO_END)
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.sendline("/history")
        chat.expect(r"2\. typed ahead -> task \S+ COMPLETED")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0


def test_input_required_then_a_plain_reply_completes_the_same_task(agent: str, tmp_path: Path) -> None:
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("/scenario input-required")
        chat.expect("Input required")
        chat.expect(r"the next line continues this task")
        chat.expect(rf"{PROMPT} \[INPUT_REQUIRED\] >")
        chat.sendline("here is my answer")
        chat.expect(DEMO_END)
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.sendline("/history")
        chat.expect("here is my answer -> task")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        code = chat.wait()
        screen = _screen(chat)
    assert code == 0, screen
    task_ids = list(dict.fromkeys(_field(screen, "Task ID")))
    assert len(task_ids) == 1, screen  # the reply continued the task: no second one
    (context_id,) = set(_field(screen, "Context ID"))
    (task,) = _tasks(agent, context_id)
    assert task["id"] == task_ids[0]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"  # type: ignore[index]
    said = [p.get("text") for m in task["history"] for p in m["parts"] if m["role"] == "ROLE_USER"]  # type: ignore[attr-defined,union-attr]
    assert said == ["/scenario input-required", "here is my answer"]
    assert "--task-id" not in screen  # nothing to type by hand: the next line was the reply


def test_ctrl_c_mid_answer_returns_to_the_prompt(agent: str, tmp_path: Path) -> None:
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("/scenario long-running 30")
        chat.expect("tick 1/30")
        chat.send(b"\x03")  # Ctrl-C, typed: the terminal is in cooked mode while the answer streams
        chat.expect(r"stopped following task \S+ \(WORKING\)")
        chat.expect(rf"{PROMPT} \[WORKING\] >")
        chat.sendline("/cancel")
        chat.expect(r"asked the agent to cancel task \S+: CANCELED")
        chat.expect(rf"{PROMPT} \[CANCELED\] >")
        chat.sendline("still here?")  # the session goes on, in the same context
        chat.expect(DEMO_END)
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        code = chat.wait()
        screen = _screen(chat)
    assert code == 0, screen
    assert "Traceback" not in screen and "error:" not in screen
    assert "tick 30/30" not in screen
    assert len(set(_field(screen, "Context ID"))) == 1


def test_cancel_on_interrupt_cancels_the_task(agent: str, tmp_path: Path) -> None:
    with _chat(agent, tmp_path, "--cancel-on-interrupt") as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("/scenario long-running 30")
        chat.expect("tick 1/30")
        chat.send(b"\x03")
        chat.expect(r"asked the agent to cancel")
        chat.expect(rf"{PROMPT} \[CANCELED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0


def test_ctrl_c_clears_a_line_and_at_an_empty_prompt_leaves_with_the_ids(agent: str, tmp_path: Path) -> None:
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("hi")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send("half a thought")
        chat.expect_screen(rf"{PROMPT} \[COMPLETED\] > half a thought$")
        chat.send(b"\x03")  # a line being typed: cleared, the session goes on
        chat.sendline("/history")
        chat.expect(r"1\. hi -> task")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x03")  # an empty prompt: leave
        code = chat.wait()
        screen = _screen(chat)
    assert code == 0, screen
    (context_id,) = set(_field(screen, "Context ID"))
    assert screen.rstrip().endswith(f"Continue: a2a chat -a {agent} --context-id {context_id}"), screen
    assert "half a thought ->" not in screen


def test_slash_commands_help_card_task_new_and_completion(agent: str, tmp_path: Path) -> None:
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.send("/he\t")  # Tab completes the chat's own commands
        chat.expect_screen(rf"{PROMPT} > /help$")
        chat.send(b"\r")
        chat.expect(r"/save PATH +write the transcript")
        chat.expect(f"{PROMPT} >")
        chat.sendline("/card")
        chat.expect(r"Name: Streaming Demo Agent")
        chat.expect(f"{PROMPT} >")
        chat.sendline("/task")
        chat.expect("no task yet")
        chat.expect(f"{PROMPT} >")
        chat.sendline("hi")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.sendline("/task")
        chat.expect(r"Artifact: response")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.sendline("/new")
        chat.expect("new conversation")
        chat.expect(f"{PROMPT} >")
        chat.sendline("hi again")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0
        screen = _screen(chat)
    assert len(set(_field(screen, "Context ID"))) == 2, screen  # /new: a new context


def test_file_and_data_attach_to_the_next_message_and_save_writes_the_protocol_objects(
    agent: str, tmp_path: Path
) -> None:
    work = Path.cwd()  # the test's own working directory (conftest), which the chat inherits
    (work / "report.txt").write_text("the report\n")
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.send("/file rep\t")  # Tab completes the path
        chat.expect_screen(rf"{PROMPT} > /file report\.txt$")
        chat.send(b"\r")
        chat.expect(r"attached report\.txt \(text/plain, 11 bytes\)")
        chat.expect(rf"{PROMPT} \+1 attached >")
        chat.sendline('/data {"count": 42}')
        chat.expect("attached a data part")
        chat.expect(rf"{PROMPT} \+2 attached >")
        chat.sendline("see attached")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.sendline("/save transcript.jsonl")
        chat.expect(r"saved \d+ JSON lines to transcript\.jsonl")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.sendline("/save transcript.jsonl")
        chat.expect("the file exists")  # never overwritten
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0
    saved = work / "transcript.jsonl"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    objects = [json.loads(line) for line in saved.read_text().splitlines()]
    sent = objects[0]["message"]
    assert sent["role"] == "ROLE_USER"
    assert [next(iter(p)) for p in sent["parts"]] == ["text", "raw", "data"]
    assert sent["parts"][1]["filename"] == "report.txt" and sent["parts"][2]["data"] == {"count": 42}
    received = objects[1:]
    assert "task" in received[0] and all(len(o) == 1 for o in received)
    assert received[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert {next(iter(o)) for o in received} <= {"task", "statusUpdate", "artifactUpdate", "message"}


def test_history_is_kept_across_sessions_in_the_data_dir(agent: str, tmp_path: Path) -> None:
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("remember this line")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0
    history = tmp_path / "data" / "a2a-cli" / "chat-history"
    assert "remember this line" in history.read_text()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", history.read_text())  # lines typed, never an id
    with _chat(agent, tmp_path) as chat:
        chat.expect(f"{PROMPT} >")
        chat.send(b"\x1b[A")  # Up: the line typed in the last session
        chat.expect_screen(rf"{PROMPT} > remember this line$")
        chat.send(b"\r")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0
    with _chat(agent, tmp_path, "--no-history") as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("not kept")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0
    assert "not kept" not in history.read_text()


def test_multi_line_input_and_vi_keys(tmp_path: Path) -> None:
    with serve_process("--delay", "0", "--echo") as (_, echo):
        with _chat(echo, tmp_path) as chat:
            chat.expect(f"{PROMPT} >")
            chat.send("first line")
            chat.send(b"\x1b\r")  # Alt-Enter: a new line, not sent
            chat.send("second line")
            chat.send(b"\r")
            chat.expect(rf"{PROMPT} \[COMPLETED\] >")
            chat.send(b"\x04")
            assert chat.wait() == 0
            screen = _screen(chat)
        assert "first line\nsecond line" in screen, screen  # one message of two lines, echoed back
        with _chat(echo, tmp_path, "--editing-mode", "vi", "--no-history") as chat:
            chat.expect(f"{PROMPT} >")
            chat.send("world")
            chat.send(b"\x1b")  # Esc: vi normal mode
            chat.send("0ihello ")  # to the start of the line, insert
            chat.send(b"\r")
            chat.expect(rf"{PROMPT} \[COMPLETED\] >")
            chat.send(b"\x04")
            assert chat.wait() == 0
            screen = _screen(chat)
        assert re.search(r"^hello world$", screen, re.M), screen


def test_hostile_agent_text_stays_sanitised_in_the_chat_view(tmp_path: Path) -> None:
    """A card name (the prompt shows it), streamed artifacts and status messages full of escape sequences and
    Rich markup: none of the agent's control bytes reaches the terminal, the markup is shown literally."""
    from tests.hostile.servers import EVIL_TITLE, hostile_agents

    with hostile_agents() as hostile, _chat(hostile.origin_ref("escape-card"), tmp_path) as chat:
        chat.expect(r"Evil.* >")
        chat.sendline("hi")
        chat.expect(r"\[COMPLETED\] >")
        chat.sendline("/task")
        chat.expect(r"Task ID: ")
        chat.expect(r"\[COMPLETED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0
        raw = chat.text()
    for byte in ("\x1b]", "\x07", "\x9b", "\u202e", "\x1b[2J", "\x1b[?1049h", EVIL_TITLE):
        assert byte not in raw, (byte, raw[-2000:])
    assert "[bold red]RICH[/bold red]" in raw  # markup shown literally, never interpreted
    assert "Chatting with Evil" in raw


def test_ctrl_c_while_a_command_waits_on_the_agent_returns_to_the_prompt(tmp_path: Path) -> None:
    """/task against an agent that never answers: Ctrl-C abandons the request, the session goes on."""
    from tests.hostile.servers import hostile_agents

    with hostile_agents() as hostile, _chat(hostile.origin_ref("rpc-stall"), tmp_path, "--task-id", "t-1") as chat:
        chat.expect(r"Hostile agent >")  # the task's state was not waited for long (the agent stalls)
        chat.sendline("/task")
        chat.expect(rb"\x1b\[\?2004l")  # the line editor has given the terminal back (cooked mode)
        time.sleep(0.5)
        chat.send(b"\x03")
        chat.expect("stopped waiting for the agent")
        chat.expect(r"Hostile agent >")
        chat.send(b"\x04")
        assert chat.wait() == 0
        assert "Traceback" not in chat.text()


def test_the_session_survives_the_agent_going_away_and_coming_back(tmp_path: Path) -> None:
    from tests.support.server import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with _chat_later(url, tmp_path) as start:
        with _serve_on(port):
            chat = start()
            chat.expect(f"{PROMPT} >")
            chat.sendline("hi")
            chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.sendline("are you there?")  # the agent is gone: the error, and the session goes on
        chat.expect(r"error: .*\[A2ACLI_ERR_UNREACHABLE\]")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        with _serve_on(port):
            chat.sendline("hello again")
            chat.expect(DEMO_END)
            chat.expect(rf"{PROMPT} \[COMPLETED\] >")
            chat.sendline("/history")
            chat.expect(r"3\. hello again -> task \S+ COMPLETED")
            chat.expect(rf"{PROMPT} \[COMPLETED\] >")
            chat.send(b"\x04")
            assert chat.wait() == 0


@contextlib.contextmanager
def _chat_later(agent: str, home: Path) -> Iterator[Callable[[], PtySession]]:
    """A chat started when the test says (once its agent is up), closed at the end whatever happened."""
    started: list[PtySession] = []

    def start() -> PtySession:
        started.append(_chat(agent, home))
        return started[-1]

    try:
        yield start
    finally:
        for chat in started:
            chat.close()


@contextlib.contextmanager
def _serve_on(port: int) -> Iterator[None]:
    """`a2a serve` on this very port (started again on it after a stop)."""
    import urllib.request

    proc = subprocess.Popen(
        [A2A, "serve", "--port", str(port), "--delay", "0.01"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/agent-card.json", timeout=1):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "a2a serve did not come up"
                time.sleep(0.1)
        yield
    finally:
        proc.kill()
        proc.wait(10)
