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

from typing import cast

from a2acli.protocol import (
    ROLE_AGENT,
    ROLE_UNSPECIFIED,
    ROLE_USER,
    Artifact,
    AuthenticationInfo,
    JSONObject,
    JSONValue,
    Message,
    Part,
    SendMessageResponse,
    StreamResponse,
    Task,
    TaskArtifactUpdateEvent,
    TaskPushNotificationConfig,
    TaskStatus,
    TaskStatusUpdateEvent,
    state_v10,
)


def _get(obj: JSONObject, *names: str) -> JSONValue:
    """The first present key among `names` (camelCase first, then its snake_case spelling)."""
    for name in names:
        if name in obj:
            return obj[name]
    return None


def role_v10(value: object) -> str:
    if isinstance(value, str):
        low = value.lower()
        if low in ("user", "role_user"):
            return ROLE_USER
        if low in ("agent", "role_agent"):
            return ROLE_AGENT
    return ROLE_UNSPECIFIED


def _dict(value: object, what: str) -> JSONObject:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object")
    return value


def _list(value: object, what: str) -> list[JSONValue]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a JSON array")
    return value


def _meta(src: JSONObject) -> JSONObject | None:
    meta = src.get("metadata")
    return meta if isinstance(meta, dict) and meta else None


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _strings(value: object) -> list[str] | None:
    """A non-empty JSON array, as agents send it (its items are not checked: they are shown as received)."""
    return cast("list[str]", value) if isinstance(value, list) and value else None


# ---------------------------------------------------------------------------------------------- 0.x -> 1.0


def part_v10(part: object) -> Part:
    p = _dict(part, "part")
    kind = p.get("kind") or p.get("type")
    out: Part = {}
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
        return cast(Part, dict(p))  # already 1.0
    else:
        raise ValueError(f"unknown part kind {kind!r}")
    if (meta := _meta(p)) is not None:
        out["metadata"] = meta
    return out


def message_v10(msg: object) -> Message:
    m = _dict(msg, "message")
    out: Message = {"messageId": _str(_get(m, "messageId", "message_id"))}
    context = next((v for v in (m.get("contextId"), m.get("context_id")) if isinstance(v, str) and v), None)
    task = next((v for v in (m.get("taskId"), m.get("task_id")) if isinstance(v, str) and v), None)
    if context is not None:
        out["contextId"] = context
    if task is not None:
        out["taskId"] = task
    out["role"] = role_v10(m.get("role"))
    out["parts"] = [part_v10(p) for p in _list(_get(m, "parts", "content"), "message parts")]
    if (meta := _meta(m)) is not None:
        out["metadata"] = meta
    if (extensions := _strings(m.get("extensions"))) is not None:
        out["extensions"] = extensions
    for key in ("referenceTaskIds", "reference_task_ids"):  # the snake_case spelling wins, as it always did
        if (references := _strings(m.get(key))) is not None:
            out["referenceTaskIds"] = references
    return out


def status_v10(status: object) -> TaskStatus:
    s = _dict(status, "task status")
    out: TaskStatus = {"state": state_v10(s.get("state"))}
    msg = _get(s, "message", "update")
    if isinstance(msg, dict):
        out["message"] = message_v10(msg)
    ts = s.get("timestamp")
    if isinstance(ts, str) and ts:
        out["timestamp"] = ts
    return out


def artifact_v10(artifact: object) -> Artifact:
    a = _dict(artifact, "artifact")
    out: Artifact = {"artifactId": _str(_get(a, "artifactId", "artifact_id"))}
    name, description = a.get("name"), a.get("description")
    if isinstance(name, str) and name:
        out["name"] = name
    if isinstance(description, str) and description:
        out["description"] = description
    out["parts"] = [part_v10(p) for p in _list(a.get("parts"), "artifact parts")]
    if (meta := _meta(a)) is not None:
        out["metadata"] = meta
    if (extensions := _strings(a.get("extensions"))) is not None:
        out["extensions"] = extensions
    return out


def task_v10(task: object) -> Task:
    t = _dict(task, "task")
    out: Task = {"id": _str(t.get("id")), "contextId": _str(_get(t, "contextId", "context_id"))}
    out["status"] = status_v10(t.get("status") or {})
    arts = t.get("artifacts")
    if arts:
        out["artifacts"] = [artifact_v10(a) for a in _list(arts, "artifacts")]
    hist = t.get("history")
    if hist:
        out["history"] = [message_v10(m) for m in _list(hist, "history")]
    if (meta := _meta(t)) is not None:
        out["metadata"] = meta
    return out


def status_update_v10(event: object) -> TaskStatusUpdateEvent:
    e = _dict(event, "status update")
    out: TaskStatusUpdateEvent = {
        "taskId": _str(_get(e, "taskId", "task_id")),
        "contextId": _str(_get(e, "contextId", "context_id")),
        "status": status_v10(e.get("status") or {}),
    }
    if (meta := _meta(e)) is not None:
        out["metadata"] = meta
    return out


def artifact_update_v10(event: object) -> TaskArtifactUpdateEvent:
    e = _dict(event, "artifact update")
    out: TaskArtifactUpdateEvent = {
        "taskId": _str(_get(e, "taskId", "task_id")),
        "contextId": _str(_get(e, "contextId", "context_id")),
        "artifact": artifact_v10(e.get("artifact") or {}),
    }
    if e.get("append") is True:
        out["append"] = True
    if _get(e, "lastChunk", "last_chunk") is True:
        out["lastChunk"] = True
    if (meta := _meta(e)) is not None:
        out["metadata"] = meta
    return out


def _event(key: str, obj: JSONObject) -> StreamResponse:
    if key == "task":
        return {"task": task_v10(obj)}
    if key == "message":
        return {"message": message_v10(obj)}
    if key == "statusUpdate":
        return {"statusUpdate": status_update_v10(obj)}
    return {"artifactUpdate": artifact_update_v10(obj)}


_KINDS = {"task": "task", "message": "message", "status-update": "statusUpdate", "artifact-update": "artifactUpdate"}
_WRAPPERS = {
    "task": "task",
    "message": "message",
    "msg": "message",
    "statusUpdate": "statusUpdate",
    "status_update": "statusUpdate",
    "artifactUpdate": "artifactUpdate",
    "artifact_update": "artifactUpdate",
}


def stream_response_v10(obj: object) -> StreamResponse:
    """A 0.x event (kind-tagged, or a 0.3 proto-JSON StreamResponse wrapper) -> a 1.0 StreamResponse."""
    o = _dict(obj, "event")
    kind = o.get("kind")
    if isinstance(kind, str) and kind in _KINDS:
        return _event(_KINDS[kind], o)
    for wrapper, key in _WRAPPERS.items():
        inner = o.get(wrapper)
        if isinstance(inner, dict):
            return _event(key, inner)
    raise ValueError("event is neither a task, a message, a status update nor an artifact update")


def send_response_v10(obj: object) -> SendMessageResponse:
    """A 0.x SendMessage result (a Task or a Message) -> a 1.0 SendMessageResponse."""
    event = stream_response_v10(obj)
    if "task" in event:
        return {"task": event["task"]}
    if "message" in event:
        return {"message": event["message"]}
    raise ValueError("SendMessage answered neither a task nor a message")


def push_config_v10(obj: object) -> TaskPushNotificationConfig:
    """0.3 TaskPushNotificationConfig `{taskId, pushNotificationConfig: {...}}` -> 1.0 flat form."""
    o = _dict(obj, "push notification config")
    inner = _get(o, "pushNotificationConfig", "push_notification_config")
    out: TaskPushNotificationConfig = {}
    tid = _get(o, "taskId", "task_id")
    if not isinstance(tid, str):
        name = o.get("name")  # 0.3 proto JSON: "tasks/{id}/pushNotificationConfigs/{cid}"
        if isinstance(name, str) and name.startswith("tasks/"):
            tid = name.split("/")[1]
    if isinstance(tid, str):
        out["taskId"] = tid
    src = inner if isinstance(inner, dict) else o
    config_id, url, token = src.get("id"), src.get("url"), src.get("token")
    if isinstance(config_id, str) and config_id:
        out["id"] = config_id
    if isinstance(url, str) and url:
        out["url"] = url
    if isinstance(token, str) and token:
        out["token"] = token
    auth = src.get("authentication")
    if isinstance(auth, dict):
        schemes, scheme, credentials = auth.get("schemes"), auth.get("scheme"), auth.get("credentials")
        a: AuthenticationInfo = {}
        if isinstance(schemes, list) and schemes and isinstance(schemes[0], str):
            a["scheme"] = schemes[0]
        elif isinstance(scheme, str):
            a["scheme"] = scheme
        if isinstance(credentials, str):
            a["credentials"] = credentials
        out["authentication"] = a
    return out


# ---------------------------------------------------------------------------------------------- 1.0 -> 0.3
# Inputs are the requests the client built itself (1.0 JSON); a missing or mistyped member reads as absent.


def _object(value: object) -> JSONObject:
    return value if isinstance(value, dict) else {}


def _objects(value: object) -> list[JSONObject]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _file_v03(part: JSONObject, content: JSONObject) -> JSONObject:
    if part.get("mediaType"):
        content["mimeType"] = part["mediaType"]
    if part.get("filename"):
        content["name"] = part["filename"]
    return content


def part_v03(part: JSONObject) -> JSONObject:
    out: JSONObject
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
        content: JSONObject = {"bytes": part["raw"]} if "raw" in part else {"uri": part["url"]}
        out = {"kind": "file", "file": _file_v03(part, content)}
    else:
        raise ValueError("part has no content")
    if isinstance(meta, dict) and meta:
        out["metadata"] = meta
    return out


def message_v03(msg: JSONObject) -> JSONObject:
    out: JSONObject = {
        "kind": "message",
        "messageId": msg.get("messageId", ""),
        "role": "agent" if msg.get("role") == ROLE_AGENT else "user",
        "parts": [part_v03(p) for p in _objects(msg.get("parts"))],
    }
    for key in ("contextId", "taskId", "metadata", "extensions", "referenceTaskIds"):
        if msg.get(key):
            out[key] = msg[key]
    return out


def push_config_v03(cfg: JSONObject) -> JSONObject:
    out: JSONObject = {"url": cfg.get("url", "")}
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


def _configuration_v03(cfg: JSONObject, *, push_key: str) -> JSONObject:
    out: JSONObject = {}
    if cfg.get("acceptedOutputModes"):
        out["acceptedOutputModes"] = cfg["acceptedOutputModes"]
    if cfg.get("historyLength") is not None:
        out["historyLength"] = cfg["historyLength"]
    push = cfg.get("taskPushNotificationConfig")
    if isinstance(push, dict):
        out[push_key] = push_config_v03(push)
    out["blocking"] = not cfg.get("returnImmediately", False)
    return out


def send_params_v03(params: JSONObject) -> JSONObject:
    """1.0 SendMessageRequest JSON -> 0.3 MessageSendParams (JSON-RPC `message/send`, `message/stream`)."""
    out: JSONObject = {"message": message_v03(_object(params.get("message")))}
    cfg = params.get("configuration")
    if isinstance(cfg, dict) and cfg:
        out["configuration"] = _configuration_v03(cfg, push_key="pushNotificationConfig")
    if params.get("metadata"):
        out["metadata"] = params["metadata"]
    return out


def _proto_part_v03(part: JSONObject) -> JSONObject:
    out: JSONObject
    if "text" in part:
        out = {"text": part["text"]}
    elif "data" in part:
        data = part["data"]
        out = {"data": {"data": data if isinstance(data, dict) else {"value": data}}}
    else:
        content: JSONObject = {"fileWithBytes": part["raw"]} if "raw" in part else {"fileWithUri": part.get("url", "")}
        out = {"file": _file_v03(part, content)}
    if part.get("metadata"):
        out["metadata"] = part["metadata"]
    return out


def send_body_rest_v03(params: JSONObject) -> JSONObject:
    """1.0 SendMessageRequest JSON -> the 0.3 HTTP+JSON body (v0.3 proto JSON)."""
    msg = _object(params.get("message"))
    m: JSONObject = {
        "messageId": msg.get("messageId", ""),
        "role": ROLE_AGENT if msg.get("role") == ROLE_AGENT else ROLE_USER,
        "content": [_proto_part_v03(p) for p in _objects(msg.get("parts"))],
    }
    for key in ("contextId", "taskId", "metadata", "extensions"):
        if msg.get(key):
            m[key] = msg[key]
    out: JSONObject = {"message": m}
    cfg = params.get("configuration")
    if isinstance(cfg, dict) and cfg:
        c = _configuration_v03(cfg, push_key="pushNotification")
        out["configuration"] = {"blocking": c.pop("blocking"), **c}  # this member order is what 0.3 agents got
    if params.get("metadata"):
        out["metadata"] = params["metadata"]
    return out
