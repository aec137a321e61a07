"""Card -> interface: which URL, binding, protocol version and tenant a connection speaks.

Selection (SPEC §13): the highest protocol version both sides speak (1.0 before 0.3 before 0.2; 0.x only when
the card offers nothing newer; `--a2a-version` pins), then the first interface of that version whose binding the
client speaks, in `--transport` order when given, else in card order. Pure: no I/O.
"""

from __future__ import annotations

from typing import NamedTuple

from a2acli.errors import InternalError, ProtocolError, UsageError
from a2acli.protocol import CLIENT_BINDINGS, GRPC, HTTP_JSON, JSONRPC, V0_3, V1_0, JSONObject, normalize_binding

__all__ = [
    "GRPC",
    "HTTP_JSON",
    "JSONRPC",
    "Interface",
    "card_interfaces",
    "declared_interfaces",
    "select_interface",
    "version_key",
]


def version_key(value: object) -> tuple[int, int] | None:
    """'1.0.1' -> (1, 0); '0.3' -> (0, 3); garbage -> None."""
    if not isinstance(value, str) or not value.strip():
        return None
    bits = value.strip().lstrip("vV").split(".")
    try:
        major = int(bits[0])
        minor = int(bits[1]) if len(bits) > 1 and bits[1] else 0
    except ValueError:
        return None
    return (major, minor)


class Interface(NamedTuple):
    """The interface a connection speaks: where, which binding, which protocol version, which tenant."""

    url: str
    binding: str
    protocol_version: str
    tenant: str | None = None

    @property
    def legacy(self) -> bool:
        """True for 0.3 / 0.2 (0.3-style wire)."""
        key = version_key(self.protocol_version)
        return key is not None and key[0] < 1


def _join_url(base: str | None, url: str) -> str:
    if base and "://" not in url:
        import httpx

        return str(httpx.URL(base).join(url))
    return url


def card_interfaces(doc: JSONObject, base_url: str | None = None) -> list[Interface]:
    """Every interface a card declares (1.0 `supportedInterfaces`, else 0.3/0.2 `url` + `additionalInterfaces`)."""
    return [interface for _, interface in declared_interfaces(doc, base_url)]


Path = tuple[str | int, ...]


def declared_interfaces(doc: JSONObject, base_url: str | None = None) -> list[tuple[Path, Interface]]:
    """`card_interfaces` with where in the card each one is declared (`("supportedInterfaces", 2)`, `("url",)`,
    `("additionalInterfaces", 0)`): several interfaces may share one URL (a dual-version agent), their entries not."""
    found: list[tuple[Path, Interface]] = []
    supported = doc.get("supportedInterfaces")
    if isinstance(supported, list) and supported:
        for index, item in enumerate(supported):
            if not isinstance(item, dict):
                continue
            where = item.get("url")
            if not isinstance(where, str) or not where:
                continue
            binding = item.get("protocolBinding") or item.get("transport") or JSONRPC
            version = item.get("protocolVersion")
            tenant = item.get("tenant")
            binding = normalize_binding(str(binding))
            interface = Interface(
                where if binding == GRPC else _join_url(base_url, where),  # gRPC: host:port, never a path
                binding,
                version if isinstance(version, str) and version else V1_0,
                tenant if isinstance(tenant, str) and tenant else None,
            )
            found.append((("supportedInterfaces", index), interface))
        if found:
            return found
    url = doc.get("url")
    legacy_version = doc.get("protocolVersion")
    version = legacy_version if isinstance(legacy_version, str) and legacy_version else V0_3
    if isinstance(url, str) and url:
        main = normalize_binding(str(doc.get("preferredTransport") or JSONRPC))
        found.append((("url",), Interface(url if main == GRPC else _join_url(base_url, url), main, version)))
    extra = doc.get("additionalInterfaces")
    if isinstance(extra, list):
        for index, item in enumerate(extra):
            where = item.get("url") if isinstance(item, dict) else None
            if isinstance(item, dict) and isinstance(where, str) and where:
                kind = normalize_binding(str(item.get("transport") or JSONRPC))
                candidate = Interface(where if kind == GRPC else _join_url(base_url, where), kind, version)
                if all(candidate != known for _, known in found):
                    found.append((("additionalInterfaces", index), candidate))
    return found


GRPC_EXTRA = "pip install 'a2acli[grpc]'"


def grpc_installed() -> bool:
    """gRPC (the `grpc` extra) can be spoken: grpcio is installed (looked up, not imported)."""
    import importlib.util

    try:
        return importlib.util.find_spec("grpc") is not None
    except (ImportError, ValueError):
        return False


def spoken_bindings() -> tuple[str, ...]:
    """The bindings this installation speaks: CLIENT_BINDINGS, less GRPC without the grpc extra."""
    return CLIENT_BINDINGS if grpc_installed() else tuple(b for b in CLIENT_BINDINGS if b != GRPC)


def _speakable(interface: Interface, bindings: tuple[str, ...] = CLIENT_BINDINGS) -> tuple[int, int] | None:
    """The version the client would speak on this interface, or None if it cannot."""
    key = version_key(interface.protocol_version)
    if key is None or interface.binding not in bindings:
        return None
    if key[0] == 1:
        return (1, 0)
    if key[0] == 0 and key[1] in (2, 3):
        return key
    return None


def select_interface(
    doc: JSONObject,
    *,
    base_url: str | None = None,
    transports: tuple[str, ...] = (),
    a2a_version: str | None = None,
) -> tuple[Interface, list[str]]:
    """Pick the interface (SPEC §13.1, §13.2); returns it with notes for --debug."""
    interfaces = card_interfaces(doc, base_url)
    notes: list[str] = []
    if not interfaces:
        raise ProtocolError(
            "InvalidAgentResponseError",
            "the Agent Card declares no interface (no supportedInterfaces, no url)",
            hint="check the card with `a2a card get --validate`",
        )
    wanted = [normalize_binding(t) for t in transports if t.strip()]
    bindings = spoken_bindings()
    for binding in wanted:
        if binding not in CLIENT_BINDINGS:
            raise UsageError(f"unknown transport {binding!r}", hint="use JSONRPC, HTTP+JSON (alias REST) or GRPC")
    if GRPC in wanted and GRPC not in bindings:
        # An explicit transport this installation cannot speak is an error, never a silent substitute.
        raise UsageError(f"--transport GRPC needs gRPC support, which is not installed: {GRPC_EXTRA}")
    if GRPC not in bindings and any(i.binding == GRPC for i in interfaces):
        notes.append(f"the card's GRPC interfaces are skipped: gRPC support is not installed ({GRPC_EXTRA})")
    usable = [(i, v) for i in interfaces if (v := _speakable(i, bindings)) is not None]
    if not usable:
        offered = ", ".join(f"{i.binding} {i.protocol_version}" for i in interfaces)
        if not any(i.binding in bindings for i in interfaces):
            if any(i.binding == GRPC for i in interfaces):
                raise InternalError(
                    f"the agent only offers gRPC ({offered}) and gRPC support is not installed: {GRPC_EXTRA}"
                )
            raise InternalError(
                f"the agent offers no transport this client speaks ({offered})",
                hint="a2acli speaks JSONRPC, HTTP+JSON and GRPC",
            )
        raise ProtocolError(
            "VersionNotSupportedError",
            f"the agent offers no interface this client speaks ({offered})",
            hint="a2acli speaks JSONRPC, HTTP+JSON and GRPC on A2A 1.0 and 0.3 (JSON-RPC and HTTP+JSON on 0.2)",
        )
    if a2a_version:
        pin = version_key(a2a_version)
        if pin is None:
            raise UsageError(f"invalid --a2a-version {a2a_version!r}", hint="use 1.0 or 0.3")
        target = (1, 0) if pin[0] == 1 else pin
        candidates = [(i, v) for i, v in usable if v == target]
        if not candidates:
            offered = ", ".join(sorted({i.protocol_version for i, _ in usable}))
            raise ProtocolError(
                "VersionNotSupportedError",
                f"the agent does not offer A2A {a2a_version} (it offers {offered})",
                hint="drop --a2a-version to use the highest version both sides speak",
            )
    else:
        best = max(v for _, v in usable)
        candidates = [(i, v) for i, v in usable if v == best]
        if best < (1, 0):
            notes.append(
                f"the agent only speaks A2A {candidates[0][0].protocol_version}: using the legacy 0.x wire "
                "(results are normalised to A2A 1.0 JSON)"
            )
    chosen: Interface | None = None
    for binding in wanted:
        chosen = next((i for i, _ in candidates if i.binding == binding), None)
        if chosen is not None:
            break
    if chosen is None:
        if wanted:
            notes.append(f"none of --transport {', '.join(wanted)} is offered at this version; using card order")
        chosen = candidates[0][0]
    speak = next(v for i, v in candidates if i is chosen)
    spoken = f"{speak[0]}.{speak[1]}"
    if spoken != chosen.protocol_version:
        chosen = Interface(chosen.url, chosen.binding, spoken, chosen.tenant)
    notes.append(
        f"interface: {chosen.binding} {chosen.url} (A2A {chosen.protocol_version}"
        + (f", tenant {chosen.tenant}" if chosen.tenant else "")
        + ")"
    )
    return chosen, notes
