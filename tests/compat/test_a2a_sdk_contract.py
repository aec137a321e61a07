"""The public a2a-sdk pieces the demo agent is built on are still there, with the shapes it relies on.

No private SDK name is used (python3 /work/shared/tools/private_names.py a2acli); what can still drift in a
release is the public surface below. Each check names what would silently break.
"""

from __future__ import annotations

import inspect

import a2a
from a2a.server.request_handlers import DefaultRequestHandlerV2, RequestHandler
from a2a.server.routes import create_jsonrpc_routes, create_rest_routes

from a2acli.agent.live import DemoRequestHandler

V03_STREAMS = {
    ("/v1/message:stream", "POST"),
    ("/v1/tasks/{id}:subscribe", "GET"),
    ("/v1/tasks/{id}:subscribe", "POST"),
}


def test_the_version_range_pinned_in_pyproject() -> None:
    from importlib.metadata import version

    major, minor = (int(x) for x in version("a2a-sdk").split(".")[:2])
    assert (major, minor) == (1, 3), "re-run this contract, then move the a2a-sdk pin in pyproject.toml"
    assert a2a is not None


def test_demo_handler_implements_every_request_handler_method() -> None:
    """The routes call only RequestHandler's methods; a new abstract one must be answered (handed to the SDK)."""
    abstract = set(RequestHandler.__abstractmethods__)
    assert abstract <= set(vars(DemoRequestHandler)), abstract - set(vars(DemoRequestHandler))
    assert not inspect.isabstract(DemoRequestHandler)
    for name in abstract:
        assert hasattr(DefaultRequestHandlerV2, name)


def test_routes_take_any_request_handler() -> None:
    for factory in (create_jsonrpc_routes, create_rest_routes):
        assert "request_handler" in inspect.signature(factory).parameters


def test_v03_rest_adapter_still_routes_its_streams_by_these_keys() -> None:
    """rest03.py swaps these three endpoints for eager ones; a renamed key would quietly keep the SDK's."""
    # Imported after a2a.server.routes (above): the SDK's 0.3 adapter and its routes import each other.
    from a2a.compat.v0_3.rest_adapter import REST03Adapter
    from a2a.compat.v0_3.rest_handler import REST03Handler

    class Stub(DemoRequestHandler):
        def __init__(self) -> None:
            pass

    routes = REST03Adapter(http_handler=Stub()).routes()
    assert set(routes) >= V03_STREAMS
    for method in ("on_message_send_stream", "on_subscribe_to_task"):
        assert callable(getattr(REST03Handler, method))


def test_every_a2a_error_name_the_client_knows_is_an_sdk_error_class() -> None:
    """`a2a serve --proxy` and `--replay` raise the upstream's error by name (agent/proxy.as_sdk_error,
    cassette.ReplayHandler): a name the SDK dropped would turn into InternalError."""
    from a2a.utils import errors as sdk_errors

    from a2acli.errors import A2A_ERRORS_BY_JSONRPC_CODE

    missing = [n for n in A2A_ERRORS_BY_JSONRPC_CODE.values() if not isinstance(getattr(sdk_errors, n, None), type)]
    assert not missing, missing
    for name in A2A_ERRORS_BY_JSONRPC_CODE.values():
        assert issubclass(getattr(sdk_errors, name), sdk_errors.A2AError)
        assert getattr(sdk_errors, name)(message="m").message == "m"


def test_the_03_card_conversion_the_proxy_uses() -> None:
    """agent/proxy.card_proto reads a 0.3 upstream card with the SDK's compat types and conversion."""
    from a2a.compat.v0_3 import types as types_v03
    from a2a.compat.v0_3.conversions import to_core_agent_card

    card = to_core_agent_card(
        types_v03.AgentCard.model_validate(
            {
                "name": "n",
                "description": "d",
                "url": "http://127.0.0.1:9/",
                "version": "1",
                "protocolVersion": "0.3.0",
                "capabilities": {"streaming": True},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [],
            }
        )
    )
    assert card.name == "n" and card.capabilities.streaming
    assert card.supported_interfaces[0].url == "http://127.0.0.1:9/"
