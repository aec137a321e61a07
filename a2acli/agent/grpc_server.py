"""The demo agent's gRPC binding (`a2a serve --grpc-port P`): the same request handler, over grpc.aio.

One `grpc.aio` server in the event loop uvicorn runs, started by the app's lifespan (after the stores are
open) and stopped by it (before they close). It serves `lf.a2a.v1.A2AService` through the a2a-sdk's
`GrpcHandler` and, when 0.3 is served, `a2a.v1.A2AService` through its `CompatGrpcHandler`, both on the
`DemoRequestHandler` the HTTP bindings use: the same tasks, push configs, scenarios and store.

- Limits: a request message larger than `--max-body-bytes` is refused (RESOURCE_EXHAUSTED), metadata larger
  than `--max-header-bytes` too.
- `--bearer-token`: every call needs `authorization: Bearer TOKEN` metadata (UNAUTHENTICATED otherwise).
- `--oauth-issuer`: every call needs a JWT access token in `authorization` metadata, checked by the HTTP guard's
  own check (oauth_guard.AccessTokens: issuer keys, audience, scopes): UNAUTHENTICATED, or PERMISSION_DENIED for
  a token lacking a scope.
- Errors: A2A errors carry `google.rpc.ErrorInfo` (reason, domain `a2a-protocol.org`) in the status details.
- The port: `reserve_port` binds it before the card is built (P=0 picks one), with SO_REUSEPORT so grpc can
  bind the same port; the reservation is closed once grpc listens.

grpc is imported only by this module, and this module only when `--grpc-port` is given.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from a2acli.errors import UsageError

if TYPE_CHECKING:
    from a2acli.agent.oauth_guard import AccessTokens
    from a2acli.agent.options import ServeOptions

log = logging.getLogger("a2acli.serve")
# gRPC core's own INFO lines (every refused handshake) are not the server's log; errors only unless asked.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

#: seconds open calls get to finish at shutdown before they are cancelled
GRACE_SECONDS = 1.0


def grpc_available() -> bool:
    try:
        import grpc  # noqa: F401
    except ImportError:
        return False
    return True


def require_grpc() -> None:
    """The one-line error for `--grpc-port` without grpcio."""
    if not grpc_available():
        raise UsageError("--grpc-port needs gRPC support, which is not installed", hint="pip install 'a2acli[grpc]'")


def _bind_host(host: str) -> str:
    host = host.strip().strip("[]")
    return host or "0.0.0.0"


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind (host, port) for gRPC up front (0: a free port): a busy port is one clear error before anything
    starts, and the card can name the port. SO_REUSEPORT lets grpc's own listener bind it too."""
    bind = _bind_host(host)
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((bind, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen for gRPC on {host}:{port}: {exc.strerror or exc}",
            hint="pick another --grpc-port (0 picks a free one)",
        ) from None
    return sock


def resolve_port(options: ServeOptions) -> tuple[ServeOptions, socket.socket | None]:
    """`options` with its gRPC port bound (0 -> the free port picked), and the reservation holding it until
    the gRPC server listens (give it to `GrpcService.reservation`); no gRPC: `options` as is, None."""
    if options.grpc_port is None:
        return options, None
    import dataclasses

    require_grpc()
    reservation = reserve_port(options.host, options.grpc_port)
    return dataclasses.replace(options, grpc_port=int(reservation.getsockname()[1])), reservation


def grpc_target(options: ServeOptions) -> str:
    """The `host:port` the card advertises for gRPC: the host of the card's base URL, the gRPC port (TLS
    when the card's base URL is https: a bare host:port means TLS to a client, except on loopback)."""
    from urllib.parse import urlsplit

    host = urlsplit(options.base_url).hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{options.grpc_port}"


# ------------------------------------------------------------------------------------------------ auth


#: what an auth check answers for a call's `authorization` metadata (None: not sent): None lets the call through,
#: else (status code, details, trailing metadata) refuses it
Refusal = tuple[Any, str, tuple[tuple[str, str | bytes], ...]]
AuthCheck = Callable[[str | None], Awaitable[Refusal | None]]


def _bearer_check(token: str) -> AuthCheck:
    """`--bearer-token`: the one token, compared in constant time."""
    import grpc

    expected = token.encode()

    async def check(authorization: str | None) -> Refusal | None:
        raw = (authorization or "").encode()
        if raw[:7].lower() == b"bearer " and hmac.compare_digest(raw[7:].strip(), expected):
            return None
        return grpc.StatusCode.UNAUTHENTICATED, "authentication required: send authorization: Bearer <token>", ()

    return check


def _oauth_check(tokens: AccessTokens) -> AuthCheck:
    """`--oauth-issuer`: the HTTP guard's own check (oauth_guard.AccessTokens), its 401 / 403 as UNAUTHENTICATED /
    PERMISSION_DENIED, its RFC 6750 challenge as `www-authenticate` trailing metadata."""
    import grpc

    from a2acli.agent.oauth_guard import Rejected

    async def check(authorization: str | None) -> Refusal | None:
        try:
            await tokens.authorize(authorization or "")
        except Rejected as exc:
            code = grpc.StatusCode.PERMISSION_DENIED if exc.status == 403 else grpc.StatusCode.UNAUTHENTICATED
            return code, exc.description, (("www-authenticate", exc.challenge(tokens.issuer.scopes)),)
        return None

    return check


def _metadata(details: Any, name: str) -> str | None:
    """One metadata value of a call, as text."""
    for key, value in details.invocation_metadata or ():
        if key.lower() == name:
            return value if isinstance(value, str) else bytes(value).decode("latin-1")
    return None


def _auth_interceptor(check: AuthCheck) -> Any:
    """Every call's `authorization` metadata asked of `check` before the call's handler runs."""

    async def ask(details: Any) -> Refusal | None:
        return await check(_metadata(details, "authorization"))

    return _refusing_interceptor(ask)


def _version_interceptor() -> Any:
    """The `A2A-Version` check the SDK does for HTTP only: a call to lf.a2a.v1.A2AService whose metadata names a
    version other than 1.x gets VersionNotSupportedError, with UNIMPLEMENTED (the TCK's table; A2A 1.0.1 lists
    FAILED_PRECONDITION: the ErrorInfo reason VERSION_NOT_SUPPORTED names it either way)."""
    import grpc
    from google.protobuf import any_pb2
    from google.rpc import error_details_pb2, status_pb2

    async def ask(details: Any) -> Refusal | None:
        version = _metadata(details, "a2a-version")
        if version is None or not str(details.method or "").startswith("/lf.a2a.v1.A2AService/"):
            return None
        if version.strip().lstrip("vV").split(".")[0] == "1":
            return None
        message = f"A2A version {version.strip()[:40]!r} is not served on lf.a2a.v1.A2AService (A2A 1.x)"
        code = grpc.StatusCode.UNIMPLEMENTED
        status = status_pb2.Status(code=code.value[0], message=message)
        detail = any_pb2.Any()
        detail.Pack(error_details_pb2.ErrorInfo(reason="VERSION_NOT_SUPPORTED", domain="a2a-protocol.org"))
        status.details.append(detail)
        return code, message, (("grpc-status-details-bin", status.SerializeToString()),)

    return _refusing_interceptor(ask)


def _refusing_interceptor(check: Callable[[Any], Awaitable[Refusal | None]]) -> Any:
    """A server interceptor that asks `check` of every call's details before its handler runs, and answers the
    refusal it returns (status, message, trailing metadata) in place of the handler."""
    import grpc
    import grpc.aio

    class RefusingInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
        async def intercept_service(
            self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any
        ) -> Any:
            handler = await continuation(handler_call_details)
            if handler is None:
                return handler
            refusal = await check(handler_call_details)
            if refusal is None:
                return handler
            code, details, trailers = refusal

            async def _refuse(request: Any, context: Any) -> Any:
                if trailers:
                    context.set_trailing_metadata(trailers)
                await context.abort(code, details)

            if handler.response_streaming:

                async def _refuse_stream(request: Any, context: Any) -> Any:
                    await _refuse(request, context)
                    yield  # pragma: no cover - abort raises

                return grpc.unary_stream_rpc_method_handler(
                    _refuse_stream,
                    request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer,
                )
            return grpc.unary_unary_rpc_method_handler(
                _refuse,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )

    return RefusingInterceptor()


# ------------------------------------------------------------------------------------------------ the service


def _server_credentials(options: ServeOptions) -> Any:
    """`--tls-cert/--tls-key [--client-ca]` as gRPC server credentials (TLS, mutual with a client CA); None
    without --tls-cert (plaintext, like the HTTP bindings). The files were checked by agent/tls.py."""
    if options.tls_cert is None:
        return None
    from pathlib import Path

    import grpc

    cert = Path(options.tls_cert).expanduser().read_bytes()
    key = Path(options.tls_key).expanduser().read_bytes() if options.tls_key else cert
    ca = Path(options.client_ca).expanduser().read_bytes() if options.client_ca else None
    return grpc.ssl_server_credentials([(key, cert)], root_certificates=ca, require_client_auth=ca is not None)


class GrpcService:
    """The gRPC server of one `a2a serve`, started and stopped by the app's lifespan."""

    def __init__(
        self,
        options: ServeOptions,
        handler: Any,
        reservation: socket.socket | None = None,
        *,
        tokens: AccessTokens | None = None,
    ) -> None:
        self.options = options
        self.handler = handler
        self.reservation = reservation
        self.tokens = tokens  # --oauth-issuer's check, shared with the HTTP guard
        self.server: Any = None

    async def start(self) -> None:
        import grpc.aio
        from a2a.types import a2a_pb2_grpc

        options = self.options
        channel_options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", options.max_body_bytes),
            ("grpc.so_reuseport", 1),
        ]
        if options.max_header_bytes:
            channel_options.append(("grpc.max_metadata_size", options.max_header_bytes))
        interceptors = []
        if options.bearer_token:
            interceptors.append(_auth_interceptor(_bearer_check(options.bearer_token)))
        if self.tokens is not None:
            interceptors.append(_auth_interceptor(_oauth_check(self.tokens)))
        interceptors.append(_version_interceptor())
        server = grpc.aio.server(interceptors=interceptors, options=channel_options)
        if options.serves_v10:
            from a2a.server.request_handlers.grpc_handler import GrpcHandler

            a2a_pb2_grpc.add_A2AServiceServicer_to_server(GrpcHandler(self.handler), server)  # type: ignore[no-untyped-call]
        if options.serves_v03:
            from a2a.compat.v0_3 import a2a_v0_3_pb2_grpc
            from a2a.compat.v0_3.grpc_handler import CompatGrpcHandler

            a2a_v0_3_pb2_grpc.add_A2AServiceServicer_to_server(CompatGrpcHandler(self.handler), server)  # type: ignore[no-untyped-call]
        host = _bind_host(options.host)
        address = f"[{host}]:{options.grpc_port}" if ":" in host else f"{host}:{options.grpc_port}"
        try:
            credentials = _server_credentials(options)
            if credentials is None:
                bound = server.add_insecure_port(address)
            else:
                bound = server.add_secure_port(address, credentials)
        except RuntimeError as exc:
            raise UsageError(f"cannot listen for gRPC on {address}: {exc}") from None
        finally:
            if self.reservation is not None:
                self.reservation.close()
                self.reservation = None
        await server.start()
        self.server = server
        log.info("gRPC listening on %s:%s", host, bound)

    async def stop(self) -> None:
        if self.reservation is not None:
            self.reservation.close()
            self.reservation = None
        server, self.server = self.server, None
        if server is not None:
            with contextlib.suppress(Exception):
                await server.stop(GRACE_SECONDS)
