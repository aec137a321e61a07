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
