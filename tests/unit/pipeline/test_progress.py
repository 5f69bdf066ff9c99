"""A long window (``progress: true``: the history capture) logs a progress line per answered message — the page
and the records confirmed so far, counted against the window's records counted before the run — and a closing
line; a resumed run counts what earlier runs confirmed. Feeds without the flag log no such line and run no count.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import text

from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import Progress, RunSettings, _Tally, run_feed, window_label
from hisbridge.pipeline.spec import FeedSpec
from tests.support.echo_platform import EchoSender

DAY = (datetime(2026, 10, 3), datetime(2026, 10, 4))
SQL = "SELECT id, name, value FROM item WHERE at >= :window_start AND at < :window_end ORDER BY id"


@pytest.fixture(autouse=True)
def echo_registered(monkeypatch) -> None:
    monkeypatch.setenv("HISBRIDGE_PLATFORMS", json.dumps({"echo": "tests.support.echo_platform:PLATFORM"}))


def _spec(tmp_path, progress: bool) -> FeedSpec:
    path = tmp_path / "item.sql"
    path.write_text(SQL, encoding="utf-8")
    return FeedSpec.model_validate({
        "feed": "t_history", "title": "历史", "platform": "echo", "window": "daily", "sql": str(path),
        "options": {"table": "item"}, "business_key": ["id"], "progress": progress,
        "fields": {"id": "id", "name": "name", "value": "value"},
    })


def _his(tmp_path, n: int, refuse: set[int] = frozenset()):
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE item (id INTEGER, name TEXT, value TEXT, at TIMESTAMP)"))
        conn.execute(text("INSERT INTO item VALUES (:id, :name, 'v', '2026-10-03 10:00:00.000000')"),
                     [{"id": i, "name": "REFUSE" if i in refuse else f"n{i}"} for i in range(1, n + 1)])
    return engine


@pytest.fixture
def ledger(tmp_path) -> Ledger:
    ledger = Ledger(make_engine(f"sqlite:///{tmp_path / 'ledger.db'}"))
    ledger.ensure_schema()
    return ledger


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "页 " in r.getMessage()]


def test_a_progress_line_per_page_then_a_resumed_run_starts_where_the_first_stopped(tmp_path, ledger, caplog) -> None:
    his, spec, sender = _his(tmp_path, 120), _spec(tmp_path, True), EchoSender()
    caplog.set_level(logging.INFO, logger="hisbridge.pipeline")
    run_feed(spec, his, ledger, sender, DAY, RunSettings(run_id="r1", batch_size=50))
    assert _lines(caplog) == [
        "t_history 2026-10-03: 页 1/3，已确认 50/120 条（42%）",
        "t_history 2026-10-03: 页 2/3，已确认 100/120 条（83%）",
        "t_history 2026-10-03: 页 3/3，已确认 120/120 条（100%）",
    ]
    caplog.clear()
    run_feed(spec, his, ledger, sender, DAY, RunSettings(run_id="r2", batch_size=50))
    assert _lines(caplog) == ["t_history 2026-10-03: 页 3/3，已确认 120/120 条（100%）"]  # all confirmed before


def test_refused_records_advance_the_page_but_are_not_confirmed(tmp_path, ledger, caplog) -> None:
    his, spec = _his(tmp_path, 60, refuse={3, 55}), _spec(tmp_path, True)
    caplog.set_level(logging.INFO, logger="hisbridge.pipeline")
    run_feed(spec, his, ledger, EchoSender(), DAY, RunSettings(run_id="r1", batch_size=50))
    assert _lines(caplog)[-1] == "t_history 2026-10-03: 页 2/2，已确认 58/60 条（97%）"


def test_a_feed_without_the_flag_logs_no_progress(tmp_path, ledger, caplog) -> None:
    caplog.set_level(logging.INFO, logger="hisbridge.pipeline")
    run_feed(_spec(tmp_path, False), _his(tmp_path, 80), ledger, EchoSender(), DAY,
             RunSettings(run_id="r1", batch_size=50))
    assert _lines(caplog) == []


def test_the_flag_is_left_out_of_the_declaration_when_off(tmp_path) -> None:
    assert "progress" not in _spec(tmp_path, False).model_dump()
    assert _spec(tmp_path, True).model_dump()["progress"] is True


def test_progress_figures() -> None:
    tally = _Tally()
    progress = Progress("f", DAY, total=2317, batch_size=200)
    assert progress.pages == 12
    tally.states.update(Counter({ls.ACKNOWLEDGED: 400, "skipped": 200, ls.QUARANTINED: 1}))
    assert progress.line(tally)[0] == "f 2026-10-03: 页 4/12，已确认 600/2317 条（26%）"
    empty = Progress("f", DAY, total=0, batch_size=200)
    assert empty.line(_Tally())[0] == "f 2026-10-03: 页 0/0，已确认 0/0 条（100%）"


@pytest.mark.parametrize(("window", "label"), [
    (DAY, "2026-10-03"),
    ((datetime(2026, 10, 3, 8), datetime(2026, 10, 3, 8, 2)), "2026-10-03 08:00 → 2026-10-03 08:02"),
    ((datetime(2026, 10, 1), datetime(2026, 10, 3)), "2026-10-01 00:00 → 2026-10-03 00:00"),
])
def test_window_label(window, label) -> None:
    assert window_label(*window) == label
