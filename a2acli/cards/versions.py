"""Which A2A protocol version(s) a card is written for, told from its layout and what it declares.

- "1.0": `supportedInterfaces` and no 0.3 connection fields;
- "0.3": `url` (+ `preferredTransport`, `additionalInterfaces`, `protocolVersion` 0.3.x) and no `supportedInterfaces`;
- "hybrid": both layouts at once (what the official SDK serves when an agent also speaks 0.3); a 1.0 card with a
  stray top-level `protocolVersion` but no `url` is a 1.0 card (0.3 clients could not use it anyway);
- "0.2": the 0.3 layout declaring `protocolVersion` 0.2.x, or a `url` card with none of the 0.3 additions;
- "unknown": neither layout (not an A2A card, or a card too broken to tell).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from a2acli.protocol import JSONObject

LEGACY_CONNECTION_FIELDS = ("url", "preferredTransport", "additionalInterfaces", "protocolVersion")
LEGACY_ONLY_FIELDS = (*LEGACY_CONNECTION_FIELDS, "security", "supportsAuthenticatedExtendedCard")
VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?$")


@dataclass(frozen=True)
class VersionInfo:
    kind: str  # "1.0" | "0.3" | "hybrid" | "0.2" | "unknown"
    declared: tuple[str, ...] = ()  # protocol versions the card states, deduplicated, in card order
    evidence: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return {
            "1.0": "A2A 1.0",
            "0.3": "A2A 0.3",
            "hybrid": "hybrid (A2A 1.0 + 0.3 fields)",
            "0.2": "A2A 0.2 (legacy)",
            "unknown": "unknown (not recognisably an A2A card)",
        }[self.kind]

    @property
    def short(self) -> str:
        return {"hybrid": "hybrid (1.0 + 0.3)", "0.2": "0.2 (legacy)", "unknown": "unknown"}.get(self.kind, self.kind)

    def to_dict(self) -> JSONObject:
        return {"detected": self.kind, "label": self.label, "declared": list(self.declared)}


def major_minor(version: object) -> str | None:
    """'1.0.2' -> '1.0'; None for anything that is not a version string."""
    if not isinstance(version, str):
        return None
    match = VERSION_RE.match(version.strip())
    if not match:
        return None
    return f"{match.group(1)}.{match.group(2)}"


def detect_version(card: JSONObject) -> VersionInfo:
    declared: list[str] = []
    evidence: list[str] = []
    interfaces = card.get("supportedInterfaces")
    if interfaces is None:
        interfaces = card.get("supported_interfaces")
    has_v1 = interfaces is not None
    if has_v1:
        evidence.append("supportedInterfaces")
        if isinstance(interfaces, list):
            for entry in interfaces:
                if isinstance(entry, dict):
                    pv = entry.get("protocolVersion", entry.get("protocol_version"))
                    if isinstance(pv, str) and pv and pv not in declared:
                        declared.append(pv)
    legacy = [name for name in LEGACY_CONNECTION_FIELDS if name in card]
    evidence.extend(legacy)
    top_version = card.get("protocolVersion")
    if isinstance(top_version, str) and top_version and top_version not in declared:
        declared.append(top_version)
    has_legacy = "url" in card or "preferredTransport" in card or "additionalInterfaces" in card
    if has_v1 and has_legacy:
        kind = "hybrid"
    elif has_v1:
        kind = "1.0"
    elif has_legacy or "protocolVersion" in card:
        mm = major_minor(top_version)
        older = mm is not None and mm.startswith("0.") and mm != "0.3"
        bare = top_version is None and "preferredTransport" not in card and "additionalInterfaces" not in card
        kind = "0.2" if older or bare else "0.3"
    else:
        kind = "unknown"
    return VersionInfo(kind, tuple(declared), tuple(evidence))
