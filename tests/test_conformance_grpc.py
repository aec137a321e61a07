"""`a2a conformance`'s GRPC-* requirements (A2A §10, §5.4) against real gRPC agents: `a2a serve --grpc-port 0`
(all pass), a plain a2a-sdk 1.3 gRPC server (tests/interop/sdk_grpc/server.py) and an HTTP/2 peer that answers
every call with one wrong status code (tests/support/grpc_peers.py), which fails exactly the IDs that read it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from a2acli.cli import run
from a2acli.conformance import registry
from tests.support.agent import demo_agent
from tests.support.grpc_peers import grpc_card, hostile_grpc

SDK_GRPC_SERVER = Path(__file__).parent / "interop" / "sdk_grpc" / "server.py"
GRPC_IDS = {r.id for r in registry.REQUIREMENTS if r.id.startswith("GRPC-")}


def _json_run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = run(["conformance", *args, "-o", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _grpc_checks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in doc["checks"] if c["binding"] == "GRPC" and c["id"].startswith("GRPC-")}


def test_grpc_ids_are_the_tcks_musts_and_apply_to_grpc_only() -> None:
    assert {"GRPC-SVC-001", "GRPC-META-001", "GRPC-ERR-001", "GRPC-ERR-002", "GRPC-ERR-003"} == GRPC_IDS
    for rid in GRPC_IDS:
        assert registry.BY_ID[rid].applies == ("GRPC",)
        assert registry.BY_ID[rid].level == registry.Level.MUST


def test_a2a_serve_grpc_passes_every_grpc_id(capsys: pytest.CaptureFixture[str]) -> None:
    with demo_agent(protocol_versions="1.0", grpc_port=0) as url:
        code, doc, err = _json_run(capsys, "-a", url)
    assert code == 0, err
    grpc = _grpc_checks(doc)
    assert set(grpc) == GRPC_IDS
    assert {rid: c["status"] for rid, c in grpc.items()} == dict.fromkeys(GRPC_IDS, "pass"), grpc
    # the status codes were read, each named
    assert "TaskNotFoundError NOT_FOUND" in grpc["GRPC-ERR-002"]["reason"]
    assert "VersionNotSupportedError UNIMPLEMENTED" in grpc["GRPC-ERR-002"]["reason"]
    assert "TASK_NOT_FOUND" in grpc["GRPC-ERR-001"]["reason"]
    # and they stay on the gRPC interface: none runs on JSON-RPC or HTTP+JSON
    assert not [c for c in doc["checks"] if c["id"].startswith("GRPC-") and c["binding"] != "GRPC"]


def test_a_peer_answering_the_wrong_status_fails_the_status_ids(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # every call answered FAILED_PRECONDITION (9) without ErrorInfo: GetTask of an unknown task is not NOT_FOUND
    with hostile_grpc("status:9") as peer:
        card = grpc_card(tmp_path / "card.json", peer.target)
        code, doc, err = _json_run(capsys, "-a", card, "--only", "GRPC-ERR-001", "--only", "GRPC-ERR-002")
    assert code == 1
    grpc = _grpc_checks(doc)
    assert grpc["GRPC-ERR-002"]["status"] == "fail"
    assert "TaskNotFoundError should be gRPC NOT_FOUND, got FAILED_PRECONDITION" in grpc["GRPC-ERR-002"]["reason"]
    assert grpc["GRPC-ERR-001"]["status"] == "fail"
    assert "without a google.rpc.ErrorInfo" in grpc["GRPC-ERR-001"]["reason"]
    assert "GRPC-ERR-002" in err


def test_the_plain_a2a_sdk_grpc_server_fails_grpc_err_002_as_the_tck_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # the a2a-sdk 1.3's own GrpcHandler (`_ERROR_CODE_MAP`) sends ErrorInfo and NOT_FOUND / FAILED_PRECONDITION for
    # the task errors as A2A §5.4 says, but FAILED_PRECONDITION, not UNIMPLEMENTED, for
    # PushNotificationNotSupportedError, and serves a SendMessage that says `a2a-version: 99.0` as if it were 1.0:
    # GRPC-ERR-002 fails on those two (as the TCK's GRPC-ERR-002 does on this server), VER-SERVER-002 with it
    proc = subprocess.Popen(
        [sys.executable, str(SDK_GRPC_SERVER), "1.0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        card = tmp_path / "card.json"
        card.write_text(proc.stdout.readline())
        code, doc, err = _json_run(capsys, "-a", str(card))
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert code == 1
    failing = {c["id"] for c in doc["checks"] if c["status"] == "fail"}
    assert failing == {"GRPC-ERR-002", "VER-SERVER-002"}, err
    grpc = _grpc_checks(doc)
    reason = grpc["GRPC-ERR-002"]["reason"]
    assert reason.startswith("VersionNotSupportedError: expected an error, but the agent answered"), reason
    assert "PushNotificationNotSupportedError should be gRPC UNIMPLEMENTED, got FAILED_PRECONDITION" in reason
    assert "TaskNotFoundError" not in reason and "TaskNotCancelableError" not in reason
    for rid in ("GRPC-SVC-001", "GRPC-META-001", "GRPC-ERR-001", "GRPC-ERR-003"):
        assert grpc[rid]["status"] == "pass", rid
