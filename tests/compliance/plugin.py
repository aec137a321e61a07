"""Mark the report's evidence at collection: `pytest -m spec` runs exactly the tests the report cites.

Each mapped item gets `@pytest.mark.spec("A2ACLI_...", ...)` with the requirement IDs (and error codes) it
proves; a node id in the map names a test function, so every parametrization of it is marked.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from tests.compliance.requirements import ERROR_CODES, EVIDENCE, Open


def _ids_by_test() -> dict[str, list[str]]:
    by_test: dict[str, list[str]] = {}
    for rid, entry in EVIDENCE.items():
        for node in (*entry.tests, *(entry.observed_by if isinstance(entry, Open) else ())):
            by_test.setdefault(node, []).append(rid)
    for code, row in ERROR_CODES.items():
        for node in row.tests:
            by_test.setdefault(node, []).append(code)
    return by_test


def function_node_id(nodeid: str) -> str:
    """`tests/x.py::test_y[param]` -> `tests/x.py::test_y`: the id the map uses."""
    return nodeid.split("[", 1)[0]


def mark_evidence(items: Iterable[pytest.Item]) -> None:
    by_test = _ids_by_test()
    for item in items:
        ids = by_test.get(function_node_id(item.nodeid))
        if ids:
            item.add_marker(pytest.mark.spec(*ids))
