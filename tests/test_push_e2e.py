"""Push notifications end to end: the demo agent POSTs to our receiver (in-process and `a2a push listen`)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

from a2acli.agent.options import TUTORIAL_REPLY
from a2acli.push.session import PushPolicy, follow_push, push_session
from a2acli.settings import ConnectionSettings
from tests.support.agent import demo_agent
from tests.test_resume_stream import final_state, words_seen
from tests.test_task_commands import start_task, wait_state


def send_with_push(base: str, *, spoil_token: bool = False, delay_text: str = "hello") -> dict[str, Any]:
    from a2acli.client.connection import open_connection

    async def go() -> dict[str, Any]:
        async with open_connection(ConnectionSettings(agent_card=base)) as conn, push_session() as push:
            config = dict(push.config)
            if spoil_token:
                config["token"] = "not-the-token"  # every delivery is refused with 401: push is lost
            request = {
                "message": {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": delay_text}]},
                "configuration": {"taskPushNotificationConfig": config, "returnImmediately": True},
            }
            sent = await conn.send_message(request)
            task_id = sent["task"]["id"]
            policy = PushPolicy(timeout=20, idle=0.3, max_idle=0.5)
            events = [e async for e in follow_push(push, conn, task_id, policy=policy)]
            return {
                "events": events,
                "deliveries": push.deliveries,
                "refused": push.receiver.app.stats.rejected_auth,
                "task_id": task_id,
            }

    return asyncio.run(go())


def test_send_with_push_shows_every_delivery_once_until_the_task_ends() -> None:
    with demo_agent(delay=0.02) as base:
        result = send_with_push(base)
    events = result["events"]
    assert "task" in events[0] and events[0]["task"]["id"] == result["task_id"]
    text, _appends = words_seen(events)
    assert text == TUTORIAL_REPLY
    assert final_state(events) == "TASK_STATE_COMPLETED"
    assert result["deliveries"] >= 10  # the content came by push, not from GetTask
    assert result["refused"] == 0


def test_lost_deliveries_are_filled_from_get_task() -> None:
    with demo_agent(delay=0) as base:
        result = send_with_push(base, spoil_token=True)
    text, _ = words_seen(result["events"]) if len(result["events"]) > 1 else ("", [])
    task = result["events"][0].get("task", {})
    shown = "".join(p["text"] for a in task.get("artifacts", []) for p in a["parts"]) + text
    assert shown == TUTORIAL_REPLY
    assert final_state(result["events"]) == "TASK_STATE_COMPLETED"
    assert result["deliveries"] == 0 and result["refused"] > 0  # the receiver refused the wrong token


def test_push_listen_receives_what_a_registered_config_delivers() -> None:
    with demo_agent(delay=0.3) as base:
        env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "a2acli", "push", "listen", "--token", "tok-e2e-1234", "--exit-on-final"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert proc.stderr is not None
            url = ""
            deadline = time.monotonic() + 20
            while not url and time.monotonic() < deadline:
                line = proc.stderr.readline()
                if line.startswith("Listening for A2A push notifications on "):
                    url = line.rsplit(" ", 1)[1].strip()
            assert url
            task = start_task(base)
            from a2acli.cli import run

            code = run(
                ["task", "push-config", "create", task["id"], "-a", base, "--webhook", url, "--token", "tok-e2e-1234"]
            )
            assert code == 0
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        wait_state(base, task["id"], "TASK_STATE_COMPLETED")
    assert proc.returncode == 0, err
    assert f"Task ID: {task['id']}\n" in out
    assert "Event: artifactUpdate\n" in out
    assert out.rstrip().endswith("State: COMPLETED")
    assert "received " in err and "refused" not in err


def test_push_listen_json_lines_are_stream_responses() -> None:
    with demo_agent(delay=0.05) as base:
        env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "a2acli",
                "push",
                "listen",
                "--token",
                "tok-e2e-5678",
                "--exit-on-final",
                "-o",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert proc.stderr is not None
            url = ""
            while not url:
                line = proc.stderr.readline()
                assert line, "listener exited"
                if line.startswith("Listening for A2A push notifications on "):
                    url = line.rsplit(" ", 1)[1].strip()

            async def go() -> None:
                from a2acli.client.connection import open_connection

                async with open_connection(ConnectionSettings(agent_card=base)) as conn:
                    await conn.send_message(
                        {
                            "message": {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": "x"}]},
                            "configuration": {
                                "taskPushNotificationConfig": {"url": url, "token": "tok-e2e-5678"},
                                "returnImmediately": True,
                            },
                        }
                    )

            asyncio.run(go())
            out, _err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    lines = [json.loads(line) for line in out.splitlines()]
    assert "task" in lines[0]
    assert words_seen(lines)[0] == TUTORIAL_REPLY
    assert final_state(lines) == "TASK_STATE_COMPLETED"


def _push_conversation(base: str) -> tuple[list[dict[str, Any]], int]:
    from a2acli.client.connection import open_connection
    from a2acli.push.session import push_conversation

    sessions: list[Any] = []

    async def go() -> list[dict[str, Any]]:
        async with open_connection(ConnectionSettings(agent_card=base)) as conn:
            request = {"message": {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": "hi"}]}}
            policy = PushPolicy(timeout=20, idle=1.0)
            return [e async for e in push_conversation(conn, request, policy=policy, on_ready=sessions.append)]

    events = asyncio.run(go())
    return events, sessions[0].deliveries


def test_push_conversation_sends_with_the_config_and_follows_deliveries() -> None:
    with demo_agent(delay=0.02) as base:
        events, deliveries = _push_conversation(base)
    assert "task" in events[0]
    assert words_seen(events)[0] == TUTORIAL_REPLY
    assert final_state(events) == "TASK_STATE_COMPLETED"
    assert deliveries == len(events)  # everything shown came by push


def test_push_conversation_refuses_an_agent_without_push() -> None:
    import pytest

    from a2acli.errors import ProtocolError
    from tests.test_task_polling import polling_agent, task

    with polling_agent([task("TASK_STATE_COMPLETED")]) as (base, calls), pytest.raises(ProtocolError) as info:
        _push_conversation(base)
    assert info.value.code == "PushNotificationNotSupportedError"
    assert calls == []  # nothing was sent
