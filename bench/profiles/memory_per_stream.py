"""Where does `a2a serve` spend memory per open stream? tracemalloc diff around N idle streams.

Runs the demo agent app (a2acli.agent.app.create_app, long delay) under uvicorn in this process, opens N
streams with the Node load generator's `hold` mode, snapshots tracemalloc while they are open, and prints the
top allocation sites (by file:line and by file) of the difference. Evidence for bench/FINDINGS.md.

Usage: .venv/bin/python bench/profiles/memory_per_stream.py [N] [--sdk | --sdk-path]
  --sdk       the plain SDK baseline server (bench/baselines/sdk_server.py)
  --sdk-path  a2a serve with its lean stream path off (ServeOptions.fast_path=False): the SDK machinery
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import uvicorn

BENCH = Path(__file__).resolve().parent.parent


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "300"))
    sock_port = 0
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        sock_port = s.getsockname()[1]
    if "--sdk" in sys.argv:
        sys.path.insert(0, str(BENCH / "baselines"))
        from sdk_server import build_app  # type: ignore[import-not-found]

        app = build_app(sock_port, 30.0)
    else:
        from a2acli.agent.app import create_app
        from a2acli.agent.options import ServeOptions

        fast = "--sdk-path" not in sys.argv
        app = create_app(ServeOptions(port=sock_port, delay=30.0, log_level="warning", fast_path=fast))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=sock_port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{sock_port}/"
    loadgen = [str(BENCH / "tools" / "loadgen.mjs"), "hold", url]

    def hold(count: int, on_open: object) -> None:
        proc = subprocess.Popen(["node", *loadgen, str(count), "60"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdout and proc.stdin
        info = json.loads(proc.stdout.readline())
        on_open(info)  # type: ignore[operator]
        proc.stdin.write(b"x\n")
        proc.stdin.flush()
        proc.wait(60)

    hold(20, lambda info: None)  # warm-up
    time.sleep(1)
    tracemalloc.start(12)
    base = tracemalloc.take_snapshot()
    snaps: list[tracemalloc.Snapshot] = []

    def on_open(info: dict[str, int]) -> None:
        time.sleep(0.5)
        snaps.append(tracemalloc.take_snapshot())
        print(f"open streams: {info}", flush=True)

    hold(n, on_open)
    diff = snaps[0].compare_to(base, "lineno")
    total = sum(d.size_diff for d in diff)
    print(f"python heap growth with {n} open streams: {total / 1024:.0f} KB = {total / n / 1024:.1f} KB per stream")
    print("top allocation sites (KB per stream):")
    for d in diff[:25]:
        fr = d.traceback[0]
        short = fr.filename.split("site-packages/")[-1].split("python3.11/")[-1]
        print(f"  {d.size_diff / n / 1024:6.2f}  {d.count_diff / n:6.1f} objs  {short}:{fr.lineno}")
    by_file = snaps[0].compare_to(base, "filename")
    print("by file (KB per stream):")
    for d in by_file[:15]:
        short = d.traceback[0].filename.split("site-packages/")[-1].split("python3.11/")[-1]
        print(f"  {d.size_diff / n / 1024:6.2f}  {short}")
    server.should_exit = True


if __name__ == "__main__":
    main()
