"""Named agents (SPEC §10.1 catalog resolution, A2ACLI_CARD_GET_005): `-a catalog:NAME` on every agent command,
resolved before anything else, against the real demo agent; catalogs from the config dir, a file and a real HTTP
server; unknown names and credential-carrying entries are usage errors (exit 2); the file stays 0600."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.cli import run_cli as _run
from tests.support.server import serve_in_thread


def _catalog_file() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "a2a-cli" / "catalog.json"


def test_add_list_show_remove_and_the_file_stays_private(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "catalog", "add", "demo", agent, "--description", "the demo agent")
    assert code == 0, err
    assert "Reference: catalog:demo" in out
    path = _catalog_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["agents"] == [{"name": "demo", "url": agent, "description": "the demo agent"}]
    assert _run(capsys, "catalog", "add", "other", "127.0.0.1:9", "--prefer-transport", "HTTP+JSON")[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # rewriting never widens it
    code, out, _ = _run(capsys, "catalog", "list", "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert [e["name"] for e in doc["agents"]] == ["demo", "other"] and doc["catalog"] == str(path)
    assert doc["agents"][1]["transport"] == ["HTTP+JSON"]
    code, out, _ = _run(capsys, "catalog", "show", "demo")
    assert code == 0 and f"Agent: {agent}\n" in out and "Description: the demo agent" in out
    code, _, err = _run(capsys, "catalog", "remove", "other")
    assert code == 0 and "removed 'other'" in err
    code, _, err = _run(capsys, "catalog", "remove", "other")
    assert code == 2 and "A2ACLI_ERR_USAGE" in err
    assert [e["name"] for e in json.loads(path.read_text())["agents"]] == ["demo"]


def test_send_card_task_and_conformance_accept_a_catalog_name(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "catalog", "add", "demo", agent)[0] == 0
    code, out, err = _run(capsys, "send", "-a", "catalog:demo", "hi", "-o", "json")
    assert code == 0, err
    task = json.loads(out)["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    code, out, err = _run(capsys, "task", "get", task["id"], "-a", "catalog:demo", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["id"] == task["id"]
    code, out, err = _run(capsys, "card", "-a", "catalog:demo", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["name"]
    code, out, err = _run(capsys, "stream", "-a", "catalog:demo", "hi", "--jsonl")
    assert code == 0, err
    assert out.strip()
    code, out, err = _run(capsys, "conformance", "-a", "catalog:demo", "--only", "CORE-GET-002", "-o", "json")
    assert code == 0, err + out


def test_an_unknown_name_is_a_usage_error_naming_the_known_entries(
    agent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "catalog", "add", "demo", agent)[0] == 0
    assert _run(capsys, "catalog", "add", "prod", "agent.example.com")[0] == 0
    code, out, err = _run(capsys, "send", "-a", "catalog:nope", "hi")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "no agent 'nope'" in err and "known: demo, prod" in err and "[A2ACLI_ERR_USAGE]" in err
    code, out, err = _run(capsys, "task", "get", "t-1", "-a", "catalog:nope", "-o", "json")
    assert code == 2 and json.loads(out)["error"]["code"] == "A2ACLI_ERR_USAGE"


@pytest.mark.parametrize(
    ("name", "ref", "said"),
    [
        ("leaky", "https://alice:s3cret@agent.example.com", "user or password"),
        ("leaky", "https://agent.example.com/?access_token=s3cret", "'access_token' parameter"),
        ("loop", "catalog:demo", "another catalog entry"),
        ("8080", "127.0.0.1:1", "invalid catalog name"),
        ("stdin", "-", "stdin (-) names no agent"),
    ],
)
def test_entries_never_carry_credentials_or_chains(
    capsys: pytest.CaptureFixture[str], name: str, ref: str, said: str
) -> None:
    code, out, err = _run(capsys, "catalog", "add", name, ref)
    assert code == 2 and out == "" and said in err
    assert "s3cret" not in err
    assert not _catalog_file().exists()


def test_a_catalog_file_with_a_secret_field_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], agent: str
) -> None:
    catalog = tmp_path / "team.json"
    catalog.write_text(json.dumps({"agents": [{"name": "demo", "url": agent, "bearer": "s3cret"}]}))
    monkeypatch.setenv("A2ACLI_CATALOG", str(catalog))
    code, _, err = _run(capsys, "send", "-a", "catalog:demo", "hi")
    assert code == 2 and "never holds credentials" in err and "s3cret" not in err


def test_a_file_catalog_resolves_card_files_next_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], agent: str
) -> None:
    code, card_json, _ = _run(capsys, "card", "-a", agent, "-o", "json")
    assert code == 0
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "demo-card.json").write_text(card_json)
    (folder / "catalog.json").write_text(json.dumps({"agents": [{"name": "demo", "card": "demo-card.json"}]}))
    monkeypatch.setenv("A2ACLI_CATALOG", str(folder / "catalog.json"))
    code, out, err = _run(capsys, "send", "-a", "catalog:demo", "hi", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


@pytest.fixture
def catalog_server(agent: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP server serving a catalog (/catalog.json), one that names a local file (/files.json), and 404s;
    `seen` records each request's headers."""
    seen: list[dict[str, Any]] = []

    async def catalog(request: Request) -> Response:
        seen.append(dict(request.headers))
        return JSONResponse({"agents": [{"name": "demo", "url": agent, "transport": "JSONRPC"}]})

    async def files(request: Request) -> Response:
        return JSONResponse({"agents": [{"name": "demo", "card": "/etc/passwd"}]})

    app = Starlette(routes=[Route("/catalog.json", catalog), Route("/files.json", files)])
    with serve_in_thread(app) as base:
        yield base, seen


def test_a_url_catalog_is_fetched_without_credentials(
    catalog_server: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, seen = catalog_server
    monkeypatch.setenv("A2ACLI_CATALOG", base + "/catalog.json")
    code, out, err = _run(capsys, "send", "-a", "catalog:demo", "hi", "-o", "json", "--bearer", "tok-9f1e")
    assert code == 0, err
    assert json.loads(out)["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert seen and all("authorization" not in h for h in seen)
    code, out, _ = _run(capsys, "catalog", "list", "-o", "json")
    assert code == 0 and json.loads(out)["agents"][0]["transport"] == ["JSONRPC"]
    code, _, err = _run(capsys, "catalog", "add", "x", "127.0.0.1:1")
    assert code == 2 and "read-only" in err
    monkeypatch.setenv("A2ACLI_CATALOG", base + "/files.json")  # a remote catalog may not make us read files
    code, _, err = _run(capsys, "card", "-a", "catalog:demo")
    assert code == 2 and "names a local file" in err
    monkeypatch.setenv("A2ACLI_CATALOG", base + "/missing.json")
    code, _, err = _run(capsys, "card", "-a", "catalog:demo")
    assert code == 3 and "no catalog at" in err


def test_mcp_pins_a_catalog_entry(agent: str, tmp_path: Path) -> None:
    from tests.support.mcp_client import run as run_mcp
    from tests.support.mcp_client import stdio_session, text_of

    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"agents": [{"name": "demo", "url": agent}]}))

    async def go() -> Any:
        async with stdio_session("--agent", "catalog:demo", env={"A2ACLI_CATALOG": str(catalog)}) as session:
            return await session.call_tool("send_message", {"text": "hi"})

    result = run_mcp(go())
    assert result.isError is False, text_of(result)
    assert result.structuredContent["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_a_catalog_others_can_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], agent: str
) -> None:
    """Whoever can write the catalog decides where -a catalog:NAME, and the credentials sent with it, go."""
    catalog = tmp_path / "team.json"
    catalog.write_text(json.dumps({"agents": [{"name": "demo", "url": agent}]}))
    catalog.chmod(0o666)
    monkeypatch.setenv("A2ACLI_CATALOG", str(catalog))
    code, out, err = _run(capsys, "send", "-a", "catalog:demo", "hi")
    assert code == 2 and out == "" and "writable by others" in err and "chmod go-w" in err
    catalog.chmod(0o644)  # readable by others is fine: a catalog holds no secret
    code, _, err = _run(capsys, "send", "-a", "catalog:demo", "hi")
    assert code == 0, err


def test_chat_reaches_a_catalog_name_and_its_resume_hint_keeps_it(
    agent: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    assert _run(capsys, "catalog", "add", "demo", agent)[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\n"))
    code, out, err = _run(capsys, "chat", "-a", "catalog:demo")
    assert code == 0, err
    assert "State: COMPLETED" in out
    assert "Continue: a2a chat -a catalog:demo --context-id " in out  # the hint names the entry, not its URL
