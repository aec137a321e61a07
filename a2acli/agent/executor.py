"""The demo agent's executor: a Task that streams its reply word by word as chunks of ONE artifact.

SUBMITTED -> WORKING -> artifact chunks (first `append=false`, then `append=true`, the last `lastChunk=true`)
-> COMPLETED. A cancel stops the loop at the next chunk boundary and ends the task CANCELED.

Hot path: every chunk is one small TaskArtifactUpdateEvent; nothing copies the whole task here.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.tasks import TaskUpdater
from a2a.types.a2a_pb2 import (
    Artifact,
    Part,
    Task,
    TaskArtifactUpdateEvent,
    TaskState,
    TaskStatus,
)

from a2acli.agent.scenarios import find_scenario

if TYPE_CHECKING:
    from a2acli.agent.options import ServeOptions

ARTIFACT_NAME = "response"


def split_words(text: str) -> list[str]:
    """Chunks whose concatenation is exactly `text`: each word keeps the whitespace that follows it."""
    chunks: list[str] = []
    start = 0
    n = len(text)
    i = 0
    while i < n:
        while i < n and not text[i].isspace():
            i += 1
        while i < n and text[i].isspace():
            i += 1
        chunks.append(text[start:i])
        start = i
    return chunks or [""]


class DemoAgentExecutor(AgentExecutor):
    """Streams the configured reply (or the prompt, with echo) word by word."""

    def __init__(self, options: ServeOptions) -> None:
        self._delay = max(0.0, float(options.delay))
        self._echo = options.echo
        self._chunks = split_words(options.text)
        # Tasks whose word loop is running, and the ones of those a cancel asked to stop. A cancel for any
        # other task (a scenario's, an idle input-required one, a finished one) is not recorded, so neither
        # set outlives its task.
        self._running: set[str] = set()
        self._canceled: set[str] = set()

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        message = context.message
        task_id = context.task_id or str(uuid.uuid4())
        current = context.current_task
        # A follow-up naming only its taskId gets a fresh contextId from the SDK: events must carry the task's.
        context_id = (current.context_id if current is not None else "") or context.context_id or str(uuid.uuid4())
        user_text = context.get_user_input(" ")

        scenario = find_scenario(message.message_id if message is not None else "", user_text)
        updater = TaskUpdater(event_queue, task_id, context_id)
        if scenario is not None:
            await scenario.run(context, updater, event_queue)
            return

        if current is None:  # a new task: announce it before working on it
            task = Task(id=task_id, context_id=context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))
            if message is not None:
                task.history.append(message)
            await event_queue.enqueue_event(task)
        await updater.start_work()

        artifact_id = str(uuid.uuid4())
        chunks = split_words(user_text) if self._echo and user_text.strip() else self._chunks
        last = len(chunks) - 1
        delay = self._delay
        canceled = self._canceled
        self._running.add(task_id)
        try:
            for i, chunk in enumerate(chunks):
                if delay:
                    await asyncio.sleep(delay)
                if task_id in canceled:
                    return
                event = TaskArtifactUpdateEvent(
                    task_id=task_id,
                    context_id=context_id,
                    artifact=Artifact(
                        artifact_id=artifact_id,
                        name=ARTIFACT_NAME,
                        parts=[Part(text=chunk)],
                    ),
                    append=i > 0,
                    last_chunk=i == last,
                )
                await event_queue.enqueue_event(event)
            if task_id in canceled:
                return
            await updater.complete()
        finally:
            self._running.discard(task_id)
            canceled.discard(task_id)

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        task_id = context.task_id or ""
        if task_id in self._running:
            self._canceled.add(task_id)
        updater = TaskUpdater(event_queue, task_id, context.context_id or "")
        await updater.cancel()
