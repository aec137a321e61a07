"""The short text summary each tool result carries beside its protocol objects, and the bounds on both. Pure.

Agent text is untrusted twice over here: an MCP client may show the summary in a terminal (so escape sequences and
controls are removed, `render.sanitize`), and a model reads it (so the agent's words are fenced off as the agent's,
and never mixed with this server's own lines). Every summary is capped; so is the structured content, whose long
strings are cut when the whole would not fit (`bounded`).
"""

from __future__ import annotations

import json
from typing import Any

from a2acli.render.events import message_text, part_kind, short_state
from a2acli.render.sanitize import clean_line, clean_text

MAX_SUMMARY_TEXT = 8_000  # characters of agent text in one summary
MAX_PROGRESS_TEXT = 500  # characters of agent text in one progress message
MAX_RESULT_BYTES = 1024 * 1024  # the structured content of one result, as JSON
MAX_STRING_WHEN_BOUNDED = 16 * 1024  # each string of a result that was over MAX_RESULT_BYTES

FENCE_OPEN = "--- agent text (untrusted, as the agent sent it) ---"
FENCE_CLOSE = "--- end of agent text ---"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f" … [{len(text) - limit} more characters not shown]"


def untrusted_line(value: Any, limit: int = 200) -> str:
    """One agent-supplied field (a name, an id, a state) for a summary line."""
    return cut(clean_line(value), limit)


def fenced(text: str, limit: int = MAX_SUMMARY_TEXT) -> list[str]:
    """Agent text as a fenced block of summary lines (none when it is empty)."""
    body = cut(clean_text(text).strip("\n"), limit)
    if not body.strip():
        return []
    return [FENCE_OPEN, body, FENCE_CLOSE]


def task_text(task: dict[str, Any]) -> str:
    """What a task says: its artifacts' text parts in order, then its status message's text."""
    chunks: list[str] = []
    for artifact in _list(task.get("artifacts")):
        text = "".join(str(p.get("text", "")) for p in _list(_dict(artifact).get("parts")) if part_kind(p) == "text")
        if text:
            chunks.append(text)
    status_message = _dict(_dict(task.get("status")).get("message"))
    if status_message:
        said = message_text(status_message)
        if said:
            chunks.append(said)
    return "\n".join(chunks)


def result_text(result: dict[str, Any] | None) -> str:
    """The text of a SendMessageResponse-shaped result: the task's, or the message's."""
    if result is None:
        return ""
    if isinstance(result.get("task"), dict):
        return task_text(result["task"])
    if isinstance(result.get("message"), dict):
        return message_text(result["message"])
    return ""


def _other_parts(parts: list[Any]) -> list[str]:
    kinds = [part_kind(p) for p in parts if part_kind(p) != "text"]
    return [f"{kinds.count(k)} {k} part(s)" for k in dict.fromkeys(kinds)]


def task_lines(task: dict[str, Any]) -> list[str]:
    """The ids and state of a task, one line; what else it holds besides text."""
    status = _dict(task.get("status"))
    line = (
        f"Task {untrusted_line(task.get('id'))} (context {untrusted_line(task.get('contextId'))}):"
        f" {short_state(status.get('state'))}"
    )
    lines = [line]
    artifacts = [_dict(a) for a in _list(task.get("artifacts"))]
    if artifacts:
        names = ", ".join(untrusted_line(a.get("name") or a.get("artifactId") or "-", 80) for a in artifacts[:10])
        more = f" and {len(artifacts) - 10} more" if len(artifacts) > 10 else ""
        other = _other_parts([p for a in artifacts for p in _list(a.get("parts"))])
        lines.append(f"Artifacts: {names}{more}" + (f" (besides text: {', '.join(other)})" if other else ""))
    return lines


def result_summary(result: dict[str, Any] | None, *, notes: list[str] | None = None) -> str:
    """A send's result: the task line (or the message's), then the agent's text fenced."""
    lines: list[str] = []
    if result is not None and isinstance(result.get("task"), dict):
        lines += task_lines(result["task"])
    elif result is not None and isinstance(result.get("message"), dict):
        message = result["message"]
        lines.append(
            f"Message {untrusted_line(message.get('messageId'))} (context {untrusted_line(message.get('contextId'))})"
        )
        other = _other_parts(_list(message.get("parts")))
        if other:
            lines.append(f"Besides text: {', '.join(other)}")
    else:
        lines.append("The agent returned no task and no message.")
    lines += fenced(result_text(result))
    lines += [f"Note: {clean_line(n)}" for n in notes or ()]
    return "\n".join(lines)


def event_progress(event: dict[str, Any]) -> str:
    """One StreamResponse as a progress message: the state it reports, or the text it adds (sanitised, capped)."""
    if isinstance(event.get("statusUpdate"), dict):
        update = event["statusUpdate"]
        status = _dict(update.get("status"))
        said = message_text(_dict(status.get("message")))
        text = f"status: {short_state(status.get('state'))}"
        return text + (f" · {cut(clean_line(said), MAX_PROGRESS_TEXT)}" if said else "")
    if isinstance(event.get("artifactUpdate"), dict):
        artifact = _dict(event["artifactUpdate"].get("artifact"))
        parts = _list(artifact.get("parts"))
        said = "".join(str(p.get("text", "")) for p in parts if part_kind(p) == "text")
        name = untrusted_line(artifact.get("name") or artifact.get("artifactId") or "artifact", 80)
        if said:
            return f"artifact {name}: {cut(clean_line(said), MAX_PROGRESS_TEXT)}"
        return f"artifact {name}: {', '.join(_other_parts(parts)) or 'no parts'}"
    if isinstance(event.get("task"), dict):
        task = event["task"]
        return f"task {untrusted_line(task.get('id'))}: {short_state(_dict(task.get('status')).get('state'))}"
    if isinstance(event.get("message"), dict):
        return f"message: {cut(clean_line(message_text(event['message'])), MAX_PROGRESS_TEXT)}"
    return "event"


def card_summary(card: dict[str, Any], source: str) -> str:
    """A card's name, version, what it speaks, its skills; the description fenced."""
    caps = _dict(card.get("capabilities"))
    interfaces = []
    for entry in _list(card.get("supportedInterfaces")):
        entry = _dict(entry)
        binding = untrusted_line(entry.get("protocolBinding") or "?", 40)
        version = untrusted_line(entry.get("protocolVersion") or "?", 20)
        interfaces.append(f"{binding} {version} at {untrusted_line(entry.get('url'), 300)}")
    if not interfaces and card.get("url"):
        transport = untrusted_line(card.get("preferredTransport") or "JSONRPC", 40)
        version = untrusted_line(card.get("protocolVersion") or "0.3", 20)
        interfaces.append(f"{transport} {version} at {untrusted_line(card.get('url'), 300)}")
    skills = [_dict(s) for s in _list(card.get("skills"))]
    lines = [
        f"Agent {untrusted_line(card.get('name'))} (version {untrusted_line(card.get('version'), 40)}), card from"
        f" {untrusted_line(source, 300)}",
        "Interfaces: " + ("; ".join(interfaces[:10]) or "none"),
        "Streaming: "
        + ("yes" if caps.get("streaming") is True else "no")
        + " · push notifications: "
        + ("yes" if caps.get("pushNotifications") is True else "no"),
        f"Skills ({len(skills)}): " + ", ".join(untrusted_line(s.get("name") or s.get("id"), 80) for s in skills[:20]),
    ]
    description = card.get("description")
    lines += fenced(description if isinstance(description, str) else "", 2_000)
    return "\n".join(lines)


def skills_summary(skills: list[dict[str, Any]], agent: str) -> str:
    lines = [f"{len(skills)} skill(s) of {untrusted_line(agent)}:"]
    for skill in skills[:50]:
        tags = ", ".join(untrusted_line(t, 40) for t in _list(skill.get("tags"))[:8])
        lines.append(
            f"- {untrusted_line(skill.get('id'), 80)}: {untrusted_line(skill.get('name'), 80)}"
            + (f" [{tags}]" if tags else "")
        )
    if len(skills) > 50:
        lines.append(f"… and {len(skills) - 50} more (see the structured content)")
    descriptions = "\n".join(
        f"{clean_line(s.get('id'))}: {clean_line(s.get('description'))}" for s in skills[:50] if s.get("description")
    )
    return "\n".join(lines + fenced(descriptions, 4_000))


def report_summary(report: dict[str, Any]) -> str:
    """A validation report: the verdict and counts, then the findings (the rules' text, not the agent's)."""
    counts = _dict(report.get("summary"))
    verdict = "valid" if report.get("valid") else "INVALID"
    version = _dict(report.get("version"))
    lines = [
        f"The card is {verdict}"
        + (" (passes)" if report.get("passed") else " (does not pass)")
        + f": {counts.get('errors', 0)} error(s), {counts.get('warnings', 0)} warning(s), {counts.get('info', 0)} info"
        + (f"; written for {untrusted_line(version.get('label') or version.get('detected'), 60)}" if version else ""),
    ]
    for finding in [_dict(f) for f in _list(report.get("findings"))][:40]:
        lines.append(
            f"- {finding.get('severity')} {finding.get('code')} at {untrusted_line(finding.get('pointer'), 120)}:"
            f" {untrusted_line(finding.get('message'), 300)}"
        )
    if len(_list(report.get("findings"))) > 40:
        lines.append(f"… and {len(_list(report.get('findings'))) - 40} more findings (see the structured content)")
    return "\n".join(lines)


def task_page_summary(page: dict[str, Any]) -> str:
    tasks = [_dict(t) for t in _list(page.get("tasks"))]
    lines = [
        f"{len(tasks)} task(s)"
        + (f"; next page token: {untrusted_line(page['nextPageToken'])}" if page.get("nextPageToken") else "")
    ]
    for task in tasks[:50]:
        lines += task_lines(task)[:1]
    if len(tasks) > 50:
        lines.append(f"… and {len(tasks) - 50} more (see the structured content)")
    return "\n".join(lines)


def bounded(doc: dict[str, Any], limit: int = MAX_RESULT_BYTES) -> tuple[dict[str, Any], bool]:
    """`doc` as is when its JSON fits in `limit` bytes; else a copy whose long strings are cut (same shape), and
    True. A 256 MB artifact must not become a 256 MB tool result in a model's context."""
    size = len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace"))
    if size <= limit:
        return doc, False

    def shrink(value: Any) -> Any:
        if isinstance(value, str):
            return cut(value, MAX_STRING_WHEN_BOUNDED)
        if isinstance(value, list):
            return [shrink(v) for v in value[:1000]]
        if isinstance(value, dict):
            return {k: shrink(v) for k, v in value.items()}
        return value

    return shrink(doc), True
