"""The envelope: what a request must carry, the answer's shape, and the list page."""

from __future__ import annotations

import orjson
import pytest

from hisbridge.platforms.city_brain.answers import ApiError, load_answers
from hisbridge.platforms.city_brain.envelope import answer_bytes, page_data, read_envelope, signed_request
from hisbridge.platforms.city_brain.signing import verify


def test_a_signed_request_reads_back_with_its_exact_fields() -> None:
    sent = signed_request("cb01", "s" * 16, {"patientId": "P1"}, timestamp_ms=1764000000123, nonce="N" * 16)
    read = read_envelope(orjson.dumps(sent))
    assert (read.app_id, read.timestamp_ms, read.nonce, read.sign_type, read.biz) == (
        "cb01", 1764000000123, "N" * 16, "SM3", {"patientId": "P1"})
    assert read.raw == sent and verify(read.raw, "s" * 16, "SM3")


def test_a_missing_biz_content_reads_as_no_parameters_and_is_not_signed() -> None:
    sent = signed_request("cb01", "s" * 16, {})
    del sent["bizContent"]
    read = read_envelope(orjson.dumps(sent))
    assert read.biz == {} and "bizContent" not in read.raw


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"appId": None}, "1001", "缺少 appId"),
    ({"sign": "", "nonce": ""}, "1001", "缺少 nonce、sign"),
    ({"timestamp": "2026-11-24"}, "1001", "timestamp"),
    ({"timestamp": True}, "1001", "timestamp"),
    ({"appId": "cb 01"}, "1001", "appId"),
    ({"bizContent": "patientId=P1"}, "2001", "bizContent"),
])
def test_a_malformed_envelope_names_the_field(change: dict, code: str, words: str) -> None:
    sent = {**signed_request("cb01", "s" * 16, {}), **change}
    with pytest.raises(ApiError) as wrong:
        read_envelope(orjson.dumps(sent))
    assert wrong.value.code == code and words in wrong.value.detail


def test_the_answer_carries_code_message_request_id_and_data() -> None:
    data = page_data(3, 1, 50, [{"deptCode": "0101"}])
    assert orjson.loads(answer_bytes("0", "成功", "r1", data)) == {
        "code": "0", "message": "成功", "requestId": "r1",
        "data": {"total": 3, "pageNo": 1, "pageSize": 50, "list": [{"deptCode": "0101"}]}}
    assert orjson.loads(answer_bytes("1002", "签名错误：x", "r2")) == {
        "code": "1002", "message": "签名错误：x", "requestId": "r2", "data": None}


def test_answer_codes_are_the_specs_with_their_http_statuses() -> None:
    answers = load_answers()
    assert {c: a.status for c, a in answers.codes.items() if a.status != 200} == {"1007": 429, "5000": 500,
                                                                                 "5003": 503}
    assert answers.message("0") == "成功"
    assert answers.message("1003", "相差 400 秒") == "时间戳超出允许范围：相差 400 秒"
    assert answers.message("2004") == "未找到" and answers.codes["1006"].message == "来源 IP 不在白名单"
    assert answers.status("9999") == 500  # an undeclared code is an internal error
