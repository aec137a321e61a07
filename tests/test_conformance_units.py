"""The pure parts of `a2a conformance`: the registry (every ID has a check, IDs are the TCK's), selection, the
exit rule, the text floor, JUnit and SARIF."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from a2acli.conformance import checks, formats, registry
from a2acli.conformance.registry import Level
from a2acli.conformance.report import Report, Result, Status
from a2acli.render import conformance as view

TCK_ID = re.compile(r"^[A-Z][A-Z0-9_]+-[A-Z]+(-[A-Z]+)?-\d{3}[a-z]?$")


def test_every_requirement_has_exactly_one_check() -> None:
    for req in registry.REQUIREMENTS:
        table = checks.CARD_CHECKS if req.on_card else checks.BINDING_CHECKS
        assert req.id in table, req.id
        assert TCK_ID.match(req.id), req.id
    assert set(checks.CARD_CHECKS) | set(checks.BINDING_CHECKS) == set(registry.BY_ID)
    assert len(registry.BY_ID) == len(registry.REQUIREMENTS)


# read at collection: the autouse isolation fixture clears every A2ACLI_* variable before a test runs
TCK_DIR = os.environ.get("A2ACLI_TCK_DIR")


def test_ids_and_levels_are_the_tcks_when_a_checkout_is_at_hand() -> None:
    tck = TCK_DIR
    if not tck:
        pytest.skip("A2ACLI_TCK_DIR is not set (a checkout of a2aproject/a2a-tck, branch 1.0-dev)")
    text = "".join(p.read_text() for p in (Path(tck) / "tck" / "requirements").glob("*.py"))
    declared = dict(re.findall(r'id="([^"]+)".*?level=RequirementLevel\.(\w+)', text, re.S))
    for req in registry.REQUIREMENTS:
        assert declared.get(req.id) == req.level.value, req.id


def test_select_by_level_only_and_skip() -> None:
    must = registry.select("must")
    assert must and {r.level for r in must} == {Level.MUST}
    assert {r.level for r in registry.select("should")} == {Level.MUST, Level.SHOULD}
    assert {r.level for r in registry.select("may")} == {Level.MUST, Level.SHOULD, Level.MAY}
    assert [r.id for r in registry.select("must", only=("card-cache-003",))] == ["CARD-CACHE-003"]
    assert "CORE-SEND-001" not in {r.id for r in registry.select("must", skip=("CORE-SEND-001",))}
    with pytest.raises(KeyError):
        registry.select("must", only=("NOT-AN-ID-1",))


def _report(*results: Result, fail_on: str = "must") -> Report:
    report = Report(
        "Agent\x1b[31m red", "http://a/.well-known/agent-card.json", [("JSONRPC", "http://a/")], "may", fail_on
    )
    report.results = list(results)
    return report


def _r(rid: str, level: Level, status: Status, binding: str = "JSONRPC", reason: str = "x") -> Result:
    return Result(rid, level, "title", binding, status, reason, 0.01, "" if binding == "card" else None)


def test_the_exit_rule_counts_only_the_failing_level() -> None:
    should_fail = _r("CARD-CACHE-001", Level.SHOULD, Status.FAIL, "card")
    may_fail = _r("CARD-CACHE-003", Level.MAY, Status.FAIL, "card")
    assert _report(should_fail, may_fail).ok
    assert not _report(should_fail, fail_on="should").ok
    assert not _report(_r("CORE-SEND-001", Level.MUST, Status.FAIL)).ok
    assert _report(_r("CORE-SEND-001", Level.MUST, Status.SKIP)).ok


def test_text_floor_is_clean_and_ordered() -> None:
    report = _report(
        _r("CORE-SEND-001", Level.MUST, Status.PASS, reason="ok\x1b]8;;http://evil\x07link"),
        _r("CARD-STRUCT-001", Level.MUST, Status.FAIL, "card", "bad\nline"),
    )
    lines = view.text_lines(report)
    assert lines[0] == "Agent: Agent red"
    assert lines[3].startswith("FAIL  CARD-STRUCT-001") and lines[4].startswith("PASS  CORE-SEND-001")
    assert all("\x1b" not in line and "\x07" not in line and "\n" not in line for line in lines)
    assert "1 MUST failure" in lines[-1]


def test_junit_and_sarif_shapes() -> None:
    card_finding = Result("CARD-STRUCT-001", Level.MUST, "t", "card", Status.FAIL, "name is not a string", 0.0, "/name")
    report = _report(
        card_finding,
        _r("CORE-SEND-001", Level.MUST, Status.SKIP),
        _r("CORE-GET-001", Level.MUST, Status.PASS),
    )
    root = ET.fromstring(formats.junit(report))
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    sarif = formats.sarif(report, b'{\n  "name": 1}')
    run = sarif["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["CARD-STRUCT-001"]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "http://a/.well-known/agent-card.json"
    assert location["region"]["startLine"] == 2
    doc = formats.document(report)
    assert json.loads(json.dumps(doc))["summary"] == {"passed": 1, "failed": 1, "skipped": 1, "failing": 1}
