"""医院历史数据抓取 over HTTP: each record type, per-record failures, whole-call refusals, upsert by (dataType,
recordId), and the batch journal that proves no page arrived twice."""

from __future__ import annotations

from typing import Any

import pytest

from simulators.city_brain import samples, spec
from simulators.city_brain.caller import CityBrainCaller
from tests.simulators.city_brain._support import Admin


def _push(pusher: CityBrainCaller, data_type: str, *records: dict[str, Any], batch_no: str = "p1") -> dict[str, Any]:
    reply = pusher.call("history", samples.history(data_type, *records, batch_no=batch_no))
    assert reply.ok and reply.problems() == [], reply.message
    return reply.data


@pytest.mark.parametrize("data_type", sorted(spec.DATA_TYPES))
def test_a_sample_record_of_each_type_is_accepted(pusher: CityBrainCaller, admin: Admin, data_type: str) -> None:
    assert _push(pusher, data_type) == {"accepted": 1, "failed": []}
    (kept,) = admin.get("history", dataType=data_type)
    assert kept["data"] == samples.record(data_type) and kept["receipts"] == 1 and kept["batches"] == ["p1"]


def test_a_pacs_report_is_accepted(pusher: CityBrainCaller) -> None:
    assert _push(pusher, "report", samples.PACS_REPORT)["accepted"] == 1


@pytest.mark.parametrize(("data_type", "overrides", "words"), [
    ("visit", {"visitType": "3"}, "[visitType]"),
    ("visit", {"visitTime": "2025/06/15 08:05:00"}, "[visitTime]"),
    ("visit", {"dischargeTime": "2025-06-16 10:00:00"}, "仅住院"),
    ("visit", {"visitType": "4", "dischargeTime": "2025-06-14 10:00:00"}, "早于visitTime"),
    ("visit", {"patientName": "测试甲"}, "患者身份信息"),
    ("visit", {"payType": "5"}, "[payType]"),
    ("bill", {"totalAmount": 356.2}, "金额请传两位小数的字符串"),
    ("bill", {"selfAmount": "142.47"}, "金额不平"),
    ("bill", {"status": "2"}, "必填字段[refundAmount]"),
    ("bill", {"status": "2", "refundAmount": "10.00", "refundedAt": "2025-06-15 12:00:00"}, "应等于totalAmount"),
    ("bill", {"status": "3", "refundAmount": "356.20", "refundedAt": "2025-06-15 12:00:00"}, "小于totalAmount"),
    ("bill", {"status": "3", "refundAmount": "1.00", "refundedAt": "2025-06-15 10:00:00"}, "早于paidAt"),
    ("bill", {"refundAmount": "1.00"}, "不应填写字段[refundAmount]"),
    ("bill", {"billNo": None}, "必填字段[billNo]"),
    ("prescription", {"items": []}, "[items]"),
    ("prescription", {"totalAmount": "58.00"}, "不等于各药品金额之和"),
    ("prescription", {"items": [{**samples.record("prescription")["items"][0], "quantity": 1}]}, "[items[0].quantity]"),
    ("prescription", {"items": [{"itemCode": "X"}]}, "必填字段[items[0].itemName]"),
    ("prescription", {"issuedAt": None}, "[issuedAt]"),
    ("report", {"reportType": "RIS"}, "[reportType]"),
    ("report", {"items": None}, "须有字段[items]"),
    ("report", {"items": [{"itemCode": "WBC", "itemName": "白细胞", "result": "1", "abnormalFlag": "X"}]},
     "[items[0].abnormalFlag]"),
    ("report", {"reportType": "PACS", "items": None}, "[conclusion]"),
])  # fmt: skip
def test_a_bad_record_fails_alone_and_names_its_field(pusher: CityBrainCaller, admin: Admin, data_type: str,
                                                      overrides: dict[str, Any], words: str) -> None:  # fmt: skip
    good = samples.record(data_type, recordId="GOOD")
    bad = samples.record(data_type, recordId="BAD", **overrides)
    data = _push(pusher, data_type, good, bad)
    assert data["accepted"] == 1
    (failure,) = data["failed"]
    assert failure["recordId"] == "BAD" and failure["code"] == "2001", failure
    assert words in failure["message"] and failure["message"].startswith("records[1]("), failure["message"]
    assert [r["recordId"] for r in admin.get("history")] == ["GOOD"]


def test_a_record_without_an_id_or_not_an_object_fails_with_a_null_record_id(pusher: CityBrainCaller) -> None:
    data = _push(pusher, "visit", samples.record("visit", recordId=None), "text")
    assert [f["recordId"] for f in data["failed"]] == [None, None] and data["accepted"] == 0
    assert "JSON对象" in data["failed"][1]["message"]


@pytest.mark.parametrize(("biz", "words"), [
    ({**samples.history("visit"), "dataType": "lab"}, "[dataType]"),
    ({**samples.history("visit"), "records": []}, "[records]"),
    ({**samples.history("visit"), "records": {"a": 1}}, "[records]"),
    ({**samples.history("visit"), "records": [samples.record("visit")] * 201}, "最多200条"),
    ({**samples.history("visit"), "batchNo": None}, "必填字段[batchNo]"),
    ({**samples.history("visit"), "pageNo": 1}, "未知字段[pageNo]"),
])  # fmt: skip
def test_a_bad_head_refuses_the_whole_call(pusher: CityBrainCaller, admin: Admin, biz: dict[str, Any],
                                           words: str) -> None:  # fmt: skip
    reply = pusher.call("history", biz)
    assert reply.code == "2001" and words in reply.message and reply.data is None, reply.message
    assert admin.get("history") == [] and admin.get("history/batches")["batches"] == []


def test_200_records_is_the_limit_and_accepted(pusher: CityBrainCaller, admin: Admin) -> None:
    records = [samples.record("visit", recordId=f"V{i:03d}", visitId=f"V{i:03d}") for i in range(200)]
    assert _push(pusher, "visit", *records)["accepted"] == 200
    assert admin.get("state")["history"]["records"] == {"visit": 200}


def test_records_are_upserted_by_data_type_and_record_id(pusher: CityBrainCaller, admin: Admin) -> None:
    _push(pusher, "bill", samples.record("bill"), batch_no="b1")
    _push(pusher, "bill", samples.record("bill", invoiceNo="F2"), batch_no="b2")
    _push(pusher, "visit", samples.record("visit", recordId="B800001"), batch_no="v1")  # same id, other type
    (bill,) = admin.get("history", dataType="bill")
    assert (bill["receipts"], bill["versions"], bill["batches"]) == (2, 2, ["b1", "b2"])
    assert bill["data"]["invoiceNo"] == "F2"
    assert len(admin.get("history")) == 2
    assert admin.get("history", batchNo="b2")[0]["recordId"] == "B800001"
    assert admin.get("history", recordId="B800001", dataType="visit")[0]["batches"] == ["v1"]


def test_the_batch_journal_shows_each_page_once_or_the_repeats(pusher: CityBrainCaller, admin: Admin) -> None:
    pages = [[samples.record("visit", recordId=f"V{p}{i}", visitId=f"V{p}{i}") for i in range(3)] for p in range(3)]
    for n, page in enumerate(pages, 1):
        _push(pusher, "visit", *page, batch_no=f"visit-20250601-20250630-p{n}")
    journal = admin.get("history/batches")
    assert [b["batchNo"] for b in journal["batches"]] == [f"visit-20250601-20250630-p{n}" for n in (1, 2, 3)]
    assert journal["batches"][1]["accepted"] == ["V10", "V11", "V12"] and journal["batches"][1]["failed"] == []
    assert journal["repeated_batches"] == {} and journal["repeated_records"] == {}
    _push(pusher, "visit", *pages[1], batch_no="visit-20250601-20250630-p2")  # a resumed run re-sent page 2
    journal = admin.get("history/batches")
    assert journal["repeated_batches"] == {"visit/visit-20250601-20250630-p2": 2}
    assert journal["repeated_records"] == {"visit/V10": 2, "visit/V11": 2, "visit/V12": 2}
    assert admin.get("history/batches", batchNo="visit-20250601-20250630-p2")["batches"][1]["seq"] == 4
    state = admin.get("state")["history"]
    assert state["repeated_batches"] == {"visit/visit-20250601-20250630-p2": 2} and state["repeated_records"] == 3


def test_a_batch_with_failures_is_journalled_with_them(pusher: CityBrainCaller, admin: Admin) -> None:
    _push(pusher, "bill", samples.record("bill"), samples.record("bill", recordId="X", status="9"), batch_no="b1")
    (batch,) = admin.get("history/batches", dataType="bill")["batches"]
    assert batch["accepted"] == ["B800001"] and batch["failed"][0]["recordId"] == "X"
    counters = admin.get("state")["counters"]
    assert (counters["records_accepted"], counters["records_failed"]) == (1, 1)
