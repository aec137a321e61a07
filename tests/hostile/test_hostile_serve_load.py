"""`a2a serve` as a real subprocess under hostile clients (issue 8, server side): slow-loris connections, header
floods, 500 concurrent streams, cancel storms and abrupt disconnects, push notifications and redirects.

Findings are asserted as they are: what holds is asserted to hold; what does not is an xfail with the reason.
Server memory is read from /proc/PID/status (VmRSS, VmHWM)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tests.support.server import free_port, serve_in_thread

V1 = {"A2A-Version": "1.0"}
WORDS = 20
TEXT = " ".join(f"w{i}" for i in range(WORDS))


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]

    def rss_mb(self) -> float:
        return _status_kb(self.proc.pid, "VmRSS") / 1024

    def hwm_mb(self) -> float:
        return _status_kb(self.proc.pid, "VmHWM") / 1024


def _status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{key} not in /proc/{pid}/status")


@contextlib.contextmanager
def a2a_serve(*args: str) -> Iterator[Served]:
    """`python -m a2acli serve --port P ARGS` until the block ends (SIGINT, then kill after 10 s)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "a2acli", "serve", "--port", str(port), "--log-level", "warning", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(url + "/.well-known/agent-card.json", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("a2a serve did not start")
        time.sleep(0.1)
    try:
        yield Served(url, proc)
    finally:
        proc.send_signal(2)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _send_body(message_id: str, method: str = "SendMessage") -> dict[str, Any]:
    params = {"message": {"messageId": message_id, "role": "ROLE_USER", "parts": [{"text": "hi"}]}}
    return {"jsonrpc": "2.0", "id": message_id, "method": method, "params": params}


def _assert_healthy(url: str, *, within: float = 5.0) -> float:
    start = time.monotonic()
    r = httpx.post(url + "/", json=_send_body(f"health-{time.monotonic_ns()}"), headers=V1, timeout=within)
    assert r.status_code == 200 and r.json()["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    return time.monotonic() - start


# ------------------------------------------------------------------------------------------------ slow loris


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with a2a_serve("--delay", "0", "--text", "one two three") as s:
        yield s


def _connect(url: str) -> socket.socket:
    host, port = url.rsplit("/", 1)[1].split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def _closed_by_server(sock: socket.socket, wait: float) -> bool:
    sock.settimeout(wait)
    try:
        return sock.recv(65536) == b"" or True
    except TimeoutError:
        return False
    except OSError:
        return True


def test_slow_loris_does_not_starve_other_clients(served: Served) -> None:
    socks: list[socket.socket] = []
    try:
        for i in range(300):  # 300 connections trickling headers, one byte at a time
            s = _connect(served.url)
            s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-" + str(i).encode())
            socks.append(s)
        latencies = []
        for round_ in range(5):
            for s in socks:
                with contextlib.suppress(OSError):
                    s.sendall(b"a")
            latencies.append(_assert_healthy(served.url, within=5))
            time.sleep(0.2 * (round_ > 0))
        assert max(latencies) < 3.0, latencies
        assert served.proc.poll() is None
    finally:
        for s in socks:
            s.close()
    _assert_healthy(served.url)


def test_partial_request_is_dropped_by_a_header_timeout(served: Served) -> None:
    s = _connect(served.url)
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert _closed_by_server(s, 8.0), "a partial request was still held open after 8 s"
    finally:
        s.close()


def test_idle_connection_after_a_response_is_closed(served: Served) -> None:
    s = _connect(served.url)
    try:
        s.sendall(b"GET /.well-known/agent-card.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        s.settimeout(5)
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
        start = time.monotonic()
        while time.monotonic() - start < 10:  # keep-alive timeout: 5 s
            s.settimeout(10)
            try:
                if s.recv(65536) == b"":
                    break
            except OSError:
                break
        waited = time.monotonic() - start
        assert waited < 9, f"an idle keep-alive connection was held {waited:.1f}s"
    finally:
        s.close()


def test_header_flood_and_oversized_bodies_are_refused(served: Served) -> None:
    s = _connect(served.url)
    try:
        s.sendall(b"GET /.well-known/agent-card.json HTTP/1.1\r\nHost: x\r\n")
        with contextlib.suppress(OSError):
            for i in range(3000):  # ~150 KB of headers, over h11_max_incomplete_event_size (64 KiB)
                s.sendall(f"X-Flood-{i}: {'v' * 40}\r\n".encode())
        s.settimeout(5)
        try:
            answer = s.recv(65536)
        except OSError:
            answer = b""
        assert answer == b"" or answer.split(b" ")[1] in (b"400", b"431"), answer[:100]
    finally:
        s.close()
    big = b'{"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"p": "' + b"x" * 3_000_000 + b'"}}'
    r = httpx.post(served.url + "/", content=big, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 413
    # A body that claims a small length and a huge one: the cap is on what is read, not on what is claimed.
    r = httpx.post(
        served.url + "/message:send", content=(b"x" * 65536 for _ in range(64)), headers=V1 | {"Content-Type": "x"}
    )
    assert r.status_code == 413
    _assert_healthy(served.url)
    assert served.proc.poll() is None


# ------------------------------------------------------------------------------------------------ load


async def _stream(client: httpx.AsyncClient, url: str, mid: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    async with client.stream("POST", url + "/", json=_send_body(mid, "SendStreamingMessage"), headers=V1) as r:
        assert r.status_code == 200
        async for line in r.aiter_lines():
            if line.startswith("data:"):
                events.append(json.loads(line[5:])["result"])
    return events


def _text_and_state(events: list[dict[str, Any]]) -> tuple[str, str]:
    text = "".join(
        p.get("text", "") for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"]
    )
    last = events[-1] if events else {}
    state = (last.get("statusUpdate") or last.get("task") or {}).get("status", {}).get("state", "")
    return text, state


def test_500_concurrent_streams_then_cancel_storm_and_disconnects() -> None:
    with a2a_serve("--delay", "0.02", "--text", TEXT) as served:
        limits = httpx.Limits(max_connections=700, max_keepalive_connections=0)

        async def warm() -> None:
            async with httpx.AsyncClient(timeout=30, limits=limits) as client:
                await asyncio.gather(*[_stream(client, served.url, f"warm-{i}") for i in range(20)])

        asyncio.run(warm())
        baseline = served.rss_mb()

        # 1. 500 concurrent streams: every one gets every event.
        async def load() -> list[list[dict[str, Any]]]:
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                return await asyncio.gather(*[_stream(client, served.url, f"load-{i}") for i in range(500)])

        start = time.monotonic()
        results = asyncio.run(load())
        load_seconds = time.monotonic() - start
        for events in results:
            assert _text_and_state(events) == (TEXT, "TASK_STATE_COMPLETED")
        after_load = served.rss_mb()

        # 2. 300 more streams: 100 cancelled through CancelTask (a storm), 100 dropped abruptly, 100 stay.
        async def storm() -> tuple[list[list[dict[str, Any]]], list[str]]:
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                task_ids: dict[int, str] = {}
                started = asyncio.Event()

                async def one(i: int) -> list[dict[str, Any]]:
                    events: list[dict[str, Any]] = []
                    body = _send_body(f"storm-{i}", "SendStreamingMessage")
                    async with client.stream("POST", served.url + "/", json=body, headers=V1) as r:
                        async for line in r.aiter_lines():
                            if not line.startswith("data:"):
                                continue
                            ev = json.loads(line[5:])["result"]
                            events.append(ev)
                            if "task" in ev:
                                task_ids[i] = ev["task"]["id"]
                                if len(task_ids) == 300:
                                    started.set()
                            if 100 <= i < 200 and len(events) >= 3:
                                return events  # abrupt disconnect: leave mid-stream
                    return events

                runs = [asyncio.create_task(one(i)) for i in range(300)]
                await asyncio.wait_for(started.wait(), 30)
                cancels = [
                    client.post(
                        served.url + "/", json={"jsonrpc": "2.0", "id": i, "method": "CancelTask",
                                                "params": {"id": task_ids[i]}}, headers=V1
                    )
                    for i in range(100)
                ]  # fmt: skip
                await asyncio.gather(*cancels)
                done = await asyncio.gather(*runs)
                return done, list(task_ids.values())

        streams, storm_ids = asyncio.run(storm())
        for i, events in enumerate(streams):
            text, state = _text_and_state(events)
            if i < 100:
                assert state in ("TASK_STATE_CANCELED", "TASK_STATE_COMPLETED"), (i, state)
            elif i >= 200:
                assert (text, state) == (TEXT, "TASK_STATE_COMPLETED"), f"stream {i} lost events"
        assert served.proc.poll() is None

        # 3. Nothing stays WORKING: the dropped clients' tasks run to completion on their own.
        deadline = time.monotonic() + 20
        stuck: list[str] = storm_ids
        with httpx.Client(timeout=10, headers=V1) as client:
            while stuck and time.monotonic() < deadline:
                states = {
                    tid: client.post(
                        served.url + "/", json={"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": tid}}
                    ).json()["result"]["status"]["state"]
                    for tid in stuck
                }
                stuck = [t for t, s in states.items() if s in ("TASK_STATE_WORKING", "TASK_STATE_SUBMITTED")]
                if stuck:
                    time.sleep(0.5)
        assert not stuck, f"{len(stuck)} tasks left WORKING"
        time.sleep(1)
        final = served.rss_mb()
        _assert_healthy(served.url)
        report = (
            f"serve load: baseline {baseline:.0f} MB, after 500 streams {after_load:.0f} MB "
            f"({load_seconds:.1f}s), after storm {final:.0f} MB, peak {served.hwm_mb():.0f} MB"
        )
        print(report)
        LOAD_REPORT.append(report)
        # 820 finished tasks stay in the in-memory store (by design); the bound is on everything else.
        assert final < baseline + 150, report


LOAD_REPORT: list[str] = []


# ------------------------------------------------------------------------------------------------ push


class _Recorder:
    def __init__(self) -> None:
        self.hits: list[str] = []
        self.lock = threading.Lock()

    def app(self, redirect_to: str | None = None) -> Starlette:
        async def hook(request: Request) -> Response:
            await request.body()
            with self.lock:
                self.hits.append(request.url.path)
            if redirect_to:
                return RedirectResponse(redirect_to, status_code=307)
            return Response(status_code=204)

        return Starlette(routes=[Route("/{path:path}", hook, methods=["POST", "GET"])])


def test_push_sender_does_not_follow_redirects_off_the_allow_list(served: Served) -> None:
    target, bouncer = _Recorder(), _Recorder()
    with serve_in_thread(target.app()) as target_url:
        # The bouncer is on the allow-list (loopback); it redirects to another origin, which must get nothing.
        other = target_url.replace("127.0.0.1", "localhost") + "/stolen"
        with serve_in_thread(bouncer.app(redirect_to=other)) as bounce_url, httpx.Client(timeout=10) as client:
            params = {
                "message": {"messageId": "push-redirect", "role": "ROLE_USER", "parts": [{"text": "x"}]},
                "configuration": {"taskPushNotificationConfig": {"url": bounce_url + "/hook", "token": "t"}},
            }
            r = client.post(served.url + "/", json={"jsonrpc": "2.0", "id": 1, "method": "SendMessage",
                                                   "params": params}, headers=V1)  # fmt: skip
            assert r.status_code == 200 and "result" in r.json(), r.text
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not bouncer.hits:
                time.sleep(0.05)
            time.sleep(0.5)
    assert bouncer.hits, "the push never reached the allowed webhook"
    assert not target.hits, "the push sender followed a redirect"


@pytest.mark.parametrize(
    "target",
    [
        "http://0.0.0.0:9/hook",
        "http://[::ffff:169.254.169.254]/latest",
        "http://localhost.evil.test/hook",
        "http://127.0.0.1.nip.io/hook",
        "http://example.com\\@127.0.0.1/hook",
        "http://127.0.0.1:80@example.com/hook",
        "http://2130706433/hook",
        "http://[fe80::1%25lo]/hook",
        "javascript:alert(1)",
        "",
    ],
)
def test_push_urls_that_disguise_other_hosts_are_refused(served: Served, target: str) -> None:
    params = {
        "message": {"messageId": f"push-{abs(hash(target))}", "role": "ROLE_USER", "parts": [{"text": "x"}]},
        "configuration": {"taskPushNotificationConfig": {"url": target}},
    }
    r = httpx.post(served.url + "/", json={"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params},
                   headers=V1, timeout=10)  # fmt: skip
    assert r.status_code < 500
    # Malformed URLs are refused outright. A well-formed URL for another host may be stored (A2A clients and
    # the TCK expect that), but the delivery gate (the sender's validator) never lets the server call it.
    from a2acli.agent.push import push_url_allowed

    assert "error" in r.json() or not push_url_allowed(target), f"{target!r} would be called: {r.text[:200]}"


def test_slow_bodies_are_cut_at_the_whole_body_deadline() -> None:
    """Issue 13: 300 connections dripping a body byte at a time were held as long as each byte came in time
    (the timeout was per chunk: 140 s and counting). The deadline is for the whole body."""
    with a2a_serve("--delay", "0", "--body-timeout", "2") as s:
        socks: list[socket.socket] = []
        try:
            head = (
                b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"
            )
            for _ in range(300):
                sock = _connect(s.url)
                sock.sendall(head)
                sock.setblocking(False)
                socks.append(sock)
            started = time.monotonic()
            answered: set[int] = set()
            while len(answered) < len(socks) and time.monotonic() - started < 12:
                for i, sock in enumerate(socks):
                    if i in answered:
                        continue
                    try:
                        sock.send(b" ")
                        data = sock.recv(65536)
                    except BlockingIOError:
                        continue
                    except OSError:
                        answered.add(i)  # closed after its 408
                        continue
                    if data.startswith(b"HTTP/1.1 408") or data == b"":
                        answered.add(i)
                time.sleep(0.25)
            elapsed = time.monotonic() - started
            assert len(answered) == len(socks), (
                f"{len(socks) - len(answered)} slow bodies still held after {elapsed:.0f} s"
            )
            assert elapsed < 10, elapsed
            _assert_healthy(s.url)
        finally:
            for sock in socks:
                sock.close()
