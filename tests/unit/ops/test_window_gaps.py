"""Gap detection and the fill plan as pure functions: a feed's schedule, the windows it completed, the moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from hisbridge.ops.window_fill import plan_fill
from hisbridge.ops.windows import (
    FeedSchedule,
    GapSettings,
    Window,
    expected_windows,
    feed_gaps,
    select_schedules,
    stretches,
)

DAY = datetime(2026, 11, 24)
SALE = FeedSchedule("hsa_trace_sale", "hsa_trace_sale", "*/5 * * * *", DAY)


def at(hhmm: str, day: datetime = DAY) -> datetime:
    h, m = hhmm.split(":")
    return day + timedelta(hours=int(h), minutes=int(m))


def w(a: str, b: str) -> tuple[datetime, datetime]:
    return at(a), at(b)


def spans(gaps) -> list[tuple[str, str, int]]:
    return [(f"{s[0].start:%H:%M}", f"{s[-1].end:%H:%M}", len(s)) for s in stretches(gaps.missing)]


CASES = {
    # the issue: 10:10–10:15 backfilled, DAG unpaused at 10:20 — everything before it is missing
    "backfilled_10_10_then_unpaused_at_10_20": ([w("10:10", "10:15")], "10:20", [("00:00", "10:10", 122)]),
    # what the scheduler then did: ran 00:00, skipped to after 10:15
    "scheduler_ran_00_00_then_after_10_15": (
        [w("00:00", "00:05"), w("10:10", "10:15"), w("10:15", "10:20"), w("10:20", "10:25")], "10:30",
        [("00:05", "10:10", 121)]),
    "every_window_done": ([w(f"{m // 60:02d}:{m % 60:02d}", f"{(m + 5) // 60:02d}:{(m + 5) % 60:02d}")
                           for m in range(0, 60, 5)], "01:05", []),
    # a push cuts its window into slices; a run over a wider interval covers every window in it
    "slices_cover_their_window": ([w("00:00", "00:02"), w("00:02", "00:05"), w("00:05", "00:30")], "00:35", []),
    "a_slice_missing_leaves_the_window_open": ([w("00:00", "00:02"), w("00:03", "00:10")], "00:15",
                                               [("00:00", "00:05", 1)]),
    "two_stretches": ([w("00:00", "00:10"), w("00:20", "00:25")], "00:40", [("00:10", "00:20", 2),
                                                                          ("00:25", "00:35", 2)]),
}


@pytest.mark.parametrize("done,now,expected", CASES.values(), ids=CASES.keys())
def test_gaps_are_the_due_windows_no_completed_run_covers(done, now, expected) -> None:
    gaps = feed_gaps(SALE, done, at(now), GapSettings(grace_minutes=5))
    assert spans(gaps) == expected


def test_the_issue_lists_exactly_the_windows_00_00_to_10_10() -> None:
    gaps = feed_gaps(SALE, [w("10:10", "10:15")], at("10:20"), GapSettings(grace_minutes=5))
    assert gaps.missing == [Window(at("00:00") + timedelta(minutes=5 * i), at("00:05") + timedelta(minutes=5 * i))
                            for i in range(122)]
    assert gaps.expected == 123  # 00:00 … 10:10–10:15; 10:15–10:20 is within the grace period


def test_an_aware_now_is_read_in_asia_shanghai() -> None:
    from datetime import UTC

    utc_now = datetime(2026, 11, 24, 2, 20, tzinfo=UTC)  # 10:20 in Shanghai (the UI's 逻辑日期 02:10 trap)
    gaps = feed_gaps(SALE, [w("10:10", "10:15")], utc_now, GapSettings(grace_minutes=5))
    assert spans(gaps) == [("00:00", "10:10", 122)]


def test_windows_within_the_grace_period_are_left_to_the_scheduler() -> None:
    done = [w("00:00", "09:00")]
    assert spans(feed_gaps(SALE, done, at("10:00"), GapSettings(grace_minutes=60))) == []
    assert spans(feed_gaps(SALE, done, at("10:00"), GapSettings(grace_minutes=30))) == [("09:00", "09:30", 6)]


def test_look_back_and_since_bound_the_check_and_go_live_is_never_crossed() -> None:
    feed = FeedSchedule("hsa_trace_sale", "hsa_trace_sale", "0 0 * * *", datetime(2026, 11, 20))
    now = datetime(2026, 11, 30, 1, 0)
    # 3 days back from 11-30 01:00 is 11-27 01:00: the first whole day window starting after it is the 28th
    assert [g.start.day for g in feed_gaps(feed, [], now, GapSettings(lookback_days=3, grace_minutes=0)).missing] \
        == [28, 29]
    assert [g.start.day for g in feed_gaps(feed, [], now, GapSettings(since=date(2026, 11, 28), lookback_days=30,
                                                                       grace_minutes=0)).missing] == [28, 29]
    assert [g.start.day for g in feed_gaps(feed, [], now, GapSettings(lookback_days=30,
                                                                       grace_minutes=0)).missing][0] == 20


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)],
                         ids=["us-dst-start", "eu-dst-start", "eu-dst-end", "us-dst-end"])
def test_asia_shanghai_days_all_have_288_five_minute_windows(day) -> None:
    start = datetime.combine(day, datetime.min.time())
    windows = expected_windows("*/5 * * * *", start, start + timedelta(days=1))
    assert len(windows) == 288
    assert all(x.end - x.start == timedelta(minutes=5) for x in windows)
    assert windows[0].start == start and windows[-1].end == start + timedelta(days=1)


def test_a_feed_or_dag_paused_on_purpose_is_excluded_by_configuration() -> None:
    lab = FeedSchedule("mutual_lab_report", "mutual_lab_reports", "*/5 * * * *", DAY)
    items = FeedSchedule("mutual_lab_indicator", "mutual_lab_reports", "*/5 * * * *", DAY)
    everything = [SALE, lab, items]
    assert select_schedules(everything, GapSettings()) == everything
    assert select_schedules(everything, GapSettings(exclude=["hsa_trace_sale"])) == [lab, items]
    assert select_schedules(everything, GapSettings(exclude=["mutual_lab_reports"])) == [SALE]
    assert select_schedules(everything, GapSettings(), feed="mutual_lab_indicator") == [items]


def test_the_fill_plan_is_one_backfill_per_dag_of_its_earliest_stretch_exactly() -> None:
    lab = FeedSchedule("mutual_lab_report", "mutual_lab_reports", "*/5 * * * *", DAY)
    items = FeedSchedule("mutual_lab_indicator", "mutual_lab_reports", "*/5 * * * *", DAY)
    cdc = FeedSchedule("cdc_emr_patient_info", "cdc_realtime", None, DAY)
    settings = GapSettings(grace_minutes=5)
    gaps = [
        feed_gaps(SALE, [w("10:10", "10:15")], at("10:20"), settings),
        # two feeds of one DAG: the union of their missed windows, one backfill
        feed_gaps(lab, [w("00:00", "00:20"), w("00:30", "01:00")], at("01:05"), settings),
        feed_gaps(items, [w("00:00", "00:15"), w("00:30", "00:45")], at("01:05"), settings),
        feed_gaps(cdc, [], at("03:00"), settings),  # continuous: alerted, not backfilled
    ]
    plans = {p.dag_id: p for p in plan_fill(gaps)}
    assert set(plans) == {"hsa_trace_sale", "mutual_lab_reports"}

    sale = plans["hsa_trace_sale"]
    assert len(sale.windows) == 122 and sale.later == 0
    body = sale.body()
    assert (body["from_date"], body["to_date"]) == ("2026-11-24T00:00:00+08:00", "2026-11-24T10:05:00+08:00")
    assert body["reprocess_behavior"] == "completed" and body["max_active_runs"] == 1
    assert "airflow backfill create --dag-id hsa_trace_sale" in sale.command()

    lab_plan = plans["mutual_lab_reports"]
    assert [f"{x.start:%H:%M}" for x in lab_plan.windows] == ["00:15", "00:20", "00:25"]
    assert lab_plan.feeds == ("mutual_lab_indicator", "mutual_lab_report")
    assert lab_plan.later == 3  # 00:45–01:00 of the items: the next check, once this backfill is done


def test_nothing_missing_plans_nothing() -> None:
    done = [w("00:00", "10:15")]
    assert plan_fill([feed_gaps(SALE, done, at("10:20"), GapSettings(grace_minutes=5))]) == []
