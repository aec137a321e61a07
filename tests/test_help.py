"""Help: every option names its A2ACLI_* variable and shows the effective default; `a2a help`; the epilog."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from a2acli.cli import run

# SPEC §7.2: action flags never read the environment.
NO_VARIABLE = {"--help", "--version", "--stream", "--install-completion", "--show-completion"}
# SPEC §7.2 global options: wherever a command has one, it reads exactly A2ACLI_<FLAG>.
GLOBAL_OPTIONS = [
    "--agent-card",
    "--output",
    "--transport",
    "--a2a-version",
    "--bearer",
    "--api-key",
    "--svc-param",
    "--insecure",
    "--timeout",
    "--poll-interval",
    "--debug",
    "--verbose",
    "--config",
    "--context-id",
    "--task-id",
    "--async",
    "--wait",
    "--metadata",
]


def _commands() -> list[tuple[str, Any]]:
    import typer

    from a2acli.cli import app

    found: list[tuple[str, Any]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        found.append((" ".join(path), cmd))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def _options(cmd: Any) -> list[Any]:
    return [p for p in cmd.params if p.param_type_name == "option" and not p.hidden]


def _long(param: Any) -> str:
    return next((o for o in param.opts if o.startswith("--")), param.opts[0])


def _help(capsys: pytest.CaptureFixture[str], path: str) -> str:
    assert run([*path.split(), "--help"]) == 0
    return capsys.readouterr().out


def test_action_flags_never_read_the_environment() -> None:
    for path, cmd in _commands():
        for param in _options(cmd):
            if any(o in NO_VARIABLE for o in param.opts):
                assert not param.envvar, f"{path} {_long(param)} must not read the environment (SPEC §7.2)"


def test_global_options_read_their_canonical_variable() -> None:
    seen = 0
    for path, cmd in _commands():
        for param in _options(cmd):
            flag = _long(param)
            if flag in GLOBAL_OPTIONS:
                seen += 1
                expected = "A2ACLI_" + flag[2:].upper().replace("-", "_")
                assert param.envvar == expected, (path, flag, param.envvar)
                assert param.show_envvar, (path, flag)
    assert seen >= 13  # at least the options of `config show`


# `a2a serve` runs the demo agent, not a client: its variables keep a documented A2ACLI_SERVE_ prefix so they
# never collide with the client's (its --host/--port/--bearer-token are the agent's own, not the caller's).
SERVE_PREFIX = "A2ACLI_SERVE_"


def _canonical(flag: str) -> str:
    """SPEC §7.2: A2ACLI_ + the canonical long flag in upper snake case (an alias never has its own)."""
    return "A2ACLI_" + flag[2:].upper().replace("-", "_")


def test_every_option_reads_its_canonical_variable() -> None:
    """The whole command tree: every option but the action flags has exactly one A2ACLI_<FLAG> variable."""
    problems: list[str] = []
    checked = 0
    for path, cmd in _commands():
        for param in cmd.params:
            if param.param_type_name != "option" or any(o in NO_VARIABLE for o in param.opts):
                continue
            checked += 1
            flag = _long(param)
            where = f"a2a {path} {flag}".replace("  ", " ")
            if not flag.startswith("--"):
                problems.append(f"{where}: no long flag")
                continue
            if not isinstance(param.envvar, str):
                problems.append(f"{where}: reads {param.envvar!r}, not one A2ACLI_* variable")
                continue
            expected = _canonical(flag)
            if path == "serve" or path.startswith("serve "):
                expected = SERVE_PREFIX + flag[2:].upper().replace("-", "_")
                if param.envvar.startswith(SERVE_PREFIX):
                    expected = param.envvar  # the agent's documented names (e.g. --push-allow-host)
            if param.envvar != expected:
                problems.append(f"{where}: reads {param.envvar}, SPEC §7.2 says {expected}")
            if not param.show_envvar:
                problems.append(f"{where}: {param.envvar} not shown in --help")
    assert checked > 100, checked  # the walk really reached every subcommand
    assert not problems, "\n".join(problems)


def test_every_credential_option_says_a_flag_exposes_it() -> None:
    """A2ACLI_AUTH_002: every option that takes a secret says in its --help that a flag lands in the process table
    and the shell history, and names its A2ACLI_* variable (was: --bearer only; --api-key, push-config create's
    --token and --auth-credentials, push listen's --token said nothing)."""
    from a2acli.settings import is_secret

    checked: list[str] = []
    for path, cmd in _commands():
        for param in _options(cmd):
            envvar = param.envvar if isinstance(param.envvar, str) else ""
            if not is_secret(envvar) or param.is_flag or envvar.endswith("_PAGE_TOKEN"):  # a cursor, not a secret
                continue
            where = f"a2a {path} {_long(param)}"
            checked.append(where)
            assert "process table" in (param.help or ""), where
            assert param.show_envvar, where
            if not path.startswith("serve"):  # the agent's own help (its owner's words) says the process table
                assert "shell history" in (param.help or ""), where
    for expected in ("a2a send --bearer", "a2a send --api-key", "a2a card --api-key", "a2a task get --bearer"):
        assert expected in checked
    for expected in ("a2a task push-config create --token", "a2a task push-config create --auth-credentials"):
        assert expected in checked
    assert "a2a push listen --token" in checked


def test_the_walk_reaches_every_subcommand() -> None:
    paths = {p for p, _ in _commands()}
    for expected in (
        "card get",
        "card sign",
        "card validate",
        "card verify",
        "task list",
        "task download",
        "task push-config create",
        "task push-config list",
        "push listen",
        "serve",
        "config show",
    ):
        assert expected in paths, expected


def test_every_client_command_accepts_config() -> None:
    """`--config PATH` (SPEC §8.3) is accepted wherever client settings are read; `serve` has none."""
    for path, cmd in _commands():
        if getattr(cmd, "commands", None) or path in {"", "serve", "help", "completion"}:
            continue
        flags = {o for p in cmd.params for o in p.opts}
        if "--agent-card" in flags or path == "push listen":
            assert "--config" in flags, path


def test_variables_carry_the_prefix() -> None:
    for path, cmd in _commands():
        for param in _options(cmd):
            envvar = param.envvar
            names = [envvar] if isinstance(envvar, str) else list(envvar or [])
            for name in names:
                assert name.startswith("A2ACLI_"), (path, _long(param), name)


@pytest.mark.parametrize("path", [p for p, _ in _commands() if p])
def test_help_names_every_variable(path: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # long variable names would be cut with an ellipsis otherwise
    cmd = dict(_commands())[path]
    out = _help(capsys, path)
    assert f"Usage: a2a {path}" in out
    for param in _options(cmd):
        if isinstance(param.envvar, str):
            assert f"env var: {param.envvar}" in out, (path, param.envvar)


def test_help_shows_built_in_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(capsys, "config show")
    assert "[default: text]" in out and "[default: 2s]" in out
    assert "[default: http://127.0.0.1:8001]" in out


def test_help_shows_the_effective_default_from_files_and_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Path(".env").write_text("A2ACLI_POLL_INTERVAL=5s\nA2ACLI_AGENT_CARD=file.example:9\n")
    monkeypatch.setenv("A2ACLI_AGENT_CARD", "env.example:7")
    out = _help(capsys, "config show")
    assert "[default: 5s]" in out
    assert "[default: env.example:7]" in out and "file.example" not in out


def test_help_never_shows_a_credential(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("A2ACLI_API_KEY=key-from-file-123\n")
    Path(".env").chmod(0o600)
    monkeypatch.setenv("A2ACLI_BEARER", "bearer-from-env-456")
    for path, _ in _commands():
        assert run([*path.split(), "--help"]) == 0
        captured = capsys.readouterr()
        assert "key-from-file-123" not in captured.out + captured.err, path
        assert "bearer-from-env-456" not in captured.out + captured.err, path
    assert run(["help", "config", "show"]) == 0
    assert "bearer-from-env-456" not in capsys.readouterr().out


def test_help_command_matches_dash_dash_help(capsys: pytest.CaptureFixture[str]) -> None:
    Path(".env").write_text("A2ACLI_POLL_INTERVAL=9s\n")
    assert run(["help", "config", "show"]) == 0
    via_help = capsys.readouterr().out
    assert via_help.rstrip() == _help(capsys, "config show").rstrip()
    assert "[default: 9s]" in via_help
    assert run(["help"]) == 0
    assert "Commands" in capsys.readouterr().out


def test_help_for_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["help", "config", "nope"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "no such command: config nope" in captured.err


@pytest.mark.parametrize("path", ["", "send", "stream", "serve", "completion", "help"])
def test_exit_codes_epilog(path: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    out = _help(capsys, path) if path else (run(["--help"]), capsys.readouterr().out)[1]
    assert "Exit codes: 0" in out and "130 interrupted" in out


def test_version_flags(capsys: pytest.CaptureFixture[str]) -> None:
    from a2acli import __version__

    for flag in ("-v", "--version"):
        assert run([flag]) == 0
        assert capsys.readouterr().out == f"a2acli {__version__}\n"


def _leaf_commands() -> list[str]:
    return [path for path, cmd in _commands() if path and not getattr(cmd, "commands", None)]


@pytest.mark.parametrize("path", _leaf_commands())
def test_a_usage_error_is_one_line_with_a_hint(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*path.split(), "--no-such-flag"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert re.fullmatch(r"error: .+ \[A2ACLI_ERR_USAGE\] — hint: .+", lines[0]), lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["card"],
        ["card", "validate"],
        ["send", "hi"],
        ["stream", "hi"],
        ["chat"],
        ["task", "get", "t-1"],
        ["task", "list"],
        ["task", "cancel", "t-1"],
        ["task", "subscribe", "t-1"],
    ],
)
def test_an_unreachable_agent_reads_the_same_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert run([*argv, "-a", f"127.0.0.1:{port}"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert re.fullmatch(r"error: .+ \[A2ACLI_ERR_UNREACHABLE\] — hint: .+\n", captured.err), captured.err
    assert run([*argv, "-a", f"127.0.0.1:{port}", "-o", "json"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["code"] == "A2ACLI_ERR_UNREACHABLE"
    assert len(captured.err.splitlines()) == 1
