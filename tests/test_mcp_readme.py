"""The README's `a2a mcp` section says what the server does: its JSON snippet is a valid MCP client registration
of this command, and its table lists exactly the tools the server offers, with the arguments their schemas take."""

from __future__ import annotations

import json
import re
from pathlib import Path

from a2acli.mcp.tools import TOOLS

README = Path(__file__).resolve().parents[1] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("<!-- section: mcp -->", 1)[1].split("<!-- /section: mcp -->", 1)[0]


def test_the_registration_snippet_starts_this_server() -> None:
    block = re.search(r"```json\n(.*?)```", _section(), re.DOTALL)
    assert block is not None
    config = json.loads(block.group(1))
    server = config["mcpServers"]["a2a"]
    assert server["command"] == "a2a" and server["args"][0] == "mcp"
    from a2acli.cli import registered

    command = next(c for c in registered(("mcp",)).registered_commands if c.name == "mcp")
    assert command.callback is not None
    flags = {a for a in server["args"][1:] if a.startswith("--")}
    assert flags <= {"--agent", "--allow-any-agent", "--http", "--host", "--port", "--http-token", "--timeout"}
    assert all(key.startswith("A2ACLI_") for key in server.get("env", {}))


def test_the_table_lists_every_tool_and_their_arguments() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| (.*)$", _section(), re.MULTILINE)
    assert [name for name, _ in rows] == [tool.name for tool in TOOLS]
    said = dict(rows)
    for tool in TOOLS:
        described = said[tool.name]
        if described.startswith("the same"):  # send_message_and_follow: "the same" as send_message, followed
            described += said["send_message"]
        for argument in tool.input_schema["properties"]:
            if argument in ("agent", "timeout"):
                continue  # said once for every tool, under the table
            assert f"`{argument}`" in described, (tool.name, argument)
