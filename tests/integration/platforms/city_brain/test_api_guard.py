# ruff: noqa: F811 - the rig's fixtures are imported from api_support and taken by name
"""Refusals through the app on the PostgreSQL demo HIS: a bad signature, a replayed nonce, a timestamp out of the
window, a caller over its rate, an address outside the allow-list, an unknown appId, a missing signature — each
answered with its code and its HTTP status, journalled, and with nothing read from the HIS."""

from __future__ import annotations

import time

import orjson
import pytest

from tests.integration.platforms.city_brain.api_support import (  # noqa: F401 - fixtures by name
    Rig,
    anyio_backend,
    his_db,
    ledger,
    request,
    rig,
)

pytestmark = pytest.mark.anyio
BIZ = {"pageNo": 1, "pageSize": 5}


async def _refused(rig: Rig, answer, code: str, status: int = 200, caller: str | None = "cb01") -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code and body["data"] is None, body
    assert rig.counter.count == 0, f"the HIS was read: {rig.counter.statements}"
    entry = rig.journal(answer.headers["x-request-id"])
    assert (entry["platform"], entry["direction"], entry["operation"]) == ("city_brain", "in", "departments")
    assert (entry["outcome"], entry["platform_code"], entry["http_status"]) == (code, code, status)
    assert entry["caller"] == caller and entry["err_msg"] == body["message"]
    return body


async def test_a_bad_signature_is_1002(rig: Rig) -> None:
    rig.counter.reset()
    answer = await rig.post("departments", request("cb01", BIZ, secret="a-guessed-secret-0123456789"))
    body = await _refused(rig, answer, "1002")
    assert body["message"] == "签名错误：SM3 签名与请求不符（签名串规则见接口文档）"


async def test_another_algorithm_than_the_callers_is_1002(rig: Rig) -> None:
    rig.counter.reset()
    answer = await rig.post("departments", request("cb01", BIZ, sign_type="HMAC-SHA256"))
    assert "cb01 须使用 SM3 签名" in (await _refused(rig, answer, "1002"))["message"]


async def test_a_replayed_request_is_1004(rig: Rig) -> None:
    sent = request("cb01", BIZ)
    first = await rig.post("departments", sent)
    assert first.json()["code"] == "0"
    rig.counter.reset()
    again = await rig.post("departments", sent)
    assert "nonce 已使用过" in (await _refused(rig, again, "1004"))["message"]
    other = request("cb02", BIZ, nonce=sent["nonce"])  # the same nonce from another caller is its own
    assert (await rig.post("departments", other)).json()["code"] == "0"


@pytest.mark.parametrize("skew_s", [-301, 301])
async def test_a_timestamp_out_of_the_window_is_1003(rig: Rig, skew_s: int) -> None:
    rig.counter.reset()
    answer = await rig.post("departments", request("cb01", BIZ, timestamp_ms=int((time.time() + skew_s) * 1000)))
    assert "允许 ±300 秒" in (await _refused(rig, answer, "1003"))["message"]


async def test_a_caller_over_its_rate_is_1007_with_http_429(rig: Rig) -> None:
    for _ in range(2):  # its burst
        assert (await rig.call("departments", BIZ, app_id="slow")).json()["code"] == "0"
    rig.counter.reset()
    answer = await rig.call("departments", BIZ, app_id="slow")
    await _refused(rig, answer, "1007", status=429, caller="slow")
    assert answer.headers["retry-after"] == "2"  # 0.5 a second: the next token in 2 s
    assert (await rig.call("departments", BIZ)).json()["code"] == "0"  # other callers are not slowed


async def test_an_address_outside_every_allow_list_is_1006(rig: Rig) -> None:
    rig.counter.reset()
    answer = await rig.post("departments", request("cb01", BIZ), client=("10.9.9.9", 40000))
    body = await _refused(rig, answer, "1006", caller="cb01")  # the appId it claimed, for the journal
    assert body["message"] == "来源 IP 不在白名单：10.9.9.9"


async def test_another_callers_address_is_1006(rig: Rig) -> None:
    rig.counter.reset()
    answer = await rig.post("departments", request("cb01", BIZ), client=("10.20.1.1", 40000))  # cb02's network
    assert "10.20.1.1 不在 cb01 的白名单中" in (await _refused(rig, answer, "1006"))["message"]


async def test_an_unknown_app_id_is_1005(rig: Rig) -> None:
    rig.counter.reset()
    answer = await rig.post("departments", request("cb99", BIZ))
    assert "cb99 未登记或已停用" in (await _refused(rig, answer, "1005", caller="cb99"))["message"]


async def test_a_missing_signature_is_1001(rig: Rig) -> None:
    rig.counter.reset()
    unsigned = {k: v for k, v in request("cb01", BIZ).items() if k != "sign"}
    answer = await rig.post("departments", unsigned)
    assert (await _refused(rig, answer, "1001"))["message"] == "缺少签名参数：缺少 sign"


async def test_a_body_that_is_not_json_is_2001(rig: Rig) -> None:
    rig.counter.reset()
    answer = await rig.post("departments", b"appId=cb01&sign=x")
    await _refused(rig, answer, "2001", caller=None)
    assert rig.journal(answer.headers["x-request-id"])["request"] == "appId=cb01&sign=x"


async def test_a_refused_call_keeps_no_personal_data_in_the_journal(rig: Rig) -> None:
    rig.counter.reset()
    sent = request("cb01", {"idCardType": "01", "idCardNo": "360102199001010011"}, secret="wrong-secret-0123456789")
    answer = await rig.post("patientProfile", sent)
    assert answer.json()["code"] == "1002" and rig.counter.count == 0
    entry = rig.journal(answer.headers["x-request-id"])
    kept = orjson.loads(entry["request"])
    assert "360102199001010011" not in entry["request"] and "sign" not in kept
    assert kept["bizContent"] == {"idCardType": "01", "idCardNo": "360*************11"}
