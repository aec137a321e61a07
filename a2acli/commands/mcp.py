"""`a2a mcp`: serve A2A agents as tools to MCP clients (Model Context Protocol).

Thin: options -> `a2acli.mcp.launch.run`, which runs the server (`a2acli/mcp/`). The `mcp` SDK is imported there,
when the command runs, never by `--help` or by any other command.
"""

from __future__ import annotations

from typing import Annotated

from a2acli.commands._options import EXPOSED, AgentOptions, agent_options, setting

AgentPinOpt = Annotated[
    list[str] | None,
    setting(
        "--agent",
        help="An agent the MCP client may reach: URL, host[:port] or card file; repeatable. Its card is a resource.",
        show_default=False,
    ),
]
AllowAnyOpt = Annotated[
    bool,
    setting(
        "--allow-any-agent",
        help="Let the client name any http(s) agent, not only the pinned ones (they get none of your credentials).",
    ),
]
HttpOpt = Annotated[bool, setting("--http", help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio.")]
HostOpt = Annotated[str, setting("--host", help="With --http: the address to listen on (loopback unless a token).")]
PortOpt = Annotated[int, setting("--port", min=0, max=65535, help="With --http: the port (0: any free port).")]
HttpTokenOpt = Annotated[
    str | None,
    setting(
        "--http-token",
        help=f"With --http: clients must send Authorization: Bearer TOKEN (required off loopback). {EXPOSED}",
    ),
]
CallTimeoutOpt = Annotated[
    str,
    setting("--timeout", help="How long a tool call may take unless it asks for less (at most 10m, or this)."),
]


@agent_options(omit=("agent_card", "output", "verbose"))
def mcp(
    agent: AgentOptions,
    pins: AgentPinOpt = None,
    allow_any_agent: AllowAnyOpt = False,
    http: HttpOpt = False,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8765,
    http_token: HttpTokenOpt = None,
    timeout: CallTimeoutOpt = "120s",
) -> None:
    """Serve A2A agents as tools to MCP clients: over stdio (the default), or streamable HTTP with --http.

    Tools: list_agents, get_agent_card, validate_agent_card, list_skills, send_message, send_message_and_follow,
    get_task, list_tasks, cancel_task, subscribe_task. The client reaches only the --agent pins (or any agent with
    --allow-any-agent); credentials come from your configuration, never from the client. Nothing but the protocol
    is written to stdout.
    """
    from a2acli.mcp.launch import McpOptions, run
    from a2acli.settings import parse_duration

    run(
        McpOptions(
            pins=tuple(pins or ()),
            allow_any_agent=allow_any_agent,
            base=agent.settings(),
            http=http,
            host=host,
            port=port,
            http_token=http_token,
            timeout=parse_duration(timeout, name="--timeout") or 120.0,
        )
    )
