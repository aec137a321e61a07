"""The token store: the OS keyring through keyring's public API (a real backend class, registered the way keyring
documents: `keyring.set_keyring` in process, `PYTHON_KEYRING_BACKEND` for a subprocess), the 0600 file otherwise,
and what a run imports: keyring, jwt and cryptography stay out of `--help`, `--version`, completion and every run
that finds no stored login."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest

from tests.support.agent import demo_agent
from tests.support.oauth_server import AUDIENCE, CC_CLIENT, CC_SECRET, MiniAuthServer, mini_auth_server

HEAVY = ("keyring", "jwt", "cryptography")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A complete keyring backend kept in memory: what an OS keyring does, minus the OS."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        import keyring.errors

        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError(username)
        del self.items[(service, username)]


@pytest.fixture(scope="module")
def auth_server() -> Iterator[MiniAuthServer]:
    with mini_auth_server() as server:
        yield server


@pytest.fixture(scope="module")
def agent_url(auth_server: MiniAuthServer) -> Iterator[str]:
    with demo_agent(oauth_issuer=auth_server.base, oauth_audience=AUDIENCE) as url:
        yield url


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from a2acli.cli import run as cli_run

    code = cli_run(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def login(agent_url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run(
        ["auth", "login", "-a", agent_url, "--client-id", CC_CLIENT, "--client-secret", CC_SECRET, "--yes"], capsys
    )


def test_the_keyring_holds_the_secrets_when_usable(
    agent_url: str, auth_server: MiniAuthServer, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    from a2acli.auth.store import KEYRING_SERVICE, index_path

    code, out, err = login(agent_url, capsys)
    assert code == 0, err
    assert "stored in the OS keyring" in err and "Store: OS keyring" in out
    entry = next(iter(json.loads(index_path().read_text())["logins"].values()))
    assert entry["store"] == "keyring" and "secrets" not in entry
    token = auth_server.issued[-1]
    assert token not in index_path().read_text() and CC_SECRET not in index_path().read_text()
    ((service, agent), secrets) = next(iter(memory_keyring.items.items()))
    assert service == KEYRING_SERVICE and agent == entry["agent"]
    assert json.loads(secrets)["access_token"] == token

    code, out, err = run(["send", "-a", agent_url, "hi"], capsys)
    assert code == 0, err
    assert run(["auth", "logout", "-a", agent_url], capsys)[0] == 0
    assert memory_keyring.items == {} and not index_path().exists()


def test_the_file_when_no_keyring_is_usable(agent_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from a2acli.auth.store import index_path, keyring_usable

    assert not keyring_usable()  # tests/conftest.py: PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
    code, out, err = login(agent_url, capsys)
    assert code == 0, err
    assert "Store: file" in out
    assert oct(index_path().stat().st_mode & 0o777) == "0o600"
    assert oct(index_path().parent.stat().st_mode & 0o777) == "0o700"


def test_forcing_the_keyring_without_one_is_an_error(
    agent_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from a2acli.auth.store import index_path

    monkeypatch.setenv("A2ACLI_TOKEN_STORE", "keyring")
    code, _, err = login(agent_url, capsys)
    assert code == 1 and "keyring" in err and "Traceback" not in err
    assert not index_path().exists()


def _modules_after(args: list[str], env: dict[str, str] | None = None) -> list[str]:
    code = (
        "import sys\nfrom a2acli.cli import run\ntry:\n"
        f"    run({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**clean, **(env or {})}
    )
    return json.loads(proc.stderr.strip().splitlines()[-1].replace("'", '"'))


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["auth", "--help"], ["auth", "login", "--help"]])
def test_help_and_version_import_no_auth_library(args: list[str]) -> None:
    assert _modules_after(args) == []


def test_completion_imports_no_auth_library() -> None:
    env = {"_A2A_COMPLETE": "bash_complete", "COMP_WORDS": "a2a auth lo", "COMP_CWORD": "2"}
    assert _modules_after([], env) == []


def test_a_run_without_a_stored_login_imports_no_auth_library(agent_url: str, isolated_env: Path) -> None:
    """The agent declares OAuth; nothing is stored: `send` reads no keyring (the agent answers 401, exit 4)."""
    assert _modules_after(["send", "-a", agent_url, "hi"]) == []
    assert _modules_after(["card", "-a", agent_url]) == []
