"""A demo HIS generated once per test module into SQLite and into a real PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import DateTime, Engine, bindparam, text

from demo.his.generate import DemoSummary, generate
from hisbridge import SQL_DIR
from hisbridge.db import make_engine

DAY = date(2026, 11, 24)
SCALE = 300
SEED = 42
FEEDS = (
    "hsa_trace_inventory",
    "hsa_trace_stock_change",
    "hsa_trace_purchase",
    "hsa_trace_purchase_return",
    "hsa_trace_sale",
    "hsa_trace_sale_return",
)
KEYS = {
    "hsa_trace_inventory": "take_id",
    "hsa_trace_stock_change": "move_id",
    "hsa_trace_purchase": "purchase_line_id",
    "hsa_trace_purchase_return": "purchase_return_id",
    "hsa_trace_sale": "sale_line_id",
    "hsa_trace_sale_return": "sale_return_id",
}


@dataclass
class Demo:
    backend: str
    engine: Engine
    summary: DemoSummary


def day_window(d: date) -> tuple[datetime, datetime]:
    start = datetime.combine(d, datetime.min.time())
    return start, start + timedelta(days=1)


def run_feed_sql(engine: Engine, feed: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Execute a feed's SQL exactly as the pipeline binds it."""
    stmt = text((SQL_DIR / f"{feed}.sql").read_text(encoding="utf-8")).bindparams(
        bindparam("window_start", type_=DateTime), bindparam("window_end", type_=DateTime)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt, {"window_start": start, "window_end": end}).mappings()]


def _demo(backend: str, url: str) -> Iterator[Demo]:
    engine = make_engine(url)
    summary = generate(engine, DAY, SCALE, SEED)
    try:
        yield Demo(backend, engine, summary)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory) -> Iterator[Demo]:
    yield from _demo("sqlite", f"sqlite:///{tmp_path_factory.mktemp('his') / 'his.db'}")


@pytest.fixture(scope="module")
def pg_demo(pg_module_url) -> Iterator[Demo]:
    yield from _demo("postgresql", pg_module_url)


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def demo(request) -> Demo:
    return request.getfixturevalue(f"{'pg' if request.param == 'postgresql' else 'sqlite'}_demo")
