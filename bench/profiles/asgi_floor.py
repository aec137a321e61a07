"""What does one idle SSE stream cost under uvicorn at the least? (evidence for the memory target)

A raw ASGI app, no framework: POST answers 200 text/event-stream, writes one StreamResponse-shaped event,
then idles (asyncio.sleep) for DELAY seconds before a final event. GET serves a minimal card so the bench's
readiness probe works. Run it like a bench server and hold N streams with tools/loadgen.mjs:

    .venv/bin/python bench/profiles/asgi_floor.py PORT [DELAY_S]

uvicorn picks uvloop + httptools when installed, as `a2a serve` does.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import uvicorn

_HEAD = b'data: {"jsonrpc":"2.0","id":1,"result":{"statusUpdate":{"taskId":"t","contextId":"c","status":{"state":'
EVENT = _HEAD + b'"TASK_STATE_WORKING"}}}}\n\n'
DONE = _HEAD + b'"TASK_STATE_COMPLETED"}}}}\n\n'
CARD = b'{"name":"floor","supportedInterfaces":[]}'


def make_app(delay: float) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET":
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": CARD})
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        await send({"type": "http.response.body", "body": EVENT, "more_body": True})
        await asyncio.sleep(delay)
        await send({"type": "http.response.body", "body": DONE, "more_body": False})

    return app


if __name__ == "__main__":
    port = int(sys.argv[1])
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    uvicorn.run(make_app(delay), host="127.0.0.1", port=port, log_level="warning")
