"""医院数据推送通知 over HTTP: a good push, every bad envelope refused with its code, the payload checks, dedupe by
eventId, and the per-visit order."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from simulators.city_brain import samples, signing
from simulators.city_brain.caller import ATTACKS, CityBrainCaller
from simulators.city_brain.server import CityBrainSimulatorServer
from tests.simulators.city_brain._support import APP_ID, SECRET, Admin


def test_a_good_push_is_accepted_and_kept(pusher: CityBrainCaller, admin: Admin) -> None:
    reply = pusher.call("notify", samples.notify())
    assert (reply.status, reply.code, reply.message) == (200, "0", "成功") and reply.problems() == []
    assert reply.data == {"eventId": "REGISTERED:R20250615001", "duplicate": False}
    (event,) = admin.get("events")
    assert event["data"] == samples.notify() and event["late"] is False and event["duplicates"] == 0


@pytest.mark.parametrize("sign_type", ["SM3", "SHA256", "HMAC-SHA256"])
def test_each_sign_type_is_accepted_when_agreed(sign_type: str) -> None:
    with CityBrainSimulatorServer(app_id=APP_ID, secret=SECRET, sign_type=sign_type) as sim:
        assert sim.pusher().call("notify", samples.notify()).ok
        assert sim.pusher().other_sign_type("notify", samples.notify()).code == "1002"


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_each_bad_envelope_is_refused_with_its_code_and_nothing_kept(name: str, pusher: CityBrainCaller,
                                                                    admin: Admin) -> None:  # fmt: skip
    reply = pusher.attack(name, "notify", samples.notify())
    assert (reply.status, reply.code) == (200, ATTACKS[name].code), reply.message
    assert reply.message and reply.problems() == []
    assert admin.get("events") == []


def test_a_replayed_envelope_is_1004_and_counted_once(pusher: CityBrainCaller, admin: Admin) -> None:
    first, second = pusher.replay("notify", samples.notify())
    assert first.ok and second.code == "1004" and "重放" in second.message
    assert admin.get("events")[0]["duplicates"] == 0  # the replay never reached the event store


def test_an_unparsable_body_and_a_non_object_are_2001(sim: CityBrainSimulatorServer, pusher: CityBrainCaller) -> None:
    for raw in (b"not json", b"", b"\xff\xfe", b"[1, 2]", b'{"a": NaN}'):
        reply = pusher.send("notify", raw=raw)
        assert (reply.status, reply.code) == (200, "2001"), raw


def test_extra_envelope_fields_and_a_non_object_biz_content_are_2001(pusher: CityBrainCaller) -> None:
    envelope = pusher.envelope(samples.notify())
    envelope["version"] = "1.0"
    envelope["sign"] = signing.sign(envelope, SECRET)  # signed, but not a field of the envelope
    reply = pusher.send("notify", envelope)
    assert reply.code == "2001" and "[version]" in reply.message
    assert pusher.call("notify", "text").code == "2001"


@pytest.mark.parametrize(("overrides", "words"), [
    ({"patientId": None}, "必填字段[patientId]"),
    ({"summary": "  "}, "必填字段[summary]"),
    ({"doctorCode": ""}, "[doctorCode]"),
    ({"patientid": "P1"}, "应为[patientId]"),
    ({"patientName": "测试甲"}, "患者身份信息"),
    ({"idCardNo": "360102199001010011"}, "患者身份信息"),
    ({"colour": "red"}, "未知字段[colour]"),
    ({"eventType": "PAID", "eventId": "PAID:1"}, "代码值[PAID]"),
    ({"visitType": "3"}, "代码值[3]"),
    ({"visitType": 1}, "应为字符串"),
    ({"occurredAt": "2025-06-15T08:05:00"}, "yyyy-MM-dd HH:mm:ss"),
    ({"occurredAt": "2025-02-30 08:05:00"}, "不是有效时间"),
    ({"eventId": "R20250615001"}, "REGISTERED:<HIS业务键>"),
    ({"eventId": "REGISTERED:"}, "[eventId]"),
    ({"amount": "10.00"}, "仅收费/退费事件"),
    ({"visitType": "4"}, "挂号/退号事件"),
    ({"summary": "患者电话13912345678"}, "手机号"),
    ({"summary": "证件360102199001010011"}, "身份证号"),
    ({"summary": "长" * 201}, "最多200个字符"),
    ({"itemCount": -1}, "非负整数"),
    ({"itemCount": "3"}, "非负整数"),
    ({"itemCount": True}, "非负整数"),
    ({"orgCode": "x" * 51}, "最多50个字符"),
])  # fmt: skip
def test_a_bad_field_is_2001_naming_it(pusher: CityBrainCaller, admin: Admin, overrides: dict[str, Any],
                                       words: str) -> None:  # fmt: skip
    reply = pusher.call("notify", samples.notify(**overrides))
    assert reply.code == "2001" and words in reply.message, reply.message
    assert admin.get("events") == []


@pytest.mark.parametrize(("amount", "ok"), [("356.20", True), ("0.00", True), ("356.2", False), ("356", False),
                                            ("-1.00", False), ("01.00", False), (356.2, False), (None, False)])  # fmt: skip
def test_money_events_carry_a_two_decimal_amount_string(pusher: CityBrainCaller, amount: Any, ok: bool) -> None:
    event = samples.notify(eventType="CHARGED", eventId="CHARGED:B1", summary="结算", amount=amount, itemCount=3)
    reply = pusher.call("notify", event)
    assert reply.ok is ok, reply.message
    if not ok:
        assert "[amount]" in reply.message


def test_every_event_of_a_journey_is_accepted_in_order(pusher: CityBrainCaller, admin: Admin) -> None:
    for event in samples.journey_events():
        assert pusher.call("notify", event).ok
    (visit,) = admin.get("visits")
    assert visit["eventTypes"] == ["REGISTERED", "CHECKED_IN", "ORDERED", "REPORT_READY", "CHARGED", "REFUNDED"]
    assert visit["late"] == 0
    assert admin.get("state")["events"]["by_type"]["CHARGED"] == 1


def test_a_re_sent_event_is_accepted_counted_and_not_kept_twice(pusher: CityBrainCaller, admin: Admin) -> None:
    assert pusher.call("notify", samples.notify()).data["duplicate"] is False
    again = pusher.call("notify", samples.notify())
    assert again.ok and again.data == {"eventId": "REGISTERED:R20250615001", "duplicate": True}
    changed = pusher.call("notify", samples.notify(summary="改过的摘要"))
    assert changed.ok and changed.data["duplicate"] is True
    (event,) = admin.get("events")
    assert (event["duplicates"], event["conflicts"]) == (2, 1)
    assert event["data"]["summary"] == samples.notify()["summary"]  # the first version stays
    assert admin.get("state")["events"] == {"count": 1, "by_type": {"REGISTERED": 1}, "duplicates": 2,
                                            "conflicts": 1, "late": 0, "visits": 1}  # fmt: skip


def test_an_event_older_than_one_already_received_for_its_visit_is_marked_late(pusher: CityBrainCaller,
                                                                                admin: Admin) -> None:  # fmt: skip
    registered, checked_in, ordered = samples.journey_events()[:3]
    for event in (registered, ordered, checked_in):  # check-in pushed after the order: out of order
        assert pusher.call("notify", event).ok
    (visit,) = admin.get("visits")
    assert visit["eventTypes"] == ["REGISTERED", "ORDERED", "CHECKED_IN"]
    assert [e["late"] for e in visit["events"]] == [False, False, True] and visit["late"] == 1
    other = samples.journey_events(visit_id="R2")[0]
    pusher.call("notify", other)
    assert [v["visitId"] for v in admin.get("visits")] == ["R20250615001", "R2"]
    assert admin.get("visits", visitId="R2")[0]["late"] == 0


def test_the_configured_org_code_is_enforced() -> None:
    with CityBrainSimulatorServer(app_id=APP_ID, secret=SECRET, org_code="360102001") as sim:
        assert sim.pusher().call("notify", samples.notify()).ok
        reply = sim.pusher().call("notify", samples.notify(orgCode="360102999", eventId="REGISTERED:X"))
        assert reply.code == "2001" and "360102001" in reply.message


def test_the_content_type_is_not_looked_at(sim: CityBrainSimulatorServer, pusher: CityBrainCaller) -> None:
    body = json.dumps(pusher.envelope(samples.notify()), ensure_ascii=False).encode("utf-8")
    r = requests.post(sim.op_url("notify"), data=body, headers={"Content-Type": "text/plain"}, timeout=5)
    assert r.status_code == 200 and r.json()["code"] == "0"
    assert r.headers["content-type"].startswith("application/json")
