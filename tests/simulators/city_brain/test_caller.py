"""The caller's attack helpers produce requests a correct verifier refuses — checked against the receiver's own
verifier directly and over HTTP — and its flood, replies and transport errors."""

from __future__ import annotations

import socket
import time

import pytest

from simulators.city_brain import samples, signing
from simulators.city_brain.caller import ATTACKS, DEFAULT_PREFIX, CityBrainCaller, Reply
from simulators.city_brain.faults import FaultRule
from simulators.city_brain.server import CityBrainSimulatorServer
from simulators.city_brain.verify import Hospital, Verifier
from tests.simulators.city_brain._support import APP_ID, SECRET, Admin


def _offline(sign_type: str = "SM3") -> CityBrainCaller:
    return CityBrainCaller("http://127.0.0.1:9", APP_ID, SECRET, sign_type=sign_type)


@pytest.mark.parametrize("sign_type", signing.SIGN_TYPES)
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_every_attack_envelope_is_refused_by_a_correct_verifier(name: str, sign_type: str) -> None:
    verifier = Verifier({APP_ID: Hospital(SECRET, sign_type)})
    caller = _offline(sign_type)
    assert verifier.check(caller.envelope(samples.notify())) is None  # the honest envelope passes
    refusal = verifier.check(ATTACKS[name].build(caller, samples.notify()))
    assert refusal is not None and refusal.code == ATTACKS[name].code, refusal
    assert ATTACKS[name].title


def test_attacks_work_on_an_empty_biz_content() -> None:
    verifier = Verifier({APP_ID: Hospital(SECRET)})
    for name, attack in ATTACKS.items():
        assert verifier.check(attack.build(_offline(), None)).code == attack.code, name  # type: ignore[union-attr]


def test_attack_all_over_http_gets_every_expected_code(pusher: CityBrainCaller, admin: Admin) -> None:
    replies = pusher.attack_all("notify", samples.notify())
    assert {n: r.code for n, r in replies.items()} == {n: a.code for n, a in ATTACKS.items()}
    assert all(r.problems() == [] for r in replies.values())
    assert admin.get("events") == []


def test_named_helpers(pusher: CityBrainCaller) -> None:
    biz = samples.notify()
    for how in ("sign", "body", "secret"):
        assert pusher.bad_signature("notify", biz, how=how).code == "1002"
    assert pusher.other_sign_type("notify", biz).code == "1002"
    assert pusher.stale_timestamp("notify", biz).code == "1003"
    assert pusher.future_timestamp("notify", biz).code == "1003"
    assert pusher.stale_timestamp("notify", biz, skew_s=-100).ok  # inside the window
    assert pusher.unknown_app_id("notify", biz).code == "1005"
    for field in signing.SIGN_FIELDS:
        reply = pusher.missing_sign("notify", biz, field=field)
        assert reply.code == "1001" and f"[{field}]" in reply.message
    first, second = pusher.replay("notify", biz)
    assert first.data["duplicate"] is True and second.code == "1004"  # the event was kept by an earlier call
    assert first.envelope == second.envelope


def test_outside_allow_list_comes_from_another_loopback_address() -> None:
    with CityBrainSimulatorServer(app_id=APP_ID, secret=SECRET, ips=("127.0.0.1",)) as sim:
        pusher = sim.pusher()
        assert pusher.call("notify", samples.notify()).ok
        reply = pusher.outside_allow_list("notify", samples.notify())
        assert reply.code == "1006" and "127.0.0.2" in reply.message
        assert [e["client"] for e in Admin(sim.url).get("journal")] == ["127.0.0.1", "127.0.0.2"]


def test_flood_of_fresh_envelopes(pusher: CityBrainCaller, admin: Admin) -> None:
    result = pusher.flood("notify", samples.notify(), n=60, concurrency=8)
    assert result.histogram == {"200/0": 60} and result.count(code="0") == 60 and result.problems == []
    assert len(result.latencies_ms) == 60 and result.percentile(50) <= result.percentile(99)
    assert result.rate_per_s > 0 and result.to_json()["histogram"] == {"200/0": 60}
    assert admin.get("state")["events"]["duplicates"] == 59 and admin.get("state")["nonces_seen"] == 60


def test_flood_of_one_envelope_is_one_answer_and_replays(pusher: CityBrainCaller) -> None:
    result = pusher.flood("notify", samples.notify(), n=40, concurrency=8, same_envelope=True)
    assert result.histogram == {"200/1004": 39, "200/0": 1}


def test_flood_histogram_counts_a_rate_limit(sim: CityBrainSimulatorServer, pusher: CityBrainCaller) -> None:
    sim.faults.add(FaultRule(kind="refuse", code="1007", msg="请求过于频繁", times=5))
    result = pusher.flood("notify", samples.notify(), n=30, concurrency=6)
    assert result.count(code="1007") == 5 and result.count(status=429) == 5 and result.count(code="0") == 25
    assert result.problems == []  # each 1007 came as HTTP 429 with Retry-After
    with pytest.raises(ValueError):
        pusher.flood("notify", n=0)


def test_a_closed_port_is_a_transport_error_not_an_exception() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    caller = CityBrainCaller(f"http://127.0.0.1:{port}", APP_ID, SECRET, timeout=1)
    reply = caller.call("health")
    assert reply.status is None and reply.key == "error/ConnectionError" and reply.problems() == ["无应答: ConnectionError"]
    result = caller.flood("health", n=4, concurrency=2)
    assert result.histogram == {"error/ConnectionError": 4} and result.problems == []


def _reply(status: int | None, body: object, headers: dict[str, str] | None = None) -> Reply:
    code = body.get("code") if isinstance(body, dict) else None
    return Reply(status, code if isinstance(code, str) else None, None, None, None, headers or {}, 1.0, None,
                 body=body)  # fmt: skip


@pytest.mark.parametrize(("reply", "words"), [
    (_reply(200, {"code": "0", "message": "成功", "requestId": "r", "data": None}), None),
    (_reply(200, {"code": 0, "message": "成功", "requestId": "r", "data": None}), "code应为字符串"),
    (_reply(200, {"code": "0", "msg": "成功", "requestId": "r", "data": None}), "应答字段"),
    (_reply(200, {"code": "0", "message": "成功", "requestId": "", "data": None}), "requestId"),
    (_reply(200, {"code": "9999", "message": "x", "requestId": "r", "data": None}), "不是约定的应答码"),
    (_reply(200, {"code": "1007", "message": "x", "requestId": "r", "data": None}), "HTTP 429"),
    (_reply(429, {"code": "1007", "message": "x", "requestId": "r", "data": None}), "Retry-After"),
    (_reply(429, {"code": "1007", "message": "x", "requestId": "r", "data": None}, {"retry-after": "1"}), None),
    (_reply(500, {"code": "0", "message": "x", "requestId": "r", "data": None}), "HTTP 200"),
    (_reply(200, ["list"]), "不是JSON对象"),
])  # fmt: skip
def test_reply_problems_name_a_malformed_answer_envelope(reply: Reply, words: str | None) -> None:
    problems = reply.problems()
    if words is None:
        assert problems == []
    else:
        assert any(words in p for p in problems), problems


def test_urls_prefix_and_repr() -> None:
    caller = CityBrainCaller("http://h:1/", "app", "very-secret")
    assert caller.url("registrations") == f"http://h:1{DEFAULT_PREFIX}/registrations"
    assert CityBrainCaller("http://h:1", "a", "s", prefix="").url("x") == "http://h:1/x"
    assert "very-secret" not in repr(caller)
    with pytest.raises(ValueError):
        CityBrainCaller("http://h", "a", "s", sign_type="MD5")


def test_envelope_options(pusher: CityBrainCaller) -> None:
    fixed = pusher.envelope({"a": "1"}, nonce="N" * 16, timestamp="1750000000000")
    assert (fixed["nonce"], fixed["timestamp"]) == ("N" * 16, "1750000000000")
    skewed = pusher.envelope(skew_s=-3600)
    assert int(skewed["timestamp"]) < (time.time() - 3500) * 1000 and skewed["bizContent"] == {}
