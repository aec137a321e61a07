"""`a2a send` / `a2a stream` against small real servers that misbehave on purpose (JSON-RPC, A2A 1.0).

Each case checks the SPEC exit code and error code, a one-line message on stderr, no traceback, bounded time.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from a2acli.cli import run
from tests.support.server import serve_in_thread

TASK = {"id": "t-1", "contextId": "c-1", "status": {"state": "TASK_STATE_WORKING"}}
DONE = {"id": "t-1", "contextId": "c-1", "status": {"state": "TASK_STATE_COMPLETED"}}


def rpc(result: Any, rid: Any = "1") -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def rpc_error(code: int, message: str, rid: Any = "1") -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


def sse(*docs: Any) -> bytes:
    return b"".join(b"data: " + json.dumps(d).encode() + b"\n\n" for d in docs)


Handler = Callable[[str, dict[str, Any], Request], Any]


@contextmanager
def fake_agent(
    handler: Handler,
    *,
    streaming: bool = True,
    schemes: dict[str, Any] | None = None,
    tenant: str | None = None,
    extensions: list[dict[str, Any]] | None = None,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A JSON-RPC 1.0 agent whose every POST goes to `handler(method, params, request)`; records requests."""
    seen: list[dict[str, Any]] = []
    interface: dict[str, Any] = {"url": "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
    if tenant:
        interface["tenant"] = tenant
    card: dict[str, Any] = {
        "name": "fake",
        "description": "misbehaves",
        "version": "1",
        "supportedInterfaces": [interface],
        "capabilities": {"streaming": streaming, **({"extensions": extensions} if extensions else {})},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [],
    }
    if schemes:
        card["securitySchemes"] = schemes

    async def card_route(request: Request) -> Response:
        return JSONResponse(card)

    async def endpoint(request: Request) -> Any:
        body = json.loads(await request.body())
        seen.append({"headers": dict(request.headers), "body": body})
        return await handler(body["method"], body.get("params") or {}, request)

    app = Starlette(
        routes=[
            Route("/.well-known/agent-card.json", card_route, methods=["GET"]),
            Route("/", endpoint, methods=["POST"]),
        ]
    )
    with serve_in_thread(app) as url:
        yield url, seen


def stream_of(body: bytes | Callable[[], AsyncIterator[bytes]], status: int = 200) -> StreamingResponse:
    if isinstance(body, bytes):
        data = body

        async def gen() -> AsyncIterator[bytes]:
            yield data

        return StreamingResponse(gen(), status_code=status, media_type="text/event-stream")
    return StreamingResponse(body(), status_code=status, media_type="text/event-stream")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err, time.monotonic() - started


def _one_line_error(err: str, code: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and f"[{code}]" in lines[0], err
    assert "Traceback" not in err


def test_garbage_sse_is_an_invalid_agent_response(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        return stream_of(b"data: this is not json\n\n")

    with fake_agent(handler) as (url, _):
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url, "--stream", "-o", "json")
    assert code == 1
    assert json.loads(out.splitlines()[-1])["error"]["code"] == "InvalidAgentResponseError"
    _one_line_error(err, "InvalidAgentResponseError")


def test_truncated_stream_falls_back_to_polling(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        if method == "SendStreamingMessage":
            return stream_of(sse(rpc({"task": TASK})))  # then the stream just ends
        if method == "SubscribeToTask":
            return JSONResponse(rpc_error(-32004, "subscribe is not supported"))
        if method == "GetTask":
            return JSONResponse(rpc(DONE))
        return JSONResponse(rpc_error(-32601, "no"))

    with fake_agent(handler) as (url, seen):
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url, "--stream", "-o", "json", "--poll-interval", "50ms")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0] == {"task": TASK}
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert [r["body"]["method"] for r in seen][-1] == "GetTask"
    assert "polling" in err


def test_stream_cut_mid_event_before_any_task_is_unreachable(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        return stream_of(b'data: {"jsonrpc": "2.0", "result": {"task": {"id": "t')

    with fake_agent(handler) as (url, _):
        code, _, err, _ = _run(capsys, "send", "hi", "-a", url)
    assert code == 3
    _one_line_error(err, "A2ACLI_ERR_UNREACHABLE")


def test_stall_after_headers_honours_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        async def gen() -> AsyncIterator[bytes]:
            yield sse(rpc({"task": TASK}))
            await asyncio.sleep(30)

        return stream_of(gen)

    with fake_agent(handler) as (url, _):
        code, out, err, took = _run(capsys, "stream", "hi", "-a", url, "--timeout", "1s")
    assert code == 5 and took < 8
    _one_line_error(err, "A2ACLI_ERR_TIMEOUT")
    assert "Task ID: t-1" in out and "Resume: a2a task subscribe" in out


def test_html_500_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        return Response("<html><body><h1>Internal Server Error</h1></body></html>", 500, media_type="text/html")

    with fake_agent(handler) as (url, _):
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url, "-o", "json")
    assert code == 1
    envelope = json.loads(out)["error"]
    assert (
        envelope["code"] == "A2ACLI_ERR_INTERNAL" and envelope["a2aCode"] == 500 and "text/html" in envelope["message"]
    )
    _one_line_error(err, "A2ACLI_ERR_INTERNAL")


def test_401_hint_comes_from_the_card_and_the_token_never_shows(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        return Response("nope", 401, headers={"WWW-Authenticate": 'Bearer realm="agents"'})

    schemes = {"bearerAuth": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}}
    with fake_agent(handler, schemes=schemes) as (url, seen):
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url)
        assert code == 4
        _one_line_error(err, "A2ACLI_ERR_CREDENTIALS_MISSING")
        assert "--bearer" in err and 'Bearer realm="agents"' in err
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url, "--bearer", "s3cret-t0ken", "--debug")
        assert code == 4
        assert "[A2ACLI_ERR_AUTH_FAILED]" in err
        assert "s3cret-t0ken" not in out + err
        assert seen[-1]["headers"]["authorization"] == "Bearer s3cret-t0ken"


def test_api_key_goes_in_the_declared_header(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        if request.headers.get("x-agent-key") != "k-12345":
            return Response("", 403)
        return JSONResponse(rpc({"message": {"messageId": "m", "role": "ROLE_AGENT", "parts": [{"text": "ok"}]}}))

    schemes = {"key": {"apiKeySecurityScheme": {"location": "header", "name": "X-Agent-Key"}}}
    with fake_agent(handler, schemes=schemes, streaming=False) as (url, _):
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url, "--api-key", "k-12345")
        assert code == 0, err
        assert "Message:\nok\n" in out
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url)
        assert code == 4 and "X-Agent-Key" in err


def test_error_event_mid_stream_keeps_its_a2a_name(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        body = (
            sse(rpc({"task": TASK}))
            + b"event: error\ndata: "
            + json.dumps(rpc_error(-32004, "cannot do that")).encode()
            + b"\n\n"
        )
        return stream_of(body)

    with fake_agent(handler) as (url, _):
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url, "--stream", "-o", "json")
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0] == {"task": TASK}
    assert lines[-1]["error"]["code"] == "UnsupportedOperationError" and lines[-1]["error"]["a2aCode"] == -32004
    _one_line_error(err, "UnsupportedOperationError")


def test_plain_json_error_answered_to_a_stream(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        return JSONResponse(rpc_error(-32001, "no such task"))

    with fake_agent(handler) as (url, _):
        code, _out, err, _ = _run(capsys, "stream", "hi", "-a", url, "--task-id", "gone")
    assert code == 1
    _one_line_error(err, "TaskNotFoundError")
    assert "no new task was started" in err


def test_non_streaming_agent_still_gives_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    polls = {"n": 0}

    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        if method == "SendMessage":
            assert params["configuration"]["returnImmediately"] is True
            return JSONResponse(rpc({"task": TASK}))
        if method == "GetTask":
            polls["n"] += 1
            if polls["n"] < 3:
                return JSONResponse(rpc(TASK))
            artifact = {"artifactId": "a", "name": "answer", "parts": [{"text": "forty-two"}]}
            return JSONResponse(rpc({**DONE, "artifacts": [artifact]}))
        return JSONResponse(rpc_error(-32601, f"unexpected {method}"))

    with fake_agent(handler, streaming=False) as (url, seen):
        code, out, err, _ = _run(capsys, "send", "q", "-a", url, "--stream", "-o", "json", "--poll-interval", "20ms")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0] == {"task": TASK}
    assert events[1]["artifactUpdate"]["artifact"]["parts"] == [{"text": "forty-two"}]
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "does not advertise streaming" in err
    assert all(r["body"]["method"] != "SendStreamingMessage" for r in seen)


def test_huge_event_is_capped(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A2ACLI_MAX_EVENT_BYTES", "100000")

    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        async def gen() -> AsyncIterator[bytes]:
            yield b'data: {"jsonrpc":"2.0","result":{"message":{"parts":[{"text":"'
            for _ in range(200):
                yield b"x" * 10_000
            yield b'"}]}}}\n\n'

        return stream_of(gen)

    with fake_agent(handler) as (url, _):
        code, _, err, took = _run(capsys, "send", "hi", "-a", url)
    assert code == 1 and took < 10
    _one_line_error(err, "InvalidAgentResponseError")
    assert "100000-byte limit" in err


def test_events_for_another_task_and_after_the_end_are_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    other = {"statusUpdate": {"taskId": "t-other", "contextId": "c-1", "status": {"state": "TASK_STATE_FAILED"}}}
    done = {"statusUpdate": {"taskId": "t-1", "contextId": "c-1", "status": {"state": "TASK_STATE_COMPLETED"}}}
    late = {"artifactUpdate": {"taskId": "t-1", "contextId": "c-1", "artifact": {"artifactId": "z", "parts": []}}}

    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        return stream_of(sse(rpc({"task": TASK}), rpc(other), rpc(done), rpc(late)))

    with fake_agent(handler) as (url, _):
        code, out, err, _ = _run(capsys, "send", "hi", "-a", url, "--stream", "-o", "json")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events == [{"task": TASK}, done]
    assert "another task" in err


def test_every_request_carries_the_version_and_the_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        if method == "SendStreamingMessage":
            return stream_of(
                sse(
                    rpc({"task": TASK}),
                    rpc({"statusUpdate": {"taskId": "t-1", "contextId": "c-1", "status": DONE["status"]}}),
                )
            )
        return JSONResponse(rpc(DONE))

    with fake_agent(handler, tenant="acme") as (url, seen):
        code, _, err, _ = _run(capsys, "send", "hi", "-a", url, "--svc-param", "X-Trace:abc")
    assert code == 0, err
    assert [r["body"]["method"] for r in seen] == ["SendStreamingMessage", "GetTask"]
    for request in seen:
        assert request["headers"]["a2a-version"] == "1.0"
        assert request["headers"]["x-trace"] == "abc"
        assert request["body"]["params"]["tenant"] == "acme"


def _rest_agent(reply: dict[str, Any], status: int) -> Starlette:
    """An HTTP+JSON 1.0 agent whose every SendMessage is answered with `reply` and `status`."""

    async def card_route(request: Request) -> Response:
        return JSONResponse(
            {
                "name": "rest",
                "description": "errs",
                "version": "1",
                "supportedInterfaces": [{"url": "/", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"}],
                "capabilities": {"streaming": False},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [],
            }
        )

    async def send(request: Request) -> Response:
        return JSONResponse(reply, status_code=status)

    return Starlette(
        routes=[
            Route("/.well-known/agent-card.json", card_route, methods=["GET"]),
            Route("/message:send", send, methods=["POST"]),
        ]
    )


@pytest.mark.parametrize(
    ("reply", "status", "code", "a2a_code"),
    [
        ({"type": "QuotaExceededError", "message": "over quota"}, 429, "A2ACLI_ERR_INTERNAL", "QuotaExceededError"),
        ({"type": "TaskNotFoundError", "message": "gone"}, 404, "TaskNotFoundError", 404),
        ({"error": {"code": 400, "status": "FAILED_PRECONDITION", "message": "no"}}, 400, "A2ACLI_ERR_INTERNAL", 400),
    ],
    ids=["agent-named", "a2a-named", "status-only"],
)
def test_an_error_name_a2a_does_not_define_is_not_copied_into_code_over_http_json(
    reply: dict[str, Any], status: int, code: str, a2a_code: object, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_in_thread(_rest_agent(reply, status)) as url:
        exit_code, out, _, _ = _run(capsys, "send", "hi", "-a", url, "-o", "json")
    error = json.loads(out)["error"]
    assert exit_code == 1 and (error["code"], error["a2aCode"]) == (code, a2a_code), error


def test_an_unknown_jsonrpc_error_code_keeps_the_agents_code_only_in_a2a_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        return JSONResponse(rpc_error(-32999, "the agent's own failure"))

    with fake_agent(handler) as (url, _):
        code, out, _, _ = _run(capsys, "send", "hi", "-a", url, "-o", "json")
        assert code == 1
        error = json.loads(out)["error"]
        assert (error["code"], error["a2aCode"], error["message"]) == (
            "A2ACLI_ERR_INTERNAL",
            -32999,
            "the agent's own failure",
        )
        code, _, err, _ = _run(capsys, "send", "hi", "-a", url, "--stream")
        assert code == 1
        _one_line_error(err, "A2ACLI_ERR_INTERNAL")



def test_extensions_are_declared_on_every_request(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A2ACLI_VER_002: --extension (repeatable, A2ACLI_EXTENSION) and the extensions the card marks required go
    in A2A-Extensions on every request of the connection; --debug says which the card required."""

    async def handler(method: str, params: dict[str, Any], request: Request) -> Any:
        return JSONResponse(rpc({"task": DONE} if method == "SendMessage" else DONE))

    with fake_agent(handler, streaming=False) as (url, seen):
        code, _, err, _ = _run(capsys, "send", "hi", "-a", url, "--extension", "urn:x:a", "--extension", "urn:x:b")
        assert code == 0, err
        assert seen and {r["headers"].get("a2a-extensions") for r in seen} == {"urn:x:a, urn:x:b"}
        monkeypatch.setenv("A2ACLI_EXTENSION", "urn:x:env")
        assert _run(capsys, "task", "get", "t-1", "-a", url)[0] == 0
        assert seen[-1]["headers"].get("a2a-extensions") == "urn:x:env"
        monkeypatch.delenv("A2ACLI_EXTENSION")
        assert _run(capsys, "task", "get", "t-1", "-a", url)[0] == 0
        assert "a2a-extensions" not in seen[-1]["headers"]
    extensions = [{"uri": "urn:x:required", "required": True}, {"uri": "urn:x:optional"}]
    with fake_agent(handler, streaming=False, extensions=extensions) as (url, seen):
        code, _, err, _ = _run(capsys, "send", "hi", "-a", url, "--extension", "urn:x:a", "--debug")
        assert code == 0, err
        assert seen[-1]["headers"].get("a2a-extensions") == "urn:x:a, urn:x:required"
        assert "extension urn:x:required required" in err
        assert _run(capsys, "task", "get", "t-1", "-a", url)[0] == 0
        assert seen[-1]["headers"].get("a2a-extensions") == "urn:x:required"
