"""After a restart on a persistent store: finish what the previous run left unfinished.

A demo task that was SUBMITTED or WORKING when the server stopped has no producer any more, so it would stay
WORKING for ever. At start-up each such task is either resumed (a plain demo reply: it carries on after the
last stored chunk, in the same artifact, and a client that resubscribes sees the rest) or, when it cannot be
resumed faithfully (a scenario task, a foreign artifact), ended FAILED with a status message saying why.
Tasks waiting for input or auth are left as they are: they wait for the user, not for the server.

A resumed task runs on the lean path's `LeanRunner` with no stream of its own: the SDK offers no public way
to restart a stored task in its handler, and the demo reply needs none (the words left are known). Being a
live lean task, it answers SubscribeToTask, CancelTask and push configs as any other (live.py).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from a2acli.agent.fastpath import LeanRunner
    from a2acli.agent.options import ServeOptions

log = logging.getLogger("a2acli.serve")

MAX_TASKS = 10_000  # bounded: one pass over at most this many unfinished tasks


async def recover_unfinished_tasks(
    runner: LeanRunner, options: ServeOptions, background: set[asyncio.Task[None]]
) -> tuple[int, int]:
    """(resumed, failed) counts; each resumed task runs in a task added to `background`.

    Never raises: recovery problems are logged, the server starts anyway.
    """
    from a2a.server.context import ServerCallContext
    from a2a.types.a2a_pb2 import ListTasksRequest, Message, Part, Role, TaskState

    from a2acli.agent.executor import ARTIFACT_NAME, split_words
    from a2acli.agent.live import LiveTask
    from a2acli.agent.scenarios import find_scenario

    store = runner.store
    context = ServerCallContext()
    resumed = failed = 0
    try:
        unfinished: list[Any] = []
        for state in (TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING):
            token = ""
            while len(unfinished) < MAX_TASKS:
                page = await store.list(ListTasksRequest(status=state, page_size=100, page_token=token), context)
                unfinished.extend(page.tasks)
                token = page.next_page_token
                if not token:
                    break
    except Exception:
        log.exception("could not look for unfinished tasks in the store")
        return 0, 0

    fallback = split_words(options.text)
    for stored in unfinished:
        task = await store.get(stored.id, context) or stored
        first = next((m for m in task.history if m.role == Role.ROLE_USER), None)
        # An --exec run cannot be resumed (its process is gone); nor can a task another agent wrote.
        foreign = options.command is not None or any(a.name != ARTIFACT_NAME for a in task.artifacts)
        user_text = " ".join(p.text for p in first.parts if p.HasField("text")) if first is not None else ""
        scenario = first is not None and find_scenario(first.message_id, user_text) is not None
        try:
            if foreign or scenario:
                task.status.state = TaskState.TASK_STATE_FAILED
                task.status.timestamp.FromDatetime(datetime.now(UTC))
                task.status.message.CopyFrom(
                    Message(
                        message_id=f"restart-{task.id}",
                        role=Role.ROLE_AGENT,
                        task_id=task.id,
                        context_id=task.context_id,
                        parts=[Part(text="The server restarted while this task was running; it was not resumed.")],
                    )
                )
                await store.save(task, context)
                failed += 1
                continue
            chunks = split_words(user_text) if options.echo and user_text.strip() else fallback
            done = task.artifacts[0] if task.artifacts else None
            live = LiveTask(task, context)
            live.push = True  # configs stored before the restart still get the events (the sender reads them)
            runner.live[task.id] = live
            job = asyncio.get_running_loop().create_task(
                runner.run(
                    live,
                    None,
                    chunks,
                    first_chunk=len(done.parts) if done is not None else 0,
                    artifact_id=done.artifact_id if done is not None else None,
                )
            )
            background.add(job)
            job.add_done_callback(background.discard)
            resumed += 1
        except Exception:
            log.exception("could not recover task %s", task.id)
    if resumed or failed:
        log.info("after restart: %d unfinished task(s) resumed, %d ended FAILED", resumed, failed)
    return resumed, failed
