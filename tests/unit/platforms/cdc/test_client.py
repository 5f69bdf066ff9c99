"""The push client: exactly what goes on the wire, the front-end's answer read in every shape public material
shows, and each failure mapped to the one error that says whether the front-end may have acted."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from hisbridge.platforms.cdc.client import CdcClient, CdcSettings, read_reply
from hisbridge.platforms.cdc.errors import Busy, EndpointRefused, NotSent, OutcomeUnknown, Refused

from .fakes import canned_client, frontend_stub, ok, respond

BODY = {"id": "P1", "patientName": "张三", "idCard": "360102199001011234", "operationTime": "2026-03-02 08:15:03"}


def test_post_sends_one_json_record_to_the_entity_path() -> None:
    client, adapter = canned_client(ok("P1"), connect_timeout=2, read_timeout=9)
    answer = client.post("emrPatientInfo", BODY)

    [sent] = adapter.sent
    assert sent.request.method == "POST"
    assert sent.request.url == "http://cdc-frontend.test:8881/hclient/emr/receive/emrPatientInfo"
    assert sent.request.headers["Content-Type"] == "application/json"
    assert sent.request.body.decode("utf-8") == (
        '{"id":"P1","patientName":"张三","idCard":"360102199001011234","operationTime":"2026-03-02 08:15:03"}')
    assert sent.timeout == (2.0, 9.0)
    assert (answer.result, answer.id, answer.desc) == (True, "P1", "成功")
    assert answer.exchange.status == 200 and answer.exchange.request_text == sent.request.body.decode()


def test_delete_sends_the_id_in_a_json_body() -> None:
    client, adapter = canned_client(ok("P1"))
    client.delete("emrPatientInfo", {"id": "P1"})
    assert adapter.sent[0].request.method == "DELETE"
    assert adapter.sent[0].body == {"id": "P1"}


def test_result_false_is_a_refusal_with_the_front_ends_words() -> None:
    client, _ = canned_client(respond({"result": False, "desc": "证件号码 360102199001011234 不合法", "id": "P1",
                                       "errorCode": "E102", "errorName": "字段校验失败"}))
    with pytest.raises(Refused) as info:
        client.post("emrPatientInfo", BODY, pii_values={"360102199001011234", "张三"})
    error = info.value
    assert (error.error_code, error.record_id, error.entity) == ("E102", "P1", "emrPatientInfo")
    assert error.words == "证件号码 360102199001011234 不合法 字段校验失败"  # the ledger keeps the words …
    assert "360102199001011234" not in str(error) and "E102" in str(error)  # … a log line never the ID number


@pytest.mark.parametrize(("reply", "result", "words"), [
    ({"result": "true", "msg": "ok"}, True, "ok"),
    ({"result": 1}, True, ""),
    ({"result": "false", "msg": "参数错误"}, False, "参数错误"),
    ({"result": False, "errorCode": 500, "errorName": "系统异常"}, False, "系统异常"),
])
def test_reply_shapes_seen_in_public_material_are_read(reply, result, words) -> None:
    data = read_reply(respond(reply).text)
    assert data is not None and data["result"] is result
    assert " ".join(w for w in (data["desc"], data["error_name"]) if w) == words


@pytest.mark.parametrize("text", ['{"code": 0}', "<html>ok</html>", "", '{"result": "maybe"}', "[1]"])
def test_an_answer_without_a_readable_result_is_not_a_reply(text) -> None:
    assert read_reply(text) is None


@pytest.mark.parametrize(("answer", "error"), [
    (respond({"result": True}, status=500), OutcomeUnknown),  # 5xx after the body was sent: may have been stored
    (respond(text="Bad Gateway", status=502, content_type="text/html"), OutcomeUnknown),
    (respond(text="<html>ok</html>", content_type="text/html"), OutcomeUnknown),  # 200 without a result
    (respond(text="<html>Not Found</html>", status=404, content_type="text/html"), EndpointRefused),
    (respond(text="", status=405), EndpointRefused),
    (respond(text="", status=301), EndpointRefused),
    (respond(text="", status=429), Busy),
    (respond(text="", status=408), NotSent),
    (requests.ConnectTimeout("connect timed out"), NotSent),
    (requests.ReadTimeout("read timed out"), OutcomeUnknown),
    (requests.ConnectionError("Connection aborted: RemoteDisconnected"), OutcomeUnknown),
])
def test_each_failure_says_whether_the_front_end_may_have_acted(answer, error) -> None:
    client, _ = canned_client(answer)
    with pytest.raises(error) as info:
        client.post("emrExLab", {"id": "L1"})
    assert type(info.value) is error
    assert info.value.record_id == "L1" and info.value.exchange is not None


def test_a_refusal_in_a_4xx_answer_is_still_the_front_ends_refusal() -> None:
    client, _ = canned_client(respond({"result": False, "desc": "缺少必填字段 id"}, status=400))
    with pytest.raises(Refused, match="缺少必填字段"):
        client.post("emrExLab", {"patientId": "P1"})


def test_not_found_words_are_configurable() -> None:
    client, _ = canned_client()
    assert client.is_not_found("记录不存在") and client.is_not_found("Record NOT FOUND")
    assert not client.is_not_found("字段校验失败")
    custom, _ = canned_client(not_found_words=("无此记录",))
    assert custom.is_not_found("无此记录") and not custom.is_not_found("记录不存在")


def test_settings_refuse_a_url_without_scheme_and_a_path_without_entity() -> None:
    with pytest.raises(ValueError, match="http"):
        CdcSettings(base_url="10.1.2.3:8881")
    with pytest.raises(ValueError, match="entity"):
        CdcSettings(base_url="http://10.1.2.3:8881", path="/hclient/emr/receive")
    assert CdcSettings(base_url="http://h:1/").url_for("baseDept") == "http://h:1/hclient/emr/receive/baseDept"


# -- through real sockets ------------------------------------------------------------------------------------


def test_a_real_receiver_upserts_and_deletes() -> None:
    with frontend_stub() as stub:
        client = stub.client()
        assert client.post("emrPatientInfo", BODY).result
        assert client.post("emrPatientInfo", {**BODY, "patientName": "张三丰"}).id == "P1"
        assert stub.held["emrPatientInfo"]["P1"]["patientName"] == "张三丰"
        assert client.delete("emrPatientInfo", {"id": "P1"}).result
        with pytest.raises(Refused) as info:
            client.delete("emrPatientInfo", {"id": "P1"})
        assert client.is_not_found(info.value.words)


def test_nothing_listening_is_not_sent() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    client = CdcClient(CdcSettings(base_url=f"http://127.0.0.1:{port}", connect_timeout=1))
    with pytest.raises(NotSent):
        client.post("emrExLab", {"id": "L1"})


def test_a_receiver_that_never_answers_leaves_the_outcome_unknown() -> None:
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
    client = CdcClient(CdcSettings(base_url=f"http://127.0.0.1:{listener.getsockname()[1]}", read_timeout=0.3))
    try:
        with pytest.raises(OutcomeUnknown) as info:
            client.post("emrExLab", {"id": "L1"})
        assert info.value.exchange.error == "ReadTimeout"
    finally:
        release.set()
        thread.join(5)
        listener.close()
