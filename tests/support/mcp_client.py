"""The official `mcp` SDK's own client, starting `a2a mcp` as a real subprocess (stdio) or reaching it over
streamable HTTP: what the tests of `a2a mcp` drive it with."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

T = TypeVar("T")
LIMIT = 90.0  # no test waits longer than this for the whole exchange


def run(coro: Awaitable[T], limit: float = LIMIT) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, limit)

    return asyncio.run(bounded())


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "a2acli", "mcp", *args]


class Stdio:
    """What a stdio session leaves to look at afterwards: the server's stderr."""

    def __init__(self) -> None:
        self.errlog = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115  (read after the session)

    @property
    def stderr(self) -> str:
        self.errlog.seek(0)
        return self.errlog.read()


@contextlib.asynccontextmanager
async def stdio_session(*args: str, env: dict[str, str] | None = None, log: Stdio | None = None) -> AsyncIterator[
    ClientSession
]:
    """`a2a mcp ARGS` as a subprocess over stdio, initialised."""
    log = log or Stdio()
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "a2acli", "mcp", *args],
        env={**os.environ, **(env or {})},
        cwd=os.getcwd(),
    )
    async with (
        stdio_client(params, errlog=log.errlog) as (read, write),
        ClientSession(read, write, read_timeout_seconds=timedelta(seconds=LIMIT)) as session,
    ):
        await session.initialize()
        yield session


@contextlib.asynccontextmanager
async def http_session(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    import httpx

    async with (
        httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30, read=LIMIT)) as client,
        streamable_http_client(url, http_client=client) as (read, write, _sid),
        ClientSession(read, write, read_timeout_seconds=timedelta(seconds=LIMIT)) as session,
    ):
        await session.initialize()
        yield session


_URL = re.compile(r"on (http://\S+/mcp) ")


@contextlib.contextmanager
def http_server(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`a2a mcp --http --port 0 ARGS` as a subprocess; yields its /mcp URL (read from its stderr line)."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as err:
        proc = subprocess.Popen(
            command("--http", "--port", "0", *args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            env={**os.environ, **(env or {})},
        )
        try:
            deadline = time.monotonic() + 30
            url = None
            while url is None and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
                err.seek(0)
                found = _URL.search(err.read())
                url = found.group(1) if found else None
            if url is None:
                err.seek(0)
                raise AssertionError(f"a2a mcp --http did not start: {err.read()}")
            yield url
        finally:
            proc.terminate()
            try:
                out, _ = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
            assert not out, f"a2a mcp --http wrote to stdout: {out[:300]!r}"


def text_of(result: Any) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
