"""`a2a mcp --http`: streamable HTTP, driven by the official `mcp` SDK's client (streamablehttp_client) against the
demo agent; loopback by default, a bearer token when asked (and required off loopback), DNS-rebinding protection."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.agent import demo_agent
from tests.support.mcp_client import command, http_server, http_session, run, text_of
from tests.test_mcp_stdio import DEMO_TEXT, TOOLS

TOKEN = "mcp-http-token-9d2e"


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    with demo_agent(delay=0.01) as url:
        yield url


def test_streamable_http_lists_the_tools_and_sends_with_progress(agent: str) -> None:
    progress: list[str] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    with http_server("--agent", agent) as url:
        assert url.startswith("http://127.0.0.1:")

        async def go() -> tuple[Any, Any, Any]:
            async with http_session(url) as session:
                listed = await session.list_tools()
                sent = await session.call_tool("send_message", {"text": "over http"})
                followed = await session.call_tool(
                    "send_message_and_follow", {"text": "follow"}, progress_callback=on_progress
                )
                return listed, sent, followed

        listed, sent, followed = run(go())
    assert {tool.name for tool in listed.tools} == TOOLS
    assert sent.isError is False and sent.structuredContent["text"] == DEMO_TEXT
    assert sent.structuredContent["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert followed.structuredContent["text"] == DEMO_TEXT
    assert len(progress) == followed.structuredContent["events"] > len(DEMO_TEXT.split())
    assert "".join(m.split(": ", 1)[1] for m in progress if m.startswith("artifact ")) == DEMO_TEXT
    assert "COMPLETED" in text_of(sent)


def test_a_token_is_required_when_one_is_set(agent: str) -> None:
    with http_server("--agent", agent, env={"A2ACLI_HTTP_TOKEN": TOKEN}) as url:
        initialize = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        }
        headers = {"Accept": "application/json, text/event-stream"}
        refused = httpx.post(url, json=initialize, headers=headers, timeout=30)
        wrong = httpx.post(url, json=initialize, headers={**headers, "Authorization": "Bearer nope"}, timeout=30)
        assert refused.status_code == 401 and wrong.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert TOKEN not in refused.text

        async def go() -> Any:
            async with http_session(url, headers={"Authorization": f"Bearer {TOKEN}"}) as session:
                return await session.call_tool("get_agent_card", {})

        card = run(go())
    assert card.isError is False and card.structuredContent["card"]["name"] == "Streaming Demo Agent"


def test_off_loopback_without_a_token_it_does_not_start() -> None:
    proc = subprocess.run(
        command("--http", "--host", "0.0.0.0", "--port", "0", "--agent", "http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "[A2ACLI_ERR_USAGE]" in proc.stderr and "token" in proc.stderr


def test_a_foreign_host_header_is_refused_on_loopback(agent: str) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 must not reach the server."""
    with http_server("--agent", agent) as url:
        response = httpx.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Host": "evil.example", "Accept": "application/json, text/event-stream"},
            timeout=30,
        )
        assert response.status_code in (403, 421)
