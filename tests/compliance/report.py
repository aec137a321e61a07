"""Build `docs/compliance-report.yaml` (COMPLIANCE.md Appendix A) from the requirement map and test outcomes.

`scripts/compliance_report.py` runs the evidence and calls `build_report` + `render`; the tests call the
same functions on the committed file's own statuses, so the file cannot drift from the map.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final, NamedTuple

from tests.compliance.registry import (
    DEFAULT_001_ROWS,
    ERROR_CODES,
    REGISTRY,
    SPEC_REVISION,
    SPEC_VERSION,
    TIER_TOTALS,
)
from tests.compliance.requirements import DEFAULT_001_BREAKDOWN, EVIDENCE, Open, Proven
from tests.compliance.requirements import ERROR_CODES as ERROR_ROWS

ROOT: Final = Path(__file__).resolve().parents[2]
REPORT_PATH: Final = ROOT / "docs" / "compliance-report.yaml"
REGENERATE: Final = ".venv/bin/python scripts/compliance_report.py"
COUNTED: Final = ("pass", "partial", "fail", "not_measured", "na")


class Status(NamedTuple):
    status: str
    note: str | None


# ─── which tests exist ───


@cache
def _defined(path: str) -> frozenset[str]:
    """`name` and `Class::name` of every test function defined in the file at `path` (empty if none)."""
    file = ROOT / path
    if not file.is_file():
        return frozenset()
    tree = ast.parse(file.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}::{sub.name}"
                for sub in node.body
                if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return frozenset(names)


def node_exists(node_id: str) -> bool:
    path, sep, name = node_id.partition("::")
    return bool(sep) and name.startswith(("test", "Test")) and name in _defined(path)


# ─── statuses from outcomes ───


def combine(outcomes: Iterable[str]) -> str:
    """One function's outcome over its parametrizations: passed (or xfailed) only if every one was."""
    seen = list(outcomes)
    if not seen:
        return "not_run"
    if any(o == "failed" for o in seen):
        return "failed"
    for word in ("passed", "xfailed"):
        if all(o == word for o in seen):
            return word
    return "skipped"


def requirement_status(entry: Proven | Open, outcomes: Mapping[str, Sequence[str]]) -> Status:
    """The status a run gives one requirement (fail-closed: skipped or missing evidence is not a pass)."""
    if isinstance(entry, Open):
        if not entry.observed_by:
            return Status(entry.status, entry.note)
        results = {node: combine(outcomes.get(node, ())) for node in entry.observed_by}
        if all(r == "xfailed" for r in results.values()):
            return Status(entry.status, f"{entry.note} Observed by {', '.join(results)}.")
        unseen = ", ".join(f"{n} {r}" for n, r in results.items() if r != "xfailed")
        return Status(entry.status, f"{entry.note} Not observed in this run ({unseen}): if it is fixed, map it.")
    results = {node: combine(outcomes.get(node, ())) for node in entry.tests}
    failed = [n for n, r in results.items() if r == "failed"]
    if failed:
        return Status("fail", "evidence failed: " + ", ".join(failed))
    unmeasured = [n for n, r in results.items() if r != "passed"]
    if unmeasured or not results:
        return Status("not_measured", "evidence skipped or not run: " + ", ".join(unmeasured))
    return Status("pass", entry.note)


def error_code_emitted(code: str, outcomes: Mapping[str, Sequence[str]]) -> bool:
    row = ERROR_ROWS[code]
    return row.yes and bool(row.tests) and all(combine(outcomes.get(n, ())) == "passed" for n in row.tests)


# ─── the report ───


def summarize(statuses: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Per-tier tallies; a tier is satisfied only when all its IDs are present, each pass or na, and the tiers
    below are satisfied too (tiers are cumulative; Appendix A.3)."""
    summary: dict[str, dict[str, Any]] = {}
    below = True
    for tier, total in TIER_TOTALS.items():
        ids = [r.id for r in REGISTRY if r.tier == tier]
        values = [statuses.get(i, "not_measured") for i in ids]
        counts = {word: sum(v == word for v in values) for word in COUNTED}
        withdrawn = sum(v == "withdrawn" for v in values)
        complete = len(ids) == total and all(i in statuses for i in ids)
        ok = complete and all(v in ("pass", "na", "withdrawn") for v in values) and counts["pass"] > 0
        below = below and ok
        summary[f"tier_{tier}"] = {"total": total - withdrawn, **counts, "satisfied": below}
    return summary


def build_report(
    statuses: Mapping[str, Status],
    error_codes: Mapping[str, bool],
    *,
    report_date: str,
    tool_version: str,
) -> dict[str, Any]:
    summary = summarize({rid: s.status for rid, s in statuses.items()})
    claimed = max((t for t in TIER_TOTALS if summary[f"tier_{t}"]["satisfied"]), default=None)
    requirements: dict[str, dict[str, Any]] = {}
    for req in REGISTRY:
        entry = EVIDENCE[req.id]
        status = statuses[req.id]
        block: dict[str, Any] = {
            "tier": req.tier,
            "area": req.area,
            "spec": req.spec,
            "requirement": req.requirement,
            "status": status.status,
            "note": status.note,
            "evidence": [*entry.tests, *(entry.observed_by if isinstance(entry, Open) else ())] or None,
        }
        if isinstance(entry, Open) and entry.delivered_by is not None:
            block["delivered_by"] = entry.delivered_by
        requirements[req.id] = block
    return {
        "report": {
            "tool": "a2acli",
            "tool_version": tool_version,
            "language": "Python",
            "repository": None,
            "maintainer": "a2acli developers",
            "report_date": report_date,
            "spec_version": SPEC_VERSION,
            "spec_revision": SPEC_REVISION,
            "a2a_versions": ["1.0", "0.3"],
            "agent_tested": "a2a serve (the bundled demo agent) on 127.0.0.1, and purpose-built misbehaving agents",
            "agent_tck_conformant": "yes",
            "transports_covered": ["HTTP+JSON", "JSON-RPC"],
            "tier_claimed": claimed,
        },
        "summary": summary,
        "requirements": requirements,
        "default_001_breakdown": {
            name: {
                "shipped": DEFAULT_001_BREAKDOWN[name].yes,
                "overridable": DEFAULT_001_BREAKDOWN[name].overridable,
                "note": DEFAULT_001_BREAKDOWN[name].note,
            }
            for name in DEFAULT_001_ROWS
        },
        "error_codes": {
            code: {
                "emitted": error_codes[code],
                "note": ERROR_ROWS[code].note,
                "evidence": list(ERROR_ROWS[code].tests) or None,
            }
            for code in ERROR_CODES
        },
        "attestation": {
            "reported_by": "scripts/compliance_report.py, from the test suite's own run",
            "date": report_date,
            "statement": "The tier claimed reflects the evidence recorded above.",
        },
    }


def statuses_from(report: Mapping[str, Any]) -> tuple[dict[str, Status], dict[str, bool]]:
    """The measured part of a report (what a run decides), to rebuild the rest from the map."""
    statuses = {rid: Status(block["status"], block["note"]) for rid, block in report["requirements"].items()}
    emitted = {code: bool(row["emitted"]) for code, row in report["error_codes"].items()}
    return statuses, emitted


# ─── YAML, laid out like the template ───

_PLAIN: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.+/-]*\Z")
_RESERVED: Final = frozenset({"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"})
_FLOW_PARENTS: Final = frozenset({"summary", "default_001_breakdown"})
_SECTIONS: Final = {
    1: "# ─────────────── Tier 1 — Core (required) ───────────────",
    2: "# ─────────────── Tier 2 — Standard ───────────────",
    3: "# ─────────────── Tier 3 — Advanced ───────────────",
}
HEADER: Final = f"""\
# a2acli compliance report: a2a-cli SPEC v{SPEC_VERSION} (revision {SPEC_REVISION}), COMPLIANCE.md Appendix A.
#
# GENERATED, do not edit. `{REGENERATE}` runs the evidence
# (the tests `pytest -m spec` selects) and writes this file from tests/compliance/requirements.py: each
# requirement, the tests that prove it, or the open issue that delivers it (`delivered_by`). `evidence`
# names pytest node ids; a requirement is `pass` only when every one of them passed in the run that wrote
# this file. Under an open requirement (`delivered_by`), `evidence` lists what already works and, last, the
# tests/test_spec_defects.py test that shows the defect (a strict xfail until the fix).
#
# The suite's deliberately misbehaving agents are not TCK-conformant; `agent_tck_conformant` is about
# `a2a serve`, which passes the A2A TCK at MUST level (README, "Conformance (A2A TCK)").
"""


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _block(value: Mapping[str, Any], indent: int, parent: str) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    tier = None
    for key, item in value.items():
        if parent == "requirements" and item["tier"] != tier:
            tier = item["tier"]
            lines += ["", pad + _SECTIONS[tier]]
        if isinstance(item, dict) and (parent in _FLOW_PARENTS):
            lines.append(f"{pad}{key}: {_flow(item)}")
        elif isinstance(item, dict):
            lines.append(f"{pad}{key}:")
            lines += _block(item, indent + 1, key)
        elif isinstance(item, list) and key == "evidence":
            lines.append(f"{pad}{key}:")
            lines += [f"{pad}  - {_scalar(v)}" for v in item]
        else:
            lines.append(f"{pad}{key}: {_flow(item)}")
    return lines


def render(report: Mapping[str, Any]) -> str:
    lines = [HEADER.rstrip("\n")]
    for section, body in report.items():
        lines += ["", f"{section}:", *_block(body, 1, section)]
    return "\n".join(lines) + "\n"
