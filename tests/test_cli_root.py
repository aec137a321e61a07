"""The root command: version, help, the error boundary and lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from a2acli import __version__
from a2acli.cli import run


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"a2acli {__version__}\n"
    assert run(["-v"]) == 0


def test_unknown_option_is_usage_error_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["send", "--no-such-flag"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "A2ACLI_ERR_USAGE" in lines[0] and "Traceback" not in captured.err


def test_usage_error_envelope_in_json_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["send", "--output", "json", "--no-such-flag"]) == 2
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["error"]["code"] == "A2ACLI_ERR_USAGE"
    assert set(doc["error"]) == {"code", "message", "hint", "a2aCode"}


def test_help_command_describes_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["help", "send"]) == 0
    assert "Usage: a2a send" in capsys.readouterr().out
    assert run(["help", "no-such-command"]) == 2


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["help"]])
def test_fast_paths_import_nothing_heavy(args: list[str]) -> None:
    code = (
        f"import sys; from a2acli.cli import run; rc = run({args!r}); "
        "heavy = [m for m in ('a2a', 'httpx', 'httpx_sse', 'uvicorn', 'google.protobuf', 'starlette') "
        "if m in sys.modules]; print(heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["stream", "--help"], ["a2acli.commands.send"]),
        (["chat", "--help"], ["a2acli.commands.chat"]),
        (["task", "get", "--help"], ["a2acli.commands.task"]),
        (["serve", "--help"], ["a2acli.commands.serve"]),
    ],
)
def test_a_run_imports_only_the_command_it_names(args: list[str], loaded: list[str]) -> None:
    code = (
        f"import sys; from a2acli.cli import run; rc = run({args!r}); "
        "print(sorted(m for m in sys.modules"
        " if m.startswith('a2acli.commands.') and not m.startswith('a2acli.commands._')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == repr(loaded)


def test_the_whole_tree_keeps_its_order_after_a_lean_run() -> None:
    # In one process (tests, embedding), a run that registered one command first must not reorder the help.
    code = (
        "import io, contextlib; from a2acli.cli import run\n"
        "run(['stream', '--help'])\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    run(['help'])\n"
        "names = [line.split()[1] for line in out.getvalue().splitlines() if line.startswith('│ ') and "
        "line.split()[1].isalpha()]\n"
        "print(names)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_cols())
    assert proc.returncode == 0, proc.stderr
    names = eval(proc.stdout.strip().splitlines()[-1])
    commands = [
        n
        for n in names
        if n in ("serve", "send", "stream", "chat", "completion", "help", "card", "task", "config", "push")
    ]
    assert commands == ["serve", "send", "stream", "chat", "completion", "help", "card", "task", "config", "push"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", None),  # in range: converted without Typer's pydantic coercion
        ("0", None),
        ("-1", "Input should be greater than or equal to 0"),  # out of range: Typer's own check and words
        ("abc", "Input should be a valid integer"),
        ("2.5", "Input should be a valid integer"),
    ],
)
def test_number_options_are_converted_and_range_checked_as_typer_does(value: str, expected: str | None) -> None:
    code = (
        "import sys, json; from a2acli.cli import run; "
        f"rc = run(['task', 'get', 'x', '--history', {value!r}, '-a', 'http://127.0.0.1:9']); "
        "print(json.dumps([rc, 'pydantic' in sys.modules]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    rc, pydantic_loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    if expected is None:
        assert (rc, pydantic_loaded) == (3, False), proc.stderr  # parsed; then the (absent) agent is unreachable
    else:
        assert rc == 2 and expected in proc.stderr and "--history" in proc.stderr


def _cols() -> dict[str, str]:
    import os

    return {**os.environ, "COLUMNS": "100"}


def test_debug_traceback_is_redacted_and_sanitised(capsys: pytest.CaptureFixture[str]) -> None:
    from a2acli import cli
    from a2acli.redact import register_secret

    register_secret("s3cret-token-value")
    try:
        raise RuntimeError("agent said \x1b]0;pwned\x07\x1b[2J\x9b31m hello; Authorization: Bearer s3cret-token-value")
    except RuntimeError:
        cli._print_debug_traceback()
    err = capsys.readouterr().err
    assert "Traceback" in err and "hello" in err
    assert "s3cret-token-value" not in err
    assert not any(ch in err for ch in "\x1b\x07\x9b")


@pytest.mark.parametrize(("raised", "status"), [("KeyboardInterrupt()", 130), ("typer.Exit(3)", 3)])
def test_status_typer_returns_is_kept(raised: str, status: int) -> None:
    # A command interrupted outside asyncio, or ending with typer.Exit(n): Typer (not standalone) returns the
    # status instead of raising it, and run() must pass it on rather than report success.
    code = (
        "import typer\n"
        "from a2acli import cli\n"
        "@cli.app.command('boom')\n"
        "def boom() -> None:\n"
        f"    raise {raised}\n"
        "raise SystemExit(cli.run(['boom']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == status, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("use_rich", ["1", "0"])
def test_no_arguments_dash_h_and_help_print_the_same_help(use_rich: str) -> None:
    # Typer's formatter prints the root help for every spelling; with TYPER_USE_RICH=0 it is Click's plain text.
    def a2a(args: list[str]) -> str:
        env = {**_cols(), "TYPER_USE_RICH": use_rich}
        proc = subprocess.run(
            [sys.executable, "-m", "a2acli", *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
        return proc.stdout

    expected = a2a(["help"])
    assert "Usage: a2a [OPTIONS] COMMAND [ARGS]..." in expected and "Exit codes: 0" in expected
    for args in ([], ["-h"], ["--help"]):
        assert a2a(args) == expected, args
    assert a2a(["task"]) == a2a(["task", "--help"])  # a group without its subcommand: its help


@pytest.mark.parametrize(
    ("argv", "hint", "said"),
    [
        # An option missing its value is raised before the subcommand has a context: the hint used to name the root.
        (["task", "get", "t-1", "--history"], "run `a2a task get --help`", "Option '--history' requires an argument"),
        (["task", "list", "--page-size"], "run `a2a task list --help`", "requires an argument"),
        (["card", "-a", "x", "validate", "--strict", "--timeout"], "run `a2a card validate --help`", "requires"),
        # An unknown choice: Click's words, not the pydantic-style `Value error, 'yaml' is not one of ...`.
        (
            ["task", "get", "t-1", "-o", "yaml"],
            "run `a2a task get --help`",
            "'yaml' is not one of 'text', 'json', 'rich'.",
        ),
        (["card", "-o", "yaml"], "run `a2a card --help`", "'yaml' is not one of 'text', 'json', 'rich'."),
        (["card", "validate", "-o", "xml"], "run `a2a card validate --help`", "'xml' is not one of 'text', 'json', "),
    ],
)
def test_usage_errors_name_the_command_and_say_what_is_wrong_in_one_line(
    argv: list[str], hint: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert line.startswith("error: ") and "[A2ACLI_ERR_USAGE]" in line and line.endswith(f"hint: {hint}")
    assert said in line and "Value error" not in line


def test_output_choices_are_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    card = Path(__file__).parent / "cards" / "valid" / "v1-full.json"
    assert run(["card", str(card), "-o", "JSON"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(card.read_text())
