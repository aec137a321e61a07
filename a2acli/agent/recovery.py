"""After a restart on a persistent store: finish what the previous run left unfinished.

A demo task that was SUBMITTED or WORKING when the server stopped has no producer any more, so it would stay
WORKING for ever. At start-up each such task is either resumed (a plain demo reply: the executor carries on
after the last stored chunk, and a client that resubscribes sees the rest) or, when it cannot be resumed
faithfully (a scenario task, a foreign artifact), ended FAILED with a status message saying why.
Tasks waiting for input or auth are left as they are: they wait for the user, not for the server.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("a2acli.serve")

MAX_TASKS = 10_000  # bounded: one pass over at most this many unfinished tasks


async def recover_unfinished_tasks(handler: Any, task_store: Any) -> tuple[int, int]:
    """(resumed, failed) counts. Never raises: recovery problems are logged, the server starts anyway."""
    from a2a.server.agent_execution import RequestContext
    from a2a.server.context import ServerCallContext
    from a2a.types.a2a_pb2 import ListTasksRequest, Message, Part, Role, TaskState

    from a2acli.agent.executor import ARTIFACT_NAME, _first_user_text
    from a2acli.agent.scenarios import find_scenario

    context = ServerCallContext()
    resumed = failed = 0
    try:
        unfinished: list[Any] = []
        for state in (TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING):
            token = ""
            while len(unfinished) < MAX_TASKS:
                page = await task_store.list(ListTasksRequest(status=state, page_size=100, page_token=token), context)
                unfinished.extend(page.tasks)
                token = page.next_page_token
                if not token:
                    break
    except Exception:
        log.exception("could not look for unfinished tasks in the store")
        return 0, 0

    for stored in unfinished:
        task = await task_store.get(stored.id, context) or stored
        first = next((m for m in task.history if m.role == Role.ROLE_USER), None)
        foreign = any(a.name != ARTIFACT_NAME for a in task.artifacts)
        scenario = first is not None and find_scenario(first.message_id, _first_user_text(task)) is not None
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
                await task_store.save(task, context)
                failed += 1
                continue
            registry = handler._active_task_registry  # the SDK keeps no public way to restart a stored task
            active = await registry.get_or_create(task.id, call_context=context, context_id=task.context_id)
            await active.start(call_context=context, create_task_if_missing=False)
            await active.enqueue_request(
                RequestContext(call_context=context, task_id=task.id, context_id=task.context_id, task=task)
            )
            resumed += 1
        except Exception:
            log.exception("could not recover task %s", task.id)
    if resumed or failed:
        log.info("after restart: %d unfinished task(s) resumed, %d ended FAILED", resumed, failed)
    return resumed, failed
