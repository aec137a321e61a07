"""`demo_agent(**overrides)`: the real demo agent (`a2a serve`'s app) under uvicorn on 127.0.0.1, port 0."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from tests.support.server import serve_in_thread


class _DeferredApp:
    """An ASGI app whose real app is built once the port is known (so the card advertises it).

    The real app's lifespan is entered on its first request, in the server's own event loop, and left on
    shutdown.
    """

    def __init__(self) -> None:
        self.app: Any = None
        self._lifespan: Any = None
        self._lock: asyncio.Lock | None = None

    async def _ensure_started(self) -> None:
        if self._lifespan is not None:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._lifespan is None:
                cm = self.app.router.lifespan_context(self.app)
                await cm.__aenter__()
                self._lifespan = cm

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self._lifespan is not None:
                        with contextlib.suppress(Exception):
                            await self._lifespan.__aexit__(None, None, None)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self._ensure_started()
        await self.app(scope, receive, send)


@contextlib.contextmanager
def demo_agent(**overrides: Any) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) of a running demo agent.

    `overrides` are `ServeOptions` fields (default `delay=0`); `protocol_versions` may be a string like
    "1.0" and `push_allow_hosts` a list. The card advertises the real port unless `public_url` is given.
    """
    from a2acli.agent.app import create_app
    from a2acli.agent.options import ServeOptions, parse_protocol_versions

    overrides.setdefault("delay", 0)
    if isinstance(overrides.get("protocol_versions"), str | list):
        overrides["protocol_versions"] = parse_protocol_versions(overrides["protocol_versions"])
    if isinstance(overrides.get("push_allow_hosts"), list):
        overrides["push_allow_hosts"] = tuple(overrides["push_allow_hosts"])
    options = ServeOptions(**overrides)
    deferred = _DeferredApp()
    from a2acli.agent.http_protocol import http_protocol

    with serve_in_thread(deferred, http=http_protocol(options.header_timeout, options.max_header_bytes)) as url:
        port = urlsplit(url).port
        assert port is not None
        options = dataclasses.replace(options, host="127.0.0.1", port=port)
        reservation = None
        if options.grpc_port is not None:  # gRPC too (`grpc_port=0`): the card names the port picked
            from a2acli.agent.grpc_server import resolve_port

            options, reservation = resolve_port(options)
        deferred.app = create_app(options)
        if reservation is not None:
            import httpx

            deferred.app.state.grpc.reservation = reservation
            httpx.get(url + "/.well-known/agent-card.json", timeout=10).raise_for_status()  # starts the lifespan
        yield url


def grpc_target(url: str) -> str:
    """The `host:port` of the gRPC interface the demo agent at `url` advertises (1.0)."""
    import httpx

    card = httpx.get(url + "/.well-known/agent-card.json", headers={"A2A-Version": "1.0"}, timeout=10).json()
    return next(i["url"] for i in card["supportedInterfaces"] if i["protocolBinding"] == "GRPC")
