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
    interrupt_after: bytes | None = None,
) -> tuple[int, bytes]:
    """Run `argv` (argv[0] a path) with `env` on a new pty; return (exit status, every byte written to the tty).

    `columns`: the terminal's size as the program sees it (TIOCSWINSZ), when it should not come from COLUMNS.
    `interrupt_after`: once these bytes were written, wait a few status-line ticks and send SIGINT (Ctrl-C)."""
    import fcntl
    import pty
    import signal
    import struct
    import subprocess
    import termios

    # openpty + subprocess rather than pty.fork: forking a process that runs server threads (the suite's agents
    # under uvicorn) may deadlock the child, and Python 3.12+ warns about it; subprocess forks in C and execs.
    master, slave = pty.openpty()
    if columns is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    try:
        proc = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=dict(env), start_new_session=True
        )
    finally:
        os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every process holding the terminal closed it
            break
        if not data:
            break
        out += data
        if interrupt_after is not None and interrupt_after in out:
            interrupt_after = None
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
    try:
        status = proc.wait(max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return status, out
