"""Push-notification URL policy of the demo agent: only loopback hosts, plus `--push-allow-host` ones.

The SDK's own validator does the opposite (it blocks loopback, for public servers); a local demo agent
must reach local webhooks and nothing else unless told.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Awaitable, Callable

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _is_loopback_literal(host: str) -> bool:
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    if mapped is not None:
        addr = mapped
    return bool(addr.is_loopback)


def push_url_allowed(url: str, allow_hosts: frozenset[str] = frozenset()) -> bool:
    """Whether the server may POST to `url`: http(s), no credentials in it, loopback or allow-listed host."""
    try:
        parsed = urllib.parse.urlsplit(url)
        _ = parsed.port  # raises on a bad port
    except ValueError:
        return False
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    if parsed.username is not None or parsed.password is not None:
        return False
    host = parsed.hostname.lower().rstrip(".")
    if host in allow_hosts:
        return True
    return host in LOOPBACK_NAMES or _is_loopback_literal(host)


def make_push_url_validator(allow_hosts: tuple[str, ...] | list[str] = ()) -> Callable[[str], Awaitable[bool]]:
    """An async validator for the SDK's `push_url_validator` hooks (checked at config time and at send time)."""
    allowed = frozenset(h.strip().lower().rstrip(".").strip("[]") for h in allow_hosts if h.strip())

    async def validate(url: str) -> bool:
        return push_url_allowed(url, allowed)

    return validate
