"""`a2a serve --tls-cert/--tls-key [--client-ca FILE]`: https for the demo agent, and with a client CA, mutual TLS.

The files are checked here, before the port is bound, so a wrong path or a key that does not match is one line
(exit 2), not a uvicorn traceback. uvicorn builds the server's SSL context from the same options; with a client
CA it requires a client certificate (`ssl.CERT_REQUIRED`) that CA issued, so a client without one is refused in
the handshake.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

from a2acli.errors import UsageError

if TYPE_CHECKING:
    from a2acli.agent.options import ServeOptions


def check_tls_options(options: ServeOptions) -> None:
    """The TLS files are readable, the key belongs to the certificate, the client CA is PEM."""
    if options.tls_cert is None:
        if options.tls_key is not None or options.client_ca is not None:
            raise UsageError("--tls-key and --client-ca need --tls-cert (the server certificate)")
        return
    files = (("--tls-cert", options.tls_cert), ("--tls-key", options.tls_key), ("--client-ca", options.client_ca))
    for flag, path in files:
        if path is not None and not Path(path).expanduser().is_file():
            raise UsageError(f"{flag}: no such file: {path}")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.load_cert_chain(options.tls_cert, options.tls_key, password=lambda: b"")
    except (ssl.SSLError, OSError) as exc:
        raise UsageError(
            f"--tls-cert/--tls-key: cannot load {options.tls_cert}: {getattr(exc, 'reason', None) or exc}",
            hint="PEM files; the key unencrypted, or in the --tls-cert file",
        ) from None
    if options.client_ca is not None:
        try:
            ctx.load_verify_locations(cafile=options.client_ca)
        except (ssl.SSLError, OSError) as exc:
            raise UsageError(f"--client-ca {options.client_ca}: not a PEM certificate file ({exc})") from None


def uvicorn_ssl_options(options: ServeOptions) -> dict[str, Any]:
    """uvicorn.Config keyword arguments for the TLS options (empty without --tls-cert)."""
    if options.tls_cert is None:
        return {}
    config: dict[str, Any] = {"ssl_certfile": options.tls_cert, "ssl_keyfile": options.tls_key}
    if options.client_ca is not None:
        config["ssl_ca_certs"] = options.client_ca
        config["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    return config
