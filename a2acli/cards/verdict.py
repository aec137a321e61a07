"""The verdicts of `a2a card validate` and `a2a card verify`: pure (no I/O, nothing printed).

What was fetched (the card, the `--live` findings, the signature checks) goes in; the report to show and, when the
command must fail, the failure to raise come out. The commands stay options -> one fetch -> verdict -> presenter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from a2acli.cards.findings import Finding, Severity
from a2acli.cards.validate import ValidationReport, sort_findings, validate_card
from a2acli.cards.versions import VersionInfo
from a2acli.errors import CardInvalidError

if TYPE_CHECKING:
    from a2acli.cards.signing import SignatureCheck
    from a2acli.protocol import JSONValue


@dataclass(frozen=True)
class Failure:
    """Why the command fails (A2ACLI_ERR_CARD_INVALID, exit 1), after its report was shown."""

    message: str
    hint: str

    def error(self) -> CardInvalidError:
        return CardInvalidError(self.message, hint=self.hint)


@dataclass(frozen=True)
class Validation:
    report: ValidationReport
    failure: Failure | None


@dataclass(frozen=True)
class Verification:
    status: str  # "verified" | "invalid" | "absent" | "unverifiable" (the outcomes SPEC §10.1 names)
    failure: Failure | None


def validation(
    document: JSONValue,
    *,
    source: str | None,
    raw_size: int | None,
    live: Sequence[Finding] | None = None,
    signatures: Sequence[SignatureCheck] | None = None,
    strict: bool = False,
) -> Validation:
    """`card validate` (and `card --validate`): the card's findings with the `--live` ones; fails when the card is
    invalid (or has warnings under --strict), or when a signature does not match it."""
    report = validate_card(document, source=source, raw_size=raw_size)
    if live is not None:
        report = ValidationReport(report.source, report.version, sort_findings([*report.findings, *live]))
    bad_signature = any(s.status == "invalid" for s in signatures or ())
    if report.passes(strict=strict):
        if not bad_signature:
            return Validation(report, None)
        failure = Failure("a card signature does not match the card", "the card was modified after signing")
        return Validation(report, failure)
    what = f"{report.errors} error(s)" if report.errors else f"{report.warnings} warning(s) under --strict"
    return Validation(report, Failure(f"the card is invalid: {what}", "see the findings above"))


def verification(checks: Sequence[SignatureCheck], *, require: bool) -> Verification:
    """`card verify`: one status for the card's signatures; an invalid one fails, an unsigned card fails only under
    --require-signature, and signatures none of which could be verified with a trusted key fail too (with or
    without it: `verify` exits 0 only for a card it could check, or one that is not signed and need not be)."""
    verified = any(c.status == "verified" for c in checks)
    invalid = any(c.status == "invalid" for c in checks)
    absent = bool(checks) and checks[0].status == "absent"
    status = (
        "verified" if verified and not invalid else "invalid" if invalid else "absent" if absent else "unverifiable"
    )
    if invalid:
        hint = "the card was modified after signing, or the key differs"
        return Verification(status, Failure("a card signature does not match the card", hint))
    if absent:
        failure = Failure("the card is not signed", "drop --require-signature to accept unsigned cards")
        return Verification(status, failure if require else None)
    if not verified:
        return Verification(
            status,
            Failure(
                "no signature could be verified with a key you trust",
                "pass the agent's public keys with --jwks FILE|URL (a jku off the card's origin is not trusted)",
            ),
        )
    return Verification(status, None)


def unreadable(source: str, message: str, hint: str | None) -> ValidationReport:
    """The report of a card that could not be read at all (AC012): a SARIF dashboard still learns why."""
    return ValidationReport(source, VersionInfo("unknown"), (Finding("AC012", Severity.error, "", message, hint),))


__all__ = ["Failure", "Validation", "Verification", "unreadable", "validation", "verification"]
