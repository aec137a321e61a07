"""Run the SPEC evidence and write docs/compliance-report.yaml (COMPLIANCE.md Appendix A).

    .venv/bin/python scripts/compliance_report.py                 # every requirement, writes the report
    .venv/bin/python scripts/compliance_report.py --only A2ACLI_CLI_002 --output /tmp/r.yaml

The evidence is the set of tests `tests/compliance/requirements.py` maps (the same set `pytest -m spec`
selects); it runs in this process under pytest, and each test function's outcome over all its
parametrizations decides the requirements it proves. Extra arguments after `--` go to pytest.
Exit status: 0 when the report was written (whatever it says), 1 when pytest could not run the evidence.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from a2acli import __version__  # noqa: E402
from tests.compliance.plugin import function_node_id  # noqa: E402
from tests.compliance.report import (  # noqa: E402
    REPORT_PATH,
    build_report,
    error_code_emitted,
    node_exists,
    render,
    requirement_status,
)
from tests.compliance.requirements import ERROR_CODES, EVIDENCE, Open, Proven  # noqa: E402


def evidence_of(entry: Proven | Open) -> tuple[str, ...]:
    return (*entry.tests, *entry.observed_by) if isinstance(entry, Open) else entry.tests


class Outcomes:
    """A pytest plugin: each test function's outcomes (passed / failed / skipped), one per parametrization."""

    def __init__(self) -> None:
        self.by_node: dict[str, list[str]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # A setup failure or skip is the item's outcome; otherwise the call's (teardown errors count as failed).
        # An expected failure is "xfailed" (a strict xfail that passed is reported failed by pytest itself).
        if report.when == "call" or (report.when == "setup" and not report.passed):
            outcome = "xfailed" if report.skipped and hasattr(report, "wasxfail") else report.outcome
            self.by_node.setdefault(function_node_id(report.nodeid), []).append(outcome)
        elif report.when == "teardown" and report.failed:
            self.by_node.setdefault(function_node_id(report.nodeid), []).append("failed")


def run_evidence(node_ids: list[str], pytest_args: list[str]) -> tuple[int, dict[str, list[str]]]:
    outcomes = Outcomes()
    present = [n for n in node_ids if node_exists(n)]
    if not present:
        return 0, {}
    code = pytest.main(["-q", "-p", "no:cacheprovider", *pytest_args, *present], plugins=[outcomes])
    return int(code), outcomes.by_node


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=REPORT_PATH, help="where to write (default: %(default)s)")
    parser.add_argument("--only", action="append", default=[], metavar="ID", help="run only this requirement")
    parser.add_argument("--date", default=datetime.datetime.now(datetime.UTC).date().isoformat())
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    args = parser.parse_args(argv)
    unknown = [i for i in args.only if i not in EVIDENCE]
    if unknown:
        parser.error(f"unknown requirement id(s): {', '.join(unknown)}")
    chosen = args.only or list(EVIDENCE)
    nodes = list(dict.fromkeys(n for rid in chosen for n in evidence_of(EVIDENCE[rid])))
    if not args.only:
        nodes += [n for row in ERROR_CODES.values() for n in row.tests if n not in nodes]
    code, outcomes = run_evidence(nodes, args.pytest_args)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        print(f"compliance_report: pytest could not run the evidence (exit {code})", file=sys.stderr)
        return 1
    statuses = {rid: requirement_status(entry, outcomes) for rid, entry in EVIDENCE.items()}
    emitted = {c: error_code_emitted(c, outcomes) for c in ERROR_CODES}
    report: dict[str, Any] = build_report(statuses, emitted, report_date=args.date, tool_version=__version__)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(report), encoding="utf-8")
    tally = ", ".join(
        f"Tier {t[-1]} {s['pass']}/{s['total']}" for t, s in report["summary"].items() if isinstance(s, dict)
    )
    print(f"compliance_report: wrote {args.output} ({tally})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
