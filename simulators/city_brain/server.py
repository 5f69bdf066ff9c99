"""Run the city-brain simulator's receiver in-process (:class:`simulators.inprocess.InProcessServer`):

    from simulators.city_brain.server import CityBrainSimulatorServer

    with CityBrainSimulatorServer(app_id="hisbridge-360102001", secret="s3cr3t", sign_type="SM3") as sim:
        requests.post(sim.op_url("notify"), json=envelope)          # base URL for a client: sim.url
        sim.pusher().call("notify", samples.notify())               # a correctly signed push, as the hospital
        sim.faults.add(FaultRule(kind="http_500_after", op="history"))
        sim.state.summary()                                          # or GET sim.url + "/admin/state"

    CityBrainSimulatorServer(state_file=Path("city_brain.json"))  # remembers across restarts (….persist)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI

from simulators.city_brain.app import create_app
from simulators.city_brain.caller import CityBrainCaller
from simulators.city_brain.faults import FaultPlan
from simulators.city_brain.persist import CITY_BRAIN
from simulators.city_brain.receive import DEFAULT_PATHS
from simulators.city_brain.state import SimState
from simulators.city_brain.verify import DEFAULT_WINDOW_S, Hospital, Verifier
from simulators.inprocess import InProcessServer

#: the demo hospital's credentials — for the simulator and the demo only; a site configures its own
DEMO_APP_ID = "hisbridge-360102001"
DEMO_SECRET = "city-brain-demo-secret"


class CityBrainSimulatorServer(InProcessServer):
    """A running city-brain receiver; use as a context manager or call :meth:`start` / :meth:`stop`.

    One hospital (``app_id``, ``secret``, ``sign_type``, optional ``org_code`` and ``ips``) unless a whole
    ``verifier`` is given."""

    name = "city_brain"
    state_format = CITY_BRAIN

    def __init__(self, state: SimState | None = None, faults: FaultPlan | None = None, *,
                 verifier: Verifier | None = None, app_id: str = DEMO_APP_ID, secret: str = DEMO_SECRET,
                 sign_type: str = "SM3", org_code: str | None = None, ips: tuple[str, ...] | None = None,
                 window_s: float = DEFAULT_WINDOW_S, paths: Mapping[str, str] | None = None,
                 host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                 state_file: Path | None = None) -> None:  # fmt: skip
        super().__init__(host=host, port=port, log_level=log_level, state_file=state_file)
        self.state = state if state is not None else SimState()
        self.faults = faults if faults is not None else FaultPlan()
        if verifier is None:
            hospital = Hospital(secret, sign_type, org_code=org_code, ips=ips)
            verifier = Verifier({app_id: hospital}, window_s=window_s)
        self.verifier = verifier
        self.paths = dict(paths or {})

    def make_app(self) -> FastAPI:
        return create_app(self.state, self.faults, self.verifier, paths=self.paths)

    def op_url(self, op: str) -> str:
        """``<url>/api/v1/<op>`` (or the overridden path of ``op``)."""
        return self.url + self.paths.get(op, DEFAULT_PATHS[op])

    def pusher(self, app_id: str | None = None) -> CityBrainCaller:
        """A correctly signing client of this receiver, as the hospital (the first configured hospital unless
        ``app_id``): ``sim.pusher().call("notify", biz)`` (``paths`` overrides are not followed: use
        :meth:`op_url` for those)."""
        app_id = app_id or next(iter(self.verifier.hospitals))
        hospital = self.verifier.hospitals[app_id]
        return CityBrainCaller(self.url, app_id, hospital.secret, sign_type=hospital.sign_type, prefix="/api/v1",
                               timeout=5, window_s=self.verifier.window_s)  # fmt: skip

    def reset(self) -> None:
        """Forget events, history, batches, the journal (in the state file too) and the nonces, and drop faults
        (between tests)."""
        self.state.reset()
        self.verifier.reset()
        self.faults.clear()
        if self.persister is not None:
            self.persister.changed()
