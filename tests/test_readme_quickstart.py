"""The README's quickstart one-liner, run as a person runs it: in an interactive bash on a terminal.

It must end cleanly: exit 0, no `Terminated` (a `kill %1` inside the subshell signals the subshell's own
process group), and the server's shutdown lines written before the shell gets its prompt back.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.support.pty import run_in_pty
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[1]


def _quickstart_line() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1]
    block = re.search(r"```sh\n(.+?)\n```", section, flags=re.S)
    assert block, "the quickstart has a shell block"
    line = block.group(1).strip()
    assert "pip install . && " in line, line
    return line.split("pip install . && ", 1)[1]  # what runs after the install: serve, card, stream, stop


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_quickstart_ends_cleanly_in_an_interactive_shell(tmp_path: Path) -> None:
    line = _quickstart_line()
    assert line.startswith("(a2a serve"), line
    # The server's start-up time on a loaded CI machine: give it longer than a person's machine needs.
    line = re.sub(r"sleep \d+(\.\d+)?", "sleep 8", line, count=1)
    port = free_port()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "A2ACLI_SERVE_PORT": str(port),
        "A2ACLI_AGENT_CARD": f"127.0.0.1:{port}",
    }
    status, out = run_in_pty(
        ["/bin/bash", "--norc", "--noprofile", "-i", "-c", f"{line}; echo __status=$?"],
        env,
        timeout=90,
    )
    text = out.decode(errors="replace")
    assert "__status=0" in text, text[-2000:]
    assert "Terminated" not in text, text[-2000:]
    assert status == 0, text[-2000:]
    assert text.count("Streaming Demo Agent") >= 2, "the server's banner, then a2a card showed the card"
    # The server's last line lands before the shell is back.
    assert text.index("a2acli.serve: stopped") < text.index("__status=0"), text[-2000:]
