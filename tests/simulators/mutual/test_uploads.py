"""Data uploads: strict per-row checks (each refusal names its field in Chinese), partial batches, upsert,
children and their report, and the whole-call refusals."""

from __future__ import annotations

import pytest

from simulators.mutual import spec
from simulators.mutual.samples import ROWS, row
from simulators.mutual.server import MutualSimulatorServer
from simulators.mutual.state import SimState
from tests.simulators.mutual._support import Client

UPLOAD_OPS = list(ROWS)
CHILD_OPS = ["uploadLabIndicator", "uploadMicrobeBacteria", "uploadMicrobeSuscept"]


def _needs_report(client: Client, op: str) -> None:
    if op in CHILD_OPS:
        assert client.upload("uploadLabReport", row("uploadLabReport"))["accepted"] == 1


def _refused(failure: dict, *words: str, index: int = 0, business_no: str | None = None) -> None:
    assert failure["code"] == "A0400", failure
    assert failure["index"] == index, failure
    if business_no is not None:
        assert failure["BusinessNo"] == business_no, failure
    assert set(failure) == {"index", "BusinessNo", "code", "msg"}
    for w in words:
        assert w in failure["msg"], failure


def test_every_sample_row_is_accepted_reports_first(client: Client) -> None:
    for op in UPLOAD_OPS:  # the sample order puts the lab report before its children
        assert client.upload(op, row(op)) == {"accepted": 1, "failed": []}, op
    counts = client.admin("state")["data"]["360102001"]
    assert set(counts) == set(spec.DATA_TYPES) and all(c["live"] == 1 for c in counts.values())


@pytest.mark.parametrize("op", UPLOAD_OPS)
def test_unknown_field_is_refused_by_name(client: Client, op: str) -> None:
    _needs_report(client, op)
    failure = client.failure(op, row(op, FavouriteColour="蓝"))
    _refused(failure, "未知字段[FavouriteColour]", business_no=row(op)["BusinessNo"])


def test_wrong_case_field_names_the_right_spelling(client: Client) -> None:
    failure = client.failure("uploadLabReport", row("uploadLabReport", PatientName=None, patientName="测试甲"))
    _refused(failure, "未知字段[patientName]", "大小写", "[PatientName]")


@pytest.mark.parametrize(("op", "field"), [
    ("uploadLabReport", "PatientName"), ("uploadLabReport", "DataCode"), ("uploadLabReport", "MtuRecLimitMark"),
    ("uploadLabReport", "TestReportDate"), ("uploadLabIndicator", "TestIndexResult"),
    ("uploadLabIndicator", "MtuRecMark"), ("uploadMicrobeBacteria", "TestResult"),
    ("uploadMicrobeSuscept", "DrugSusceptibilityCode"), ("uploadExamReport", "CheckResSub"),
    ("uploadAppointment", "AppointStartTime"), ("uploadRegistration", "RegStatus"),
    ("uploadRegistration", "OrgName"),
])  # fmt: skip
def test_missing_required_field_is_refused(client: Client, op: str, field: str) -> None:
    _needs_report(client, op)
    _refused(client.failure(op, row(op, **{field: None})), f"必填字段[{field}]", "为空")
    _refused(client.failure(op, row(op, **{field: "  "})), f"必填字段[{field}]")


def test_optional_field_may_be_absent_null_or_empty_text(client: Client) -> None:
    rows = [row("uploadLabReport", BusinessNo="LR-A", WardName=None),
            row("uploadLabReport", BusinessNo="LR-B") | {"WardName": None, "TestReportComment": ""}]
    assert client.upload("uploadLabReport", *rows) == {"accepted": 2, "failed": []}
    # the children's tables do not star OrgName: absent or present are both fine
    assert client.upload("uploadLabIndicator", row("uploadLabIndicator", ReportBusinessNo="LR-A"))["accepted"] == 1


@pytest.mark.parametrize(("op", "field", "limit"), [
    ("uploadLabReport", "BusinessNo", 64), ("uploadLabReport", "PatientId", 50), ("uploadLabReport", "DataName", 100),
    ("uploadLabReport", "ReportClinialDiag", 4000), ("uploadExamReport", "CheckResObj", 4000),
    ("uploadAppointment", "DeptName", 100), ("uploadMicrobeSuscept", "BacteriostaticConcentrate", 50),
])  # fmt: skip
def test_over_long_value_is_refused_counting_characters(client: Client, op: str, field: str, limit: int) -> None:
    _needs_report(client, op)
    assert client.upload(op, row(op, **{field: "检" * limit}))["accepted"] == 1  # n Chinese characters fit n
    _refused(client.failure(op, row(op, **{field: "检" * (limit + 1)})), f"[{field}]", f"最多{limit}个字符",
             f"实际{limit + 1}个")


@pytest.mark.parametrize(("op", "field", "value"), [
    ("uploadLabReport", "GenderCode", "3"), ("uploadLabReport", "IdCardTypeCode", "1"),
    ("uploadLabReport", "IdCardTypeCode", "05"), ("uploadLabReport", "DiagTypeCode", "5"),
    ("uploadLabReport", "MicrobeTestMark", "Y"), ("uploadLabReport", "MtuRecMark", "2"),
    ("uploadLabReport", "MtuRecLimitMark", "4"), ("uploadLabIndicator", "AnomalyCode", "HH"),
    ("uploadLabIndicator", "CriticalSign", "2"), ("uploadMicrobeBacteria", "TestResult", "阳性"),
    ("uploadMicrobeSuscept", "DrugSusceptibilityCode", "MS"), ("uploadExamReport", "CheckTypeCode", "ct"),
    ("uploadExamReport", "CheckResCode", "0"), ("uploadExamReport", "ImageExistMark", "是"),
    ("uploadAppointment", "AppointType", "4"), ("uploadAppointment", "AppointChannel", "6"),
    ("uploadAppointment", "AppointStatus", "5"), ("uploadRegistration", "DiagTypeCode", "3"),
    ("uploadRegistration", "RegTypeCode", "4"), ("uploadRegistration", "AppointMark", "true"),
])  # fmt: skip
def test_code_outside_its_set_is_refused(client: Client, op: str, field: str, value: str) -> None:
    _needs_report(client, op)
    _refused(client.failure(op, row(op, **{field: value})), f"[{field}]", f"代码值[{value}]", "值域")


@pytest.mark.parametrize("value", ["2025-06-14", "2025-06-14T10:00:00", "2025/06/14 10:00:00",
                                   "2025-06-14 10:00:00.123", "20250614100000", "2025-6-14 10:00:00"])
def test_time_must_be_yyyy_mm_dd_hh_mm_ss(client: Client, value: str) -> None:
    _refused(client.failure("uploadLabReport", row("uploadLabReport", TestReportDate=value)),
             "[TestReportDate]", "yyyy-MM-dd HH:mm:ss", value)


@pytest.mark.parametrize(("field", "value"), [("BirthDate", "1990-01-01 00:00:00"), ("BirthDate", "19900101"),
                                              ("BirthDate", "1990-02-30")])
def test_date_must_be_a_real_yyyy_mm_dd(client: Client, field: str, value: str) -> None:
    _refused(client.failure("uploadLabReport", row("uploadLabReport", **{field: value})), f"[{field}]", "日期")


def test_time_must_be_real_and_empty_means_send_null(client: Client) -> None:
    _refused(client.failure("uploadLabReport", row("uploadLabReport", SampleTime="2025-02-30 08:00:00")),
             "[SampleTime]", "不是有效的时间")
    _refused(client.failure("uploadLabReport", row("uploadLabReport", ApplicationTime="")),
             "[ApplicationTime]", "null")
    _refused(client.failure("uploadLabReport", row("uploadLabReport", GenderCode="", BusinessNo="LR-G")),
             "必填字段[GenderCode]")
    # "" in an optional free-text field is no value (names, numbers, texts)
    assert client.upload("uploadLabReport", row("uploadLabReport", WardName="", ApplDoctNo=""))["accepted"] == 1


@pytest.mark.parametrize(("field", "value", "kind"), [("TestIndexResult", 12.6, "数字"), ("MtuRecMark", 1, "数字"),
                                                      ("CriticalSign", False, "布尔值"), ("ExamItemName", ["a"], "数组")])
def test_every_value_is_a_string(client: Client, lab_report: str, field: str, value: object, kind: str) -> None:
    _refused(client.failure("uploadLabIndicator", row("uploadLabIndicator", **{field: value})),
             f"[{field}]", "应为字符串", kind)


def test_row_org_code_must_be_the_callers(client: Client) -> None:
    failure = client.failure("uploadLabReport", row("uploadLabReport", OrgCode="360102002"))
    _refused(failure, "[OrgCode]", "360102002", "与请求orgCode[360102001]不一致")
    assert client.upload("uploadLabReport", row("uploadLabReport", OrgCode="360102002"),
                         org="360102002")["accepted"] == 1


def test_a_bad_row_does_not_stop_the_others(client: Client) -> None:
    rows = [row("uploadRegistration", BusinessNo="G1"), row("uploadRegistration", BusinessNo="G2", RegStatus="9"),
            "not a row", row("uploadRegistration", BusinessNo="G4", VisitDate="2025/06/14")]
    answer = client.call("uploadRegistration", {"orgCode": "360102001", "data": rows})
    assert answer["code"] == "00000" and "成功1条，失败3条" in answer["msg"]
    data = answer["data"]
    assert data["accepted"] == 1
    assert [(f["index"], f["BusinessNo"]) for f in data["failed"]] == [(1, "G2"), (2, ""), (3, "G4")]
    assert "[RegStatus]" in data["failed"][0]["msg"] and "JSON对象" in data["failed"][1]["msg"]
    assert [r["BusinessNo"] for r in client.rows("registration")] == ["G1"]


def test_several_problems_of_one_row_are_all_named(client: Client) -> None:
    failure = client.failure("uploadLabReport", row("uploadLabReport", GenderCode="X", SampleTime="bad",
                                                    PatientName=None))
    for field in ("[PatientName]", "[GenderCode]", "[SampleTime]"):
        assert field in failure["msg"]


# ------------------------------------------------------------------------------------------------ cross-field rules


def test_id_card_of_a_resident_must_look_like_one(client: Client) -> None:
    _refused(client.failure("uploadLabReport", row("uploadLabReport", IdCardValue="P001")),
             "[IdCardValue]", "居民身份证")
    ok = [row("uploadLabReport", BusinessNo="A", IdCardValue="36010219900101001X"),
          row("uploadLabReport", BusinessNo="B", IdCardValue="360102900101001"),
          row("uploadLabReport", BusinessNo="C", IdCardTypeCode="03", IdCardValue="E12345678")]
    assert client.upload("uploadLabReport", *ok)["accepted"] == 3


def test_exam_project_code_is_the_data_code(client: Client) -> None:
    _refused(client.failure("uploadExamReport", row("uploadExamReport", CheckProjCode="CT-XB-01")),
             "[CheckProjCode]", "DataCode")


def test_appointment_rules(client: Client) -> None:
    _refused(client.failure("uploadAppointment", row("uploadAppointment", AppointType="1")), "[ItemCode]",
             "AppointType 2/3")
    assert client.upload("uploadAppointment", row("uploadAppointment", AppointType="1", ItemCode=None,
                                                  ItemName=None))["accepted"] == 1  # fmt: skip
    _refused(client.failure("uploadAppointment", row("uploadAppointment", AppointStatus="2")), "[CancelTime]")
    assert client.upload("uploadAppointment", row("uploadAppointment", AppointStatus="2",
                                                  CancelTime="2025-06-15 09:00:00"))["accepted"] == 1  # fmt: skip
    _refused(client.failure("uploadAppointment", row("uploadAppointment", AppointEndTime="2025-06-16 08:30:00")),
             "[AppointEndTime]", "早于")


def test_withdrawn_registration_needs_its_cancel_time(client: Client) -> None:
    _refused(client.failure("uploadRegistration", row("uploadRegistration", RegStatus="2")), "已退号",
             "[CancelTime]")


# ------------------------------------------------------------------------------------------------ children


@pytest.mark.parametrize("op", CHILD_OPS)
def test_child_whose_report_is_not_held_is_refused(client: Client, op: str) -> None:
    _refused(client.failure(op, row(op)), "[ReportBusinessNo]", "检验报告[LR0001]不存在")
    assert client.upload("uploadLabReport", row("uploadLabReport"))["accepted"] == 1
    assert client.upload(op, row(op))["accepted"] == 1


def test_child_of_another_orgs_report_is_refused(client: Client, lab_report: str) -> None:
    other = row("uploadLabIndicator", OrgCode="360102002")
    _refused(client.failure("uploadLabIndicator", other, org="360102002"), "[ReportBusinessNo]", "不存在")


def test_child_must_carry_its_reports_number(client: Client, lab_report: str) -> None:
    _refused(client.failure("uploadLabIndicator", row("uploadLabIndicator", TestReportNo="JY0000")),
             "[TestReportNo]", "JY202506140001")


# ------------------------------------------------------------------------------------------------ upsert


def test_upload_of_a_held_business_no_replaces_it(client: Client) -> None:
    assert client.upload("uploadExamReport", row("uploadExamReport"))["accepted"] == 1
    corrected = row("uploadExamReport", CheckResSub="右肺上叶磨玻璃结节(修正)", UpdateTime="2025-06-14 15:00:00")
    assert client.upload("uploadExamReport", corrected)["accepted"] == 1
    assert client.upload("uploadExamReport", corrected)["accepted"] == 1
    (kept,) = client.rows("examReport")
    assert kept["data"]["CheckResSub"] == "右肺上叶磨玻璃结节(修正)"
    assert (kept["versions"], kept["duplicates"]) == (3, 1)
    assert client.admin("state")["data"]["360102001"]["examReport"] == {"live": 1, "deleted": 0, "versions": 3,
                                                                        "duplicates": 1}  # fmt: skip


def test_the_same_business_no_in_two_orgs_is_two_rows(client: Client) -> None:
    client.upload("uploadRegistration", row("uploadRegistration"))
    client.upload("uploadRegistration", row("uploadRegistration", OrgCode="360102002"), org="360102002")
    assert len(client.rows("registration")) == 2


def test_later_row_of_a_batch_replaces_an_earlier_one(client: Client) -> None:
    rows = [row("uploadRegistration"), row("uploadRegistration", DeptName="呼吸内科专家门诊")]
    assert client.upload("uploadRegistration", *rows) == {"accepted": 2, "failed": []}
    (kept,) = client.rows("registration")
    assert kept["data"]["DeptName"] == "呼吸内科专家门诊" and kept["versions"] == 2


# ------------------------------------------------------------------------------------------------ whole call


@pytest.mark.parametrize(("body", "words"), [
    ([], "JSON对象"), ({"data": []}, "[orgCode]"), ({"orgCode": "360102001"}, "[data]"),
    ({"orgCode": "360102001", "data": {}}, "[data]"), ({"orgCode": "360102001", "data": [], "x": 1}, "未知字段[x]"),
    ({"orgCode": 360102001, "data": [{}]}, "[orgCode]"),
])  # fmt: skip
def test_malformed_upload_is_refused_as_a_whole(client: Client, body: object, words: str) -> None:
    answer = client.call("uploadRegistration", body)
    assert answer["code"] == "A0400" and words in answer["msg"], answer
    assert isinstance(answer["data"], list) and all(set(p) == {"field", "msg"} for p in answer["data"])


def test_batch_larger_than_max_batch_is_refused(client: Client) -> None:
    rows = [row("uploadRegistration", BusinessNo=f"G{i}") for i in range(51)]
    answer = client.call("uploadRegistration", {"orgCode": "360102001", "data": rows})
    assert answer["code"] == "A0400" and "最多50条" in answer["msg"] and "51条" in answer["msg"]
    assert client.upload("uploadRegistration", *rows[:50])["accepted"] == 50


def test_max_batch_is_configurable() -> None:
    with MutualSimulatorServer(SimState(max_batch=2)) as small:
        c = Client(small.url)
        rows = [row("uploadRegistration", BusinessNo=f"G{i}") for i in range(3)]
        assert c.call("uploadRegistration", {"orgCode": "360102001", "data": rows})["code"] == "A0400"


@pytest.mark.parametrize("raw", [b"", b"{oops", b"\xff\xfe", b"NaN"])
def test_unparsable_body_is_refused_in_the_envelope(client: Client, raw: bytes) -> None:
    r = client.session.post(client.url("uploadLabReport"), data=raw, timeout=5,
                            headers={"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 200
    answer = r.json()
    assert answer["code"] == "A0400" and "报文解析失败" in answer["msg"]


def test_content_type_does_not_matter(client: Client) -> None:
    import json

    body = json.dumps({"orgCode": "360102001", "data": [row("uploadRegistration")]}, ensure_ascii=False)
    r = client.session.post(client.url("uploadRegistration"), data=body.encode(), timeout=5,
                            headers={"Content-Type": "text/plain"})  # fmt: skip
    assert r.json()["data"] == {"accepted": 1, "failed": []}
