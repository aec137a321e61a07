"""`a2a task download`: save every artifact part of a Task to disk, safely.

- text parts -> `.md` / `.txt` / ... by media type; data parts -> pretty `.json`; raw bytes (base64 in
  JSON) -> their own filename; URL parts are fetched only when asked (`fetch_urls`), http(s) only,
  with a size cap, redirects only within the URL's origin, else reported as skipped. A URL part that cannot be
  fetched does not stop the others: the error raised at the end names what was saved and what is missing.
- Names come from the agent, so they are untrusted: reduced to a safe basename (no directories, no
  absolute paths, no `..`, no control characters, bounded length, no device names).
- Nothing is overwritten without `force`: every target is checked before the first byte is written, and
  files are created exclusively (`O_EXCL`), so a symlink planted at a target is never followed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import mimetypes
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from a2acli.errors import InternalError, UnreachableError, UsageError

DEFAULT_MAX_URL_BYTES = 100 * 1024 * 1024
MAX_NAME_CHARS = 120

_TEXT_EXTENSIONS = {
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/csv": ".csv",
    "text/xml": ".xml",
    "application/json": ".json",
    "application/xml": ".xml",
    "application/yaml": ".yaml",
    "text/yaml": ".yaml",
}
_UNSAFE = re.compile(r"[^\w.\- ()+,@=]+", re.UNICODE)
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class PlannedFile:
    """One part and where it will go."""

    artifact_id: str
    part_index: int
    kind: str  # "text" | "data" | "raw" | "url"
    name: str  # the safe file name, relative to the destination folder
    media_type: str
    content: bytes | None  # None for URL parts (fetched later)
    url: str | None = None


@dataclass(frozen=True)
class SavedFile:
    path: Path
    artifact_id: str
    part_index: int
    kind: str
    media_type: str
    size: int


@dataclass(frozen=True)
class SkippedPart:
    artifact_id: str
    part_index: int
    kind: str
    reason: str


@dataclass(frozen=True)
class DownloadResult:
    saved: list[SavedFile]
    skipped: list[SkippedPart]


def safe_name(name: str | None, fallback: str) -> str:
    """A file name that stays inside the destination folder, whatever the agent sent."""
    candidate = (name or "").replace("\\", "/").split("/")[-1]
    candidate = unicodedata.normalize("NFC", candidate)
    candidate = "".join(ch for ch in candidate if unicodedata.category(ch)[0] != "C")
    candidate = _UNSAFE.sub("_", candidate).strip(" .")
    if not candidate or set(candidate) <= {"_", "."}:
        candidate = _UNSAFE.sub("_", fallback).strip(" .") or "artifact"
    stem, dot, ext = candidate.rpartition(".")
    if not dot:
        stem, ext = candidate, ""
    if stem.split(".")[0].lower() in _WINDOWS_DEVICES:
        stem = "_" + stem
    ext = ext[:16]
    room = MAX_NAME_CHARS - (len(ext) + 1 if ext else 0)
    stem = stem[: max(room, 1)]
    return f"{stem}.{ext}" if ext else stem


def _extension(kind: str, media_type: str) -> str:
    base = media_type.split(";", 1)[0].strip().lower()
    if kind == "data":
        return ".json"
    if kind == "text":
        if base in _TEXT_EXTENSIONS:
            return _TEXT_EXTENSIONS[base]
        return ".txt"
    if base in _TEXT_EXTENSIONS:
        return _TEXT_EXTENSIONS[base]
    guessed = mimetypes.guess_extension(base) if base else None
    return guessed or ".bin"


def _with_extension(name: str, ext: str) -> str:
    return name if Path(name).suffix else name + ext


def plan(task: dict[str, Any]) -> tuple[list[PlannedFile], list[SkippedPart]]:
    """Decide a name and content for every part of every artifact; pure (no I/O)."""
    planned: list[PlannedFile] = []
    skipped: list[SkippedPart] = []
    taken: set[str] = set()
    artifacts = task.get("artifacts") if isinstance(task.get("artifacts"), list) else []
    for a_index, artifact in enumerate(artifacts or []):
        if not isinstance(artifact, dict):
            continue
        artifact_id = str(artifact.get("artifactId") or f"artifact-{a_index + 1}")
        base = safe_name(str(artifact.get("name") or ""), artifact_id)
        parts = artifact.get("parts") if isinstance(artifact.get("parts"), list) else []
        text_parts = [p for p in parts or [] if isinstance(p, dict) and isinstance(p.get("text"), str)]
        # A text artifact streamed word by word arrives as many text parts: save it as one file.
        merge_text = (
            len(text_parts) > 1
            and len(text_parts) == len(parts or [])
            and not any(p.get("filename") for p in text_parts)
        )
        if merge_text:
            media = str(text_parts[0].get("mediaType") or "text/plain")
            content = "".join(p["text"] for p in text_parts).encode("utf-8")
            name = _unique(_with_extension(base, _extension("text", media)), taken)
            planned.append(PlannedFile(artifact_id, 0, "text", name, media, content))
            continue
        for p_index, part in enumerate(parts or []):
            if not isinstance(part, dict):
                continue
            media = str(part.get("mediaType") or "")
            stem = base if len(parts or []) == 1 else f"{base}-{p_index + 1}"
            own = safe_name(str(part["filename"]), stem) if part.get("filename") else None
            if isinstance(part.get("text"), str):
                media = media or "text/plain"
                name = own or _with_extension(stem, _extension("text", media))
                planned.append(
                    PlannedFile(artifact_id, p_index, "text", _unique(name, taken), media, part["text"].encode())
                )
            elif "data" in part:
                content = (json.dumps(part["data"], indent=2, ensure_ascii=False) + "\n").encode("utf-8")
                name = own or _with_extension(stem, ".json")
                planned.append(
                    PlannedFile(
                        artifact_id, p_index, "data", _unique(name, taken), media or "application/json", content
                    )
                )
            elif "raw" in part:
                try:
                    raw = base64.b64decode(str(part["raw"]), validate=True)
                except (binascii.Error, ValueError):
                    skipped.append(SkippedPart(artifact_id, p_index, "raw", "raw bytes are not valid base64"))
                    continue
                media = media or "application/octet-stream"
                name = own or _with_extension(stem, _extension("raw", media))
                planned.append(PlannedFile(artifact_id, p_index, "raw", _unique(name, taken), media, raw))
            elif isinstance(part.get("url"), str):
                url = part["url"]
                if not own:
                    tail = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
                    own = safe_name(tail, stem) if tail and "." in tail else None
                name = own or _with_extension(stem, _extension("url", media))
                planned.append(PlannedFile(artifact_id, p_index, "url", _unique(name, taken), media, None, url=url))
            else:
                skipped.append(SkippedPart(artifact_id, p_index, "unknown", "part has no text, data, raw or url"))
    return planned, skipped


def _unique(name: str, taken: set[str]) -> str:
    stem, ext = os.path.splitext(name)
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate = f"{stem}-{n}{ext}"
        n += 1
    taken.add(candidate.lower())
    return candidate


MAX_REDIRECTS = 5


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


async def fetch_url(url: str, *, max_bytes: int, timeout: float = 30.0, insecure: bool = False) -> bytes:
    """GET an http(s) URL named by an artifact, refusing anything bigger than `max_bytes` and any redirect off the
    URL's origin (the agent names the URL; where it leads must stay where it said)."""
    if not url.lower().startswith(("http://", "https://")):
        raise InternalError(f"refusing to fetch a non-HTTP URL: {url[:80]}", hint="only http(s) URLs are fetched")
    try:
        async with httpx.AsyncClient(timeout=timeout, verify=not insecure, follow_redirects=False) as http:
            current = httpx.URL(url)
            for _ in range(MAX_REDIRECTS + 1):
                async with http.stream("GET", current) as response:
                    if response.is_redirect:
                        target = current.join(response.headers.get("location", ""))
                        if _origin(target) != _origin(current):
                            raise InternalError(
                                f"{url[:80]} redirects to another origin ({target.scheme}://{target.host}): refused"
                            )
                        current = target
                        continue
                    return await _read_capped(response, url, max_bytes)
            raise InternalError(f"{url[:80]}: more than {MAX_REDIRECTS} redirects")
    except httpx.HTTPError as exc:
        raise UnreachableError(f"cannot fetch {url[:80]}: {type(exc).__name__}") from exc


async def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    if response.status_code >= 400:
        raise InternalError(f"fetching {url[:80]} answered HTTP {response.status_code}")
    declared = response.headers.get("content-length")
    # ASCII digits only (str.isdigit accepts "²"), and no int() of a huge numeral.
    if declared and declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > max_bytes):
        raise InternalError(f"{url[:80]} is larger than the {max_bytes}-byte limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise InternalError(f"{url[:80]} is larger than the {max_bytes}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


class IncompleteDownloadError(InternalError):
    """URL parts asked for (`--fetch-urls`) could not be fetched; every other part was written, and the message
    says which files were saved and which parts are missing."""

    def __init__(self, result: DownloadResult, failed: list[SkippedPart]) -> None:
        saved = ", ".join(str(f.path) for f in result.saved) or "nothing"
        missing = "; ".join(f"{s.artifact_id} part {s.part_index + 1}: {s.reason}" for s in failed)
        super().__init__(
            f"{len(failed)} URL part(s) not fetched ({missing}); saved: {saved}",
            hint="the saved files are complete; the URL parts named here are not on disk",
        )
        self.result = result
        self.failed = failed


def _write(path: Path, content: bytes, *, force: bool) -> None:
    if not force:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        return
    # Replace atomically: a temp file in the same folder, then rename over the target (a symlink at the
    # target is replaced, never followed).
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".a2a-download-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


async def download_artifacts(
    task: dict[str, Any],
    dest: Path,
    *,
    force: bool = False,
    fetch_urls: bool = False,
    max_url_bytes: int = DEFAULT_MAX_URL_BYTES,
    insecure: bool = False,
) -> DownloadResult:
    """Write every artifact part of `task` under `dest` and return what was written and skipped."""
    planned, skipped = plan(task)
    if not fetch_urls:
        for item in [p for p in planned if p.kind == "url"]:
            skipped.append(SkippedPart(item.artifact_id, item.part_index, "url", f"not fetched: {item.url}"))
        planned = [p for p in planned if p.kind != "url"]
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder", hint="choose another --dir")
    if not force:
        clashes = [p.name for p in planned if os.path.lexists(dest / p.name)]
        if clashes:
            shown = ", ".join(clashes[:5]) + (" …" if len(clashes) > 5 else "")
            raise UsageError(f"would overwrite existing file(s) in {dest}: {shown}", hint="pass --force to overwrite")
    dest.mkdir(parents=True, exist_ok=True)
    saved: list[SavedFile] = []
    failed: list[SkippedPart] = []
    for item in planned:
        content = item.content
        if content is None:
            assert item.url is not None
            try:
                content = await fetch_url(item.url, max_bytes=max_url_bytes, insecure=insecure)
            except (InternalError, UnreachableError) as exc:
                # One URL that cannot be fetched does not cost the other parts; the error at the end names both.
                failed.append(SkippedPart(item.artifact_id, item.part_index, "url", exc.message))
                continue
        target = dest / item.name
        try:
            _write(target, content, force=force)
        except FileExistsError as exc:
            raise UsageError(f"would overwrite {target}", hint="pass --force to overwrite") from exc
        saved.append(SavedFile(target, item.artifact_id, item.part_index, item.kind, item.media_type, len(content)))
    result = DownloadResult(saved, skipped)
    if failed:
        raise IncompleteDownloadError(result, failed)
    return result
