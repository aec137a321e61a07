"""The A2A vocabulary of the package, defined once: task states, roles, bindings and their aliases, protocol versions,
and the shapes of the protocol objects that cross module boundaries.

A leaf module: it imports nothing of the package, so cards/, client/, render/, push/ and agent/ can all use it.

The TypedDicts describe A2A 1.0 JSON as it is on the wire (proto JSON, camelCase keys), which is also the one
schema the client normalises every agent's answers into (`client/normalize.py`). They are all `total=False`: a
proto3 message may omit any field, agents are untrusted, and a card is read before it is validated, so a reader
must `.get()` every key; the types still say which keys exist and what their values are.
"""

from __future__ import annotations

from typing import Final, Literal, TypeAlias, TypedDict

#: Any JSON document, as `json.loads` returns it: what an agent sent before anything checked its shape. Readers
#: narrow with isinstance before use; code that has checked the shape uses the TypedDicts below instead.
JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
JSONObject: TypeAlias = "dict[str, JSONValue]"

# ---------------------------------------------------------------------------------------------- task states

TaskState = Literal[
    "TASK_STATE_UNSPECIFIED",
    "TASK_STATE_SUBMITTED",
    "TASK_STATE_WORKING",
    "TASK_STATE_COMPLETED",
    "TASK_STATE_FAILED",
    "TASK_STATE_CANCELED",
    "TASK_STATE_INPUT_REQUIRED",
    "TASK_STATE_REJECTED",
    "TASK_STATE_AUTH_REQUIRED",
]

UNSPECIFIED: Final = "TASK_STATE_UNSPECIFIED"
SUBMITTED: Final = "TASK_STATE_SUBMITTED"
WORKING: Final = "TASK_STATE_WORKING"
COMPLETED: Final = "TASK_STATE_COMPLETED"
FAILED: Final = "TASK_STATE_FAILED"
CANCELED: Final = "TASK_STATE_CANCELED"
INPUT_REQUIRED: Final = "TASK_STATE_INPUT_REQUIRED"
REJECTED: Final = "TASK_STATE_REJECTED"
AUTH_REQUIRED: Final = "TASK_STATE_AUTH_REQUIRED"

#: Every state a task can be in (A2A 1.0 §4.1.3), UNSPECIFIED excluded, in lifecycle order: the values a user may
#: pass to `task list --status`.
TASK_STATES: Final[tuple[TaskState, ...]] = (
    SUBMITTED,
    WORKING,
    INPUT_REQUIRED,
    AUTH_REQUIRED,
    COMPLETED,
    FAILED,
    CANCELED,
    REJECTED,
)
#: The task is over and takes no more messages (A2A 1.0 §3.1.1, §4.1.3).
TERMINAL_STATES: Final[frozenset[str]] = frozenset({COMPLETED, FAILED, CANCELED, REJECTED})
#: The task waits for the client (A2A 1.0 §3.2.2, §4.1.3): a blocking send returns here too.
INTERRUPTED_STATES: Final[frozenset[str]] = frozenset({INPUT_REQUIRED, AUTH_REQUIRED})
#: Where a blocking send or a `--wait` stops waiting.
FINAL_STATES: Final[frozenset[str]] = TERMINAL_STATES | INTERRUPTED_STATES

#: A2A 1.0 state -> 0.3 state (the 0.3 JSON-RPC `TaskState` enum; 0.3 has no UNSPECIFIED, only "unknown").
STATE_TO_V03: Final[dict[str, str]] = {
    UNSPECIFIED: "unknown",
    SUBMITTED: "submitted",
    WORKING: "working",
    COMPLETED: "completed",
    FAILED: "failed",
    CANCELED: "canceled",
    INPUT_REQUIRED: "input-required",
    REJECTED: "rejected",
    AUTH_REQUIRED: "auth-required",
}
#: 0.3 / 0.2 state -> 1.0 state, keyed by the lower-case name with `-` and spaces as `_` (see `state_v10`). The
#: 0.3 HTTP+JSON proto spells CANCELLED with two Ls, and some agents write "unspecified".
STATE_FROM_V03: Final[dict[str, TaskState]] = {
    "unknown": UNSPECIFIED,
    "unspecified": UNSPECIFIED,
    "submitted": SUBMITTED,
    "working": WORKING,
    "completed": COMPLETED,
    "failed": FAILED,
    "canceled": CANCELED,
    "cancelled": CANCELED,
    "input_required": INPUT_REQUIRED,
    "rejected": REJECTED,
    "auth_required": AUTH_REQUIRED,
}


def state_v10(value: object) -> str:
    """Any spelling of a task state -> its 1.0 name; a non-string is UNSPECIFIED, an unknown string is kept as sent
    (so it can be reported as received)."""
    if not isinstance(value, str):
        return UNSPECIFIED
    if value.startswith("TASK_STATE_"):
        return CANCELED if value == "TASK_STATE_CANCELLED" else value
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    key = key.removeprefix("task_state_")
    return STATE_FROM_V03.get(key, value)


def state_v03(value: object) -> str:
    """Any spelling of a task state -> its 0.3 name ("unknown" for anything unrecognised)."""
    return STATE_TO_V03.get(state_v10(value), "unknown")


# ------------------------------------------------------------------------------------------------------ roles

Role = Literal["ROLE_UNSPECIFIED", "ROLE_USER", "ROLE_AGENT"]
ROLE_USER: Final = "ROLE_USER"
ROLE_AGENT: Final = "ROLE_AGENT"
ROLE_UNSPECIFIED: Final = "ROLE_UNSPECIFIED"

# --------------------------------------------------------------------------------------------------- bindings

JSONRPC: Final = "JSONRPC"
HTTP_JSON: Final = "HTTP+JSON"
GRPC: Final = "GRPC"
#: The core bindings, by the exact names an AgentInterface carries (A2A 1.0 §5.6, 0.3 §5.5.5 `TransportProtocol`).
CORE_BINDINGS: Final[tuple[str, ...]] = (JSONRPC, HTTP_JSON, GRPC)
#: The bindings this client speaks today, in its default preference order.
CLIENT_BINDINGS: Final[tuple[str, ...]] = (JSONRPC, HTTP_JSON, GRPC)
#: What a card or a user may write for a core binding, keyed by `binding_key(value)`. The spec names are exact
#: (a card that writes an alias gets lint finding AC030); the aliases are what people write instead: the spec's
#: own prose names ("JSON-RPC", "REST"), enum-style spellings ("HTTP_JSON"), and JSONRPC2, since the JSONRPC
#: binding is JSON-RPC 2.0 and there is no other binding that name could mean.
BINDING_ALIASES: Final[dict[str, str]] = {
    "JSONRPC": JSONRPC,
    "JSON-RPC": JSONRPC,
    "JSON_RPC": JSONRPC,
    "JSONRPC2": JSONRPC,
    "HTTP+JSON": HTTP_JSON,
    "HTTP_JSON": HTTP_JSON,
    "HTTPJSON": HTTP_JSON,
    "HTTP": HTTP_JSON,
    "REST": HTTP_JSON,
    "GRPC": GRPC,
}


def binding_key(value: str) -> str:
    """The lookup key of a binding name: upper case, no spaces."""
    return value.strip().upper().replace(" ", "")


def canonical_binding(value: str) -> str | None:
    """The core binding `value` means (spec name or alias, any case), or None for a custom or unknown binding."""
    return BINDING_ALIASES.get(binding_key(value))


def normalize_binding(value: str) -> str:
    """The core binding `value` means, or `value`'s lookup key unchanged (a custom binding, or a typo to report)."""
    key = binding_key(value)
    return BINDING_ALIASES.get(key, key)


# --------------------------------------------------------------------------------------------------- versions

V1_0: Final = "1.0"
V0_3: Final = "0.3"
V0_2: Final = "0.2"
#: The protocol versions this client and the demo agent speak, newest first.
PROTOCOL_VERSIONS: Final[tuple[str, ...]] = (V1_0, V0_3)
#: Every version card lint recognises, oldest first.
KNOWN_VERSIONS: Final[tuple[str, ...]] = (V0_2, V0_3, V1_0)

# ------------------------------------------------------------------------------------------ protocol objects
# Field names follow the A2A 1.0 JSON schema (a2a-v1.0.0.schema.json). `metadata` and other `Struct` fields are
# arbitrary JSON objects, hence `JSONObject`.


class Part(TypedDict, total=False):
    """One of `text`, `raw` (base64), `url` or `data`, plus optional media type and file name."""

    text: str
    raw: str
    url: str
    data: JSONValue
    mediaType: str
    filename: str
    metadata: JSONObject


class Message(TypedDict, total=False):
    messageId: str
    contextId: str
    taskId: str
    role: str
    parts: list[Part]
    metadata: JSONObject
    extensions: list[str]
    referenceTaskIds: list[str]


class TaskStatus(TypedDict, total=False):
    state: str  # a TaskState; an agent's unknown value is kept as received
    message: Message
    timestamp: str


class Artifact(TypedDict, total=False):
    artifactId: str
    name: str
    description: str
    parts: list[Part]
    metadata: JSONObject
    extensions: list[str]


class Task(TypedDict, total=False):
    id: str
    contextId: str
    status: TaskStatus
    artifacts: list[Artifact]
    history: list[Message]
    metadata: JSONObject


class TaskStatusUpdateEvent(TypedDict, total=False):
    taskId: str
    contextId: str
    status: TaskStatus
    metadata: JSONObject


class TaskArtifactUpdateEvent(TypedDict, total=False):
    taskId: str
    contextId: str
    artifact: Artifact
    append: bool
    lastChunk: bool
    metadata: JSONObject


class StreamResponse(TypedDict, total=False):
    """Exactly one of the four keys is set."""

    task: Task
    message: Message
    statusUpdate: TaskStatusUpdateEvent
    artifactUpdate: TaskArtifactUpdateEvent


class SendMessageResponse(TypedDict, total=False):
    """Exactly one of the two keys is set."""

    task: Task
    message: Message


class ListTasksResponse(TypedDict, total=False):
    tasks: list[Task]
    nextPageToken: str
    pageSize: int
    totalSize: int


class AuthenticationInfo(TypedDict, total=False):
    scheme: str
    credentials: str


class TaskPushNotificationConfig(TypedDict, total=False):
    id: str
    taskId: str
    tenant: str
    url: str
    token: str
    authentication: AuthenticationInfo


class AgentInterface(TypedDict, total=False):
    url: str
    protocolBinding: str
    protocolVersion: str
    tenant: str


class AgentProvider(TypedDict, total=False):
    organization: str
    url: str


class AgentExtension(TypedDict, total=False):
    uri: str
    description: str
    required: bool
    params: JSONObject


class AgentCapabilities(TypedDict, total=False):
    streaming: bool
    pushNotifications: bool
    extendedAgentCard: bool
    extensions: list[AgentExtension]


class StringList(TypedDict, total=False):
    list: list[str]


class SecurityRequirement(TypedDict, total=False):
    schemes: dict[str, StringList]  # scheme name -> the scopes it needs


class AgentSkill(TypedDict, total=False):
    id: str
    name: str
    description: str
    tags: list[str]
    examples: list[str]
    inputModes: list[str]
    outputModes: list[str]
    securityRequirements: list[SecurityRequirement]


class AgentCardSignature(TypedDict, total=False):
    protected: str
    signature: str
    header: JSONObject


class APIKeySecurityScheme(TypedDict, total=False):
    description: str
    location: str  # "header" | "query" | "cookie"
    name: str


class HTTPAuthSecurityScheme(TypedDict, total=False):
    description: str
    scheme: str
    bearerFormat: str


class OAuth2SecurityScheme(TypedDict, total=False):
    description: str
    flows: JSONObject  # authorizationCode | clientCredentials | deviceCode | implicit | password
    oauth2MetadataUrl: str


class OpenIdConnectSecurityScheme(TypedDict, total=False):
    description: str
    openIdConnectUrl: str


class MutualTlsSecurityScheme(TypedDict, total=False):
    description: str


class SecurityScheme(TypedDict, total=False):
    """Exactly one of the five keys is set (1.0 wraps each kind; 0.3 tagged them with `type` instead)."""

    apiKeySecurityScheme: APIKeySecurityScheme
    httpAuthSecurityScheme: HTTPAuthSecurityScheme
    oauth2SecurityScheme: OAuth2SecurityScheme
    openIdConnectSecurityScheme: OpenIdConnectSecurityScheme
    mtlsSecurityScheme: MutualTlsSecurityScheme


class AgentCard(TypedDict, total=False):
    """A 1.0 card. A card read from an agent may carry anything (0.3 fields too): validate it before trusting it."""

    name: str
    description: str
    version: str
    supportedInterfaces: list[AgentInterface]
    provider: AgentProvider
    documentationUrl: str
    iconUrl: str
    capabilities: AgentCapabilities
    securitySchemes: dict[str, SecurityScheme]
    securityRequirements: list[SecurityRequirement]
    defaultInputModes: list[str]
    defaultOutputModes: list[str]
    skills: list[AgentSkill]
    signatures: list[AgentCardSignature]
