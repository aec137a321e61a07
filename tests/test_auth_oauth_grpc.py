"""`a2a serve --oauth-issuer URL --grpc-port P`: the gRPC binding checks JWT access tokens as the HTTP bindings do.

The issuer is the tests' own authorization server (tests/support/oauth_server.py: RFC 8414 metadata, a JWKS,
RS256 JWT access tokens from a real client-credentials grant); the agent is the real demo agent with its real
gRPC server; the calls are real grpcio calls with the SDK's stub, and `a2a send --transport GRPC`.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.agent import demo_agent, grpc_target
from tests.support.oauth_server import AUDIENCE, CC_CLIENT, CC_SECRET, MiniAuthServer, mini_auth_server

grpc = pytest.importorskip("grpc")
SCOPE = "a2a.send"
A2A = str(Path(sys.executable).with_name("a2a"))


@pytest.fixture(scope="module")
def auth_server() -> Iterator[MiniAuthServer]:
    with mini_auth_server() as server:
        yield server


@pytest.fixture(scope="module")
def target(auth_server: MiniAuthServer) -> Iterator[tuple[str, str]]:
    with demo_agent(grpc_port=0, oauth_issuer=auth_server.base, oauth_audience=AUDIENCE, oauth_scopes=(SCOPE,)) as url:
        yield url, grpc_target(url)


def _token(auth_server: MiniAuthServer, scope: str) -> str:
    answer = httpx.post(
        f"{auth_server.base}/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(CC_CLIENT, CC_SECRET),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def _call(address: str, authorization: str | None, *, stream: bool = False) -> tuple[Any, str, list[Any]]:
    """(status code, details, responses) of one SendMessage (or SendStreamingMessage) over a real channel."""
    from a2a.types import a2a_pb2, a2a_pb2_grpc

    request = a2a_pb2.SendMessageRequest(
        message=a2a_pb2.Message(
            message_id=str(uuid.uuid4()), role=a2a_pb2.Role.ROLE_USER, parts=[a2a_pb2.Part(text="hi")]
        )
    )
    metadata = [("a2a-version", "1.0")]
    if authorization is not None:
        metadata.append(("authorization", authorization))
    with grpc.insecure_channel(address) as channel:
        stub = a2a_pb2_grpc.A2AServiceStub(channel)  # type: ignore[no-untyped-call]
        try:
            if stream:
                responses = list(stub.SendStreamingMessage(request, metadata=metadata, timeout=30))
            else:
                responses = [stub.SendMessage(request, metadata=metadata, timeout=30)]
        except grpc.RpcError as exc:
            return exc.code(), exc.details() or "", []
    return grpc.StatusCode.OK, "", responses


@pytest.mark.parametrize("stream", [False, True])
def test_a_valid_access_token_passes_over_grpc(
    target: tuple[str, str], auth_server: MiniAuthServer, stream: bool
) -> None:
    code, details, responses = _call(target[1], f"Bearer {_token(auth_server, SCOPE)}", stream=stream)
    assert code == grpc.StatusCode.OK, details
    from a2a.types.a2a_pb2 import TaskState

    if stream:
        assert responses[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    else:
        assert responses[0].task.status.state == TaskState.TASK_STATE_COMPLETED


@pytest.mark.parametrize("stream", [False, True])
def test_no_token_or_a_bad_one_is_unauthenticated(target: tuple[str, str], stream: bool) -> None:
    for authorization in (None, "Bearer not-a-jwt", "Basic Zm9vOmJhcg=="):
        code, details, responses = _call(target[1], authorization, stream=stream)
        assert code == grpc.StatusCode.UNAUTHENTICATED, (authorization, code, details)
        assert not responses


@pytest.mark.parametrize("stream", [False, True])
def test_a_token_lacking_the_scope_is_permission_denied(
    target: tuple[str, str], auth_server: MiniAuthServer, stream: bool
) -> None:
    code, details, _ = _call(target[1], f"Bearer {_token(auth_server, 'other.scope')}", stream=stream)
    assert code == grpc.StatusCode.PERMISSION_DENIED, details
    assert SCOPE in details


def test_a_token_from_another_issuer_is_unauthenticated(target: tuple[str, str]) -> None:
    with mini_auth_server() as other:  # same claims, its own key and issuer URL
        token = _token(other, SCOPE)
    code, details, _ = _call(target[1], f"Bearer {token}")
    assert code == grpc.StatusCode.UNAUTHENTICATED, details


def test_a2a_send_over_grpc_exit_codes(target: tuple[str, str], auth_server: MiniAuthServer) -> None:
    import subprocess

    url = target[0]
    base = [A2A, "send", "-a", url, "--transport", "GRPC", "-o", "json"]
    refused = subprocess.run([*base, "hi"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 4, refused.stderr  # SPEC: authentication
    token = _token(auth_server, SCOPE)
    done = subprocess.run([*base, "--bearer", token, "hi"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "TASK_STATE_COMPLETED" in done.stdout and token not in done.stdout + done.stderr
