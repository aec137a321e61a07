"""`a2a chat`: an interactive multi-turn session with an agent (SPEC Tier 3, CHAT_001).

Thin: options -> settings and `chat.session.ChatOptions` -> `chat.session.run_chat` (the loop, the slash commands,
the transcript live in `a2acli/chat/`). Nothing heavy is imported before the command body runs, and prompt_toolkit
only when the session runs on a terminal.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from a2acli.commands._options import (
    DEFAULT_AGENT,
    DEFAULT_POLL_INTERVAL,
    AgentOptions,
    OutputFormat,
    PollIntervalOpt,
    TimeoutOpt,
    agent_options,
    setting,
)


class EditingMode(StrEnum):
    emacs = "emacs"
    vi = "vi"


ContextIdOpt = Annotated[
    str | None,
    setting("--context-id", help="Continue this existing conversation: every message is sent in this context."),
]
TaskIdOpt = Annotated[
    str | None,
    setting(
        "--task-id",
        help="Continue this task (e.g. one waiting in INPUT_REQUIRED): the first message is sent to it; a rejected"
        " id is an error, no new task is started for it.",
    ),
]
MetadataOpt = Annotated[
    str | None, setting("--metadata", help="Request metadata sent with every message, a JSON object.")
]
CancelOnInterruptOpt = Annotated[
    bool,
    setting("--cancel-on-interrupt", help="On Ctrl-C during an answer, also ask the agent to cancel the task."),
]
EditingModeOpt = Annotated[
    EditingMode,
    setting("--editing-mode", case_sensitive=False, help="Line editor keys on a terminal: emacs or vi."),
]
MultilineOpt = Annotated[
    bool,
    setting(
        "--multiline",
        help="Enter inserts a new line and Alt-Enter (Esc Enter) sends. Default: Enter sends, Alt-Enter inserts a"
        " new line.",
    ),
]
HistoryFileOpt = Annotated[
    str | None,
    setting(
        "--history-file",
        help="Where the line editor keeps the lines typed, across sessions (never an id). Default:"
        " $XDG_DATA_HOME/a2a-cli/chat-history (~/.local/share/a2a-cli/chat-history).",
        show_default=False,
    ),
]
NoHistoryOpt = Annotated[bool, setting("--no-history", help="Keep no history file (lines are recalled in memory).")]


@agent_options
def chat(
    ctx: typer.Context,
    agent: AgentOptions,
    context_id: ContextIdOpt = None,
    task_id: TaskIdOpt = None,
    metadata: MetadataOpt = None,
    timeout: TimeoutOpt = None,
    poll_interval: PollIntervalOpt = DEFAULT_POLL_INTERVAL,
    cancel_on_interrupt: CancelOnInterruptOpt = False,
    editing_mode: EditingModeOpt = EditingMode.emacs,
    multiline: MultilineOpt = False,
    history_file: HistoryFileOpt = None,
    no_history: NoHistoryOpt = False,
) -> None:
    """An interactive multi-turn session with an agent: the context and a waiting task carry from turn to turn.

    On a terminal: a line editor prompt showing the agent and the task's state, answers streamed live as by `a2a
    stream`, slash commands (/help lists them; any other /word line goes to the agent). Ctrl-C stops following an
    answer; Ctrl-D (or Ctrl-C at an empty prompt) leaves, printing the ids that continue the conversation. Piped:
    one message per input line, the text floor (or JSON lines with -o json), exit 0 at the end of input.
    """
    import asyncio
    import sys
    from pathlib import Path

    from a2acli.chat.session import ChatOptions, run_chat
    from a2acli.client.message import parse_metadata
    from a2acli.render.writers import set_mode
    from a2acli.settings import parse_duration, source_of

    json_output = agent.output is OutputFormat.json
    set_mode("json" if json_output else "text", stream=True)
    limit = parse_duration(timeout, name="--timeout")
    settings = agent.settings(limit)
    interactive = not json_output and _is_terminal(sys.stdin) and _is_terminal(sys.stdout)
    history: Path | None = None
    if interactive and not no_history:
        from a2acli.chat.editor import default_history_path

        history = Path(history_file).expanduser() if history_file else default_history_path()
    options = ChatOptions(
        agent_ref=None if agent.agent_card == DEFAULT_AGENT else agent.agent_card,
        interactive=interactive,
        # The answers as `a2a stream` shows them on a terminal: the live view, unless `-o text` asked for the floor.
        live=interactive and (agent.output is OutputFormat.rich or source_of(ctx, "output") == "default"),
        json_output=json_output,
        context_id=context_id,
        task_id=task_id,
        metadata=parse_metadata(metadata),
        timeout=limit,
        poll_interval=parse_duration(poll_interval, name="--poll-interval") or 2.0,
        cancel_on_interrupt=cancel_on_interrupt,
        verbose=settings.verbose,
        vi=editing_mode is EditingMode.vi,
        multiline=multiline,
        history_file=history,
    )
    asyncio.run(run_chat(settings, options))


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False
