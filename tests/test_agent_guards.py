"""The demo agent's two credential guards (--bearer-token, --oauth-issuer) over real HTTP: who passes unasked,
and the shape of a refusal (status, google.rpc.Status body, RFC 6750 challenge) against the tests' own
authorization server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.agent import demo_agent
from tests.support.oauth_server import AUDIENCE, CC_CLIENT, CC_SECRET, MiniAuthServer, mini_auth_server

CARD = "/.well-known/agent-card.json"
GET_TASK = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "nope"}}
V1 = {"A2A-Version": "1.0"}


@pytest.fixture(scope="module")
def auth_server() -> Iterator[MiniAuthServer]:
    with mini_auth_server() as server:
        yield server


@pytest.fixture(scope="module")
def oauth_agent(auth_server: MiniAuthServer) -> Iterator[str]:
    with demo_agent(oauth_issuer=auth_server.base, oauth_audience=AUDIENCE, oauth_scopes=("a2a.send",)) as url:
        yield url


def _token(server: MiniAuthServer, scope: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": CC_CLIENT, "client_secret": CC_SECRET, "scope": scope}
    answer = httpx.post(server.base + "/token", data=form)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _refusal(answer: httpx.Response, status: int, grpc_status: str) -> str:
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert int(answer.headers["content-length"]) == len(answer.content)
    error = answer.json()["error"]
    assert error["code"] == status and error["status"] == grpc_status and error["message"]
    return answer.headers["www-authenticate"]


def test_oauth_guard_passes_the_card_and_preflights_and_refuses_the_rest(
    auth_server: MiniAuthServer, oauth_agent: str
) -> None:
    assert httpx.get(oauth_agent + CARD, headers=V1).status_code == 200
    assert httpx.options(oauth_agent + "/", headers=V1).status_code != 401  # a CORS preflight carries no token
    challenge = _refusal(httpx.post(oauth_agent + "/", json=GET_TASK, headers=V1), 401, "UNAUTHENTICATED")
    assert challenge == 'Bearer realm="a2a", scope="a2a.send"'  # no token: no error code (RFC 6750 §3.1)
    bad = httpx.post(oauth_agent + "/", json=GET_TASK, headers={**V1, "Authorization": "Bearer not-a-jwt"})
    challenge = _refusal(bad, 401, "UNAUTHENTICATED")
    assert challenge.startswith('Bearer realm="a2a", error="invalid_token", error_description="')
    narrow = {**V1, "Authorization": "Bearer " + _token(auth_server, "other")}
    challenge = _refusal(httpx.post(oauth_agent + "/", json=GET_TASK, headers=narrow), 403, "PERMISSION_DENIED")
    assert 'error="insufficient_scope"' in challenge and challenge.endswith('scope="a2a.send"')
    good = {**V1, "Authorization": "bearer " + _token(auth_server, "a2a.send")}  # the scheme is case-insensitive
    ok = httpx.post(oauth_agent + "/", json=GET_TASK, headers=good)
    assert ok.status_code == 200 and ok.json()["error"]["code"] == -32001  # TaskNotFound: the guard let it through


def test_bearer_guard_refusals_name_the_error_and_keep_the_body_shape() -> None:
    with demo_agent(bearer_token="s3cret-token") as url:
        assert httpx.options(url + "/", headers=V1).status_code != 401
        missing = httpx.post(url + "/", json=GET_TASK, headers=V1)
        assert _refusal(missing, 401, "UNAUTHENTICATED") == 'Bearer realm="a2a", error="invalid_request"'
        wrong = httpx.post(url + "/", json=GET_TASK, headers={**V1, "Authorization": "Bearer nope"})
        assert _refusal(wrong, 401, "UNAUTHENTICATED") == 'Bearer realm="a2a", error="invalid_token"'
        ok = httpx.post(url + "/", json=GET_TASK, headers={**V1, "Authorization": "BEARER s3cret-token"})
        assert ok.status_code == 200
