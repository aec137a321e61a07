"""`a2a conformance`: options in, one run of `a2a.conformance.runner` under `asyncio.run`, the report to the
writers of `a2acli.render.conformance` (and the --junit / --sarif files)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from a2acli.commands._options import AgentOptions, OutputFormat, agent_options, setting
from a2acli.errors import UsageError
from a2acli.render import writers
from a2acli.settings import parse_duration


class LevelChoice(StrEnum):
    must = "must"
    should = "should"
    may = "may"


class FailOnChoice(StrEnum):
    must = "must"
    should = "should"


def _table(ctx: typer.Context, agent: AgentOptions) -> bool:
    """The Rich table on a terminal: by default (like `a2a stream`'s live view) and with -o rich; an explicit
    `-o text` (flag, variable or file) keeps the floor there too."""
    import sys

    from a2acli._compat.typer import ParameterSource

    if not sys.stdout.isatty() or agent.output is OutputFormat.json:
        return False
    return agent.output is OutputFormat.rich or ctx.get_parameter_source("output") in (ParameterSource.DEFAULT, None)


def _ids(values: list[str] | None) -> tuple[str, ...]:
    """`--only A --only B` and `--only A,B` alike."""
    return tuple(part.strip() for value in values or () for part in value.split(",") if part.strip())


def conformance(
    ctx: typer.Context,
    agent: AgentOptions,
    level: Annotated[
        LevelChoice, setting("--level", help="Check requirements up to this level: must, should (+SHOULD), may (all).")
    ] = LevelChoice.must,
    binding: Annotated[
        list[str] | None,
        setting("--binding", help="Only this binding (jsonrpc, http+json, grpc); repeat for more."),
    ] = None,
    only: Annotated[
        list[str] | None,
        setting("--only", help="Only these requirement IDs (e.g. CORE-SEND-001), any level; repeat or comma-separate."),
    ] = None,
    skip: Annotated[
        list[str] | None, setting("--skip", help="Leave out these requirement IDs; repeat or comma-separate.")
    ] = None,
    timeout: Annotated[str, setting("--timeout", help="Time limit of each check (e.g. 10s, 500ms).")] = "10s",
    fail_on: Annotated[
        FailOnChoice,
        setting("--fail-on", help="Exit 1 when a check at this level fails: must, or should (MUST and SHOULD)."),
    ] = FailOnChoice.must,
    junit: Annotated[str | None, setting("--junit", help="Also write a JUnit XML report to FILE.")] = None,
    sarif: Annotated[
        str | None, setting("--sarif", help="Also write SARIF 2.1.0 to FILE (card findings point at the card).")
    ] = None,
) -> None:
    """Smoke-check a live agent against A2A 1.0 requirements (the A2A TCK's IDs); exit 1 when one at --fail-on fails.

    Checks the card, then every binding the card declares (JSON-RPC, HTTP+JSON, gRPC), concurrently, each under
    --timeout. Checks that need a TCK scenario (`tck-...` messageIds) run when the agent answers it and are
    skipped otherwise. -o json: one document; a terminal gets a table and a progress line.
    """
    import asyncio

    from a2acli.conformance import registry, runner
    from a2acli.errors import ConformanceFailed
    from a2acli.render import conformance as view

    writers.set_mode(agent.output.value)
    try:
        chosen = registry.select(level.value, _ids(only), _ids(skip))
    except KeyError as exc:
        raise UsageError(
            f"unknown requirement ID {exc.args[0]!r}", hint="IDs are the A2A TCK's, e.g. CORE-SEND-001, CARD-STRUCT-001"
        ) from None
    if not chosen:
        raise UsageError("no requirement left to check", hint="check --only / --skip / --level")
    per_check = parse_duration(timeout, name="--timeout")
    if per_check is None or per_check <= 0:
        raise UsageError("--timeout must be a positive duration", hint="e.g. --timeout 10s")
    plan = runner.Plan(chosen, level.value, fail_on.value, runner.binding_names(binding), per_check)
    progress = view.Progress()
    try:
        report = asyncio.run(runner.run(agent.settings(), plan, progress))
    finally:
        progress.clear()
    view.show(report, json_output=agent.output is OutputFormat.json, table=_table(ctx, agent))
    if junit:
        from a2acli.conformance.formats import junit as to_junit

        view.write_file(junit, to_junit(report))
    if sarif:
        from a2acli.conformance.formats import sarif as to_sarif

        view.write_file(sarif, writers.dumps(to_sarif(report, report.card_raw)) + "\n")
    if not report.ok:
        writers.set_mode("text")  # the report above is the result: no error envelope after it on stdout
        failing = report.failing()
        names = ", ".join(dict.fromkeys(r.id for r in failing))
        raise ConformanceFailed(f"{len(failing)} check(s) failed at --fail-on {fail_on.value}: {names}")


conformance = agent_options(omit=("transport", "a2a_version"))(conformance)
