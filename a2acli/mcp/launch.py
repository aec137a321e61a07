"""What `a2a mcp` runs once its options are parsed: the checks that need no SDK first (a refused bind, a missing
token, a broken pin fail before `mcp` is imported), then the server over stdio or streamable HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from a2acli.errors import UsageError

if TYPE_CHECKING:
    from a2acli.settings import ConnectionSettings


@dataclass(frozen=True)
class McpOptions:
    pins: tuple[str, ...]
    allow_any_agent: bool
    base: ConnectionSettings  # the user's connection options and credentials, for the pinned agents
    http: bool = False
    host: str = "127.0.0.1"
    port: int = 8765
    http_token: str | None = None
    timeout: float = 120.0


def run(options: McpOptions) -> None:
    """Serve until the client goes away (stdio: stdin closes) or Ctrl-C (HTTP)."""
    from a2acli.mcp.agents import AgentPolicy
    from a2acli.mcp.tools import Limits
    from a2acli.net import is_loopback_host
    from a2acli.redact import register_credential

    policy = AgentPolicy(options.pins, options.base, allow_any=options.allow_any_agent)
    limits = Limits(timeout=options.timeout, max_timeout=max(options.timeout, 600.0))
    if not options.http:
        if options.http_token:
            raise UsageError("--http-token is for --http only", hint="a stdio server is reached by its parent alone")
        import asyncio

        from a2acli.mcp.server import serve_stdio

        asyncio.run(serve_stdio(policy, limits))
        return
    host = options.host.strip()
    loopback = is_loopback_host(host)
    register_credential(options.http_token)
    if not loopback and not options.http_token:
        raise UsageError(
            f"--host {host or '0.0.0.0'} is not loopback: an MCP server reachable from the network needs a token",
            hint="pass --http-token (better: set A2ACLI_HTTP_TOKEN), or bind 127.0.0.1",
        )
    from a2acli.mcp.server import serve_http

    serve_http(policy, limits, host=host, port=options.port, token=options.http_token, loopback=loopback)
