"""Prototype, NOT used by the product: run `a2a` with two start-up shims, to measure what they would save.

1. typer 0.29 builds a pydantic TypeAdapter for every parameter whose value is not a bool, including the
   None of every option the user did not give (and every option during shell completion, where Click applies
   no defaults). Importing typer._adapters imports pydantic (tens of ms) and each adapter costs more. The shim
   skips coercion when the value is None (typer's own RuntimeParam.coerce returns None/() for it anyway) or is
   already of the exact class of a plain `X` / `X | None` annotation (no parser, no min/max), or is an empty
   tuple for a multiple option.
2. `import httpx` imports httpx._main (httpx's own CLI), which imports click, rich.console and pygments when
   they are installed (uvicorn brings click; typer brings rich). A stub module for httpx._main skips that.

3. (opt-in, `--trim-tree`) every run builds the Click tree of ALL commands (26 commands, 286 parameters,
   ~1,400 eval() of string annotations): ~45-60 ms CPU. When the first argument names a command, the shim
   builds the tree with that command only (what a lazy Click group would do).

Usage: .venv/bin/python bench/profiles/lean_launcher.py [--no-typer-shim] [--no-httpx-stub] [--trim-tree] -- ARGS...
"""

from __future__ import annotations

import sys
import types
from typing import Any


def lean_typer_coercion() -> None:
    import types as _types
    import typing

    from typer import core

    original = core._TyperParameter.process_value

    def plain_type(annotation: Any) -> type | None:
        """`X` or `X | None` with X a class: the class; anything else (lists, literals, Annotated...): None."""
        if isinstance(annotation, type):
            return annotation
        if typing.get_origin(annotation) in (typing.Union, _types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1 and isinstance(members[0], type):
                return members[0]
        return None

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        desc = self.type_descriptor
        info = desc.parameter_info
        multi = self.multiple or self.nargs == -1
        simple = (
            getattr(info, "parser", None) is None
            and getattr(info, "click_type", None) is None
            and getattr(info, "min", None) is None
            and getattr(info, "max", None) is None
        )
        cls = plain_type(desc.annotation)
        if simple and (
            value is None
            or (multi and isinstance(value, (tuple, list)) and not value)
            or (not multi and cls is not None and type(value) is cls)
        ):
            if value is None or (multi and not value):
                value = () if multi else None
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


def trim_tree(args: list[str]) -> None:
    from a2acli.cli import app

    if not args:
        return
    name = args[0]
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:
        app.registered_commands[:] = commands
        app.registered_groups[:] = groups


def main() -> None:
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else 0
    flags, args = argv[:cut], argv[cut + 1 :] if "--" in argv else argv
    if "--no-typer-shim" not in flags:
        lean_typer_coercion()
    if "--no-httpx-stub" not in flags:
        stub_httpx_main()
    if "--trim-tree" in flags:
        trim_tree(args)
    from a2acli.cli import run

    sys.argv = ["a2a", *args]
    sys.exit(run(list(args)))


if __name__ == "__main__":
    main()
