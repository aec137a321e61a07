"""httpx's private names a2acli uses (a2acli/_compat/httpx.py), held to what a2acli relies on.

A failure here means the installed httpx changed: adapt a2acli/_compat/httpx.py and the pin in pyproject.toml
together.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import httpx

from a2acli._compat import httpx as compat


def _as_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:2])


def test_the_installed_httpx_is_in_the_pinned_range() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    found = re.search(r'"httpx>=([0-9.]+),<([0-9.]+)"', pyproject)
    assert found, "pyproject.toml pins httpx as httpx>=X,<Y"
    assert _as_tuple(found.group(1)) <= _as_tuple(version("httpx")) < _as_tuple(found.group(2))


def test_httpx_imports_its_command_line_under_the_stubbed_name() -> None:
    source = Path(httpx.__file__).read_text()
    assert "from ._main import main" in source
    assert compat.CLI_MODULE == "httpx._main" and compat.CLI_MODULE.rpartition(".")[2] == "_main"


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "; import sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return set(out.stdout.split())


def test_the_stub_keeps_click_and_pygments_out_and_httpx_works() -> None:
    plain = _modules_after("import httpx")
    stubbed = _modules_after("import a2acli.client, httpx; assert httpx.Client and httpx.AsyncClient")
    assert "httpx._main" in plain and "httpx._main" in stubbed
    heavy = {"pygments", "rich.syntax"} & plain
    assert heavy, "httpx's command line no longer loads pygments / rich.syntax: the stub may go"
    assert not heavy & stubbed
    code = "import a2acli.client, httpx; httpx.main()"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode != 0 and "not available inside a2acli" in run.stderr
