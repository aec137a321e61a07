"""Mutual TLS end to end: `a2a serve --tls-cert/--tls-key --client-ca` (a real uvicorn server, as a subprocess)
and `a2a send/card --cert/--key/--cacert` against it, with a CA and certificates made here by `trustme`."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import trustme

from tests.support.server import free_port

A2A = [sys.executable, "-m", "a2acli"]


class Pki:
    def __init__(self, root: Path) -> None:
        self.ca = trustme.CA()
        self.other_ca = trustme.CA()
        server = self.ca.issue_cert("127.0.0.1", "localhost")
        client = self.ca.issue_cert("client@example.test")
        stranger = self.other_ca.issue_cert("stranger@example.test")
        self.ca_pem = root / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_pem))
        self.server_cert, self.server_key = root / "server.pem", root / "server.key"
        server.cert_chain_pems[0].write_to_path(str(self.server_cert))
        server.private_key_pem.write_to_path(str(self.server_key))
        self.client_cert, self.client_key = root / "client.pem", root / "client.key"
        client.cert_chain_pems[0].write_to_path(str(self.client_cert))
        client.private_key_pem.write_to_path(str(self.client_key))
        self.stranger_cert, self.stranger_key = root / "stranger.pem", root / "stranger.key"
        stranger.cert_chain_pems[0].write_to_path(str(self.stranger_cert))
        stranger.private_key_pem.write_to_path(str(self.stranger_key))
        for key in (self.server_key, self.client_key, self.stranger_key):
            key.chmod(0o600)
        self._client = client

    def encrypted_key(self, path: Path, password: bytes) -> Path:
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_private_key(self._client.private_key_pem.bytes(), password=None)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(password),
            )
        )
        path.chmod(0o600)
        return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@contextmanager
def tls_serve(pki: Pki, *extra: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    proc = subprocess.Popen(
        [
            *A2A,
            "serve",
            "--port",
            str(port),
            "--delay",
            "0",
            "--tls-cert",
            str(pki.server_cert),
            "--tls-key",
            str(pki.server_key),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"https://127.0.0.1:{port}"
    ctx = ssl.create_default_context(cafile=str(pki.ca_pem))
    ctx.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"a2a serve exited early: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if httpx.get(url + "/.well-known/agent-card.json", verify=ctx, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("a2a serve did not come up")
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def mtls_agent(pki: Pki) -> Iterator[str]:
    with tls_serve(pki, "--client-ca", str(pki.ca_pem)) as (url, _):
        yield url


def a2a(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("A2ACLI_")}
    return subprocess.run([*A2A, *args], capture_output=True, text=True, timeout=60, env={**clean, **(env or {})})


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr
    assert len(lines) <= 2, done.stderr  # the error and its hint
    return done.stderr


def test_send_over_mutual_tls_with_cert_key_and_cacert(pki: Pki, mtls_agent: str) -> None:
    done = a2a(
        "send",
        "-a",
        mtls_agent,
        "--cert",
        str(pki.client_cert),
        "--key",
        str(pki.client_key),
        "--cacert",
        str(pki.ca_pem),
        "-o",
        "json",
        "hello",
    )
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout.splitlines()[-1])
    assert "Hello!" in json.dumps(reply)


def test_settings_from_environment_variables(pki: Pki, mtls_agent: str) -> None:
    env = {"A2ACLI_CERT": str(pki.client_cert), "A2ACLI_KEY": str(pki.client_key), "A2ACLI_CACERT": str(pki.ca_pem)}
    done = a2a("card", "-a", mtls_agent, "-o", "json", env=env)
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    assert "mtlsSecurityScheme" in card["securitySchemes"]["mtls"]
    assert {"schemes": {"mtls": {}}} in card["securityRequirements"]
    assert card["supportedInterfaces"][0]["url"].startswith("https://127.0.0.1:")


def test_without_a_client_certificate_is_one_line_exit_4(pki: Pki, mtls_agent: str) -> None:
    done = a2a("send", "-a", mtls_agent, "--cacert", str(pki.ca_pem), "hello")
    assert done.returncode == 4, done.stderr
    text = one_line_error(done)
    assert "requires a client certificate" in text and "--cert" in text
    assert "A2ACLI_ERR_CREDENTIALS_MISSING" in text


def test_without_a_client_certificate_json_envelope(pki: Pki, mtls_agent: str) -> None:
    done = a2a("send", "-a", mtls_agent, "--cacert", str(pki.ca_pem), "-o", "json", "hello")
    assert done.returncode == 4
    assert json.loads(done.stdout)["error"]["code"] == "A2ACLI_ERR_CREDENTIALS_MISSING"


def test_a_certificate_from_another_ca_is_rejected_exit_4(pki: Pki, mtls_agent: str) -> None:
    done = a2a(
        "send",
        "-a",
        mtls_agent,
        "--cert",
        str(pki.stranger_cert),
        "--key",
        str(pki.stranger_key),
        "--cacert",
        str(pki.ca_pem),
        "-o",
        "json",
        "hello",
    )
    assert done.returncode == 4, done.stderr
    assert json.loads(done.stdout)["error"]["code"] == "A2ACLI_ERR_AUTH_FAILED"
    one_line_error(done)


def test_self_signed_agent_without_cacert_fails_tls_exit_3(pki: Pki, mtls_agent: str) -> None:
    done = a2a("send", "-a", mtls_agent, "--cert", str(pki.client_cert), "--key", str(pki.client_key), "hello")
    assert done.returncode == 3, done.stderr
    assert "--cacert" in one_line_error(done)


def test_encrypted_key_with_password_and_wrong_password(pki: Pki, mtls_agent: str, tmp_path: Path) -> None:
    key = pki.encrypted_key(tmp_path / "enc.key", b"s3cret-pass")
    base = ("send", "-a", mtls_agent, "--cert", str(pki.client_cert), "--key", str(key), "--cacert", str(pki.ca_pem))
    ok = a2a(*base, "hello", env={"A2ACLI_KEY_PASSWORD": "s3cret-pass"})
    assert ok.returncode == 0, ok.stderr
    wrong = a2a(*base, "-o", "json", "hello", env={"A2ACLI_KEY_PASSWORD": "not-it"})
    assert wrong.returncode == 4
    assert "wrong password" in json.loads(wrong.stdout)["error"]["message"]
    assert "not-it" not in wrong.stdout + wrong.stderr
    missing = a2a(*base, "hello")
    assert missing.returncode == 4
    assert "encrypted" in one_line_error(missing)


def test_key_readable_by_others_is_refused(pki: Pki, tmp_path: Path) -> None:
    key = tmp_path / "open.key"
    key.write_bytes(pki.client_key.read_bytes())
    key.chmod(0o644)
    done = a2a("send", "-a", "https://127.0.0.1:9", "--cert", str(pki.client_cert), "--key", str(key), "hello")
    assert done.returncode == 4
    assert "chmod 600" in one_line_error(done)


def test_unreadable_files_are_usage_errors(pki: Pki, tmp_path: Path) -> None:
    done = a2a("send", "-a", "https://127.0.0.1:9", "--cert", str(tmp_path / "nope.pem"), "hello")
    assert done.returncode == 2
    assert "--cert" in one_line_error(done)
    done = a2a("send", "-a", "https://127.0.0.1:9", "--cacert", str(tmp_path / "nope.pem"), "hello")
    assert done.returncode == 2
    done = a2a("send", "-a", "https://127.0.0.1:9", "--key", str(pki.client_key), "hello")
    assert done.returncode == 2


@contextmanager
def cert_recording_server(pki: Pki) -> Iterator[tuple[int, dict[str, bool]]]:
    """A small real TLS server (asyncio streams, client certificates optional) that records, per Host header,
    whether the client presented a certificate."""
    import asyncio
    import threading

    seen: dict[str, bool] = {}
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(pki.server_cert), str(pki.server_key))
    ctx.load_verify_locations(cafile=str(pki.ca_pem))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ready = threading.Event()
    state: dict[str, object] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        host = next(
            (
                line.split(b":", 1)[1].strip().decode()
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"host:")
            ),
            "",
        )
        seen[host.rsplit(":", 1)[0]] = bool(writer.get_extra_info("peercert"))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
        state["port"] = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        state["stop"], state["loop"] = stop, asyncio.get_running_loop()
        ready.set()
        async with server:
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield int(state["port"]), seen  # type: ignore[call-overload]
    finally:
        loop, stop = state["loop"], state["stop"]
        loop.call_soon_threadsafe(stop.set)  # type: ignore[attr-defined]
        thread.join(10)


def test_the_certificate_goes_only_to_the_agent_origin(pki: Pki) -> None:
    """One command's client talks to the agent (127.0.0.1) and to another origin (localhost, say a token
    endpoint): the server sees the client certificate from the first only."""
    import asyncio

    from a2acli.client.wire import make_http_client
    from a2acli.settings import connection_settings

    with cert_recording_server(pki) as (port, seen):
        agent, other = f"https://127.0.0.1:{port}", f"https://localhost:{port}"
        settings = connection_settings(
            agent_card=agent, cert=str(pki.client_cert), key=str(pki.client_key), cacert=str(pki.ca_pem)
        )

        async def go() -> None:
            async with make_http_client(settings) as client:
                assert (await client.get(agent + "/a2a")).status_code == 200
                assert (await client.get(other + "/token")).status_code == 200

        asyncio.run(go())
    assert seen == {"127.0.0.1": True, "localhost": False}


def test_serve_tls_options_are_checked_before_binding(pki: Pki, tmp_path: Path) -> None:
    from a2acli.cli import run

    assert run(["serve", "--port", "0", "--tls-cert", str(tmp_path / "none.pem")]) == 2
    assert run(["serve", "--port", "0", "--client-ca", str(pki.ca_pem)]) == 2
    assert run(["serve", "--port", "0", "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.client_key)]) == 2
