"""Typer's private names a2acli uses (a2acli/_compat/typer.py), held to what a2acli relies on.

A failure here means the installed Typer changed one of them: adapt a2acli/_compat/typer.py (and its callers)
and the pin in pyproject.toml together.
"""

from __future__ import annotations

import enum
from importlib.metadata import version
from typing import Annotated, Any

import pytest
import typer

from a2acli._compat import typer as compat


def _pin() -> tuple[str, str]:
    import re
    from pathlib import Path

    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    found = re.search(r'"typer>=([0-9.]+),<([0-9.]+)"', pyproject)
    assert found, "pyproject.toml pins typer as typer>=X,<Y"
    return found.group(1), found.group(2)


def _as_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:2])


def test_the_installed_typer_is_in_the_pinned_range() -> None:
    low, high = _pin()
    installed = _as_tuple(version("typer"))
    assert _as_tuple(low) <= installed < _as_tuple(high), (version("typer"), low, high)


def test_the_exceptions_the_error_boundary_maps() -> None:
    assert issubclass(compat.UsageError, compat.ClickException)
    assert issubclass(typer.BadParameter, compat.UsageError)
    app = typer.Typer()

    @app.command()
    def main(count: int) -> None:
        raise AssertionError("not reached")

    command = typer.main.get_command(app)
    with pytest.raises(compat.UsageError) as caught:
        command.main(args=["--no-such-flag"], prog_name="x", standalone_mode=False)
    assert caught.value.ctx is not None and caught.value.ctx.command_path == "x"
    assert "--no-such-flag" in caught.value.format_message()
    assert caught.value.exit_code == 2


def test_command_is_the_base_of_commands_and_groups() -> None:
    from typer.core import TyperGroup

    single, group = typer.Typer(), typer.Typer()
    single.command()(lambda: None)
    group.command("a")(lambda: None)
    group.command("b")(lambda: None)
    assert isinstance(typer.main.get_command(single), compat.Command)
    assert isinstance(typer.main.get_command(group), TyperGroup) and issubclass(TyperGroup, compat.Command)


def test_parameter_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    app = typer.Typer()

    @app.command()
    def main(
        ctx: typer.Context,
        flag: Annotated[str, typer.Option("--flag")] = "a",
        env: Annotated[str, typer.Option("--env", envvar="CONTRACT_ENV")] = "b",
        mapped: Annotated[str, typer.Option("--mapped")] = "c",
        plain: Annotated[str, typer.Option("--plain")] = "d",
    ) -> None:
        seen.update({name: ctx.get_parameter_source(name) for name in ("flag", "env", "mapped", "plain")})

    command = typer.main.get_command(app)
    monkeypatch.setenv("CONTRACT_ENV", "e")
    command.main(args=["--flag", "x"], prog_name="x", standalone_mode=False, default_map={"mapped": "m"})
    assert seen == {
        "flag": compat.ParameterSource.COMMANDLINE,
        "env": compat.ParameterSource.ENVIRONMENT,
        "mapped": compat.ParameterSource.DEFAULT_MAP,
        "plain": compat.ParameterSource.DEFAULT,
    }


def test_split_arg_string_keeps_an_unfinished_word() -> None:
    assert compat.split_arg_string("a2a task 'two words' --x") == ["a2a", "task", "two words", "--x"]
    assert compat.split_arg_string('a2a send "unfinished') == ["a2a", "send", "unfinished"]


def test_get_completion_script() -> None:
    for shell in ("bash", "zsh", "fish", "powershell", "pwsh"):
        script = compat.get_completion_script(prog_name="a2a", complete_var="_A2A_COMPLETE", shell=shell)
        assert "_A2A_COMPLETE" in script and "a2a" in script, shell


class _Color(enum.StrEnum):
    red = "red"


def _params() -> dict[str, Any]:
    app = typer.Typer()

    @app.command()
    def main(
        name: Annotated[str, typer.Option("--name")] = "n",
        color: Annotated[_Color, typer.Option("--color")] = _Color.red,
        count: Annotated[int | None, typer.Option("--count", min=1)] = None,
    ) -> None:
        return None

    command = typer.main.get_command(app)
    return {p.name: p for p in command.params}


def test_a_parameters_runtime_is_built_on_first_use_and_kept_in_its_slot() -> None:
    params = _params()
    assert all(compat.runtime_unbuilt(p) for p in params.values())
    descriptor = params["count"].type_descriptor  # what a2acli.commands._plain reads of a parameter
    assert descriptor.annotation in (int, int | None) and descriptor.parameter_info.min == 1
    assert descriptor.file_annotation is None
    runtime = compat.build_runtime_param(descriptor)
    assert runtime.coerce("3", param=params["count"], ctx=None) == 3
    with pytest.raises(typer.BadParameter):
        runtime.coerce("0", param=params["count"], ctx=None)


def test_typer_consults_the_runtime_a2acli_puts_in_the_slot() -> None:
    calls: list[Any] = []

    class Spy:
        def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
            calls.append(value)
            return "spied"

    app = typer.Typer(add_completion=False)
    got: dict[str, Any] = {}

    @app.command()
    def main(name: Annotated[str, typer.Option("--name")] = "n") -> None:
        got["name"] = name

    command = typer.main.get_command(app)
    param = next(p for p in command.params if p.name == "name")
    compat.set_runtime_param(param, Spy())
    assert not compat.runtime_unbuilt(param)
    command.main(args=["--name", "given"], prog_name="x", standalone_mode=False)
    assert calls == ["given"] and got == {"name": "spied"}


def test_a_plain_run_of_a2a_needs_no_pydantic() -> None:
    # The reason the slot is filled at all: a Typer run coerces through pydantic otherwise.
    import subprocess
    import sys

    code = (
        "import sys; from a2acli.cli import run; rc = run(['config', 'show', '-o', 'json', '--timeout', '3s']); "
        "print('pydantic' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "False", proc.stdout + proc.stderr
