"""The one httpx client of a command, what goes on every request, and every failure mapped to a typed error.

connect/DNS/TLS -> UnreachableError, 401/403 -> CredentialsMissingError / AuthFailedError with a hint from the
card's security schemes, idle read -> TimeoutExpiredError, a connection that breaks off -> StreamDroppedError,
a reply that is not A2A -> InvalidAgentResponseError, an A2A error -> ProtocolError by its A2A name.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

import httpx

from a2acli.errors import (
    A2A_ERRORS_BY_JSONRPC_CODE,
    A2ACliError,
    AuthFailedError,
    CredentialsMissingError,
    DeadlineExpired,
    ExitStatus,
    InternalError,
    ProtocolError,
    TimeoutExpiredError,
    UnreachableError,
    UsageError,
    protocol_error_from_jsonrpc,
    protocol_error_from_rest,
)
from a2acli.protocol import JSONObject, JSONValue
from a2acli.redact import redact
from a2acli.render.sanitize import clean_line
from a2acli.render.writers import diag, warn_insecure
from a2acli.settings import DEFAULT_MAX_EVENT_BYTES, DEFAULT_READ_TIMEOUT, parse_duration

if TYPE_CHECKING:
    from a2acli.client.credentials import Credentials
    from a2acli.settings import ConnectionSettings

MAX_BODY_BYTES = 64 * 1024 * 1024
T = TypeVar("T")
_DEBUG_LIMIT = 4000


class StreamDroppedError(A2ACliError):
    """The event stream broke off (connection reset, truncated event, closed early) before a terminal state.

    Raised by the stream iterators so callers can recover (resubscribe / poll GetTask) before reporting it.
    """

    code = "A2ACLI_ERR_UNREACHABLE"
    exit_status = ExitStatus.UNREACHABLE


def invalid_response(message: str, *, a2a_code: str | int | None = None) -> ProtocolError:
    return ProtocolError(
        "InvalidAgentResponseError",
        message,
        a2a_code=a2a_code,
        hint="the agent's reply does not follow the A2A protocol; run with --debug to see the wire",
    )


# ------------------------------------------------------------------------------------------------ limits


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        parsed = parse_duration(raw, name=name)
        return default if parsed is None else parsed
    if value <= 0:
        raise UsageError(f"invalid {name}: {raw!r}", hint="a positive number")
    return value


def max_event_bytes() -> int:
    """Per-event cap (`A2ACLI_MAX_EVENT_BYTES`, default 16 MiB): memory stays bounded whatever the agent sends."""
    return int(_env_number("A2ACLI_MAX_EVENT_BYTES", DEFAULT_MAX_EVENT_BYTES))


def read_timeout() -> float:
    """Idle read timeout (`A2ACLI_READ_TIMEOUT`, default 300 s): the longest silence tolerated from an agent."""
    return _env_number("A2ACLI_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)


# ------------------------------------------------------------------------------------------------ JSON replies


def normalized(fn: Callable[[object], T], value: object) -> T:
    """`fn(value)` for a 0.x normaliser, its ValueError reported as the agent's fault."""
    try:
        return fn(value)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise invalid_response(f"cannot read the agent's A2A 0.x reply: {exc}") from None


def json_or_none(body: bytes | str) -> JSONValue:
    if not body.strip():
        return None
    try:
        doc: JSONValue = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return doc


def rpc_result(doc: JSONValue) -> JSONValue:
    """The `result` of a JSON-RPC response, or its error raised as the typed error."""
    if not isinstance(doc, dict):
        raise invalid_response("the agent's reply is not a JSON-RPC response object")
    if "result" in doc and doc.get("error") is None:
        return doc["result"]
    raise rpc_error(doc)


def rpc_error(doc: JSONObject) -> ProtocolError:
    err = doc.get("error")
    if isinstance(err, dict):
        return jsonrpc_error(err)
    return invalid_response("the agent's JSON-RPC response has neither a result nor an error")


A2A_ERROR_NAMES = frozenset(A2A_ERRORS_BY_JSONRPC_CODE.values())
UNNAMED_AGENT_ERROR = "A2ACLI_ERR_INTERNAL"


def a2a_named(err: ProtocolError) -> ProtocolError:
    """`err` when it carries an A2A error name; else the SPEC's catch-all code (Appendix D: "any condition with no
    better code"), the agent's own code kept in `a2aCode` (SPEC §11.4: no invented names, none copied from the
    agent into `code`)."""
    if err.code in A2A_ERROR_NAMES:
        return err
    agent_code = err.a2a_code
    if err.code != "UnknownA2AError" and isinstance(err.code, str):
        agent_code = err.code  # an agent-chosen name (0.3 HTTP+JSON `type`): the agent's code, not an A2A one
    shown = f"{agent_code!r}" if isinstance(agent_code, str) else str(agent_code)
    return ProtocolError(
        UNNAMED_AGENT_ERROR,
        err.message,
        a2a_code=agent_code,
        data=err.data,
        hint=f"the agent answered with error code {shown}, which A2A does not define (its message says what failed)",
    )


def jsonrpc_error(error: object) -> ProtocolError:
    """A JSON-RPC `error` member as the typed error, by its A2A name (see `a2a_named`)."""
    return a2a_named(protocol_error_from_jsonrpc(error))


def rest_error(status: int, body: object) -> ProtocolError:
    """An HTTP+JSON error body as the typed error, by its A2A name (see `a2a_named`)."""
    return a2a_named(protocol_error_from_rest(status, body))


def reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _origin(request: httpx.Request) -> str:
    url = request.url
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


def _invalid_token(challenge: str) -> bool:
    """A 401 whose challenge says the token is invalid or expired (RFC 6750 §3.1), or names no error at all."""
    low = challenge.lower()
    return "error=" not in low or "invalid_token" in low


def _transport_error(exc: Exception, request: httpx.Request) -> A2ACliError:
    from a2acli.client.tls import tls_failure

    why = reason(exc)
    origin = _origin(request)
    alert = tls_failure(exc, origin) if request.url.scheme == "https" else None
    if alert is not None:
        return alert
    if isinstance(exc, httpx.ConnectError):
        low = why.lower()
        if "ssl" in low or "certificate" in low or "tls" in low:
            return UnreachableError(
                f"TLS handshake with {origin} failed: {why}",
                hint="check the certificate; --cacert FILE trusts a private CA, --insecure skips verification"
                " (development only)",
            )
        return UnreachableError(f"cannot reach {origin}: {why}", hint="is the agent running at that address?")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return StreamDroppedError(f"the agent at {origin} closed the connection: {why}")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return UnreachableError(
            f"unsupported agent URL {request.url}: {why}", hint="the card's interface URL must be http(s)"
        )
    return UnreachableError(f"request to {origin} failed: {why}")


# ------------------------------------------------------------------------------------------------ the wire


class Wire:
    """Requests to one interface over the command's httpx client: same headers, credentials and limits on each."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        credentials: Credentials,
        *,
        connect_timeout: float,
        debug: bool = False,
    ) -> None:
        self.client = client
        self.headers = headers
        self.credentials = credentials
        self.connect_timeout = connect_timeout
        self.debug = debug
        self.max_event_bytes = max_event_bytes()
        self.read_timeout = read_timeout()

    # ---------------------------------------------------------------- debug

    def debug_out(self, text: str) -> None:
        if len(text) > _DEBUG_LIMIT:
            text = text[:_DEBUG_LIMIT] + f"… ({len(text)} chars)"
        diag(redact(text))

    def _debug_request(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> None:
        self.debug_out(f"debug: > {method} {url}")
        for key, value in headers.items():
            self.debug_out(f"debug: > {key}: {value}")
        if body:
            self.debug_out("debug: > " + body.decode("utf-8", "replace"))

    # ---------------------------------------------------------------- requests

    def build(
        self,
        method: str,
        url: str,
        *,
        body: object = None,
        query: Mapping[str, str] | None = None,
        accept: str = "application/json",
    ) -> httpx.Request:
        headers = dict(self.headers)
        headers["Accept"] = accept
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        params = dict(self.credentials.params)
        if query:
            params.update(query)
        if self.debug:
            shown = url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
            self._debug_request(method, shown, headers, content)
        return self.client.build_request(
            method,
            url,
            content=content,
            headers=headers,
            params=params or None,
            cookies=self.credentials.cookies or None,
            timeout=httpx.Timeout(self.read_timeout, connect=self.connect_timeout),
        )

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send `request`; the response's body is still to be read (and the response closed) by the caller.

        With a stored login, its (refreshed when expired) token goes in the request; a 401 `invalid_token` renews
        it and the request is sent once more.
        """
        session = self.credentials.session
        if session is None:
            return await self._send(request)
        renewed_before = session.refreshed
        request.headers["Authorization"] = await session.header(self.client)
        if self.debug and session.refreshed and not renewed_before:
            self.debug_out(f"debug: the stored token for {session.agent} had expired: renewed it")
        response = await self._send(request)
        if response.status_code == 401 and _invalid_token(response.headers.get("www-authenticate", "")):
            renewed = await session.after_rejection(self.client)
            if renewed is not None:
                await response.aclose()
                request.headers["Authorization"] = renewed
                if self.debug:
                    self.debug_out("debug: the agent refused the stored token: renewed it, sending again")
                response = await self._send(request)
        return response

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise UnreachableError(
                    f"timed out connecting to {_origin(request)}", hint="is the agent running at that address?"
                ) from None
            raise TimeoutExpiredError(
                f"the agent sent nothing for {self.read_timeout:g}s ({request.method} {request.url.path})",
                hint="raise A2ACLI_READ_TIMEOUT for slow agents",
            ) from None
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
                from a2acli.client.tls import dropped_after_handshake

                dropped = await dropped_after_handshake(self.client, str(request.url))
                if dropped is not None:
                    raise dropped from None
            raise _transport_error(exc, request) from None

    async def read_body(self, response: httpx.Response, limit: int) -> bytes:
        """The whole (decoded) body, refused once it outgrows `limit`: an agent cannot make us hold more."""
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise invalid_response(f"the agent's reply is larger than {limit} bytes")
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise TimeoutExpiredError(
                f"the agent stopped sending for {self.read_timeout:g}s", hint="raise A2ACLI_READ_TIMEOUT"
            ) from None
        except httpx.HTTPError as exc:
            raise StreamDroppedError(
                f"the connection to the agent broke while reading its reply: {reason(exc)}"
            ) from None
        return b"".join(chunks)

    async def check_status(self, response: httpx.Response) -> None:
        """Raise the typed error for a non-2xx answer (reads a capped body)."""
        status = response.status_code
        if 200 <= status < 300:
            return
        body = await self.read_body(response, min(self.max_event_bytes, 1024 * 1024))
        raise self.status_error(status, response.headers, body, response.request.url.path)

    async def call(self, request: httpx.Request) -> JSONValue:
        """One request with a JSON answer (None for an empty body)."""
        response = await self.send(request)
        try:
            await self.check_status(response)
            body = await self.read_body(response, max(self.max_event_bytes, MAX_BODY_BYTES))
        finally:
            await response.aclose()
        if self.debug:
            self.debug_out(f"debug: < HTTP {response.status_code}")
            self.debug_out("debug: < " + body.decode("utf-8", "replace"))
        if not body.strip():
            return None
        try:
            doc: JSONValue = json.loads(body)
        except (ValueError, RecursionError):
            ctype = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
            raise invalid_response(f"the agent's reply is not JSON ({ctype})") from None
        return doc

    # ---------------------------------------------------------------- status mapping

    def status_error(self, status: int, headers: Mapping[str, str], body: bytes, path: str) -> A2ACliError:
        """The typed error for a non-2xx answer whose (capped) body is `body`."""
        if self.debug:
            self.debug_out(f"debug: < HTTP {status} {headers.get('content-type', '')}")
            self.debug_out("debug: < " + body.decode("utf-8", "replace"))
        if status in (401, 403):
            supplied, hint = self.credentials.failure_hint()
            challenge = headers.get("www-authenticate", "")
            if challenge:
                hint += f" (server asks: {clean_line(challenge)[:200]})"
            what = "authentication required" if status == 401 else "access denied"
            if supplied:
                return AuthFailedError(f"the agent answered HTTP {status}: {what}", a2a_code=status, hint=hint)
            return CredentialsMissingError(f"the agent answered HTTP {status}: {what}", a2a_code=status, hint=hint)
        if 300 <= status < 400:
            location = headers.get("location", "")
            return UnreachableError(
                f"the agent answered HTTP {status} (a redirect{' to ' + location[:200] if location else ''})",
                a2a_code=status,
                hint="point --agent-card at the final address; A2A requests are not redirected",
            )
        doc = json_or_none(body)
        if isinstance(doc, dict):
            err = _error_document(status, doc, path)
            if err is not None:
                return err
        ctype = headers.get("content-type", "").split(";")[0].strip() or "no content type"
        hint = "the agent failed; run with --debug to see its reply"
        if status == 429 or status == 503:
            retry = headers.get("retry-after")
            hint = (
                f"the agent is overloaded or rate limiting; retry after {retry.strip()[:20]}s"
                if retry
                else "the agent is overloaded or rate limiting; retry later"
            )
        if status == 404:
            hint = "no A2A endpoint at that URL: check the card's interface URL (see `a2a card get`)"
        return InternalError(
            f"the agent answered HTTP {status} ({ctype}), not an A2A response", a2a_code=status, hint=hint
        )


def _error_document(status: int, doc: JSONObject, path: str) -> ProtocolError | None:
    """The A2A error a non-2xx JSON body names (JSON-RPC, HTTP+JSON `google.rpc.Status`, or 0.3 `type`)."""
    err = _agent_error(status, doc, path)
    return None if err is None else a2a_named(err)


def _agent_error(status: int, doc: JSONObject, path: str) -> ProtocolError | None:
    error = doc.get("error")
    if isinstance(error, dict):
        if "code" in error and doc.get("jsonrpc") == "2.0":
            return protocol_error_from_jsonrpc(error)
        err = protocol_error_from_rest(status, doc)
        code = error.get("code")
        if err.code == "UnknownA2AError" and isinstance(code, int) and code < 0:
            err = protocol_error_from_jsonrpc(error)
        if err.code == "UnknownA2AError" and status == 404:
            err = ProtocolError(
                "TaskNotFoundError" if "/tasks/" in path else "MethodNotFoundError", err.message, a2a_code=status
            )
        return err
    legacy_type = doc.get("type")
    if isinstance(legacy_type, str) and legacy_type.endswith("Error"):
        message = doc.get("message")
        return ProtocolError(
            legacy_type, message if isinstance(message, str) and message else legacy_type, a2a_code=status
        )
    return None


# ------------------------------------------------------------------------------------------------ the client


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def make_http_client(settings: ConnectionSettings) -> httpx.AsyncClient:
    """The one HTTP client of a command. TLS verification is on unless --insecure (which warns).

    Building a verifying SSL context loads the CA bundle (tens of ms); a plain-http agent never needs it, so
    the https transport is created on first use (unless a proxy is configured from the environment). With
    `--cert`/`--cacert` the contexts are built (and their files checked) now, and the client certificate goes
    only to the agent's origins (client/tls.py).
    """
    from a2acli.client.card_resolver import agent_origins
    from a2acli.client.tls import client_tls, register_client

    if settings.insecure:
        warn_insecure(credentials=bool(settings.bearer or settings.api_key or settings.basic or settings.cert))
    timeout = httpx.Timeout(read_timeout(), connect=settings.connect_timeout)
    tls = client_tls(settings)
    if tls is not None:
        router = _CertificateRouter(tls.agent, tls.other)
        client = httpx.AsyncClient(transport=router, timeout=timeout, follow_redirects=False, trust_env=True)
        router.origins = register_client(client, settings, tls, agent_origins(settings.agent_card))
        return client
    if any(os.environ.get(v) or os.environ.get(v.upper()) for v in _PROXY_VARIABLES):
        client = httpx.AsyncClient(
            verify=not settings.insecure, timeout=timeout, follow_redirects=False, trust_env=True
        )
        register_client(client, settings, None, agent_origins(settings.agent_card))
        return client
    verify = not settings.insecure

    class LazyTransport(httpx.AsyncBaseTransport):
        """The https transport, built on its first request."""

        def __init__(self) -> None:
            self._transport: httpx.AsyncBaseTransport | None = None

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if self._transport is None:
                self._transport = httpx.AsyncHTTPTransport(verify=verify)
            return await self._transport.handle_async_request(request)

        async def aclose(self) -> None:
            if self._transport is not None:
                await self._transport.aclose()

    client = httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(verify=False),  # mounted for http:// only: it never speaks TLS
        mounts={"https://": LazyTransport()},
        timeout=timeout,
        follow_redirects=False,
        trust_env=True,
    )
    register_client(client, settings, None, agent_origins(settings.agent_card))
    return client


class _CertificateRouter(httpx.AsyncBaseTransport):
    """Two transports: the one presenting the client certificate for the agent's origins (a set the connection
    grows with the selected interface's origin), the other for every other host (a token endpoint, a JWKS)."""

    def __init__(self, agent: ssl.SSLContext, other: ssl.SSLContext) -> None:
        self.origins: set[str] = set()
        self.agent = httpx.AsyncHTTPTransport(verify=agent, trust_env=True)
        self.other = self.agent if agent is other else httpx.AsyncHTTPTransport(verify=other, trust_env=True)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        from a2acli.client.tls import origin_of

        chosen = self.agent if origin_of(str(request.url)) in self.origins else self.other
        return await chosen.handle_async_request(request)

    async def aclose(self) -> None:
        await self.agent.aclose()
        if self.other is not self.agent:
            await self.other.aclose()


@contextlib.asynccontextmanager
async def deadline(seconds: float | None, what: str = "before the task finished") -> AsyncIterator[None]:
    """Apply `--timeout` to a block: expiry raises DeadlineExpired (exit 5), which nothing retries."""
    if seconds is None:
        yield
        return

    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise DeadlineExpired(f"--timeout {seconds:g}s expired {what}") from None
