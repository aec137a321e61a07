"""The results of one `a2a conformance` run, and the exit status they give. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from a2acli.conformance.registry import Level


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Result:
    id: str
    level: Level
    title: str
    #: "card" or the binding the check ran on (JSONRPC, HTTP+JSON, GRPC)
    binding: str
    status: Status
    reason: str
    duration: float
    #: the JSON pointer into the card a card finding concerns ("" for the whole card, None: not about the card)
    card_pointer: str | None = None


@dataclass
class Report:
    agent: str
    card_url: str
    #: the bindings checked, each with its interface URL
    bindings: list[tuple[str, str]]
    level: str
    fail_on: str
    results: list[Result] = field(default_factory=list)
    elapsed: float = 0.0
    #: the card's bytes as served (SARIF locates card findings in them)
    card_raw: bytes = field(default=b"", repr=False)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    def failing(self) -> list[Result]:
        """The failures that decide the exit status: MUST ones for --fail-on must, MUST and SHOULD for should."""
        levels = (Level.MUST,) if self.fail_on == "must" else (Level.MUST, Level.SHOULD)
        return [r for r in self.results if r.status is Status.FAIL and r.level in levels]

    @property
    def ok(self) -> bool:
        return not self.failing()

    def ordered(self) -> list[Result]:
        """Card checks first, then by requirement id and binding (a stable report whatever order they ran in)."""
        return sorted(self.results, key=lambda r: (r.binding != "card", r.id, r.binding))
