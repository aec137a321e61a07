"""Streams that survive: the demo agent behind a proxy that cuts the event stream mid-task."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from a2acli.agent.options import TUTORIAL_REPLY
from a2acli.client.resume import ResumeNotice, ResumePolicy, StreamLedger, resilient_events
from a2acli.settings import ConnectionSettings
from tests.support.agent import demo_agent
from tests.test_resume_proxy import cutting_proxy

FAST = ResumePolicy(base_delay=0.05, max_delay=0.2, poll_interval=0.05, max_poll_interval=0.2, timeout=30)


def message(text: str = "hello") -> dict[str, Any]:
    return {"message": {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]}}


def words_seen(events: list[dict[str, Any]]) -> tuple[str, list[bool]]:
    """The text a renderer shows (append extends, a fresh artifact starts), and the append flags in order."""
    text: dict[str, str] = {}
    appends: list[bool] = []
    for event in events:
        update = event.get("artifactUpdate")
        if not update:
            continue
        aid = update["artifact"]["artifactId"]
        chunk = "".join(p.get("text", "") for p in update["artifact"]["parts"])
        appends.append(bool(update.get("append")))
        text[aid] = text.get(aid, "") + chunk if update.get("append") else chunk
    return "".join(text.values()), appends


def final_state(events: list[dict[str, Any]]) -> str:
    last = events[-1]
    status = (last.get("statusUpdate") or last.get("task") or {}).get("status", {})
    return str(status.get("state"))


async def collect(base: str, cuts_stream: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], list[ResumeNotice]]:
    from a2acli.client.connection import open_connection

    notices: list[ResumeNotice] = []
    async with open_connection(ConnectionSettings(agent_card=base)) as conn:
        events = [
            e
            async for e in resilient_events(
                lambda: cuts_stream(conn), conn, policy=FAST, on_notice=notices.append, rng=random.Random(7), **kwargs
            )
        ]
    return events, notices


@pytest.mark.parametrize("cuts", [[3], [2, 4, 3]])
def test_a_cut_stream_resubscribes_and_shows_every_word_once(cuts: list[int]) -> None:
    with cutting_proxy(cuts) as proxy, demo_agent(delay=0.03, public_url=proxy.url) as base:
        host, port = base.removeprefix("http://").split(":")
        proxy.upstream = (host, int(port))
        events, notices = asyncio.run(collect(proxy.url, lambda conn: conn.stream_message(message())))
    text, appends = words_seen(events)
    assert text == TUTORIAL_REPLY
    assert appends[0] is False and all(appends[1:])  # one artifact, never re-sent whole
    assert final_state(events) == "TASK_STATE_COMPLETED"
    assert proxy.cut_done == len(cuts)
    assert [n.kind for n in notices].count("dropped") == len(cuts)
    assert all(n.task_id for n in notices)


def test_when_the_task_ends_during_the_gap_the_final_state_comes_from_get_task() -> None:
    # delay=0: the task finishes before the resubscribe; SubscribeToTask answers UnsupportedOperationError
    # (terminal task), so the wrapper reads the task once and shows only the missing words.
    with cutting_proxy([3]) as proxy, demo_agent(delay=0, public_url=proxy.url) as base:
        host, port = base.removeprefix("http://").split(":")
        proxy.upstream = (host, int(port))
        events, notices = asyncio.run(collect(proxy.url, lambda conn: conn.stream_message(message())))
    text, appends = words_seen(events)
    assert text == TUTORIAL_REPLY
    assert appends[0] is False and all(appends[1:])
    assert final_state(events) == "TASK_STATE_COMPLETED"
    assert [n.kind for n in notices] == ["dropped", "resubscribed", "polling"]


def test_a_drop_before_any_task_id_is_reported_not_retried() -> None:
    from a2acli.errors import UnreachableError

    with cutting_proxy([0]) as proxy, demo_agent(delay=0, public_url=proxy.url) as base:
        host, port = base.removeprefix("http://").split(":")
        proxy.upstream = (host, int(port))
        with pytest.raises(UnreachableError, match="before the agent named a task"):
            asyncio.run(collect(proxy.url, lambda conn: conn.stream_message(message())))


def test_giving_up_names_the_resume_command() -> None:
    from a2acli.errors import UnreachableError

    with cutting_proxy([3, 0, 0, 0, 0]) as proxy, demo_agent(delay=0.05, public_url=proxy.url) as base:
        host, port = base.removeprefix("http://").split(":")
        proxy.upstream = (host, int(port))

        async def run() -> None:
            from a2acli.client.connection import open_connection

            policy = ResumePolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, timeout=20)
            async with open_connection(ConnectionSettings(agent_card=proxy.url)) as conn:
                async for _ in resilient_events(
                    lambda: conn.stream_message(message()),
                    conn,
                    policy=policy,
                    resume_command=lambda tid: f"a2a task subscribe {tid} -a {proxy.url}",
                ):
                    pass

        with pytest.raises(UnreachableError) as info:
            asyncio.run(run())
    assert "could not be resumed after 4 attempt(s)" in info.value.message
    assert info.value.hint is not None and info.value.hint.startswith("a2a task subscribe ")
    assert info.value.hint.endswith(f"-a {proxy.url}")


def test_ledger_reconciles_snapshots_without_repeating() -> None:
    book = StreamLedger()
    book.observe({"task": {"id": "t", "contextId": "c", "status": {"state": "TASK_STATE_SUBMITTED"}}})
    book.observe(
        {
            "artifactUpdate": {
                "taskId": "t",
                "contextId": "c",
                "artifact": {"artifactId": "a", "parts": [{"text": "He"}]},
            }
        }
    )
    snapshot = {
        "id": "t",
        "contextId": "c",
        "status": {"state": "TASK_STATE_WORKING"},
        "artifacts": [
            {"artifactId": "a", "parts": [{"text": "He"}, {"text": "llo"}]},
            {"artifactId": "b", "name": "new", "parts": [{"data": {"k": 1}}]},
        ],
    }
    deltas = book.reconcile(snapshot)
    assert deltas == [
        {
            "artifactUpdate": {
                "taskId": "t",
                "contextId": "c",
                "artifact": {"artifactId": "a", "parts": [{"text": "llo"}]},
                "append": True,
                "lastChunk": False,
            }
        },
        {
            "artifactUpdate": {
                "taskId": "t",
                "contextId": "c",
                "artifact": {"artifactId": "b", "name": "new", "parts": [{"data": {"k": 1}}]},
                "append": False,
                "lastChunk": False,
            }
        },
        {"statusUpdate": {"taskId": "t", "contextId": "c", "status": {"state": "TASK_STATE_WORKING"}}},
    ]
    assert book.reconcile(snapshot) == []  # the same snapshot twice adds nothing
    # An agent that concatenates text into one part instead of appending parts.
    merged = {**snapshot, "artifacts": [{"artifactId": "a", "parts": [{"text": "Hello, world"}]}]}
    delta = book.reconcile(merged)
    assert delta[0]["artifactUpdate"]["artifact"]["parts"] == [{"text": ", world"}]
    assert delta[0]["artifactUpdate"]["append"] is True


def _chunk(text: str, *, append: bool = True, aid: str = "a") -> dict[str, Any]:
    return {
        "artifactUpdate": {
            "taskId": "t",
            "contextId": "c",
            "artifact": {"artifactId": aid, "parts": [{"text": text}]},
            "append": append,
        }
    }


def _snapshot(*texts: str) -> dict[str, Any]:
    return {
        "id": "t",
        "contextId": "c",
        "status": {"state": "TASK_STATE_WORKING"},
        "artifacts": [{"artifactId": "a", "parts": [{"text": t} for t in texts]}],
    }


def _fed(snapshot: dict[str, Any], *events: dict[str, Any], end: bool = True) -> list[str]:
    from a2acli.client.resume import SnapshotOverlap

    overlap = SnapshotOverlap()
    overlap.arm(snapshot)
    out: list[dict[str, Any]] = []
    for event in events:
        out.extend(overlap.feed(event))
    if end:
        out.extend(overlap.flush())
    return [e["artifactUpdate"]["artifact"]["parts"][0]["text"] if "artifactUpdate" in e else "<status>" for e in out]


def test_live_chunks_that_repeat_the_snapshot_tail_are_dropped() -> None:
    snap = _snapshot("Hello ", "I'm ", "streaming ")
    assert _fed(snap, _chunk("streaming "), _chunk("this ")) == ["this "]  # one repeat (seen with sqlite)
    assert _fed(snap, _chunk("I'm "), _chunk("streaming "), _chunk("this ")) == ["this "]  # two repeats
    assert _fed(snap, _chunk("this "), _chunk("response ")) == ["this ", "response "]  # no repeat
    assert _fed(_snapshot("Hello "), _chunk("Hello ", append=False), _chunk("world")) == ["world"]  # first chunk
    # Held as a possible repeat, then the stream moves on: released in order, nothing lost.
    assert _fed(snap, _chunk("I'm "), _chunk("here")) == ["I'm ", "here"]
    assert _fed(snap, _chunk("I'm ")) == ["I'm "]  # unconfirmed at the end of the stream: released
    status = {"statusUpdate": {"taskId": "t", "contextId": "c", "status": {"state": "TASK_STATE_COMPLETED"}}}
    assert _fed(snap, _chunk("I'm "), status) == ["I'm ", "<status>"]
    assert _fed(snap, _chunk("x", aid="b"), _chunk("streaming ")) == ["x"]  # another artifact passes


def test_ledger_drops_a_replayed_artifact_up_to_what_was_shown() -> None:
    """After a drop, an agent that starts the artifact over (`append=false` with a prefix of what is on screen,
    then the next chunks) passes on only the text beyond what the caller saw, as appends."""

    def chunk(text: str, append: bool) -> dict[str, Any]:
        artifact = {"artifactId": "a", "name": "answer", "parts": [{"text": text}]}
        return {"artifactUpdate": {"taskId": "t", "contextId": "c", "artifact": artifact, "append": append}}

    book = StreamLedger()
    book.observe({"task": {"id": "t", "contextId": "c", "status": {"state": "TASK_STATE_WORKING"}}})
    book.observe(chunk("Hello wor", False))
    assert book.unseen(chunk("Hello wor", False)) is None  # the same chunk again
    assert book.unseen(chunk("Hel", False)) is None  # a replay from the start ...
    assert book.unseen(chunk("lo w", True)) is None  # ... still inside what was shown
    rest = book.unseen(chunk("orld!", True))  # ... and past it: only the new text, appended
    assert rest is not None and rest["artifactUpdate"]["append"] is True
    assert rest["artifactUpdate"]["artifact"]["parts"] == [{"text": "ld!"}]
    book.observe(rest)
    assert book.unseen(chunk(" More.", True)) == chunk(" More.", True)  # after the replay: live as it comes
    assert book.unseen(chunk("Something else", False)) == chunk("Something else", False)  # a new version, whole
