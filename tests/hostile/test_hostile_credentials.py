"""Credentials against hostile agents (issue 8): never printed (errors, --debug, JSON envelopes, tracebacks), never
forwarded across origins on redirects, and not sent to a card endpoint unless asked. Asserted on what real servers
recorded, not on what the client says it did."""

from __future__ import annotations

import pytest

from tests.hostile.clirun import assert_raw_bytes_escaped, check_run, run_cli, run_pty
from tests.hostile.servers import HostileAgent

BEARER = "sk-hostile-bearer-0123456789"
API_KEY = "ak-hostile-apikey-9876543210"
CREDS = ["--bearer", BEARER, "--api-key", API_KEY]


def _assert_never_printed(out: str, err: str) -> None:
    for secret in (BEARER, API_KEY):
        assert secret not in out, "a credential reached stdout"
        assert secret not in err, "a credential reached stderr"


def test_credentials_go_to_the_agent_not_to_the_card(hostile: HostileAgent, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["send", "hello", "-a", hostile.card_url("ok"), *CREDS], capsys)
    check_run(result, codes={0}, case="credentials: send to ok")
    _assert_never_printed(result.out, result.err)
    requests = hostile.recorder.snapshot()
    card_reqs = [r for r in requests if "/.well-known/" in r.path]
    rpc_reqs = [r for r in requests if r.path.endswith("/rpc")]
    assert card_reqs and rpc_reqs
    for r in card_reqs:
        text = str(r.headers) + r.query
        assert BEARER not in text and API_KEY not in text, "credentials were sent to the card endpoint"
    assert all(r.headers.get("authorization") == f"Bearer {BEARER}" for r in rpc_reqs)


def test_card_command_does_not_send_credentials_unless_asked(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(["card", "-a", hostile.card_url("ok"), *CREDS], capsys)
    check_run(result, codes={0}, case="credentials: card without --card-credentials")
    assert BEARER not in hostile.recorder.all_text() and API_KEY not in hostile.recorder.all_text()
    hostile.recorder.clear()
    result = run_cli(["card", "-a", hostile.card_url("ok"), "--card-credentials", *CREDS], capsys)
    check_run(result, codes={0}, case="credentials: card with --card-credentials")
    # Asked for, but this card endpoint declares no scheme (no 401 challenge): nothing is presented (AUTH_008).
    assert BEARER not in hostile.recorder.all_text() and API_KEY not in hostile.recorder.all_text()


def test_card_redirect_to_another_origin_drops_credentials(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hostile.other is not None
    argv = ["card", "-a", hostile.card_url("redirect-cross-origin"), "--card-credentials", *CREDS]
    result = run_cli(argv, capsys)
    check_run(result, codes={0}, case="credentials: card redirect across origins")
    assert hostile.other.recorder.snapshot(), "the redirect was not followed at all"
    other = hostile.other.recorder.all_text()
    assert BEARER not in other and API_KEY not in other, "credentials followed a cross-origin redirect"


@pytest.mark.parametrize("mode", [["send", "hello"], ["stream", "hello", "--jsonl"]])
def test_agent_redirect_to_another_origin_drops_credentials(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str], mode: list[str]
) -> None:
    assert hostile.other is not None
    result = run_cli([*mode, "-a", hostile.card_url("rpc-redirect-cross-origin"), *CREDS, "--timeout", "5s"], capsys)
    check_run(result, codes={0, 1, 3}, case="credentials: 307 to another origin")
    other = hostile.other.recorder.all_text()
    assert BEARER not in other and API_KEY not in other, "credentials followed a cross-origin redirect"
    _assert_never_printed(result.out, result.err)


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("scenario", ["echo-credentials", "rpc-401", "rpc-403", "escape-error", "rpc-500-html"])
def test_debug_output_and_errors_never_show_credentials(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str], scenario: str, output: str
) -> None:
    argv = ["send", "hello", "-a", hostile.card_url(scenario), "-o", output, "--debug", *CREDS, "--timeout", "5s"]
    result = run_cli(argv, capsys)
    assert result.code != 0
    assert "Traceback" not in result.out
    # --debug may print a (redacted) traceback on stderr; the credentials must never appear anywhere, and the wire
    # dump of the agent's answer must not carry its escape sequences to the terminal either.
    _assert_never_printed(result.out, result.err)
    assert_raw_bytes_escaped(result.err, "--debug stderr")  # the wire dump shows them \\u-escaped, never raw
    assert BEARER in hostile.recorder.all_text()  # the agent did get them: the redaction is what kept them out


def test_credentials_from_the_environment_are_redacted_too(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("A2ACLI_BEARER", BEARER)
    monkeypatch.setenv("A2ACLI_API_KEY", API_KEY)
    for mode in (["send", "hello", "-o", "json"], ["stream", "hello"]):
        result = run_cli([*mode, "-a", hostile.card_url("echo-credentials"), "--debug"], capsys)
        assert result.code == 1
        _assert_never_printed(result.out, result.err)


# ─── an agent that echoes the credentials it received into the task itself ───

SHORT_KEY = "k9"  # short credentials are redacted too, where they stand alone


def _echo_agent() -> object:
    """A JSON-RPC 1.0 agent that writes the Authorization and X-API-Key it received into the status message, the
    artifact's name and its text, on SendMessage, SendStreamingMessage and GetTask."""
    import json

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    def task(request: Request) -> dict[str, object]:
        seen = f"{request.headers.get('authorization')} key={request.headers.get('x-api-key')}"
        return {
            "id": "t-echo",
            "contextId": "c-echo",
            "status": {
                "state": "TASK_STATE_COMPLETED",
                "message": {"messageId": "m", "role": "ROLE_AGENT", "parts": [{"text": f"you sent {seen}"}]},
            },
            "artifacts": [{"artifactId": "a", "name": f"echo {seen}", "parts": [{"text": f"answer: {seen}"}]}],
        }

    async def card(request: Request) -> Response:
        return JSONResponse(
            {
                "name": "echo",
                "description": "echoes credentials",
                "version": "1",
                "supportedInterfaces": [{"url": "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
                "capabilities": {"streaming": True},
                "securitySchemes": {"key": {"apiKeySecurityScheme": {"location": "header", "name": "X-API-Key"}}},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [],
            }
        )

    async def rpc(request: Request) -> Response:
        body = await request.json()
        result = task(request)
        if body["method"] == "SendStreamingMessage":
            line = json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": {"task": result}})

            async def events():  # type: ignore[no-untyped-def]
                yield f"data: {line}\n\n".encode()

            return StreamingResponse(events(), media_type="text/event-stream")
        wrapped = {"task": result} if body["method"] == "SendMessage" else result
        return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": wrapped})

    return Starlette(routes=[Route("/.well-known/agent-card.json", card), Route("/", rpc, methods=["POST"])])


@pytest.mark.parametrize(
    "argv",
    [
        ["send", "hi"],
        ["send", "hi", "-o", "json"],
        ["send", "hi", "--debug"],
        ["send", "hi", "--stream", "-o", "json"],
        ["send", "hi", "--stream", "-o", "json", "--debug"],
        ["stream", "hi"],
        ["task", "get", "t-echo"],
        ["task", "get", "t-echo", "-o", "json", "--debug"],
    ],
    ids=lambda argv: "-".join(a.strip("-") for a in argv),
)
def test_credentials_an_agent_echoes_into_the_task_are_never_printed(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.server import serve_in_thread

    with serve_in_thread(_echo_agent()) as url:  # type: ignore[arg-type]
        result = run_cli([*argv, "-a", url, "--bearer", BEARER, "--api-key", SHORT_KEY], capsys)
    check_run(result, codes={0}, case=f"echoed credentials: {argv}")
    _assert_never_printed(result.out, result.err)
    assert f"key={SHORT_KEY}" not in result.out + result.err
    assert "key=***" in result.out  # the agent's text is kept, the credential in it is not


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_card_endpoint_echoing_the_credential_it_asked_for_is_redacted(
    output: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from tests.support.server import serve_in_thread

    async def card(request: Request) -> Response:
        seen = request.headers.get("authorization")
        if not seen:
            return Response("", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return JSONResponse(
            {
                "name": "echo card",
                "description": f"you sent {seen}",
                "version": "1",
                "supportedInterfaces": [{"url": "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
                "capabilities": {},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [],
            }
        )

    app = Starlette(routes=[Route("/.well-known/agent-card.json", card)])
    with serve_in_thread(app) as url:
        result = run_cli(["card", "-a", url, "--card-credentials", "--bearer", BEARER, "-o", output], capsys)
    check_run(result, codes={0}, case="card echoing the bearer")
    _assert_never_printed(result.out, result.err)
    assert "you sent Bearer ***" in result.out


@pytest.mark.parametrize("argv", [["stream", "hi"], ["task", "get", "t-echo"]], ids=["stream", "task-get"])
def test_echoed_credentials_stay_off_the_rich_terminal_view(argv: list[str]) -> None:
    from tests.support.server import serve_in_thread

    with serve_in_thread(_echo_agent()) as url:  # type: ignore[arg-type]
        result = run_pty([*argv, "-a", url, "--bearer", BEARER, "--api-key", SHORT_KEY])
    assert result.code == 0, result.out
    _assert_never_printed(result.out, result.err)
    assert f"key={SHORT_KEY}" not in result.out and "key=***" in result.out
