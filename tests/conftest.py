"""Test isolation: no A2ACLI_* variable, config file or home directory of the developer leaks into a test."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # A suite started with SIGINT ignored (a background job, nohup, some CI runners) would pass SIG_IGN on to
    # every CLI subprocess, whose Ctrl-C tests would then wait forever. A handled signal is reset to the
    # default on exec, so restoring Python's handler here gives every child a normal Ctrl-C.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The compliance report's evidence carries a `spec(ID, ...)` marker, so `pytest -m spec` runs exactly it.
    from tests.compliance.plugin import mark_evidence

    mark_evidence(items)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("cwd")
    for key in list(os.environ):
        if key.startswith("A2ACLI_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("COLUMNS", "100")
    # No test reaches the developer's OS keyring: logins go to the token file unless a test registers a backend.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.chdir(work)
    from a2acli import redact
    from a2acli.render import writers

    writers.set_mode("text")
    # The redaction registry lives as long as the process: a credential one test passed ("nope") would be
    # redacted from every later test's output. Each test starts from what was registered before it (module
    # fixtures' tokens included) and what it registers is forgotten after it.
    monkeypatch.setattr(redact, "_SECRETS", set(redact._SECRETS))
    monkeypatch.setattr(redact, "_short_pattern", redact._short_pattern)
    yield home


@pytest.fixture(scope="module")
def agent() -> Iterator[str]:
    """The demo agent with its defaults, one per test module (a module needing another agent defines its own)."""
    from tests.support.agent import demo_agent

    with demo_agent() as url:
        yield url
