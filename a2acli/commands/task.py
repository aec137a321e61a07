"""`a2a task`: get, wait, list, cancel, subscribe, download, push-config. (Owned by the task work, issue 5.)"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Follow and manage tasks: get, list, cancel, subscribe, download, push-config.", no_args_is_help=True
)
