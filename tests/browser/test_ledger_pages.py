"""The ledger's record page and re-queue form in a real headless Chromium: a page on another port of the same
host (the browser sends the operator's Airflow cookie there too: cookies do not keep ports apart) posts the form
and is refused with a readable page — even holding a valid form token —, the operator's own click goes through and
the page says how to clear the past window; a viewer sees no button. The ledger is PostgreSQL.

``HISBRIDGE_SCREENSHOTS=docs/images`` also saves the record page after a re-queue as ``ledger_record_page.png``.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import expect

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger, LedgerItem, MessageResult, RunContext, dumps
from hisbridge.ops.ledger_pages import create_ledger_app
from tests.browser.harness import AppServer, cookie_login
from tests.conftest import _create_database, _drop_database

FEED = "hsa_trace_sale"
EDITOR, VIEWER = "医保办-李工", "财务-赵工"
SESSIONS = {"editor-session": EDITOR, "viewer-session": VIEWER}
RUN = RunContext("scheduled__2026-11-24T02:10:00+00:00", datetime(2026, 11, 24, 10, 10),
                 datetime(2026, 11, 24, 10, 15), "airflow:hsa_trace_sale.upload_sales#1")
T0 = datetime(2026, 11, 24, 2, 10, 30, tzinfo=UTC)


logged_in = cookie_login(SESSIONS, EDITOR)


@dataclass
class Site:
    ledger: Ledger
    url: str  # the ledger pages' origin
    attacker: str  # another port of the same host
    attack_pages: dict[str, str]

    def record(self, key: str) -> int:
        return self.ledger.lookup(FEED, [key])[key].id

    def state(self, key: str) -> str:
        return self.ledger.lookup(FEED, [key])[key].state


def _plant(ledger: Ledger) -> None:
    items = [LedgerItem(k, k.ljust(64, "0"), dumps({"rtal_docno": k, "fixmedins_bchno": "B1", "psn_name": "张三"}),
                        "B1") for k in ("FY1", "FY2", "FY3")]
    ticket = ledger.begin_message(feed=FEED, platform="hsa", operation="3505A", purpose="upload", msgid="M-UP-1",
                                  items=items, run=RUN)
    request = {"infno": "3505A", "input": {"selinfoDetail": [json.loads(i.payload) for i in items]}}
    ledger.finish_message(ticket, MessageResult(
        outcome="rejected", row_states=[s.REJECTED] * 3, row_errors=["追溯码已被其他机构销售"] * 3, platform_code="-1",
        http_status=200, request=json.dumps(request, ensure_ascii=False), response='{"infcode": -1}',
        duration_ms=30), RUN)


@pytest.fixture(scope="module")
def site(chromium: str, pg_required: None) -> Iterator[Site]:
    url = _create_database()
    ticks = itertools.count()
    ledger = Ledger(make_engine(url), clock=lambda: T0 + timedelta(seconds=next(ticks)))
    ledger.ensure_schema()
    _plant(ledger)
    app = FastAPI()
    app.mount("/hisbridge", create_ledger_app(lambda: ledger, current_user=logged_in, form_secret="browser-test"))
    pages: dict[str, str] = {}
    evil = FastAPI()

    @evil.get("/{name}.html", response_class=HTMLResponse)
    def attack(name: str) -> str:
        return pages[name]

    try:
        with AppServer(app) as ours, AppServer(evil) as theirs:
            yield Site(ledger, ours.url, theirs.url, pages)
    finally:
        ledger.engine.dispose()
        _drop_database(url)


def attack_page(site: Site, key: str, token: str | None) -> str:
    hidden = f"<input type=hidden name=form_token value='{token}'>" if token else ""
    return (f"<!doctype html><meta charset=utf-8><title>优惠活动</title>"
            f"<form id=f method=post action='{site.url}/hisbridge/ledger/records/{site.record(key)}/requeue'>"
            f"<input type=hidden name=reason value='attack'>{hidden}</form>"
            "<script>document.getElementById('f').submit()</script>")


def token_of(page) -> str:
    return page.locator("#requeue input[name=form_token]").get_attribute("value")


@pytest.mark.parametrize("with_token", [False, True], ids=["no-token", "leaked-token"])
def test_a_cross_origin_post_from_another_port_is_refused_with_a_readable_page(site, as_user, with_token) -> None:
    page = as_user(site, "editor-session")
    page.goto(f"{site.url}/hisbridge/ledger/records/{site.record('FY1')}")
    token = token_of(page) if with_token else None  # as if the attacker had got hold of a real token
    site.attack_pages["offer"] = attack_page(site, "FY1", token)
    with page.expect_navigation(url=re.compile(r"/requeue$")) as answer:
        page.goto(f"{site.attacker}/offer.html")
    assert answer.value.status == 403
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("请求来自其他网站或端口")
    expect(refusal).to_contain_text(site.attacker.replace("http://", ""))
    expect(page.locator("h2")).to_have_text("已拒绝：请求不是从本页面提交的")
    assert site.state("FY1") == s.REJECTED


def test_the_operators_own_click_requeues_and_the_page_says_how_to_clear_the_window(site, as_user, tmp_path) -> None:
    page = as_user(site, "editor-session")
    page.goto(f"{site.url}/hisbridge/ledger/records/{site.record('FY2')}")
    page.locator("#requeue input[name=reason]").fill("药房已核对追溯码")
    with page.expect_navigation():
        page.locator("#requeue button").click()
    assert page.url.endswith(f"/hisbridge/ledger/records/{site.record('FY2')}?requeued=1")
    assert site.state("FY2") == s.PENDING
    notice = page.locator("#clear-notice")
    expect(notice).to_contain_text("已重新排队")
    expect(notice).to_contain_text("2026-11-24 10:10 – 10:15（北京时间）")
    expect(page.locator("#clear-command")).to_have_text(
        "airflow tasks clear hsa_trace_sale -t '^upload_sales$' -s 2026-11-24T10:10:00+08:00 "
        "-e 2026-11-24T10:10:00+08:00 -y")
    assert page.locator("#clear-link").get_attribute("href") == (
        "/dags/hsa_trace_sale/runs/scheduled__2026-11-24T02%3A10%3A00%2B00%3A00/tasks/upload_sales")
    last = page.locator("#history > li").last
    expect(last).to_have_attribute("data-kind", "requeue")
    expect(last).to_contain_text(EDITOR)
    expect(last).to_contain_text("药房已核对追溯码")
    # this record's row of the batch; the whole message folded away until asked for
    expect(page.locator("pre.row").first).to_contain_text("FY2")
    expect(page.locator("pre.row").first).not_to_contain_text("FY1")
    full = page.locator("details.full").first
    expect(full.locator("pre").first).not_to_be_visible()
    full.locator("summary").click()
    expect(full.locator("pre").first).to_be_visible()
    assert "张三" not in page.content()
    shot = tmp_path / "ledger_record_page.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("HISBRIDGE_SCREENSHOTS"):
        shutil.copy(shot, Path(os.environ["HISBRIDGE_SCREENSHOTS"]) / shot.name)


def test_a_viewer_sees_the_record_without_the_button_and_a_post_gets_a_chinese_page(site, as_user) -> None:
    editor = as_user(site, "editor-session")
    editor.goto(f"{site.url}/hisbridge/ledger/records/{site.record('FY3')}")
    token = token_of(editor)
    page = as_user(site, "viewer-session")
    answer = page.goto(f"{site.url}/hisbridge/ledger/records/{site.record('FY3')}")
    assert answer is not None and answer.status == 200
    expect(page.locator("#requeue")).to_have_count(0)
    expect(page.locator("#read-only")).to_contain_text("只读：重新排队需要“编辑 DAG 运行”的权限")
    # the viewer forges the form on the page itself (same origin, an editor's token): still refused, in Chinese
    page.evaluate("""([action, token]) => {
        const f = document.createElement('form'); f.method = 'post'; f.action = action;
        for (const [n, v] of [['reason', '我想重发'], ['form_token', token]]) {
            const i = document.createElement('input'); i.name = n; i.value = v; f.appendChild(i); }
        document.body.appendChild(f); f.submit(); }""",
                  [f"{site.url}/hisbridge/ledger/records/{site.record('FY3')}/requeue", token])
    page.wait_for_url(re.compile(r"/requeue$"))
    expect(page.locator("h2")).to_have_text("没有权限")
    expect(page.locator("#refusal")).to_contain_text("您的账号只能查看")
    assert "{" not in page.locator("body").inner_text()  # a page, not raw JSON
    assert site.state("FY3") == s.REJECTED
