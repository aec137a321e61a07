"""`a2a auth` against a real, certified OpenID provider: panva's npm `oidc-provider` (tests/interop/oidc, installed
on first use like tests/interop/js), and `a2a serve --oauth-issuer` checking its JWT access tokens with its JWKS.

Every flow end to end: client credentials, the device flow (approved / denied through the provider script's
test hook, what a person does at the verification page), authorization code + PKCE on a loopback redirect
(driven through the provider's own login and consent pages), refresh after expiry, logout with RFC 7009
revocation. The CLI runs as a real subprocess where a person would watch its stderr (the device code)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.agent import demo_agent
from tests.support.server import free_port

OIDC_DIR = Path(__file__).parent / "interop" / "oidc"
A2A = [sys.executable, "-m", "a2acli"]
AUDIENCE = "urn:a2a:demo"
CC_SECRET = "cc-secret-0123456789abcdef"
AT_TTL = 4  # seconds: short, so a refresh after expiry is seen within a test


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node/npm not installed")
    if not (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"npm ci of oidc-provider failed:\n{done.stderr[-2000:]}"
    proc = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=OIDC_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "AT_TTL": str(AT_TTL), "DEVICE_TTL": "30", "CC_SECRET": CC_SECRET},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, "oidc-provider did not start"
        yield json.loads(line)["issuer"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def agent(provider: str) -> Iterator[str]:
    with demo_agent(oauth_issuer=provider, oauth_audience=AUDIENCE, oauth_scopes=("a2a.send",)) as url:
        yield url


@pytest.fixture
def home(isolated_env: Path) -> dict[str, str]:
    """The environment of a CLI subprocess: this test's isolated home, no A2ACLI_* of the developer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    return env


def a2a(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*A2A, *args], capture_output=True, text=True, timeout=90, env=env, input=stdin)


def logins() -> dict[str, Any]:
    from a2acli.auth.store import index_path

    path = index_path()
    return json.loads(path.read_text())["logins"] if path.exists() else {}


def decide(provider: str, user_code: str, decision: str = "approve") -> None:
    answer = httpx.post(f"{provider}/test/device", json={"user_code": user_code, "decision": decision}, timeout=10)
    assert answer.status_code == 200, answer.text


class Watched:
    """A CLI subprocess whose stderr is read line by line as it comes (what a person watching it sees)."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen([*A2A, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[str] = []
        self.out = ""
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out = threading.Thread(target=self._read_out, daemon=True)
        self._err.start()
        self._out.start()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        self.out = self.proc.stdout.read()

    def wait_for(self, pattern: str, seconds: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = re.search(pattern, line)
                if found:
                    return found
            if self.proc.poll() is not None and not self._err.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} on stderr: {''.join(self.lines)}")

    def finish(self, seconds: float = 60) -> tuple[int, str, str]:
        code = self.proc.wait(timeout=seconds)
        self._err.join(10)
        self._out.join(10)
        return code, self.out, "".join(self.lines)


def device_login(env: dict[str, str], provider: str, agent: str, decision: str = "approve") -> tuple[int, str, str]:
    cli = Watched(
        env,
        "auth",
        "login",
        "-a",
        agent,
        "--client-id",
        "device-client",
        "--scope",
        "a2a.send",
        "--scope",
        "offline_access",
    )
    decide(provider, cli.wait_for(r"enter the code (\S+)").group(1), decision)
    return cli.finish()


def test_the_card_declares_the_provider(agent: str, provider: str, home: dict[str, str]) -> None:
    card = json.loads(a2a(home, "card", "-a", agent, "-o", "json").stdout)
    assert card["securitySchemes"]["oidc"] == {
        "openIdConnectSecurityScheme": {"openIdConnectUrl": f"{provider}/.well-known/openid-configuration"}
    }
    assert {"schemes": {"oidc": {"list": ["a2a.send"]}}} in card["securityRequirements"]


def test_without_login_send_exits_4(agent: str, home: dict[str, str]) -> None:
    done = a2a(home, "send", "-a", agent, "hi")
    assert done.returncode == 4
    assert "a2a auth login" in done.stderr and "Traceback" not in done.stderr


def test_client_credentials_login_send_refresh_logout(agent: str, provider: str, home: dict[str, str]) -> None:
    done = (
        a2a(home, "auth", "login", "-a", agent, "--client-id", "cc-client", "--yes", "-o", "json", stdin=None)
        if False
        else a2a(
            {**home, "A2ACLI_CLIENT_SECRET": CC_SECRET},
            "auth",
            "login",
            "-a",
            agent,
            "--client-id",
            "cc-client",
            "--yes",
            "-o",
            "json",
        )
    )
    assert done.returncode == 0, done.stderr
    assert "client-credentials flow (a client secret was given)" in done.stderr
    shown = json.loads(done.stdout)
    assert shown["issuer"] == provider and shown["flow"] == "client_credentials"
    (entry,) = logins().values()
    token = entry["secrets"]["access_token"]
    assert token.count(".") == 2  # a JWT, for the agent's audience
    assert CC_SECRET not in done.stdout + done.stderr and token not in done.stdout + done.stderr

    sent = a2a(home, "send", "-a", agent, "-o", "json", "hello")
    assert sent.returncode == 0, sent.stderr
    assert "Hello!" in sent.stdout

    time.sleep(AT_TTL + 0.5)  # expired: the next command gets a new token first (client credentials again)
    sent = a2a(home, "send", "-a", agent, "hello")
    assert sent.returncode == 0, sent.stderr
    (entry,) = logins().values()
    assert entry["secrets"]["access_token"] != token

    status = a2a(home, "auth", "status", "-a", agent)
    assert status.returncode == 0 and "Flow: client-credentials" in status.stdout
    assert entry["secrets"]["access_token"] not in status.stdout + status.stderr

    out = a2a(home, "auth", "logout", "-a", agent)
    # oidc-provider does not revoke its JWT access tokens (RFC 7009 unsupported_token_type): said, not an error.
    assert out.returncode == 0 and "does not revoke access tokens" in out.stderr, out.stderr
    assert logins() == {}
    assert a2a(home, "send", "-a", agent, "hello").returncode == 4


def test_device_login_refresh_after_expiry_and_logout(agent: str, provider: str, home: dict[str, str]) -> None:
    code, out, err = device_login(home, provider, agent)
    assert code == 0, err
    assert "device flow (it needs no client secret)" in err
    assert f"{provider}/device" in err and "user_code=" in err
    assert "Flow: device" in out and "Refreshable: yes" in out
    (entry,) = logins().values()
    first, refresh_token = entry["secrets"]["access_token"], entry["secrets"]["refresh_token"]
    assert refresh_token

    assert a2a(home, "send", "-a", agent, "hi").returncode == 0
    time.sleep(AT_TTL + 0.5)
    sent = a2a(home, "send", "-a", agent, "hi")
    assert sent.returncode == 0, sent.stderr
    (entry,) = logins().values()
    assert entry["secrets"]["access_token"] != first  # renewed with the refresh token
    token = a2a(home, "auth", "token", "-a", agent)
    assert token.stdout.strip() == entry["secrets"]["access_token"]

    status = a2a(home, "auth", "status")
    assert "Flow: device" in status.stdout and "Refreshable: yes" in status.stdout
    out_ = a2a(home, "auth", "logout", "-a", agent)
    assert out_.returncode == 0, out_.stderr
    assert "revoked the refresh token" in out_.stderr
    # Revoked at the provider: the refresh token no longer works there.
    refused = httpx.post(
        f"{provider}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": entry["secrets"]["refresh_token"],
            "client_id": "device-client",
        },
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_device_login_denied_is_exit_4_nothing_stored(agent: str, provider: str, home: dict[str, str]) -> None:
    code, _, err = device_login(home, provider, agent, decision="deny")
    assert code == 4
    assert "denied" in err.strip().splitlines()[-1] and "Traceback" not in err
    assert logins() == {}


def test_device_login_ctrl_c_is_clean(agent: str, provider: str, home: dict[str, str]) -> None:
    import signal

    cli = Watched(home, "auth", "login", "-a", agent, "--client-id", "device-client")
    cli.wait_for("waiting for the approval")
    cli.proc.send_signal(signal.SIGINT)
    code, _, err = cli.finish(30)
    assert code == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert logins() == {}


_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def browser(url: str) -> None:
    """What a person does in a browser: open the login URL, log in and consent on the provider's own pages; the
    last redirect lands on the CLI's loopback listener."""
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = client.get(url)
        for fields in ({"prompt": "login", "login": "tester", "password": "pw"}, {"prompt": "consent"}):
            found = _ACTION.search(page.text)
            if found is None:
                break
            page = client.post(httpx.URL(str(page.url)).join(found.group(1).replace("&amp;", "&")), data=fields)
        assert "Login complete" in page.text, page.text[:500]


def test_authorization_code_with_pkce_on_a_loopback_redirect(agent: str, provider: str, home: dict[str, str]) -> None:
    cli = Watched(
        home,
        "auth",
        "login",
        "-a",
        agent,
        "--client-id",
        "code-client",
        "--flow",
        "authorization_code",
        "--scope",
        "openid",
        "--scope",
        "a2a.send",
    )
    url = cli.wait_for(r"open this URL to log in: (\S+)").group(1)
    assert url.startswith(f"{provider}/auth?") and "code_challenge_method=S256" in url
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
    thread = threading.Thread(target=browser, args=(url,))
    thread.start()
    code, out, err = cli.finish()
    thread.join()
    assert code == 0, err
    assert "Flow: authorization-code" in out
    assert a2a(home, "send", "-a", agent, "hi").returncode == 0


def test_a2a_serve_oauth_issuer_as_a_command(provider: str, home: dict[str, str]) -> None:
    """The command line of the issue: `a2a serve --oauth-issuer`, a login, then `a2a send`."""
    port = free_port()
    serve = subprocess.Popen(
        [
            *A2A,
            "serve",
            "--port",
            str(port),
            "--delay",
            "0",
            "--oauth-issuer",
            provider,
            "--oauth-audience",
            AUDIENCE,
            "--oauth-scope",
            "a2a.send",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=home,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert serve.poll() is None, serve.stderr.read() if serve.stderr else ""
            try:
                if httpx.get(url + "/.well-known/agent-card.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert a2a(home, "send", "-a", url, "hi").returncode == 4
        env = {**home, "A2ACLI_CLIENT_SECRET": CC_SECRET}
        assert a2a(env, "auth", "login", "-a", url, "--client-id", "cc-client", "--yes").returncode == 0
        sent = a2a(home, "send", "-a", url, "hi")
        assert sent.returncode == 0, sent.stderr
        # A token from the provider but without the scope the agent requires: 403, exit 4.
        token = httpx.post(
            f"{provider}/token", data={"grant_type": "client_credentials"}, auth=("cc-client", CC_SECRET)
        ).json()
        assert "a2a.send" not in token.get("scope", "")
        denied = a2a(home, "send", "-a", url, "--bearer", token["access_token"], "hi")
        assert denied.returncode == 4
    finally:
        serve.terminate()
        serve.wait(timeout=10)
