"""Typer's value coercion, spared for plain parameters.

Typer 0.29 coerces every parameter value that is not already a bool through a pydantic `TypeAdapter`, given or
not: Click passes None for an option not given, so every run of a command with a str option imports pydantic and
builds an adapter per option, which costs more than the rest of the way to an agent's first token. A plain
option (str, bool, list[str], a str Enum, an int or float, with no parser or Click type of its own) needs none of
that: `spare(param)` gives it a runtime that passes such values through and defers to Typer for anything else.
"""

from __future__ import annotations

import enum
import re
import weakref
from typing import Any

from a2acli._compat.typer import build_runtime_param, runtime_unbuilt, set_runtime_param

_NUMBERS = (int, int | None, float, float | None)
_PLAIN = (str, bool, str | None, list[str] | None, list[str])
_HELP_SPARED: weakref.WeakSet[Any] = weakref.WeakSet()


def spare(param: Any) -> Any:
    """Give a plain parameter (Click's, built by Typer, not used yet) the cheap runtime; returns it."""
    if param is not None and runtime_unbuilt(param) and is_plain(param):
        set_runtime_param(param, PlainRuntime())
    return param


def spare_tree(command: Any) -> None:
    """`spare` every parameter of a command and of its subcommands, and each one's -h/--help (which Click makes
    when a context first asks for it)."""
    for param in command.params:
        spare(param)
    if command not in _HELP_SPARED:
        help_option = command.get_help_option
        command.get_help_option = lambda ctx: spare(help_option(ctx))
        _HELP_SPARED.add(command)
    for sub in (getattr(command, "commands", None) or {}).values():
        spare_tree(sub)


def is_plain(param: Any) -> bool:
    """A str, bool, list[str] or str-Enum parameter with no parser, range or Click type of its own, or an int or
    float one (plain decimal values within its range are converted here; anything else goes to Typer)."""
    descriptor = getattr(param, "type_descriptor", None)
    info = getattr(descriptor, "parameter_info", None)
    if descriptor is None or info is None or getattr(descriptor, "file_annotation", None) is not None:
        return False
    if any(getattr(info, name, None) is not None for name in ("parser", "click_type")):
        return False
    annotation = descriptor.annotation
    if annotation in _NUMBERS:  # Click's INT / FLOAT / IntRange / FloatRange has converted and range-checked it
        return True
    if getattr(info, "min", None) is not None or getattr(info, "max", None) is not None:
        return False
    if annotation in _PLAIN:
        return True
    return isinstance(annotation, type) and issubclass(annotation, enum.Enum) and issubclass(annotation, str)


class PlainRuntime:
    """Typer's runtime contract (`coerce(value, param, ctx)`) for plain values; defers to Typer for the rest."""

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        annotation = param.type_descriptor.annotation
        if value is None:
            return None
        kind = type(value)
        if kind is bool or (kind is str and annotation in (str, str | None)):
            return value
        if annotation in _NUMBERS:
            number = _number(value, floating=annotation in (float, float | None))
            info = param.type_descriptor.parameter_info
            if (
                number is not None
                and (info.min is None or number >= info.min)
                and (info.max is None or number <= info.max)
            ):
                return number
            return self._typer(value, param, ctx)  # out of range or not a plain number: Typer's checks and words
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            if isinstance(value, annotation):
                return value
            if kind is str:
                return _choice(annotation, value, param, ctx)
            return self._typer(value, param, ctx)
        if (kind is tuple or kind is list) and all(type(v) is str for v in value):
            return list(value) if value else None
        return self._typer(value, param, ctx)

    @staticmethod
    def _typer(value: Any, param: Any, ctx: Any) -> Any:
        real = build_runtime_param(param.type_descriptor)
        set_runtime_param(param, real)
        return real.coerce(value, param=param, ctx=ctx)


def _choice(annotation: type[enum.Enum], value: str, param: Any, ctx: Any) -> Any:
    """A str-Enum value: exact, or any case unless the option is case-sensitive. Anything else is a usage error in
    Click's own words (Typer's pydantic path words it `Value error, 'yaml' is not one of ...`)."""
    import typer

    try:
        return annotation(value)
    except ValueError:
        pass
    if not getattr(param.type_descriptor.parameter_info, "case_sensitive", True):
        for member in annotation:
            if str(member.value).lower() == value.lower():
                return member
    choices = ", ".join(repr(str(m.value)) for m in annotation)
    raise typer.BadParameter(f"{value!r} is not one of {choices}.", ctx=ctx, param=param)


def _number(value: Any, *, floating: bool) -> int | float | None:
    """An int (or float) given as such or as plain decimal digits; None for anything else (Typer decides)."""
    if type(value) is int or (floating and type(value) is float):
        return float(value) if floating else value
    if type(value) is not str:
        return None
    if re.fullmatch(r"[+-]?[0-9]+", value):
        return float(value) if floating else int(value)
    if floating and re.fullmatch(r"[+-]?[0-9]+\.[0-9]+", value):
        return float(value)
    return None
