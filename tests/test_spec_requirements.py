"""SPEC requirements no other test asserted on its own, against the real demo agent (evidence for the report).

Each test names the requirement it proves; `tests/compliance/requirements.py` maps it into
`docs/compliance-report.yaml`.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli as _run

ROOT = Path(__file__).resolve().parent.parent


def _task(out: str) -> dict[str, Any]:
    task: dict[str, Any] = json.loads(out)["task"]
    return task


def _listed(capsys: pytest.CaptureFixture[str], agent: str, *args: str) -> list[dict[str, Any]]:
    code, out, err = _run(capsys, "task", "list", "-a", agent, "-o", "json", *args)
    assert code == 0, err
    tasks: list[dict[str, Any]] = json.loads(out)["tasks"]
    return tasks


def test_context_id_continues_the_interaction_in_a_new_task(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A2ACLI_INTERACT_001: --context-id puts the next message in the same context; the agent starts a new task."""
    code, out, err = _run(capsys, "send", "first", "-a", agent, "-o", "json")
    assert code == 0, err
    first = _task(out)
    code, out, err = _run(capsys, "send", "second", "-a", agent, "--context-id", first["contextId"], "-o", "json")
    assert code == 0, err
    second = _task(out)
    assert second["contextId"] == first["contextId"] and second["id"] != first["id"]
    assert second["history"][0]["contextId"] == first["contextId"]
    ids = {t["id"] for t in _listed(capsys, agent, "--context-id", first["contextId"])}
    assert ids == {first["id"], second["id"]}


def test_task_id_with_its_context_continues_and_a_mismatch_starts_nothing(
    agent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A2ACLI_INTERACT_002: --task-id with the task's own --context-id continues it; a mismatched pair fails
    non-zero with the agent's protocol error, pointing at --debug, and no task is created."""
    code, out, err = _run(capsys, "send", "/scenario input-required", "-a", agent, "-o", "json")
    assert code == 0, err
    waiting = _task(out)
    assert waiting["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"
    before = len(_listed(capsys, agent))

    code, out, err = _run(
        capsys, "send", "go on", "-a", agent, "--task-id", waiting["id"], "--context-id", "ctx-of-another", "-o", "json"
    )
    assert code == 1
    error = json.loads(out)["error"]
    assert error["code"] == "InvalidParamsError" and error["a2aCode"] == -32602
    assert "--debug" in error["hint"] and "[InvalidParamsError]" in err
    assert len(_listed(capsys, agent)) == before
    assert _listed(capsys, agent, "--context-id", "ctx-of-another") == []

    code, out, err = _run(
        capsys, "send", "go on", "-a", agent, "--task-id", waiting["id"], "--context-id", waiting["contextId"]
    )
    assert code == 0, err
    assert f"Task ID: {waiting['id']}\n" in out and "State: COMPLETED\n" in out
    assert len(_listed(capsys, agent)) == before


def _sent_messages(debug_err: str) -> list[dict[str, Any]]:
    """The `message` of every request body the --debug wire log shows going out."""
    messages: list[dict[str, Any]] = []
    for line in debug_err.splitlines():
        if line.startswith("debug: > {"):
            body = json.loads(line.removeprefix("debug: > "))
            if "message" in body.get("params", {}):
                messages.append(body["params"]["message"])
    return messages


def test_a_new_message_carries_no_invented_ids(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A2ACLI_INTERACT_003: a message that starts an interaction names no task or context (the agent assigns
    them), and a --context-id follow-up carries that context only, no task id."""
    code, out, err = _run(capsys, "send", "hello", "-a", agent, "-o", "json", "--debug")
    assert code == 0, err
    [message] = _sent_messages(err)
    assert "taskId" not in message and "contextId" not in message and message["messageId"]
    task = _task(out)

    code, out, err = _run(capsys, "send", "again", "-a", agent, "--context-id", task["contextId"], "--debug")
    assert code == 0, err
    [message] = _sent_messages(err)
    assert message["contextId"] == task["contextId"] and "taskId" not in message


def test_nothing_of_a_turn_is_remembered(
    agent: str, capsys: pytest.CaptureFixture[str], isolated_env: Path, tmp_path: Path
) -> None:
    """A2ACLI_INTERACT_005: no --continue, and no file written anywhere the tool may write (home, config, cache,
    working directory) holds a task or context id to replay."""
    code, _, err = _run(capsys, "send", "--continue", "hi", "-a", agent)
    assert code == 2 and "[A2ACLI_ERR_USAGE]" in err
    ids: set[str] = set()
    for prompt in ("one", "/scenario input-required"):
        code, out, err = _run(capsys, "send", prompt, "-a", agent, "-o", "json")
        assert code == 0, err
        task = _task(out)
        ids |= {task["id"], task["contextId"]}
    written = [p for p in (*isolated_env.rglob("*"), *Path.cwd().rglob("*")) if p.is_file()]
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not any(i in text for i in ids), f"{path} records a task or context id"
    # A follow-up without ids is a new interaction, never the previous one resumed.
    code, out, err = _run(capsys, "send", "two", "-a", agent, "-o", "json")
    assert code == 0, err
    assert not {_task(out)["id"], _task(out)["contextId"]} & ids


def test_data_dash_reads_stdin_in_its_place(
    agent: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A2ACLI_SEND_006: `--data -` takes its JSON from stdin, at its own place among the ordered parts."""
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"from": "stdin", "n": [1, 2]}'))
    code, out, err = _run(
        capsys,
        "send",
        "-a",
        agent,
        "--text",
        "before",
        "--data",
        "-",
        "--text",
        "after",
        "--data",
        '{"k": 3}',
        "-o",
        "json",
    )
    assert code == 0, err
    sent = _task(out)["history"][0]["parts"]
    assert len(sent) == 4 and sent[0] == {"text": "before"} and sent[2] == {"text": "after"}
    assert sent[1]["data"] == {"from": "stdin", "n": [1, 2]} and sent[3]["data"] == {"k": 3}


def test_debug_logs_the_raw_wire_on_stderr_only(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A2ACLI_OUT_007 (and OUT_001): --debug writes the request and response exchanged on the wire to stderr,
    and stdout still holds the one JSON document, unchanged."""
    code, plain, _ = _run(capsys, "send", "hello", "-a", agent, "-o", "json")
    assert code == 0
    code, out, err = _run(capsys, "send", "hello", "-a", agent, "-o", "json", "--debug")
    assert code == 0, err
    assert set(json.loads(out)) == set(json.loads(plain)) == {"task"} and out.count("\n") == 1
    assert "debug:" not in out
    assert re.search(r"^debug: > POST http://127\.0\.0\.1:\d+/?$", err, re.M)
    assert "debug: > A2A-Version: 1.0" in err
    request = next(line for line in err.splitlines() if line.startswith("debug: > {"))
    assert json.loads(request.removeprefix("debug: > "))["params"]["message"]["parts"] == [{"text": "hello"}]
    task_id = json.loads(out)["task"]["id"]
    assert any(line.startswith("debug: < ") and task_id in line for line in err.splitlines())


def test_task_list_filters_by_context(agent: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A2ACLI_TASK_LIST_001: --context-id narrows the list to that context (status filter and cursor pages are
    test_task_commands.py's)."""
    code, out, err = _run(capsys, "send", "mine", "-a", agent, "-o", "json")
    assert code == 0, err
    mine = _task(out)
    code, out, err = _run(capsys, "send", "other", "-a", agent, "-o", "json")
    assert code == 0, err
    listed = _listed(capsys, agent, "--context-id", mine["contextId"])
    assert [t["id"] for t in listed] == [mine["id"]]
    assert {t["contextId"] for t in _listed(capsys, agent)} >= {mine["contextId"], _task(out)["contextId"]}


def test_auth_required_is_reported_and_resolved_with_the_task_id(
    agent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A2ACLI_AUTH_011: a task paused at AUTH_REQUIRED ends the turn with exit 0, names the state and the exact
    command to reply on the same task; the reply (with the credential) resumes and completes it."""
    code, out, err = _run(capsys, "send", "/scenario auth-required", "-a", agent)
    assert code == 0, err
    fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line and not line.startswith("Auth"))
    task_id = fields["Task ID"]
    assert fields["State"] == "AUTH_REQUIRED"
    assert fields["Reply"].startswith(f"a2a send -a {agent} --task-id {task_id} ")
    assert f"AUTH_REQUIRED — reply with --task-id {task_id}" in err
    code, out, err = _run(capsys, "send", "done", "-a", agent, "--task-id", task_id, "--bearer", "practice-token")
    assert code == 0, err
    assert f"Task ID: {task_id}\n" in out and "State: COMPLETED\n" in out


def _shipped_skills() -> list[str]:
    proc = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip("not a git checkout")
    return [p for p in proc.stdout.splitlines() if p.rsplit("/", 1)[-1] == "SKILL.md" and "node_modules" not in p]


def test_one_skill_that_defers_to_runtime_help() -> None:
    """A2ACLI_SKILL_001: exactly one Agent Skill, short, sending the agent to `a2a help` / `--help` instead of
    listing the command surface; its worked examples live in a references file."""
    assert _shipped_skills() == ["SKILL.md"]
    text = (ROOT / "SKILL.md").read_text(encoding="utf-8")
    front, body = text.removeprefix("---\n").split("\n---\n", 1)
    assert re.search(r"^name: \S+$", front, re.M) and re.search(r"^description: .{20,}$", front, re.M)
    assert "a2a help" in body and "--help" in body
    assert len(body.split()) < 600  # always loaded: token-efficient
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", body))
    assert len(options) < 12  # a handful of rules, not the options of every command
    assert "(docs/skill-examples.md)" in body and (ROOT / "docs" / "skill-examples.md").is_file()


def test_the_skill_does_not_restate_the_specification() -> None:
    """A2ACLI_SKILL_002: the skill says how to drive the tool, not which clause obliges it."""
    text = (ROOT / "SKILL.md").read_text(encoding="utf-8")
    assert not re.search(r"\b(MUST|SHALL|SHOULD|REQUIRED)\b", text)
    assert "§" not in text and not re.search(r"A2ACLI_[A-Z_]+_\d{3}", text)  # no requirement ids
    assert "SPEC" not in text and "COMPLIANCE" not in text


@pytest.mark.parametrize("command", [["send"], ["stream"], ["task", "get"], ["task", "push-config", "create"]])
def test_svc_param_is_never_presented_as_authentication(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A2ACLI_AUTH_001: --svc-param is the general service-parameter option, documented apart from --bearer and
    --api-key, never as a way to authenticate."""
    code, out, _ = _run(capsys, *command, "--help")
    assert code == 0
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "--svc-param" in line)
    end = next(i for i in range(start + 1, len(lines)) if re.match(r"[│|]\s+--", lines[i]) or "╰" in lines[i])
    help_text = " ".join(" ".join(lines[start:end]).replace("│", " ").split()).lower()
    assert "service parameter" in help_text
    assert not re.search(r"auth|credential|token|bearer|api.key|secret", help_text), help_text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in (line for line in readme.splitlines() if "--svc-param" in line):
        assert not re.search(r"authenticat|credential", line, re.I), line
