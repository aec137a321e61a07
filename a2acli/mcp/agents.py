"""Which agent a tool call may reach, and with which settings.

An MCP client is driven by a model: the agent reference in a tool call is the model's word, not the user's. So a
call reaches only the agents the user pinned with `--agent REF`, unless the user started the server with
`--allow-any-agent`; then any http(s) agent, but a local file only when pinned (a model must not read the user's
files through "card" references), and stdin never (on stdio it carries the MCP protocol itself).

The credentials are the user's configuration (flags, A2ACLI_* variables, .env files; the `a2a auth` store is
attached by the credential layer). The configured ones go to pinned agents only: an agent the model picked under
`--allow-any-agent` is never sent a token the user meant for another.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from a2acli.errors import UsageError

if TYPE_CHECKING:
    from a2acli.settings import ConnectionSettings

_WELL_KNOWN = ("/.well-known/agent-card.json", "/.well-known/agent.json")


@dataclass(frozen=True)
class Target:
    """One agent a call may reach: the reference as pinned (or given), and the settings to reach it with."""

    reference: str
    settings: ConnectionSettings
    pinned: bool


def reference_key(ref: str) -> str:
    """What two spellings of one agent share: `127.0.0.1:8001`, `http://127.0.0.1:8001/` and its card URL are one
    key; a file is its resolved path. Raises the resolver's typed error for a reference that names nothing."""
    from a2acli.client.card_resolver import classify_reference

    classified = classify_reference(ref)
    if classified.kind == "file":
        return "file:" + str(Path(classified.value).expanduser().resolve())
    if classified.kind == "stdin":
        return "stdin"
    parts = urlsplit(classified.value)
    path = parts.path
    for suffix in _WELL_KNOWN:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    netloc = parts.netloc.lower()
    default_port = {"http": ":80", "https": ":443"}.get(parts.scheme.lower(), "")
    if default_port and netloc.endswith(default_port):
        netloc = netloc[: -len(default_port)]
    return urlunsplit((parts.scheme.lower(), netloc, path.rstrip("/"), parts.query, ""))


class AgentPolicy:
    """The pins, the `--allow-any-agent` choice and the user's connection settings; `target(ref)` per call."""

    def __init__(self, pins: tuple[str, ...], base: ConnectionSettings, *, allow_any: bool) -> None:
        from a2acli.settings import resolve_agent_reference

        # `--agent catalog:NAME` pins the entry's agent (its reference, resolved once, at start).
        self.pins = tuple(dict.fromkeys(resolve_agent_reference(p.strip())[0] for p in pins if p.strip()))
        self.allow_any = allow_any
        self.base = base
        self._keys = {reference_key(pin): pin for pin in self.pins}  # a broken pin fails at start, not per call
        if "stdin" in self._keys:
            raise UsageError("--agent - is not possible here: stdin carries the MCP protocol", hint="pin a URL or file")
        if not self.pins and not allow_any:
            raise UsageError(
                "no agent to offer: pin at least one with --agent REF, or pass --allow-any-agent",
                hint="e.g. a2a mcp --agent http://127.0.0.1:8001",
            )

    def describe(self) -> str:
        pinned = ", ".join(self.pins) or "none"
        return f"pinned agents: {pinned}" + ("; any other http(s) agent is allowed" if self.allow_any else "")

    def target(self, ref: str | None, *, timeout: float | None = None) -> Target:
        """The agent a call names (None: the one pinned agent), or a usage error saying why it is refused."""
        from a2acli.settings import check_card_reference

        given = (ref or "").strip()
        if not given:
            if len(self.pins) == 1:
                return self._pinned(self.pins[0], timeout)
            raise UsageError(
                "name the agent: " + (f"one of {', '.join(self.pins)}" if self.pins else "a URL or host[:port]"),
                hint="pass the `agent` argument",
            )
        if given == "-":
            raise UsageError("stdin is not an agent reference here", hint="pass a URL or host[:port]")
        check_card_reference(given)
        key = reference_key(given)
        pin = self._keys.get(key)
        if pin is not None:
            return self._pinned(pin, timeout)
        if not self.allow_any:
            raise UsageError(
                f"agent {given!r} is not one of the agents this server offers ({', '.join(self.pins)})",
                hint="only the user can add one: a2a mcp --agent REF (or --allow-any-agent)",
            )
        if key.startswith(("file:", "stdin")):
            raise UsageError(
                f"agent {given!r} is a local file that was not pinned: files are read only when pinned with --agent",
                hint="pass the agent's URL",
            )
        # None of the user's credentials (the trust in --cacert is no credential: it stays).
        settings = dataclasses.replace(
            self.base,
            agent_card=given,
            bearer=None,
            api_key=None,
            svc_params=(),
            basic=None,
            cert=None,
            key=None,
            key_password=None,
            timeout=timeout,
        )
        return Target(given, settings, pinned=False)

    def _pinned(self, pin: str, timeout: float | None) -> Target:
        return Target(pin, dataclasses.replace(self.base, agent_card=pin, timeout=timeout), pinned=True)
