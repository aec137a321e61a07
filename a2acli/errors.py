"""Typed errors carrying the SPEC error code and exit status.

Domain code raises these; `a2acli.cli` is the one place that turns them into an exit status and an
error envelope (official a2a-cli SPEC §11.4, §11.6, Appendix B and D). Nothing here prints.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypedDict


class ExitStatus(IntEnum):
    """Exit statuses of SPEC §11.6 (0-5) plus the shell convention for SIGINT."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    UNREACHABLE = 3
    AUTH = 4
    TIMEOUT = 5
    INTERRUPTED = 130


class ErrorBody(TypedDict):
    code: str
    message: str
    hint: str | None
    a2aCode: str | int | None


class ErrorEnvelope(TypedDict):
    """SPEC Appendix B: what `-o json` prints on stdout for a failed command."""

    error: ErrorBody


class A2ACliError(Exception):
    """Base of every error the CLI reports on purpose.

    `code` is an `A2ACLI_ERR_*` symbol (SPEC Appendix D) for CLI-local failures, or the A2A error name
    (`TaskNotFoundError`, ...) for protocol failures. `a2a_code` is the transport-level code when there
    is one (a JSON-RPC error code, an HTTP status).
    """

    code: str = "A2ACLI_ERR_INTERNAL"
    exit_status: ExitStatus = ExitStatus.FAILURE

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        a2a_code: str | int | None = None,
        code: str | None = None,
        exit_status: ExitStatus | None = None,
    ) -> None:
        # The message is kept as given, agent text included: every presenter cleans what it prints (the
        # diagnostics writer, the --debug traceback) and redacts credentials (`cli.report_error`), so this
        # module stays a leaf that the whole package can import.
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.a2a_code = a2a_code
        if code is not None:
            self.code = code
        if exit_status is not None:
            self.exit_status = exit_status

    def envelope(self) -> ErrorEnvelope:
        """The SPEC Appendix B error object, as given: redact it before printing (an agent may echo credentials)."""
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint, "a2aCode": self.a2a_code}}


class UsageError(A2ACliError):
    code = "A2ACLI_ERR_USAGE"
    exit_status = ExitStatus.USAGE


class CardNotFoundError(A2ACliError):
    code = "A2ACLI_ERR_CARD_NOT_FOUND"
    exit_status = ExitStatus.UNREACHABLE


class CardInvalidError(A2ACliError):
    code = "A2ACLI_ERR_CARD_INVALID"
    exit_status = ExitStatus.FAILURE


class UnreachableError(A2ACliError):
    code = "A2ACLI_ERR_UNREACHABLE"
    exit_status = ExitStatus.UNREACHABLE


class CredentialsMissingError(A2ACliError):
    code = "A2ACLI_ERR_CREDENTIALS_MISSING"
    exit_status = ExitStatus.AUTH


class AuthFailedError(A2ACliError):
    code = "A2ACLI_ERR_AUTH_FAILED"
    exit_status = ExitStatus.AUTH


class TimeoutExpiredError(A2ACliError):
    code = "A2ACLI_ERR_TIMEOUT"
    exit_status = ExitStatus.TIMEOUT


class DeadlineExpired(TimeoutExpiredError):
    """The command's own `--timeout` ran out (SPEC A2ACLI_ERR_TIMEOUT, exit 5).

    Unlike a read that timed out on the wire (a plain `TimeoutExpiredError`, which a stream may recover from by
    resubscribing), the whole run is over: resume and retry logic must re-raise it, never retry it.
    """


class InternalError(A2ACliError):
    code = "A2ACLI_ERR_INTERNAL"
    exit_status = ExitStatus.FAILURE


class ProtocolError(A2ACliError):
    """A failure the agent reported, by its A2A error name (A2A §3.3.2), normalised across bindings."""

    exit_status = ExitStatus.FAILURE

    def __init__(
        self,
        name: str,
        message: str,
        *,
        hint: str | None = None,
        a2a_code: str | int | None = None,
        data: object = None,
    ) -> None:
        super().__init__(message, hint=hint, a2a_code=a2a_code, code=name)
        self.data = data
        #: the gRPC binding only (set by `client.grpc_wire`): the call's status code name (`NOT_FOUND`) and the
        #: `google.rpc.ErrorInfo` reason its status details carried (None when they carried none)
        self.grpc_status: str | None = None
        self.grpc_reason: str | None = None


# Ctrl-C has no code in SPEC Appendix D, and A2ACLI_ERR_INTERNAL maps to exit 1 there: an interrupted run keeps the
# shell's exit 130 (128 + SIGINT, what a script's `trap` and `set -e` expect) and reports a vendor code of its own,
# outside the A2ACLI_ERR_* namespace the SPEC reserves (§11.4), so status and envelope agree.
INTERRUPTED_CODE = "X_A2ACLI_INTERRUPTED"


class ConformanceFailed(A2ACliError):
    """`a2a conformance`: requirements at the failing level failed (exit 1). The report is the result; this only
    sets the status (a vendor code: the SPEC's A2ACLI_ERR_* names no verdict about an agent)."""

    code = "X_A2ACLI_CONFORMANCE_FAILED"
    exit_status = ExitStatus.FAILURE


class Interrupted(A2ACliError):
    """Ctrl-C: not a failure of the tool, but the run did not finish (exit 130, X_A2ACLI_INTERRUPTED)."""

    code = INTERRUPTED_CODE
    exit_status = ExitStatus.INTERRUPTED


# A2A error names by JSON-RPC code (A2A §5.4) and by HTTP+JSON `google.rpc.ErrorInfo.reason`.
A2A_ERRORS_BY_JSONRPC_CODE: dict[int, str] = {
    -32700: "JSONParseError",
    -32600: "InvalidRequestError",
    -32601: "MethodNotFoundError",
    -32602: "InvalidParamsError",
    -32603: "InternalError",
    -32001: "TaskNotFoundError",
    -32002: "TaskNotCancelableError",
    -32003: "PushNotificationNotSupportedError",
    -32004: "UnsupportedOperationError",
    -32005: "ContentTypeNotSupportedError",
    -32006: "InvalidAgentResponseError",
    -32007: "ExtendedAgentCardNotConfiguredError",
    -32008: "ExtensionSupportRequiredError",
    -32009: "VersionNotSupportedError",
}

A2A_ERRORS_BY_REASON: dict[str, str] = {
    "TASK_NOT_FOUND": "TaskNotFoundError",
    "TASK_NOT_CANCELABLE": "TaskNotCancelableError",
    "PUSH_NOTIFICATION_NOT_SUPPORTED": "PushNotificationNotSupportedError",
    "UNSUPPORTED_OPERATION": "UnsupportedOperationError",
    "CONTENT_TYPE_NOT_SUPPORTED": "ContentTypeNotSupportedError",
    "INVALID_AGENT_RESPONSE": "InvalidAgentResponseError",
    "EXTENDED_AGENT_CARD_NOT_CONFIGURED": "ExtendedAgentCardNotConfiguredError",
    "EXTENSION_SUPPORT_REQUIRED": "ExtensionSupportRequiredError",
    "VERSION_NOT_SUPPORTED": "VersionNotSupportedError",
    "INVALID_PARAMS": "InvalidParamsError",
    "INVALID_REQUEST": "InvalidRequestError",
    "METHOD_NOT_FOUND": "MethodNotFoundError",
    "INTERNAL": "InternalError",
}


def protocol_error_from_jsonrpc(error: object) -> ProtocolError:
    """Build a ProtocolError from a JSON-RPC `error` member, tolerating unknown shapes and codes."""
    if not isinstance(error, dict):
        return ProtocolError("InternalError", "agent returned a malformed JSON-RPC error", a2a_code=None)
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    name = A2A_ERRORS_BY_JSONRPC_CODE.get(code, "") if code is not None else ""
    if not name:
        name = _name_from_details(error.get("data")) or "UnknownA2AError"
    message = error.get("message")
    text = message if isinstance(message, str) and message else name
    return ProtocolError(name, text, a2a_code=code, data=error.get("data"))


def _name_from_details(data: object) -> str:
    """Find an A2A error name in `google.rpc.ErrorInfo`-style details, if the agent sent any."""
    details = data if isinstance(data, list) else [data]
    for item in details:
        if isinstance(item, dict):
            reason = item.get("reason")
            if isinstance(reason, str) and reason in A2A_ERRORS_BY_REASON:
                return A2A_ERRORS_BY_REASON[reason]
    return ""


def protocol_error_from_rest(status: int, body: object) -> ProtocolError:
    """Build a ProtocolError from an HTTP+JSON error body (`{"error": {"code", "status", "message", "details"}}`)."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return ProtocolError("UnknownA2AError", f"agent answered HTTP {status}", a2a_code=status)
    name = _name_from_details(err.get("details"))
    if not name:
        status_name = err.get("status")
        name = {
            "NOT_FOUND": "TaskNotFoundError",
            "INVALID_ARGUMENT": "InvalidParamsError",
            "UNIMPLEMENTED": "UnsupportedOperationError",
            "INTERNAL": "InternalError",
        }.get(status_name if isinstance(status_name, str) else "", "UnknownA2AError")
    message = err.get("message")
    text = message if isinstance(message, str) and message else name
    return ProtocolError(name, text, a2a_code=status, data=err.get("details"))
