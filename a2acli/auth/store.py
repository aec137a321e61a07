"""Stored logins: the OS keyring when one is usable (the `keyring` package), else a 0600 file in a 0700 folder.

One index file, `<config dir>/a2a-cli/auth/logins.json` (0600, its folder 0700), lists every login with what is not
secret (agent, issuer, client, scopes, expiry, where the secrets are). The secrets (access token, refresh token,
a client secret for re-running the client-credentials grant) live in the keyring (service `a2acli`, user = the
agent) or, without a usable keyring, in the same index file. So a command that finds no login for its agent
reads one small file and never imports keyring; `auth status` never needs the secrets at all.

`A2ACLI_TOKEN_STORE=keyring|file` forces a backend (default `auto`). Writes are atomic (a new 0600 file renamed over
the old one); a half-done login stores nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from a2acli.errors import A2ACliError, UsageError

KEYRING_SERVICE = "a2acli"
_SECRET_FIELDS = ("access_token", "refresh_token", "client_secret")


class TokenStoreError(A2ACliError):
    code = "A2ACLI_ERR_INTERNAL"


@dataclass
class Login:
    """One stored login for one agent (keyed by the agent's origin)."""

    agent: str
    scheme: str
    flow: str
    client_id: str
    token_endpoint: str
    issuer: str = ""
    revocation_endpoint: str = ""
    scopes: list[str] = field(default_factory=list)
    token_type: str = "Bearer"
    expires_at: float | None = None
    obtained_at: float = 0.0
    store: str = "file"  # keyring | file
    renewable: bool = False  # a refresh token, or a client secret for the grant again (kept beside the secrets)
    access_token: str = field(default="", repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)

    def expired(self, *, now: float | None = None) -> bool:
        """Expired, or about to: 30 s early, or a tenth of a shorter lifetime (a clock skew and a request's time)."""
        if self.expires_at is None:
            return False
        leeway = min(30.0, max(self.expires_at - self.obtained_at, 0.0) / 10)
        return (now or time.time()) >= self.expires_at - leeway

    def public(self) -> dict[str, Any]:
        """What `auth status` shows: everything but the secrets (whether a refresh token exists is said)."""
        doc = {k: v for k, v in asdict(self).items() if k not in _SECRET_FIELDS and k != "renewable"}
        doc["refreshable"] = self.renewable or self.can_renew()
        return doc

    def can_renew(self) -> bool:
        return bool(self.refresh_token) or bool(self.client_secret and self.flow == "client_credentials")


def auth_dir() -> Path:
    from a2acli.settings import global_config_path

    return global_config_path().parent / "auth"


def index_path() -> Path:
    return auth_dir() / "logins.json"


def renewal_lock_path(agent: str) -> Path:
    """The OS lock file (next to the index) that serialises renewing the login for `agent` across processes."""
    import hashlib

    return auth_dir() / f".renew-{hashlib.sha256(agent.encode()).hexdigest()[:16]}.lock"


def has_logins() -> bool:
    """Cheap: is there any stored login at all (one stat)."""
    return index_path().is_file()


def _read_index() -> dict[str, dict[str, Any]]:
    path = index_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise TokenStoreError(f"cannot read the token store {path}: {exc.strerror or exc}") from None
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o600)  # never leave it readable by others, whoever loosened it
    try:
        doc = json.loads(text)
    except ValueError:
        raise TokenStoreError(
            f"the token store {path} is not valid JSON", hint=f"remove it (all logins are forgotten): rm {path}"
        ) from None
    logins = doc.get("logins") if isinstance(doc, dict) else None
    return {k: v for k, v in logins.items() if isinstance(v, dict)} if isinstance(logins, dict) else {}


def _write_index(entries: dict[str, dict[str, Any]]) -> None:
    folder = auth_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        folder.chmod(0o700)
    path = index_path()
    if not entries:
        path.unlink(missing_ok=True)
        return
    tmp = folder / f".logins.{os.getpid()}.tmp"
    data = json.dumps({"version": 1, "logins": entries}, indent=2, sort_keys=True).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------ keyring


def _choice() -> str:
    value = (os.environ.get("A2ACLI_TOKEN_STORE") or "auto").strip().lower()
    if value not in ("auto", "keyring", "file"):
        raise UsageError(f"A2ACLI_TOKEN_STORE={value!r}: use auto, keyring or file")
    return value


def keyring_usable() -> bool:
    """A keyring backend that can store secrets (not keyring's `fail` backend, nor an empty chain)."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    return not (isinstance(backend, chainer.ChainerBackend) and not backend.backends)


def _keyring_put(agent: str, secrets: dict[str, str | None]) -> bool:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, agent, json.dumps(secrets))
    except (KeyringError, OSError, RuntimeError):
        return False
    return True


def _keyring_get(agent: str) -> dict[str, Any]:
    import keyring
    from keyring.errors import KeyringError

    try:
        raw = keyring.get_password(KEYRING_SERVICE, agent)
    except (KeyringError, OSError, RuntimeError) as exc:
        raise TokenStoreError(f"cannot read the login for {agent} from the OS keyring: {exc}") from None
    try:
        doc = json.loads(raw) if raw else {}
    except ValueError:
        doc = {}
    return doc if isinstance(doc, dict) else {}


def _keyring_delete(agent: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    with contextlib.suppress(KeyringError, OSError, RuntimeError):
        keyring.delete_password(KEYRING_SERVICE, agent)


# ------------------------------------------------------------------------------------------------ the store


def _from_entry(entry: dict[str, Any], secrets: dict[str, Any]) -> Login:
    names = {f.name for f in fields(Login)}
    values = {k: v for k, v in entry.items() if k in names and k not in _SECRET_FIELDS}
    values.update({k: secrets.get(k) for k in _SECRET_FIELDS if secrets.get(k)})
    login = Login(**values)
    from a2acli.redact import register_credential

    for secret in (login.access_token, login.refresh_token, login.client_secret):
        register_credential(secret)
    return login


def get(agent: str) -> Login | None:
    """The stored login for `agent` (an origin), secrets included; None without one."""
    entry = _read_index().get(agent)
    if entry is None:
        return None
    secrets = _keyring_get(agent) if entry.get("store") == "keyring" else entry.get("secrets") or {}
    login = _from_entry(entry, secrets if isinstance(secrets, dict) else {})
    return login if login.access_token else None


def all_logins() -> list[Login]:
    """Every stored login, without its secrets (for `auth status`)."""
    return [_from_entry(entry, {}) for entry in _read_index().values()]


def put(login: Login) -> Login:
    """Store (or replace) the login for its agent; returns it with the backend it went to."""
    entries = _read_index()
    previous = entries.get(login.agent)
    choice = _choice()
    secrets = {k: getattr(login, k) for k in _SECRET_FIELDS}
    store = "file"
    if choice == "keyring" or (choice == "auto" and keyring_usable()):
        if _keyring_put(login.agent, secrets):
            store = "keyring"
        elif choice == "keyring":
            raise TokenStoreError(
                "the OS keyring refused to store the login", hint="A2ACLI_TOKEN_STORE=file to use a file"
            )
    login = replace(login, store=store, renewable=login.can_renew())
    entry = {k: v for k, v in asdict(login).items() if k not in _SECRET_FIELDS}
    if store == "file":
        entry["secrets"] = secrets
    entries[login.agent] = entry
    _write_index(entries)
    if previous is not None and previous.get("store") == "keyring" and store != "keyring":
        _keyring_delete(login.agent)
    return login


def remove(agent: str) -> bool:
    entries = _read_index()
    entry = entries.pop(agent, None)
    if entry is None:
        return False
    _write_index(entries)
    if entry.get("store") == "keyring":
        _keyring_delete(agent)
    return True
