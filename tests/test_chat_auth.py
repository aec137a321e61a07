"""`a2a chat` and stored logins: a turn the agent refuses for want of a credential says how to log in; after
`a2a auth login` (another process, as in another terminal) the next line is sent with the stored token, in the
same session, on a fresh connection. Against the tests' minimal authorization server and the demo agent run
with --oauth-issuer (JWT access tokens checked with the issuer's JWKS)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.agent import demo_agent
from tests.support.oauth_server import AUDIENCE, CC_CLIENT, CC_SECRET, MiniAuthServer, mini_auth_server
from tests.support.pty_session import PtySession
from tests.support.screen import screen_lines

A2A = str(Path(sys.executable).with_name("a2a"))
PROMPT = "Streaming Demo Agent"


@pytest.fixture(scope="module")
def auth_server() -> Iterator[MiniAuthServer]:
    with mini_auth_server() as server:
        yield server


@pytest.fixture(scope="module")
def agent_url(auth_server: MiniAuthServer) -> Iterator[str]:
    with demo_agent(oauth_issuer=auth_server.base, oauth_audience=AUDIENCE, oauth_scopes=("a2a.send",)) as url:
        yield url


def test_log_in_from_another_terminal_then_the_next_line_goes_through(
    agent_url: str, auth_server: MiniAuthServer, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        A2ACLI_TOKEN_STORE="file",
        TERM="xterm-256color",
        COLUMNS="100",
        PROMPT_TOOLKIT_NO_CPR="1",
    )
    with PtySession([A2A, "chat", "-a", agent_url], env, columns=100) as chat:
        chat.expect(f"{PROMPT} >")
        chat.sendline("hi")
        chat.expect(r"error: .*\[A2ACLI_ERR_CREDENTIALS_MISSING\] — hint: .*a2a auth login")
        chat.expect(f"{PROMPT} >")  # the session goes on
        login = subprocess.run(
            [A2A, "auth", "login", "-a", agent_url, "--client-id", CC_CLIENT, "--client-secret", CC_SECRET, "--yes"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert login.returncode == 0, login.stderr
        chat.sendline("hi again")
        chat.expect("communication capabilities.")
        chat.expect(rf"{PROMPT} \[COMPLETED\] >")
        chat.send(b"\x04")
        assert chat.wait() == 0
        screen = "\n".join(screen_lines(chat.out, 100))
    token = auth_server.issued[-1]
    assert token not in chat.text() and CC_SECRET not in chat.text()
    assert "State: COMPLETED" in screen
