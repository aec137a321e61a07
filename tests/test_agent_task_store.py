"""`a2a serve --store memory` is bounded (`--max-tasks`): the oldest terminal tasks go first, never a running one;
ListTasks answers as the SDK's in-memory store does, page for page, and stays fast at the cap."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx

from tests.support.agent import demo_agent

V1 = {"A2A-Version": "1.0"}


def _rpc(url: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    return dict(httpx.post(url + "/", json=body, headers=V1, timeout=20).json())


def _send(url: str, text: str, **configuration: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"message": {"messageId": f"m-{text}", "role": "ROLE_USER", "parts": [{"text": text}]}}
    if configuration:
        params["configuration"] = configuration
    return dict(_rpc(url, "SendMessage", params)["result"]["task"])


def test_the_memory_store_keeps_at_most_max_tasks_dropping_the_oldest_finished_first() -> None:
    with demo_agent(max_tasks=10) as url:
        # A long-running task first: the oldest, but running, so never dropped.
        running = _send(url, "/scenario long-running 20", returnImmediately=True)
        done = [_send(url, f"t{i}") for i in range(25)]
        assert all(t["status"]["state"] == "TASK_STATE_COMPLETED" for t in done)
        listed = _rpc(url, "ListTasks", {"pageSize": 100})["result"]
        assert listed.get("totalSize", 0) == 10
        kept = {t["id"] for t in listed["tasks"]}
        assert running["id"] in kept
        assert kept - {running["id"]} == {t["id"] for t in done[-9:]}  # the 9 newest finished ones
        gone = _rpc(url, "GetTask", {"id": done[0]["id"]})
        assert gone["error"]["code"] == -32001  # TaskNotFoundError, as for any unknown task
        assert _rpc(url, "GetTask", {"id": running["id"]})["result"]["status"]["state"] == "TASK_STATE_WORKING"
        _rpc(url, "CancelTask", {"id": running["id"]})


def test_list_pages_equal_the_sdk_store_pages() -> None:
    from a2a.server.context import ServerCallContext
    from a2a.server.tasks import InMemoryTaskStore
    from a2a.types.a2a_pb2 import ListTasksRequest, Task, TaskState, TaskStatus
    from a2a.utils.task import encode_page_token

    from a2acli.agent.task_store import BoundedTaskStore

    rng = random.Random(13)
    states = [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED]

    async def check() -> None:
        ours, sdk = BoundedTaskStore(10_000), InMemoryTaskStore()
        ctx = ServerCallContext()
        ids = [f"task-{i:03d}" for i in range(120)]
        for _ in range(400):  # saves and re-saves with moving timestamps, some with none, a few deletes
            task = Task(
                id=rng.choice(ids), context_id=rng.choice(["a", "b"]), status=TaskStatus(state=rng.choice(states))
            )
            if rng.random() < 0.9:
                task.status.timestamp.FromNanoseconds(rng.randrange(10) * 1_000_000_000)
            for store in (ours, sdk):
                await store.save(task, ctx)
            if rng.random() < 0.05:
                for store in (ours, sdk):
                    await store.delete(task.id, ctx)
        requests = [
            ListTasksRequest(page_size=7),
            ListTasksRequest(page_size=50, context_id="a"),
            ListTasksRequest(page_size=9, status=TaskState.TASK_STATE_COMPLETED),
            ListTasksRequest(page_size=5, context_id="b", status=TaskState.TASK_STATE_WORKING),
        ]
        after = ListTasksRequest(page_size=6)
        after.status_timestamp_after.FromNanoseconds(5_000_000_000)
        requests.append(after)
        for request in requests:
            token, pages = "", 0
            while True:
                request.page_token = token
                a, b = await ours.list(request, ctx), await sdk.list(request, ctx)
                assert a == b, (request, pages)
                token, pages = a.next_page_token, pages + 1
                if not token:
                    break
            assert pages > 1 or request.page_size >= a.total_size
        legacy = ListTasksRequest(page_size=4, page_token=encode_page_token(ids[3]))
        if await ours.get(ids[3], ctx) is not None:
            assert await ours.list(legacy, ctx) == await sdk.list(legacy, ctx)

    asyncio.run(check())


def test_list_tasks_stays_fast_at_the_cap() -> None:
    from a2a.server.context import ServerCallContext
    from a2a.types.a2a_pb2 import ListTasksRequest, Task, TaskState, TaskStatus

    from a2acli.agent.task_store import BoundedTaskStore

    async def check() -> float:
        store, ctx = BoundedTaskStore(10_000), ServerCallContext()
        for i in range(12_000):
            task = Task(id=f"t{i}", context_id="c", status=TaskStatus(state=TaskState.TASK_STATE_COMPLETED))
            task.status.timestamp.FromNanoseconds(i * 1000)
            await store.save(task, ctx)
        assert len(store) == 10_000
        started = time.perf_counter()
        request, token = ListTasksRequest(page_size=100), ""
        for _ in range(20):
            request.page_token = token
            page = await store.list(request, ctx)
            token = page.next_page_token
        return (time.perf_counter() - started) / 20

    per_page = asyncio.run(check())
    assert per_page < 0.02, per_page  # a page costs its copies, not a sort of 10k tasks


def test_a_dropped_task_takes_its_push_configs_with_it() -> None:
    from a2a.auth.user import UnauthenticatedUser
    from a2a.server.context import ServerCallContext
    from a2a.server.tasks import InMemoryPushNotificationConfigStore
    from a2a.types.a2a_pb2 import Task, TaskPushNotificationConfig, TaskState, TaskStatus

    from a2acli.agent.task_store import BoundedTaskStore

    async def check() -> None:
        push = InMemoryPushNotificationConfigStore()
        store = BoundedTaskStore(2, on_evict=push.delete_info)
        ctx = ServerCallContext(user=UnauthenticatedUser())
        for i in range(3):
            await store.save(Task(id=f"t{i}", status=TaskStatus(state=TaskState.TASK_STATE_COMPLETED)), ctx)
            if i == 0:
                config = TaskPushNotificationConfig(task_id="t0", id="c0", url="http://127.0.0.1:9/hook")
                await push.set_info("t0", config, ctx)
                assert len(await push.get_info("t0", ctx)) == 1
        assert await store.get("t0", ctx) is None
        assert await push.get_info("t0", ctx) == []

    asyncio.run(check())
