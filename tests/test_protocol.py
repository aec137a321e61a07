"""The vocabulary (`a2acli.protocol`) against the A2A specs: state names and sets, the 0.3 mapping, bindings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from a2acli import protocol as p

REFERENCE = Path("/work/shared/reference/a2a-protocol")


def _schema(name: str) -> dict[str, object]:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_states_match_the_1_0_schema() -> None:
    defs = _schema("a2a-v1.0.0.schema.json")["definitions"]
    state = defs["Task Status"]["properties"]["state"]  # type: ignore[index]
    names = {"TASK_STATE_UNSPECIFIED", *next(a["enum"] for a in state["anyOf"] if "enum" in a)}
    assert set(get_args(p.TaskState)) == names
    assert set(p.TASK_STATES) == names - {p.UNSPECIFIED}
    assert len(p.TASK_STATES) == len(set(p.TASK_STATES))


def test_states_match_the_0_3_schema() -> None:
    defs = _schema("a2a-v0.3.0.schema.json")["definitions"]
    v03 = set(defs["TaskState"]["enum"])  # type: ignore[index]
    assert set(p.STATE_TO_V03.values()) == v03
    assert set(p.STATE_TO_V03) == set(get_args(p.TaskState))


def test_sets() -> None:
    terminal = {"TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED", "TASK_STATE_REJECTED"}
    assert terminal == p.TERMINAL_STATES
    assert {"TASK_STATE_INPUT_REQUIRED", "TASK_STATE_AUTH_REQUIRED"} == p.INTERRUPTED_STATES
    assert not p.TERMINAL_STATES & p.INTERRUPTED_STATES
    assert p.FINAL_STATES == p.TERMINAL_STATES | p.INTERRUPTED_STATES
    assert {p.SUBMITTED, p.WORKING, p.UNSPECIFIED}.isdisjoint(p.FINAL_STATES)


@pytest.mark.parametrize("state", sorted(p.STATE_TO_V03))
def test_round_trip(state: str) -> None:
    v03 = p.state_v03(state)
    assert p.state_v10(v03) == state
    assert p.state_v10(v03.upper()) == state
    assert p.state_v10(state) == state


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("input-required", "TASK_STATE_INPUT_REQUIRED"),
        ("input_required", "TASK_STATE_INPUT_REQUIRED"),
        ("Auth Required", "TASK_STATE_AUTH_REQUIRED"),
        ("TASK_STATE_CANCELLED", "TASK_STATE_CANCELED"),
        ("cancelled", "TASK_STATE_CANCELED"),
        ("task_state_working", "TASK_STATE_WORKING"),
        ("unknown", "TASK_STATE_UNSPECIFIED"),
        ("running", "running"),  # unknown values are reported as received
        (None, "TASK_STATE_UNSPECIFIED"),
        (3, "TASK_STATE_UNSPECIFIED"),
    ],
)
def test_state_spellings(spelling: object, expected: str) -> None:
    assert p.state_v10(spelling) == expected


def test_state_v03_of_garbage() -> None:
    assert p.state_v03("running") == "unknown"
    assert p.state_v03(None) == "unknown"


def test_bindings() -> None:
    assert p.CORE_BINDINGS == ("JSONRPC", "HTTP+JSON", "GRPC")
    assert set(p.BINDING_ALIASES.values()) == set(p.CORE_BINDINGS)
    for name in p.CORE_BINDINGS:
        assert p.BINDING_ALIASES[name] == name
    assert all(key == p.binding_key(key) for key in p.BINDING_ALIASES)
    assert set(p.CLIENT_BINDINGS) <= set(p.CORE_BINDINGS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jsonrpc", "JSONRPC"),
        ("JSON-RPC", "JSONRPC"),
        ("JSONRPC2", "JSONRPC"),
        (" json rpc ", "JSONRPC"),
        ("rest", "HTTP+JSON"),
        ("http_json", "HTTP+JSON"),
        ("HTTP + JSON", "HTTP+JSON"),
        ("grpc", "GRPC"),
        ("https://example.com/my-binding", None),
        ("MCP+STREAMABLE-HTTP", None),
    ],
)
def test_canonical_binding(value: str, expected: str | None) -> None:
    assert p.canonical_binding(value) == expected
    assert p.normalize_binding(value) == (expected or p.binding_key(value))


def test_versions() -> None:
    assert p.PROTOCOL_VERSIONS == ("1.0", "0.3")
    assert set(p.PROTOCOL_VERSIONS) <= set(p.KNOWN_VERSIONS)


def test_typed_dicts_have_the_schema_keys() -> None:
    defs = _schema("a2a-v1.0.0.schema.json")["definitions"]
    pairs = {
        "Agent Card": p.AgentCard,
        "Agent Interface": p.AgentInterface,
        "Security Scheme": p.SecurityScheme,
        "Task": p.Task,
        "Task Status": p.TaskStatus,
        "Message": p.Message,
        "Artifact": p.Artifact,
        "Part": p.Part,
        "Stream Response": p.StreamResponse,
        "Task Status Update Event": p.TaskStatusUpdateEvent,
        "Task Artifact Update Event": p.TaskArtifactUpdateEvent,
        "Task Push Notification Config": p.TaskPushNotificationConfig,
        "Agent Capabilities": p.AgentCapabilities,
        "Agent Skill": p.AgentSkill,
    }
    for title, typed in pairs.items():
        schema_keys = set(defs[title]["properties"])  # type: ignore[index]
        assert set(typed.__annotations__) == schema_keys, title
        assert not typed.__required_keys__, title


def test_leaf_modules_import_nothing_of_the_package() -> None:
    code = (
        "import sys; import a2acli.protocol, a2acli.net, a2acli.errors as e; "
        "err = e.DeadlineExpired('--timeout 1s expired', hint='raise --timeout'); str(err); err.envelope(); "
        "e.protocol_error_from_jsonrpc({'code': -32001, 'message': 'x'}); e.protocol_error_from_rest(404, {}); "
        "a2acli.net.is_loopback_url('http://[::1]/'); a2acli.protocol.state_v03('working'); "
        "print(sorted(m for m in sys.modules if m.startswith('a2acli')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['a2acli', 'a2acli.errors', 'a2acli.net', 'a2acli.protocol']"


def test_deadline_expired_is_a_timeout() -> None:
    from a2acli.errors import DeadlineExpired, ExitStatus, TimeoutExpiredError

    err = DeadlineExpired("--timeout 2s expired before the task finished")
    assert isinstance(err, TimeoutExpiredError)
    assert err.code == "A2ACLI_ERR_TIMEOUT"
    assert err.exit_status is ExitStatus.TIMEOUT and int(err.exit_status) == 5
    assert err.envelope() == {
        "error": {"code": "A2ACLI_ERR_TIMEOUT", "message": err.message, "hint": None, "a2aCode": None}
    }


def test_envelope_is_redacted_when_printed(capsys: pytest.CaptureFixture[str]) -> None:
    from a2acli.cli import report_error
    from a2acli.errors import ProtocolError
    from a2acli.redact import register_secret
    from a2acli.render import writers

    register_secret("s3cr3t-token-value")
    writers.set_mode("json")
    err = ProtocolError("TaskNotFoundError", "no task for s3cr3t-token-value", hint="Authorization: Bearer abc")
    assert report_error(err) == 1
    out, errout = capsys.readouterr()
    envelope = json.loads(out)
    assert envelope == {
        "error": {
            "code": "TaskNotFoundError",
            "message": "no task for ***",
            "hint": "Authorization: ***",
            "a2aCode": None,
        }
    }
    assert "s3cr3t" not in errout and "abc" not in errout
    assert err.envelope()["error"]["message"] == "no task for s3cr3t-token-value"  # the error itself keeps it


def test_typed_dicts_resolve_at_runtime() -> None:
    import typing

    dicts = [o for o in vars(p).values() if isinstance(o, type) and typing.is_typeddict(o)]
    assert len(dicts) >= 20
    for typed in dicts:
        assert typing.get_type_hints(typed), typed.__name__
