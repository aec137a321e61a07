"""gRPC interop, four directions, real peers only:

- `a2a --transport GRPC` against a plain a2a-sdk 1.3 gRPC server (tests/interop/sdk_grpc/server.py, 1.0 and 0.3)
  and against the @a2a-js/sdk 1.3 gRPC server (its `server/grpc` entry, tests/interop/js-grpc/server.mjs);
- the a2a-sdk 1.3 gRPC client (tests/test_grpc_server.py holds its full run) and the @a2a-js/sdk gRPC client
  (tests/interop/js-grpc/client.mjs) against `a2a serve --grpc-port`.

The JS packages are installed with npm into tests/interop/js-grpc/node_modules (gitignored) on first use; those
tests skip only when node or npm is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("grpc")

from a2acli.agent.options import TUTORIAL_REPLY
from a2acli.cli import run
from tests.support.agent import demo_agent

INTEROP = Path(__file__).parent / "interop"
JS_DIR = INTEROP / "js-grpc"


@pytest.fixture(scope="module")
def js_grpc() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node/npm not installed")
    if not (JS_DIR / "node_modules" / "@grpc" / "grpc-js" / "package.json").is_file():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"npm ci of @a2a-js/sdk + @grpc/grpc-js failed:\n{done.stderr[-2000:]}"
    return JS_DIR


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[Any]:
    """Start a peer server command; yield the path of the card it printed (stdin closed at the end stops it)."""
    procs: list[subprocess.Popen[str]] = []

    def start(cmd: list[str], cwd: Path | None = None) -> str:
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip(), proc.stderr.read() if proc.stderr else "no card"
        card = tmp_path / f"card{len(procs)}.json"
        card.write_text(line)
        return str(card)

    yield start
    for proc in procs:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _events(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]], str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(
        p.get("text", "") for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"]
    )


@pytest.mark.parametrize("version", ["1.0", "0.3"])
def test_a2a_streams_from_the_a2a_sdk_grpc_server(peer: Any, version: str, capsys: pytest.CaptureFixture[str]) -> None:
    card = peer([sys.executable, str(INTEROP / "sdk_grpc" / "server.py"), version])
    pin = ["--a2a-version", "0.3"] if version == "0.3" else []
    code, events, err = _events(capsys, "stream", "hello", "-a", card, "-o", "json", *pin)
    assert code == 0, err
    assert _text(events) == "Hello from the a2a-sdk gRPC server"
    assert "task" in events[0]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    task_id = events[0]["task"]["id"]
    code, docs, err = _events(capsys, "task", "get", task_id, "-a", card, "-o", "json", *pin)
    assert code == 0, err
    assert docs[0]["status"]["state"] == "TASK_STATE_COMPLETED"  # 1.0 JSON, whatever the server's version
    code, _, err = _events(capsys, "task", "get", "no-such-task", "-a", card, *pin)
    assert code == 1 and "TaskNotFoundError" in err


def test_a2a_streams_from_the_a2a_js_grpc_server(js_grpc: Path, peer: Any, capsys: pytest.CaptureFixture[str]) -> None:
    card = peer(["node", "server.mjs"], cwd=js_grpc)
    code, events, err = _events(capsys, "stream", "hello", "-a", card, "-o", "json")
    assert code == 0, err
    assert _text(events) == "Hello from the a2a-js gRPC server"
    updates = [e["artifactUpdate"] for e in events if "artifactUpdate" in e]
    assert [bool(u.get("append")) for u in updates] == [False] + [True] * (len(updates) - 1)
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    task_id = events[0]["task"]["id"]
    code, docs, err = _events(capsys, "task", "get", task_id, "-a", card, "-o", "json")
    assert code == 0, err
    assert docs[0]["status"]["state"] == "TASK_STATE_COMPLETED"
    code, _, err = _events(capsys, "task", "get", "no-such-task", "-a", card)
    assert code == 1 and "TaskNotFoundError" in err, err


def test_the_a2a_js_grpc_client_streams_from_a2a_serve(js_grpc: Path) -> None:
    with demo_agent(grpc_port=0, delay=0.01) as url:
        done = subprocess.run(["node", "client.mjs", url], cwd=js_grpc, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    summary = lines.pop()
    assert summary == {"done": True, "transport": "GRPC", "task": "TASK_STATE_COMPLETED", "text": TUTORIAL_REPLY}
    assert lines[0] == {"kind": "task", "state": "TASK_STATE_SUBMITTED"}
    assert lines[-1] == {"kind": "statusUpdate", "state": "TASK_STATE_COMPLETED"}
    chunks = [line for line in lines if line["kind"] == "artifactUpdate"]
    assert "".join(c["text"] for c in chunks) == TUTORIAL_REPLY
    assert len(chunks) == len(TUTORIAL_REPLY.split())
    assert [c["append"] for c in chunks] == [False] + [True] * (len(chunks) - 1)
    assert [c["lastChunk"] for c in chunks] == [False] * (len(chunks) - 1) + [True]
