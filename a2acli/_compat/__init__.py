"""Private names of dependencies, quarantined: one module per dependency (`a2a_sdk.py`, `typer.py`, ...).

Each module lists every private name a2acli still uses from that dependency, once, with a contract test under
`tests/compat/` that fails loudly when the dependency changes it; the dependency is pinned in pyproject to the
minor range those tests cover. Nothing else in the package imports a dependency's private name.
"""
