"""A library of real local agents that misbehave on purpose (issue 8).

`HostileAgent` is one Starlette app served by uvicorn on 127.0.0.1 (port 0) that hosts every scenario under its
own prefix, so one server covers the whole suite:

    {base}/{wire}/{scenario}/.well-known/agent-card.json   the card (1.0: supportedInterfaces; 0.3: url)
    {base}/{wire}/{scenario}/.well-known/agent.json        the 0.2 path (404 unless the scenario says otherwise)
    {base}/{wire}/{scenario}/rpc                           JSON-RPC endpoint
    {base}/{wire}/{scenario}/rest/...                      HTTP+JSON endpoint (message:send, message:stream, tasks/…)

`wire` is `v1` (A2A 1.0 over JSON-RPC), `v1rest` (A2A 1.0 over HTTP+JSON) or `v03` (A2A 0.3 over JSON-RPC).
The scenario decides how the card or the endpoints misbehave; see `CARD_SCENARIOS` and `RPC_SCENARIOS`.
Every request is recorded (method, path, query, headers) so tests can assert where credentials went.

`RawAgent` is a raw asyncio socket server for what HTTP libraries will not produce: truncated chunked bodies,
short Content-Length, garbage status lines, connections closed or stalled before any header.

Large bodies (the 64 MB card, the 256 MB event) are generated lazily in 1 MiB chunks: neither the server nor the
test process ever holds them. Every stall is bounded (`STALL_SECONDS`) and ends when the client goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.server import serve_in_thread

# Agent-supplied text that tries to take over a terminal: OSC window title, clear screen, alternate screen, BEL,
# backspaces, an 8-bit CSI, a bidi override, and Rich markup (style and hyperlink). Tests assert that none of the
# control bytes and no markup effect reaches stdout/stderr, and that the OSC payload is gone with its introducer.
EVIL = (
    "\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[?1049h\x07\x08\x08\x9b31m"
    "[bold red]RICH[/bold red] [link=https://evil.example/x]click[/link]\u202eevil\x1b[0m"
)
EVIL_BYTES = ("\x1b", "\x07", "\x08", "\x9b", "\u202e")  # none of these may reach a terminal
EVIL_TITLE = "PWNED-TITLE"  # the OSC payload: must be stripped with its introducer in text output

TASK_ID = "task-hostile-1"
CONTEXT_ID = "ctx-hostile-1"
OTHER_TASK_ID = "task-someone-else"
MIB = 1024 * 1024
HUGE_CARD_BYTES = 64 * MIB
HUGE_EVENT_BYTES = 256 * MIB
STALL_SECONDS = 30.0  # upper bound of any stall; the client's timeouts must fire long before
DRIP_DELAY = 0.002  # seconds between bytes of the slow drip

CARD_SCENARIOS = {
    "ok": "a well-behaved agent (harness sanity check)",
    "html-card": "the card is an HTML page served with status 200",
    "not-json-card": "the card is not JSON (application/json, status 200)",
    "array-card": "the card is a JSON array",
    "wrong-types-card": "the card has wrong types everywhere",
    "huge-card": "a 64 MB card, streamed without Content-Length",
    "huge-card-cl": "a 64 MB card with a correct Content-Length",
    "lying-cl-card": "a card whose Content-Length claims 1 TB",
    "redirect-loop": "the card path redirects to itself",
    "redirect-pingpong": "two card paths redirect to each other",
    "redirect-chain": "40 distinct redirects before the card",
    "card-404": "404 on both well-known paths",
    "card-500-html": "HTTP 500 with an HTML page on the card path",
    "card-401": "401 with WWW-Authenticate on the card path",
    "card-403": "403 on the card path",
    "card-429": "429 with Retry-After on the card path",
    "card-stall": "the card response stalls after the headers",
    "card-invalid-utf8": "the card body is not valid UTF-8",
    "escape-card": "escape sequences and Rich markup in every card string",
    "gzip-bomb-card": "a 64 MB card gzip-compressed to ~64 KB (Content-Encoding: gzip)",
    "redirect-cross-origin": "the card path redirects to another origin (credentials must not follow)",
}

RPC_SCENARIOS = {
    "ok": "answers like a normal agent",
    "escape-artifact": "escape sequences and Rich markup in artifact text, status messages and ids",
    "escape-error": "a JSON-RPC error whose message carries escape sequences and Rich markup",
    "unknown-code": "a JSON-RPC error with an unknown code",
    "weird-error": "a JSON-RPC error whose code is a string and message an object",
    "rpc-500-html": "HTTP 500 with an HTML page",
    "rpc-401": "401 with WWW-Authenticate",
    "rpc-403": "403 Forbidden",
    "rpc-429": "429 with Retry-After",
    "rpc-html-200": "an HTML page with status 200",
    "rpc-not-json": "status 200 application/json that is not JSON",
    "rpc-partial-json": "status 200 with half a JSON document",
    "rpc-invalid-utf8": "status 200 with bytes that are not UTF-8",
    "rpc-wrong-shape": "a result that is a list",
    "rpc-stall": "headers, then nothing (bounded stall)",
    "rpc-redirect-cross-origin": "307 to another origin (credentials must not follow)",
    "sse-garbage": "SSE lines that are not SSE / not JSON",
    "sse-invalid-utf8": "SSE data that is not UTF-8",
    "sse-partial-json": "an SSE event whose data is half a JSON document",
    "sse-truncated": "one good event, then the stream ends mid-event",
    "sse-stall": "headers, then nothing (bounded stall)",
    "sse-stall-after-event": "one event, then nothing (bounded stall)",
    "sse-drip": "a valid stream delivered one byte at a time",
    "sse-huge-event": "a single 256 MB event",
    "sse-gzip-bomb": "a single 256 MB event, gzip-compressed on the wire (~250 KB)",
    "sse-other-task": "events for another task id",
    "sse-after-terminal": "events after the terminal state",
    "sse-error-event": "an `event: error` mid-stream",
    "sse-jsonrpc-error": "a JSON-RPC error with an unknown code inside the stream",
    "sse-plain-json-error": "a plain JSON error (not SSE) answered to a streaming request",
    "sse-html-200": "an HTML page with status 200 answered to a streaming request",
    "sse-no-terminal": "the stream ends cleanly without a terminal state",
    "sse-escape": "escape sequences and Rich markup in streamed artifacts and status messages",
    "sse-many-events": "2,000 small events (the client must stay linear)",
    "rpc-huge-result": "a 256 MB unary JSON-RPC result (GetTask / SendMessage), generated lazily",
    "echo-credentials": "a JSON-RPC error whose message echoes the Authorization and X-API-Key headers received",
    "sse-resend-chunk": "the stream drops after one chunk; each resubscription re-sends the Task and that same chunk"
    " (append=false), then drops again; the third one finishes the answer",
}
RESEND_ANSWER = ("the partial answer", " and the rest.")

HTML_PAGE = "<!doctype html><html><head><title>Oops</title></head><body><h1>Internal Server Error</h1></body></html>"

WIRES = ("v1", "v1rest", "v03")


# ---------------------------------------------------------------------------------------------------- payloads


def card_document(
    base: str, wire: str, scenario: str, *, name: str = "Hostile agent", text: str = ""
) -> dict[str, Any]:
    """A valid card for `wire` whose endpoint is this scenario's; `text` is mixed into every string."""
    prefix = f"{base}/{wire}/{scenario}"
    desc = f"An agent that misbehaves on purpose.{text}"
    skill = {
        "id": f"skill-1{text}",
        "name": f"Skill{text}",
        "description": f"Does things{text}",
        "tags": [f"tag{text}"],
        "examples": [f"example{text}"],
    }
    common: dict[str, Any] = {
        "name": f"{name}{text}",
        "description": desc,
        "version": f"1.0.0{text}",
        "provider": {"organization": f"Org{text}", "url": "https://example.com"},
        "capabilities": {"streaming": True, "pushNotifications": False},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [skill],
        "securitySchemes": _security_schemes(wire),
    }
    if wire == "v03":
        common["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apikey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
        common.update(url=f"{prefix}/rpc", preferredTransport="JSONRPC", protocolVersion="0.3.0")
        return common
    binding, url = ("HTTP+JSON", f"{prefix}/rest") if wire == "v1rest" else ("JSONRPC", f"{prefix}/rpc")
    common["supportedInterfaces"] = [{"url": url, "protocolBinding": binding, "protocolVersion": "1.0"}]
    return common


def _security_schemes(wire: str) -> dict[str, Any]:
    return {
        "bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}},
        "apikey": {"apiKeySecurityScheme": {"location": "header", "name": "X-API-Key"}},
    }


def _state(wire: str, state: str) -> str:
    return state if wire == "v03" else f"TASK_STATE_{state.upper().replace('-', '_')}"


def _message(wire: str, text: str, *, task_id: str = TASK_ID) -> dict[str, Any]:
    if wire == "v03":
        return {
            "kind": "message",
            "messageId": "msg-a1",
            "role": "agent",
            "parts": [{"kind": "text", "text": text}],
            "taskId": task_id,
            "contextId": CONTEXT_ID,
        }
    return {
        "messageId": "msg-a1",
        "role": "ROLE_AGENT",
        "parts": [{"text": text}],
        "taskId": task_id,
        "contextId": CONTEXT_ID,
    }


def task_obj(
    wire: str, state: str, *, text: str = "", task_id: str = TASK_ID, artifact: str | None = None
) -> dict[str, Any]:
    status: dict[str, Any] = {"state": _state(wire, state)}
    if text:
        status["message"] = _message(wire, text, task_id=task_id)
    task: dict[str, Any] = {"id": task_id, "contextId": CONTEXT_ID, "status": status}
    if artifact is not None:
        part: dict[str, Any] = {"kind": "text", "text": artifact} if wire == "v03" else {"text": artifact}
        task["artifacts"] = [{"artifactId": "art-1", "name": "answer", "parts": [part]}]
    if wire == "v03":
        task["kind"] = "task"
    return task


def status_event(
    wire: str, state: str, *, text: str = "", task_id: str = TASK_ID, final: bool = False
) -> dict[str, Any]:
    status: dict[str, Any] = {"state": _state(wire, state)}
    if text:
        status["message"] = _message(wire, text, task_id=task_id)
    ev: dict[str, Any] = {"taskId": task_id, "contextId": CONTEXT_ID, "status": status}
    if wire == "v03":
        ev.update(kind="status-update", final=final)
        return ev
    return {"statusUpdate": ev}


def artifact_event(
    wire: str, text: str, *, task_id: str = TASK_ID, append: bool = False, last: bool = True
) -> dict[str, Any]:
    part: dict[str, Any] = {"kind": "text", "text": text} if wire == "v03" else {"text": text}
    ev: dict[str, Any] = {
        "taskId": task_id,
        "contextId": CONTEXT_ID,
        "artifact": {"artifactId": "art-1", "name": "answer", "parts": [part]},
        "append": append,
        "lastChunk": last,
    }
    if wire == "v03":
        ev["kind"] = "artifact-update"
        return ev
    return {"artifactUpdate": ev}


def task_event(wire: str, state: str, **kw: Any) -> dict[str, Any]:
    t = task_obj(wire, state, **kw)
    return t if wire == "v03" else {"task": t}


def send_result(wire: str, state: str = "completed", **kw: Any) -> dict[str, Any]:
    """SendMessage's result: 1.0 wraps the task (`{"task": …}`), 0.3 returns it bare."""
    return task_event(wire, state, **kw)


def good_stream(wire: str, *, text: str = "hello from the hostile agent") -> list[dict[str, Any]]:
    return [
        task_event(wire, "submitted"),
        status_event(wire, "working"),
        artifact_event(wire, text),
        status_event(wire, "completed", final=True),
    ]


def jsonrpc_result(req_id: Any, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": req_id, "result": result}


def jsonrpc_error(req_id: Any, code: Any, message: Any, data: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": req_id, "error": err}


def sse(payload: Any, *, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return (head + "data: " + json.dumps(payload) + "\n\n").encode()


# ---------------------------------------------------------------------------------------------------- recording


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class Recorder:
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, rec: Recorded) -> None:
        with self.lock:
            self.requests.append(rec)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    def snapshot(self) -> list[Recorded]:
        with self.lock:
            return list(self.requests)

    def all_text(self) -> str:
        """Every recorded request line and header, for `secret not in recorder.all_text()` assertions."""
        return "\n".join(
            f"{r.method} {r.path}?{r.query}\n" + "\n".join(f"{k}: {v}" for k, v in r.headers.items())
            for r in self.snapshot()
        )


class _RecordingMiddleware:
    def __init__(self, app: Any, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            query = scope.get("query_string", b"").decode("latin-1")
            self.recorder.add(Recorded(scope["method"], scope["path"], query, headers))
        await self.app(scope, receive, send)


# ---------------------------------------------------------------------------------------------------- app


async def _lazy_json_string(prefix: bytes, total: int, suffix: bytes, chunk: int = MIB) -> AsyncIterator[bytes]:
    """`prefix`, then `total` bytes of 'A' in chunks, then `suffix`; never more than one chunk in memory."""
    yield prefix
    block = b"A" * chunk
    sent = 0
    while sent < total:
        n = min(chunk, total - sent)
        yield block if n == chunk else block[:n]
        sent += n
    yield suffix


async def _gzipped(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """gzip `body` on the fly: a few hundred KB on the wire for hundreds of MB once decompressed."""
    import zlib

    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    async for chunk in body:
        out = z.compress(chunk)
        if out:
            yield out
    yield z.flush()


async def _stall(first: bytes = b"") -> AsyncIterator[bytes]:
    if first:
        yield first
    # Starlette cancels this generator when the client disconnects; STALL_SECONDS bounds it otherwise.
    await asyncio.sleep(STALL_SECONDS)
    yield b""


async def _drip(body: bytes) -> AsyncIterator[bytes]:
    for i in range(len(body)):
        yield body[i : i + 1]
        await asyncio.sleep(DRIP_DELAY)


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for p in parts:
        yield p
        await asyncio.sleep(0)


def _sse_response(body: AsyncIterator[bytes], status: int = 200) -> StreamingResponse:
    return StreamingResponse(
        body, status_code=status, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


class HostileAgent:
    """The hostile app and its recorder; `other` is a second origin used as a cross-origin redirect target."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.base = ""
        self.other_base = ""
        self.other: HostileAgent | None = None
        self.app = Starlette(
            routes=[
                Route("/{wire}/{scenario}/.well-known/agent-card.json", self.card, methods=["GET"]),
                Route("/{wire}/{scenario}/.well-known/agent.json", self.card02, methods=["GET"]),
                Route("/{wire}/{scenario}/hop/{n:int}", self.hop, methods=["GET"]),
                Route("/{wire}/{scenario}/rpc", self.rpc, methods=["POST"]),
                Route("/{wire}/{scenario}/rest/{rest:path}", self.rest, methods=["GET", "POST", "DELETE"]),
            ]
        )
        self.asgi = _RecordingMiddleware(self.app, self.recorder)
        self.subscriptions = 0  # sse-resend-chunk: resubscriptions since the last message

    def card_url(self, scenario: str, wire: str = "v1") -> str:
        return f"{self.base}/{wire}/{scenario}/.well-known/agent-card.json"

    def origin_ref(self, scenario: str, wire: str = "v1") -> str:
        """The reference a user would type for the origin (the resolver appends the well-known path)."""
        return f"{self.base}/{wire}/{scenario}"

    # -- card ------------------------------------------------------------------------------------------------

    async def card(self, request: Request) -> Response:
        wire, scenario = request.path_params["wire"], request.path_params["scenario"]
        here = str(request.url)
        if scenario == "html-card":
            return Response(HTML_PAGE, media_type="text/html")
        if scenario == "not-json-card":
            return Response(b'{"name": "half a card", "description": ', media_type="application/json")
        if scenario == "array-card":
            return JSONResponse([card_document(self.base, wire, scenario)])
        if scenario == "wrong-types-card":
            return JSONResponse(
                {
                    "name": 42,
                    "description": ["x"],
                    "supportedInterfaces": "not-a-list",
                    "url": 7,
                    "version": None,
                    "capabilities": "streaming",
                    "skills": {"id": 1},
                    "defaultInputModes": "text/plain",
                }
            )
        if scenario in ("huge-card", "huge-card-cl"):
            prefix = b'{"name": "huge", "version": "1.0.0", "description": "'
            suffix = b'"}'
            headers = (
                {"Content-Length": str(len(prefix) + HUGE_CARD_BYTES + len(suffix))}
                if scenario == "huge-card-cl"
                else {}
            )
            return StreamingResponse(
                _lazy_json_string(prefix, HUGE_CARD_BYTES, suffix), media_type="application/json", headers=headers
            )
        if scenario == "gzip-bomb-card":
            prefix = b'{"name": "bomb", "version": "1.0.0", "description": "'
            body = _gzipped(_lazy_json_string(prefix, HUGE_CARD_BYTES, b'"}'))
            return StreamingResponse(body, media_type="application/json", headers={"Content-Encoding": "gzip"})
        if scenario == "lying-cl-card":
            body = json.dumps(card_document(self.base, wire, "ok")).encode()
            return StreamingResponse(
                _stall(body), media_type="application/json", headers={"Content-Length": str(10**12)}
            )
        if scenario == "redirect-loop":
            return RedirectResponse(here, status_code=302)
        if scenario == "redirect-pingpong":
            return RedirectResponse(f"{self.base}/{wire}/{scenario}/hop/0", status_code=302)
        if scenario == "redirect-chain":
            return RedirectResponse(f"{self.base}/{wire}/{scenario}/hop/1", status_code=302)
        if scenario == "card-404":
            return PlainTextResponse("not found", status_code=404)
        if scenario == "card-500-html":
            return Response(HTML_PAGE, status_code=500, media_type="text/html")
        if scenario == "card-401":
            return PlainTextResponse(
                "unauthorized",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="hostile", error="invalid_token"'},
            )
        if scenario == "card-403":
            return PlainTextResponse("forbidden", status_code=403)
        if scenario == "card-429":
            return PlainTextResponse("slow down", status_code=429, headers={"Retry-After": "3600"})
        if scenario == "card-stall":
            return StreamingResponse(_stall(), media_type="application/json")
        if scenario == "card-invalid-utf8":
            body = json.dumps(card_document(self.base, wire, "ok")).encode().replace(b"Hostile", b"Host\xff\xfeile")
            return Response(body, media_type="application/json")
        if scenario == "escape-card":
            return JSONResponse(card_document(self.base, wire, "escape-artifact", name="Evil", text=EVIL))
        if scenario == "redirect-cross-origin":
            return RedirectResponse(f"{self.other_base}/{wire}/ok/.well-known/agent-card.json", status_code=302)
        return JSONResponse(card_document(self.base, wire, scenario))

    async def card02(self, request: Request) -> Response:
        return PlainTextResponse("not found", status_code=404)

    async def hop(self, request: Request) -> Response:
        wire, scenario, n = request.path_params["wire"], request.path_params["scenario"], request.path_params["n"]
        if scenario == "redirect-pingpong":
            target = f"{self.base}/{wire}/{scenario}/.well-known/agent-card.json"
            return RedirectResponse(target, status_code=302)
        if n >= 40:
            return JSONResponse(card_document(self.base, wire, "ok"))
        return RedirectResponse(f"{self.base}/{wire}/{scenario}/hop/{n + 1}", status_code=302)

    # -- JSON-RPC --------------------------------------------------------------------------------------------

    async def rpc(self, request: Request) -> Response:
        wire, scenario = request.path_params["wire"], request.path_params["scenario"]
        raw = await request.body()
        try:
            req = json.loads(raw)
        except ValueError:
            return JSONResponse(jsonrpc_error(None, -32700, "parse error"))
        req_id = req.get("id") if isinstance(req, dict) else None
        method = req.get("method", "") if isinstance(req, dict) else ""
        streaming = method in ("SendStreamingMessage", "SubscribeToTask", "message/stream", "tasks/resubscribe")
        early = self._transport_misbehaviour(scenario, wire, request)
        if early is not None:
            return early
        if scenario in ("escape-error", "unknown-code", "weird-error"):
            return JSONResponse(self._error_body(scenario, req_id))
        if scenario == "echo-credentials":
            seen = f"{request.headers.get('authorization')} {request.headers.get('x-api-key')} {request.url.query}"
            return JSONResponse(jsonrpc_error(req_id, -32603, f"rejected credentials: {seen}", data={"seen": seen}))
        if scenario == "rpc-wrong-shape":
            return JSONResponse(jsonrpc_result(req_id, [1, 2, 3]))
        if scenario == "rpc-huge-result" and not streaming:
            head = json.dumps(jsonrpc_result(req_id, task_obj(wire, "completed", artifact="@@")))
            prefix, suffix = head.split("@@")
            body = _lazy_json_string(prefix.encode(), HUGE_EVENT_BYTES, suffix.encode())
            return StreamingResponse(body, media_type="application/json")
        if streaming and scenario == "sse-resend-chunk":
            subscribe = method in ("SubscribeToTask", "tasks/resubscribe")
            return _sse_response(_chunks(self._resend(wire, lambda ev: sse(jsonrpc_result(req_id, ev)), subscribe)))
        if streaming:
            return self._stream(wire, scenario, lambda ev: sse(jsonrpc_result(req_id, ev)), req_id)
        return JSONResponse(jsonrpc_result(req_id, self._unary(wire, scenario, method)))

    def _error_body(self, scenario: str, req_id: Any) -> dict[str, Any]:
        if scenario == "escape-error":
            return jsonrpc_error(req_id, -32001, f"task vanished {EVIL}", data={"detail": EVIL})
        if scenario == "unknown-code":
            return jsonrpc_error(req_id, -31337, "the agent invented an error code")
        return jsonrpc_error(req_id, "BOOM", {"nested": EVIL})

    def _transport_misbehaviour(self, scenario: str, wire: str, request: Request) -> Response | None:
        if scenario == "rpc-500-html":
            return Response(HTML_PAGE, status_code=500, media_type="text/html")
        if scenario == "rpc-401":
            return PlainTextResponse(
                "unauthorized",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="hostile", error="invalid_token"'},
            )
        if scenario == "rpc-403":
            return PlainTextResponse("forbidden", status_code=403)
        if scenario == "rpc-429":
            return PlainTextResponse("slow down", status_code=429, headers={"Retry-After": "3600"})
        if scenario in ("rpc-html-200", "sse-html-200"):
            return Response(HTML_PAGE, media_type="text/html")
        if scenario == "rpc-not-json":
            return Response(b"this is not json at all", media_type="application/json")
        if scenario == "rpc-partial-json":
            return Response(b'{"jsonrpc": "2.0", "id": 1, "result": {"task": {"id": "t', media_type="application/json")
        if scenario == "rpc-invalid-utf8":
            return Response(b'{"jsonrpc": "2.0", "id": 1, "result": "\xff\xfe\xfd"}', media_type="application/json")
        if scenario == "rpc-stall":
            return StreamingResponse(_stall(), media_type="application/json")
        if scenario == "rpc-redirect-cross-origin":
            path = request.url.path.replace("rpc-redirect-cross-origin", "ok")
            return RedirectResponse(f"{self.other_base}{path}", status_code=307)
        return None

    def _unary(self, wire: str, scenario: str, method: str) -> Any:
        evil = scenario in ("escape-artifact", "sse-escape")
        text, artifact = (f"status {EVIL}", f"artifact {EVIL}") if evil else ("", "hello from the hostile agent")
        if method in ("GetTask", "tasks/get", "CancelTask", "tasks/cancel"):
            state = "canceled" if "ancel" in method else "completed"
            return task_obj(wire, state, text=text, artifact=artifact)
        return send_result(wire, "completed", text=text, artifact=artifact)

    def _stream(self, wire: str, scenario: str, frame: Any, req_id: Any) -> Response:
        if scenario == "sse-plain-json-error":
            return JSONResponse(jsonrpc_error(req_id, -32603, "streaming refused in plain JSON"), status_code=200)
        if scenario == "sse-stall":
            return _sse_response(_stall())
        if scenario == "sse-stall-after-event":
            return _sse_response(_stall(frame(task_event(wire, "working"))))
        if scenario == "sse-huge-event":
            head = json.dumps(jsonrpc_result(req_id, artifact_event(wire, "@@")))
            prefix, suffix = head.split("@@")
            return _sse_response(
                _lazy_json_string(b"data: " + prefix.encode(), HUGE_EVENT_BYTES, suffix.encode() + b"\n\n")
            )
        if scenario == "sse-gzip-bomb":
            head = json.dumps(jsonrpc_result(req_id, artifact_event(wire, "@@")))
            prefix, suffix = head.split("@@")
            raw = _lazy_json_string(b"data: " + prefix.encode(), HUGE_EVENT_BYTES, suffix.encode() + b"\n\n")
            resp = _sse_response(_gzipped(raw))
            resp.headers["Content-Encoding"] = "gzip"
            return resp
        if scenario == "sse-drip":
            return _sse_response(_drip(b"".join(frame(e) for e in good_stream(wire, text="drip"))))
        return _sse_response(_chunks(self._stream_parts(wire, scenario, frame, req_id)))

    def _stream_parts(self, wire: str, scenario: str, frame: Any, req_id: Any) -> list[bytes]:
        start = [frame(task_event(wire, "submitted")), frame(status_event(wire, "working"))]
        done = frame(status_event(wire, "completed", final=True))
        if scenario == "sse-garbage":
            return [
                *start,
                b"this is not an sse line\n\n",
                b"data: not json\n\n",
                b'data: {"jsonrpc": "2.0"}\n\n',
                b"data: 12345\n\n",
                b":comment only\n\nevent: mystery\n\nid: \x00\x00\n\nretry: -1\n\n",
                b"data: " + b"[" * 10000 + b"\n\n",
                done,
            ]
        if scenario == "sse-invalid-utf8":
            return [*start, b'data: {"jsonrpc": "2.0", "result": "\xff\xfe"}\n\n', done]
        if scenario == "sse-partial-json":
            return [*start, b'data: {"jsonrpc": "2.0", "id": 1, "result": {"statusUpdate": {"taskId":\n\n', done]
        if scenario == "sse-truncated":
            return [*start, b'data: {"jsonrpc": "2.0", "id": 1, "result": {"artifactUpdate": {"taskId": "task-']
        if scenario == "sse-other-task":
            return [
                *start,
                frame(artifact_event(wire, "not yours", task_id=OTHER_TASK_ID)),
                frame(status_event(wire, "failed", task_id=OTHER_TASK_ID, final=True)),
                frame(artifact_event(wire, "yours")),
                done,
            ]
        if scenario == "sse-after-terminal":
            return [
                *start,
                frame(artifact_event(wire, "before the end")),
                done,
                frame(artifact_event(wire, "AFTER-TERMINAL")),
                frame(status_event(wire, "working")),
            ]
        if scenario == "sse-error-event":
            return [*start, sse({"code": -32603, "message": f"mid-stream failure {EVIL}"}, event="error")]
        if scenario == "sse-jsonrpc-error":
            return [*start, sse(jsonrpc_error(req_id, -31999, f"unknown failure {EVIL}"))]
        if scenario == "sse-no-terminal":
            return start
        if scenario in ("sse-escape", "escape-artifact"):
            return [
                frame(task_event(wire, "submitted")),
                frame(status_event(wire, "working", text=f"thinking {EVIL}")),
                frame(artifact_event(wire, f"chunk one {EVIL}", last=False)),
                frame(artifact_event(wire, f" chunk two {EVIL}", append=True, last=True)),
                frame(status_event(wire, "completed", text=f"done {EVIL}", final=True)),
            ]
        if scenario == "sse-many-events":
            middle = [frame(artifact_event(wire, f"{i} ", append=i > 0, last=False)) for i in range(2000)]
            return [*start, *middle, frame(artifact_event(wire, "end", append=True, last=True)), done]
        return [frame(e) for e in good_stream(wire)]

    def _resend(self, wire: str, frame: Any, subscribe: bool) -> list[bytes]:
        first, rest = RESEND_ANSWER
        chunk = frame(artifact_event(wire, first, last=False))
        if not subscribe:
            self.subscriptions = 0
            return [frame(task_event(wire, "submitted")), frame(status_event(wire, "working")), chunk]
        self.subscriptions += 1
        parts = [frame(task_event(wire, "working")), chunk]
        if self.subscriptions < 3:
            return parts
        done = frame(status_event(wire, "completed", final=True))
        return [*parts, frame(artifact_event(wire, rest, append=True)), done]

    # -- HTTP+JSON ------------------------------------------------------------------------------------------

    async def rest(self, request: Request) -> Response:
        wire, scenario, rest = request.path_params["wire"], request.path_params["scenario"], request.path_params["rest"]
        await request.body()
        early = self._transport_misbehaviour(scenario, wire, request)
        if early is not None:
            return early
        if scenario in ("escape-error", "unknown-code", "weird-error"):
            message = f"task vanished {EVIL}" if scenario == "escape-error" else "the agent invented an error"
            status = 404 if scenario == "escape-error" else 418
            return JSONResponse(
                {"error": {"code": status, "status": "MYSTERY", "message": message}}, status_code=status
            )
        if scenario == "rpc-wrong-shape":
            return JSONResponse([1, 2, 3])
        if scenario == "sse-resend-chunk" and (rest.endswith(":stream") or rest.endswith(":subscribe")):
            return _sse_response(_chunks(self._resend(wire, sse, rest.endswith(":subscribe"))))
        if rest.endswith(":stream") or rest.endswith(":subscribe"):
            return self._stream(wire, scenario, lambda ev: sse(ev), None)
        method = "GetTask" if request.method == "GET" else ("CancelTask" if rest.endswith(":cancel") else "SendMessage")
        return JSONResponse(self._unary(wire, scenario, method))


# ---------------------------------------------------------------------------------------------------- raw sockets

RAW_SCENARIOS = {
    "raw-close": "the connection is closed as soon as the request arrives",
    "raw-garbage-status": "a status line that is not HTTP",
    "raw-no-headers-stall": "the request is read, then nothing is ever sent (bounded)",
    "raw-short-content-length": "Content-Length 10000, 40 bytes, close",
    "raw-truncated-chunked": "a chunked SSE stream cut inside a chunk",
    "raw-bad-chunk-size": "a chunked body whose chunk size is not hex",
    "raw-header-flood": "10,000 response headers",
    "raw-slow-headers": "response headers dripped one byte every 50 ms (bounded)",
}


class RawAgent:
    """An HTTP/1.1 server on raw asyncio sockets. GET on the card path answers a valid 1.0 card pointing at
    `/{scenario}/rpc`; POST there misbehaves at the HTTP level as the scenario says."""

    def __init__(self) -> None:
        self.base = ""
        self.loop: asyncio.AbstractEventLoop | None = None
        self.connections = 0

    def card_url(self, scenario: str) -> str:
        return f"{self.base}/{scenario}/.well-known/agent-card.json"

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[str, str, bytes]:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        length = 0
        for line in lines[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        body = await asyncio.wait_for(reader.readexactly(length), 10) if length else b""
        return method, path, body

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            method, path, _ = await self._read_request(reader)
            scenario = path.strip("/").split("/", 1)[0]
            if method == "GET":
                body = json.dumps(card_document(self.base, "v1", scenario)).encode()
                body = body.replace(f"{self.base}/v1/{scenario}/rpc".encode(), f"{self.base}/{scenario}/rpc".encode())
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
                return
            await self._misbehave(scenario, writer)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _misbehave(self, scenario: str, writer: asyncio.StreamWriter) -> None:
        if scenario == "raw-close":
            return
        if scenario == "raw-garbage-status":
            writer.write(b"HTTZ/9.9 banana\r\n\x00\x01\x02garbage\r\n\r\n")
        elif scenario == "raw-no-headers-stall":
            await asyncio.sleep(STALL_SECONDS)
        elif scenario == "raw-short-content-length":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n")
            writer.write(b'{"jsonrpc": "2.0", "id": 1, "result": {"ta')
        elif scenario in ("raw-truncated-chunked", "raw-bad-chunk-size"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            event = sse(jsonrpc_result(1, task_event("v1", "working")))
            writer.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            if scenario == "raw-truncated-chunked":
                writer.write(b'400\r\ndata: {"jsonrpc": "2.0", "id": 1, "res')
            else:
                writer.write(b"zz-not-hex\r\nhello\r\n")
        elif scenario == "raw-header-flood":
            writer.write(b"HTTP/1.1 200 OK\r\n")
            for i in range(10_000):
                if writer.is_closing():  # the client gave up (as it should): stop writing into a dead socket
                    return
                writer.write(f"X-Flood-{i}: {'v' * 50}\r\n".encode())
                if i % 500 == 0:
                    await writer.drain()
            writer.write(b"Content-Length: 0\r\n\r\n")
        elif scenario == "raw-slow-headers":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Slow: " + b"s" * 400 + b"\r\n\r\n"
            deadline = time.monotonic() + STALL_SECONDS
            for i in range(len(head)):
                if time.monotonic() > deadline or writer.is_closing():
                    break
                writer.write(head[i : i + 1])
                await writer.drain()
                await asyncio.sleep(0.05)
        await writer.drain()

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        ready = threading.Event()
        stop: dict[str, Any] = {}

        def main() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop

            async def serve() -> None:
                server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
                port = server.sockets[0].getsockname()[1]
                self.base = f"http://127.0.0.1:{port}"
                stop["event"] = asyncio.Event()
                ready.set()
                async with server:
                    await stop["event"].wait()
                others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for t in others:  # stalled handlers: end them rather than leave them pending at loop close
                    t.cancel()
                await asyncio.gather(*others, return_exceptions=True)

            loop.run_until_complete(serve())
            loop.close()

        thread = threading.Thread(target=main, daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("raw server did not start")
        try:
            yield self.base
        finally:
            assert self.loop is not None
            self.loop.call_soon_threadsafe(stop["event"].set)
            thread.join(timeout=10)


# ---------------------------------------------------------------------------------------------------- entry points


@contextlib.contextmanager
def hostile_agents() -> Iterator[HostileAgent]:
    """Start the hostile app and a second origin (same app) for cross-origin redirects."""
    main, other = HostileAgent(), HostileAgent()
    with serve_in_thread(main.asgi) as base, serve_in_thread(other.asgi) as other_base:
        main.base, main.other_base = base, other_base
        other.base, other.other_base = other_base, base
        main.other = other
        yield main


@contextlib.contextmanager
def raw_agent() -> Iterator[RawAgent]:
    agent = RawAgent()
    with agent.running():
        yield agent


def port_is_open(base: str) -> bool:
    host, port = base.rsplit("/", 1)[-1].split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) == 0
