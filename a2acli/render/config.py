"""The text floor of `a2a config show`: one `Label: value` line per file and per setting (SPEC §8.3)."""

from __future__ import annotations

from typing import Any

from a2acli.render.writers import field


def render_config_text(report: dict[str, Any]) -> str:
    """The report of `effective_settings` as the text floor; values are already redacted."""
    out: list[str] = []
    for f in report["files"]:
        if f["path"] is None:
            out.append(field(f"File ({f['scope']})", "(no .env found walking up from the working directory)"))
            continue
        state = "loaded" if f["loaded"] else "absent"
        if f["readableByOthers"]:
            state += f", mode {f['mode']}: readable by others, run chmod 600"
        out.append(field(f"File ({f['scope']})", f"{f['path']} ({state})"))
    for row in report["settings"]:
        value = row["value"]
        if row.get("defaults"):
            text = ", ".join(f"{cmd}={_show(v)}" for cmd, v in row["defaults"].items())
            value_text = f"varies by command: {text}"
        else:
            value_text = _show(value)
        source = f"file {row['file']}" if row["source"] == "file" else row["source"]
        out.append(field(row["name"], f"{value_text} ({source})"))
    return "".join(out)


def _show(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value) if value else "(unset)"
    return str(value)
