"""Baseline for `bench/grpc_ingest.py`: the minimal grpcio loop on the same stream.

Does what `a2a stream -o json` must do over gRPC at the least: read the card, call SendStreamingMessage on its
GRPC interface (grpc.aio, the generated a2a-sdk stub, `a2a-version` metadata) and write each StreamResponse as
one compact JSON line (protobuf's `MessageToDict`, the same 1.0 JSON), flushed per line. Nothing else: no
validation, no error mapping, no resume.

Usage: python bench/baselines/min_grpc_client.py CARD_FILE [PROMPT]
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import grpc.aio
from a2a.types import a2a_pb2, a2a_pb2_grpc
from google.protobuf.json_format import MessageToDict


async def main(card_file: str, prompt: str) -> None:
    with open(card_file) as f:
        card = json.load(f)
    target = next(i["url"] for i in card["supportedInterfaces"] if i["protocolBinding"] == "GRPC")
    out = sys.stdout
    async with grpc.aio.insecure_channel(target) as channel:
        stub = a2a_pb2_grpc.A2AServiceStub(channel)
        request = a2a_pb2.SendMessageRequest(
            message=a2a_pb2.Message(
                message_id=str(uuid.uuid4()), role=a2a_pb2.ROLE_USER, parts=[a2a_pb2.Part(text=prompt)]
            )
        )
        stream = stub.SendStreamingMessage(request, metadata=(("a2a-version", "1.0"),))
        while (event := await stream.read()) is not grpc.aio.EOF:
            out.write(json.dumps(MessageToDict(event), separators=(",", ":")) + "\n")
            out.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "bench"))
