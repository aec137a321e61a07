"""`a2a serve` under generated malformed input (issue 8, server side): thousands of bounded requests to the JSON-RPC
and HTTP+JSON endpoints (1.0 and 0.3). Never a 5xx, never a traceback in a body, always a parseable error
document, and the agent answers normally afterwards."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.agent import demo_agent

# A2ACLI_FUZZ_EXAMPLES raises the volume for a soak run; the default keeps CI within seconds on a quiet machine.
EXAMPLES = int(os.environ.get("A2ACLI_FUZZ_EXAMPLES", "500"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)

METHODS_V1 = [
    "SendMessage", "SendStreamingMessage", "GetTask", "ListTasks", "CancelTask", "SubscribeToTask",
    "CreateTaskPushNotificationConfig", "GetTaskPushNotificationConfig", "ListTaskPushNotificationConfigs",
    "DeleteTaskPushNotificationConfig", "GetExtendedAgentCard",
]  # fmt: skip
METHODS_V03 = [
    "message/send", "message/stream", "tasks/get", "tasks/cancel", "tasks/resubscribe",
    "tasks/pushNotificationConfig/set", "tasks/pushNotificationConfig/get", "tasks/pushNotificationConfig/list",
    "tasks/pushNotificationConfig/delete", "agent/getAuthenticatedExtendedCard",
]  # fmt: skip

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=20,
)
part_like = st.one_of(
    st.fixed_dictionaries({"text": json_values}),
    st.fixed_dictionaries({"kind": st.sampled_from(["text", "file", "data", "x"]), "text": json_values}),
    st.fixed_dictionaries({"data": json_values}),
    st.fixed_dictionaries({"raw": st.text(max_size=20), "mediaType": json_values}),
    st.fixed_dictionaries({"url": json_values, "filename": json_values}),
    json_values,
)
message_like = st.fixed_dictionaries(
    {
        "messageId": st.one_of(st.text(max_size=20), json_values),
        "role": st.sampled_from(["ROLE_USER", "user", "ROLE_AGENT", "agent", "", "ROLE_UNSPECIFIED", 3]),
        "parts": st.one_of(st.lists(part_like, max_size=3), json_values),
    },
    optional={
        "taskId": json_values,
        "contextId": json_values,
        "kind": st.sampled_from(["message", "task", 1]),
        "metadata": json_values,
        "extensions": json_values,
        "referenceTaskIds": json_values,
    },
)
params_like = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"message": message_like},
        optional={"configuration": json_values, "metadata": json_values, "tenant": json_values},
    ),
    st.fixed_dictionaries(
        {"id": json_values}, optional={"historyLength": json_values, "name": json_values, "pageSize": json_values}
    ),
    st.fixed_dictionaries(
        {"taskId": json_values, "url": json_values}, optional={"token": json_values, "id": json_values}
    ),
)
rpc_like = st.fixed_dictionaries(
    {"method": st.one_of(st.sampled_from(METHODS_V1 + METHODS_V03), st.text(max_size=20), json_values)},
    optional={
        "jsonrpc": st.one_of(st.just("2.0"), json_values),
        "id": st.one_of(st.integers(), st.text(max_size=10), json_values),
        "params": params_like,
    },
)
raw_bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    rpc_like.map(lambda v: json.dumps(v).encode()),
    st.lists(rpc_like, max_size=3).map(lambda v: json.dumps(v).encode()),  # batches
    rpc_like.map(lambda v: json.dumps(v).encode()[: max(1, len(json.dumps(v)) // 2)]),  # truncated
)
versions = st.sampled_from([None, "1.0", "0.3", "0.3.0", "2.0", "", "1.0, 0.3", "\x00", "9" * 50])
content_types = st.sampled_from(
    [
        "application/json",
        "application/a2a+json",
        "text/plain",
        "multipart/form-data",
        "",
        "application/json; charset=latin-1",
    ]
)

REST_ROUTES = [
    ("POST", "/message:send"),
    ("POST", "/message:stream"),
    ("GET", "/tasks/{id}"),
    ("GET", "/tasks"),
    ("POST", "/tasks/{id}:cancel"),
    ("POST", "/tasks/{id}:subscribe"),
    ("GET", "/tasks/{id}/pushNotificationConfigs"),
    ("POST", "/tasks/{id}/pushNotificationConfigs"),
    ("GET", "/extendedAgentCard"),
    ("POST", "/v1/message:send"),
    ("POST", "/v1/message:stream"),
    ("GET", "/v1/tasks/{id}"),
    ("POST", "/v1/tasks/{id}:cancel"),
    ("GET", "/v1/card"),
]

STATS: dict[str, int] = {"requests": 0}


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    with demo_agent(text="one two three") as url:
        yield url


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    # TCP_NODELAY: httpx writes headers and body separately; without it Nagle + delayed ACK cost 40 ms a request.
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with httpx.Client(timeout=httpx.Timeout(10.0), transport=transport) as c:
        yield c


def _check(resp: httpx.Response, what: str) -> None:
    STATS["requests"] += 1
    body = resp.read()
    assert resp.status_code < 500, f"{what}: HTTP {resp.status_code}: {body[:300]!r}"
    assert b"Traceback" not in body and b'File "' not in body, f"{what}: traceback in body {body[:300]!r}"
    ctype = resp.headers.get("content-type", "")
    routing_miss = resp.status_code in (404, 405) and body in (b"Not Found", b"Method Not Allowed")
    if resp.status_code >= 400 and body and not routing_miss:
        assert "json" in ctype, f"{what}: error with content type {ctype!r}: {body[:200]!r}"
        json.loads(body)
    if "event-stream" in ctype:
        for line in body.decode().splitlines():
            if line.startswith("data:"):
                json.loads(line[5:])


def _healthy(client: httpx.Client, url: str) -> None:
    body = {
        "jsonrpc": "2.0",
        "id": "health",
        "method": "SendMessage",
        "params": {"message": {"messageId": "health-check", "role": "ROLE_USER", "parts": [{"text": "hi"}]}},
    }
    r = client.post(url + "/", json=body, headers={"A2A-Version": "1.0"})
    assert r.status_code == 200
    assert r.json()["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    card = client.get(url + "/.well-known/agent-card.json")
    assert card.status_code == 200 and card.json()["name"]


@FUZZ
@given(body=raw_bodies, version=versions, ctype=content_types, path=st.sampled_from(["/", "/a2a", "/a2a/"]))
def test_jsonrpc_endpoint_survives_malformed_bodies(
    agent: str, client: httpx.Client, body: bytes, version: str | None, ctype: str, path: str
) -> None:
    headers = {"Content-Type": ctype} if ctype else {}
    if version is not None and version.isprintable():
        headers["A2A-Version"] = version
    with client.stream("POST", agent + path, content=body, headers=headers) as resp:
        _check(resp, f"POST {path} {body[:80]!r}")


@FUZZ
@given(
    route=st.sampled_from(REST_ROUTES),
    task_id=st.one_of(st.text(max_size=20), st.just("..%2F..%2Fetc"), st.just("%00")),
    body=raw_bodies,
    query=st.dictionaries(
        st.sampled_from(["historyLength", "pageSize", "pageToken", "status", "contextId", "A2A-Version", "x"]),
        st.text(max_size=12),
        max_size=3,
    ),
    version=versions,
)
def test_http_json_endpoints_survive_malformed_requests(
    agent: str,
    client: httpx.Client,
    route: tuple[str, str],
    task_id: str,
    body: bytes,
    query: dict[str, str],
    version: str | None,
) -> None:
    method, template = route
    from urllib.parse import quote

    path = template.replace("{id}", quote(task_id, safe="") or "x")
    headers = {"Content-Type": "application/json"}
    if version is not None and version.isprintable():
        headers["A2A-Version"] = version
    content = body if method == "POST" else None
    with client.stream(method, agent + path, content=content, params=query, headers=headers) as resp:
        _check(resp, f"{method} {path} {body[:40]!r} {query}")


@pytest.mark.parametrize(
    ("method", "path", "body", "params", "version"),
    [
        ("POST", "/message:send", b"\x80", {}, "1.0"),
        ("POST", "/v1/message:send", b"\x80", {}, "0.3"),
        ("GET", "/v1/tasks/some-task", None, {"historyLength": "abc"}, "0.3"),
    ],
    ids=["v1-rest-non-utf8", "v03-rest-non-utf8", "v03-rest-history-length"],
)
def test_rest_malformed_input_is_a_client_error(
    agent: str, client: httpx.Client, method: str, path: str, body: bytes | None, params: dict[str, str], version: str
) -> None:
    r = client.request(method, agent + path, content=body, params=params, headers={"A2A-Version": version})
    assert 400 <= r.status_code < 500, r.text


def test_agent_answers_normally_after_fuzzing(agent: str, client: httpx.Client) -> None:
    _healthy(client, agent)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{" * 200_000, {}),  # deep nesting
        (b"[" + b"1," * 200_000 + b"1]", {}),  # a large batch
        (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "A" * 100_000}).encode(), {}),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": 1e99999}', {}),
        (
            b'{"jsonrpc": "2.0", "id": 1, "method": "SendMessage", '
            b'"params": {"message": {"parts": [{"text": "\\ud800"}]}}}',
            {},
        ),
        (b"\xff\xfe\x00\x00", {"Content-Type": "application/json; charset=utf-32"}),
    ],
    ids=["deep-nesting", "big-batch", "long-method", "huge-exponent", "lone-surrogate", "utf32"],
)
def test_pathological_bodies(agent: str, client: httpx.Client, body: bytes, headers: dict[str, str]) -> None:
    with client.stream("POST", agent + "/", content=body, headers=headers) as resp:
        _check(resp, f"pathological {body[:40]!r}")
    _healthy(client, agent)


def test_oversized_bodies_are_refused(agent: str, client: httpx.Client) -> None:
    big = (
        b'{"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}}'
    )
    r = client.post(agent + "/", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == -32600

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 65536

    r = client.post(agent + "/message:send", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "error" in r.json()
    _healthy(client, agent)


def test_fuzz_volume_is_in_the_thousands() -> None:
    # Two hypothesis tests x EXAMPLES generated requests each (1,000 by default), all answered.
    assert STATS["requests"] >= 2 * EXAMPLES * 0.9, STATS
