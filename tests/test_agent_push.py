"""Push notifications end to end: the demo agent POSTs task events to a real local webhook and to no other host."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from a2acli.agent.push import push_url_allowed, push_url_well_formed
from tests.support.agent import demo_agent
from tests.support.server import serve_in_thread

V1 = {"A2A-Version": "1.0"}


class Webhook:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.lock = threading.Lock()

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.json()
            with self.lock:
                self.received.append((dict(request.headers), body))
            return Response(status_code=204)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[tuple[dict[str, str], dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                got = list(self.received)
            if predicate(got):
                return got
            time.sleep(0.02)
        raise AssertionError(f"webhook did not receive what was expected: {got}")


@pytest.fixture
def webhook() -> Iterator[tuple[Webhook, str]]:
    hook = Webhook()
    with serve_in_thread(hook.app()) as url:
        yield hook, url + "/hook"


def _rpc(method: str, params: dict[str, Any], rid: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}


def _completed(events: list[tuple[dict[str, str], dict[str, Any]]]) -> bool:
    return any(
        body.get("statusUpdate", {}).get("status", {}).get("state") == "TASK_STATE_COMPLETED" for _, body in events
    )


def test_push_delivered_to_local_webhook_with_token(webhook: tuple[Webhook, str]) -> None:
    hook, hook_url = webhook
    params = {
        "message": {"messageId": "p1", "role": "ROLE_USER", "parts": [{"text": "hi"}]},
        "configuration": {"taskPushNotificationConfig": {"url": hook_url, "token": "tok-123"}},
    }
    with demo_agent(text="push me now") as url:
        r = httpx.post(url + "/", json=_rpc("SendMessage", params), headers=V1, timeout=10).json()
        task_id = r["result"]["task"]["id"]
        events = hook.wait_for(_completed)
    assert all(h.get("x-a2a-notification-token") == "tok-123" for h, _ in events)
    kinds = [next(iter(body)) for _, body in events]
    assert "artifactUpdate" in kinds and "statusUpdate" in kinds
    bodies = [body for _, body in events]
    ids = {b["task"]["id"] if "task" in b else next(iter(b.values()))["taskId"] for b in bodies}
    assert ids == {task_id}
    words = "".join(b["artifactUpdate"]["artifact"]["parts"][0]["text"] for b in bodies if "artifactUpdate" in b)
    assert words == "push me now"


def test_push_config_created_later_is_listed_and_delivers(webhook: tuple[Webhook, str]) -> None:
    hook, hook_url = webhook
    with demo_agent(delay=0.2, text="a b c d") as url, httpx.Client(timeout=10, headers=V1) as client:
        send = {
            "message": {"messageId": "p2", "role": "ROLE_USER", "parts": [{"text": "x"}]},
            "configuration": {"returnImmediately": True},
        }
        task_id = client.post(url + "/", json=_rpc("SendMessage", send)).json()["result"]["task"]["id"]
        created = client.post(
            f"{url}/tasks/{task_id}/pushNotificationConfigs", json={"taskId": task_id, "url": hook_url, "id": "c1"}
        )
        assert created.status_code == 200, created.text
        listed = client.post(url + "/", json=_rpc("ListTaskPushNotificationConfigs", {"taskId": task_id})).json()
        assert [c["url"] for c in listed["result"]["configs"]] == [hook_url]
        hook.wait_for(_completed)


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "http://user:pw@127.0.0.1/hook", "ftp://127.0.0.1/hook", "http://127.0.0.1:99999/x"],
)
def test_malformed_push_urls_are_refused(target: str) -> None:
    with demo_agent() as url, httpx.Client(timeout=10, headers=V1) as client:
        inline = {
            "message": {"messageId": "p3", "role": "ROLE_USER", "parts": [{"text": "x"}]},
            "configuration": {"taskPushNotificationConfig": {"url": target}},
        }
        err = client.post(url + "/", json=_rpc("SendMessage", inline)).json()["error"]
        assert err["code"] == -32602
        task_id = client.post(url + "/", json=_rpc("SendMessage", {"message": inline["message"] | {"messageId": "p4"}}))
        tid = task_id.json()["result"]["task"]["id"]
        err = client.post(url + "/", json=_rpc("CreateTaskPushNotificationConfig", {"taskId": tid, "url": target}))
        assert err.json()["error"]["code"] == -32602


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data", "http://10.0.0.1/hook", "https://example.com/hook"]
)
def test_outside_hosts_are_stored_but_never_called(
    target: str, webhook: tuple[Webhook, str], caplog: pytest.LogCaptureFixture
) -> None:
    hook, hook_url = webhook
    caplog.set_level(logging.WARNING, logger="a2acli.agent.push")
    with demo_agent(delay=0.1, text="a b c") as url, httpx.Client(timeout=10, headers=V1) as client:
        send = {
            "message": {"messageId": "p6", "role": "ROLE_USER", "parts": [{"text": "x"}]},
            "configuration": {"returnImmediately": True},
        }
        tid = client.post(url + "/", json=_rpc("SendMessage", send)).json()["result"]["task"]["id"]
        outside = client.post(
            url + "/", json=_rpc("CreateTaskPushNotificationConfig", {"taskId": tid, "url": target, "id": "out"})
        ).json()
        assert outside["result"]["url"] == target  # stored, as A2A clients (and the TCK) expect
        local = client.post(
            url + "/", json=_rpc("CreateTaskPushNotificationConfig", {"taskId": tid, "url": hook_url, "id": "in"})
        ).json()
        assert local["result"]["url"] == hook_url
        hook.wait_for(_completed)
    messages = [r.getMessage() for r in caplog.records if r.name == "a2acli.agent.push"]
    assert any("stored, but its host is outside the delivery policy" in m for m in messages)
    skipped = [m for m in messages if m.startswith("push notification to") and "skipped" in m]
    assert skipped, messages  # deliveries to the outside host were attempted by the SDK and refused before any I/O
    host = target.split("/")[2]
    assert all(host in m for m in skipped)


def test_allow_host_opens_exactly_that_host(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="a2acli.agent.push")
    with demo_agent(push_allow_hosts=["hooks.example.test"]) as url, httpx.Client(timeout=10, headers=V1) as client:
        msg = {"message": {"messageId": "p5", "role": "ROLE_USER", "parts": [{"text": "x"}]}}
        tid = client.post(url + "/", json=_rpc("SendMessage", msg)).json()["result"]["task"]["id"]
        ok = client.post(
            url + "/",
            json=_rpc("CreateTaskPushNotificationConfig", {"taskId": tid, "url": "https://hooks.example.test/h"}),
        ).json()
        assert ok["result"]["url"] == "https://hooks.example.test/h"
        other = client.post(
            url + "/",
            json=_rpc("CreateTaskPushNotificationConfig", {"taskId": tid, "url": "https://evil.example.test/h"}),
        ).json()
        assert other["result"]["url"] == "https://evil.example.test/h"
    warned = [r.getMessage() for r in caplog.records if r.name == "a2acli.agent.push"]
    assert any("evil.example.test" in m for m in warned)
    assert not any("hooks.example.test" in m for m in warned)


def test_push_url_policy_unit() -> None:
    allow = frozenset({"hooks.example.test"})
    assert push_url_allowed("http://127.0.0.1:9000/x")
    assert push_url_allowed("http://127.5.6.7/x")
    assert push_url_allowed("http://[::1]:9000/x")
    assert push_url_allowed("http://localhost:9000/x")
    assert push_url_allowed("http://LOCALHOST./x")
    assert push_url_allowed("https://hooks.example.test/x", allow)
    assert not push_url_allowed("https://hooks.example.test.evil.com/x", allow)
    assert not push_url_allowed("http://[::ffff:10.0.0.1]/x")
    assert push_url_allowed("http://[::ffff:127.0.0.1]/x")
    assert not push_url_allowed("http://0.0.0.0/x")
    assert not push_url_allowed("http://127.0.0.1:99999/x")
    assert not push_url_allowed("javascript:alert(1)")
    assert not push_url_allowed("http:///nohost")
    assert push_url_well_formed("https://example.com/hook") and not push_url_allowed("https://example.com/hook")
    assert not push_url_well_formed("http://user:pw@127.0.0.1/hook")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1%25.evil.example/hook",  # a zone id cut would leave 127.0.0.1
        "http://127.0.0.1%lo/hook",
        "http://localhost%25.evil.example/hook",
        "http://localhost.localdomain/hook",  # an /etc/hosts convention, an ordinary DNS name elsewhere
    ],
)
def test_push_url_policy_asks_the_one_loopback_predicate(url: str) -> None:
    from a2acli.net import is_loopback_host, url_host

    assert not push_url_allowed(url)
    host = url_host(url)
    assert host is None or not is_loopback_host(host)


def test_push_url_policy_keeps_zone_ids_on_ipv6_literals() -> None:
    assert push_url_allowed("http://[::1%25lo]:9000/hook")
    assert push_url_allowed("http://api.localhost/hook")  # RFC 6761: loopback by definition
