"""A demo HIS (PostgreSQL and SQLite), a fresh ledger per test, and the 医保 simulator behind a real client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from demo.his.generate import DemoSummary, generate
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.msgid import CounterMsgIds
from hisbridge.platforms.hsa.sender import HsaSender
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState

DAY = date(2026, 11, 24)
SCALE = 60
SECRET = "pipeline-test-secret-0123456789"


@dataclass
class His:
    engine: Engine
    demo: DemoSummary


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def his(request, tmp_path_factory) -> His:
    if request.param == "postgres":
        url = request.getfixturevalue("pg_module_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('his') / 'his.db'}"
    engine = make_engine(url)
    return His(engine, generate(engine, DAY, SCALE, seed=7))


def ledger_beside(engine: Engine, request) -> Ledger:
    """A fresh ledger on the same kind of database as the HIS under test."""
    url = request.getfixturevalue("pg_url" if engine.dialect.name == "postgresql" else "sqlite_url")
    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    return ledger


@pytest.fixture
def ledger(his: His, request) -> Ledger:
    return ledger_beside(his.engine, request)


@pytest.fixture
def fresh_his(request, tmp_path) -> His:
    """A HIS of the test's own (parametrise indirectly with "postgres" or "sqlite"), for tests that change it."""
    url = request.getfixturevalue("pg_module_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 'h.db'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        from demo.his.schema import drop_schema

        drop_schema(engine)
    return His(engine, generate(engine, DAY, SCALE, seed=11))


@pytest.fixture
def fresh_ledger(fresh_his: His, request) -> Ledger:
    return ledger_beside(fresh_his.engine, request)


@pytest.fixture
def sim():
    with SimServer(SimState(auth_mode="tif", paasid="hb-test", secret=SECRET)) as server:
        yield server


def make_sender(sim: SimServer, ledger: Ledger, **overrides) -> HsaSender:
    settings = dict(
        base_url=sim.url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院", mdtrtarea_admvs="360100",
        recer_sys_code="his", auth="tif", paasid="hb-test", secret=SECRET, opter="hisbridge",
        opter_name="数据集成平台", ip="127.0.0.1",
    )
    settings.update(overrides)
    msgids = CounterMsgIds(ledger.next_value, ledger.drop_counters)
    return HsaSender(HsaClient(HsaSettings(**settings), msgids=msgids))


@pytest.fixture
def sender(sim, ledger) -> HsaSender:
    return make_sender(sim, ledger)


def whole_day(day: date = DAY) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time())
    return start, start + timedelta(days=1)


def run(feed: str, his: His, ledger: Ledger, sender: HsaSender, *, day: date = DAY, mode: str = "batch",
        batch_size: int = 25, run_id: str = "test", **kwargs) -> FeedSummary:
    settings = RunSettings(run_id=run_id, mode=mode, batch_size=batch_size, **kwargs)
    return run_feed(load_feed_spec(feed), his.engine, ledger, sender, whole_day(day), settings)
