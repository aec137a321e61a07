"""Run the real A2A TCK (a2aproject/a2a-tck, branch 1.0-dev) and `a2a conformance` side by side on one agent.

The TCK is not on PyPI: it runs from a checkout named by A2ACLI_TCK_DIR, with its own virtual environment
(`python3 -m venv .venv && .venv/bin/pip install -e .` in the checkout; A2ACLI_TCK_PYTHON overrides the
interpreter). It is run read-only: its pytest cache and bytecode are not written, and its reports go to a scratch
directory. Used by tests/test_conformance_tck.py and scripts/conformance_agreement.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

TCK_DIR_VARIABLE = "A2ACLI_TCK_DIR"
TCK_PYTHON_VARIABLE = "A2ACLI_TCK_PYTHON"


def tck_python(tck_dir: str, explicit: str | None = None) -> str | None:
    explicit = explicit or os.environ.get(TCK_PYTHON_VARIABLE)
    if explicit:
        return explicit
    candidate = Path(tck_dir) / ".venv" / "bin" / "python"
    return str(candidate) if candidate.is_file() else None


@dataclass
class Run:
    verdicts: dict[str, str]  # requirement ID -> "pass" | "fail" | "skip"
    seconds: float
    exit_status: int
    failing: set[str]  # IDs failing at MUST level


def _tck_verdict(entry: dict[str, object]) -> str:
    """The TCK's compatibility.json records a test that called pytest.skip inside a helper (the agent did not
    answer a scenario) as FAIL with a "Skipped: ..." error; pytest itself reports it skipped, and so is it here."""
    status = str(entry.get("status"))
    if status == "PASS":
        return "pass"
    if status == "FAIL":
        errors = [str(e) for e in entry.get("errors") or []]  # type: ignore[attr-defined]
        if errors and all("Skipped:" in e for e in errors):
            return "skip"
        return "fail"
    return "skip"  # SKIPPED, NOT TESTED


def run_tck(tck_dir: str, sut: str, *, python: str | None = None, timeout: float = 600) -> Run:
    python = tck_python(tck_dir, python)
    assert python, "no TCK interpreter"
    with tempfile.TemporaryDirectory(prefix="a2acli-tck-") as scratch:
        report = Path(scratch) / "compatibility"
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        env = {k: v for k, v in env.items() if not k.startswith("A2ACLI_")}
        command = [
            python,
            "-m",
            "pytest",
            "tests/compatibility/",
            f"--sut-host={sut}",
            "-m",
            "must",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--compatibility-report={report}",
        ]
        started = time.monotonic()
        done = subprocess.run(command, cwd=tck_dir, capture_output=True, text=True, timeout=timeout, env=env)
        seconds = time.monotonic() - started
        path = report.with_suffix(".json")
        per_requirement = json.loads(path.read_text())["per_requirement"] if path.is_file() else {}
    verdicts = {rid: _tck_verdict(entry) for rid, entry in per_requirement.items()}
    failing = {rid for rid, v in verdicts.items() if v == "fail" and per_requirement[rid].get("level") == "MUST"}
    return Run(verdicts, seconds, done.returncode, failing)


def run_a2a(url: str) -> Run:
    from a2acli.conformance import registry, runner
    from a2acli.settings import connection_settings

    plan = runner.Plan(registry.select("must"), "must", "must")
    started = time.monotonic()
    report = asyncio.run(runner.run(connection_settings(agent_card=url), plan))
    seconds = time.monotonic() - started
    verdicts: dict[str, str] = {}
    for result in report.results:  # a requirement fails when it fails on any binding, passes when it passes on one
        now = verdicts.get(result.id, "skip")
        status = result.status.value
        if status == "fail" or now == "fail":
            verdicts[result.id] = "fail"
        elif status == "pass" or now == "pass":
            verdicts[result.id] = "pass"
        else:
            verdicts[result.id] = "skip"
    return Run(verdicts, seconds, 0 if report.ok else 1, {r.id for r in report.failing()})


# The requirements whose checks need a TCK scenario: the TCK fails them on an agent that does not answer the
# scenario, `a2a conformance` skips them (the rule: never passed, skipped).
SCENARIO_FAILS_IN_TCK = frozenset({"DM-ART-001", "DM-MSG-001"})


# Requirements whose TCK test does not test the rule (its parametrized runner sends one message and validates
# the reply's schema): `a2a conformance` tests the rule itself, and may fail an agent the TCK passes.
STRICTER_THAN_TCK = {
    "CORE-MULTI-002a": "A2A §3.4.1: an agent that does not keep a client's contextId MUST reject the request and MUST"
    " NOT answer with a new one; the TCK does not compare the contextId it gets back",
    "CORE-MULTI-003": "A2A §3.4.2: each new task gets a new id; the TCK sends one message, a2a sends two and"
    " compares their ids",
    # these four TCK tests check the TCK's own table of method names, paths and verbs, and send nothing to the
    # agent: they pass on any agent, a 0.3-only one too; a2a calls the agent by those names and paths
    "JSONRPC-SVC-001": "the TCK's test checks its own method-name table (no request); a2a calls GetTask and"
    " CancelTask on the agent",
    "HTTP_JSON-URL-001": "the TCK's test checks its own path table (no request); a2a GETs /tasks/{id} and /tasks",
    "HTTP_JSON-URL-002": "the TCK's test checks its own verb table (no request); a2a POSTs :cancel and GETs"
    " /message:send",
    "HTTP_JSON-QP-001": "the TCK's test checks its own parameter names (no request); a2a sends ?pageSize=1",
}


def disagreements(tck: Run, a2a: Run) -> list[str]:
    """Where the verdicts contradict: one passes what the other fails. A skip on either side is no verdict; a fail
    of a2a's where the TCK does not test the rule (STRICTER_THAN_TCK) is explained, not a contradiction."""
    found = []
    for rid in sorted(set(tck.verdicts) & set(a2a.verdicts)):
        theirs, ours = tck.verdicts[rid], a2a.verdicts[rid]
        if (theirs, ours) == ("pass", "fail") and rid in STRICTER_THAN_TCK:
            continue
        if {theirs, ours} == {"pass", "fail"}:
            found.append(f"{rid}: TCK {theirs}, a2a {ours}")
        elif theirs == "fail" and ours == "skip" and rid not in SCENARIO_FAILS_IN_TCK:
            found.append(f"{rid}: TCK fail, a2a skip")
    return found


class _NoTrailingSlash:
    """The TCK's JSON-RPC client posts to `{interface url}/`: an interface URL without a trailing slash (the
    hostile agent's `/rpc`) would get 404s the agent never chose. This strips that one slash, nothing else."""

    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, object], receive: object, send: object) -> None:
        path = scope.get("path")
        if scope.get("type") == "http" and isinstance(path, str) and path.endswith("/rpc/"):
            scope = {**scope, "path": path[:-1], "raw_path": path[:-1].encode()}
        await self.app(scope, receive, send)  # type: ignore[operator]


@contextlib.contextmanager
def hostile_agent() -> Iterator[str]:
    """The hostile test agent's `ok` scenario (canned answers to everything), reachable by the TCK's client."""
    from tests.hostile.servers import HostileAgent
    from tests.support.server import serve_in_thread

    agent = HostileAgent()
    with serve_in_thread(_NoTrailingSlash(agent.asgi)) as base:
        agent.base = agent.other_base = base
        yield agent.origin_ref("ok")


@contextlib.contextmanager
def agents() -> Iterator[list[tuple[str, str]]]:
    """(name, URL the TCK is given) of every agent the agreement is measured on, all running until the block ends."""
    from tests.support.agent import demo_agent
    from tests.support.peers import install_js_agent, js_agent, sdk_agent, sloppy_agent, v03_agent

    js = js_agent() if install_js_agent() is not None else contextlib.nullcontext("")
    with (
        demo_agent(protocol_versions="1.0", grpc_port=0) as serve,
        sdk_agent() as sdk,
        js as js_url,
        sloppy_agent() as sloppy,
        v03_agent() as v03,
        hostile_agent() as hostile,
    ):
        yield [
            ("a2a serve --protocol-versions 1.0 --grpc-port 0", serve),
            ("a2a-sdk 1.3 plain agent", sdk),
            *([("@a2a-js/sdk 1.3 plain agent", js_url)] if js_url else []),
            ("a2a-sdk agent, sloppy on purpose", sloppy),
            ("a2a-sdk 0.3-only agent", v03),
            ("tests/hostile `ok` (canned answers)", hostile),
        ]


Compare = Callable[[str, str], tuple[Run, Run]]


def compare(tck_dir: str) -> Compare:
    def both(name: str, url: str) -> tuple[Run, Run]:
        return run_tck(tck_dir, url), run_a2a(url)

    return both
