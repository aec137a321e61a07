"""Credentials against hostile agents (issue 8): never printed (errors, --debug, JSON envelopes, tracebacks), never
forwarded across origins on redirects, and not sent to a card endpoint unless asked. Asserted on what real servers
recorded, not on what the client says it did."""

from __future__ import annotations

import pytest

from tests.hostile.clirun import assert_raw_bytes_escaped, check_run, run_cli
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
