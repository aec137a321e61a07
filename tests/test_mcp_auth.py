"""`a2a mcp` takes credentials from the user's configuration and the `a2a auth` store, never from a call: a stored
login for the pinned agent is attached by the client as for every command; without one the call fails with the
SPEC's auth code; the token never appears in a result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.agent import demo_agent
from tests.support.mcp_client import run, stdio_session, text_of

TOKEN = "stored-login-token-5b7d1e9a"


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    with demo_agent(delay=0, bearer_token=TOKEN) as url:
        yield url


def _send(url: str, *extra: str) -> Any:
    async def go() -> Any:
        async with stdio_session("--agent", url, *extra, env={"A2ACLI_TOKEN_STORE": "file"}) as session:
            return await session.call_tool("send_message", {"text": "hi"})

    return run(go())


def test_without_a_login_the_call_fails_with_the_auth_code(guarded: str) -> None:
    result = _send(guarded)
    assert result.isError is True
    assert result.structuredContent["error"]["code"] in ("A2ACLI_ERR_CREDENTIALS_MISSING", "A2ACLI_ERR_AUTH_FAILED")
    assert f"[{result.structuredContent['error']['code']}]" in text_of(result)


def test_a_stored_login_is_attached_and_never_shown(guarded: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from a2acli.auth import store
    from a2acli.client.tls import origin_of

    monkeypatch.setenv("A2ACLI_TOKEN_STORE", "file")
    store.put(
        store.Login(
            agent=origin_of(guarded),
            scheme="bearer",
            flow="client_credentials",
            client_id="mcp-test",
            token_endpoint="http://127.0.0.1:9/token",
            access_token=TOKEN,
        )
    )
    result = _send(guarded)
    assert result.isError is False, text_of(result)
    assert result.structuredContent["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert TOKEN not in text_of(result) and TOKEN not in str(result.structuredContent)


def test_a_configured_bearer_reaches_the_pinned_agent(guarded: str) -> None:
    result = _send(guarded, "--bearer", TOKEN)
    assert result.isError is False, text_of(result)
    assert TOKEN not in str(result.structuredContent)
