"""HTTP+JSON 0.3 routes (`/v1/...`) whose streams fail like the other bindings: with an error response.

The SDK's 0.3 REST adapter starts the SSE response before the request is validated, so a malformed
`/v1/message:stream` body gets `200 text/event-stream` and an empty body (or a dropped connection).
Here the first event is awaited before answering, as the SDK's JSON-RPC and 1.0 REST paths already do, so
validation errors become a proper HTTP+JSON error response; a failure later in the stream ends it cleanly
after logging.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

from a2a.compat.v0_3.rest_adapter import REST03Adapter
from a2a.server.routes.common import create_event_source_response
from a2a.utils import json_utils
from a2a.utils.error_handlers import rest_error_handler
from a2a.utils.errors import InvalidRequestError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

log = logging.getLogger("a2acli.serve")


class EagerREST03Adapter(REST03Adapter):  # type: ignore[misc]
    @rest_error_handler  # type: ignore[untyped-decorator,unused-ignore]
    async def _handle_streaming_request(  # type: ignore[override]
        self,
        method: Callable[[Request, Any], AsyncIterable[Any]],
        request: Request,
    ) -> Response:
        try:
            await request.body()
        except (ValueError, RuntimeError, OSError) as exc:
            raise InvalidRequestError(message=f"Failed to read the request body: {exc}") from exc
        call_context = self._context_builder.build(request)
        stream = aiter(method(request, call_context))
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

        return create_event_source_response(events(), shutdown_grace_period=self._shutdown_grace_period)


def v03_rest_routes(request_handler: Any) -> list[BaseRoute]:
    adapter = EagerREST03Adapter(http_handler=request_handler)
    return [Route(path, endpoint, methods=[method]) for (path, method), endpoint in adapter.routes().items()]
