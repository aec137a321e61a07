"""a2acli.client: everything that speaks A2A to an agent (card resolution, transport + version, streams).

Importing httpx also imports its own command line (`httpx._main`: click, rich, pygments), which a2acli never
uses; a stub in its place keeps that cost off every command that talks to an agent (STYLE: lazy imports).
"""

from __future__ import annotations

import sys
import types


def _skip_httpx_cli() -> None:
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stub = types.ModuleType("httpx._main")

    def main(*_args: object, **_kwargs: object) -> None:
        raise SystemExit("the httpx command line is not available inside a2acli")

    stub.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stub


_skip_httpx_cli()
