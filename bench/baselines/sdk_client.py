"""Baseline (b) for `bench/run.py ingest`: the plain a2a-sdk 1.3 client loop.

`ClientFactory.create_from_url` resolves the card and picks the transport; `client.send_message` streams
`StreamResponse` protobufs; each is written as one compact JSON line (proto JSON names), flushed per line —
what a user gets by writing the same tool on the SDK alone.

Usage: python bench/baselines/sdk_client.py BASE_URL [PROMPT]
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

from a2a.client import ClientConfig, ClientFactory
from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageRequest
from google.protobuf.json_format import MessageToDict


async def run(base: str, prompt: str) -> None:
    out = sys.stdout
    client = await ClientFactory(ClientConfig(streaming=True)).create_from_url(base)
    try:
        request = SendMessageRequest(
            message=Message(message_id=str(uuid.uuid4()), role=Role.ROLE_USER, parts=[Part(text=prompt)])
        )
        async for event in client.send_message(request):
            out.write(json.dumps(MessageToDict(event), separators=(",", ":")) + "\n")
            out.flush()
    finally:
        await client.close()


def main() -> None:
    base = sys.argv[1].rstrip("/")
    prompt = sys.argv[2] if len(sys.argv) > 2 else "bench"
    asyncio.run(run(base, prompt))


if __name__ == "__main__":
    main()
