"""SARIF 2.1.0 for `a2a card validate -o sarif` (GitHub code scanning and other dashboards).

Each finding becomes a result with its rule, level, message (plus hint), the card's location (a file path relative
to the working directory when it is one, else the URL) and, when the card's bytes are known, the line and column
of the JSON value its pointer names.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from a2acli.cards.findings import RULES, Severity
from a2acli.cards.validate import ValidationReport
from a2acli.protocol import JSONObject, JSONValue

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/a2aproject/A2A"
_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}


def artifact_uri(source: str | None) -> str:
    if not source or source == "stdin":
        return "stdin"
    if "://" in source:
        return source
    path = Path(source)
    try:
        rel = os.path.relpath(path.resolve(), Path.cwd().resolve())
    except ValueError:
        rel = str(path)
    return Path(rel).as_posix() if not rel.startswith("..") else path.resolve().as_uri()


def to_sarif(report: ValidationReport, *, raw: bytes | None = None, strict: bool = False) -> JSONObject:
    from a2acli import __version__

    positions = locate_pointers(raw, {f.pointer for f in report.findings}) if raw is not None else {}
    codes = sorted(RULES)
    rules: list[JSONValue] = [
        {
            "id": code,
            "name": RULES[code].name,
            "shortDescription": {"text": RULES[code].summary},
            "defaultConfiguration": {"level": _LEVEL[RULES[code].severity]},
        }
        for code in codes
    ]
    uri = artifact_uri(report.source)
    results: list[JSONValue] = []
    for finding in report.findings:
        text = finding.message + (f" Fix: {finding.hint}" if finding.hint else "")
        location: JSONObject = {"artifactLocation": {"uri": uri}}
        if finding.pointer in positions:
            line, column = positions[finding.pointer]
            location["region"] = {"startLine": line, "startColumn": column}
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": codes.index(finding.code) if finding.code in RULES else -1,
                "level": _LEVEL[finding.severity],
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": location,
                        "logicalLocations": [{"fullyQualifiedName": finding.pointer or "/", "kind": "member"}],
                    }
                ],
                "properties": {"pointer": finding.pointer},
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "a2acli",
                        "fullName": "a2acli card validator",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {
                    "a2aVersion": report.version.to_dict(),
                    "valid": report.valid,
                    "passed": report.passes(strict=strict),
                },
            }
        ],
    }


# ----------------------------------------------------------------------------------------- pointer -> position


class _Scanner:
    """A small JSON scanner that records the (line, column) where each wanted pointer's value starts."""

    def __init__(self, text: str, wanted: set[str]) -> None:
        self.text = text
        self.i = 0
        self.wanted = wanted
        self.found: dict[str, tuple[int, int]] = {}
        self.line_starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.line_starts.append(index + 1)

    def position(self, index: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.line_starts, index) - 1
        return line + 1, index - self.line_starts[line] + 1

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n\ufeff":
            self.i += 1

    def string(self) -> str:
        import json

        start = self.i
        self.i += 1
        while self.i < len(self.text):
            char = self.text[self.i]
            if char == "\\":
                self.i += 2
                continue
            self.i += 1
            if char == '"':
                break
        try:
            value = json.loads(self.text[start : self.i])
        except ValueError:
            return ""
        return value if isinstance(value, str) else ""

    def value(self, at: str, depth: int) -> None:
        self.ws()
        if self.i >= len(self.text) or depth > 64:
            return
        if at in self.wanted:
            self.found[at] = self.position(self.i)
        char = self.text[self.i]
        if char == "{":
            self.i += 1
            while True:
                self.ws()
                if self.i >= len(self.text) or self.text[self.i] == "}":
                    self.i += 1
                    return
                if self.text[self.i] == ",":
                    self.i += 1
                    continue
                if self.text[self.i] != '"':
                    return
                key_start = self.i
                key = self.string()
                child = at + "/" + key.replace("~", "~0").replace("/", "~1")
                if child in self.wanted:
                    self.found.setdefault(child + "#key", self.position(key_start))
                self.ws()
                if self.i < len(self.text) and self.text[self.i] == ":":
                    self.i += 1
                self.value(child, depth + 1)
        elif char == "[":
            self.i += 1
            index = 0
            while True:
                self.ws()
                if self.i >= len(self.text) or self.text[self.i] == "]":
                    self.i += 1
                    return
                if self.text[self.i] == ",":
                    self.i += 1
                    continue
                self.value(f"{at}/{index}", depth + 1)
                index += 1
        elif char == '"':
            self.string()
        else:
            while self.i < len(self.text) and self.text[self.i] not in ",}] \t\r\n":
                self.i += 1


def locate_pointers(raw: bytes, pointers: set[str]) -> dict[str, tuple[int, int]]:
    """Map JSON pointers to the 1-based (line, column) of their value; a missing member maps to its parent."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}
    wanted = set(pointers)
    for ptr in pointers:  # fall back to the nearest ancestor for members that are absent
        parts = ptr.split("/")
        for cut in range(len(parts) - 1, 0, -1):
            wanted.add("/".join(parts[:cut]))
    wanted.add("")
    scanner = _Scanner(text, wanted)
    with contextlib.suppress(IndexError, RecursionError):
        scanner.value("", 0)
    out: dict[str, tuple[int, int]] = {}
    for ptr in pointers:
        parts = ptr.split("/")
        for cut in range(len(parts), 0, -1):
            candidate = "/".join(parts[:cut])
            hit = scanner.found.get(candidate + "#key") or scanner.found.get(candidate)
            if hit is not None:
                out[ptr] = hit
                break
    return out
