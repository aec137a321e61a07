"""`a2a completion SHELL`: print the shell completion script (SPEC §7.1).

The script is Typer's own (the one `--show-completion` prints), so `--install-completion` and this command
install the same thing. A Tab press runs `a2a` with `_A2A_COMPLETE` set; nothing heavy is imported to answer it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

PROG_NAME = "a2a"
COMPLETE_VAR = "_A2A_COMPLETE"


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"
    pwsh = "pwsh"


def script_for(shell: Shell | str) -> str:
    """The completion script for `shell`, exactly as Typer generates it, ending with one newline."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=str(shell)) + "\n"


def completion(
    shell: Annotated[Shell, typer.Argument(help="The shell to print the completion script for.", show_default=False)],
) -> None:
    """Print the shell completion script for bash, zsh, fish or powershell.

    Load it in the current shell with `eval "$(a2a completion bash)"`, or save it where your shell looks for
    completions (`a2a completion fish > ~/.config/fish/completions/a2a.fish`). `a2a --install-completion`
    does the saving for the shell you are in.
    """
    from a2acli.render.writers import write_text

    write_text(script_for(shell))
