"""Credential redaction for every diagnostic the CLI prints (SPEC §12.1: not defeasible by any flag)."""

from __future__ import annotations

import re

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
