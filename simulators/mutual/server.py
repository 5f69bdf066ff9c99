"""Run the 互认 platform simulator in-process (:class:`simulators.inprocess.InProcessServer`):

    from simulators.mutual.server import MutualSimulatorServer

    with MutualSimulatorServer() as sim:
        sim.state.set_clock("2025-06-15 10:00:00")
        sim.seed_reports([("01", "360102199001010011", "测试甲")], seed=1)
        requests.post(sim.op_url("queryReminders"), json=query)     # base URL for a client: sim.url
        sim.faults.configure(latency_ms=50)                          # or POST sim.url + "/admin/faults"
        sim.state.summary()                                          # or GET sim.url + "/admin/state"

    MutualSimulatorServer(state_file=Path("mutual.json"))  # remembers across restarts (simulators.mutual.persist)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from fastapi import FastAPI

from simulators.inprocess import InProcessServer
from simulators.mutual import samples
from simulators.mutual.app import create_app
from simulators.mutual.auth import Auth
from simulators.mutual.faults import FaultPlan
from simulators.mutual.persist import MUTUAL
from simulators.mutual.state import SimState


class MutualSimulatorServer(InProcessServer):
    """A running platform simulator; use as a context manager or call :meth:`start` / :meth:`stop`."""

    name = "mutual"
    state_format = MUTUAL

    def __init__(self, state: SimState | None = None, faults: FaultPlan | None = None, *, auth: Auth | None = None,
                 paths: Mapping[str, str] | None = None, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning", state_file: Path | None = None) -> None:  # fmt: skip
        super().__init__(host=host, port=port, log_level=log_level, state_file=state_file)
        self.state = state if state is not None else SimState()
        self.faults = faults if faults is not None else FaultPlan()
        self.auth = auth if auth is not None else Auth()
        self.paths = dict(paths or {})

    def make_app(self) -> FastAPI:
        return create_app(self.state, self.faults, auth=self.auth, paths=self.paths)

    def op_url(self, op: str) -> str:
        """``<url>/api/v1/<op>`` (or the overridden path of ``op``)."""
        return self.url + self.paths.get(op, f"/api/v1/{op}")

    def seed_reports(self, persons: Sequence[samples.Person | tuple[str, str, str]], *, seed: int = 0,
                     per_person: int | None = None) -> list[str]:  # fmt: skip
        """Other hospitals' reports for ``persons`` at times before the simulator's clock; their ids."""
        reports = samples.foreign_reports(persons, now=self.state.now(), seed=seed, per_person=per_person)
        return self.state.add_reports(reports)

    def reset(self) -> None:
        """Forget rows, reports, records and the journal (in the state file too), and drop faults (between
        tests); the clock stays."""
        self.state.reset()
        self.faults.clear()
        if self.persister is not None:
            self.persister.changed()
