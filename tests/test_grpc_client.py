"""`a2a` over gRPC (`--transport GRPC`, card order) against real servers: the demo agent's gRPC binding, small
grpcio servers that record what they get, an h2 server that misbehaves on purpose, a proxy that cuts streams.
Output must be what the other bindings give, error for error and exit code for exit code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("grpc")

from a2acli.agent.options import TUTORIAL_REPLY
from a2acli.cli import run
from tests.support.agent import demo_agent, grpc_target
from tests.support.grpc_peers import CuttingGrpcProxy, grpc_card, hostile_grpc

BINDINGS = ("JSONRPC", "HTTP+JSON", "GRPC")
ROOT = str(Path(__file__).resolve().parents[1])
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    with demo_agent(grpc_port=0, delay=0.01) as url:
        yield url


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _masked(text: str) -> str:
    return _TS.sub("<ts>", _ID.sub("<id>", text))


# ------------------------------------------------------------------------------------------------ same output


@pytest.mark.parametrize("mode", ["text", "json"])
def test_send_prints_the_same_in_every_mode_on_every_binding(
    agent: str, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outs = {}
    for binding in BINDINGS:
        code, out, err = _run(capsys, "send", "hello", "-a", agent, "--transport", binding, "-o", mode)
        assert code == 0, err
        outs[binding] = _masked(out)
    assert outs["GRPC"] == outs["JSONRPC"] == outs["HTTP+JSON"]
    if mode == "text":
        assert TUTORIAL_REPLY in outs["GRPC"]


def test_stream_json_lines_are_the_same_events_word_by_word(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    outs = {}
    for binding in BINDINGS:
        code, out, err = _run(capsys, "stream", "hello", "-a", agent, "--transport", binding, "-o", "json")
        assert code == 0, err
        outs[binding] = [json.loads(line) for line in out.splitlines()]
    grpc_events = outs["GRPC"]
    chunks = [e for e in grpc_events if "artifactUpdate" in e]
    assert len(chunks) == len(TUTORIAL_REPLY.split())
    assert "".join(p["text"] for e in chunks for p in e["artifactUpdate"]["artifact"]["parts"]) == TUTORIAL_REPLY
    shape = {b: [sorted(e) for e in events] for b, events in outs.items()}
    assert shape["GRPC"] == shape["JSONRPC"] == shape["HTTP+JSON"]
    assert grpc_events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_task_commands_and_push_configs_over_grpc_match_json_rpc(
    agent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    results: dict[str, list[Any]] = {}
    for binding in BINDINGS:
        t = ("--transport", binding)
        code, out, err = _run(capsys, "send", "hello", "-a", agent, *t, "-o", "json")
        assert code == 0, err
        task_id = json.loads(out)["task"]["id"]
        seen: list[Any] = []
        for args in (
            ("task", "get", task_id, "--history", "1"),
            ("task", "cancel", task_id),
            ("task", "get", "no-such-task"),
            ("task", "push-config", "create", task_id, "--webhook", "http://127.0.0.1:9/hook", "--id", "c1"),
            ("task", "push-config", "get", task_id, "c1"),
            ("task", "push-config", "list", task_id),
            ("task", "push-config", "delete", task_id, "c1"),
            ("task", "push-config", "list", task_id),
            ("card", "get", "--extended"),
        ):
            code, out, err = _run(capsys, *args, "-a", agent, *t, "-o", "json")
            assert code != 2, err  # each command is real: no usage error hides a difference
            doc = json.loads(out) if out.strip() else None
            if isinstance(doc, dict) and "error" in doc:
                doc["error"].pop("a2aCode")  # the binding's own code (SPEC §11: JSON-RPC, HTTP or gRPC status)
            seen.append(
                (
                    tuple(a for a in args[:3] if a != task_id),
                    code,
                    _masked(json.dumps(doc, sort_keys=True)).replace(task_id, "<task>"),
                )
            )
        code, out, err = _run(capsys, "task", "list", "-a", agent, *t, "-o", "json")
        assert code == 0, err
        assert task_id in out
        results[binding] = seen
    for grpc_row, rpc_row, rest_row in zip(results["GRPC"], results["JSONRPC"], results["HTTP+JSON"], strict=True):
        assert grpc_row == rpc_row, (grpc_row, rpc_row)
        assert grpc_row[:2] == rest_row[:2]
    codes = [row[1] for row in results["GRPC"]]
    assert codes == [0, 1, 1, 0, 0, 0, 0, 0, 1]  # cancel of a COMPLETED task, unknown task, no extended card
    rows = [row[2] for row in results["GRPC"]]
    assert "TaskNotCancelableError" in rows[1] and "TaskNotFoundError" in rows[2]
    assert '"url": "http://127.0.0.1:9/hook"' in rows[3] and '"id": "c1"' in rows[4]
    assert '"c1"' in rows[5] and '"c1"' not in rows[7]  # listed, then deleted
    assert "ExtendedAgentCardNotConfiguredError" in rows[8]


def test_card_order_picks_grpc_when_listed_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(grpc_port=0, delay=0) as url:
        card = grpc_card(tmp_path / "card.json", grpc_target(url))
        code, out, err = _run(capsys, "send", "hello", "-a", card, "--debug", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "debug: > GRPC 127.0.0.1:" in err and "/lf.a2a.v1.A2AService/SendStreamingMessage" in err


# ------------------------------------------------------------------------------------------------ 0.3


def test_a_0_3_agent_over_grpc_is_normalised_to_1_0(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(grpc_port=0, delay=0.01, protocol_versions="0.3") as url:
        args = ("-a", url, "--transport", "GRPC", "--a2a-version", "0.3")
        code, out, err = _run(capsys, "stream", "hello", *args, "-o", "json", "--debug")
        assert code == 0, err
        events = [json.loads(line) for line in out.splitlines()]
        assert "/a2a.v1.A2AService/SendStreamingMessage" in err
        task_id = events[0]["task"]["id"]
        code, out, err = _run(capsys, "task", "get", task_id, *args, "-o", "json")
        assert code == 0, err
        task = json.loads(out)
        configs = []
        for step in (
            ("create", task_id, "--webhook", "http://127.0.0.1:9/hook", "--id", "c1"),
            ("get", task_id, "c1"),
            ("list", task_id),
            ("delete", task_id, "c1"),
            ("list", task_id),
        ):
            step_code, step_out, step_err = _run(capsys, "task", "push-config", *step, *args, "-o", "json")
            assert step_code == 0, step_err
            configs.append(json.loads(step_out))
        code, _, err = _run(capsys, "task", "list", *args)
    assert configs[0] == configs[1] == {"id": "c1", "taskId": task_id, "url": "http://127.0.0.1:9/hook"}
    assert configs[2] == {"configs": [configs[0]]} and configs[4] == {}  # a2a.v1's push-config rpcs, as 1.0 JSON
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    text = "".join(p["text"] for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"])
    assert text == TUTORIAL_REPLY
    assert task["status"]["state"] == "TASK_STATE_COMPLETED" and "kind" not in task
    assert code == 1 and "UnsupportedOperationError" in err and "needs A2A 1.0" in err


# ------------------------------------------------------------------------------------------------ metadata, auth


def test_bearer_token_travels_as_metadata_and_its_absence_is_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(grpc_port=0, bearer_token="s3cret-token") as url:
        t = ("-a", url, "--transport", "GRPC")
        code, _, err = _run(capsys, "send", "hello", *t, "--bearer", "s3cret-token", "-o", "json")
        assert code == 0, err
        code_missing, _, err_missing = _run(capsys, "send", "hello", *t)
        code_wrong, _, err_wrong = _run(capsys, "send", "hello", *t, "--bearer", "nope")
        code_rpc, _, err_rpc = _run(capsys, "send", "hello", "-a", url, "--transport", "JSONRPC")
    assert (code_missing, code_wrong, code_rpc) == (4, 4, 4)
    assert "A2ACLI_ERR_AUTH_REQUIRED" in err_missing or "CREDENTIALS" in err_missing.upper()
    assert err_missing.split("[")[1].split("]")[0] == err_rpc.split("[")[1].split("]")[0]
    assert "nope" not in err_wrong


def _recording_server() -> Any:
    """A grpcio server whose SendStreamingMessage records the call's metadata and deadline, then fails with
    INVALID_ARGUMENT (no details: read by status code)."""
    import grpc
    import grpc.aio

    class Recorder:
        def __init__(self) -> None:
            self.metadata: list[tuple[str, str]] = []
            self.time_remaining: float | None = None

    recorder = Recorder()

    async def stream(request: bytes, context: Any) -> Any:
        recorder.metadata = [(k, v) for k, v in context.invocation_metadata()]
        recorder.time_remaining = context.time_remaining()
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "recorded")
        yield b""

    handler = grpc.method_handlers_generic_handler(
        "lf.a2a.v1.A2AService", {"SendStreamingMessage": grpc.unary_stream_rpc_method_handler(stream)}
    )
    return recorder, handler


def test_metadata_carries_version_extensions_credentials_and_the_deadline(tmp_path: Path) -> None:
    code = r"""
import asyncio, json, sys
import grpc, grpc.aio
sys.path.insert(0, sys.argv[1])
from tests.test_grpc_client import _recording_server
from tests.support.grpc_peers import grpc_card
from a2acli.cli import run

async def main():
    recorder, handler = _recording_server()
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    card = grpc_card(__import__("pathlib").Path(sys.argv[2]) / "card.json", f"127.0.0.1:{port}")
    args = ["send", "hi", "-a", card, "--bearer", "tok-123", "--extension", "urn:x:ext",
            "--svc-param", "X-Trace:abc", "--timeout", "30"]
    rc = await asyncio.get_running_loop().run_in_executor(None, run, args)
    await server.stop(None)
    print(json.dumps({"rc": rc, "md": recorder.metadata, "left": recorder.time_remaining}))

asyncio.run(main())
"""
    proc = subprocess.run([sys.executable, "-c", code, ROOT, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip(), proc.stderr
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    md = dict(doc["md"])
    assert doc["rc"] == 1, proc.stderr  # InvalidParamsError (INVALID_ARGUMENT, read as HTTP+JSON reads it)
    assert "InvalidParamsError" in proc.stderr
    assert md["a2a-version"] == "1.0"
    assert md["a2a-extensions"] == "urn:x:ext"
    assert md["authorization"] == "Bearer tok-123"
    assert md["x-trace"] == "abc"
    assert 0 < doc["left"] <= 30  # --timeout is the call's gRPC deadline


# ------------------------------------------------------------------------------------------------ resume


def test_a_cut_grpc_stream_resubscribes_and_shows_every_word_once(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(grpc_port=0, delay=0.05) as url:
        host, port = grpc_target(url).rsplit(":", 1)
        with CuttingGrpcProxy((host, int(port)), cuts=1, after=2500) as proxy:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                card = grpc_card(Path(tmp) / "card.json", proxy.target)
                code, out, err = _run(capsys, "stream", "hello", "-a", card, "-o", "json")
            assert proxy.cut_done == 1
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    chunks = [e["artifactUpdate"] for e in events if "artifactUpdate" in e]
    text = "".join(p["text"] for c in chunks for p in c["artifact"]["parts"])
    assert text == TUTORIAL_REPLY  # every word once, none repeated
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


# ------------------------------------------------------------------------------------------------ bad input


def test_a_grpc_url_that_is_really_http_1_1_is_unreachable_exit_3(agent: str, tmp_path: Path) -> None:
    card = grpc_card(tmp_path / "card.json", agent.removeprefix("http://"))
    proc = subprocess.run(
        [sys.executable, "-m", "a2acli", "send", "hello", "-a", card], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3, proc.stderr
    assert "is not a gRPC endpoint: it answered HTTP/1.x" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("mode", "exit_code", "words"),
    [
        ("status:99", 1, ["A2ACLI_ERR_INTERNAL", "error code 2,"]),  # grpcio reads an undefined code as UNKNOWN
        ("status:13", 1, ["[InternalError]"]),
        ("cut", 3, ["broke off", "A2ACLI_ERR_UNREACHABLE"]),
        ("garbage", 1, ["is not an A2A StreamResponse", "[InvalidAgentResponseError]"]),
    ],
)
def test_hostile_grpc_servers_get_the_spec_error_and_exit_status(
    mode: str, exit_code: int, words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with hostile_grpc(mode) as server:
        card = grpc_card(tmp_path / "card.json", server.target)
        code, _, err = _run(capsys, "send", "hello", "-a", card)
    assert code == exit_code, err
    assert all(w in err for w in words), err
    assert "Traceback" not in err


def test_an_oversized_grpc_message_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.environ["A2ACLI_MAX_EVENT_BYTES"] = "65536"
    try:
        with hostile_grpc("big:200000") as server:
            card = grpc_card(tmp_path / "card.json", server.target)
            code, _, err = _run(capsys, "stream", "hello", "-a", card, "-o", "json")
    finally:
        del os.environ["A2ACLI_MAX_EVENT_BYTES"]
    assert code == 1, err
    assert "InvalidAgentResponseError" in err and "65536-byte limit" in err and "Traceback" not in err


def test_a_silent_grpc_stream_times_out_exit_5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.environ["A2ACLI_READ_TIMEOUT"] = "1"
    try:
        with hostile_grpc("stall") as server:
            card = grpc_card(tmp_path / "card.json", server.target)
            code, out, err = _run(capsys, "stream", "hello", "-a", card, "-o", "json", "--timeout", "4")
    finally:
        del os.environ["A2ACLI_READ_TIMEOUT"]
    assert code == 5, err  # silence is a drop, as on the other bindings: resubscribed until --timeout
    assert "silent for 1s" in err and "Traceback" not in err
    assert json.loads(out.splitlines()[0])["task"]["id"] == "t-1"  # what came first is shown


def test_tls_mismatch_both_ways_is_unreachable_exit_3(
    agent: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # TLS client -> plaintext gRPC server
    card = grpc_card(tmp_path / "card.json", "grpcs://" + grpc_target(agent))
    code, _, err = _run(capsys, "send", "hello", "-a", card)
    assert code == 3 and "TLS handshake with" in err and "Traceback" not in err, err
    # plaintext client -> TLS gRPC server
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_pem, key_pem, ca_pem = tmp_path / "c.pem", tmp_path / "k.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_pem))
    cert.private_key_pem.write_to_path(str(key_pem))
    ca.cert_pem.write_to_path(str(ca_pem))
    with demo_agent(grpc_port=0, tls_cert=str(cert_pem), tls_key=str(key_pem)) as url:
        target = grpc_target(url)
        card = grpc_card(tmp_path / "tls.json", target)
        code, _, err = _run(capsys, "send", "hello", "-a", card)
        assert code == 3 and "Traceback" not in err, err
        code, out, err = _run(capsys, "send", "hello", "-a", card, "--cacert", str(ca_pem), "-o", "json")
    assert code == 0, err
    assert json.loads(out)["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_timeout_is_the_deadline_exit_5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(grpc_port=0, delay=1.0) as url:
        code, _, err = _run(capsys, "send", "hello", "-a", url, "--transport", "GRPC", "--timeout", "1")
    assert code == 5 and "--timeout expired" in err and "Traceback" not in err, err


# ------------------------------------------------------------------------------------------------ without grpc


def _without_grpc(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`a2a ARGS` as if grpcio were not installed: its import fails and its spec is not found."""
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "NO_COLOR": "1"}
    shim = tmp_path / "sitecustomize.py"
    shim.write_text(
        "import importlib.util, sys\n"
        "_find = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name.split('.')[0] == 'grpc' else _find(name, *a)\n"
        "sys.modules['grpc'] = None\n"
    )
    return subprocess.run([sys.executable, "-m", "a2acli", *args], capture_output=True, text=True, timeout=60, env=env)


def test_without_the_extra_explicit_grpc_and_grpc_only_agents_name_it(agent: str, tmp_path: Path) -> None:
    proc = _without_grpc(tmp_path, "send", "hello", "-a", agent, "--transport", "GRPC")
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'a2acli[grpc]'" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    only = grpc_card(tmp_path / "only.json", grpc_target(agent))
    proc = _without_grpc(tmp_path, "send", "hello", "-a", only)
    assert proc.returncode != 0 and "pip install 'a2acli[grpc]'" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    both = grpc_card(
        tmp_path / "both.json",
        grpc_target(agent),
        extra=[{"url": agent + "/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
    )
    proc = _without_grpc(tmp_path, "send", "hello", "-a", both, "-o", "json")
    assert proc.returncode == 0, proc.stderr  # GRPC first, but not installed: the card's next interface
    assert json.loads(proc.stdout)["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["help"], ["completion", "bash"], ["send", "--help"], ["serve", "--help"]],
)
def test_fast_paths_do_not_import_grpc(args: list[str]) -> None:
    code = f"import sys; from a2acli.cli import run; run({args!r}); print('grpc' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "False", proc.stdout + proc.stderr


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
def test_json_rpc_and_http_json_runs_do_not_import_grpc(agent: str, binding: str) -> None:
    code = (
        "import sys; from a2acli.cli import run; "
        f"rc = run(['send', 'hi', '-a', {agent!r}, '--transport', {binding!r}, '-o', 'json']); "
        "print(rc, 'grpc' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "0 False", proc.stdout + proc.stderr


def test_the_table_names_every_0_3_rpc_of_the_compat_proto() -> None:
    from a2a.compat.v0_3 import a2a_v0_3_pb2

    from a2acli.client import operations as ops

    service = a2a_v0_3_pb2.DESCRIPTOR.services_by_name["A2AService"]
    assert service.full_name == ops.GRPC_SERVICE_V03
    declared = {op.grpc.method_v03 for op in ops.OPERATIONS.values()} - {None}
    assert declared == {m.name for m in service.methods}
    assert ops.LIST_TASKS.grpc.method_v03 is None  # 0.3 has no ListTasks


def test_card_validate_live_probes_the_grpc_interfaces(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "card", "validate", agent, "--live", "-o", "json")
    assert code == 0, out + err
    findings = json.loads(out)["findings"]
    grpc_findings = [f["message"] for f in findings if f["message"].startswith("GRPC ")]
    assert any(m.startswith("GRPC 1.0 at 127.0.0.1:") and "answers as an A2A endpoint" in m for m in grpc_findings)
    assert any(m.startswith("GRPC 0.3 at 127.0.0.1:") and "answers as an A2A endpoint" in m for m in grpc_findings)
    assert all(f["code"] == "AC100" for f in findings), findings


def test_mutual_tls_over_grpc_presents_the_client_certificate(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server, client, stranger = ca.issue_cert("127.0.0.1"), ca.issue_cert("me@example"), trustme.CA().issue_cert("x")
    files = {}
    for name, cert in (("server", server), ("client", client), ("stranger", stranger)):
        cert.cert_chain_pems[0].write_to_path(str(tmp_path / f"{name}.pem"))
        cert.private_key_pem.write_to_path(str(tmp_path / f"{name}.key"))
        (tmp_path / f"{name}.key").chmod(0o600)
        files[name] = (str(tmp_path / f"{name}.pem"), str(tmp_path / f"{name}.key"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    tls = {"tls_cert": files["server"][0], "tls_key": files["server"][1], "client_ca": str(tmp_path / "ca.pem")}
    results = []
    with demo_agent(grpc_port=0, **tls) as url:
        card = grpc_card(tmp_path / "card.json", grpc_target(url))
        for who in (None, "client", "stranger"):
            identity = ["--cert", files[who][0], "--key", files[who][1]] if who else []
            cacert = ["--cacert", str(tmp_path / "ca.pem")]
            proc = subprocess.run(
                [sys.executable, "-m", "a2acli", "send", "hi", "-a", card, *cacert, *identity],
                capture_output=True,
                text=True,
                timeout=60,
            )
            results.append((proc.returncode, proc.stderr))
    assert results[1][0] == 0, results[1][1]
    assert results[0][0] == 4 and "requires a client certificate" in results[0][1], results[0][1]
    assert results[2][0] == 4 and "refused the client certificate" in results[2][1], results[2][1]
    for _, err in results:
        assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err  # no gRPC core log lines


def test_tls_is_the_default_off_loopback_and_insecure_turns_it_off(capsys: pytest.CaptureFixture[str]) -> None:
    from a2acli.client.grpc_wire import channel_credentials, parse_target
    from a2acli.settings import ConnectionSettings

    plain, insecure = ConnectionSettings(), ConnectionSettings(insecure=True)
    assert parse_target("agent.example.com:443") == ("agent.example.com:443", None)
    assert parse_target("grpcs://127.0.0.1:50051") == ("127.0.0.1:50051", True)
    assert parse_target("grpc://agent.example.com:50051/") == ("agent.example.com:50051", False)
    assert channel_credentials("agent.example.com:443", None, plain) is not None  # TLS off loopback
    assert channel_credentials("[2001:db8::1]:443", None, plain) is not None
    assert channel_credentials("127.0.0.1:50051", None, plain) is None  # plaintext on loopback
    assert channel_credentials("[::1]:50051", None, plain) is None
    assert channel_credentials("agent.example.com:443", None, insecure) is None  # --insecure: plaintext
    # ... and --insecure is said on stderr by every command that honours it
    code = run(["task", "get", "t", "-a", "http://127.0.0.1:9", "--insecure", "--transport", "GRPC"])
    assert code == 3 and "--insecure" in capsys.readouterr().err


def test_task_subscribe_over_grpc_follows_a_running_task(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(grpc_port=0, delay=0.2) as url:
        t = ("-a", url, "--transport", "GRPC")
        code, out, err = _run(capsys, "send", "hello", *t, "--async", "-o", "json")
        assert code == 0, err
        task_id = json.loads(out)["task"]["id"]
        code, out, err = _run(capsys, "task", "subscribe", task_id, *t, "--stream", "-o", "json")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["task"]["id"] == task_id  # SubscribeToTask: the task as it is now first
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    text = "".join(p["text"] for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"])
    assert TUTORIAL_REPLY.endswith(text) and text  # the words still to come, each once


def test_a_request_the_agent_finds_too_large_is_its_refusal_not_ours(tmp_path: Path) -> None:
    with demo_agent(grpc_port=0, max_body_bytes=2048) as url:
        proc = subprocess.run(
            [sys.executable, "-m", "a2acli", "send", "x" * 5000, "-a", url, "--transport", "GRPC"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1, proc.stderr
    assert "the agent refused the request as too large" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("scenario", ["fail", "reject", "input-required"])
def test_scenarios_end_the_same_over_grpc_and_json_rpc(
    agent: str, scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outs = {}
    for binding in ("JSONRPC", "GRPC"):
        code, out, err = _run(capsys, "send", f"/scenario {scenario}", "-a", agent, "--transport", binding)
        outs[binding] = (code, _masked(out), _masked(err))
    assert outs["GRPC"] == outs["JSONRPC"]
    assert "State: " in outs["GRPC"][1]
