"""`create_app(options)`: the demo agent as a Starlette app (JSON-RPC + HTTP+JSON, A2A 1.0 and 0.3).

Routes, in match order:
- the card at `/.well-known/agent-card.json` and `/.well-known/agent.json` (public, shape by `A2A-Version`);
- JSON-RPC at `/`, `/a2a` and `/a2a/` (each its own route: no redirect);
- HTTP+JSON 1.0 (`/message:send`, `/tasks/{id}`, ...) and, in dual mode, 0.3 (`/v1/...`).
Pure ASGI middlewares around them: body cap, optional bearer check, `?A2A-Version=` -> header.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from a2acli.agent.guards import BearerGuard, BodyLimit, EndStreamsCleanly, RestInputGuard, VersionQueryToHeader

if TYPE_CHECKING:
    from collections.abc import Callable

    from a2a.server.request_handlers import RequestHandler

    from a2acli.agent.card import CardSet
    from a2acli.agent.fastpath import LeanRunner
    from a2acli.agent.options import ServeOptions

log = logging.getLogger("a2acli.serve")

CARD_PATHS = ("/.well-known/agent-card.json", "/.well-known/agent.json")
# The card changes whenever the server restarts with other options (a dev server: often, on the same port), so
# a cached copy is stale at once and is revalidated (ETag / Last-Modified -> 304) before each use.
CARD_CACHE_CONTROL = "max-age=0, must-revalidate"
JSONRPC_PATHS = ("/", "/a2a", "/a2a/")


def _make_stores(options: ServeOptions) -> tuple[Any, Any, Any]:
    """(task_store, push_config_store, engine or None) for `--store`."""
    store = options.store.strip()
    if store in ("", "memory", "mem", "memory://"):
        from a2a.server.tasks import InMemoryPushNotificationConfigStore

        from a2acli.agent.task_store import BoundedTaskStore

        push_store = InMemoryPushNotificationConfigStore()
        # A dropped task's push configs go with it (else they would be the next thing kept for ever).
        return BoundedTaskStore(options.max_tasks, on_evict=push_store.delete_info), push_store, None
    if store.startswith("sqlite"):
        from a2a.server.tasks import DatabasePushNotificationConfigStore, DatabaseTaskStore
        from sqlalchemy.ext.asyncio import create_async_engine

        url = store
        if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
            url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
        engine = create_async_engine(url)
        return DatabaseTaskStore(engine), DatabasePushNotificationConfigStore(engine), engine
    raise ValueError(f"unsupported store {options.store!r} (use memory or sqlite:///path/to.db)")


def _not_modified(request: Request, etag: str, built: int) -> bool:
    """RFC 9110 §13.1: If-None-Match (weak comparison) decides when present; else If-Modified-Since."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        if inm.strip() == "*":
            return True
        return any(c.strip().removeprefix("W/") == etag.removeprefix("W/") for c in inm.split(","))
    ims = request.headers.get("if-modified-since")
    if ims:
        import email.utils

        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False  # an invalid date is ignored
        if since.tzinfo is None:
            return False
        return since.timestamp() >= built
    return False


def create_app(options: ServeOptions) -> Starlette:
    """Build the demo agent's ASGI app. Raises ValueError on a bad store URL."""
    import dataclasses
    import os

    if options.command is not None:
        options = dataclasses.replace(options, fast_path=False)  # the lean path streams the demo's words
    # The SDK's OpenTelemetry wrappers open a no-op span around every handler, queue and store call, a large
    # share of a stream's CPU and heap (bench/FINDINGS.md). Read once at SDK import; a user who sets the
    # variable keeps tracing.
    os.environ.setdefault("OTEL_INSTRUMENTATION_A2A_SDK_ENABLED", "false")
    if options.proxy is not None or options.replay is not None:
        from a2acli.agent.relay import create_relay_app

        return create_relay_app(options, assemble)
    import httpx
    from a2a.server.request_handlers import DefaultRequestHandlerV2
    from a2a.server.tasks import BasePushNotificationSender

    from a2acli.agent.card import build_agent_card, build_card_set
    from a2acli.agent.executor import DemoAgentExecutor
    from a2acli.agent.fastpath import LeanRunner
    from a2acli.agent.live import DemoRequestHandler, LiveTasks, NoReopen, Shutdown
    from a2acli.agent.oauth_guard import discover_issuer
    from a2acli.agent.push import make_push_url_validators

    issuer = discover_issuer(options)  # --oauth-issuer: its metadata and keys, fetched once at start
    card = build_agent_card(options, oauth=issuer)
    cards = build_card_set(options, card)
    task_store, push_store, engine = _make_stores(options)
    from a2acli.agent.numbers import WholeNumbersTransport

    push_client = httpx.AsyncClient(
        transport=WholeNumbersTransport(), timeout=httpx.Timeout(10.0, connect=5.0), follow_redirects=False
    )
    config_validator, delivery_validator = make_push_url_validators(options.push_allow_hosts)
    push_sender = BasePushNotificationSender(push_client, push_store, push_url_validator=delivery_validator)
    live = LiveTasks()  # tasks the lean path is running (fastpath.py); empty with fast_path off
    shutdown = Shutdown()
    runner = LeanRunner(
        store=task_store, live=live, shutdown=shutdown, push_sender=push_sender, delay=max(0.0, float(options.delay))
    )
    agent_executor: Any = DemoAgentExecutor(options)
    if options.command is not None:  # --exec: the command's executor, on the SDK path only
        from a2acli.agent.exec_agent import ExecAgentExecutor

        agent_executor = ExecAgentExecutor(options.command)
    sdk_handler = DefaultRequestHandlerV2(
        agent_executor=NoReopen(agent_executor),  # a terminal task is never run again (live.py)
        task_store=task_store,
        agent_card=card,
        push_config_store=push_store,
        push_sender=push_sender,
        push_url_validator=config_validator,
    )
    handler = DemoRequestHandler(
        sdk_handler,
        task_store=task_store,
        push_config_store=push_store,
        push_url_validator=config_validator,
        live=live,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        resumed: set[asyncio.Task[None]] = set()
        try:
            if engine is not None:
                await task_store.initialize()
                await push_store.initialize()
                from a2acli.agent.recovery import recover_unfinished_tasks

                await recover_unfinished_tasks(runner, options, resumed)
            yield
        finally:
            shutdown.stop_all()
            if resumed:
                await asyncio.wait(resumed, timeout=5)
            with contextlib.suppress(Exception):
                await handler.aclose()
            await push_client.aclose()
            if engine is not None:
                await engine.dispose()

    app = assemble(options, cards, handler, lifespan, runner, issuer=issuer)
    app.state.shutdown = shutdown  # `run` wires it to uvicorn's exit signal (server.py)
    return app


def _with_grpc(
    lifespan: Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]], grpc_service: Any
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    """`lifespan` with the gRPC service started after it has started, and stopped before it ends."""

    @contextlib.asynccontextmanager
    async def with_grpc(app: Starlette) -> AsyncIterator[None]:
        async with lifespan(app):
            await grpc_service.start()
            try:
                yield
            finally:
                await grpc_service.stop()

    return with_grpc


def assemble(
    options: ServeOptions,
    cards: CardSet,
    handler: RequestHandler,
    lifespan: Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]],
    runner: LeanRunner | None = None,
    *,
    issuer: Any = None,
) -> Starlette:
    """The card route, the SDK's routes for `handler` and the guards around them (`issuer`: --oauth-issuer's, from
    oauth_guard.discover_issuer); the lean path with `runner`."""
    from a2a.server.routes import create_jsonrpc_routes, create_rest_routes

    from a2acli.agent.numbers import WholeNumbers

    v03 = options.serves_v03
    tokens = None
    if issuer is not None:  # --oauth-issuer: one check of access tokens for HTTP and gRPC alike
        from a2acli.agent.oauth_guard import AccessTokens

        tokens = AccessTokens(issuer)
    grpc_service = None
    if options.grpc_port is not None:  # the gRPC binding, on the same handler (agent/grpc_server.py)
        from a2acli.agent.grpc_server import GrpcService

        grpc_service = GrpcService(options, handler, tokens=tokens)
        lifespan = _with_grpc(lifespan, grpc_service)

    # A2A §8.6.1 (TCK CARD-CACHE-001..003): Cache-Control with max-age, ETag, Last-Modified; 304 on a match.
    import email.utils
    import time

    built = int(time.time())
    last_modified = email.utils.formatdate(built, usegmt=True)

    async def agent_card(request: Request) -> Response:
        version = request.headers.get("a2a-version") or request.query_params.get("A2A-Version")
        served = cards.for_version(version)
        headers = {
            "ETag": served.etag,
            "Cache-Control": CARD_CACHE_CONTROL,
            "Last-Modified": last_modified,
            "Vary": "A2A-Version",
        }
        if _not_modified(request, served.etag, built):
            return Response(status_code=304, headers=headers)
        return Response(served.body, media_type="application/json", headers=headers)

    routes: list[BaseRoute] = [Route(path, agent_card, methods=["GET"]) for path in CARD_PATHS]
    for path in JSONRPC_PATHS:
        routes.extend(create_jsonrpc_routes(handler, rpc_url=path, enable_v0_3_compat=v03))
    if v03:
        from a2acli.agent.rest03 import v03_rest_routes

        routes.extend(v03_rest_routes(handler))
    if options.serves_v10:
        routes.extend(create_rest_routes(handler, enable_v0_3_compat=False))

    from starlette.middleware import Middleware

    # Outermost first: whole numbers, body cap, then auth, then the version from the query; the card stays public.
    middleware = [
        # Outermost: every JSON byte written, whichever path produced it (numbers.py).
        Middleware(WholeNumbers, skip_paths=CARD_PATHS),
        Middleware(EndStreamsCleanly),
        Middleware(
            BodyLimit,
            limit=options.max_body_bytes,
            jsonrpc_paths=JSONRPC_PATHS,
            body_timeout=options.body_timeout,
        ),
    ]
    if options.bearer_token:
        middleware.append(Middleware(BearerGuard, token=options.bearer_token, public_paths=CARD_PATHS))
    if tokens is not None:
        from a2acli.agent.oauth_guard import OAuthGuard

        middleware.append(Middleware(OAuthGuard, tokens=tokens, public_paths=CARD_PATHS))
    from a2acli.agent.guards import JsonDepthGuard

    # Before anything parses the body (the lean path, the SDK): past ~970 levels Python's parsers overflow.
    middleware.append(Middleware(JsonDepthGuard, jsonrpc_paths=JSONRPC_PATHS, skip_paths=CARD_PATHS))
    middleware.append(Middleware(VersionQueryToHeader))
    if not options.serves_v10:
        from a2acli.agent.guards import RefuseVersion1

        middleware.append(Middleware(RefuseVersion1, jsonrpc_paths=JSONRPC_PATHS, public_paths=CARD_PATHS))
    from a2acli.agent.media_types import JsonRpcContentType, RestJsonMediaType

    # Media types as the A2A TCK checks them: -32005 for a non-JSON body, application/json for JSON clients.
    middleware.append(Middleware(JsonRpcContentType, jsonrpc_paths=JSONRPC_PATHS))
    middleware.append(Middleware(RestJsonMediaType, skip_paths=CARD_PATHS + JSONRPC_PATHS))
    middleware.append(Middleware(RestInputGuard, skip_paths=CARD_PATHS + JSONRPC_PATHS))
    if runner is not None:
        from a2acli.agent.fastpath import FastStreams

        # Innermost: after the cap, auth and media-type checks, before the SDK's JSON-RPC route.
        middleware.append(
            Middleware(
                FastStreams,
                options=options,
                runner=runner,
                jsonrpc_paths=JSONRPC_PATHS,
            )
        )
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.options = options
    app.state.cards = cards
    app.state.handler = handler
    app.state.grpc = grpc_service
    return app
