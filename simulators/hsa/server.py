"""Run the 医保 simulator in-process (:class:`simulators.inprocess.InProcessServer`):

    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    with SimServer(SimState(auth_mode="tif", paasid="hb", secret=secret)) as sim:
        requests.post(sim.url + "/fsi/api/rsfComIfsService/callService", json=envelope, headers=...)
        sim.state.summary()                      # or GET sim.url + "/__admin__/state"
        sim.faults.add(FaultRule(kind="slow", delay_s=3))

    SimServer(state, state_file=Path("sim.json"))  # remembers across restarts (simulators.hsa.persist)
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from simulators.hsa.app import CALL_PATH, create_app
from simulators.hsa.faults import FaultPlan
from simulators.hsa.persist import HSA
from simulators.hsa.state import SimState
from simulators.inprocess import InProcessServer


class SimServer(InProcessServer):
    """A running 医保 simulator; use as a context manager or call :meth:`start` / :meth:`stop` (which writes the
    state file once more: in-process changes, e.g. seeded settlements)."""

    name = "hsa"
    state_format = HSA

    def __init__(self, state: SimState | None = None, faults: FaultPlan | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, log_level: str = "warning", state_file: Path | None = None) -> None:
        super().__init__(host=host, port=port, log_level=log_level, state_file=state_file)
        self.state = state if state is not None else SimState()
        self.faults = faults if faults is not None else FaultPlan()

    def make_app(self) -> FastAPI:
        return create_app(self.state, self.faults)

    @property
    def call_url(self) -> str:
        """The unified endpoint ``<url>/fsi/api/rsfComIfsService/callService``."""
        return self.url + CALL_PATH
