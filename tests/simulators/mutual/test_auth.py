"""Authentication modes: none, token, hmac (signature, ±300 s, nonce replay) — refusals are A0401."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from simulators.mutual.auth import Auth, hmac_headers, signature
from simulators.mutual.samples import row
from simulators.mutual.server import MutualSimulatorServer

APP, SECRET = "hisbridge-360102001", "s3cr3t-key"
BODY = {"orgCode": "360102001", "data": [row("uploadRegistration")]}


def _raw(body: object = BODY) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _post(sim: MutualSimulatorServer, raw: bytes, headers: dict[str, str], op: str = "uploadRegistration") -> dict:
    r = requests.post(sim.op_url(op), data=raw, headers={"Content-Type": "application/json", **headers}, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def _stored(sim: MutualSimulatorServer) -> int:
    return sum(len(by_no) for by_no in sim.state.rows.values())


@pytest.fixture
def hmac_sim() -> Iterator[MutualSimulatorServer]:
    with MutualSimulatorServer(auth=Auth("hmac", app_id=APP, secret=SECRET)) as sim:
        yield sim


@pytest.fixture
def token_sim() -> Iterator[MutualSimulatorServer]:
    with MutualSimulatorServer(auth=Auth("token", secret=SECRET)) as sim:
        yield sim


def test_no_auth_by_default(client) -> None:  # noqa: ANN001 - the shared fixture
    assert client.call("uploadRegistration", BODY)["code"] == "00000"


def test_token_accepts_the_bearer_token(token_sim: MutualSimulatorServer) -> None:
    assert _post(token_sim, _raw(), {"Authorization": f"Bearer {SECRET}"})["code"] == "00000"
    assert _stored(token_sim) == 1


@pytest.mark.parametrize(("headers", "words"), [({}, "缺少请求头Authorization"),
                                                ({"Authorization": "Bearer wrong"}, "令牌无效"),
                                                ({"Authorization": f"Basic {SECRET}"}, "令牌无效")])
def test_token_refuses_a_missing_or_wrong_token(token_sim: MutualSimulatorServer, headers: dict, words: str) -> None:
    answer = _post(token_sim, _raw(), headers)
    assert answer["code"] == "A0401" and words in answer["msg"] and answer["data"] is None
    assert _stored(token_sim) == 0 and token_sim.state.counters["auth_refused"] == 1


def test_hmac_accepts_a_signed_call(hmac_sim: MutualSimulatorServer) -> None:
    raw = _raw()
    assert _post(hmac_sim, raw, hmac_headers(APP, SECRET, raw))["code"] == "00000"
    assert _stored(hmac_sim) == 1


def test_hmac_signature_is_over_app_timestamp_nonce_and_raw_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"app" + b"1700000000000" + b"n1" + b'{"a":1}', hashlib.sha256).hexdigest()
    assert signature("k", "app", "1700000000000", "n1", b'{"a":1}') == expected


def test_hmac_refuses_a_wrong_signature_or_a_changed_body(hmac_sim: MutualSimulatorServer) -> None:
    raw = _raw()
    headers = hmac_headers(APP, SECRET, raw)
    tampered = raw.replace("测试甲".encode(), "测试乙".encode())
    answer = _post(hmac_sim, tampered, headers)
    assert answer["code"] == "A0401" and "签名校验失败" in answer["msg"]
    wrong_key = hmac_headers(APP, "other", raw)
    assert _post(hmac_sim, raw, wrong_key)["code"] == "A0401"
    assert _stored(hmac_sim) == 0


@pytest.mark.parametrize("offset_s", [-301, 301, -3600])
def test_hmac_refuses_a_timestamp_more_than_300_s_off(hmac_sim: MutualSimulatorServer, offset_s: int) -> None:
    raw = _raw()
    headers = hmac_headers(APP, SECRET, raw, timestamp_ms=int((time.time() + offset_s) * 1000))
    answer = _post(hmac_sim, raw, headers)
    assert answer["code"] == "A0401" and "时间戳超出允许范围" in answer["msg"]


@pytest.mark.parametrize("offset_s", [-290, 290])
def test_hmac_accepts_a_timestamp_within_the_window(hmac_sim: MutualSimulatorServer, offset_s: int) -> None:
    raw = _raw()
    headers = hmac_headers(APP, SECRET, raw, timestamp_ms=int((time.time() + offset_s) * 1000))
    assert _post(hmac_sim, raw, headers)["code"] == "00000"


def test_hmac_window_uses_the_real_clock_not_the_business_clock(hmac_sim: MutualSimulatorServer) -> None:
    hmac_sim.state.set_clock("2025-06-15 10:00:00")  # the platform's date for look-back: not for signatures
    raw = _raw()
    assert _post(hmac_sim, raw, hmac_headers(APP, SECRET, raw))["code"] == "00000"


def test_hmac_refuses_a_replayed_nonce(hmac_sim: MutualSimulatorServer) -> None:
    raw = _raw()
    headers = hmac_headers(APP, SECRET, raw)
    assert _post(hmac_sim, raw, headers)["code"] == "00000"
    replay = _post(hmac_sim, raw, headers)
    assert replay["code"] == "A0401" and "重放" in replay["msg"]
    # the same nonce with a fresh timestamp and a valid signature is still a replay
    again = hmac_headers(APP, SECRET, raw, nonce=headers["X-Nonce"])
    assert _post(hmac_sim, raw, again)["code"] == "A0401"
    assert hmac_sim.state.rows[("360102001", "registration")]["GH20250614001"].versions == 1


def test_a_refused_signature_does_not_use_up_the_nonce(hmac_sim: MutualSimulatorServer) -> None:
    raw = _raw()
    nonce = uuid.uuid4().hex
    assert _post(hmac_sim, raw, hmac_headers(APP, "wrong", raw, nonce=nonce))["code"] == "A0401"
    assert _post(hmac_sim, raw, hmac_headers(APP, SECRET, raw, nonce=nonce))["code"] == "00000"


@pytest.mark.parametrize("missing", ["X-App-Id", "X-Timestamp", "X-Nonce", "X-Signature"])
def test_hmac_refuses_a_missing_header(hmac_sim: MutualSimulatorServer, missing: str) -> None:
    raw = _raw()
    headers = {k: v for k, v in hmac_headers(APP, SECRET, raw).items() if k != missing}
    answer = _post(hmac_sim, raw, headers)
    assert answer["code"] == "A0401" and missing.lower() in answer["msg"]


def test_hmac_refuses_an_unknown_app_or_a_bad_timestamp(hmac_sim: MutualSimulatorServer) -> None:
    raw = _raw()
    assert "未注册" in _post(hmac_sim, raw, hmac_headers("someone", SECRET, raw))["msg"]
    headers = hmac_headers(APP, SECRET, raw) | {"X-Timestamp": "2025-06-15 10:00:00"}
    assert "时间戳格式错误" in _post(hmac_sim, raw, headers)["msg"]


def test_hmac_window_and_clock_are_configurable() -> None:
    now = [1_750_000_000.0]
    auth = Auth("hmac", app_id=APP, secret=SECRET, window_s=10, clock=lambda: now[0])
    raw = _raw()
    headers = hmac_headers(APP, SECRET, raw, timestamp_ms=int((now[0] - 11) * 1000))
    assert auth.check(headers={k.lower(): v for k, v in headers.items()}, body=raw) is not None
    headers = hmac_headers(APP, SECRET, raw, timestamp_ms=int(now[0] * 1000))
    assert auth.check({k.lower(): v for k, v in headers.items()}, raw) is None


def test_queries_and_records_are_authenticated_too(token_sim: MutualSimulatorServer) -> None:
    query = {"orgCode": "360102001", "idCardTypeCode": "01", "idCardValue": "360102199001010011", "searchType": 1}
    assert _post(token_sim, _raw(query), {}, op="queryReminders")["code"] == "A0401"
    ok = _post(token_sim, _raw(query), {"Authorization": f"Bearer {SECRET}"}, op="queryReminders")
    assert ok["code"] == "00000"


def test_admin_routes_need_no_auth(token_sim: MutualSimulatorServer) -> None:
    r = requests.get(token_sim.url + "/admin/state", timeout=5)
    assert r.status_code == 200 and r.json()["data"]["auth"] == {"mode": "token", "app_id": None, "window_s": 300.0}


def test_authentication_comes_before_faults(token_sim: MutualSimulatorServer) -> None:
    token_sim.faults.apply_json({"kind": "http_500_before"})
    assert _post(token_sim, _raw(), {})["code"] == "A0401"
    assert len(token_sim.faults.rules()) == 1  # not used up by a call that was refused first


def test_auth_configuration_is_checked() -> None:
    with pytest.raises(ValueError):
        Auth("hmac", secret=SECRET)
    with pytest.raises(ValueError):
        Auth("token")
    with pytest.raises(ValueError):
        Auth("basic", secret=SECRET)  # type: ignore[arg-type]
