"""Run the selected requirements against a live agent: the card once, then each check on each declared binding,
concurrently (bounded), each under its own timeout. Unreachable agents, refused credentials and a card that
cannot be fetched end the run with their typed errors (exit 3, 4, 5); everything else is a result."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from a2acli.conformance import checks as registered
from a2acli.conformance.probe import CheckFailed, CheckSkipped, Probe
from a2acli.conformance.registry import CARD, Requirement
from a2acli.conformance.report import Report, Result, Status
from a2acli.errors import A2ACliError, ExitStatus, TimeoutExpiredError, UsageError
from a2acli.protocol import CLIENT_BINDINGS, normalize_binding

if TYPE_CHECKING:
    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.client.interfaces import Interface
    from a2acli.settings import ConnectionSettings

DEFAULT_TIMEOUT = 10.0
CONCURRENCY = 8
Progress = Callable[[Result, int, int], None]


@dataclass(frozen=True)
class Plan:
    requirements: tuple[Requirement, ...]
    level: str
    fail_on: str
    bindings: tuple[str, ...] = ()  # --binding; empty: every binding the card declares
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class _Target:
    """One binding of the card: its 1.0 interface, or why there is none to check."""

    binding: str
    interface: Interface | None
    unusable: str = ""


def _targets(card: ResolvedCard, wanted: tuple[str, ...]) -> list[_Target]:
    from a2acli.client.interfaces import declared_interfaces, version_key

    declared = [iface for _, iface in declared_interfaces(card.document, card.base_url)]
    by_binding: dict[str, list[Interface]] = {}
    for iface in declared:
        by_binding.setdefault(iface.binding, []).append(iface)
    targets: list[_Target] = []
    for binding, interfaces in by_binding.items():
        if wanted and binding not in wanted:
            continue
        current = [i for i in interfaces if (version_key(i.protocol_version) or (0, 0))[0] == 1]
        if not current:
            versions = ", ".join(sorted({i.protocol_version for i in interfaces}))
            targets.append(_Target(binding, None, f"the card declares {binding} only for A2A {versions}, not 1.0"))
        elif binding not in CLIENT_BINDINGS:
            targets.append(_Target(binding, None, f"{binding} is not spoken by this client yet: not checked"))
        else:
            targets.append(_Target(binding, current[0]))
    for binding in wanted:
        if binding not in by_binding:
            targets.append(_Target(binding, None, f"the card declares no {binding} interface"))
    if not targets and not wanted:
        targets.append(_Target("none", None, "the card declares no interface"))
    return targets


def _well_known(card: ResolvedCard) -> str:
    from a2acli.client.card_resolver import WELL_KNOWN_PATH

    if card.source.endswith(WELL_KNOWN_PATH) or not card.base_url:
        return card.source
    return card.base_url.rstrip("/") + WELL_KNOWN_PATH


async def run(settings: ConnectionSettings, plan: Plan, progress: Progress | None = None) -> Report:
    from a2acli.client.card_resolver import resolve_card
    from a2acli.client.connection import AgentConnection
    from a2acli.client.wire import make_http_client

    for binding in plan.bindings:
        if binding not in ("JSONRPC", "HTTP+JSON", "GRPC"):
            raise UsageError(f"unknown binding {binding!r}", hint="use jsonrpc, http+json (rest) or grpc")
    started = time.monotonic()
    client = make_http_client(settings)
    try:
        card = await resolve_card(settings.agent_card, settings, client=client)
        targets = _targets(card, plan.bindings)
        probes: dict[str, Probe] = {}
        for target in targets:
            if target.interface is not None:
                conn = AgentConnection(card, settings, client, interface=target.interface)
                probes[target.binding] = Probe(conn, plan.timeout)
        card_probe = registered.CardProbe(card, client if card.base_url else None, _well_known(card))
        report = Report(
            agent=str(card.document.get("name") or ""),
            card_url=card.source,
            bindings=[(t.binding, t.interface.url if t.interface else "") for t in targets],
            level=plan.level,
            fail_on=plan.fail_on,
            card_raw=card.raw,
        )
        jobs: list[tuple[Requirement, str, Callable[[], Any] | None, str]] = []
        caps = card.document.get("capabilities")
        capabilities = caps if isinstance(caps, dict) else {}
        for req in plan.requirements:
            if req.on_card:
                jobs.append((req, CARD, functools.partial(registered.CARD_CHECKS[req.id], card_probe), ""))
                continue
            for target in targets:
                if target.binding not in req.applies and target.binding != "none":
                    continue
                probe = probes.get(target.binding)
                if req.capability and capabilities.get(req.capability) is not True:
                    why = f"the card does not advertise capabilities.{req.capability}"
                    jobs.append((req, target.binding, None, f"skip:{why}"))
                    continue
                if probe is None:
                    kind = "skip" if "not spoken" in target.unusable else "fail"
                    jobs.append((req, target.binding, None, f"{kind}:{target.unusable}"))
                    continue
                jobs.append((req, target.binding, functools.partial(registered.BINDING_CHECKS[req.id], probe), ""))
        report.results, transport_errors = await _run_all(jobs, plan.timeout, progress)
        report.elapsed = time.monotonic() - started
        _raise_if_unreachable(report, transport_errors)
        return report
    finally:
        await client.aclose()


async def _run_all(
    jobs: list[tuple[Requirement, str, Callable[[], Any] | None, str]], timeout: float, progress: Progress | None
) -> tuple[list[Result], list[A2ACliError]]:
    gate = asyncio.Semaphore(CONCURRENCY)
    results: list[Result] = []
    total = len(jobs)
    transport_errors: list[A2ACliError] = []

    async def one(req: Requirement, binding: str, make: Callable[[], Any] | None, preset: str) -> None:
        started = time.monotonic()
        pointer: str | None = None
        if make is None:
            kind, _, reason = preset.partition(":")
            status = Status.SKIP if kind == "skip" else Status.FAIL
        else:
            async with gate:
                started = time.monotonic()
                try:
                    async with asyncio.timeout(timeout):
                        note = await make()
                    status, reason = Status.PASS, str(note)
                except CheckFailed as exc:
                    status, reason, pointer = Status.FAIL, exc.reason, exc.pointer
                except CheckSkipped as exc:
                    status, reason = Status.SKIP, exc.reason
                except TimeoutError:
                    status, reason = Status.FAIL, f"no answer within {timeout:g}s"
                    transport_errors.append(TimeoutExpiredError(f"the agent did not answer within {timeout:g}s"))
                except A2ACliError as exc:
                    status, reason = Status.FAIL, f"{exc.code}: {exc.message}"
                    if exc.exit_status in (ExitStatus.UNREACHABLE, ExitStatus.AUTH, ExitStatus.TIMEOUT):
                        transport_errors.append(exc)
                except Exception as exc:  # a check's own bug must not end the run: it is reported as a failure
                    status, reason = Status.FAIL, f"the check broke: {type(exc).__name__}: {exc}"
        if binding == CARD and status is Status.FAIL and pointer is None:
            pointer = ""
        result = Result(
            req.id,
            req.level,
            req.title,
            binding,
            status,
            reason,
            time.monotonic() - started,
            pointer if binding == CARD else None,
        )
        results.append(result)
        if progress is not None:
            progress(result, len(results), total)

    await asyncio.gather(*(one(*job) for job in jobs))
    return results, transport_errors


def _raise_if_unreachable(report: Report, errors: list[A2ACliError]) -> None:
    """No binding check passed, and the agent was unreachable, refused the credentials or stayed silent: that is
    the run's outcome (exit 4, 3 or 5, in that order), not a conformance verdict."""
    ran = [r for r in report.results if r.binding != CARD and r.status is not Status.SKIP]
    if not ran or not errors or any(r.status is Status.PASS for r in ran):
        return
    for status in (ExitStatus.AUTH, ExitStatus.UNREACHABLE, ExitStatus.TIMEOUT):
        for error in errors:
            if error.exit_status == status:
                raise error


def binding_names(values: list[str] | None) -> tuple[str, ...]:
    return tuple(normalize_binding(v) for v in values or ())
