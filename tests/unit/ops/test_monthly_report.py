"""The monthly operations report without a database: months in Asia/Shanghai, what an outcome says of a platform,
how failure reasons are normalised and ranked, and how figures become sheets."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from hisbridge.ops.monthly_figures import MonthlyFigures, Outage, Recovery, category, median
from hisbridge.ops.monthly_report import (
    MAX_OUTAGE_ROWS,
    TOP_REASONS,
    FeedInfo,
    build_report,
    month_bounds,
    month_of,
    normalise_reason,
    previous_month,
    top_reasons,
)

SH = ZoneInfo("Asia/Shanghai")


def test_a_month_is_its_calendar_month_in_shanghai() -> None:
    assert month_bounds("2026-11") == (datetime(2026, 11, 1, tzinfo=SH), datetime(2026, 12, 1, tzinfo=SH))
    assert month_bounds("2026-12") == (datetime(2026, 12, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH))
    for bad in ("2026-13", "2026-1", "26-11", "2026-11-01", "../x"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            month_bounds(bad)


def test_the_month_of_a_run_and_the_previous_month_are_taken_in_shanghai() -> None:
    assert month_of(datetime(2026, 10, 31, 16, tzinfo=UTC)) == "2026-11"  # 1 Nov 00:00 local
    assert month_of(datetime(2026, 10, 31, 15, 59, tzinfo=UTC)) == "2026-10"
    assert previous_month(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026-11"  # 1 Dec 00:30 local
    assert previous_month(datetime(2027, 1, 15, tzinfo=UTC)) == "2026-12"


@pytest.mark.parametrize(("outcome", "expected"), [
    ("acknowledged", "answered"), ("partial", "answered"), ("rejected", "answered"), ("ok", "answered"),
    ("refused_by_gateway", "answered"), ("misconfigured", "answered"), ("4001", "answered"),
    ("unknown", "no_answer"), ("in_flight", "no_answer"), ("reversed", "no_answer"), ("abandoned", "no_answer"),
    ("not_sent", "not_sent"), ("busy", "busy"), ("pending", "not_a_call"),
])
def test_what_an_outcome_says_of_the_platform(outcome, expected) -> None:
    assert category(outcome) == expected


def test_a_reason_is_masked_and_its_long_numbers_folded() -> None:
    text = "certno=36010219800101001X 电话 13912345678 msgid H36010000001202611240805010001 行 3"
    shown = normalise_reason(text)
    assert "36010219800101001X" not in shown and "13912345678" not in shown
    assert "H36010000001202611240805010001" not in shown and "行 3" in shown
    assert normalise_reason("追溯码 12345678901234 已被销售") == normalise_reason("追溯码 99998888777766 已被销售")
    assert normalise_reason("") == "（未记录原因）"
    assert normalise_reason("  a \n b ") == "a b"
    assert len(normalise_reason("错" * 500)) == 201


def test_top_reasons_merge_after_normalising_and_keep_the_most_frequent() -> None:
    rows = [("rejected", "追溯码 12345678901234 已被销售", 2), ("rejected", "追溯码 99998888777766 已被销售", 1),
            ("quarantined", "患者张三证件不符", 1), *[("rejected", f"原因{chr(0x4e00 + i)}", 1) for i in range(20)]]
    top = top_reasons(rows, {"患者张三证件不符": "患者张*证件不符"})
    assert top[0] == ("rejected", "追溯码 # 已被销售", 3)
    assert ("quarantined", "患者张*证件不符", 1) in top
    assert len(top) == TOP_REASONS


def test_median_is_the_middle_value_or_the_mean_of_the_middle_two() -> None:
    assert median([]) is None
    assert median([5.0]) == 5.0
    assert median([240.0, 10.0, 90.0]) == 90.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def _figures() -> MonthlyFigures:
    start, end = month_bounds("2026-11")
    f = MonthlyFigures(start=start, end=end)
    f.records = {"hsa_trace_sale": {"acknowledged": 8, "rejected": 2, "_new": 9}, "old_feed": {"acknowledged": 1}}
    f.feed_platform = {"hsa_trace_sale": "hsa", "old_feed": "gone_platform"}
    f.record_recovery = {"hsa_trace_sale": Recovery(3, 90.0 * 60, 240.0 * 60)}
    f.availability = {("hsa", "2026-11-03"): {"answered": 2, "no_answer": 1},
                      ("gone_platform", "2026-11-04"): {"not_a_call": 3}}
    moment = datetime(2026, 11, 3, 2, tzinfo=UTC)
    f.outages = [Outage("hsa", "platform", moment, None, 1, 60.0)] * (MAX_OUTAGE_ROWS + 7)
    f.outage_recovery = {("platform", "hsa"): Recovery(0, None, None, open=1, open_max_s=60.0, failed_calls=1)}
    return f


def test_figures_become_sheets_with_every_feed_and_local_times() -> None:
    feeds = {"hsa_trace_sale": FeedInfo("hsa_trace_sale", "商品销售", "hsa"),
             "cdc_base_dept": FeedInfo("cdc_base_dept", "科室", "cdc")}
    report = build_report(_figures(), "2026-11", feeds)
    sheets = {sh.title: sh for sh in report.sheets}
    records = {r["feed"]: r for r in sheets["各接口记录"].rows}
    assert set(records) == {"hsa_trace_sale", "cdc_base_dept", "old_feed"}  # declared or only in the ledger
    assert records["old_feed"]["platform"] == "gone_platform"  # an unregistered platform keeps its name
    assert (records["hsa_trace_sale"]["touched"], records["hsa_trace_sale"]["new"]) == (10, 9)
    recovery = sheets["记录恢复时间"].rows
    assert [(r["feed"], r["count"], r["median"], r["max"], r["still"]) for r in recovery] == [
        ("hsa_trace_sale", 3, 90.0, 240.0, 2)]
    avail = {r["platform"]: r for r in sheets["平台可用率（全月）"].rows}
    assert avail["国家医保平台"]["availability"] == 66.67
    assert avail["gone_platform"]["calls"] == 0 and avail["gone_platform"]["availability"] is None
    detail = sheets["中断明细"]
    assert len(detail.rows) == MAX_OUTAGE_ROWS and "另有 7 次未列出" in (detail.note or "")
    assert detail.rows[0]["started"] == datetime(2026, 11, 3, 10)  # 02:00 UTC shown as 10:00 北京时间
    summary = dict(report.summary)
    assert summary["月末平台拒收（条）"] == 2 and summary["记录最长恢复时间（分钟）"] == 240.0
    assert report.kind == "hisbridge_monthly_ops_report" and report.period == "2026-11"
