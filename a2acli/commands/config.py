"""`a2a config show`: the effective value of every setting and the source it resolved from (SPEC §8.3).

Read-only: configuration is edited in the environment or in the `.env` files themselves. The command never
stores anything, least of all a task or context id (SPEC §6.3).
"""

from __future__ import annotations

from typing import Annotated

import typer

from a2acli.commands._options import (
    A2AVersionOpt,
    AgentCardOpt,
    ApiKeyOpt,
    BearerOpt,
    ConfigOpt,
    DebugOpt,
    InsecureOpt,
    OutputFormat,
    OutputOpt,
    PollIntervalOpt,
    SvcParamOpt,
    TimeoutOpt,
    TransportOpt,
    VerboseOpt,
)

app = typer.Typer(
    help="Inspect the configuration (read-only): effective settings and where each came from.",
    no_args_is_help=True,
)


@app.command("show")
def show(
    ctx: typer.Context,
    command: Annotated[
        list[str] | None,
        typer.Argument(help="Only the settings of this command (e.g. `send`, `task get`). Default: all commands."),
    ] = None,
    output: OutputOpt = OutputFormat.text,
    agent_card: AgentCardOpt = "http://127.0.0.1:8001",
    transport: TransportOpt = None,
    a2a_version: A2AVersionOpt = None,
    bearer: BearerOpt = None,
    api_key: ApiKeyOpt = None,
    svc_param: SvcParamOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    poll_interval: PollIntervalOpt = "1s",
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Show every effective setting, its value and its source: flag, env, a named .env file or default.

    Credentials are redacted. A file holding a credential that others can read is flagged (make it mode 0600).

    Flags given here override, as they would on any other command.
    """
    from a2acli.render.writers import set_mode, warn, write_json, write_text
    from a2acli.settings import effective_settings, render_config_text

    set_mode(output.value)
    report = effective_settings(ctx, list(command or []))
    for problem in report["warnings"]:
        warn(problem)
    if output is OutputFormat.json:
        write_json(report)
    else:
        write_text(render_config_text(report))
