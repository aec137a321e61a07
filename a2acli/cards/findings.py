"""Findings of the card validator: a stable rule code, a severity, a JSON-pointer location and a fix hint."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from a2acli.protocol import JSONObject


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


@dataclass(frozen=True)
class Rule:
    """A rule of the validator. Codes are stable: never renumbered, never reused."""

    code: str
    name: str
    severity: Severity
    summary: str


# Every rule the validator can report, by code. Schema findings carry the code of the schema they came from.
RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("AC001", "schema-1.0", Severity.error, "The card does not match the official A2A 1.0 JSON Schema."),
        Rule("AC002", "schema-0.3", Severity.error, "The card does not match the official A2A 0.3 JSON Schema."),
        Rule("AC003", "unknown-field", Severity.warning, "A field the protocol does not define (clients ignore it)."),
        Rule("AC004", "snake-case-field", Severity.warning, "A proto field name instead of its JSON (camelCase) name."),
        Rule("AC010", "required-missing", Severity.error, "A field the proto marks REQUIRED is missing."),
        Rule("AC011", "required-empty", Severity.error, "A REQUIRED field is present but empty."),
        Rule("AC012", "wrong-type", Severity.error, "A field has the wrong JSON type."),
        Rule("AC020", "url-not-absolute", Severity.error, "A URL is not an absolute http(s) URL."),
        Rule("AC021", "url-not-https", Severity.warning, "A URL uses plain http for a non-loopback host."),
        Rule("AC022", "url-has-credentials", Severity.error, "A URL embeds a user name or password."),
        Rule("AC023", "url-placeholder", Severity.warning, "A URL points at a placeholder or example host."),
        Rule("AC024", "url-loopback", Severity.warning, "A card served from the network points at loopback."),
        Rule("AC030", "binding-unknown", Severity.warning, "A protocol binding is neither a core binding nor a URI."),
        Rule("AC031", "protocol-version-format", Severity.error, "A protocol version is not Major.Minor(.patch)."),
        Rule("AC032", "protocol-version-unknown", Severity.warning, "A protocol version this tool does not know."),
        Rule("AC033", "interface-duplicate", Severity.warning, "The same interface is declared twice."),
        Rule("AC034", "no-usable-interface", Severity.error, "No interface a client can use (core binding, http(s))."),
        Rule("AC040", "skill-id-duplicate", Severity.error, "Two skills share an id."),
        Rule("AC041", "skill-tag-empty", Severity.warning, "A skill tag or example is empty."),
        Rule("AC050", "media-type-invalid", Severity.error, "An input/output mode is not a media type."),
        Rule("AC051", "media-type-duplicate", Severity.info, "A media type is listed twice."),
        Rule("AC060", "security-undeclared", Severity.error, "A security requirement names an undeclared scheme."),
        Rule("AC061", "security-scheme-shape", Severity.error, "A security scheme is not exactly one known kind."),
        Rule("AC062", "security-scheme-field", Severity.error, "A security scheme field has an invalid value."),
        Rule("AC063", "security-scheme-unused", Severity.info, "A declared security scheme is never required."),
        Rule("AC064", "oauth-deprecated-flow", Severity.warning, "An OAuth flow deprecated in A2A 1.0."),
        Rule("AC070", "hybrid-disagree", Severity.error, "The 0.3 and 1.0 views of a hybrid card disagree."),
        Rule("AC071", "legacy-field", Severity.warning, "A 0.3 field in a 1.0 card (1.0 clients ignore it)."),
        Rule("AC072", "declared-version-mismatch", Severity.error, "The declared version does not match the layout."),
        Rule("AC073", "legacy-card", Severity.info, "The card is written for a pre-1.0 protocol version."),
        Rule("AC074", "removed-field", Severity.info, "A field that no protocol version defines any more."),
        Rule("AC080", "card-size", Severity.warning, "The card is unusually large."),
        Rule("AC081", "string-length", Severity.warning, "A string is unusually long."),
        Rule("AC082", "control-characters", Severity.warning, "A string holds control characters or escapes."),
        Rule("AC083", "many-items", Severity.warning, "A list is unusually long."),
        Rule("AC090", "extension-uri", Severity.warning, "An extension is not identified by a URI."),
        Rule("AC091", "extended-card-no-security", Severity.warning, "Extended card advertised without a scheme."),
        Rule("AC092", "empty-string", Severity.info, "An optional string is present but empty."),
        Rule("AC093", "signature-shape", Severity.error, "A signature's protected header is not valid."),
        Rule("AC100", "live-ok", Severity.info, "A live check of the agent behind the card passed."),
        Rule("AC101", "live-well-known", Severity.warning, "The card is not served at the well-known path."),
        Rule("AC102", "live-unreachable", Severity.error, "An interface of the card cannot be reached."),
        Rule("AC103", "live-not-a2a", Severity.error, "An interface answers, but not as an A2A endpoint."),
        Rule("AC104", "live-version-negotiation", Severity.warning, "An unknown A2A-Version is not refused."),
        Rule("AC105", "live-streaming", Severity.error, "Streaming is advertised but does not stream."),
    )
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    pointer: str
    message: str
    hint: str | None = None

    def to_dict(self) -> JSONObject:
        rule = RULES.get(self.code)
        return {
            "code": self.code,
            "rule": rule.name if rule else None,
            "severity": str(self.severity),
            "pointer": self.pointer,
            "message": self.message,
            "hint": self.hint,
        }


class Findings:
    """A collector rules append to; de-duplicates identical findings."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self._seen: set[tuple[str, str, str]] = set()
        self._counts: dict[str, int] = {}

    def add(
        self, code: str, pointer: str, message: str, hint: str | None = None, *, severity: Severity | None = None
    ) -> None:
        key = (code, pointer, message)
        if key in self._seen:
            return
        count = self._counts.get(code, 0) + 1
        self._counts[code] = count
        if count > MAX_PER_RULE:
            return  # summarised by `finish()`: a hostile card cannot make the report unbounded
        self._seen.add(key)
        self.items.append(Finding(code, severity or RULES[code].severity, pointer, message, hint))

    def finish(self) -> list[Finding]:
        """The findings, plus one summary per rule that hit the cap."""
        extra = [
            Finding(
                code,
                RULES[code].severity,
                "",
                f"{count - MAX_PER_RULE} more {code} ({RULES[code].name}) findings not shown",
                "fix the ones shown and run again",
            )
            for code, count in self._counts.items()
            if count > MAX_PER_RULE
        ]
        return [*self.items, *extra]


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer from path parts ('' is the whole document)."""
    out = []
    for part in parts:
        text = str(part).replace("~", "~0").replace("/", "~1")
        out.append("/" + text)
    return "".join(out)


MAX_PER_RULE = 100

SEVERITY_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
