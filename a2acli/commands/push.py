"""`a2a push listen`: a local webhook receiver that prints push notifications as they arrive."""

from __future__ import annotations

from typing import Annotated

import typer

from a2acli.commands._options import EXPOSED, ConfigOpt, OutputFormat, OutputOpt

app = typer.Typer(help="Receive A2A push notifications (webhooks).", no_args_is_help=True)


@app.command("listen")
def listen(
    port: Annotated[
        int, typer.Option("--port", "-p", envvar="A2ACLI_PORT", show_envvar=True, help="Port; 0 picks one.")
    ] = 0,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            envvar="A2ACLI_HOST",
            show_envvar=True,
            help="Address to bind. Loopback by default; anything else is reachable from the network.",
        ),
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="A2ACLI_TOKEN",
            show_envvar=True,
            help="Notification token the agent must send (X-A2A-Notification-Token or Authorization). "
            f"Default: a random one, printed on stderr. {EXPOSED}",
        ),
    ] = None,
    no_auth: Annotated[
        bool,
        typer.Option(
            "--no-auth",
            envvar="A2ACLI_NO_AUTH",
            show_envvar=True,
            help="Accept notifications without a token (loopback testing only; warns).",
        ),
    ] = False,
    max_body: Annotated[
        int,
        typer.Option(
            "--max-body",
            envvar="A2ACLI_MAX_BODY",
            show_envvar=True,
            min=256,
            help="Largest notification body accepted, in bytes.",
        ),
    ] = 1024 * 1024,
    task_id: Annotated[
        list[str] | None,
        typer.Option(
            "--task-id",
            envvar="A2ACLI_TASK_ID",
            show_envvar=True,
            help="Accept notifications for this task only (repeatable); others get 404.",
        ),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option(
            "--count", "-n", envvar="A2ACLI_COUNT", show_envvar=True, min=1, help="Exit after N notifications."
        ),
    ] = None,
    exit_on_final: Annotated[
        bool,
        typer.Option(
            "--exit-on-final",
            envvar="A2ACLI_EXIT_ON_FINAL",
            show_envvar=True,
            help="Exit after a notification with a terminal or interrupted state.",
        ),
    ] = False,
    duration: Annotated[
        str | None,
        typer.Option(
            "--duration",
            envvar="A2ACLI_DURATION",
            show_envvar=True,
            help="Exit after listening this long (e.g. 30s, 5m).",
        ),
    ] = None,
    output: OutputOpt = OutputFormat.text,
    config: ConfigOpt = None,
) -> None:
    """Listen for push notifications and print each one as it arrives (Rich / text floor / JSON lines).

    Register the printed URL and token with `a2a task push-config create TASK_ID --webhook URL --token TOKEN`
    or let `a2a send --push` do it for you.
    """
    import asyncio
    import os
    import secrets

    from a2acli.errors import UsageError
    from a2acli.net import is_loopback_host
    from a2acli.push.listen import ListenOptions
    from a2acli.push.listen import listen as run_listen
    from a2acli.push.receiver import RunningReceiver
    from a2acli.redact import register_credential
    from a2acli.render import writers
    from a2acli.render.push_output import delivery_writer, receiver_summary
    from a2acli.settings import parse_duration

    writers.set_mode(output.value, stream=True)
    if no_auth and token:
        raise UsageError("--token and --no-auth contradict each other", hint="pass one of them")
    generated = False
    if not no_auth and not token:
        token, generated = secrets.token_urlsafe(24), True
    if token and not generated:
        register_credential(token)
    options = ListenOptions(
        host=host,
        port=port,
        token=None if no_auth else token,
        max_body_bytes=max_body,
        count=count,
        exit_on_final=exit_on_final,
        duration=parse_duration(duration, name="--duration"),
        task_ids=frozenset(task_id or ()),
    )
    on_delivery = delivery_writer(json_output=output is OutputFormat.json, rich=writers.rich_terminal(output.value))
    running: list[RunningReceiver] = []

    def on_ready(receiver: RunningReceiver) -> None:
        running.append(receiver)
        writers.diag(f"Listening for A2A push notifications on {receiver.url}")
        if not is_loopback_host(host):
            writers.warn(f"{host} is not a loopback address: the receiver is reachable from the network")
        if options.token is None:
            writers.warn("--no-auth: any process that can reach this port can post notifications")
        hint = f"a2a task push-config create TASK_ID --webhook {receiver.url}"
        if options.token is not None:
            if generated:
                hint += f" --token {options.token}"  # made up for this run: the agent must be given it
            else:
                from_env = bool(os.environ.get("A2ACLI_TOKEN"))
                hint += " --token " + ("$A2ACLI_TOKEN" if from_env else "<your --token>")
        writers.diag(f"Register: {hint}")
        if generated:
            register_credential(options.token)  # shown once to be registered; redacted from then on

    try:
        stats = asyncio.run(run_listen(options, on_ready=on_ready, on_delivery=on_delivery))
    except KeyboardInterrupt:
        # Ctrl-C is how a listener is meant to stop (like `a2a serve`): a clean end, exit 0.
        if running:
            # A notification already acknowledged with 200 may still sit in the queue (the loop had not taken
            # it yet when Ctrl-C came): show it, or the agent's delivery would be lost without a trace.
            queue = running[0].app.queue
            while not queue.empty():
                on_delivery(queue.get_nowait())
            writers.diag(receiver_summary(running[0].app.stats) + " (stopped by Ctrl-C)")
        return
    writers.diag(receiver_summary(stats))
