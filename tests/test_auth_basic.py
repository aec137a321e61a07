"""HTTP Basic (`--basic USER[:PASS]`, A2ACLI_BASIC / A2ACLI_BASIC_PASSWORD) against the real demo agent behind a
real Basic-checking guard that records what it was sent."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.agent import _DeferredApp
from tests.support.server import serve_in_thread

USER, PASSWORD = "alice", "pw-basic-0123456789"


class BasicGuard:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/.well-known/"):
            header = dict(scope["headers"]).get(b"authorization", b"").decode()
            self.seen.append(header)
            expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if header != expected:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"www-authenticate", b'Basic realm="demo"'), (b"content-length", b"0")],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def basic_agent() -> Iterator[tuple[str, BasicGuard]]:
    from a2acli.agent.app import create_app
    from a2acli.agent.options import ServeOptions

    deferred = _DeferredApp()
    guard = BasicGuard(deferred)
    with serve_in_thread(guard) as url:
        port = urlsplit(url).port
        assert port is not None
        deferred.app = create_app(dataclasses.replace(ServeOptions(delay=0), port=port))
        yield url, guard


def test_basic_user_and_password(basic_agent: tuple[str, BasicGuard], capsys: pytest.CaptureFixture[str]) -> None:
    from a2acli.cli import run

    url, guard = basic_agent
    guard.seen.clear()
    assert run(["send", "-a", url, "--basic", f"{USER}:{PASSWORD}", "-o", "json", "hi"]) == 0
    out = capsys.readouterr()
    assert "Hello!" in out.out and PASSWORD not in out.out + out.err
    assert guard.seen and all(s.startswith("Basic ") for s in guard.seen)


def test_basic_password_from_the_variable(
    basic_agent: tuple[str, BasicGuard], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from a2acli.cli import run

    url, _ = basic_agent
    monkeypatch.setenv("A2ACLI_BASIC", USER)
    monkeypatch.setenv("A2ACLI_BASIC_PASSWORD", PASSWORD)
    assert run(["send", "-a", url, "hi"]) == 0


def test_wrong_basic_password_is_exit_4_and_never_printed(
    basic_agent: tuple[str, BasicGuard], capsys: pytest.CaptureFixture[str]
) -> None:
    from a2acli.cli import run

    url, _ = basic_agent
    assert run(["send", "-a", url, "--basic", f"{USER}:wrong-secret-value", "-o", "json", "--debug", "hi"]) == 4
    out = capsys.readouterr()
    assert json.loads(out.out.splitlines()[-1])["error"]["code"] == "A2ACLI_ERR_AUTH_FAILED"
    assert "wrong-secret-value" not in out.out + out.err
    assert base64.b64encode(f"{USER}:wrong-secret-value".encode()).decode() not in out.out + out.err


def test_basic_without_password_off_a_terminal_is_a_usage_error(
    basic_agent: tuple[str, BasicGuard], capsys: pytest.CaptureFixture[str]
) -> None:
    from a2acli.cli import run

    url, _ = basic_agent
    assert run(["send", "-a", url, "--basic", USER, "hi"]) == 2
    assert "A2ACLI_BASIC_PASSWORD" in capsys.readouterr().err


def test_basic_and_bearer_together_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from a2acli.cli import run

    assert (
        run(["send", "-a", "http://127.0.0.1:9", "--basic", "alice:pw-9c2e7b1d", "--bearer", "tok-5e8a3f0c", "hi"]) == 2
    )


def test_the_hint_names_basic_when_the_card_declares_it() -> None:
    from a2acli.client.credentials import auth_hint, security_schemes

    doc = {"securitySchemes": {"b": {"httpAuthSecurityScheme": {"scheme": "Basic"}}}}
    assert "--basic" in auth_hint(security_schemes(doc), supplied=False)  # type: ignore[arg-type]
