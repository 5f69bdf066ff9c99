"""The workstation service as the HIS reaches it, in-process: the app (mounted at ``/mutual``, as in Airflow and
under ``serve``) over httpx's ASGI transport, a real ledger and a real HIS with the demo schema on PostgreSQL, and
the 互认 platform simulator on a local port. Imported by the ``test_service_*`` modules (fixtures by name)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import Engine, delete, insert

from demo.his import schema as his
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash
from hisbridge.platforms.mutual.client import MutualClient
from hisbridge.platforms.mutual.service import quote_tables
from hisbridge.platforms.mutual.service.app import create_workstation_app, mounted
from hisbridge.platforms.mutual.service.identity import PatientDirectory
from hisbridge.platforms.mutual.service.items import load_item_map
from hisbridge.platforms.mutual.service.service import WorkstationService
from hisbridge.platforms.mutual.service.settings import WorkstationSettings
from hisbridge.platforms.mutual.settings import MutualSettings
from simulators.mutual import samples
from simulators.mutual.server import MutualSimulatorServer

SECRET = "ticket-secret-for-the-tests-0123456789"
#: the HIS's patients: one with a resident ID the platform holds reports for, one with a passport and no reports,
#: one without any ID number
PATIENT, PASSPORT_PATIENT, NO_ID_PATIENT = "P0001", "P0002", "P0003"
NAME, ID_CARD = "张三丰", "360102199001010011"
PASSPORT = "E12345678"
VISIT, DOCTOR = "GH20261124001", "D0101"


@dataclass
class Rig:
    sim: MutualSimulatorServer
    ledger: Ledger
    his: Engine
    service: WorkstationService
    http: httpx.AsyncClient
    token: str

    async def post(self, path: str, body: Any, *, token: str | None = "default") -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {self.token if token == 'default' else token}"}
        return await self.http.post(f"/mutual/api/v1/{path}", json=body, headers=headers)

    async def visit(self, patient: str = PATIENT, visit: str = VISIT) -> httpx.Response:
        return await self.post("reminders/visit", {"patientId": patient, "visitId": visit, "doctorId": DOCTOR})

    async def link(self, *, patient: str = PATIENT, visit: str = VISIT, type: str = "lab",
                   mode: str = "recognize") -> str:
        answer = await self.post("page-link", {"patientId": patient, "visitId": visit, "doctorId": DOCTOR,
                                               "type": type, "mode": mode})
        assert answer.status_code == 200, answer.text
        return answer.json()["url"]

    def page(self, link: str) -> PageSession:
        return PageSession(self.http, link)

    def records(self, kind: str, **match: str) -> list[Any]:
        self.service.drain()
        return self.sim.state.record_list(kind, **match)

    def journal(self) -> list[dict]:
        self.service.drain()
        return list(reversed(self.ledger.journal_entries(platform="mutual")))


class PageSession:
    """The page's JSON API as its script calls it: the URL's parameters on every call, the ticket in a header."""

    def __init__(self, http: httpx.AsyncClient, link: str) -> None:
        self.http = http
        self.link = link
        self.params = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
        self.ticket = self.params.pop("ticket", "")

    def _headers(self) -> dict[str, str]:
        return {"X-Page-Ticket": self.ticket} if self.ticket else {}

    async def reports(self) -> httpx.Response:
        return await self.http.get("/mutual/api/v1/page/reports", params=self.params, headers=self._headers())

    async def open(self, report_id: str) -> httpx.Response:
        return await self.http.get(f"/mutual/api/v1/page/reports/{report_id}", params=self.params,
                                   headers=self._headers())

    async def act(self, report_id: str, action: str, body: Any = None) -> httpx.Response:
        return await self.http.post(f"/mutual/api/v1/page/reports/{report_id}/{action}", params=self.params,
                                    headers=self._headers(), json=body)


def _patients(engine: Engine) -> None:
    now = datetime(2026, 11, 1, 8, 0)
    his.metadata.create_all(engine, tables=[his.patient, his.patient_extra])
    with engine.begin() as conn:
        conn.execute(insert(his.patient), [
            {"patient_id": PATIENT, "name": NAME, "gender": "1", "birth_date": date(1990, 1, 1),
             "id_card_no": ID_CARD, "phone": "13912345678", "created_at": now},
            {"patient_id": PASSPORT_PATIENT, "name": "李四", "gender": "2", "birth_date": date(1985, 5, 15),
             "id_card_no": PASSPORT, "phone": None, "created_at": now},
            {"patient_id": NO_ID_PATIENT, "name": "王五", "gender": "1", "birth_date": None, "id_card_no": None,
             "phone": None, "created_at": now},
        ])
        conn.execute(insert(his.patient_extra), [
            {"patient_id": PATIENT, "id_type": "SFZ", "updated_at": now},
            {"patient_id": PASSPORT_PATIENT, "id_type": "HZ", "updated_at": now},
        ])
    quote_tables.install(engine)


@pytest.fixture(scope="module")
def his_db(pg_module_url: str) -> Iterator[Engine]:
    """A HIS on PostgreSQL with the demo schema's patient tables, three patients, and the quote tables."""
    engine = make_engine(pg_module_url)
    _patients(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sim() -> Iterator[MutualSimulatorServer]:
    with MutualSimulatorServer() as server:
        server.seed_reports([("01", ID_CARD, NAME)], seed=7, per_person=6)
        yield server


def order_report(sim: MutualSimulatorServer, data_code: str, *, days_ago: int = 5) -> str:
    """A report of our patient at another hospital for the platform item ``data_code`` (of
    ``include/mappings/mutual_items.yaml``), so that an order of the mapped HIS item finds it."""
    import random
    from datetime import timedelta

    base = samples.foreign_report(samples.Person("01", ID_CARD, NAME), "L0001", org=samples.ORGS[1],
                                  at=sim.state.now() - timedelta(days=days_ago), rng=random.Random(data_code))
    base.update(reportId=f"LIS-ORDER-{data_code}", itemCode=data_code)
    return sim.state.add_reports([base])[0]


def closed_port() -> int:
    """A local port nothing listens on (the platform down: connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_service(ledger: Ledger, his_engine: Engine, base_url: str, **settings: Any) -> WorkstationService:
    items = load_item_map()
    client_settings = {k: settings.pop(k) for k in ("query_timeout_s", "timeout_s") if k in settings}
    client = MutualClient(MutualSettings(base_url=base_url, **client_settings))
    values = {"ticket_secret": SECRET, "identity_cache_s": 0, **settings}
    return WorkstationService(ledger=ledger, client=client, settings=WorkstationSettings(**values),
                              patients=PatientDirectory(his_engine, items.id_types, cache_s=0), items=items,
                              quote_engine=his_engine,
                              query_timeout_s=client_settings.get("query_timeout_s", 0.5))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ledger(pg_url: str) -> Ledger:
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    return ledger


async def open_rig(service: WorkstationService, sim: MutualSimulatorServer, his_engine: Engine,
                   ledger: Ledger) -> AsyncIterator[Rig]:
    with his_engine.begin() as conn:  # each test quotes into empty tables
        conn.execute(delete(quote_tables.quoted_result))
        conn.execute(delete(quote_tables.quoted_report))
    token = new_token()
    ledger.add_token(WorkstationService.SERVICE, "门诊医生工作站", token_hash(token), "test")
    app = mounted(create_workstation_app(lambda: service))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://hospital.local") as http:
            yield Rig(sim, ledger, his_engine, service, http, token)
    finally:
        service.close()
        service.client.close()


@pytest.fixture
async def rig(sim: MutualSimulatorServer, his_db: Engine, ledger: Ledger) -> AsyncIterator[Rig]:
    # the rig's tests are about what is answered; the budget's own tests build a service with a tight one (a
    # busy CI machine took 871 ms for one normal query, over the 800 ms default)
    service = make_service(ledger, his_db, sim.url, query_timeout_s=3, reminder_budget_ms=3000)
    async for made in open_rig(service, sim, his_db, ledger):
        yield made
