"""The private names of Typer that a2acli uses, each listed once; tests/compat/test_typer_contract.py holds
Typer to every one of them, and pyproject.toml pins typer to the minor range those tests cover.

Typer 0.29 vendors a trimmed Click as `typer._click` and re-exports only part of it: the exceptions the error
boundary maps (`ClickException`, `UsageError`), `Command` (the base of every command and group, for types),
`ParameterSource` (where a value came from) and
`split_arg_string` (the shell-word splitting of a completion request) exist nowhere public, nor does
`get_completion_script` (the script `--show-completion` prints, which `a2a completion SHELL` prints too).

Typer 0.29 also coerces every parameter value that is not already a bool through a pydantic `TypeAdapter`, built
on a parameter's first use and kept in its `_runtime_param` slot (`build_runtime_param` builds Typer's own);
a2acli.commands._plain fills the slot of plain parameters with a runtime that needs no pydantic.
"""

from __future__ import annotations

from typing import Any

from typer._click.core import Command, ParameterSource
from typer._click.exceptions import ClickException, UsageError
from typer._click.shell_completion import split_arg_string
from typer._coercion import build_runtime_param
from typer._completion_shared import get_completion_script

__all__ = [
    "ClickException",
    "Command",
    "ParameterSource",
    "UsageError",
    "build_runtime_param",
    "get_completion_script",
    "runtime_unbuilt",
    "set_runtime_param",
    "split_arg_string",
]

_SLOT = "_runtime_param"


def runtime_unbuilt(param: Any) -> bool:
    """True for a parameter Typer made whose runtime is not built yet (it is built on first use)."""
    return hasattr(param, _SLOT) and getattr(param, _SLOT) is None


def set_runtime_param(param: Any, runtime: Any) -> None:
    """Give a parameter the runtime Typer consults for its values from now on."""
    setattr(param, _SLOT, runtime)
