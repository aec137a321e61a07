"""scripts/screenshots.py outside the project's environment: a one-line error, exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "screenshots.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*args], capture_output=True, text=True, timeout=60, check=False)


def test_without_rich_it_says_how_to_run_it(tmp_path: Path) -> None:
    # -S -I: no site-packages, as a bare system Python outside the venv
    proc = _run(sys.executable, "-S", "-I", str(SCRIPT), "--out", str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: Rich is not installed") and ".venv/bin/python scripts/screenshots.py" in line
    assert not list(tmp_path.iterdir())


def test_without_a2a_it_says_so(tmp_path: Path) -> None:
    proc = _run(sys.executable, str(SCRIPT), "--out", str(tmp_path), "--a2a", str(tmp_path / "no-such-a2a"))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: no a2a program at ") and "--a2a PATH" in line
