"""`run(options)`: serve the demo agent with uvicorn until SIGINT/SIGTERM, then shut down gracefully.

Graceful: the listening socket closes first (the port is free again), open SSE streams are ended cleanly
(the lean path's by `live.Shutdown`, which uvicorn's exit handler wakes here; the SDK's own streams by
sse-starlette, which watches the same exit), the lifespan drains the SDK's active tasks and closes the stores,
and `run` returns normally so the CLI exits 0. uvicorn re-raises the captured signal after a graceful
shutdown (so a plain `uvicorn.run` ends with 130 / -15); this server does not.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from a2acli.errors import A2ACliError, UsageError

if TYPE_CHECKING:
    from a2acli.agent.options import ServeOptions

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
GRACEFUL_SHUTDOWN_SECONDS = 5


class CleanFormatter(logging.Formatter):
    """Log lines cleaned for a terminal: the SDK logs what a client or an upstream agent sent (an error message
    in a request error), which may carry escape sequences (render/sanitize.py)."""

    def format(self, record: logging.LogRecord) -> str:
        from a2acli.render.sanitize import clean_text

        return clean_text(super().format(record))


def configure_logging(level: str) -> None:
    """Every log line to stderr, in one format, at `level` (uvicorn's own loggers included)."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise UsageError(f"unknown log level {level!r}", hint="use debug, info, warning, error or critical")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(CleanFormatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
        lg.setLevel(numeric)
    # The SDK logs every failed request at WARNING with its payload; keep that for debug/info runs only.
    if numeric > logging.DEBUG:
        logging.getLogger("a2a").setLevel(max(numeric, logging.WARNING))
        # Noise at every shutdown with an open stream: the SDK's queues are torn down on purpose then.
        logging.getLogger("a2a.server.events.event_queue_v2").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(max(numeric, logging.WARNING))


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket up front, so a busy port is one clear error, not a uvicorn log + exit 1."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="pick another --port or --host (or stop what is using the port)",
        ) from None
    sock.set_inheritable(True)
    return sock


def _make_server(config: Any, on_exit: Callable[[], None]) -> Any:
    import uvicorn

    class GracefulServer(uvicorn.Server):  # type: ignore[misc]
        def handle_exit(self, sig: int, frame: Any) -> None:
            on_exit()
            super().handle_exit(sig, frame)

        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            # Same as uvicorn's, minus re-raising the signal afterwards: a requested stop is a success.
            import threading

            if threading.current_thread() is not threading.main_thread():
                yield
                return
            originals = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    return GracefulServer(config)


def startup_line(options: ServeOptions, port: int) -> str:
    import dataclasses

    from a2acli.agent.modes import served_name

    shown = dataclasses.replace(options, port=port)
    base = shown.base_url
    listen_host = f"[{options.host}]" if ":" in options.host else options.host
    versions = "+".join(options.protocol_versions)
    scheme = "https" if options.tls_cert else "http"
    extra = f" (listening on {scheme}://{listen_host}:{port})" if options.public_url else ""
    if options.client_ca:
        extra += " mutual TLS: client certificates from --client-ca required"
    grpc = f", gRPC at {listen_host}:{options.grpc_port}" if options.grpc_port is not None else ""
    return (
        f"a2a serve: {served_name(options)} on {base}/ (A2A {versions}, JSON-RPC at / and /a2a, HTTP+JSON{grpc}) "
        f"card {base}/.well-known/agent-card.json{extra} — Ctrl-C to stop"
    )


def run(options: ServeOptions) -> None:
    """Serve until interrupted. Raises typed errors for bad options, a busy port or a store in use."""
    configure_logging(options.log_level)
    from a2acli.agent.tls import check_tls_options

    check_tls_options(options)
    check_exposure(options)
    from a2acli.agent.store_lock import StoreInUseError, StoreLock

    try:
        lock = StoreLock.acquire(options.store)
    except StoreInUseError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"--store {options.store}: cannot lock it: {exc}") from None
    try:
        _run_locked(options)
    finally:
        if lock is not None:
            lock.release()


def check_exposure(options: ServeOptions) -> None:
    """A bind beyond loopback is said on stderr; a wildcard bind needs `--public-url` (the card's URL).

    On 0.0.0.0 / :: the server is reachable at addresses it cannot know (interfaces, NAT, a container's port
    mapping), while the card would advertise 127.0.0.1: a URL that, for every client that is not on this
    machine, points at the client itself. Guessing an address (the hostname, the first interface) is wrong as
    often as right, so the user names it.
    """
    from a2acli.net import is_loopback_host

    host = options.host.strip().strip("[]")
    if is_loopback_host(host):
        return
    wildcard = host in ("", "0.0.0.0", "::")
    if wildcard and not options.public_url:
        raise UsageError(
            f"--host {options.host or '0.0.0.0'} listens on every interface but the card would advertise "
            f"127.0.0.1, which remote clients cannot reach: pass --public-url "
            f"http://THIS-HOST:{options.port or 'PORT'} (the address clients use)"
        )
    where = "every network interface of this machine" if wildcard else f"the network interface {host}"
    auth = "Authorization: Bearer required" if options.bearer_token else "no authentication (see --bearer-token)"
    tls = "TLS" if options.tls_cert else "plain HTTP, no TLS"
    sys.stderr.write(
        f"a2a serve: warning: listening on {where}, not loopback: anyone who can reach it can send tasks, "
        f"read every task and register push URLs ({auth}; {tls})\n"
    )


def _run_locked(options: ServeOptions) -> None:
    import dataclasses

    import uvicorn

    from a2acli.agent.app import create_app

    sock = bind_socket(options.host, options.port)
    port = int(sock.getsockname()[1])
    options = dataclasses.replace(options, port=port)
    grpc_reservation = None
    try:
        if options.grpc_port is not None:  # gRPC (agent/grpc_server.py): its port is bound before the card names it
            from a2acli.agent.grpc_server import resolve_port

            options, grpc_reservation = resolve_port(options)
        app = create_app(options)
        if grpc_reservation is not None:
            app.state.grpc.reservation = grpc_reservation
    except ValueError as exc:
        sock.close()
        raise UsageError(str(exc)) from None
    except BaseException:
        sock.close()
        if grpc_reservation is not None:
            grpc_reservation.close()
        raise
    from a2acli.agent.http_protocol import http_protocol
    from a2acli.agent.tls import uvicorn_ssl_options

    config = uvicorn.Config(
        app,
        http=http_protocol(options.header_timeout, options.max_header_bytes),
        log_config=None,
        log_level=options.log_level.lower(),
        access_log=options.log_level.lower() == "debug",
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=options.max_header_bytes or None,
        server_header=False,
        **uvicorn_ssl_options(options),
    )
    server = _make_server(config, app.state.shutdown.request)
    sys.stderr.write(startup_line(options, port) + "\n")
    sys.stderr.flush()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if not server.started:
        raise A2ACliError("the server failed to start (see the log above)", code="A2ACLI_ERR_INTERNAL")
    logging.getLogger("a2acli.serve").info("stopped")
