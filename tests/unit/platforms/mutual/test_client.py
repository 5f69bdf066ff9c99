"""The client: exactly what goes on the wire, typed answers, and every answer class and transport failure mapped
to the one error that says whether the platform may have acted — through a canned transport and, for the two
failures that only a socket shows honestly, through real sockets."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
import requests

from hisbridge.platforms.mutual.answers import AnswerCodes
from hisbridge.platforms.mutual.client import MutualClient
from hisbridge.platforms.mutual.errors import (
    Busy,
    Failure,
    Misconfigured,
    NotFound,
    NotSent,
    OutcomeUnknown,
    Refused,
)
from hisbridge.platforms.mutual.models import (
    QuoteLog,
    RecognitionRecord,
    ReminderQuery,
    ReminderRecord,
    RevokeNonRecognition,
)
from hisbridge.platforms.mutual.settings import MutualSettings

from .fakes import accepted, answer, canned_client, connect_refused, respond
from .support import (
    DETAIL,
    ID_CARD,
    LAB_REPORT,
    NAME,
    ORG,
    QUOTE_LOG,
    RECOGNITION_RECORD,
    REMINDER_QUERY,
    REMINDER_RECORD,
    REVOKE,
    SUMMARY,
)

ROWS = [{**LAB_REPORT, "BusinessNo": f"LR-{i}"} for i in range(3)]


# -- uploads -------------------------------------------------------------------------------------------------------


def test_an_upload_posts_our_org_and_the_rows_as_json() -> None:
    client, adapter = canned_client(accepted(3, request_id="r-77"), timeout_s=12, connect_timeout_s=2)
    result = client.upload("uploadLabReport", ROWS)

    [sent] = adapter.sent
    assert sent.request.method == "POST"
    assert sent.request.url == "http://mutual.test:8093/api/v1/uploadLabReport"
    assert sent.request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert sent.body == {"orgCode": ORG, "data": ROWS}
    assert sent.timeout == (2, 12)
    assert (result.accepted, dict(result.failed), result.code, result.request_id) == (3, {}, "00000", "r-77")
    assert result.exchange.request_text == sent.request.body.decode("utf-8")
    assert result.exchange.status == 200 and result.exchange.duration_ms >= 0
    assert '"code": "00000"' in result.exchange.response_text


def test_paths_are_overridable_per_operation_and_a_base_prefix_is_kept() -> None:
    client, adapter = canned_client(accepted(1), answer(data=[]), base_url="http://10.1.2.3:8093/mr/",
                                    paths={"uploadLabReport": "/lis/report/upload",
                                           "queryReminders": "https://other.test/remind"})
    client.upload("uploadLabReport", ROWS[:1])
    assert adapter.sent[0].request.url == "http://10.1.2.3:8093/mr/lis/report/upload"
    with pytest.raises(ValueError, match="unknown operations"):
        MutualSettings(base_url="http://h:1", paths={"uploadLab": "/x"})


def test_failed_rows_are_named_by_business_no_or_by_index() -> None:
    client, _ = canned_client(accepted(1, {"index": 0, "BusinessNo": "LR-0", "code": "A0400", "msg": "标本号为空"},
                                       {"index": 2, "code": "A0400", "msg": "项目代码未对照"}))
    result = client.upload("uploadLabReport", ROWS)
    assert result.accepted == 1
    assert dict(result.failed) == {"LR-0": Failure("A0400", "标本号为空"), "LR-2": Failure("A0400", "项目代码未对照")}


@pytest.mark.parametrize("failed", [
    {"BusinessNo": "LR-9", "code": "A0400", "msg": "?"},               # a row we did not send
    {"index": 1, "BusinessNo": "LR-0", "code": "A0400", "msg": "?"},   # index and key disagree
    {"index": 7, "code": "A0400", "msg": "?"},                         # out of range
])
def test_failed_rows_that_match_nothing_sent_leave_the_outcome_unknown(failed) -> None:
    client, _ = canned_client(accepted(2, failed))
    with pytest.raises(OutcomeUnknown, match="do not match"):
        client.upload("uploadLabReport", ROWS)


def test_a0400_naming_failed_rows_is_a_refusal_that_keeps_them() -> None:
    client, _ = canned_client(answer("A0400", f"参数校验失败：证件号码 {ID_CARD} 不合法", {
        "accepted": 2, "failed": [{"index": 1, "BusinessNo": "LR-1", "code": "A0400",
                                   "msg": f"患者 {NAME} 的证件号码不合法"}]}))
    with pytest.raises(Refused) as info:
        client.upload("uploadLabReport", ROWS)
    error = info.value
    assert type(error) is Refused
    assert (error.code, error.accepted) == ("A0400", 2)
    assert error.failed == {"LR-1": Failure("A0400", f"患者 {NAME} 的证件号码不合法")}
    assert ID_CARD in error.words  # the ledger keeps the platform's words …
    assert ID_CARD not in str(error) and NAME not in str(error)  # … a log line never the patient


def test_a0400_field_errors_become_the_words() -> None:
    client, _ = canned_client(answer("A0400", "参数校验失败", [{"field": "data[0].SampleTime", "msg": "格式错误"},
                                                          {"field": "orgCode", "msg": "不能为空"}]))
    with pytest.raises(Refused) as info:
        client.upload("uploadLabReport", ROWS[:1])
    assert info.value.details == (("data[0].SampleTime", "格式错误"), ("orgCode", "不能为空"))
    assert info.value.words == "参数校验失败（data[0].SampleTime: 格式错误；orgCode: 不能为空）"
    assert info.value.failed == {}


@pytest.mark.parametrize(("reply", "error"), [
    (answer("A0401", "签名错误"), Misconfigured),
    (answer("A0401", "签名错误", status=401), Misconfigured),
    (answer("A0404", "数据不存在"), NotFound),
    (answer("A0429", "请求过于频繁"), Busy),
    (answer("A0429", "请求过于频繁", status=503), Busy),  # nothing was processed, whatever the status
    (answer("B0001", "平台内部错误"), OutcomeUnknown),
    (answer("C0300", "未知错误"), Refused),  # anything else is a business refusal
    (respond(text="Internal Server Error", status=500, content_type="text/plain"), OutcomeUnknown),
    (answer("A0400", "参数错误", status=500), OutcomeUnknown),  # a 5xx after the body arrived: may be stored
    (respond(text="<html>bad gateway</html>", status=502, content_type="text/html"), OutcomeUnknown),
    (respond(text="<html>ok</html>", content_type="text/html"), OutcomeUnknown),  # garbage after sending
    (respond(text='{"result": true}'), OutcomeUnknown),  # JSON, but not the platform's envelope
    (respond(text=""), OutcomeUnknown),
    (respond(text="<html>401</html>", status=401, content_type="text/html"), Misconfigured),
    (respond(text="", status=403), Misconfigured),
    (respond(text="<html>Not Found</html>", status=404, content_type="text/html"), Misconfigured),
    (respond(text="", status=301), Misconfigured),
    (respond(text="", status=429), Busy),
    (respond(text="", status=408), NotSent),
    (requests.ReadTimeout("read timed out"), OutcomeUnknown),
    (requests.ConnectionError("Connection aborted: RemoteDisconnected"), OutcomeUnknown),
    (requests.ConnectTimeout("connect timed out"), NotSent),
    (connect_refused(), NotSent),
])
def test_each_answer_class_and_failure_says_whether_the_platform_may_have_acted(reply, error) -> None:
    client, _ = canned_client(reply)
    with pytest.raises(error) as info:
        client.upload("uploadLabReport", ROWS[:1])
    assert type(info.value) is error
    assert info.value.operation == "uploadLabReport" and info.value.exchange is not None
    assert info.value.exchange.request_text.startswith('{"orgCode":"360102001"')


def test_evidence_of_a_transport_failure_names_the_exception() -> None:
    client, _ = canned_client(requests.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknown) as info:
        client.upload("uploadLabReport", ROWS[:1])
    assert (info.value.exchange.error, info.value.exchange.status) == ("ReadTimeout", None)


def test_a_site_adds_answer_codes_as_data() -> None:
    codes = AnswerCodes.model_validate({"codes": {"0": {"class": "ok", "title": "成功"},
                                                  "E503": {"class": "busy", "title": "限流"}}})
    client, adapter = canned_client(answer("0", data={"accepted": 1}), answer("E503", "限流"))
    client.answer_codes = codes
    assert client.upload("uploadLabReport", ROWS[:1]).accepted == 1
    with pytest.raises(Busy):
        client.upload("uploadLabReport", ROWS[:1])


def test_nothing_is_sent_beyond_max_batch_or_for_another_org() -> None:
    client, adapter = canned_client(max_batch=2)
    with pytest.raises(Misconfigured, match="max_batch is 2"):
        client.upload("uploadLabReport", ROWS)
    with pytest.raises(Misconfigured, match="OrgCode"):
        client.upload("uploadLabReport", [{**ROWS[0], "OrgCode": "360100002"}])
    with pytest.raises(ValueError, match="own BusinessNo"):
        client.upload("uploadLabReport", [ROWS[0], ROWS[0]])
    with pytest.raises(ValueError, match="'query' operation"):
        client.upload("queryReminders", ROWS[:1])
    assert adapter.sent == []


# -- withdrawals ---------------------------------------------------------------------------------------------------


def test_a_delete_names_the_data_type_and_the_keys() -> None:
    client, adapter = canned_client(answer(data={"deleted": ["LR-1"], "failed": [
        {"BusinessNo": "LR-2", "code": "A0404", "msg": "数据不存在"},
        {"BusinessNo": "LR-3", "code": "A0400", "msg": "存在下级数据"}]}))
    result = client.delete("labReport", ["LR-1", "LR-2", "LR-3"])
    assert adapter.sent[0].path == "/api/v1/deleteData"
    assert adapter.sent[0].body == {"orgCode": ORG, "dataType": "labReport", "businessNos": ["LR-1", "LR-2", "LR-3"]}
    assert result.deleted == ["LR-1"]
    assert dict(result.failed) == {"LR-2": Failure("A0404", "数据不存在"), "LR-3": Failure("A0400", "存在下级数据")}


def test_a_delete_of_nothing_there_is_not_found() -> None:
    client, _ = canned_client(answer("A0404", "数据不存在"))
    with pytest.raises(NotFound) as info:
        client.delete("labIndicator", ["LI-1"])
    assert isinstance(info.value, Refused) and info.value.code == "A0404"


def test_a_delete_of_an_unknown_data_type_is_a_programming_error() -> None:
    client, adapter = canned_client()
    with pytest.raises(LookupError):
        client.delete("labResult", ["X"])
    assert adapter.sent == []


# -- queries -------------------------------------------------------------------------------------------------------


def test_a_reminder_query_fills_our_org_and_waits_only_its_budget() -> None:
    newer = {**SUMMARY, "reportId": "RPT-10", "reportTime": "2026-02-28 09:00:00", "abnormal": True}
    client, adapter = canned_client(answer(data=[newer, SUMMARY]), answer(data=None))
    query = ReminderQuery.model_validate({**REMINDER_QUERY, "orgCode": None})
    reports = client.query_reminders(query)

    sent = adapter.sent[0]
    assert sent.path == "/api/v1/queryReminders"
    assert sent.body == {**REMINDER_QUERY, "orgCode": ORG}
    assert sent.timeout == (0.5, 0.5)  # query_timeout_s caps the connect timeout too
    assert [(r.reportId, r.abnormal, r.reportTime.isoformat(" ")) for r in reports] == [
        ("RPT-10", True, "2026-02-28 09:00:00"), ("RPT-9", False, "2026-02-20 09:00:00")]
    assert client.query_reminders(query, timeout_s=0.2) == []
    assert adapter.sent[1].timeout == (0.2, 0.2)


@pytest.mark.parametrize("data", [{"reportId": "x"}, [{"itemType": "LIS"}], "none"])
def test_an_unreadable_reminder_answer_is_unknown(data) -> None:
    client, _ = canned_client(answer(data=data))
    with pytest.raises(OutcomeUnknown, match="queryReminders"):
        client.query_reminders(ReminderQuery.model_validate(REMINDER_QUERY))


def test_a_report_is_read_in_full_and_an_unknown_one_is_not_found() -> None:
    client, adapter = canned_client(answer(data=DETAIL), answer("A0404", "报告不存在"))
    detail = client.get_report("RPT-9", "LIS")
    assert adapter.sent[0].body == {"orgCode": ORG, "reportId": "RPT-9", "itemType": "LIS"}
    assert (detail.reportOrgName, detail.items[0].itemName, detail.conclusion) == ("江西省人民医院", "白细胞计数",
                                                                                   "未见异常")
    with pytest.raises(NotFound):
        client.get_report("RPT-0", "PACS", timeout_s=1)
    assert adapter.sent[1].timeout == (1, 1)


# -- records -------------------------------------------------------------------------------------------------------


def test_array_records_go_as_a_list_and_object_records_as_an_object() -> None:
    client, adapter = canned_client(answer(request_id="r-1"), answer(), answer())
    reminder = ReminderRecord.model_validate(REMINDER_RECORD)
    exchange = client.record("uploadReminderRecords", [reminder, reminder.model_copy(update={"remindId": "a" * 32})])
    client.record("uploadRecognitionRecord", RecognitionRecord.model_validate(RECOGNITION_RECORD))
    client.record("uploadQuoteLog", QuoteLog.model_validate(QUOTE_LOG))
    assert [s.path for s in adapter.sent] == ["/api/v1/uploadReminderRecords", "/api/v1/uploadRecognitionRecord",
                                              "/api/v1/uploadQuoteLog"]
    assert adapter.sent[0].body == [REMINDER_RECORD, {**REMINDER_RECORD, "remindId": "a" * 32}]
    assert adapter.sent[1].body == [RECOGNITION_RECORD]
    assert adapter.sent[2].body == QUOTE_LOG
    assert (exchange.request_id, exchange.status, exchange.operation) == ("r-1", 200, "uploadReminderRecords")
    assert adapter.sent[0].timeout == (3, 10)


def test_a_record_of_the_wrong_kind_is_not_sent() -> None:
    client, adapter = canned_client()
    with pytest.raises(TypeError, match="RevokeNonRecognition"):
        client.record("revokeNonRecognition", QuoteLog.model_validate(QUOTE_LOG))
    with pytest.raises(ValueError, match="takes one"):
        client.record("uploadQuoteLog", [QuoteLog.model_validate(QUOTE_LOG)] * 2)
    with pytest.raises(ValueError, match="takes 'record'"):
        client.record("uploadLabReport", QuoteLog.model_validate(QUOTE_LOG))
    assert adapter.sent == []


def test_revoking_without_a_live_refusal_is_not_found() -> None:
    client, _ = canned_client(answer("A0404", "不存在有效的不互认记录"))
    with pytest.raises(NotFound):
        client.record("revokeNonRecognition", RevokeNonRecognition.model_validate(REVOKE))


# -- logs ----------------------------------------------------------------------------------------------------------


def test_logs_carry_ids_and_codes_never_a_patient(caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="hisbridge.platforms.mutual")
    client, _ = canned_client(accepted(3, request_id="r-9"), answer("A0400", f"{NAME} {ID_CARD} 不合法"),
                              requests.ReadTimeout("x"))
    client.upload("uploadLabReport", ROWS)
    for _ in range(2):
        with pytest.raises((Refused, OutcomeUnknown)) as info:
            client.upload("uploadLabReport", ROWS)
        logging.getLogger("hisbridge.platforms.mutual.client").warning("%s", info.value)
    text = caplog.text
    assert "uploadLabReport" in text and "r-9" in text and "A0400" in text
    assert NAME not in text and ID_CARD not in text


# -- through real sockets ------------------------------------------------------------------------------------------


def test_nothing_listening_is_not_sent() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    client = MutualClient(MutualSettings(base_url=f"http://127.0.0.1:{port}", connect_timeout_s=1))
    with pytest.raises(NotSent):
        client.upload("uploadLabReport", ROWS[:1])


def test_a_platform_that_never_answers_leaves_the_outcome_unknown() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    release = threading.Event()

    def hold() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            release.wait(5)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    client = MutualClient(MutualSettings(base_url=f"http://127.0.0.1:{listener.getsockname()[1]}", timeout_s=0.3))
    try:
        with pytest.raises(OutcomeUnknown) as info:
            client.upload("uploadLabReport", ROWS[:1])
        assert info.value.exchange.error == "ReadTimeout"
    finally:
        release.set()
        thread.join(5)
        listener.close()
