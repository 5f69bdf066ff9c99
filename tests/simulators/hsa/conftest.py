"""One simulator per configuration for the whole session, wiped before each test (fast and isolated).

Tests that need another configuration start their own ``SimServer``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.simulators.hsa._support import PAASID, SECRET, Client


def _fresh(server: SimServer) -> SimServer:
    server.state.reset()
    server.faults.clear()
    return server


@pytest.fixture(scope="session")
def _plain_server() -> Iterator[SimServer]:
    with SimServer(SimState()) as server:
        yield server


@pytest.fixture(scope="session")
def _tif_server() -> Iterator[SimServer]:
    with SimServer(SimState(auth_mode="tif", paasid=PAASID, secret=SECRET)) as server:
        yield server


@pytest.fixture(scope="session")
def _csb_server() -> Iterator[SimServer]:
    with SimServer(SimState(auth_mode="csb", paasid=PAASID, secret=SECRET)) as server:
        yield server


@pytest.fixture
def sim(_plain_server: SimServer) -> SimServer:
    """An auth-less simulator with empty state and no faults."""
    return _fresh(_plain_server)


@pytest.fixture
def client(sim: SimServer) -> Client:
    """A client of ``sim``, already signed in (9001)."""
    c = Client(sim.url)
    c.sign_in()
    return c


@pytest.fixture
def tif_sim(_tif_server: SimServer) -> SimServer:
    return _fresh(_tif_server)


@pytest.fixture
def csb_sim(_csb_server: SimServer) -> SimServer:
    return _fresh(_csb_server)
