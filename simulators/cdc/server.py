"""Run the CDC front-end simulator in-process (:class:`simulators.inprocess.InProcessServer`):

    from simulators.cdc.server import SimServer
    from simulators.cdc.state import SimState

    with SimServer(SimState()) as sim:
        requests.post(sim.receive_url("emrPatientInfo"), json=record)
        sim.state.summary()                      # or GET sim.url + "/__admin__/state"
        sim.faults.add(FaultRule(kind="slow", delay_s=3))

    SimServer(state, state_file=Path("cdc.json"))  # remembers across restarts (simulators.cdc.persist)
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from simulators.cdc.app import RECEIVE_PATH, create_app
from simulators.cdc.faults import FaultPlan
from simulators.cdc.persist import CDC
from simulators.cdc.state import SimState
from simulators.inprocess import InProcessServer


class SimServer(InProcessServer):
    """A running front-end simulator; use as a context manager or call :meth:`start` / :meth:`stop`."""

    name = "cdc"
    state_format = CDC

    def __init__(self, state: SimState | None = None, faults: FaultPlan | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, log_level: str = "warning", state_file: Path | None = None) -> None:
        super().__init__(host=host, port=port, log_level=log_level, state_file=state_file)
        self.state = state if state is not None else SimState()
        self.faults = faults if faults is not None else FaultPlan()

    def make_app(self) -> FastAPI:
        return create_app(self.state, self.faults)

    @property
    def receive_base(self) -> str:
        """``<url>/hclient/emr/receive`` — what a client is configured with; it appends ``/<entity>``."""
        return self.url + RECEIVE_PATH

    def receive_url(self, entity: str) -> str:
        """``<url>/hclient/emr/receive/<entity>``."""
        return f"{self.receive_base}/{entity}"

    def reset(self) -> None:
        """Forget every record and the journal (in the state file too), and drop pending faults (between tests)."""
        self.state.reset()
        self.faults.clear()
        if self.persister is not None:
            self.persister.changed()
