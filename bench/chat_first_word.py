#!/usr/bin/env python3
"""`a2a chat`: time from Enter to the first streamed word, beside `a2a stream`'s, both on a pseudo-terminal.

    .venv/bin/python bench/chat_first_word.py [--runs N]

Against `a2a serve --delay 0` (started here, loopback, port picked free). Interleaved, N rounds of:

- chat: one `a2a chat` session stays open on a pty; a line is typed and Enter pressed; the clock runs from the
  Enter (the CR written to the terminal) to the first word of the answer (`Hello!`) on the screen; then the
  prompt is awaited before the next round. The first turn of the session is reported apart (it is the same path;
  the session has only just connected).
- stream: `a2a stream -a URL hi` on a pty, from the spawn (the Enter a user presses in the shell) to `Hello!`.

Both draw the answer with the same live view (render/live.py). Ratio = chat / stream (lower is better): what a
second turn costs when the process, the card and the connection are already there. Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import select
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

BIN = Path(sys.executable).parent
A2A = str(BIN / "a2a") if (BIN / "a2a").exists() else (shutil.which("a2a") or "a2a")
SANDBOX = Path(tempfile.mkdtemp(prefix="a2acli-chat-bench-"))
WORD = b"Hello!"


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    for k in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE"):
        out.pop(k, None)
    # The line editor asks the terminal where the cursor is; this pty does not answer (prompt_toolkit's switch).
    out.update(HOME=str(SANDBOX), XDG_CONFIG_HOME=str(SANDBOX / "config"), XDG_DATA_HOME=str(SANDBOX / "data"))
    out.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
    return out


class Pty:
    def __init__(self, argv: list[str], cols: int = 120, rows: int = 40) -> None:
        import fcntl
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env(), cwd=SANDBOX, start_new_session=True
        )
        os.close(slave)
        self.out = b""

    def until(self, needle: bytes, start: int, timeout: float = 30.0) -> float | None:
        """perf_counter() when `needle` first shows in the output after offset `start`, or None."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if needle in self.out[max(0, start - len(needle)) :]:
                return time.perf_counter()
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                if self.proc.poll() is not None:
                    return None
                continue
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:
                return None
            if not chunk:
                return None
            self.out += chunk
        return None

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def demo_agent() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [A2A, "serve", "--port", str(port), "--delay", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/.well-known/agent-card.json", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("a2a serve did not come up") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def chat_turn(chat: Pty) -> float | None:
    """Seconds from Enter to the first word; then waits for the next prompt."""
    chat.write(b"hi")
    time.sleep(0.05)  # typed, then Enter: the clock starts at the Enter
    start = len(chat.out)
    t0 = time.perf_counter()
    chat.write(b"\r")
    seen = chat.until(WORD, start)
    if seen is None:
        return None
    if chat.until(b"[COMPLETED] >", start) is None:
        return None
    return seen - t0


def stream_once(url: str) -> float | None:
    run = Pty([A2A, "stream", "-a", url, "hi"])
    try:
        seen = run.until(WORD, 0)
        run.proc.wait(30)
        return None if seen is None else seen - run.t0
    finally:
        run.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} interleaved rounds", flush=True)
    with demo_agent() as url:
        stream_once(url)  # warm-up: .pyc files, page cache
        chat = Pty([A2A, "chat", "-a", url, "--no-history"])
        try:
            if chat.until(b"Agent >", 0) is None:
                raise SystemExit("a2a chat showed no prompt: " + chat.out[-500:].decode("utf-8", "replace"))
            first = chat_turn(chat)
            chats: list[float] = []
            streams: list[float] = []
            for _ in range(args.runs):
                c = chat_turn(chat)
                s = stream_once(url)
                if c is None or s is None:
                    raise SystemExit(f"a round failed (chat {c}, stream {s})")
                chats.append(c)
                streams.append(s)
            chat.write(b"\x04")
            chat.proc.wait(10)
        finally:
            chat.close()
    c_ms, s_ms = statistics.median(chats) * 1000, statistics.median(streams) * 1000
    print(f"{'':44} {'median':>9} {'min':>9} {'max':>9}")
    for label, values in (
        ("a2a chat: Enter -> first word (turns 2..)", chats),
        ("a2a stream: spawn -> first word", streams),
    ):
        ms = [v * 1000 for v in values]
        print(f"{label:44} {statistics.median(ms):7.1f}ms {min(ms):7.1f}ms {max(ms):7.1f}ms")
    if first is not None:
        print(f"{'a2a chat: the session first turn':44} {first * 1000:7.1f}ms")
    print(f"ratio chat / stream: {c_ms / s_ms:.3f} (lower is better; load average now {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
