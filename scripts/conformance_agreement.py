"""Run the A2A TCK and `a2a conformance` side by side on each agent and write docs/conformance-agreement.md.

    A2ACLI_TCK_DIR=/path/to/a2a-tck .venv/bin/python scripts/conformance_agreement.py [--output FILE]

The TCK checkout (a2aproject/a2a-tck, branch 1.0-dev) needs its own .venv (or A2ACLI_TCK_PYTHON); see
tests/support/tck.py. Exit status 1 when a verdict contradicts the TCK's (the table is written either way).
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from a2acli.conformance.registry import BY_ID  # noqa: E402
from tests.support.tck import (  # noqa: E402
    SCENARIO_FAILS_IN_TCK,
    STRICTER_THAN_TCK,
    TCK_DIR_VARIABLE,
    Run,
    agents,
    disagreements,
    run_a2a,
    run_tck,
)

CELL = {"pass": "pass", "fail": "**FAIL**", "skip": "skip"}
NOTES = [
    "- **CORE-SEND-003** (an unsupported media type): the TCK passes an agent that accepts the part (its"
    " requirement names no expected error); `a2a conformance` checks the refusal when there is one and skips"
    " otherwise (an agent may take any media type).",
    "- **CORE-STREAM-002** (a message-only stream): the TCK passes any stream with one event; `a2a conformance`"
    " checks the rule on a stream that begins with a Message and skips a task stream.",
    "- **HTTP statuses**: the TCK checks the statuses of its own copy of the A2A text (1.0-dev), which maps"
    " TaskNotCancelableError to 409 and ContentTypeNotSupportedError to 415, where the released 1.0.1 text says"
    " 400 for both; `a2a conformance` accepts 400 or 409 for the first and, like the TCK, wants 415 when a"
    " `text/plain` body is refused (so an @a2a-js/sdk agent fails HTTP_JSON-STATUS-001 in both tools).",
    "- **A dual-version agent** (`a2a serve` without `--protocol-versions 1.0`, not in the table): the TCK fetches"
    " the card without an `A2A-Version` header, which A2A reads as 0.3, gets the 0.3-compatible card and fails"
    " CARD-STRUCT-001 on its 0.3 fields; `a2a conformance` asks for the 1.0 card (`A2A-Version: 1.0`, as every"
    " a2a command does) and checks that one.",
    "- **gRPC**: `a2a serve` runs with `--grpc-port 0` here, so both tools check its gRPC binding as well: every"
    " requirement above that applies to all bindings ran on gRPC too, through the client's operation table, and"
    " the `GRPC-*` rows read the gRPC status code and `google.rpc.ErrorInfo` the client's gRPC wire keeps on the"
    " A2A error it raises. Not in `a2a conformance`: GRPC-SVC-002 (proto3: the client parses every reply as the"
    " proto3 message, so its pass would say nothing GRPC-SVC-001's does not) and GRPC-SVC-003 (TLS; the TCK does"
    " not test it either).",
    "- **The plain a2a-sdk 1.3 gRPC server** (tests/interop/sdk_grpc/server.py; not in the table: it serves no"
    " HTTP card, so it was run by hand with its card served by `python -m http.server`, TCK `--transport grpc"
    " --level must`: 7 failed, 47 passed, 181 skipped): its `GrpcHandler` maps PushNotificationNotSupportedError,"
    " UnsupportedOperationError and VersionNotSupportedError to FAILED_PRECONDITION where A2A §5.4 (and the"
    " TCK) say UNIMPLEMENTED, and it serves `a2a-version: 99.0` as 1.0; both tools fail GRPC-ERR-002 on the push"
    " and version answers (`tests/test_conformance_grpc.py`). `a2a conformance` also fails VER-SERVER-002 there,"
    " which the TCK checks on JSON-RPC and HTTP+JSON only (skipped on a gRPC-only card; on gRPC it is part of its"
    " GRPC-ERR-002). The TCK's other failures there are its scenario tests (DM-ART-001, DM-MSG-001 and the"
    " tck-input-required ones), which `a2a conformance` skips.",
    "- **The 0.3-only agent**: the TCK cannot create a client for a card without `supportedInterfaces` and errors"
    " in every binding test (`—` above: not tested); `a2a conformance` fails each binding requirement with the"
    " reason (the card declares JSON-RPC only for A2A 0.3).",
    "- **The hostile agent** is served with its `/rpc` URL reachable at `/rpc/` too: the TCK's JSON-RPC client posts"
    " to `{interface url}/`, and would otherwise fail every test on 404s of its own making.",
]


def _cell(tck: Run, a2a: Run, rid: str) -> str:
    theirs, ours = tck.verdicts.get(rid), a2a.verdicts.get(rid)
    mark = ""
    if theirs and ours and theirs != ours:
        mark = " †" if theirs == "fail" and ours == "skip" and rid in SCENARIO_FAILS_IN_TCK else " ‡"
    return f"{CELL.get(theirs or '', '—')} / {CELL.get(ours or '', '—')}{mark}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", default=str(ROOT / "docs" / "conformance-agreement.md"))
    args = parser.parse_args()
    tck_dir = os.environ.get(TCK_DIR_VARIABLE)
    if not tck_dir:
        print(f"set {TCK_DIR_VARIABLE} to an a2a-tck checkout", file=sys.stderr)
        return 2
    commit = subprocess.run(["git", "-C", tck_dir, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    rows: list[tuple[str, Run, Run]] = []
    with agents() as running:
        for name, url in running:
            print(f"{name}: TCK ...", file=sys.stderr)
            tck = run_tck(tck_dir, url)
            print(f"{name}: a2a conformance ...", file=sys.stderr)
            rows.append((name, tck, run_a2a(url)))
    ids = sorted({rid for _, tck, a2a in rows for rid in (*tck.verdicts, *a2a.verdicts) if rid in BY_ID})
    lines = [
        "# `a2a conformance` and the A2A TCK, side by side",
        "",
        "Generated by `scripts/conformance_agreement.py` on "
        f"{datetime.date.today().isoformat()}: the real TCK (a2aproject/a2a-tck, branch 1.0-dev, commit"
        f" `{commit.stdout.strip() or '?'}`, `-m must`) and `a2a conformance` (`--level must`) run one after the"
        " other on the same live agents. `tests/test_conformance_tck.py` asserts the same comparison where"
        " `A2ACLI_TCK_DIR` names a TCK checkout; `tests/test_conformance_agents.py` asserts `a2a conformance`'s own"
        " verdicts on these agents in every run.",
        "",
        "## Run time and outcome",
        "",
        "| agent | TCK | TCK MUST failures | `a2a conformance` | a2a MUST failures |",
        "|---|---|---|---|---|",
    ]
    for name, tck, a2a in rows:
        lines.append(
            f"| {name} | {tck.seconds:.1f} s, exit {tck.exit_status} | {', '.join(sorted(tck.failing)) or 'none'} "
            f"| {a2a.seconds:.1f} s, exit {a2a.exit_status} | {', '.join(sorted(a2a.failing)) or 'none'} |"
        )
    lines += [
        "",
        "## Verdicts per requirement (TCK / a2a)",
        "",
        "A requirement passes when it passes on a binding, fails when it fails on one; `skip` is no verdict"
        " (not applicable, capability not advertised, scenario not answered); `—` not checked by that tool.",
        "† the check needs a TCK scenario (a `tck-...` messageId the agent answers with scripted behaviour): the TCK"
        " fails it on an agent without the scenario, `a2a conformance` skips it (never a pass).",
        "‡ a difference explained under the table.",
        "",
        "| requirement | level | " + " | ".join(name for name, _, _ in rows) + " |",
        "|---|---|" + "---|" * len(rows),
    ]
    for rid in ids:
        cells = " | ".join(_cell(tck, a2a, rid) for _, tck, a2a in rows)
        lines.append(f"| {rid} | {BY_ID[rid].level.value} | {cells} |")
    problems = [f"{name}: {d}" for name, tck, a2a in rows for d in disagreements(tck, a2a)]
    lines += ["", "## ‡ Differences, explained", ""]
    lines += [f"- **{rid}**: {why}." for rid, why in STRICTER_THAN_TCK.items()]
    lines += NOTES
    lines += ["", "## Contradictions", ""]
    lines += [f"- {p}" for p in problems] or ["None: no requirement passes in one tool and fails in the other."]
    lines.append("")
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
