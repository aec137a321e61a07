"""`BoundedTaskStore`: the in-memory task store of `a2a serve --store memory`, with a cap and a fast ListTasks.

The SDK's `InMemoryTaskStore` keeps every task for ever (a long-running demo server grows without bound) and
sorts all of an owner's tasks, computing each sort key from the proto, on every ListTasks call. Here:
- at most `max_tasks` tasks are kept: past the cap the task that became terminal longest ago (completed,
  failed, canceled, rejected) is dropped first. A task that is running or waiting for input is never dropped,
  so with more of those than the cap the store holds more than the cap until they end;
- each owner's sort keys are kept sorted as tasks are saved (a bisect per save), so a page of ListTasks costs
  a filter pass and the page's copies, not a sort.
Semantics are the SDK's: copies in and out (as its `CopyingTaskStoreAdapter`), owners by `resolve_user_scope`,
`(has timestamp, timestamp, id)` descending order, its page tokens (cursor and legacy), its filters.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from a2a.auth.user import User
from a2a.server.context import ServerCallContext
from a2a.server.owner_resolver import OwnerResolver, resolve_user_scope
from a2a.server.tasks import TaskStore
from a2a.types.a2a_pb2 import ListTasksRequest, ListTasksResponse, Task, TaskState
from a2a.utils.constants import DEFAULT_LIST_TASKS_PAGE_SIZE
from a2a.utils.errors import InvalidParamsError
from a2a.utils.task import ListTasksCursor, decode_list_tasks_cursor, decode_page_token, encode_list_tasks_cursor

from a2acli import protocol

Key = tuple[bool, int, str]
TERMINAL = frozenset(TaskState.Value(name) for name in protocol.TERMINAL_STATES)


def _key(task: Task) -> Key:
    has_timestamp = task.HasField("status") and task.status.HasField("timestamp")
    return (has_timestamp, task.status.timestamp.ToNanoseconds() if has_timestamp else 0, task.id)


class _Owner:
    __slots__ = ("keys", "tasks")

    def __init__(self) -> None:
        # id -> (sort key, task, context id, state): the filters read plain values, not the proto
        self.tasks: dict[str, tuple[Key, Task, str, int]] = {}
        self.keys: list[Key] = []  # ascending; ListTasks reads it backwards

    def put(self, task: Task) -> bool:
        """Store `task` (already a copy); True when it is new."""
        key = _key(task)
        old = self.tasks.get(task.id)
        if old is not None and old[0] != key:
            self._unkey(old[0])
        if old is None or old[0] != key:
            bisect.insort(self.keys, key)
        self.tasks[task.id] = (key, task, task.context_id, task.status.state)
        return old is None

    def pop(self, task_id: str) -> bool:
        old = self.tasks.pop(task_id, None)
        if old is None:
            return False
        self._unkey(old[0])
        return True

    def _unkey(self, key: Key) -> None:
        i = bisect.bisect_left(self.keys, key)
        if i < len(self.keys) and self.keys[i] == key:
            del self.keys[i]


class _OwnerUser(User):
    """The owner a task was stored under, as a context user (for `on_evict`: `resolve_user_scope` reads it)."""

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def is_authenticated(self) -> bool:
        return bool(self._name)

    @property
    def user_name(self) -> str:
        return self._name


OnEvict = Callable[[str, ServerCallContext], Awaitable[None]]


class BoundedTaskStore(TaskStore):
    """`on_evict(task_id, context)` is awaited for each dropped task (the app drops its push configs with it)."""

    def __init__(
        self, max_tasks: int, owner_resolver: OwnerResolver = resolve_user_scope, on_evict: OnEvict | None = None
    ) -> None:
        self.max_tasks = max(1, int(max_tasks))
        self.owner_resolver = owner_resolver
        self.on_evict = on_evict
        self._owners: dict[str, _Owner] = {}
        self._terminal: OrderedDict[tuple[str, str], None] = OrderedDict()  # eviction order, oldest first
        self._count = 0

    def __len__(self) -> int:
        return self._count

    async def save(self, task: Task, context: ServerCallContext) -> None:
        owner = self.owner_resolver(context)
        copy = Task()
        copy.CopyFrom(task)
        if self._owners.setdefault(owner, _Owner()).put(copy):
            self._count += 1
        slot = (owner, copy.id)
        if copy.status.state in TERMINAL:
            self._terminal[slot] = None
            self._terminal.move_to_end(slot)
        else:
            self._terminal.pop(slot, None)
        while self._count > self.max_tasks and self._terminal:
            old_owner, old_id = self._terminal.popitem(last=False)[0]
            self._remove(old_owner, old_id)
            if self.on_evict is not None:
                await self.on_evict(old_id, ServerCallContext(user=_OwnerUser(old_owner)))

    def _remove(self, owner: str, task_id: str) -> None:
        tasks = self._owners.get(owner)
        if tasks is not None and tasks.pop(task_id):
            self._count -= 1
            if not tasks.tasks:
                del self._owners[owner]

    async def get(self, task_id: str, context: ServerCallContext) -> Task | None:
        tasks = self._owners.get(self.owner_resolver(context))
        found = tasks.tasks.get(task_id) if tasks is not None else None
        if found is None:
            return None
        copy = Task()
        copy.CopyFrom(found[1])
        return copy

    async def delete(self, task_id: str, context: ServerCallContext) -> None:
        owner = self.owner_resolver(context)
        self._terminal.pop((owner, task_id), None)
        self._remove(owner, task_id)

    async def list(self, params: ListTasksRequest, context: ServerCallContext) -> ListTasksResponse:
        owner = self._owners.get(self.owner_resolver(context)) or _Owner()
        page_size = params.page_size or DEFAULT_LIST_TASKS_PAGE_SIZE
        keys: list[Key] = owner.keys
        if params.context_id or params.status or params.HasField("status_timestamp_after"):
            keys = _filtered(owner, params)
        total = len(keys)
        end = total  # keys[:end] are the candidates, read from the end (descending order)
        if params.page_token:
            cursor = decode_list_tasks_cursor(params.page_token)
            if cursor is None:  # a legacy token names the first task of the page
                start_id = decode_page_token(params.page_token)
                position = next((i for i in range(total - 1, -1, -1) if keys[i][2] == start_id), None)
                if position is None:
                    raise InvalidParamsError(f"Invalid page token: {params.page_token}")
                end = position + 1
            else:
                end = bisect.bisect_left(keys, cursor.sort_key())
        first = max(0, end - page_size)
        page = keys[first:end][::-1]
        next_token = None
        if first > 0 and page:
            last = page[-1]
            next_token = encode_list_tasks_cursor(
                ListTasksCursor(timestamp_ns=last[1] if last[0] else None, task_id=last[2])
            )
        return ListTasksResponse(
            next_page_token=next_token,
            tasks=[owner.tasks[k[2]][1] for k in page],
            total_size=total,
            page_size=page_size,
        )


def _filtered(owner: _Owner, params: ListTasksRequest) -> list[Key]:
    tasks = owner.tasks
    keys = owner.keys
    if params.context_id:
        context_id = params.context_id
        keys = [k for k in keys if tasks[k[2]][2] == context_id]
    if params.status:
        state = params.status
        keys = [k for k in keys if tasks[k[2]][3] == state]
    if params.HasField("status_timestamp_after"):
        after = params.status_timestamp_after.ToNanoseconds()
        keys = [k for k in keys if k[0] and k[1] >= after]
    return keys
