"""`a2a serve` under misuse (issue 13): a store used by two servers, huge headers, slow bodies, a public bind.

Each test runs the real server (`a2a serve` as a subprocess, or its app under uvicorn) on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.agent import demo_agent
from tests.support.server import free_port

A2A = [sys.executable, "-m", "a2acli"]
V1 = {"A2A-Version": "1.0"}


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    proc = subprocess.Popen(
        [*A2A, "serve", "--port", str(port), "--delay", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                if httpx.get(url + "/.well-known/agent-card.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "a2a serve did not come up"
            time.sleep(0.1)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _read_all(sock: socket.socket, limit_s: float = 10) -> bytes:
    started = time.monotonic()
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
        assert time.monotonic() - started < limit_s
    return data


# ------------------------------------------------------------------------------------------- 1. store lock


def test_a_second_server_on_a_store_in_use_exits_at_once_naming_the_holder(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'tasks.db'}"
    with serving("--store", store) as (first, url):
        started = time.monotonic()
        second = subprocess.run(
            [*A2A, "serve", "--port", str(free_port()), "--store", store],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2, second.stderr
        assert time.monotonic() - started < 30
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert any(store in line and f"pid {first.pid}" in line for line in lines), second.stderr
        assert "Traceback" not in second.stderr
        assert httpx.get(url + "/.well-known/agent-card.json", timeout=5).status_code == 200  # the holder serves on
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=15) == 0
    # Released on exit: the store can be opened again.
    with serving("--store", store):
        pass


def test_the_store_lock_is_not_stale_after_a_crash(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'tasks.db'}"
    with serving("--store", store) as (first, _url):
        first.kill()  # no clean-up runs: the kernel drops the lock with the process
        first.wait(timeout=10)
    with serving("--store", store) as (second, _url):
        assert (tmp_path / "tasks.db.lock").read_text().strip() == str(second.pid)


def test_a_cancel_is_not_undone_by_a_second_server(tmp_path: Path) -> None:
    """The issue's scenario: with the lock, the second server never starts, so the canceled task stays canceled."""
    store = f"sqlite:///{tmp_path / 'tasks.db'}"
    with serving("--store", store, "--delay", "0.3") as (_first, url):
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "SendMessage",
            "params": {
                "message": {"messageId": "c1", "role": "ROLE_USER", "parts": [{"text": "x"}]},
                "configuration": {"returnImmediately": True},
            },
        }
        task = httpx.post(url + "/", json=body, headers=V1, timeout=10).json()["result"]["task"]
        second = subprocess.Popen(
            [*A2A, "serve", "--port", str(free_port()), "--delay", "0.3", "--store", store],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            cancel = {"jsonrpc": "2.0", "id": 2, "method": "CancelTask", "params": {"id": task["id"]}}
            canceled = httpx.post(url + "/", json=cancel, headers=V1, timeout=10).json()["result"]
            assert canceled["status"]["state"] == "TASK_STATE_CANCELED"
            assert second.wait(timeout=30) != 0
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()
        time.sleep(1.0)  # several --delay steps: a producer elsewhere would have written WORKING again
        get = {"jsonrpc": "2.0", "id": 3, "method": "GetTask", "params": {"id": task["id"]}}
        assert httpx.post(url + "/", json=get, headers=V1, timeout=10).json()["result"]["status"]["state"] == (
            "TASK_STATE_CANCELED"
        )


# ---------------------------------------------------------------------------------------- 2. header cap


def _raw_request(url: str, head: bytes) -> bytes:
    with socket.create_connection(_host_port(url), timeout=20) as sock:
        # refused before everything was sent: what matters is the answer
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head)
        return _read_all(sock, 20)


def test_a_huge_header_gets_431_before_anything_else() -> None:
    with serving() as (proc, url):
        big = b"GET /.well-known/agent-card.json HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (8 << 20) + b"\r\n\r\n"
        answer = _raw_request(url, big)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
        assert b"exceed 65536 bytes" in answer
        # an ordinary request, and one with headers just under the cap, still work
        assert httpx.get(url + "/.well-known/agent-card.json", timeout=5).status_code == 200
        ok = httpx.get(url + "/.well-known/agent-card.json", headers={"X-Fill": "b" * 60_000}, timeout=5)
        assert ok.status_code == 200
        assert proc.poll() is None


def test_the_header_cap_is_per_request_and_configurable() -> None:
    with serving("--max-header-bytes", "2048") as (_proc, url):
        with httpx.Client(timeout=5) as client:  # one keep-alive connection: 5 x 1.5 KB heads, each under the cap
            for _ in range(5):
                r = client.get(url + "/.well-known/agent-card.json", headers={"X-Fill": "c" * 1500})
                assert r.status_code == 200
        answer = _raw_request(url, b"GET / HTTP/1.1\r\nHost: x\r\nX-Fill: " + b"d" * 3000 + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431") and b"exceed 2048 bytes" in answer
        # a body never counts as head: a 100 KB body with a small head is served
        body = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "x" * 100_000}}
        r = httpx.post(url + "/", json=body, headers=V1, timeout=10)
        assert r.status_code == 200 and r.json()["error"]["code"] == -32001


def test_serve_help_documents_the_limits() -> None:
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([*A2A, "serve", "--help"], capture_output=True, text=True, timeout=60, env=env)
    for flag in ("--max-header-bytes", "--max-tasks", "--body-timeout", "--public-url"):
        assert flag in done.stdout, flag


# ------------------------------------------------------------------------------------ 5. whole-body deadline


def test_a_body_dripping_a_byte_at_a_time_is_cut_at_the_whole_body_deadline() -> None:
    with demo_agent(body_timeout=1.0) as url, socket.create_connection(_host_port(url), timeout=10) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        sock.settimeout(0.25)
        answer = b""
        for _ in range(40):  # 10 s of drips, each well inside a per-chunk timeout
            try:
                sock.sendall(b" ")
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            answer += chunk
            if b"stalled" in answer or b"deadline" in answer:
                break
        elapsed = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert elapsed < 4, elapsed  # the deadline is 1 s from the headers, not 1 s per chunk


# ------------------------------------------------------------------------------------------ 8. public bind


def test_a_wildcard_bind_needs_a_public_url() -> None:
    done = subprocess.run(
        [*A2A, "serve", "--host", "0.0.0.0", "--port", "0"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "--public-url" in done.stderr and "127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_non_loopback_bind_is_said_on_stderr_and_the_card_advertises_the_public_url() -> None:
    port = free_port()
    public = "http://agent.example.test:9999"
    proc = subprocess.Popen(
        [*A2A, "serve", "--host", "0.0.0.0", "--port", str(port), "--public-url", public],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None
            try:  # probed on loopback only
                card = httpx.get(f"http://127.0.0.1:{port}/.well-known/agent-card.json", headers=V1, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert {i["url"].rstrip("/") for i in card.json()["supportedInterfaces"]} == {public}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        err = proc.stderr.read() if proc.stderr else ""
        assert "warning: listening on every network interface" in err and "no authentication" in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_loopback_binds_say_nothing_about_exposure() -> None:
    with serving() as (proc, _url):
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        assert "warning" not in (proc.stderr.read() if proc.stderr else "")
