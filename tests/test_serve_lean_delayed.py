"""The lean path for delayed streams (a2acli/agent/fastpath.py + live.py) behaves exactly as the SDK path.

Every comparison runs the same client script against the demo agent twice, lean path on and off
(`fast_path=False`), and compares what the client saw with ids and timestamps normalised: the streams' raw
bytes, GetTask / ListTasks mid-stream, SubscribeToTask mid-stream, CancelTask mid-stream and after, a client
that goes away. Then what only a real server shows: a push config created mid-stream, keep-alive pings, and
`a2a serve` with `--store sqlite` stopped by SIGTERM mid-stream and restarted (the task resumes).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
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

from a2acli.agent import fastpath
from a2acli.agent.live import DemoRequestHandler
from tests.support.agent import demo_agent
from tests.support.server import free_port, serve_in_thread

V1 = {"A2A-Version": "1.0"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
PING = re.compile(r": ping - [^\r\n]*\r\n\r\n")
TEXT = "one two three four"


def _normal(text: str) -> str:
    ids: dict[str, str] = {}
    text = UUID.sub(lambda m: ids.setdefault(m.group(0), f"<id{len(ids)}>"), text)
    return STAMP.sub("<ts>", text)


def _rpc(url: str, method: str, params: dict[str, Any], rid: Any = 9) -> str:
    body = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
    return httpx.post(url + "/", json=body, headers=V1, timeout=10).text


def _message(message_id: str = "lean-1", **extra: Any) -> dict[str, Any]:
    return {"messageId": message_id, "role": "ROLE_USER", "parts": [{"text": "go"}], **extra}


def _stream_request(url: str, binding: str, message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if binding == "jsonrpc":
        body = {"jsonrpc": "2.0", "id": 7, "method": "SendStreamingMessage", "params": {"message": message}}
        return url + "/", body
    return url + "/message:stream", {"message": message}


@pytest.fixture
def sdk_streams(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the streams the SDK's routes answered (they reach the request handler; the lean path's do not)."""
    made: list[int] = []
    stream, subscribe = DemoRequestHandler.on_message_send_stream, DemoRequestHandler.on_subscribe_to_task

    def counting(real: Any) -> Any:
        def call(self: DemoRequestHandler, params: Any, context: Any) -> Any:
            made.append(1)
            return real(self, params, context)

        return call

    monkeypatch.setattr(DemoRequestHandler, "on_message_send_stream", counting(stream))
    monkeypatch.setattr(DemoRequestHandler, "on_subscribe_to_task", counting(subscribe))
    return made


def _wire(fast: bool, binding: str, **opts: Any) -> tuple[list[tuple[str, str]], str]:
    with demo_agent(fast_path=fast, delay=0.02, text="alpha  béta\t\"gamma\" \\ δ", **opts) as url:
        parts = [{"text": "go"}, {"data": {"k": [1, "ü"]}, "mediaType": "application/json"}]
        message = _message(contextId="ctx-lëan \"q\" \u2028 </>", parts=parts, metadata={"m": True})
        target, body = _stream_request(url, binding, message)
        with httpx.Client(timeout=10) as client, client.stream("POST", target, json=body, headers=V1) as r:
            raw = r.read().decode()
            headers = sorted((k, v) for k, v in r.headers.multi_items() if k != "date")
    return headers, _normal(raw)


@pytest.mark.parametrize("binding", ["jsonrpc", "http_json"])
def test_stream_bytes_and_headers_equal_the_sdk_path(binding: str, sdk_streams: list[int]) -> None:
    lean = _wire(True, binding)
    assert sdk_streams == []  # the lean path wrote it
    sdk = _wire(False, binding)
    assert sdk_streams == [1]
    assert lean == sdk
    assert lean[1].count("data: ") == 8 and lean[1].endswith("\r\n\r\n") and "TASK_STATE_COMPLETED" in lean[1]
    echo_lean = _wire(True, binding, echo=True)
    assert echo_lean == _wire(False, binding, echo=True)


def _first_task_id(raw: str) -> str:
    first = next(line for line in raw.split("\r\n") if line.startswith("data: "))
    doc = json.loads(first[6:])
    return str(doc.get("result", doc)["task"]["id"])


def _mid_stream_session(fast: bool) -> list[str]:
    """Everything a client can do while a stream is open, in order; what each answer said."""
    seen: list[str] = []
    # A long delay: nothing moves between the first word and the cancel, however loaded the machine is.
    with demo_agent(fast_path=fast, delay=2.0, text=TEXT) as url:
        target, body = _stream_request(url, "jsonrpc", _message())
        raw = ""
        subscribed: list[str] = []
        first_seen = threading.Event()
        with httpx.Client(timeout=15) as client, client.stream("POST", target, json=body, headers=V1) as r:
            for chunk in r.iter_text():
                raw += chunk
                if "artifactUpdate" not in raw or seen:
                    continue
                task_id = _first_task_id(raw)
                seen.append(_rpc(url, "GetTask", {"id": task_id, "historyLength": 0}))
                seen.append(_rpc(url, "GetTask", {"id": task_id}))
                listing = {"includeArtifacts": True, "status": "TASK_STATE_WORKING"}
                seen.append(_rpc(url, "ListTasks", listing))
                seen.append(_rpc(url, "ListTasks", {"status": "TASK_STATE_COMPLETED"}))
                seen.append(_rpc(url, "ListTasks", {"historyLength": 1}))

                def subscribe(task_id: str = task_id) -> None:
                    sub = {"jsonrpc": "2.0", "id": "s", "method": "SubscribeToTask", "params": {"id": task_id}}
                    with httpx.Client(timeout=15) as c2, c2.stream("POST", url + "/", json=sub, headers=V1) as r2:
                        text = ""
                        for part in r2.iter_text():
                            text += part
                            if "\r\n\r\n" in text:
                                first_seen.set()
                        subscribed.append(text)

                thread = threading.Thread(target=subscribe)
                thread.start()
                assert first_seen.wait(10)
                seen.append(_rpc(url, "CancelTask", {"id": task_id}))
                thread.join(15)
        seen.append(raw)
        seen.append(subscribed[0])
        seen.append(_rpc(url, "CancelTask", {"id": task_id}))
        seen.append(_rpc(url, "SubscribeToTask", {"id": task_id}))
        seen.append(_rpc(url, "GetTask", {"id": task_id}))
    return [_normal(s) for s in seen]


def test_mid_stream_get_list_subscribe_cancel_answer_as_the_sdk_path(sdk_streams: list[int]) -> None:
    lean = _mid_stream_session(True)
    assert sdk_streams == [1, 1]  # only the two subscriptions (mid-stream, after the end) reached the SDK's routes
    sdk = _mid_stream_session(False)
    for a, b in zip(lean, sdk, strict=True):
        assert a == b
    get_now, get_full, working, completed = (json.loads(x) for x in lean[:4])
    assert get_now["result"]["status"]["state"] == "TASK_STATE_WORKING" and "history" not in get_now["result"]
    assert [p["text"] for p in get_full["result"]["artifacts"][0]["parts"]] == ["one "]
    assert len(working["result"]["tasks"]) == 1 and completed["result"]["tasks"] == []
    canceled, stream, subscription, cancel_again = json.loads(lean[5]), lean[6], lean[7], json.loads(lean[8])
    assert canceled["result"]["status"]["state"] == "TASK_STATE_CANCELED"
    assert stream.rstrip().endswith('"TASK_STATE_CANCELED", "timestamp": "<ts>"}}}, "id": 7, "jsonrpc": "2.0"}')
    assert subscription.startswith('data: {"result": {"task": {') and "TASK_STATE_CANCELED" in subscription
    assert cancel_again["error"]["code"] == -32002  # TaskNotCancelableError, from the SDK
    assert "error" in json.loads(lean[9])  # a finished task cannot be subscribed to
    assert json.loads(lean[10])["result"]["status"]["state"] == "TASK_STATE_CANCELED"


def test_cancel_and_subscribe_over_http_json_reach_a_lean_stream() -> None:
    with demo_agent(delay=2.0, text=TEXT) as url, httpx.Client(timeout=15, headers=V1) as client:
        with client.stream("POST", url + "/message:stream", json={"message": _message()}) as r:
            lines = r.iter_lines()
            task_id = json.loads(next(line for line in lines if line.startswith("data:"))[5:])["task"]["id"]
            with client.stream("GET", f"{url}/tasks/{task_id}:subscribe") as sub:
                sub_lines = sub.iter_lines()
                snapshot = json.loads(next(line for line in sub_lines if line.startswith("data:"))[5:])
                assert snapshot["task"]["status"]["state"] == "TASK_STATE_WORKING"
                canceled = client.post(f"{url}/tasks/{task_id}:cancel").json()
                assert canceled["status"]["state"] == "TASK_STATE_CANCELED"
                rest = [json.loads(line[5:]) for line in sub_lines if line.startswith("data:")]
            own = [json.loads(line[5:]) for line in lines if line.startswith("data:")]
        assert rest[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_CANCELED"
        assert own[-1] == rest[-1]  # the same event, on both streams
        assert client.get(f"{url}/tasks/{task_id}").json()["status"]["state"] == "TASK_STATE_CANCELED"


def _leave_mid_stream(fast: bool) -> str:
    with demo_agent(fast_path=fast, delay=0.05, text=TEXT) as url:
        target, body = _stream_request(url, "jsonrpc", _message())
        with httpx.Client(timeout=10) as client, client.stream("POST", target, json=body, headers=V1) as r:
            first = next(line for line in r.iter_lines() if line.startswith("data:"))
            task_id = json.loads(first[5:])["result"]["task"]["id"]
        # The client has gone; the task carries on to the end without it.
        deadline = time.monotonic() + 10
        while True:
            got = _rpc(url, "GetTask", {"id": task_id})
            if "TASK_STATE_COMPLETED" in got or time.monotonic() > deadline:
                return _normal(got)
            time.sleep(0.05)


def test_a_client_that_leaves_does_not_stop_the_task() -> None:
    lean = _leave_mid_stream(True)
    assert lean == _leave_mid_stream(False)
    task = json.loads(lean)["result"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == TEXT


class _Webhook:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.received.append(await request.json())
            return Response(status_code=204)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@pytest.fixture
def webhook() -> Iterator[tuple[_Webhook, str]]:
    hook = _Webhook()
    with serve_in_thread(hook.app()) as url:
        yield hook, url + "/hook"


def test_push_config_created_mid_stream_gets_the_later_events(webhook: tuple[_Webhook, str]) -> None:
    hook, hook_url = webhook
    with demo_agent(delay=0.3, text=TEXT) as url, httpx.Client(timeout=10, headers=V1) as client:
        target, body = _stream_request(url, "jsonrpc", _message())
        with client.stream("POST", target, json=body) as r:
            events = []
            for line in r.iter_lines():
                if not line.startswith("data:"):
                    continue
                events.append(json.loads(line[5:])["result"])
                if len(events) == 1:
                    task_id = events[0]["task"]["id"]
                    config = {"taskId": task_id, "url": hook_url, "id": "mid"}
                    created = client.post(f"{url}/tasks/{task_id}/pushNotificationConfigs", json=config)
                    assert created.status_code == 200, created.text
        deadline = time.monotonic() + 10
        while not any("TASK_STATE_COMPLETED" in json.dumps(b) for b in hook.received):
            assert time.monotonic() < deadline, hook.received
            time.sleep(0.02)
    words = "".join(b["artifactUpdate"]["artifact"]["parts"][0]["text"] for b in hook.received if "artifactUpdate" in b)
    assert words == TEXT  # every word came after the config was made
    assert {next(iter(b.values()))["taskId"] for b in hook.received} == {task_id}


def test_follow_up_mid_stream_gets_the_rest_of_the_running_task() -> None:
    with demo_agent(delay=0.2, text=TEXT) as url, httpx.Client(timeout=10, headers=V1) as client:
        target, body = _stream_request(url, "jsonrpc", _message())
        with client.stream("POST", target, json=body) as r:
            lines = r.iter_lines()
            task_id = json.loads(next(line for line in lines if line.startswith("data:"))[5:])["result"]["task"]["id"]
            follow = {"jsonrpc": "2.0", "id": 2, "method": "SendMessage"}
            follow["params"] = {"message": _message("lean-2", taskId=task_id, contextId="other")}
            mismatch = client.post(url + "/", json=follow).json()
            assert mismatch["error"]["code"] == -32602  # the SDK's context check
            follow["params"] = {"message": _message("lean-2", taskId=task_id)}
            answer = client.post(url + "/", json=follow).json()["result"]["task"]
            list(lines)
    assert answer["status"]["state"] == "TASK_STATE_COMPLETED"
    assert "".join(p["text"] for p in answer["artifacts"][0]["parts"]) == TEXT


def test_keep_alive_pings_while_waiting_for_the_next_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastpath, "PING_SECONDS", 0.2)
    with demo_agent(delay=0.7, text="a b") as url, httpx.Client(timeout=10) as client:
        target, body = _stream_request(url, "jsonrpc", _message())
        with client.stream("POST", target, json=body, headers=V1) as r:
            raw = r.read().decode()
    assert len(PING.findall(raw)) >= 4
    assert PING.sub("", raw).count("data: ") == 5  # pings between events, never inside one


def test_fast_path_off_leaves_every_stream_to_the_sdk(sdk_streams: list[int]) -> None:
    with demo_agent(fast_path=False, delay=0.01, text="a b") as url, httpx.Client(timeout=10) as client:
        for binding in ("jsonrpc", "http_json"):
            target, body = _stream_request(url, binding, _message())
            with client.stream("POST", target, json=body, headers=V1) as r:
                r.read()
    assert sdk_streams == [1, 1]


def _wait_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if httpx.get(url + "/.well-known/agent-card.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "a2a serve did not come up"
        time.sleep(0.1)


def test_sqlite_store_sigterm_mid_stream_then_restart_resumes_the_task(tmp_path: Any) -> None:
    """HTTP+JSON lean stream; SIGTERM ends it cleanly (exit 0), the store holds WORKING + the words so far."""
    store = f"sqlite:///{tmp_path / 'lean.db'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "a2acli", "serve", "--port", str(port), "--delay", "0.3", "--store", store]
    cmd += ["--text", TEXT + " five six"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_up(url, proc)
        events = []
        request = {"message": _message()}
        with httpx.Client(timeout=15, headers=V1) as c, c.stream("POST", url + "/message:stream", json=request) as r:
            for line in r.iter_lines():  # ends without an error: the stream is closed cleanly
                if line.startswith("data:"):
                    events.append(json.loads(line[5:]))
                    if len(events) == 4:  # task, working, two words
                        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    task_id = events[0]["task"]["id"]
    said = "".join(e["artifactUpdate"]["artifact"]["parts"][0]["text"] for e in events if "artifactUpdate" in e)
    assert 4 <= len(events) < 9 and said and "statusUpdate" in events[1]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_up(url, proc)
        deadline = time.monotonic() + 15
        while True:
            task = httpx.get(f"{url}/tasks/{task_id}", headers=V1, timeout=5).json()
            if task["status"]["state"] == "TASK_STATE_COMPLETED" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert task["status"]["state"] == "TASK_STATE_COMPLETED"
        assert "".join(p["text"] for p in task["artifacts"][0]["parts"]) == TEXT + " five six"
        assert len(task["artifacts"]) == 1  # carried on in the same artifact, each word once
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        assert "1 unfinished task(s) resumed" in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _v03_session(fast: bool) -> list[str]:
    """A 0.3 client resubscribes to, then cancels, a task a 1.0 client is streaming."""
    seen: list[str] = []
    with demo_agent(fast_path=fast, delay=2.0, text=TEXT) as url, httpx.Client(timeout=15) as client:
        target, body = _stream_request(url, "jsonrpc", _message())
        with client.stream("POST", target, json=body, headers=V1) as r:
            lines = r.iter_lines()
            task_id = json.loads(next(line for line in lines if line.startswith("data:"))[5:])["result"]["task"]["id"]
            resub = {"jsonrpc": "2.0", "id": 3, "method": "tasks/resubscribe", "params": {"id": task_id}}
            with client.stream("POST", url + "/", json=resub) as sub:  # no A2A-Version: 0.3
                sub_lines = sub.iter_lines()
                seen.append(next(line for line in sub_lines if line.startswith("data:")))
                cancel = {"jsonrpc": "2.0", "id": 4, "method": "tasks/cancel", "params": {"id": task_id}}
                seen.append(client.post(url + "/", json=cancel).text)
                seen.extend(line for line in sub_lines if line.startswith("data:"))
            seen.extend(line for line in lines if line.startswith("data:"))
        get = {"jsonrpc": "2.0", "id": 5, "method": "tasks/get", "params": {"id": task_id}}
        seen.append(client.post(url + "/", json=get).text)
    return [_normal(s) for s in seen]


def test_a_v03_client_resubscribes_to_and_cancels_a_lean_stream_as_on_the_sdk_path() -> None:
    lean = _v03_session(True)
    assert lean == _v03_session(False)
    snapshot = json.loads(lean[0][5:])["result"]
    assert snapshot["kind"] == "task" and snapshot["status"]["state"] == "working"
    assert json.loads(lean[1])["result"]["status"]["state"] == "canceled"
    assert json.loads(lean[-1])["result"]["status"]["state"] == "canceled"
    assert '"TASK_STATE_CANCELED"' in lean[-2]  # the 1.0 stream's own last event


def test_streaming_follow_up_mid_stream_gets_the_rest_then_the_task_stays_completed() -> None:
    with demo_agent(delay=0.3, text=TEXT) as url, httpx.Client(timeout=10, headers=V1) as client:
        target, body = _stream_request(url, "jsonrpc", _message())
        with client.stream("POST", target, json=body) as r:
            lines = r.iter_lines()
            task_id = json.loads(next(line for line in lines if line.startswith("data:"))[5:])["result"]["task"]["id"]
            follow = {"jsonrpc": "2.0", "id": 2, "method": "SendStreamingMessage"}
            follow["params"] = {"message": _message("lean-3", taskId=task_id)}
            with client.stream("POST", url + "/", json=follow) as f:
                rest = [json.loads(line[5:])["result"] for line in f.iter_lines() if line.startswith("data:")]
            own = [json.loads(line[5:])["result"] for line in lines if line.startswith("data:")]
        task = json.loads(_rpc(url, "GetTask", {"id": task_id}))["result"]
    assert rest and rest == own[-len(rest) :]  # the running task's next events, as its own client saw them
    assert rest[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert task["status"]["state"] == "TASK_STATE_COMPLETED" and len(task["artifacts"]) == 1
    assert [m["messageId"] for m in task["history"]] == ["lean-1"]  # the follow-up never ran


def test_a_task_resumed_after_a_restart_still_notifies_its_push_configs(
    tmp_path: Any, webhook: tuple[_Webhook, str]
) -> None:
    hook, hook_url = webhook
    store = f"sqlite:///{tmp_path / 'push.db'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "a2acli", "serve", "--port", str(port), "--delay", "0.3", "--store", store]
    cmd += ["--text", TEXT + " five six"]
    stopping: list[int] = []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_up(url, proc)
        target, body = _stream_request(url, "jsonrpc", _message())
        with httpx.Client(timeout=15, headers=V1) as c, c.stream("POST", target, json=body) as r:
            for line in r.iter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])["result"]
                if "task" in event:
                    task_id = event["task"]["id"]
                    config = {"taskId": task_id, "url": hook_url, "id": "before-restart"}
                    assert c.post(f"{url}/tasks/{task_id}/pushNotificationConfigs", json=config).status_code == 200
                if "artifactUpdate" in event and proc.returncode is None and not stopping:
                    stopping.append(1)
                    proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    before = len(hook.received)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_up(url, proc)
        deadline = time.monotonic() + 15
        while not any("TASK_STATE_COMPLETED" in json.dumps(b) for b in hook.received):
            assert time.monotonic() < deadline, hook.received
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
    after = hook.received[before:]
    words = "".join(b["artifactUpdate"]["artifact"]["parts"][0]["text"] for b in after if "artifactUpdate" in b)
    assert words and (TEXT + " five six").endswith(words)  # the words said after the restart, each once
    assert {next(iter(b.values()))["taskId"] for b in after} == {task_id}
