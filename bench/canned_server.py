"""A canned local A2A 1.0 agent for the client benchmarks: a minimal asyncio HTTP/1.1 server that answers
every JSON-RPC `SendStreamingMessage` with a pre-built SSE body of N StreamResponse events, so the server is
never the bottleneck (it writes bytes it built before the clock started).

The stream is a realistic streaming task: a Task (SUBMITTED, with the user message in its history), a WORKING
status update, then artifact chunks of ONE artifact (first `append` absent, then `append: true`, the last with
`lastChunk: true`), a WORKING status update with an agent message every 500 events, and a final COMPLETED
status update. The card (A2A 1.0, one JSON-RPC interface) is served at `/.well-known/agent-card.json` and
`/.well-known/agent.json`.

Usage: python bench/canned_server.py --events 20000 [--port 0]
Prints "ready PORT" on stdout once listening (loopback only) and serves until killed.
Standard library only, so it costs the same whoever the client is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

REPLY = "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities."
WORDS = REPLY.split(" ")
TASK_ID = "0b6f7c1e-6a49-4b0e-9d55-2a7f0f3c9e11"
CONTEXT_ID = "5d0c3a2b-1f7e-4c58-8a4b-97e1d2c6f0aa"
TS = "2026-01-01T00:00:00.000000Z"


def _dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))


def build_results(n_events: int) -> list[str]:
    """The `result` member of each JSON-RPC response, as compact JSON text (A2A 1.0 StreamResponse)."""
    if n_events < 4:
        raise ValueError("need at least 4 events")
    ids = {"taskId": TASK_ID, "contextId": CONTEXT_ID}
    out = [
        _dumps(
            {
                "task": {
                    "id": TASK_ID,
                    "contextId": CONTEXT_ID,
                    "status": {"state": "TASK_STATE_SUBMITTED", "timestamp": TS},
                    "history": [
                        {"messageId": "bench-user-1", "role": "ROLE_USER", "parts": [{"text": "bench"}], **ids}
                    ],
                }
            }
        ),
        _dumps({"statusUpdate": {**ids, "status": {"state": "TASK_STATE_WORKING", "timestamp": TS}}}),
    ]
    chunk_no = 0
    while len(out) < n_events - 1:
        i = len(out)
        if i % 500 == 0 and chunk_no > 0:
            out.append(
                _dumps(
                    {
                        "statusUpdate": {
                            **ids,
                            "status": {
                                "state": "TASK_STATE_WORKING",
                                "timestamp": TS,
                                "message": {
                                    "messageId": f"bench-progress-{i}",
                                    "role": "ROLE_AGENT",
                                    "parts": [{"text": f"progress: {i} events"}],
                                    **ids,
                                },
                            },
                        }
                    }
                )
            )
            continue
        word = WORDS[chunk_no % len(WORDS)]
        event: dict[str, object] = {
            **ids,
            "artifact": {
                "artifactId": "response",
                "name": "response",
                "parts": [{"text": word if chunk_no == 0 else " " + word}],
            },
        }
        if chunk_no > 0:
            event["append"] = True
        chunk_no += 1
        if len(out) == n_events - 2:
            event["lastChunk"] = True
        out.append(_dumps({"artifactUpdate": event}))
    out.append(_dumps({"statusUpdate": {**ids, "status": {"state": "TASK_STATE_COMPLETED", "timestamp": TS}}}))
    return out


def card(base_url: str) -> dict[str, object]:
    return {
        "name": "Canned Bench Agent",
        "description": "Replays a pre-built stream of A2A 1.0 events.",
        "version": "1.0.0",
        "supportedInterfaces": [{"url": base_url + "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
        "capabilities": {"streaming": True},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "replay", "name": "Replay", "description": "Replays a canned stream.", "tags": ["bench"]}],
    }


class CannedAgent:
    def __init__(self, n_events: int) -> None:
        self.results = build_results(n_events)
        self.card_body = b""
        self._bodies: dict[str, bytes] = {}

    def sse_body(self, rpc_id: object) -> bytes:
        key = _dumps(rpc_id)
        body = self._bodies.get(key)
        if body is None:
            head = '{"jsonrpc":"2.0","id":' + key + ',"result":'
            body = "".join(f"data: {head}{r}}}\n\n" for r in self.results).encode()
            self._bodies[key] = body
        return body

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                if method == "GET" and path.split("?")[0] in (
                    "/.well-known/agent-card.json",
                    "/.well-known/agent.json",
                ):
                    self._respond(writer, 200, "application/json", self.card_body)
                elif method == "POST":
                    try:
                        req = json.loads(body)
                        rpc_id = req.get("id")
                        rpc_method = req.get("method")
                    except (ValueError, AttributeError):
                        self._respond(writer, 400, "application/json", b'{"error":"bad json"}')
                        await writer.drain()
                        continue
                    if rpc_method in ("SendStreamingMessage", "message/stream"):
                        self._respond(writer, 200, "text/event-stream", self.sse_body(rpc_id))
                    else:
                        err = {"jsonrpc": "2.0", "id": rpc_id, "error": {"code": -32601, "message": "Method not found"}}
                        self._respond(writer, 200, "application/json", _dumps(err).encode())
                else:
                    self._respond(writer, 404, "application/json", b'{"error":"not found"}')
                await writer.drain()
        finally:
            writer.close()

    @staticmethod
    def _respond(writer: asyncio.StreamWriter, status: int, ctype: str, body: bytes) -> None:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
        extra = "Cache-Control: no-cache\r\n" if ctype == "text/event-stream" else ""
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
        writer.write(head.encode() + body)


async def serve(n_events: int, port: int) -> None:
    agent = CannedAgent(n_events)
    server = await asyncio.start_server(agent.handle, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    agent.card_body = _dumps(card(f"http://127.0.0.1:{bound}")).encode()
    agent.sse_body(1)  # pre-build the common case before announcing readiness
    sys.stdout.write(f"ready {bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.events, args.port))


if __name__ == "__main__":
    main()
