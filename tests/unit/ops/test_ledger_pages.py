"""The ledger pages of the Airflow plugin (a FastAPI app): counts, failures, one record's evidence (masked, in
Asia/Shanghai time, as this record's row of a batch), and the re-queue form (editors only, signed form token,
same origin, then how to clear the past window)."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger, LedgerItem, MessageResult, RunContext, dumps
from hisbridge.ops.ledger_pages import STATE_NAMES, create_ledger_app

SALE, PURCHASE = "hsa_trace_sale", "hsa_trace_purchase"
RUN = RunContext(run_id="scheduled__2026-11-24T00:00:00+00:00", window_start=datetime(2026, 11, 24, 8),
                 window_end=datetime(2026, 11, 24, 9), actor="airflow:hsa_trace_sale.deliver#1")
MSGID = "H36010000001202611240805010001"
NAME, CERTNO = "张三", "36010219800101001X"
REQUEST = {"infno": "3505A", "msgid": MSGID,
           "input": {"selinfoDetail": [{"mdtrt_sn": "S-ack", "psn_name": NAME, "certno": CERTNO, "mdtrt_setl_type": "1"},
                                       {"mdtrt_sn": "S-rej", "psn_name": NAME, "certno": CERTNO}]}}
RESPONSE = json.dumps({"infcode": 0, "inf_refmsgid": "360000202611240805010000000001",
                       "output": {"retRslt": [{"psn_name": NAME, "certno": CERTNO, "retRslt": "1"}]}},
                      ensure_ascii=False)
REFUSAL = "追溯码已被其他机构销售"


def _item(key: str, reason: str | None = None) -> LedgerItem:
    return LedgerItem(key, f"hash-{key}".ljust(64, "0"), dumps({"key": key}), reason=reason)


#: the fixture's first ledger write happens at 00:05:01 UTC, 08:05:01 in Shanghai; each later one a second on
WRITTEN = datetime(2026, 11, 24, 0, 5, 1, tzinfo=UTC)
ORIGIN = "http://testserver"


@pytest.fixture
def ledger(sqlite_url) -> Ledger:
    ticks = itertools.count()
    ledger = Ledger(make_engine(sqlite_url), clock=lambda: WRITTEN + timedelta(seconds=next(ticks)))
    ledger.ensure_schema()
    ticket = ledger.begin_message(feed=SALE, platform="hsa", operation="3505A", purpose="upload", msgid=MSGID,
                                  items=[_item("S-ack"), _item("S-rej")], run=RUN)
    ledger.finish_message(ticket, MessageResult(outcome="partial", row_states=[s.ACKNOWLEDGED, s.REJECTED],
                                                row_errors=[None, REFUSAL], platform_code="0", http_status=200,
                                                request=json.dumps(REQUEST, ensure_ascii=False),
                                                response=RESPONSE, duration_ms=42), RUN)
    ticket = ledger.begin_message(feed=SALE, platform="hsa", operation="3505A", purpose="upload",
                                  msgid="H36010000001202611240806010002", items=[_item("S-unk")], run=RUN)
    ledger.finish_message(ticket, MessageResult(outcome="unknown", row_states=[s.UNKNOWN],
                                                row_errors=["read timeout after 30 s"]), RUN)
    ledger.settle(SALE, "hsa", [_item("S-quar", f"身份证号{CERTNO}校验位错误")], s.QUARANTINED, RUN)
    ledger.settle(PURCHASE, "hsa", [_item("P-ack")], s.ACKNOWLEDGED, RUN)
    ledger.settle(PURCHASE, "hsa", [_item("P-quar", "批号为空")], s.QUARANTINED, RUN)
    return ledger


@pytest.fixture
def client(ledger) -> TestClient:
    return TestClient(create_ledger_app(lambda: ledger))


def ids(ledger: Ledger) -> dict[str, int]:
    return {r.business_key: r.id for r in ledger.records(limit=100)}


def summary_row(page: str, feed: str) -> dict[str, int]:
    row = re.search(rf"<tr><td>{feed}</td>(.*?)</tr>", page)
    assert row, f"no row for {feed}"
    return {st: int(n) for st, n in re.findall(r"<td class=(\w+)><a [^>]*>(\d+)</a></td>", row.group(1))}


def listed_keys(page: str) -> list[str]:
    return re.findall(r"<tr><td><a href='records/\d+'>\d+</a></td><td>[^<]*</td><td>([^<]*)</td>", page)


def test_the_app_does_not_touch_the_ledger_until_a_page_is_asked_for(ledger) -> None:
    calls = []
    app = create_ledger_app(lambda: calls.append(1) or ledger)
    assert calls == []
    assert TestClient(app).get("/ledger/api/summary").status_code == 200 and calls == [1]


def test_summary_lists_every_feed_with_its_counts_under_chinese_state_names(client) -> None:
    resp = client.get("/ledger/")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    for name in ("已确认", "平台拒收", "已隔离", "结果未知", "待发送"):
        assert f"<th>{name}</th>" in page
    zero = dict.fromkeys(s.STATES, 0)
    assert summary_row(page, SALE) == zero | {"acknowledged": 1, "rejected": 1, "quarantined": 1, "unknown": 1}
    assert summary_row(page, PURCHASE) == zero | {"acknowledged": 1, "quarantined": 1}
    assert f"href='failures?feed={SALE}&state=rejected'" in page


def test_failures_lists_the_records_waiting_for_ops_and_not_the_acknowledged(client, ledger) -> None:
    page = client.get("/ledger/failures").text
    assert sorted(listed_keys(page)) == ["P-quar", "S-quar", "S-rej", "S-unk"]
    assert REFUSAL in page and "批号为空" in page and "read timeout after 30 s" in page
    assert f"<a href='records/{ids(ledger)['S-rej']}'>" in page
    for state in (s.REJECTED, s.QUARANTINED, s.UNKNOWN):
        assert f"<td class={state}>{STATE_NAMES[state]}</td>" in page
    assert CERTNO not in page and "360*************1X" in page


def test_failures_filtered_by_feed_and_state(client) -> None:
    assert listed_keys(client.get("/ledger/failures", params={"feed": PURCHASE}).text) == ["P-quar"]
    page = client.get("/ledger/failures", params={"feed": SALE, "state": ["unknown", "rejected"]}).text
    assert sorted(listed_keys(page)) == ["S-rej", "S-unk"]
    assert listed_keys(client.get("/ledger/failures", params={"state": "acknowledged"}).text) == ["P-ack", "S-ack"]


def test_record_page_shows_request_and_answer_with_patient_identifiers_masked(client, ledger) -> None:
    resp = client.get(f"/ledger/records/{ids(ledger)['S-rej']}")
    assert resp.status_code == 200
    page = resp.text
    assert NAME not in page and CERTNO not in page
    assert "&quot;psn_name&quot;: &quot;***" in page and "&quot;certno&quot;: &quot;***" in page
    assert MSGID in page and "3505A" in page and "HTTP 200" in page and "42 ms" in page
    assert "mdtrt_sn&quot;: &quot;S-rej" in page  # the rest of the request is shown as sent
    assert "360000202611240805010000000001" in page  # and the answer
    assert STATE_NAMES["rejected"] in page and REFUSAL in page
    assert "airflow:hsa_trace_sale.deliver#1" in page  # the audit trail names who acted


def test_unknown_record_is_404(client) -> None:
    assert client.get("/ledger/records/999999").status_code == 404


def test_unknown_state_is_400(client) -> None:
    assert client.get("/ledger/failures", params={"state": "bogus"}).status_code == 400


def test_api_summary_is_the_ledgers_counts(client, ledger) -> None:
    resp = client.get("/ledger/api/summary")
    assert resp.status_code == 200
    assert resp.json() == ledger.counts() == {
        SALE: {"acknowledged": 1, "rejected": 1, "quarantined": 1, "unknown": 1},
        PURCHASE: {"acknowledged": 1, "quarantined": 1},
    }


def test_times_are_shanghai_and_labelled_and_the_window_is_not_shifted(client, ledger) -> None:
    page = client.get(f"/ledger/records/{ids(ledger)['S-rej']}").text
    # sent at 00:05:01 UTC: shown as 08:05:01, inside its own window 08:00–09:00 (both Beijing time)
    assert "2026-11-24 08:05:01" in page and "00:05:01" not in page
    assert "数据窗口 <span id=window>2026-11-24 08:00 – 09:00（北京时间）</span>" in page
    assert "页面上的时间均为北京时间" in page


def test_a_batch_message_shows_this_records_row_and_keeps_the_whole_message_behind_a_toggle(client, ledger) -> None:
    page = client.get(f"/ledger/records/{ids(ledger)['S-rej']}").text
    [row] = re.findall(r"<pre class=row>(.*?)</pre>", page, re.S)
    assert "S-rej" in row and "S-ack" not in row and "mdtrt_setl_type" not in row  # its own element, not S-ack's
    assert "本报文共 2 条记录，本记录为第 2 条" in page
    full = re.search(r"<details class=full><summary>显示完整报文</summary>(.*?)</details>", page, re.S)
    assert full and "S-ack" in full.group(1)  # the whole batch, one click away (masked as well)
    assert CERTNO not in full.group(1)


def test_refusals_are_chinese_pages_and_the_api_stays_json(client) -> None:
    missing = client.get("/ledger/records/999999")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "没有这条台账记录" in missing.text
    bad = client.get("/ledger/failures", params={"state": "bogus"})
    assert bad.status_code == 400 and "未知的状态" in bad.text
    assert client.get("/ledger/api/nothing").headers["content-type"].startswith("application/json")


# -- re-queueing -------------------------------------------------------------------------------------------------
EDITOR = "药剂科-王工"


def editor_app(ledger: Ledger, user=lambda: EDITOR):
    return create_ledger_app(lambda: ledger, current_user=user, form_secret="test-secret")


@pytest.fixture
def editor_client(ledger) -> TestClient:
    return TestClient(editor_app(ledger), follow_redirects=False, headers={"Origin": ORIGIN})


def form_token(page: str) -> str:
    found = re.search(r"name=form_token value='([^']+)'", page)
    assert found, "the page has no re-queue form"
    return found.group(1)


def requeue(client: TestClient, rid: int, reason: str = "HIS 已更正批号", **headers: str):
    token = form_token(client.get(f"/ledger/records/{rid}").text)
    return client.post(f"/ledger/records/{rid}/requeue", data={"reason": reason, "form_token": token},
                       headers=headers)


def test_read_only_pages_offer_no_requeue(client, ledger) -> None:
    rid = ids(ledger)["S-rej"]
    assert "重新排队</button>" not in client.get(f"/ledger/records/{rid}").text
    assert client.post(f"/ledger/records/{rid}/requeue", data={"reason": "x1"}).status_code in (404, 405)


def test_one_click_requeue_of_a_refused_record_records_who_and_why_and_says_how_to_clear_the_window(
        editor_client, ledger) -> None:
    rid = ids(ledger)["S-rej"]
    assert "重新排队</button>" in editor_client.get(f"/ledger/records/{rid}").text
    resp = requeue(editor_client, rid)
    assert resp.status_code == 303 and resp.headers["location"] == f"/ledger/records/{rid}?requeued=1"
    assert ledger.lookup(SALE, ["S-rej"])["S-rej"].state == s.PENDING
    page = editor_client.get(resp.headers["location"]).text
    assert EDITOR in page and "HIS 已更正批号" in page
    notice = re.search(r"<div class='notice ok' id=clear-notice>(.*?)</div>", page, re.S).group(1)
    assert "已重新排队" in notice and "2026-11-24 08:00 – 09:00（北京时间）" in notice
    # the task that handled it (from the ledger's actor airflow:hsa_trace_sale.deliver#1) and its window's run
    assert ("href='/dags/hsa_trace_sale/runs/scheduled__2026-11-24T00%3A00%3A00%2B00%3A00/tasks/deliver'"
            in notice)
    assert ("airflow tasks clear hsa_trace_sale -t &#x27;^deliver$&#x27; -s 2026-11-24T08:00:00+08:00 "
            "-e 2026-11-24T08:00:00+08:00 -y") in notice
    # the history says who re-queued it and why, after the upload that was refused
    kinds = re.findall(r"data-kind=(\w+)", page)
    assert kinds.index("requeue") > kinds.index("upload")


def test_a_requeue_under_a_mount_redirects_under_the_mount(ledger) -> None:
    from fastapi import FastAPI

    outer = FastAPI()
    outer.mount("/hisbridge", editor_app(ledger))
    client = TestClient(outer, follow_redirects=False, headers={"Origin": ORIGIN})
    rid = ids(ledger)["S-rej"]
    token = form_token(client.get(f"/hisbridge/ledger/records/{rid}").text)
    resp = client.post(f"/hisbridge/ledger/records/{rid}/requeue", data={"reason": "HIS 已更正", "form_token": token})
    assert resp.status_code == 303 and resp.headers["location"] == f"/hisbridge/ledger/records/{rid}?requeued=1"


def test_requeue_refuses_unknown_and_acknowledged_records(editor_client, ledger) -> None:
    token = form_token(editor_client.get(f"/ledger/records/{ids(ledger)['S-rej']}").text)
    for key in ("S-unk", "S-ack"):
        rid = ids(ledger)[key]
        assert "重新排队</button>" not in editor_client.get(f"/ledger/records/{rid}").text
        resp = editor_client.post(f"/ledger/records/{rid}/requeue", data={"reason": "try", "form_token": token})
        assert resp.status_code == 409 and "只有“平台拒收”或“已隔离”的记录可以重新排队" in resp.text
    assert ledger.lookup(SALE, ["S-unk"])["S-unk"].state == s.UNKNOWN


def test_requeue_needs_a_reason(editor_client, ledger) -> None:
    rid = ids(ledger)["S-rej"]
    token = form_token(editor_client.get(f"/ledger/records/{rid}").text)
    resp = editor_client.post(f"/ledger/records/{rid}/requeue", data={"form_token": token})
    assert resp.status_code == 422 and "请填写原因" in resp.text
    assert ledger.lookup(SALE, ["S-rej"])["S-rej"].state == s.REJECTED


@pytest.mark.parametrize(("headers", "words"), [
    ({"Origin": "http://testserver:8080"}, "请求来自其他网站或端口（http://testserver:8080）"),  # another port
    ({"Origin": "https://testserver"}, "请求来自其他网站或端口"),  # another scheme
    ({"Origin": "http://evil.example"}, "请求来自其他网站或端口"),
    ({"Origin": "", "Referer": "http://testserver:9999/attack.html"}, "http://testserver:9999"),
    ({"Origin": ""}, "请求没有来源信息"),
])
def test_a_post_from_another_origin_is_refused_even_with_a_valid_token(ledger, headers, words) -> None:
    client = TestClient(editor_app(ledger), follow_redirects=False)
    rid = ids(ledger)["S-rej"]
    resp = requeue(client, rid, **{k: v for k, v in headers.items()})
    if headers.get("Origin") == "":
        client.headers.pop("Origin", None)
    assert resp.status_code == 403 and resp.headers["content-type"].startswith("text/html")
    assert words in resp.text and "已拒绝" in resp.text
    assert ledger.lookup(SALE, ["S-rej"])["S-rej"].state == s.REJECTED


def test_a_same_origin_post_identified_by_its_referer_is_accepted(ledger) -> None:
    client = TestClient(editor_app(ledger), follow_redirects=False)
    rid = ids(ledger)["S-rej"]
    assert requeue(client, rid, Referer=f"{ORIGIN}/ledger/records/{rid}").status_code == 303


@pytest.mark.parametrize("token", [None, "", "1700000000.deadbeef", "garbage"])
def test_a_post_without_the_forms_token_is_refused(editor_client, ledger, token) -> None:
    rid = ids(ledger)["S-rej"]
    data = {"reason": "HIS 已更正"} | ({"form_token": token} if token is not None else {})
    resp = editor_client.post(f"/ledger/records/{rid}/requeue", data=data)
    assert resp.status_code == 403 and "表单缺少有效的校验码" in resp.text
    assert ledger.lookup(SALE, ["S-rej"])["S-rej"].state == s.REJECTED


def test_a_token_made_for_another_user_is_refused(ledger) -> None:
    current = {"name": "甲"}
    client = TestClient(editor_app(ledger, user=lambda: current["name"]), follow_redirects=False,
                        headers={"Origin": ORIGIN})
    rid = ids(ledger)["S-rej"]
    token = form_token(client.get(f"/ledger/records/{rid}").text)
    current["name"] = "乙"
    resp = client.post(f"/ledger/records/{rid}/requeue", data={"reason": "HIS 已更正", "form_token": token})
    assert resp.status_code == 403 and ledger.lookup(SALE, ["S-rej"])["S-rej"].state == s.REJECTED


def _refuse_viewers():
    from fastapi import HTTPException

    raise HTTPException(403, "re-queueing needs permission to edit DAG runs")


@pytest.mark.parametrize("viewer", [lambda: None, _refuse_viewers], ids=["returns-none", "raises-403"])
def test_a_viewer_sees_no_button_and_a_post_gets_a_readable_chinese_page(ledger, viewer) -> None:
    client = TestClient(editor_app(ledger, user=viewer), follow_redirects=False, headers={"Origin": ORIGIN})
    rid = ids(ledger)["S-rej"]
    page = client.get(f"/ledger/records/{rid}")
    assert page.status_code == 200
    assert "重新排队</button>" not in page.text and "form_token" not in page.text
    assert "只读：重新排队需要“编辑 DAG 运行”的权限" in page.text
    resp = client.post(f"/ledger/records/{rid}/requeue", data={"reason": "HIS 已更正", "form_token": "1.x"})
    assert resp.status_code == 403 and resp.headers["content-type"].startswith("text/html")
    assert "没有权限" in resp.text and "编辑 DAG 运行" in resp.text and "{" not in resp.text.split("<h2>")[1]
    assert ledger.lookup(SALE, ["S-rej"])["S-rej"].state == s.REJECTED
