"""An OS file lock: the kernel's (`flock` on POSIX, `msvcrt.locking` on Windows), not a file's existence, so it goes
away with the process however it ends and a crash never leaves a stale lock. Used by `a2a serve --store` (one
server per sqlite store, agent/store_lock.py) and by stored logins (one renewal at a time per login,
auth/session.py). Imports nothing of the package."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO


def try_lock(handle: IO[str]) -> None:
    """Lock `handle`'s file now, or raise OSError (another process holds it)."""
    _lock(handle)


def unlock(handle: IO[str]) -> None:
    _unlock(handle)


@contextlib.asynccontextmanager
async def held_async(path: Path, *, timeout: float, poll: float = 0.05) -> AsyncIterator[bool]:
    """Hold the lock on `path` (created 0600 if absent) for the `async with` block, waiting up to `timeout` seconds
    (asyncio.sleep: the event loop runs on) for another holder to let go. Yields True when held, False when the
    wait ran out or the file cannot be opened (the caller decides whether to go on without it)."""
    import asyncio

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield False
        return
    handle = os.fdopen(fd, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + timeout
        locked = False
        while True:
            try:
                _lock(handle)
                locked = True
                break
            except OSError:
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(poll)
        try:
            yield locked
        finally:
            if locked:
                _unlock(handle)
    finally:
        handle.close()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
