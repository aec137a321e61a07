"""Push-notification URL policy of the demo agent: it calls only loopback hosts, plus `--push-allow-host` ones.

The SDK's own validator does the opposite (it blocks loopback, for public servers); a local demo agent
must reach local webhooks and nothing else unless told.

The policy is enforced where it matters, at delivery: the server never sends a request to a host outside
it. At configuration time only the URL's shape is checked (http(s), a host, no credentials, a valid
port), so a well-formed config for another host is stored (as A2A clients and the TCK expect) with a
warning in the server log saying its deliveries will be skipped.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable, Callable

from a2acli.net import is_loopback_host

logger = logging.getLogger("a2acli.agent.push")


def _well_formed_host(url: str) -> str | None:
    """The lower-cased host of an http(s) URL with no credentials and a valid port, else None."""
    try:
        parsed = urllib.parse.urlsplit(url)
        _ = parsed.port  # raises on a bad port
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    if parsed.username is not None or parsed.password is not None:
        return None
    return parsed.hostname.lower().rstrip(".")


def push_url_well_formed(url: str) -> bool:
    """Whether a push config may be stored: http(s), a host, no credentials in the URL, a valid port."""
    return _well_formed_host(url) is not None


def push_url_allowed(url: str, allow_hosts: frozenset[str] = frozenset()) -> bool:
    """Whether the server may POST to `url`: well formed, and a loopback or allow-listed host."""
    host = _well_formed_host(url)
    if host is None:
        return False
    return host in allow_hosts or is_loopback_host(host)


PushUrlValidator = Callable[[str], Awaitable[bool]]


def make_push_url_validators(
    allow_hosts: tuple[str, ...] | list[str] = (),
) -> tuple[PushUrlValidator, PushUrlValidator]:
    """(config-time validator, delivery-time validator) for the SDK's `push_url_validator` hooks."""
    allowed = frozenset(h.strip().lower().rstrip(".").strip("[]") for h in allow_hosts if h.strip())

    async def at_config(url: str) -> bool:
        if not push_url_well_formed(url):
            return False
        if not push_url_allowed(url, allowed):
            logger.warning(
                "push config for %s stored, but its host is outside the delivery policy (loopback and "
                "--push-allow-host): no notification will be sent to it",
                _well_formed_host(url),
            )
        return True

    async def at_delivery(url: str) -> bool:
        if push_url_allowed(url, allowed):
            return True
        logger.warning("push notification to %s skipped: host outside the delivery policy", _well_formed_host(url))
        return False

    return at_config, at_delivery
