"""`a2a serve`: run the demo streaming agent. (Owned by the agent work, issue 2.)"""

from __future__ import annotations


def serve() -> None:
    """Run the demo streaming agent."""
    from a2acli.errors import UsageError

    raise UsageError("`a2a serve` is being built")
