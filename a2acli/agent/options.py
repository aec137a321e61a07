"""Settings of the demo streaming agent (`a2a serve`). Pure data: importing this module costs nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from a2acli.protocol import PROTOCOL_VERSIONS, V0_3, V1_0

if TYPE_CHECKING:
    from a2acli.agent.modes import ExchangeLogOptions, ExecOptions, ProxyOptions, ReplayOptions

TUTORIAL_REPLY = "Hello! I'm streaming this response word by word to demonstrate real-time communication capabilities."


@dataclass(frozen=True)
class ServeOptions:
    """Everything `create_app` needs; the command builds one from its flags."""

    host: str = "127.0.0.1"
    port: int = 8001
    delay: float = 0.5
    text: str = TUTORIAL_REPLY
    echo: bool = False
    public_url: str | None = None
    store: str = "memory"
    protocol_versions: tuple[str, ...] = PROTOCOL_VERSIONS
    max_body_bytes: int = 1_048_576
    bearer_token: str | None = None
    log_level: str = "info"
    push_allow_hosts: tuple[str, ...] = ()
    sign_key: str | None = None
    # https (`--tls-cert`/`--tls-key`), and mutual TLS with `--client-ca` (agent/tls.py).
    tls_cert: str | None = None
    tls_key: str | None = None
    client_ca: str | None = None
    # `--oauth-issuer`: require JWT access tokens from this issuer (agent/oauth_guard.py), for this audience, with
    # these scopes; the card declares the issuer's scheme.
    oauth_issuer: str | None = None
    oauth_audience: str | None = None
    oauth_scopes: tuple[str, ...] = ()
    # With delay 0, serve eligible 1.0 JSON-RPC streams on the lean path (a2acli/agent/fastpath.py).
    fast_path: bool = True
    # A request body not complete this many seconds after its headers is refused with 408 (slow-loris bodies).
    body_timeout: float = 30.0
    # A connection must finish each request's headers this fast (slow-loris headers); 0 turns it off.
    header_timeout: float = 5.0
    # A request line + headers larger than this gets 431 before anything else is done; 0 turns it off.
    max_header_bytes: int = 65_536
    # `--store memory` keeps at most this many tasks (oldest terminal ones dropped first: tasks.py).
    max_tasks: int = 10_000
    # What is served instead of the demo agent (agent/modes.py): at most one of command, proxy, replay.
    command: ExecOptions | None = None
    proxy: ProxyOptions | None = None
    replay: ReplayOptions | None = None
    exchange_log: ExchangeLogOptions | None = None
    # gRPC (agent/grpc_server.py): the port it listens on (resolved before the card is built), None: no gRPC.
    grpc_port: int | None = None

    @property
    def base_url(self) -> str:
        """The base URL the card advertises: `--public-url`, else where the server listens."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        scheme = "https" if self.tls_cert else "http"
        return f"{scheme}://{host}:{self.port}"

    @property
    def serves_v03(self) -> bool:
        return V0_3 in self.protocol_versions

    @property
    def serves_v10(self) -> bool:
        return V1_0 in self.protocol_versions


def parse_protocol_versions(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """`"1.0,0.3"` -> `("1.0", "0.3")`; raises ValueError on an unknown or empty list."""
    items = value.split(",") if isinstance(value, str) else list(value)
    versions: list[str] = []
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        if item in ("1", "1.0.0", "1.0.1"):
            item = V1_0
        if item in ("0.3.0",):
            item = V0_3
        if item not in PROTOCOL_VERSIONS:
            raise ValueError(f"unknown protocol version {item!r} (known: {', '.join(PROTOCOL_VERSIONS)})")
        if item not in versions:
            versions.append(item)
    if not versions:
        raise ValueError("at least one protocol version is needed (1.0, 0.3)")
    return tuple(versions)
