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
from simulators.hsa.persist import StatePersister, load_state
from simulators.hsa.state import SimState
from simulators.inprocess import InProcessServer


class SimServer(InProcessServer):
    """A running 医保 simulator; use as a context manager or call :meth:`start` / :meth:`stop`."""

    name = "hsa"

    def __init__(self, state: SimState | None = None, faults: FaultPlan | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, log_level: str = "warning", state_file: Path | None = None) -> None:
        super().__init__(host=host, port=port, log_level=log_level)
        self.state = state if state is not None else SimState()
        self.faults = faults if faults is not None else FaultPlan()
        self.state_file = Path(state_file) if state_file is not None else None
        self.persister: StatePersister | None = None

    def make_app(self) -> FastAPI:
        app = create_app(self.state, self.faults)
        if self.state_file is not None:
            load_state(self.state, self.state_file)
            self.persister = StatePersister(self.state, self.state_file)
            self.persister.attach(app)
        return app

    def stop(self) -> None:
        """Stop serving, then write the state file once more (in-process changes, e.g. seeded settlements)."""
        super().stop()
        if self.persister is not None:
            self.persister.close()
            self.persister = None

    @property
    def call_url(self) -> str:
        """The unified endpoint ``<url>/fsi/api/rsfComIfsService/callService``."""
        return self.url + CALL_PATH
