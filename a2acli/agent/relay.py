"""The app `a2a serve --proxy` and `--replay` run: the same card route, SDK routes and guards as the demo agent
(agent/app.assemble), around a handler that forwards upstream (agent/proxy.py) or answers from a cassette
(agent/cassette.py), observed by the live exchange log and, with `--record`, the cassette writer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from a2acli.agent.options import ServeOptions


def create_relay_app(options: ServeOptions, assemble: Callable[..., Starlette]) -> Starlette:
    """`assemble` is agent/app.assemble (passed in: app.py dispatches here). Raises the client's typed errors when
    the upstream's card cannot be had, ValueError for a bad cassette."""
    from a2acli.agent.card import build_card_set
    from a2acli.agent.exchanges import ExchangeLog, ObservedHandler, Observer
    from a2acli.agent.live import Shutdown
    from a2acli.agent.proxy import card_proto, proxied_card, to_json

    log = ExchangeLog(options.exchange_log.format if options.exchange_log else "text")
    observers: list[Observer] = [log]
    writer: Any = None
    upstream: Any = None
    if options.proxy is not None:
        from a2acli.agent.proxy import ProxyHandler, resolve_upstream

        # The card once, before the server listens: an unreachable upstream is one clear error at start.
        upstream = asyncio.run(resolve_upstream(options.proxy, log.notice))
        upstream_card = card_proto(upstream.card.document)
        card = proxied_card(upstream_card, options)
        inner: Any = ProxyHandler(upstream, card)
        if options.proxy.record:
            from a2acli.agent.cassette import CassetteWriter

            writer = CassetteWriter(options.proxy.record, upstream=upstream.name, card=to_json(upstream_card))
            observers.append(writer)
    else:
        assert options.replay is not None
        from a2acli.agent.cassette import ReplayHandler, load_cassette

        cassette = load_cassette(options.replay.cassette)
        card = proxied_card(card_proto(cassette.card), options)
        inner = ReplayHandler(cassette, options.replay.speed)
    handler = ObservedHandler(inner, observers)
    from a2acli.agent.oauth_guard import discover_issuer

    issuer = discover_issuer(options)  # --oauth-issuer guards the proxy as it guards the demo agent
    if issuer is not None:
        card = proxied_card(card, options, oauth=issuer)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if upstream is not None:
            await upstream.start()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await handler.aclose()
            if writer is not None:
                writer.close()

    app = assemble(options, build_card_set(options, card), handler, lifespan, issuer=issuer)
    app.state.shutdown = Shutdown()  # no lean tasks here: the SDK's streams end by sse-starlette
    return app
