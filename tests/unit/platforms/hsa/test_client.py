"""HsaClient against a canned transport: what is sent, and what each kind of answer (or silence) becomes."""

from __future__ import annotations

import logging

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from hisbridge.platforms.hsa import models as m
from hisbridge.platforms.hsa.client import HsaClient
from hisbridge.platforms.hsa.errors import (
    GatewayRejected,
    HsaError,
    NotSent,
    OutcomeUnknown,
    Rejected,
    RowRejected,
)

from .fakes import CODE, ok, refused, respond, sale_row, signed_in

URL = "https://hsa-gw.test:8443/fsi/api/rsfComIfsService/callService"


def sale(**overrides) -> m.Sale:
    return m.Sale.model_validate(sale_row(**overrides))


def delete(bchno: str = "B1") -> m.InventoryDelete:
    return m.InventoryDelete(fixmedins_bchno=bchno, inv_data_type="4")


def connect_refused() -> requests.ConnectionError:
    """What requests raises when nothing listens on the port."""
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, URL, reason))


# -- what is sent -------------------------------------------------------------------------------------------------


def test_call_posts_the_envelope_with_the_given_msgid(client, adapter):
    adapter.queue(ok({"result": {"retRslt": "1", "msgRslt": "成功"}}))
    msgid = client.next_msgid()
    answer = client.call("3505", sale(), msgid=msgid)

    [sent] = adapter.sent
    assert sent.request.method == "POST" and sent.request.url == URL
    assert sent.timeout == (5.0, 30.0)
    assert sent.request.headers["Content-Type"].startswith("application/json")
    envelope = sent.envelope
    assert envelope["infno"] == "3505" and envelope["msgid"] == msgid == "H36010000001202611240930150001"
    assert envelope["inf_time"] == "2026-11-24 09:30:15" and envelope["sign_no"] == ""
    assert envelope["input"] == {"selinfo": sale().model_dump(mode="json")}
    assert answer.ok and answer.ret_rslt == "1"


def test_a_mapping_body_is_validated_through_the_model(client, adapter):
    adapter.queue(ok())
    client.call("3507", {"fixmedins_bchno": "B1", "inv_data_type": 4})
    assert adapter.envelopes[0]["input"] == {"data": {"fixmedins_bchno": "B1", "inv_data_type": "4"}}


def test_a_body_of_the_wrong_model_is_refused_before_sending(client, adapter):
    with pytest.raises(TypeError, match="3507 takes InventoryDelete"):
        client.call("3507", sale())
    with pytest.raises(TypeError, match="call_batch"):
        client.call("3505A", sale())
    assert adapter.sent == []


def test_without_a_msgid_the_client_takes_the_next(client, adapter):
    adapter.queue(ok(), ok())
    first = client.call("3507", delete())
    second = client.call("3507", delete())
    assert first.exchange.msgid != second.exchange.msgid
    assert [e["msgid"] for e in adapter.envelopes] == [first.exchange.msgid, second.exchange.msgid]


def test_exchange_is_the_evidence_of_what_was_sent_and_received(make_client, adapter):
    client = make_client(sign_in=False, auth="tif", paasid="paas-hb", secret="s3cr3t-key")
    adapter.queue(ok({"result": {"retRslt": "1"}}))
    answer = client.call("3507", delete())
    exchange = answer.exchange
    assert exchange is client.last_exchange and answer.exchanges == (exchange,)
    assert exchange.request == adapter.envelopes[0]
    assert exchange.request_text.encode("utf-8") == adapter.sent[0].request.body
    assert exchange.status == 200 and '"retRslt": "1"' in exchange.response_text
    assert exchange.duration_ms >= 0 and exchange.url == URL and exchange.error is None
    # headers as sent, minus secrets
    sent_headers = adapter.sent[0].request.headers
    assert sent_headers["x-tif-paasid"] == "paas-hb" and len(sent_headers["x-tif-signature"]) == 64
    assert exchange.request_headers["x-tif-signature"] == "***"
    assert exchange.request_headers["x-tif-timestamp"] == str(int(exchange.sent_at.timestamp()))
    assert "s3cr3t-key" not in str(exchange.as_dict())


def test_csb_api_name_is_the_infno(make_client, adapter):
    client = make_client(sign_in=False, auth="csb", paasid="ak-hb", secret="s3cr3t-key")
    adapter.queue(ok())
    client.call("3507", delete())
    headers = adapter.sent[0].request.headers
    assert headers["_api_name"] == "3507" and headers["_api_access_key"] == "ak-hb"
    assert headers["_api_version"] == "1.0.0" and len(headers["_api_timestamp"]) == 13


# -- business answers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("infcode", [0, "0"])
def test_infcode_zero_as_number_or_text_is_success(client, adapter, infcode):
    adapter.queue(ok(infcode=infcode))
    assert client.call("3507", delete()).infcode == 0


def test_missing_result_counts_as_success(client, adapter):
    adapter.queue(ok(None))
    answer = client.call("3505", sale())
    assert answer.ok and answer.ret_rslt is None


@pytest.mark.parametrize("infcode", [-1, "-1", -2, 1])
def test_nonzero_infcode_is_rejected_with_the_platform_words(client, adapter, infcode):
    adapter.queue(refused("销售信息校验失败：人员张三证件号码36010219800101001X不存在", infcode))
    with pytest.raises(Rejected) as info:
        client.call("3505", sale(), msgid="H36010000001202611240930159999")
    error = info.value
    assert error.infcode == int(infcode) and error.msgid == "H36010000001202611240930159999"
    assert "证件号码" in error.err_msg and "张三" in error.err_msg  # kept for the ledger …
    assert "张三" not in str(error) and "36010219800101001X" not in str(error)  # … not for logs
    assert error.exchange is not None and error.exchange.status == 200
    assert error.answer.infcode == int(infcode)


def test_rejection_of_nothing_to_delete_is_recognisable(client, adapter):
    adapter.queue(refused("未查询到该批次的销售信息"))
    with pytest.raises(Rejected) as info:
        client.call("3507", delete())
    assert info.value.is_not_found and not info.value.is_sign_expired


def test_ret_rslt_0_on_a_single_row_is_row_rejected(client, adapter):
    adapter.queue(ok({"result": {"retRslt": "0", "msgRslt": "追溯码81234567890123456789已销售"}}))
    with pytest.raises(RowRejected) as info:
        client.call("3505", sale(), msgid="H36010000001202611240930150042")
    assert info.value.msg_rslt == "追溯码81234567890123456789已销售"
    assert info.value.msgid == "H36010000001202611240930150042" and info.value.exchange.status == 200


# -- batches ------------------------------------------------------------------------------------------------------


def batch_rows() -> list[m.Sale]:
    return [
        sale(rtal_docno="LS1"),
        sale(rtal_docno="LS2"),
        sale(rtal_docno="LS3", fixmedins_hilist_id="100999"),
    ]


def test_batch_without_error_details_is_all_ok(client, adapter):
    adapter.queue(ok({"result": {"retRslt": "1", "msgRslt": "成功"}}))
    batch = client.call_batch("3505A", batch_rows())
    assert [r.ok for r in batch.rows] == [True, True, True] and batch.ok_count == 3 and batch.failed == []
    assert len(adapter.envelopes[0]["input"]["selinfoDetail"]) == 3


def test_batch_error_details_are_matched_back_to_the_rows_sent(client, adapter):
    rows = batch_rows()
    echo_2 = {**rows[1].model_dump(mode="json"), "errMsg": "医疗目录编码不存在"}
    echo_3 = {**rows[2].model_dump(mode="json"), "errMsg": "批次号重复"}
    echo_3["fixmedins_hilist_id"] = 100999  # echoed as a number
    echo_3["sel_retn_time"] = "2026-11-24T09:30:00.000"  # echoed in another date-time style
    adapter.queue(
        ok({"result": {"retRslt": "0", "msgRslt": "部分失败"}, "selinfoErrDetail": [echo_3, echo_2]})
    )
    batch = client.call_batch("3505A", rows)
    assert [(r.index, r.ok, r.err_msg) for r in batch.rows] == [
        (0, True, None), (1, False, "医疗目录编码不存在"), (2, False, "批次号重复"),
    ]  # fmt: skip


def test_batch_error_detail_matching_no_sent_row_makes_the_outcome_unknown(client, adapter):
    rows = batch_rows()
    stranger = {**rows[0].model_dump(mode="json"), "rtal_docno": "LS404", "errMsg": "人员张三信息有误"}
    adapter.queue(ok({"result": {"retRslt": "0"}, "selinfoErrDetail": [stranger]}))
    with pytest.raises(OutcomeUnknown) as info:
        client.call_batch("3505A", rows)
    message = str(info.value)
    assert "1 of 1 failed rows" in message and "3 rows" in message
    assert "张三" not in message and "LS404" not in message
    assert info.value.exchange is not None


def test_batch_ret_rslt_0_without_details_fails_every_row(client, adapter):
    adapter.queue(ok({"result": {"retRslt": "0", "msgRslt": "批量数据校验失败"}}))
    batch = client.call_batch("3505A", batch_rows())
    assert [(r.ok, r.err_msg) for r in batch.rows] == [(False, "批量数据校验失败")] * 3


def test_batch_refused_as_a_whole_is_rejected(client, adapter):
    adapter.queue(refused("报文格式错误"))
    with pytest.raises(Rejected):
        client.call_batch("3505A", batch_rows())


def test_batch_rows_with_the_same_identity_are_refused_before_sending(client, adapter):
    with pytest.raises(ValueError, match="rows 0 and 1 have the same identity"):
        client.call_batch("3505A", [sale(), sale(psn_name="李四")])
    with pytest.raises(ValueError, match="no rows"):
        client.call_batch("3505A", [])
    with pytest.raises(TypeError, match="call\\(\\)"):
        client.call_batch("3505", [sale()])
    assert adapter.sent == []


def test_batch_error_detail_names_are_per_transaction(client, adapter):
    rows = [m.PurchaseReturn.model_validate({
        "med_list_codg": "XJ01", "fixmedins_hilist_id": "100234", "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": f"B{i}", "spler_name": "江西某医药公司", "manu_date": "2024-03-01",
        "expy_end": "2027-02-28", "purc_retn_cnt": 20, "purc_invo_no": "00012345", "rx_flag": "1",
        "purc_retn_stoin_time": "2026-11-24 08:00:00", "purc_retn_opter_name": "采购甲",
    }) for i in range(2)]  # fmt: skip
    failed = {**rows[1].model_dump(mode="json"), "errMsg": "供应商不存在"}
    adapter.queue(ok({"result": {"retRslt": "0"}, "purcinfoErrDetail": [failed]}))
    batch = client.call_batch("3504A", rows)
    assert [r.ok for r in batch.rows] == [True, False]
    assert adapter.envelopes[0]["input"].keys() == {"purcinfoDetail"}


# -- transport and gateway failures -------------------------------------------------------------------------------


def test_connect_error_is_not_sent(client, adapter):
    adapter.queue(connect_refused())
    with pytest.raises(NotSent) as info:
        client.call("3505", sale())
    assert info.value.exchange.error == "ConnectionError" and info.value.exchange.status is None


def test_connect_timeout_is_not_sent(client, adapter):
    adapter.queue(requests.ConnectTimeout("connect timed out"))
    with pytest.raises(NotSent):
        client.call("3505", sale())


def test_read_timeout_makes_the_outcome_unknown(client, adapter):
    adapter.queue(requests.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknown) as info:
        client.call("3505", sale(), msgid="H36010000001202611240930150077")
    assert info.value.msgid == "H36010000001202611240930150077"
    assert info.value.exchange.request["msgid"] == "H36010000001202611240930150077"
    assert info.value.exchange.error == "ReadTimeout"


def test_connection_dropped_after_sending_makes_the_outcome_unknown(client, adapter):
    adapter.queue(requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104))))
    with pytest.raises(OutcomeUnknown):
        client.call("3505", sale())


def test_read_timeout_of_a_read_only_transaction_is_safe_to_repeat(make_client, adapter):
    client = make_client()
    adapter.queue(requests.ReadTimeout("read timed out"))
    with pytest.raises(NotSent):
        client.sign_in()


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_http_5xx_makes_the_outcome_unknown(client, adapter, status):
    adapter.queue(
        respond(text="<html><body>Bad Gateway</body></html>", status=status, content_type="text/html")
    )
    with pytest.raises(OutcomeUnknown, match=f"HTTP {status}") as info:
        client.call("3505", sale())
    assert info.value.exchange.status == status and "Bad Gateway" in info.value.exchange.response_text


def test_html_body_makes_the_outcome_unknown(client, adapter):
    adapter.queue(respond(text="<html>维护中</html>", content_type="text/html"))
    with pytest.raises(OutcomeUnknown, match="not a JSON object"):
        client.call("3505", sale())


def test_json_without_infcode_or_gateway_shape_makes_the_outcome_unknown(client, adapter):
    adapter.queue(respond({"output": {}}))
    with pytest.raises(OutcomeUnknown, match="no infcode"):
        client.call("3505", sale())


@pytest.mark.parametrize("status", [401, 403])
def test_gateway_auth_refusal_is_gateway_rejected(client, adapter, status):
    adapter.queue(respond({"code": "401", "message": "签名校验失败"}, status=status))
    with pytest.raises(GatewayRejected, match="签名校验失败") as info:
        client.call("3505", sale())
    assert info.value.status == status and info.value.exchange is not None


def test_gateway_json_with_http_200_is_gateway_rejected(client, adapter):
    adapter.queue(respond({"code": "999", "msg": "paasid不存在"}))
    with pytest.raises(GatewayRejected, match="paasid"):
        client.call("3505", sale())


def test_wrong_path_is_gateway_rejected(client, adapter):
    adapter.queue(respond(text="Not Found", status=404, content_type="text/plain"))
    with pytest.raises(GatewayRejected, match="HTTP 404"):
        client.call("3505", sale())


def test_rate_limit_is_not_sent(client, adapter):
    adapter.queue(respond({"code": "429", "msg": "too many requests"}, status=429))
    with pytest.raises(NotSent):
        client.call("3505", sale())


def test_an_envelope_under_a_4xx_status_is_read_as_the_platform_answer(client, adapter):
    adapter.queue(respond({"infcode": -1, "err_msg": "参数错误"}, status=400))
    with pytest.raises(Rejected, match="参数错误"):
        client.call("3505", sale())


def test_every_error_is_an_hsa_error_carrying_evidence(client, adapter):
    adapter.queue(
        connect_refused(),
        requests.ReadTimeout(),
        respond(text="x", status=502),
        respond({"code": 1}, status=401),
        refused("x"),
        ok({"result": {"retRslt": "0"}}),
    )
    for _ in range(6):
        with pytest.raises(HsaError) as info:
            client.call("3505", sale())
        assert info.value.exchange is not None and info.value.exchange.request["infno"] == "3505"


# -- sign-in ------------------------------------------------------------------------------------------------------


def test_first_call_signs_in_and_sends_the_sign_no(make_client, adapter):
    client = make_client()
    adapter.queue(signed_in("SN-1"), ok(), ok())
    client.call("3507", delete())
    client.call("3507", delete())
    infnos = [e["infno"] for e in adapter.envelopes]
    assert infnos == ["9001", "3507", "3507"]
    sign_in = adapter.envelopes[0]
    assert sign_in["sign_no"] == "" and sign_in["input"] == {
        "signIn": {"opter_no": "hb01", "mac": "00-11-22-33-44-55", "ip": "10.0.0.5"}
    }
    assert [e["sign_no"] for e in adapter.envelopes[1:]] == ["SN-1", "SN-1"]
    assert client.sign_no == "SN-1"


def test_expired_sign_in_is_renewed_and_the_call_resent_once_with_a_new_msgid(make_client, adapter):
    client = make_client()
    adapter.queue(signed_in("SN-1"), refused("签到信息已失效，请重新签到"), signed_in("SN-2"), ok())
    msgid = client.next_msgid()
    answer = client.call("3507", delete(), msgid=msgid)

    envelopes = adapter.envelopes
    assert [e["infno"] for e in envelopes] == ["9001", "3507", "9001", "3507"]
    first, retry = envelopes[1], envelopes[3]
    assert first["msgid"] == msgid and first["sign_no"] == "SN-1"
    assert retry["msgid"] != msgid and retry["sign_no"] == "SN-2"
    assert retry["msgid"] not in {e["msgid"] for e in envelopes[:3]}
    assert [x.msgid for x in answer.exchanges] == [msgid, retry["msgid"]]
    assert answer.exchange.msgid == retry["msgid"]


def test_a_second_sign_in_refusal_is_not_retried_again(make_client, adapter):
    client = make_client()
    adapter.queue(signed_in("SN-1"), refused("未签到"), signed_in("SN-2"), refused("未签到"))
    with pytest.raises(Rejected) as info:
        client.call("3507", delete())
    assert len(adapter.sent) == 4 and info.value.is_sign_expired
    assert len(info.value.exchanges) == 2


def test_without_sign_in_a_sign_in_refusal_is_just_rejected(client, adapter):
    adapter.queue(refused("未签到"))
    with pytest.raises(Rejected):
        client.call("3507", delete())
    assert len(adapter.sent) == 1


def test_sign_in_answer_without_sign_no_is_an_error(make_client, adapter):
    client = make_client()
    adapter.queue(ok({}))
    with pytest.raises(NotSent, match="sign_no"):
        client.sign_in()


def test_sign_out_sends_the_sign_no_and_forgets_it(make_client, adapter):
    client = make_client()
    adapter.queue(signed_in("SN-1"), ok({"signoutoutb": {"sign_time": "2026-11-24 18:00:00"}}))
    client.sign_in()
    client.sign_out()
    last = adapter.envelopes[-1]
    assert last["infno"] == "9002" and last["input"] == {"signOut": {"sign_no": "SN-1", "opter_no": "hb01"}}
    assert client.sign_no is None


# -- logging ------------------------------------------------------------------------------------------------------


def test_logs_carry_ids_and_counts_never_the_body(client, adapter, caplog):
    caplog.set_level(logging.DEBUG, logger="hisbridge")
    adapter.queue(ok({"result": {"retRslt": "1"}}), refused("人员张三不存在"), requests.ReadTimeout())
    client.call_batch("3505A", [sale()])
    for _ in range(2):
        with pytest.raises(HsaError):
            client.call("3505", sale())
    text = caplog.text
    assert "3505A" in text and CODE in text and "rows=1" in text
    for secret in ("张三", "36010219800101001X", "36000000000000000000001", "李医生", "阿莫西林"):
        assert secret not in text


def test_client_can_be_built_with_defaults(settings):
    with HsaClient(settings) as client:
        assert client.next_msgid().startswith(CODE)


def test_sign_in_without_a_configured_ip_sends_this_hosts_address_towards_the_gateway(make_client, adapter):
    client = make_client(ip=None, base_url="http://127.0.0.1:8097")
    adapter.queue(signed_in("SN-1"))
    client.sign_in()
    assert adapter.envelopes[0]["input"]["signIn"]["ip"] == "127.0.0.1"
