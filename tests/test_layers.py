"""The package's layering, checked on the source: no import cycles, leaves that stay leaves, pure rooms.

Imports are read with `ast`, at module level and inside functions alike (a function-level import is still an
edge); imports under `if TYPE_CHECKING:` are left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "a2acli"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str) -> set[str]:
    """Every module `name` imports when it runs (absolute names, package modules and third-party alike)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            for alias in node.names:  # `from a2acli.render import live` imports the module a2acli.render.live
                if f"{base}.{alias.name}" in MODULES:
                    found.add(f"{base}.{alias.name}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


GRAPH = {name: {m for m in _imports(name) if m in MODULES and m != name} for name in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            strong(v)
    return found


def _in(room: str) -> list[str]:
    return [m for m in MODULES if m == room or m.startswith(room + ".")]


def _offending(modules: list[str], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    bad = {}
    for m in modules:
        hits = sorted(i for i in _imports(m) if any(i == f or i.startswith(f + ".") for f in forbidden))
        if hits:
            bad[m] = hits
    return bad


def test_the_walk_sees_the_package() -> None:
    assert "a2acli.client.turn" in GRAPH["a2acli.commands.send"]
    assert "a2acli.protocol" in GRAPH["a2acli.client.interfaces"]


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_the_leaves_import_nothing_of_the_package() -> None:
    for leaf in ("a2acli.protocol", "a2acli.net", "a2acli.errors"):
        assert not GRAPH[leaf], (leaf, GRAPH[leaf])


def test_cards_and_render_import_no_io_layer() -> None:
    io = ("httpx", "httpx_sse", "uvicorn", "a2acli.client", "a2acli.agent", "a2acli.push")
    assert _offending([*_in("a2acli.cards"), *_in("a2acli.render")], io) == {}


def test_commands_leave_the_wire_and_the_sdk_to_the_layers_below() -> None:
    assert _offending(_in("a2acli.commands"), ("httpx", "httpx_sse", "uvicorn", "a2a", "google.protobuf")) == {}


def test_grpc_lives_in_its_two_modules() -> None:
    """grpc (an extra) is imported by the gRPC wire and the gRPC server only, each loaded only when gRPC is used."""
    outside = {n for n in MODULES if n not in ("a2acli.client.grpc_wire", "a2acli.agent.grpc_server")}
    assert _offending(outside, ("grpc",)) == {}


def test_httpx_lives_in_the_client() -> None:
    outside = [m for m in MODULES if not m.startswith(("a2acli.client", "a2acli._compat", "a2acli.agent"))]
    assert _offending(outside, ("httpx", "httpx_sse")) == {}


def test_the_mcp_sdk_lives_in_the_mcp_server_module() -> None:
    """`a2a mcp` (a2acli/mcp): the SDK in `a2acli.mcp.server` only; the other modules of a2acli/mcp call the client
    as the commands do (no HTTP of their own), and no command imports the server."""
    assert _offending([m for m in MODULES if m != "a2acli.mcp.server"], ("mcp",)) == {}
    assert _offending(_in("a2acli.mcp"), ("httpx", "httpx_sse")) == {}
    assert _offending(_in("a2acli.commands"), ("a2acli.mcp.server",)) == {}


def test_chat_talks_to_agents_only_through_the_turn_and_the_connection() -> None:
    wire = ("httpx", "httpx_sse", "uvicorn", "a2a", "google.protobuf", "a2acli.client.wire", "a2acli.client.operations")
    assert _offending(_in("a2acli.chat"), wire) == {}
    assert "a2acli.client.turn" in GRAPH["a2acli.chat.session"]


def test_prompt_toolkit_lives_in_the_chat_editor() -> None:
    users = sorted(m for m in MODULES if _offending([m], ("prompt_toolkit",)))
    assert users == ["a2acli.chat.editor"]


def test_the_chats_own_text_and_commands_are_pure() -> None:
    io = ("httpx", "a2acli.client", "a2acli.render.writers", "prompt_toolkit", "a2acli.chat.session")
    assert _offending(["a2acli.chat.view", "a2acli.chat.slash"], io) == {}


def test_conformance_speaks_only_through_the_client() -> None:
    # the checks drive agents through client/ (the connection façade and its wire), never an HTTP stack or SDK
    # of their own; the registry, the report and its formats are pure
    assert _offending(_in("a2acli.conformance"), ("httpx", "httpx_sse", "uvicorn", "a2a", "a2acli.agent")) == {}
    pure = ["a2acli.conformance.registry", "a2acli.conformance.report", "a2acli.conformance.formats"]
    assert _offending(pure, ("a2acli.client", "a2acli.conformance.checks", "a2acli.conformance.runner")) == {}


def test_the_client_and_auth_code_leave_the_agent_alone() -> None:
    # a lock both sides need (a2acli/oslock.py) lives outside agent/: the client and the stored logins never import
    # the server
    assert _offending([*_in("a2acli.client"), *_in("a2acli.auth")], ("a2acli.agent",)) == {}
    assert not [i for i in GRAPH["a2acli.oslock"] if i.startswith("a2acli")]
