"""The latency `a2a serve --proxy` adds per streamed event, side by side with a direct connection (loopback).

An upstream agent (this file, `upstream` mode: standard library asyncio, one JSON-RPC interface, A2A 1.0) answers
every SendStreamingMessage with a Task, WORKING, N artifact chunks spaced `--gap` ms apart and COMPLETED; each
chunk's text is the CLOCK_MONOTONIC time (ns) at which the upstream wrote it. The client (httpx + httpx-sse, in
this process) reads each event and takes arrival - stamp: the per-event latency, the same clock across processes.

Runs, interleaved: direct (client -> upstream) and proxied (client -> `a2a serve --proxy UPSTREAM` as a real
process -> upstream), `--runs` of each. Prints p50 / p99 / max of every event's latency for both, and what the
proxy adds at p50 and p99. The proxy logs every exchange (JSON lines, to /dev/null): the figure includes the log.

Usage: .venv/bin/python bench/proxy_latency.py [--events 200] [--gap 5] [--runs 5]
Loopback only; every loop is bounded (events, runs, and a timeout per stream).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

A2A = str(Path(sys.executable).with_name("a2a"))
TASK, CONTEXT = "bench-task", "bench-context"


def _sse(rpc_id: object, result: dict[str, object]) -> bytes:
    return f"data: {json.dumps({'jsonrpc': '2.0', 'id': rpc_id, 'result': result}, separators=(',', ':'))}\n\n".encode()


async def upstream_main(port: int, events: int, gap: float) -> None:
    base = f"http://127.0.0.1:{port}"
    card = json.dumps(
        {
            "name": "Latency Bench Upstream",
            "description": "Stamps every chunk with the time it was written.",
            "version": "1.0.0",
            "supportedInterfaces": [{"url": base + "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
            "capabilities": {"streaming": True},
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain"],
            "skills": [{"id": "stamp", "name": "stamp", "description": "stamps", "tags": ["bench"]}],
        }
    ).encode()
    ids = {"taskId": TASK, "contextId": CONTEXT}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                method = head.split(" ", 1)[0]
                length = 0
                for line in head.split("\r\n")[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                if method == "GET":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                        + str(len(card)).encode()
                        + b"\r\n\r\n"
                        + card
                    )
                    await writer.drain()
                    continue
                rpc_id = json.loads(body).get("id")
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n")
                task = {"id": TASK, "contextId": CONTEXT, "status": {"state": "TASK_STATE_SUBMITTED"}}
                writer.write(_sse(rpc_id, {"task": task}))
                writer.write(_sse(rpc_id, {"statusUpdate": {**ids, "status": {"state": "TASK_STATE_WORKING"}}}))
                await writer.drain()
                for i in range(events):
                    await asyncio.sleep(gap)
                    chunk: dict[str, object] = {
                        **ids,
                        "artifact": {"artifactId": "a", "parts": [{"text": str(time.monotonic_ns())}]},
                    }
                    if i:
                        chunk["append"] = True
                    if i == events - 1:
                        chunk["lastChunk"] = True
                    writer.write(_sse(rpc_id, {"artifactUpdate": chunk}))
                    await writer.drain()
                writer.write(_sse(rpc_id, {"statusUpdate": {**ids, "status": {"state": "TASK_STATE_COMPLETED"}}}))
                await writer.drain()
                writer.close()
                return

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


async def one_stream(base: str) -> list[float]:
    """Per-event latencies (ms) of one stream."""
    import httpx
    from httpx_sse import aconnect_sse

    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "SendStreamingMessage",
        "params": {"message": {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "go"}]}},
    }
    latencies: list[float] = []
    async with (
        httpx.AsyncClient(timeout=60) as client,
        aconnect_sse(client, "POST", base + "/", json=body, headers={"A2A-Version": "1.0"}) as source,
    ):
        async for sse in source.aiter_sse():
            now = time.monotonic_ns()
            result = json.loads(sse.data).get("result", {})
            chunk = result.get("artifactUpdate")
            if chunk:
                latencies.append((now - int(chunk["artifact"]["parts"][0]["text"])) / 1e6)
    return latencies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + "/.well-known/agent-card.json", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "upstream"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--gap", type=float, default=5.0, help="ms between the upstream's chunks")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.mode == "upstream":
        asyncio.run(upstream_main(args.port, args.events, args.gap / 1000))
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    up_port, proxy_port = free_port(), free_port()
    upstream = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "upstream",
            "--port",
            str(up_port),
            "--events",
            str(args.events),
            "--gap",
            str(args.gap),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    proxy = None
    try:
        assert upstream.stdout is not None and upstream.stdout.readline().strip() == "ready"
        up = f"http://127.0.0.1:{up_port}"
        with open(os.devnull, "w") as sink:
            proxy = subprocess.Popen(
                [
                    A2A,
                    "serve",
                    "--port",
                    str(proxy_port),
                    "--proxy",
                    up,
                    "--log-format",
                    "json",
                    "--log-level",
                    "warning",
                ],
                stderr=sink,
                env=env,
            )
            via = f"http://127.0.0.1:{proxy_port}"
            wait_ready(via)
            asyncio.run(one_stream(up))  # warm-up, not counted
            asyncio.run(one_stream(via))
            direct: list[float] = []
            proxied: list[float] = []
            for _ in range(args.runs):
                direct += asyncio.run(one_stream(up))
                proxied += asyncio.run(one_stream(via))
    finally:
        for proc in (proxy, upstream):
            if proc is not None:
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
    assert len(direct) == len(proxied) == args.runs * args.events, "every chunk must arrive on both paths"
    load = os.getloadavg()[0]
    print(f"per-event latency, {args.runs} x {args.events} chunks {args.gap:g} ms apart, loopback (load {load:.2f})")
    print(f"{'':10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8}")
    for name, values in (("direct", direct), ("proxied", proxied)):
        print(
            f"{name:10} {pct(values, 0.5):8.3f} {pct(values, 0.99):8.3f} {max(values):8.3f} "
            f"{statistics.fmean(values):8.3f}"
        )
    print(f"{'added':10} {pct(proxied, 0.5) - pct(direct, 0.5):8.3f} {pct(proxied, 0.99) - pct(direct, 0.99):8.3f}")


if __name__ == "__main__":
    main()
