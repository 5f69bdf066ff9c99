"""One receiver for the whole session (SM3, the tests' credentials), wiped before each test. Tests that need
another configuration (sign type, allow-list, org, paths) start their own server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.city_brain.caller import CityBrainCaller
from simulators.city_brain.server import CityBrainSimulatorServer
from tests.simulators.city_brain._support import APP_ID, SECRET, Admin


@pytest.fixture(scope="session")
def _server() -> Iterator[CityBrainSimulatorServer]:
    with CityBrainSimulatorServer(app_id=APP_ID, secret=SECRET, sign_type="SM3") as server:
        yield server


@pytest.fixture
def sim(_server: CityBrainSimulatorServer) -> CityBrainSimulatorServer:
    """A receiver with no events, history, nonces or faults."""
    _server.reset()
    return _server


@pytest.fixture
def pusher(sim: CityBrainSimulatorServer) -> CityBrainCaller:
    """The hospital, pushing correctly signed envelopes."""
    return sim.pusher()


@pytest.fixture
def admin(sim: CityBrainSimulatorServer) -> Admin:
    return Admin(sim.url)
