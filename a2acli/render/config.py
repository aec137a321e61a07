"""`a2a config show`: the report as JSON or as its text floor, one `Label: value` line per file and per setting
(SPEC §8.3)."""

from __future__ import annotations

from typing import Any

from a2acli.render.writers import field, warn, write_json, write_text


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


def show_config(report: dict[str, Any], *, json_output: bool) -> None:
    """The report on stdout (JSON or the text floor), its warnings on stderr."""
    for problem in report["warnings"]:
        warn(problem)
    if json_output:
        write_json(report)
    else:
        write_text(render_config_text(report))
