"""A stored login over gRPC: `a2a send --transport GRPC` sends it as `authorization` metadata to the demo agent's
real gRPC server (`a2a serve --grpc-port --bearer-token`, which checks it), renewed first when it has expired.
The tests' authorization server issues the one token that server accepts."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.agent import demo_agent
from tests.support.oauth_server import CC_CLIENT, CC_SECRET, MiniAuthServer, mini_auth_server

pytest.importorskip("grpc")
TOKEN = "opaque-grpc-token-7d41c09e2b"


@pytest.fixture(scope="module")
def auth_server() -> Iterator[MiniAuthServer]:
    with mini_auth_server(fixed_token=TOKEN, lifetime=2) as server:
        yield server


@pytest.fixture(scope="module")
def agent_url() -> Iterator[str]:
    with demo_agent(grpc_port=0, bearer_token=TOKEN) as url:
        yield url


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from a2acli.cli import run

    code = run(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_stored_login_goes_as_grpc_metadata_and_is_renewed(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    card = httpx.get(agent_url + "/.well-known/agent-card.json", headers={"A2A-Version": "1.0"}).json()
    assert any(i["protocolBinding"] == "GRPC" for i in card["supportedInterfaces"])
    flows = {"clientCredentials": {"tokenUrl": f"{auth_server.base}/token", "scopes": {}}}
    card["securitySchemes"]["oauth"] = {"oauth2SecurityScheme": {"flows": flows}}
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card))

    send = ["send", "-a", agent_url, "--transport", "GRPC", "-o", "json", "hi"]
    code, _, err = cli(send, capsys)
    assert code == 4, err  # nothing stored yet: the gRPC server says UNAUTHENTICATED

    login = ["auth", "login", "-a", str(path), "--client-id", CC_CLIENT, "--client-secret", CC_SECRET, "--yes"]
    code, out, err = cli(login, capsys)
    assert code == 0, err
    assert f"Agent: {agent_url}" in out
    code, out, err = cli(send, capsys)
    assert code == 0, err
    assert "Hello!" in out and TOKEN not in out + err
    assert len(auth_server.grants("client_credentials")) == 1

    time.sleep(2.5)  # expired: renewed (the client-credentials grant again) before the gRPC call
    code, out, err = cli([*send[:-1], "--stream", "hi"], capsys)
    assert code == 0, err
    assert len(auth_server.grants("client_credentials")) == 2


@pytest.mark.parametrize("stream", [False, True])
def test_unauthenticated_renews_once_then_retries(
    stream: bool, agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The stored token is refused (UNAUTHENTICATED) though it has not expired: one renewal, one retry; a token the
    server refuses again ends as exit 4 with the hint to log in again."""
    card = httpx.get(agent_url + "/.well-known/agent-card.json", headers={"A2A-Version": "1.0"}).json()
    flows = {"clientCredentials": {"tokenUrl": f"{auth_server.base}/token", "scopes": {}}}
    card["securitySchemes"]["oauth"] = {"oauth2SecurityScheme": {"flows": flows}}
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card))
    auth_server.lifetime, auth_server.fixed_token = 300, "stale-token-not-accepted-5a1"
    try:
        login = ["auth", "login", "-a", str(path), "--client-id", CC_CLIENT, "--client-secret", CC_SECRET, "--yes"]
        assert cli(login, capsys)[0] == 0
        auth_server.fixed_token = TOKEN  # the next grant gives the token the agent takes
        before = len(auth_server.grants("client_credentials"))
        send = ["send", "-a", agent_url, "--transport", "GRPC", *(["--stream"] if stream else []), "hi"]
        code, out, err = cli(send, capsys)
        assert code == 0, err
        assert "Hello!" in out
        assert len(auth_server.grants("client_credentials")) == before + 1

        auth_server.fixed_token = "stale-token-not-accepted-5a1"
        assert cli(login, capsys)[0] == 0
        code, _, err = cli(send, capsys)  # renewed, and refused again: no loop
        assert code == 4 and "a2a auth login" in err
    finally:
        auth_server.lifetime, auth_server.fixed_token = 2, TOKEN
