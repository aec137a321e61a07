"""`a2a` run in the test's own process (`a2acli.cli.run`), its output read from pytest's capsys."""

from __future__ import annotations

import pytest

from a2acli.cli import run


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`a2a ARGS...`: the exit status, then what it wrote on stdout and on stderr."""
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err
