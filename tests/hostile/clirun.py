"""Running the real CLI against hostile agents, and the checks every run must pass.

- `run_cli(argv, capsys)`: `a2acli.cli.run` in-process (stdout is not a TTY: the text floor or JSON).
- `run_subprocess(argv)`: `python -m a2acli` as a child; peak RSS of that child from `os.wait4`.
- `run_pty(argv)`: the same with stdout/stderr on a pseudo-terminal (the Rich path).
- `check_run(result, ...)`: exit status and error code as expected, one `error:` line, no traceback, and not one
  agent-supplied escape byte on stdout/stderr (JSON mode included: JSON strings must carry them escaped).

Every run is recorded (`OBSERVATIONS`); with HOSTILE_REPORT=path the hostile conftest writes them as a Markdown
table at the end of the session (exit status, seconds, peak RSS where measured).
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hostile.servers import EVIL_BYTES, EVIL_TITLE

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    argv: list[str]
    code: int
    out: str
    err: str
    seconds: float
    peak_rss_mb: float | None = None
    tty: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def json_mode(self) -> bool:
        a = self.argv
        return "--jsonl" in a or any(a[i] in ("-o", "--output") and a[i + 1] == "json" for i in range(len(a) - 1))


@dataclass
class Observation:
    case: str
    mode: str
    code: int
    error_code: str
    seconds: float
    peak_rss_mb: float | None


OBSERVATIONS: list[Observation] = []

_ERROR_CODE = re.compile(r"\[([A-Za-z0-9_]+)\]")


def error_code(result: Result) -> str:
    for line in result.err.splitlines():
        if line.startswith("error:"):
            m = _ERROR_CODE.findall(line)
            if m:
                return m[-1]
    return ""


def mode_of(argv: list[str]) -> str:
    cmd = argv[0]
    if "--jsonl" in argv:
        return f"{cmd} jsonl"
    if "json" in argv:
        return f"{cmd} json"
    return f"{cmd} text"


def record(case: str, result: Result) -> None:
    mode = mode_of(result.argv) + (" pty" if result.tty else "")
    OBSERVATIONS.append(
        Observation(case, mode, result.code, error_code(result), round(result.seconds, 2), result.peak_rss_mb)
    )


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Result:
    from a2acli.cli import run

    capsys.readouterr()
    start = time.monotonic()
    code = run(argv)
    seconds = time.monotonic() - start
    captured = capsys.readouterr()
    return Result(argv, code, captured.out, captured.err, seconds)


def _child_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env.update({"COLUMNS": "100", "LINES": "40", "TERM": "xterm-256color", "PYTHONUNBUFFERED": "1"})
    env.pop("NO_COLOR", None)
    env.update(extra or {})
    return env


def run_subprocess(argv: list[str], *, env: dict[str, str] | None = None, limit: float = 60.0) -> Result:
    """Run `python -m a2acli ARGV`; wait4 gives this child's own peak RSS (ru_maxrss, KiB on Linux)."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "a2acli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=_child_env(env),
        cwd=os.getcwd(),
    )
    out, err = _drain(proc, limit)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    return Result(argv, proc.returncode, out, err, seconds, peak_rss_mb=round(usage.ru_maxrss / 1024, 1))


def _drain(proc: subprocess.Popen[bytes], limit: float) -> tuple[str, str]:
    """Read both pipes until EOF without letting either fill up; kill the child past `limit` seconds."""
    assert proc.stdout is not None and proc.stderr is not None
    bufs: dict[int, bytearray] = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    open_fds = set(bufs)
    deadline = time.monotonic() + limit
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            proc.wait()
            pytest.fail(f"a2a {' '.join(proc.args[3:])} still running after {limit}s")  # type: ignore[index]
        ready, _, _ = select.select(list(open_fds), [], [], min(left, 1.0))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                bufs[fd] += chunk[: max(0, 4 * 1024 * 1024 - len(bufs[fd]))]  # keep at most 4 MiB per stream
            else:
                open_fds.discard(fd)
    return (
        bufs[proc.stdout.fileno()].decode("utf-8", "replace"),
        bufs[proc.stderr.fileno()].decode("utf-8", "replace"),
    )


def run_pty(argv: list[str], *, env: dict[str, str] | None = None, limit: float = 60.0) -> Result:
    """Run the CLI with stdout and stderr on a pseudo-terminal (Rich output); returns everything the TTY got."""
    import pty

    master, slave = pty.openpty()
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "a2acli", *argv],
        stdout=slave,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        env=_child_env(env),
        cwd=os.getcwd(),
        close_fds=True,
    )
    os.close(slave)
    data = bytearray()
    deadline = time.monotonic() + limit
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                pytest.fail(f"a2a {' '.join(argv)} still running on the pty after {limit}s")
            ready, _, _ = select.select([master], [], [], min(left, 1.0))
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the pty
                break
            if not chunk:
                break
            data += chunk
    finally:
        os.close(master)
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    text = data.decode("utf-8", "replace")
    return Result(argv, code, text, text, time.monotonic() - start, round(usage.ru_maxrss / 1024, 1), tty=True)


# Rich's own output on a TTY: SGR styling, cursor show/hide, erase line, cursor up, OSC 8 links it makes itself.
_RICH_OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[2K|\x1b\[[0-9]*[AGK]|\r")


def assert_terminal_clean(text: str, *, tty: bool = False, where: str = "output") -> None:
    """No agent-supplied control byte and no OSC payload (the title) may appear in what a terminal gets."""
    if tty:
        assert "\x1b]" not in text, f"an OSC sequence reached the terminal ({where}): {text[:500]!r}"
        text = _RICH_OWN.sub("", text)
    for byte in EVIL_BYTES:
        assert byte not in text, f"agent byte {byte!r} reached the terminal ({where}): {text[:500]!r}"
    assert EVIL_TITLE not in text, f"the OSC window-title payload reached the terminal ({where})"
    assert "\x1b[2J" not in text and "\x1b[?1049h" not in text


def check_run(
    result: Result,
    *,
    codes: set[int],
    errors: set[str] | None = None,
    max_seconds: float = 20.0,
    case: str = "",
) -> None:
    record(case or " ".join(result.argv[:1]), result)
    where = f"{' '.join(result.argv)} -> {result.code}"
    assert result.code in codes, f"{where}: exit {result.code} not in {codes}; stderr: {result.err[-800:]!r}"
    assert "Traceback" not in result.out + result.err, f"{where}: traceback: {result.err[-2000:]}"
    assert result.seconds < max_seconds, f"{where}: took {result.seconds:.1f}s"
    if not result.tty:
        assert_terminal_clean(result.err, where=f"stderr of {where}")
    if result.json_mode and not result.tty:
        lines = [ln for ln in result.out.splitlines() if ln.strip()]
        docs = [json.loads(ln) for ln in lines]  # every stdout line is JSON in JSON mode
        if result.code != 0:
            # the error envelope, or a validation report that is itself the result (`card validate -o json`)
            last = docs[-1] if docs else {}
            assert "error" in last or "valid" in last, f"{where}: no error object: {result.out[-500:]!r}"
        # JSON strings may hold the agent's text, but never a raw control byte: those must be \\u-escaped.
        assert_raw_bytes_escaped(result.out, where)
    else:
        assert_terminal_clean(result.out, tty=result.tty, where=f"stdout of {where}")
    if result.code != 0 and not result.tty:
        error_lines = [ln for ln in result.err.splitlines() if ln.startswith("error:")]
        assert len(error_lines) == 1, f"{where}: expected one error line, got: {result.err!r}"
        if errors is not None:
            assert error_code(result) in errors, f"{where}: error code {error_code(result)!r} not in {errors}"


def assert_raw_bytes_escaped(out: str, where: str) -> None:
    for byte in EVIL_BYTES:
        assert byte not in out, f"{where}: raw {byte!r} on stdout in JSON mode (must be JSON-escaped)"
