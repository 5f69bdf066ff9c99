"""One simulator for the whole session, wiped before each test (fast and isolated), its clock fixed at
``_support.CLOCK`` so the reminder look-back is the same on any day.

Tests that need another configuration (auth, paths, a small journal) start their own server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.mutual.samples import SAMPLE_REPORT, row
from simulators.mutual.server import MutualSimulatorServer
from tests.simulators.mutual._support import CLOCK, Client


@pytest.fixture(scope="session")
def _server() -> Iterator[MutualSimulatorServer]:
    with MutualSimulatorServer() as server:
        yield server


@pytest.fixture
def sim(_server: MutualSimulatorServer) -> MutualSimulatorServer:
    """A simulator with no data, records, reports or faults, at ``CLOCK``."""
    _server.reset()
    _server.state.set_clock(CLOCK)
    return _server


@pytest.fixture
def client(sim: MutualSimulatorServer) -> Client:
    return Client(sim.url)


@pytest.fixture
def lab_report(client: Client) -> str:
    """Our lab report ``LR0001`` held, so children can point at it."""
    assert client.upload("uploadLabReport", row("uploadLabReport")) == {"accepted": 1, "failed": []}
    return "LR0001"


@pytest.fixture
def seeded_report(sim: MutualSimulatorServer) -> str:
    """The other hospital's report the sample records point at."""
    (rid,) = sim.state.add_reports([SAMPLE_REPORT])
    return rid
