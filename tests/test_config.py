"""Configuration: flag > environment > local .env (or --config) > global .env > default, and `a2a config show`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from a2acli.cli import run
from a2acli.settings import PARAMS_KEY, file_defaults, parse_dotenv, parse_duration

SECRET = "tok-7f3c9a-very-secret"


def _global(home: Path, text: str, mode: int = 0o600) -> Path:
    path = home / ".config" / "a2a-cli" / ".env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def _local(text: str, folder: Path | None = None, mode: int = 0o600) -> Path:
    path = (folder or Path.cwd()) / ".env"
    path.write_text(text)
    path.chmod(mode)
    return path


def _show(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, dict[str, Any]], dict[str, Any], str]:
    assert run(["config", "show", "-o", "json", *args]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 1, captured.out
    report = json.loads(lines[0])
    return {row["name"]: row for row in report["settings"]}, report, captured.err


def test_defaults_when_nothing_is_configured(capsys: pytest.CaptureFixture[str]) -> None:
    rows, report, err = _show(capsys)
    assert rows["A2ACLI_AGENT_CARD"] == {
        **rows["A2ACLI_AGENT_CARD"],
        "value": "http://127.0.0.1:8001",
        "source": "default",
        "file": None,
    }
    assert rows["A2ACLI_OUTPUT"]["source"] == "flag" and rows["A2ACLI_OUTPUT"]["value"] == "json"
    assert rows["A2ACLI_INSECURE"]["value"] is False
    assert err == ""
    assert [f["scope"] for f in report["files"]] == ["global", "local"]
    assert not any(f["loaded"] for f in report["files"])


def test_precedence_flag_env_local_global_default(
    capsys: pytest.CaptureFixture[str], isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    glob = _global(
        isolated_env,
        "A2ACLI_AGENT_CARD=global.example:1\nA2ACLI_TIMEOUT=11s\nA2ACLI_POLL_INTERVAL=7s\nA2ACLI_A2A_VERSION=0.3\n",
    )
    local = _local("A2ACLI_AGENT_CARD=local.example:2\nA2ACLI_TIMEOUT=22s\nA2ACLI_POLL_INTERVAL=8s\n")
    monkeypatch.setenv("A2ACLI_AGENT_CARD", "env.example:3")
    monkeypatch.setenv("A2ACLI_TIMEOUT", "33s")
    rows, report, _ = _show(capsys, "--agent-card", "flag.example:4")
    assert (rows["A2ACLI_AGENT_CARD"]["value"], rows["A2ACLI_AGENT_CARD"]["source"]) == ("flag.example:4", "flag")
    assert (rows["A2ACLI_TIMEOUT"]["value"], rows["A2ACLI_TIMEOUT"]["source"]) == ("33s", "env")
    # local beats global, and a key only the global file sets is still honoured
    assert rows["A2ACLI_POLL_INTERVAL"] == {**rows["A2ACLI_POLL_INTERVAL"], "value": "8s", "source": "file"}
    assert rows["A2ACLI_POLL_INTERVAL"]["file"] == str(local.resolve())
    assert rows["A2ACLI_A2A_VERSION"]["value"] == "0.3" and rows["A2ACLI_A2A_VERSION"]["file"] == str(glob)
    assert rows["A2ACLI_VERBOSE"]["source"] == "default"
    assert [f["loaded"] for f in report["files"]] == [True, True]


def test_local_file_is_found_walking_up(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    local = _local("A2ACLI_AGENT_CARD=walked.example\n")
    deeper = Path.cwd() / "a" / "b"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    rows, _, _ = _show(capsys)
    assert rows["A2ACLI_AGENT_CARD"]["value"] == "walked.example"
    assert rows["A2ACLI_AGENT_CARD"]["file"] == str(local.resolve())


def test_explicit_config_replaces_the_local_file_but_not_the_global(
    capsys: pytest.CaptureFixture[str], isolated_env: Path, tmp_path: Path
) -> None:
    _global(isolated_env, "A2ACLI_A2A_VERSION=1.0\nA2ACLI_TIMEOUT=1s\n")
    _local("A2ACLI_AGENT_CARD=local.example\nA2ACLI_VERBOSE=true\n")
    explicit = tmp_path / "agent-x.env"
    explicit.write_text("A2ACLI_AGENT_CARD=x.example\nA2ACLI_TIMEOUT=2s\n")
    rows, report, _ = _show(capsys, "--config", str(explicit))
    assert rows["A2ACLI_AGENT_CARD"]["value"] == "x.example" and rows["A2ACLI_AGENT_CARD"]["file"] == str(explicit)
    assert rows["A2ACLI_TIMEOUT"]["value"] == "2s"  # explicit file beats global
    assert rows["A2ACLI_A2A_VERSION"]["value"] == "1.0"  # global still honoured
    assert rows["A2ACLI_VERBOSE"]["source"] == "default"  # the local file is not read at all
    assert rows["A2ACLI_CONFIG"]["source"] == "flag"
    assert report["files"][1]["scope"] == "explicit"


def test_config_from_environment_variable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    explicit = tmp_path / "other.env"
    explicit.write_text("A2ACLI_AGENT_CARD=from-a2acli-config\n")
    monkeypatch.setenv("A2ACLI_CONFIG", str(explicit))
    rows, _, _ = _show(capsys)
    assert rows["A2ACLI_AGENT_CARD"]["value"] == "from-a2acli-config"
    assert rows["A2ACLI_CONFIG"]["source"] == "env"


def test_missing_config_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["config", "show", "--config", "/nonexistent/a2a.env"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "config file not found" in captured.err and "A2ACLI_ERR_USAGE" in captured.err


def test_invalid_value_in_a_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    _local("A2ACLI_OUTPUT=xml\n")
    assert run(["config", "show"]) == 2
    assert "A2ACLI_ERR_USAGE" in capsys.readouterr().err


def test_secrets_are_redacted_everywhere(
    capsys: pytest.CaptureFixture[str], isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _global(isolated_env, f"A2ACLI_API_KEY={SECRET}-key\n")
    monkeypatch.setenv("A2ACLI_BEARER", SECRET)
    rows, _, err = _show(capsys)
    assert rows["A2ACLI_BEARER"] == {**rows["A2ACLI_BEARER"], "value": "***", "source": "env", "secret": True}
    assert rows["A2ACLI_API_KEY"]["value"] == "***" and rows["A2ACLI_API_KEY"]["source"] == "file"
    assert SECRET not in err
    assert run(["config", "show", "--bearer", SECRET + "-flag"]) == 0
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert "A2ACLI_BEARER: *** (flag)" in captured.out


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_warns_when_a_credential_file_is_readable_by_others(
    capsys: pytest.CaptureFixture[str], isolated_env: Path
) -> None:
    exposed = _global(isolated_env, f"A2ACLI_BEARER={SECRET}\n", mode=0o644)
    _, report, err = _show(capsys)
    assert f"{exposed} holds a credential and is readable by others (mode 0644)" in err
    assert "chmod 600" in err and SECRET not in err
    assert report["files"][0]["readableByOthers"] is True and report["files"][0]["mode"] == "0644"
    # the warning is given on every command that loads the file, not only `config show`
    assert run(["help"]) == 0
    assert "readable by others" in capsys.readouterr().err
    exposed.chmod(0o600)
    _, report, err = _show(capsys)
    assert err == "" and report["files"][0]["readableByOthers"] is False


def test_a_readable_file_without_credentials_is_fine(capsys: pytest.CaptureFixture[str]) -> None:
    _local("A2ACLI_AGENT_CARD=public.example\n", mode=0o644)
    _, _, err = _show(capsys)
    assert err == ""


def test_task_and_context_ids_are_never_read_from_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _local("A2ACLI_TASK_ID=task-123\nA2ACLI_CONTEXT_ID=ctx-456\n")
    _, _, err = _show(capsys)
    assert "A2ACLI_TASK_ID in" in err and "ignored" in err and "A2ACLI_CONTEXT_ID in" in err
    from a2acli import settings

    assert "A2ACLI_TASK_ID" not in settings.LOADED.values


def test_unknown_setting_names_are_flagged(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A2ACLI_AGENT_CRAD", "typo")
    _, report, err = _show(capsys)
    assert "A2ACLI_AGENT_CRAD in environment is not a setting" in err
    assert report["warnings"] == [w for w in report["warnings"] if "A2ACLI_AGENT_CRAD" in w]


def test_text_output_is_one_labelled_field_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    _local("A2ACLI_AGENT_CARD=text.example\n")
    assert run(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert f"A2ACLI_AGENT_CARD: text.example (file {(Path.cwd() / '.env').resolve()})\n" in out
    assert "A2ACLI_INSECURE: false (default)\n" in out
    assert "\x1b" not in out
    for line in out.splitlines():
        assert ": " in line


def test_show_for_one_command_lists_only_its_settings(capsys: pytest.CaptureFixture[str]) -> None:
    rows, _, _ = _show(capsys, "config", "show")
    assert "A2ACLI_AGENT_CARD" in rows
    assert run(["config", "show", "no-such-command"]) == 2
    assert "no such command" in capsys.readouterr().err


def test_every_command_setting_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    """Each A2ACLI_* variable any command declares appears in `config show`."""
    import typer

    from a2acli.cli import app

    declared: set[str] = set()

    def walk(cmd: Any) -> None:
        for param in cmd.params:
            if isinstance(param.envvar, str) and param.envvar.startswith("A2ACLI_"):
                declared.add(param.envvar)
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(typer.main.get_command(app))
    rows, _, _ = _show(capsys)
    assert declared <= set(rows)


def test_file_defaults_reach_nested_commands() -> None:
    """The default_map Click consumes is nested by command path, so `a2a config show` sees its own values."""
    import typer

    from a2acli.cli import app

    _local("A2ACLI_AGENT_CARD=nested.example\nA2ACLI_TRANSPORT=JSONRPC HTTP+JSON\n")
    default_map = file_defaults(typer.main.get_command(app), [])
    assert default_map is not None
    values = default_map["config"]["show"][PARAMS_KEY]
    assert values["agent_card"] == "nested.example"
    assert values["transport"] == ["JSONRPC", "HTTP+JSON"]


def test_environment_beats_file_for_repeatable_options(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _local("A2ACLI_TRANSPORT=HTTP+JSON\n")
    rows, _, _ = _show(capsys)
    assert rows["A2ACLI_TRANSPORT"]["value"] == ["HTTP+JSON"] and rows["A2ACLI_TRANSPORT"]["source"] == "file"
    monkeypatch.setenv("A2ACLI_TRANSPORT", "JSONRPC HTTP+JSON")
    rows, _, _ = _show(capsys)
    assert rows["A2ACLI_TRANSPORT"]["value"] == ["JSONRPC", "HTTP+JSON"] and rows["A2ACLI_TRANSPORT"]["source"] == "env"


def test_parse_dotenv() -> None:
    text = (
        "# comment\n\nexport A2ACLI_A=1\nA2ACLI_B='two words'\nA2ACLI_C=\"q\"\nA2ACLI_D=v # trailing\n"
        "OTHER_KEY=ignored\nnot a line\nA2ACLI_E=a#b\n"
    )
    assert parse_dotenv(text) == {
        "A2ACLI_A": "1",
        "A2ACLI_B": "two words",
        "A2ACLI_C": "q",
        "A2ACLI_D": "v",
        "A2ACLI_E": "a#b",
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("2s", 2.0), ("1.5m", 90.0), ("1h", 3600.0), ("3", 3.0), (4, 4.0), ("none", None), ("", None)],
)
def test_parse_duration(text: str | int, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["-1s", "abc", "1x", "inf", "nan"])
def test_parse_duration_rejects(text: str) -> None:
    from a2acli.errors import UsageError

    with pytest.raises(UsageError):
        parse_duration(text)


def test_an_option_named_like_a_subcommand_keeps_both_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    """`a2a card --validate` and `a2a card validate --strict`: one level of Click's default_map holds both names."""
    import typer

    seen: dict[str, Any] = {}
    group = typer.Typer()

    @group.callback(invoke_without_command=True)
    def main(validate: bool = typer.Option(False, envvar="A2ACLI_VALIDATE")) -> None:
        seen["validate"] = validate

    @group.command("validate")
    def validate_cmd(strict: bool = typer.Option(False, envvar="A2ACLI_STRICT")) -> None:
        seen["strict"] = strict

    @group.command("other")
    def other() -> None:
        seen["other"] = True

    command = typer.main.get_command(group)
    _local("A2ACLI_STRICT=true\n")
    command.main(["validate"], standalone_mode=False, default_map=file_defaults(command, []))
    assert seen == {"validate": False, "strict": True}
    _local("A2ACLI_VALIDATE=1\nA2ACLI_STRICT=0\n")
    seen.clear()
    command.main(["validate"], standalone_mode=False, default_map=file_defaults(command, []))
    assert seen == {"validate": True, "strict": False}


def test_environment_only_knobs_are_listed(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A2ACLI_READ_TIMEOUT", "7")
    rows, _, err = _show(capsys)
    assert rows["A2ACLI_READ_TIMEOUT"]["value"] == "7" and rows["A2ACLI_READ_TIMEOUT"]["source"] == "env"
    assert rows["A2ACLI_MAX_EVENT_BYTES"]["source"] == "default" and int(rows["A2ACLI_MAX_EVENT_BYTES"]["value"]) > 0
    assert "typo" not in err
    monkeypatch.delenv("A2ACLI_READ_TIMEOUT")
    _local("A2ACLI_READ_TIMEOUT=9\n")
    rows, _, err = _show(capsys)
    assert rows["A2ACLI_READ_TIMEOUT"]["source"] == "default"
    assert "A2ACLI_READ_TIMEOUT in" in err and "environment only" in err


def test_config_show_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from a2acli.cli import run; rc = run(['config', 'show', '-o', 'json']); "
        "print([m for m in ('a2a', 'httpx', 'uvicorn', 'google.protobuf', 'starlette') if m in sys.modules])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr


def test_config_show_reports_the_defaults_the_commands_use(capsys: pytest.CaptureFixture[str]) -> None:
    """A2ACLI_CONFIG_002: `config show` said the poll interval's default was 1s while every polling command (and its
    --help) uses 2s; now one constant, and each command's own default is what the report lists for it."""
    from a2acli.commands._options import DEFAULT_POLL_INTERVAL

    rows, _, _ = _show(capsys)
    poll = rows["A2ACLI_POLL_INTERVAL"]
    assert poll["source"] == "default" and poll["value"] == DEFAULT_POLL_INTERVAL == "2s"
    assert {"send", "stream", "task get", "task subscribe"} <= set(poll["commands"])
    assert run(["config", "show"]) == 0
    assert "A2ACLI_POLL_INTERVAL: 2s (default)" in capsys.readouterr().out.splitlines()
    timeout = rows["A2ACLI_TIMEOUT"]  # the card commands' 30s deadline, the others' none: listed per command
    assert timeout["defaults"]["card"] == "30s" and timeout["defaults"]["task get"] is None


def test_catalog_is_listed_among_environment_only_settings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows, _, err = _show(capsys)
    row = rows["A2ACLI_CATALOG"]
    assert row["flag"] is None and row["source"] == "default" and row["value"].endswith("catalog.json")
    assert {"send", "chat", "catalog"} <= set(row["commands"])
    monkeypatch.setenv("A2ACLI_CATALOG", str(tmp_path / "team.json"))
    rows, _, err = _show(capsys)
    assert rows["A2ACLI_CATALOG"]["value"] == str(tmp_path / "team.json") and rows["A2ACLI_CATALOG"]["source"] == "env"
    monkeypatch.delenv("A2ACLI_CATALOG")
    env = _local("A2ACLI_CATALOG=https://catalog.example/agents.json\n")
    rows, _, err = _show(capsys)
    row = rows["A2ACLI_CATALOG"]
    assert (row["value"], row["source"], row["file"]) == ("https://catalog.example/agents.json", "file", str(env))
    assert "A2ACLI_CATALOG" not in err  # a .env file's A2ACLI_CATALOG is read (settings.catalog_location): no warning
    rows, _, _ = _show(capsys, "send")
    assert "A2ACLI_CATALOG" in rows
