"""`a2a serve --proxy URL` (and `--record` / `--replay`): real upstreams, real clients, no mocks.

Upstreams: the demo agent (`a2a serve`'s app on uvicorn), a plain a2a-sdk 1.3 server (the SDK's own
DefaultRequestHandlerV2 and routes around a small executor), and `a2a serve` itself as a process. Clients: `a2a`
(stream, send, task), the a2a-sdk 1.3 client and its 0.3 compat path, and the @a2a-js/sdk client. The proxy runs
in a thread (the real app on uvicorn) or as a real `a2a serve --proxy` process where its stderr log is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from a2acli.agent.modes import ExchangeLogOptions, ProxyOptions, ReplayOptions
from a2acli.agent.options import TUTORIAL_REPLY
from tests.support.agent import demo_agent
from tests.support.server import free_port, serve_in_thread
from tests.test_interop_js import js_client  # noqa: F401  (the fixture that installs @a2a-js/sdk on demand)

A2A = str(Path(sys.executable).with_name("a2a"))
V1 = {"A2A-Version": "1.0"}


@contextlib.contextmanager
def proxy_for(upstream: str, **fields: Any) -> Iterator[str]:
    log = fields.pop("log", "json")
    with demo_agent(proxy=ProxyOptions(upstream=upstream, **fields), exchange_log=ExchangeLogOptions(log)) as url:
        yield url


def a2a(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    return subprocess.run([A2A, *args], capture_output=True, text=True, timeout=timeout, env=env)


def stream_json(url: str, text: str, *extra: str) -> list[dict[str, Any]]:
    done = a2a("stream", "-a", url, "-o", "json", *extra, text)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def shape(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each event as (kind, state or artifact text): what must be the same through the proxy as direct."""
    out = []
    for event in events:
        ((kind, body),) = event.items()
        if kind == "artifactUpdate":
            flags = f"{'+' if body.get('append') else ''}{'!' if body.get('lastChunk') else ''}"
            out.append((kind, flags + "".join(p.get("text", "") for p in body["artifact"]["parts"])))
        elif kind in ("statusUpdate", "task"):
            out.append((kind, body["status"]["state"]))
        else:
            out.append((kind, ""))
    return out


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(
        p.get("text", "") for e in events if "artifactUpdate" in e for p in e["artifactUpdate"]["artifact"]["parts"]
    )


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with demo_agent(delay=0.01) as url:
        yield url


# ------------------------------------------------------------------------------------------------ a2a as client


@pytest.mark.parametrize(
    ("transport", "version"), [("JSONRPC", "1.0"), ("HTTP+JSON", "1.0"), ("JSONRPC", "0.3"), ("HTTP+JSON", "0.3")]
)
def test_a2a_stream_through_the_proxy_equals_the_direct_stream(upstream: str, transport: str, version: str) -> None:
    flags = ["--transport", transport] + (["--a2a-version", version] if version == "0.3" else [])
    direct = stream_json(upstream, "hi", *flags)
    with proxy_for(upstream) as proxy:
        card = httpx.get(proxy + "/.well-known/agent-card.json", headers=V1).json()
        proxied = stream_json(proxy, "hi", *flags)
    assert shape(proxied) == shape(direct)
    assert _text(proxied) == TUTORIAL_REPLY
    # The card is the upstream's, pointing at the proxy.
    assert card["name"] == "Streaming Demo Agent"
    assert {i["url"].rstrip("/") for i in card["supportedInterfaces"]} == {proxy}


def test_task_operations_and_errors_pass_through(upstream: str) -> None:
    with proxy_for(upstream) as proxy:
        sent = a2a("send", "-a", proxy, "-o", "json", "hello")
        assert sent.returncode == 0, sent.stderr
        task = json.loads(sent.stdout)
        task = task.get("task", task)
        got = a2a("task", "get", task["id"], "-a", proxy, "-o", "json")
        assert got.returncode == 0, got.stderr
        assert json.loads(got.stdout)["status"]["state"] == "TASK_STATE_COMPLETED"
        listed = a2a("task", "list", "-a", proxy, "-o", "json")
        assert listed.returncode == 0, listed.stderr
        assert task["id"] in listed.stdout
        missing_direct = a2a("task", "get", "no-such-task", "-a", upstream, "-o", "json")
        missing = a2a("task", "get", "no-such-task", "-a", proxy, "-o", "json")
    # The upstream's A2A error, by name, with the same exit status as direct.
    assert missing.returncode == missing_direct.returncode != 0
    assert json.loads(missing.stdout)["error"]["code"] == "TaskNotFoundError"


def test_cancel_through_the_proxy() -> None:
    with demo_agent(delay=0.3) as slow, proxy_for(slow) as proxy:
        proc = subprocess.Popen(
            [A2A, "stream", "-a", proxy, "-o", "json", "go"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        task_id = json.loads(proc.stdout.readline())["task"]["id"]
        canceled = a2a("task", "cancel", task_id, "-a", proxy, "-o", "json")
        rest = proc.stdout.read()
        proc.wait(timeout=30)
    assert canceled.returncode == 0, canceled.stderr
    assert json.loads(canceled.stdout)["status"]["state"] == "TASK_STATE_CANCELED"
    assert "TASK_STATE_CANCELED" in rest


# ------------------------------------------------------------------------------------------------ SDK clients


def test_sdk_clients_through_the_proxy(upstream: str) -> None:
    from tests.test_interop_sdk import _sdk_v03, _sdk_v10

    with proxy_for(upstream) as proxy:
        for binding in ("JSONRPC", "HTTP+JSON"):
            text, states, _task = asyncio.run(_sdk_v10(proxy, binding))
            assert text == TUTORIAL_REPLY and states[-1] == "TASK_STATE_COMPLETED", binding
            text, states, _info = asyncio.run(_sdk_v03(proxy, binding))
            assert text == TUTORIAL_REPLY and states[-1] == "TASK_STATE_COMPLETED", binding


def test_js_sdk_client_through_the_proxy(upstream: str, js_client: Path) -> None:  # noqa: F811
    client = js_client
    with proxy_for(upstream) as proxy:
        for binding, version in (("JSONRPC", "1.0"), ("HTTP+JSON", "1.0"), ("JSONRPC", "0.3")):
            done = subprocess.run(
                ["node", str(client), proxy, binding, version], capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, done.stderr
            lines = [json.loads(line) for line in done.stdout.splitlines()]
            assert lines.pop() == {"done": True, "transport": binding, "version": version}
            assert "".join(c["text"] for c in lines if c["kind"] == "artifactUpdate") == TUTORIAL_REPLY
            assert lines[-1] == {"kind": "statusUpdate", "state": "TASK_STATE_COMPLETED"}


# ------------------------------------------------------------------------------------------------ SDK server upstream


@contextlib.contextmanager
def sdk_peer() -> Iterator[str]:
    """A plain a2a-sdk 1.3 server: the SDK's handler, stores and routes, a three-chunk executor, no a2acli code."""
    from a2a.server.agent_execution import AgentExecutor, RequestContext
    from a2a.server.events import EventQueue
    from a2a.server.tasks import TaskUpdater
    from a2a.types.a2a_pb2 import Part, Task, TaskState, TaskStatus
    from starlette.applications import Starlette

    class Executor(AgentExecutor):
        async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
            task_id, context_id = context.task_id or "", context.context_id or ""
            await event_queue.enqueue_event(
                Task(id=task_id, context_id=context_id, status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))
            )
            updater = TaskUpdater(event_queue, task_id, context_id)
            await updater.start_work()
            words = ["sdk ", "peer ", context.get_user_input()]
            for i, word in enumerate(words):
                await updater.add_artifact(
                    [Part(text=word)], artifact_id="a1", name="reply", append=i > 0, last_chunk=i == len(words) - 1
                )
            await updater.complete()

        async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
            await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()

    holder: dict[str, Any] = {}

    async def deferred(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        await holder["app"](scope, receive, send)

    with serve_in_thread(deferred) as base:
        holder["app"] = Starlette(routes=_sdk_peer_routes(base, Executor()))
        yield base


def _sdk_peer_routes(base: str, executor: Any) -> list[Any]:
    from a2a.server.request_handlers import DefaultRequestHandlerV2
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes, create_rest_routes
    from a2a.server.tasks import InMemoryTaskStore
    from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentInterface, AgentSkill

    card = AgentCard(
        name="SDK peer",
        description="a plain a2a-sdk server",
        version="1",
        supported_interfaces=[
            AgentInterface(url=base + "/", protocol_binding="JSONRPC", protocol_version="1.0"),
            AgentInterface(url=base, protocol_binding="HTTP+JSON", protocol_version="1.0"),
        ],
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="echo", name="echo", description="echoes", tags=["echo"])],
    )
    handler = DefaultRequestHandlerV2(agent_executor=executor, task_store=InMemoryTaskStore(), agent_card=card)
    return [
        *create_agent_card_routes(card),
        *create_jsonrpc_routes(handler, rpc_url="/"),
        *create_rest_routes(handler),
    ]


@pytest.mark.parametrize("transport", ["JSONRPC", "HTTP+JSON"])
def test_proxy_in_front_of_a_plain_sdk_server(transport: str) -> None:
    with sdk_peer() as peer:
        direct = stream_json(peer, "x", "--transport", transport)
        with proxy_for(peer) as proxy:
            proxied = stream_json(proxy, "x")  # the client picks its binding; the proxy speaks the peer's
            via_03 = stream_json(proxy, "x", "--a2a-version", "0.3", "--transport", transport)
            card = httpx.get(proxy + "/.well-known/agent-card.json").json()
    assert shape(proxied) == shape(direct) == shape(via_03)
    assert [t for k, t in shape(proxied) if k == "artifactUpdate"] == ["sdk ", "+peer ", "+!x"]
    assert card["name"] == "SDK peer"
    assert card["protocolVersion"] == "0.3"  # the proxy serves 0.3 clients the peer does not speak to


JS_SERVER_DIR = Path(__file__).resolve().parents[1] / "bench" / "baselines" / "js"


@pytest.fixture(scope="module")
def js_server() -> Iterator[str]:
    """The @a2a-js/sdk 1.3 server (express, JSON-RPC, the 13-word reply), installed with npm on first use."""
    import shutil

    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node/npm not installed")
    if not (JS_SERVER_DIR / "node_modules" / "express" / "package.json").is_file():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS_SERVER_DIR, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"npm ci in bench/baselines/js failed:\n{done.stderr[-2000:]}"
    port = free_port()
    proc = subprocess.Popen(
        [node, str(JS_SERVER_DIR / "server.mjs"), str(port), "0.01"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and "ready" in proc.stdout.readline()
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_proxy_in_front_of_the_js_sdk_server(js_server: str) -> None:
    direct = stream_json(js_server, "hi")
    with proxy_for(js_server) as proxy:
        proxied = stream_json(proxy, "hi")
        # The JS peer speaks 1.0 JSON-RPC only; through the proxy, HTTP+JSON and 0.3 clients reach it too.
        rest = stream_json(proxy, "hi", "--transport", "HTTP+JSON")
        legacy = stream_json(proxy, "hi", "--a2a-version", "0.3")
    assert _text(direct) == _text(proxied) == _text(rest) == _text(legacy) == TUTORIAL_REPLY
    assert shape(proxied) == shape(direct)
    assert shape(rest)[-1] == shape(legacy)[-1] == ("statusUpdate", "TASK_STATE_COMPLETED")


# ------------------------------------------------------------------------------------------------ credentials


def test_credentials_go_upstream_only_as_told(tmp_path: Path) -> None:
    token, client_token = "upstream-secret-1", "client-secret-2"
    with demo_agent(bearer_token=token) as guarded:
        # The proxy's own credential for the upstream.
        record = tmp_path / "c.jsonl"
        with proxy_for(guarded, bearer=token, record=str(record)) as proxy:
            events = stream_json(proxy, f"echo {token}")  # the prompt names the secret: it is redacted on record
            assert shape(events)[-1] == ("statusUpdate", "TASK_STATE_COMPLETED")
            card = httpx.get(proxy + "/.well-known/agent-card.json", headers=V1).json()
            assert "securitySchemes" not in card  # the client owes the proxy nothing
        assert token not in record.read_text()
        assert "***" in record.read_text()
        # Without --forward-credentials the client's own token does not go upstream (the upstream refuses).
        with proxy_for(guarded) as proxy:
            refused = a2a("send", "-a", proxy, "--bearer", client_token, "-o", "json", "hi")
            assert refused.returncode != 0
            forwarded_wrong = a2a("send", "-a", proxy, "--bearer", token, "-o", "json", "hi")
            assert forwarded_wrong.returncode != 0
        with proxy_for(guarded, forward_credentials=True) as proxy:
            card = httpx.get(proxy + "/.well-known/agent-card.json", headers=V1).json()
            assert "securitySchemes" in card  # the upstream's scheme, so clients know to send one
            forwarded = a2a("send", "-a", proxy, "--bearer", token, "-o", "json", "hi")
            assert forwarded.returncode == 0, forwarded.stderr


# ------------------------------------------------------------------------------------------------ record / replay


def test_record_then_replay_with_the_upstream_stopped(tmp_path: Path) -> None:
    cassette = tmp_path / "session.jsonl"
    with demo_agent(delay=0.05) as up, proxy_for(up, record=str(cassette)) as proxy:
        recorded = stream_json(proxy, "record me")
        sent = a2a("send", "-a", proxy, "-o", "json", "and me")
        task_id = recorded[0]["task"]["id"]
        got = a2a("task", "get", task_id, "-a", proxy, "-o", "json")
    assert sent.returncode == 0 and got.returncode == 0
    assert oct(cassette.stat().st_mode & 0o777) == "0o600"
    lines = [json.loads(line) for line in cassette.read_text().splitlines()]
    assert lines[0]["cassette"] == 1 and lines[0]["card"]["name"] == "Streaming Demo Agent"
    assert {(r["method"], r["kind"]) for r in lines[1:]} >= {
        ("SendStreamingMessage", "request"),
        ("SendStreamingMessage", "event"),
        ("SendStreamingMessage", "end"),
        ("GetTask", "response"),
    }
    # The upstream is gone: replay answers alone, at 4x the recorded pace.
    with demo_agent(replay=ReplayOptions(str(cassette), speed=4), exchange_log=ExchangeLogOptions("json")) as replay:
        started = time.monotonic()
        replayed = stream_json(replay, "record me")
        took = time.monotonic() - started
        resent = a2a("send", "-a", replay, "-o", "json", "and me")
        regot = a2a("task", "get", task_id, "-a", replay, "-o", "json")
        unknown = a2a("stream", "-a", replay, "-o", "json", "never said")
    # Equal event by event (the message id in the Task's history is the recorded client's).
    for event in (*recorded, *replayed):
        for message in event.get("task", {}).get("history", []):
            message.pop("messageId", None)
    assert replayed == recorded
    assert took < 15
    assert json.loads(resent.stdout) == json.loads(sent.stdout)
    assert json.loads(regot.stdout) == json.loads(got.stdout)
    assert unknown.returncode != 0
    assert "replay: the cassette has no SendStreamingMessage for message 'never said'" in unknown.stderr
    assert "it holds SendStreamingMessage for: message 'record me'" in unknown.stderr


def test_replay_keeps_the_recorded_pace(tmp_path: Path) -> None:
    cassette = tmp_path / "slow.jsonl"
    with demo_agent(delay=0.1) as up, proxy_for(up, record=str(cassette)) as proxy:
        stream_json(proxy, "pace")
    recorded = [json.loads(line) for line in cassette.read_text().splitlines()[1:]]
    span = max(r["t"] for r in recorded if r["kind"] == "event")
    assert span >= 1.2  # 15 words at 0.1 s
    with demo_agent(replay=ReplayOptions(str(cassette), speed=1), exchange_log=ExchangeLogOptions("json")) as replay:
        started = time.monotonic()
        stream_json(replay, "pace")
        at_pace = time.monotonic() - started
    with demo_agent(replay=ReplayOptions(str(cassette), speed=0), exchange_log=ExchangeLogOptions("json")) as replay:
        started = time.monotonic()
        stream_json(replay, "pace")
        at_once = time.monotonic() - started
    assert at_pace >= span
    assert at_once < at_pace


def test_bad_cassettes_and_flag_combinations_are_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"not": "a cassette"}\n')
    for args, expected in (
        (["--replay", str(bad)], "not a cassette written by `a2a serve --record`"),
        (["--replay", str(tmp_path / "none.jsonl")], "--replay: no such file"),
        (["--record", str(tmp_path / "x.jsonl")], "--record needs --proxy"),
        (["--proxy", "http://127.0.0.1:9", "--replay", str(bad)], "--proxy and --replay cannot be combined"),
        (["--upstream-bearer", "t"], "need --proxy"),
        (["--proxy", "http://127.0.0.1:9", "--log-format", "xml"], "--log-format: expected text or json"),
    ):
        done = a2a("serve", "--port", "0", *args, timeout=30)
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_an_unreachable_upstream_is_one_clear_error_at_start() -> None:
    done = a2a("serve", "--port", "0", "--proxy", f"http://127.0.0.1:{free_port()}", timeout=60)
    assert done.returncode == 3, done.stderr
    assert "cannot reach" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------------------------------------ the live log


def test_the_proxy_process_logs_each_exchange(upstream: str) -> None:
    from tests.test_serve import serve_process

    with serve_process("--proxy", upstream, "--log-format", "json") as (proc, url):
        stream_json(url, "logged")
        a2a("task", "get", "nope", "-a", url)
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    stream = [r for r in records if r["method"] == "SendStreamingMessage"]
    assert [r["kind"] for r in stream][:2] == ["request", "event"]
    assert stream[-1]["kind"] == "end" and stream[-1]["events"] == 16  # Task, WORKING, 13 words, COMPLETED
    assert stream[-2]["state"] == "COMPLETED"
    assert all(isinstance(r["ms"], int | float) for r in stream)
    assert {r["task"] for r in stream if r["kind"] == "event"} == {stream[1]["task"]}
    errors = [r for r in records if r["method"] == "GetTask" and r["kind"] == "error"]
    assert errors and errors[0]["error"].startswith("TaskNotFoundError")


# ------------------------------------------------------------------------------------------------ cut connections


def test_a_cut_between_proxy_and_upstream_is_healed_by_the_proxy() -> None:
    from tests.test_resume_proxy import CuttingProxy

    with demo_agent(delay=0.05) as up:
        cutter = CuttingProxy(cuts=[5])
        port = int(up.rsplit(":", 1)[1])
        cutter.upstream = ("127.0.0.1", port)
        cutter.start()
        try:
            # The cutter fronts the upstream's address space: its card still names the upstream, so the proxy is
            # pointed at the cutter for everything by reading the card through it with the upstream's interfaces
            # rewritten (a card file naming the cutter).
            card = httpx.get(up + "/.well-known/agent-card.json", headers=V1).json()
            for interface in card["supportedInterfaces"]:
                interface["url"] = interface["url"].replace(up, cutter.url)
            card_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"cut-card-{uuid.uuid4().hex}.json"
            card_file.write_text(json.dumps(card))
            try:
                with proxy_for(str(card_file)) as proxy:
                    events = stream_json(proxy, "cut me")
            finally:
                card_file.unlink()
        finally:
            cutter.stop()
    assert cutter.cut_done == 1
    assert _text(events) == TUTORIAL_REPLY  # every word exactly once
    assert shape(events)[-1] == ("statusUpdate", "TASK_STATE_COMPLETED")


def test_a_client_that_goes_away_closes_the_upstream_stream(upstream: str) -> None:
    from tests.test_serve import serve_process

    with demo_agent(delay=0.2) as slow, serve_process("--proxy", slow, "--log-format", "json") as (proc, url):
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "SendStreamingMessage",
            "params": {"message": {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "x"}]}},
        }
        with httpx.Client(timeout=10) as client, client.stream("POST", url + "/", json=body, headers=V1) as r:
            lines = r.iter_lines()
            task_id = ""
            for line in lines:
                if line.startswith("data:"):
                    task_id = json.loads(line[5:])["result"]["task"]["id"]
                    break
        # The client is gone after the first event; the upstream's task carries on and the proxy still answers.
        deadline = time.monotonic() + 20
        state = ""
        while time.monotonic() < deadline and state != "TASK_STATE_COMPLETED":
            got = a2a("task", "get", task_id, "-a", url, "-o", "json")
            state = json.loads(got.stdout)["status"]["state"] if got.returncode == 0 else ""
            time.sleep(0.3)
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert state == "TASK_STATE_COMPLETED"
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    stream_end = [r for r in records if r["method"] == "SendStreamingMessage" and r["kind"] == "end"]
    assert stream_end and stream_end[0]["events"] < 5  # the proxy stopped reading upstream when the client left


def test_the_log_is_styled_by_rich_on_a_terminal(upstream: str) -> None:
    import threading

    from tests.support.pty import run_in_pty

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    streamed: list[list[dict[str, Any]]] = []

    def client() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + "/.well-known/agent-card.json", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        streamed.append(stream_json(url, "on a terminal"))

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env.update(TERM="xterm-256color", COLUMNS="200")
    env.pop("NO_COLOR", None)
    code, out = run_in_pty(
        [A2A, "serve", "--port", str(port), "--proxy", upstream], env, timeout=60, interrupt_after=b"event(s)"
    )
    thread.join(timeout=30)
    text = out.decode(errors="replace")
    assert code == 0, text
    assert streamed and shape(streamed[0])[-1] == ("statusUpdate", "TASK_STATE_COMPLETED")
    assert "\x1b[" in text  # styled
    assert "#1 → SendStreamingMessage" in text and "COMPLETED" in text and "16 event(s)" in text


def test_the_sdk_grpc_client_through_the_proxy(upstream: str) -> None:
    """`--grpc-port` is inherited: a gRPC client reaches a JSON-RPC upstream through the proxy."""
    pytest.importorskip("grpc")
    from a2a.types import a2a_pb2

    from tests.test_grpc_server import _message, _sdk_client, _states
    from tests.test_grpc_server import _text as grpc_text

    async def run(url: str) -> tuple[list[Any], Any]:
        client = await _sdk_client(url)
        events = [ev async for ev in client.send_message(a2a_pb2.SendMessageRequest(message=_message()))]
        task_id = next(ev.task.id for ev in events if ev.WhichOneof("payload") == "task")
        task = await client.get_task(a2a_pb2.GetTaskRequest(id=task_id))
        await client.close()
        return events, task

    with demo_agent(proxy=ProxyOptions(upstream=upstream), exchange_log=ExchangeLogOptions("json"), grpc_port=0) as p:
        events, task = asyncio.run(run(p))
    assert grpc_text(events) == TUTORIAL_REPLY
    assert _states(events)[-1] == "TASK_STATE_COMPLETED"
    assert task.status.state == a2a_pb2.TASK_STATE_COMPLETED


def test_push_configs_through_the_proxy(upstream: str) -> None:
    with proxy_for(upstream) as proxy:
        task_id = stream_json(proxy, "push")[0]["task"]["id"]
        created = a2a(
            "task", "push-config", "create", task_id, "--webhook", "http://127.0.0.1:9/hook", "-a", proxy, "-o", "json"
        )
        assert created.returncode == 0, created.stderr
        listed_direct = a2a("task", "push-config", "list", task_id, "-a", upstream, "-o", "json")
        listed = a2a("task", "push-config", "list", task_id, "-a", proxy, "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == json.loads(listed_direct.stdout)  # it was created upstream
    assert "http://127.0.0.1:9/hook" in listed.stdout


def test_the_proxy_keeps_serve_guards(upstream: str) -> None:
    """The bearer token and the body cap of `a2a serve` guard the proxy (the token is the proxy's, not forwarded)."""
    with demo_agent(
        proxy=ProxyOptions(upstream=upstream),
        exchange_log=ExchangeLogOptions("json"),
        bearer_token="proxy-guard-7d1e",
        max_body_bytes=4096,
    ) as proxy:
        refused = a2a("send", "-a", proxy, "-o", "json", "hi")
        allowed = a2a("send", "-a", proxy, "--bearer", "proxy-guard-7d1e", "-o", "json", "hi")
        big = httpx.post(
            proxy + "/",
            headers={**V1, "Authorization": "Bearer proxy-guard-7d1e"},
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "SendMessage",
                "params": {"message": {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "x" * 10_000}]}},
            },
            timeout=10,
        )
    assert refused.returncode == 4, refused.stderr  # SPEC: an authentication failure
    assert allowed.returncode == 0, allowed.stderr
    assert big.status_code == 413


SCENARIOS = [
    "complete",
    "message",
    "stream",
    "progress",
    "artifact-text",
    "artifact-file",
    "artifact-file-url",
    "artifact-data",
    "artifact-chunked",
    "input-required",
    "auth-required",
    "fail",
    "reject",
    "error",
]


def _comparable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events without what differs from run to run (ids, timestamps)."""
    volatile = {"id", "taskId", "contextId", "messageId", "artifactId", "timestamp"}

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in volatile}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [strip(e) for e in events]


def test_every_demo_scenario_is_the_same_through_the_proxy(upstream: str) -> None:
    """Direct replies, artifacts of every kind, interrupted and failed tasks, A2A errors: byte for byte (ids aside)."""
    with proxy_for(upstream) as proxy:
        for name in SCENARIOS:
            direct = a2a("stream", "-a", upstream, "-o", "json", f"/scenario {name}")
            proxied = a2a("stream", "-a", proxy, "-o", "json", f"/scenario {name}")
            assert proxied.returncode == direct.returncode, (name, proxied.stderr)
            events = [[json.loads(line) for line in r.stdout.splitlines() if line.strip()] for r in (direct, proxied)]
            assert _comparable(events[1]) == _comparable(events[0]), name
            if direct.returncode:
                assert json.loads(proxied.stdout)["error"]["code"] == json.loads(direct.stdout)["error"]["code"], name


def test_every_demo_scenario_replays_as_recorded(upstream: str, tmp_path: Path) -> None:
    cassette = tmp_path / "scenarios.jsonl"
    recorded: dict[str, tuple[int, str]] = {}
    with proxy_for(upstream, record=str(cassette)) as proxy:
        for name in SCENARIOS:
            done = a2a("stream", "-a", proxy, "-o", "json", f"/scenario {name}")
            recorded[name] = (done.returncode, done.stdout)
    replay_options = ReplayOptions(str(cassette), speed=0)
    with demo_agent(replay=replay_options, exchange_log=ExchangeLogOptions("json")) as replay:
        for name in SCENARIOS:
            done = a2a("stream", "-a", replay, "-o", "json", f"/scenario {name}")
            code, out = recorded[name]
            assert done.returncode == code, (name, done.stderr)

            # Equal event by event; only the client's own message id (in a Task's history) is the recorded one.
            replayed = [json.loads(line) for line in done.stdout.splitlines()]
            original = [json.loads(line) for line in out.splitlines()]
            for event in (*replayed, *original):
                for message in event.get("task", {}).get("history", []):
                    message.pop("messageId", None)
            assert replayed == original, name


def test_agent_escapes_never_reach_the_log(capfd: pytest.CaptureFixture[str]) -> None:
    """What the log shows of the upstream (its error messages here) is cleaned of escape sequences."""
    from tests.hostile.servers import EVIL_BYTES, hostile_agents

    with hostile_agents() as hostile, proxy_for(hostile.origin_ref("escape-error"), log="text") as proxy:
        capfd.readouterr()
        done = a2a("stream", "-a", proxy, "go")
        log = capfd.readouterr().err
    assert done.returncode != 0
    error_lines = [line for line in log.splitlines() if line.startswith("#1 ✗ SendStreamingMessage")]
    assert error_lines and "task vanished [bold red]RICH[/bold red]" in error_lines[0]  # shown, literally ...
    assert not [b for b in EVIL_BYTES if b in log], log  # ... without its escapes


def test_sdk_log_lines_are_cleaned_in_the_serve_process() -> None:
    """The SDK logs an upstream's error message (a request error, at WARNING): no escape reaches stderr."""
    from tests.hostile.servers import EVIL_BYTES, hostile_agents
    from tests.test_serve import serve_process

    with hostile_agents() as hostile, serve_process("--proxy", hostile.origin_ref("escape-error")) as (proc, url):
        a2a("stream", "-a", url, "go")
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert "Request Error" in err and "task vanished" in err
    assert not [b for b in EVIL_BYTES if b in err], err


def test_a_03_only_upstream_reached_by_1_0_clients(tmp_path: Path) -> None:
    """The proxy speaks 0.3 upstream (a2acli's client picks it from the 0.3 card) and 1.0 downstream."""
    with demo_agent(protocol_versions="0.3", delay=0.01) as legacy:
        direct = stream_json(legacy, "old", "--a2a-version", "0.3")
        with proxy_for(legacy) as proxy:
            card = httpx.get(proxy + "/.well-known/agent-card.json", headers=V1).json()
            proxied = stream_json(proxy, "old")  # 1.0 JSON-RPC to the proxy
            rest = stream_json(proxy, "old", "--transport", "HTTP+JSON")
    assert ("JSONRPC", "1.0") in [(i["protocolBinding"], i["protocolVersion"]) for i in card["supportedInterfaces"]]
    assert shape(proxied) == shape(direct) == shape(rest)
    assert _text(proxied) == TUTORIAL_REPLY


def test_the_proxy_passes_a2a_conformance_like_its_upstream() -> None:
    """`a2a conformance` (the TCK's 1.0 requirement IDs, both bindings) finds the proxy as conformant as the demo
    agent behind it: subscriptions to interrupted tasks stay open until terminal, errors keep their names, every
    subscriber gets every event."""
    from tests.test_serve import serve_process

    # Both as processes: a check completes its task 0.3 s after subscribing, a race a proxy sharing the test
    # process's interpreter with its upstream could lose on a loaded machine.
    with (
        serve_process("--delay", "0") as (up_proc, up),
        serve_process("--proxy", up, "--log-format", "json") as (proxy_proc, proxy),
    ):
        direct = a2a("conformance", "-a", up, "--level", "should", "-o", "json", timeout=180)
        proxied = a2a("conformance", "-a", proxy, "--level", "should", "-o", "json", timeout=180)
        for proc in (proxy_proc, up_proc):
            proc.terminate()
            proc.communicate(timeout=30)
    assert direct.returncode == 0, direct.stdout[-2000:]
    assert proxied.returncode == 0, proxied.stdout[-3000:]

    def outcomes(done: subprocess.CompletedProcess[str]) -> dict[tuple[str, str], str]:
        document = json.loads(done.stdout)
        return {(r["id"], r.get("binding") or ""): r["status"] for r in document["checks"]}

    assert outcomes(proxied) == outcomes(direct)
