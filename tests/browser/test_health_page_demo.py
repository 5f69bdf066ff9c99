"""The feed health page in Debian's Chromium on the ledger ``make demo`` builds — the run tests/e2e/test_demo.py
checks when it has finished first, else one of its own (tests/support/demo_run.py): every feed's windows of the
day before the demo day and of the demo day through the real pipeline and simulators, the planted failures
included.

The page app is made as ``make airflow`` makes it: "now" is the instant ``HISBRIDGE_HEALTH_AS_OF`` names, which
scripts/airflow_demo.sh reads from the demo's ``demo_clock.json`` (one minute after the demo day; demo/clock.py).
What an operator sees is checked against the ledger's own figures, read here with plain SQL (links of acknowledged
uploads by the time they were sent, records by their state now): the 24 h and 30-day counts; the colours by the
rules feed_sla.yaml documents; no feed late (the demo ran every window on time); the trend's two demo days; the
failures link listing the feed's waiting records; the DAG link; the page saying it is read as of the demo's time.
The screenshot for the docs is taken from this page (``HISBRIDGE_SCREENSHOTS=docs/images`` refreshes docs/images/health_page.png).
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from demo.clock import read_as_of
from hisbridge.db import make_engine, sqlite_url
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.ops.feed_health import AS_OF_ENV, feed_infos, load_config
from hisbridge.ops.health_page import create_health_app
from hisbridge.ops.ledger_pages import create_ledger_app
from hisbridge.pipeline.spec import all_feed_ids
from tests.browser.harness import AppServer
from tests.support.demo_run import demo_files, shared_base

SH = ZoneInfo("Asia/Shanghai")
FAILED = (s.REJECTED, s.QUARANTINED, s.UNKNOWN)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    return demo_files(shared_base(tmp_path_factory))  # the run tests/e2e/test_demo.py checks, when it is done


@pytest.fixture(scope="module")
def ledger(demo) -> Iterator[Ledger]:
    made = Ledger(make_engine(sqlite_url(str(demo["ledger"]))))
    yield made
    made.engine.dispose()


@pytest.fixture(scope="module")
def as_of(demo) -> datetime:
    moment = read_as_of(demo["clock_file"].parent)
    assert moment is not None and moment == demo["as_of"]
    return moment


@pytest.fixture(scope="module")
def site(chromium: str, ledger: Ledger, as_of: datetime) -> Iterator[str]:
    config = load_config()
    root = FastAPI()
    with pytest.MonkeyPatch.context() as mp:  # as make airflow starts the API server: the as-of from the demo
        mp.setenv(AS_OF_ENV, as_of.isoformat())
        health = create_health_app(lambda: ledger, config=config, infos=feed_infos(config), cache_s=0)
    root.mount("/hisbridge-health", health)  # as plugin.py mounts them
    root.mount("/hisbridge", create_ledger_app(lambda: ledger))
    with AppServer(root) as server:
        yield server.url


def _utc(moment: datetime) -> datetime:
    """As the ledger stores event times on SQLite: naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def figures(ledger: Ledger, as_of: datetime) -> dict[str, dict]:
    """Per feed, from the ledger with plain SQL: records acknowledged in uploads sent in the last 24 h / 30 days /
    per Asia/Shanghai day, and the records refused, quarantined, unknown now (and those that got there in 24 h)."""
    m, link, rec = s.delivery_message, s.delivery_message_record, s.delivery_record
    since24 = as_of - timedelta(hours=24)
    out: dict[str, dict] = {f: {"day": 0, "month": 0, "by_day": defaultdict(int), "waiting": defaultdict(int),
                                "waiting24": defaultdict(int)} for f in all_feed_ids()}
    with ledger.engine.connect() as conn:
        for feed, sent_at in conn.execute(
                select(m.c.feed, m.c.sent_at).select_from(m.join(link, link.c.message_id == m.c.id))
                .where(m.c.purpose == "upload", link.c.outcome == s.ACKNOWLEDGED, m.c.sent_at <= _utc(as_of))):
            f = out[feed]
            f["month"] += 1  # the ledger holds two days: all of it is in the 30 days
            f["day"] += sent_at >= _utc(since24)
            f["by_day"][sent_at.replace(tzinfo=UTC).astimezone(SH).strftime("%m-%d")] += 1
        for feed, state, updated_at, n in conn.execute(
                select(rec.c.feed, rec.c.state, rec.c.updated_at, func.count())
                .where(rec.c.state.in_(FAILED)).group_by(rec.c.feed, rec.c.state, rec.c.updated_at)):
            out[feed]["waiting"][state] += n
            if updated_at >= _utc(since24):
                out[feed]["waiting24"][state] += n
    return out


def expected_colour(f: dict, thresholds) -> str:
    """The colour feed_sla.yaml's rules give these figures, lag aside (no feed of the demo is late: checked apart)."""
    failed24 = f["waiting24"][s.REJECTED] + f["waiting24"][s.QUARANTINED]
    if (f["waiting"][s.UNKNOWN] or failed24 >= thresholds.red_failures_24h
            or (failed24 >= thresholds.share_min_failures
                and failed24 >= (failed24 + f["day"]) * thresholds.red_failure_share_24h)):
        return "red"
    return "amber" if f["waiting"][s.REJECTED] + f["waiting"][s.QUARANTINED] else "green"


def _rows(page) -> dict[str, dict]:
    return page.eval_on_selector_all("tr.feed", """rows => Object.fromEntries(rows.map(r => [r.dataset.feed, {
        colour: r.dataset.colour,
        status: r.querySelector('td.status').innerText,
        window: r.querySelector('[data-field=last-window]').innerText.split('\\n')[0],
        lag: r.querySelector('[data-field=lag]').innerText,
        counts: Object.fromEntries([...r.querySelectorAll('[data-count]')].map(c => [c.dataset.count,
                                                                                   Number(c.innerText)])),
        trend: [...r.querySelectorAll('svg.trend g title')].map(t => t.textContent),
        failures: r.querySelector('a.failures').getAttribute('href'),
        dag: r.querySelector('a.dag').getAttribute('href'),
    }]))""")


def test_the_page_says_it_reads_the_demo_ledger_as_of_the_end_of_the_demo_day(site, watched, demo) -> None:
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    note = page.inner_text("p.summary")
    day_after = demo["as_of"].astimezone(SH)
    assert day_after.date() == datetime(2026, 11, 25).date()  # the demo day is 2026-11-24
    assert f"按 {day_after:%Y-%m-%d %H:%M:%S}（北京时间）评估" in note and AS_OF_ENV in note and "不是现在" in note
    assert watched.foreign_requests(site) == [] and watched.errors == []


def test_every_feed_the_demo_ran_is_on_time(site, watched) -> None:
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    rows = _rows(page)
    assert set(rows) == set(all_feed_ids())
    late = {f: r["status"] for f, r in rows.items() if "落后" in r["status"] or "从未投递" in r["status"]}
    assert late == {}
    # every window of the demo day ran: the last one of each feed ends at 24:00 (the continuous feeds, replayed in
    # hourly windows, are "1 分" behind the as-of instant, one minute after midnight)
    assert {f: r["window"] for f, r in rows.items() if r["window"] != "11-25 00:00"} == {}
    assert {r["lag"] for r in rows.values()} <= {"准时", "1 分"}


def test_colours_and_counts_are_the_ledgers(site, watched, figures) -> None:
    thresholds = load_config().thresholds
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    rows = _rows(page)
    for feed, row in rows.items():
        f, c = figures[feed], row["counts"]
        assert (c["day-delivered"], c["month-delivered"]) == (f["day"], f["month"]), feed
        assert (c["day-rejected"], c["day-quarantined"], c["day-unknown"]) == (
            f["waiting24"][s.REJECTED], f["waiting24"][s.QUARANTINED], f["waiting24"][s.UNKNOWN]), feed
        assert (c["month-rejected"], c["month-quarantined"]) == (
            f["waiting"][s.REJECTED], f["waiting"][s.QUARANTINED]), feed
        assert row["colour"] == expected_colour(f, thresholds), (feed, row["status"], dict(f["waiting24"]), f["day"])
    colours = {row["colour"] for row in rows.values()}
    assert colours == {"red", "amber", "green"}  # the demo's planted failures show, and its clean feeds are green


def test_planted_failures_say_why_where_an_operator_looks(site, watched, demo) -> None:
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    rows = _rows(page)
    sale = rows["hsa_trace_sale"]
    assert sale["colour"] in ("amber", "red") and ("待处理" in sale["status"] or "拒收+隔离" in sale["status"])
    reasons = page.inner_text("tr[data-feed=hsa_trace_sale] ul.reasons")
    assert "缺少药品追溯码" in reasons and "药品无国家医保目录编码" in reasons  # the planted quarantines (top 3)
    # the feeds the demo delivered with nothing refused or quarantined (by its report, and by the 市区卫平台's
    # pull: it refuses two visits after the upload) are green
    refused_at_pull = {f"regional_{name}" for name in demo["regional"]["failed"]}
    assert refused_at_pull == {"regional_outpatient_visit"} and rows["regional_outpatient_visit"]["colour"] == "amber"
    clean = [f for f, t in demo["totals"].items()
             if not t.get("rejected") and not t.get("quarantined") and f not in refused_at_pull]
    assert clean and {f: rows[f]["colour"] for f in clean if rows[f]["colour"] != "green"} == {}
    # the 24 h column is the demo day's deliveries: what the report printed for a feed that ran once a day
    assert rows["hsa_trace_sale"]["counts"]["day-delivered"] == demo["totals"]["hsa_trace_sale"]["acknowledged"]


def test_the_trend_shows_the_two_demo_days(site, watched, figures) -> None:
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    rows = _rows(page)
    for feed in ("hsa_trace_sale", "mutual_registration", "cdc_emr_vital_signs_record"):
        trend = rows[feed]["trend"]
        assert len(trend) == 30 and trend[-1].startswith("11-25")  # the 30 days end with the as-of day
        shown = {t.split("：")[0]: int(t.split("已确认 ")[1].split("，")[0]) for t in trend}
        assert {d: n for d, n in shown.items() if n} == dict(figures[feed]["by_day"]), feed
        assert shown["11-23"] > 0 and shown["11-24"] > 0, feed


def test_the_links_lead_to_the_feeds_waiting_records_and_its_dag(site, watched, figures) -> None:
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    rows = _rows(page)
    assert rows["cdc_emr_ex_lab"]["dag"] == "/dags/cdc_routine_same_day"
    assert rows["mutual_lab_indicator"]["dag"] == "/dags/mutual_lab_reports"
    assert rows["hsa_trace_sale"]["dag"] == "/dags/hsa_trace_sale"
    page.click("tr[data-feed=hsa_trace_sale] a.failures")
    page.wait_for_url("**/hisbridge/ledger/failures?feed=hsa_trace_sale")
    listed = page.eval_on_selector_all("table tr td:nth-child(2)", "cs => cs.map(c => c.innerText)")
    assert listed == ["hsa_trace_sale"] * sum(figures["hsa_trace_sale"]["waiting"].values())
    assert "已销售" in page.inner_text("body")


def test_the_jobs_ran_the_night_after_the_demo_day(site, watched) -> None:
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    jobs = page.eval_on_selector_all("tr.job", """rs => Object.fromEntries(rs.map(r => [r.dataset.job,
        {colour: r.dataset.colour, text: r.innerText}]))""")
    sync, regional = jobs["jiulonghu_dictionary_sync"], jobs["regional_upload_health"]
    assert "11-25 00:00" in sync["text"] and "待处理冲突 1" in sync["text"]  # the campus edit the demo plants
    assert "11-25 00:00" in regional["text"] and "平台拒收 2" in regional["text"]  # the two refused visits
    assert sync["colour"] == regional["colour"] == "amber"  # on time; something to look at


def test_screenshot_for_the_docs(site, watched, tmp_path) -> None:
    page = watched.page
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{site}/hisbridge-health/")
    page.click("details summary")  # the colour rules open, as an operator reading them sees the page
    shot = tmp_path / "health_page.png"
    page.screenshot(path=str(shot), full_page=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and 20_000 < len(data) < 1_500_000
    if os.environ.get("HISBRIDGE_SCREENSHOTS"):  # HISBRIDGE_SCREENSHOTS=docs/images refreshes the docs' copy
        shutil.copy(shot, Path(os.environ["HISBRIDGE_SCREENSHOTS"]) / shot.name)
