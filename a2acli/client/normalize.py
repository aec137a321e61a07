"""Normalise A2A 0.3 / 0.2 JSON into A2A 1.0 JSON (proto JSON field names), and 1.0 requests into 0.3.

Scripts see ONE schema whatever the agent speaks: `TASK_STATE_*`, `ROLE_*`, parts as `{"text"}`, `{"raw"}`,
`{"url"}`, `{"data"}` with `mediaType`/`filename`, StreamResponse as `{"task"|"message"|"statusUpdate"|
"artifactUpdate": ...}`. Inputs handled:

- 0.3 / 0.2 JSON-RPC: kind-tagged objects (`"kind": "task" | "message" | "status-update" | "artifact-update"`),
  lowercase/kebab states (`input-required`), roles `user`/`agent`, parts `{"kind": "text"|"file"|"data"}`.
- 0.3 HTTP+JSON: the v0.3 proto JSON (`msg`, `content`, `update`, `TASK_STATE_CANCELLED`, `fileWithBytes`, ...),
  in camelCase or snake_case.

Pure functions, total on any JSON input: unknown shapes raise `ValueError` (mapped to a typed error by the
caller), never another exception. Mirrors a2a-sdk `compat/v0_3/conversions.py`, on plain dicts.
"""

from __future__ import annotations

import re
from typing import Any

# The state vocabulary is protocol.py's; re-exported for the turn's modules, which import it from here.
from a2acli.protocol import FINAL_STATES as FINAL_STATES
from a2acli.protocol import INTERRUPTED_STATES as INTERRUPTED_STATES
from a2acli.protocol import TERMINAL_STATES as TERMINAL_STATES
from a2acli.protocol import state_v10 as state_v10

_SNAKE = re.compile(r"_([a-z0-9])")


def _camel(key: str) -> str:
    return _SNAKE.sub(lambda m: m.group(1).upper(), key) if "_" in key else key


def _get(obj: dict[str, Any], *names: str) -> Any:
    """The first present key among `names` (camelCase first, then its snake_case spelling)."""
    for name in names:
        if name in obj:
            return obj[name]
    return None


def role_v10(value: Any) -> str:
    if isinstance(value, str):
        low = value.lower()
        if low in ("user", "role_user"):
            return "ROLE_USER"
        if low in ("agent", "role_agent"):
            return "ROLE_AGENT"
    return "ROLE_UNSPECIFIED"


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a JSON array")
    return value


def _copy_meta(src: dict[str, Any], dst: dict[str, Any]) -> None:
    meta = src.get("metadata")
    if isinstance(meta, dict) and meta:
        dst["metadata"] = meta


# ---------------------------------------------------------------------------------------------- 0.x -> 1.0


def part_v10(part: Any) -> dict[str, Any]:
    p = _dict(part, "part")
    kind = p.get("kind") or p.get("type")
    out: dict[str, Any] = {}
    if kind == "text" or (kind is None and "text" in p):
        text = p.get("text")
        out["text"] = text if isinstance(text, str) else ("" if text is None else str(text))
    elif kind == "data" or (kind is None and "data" in p):
        data = p.get("data")
        meta = p.get("metadata")
        if kind is None and isinstance(data, dict) and set(data) == {"data"}:
            data = data["data"]  # 0.3 proto JSON: DataPart{data: Struct}
        if isinstance(meta, dict) and meta.get("data_part_compat") and isinstance(data, dict):
            data = data.get("value")
            meta = {k: v for k, v in meta.items() if k != "data_part_compat"}
            if meta:
                out["metadata"] = meta
            out["data"] = data
            return out
        out["data"] = data
    elif kind == "file" or (kind is None and "file" in p):
        f = _dict(p.get("file"), "file part")
        raw = _get(f, "bytes", "fileWithBytes", "file_with_bytes")
        uri = _get(f, "uri", "fileWithUri", "file_with_uri")
        if isinstance(raw, str):
            out["raw"] = raw
        elif isinstance(uri, str):
            out["url"] = uri
        else:
            raise ValueError("file part has neither bytes nor uri")
        media = _get(f, "mimeType", "mime_type", "mediaType")
        if isinstance(media, str) and media:
            out["mediaType"] = media
        name = f.get("name")
        if isinstance(name, str) and name:
            out["filename"] = name
    elif any(k in p for k in ("raw", "url")):
        return dict(p)  # already 1.0
    else:
        raise ValueError(f"unknown part kind {kind!r}")
    _copy_meta(p, out)
    return out


def message_v10(msg: Any) -> dict[str, Any]:
    m = _dict(msg, "message")
    out: dict[str, Any] = {}
    mid = _get(m, "messageId", "message_id")
    out["messageId"] = mid if isinstance(mid, str) else ""
    for src, dst in (
        ("contextId", "contextId"),
        ("context_id", "contextId"),
        ("taskId", "taskId"),
        ("task_id", "taskId"),
    ):
        v = m.get(src)
        if isinstance(v, str) and v and dst not in out:
            out[dst] = v
    out["role"] = role_v10(m.get("role"))
    parts = _get(m, "parts", "content")
    out["parts"] = [part_v10(p) for p in _list(parts, "message parts")]
    _copy_meta(m, out)
    for src in ("extensions", "referenceTaskIds", "reference_task_ids"):
        v = m.get(src)
        if isinstance(v, list) and v:
            out[_camel(src)] = v
    return out


def status_v10(status: Any) -> dict[str, Any]:
    s = _dict(status, "task status")
    out: dict[str, Any] = {"state": state_v10(s.get("state"))}
    msg = _get(s, "message", "update")
    if isinstance(msg, dict):
        out["message"] = message_v10(msg)
    ts = s.get("timestamp")
    if isinstance(ts, str) and ts:
        out["timestamp"] = ts
    return out


def artifact_v10(artifact: Any) -> dict[str, Any]:
    a = _dict(artifact, "artifact")
    aid = _get(a, "artifactId", "artifact_id")
    out: dict[str, Any] = {"artifactId": aid if isinstance(aid, str) else ""}
    for key in ("name", "description"):
        v = a.get(key)
        if isinstance(v, str) and v:
            out[key] = v
    out["parts"] = [part_v10(p) for p in _list(a.get("parts"), "artifact parts")]
    _copy_meta(a, out)
    ext = a.get("extensions")
    if isinstance(ext, list) and ext:
        out["extensions"] = ext
    return out


def task_v10(task: Any) -> dict[str, Any]:
    t = _dict(task, "task")
    tid = t.get("id")
    cid = _get(t, "contextId", "context_id")
    out: dict[str, Any] = {"id": tid if isinstance(tid, str) else "", "contextId": cid if isinstance(cid, str) else ""}
    out["status"] = status_v10(t.get("status") or {})
    arts = t.get("artifacts")
    if arts:
        out["artifacts"] = [artifact_v10(a) for a in _list(arts, "artifacts")]
    hist = t.get("history")
    if hist:
        out["history"] = [message_v10(m) for m in _list(hist, "history")]
    _copy_meta(t, out)
    return out


def status_update_v10(event: Any) -> dict[str, Any]:
    e = _dict(event, "status update")
    out: dict[str, Any] = {
        "taskId": _str(_get(e, "taskId", "task_id")),
        "contextId": _str(_get(e, "contextId", "context_id")),
        "status": status_v10(e.get("status") or {}),
    }
    _copy_meta(e, out)
    return out


def artifact_update_v10(event: Any) -> dict[str, Any]:
    e = _dict(event, "artifact update")
    out: dict[str, Any] = {
        "taskId": _str(_get(e, "taskId", "task_id")),
        "contextId": _str(_get(e, "contextId", "context_id")),
        "artifact": artifact_v10(e.get("artifact") or {}),
    }
    if e.get("append") is True:
        out["append"] = True
    if _get(e, "lastChunk", "last_chunk") is True:
        out["lastChunk"] = True
    _copy_meta(e, out)
    return out


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


_KINDS = {
    "task": ("task", task_v10),
    "message": ("message", message_v10),
    "status-update": ("statusUpdate", status_update_v10),
    "artifact-update": ("artifactUpdate", artifact_update_v10),
}
_WRAPPERS = {
    "task": ("task", task_v10),
    "message": ("message", message_v10),
    "msg": ("message", message_v10),
    "statusUpdate": ("statusUpdate", status_update_v10),
    "status_update": ("statusUpdate", status_update_v10),
    "artifactUpdate": ("artifactUpdate", artifact_update_v10),
    "artifact_update": ("artifactUpdate", artifact_update_v10),
}


def stream_response_v10(obj: Any) -> dict[str, Any]:
    """A 0.x event (kind-tagged, or a 0.3 proto-JSON StreamResponse wrapper) -> a 1.0 StreamResponse."""
    o = _dict(obj, "event")
    kind = o.get("kind")
    if isinstance(kind, str) and kind in _KINDS:
        key, fn = _KINDS[kind]
        return {key: fn(o)}
    for wrapper, (key, fn) in _WRAPPERS.items():
        if wrapper in o and isinstance(o[wrapper], dict):
            return {key: fn(o[wrapper])}
    raise ValueError("event is neither a task, a message, a status update nor an artifact update")


def send_response_v10(obj: Any) -> dict[str, Any]:
    """A 0.x SendMessage result (a Task or a Message) -> a 1.0 SendMessageResponse."""
    event = stream_response_v10(obj)
    if "task" in event or "message" in event:
        return event
    raise ValueError("SendMessage answered neither a task nor a message")


def push_config_v10(obj: Any) -> dict[str, Any]:
    """0.3 TaskPushNotificationConfig `{taskId, pushNotificationConfig: {...}}` -> 1.0 flat form."""
    o = _dict(obj, "push notification config")
    inner = _get(o, "pushNotificationConfig", "push_notification_config")
    out: dict[str, Any] = {}
    tid = _get(o, "taskId", "task_id")
    if not isinstance(tid, str):
        name = o.get("name")  # 0.3 proto JSON: "tasks/{id}/pushNotificationConfigs/{cid}"
        if isinstance(name, str) and name.startswith("tasks/"):
            tid = name.split("/")[1]
    if isinstance(tid, str):
        out["taskId"] = tid
    src = inner if isinstance(inner, dict) else o
    for key in ("id", "url", "token"):
        v = src.get(key)
        if isinstance(v, str) and v:
            out[key] = v
    auth = src.get("authentication")
    if isinstance(auth, dict):
        schemes = auth.get("schemes")
        a: dict[str, Any] = {}
        if isinstance(schemes, list) and schemes and isinstance(schemes[0], str):
            a["scheme"] = schemes[0]
        elif isinstance(auth.get("scheme"), str):
            a["scheme"] = auth["scheme"]
        if isinstance(auth.get("credentials"), str):
            a["credentials"] = auth["credentials"]
        out["authentication"] = a
    return out


# ---------------------------------------------------------------------------------------------- 1.0 -> 0.3


def part_v03(part: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any]
    meta = part.get("metadata")
    if "text" in part:
        out = {"kind": "text", "text": part["text"]}
    elif "data" in part:
        data = part["data"]
        if isinstance(data, dict):
            out = {"kind": "data", "data": data}
        else:
            out = {"kind": "data", "data": {"value": data}}
            meta = {**(meta if isinstance(meta, dict) else {}), "data_part_compat": True}
    elif "raw" in part or "url" in part:
        f: dict[str, Any] = {"bytes": part["raw"]} if "raw" in part else {"uri": part["url"]}
        if part.get("mediaType"):
            f["mimeType"] = part["mediaType"]
        if part.get("filename"):
            f["name"] = part["filename"]
        out = {"kind": "file", "file": f}
    else:
        raise ValueError("part has no content")
    if isinstance(meta, dict) and meta:
        out["metadata"] = meta
    return out


def message_v03(msg: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "message",
        "messageId": msg.get("messageId", ""),
        "role": "agent" if msg.get("role") == "ROLE_AGENT" else "user",
        "parts": [part_v03(p) for p in msg.get("parts", [])],
    }
    for key in ("contextId", "taskId", "metadata", "extensions", "referenceTaskIds"):
        if msg.get(key):
            out[key] = msg[key]
    return out


def push_config_v03(cfg: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"url": cfg.get("url", "")}
    for key in ("id", "token"):
        if cfg.get(key):
            out[key] = cfg[key]
    auth = cfg.get("authentication")
    if isinstance(auth, dict):
        out["authentication"] = {
            "schemes": [auth["scheme"]] if auth.get("scheme") else [],
            **({"credentials": auth["credentials"]} if auth.get("credentials") else {}),
        }
    return out


def send_params_v03(params: dict[str, Any]) -> dict[str, Any]:
    """1.0 SendMessageRequest JSON -> 0.3 MessageSendParams (JSON-RPC `message/send`, `message/stream`)."""
    out: dict[str, Any] = {"message": message_v03(params.get("message") or {})}
    cfg = params.get("configuration")
    if isinstance(cfg, dict) and cfg:
        c: dict[str, Any] = {}
        if cfg.get("acceptedOutputModes"):
            c["acceptedOutputModes"] = cfg["acceptedOutputModes"]
        if cfg.get("historyLength") is not None:
            c["historyLength"] = cfg["historyLength"]
        push = cfg.get("taskPushNotificationConfig")
        if isinstance(push, dict):
            c["pushNotificationConfig"] = push_config_v03(push)
        c["blocking"] = not cfg.get("returnImmediately", False)
        out["configuration"] = c
    if params.get("metadata"):
        out["metadata"] = params["metadata"]
    return out


def _proto_part_v03(part: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any]
    if "text" in part:
        out = {"text": part["text"]}
    elif "data" in part:
        data = part["data"]
        out = {"data": {"data": data if isinstance(data, dict) else {"value": data}}}
    else:
        f: dict[str, Any] = {"fileWithBytes": part["raw"]} if "raw" in part else {"fileWithUri": part.get("url", "")}
        if part.get("mediaType"):
            f["mimeType"] = part["mediaType"]
        if part.get("filename"):
            f["name"] = part["filename"]
        out = {"file": f}
    if part.get("metadata"):
        out["metadata"] = part["metadata"]
    return out


def send_body_rest_v03(params: dict[str, Any]) -> dict[str, Any]:
    """1.0 SendMessageRequest JSON -> the 0.3 HTTP+JSON body (v0.3 proto JSON)."""
    msg = params.get("message") or {}
    m: dict[str, Any] = {
        "messageId": msg.get("messageId", ""),
        "role": "ROLE_AGENT" if msg.get("role") == "ROLE_AGENT" else "ROLE_USER",
        "content": [_proto_part_v03(p) for p in msg.get("parts", [])],
    }
    for key in ("contextId", "taskId", "metadata", "extensions"):
        if msg.get(key):
            m[key] = msg[key]
    out: dict[str, Any] = {"message": m}
    cfg = params.get("configuration")
    if isinstance(cfg, dict) and cfg:
        c: dict[str, Any] = {"blocking": not cfg.get("returnImmediately", False)}
        if cfg.get("acceptedOutputModes"):
            c["acceptedOutputModes"] = cfg["acceptedOutputModes"]
        if cfg.get("historyLength") is not None:
            c["historyLength"] = cfg["historyLength"]
        push = cfg.get("taskPushNotificationConfig")
        if isinstance(push, dict):
            c["pushNotification"] = push_config_v03(push)
        out["configuration"] = c
    if params.get("metadata"):
        out["metadata"] = params["metadata"]
    return out
