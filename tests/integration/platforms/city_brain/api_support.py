"""The city-brain API as the city brain reaches it, in-process: the app (mounted at ``/city-brain`` as in Airflow and
under ``serve``) over httpx's ASGI transport, a ledger and a HIS with the demo schema on PostgreSQL, and a counter
of the statements the HIS receives (a refusal must read nothing). The ``test_api_*`` modules import the fixtures
they need from here and take them by name.

Building the app in a test::

    service = make_service(ledger, his_engine)                # CityBrainService with CALLERS below
    async for rig in open_rig(service):                       # or the `rig` fixture
        answer = await rig.call("departments", {"pageNo": 1})  # signed as cb01 (SM3); rig.counter counts HIS statements
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine, event, insert

from demo.his import schema as his
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.city_brain.app import create_city_brain_app, mounted
from hisbridge.platforms.city_brain.envelope import signed_request
from hisbridge.platforms.city_brain.service import CityBrainService
from hisbridge.platforms.city_brain.settings import CityBrainApiSettings, settings_from_extras

SECRETS = {"cb01": "cb01-secret-for-the-tests-0123", "cb02": "cb02-secret-for-the-tests-0123",
           "slow": "slow-secret-for-the-tests-0123"}
SIGN_TYPES = {"cb01": "SM3", "cb02": "HMAC-SHA256", "slow": "SHA256"}
CALLERS = {
    "cb01": {"secret": SECRETS["cb01"], "sign_type": "SM3", "rate_per_s": 1000, "burst": 1000, "ips": ["127.0.0.1"]},
    "cb02": {"secret": SECRETS["cb02"], "sign_type": "HMAC-SHA256", "ips": ["127.0.0.0/8", "10.20.0.0/16"]},
    "slow": {"secret": SECRETS["slow"], "sign_type": "SHA256", "rate_per_s": 0.5, "burst": 2, "ips": ["127.0.0.1"]},
}
ADDRESS = "127.0.0.1"

# the HIS's rows the tests read back
DEPTS = [  # (code, name, type, campus, active)
    ("0101", "心血管内科门诊", "outpatient", "main", 1), ("0102", "普外科门诊", "outpatient", "main", 1),
    ("0201", "检验科", "medtech", "main", 1), ("0301", "九龙湖内科门诊", "outpatient", "jiulonghu", 1),
    ("0401", "原预防保健科", "admin", "main", 0),
]
STAFF = [  # (code, name, role, dept, active)
    ("D001", "刘医生", "doctor", "0101", 1), ("D002", "陈医生", "doctor", "0102", 1),
    ("D003", "周医生", "doctor", "0101", 0), ("N001", "吴护士", "nurse", "0101", 1),
    ("P001", "郑药师", "pharmacist", "0201", 1),
]
STAFF_ID_CARD, STAFF_PHONE = "360102198001010033", "13800001111"
NAME, ID_CARD, PHONE = "张三丰", "360102199001010011", "13912345678"
PASSPORT = "E12345678"


def plant_directory(engine: Engine) -> None:
    """The demo schema's departments, staff and patients, with what the tests expect."""
    his.metadata.create_all(engine, tables=[his.dept, his.staff, his.patient, his.patient_extra])
    at = datetime(2026, 11, 1, 8, 0)
    with engine.begin() as conn:
        conn.execute(insert(his.dept), [
            {"dept_code": c, "dept_name": n, "dept_type": t, "campus": campus, "area": "一楼", "floor": "1",
             "is_active": a, "updated_at": at} for c, n, t, campus, a in DEPTS])
        conn.execute(insert(his.staff), [
            {"staff_code": c, "name": n, "gender": "1", "role": r, "dept_code": d, "is_active": a, "updated_at": at,
             "title": "主治医师" if r == "doctor" else None, "id_card_no": STAFF_ID_CARD, "phone": STAFF_PHONE}
            for c, n, r, d, a in STAFF])
        conn.execute(insert(his.patient), _filled(his.patient, [
            {"patient_id": "P0001", "name": NAME, "gender": "1", "birth_date": date(1990, 1, 1), "id_card_no": ID_CARD,
             "phone": PHONE, "address": "南昌市东湖区八一大道1号", "insuplc_admdvs": "360102", "created_at": at},
            {"patient_id": "P0002", "name": "李四", "gender": "2", "birth_date": date(1985, 5, 15),
             "id_card_no": PASSPORT, "created_at": at},
            {"patient_id": "P0003", "name": "王五", "gender": "1", "id_card_no": "360102197001010055",
             "created_at": at},  # registered before patient_extra: an 18-character number is a resident ID
            {"patient_id": "P0004", "name": NAME, "gender": "1", "birth_date": date(1990, 1, 1), "id_card_no": ID_CARD,
             "created_at": datetime(2026, 11, 20, 9, 0)},  # the same person registered again: the newest file
        ]))
        conn.execute(insert(his.patient_extra), _filled(his.patient_extra, [
            {"patient_id": "P0001", "id_type": "SFZ", "health_card_no": "HC0001", "updated_at": at},
            {"patient_id": "P0002", "id_type": "HZ", "updated_at": at},
            {"patient_id": "P0004", "id_type": "SFZ", "updated_at": at},
        ]))


def _filled(table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every column (None where not given): one multi-row insert needs the same keys in each."""
    return [{c.name: row.get(c.name) for c in table.columns} for row in rows]


class StatementCounter:
    """Every statement the HIS engine sends, as text."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def api_settings(**changes: Any) -> CityBrainApiSettings:
    return settings_from_extras({"callers": CALLERS, **changes})


def make_service(ledger: Ledger, his_engine: Engine, **changes: Any) -> CityBrainService:
    return CityBrainService(settings=api_settings(**changes), his=his_engine, ledger=ledger)


def request(app_id: str, biz: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    """A request signed as ``app_id`` would sign it (``secret``, ``sign_type``, ``timestamp_ms``, ``nonce``)."""
    return signed_request(app_id, options.pop("secret", SECRETS.get(app_id, "no-such-secret-0123456789")),
                          {} if biz is None else biz, sign_type=options.pop("sign_type", SIGN_TYPES.get(app_id, "SM3")),
                          **options)


@dataclass
class Rig:
    http: httpx.AsyncClient
    service: CityBrainService
    ledger: Ledger
    his: Engine
    counter: StatementCounter
    app: Any = field(repr=False, default=None)

    async def post(self, path: str, envelope: dict[str, Any] | bytes, *, client: tuple[str, int] | None = None,
                   headers: dict[str, str] | None = None) -> httpx.Response:
        content = envelope if isinstance(envelope, bytes) else orjson.dumps(envelope)
        http = self.http
        if client is not None:  # another caller address
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app, client=client),
                                     base_url="http://hospital.local")
        try:
            return await http.post(f"/city-brain/api/v1/{path}", content=content,
                                   headers={"Content-Type": "application/json", **(headers or {})})
        finally:
            if client is not None:
                await http.aclose()

    async def call(self, path: str, biz: dict[str, Any] | None = None, app_id: str = "cb01",
                   **options: Any) -> httpx.Response:
        return await self.post(path, request(app_id, biz, **options))

    def journal(self, request_id: str) -> dict:
        self.service.flush()  # entries are written by the journal thread, after the answer
        found = [e for e in self.ledger.journal_entries(platform="city_brain", limit=1000) if e["msgid"] == request_id]
        assert len(found) == 1, f"{len(found)} journal entries for {request_id}"
        return found[0]


@pytest.fixture(scope="module")
def his_db(pg_module_url: str) -> Iterator[Engine]:
    """A HIS on PostgreSQL with the demo schema's directory tables and the rows above."""
    engine = make_engine(pg_module_url)
    plant_directory(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def ledger(pg_module_url: str, his_db: Engine) -> Iterator[Ledger]:
    """The ledger, in the same PostgreSQL database as the HIS (its own tables, its own engine)."""
    made = Ledger(make_engine(pg_module_url))
    made.ensure_schema()
    yield made
    made.engine.dispose()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def open_rig(service: CityBrainService, client: tuple[str, int] = (ADDRESS, 50123)) -> AsyncIterator[Rig]:
    app = mounted(create_city_brain_app(lambda: service))
    his_engine = service.executor.engine
    counter = StatementCounter(his_engine)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=client),
                                     base_url="http://hospital.local") as http:
            yield Rig(http, service, service.ledger, his_engine, counter, app)
    finally:
        counter.close()
        service.close()  # its journal thread: what it queued is written


@pytest.fixture
async def rig(ledger: Ledger, his_db: Engine) -> AsyncIterator[Rig]:
    async for made in open_rig(make_service(ledger, his_db)):
        yield made
