"""The README's `jq` recipes, run as written against the real demo agent (the user guide must not lie)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("jq") is None or shutil.which("bash") is None, reason="needs jq, bash")


def _recipes() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Scripting with `jq`")
    end = readme.index("<!-- section: toolkit -->", start)
    return re.findall(r"```sh\n(.*?)```", readme[start:end], flags=re.S)


def _recipe(keyword: str) -> str:
    found = [r for r in _recipes() if keyword in r]
    assert len(found) == 1, f"one README recipe should contain {keyword!r}: {found}"
    return found[0]


def _bash(script: str, agent_card: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # the `a2a` under test
    env["A2ACLI_AGENT_CARD"] = agent_card
    return subprocess.run(
        ["bash", "-c", "set -o pipefail\n" + script], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_there_are_recipes() -> None:
    assert len(_recipes()) >= 5


def test_recipe_artifact_text(agent: str, tmp_path: Path) -> None:
    proc = _bash(_recipe('a2a send -o json "Tell me a story"'), agent, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities.\n"
    )
    # the same filter reads a direct Message reply
    message = _recipe('a2a send -o json "Tell me a story"').replace("Tell me a story", "/scenario message")
    proc = _bash(message, agent, tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr


def test_recipe_watch_states(agent: str, tmp_path: Path) -> None:
    proc = _bash(_recipe("--unbuffered"), agent, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["TASK_STATE_SUBMITTED", "TASK_STATE_WORKING", "TASK_STATE_COMPLETED"]


def test_recipe_async_then_wait(agent: str, tmp_path: Path) -> None:
    proc = _bash(_recipe("--async"), agent, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "TASK_STATE_COMPLETED\n"


def test_recipe_ci_card_check(agent: str, tmp_path: Path) -> None:
    script = _recipe("::error::")
    good = _bash(script, agent, tmp_path)
    assert good.returncode == 0 and good.stdout == "", good.stdout + good.stderr
    assert json.loads((tmp_path / "card-report.json").read_text())["valid"] is True
    bad_card = tmp_path / "broken-card.json"
    bad_card.write_text('{"name": "broken", "version": "1"}')
    bad = _bash(script, str(bad_card), tmp_path)
    assert bad.returncode == 1
    annotations = bad.stdout.splitlines()
    assert annotations and all(line.startswith("::error::") for line in annotations)
    assert any("/skills" in line for line in annotations)
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    unreachable = _bash(script, f"127.0.0.1:{port}", tmp_path)
    assert unreachable.returncode == 1
    assert unreachable.stdout.startswith("::error::A2ACLI_ERR_UNREACHABLE: "), unreachable.stdout


def test_recipe_error_code(agent: str, tmp_path: Path) -> None:
    proc = _bash(_recipe("no-such-task"), agent, tmp_path)
    assert proc.returncode == 1  # pipefail: a2a's own exit status
    assert proc.stdout == "TaskNotFoundError\n"


def _console_blocks(path: Path) -> list[tuple[str, str]]:
    """(commands, expected output) of each ```console block: `$ ` lines are commands, the rest output."""
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", path.read_text(), flags=re.S):
        commands = [line[2:] for line in body.splitlines() if line.startswith("$ ")]
        output = [line for line in body.splitlines() if not line.startswith("$ ")]
        blocks.append(("\n".join(commands), "\n".join(output) + "\n"))
    return blocks


def test_skill_examples_are_real(agent: str, tmp_path: Path) -> None:
    """docs/skill-examples.md shows what the program prints (the agent's ids are the only thing that varies)."""
    blocks = _console_blocks(ROOT / "docs" / "skill-examples.md")
    assert len(blocks) >= 5
    for commands, expected in blocks:
        proc = _bash(commands, agent, tmp_path)
        assert proc.stdout == expected, f"{commands}\n--- printed:\n{proc.stdout}--- stderr:\n{proc.stderr}"
