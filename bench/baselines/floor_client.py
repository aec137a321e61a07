"""The floor of `a2a stream -o json` for `bench/run.py ttft`: the least a CLI on the same dependencies does.

`import typer`, httpx and httpx-sse, then: GET the agent card, POST one A2A 1.0 JSON-RPC `SendStreamingMessage`
to its first interface, print each event's `result` as one compact JSON line, flushed. No validation, no error
mapping, no resume: what any tool built on Typer + httpx + httpx-sse pays at the least before its first line.

Modes (the first argument):
- `plain`: argv read by hand after `import typer` (the floor the target is measured against);
- `typer`: the same through a real Typer command with the options a user types (`-a`, `-o`, the prompt), so
  the cost of Typer's own parameter handling is shown beside it;
- either with `--async`: on `httpx.AsyncClient` under one `asyncio.run`, the cost of the asyncio model.

Usage: python bench/baselines/floor_client.py plain|typer -a BASE_URL [-o json] [--async] PROMPT
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Annotated

import typer

app = typer.Typer(add_completion=False)


def _request(prompt: str) -> dict[str, object]:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "SendStreamingMessage",
        "params": {"message": {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": prompt}]}},
    }


def _line(data: str) -> None:
    sys.stdout.write(json.dumps(json.loads(data)["result"], separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _sync(base: str, prompt: str) -> None:
    import httpx
    from httpx_sse import connect_sse

    with httpx.Client(headers={"A2A-Version": "1.0"}, timeout=60) as client:
        url = client.get(base + "/.well-known/agent-card.json").json()["supportedInterfaces"][0]["url"]
        with connect_sse(client, "POST", url, json=_request(prompt)) as source:
            for sse in source.iter_sse():
                _line(sse.data)


async def _async(base: str, prompt: str) -> None:
    import httpx
    from httpx_sse import aconnect_sse

    async with httpx.AsyncClient(headers={"A2A-Version": "1.0"}, timeout=60) as client:
        url = (await client.get(base + "/.well-known/agent-card.json")).json()["supportedInterfaces"][0]["url"]
        async with aconnect_sse(client, "POST", url, json=_request(prompt)) as source:
            async for sse in source.aiter_sse():
                _line(sse.data)


@app.command()
def stream(
    prompt: str,
    agent_card: Annotated[str, typer.Option("--agent-card", "-a")] = "http://127.0.0.1:8001",
    output: Annotated[str, typer.Option("--output", "-o")] = "json",
    use_async: Annotated[bool, typer.Option("--async")] = False,
) -> None:
    base = agent_card.rstrip("/")
    if use_async:
        import asyncio

        asyncio.run(_async(base, prompt))
    else:
        _sync(base, prompt)


def plain(argv: list[str]) -> None:
    base, words, use_async = "http://127.0.0.1:8001", [], False
    args = iter(argv)
    for arg in args:
        if arg in ("-a", "--agent-card"):
            base = next(args)
        elif arg in ("-o", "--output"):
            next(args)
        elif arg == "--async":
            use_async = True
        else:
            words.append(arg)
    stream(" ".join(words), base, "json", use_async)


if __name__ == "__main__":
    if sys.argv[1] == "plain":
        plain(sys.argv[2:])
    else:
        app(sys.argv[2:])
