"""What `a2a` writes to disk while it talks to an agent: exactly what the README says, nothing else.

The README once said `a2a` never writes a file, while it keeps an HTTP cache of Agent Cards. A person who
audits what a tool leaves behind must find every path it writes named there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.agent import demo_agent

ROOT = Path(__file__).resolve().parents[1]
A2A = str(Path(sys.executable).with_name("a2a"))


def _files(top: Path) -> set[str]:
    return {str(p.relative_to(top)) for p in top.rglob("*") if p.is_file()}


def test_the_only_file_written_is_the_card_cache_the_readme_names(tmp_path: Path) -> None:
    home, cache, work = tmp_path / "home", tmp_path / "cache", tmp_path / "work"
    for d in (home, cache, work):
        d.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(cache))
    with demo_agent() as url:
        for args in (["card"], ["send", "hi"], ["stream", "hi"], ["send", "-o", "json", "hi"]):
            proc = subprocess.run(
                [A2A, *args, "-a", url], cwd=work, env=env, capture_output=True, text=True, timeout=60, check=False
            )
            assert proc.returncode == 0, proc.stderr
    assert not _files(home) and not _files(work), "nothing in HOME or the working directory"
    written = _files(cache)
    assert written and all(p.startswith("a2a-cli/cards/") for p in written), written
    readme = (ROOT / "README.md").read_text()
    assert "`~/.cache/a2a-cli/cards/`" in readme and "never writes a file" not in readme
