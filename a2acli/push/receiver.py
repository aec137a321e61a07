"""A small, real webhook receiver for A2A push notifications (A2A §4.3.3, §13.2).

The agent POSTs a `StreamResponse` JSON object to the webhook URL. The receiver:

- authenticates every request: the `X-A2A-Notification-Token` header (the push config's `token`) or an
  `Authorization: <scheme> <credentials>` header (the config's `authentication`) must carry the expected
  token, compared in constant time; a receiver built with `token=None` accepts anything (explicit opt-out);
- bounds the body (`max_body_bytes`, 413 beyond it) and the backlog (429 when the queue is full);
- accepts only JSON objects shaped like a `StreamResponse` (exactly one of task / message / statusUpdate /
  artifactUpdate); a 0.3-era payload (a bare Task with `"kind": "task"`) is wrapped as `{"task": ...}`;
- acknowledges with 200 and hands each notification to an asyncio queue, in arrival order, with the user's
  credentials (the token itself, anything registered with a2acli.redact) replaced by *** as the connection does
  for replies: an agent may echo the token into any string, and every output mode prints the payload.

It is a raw ASGI app served by uvicorn in the caller's event loop, bound to loopback unless told otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from a2acli.errors import UsageError
from a2acli.redact import scrub_json

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_BACKLOG = 1000
STREAM_RESPONSE_KEYS = ("task", "message", "statusUpdate", "artifactUpdate")
TOKEN_HEADER = b"x-a2a-notification-token"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """One accepted notification: the StreamResponse payload and where/when it came from."""

    payload: dict[str, Any]
    number: int
    received_at: float
    remote: str
    path: str


@dataclass
class ReceiverStats:
    accepted: int = 0
    rejected_auth: int = 0
    rejected_size: int = 0
    rejected_body: int = 0
    rejected_busy: int = 0
    rejected_task: int = 0


def normalize_payload(doc: Any) -> dict[str, Any] | None:
    """The StreamResponse carried by a webhook body, or None when it is not one."""
    if not isinstance(doc, dict):
        return None
    present = [key for key in STREAM_RESPONSE_KEYS if key in doc]
    if len(present) == 1 and isinstance(doc[present[0]], dict):
        return doc
    if not present and doc.get("kind") == "task" and isinstance(doc.get("id"), str):
        return {"task": doc}  # A2A 0.3 agents POST the bare Task
    return None


def payload_task_id(payload: dict[str, Any]) -> str | None:
    """The task a StreamResponse is about (None for a Message without a task)."""
    for key in ("statusUpdate", "artifactUpdate", "message"):
        body = payload.get(key)
        if isinstance(body, dict):
            value = body.get("taskId")
            return value if isinstance(value, str) and value else None
    body = payload.get("task")
    if isinstance(body, dict) and isinstance(body.get("id"), str):
        return str(body["id"])
    return None


def token_matches(expected: str, headers: dict[bytes, bytes]) -> bool:
    """True when the notification token header or the Authorization credentials equal `expected`."""
    want = expected.encode("utf-8")
    candidates: list[bytes] = []
    if TOKEN_HEADER in headers:
        candidates.append(headers[TOKEN_HEADER])
    auth = headers.get(b"authorization")
    if auth is not None:
        _scheme, _, credentials = auth.strip().partition(b" ")
        candidates.append(credentials.strip())
    ok = False
    for candidate in candidates:
        ok |= hmac.compare_digest(candidate, want)  # no early exit: constant work per header
    return ok


class PushReceiverApp:
    """The ASGI app. Deliveries land on `queue`; `stats` counts what was refused and why."""

    def __init__(
        self,
        *,
        token: str | None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        backlog: int = DEFAULT_BACKLOG,
        task_ids: frozenset[str] = frozenset(),
    ) -> None:
        self.token = token
        self.task_ids = task_ids  # when set, notifications for any other task are refused (A2A §13.2)
        self.max_body_bytes = max_body_bytes
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize=backlog)
        self.stats = ReceiverStats()
        self._count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope.get("method", "GET")
        if method in ("GET", "HEAD"):
            # A liveness answer for humans and health checks; it reveals nothing.
            await _respond(send, 200, {"receiver": "a2a push listen"}, head=method == "HEAD")
            return
        if method != "POST":
            await _respond(send, 405, {"error": "use POST"}, extra=[(b"allow", b"POST, GET")])
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if self.token is not None and not token_matches(self.token, headers):
            self.stats.rejected_auth += 1
            await _respond(send, 401, {"error": "missing or wrong notification token"})
            return
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body_bytes
            except ValueError:
                too_big = True
            if too_big:
                self.stats.rejected_size += 1
                await _respond(send, 413, {"error": f"body over {self.max_body_bytes} bytes"})
                return
        body = await _read_body(receive, self.max_body_bytes)
        if body is None:
            self.stats.rejected_size += 1
            await _respond(send, 413, {"error": f"body over {self.max_body_bytes} bytes"})
            return
        try:
            payload = normalize_payload(json.loads(body))
        except (ValueError, UnicodeDecodeError, RecursionError):
            payload = None
        if payload is None:
            self.stats.rejected_body += 1
            await _respond(send, 400, {"error": "expected a StreamResponse JSON object"})
            return
        if self.task_ids and payload_task_id(payload) not in self.task_ids:
            self.stats.rejected_task += 1
            await _respond(send, 404, {"error": "not a task this receiver expects"})
            return
        client = scope.get("client")
        remote = f"{client[0]}:{client[1]}" if client else "?"
        payload = scrub_json(payload)
        delivery = Delivery(payload, self._count + 1, time.time(), remote, str(scope.get("path", "/")))
        try:
            self.queue.put_nowait(delivery)
        except asyncio.QueueFull:
            self.stats.rejected_busy += 1
            await _respond(send, 429, {"error": "receiver busy"}, extra=[(b"retry-after", b"1")])
            return
        self._count += 1
        self.stats.accepted += 1
        await _respond(send, 200, {})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(
    send: Send, status: int, doc: dict[str, Any], *, head: bool = False, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(doc, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": b"" if head else body})


@dataclass
class RunningReceiver:
    """A receiver being served: its URL, its queue of deliveries, its counters."""

    app: PushReceiverApp
    host: str
    port: int
    path: str = "/"
    _server: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{netloc}:{self.port}{self.path}"

    async def next_delivery(self, timeout: float | None = None) -> Delivery | None:
        """The next notification, or None when `timeout` passes first."""
        try:
            return await asyncio.wait_for(self.app.queue.get(), timeout)
        except TimeoutError:
            return None

    async def deliveries(self) -> AsyncIterator[Delivery]:
        while True:
            yield await self.app.queue.get()


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket up front so port 0 gives us the real port before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot listen on {host}:{port}: {reason}", hint="choose another --port") from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def open_receiver(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    backlog: int = DEFAULT_BACKLOG,
    task_ids: frozenset[str] = frozenset(),
) -> AsyncIterator[RunningReceiver]:
    """Serve a receiver in this event loop until the block ends."""
    import uvicorn

    class _EmbeddedServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Any:  # Ctrl-C belongs to the command, not to the embedded server
            yield

    app = PushReceiverApp(token=token, max_body_bytes=max_body_bytes, backlog=backlog, task_ids=task_ids)
    sock = bind_socket(host, port)
    bound_port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        log_level="critical",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        limit_concurrency=64,
        h11_max_incomplete_event_size=16 * 1024,
    )
    server = _EmbeddedServer(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if serving.done():
                serving.result()  # surface the startup failure
                raise OSError("push receiver stopped during startup")
            if time.monotonic() > deadline:
                raise OSError("push receiver did not start")
            await asyncio.sleep(0.01)
        yield RunningReceiver(app=app, host=host, port=bound_port, _server=server)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError, Exception):
            await asyncio.wait_for(asyncio.shield(serving), 3)
        if not serving.done():
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await serving
        sock.close()
