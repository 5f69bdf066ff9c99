"""The pushes' client: every call a freshly signed envelope the city brain can verify (its own signer, from the
simulator, checks it), our orgCode in bizContent, and every answer or fault mapped to exactly one outcome — from
the answer codes as data (include/mappings/city_brain_outbound_answers.yaml)."""

from __future__ import annotations

import logging

import pytest
import requests

from hisbridge.platforms.city_brain.client import CityBrainClient
from hisbridge.platforms.city_brain.errors import Busy, Misconfigured, NotSent, OutcomeUnknown, Refused
from hisbridge.platforms.city_brain.outbound import AnswerClass, load_answer_codes
from simulators.city_brain import signing as sim_signing

from .sender_fakes import (
    APP_ID,
    BILL,
    EVENT,
    ORG,
    SECRET,
    accepted,
    answer,
    canned_client,
    connect_refused,
    notified,
    respond,
)


@pytest.mark.parametrize("sign_type", ["SM3", "SHA256", "HMAC-SHA256"])
def test_every_envelope_is_signed_as_the_city_brain_verifies_it(sign_type) -> None:
    client, adapter = canned_client(notified(), sign_type=sign_type)
    client.notify(EVENT)
    envelope = adapter.sent[0].body
    assert set(envelope) == {"appId", "timestamp", "nonce", "signType", "sign", "bizContent"}
    assert envelope["appId"] == APP_ID and envelope["signType"] == sign_type
    assert envelope["sign"] == sim_signing.sign(envelope, SECRET)  # the simulator's own, independent signer
    assert len(envelope["timestamp"]) == 13 and 16 <= len(envelope["nonce"]) <= 64


def test_notify_sends_the_event_with_our_org_code_and_each_call_is_signed_afresh() -> None:
    client, adapter = canned_client(notified(), notified(duplicate=True))
    first, second = client.notify(EVENT), client.notify({**EVENT, "orgCode": "someone-else"})
    assert adapter.sent[0].biz == {"orgCode": ORG, **EVENT}
    assert adapter.sent[1].biz["orgCode"] == ORG  # ours, whatever the row says
    assert adapter.sent[0].path == "/api/v1/notify"
    assert adapter.sent[0].body["nonce"] != adapter.sent[1].body["nonce"]  # a re-send is a new request
    assert (first.duplicate, second.duplicate) == (False, True)
    assert first.exchange.request_id == "req-1" and first.exchange.nonce == adapter.sent[0].body["nonce"]


def test_history_sends_a_page_and_names_the_refused_records() -> None:
    other = {**BILL, "recordId": "SF2", "billNo": "SF2"}
    client, adapter = canned_client(accepted(1, {"recordId": "SF2", "code": "2001", "message": "records[1](收费结算): 金额不平"}))
    got = client.history("bill", "bill-SF1-2-abc", [BILL, other])
    assert adapter.sent[0].biz == {"orgCode": ORG, "dataType": "bill", "batchNo": "bill-SF1-2-abc",
                                   "records": [BILL, other]}
    assert adapter.sent[0].path == "/api/v1/history"
    assert got.accepted == 1 and list(got.failed) == ["SF2"]
    assert str(got.failed["SF2"]) == "2001 records[1](收费结算): 金额不平"


def test_a_history_answer_naming_records_not_sent_is_an_unknown_outcome() -> None:
    client, _ = canned_client(accepted(0, {"recordId": "SF9", "code": "2001", "message": "?"}))
    with pytest.raises(OutcomeUnknown, match="failed records do not match"):
        client.history("bill", "b", [BILL])


def test_a_page_too_large_or_with_twin_record_ids_is_not_sent() -> None:
    client, adapter = canned_client()
    with pytest.raises(Misconfigured, match="201 records in one call, at most 200"):
        client.history("bill", "b", [{**BILL, "recordId": f"SF{i}"} for i in range(201)])
    with pytest.raises(ValueError, match="its own recordId"):
        client.history("bill", "b", [BILL, BILL])
    with pytest.raises(ValueError, match="unknown history data type"):
        client.history("invoice", "b", [BILL])
    assert adapter.sent == []


@pytest.mark.parametrize(("reply", "error", "words"), [
    (answer("2001", "参数错误: 必填字段[summary](事件摘要)为空"), Refused, "必填字段[summary]"),
    (answer("9999", "别的拒收"), Refused, "别的拒收"),
    (answer("1002", "签名错误"), Misconfigured, "1002"),
    (answer("1003", "时间戳超出允许范围"), Misconfigured, "1003"),
    (answer("1005", "未知appId"), Misconfigured, "1005"),
    (answer("1006", "来源IP不在白名单"), Misconfigured, "1006"),
    (answer("2004", "未找到", status=404), Misconfigured, "2004"),
    (answer("1004", "重复的请求"), Busy, "1004"),
    (answer("1007", "请求过于频繁", status=429), Busy, "1007"),
    (answer("5003", "暂不可用", status=503), Busy, "5003"),
    (answer("5000", "系统内部错误", status=500), OutcomeUnknown, "5000"),
    (answer("0", "成功", {"eventId": "CHECKED_IN:MZ1", "duplicate": False}, status=500), OutcomeUnknown, "HTTP 500"),
    (respond(text="<html>bad gateway</html>", status=502), OutcomeUnknown, "HTTP 502"),
    (respond(text="<html>not found</html>", status=404), Misconfigured, "HTTP 404"),
    (respond(text="denied", status=403), Misconfigured, "HTTP 403"),
    (respond(text="", status=408), NotSent, "HTTP 408"),
    (respond(text="", status=429), Busy, "HTTP 429"),
    (respond(text="not json", status=200), OutcomeUnknown, "HTTP 200"),
    (answer("0", "成功", {"eventId": "CHECKED_IN:OTHER"}), OutcomeUnknown, "not the one sent"),
    (connect_refused(), NotSent, "not sent: ConnectionError"),
    (requests.ConnectTimeout("connect"), NotSent, "not sent: ConnectTimeout"),
    (requests.ReadTimeout("read"), OutcomeUnknown, "outcome unknown: ReadTimeout"),
    (requests.ConnectionError("reset by peer"), OutcomeUnknown, "outcome unknown: ConnectionError"),
])
def test_each_answer_or_fault_is_one_error(reply, error, words) -> None:
    client, _ = canned_client(reply)
    with pytest.raises(error) as raised:
        client.notify(EVENT)
    assert type(raised.value) is error and words in str(raised.value)
    assert raised.value.operation == "notify"


def test_the_answer_codes_are_data_with_success_declared() -> None:
    codes = load_answer_codes()
    assert codes.classify("0") is AnswerClass.OK
    assert codes.classify("12345") is AnswerClass.REFUSED  # otherwise
    assert codes.title("1007") == "请求过于频繁"


def test_the_probe_is_an_empty_signed_notify_whose_2001_proves_the_connection() -> None:
    client, adapter = canned_client(answer("2001", "参数错误: 必填字段[orgCode]为空"), answer("1002", "签名错误"))
    exchange = client.probe()
    assert adapter.sent[0].biz == {} and exchange.status == 200
    with pytest.raises(Misconfigured):
        client.probe()


def test_paths_move_an_operation_or_send_it_elsewhere() -> None:
    client, adapter = canned_client(notified(), accepted(1), paths={"notify": "/cb/push/notify",
                                                                     "history": "https://other.test/h"})
    client.notify(EVENT)
    client.history("bill", "b", [BILL])
    assert adapter.sent[0].request.url == "http://city-brain.test:8885/cb/push/notify"
    assert adapter.sent[1].request.url == "https://other.test/h"


def test_the_log_names_the_call_never_its_content(caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="hisbridge.platforms.city_brain.client")
    client, _ = canned_client(notified(), answer("5000", "系统内部错误 13912345678", status=500))
    client.notify(EVENT)
    with pytest.raises(OutcomeUnknown):
        client.notify(EVENT)
    text = caplog.text
    assert "notify" in text and "req-1" in text
    assert "P0001" not in text and "签到" not in text and "13912345678" not in text


def test_settings_refuse_what_cannot_work() -> None:
    from pydantic import ValidationError

    from .sender_fakes import settings

    with pytest.raises(ValidationError, match="sign_type must be one of"):
        settings(sign_type="MD5")
    with pytest.raises(ValidationError, match="paths for unknown operations"):
        settings(paths={"deleteData": "/x"})
    with pytest.raises(ValidationError, match="base_url must start with http"):
        settings(base_url="ftp://city-brain.test")
    with pytest.raises(ValidationError, match="secret"):
        settings(secret="")
    assert isinstance(CityBrainClient(settings()), CityBrainClient)
