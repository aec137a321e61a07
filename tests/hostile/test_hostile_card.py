"""`a2a card` against hostile card endpoints (issue 8, client side): the SPEC exit status and error code, one
error line, no traceback, bounded time, and no agent-supplied escape byte in text or JSON mode."""

from __future__ import annotations

import pytest

from tests.hostile.clirun import check_run, run_cli
from tests.hostile.servers import EVIL, HostileAgent

INVALID = ({1}, {"A2ACLI_ERR_CARD_INVALID"})
NOT_FOUND = ({3}, {"A2ACLI_ERR_CARD_NOT_FOUND"})
UNREACHABLE = ({3}, {"A2ACLI_ERR_UNREACHABLE"})
AUTH = ({4}, {"A2ACLI_ERR_AUTH_FAILED", "A2ACLI_ERR_CREDENTIALS_MISSING"})
OK = ({0}, None)

CARD_CASES: dict[str, tuple[set[int], set[str] | None]] = {
    "ok": OK,
    "html-card": INVALID,
    "not-json-card": INVALID,
    "array-card": INVALID,
    "card-invalid-utf8": INVALID,
    "huge-card": INVALID,
    "huge-card-cl": INVALID,
    "lying-cl-card": INVALID,
    "gzip-bomb-card": INVALID,
    "redirect-loop": NOT_FOUND,
    "redirect-pingpong": NOT_FOUND,
    "redirect-chain": NOT_FOUND,
    "card-404": NOT_FOUND,
    "card-500-html": UNREACHABLE,
    "card-401": AUTH,
    "card-403": AUTH,
    "card-429": UNREACHABLE,
    "escape-card": OK,
    "wrong-types-card": ({0, 1}, {"A2ACLI_ERR_CARD_INVALID"}),  # shown safely, or refused: never a crash
    "redirect-cross-origin": OK,
}


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("scenario", sorted(CARD_CASES))
def test_card_get(hostile: HostileAgent, capsys: pytest.CaptureFixture[str], scenario: str, output: str) -> None:
    codes, errors = CARD_CASES[scenario]
    result = run_cli(["card", "-a", hostile.card_url(scenario), "-o", output, "--timeout", "10s"], capsys)
    check_run(result, codes=codes, errors=errors, max_seconds=10, case=f"card {scenario}")


@pytest.mark.parametrize("wire", ["v1", "v03"])
def test_card_origin_reference_falls_back_and_stays_bounded(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str], wire: str
) -> None:
    result = run_cli(["card", "-a", hostile.origin_ref("card-404", wire)], capsys)
    check_run(result, codes={3}, errors={"A2ACLI_ERR_CARD_NOT_FOUND"}, case=f"card origin 404 ({wire})")
    tried = [r.path for r in hostile.recorder.snapshot()]
    assert any(p.endswith("/.well-known/agent-card.json") for p in tried)
    assert any(p.endswith("/.well-known/agent.json") for p in tried)
    assert len(tried) <= 6


def test_card_stall_hits_the_timeout(hostile: HostileAgent, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["card", "-a", hostile.card_url("card-stall"), "--timeout", "1s"], capsys)
    check_run(result, codes={5}, errors={"A2ACLI_ERR_TIMEOUT"}, max_seconds=5, case="card card-stall --timeout 1s")


def test_card_429_does_not_sleep_for_retry_after(hostile: HostileAgent, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["card", "-a", hostile.card_url("card-429")], capsys)
    check_run(result, codes={3}, max_seconds=5, case="card card-429 (Retry-After: 3600)")
    assert "429" in result.err


@pytest.mark.parametrize("wire", ["v1", "v03"])
def test_escape_card_text_keeps_markup_literal(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str], wire: str
) -> None:
    result = run_cli(["card", "-a", hostile.card_url("escape-card", wire)], capsys)
    check_run(result, codes={0}, case=f"card escape-card text ({wire})")
    assert "[bold red]RICH[/bold red]" in result.out  # markup shown as text, never interpreted
    assert "[link=https://evil.example/x]" in result.out


def test_escape_card_json_is_exact(hostile: HostileAgent, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    result = run_cli(["card", "-a", hostile.card_url("escape-card"), "-o", "json"], capsys)
    check_run(result, codes={0}, case="card escape-card json")
    assert json.loads(result.out)["name"] == "Evil" + EVIL  # the card as served, escapes JSON-escaped


@pytest.mark.parametrize("command", [["card", "validate"], ["card", "--validate"]])
@pytest.mark.parametrize("scenario", ["escape-card", "wrong-types-card", "html-card", "huge-card"])
def test_card_validate_on_hostile_cards(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str], scenario: str, command: list[str]
) -> None:
    for output in ("text", "json"):
        argv = [*command, "-a", hostile.card_url(scenario), "-o", output]
        result = run_cli(argv, capsys)
        expected = {0, 1} if scenario == "escape-card" else {1}
        check_run(result, codes=expected, max_seconds=10, case=f"{' '.join(command)} {scenario}")


def test_card_max_bytes_is_configurable(
    hostile: HostileAgent, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("A2ACLI_MAX_CARD_BYTES", "200")
    result = run_cli(["card", "-a", hostile.card_url("ok")], capsys)
    check_run(result, codes={1}, errors={"A2ACLI_ERR_CARD_INVALID"}, case="card ok with A2ACLI_MAX_CARD_BYTES=200")
    assert "200" in result.err
