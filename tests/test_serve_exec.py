"""`a2a serve --exec CMD`: small real Python programs served as agents, streamed with the real `a2a stream`.

Each program is a real process run by the real executor (agent/exec_agent.py) behind the real app on uvicorn;
the client is the `a2a` binary. Timing assertions are coarse (a second or more), the machine is loaded.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from a2acli.agent.modes import exec_options
from tests.support.agent import demo_agent

A2A = str(Path(sys.executable).with_name("a2a"))
PY = sys.executable


def _program(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return f"{PY} {path}"


def _exec_agent(command: str, **fields: Any) -> Any:
    grace = fields.pop("kill_grace", None)
    options = exec_options(command, **fields)
    if grace is not None:
        options = dataclasses.replace(options, kill_grace=grace)
    return demo_agent(command=options)


def _stream(url: str, text: str, *extra: str, timeout: float = 60) -> tuple[int, list[dict[str, Any]], str]:
    done = subprocess.run(
        [A2A, "stream", "-a", url, "-o", "json", *extra, text], capture_output=True, text=True, timeout=timeout
    )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, events, done.stderr


def _chunks(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["artifactUpdate"] for e in events if "artifactUpdate" in e]


def _final_state(events: list[dict[str, Any]]) -> str:
    states = [(e.get("statusUpdate") or e.get("task") or {}).get("status", {}).get("state") for e in events]
    return next((s for s in reversed(states) if s), "")


WORDS = """
    import sys, time
    words = ["alpha", "beta"] + sys.stdin.read().split()
    for i, word in enumerate(words):
        print(word, flush=True)
        print(f"working on {word}", file=sys.stderr, flush=True)
        if i == 0:
            time.sleep(1.5)
"""


@pytest.mark.parametrize(("transport", "version"), [("JSONRPC", "1.0"), ("HTTP+JSON", "1.0"), ("JSONRPC", "0.3")])
def test_words_stream_as_chunks_of_one_artifact_the_moment_they_are_printed(
    tmp_path: Path, transport: str, version: str
) -> None:
    with _exec_agent(_program(tmp_path, "words.py", WORDS)) as url:
        proc = subprocess.Popen(
            [A2A, "stream", "-a", url, "-o", "json", "--transport", transport, "--a2a-version", version, "one two"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        arrivals: list[tuple[float, dict[str, Any]]] = []
        for line in proc.stdout:
            arrivals.append((time.monotonic(), json.loads(line)))
        assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    events = [e for _, e in arrivals]
    chunks = _chunks(events)
    texts = [c["artifact"]["parts"][0]["text"] for c in chunks]
    assert "".join(texts) == "alpha\nbeta\none\ntwo\n"
    assert [bool(c.get("append")) for c in chunks] == [False] + [True] * (len(chunks) - 1)
    assert [bool(c.get("lastChunk")) for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert len({c["artifact"]["artifactId"] for c in chunks}) == 1
    # "alpha" reached the client while the program slept before "beta": streamed, not collected.
    first = next(t for t, e in arrivals if "artifactUpdate" in e)
    beta = next(t for t, e in arrivals if "artifactUpdate" in e and "beta" in json.dumps(e))
    assert beta - first >= 1.0
    statuses = [
        e["statusUpdate"]["status"]["message"]["parts"][0]["text"]
        for e in events
        if "statusUpdate" in e and "message" in e["statusUpdate"]["status"]
    ]
    assert statuses == ["working on alpha", "working on beta", "working on one", "working on two"]
    assert _final_state(events) == "TASK_STATE_COMPLETED"


def test_a_failing_command_fails_the_task_with_the_tail_of_its_stderr(tmp_path: Path) -> None:
    program = """
        import sys
        print("partial output", flush=True)
        for i in range(40):
            print(f"log line {i}", file=sys.stderr)
        print("boom: the disk is full", file=sys.stderr)
        sys.exit(3)
    """
    with _exec_agent(_program(tmp_path, "fails.py", program)) as url:
        code, events, stderr = _stream(url, "go")
    assert code == 0  # SPEC §6.6: the turn was conducted; the outcome is the task's state
    assert "FAILED" in stderr
    final = [e for e in events if "statusUpdate" in e][-1]["statusUpdate"]["status"]
    assert final["state"] == "TASK_STATE_FAILED"
    reason = final["message"]["parts"][0]["text"]
    assert reason.splitlines()[0].endswith("fails.py exited with status 3")
    assert "boom: the disk is full" in reason and "log line 39" in reason
    assert "log line 0\n" not in reason  # the tail only
    assert "".join(c["artifact"]["parts"][0]["text"] for c in _chunks(events)) == "partial output\n"


def test_cancel_stops_a_command_that_ignores_sigterm(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    program = f"""
        import os, signal, sys, time
        signal.signal(signal.SIGTERM, lambda *_: print("ignoring SIGTERM", file=sys.stderr, flush=True))
        child = os.fork()
        if child == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(600)
            os._exit(0)
        open({str(pid_file)!r}, "w").write(f"{{os.getpid()}} {{child}}")
        print("started", flush=True)
        while True:
            time.sleep(0.1)
    """
    with _exec_agent(_program(tmp_path, "stubborn.py", program), kill_grace=1.0) as url:
        proc = subprocess.Popen(
            [A2A, "stream", "-a", url, "-o", "json", "go"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        task_id = ""
        for line in proc.stdout:
            event = json.loads(line)
            if "artifactUpdate" in event:
                task_id = event["artifactUpdate"]["taskId"]
                break
        assert task_id
        pids = [int(p) for p in pid_file.read_text().split()]
        started = time.monotonic()
        cancel = subprocess.run(
            [A2A, "task", "cancel", task_id, "-a", url, "-o", "json"], capture_output=True, text=True, timeout=30
        )
        took = time.monotonic() - started
        rest = [json.loads(line) for line in proc.stdout]
        proc.wait(timeout=30)
    assert cancel.returncode == 0, cancel.stderr
    assert json.loads(cancel.stdout)["status"]["state"] == "TASK_STATE_CANCELED"
    assert took >= 1.0  # SIGTERM was ignored: SIGKILL came after the grace period
    for pid in pids:  # the leader and its child (same group) are gone
        assert not _alive(pid), pid
    assert "ignoring SIGTERM" in json.dumps(rest) or rest == [] or _final_state(rest) == "TASK_STATE_CANCELED"


def _alive(pid: int) -> bool:
    """Running (a zombie, killed and waiting for a reaper that is not ours, is not)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.1)
    return True


def test_ten_megabytes_of_output_stream_through_and_a_cap_drops_the_rest(tmp_path: Path) -> None:
    program = """
        import sys
        line = "x" * 99 + "\\n"
        for _ in range(100_000):
            sys.stdout.write(line)
        sys.stdout.flush()
    """
    command = _program(tmp_path, "big.py", program)
    with _exec_agent(command) as url:
        code, events, stderr = _stream(url, "go")
        assert code == 0, stderr
        text = "".join(c["artifact"]["parts"][0]["text"] for c in _chunks(events))
        assert len(text) == 10_000_000 and set(text) == {"x", "\n"}
        assert len(_chunks(events)) < 1000  # read in pipe-sized chunks, not one event a line
    # A cap: the command is still read to its end (it completes: never blocked on a full pipe), the rest dropped.
    with _exec_agent(command, max_output_bytes=1_000_000) as url:
        code, events, stderr = _stream(url, "go")
    assert code == 0, stderr
    text = "".join(c["artifact"]["parts"][0]["text"] for c in _chunks(events))
    assert len(text) == 1_000_000
    notes = json.dumps([e for e in events if "statusUpdate" in e])
    assert "output past 1000000 bytes was dropped (9000000 bytes)" in notes
    assert _final_state(events) == "TASK_STATE_COMPLETED"


def test_exec_timeout_fails_the_task(tmp_path: Path) -> None:
    program = "import time\nprint('waiting', flush=True)\ntime.sleep(600)\n"
    with _exec_agent(_program(tmp_path, "slow.py", program), timeout=1.0, kill_grace=0.5) as url:
        started = time.monotonic()
        code, events, _ = _stream(url, "go")
    assert code == 0
    assert time.monotonic() - started < 20
    final = [e for e in events if "statusUpdate" in e][-1]["statusUpdate"]["status"]
    assert final["state"] == "TASK_STATE_FAILED"
    assert final["message"]["parts"][0]["text"].splitlines()[0].endswith("slow.py timed out after 1 s")


def test_max_concurrency_queues_runs_beyond_it(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    program = f"""
        import time
        start = time.time()
        time.sleep(1.0)
        with open({str(log)!r}, "a") as f:
            f.write(f"{{start}} {{time.time()}}\\n")
        print("ok")
    """
    with _exec_agent(_program(tmp_path, "one_at_a_time.py", program), max_concurrency=1) as url:
        results: list[int] = []

        def one() -> None:
            results.append(_stream(url, "go")[0])

        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert results == [0, 0]
    runs = sorted(tuple(map(float, line.split())) for line in log.read_text().splitlines())
    assert len(runs) == 2
    assert runs[1][0] >= runs[0][1] - 0.05  # the second started after the first ended


def test_json_input_and_the_message_and_task_files(tmp_path: Path) -> None:
    program = """
        import json, os, stat, sys
        message = json.load(sys.stdin)
        print(message["parts"][0]["text"])
        path = os.environ["A2A_MESSAGE_FILE"]
        print(oct(stat.S_IMODE(os.stat(path).st_mode)))
        print(json.load(open(path))["messageId"] == message["messageId"])
        print(os.environ["A2A_TASK_ID"])
        print(json.load(open(os.environ["A2A_TASK_FILE"]))["id"] == os.environ["A2A_TASK_ID"])
    """
    with _exec_agent(_program(tmp_path, "reads_json.py", program), input_mode="json") as url:
        code, events, stderr = _stream(url, "hello json")
    assert code == 0, stderr
    lines = "".join(c["artifact"]["parts"][0]["text"] for c in _chunks(events)).splitlines()
    task_id = _chunks(events)[0]["taskId"]
    assert lines == ["hello json", "0o600", "True", task_id, "True"]


def test_the_card_names_the_command_skill(tmp_path: Path) -> None:
    command = _program(tmp_path, "words.py", WORDS)
    with _exec_agent(command, skill_name="Word lister", skill_description="Lists words.") as url:
        card = httpx.get(url + "/.well-known/agent-card.json", headers={"A2A-Version": "1.0"}).json()
    assert card["name"] == "Word lister"
    assert card["skills"][0]["name"] == "Word lister"
    assert card["skills"][0]["description"] == "Lists words."


@pytest.fixture
def serve_cli() -> Iterator[Any]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([A2A, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=30)

    yield run


def test_bad_exec_flags_are_one_line_usage_errors(serve_cli: Any) -> None:
    for args, expected in (
        (["--exec", "no-such-program-a2a"], "--exec: no such program: no-such-program-a2a"),
        (["--exec", "echo 'unclosed"], "--exec: cannot split"),
        (["--exec", "echo", "--proxy", "http://127.0.0.1:9"], "--exec and --proxy cannot be combined"),
        (["--exec", "echo", "--exec-input", "xml"], "--exec-input: expected text or json"),
    ):
        done = serve_cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) <= 2


def test_a2a_serve_exec_as_a_real_process(tmp_path: Path) -> None:
    """The one-liner of the issue: `a2a serve --exec CMD`, streamed with `a2a stream`."""
    from tests.test_serve import serve_process

    one_liner = f'{PY} -c "import sys; [print(w, flush=True) for w in sys.stdin.read().split()]"'
    with serve_process("--exec", one_liner) as (proc, url):
        done = subprocess.run([A2A, "stream", "-a", url, "a b c"], capture_output=True, text=True, timeout=30)
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert done.returncode == 0, done.stderr
    assert "a\nb\nc\n" in done.stdout
    assert "(--exec) on http://127.0.0.1:" in err
    assert proc.returncode == 0


def test_a_server_stop_ends_running_commands_and_a_restart_fails_their_tasks(tmp_path: Path) -> None:
    """No command outlives `a2a serve`; on `--store sqlite` the interrupted task is FAILED after a restart (its
    process is gone: it cannot be resumed as a demo task is)."""
    from tests.test_serve import serve_process

    pid_file = tmp_path / "pid"
    program = _program(
        tmp_path,
        "forever.py",
        f"""
        import os, time
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        print("started", flush=True)
        time.sleep(600)
        """,
    )
    store = f"sqlite:///{tmp_path / 'tasks.db'}"
    with serve_process("--exec", program, "--store", store) as (proc, url):
        stream = subprocess.Popen(
            [A2A, "stream", "-a", url, "-o", "json", "go"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert stream.stdout is not None
        task_id = ""
        for line in stream.stdout:
            event = json.loads(line)
            if "artifactUpdate" in event:
                task_id = event["artifactUpdate"]["taskId"]
                break
        proc.terminate()
        proc.communicate(timeout=30)
        stream.kill()
        stream.wait(timeout=10)
    assert task_id and proc.returncode == 0
    assert not _alive(int(pid_file.read_text()))
    with serve_process("--exec", program, "--store", store) as (proc, url):
        got = subprocess.run(
            [A2A, "task", "get", task_id, "-a", url, "-o", "json"], capture_output=True, text=True, timeout=30
        )
        proc.terminate()
        proc.communicate(timeout=30)
    assert got.returncode == 0, got.stderr
    status = json.loads(got.stdout)["status"]
    assert status["state"] == "TASK_STATE_FAILED"
    assert "restarted" in status["message"]["parts"][0]["text"]


def test_no_shell_unless_the_command_names_one(tmp_path: Path) -> None:
    """`--exec` splits like a shell but runs no shell: `$HOME`, `;` and `|` reach the program as they are."""
    with _exec_agent("echo $HOME ; ls | wc") as url:
        code, events, stderr = _stream(url, "x")
    assert code == 0, stderr
    assert "".join(c["artifact"]["parts"][0]["text"] for c in _chunks(events)) == "$HOME ; ls | wc\n"
    with _exec_agent("sh -c 'echo from a shell; echo $0'") as url:
        code, events, stderr = _stream(url, "x")
    assert "".join(c["artifact"]["parts"][0]["text"] for c in _chunks(events)) == "from a shell\nsh\n"


def test_a_command_that_never_reads_its_stdin_still_completes() -> None:
    """A message larger than the pipe buffer, to a command that exits without reading it."""
    with _exec_agent("echo done") as url:
        code, events, stderr = _stream(url, "y" * 100_000)  # past the 64 KiB pipe buffer, under one argv string's limit
    assert code == 0, stderr
    assert "".join(c["artifact"]["parts"][0]["text"] for c in _chunks(events)) == "done\n"
    assert _final_state(events) == "TASK_STATE_COMPLETED"


def test_invalid_utf8_and_a_line_longer_than_a_read(tmp_path: Path) -> None:
    program = """
        import sys
        sys.stdout.buffer.write(b"\\xff\\xfeok\\n")
        sys.stdout.buffer.write("é".encode() * 150_000)  # 300 KB, no newline, a character split across reads
        sys.stdout.flush()
    """
    with _exec_agent(_program(tmp_path, "bytes.py", program)) as url:
        code, events, stderr = _stream(url, "x")
    assert code == 0, stderr
    text = "".join(c["artifact"]["parts"][0]["text"] for c in _chunks(events))
    assert text == "\ufffd\ufffdok\n" + "é" * 150_000
    assert len(_chunks(events)) > 3  # the long line came in pieces, as it was read
