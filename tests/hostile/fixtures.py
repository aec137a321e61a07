"""The hostile agents as module-scoped fixtures: used by this suite (its conftest) and by other test modules that
talk to the same misbehaving servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.servers import HostileAgent, RawAgent, hostile_agents, raw_agent


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileAgent]:
    with hostile_agents() as agent:
        yield agent


@pytest.fixture(scope="module")
def raw() -> Iterator[RawAgent]:
    with raw_agent() as agent:
        yield agent
