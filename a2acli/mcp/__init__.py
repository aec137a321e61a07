"""`a2a mcp`: A2A agents as tools for MCP clients (coding agents, desktop assistants).

`agents` decides which agent a tool call may reach (the user's `--agent` pins, or any with `--allow-any-agent`) and
with which settings; `calls` is each tool as a thin call into the client code the commands use; `summary` turns
their protocol objects into the short, sanitised text a tool result carries; `tools` declares the tools' schemas;
`server` is the one module that imports the `mcp` SDK (stdio and streamable HTTP). Only `a2a mcp` imports any of it.
"""
