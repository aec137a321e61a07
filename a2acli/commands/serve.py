"""`a2a serve`: run the demo streaming agent (the A2A streaming tutorial's agent, done right).

Thin: options -> `ServeOptions` -> `a2acli.agent.server.run`. Nothing heavy is imported until it runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from a2acli.agent.options import TUTORIAL_REPLY


def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            envvar="A2ACLI_SERVE_HOST",
            show_envvar=True,
            help="Interface to listen on. Loopback by default: exposing the agent to a network is your choice "
            "(said on stderr at start; 0.0.0.0 or :: need --public-url).",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port",
            "-p",
            envvar="A2ACLI_SERVE_PORT",
            show_envvar=True,
            min=0,
            max=65535,
            help="TCP port (0 picks a free one).",
        ),
    ] = 8001,
    delay: Annotated[
        float,
        typer.Option(
            "--delay",
            envvar="A2ACLI_SERVE_DELAY",
            show_envvar=True,
            min=0.0,
            help="Seconds between streamed words (0 for tests and benchmarks).",
        ),
    ] = 0.5,
    text: Annotated[
        str,
        typer.Option(
            "--text",
            envvar="A2ACLI_SERVE_TEXT",
            show_envvar=True,
            help="The reply to stream word by word.",
            show_default=False,
        ),
    ] = TUTORIAL_REPLY,
    echo: Annotated[
        bool,
        typer.Option(
            "--echo", envvar="A2ACLI_SERVE_ECHO", show_envvar=True, help="Stream the prompt back instead of --text."
        ),
    ] = False,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            envvar="A2ACLI_SERVE_PUBLIC_URL",
            show_envvar=True,
            help="Base URL the card advertises (behind a proxy, or the address remote clients use). "
            "Default: http://HOST:PORT; required with --host 0.0.0.0 or ::, whose card would advertise loopback.",
        ),
    ] = None,
    store: Annotated[
        str,
        typer.Option(
            "--store",
            envvar="A2ACLI_SERVE_STORE",
            show_envvar=True,
            help="Task store: memory, or sqlite:///path/to.db to keep tasks across restarts (one server per "
            "file: a second one on a file in use exits with an error naming the holder).",
        ),
    ] = "memory",
    protocol_versions: Annotated[
        str,
        typer.Option(
            "--protocol-versions",
            envvar="A2ACLI_SERVE_PROTOCOL_VERSIONS",
            show_envvar=True,
            help="A2A versions served, comma-separated: 1.0,0.3 (dual) or 1.0 (pure 1.0).",
        ),
    ] = "1.0,0.3",
    max_body_bytes: Annotated[
        int,
        typer.Option(
            "--max-body-bytes",
            envvar="A2ACLI_SERVE_MAX_BODY_BYTES",
            show_envvar=True,
            min=1,
            help="Refuse request bodies larger than this (413).",
        ),
    ] = 1_048_576,
    max_header_bytes: Annotated[
        int,
        typer.Option(
            "--max-header-bytes",
            envvar="A2ACLI_SERVE_MAX_HEADER_BYTES",
            show_envvar=True,
            min=0,
            help="Refuse a request whose request line and headers exceed this (431, before any other work); "
            "0: no limit.",
        ),
    ] = 65_536,
    body_timeout: Annotated[
        float,
        typer.Option(
            "--body-timeout",
            envvar="A2ACLI_SERVE_BODY_TIMEOUT",
            show_envvar=True,
            min=0.1,
            help="Seconds a request body may take in all, from the end of its headers (408 after).",
        ),
    ] = 30.0,
    max_tasks: Annotated[
        int,
        typer.Option(
            "--max-tasks",
            envvar="A2ACLI_SERVE_MAX_TASKS",
            show_envvar=True,
            min=1,
            help="With --store memory: keep at most this many tasks; past it the oldest finished ones "
            "(completed, failed, canceled, rejected) are dropped first, never a running or waiting one.",
        ),
    ] = 10_000,
    bearer_token: Annotated[
        str | None,
        typer.Option(
            "--bearer-token",
            envvar="A2ACLI_SERVE_BEARER_TOKEN",
            show_envvar=True,
            help="Require `Authorization: Bearer TOKEN` on A2A endpoints (the card stays public). "
            "Prefer the variable: a flag shows in the process table.",
        ),
    ] = None,
    tls_cert: Annotated[
        str | None,
        typer.Option(
            "--tls-cert",
            envvar="A2ACLI_SERVE_TLS_CERT",
            show_envvar=True,
            help="Serve https with this PEM certificate (chain); the card advertises https.",
        ),
    ] = None,
    tls_key: Annotated[
        str | None,
        typer.Option(
            "--tls-key",
            envvar="A2ACLI_SERVE_TLS_KEY",
            show_envvar=True,
            help="PEM private key of --tls-cert (when the certificate file does not hold it).",
        ),
    ] = None,
    client_ca: Annotated[
        str | None,
        typer.Option(
            "--client-ca",
            envvar="A2ACLI_SERVE_CLIENT_CA",
            show_envvar=True,
            help="Mutual TLS: require a client certificate issued by a CA in this PEM file (with --tls-cert).",
        ),
    ] = None,
    oauth_issuer: Annotated[
        str | None,
        typer.Option(
            "--oauth-issuer",
            envvar="A2ACLI_SERVE_OAUTH_ISSUER",
            show_envvar=True,
            help="Require JWT access tokens from this OAuth 2 / OpenID Connect issuer (checked with its JWKS); the "
            "card declares its scheme, so `a2a auth login` can log in.",
        ),
    ] = None,
    oauth_audience: Annotated[
        str | None,
        typer.Option(
            "--oauth-audience",
            envvar="A2ACLI_SERVE_OAUTH_AUDIENCE",
            show_envvar=True,
            help="With --oauth-issuer: the audience (aud) access tokens must name. Default: not checked.",
        ),
    ] = None,
    oauth_scope: Annotated[
        list[str] | None,
        typer.Option(
            "--oauth-scope",
            envvar="A2ACLI_SERVE_OAUTH_SCOPE",
            show_envvar=True,
            help="With --oauth-issuer: a scope access tokens must hold, repeatable (the card requires it).",
        ),
    ] = None,
    log_level: Annotated[
        str,
        typer.Option(
            "--log-level",
            envvar="A2ACLI_SERVE_LOG_LEVEL",
            show_envvar=True,
            help="debug, info, warning, error or critical (logs go to stderr).",
        ),
    ] = "info",
    push_allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--push-allow-host",
            envvar="A2ACLI_SERVE_PUSH_ALLOW_HOST",
            show_envvar=True,
            help="Host push notifications may be sent to besides loopback; repeatable.",
        ),
    ] = None,
    sign_key: Annotated[
        str | None,
        typer.Option(
            "--sign-key",
            envvar="A2ACLI_SERVE_SIGN_KEY",
            show_envvar=True,
            help="PEM private key: sign the served card (JWS, each card view signed once at start).",
        ),
    ] = None,
    # ---- issue 19: what is served instead of the demo agent (agent/modes.py, exec_agent.py, proxy.py, cassette.py)
    exec_command: Annotated[
        str | None,
        typer.Option(
            "--exec",
            envvar="A2ACLI_SERVE_EXEC",
            show_envvar=True,
            help="Serve a command as the agent: every message runs it (split like a shell would, no shell unless "
            "you write one, in its own process group) with the message's text on stdin; each stdout line is "
            "streamed as an artifact chunk, stderr lines as status messages; exit 0 completes the task, any other "
            "fails it. $A2A_MESSAGE_FILE and $A2A_TASK_FILE name files holding the Message and Task JSON.",
        ),
    ] = None,
    exec_input: Annotated[
        str,
        typer.Option(
            "--exec-input",
            envvar="A2ACLI_SERVE_EXEC_INPUT",
            show_envvar=True,
            help="What --exec gets on stdin: text (the message's text parts) or json (the whole Message).",
        ),
    ] = "text",
    exec_timeout: Annotated[
        float,
        typer.Option(
            "--exec-timeout",
            envvar="A2ACLI_SERVE_EXEC_TIMEOUT",
            show_envvar=True,
            min=0.0,
            help="Seconds one --exec run may take before it is stopped and its task failed; 0: no limit.",
        ),
    ] = 0.0,
    max_concurrency: Annotated[
        int,
        typer.Option(
            "--max-concurrency",
            envvar="A2ACLI_SERVE_MAX_CONCURRENCY",
            show_envvar=True,
            min=1,
            help="--exec runs at once; later tasks wait (SUBMITTED) for a free slot.",
        ),
    ] = 4,
    exec_max_output: Annotated[
        int,
        typer.Option(
            "--exec-max-output",
            envvar="A2ACLI_SERVE_EXEC_MAX_OUTPUT",
            show_envvar=True,
            min=1,
            help="Bytes of one --exec run's stdout streamed; the rest is read and dropped (said in a status).",
        ),
    ] = 64 * 1024 * 1024,
    skill_name: Annotated[
        str | None,
        typer.Option(
            "--skill-name", envvar="A2ACLI_SERVE_SKILL_NAME", show_envvar=True, help="--exec: the card's skill name."
        ),
    ] = None,
    skill_description: Annotated[
        str | None,
        typer.Option(
            "--skill-description",
            envvar="A2ACLI_SERVE_SKILL_DESCRIPTION",
            show_envvar=True,
            help="--exec: the card's skill description.",
        ),
    ] = None,
    proxy: Annotated[
        str | None,
        typer.Option(
            "--proxy",
            envvar="A2ACLI_SERVE_PROXY",
            show_envvar=True,
            help="Front the agent at URL (its card, any version and binding a2acli speaks): serve its card "
            "pointing here, forward every request and stream, and log each exchange on stderr.",
        ),
    ] = None,
    upstream_bearer: Annotated[
        str | None,
        typer.Option(
            "--upstream-bearer",
            envvar="A2ACLI_SERVE_UPSTREAM_BEARER",
            show_envvar=True,
            help="--proxy: bearer token the proxy sends upstream (placed as the upstream card's scheme says). "
            "Prefer the variable: a flag shows in the process table.",
        ),
    ] = None,
    upstream_api_key: Annotated[
        str | None,
        typer.Option(
            "--upstream-api-key",
            envvar="A2ACLI_SERVE_UPSTREAM_API_KEY",
            show_envvar=True,
            help="--proxy: API key the proxy sends upstream. Prefer the variable: a flag shows in the process table.",
        ),
    ] = None,
    forward_credentials: Annotated[
        bool,
        typer.Option(
            "--forward-credentials",
            envvar="A2ACLI_SERVE_FORWARD_CREDENTIALS",
            show_envvar=True,
            help="--proxy: also pass the client's own Authorization and API-key headers upstream (never by default).",
        ),
    ] = False,
    record: Annotated[
        str | None,
        typer.Option(
            "--record",
            envvar="A2ACLI_SERVE_RECORD",
            show_envvar=True,
            help="--proxy: write a cassette to FILE: JSON lines of every request, response and stream event, "
            "with timing, secrets redacted (replay it with --replay).",
        ),
    ] = None,
    replay: Annotated[
        str | None,
        typer.Option(
            "--replay",
            envvar="A2ACLI_SERVE_REPLAY",
            show_envvar=True,
            help="Answer from a cassette written by --record, without the upstream: a request is matched by "
            "method and message content (an unrecorded one gets a clear error).",
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            "--speed",
            envvar="A2ACLI_SERVE_SPEED",
            show_envvar=True,
            min=0.0,
            help="--replay: play N times faster than recorded (0: no waiting).",
        ),
    ] = 1.0,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            envvar="A2ACLI_SERVE_LOG_FORMAT",
            show_envvar=True,
            help="--proxy / --replay exchange log on stderr: text (Rich on a terminal) or json (JSON lines).",
        ),
    ] = "text",
    grpc_port: Annotated[
        int | None,
        typer.Option(
            "--grpc-port",
            envvar="A2ACLI_SERVE_GRPC_PORT",
            show_envvar=True,
            min=0,
            max=65535,
            help="Serve the gRPC binding too, on this port (0 picks a free one; the start-up line says which), "
            "on --host, listed in the card after JSON-RPC and HTTP+JSON. Needs pip install 'a2acli[grpc]'.",
        ),
    ] = None,
) -> None:
    """Run an A2A agent: the streaming demo (1.0 + 0.3, JSON-RPC, HTTP+JSON, gRPC), --exec, --proxy, --replay."""
    from a2acli.agent.options import ServeOptions, parse_protocol_versions
    from a2acli.agent.server import run
    from a2acli.errors import UsageError

    try:
        versions = parse_protocol_versions(protocol_versions)
    except ValueError as exc:
        raise UsageError(f"--protocol-versions: {exc}") from None
    if bearer_token is not None:
        if not bearer_token.strip():
            raise UsageError("--bearer-token is empty")
        from a2acli.redact import register_secret

        register_secret(bearer_token)
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise UsageError("--public-url must be an http:// or https:// URL")
    if sign_key is not None:
        from pathlib import Path

        if not Path(sign_key).expanduser().is_file():
            raise UsageError(f"--sign-key: no such file: {sign_key}")
    options = ServeOptions(
        host=host,
        port=port,
        delay=delay,
        text=text,
        echo=echo,
        public_url=public_url,
        store=store,
        protocol_versions=versions,
        max_body_bytes=max_body_bytes,
        max_header_bytes=max_header_bytes,
        body_timeout=body_timeout,
        max_tasks=max_tasks,
        bearer_token=bearer_token,
        log_level=log_level,
        push_allow_hosts=tuple(push_allow_host or ()),
        sign_key=sign_key,
        tls_cert=tls_cert,
        tls_key=tls_key,
        client_ca=client_ca,
        grpc_port=grpc_port,
        oauth_issuer=oauth_issuer,
        oauth_audience=oauth_audience,
        oauth_scopes=tuple(oauth_scope or ()),
    )
    from a2acli.agent.modes import with_mode

    try:
        options = with_mode(
            options,
            exec_command=exec_command,
            exec_input=exec_input,
            exec_timeout=exec_timeout,
            max_concurrency=max_concurrency,
            exec_max_output=exec_max_output,
            skill_name=skill_name,
            skill_description=skill_description,
            proxy=proxy,
            upstream_bearer=upstream_bearer,
            upstream_api_key=upstream_api_key,
            forward_credentials=forward_credentials,
            record=record,
            replay=replay,
            speed=speed,
            log_format=log_format,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    run(options)
