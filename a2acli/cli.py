"""The root `a2a` command: global options, command registration, and the ONE place where exceptions
become exit statuses and error envelopes (SPEC §11.4, §11.6, Appendix B).

Nothing heavy is imported here: `--help`, `--version` and completion must not load the SDK, protobuf,
httpx or uvicorn. Command modules are thin and import their domain code inside the command body.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
from typing import Annotated, Any

import typer

from a2acli import __version__

EXIT_CODES_EPILOG = (
    "Exit codes: 0 the CLI did its job (whatever the task's state) · 1 failure · 2 usage error · "
    "3 agent or card unreachable · 4 authentication · 5 timeout · 130 interrupted (Ctrl-C; -o json reports "
    "the code X_A2ACLI_INTERRUPTED)."
)

_app = typer.Typer(
    name="a2a",
    help="The command-line toolkit for A2A (Agent2Agent) agents: serve, inspect, send, stream, follow.",
    epilog=EXIT_CODES_EPILOG,
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        _write_version()
        raise typer.Exit(0)


def _write_version() -> None:
    from a2acli.render.writers import write_text

    write_text(f"a2acli {__version__}\n")


@_app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", "-v", help="Print the version and exit.", callback=_version_callback, is_eager=True),
    ] = False,
) -> None:
    """The command-line toolkit for A2A (Agent2Agent) agents."""


def _complete_command_path(ctx: typer.Context, incomplete: str) -> list[str]:
    from a2acli.commands.completion import complete_command_path

    return complete_command_path(registered(), ctx, incomplete)


# The commands, in the order `--help` lists them. Each is registered only when a run needs it, so a run imports
# the module of the command it names and no other.
_ORDER = (
    "serve",
    "card",
    "send",
    "stream",
    "chat",
    "task",
    "auth",
    "conformance",
    "mcp",
    "catalog",
    "config",
    "completion",
    "push",
    "help",
)
_GROUPS = frozenset({"card", "task", "auth", "catalog", "config", "push"})
# The first paragraph of each command's help: all the root's help and a Tab press on the first word show of a
# command, so both are answered without importing any command module (tests/test_cli_root.py holds every line to
# the command's own help).
_SUMMARIES = {
    "serve": "Run an A2A agent: the streaming demo (1.0 + 0.3, JSON-RPC, HTTP+JSON, gRPC), --exec, --proxy, --replay.",
    "card": "Fetch, render, validate, sign and verify Agent Cards. With no subcommand: show the card.",
    "send": "Send a message to an agent and wait for the task to finish (or stop at INPUT_REQUIRED/AUTH_REQUIRED).",
    "stream": "Send a message and stream the answer live (Rich on a terminal, the text floor when piped, --jsonl).",
    "chat": "An interactive multi-turn session with an agent: the context and a waiting task carry from turn to turn.",
    "task": "Follow and manage tasks: get, list, cancel, subscribe, download, push-config.",
    "auth": "Log in to agents with OAuth 2 / OpenID Connect (device, client credentials, code + PKCE); stored tokens.",
    "conformance": "Smoke-check a live agent against A2A 1.0 requirements (the A2A TCK's IDs); exit 1 when one at"
    " --fail-on fails.",
    "mcp": "Serve A2A agents as tools to MCP clients: over stdio (the default), or streamable HTTP with --http.",
    "catalog": "Name agents in a local catalog and reach them as -a catalog:NAME from every agent command.",
    "config": "Inspect the configuration (read-only): effective settings and where each came from.",
    "completion": "Print the shell completion script for bash, zsh, fish or powershell.",
    "push": "Receive A2A push notifications (webhooks).",
    "help": "Show usage for the tool or for one command.",
}
# The commands that read the whole tree from their context: `help` describes any command, `config show` lists
# the settings of every command.
_WALK_THE_TREE = frozenset({"help", "config"})
_wanted: set[str] = set()


def _register_one(app: typer.Typer, name: str) -> None:
    if name == "serve":
        from a2acli.commands import serve

        app.command("serve", epilog=EXIT_CODES_EPILOG)(serve.serve)
    elif name in ("send", "stream"):
        from a2acli.commands import send

        app.command(name, epilog=EXIT_CODES_EPILOG, cls=send.RawArgsCommand)(getattr(send, name))
    elif name == "chat":
        from a2acli.commands import chat

        app.command("chat", epilog=EXIT_CODES_EPILOG)(chat.chat)
    elif name == "mcp":
        from a2acli.commands import mcp

        app.command("mcp", epilog=EXIT_CODES_EPILOG)(mcp.mcp)
    elif name == "conformance":
        from a2acli.commands import conformance

        app.command("conformance", epilog=EXIT_CODES_EPILOG)(conformance.conformance)
    elif name == "completion":
        from a2acli.commands import completion

        app.command("completion", epilog=EXIT_CODES_EPILOG)(completion.completion)
    elif name == "help":
        app.command("help", epilog=EXIT_CODES_EPILOG)(help_command)
    else:  # the groups
        import importlib

        app.add_typer(importlib.import_module(f"a2acli.commands.{name}").app, name=name)


def registered(names: tuple[str, ...] | None = None) -> typer.Typer:
    """The root app with the named commands registered (None: every command), in the canonical order; commands
    registered on it by other code (tests) are kept after them."""
    _wanted.update(_ORDER if names is None else [n for n in names if n in _ORDER])
    extra_commands = [c for c in _app.registered_commands if c.name not in _ORDER]
    extra_groups = [g for g in _app.registered_groups if g.name not in _ORDER]
    _app.registered_commands, _app.registered_groups = [], []
    for name in _ORDER:
        if name in _wanted:
            _register_one(_app, name)
    _app.registered_commands += extra_commands
    _app.registered_groups += extra_groups
    return _app


def __getattr__(name: str) -> Any:
    if name == "app":  # `a2acli.cli.app`: the whole tree, for code that walks it (config show, tests)
        return registered()
    raise AttributeError(name)


def skeleton() -> typer.Typer:
    """The root app with every command reduced to its name and summary: the root's help and a Tab press on the
    first word need nothing more. Commands registered by other code (tests) are listed as they are."""

    def stub() -> None:
        return None

    lean = copy.copy(_app)  # shallow: the global app keeps its registry
    lean.registered_commands, lean.registered_groups = [], []
    for name in _ORDER:
        if name in _GROUPS:
            lean.add_typer(typer.Typer(help=_SUMMARIES[name]), name=name)
        else:
            lean.command(name, help=_SUMMARIES[name])(stub)
    lean.registered_commands += [c for c in _app.registered_commands if c.name not in _ORDER]
    lean.registered_groups += [g for g in _app.registered_groups if g.name not in _ORDER]
    return lean


def help_command(
    ctx: typer.Context,
    command: Annotated[
        list[str] | None,
        typer.Argument(help="The command to describe.", autocompletion=_complete_command_path),
    ] = None,
) -> None:
    """Show usage for the tool or for one command."""
    from typer.core import TyperGroup

    # Contexts chained from the root, so the help shows the defaults .env files and the environment set.
    sub_ctx: Any = ctx.find_root()
    target: Any = sub_ctx.command
    path = list(command or [])
    for name in path:
        sub = target.get_command(ctx, name) if isinstance(target, TyperGroup) else None
        if sub is None:
            from a2acli.errors import UsageError

            raise UsageError(f"no such command: {' '.join(path)}", hint="run `a2a help` for the list")
        target = sub
        sub_ctx = target.context_class(target, info_name=name, parent=sub_ctx)
    from a2acli.render.writers import write_text

    write_text(target.get_help(sub_ctx) + "\n")


def _guess_output_format(argv: list[str]) -> str:
    """For errors raised before a command set its mode (usage errors): look at the raw arguments."""
    for i, arg in enumerate(argv):
        if arg in ("--jsonl",) or arg in ("--output=json", "-ojson"):
            return "json"
        if arg in ("-o", "--output") and i + 1 < len(argv) and argv[i + 1] == "json":
            return "json"
    return "json" if os.environ.get("A2ACLI_OUTPUT", "") == "json" else "text"


def report_error(err: Any, *, debug: bool = False) -> int:
    """Print one error: the envelope on stdout in JSON mode, always one line (plus a hint) on stderr."""
    from a2acli.redact import redact_json
    from a2acli.render.writers import MODE, diag, write_json

    if MODE.format == "json":
        with contextlib.suppress(BrokenPipeError, ValueError):
            write_json(redact_json(err.envelope()))
    line = f"error: {err.message} [{err.code}]"
    if err.hint:
        line += f" — hint: {err.hint}"
    diag(line)
    return int(err.exit_status)


def _quiet_broken_pipe() -> int:
    # Python flushes stdout at exit; point it at devnull so a closed pipe ends quietly.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit status; every exception is mapped here and nowhere else."""
    if (sys.argv[1:] if argv is None else argv) in (["--version"], ["-v"]) and "_A2A_COMPLETE" not in os.environ:
        # The same output as the eager option, without building the command tree.
        _write_version()
        return 0
    args = list(sys.argv[1:] if argv is None else argv)
    from a2acli.render.writers import reset_run

    reset_run()
    from a2acli._compat.typer import ClickException
    from a2acli._compat.typer import UsageError as ClickUsageError
    from a2acli.errors import A2ACliError, ExitStatus, InternalError, UsageError

    debug = "--debug" in args or os.environ.get("A2ACLI_DEBUG", "").lower() in ("1", "true", "yes")
    command = _command_tree(args)
    try:
        # The root's help shows no setting: its run reads no .env file (nor warns about one).
        default_map = None if args in ([], ["--help"], ["-h"]) else _file_defaults(command, args)
        rv = command.main(args=args, prog_name="a2a", standalone_mode=False, default_map=default_map)
        # Not standalone, Typer *returns* the status of a typer.Exit, and of a Ctrl-C outside asyncio (130).
        if rv == ExitStatus.INTERRUPTED:
            return _interrupted(debug)
        return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
    except typer.Exit as exc:
        return int(exc.exit_code)
    except ClickUsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            # Asking for help is not an error. Rich has printed the help and left "" as the message; Click's
            # plain formatter leaves the text itself. Either way the output matches `--help`'s.
            from a2acli.render.writers import write_text

            write_text(exc.format_message() + "\n")
            return 0
        from a2acli.render.writers import MODE

        if MODE.format == "text":
            MODE.format = _guess_output_format(args)
        # Click raises some errors (an option missing its value) before the subcommand has a context of its own.
        deeper = exc.ctx is not None and exc.ctx.parent is not None
        sub = exc.ctx.command_path if exc.ctx is not None and deeper else _command_path(command, args)
        return report_error(UsageError(exc.format_message(), hint=f"run `{sub} --help`"), debug=debug)
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted(debug)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except SystemExit as exc:
        # Typer turns EPIPE into sys.exit(1) even when not standalone: a closed pipe is not a failure.
        if isinstance(exc.__context__, BrokenPipeError):
            return _quiet_broken_pipe()
        raise
    except A2ACliError as exc:
        if debug:
            _print_debug_traceback()
        return report_error(exc, debug=debug)
    except ClickException as exc:
        return report_error(UsageError(exc.format_message()), debug=debug)
    except Exception as exc:  # the last line of defence: never a traceback without --debug
        if debug:
            _print_debug_traceback()
        return report_error(
            InternalError(f"unexpected {type(exc).__name__}: {exc}", hint="run again with --debug for details"),
            debug=debug,
        )


def _command_path(command: Any, args: list[str]) -> str:
    """The command the arguments name (`a2a task get`), read from the tree: the first word of each group that names
    one of its commands."""
    path = ["a2a"]
    words = iter(args)
    while getattr(command, "commands", None):
        sub = next((command.commands[w] for w in words if w in command.commands), None)
        if sub is None:
            break
        path.append(sub.name or "")
        command = sub
    return " ".join(path)


def _interrupted(debug: bool) -> int:
    """A Ctrl-C no command turned into its own `Interrupted` (with the ids and the resume command): exit 130 with
    the envelope that says so."""
    from a2acli.errors import Interrupted

    return report_error(Interrupted("interrupted"), debug=debug)


def _command_tree(args: list[str]) -> Any:
    command = _build_tree(args)
    # Typer coerces every parameter whose value is not already a bool through a pydantic TypeAdapter
    # (a2acli/commands/_plain.py): the plain ones of the whole tree built for this run are spared.
    from a2acli.commands._plain import spare_tree

    spare_tree(command)
    return command


def _build_tree(args: list[str]) -> Any:
    """The Click tree for this run: when the first argument names a command, only that command is built (all of
    them cost more than the way to an agent's first token can spare), unless it walks the whole tree."""
    if "_A2A_COMPLETE" in os.environ:  # a Tab press: the words typed so far name the command to build
        from a2acli.commands.completion import completed_words, narrowed

        words = completed_words()
        if not words:
            return typer.main.get_command(skeleton())
        first = words[0] if words[0] in _ORDER and words[0] != "help" else None
        return typer.main.get_command(narrowed(registered((first,) if first else None), words))
    if args in ([], ["--help"], ["-h"]):  # the root's help lists names and summaries only
        return typer.main.get_command(skeleton())
    name = args[0] if args else ""
    whole = name in _WALK_THE_TREE or name not in _ORDER
    app = registered(None if whole else (name,))
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if whole or not (commands or groups):
        return typer.main.get_command(app)
    lean = copy.copy(app)  # shallow: the global app keeps its registry
    lean.registered_commands, lean.registered_groups = commands, groups
    return typer.main.get_command(lean)


def _print_debug_traceback() -> None:
    """The current traceback for --debug: credentials redacted, agent-supplied escapes and controls removed."""
    import traceback

    from a2acli.redact import redact
    from a2acli.render.sanitize import clean_text

    sys.stderr.write(clean_text(redact(traceback.format_exc())))
    sys.stderr.flush()


def _file_defaults(command: Any, args: list[str]) -> dict[str, Any] | None:
    """`.env` values as Click's default_map: flag > environment > .env file > built-in default."""
    from a2acli.settings import file_defaults

    return file_defaults(command, args)
