"""`a2a config show`: the effective value of every setting and the source it resolved from (SPEC §8.3).

Read-only: configuration is edited in the environment or in the `.env` files themselves. The command never
stores anything, least of all a task or context id (SPEC §6.3).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from a2acli import settings
from a2acli.commands._options import (
    DEFAULT_POLL_INTERVAL,
    AgentOptions,
    OutputFormat,
    PollIntervalOpt,
    TimeoutOpt,
    agent_options,
)

app = typer.Typer(
    help="Inspect the configuration (read-only): effective settings and where each came from.",
    no_args_is_help=True,
)


@app.command("show")
@agent_options
def show(
    ctx: typer.Context,
    agent: AgentOptions,
    command: Annotated[
        list[str] | None,
        typer.Argument(help="Only the settings of this command (e.g. `send`, `task get`). Default: all commands."),
    ] = None,
    timeout: TimeoutOpt = None,
    poll_interval: PollIntervalOpt = DEFAULT_POLL_INTERVAL,
) -> None:
    """Show every effective setting, its value and its source: flag, env, a named .env file or default.

    Credentials are redacted. A file holding a credential that others can read is flagged (make it mode 0600).

    Flags given here override, as they would on any other command.
    """
    from a2acli.render.config import show_config
    from a2acli.render.writers import set_mode

    set_mode(agent.output.value)
    show_config(effective_settings(ctx, list(command or [])), json_output=agent.output is OutputFormat.json)


# ------------------------------------------------------------------------------------------- the report


def _jsonable(value: Any) -> Any:
    from enum import Enum

    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if callable(value):
        return "(computed)"
    return str(value)


def _flag_of(param: Any) -> str:
    longs = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    return longs[0] if longs else (param.opts[0] if getattr(param, "opts", None) else param.name or "")


def _collect_options(root: Any, only: list[str]) -> dict[str, dict[str, Any]]:
    """Every option with an A2ACLI_* variable, per variable: its flag, the commands using it, their defaults."""
    found: dict[str, dict[str, Any]] = {}

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if not only or path[: len(only)] == tuple(only) or tuple(only)[: len(path)] == path:
            in_scope = not only or path[: len(only)] == tuple(only)
            if in_scope:
                for param in cmd.params:
                    envvar = param.envvar
                    names = [envvar] if isinstance(envvar, str) else list(envvar or [])
                    for name in names:
                        if not name.startswith(settings.ENV_PREFIX):
                            continue
                        entry = found.setdefault(name, {"flag": _flag_of(param), "commands": {}})
                        entry["commands"][" ".join(path) or "a2a"] = _jsonable(param.default)
        if isinstance(cmd, TyperGroup):
            for sub_name in sorted(cmd.commands):
                if not path and sub_name == "config" and only[:1] != ["config"]:
                    continue  # `config show` mirrors the shared options; it is not a setting's consumer
                walk(cmd.commands[sub_name], (*path, sub_name))

    walk(root, ())
    return found


def effective_settings(ctx: typer.Context, only: list[str]) -> dict[str, Any]:
    """The report of `a2a config show`: files consulted and, per setting, value and source (secrets redacted)."""
    from a2acli.errors import UsageError

    root: Any = ctx.find_root().command  # a `config` run builds the whole tree (a2acli.cli)
    if only:
        target: Any = root
        for name in only:
            target = target.commands.get(name) if isinstance(target, TyperGroup) else None
            if target is None:
                raise UsageError(f"no such command: {' '.join(only)}", hint="run `a2a help` for the list")
    options = _collect_options(root, only)
    for param in ctx.command.params:  # the options of `config show` itself (shared ones) are always shown
        if isinstance(param.envvar, str) and param.envvar not in options:
            options[param.envvar] = {"flag": _flag_of(param), "commands": {"config show": _jsonable(param.default)}}
    own = {(p.envvar if isinstance(p.envvar, str) else ""): p for p in ctx.command.params if p.name and p.envvar}
    warnings: list[str] = []
    rows: list[dict[str, Any]] = []
    own_first = sorted(options, key=lambda n: (n not in own, n))
    for name in own_first:
        entry = options[name]
        defaults = entry["commands"]
        distinct = {repr(v) for v in defaults.values()}
        shared = own.get(name)
        file_path: str | None = None
        if shared is not None and shared.name:
            # The options `config show` shares with every command: exactly what Click resolved for them.
            where = settings.source_of(ctx, shared.name)
            source, value = where.split(":", 1)[0], _jsonable(ctx.params.get(shared.name))
            file_path = where.split(":", 1)[1] if ":" in where else None
            if source == "default" and len(distinct) > 1:
                value = None
        elif os.environ.get(name):
            source, value = "env", os.environ[name]
        elif name in settings.LOADED.values:
            file_path = str(settings.LOADED.origin[name])
            source, value = "file", settings.LOADED.values[name]
        else:
            source = "default"
            value = next(iter(defaults.values())) if len(distinct) == 1 else None
        secret = settings.is_secret(name)
        shown = "***" if secret and value not in (None, "", False, []) else value
        row: dict[str, Any] = {
            "name": name,
            "flag": entry["flag"],
            "value": shown,
            "source": source,
            "file": file_path,
            "secret": secret,
            "commands": sorted(defaults),
        }
        if source == "default" and len(distinct) > 1:
            row["defaults"] = {cmd: ("***" if secret and v else v) for cmd, v in sorted(defaults.items())}
        rows.append(row)
    for name, (default, commands) in _environment_only().items():
        if only and not any(" ".join(only).startswith(c) for c in commands):
            continue
        raw = os.environ.get(name)
        in_file = name in _ALSO_FROM_FILE and not raw and bool(settings.LOADED.values.get(name))
        rows.append(
            {
                "name": name,
                "flag": None,
                "value": raw if raw else settings.LOADED.values[name] if in_file else default,
                "source": "env" if raw else "file" if in_file else "default",
                "file": str(settings.LOADED.origin[name]) if in_file else None,
                "secret": False,
                "commands": list(commands),
            }
        )
        if name in settings.LOADED.values and name not in _ALSO_FROM_FILE:
            stale = settings.LOADED.origin[name]
            warnings.append(f"{name} in {stale} is not read: it is a tuning knob of the environment only")
    known = set(options) | {"A2ACLI_CONFIG"} | settings.SESSION_KEYS | set(_environment_only())
    if not only:
        for origin, names in (("environment", list(os.environ)), ("a .env file", list(settings.LOADED.values))):
            for unknown in sorted(n for n in names if n.startswith(settings.ENV_PREFIX) and n not in known):
                where = str(settings.LOADED.origin.get(unknown, origin)) if origin != "environment" else origin
                warnings.append(f"{unknown} in {where} is not a setting of any command (typo?)")
    explicit = settings.explicit_config(_argv_of(ctx))
    local = explicit if explicit is not None else settings.find_local_env()
    files = []
    for scope, path in (("global", settings.global_config_path()), ("explicit" if explicit else "local", local)):
        if path is None:
            files.append({"scope": scope, "path": None, "loaded": False, "readableByOthers": False, "mode": None})
            continue
        exposed = settings.LOADED.exposed.get(path)
        files.append(
            {
                "scope": scope,
                "path": str(path),
                "loaded": path in settings.LOADED.files,
                "readableByOthers": exposed is not None,
                "mode": f"{exposed:04o}" if exposed is not None else None,
            }
        )
    return {"files": files, "settings": rows, "warnings": warnings}


def _environment_only() -> dict[str, tuple[Any, tuple[str, ...]]]:
    """Settings with no flag, read straight from the environment (A2ACLI_CATALOG from a .env file too): name ->
    (default, commands)."""
    talking = ("card", "send", "stream", "task")
    catalog_users = (*talking, "chat", "catalog")
    return {
        "A2ACLI_READ_TIMEOUT": (f"{settings.DEFAULT_READ_TIMEOUT:g}", talking),
        "A2ACLI_MAX_EVENT_BYTES": (str(settings.DEFAULT_MAX_EVENT_BYTES), talking),
        # Where `a2a auth login` keeps logins: auto (the OS keyring when usable, else a 0600 file), keyring, file.
        "A2ACLI_TOKEN_STORE": ("auto", (*talking, "auth")),
        # Where `-a catalog:NAME` and `a2a catalog` look (a file or an http(s) URL; settings.catalog_location).
        "A2ACLI_CATALOG": (str(settings.global_config_path().parent / "catalog.json"), catalog_users),
    }


# Environment-only settings that a .env file may set too (settings.catalog_location reads both).
_ALSO_FROM_FILE = frozenset({"A2ACLI_CATALOG"})


def _argv_of(ctx: Any) -> list[str]:
    value = ctx.params.get("config")
    return ["--config", str(value)] if value else []
