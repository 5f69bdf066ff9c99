"""The five record uploads: field checks, GUID idempotency, 不互认 reasons, revoke, and what the admin shows."""

from __future__ import annotations

import pytest

from simulators.mutual.samples import RECORDS, SAMPLE_REPORT_ID, record
from tests.simulators.mutual._support import Client

ARRAY_OPS = ["uploadReminderRecords", "uploadRecognitionRecord", "uploadRetrievalRecord"]
KIND = {"uploadReminderRecords": "reminder", "uploadRecognitionRecord": "recognition",
        "uploadRetrievalRecord": "retrieval", "uploadQuoteLog": "quote"}  # fmt: skip
GUID = {"uploadReminderRecords": "remindId", "uploadRecognitionRecord": "mrId", "uploadRetrievalRecord": "reviewId",
        "uploadQuoteLog": "quoteId"}  # fmt: skip


def _body(op: str, **overrides: object) -> object:
    element = record(op, **overrides)
    return [element] if op in ARRAY_OPS else element


def _refused(answer: dict, *words: str) -> None:
    assert answer["code"] == "A0400", answer
    for w in words:
        assert w in answer["msg"], answer


@pytest.mark.parametrize("op", list(KIND))
def test_each_record_is_accepted_and_kept(client: Client, seeded_report: str, op: str) -> None:
    answer = client.call(op, _body(op))
    assert (answer["code"], answer["msg"], answer["data"]) == ("00000", "成功", None)
    (kept,) = client.admin("records", kind=KIND[op])
    assert kept["key"] == record(op)[GUID[op]] and kept["data"] == record(op)
    assert kept["received_at"] == "2025-06-15 10:00:00" and kept["report_known"] is True
    assert kept["status"] == ("live" if op == "uploadRecognitionRecord" else "received")


@pytest.mark.parametrize("op", list(KIND))
def test_a_repeated_guid_is_accepted_but_kept_once(client: Client, op: str) -> None:
    assert client.call(op, _body(op))["code"] == "00000"
    again = client.call(op, _body(op, operateTime="2025-06-14 09:00:00"))
    assert again["code"] == "00000" and "此前已接收" in again["msg"]
    (kept,) = client.admin("records", kind=KIND[op])
    assert kept["duplicates"] == 1 and kept["data"]["operateTime"] == record(op)["operateTime"]  # the first stays
    assert client.admin("state")["records"][KIND[op]] == {"count": 1, "duplicates": 1} | (
        {"live": 1, "revoked": 0} if KIND[op] == "recognition" else {})


def test_an_array_keeps_every_element(client: Client) -> None:
    body = [record("uploadReminderRecords", remindId=f"{i:032x}", reportId=f"R{i}") for i in range(3)]
    assert client.call("uploadReminderRecords", body)["code"] == "00000"
    assert [r["data"]["reportId"] for r in client.admin("records", kind="reminder")] == ["R0", "R1", "R2"]
    assert all(r["report_known"] is False for r in client.admin("records", kind="reminder"))


@pytest.mark.parametrize(("op", "overrides", "words"), [
    ("uploadReminderRecords", {"remindId": None}, "必填字段[remindId]"),
    ("uploadReminderRecords", {"remindId": "not-a-guid"}, "不是GUID"),
    ("uploadReminderRecords", {"searchType": 3}, "[searchType]"),
    ("uploadReminderRecords", {"searchType": True}, "[searchType]"),
    ("uploadReminderRecords", {"operateType": "2"}, "[operateType]"),
    ("uploadReminderRecords", {"itemType": "lis"}, "[itemType]"),
    ("uploadReminderRecords", {"reportTime": "2025-06-01"}, "[reportTime]"),
    ("uploadReminderRecords", {"doctorId": "D001"}, "未知字段[doctorId]"),  # this one spells DoctorId
    ("uploadRecognitionRecord", {"recognise": "1"}, "[recognise]"),
    ("uploadRecognitionRecord", {"reasonCode": "09"}, "[reasonCode]"),
    ("uploadRecognitionRecord", {"reasonCode": None}, "必填字段[reasonCode]"),
    ("uploadRecognitionRecord", {"crossFlag": "2"}, "[crossFlag]"),
    ("uploadRecognitionRecord", {"idCardTypeCode": "1"}, "[idCardTypeCode]"),
    ("uploadRecognitionRecord", {"reportName": "检" * 101}, "[reportName]"),
    ("uploadRetrievalRecord", {"ReportId": None, "reportId": SAMPLE_REPORT_ID}, "大小写不符，应为[ReportId]"),
    ("uploadRetrievalRecord", {"viewTime": "2025-06-14T08:22:00"}, "[viewTime]"),
    ("uploadRetrievalRecord", {"SearchType": "3"}, "[SearchType]"),
    ("uploadQuoteLog", {"clientType": "3"}, "[clientType]"),
    ("uploadQuoteLog", {"microbiaMark": "2"}, "[microbiaMark]"),
    ("uploadQuoteLog", {"DoctorId": "D001", "doctorId": None}, "未知字段[DoctorId]"),
    ("revokeNonRecognition", {"GHId": None}, "必填字段[GHId]"),
    ("revokeNonRecognition", {"clientType": "0"}, "[clientType]"),
])  # fmt: skip
def test_bad_record_is_refused_naming_the_field(client: Client, op: str, overrides: dict, words: str) -> None:
    answer = client.call(op, _body(op, **overrides))
    _refused(answer, words)
    assert answer["data"] and all(p["field"] for p in answer["data"])
    assert client.admin("records", kind=KIND.get(op, "revoke")) == []


def test_search_type_may_be_a_number_or_a_digit_string(client: Client) -> None:
    body = [record("uploadReminderRecords", remindId=f"{1:032x}", searchType=2, OrderId="O1"),
            record("uploadReminderRecords", remindId=f"{2:032x}", searchType="1")]
    assert client.call("uploadReminderRecords", body)["code"] == "00000"


def test_one_bad_element_refuses_the_whole_array(client: Client) -> None:
    body = [record("uploadRecognitionRecord", mrId=f"{i:032x}") for i in range(3)]
    body[1]["reasonCode"] = "00"
    answer = client.call("uploadRecognitionRecord", body)
    _refused(answer, "第2条", "[reasonCode]")
    assert answer["data"] == [{"index": 1, "field": "reasonCode", "msg": answer["data"][0]["msg"]}]
    assert client.admin("records", kind="recognition") == []


@pytest.mark.parametrize(("op", "body"), [
    ("uploadReminderRecords", {}), ("uploadReminderRecords", []), ("uploadQuoteLog", [RECORDS["uploadQuoteLog"]]),
    ("revokeNonRecognition", "x"),
])  # fmt: skip
def test_wrong_body_shape_is_refused(client: Client, op: str, body: object) -> None:
    _refused(client.call(op, body), "请求体应为")


def test_reason_99_needs_a_disease_name(client: Client) -> None:
    answer = client.call("uploadRecognitionRecord", _body("uploadRecognitionRecord", reasonCode="99",
                                                          reasonName="连续性监测需要"))  # fmt: skip
    _refused(answer, "reasonCode为99", "[diagName]")
    ok = client.call("uploadRecognitionRecord", _body("uploadRecognitionRecord", reasonCode="99",
                                                      reasonName="连续性监测需要", diagName="2型糖尿病"))  # fmt: skip
    assert ok["code"] == "00000"
    assert client.admin("records", kind="recognition")[0]["data"]["diagName"] == "2型糖尿病"


@pytest.mark.parametrize("reason", ["01", "02", "03", "04", "05", "06", "07", "08", "98"])
def test_every_other_reason_needs_no_disease_name(client: Client, reason: str) -> None:
    assert client.call("uploadRecognitionRecord", _body("uploadRecognitionRecord", reasonCode=reason))["code"] == "00000"


def test_guid_in_either_form(client: Client) -> None:
    for guid in ("7C9E6679742540DE944BE07FC1F90AE7", "7c9e6679-7425-40de-944b-e07fc1f90ae8"):
        assert client.call("uploadRecognitionRecord", _body("uploadRecognitionRecord", mrId=guid))["code"] == "00000"


# ------------------------------------------------------------------------------------------------ revoke


def test_revoke_without_a_live_non_recognition_is_a0404(client: Client) -> None:
    answer = client.call("revokeNonRecognition", record("revokeNonRecognition"))
    assert (answer["code"], answer["data"]) == ("A0404", None) and "没有未撤销的不互认记录" in answer["msg"]
    assert client.admin("records", kind="revoke") == []


def test_revoke_revokes_the_live_non_recognition_of_the_visit_and_report(client: Client, seeded_report: str) -> None:
    client.call("uploadRecognitionRecord", _body("uploadRecognitionRecord"))
    client.call("uploadRecognitionRecord", _body("uploadRecognitionRecord", mrId=f"{9:032x}", GHId="GH-OTHER"))
    answer = client.call("revokeNonRecognition", record("revokeNonRecognition"))
    assert answer["code"] == "00000" and "1条" in answer["msg"]
    states = {r["data"]["GHId"]: r for r in client.admin("records", kind="recognition")}
    assert states["GH20250614001"]["status"] == "revoked" and states["GH20250614001"]["revoked_at"] == "2025-06-15 10:00:00"
    assert states["GH-OTHER"]["status"] == "live"
    (revoke,) = client.admin("records", kind="revoke")
    assert revoke["key"] == "revoke-1" and revoke["data"] == record("revokeNonRecognition")
    # nothing live any more for that visit and report
    assert client.call("revokeNonRecognition", record("revokeNonRecognition"))["code"] == "A0404"
    assert client.admin("state")["records"]["recognition"] == {"count": 2, "duplicates": 0, "live": 1, "revoked": 1}


def test_a_new_non_recognition_after_a_revoke_can_be_revoked_again(client: Client) -> None:
    client.call("uploadRecognitionRecord", _body("uploadRecognitionRecord"))
    client.call("revokeNonRecognition", record("revokeNonRecognition"))
    client.call("uploadRecognitionRecord", _body("uploadRecognitionRecord", mrId=f"{7:032x}", reasonCode="07",
                                                 reasonName="医师认为有必要复查"))  # fmt: skip
    assert client.call("revokeNonRecognition", record("revokeNonRecognition"))["code"] == "00000"
    assert len(client.admin("records", kind="revoke")) == 2


def test_records_can_be_filtered_by_visit_and_report(client: Client) -> None:
    client.call("uploadRetrievalRecord", _body("uploadRetrievalRecord"))
    client.call("uploadRetrievalRecord", _body("uploadRetrievalRecord", reviewId=f"{5:032x}", GHId="GH2"))
    assert [r["data"]["GHId"] for r in client.admin("records", kind="retrieval", GHId="GH2")] == ["GH2"]
    assert len(client.admin("records", ReportId=SAMPLE_REPORT_ID)) == 2
    assert len(client.admin("records")) == 2  # every kind
    r = client.session.get(client.base_url + "/admin/records", params={"kind": "decision"}, timeout=5)
    assert r.status_code == 400 and r.json()["code"] == "A0400"
