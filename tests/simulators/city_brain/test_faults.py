"""Fault injection on the receiver: every kind, matchers and skip, by header, what each does to the nonce, down."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

import httpx
import pytest
import requests

from simulators.city_brain import samples
from simulators.city_brain.app import create_app
from simulators.city_brain.caller import CityBrainCaller
from simulators.city_brain.faults import FaultPlan, FaultRule, FaultSpecError
from simulators.city_brain.server import CityBrainSimulatorServer
from tests.simulators.city_brain._support import Admin


def _events(admin: Admin) -> int:
    return len(admin.get("events"))


def test_http_500_before_keeps_nothing_and_leaves_the_nonce_usable(sim: CityBrainSimulatorServer,
                                                                  pusher: CityBrainCaller, admin: Admin) -> None:  # fmt: skip
    sim.faults.add(FaultRule(kind="http_500_before"))
    envelope = pusher.envelope(samples.notify())
    reply = pusher.send("notify", envelope)
    assert reply.status == 500 and reply.code is None and reply.error == "应答不是JSON"
    assert _events(admin) == 0
    (entry,) = admin.get("journal")
    assert (entry["fault"], entry["processed"], entry["http_status"], entry["answer"]) == (
        "http_500_before", False, 500, None)  # fmt: skip
    assert pusher.send("notify", envelope).ok  # the same envelope again: nothing had reached the city brain


def test_http_500_after_keeps_the_event_and_uses_the_nonce_up(sim: CityBrainSimulatorServer,
                                                             pusher: CityBrainCaller, admin: Admin) -> None:  # fmt: skip
    sim.faults.add(FaultRule(kind="http_500_after", op="notify"))
    envelope = pusher.envelope(samples.notify())
    assert pusher.send("notify", envelope).status == 500
    assert _events(admin) == 1  # outcome unknown for the hospital
    assert pusher.send("notify", envelope).code == "1004"  # re-sending the same envelope is a replay
    again = pusher.call("notify", samples.notify())  # a fresh envelope: accepted as a duplicate event
    assert again.ok and again.data["duplicate"] is True


def test_slow_keeps_before_the_client_times_out(pusher: CityBrainCaller, admin: Admin) -> None:
    reply = pusher.send("notify", pusher.envelope(samples.notify()),
                        headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay-Ms": "800"})  # fmt: skip
    assert reply.ok
    pusher.timeout = 0.2
    late = pusher.send("notify", pusher.envelope(samples.notify(eventId="REGISTERED:2")),
                       headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay-Ms": "800"})  # fmt: skip
    assert late.status is None and late.key == "error/ReadTimeout"
    time.sleep(0.05)
    assert _events(admin) == 2


def test_refuse_answers_the_code_at_its_http_status(sim: CityBrainSimulatorServer, pusher: CityBrainCaller,
                                                   admin: Admin) -> None:  # fmt: skip
    sim.faults.add(FaultRule(kind="refuse"))
    default = pusher.call("notify", samples.notify())
    assert (default.status, default.code, default.message) == (503, "5003", "城市大脑暂不可用，请稍后重试")
    assert default.problems() == []
    sim.faults.add(FaultRule(kind="refuse", code="1007", msg="请求过于频繁"))
    busy = pusher.call("notify", samples.notify())
    assert (busy.status, busy.code, busy.headers.get("Retry-After")) == (429, "1007", "1")
    assert busy.problems() == []
    headers = {"X-Sim-Fault": "refuse", "X-Sim-Fault-Code": "5000", "X-Sim-Fault-Msg": quote("系统内部错误")}
    internal = pusher.send("notify", pusher.envelope(samples.notify()), headers=headers)
    assert (internal.status, internal.code, internal.message) == (500, "5000", "系统内部错误")
    assert _events(admin) == 0


def test_drop_closes_the_connection_after_keeping(sim: CityBrainSimulatorServer, pusher: CityBrainCaller,
                                                  admin: Admin) -> None:  # fmt: skip
    sim.faults.add(FaultRule(kind="drop"))
    reply = pusher.call("history", samples.history("bill"))
    assert reply.status is None and reply.key == "error/ConnectionError"
    assert len(admin.get("history")) == 1
    (entry,) = admin.get("journal")
    assert (entry["fault"], entry["processed"], entry["http_status"]) == ("drop", True, None)


def test_drop_without_uvicorn_answers_502(sim: CityBrainSimulatorServer, pusher: CityBrainCaller) -> None:
    app = create_app(sim.state, FaultPlan([FaultRule(kind="drop")]), sim.verifier)

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
            return await c.post("/api/v1/notify", json=pusher.envelope(samples.notify()))

    assert asyncio.run(call()).status_code == 502


def test_rules_match_by_op_data_type_event_type_and_batch(sim: CityBrainSimulatorServer,
                                                          pusher: CityBrainCaller) -> None:  # fmt: skip
    sim.faults.add(FaultRule(kind="http_500_before", op="history", data_type="bill", times=None),
                   FaultRule(kind="http_500_before", event_type="CHARGED"),
                   FaultRule(kind="http_500_before", batch_no="p9"))  # fmt: skip
    assert pusher.call("history", samples.history("visit")).ok
    assert pusher.call("history", samples.history("bill")).status == 500
    assert pusher.call("history", samples.history("bill")).status == 500  # times: null
    assert pusher.call("notify", samples.notify()).ok
    charged = samples.notify(eventType="CHARGED", eventId="CHARGED:B1", amount="1.00")
    assert pusher.call("notify", charged).status == 500
    assert pusher.call("notify", charged).ok  # used up
    assert pusher.call("history", samples.history("report", batch_no="p9")).status == 500


def test_skip_lets_the_first_calls_through(sim: CityBrainSimulatorServer, pusher: CityBrainCaller,
                                           admin: Admin) -> None:  # fmt: skip
    admin.post("faults", {"kind": "http_500_before", "op": "history", "skip": 2})
    statuses = [pusher.call("history", samples.history("visit", batch_no=f"p{n}")).status for n in range(1, 5)]
    assert statuses == [200, 200, 500, 200]  # the third page fails, as a kill mid-way would
    assert [b["batchNo"] for b in admin.get("history/batches")["batches"]] == ["p1", "p2", "p4"]


def test_a_refused_envelope_does_not_consume_a_fault(sim: CityBrainSimulatorServer, pusher: CityBrainCaller) -> None:
    sim.faults.add(FaultRule(kind="http_500_before"))
    assert pusher.bad_signature("notify", samples.notify()).code == "1002"
    assert len(sim.faults.rules()) == 1


def test_latency_delays_every_answer(pusher: CityBrainCaller, admin: Admin) -> None:
    admin.post("faults", {"latency_ms": 200})
    for op, biz in (("notify", samples.notify()), ("history", samples.history("visit"))):
        t0 = time.monotonic()
        assert pusher.call(op, biz).ok
        assert 0.2 <= time.monotonic() - t0 < 1.0


def test_down_503_answers_at_once_and_keeps_nothing(pusher: CityBrainCaller, admin: Admin) -> None:
    admin.post("faults", {"down": True, "down_mode": "503"})
    t0 = time.monotonic()
    assert pusher.call("notify", samples.notify()).status == 503 and time.monotonic() - t0 < 0.3
    assert admin.get("journal") == [] and admin.get("state")["counters"]["down"] == 1


def test_down_hang_and_drop(sim: CityBrainSimulatorServer, pusher: CityBrainCaller) -> None:
    sim.faults.configure(down=True)
    pusher.timeout = 0.3
    assert pusher.call("notify", samples.notify()).key == "error/ReadTimeout"
    sim.faults.configure(down_mode="drop")
    assert pusher.call("notify", samples.notify()).key == "error/ConnectionError"
    sim.faults.configure(down=False)
    pusher.timeout = 10  # the short timeout was for the hang; a normal answer on a busy machine may take longer
    assert pusher.call("notify", samples.notify()).ok


def test_plan_given_at_start() -> None:
    plan = FaultPlan.from_json({"rules": [{"kind": "refuse", "code": "1007"}], "latency_ms": 10})
    with CityBrainSimulatorServer(faults=plan) as sim:
        assert sim.pusher().call("notify", samples.notify()).code == "1007"
        assert Admin(sim.url).get("faults")["latency_ms"] == 10.0


@pytest.mark.parametrize("payload", [
    {"kind": "explode"}, {"kind": "slow", "op": "upload"}, {"kind": "slow", "event_type": "PAID"},
    {"kind": "slow", "data_type": "lab"}, {"kind": "slow", "skip": -1}, {"kind": "slow", "times": 0},
    {"kind": "slow", "delay_ms": -1}, {"kind": "refuse", "code": 1007}, {"kind": "slow", "entity": "x"},
    {"latency_ms": "50"}, {"down": "yes"}, {"down_mode": "refused"}, {"rules": [], "colour": 1}, None,
])  # fmt: skip
def test_bad_fault_settings_are_refused_and_change_nothing(admin: Admin, payload: object) -> None:
    answer = admin.post("faults", payload, status=400)
    assert answer["code"] == "2001" and answer["message"]
    assert admin.get("faults") == {"rules": [], "latency_ms": 0.0, "down": False, "down_mode": "hang",
                                   "down_delay_ms": 30000.0}  # fmt: skip


def test_a_bad_fault_header_is_refused(pusher: CityBrainCaller) -> None:
    reply = pusher.send("notify", pusher.envelope(samples.notify()), headers={"X-Sim-Fault": "nope"})
    assert (reply.status, reply.code) == (400, "2001")
    with pytest.raises(FaultSpecError):
        FaultRule.from_json({"skip": 1})


def test_faults_are_listed_and_cleared(admin: Admin) -> None:
    data = admin.post("faults", [{"kind": "slow", "op": "notify", "times": 2}])["data"]
    assert data["rules"][0] | {"kind": "slow", "times": 2, "op": "notify", "skip": 0} == data["rules"][0]
    assert admin.delete("faults")["rules"] == []
    assert requests.get(admin.base_url + "/admin/faults", timeout=5).json()["data"]["rules"] == []
