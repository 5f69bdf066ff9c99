"""The feed health page in Debian's Chromium: a PostgreSQL ledger holding a demo morning for every feed of every
platform (planted through the Ledger API: on-time deliveries, a quarantine, a late hourly feed, an unknown
outcome, a batch mostly refused, a quiet feed, a feed that never ran; the dictionary sync and the upload check),
the health app and the ledger pages mounted as the plugin mounts them, under uvicorn. Checks what an operator
sees — colours, counts, links (the failures link opens the feed's refused records), times labelled — and that
nothing is fetched from another host.

Planted, to exercise every colour rule on a working morning (a late feed, an unknown outcome, a feed that never
ran: things the demo does not do). The page on ``make demo``'s own ledger, and the screenshot for the docs, are
tests/browser/test_health_page_demo.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.ops.feed_health import feed_infos, load_config
from hisbridge.ops.health_page import create_health_app
from hisbridge.ops.ledger_pages import create_ledger_app
from hisbridge.pipeline.spec import all_feed_ids
from tests.browser.harness import AppServer
from tests.integration.ops.test_feed_health import EXPECTED, NOW, Clock, plant_demo_ledger

CSS_COLOURS = {"red": "rgb(253, 236, 234)", "amber": "rgb(255, 244, 214)", "green": "rgb(232, 245, 236)"}


@pytest.fixture(scope="module")
def site(chromium: str, pg_module_url: str) -> Iterator[str]:
    clock = Clock(NOW)
    ledger = Ledger(make_engine(pg_module_url), clock=clock)
    ledger.ensure_schema()
    plant_demo_ledger(ledger, clock, all_feed_ids())
    config = load_config()
    root = FastAPI()
    # as plugin.py mounts them: the ledger pages at /hisbridge, the health page at /hisbridge-health
    root.mount("/hisbridge-health", create_health_app(lambda: ledger, clock=lambda: NOW, config=config,
                                                      infos=feed_infos(config), cache_s=0))
    root.mount("/hisbridge", create_ledger_app(lambda: ledger))
    with AppServer(root) as server:
        yield server.url


def _rows(page) -> dict[str, dict]:
    return page.eval_on_selector_all("tr.feed", """rows => Object.fromEntries(rows.map(r => [r.dataset.feed, {
        colour: r.dataset.colour,
        background: getComputedStyle(r.querySelector('td.status')).backgroundColor,
        status: r.querySelector('td.status').innerText,
        window: r.querySelector('[data-field=last-window]').innerText.split('\\n')[0],
        lag: r.querySelector('[data-field=lag]').innerText,
        counts: Object.fromEntries([...r.querySelectorAll('[data-count]')].map(c => [c.dataset.count,
                                                                                   Number(c.innerText)])),
        failures: r.querySelector('a.failures').getAttribute('href'),
        dag: r.querySelector('a.dag').getAttribute('href'),
        bars: r.querySelectorAll('svg.trend g').length,
    }]))""")


def test_every_feed_has_a_row_coloured_by_the_rules(site, watched):
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    rows = _rows(page)
    assert set(rows) == set(all_feed_ids())
    for feed, (colour, window, d24, d30, rej, quar, unk) in EXPECTED.items():
        row = rows[feed]
        assert row["colour"] == colour and row["background"] == CSS_COLOURS[colour], (feed, row["status"])
        assert row["window"] == window, feed
        assert (row["counts"]["day-delivered"], row["counts"]["month-delivered"], row["counts"]["day-rejected"],
                row["counts"]["day-quarantined"], row["counts"]["day-unknown"]) == (d24, d30, rej, quar, unk), feed
        assert row["bars"] == 30
    others = [f for f in rows if f not in EXPECTED]
    assert others and all(rows[f]["colour"] == "green" and rows[f]["lag"] == "准时" for f in others)
    assert "落后 4 小时，超过时限 3 小时" in rows["cdc_emr_ex_lab"]["status"]
    assert "1 条结果未知" in rows["city_brain_push_charged"]["status"]
    colours = [rows[f]["colour"] for f in page.eval_on_selector_all("tr.feed", "rs => rs.map(r => r.dataset.feed)")]
    assert colours == sorted(colours, key=["red", "amber", "green"].index)  # worst first
    assert watched.foreign_requests(site) == [] and watched.errors == []


def test_summary_and_times_are_labelled_in_shanghai(site, watched):
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    note = page.inner_text("p.summary")
    assert "生成于 2026-11-24 10:02:00（北京时间" in note
    reds = sum(1 for c, *_ in EXPECTED.values() if c == "red")
    assert f"红 {reds}" in note and "黄 2" in note
    assert "（北京时间）" in page.inner_text("#feeds tr:first-child")
    jobs = page.eval_on_selector_all("tr.job", "rs => Object.fromEntries(rs.map(r => [r.dataset.job, r.innerText]))")
    assert "02:31" in jobs["jiulonghu_dictionary_sync"] and "最近一次隔离 1" in jobs["jiulonghu_dictionary_sync"]
    assert "补传后仍缺 2" in jobs["regional_upload_health"]


def test_links_lead_to_the_feeds_failures_and_its_dag(site, watched):
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    rows = _rows(page)
    assert rows["cdc_emr_ex_lab"]["dag"] == "/dags/cdc_routine_same_day"
    assert rows["hsa_trace_sale"]["dag"] == "/dags/hsa_trace_sale"
    assert rows["hsa_trace_purchase"]["failures"] == "/hisbridge/ledger/failures?feed=hsa_trace_purchase"
    page.click("tr[data-feed=hsa_trace_purchase] a.failures")
    page.wait_for_url("**/hisbridge/ledger/failures?feed=hsa_trace_purchase")
    listed = page.eval_on_selector_all("table tr td:nth-child(2)", "cs => cs.map(c => c.innerText)")
    assert listed == ["hsa_trace_purchase"] * 6  # the six refused records, and only this feed's
    assert page.inner_text("body").count("追溯码已被其他机构销售") == 6


def test_the_metrics_link_serves_prometheus_text(site, watched):
    page = watched.page
    page.goto(f"{site}/hisbridge-health/")
    with page.expect_navigation():
        page.click("a[href=metrics]")
    body = page.inner_text("body")
    assert 'hisbridge_feed_status{feed="cdc_emr_ex_lab",platform="cdc",dag_id="cdc_routine_same_day"} 2' in body
