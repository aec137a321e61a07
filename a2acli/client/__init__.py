"""a2acli.client: everything that speaks A2A to an agent (card resolution, transport + version, streams)."""

from __future__ import annotations

from a2acli._compat.httpx import skip_cli

skip_cli()  # before any module of the package imports httpx
