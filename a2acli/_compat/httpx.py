"""httpx's private names a2acli relies on (contract: tests/compat/test_httpx_contract.py).

`import httpx` also imports httpx's own command line, the private module `httpx._main`, and with it click, rich's
syntax highlighting and pygments: time a2acli never uses. A stub registered under that name first keeps that
cost off every command that talks to an agent; httpx's `main` is then the stub's.
"""

from __future__ import annotations

import sys
import types

CLI_MODULE = "httpx._main"


def skip_cli() -> None:
    """Register the stub, unless httpx (or its command line) is imported already."""
    if "httpx" in sys.modules or CLI_MODULE in sys.modules:
        return
    stub = types.ModuleType(CLI_MODULE)

    def main(*_args: object, **_kwargs: object) -> None:
        raise SystemExit("the httpx command line is not available inside a2acli")

    stub.main = main  # type: ignore[attr-defined]
    sys.modules[CLI_MODULE] = stub
