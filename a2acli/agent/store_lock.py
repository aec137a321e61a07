"""One server per persistent store: an OS file lock next to the sqlite file, held for the server's lifetime.

Two servers on one sqlite file each take the other's live tasks for tasks left over by a crash (recovery.py
resumes them), and a cancel through one is undone by the other's producer: a terminal task reopened, which
A2A forbids. So the second server refuses to start, naming the store and the holder. The lock is the
kernel's (a2acli/oslock.py: `flock` on POSIX, `msvcrt.locking` on Windows), not the file's existence: it goes
away with the process however it ends, so a crash never leaves a stale lock, only a stale pid in the file,
overwritten by the next holder. (Several replicas on one store need a shared database, not a shared sqlite file.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from a2acli.oslock import try_lock as _lock
from a2acli.oslock import unlock as _unlock


class StoreInUseError(Exception):
    """The store is locked by another process; `holder` is its pid as written in the lock file (or None)."""

    def __init__(self, store: str, lock_path: Path, holder: int | None) -> None:
        self.store = store
        self.lock_path = lock_path
        self.holder = holder
        who = f"pid {holder}" if holder else "another process"
        super().__init__(
            f"store {store} is in use by another a2a serve ({who}; lock {lock_path}): "
            "stop it, or give this server another --store"
        )


def sqlite_path(store: str) -> Path | None:
    """The database file of a `sqlite:///...` store URL, absolute; None for memory stores and `:memory:`."""
    if not store.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(store).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database).expanduser().resolve()


class StoreLock:
    """Held from `acquire` until `release` (or the process ends)."""

    def __init__(self, store: str, lock_path: Path, handle: IO[str]) -> None:
        self.store = store
        self.path = lock_path
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(cls, store: str) -> StoreLock | None:
        """Lock `store` for this process; None when it needs no lock. Raises StoreInUseError, or OSError when
        the lock file cannot be created."""
        database = sqlite_path(store)
        if database is None:
            return None
        lock_path = database.with_name(database.name + ".lock")
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held open while the lock is held
        try:
            _lock(handle)
        except OSError:
            try:
                handle.seek(0)
                text = handle.read().strip()
            except OSError:  # Windows: the locked byte cannot be read
                text = ""
            handle.close()
            raise StoreInUseError(store, lock_path, int(text) if text.isdigit() else None) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return cls(store, lock_path, handle)

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            _unlock(handle)
        finally:
            handle.close()
