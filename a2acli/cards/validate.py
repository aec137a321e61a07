"""Validate an Agent Card: version detection, the official schema(s), the proto's REQUIRED fields, semantic rules.

`validate_card(doc)` never raises on odd input: anything that is not a JSON object is itself a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from a2acli.cards import rules
from a2acli.cards.findings import RULES, SEVERITY_ORDER, Finding, Findings, Severity
from a2acli.cards.required import SCHEME_KINDS, check_required
from a2acli.cards.schema import check_schema, v1_property_names
from a2acli.cards.versions import LEGACY_ONLY_FIELDS, VersionInfo, detect_version
from a2acli.protocol import JSONObject, JSONValue


@dataclass(frozen=True)
class ValidationReport:
    source: str | None
    version: VersionInfo
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.error)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.warning)

    @property
    def infos(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.info)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def passes(self, *, strict: bool = False) -> bool:
        return self.valid and not (strict and self.warnings)

    def to_dict(self, *, strict: bool = False) -> JSONObject:
        """The machine report of `a2a card validate -o json`."""
        return {
            "source": self.source,
            "valid": self.valid,
            "passed": self.passes(strict=strict),
            "strict": strict,
            "version": self.version.to_dict(),
            "summary": {"errors": self.errors, "warnings": self.warnings, "info": self.infos},
            "findings": [f.to_dict() for f in self.findings],
        }


def v1_view(card: JSONObject) -> JSONObject:
    """The card as a 1.0 client reads it: 0.3-only fields dropped (they are reported by their own rules)."""
    view = {k: v for k, v in card.items() if k not in LEGACY_ONLY_FIELDS}
    skills = view.get("skills")
    if isinstance(skills, list):
        view["skills"] = [{k: v for k, v in s.items() if k != "security"} if isinstance(s, dict) else s for s in skills]
    schemes = view.get("securitySchemes")
    if isinstance(schemes, dict):
        # The SDK's hybrid cards merge the 0.3 scheme fields (type, scheme, in, ...) into each 1.0 scheme object.
        view["securitySchemes"] = {
            name: (
                {k: v for k, v in s.items() if k in SCHEME_KINDS or k in _SNAKE_SCHEME_KINDS}
                if isinstance(s, dict) and any(k in SCHEME_KINDS or k in _SNAKE_SCHEME_KINDS for k in s)
                else s
            )
            for name, s in schemes.items()
        }
    return view


_SNAKE_SCHEME_KINDS = (
    "api_key_security_scheme",
    "http_auth_security_scheme",
    "oauth2_security_scheme",
    "open_id_connect_security_scheme",
    "mtls_security_scheme",
)


def _unknown_legacy_fields(card: JSONObject, findings: Findings) -> None:
    from a2acli.cards.schema import v03_definitions

    known = set(v03_definitions()["AgentCard"]["properties"])
    known.update(("supportedInterfaces", "securityRequirements"))  # reported by other rules when relevant
    for key in card:
        if key not in known:
            findings.add(
                "AC003",
                "/" + str(key).replace("~", "~0").replace("/", "~1"),
                f"unknown field {key!r}: the A2A 0.3 AgentCard does not define it, clients ignore it",
                "remove it, or check its spelling",
            )


def validate_card(doc: JSONValue, *, source: str | None = None, raw_size: int | None = None) -> ValidationReport:
    findings = Findings()
    if not isinstance(doc, dict):
        findings.add("AC012", "", "the card is not a JSON object", "an Agent Card is a JSON object")
        return ValidationReport(source, VersionInfo("unknown"), tuple(findings.items))
    info = detect_version(doc)
    if info.kind in ("1.0", "hybrid", "unknown"):
        view = v1_view(doc)
        check_schema(view, "1.0", findings)
        check_required(view, findings)
        rules.check_interfaces_v1(view, findings)
        rules.check_security(view, findings, "1.0")
        rules.check_snake_case(view, findings, v1_property_names())
    if info.kind == "1.0":
        rules.check_legacy_fields_in_v1(doc, findings)
    if info.kind in ("0.3", "0.2", "hybrid"):
        if info.kind == "0.2" and "protocolVersion" not in doc:
            # early 0.2 cards predate protocolVersion; the 0.3 schema's requirement does not apply to them
            check_schema({**doc, "protocolVersion": "0.2.0"}, "0.3", findings)
        else:
            check_schema(doc, "0.3", findings)
        rules.check_interfaces_legacy(doc, findings, info)
        rules.check_security(doc, findings, "0.3")
    if info.kind in ("0.3", "0.2"):
        _unknown_legacy_fields(doc, findings)
        findings.add(
            "AC073",
            "",
            f"the card is written for {info.label}; A2A 1.0 clients look for supportedInterfaces",
            "publish a 1.0 card (or a hybrid one: 1.0 fields plus the 0.3 url/preferredTransport)",
        )
    if info.kind == "hybrid":
        rules.check_hybrid(doc, findings)
    rules.check_skills(doc, findings)
    rules.check_common(doc, findings, info)
    rules.check_hygiene(doc, findings, raw_size)
    rules.check_loopback_from_remote(doc, findings, source)
    return ValidationReport(source, info, sort_findings(findings.finish()))


def sort_findings(items: list[Finding]) -> tuple[Finding, ...]:
    """Errors first, then warnings, then info; within a severity by location."""
    return tuple(sorted(items, key=lambda f: (SEVERITY_ORDER[f.severity], _pointer_key(f.pointer), f.code)))


def _pointer_key(ptr: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p) for p in ptr.split("/"))


__all__ = ["RULES", "ValidationReport", "sort_findings", "v1_view", "validate_card"]
