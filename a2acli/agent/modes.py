"""What `a2a serve` serves besides the demo agent: a command (`--exec`), an upstream agent (`--proxy`, optionally
`--record`), a cassette (`--replay`). Pure data and the checks of the flags that build it: importing this module
costs nothing (no SDK, no httpx)."""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from a2acli.agent.options import ServeOptions

EXEC_INPUTS = ("text", "json")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class ExecOptions:
    """`--exec`: every message runs `argv` (no shell unless argv names one) in its own process group."""

    argv: tuple[str, ...]
    input: str = "text"  # text: the message's text on stdin; json: the whole Message (A2A 1.0 JSON) on stdin
    timeout: float = 0.0  # seconds a run may take; 0: no limit
    max_concurrency: int = 4  # runs at once; later tasks wait SUBMITTED for a free slot
    max_output_bytes: int = 64 * 1024 * 1024  # stdout streamed per run; the rest is read and dropped
    kill_grace: float = 3.0  # seconds between SIGTERM to the group and SIGKILL
    skill_name: str | None = None
    skill_description: str | None = None

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    @property
    def program(self) -> str:
        return Path(self.argv[0]).name


@dataclass(frozen=True)
class ProxyOptions:
    """`--proxy URL`: front an upstream agent through a2acli's own client."""

    upstream: str
    bearer: str | None = None  # the proxy's own credentials for the upstream
    api_key: str | None = None
    forward_credentials: bool = False  # also pass the client's Authorization / API-key headers upstream
    record: str | None = None  # cassette file (JSON lines)


@dataclass(frozen=True)
class ReplayOptions:
    """`--replay FILE`: answer from a cassette, at the recorded pace times `speed` (0: no waiting)."""

    cassette: str
    speed: float = 1.0


@dataclass(frozen=True)
class ExchangeLogOptions:
    """The live log of exchanges `--proxy` and `--replay` write on stderr."""

    format: str = "text"  # text (Rich on a terminal) or json (one JSON object a line)


def exec_options(
    command: str,
    *,
    input_mode: str = "text",
    timeout: float = 0.0,
    max_concurrency: int = 4,
    max_output_bytes: int = 64 * 1024 * 1024,
    skill_name: str | None = None,
    skill_description: str | None = None,
) -> ExecOptions:
    """Parse `--exec` and its companions; ValueError (said as a usage error) when the command cannot run."""
    try:
        argv = tuple(shlex.split(command))
    except ValueError as exc:
        raise ValueError(f"--exec: cannot split {command!r}: {exc}") from None
    if not argv:
        raise ValueError("--exec: the command is empty")
    if shutil.which(argv[0]) is None:
        raise ValueError(f"--exec: no such program: {argv[0]}")
    if input_mode not in EXEC_INPUTS:
        raise ValueError(f"--exec-input: expected text or json, got {input_mode!r}")
    return ExecOptions(
        argv=argv,
        input=input_mode,
        timeout=timeout,
        max_concurrency=max_concurrency,
        max_output_bytes=max_output_bytes,
        skill_name=skill_name or None,
        skill_description=skill_description or None,
    )


def with_mode(
    options: ServeOptions,
    *,
    exec_command: str | None = None,
    exec_input: str = "text",
    exec_timeout: float = 0.0,
    max_concurrency: int = 4,
    exec_max_output: int = 64 * 1024 * 1024,
    skill_name: str | None = None,
    skill_description: str | None = None,
    proxy: str | None = None,
    upstream_bearer: str | None = None,
    upstream_api_key: str | None = None,
    forward_credentials: bool = False,
    record: str | None = None,
    replay: str | None = None,
    speed: float = 1.0,
    log_format: str = "text",
) -> ServeOptions:
    """`options` serving what the flags name (the demo agent when none does); ValueError on a bad combination."""
    import dataclasses

    from a2acli.redact import register_secret

    chosen = [name for name, value in (("--exec", exec_command), ("--proxy", proxy), ("--replay", replay)) if value]
    if len(chosen) > 1:
        raise ValueError(f"{' and '.join(chosen)} cannot be combined: serve one thing")
    if record and not proxy:
        raise ValueError("--record needs --proxy (it records what passes to the upstream agent)")
    if log_format not in LOG_FORMATS:
        raise ValueError(f"--log-format: expected text or json, got {log_format!r}")
    for secret in (upstream_bearer, upstream_api_key):
        if secret is not None and not secret.strip():
            raise ValueError("an upstream credential is empty")
        if secret:
            register_secret(secret)
    if (upstream_bearer or upstream_api_key or forward_credentials) and not proxy:
        raise ValueError("--upstream-bearer, --upstream-api-key and --forward-credentials need --proxy")
    if exec_command:
        command = exec_options(
            exec_command,
            input_mode=exec_input,
            timeout=exec_timeout,
            max_concurrency=max_concurrency,
            max_output_bytes=exec_max_output,
            skill_name=skill_name,
            skill_description=skill_description,
        )
        return dataclasses.replace(options, command=command)
    log = ExchangeLogOptions(format=log_format)
    if proxy:
        if not proxy.startswith(("http://", "https://")) and "://" in proxy:
            raise ValueError(f"--proxy: expected an http:// or https:// URL, got {proxy!r}")
        if record:
            folder = Path(record).expanduser().parent
            if not folder.is_dir():
                raise ValueError(f"--record: no such folder: {folder}")
        upstream = ProxyOptions(
            upstream=proxy,
            bearer=upstream_bearer,
            api_key=upstream_api_key,
            forward_credentials=forward_credentials,
            record=record,
        )
        return dataclasses.replace(options, proxy=upstream, exchange_log=log)
    if replay:
        if not Path(replay).expanduser().is_file():
            raise ValueError(f"--replay: no such file: {replay}")
        return dataclasses.replace(options, replay=ReplayOptions(cassette=replay, speed=speed), exchange_log=log)
    return options


def served_name(options: ServeOptions) -> str:
    """What the start-up line says is served."""
    from a2acli.redact import redact

    if options.command is not None:
        return f"`{options.command.command}` (--exec)"
    if options.proxy is not None:
        recording = f", recording to {options.proxy.record}" if options.proxy.record else ""
        return f"proxy for {redact(options.proxy.upstream)}{recording}"
    if options.replay is not None:
        return f"replay of {options.replay.cassette}"
    return "Streaming Demo Agent"
