"""Named agents: a local catalog, so `-a catalog:NAME` works wherever `--agent-card` takes a reference (SPEC §10.1).

The catalog is a JSON file, `<config dir>/a2a-cli/catalog.json` (0600, its folder 0700), or the file or http(s) URL
named by `A2ACLI_CATALOG` (`settings.catalog_location` says which; this module reads no setting itself):

    {"agents": [{"name": "demo", "url": "http://127.0.0.1:8001", "description": "...", "transport": "JSONRPC"}]}

An entry names its agent by `url` (an origin, host[:port] or card URL) or `card` (a card URL or file path), and may
prefer a transport. It never carries a credential: an entry with a secret-looking field, or a reference with a
user:password or a token in its query, is refused. `resolve` turns `catalog:NAME` into the entry's reference;
`settings.resolve_agent_reference` calls it (from `connection_settings`) before anything else, so every command
sees only the card reference.

`catalog:` cannot be mistaken for anything else a reference may be: a URL has `://`, a host:port has a numeric
port, and names start with a letter; a file named like that is reached as `./catalog:NAME`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from a2acli.errors import UsageError

PREFIX = "catalog:"
ENV = "A2ACLI_CATALOG"
NAME = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,63}")
_FIELDS = frozenset({"name", "url", "card", "description", "transport"})
_SECRET_WORDS = ("token", "secret", "password", "passwd", "key", "bearer", "auth", "credential", "sig")
_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    name: str
    reference: str  # what `--agent-card` would have been given
    description: str = ""
    transports: tuple[str, ...] = ()

    def public(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name, "url": self.reference}
        if self.description:
            doc["description"] = self.description
        if self.transports:
            doc["transport"] = list(self.transports)
        return doc


def is_catalog_reference(ref: str) -> bool:
    return ref.strip().lower().startswith(PREFIX)


def _is_url(where: str) -> bool:
    return where.lower().startswith(("http://", "https://"))


def check_reference(name: str, ref: str) -> None:
    """A catalog entry names an agent, never a credential, and never another catalog entry."""
    text = ref.strip()
    if not text:
        raise UsageError(f"catalog entry {name!r} names no agent", hint="give it a url (or a card path)")
    if text == "-":
        raise UsageError(f"catalog entry {name!r}: stdin (-) names no agent", hint="give its URL or card file")
    if is_catalog_reference(text):
        raise UsageError(f"catalog entry {name!r} points at another catalog entry ({text})", hint="give its URL")
    if "://" in text:
        parts = urlsplit(text)
        if parts.username is not None or parts.password is not None:
            raise UsageError(
                f"catalog entry {name!r}: the URL carries a user or password; a catalog never holds credentials",
                hint="drop user:password@ and pass --basic/--bearer, or a2a auth login",
            )
        for key, _ in parse_qsl(parts.query, keep_blank_values=True):
            if any(word in key.lower() for word in _SECRET_WORDS):
                raise UsageError(
                    f"catalog entry {name!r}: the URL's {key!r} parameter looks like a credential;"
                    " a catalog never holds credentials",
                    hint="pass credentials with --bearer/--api-key or a2a auth login",
                )


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise UsageError(
            f"invalid catalog name {name!r}",
            hint="a letter, then letters, digits, '.', '_' or '-' (at most 64)",
        )
    return name


def _entry(raw: object, where: str, base: Path | None) -> Entry:
    if not isinstance(raw, dict):
        raise UsageError(f"catalog {where}: every entry must be an object")
    name = raw.get("name")
    if not isinstance(name, str):
        raise UsageError(f"catalog {where}: an entry has no name")
    check_name(name)
    extra = sorted(set(raw) - _FIELDS)
    secret = [k for k in extra if any(word in k.lower() for word in _SECRET_WORDS) or k.lower() == "headers"]
    if secret:
        raise UsageError(
            f"catalog {where}: entry {name!r} carries {', '.join(secret)}; a catalog never holds credentials",
            hint="remove it; pass credentials with --bearer/--api-key/--basic or a2a auth login",
        )
    ref = raw.get("url") or raw.get("card")
    if not isinstance(ref, str):
        raise UsageError(f"catalog {where}: entry {name!r} needs a url or a card reference (a string)")
    check_reference(name, ref)
    if "://" not in ref and base is None and not _looks_like_host(ref):
        raise UsageError(
            f"catalog {where}: entry {name!r} names a local file; a catalog fetched from a URL names agents by URL",
        )
    if base is not None and "://" not in ref and not _looks_like_host(ref):
        ref = str((base / Path(ref).expanduser()).resolve())  # a file relative to the catalog's folder
    transport = raw.get("transport") or ()
    transports = (transport,) if isinstance(transport, str) else tuple(str(t) for t in transport)
    description = raw.get("description") or ""
    return Entry(name, ref, str(description), transports)


def _looks_like_host(ref: str) -> bool:
    """`host`, `host:port`, `[::1]:port` (no path separator, no .json): what `--agent-card` reads as an origin."""
    return "/" not in ref and "\\" not in ref and not ref.lower().endswith(".json") and not ref.startswith(("~", "."))


def parse(text: str | bytes, where: str, base: Path | None) -> dict[str, Entry]:
    """The entries of a catalog document; `base` is a file catalog's folder (None: fetched from a URL)."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"catalog {where} is not JSON: {exc}") from None
    agents = doc.get("agents") if isinstance(doc, dict) else None
    if not isinstance(agents, list):
        raise UsageError(f'catalog {where}: expected {{"agents": [...]}}')
    entries: dict[str, Entry] = {}
    for raw in agents:
        entry = _entry(raw, where, base)
        if entry.name in entries:
            raise UsageError(f"catalog {where}: entry {entry.name!r} appears twice")
        entries[entry.name] = entry
    return entries


def load(where: str, *, explicit: bool = True) -> dict[str, Entry]:
    """Every entry of the catalog at `where` (a file or an http(s) URL); an absent file the user did not name
    (`explicit` False: the default one in the config dir) is an empty catalog."""
    if _is_url(where):
        from a2acli.client.card_resolver import fetch_catalog_document

        return parse(fetch_catalog_document(where, limit=_MAX_BYTES), where, None)
    path = Path(where).expanduser()
    if not path.is_file():
        if not explicit:
            return {}
        raise UsageError(f"catalog file not found: {path}", hint=f"check {ENV}")
    if os.name == "posix" and path.stat().st_mode & 0o022:
        # Whoever can write the catalog decides which agent your -a catalog:NAME (and its credentials) reaches.
        raise UsageError(
            f"catalog {path} is writable by others (mode {path.stat().st_mode & 0o777:o}): it is not used",
            hint=f"chmod go-w {path}",
        )
    try:
        raw = path.read_bytes()[: _MAX_BYTES + 1]
    except OSError as exc:
        raise UsageError(f"cannot read the catalog {path}: {exc.strerror or exc}") from None
    if len(raw) > _MAX_BYTES:
        raise UsageError(f"catalog {path} is larger than {_MAX_BYTES} bytes")
    return parse(raw, str(path), path.parent)


def resolve(ref: str, where: str, *, explicit: bool) -> tuple[str, Entry | None]:
    """`catalog:NAME` -> the entry's reference (and the entry); any other reference unchanged."""
    if not is_catalog_reference(ref):
        return ref, None
    name = ref.strip()[len(PREFIX) :]
    entries = load(where, explicit=explicit)
    entry = entries.get(name)
    if entry is None:
        known = ", ".join(sorted(entries)) or "none"
        raise UsageError(
            f"no agent {name!r} in the catalog {where} (known: {known})",
            hint="a2a catalog list; a2a catalog add NAME URL",
        )
    return entry.reference, entry


def _writable_path(where: str) -> Path:
    if _is_url(where):
        raise UsageError(f"the catalog is a URL ({where}): it is read-only here", hint=f"unset {ENV} to edit yours")
    return Path(where).expanduser()


def _save(path: Path, entries: dict[str, Entry]) -> None:
    """Written whole to a 0600 temporary file in a 0700 folder, then renamed over the catalog."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    doc = {"agents": [entries[name].public() for name in sorted(entries)]}
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def add(where: str, name: str, ref: str, *, description: str = "", transports: tuple[str, ...] = ()) -> Entry:
    check_name(name)
    check_reference(name, ref)
    path = _writable_path(where)
    entries = load(str(path)) if path.is_file() else {}
    if "://" not in ref and not _looks_like_host(ref):
        ref = str(Path(ref).expanduser().resolve())  # a card file: stored absolute, so it works from any folder
    entry = Entry(name, ref.strip(), description, transports)
    entries[name] = entry
    _save(path, entries)
    return entry


def remove(where: str, name: str) -> bool:
    path = _writable_path(where)
    entries = load(str(path)) if path.is_file() else {}
    if entries.pop(name, None) is None:
        return False
    _save(path, entries)
    return True
