"""A conformance report as one JSON document, JUnit XML (CI test reports) and SARIF 2.1.0 (code scanning, card
findings located in the card). Pure: no I/O."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from a2acli.cards.sarif import SARIF_SCHEMA, artifact_uri, locate_pointers
from a2acli.conformance.registry import BY_ID
from a2acli.conformance.report import Report, Result, Status

TCK_URI = "https://github.com/a2aproject/a2a-tck"


def document(report: Report) -> dict[str, Any]:
    """`-o json`: the agent, the bindings checked, every check (id, level, binding, status, reason, duration)."""
    return {
        "agent": report.agent,
        "card": report.card_url,
        "bindings": [{"binding": b, "url": url} for b, url in report.bindings],
        "level": report.level,
        "failOn": report.fail_on,
        "ok": report.ok,
        "summary": {
            "passed": report.count(Status.PASS),
            "failed": report.count(Status.FAIL),
            "skipped": report.count(Status.SKIP),
            "failing": len(report.failing()),
        },
        "elapsedSeconds": round(report.elapsed, 3),
        "checks": [
            {
                "id": r.id,
                "level": r.level.value,
                "title": r.title,
                "binding": r.binding,
                "status": r.status.value,
                "reason": r.reason,
                "durationSeconds": round(r.duration, 3),
            }
            for r in report.ordered()
        ],
    }


def junit(report: Report) -> str:
    """JUnit XML: one test suite per binding (and one for the card), one test case per check."""
    root = ET.Element(
        "testsuites",
        name="a2a conformance",
        tests=str(len(report.results)),
        failures=str(report.count(Status.FAIL)),
        skipped=str(report.count(Status.SKIP)),
        time=f"{report.elapsed:.3f}",
    )
    suites: dict[str, list[Result]] = {}
    for result in report.ordered():
        suites.setdefault(result.binding, []).append(result)
    for binding, results in suites.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"a2a conformance {binding}",
            tests=str(len(results)),
            failures=str(sum(r.status is Status.FAIL for r in results)),
            skipped=str(sum(r.status is Status.SKIP for r in results)),
            time=f"{sum(r.duration for r in results):.3f}",
        )
        for r in results:
            name = f"{r.id} [{r.level.value}] {r.title}"
            case = ET.SubElement(suite, "testcase", classname=binding, name=name, time=f"{r.duration:.3f}")
            if r.status is Status.FAIL:
                ET.SubElement(case, "failure", message=r.reason, type=r.level.value).text = r.reason
            elif r.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=r.reason)
            else:
                ET.SubElement(case, "system-out").text = r.reason
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_SARIF_LEVEL = {"MUST": "error", "SHOULD": "warning", "MAY": "note"}


def sarif(report: Report, card_raw: bytes | None = None) -> dict[str, Any]:
    """SARIF 2.1.0: one result per failed check. A finding about the card points at the card (line and column of
    the JSON value when the card's bytes are known); a binding's finding points at its interface URL."""
    from a2acli import __version__

    failed = [r for r in report.ordered() if r.status is Status.FAIL]
    pointers = {r.card_pointer for r in failed if r.card_pointer}
    positions = locate_pointers(card_raw, pointers) if card_raw else {}
    urls = dict(report.bindings)
    ids = sorted({r.id for r in report.results})
    rules = [
        {
            "id": rid,
            "shortDescription": {"text": BY_ID[rid].title},
            "defaultConfiguration": {"level": _SARIF_LEVEL[BY_ID[rid].level.value]},
            "properties": {"level": BY_ID[rid].level.value, "section": BY_ID[rid].section},
        }
        for rid in ids
    ]
    results = []
    for r in failed:
        location: dict[str, Any]
        if r.binding == "card":
            location = {"artifactLocation": {"uri": artifact_uri(report.card_url)}}
            if r.card_pointer and r.card_pointer in positions:
                line, column = positions[r.card_pointer]
                location["region"] = {"startLine": line, "startColumn": column}
        else:
            location = {"artifactLocation": {"uri": urls.get(r.binding) or report.card_url}}
        results.append(
            {
                "ruleId": r.id,
                "level": _SARIF_LEVEL[r.level.value],
                "message": {"text": f"{r.binding}: {r.reason}"},
                "locations": [{"physicalLocation": location}],
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "a2a conformance",
                        "version": __version__,
                        "informationUri": TCK_URI,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
