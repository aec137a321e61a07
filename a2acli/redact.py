"""Credential redaction for every diagnostic the CLI prints (SPEC §12.1: not defeasible by any flag)."""

from __future__ import annotations

import re
from typing import TypeVar, cast

Doc = TypeVar("Doc")

_SECRETS: set[str] = set()

_PATTERNS = [
    re.compile(r"(?i)(authorization\s*[:=]\s*)(bearer|basic|token)?\s*[^\s'\",}]+"),
    re.compile(r"(?i)((?:x-)?api[-_]?key\s*[:=]\s*)[^\s'\",}&]+"),
    re.compile(r"(?i)((?:access_|refresh_|id_)?token\s*[:=]\s*)[^\s'\",}&]+"),
    re.compile(r"(?i)(cookie\s*[:=]\s*)[^\n'\"]+"),
]


def register_secret(value: str | None) -> None:
    """Remember a credential so that any later diagnostic containing it is redacted."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


def redact_json(doc: Doc) -> Doc:
    """A copy of the JSON document `doc` with every string in it redacted, keys included (an agent may echo a
    credential anywhere); same shape, so a TypedDict stays that TypedDict."""
    return cast("Doc", _redact_value(doc))


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    if isinstance(value, dict):
        return {redact(key) if isinstance(key, str) else key: _redact_value(item) for key, item in value.items()}
    return value
