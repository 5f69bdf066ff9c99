"""The sender: a feed declaration checked against its operation, what the pipeline asks, every client outcome as
a ledger result (per row), and voids withdrawn by deleteData with "not there" counting as done."""

from __future__ import annotations

import pytest
import requests

from hisbridge.platforms.mutual.sender import MutualSender, check_feed

from .fakes import accepted, answer, canned_client, connect_refused, respond
from .support import ID_CARD, LAB_INDICATOR, LAB_REPORT, NAME, REGISTRATION, all_fields, mutual_spec

ROWS = [{**LAB_REPORT, "BusinessNo": f"LR-{i}"} for i in range(3)]
KEYS = [r["BusinessNo"] for r in ROWS]


@pytest.fixture
def report_spec(tmp_path):
    return mutual_spec(tmp_path, "t_mutual_lr", "uploadLabReport", all_fields(LAB_REPORT), voided_column="voided")


PARENT = [{"column": "ReportBusinessNo", "feed": "t_mutual_lr", "label": "检验报告"}]


# -- the declaration ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("op", "fields", "extra", "message"), [
    ("uploadLabReport", {**all_fields(LAB_REPORT), "LabName": "name"}, {},
     r"fields \['LabName'\] are not fields of uploadLabReport"),
    ("uploadLabReport", {"BusinessNo": "id", "PatientId": "pid"}, {}, r"required fields \['AuditDoctName', "),
    ("uploadLabReport", {**all_fields(LAB_REPORT), "BusinessNo": "report_no"}, {},
     "the business key must be the one SQL column mapped to BusinessNo"),
    ("uploadLabReport", all_fields(LAB_REPORT), {"business_key": ["id", "x"]}, "business key must be"),
    ("uploadLabIndicator", all_fields(LAB_INDICATOR), {}, "declare parents"),
    ("uploadLabReport", all_fields(LAB_REPORT), {"lists": {"items": {"column": "x", "item_field": "y"}}}, "no lists"),
])
def test_a_declaration_that_does_not_fit_its_operation_fails_before_anything_is_sent(tmp_path, op, fields, extra,
                                                                                    message) -> None:
    spec = mutual_spec(tmp_path, "t_mutual_x", op, fields, **extra)
    sender = MutualSender(canned_client()[0])
    with pytest.raises(ValueError, match=message):
        sender.model_for(spec)
    with pytest.raises(ValueError, match="feed t_mutual_x"):
        check_feed(spec)


def test_a_fitting_declaration_gives_the_model(tmp_path) -> None:
    sender = MutualSender(canned_client()[0])
    child = mutual_spec(tmp_path, "t_mutual_li", "uploadLabIndicator", all_fields(LAB_INDICATOR), parents=PARENT)
    assert sender.model_for(child).__name__ == "LabIndicator"
    # RegTypeName is filled from RegTypeCode: a feed need not map it
    reg = {k: v for k, v in all_fields(REGISTRATION).items() if k != "RegTypeName"}
    assert sender.model_for(mutual_spec(tmp_path, "t_mutual_reg", "uploadRegistration", reg)).__name__ == \
        "Registration"


def test_what_the_pipeline_asks(report_spec, tmp_path) -> None:
    sender = MutualSender(canned_client()[0])
    assert sender.operation(report_spec, "batch") == sender.operation(report_spec, "single") == "uploadLabReport"
    assert sender.correction_operation(report_spec) == "deleteData labReport"
    assert sender.row_identity(report_spec, {"BusinessNo": "LR-1", "PatientId": "P"}) == "LR-1"
    assert sender.row_identity(report_spec, {"PatientId": "P"}) is None
    ids = {sender.new_msgid() for _ in range(1000)}
    assert len(ids) == 1000 and all(i.startswith("mr-") and len(i) == 35 for i in ids)
    assert sender.personal_fields(report_spec) == ("PatientName", "IdCardValue")
    child = mutual_spec(tmp_path, "t_mutual_li", "uploadLabIndicator", all_fields(LAB_INDICATOR), parents=PARENT)
    assert sender.personal_fields(child) == ()


# -- uploads -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("reply", "outcome", "states"), [
    (accepted(3), "acknowledged", ["acknowledged"] * 3),
    (accepted(2, {"index": 1, "BusinessNo": "LR-1", "code": "A0400", "msg": "标本号为空"}), "partial",
     ["acknowledged", "rejected", "acknowledged"]),
    (accepted(0, *({"index": i, "code": "A0400", "msg": "项目未对照"} for i in range(3))), "rejected",
     ["rejected"] * 3),
    (answer("A0400", "部分数据校验失败", {"accepted": 2, "failed": [
        {"index": 2, "BusinessNo": "LR-2", "code": "A0400", "msg": "上级报告不存在"}]}), "partial",
     ["acknowledged", "acknowledged", "rejected"]),
    (answer("A0400", "数据校验失败", {"accepted": 0, "failed": [
        {"index": 0, "BusinessNo": "LR-0", "code": "A0400", "msg": "证件号码不合法"}]}), "rejected", ["rejected"] * 3),
    (answer("A0400", "参数校验失败", [{"field": "orgCode", "msg": "不能为空"}]), "rejected", ["rejected"] * 3),
    (answer("A0404", "数据不存在"), "rejected", ["rejected"] * 3),
    (answer("A0429", "请求过于频繁"), "busy", ["pending"] * 3),
    (respond(text="", status=429), "busy", ["pending"] * 3),
    (answer("B0001", "平台内部错误"), "unknown", ["unknown"] * 3),
    (respond(text="oops", status=500), "unknown", ["unknown"] * 3),
    (respond(text="<html/>"), "unknown", ["unknown"] * 3),
    (requests.ReadTimeout("read"), "unknown", ["unknown"] * 3),
    (connect_refused(), "not_sent", ["pending"] * 3),
    (requests.ConnectTimeout("connect"), "not_sent", ["pending"] * 3),
    (answer("A0401", "签名错误"), "refused_by_gateway", ["pending"] * 3),
    (respond(text="<html>404</html>", status=404), "refused_by_gateway", ["pending"] * 3),
])
def test_every_client_outcome_becomes_a_message_result(report_spec, reply, outcome, states) -> None:
    client, adapter = canned_client(reply)
    result = MutualSender(client).upload(report_spec, ROWS, "batch", "mr-1")
    assert (result.outcome, result.row_states) == (outcome, states)
    assert result.request == adapter.sent[0].request.body.decode("utf-8")
    assert result.request_headers["url"] == "http://mutual.test:8093/api/v1/uploadLabReport"
    assert result.duration_ms is not None
    if isinstance(reply, requests.Response):
        assert result.http_status == reply.status_code and result.response == reply.text


def test_row_errors_carry_the_platforms_words(report_spec) -> None:
    client, _ = canned_client(accepted(2, {"index": 1, "BusinessNo": "LR-1", "code": "A0400",
                                           "msg": "TestReportDate 格式错误"}, request_id="req-42"))
    result = MutualSender(client).upload(report_spec, ROWS, "batch", "mr-1")
    assert result.row_errors == [None, "A0400 TestReportDate 格式错误", None]
    assert (result.platform_code, result.platform_ref, result.err_msg) == ("00000", "req-42", "1 of 3 rows refused")


def test_a_whole_refusal_names_its_rows_and_blames_the_batch_for_the_others(report_spec) -> None:
    client, _ = canned_client(answer("A0400", "数据校验失败", {"accepted": 0, "failed": [
        {"index": 0, "BusinessNo": "LR-0", "code": "A0400", "msg": "证件号码不合法"}]}))
    result = MutualSender(client).upload(report_spec, ROWS, "batch", "mr-1")
    assert result.row_errors == ["A0400 证件号码不合法", "整批被拒：数据校验失败", "整批被拒：数据校验失败"]
    assert (result.platform_code, result.err_msg) == ("A0400", "数据校验失败")


def test_a_refusal_keeps_the_platforms_words_for_the_ledger(report_spec) -> None:
    client, _ = canned_client(answer("A0400", f"{NAME} 证件号码 {ID_CARD} 不合法"))
    result = MutualSender(client).upload(report_spec, ROWS[:1], "single", "mr-1")
    assert result.row_errors == [f"{NAME} 证件号码 {ID_CARD} 不合法"] == [result.err_msg]


def test_transport_faults_keep_the_reason_per_row(report_spec) -> None:
    client, _ = canned_client(requests.ReadTimeout("read"))
    result = MutualSender(client).upload(report_spec, ROWS[:2], "batch", "mr-1")
    assert result.row_errors[0] == result.row_errors[1] == result.err_msg
    assert "outcome unknown" in result.err_msg and "ReadTimeout" in result.err_msg


def test_a_batch_beyond_the_connections_limit_fails_the_task_unsent(report_spec) -> None:
    client, adapter = canned_client(max_batch=2)
    result = MutualSender(client).upload(report_spec, ROWS, "batch", "mr-1")
    assert (result.outcome, result.row_states, result.request) == ("refused_by_gateway", ["pending"] * 3, None)
    assert "max_batch" in result.err_msg and adapter.sent == []


# -- voids ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("reply", "outcome", "code"), [
    (answer(data={"deleted": ["LR-1"], "failed": []}), "acknowledged", "00000"),
    (answer(data=None), "acknowledged", "00000"),
    (answer("A0404", "数据不存在"), "acknowledged", "A0404"),  # nothing there is what a withdrawal wants
    (answer(data={"deleted": [], "failed": [{"BusinessNo": "LR-1", "code": "A0404", "msg": "数据不存在"}]}),
     "acknowledged", "A0404"),
    (answer(data={"deleted": [], "failed": [{"BusinessNo": "LR-1", "code": "A0400", "msg": "存在下级数据"}]}),
     "rejected", "A0400"),
    (answer("A0400", "存在下级数据"), "rejected", "A0400"),
    (answer("A0429", "请求过于频繁"), "busy", None),
    (answer("B0001", "平台内部错误"), "unknown", None),
    (requests.ReadTimeout("read"), "unknown", None),
    (connect_refused(), "not_sent", None),
    (answer("A0401", "签名错误"), "refused_by_gateway", "A0401"),
])
def test_a_void_is_withdrawn_by_data_type_and_key(report_spec, reply, outcome, code) -> None:
    client, adapter = canned_client(reply)
    result = MutualSender(client).correct(report_spec, "LR-1", "mr-9")
    assert adapter.sent[0].path == "/api/v1/deleteData"
    assert adapter.sent[0].body == {"orgCode": "360102001", "dataType": "labReport", "businessNos": ["LR-1"]}
    assert (result.outcome, result.row_states, result.platform_code) == (outcome, [], code)
    if outcome == "rejected":
        assert "存在下级数据" in result.err_msg
