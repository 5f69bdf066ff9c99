"""What an incident concerns, read from its key; the feed filter as SQL (the inverse, kept in step on a real
table); ``--since``; the CLI's table aligned by display width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, insert, select

from hisbridge.ledger.schema import alert_incident as t
from hisbridge.ops.alerts.cli import table, width
from hisbridge.ops.alerts.incidents import feed_keys, parse_since, target_of

SH = ZoneInfo("Asia/Shanghai")
FEED_DAGS = {
    "hsa_trace_sale": "hsa_trace_sale", "hsa_trace_sale_return": "hsa_trace_sale_return",
    "cdc_emr_ex_lab": "cdc_routine_same_day", "cdc_emr_order": "cdc_routine_same_day",
    "mutual_registration": "mutual_registrations", "regional_outpatient_visit": "regional_upload",
    "regional_admission": "regional_upload",
}  # fmt: skip


@pytest.mark.parametrize(("key", "label", "feeds", "dag"), [
    ("sla:cdc_emr_ex_lab", "接口 cdc_emr_ex_lab", ("cdc_emr_ex_lab",), "cdc_routine_same_day"),
    ("backlog:rejected:hsa_trace_sale", "接口 hsa_trace_sale（平台拒收）", ("hsa_trace_sale",), "hsa_trace_sale"),
    ("task:hsa_trace_sale.upload_sales", "接口 hsa_trace_sale · 任务 upload_sales", ("hsa_trace_sale",),
     "hsa_trace_sale"),
    ("task:mutual_registrations.upload", "接口 mutual_registration · DAG mutual_registrations · 任务 upload",
     ("mutual_registration",), "mutual_registrations"),
    ("task:cdc_routine_same_day.emr_ex_lab", "DAG cdc_routine_same_day · 任务 emr_ex_lab",
     ("cdc_emr_ex_lab", "cdc_emr_order"), "cdc_routine_same_day"),
    ("task:hisbridge_ledger_backup.backup", "DAG hisbridge_ledger_backup · 任务 backup", (), "hisbridge_ledger_backup"),
    ("window_gap:cdc_routine_same_day", "DAG cdc_routine_same_day", ("cdc_emr_ex_lab", "cdc_emr_order"),
     "cdc_routine_same_day"),
    ("regional_upload_gap:outpatient_visit:2026-11-23", "接口 regional_outpatient_visit · 2026-11-23",
     ("regional_outpatient_visit",), "regional_upload"),
    ("hsa_sign_in:OP001", "医保平台 · 操作员 OP001", (), None),
    ("connection:his_db", "连接 his_db", (), None),
    ("something_new:x", "something_new:x", (), None),
])  # fmt: skip
def test_an_incident_key_says_what_it_concerns(key, label, feeds, dag) -> None:
    target = target_of(key, FEED_DAGS)
    assert (target.label, target.feeds, target.dag_id) == (label, feeds, dag)


KEYS = [
    "sla:hsa_trace_sale", "sla:hsa_trace_sale_return", "backlog:quarantined:hsa_trace_sale",
    "backlog:quarantined:hsaXtrace_sale", "backlog:unknown:hsa_trace_sale_return", "task:hsa_trace_sale.upload_sales",
    "task:hsa_trace_sale_return.upload", "task:hsa_trace_saleX.upload", "window_gap:hsa_trace_sale",
    "task:cdc_routine_same_day.emr_order", "window_gap:cdc_routine_same_day", "sla:cdc_emr_ex_lab",
    "regional_upload_gap:outpatient_visit:2026-11-23", "regional_upload_gap:admission:2026-11-23",
    "regional_upload_gap:outpatient_visitX:2026-11-23", "connection:his_db", "hsa_sign_in:hsa_trace_sale",
]  # fmt: skip


@pytest.fixture(scope="module")
def incidents():
    engine = create_engine("sqlite://")
    t.create(engine)
    now = datetime(2026, 11, 24, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(t), [{"key": k, "kind": k.split(":")[0], "status": "open", "subject": k, "since": now,
                                  "opened_at": now, "last_seen_at": now, "notify_count": 1} for k in KEYS])  # fmt: skip
    yield engine
    engine.dispose()


@pytest.mark.parametrize("feed", sorted(FEED_DAGS))
def test_the_feed_filter_finds_exactly_the_incidents_that_concern_the_feed(incidents, feed) -> None:
    with incidents.connect() as conn:
        found = set(conn.execute(select(t.c.key).where(feed_keys(feed, FEED_DAGS[feed]))).scalars())
    expected = {k for k in KEYS if feed in target_of(k, FEED_DAGS).feeds}
    assert found == expected


def test_the_feed_filter_escapes_the_underscores_of_feed_ids(incidents) -> None:
    with incidents.connect() as conn:
        found = set(conn.execute(select(t.c.key).where(feed_keys("hsa_trace_sale", "hsa_trace_sale"))).scalars())
    assert found == {"sla:hsa_trace_sale", "backlog:quarantined:hsa_trace_sale", "task:hsa_trace_sale.upload_sales",
                     "window_gap:hsa_trace_sale"}  # not hsaXtrace_sale, hsa_trace_saleX, nor the _return feed's


NOW = datetime(2026, 11, 24, 2, 2, tzinfo=UTC)  # 10:02 Beijing


@pytest.mark.parametrize(("text", "expected"), [
    ("7d", NOW - timedelta(days=7)), ("24h", NOW - timedelta(hours=24)), ("90m", NOW - timedelta(minutes=90)),
    ("2026-11-24", datetime(2026, 11, 24, tzinfo=SH)), ("2026-11-24 08:30", datetime(2026, 11, 24, 8, 30, tzinfo=SH)),
    ("2026-11-24T08:30", datetime(2026, 11, 24, 8, 30, tzinfo=SH)),
    ("2026-11-24T00:30:00+00:00", datetime(2026, 11, 24, 0, 30, tzinfo=UTC)),
])  # fmt: skip
def test_since_takes_a_span_a_day_or_a_moment_in_beijing_time(text, expected) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "7w", "", "24-11-2026"])
def test_since_refuses_what_it_cannot_read_in_chinese(text) -> None:
    with pytest.raises(ValueError, match="北京时间"):
        parse_since(text, NOW)


def test_the_table_aligns_chinese_and_latin_text_by_display_width() -> None:
    lines = table(("编号", "对象", "状态", "摘要"), [("7", "接口 hsa_trace_sale", "未恢复", "隔离 4 条"),
                                                  ("12", "连接 his_db", "已恢复", "数据库连接中断")], right={"编号"})
    starts = {width(line[: line.index(word)]) for line, word in zip(lines, ("状态", "未恢复", "已恢复"), strict=True)}
    assert len(starts) == 1
    assert [width(line[: line.index(n) + len(n)]) for line, n in zip(lines, ("编号", "7", "12"), strict=True)] == [4, 4, 4]
    assert all(not line.endswith(" ") for line in lines)
