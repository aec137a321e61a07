"""`a2a send` and `a2a stream`. (Owned by the send/stream work, issue 4.)"""

from __future__ import annotations

from typing import Annotated

import typer


def send(prompt: Annotated[str | None, typer.Argument(help="The message text; - reads stdin.")] = None) -> None:
    """Send a message to an agent and wait for the task to finish."""
    from a2acli.errors import UsageError

    raise UsageError("`a2a send` is being built")


def stream(prompt: Annotated[str | None, typer.Argument(help="The message text; - reads stdin.")] = None) -> None:
    """Send a message and stream the answer live."""
    from a2acli.errors import UsageError

    raise UsageError("`a2a stream` is being built")
