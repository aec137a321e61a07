"""Pure renderers for `a2a card`: the SPEC §11.2 text floor and the Rich view of an Agent Card.

Every card string is agent-supplied: the text floor passes it through `clean_line`, the Rich view wraps it in
`rich.text.Text` after `clean_line`/`clean_text`, so neither an escape sequence nor Rich markup from a card
reaches a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from a2acli.cards.view import CardView, card_view, versions_spoken
from a2acli.render.sanitize import clean_line, clean_text
from a2acli.render.writers import field

if TYPE_CHECKING:
    from rich.console import RenderableType


def _yes_no(value: bool | None) -> str:
    return "yes" if value else "no" if value is False else "not declared"


def _requirement(req: list[tuple[str, list[str]]]) -> str:
    parts = [name + (f" [{', '.join(scopes)}]" if scopes else "") for name, scopes in req]
    return " AND ".join(parts) if parts else "(none)"


def _a2a_label(view: CardView) -> str:
    spoken = versions_spoken(view) or "?"
    kind = view.version.kind
    if kind == "1.0":
        return spoken
    suffix = {
        "hybrid": "hybrid card: 1.0 fields plus 0.3 url/preferredTransport",
        "0.3": "A2A 0.3 card",
        "0.2": "legacy A2A 0.2 card",
    }.get(kind, "not a recognisable A2A card")
    return f"{spoken} ({suffix})"


def render_card_text(card: dict[str, Any], *, source: str | None = None, notes: tuple[str, ...] = ()) -> str:
    """The text floor: one `Label: value` per line, same labels every time, no control sequences."""
    view = card_view(card)
    out = [
        field("Name", view.name),
        field("Description", view.description),
        field("Version", view.agent_version),
        field("A2A Version", _a2a_label(view)),
    ]
    if view.provider or view.provider_url:
        url = f"<{view.provider_url}>" if view.provider_url else ""
        out.append(field("Provider", " ".join(p for p in (view.provider, url) if p)))
    if view.documentation_url:
        out.append(field("Documentation", view.documentation_url))
    for iface in view.interfaces:
        tenant = f" tenant={iface.tenant}" if iface.tenant else ""
        out.append(field("Interface", f"{iface.binding} {iface.protocol_version} {iface.url}{tenant}"))
    out.append(field("Streaming", _yes_no(view.streaming)))
    out.append(field("Push Notifications", _yes_no(view.push_notifications)))
    out.append(field("Extended Card", _yes_no(view.extended_card)))
    for uri, required in view.extensions:
        out.append(field("Extension", uri + (" (required)" if required else "")))
    for scheme in view.schemes:
        detail = f" {scheme.detail}" if scheme.detail else ""
        out.append(field("Security Scheme", f"{scheme.name}: {scheme.kind}{detail}"))
    if view.requirements:
        out.append(field("Security", " OR ".join(_requirement(r) for r in view.requirements)))
    out.append(field("Input Modes", ", ".join(view.input_modes)))
    out.append(field("Output Modes", ", ".join(view.output_modes)))
    for skill in view.skills:
        tags = f" [{', '.join(skill.tags)}]" if skill.tags else ""
        out.append(field("Skill", f"{skill.id}: {skill.name}{tags} — {skill.description}"))
    if view.signatures:
        out.append(field("Signatures", f"{view.signatures} (not verified; run `a2a card verify`)"))
    if source:
        out.append(field("Source", source))
    for note in notes:
        out.append(field("Note", note))
    return "".join(out)


def _t(value: str, style: str = "") -> Any:
    from rich.text import Text

    return Text(clean_line(value), style=style)


def render_card_rich(card: dict[str, Any], *, source: str | None = None, notes: tuple[str, ...] = ()) -> RenderableType:
    """The terminal view: identity, provider, interfaces, capabilities, security, skills table, A2A version."""
    from rich import box
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    view = card_view(card)
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold cyan", no_wrap=True)
    head.add_column()
    head.add_row("Version", _t(view.agent_version))
    head.add_row("A2A", _t(_a2a_label(view)))
    if view.provider or view.provider_url:
        head.add_row("Provider", Text.assemble(_t(view.provider), " ", _t(view.provider_url, "blue")))
    if view.documentation_url:
        head.add_row("Docs", _t(view.documentation_url, "blue"))
    caps = Text()
    for label, value in (
        ("streaming", view.streaming),
        ("push", view.push_notifications),
        ("extended card", view.extended_card),
    ):
        mark, style = ("✓", "green") if value else ("✗", "dim") if value is False else ("?", "dim")
        caps.append(f"{mark} {label}  ", style=style)
    head.add_row("Capabilities", caps)
    for uri, required in view.extensions:
        head.add_row("Extension", Text.assemble(_t(uri), (" (required)" if required else "", "yellow")))
    head.add_row("Input", _t(", ".join(view.input_modes)))
    head.add_row("Output", _t(", ".join(view.output_modes)))
    if view.signatures:
        head.add_row("Signatures", Text(f"{view.signatures} present, not verified (a2a card verify)", "yellow"))
    if source:
        head.add_row("Source", _t(source, "dim"))
    for note in notes:
        head.add_row("Note", _t(note, "dim"))

    parts: list[Any] = [Text(clean_text(view.description)), Text(""), head]

    if view.interfaces:
        ifaces = Table(title="Interfaces", title_justify="left", box=box.SIMPLE_HEAD, expand=False)
        ifaces.add_column("#", justify="right", style="dim")
        ifaces.add_column("Binding", style="magenta", no_wrap=True)
        ifaces.add_column("A2A", no_wrap=True)
        ifaces.add_column("URL", overflow="fold")
        ifaces.add_column("Tenant")
        for i, iface in enumerate(view.interfaces, 1):
            ifaces.add_row(
                str(i), _t(iface.binding), _t(iface.protocol_version), _t(iface.url, "blue"), _t(iface.tenant)
            )
        parts.append(ifaces)

    if view.schemes or view.requirements:
        sec = Table(title="Security", title_justify="left", box=box.SIMPLE_HEAD)
        sec.add_column("Scheme", style="bold", no_wrap=True)
        sec.add_column("Kind")
        sec.add_column("Detail", overflow="fold")
        for scheme in view.schemes:
            sec.add_row(_t(scheme.name), _t(scheme.kind), _t(scheme.detail or scheme.description))
        parts.append(sec)
        if view.requirements:
            parts.append(
                Text.assemble(("Requires: ", "bold"), _t(" OR ".join(_requirement(r) for r in view.requirements)))
            )

    if view.skills:
        skills = Table(title=f"Skills ({len(view.skills)})", title_justify="left", box=box.SIMPLE_HEAD)
        skills.add_column("ID", style="cyan", overflow="fold")
        skills.add_column("Name", style="bold")
        skills.add_column("Description", overflow="fold", ratio=3)
        skills.add_column("Tags", overflow="fold")
        for skill in view.skills:
            skills.add_row(
                _t(skill.id), _t(skill.name), Text(clean_text(skill.description)), _t(", ".join(skill.tags), "dim")
            )
        parts.append(skills)

    title = Text.assemble(_t(view.name or "(unnamed agent)", "bold"))
    return Panel(Group(*parts), title=title, title_align="left", border_style="cyan")
