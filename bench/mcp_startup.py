"""`a2a mcp` start-up: from spawning the process to the answer of its first `tools/list` over stdio, side by side
with the floor (the `mcp` SDK's low-level Server with one tool, `baselines/mcp_min_server.py`) and the same one
tool on the SDK's FastMCP. Standard library only; the harness speaks raw JSON-RPC lines, so no client cost counts.

    .venv/bin/python bench/mcp_startup.py [--runs N]

Runs are interleaved (subject, floor, FastMCP, subject, ...) after one untimed warm-up each (it writes the .pyc
files); the figure is the median wall time, with the median CPU time (user + system of the child, spawn to exit)
beside it: on a loaded machine the CPU ratio is the steadier of the two.
No agent is needed: `a2a mcp` contacts none before a tool call.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import clean_env, interleaved, median, ratio  # noqa: E402

PY = sys.executable
A2A = str(Path(PY).with_name("a2a"))
SUBJECTS = {
    "a2a mcp": [A2A, "mcp", "--agent", "http://127.0.0.1:9"],
    "floor: mcp low-level Server": [PY, str(HERE / "baselines" / "mcp_min_server.py")],
    "mcp FastMCP": [PY, str(HERE / "baselines" / "mcp_min_server.py"), "fastmcp"],
}
TARGET = 1.3  # a2a mcp <= 1.3x the floor
REQUESTS = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
]


def first_tools_list(cmd: list[str]) -> tuple[float, float, int]:
    """Seconds from spawn to the tools/list answer; the child's CPU seconds; the number of tools listed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=clean_env(), cwd=str(HERE)
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"".join(json.dumps(r).encode() + b"\n" for r in REQUESTS))
    proc.stdin.flush()
    tools = -1
    elapsed = float("nan")
    deadline = started + 60
    while time.perf_counter() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        message = json.loads(line)
        if message.get("id") == 2:
            elapsed = time.perf_counter() - started
            tools = len(message["result"]["tools"])
            break
    proc.stdin.close()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if tools < 1:
        raise SystemExit(f"{cmd}: no tools/list answer")
    return elapsed, cpu, tools


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/mcp_startup.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args(argv)
    for cmd in SUBJECTS.values():  # warm-up: .pyc files, page cache; and the check that each answers
        first_tools_list(cmd)
    results = interleaved({name: (lambda c=cmd: first_tools_list(c)) for name, cmd in SUBJECTS.items()}, args.runs)
    load = os.getloadavg()[0]
    print(f"a2a mcp start-up to its first tools/list answer (median of {args.runs}, load {load:.1f})")
    floor = median([r[0] for r in results["floor: mcp low-level Server"]])
    floor_cpu = median([r[1] for r in results["floor: mcp low-level Server"]])
    figures = {}
    for name, runs in results.items():
        wall, cpu = median([r[0] for r in runs]), median([r[1] for r in runs])
        figures[name] = {
            "wall_ms": round((wall or 0) * 1000, 1),
            "cpu_ms": round((cpu or 0) * 1000, 1),
            "tools": runs[0][2],
            "ratio": round(ratio(wall, floor) or 0, 2),
            "cpu_ratio": round(ratio(cpu, floor_cpu) or 0, 2),
        }
        shown = figures[name]
        print(
            f"  {name:30} {shown['wall_ms']:7.1f} ms wall ({shown['ratio']:.2f}x the floor)"
            f"  {shown['cpu_ms']:7.1f} ms CPU ({shown['cpu_ratio']:.2f}x)  {runs[0][2]:2d} tools"
        )
    verdict = "PASS" if figures["a2a mcp"]["ratio"] <= TARGET else "MISS"
    print(f"target: a2a mcp <= {TARGET}x the floor: {verdict}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
