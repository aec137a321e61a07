"""The uvicorn pieces the demo agent's HTTP protocol (a2acli/agent/http_protocol.py) subclasses are still there.

`HeaderLimitsProtocol` extends uvicorn's `HttpToolsProtocol` by overriding its asyncio protocol methods and its
httptools parser callbacks, and by reading the attributes they set. None of these names is uvicorn's documented
API, so a release may rename one: an override with a stale name is silently never called (no header timeout,
no header cap). This fails first, here; then move the uvicorn pin in pyproject.toml.
"""

from __future__ import annotations

import inspect

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from a2acli.agent.http_protocol import OVERRIDDEN, READ_ATTRIBUTES, http_protocol


def test_the_version_range_pinned_in_pyproject() -> None:
    major, minor = (int(x) for x in uvicorn.__version__.split(".")[:2])
    assert (major, minor) == (0, 54), "re-run this contract, then move the uvicorn pin in pyproject.toml"


def test_every_overridden_method_exists_with_its_signature() -> None:
    expected = {
        "connection_made": ["self", "transport"],
        "data_received": ["self", "data"],
        "on_message_begin": ["self"],
        "on_headers_complete": ["self"],
        "on_message_complete": ["self"],
        "connection_lost": ["self", "exc"],
    }
    assert set(OVERRIDDEN) == set(expected)
    for name, params in expected.items():
        method = getattr(HttpToolsProtocol, name, None)
        assert callable(method), f"uvicorn's HttpToolsProtocol has no {name}()"
        assert list(inspect.signature(method).parameters)[: len(params)] == params, name


def test_the_attributes_read_are_set_by_uvicorn() -> None:
    source = inspect.getsource(HttpToolsProtocol)
    for attribute in READ_ATTRIBUTES:
        assert f"self.{attribute} =" in source or f"self.{attribute}:" in source, attribute


def test_the_subclass_overrides_exactly_the_listed_names() -> None:
    protocol = http_protocol(header_timeout=5.0, max_header_bytes=65536)
    assert issubclass(protocol, HttpToolsProtocol)
    own = {name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_")}
    assert own == set(OVERRIDDEN)
