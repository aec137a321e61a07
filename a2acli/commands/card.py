"""`a2a card`: fetch, render, validate, sign and verify Agent Cards. (Owned by the card work, issue 3.)"""

from __future__ import annotations

import typer

app = typer.Typer(help="Fetch, render, validate, sign and verify Agent Cards.", no_args_is_help=False)
