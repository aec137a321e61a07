"""Prototype, NOT used by the product: run `a2a` with two start-up shims, to measure what they would save.

1. typer 0.29 builds a pydantic TypeAdapter for every parameter whose value is not a bool, including the
   None of every option the user did not give (and every option during shell completion, where Click applies
   no defaults). Importing typer._adapters imports pydantic (tens of ms) and each adapter costs more. The shim
   skips coercion when the value is None (typer's own RuntimeParam.coerce returns None/() for it anyway) or is
   already a str for a plain `str` / `str | None` annotation with no custom parser.
2. `import httpx` imports httpx._main (httpx's own CLI), which imports click, rich.console and pygments when
   they are installed (uvicorn brings click; typer brings rich). A stub module for httpx._main skips that.

Usage: .venv/bin/python bench/profiles/lean_launcher.py [--no-typer-shim] [--no-httpx-stub] -- ARGS...
"""

from __future__ import annotations

import sys
import types
from typing import Any


def lean_typer_coercion() -> None:
    from typer import core

    original = core._TyperParameter.process_value
    plain_str = (str, str | None)

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        desc = self.type_descriptor
        info = desc.parameter_info
        simple = getattr(info, "parser", None) is None and getattr(info, "click_type", None) is None
        if simple and (value is None or (type(value) is str and desc.annotation in plain_str)):
            if value is None and (self.multiple or self.nargs == -1):
                value = ()
            if self.required and self.value_is_missing(value):
                from typer._click.exceptions import MissingParameter

                raise MissingParameter(ctx=ctx, param=self)
            if self.callback is not None:
                value = self.callback(ctx, self, value)
            return value
        return original(self, ctx, value)

    core._TyperParameter.process_value = process_value  # type: ignore[method-assign]


def stub_httpx_main() -> None:
    stub = types.ModuleType("httpx._main")
    stub.main = lambda: None  # type: ignore[attr-defined]
    sys.modules.setdefault("httpx._main", stub)


def main() -> None:
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else 0
    flags, args = argv[:cut], argv[cut + 1 :] if "--" in argv else argv
    if "--no-typer-shim" not in flags:
        lean_typer_coercion()
    if "--no-httpx-stub" not in flags:
        stub_httpx_main()
    from a2acli.cli import run

    sys.argv = ["a2a", *args]
    sys.exit(run(list(args)))


if __name__ == "__main__":
    main()
