"""`a2a card validate --live`: probe the agent behind a card (card work, issue 3; uses the client layer).

Checks, each a finding with a stable code (AC1xx):
- the card is served at the well-known path of each interface's origin (AC101);
- every JSON-RPC / HTTP+JSON interface answers as an A2A endpoint: a GetTask for a task id that cannot exist must
  come back as TaskNotFoundError (AC102 unreachable, AC103 answers but not as A2A);
- version negotiation: a request declaring an unknown A2A-Version (99.0) is refused with VersionNotSupportedError
  (AC104) rather than silently served;
- with `stream=True` only (it creates a task): an agent that advertises streaming streams at least one event on
  the selected interface (AC105), and the probe task is cancelled afterwards.
Successful checks are reported as AC100 info findings so a report shows what was verified.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from a2acli.cards.findings import Findings, pointer
from a2acli.client.wire import UNNAMED_AGENT_ERROR
from a2acli.errors import A2ACliError, ProtocolError

if TYPE_CHECKING:
    import httpx

    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.client.connection import AgentConnection
    from a2acli.protocol import JSONObject
    from a2acli.settings import ConnectionSettings

PROBE_TIMEOUT = 10.0
STREAM_TIMEOUT = 15.0


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


async def probe_live(resolved: ResolvedCard, settings: ConnectionSettings, *, stream: bool = False) -> Findings:
    from a2acli.client.card_resolver import WELL_KNOWN_PATH, resolve_card
    from a2acli.client.connection import AgentConnection
    from a2acli.client.interfaces import GRPC, GRPC_EXTRA, Interface, declared_interfaces, grpc_installed
    from a2acli.client.wire import make_http_client

    findings = Findings()
    # Keyed by the card entry, not the URL: a dual-version agent serves 1.0 and 0.3 at one URL.
    declared = declared_interfaces(resolved.document, resolved.base_url)
    interfaces = [iface for _, iface in declared]
    if not interfaces:
        findings.add("AC102", "", "the card declares no interface to probe", "add supportedInterfaces")
        return findings
    client = make_http_client(settings)
    try:
        # 1. the card at the well-known path of every interface origin
        for origin in dict.fromkeys(_origin(i.url) for i in interfaces if i.url.startswith(("http://", "https://"))):
            try:
                async with asyncio.timeout(PROBE_TIMEOUT):
                    served = await resolve_card(origin + WELL_KNOWN_PATH, settings, client=client)
            except (A2ACliError, TimeoutError) as exc:
                message = exc.message if isinstance(exc, A2ACliError) else "timed out"
                findings.add(
                    "AC101",
                    "",
                    f"no card at {origin}{WELL_KNOWN_PATH}: {message}",
                    "serve the card at the well-known path of the agent's origin (A2A §8.2)",
                )
                continue
            if served.document.get("name") != resolved.document.get("name"):
                findings.add(
                    "AC101",
                    "",
                    f"the card at {origin}{WELL_KNOWN_PATH} names another agent",
                    "serve this card at the well-known path",
                )
            else:
                findings.add("AC100", "", f"card served at {origin}{WELL_KNOWN_PATH}")

        # 2. every interface answers as A2A; 3. version negotiation
        for path, iface in declared:
            at = pointer(*path)
            label = f"{iface.binding} {iface.protocol_version} at {iface.url}"
            if iface.binding == GRPC and not grpc_installed():
                findings.add("AC100", at, f"{label}: gRPC is not probed (needs {GRPC_EXTRA})")
                continue
            if iface.binding not in ("JSONRPC", "HTTP+JSON", GRPC):
                findings.add("AC100", at, f"{label}: custom binding, not probed")
                continue
            conn = AgentConnection(resolved, settings, client, interface=iface)
            try:
                answered = await _expect_not_found(conn, findings, at, label)
            finally:
                await conn.aclose()  # a gRPC channel
            if not answered or iface.legacy:
                continue
            odd = AgentConnection(
                resolved, settings, client, interface=Interface(iface.url, iface.binding, "99.0", iface.tenant)
            )
            try:
                await _expect_version_refused(odd, findings, at)
            finally:
                await odd.aclose()

        # 4. streaming, opt-in
        if stream:
            await _probe_stream(resolved, settings, client, findings)
    finally:
        await client.aclose()
    return findings


async def _expect_not_found(conn: AgentConnection, findings: Findings, at: str, label: str) -> bool:
    probe_id = f"a2acli-probe-{uuid.uuid4()}"
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            await conn.get_task(probe_id)
    except ProtocolError as exc:
        if exc.code == "TaskNotFoundError":
            findings.add("AC100", at, f"{label} answers as an A2A endpoint")
            return True
        if exc.code in (UNNAMED_AGENT_ERROR, "InvalidAgentResponseError", "MethodNotFoundError"):
            findings.add(
                "AC103",
                at,
                f"{label} does not answer as an A2A endpoint: {exc.message}",
                "check the interface URL and binding",
            )
            return False
        findings.add("AC100", at, f"{label} answers ({exc.code} for an unknown task)")
        return True
    except TimeoutError:
        findings.add("AC102", at, f"{label} did not answer within {PROBE_TIMEOUT:g}s", "is the agent running?")
        return False
    except A2ACliError as exc:
        code = "AC102" if exc.exit_status in (3, 5) else "AC103"
        findings.add(code, at, f"{label}: {exc.message}", "check the interface URL, binding and credentials")
        return False
    findings.add("AC103", at, f"{label} returned a task for an id that cannot exist ({probe_id})", "check the endpoint")
    return False


async def _expect_version_refused(conn: AgentConnection, findings: Findings, at: str) -> None:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            await conn.get_task(f"a2acli-probe-{uuid.uuid4()}")
    except ProtocolError as exc:
        if exc.code == "VersionNotSupportedError":
            findings.add("AC100", at, "an unknown A2A-Version (99.0) is refused with VersionNotSupportedError")
            return
        findings.add(
            "AC104",
            at,
            f"a request for A2A-Version 99.0 was answered with {exc.code}, not VersionNotSupportedError",
            "refuse versions the agent does not speak (A2A §3.6.2)",
        )
        return
    except (A2ACliError, TimeoutError):
        return  # reachability is reported by the previous check
    findings.add(
        "AC104",
        at,
        "a request for A2A-Version 99.0 was served as if the agent spoke it",
        "refuse versions the agent does not speak (A2A §3.6.2)",
    )


async def _probe_stream(
    resolved: ResolvedCard, settings: ConnectionSettings, client: httpx.AsyncClient, findings: Findings
) -> None:
    from a2acli.client.connection import AgentConnection

    caps = resolved.document.get("capabilities")
    if not (isinstance(caps, dict) and caps.get("streaming") is True):
        findings.add("AC100", "/capabilities/streaming", "streaming not advertised; not probed")
        return
    try:
        conn = AgentConnection(resolved, settings, client)
    except A2ACliError as exc:
        findings.add("AC105", "/capabilities/streaming", f"no interface to stream from: {exc.message}")
        return
    message: JSONObject = {
        "message": {
            "messageId": f"a2acli-probe-{uuid.uuid4()}",
            "role": "ROLE_USER",
            "parts": [{"text": "a2a card validate --live probe: please ignore"}],
        }
    }
    events = 0
    task_id: str | None = None
    try:
        async with asyncio.timeout(STREAM_TIMEOUT):
            async for event in conn.stream_message(message):
                events += 1
                task = event.get("task") if isinstance(event, dict) else None
                if isinstance(task, dict) and isinstance(task.get("id"), str):
                    task_id = task["id"]
                if events >= 2:
                    break
    except TimeoutError:
        pass
    except A2ACliError as exc:
        findings.add(
            "AC105",
            "/capabilities/streaming",
            f"streaming is advertised but SendStreamingMessage failed: {exc.message}",
            "implement streaming, or set capabilities.streaming to false",
        )
        return
    if events == 0:
        findings.add(
            "AC105",
            "/capabilities/streaming",
            f"streaming is advertised but no event arrived within {STREAM_TIMEOUT:g}s",
            "implement streaming, or set capabilities.streaming to false",
        )
    else:
        findings.add("AC100", "/capabilities/streaming", f"streaming works ({events} event(s) received)")
    if task_id:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await conn.cancel_task(task_id)
        except (A2ACliError, TimeoutError):
            pass
