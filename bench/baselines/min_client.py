"""Baseline (a) for `bench/run.py ingest`: the minimal httpx + httpx-sse + json.loads loop.

Does what `a2a stream -o json` must do at the least: fetch the card, POST one JSON-RPC SendStreamingMessage
(A2A 1.0) to its interface, and write each event's `result` (the StreamResponse) as one compact JSON line,
flushed per line (the CLI's JSON-lines contract). Nothing else: no validation, no error mapping.

Usage: python bench/baselines/min_client.py BASE_URL [PROMPT] [--async]
"""

from __future__ import annotations

import json
import sys
import uuid

import httpx
from httpx_sse import aconnect_sse, connect_sse


def _request(prompt: str) -> dict[str, object]:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "SendStreamingMessage",
        "params": {"message": {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": prompt}]}},
    }


HEADERS = {"A2A-Version": "1.0"}


def run_sync(base: str, prompt: str) -> None:
    out = sys.stdout
    with httpx.Client(headers=HEADERS, timeout=60) as client:
        url = client.get(base + "/.well-known/agent-card.json").json()["supportedInterfaces"][0]["url"]
        with connect_sse(client, "POST", url, json=_request(prompt)) as source:
            for sse in source.iter_sse():
                out.write(json.dumps(json.loads(sse.data)["result"], separators=(",", ":")) + "\n")
                out.flush()


async def run_async(base: str, prompt: str) -> None:
    out = sys.stdout
    async with httpx.AsyncClient(headers=HEADERS, timeout=60) as client:
        url = (await client.get(base + "/.well-known/agent-card.json")).json()["supportedInterfaces"][0]["url"]
        async with aconnect_sse(client, "POST", url, json=_request(prompt)) as source:
            async for sse in source.aiter_sse():
                out.write(json.dumps(json.loads(sse.data)["result"], separators=(",", ":")) + "\n")
                out.flush()


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    base = args[0].rstrip("/")
    prompt = args[1] if len(args) > 1 else "bench"
    if "--async" in sys.argv:
        import asyncio

        asyncio.run(run_async(base, prompt))
    else:
        run_sync(base, prompt)


if __name__ == "__main__":
    main()
