"""Which presenter shows a turn: one place for the choice `a2a send`, `a2a stream` (and anyone else) make."""

from __future__ import annotations

from a2acli.render.events import CommandContext
from a2acli.render.events_output import JsonDocumentPresenter, JsonLinesPresenter, Presenter, TextPresenter


def choose_presenter(
    commands: CommandContext,
    *,
    json_output: bool,
    streaming: bool,
    live: bool,
    verbose: bool = False,
    waiting_on: str | None = None,
    rich: bool = False,
) -> Presenter:
    """JSON lines when streaming, else one JSON document; the live view (a terminal); else the text floor, per
    event when streaming, else the final object once (with a spinner on stderr while it waits; `rich`: styled)."""
    if json_output:
        return JsonLinesPresenter() if streaming else JsonDocumentPresenter()
    if live:
        from a2acli.render.live import LivePresenter  # Rich's live region: only a terminal needs it

        return LivePresenter(commands, verbose=verbose)
    return TextPresenter(commands, stream=streaming, verbose=verbose, waiting_on=waiting_on, rich=rich)
