"""Resolve an Agent Card reference to a parsed card document (shared by every command that talks to an agent).

A reference (`-a/--agent-card`, SPEC §7.2, §10.1) is one of:

- ``-``: the card is read from standard input;
- ``file:///path/card.json`` or a filesystem path (``./card.json``, ``/abs/card.json``, ``~/card.json``, or any
  existing file; a bare ``name.json`` that does not exist is reported as a missing file, not looked up as a host);
- ``http(s)://host[:port]`` or ``.../`` (an origin): ``/.well-known/agent-card.json`` is fetched and, on 404, the
  0.2 path ``/.well-known/agent.json``;
- ``http(s)://host/some/card/url``: used as is (on 404, when the path does not end in ``.json``, it is also tried
  as an agent base URL with the well-known paths appended — agents mounted below a path prefix);
- a bare ``host``, ``host:port``, ``[v6]:port`` or ``host/path``: the same, with the scheme chosen for you —
  ``http`` for loopback hosts (``localhost``, ``*.localhost``, ``127.0.0.0/8``, ``::1``), where ``a2a serve``
  and local development agents listen without TLS, and ``https`` for every other host, so a name typed without a
  scheme never sends anything in clear text over a network. Spell out ``http://`` to reach a LAN agent without TLS.

Fetching is careful: the body is streamed and capped (1 MiB by default; ``max_bytes`` or the
``A2ACLI_MAX_CARD_BYTES`` variable change it, also for decompressed gzip/deflate bodies), redirects are followed
by hand (at most 5, loops detected), credentials go to a card endpoint only when ``send_credentials`` is asked
for and the endpoint's 401/403 challenge (``WWW-Authenticate``) accepts them (never across origins), every
request carries ``A2A-Version``, and the whole fetch has a deadline.
Cards are cached per HTTP (see `CardCache`): fresh entries are used as they are, stale ones revalidated.
Failures are typed: no card at the reference -> ``CardNotFoundError`` (exit 3); a card that is not a JSON
object (HTML with status 200, truncated JSON, an array, too big) -> ``CardInvalidError`` (exit 1); no network,
TLS failure, HTTP 5xx -> ``UnreachableError`` (exit 3); 401/403 -> ``AuthFailedError`` (exit 4); deadline ->
``TimeoutExpiredError`` (exit 5).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import httpx

from a2acli import __version__
from a2acli.errors import (
    A2ACliError,
    AuthFailedError,
    CardInvalidError,
    CardNotFoundError,
    TimeoutExpiredError,
    UnreachableError,
)
from a2acli.net import is_loopback_host
from a2acli.redact import register_secret

if TYPE_CHECKING:
    from a2acli.settings import ConnectionSettings

WELL_KNOWN_PATH = "/.well-known/agent-card.json"
LEGACY_WELL_KNOWN_PATH = "/.well-known/agent.json"
DEFAULT_MAX_CARD_BYTES = 1024 * 1024
MAX_REDIRECTS = 5
DEFAULT_CARD_TIMEOUT = 30.0
CARD_A2A_VERSION = "1.0"
MAX_JSON_DEPTH = 64
_DIGITS = re.compile(r"^[0-9]{1,18}$")


@dataclass(frozen=True)
class ResolvedCard:
    """A card document and where it came from.

    `document` is the parsed JSON object, `raw` the exact bytes served (after transfer decoding), `source` the
    final URL (after redirects), the file path, or ``"stdin"``; `base_url` the origin (``scheme://host[:port]``)
    the card was served from, or None for a local card.
    """

    document: dict[str, Any]
    raw: bytes
    source: str
    base_url: str | None
    content_type: str | None = None
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------- references


@dataclass(frozen=True)
class CardReference:
    """A classified reference: kind is "stdin", "file" or "url"; for "url", `candidates` are tried in order."""

    kind: str
    value: str
    candidates: tuple[str, ...] = ()


def _looks_like_path(ref: str) -> bool:
    return ref.startswith(("/", "./", "../", "~", ".\\", "..\\")) or (
        len(ref) > 2 and ref[1] == ":" and ref[2] in "\\/"
    )


def classify_reference(ref: str) -> CardReference:
    """Decide what a reference names, without any I/O except checking whether a local file exists."""
    text = ref.strip()
    if not text:
        raise CardNotFoundError("empty agent card reference", hint="pass -a HOST[:PORT], a card URL or a file path")
    if text == "-":
        return CardReference("stdin", "-")
    lowered = text.lower()
    if lowered.startswith("file:"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise CardNotFoundError(f"file URL with a remote host is not supported: {text}")
        return CardReference("file", unquote(parts.path))
    if lowered.startswith(("http://", "https://")):
        return CardReference("url", text, _url_candidates(text))
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise CardNotFoundError(
            f"unsupported scheme {scheme!r} in agent card reference", hint="use http(s)://, file:// or a path"
        )
    if _looks_like_path(text) or Path(text).is_file():
        return CardReference("file", text)
    if lowered.endswith(".json") and "/" not in text:
        return CardReference("file", text)
    return CardReference("url", _bare_to_url(text), _url_candidates(_bare_to_url(text)))


def agent_origins(reference: str) -> set[str]:
    """The origins the user named with `--agent-card` (a URL or host[:port]); empty for a file or stdin."""
    from a2acli.client.tls import origin_of

    try:
        ref = classify_reference(reference)
    except A2ACliError:
        return set()
    return {origin_of(c) for c in ref.candidates if origin_of(c)} if ref.kind == "url" else set()


def _bare_to_url(text: str) -> str:
    """`host`, `host:port`, `[v6]:port`, `::1`, `host/path` -> a URL with http for loopback, https otherwise."""
    host_part, sep, rest = text.partition("/")
    if host_part.count(":") > 1 and not host_part.startswith("["):
        host_part = f"[{host_part}]"  # a bare IPv6 address without a port
    try:
        parts = urlsplit("//" + host_part)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise CardNotFoundError(f"invalid agent card reference: {text!r}") from None
    if not host:
        raise CardNotFoundError(f"invalid agent card reference: {text!r}")
    scheme = "http" if is_loopback_host(host) else "https"
    return f"{scheme}://{host_part}{sep}{rest}"


def _url_candidates(url: str) -> tuple[str, ...]:
    try:
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError
        _ = parts.port
    except ValueError:
        raise CardNotFoundError(f"invalid agent card URL: {url!r}") from None
    path = parts.path
    if path in ("", "/"):
        origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return (origin + WELL_KNOWN_PATH, origin + LEGACY_WELL_KNOWN_PATH)
    if path.endswith(".json") or "/.well-known/" in path or parts.query:
        return (url,)
    base = urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))
    return (url, base + WELL_KNOWN_PATH, base + LEGACY_WELL_KNOWN_PATH)


# ------------------------------------------------------------------------------------------------------ parsing


def _depth_ok(raw: bytes) -> bool:
    """Cheap bound on nesting before json.loads (which recurses): count brackets outside strings."""
    depth = 0
    in_string = False
    escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_card_bytes(raw: bytes, source: str, content_type: str | None = None) -> dict[str, Any]:
    """Bytes -> a JSON object, or CardInvalidError saying plainly what was served instead."""
    head = raw[:512].lstrip().lower()
    if (content_type and "html" in content_type.lower()) or head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise CardInvalidError(
            f"{source} served an HTML page, not an Agent Card",
            hint="check the address: the well-known path should return JSON (an agent behind a web app?)",
        )
    if not raw.strip():
        raise CardInvalidError(f"{source} returned an empty body, not an Agent Card")
    if not _depth_ok(raw):
        raise CardInvalidError(f"card from {source} is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CardInvalidError(f"card from {source} is not valid UTF-8 (byte {exc.start})") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise CardInvalidError(
            f"card from {source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise CardInvalidError(f"card from {source} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(doc), "a number")
        raise CardInvalidError(f"card from {source} is {kind}, not a JSON object")
    return doc


# ------------------------------------------------------------------------------------------------------ limits


def max_card_bytes(explicit: int | None = None) -> int:
    if explicit is not None:
        return explicit
    env = os.environ.get("A2ACLI_MAX_CARD_BYTES", "").strip()
    if env:
        try:
            value = int(env)
        except ValueError:
            from a2acli.errors import UsageError

            raise UsageError(
                f"invalid A2ACLI_MAX_CARD_BYTES: {env!r}", hint="a number of bytes, e.g. 1048576"
            ) from None
        if value > 0:
            return value
    return DEFAULT_MAX_CARD_BYTES


def _too_big(source: str, limit: int) -> CardInvalidError:
    return CardInvalidError(
        f"card from {source} is larger than {limit} bytes",
        hint="raise the limit with --max-card-bytes / A2ACLI_MAX_CARD_BYTES if this card is genuine",
    )


# ------------------------------------------------------------------------------------------------- local cards


def _read_local(path_text: str, limit: int) -> ResolvedCard:
    path = Path(path_text).expanduser()
    shown = str(path)
    try:
        if not path.exists():
            raise CardNotFoundError(f"no card file at {shown}", hint="check the path, or pass a URL or host:port")
        if path.is_dir():
            raise CardNotFoundError(f"{shown} is a directory, not a card file")
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise CardNotFoundError(f"cannot read card file {shown}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise _too_big(shown, limit)
    return ResolvedCard(parse_card_bytes(raw, shown), raw, shown, None)


def _read_stdin(limit: int) -> ResolvedCard:
    stream = getattr(sys.stdin, "buffer", None)
    try:
        raw = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode("utf-8")
    except OSError as exc:
        raise CardNotFoundError(f"cannot read the card from stdin: {exc}") from None
    if len(raw) > limit:
        raise _too_big("stdin", limit)
    return ResolvedCard(parse_card_bytes(raw, "stdin"), raw, "stdin", None)


# ------------------------------------------------------------------------------------------------------ network


class _NotThere(Exception):
    """A 404/410 at one candidate: try the next."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def _request_headers(conn: ConnectionSettings) -> dict[str, str]:
    return {
        "Accept": "application/json, application/a2a+json;q=0.9, */*;q=0.1",
        "Accept-Encoding": "gzip, deflate, identity",
        "A2A-Version": conn.a2a_version or CARD_A2A_VERSION,
        "User-Agent": f"a2acli/{__version__}",
    }


def _card_credentials(conn: ConnectionSettings, send_credentials: bool) -> dict[str, str]:
    """The credentials a card fetch may offer, each only to an endpoint whose challenge accepts it."""
    offer: dict[str, str] = {}
    if send_credentials:
        if conn.bearer:
            register_secret(conn.bearer)
            offer["Authorization"] = f"Bearer {conn.bearer}"
        if conn.api_key:
            register_secret(conn.api_key)
            offer["X-API-Key"] = conn.api_key
    return offer


_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "cookie")
# An auth-scheme token opening a challenge (RFC 9110 §11.6.1): at the start of the header or after a comma, and
# not a parameter name (those are followed by `=`).
_CHALLENGE_SCHEME = re.compile(r"(?:^|,)\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?=\s*(?:$|,|\s[^=,]))")
_API_KEY_SCHEMES = frozenset({"apikey", "api-key", "x-api-key"})


def _accepted(challenges: list[str], offer: dict[str, str]) -> dict[str, str]:
    """The offered credentials a 401/403's WWW-Authenticate challenges accept (A2ACLI_AUTH_008: a card endpoint
    gets a credential only once it has declared a scheme accepting it)."""
    schemes = {m.group(1).lower() for value in challenges for m in _CHALLENGE_SCHEME.finditer(value.strip())}
    accepted: dict[str, str] = {}
    if "bearer" in schemes and "Authorization" in offer:
        accepted["Authorization"] = offer["Authorization"]
    if schemes & _API_KEY_SCHEMES and "X-API-Key" in offer:
        accepted["X-API-Key"] = offer["X-API-Key"]
    return accepted


class _Decoder:
    """gzip/deflate decoding with a bound on the output of every step (decompression bombs stay bounded)."""

    def __init__(self, encoding: str, limit: int, source: str) -> None:
        self.limit = limit
        self.source = source
        self.out = bytearray()
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            self.zobj: Any = None
        elif enc in ("gzip", "x-gzip"):
            self.zobj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self.zobj = zlib.decompressobj()
        else:
            raise CardInvalidError(f"{source} used an unsupported content encoding {encoding!r}")

    def feed(self, chunk: bytes) -> None:
        if self.zobj is None:
            self.out += chunk
        else:
            data = chunk
            while data:
                try:
                    piece = self.zobj.decompress(data, self.limit + 1 - len(self.out))
                except zlib.error as exc:
                    raise CardInvalidError(f"card from {self.source} has a corrupt compressed body: {exc}") from None
                self.out += piece
                data = self.zobj.unconsumed_tail
                if len(self.out) > self.limit:
                    break
        if len(self.out) > self.limit:
            raise _too_big(self.source, self.limit)


class CardCache:
    """HTTP caching of fetched cards (A2A §8.6.2, SPEC §10.1): `Cache-Control: max-age` is honoured, and a stale
    entry with an `ETag` / `Last-Modified` is revalidated with a conditional request (304 -> the cached card).

    Entries live in `$XDG_CACHE_HOME/a2a-cli/cards/` (else `~/.cache/...`), keyed by card URL and `A2A-Version`.
    Nothing is cached for `no-store`, `Vary: *`, a redirected fetch or a fetch that carried credentials.
    `A2ACLI_CARD_CACHE=off` disables the cache.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def default(cls) -> CardCache | None:
        if os.environ.get("A2ACLI_CARD_CACHE", "").strip().lower() in ("0", "off", "false", "no"):
            return None
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return cls(Path(base) / "a2a-cli" / "cards")

    def _path(self, url: str, version: str) -> Path:
        return self.directory / (hashlib.sha256(f"{url}\n{version}".encode()).hexdigest() + ".json")

    def load(self, url: str, version: str, limit: int) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._path(url, version).read_text(encoding="utf-8"))
            body = base64.b64decode(entry["body"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(entry, dict) or entry.get("url") != url or len(body) > limit:
            return None
        entry["raw"] = body
        return entry

    def store(self, url: str, version: str, body: bytes, headers: Any) -> None:
        storable, max_age = cache_policy(headers)
        if not storable:
            return

        entry = {
            "url": url,
            "etag": headers.get("etag"),
            "lastModified": headers.get("last-modified"),
            "expires": time.time() + max_age if max_age else 0,
            "contentType": headers.get("content-type"),
            "body": base64.b64encode(body).decode("ascii"),
        }
        path = self._path(url, version)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entry), encoding="utf-8")
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written is no cache, not a failure

    def refresh(self, url: str, version: str, entry: dict[str, Any], headers: Any) -> None:
        """After a 304: keep the body, take the new freshness and validators (or the stored ones)."""
        self.store(url, version, entry["raw"], _Headers(entry, headers))


class _Headers:
    """Response headers of a 304, falling back to the stored entry's validators and content type."""

    def __init__(self, entry: dict[str, Any], headers: Any) -> None:
        self.entry = entry
        self.headers = headers

    def get(self, name: str, default: Any = None) -> Any:
        value = self.headers.get(name)
        if value is not None:
            return value
        stored = {"etag": "etag", "last-modified": "lastModified", "content-type": "contentType"}.get(name)
        return self.entry.get(stored, default) if stored else default


def cache_policy(headers: Any) -> tuple[bool, int]:
    """(storable, max-age seconds still fresh) from a response's Cache-Control, Age, Vary and validators."""
    directives: dict[str, str] = {}
    for part in str(headers.get("cache-control") or "").lower().split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name] = value.strip().strip('"')
    if "no-store" in directives or "*" in str(headers.get("vary") or ""):
        return False, 0
    max_age = 0
    raw_max_age = directives.get("max-age", "")
    if "no-cache" not in directives and _DIGITS.match(raw_max_age):
        age = str(headers.get("age") or "0").strip()
        max_age = max(0, int(raw_max_age) - (int(age) if _DIGITS.match(age) else 0))
    has_validator = bool(headers.get("etag") or headers.get("last-modified"))
    return (has_validator or max_age > 0), max_age


_CACHE_NOTES = ("from the local card cache", "revalidated the cached card")


def provenance_notes(notes: tuple[str, ...]) -> tuple[str, ...]:
    """The notes that describe where the card came from (legacy path, redirects, fallbacks), for the card
    view; notes about the local cache are diagnostics (shown under --debug), not part of the card."""
    return tuple(note for note in notes if not note.startswith(_CACHE_NOTES))


async def _fetch_one(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    limit: int,
    *,
    cache: CardCache | None = None,
    notes: list[str] | None = None,
    offer: dict[str, str] | None = None,
) -> tuple[bytes, str, str | None]:
    """GET one candidate following redirects by hand; returns (body, final url, content type). `offer`: the
    credentials presented, once, when this origin answers 401/403 with a challenge accepting them."""
    seen: set[str] = set()
    current = url
    request_headers = dict(headers)
    offer = dict(offer or {})
    version = headers.get("A2A-Version", "")
    entry = cache.load(url, version, limit) if cache is not None else None
    if entry is not None:
        if float(entry.get("expires") or 0) > time.time():
            if notes is not None:
                notes.append(f"from the local card cache (fresh for the server's max-age): {url}")
            return entry["raw"], url, entry.get("contentType")
        if entry.get("etag"):
            request_headers["If-None-Match"] = str(entry["etag"])
        if entry.get("lastModified"):
            request_headers["If-Modified-Since"] = str(entry["lastModified"])
    for _ in range(MAX_REDIRECTS + 1):
        if current in seen:
            raise CardNotFoundError(
                f"redirect loop while fetching the card at {url}", hint="the server redirects in a circle"
            )
        seen.add(current)
        try:
            async with client.stream("GET", current, headers=request_headers, follow_redirects=False) as resp:
                status = resp.status_code
                if status == 304 and entry is not None and current == url and cache is not None:
                    cache.refresh(url, version, entry, resp.headers)
                    if notes is not None:
                        notes.append(f"revalidated the cached card (HTTP 304): {url}")
                    return entry["raw"], url, entry.get("contentType")
                if status in (301, 302, 303, 307, 308):
                    location = resp.headers.get("location")
                    if not location:
                        raise UnreachableError(f"{current} answered HTTP {status} without a Location header")
                    target = urljoin(current, location.strip())
                    if urlsplit(target).scheme not in ("http", "https"):
                        raise CardNotFoundError(f"{current} redirected to an unsupported URL scheme")
                    if _origin(target) != _origin(current):
                        request_headers = {
                            k: v for k, v in request_headers.items() if k.lower() not in _CREDENTIAL_HEADERS
                        }
                        offer = {}
                    request_headers.pop("If-None-Match", None)
                    request_headers.pop("If-Modified-Since", None)
                    current = target
                    continue
                if status in (404, 410):
                    raise _NotThere(current)
                if status in (401, 403):
                    accepted = _accepted(resp.headers.get_list("www-authenticate"), offer)
                    if accepted:
                        request_headers.update(accepted)
                        offer = {}
                        seen.discard(current)
                        if notes is not None:
                            notes.append(f"{current} asked for {', '.join(accepted)}: presented")
                        continue
                    presented = any(k.lower() in _CREDENTIAL_HEADERS for k in request_headers)
                    raise AuthFailedError(
                        f"{current} answered HTTP {status}: the card needs credentials",
                        a2a_code=status,
                        hint=(
                            "the card endpoint rejected the credentials"
                            if presented
                            else "pass --bearer / --api-key with --card-credentials: they are presented when the"
                            " card endpoint's WWW-Authenticate challenge accepts them"
                        ),
                    )
                if status >= 400 or status < 200:
                    raise UnreachableError(
                        f"{current} answered HTTP {status} instead of an Agent Card", a2a_code=status
                    )
                content_type = resp.headers.get("content-type")
                declared = resp.headers.get("content-length")
                if (
                    declared
                    and _DIGITS.match(declared.strip())
                    and int(declared) > limit
                    and not resp.headers.get("content-encoding")
                ):
                    raise _too_big(current, limit)
                decoder = _Decoder(resp.headers.get("content-encoding", ""), limit, current)
                async for chunk in resp.aiter_raw():
                    decoder.feed(chunk)
                body = bytes(decoder.out)
                if cache is not None and current == url and status == 200 and body.lstrip()[:1] == b"{":
                    cache.store(url, version, body, resp.headers)
                return body, current, content_type
        except httpx.TimeoutException:
            raise TimeoutExpiredError(f"timed out fetching the card at {current}") from None
        except httpx.HTTPError as exc:
            from a2acli.client.tls import dropped_after_handshake, tls_failure

            alert = tls_failure(exc, _origin(current)) if current.lower().startswith("https:") else None
            if alert is None and isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
                alert = await dropped_after_handshake(client, current)
            if alert is not None:
                raise alert from None
            reason = str(exc) or type(exc).__name__
            untrusted = "certificate verify failed" in reason.lower()
            raise UnreachableError(
                f"cannot reach {_origin(current)}: {reason}",
                hint="trust the agent's CA with --cacert FILE (--insecure skips verification, development only)"
                if untrusted
                else "is the agent running at that address?",
            ) from None
    raise CardNotFoundError(f"too many redirects (>{MAX_REDIRECTS}) while fetching the card at {url}")


async def _fetch_http(
    ref: CardReference,
    conn: ConnectionSettings,
    client: httpx.AsyncClient | None,
    limit: int,
    send_credentials: bool,
) -> ResolvedCard:
    headers = _request_headers(conn)
    offer = _card_credentials(conn, send_credentials)
    deadline = conn.timeout if conn.timeout is not None else DEFAULT_CARD_TIMEOUT
    own = client is None
    if client is None:
        from a2acli.client.tls import client_tls, register_client

        tls = client_tls(conn)  # the card's origin is the agent's: it gets the client certificate
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(deadline, connect=min(conn.connect_timeout, deadline)),
            verify=tls.agent if tls is not None else not conn.insecure,
            trust_env=True,
        )
        register_client(client, conn, tls, agent_origins(ref.value))
    notes: list[str] = []
    cache = None if send_credentials else CardCache.default()
    first_invalid: CardInvalidError | None = None
    try:
        async with asyncio.timeout(deadline):
            for index, candidate in enumerate(ref.candidates):
                try:
                    raw, final, content_type = await _fetch_one(
                        client, candidate, headers, limit, cache=cache, notes=notes, offer=offer
                    )
                except _NotThere:
                    notes.append(f"HTTP 404 at {candidate}")
                    continue
                try:
                    doc = parse_card_bytes(raw, final, content_type)
                except CardInvalidError as exc:
                    # An HTML catch-all page at the first path: the next candidate may still hold the card.
                    if first_invalid is None:
                        first_invalid = exc
                    if index + 1 < len(ref.candidates) and "HTML" in exc.message:
                        notes.append(f"HTML page at {candidate}")
                        continue
                    raise first_invalid from None
                if final.endswith(LEGACY_WELL_KNOWN_PATH):
                    notes.append(f"served at the legacy 0.2 path {LEGACY_WELL_KNOWN_PATH}")
                if final != candidate:
                    notes.append(f"redirected from {candidate}")
                return ResolvedCard(doc, raw, final, _origin(final), content_type, tuple(notes))
    except TimeoutError:
        raise TimeoutExpiredError(
            f"timed out after {deadline:g}s fetching the card at {ref.value}", hint="raise --timeout"
        ) from None
    finally:
        if own:
            await client.aclose()
    if first_invalid is not None:
        raise first_invalid
    tried = ", ".join(urlsplit(c).path or "/" for c in ref.candidates)
    raise CardNotFoundError(
        f"no Agent Card at {ref.value} (HTTP 404 at {tried})",
        hint="check the address, or pass the full card URL with -a",
    )


async def resolve_card(
    ref: str,
    conn: ConnectionSettings,
    *,
    client: httpx.AsyncClient | None = None,
    max_bytes: int | None = None,
    send_credentials: bool = False,
) -> ResolvedCard:
    """Resolve `ref` (see the module docstring) to a card; raises the typed errors of `a2acli.errors`."""
    limit = max_card_bytes(max_bytes)
    card_ref = classify_reference(ref)
    if card_ref.kind == "stdin":
        return _read_stdin(limit)
    if card_ref.kind == "file":
        return _read_local(card_ref.value, limit)
    return await _fetch_http(card_ref, conn, client, limit, send_credentials)


def _https_unless_loopback(url: str, what: str, plain_http: str, hint: str) -> None:
    """A side document's URL (a key set, a catalog): http(s) with a host, and https unless the host is loopback."""
    parts = urlsplit(url)
    try:
        host = parts.hostname or ""
    except ValueError:
        host = ""
    if parts.scheme not in ("http", "https") or not host:
        raise CardNotFoundError(f"invalid {what} URL: {url!r}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise CardNotFoundError(f"refusing to fetch {plain_http} over plain http from {host}", hint=hint)


async def fetch_key_document(url: str, conn: ConnectionSettings, *, limit: int = 256 * 1024) -> bytes:
    """GET a JWKS (a `--jwks URL` or a signature's `jku`): https only, except loopback; capped; no credentials."""
    _https_unless_loopback(url, "key set", "keys", "keys must come over https (A2A §8.4.3)")
    headers = _request_headers(conn)
    headers["Accept"] = "application/jwk-set+json, application/json;q=0.9"
    deadline = conn.timeout if conn.timeout is not None else DEFAULT_CARD_TIMEOUT
    from a2acli.client.tls import client_tls

    tls = client_tls(conn)  # --cacert trusted; a key set's host is no agent origin: no client certificate
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(deadline, connect=min(conn.connect_timeout, deadline)),
        verify=tls.other if tls is not None else not conn.insecure,
        trust_env=True,
    ) as client:
        try:
            async with asyncio.timeout(deadline):
                raw, _, _ = await _fetch_one(client, url, headers, limit)
        except _NotThere:
            raise CardNotFoundError(f"no key set at {url} (HTTP 404)") from None
        except TimeoutError:
            raise TimeoutExpiredError(f"timed out fetching the key set at {url}") from None
    return raw


def fetch_catalog_document(url: str, *, limit: int) -> bytes:
    """GET an agent catalog (`A2ACLI_CATALOG=https://...`): https only, except loopback; capped; no credentials
    (the catalog is read before any agent is known, so nothing of the user's is sent). Synchronous: it runs before
    any other operation, from code that may itself be inside an event loop (`a2a mcp`), so it gets its own."""
    from concurrent.futures import ThreadPoolExecutor

    _https_unless_loopback(
        url, "catalog", "the catalog", "a catalog decides which agent you reach: serve it over https"
    )
    headers = {"Accept": "application/json", "Accept-Encoding": "gzip, deflate, identity"}
    headers["User-Agent"] = f"a2acli/{__version__}"

    async def fetch() -> bytes:
        deadline = DEFAULT_CARD_TIMEOUT
        async with httpx.AsyncClient(timeout=httpx.Timeout(deadline, connect=10.0), trust_env=True) as client:
            try:
                async with asyncio.timeout(deadline):
                    raw, _, _ = await _fetch_one(client, url, headers, limit)
            except _NotThere:
                raise CardNotFoundError(f"no catalog at {url} (HTTP 404)") from None
            except TimeoutError:
                raise TimeoutExpiredError(f"timed out fetching the catalog at {url}") from None
        return raw

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, fetch()).result()
