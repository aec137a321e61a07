#!/usr/bin/env python3
"""Client ingest over gRPC: `a2a stream -o json` against a canned gRPC agent, side by side with the minimal
grpcio loop on the same stream (bench/baselines/min_grpc_client.py). Target: <= 1.3x.

The canned agent (this file, `serve` mode) is a grpc.aio server whose SendStreamingMessage answers with the
same N StreamResponse events as bench/canned_server.py (a Task, WORKING, chunks of one artifact, a WORKING
status with a message every 500 events, COMPLETED), serialized before the clock starts and written as bytes
(a pass-through serializer), so the server is never the bottleneck. Its card (a file: one GRPC interface) is
what both clients read.

Usage: .venv/bin/python bench/grpc_ingest.py [--events 20000] [--runs 5]
Method as bench/run.py (bench/README.md): a warm-up run per subject (also the correctness check: one JSON line
per event), then runs interleaved, medians of wall and CPU time. Loopback only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run as harness  # noqa: E402  (bench/run.py: the suite's timing helpers)


async def serve(events: int, card_file: str) -> None:
    import grpc
    import grpc.aio
    from a2a.types import a2a_pb2
    from canned_server import build_results
    from google.protobuf.json_format import Parse

    payloads = [Parse(text, a2a_pb2.StreamResponse()).SerializeToString() for text in build_results(events)]

    async def stream(request: bytes, context: object) -> object:
        for payload in payloads:
            yield payload

    handler = grpc.method_handlers_generic_handler(
        "lf.a2a.v1.A2AService", {"SendStreamingMessage": grpc.unary_stream_rpc_method_handler(stream)}
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    card = {
        "name": "Canned gRPC Bench Agent",
        "description": "answers every stream with pre-built events",
        "version": "1.0.0",
        "supportedInterfaces": [{"url": f"127.0.0.1:{port}", "protocolBinding": "GRPC", "protocolVersion": "1.0"}],
        "capabilities": {"streaming": True},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "bench", "name": "bench", "description": "bench", "tags": ["bench"]}],
    }
    Path(card_file).write_text(json.dumps(card))
    print(f"ready {port}", flush=True)
    await server.wait_for_termination()


def _load() -> list[str]:
    return Path("/proc/loadavg").read_text().split()[:3]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", metavar="CARD_FILE")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.events, args.serve))
        return
    n = args.events
    print(f"gRPC client ingest: {n:,}-event stream from a canned local gRPC agent, JSON lines to /dev/null")
    card = str(Path(tempfile.mkdtemp(prefix="a2acli-grpc-bench-")) / "card.json")
    server = subprocess.Popen(
        [harness.PY, __file__, "--serve", card, "--events", str(n)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.startswith("ready"):
            raise SystemExit("the canned gRPC agent did not start")
        cmds = {
            "a2a stream -o json (GRPC)": [harness.A2A, "stream", "-a", card, "-o", "json", "bench"],
            "minimal grpcio loop": [harness.PY, str(BENCH / "baselines" / "min_grpc_client.py"), card, "bench"],
        }
        for name, cmd in cmds.items():  # warm-up and correctness: every event must come out
            lines, t = harness._count_lines(cmd)
            if t.rc != 0 or lines != n:
                raise SystemExit(f"{name}: exit {t.rc}, wrote {lines} of {n} lines: {harness.first_line(t.stderr)}")
        print(f"  load average before: {_load()}")
        results = harness.interleaved({k: (lambda c=c: harness.run_timed(c)) for k, c in cmds.items()}, args.runs)
        print(f"  load average after:  {_load()}")
    finally:
        server.kill()
        server.wait()
    wall = {k: harness.median([t.wall_s for t in v]) for k, v in results.items()}
    cpu = {k: harness.median([t.cpu_s for t in v]) for k, v in results.items()}
    rss = {k: harness.median([t.maxrss_kb / 1024 for t in v]) for k, v in results.items()}
    subject, base = "a2a stream -o json (GRPC)", "minimal grpcio loop"
    r = harness.ratio(wall[subject], wall[base])
    harness._print_row(
        harness.Row(
            subject + " > /dev/null",
            wall[subject],
            "s",
            "minimal grpcio loop",
            wall[base],
            r,
            "<= 1.3x",
            None if r is None else r <= 1.3,
        )
    )
    harness._print_row(
        harness.Row(
            "  same, CPU time (user+sys)",
            cpu[subject],
            "s",
            "minimal grpcio loop",
            cpu[base],
            harness.ratio(cpu[subject], cpu[base]),
        )
    )
    harness._print_row(
        harness.Row(
            "  same, peak RSS",
            rss[subject],
            "MB",
            "minimal grpcio loop",
            rss[base],
            harness.ratio(rss[subject], rss[base]),
        )
    )
    print(
        f"  runs: {args.runs} interleaved; walls {[round(t.wall_s, 3) for t in results[subject]]} vs "
        f"{[round(t.wall_s, 3) for t in results[base]]}"
    )


if __name__ == "__main__":
    main()
