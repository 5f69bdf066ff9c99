"""The 互认 page as a workstation's browser reaches it: the real workstation app (mounted at ``/mutual``, as in
Airflow and under ``serve``) under a real uvicorn in a background thread, a PostgreSQL ledger and HIS, the 互认
platform simulator, and Debian's Chromium driven by Playwright. Shared by the browser tests (``conftest.py``) and
``scripts/screenshot_mutual_page.py``; nothing here downloads a browser.

:class:`AppServer` is :class:`simulators.inprocess.InProcessServer` with the app's lifespan on (the simulators
turn it off): the service starts and stops as it does in production.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi import FastAPI, HTTPException, Request
from sqlalchemy import Engine

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash
from hisbridge.platforms.mutual.service.app import create_workstation_app, mounted
from hisbridge.platforms.mutual.service.service import WorkstationService
from simulators.inprocess import InProcessServer
from simulators.mutual import samples
from simulators.mutual.server import MutualSimulatorServer
from tests.integration.platforms.mutual.service_support import (
    DOCTOR,
    ID_CARD,
    NAME,
    PATIENT,
    _patients,
    make_service,
)

#: the workstation screen the page is made for
VIEWPORT = {"width": 1366, "height": 768}
CALLER = "门诊医生工作站"
#: the simulator's clock in the tests and the screenshot: the seeded reports (and so the page's list) are the same
#: on any day
CLOCK = "2026-11-24 09:30:00"


def find_chromium() -> str | None:
    """Debian's Chromium (``HISBRIDGE_CHROMIUM`` overrides); ``None`` when it is not installed."""
    for candidate in (os.environ.get("HISBRIDGE_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class AppServer(InProcessServer):
    """An ASGI app under uvicorn on 127.0.0.1 and a free port, lifespan included (the service starts and stops as
    in production); a context manager."""

    name = "workstation"
    lifespan = "on"
    start_timeout_s = 15.0  # the lifespan creates the ledger's tables

    def __init__(self, app: FastAPI, *, host: str = "127.0.0.1", log_level: str = "warning") -> None:
        super().__init__(host=host, log_level=log_level)
        self.app = app

    def make_app(self) -> FastAPI:
        return self.app


@dataclass
class Workstation:
    """Everything a page test needs: the running app and simulator, the ledger, the HIS and a caller token."""

    app: AppServer
    sim: MutualSimulatorServer
    service: WorkstationService
    ledger: Ledger
    his: Engine
    token: str

    @property
    def url(self) -> str:
        return self.app.url

    def link(self, visit: str, *, patient: str = PATIENT, type: str = "lab", mode: str = "recognize") -> str:
        """The page's absolute URL as the HIS gets it: ``POST /mutual/api/v1/page-link`` with the caller token."""
        answer = httpx.post(f"{self.url}/mutual/api/v1/page-link", timeout=10,
                            headers={"Authorization": f"Bearer {self.token}"},
                            json={"patientId": patient, "doctorId": DOCTOR, "visitId": visit, "type": type,
                                  "mode": mode})
        answer.raise_for_status()
        return self.url + answer.json()["url"]

    def records(self, kind: str, **match: str) -> list:
        """The simulator's records of ``kind`` once the service's background uploads are done."""
        self.service.drain()
        return self.sim.state.record_list(kind, **match)


def seed(sim: MutualSimulatorServer) -> None:
    """Other hospitals' reports for the HIS's patient ``P0001``: those the integration tests seed, and four more
    lab reports so that the lab page shows what a doctor meets — an abnormal panel, a culture with its
    susceptibilities, an older normal panel, and a 生化全套 long enough to scroll its pane (the decision bar must
    stay in reach)."""
    sim.seed_reports([("01", ID_CARD, NAME)], seed=7, per_person=6)
    person, now = samples.Person("01", ID_CARD, NAME), sim.state.now()

    def report(code: str, org: samples.Org, days: float, abnormal: bool) -> dict:
        at = (now - timedelta(days=days)).replace(microsecond=0)
        return samples.foreign_report(person, code, org=org, at=at, rng=random.Random(f"{code}:{days}"),
                                      abnormal=abnormal)

    panels = [report(code, samples.ORGS[2], 6.75, code == "L0003") for code in ("L0002", "L0003", "L0021", "L0019")]
    chemistry = {**panels[0], "reportId": f"LIS-{samples.ORGS[2].code}-JY{now:%Y%m%d}900001",
                 "reportNo": f"JY{now:%Y%m%d}900001", "itemCode": "L0099", "itemName": "生化全套",
                 "reportName": "生化全套", "items": [item for p in panels for item in p["items"]]}
    sim.state.add_reports([report("L0002", samples.ORGS[1], 3.8, True), report("L0020", samples.ORGS[0], 12.9, True),
                           report("L0003", samples.ORGS[4], 40.85, False), chemistry])


@contextmanager
def workstation(ledger_url: str, his_url: str, *, clock: str | None = None) -> Iterator[Workstation]:
    """Start the simulator (seeded; its clock fixed at ``clock`` when given) and the app on a ledger at
    ``ledger_url`` and a HIS at ``his_url`` (both empty databases: the HIS gets the demo patients and the quote
    tables); stop both at the end."""
    his = make_engine(his_url)
    _patients(his)
    ledger = Ledger(make_engine(ledger_url))
    ledger.ensure_schema()
    token = new_token()
    ledger.add_token(WorkstationService.SERVICE, CALLER, token_hash(token), "browser tests")
    try:
        with MutualSimulatorServer() as sim:
            if clock:
                sim.state.set_clock(clock)
            seed(sim)
            service = make_service(ledger, his, sim.url)
            # the lifespan closes the service (and its client) when uvicorn stops
            with AppServer(mounted(create_workstation_app(lambda: service))) as app:
                yield Workstation(app, sim, service, ledger, his, token)
    finally:
        ledger.engine.dispose()
        his.dispose()


def cookie_login(sessions: Mapping[str, str], editor: str) -> Callable[[Request], str | None]:
    """Airflow's session as the plugin reads it: the ``_token`` cookie names a user (``sessions``); the editor gets
    their name, any other user ``None`` (may only look), no session a 401."""
    def logged_in(request: Request) -> str | None:
        user = sessions.get(request.cookies.get("_token", ""))
        if user is None:
            raise HTTPException(401, "not logged in")
        return user if user == editor else None

    return logged_in
