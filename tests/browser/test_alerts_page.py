"""The alert page (告警) in Debian's Chromium: a PostgreSQL ledger holding the health page's demo morning
(``tests/integration/ops/test_feed_health.py``) and that morning's alert incidents, raised, reminded and resolved by
the real alerter (``tests/integration/ops/alerts/incident_support.py``: a backlog reminded once, a late feed, a
failed task, a connection that recovered, a task failure recovered three days ago). The alert app, the health
page and the ledger pages are mounted as the plugin mounts them, under uvicorn.

Checks what an operator sees: open incidents by default and every one on request, with their states; times in
北京时间 and labelled; one incident's messages per channel with the channel's answer and the fix; the links
(incident → the feed's waiting records; the health page's row → its open incident); nothing to press (read-only),
nothing fetched from another host. ``HISBRIDGE_SCREENSHOTS=docs/images`` also refreshes the manual's screenshot (alerts_page.png).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.ops.alerts.state import IncidentStore
from hisbridge.ops.alerts_page import create_alerts_app
from hisbridge.ops.feed_health import feed_infos, load_config
from hisbridge.ops.health_page import create_health_app
from hisbridge.ops.ledger_pages import create_ledger_app
from hisbridge.pipeline.spec import all_feed_ids
from tests.browser.harness import AppServer
from tests.integration.ops.alerts.incident_support import CONFIG, MAIL_REFUSAL, Planted, plant_incidents
from tests.integration.ops.test_feed_health import NOW, Clock, plant_demo_ledger

RED, GREEN = "rgb(176, 0, 32)", "rgb(27, 127, 59)"


@pytest.fixture(scope="module")
def site(chromium: str, pg_module_url: str) -> Iterator[tuple[str, Planted]]:
    clock = Clock(NOW)
    ledger = Ledger(make_engine(pg_module_url), clock=clock)
    ledger.ensure_schema()
    plant_demo_ledger(ledger, clock, all_feed_ids())
    planted = plant_incidents(IncidentStore(ledger.engine))
    config = load_config()
    root = FastAPI()
    # as plugin.py mounts them
    root.mount("/hisbridge-health", create_health_app(lambda: ledger, clock=lambda: NOW, config=config,
                                                      infos=feed_infos(config), cache_s=0))
    root.mount("/hisbridge-alerts", create_alerts_app(lambda: ledger, clock=lambda: NOW, config=lambda: CONFIG))
    root.mount("/hisbridge", create_ledger_app(lambda: ledger))
    with AppServer(root) as server:
        yield server.url, planted
    ledger.engine.dispose()


def _rows(page) -> list[dict]:
    return page.eval_on_selector_all("tr.incident", """rows => rows.map(r => ({
        id: Number(r.dataset.incident), status: r.dataset.status,
        state: r.querySelector('[data-field=status]').innerText,
        colour: getComputedStyle(r.querySelector('[data-field=status]')).color,
        target: r.querySelector('[data-field=target]').innerText,
        since: r.querySelector('[data-field=since]').innerText,
        notified: r.querySelector('[data-field=notified]').innerText,
        resolved: r.querySelector('[data-field=resolved]').innerText,
        count: Number(r.querySelector('[data-field=count]').innerText),
        fix: r.querySelector('td.fix').innerText,
    }))""")


def test_open_incidents_are_listed_by_default_in_beijing_time(site, watched):
    url, planted = site
    page = watched.page
    page.goto(f"{url}/hisbridge-alerts/")
    rows = _rows(page)
    assert [r["id"] for r in rows] == [planted.sla, planted.task, planted.backlog]
    assert {(r["status"], r["state"], r["colour"]) for r in rows} == {("open", "未恢复", RED)}
    backlog = next(r for r in rows if r["id"] == planted.backlog)
    # since 06:05, reminded 08:15 — Beijing time (UTC 22:05 / 00:15 in the database)
    assert (backlog["since"], backlog["notified"], backlog["resolved"], backlog["count"]) == (
        "2026-11-24 06:05", "2026-11-24 08:15", "-", 2)
    assert backlog["target"] == "接口 mutual_lab_indicator（隔离）"
    assert "ledger requeue --feed mutual_lab_indicator --state quarantined" in backlog["fix"]
    headings = page.inner_text("#incidents tr:first-child")
    assert headings.count("（北京时间）") == 3
    assert "页面上的时间均为北京时间" in page.inner_text("body")
    assert page.query_selector_all("form, button, input") == []  # read-only for everyone
    assert watched.foreign_requests(url) == [] and watched.errors == []


def test_all_adds_the_recovered_incidents_with_their_recovery_time(site, watched):
    url, planted = site
    page = watched.page
    page.goto(f"{url}/hisbridge-alerts/")
    page.click("#show-all")
    page.wait_for_url("**/hisbridge-alerts/?status=all")
    rows = {r["id"]: r for r in _rows(page)}
    assert list(rows) == [planted.sla, planted.connection, planted.task, planted.backlog, planted.old]
    recovered = rows[planted.connection]
    assert (recovered["state"], recovered["colour"]) == ("已恢复", GREEN)
    assert (recovered["since"], recovered["resolved"], recovered["target"]) == (
        "2026-11-24 08:00", "2026-11-24 08:20", "连接 his_db")
    assert (rows[planted.old]["since"], rows[planted.old]["resolved"]) == ("2026-11-21 09:00", "2026-11-21 09:40")
    assert rows[planted.old]["target"] == "接口 hsa_trace_sale · 任务 upload_sales"
    page.click("#show-open")
    page.wait_for_url("**/hisbridge-alerts/?status=open")
    assert len(_rows(page)) == 3
    assert watched.errors == []


def test_an_incident_shows_every_message_the_fix_and_leads_to_the_records(site, watched):
    url, planted = site
    page = watched.page
    page.goto(f"{url}/hisbridge-alerts/")
    page.click(f"tr[data-incident='{planted.backlog}'] a.detail")
    page.wait_for_url(f"**/hisbridge-alerts/{planted.backlog}")
    facts = page.inner_text("#facts")
    assert "未恢复" in facts and "2026-11-24 06:05（北京时间），已持续 3 小时 57 分钟" in facts
    assert "2026-11-24 08:15（北京时间）· 已通知 2 次" in facts
    assert "结果值（result）：不能为空" in page.inner_text("#detail")
    sent = page.eval_on_selector_all("#notifications tr.notification",
                                     "rs => rs.map(r => [...r.cells].map(c => c.innerText))")
    assert [row[:4] for row in sent] == [
        ["2026-11-24 06:10", "首次告警", "ops_robot（群机器人）", "已送达"],
        ["2026-11-24 06:10", "首次告警", "ops_mail（邮件）", "发送失败"],
        ["2026-11-24 08:15", "提醒（仍未恢复）", "ops_robot（群机器人）", "已送达"],
        ["2026-11-24 08:15", "提醒（仍未恢复）", "ops_mail（邮件）", "发送失败"]]
    assert sent[1][4] == MAIL_REFUSAL
    assert "python -m hisbridge ledger requeue --feed mutual_lab_indicator" in page.inner_text("#fix")
    assert page.query_selector_all("form, button, input") == []
    assert watched.errors == []  # (the ledger pages ask for /favicon.ico: their 404 is theirs, not this page's)
    page.click("#pages a:has-text('台账待处理记录')")
    page.wait_for_url("**/hisbridge/ledger/failures?feed=mutual_lab_indicator&state=quarantined")
    listed = page.eval_on_selector_all("table tr td:nth-child(2)", "cs => cs.map(c => c.innerText)")
    assert listed == ["mutual_lab_indicator"] * 2  # the two records in quarantine the alert is about
    page.go_back()
    page.click("#back")
    page.wait_for_url("**/hisbridge-alerts/")
    assert watched.foreign_requests(url) == []


def test_a_recovered_incident_shows_its_recovery_message(site, watched):
    url, planted = site
    page = watched.page
    page.goto(f"{url}/hisbridge-alerts/{planted.connection}")
    facts = page.inner_text("#facts")
    assert "已恢复" in facts and "2026-11-24 08:20（北京时间）· 由 hisbridge_alerts 发现已恢复" in facts
    assert "持续 20 分钟" in facts
    events = page.eval_on_selector_all("#notifications tr.notification", "rs => rs.map(r => r.dataset.event)")
    assert events == ["opened", "opened", "recovered", "recovered"]


def test_the_health_page_links_a_feed_with_an_open_incident_to_it(site, watched):
    url, planted = site
    page = watched.page
    page.goto(f"{url}/hisbridge-health/")
    links = page.eval_on_selector_all("tr.feed a.alerts", """as => Object.fromEntries(as.map(a => [
        a.closest('tr').dataset.feed, [a.innerText, a.getAttribute('href')]]))""")
    assert links["mutual_lab_indicator"] == ["未恢复告警 1", f"/hisbridge-alerts/{planted.backlog}"]
    assert links["cdc_emr_ex_lab"] == ["未恢复告警 2", "/hisbridge-alerts/?feed=cdc_emr_ex_lab"]  # SLA + its DAG's task
    assert links["cdc_emr_order"] == ["未恢复告警 1", f"/hisbridge-alerts/{planted.task}"]  # same DAG, failed task
    assert "hsa_trace_sale" not in links  # its incident recovered three days ago
    page.click("tr[data-feed=mutual_lab_indicator] a.alerts")
    page.wait_for_url(f"**/hisbridge-alerts/{planted.backlog}")
    assert page.inner_text("h2").startswith(f"告警 {planted.backlog} · 待处理记录积压")
    page.goto(f"{url}/hisbridge-health/")
    page.click("tr[data-feed=cdc_emr_ex_lab] a.alerts")
    page.wait_for_url("**/hisbridge-alerts/?feed=cdc_emr_ex_lab")
    assert [r["id"] for r in _rows(page)] == [planted.sla, planted.task]
    assert "接口 cdc_emr_ex_lab" in page.inner_text("#filters")
    page.click("#clear-feed")
    page.wait_for_url("**/hisbridge-alerts/?status=open")
    assert len(_rows(page)) == 3
    assert watched.foreign_requests(url) == [] and watched.errors == []


def test_screenshot_for_the_manual(site, watched, tmp_path):
    url, _ = site
    page = watched.page
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(f"{url}/hisbridge-alerts/?status=all")
    shot = tmp_path / "alerts_page.png"
    page.screenshot(path=str(shot), full_page=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and 20_000 < len(data) < 1_500_000
    if os.environ.get("HISBRIDGE_SCREENSHOTS"):  # HISBRIDGE_SCREENSHOTS=docs/images refreshes the docs' copy
        shutil.copy(shot, Path(os.environ["HISBRIDGE_SCREENSHOTS"]) / shot.name)
