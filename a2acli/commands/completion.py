"""`a2a completion SHELL`: print the shell completion script (SPEC §7.1).

The script is Typer's own (the one `--show-completion` prints), so `--install-completion` and this command
install the same thing. A Tab press runs `a2a` with `_A2A_COMPLETE` set; nothing heavy is imported to answer it.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

import typer

PROG_NAME = "a2a"
COMPLETE_VAR = "_A2A_COMPLETE"


def skeleton(app: typer.Typer) -> typer.Typer:
    """`app` with each command reduced to its name and help: enough to complete a subcommand's name (and the
    group's own options) without inspecting the parameters of every subcommand."""
    import copy
    import inspect

    def stub() -> None:
        return None

    lean = copy.copy(app)
    lean.registered_commands = []
    for info in app.registered_commands:
        light = copy.copy(info)
        light.help = info.help or inspect.getdoc(info.callback) or ""
        light.callback, light.cls = stub, None
        lean.registered_commands.append(light)
    lean.registered_groups = []
    for group in app.registered_groups:
        light_group = copy.copy(group)
        sub = group.typer_instance
        light_group.help = group.help or (sub.info.help if sub is not None else None) or ""
        if sub is not None:
            light_sub = copy.copy(sub)
            light_sub.registered_commands, light_sub.registered_groups = [], []
            light_sub.registered_callback = None
            light_group.typer_instance = light_sub
        light_group.callback = None
        lean.registered_groups.append(light_group)
    return lean


def narrowed(app: typer.Typer, words: list[str]) -> typer.Typer:
    """The app reduced to what a Tab press after `words` can reach: the command the words name, level by level,
    and at the level being completed the names and help of the subcommands (see `skeleton`). A word that
    names no command (an option, a value) keeps that level whole."""
    import copy

    if not words:
        return skeleton(app)
    name = words[0]
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    lean = copy.copy(app)
    if commands:
        lean.registered_commands, lean.registered_groups = commands, []
        return lean
    if groups and groups[0].typer_instance is not None:
        group = copy.copy(groups[0])
        group.typer_instance = narrowed(groups[0].typer_instance, words[1:])
        lean.registered_commands, lean.registered_groups = [], [group]
        return lean
    return app


def complete_command_path(root: typer.Typer, ctx: typer.Context, incomplete: str) -> list[str]:
    """`a2a help <Tab>`: the names of `root`'s commands, then the subcommands of the group typed so far (from the
    registry, without building any command)."""
    level: typer.Typer | None = root
    for word in ctx.params.get("command") or []:
        group = next((g for g in level.registered_groups if g.name == word), None) if level else None
        level = group.typer_instance if group is not None else None
    if level is None:
        return []
    names = [c.name for c in level.registered_commands if c.name] + [g.name for g in level.registered_groups if g.name]
    return [n for n in names if n.startswith(incomplete)]


def completed_words() -> list[str]:
    """During a Tab press, the words already typed in full after `a2a` (as Typer's shell classes read them),
    so the caller can build only the command being completed; empty when not completing."""
    instruction = os.environ.get(COMPLETE_VAR, "")
    if not instruction:
        return []
    from a2acli._compat.typer import split_arg_string

    if instruction.endswith("_bash"):
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
        try:
            cword = int(os.environ.get("COMP_CWORD", ""))
        except ValueError:
            return []
        return words[1:cword]
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    words = split_arg_string(line)[1:]
    if instruction.endswith(("_powershell", "_pwsh")):
        return words[:-1] if os.environ.get("_TYPER_COMPLETE_WORD_TO_COMPLETE") else words
    return words if line.endswith(" ") else words[:-1]


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"
    pwsh = "pwsh"


def script_for(shell: Shell | str) -> str:
    """The completion script for `shell`, exactly as Typer generates it, ending with one newline."""
    from a2acli._compat.typer import get_completion_script

    return get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=str(shell)) + "\n"


def completion(
    shell: Annotated[Shell, typer.Argument(help="The shell to print the completion script for.", show_default=False)],
) -> None:
    """Print the shell completion script for bash, zsh, fish or powershell.

    Load it in the current shell: eval "$(a2a completion bash)"

    Or save it where your shell looks: a2a completion fish > ~/.config/fish/completions/a2a.fish

    `a2a --install-completion` saves it for the shell you are in.
    """
    from a2acli.render.writers import write_text

    write_text(script_for(shell))
