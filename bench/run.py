#!/usr/bin/env python3
"""The a2acli benchmark suite (issue 7). One command:

    .venv/bin/python bench/run.py [--quick | --smoke] [--runs N] [NAME ...]

NAME is any of: startup ingest render ttft server memory (default: all). Every benchmark prints its figure,
the baseline(s) measured side by side in the same run on the same machine, and the ratio against the target.
Results also go to bench/results/<UTC time>.json and bench/results/latest.json. See bench/README.md for the
method. A subject that is not built yet prints "not available" instead of failing the run.

Standard library only (plus the project's venv for the Python subjects and Node for the JS baseline).
Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import pty
import re
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
BIN = Path(PY).parent
A2A = str(BIN / "a2a") if (BIN / "a2a").exists() else (shutil.which("a2a") or str(BIN / "a2a"))
JS_DIR = BENCH / "baselines" / "js"
LOADGEN = BENCH / "tools" / "loadgen.mjs"
RESULTS = BENCH / "results"
NAMES = ("startup", "ingest", "render", "ttft", "server", "memory")
FORBIDDEN_ON_FAST_PATHS = ("a2a", "google.protobuf", "httpx", "httpx_sse", "uvicorn", "starlette", "sqlalchemy")


# ----------------------------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class Profile:
    name: str
    startup_runs: int
    ingest_runs: int
    ingest_events: int
    render_runs: int
    render_big_runs: int
    ttft_runs: int
    server_rounds: int
    server_clients: int
    server_per_client: int
    memory_streams: int
    memory_delay: float


PROFILES = {
    "full": Profile("full", 15, 5, 20_000, 5, 2, 10, 5, 20, 10, 1000, 30.0),
    "quick": Profile("quick", 7, 3, 20_000, 3, 1, 5, 1, 20, 10, 1000, 30.0),
    "smoke": Profile("smoke", 2, 1, 500, 1, 1, 2, 1, 4, 2, 50, 30.0),
}


# ----------------------------------------------------------------------------------------------- results


@dataclass
class Row:
    label: str
    value: float | None
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    ratio: float | None = None
    target: str | None = None
    passed: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Bench:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: str = "ok"

    def row(self, row: Row) -> None:
        self.rows.append(row)
        _print_row(row)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"    note: {text}", flush=True)

    def unavailable(self, subject: str, why: str) -> None:
        self.status = "partial"
        self.note(f"{subject}: not available ({why})")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "us":
        return f"{value:.1f} us"
    if unit == "s":
        return f"{value:.3f} s"
    if unit in ("KB", "MB"):
        return f"{value:,.1f} {unit}"
    if unit == "streams/s":
        return f"{value:.1f} streams/s"
    return f"{value:g} {unit}".strip()


def _print_row(r: Row) -> None:
    line = f"  {r.label:<44} {_fmt(r.value, r.unit):>18}"
    if r.baseline is not None:
        line += f"   vs {r.baseline} {_fmt(r.baseline_value, r.unit)}"
    if r.ratio is not None:
        line += f"   ratio {r.ratio:.2f}x"
    if r.target:
        verdict = "n/a" if r.passed is None else ("PASS" if r.passed else "MISS")
        line += f"   target {r.target}: {verdict}"
    print(line, flush=True)


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def percentile(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))  # nearest rank
    return s[k]


# ----------------------------------------------------------------------------------------------- processes


def clean_env(**extra: str) -> dict[str, str]:
    """The environment every subject runs in: no A2ACLI_* settings, no user config, no colour overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    # PYTHONDONTWRITEBYTECODE is dropped so the warm-up runs leave .pyc files, as any installed tool has.
    for k in (
        "NO_COLOR",
        "FORCE_COLOR",
        "COLUMNS",
        "LINES",
        "PYTHONSTARTUP",
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(k, None)
    env["HOME"] = str(SANDBOX)
    env["XDG_CONFIG_HOME"] = str(SANDBOX / ".config")
    env.update(extra)
    return env


SANDBOX = Path(tempfile.mkdtemp(prefix="a2acli-bench-"))


@dataclass
class Timed:
    wall_s: float
    maxrss_kb: int
    rc: int
    stderr: str
    cpu_s: float = 0.0  # user + system time of the child: steadier than wall time on a shared machine


def run_timed(
    cmd: list[str], *, env: dict[str, str] | None = None, stdout: Any = subprocess.DEVNULL, timeout: float = 300.0
) -> Timed:
    """Wall time from spawn to exit and the child's peak RSS (wait4 rusage); stderr kept for diagnosis."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err, env=env or clean_env(), cwd=SANDBOX
        )
        timer = threading.Timer(timeout, _kill, (proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    return Timed(wall, int(usage.ru_maxrss), proc.returncode, text, usage.ru_utime + usage.ru_stime)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return "no output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProc:
    """A server subprocess on loopback: started, waited for (card URL answers), stopped for sure."""

    def __init__(
        self, name: str, cmd: list[str], port: int | None, *, ready_line: bool = False, cwd: Path | None = None
    ) -> None:
        self.name, self.cmd, self.port = name, cmd, port
        self.ready_line = ready_line
        self.cwd = cwd or SANDBOX
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.error = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 40.0) -> bool:
        self.proc = subprocess.Popen(
            self.cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if self.ready_line else self.log,
            stderr=self.log,
            env=clean_env(),
            cwd=self.cwd,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        if self.ready_line:
            assert self.proc.stdout is not None
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            line = self.proc.stdout.readline().decode() if ready else ""
            if line.startswith("ready"):
                parts = line.split()
                if len(parts) > 1:
                    self.port = int(parts[1])
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.error = f"exited with {self.proc.returncode}: {first_line(self._log_text())}"
                return False
            try:
                with urllib.request.urlopen(self.url + "/.well-known/agent-card.json", timeout=2) as resp:
                    if resp.status == 200:
                        return True
            except OSError:
                time.sleep(0.1)
        self.error = f"not ready after {timeout:.0f} s: {first_line(self._log_text())}"
        return False

    def _log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(8)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()

    def __enter__(self) -> ServerProc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def proc_tree(pid: int) -> list[int]:
    """pid and all its descendants (servers with worker processes are measured as a whole)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_rss_kb(pid: int) -> int:
    total = 0
    for p in proc_tree(pid):
        with contextlib.suppress(OSError), open(f"/proc/{p}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def tree_cpu_s(pid: int) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in proc_tree(pid):
        with contextlib.suppress(OSError), open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


@contextlib.contextmanager
def canned_agent(events: int) -> Iterator[ServerProc]:
    srv = ServerProc(
        f"canned-{events}", [PY, str(BENCH / "canned_server.py"), "--events", str(events)], None, ready_line=True
    )
    try:
        if not srv.start(timeout=120):
            raise RuntimeError(f"canned agent did not start: {srv.error}")
        yield srv
    finally:
        srv.stop()


def interleaved(subjects: dict[str, Callable[[], Any]], runs: int) -> dict[str, list[Any]]:
    """Run every subject once per round, round after round, so machine noise falls on all of them alike."""
    out: dict[str, list[Any]] = {k: [] for k in subjects}
    for _ in range(runs):
        for name, fn in subjects.items():
            out[name].append(fn())
    return out


# ----------------------------------------------------------------------------------------------- 1. startup


def bench_startup(p: Profile) -> Bench:
    b = Bench("startup", "1. Start-up: help screens vs `import typer.rich_utils`; --version, completion vs `typer`")
    print(f"\n{b.title}", flush=True)
    completion_env = clean_env(_A2A_COMPLETE="complete_bash", COMP_WORDS="a2a ", COMP_CWORD="1")
    # name -> (command, environment, baseline name, target ratio)
    cmds: dict[str, tuple[list[str], dict[str, str], str | None, float | None]] = {
        "import typer": ([PY, "-c", "import typer"], clean_env(), None, None),
        "import typer.rich_utils": ([PY, "-c", "import typer.rich_utils"], clean_env(), None, None),
        "a2a --version": ([A2A, "--version"], clean_env(), "import typer", 1.3),
        "a2a completion request": ([A2A], completion_env, "import typer", 1.3),
        "a2a --help": ([A2A, "--help"], clean_env(), "import typer.rich_utils", 1.35),
        "a2a stream --help": ([A2A, "stream", "--help"], clean_env(), "import typer.rich_utils", 1.35),
        "a2a task --help": ([A2A, "task", "--help"], clean_env(), "import typer.rich_utils", 1.35),
        "a2a card --help": ([A2A, "card", "--help"], clean_env(), "import typer.rich_utils", 1.35),
    }
    for name, (cmd, env, _, _) in cmds.items():  # warm-up (bytecode, page cache) and availability
        t = run_timed(cmd, env=env)
        if t.rc != 0:
            b.unavailable(name, f"exit {t.rc}: {first_line(t.stderr)}")
    subjects = {name: (lambda c=cmd, e=env: run_timed(c, env=e)) for name, (cmd, env, _, _) in cmds.items()}
    timed = interleaved(subjects, p.startup_runs)
    times = {k: [t.wall_s * 1000 for t in v] for k, v in timed.items()}
    cpu = {k: [t.cpu_s * 1000 for t in v] for k, v in timed.items()}
    for name, (_, _, base, target) in cmds.items():
        m, c = median(times[name]), median(cpu[name])
        if base is None:
            b.row(Row(f"python -c '{name}' (a floor)", m, "ms", extra={"cpu_ms": c}))
            continue
        floor, floor_cpu = median(times[base]), median(cpu[base])
        r, rc = ratio(m, floor), ratio(c, floor_cpu)
        extra = {"runs_ms": times[name], "over_floor_ms": None if m is None or floor is None else m - floor}
        ok = None if r is None or target is None else r <= target
        b.row(Row(name, m, "ms", base, floor, r, f"<= {target}x", ok, extra=extra))
        b.row(Row("  same, CPU time (user+sys)", c, "ms", base, floor_cpu, rc))
    # Which modules the fast paths import (evidence for FINDINGS; the SDK, protobuf, httpx, uvicorn must not load).
    for name, (cmd, env, base, _) in cmds.items():
        if base is None:
            continue
        env = dict(env, PYTHONPROFILEIMPORTTIME="1")
        with tempfile.TemporaryFile() as err:
            subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
                cwd=SANDBOX,
                timeout=60,
                check=False,
            )
            err.seek(0)
            text = err.read().decode(errors="replace")
        mods = _importtime(text)
        heavy = sorted(
            {
                m.split(".")[0] if not m.startswith("google.protobuf") else "google.protobuf"
                for m in mods
                if any(m == f or m.startswith(f + ".") for f in FORBIDDEN_ON_FAST_PATHS)
            }
        )
        top = sorted(((us, m) for m, us in mods.items() if "." not in m), reverse=True)[:6]
        b.note(
            f"{name}: {len(mods)} modules imported; forbidden-on-fast-path loaded: {heavy or 'none'}; "
            f"top cumulative: " + ", ".join(f"{m} {us / 1000:.0f} ms" for us, m in top)
        )
    return b


def _importtime(text: str) -> dict[str, int]:
    mods: dict[str, int] = {}
    for line in text.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s+(.*)$", line)
        if m:
            mods[m.group(3).strip()] = int(m.group(2))
    return mods


# ----------------------------------------------------------------------------------------------- 2. ingest


def _count_lines(cmd: list[str]) -> tuple[int, Timed]:
    with tempfile.TemporaryFile() as out:
        t = run_timed(cmd, stdout=out)
        out.seek(0)
        n = sum(1 for _ in out)
    return n, t


def bench_ingest(p: Profile) -> Bench:
    n = p.ingest_events
    b = Bench("ingest", f"2. Client ingest: {n:,}-event SSE stream from a canned local agent, JSON lines to /dev/null")
    print(f"\n{b.title}", flush=True)
    with canned_agent(n) as agent:
        cmds = {
            "a2a stream -o json": [A2A, "stream", "--agent-card", agent.url, "-o", "json", "bench"],
            "minimal httpx loop (a)": [PY, str(BENCH / "baselines" / "min_client.py"), agent.url, "bench"],
            "minimal httpx loop, async": [
                PY,
                str(BENCH / "baselines" / "min_client.py"),
                agent.url,
                "bench",
                "--async",
            ],
            "a2a-sdk client loop (b)": [PY, str(BENCH / "baselines" / "sdk_client.py"), agent.url, "bench"],
        }
        usable = {}
        for name, cmd in cmds.items():  # warm-up, availability and correctness: every event must come out
            lines, t = _count_lines(cmd)
            if t.rc != 0 or lines != n:
                b.unavailable(name, f"exit {t.rc}, wrote {lines} of {n} lines: {first_line(t.stderr)}")
            else:
                usable[name] = cmd
        results = interleaved({k: (lambda c=c: run_timed(c)) for k, c in usable.items()}, p.ingest_runs)
    wall = {k: median([t.wall_s for t in v]) for k, v in results.items()}
    rss = {k: median([t.maxrss_kb / 1024 for t in v]) for k, v in results.items()}
    base_a = wall.get("minimal httpx loop (a)")
    subject = wall.get("a2a stream -o json")
    r = ratio(subject, base_a)
    b.row(
        Row(
            "a2a stream -o json > /dev/null",
            subject,
            "s",
            "minimal loop (a)",
            base_a,
            r,
            "<= 1.3x (a)",
            None if r is None else r <= 1.3,
        )
    )
    cpu = {k: median([t.cpu_s for t in v]) for k, v in results.items()}
    b.row(
        Row(
            "  same, CPU time (user+sys)",
            cpu.get("a2a stream -o json"),
            "s",
            "minimal loop (a)",
            cpu.get("minimal httpx loop (a)"),
            ratio(cpu.get("a2a stream -o json"), cpu.get("minimal httpx loop (a)")),
        )
    )
    b.row(
        Row(
            "  same, vs the a2a-sdk client loop (b)",
            subject,
            "s",
            "sdk loop (b)",
            wall.get("a2a-sdk client loop (b)"),
            ratio(subject, wall.get("a2a-sdk client loop (b)")),
        )
    )
    b.row(
        Row(
            "minimal loop, async variant",
            wall.get("minimal httpx loop, async"),
            "s",
            "minimal loop (a)",
            base_a,
            ratio(wall.get("minimal httpx loop, async"), base_a),
        )
    )
    b.row(
        Row(
            "a2a-sdk client loop (b)",
            wall.get("a2a-sdk client loop (b)"),
            "s",
            "minimal loop (a)",
            base_a,
            ratio(wall.get("a2a-sdk client loop (b)"), base_a),
        )
    )
    if subject is not None:
        b.note(f"a2a stream: {subject / n * 1e6:.1f} us per event end to end (start-up included)")
    b.row(
        Row(
            "a2a stream peak RSS",
            rss.get("a2a stream -o json"),
            "MB",
            "minimal loop (a)",
            rss.get("minimal httpx loop (a)"),
            ratio(rss.get("a2a stream -o json"), rss.get("minimal httpx loop (a)")),
        )
    )
    b.row(
        Row(
            "a2a-sdk client loop peak RSS",
            rss.get("a2a-sdk client loop (b)"),
            "MB",
            "minimal loop (a)",
            rss.get("minimal httpx loop (a)"),
            ratio(rss.get("a2a-sdk client loop (b)"), rss.get("minimal httpx loop (a)")),
        )
    )
    b.rows[0].extra = {"runs_s": {k: [t.wall_s for t in v] for k, v in results.items()}}
    # Marginal cost per event (start-up cancels out): the same two clients on 10x the events.
    marginal = {k: usable[k] for k in ("a2a stream -o json", "minimal httpx loop (a)") if k in usable}
    if len(marginal) == 2:
        with canned_agent(10 * n) as big_agent:
            big_cmds = {k: [big_agent.url if x == agent.url else x for x in c] for k, c in marginal.items()}
            big = interleaved(
                {k: (lambda c=c: run_timed(c, timeout=600)) for k, c in big_cmds.items()}, p.render_big_runs
            )
        per_event = {}
        for k, v in big.items():
            t_big, c_big = median([t.wall_s for t in v]), median([t.cpu_s for t in v])
            per_event[k] = (
                None if t_big is None or wall.get(k) is None else (t_big - wall[k]) / (9 * n) * 1e6,
                None if c_big is None or cpu.get(k) is None else (c_big - cpu[k]) / (9 * n) * 1e6,
            )
        a, m = per_event["a2a stream -o json"], per_event["minimal httpx loop (a)"]
        b.row(Row("a2a stream marginal wall time per event", a[0], "us", "minimal loop (a)", m[0], ratio(a[0], m[0])))
        b.row(Row("a2a stream marginal CPU time per event", a[1], "us", "minimal loop (a)", m[1], ratio(a[1], m[1])))
        b.note(f"marginal = (median time at {10 * n:,} events - at {n:,}) / {9 * n:,}; start-up cancels out")
    return b


# ----------------------------------------------------------------------------------------------- 3. render


@dataclass
class PtyRun:
    wall_s: float
    maxrss_kb: int
    rc: int
    bytes_out: int
    head: bytes
    first_match_s: float | None = None


def run_in_pty(
    cmd: list[str], *, timeout: float = 300.0, cols: int = 120, rows: int = 40, match: bytes | None = None
) -> PtyRun:
    """Run cmd with stdin/stdout/stderr on a pseudo-terminal and drain the master side as a terminal would."""
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = clean_env(TERM="xterm-256color")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=SANDBOX, start_new_session=True)
    os.close(slave)
    total, head, first, tail = 0, b"", None, b""
    reaped: tuple[int, Any] | None = None
    wall = 0.0
    deadline = t0 + timeout
    try:
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if reaped is not None:
                    break
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # never Popen.poll(): wait4 keeps the rusage
                if pid:
                    reaped, wall = (status, usage), time.perf_counter() - t0
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            total += len(chunk)
            if len(head) < 4096:
                head += chunk[: 4096 - len(head)]
            if match is not None and first is None:
                tail = (tail + chunk)[-4096:]
                if match in tail:
                    first = time.perf_counter() - t0
    finally:
        if reaped is None:
            if time.perf_counter() >= deadline:
                _kill(proc.pid)
            _, status, usage = os.wait4(proc.pid, 0)
            reaped, wall = (status, usage), time.perf_counter() - t0
        os.close(master)
    status, usage = reaped
    proc.returncode = os.waitstatus_to_exitcode(status)
    return PtyRun(wall, int(usage.ru_maxrss), proc.returncode, total, head, first)


def bench_render(p: Profile) -> Bench:
    n = p.ingest_events
    b = Bench("render", f"3. Live rendering in a pseudo-terminal: {n:,} and {10 * n:,} events")
    print(f"\n{b.title}", flush=True)
    with canned_agent(n) as agent:
        json_cmd = [A2A, "stream", "--agent-card", agent.url, "-o", "json", "bench"]
        tty_cmd = [A2A, "stream", "--agent-card", agent.url, "bench"]
        lines, t = _count_lines(json_cmd)
        if t.rc != 0 or lines != n:
            b.unavailable("a2a stream", f"exit {t.rc}, {lines} of {n} JSON lines: {first_line(t.stderr)}")
            return b
        warm = run_in_pty(tty_cmd)
        if warm.rc != 0:
            b.unavailable("a2a stream in a pty", f"exit {warm.rc}: {warm.head[-300:]!r}")
            return b
        res = interleaved(
            {"json": lambda: run_timed(json_cmd).wall_s, "pty": lambda: run_in_pty(tty_cmd)}, p.render_runs
        )
    json_s = median(res["json"])
    pty_s = median([r.wall_s for r in res["pty"]])
    r = ratio(pty_s, json_s)
    b.row(
        Row(
            f"a2a stream in a pty, {n:,} events",
            pty_s,
            "s",
            "same stream -o json",
            json_s,
            r,
            "<= 2x",
            None if r is None else r <= 2.0,
        )
    )
    b.note(
        f"terminal output: {median([float(r.bytes_out) for r in res['pty']]) or 0:,.0f} bytes for {n:,} events; "
        f"peak RSS {median([r.maxrss_kb / 1024 for r in res['pty']]) or 0:.1f} MB"
    )
    with canned_agent(10 * n) as agent:
        tty_cmd = [A2A, "stream", "--agent-card", agent.url, "bench"]
        big = [run_in_pty(tty_cmd, timeout=600) for _ in range(p.render_big_runs)]
    big_s = median([r.wall_s for r in big])
    if any(r.rc != 0 for r in big):
        b.note(f"{10 * n:,}-event run exited {[r.rc for r in big]}")
    r = ratio(big_s, pty_s)
    b.row(
        Row(
            f"a2a stream in a pty, {10 * n:,} events",
            big_s,
            "s",
            f"{n:,} events",
            pty_s,
            r,
            "<= 11x (linear)",
            None if r is None else r <= 11.0,
        )
    )
    b.note(
        f"{10 * n:,} events: {median([float(r.bytes_out) for r in big]) or 0:,.0f} terminal bytes, peak RSS "
        f"{median([r.maxrss_kb / 1024 for r in big]) or 0:.1f} MB"
    )
    return b


# ----------------------------------------------------------------------------------------------- 4. ttft


def first_output(cmd: list[str], match: bytes, timeout: float = 60.0) -> float | None:
    """Seconds from spawn until `match` appears on the child's stdout (a pipe); the child then runs to its end."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=clean_env(), cwd=SANDBOX
    )
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    seen, found = b"", None
    deadline = t0 + timeout
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        if found is None:
            seen = (seen + chunk)[-4096:]
            if match in seen:
                found = time.perf_counter() - t0
    if proc.poll() is None:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            _kill(proc.pid)
            proc.wait(5)
    proc.stdout.close()
    return found


def bench_ttft(p: Profile) -> Bench:
    b = Bench("ttft", "4. Time to first token: process start to the first artifact text on stdout (local agent)")
    print(f"\n{b.title}", flush=True)
    with canned_agent(16) as agent:  # task, working, 13 word chunks, completed: the demo agent's reply
        floor_py = str(BENCH / "baselines" / "floor_client.py")
        floor_cmd = [PY, floor_py, "plain", "-a", agent.url, "-o", "json", "bench"]
        floor_async_cmd = [*floor_cmd[:-1], "--async", "bench"]
        floor_typer_cmd = [PY, floor_py, "typer", "-a", agent.url, "-o", "json", "bench"]
        text_cmd = [A2A, "stream", "--agent-card", agent.url, "bench"]
        json_cmd = [A2A, "stream", "--agent-card", agent.url, "-o", "json", "bench"]
        min_cmd = [PY, str(BENCH / "baselines" / "min_client.py"), agent.url, "bench"]
        subjects: dict[str, Callable[[], Any]] = {
            "floor": lambda: first_output(floor_cmd, b"Hello!"),
            "floor_async": lambda: first_output(floor_async_cmd, b"Hello!"),
            "floor_typer": lambda: first_output(floor_typer_cmd, b"Hello!"),
            "min": lambda: first_output(min_cmd, b"Hello!"),
            "import": lambda: run_timed([PY, "-c", "import typer"]).wall_s,
        }
        for name, cmd in (("floor", floor_cmd), ("floor, async", floor_async_cmd), ("floor, Typer", floor_typer_cmd)):
            if first_output(cmd, b"Hello!") is None:
                b.unavailable(name, "no artifact text on stdout")
        if first_output(text_cmd, b"Hello!") is None:
            b.unavailable("a2a stream", "no artifact text on stdout")
        else:
            subjects["text"] = lambda: first_output(text_cmd, b"Hello!")
            subjects["json"] = lambda: first_output(json_cmd, b"Hello!")
            subjects["pty"] = lambda: run_in_pty(text_cmd, match=b"Hello!").first_match_s
        first_output(min_cmd, b"Hello!")
        res = interleaved(subjects, p.ttft_runs)
    ms = {
        k: (median([x for x in v if x is not None]) or 0) * 1000 if any(x is not None for x in v) else None
        for k, v in res.items()
    }
    floor_ms = ms.get("floor")
    b.row(Row("import typer, for reference", ms.get("import"), "ms"))
    b.row(Row("floor program (import typer + httpx + httpx-sse loop, sync)", floor_ms, "ms"))
    for key, label in (
        ("floor_async", "floor program on asyncio (httpx.AsyncClient)"),
        ("floor_typer", "floor program as a Typer command"),
    ):
        b.row(Row(label, ms.get(key), "ms", "floor program", floor_ms, ratio(ms.get(key), floor_ms)))
    for key, label, target in (
        ("json", "a2a stream -o json on a pipe", 1.1),
        ("text", "a2a stream, text floor on a pipe", None),
        ("pty", "a2a stream on a terminal (pty)", None),
        ("min", "minimal httpx loop (a), no Typer", None),
    ):
        v = ms.get(key)
        r = ratio(v, floor_ms)
        b.row(
            Row(
                label,
                v,
                "ms",
                "floor program",
                floor_ms,
                r,
                None if target is None else f"<= {target}x",
                None if target is None or r is None else r <= target,
                extra={"over_floor_ms": None if v is None or floor_ms is None else v - floor_ms},
            )
        )
    return b


# ----------------------------------------------------------------------------------------------- 5. server


def node_ready(b: Bench) -> bool:
    """Node present and @a2a-js/sdk installed into bench/baselines/js (installed here, by the bench itself)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        b.unavailable("@a2a-js/sdk baseline and the load generator", "node/npm not found")
        return False
    if not (JS_DIR / "node_modules" / "@a2a-js" / "sdk" / "package.json").exists():
        print("    installing @a2a-js/sdk into bench/baselines/js (npm ci) ...", flush=True)
        cmd = (
            ["npm", "ci", "--no-audit", "--no-fund"]
            if (JS_DIR / "package-lock.json").exists()
            else ["npm", "install", "--no-audit", "--no-fund"]
        )
        done = subprocess.run(
            cmd, cwd=JS_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600, check=False
        )
        if done.returncode != 0:
            b.unavailable("@a2a-js/sdk baseline", f"npm failed: {first_line(done.stderr.decode(errors='replace'))}")
            return False
    return True


def server_procs(delay: float) -> dict[str, Callable[[], ServerProc]]:
    d = f"{delay:g}"

    def a2a() -> ServerProc:
        port = free_port()
        return ServerProc("a2a serve", [A2A, "serve", "--host", "127.0.0.1", "--port", str(port), "--delay", d], port)

    def sdk() -> ServerProc:
        port = free_port()
        return ServerProc("a2a-sdk 1.3", [PY, str(BENCH / "baselines" / "sdk_server.py"), str(port), d], port)

    def js() -> ServerProc:
        port = free_port()
        return ServerProc("@a2a-js/sdk", ["node", str(JS_DIR / "server.mjs"), str(port), d], port, cwd=JS_DIR)

    return {"a2a serve": a2a, "a2a-sdk 1.3 server": sdk, "@a2a-js/sdk server": js}


def loadgen(url: str, clients: int, per_client: int, timeout: float) -> dict[str, Any]:
    out = subprocess.run(
        ["node", str(LOADGEN), "load", url + "/", str(clients), str(per_client), str(timeout)],
        capture_output=True,
        timeout=timeout + 30,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {first_line(out.stderr.decode(errors='replace'))}")
    return dict(json.loads(out.stdout.decode().strip().splitlines()[-1]))


def bench_server(p: Profile) -> Bench:
    c, k = p.server_clients, p.server_per_client
    b = Bench("server", f"5. Server: {c} concurrent clients x {k} streaming messages (A2A 1.0 JSON-RPC), loopback")
    print(f"\n{b.title}", flush=True)
    if not node_ready(b):
        return b
    stats: dict[str, dict[str, Any]] = {}
    # All three servers run at once (an idle server costs nothing) and the rounds are interleaved, so a burst
    # of load from elsewhere falls on every server alike.
    with contextlib.ExitStack() as stack:
        live: dict[str, ServerProc] = {}
        for name, make in server_procs(0).items():
            srv = stack.enter_context(make())
            if not srv.start():
                b.unavailable(name, srv.error)
                continue
            loadgen(srv.url, 4, 2, 60)  # warm-up: imports, JIT, first-request paths
            live[name] = srv
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in live}
        for _ in range(p.server_rounds):
            for name, srv in live.items():
                assert srv.proc is not None
                cpu0 = tree_cpu_s(srv.proc.pid)
                r = loadgen(srv.url, c, k, 180)
                r["server_cpu_s"] = tree_cpu_s(srv.proc.pid) - cpu0
                rounds[name].append(r)
        rss_mb = {name: tree_rss_kb(srv.proc.pid) / 1024 for name, srv in live.items() if srv.proc is not None}
    for name in live:
        rs = rounds[name]
        lat = [x for r in rs for x in r["latencies_ms"]]
        errors = sum(r["errors"] for r in rs)
        oks = sum(r["ok"] for r in rs)
        stats[name] = {
            "streams_per_s": median([r["ok"] / r["wall_s"] for r in rs]),
            "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99),
            "errors": errors,
            "ok": oks,
            "cpu_ms_per_stream": 1000 * sum(r["server_cpu_s"] for r in rs) / max(1, oks + errors),
            "events_per_stream": sum(r["events"] for r in rs) / max(1, oks + errors),
            "rss_mb": rss_mb.get(name, 0.0),
            "error_samples": [s for r in rs for s in r["error_samples"]][:3],
            "rounds_streams_per_s": [r["ok"] / r["wall_s"] for r in rs],
        }
        s = stats[name]
        b.note(
            f"{name}: {s['streams_per_s']:.1f} streams/s, p50 {s['p50_ms'] or 0:.1f} ms, "
            f"p99 {s['p99_ms'] or 0:.1f} ms, "
            f"{s['errors']} errors of {s['ok'] + s['errors']}, {s['events_per_stream']:.1f} events/stream, "
            f"server CPU {s['cpu_ms_per_stream']:.2f} ms/stream, RSS {s['rss_mb']:.0f} MB, rounds "
            + "/".join(f"{x:.0f}" for x in s["rounds_streams_per_s"])
            + " streams/s"
            + (f", errors e.g. {s['error_samples']}" if s["errors"] else "")
        )
    js = stats.get("@a2a-js/sdk server", {})
    sdk = stats.get("a2a-sdk 1.3 server", {})
    a2a = stats.get("a2a serve")
    for name in ("a2a serve", "a2a-sdk 1.3 server"):
        s = stats.get(name)
        if s is None:
            continue
        r = ratio(s["streams_per_s"], js.get("streams_per_s"))
        tgt = ">= 1.0x JS, 0 errors" if name == "a2a serve" else None
        b.row(
            Row(
                f"{name} throughput",
                s["streams_per_s"],
                "streams/s",
                "@a2a-js/sdk",
                js.get("streams_per_s"),
                r,
                tgt,
                None if tgt is None or r is None else (r >= 1.0 and s["errors"] == 0),
                extra=s,
            )
        )
    if a2a:
        b.row(
            Row(
                "a2a serve throughput",
                a2a["streams_per_s"],
                "streams/s",
                "a2a-sdk 1.3",
                sdk.get("streams_per_s"),
                ratio(a2a["streams_per_s"], sdk.get("streams_per_s")),
            )
        )
        b.row(
            Row(
                "a2a serve p50 latency",
                a2a["p50_ms"],
                "ms",
                "@a2a-js/sdk",
                js.get("p50_ms"),
                ratio(a2a["p50_ms"], js.get("p50_ms")),
            )
        )
        b.row(
            Row(
                "a2a serve p99 latency",
                a2a["p99_ms"],
                "ms",
                "@a2a-js/sdk",
                js.get("p99_ms"),
                ratio(a2a["p99_ms"], js.get("p99_ms")),
            )
        )
        b.row(
            Row(
                "a2a serve server CPU per stream",
                a2a["cpu_ms_per_stream"],
                "ms",
                "@a2a-js/sdk",
                js.get("cpu_ms_per_stream"),
                ratio(a2a["cpu_ms_per_stream"], js.get("cpu_ms_per_stream")),
            )
        )
        b.row(Row("a2a serve errors", a2a["errors"], "", target="0", passed=a2a["errors"] == 0))
    if js:
        b.row(Row("@a2a-js/sdk server throughput", js["streams_per_s"], "streams/s"))
    return b


# ----------------------------------------------------------------------------------------------- 6. memory


def hold_streams(url: str, n: int, timeout: float, on_open: Callable[[int], None]) -> tuple[int, int]:
    proc = subprocess.Popen(
        ["node", str(LOADGEN), "hold", url + "/", str(n), str(timeout)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stdin is not None
    opened = failed = 0
    try:
        ready, _, _ = select.select([proc.stdout], [], [], timeout + 10)
        if ready:
            info = json.loads(proc.stdout.readline() or b"{}")
            opened, failed = int(info.get("open", 0)), int(info.get("failed", 0))
            on_open(opened)
        proc.stdin.write(b"close\n")
        proc.stdin.flush()
        proc.wait(timeout + 20)
    finally:
        if proc.poll() is None:
            _kill(proc.pid)
            proc.wait(5)
    return opened, failed


def bench_memory(p: Profile) -> Bench:
    n = p.memory_streams
    b = Bench(
        "memory", f"6. Memory: server RSS per open stream, {n:,} concurrent idle streams (--delay {p.memory_delay:g})"
    )
    print(f"\n{b.title}", flush=True)
    if not node_ready(b):
        return b
    per: dict[str, float] = {}
    procs = dict(server_procs(p.memory_delay))

    def floor() -> ServerProc:  # a raw ASGI app under uvicorn: what one idle stream costs at the least
        port = free_port()
        cmd = [PY, str(BENCH / "profiles" / "asgi_floor.py"), str(port), f"{p.memory_delay:g}"]
        return ServerProc("raw ASGI floor", cmd, port)

    procs["raw ASGI under uvicorn (floor)"] = floor
    for name, make in procs.items():
        with make() as srv:
            if not srv.start():
                b.unavailable(name, srv.error)
                continue
            assert srv.proc is not None
            pid = srv.proc.pid
            hold_streams(srv.url, min(20, n), 30, lambda _: None)  # warm-up: first-request imports and buffers
            time.sleep(1.0)
            before = tree_rss_kb(pid)
            after: list[int] = []

            def measure(_: int, after: list[int] = after, pid: int = pid) -> None:
                after.append(tree_rss_kb(pid))

            opened, failed = hold_streams(srv.url, n, 60, measure)
            time.sleep(2.0)
            closed = tree_rss_kb(pid)
        if not after or opened == 0:
            b.unavailable(name, f"no stream opened ({failed} failed)")
            continue
        per[name] = (after[0] - before) / opened
        b.note(
            f"{name}: RSS {before / 1024:.1f} MB before, {after[0] / 1024:.1f} MB with {opened} open "
            f"({failed} failed), {closed / 1024:.1f} MB 2 s after closing them"
        )
    js = per.get("@a2a-js/sdk server")
    for name in ("a2a serve", "a2a-sdk 1.3 server", "@a2a-js/sdk server", "raw ASGI under uvicorn (floor)"):
        v = per.get(name)
        if v is None:
            continue
        tgt = "< 50 KB" if name == "a2a serve" else None
        vs_js = not name.startswith(("@", "raw"))
        b.row(
            Row(
                f"{name} RSS per open stream",
                v,
                "KB",
                "@a2a-js/sdk" if vs_js else None,
                js if vs_js else None,
                ratio(v, js) if vs_js else None,
                tgt,
                None if tgt is None else v < 50,
            )
        )
    return b


# ----------------------------------------------------------------------------------------------- main


BENCHES: dict[str, Callable[[Profile], Bench]] = {
    "startup": bench_startup,
    "ingest": bench_ingest,
    "render": bench_render,
    "ttft": bench_ttft,
    "server": bench_server,
    "memory": bench_memory,
}


def _ratio_text(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def markdown_summary(out: dict[str, Any]) -> str:
    """The run as a Markdown table (bench/results/latest.md), for FINDINGS.md and reports."""
    meta = out["meta"]
    lines = [
        f"Run {meta['started_utc']}, profile {meta['profile']}, git {meta['git']}, load average "
        f"{meta['loadavg_start'][0]:.2f} -> {meta.get('loadavg_end', [0])[0]:.2f}, {meta.get('seconds')} s.",
        "",
        "| benchmark | figure | value | baseline | baseline value | ratio | target | result |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, bench in out["benchmarks"].items():
        for r in bench["rows"]:
            verdict = (
                "" if r["target"] is None else ("n/a" if r["passed"] is None else "PASS" if r["passed"] else "MISS")
            )
            lines.append(
                f"| {name} | {r['label'].strip()} | {_fmt(r['value'], r['unit'])} | {r['baseline'] or ''} | "
                f"{'' if r['baseline'] is None else _fmt(r['baseline_value'], r['unit'])} | "
                f"{_ratio_text(r['ratio'])} | "
                f"{r['target'] or ''} | {verdict} |"
            )
        for n in bench["notes"]:
            lines.append(f"| {name} | note: {n.replace('|', '/')} | | | | | | |")
    return "\n".join(lines) + "\n"


def git_rev() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "a2acli"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        return rev + ("+dirty(a2acli)" if dirty else "")
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description="a2acli benchmarks (see bench/README.md)")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {' '.join(NAMES)} (default all)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer repetitions (a few minutes in all)")
    mode.add_argument("--smoke", action="store_true", help="tiny sizes, one run each: checks the harness works")
    parser.add_argument("--runs", type=int, help="override the repetition count of every benchmark")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    prof = PROFILES["smoke" if args.smoke else "quick" if args.quick else "full"]
    if args.runs:
        r = args.runs
        prof = Profile(
            prof.name + f"/runs={r}",
            r,
            r,
            prof.ingest_events,
            r,
            max(1, r // 3),
            r,
            max(1, r // 3),
            prof.server_clients,
            prof.server_per_client,
            prof.memory_streams,
            prof.memory_delay,
        )
    names = args.names or list(NAMES)
    started = time.time()
    meta = {
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "profile": prof.name,
        "git": git_rev(),
        "python": platform.python_version(),
        "a2a": A2A,
        "node": (
            subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
            if shutil.which("node")
            else None
        ),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "machine": platform.platform(),
    }
    print(
        f"a2acli bench · profile {prof.name} · git {meta['git']} · Python {meta['python']} · node {meta['node']} · "
        f"{meta['cpus']} CPUs · load average {meta['loadavg_start'][0]:.2f}",
        flush=True,
    )
    print("Absolute figures move with machine contention; ratios are measured side by side in this run.", flush=True)
    out: dict[str, Any] = {"meta": meta, "benchmarks": {}}
    for name in names:
        t0 = time.time()
        try:
            bench = BENCHES[name](prof)
        except Exception as exc:  # one broken benchmark must not hide the others
            bench = Bench(name, name, status="error")
            bench.note(f"error: {type(exc).__name__}: {exc}")
        out["benchmarks"][name] = {
            "title": bench.title,
            "status": bench.status,
            "seconds": round(time.time() - t0, 1),
            "rows": [r.__dict__ for r in bench.rows],
            "notes": bench.notes,
        }
    meta["loadavg_end"] = os.getloadavg()
    meta["seconds"] = round(time.time() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
    text = json.dumps(out, indent=1, default=str)
    path = RESULTS / f"{stamp}-{prof.name.split('/')[0]}.json"
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    (RESULTS / "latest.md").write_text(markdown_summary(out))
    print(f"\nwrote {path.relative_to(ROOT)} ({meta['seconds']} s, load average now {meta['loadavg_end'][0]:.2f})")
    shutil.rmtree(SANDBOX, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
