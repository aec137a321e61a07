"""The floor of an MCP server's start-up: the official `mcp` SDK's low-level Server over stdio with one tool, written
plainly (what `a2a mcp` is built on). `fastmcp` as the first argument: the same one tool on the SDK's FastMCP."""

from __future__ import annotations

import sys


def lowlevel() -> None:
    import anyio
    import mcp.types as types
    from mcp.server.lowlevel import NotificationOptions, Server
    from mcp.server.stdio import stdio_server

    server: Server = Server("floor")

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return [
            types.Tool(
                name="echo",
                description="Echo the text.",
                inputSchema={"type": "object", "properties": {"text": {"type": "string"}}},
            )
        ]

    @server.call_tool()
    async def call_tool(name: str, arguments: dict) -> list[types.TextContent]:
        return [types.TextContent(type="text", text=str(arguments.get("text", "")))]

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options(NotificationOptions()))

    anyio.run(main)


def fastmcp() -> None:
    from mcp.server.fastmcp import FastMCP

    app = FastMCP("floor")

    @app.tool()
    def echo(text: str) -> str:
        """Echo the text."""
        return text

    app.run("stdio")


if __name__ == "__main__":
    fastmcp() if sys.argv[1:] == ["fastmcp"] else lowlevel()
