"""The tools `a2a mcp` offers: each one's name, description and input schema (plain JSON Schema), and `run`, which
checks a call's arguments and hands it to `calls`. No `mcp` import: `server` wraps these in the SDK's types.

Arguments never carry credentials (none of the schemas has a field for one, and unknown fields are refused): the
credentials are the user's configuration, chosen by `agents.AgentPolicy`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from a2acli.errors import DeadlineExpired, Interrupted, UsageError

if TYPE_CHECKING:
    from a2acli.mcp.agents import AgentPolicy
    from a2acli.mcp.calls import Outcome, Progress


@dataclass(frozen=True)
class Limits:
    """Time limits of the calls: the default when a call names none, and the most one may ask for."""

    timeout: float = 120.0
    max_timeout: float = 600.0
    subscribe_wait: float = 30.0


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool
    streams: bool = False  # reports progress notifications when the call asks for them


_AGENT = {
    "type": "string",
    "description": "The agent: its URL, host[:port] or card file, as this server was started with it (--agent)."
    " May be omitted when exactly one agent is pinned.",
}
_TIMEOUT = {"type": "number", "exclusiveMinimum": 0, "description": "Give up after this many seconds."}
_TASK_ID = {"type": "string", "minLength": 1, "description": "The task's id (from a send's result)."}


def _schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"agent": _AGENT, **properties},
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


_MESSAGE = {
    "text": {"type": "string", "description": "The message text (its first part)."},
    "parts": {
        "type": "array",
        "description": "More A2A 1.0 Parts after the text, each with exactly one of: text (string), data (any JSON),"
        " url (a file by reference) or raw (base64 bytes); optional mediaType, filename, metadata.",
        "items": {"type": "object"},
        "maxItems": 64,
    },
    "context_id": {"type": "string", "description": "Continue this conversation (a contextId from a result)."},
    "task_id": {
        "type": "string",
        "description": "Reply to this task (e.g. one in INPUT_REQUIRED); the agent rejects an unknown id.",
    },
    "metadata": {"type": "object", "description": "Request metadata (A2A §3.2.5)."},
    "timeout": _TIMEOUT,
}

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "list_agents",
        "List the agents",
        "The A2A agents this server may reach (the ones the user pinned), with each card's name and description.",
        {"type": "object", "properties": {}, "additionalProperties": False},
        read_only=True,
    ),
    ToolSpec(
        "get_agent_card",
        "Fetch an Agent Card",
        "Fetch an agent's A2A Agent Card: its name, description, interfaces, capabilities and skills.",
        _schema({"timeout": _TIMEOUT}),
        read_only=True,
    ),
    ToolSpec(
        "validate_agent_card",
        "Validate an Agent Card",
        "Validate an agent's card against the A2A 1.0 and 0.3 JSON Schemas, the proto's REQUIRED fields and lint"
        " rules (stable codes, JSON pointers, fix hints). An invalid card is a result (valid: false), not an error.",
        _schema({"strict": {"type": "boolean", "description": "Warnings fail too."}, "timeout": _TIMEOUT}),
        read_only=True,
    ),
    ToolSpec(
        "list_skills",
        "List an agent's skills",
        "The skills an agent's card declares (id, name, description, tags, examples).",
        _schema({"timeout": _TIMEOUT}),
        read_only=True,
    ),
    ToolSpec(
        "send_message",
        "Send a message",
        "Send a message to an A2A agent and wait for the task to finish (or stop at INPUT_REQUIRED / AUTH_REQUIRED);"
        " returns the final Task or Message and its text.",
        _schema(_MESSAGE),
        read_only=False,
    ),
    ToolSpec(
        "send_message_and_follow",
        "Send a message and follow it",
        "Send a message and follow the answer live: each event is reported as an MCP progress notification (when the"
        " call carries a progress token); returns the final Task or Message and its text.",
        _schema(_MESSAGE),
        read_only=False,
        streams=True,
    ),
    ToolSpec(
        "get_task",
        "Get a task",
        "A task as the agent now holds it: state, status message, artifacts (and history, when asked).",
        _schema(
            {"task_id": _TASK_ID, "history_length": {"type": "integer", "minimum": 0}, "timeout": _TIMEOUT},
            ("task_id",),
        ),
        read_only=True,
    ),
    ToolSpec(
        "list_tasks",
        "List tasks",
        "One page of the agent's tasks (A2A 1.0 ListTasks), optionally of one context or in one state.",
        _schema(
            {
                "context_id": {"type": "string"},
                "status": {"type": "string", "description": "A task state: working, completed, input-required, ..."},
                "page_size": {"type": "integer", "minimum": 1, "maximum": 100},
                "page_token": {"type": "string"},
                "timeout": _TIMEOUT,
            }
        ),
        read_only=True,
    ),
    ToolSpec(
        "cancel_task",
        "Cancel a task",
        "Ask the agent to cancel a task; returns the task (a task canceled already is not an error).",
        _schema({"task_id": _TASK_ID, "timeout": _TIMEOUT}, ("task_id",)),
        read_only=False,
    ),
    ToolSpec(
        "subscribe_task",
        "Follow a task",
        "Follow a running task's events for a bounded wait (progress notifications per event); returns the task when"
        " it reaches a final state, or as it stands when the wait is over (finished: false).",
        _schema(
            {"task_id": _TASK_ID, "wait": {**_TIMEOUT, "description": "Follow for at most this many seconds."}},
            ("task_id",),
        ),
        read_only=True,
        streams=True,
    ),
)
BY_NAME = {tool.name: tool for tool in TOOLS}


def _text(args: dict[str, Any], key: str) -> str | None:
    value = args.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"`{key}` must be a string")
    return value.strip() or None


def _timeout(args: dict[str, Any], key: str, default: float, limits: Limits) -> float:
    value = args.get(key)
    if value is None:
        return min(default, limits.max_timeout)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or value != value:
        raise UsageError(f"`{key}` must be a positive number of seconds")
    return min(float(value), limits.max_timeout)


def _int(args: dict[str, Any], key: str) -> int | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"`{key}` must be a whole number, not negative")
    return value


async def run(
    name: str, args: dict[str, Any], policy: AgentPolicy, limits: Limits, progress: Progress | None
) -> Outcome:
    """One tool call: its arguments checked, its agent chosen by the policy, the call bounded in time."""
    try:
        return await _run(name, args, policy, limits, progress)
    except DeadlineExpired as exc:
        # The client's own words say `--timeout`: here it is the call's `timeout` (or `wait`) argument.
        exc.message = exc.message.replace("--timeout", "the call's timeout")
        raise


@contextlib.asynccontextmanager
async def bounded(seconds: float, what: str) -> AsyncIterator[None]:
    """At most `seconds`: then DeadlineExpired. The client code turns a cancellation into `Interrupted` (Ctrl-C,
    for the commands); a cancellation that is this bound expiring is a timeout."""
    scope = asyncio.timeout(seconds)
    try:
        async with scope:
            yield
    except TimeoutError:
        raise DeadlineExpired(f"the call's timeout of {seconds:g}s expired {what}") from None
    except Interrupted as exc:
        if not scope.expired():
            raise
        raise DeadlineExpired(f"the call's timeout of {seconds:g}s expired {what}", hint=exc.hint) from None


async def _run(
    name: str, args: dict[str, Any], policy: AgentPolicy, limits: Limits, progress: Progress | None
) -> Outcome:
    from a2acli.mcp import calls

    spec = BY_NAME.get(name)
    if spec is None:
        raise UsageError(f"no such tool: {name!r}", hint="list the tools")
    _check(spec, args)
    if name == "list_agents":
        return await calls.list_agents(policy, min(limits.timeout, 30.0))
    if name == "subscribe_task":
        wait = _timeout(args, "wait", limits.subscribe_wait, limits)
        target = policy.target(_text(args, "agent"))
        task_id = _required(args, "task_id")
        # The wait bounds the following (it ends it without an error); the margin, the final GetTask after it.
        async with bounded(wait + 30.0, "while following the task"):
            return await calls.subscribe(target, task_id, wait=wait, progress=progress)
    timeout = _timeout(args, "timeout", limits.timeout, limits)
    target = policy.target(_text(args, "agent"), timeout=timeout)
    # A turn applies the timeout itself (its error names the task to pick up); the margin is for its last GetTask.
    margin = 5.0 if name.startswith("send_") else 0.0
    async with bounded(timeout + margin, f"before {name} finished"):
        if name == "get_agent_card":
            return await calls.get_card(target)
        if name == "validate_agent_card":
            return await calls.validate_card(target, strict=args.get("strict") is True)
        if name == "list_skills":
            return await calls.list_skills(target)
        if name in ("send_message", "send_message_and_follow"):
            return await calls.send(
                target, _request(args), timeout=timeout, progress=progress if name != "send_message" else None
            )
        if name == "get_task":
            return await calls.get_task(target, _required(args, "task_id"), _int(args, "history_length"))
        if name == "list_tasks":
            return await calls.list_tasks(
                target,
                context_id=_text(args, "context_id"),
                status=_text(args, "status"),
                page_size=_int(args, "page_size"),
                page_token=_text(args, "page_token"),
            )
        if name == "cancel_task":
            return await calls.cancel_task(target, _required(args, "task_id"))
    raise UsageError(f"no such tool: {name!r}")  # pragma: no cover - every spec is dispatched above


def _check(spec: ToolSpec, args: dict[str, Any]) -> None:
    """The arguments against the tool's schema (here, not in the SDK: a refusal carries the SPEC code)."""
    import jsonschema

    unknown = sorted(set(args) - set(spec.input_schema.get("properties", {})))
    if unknown:
        raise UsageError(f"unknown argument(s) for {spec.name}: {', '.join(unknown)}", hint="see the tool's schema")
    try:
        jsonschema.validate(args, spec.input_schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "arguments"
        raise UsageError(f"invalid {where} for {spec.name}: {exc.message}", hint="see the tool's schema") from None


def _required(args: dict[str, Any], key: str) -> str:
    value = _text(args, key)
    if not value:
        raise UsageError(f"`{key}` is required")
    return value


def _request(args: dict[str, Any]) -> dict[str, Any]:
    from a2acli.client.message import build_request
    from a2acli.mcp.calls import message_parts

    metadata = args.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise UsageError("`metadata` must be an object")
    text = args.get("text")
    if text is not None and not isinstance(text, str):
        raise UsageError("`text` must be a string")
    return build_request(
        message_parts(text, args.get("parts")),
        context_id=_text(args, "context_id"),
        task_id=_text(args, "task_id"),
        metadata=metadata,
    )
