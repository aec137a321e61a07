"""SPEC requirements not met today, each as a test that fails until its fix lands (strict xfail).

The compliance report cites each one as the observation behind a `fail` (`tests/compliance/requirements.py`,
`Open(..., observed_by=...)`). When a fix makes one pass, pytest reports XPASS(strict) as a failure: remove
its `xfail` mark, and turn the requirement's entry into `Proven(...)` naming this test, then regenerate
the report (`.venv/bin/python scripts/compliance_report.py`).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.agent import demo_agent
from tests.support.cli import run_cli as _run
from tests.support.server import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
CARDS = Path(__file__).parent / "cards"
SECRET = "defect-test-bearer-0123456789"


def defect(requirement: str, issue: int, what: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"{requirement} not met yet (issue {issue}): {what}")


def _option_help(out: str, option: str) -> str:
    """The help text of one option in a Rich help box (its line and the continuation lines)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if re.search(rf"[│|]\s+{re.escape(option)}\b", line))
    end = next(i for i in range(start + 1, len(lines)) if re.match(r"[│|]\s+-", lines[i]) or "╰" in lines[i])
    return " ".join(" ".join(re.sub(r"[│|]", " ", line) for line in lines[start:end]).split())


# ─── a recording agent whose card is whatever a test needs ───


class Recorder:
    def __init__(self, card: dict[str, Any]) -> None:
        self.card = card
        self.seen: list[dict[str, Any]] = []

    def app(self) -> Starlette:
        async def card(request: Request) -> Response:
            self.seen.append({"path": request.url.path, "headers": dict(request.headers), "method": None})
            return JSONResponse(self.card)

        async def rpc(request: Request) -> Response:
            body = await request.json()
            self.seen.append({"path": request.url.path, "headers": dict(request.headers), "method": body["method"]})
            if body["method"] == "GetExtendedAgentCard":
                return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": self.card})
            if body["method"] == "SendMessage":
                task = {
                    "id": "t-1",
                    "contextId": "c-1",
                    "status": {"state": "TASK_STATE_COMPLETED"},
                    "artifacts": [{"artifactId": "a-1", "parts": [{"text": "ok"}]}],
                }
                return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": {"task": task}})
            return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32999, "message": "odd"}})

        return Starlette(
            routes=[Route("/.well-known/agent-card.json", card), Route("/", rpc, methods=["POST"])],
        )


def _card(base: str, **capabilities: Any) -> dict[str, Any]:
    return {
        "name": "recorder",
        "description": "records what it is sent",
        "version": "1",
        "supportedInterfaces": [{"url": base + "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
        "capabilities": {"streaming": False, "pushNotifications": False, **capabilities},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "s", "name": "s", "description": "d", "tags": ["t"]}],
    }


@pytest.fixture
def recorder() -> Iterator[tuple[str, Recorder]]:
    """A recording agent on 127.0.0.1 whose card declares no security scheme, no push, no streaming."""
    rec = Recorder({})
    with serve_in_thread(rec.app()) as base:
        rec.card = _card(base)
        yield base, rec


# ─── Tier 1 ───


@pytest.mark.parametrize("command", [["card"], ["card", "validate"], ["card", "verify"]])
def test_card_commands_warn_when_insecure_disables_tls_verification(
    command: list[str], agent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tls_url = agent.replace("http://", "https://")
    _, _, err = _run(capsys, *command, "-a", tls_url, "--insecure")
    assert "warning" in err.lower() and "--insecure" in err


def test_going_below_1_0_is_never_silent(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(protocol_versions="0.3") as base:
        code, _, err = _run(capsys, "send", "hi", "-a", base)
    assert "0.3" in err and ("warning" in err.lower() or code != 0)


def _pty_stdout(argv: list[str]) -> bytes:
    """What `argv` writes to stdout when stdout is a terminal (stderr apart)."""
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")} | {"COLUMNS": "100", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(argv, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    proc.wait(timeout=30)
    os.close(master)
    return out


@pytest.mark.parametrize("explicit", [[], ["-o", "text"]])
def test_the_text_floor_is_the_default_on_a_terminal_too(
    explicit: list[str], agent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Also A2ACLI_DEFAULT_001's `output_human_readable_text` row."""
    code, out, err = _run(capsys, "send", "hi", "-a", agent, "-o", "json")
    assert code == 0, err
    task_id = json.loads(out)["task"]["id"]
    a2a = [sys.executable, "-m", "a2acli"]
    for argv in (["task", "get", task_id, "-a", agent], ["card", "-a", agent]):
        shown = _pty_stdout([*a2a, *argv, *explicit])
        assert b"\x1b[" not in shown and "╭".encode() not in shown, (argv, shown[:200])
        assert shown.startswith((b"Task ID: ", b"Name: ")), (argv, shown[:200])


@pytest.mark.parametrize("explicit", [[], ["-o", "text"], ["--stream"]])
def test_send_prints_the_text_floor_on_a_terminal_too(explicit: list[str], agent: str) -> None:
    """The rest of OUT_005 beside the task and card commands (above): `send`, waiting or `--stream`, prints the floor
    on a terminal. (`a2a stream` keeps its Live view there by design; `a2a send --stream` is the SPEC's form.)"""
    shown = _pty_stdout([sys.executable, "-m", "a2acli", "send", "hi", "-a", agent, *explicit])
    assert b"\x1b[" not in shown and "╭".encode() not in shown, shown[:200]
    assert shown.startswith(b"Task ID: "), shown[:200]


def test_an_unknown_agent_error_code_gets_no_invented_name(
    recorder: tuple[str, Recorder], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = recorder
    code, out, _ = _run(capsys, "task", "get", "t-1", "-a", base, "-o", "json")
    assert code == 1
    error = json.loads(out)["error"]
    assert error["a2aCode"] == -32999
    assert error["code"] != "UnknownA2AError"


def test_the_interrupt_envelope_agrees_with_exit_130() -> None:
    with demo_agent(delay=0.5) as base:
        proc = subprocess.Popen(
            [sys.executable, "-m", "a2acli", "send", "hi", "-a", base, "-o", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")},
        )
        time.sleep(2.5)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert json.loads(out.splitlines()[-1])["error"]["code"] != "A2ACLI_ERR_INTERNAL"


def test_every_credential_flag_documents_its_exposure(capsys: pytest.CaptureFixture[str]) -> None:
    for command, option in (
        (["send"], "--bearer"),
        (["send"], "--api-key"),
        (["card"], "--api-key"),
        (["task", "push-config", "create"], "--token"),
        (["task", "push-config", "create"], "--auth-credentials"),
    ):
        _, out, _ = _run(capsys, *command, "--help")
        text = _option_help(out, option)
        assert "process table" in text and "A2ACLI_" in text, (command, option, text)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "process table" in readme and "shell history" in readme


def test_card_help_shows_the_effective_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "card", "--help")
    text = _option_help(out, "--timeout")
    assert "no limit" not in text and "30s" in text.replace(" s", "s")


# ─── Tier 2 ───


@pytest.mark.parametrize("action", [["list", "t-1"], ["create", "t-1", "-w", "http://127.0.0.1:9/hook"]])
def test_push_config_is_refused_when_the_card_has_no_push(
    action: list[str], recorder: tuple[str, Recorder], capsys: pytest.CaptureFixture[str]
) -> None:
    base, rec = recorder
    code, _, err = _run(capsys, "task", "push-config", *action, "-a", base)
    assert code != 0 and "push" in err.lower()
    assert [r["method"] for r in rec.seen if r["method"]] == []


def test_config_show_reports_the_defaults_help_shows(capsys: pytest.CaptureFixture[str]) -> None:
    _, shown, _ = _run(capsys, "config", "show")
    _, helped, _ = _run(capsys, "task", "get", "--help")
    reported = re.search(r"^A2ACLI_POLL_INTERVAL: (\S+) \(default\)$", shown, re.M)
    documented = re.search(r"\[default: (\S+?)\]", _option_help(helped, "--poll-interval"))
    assert reported and documented and reported.group(1) == documented.group(1)


def test_download_json_is_not_a_shape_of_the_tools_own(
    agent: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "send", "hi", "-a", agent, "-o", "json")
    assert code == 0, err
    task_id = json.loads(out)["task"]["id"]
    code, out, err = _run(capsys, "task", "download", task_id, "-a", agent, "-d", str(tmp_path), "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    # A Task has a top-level contextId of its own (A2A §4.1.1); the tool's shape had taskId and state.
    assert not {"taskId", "state"} & set(doc) and doc["id"] == task_id and "status" in doc


# ─── Tier 3 (issue 13 fixes them now) ───


def test_card_credentials_go_only_where_a_scheme_accepts_them(
    recorder: tuple[str, Recorder], capsys: pytest.CaptureFixture[str]
) -> None:
    base, rec = recorder
    _run(capsys, "card", "-a", base, "--card-credentials", "--bearer", SECRET, "-o", "json")
    card_requests = [r for r in rec.seen if r["path"].startswith("/.well-known/")]
    assert card_requests and all("authorization" not in r["headers"] for r in card_requests)


def test_the_extended_card_is_fetched_only_through_a_declared_scheme(
    recorder: tuple[str, Recorder], capsys: pytest.CaptureFixture[str]
) -> None:
    base, rec = recorder
    rec.card["capabilities"]["extendedAgentCard"] = True
    _run(capsys, "card", "-a", base, "--extended", "--bearer", SECRET, "-o", "json")
    assert not [r for r in rec.seen if r["method"] == "GetExtendedAgentCard" and "authorization" in r["headers"]]


def test_extensions_are_declared_to_the_agent(
    recorder: tuple[str, Recorder], capsys: pytest.CaptureFixture[str]
) -> None:
    base, rec = recorder
    rec.card["capabilities"]["extensions"] = [{"uri": "urn:example:required", "required": True}]
    code, _, err = _run(capsys, "send", "hi", "-a", base, "--extension", "urn:example:opt")
    assert code == 0, err
    [sent] = [r for r in rec.seen if r["method"] == "SendMessage"]
    declared = sent["headers"].get("a2a-extensions", "")
    assert "urn:example:opt" in declared and "urn:example:required" in declared


def test_a_key_the_card_names_itself_is_not_trusted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from a2acli.cards.signing import public_jwks, sign_card_dict

    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    document = public_jwks(key, kid="fresh")

    async def jwks(request: Request) -> Response:
        return JSONResponse(document)

    with serve_in_thread(Starlette(routes=[Route("/jwks.json", jwks)])) as elsewhere:
        card = json.loads((CARDS / "valid" / "v1-full.json").read_text())
        path = tmp_path / "card.json"
        path.write_text(json.dumps(sign_card_dict(card, key, kid="fresh", jku=elsewhere + "/jwks.json")))
        _, out, _ = _run(capsys, "card", "verify", str(path), "-o", "json")
    assert all(check["status"] != "verified" for check in json.loads(out)["signatures"])


# ─── delivered by other open issues: the commands do not exist yet ───


def _usage_of(capsys: pytest.CaptureFixture[str], *command: str) -> tuple[int, str]:
    code, out, _ = _run(capsys, *command, "--help")
    return code, out


def test_auth_login_exists(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _usage_of(capsys, "auth", "login")
    assert code == 0 and "Usage:" in out


def test_conformance_exists(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _usage_of(capsys, "conformance")
    assert code == 0 and "Usage:" in out


def test_chat_exists(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _usage_of(capsys, "chat")
    assert code == 0 and "Usage:" in out
