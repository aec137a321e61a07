"""Two `a2a` processes renewing one expired stored login at once: with a rotating refresh token (good once), only
one may spend it. auth/session.renew takes an OS lock per login next to the store and reads the login again under
it, so the second process uses what the first renewed. Real processes, the tests' authorization server (its
held_refresh mode lets both reach it before either is answered when nothing serialises them), the demo agent
guarded by that server's tokens."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.support.agent import demo_agent
from tests.support.oauth_server import AUDIENCE, DEVICE_CLIENT, MiniAuthServer, mini_auth_server
from tests.test_auth_login import approve_when_asked, cli


@pytest.fixture(scope="module")
def auth_server() -> Iterator[MiniAuthServer]:
    with mini_auth_server() as server:
        yield server


@pytest.fixture(scope="module")
def agent_url(auth_server: MiniAuthServer) -> Iterator[str]:
    with demo_agent(oauth_issuer=auth_server.base, oauth_audience=AUDIENCE, oauth_scopes=("a2a.send",)) as url:
        yield url


def test_two_processes_renew_one_login_once(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("A2ACLI_TOKEN_STORE", "file")
    auth_server.lifetime = 2
    approver = approve_when_asked(auth_server)
    code, _, err = cli(["auth", "login", "-a", agent_url, "--client-id", DEVICE_CLIENT], capsys)
    approver.join()
    assert code == 0, err
    first = auth_server.issued[-1]
    time.sleep(2.5)  # the stored access token has expired: both processes will want to renew it
    auth_server.lifetime, auth_server.mode = 300, "held_refresh"
    auth_server.requests.clear()
    env = {**os.environ, "A2ACLI_TOKEN_STORE": "file"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "a2acli", "send", "-a", agent_url, "-o", "json", f"hello {n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in (1, 2)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "Traceback" not in err and first not in out + err
    assert len(auth_server.grants("refresh_token")) == 1  # one renewal, used by both
    code, out, _ = cli(["auth", "token", "-a", agent_url], capsys)
    assert code == 0 and out.strip() == auth_server.issued[-1] != first
