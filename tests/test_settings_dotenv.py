""".env files read through python-dotenv: quoting and comments as dotenv defines them, values taken literally,
unparsable statements reported, precedence and sources unchanged. Real files in the isolated home and cwd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2acli.cli import run
from a2acli.settings import load_files, parse_dotenv


def _local(text: str) -> Path:
    path = Path.cwd() / ".env"
    path.write_text(text)
    path.chmod(0o600)
    return path


def _config_show(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, dict[str, object]], str]:
    assert run(["config", "show", "-o", "json", *args]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    return {row["name"]: row for row in report["settings"]}, captured.err


def test_quoted_value_with_a_trailing_comment() -> None:
    path = _local("A2ACLI_BEARER=\"abc\" # my token\nA2ACLI_API_KEY='k 1'  # another\n")
    loaded = load_files([])
    assert loaded.values == {"A2ACLI_BEARER": "abc", "A2ACLI_API_KEY": "k 1"}
    assert loaded.origin == {"A2ACLI_BEARER": path, "A2ACLI_API_KEY": path}
    assert loaded.warnings == []


def test_dotenv_syntax() -> None:
    text = (
        "# comment\n\nexport A2ACLI_A=1\nA2ACLI_B = 'two words'\nA2ACLI_C=\"q\"\nA2ACLI_D=v # trailing\n"
        'OTHER_KEY=ignored\nA2ACLI_E=a#b\nA2ACLI_F="line one\nline two"\nA2ACLI_G="say \\"hi\\""\n'
        "A2ACLI_NO_VALUE\nA2ACLI_EMPTY=\n"
    )
    assert parse_dotenv(text) == {
        "A2ACLI_A": "1",
        "A2ACLI_B": "two words",
        "A2ACLI_C": "q",
        "A2ACLI_D": "v",
        "A2ACLI_E": "a#b",
        "A2ACLI_F": "line one\nline two",
        "A2ACLI_G": 'say "hi"',
        "A2ACLI_EMPTY": "",
    }


def test_values_are_literal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_PART", "leaked")
    values = parse_dotenv('A2ACLI_BEARER=ab${SECRET_PART}cd\nA2ACLI_API_KEY="$SECRET_PART"\n')
    assert values == {"A2ACLI_BEARER": "ab${SECRET_PART}cd", "A2ACLI_API_KEY": "$SECRET_PART"}


def test_unparsable_statement_is_a_warning_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    path = _local("A2ACLI_AGENT_CARD=http://127.0.0.1:9/\nthis is not a statement\nA2ACLI_TRANSPORT=HTTP+JSON\n")
    loaded = load_files([])
    assert loaded.values == {"A2ACLI_AGENT_CARD": "http://127.0.0.1:9/", "A2ACLI_TRANSPORT": "HTTP+JSON"}
    assert len(loaded.warnings) == 1
    assert str(path) in loaded.warnings[0] and "line 2" in loaded.warnings[0]
    assert capsys.readouterr().err == ""  # python-dotenv's own log line does not leak
    rows, err = _config_show(capsys)
    assert rows["A2ACLI_AGENT_CARD"]["source"] == "file" and rows["A2ACLI_AGENT_CARD"]["file"] == str(path)
    assert err.count("line 2") == 1


def test_precedence_and_sources(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = _local('A2ACLI_AGENT_CARD="http://127.0.0.1:7/"  # from the file\nA2ACLI_BEARER="abc" # my token\n')
    rows, _ = _config_show(capsys)
    assert rows["A2ACLI_AGENT_CARD"]["value"] == "http://127.0.0.1:7/"
    assert (rows["A2ACLI_AGENT_CARD"]["source"], rows["A2ACLI_AGENT_CARD"]["file"]) == ("file", str(path))
    assert rows["A2ACLI_BEARER"] == {**rows["A2ACLI_BEARER"], "value": "***", "source": "file", "secret": True}
    monkeypatch.setenv("A2ACLI_AGENT_CARD", "http://127.0.0.1:8/")
    rows, _ = _config_show(capsys)
    assert (rows["A2ACLI_AGENT_CARD"]["value"], rows["A2ACLI_AGENT_CARD"]["source"]) == ("http://127.0.0.1:8/", "env")
    rows, _ = _config_show(capsys, "--agent-card", "http://127.0.0.1:9/")
    assert (rows["A2ACLI_AGENT_CARD"]["value"], rows["A2ACLI_AGENT_CARD"]["source"]) == ("http://127.0.0.1:9/", "flag")


_PLAIN = st.text(st.characters(codec="utf-8", exclude_characters="\\'\"\n\r\x00"), max_size=40)


@given(_PLAIN)
def test_quoted_values_round_trip(value: str) -> None:
    assert parse_dotenv(f"A2ACLI_X='{value}'\n") == {"A2ACLI_X": value}
    assert parse_dotenv(f'A2ACLI_X="{value}" # note\n') == {"A2ACLI_X": value}


def test_bearer_from_a_dotenv_file_reaches_the_agent_unquoted(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole path: .env -> default map -> credentials -> the Authorization header a real server receives."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.support.server import serve_in_thread

    seen: list[str | None] = []
    base_box: list[str] = []

    async def card(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "name": "dotenv agent",
                "description": "records the Authorization header",
                "version": "1.0.0",
                "supportedInterfaces": [
                    {"url": f"{base_box[0]}/rpc", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
                ],
                "capabilities": {},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [{"id": "s", "name": "s", "description": "s", "tags": ["t"]}],
                "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}},
                "securityRequirements": [{"schemes": {"bearer": {"list": []}}}],
            }
        )

    async def rpc(request: Request) -> JSONResponse:
        seen.append(request.headers.get("authorization"))
        body = await request.json()
        reply = {"messageId": "m1", "role": "ROLE_AGENT", "parts": [{"text": "hi"}]}
        return JSONResponse({"jsonrpc": "2.0", "id": body.get("id"), "result": {"message": reply}})

    app = Starlette(routes=[Route("/.well-known/agent-card.json", card), Route("/rpc", rpc, methods=["POST"])])
    with serve_in_thread(app) as base:
        base_box.append(base)
        _local(f'A2ACLI_AGENT_CARD="{base}"  # the local agent\nA2ACLI_BEARER="abc-dotenv-token" # my token\n')
        code = run(["send", "hello", "-o", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert seen == ["Bearer abc-dotenv-token"]
    assert "abc-dotenv-token" not in out + err
