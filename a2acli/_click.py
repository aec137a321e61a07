"""The Click names a2acli uses, wherever the installed Typer keeps them.

Typer >= 0.29 vendors a trimmed Click as `typer._click` (groups are `typer.core.TyperGroup`, `Exit` and
`Abort` live in `typer`); older Typer runs on the `click` package.
"""

from __future__ import annotations

try:  # pragma: no cover - depends on the installed Typer
    from typer import Abort, Exit
    from typer._click.core import Command, Context, ParameterSource
    from typer._click.exceptions import ClickException, UsageError
    from typer.core import TyperGroup as Group
except ImportError:  # pragma: no cover
    from click import Abort, ClickException, Command, Context, Group, UsageError  # type: ignore[assignment]
    from click.core import ParameterSource  # type: ignore[assignment]
    from click.exceptions import Exit  # type: ignore[assignment]

__all__ = ["Abort", "ClickException", "Command", "Context", "Exit", "Group", "ParameterSource", "UsageError"]
