"""Drive a program interactively on a pseudo-terminal that is its controlling terminal: type, wait for output.

`PtySession([...], env)` starts the program with stdin, stdout and stderr on a new pty, made its controlling
terminal (a tiny launcher calls TIOCSCTTY before exec, so no `preexec_fn` runs in a child forked from a process
that may have server threads), so Ctrl-C typed as `\\x03` reaches it as SIGINT exactly when the terminal is in
cooked mode, and is a key when a line editor has put the terminal in raw mode. It answers no cursor position
request: run prompt_toolkit programs with PROMPT_TOOLKIT_NO_CPR=1 (its own switch for such terminals).
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

_LAUNCH = "import fcntl, os, sys, termios\nfcntl.ioctl(0, termios.TIOCSCTTY, 0)\nos.execv(sys.argv[1], sys.argv[1:])\n"


class PtySession:
    def __init__(self, argv: Sequence[str], env: Mapping[str, str], *, columns: int = 100, rows: int = 40) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCH, *argv],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=dict(env),
                start_new_session=True,
            )
        finally:
            os.close(slave)
        self.columns = columns
        self.rows = rows
        self.out = b""  # everything written to the terminal
        self.mark = 0  # where the next `expect` starts looking

    def _pump(self, wait: float) -> bool:
        """Read what is there (up to `wait` s); False at the end of output."""
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every process holding the terminal closed it
            return False
        if not data:
            return False
        self.out += data
        return True

    def expect(self, pattern: str | bytes, timeout: float = 30.0) -> re.Match[bytes]:
        """Wait until `pattern` (a regex) appears after the last match; return the match."""
        regex = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        while True:
            found = regex.search(self.out, self.mark)
            if found:
                self.mark = found.end()
                return found
            if time.monotonic() > deadline or not self._pump(min(0.2, max(0.0, deadline - time.monotonic()))):
                found = regex.search(self.out, self.mark)
                if found:
                    self.mark = found.end()
                    return found
                tail = self.out[self.mark :][-3000:].decode("utf-8", "replace")
                raise AssertionError(f"{regex.pattern!r} not seen in {timeout} s; after the last match:\n{tail!r}")

    def expect_screen(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """Wait until `pattern` (a regex) is on the screen as a terminal shows it (controls replayed, so a line
        the program redraws piecewise reads whole); the next `expect` looks after everything read so far."""
        from tests.support.screen import screen_lines

        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            found = regex.search("\n".join(screen_lines(self.out, self.columns)))
            if found:
                self.mark = len(self.out)
                return found
            if time.monotonic() > deadline or not self._pump(0.2):
                raise AssertionError(f"{pattern!r} not on the screen in {timeout} s:\n{self.out[-3000:]!r}")

    def send(self, data: str | bytes) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def sendline(self, text: str) -> None:
        """Type `text` and press Enter (a terminal sends CR)."""
        self.send(text)
        time.sleep(0.05)  # a paste is told from typing by timing: type, then press Enter
        self.send(b"\r")

    def wait(self, timeout: float = 30.0) -> int:
        """Read to the end of output; the exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._pump(0.2):
            if self.proc.poll() is not None and not select.select([self.master], [], [], 0.1)[0]:
                break
        return self.proc.wait(max(1.0, deadline - time.monotonic()))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)

    def text(self) -> str:
        return self.out.decode("utf-8", "replace")

    def __enter__(self) -> PtySession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
