"""`a2a auth` end to end against the tests' own minimal authorization server (tests/support/oauth_server.py) and
the real demo agent run as `a2a serve --oauth-issuer` (JWT access tokens checked with the issuer's JWKS):
client credentials, device flow, stored tokens attached by `send`, refresh after expiry and after a 401,
logout with revocation, and every bad answer of a token endpoint as one line, exit 4, nothing stored."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.agent import demo_agent
from tests.support.oauth_server import AUDIENCE, CC_CLIENT, CC_SECRET, DEVICE_CLIENT, MiniAuthServer, mini_auth_server


@pytest.fixture(scope="module")
def auth_server() -> Iterator[MiniAuthServer]:
    with mini_auth_server() as server:
        yield server


@pytest.fixture(scope="module")
def agent_url(auth_server: MiniAuthServer) -> Iterator[str]:
    with demo_agent(oauth_issuer=auth_server.base, oauth_audience=AUDIENCE, oauth_scopes=("a2a.send",)) as url:
        yield url


@pytest.fixture(autouse=True)
def behave(auth_server: MiniAuthServer) -> Iterator[None]:
    auth_server.mode, auth_server.lifetime, auth_server.device_lifetime = "", 300, 60
    auth_server.slowed = False
    auth_server.requests.clear()
    auth_server.devices.clear()
    yield


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from a2acli.cli import run

    code = run(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def index() -> Path:
    from a2acli.auth.store import index_path

    return index_path()


def cc_login(agent_url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return cli(
        ["auth", "login", "-a", agent_url, "--client-id", CC_CLIENT, "--client-secret", CC_SECRET, "--yes", *extra],
        capsys,
    )


def approve_when_asked(server: MiniAuthServer, *, deny: bool = False) -> threading.Thread:
    def go() -> None:
        deadline = time.monotonic() + 20
        while not server.devices and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        server.deny() if deny else server.approve()

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    return lines[-1]


# ------------------------------------------------------------------------------------------- client credentials


def test_client_credentials_login_is_stored_and_attached(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(["send", "-a", agent_url, "hi"], capsys)
    assert code == 4 and "a2a auth login" in err  # before any login: the card's scheme, and how to log in

    code, out, err = cc_login(agent_url, capsys, "-o", "json")
    assert code == 0, err
    assert "client-credentials flow" in err and "a client secret was given" in err
    shown = json.loads(out)
    assert shown["flow"] == "client_credentials" and shown["client_id"] == CC_CLIENT
    assert shown["scopes"] == ["a2a.send"]  # the card's requirement, asked for without --scope
    assert auth_server.grants("client_credentials")[0]["scope"] == "a2a.send"
    token = auth_server.issued[-1]
    assert token not in out + err and CC_SECRET not in out + err

    # At rest: a 0600 file in a 0700 folder (no usable keyring here).
    path = index()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["logins"][shown["agent"]]["store"] == "file"

    code, out, err = cli(["send", "-a", agent_url, "-o", "json", "hi"], capsys)
    assert code == 0, err
    assert "Hello!" in out and token not in out + err

    code, out, err = cli(["auth", "status"], capsys)
    assert code == 0 and f"Agent: {shown['agent']}" in out and "Flow: client-credentials" in out
    assert token not in out + err and CC_SECRET not in out + err

    code, out, _ = cli(["auth", "status", "-o", "json"], capsys)
    (listed,) = json.loads(out)["logins"]
    assert listed["agent"] == shown["agent"] and "access_token" not in listed and token not in out

    code, out, _ = cli(["auth", "token", "-a", agent_url], capsys)
    assert code == 0 and out.strip() == token


def test_client_secret_from_variable_and_from_stdin(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setenv("A2ACLI_CLIENT_SECRET", CC_SECRET)
    assert cli(["auth", "login", "-a", agent_url, "--client-id", CC_CLIENT, "--yes"], capsys)[0] == 0
    monkeypatch.delenv("A2ACLI_CLIENT_SECRET")
    monkeypatch.setattr("sys.stdin", io.StringIO(CC_SECRET + "\n"))
    code, out, err = cli(
        ["auth", "login", "-a", agent_url, "--client-id", CC_CLIENT, "--client-secret", "-", "--yes"], capsys
    )
    assert code == 0, err and CC_SECRET not in out + err


def test_secret_to_another_origin_needs_yes_off_a_terminal(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(
        ["auth", "login", "-a", agent_url, "--client-id", CC_CLIENT, "--client-secret", CC_SECRET], capsys
    )
    assert code == 2
    assert auth_server.base.split("//")[1] in err and "--yes" in err
    assert not auth_server.grants("client_credentials"), "the secret was sent"
    assert not index().exists()


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("html", "text/html, not JSON"),
        ("500", "HTTP 500"),
        ("no_token_type", "without a token_type"),
        ("expires_0", "expires_in 0"),
        ("expires_negative", "expires_in -30"),
    ],
)
def test_bad_token_answers_are_one_line_exit_4_nothing_stored(
    mode: str, says: str, agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    auth_server.mode = mode
    code, _out, err = cc_login(agent_url, capsys)
    assert code == 4, err
    assert says in one_line(err) and "A2ACLI_ERR_AUTH_FAILED" in one_line(err)
    assert not index().exists()


def test_wrong_client_secret_is_exit_4(agent_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(
        [
            "auth",
            "login",
            "-a",
            agent_url,
            "--client-id",
            CC_CLIENT,
            "--client-secret",
            "wrong-secret-4f1c9a",
            "--yes",
            "-o",
            "json",
        ],
        capsys,
    )
    assert code == 4 and "invalid_client" in err
    assert not index().exists()


# ------------------------------------------------------------------------------------------- device flow


def test_device_login_then_send(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    auth_server.mode = "slow_down_once"
    approver = approve_when_asked(auth_server)
    code, out, err = cli(["auth", "login", "-a", agent_url, "--client-id", DEVICE_CLIENT], capsys)
    approver.join()
    assert code == 0, err
    assert "device flow (it needs no client secret)" in err
    assert f"{auth_server.base}/activate" in err and "enter the code" in err
    assert "activate?user_code=" in err
    assert "Flow: device" in out and "Refreshable: yes" in out
    polls = auth_server.grants("urn:ietf:params:oauth:grant-type:device_code")
    assert len(polls) >= 2  # slow_down once, then the token
    assert cli(["send", "-a", agent_url, "hi"], capsys)[0] == 0
    code, out, _ = cli(["auth", "status"], capsys)
    assert code == 0 and "Refreshable: yes" in out and "Flow: device" in out


def test_device_denied_and_expired(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    approver = approve_when_asked(auth_server, deny=True)
    code, _, err = cli(["auth", "login", "-a", agent_url, "--client-id", DEVICE_CLIENT, "--flow", "device"], capsys)
    approver.join()
    assert code == 4 and "denied" in one_line(err)
    assert not index().exists()

    auth_server.device_lifetime = 2
    code, _, err = cli(["auth", "login", "-a", agent_url, "--client-id", DEVICE_CLIENT], capsys)
    assert code == 4 and "expired" in one_line(err)
    assert not index().exists()


# ------------------------------------------------------------------------------------------- refresh


def _device_login(agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]) -> None:
    approver = approve_when_asked(auth_server)
    code, _, err = cli(["auth", "login", "-a", agent_url, "--client-id", DEVICE_CLIENT], capsys)
    approver.join()
    assert code == 0, err


def test_refresh_after_expiry(agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]) -> None:
    auth_server.lifetime = 2
    _device_login(agent_url, auth_server, capsys)
    first = auth_server.issued[-1]
    time.sleep(2.5)  # the access token has expired
    code, out, err = cli(["send", "-a", agent_url, "--debug", "hi"], capsys)
    assert code == 0, err
    assert len(auth_server.grants("refresh_token")) == 1
    second = auth_server.issued[-1]
    assert second != first and first not in err and second not in err
    code, out, _ = cli(["auth", "token", "-a", agent_url], capsys)
    assert out.strip() == second  # the renewed login was stored (valid now, not renewed again)
    assert len(auth_server.grants("refresh_token")) == 1


def test_refresh_on_401_invalid_token_then_give_up(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    auth_server.mode = "lying_expiry"  # a dead token though expires_in says 300: the agent answers invalid_token
    _device_login(agent_url, auth_server, capsys)
    auth_server.mode = ""
    code, _, err = cli(["send", "-a", agent_url, "hi"], capsys)
    assert code == 0, err
    assert len(auth_server.grants("refresh_token")) == 1

    auth_server.mode = "lying_expiry"
    assert cli(["auth", "logout", "-a", agent_url], capsys)[0] == 0
    _device_login(agent_url, auth_server, capsys)
    auth_server.mode = "refresh_fails"
    before = index().read_text()
    code, _, err = cli(["send", "-a", agent_url, "-o", "json", "hi"], capsys)
    assert code == 4
    assert "a2a auth login -a" in one_line(err) and "refresh" in one_line(err)
    assert index().read_text() == before  # a failed refresh changes nothing


# ------------------------------------------------------------------------------------------- logout


def test_logout_revokes_and_forgets(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _device_login(agent_url, auth_server, capsys)
    stored = json.loads(index().read_text())["logins"]
    (entry,) = stored.values()
    refresh_token = entry["secrets"]["refresh_token"]
    code, _, err = cli(["auth", "logout", "-a", agent_url], capsys)
    assert code == 0, err
    assert "revoked the refresh token" in err and "revoked the access token" in err and "logged out" in err
    revoked = [form["token"] for path, form in auth_server.requests if path == "/revoke"]
    assert refresh_token in revoked and auth_server.issued[-1] in revoked
    assert not index().exists()
    assert cli(["send", "-a", agent_url, "hi"], capsys)[0] == 4
    code, _, err = cli(["auth", "status", "-a", agent_url], capsys)
    assert code == 4 and "no stored login" in err


def test_logout_all_and_usage(agent_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cc_login(agent_url, capsys)[0] == 0
    assert cli(["auth", "logout"], capsys)[0] == 2
    assert cli(["auth", "logout", "--all"], capsys)[0] == 0
    assert not index().exists()


def test_explicit_bearer_wins_over_the_stored_login(agent_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cc_login(agent_url, capsys)[0] == 0
    code, _, err = cli(["send", "-a", agent_url, "--bearer", "not-a-jwt-token", "hi"], capsys)
    assert code == 4 and "A2ACLI_ERR_AUTH_FAILED" in err


def test_store_folder_permissions_are_tightened(agent_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cc_login(agent_url, capsys)[0] == 0
    os.chmod(index(), 0o644)
    assert cli(["auth", "status"], capsys)[0] == 0
    assert stat.S_IMODE(index().stat().st_mode) == 0o600


# ------------------------------------------------------------------------------------------- the card's own URLs


def _card_with(agent_url: str, tmp_path: Path, schemes: dict[str, object]) -> Path:
    import httpx

    card = httpx.get(agent_url + "/.well-known/agent-card.json", headers={"A2A-Version": "1.0"}).json()
    card["securitySchemes"] = schemes
    card["securityRequirements"] = [{"schemes": {name: {"list": ["a2a.send"]}}} for name in schemes]
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card))
    return path


def test_a_card_with_only_its_flow_urls(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No metadata URL: the card's own tokenUrl; a local card's logins are filed under its interface's origin."""
    flows = {"clientCredentials": {"tokenUrl": f"{auth_server.base}/token", "scopes": {"a2a.send": ""}}}
    card = _card_with(agent_url, tmp_path, {"cc": {"oauth2SecurityScheme": {"flows": flows}}})
    code, out, err = cli(
        ["auth", "login", "-a", str(card), "--client-id", CC_CLIENT, "--client-secret", CC_SECRET, "--yes"], capsys
    )
    assert code == 0, err
    assert f"Agent: {agent_url}" in out and "Scheme: cc" in out
    assert auth_server.grants("client_credentials")[-1]["scope"] == "a2a.send"
    assert cli(["send", "-a", str(card), "hi"], capsys)[0] == 0
    assert cli(["send", "-a", agent_url, "hi"], capsys)[0] == 0  # the same agent, by its URL


def test_metadata_naming_another_issuer_is_refused(
    agent_url: str, auth_server: MiniAuthServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    metadata = f"{auth_server.base}/.well-known/oauth-authorization-server"
    flows = {"clientCredentials": {"tokenUrl": f"{auth_server.base}/token", "scopes": {}}}
    card = _card_with(
        agent_url, tmp_path, {"o": {"oauth2SecurityScheme": {"oauth2MetadataUrl": metadata, "flows": flows}}}
    )
    auth_server.mode = "wrong_issuer"
    code, _, err = cli(
        ["auth", "login", "-a", str(card), "--client-id", CC_CLIENT, "--client-secret", CC_SECRET, "--yes"], capsys
    )
    assert code == 4 and "issuer.elsewhere.example" in one_line(err)
    assert not auth_server.grants("client_credentials") and not index().exists()


def test_a_card_without_oauth_has_nothing_to_log_in_to(
    agent_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    card = _card_with(agent_url, tmp_path, {"k": {"apiKeySecurityScheme": {"location": "header", "name": "X-Key"}}})
    code, _, err = cli(["auth", "login", "-a", str(card), "--client-id", CC_CLIENT], capsys)
    assert code == 4 and "no OAuth 2 or OpenID Connect scheme" in one_line(err)


# ------------------------------------------------------------------------------------------- --open


def test_open_starts_the_browser_only_when_asked(
    agent_url: str, auth_server: MiniAuthServer, tmp_path: Path, isolated_env: Path
) -> None:
    """$BROWSER (Python's webbrowser honours it) is a script that records the URL it was given."""
    import subprocess
    import sys

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys\nopen({str(opened)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    env["BROWSER"] = f"{sys.executable} {browser} %s"
    for extra in ([], ["--open"]):
        approver = approve_when_asked(auth_server)
        done = subprocess.run(
            [sys.executable, "-m", "a2acli", "auth", "login", "-a", agent_url, "--client-id", DEVICE_CLIENT, *extra],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        approver.join()
        assert done.returncode == 0, done.stderr
        if not extra:
            assert not opened.exists(), "a browser was opened unasked"
    assert opened.read_text().strip().startswith(f"{auth_server.base}/activate?user_code=")
