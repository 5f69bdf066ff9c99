"""The ledger pages of the Airflow plugin (a FastAPI app): counts, failures, one record's evidence, masked."""

from __future__ import annotations

import json
import re
from datetime import datetime

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


@pytest.fixture
def ledger(sqlite_url) -> Ledger:
    ledger = Ledger(make_engine(sqlite_url))
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


@pytest.fixture
def editor_client(ledger) -> TestClient:
    return TestClient(create_ledger_app(lambda: ledger, current_user=lambda: "药剂科-王工"),
                      follow_redirects=False)


def test_read_only_pages_offer_no_requeue(client, ledger) -> None:
    rid = ids(ledger)["S-rej"]
    assert "重新排队</button>" not in client.get(f"/ledger/records/{rid}").text
    assert client.post(f"/ledger/records/{rid}/requeue", data={"reason": "x1"}).status_code in (404, 405)


def test_one_click_requeue_of_a_refused_record_records_who_and_why(editor_client, ledger) -> None:
    rid = ids(ledger)["S-rej"]
    assert "重新排队</button>" in editor_client.get(f"/ledger/records/{rid}").text
    resp = editor_client.post(f"/ledger/records/{rid}/requeue", data={"reason": "HIS 已更正批号"})
    assert resp.status_code == 303 and resp.headers["location"].endswith(f"/ledger/records/{rid}")
    assert ledger.lookup(SALE, ["S-rej"])["S-rej"].state == s.PENDING
    page = editor_client.get(f"/ledger/records/{rid}").text
    assert "药剂科-王工" in page and "HIS 已更正批号" in page


def test_requeue_refuses_unknown_and_acknowledged_records(editor_client, ledger) -> None:
    for key in ("S-unk", "S-ack"):
        rid = ids(ledger)[key]
        assert "重新排队</button>" not in editor_client.get(f"/ledger/records/{rid}").text
        assert editor_client.post(f"/ledger/records/{rid}/requeue", data={"reason": "try"}).status_code == 409
    assert ledger.lookup(SALE, ["S-unk"])["S-unk"].state == s.UNKNOWN


def test_requeue_needs_a_reason(editor_client, ledger) -> None:
    rid = ids(ledger)["S-rej"]
    assert editor_client.post(f"/ledger/records/{rid}/requeue", data={}).status_code == 422
    assert ledger.lookup(SALE, ["S-rej"])["S-rej"].state == s.REJECTED
