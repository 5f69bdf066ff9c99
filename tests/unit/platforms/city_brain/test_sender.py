"""The pushes' sender: each feed declaration checked against its body, every client outcome as a ledger result
(per record), a history page named by its records (batchNo) and a re-send signed afresh (a new nonce)."""

from __future__ import annotations

import json

import pytest
import requests

from hisbridge.pipeline.spec import FeedSpec, load_feed_spec
from hisbridge.platforms.city_brain.outbound import (
    BillRecord,
    NotifyEvent,
    PrescriptionRecord,
    ReportRecord,
    VisitRecord,
)
from hisbridge.platforms.city_brain.sender import NO_WITHDRAWAL, CityBrainSender, batch_no, check_feed

from .sender_fakes import BILL, EVENT, accepted, answer, canned_client, connect_refused, notified, respond

NOTIFY = load_feed_spec("city_brain_push_checked_in")
HISTORY = load_feed_spec("city_brain_history_bill")
BILLS = [{**BILL, "recordId": f"SF{i}", "billNo": f"SF{i}"} for i in range(3)]


def sender(*answers) -> tuple[CityBrainSender, object]:
    client, adapter = canned_client(*answers)
    return CityBrainSender(client), adapter


# -- outcomes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("reply", "outcome", "state", "words"), [
    (notified(), "acknowledged", "acknowledged", None),
    (notified(duplicate=True), "acknowledged", "acknowledged", None),
    (answer("2001", "参数错误: 字段[deptName](科室名称)为空"), "rejected", "rejected", "参数错误: 字段[deptName](科室名称)为空"),
    (answer("1007", "请求过于频繁", status=429), "busy", "pending", "1007"),
    (answer("5003", "暂不可用", status=503), "busy", "pending", "5003"),
    (answer("5000", "系统内部错误", status=500), "unknown", "unknown", "5000"),
    (respond(text="<html/>", status=502), "unknown", "unknown", "HTTP 502"),
    (requests.ReadTimeout("read"), "unknown", "unknown", "ReadTimeout"),
    (connect_refused(), "not_sent", "pending", "not sent"),
    (answer("1002", "签名错误"), "refused_by_gateway", "pending", "1002"),
    (answer("1006", "来源IP不在白名单"), "refused_by_gateway", "pending", "1006"),
])
def test_a_notify_outcome_becomes_its_records_state(reply, outcome, state, words) -> None:
    s, _ = sender(reply)
    result = s.upload(NOTIFY, [EVENT], "single", "cb-1")
    assert (result.outcome, result.row_states) == (outcome, [state])
    if words is None:
        assert result.row_errors == [None]
    else:
        assert words in (result.row_errors[0] or "")


def test_a_duplicate_is_acknowledged_and_noted_with_the_evidence() -> None:
    s, adapter = sender(notified(duplicate=True))
    result = s.upload(NOTIFY, [EVENT], "single", "cb-1")
    assert result.err_msg == "重复事件：城市大脑已有此 eventId（重发）"
    assert result.platform_code == "0" and result.platform_ref == "req-1" and result.http_status == 200
    assert json.loads(result.request)["bizContent"]["eventId"] == EVENT["eventId"]
    assert result.request_headers["nonce"] == adapter.sent[0].body["nonce"]


def test_a_re_send_after_an_unknown_outcome_is_signed_with_a_new_nonce() -> None:
    s, adapter = sender(answer("5000", "系统内部错误", status=500), notified(duplicate=True))
    assert s.upload(NOTIFY, [EVENT], "single", "cb-1").outcome == "unknown"
    assert s.upload(NOTIFY, [EVENT], "single", "cb-2").outcome == "acknowledged"
    first, second = (sent.body for sent in adapter.sent)
    assert first["bizContent"] == second["bizContent"]
    assert first["nonce"] != second["nonce"] and first["sign"] != second["sign"]


def test_history_records_refused_by_the_city_brain_are_rejected_with_its_words() -> None:
    words = "records[1](收费结算): 金额不平: insuranceAmount[0.00] + selfAmount[12.00] ≠ totalAmount[12.50]"
    s, adapter = sender(accepted(2, {"recordId": "SF1", "code": "2001", "message": words}))
    result = s.upload(HISTORY, BILLS, "batch", "cb-1")
    assert result.outcome == "partial" and result.err_msg == "1 of 3 records refused"
    assert result.row_states == ["acknowledged", "rejected", "acknowledged"]
    assert result.row_errors == [None, f"2001 {words}", None]
    assert adapter.sent[0].biz["batchNo"] == batch_no("bill", ["SF0", "SF1", "SF2"])


@pytest.mark.parametrize(("reply", "outcome", "states"), [
    (accepted(3), "acknowledged", ["acknowledged"] * 3),
    (accepted(0, *({"recordId": f"SF{i}", "code": "2001", "message": "x"} for i in range(3))), "rejected",
     ["rejected"] * 3),
    (answer("2001", "参数错误: 字段[batchNo](批次号)为空"), "rejected", ["rejected"] * 3),
    (answer("5000", "系统内部错误", status=500), "unknown", ["unknown"] * 3),
    (answer("1007", "请求过于频繁", status=429), "busy", ["pending"] * 3),
])
def test_a_history_outcome_becomes_its_records_states(reply, outcome, states) -> None:
    s, _ = sender(reply)
    result = s.upload(HISTORY, BILLS, "batch", "cb-1")
    assert (result.outcome, result.row_states) == (outcome, states)


def test_a_page_is_named_by_its_records() -> None:
    ids = [f"SF2026112400{i:04d}" for i in range(200)]
    name = batch_no("bill", ids)
    assert name == batch_no("bill", list(ids))  # the same page sent again: the same batchNo
    assert name != batch_no("bill", ids[1:]) != batch_no("bill", list(reversed(ids)))
    assert name.startswith("bill-SF2026112400") and name.split("-")[2] == "200" and len(name) <= 64
    assert len(batch_no("prescription", ["R" * 64])) <= 64


def test_nothing_is_ever_withdrawn() -> None:
    s, adapter = sender()
    result = s.correct(HISTORY, "SF1", "cb-1")
    assert (result.outcome, result.err_msg) == ("rejected", NO_WITHDRAWAL)
    assert adapter.sent == [] and s.correction_operation(HISTORY) == "none"


# -- what the pipeline asks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("feed", "model", "operation"), [
    ("city_brain_push_registered", NotifyEvent, "notify REGISTERED"),
    ("city_brain_push_refunded", NotifyEvent, "notify REFUNDED"),
    ("city_brain_history_visit", VisitRecord, "history visit"),
    ("city_brain_history_bill", BillRecord, "history bill"),
    ("city_brain_history_prescription", PrescriptionRecord, "history prescription"),
    ("city_brain_history_report", ReportRecord, "history report"),
])
def test_each_feed_gets_its_body_and_operation(feed, model, operation) -> None:
    s, _ = sender()
    spec = load_feed_spec(feed)
    assert s.model_for(spec) is model
    assert s.operation(spec, "batch") == operation
    assert s.personal_fields(spec) == ()
    key = "eventId" if model is NotifyEvent else "recordId"
    assert s.row_identity(spec, {key: "K1"}) == "K1" and s.row_identity(spec, {key: ""}) is None
    assert s.new_msgid().startswith("cb-")


def _declared(feed: str, tmp_path, **changes) -> FeedSpec:
    data = load_feed_spec(feed).model_dump()
    data.update(changes)
    data["sql"] = str(load_feed_spec(feed).sql_path)
    return FeedSpec.model_validate(data)


@pytest.mark.parametrize(("feed", "changes", "message"), [
    ("city_brain_push_checked_in", {"parents": []}, "wait for their visit's REGISTERED"),
    ("city_brain_push_registered",
     {"parents": [{"column": "visitId", "feed": "city_brain_push_checked_in"}]}, "it has none itself"),
    ("city_brain_push_checked_in", {"business_key": ["visit_id"]}, "business key must be the one SQL column"),
    ("city_brain_history_bill", {"parents": [{"column": "visitId", "feed": "city_brain_history_visit"}]},
     "history records have no parents"),
    ("city_brain_history_bill", {"voided_column": "voided"}, "the city brain withdraws nothing"),
])
def test_a_declaration_that_does_not_fit_fails_before_anything_is_sent(tmp_path, feed, changes, message) -> None:
    spec = _declared(feed, tmp_path, **changes)
    with pytest.raises(ValueError, match=message):
        check_feed(spec)


def test_the_event_type_constant_must_be_the_feeds_and_every_field_known(tmp_path) -> None:
    base = load_feed_spec("city_brain_push_checked_in").model_dump()
    fields = {**base["fields"], "eventType": {"const": "CHARGED"}, "patientName": {"column": "name"}}
    spec = _declared("city_brain_push_checked_in", tmp_path, fields=fields)
    with pytest.raises(ValueError) as raised:
        check_feed(spec)
    assert "eventType must be the constant CHECKED_IN" in str(raised.value)
    assert "fields ['patientName'] are not fields of NotifyEvent" in str(raised.value)
    missing = {k: v for k, v in base["fields"].items() if k != "summary"}
    with pytest.raises(ValueError, match=r"required fields \['summary'\] are not mapped"):
        check_feed(_declared("city_brain_push_checked_in", tmp_path, fields=missing))
