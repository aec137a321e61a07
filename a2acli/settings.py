"""Configuration: flag > environment (A2ACLI_*) > .env file > built-in default, with the source of each value.

Precedence is carried by Click itself: a command-line value beats the option's `envvar`, which beats the
context's `default_map`, which beats the option's default. The `.env` files (SPEC §8.3) are loaded into
the `default_map`; `Context.get_parameter_source` then tells where every value came from.

Files: the global `~/.config/a2a-cli/.env` (or `$XDG_CONFIG_HOME/a2a-cli/.env`), then the nearest local
`.env` walking up from the working directory, or `--config PATH` in its place; later files win.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typer import Context

    from a2acli._compat.typer import Command
    from a2acli.catalog import Entry as CatalogEntry

ENV_PREFIX = "A2ACLI_"
# Tuning knobs of the client read from the environment only (no flag); `config show` reports them.
DEFAULT_READ_TIMEOUT = 300.0  # seconds of silence tolerated from an agent (A2ACLI_READ_TIMEOUT)
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024  # per streamed event (A2ACLI_MAX_EVENT_BYTES)


@dataclass
class LoadedFiles:
    """Values read from .env files, with the file each value came from."""

    values: dict[str, str] = field(default_factory=dict)
    origin: dict[str, Path] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exposed: dict[Path, int] = field(default_factory=dict)  # credential files others can read -> mode


# Session state is never configuration (SPEC §6.3, §8.3): these are ignored when a file holds them.
SESSION_KEYS = frozenset({"A2ACLI_TASK_ID", "A2ACLI_CONTEXT_ID"})
_SECRET_MARKERS = ("BEARER", "API_KEY", "TOKEN", "SECRET", "PASSWORD", "PASSPHRASE", "CREDENTIAL", "BASIC")


def is_secret(name: str) -> bool:
    """Whether a setting holds a credential (its value is never shown, its file should be mode 0600)."""
    upper = name.upper()
    return any(marker in upper for marker in _SECRET_MARKERS)


def file_mode_exposed(path: Path) -> int | None:
    """The permission bits of `path` when group or others may read it (POSIX only), else None."""
    if os.name != "posix":
        return None
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o044 else None


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


def parse_dotenv(text: str, *, problems: list[str] | None = None) -> dict[str, str]:
    """The A2ACLI_* values of a .env text, parsed by python-dotenv; other keys, and keys without `=`, are dropped.

    Values are taken literally (no `${VAR}` expansion): a credential holding `$` must reach the agent unchanged,
    and a file value must not silently depend on the environment, whose own values have their own precedence.
    python-dotenv reports a statement it cannot parse through logging; those reports are appended to
    `problems` (a warning for the user) instead of reaching stderr on their own.
    """
    import io
    import logging

    from dotenv import dotenv_values

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if problems is not None:
                problems.append(record.getMessage())

    dotenv_logger = logging.getLogger("dotenv")
    handler = _Collect(logging.WARNING)
    dotenv_logger.addHandler(handler)
    propagate, dotenv_logger.propagate = dotenv_logger.propagate, False
    try:
        parsed = dotenv_values(stream=io.StringIO(text), interpolate=False)
    finally:
        dotenv_logger.propagate = propagate
        dotenv_logger.removeHandler(handler)
    return {key: value for key, value in parsed.items() if key.startswith(ENV_PREFIX) and value is not None}


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
        if any(path.resolve() == seen.resolve() for seen in loaded.files):  # local may be the global file
            continue
        loaded.files.append(path)
        problems: list[str] = []
        values = parse_dotenv(text, problems=problems)
        loaded.warnings.extend(f"{path}: {problem}; that statement is ignored" for problem in problems)
        for key, value in values.items():
            if key in SESSION_KEYS:
                loaded.warnings.append(
                    f"{key} in {path} ignored: task and context ids are never read from configuration "
                    f"(pass --{key[7:].lower().replace('_', '-')} or set the environment variable)"
                )
                continue
            loaded.values[key] = value
            loaded.origin[key] = path
        if any(is_secret(key) and value for key, value in values.items()):
            mode = file_mode_exposed(path)
            if mode is not None:
                loaded.exposed[path] = mode
                loaded.warnings.append(
                    f"{path} holds a credential and is readable by others (mode {mode:04o}); run: chmod 600 {path}"
                )
    return loaded


# Where a command's own values sit in its level of the default_map. Click keeps parameter values and the
# maps of subcommands in one dict, so `a2a card --validate` and `a2a card validate` would share a key; the
# values live under a key no command can be named, read by `_DefaultsContext.lookup_default`.
PARAMS_KEY = "\0params"


def _defaults_context() -> type[Context]:
    import typer

    global _CONTEXT_CLASS
    if _CONTEXT_CLASS is None:

        class _DefaultsContext(typer.Context):
            def lookup_default(self, name: str, call: bool = True) -> Any:
                level = self.default_map.get(PARAMS_KEY) if self.default_map is not None else None
                value = level.get(name) if isinstance(level, dict) else None
                if call and callable(value):
                    return value()
                return value

        _CONTEXT_CLASS = _DefaultsContext
    return _CONTEXT_CLASS


_CONTEXT_CLASS: type[Context] | None = None


def file_defaults(command: Command, args: list[str]) -> dict[str, object] | None:
    """Build Click's nested default_map for every option with an A2ACLI_* variable.

    The map carries the .env values, so Click's own order gives flag > environment > file > default. It also
    carries the environment's values: Click reads the variable itself before it looks at the map (so the source
    stays "env"), and `--help` then shows the effective default. Credentials never show in `--help`.
    """
    from typer.core import TyperGroup

    global LOADED
    if "_A2A_COMPLETE" in os.environ:
        return None  # a Tab press: no defaults are applied, and a broken file must not print while typing
    LOADED = load_files(args)
    if LOADED.warnings:
        from a2acli.render.writers import warn

        for problem in LOADED.warnings:
            warn(problem)
    context_class = _defaults_context()

    def walk(cmd: Command) -> dict[str, object]:
        cmd.context_class = context_class
        values: dict[str, object] = {}
        for param in cmd.params:
            envvar = param.envvar
            names = [envvar] if isinstance(envvar, str) else list(envvar or [])
            for name in names:
                if not name.startswith(ENV_PREFIX):
                    continue
                if is_secret(name):
                    param.show_default = False  # type: ignore[attr-defined]
                value = os.environ.get(name) or LOADED.values.get(name)
                if value and param.name:
                    values[param.name] = _coerce(param, value)
                    break
        level: dict[str, object] = {PARAMS_KEY: values} if values else {}
        if isinstance(cmd, TyperGroup):
            for sub_name, sub in cmd.commands.items():
                sub_map = walk(sub)
                if sub_map:
                    level[sub_name] = sub_map
        return level

    return walk(command) or None


def _coerce(param: object, value: str) -> str | list[str]:
    # Multi-value options take whitespace-separated values in a file, as Click does for env vars.
    if getattr(param, "multiple", False) or (getattr(param, "nargs", 1) != 1):
        return value.split()
    return value


def source_of(ctx: Context, name: str) -> str:
    """Where a parameter's value came from: 'flag', 'env', 'file:<path>' or 'default'."""
    from a2acli._compat.typer import ParameterSource

    source = ctx.get_parameter_source(name)
    if source is ParameterSource.COMMANDLINE:
        return "flag"
    if source is ParameterSource.ENVIRONMENT:
        return "env"
    if source is ParameterSource.DEFAULT_MAP:
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
    extensions: tuple[str, ...] = ()  # --extension: A2A extension URIs declared on every request (A2A-Extensions)
    # Mutual TLS and trust (client/tls.py; the gRPC channel reads the same fields): paths as given, and the
    # password of an encrypted key. `cert` without `key`: the certificate file holds the key too.
    cert: str | None = None
    key: str | None = None
    key_password: str | None = field(default=None, repr=False)
    cacert: str | None = None
    # HTTP Basic (`--basic USER[:PASS]`): the user and the password, resolved (prompted, or A2ACLI_BASIC_PASSWORD).
    basic: tuple[str, str] | None = field(default=None, repr=False)


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
CARD_SCHEMES = ("http", "https", "file")


def check_card_reference(ref: str) -> None:
    """A reference naming a URL scheme the tool cannot fetch (`htp://`, `ftp://`) is a usage error (exit 2), said
    before any I/O; it used to reach the resolver and end as a card not found (exit 3)."""
    from a2acli.errors import UsageError

    match = _SCHEME.match(ref.strip())
    if match and match.group(1).lower() not in CARD_SCHEMES:
        raise UsageError(
            f"unsupported scheme {match.group(1)!r} in the agent card reference {ref!r}",
            hint="use http://, https://, file://, host[:port] or a file path (or - for stdin)",
        )


def catalog_location() -> tuple[str, bool]:
    """The agent catalog in use and whether the user named it: A2ACLI_CATALOG (a file or an http(s) URL; also read
    from a .env file), else `<config dir>/a2a-cli/catalog.json` (absent: an empty catalog)."""
    named = os.environ.get("A2ACLI_CATALOG") or LOADED.values.get("A2ACLI_CATALOG")
    if named:
        return named, True
    return str(global_config_path().parent / "catalog.json"), False


def resolve_agent_reference(ref: str) -> tuple[str, CatalogEntry | None]:
    """The one place an agent reference is expanded: `catalog:NAME` becomes its catalog entry's reference (SPEC
    §10.1 catalog resolution), before any other operation; every other reference is returned unchanged."""
    from a2acli import catalog

    where, explicit = catalog_location()
    return catalog.resolve(ref, where, explicit=explicit)


def connection_settings(
    *,
    agent_card: str,
    transport: list[str] | tuple[str, ...] | None = None,
    a2a_version: str | None = None,
    bearer: str | None = None,
    api_key: str | None = None,
    svc_param: list[str] | tuple[str, ...] | None = None,
    insecure: bool = False,
    timeout: float | None = None,
    debug: bool = False,
    verbose: bool = False,
    extensions: list[str] | tuple[str, ...] | None = None,
    cert: str | None = None,
    key: str | None = None,
    key_password: str | None = None,
    cacert: str | None = None,
    basic: str | None = None,
) -> ConnectionSettings:
    """The one builder of ConnectionSettings from command options: `--svc-param K:V` parsed, and every
    credential (bearer, API key, service-parameter values) registered for redaction (SPEC §12.1)."""
    from a2acli.errors import UsageError
    from a2acli.redact import register_secret

    agent_card, entry = resolve_agent_reference(agent_card)  # `catalog:NAME`, before any other operation
    if entry is not None and not transport:
        transport = entry.transports
    check_card_reference(agent_card)
    params: list[tuple[str, str]] = []
    for item in svc_param or ():
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--svc-param expects KEY:VALUE, got {item!r}", hint="e.g. --svc-param x-trace-id:abc")
        params.append((name.strip(), value.strip()))
        register_secret(value.strip())
    register_secret(bearer)
    register_secret(api_key)
    register_secret(key_password)
    user_password = basic_credentials(basic) if basic else None
    if user_password is not None and bearer:
        raise UsageError("--basic and --bearer both set the Authorization header", hint="give one of them")
    return ConnectionSettings(
        agent_card=agent_card,
        transports=tuple(transport or ()),
        a2a_version=a2a_version or None,
        bearer=bearer,
        api_key=api_key,
        svc_params=tuple(params),
        insecure=insecure,
        timeout=timeout,
        debug=debug,
        verbose=verbose,
        extensions=tuple(dict.fromkeys(e.strip() for e in extensions or () if e.strip())),
        cert=cert or None,
        key=key or None,
        key_password=key_password or None,
        cacert=cacert or None,
        basic=user_password,
    )


def basic_credentials(value: str) -> tuple[str, str]:
    """`--basic USER[:PASS]`: without `:PASS` the password comes from A2ACLI_BASIC_PASSWORD, else a prompt on a
    terminal (never echoed), else it is a usage error."""
    import sys

    from a2acli.errors import UsageError
    from a2acli.redact import register_secret

    user, sep, password = value.partition(":")
    if not user:
        raise UsageError("--basic expects USER[:PASSWORD]", hint="e.g. --basic alice (the password is prompted)")
    if not sep:
        password = os.environ.get("A2ACLI_BASIC_PASSWORD") or LOADED.values.get("A2ACLI_BASIC_PASSWORD", "")
        if not password:
            if not (sys.stdin.isatty() and sys.stderr.isatty()):
                raise UsageError(
                    f"--basic {user}: no password", hint="set A2ACLI_BASIC_PASSWORD (no terminal to prompt on)"
                )
            import getpass

            try:
                password = getpass.getpass(f"Password for {user}: ", stream=sys.stderr)
            except (EOFError, KeyboardInterrupt):
                raise UsageError(f"--basic {user}: no password given") from None
    register_secret(password)
    return user, password
