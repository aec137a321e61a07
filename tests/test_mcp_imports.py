"""The `mcp` SDK is imported only when `a2a mcp` runs: not by `--help`, `--version`, a Tab press, `a2a mcp --help`,
nor by any other command (their start-up is unchanged)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

_SDK = "sorted(m for m in sys.modules if m == 'mcp' or m.startswith('mcp.') or m == 'pydantic_settings')"


def _loaded(code: str, env: dict[str, str] | None = None) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys, json\n{code}\nprint(json.dumps({_SDK}))"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["help"],
        ["help", "mcp"],
        ["mcp", "--help"],
        ["send", "--help"],
        ["card", "--help"],
        ["config", "show"],
        ["card", "validate", "no-such-card.json"],
    ],
)
def test_no_command_but_a_running_mcp_imports_the_sdk(args: list[str]) -> None:
    assert _loaded(f"from a2acli.cli import run\nrun({args!r})") == []


def test_a_tab_press_imports_no_sdk() -> None:
    env = {"_A2A_COMPLETE": "complete_bash", "COMP_WORDS": "a2a mcp --", "COMP_CWORD": "2"}
    code = "from a2acli.cli import run\ntry:\n    run([])\nexcept SystemExit:\n    pass"
    assert _loaded(code, env) == []


def test_the_mcp_command_module_itself_imports_no_sdk() -> None:
    assert _loaded("import a2acli.commands.mcp, a2acli.mcp.launch, a2acli.mcp.tools, a2acli.mcp.calls") == []


def test_a_running_mcp_does_import_it() -> None:
    """The check above can fail: the server module does import the SDK."""
    assert "mcp.server.lowlevel" in _loaded("import a2acli.mcp.server")
