"""`a2a card` end to end: `a2a.cli.run([...])` against the real demo agent, an SDK agent in 0.3 compat mode,
small misbehaving servers and the card corpus. Exit statuses, stdout/stderr discipline, no escape bytes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from a2acli.cli import run
from tests.support.agent import demo_agent
from tests.support.cli import run_cli as cli
from tests.support.server import free_port, serve_in_thread

CARDS = Path(__file__).parent / "cards"
ESC_OR_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def one_line_error(err: str, code: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: ") and f"[{code}]" in lines[-1], err
    assert "Traceback" not in err


# ------------------------------------------------------------------------------------------------------ showing


def test_card_text_floor_from_demo_agent(capsys: pytest.CaptureFixture[str], agent: str) -> None:
    code, out, err = cli(capsys, "card", "-a", agent)
    assert code == 0, err
    fields = dict(line.split(": ", 1) for line in out.splitlines())
    assert fields["Name"] == "Streaming Demo Agent"
    assert fields["A2A Version"].startswith("1.0")
    assert fields["Streaming"] == "yes"
    assert "JSONRPC 1.0 " + agent in out
    assert fields["Source"] == agent + "/.well-known/agent-card.json"
    assert not ESC_OR_CONTROL.search(out)
    assert err == ""


def test_card_get_json_is_the_card_as_served(capsys: pytest.CaptureFixture[str], agent: str) -> None:
    served = httpx.get(agent + "/.well-known/agent-card.json", headers={"A2A-Version": "1.0"}).json()
    for args in (("card", "-a", agent, "-o", "json"), ("card", "get", agent, "-o", "json")):
        code, out, _ = cli(capsys, *args)
        assert code == 0
        assert out.count("\n") == 1
        assert json.loads(out) == served


def test_card_a2a_version_selects_the_served_view(capsys: pytest.CaptureFixture[str], agent: str) -> None:
    code, out, _ = cli(capsys, "card", "-a", agent, "-o", "json")
    assert code == 0 and "url" not in json.loads(out)  # A2A-Version: 1.0 -> the pure 1.0 card
    code, out, _ = cli(capsys, "card", "-a", agent, "-o", "json", "--a2a-version", "0.3")
    assert code == 0 and "url" in json.loads(out)  # 0.3 -> the hybrid view
    code, out, _ = cli(capsys, "card", "validate", agent, "--a2a-version", "0.3", "-o", "json")
    assert code == 0 and json.loads(out)["version"]["detected"] == "hybrid"


def test_card_get_positional_and_group_option(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CARDS / "valid" / "v03.json")
    for args in (("card", "get", path), ("card", "-a", path, "get"), ("card", "get", "-a", path)):
        code, out, _ = cli(capsys, *args)
        assert code == 0
        assert "Name: Weather Agent" in out
        assert "A2A Version: 0.3 (A2A 0.3 card)" in out


def test_card_positional_reference_on_the_group(capsys: pytest.CaptureFixture[str], agent: str) -> None:
    code, out, _ = cli(capsys, "card", agent, "-o", "json")
    assert code == 0 and json.loads(out)["name"] == "Streaming Demo Agent"
    code, out, _ = cli(capsys, "card", str(CARDS / "valid" / "v03.json"))
    assert code == 0 and "Name: Weather Agent" in out
    code, _, err = cli(capsys, "card", "valdate")  # a typo is a usage error, not a host name
    assert code == 2 and "No such command" in err


def test_card_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    class Stdin:
        buffer = io.BytesIO((CARDS / "valid" / "v02.json").read_bytes())

    monkeypatch.setattr(sys, "stdin", Stdin())
    code, out, _ = cli(capsys, "card", "-a", "-", "-o", "json")
    assert code == 0 and json.loads(out)["name"] == "Old Agent"


def test_escape_sequences_never_reach_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CARDS / "broken" / "escape-sequences.json")
    code, out, err = cli(capsys, "card", "-a", path)
    assert code == 0
    assert not ESC_OR_CONTROL.search(out + err)
    assert "[bold red]markup[/]" in out  # markup shown literally
    code, out, err = cli(capsys, "card", "validate", path)
    assert code == 0 and not ESC_OR_CONTROL.search(out + err)
    assert "AC082" in out


def test_rich_view_is_built_from_text() -> None:
    from rich.console import Console

    from a2acli.cards.validate import validate_card
    from a2acli.render.card import render_card_rich
    from a2acli.render.card_report import render_report_rich

    card = json.loads((CARDS / "broken" / "escape-sequences.json").read_text())
    console = Console(width=100, force_terminal=True, record=True, color_system="standard")
    console.print(render_card_rich(card, source="x"))
    console.print(render_report_rich(validate_card(card)))
    raw = console.export_text(styles=True, clear=False)
    plain = console.export_text()
    for bad in ("\x1b]0;", "\x1b[2J", "\x1b[?1049h", "\x07", "\x08"):
        assert bad not in raw
    assert "[bold red]markup[/]" in plain and "[link=https://evil.test]click[/link]" in plain
    assert "Evil Agent" in plain


def test_text_floor_labels_are_stable() -> None:
    from a2acli.render.card import render_card_text

    labels = set()
    for path in sorted((CARDS / "valid").glob("*.json")):
        text = render_card_text(json.loads(path.read_text()))
        labels |= {line.split(":", 1)[0] for line in text.splitlines()}
        assert all(": " in line for line in text.splitlines())
    assert {"Name", "Description", "Version", "A2A Version", "Interface", "Skill", "Streaming"} <= labels


# ---------------------------------------------------------------------------------------------------- validate


def test_validate_exit_codes_and_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    ok = str(CARDS / "valid" / "v1-full.json")
    bad = str(CARDS / "broken" / "missing-name.json")
    warn = str(CARDS / "broken" / "plain-http-public.json")
    code, out, _ = cli(capsys, "card", "validate", ok)
    assert code == 0 and "Result: valid" in out
    code, out, err = cli(capsys, "card", "validate", bad, "-o", "json")
    assert code == 1
    report = json.loads(out)  # the report is the only stdout line: no envelope after it
    assert out.count("\n") == 1
    assert report["valid"] is False and report["version"]["detected"] == "1.0"
    assert {"code": "AC010", "pointer": "/name"}.items() <= report["findings"][0].items()
    one_line_error(err, "A2ACLI_ERR_CARD_INVALID")
    assert cli(capsys, "card", "validate", warn)[0] == 0
    code, out, err = cli(capsys, "card", "validate", warn, "--strict", "-o", "json")
    assert code == 1 and json.loads(out)["passed"] is False
    assert cli(capsys, "card", "-a", bad, "--validate")[0] == 1
    assert cli(capsys, "card", "-a", ok, "--validate")[0] == 0


def test_validate_sarif(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CARDS.parent.parent)
    code, out, _ = cli(capsys, "card", "validate", "tests/cards/broken/duplicate-skill-ids.json", "-o", "sarif")
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run0 = sarif["runs"][0]
    assert run0["tool"]["driver"]["name"] == "a2acli"
    rule_ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    (result,) = run0["results"]
    assert result["ruleId"] == "AC040" and result["level"] == "error"
    assert rule_ids[result["ruleIndex"]] == "AC040"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/cards/broken/duplicate-skill-ids.json"
    line = location["region"]["startLine"]
    source_line = (CARDS / "broken" / "duplicate-skill-ids.json").read_text().splitlines()[line - 1]
    assert '"id": "echo"' in source_line
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "/skills/1/id"


def test_validate_demo_agent_is_clean(capsys: pytest.CaptureFixture[str], agent: str) -> None:
    code, out, _err = cli(capsys, "card", "validate", agent, "-o", "json")
    assert code == 0, out
    assert json.loads(out)["findings"] == []


def test_validate_live_against_demo_agent(capsys: pytest.CaptureFixture[str], agent: str) -> None:
    code, out, err = cli(capsys, "card", "validate", agent, "--live", "--live-stream", "-o", "json")
    assert code == 0, out + err
    messages = [f["message"] for f in json.loads(out)["findings"]]
    assert all(f["code"] == "AC100" for f in json.loads(out)["findings"])
    assert any("answers as an A2A endpoint" in m for m in messages)
    assert any("refused with VersionNotSupportedError" in m for m in messages)
    assert any("streaming works" in m for m in messages)
    assert any("card served at" in m for m in messages)


def test_validate_live_reports_dead_interfaces(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    card = json.loads((CARDS / "valid" / "v1-minimal.json").read_text())
    card["supportedInterfaces"][0]["url"] = f"http://127.0.0.1:{free_port()}/"
    path = tmp_path / "dead.json"
    path.write_text(json.dumps(card))
    code, out, _err = cli(capsys, "card", "validate", str(path), "--live", "-o", "json")
    assert code == 1
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert {"AC101", "AC102"} <= codes


# ------------------------------------------------------------------------------------------ SDK 0.3 compat agent


def _sdk_v03_app() -> tuple[Starlette, dict[str, Any]]:
    """An agent built with the official SDK, JSON-RPC with 0.3 compat, serving a pure 0.3 card."""
    from a2a.server.agent_execution import AgentExecutor, RequestContext
    from a2a.server.events import EventQueue
    from a2a.server.request_handlers.default_request_handler_v2 import DefaultRequestHandlerV2
    from a2a.server.routes import create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
    from a2a.types.a2a_pb2 import (
        AgentCapabilities,
        AgentCard,
        AgentInterface,
        AgentSkill,
        Part,
        Task,
        TaskState,
        TaskStatus,
    )

    class Echo(AgentExecutor):
        async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
            task_id = context.task_id or str(uuid.uuid4())
            context_id = context.context_id or str(uuid.uuid4())
            task = Task(id=task_id, context_id=context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))
            await event_queue.enqueue_event(task)
            updater = TaskUpdater(event_queue, task_id, context_id)
            await updater.add_artifact([Part(text="echo")])
            await updater.complete()

        async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
            await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()

    card_v03: dict[str, Any] = {
        "protocolVersion": "0.3.0",
        "name": "SDK 0.3 Agent",
        "description": "an a2a-sdk agent speaking 0.3",
        "url": "http://127.0.0.1:0/",  # replaced with the real port
        "preferredTransport": "JSONRPC",
        "version": "1.0.0",
        "capabilities": {"streaming": True},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "echo", "name": "Echo", "description": "echoes", "tags": ["echo"]}],
    }
    proto_card = AgentCard(
        name="SDK 0.3 Agent",
        description="an a2a-sdk agent speaking 0.3",
        version="1.0.0",
        supported_interfaces=[
            AgentInterface(url="http://127.0.0.1/", protocol_binding="JSONRPC", protocol_version="0.3")
        ],
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="echo", name="Echo", description="echoes", tags=["echo"])],
    )
    handler = DefaultRequestHandlerV2(agent_executor=Echo(), task_store=InMemoryTaskStore(), agent_card=proto_card)

    async def card_route(request: Request) -> Response:
        return JSONResponse(card_v03)

    routes = [Route("/.well-known/agent-card.json", card_route)]
    routes.extend(create_jsonrpc_routes(handler, rpc_url="/", enable_v0_3_compat=True))
    return Starlette(routes=routes), card_v03


@pytest.fixture(scope="module")
def sdk_v03_agent() -> Iterator[str]:
    app, card = _sdk_v03_app()
    with serve_in_thread(app) as url:
        card["url"] = url + "/"
        yield url


def test_sdk_v03_agent_card(capsys: pytest.CaptureFixture[str], sdk_v03_agent: str) -> None:
    code, out, err = cli(capsys, "card", "-a", sdk_v03_agent)
    assert code == 0, err
    assert "Name: SDK 0.3 Agent" in out
    assert f"Interface: JSONRPC 0.3.0 {sdk_v03_agent}/" in out
    assert "A2A Version: 0.3 (A2A 0.3 card)" in out
    code, out, err = cli(capsys, "card", "validate", sdk_v03_agent, "--live", "--live-stream", "-o", "json")
    report = json.loads(out)
    assert code == 0, out
    assert report["version"]["detected"] == "0.3"
    messages = " | ".join(f["message"] for f in report["findings"])
    assert "answers as an A2A endpoint" in messages
    assert "streaming works" in messages


# --------------------------------------------------------------------------------------------------- bad input


async def _huge() -> AsyncIterator[bytes]:
    for _ in range(800):
        yield b" " * 65536


def _hostile_app() -> Starlette:
    async def html(request: Request) -> Response:
        return Response("<!doctype html><title>app</title>", media_type="text/html")

    async def text(request: Request) -> Response:
        return Response("nope", media_type="text/plain")

    async def loop(request: Request) -> Response:
        return RedirectResponse("/loop", status_code=302)

    async def huge(request: Request) -> Response:
        return StreamingResponse(_huge(), media_type="application/json")

    async def wrong(request: Request) -> Response:
        return JSONResponse(["not", "a", "card"])

    async def escapes(request: Request) -> Response:
        return Response(b'{"name": "\\u001b]0;owned\\u0007x", "x": [}', media_type="application/json")

    return Starlette(
        routes=[
            Route("/html/.well-known/agent-card.json", html),
            Route("/html/.well-known/agent.json", html),
            Route("/text.json", text),
            Route("/loop", loop),
            Route("/huge.json", huge),
            Route("/wrong.json", wrong),
            Route("/escapes.json", escapes),
        ]
    )


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    with serve_in_thread(_hostile_app()) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/html", 1, "A2ACLI_ERR_CARD_INVALID"),
        ("/text.json", 1, "A2ACLI_ERR_CARD_INVALID"),
        ("/loop", 3, "A2ACLI_ERR_CARD_NOT_FOUND"),
        ("/huge.json", 1, "A2ACLI_ERR_CARD_INVALID"),
        ("/wrong.json", 1, "A2ACLI_ERR_CARD_INVALID"),
        ("/escapes.json", 1, "A2ACLI_ERR_CARD_INVALID"),
        ("/missing", 3, "A2ACLI_ERR_CARD_NOT_FOUND"),
    ],
)
@pytest.mark.parametrize("command", [("card", "-a"), ("card", "validate")])
def test_bad_input(
    capsys: pytest.CaptureFixture[str], hostile: str, path: str, status: int, code: str, command: tuple[str, ...]
) -> None:
    exit_code, out, err = cli(capsys, *command, hostile + path)
    assert exit_code == status, err
    one_line_error(err, code)
    assert len(err.strip().splitlines()) == 1
    assert not ESC_OR_CONTROL.search(out + err)


def test_bad_input_json_envelope(capsys: pytest.CaptureFixture[str], hostile: str) -> None:
    exit_code, out, _err = cli(capsys, "card", "-a", hostile + "/html", "-o", "json")
    assert exit_code == 1
    envelope = json.loads(out)
    assert envelope["error"]["code"] == "A2ACLI_ERR_CARD_INVALID"


def test_sarif_for_a_document_that_is_not_a_card(capsys: pytest.CaptureFixture[str], hostile: str) -> None:
    exit_code, out, err = cli(capsys, "card", "validate", hostile + "/html", "-o", "sarif")
    assert exit_code == 1
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "AC012" and "HTML" in result["message"]["text"]
    one_line_error(err, "A2ACLI_ERR_CARD_INVALID")


def test_404_on_both_paths(capsys: pytest.CaptureFixture[str], hostile: str) -> None:
    exit_code, _, err = cli(capsys, "card", "-a", hostile)
    assert exit_code == 3
    assert "agent-card.json" in err and "agent.json" in err


def test_unreachable_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, _, err = cli(capsys, "card", "-a", f"127.0.0.1:{free_port()}")
    assert exit_code == 3
    one_line_error(err, "A2ACLI_ERR_UNREACHABLE")
    exit_code, _, err = cli(capsys, "card", "-a", "missing-card.json")
    assert exit_code == 3
    one_line_error(err, "A2ACLI_ERR_CARD_NOT_FOUND")
    exit_code, _, err = cli(capsys, "card", "get", "-o", "sarif")
    assert exit_code == 2


def test_max_card_bytes_option(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CARDS / "valid" / "v1-full.json")
    exit_code, _, err = cli(capsys, "card", "-a", path, "--max-card-bytes", "100")
    assert exit_code == 1 and "larger than 100 bytes" in err


def test_show_warns_on_invalid_card(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "card", "-a", str(CARDS / "broken" / "missing-name.json"))
    assert code == 0
    assert "warning: the card has 1 validation error(s)" in err
    assert "warning" not in out


# ------------------------------------------------------------------------------------------------ extended card


def _sdk_extended_app() -> Starlette:
    """An SDK agent advertising an authenticated extended card behind a bearer token."""
    from a2a.server.agent_execution import AgentExecutor, RequestContext
    from a2a.server.events import EventQueue
    from a2a.server.request_handlers.default_request_handler_v2 import DefaultRequestHandlerV2
    from a2a.server.request_handlers.response_helpers import agent_card_to_dict
    from a2a.server.routes import create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore
    from a2a.types.a2a_pb2 import (
        AgentCapabilities,
        AgentCard,
        AgentInterface,
        AgentSkill,
        HTTPAuthSecurityScheme,
        SecurityRequirement,
        SecurityScheme,
        StringList,
    )

    class Idle(AgentExecutor):
        async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
            return None

        async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
            return None

    def make(name: str, skills: list[str]) -> AgentCard:
        return AgentCard(
            name=name,
            description="has an extended card",
            version="1.0.0",
            supported_interfaces=[
                AgentInterface(url="http://127.0.0.1/", protocol_binding="JSONRPC", protocol_version="1.0")
            ],
            capabilities=AgentCapabilities(extended_agent_card=True),
            security_schemes={
                "bearer": SecurityScheme(http_auth_security_scheme=HTTPAuthSecurityScheme(scheme="Bearer"))
            },
            security_requirements=[SecurityRequirement(schemes={"bearer": StringList(list=[])})],
            default_input_modes=["text/plain"],
            default_output_modes=["text/plain"],
            skills=[AgentSkill(id=s, name=s, description=s, tags=["t"]) for s in skills],
        )

    public = make("Public Face", ["public"])
    extended = make("Extended Face", ["public", "secret-skill"])
    handler = DefaultRequestHandlerV2(
        agent_executor=Idle(), task_store=InMemoryTaskStore(), agent_card=public, extended_agent_card=extended
    )
    state: dict[str, Any] = {}

    async def card_route(request: Request) -> Response:
        doc = agent_card_to_dict(public)
        doc["supportedInterfaces"][0]["url"] = state["base"] + "/"
        return JSONResponse(doc)

    rpc = create_jsonrpc_routes(handler, rpc_url="/")

    class RequireBearer:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/" and scope["method"] == "POST":
                headers = dict(scope["headers"])
                if headers.get(b"authorization") != b"Bearer let-me-in":
                    response = JSONResponse({"error": "unauthorized"}, status_code=401)
                    await response(scope, receive, send)
                    return
            await self.app(scope, receive, send)

    from starlette.middleware import Middleware

    app = Starlette(
        routes=[Route("/.well-known/agent-card.json", card_route), *rpc], middleware=[Middleware(RequireBearer)]
    )
    app.state.card_state = state
    return app


def test_extended_card(capsys: pytest.CaptureFixture[str]) -> None:
    app = _sdk_extended_app()
    with serve_in_thread(app) as url:
        app.state.card_state["base"] = url
        code, out, err = cli(capsys, "card", "-a", url, "--extended", "--bearer", "let-me-in", "-o", "json")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["name"] == "Extended Face"
        assert [s["id"] for s in doc["skills"]] == ["public", "secret-skill"]
        code, out, err = cli(capsys, "card", "-a", url, "--extended")
        assert code == 4, err
        assert "let-me-in" not in out + err
        code, out, _ = cli(capsys, "card", "-a", url)
        assert code == 0 and "Name: Public Face" in out and "secret-skill" not in out


def test_extended_not_advertised(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "card", "-a", str(CARDS / "valid" / "v1-minimal.json"), "--extended")
    assert code == 1
    one_line_error(err, "ExtendedAgentCardNotConfiguredError")


# ------------------------------------------------------------------------------------------- on a real terminal


def _pty_run(args: list[str], timeout: float = 30.0) -> tuple[int, bytes]:
    """Run `a2a ARGS` with stdout/stderr on a pseudo-terminal; return (exit status, everything it wrote)."""
    import os
    import sys

    from tests.support.pty import run_in_pty

    a2a = str(Path(sys.executable).with_name("a2a"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_") and k != "NO_COLOR"}
    env.update({"COLUMNS": "100", "LINES": "40", "TERM": "xterm-256color"})
    return run_in_pty([a2a, *args], env, timeout=timeout)


@pytest.mark.parametrize("command", [["card", "-a"], ["card", "validate"]])
def test_rich_on_a_terminal_keeps_card_escapes_out(command: list[str]) -> None:
    code, out = _pty_run([*command, str(CARDS / "broken" / "escape-sequences.json"), "-o", "rich"])
    assert code == 0, out
    assert b"\x1b[" in out  # Rich styled the view
    for bad in (b"\x1b]0;", b"\x1b[2J", b"\x1b[?1049h", b"\x07", b"\x08", b"pwned"):
        assert bad not in out
    text = out.decode("utf-8", "replace")
    assert "[bold red]markup[/]" in text if command[-1] == "-a" else "AC082" in text


@pytest.mark.parametrize("how", [[], ["-o", "text"], ["-o", "rich"]])
@pytest.mark.parametrize("command", [["card"], ["card", "validate"]])
def test_the_text_floor_is_the_default_on_a_terminal(command: list[str], how: list[str]) -> None:
    """A2ACLI_OUT_005 / DEFAULT_001: on a terminal `a2a card` drew a Rich panel (even with -o text); now the text
    floor is the default everywhere, the Rich view is `-o rich` (or A2ACLI_OUTPUT=rich), and it needs a terminal."""
    import os
    import subprocess
    import sys

    card = str(CARDS / "valid" / "v1-full.json")
    code, out = _pty_run([*command, card, *how])
    assert code == 0, out
    piped = subprocess.run(
        [sys.executable, "-m", "a2acli", *command, card, *how],
        capture_output=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")},
        timeout=60,
    )
    assert piped.returncode == 0 and b"\x1b[" not in piped.stdout  # -o rich into a pipe: the floor
    if how == ["-o", "rich"]:
        assert b"\x1b[" in out
        return
    assert b"\x1b[" not in out and "╭".encode() not in out
    assert out.replace(b"\r\n", b"\n") == piped.stdout  # the same bytes on a terminal and in a pipe
    assert piped.stdout.startswith(b"Name: " if command == ["card"] else b"Source: ")


def test_a2acli_output_rich_makes_the_rich_view_a_default() -> None:
    import os
    import sys

    from tests.support.pty import run_in_pty

    a2a = str(Path(sys.executable).with_name("a2a"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_") and k != "NO_COLOR"}
    env.update({"COLUMNS": "100", "LINES": "40", "TERM": "xterm-256color", "A2ACLI_OUTPUT": "rich"})
    card = str(CARDS / "valid" / "v1-full.json")
    code, out = run_in_pty([a2a, "card", card], env, timeout=30)
    assert code == 0 and b"\x1b[" in out
    code, out = run_in_pty([a2a, "card", card, "-o", "text"], env, timeout=30)  # a flag beats the variable
    assert code == 0 and b"\x1b[" not in out


# ------------------------------------------------------------------------------------ a2a serve, as a subprocess


def test_a2a_serve_subprocess_card_and_signed_card(tmp_path: Path) -> None:
    """`a2a serve --sign-key` in one process, `a2a card ...` in others: bare host:port, signature verified."""
    import os
    import subprocess
    import sys
    import time

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from a2acli.cards.signing import public_jwks

    key_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = tmp_path / "agent.pem"
    key.write_bytes(key_pem)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(public_jwks(key_pem)))
    a2a = [sys.executable, "-m", "a2acli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    port = free_port()
    server = subprocess.Popen(
        [*a2a, "serve", "--port", str(port), "--delay", "0", "--sign-key", str(key)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, "a2a serve exited early"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/.well-known/agent-card.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "a2a serve did not come up"
            time.sleep(0.1)

        def a2a_run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*a2a, *args], capture_output=True, text=True, timeout=60, env=env)

        shown = a2a_run("card", "-a", f"localhost:{port}")  # bare host:port on loopback -> http
        assert shown.returncode == 0, shown.stderr
        assert "Name: Streaming Demo Agent" in shown.stdout and "Signatures: 1" in shown.stdout
        verified = a2a_run("card", "verify", f"127.0.0.1:{port}", "--jwks", str(jwks), "-o", "json")
        assert verified.returncode == 0, verified.stderr
        assert json.loads(verified.stdout)["status"] == "verified"
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_cache_notes_stay_off_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    # The second fetch revalidates the cached card (ETag -> 304): a diagnostic, shown on stderr under
    # --debug, never a field of the card on stdout.
    with demo_agent() as base:
        assert run(["card", "-a", base]) == 0
        capsys.readouterr()
        assert run(["card", "-a", base]) == 0
        second = capsys.readouterr()
        assert run(["card", "-a", base, "--debug"]) == 0
        debug = capsys.readouterr()
    assert "Name: Streaming Demo Agent" in second.out
    assert "cache" not in second.out and "304" not in second.out
    assert "revalidated the cached card (HTTP 304)" in debug.err
    assert "cache" not in debug.out


# -------------------------------------------------------------------------------------- --insecure (AUTH_003)


@pytest.fixture(scope="module")
def tls_card_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A card served over TLS with a self-signed certificate (what --insecure exists for), recording headers."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    seen: list[dict[str, str]] = []
    card = json.loads((CARDS / "valid" / "v1-full.json").read_text())

    async def serve_card(request: Request) -> Response:
        seen.append(dict(request.headers))
        return JSONResponse(card)

    app = Starlette(routes=[Route("/.well-known/agent-card.json", serve_card)])
    config = {"ssl_certfile": str(folder / "cert.pem"), "ssl_keyfile": str(folder / "key.pem")}
    with serve_in_thread(app, **config) as base:
        yield base.replace("http://", "https://"), seen


@pytest.mark.parametrize("command", [["card"], ["card", "get"], ["card", "validate"], ["card", "verify"]])
def test_insecure_card_commands_warn_once_and_name_the_credentials_they_send(
    command: list[str], tls_card_agent: tuple[str, list[dict[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A2ACLI_AUTH_003: `--insecure` on the card commands was silent, even when `--card-credentials` sent the bearer
    over the unverified connection. Now the warning send and task give, once, naming the credentials it sends."""
    base, _ = tls_card_agent
    code, _, err = cli(capsys, *command, "-a", base)
    assert code == 3 and "certificate" in err.lower()  # verification is on by default: the self-signed cert fails
    assert "--insecure" not in err.split("hint")[0]
    code, _, err = cli(capsys, *command, "-a", base, "--insecure")
    warnings = [line for line in err.splitlines() if line.startswith("warning: TLS certificate verification")]
    assert code in (0, 1) and len(warnings) == 1, err  # verify: the corpus card is unsigned (absent), exit 0
    assert "DISABLED (--insecure)" in warnings[0] and "credentials" not in warnings[0]
    code, _, err = cli(capsys, *command, "-a", base, "--insecure", "--card-credentials", "--bearer", "tls-secret-77")
    warnings = [line for line in err.splitlines() if line.startswith("warning: TLS certificate verification")]
    assert len(warnings) == 1 and "read the credentials sent to it" in warnings[0], err
    assert "tls-secret-77" not in err


def test_card_help_shows_the_card_fetch_deadline(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    """A2ACLI_CLI_001: `card --help` said `--timeout ... Default: no limit`; the fetch gives up after 30 s."""
    from a2acli.client.card_resolver import DEFAULT_CARD_TIMEOUT
    from a2acli.commands.card import DEFAULT_CARD_TIMEOUT as SHOWN
    from a2acli.settings import parse_duration

    assert parse_duration(SHOWN) == DEFAULT_CARD_TIMEOUT == 30.0
    monkeypatch.setenv("COLUMNS", "250")
    for command in (["card"], ["card", "get"], ["card", "validate"], ["card", "verify"], ["card", "sign"]):
        _, out, _ = cli(capsys, *command, "--help")
        [line] = [line for line in out.splitlines() if "--timeout" in line]
        assert "[default: 30s]" in line and "no limit" not in line, (command, line)


def test_verify_require_signature_never_calls_an_unsigned_card_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    """`card verify --require-signature` said "absent (... that is allowed)" and then failed; now the line says the
    option requires a signature, and without the option an unsigned card is still allowed (exit 0)."""
    card = str(CARDS / "valid" / "v1-full.json")
    code, out, err = cli(capsys, "card", "verify", card, "--require-signature")
    assert code == 1 and "allowed" not in out and "--require-signature requires it" in out
    one_line_error(err, "A2ACLI_ERR_CARD_INVALID")
    code, out, _ = cli(capsys, "card", "verify", card)
    assert code == 0 and "that is allowed" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["card", "-a", "htp://127.0.0.1:9/"],
        ["card", "validate", "ftp://example.com/card.json"],
        ["card", "verify", "-a", "gopher://x"],
        ["task", "get", "t-1", "-a", "htp://127.0.0.1:9"],
    ],
)
def test_an_unknown_url_scheme_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`a2a card -a htp://...` was exit 3 (card not found) after trying to resolve it; a scheme the tool cannot
    fetch is a mistyped argument: A2ACLI_ERR_USAGE, exit 2, before any I/O."""
    code, out, err = cli(capsys, *argv, "-o", "json")
    assert code == 2, err
    error = json.loads(out)["error"]
    assert error["code"] == "A2ACLI_ERR_USAGE" and "unsupported scheme" in error["message"]
    one_line_error(err, "A2ACLI_ERR_USAGE")


def test_the_verdicts_are_pure_and_say_when_the_command_fails() -> None:
    """cards/verdict: what `card validate` and `card verify` decide from what was fetched, with no I/O."""
    from a2acli.cards.signing import SignatureCheck
    from a2acli.cards.verdict import unreadable, validation, verification

    card = json.loads((CARDS / "valid" / "v1-full.json").read_text())
    assert validation(card, source="x", raw_size=10).failure is None
    bad = SignatureCheck(0, "invalid", "digest differs")
    failed = validation(card, source="x", raw_size=10, signatures=[bad]).failure
    assert failed is not None and "signature does not match" in failed.message
    broken = validation({"name": 1}, source="x", raw_size=10).failure
    assert broken is not None and broken.message.startswith("the card is invalid: ")
    absent = [SignatureCheck(0, "absent")]
    allowed = verification(absent, require=False)
    assert allowed.failure is None and allowed.status == "absent"
    required = verification(absent, require=True).failure
    assert required is not None and required.message == "the card is not signed"
    assert verification([SignatureCheck(0, "verified")], require=True).status == "verified"
    assert verification([SignatureCheck(0, "unverifiable", "no key")], require=False).status == "unverifiable"
    assert verification([bad, SignatureCheck(1, "verified")], require=False).status == "invalid"
    assert [f.code for f in unreadable("x", "not JSON", None).findings] == ["AC012"]
