"""HTTP+JSON 0.3 routes (`/v1/...`) whose streams fail like the other bindings: with an error response.

The SDK's 0.3 REST adapter starts the SSE response before the request is validated, so a malformed
`/v1/message:stream` body gets `200 text/event-stream` and an empty body (or a dropped connection).
Here the two streaming routes are endpoints of our own, built from the SDK's public 0.3 pieces (its
`REST03Handler`, its 0.3 context builder, its REST error mapping): the first event is awaited before
answering, as the SDK's JSON-RPC and 1.0 REST paths already do, so validation errors become a proper
HTTP+JSON error response; a failure later in the stream ends it cleanly after logging. Every other route is
the SDK's `REST03Adapter` route as it stands.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

from a2a.server.routes.common import DefaultServerCallContextBuilder, create_event_source_response
from a2a.utils import json_utils
from a2a.utils.error_handlers import rest_error_handler
from a2a.utils.errors import InvalidRequestError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

log = logging.getLogger("a2acli.serve")

StreamMethod = Callable[[Request, Any], AsyncIterable[Any]]


def _eager_stream_endpoint(context_builder: Any) -> Callable[..., Any]:
    @rest_error_handler  # type: ignore[untyped-decorator,unused-ignore]
    async def eager_stream(method: StreamMethod, request: Request) -> Response:
        try:
            await request.body()
        except (ValueError, RuntimeError, OSError) as exc:
            raise InvalidRequestError(message=f"Failed to read the request body: {exc}") from exc
        stream = aiter(method(request, context_builder.build(request)))
        try:
            first = await anext(stream)
        except StopAsyncIteration:
            first = None

        async def events() -> AsyncIterator[str]:
            try:
                if first is not None:
                    yield json_utils.dumps(first)
                async for item in stream:
                    yield json_utils.dumps(item)
            except Exception:
                log.exception("HTTP+JSON 0.3 stream failed; ending it")

        return create_event_source_response(events())

    return eager_stream


def v03_rest_routes(request_handler: Any) -> list[BaseRoute]:
    # Imported here, after a2a.server.routes (above): the SDK's 0.3 adapter and its routes import each other.
    from a2a.compat.v0_3.context_builders import V03ServerCallContextBuilder
    from a2a.compat.v0_3.rest_adapter import REST03Adapter
    from a2a.compat.v0_3.rest_handler import REST03Handler

    handler = REST03Handler(request_handler=request_handler)
    eager = _eager_stream_endpoint(V03ServerCallContextBuilder(DefaultServerCallContextBuilder()))
    streams: dict[tuple[str, str], Callable[..., Any]] = {
        ("/v1/message:stream", "POST"): functools.partial(eager, handler.on_message_send_stream),
        ("/v1/tasks/{id}:subscribe", "GET"): functools.partial(eager, handler.on_subscribe_to_task),
        ("/v1/tasks/{id}:subscribe", "POST"): functools.partial(eager, handler.on_subscribe_to_task),
    }
    routes = REST03Adapter(http_handler=request_handler).routes()
    return [
        Route(path, streams.get((path, method), endpoint), methods=[method])
        for (path, method), endpoint in routes.items()
    ]
