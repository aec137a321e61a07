"""The requirements `a2a conformance` checks, declared as data. Pure: no I/O.

Each requirement carries the A2A TCK's own ID and RFC 2119 level (`a2aproject/a2a-tck`, branch 1.0-dev,
`tck/requirements/*.py`), where it applies (the card, or each declared binding, or one binding only), the TCK
scenario it needs (the `messageId` prefix a system under test answers with a scripted behaviour; without it the
check is skipped, never passed) and the card capability it needs (a check of an unadvertised capability is
skipped, as the TCK does).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from a2acli.protocol import GRPC, HTTP_JSON, JSONRPC


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


#: How far `--level` reaches: must runs MUST; should runs MUST and SHOULD; may runs all.
LEVEL_REACH = {
    "must": (Level.MUST,),
    "should": (Level.MUST, Level.SHOULD),
    "may": (Level.MUST, Level.SHOULD, Level.MAY),
}

CARD = "card"
ALL_BINDINGS: tuple[str, ...] = (JSONRPC, HTTP_JSON, GRPC)


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    title: str
    section: str
    #: CARD: checked once on the card; otherwise the bindings it applies to (checked on each one the card declares)
    applies: tuple[str, ...] = ALL_BINDINGS
    #: the TCK scenario (`messageId` prefix) the check needs the agent to answer
    scenario: str | None = None
    #: the card capability the check needs (`streaming`, `pushNotifications`)
    capability: str | None = None

    @property
    def on_card(self) -> bool:
        return self.applies == (CARD,)


def _r(
    rid: str,
    level: Level,
    title: str,
    section: str,
    applies: tuple[str, ...] = ALL_BINDINGS,
    scenario: str | None = None,
    capability: str | None = None,
) -> Requirement:
    return Requirement(rid, level, title, section, applies, scenario, capability)


M, S, Y = Level.MUST, Level.SHOULD, Level.MAY
C = (CARD,)
RPC = (JSONRPC,)
REST = (HTTP_JSON,)
GRPC_ONLY = (GRPC,)
STREAMING = "streaming"
PUSH = "pushNotifications"

REQUIREMENTS: tuple[Requirement, ...] = (
    # --- the Agent Card (§8)
    _r("CARD-DISC-001", M, "Agent Card is available at the well-known URL", "8.2", C),
    _r("CARD-STRUCT-001", M, "AgentCard validates against the 1.0 schema, required fields present", "8.1", C),
    _r("CARD-PROTO-001", M, "supportedInterfaces is a non-empty list", "8.3", C),
    _r("CARD-PROTO-002", M, "each interface validates against AgentInterface (url, binding, version)", "8.3", C),
    _r("BIND-FIELD-001", M, "every declared interface names a known protocol binding", "5.1", C),
    _r("CARD-CACHE-001", S, "the card endpoint sends Cache-Control", "8.6", C),
    _r("CARD-CACHE-002", S, "the card endpoint sends an ETag", "8.6", C),
    _r("CARD-CACHE-003", Y, "the card endpoint sends Last-Modified", "8.6", C),
    # --- SendMessage / SendStreamingMessage (§3.1.1, §3.1.2)
    _r("CORE-SEND-001", M, "SendMessage returns a Task or a Message", "3.1.1"),
    _r("CORE-SEND-002", M, "SendMessage to a terminal task is rejected", "3.1.1"),
    _r("CORE-SEND-003", M, "an unsupported media type gets ContentTypeNotSupportedError", "3.1.1"),
    _r("CORE-STREAM-001", M, "SendStreamingMessage opens a stream of events", "3.1.2", capability=STREAMING),
    _r("CORE-STREAM-002", M, "a message-only stream holds exactly one Message", "3.1.2", capability=STREAMING),
    _r(
        "CORE-STREAM-003",
        M,
        "a task stream begins with the Task and ends in a final state",
        "3.1.2",
        capability=STREAMING,
    ),
    _r("CORE-EXECUTION-MODE-001", M, "a blocking send waits for a terminal or interrupted state", "3.2.2"),
    _r("CORE-EXECUTION-MODE-002", M, "returnImmediately answers at once", "3.2.2"),
    # --- tasks (§3.1.3 - §3.1.6)
    _r("CORE-GET-001", M, "GetTask returns the task's current state", "3.1.3"),
    _r("CORE-GET-002", M, "GetTask of an unknown id gets TaskNotFoundError", "3.1.3"),
    _r("CORE-LIST-001", M, "ListTasks returns a list of tasks", "3.1.4"),
    _r("CORE-LIST-002", M, "ListTasks pages with pageSize and a cursor", "3.1.4"),
    _r("CORE-LIST-003", M, "ListTasks sorts by status timestamp, newest first", "3.1.4"),
    _r("CORE-LIST-004", M, "ListTasks' final page has an empty nextPageToken", "3.1.4"),
    _r("CORE-LIST-005", M, "ListTasks omits artifacts unless includeArtifacts", "3.1.4"),
    _r("CORE-CANCEL-001", M, "CancelTask returns the task, canceled", "3.1.5", scenario="tck-input-required"),
    _r("CORE-CANCEL-002", M, "CancelTask of a terminal task gets TaskNotCancelableError", "3.1.5"),
    _r("CORE-CANCEL-003", M, "CancelTask of an unknown id gets TaskNotFoundError", "3.1.5"),
    _r(
        "STREAM-SUB-001",
        M,
        "SubscribeToTask's first event is the Task",
        "3.1.6",
        scenario="tck-input-required",
        capability=STREAMING,
    ),
    _r(
        "STREAM-SUB-002",
        M,
        "SubscribeToTask's stream ends at the terminal state",
        "3.1.6",
        scenario="tck-input-required",
        capability=STREAMING,
    ),
    _r("STREAM-SUB-003", M, "SubscribeToTask of a terminal task is rejected", "3.1.6", capability=STREAMING),
    _r("STREAM-SUB-004", M, "SubscribeToTask of an unknown id gets TaskNotFoundError", "3.1.6", capability=STREAMING),
    _r("STREAM-ORDER-001", M, "stream events arrive in generation order", "3.5.2", capability=STREAMING),
    _r(
        "STREAM-ORDER-002",
        M,
        "events are broadcast to every open stream of a task",
        "3.5.2",
        scenario="tck-input-required",
        capability=STREAMING,
    ),
    # --- contexts and task ids (§3.4)
    _r("CORE-MULTI-001a", M, "a generated contextId is in the response", "3.4.1"),
    _r("CORE-MULTI-002a", M, "a client-provided contextId is accepted or rejected, never ignored", "3.4.1"),
    _r("CORE-MULTI-003", M, "each new task gets a unique taskId", "3.4.2"),
    _r("CORE-MULTI-004", M, "a message naming an unknown taskId gets TaskNotFoundError", "3.4.2"),
    _r(
        "CORE-MULTI-005",
        M,
        "a follow-up with only taskId continues the task's context",
        "3.4.3",
        scenario="tck-input-required",
    ),
    _r("CORE-MULTI-006", M, "a taskId with another task's contextId is rejected", "3.4.3"),
    _r("CORE-HIST-002", M, "history never exceeds historyLength", "3.2.4", scenario="tck-input-required"),
    _r("CORE-HIST-001", S, "historyLength 0 on GetTask omits the history", "3.2.4"),
    _r("CORE-HIST-003", S, "historyLength 0 on SendMessage omits the history", "3.2.4"),
    # --- errors and capabilities (§3.3)
    _r("CORE-ERR-001", M, "errors carry a code and a message", "3.3.2"),
    _r("CORE-ERR-002", M, "malformed requests are rejected", "3.3.2"),
    _r("CORE-CAP-001", M, "push-config operations fail when push is not advertised", "3.3.4"),
    _r("CORE-CAP-002", M, "streaming operations fail when streaming is not advertised", "3.3.4"),
    _r("CORE-CAP-003", M, "GetExtendedAgentCard fails when no extended card is advertised", "3.3.4"),
    # --- versions (§3.6)
    _r("VER-SERVER-002", M, "an unsupported A2A-Version gets VersionNotSupportedError", "3.6.2"),
    _r("VER-SERVER-003", M, "a request without A2A-Version is served as 0.3", "3.6.2", RPC),
    # --- data model (§4, §5.5)
    _r("DM-TASK-001", M, "a Task holds id, contextId and status (schema)", "4.1.1"),
    _r("DM-TASK-002", M, "task states use the TASK_STATE_* names", "4.1.3"),
    _r("DM-MSG-001", M, "a Message reply holds messageId, role and parts", "4.1.4", scenario="tck-message-response"),
    _r("DM-MSG-002", M, "roles use the ROLE_* names", "4.1.5"),
    _r("DM-PART-001", M, "each part holds exactly one of text, raw, url, data", "4.1.6"),
    _r("DM-ART-001", M, "an artifact holds artifactId and parts", "4.1.7", scenario="tck-artifact-text"),
    _r("DM-STATUS-001", M, "a TaskStatus holds a state", "4.1.2"),
    _r("DM-SERIAL-001", M, "JSON field names are camelCase", "5.5"),
    _r("DM-SERIAL-002", M, "enum values are ProtoJSON strings", "5.5"),
    _r("DM-SERIAL-003", M, "timestamps are ISO 8601 in UTC", "5.5"),
    _r("DM-SERIAL-005", S, "unknown fields in a request are ignored", "5.5", (JSONRPC, HTTP_JSON)),
    # --- push notifications (§3.1.7 - §3.1.10)
    _r("PUSH-CREATE-001", M, "CreateTaskPushNotificationConfig returns the config", "3.1.7", capability=PUSH),
    _r("PUSH-GET-001", M, "GetTaskPushNotificationConfig returns the config", "3.1.8", capability=PUSH),
    _r("PUSH-GET-002", M, "GetTaskPushNotificationConfig of an unknown config fails", "3.1.8", capability=PUSH),
    _r("PUSH-LIST-001", M, "ListTaskPushNotificationConfigs lists the configs", "3.1.9", capability=PUSH),
    _r("PUSH-DEL-001", M, "DeleteTaskPushNotificationConfig removes the config", "3.1.10", capability=PUSH),
    # --- JSON-RPC binding (§9)
    _r("JSONRPC-FMT-001", M, "responses are JSON-RPC 2.0 envelopes echoing the id", "9.1", RPC),
    _r("JSONRPC-FMT-002", M, "responses are application/json", "9.1", RPC),
    _r("JSONRPC-SVC-001", M, "methods use the PascalCase names", "9.2", RPC),
    _r("JSONRPC-SVC-002", M, "service parameters (A2A-Extensions) travel as HTTP headers", "9.2", RPC),
    _r("JSONRPC-ERR-001", M, "errors are JSON-RPC 2.0 error objects", "9.5", RPC),
    _r("JSONRPC-ERR-002", M, "A2A errors use codes -32001..-32099", "9.5", RPC),
    _r("JSONRPC-ERR-003", M, "A2A errors carry an ErrorInfo in data", "9.5", RPC),
    _r("JSONRPC-SSE-001", M, "streams are text/event-stream of JSON-RPC responses", "9.4", RPC, capability=STREAMING),
    _r("JSONRPC-SSE-002", M, "A2A errors map to their JSON-RPC codes", "5.4", RPC),
    # --- HTTP+JSON binding (§11)
    _r("HTTP_JSON-SVC-001", M, "responses are application/json", "11.1", REST),
    _r("HTTP_JSON-SVC-002", M, "service parameters (A2A-Extensions) travel as HTTP headers", "11.2", REST),
    _r("HTTP_JSON-URL-001", M, "resources live at the RESTful paths", "11.3", REST),
    _r("HTTP_JSON-URL-002", M, "each operation uses its HTTP method", "11.3", REST),
    _r("HTTP_JSON-QP-001", M, "query parameters are camelCase", "11.3", REST),
    _r("HTTP_JSON-ERR-001", M, "errors use the AIP-193 format (google.rpc.Status)", "11.6", REST),
    _r("HTTP_JSON-ERR-002", M, "A2A errors carry an ErrorInfo in details", "11.6", REST),
    _r("HTTP_JSON-STATUS-001", M, "A2A errors map to their HTTP status codes", "5.4", REST),
    _r("HTTP_JSON-SSE-001", M, "streams are Server-Sent Events", "11.7", REST, capability=STREAMING),
    # --- gRPC binding (§10): read from the status the gRPC wire keeps on the A2A error it raises
    _r("GRPC-SVC-001", M, "the A2AService answers SendMessage with a SendMessageResponse", "10.1", GRPC_ONLY),
    _r("GRPC-META-001", M, "service parameters (A2A-Extensions) travel as gRPC metadata", "10.2", GRPC_ONLY),
    _r("GRPC-ERR-001", M, "A2A errors carry an ErrorInfo in the status details", "10.6", GRPC_ONLY),
    _r("GRPC-ERR-002", M, "A2A errors map to their gRPC status codes", "5.4", GRPC_ONLY),
    _r(
        "GRPC-ERR-003",
        M,
        "streams are server-streaming rpcs of StreamResponse",
        "10.7",
        GRPC_ONLY,
        capability=STREAMING,
    ),
)

BY_ID: dict[str, Requirement] = {r.id: r for r in REQUIREMENTS}


def select(level: str, only: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> tuple[Requirement, ...]:
    """The requirements a run checks: within `level`'s reach, or exactly `only` (any level), minus `skip`.
    IDs are matched case-insensitively; an unknown ID raises KeyError naming it."""
    wanted = {i.upper() for i in only}
    dropped = {i.upper() for i in skip}
    for rid in (*wanted, *dropped):
        if rid not in BY_ID:
            raise KeyError(rid)
    reach = LEVEL_REACH[level]
    return tuple(r for r in REQUIREMENTS if r.id not in dropped and ((r.id in wanted) if wanted else r.level in reach))
