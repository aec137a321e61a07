"""The SPEC's requirement registry (COMPLIANCE.md v0.2, revision 2026-08-17), kept in the repository.

Transcribed once from `compliance-report.template.yaml` (Appendix A): a clone has no copy of the SPEC beside
it, and the report must name every ID of every tier even when the spec is out of reach. When the spec is
beside the clone, `tests/test_compliance_report.py` checks this copy against it.
"""

from __future__ import annotations

from typing import Final, NamedTuple

SPEC_VERSION: Final = "0.2"
SPEC_REVISION: Final = "2026-08-17"
TIER_TOTALS: Final = {1: 39, 2: 15, 3: 12}


class Requirement(NamedTuple):
    id: str
    tier: int
    area: str
    spec: str
    requirement: str


REGISTRY: Final[tuple[Requirement, ...]] = (
    Requirement(
        "A2ACLI_CARD_GET_001",
        1,
        "CARD_GET",
        "§10.1, §13",
        "card get — resolve/parse an Agent Card from host, URL, or file:// path; select a transport",
    ),
    Requirement(
        "A2ACLI_SEND_001",
        1,
        "SEND",
        "§10.2",
        "Send a message to start an interaction",
    ),
    Requirement(
        "A2ACLI_SEND_002",
        1,
        "SEND",
        "§10.2, §6.5",
        "Blocking by default; --async returns identifiers immediately (--return-immediately / --no-wait are "
        "OPTIONAL aliases)",
    ),
    Requirement(
        "A2ACLI_SEND_003",
        1,
        "SEND",
        "§10.2, §9.2",
        "--stream consumes SSE when supported, never hangs when unsupported; a Message-only response exits cleanly",
    ),
    Requirement(
        "A2ACLI_SEND_004",
        1,
        "SEND",
        "§10.2",
        "Renders produced artifacts; never silently discards a part",
    ),
    Requirement(
        "A2ACLI_SEND_005",
        1,
        "SEND",
        "§10.2",
        "Caller can set a part's media type with --media-type, bound to the part flag it follows; inferred "
        "only when none given",
    ),
    Requirement(
        "A2ACLI_SEND_006",
        1,
        "SEND",
        "§10.2",
        "--text / --file / --data repeatable and order-preserving; --data - reads stdin",
    ),
    Requirement(
        "A2ACLI_TASK_GET_001",
        1,
        "TASK_GET",
        "§10.3",
        "task get — state, artifacts, history by id; renders artifacts, never silently strips them",
    ),
    Requirement(
        "A2ACLI_TASK_CANCEL_001",
        1,
        "TASK_CANCEL",
        "§10.4",
        "task cancel — idempotent; reports resulting state",
    ),
    Requirement(
        "A2ACLI_INTERACT_001",
        1,
        "INTERACT",
        "§8.1",
        "Continue an interaction via --context-id",
    ),
    Requirement(
        "A2ACLI_INTERACT_002",
        1,
        "INTERACT",
        "§8.1",
        "--task-id with or without --context-id (server resolves context); when both given they MUST "
        "correspond; a rejected id fails non-zero, creates no new task, surfaces the protocol error",
    ),
    Requirement(
        "A2ACLI_INTERACT_003",
        1,
        "INTERACT",
        "§4.1, §4",
        "Never invents server-assigned identifiers; never assumes contextId denotes a chat session",
    ),
    Requirement(
        "A2ACLI_INTERACT_004",
        1,
        "INTERACT",
        "§8.2",
        "Reports taskId/contextId/state on completion and interruption, copy-pasteable, with an exact resume command",
    ),
    Requirement(
        "A2ACLI_INTERACT_005",
        1,
        "INTERACT",
        "§6.3, §4.1, §8.3",
        "Stateless: no stored last taskId/contextId replay; no --continue; state never only in process memory",
    ),
    Requirement(
        "A2ACLI_TASK_POLL_001",
        1,
        "TASK_POLL",
        "§9.3",
        "Polling path available — one-shot task get, plus task get --wait to a terminal or interrupted state",
    ),
    Requirement(
        "A2ACLI_TASK_POLL_002",
        1,
        "TASK_POLL",
        "§9.3",
        "--poll-interval / --timeout honored; bounded backoff; no busy-loop; interruptible without losing "
        "printed taskId",
    ),
    Requirement(
        "A2ACLI_TASK_POLL_003",
        1,
        "TASK_POLL",
        "§9.1, §9.3",
        "Stops immediately on interrupted states (INPUT_REQUIRED / AUTH_REQUIRED); TASK_STATE_UNSPECIFIED is "
        "neither, so polling continues under --timeout",
    ),
    Requirement(
        "A2ACLI_TASK_POLL_004",
        1,
        "TASK_POLL",
        "§9.3",
        "When a wait prefers streaming, falls back to polling on stream failure and drives to terminal/interrupted",
    ),
    Requirement(
        "A2ACLI_OUT_001",
        1,
        "OUT",
        "§11.1, §11.5, §8.2",
        "Standard output names context/task/state in every mode; payload to stdout, diagnostics to stderr, never mixed",
    ),
    Requirement(
        "A2ACLI_OUT_002",
        1,
        "OUT",
        "§11.3, App. B",
        "-o json (no --stream): exactly one terminal protocol document, never an event log, never implicit JSONL",
    ),
    Requirement(
        "A2ACLI_OUT_003",
        1,
        "OUT",
        "§11.3, §11.4, App. B",
        "-o json --stream: JSONL one object per line, final line terminal; a stream-terminating error is a "
        "final error line",
    ),
    Requirement(
        "A2ACLI_OUT_004",
        1,
        "OUT",
        "§11.4, App. B, App. D",
        "Errors machine-readable, consistent across transports; protocol error name vs A2ACLI_ERR_* code; no "
        "invented codes; hint field",
    ),
    Requirement(
        "A2ACLI_OUT_005",
        1,
        "OUT",
        "§11.2, §6.1",
        "text floor: one Label: value per line, stable labels, no control sequences; block content under its "
        "own Label: line, blank-line terminated, never interleaved; interactive auto-degrades to text off-TTY",
    ),
    Requirement(
        "A2ACLI_OUT_006",
        1,
        "OUT",
        "§11.5",
        "When not waiting (--async), still emits a result object carrying at least taskId and contextId",
    ),
    Requirement(
        "A2ACLI_EXIT_001",
        1,
        "EXIT",
        "§11.6, App. D",
        "Implements exit statuses 0/1/2; any reserved status carries its documented meaning and agrees with "
        "the reported error",
    ),
    Requirement(
        "A2ACLI_EXIT_002",
        1,
        "EXIT",
        "§6.6, §11.6",
        "Execution decoupled from outcome: exits 0 on a reported turn even when the task is FAILED/REJECTED "
        "or paused at INPUT_REQUIRED/AUTH_REQUIRED; outcome carried in task state",
    ),
    Requirement(
        "A2ACLI_AUTH_001",
        1,
        "AUTH",
        "§12.1",
        "Scriptable credentials — bearer, API key, env equivalents attached per the agent's declared security"
        " scheme; --svc-param separate, never an auth flag",
    ),
    Requirement(
        "A2ACLI_AUTH_002",
        1,
        "AUTH",
        "§12.1, §6.5",
        "Offers an env-var equivalent for each credential flag; documents process-table and shell-history "
        "exposure of a flag-supplied credential; does not alter flag > env precedence",
    ),
    Requirement(
        "A2ACLI_AUTH_003",
        1,
        "AUTH",
        "§12.1, §6.5",
        "Emits a prominent stderr security warning when a credential is sent with certificate verification "
        "disabled (--insecure); never disables TLS verification silently",
    ),
    Requirement(
        "A2ACLI_AUTH_004",
        1,
        "AUTH",
        "§12.1, §7.2",
        "Redacts credential material from diagnostic output including --debug raw-wire logging; not "
        "defeasible by a verbosity flag",
    ),
    Requirement(
        "A2ACLI_TX_001",
        1,
        "TX",
        "§13.1",
        "Transport selected from the Agent Card, honoring declared preference order",
    ),
    Requirement(
        "A2ACLI_TX_002",
        1,
        "TX",
        "§13.1, §6.5",
        "Uses first supportedInterfaces entry it supports absent a client preference; --transport repeatable "
        "and ordered",
    ),
    Requirement(
        "A2ACLI_TX_003",
        1,
        "TX",
        "§13.1",
        "Sets the selected AgentInterface tenant in every request message exactly as declared; omits it when "
        "none declared (na if none declared)",
    ),
    Requirement(
        "A2ACLI_VER_001",
        1,
        "VER",
        "§13.2",
        "A2A-Version signaled explicitly on every request (never empty, which A2A reads as 0.3); down only "
        "within 1.x, never below 1.0; no silent downgrade",
    ),
    Requirement(
        "A2ACLI_DEFAULT_001",
        1,
        "DEFAULT",
        "§6.5",
        "Ships baseline defaults, each overridable by an explicit flag; exposes effective defaults (see "
        "default_001_breakdown)",
    ),
    Requirement(
        "A2ACLI_CONFIG_001",
        1,
        "CONFIG",
        "§8.3",
        "Persisted config (if any): conventional path, secrets 0600, inspectable via read-only config show, "
        "user-editable; never records session state to resume",
    ),
    Requirement(
        "A2ACLI_CLI_001",
        1,
        "CLI",
        "§7.1, §7.2, §6.5",
        "help and <command> --help print usage and exit; -v/--version prints the tool version; --help shows "
        "the effective defaults",
    ),
    Requirement(
        "A2ACLI_SKILL_001",
        1,
        "SKILL",
        "§14.1, §14.2",
        "Conditional (na if no skill): ships exactly one Agent Skill, generic and token-efficient, deferring "
        "to runtime help",
    ),
    Requirement(
        "A2ACLI_SKILL_002",
        1,
        "SKILL",
        "§14.3",
        "Conditional (na if no skill): skill and specification kept as distinct layers; skill does not "
        "restate normative reqs",
    ),
    Requirement(
        "A2ACLI_CARD_GET_002",
        2,
        "CARD_GET",
        "§10.1",
        "card get --validate — validate the Agent Card against the A2A schema",
    ),
    Requirement(
        "A2ACLI_TASK_LIST_001",
        2,
        "TASK_LIST",
        "§7.1, App. A",
        "task list — cursor-paginated, filterable by status and context",
    ),
    Requirement(
        "A2ACLI_TASK_SUBSCRIBE_001",
        2,
        "TASK_SUBSCRIBE",
        "§7.1, §9.2",
        "task subscribe — (re)subscribe to a task's event stream",
    ),
    Requirement(
        "A2ACLI_TASK_SUBSCRIBE_002",
        2,
        "TASK_SUBSCRIBE",
        "§9.4, §9.2",
        "Stream resumption after disconnect; first event re-delivers the full Task, so no separate get is required",
    ),
    Requirement(
        "A2ACLI_AUTH_005",
        2,
        "AUTH",
        "§12.2",
        "auth login — OAuth 2.1 device-code flow",
    ),
    Requirement(
        "A2ACLI_AUTH_006",
        2,
        "AUTH",
        "§12.2",
        "auth login — OAuth 2.1 client-credentials flow",
    ),
    Requirement(
        "A2ACLI_AUTH_007",
        2,
        "AUTH",
        "§12.2",
        "Secure token storage with automatic attachment on later calls",
    ),
    Requirement(
        "A2ACLI_TX_004",
        2,
        "TX",
        "§13.1",
        "At least two transports supported and selectable",
    ),
    Requirement(
        "A2ACLI_VER_003",
        2,
        "VER",
        "§13.3",
        "Verifies a capability on the Agent Card before invoking a capability-gated operation",
    ),
    Requirement(
        "A2ACLI_CONFIG_002",
        2,
        "CONFIG",
        "§8.3",
        "Configuration precedence (flag > env > local > global > built-in), scopeable by agent-card "
        "reference; config show reports each value and its source",
    ),
    Requirement(
        "A2ACLI_DOWNLOAD_001",
        2,
        "DOWNLOAD",
        "§7.1",
        "task download — save task artifacts to disk",
    ),
    Requirement(
        "A2ACLI_OUT_007",
        2,
        "OUT",
        "§7.2",
        "--debug enables diagnostic logging to stderr, including the raw protocol messages exchanged on the wire",
    ),
    Requirement(
        "A2ACLI_CONFORM_001",
        2,
        "CONFORM",
        "§7.1",
        "conformance — smoke-check a live agent against the A2A TCK",
    ),
    Requirement(
        "A2ACLI_CLI_002",
        2,
        "CLI",
        "§7.1",
        "completion <shell> — emits a shell completion script for the named shell",
    ),
    Requirement(
        "A2ACLI_PUSH_001",
        2,
        "PUSH",
        "§7.1, App. A",
        "task push-config create / get / list / delete",
    ),
    Requirement(
        "A2ACLI_CARD_GET_003",
        3,
        "CARD_GET",
        "§10.1, §12.4",
        "Authenticated extended Agent Card, fetched only via a security scheme advertised on the public card",
    ),
    Requirement(
        "A2ACLI_CARD_GET_004",
        3,
        "CARD_GET",
        "§10.1",
        "Agent Card signature verification per A2A 8.4.3 — verify when present, report "
        "verified/unverifiable/absent; never present an unverified card as verified",
    ),
    Requirement(
        "A2ACLI_CARD_GET_005",
        3,
        "CARD_GET",
        "§10.1",
        "Catalog / registry resolution — accept a catalog entry wherever --agent-card takes a reference; "
        "resolve it to a card first",
    ),
    Requirement(
        "A2ACLI_PUSH_002",
        3,
        "PUSH",
        "§9.2",
        "Local webhook receiver able to accept push notifications",
    ),
    Requirement(
        "A2ACLI_CHAT_001",
        3,
        "CHAT",
        "§8.1, §7.1",
        "Interactive chat carrying context and task across turns",
    ),
    Requirement(
        "A2ACLI_TX_005",
        3,
        "TX",
        "§13.1",
        "gRPC transport",
    ),
    Requirement(
        "A2ACLI_AUTH_008",
        3,
        "AUTH",
        "§12.4",
        "Never presents a credential to an Agent Card endpoint that has not declared a scheme accepting it",
    ),
    Requirement(
        "A2ACLI_AUTH_009",
        3,
        "AUTH",
        "§12.3",
        "Mutual TLS",
    ),
    Requirement(
        "A2ACLI_AUTH_010",
        3,
        "AUTH",
        "§12.3",
        "OpenID Connect",
    ),
    Requirement(
        "A2ACLI_AUTH_011",
        3,
        "AUTH",
        "§12.3",
        "Handles in-task AUTH_REQUIRED resolution",
    ),
    Requirement(
        "A2ACLI_DEMO_SERVER_001",
        3,
        "DEMO_SERVER",
        "§7.1, §3",
        "demo-server / mock agent mode",
    ),
    Requirement(
        "A2ACLI_VER_002",
        3,
        "VER",
        "§13.3, A2A §4.6",
        "Declares server-required protocol extensions",
    ),
)

# The six §6.5 defaults behind A2ACLI_DEFAULT_001 (COMPLIANCE.md §4a), in the template's order.
DEFAULT_001_ROWS: Final = (
    "transport_server_preference_order",
    "task_completion_wait_by_default",
    "output_human_readable_text",
    "detail_level_concise",
    "protocol_version_highest_mutual",
    "transport_security_tls_on",
)

# SPEC.md Appendix D, in the template's order.
ERROR_CODES: Final = (
    "A2ACLI_ERR_USAGE",
    "A2ACLI_ERR_CARD_NOT_FOUND",
    "A2ACLI_ERR_CARD_INVALID",
    "A2ACLI_ERR_UNREACHABLE",
    "A2ACLI_ERR_CREDENTIALS_MISSING",
    "A2ACLI_ERR_AUTH_FAILED",
    "A2ACLI_ERR_TIMEOUT",
    "A2ACLI_ERR_INTERNAL",
)

# COMPLIANCE.md Appendix A.2: the closed status vocabulary.
STATUSES: Final = ("pass", "partial", "fail", "not_measured", "na", "withdrawn")

BY_ID: Final = {r.id: r for r in REGISTRY}
