"""The demo HIS with its 先诊疗后付费 data on PostgreSQL, for the ``test_endpoints_*`` modules: built once per module
(generate → insurance → emr → mutual → city_brain, as ``make demo`` builds it), with the planted journey's ids;
an endpoint's SQL run as the executor binds it (no paging) with its rows validated into the answer's model; and the
app over httpx in-process (``api_support.open_rig``) on that HIS.

Each test module imports the fixtures it takes by name::

    from tests.integration.platforms.city_brain.demo_support import (  # noqa: F401 - fixtures by name
        Demo, anyio_backend, demo, demo_ledger, demo_rig, sql_items)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy import Engine, bindparam, text

from demo.his.city_brain import CityBrainEdgeCases, generate_city_brain
from demo.his.emr import generate_emr
from demo.his.generate import generate
from demo.his.insurance import InsuranceEdgeCases, generate_insurance
from demo.his.mutual import MutualEdgeCases, generate_mutual
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.city_brain.catalogue import Endpoint
from hisbridge.platforms.city_brain.endpoints import billing, orders, records, registration, reports
from hisbridge.platforms.city_brain.executor import KEYS, bind_names, binds, parse_params, sql_text
from tests.integration.platforms.city_brain.api_support import Rig, make_service, open_rig

DAY = date(2026, 11, 24)
PREV = DAY - timedelta(days=1)
SCALE, SEED = 300, 42
MY_AREAS = (registration, reports, orders, billing, records)
#: every endpoint of these tests, by path
ENDPOINTS: dict[str, Endpoint] = {e.path: e for m in MY_AREAS for e in m.ENDPOINTS}


@dataclass(frozen=True)
class Demo:
    engine: Engine
    edge: CityBrainEdgeCases
    insurance: InsuranceEdgeCases
    mutual: MutualEdgeCases

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    def one(self, sql: str, **params: Any) -> dict[str, Any]:
        rows = self.rows(sql, **params)
        assert len(rows) == 1, rows
        return rows[0]


def build_demo(url: str) -> Demo:
    engine = make_engine(url)
    generate(engine, DAY, SCALE, SEED)
    insurance = generate_insurance(engine, DAY, seed=SEED)
    generate_emr(engine, DAY, seed=SEED)
    mutual = generate_mutual(engine, DAY, seed=SEED)
    city = generate_city_brain(engine, DAY, seed=SEED)
    return Demo(engine, city.edge_cases, insurance.edge_cases, mutual.edge_cases)


@pytest.fixture(scope="module")
def demo(pg_module_url: str) -> Iterator[Demo]:
    made = build_demo(pg_module_url)
    yield made
    made.engine.dispose()


@pytest.fixture(scope="module")
def demo_ledger(pg_module_url: str, demo: Demo) -> Iterator[Ledger]:
    made = Ledger(make_engine(pg_module_url))
    made.ensure_schema()
    yield made
    made.engine.dispose()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def demo_rig(demo_ledger: Ledger, demo: Demo) -> AsyncIterator[Rig]:
    """The app on the demo HIS (signed as ``cb01``; ``demo_rig.counter`` counts the statements the HIS receives)."""
    async for made in open_rig(make_service(demo_ledger, demo.engine)):
        yield made


# -- the SQL as the executor binds it -----------------------------------------------------------------------------
def sql_items(demo: Demo, path: str, biz: dict[str, Any]) -> list[BaseModel]:
    """Every row of ``path``'s SQL for ``biz`` (validated as the app validates it, no paging), children included,
    as the endpoint's item model."""
    endpoint = ENDPOINTS[path]
    params = parse_params(endpoint, biz)
    values = binds(endpoint, params, bind_names(endpoint.sql))
    with demo.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(text(sql_text(endpoint.sql)), values).mappings()]
        rows = [{c: r.get(c) for c in endpoint.columns} for r in rows]
        for child in endpoint.children:
            key = endpoint.parent_key(child)
            keys = list(dict.fromkeys(r[key] for r in rows if r[key] is not None))
            found: dict[Any, list[dict[str, Any]]] = {}
            if keys:
                stmt = text(sql_text(child.sql)).bindparams(bindparam(KEYS, expanding=True))
                child_values = binds(endpoint, params, bind_names(child.sql)) | {KEYS: keys}
                for r in conn.execute(stmt, child_values).mappings():
                    line = dict(r)
                    found.setdefault(line.pop("parent_key"), []).append(line)
            for r in rows:
                r[child.field] = found.get(r[key], [])
    return [endpoint.item.model_validate(r) for r in rows]


def day_range(first: date = DAY, last: date | None = None) -> dict[str, str]:
    return {"startDate": first.isoformat(), "endDate": (last or first).isoformat()}


def wire_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["code"] == "0", body
    return body["data"]


def refused(answer: httpx.Response) -> str:
    body = answer.json()
    assert body["data"] is None, body
    return body["code"]


TOO_LONG = {"startDate": (DAY - timedelta(days=40)).isoformat(), "endDate": DAY.isoformat()}
