"""Shell completion: the scripts, their committed copies, real completion requests, and a cheap Tab press.

Regenerate the committed scripts after changing Typer: see completions/README.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from a2acli.cli import run

ROOT = Path(__file__).resolve().parents[1]
COMPLETIONS = ROOT / "completions"
FILES = {"bash": "a2a.bash", "zsh": "_a2a", "fish": "a2a.fish", "powershell": "a2a.ps1"}
HEAVY = (
    "a2a",
    "httpx",
    "httpx_sse",
    "uvicorn",
    "starlette",
    "google.protobuf",
    "grpc",
    "sse_starlette",
    "anyio",
    "pydantic",
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("A2ACLI_", "_A2A_", "_TYPER_", "COMP_"))}
    env.update(extra)
    return env


def _bash_request(line: str, **env: str) -> list[str]:
    """Ask the real program what bash's Tab would offer after `line` (a trailing space = a new word)."""
    words = line.split(" ")
    proc = subprocess.run(
        [sys.executable, "-m", "a2acli"],
        env=_env(_A2A_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD=str(len(words) - 1), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return [v for v in proc.stdout.splitlines() if v]


def _in_process(args: list[str], incomplete: str) -> list[str]:
    import typer
    from typer._completion_classes import BashComplete, completion_init

    from a2acli.cli import app

    completion_init()
    comp = BashComplete(typer.main.get_command(app), {}, "a2a", "_A2A_COMPLETE")
    return [item.value for item in comp.get_completions(args, incomplete)]


@pytest.mark.parametrize("shell", sorted(FILES))
def test_committed_scripts_are_current(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["completion", shell]) == 0
    printed = capsys.readouterr().out
    committed = (COMPLETIONS / FILES[shell]).read_text()
    assert printed == committed, (
        f"completions/{FILES[shell]} is stale: run `python -m a2acli completion {shell} > completions/{FILES[shell]}`"
    )
    assert "_A2A_COMPLETE" in printed


def test_completion_rejects_an_unknown_shell(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["completion", "tcsh"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "A2ACLI_ERR_USAGE" in captured.err


def test_completion_needs_a_shell(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["completion"]) == 2
    assert "A2ACLI_ERR_USAGE" in capsys.readouterr().err


def test_install_completion_still_works(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "a2acli", "--install-completion", "bash"],
        env=_env(HOME=str(tmp_path), _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = (tmp_path / ".bash_completions" / "a2a.sh").read_text()
    assert installed.strip() == (COMPLETIONS / "a2a.bash").read_text().strip()
    assert "source" in (tmp_path / ".bashrc").read_text()


def test_tab_completes_commands_and_subcommands() -> None:
    top = _bash_request("a2a ")
    for name in ("serve", "card", "send", "stream", "task", "config", "completion", "help"):
        assert name in top
    assert _bash_request("a2a co") == ["conformance", "completion", "config"]
    assert _bash_request("a2a config ") == ["show"]


def test_tab_completes_values() -> None:
    assert _bash_request("a2a config show -o ") == ["text", "json", "rich"]
    assert _bash_request("a2a config show --output j") == ["json"]
    assert _bash_request("a2a config show --transport ") == ["JSONRPC", "HTTP+JSON", "GRPC"]
    assert _bash_request("a2a config show --transport H") == ["HTTP+JSON"]
    assert _bash_request("a2a config show --a2a-version ") == ["1.0", "0.3"]
    assert _bash_request("a2a completion ") == ["bash", "zsh", "fish", "powershell", "pwsh"]
    assert _bash_request("a2a completion f") == ["fish"]


def test_tab_completes_command_paths_after_help() -> None:
    assert "task" in _bash_request("a2a help ")
    assert _bash_request("a2a help task push-config ") == ["create", "get", "list", "delete"]
    assert _bash_request("a2a help send ") == []


def test_tab_completes_task_states() -> None:
    assert _bash_request("a2a task list --status w") == ["working"]
    assert _bash_request("a2a task list --status TASK_STATE_IN") == ["TASK_STATE_INPUT_REQUIRED"]


def test_tab_leaves_file_paths_to_the_shell() -> None:
    """Where a path is expected nothing is offered, so the shell's own file completion takes over."""
    assert _bash_request("a2a config show --config ") == []
    assert _bash_request("a2a send --file ") == []
    assert _bash_request("a2a task download x --dir ") == []
    assert "complete -o default" in (COMPLETIONS / "a2a.bash").read_text()


def test_zsh_and_fish_requests() -> None:
    zsh = subprocess.run(
        [sys.executable, "-m", "a2acli"],
        env=_env(_A2A_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="a2a config show --output "),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert zsh.returncode == 0 and '"text"' in zsh.stdout and '"json"' in zsh.stdout
    fish = subprocess.run(
        [sys.executable, "-m", "a2acli"],
        env=_env(
            _A2A_COMPLETE="complete_fish",
            _TYPER_COMPLETE_FISH_ACTION="get-args",
            _TYPER_COMPLETE_ARGS="a2a completion ",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert fish.returncode == 0 and fish.stdout.split() == ["bash", "zsh", "fish", "powershell", "pwsh"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_script_works_in_bash(tmp_path: Path) -> None:
    """Source the committed script in a real bash and press Tab through its completion function."""
    shim = tmp_path / "a2a"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m a2acli "$@"\n')
    shim.chmod(0o755)
    script = (
        f"source {COMPLETIONS / 'a2a.bash'}; COMP_WORDS=(a2a config show -o ''); COMP_CWORD=4; "
        '_a2a_completion a2a; echo "${COMPREPLY[@]}"'
    )
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=_env(PATH=f"{tmp_path}{os.pathsep}{os.environ['PATH']}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.strip() == "text json rich", proc.stderr


@pytest.mark.parametrize(
    "line",
    ["a2a ", "a2a send --", "a2a stream --", "a2a task --", "a2a card --", "a2a serve --", "a2a config show -o "],
)
def test_a_tab_press_imports_nothing_heavy(line: str) -> None:
    code = (
        "import atexit, sys\n"
        f"HEAVY = {HEAVY!r}\n"
        "atexit.register(lambda: sys.stderr.write('HEAVY=' + ','.join(m for m in HEAVY if m in sys.modules)))\n"
        "from a2acli.cli import main\n"
        "main()\n"
    )
    words = line.split(" ")
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(_A2A_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD=str(len(words) - 1)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stderr.strip().endswith("HEAVY="), proc.stderr
    assert proc.stdout.strip(), "the completion answered nothing"


def _fixed_values(annotation: Any) -> list[str]:
    """The values of an Enum or Literal annotation, looking through Optional[...] and list[...]."""
    import enum
    import typing

    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(m.value) for m in annotation]
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    for inner in typing.get_args(annotation):
        found = _fixed_values(inner)
        if found:
            return found
    return []


def test_every_choice_option_completes_its_choices() -> None:
    """Whatever command is added later: an option with a fixed set of values offers them on Tab."""
    import typer

    from a2acli.cli import app

    checked = 0

    def walk(cmd: Any, path: list[str]) -> None:
        nonlocal checked
        arguments = [p for p in cmd.params if p.param_type_name == "argument"]
        for param in cmd.params:
            is_option = param.param_type_name == "option" and not param.is_flag and not param.hidden
            if not (is_option or (arguments and param is arguments[0])):
                continue
            choices = _fixed_values(param.type_descriptor.annotation)
            if not choices:
                continue
            offered = _in_process([*path, param.opts[0]] if is_option else path, "")
            assert offered, f"{' '.join(['a2a', *path, param.opts[0]])} offers nothing"
            assert set(choices) <= set(offered), (path, param.opts)
            checked += 1
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    assert checked >= 2  # at least `config show -o` and `completion`'s shells


def test_task_state_completion() -> None:
    from a2acli.commands._options import complete_task_state
    from a2acli.protocol import TASK_STATES

    assert len(complete_task_state("")) == len(TASK_STATES) == 8
    assert complete_task_state("work") == ["working"]
    assert complete_task_state("TASK_STATE_C") == ["TASK_STATE_COMPLETED", "TASK_STATE_CANCELED"]
    assert complete_task_state("input") == ["input-required"]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        (
            {"_A2A_COMPLETE": "complete_bash", "COMP_WORDS": "a2a task list --status w", "COMP_CWORD": "4"},
            ["task", "list", "--status"],
        ),
        ({"_A2A_COMPLETE": "complete_bash", "COMP_WORDS": "a2a ta", "COMP_CWORD": "1"}, []),
        ({"_A2A_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "a2a task list "}, ["task", "list"]),
        ({"_A2A_COMPLETE": "complete_fish", "_TYPER_COMPLETE_ARGS": "a2a task li"}, ["task"]),
        (
            {
                "_A2A_COMPLETE": "complete_powershell",
                "_TYPER_COMPLETE_ARGS": "a2a task li",
                "_TYPER_COMPLETE_WORD_TO_COMPLETE": "li",
            },
            ["task"],
        ),
        ({}, []),
    ],
)
def test_completed_words(env: dict[str, str], words: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from a2acli.commands.completion import completed_words

    for key in (
        "_A2A_COMPLETE",
        "COMP_WORDS",
        "COMP_CWORD",
        "_TYPER_COMPLETE_ARGS",
        "_TYPER_COMPLETE_WORD_TO_COMPLETE",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert completed_words() == words


@pytest.mark.parametrize("group", [None, "task", "card", "task push-config"])
def test_the_skeleton_completes_a_name_like_the_full_tree(group: str | None) -> None:
    """A Tab on a command's name is answered from a skeleton (names and help only): same answers, fewer costs.
    The root's skeleton is built from cli's table of summaries, without importing any command module."""
    import typer
    from typer._completion_classes import BashComplete, completion_init

    from a2acli import cli
    from a2acli.cli import app
    from a2acli.commands.completion import skeleton

    completion_init()
    level = app
    for word in (group or "").split():
        level = next(g.typer_instance for g in level.registered_groups if g.name == word)
    lean = cli.skeleton() if group is None else skeleton(level)

    def answers(tree: typer.Typer, incomplete: str) -> list[tuple[str, str | None]]:
        comp = BashComplete(typer.main.get_command(tree), {}, "a2a", "_A2A_COMPLETE")
        return [(item.value, item.help) for item in comp.get_completions([], incomplete)]

    for incomplete in ("", "s", "--", "c", "g"):
        assert answers(lean, incomplete) == answers(level, incomplete), incomplete
    assert len(answers(level, "")) >= 4


def test_the_root_summaries_are_the_commands_own_help() -> None:
    import inspect

    from a2acli import cli
    from a2acli.cli import app

    def first_paragraph(text: str | None) -> str:
        return inspect.cleandoc(text or "").split("\n\n")[0]

    own = {c.name: first_paragraph(c.help or inspect.getdoc(c.callback)) for c in app.registered_commands}
    own |= {g.name: first_paragraph(g.help or g.typer_instance.info.help) for g in app.registered_groups}
    assert own == cli._SUMMARIES


@pytest.mark.parametrize(
    ("args", "incomplete"),
    [
        ([], ""),
        ([], "--"),
        (["task"], ""),
        (["task"], "--"),
        (["task"], "l"),
        (["task", "list"], "--"),
        (["task", "list", "--status"], "w"),
        (["task", "push-config"], ""),
        (["config", "show", "-o"], ""),
        (["card"], "--"),
        (["card", "--validate"], ""),
        (["send", "--transport"], "H"),
        (["nope"], ""),
    ],
)
def test_the_narrowed_tree_completes_like_the_full_tree(args: list[str], incomplete: str) -> None:
    """A Tab press builds only what the typed words reach: it must answer exactly as the whole tree would."""
    import typer
    from typer._completion_classes import BashComplete, completion_init

    from a2acli.cli import app
    from a2acli.commands.completion import narrowed

    completion_init()

    def answers(tree: typer.Typer) -> list[tuple[str, str | None]]:
        comp = BashComplete(typer.main.get_command(tree), {}, "a2a", "_A2A_COMPLETE")
        return [(item.value, item.help) for item in comp.get_completions(list(args), incomplete)]

    assert answers(narrowed(app, args)) == answers(app)


def test_a_broken_config_does_not_disturb_a_tab_press(tmp_path: Path) -> None:
    words = "a2a config show -o "
    proc = subprocess.run(
        [sys.executable, "-m", "a2acli"],
        env=_env(
            _A2A_COMPLETE="complete_bash",
            COMP_WORDS=words,
            COMP_CWORD="4",
            A2ACLI_CONFIG=str(tmp_path / "missing.env"),
        ),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert (proc.returncode, proc.stdout.split(), proc.stderr) == (0, ["text", "json", "rich"], "")


def test_tab_completes_catalog_names(tmp_path: Path) -> None:
    """`-a catalog:<TAB>` offers the catalog's entries (a2acli/catalog.py), on every agent command."""
    import json

    book = tmp_path / "catalog.json"
    agents = [{"name": n, "url": f"http://127.0.0.1:{port}"} for n, port in (("prod", 1), ("demo", 2), ("dev", 3))]
    book.write_text(json.dumps({"agents": agents}))
    book.chmod(0o600)
    env = {"A2ACLI_CATALOG": str(book)}
    assert _bash_request("a2a send -a catalog:", **env) == ["catalog:demo", "catalog:dev", "catalog:prod"]
    assert _bash_request("a2a send -a catalog:de", **env) == ["catalog:demo", "catalog:dev"]
    assert _bash_request("a2a stream --agent-card catalog:p", **env) == ["catalog:prod"]
    assert _bash_request("a2a card get -a cat", **env) == ["catalog:demo", "catalog:dev", "catalog:prod"]
    assert _bash_request("a2a task list --url catalog:x", **env) == []
    assert _bash_request("a2a send -a ./", **env) == []  # a path: the shell's own file completion
    assert _bash_request("a2a send -a ", **env) == []
    book.chmod(0o666)  # a catalog others can write is not used (catalog.load): nothing offered, no error
    assert _bash_request("a2a send -a catalog:", **env) == []
    assert _bash_request("a2a send -a catalog:", A2ACLI_CATALOG=str(tmp_path / "absent.json")) == []


def test_a_url_catalog_completes_nothing_and_is_never_fetched() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.support.server import serve_in_thread

    hits: list[str] = []

    async def catalog(request: Request) -> JSONResponse:
        hits.append(request.url.path)
        return JSONResponse({"agents": [{"name": "demo", "url": "http://127.0.0.1:1"}]})

    with serve_in_thread(Starlette(routes=[Route("/catalog.json", catalog)])) as base:
        assert _bash_request("a2a send -a catalog:", A2ACLI_CATALOG=base + "/catalog.json") == []
    assert hits == []


def test_completing_catalog_names_imports_nothing_heavy(tmp_path: Path) -> None:
    book = tmp_path / "catalog.json"
    book.write_text('{"agents": [{"name": "demo", "url": "http://127.0.0.1:2"}]}')
    book.chmod(0o600)
    code = (
        "import atexit, sys\n"
        f"HEAVY = {HEAVY!r}\n"
        "atexit.register(lambda: sys.stderr.write('HEAVY=' + ','.join(m for m in HEAVY if m in sys.modules)))\n"
        "from a2acli.cli import main\n"
        "main()\n"
    )
    for where in (str(book), "http://127.0.0.1:9/catalog.json"):
        line = "a2a send -a catalog:"
        proc = subprocess.run(
            [sys.executable, "-c", code],
            env=_env(_A2A_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD="3", A2ACLI_CATALOG=where),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.stderr.strip().endswith("HEAVY="), proc.stderr
        assert proc.stdout.split() == (["catalog:demo"] if where == str(book) else [])
