"""A record's page on a PostgreSQL ledger tells its whole history in order — upload, the 3507 that withdrew it,
the re-upload, a web re-queue with who and why — each message as this record's row, every time in Beijing time.

Planted through the Ledger API exactly as the pipeline writes (a correction goes without records; the batch
siblings it removed are queued again naming it), then once through the real pipeline and the 医保 simulator."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from demo.his import schema as his_schema
from demo.his.generate import generate
from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import REUPLOAD, Ledger, LedgerItem, MessageResult, RunContext, dumps
from hisbridge.ops.ledger_pages import create_ledger_app
from tests.integration.pipeline.conftest import DAY, SECRET, His, make_sender, run

pytestmark = pytest.mark.postgres

FEED = "hsa_trace_sale"
ACTOR = "airflow:hsa_trace_sale.upload_sales#1"
T0 = datetime(2026, 11, 24, 2, 10, 30, tzinfo=UTC)  # 10:10:30 in Shanghai
FIRST = RunContext("scheduled__2026-11-24T02:10:00+00:00", datetime(2026, 11, 24, 10, 10),
                   datetime(2026, 11, 24, 10, 15), ACTOR)
AFTER = RunContext("scheduled__2026-11-24T02:15:00+00:00", datetime(2026, 11, 24, 10, 15),
                   datetime(2026, 11, 24, 10, 20), ACTOR)
EDITOR = "医保办-李工"


def item(key: str, batch: str, version: int = 1) -> LedgerItem:
    body = {"med_list_codg": "XA01", "fixmedins_bchno": batch, "rtal_docno": key, "sel_retn_cnt": version,
            "psn_name": "张三"}
    return LedgerItem(key, f"{key}-{version}".ljust(64, "0"), dumps(body), correction_key=batch)


def batch_request(msgid: str, items: list[LedgerItem]) -> str:
    return json.dumps({"infno": "3505A", "msgid": msgid,
                       "input": {"selinfoDetail": [json.loads(i.payload) for i in items]}}, ensure_ascii=False)


def upload(ledger: Ledger, msgid: str, items: list[LedgerItem], run: RunContext, states: list[str],
           errors: list[str | None] | None = None) -> None:
    ticket = ledger.begin_message(feed=FEED, platform="hsa", operation="3505A", purpose="upload", msgid=msgid,
                                  items=items, run=run)
    answer = {"infcode": 0, "output": {"retRslt": [{"rtal_docno": i.business_key, "retRslt": "1"} for i in items]}}
    ledger.finish_message(ticket, MessageResult(
        outcome="acknowledged" if set(states) == {s.ACKNOWLEDGED} else "partial", row_states=states,
        row_errors=errors or [None] * len(items), platform_code="0", http_status=200,
        request=batch_request(msgid, items), response=json.dumps(answer), duration_ms=35), run)


@pytest.fixture
def planted(pg_url):
    """FY1 and FY2 share batch B1; FY3 is alone in B2. FY1 changes in the HIS: 3507 withdraws B1, FY2 (unchanged)
    is queued again naming it, both are uploaded again. FY3 is refused, then re-queued from the web page."""
    ticks = itertools.count()
    ledger = Ledger(make_engine(pg_url), clock=lambda: T0 + timedelta(seconds=10 * next(ticks)))
    ledger.ensure_schema()
    fy1, fy2, fy3 = item("FY1", "B1"), item("FY2", "B1"), item("FY3", "B2")
    upload(ledger, "M-UP-1", [fy1, fy2, fy3], FIRST, [s.ACKNOWLEDGED, s.ACKNOWLEDGED, s.REJECTED],
           [None, None, "追溯码已被其他机构销售"])
    # the next run: FY1 changed → 3507 of B1 (a message without records), then B1's records uploaded again
    ticket = ledger.begin_message(feed=FEED, platform="hsa", operation="3507", purpose="correct", msgid="M-DEL-1",
                                  items=[], run=AFTER)
    ledger.finish_message(ticket, MessageResult(
        outcome="acknowledged", row_states=[], row_errors=[], platform_code="0", http_status=200,
        request=json.dumps({"infno": "3507", "input": {"data": {"fixmedins_bchno": "B1", "inv_data_type": "4"}}}),
        response='{"infcode": 0}', duration_ms=20), AFTER)
    ledger.settle(FEED, "hsa", [LedgerItem(fy2.business_key, fy2.content_hash, fy2.payload, "B1",
                                           f"{REUPLOAD} M-DEL-1 of B1")], s.PENDING, AFTER, msgid="M-DEL-1")
    changed = item("FY1", "B1", version=2)
    upload(ledger, "M-UP-2", [changed, fy2], AFTER, [s.ACKNOWLEDGED, s.ACKNOWLEDGED])
    ids = {r.business_key: r.id for r in ledger.records(FEED, limit=10)}
    app = create_ledger_app(lambda: ledger, current_user=lambda: EDITOR, form_secret="s")
    yield ledger, ids, TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"})
    ledger.engine.dispose()


def steps(page: str) -> list[tuple[str, str]]:
    """(kind, title) of each history step, in page order."""
    return re.findall(r"data-kind=(\w+)><span class=step-title>([^<]+)</span>", page)


def test_a_record_resent_after_a_3507_shows_upload_withdrawal_and_reupload_in_order(planted) -> None:
    ledger, ids, client = planted
    page = client.get(f"/ledger/records/{ids['FY1']}").text
    assert steps(page) == [("upload", "上报（3505A）"), ("correction", "撤回（3507）"), ("upload", "重新上报（3505A）")]
    history = page[page.index("id=history"):]
    assert "首次上报" in history and "M-DEL-1 撤回旧版本后，按 HIS 更正后的数据重新上报" in history
    assert "从平台删除整批（同一更正键）的已上报版本（更正对象 B1）" in history
    # times in Beijing time: the first upload at 02:10:30 UTC
    assert "上报（3505A）</span> · 2026-11-24 10:10:30" in page and "02:10:30" not in page
    assert "数据窗口 <span id=window>2026-11-24 10:15 – 10:20（北京时间）</span>" in page


def test_a_batch_sibling_shows_the_withdrawal_that_queued_it_again(planted) -> None:
    _, ids, client = planted
    page = client.get(f"/ledger/records/{ids['FY2']}").text
    assert [k for k, _ in steps(page)] == ["upload", "correction", "state", "upload"]
    assert "M-DEL-1 撤回了批次 B1，本记录随之待重新上报" in page  # the ledger's English reason, said in Chinese


def test_each_message_shows_this_records_row_not_the_whole_batch(planted) -> None:
    _, ids, client = planted
    page = client.get(f"/ledger/records/{ids['FY2']}").text
    rows = re.findall(r"<pre class=row>(.*?)</pre>", page, re.S)
    # request rows of both uploads (found by business key) and the answer's row for FY2 in each
    requests = [r for r in rows if "fixmedins_bchno" in r]
    assert len(requests) == 2 and all("FY2" in r and "FY1" not in r and "FY3" not in r for r in requests)
    assert "张三" not in page  # masked, in the rows and in the full message
    assert page.count("<summary>显示完整报文</summary>") == 3  # both uploads and the 3507


def test_a_web_requeue_is_in_the_history_with_who_and_why_and_the_window_to_clear(planted) -> None:
    ledger, ids, client = planted
    rid = ids["FY3"]
    token = re.search(r"name=form_token value='([^']+)'", client.get(f"/ledger/records/{rid}").text).group(1)
    resp = client.post(f"/ledger/records/{rid}/requeue", data={"reason": "药房已核对追溯码", "form_token": token})
    assert resp.status_code == 303
    page = client.get(resp.headers["location"]).text
    assert steps(page)[-1] == ("requeue", "重新排队")
    assert f"{EDITOR}<div class=why>原因：药房已核对追溯码（下次运行其窗口时重发）" in page
    assert ("airflow tasks clear hsa_trace_sale -t &#x27;^upload_sales$&#x27; -s 2026-11-24T10:10:00+08:00 "
            "-e 2026-11-24T10:10:00+08:00 -y") in page
    assert "/dags/hsa_trace_sale/runs/scheduled__2026-11-24T02%3A10%3A00%2B00%3A00/tasks/upload_sales" in page
    # the next run re-sends it: the page then says why it went again
    upload(ledger, "M-UP-3", [item("FY3", "B2")], FIRST, [s.ACKNOWLEDGED])
    after = client.get(f"/ledger/records/{rid}").text
    assert steps(after)[-1] == ("upload", "重新上报（3505A）")
    assert f"{EDITOR} 重新排队后重发：药房已核对追溯码" in after


def test_times_are_beijing_whatever_the_databases_session_zone(planted, pg_url) -> None:
    ledger, ids, _ = planted
    elsewhere = Ledger(make_engine(pg_url, connect_args={"options": "-c timezone=America/New_York"}))
    try:
        with elsewhere.engine.connect() as conn:
            sent = conn.execute(select(s.delivery_message.c.sent_at).where(
                s.delivery_message.c.msgid == "M-UP-1")).scalar_one()
        assert sent.utcoffset() != timedelta(hours=8)  # the driver hands it back in New York time
        page = TestClient(create_ledger_app(lambda: elsewhere)).get(f"/ledger/records/{ids['FY1']}").text
        assert "上报（3505A）</span> · 2026-11-24 10:10:30" in page
    finally:
        elsewhere.engine.dispose()


# -- through the real pipeline -------------------------------------------------------------------------------
@pytest.fixture
def demo(pg_url, pg_module_url):
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    engine = make_engine(pg_module_url)
    his_schema.drop_schema(engine)
    his = His(engine, generate(engine, DAY, 60, seed=11))
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    with SimServer(SimState(auth_mode="tif", paasid="hb-test", secret=SECRET)) as sim:
        yield his, ledger, make_sender(sim, ledger)
    ledger.engine.dispose()
    engine.dispose()


def test_the_pipelines_own_3507_and_reupload_appear_on_the_changed_records_page(demo) -> None:
    his, ledger, sender = demo
    run(FEED, his, ledger, sender, run_id="first", actor=ACTOR)
    t = his_schema.sale_line
    with his.engine.begin() as conn:
        key = conn.execute(select(t.c.sale_line_id).where(t.c.status == "normal", t.c.sale_line_id.like("FY20261124%"))
                           .order_by(t.c.sale_line_id).limit(1)).scalar_one()
        conn.execute(update(t).where(t.c.sale_line_id == key).values(remark="更正：数量录入错误"))
    run(FEED, his, ledger, sender, run_id="after-fix", actor=ACTOR)
    rid = ledger.lookup(FEED, [key])[key].id
    page = TestClient(create_ledger_app(lambda: ledger)).get(f"/ledger/records/{rid}").text
    assert [k for k, _ in steps(page)] == ["upload", "correction", "upload"]
    assert re.findall(r"撤回（(\w+)）", page) == ["3507"]
    rows = re.findall(r"<pre class=row>(.*?)</pre>", page, re.S)
    assert rows and "更正" in rows[-1]  # the re-upload carried the corrected line
