"""`a2a catalog add / list / show / remove`: named agents, reached as `-a catalog:NAME` by every agent command.

Thin: arguments -> `a2acli.catalog` -> a writer. The catalog never holds a credential (entries carrying one are
refused); it is `<config dir>/a2a-cli/catalog.json` (0600), or the file or URL named by A2ACLI_CATALOG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from a2acli.commands._options import OutputFormat, OutputOpt, setting

if TYPE_CHECKING:
    from a2acli.catalog import Entry

app = typer.Typer(
    help="Name agents in a local catalog and reach them as -a catalog:NAME from every agent command.",
    no_args_is_help=True,
)


def _rows(entry: Entry) -> str:
    from a2acli.render.writers import field

    rows = [("Name", entry.name), ("Agent", entry.reference), ("Reference", f"catalog:{entry.name}")]
    if entry.description:
        rows.append(("Description", entry.description))
    if entry.transports:
        rows.append(("Transport", ", ".join(entry.transports)))
    return "".join(field(label, value) for label, value in rows)


def _write(entries: list[Entry], output: OutputFormat, *, listing: bool) -> None:
    from a2acli.render.writers import diag, write_json, write_text
    from a2acli.settings import catalog_location

    location = catalog_location()[0]

    if output is OutputFormat.json:
        if listing:
            write_json({"catalog": location, "agents": [e.public() for e in entries]})
        else:
            write_json(entries[0].public())
        return
    if listing and not entries:
        diag(f"the catalog {location} has no agents (a2a catalog add NAME URL)")
        return
    write_text("\n".join(_rows(e) for e in entries))


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The entry's name (a letter, then letters, digits, . _ -).")],
    reference: Annotated[
        str, typer.Argument(metavar="REF", help="The agent: URL, host[:port], card URL or card file (no credentials).")
    ],
    description: Annotated[str, setting("--description", "-d", help="A line saying what the agent is.")] = "",
    transport: Annotated[
        list[str] | None,
        setting("--prefer-transport", help="Transport(s) to reach this agent by, unless -t is given (repeatable)."),
    ] = None,
    output: OutputOpt = OutputFormat.text,
) -> None:
    """Add (or replace) a named agent in the catalog."""
    from a2acli import catalog
    from a2acli.settings import catalog_location

    entry = catalog.add(
        catalog_location()[0], name, reference, description=description, transports=tuple(transport or ())
    )
    _write([entry], output, listing=False)


@app.command("list")
def list_entries(output: OutputOpt = OutputFormat.text) -> None:
    """List the agents in the catalog."""
    from a2acli import catalog
    from a2acli.settings import catalog_location

    where, explicit = catalog_location()
    entries = catalog.load(where, explicit=explicit)
    _write([entries[n] for n in sorted(entries)], output, listing=True)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The entry's name.")],
    output: OutputOpt = OutputFormat.text,
) -> None:
    """Show one catalog entry (what -a catalog:NAME resolves to)."""
    from a2acli import catalog
    from a2acli.settings import resolve_agent_reference

    _, entry = resolve_agent_reference(catalog.PREFIX + name)
    assert entry is not None
    _write([entry], output, listing=False)


@app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The entry's name.")]) -> None:
    """Remove a named agent from the catalog."""
    from a2acli import catalog
    from a2acli.errors import UsageError
    from a2acli.render.writers import diag
    from a2acli.settings import catalog_location

    where = catalog_location()[0]
    if not catalog.remove(where, name):
        raise UsageError(f"no agent {name!r} in the catalog {where}", hint="a2a catalog list")
    diag(f"removed {name!r} from the catalog")
