#!/usr/bin/env python3
"""Regenerate the terminal images of the README from the real program.

    python scripts/screenshots.py            # writes docs/a2a-card.svg, docs/a2a-stream-live.svg, docs/a2a-stream.svg

It starts the demo agent (`a2a serve`), runs `a2a card` and `a2a stream` in a pseudo-terminal (so they render
with Rich, as on a real terminal), replays what they wrote on a small screen model (enough of a VT100 for
Rich's live display: carriage return, cursor up, erase line, SGR colours) and exports the screen as SVG with
Rich's own `Console.export_svg`. Nothing is drawn by hand: the images are what a terminal showed.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import fcntl
import io
import os
import pty
import re
import select
import shlex
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 100, 40
_TOKEN = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r\n|\r|\n|[^\x1b\r\n]+|\x1b")


class Screen:
    """The lines a terminal shows after some output: just enough VT100 for Rich's live display."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.row = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""  # an escape sequence cut by a read boundary

    def feed(self, chunk: bytes) -> None:
        data = self._pending + self._decoder.decode(chunk)
        cut = data.rfind("\x1b")
        if cut != -1 and not re.match(r"\x1b\[[0-9;?]*[A-Za-z]", data[cut:]):
            data, self._pending = data[:cut], data[cut:]
        else:
            self._pending = ""
        for token in _TOKEN.findall(data):
            if token in ("\r\n", "\n"):
                self.row += 1
                if self.row == len(self.lines):
                    self.lines.append("")
            elif token == "\r":
                continue  # Rich always erases the line after a carriage return
            elif token.startswith("\x1b["):
                code, final = token[2:-1], token[-1]
                if final == "A":
                    self.row = max(0, self.row - int(code or 1))
                elif final == "K":
                    self.lines[self.row] = ""
                elif final == "m":
                    self.lines[self.row] += token
                # cursor show/hide and the rest change nothing visible
            elif token != "\x1b":
                self.lines[self.row] += token

    def text(self) -> str:
        lines = list(self.lines)
        while lines and not re.sub(r"\x1b\[[0-9;]*m", "", lines[-1]).strip():
            lines.pop()
        return "\n".join(lines)


def run_in_pty(argv: list[str], env: dict[str, str], *, timeout: float = 60.0) -> Iterator[Screen]:
    """Run `argv` on a pseudo-terminal, yielding the screen after every chunk of output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    screen = Screen()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                screen.feed(chunk)
                yield screen
            elif proc.poll() is not None:
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    if proc.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} exited {proc.returncode}:\n{screen.text()}")


def save_svg(screen_text: str, command: str, path: Path) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor", file=io.StringIO())
    console.print(Text("$ ", style="bold green") + Text(command, style="bold"))
    console.print(Text.from_ansi(screen_text))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(console.export_svg(title=command))
    print(f"wrote {path.relative_to(ROOT)}")


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise SystemExit("no free port")


@contextlib.contextmanager
def demo_agent(a2a: str, port: int, env: dict[str, str]) -> Iterator[str]:
    proc = subprocess.Popen(
        [a2a, "serve", "--port", str(port), "--delay", "0.15", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{base}/.well-known/agent-card.json", timeout=1).close()
                break
            time.sleep(0.1)
        else:
            raise SystemExit("the demo agent did not start")
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _missing(a2a: str | None) -> str | None:
    """Why this script cannot run here, in one line (it needs the project's environment: Rich and `a2a`)."""
    how = "run it with the project's venv: .venv/bin/python scripts/screenshots.py (after pip install -e .)"
    try:
        import rich  # noqa: F401
    except ImportError:
        return f"Rich is not installed for {sys.executable}; {how}"
    program = Path(a2a) if a2a else Path(sys.executable).with_name("a2a")
    if not (program.is_file() and os.access(program, os.X_OK)):
        return f"no a2a program at {program}; {how}, or pass --a2a PATH"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the SVG files")
    parser.add_argument("--a2a", default=None, help="the a2a program to run (default: the one beside this Python)")
    args = parser.parse_args()
    problem = _missing(args.a2a)
    if problem:
        sys.stderr.write(f"error: {problem}\n")
        return 2
    args.a2a = args.a2a or str(Path(sys.executable).with_name("a2a"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_") and k not in ("NO_COLOR",)}
    env.update(TERM="xterm-256color", COLUMNS=str(WIDTH), LINES=str(HEIGHT), FORCE_COLOR="1")
    port = free_port(8001)
    agent = [] if port == 8001 else ["-a", f"127.0.0.1:{port}"]
    with demo_agent(args.a2a, port, env):
        card_cmd = ["card", "-o", "rich", *agent]
        *_, screen = run_in_pty([args.a2a, *card_cmd], env)
        save_svg(screen.text(), shlex.join(["a2a", *card_cmd]), args.out / "a2a-card.svg")

        stream_cmd = ["stream", *agent, "Tell me a story"]
        live = ""
        for screen in run_in_pty([args.a2a, *stream_cmd], env):
            shown = screen.text()
            if not live and "word by word" in shown and "capabilities" not in shown:
                live = shown  # a frame in mid-stream: the answer half written, the status line running
        if not live:
            raise SystemExit("no mid-stream frame was seen")
        save_svg(live, shlex.join(["a2a", *stream_cmd]), args.out / "a2a-stream-live.svg")
        save_svg(screen.text(), shlex.join(["a2a", *stream_cmd]), args.out / "a2a-stream.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
