"""Build the outgoing Message (A2A 1.0 JSON) from `send`'s inputs (SPEC §10.2).

Parts come from PROMPT (or stdin) and the repeatable, order-preserving `--text`, `--file`, `--data` flags;
`--media-type` binds to the part flag immediately before it. Click groups repeated options per flag, so the
interleaved order is recovered from the raw argument list (`ordered_part_flags`).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from a2acli.errors import UsageError
from a2acli.protocol import JSONObject

PART_FLAGS = ("--text", "--file", "--data", "--media-type")
MAX_INLINE_FILE_BYTES = 32 * 1024 * 1024
_URL_PREFIXES = ("http://", "https://", "ftp://", "s3://", "gs://", "data:")


@dataclass(frozen=True)
class PartInput:
    kind: str  # text | file | data
    value: str
    media_type: str | None = None


def ordered_part_flags(args: list[str], takes_value: dict[str, bool]) -> list[tuple[str, str]]:
    """The part flags in command-line order, with their values, following Click's own parsing rules."""
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            break
        if not arg.startswith("-") or arg == "-":
            continue
        name, eq, inline = arg.partition("=")
        if arg.startswith("--") and eq:
            if name in PART_FLAGS:
                found.append((name, inline))
            continue
        if name in PART_FLAGS:
            if i < len(args):
                found.append((name, args[i]))
                i += 1
            continue
        if takes_value.get(arg, False):
            i += 1  # skip this option's value
        elif not arg.startswith("--") and len(arg) > 2 and takes_value.get(arg[:2], False):
            continue  # -ojson: the value is attached
    return found


def part_inputs(
    ordered: list[tuple[str, str]],
    *,
    texts: list[str],
    files: list[str],
    datas: list[str],
    media_types: list[str],
) -> list[PartInput]:
    """Pair the ordered flags into parts; `--media-type` with no preceding part flag is a usage error."""
    counts = {"--text": len(texts), "--file": len(files), "--data": len(datas), "--media-type": len(media_types)}
    seen = {flag: sum(1 for f, _ in ordered if f == flag) for flag in PART_FLAGS}
    if seen != counts:  # the raw arguments were not what Click parsed (defaults from env/config): use Click's
        ordered = [("--text", v) for v in texts] + [("--file", v) for v in files] + [("--data", v) for v in datas]
        if media_types:
            raise UsageError("--media-type must follow the --text/--file/--data flag it describes")
    parts: list[PartInput] = []
    bound: set[int] = set()
    for flag, value in ordered:
        if flag == "--media-type":
            if not parts:
                raise UsageError(
                    "--media-type has no preceding part flag",
                    hint="put it right after the --text, --file or --data it describes",
                )
            if len(parts) - 1 in bound:
                raise UsageError("two --media-type flags for one part")
            if not value.strip() or "/" not in value:
                raise UsageError(f"invalid media type {value!r}", hint="e.g. text/markdown, application/pdf")
            bound.add(len(parts) - 1)
            last = parts[-1]
            parts[-1] = PartInput(last.kind, last.value, value.strip())
        else:
            parts.append(PartInput(flag[2:], value))
    return parts


def read_stdin_text() -> str:
    try:
        data = sys.stdin.read()
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read stdin: {exc}") from None
    return data


def stdin_is_piped() -> bool:
    try:
        return not sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _is_url(value: str) -> bool:
    return value.lower().startswith(_URL_PREFIXES)


def file_part(value: str, media_type: str | None) -> JSONObject:
    import mimetypes  # only a --file part needs these two (time to first token)

    if _is_url(value):
        part: JSONObject = {"url": value}
        name = value.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if name and not value.lower().startswith("data:"):
            part["filename"] = name
        guessed = (media_type or mimetypes.guess_type(name)[0]) if name else media_type
        if guessed:
            part["mediaType"] = guessed
        return part
    path = Path(value).expanduser()
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UsageError(f"--file {value}: not a regular file")
        if size > MAX_INLINE_FILE_BYTES:
            raise UsageError(
                f"--file {value} is {size} bytes, more than the {MAX_INLINE_FILE_BYTES}-byte inline limit",
                hint="pass large files by URL (--file https://...), which the agent fetches itself",
            )
        content = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read --file {value}: {exc.strerror or exc}") from None
    import base64

    return {
        "raw": base64.b64encode(content).decode("ascii"),
        "mediaType": media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        "filename": path.name,
    }


def data_part(value: str, media_type: str | None, stdin_text: str | None) -> JSONObject:
    if value == "-":
        text = stdin_text if stdin_text is not None else read_stdin_text()
        where = "stdin"
    elif value.lstrip()[:1] in ("{", "[", '"') or value.strip() in ("true", "false", "null"):
        text, where = value, "--data"
    elif os.path.isfile(os.path.expanduser(value)):
        try:
            text = Path(value).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read --data {value}: {exc}") from None
        where = value
    else:
        text, where = value, "--data"
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"{where} is not valid JSON: {exc}", hint="pass inline JSON, a JSON file path, or - for stdin"
        ) from None
    part: JSONObject = {"data": data}
    if media_type:
        part["mediaType"] = media_type
    return part


def build_parts(prompt: str | None, inputs: list[PartInput]) -> list[JSONObject]:
    """PROMPT (or stdin) first, then the flags in order."""
    uses_stdin = sum(1 for p in inputs if p.kind == "data" and p.value == "-") + (prompt == "-")
    if uses_stdin > 1:
        raise UsageError("stdin can feed only one of PROMPT '-' and --data -")
    parts: list[JSONObject] = []
    if prompt == "-" or (prompt is None and not inputs and stdin_is_piped()):
        text = read_stdin_text()
        if not text.strip():
            raise UsageError("stdin was empty: nothing to send", hint='pass the message as an argument: a2a send "..."')
        parts.append({"text": text})
    elif prompt is not None:
        if not prompt:
            raise UsageError("the message is empty", hint='a2a send "your message"')
        parts.append({"text": prompt})
    for item in inputs:
        if item.kind == "text":
            part: JSONObject = {"text": item.value}
            if item.media_type:
                part["mediaType"] = item.media_type
        elif item.kind == "file":
            part = file_part(item.value, item.media_type)
        else:
            part = data_part(item.value, item.media_type, None)
        parts.append(part)
    if not parts:
        raise UsageError("nothing to send", hint='a2a send "your message"  (or --text / --file / --data)')
    return parts


def parse_metadata(value: str | None) -> JSONObject | None:
    if value is None:
        return None
    try:
        data = json.loads(value)
    except ValueError as exc:
        raise UsageError(f"--metadata is not valid JSON: {exc}", hint="""e.g. --metadata '{"k": "v"}'""") from None
    if not isinstance(data, dict):
        raise UsageError("--metadata must be a JSON object", hint="""e.g. --metadata '{"k": "v"}'""")
    return data


def build_request(
    parts: list[JSONObject],
    *,
    context_id: str | None = None,
    task_id: str | None = None,
    metadata: JSONObject | None = None,
    return_immediately: bool = False,
    message_id: str | None = None,
) -> JSONObject:
    """A 1.0 SendMessageRequest (without tenant: the connection adds it)."""
    message: JSONObject = {"messageId": message_id or str(uuid.uuid4()), "role": "ROLE_USER", "parts": [*parts]}
    if context_id:
        message["contextId"] = context_id
    if task_id:
        message["taskId"] = task_id
    request: JSONObject = {"message": message}
    if return_immediately:
        request["configuration"] = {"returnImmediately": True}
    if metadata:
        request["metadata"] = metadata
    return request
