"""Bad input against the demo agent: protocol errors, never a traceback, bodies capped, server stays up."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.support.agent import demo_agent

V1 = {"A2A-Version": "1.0"}
JSON = {"content-type": "application/json"}
MSG10 = '"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"hi"}]}'

# (path, body, headers, expected HTTP status, expected JSON-RPC error code or REST status string)
JSONRPC_CASES = [
    (b"{bad json", {}, -32700),
    (b"\xff\xfe\x00garbage", {}, -32700),
    (b"[]", {}, -32600),
    (b'[{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"x"}}]', {}, -32600),
    (b'"just a string"', {}, -32600),
    (b'{"jsonrpc":"2.0","id":1}', {}, -32600),
    (b'{"jsonrpc":"1.0","id":1,"method":"GetTask"}', {}, -32600),
    (b'{"jsonrpc":"2.0","id":{"a":1},"method":"GetTask","params":{"id":"x"}}', {}, -32600),
    (b'{"jsonrpc":"2.0","id":1,"method":"NoSuchMethod"}', {}, -32601),
    (b'{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":5}}', V1, -32602),
    (b'{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":[1,2]}', V1, -32602),
    (b'{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{}}', V1, -32602),
    (b'{"jsonrpc":"2.0","id":1,"method":"SendStreamingMessage","params":{"message":{}}}', V1, -32602),
    (b'{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"x","historyLength":"a"}}', V1, -32602),
    (b'{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"x"}}', V1, -32001),
    (b'{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"x"}}', {"A2A-Version": "9.9"}, -32009),
    (b'{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":5}}', {}, -32600),
    (b'{"jsonrpc":"2.0","id":1,"method":"message/stream","params":{"message":{"parts":"x"}}}', {}, -32600),
    (b'{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"x","historyLength":-5}}', {}, -32602),
]
REST_CASES = [
    ("/message:send", b"{bad", V1, 400),
    ("/message:send", b"[]", V1, 400),
    ("/message:send", b'{"message":{"parts":[{"text":1}]}}', V1, 400),
    ("/message:stream", b'{"message":{}}', V1, 400),
    ("/message:stream", b"{bad", V1, 400),
    ("/v1/message:send", b"{bad", {}, 400),
    ("/v1/message:send", b'{"message":{"parts":5}}', {}, 400),
    ("/v1/message:stream", b'{"message":{"parts":5}}', {}, 400),
    ("/v1/message:stream", b"{bad", {}, 400),
    ("/tasks/abc:cancel", b"", V1, 404),
    ("/message:send", b"{" + MSG10.encode() + b"}", {"A2A-Version": "0.3"}, 400),
]


@pytest.fixture(scope="module")
def agent_url() -> Iterator[str]:
    with demo_agent(max_body_bytes=4096) as url:
        yield url


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text


@pytest.mark.parametrize(("body", "headers", "code"), JSONRPC_CASES)
def test_malformed_jsonrpc_gets_protocol_error(agent_url: str, body: bytes, headers: dict[str, str], code: int) -> None:
    for path in ("/", "/a2a"):
        r = httpx.post(agent_url + path, content=body, headers={**JSON, **headers})
        _no_traceback(r.text)
        assert r.status_code == 200
        doc = r.json()
        assert doc["jsonrpc"] == "2.0" and doc["error"]["code"] == code, doc
        assert "result" not in doc


@pytest.mark.parametrize(("path", "body", "headers", "status"), REST_CASES)
def test_malformed_rest_gets_error_status(
    agent_url: str, path: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    r = httpx.post(agent_url + path, content=body, headers={**JSON, **headers})
    _no_traceback(r.text)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["code"] == status


def test_rest_get_errors(agent_url: str) -> None:
    for path, status in (("/tasks/nope", 404), ("/v1/tasks/nope", 404), ("/tasks?pageSize=abc", 400)):
        r = httpx.get(agent_url + path, headers=V1 if not path.startswith("/v1") else {})
        _no_traceback(r.text)
        assert r.status_code == status


def test_oversized_bodies_refused(agent_url: str) -> None:
    big = b'{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"pad":"' + b"x" * 10_000 + b'"}}'
    r = httpx.post(agent_url + "/", content=big, headers={**JSON, **V1})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == -32600 and "too large" in r.json()["error"]["message"]
    r = httpx.post(agent_url + "/message:send", content=big, headers={**JSON, **V1})
    assert r.status_code == 413 and r.json()["error"]["code"] == 413

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length, refused once past the cap
        for _ in range(64):
            yield b"x" * 1024

    r = httpx.post(agent_url + "/a2a", content=chunks(), headers={**JSON, **V1})
    assert r.status_code == 413


def test_small_chunked_body_is_accepted(agent_url: str) -> None:
    body = ('{"jsonrpc":"2.0","id":9,"method":"SendMessage","params":{' + MSG10 + "}}").encode()

    def chunks() -> Iterator[bytes]:
        yield body[:10]
        yield body[10:]

    r = httpx.post(agent_url + "/", content=chunks(), headers={**JSON, **V1})
    assert r.json()["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_wrong_methods_and_paths(agent_url: str) -> None:
    assert httpx.get(agent_url + "/a2a").status_code == 405
    assert httpx.put(agent_url + "/").status_code == 405
    assert httpx.get(agent_url + "/nowhere/at/all").status_code == 404
    for path in ("/a2a", "/a2a/"):
        r = httpx.post(agent_url + path, content=b"{}", headers=JSON, follow_redirects=False)
        assert r.status_code == 200  # answered in place, never a redirect


def test_server_still_serves_after_abuse(agent_url: str) -> None:
    body = json.loads('{"jsonrpc":"2.0","id":3,"method":"SendMessage","params":{' + MSG10 + "}}")
    r = httpx.post(agent_url + "/", json=body, headers=V1)
    assert r.json()["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_rest_inputs_the_sdk_would_500_on_are_client_errors(agent_url: str) -> None:
    for path, version in (("/message:send", "1.0"), ("/v1/message:send", "0.3")):
        r = httpx.post(agent_url + path, content=b'{"message": "\x80\xff"}', headers={**JSON, "A2A-Version": version})
        assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"
    for path, version in (("/v1/tasks/t1", "0.3"), ("/tasks/t1", "1.0")):
        r = httpx.get(agent_url + path, params={"historyLength": "abc"}, headers={"A2A-Version": version})
        assert r.status_code == 400 and "historyLength" in r.json()["error"]["message"]


@pytest.mark.parametrize("chunked", [False, True])
def test_stalled_body_gets_408_and_server_stays_up(chunked: bool) -> None:
    import socket
    import time

    with demo_agent(body_timeout=0.5) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: 1000\r\n"
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framing + b"\r\n")
            sock.sendall(b'5\r\n{"jso\r\n' if chunked else b'{"jso')
            started = time.monotonic()
            # The 408 comes in two writes (headers, then body) and the server closes (Connection: close): read
            # to EOF, bounded, rather than trusting one recv() to hold the whole response (under load it may
            # return the headers alone).
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
                assert time.monotonic() - started < 10, answer
            assert time.monotonic() - started < 10  # body_timeout is 0.5 s; without the guard: no answer at all
        assert answer.startswith(b"HTTP/1.1 408")
        assert b"stalled" in answer
        body = json.loads('{"jsonrpc":"2.0","id":3,"method":"SendMessage","params":{' + MSG10 + "}}")
        r = httpx.post(url + "/", json=body, headers=V1)
        assert r.json()["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


@pytest.mark.parametrize("sent", [b"", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le"])
def test_connection_that_never_finishes_its_headers_is_closed(sent: bytes) -> None:
    import socket
    import time

    with demo_agent(header_timeout=0.5) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(sent)
            started = time.monotonic()
            assert sock.recv(1024) == b""  # closed by the server, no response
            assert time.monotonic() - started < 5
        # a normal request on a fresh connection is unaffected, and keep-alive reuse still works
        with httpx.Client(timeout=10) as client:
            for _ in range(2):
                assert client.get(url + "/.well-known/agent-card.json").status_code == 200


def _deep(n: int) -> str:
    return "[" * n + "]" * n


DEEP_PATHS = [  # (name, path, body template with {d} for the deep value, headers, JSON-RPC?)
    (
        "jsonrpc-1.0-stream (lean)",
        "/",
        '{"jsonrpc":"2.0","id":1,"method":"SendStreamingMessage","params":{"message":{"messageId":"m",'
        '"role":"ROLE_USER","parts":[{"data":{"data":{d}}}]}}}',
        {"A2A-Version": "1.0"},
        True,
    ),
    (
        "jsonrpc-1.0-send (SDK)",
        "/a2a",
        '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m",'
        '"role":"ROLE_USER","parts":[{"data":{"data":{d}}}]}}}',
        {"A2A-Version": "1.0"},
        True,
    ),
    (
        "jsonrpc-0.3-send",
        "/",
        '{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"m","role":"user",'
        '"kind":"message","parts":[{"kind":"data","data":{"d":{d}}}]}}}',
        {},
        True,
    ),
    ("jsonrpc-bare", "/", "{d}", {"A2A-Version": "1.0"}, True),
    (
        "rest-1.0-send",
        "/message:send",
        '{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"data":{"data":{d}}}]}}',
        {"A2A-Version": "1.0"},
        False,
    ),
    (
        "rest-1.0-stream (lean)",
        "/message:stream",
        '{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"data":{"data":{d}}}]}}',
        {"A2A-Version": "1.0"},
        False,
    ),
    (
        "rest-0.3-send",
        "/v1/message:send",
        '{"message":{"messageId":"m","role":"user","kind":"message","parts":[{"kind":"data","data":{"d":{d}}}]}}',
        {},
        False,
    ),
    (
        "rest-0.3-stream",
        "/v1/message:stream",
        '{"message":{"messageId":"m","role":"user","kind":"message","parts":[{"kind":"data","data":{"d":{d}}}]}}',
        {},
        False,
    ),
]


@pytest.fixture(scope="module")
def roomy_agent_url() -> Iterator[str]:
    with demo_agent() as url:
        yield url


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_gets_the_protocol_parse_error_on_every_path(roomy_agent_url: str, depth: int) -> None:
    """Past ~970 levels a RecursionError escaped: a plain-text 500 (lean path) or -32603 (SDK JSON-RPC)."""
    agent_url = roomy_agent_url
    for name, path, template, headers, jsonrpc in DEEP_PATHS:
        body = template.replace("{d}", _deep(depth))
        r = httpx.post(
            agent_url + path, content=body, headers={"Content-Type": "application/json", **headers}, timeout=30
        )
        assert r.headers["content-type"].startswith("application/json"), (name, r.status_code, r.text[:200])
        if jsonrpc:
            assert r.status_code == 200, name
            assert r.json()["error"]["code"] == -32700, (name, r.text[:200])
            assert r.json()["id"] is None
        else:
            assert r.status_code == 400, (name, r.text[:200])
            assert r.json()["error"]["status"] == "INVALID_ARGUMENT", name
    # still serving, and ordinary nesting is untouched
    ok = httpx.post(
        agent_url + "/",
        json=json.loads('{"jsonrpc":"2.0","id":3,"method":"SendMessage","params":{' + MSG10 + "}}"),
        headers=V1,
    )
    assert ok.json()["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
