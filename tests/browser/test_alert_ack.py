"""Acknowledging an alert (告警认领) on the alert page in Debian's Chromium: a PostgreSQL ledger holding the morning's
incidents of ``tests/integration/ops/alerts/incident_support.py``, the alert app mounted as the plugin mounts it
(``current_user`` from the Airflow session cookie, a signed form token), under uvicorn; the chat robot is the local
receiver (``simulators/webhook``) behind the Airflow connection a site defines.

What an operator sees: a viewer gets the incident without a form; an editor gets the form (its CSRF token, a note,
a button in their own name — no name to type); a page on another port of the same host, which gets the same
cookie, cannot take the incident even holding a token; the editor's own click takes it, the page says so and
shows who took it when, the list says 已认领, and the group hears of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import expect

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.ops.alerts.state import IncidentStore
from hisbridge.ops.alerts_page import create_alerts_app
from simulators.webhook.server import WebhookServer
from tests.browser.harness import AppServer, cookie_login
from tests.conftest import _create_database, _drop_database
from tests.integration.ops.alerts.incident_support import CONFIG, Planted, plant_incidents, sh

NOW = sh(24, 10, 2)
EDITOR, VIEWER = "信息科-王工", "财务-赵工"
SESSIONS = {"editor-session": EDITOR, "viewer-session": VIEWER}
AMBER = "rgb(138, 90, 0)"


logged_in = cookie_login(SESSIONS, EDITOR)


@dataclass
class Site:
    url: str
    attacker: str  # another port of the same host
    attack_pages: dict[str, str]
    planted: Planted
    store: IncidentStore
    robot: WebhookServer


@pytest.fixture(scope="module")
def site(chromium: str, pg_required: None) -> Iterator[Site]:
    url = _create_database()
    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    store = IncidentStore(ledger.engine)
    planted = plant_incidents(store)
    store.clock = lambda: NOW
    app = FastAPI()
    app.mount("/hisbridge-alerts", create_alerts_app(lambda: ledger, clock=lambda: NOW, config=lambda: CONFIG,
                                                     current_user=logged_in, form_secret="browser-test"))
    pages: dict[str, str] = {}
    evil = FastAPI()

    @evil.get("/{name}.html", response_class=HTMLResponse)
    def attack(name: str) -> str:
        return pages[name]

    try:
        with (WebhookServer(wecom_keys={"ROBOTKEY-0001"}) as robot, pytest.MonkeyPatch.context() as env,
              AppServer(app) as ours, AppServer(evil) as theirs):  # fmt: skip
            env.setenv("AIRFLOW_CONN_HISBRIDGE_ALERT_WEBHOOK", json.dumps({
                "conn_type": "http", "host": "127.0.0.1", "port": robot.port, "schema": "http",
                "password": "ROBOTKEY-0001", "extra": {"format": "wecom"}}))
            env.delenv("AIRFLOW_CONN_HISBRIDGE_ALERT_SMTP", raising=False)
            yield Site(ours.url, theirs.url, pages, planted, store, robot)
    finally:
        ledger.engine.dispose()
        _drop_database(url)


def test_a_viewer_sees_the_incident_without_a_form(site, as_user) -> None:
    page = as_user(site, "viewer-session")
    answer = page.goto(f"{site.url}/hisbridge-alerts/{site.planted.sla}")
    assert answer is not None and answer.status == 200
    expect(page.locator("#facts")).to_contain_text("未恢复")
    assert page.query_selector_all("form, button, input") == []
    expect(page.locator("#read-only")).to_contain_text("只读：认领告警需要“编辑 DAG 运行”的权限")


def test_an_editor_gets_a_form_in_their_own_name_with_its_token(site, as_user) -> None:
    page = as_user(site, "editor-session")
    page.goto(f"{site.url}/hisbridge-alerts/{site.planted.sla}")
    form = page.locator("form#ack")
    expect(form).to_have_attribute("method", "post")
    names = form.locator("input").evaluate_all("is => is.map(i => [i.name, i.type])")
    assert names == [["form_token", "hidden"], ["note", "text"]]  # no name to type: the session says who acts
    assert re.fullmatch(r"\d+\.[0-9a-f]{64}", form.locator("input[name=form_token]").get_attribute("value"))
    expect(form.locator("button")).to_have_text(f"以 {EDITOR} 的名义认领")
    page.goto(f"{site.url}/hisbridge-alerts/{site.planted.connection}")  # recovered: nothing to take
    assert page.query_selector_all("form, button, input") == []


def test_a_page_on_another_port_cannot_take_the_incident_even_with_a_token(site, as_user) -> None:
    page = as_user(site, "editor-session")
    page.goto(f"{site.url}/hisbridge-alerts/{site.planted.backlog}")
    token = page.locator("#ack input[name=form_token]").get_attribute("value")
    site.attack_pages["offer"] = (
        "<!doctype html><meta charset=utf-8><title>优惠活动</title>"
        f"<form id=f method=post action='{site.url}/hisbridge-alerts/{site.planted.backlog}/ack'>"
        f"<input type=hidden name=form_token value='{token}'><input type=hidden name=note value='attack'></form>"
        "<script>document.getElementById('f').submit()</script>")
    with page.expect_navigation(url=re.compile(r"/ack$")) as answer:
        page.goto(f"{site.attacker}/offer.html")
    assert answer.value.status == 403
    expect(page.locator("h2")).to_have_text("已拒绝：请求不是从本页面提交的")
    expect(page.locator("#refusal")).to_contain_text("请求来自其他网站或端口")
    assert site.store.incident(site.planted.backlog).ack is None


def test_the_editors_click_takes_the_incident_and_everyone_sees_who(site, as_user) -> None:
    before = len(site.robot.state.accepted())
    page = as_user(site, "editor-session")
    page.goto(f"{site.url}/hisbridge-alerts/{site.planted.task}")
    page.locator("#ack input[name=note]").fill("已联系网络组，预计 11 点恢复")
    with page.expect_navigation():
        page.locator("#ack button").click()
    assert page.url.endswith(f"/hisbridge-alerts/{site.planted.task}?acked=1")
    expect(page.locator("#ack-notice")).to_contain_text("已认领。不再定时提醒；问题消除时仍会发送恢复通知。")
    expect(page.locator("#ack-notice")).to_contain_text(f"群里已收到“已由 {EDITOR} 认领”")
    expect(page.locator("#acked")).to_have_text(f"{EDITOR} 于 2026-11-24 10:02（北京时间）认领：已联系网络组，预计 11 点恢复")
    status = page.locator("#facts [data-field=status]")
    expect(status).to_have_text("已认领")
    assert status.evaluate("e => getComputedStyle(e).color") == AMBER
    assert page.query_selector_all("form#ack") == []
    last = page.locator("#notifications tr.notification").last
    expect(last).to_have_attribute("data-event", "acknowledged")
    assert last.evaluate("r => [...r.cells].slice(0, 4).map(c => c.innerText)") == [
        "2026-11-24 10:02", "认领通知", "ops_robot（群机器人）", "已送达"]
    told = site.robot.state.accepted()[before:]
    assert len(told) == 1 and "【hisbridge已认领】任务失败" in told[0].text and EDITOR in told[0].text

    viewer = as_user(site, "viewer-session")  # the list, as anyone reads it
    viewer.goto(f"{site.url}/hisbridge-alerts/")
    row = viewer.locator(f"tr[data-incident='{site.planted.task}']")
    expect(row.locator("[data-field=status]")).to_have_text("已认领")
    expect(row.locator("[data-field=acked]")).to_have_text(f"{EDITOR} 2026-11-24 10:02")
    others = viewer.locator("tr.incident:not(.acked) [data-field=status]").all_inner_texts()
    assert others == ["未恢复", "未恢复"]  # the SLA and the backlog: still nobody's
