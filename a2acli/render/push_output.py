"""The writer of `a2a push listen`: each delivery as a JSON line, the text floor, or (`-o rich` on a terminal) a
Rich view."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from a2acli.render import writers

if TYPE_CHECKING:
    from a2acli.render.push import Delivery


class ReceiverStats(Protocol):
    """What the summary reads of a receiver's counters (`a2acli.push.receiver.ReceiverStats`)."""

    accepted: int
    rejected_auth: int
    rejected_size: int
    rejected_body: int
    rejected_busy: int
    rejected_task: int


def delivery_writer(*, json_output: bool, rich: bool = False) -> Callable[[Delivery], None]:
    """What shows one delivery, chosen once for the run (`rich`: one Rich console)."""
    from a2acli.render.push import rich_view, text_floor

    if json_output:
        return lambda delivery: writers.write_json(delivery.payload)
    if rich:
        from rich.console import Console

        console = Console(highlight=False)
        return lambda delivery: console.print(rich_view(delivery))
    return lambda delivery: writers.write_text(text_floor(delivery))


def receiver_summary(stats: ReceiverStats) -> str:
    """The last line of a listen run: what was received, and what was refused and why."""
    refused = (
        stats.rejected_auth + stats.rejected_size + stats.rejected_body + stats.rejected_busy + stats.rejected_task
    )
    summary = f"received {stats.accepted} notification(s)"
    if refused:
        summary += (
            f"; refused {refused} (auth {stats.rejected_auth}, size {stats.rejected_size}, "
            f"malformed {stats.rejected_body}, busy {stats.rejected_busy}, other tasks {stats.rejected_task})"
        )
    return summary
