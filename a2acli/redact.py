"""Credential redaction for everything the CLI prints (SPEC §12.1: not defeasible by any flag).

Diagnostics go through `redact` (the credentials the user passed, and credential-looking `key=value` text);
what an agent returns goes through `scrub_json` at the connection (only the user's own credentials: an agent
may echo them into a status message, an artifact name or its text, and every output mode prints those).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar, cast

Doc = TypeVar("Doc")

_SECRETS: set[str] = set()
# A credential this short also occurs inside ordinary words and numbers: it is redacted where it stands alone.
_SHORT = 4
_short_pattern: re.Pattern[str] | None = None

_PATTERNS = [
    re.compile(r"(?i)(authorization\s*[:=]\s*)(bearer|basic|token)?\s*[^\s'\",}]+"),
    re.compile(r"(?i)((?:x-)?api[-_]?key\s*[:=]\s*)[^\s'\",}&]+"),
    re.compile(r"(?i)((?:access_|refresh_|id_)?token\s*[:=]\s*)[^\s'\",}&]+"),
    re.compile(r"(?i)(cookie\s*[:=]\s*)[^\n'\"]+"),
]
# Base64 bytes are data, not text an agent writes: a short credential matching inside them is chance.
_NOT_TEXT = frozenset({"raw", "bytes"})


def register_secret(value: str | None) -> None:
    """Remember a value that may be a credential (a --svc-param value, ...) so that any later output containing it
    is redacted; values shorter than 4 characters are too common to be told from ordinary text."""
    if value and len(value) >= _SHORT:
        _SECRETS.add(value)


def register_credential(value: str | None) -> None:
    """Remember a credential the user passed (--bearer, --api-key, a push token), whatever its length."""
    global _short_pattern
    value = (value or "").strip()
    if not value:
        return
    if len(value) >= _SHORT:
        _SECRETS.add(value)
        return
    short = {s for s in _SECRETS if len(s) < _SHORT} | {value}
    _SECRETS.add(value)
    alternatives = "|".join(re.escape(s) for s in sorted(short, key=len, reverse=True))
    _short_pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


def has_secrets() -> bool:
    return bool(_SECRETS)


def _replace_secrets(text: str) -> str:
    for secret in sorted((s for s in _SECRETS if len(s) >= _SHORT), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    if _short_pattern is not None:
        text = _short_pattern.sub("***", text)
    return text


def mentions_secret(text: str) -> bool:
    """Whether `text` holds a registered credential (then it must be re-encoded from its scrubbed form)."""
    return bool(_SECRETS) and _replace_secrets(text) != text


def redact(text: str) -> str:
    text = _replace_secrets(text)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


def redact_json(doc: Doc) -> Doc:
    """A copy of the JSON document `doc` with every string in it redacted, keys included (an agent may echo a
    credential anywhere); same shape, so a TypedDict stays that TypedDict."""
    return cast("Doc", _redact_value(doc, redact, frozenset()))


def scrub_json(doc: Doc) -> Doc:
    """`doc` (what an agent returned) with the user's own credentials replaced by ***, keys included; `doc` itself
    when no credential is registered. Only credentials: an agent's text about "token: 5" is its own."""
    if not _SECRETS:
        return doc
    return cast("Doc", _redact_value(doc, _replace_secrets, _NOT_TEXT))


def _redact_value(value: object, scrub: Callable[[str], str], data_keys: frozenset[str]) -> object:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_redact_value(item, scrub, data_keys) for item in value]
    if isinstance(value, dict):
        return {
            (scrub(key) if isinstance(key, str) else key): (
                item if key in data_keys else _redact_value(item, scrub, data_keys)
            )
            for key, item in value.items()
        }
    return value
