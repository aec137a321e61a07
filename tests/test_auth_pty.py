"""`a2a auth` and `--basic` on a real terminal (a pty): the question before a client secret goes to another origin,
the hidden prompt of `--client-secret -`, and the password prompt of `--basic USER` — answered as a person would,
the secret never echoed."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.agent import demo_agent
from tests.support.oauth_server import AUDIENCE, CC_CLIENT, CC_SECRET, MiniAuthServer, mini_auth_server

A2A = [sys.executable, "-m", "a2acli"]


@pytest.fixture(scope="module")
def auth_server() -> Iterator[MiniAuthServer]:
    with mini_auth_server() as server:
        yield server


@pytest.fixture(scope="module")
def agent_url(auth_server: MiniAuthServer) -> Iterator[str]:
    with demo_agent(oauth_issuer=auth_server.base, oauth_audience=AUDIENCE) as url:
        yield url


def converse(args: list[str], answers: list[tuple[bytes, bytes]], timeout: float = 30) -> tuple[int, bytes]:
    """Run the CLI on a pty; each time `prompt` appears on the terminal, type `reply`."""
    import pty

    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    master, slave = pty.openpty()
    proc = subprocess.Popen([*A2A, *args], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    out, pending = b"", list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                out += data
            if pending and pending[0][0] in out:
                os.write(master, pending.pop(0)[1])
            if not ready and proc.poll() is not None:
                break
        return proc.wait(timeout=10), out
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def _login(agent_url: str, *extra: str) -> list[str]:
    return ["auth", "login", "-a", agent_url, "--client-id", CC_CLIENT, *extra]


def test_a_terminal_is_asked_before_the_secret_goes_to_another_origin(
    agent_url: str, auth_server: MiniAuthServer, isolated_env: Path
) -> None:
    auth_server.requests.clear()
    code, out = converse(_login(agent_url, "--client-secret", CC_SECRET), [(b"[y/N]", b"n\r")])
    assert code == 2, out
    assert auth_server.base.split("//")[1].encode() in out
    assert not auth_server.grants("client_credentials")
    code, out = converse(_login(agent_url, "--client-secret", CC_SECRET), [(b"[y/N]", b"y\r")])
    assert code == 0, out
    assert b"Flow: client-credentials" in out
    assert auth_server.grants("client_credentials")


def test_client_secret_dash_prompts_without_echo(agent_url: str, isolated_env: Path) -> None:
    code, out = converse(
        _login(agent_url, "--client-secret", "-", "--yes"), [(b"Client secret: ", CC_SECRET.encode() + b"\r")]
    )
    assert code == 0, out
    assert CC_SECRET.encode() not in out  # typed, never shown


def test_basic_without_password_prompts_on_a_terminal(agent_url: str, isolated_env: Path) -> None:
    # The demo agent wants an OAuth token, not Basic: the point is the prompt, and that the password stays hidden.
    code, out = converse(
        ["send", "-a", agent_url, "--basic", "alice", "hi"], [(b"Password for alice: ", b"pw-typed-9f3\r")]
    )
    assert code == 4, out
    assert b"pw-typed-9f3" not in out
