"""`a2a --help` is laid out without Rich (a2acli/render/root_help.py) and must read exactly like Typer's own Rich
help, which `a2a help` still prints through Typer: both are run as real subprocesses and compared."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _a2a(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH", "FORCE_COLOR", "NO_COLOR")}
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "a2acli", *args],
        capture_output=True,
        text=True,
        env=base,
        stdin=subprocess.DEVNULL,  # no terminal on any standard stream: Rich's width falls back to COLUMNS / 80
        timeout=60,
    )


@pytest.mark.parametrize("columns", ["50", "61", "80", "100", "137", "250"])
def test_root_help_is_identical_to_typers(columns: str) -> None:
    fast = _a2a(["--help"], COLUMNS=columns)
    typer_help = _a2a(["help"], COLUMNS=columns)
    assert fast.returncode == typer_help.returncode == 0
    assert fast.stdout == typer_help.stdout
    assert fast.stderr == ""
    widths = {len(line) for line in fast.stdout.splitlines() if line}
    assert widths == {int(columns)}  # every line is padded to the console width, as Rich does


def test_no_arguments_and_dash_h_print_the_same_help() -> None:
    expected = _a2a(["help"], COLUMNS="90").stdout
    for args in ([], ["-h"]):
        run = _a2a(args, COLUMNS="90")
        assert (run.returncode, run.stdout) == (0, expected)


def test_default_width_is_80_without_a_terminal_and_terminal_width_wins() -> None:
    assert {len(line) for line in _a2a(["--help"]).stdout.splitlines() if line} == {80}
    both = _a2a(["--help"], COLUMNS="120", TERMINAL_WIDTH="70")
    assert {len(line) for line in both.stdout.splitlines() if line} == {70}
    assert both.stdout == _a2a(["help"], COLUMNS="120", TERMINAL_WIDTH="70").stdout


def test_forced_colour_styles_the_same_text() -> None:
    fast = _a2a(["--help"], COLUMNS="80", FORCE_COLOR="1")
    typer_help = _a2a(["help"], COLUMNS="80", FORCE_COLOR="1")
    assert "\x1b[" in fast.stdout and "\x1b[" in typer_help.stdout
    assert ANSI.sub("", fast.stdout) == ANSI.sub("", typer_help.stdout)
    assert "\x1b[2m╭─ Options" in fast.stdout  # dim panel borders
    assert "\x1b[1;36mserve" in fast.stdout  # command names bold cyan, like Typer's
    assert "\x1b[1;32m-h\x1b[0m" in fast.stdout and "\x1b[1;32m-h\x1b[0m" in typer_help.stdout  # switches bold green
    plain_no_color = _a2a(["--help"], COLUMNS="80", FORCE_COLOR="1", NO_COLOR="1").stdout
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]", plain_no_color)  # NO_COLOR: no colour, bold and dim may stay
    assert ANSI.sub("", plain_no_color) == ANSI.sub("", fast.stdout)


def test_dumb_terminal_gets_80_columns_like_rich() -> None:
    run = _a2a(["--help"], COLUMNS="120", FORCE_COLOR="1", TERM="dumb")
    assert {len(ANSI.sub("", line)) for line in run.stdout.splitlines() if line} == {80}
    assert run.stdout == _a2a(["help"], COLUMNS="120", FORCE_COLOR="1", TERM="dumb").stdout


def test_narrow_consoles_fall_back_to_typer() -> None:
    from a2acli.render import root_help

    assert root_help.console_geometry({"COLUMNS": "40"}, False, None).width == 40
    fast = _a2a(["--help"], COLUMNS="40")
    assert fast.stdout == _a2a(["help"], COLUMNS="40").stdout


def test_typer_use_rich_0_still_gets_clicks_plain_help() -> None:
    plain = _a2a(["--help"], COLUMNS="80", TYPER_USE_RICH="0")
    assert plain.returncode == 0
    assert "╭" not in plain.stdout and "Commands:" in plain.stdout
    assert plain.stdout == _a2a(["help"], COLUMNS="80", TYPER_USE_RICH="0").stdout


def test_root_help_imports_no_rich() -> None:
    code = (
        "import sys; from a2acli.cli import run; rc = run(['--help']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'pydantic', 'httpx', 'a2a')),"
        " file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert out.returncode == 0
    assert out.stderr.strip() == "[]"
    assert "Commands" in out.stdout


def test_help_strings_the_renderer_cannot_match_are_left_to_typer() -> None:
    import typer

    from a2acli.render import root_help

    app = typer.Typer(rich_markup_mode="rich", context_settings={"help_option_names": ["-h", "--help"]})

    @app.callback()
    def root() -> None:
        """Plain words."""

    @app.command()
    def one() -> None:
        """Has [bold]markup[/bold]."""

    @app.command()
    def two() -> None:
        """Plain."""

    command = typer.main.get_command(app)
    ctx = command.make_context("x", [], resilient_parsing=True)
    geometry = root_help.Geometry(width=80, color=False, no_color=False)
    assert root_help.render(command, ctx, geometry) is None
    one.__doc__ = "No markup."
    command = typer.main.get_command(app)
    ctx = command.make_context("x", [], resilient_parsing=True)
    rendered = root_help.render(command, ctx, geometry)
    assert rendered is not None and "│ one  No markup." in rendered


def test_closed_pipe_is_quiet() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "a2acli", "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(30) == 0
    assert err == b""


def _on_a_terminal(args: list[str], columns: int) -> bytes:
    """`a2a ARGS` on a pseudo-terminal of `columns` columns (no COLUMNS variable: the width comes from the tty)."""
    from tests.support.pty import run_in_pty

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH", "NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    status, out = run_in_pty([sys.executable, "-m", "a2acli", *args], env, columns=columns)
    assert status == 0
    return out


def test_on_a_terminal_the_width_and_styles_come_from_the_tty() -> None:
    fast = _on_a_terminal(["--help"], 93).decode()
    typer_help = _on_a_terminal(["help"], 93).decode()
    assert "\x1b[" in fast
    plain = ANSI.sub("", fast).replace("\r\n", "\n")
    assert plain == ANSI.sub("", typer_help).replace("\r\n", "\n")
    assert {len(line) for line in plain.splitlines() if line} == {93}
