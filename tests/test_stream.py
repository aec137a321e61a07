"""`a2a stream`: the Rich Live view in a real pseudo-terminal, the text floor when piped, JSON lines, Ctrl-C,
closed pipes, proxies, compressed streams, and the pure live model."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from a2acli.cli import run
from a2acli.render.live import LiveModel
from tests.support.agent import demo_agent

A2A = str(Path(sys.executable).with_name("a2a"))
DEMO_TEXT = "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities."


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    with demo_agent(delay=0.01) as url:
        yield url


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env.update({"COLUMNS": "80", "LINES": "40", "TERM": "xterm-256color", **extra})
    env.pop("NO_COLOR", None)
    return env


def _pty_run(args: list[str], timeout: float = 30.0, interrupt_after: bytes | None = None) -> tuple[int, bytes]:
    """Run `a2a ARGS` with stdout/stderr on a pseudo-terminal; return (exit status, everything it wrote)."""
    from tests.support.pty import run_in_pty

    return run_in_pty([A2A, *args], _env(), timeout=timeout, interrupt_after=interrupt_after)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def test_live_view_in_a_pseudo_terminal(agent: str) -> None:
    nasty = "hi \x1b]0;owned\x07 [bold]markup[/bold] \x1b[31mred"
    with demo_agent(echo=True, delay=0.01) as echo:
        code, out = _pty_run(["stream", nasty, "-a", echo])
    assert code == 0, out
    text = out.decode("utf-8", "replace")
    assert "[bold]markup[/bold]" in text  # shown literally, never interpreted
    assert "\x1b]0;owned" not in text and "\x1b[31mred" not in text
    code, out = _pty_run(["stream", "Tell me", "-a", agent])
    assert code == 0
    text = out.decode("utf-8", "replace")
    assert "\x1b[" in text  # Rich drew a live region
    assert "Task ID: " in text and "Context ID: " in text and "COMPLETED" in text
    assert "first token" in text and "events" in text
    for word in ("Hello!", "demonstrate", "capabilities."):
        assert word in text
    assert "Continue: " in text and f"a2a send -a {agent} --context-id" in text


def test_piped_stream_is_the_text_floor(agent: str) -> None:
    proc = subprocess.run([A2A, "stream", "hi", "-a", agent], capture_output=True, text=True, env=_env(), timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout
    assert f"Artifact: response\n{DEMO_TEXT}\n\n" in proc.stdout
    assert proc.stdout.splitlines()[-2] == "State: COMPLETED"


def test_jsonl_and_output_json_are_the_same_json_lines(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for flags in (["--jsonl"], ["-o", "json"]):
        assert run(["stream", "hi", "-a", agent, *flags]) == 0
        out = capsys.readouterr().out
        events = [json.loads(line) for line in out.splitlines()]
        assert "task" in events[0] and events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
        outs.append([next(iter(e)) for e in events])
    assert outs[0] == outs[1]


def _interrupt(agent: str, *flags: str) -> tuple[int, str, str]:
    proc = subprocess.Popen(
        [A2A, "stream", "/scenario long-running 30", "-a", agent, *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + 20
    while "State: WORKING" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=20)
    return proc.returncode, seen + rest, err


def test_ctrl_c_stops_cleanly_with_ids_and_resume_command(agent: str) -> None:
    code, out, err = _interrupt(agent)
    assert code == 130, err
    task_id = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Task ID: "))
    assert out.splitlines()[-3] == "State: WORKING"
    assert f"Resume: a2a task subscribe -a {agent} {task_id}" in out
    assert err.startswith("error: interrupted (task ") and "Traceback" not in err
    assert f"a2a task subscribe -a {agent} {task_id}" in err  # the hint names the resume command too
    code, out, err = _interrupt(agent, "--cancel-on-interrupt")
    assert code == 130
    assert "asked the agent to cancel" in err
    assert "State: CANCELED" in out


def test_ctrl_c_in_the_live_view(agent: str) -> None:
    """On a terminal, Ctrl-C while the status line ticks: the live region ends, the ids and the resume command
    stay on the screen, exit 130."""
    code, out = _pty_run(["stream", "/scenario long-running 30", "-a", agent], interrupt_after=b"WORKING")
    text = _ANSI.sub("", out.decode("utf-8", "replace"))
    assert code == 130, text
    task_id = next(line.split(": ", 1)[1].strip() for line in text.splitlines() if line.startswith("Task ID: "))
    assert f"Resume: a2a task subscribe -a {agent} {task_id}" in text
    assert f"error: interrupted (task {task_id}" in text and "Traceback" not in text


def test_live_view_survives_a_drop() -> None:
    from urllib.parse import urlsplit

    from tests.test_resume_proxy import cutting_proxy

    with cutting_proxy([4]) as proxy, demo_agent(delay=0.02, public_url=proxy.url) as url:
        upstream = urlsplit(url)
        proxy.upstream = (upstream.hostname or "127.0.0.1", int(upstream.port or 0))
        code, out = _pty_run(["stream", "tell me", "-a", proxy.url])
        assert proxy.cut_done == 1
    text = _ANSI.sub("", out.decode("utf-8", "replace"))
    assert code == 0, text
    assert "note: the stream dropped" in text and "State: COMPLETED" in text and "Task ID: " in text
    assert "Hello!" in text and "capabilities." in text


def test_notes_about_drops_go_above_the_live_region() -> None:
    """Issue 13: the reconnect notes were written past the Live region: each left a copy of the partial answer
    and of the status line on the screen, and the notes after the first were cut at the terminal width."""
    from urllib.parse import urlsplit

    from tests.support.pty import run_in_pty
    from tests.support.screen import screen_lines
    from tests.test_resume_proxy import cutting_proxy

    with cutting_proxy([4, 0, 0]) as proxy, demo_agent(delay=0.02, public_url=proxy.url) as url:
        upstream = urlsplit(url)
        proxy.upstream = (upstream.hostname or "127.0.0.1", int(upstream.port or 0))
        code, out = run_in_pty([A2A, "stream", "tell me", "-a", proxy.url], _env(), columns=80)
    lines = screen_lines(out, 80)
    shown = "\n".join(lines)
    assert code == 0, shown
    assert sum(line.startswith("Hello! I'm") for line in lines) == 1, shown  # the answer once, no stale copies
    assert not any("WORKING ·" in line or "events ·" in line for line in lines), shown  # no stale status line
    notes = " ".join(lines).split("note: ")[1:]
    dropped = [note for note in notes if note.startswith("the stream dropped")]
    assert len(dropped) >= 2, shown
    assert all(re.search(r"\); reconnecting in \d+\.\ds", note) for note in dropped), shown  # each note whole
    assert "State: COMPLETED" in lines and "communication capabilities." in shown


def test_a_long_answer_wraps_as_one_paragraph_in_the_live_view() -> None:
    """Issue 13: text committed to scrollback was cut every 3 widths, wherever that fell: at 120 columns a lone
    word ended up on a line of its own about every 31 words. Every line but the last must be full."""
    from tests.support.pty import run_in_pty
    from tests.support.screen import screen_lines

    words = [f"w{i % 10}{'x' * (i % 7)}" for i in range(300)]
    with demo_agent(echo=True, delay=0.001) as echo:
        code, out = run_in_pty([A2A, "stream", " ".join(words), "-a", echo], _env(COLUMNS="120"), columns=120)
    lines = screen_lines(out, 120)
    shown = "\n".join(lines)
    assert code == 0, shown
    body = lines[lines.index("── response ──") + 1 : next(i for i, ln in enumerate(lines) if ln.startswith("Task ID"))]
    assert " ".join(body).split() == words, shown
    for line, following in itertools.pairwise(body):
        assert len(line) + 1 + len(following.split()[0]) > 120, f"a line ends early: {line!r}\n{shown}"


@pytest.mark.parametrize("command", [["send", "--stream"], ["stream"]])
def test_closed_pipe_ends_quietly(agent: str, command: list[str]) -> None:
    proc = subprocess.Popen(
        [A2A, *command, "hi", "-a", agent, "-o", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    proc.wait(timeout=20)
    assert json.loads(first)["task"]["id"]
    assert proc.returncode == 0 and err == b""


def test_live_model_flushes_finished_lines_and_stays_bounded() -> None:
    model = LiveModel(width=40)
    for i in range(2000):
        model.apply(
            {
                "artifactUpdate": {
                    "taskId": "t",
                    "contextId": "c",
                    "artifact": {"artifactId": "a", "name": "story", "parts": [{"text": f"word{i} "}]},
                    "append": i > 0,
                }
            }
        )
        assert len(model.pending) <= 40 * 3 + 10
    flushed = model.take()
    assert flushed[0].kind == "label" and flushed[0].content == "story"
    text = " ".join(f.content for f in flushed[1:]) + " " + model.pending
    assert text.split() == [f"word{i}" for i in range(2000)]
    assert model.events == 2000 and model.first_token is not None


def test_live_model_markdown_blocks_and_other_parts() -> None:
    model = LiveModel(width=80)
    chunks = ["# Title\n\nSome ", "text.\n\n```\ncode\n\n", "more\n```\n\ntail"]
    for i, chunk in enumerate(chunks):
        model.apply(
            {
                "artifactUpdate": {
                    "artifact": {"artifactId": "m", "parts": [{"text": chunk, "mediaType": "text/markdown"}]},
                    "append": i > 0,
                }
            }
        )
    kinds = [(f.kind, f.content) for f in model.take()]
    assert kinds[:3] == [("label", "m"), ("markdown", "# Title"), ("markdown", "Some text.")]
    assert ("markdown", "```\ncode\n\nmore\n```") in kinds  # a blank line inside a fence does not split it
    assert model.pending == "tail"
    model.apply({"statusUpdate": {"status": {"state": "TASK_STATE_WORKING", "message": {"parts": [{"text": "hm"}]}}}})
    model.apply({"artifactUpdate": {"artifact": {"artifactId": "d", "parts": [{"data": {"a": 1}}, {"url": "u"}]}}})
    kinds = [f.kind for f in model.finish()]
    assert kinds == ["markdown", "note", "data", "file"]
    assert model.status_text().startswith("WORKING · ")


def test_blocking_send_on_a_terminal_shows_a_spinner_then_the_text_floor(agent: str) -> None:
    code, out = _pty_run(["send", "/scenario long-running 1", "-a", agent])
    assert code == 0
    text = out.decode("utf-8", "replace")
    assert "WORKING · " in text  # the transient status line (stderr)
    assert "State: COMPLETED" in text and "Task ID: " in text


@pytest.mark.parametrize(
    ("proxy", "code"),
    [
        ({"HTTP_PROXY": "http://127.0.0.1:9"}, 3),  # the proxy is honoured: nothing listens there
        ({"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"}, 0),
        ({"all_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1"}, 0),
    ],
)
def test_proxy_variables_are_honoured(agent: str, proxy: dict[str, str], code: int) -> None:
    env = {k: v for k, v in _env().items() if not k.lower().endswith("_proxy")}
    proc = subprocess.run(
        [A2A, "stream", "hi", "-a", agent, "-o", "json"],
        capture_output=True,
        text=True,
        env={**env, **proxy},
        timeout=30,
    )
    assert proc.returncode == code, proc.stderr


def _compressing_agent(encoding: str) -> Any:
    """A 1.0 JSON-RPC agent whose event stream comes Content-Encoding: gzip or deflate (as some proxies send it)."""
    import gzip
    import zlib

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    ids = {"taskId": "t-z", "contextId": "c-z"}
    events = [
        {"task": {"id": "t-z", "contextId": "c-z", "status": {"state": "TASK_STATE_WORKING"}}},
        *(
            {"artifactUpdate": {**ids, "append": i > 0, "artifact": {"artifactId": "a", "parts": [{"text": word}]}}}
            for i, word in enumerate(["squeezed ", "and ", "whole"])
        ),
        {"statusUpdate": {**ids, "status": {"state": "TASK_STATE_COMPLETED"}}},
    ]

    async def card(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "name": "z",
                "description": "compressed streams",
                "version": "1",
                "capabilities": {"streaming": True},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [],
                "supportedInterfaces": [{"url": f"{base}/rpc", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
            }
        )

    async def rpc(request: Request) -> Response:
        rid = (await request.json())["id"]
        body = b"".join(
            b"data: " + json.dumps({"jsonrpc": "2.0", "id": rid, "result": e}).encode() + b"\n\n" for e in events
        )
        packed = gzip.compress(body) if encoding == "gzip" else zlib.compress(body)
        return Response(packed, media_type="text/event-stream", headers={"Content-Encoding": encoding})

    return Starlette(routes=[Route("/.well-known/agent-card.json", card), Route("/rpc", rpc, methods=["POST"])])


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_event_stream_is_read_whole(encoding: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.server import serve_in_thread

    with serve_in_thread(_compressing_agent(encoding)) as base:
        assert run(["stream", "hi", "-a", base, "-o", "json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    words = "".join(
        p["text"] for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"]
    )
    assert words == "squeezed and whole" and len(events) == 5


def test_wrap_breaks_are_riches_own_line_breaks() -> None:
    """The live model commits the lines Rich would print for the whole paragraph (wide characters, folded words
    and runs of blanks included), so scrollback and the live region agree."""
    import random

    from rich.console import Console
    from rich.text import Text

    from a2acli.render.live import wrap_breaks

    rng = random.Random(13)
    for _ in range(500):
        width = rng.randint(5, 60)
        text = "".join(
            "".join(rng.choice("abcdé漢") for _ in range(rng.choice([1, 2, 3, 5, 8, 13, 70]))) + rng.choice(" \u3000  ")
            for _ in range(rng.randint(1, 40))
        )
        console = Console(width=width, file=io.StringIO())
        expected = [line.plain.rstrip() for line in Text(text).wrap(console, width)]
        breaks = wrap_breaks(text, width)
        assert [text[a:b].rstrip() for a, b in zip([0, *breaks], [*breaks, len(text)], strict=True)] == expected


@pytest.mark.parametrize("command", ["stream", "send"])
def test_no_prompt_hints_the_command_that_was_run(command: str) -> None:
    """Issue 13: `a2a stream` with nothing to send hinted `a2a send "your message"`."""
    from tests.support.pty import run_in_pty

    code, out = run_in_pty([A2A, command, "-a", "http://127.0.0.1:9"], _env())  # stdin a terminal: no prompt
    text = _ANSI.sub("", out.decode("utf-8", "replace"))
    assert code == 2 and "nothing to send" in text and f'a2a {command} "your message"' in text, text
    for argv in ([command, "-a", "http://127.0.0.1:9"], [command, "", "-a", "http://127.0.0.1:9"]):
        proc = subprocess.run([A2A, *argv], capture_output=True, text=True, env=_env(), stdin=subprocess.DEVNULL)
        assert proc.returncode == 2 and f"a2a {command} " in proc.stderr, proc.stderr
        assert command == "send" or "a2a send" not in proc.stderr, proc.stderr
