"""Off a terminal: one message per line of stdin, no prompt, no line editor (SPEC §6.1, §11.2)."""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Any

from a2acli.errors import Interrupted, UsageError


class StdinLines:
    """Reads stdin a line at a time. Nothing else runs between two turns, so the read may block the event loop;
    Ctrl-C while it waits ends the session (`Interrupted`, exit 130), as it would any command reading input."""

    interactive = False

    async def read(self, prompt: str) -> str | None:
        previous: Any = None
        with contextlib.suppress(ValueError):  # not the main thread: keep whatever handles SIGINT there
            previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            line = sys.stdin.readline()
        except KeyboardInterrupt:
            raise Interrupted("interrupted while reading the next message") from None
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read stdin: {exc}") from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if not line:
            return None
        return line.rstrip("\n").removesuffix("\r")

    def close(self) -> None:
        pass
