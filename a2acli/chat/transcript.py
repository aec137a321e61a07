"""What a chat session sent and received, as the protocol's own objects, and the presenter that records it.

`/save PATH` writes the transcript as JSON lines: each SendMessageRequest as it was sent (its `message` has
`role: ROLE_USER`), then each StreamResponse the agent answered with (`task`, `statusUpdate`, `artifactUpdate`
or `message`), in order. The lines are the ones `a2a stream -o json` prints, so the same tools read both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from a2acli.errors import UsageError
from a2acli.protocol import INTERRUPTED_STATES
from a2acli.render.events_output import Presenter, TurnIds
from a2acli.render.notices import Notice, NotStreaming, Outcome
from a2acli.render.writers import dumps

MAX_LINES = 200_000  # a session that streams without end keeps its latest lines, not every line ever


class Transcript:
    def __init__(self) -> None:
        self.lines: list[str] = []  # compact JSON, one protocol object each
        self.dropped = 0

    def _add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) > MAX_LINES:
            extra = len(self.lines) - MAX_LINES
            del self.lines[:extra]
            self.dropped += extra

    def sent(self, request: dict[str, Any]) -> None:
        self._add(dumps(request))

    def received(self, event: dict[str, Any]) -> None:
        self._add(dumps(event))

    def received_raw(self, text: str) -> None:
        self._add(text)

    def save(self, target: str) -> Path:
        """Write the transcript to a new file (0600: it holds the conversation); never overwrites."""
        if not target.strip():
            raise UsageError("/save needs a path", hint="/save chat.jsonl")
        path = Path(target.strip()).expanduser()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise UsageError(f"/save {target.strip()}: the file exists", hint="choose a new path") from None
        except OSError as exc:
            raise UsageError(f"cannot write {target.strip()}: {exc.strerror or exc}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for line in self.lines:
                out.write(line + "\n")
        return path

    def objects(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


class RecordingPresenter:
    """A turn's presenter (the one `a2a stream` would use, unchanged) with the transcript recorded on the way,
    the ids kept for the session, the note that the agent does not stream said once per session, and a waiting
    task's outcome left to the session (whose next line is the reply: no `--task-id` to type)."""

    def __init__(self, inner: Presenter, transcript: Transcript, *, said_not_streaming: bool) -> None:
        self.inner = inner
        self.transcript = transcript
        self.wants_events = True  # the transcript needs every event, whatever the view shows
        self.wants_result = inner.wants_result
        self.takes_raw = inner.takes_raw
        self.ids = TurnIds()
        self.said_not_streaming = said_not_streaming

    def start(self, ids: TurnIds | None = None) -> None:
        if ids is not None:
            self.ids = ids
        self.inner.start(ids)

    def event(self, event: dict[str, Any]) -> None:
        self.transcript.received(event)
        if self.inner.wants_events:
            self.inner.event(event)

    def raw_event(self, text: str) -> None:
        self.transcript.received_raw(text)
        self.inner.raw_event(text)

    def notice(self, notice: Notice) -> None:
        if isinstance(notice, Outcome) and notice.state in INTERRUPTED_STATES:
            return  # the session says what to do (notices.AwaitingReply)
        if isinstance(notice, NotStreaming):
            if self.said_not_streaming:
                return
            self.said_not_streaming = True
        self.inner.notice(notice)

    def finish(self, result: dict[str, Any] | None, ids: TurnIds) -> None:
        self.ids = ids
        self.inner.finish(result, ids)

    def abort(self, ids: TurnIds) -> None:
        self.ids = ids
        self.inner.abort(ids)

    def close(self) -> None:
        self.inner.close()
