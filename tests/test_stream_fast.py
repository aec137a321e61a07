"""The synchronous first stream (`a2acli.client.fast`): same results as the full httpx path, or the full path.

Every run is a real `a2a` process against a real local server. A probe wrapper records which heavy modules
were loaded when the first byte reached stdout, which tells the fast path (no asyncio, no httpx) from the full
one; `A2ACLI_NO_FAST_PATH=1` forces the full path, and each case compares the two: exit status, stdout and
stderr must be the same (after masking ids and times where the agent makes them up).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.hostile import fixtures
from tests.hostile.servers import HostileAgent, RawAgent
from tests.support.agent import demo_agent
from tests.support.server import serve_in_thread

hostile, raw = fixtures.hostile, fixtures.raw  # the shared module-scoped agents, found by name

DEMO_TEXT = "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities."
HEAVY = ("asyncio", "httpx", "anyio", "httpcore", "rich")
PROBE = r"""
import json, os, sys
state = {}
mark = os.environ.get("PROBE_MARK", "")
class Probe:
    def __init__(self, inner):
        self.inner = inner
    def write(self, text):
        if text and mark in text and "first" not in state:
            state["first"] = sorted(m for m in %r if m in sys.modules)
        return self.inner.write(text)
    def __getattr__(self, name):
        return getattr(self.inner, name)
sys.stdout = Probe(sys.stdout)
from a2acli.cli import run
try:
    rc = run(sys.argv[2:])
finally:
    with open(sys.argv[1], "w") as fh:
        json.dump(state, fh)
sys.exit(rc)
""" % (HEAVY,)  # noqa: UP031 - a literal tuple inside the script


@dataclass
class Run:
    code: int
    out: str
    err: str
    first: list[str] | None  # heavy modules loaded at the first stdout write (None: nothing written)

    @property
    def fast(self) -> bool:
        return self.first is not None and not self.first


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_") and not k.lower().endswith("_proxy")}
    env.update({"COLUMNS": "100", "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


def a2a(args: list[str], tmp_path: Path, *, full: bool = False, env: dict[str, str] | None = None) -> Run:
    state = tmp_path / f"probe-{time.monotonic_ns()}.json"
    extra = dict(env or {})
    if full:
        extra["A2ACLI_NO_FAST_PATH"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(state), *args],
        capture_output=True,
        text=True,
        env=_env(extra),
        timeout=60,
        cwd=tmp_path,
    )
    probe = json.loads(state.read_text()) if state.exists() else {}
    return Run(proc.returncode, proc.stdout, proc.stderr, probe.get("first"))


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?")
_DELAY = re.compile(r"reconnecting in \d+\.\ds")


def masked(text: str) -> str:
    return _DELAY.sub("reconnecting in #s", _TIME.sub("<time>", _UUID.sub("<uuid>", text)))


def assert_same(fast: Run, full: Run) -> None:
    assert (fast.code, masked(fast.out), masked(fast.err)) == (full.code, masked(full.out), masked(full.err))


def both(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> tuple[Run, Run]:
    fast = a2a(args, tmp_path, env=env)
    full = a2a(args, tmp_path, full=True, env=env)
    assert full.first is None or "asyncio" in full.first  # the switch really forces the full path
    assert_same(fast, full)
    return fast, full


# ------------------------------------------------------------------------------------------------ servers


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    with demo_agent() as url:
        yield url


TASK = "task-fast-1"
CONTEXT = "ctx-fast-1"


def _events() -> list[dict[str, Any]]:
    ids = {"taskId": TASK, "contextId": CONTEXT}
    words = ["Hello! ", "fast ", "and ", "full ", "agree."]
    out: list[dict[str, Any]] = [
        {"task": {"id": TASK, "contextId": CONTEXT, "status": {"state": "TASK_STATE_SUBMITTED"}}},
        {"statusUpdate": {**ids, "status": {"state": "TASK_STATE_WORKING"}}},
    ]
    for i, word in enumerate(words):
        update: dict[str, Any] = {**ids, "artifact": {"artifactId": "a1", "name": "reply", "parts": [{"text": word}]}}
        if i:
            update["append"] = True
        if i == len(words) - 1:
            update["lastChunk"] = True
        out.append({"artifactUpdate": update})
    out.append({"statusUpdate": {**ids, "status": {"state": "TASK_STATE_COMPLETED"}}})
    return out


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Scripted:
    """A small 1.0 agent whose card misbehaves as its path says; every request (with its body) is recorded.

    /{mode}/.well-known/agent-card.json   ok | etag | redirect (302) | legacy (404, card at agent.json) |
                                          locked (401) | https (interface https://) | nostream | querykey
    /{mode}/rpc                           JSON-RPC: SendStreamingMessage -> the canned stream; GetTask -> task
    """

    base: str = ""
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def card(self, mode: str) -> dict[str, Any]:
        scheme = "https" if mode == "https" else "http"
        url = f"{self.base.replace('http', scheme, 1)}/{mode}/rpc"
        doc: dict[str, Any] = {
            "name": "Scripted",
            "description": "fast path tests",
            "version": "1.0.0",
            "capabilities": {"streaming": mode != "nostream"},
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain"],
            "skills": [{"id": "s", "name": "s", "description": "s", "tags": ["t"]}],
            "supportedInterfaces": [{"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
            "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "bearer"}}},
        }
        if mode == "querykey":
            doc["securitySchemes"] = {"key": {"apiKeySecurityScheme": {"location": "query", "name": "key"}}}
        return doc

    async def record(self, request: Request) -> None:
        body = await request.body()
        with self.lock:
            self.seen.append(Seen(request.method, request.url.path, dict(request.headers), body))

    def posts(self) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.method == "POST"]

    async def well_known(self, request: Request) -> Response:
        await self.record(request)
        mode = request.path_params["mode"]
        if mode == "redirect":
            return RedirectResponse(f"{self.base}/{mode}/real-card.json", status_code=302)
        if mode == "legacy":
            return PlainTextResponse("not here", status_code=404)
        if mode == "locked":
            return PlainTextResponse("no", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="x"'})
        if mode == "cardstall":

            async def stall() -> Any:
                yield b'{"name": "slow'
                await asyncio.sleep(5)
                yield b'"}'

            return StreamingResponse(stall(), media_type="application/json")
        headers = {"ETag": '"v1"', "Cache-Control": "no-cache"} if mode == "etag" else {}
        if mode == "etag" and request.headers.get("if-none-match") == '"v1"':
            return Response(status_code=304, headers=headers)
        return JSONResponse(self.card(mode), headers=headers)

    async def other_card(self, request: Request) -> Response:
        await self.record(request)
        return JSONResponse(self.card(request.path_params["mode"]))

    async def rpc(self, request: Request) -> Response:
        await self.record(request)
        req = json.loads(await request.body())
        if req["method"] == "SendStreamingMessage":
            body = b"".join(
                b"data: " + json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": e}).encode() + b"\n\n"
                for e in _events()
            )
            mode = request.path_params["mode"]
            if mode == "gzip":
                return Response(
                    gzip.compress(body), media_type="text/event-stream", headers={"Content-Encoding": "gzip"}
                )
            if mode == "deflate":
                return Response(
                    zlib.compress(body), media_type="text/event-stream", headers={"Content-Encoding": "deflate"}
                )
            return Response(body, media_type="text/event-stream")
        if req["method"] == "SendMessage":
            task = {"id": TASK, "contextId": CONTEXT, "status": {"state": "TASK_STATE_SUBMITTED"}}
            return JSONResponse({"jsonrpc": "2.0", "id": req["id"], "result": {"task": task}})
        task = {
            "id": TASK,
            "contextId": CONTEXT,
            "status": {"state": "TASK_STATE_COMPLETED"},
            "artifacts": [{"artifactId": "a1", "name": "reply", "parts": [{"text": "Hello! fast and full agree."}]}],
        }
        return JSONResponse({"jsonrpc": "2.0", "id": req["id"], "result": task})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/{mode}/.well-known/agent-card.json", self.well_known, methods=["GET"]),
                Route("/{mode}/.well-known/agent.json", self.other_card, methods=["GET"]),
                Route("/{mode}/real-card.json", self.other_card, methods=["GET"]),
                Route("/{mode}/rpc", self.rpc, methods=["POST"]),
            ]
        )


@pytest.fixture(scope="module")
def scripted() -> Iterator[Scripted]:
    agent = Scripted()
    with serve_in_thread(agent.app()) as base:
        agent.base = base
        yield agent


# ------------------------------------------------------------------------------------------------ same results


@pytest.mark.parametrize("wire", ["v1", "v1rest", "v03"])
@pytest.mark.parametrize(
    "flags", [["stream"], ["stream", "-o", "json"], ["send", "--stream"], ["send", "--stream", "-o", "json"]]
)
def test_fast_path_prints_exactly_what_the_full_path_prints(
    hostile: HostileAgent, tmp_path: Path, wire: str, flags: list[str]
) -> None:
    args = [*flags, "hello", "-a", hostile.origin_ref("ok", wire)]
    fast, full = both(args, tmp_path)
    assert fast.code == 0 and fast.out
    assert fast.fast, f"the fast path was not taken: {fast.first}"
    assert not full.fast
    if "json" in args:
        assert all(json.loads(line) for line in fast.out.splitlines())


def test_demo_agent_same_lines_and_no_heavy_import_before_the_first_token(demo: str, tmp_path: Path) -> None:
    for extra in ([], ["-o", "json"]):
        fast, _ = both(["stream", "hi", "-a", demo, *extra], tmp_path)
        assert fast.code == 0 and fast.fast
        assert "Hello!" in fast.out
    # The agent's card is cached (ETag, no-cache): the next run revalidates it (304) on the fast path too.
    again = a2a(["stream", "hi", "-a", demo], tmp_path)
    assert again.code == 0 and again.fast


def test_same_request_on_the_wire(scripted: Scripted, tmp_path: Path) -> None:
    args = ["stream", "hi", "-a", f"{scripted.base}/ok", "--bearer", "s3cret-token", "--svc-param", "X-Trace:abc"]
    scripted.seen.clear()
    fast, _ = both(args, tmp_path)
    assert fast.fast and fast.code == 0
    posts = scripted.posts()
    assert len(posts) == 2  # one POST per run: never re-sent
    skip = {"host"}
    fast_h = {k: v for k, v in posts[0].headers.items() if k not in skip}
    full_h = {k: v for k, v in posts[1].headers.items() if k not in skip}
    assert fast_h == full_h
    assert fast_h["authorization"] == "Bearer s3cret-token" and fast_h["a2a-version"] == "1.0"
    assert fast_h["accept"] == "text/event-stream" and fast_h["accept-encoding"] == "gzip, deflate"
    assert posts[0].headers["host"] == posts[1].headers["host"]
    bodies = [_HEX32.sub("<id>", masked(p.body.decode())) for p in posts]  # message id, JSON-RPC id
    assert bodies[0] == bodies[1] and '"method":"SendStreamingMessage"' in bodies[0]
    cards = [s for s in scripted.seen if s.method == "GET"]
    assert all("authorization" not in s.headers for s in cards)  # credentials never go to the card endpoint
    assert "s3cret-token" not in fast.out + fast.err


_HEX32 = re.compile(r"\b[0-9a-f]{32}\b")


# ------------------------------------------------------------------------------------------------ fallbacks


def test_the_0_2_card_path_is_found_on_the_fast_path_too(scripted: Scripted, tmp_path: Path) -> None:
    """404 at agent-card.json, the card at agent.json: the candidates are tried in the full path's order."""
    scripted.seen.clear()
    fast, _ = both(["stream", "hi", "-a", f"{scripted.base}/legacy"], tmp_path)
    assert fast.fast and fast.code == 0 and "fast and full agree." in fast.out
    paths = [s.path for s in scripted.seen if s.method == "GET"]
    assert paths == ["/legacy/.well-known/agent-card.json", "/legacy/.well-known/agent.json"] * 2


@pytest.mark.parametrize("mode", ["redirect", "locked", "https", "nostream"])
def test_unusual_cards_take_the_full_path(scripted: Scripted, tmp_path: Path, mode: str) -> None:
    scripted.seen.clear()
    fast, _ = both(["stream", "hi", "-a", f"{scripted.base}/{mode}"], tmp_path)
    assert not fast.fast
    if mode in ("redirect", "nostream"):
        assert fast.code == 0 and "fast and full agree." in fast.out
    if mode == "locked":
        assert fast.code == 4
    if mode == "https":
        assert fast.code == 3
    streams = [s for s in scripted.posts() if b"SendStreamingMessage" in s.body]
    assert len(streams) == (2 if mode == "redirect" else 0)  # the fast path never POSTed


def test_api_key_in_a_query_takes_the_full_path(scripted: Scripted, tmp_path: Path) -> None:
    scripted.seen.clear()
    fast, _ = both(["stream", "hi", "-a", f"{scripted.base}/querykey", "--api-key", "k3y"], tmp_path)
    assert fast.code == 0 and not fast.fast
    assert len(scripted.posts()) == 2


@pytest.mark.parametrize(
    "env",
    [
        {"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"},
        {"all_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1"},
        {"HTTP_PROXY": "http://127.0.0.1:9"},
    ],
)
def test_proxy_variables_take_the_full_path(scripted: Scripted, tmp_path: Path, env: dict[str, str]) -> None:
    fast, _ = both(["stream", "hi", "-a", f"{scripted.base}/ok"], tmp_path, env=env)
    assert not fast.fast
    assert fast.code == (3 if "NO_PROXY" not in env and "no_proxy" not in env else 0)


def test_https_reference_and_debug_take_the_full_path(scripted: Scripted, tmp_path: Path) -> None:
    fast, _ = both(["stream", "hi", "-a", "https://127.0.0.1:9/x"], tmp_path)
    assert fast.code == 3 and not fast.fast
    run = a2a(["stream", "hi", "-a", f"{scripted.base}/ok", "--debug"], tmp_path)
    assert run.code == 0 and not run.fast and "debug: > POST" in run.err


@pytest.mark.parametrize("mode", ["gzip", "deflate"])
def test_compressed_event_streams(scripted: Scripted, tmp_path: Path, mode: str) -> None:
    fast, _ = both(["stream", "hi", "-a", f"{scripted.base}/{mode}", "-o", "json"], tmp_path)
    assert fast.fast and fast.code == 0 and len(fast.out.splitlines()) == len(_events())


def test_a_stalled_card_times_out_as_on_the_full_path(scripted: Scripted, tmp_path: Path) -> None:
    fast, _ = both(["stream", "hi", "-a", f"{scripted.base}/cardstall"], tmp_path, {"A2ACLI_READ_TIMEOUT": "0.5"})
    assert fast.code == 5 and "timed out fetching the card at " in fast.err
    fast, _ = both(["stream", "hi", "-a", f"{scripted.base}/cardstall", "--timeout", "1s"], tmp_path)
    assert fast.code == 5 and "error: --timeout 1s expired before the task finished" in fast.err


def test_etag_card_is_revalidated_on_the_fast_path(scripted: Scripted, tmp_path: Path) -> None:
    scripted.seen.clear()
    first = a2a(["stream", "hi", "-a", f"{scripted.base}/etag"], tmp_path)
    second = a2a(["stream", "hi", "-a", f"{scripted.base}/etag"], tmp_path)
    assert first.fast and second.fast and first.out == second.out
    gets = [s for s in scripted.seen if s.method == "GET"]
    assert "if-none-match" not in gets[0].headers and gets[1].headers.get("if-none-match") == '"v1"'


# ------------------------------------------------------------------------------------------------ errors after the POST


@pytest.mark.parametrize(
    "scenario",
    [
        "rpc-500-html",
        "rpc-401",
        "rpc-403",
        "rpc-429",
        "rpc-html-200",
        "rpc-not-json",
        "sse-garbage",
        "sse-invalid-utf8",
        "sse-partial-json",
        "sse-error-event",
        "sse-jsonrpc-error",
        "sse-plain-json-error",
        "sse-html-200",
        "sse-other-task",
        "sse-after-terminal",
        "sse-escape",
        "escape-error",
        "unknown-code",
        "weird-error",
        "sse-drip",
        "sse-many-events",
    ],
)
@pytest.mark.parametrize("output", ["text", "json"])
def test_errors_after_the_post_are_the_full_paths(
    hostile: HostileAgent, tmp_path: Path, scenario: str, output: str
) -> None:
    hostile.recorder.clear()
    fast, _ = both(["stream", "hi", "-a", hostile.origin_ref(scenario), "-o", output], tmp_path)
    posts = [r for r in hostile.recorder.snapshot() if r.method == "POST"]
    assert len(posts) == 2, [r.path for r in posts]  # one per run: the fast path never re-sends
    if fast.code:
        assert fast.err.startswith("error: ") and "Traceback" not in fast.err


@pytest.mark.parametrize("wire", ["v1rest", "v03"])
@pytest.mark.parametrize("scenario", ["rpc-500-html", "sse-jsonrpc-error", "sse-garbage", "sse-plain-json-error"])
def test_errors_on_other_wires_are_the_full_paths(
    hostile: HostileAgent, tmp_path: Path, wire: str, scenario: str
) -> None:
    both(["stream", "hi", "-a", hostile.origin_ref(scenario, wire)], tmp_path)


@pytest.mark.parametrize(
    "scenario",
    ["raw-close", "raw-garbage-status", "raw-short-content-length", "raw-header-flood", "raw-slow-headers"],
)
def test_broken_http_is_the_full_paths(raw: RawAgent, tmp_path: Path, scenario: str) -> None:
    timeout = "1s" if scenario == "raw-slow-headers" else "3s"
    fast, _ = both(["stream", "hi", "-a", raw.card_url(scenario), "--timeout", timeout], tmp_path)
    assert fast.code in (1, 3, 5) and fast.fast is False  # nothing reached stdout


@pytest.mark.parametrize("scenario", ["raw-truncated-chunked", "raw-bad-chunk-size"])
def test_broken_chunked_streams_are_resumed_as_on_the_full_path(raw: RawAgent, tmp_path: Path, scenario: str) -> None:
    """One event, then a broken chunked body: resumed (and given up) on the full machinery. Whether the
    `--timeout` or the reconnect budget ends it depends on the random backoff, so only that is not compared."""
    args = ["stream", "hi", "-a", raw.card_url(scenario), "--timeout", "3s"]
    fast = a2a(args, tmp_path)
    full = a2a(args, tmp_path, full=True)
    assert fast.fast and fast.code in (3, 5) and full.code in (3, 5)
    assert fast.out == full.out and "Task ID: task-hostile-1" in fast.out
    assert masked(fast.err.splitlines()[0]) == masked(full.err.splitlines()[0])
    assert "note: the stream dropped (StreamDroppedError: the event stream broke off: " in fast.err


# -------------------------------------------------------------------------------------------- drops, timeouts, Ctrl-C


def test_a_dropped_stream_is_resumed_without_duplicates(tmp_path: Path) -> None:
    from tests.test_resume_proxy import cutting_proxy

    text = DEMO_TEXT
    runs = []
    for full in (False, True):
        # 0.1 s a word: the task is still running when the resubscription lands (the first backoff is up to
        # 0.25 s; at 0.02 s a word the task could finish first, and stderr then says "polling" on one run only).
        with cutting_proxy([4]) as proxy, demo_agent(delay=0.1, public_url=proxy.url) as upstream:
            host, port = upstream.rsplit("/", 1)[-1].split(":")
            proxy.upstream = (host, int(port))
            run = a2a(["stream", "tell me", "-a", proxy.url], tmp_path, full=full)
            assert proxy.cut_done == 1
            runs.append(Run(run.code, run.out.replace(proxy.url, "P"), run.err.replace(proxy.url, "P"), run.first))
    fast, slow = runs
    assert fast.code == 0, fast.err
    assert fast.fast and not slow.fast
    assert f"Artifact: response\n{text}\n" in fast.out
    assert "note: the stream dropped" in fast.err
    assert masked(fast.out) == masked(slow.out)
    assert masked(fast.err) == masked(slow.err)


def test_a_dropped_stream_in_json_lines_repeats_no_event(tmp_path: Path) -> None:
    from tests.test_resume_proxy import cutting_proxy

    with cutting_proxy([5]) as proxy, demo_agent(delay=0.02, public_url=proxy.url) as upstream:
        host, port = upstream.rsplit("/", 1)[-1].split(":")
        proxy.upstream = (host, int(port))
        run = a2a(["stream", "tell me", "-a", proxy.url, "-o", "json"], tmp_path)
    assert run.code == 0 and run.fast
    events = [json.loads(line) for line in run.out.splitlines()]
    text = ""
    for event in events:
        update = event.get("artifactUpdate")
        if update:
            text += "".join(p.get("text", "") for p in update["artifact"]["parts"])
    assert text == DEMO_TEXT
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"


@pytest.mark.parametrize("scenario", ["sse-stall-after-event", "sse-stall", "rpc-stall"])
def test_timeout_is_the_full_paths(hostile: HostileAgent, tmp_path: Path, scenario: str) -> None:
    started = time.monotonic()
    fast, _ = both(["stream", "hi", "-a", hostile.origin_ref(scenario), "--timeout", "1s"], tmp_path)
    assert fast.code == 5 and "--timeout" in fast.err
    assert time.monotonic() - started < 20


def test_read_timeout_hands_over_to_resumption(hostile: HostileAgent, tmp_path: Path) -> None:
    """An idle stream (A2ACLI_READ_TIMEOUT) is a drop: resumed on the full machinery, then --timeout ends it.
    How many reconnects fit in the time depends on the random backoff: the notes' count is not compared."""
    env = {"A2ACLI_READ_TIMEOUT": "0.5"}
    args = ["stream", "hi", "-a", hostile.origin_ref("sse-stall-after-event"), "--timeout", "2s"]
    fast = a2a(args, tmp_path, env=env)
    full = a2a(args, tmp_path, full=True, env=env)
    assert fast.fast and fast.code == full.code == 5
    assert fast.out == full.out
    assert masked(fast.err.splitlines()[0]) == masked(full.err.splitlines()[0])
    assert "note: the stream dropped (TimeoutExpiredError: the agent's event stream was silent for 0.5s)" in fast.err
    assert fast.err.splitlines()[-1] == full.err.splitlines()[-1]


def _interrupted(args: list[str], tmp_path: Path, *, full: bool) -> tuple[int, str, str]:
    env = _env({"A2ACLI_NO_FAST_PATH": "1"} if full else None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "a2acli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + 20
    while "State: WORKING" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=20)
    return proc.returncode, seen + rest, err


def test_ctrl_c_is_the_full_paths(hostile: HostileAgent, tmp_path: Path) -> None:
    args = ["stream", "hi", "-a", hostile.origin_ref("sse-stall-after-event")]
    fast = _interrupted(args, tmp_path, full=False)
    full = _interrupted(args, tmp_path, full=True)
    assert fast[0] == 130 and fast == full
    assert "Resume: " in fast[1] and fast[2].startswith("error: interrupted (task ")


def test_closed_pipe_ends_quietly_on_the_fast_path(demo: str, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "a2acli", "stream", "hi", "-a", demo, "-o", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(None),
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=20)
    assert json.loads(first)["task"]["id"]
    assert proc.returncode == 0 and err == b""


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def _pty(args: list[str], tmp_path: Path, *, full: bool, mark: str) -> tuple[int, str, list[str] | None]:
    from tests.support.pty import run_in_pty

    state = tmp_path / f"pty-{full}-{time.monotonic_ns()}.json"
    env = _env({"A2ACLI_NO_FAST_PATH": "1"} if full else None)
    env["PROBE_MARK"] = mark  # the first write with the agent's text (the live region is drawn before it)
    env.update({"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"})
    env.pop("NO_COLOR", None)
    code, out = run_in_pty([sys.executable, "-c", PROBE, str(state), *args], env, timeout=30)
    first = json.loads(state.read_text()).get("first") if state.exists() else None
    return code, _ANSI.sub("", out.decode("utf-8", "replace")), first


def test_live_view_on_the_fast_path(hostile: HostileAgent, tmp_path: Path) -> None:
    """On a terminal the Rich Live view runs on the synchronous first stream too (its status line ticks on a
    thread until an event loop exists): the same final screen, and only Rich loaded before the first token."""
    args = ["stream", "hi", "-a", hostile.origin_ref("ok")]
    fast = _pty(args, tmp_path, full=False, mark="hello from")
    full = _pty(args, tmp_path, full=True, mark="hello from")
    assert fast[0] == full[0] == 0
    assert fast[2] == ["rich"] and full[2] is not None and "asyncio" in full[2]

    def tail(text: str) -> list[str]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[lines.index("Task ID: task-hostile-1") :]

    assert tail(fast[1]) == tail(full[1])
    assert "hello from the hostile agent" in fast[1] and "State: COMPLETED" in fast[1]


def test_live_view_survives_a_drop_on_the_fast_path(tmp_path: Path) -> None:
    from tests.test_resume_proxy import cutting_proxy

    with cutting_proxy([4]) as proxy, demo_agent(delay=0.02, public_url=proxy.url) as upstream:
        host, port = upstream.rsplit("/", 1)[-1].split(":")
        proxy.upstream = (host, int(port))
        code, out, first = _pty(["stream", "tell me", "-a", proxy.url], tmp_path, full=False, mark="Hello!")
        assert proxy.cut_done == 1
    # The first words may be drawn by the tick after the resumption began (refreshes are capped): only that
    # the view got them, once the event loop ran or before, is checked here; the text cases check the rest.
    assert code == 0 and first is not None and "rich" in first
    assert "note: the stream dropped" in out and "COMPLETED" in out
    assert out.count("capabilities.") >= 1 and "Task ID: " in out


def test_ctrl_c_in_the_live_view_on_the_fast_path(hostile: HostileAgent, tmp_path: Path) -> None:
    import pty
    import select

    env = _env(None)
    env.update({"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"})
    argv = [sys.executable, "-m", "a2acli", "stream", "hi", "-a", hostile.origin_ref("sse-stall-after-event")]
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execve(argv[0], argv, env)
    out = b""
    deadline = time.monotonic() + 20
    interrupted = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
        if not interrupted and b"WORKING" in out:
            time.sleep(0.3)  # a few ticks of the status line on its thread
            os.kill(pid, signal.SIGINT)
            interrupted = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = _ANSI.sub("", out.decode("utf-8", "replace"))
    assert interrupted and os.waitstatus_to_exitcode(status) == 130, text
    assert "Task ID: task-hostile-1" in text and "Resume: a2a task subscribe" in text
    assert "error: interrupted (task task-hostile-1" in text and "Traceback" not in text


@pytest.mark.parametrize("mode", ["redirect", "https"])
def test_live_view_when_the_fast_path_declines(scripted: Scripted, tmp_path: Path, mode: str) -> None:
    """The live view starts before the card (it shows the connection), and the full path carries it on."""
    args = ["stream", "hi", "-a", f"{scripted.base}/{mode}"]
    fast = _pty(args, tmp_path, full=False, mark="agree")
    full = _pty(args, tmp_path, full=True, mark="agree")
    assert fast[0] == full[0] == (0 if mode == "redirect" else 3)
    if mode == "redirect":
        assert fast[2] is not None and "asyncio" in fast[2]  # the first token came from the full path

    def tail(text: str) -> list[str]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        start = next((i for i, line in enumerate(lines) if line.startswith(("Task ID:", "error:"))), 0)
        return lines[start:]

    assert tail(fast[1]) == tail(full[1])


def test_an_installed_brotli_takes_the_full_path(scripted: Scripted, tmp_path: Path) -> None:
    """httpx then asks for `br` too: the socket path would not send the same Accept-Encoding."""
    extra = tmp_path / "site"
    extra.mkdir()
    (extra / "brotli.py").write_text("")  # importable is all httpx and the check look at
    scripted.seen.clear()
    fast, _ = both(["stream", "hi", "-a", f"{scripted.base}/ok"], tmp_path, {"PYTHONPATH": str(extra)})
    assert fast.code == 0 and not fast.fast
    assert all("br" in p.headers["accept-encoding"] for p in scripted.posts())
