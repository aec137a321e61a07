"""Configuration: flag > environment (A2ACLI_*) > .env file > built-in default, with the source of each value.

Precedence is carried by Click itself: a command-line value beats the option's `envvar`, which beats the
context's `default_map`, which beats the option's default. The `.env` files (SPEC §8.3) are loaded into
the `default_map`; `Context.get_parameter_source` then tells where every value came from.

Files: the global `~/.config/a2a-cli/.env` (or `$XDG_CONFIG_HOME/a2a-cli/.env`), then the nearest local
`.env` walking up from the working directory, or `--config PATH` in its place; later files win.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "A2ACLI_"


@dataclass
class LoadedFiles:
    """Values read from .env files, with the file each value came from."""

    values: dict[str, str] = field(default_factory=dict)
    origin: dict[str, Path] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


LOADED = LoadedFiles()


def global_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "a2a-cli" / ".env"


def find_local_env(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse `KEY=value` lines (optional `export `, quotes, `#` comments). Only A2ACLI_* keys are kept."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.startswith(ENV_PREFIX):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def explicit_config(args: list[str]) -> Path | None:
    """`--config PATH` anywhere on the command line, else `A2ACLI_CONFIG`."""
    for i, arg in enumerate(args):
        if arg == "--config" and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--config="):
            return Path(arg.split("=", 1)[1])
    env = os.environ.get("A2ACLI_CONFIG")
    return Path(env) if env else None


def load_files(args: list[str]) -> LoadedFiles:
    from a2acli.errors import UsageError

    loaded = LoadedFiles()
    explicit = explicit_config(args)
    if explicit is not None and not explicit.is_file():
        raise UsageError(f"config file not found: {explicit}", hint="check the path given to --config")
    local = explicit if explicit is not None else find_local_env()
    for path in (global_config_path(), local):
        if path is None or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read config file {path}: {exc}") from exc
        loaded.files.append(path)
        for key, value in parse_dotenv(text).items():
            loaded.values[key] = value
            loaded.origin[key] = path
    return loaded


def file_defaults(command: Any, args: list[str]) -> dict[str, Any] | None:
    """Build Click's nested default_map from the .env files for every option with an A2ACLI_* envvar."""
    from a2acli import _click as click

    global LOADED
    LOADED = load_files(args)
    if not LOADED.values:
        return None

    def walk(cmd: click.Command) -> dict[str, Any]:
        level: dict[str, Any] = {}
        for param in cmd.params:
            envvar = param.envvar
            names = [envvar] if isinstance(envvar, str) else list(envvar or [])
            for name in names:
                if name in LOADED.values and param.name:
                    level[param.name] = _coerce(param, LOADED.values[name])
                    break
        if isinstance(cmd, click.Group):
            for sub_name, sub in cmd.commands.items():
                sub_map = walk(sub)
                if sub_map:
                    level[sub_name] = sub_map
        return level

    return walk(command) or None


def _coerce(param: Any, value: str) -> Any:
    # Multi-value options take whitespace-separated values in a file, as Click does for env vars.
    if getattr(param, "multiple", False) or (getattr(param, "nargs", 1) != 1):
        return value.split()
    return value


def source_of(ctx: Any, name: str) -> str:
    """Where a parameter's value came from: 'flag', 'env', 'file:<path>' or 'default'."""
    from a2acli import _click as click

    source = ctx.get_parameter_source(name)
    if source is click.ParameterSource.COMMANDLINE:
        return "flag"
    if source is click.ParameterSource.ENVIRONMENT:
        return "env"
    if source is click.ParameterSource.DEFAULT_MAP:
        param = next((p for p in ctx.command.params if p.name == name), None)
        envvar = param.envvar if param is not None else None
        key = envvar if isinstance(envvar, str) else (envvar[0] if envvar else "")
        origin = LOADED.origin.get(key)
        return f"file:{origin}" if origin else "file"
    return "default"


_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: str | float | int | None, *, name: str = "duration") -> float | None:
    """'500ms', '2s', '1.5m', '1h' or a plain number of seconds; None or '' or 'none' means no limit."""
    from a2acli.errors import UsageError

    if value is None:
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower()
        if text in ("", "none", "0s", "off") and text != "0":
            return None if text != "0s" else 0.0
        unit = next((u for u in ("ms", "s", "m", "h") if text.endswith(u)), "")
        number = text[: -len(unit)] if unit else text
        try:
            seconds = float(number) * _DURATION_UNITS.get(unit, 1.0)
        except ValueError:
            raise UsageError(
                f"invalid {name}: {value!r}", hint="use a number of seconds or a unit: 500ms, 2s, 1m, 1h"
            ) from None
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise UsageError(f"invalid {name}: {value!r}", hint="durations are finite and not negative")
    return seconds


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything the client layer needs to reach an agent; built by commands from their options."""

    agent_card: str = "http://127.0.0.1:8001"
    transports: tuple[str, ...] = ()
    a2a_version: str | None = None
    bearer: str | None = None
    api_key: str | None = None
    svc_params: tuple[tuple[str, str], ...] = ()
    insecure: bool = False
    timeout: float | None = None
    connect_timeout: float = 10.0
    debug: bool = False
    verbose: bool = False
