"""The common envelope: every request field, and answers parsed whatever shape infcode/output arrive in."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.envelope import ENVELOPE_FIELDS, Exchange, HsaAnswer, build_request

SPEC_FIELDS = [
    "infno", "msgid", "mdtrtarea_admvs", "insuplc_admdvs", "recer_sys_code", "dev_no", "dev_safe_info", "cainfo",
    "signtype", "infver", "opter_type", "opter", "opter_name", "inf_time", "fixmedins_code", "fixmedins_name",
    "sign_no", "input",
]  # fmt: skip


def test_request_has_every_envelope_field(settings):
    request = build_request(
        settings, infno="3507", msgid="H36010000001202611240930150001", node="data",
        body={"fixmedins_bchno": "B1", "inv_data_type": "4"},
        inf_time=datetime(2026, 11, 24, 1, 30, 15, tzinfo=UTC), sign_no="S1",
    )  # fmt: skip
    assert list(request) == SPEC_FIELDS == list(ENVELOPE_FIELDS)
    assert request["inf_time"] == "2026-11-24 09:30:15"  # Asia/Shanghai local time
    assert request["input"] == {"data": {"fixmedins_bchno": "B1", "inv_data_type": "4"}}
    assert request["mdtrtarea_admvs"] == "360100" and request["fixmedins_code"] == "H36010000001"
    assert request["insuplc_admdvs"] == "" and request["cainfo"] == "" and request["signtype"] == ""
    assert request["sign_no"] == "S1" and request["opter_type"] == "1" and request["infver"] == "V1.0"
    json.dumps(request)  # JSON-ready


@pytest.mark.parametrize(("raw", "expected"), [(0, 0), ("0", 0), (" 0 ", 0), (-1, -1), ("-1", -1), (0.0, 0)])
def test_infcode_is_parsed_from_number_or_text(raw, expected):
    assert HsaAnswer.model_validate({"infcode": raw}).infcode == expected


def test_infcode_that_is_not_a_number_is_unreadable():
    with pytest.raises(ValidationError):
        HsaAnswer.model_validate({"infcode": "E01"})


@pytest.mark.parametrize("output", [None, "", {}])
def test_absent_output_is_an_empty_dict(output):
    answer = HsaAnswer.model_validate({"infcode": 0, "output": output})
    assert answer.output == {} and answer.ret_rslt is None and answer.ok


def test_output_sent_as_json_text_is_read_as_an_object():
    answer = HsaAnswer.model_validate({"infcode": 0, "output": '{"result": {"retRslt": "1"}}'})
    assert answer.ret_rslt == "1"


def test_missing_result_with_infcode_0_is_success():
    answer = HsaAnswer.model_validate({"infcode": "0", "output": {"something": 1}})
    assert answer.ret_rslt is None and answer.msg_rslt is None and answer.ok


@pytest.mark.parametrize(("ret", "ok"), [("1", True), (1, True), ("0", False), (0, False)])
def test_two_level_result(ret, ok):
    answer = HsaAnswer.model_validate(
        {"infcode": 0, "output": {"result": {"retRslt": ret, "msgRslt": "原因"}}}
    )
    assert answer.ret_rslt == str(ret) and answer.msg_rslt == "原因" and answer.ok is ok


def test_answer_fields_and_extras_are_kept():
    answer = HsaAnswer.model_validate({
        "infcode": -1, "inf_refmsgid": "360100202611240930150000000001", "refmsg_time": 20261124093015012,
        "respond_time": "20261124093015130", "err_msg": "失败", "warn_msg": None, "enctype": None,
    })  # fmt: skip
    assert answer.refmsg_time == "20261124093015012" and answer.err_msg == "失败" and not answer.ok
    dumped = answer.model_dump()
    assert dumped["ret_rslt"] is None and "enctype" in dumped


def test_exchange_is_json_ready():
    exchange = Exchange(
        infno="3505",
        msgid="m",
        url="https://x/y",
        request={"a": 1},
        request_text='{"a":1}',
        request_headers={"x-tif-signature": "***"},
        sent_at=datetime(2026, 11, 24, tzinfo=UTC),
        status=200,
        response_text="{}",
        duration_ms=12,
    )
    assert json.loads(json.dumps(exchange.as_dict()))["sent_at"] == "2026-11-24T00:00:00+00:00"
