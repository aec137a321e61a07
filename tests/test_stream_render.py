"""The pure renderers, without a terminal: text floor per event, follow-up commands, task accumulation."""

from __future__ import annotations

import re

from a2acli.render.events import CommandContext, TextFloor, file_summary, next_commands, short_state
from a2acli.render.task import TaskAccumulator, render_task

IDS = {"taskId": "t-1", "contextId": "c-1"}


def _chunk(text: str, *, append: bool, last: bool = False, aid: str = "a") -> dict[str, object]:
    update: dict[str, object] = {
        **IDS,
        "artifact": {"artifactId": aid, "name": "story", "parts": [{"text": text}]},
        "append": append,
    }
    if last:
        update["lastChunk"] = True
    return {"artifactUpdate": update}


def _check_floor(text: str) -> None:
    """Every line is a `Label: value` field or inside a block that a blank line closes; no control bytes."""
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    in_block = False
    for line in text.splitlines():
        if in_block:
            in_block = line != ""
            continue
        if re.fullmatch(r"(Artifact|Data): .*", line) or line == "Message:":
            in_block = True
            continue
        assert re.fullmatch(r"[A-Z][A-Za-z ]*: .+", line), line


def test_chunks_grow_one_block_closed_before_the_next_field() -> None:
    floor = TextFloor(commands=CommandContext("agent.test"))
    out = floor.render({"task": {"id": "t-1", "contextId": "c-1", "status": {"state": "TASK_STATE_SUBMITTED"}}})
    out += floor.render(_chunk("Once ", append=False))
    out += floor.render(_chunk("upon\x1b[2J a ", append=True))
    out += floor.render(_chunk("time.", append=True, last=True))
    out += floor.render({"statusUpdate": {**IDS, "status": {"state": "TASK_STATE_COMPLETED"}}})
    out += floor.finish()
    assert "Artifact: story\nOnce upon a time.\n\nState: COMPLETED\n" in out
    assert out.endswith(
        "Task ID: t-1\nContext ID: c-1\nState: COMPLETED\nContinue: a2a send -a agent.test --context-id c-1 "
        "'<next message>'\n"
    )
    _check_floor(out)


def test_a_status_between_chunks_closes_the_block() -> None:
    floor = TextFloor()
    out = floor.render(_chunk("half", append=False))
    out += floor.render(
        {
            "statusUpdate": {
                **IDS,
                "status": {"state": "TASK_STATE_WORKING", "message": {"parts": [{"text": "thinking"}]}},
            }
        }
    )
    out += floor.render(_chunk(" more", append=True))
    out += floor.finish()
    assert "Artifact: story\nhalf\n\nState: WORKING\nMessage:\nthinking\n\nArtifact: story\n more\n\n" in out
    _check_floor(out)


def test_data_file_and_message_parts() -> None:
    floor = TextFloor()
    out = floor.render(
        {
            "artifactUpdate": {
                **IDS,
                "artifact": {
                    "artifactId": "d",
                    "name": "result",
                    "parts": [
                        {"data": {"k": [1, 2]}},
                        {"raw": "aGVsbG8=", "filename": "h.txt", "mediaType": "text/plain"},
                        {"url": "https://x.test/f.pdf", "mediaType": "application/pdf"},
                    ],
                },
            }
        }
    )
    assert 'Data: result\n{\n  "k": [\n    1,\n    2\n  ]\n}\n\n' in out
    assert "File: h.txt (text/plain, 5 bytes)\n" in out
    assert "File: https://x.test/f.pdf (application/pdf)\n" in out
    message = TextFloor().render({"message": {"messageId": "m", "contextId": "c", "parts": [{"text": "hi"}]}})
    assert message == "Context ID: c\nMessage ID: m\nMessage:\nhi\n\n"
    _check_floor(out + message)


def test_next_commands_by_state() -> None:
    ctx = CommandContext()
    assert next_commands(ctx, "t", "c", "TASK_STATE_INPUT_REQUIRED") == [("Reply", "a2a send --task-id t '<reply>'")]
    running = dict(next_commands(ctx, "t", "c", "TASK_STATE_WORKING"))
    assert running == {"Resume": "a2a task subscribe t", "Poll": "a2a task get t --wait"}
    assert next_commands(ctx, "t", "c", "TASK_STATE_FAILED") == [
        ("Continue", "a2a send --context-id c '<next message>'")
    ]
    assert next_commands(CommandContext("http://h:1/a b"), "t; rm", None, None)[0][1] == (
        "a2a task subscribe -a 'http://h:1/a b' 't; rm'"
    )


def test_short_state_and_sizes() -> None:
    assert short_state("TASK_STATE_AUTH_REQUIRED") == "AUTH_REQUIRED"
    assert short_state("weird\x1b[31m") == "weird"
    assert short_state(None) == "UNKNOWN"
    assert file_summary({"raw": "YQ=="}) == "(unnamed file) (1 bytes)"


def test_accumulator_rebuilds_the_task_in_linear_time() -> None:
    acc = TaskAccumulator()
    acc.apply({"task": {"id": "t-1", "contextId": "c-1", "status": {"state": "TASK_STATE_SUBMITTED"}}})
    for i in range(5000):
        acc.apply(_chunk(f"w{i} ", append=i > 0))
    acc.apply(_chunk("other", append=False, aid="b"))
    acc.apply({"statusUpdate": {**IDS, "status": {"state": "TASK_STATE_COMPLETED"}}})
    result = acc.result()
    assert result is not None
    task = result["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert [a["artifactId"] for a in task["artifacts"]] == ["a", "b"]
    assert task["artifacts"][0]["parts"] == [{"text": "".join(f"w{i} " for i in range(5000))}]
    text = render_task(task)
    assert "State: COMPLETED" in text and "w4999" in text
    _check_floor(text)


def test_turn_notices_read_as_one_line_each_and_only_a_saved_file_is_data() -> None:
    from a2acli.render import notices as n

    lines: list[tuple[n.Notice, str]] = [  # pairs: named tuples of equal fields compare equal across types
        (n.StreamDropped("reset", 0.25), "note: the stream dropped (reset); reconnecting in 0.2s"),
        (n.PollingInstead("Unsupported"), "note: cannot resubscribe (Unsupported); polling the task instead"),
        (n.Resubscribed("t-1"), "debug: resubscribed to task t-1"),
        (n.CancelRequested("t-1"), "note: asked the agent to cancel task t-1"),
        (n.PushReceiving("http://127.0.0.1:9/x"), "note: receiving push notifications on http://127.0.0.1:9/x"),
        (n.ArtifactSaved("out/a.txt", "text/plain", 3), "Saved: out/a.txt (text/plain, 3 bytes)"),
        (n.NothingToDownload(), "note: --download: the agent replied with a message, there are no artifacts to save"),
    ]
    for notice, line in lines:
        assert n.notice_lines(notice, json_output=False) == [line]
        assert n.is_result(notice, json_output=False) == isinstance(notice, n.ArtifactSaved)
        assert not n.is_result(notice, json_output=True)
    assert n.notice_lines(n.ForeignEvents("x" * 200), json_output=True)[0].count("x") == 80
    assert n.notice_lines(n.NotStreaming(), json_output=True)[0].startswith("warning: the agent does not advertise")


def test_the_outcome_warns_about_unhappy_and_waiting_states_and_json_gets_the_next_step() -> None:
    from a2acli.render.notices import Outcome, notice_lines

    assert notice_lines(Outcome("t", "TASK_STATE_COMPLETED", "", ("a2a send …",)), json_output=True) == []
    assert notice_lines(Outcome("t", "TASK_STATE_FAILED", " boom \n"), json_output=False) == [
        "warning: the task ended FAILED: boom"
    ]
    waiting = Outcome("t", "TASK_STATE_INPUT_REQUIRED", "", ("a2a send --task-id t '<reply>'",))
    assert notice_lines(waiting, json_output=False) == [
        "warning: the agent is waiting: INPUT_REQUIRED — reply with --task-id t"
    ]
    assert notice_lines(waiting, json_output=True)[1] == "next: a2a send --task-id t '<reply>'"
