"""The gRPC wire: an operation's 1.0 request -> the a2a-sdk's proto -> grpcio -> the reply as A2A 1.0 JSON.

The third column of the operation table (`operations.Grpc`), spoken over one `grpc.aio` channel per connection:

- A2A 1.0 (`lf.a2a.v1.A2AService`): the request JSON is parsed into the rpc's request message (`ParseDict`; the
  1.0 JSON request *is* the proto message in JSON), the reply printed back with `MessageToDict`: the same 1.0 JSON
  the other bindings give, so renderers, the turn and resume see no difference.
- A2A 0.3 (`a2a.v1.A2AService`): the a2a-sdk's compat client (`CompatGrpcTransport`) converts the 1.0 request to
  the 0.3 proto and its reply back to 1.0, on the same channel.
- Metadata: the connection's headers, lower-cased (A2A-Version, A2A-Extensions, credentials, --svc-param).
- Channel: TLS unless the target is loopback (`grpcs://`/`https://` force TLS, `grpc://`/`http://` plaintext,
  `--insecure` plaintext, warned), with `--cacert` as the roots and `--cert`/`--key` as the client identity.
- Limits and time: replies over `A2ACLI_MAX_EVENT_BYTES` are refused; `--timeout` is the call's gRPC deadline
  (the turn's own deadline says when it expires), an idle stream ends after `A2ACLI_READ_TIMEOUT`.
- Failures: a gRPC status with `google.rpc.ErrorInfo` details is the A2A error it names (read as the HTTP+JSON
  binding reads its `google.rpc.Status`), else by status code; a stream cut mid-way is `StreamDroppedError`
  (the turn resubscribes), a server that is not gRPC or a TLS mismatch is unreachable (exit 3).

Imported only when an interface is gRPC: importing it imports grpc.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

# gRPC core's own log lines (handshake failures, GOAWAYs at INFO) would land on stderr next to the one-line
# error; errors only, unless the user asks for more.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc
import grpc.aio
from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage

from a2acli.client.wire import (
    MAX_BODY_BYTES,
    StreamDroppedError,
    invalid_response,
    max_event_bytes,
    read_timeout,
    rest_error,
)
from a2acli.errors import (
    A2ACliError,
    AuthFailedError,
    CredentialsMissingError,
    DeadlineExpired,
    InternalError,
    ProtocolError,
    TimeoutExpiredError,
    UnreachableError,
    UsageError,
)
from a2acli.net import is_loopback_host
from a2acli.protocol import JSONObject, JSONValue, StreamResponse
from a2acli.render.sanitize import clean_line

if TYPE_CHECKING:
    from a2acli.client.credentials import Credentials
    from a2acli.client.interfaces import Interface
    from a2acli.client.operations import Call
    from a2acli.settings import ConnectionSettings

_DEBUG_LIMIT = 4000
_DROPPED = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED})
# What an A2A error's ErrorInfo is read as: the HTTP+JSON binding's google.rpc.Status JSON.
_DETAILS_KEY = "grpc-status-details-bin"


# ------------------------------------------------------------------------------------------------ the target


def parse_target(url: str) -> tuple[str, bool | None]:
    """(`host:port`, TLS wanted) of an interface URL: `grpcs://` / `https://` -> TLS, `grpc://` / `http://` ->
    plaintext, a bare `host:port` -> None (TLS unless loopback)."""
    text = url.strip()
    tls: bool | None = None
    scheme, sep, rest = text.partition("://")
    if sep:
        low = scheme.lower()
        if low in ("grpcs", "https"):
            tls = True
        elif low in ("grpc", "http"):
            tls = False
        else:
            raise UsageError(f"unsupported gRPC interface URL {url!r}", hint="host:port, grpc:// or grpcs://")
        text = rest
    text = text.split("/", 1)[0]
    if not text:
        raise invalid_response(f"the card's gRPC interface URL {url!r} names no host")
    return text, tls


def _host_of(target: str) -> str:
    if target.startswith("["):
        return target[1 : target.find("]")] if "]" in target else target
    return target.rsplit(":", 1)[0] if target.count(":") == 1 else target


def _read(path: str) -> bytes:
    from pathlib import Path

    return Path(path).expanduser().read_bytes()


def _identity(settings: ConnectionSettings) -> tuple[bytes | None, bytes | None]:
    """(private key PEM, certificate chain PEM) from `--cert`/`--key`, checked as the HTTP client checks them."""
    from a2acli.client.tls import client_identity

    identity = client_identity(settings)
    if identity is None:
        return None, None
    chain = identity.cert.read_bytes()
    key = (identity.key or identity.cert).read_bytes()
    if identity.password or b"ENCRYPTED" in key:
        from cryptography.hazmat.primitives import serialization

        try:
            loaded = serialization.load_pem_private_key(key, (identity.password or "").encode() or None)
        except TypeError:
            raise CredentialsMissingError(
                f"the private key {identity.key or identity.cert} is encrypted",
                hint="give its password with A2ACLI_KEY_PASSWORD (or --key-password)",
            ) from None
        except ValueError:
            raise AuthFailedError(
                f"cannot decrypt the private key {identity.key or identity.cert}: wrong password",
                hint="check A2ACLI_KEY_PASSWORD / --key-password",
            ) from None
        key = loaded.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    return key, chain


def channel_credentials(target: str, tls: bool | None, settings: ConnectionSettings) -> Any:
    """The channel's TLS credentials, or None for plaintext (see the module docstring)."""
    if tls is None:
        if settings.insecure:
            tls = False
        else:
            tls = not is_loopback_host(_host_of(target)) or bool(settings.cacert or settings.cert)
    if not tls:
        return None
    roots = None
    if settings.cacert:
        from a2acli.client.tls import _readable

        roots = _readable("--cacert", settings.cacert).read_bytes()
    key, chain = _identity(settings)
    return grpc.ssl_channel_credentials(root_certificates=roots, private_key=key, certificate_chain=chain)


# ------------------------------------------------------------------------------------------------ errors


def _status_document(err: grpc.aio.AioRpcError) -> JSONObject | None:
    """The `google.rpc.Status` of the trailers (`grpc-status-details-bin`) as the HTTP+JSON binding's error JSON."""
    from google.rpc import error_details_pb2, status_pb2  # noqa: F401  (registers ErrorInfo for the Any)

    for key, value in err.trailing_metadata() or ():
        if key == _DETAILS_KEY and isinstance(value, bytes):
            try:
                status = status_pb2.Status.FromString(value)
                doc = json_format.MessageToDict(status)
            except Exception:  # a malformed or unknown detail: read by status code instead
                return None
            return {"error": {**doc, "status": err.code().name}}
    return None


def _legacy_name(details: str) -> tuple[str, str] | None:
    """0.3 servers (the a2a-sdk's compat handler) say `TaskNotFoundError: message` in the status details."""
    from a2acli.client.wire import A2A_ERROR_NAMES

    name, sep, rest = details.partition(": ")
    if sep and name in A2A_ERROR_NAMES:
        return name, rest
    return None


def _error_info_reason(doc: JSONObject | None) -> str | None:
    error = doc.get("error") if doc else None
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else ():
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.ErrorInfo"):
            reason = detail.get("reason")
            return reason if isinstance(reason, str) else None
    return None


def rpc_error(
    err: grpc.aio.AioRpcError,
    *,
    target: str,
    credentials: Credentials,
    timeout: float | None,
    started: bool,
    tls: bool = False,
    presents_certificate: bool = False,
) -> A2ACliError:
    """The typed error for a failed call (`started`: events were already received on this stream); an A2A error
    (`ProtocolError`) keeps the call's gRPC status code name and ErrorInfo reason (`grpc_status`, `grpc_reason`)."""
    typed = _typed_error(
        err,
        target=target,
        credentials=credentials,
        timeout=timeout,
        started=started,
        tls=tls,
        presents_certificate=presents_certificate,
    )
    if isinstance(typed, ProtocolError):
        typed.grpc_status = err.code().name
        typed.grpc_reason = _error_info_reason(_status_document(err))
    return typed


def _typed_error(
    err: grpc.aio.AioRpcError,
    *,
    target: str,
    credentials: Credentials,
    timeout: float | None,
    started: bool,
    tls: bool = False,
    presents_certificate: bool = False,
) -> A2ACliError:
    code = err.code()
    details = clean_line(str(err.details() or ""))[:300]
    doc = _status_document(err)
    if doc is not None:
        return rest_error(code.value[0], doc)
    legacy = _legacy_name(details)
    if legacy is not None:
        return ProtocolError(legacy[0], legacy[1] or legacy[0], a2a_code=code.value[0])
    low = details.lower()
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        if timeout is not None:
            return DeadlineExpired(f"--timeout {timeout:g}s expired before the agent answered")
        return TimeoutExpiredError(
            f"the agent at {target} sent nothing in time", hint="raise A2ACLI_READ_TIMEOUT for slow agents"
        )
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        supplied, hint = credentials.failure_hint()
        what = "authentication required" if code == grpc.StatusCode.UNAUTHENTICATED else "access denied"
        message = f"the agent answered gRPC {code.name}: {what}" + (f" ({details})" if details else "")
        if supplied:
            return AuthFailedError(message, a2a_code=code.value[0], hint=hint)
        return CredentialsMissingError(message, a2a_code=code.value[0], hint=hint)
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED and "larger than max" in low:
        import re

        sizes = re.search(r"\((\d+) vs\. (\d+)\)", details)
        limit = max_event_bytes()
        if sizes is None or int(sizes.group(2)) == max(limit, 1024):  # our own receive limit
            return invalid_response(f"the agent's reply exceeds the {limit}-byte limit ({details})")
        return InternalError(
            f"the agent refused the request as too large: {details}", a2a_code=code.value[0], hint="send less"
        )
    connect_failed = "failed to connect" in low
    if connect_failed and tls and any(w in low for w in ("socket closed", "reset", "eof")):
        # The TLS server hung up in the handshake: what a server requiring client certificates does to a
        # client without an acceptable one (a refused server certificate says so instead: see below).
        if presents_certificate:
            return AuthFailedError(
                f"the agent at {target} closed the TLS connection in the handshake: it refused the client certificate",
                hint="check that --cert is issued by a CA the agent trusts",
            )
        return CredentialsMissingError(
            f"the agent at {target} closed the TLS connection in the handshake: it requires a client certificate",
            hint="pass --cert FILE --key FILE (or set A2ACLI_CERT / A2ACLI_KEY)",
        )
    if (
        not connect_failed
        and code in _DROPPED
        and any(w in low for w in ("stream removed", "reset", "socket closed", "eof", "goaway"))
    ):
        return StreamDroppedError(f"the gRPC stream from {target} broke off: {details or code.name}")
    if code == grpc.StatusCode.UNAVAILABLE and not started:
        if "http1" in low or "http/1" in low:
            return UnreachableError(
                f"{target} is not a gRPC endpoint: it answered HTTP/1.x",
                hint="the card's GRPC interface URL points at an HTTP server; try --transport JSONRPC",
            )
        if "ssl" in low or "tls" in low or "handshake" in low or "certificate" in low:
            return UnreachableError(
                f"TLS handshake with {target} failed: {details}",
                hint="check the certificate (--cacert); a plaintext agent on another host needs --insecure "
                "or a grpc:// URL",
            )
        return UnreachableError(
            f"cannot reach {target} over gRPC: {details or code.name}",
            hint="is the agent running at that address? (a TLS agent on loopback: pass --cacert)",
        )
    if started and (code in _DROPPED or (code in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN))):
        return StreamDroppedError(f"the gRPC stream from {target} broke off: {code.name} {details}".strip())
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return ProtocolError(
            "UnsupportedOperationError",
            f"the agent at {target} does not implement this rpc ({details or code.name})",
            a2a_code=code.value[0],
        )
    if code == grpc.StatusCode.INTERNAL and ("protocol" in low or "frame" in low or "parse" in low):
        return invalid_response(f"the agent's gRPC reply is malformed: {details}", a2a_code=code.value[0])
    status = {"code": code.value[0], "status": code.name, "message": details or code.name}
    return rest_error(code.value[0], {"error": status})  # by status code, A2A-named or A2ACLI_ERR_INTERNAL


# ------------------------------------------------------------------------------------------------ the wire

# 0.3 rpc -> the a2a-sdk compat client's method (it converts 1.0 <-> 0.3 protos).
_COMPAT_METHODS = {
    "SendMessage": "send_message",
    "SendStreamingMessage": "send_message_streaming",
    "GetTask": "get_task",
    "CancelTask": "cancel_task",
    "TaskSubscription": "subscribe",
    "CreateTaskPushNotificationConfig": "create_task_push_notification_config",
    "GetTaskPushNotificationConfig": "get_task_push_notification_config",
    "ListTaskPushNotificationConfig": "list_task_push_notification_configs",
    "DeleteTaskPushNotificationConfig": "delete_task_push_notification_config",
    "GetAgentCard": "get_extended_agent_card",
}


def _v10_method(name: str) -> Any:
    from a2a.types import a2a_pb2

    return a2a_pb2.DESCRIPTOR.services_by_name["A2AService"].methods_by_name[name]


def _message_class(descriptor: Any) -> type[ProtoMessage]:
    from google.protobuf import message_factory

    cls: type[ProtoMessage] = message_factory.GetMessageClass(descriptor)
    return cls


class GrpcWire:
    """gRPC calls to one interface, with the connection's metadata, credentials and limits on each."""

    def __init__(
        self,
        interface: Interface,
        settings: ConnectionSettings,
        headers: dict[str, str],
        credentials: Credentials,
        *,
        debug_out: Callable[[str], None] | None = None,
    ) -> None:
        self.interface = interface
        self.settings = settings
        self.credentials = credentials
        self.target, self.tls = parse_target(interface.url)
        self.metadata = _metadata(headers, credentials)
        self.debug_out = debug_out
        self.max_bytes = max_event_bytes()
        self.read_timeout = read_timeout()
        self._channel: grpc.aio.Channel | None = None
        self._tls = False
        self._compat: Any = None

    # ---------------------------------------------------------------- channel

    def channel(self) -> grpc.aio.Channel:
        if self._channel is None:
            creds = channel_credentials(self.target, self.tls, self.settings)
            self._tls = creds is not None
            options = [
                ("grpc.max_receive_message_length", max(self.max_bytes, 1024)),
                ("grpc.max_send_message_length", MAX_BODY_BYTES),
                ("grpc.primary_user_agent", "a2acli"),
                ("grpc.enable_retries", 0),
            ]
            if creds is None:
                self._channel = grpc.aio.insecure_channel(self.target, options=options)
            else:
                self._channel = grpc.aio.secure_channel(self.target, creds, options=options)
        return self._channel

    async def aclose(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None:
            await channel.close()

    def _compat_client(self) -> Any:
        if self._compat is None:
            from a2a.compat.v0_3.grpc_transport import CompatGrpcTransport

            self._compat = CompatGrpcTransport(self.channel(), None)
        return self._compat

    # ---------------------------------------------------------------- requests

    def _debug(self, text: str) -> None:
        if self.debug_out is not None:
            if len(text) > _DEBUG_LIMIT:
                text = text[:_DEBUG_LIMIT] + f"… ({len(text)} chars)"
            self.debug_out(text)

    def _request(self, call: Call, descriptor: Any) -> ProtoMessage:
        message = _message_class(descriptor)()
        try:
            json_format.ParseDict(call.body if isinstance(call.body, dict) else {}, message)
        except json_format.ParseError as exc:
            raise UsageError(f"the request cannot be sent over gRPC: {exc}") from None
        if self.debug_out is not None:
            self._debug(f"debug: > GRPC {self.target} {call.verb}")
            for key, value in self.metadata:
                self._debug(f"debug: > {key}: {value}")
            self._debug("debug: > " + json.dumps(call.body, ensure_ascii=False, separators=(",", ":")))
        return message

    def _error(self, exc: BaseException, started: bool = False) -> A2ACliError:
        rpc = exc if isinstance(exc, grpc.aio.AioRpcError) else exc.__cause__
        if isinstance(rpc, grpc.aio.AioRpcError):
            if self.debug_out is not None:
                self._debug(f"debug: < GRPC {rpc.code().name} {clean_line(str(rpc.details() or ''))[:300]}")
            return rpc_error(
                rpc,
                target=self.target,
                credentials=self.credentials,
                timeout=self.settings.timeout,
                started=started,
                tls=self._tls,
                presents_certificate=self.settings.cert is not None,
            )
        if isinstance(exc, A2ACliError):
            return exc
        return InternalError(f"gRPC call to {self.target} failed: {clean_line(str(exc))[:300]}")

    def _reply(self, message: ProtoMessage) -> JSONObject:
        doc: JSONObject = json_format.MessageToDict(message)
        if self.debug_out is not None:
            self._debug("debug: < " + json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
        return doc

    def _timeout(self) -> float:
        return self.settings.timeout if self.settings.timeout is not None else self.read_timeout

    async def unary(self, call: Call) -> JSONValue:
        """One unary rpc (`call.verb` is its path); the reply as 1.0 JSON (None for Empty)."""
        method = call.verb.rpartition("/")[2]
        try:
            if self.interface.legacy:
                reply = await self._compat_unary(call, method)
            else:
                descriptor = _v10_method(method)
                request = self._request(call, descriptor.input_type)
                rpc = self.channel().unary_unary(
                    call.verb,
                    request_serializer=type(request).SerializeToString,
                    response_deserializer=_message_class(descriptor.output_type).FromString,
                )
                reply = await rpc(request, metadata=self.metadata, timeout=self._timeout())
        except (grpc.aio.AioRpcError, grpc.aio.UsageError) as exc:
            raise self._error(exc) from None
        except A2ACliError:
            raise
        except Exception as exc:  # the compat client's own errors, raised from the gRPC error
            raise self._error(exc) from None
        if call.empty:
            return None
        if reply is None:  # grpcio could not deserialize it
            raise invalid_response(f"the agent's gRPC reply to {method} is not the message A2A defines")
        return self._reply(reply)

    async def _compat_unary(self, call: Call, method: str) -> ProtoMessage | None:
        from a2a.client.client import ClientCallContext

        compat = self._compat_client()
        descriptor = _v10_method(_V10_OF_V03[method])
        request = self._request(call, descriptor.input_type)
        context = ClientCallContext(service_parameters=dict(self.metadata), timeout=self._timeout())
        reply: ProtoMessage | None = await getattr(compat, _COMPAT_METHODS[method])(request, context=context)
        return reply

    async def stream(self, call: Call) -> AsyncIterator[StreamResponse]:
        """A server-streaming rpc; each event as a 1.0 StreamResponse dict."""
        method = call.verb.rpartition("/")[2]
        started = False
        try:
            if self.interface.legacy:
                from a2a.client.client import ClientCallContext

                descriptor = _v10_method(_V10_OF_V03[method])
                request = self._request(call, descriptor.input_type)
                context = ClientCallContext(service_parameters=dict(self.metadata))
                events = getattr(self._compat_client(), _COMPAT_METHODS[method])(request, context=context)
                iterator = events.__aiter__()
                while True:
                    try:
                        event = await asyncio.wait_for(iterator.__anext__(), self.read_timeout)
                    except StopAsyncIteration:
                        return
                    started = True
                    yield self._event(event)
            descriptor = _v10_method(method)
            request = self._request(call, descriptor.input_type)
            rpc = self.channel().unary_stream(
                call.verb,
                request_serializer=type(request).SerializeToString,
                response_deserializer=_message_class(descriptor.output_type).FromString,
            )
            stream = rpc(request, metadata=self.metadata, timeout=self.settings.timeout)
            idle = _IdleWatch(stream, self.read_timeout)
            try:
                while True:
                    try:
                        event = await stream.read()
                    except asyncio.CancelledError:
                        if idle.fired:
                            raise TimeoutError from None
                        raise
                    if event is grpc.aio.EOF:
                        if not started:
                            # a stream with no event at all, ended with OK: nothing was answered
                            raise StreamDroppedError(f"the gRPC stream from {self.target} ended without an event")
                        return
                    idle.last = idle.loop.time()
                    started = True
                    yield self._event(event)
            finally:
                idle.close()
                stream.cancel()
        except TimeoutError:
            from a2acli.client.events import silent_stream

            raise silent_stream(self.read_timeout) from None
        except A2ACliError:
            raise
        except (grpc.aio.AioRpcError, grpc.aio.UsageError) as exc:
            raise self._error(exc, started) from None
        except Exception as exc:
            raise self._error(exc, started) from None

    def _event(self, message: ProtoMessage | None) -> StreamResponse:
        if message is None:  # grpcio could not deserialize it
            raise invalid_response("the agent sent a gRPC message that is not an A2A StreamResponse")
        doc = self._reply(message)
        if len(doc) != 1:
            raise invalid_response("the agent sent a gRPC StreamResponse with no payload")
        return doc  # type: ignore[return-value]


class _IdleWatch:
    """Cancels a streaming call once nothing arrived for `seconds`: one timer re-armed from the time of the last
    event (an `asyncio.wait_for` per event would cost a task per event on the hot path)."""

    def __init__(self, call: Any, seconds: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.call = call
        self.seconds = seconds
        self.last = self.loop.time()
        self.fired = False
        self.handle = self.loop.call_later(seconds, self._check)

    def _check(self) -> None:
        idle = self.loop.time() - self.last
        if idle >= self.seconds:
            self.fired = True
            self.call.cancel()
        else:
            self.handle = self.loop.call_later(self.seconds - idle, self._check)

    def close(self) -> None:
        self.handle.cancel()


_V10_OF_V03 = {
    "SendMessage": "SendMessage",
    "SendStreamingMessage": "SendStreamingMessage",
    "GetTask": "GetTask",
    "CancelTask": "CancelTask",
    "TaskSubscription": "SubscribeToTask",
    "CreateTaskPushNotificationConfig": "CreateTaskPushNotificationConfig",
    "GetTaskPushNotificationConfig": "GetTaskPushNotificationConfig",
    "ListTaskPushNotificationConfig": "ListTaskPushNotificationConfigs",
    "DeleteTaskPushNotificationConfig": "DeleteTaskPushNotificationConfig",
    "GetAgentCard": "GetExtendedAgentCard",
}


_NOT_METADATA = frozenset({"user-agent", "host", "content-type", "te", "connection", "accept"})


def _metadata(headers: dict[str, str], credentials: Credentials) -> tuple[tuple[str, str], ...]:
    """The connection's headers as gRPC metadata (lower-case keys; HTTP-only headers left out); an API key the
    card places in the query or a cookie travels as metadata under its name (gRPC has neither)."""
    out: list[tuple[str, str]] = []
    for key, value in headers.items():
        low = key.lower()
        if low in _NOT_METADATA or low.startswith((":", "grpc-")):
            continue
        out.append((low, value))
    for key, value in credentials.params.items():
        out.append((key.lower(), value))
    if credentials.cookies:
        out.append(("cookie", "; ".join(f"{k}={v}" for k, v in credentials.cookies.items())))
    return tuple(out)
