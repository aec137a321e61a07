"""`a2a chat`: an interactive multi-turn session with one agent.

- `session.py`: the loop. One connection for the whole session; each line typed is one turn through
  `client.turn.run_turn` (streamed when the card offers it, resumed after a drop like `a2a stream`), shown by the
  presenter `a2a stream` would use (`render.presenters.choose_presenter`: the Rich live view on a terminal).
  The contextId the agent assigned is carried to every later turn; a task that stops in INPUT_REQUIRED or
  AUTH_REQUIRED is continued (same taskId) by the next line.
- `slash.py`: the chat's own slash commands (a table); any other `/word` line is a message to the agent.
- `transcript.py`: what was sent and received, as protocol objects (`/save` writes them as JSON lines).
- `editor.py`: the line editor on a terminal (prompt_toolkit, imported only there); `lines.py`: one message per
  line of a piped stdin.
- `view.py`: the chat's own text (help, history, prompt, the ids to continue). Pure.
"""
