"""Run a command on a pseudo-terminal (stdin, stdout and stderr on the tty) and collect what it wrote."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Mapping, Sequence


def run_in_pty(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    columns: int | None = None,
    rows: int = 40,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    """Exec `argv` (argv[0] a path) with `env` on a new pty; return (exit status, every byte written to the tty).

    `columns`: the terminal's size as the program sees it (TIOCSWINSZ), when it should not come from COLUMNS."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        if columns is not None:
            import fcntl
            import struct
            import termios

            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.execve(argv[0], list(argv), dict(env))
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out
