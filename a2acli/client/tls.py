"""Client TLS: `--cacert` trusted beside the system bundle, `--cert`/`--key` presented only to the agent's origins.

One place reads the TLS files of `ConnectionSettings` (paths and a key password, plain typed fields that the
gRPC channel reads too) and turns every problem with them into a one-line typed error before any request:
a missing or unreadable file is a usage error (exit 2); a private key others can read, an encrypted key without
its password, or a wrong password is refused as an authentication failure (exit 4).
"""

from __future__ import annotations

import os
import ssl
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from a2acli.errors import A2ACliError, AuthFailedError, CredentialsMissingError, UsageError

if TYPE_CHECKING:
    import httpx

    from a2acli.settings import ConnectionSettings


def origin_of(url: str) -> str:
    """`https://host:port` (default port filled in) of a URL, lower-cased; '' when it has none."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return ""
    if not parts.scheme or not host:
        return ""
    scheme = parts.scheme.lower()
    port = port or (443 if scheme == "https" else 80)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host.lower()}:{port}"


def _readable(flag: str, path: str) -> Path:
    file = Path(path).expanduser()
    try:
        with file.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise UsageError(f"{flag}: cannot read {path}: {exc.strerror or exc}", hint="check the path") from None
    return file


def _holds_private_key(path: Path) -> bool:
    try:
        return b"PRIVATE KEY" in path.read_bytes()
    except OSError:
        return False


def check_key_permissions(flag: str, path: Path) -> None:
    """A private key that group or others may read is refused (as ssh does): it is no longer a secret."""
    if os.name != "posix":
        return
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise AuthFailedError(
            f"{flag}: the private key {path} is accessible by others (mode {mode:04o})",
            hint=f"run: chmod 600 {path}",
        )


@dataclass(frozen=True)
class ClientIdentity:
    """The checked client certificate files: `cert` (PEM chain), `key` (PEM key, or None when `cert` holds it)."""

    cert: Path
    key: Path | None
    password: str | None = field(default=None, repr=False)


def client_identity(settings: ConnectionSettings) -> ClientIdentity | None:
    """The `--cert`/`--key` pair, checked (files readable, the key private); None without `--cert`."""
    if settings.cert is None:
        if settings.key is not None:
            raise UsageError("--key needs --cert (the client certificate it belongs to)")
        return None
    cert = _readable("--cert", settings.cert)
    key = _readable("--key", settings.key) if settings.key is not None else None
    holder, flag = (key, "--key") if key is not None else (cert, "--cert")
    if key is not None or _holds_private_key(cert):
        check_key_permissions(flag, holder)
    return ClientIdentity(cert, key, settings.key_password)


def load_identity(ctx: ssl.SSLContext, identity: ClientIdentity) -> None:
    """Load the certificate and key into `ctx`; OpenSSL never prompts (an encrypted key needs `--key-password`)."""
    asked = False

    def password() -> bytes:
        nonlocal asked
        asked = True
        return (identity.password or "").encode()

    where = identity.key or identity.cert
    try:
        ctx.load_cert_chain(str(identity.cert), str(identity.key) if identity.key else None, password=password)
    except ssl.SSLError as exc:
        text = str(exc)
        if asked and not identity.password:
            raise CredentialsMissingError(
                f"the private key {where} is encrypted",
                hint="give its password with A2ACLI_KEY_PASSWORD (or --key-password)",
            ) from None
        if asked:
            raise AuthFailedError(
                f"cannot decrypt the private key {where}: wrong password",
                hint="check A2ACLI_KEY_PASSWORD / --key-password",
            ) from None
        if "KEY_VALUES_MISMATCH" in text:
            raise UsageError(f"--key {where} does not belong to the certificate {identity.cert}") from None
        with_key = f" with key {identity.key}" if identity.key else ""
        raise UsageError(
            f"cannot load the client certificate {identity.cert}{with_key}: {exc.reason or text}",
            hint="--cert and --key take PEM files",
        ) from None


def _base_context(settings: ConnectionSettings, cacert: Path | None) -> ssl.SSLContext:
    import httpx

    if settings.insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = httpx.create_ssl_context(trust_env=True)
    if cacert is not None:
        try:
            ctx.load_verify_locations(cafile=str(cacert))
        except ssl.SSLError as exc:
            raise UsageError(f"--cacert {cacert}: not a PEM certificate file ({exc.reason or exc})") from None
    return ctx


@dataclass
class ClientTLS:
    """The SSL contexts of one command: `agent` (with the client certificate) for the agent's origins, `other`
    (same trust, no certificate) everywhere else."""

    agent: ssl.SSLContext
    other: ssl.SSLContext
    presents_certificate: bool


def client_tls(settings: ConnectionSettings) -> ClientTLS | None:
    """The contexts when `--cert` or `--cacert` is given (checked now: a bad file fails before any request)."""
    identity = client_identity(settings)
    cacert = _readable("--cacert", settings.cacert) if settings.cacert is not None else None
    if identity is None and cacert is None:
        return None
    other = _base_context(settings, cacert)
    if identity is None:
        return ClientTLS(other, other, False)
    agent = _base_context(settings, cacert)
    load_identity(agent, identity)
    return ClientTLS(agent, other, True)


@dataclass
class _Route:
    origins: set[str]
    context: ssl.SSLContext | None  # the agent's context; None: httpx's default (or none with --insecure)
    presents: bool
    insecure: bool


# client -> where its certificate goes and how it speaks TLS to the agent (grown by `present_certificate_to`).
_ROUTES: weakref.WeakKeyDictionary[httpx.AsyncClient, _Route] = weakref.WeakKeyDictionary()


def register_client(
    client: httpx.AsyncClient, settings: ConnectionSettings, tls: ClientTLS | None, origins: set[str]
) -> set[str]:
    """Remember the agent's origins (the `--agent-card` one, then the interface's) and the TLS context of a
    command's client; the set is the one the client's router reads."""
    _ROUTES[client] = _Route(
        origins, tls.agent if tls is not None else None, bool(tls and tls.presents_certificate), settings.insecure
    )
    return origins


def present_certificate_to(client: httpx.AsyncClient, url: str) -> None:
    """The card's selected interface is the agent: its origin gets the client certificate too."""
    route = _ROUTES.get(client)
    found = origin_of(url)
    if route is not None and found:
        route.origins.add(found)


PROBE_SECONDS = 2.0


async def dropped_after_handshake(client: httpx.AsyncClient, url: str) -> A2ACliError | None:
    """Why an https agent closed the connection without a word, when it is about the client certificate.

    A server requiring client certificates (uvicorn's asyncio/uvloop TLS among them) drops a client whose
    certificate it refuses right after the handshake, often without a TLS alert: the client sees a reset or an
    empty reply. A probe tells that apart from a crashed server: a fresh TLS connection that sends nothing is
    dropped at once by such a server, while any other server waits for the request.
    """
    import asyncio

    if not url.lower().startswith("https:"):
        return None
    route = _ROUTES.get(client)
    if route is None or origin_of(url) not in route.origins:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 443
    except ValueError:
        return None
    context = route.context
    if context is None:
        import httpx

        context = httpx.create_ssl_context(verify=not route.insecure, trust_env=True)
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            reader, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host)
            dropped = not await reader.read(1)
    except TimeoutError:
        return None  # the server waited for a request: the drop was something else
    except (ssl.SSLError, ConnectionError):
        dropped = True
    except OSError:
        return None
    finally:
        if writer is not None:
            writer.close()
    if not dropped:
        return None
    origin = f"{parts.scheme.lower()}://{parts.netloc}"
    if route.presents:
        return AuthFailedError(
            f"the agent at {origin} closed the TLS connection after the handshake: it refused the client certificate",
            hint="check that --cert is issued by a CA the agent trusts",
        )
    return CredentialsMissingError(
        f"the agent at {origin} closed the TLS connection after the handshake: it requires a client certificate",
        hint="pass --cert FILE --key FILE (or set A2ACLI_CERT / A2ACLI_KEY)",
    )


def tls_failure(exc: BaseException, origin: str) -> A2ACliError | None:
    """The typed error for a TLS alert about client certificates, else None (the caller maps the rest).

    TLS 1.3 servers reject a missing or unknown client certificate after the client's side of the handshake is
    done, so it surfaces on the first read; the alert's name says what happened.
    """
    text = str(exc).lower()
    if "certificate required" in text or "certificate_required" in text:
        return CredentialsMissingError(
            f"the agent at {origin} requires a client certificate",
            hint="pass --cert FILE --key FILE (or set A2ACLI_CERT / A2ACLI_KEY)",
        )
    if any(alert in text for alert in ("alert bad certificate", "alert unknown ca", "alert certificate unknown")):
        return AuthFailedError(
            f"the agent at {origin} rejected the client certificate",
            hint="check that --cert is issued by a CA the agent trusts",
        )
    return None
