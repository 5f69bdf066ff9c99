"""One simulator for the whole session, wiped before each test (fast and isolated).

Tests that need another configuration start their own ``SimServer``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.cdc.samples import sample
from simulators.cdc.server import SimServer
from simulators.cdc.state import SimState
from tests.simulators.cdc._support import Client


@pytest.fixture(scope="session")
def _server() -> Iterator[SimServer]:
    with SimServer(SimState()) as server:
        yield server


@pytest.fixture
def sim(_server: SimServer) -> SimServer:
    """A simulator with no records, an empty journal and no faults."""
    _server.reset()
    return _server


@pytest.fixture
def client(sim: SimServer) -> Client:
    return Client(sim.url)


@pytest.fixture
def patient(client: Client) -> str:
    """Patient ``P001`` received, so clinical records can point at it."""
    assert client.push("emrPatientInfo", sample("emrPatientInfo"))["result"] is True
    return "P001"
