"""Interop with the @a2a-js/sdk client (real Node process, no mocks): it streams from the demo agent to a
completed task over JSON-RPC and HTTP+JSON, as a 1.0 client and through its 0.3 compat layer.

The SDK is installed with npm into tests/interop/js/node_modules (gitignored) on first use; the test skips only
when node or npm is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from a2acli.agent.options import TUTORIAL_REPLY
from tests.support.agent import demo_agent

JS_DIR = Path(__file__).parent / "interop" / "js"


@pytest.fixture(scope="module")
def js_client() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node/npm not installed")
    if not (JS_DIR / "node_modules" / "@a2a-js" / "sdk" / "package.json").is_file():
        cmd = [npm, "ci" if (JS_DIR / "package-lock.json").is_file() else "install", "--no-audit", "--no-fund"]
        done = subprocess.run(cmd, cwd=JS_DIR, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"npm install of @a2a-js/sdk failed:\n{done.stderr[-2000:]}"
    return JS_DIR / "client.mjs"


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
@pytest.mark.parametrize("version", ["1.0", "0.3"])
def test_js_sdk_client_streams_to_completed(js_client: Path, binding: str, version: str) -> None:
    with demo_agent() as url:
        done = subprocess.run(
            ["node", str(js_client), url, binding, version], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    summary = lines.pop()
    assert summary == {"done": True, "transport": binding, "version": version}
    assert lines[0] == {"kind": "task", "state": "TASK_STATE_SUBMITTED"}
    assert lines[-1] == {"kind": "statusUpdate", "state": "TASK_STATE_COMPLETED"}
    chunks = [line for line in lines if line["kind"] == "artifactUpdate"]
    assert "".join(c["text"] for c in chunks) == TUTORIAL_REPLY
    assert len({c["artifactId"] for c in chunks}) == 1
    if (version, binding) != ("0.3", "HTTP+JSON"):
        # @a2a-js/sdk 1.3.0's 0.3 REST transport drops `append` when decoding (FromProto.taskArtifactUpdateEvent
        # copies lastChunk only); the wire carries it: tests/test_agent_basic.py checks /v1/message:stream raw.
        assert [c["append"] for c in chunks] == [False] + [True] * (len(chunks) - 1)
    assert [c["lastChunk"] for c in chunks] == [False] * (len(chunks) - 1) + [True]
