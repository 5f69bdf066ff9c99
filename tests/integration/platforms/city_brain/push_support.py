"""The demo HIS (PostgreSQL, built as ``make demo`` builds it: generate → insurance → emr → mutual → city_brain) and
the city brain's receiver in-process, for the push tests (``test_push*.py``): a signed client of ours pointed at
the receiver, and the days of the demo pushed window by window through the same :func:`push_window` the push
DAG's operator calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, text

from demo.his.city_brain import CityBrainEdgeCases, generate_city_brain
from demo.his.emr import generate_emr
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from demo.his.mutual import generate_mutual
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import RunSettings
from hisbridge.platforms.city_brain.client import CityBrainClient, PushSettings
from hisbridge.platforms.city_brain.pushes import PushSummary, push_window
from hisbridge.platforms.city_brain.sender import CityBrainSender
from simulators.city_brain.server import CityBrainSimulatorServer
from tests.conftest import _create_database, _drop_database

DAY = date(2026, 11, 24)
#: every day the demo has events on (registrations are booked up to three days ahead; stays began earlier)
DAYS = [DAY - timedelta(days=n) for n in range(4, -2, -1)]
APP_ID, SECRET, ORG = "hisbridge-360102001", "push-test-secret-0123456789", "360102001"


def day_window(d: date) -> tuple[datetime, datetime]:
    start = datetime.combine(d, time())
    return start, start + timedelta(days=1)


@dataclass
class His:
    engine: Engine
    edge: CityBrainEdgeCases

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    def values(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).scalars())


@contextmanager
def demo_his(url: str) -> Iterator[His]:
    engine = make_engine(url)
    try:
        generate(engine, DAY, 300)
        generate_insurance(engine, DAY)
        generate_emr(engine, DAY)
        generate_mutual(engine, DAY)
        yield His(engine, generate_city_brain(engine, DAY).edge_cases)
    finally:
        engine.dispose()


def receiver(**changes: Any) -> CityBrainSimulatorServer:
    return CityBrainSimulatorServer(**{"app_id": APP_ID, "secret": SECRET, "sign_type": "SM3", "org_code": ORG,
                                       **changes})


def sender_for(sim: CityBrainSimulatorServer, **changes: Any) -> CityBrainSender:
    settings = PushSettings(**{"base_url": sim.url, "app_id": APP_ID, "secret": SECRET, "org_code": ORG,
                               "timeout_s": 5, **changes})
    return CityBrainSender(CityBrainClient(settings))


def settings(tag: str):
    def make(feed: str, piece: str) -> RunSettings:
        return RunSettings(run_id=f"{tag}#{piece}" if piece else tag, mode="single", batch_size=1)
    return make


def push_days(his: Engine, ledger: Ledger, sender: CityBrainSender, tag: str,
              days: list[date] = DAYS) -> list[PushSummary]:
    """Every demo day, one window each, as the push DAG's runs would (slices inside a window as needed)."""
    return [push_window(his, ledger, sender, day_window(d), settings(f"{tag}-{d}")) for d in days]


@contextmanager
def fresh_ledger() -> Iterator[Ledger]:
    url = _create_database()
    engine = make_engine(url)
    try:
        ledger = Ledger(engine)
        ledger.ensure_schema()
        yield ledger
    finally:
        engine.dispose()
        _drop_database(url)
