"""Feed health figures from a real ledger: rows planted through the Ledger API (messages sent and answered,
records quarantined, refused, of unknown outcome, completed windows) with the ledger's clock moved through 40
days, then read back by the page's statements — on PostgreSQL and on SQLite (the demo's ledger) — and served by
the app (page and Prometheus text). ``plant_demo_ledger`` is reused by the browser test."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, text

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger, LedgerItem, MessageResult, RunContext, dumps
from hisbridge.ops.feed_health import AMBER, GREEN, RED, feed_infos, load_config, snapshot
from hisbridge.ops.health_page import create_health_app
from hisbridge.ops.windows import record_window
from hisbridge.pipeline.run import FeedSummary

SH = ZoneInfo("Asia/Shanghai")
#: "now" of every test: 2026-11-24 10:02 in Shanghai (the demo day)
NOW = datetime(2026, 11, 24, 10, 2, tzinfo=SH).astimezone(UTC)


class Clock:
    """The ledger's clock, moved by the planting code (messages and records carry the time they happened)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Planter:
    ledger: Ledger
    clock: Clock
    serial: int = 0

    def _run(self, feed: str, window: tuple[datetime, datetime]) -> RunContext:
        return RunContext(run_id=f"scheduled__{window[0]:%Y%m%dT%H%M}", window_start=window[0], window_end=window[1],
                          actor=f"airflow:{feed}.deliver#1")

    def _items(self, feed: str, n: int, reason: str | None = None, prefix: str = "K") -> list[LedgerItem]:
        out = []
        for _ in range(n):
            self.serial += 1
            key = f"{prefix}{self.serial:06d}"
            out.append(LedgerItem(key, key.ljust(64, "0"), dumps({"key": key, "feed": feed}),
                                  reason=reason.replace("#", key) if reason else None))
        return out

    def message(self, feed: str, platform: str, window: tuple[datetime, datetime], at: datetime,
                states: Sequence[str], errors: Sequence[str | None] | None = None) -> None:
        """One upload of ``len(states)`` records in ``window``, sent at ``at`` (Shanghai) and answered at once."""
        self.clock.at = at.astimezone(UTC)
        run = self._run(feed, window)
        ticket = self.ledger.begin_message(feed=feed, platform=platform, operation="upload", purpose="upload",
                                           msgid=f"M{feed[:20]}{self.serial:08d}{len(states)}",
                                           items=self._items(feed, len(states)), run=run)
        acked = sum(st == s.ACKNOWLEDGED for st in states)
        outcome = s.ACKNOWLEDGED if acked == len(states) else ("partial" if acked else states[0])
        self.ledger.finish_message(ticket, MessageResult(outcome=outcome, row_states=list(states),
                                                         row_errors=list(errors or [None] * len(states))), run)

    def settle(self, feed: str, platform: str, window: tuple[datetime, datetime], at: datetime, n: int, state: str,
               reason: str) -> None:
        self.clock.at = at.astimezone(UTC)
        self.ledger.settle(feed, platform, self._items(feed, n, reason, prefix="Q"), state, self._run(feed, window))

    def window_done(self, feed: str, window: tuple[datetime, datetime], at: datetime) -> None:
        """The pipeline's record of a window run to the end (quiet windows too)."""
        record_window(self.ledger, feed, window, f"scheduled__{window[0]:%Y%m%dT%H%M}",
                      FeedSummary(feed=feed, window_start=f"{window[0]:%Y-%m-%d %H:%M}",
                                  window_end=f"{window[1]:%Y-%m-%d %H:%M}", mode="batch"))


def _local(y, mo, d, h, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def _w(start: datetime, minutes: int) -> tuple[datetime, datetime]:
    naive = start.replace(tzinfo=None)
    return naive, naive + timedelta(minutes=minutes)


# What the scenario plants, and what the page must show for it (the browser test checks the same).
EXPECTED = {
    # feed: (colour, last window end, 24 h delivered, 30 d delivered, 24 h rejected, quarantined, unknown)
    "hsa_trace_sale": (GREEN, "11-24 10:00", 3, 8, 0, 0, 0),
    "mutual_lab_indicator": (AMBER, "11-24 10:00", 4, 4, 0, 2, 0),
    "cdc_emr_order": (AMBER, "11-24 08:00", 5, 5, 0, 0, 0),
    "cdc_emr_ex_lab": (RED, "11-24 06:00", 6, 6, 0, 0, 0),
    "city_brain_push_charged": (RED, "11-24 10:00", 2, 2, 0, 0, 1),
    "hsa_trace_purchase": (RED, "11-24 00:00", 4, 4, 6, 0, 0),
    "cdc_emr_death_info": (GREEN, "11-24 10:00", 0, 0, 0, 0, 0),
    "regional_admission": (RED, "—", 0, 0, 0, 0, 0),
}
PLANTED = list(EXPECTED)


def plant_demo_ledger(ledger: Ledger, clock: Clock, all_feeds: Sequence[str] = ()) -> None:
    """A morning of the demo day as the ledger would hold it, one situation per feed of ``EXPECTED``; every other
    feed of ``all_feeds`` delivered its newest due window on time (green)."""
    p = Planter(ledger, clock)
    # green: on time, a delivery 10 days ago inside the 30 days, and one 40 days ago outside them
    p.message("hsa_trace_sale", "hsa", _w(_local(2026, 10, 15, 9, 0), 5), _local(2026, 10, 15, 9, 6),
              [s.ACKNOWLEDGED] * 7)
    p.message("hsa_trace_sale", "hsa", _w(_local(2026, 11, 14, 9, 0), 5), _local(2026, 11, 14, 9, 6),
              [s.ACKNOWLEDGED] * 5)
    p.message("hsa_trace_sale", "hsa", _w(_local(2026, 11, 24, 9, 55), 5), _local(2026, 11, 24, 10, 0),
              [s.ACKNOWLEDGED] * 3)
    # amber: on time, two records of one kind in quarantine (their parent not yet sent)
    p.message("mutual_lab_indicator", "mutual", _w(_local(2026, 11, 24, 9, 55), 5), _local(2026, 11, 24, 10, 1),
              [s.ACKNOWLEDGED] * 4)
    p.settle("mutual_lab_indicator", "mutual", _w(_local(2026, 11, 24, 9, 55), 5), _local(2026, 11, 24, 10, 1), 2,
             s.QUARANTINED, "父记录 检验报告 id=JY# 尚未上报省检查检验结果互认平台")
    # amber: hourly feed 2 h behind (SLA 3 h)
    p.message("cdc_emr_order", "cdc", _w(_local(2026, 11, 24, 7, 0), 60), _local(2026, 11, 24, 8, 1),
              [s.ACKNOWLEDGED] * 5)
    # red: hourly feed 4 h behind
    p.message("cdc_emr_ex_lab", "cdc", _w(_local(2026, 11, 24, 5, 0), 60), _local(2026, 11, 24, 6, 1),
              [s.ACKNOWLEDGED] * 6)
    # red: an unknown outcome (the platform did not answer)
    p.message("city_brain_push_charged", "city_brain", _w(_local(2026, 11, 24, 9, 58), 2),
              _local(2026, 11, 24, 10, 0), [s.ACKNOWLEDGED] * 2)
    p.message("city_brain_push_charged", "city_brain", _w(_local(2026, 11, 24, 9, 56), 2),
              _local(2026, 11, 24, 9, 58), [s.UNKNOWN], ["read timeout after the request was sent"])
    # red: 6 of 10 records of yesterday refused (share over 5 %)
    p.message("hsa_trace_purchase", "hsa", _w(_local(2026, 11, 23, 0, 0), 1440), _local(2026, 11, 24, 0, 5),
              [s.ACKNOWLEDGED] * 4 + [s.REJECTED] * 6, [None] * 4 + ["追溯码已被其他机构销售"] * 6)
    # green: a quiet feed — nothing to send, but the pipeline ran its window to the end
    p.window_done("cdc_emr_death_info", _w(_local(2026, 11, 24, 9, 0), 60), _local(2026, 11, 24, 10, 0))
    # red: regional_admission never ran
    config = load_config()
    for info in feed_infos(config, feeds=[f for f in all_feeds if f not in EXPECTED]):
        from hisbridge.ops.feed_health import due_end

        end = due_end(info.cron, NOW)
        start = end - timedelta(minutes=60 if info.cron is None else _period_minutes(info.cron))
        p.message(info.feed, info.platform, (start, end), end.replace(tzinfo=SH) + timedelta(seconds=40),
                  [s.ACKNOWLEDGED] * (1 + len(info.feed) % 5))
    clock.at = NOW
    # jobs: the dictionary sync ran at 02:31 with one row in quarantine; the upload check found a gap it could not
    # fill
    with ledger.engine.begin() as conn:
        conn.execute(insert(s.dict_sync_run).values(
            run_id="scheduled__20261124T0230", dictionary="dept", selected=10, inserted=1, updated=0, deactivated=0,
            unchanged=8, conflicts=0, quarantined=1, actor="airflow",
            # stored in UTC, as every writer of the ledger does (SQLite keeps a zone-aware time's wall clock)
            started_at=_local(2026, 11, 24, 2, 30).astimezone(UTC), finished_at=_local(2026, 11, 24, 2, 31).astimezone(UTC)))
        for check, missing in (("first", 5), ("after_resend", 2)):
            conn.execute(insert(s.regional_upload_health).values(
                dataset="outpatient_visit", day="2026-11-23", check_name=check, receipt="frontdb", his_count=100,
                uploaded=98, acknowledged=97, failed=1, waiting=0, missing=missing, surplus=0, resent=3,
                checked_at=_local(2026, 11, 24, 6, 1).astimezone(UTC)))


def _period_minutes(cron: str) -> int:
    from croniter import croniter

    it = croniter(cron, datetime(2026, 11, 24))
    a = it.get_next(datetime)
    return int((it.get_next(datetime) - a).total_seconds() // 60)


@pytest.fixture(params=["postgresql", "sqlite"])
def planted(request, tmp_path):
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    clock = Clock(NOW)
    ledger = Ledger(make_engine(url), clock=clock)
    ledger.ensure_schema()
    plant_demo_ledger(ledger, clock)
    return ledger


def _by_feed(ledger: Ledger):
    config = load_config()
    snap = snapshot(ledger.engine, NOW, config, feed_infos(config, feeds=PLANTED))
    return snap, {h.info.feed: h for h in snap.feeds}


def test_figures_and_colours_of_each_planted_situation(planted):
    snap, health = _by_feed(planted)
    for feed, (colour, window, d24, d30, rej, quar, unk) in EXPECTED.items():
        h = health[feed]
        shown = "—" if h.last_window_end is None else f"{h.last_window_end:%m-%d %H:%M}"
        got = (h.colour, shown, h.day.delivered, h.month.delivered, h.day.rejected, h.day.quarantined,
               h.day.unknown)
        assert got == (colour, window, d24, d30, rej, quar, unk), (feed, h.why)
    assert [h.colour for h in snap.feeds] == sorted((h.colour for h in snap.feeds),
                                                    key=[RED, AMBER, GREEN].index)  # worst first


def test_lag_is_measured_against_the_schedule_in_shanghai(planted):
    _, health = _by_feed(planted)
    assert health["hsa_trace_sale"].lag == timedelta(0)  # due 10:00, delivered 10:00
    assert health["cdc_emr_order"].lag == timedelta(hours=2)  # due 10:00, last 08:00
    assert health["cdc_emr_ex_lab"].lag == timedelta(hours=4)
    assert health["regional_admission"].lag is None
    assert "落后 4 小时，超过时限 3 小时" in health["cdc_emr_ex_lab"].why
    assert health["hsa_trace_sale"].last_delivery_at == _local(2026, 11, 24, 10, 0)


def test_a_window_run_to_the_end_counts_even_with_nothing_to_send(planted):
    _, health = _by_feed(planted)
    quiet = health["cdc_emr_death_info"]
    assert quiet.last_window_end == datetime(2026, 11, 24, 10, 0) and quiet.last_delivery_at is None
    assert quiet.colour == GREEN


def test_thirty_days_and_the_trend_count_by_shanghai_day(planted):
    _, health = _by_feed(planted)
    sale = health["hsa_trace_sale"]
    assert len(sale.trend) == 30 and sale.trend[-1].day.isoformat() == "2026-11-24"
    by_day = {d.day.isoformat(): d for d in sale.trend}
    assert by_day["2026-11-24"].delivered == 3 and by_day["2026-11-14"].delivered == 5
    assert sum(d.delivered for d in sale.trend) == 8  # the delivery of 40 days ago is outside
    # 00:05 Shanghai on the 24th is 16:05 UTC on the 23rd: the day is Shanghai's
    assert {d.day.isoformat(): d.failed for d in health["hsa_trace_purchase"].trend}["2026-11-24"] == 6


def test_waiting_counts_and_top_reasons_grouped(planted):
    _, health = _by_feed(planted)
    lab = health["mutual_lab_indicator"]
    assert lab.waiting.quarantined == 2
    assert [(r.state, r.count) for r in lab.reasons] == [("quarantined", 2)]
    assert re.fullmatch(r"父记录 检验报告 id=… 尚未上报省检查检验结果互认平台", lab.reasons[0].text)
    purchase = health["hsa_trace_purchase"]
    assert [(r.state, r.text, r.count) for r in purchase.reasons] == [("rejected", "追溯码已被其他机构销售", 6)]
    assert health["city_brain_push_charged"].waiting.unknown == 1


def test_a_requeued_record_leaves_the_waiting_counts(planted):
    ids = [r.id for r in planted.records("hsa_trace_purchase", [s.REJECTED])]
    planted.requeue(ids[:6], actor="ops", reason="HIS 已更正")
    _, health = _by_feed(planted)
    assert health["hsa_trace_purchase"].waiting.rejected == 0
    assert health["hsa_trace_purchase"].colour == GREEN


def test_jobs_show_their_last_run_and_what_they_found(planted):
    snap, _ = _by_feed(planted)
    jobs = {j.job: j for j in snap.jobs}
    sync = jobs["jiulonghu_dictionary_sync"]
    assert sync.last_run_at == _local(2026, 11, 24, 2, 31) and sync.colour == AMBER
    assert sync.findings == [("最近一次隔离", 1, AMBER)]
    upload = jobs["regional_upload_health"]
    assert upload.colour == RED and ("2026-11-23 补传后仍缺", 2, RED) in upload.findings


def test_the_app_serves_the_page_and_the_same_figures_as_metrics(planted):
    config = load_config()
    app = create_health_app(lambda: planted, clock=lambda: NOW, config=config,
                            infos=feed_infos(config, feeds=PLANTED), cache_s=0)
    with TestClient(app) as client:
        page = client.get("/")
        metrics = client.get("/metrics")
    assert page.status_code == 200 and "2026-11-24 10:02:00</time>（北京时间" in page.text
    assert "href='/hisbridge/ledger/failures?feed=hsa_trace_purchase'" in page.text
    assert "href='/dags/cdc_routine_same_day'" in page.text  # cdc_emr_ex_lab runs in that DAG
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {(x.name, x.labels.get("feed"), x.labels.get("state"), x.labels.get("period")): x.value
               for f in text_string_to_metric_families(metrics.text) for x in f.samples}
    assert samples[("hisbridge_feed_status", "cdc_emr_ex_lab", None, None)] == 2
    assert samples[("hisbridge_feed_status", "hsa_trace_sale", None, None)] == 0
    assert samples[("hisbridge_feed_records", "hsa_trace_sale", "delivered", "30d")] == 8
    assert samples[("hisbridge_feed_records", "hsa_trace_purchase", "rejected", "24h")] == 6
    assert samples[("hisbridge_feed_waiting_records", "mutual_lab_indicator", "quarantined", None)] == 2
    assert samples[("hisbridge_feed_lag_seconds", "cdc_emr_order", None, None)] == 7200


def test_metrics_with_a_token_refuse_a_scraper_without_it(planted):
    config = load_config()
    app = create_health_app(lambda: planted, clock=lambda: NOW, config=config,
                            infos=feed_infos(config, feeds=PLANTED), metrics_token="s3cret-token")
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and "hisbridge_feed_status" in ok.text


def test_one_snapshot_serves_requests_within_the_cache_time(planted):
    calls = []

    def factory():
        calls.append(1)
        return planted

    config = load_config()
    app = create_health_app(factory, clock=lambda: NOW, config=config, infos=feed_infos(config, feeds=PLANTED),
                            cache_s=60)
    with TestClient(app) as client:
        for _ in range(3):
            client.get("/")
        client.get("/metrics")
    assert len(calls) == 1


BULK = """
INSERT INTO delivery_message (msgid, feed, platform, operation, purpose, record_count, outcome, sent_at, answered_at)
SELECT 'B' || g, 'bulk_' || (g % 50), 'hsa', 'upload', 'upload', 50,
       CASE WHEN g % 20 = 0 THEN 'partial' ELSE 'acknowledged' END,
       CAST(:now AS timestamptz) - g * interval '10 seconds', CAST(:now AS timestamptz) - g * interval '10 seconds'
FROM generate_series(1, 200000) AS g;
INSERT INTO delivery_message_record (message_id, record_id, row_index, outcome)
SELECT m.id, m.id * 50 + r, r, CASE WHEN r < 45 THEN 'acknowledged' ELSE 'rejected' END
FROM delivery_message m CROSS JOIN generate_series(0, 49) AS r WHERE m.outcome = 'partial' AND m.msgid LIKE 'B%';
INSERT INTO delivery_record (feed, business_key, platform, state, content_hash, payload, attempts, window_start,
                             window_end, first_seen_at, updated_at, acknowledged_at)
SELECT 'bulk_' || (g % 50), 'K' || g, 'hsa', CASE WHEN g % 1000 = 0 THEN 'quarantined' ELSE 'acknowledged' END,
       md5(g::text), '{}', 1, CAST(:now AS timestamp) - g * interval '10 seconds',
       CAST(:now AS timestamp) - g * interval '10 seconds', CAST(:now AS timestamptz), CAST(:now AS timestamptz),
       CAST(:now AS timestamptz)
FROM generate_series(1, 300000) AS g;
INSERT INTO feed_window (feed, window_start, window_end, run_id, selected, acknowledged, rejected, quarantined,
                         unknown, completed_at)
SELECT 'bulk_' || (g % 50), CAST(:now AS timestamp) - (g + 1) * interval '5 minutes',
       CAST(:now AS timestamp) - g * interval '5 minutes', 'r', 0, 0, 0, 0, 0, CAST(:now AS timestamptz)
FROM generate_series(1, 100000) AS g;
ANALYZE delivery_message; ANALYZE delivery_record; ANALYZE delivery_message_record; ANALYZE feed_window;
"""


def test_the_planner_picks_the_intended_indexes_on_a_loaded_ledger(pg_url):
    """500 000 rows of 50 other feeds around the planted ones, statistics fresh: each statement's plan (the real
    planner, sequential scans allowed) uses the index it was written for and reads no table whole — a change
    that defeats an index (a function around ``feed``, a cast of ``sent_at``, a max() the planner cannot turn
    into a backward read) fails here rather than on a hospital's ledger."""
    ledger = Ledger(make_engine(pg_url), clock=Clock(NOW))
    ledger.ensure_schema()
    plant_demo_ledger(ledger, ledger.clock)
    with ledger.engine.begin() as conn:
        for stmt in BULK.split(";"):
            if stmt.strip():
                conn.execute(text(stmt), {"now": NOW})
    from hisbridge.ops import feed_health as fh

    plans = []
    feeds = [*PLANTED, "bulk_1", "bulk_2"]
    since24, since30 = NOW - timedelta(hours=24), NOW - timedelta(days=30)
    with ledger.engine.connect() as conn:
        real = conn.execute

        def explain(stmt, *a, **k):
            compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
            plans.append("\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)))
            return real(stmt, *a, **k)

        conn.execute = explain
        fh._delivered(conn, feeds, since30, None, since24)
        fh._waiting(conn, feeds, since24)
        fh._last_windows(conn, feeds)
    delivered, waiting, windows = plans
    whole, partial = delivered.split("->  ", 1)[1].split("\n  ->  ", 1)  # the two arms of the UNION ALL
    assert "ix_delivery_message_feed" in whole, delivered
    # partial answers are rare: by the outcome index or the feed index, their rows by the links' primary key
    assert re.search(r"ix_delivery_message_(outcome|feed)", partial), delivered
    assert "delivery_message_record_pkey" in partial, delivered
    assert re.search(r"ix_delivery_record_(state|failures)", waiting), waiting
    assert "Index Scan Backward using ix_delivery_message_feed" in windows, windows
    assert "Index Only Scan Backward using feed_window_pkey" in windows, windows
    for plan in plans:
        assert not re.search(r"Seq Scan on (delivery_message|delivery_record|delivery_message_record)\b", plan), plan


def test_closed_days_are_read_once_per_cache_period_and_today_always(planted):
    from hisbridge.ops.feed_health import DayCache

    config = load_config()
    infos = feed_infos(config, feeds=["hsa_trace_sale"])
    cache = DayCache(ttl_s=600)
    before = snapshot(planted.engine, NOW, config, infos, cache).feeds[0]
    p = Planter(planted, planted.clock, serial=900)
    p.message("hsa_trace_sale", "hsa", _w(_local(2026, 11, 20, 9, 0), 5), _local(2026, 11, 20, 9, 6),
              [s.ACKNOWLEDGED] * 4)  # a late-recorded delivery on a closed day
    p.message("hsa_trace_sale", "hsa", _w(_local(2026, 11, 24, 9, 55), 5), _local(2026, 11, 24, 10, 1),
              [s.ACKNOWLEDGED] * 2)  # and one this morning
    cached = snapshot(planted.engine, NOW, config, infos, cache).feeds[0]
    fresh = snapshot(planted.engine, NOW, config, infos, DayCache()).feeds[0]
    assert (before.month.delivered, before.day.delivered) == (8, 3)
    assert (cached.month.delivered, cached.day.delivered) == (10, 5)  # today's is live, the 20th's cached
    assert (fresh.month.delivered, fresh.day.delivered) == (14, 5)
