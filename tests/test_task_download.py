"""Artifact saving (`a2a task download`): names, kinds, no traversal, no overwrite, URL fetch with a cap."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from a2acli.client.download import download_artifacts, plan, safe_name
from a2acli.errors import UsageError
from tests.support.server import serve_in_thread

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def task_with(*artifacts: dict[str, Any]) -> dict[str, Any]:
    return {"id": "t-1", "contextId": "c-1", "status": {"state": "TASK_STATE_COMPLETED"}, "artifacts": list(artifacts)}


MIXED = task_with(
    {"artifactId": "a1", "name": "answer", "parts": [{"text": "# Title\n", "mediaType": "text/markdown"}]},
    {"artifactId": "a2", "name": "stats", "parts": [{"data": {"n": 3, "ok": True}}]},
    {
        "artifactId": "a3",
        "parts": [{"raw": base64.b64encode(PNG).decode(), "filename": "chart.png", "mediaType": "image/png"}],
    },
    {"artifactId": "a4", "name": "streamed", "parts": [{"text": "Hello"}, {"text": " "}, {"text": "world"}]},
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("..", "fallback"),
        ("", "fallback"),
        ("a\x1b[31mb\x00c.txt", "a_31mbc.txt"),
        ("CON.txt", "_CON.txt"),
        ("report final.pdf", "report final.pdf"),
        ("x" * 500 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_safe_name_keeps_files_inside_the_folder(given: str, expected: str) -> None:
    assert safe_name(given, "fallback") == expected


def test_plan_names_each_kind_by_media_type() -> None:
    planned, skipped = plan(MIXED)
    assert skipped == []
    by_name = {p.name: p for p in planned}
    assert set(by_name) == {"answer.md", "stats.json", "chart.png", "streamed.txt"}
    assert json.loads(by_name["stats.json"].content or b"") == {"n": 3, "ok": True}
    assert by_name["chart.png"].content == PNG
    assert by_name["streamed.txt"].content == b"Hello world"  # word-by-word chunks saved as one file


def test_download_writes_every_part_and_never_overwrites(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    result = asyncio.run(download_artifacts(MIXED, dest))
    assert sorted(f.path.name for f in result.saved) == ["answer.md", "chart.png", "stats.json", "streamed.txt"]
    assert (dest / "answer.md").read_text() == "# Title\n"
    assert (dest / "chart.png").read_bytes() == PNG
    # Second run without --force: refused before anything is written.
    (dest / "answer.md").write_text("mine")
    with pytest.raises(UsageError, match="would overwrite") as info:
        asyncio.run(download_artifacts(MIXED, dest))
    assert info.value.hint == "pass --force to overwrite"
    assert (dest / "answer.md").read_text() == "mine"
    result = asyncio.run(download_artifacts(MIXED, dest, force=True))
    assert (dest / "answer.md").read_text() == "# Title\n"
    assert len(result.saved) == 4


def test_a_symlink_at_the_target_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    dest = tmp_path / "out"
    dest.mkdir()
    os.symlink(outside, dest / "answer.md")
    with pytest.raises(UsageError):
        asyncio.run(download_artifacts(MIXED, dest))
    asyncio.run(download_artifacts(MIXED, dest, force=True))
    assert outside.read_text() == "keep"  # replaced the link, did not write through it
    assert not (dest / "answer.md").is_symlink()


def test_hostile_names_and_bad_base64(tmp_path: Path) -> None:
    task = task_with(
        {"artifactId": "../x", "name": "../../escape", "parts": [{"text": "a"}]},
        {"artifactId": "b", "parts": [{"raw": "***not base64***", "filename": "/abs/evil.bin"}]},
        {"artifactId": "c", "name": "escape", "parts": [{"text": "second"}]},
    )
    result = asyncio.run(download_artifacts(task, tmp_path))
    assert [f.path for f in result.saved] == [tmp_path / "escape.txt", tmp_path / "escape-2.txt"]
    assert [s.reason for s in result.skipped] == ["raw bytes are not valid base64"]
    assert sorted(os.listdir(tmp_path)) == ["escape-2.txt", "escape.txt"]


def test_url_parts_are_fetched_only_on_request_and_capped(tmp_path: Path) -> None:
    async def small(_: Any) -> Response:
        return Response(b"remote bytes", media_type="application/pdf")

    async def huge(_: Any) -> Response:
        return Response(b"x" * 5000, media_type="application/octet-stream")

    app = Starlette(routes=[Route("/files/report.pdf", small), Route("/big", huge)])
    with serve_in_thread(app) as base:
        task = task_with({"artifactId": "u", "parts": [{"url": f"{base}/files/report.pdf"}]})
        result = asyncio.run(download_artifacts(task, tmp_path / "a"))
        assert result.saved == [] and result.skipped[0].reason.startswith("not fetched: http://127.0.0.1:")
        result = asyncio.run(download_artifacts(task, tmp_path / "b", fetch_urls=True))
        assert (tmp_path / "b" / "report.pdf").read_bytes() == b"remote bytes"
        big = task_with({"artifactId": "u", "parts": [{"url": f"{base}/big", "mediaType": "application/zip"}]})
        from a2acli.errors import InternalError

        with pytest.raises(InternalError, match="larger than the 1000-byte limit"):
            asyncio.run(download_artifacts(big, tmp_path / "c", fetch_urls=True, max_url_bytes=1000))


def test_fetch_urls_stays_on_the_origin_and_reports_what_was_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An agent whose task names a same-origin redirect (followed), a redirect to another host (refused: that
    host never hears of it) and a file:// URL, between text parts: the others are all written, and the error
    names the saved files and the missing parts (was: exit 1 at the file:// part, the rest unwritten, unnamed)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, RedirectResponse

    from a2acli.cli import run

    elsewhere_hits: list[str] = []

    async def stolen(request: Request) -> Response:
        elsewhere_hits.append(request.url.path)
        return Response(b"other host", media_type="text/plain")

    with serve_in_thread(Starlette(routes=[Route("/loot", stolen)])) as other:

        def agent_app() -> Starlette:
            async def card(request: Request) -> Response:
                return JSONResponse(
                    {
                        "name": "files",
                        "description": "names URLs",
                        "version": "1",
                        "supportedInterfaces": [{"url": "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
                        "capabilities": {},
                        "defaultInputModes": ["text/plain"],
                        "defaultOutputModes": ["text/plain"],
                        "skills": [],
                    }
                )

            async def rpc(request: Request) -> Response:
                body = await request.json()
                base = str(request.base_url).rstrip("/")
                task = task_with(
                    {"artifactId": "first", "name": "first", "parts": [{"text": "one"}]},
                    {"artifactId": "hop", "parts": [{"url": f"{base}/hop", "filename": "hop.txt"}]},
                    {"artifactId": "away", "parts": [{"url": f"{base}/away", "filename": "away.txt"}]},
                    {"artifactId": "local", "parts": [{"url": "file:///etc/hostname", "filename": "host.txt"}]},
                    {"artifactId": "last", "name": "last", "parts": [{"text": "two"}]},
                )
                return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": task})

            async def hop(request: Request) -> Response:
                return RedirectResponse("/files/real.txt", status_code=302)

            async def away(request: Request) -> Response:
                return RedirectResponse(other + "/loot", status_code=302)

            async def real(request: Request) -> Response:
                return Response(b"same origin", media_type="text/plain")

            return Starlette(
                routes=[
                    Route("/.well-known/agent-card.json", card),
                    Route("/", rpc, methods=["POST"]),
                    Route("/hop", hop),
                    Route("/away", away),
                    Route("/files/real.txt", real),
                ]
            )

        with serve_in_thread(agent_app()) as base:
            dest = tmp_path / "out"
            code = run(["task", "download", "t-1", "-a", base, "--fetch-urls", "-d", str(dest), "-o", "json"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert sorted(os.listdir(dest)) == ["first.txt", "hop.txt", "last.txt"]
    assert (dest / "hop.txt").read_bytes() == b"same origin"
    assert elsewhere_hits == []
    message = json.loads(out)["error"]["message"]
    assert all(str(dest / name) in message for name in ("first.txt", "hop.txt", "last.txt"))
    assert "away part 1" in message and "another origin" in message and "local part 1" in message
