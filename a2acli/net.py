"""Pure network-name helpers: the one loopback predicate of the package, and the URL checks built on it.

A leaf module (standard library only, nothing of the package): card lint, the client, the push receiver and
the demo agent's push policy all ask the same question, so they must all get the same answer.

What counts as loopback, and why:

- `localhost` and any name under `.localhost` (RFC 6761 §6.3: resolvers must answer loopback for them, so no
  DNS server can point them elsewhere); ASCII letters, digits, `-` and `_` per label, any case, one trailing
  dot allowed (`localhost.` is the same name).
- IPv4 literals in 127.0.0.0/8, in dotted-quad form only (`ipaddress` rules: no `127.1`, no integers, no octal),
  because those other spellings are resolver-dependent.
- IPv6 `::1`, and IPv4-mapped IPv6 addresses whose IPv4 part is in 127/8 (`::ffff:127.0.0.1`): the socket layer
  sends them to the IPv4 loopback. The deprecated IPv4-compatible form (`::127.0.0.1`) is not loopback.
- Brackets are accepted around IPv6 literals only (`[::1]`), as in a URL's authority (RFC 3986).
- A zone id (`%eth0`, or `%25eth0` as RFC 6874 writes it inside a URL) is accepted on IPv6 literals only. On
  anything else `%` makes the host not loopback, so `127.0.0.1%25.evil.example` and `127.0.0.1%lo` are not.
- Not loopback: `localhost.localdomain`, `ip6-localhost` and other `/etc/hosts` conventions (ordinary DNS names
  anywhere else), `0.0.0.0` and `::` (unspecified, not loopback), empty strings, anything with whitespace,
  non-ASCII look-alikes. When unsure the answer is False: callers use it to relax a rule (plain http allowed,
  a push delivery allowed), so False is the safe side.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_LABEL = re.compile(r"^[A-Za-z0-9_-]+$")


def _ipv6_loopback(literal: str) -> bool:
    address, _, zone = literal.partition("%")
    if "%" in literal and not zone:
        return False
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return False
    if ip.is_loopback:
        return True
    mapped = ip.ipv4_mapped
    return mapped is not None and mapped.is_loopback


def is_loopback_host(host: str) -> bool:
    """Whether `host` (a URL's host, bracketed or not) names this machine's loopback interface.

    The rules, and why each one, are in this module's docstring.
    """
    if not host or host != host.strip() or not host.isascii():
        return False
    if host.startswith("[") or host.endswith("]"):
        if not (host.startswith("[") and host.endswith("]")):
            return False
        inner = host[1:-1]
        return ":" in inner and _ipv6_loopback(inner)
    if ":" in host:
        return _ipv6_loopback(host)
    if "%" in host:
        return False
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    labels = name.lower().split(".")
    return labels[-1] == "localhost" and all(_LABEL.match(label) for label in labels)


def url_host(url: str) -> str | None:
    """The host of a URL, lower-cased and without brackets (`urlsplit`), or None if it has none or is malformed."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a bad port makes the whole URL malformed
    except ValueError:
        return None
    host = parts.hostname
    return host or None


def is_loopback_url(url: str) -> bool:
    """Whether the host of `url` is loopback (see `is_loopback_host`); False for a malformed URL."""
    host = url_host(url)
    return host is not None and is_loopback_host(host)
