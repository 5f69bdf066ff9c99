"""Fault injection: every kind, by plan and by header, whether the call was processed, query latency, down."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pytest
import requests

from simulators.mutual.faults import FaultPlan, FaultRule, FaultSpecError
from simulators.mutual.samples import row
from simulators.mutual.server import MutualSimulatorServer
from tests.simulators.mutual._support import PERSON, Client

UPLOAD = {"orgCode": "360102001", "data": [row("uploadRegistration")]}
QUERY = {"orgCode": "360102001", "idCardTypeCode": PERSON[0], "idCardValue": PERSON[1], "searchType": 1}


def _post(c: Client, op: str = "uploadRegistration", body: object = UPLOAD, **kw) -> requests.Response:
    return c.post(op, body, **kw)


def _stored(c: Client) -> int:
    return len(c.rows("registration", live=1))


def test_http_500_before_stores_nothing(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.add(FaultRule(kind="http_500_before"))
    r = _post(client)
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert _stored(client) == 0
    (entry,) = client.admin("journal")
    assert (entry["fault"], entry["processed"], entry["http_status"], entry["answer"]) == (
        "http_500_before", False, 500, None)  # fmt: skip
    assert client.call("uploadRegistration", UPLOAD)["data"]["accepted"] == 1  # the rule is used up


def test_http_500_after_stores_then_answers_500(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.add(FaultRule(kind="http_500_after"))
    r = _post(client)
    assert r.status_code == 500
    with pytest.raises(ValueError):
        r.json()
    assert _stored(client) == 1  # the client cannot know: outcome unknown
    (entry,) = client.admin("journal")
    assert entry["processed"] is True and entry["answer"]["data"] == {"accepted": 1, "failed": []}
    client.call("uploadRegistration", UPLOAD)  # re-sending is harmless: an upsert
    assert client.rows("registration")[0]["duplicates"] == 1


def test_slow_stores_before_the_client_times_out(client: Client) -> None:
    with pytest.raises(requests.exceptions.ReadTimeout):
        _post(client, headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay-Ms": "1000"}, timeout=0.3)
    assert _stored(client) == 1
    assert client.admin("journal")[0]["fault"] == "slow"


def test_slow_answers_normally_when_the_client_waits(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.add(FaultRule(kind="slow", delay_ms=300, op="uploadRegistration"))
    t0 = time.monotonic()
    r = _post(client)
    assert time.monotonic() - t0 >= 0.3
    assert r.status_code == 200 and r.json()["data"]["accepted"] == 1


def test_a_slow_answer_does_not_hold_other_calls(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.add(FaultRule(kind="slow", op="uploadRegistration", delay_ms=1000))
    t = threading.Thread(target=lambda: _post(Client(sim.url)))
    t.start()
    time.sleep(0.1)
    t0 = time.monotonic()
    assert client.call("queryReminders", QUERY)["code"] == "00000"
    assert time.monotonic() - t0 < 0.5
    t.join(5)


def test_refuse_answers_the_rules_code_and_msg(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.add(FaultRule(kind="refuse", code="A0429", msg="请求过于频繁，请稍后再试"))
    answer = client.call("uploadRegistration", UPLOAD)
    assert (answer["code"], answer["msg"], answer["data"]) == ("A0429", "请求过于频繁，请稍后再试", None)
    assert _stored(client) == 0 and client.admin("journal")[0]["processed"] is False


def test_refuse_by_header_and_its_default(client: Client) -> None:
    headers = {"X-Sim-Fault": "refuse", "X-Sim-Fault-Code": "B0001", "X-Sim-Fault-Msg": quote("平台内部错误")}
    answer = _post(client, headers=headers).json()
    assert (answer["code"], answer["msg"]) == ("B0001", "平台内部错误")
    default = _post(client, headers={"X-Sim-Fault": "refuse"}).json()
    assert default["code"] == "A0400" and default["msg"]


def test_drop_closes_the_connection_after_storing(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.add(FaultRule(kind="drop"))
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(client.url("uploadRegistration"), json=UPLOAD, timeout=5)
    assert _stored(client) == 1
    (entry,) = client.admin("journal")
    assert (entry["fault"], entry["processed"], entry["http_status"]) == ("drop", True, None)


def test_drop_without_uvicorn_answers_502(sim: MutualSimulatorServer) -> None:
    import httpx

    from simulators.mutual.app import create_app

    app = create_app(sim.state, FaultPlan([FaultRule(kind="drop")]))
    transport = httpx.ASGITransport(app=app)

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as c:
            return await c.post("/api/v1/uploadRegistration", json=UPLOAD)

    import asyncio

    assert asyncio.run(call()).status_code == 502


def test_rules_match_their_operation_and_run_out(client: Client, sim: MutualSimulatorServer) -> None:
    answer = client.admin_post("faults", {"rules": [{"kind": "http_500_before", "times": 2, "op": "getReport"}]})
    assert answer["data"]["rules"][0]["times"] == 2
    body = {"orgCode": "360102001", "reportId": "X", "itemType": "LIS"}
    assert _post(client).status_code == 200  # another operation: not affected
    assert client.post("getReport", body).status_code == 500
    assert client.post("getReport", body).status_code == 500
    assert client.call("getReport", body)["code"] == "A0404"
    assert client.admin("faults")["rules"] == []


def test_rule_without_a_limit_applies_until_cleared(client: Client) -> None:
    client.admin_post("faults", {"kind": "refuse", "times": None, "code": "A0429"})
    for _ in range(3):
        assert client.call("queryReminders", QUERY)["code"] == "A0429"
    r = client.session.delete(client.base_url + "/admin/faults", timeout=5)
    assert r.json()["data"] == {"rules": [], "latency_ms": 0.0, "down": False, "down_mode": "hang",
                                "down_delay_ms": 30000.0}  # fmt: skip
    assert client.call("queryReminders", QUERY)["code"] == "00000"


def test_latency_applies_to_queries_only(client: Client) -> None:
    client.admin_post("faults", {"latency_ms": 250})
    for op, body in (("queryReminders", QUERY), ("getReport", {"orgCode": "1", "reportId": "X", "itemType": "LIS"})):
        t0 = time.monotonic()
        client.call(op, body)
        assert 0.25 <= time.monotonic() - t0 < 1.0, op
    t0 = time.monotonic()
    client.call("uploadRegistration", UPLOAD)
    assert time.monotonic() - t0 < 0.2


def test_a_benchmark_latency_of_50_ms(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.configure(latency_ms=50)
    times = []
    for _ in range(10):
        t0 = time.monotonic()
        client.call("queryReminders", QUERY)
        times.append(time.monotonic() - t0)
    assert min(times) >= 0.05 and sorted(times)[len(times) // 2] < 0.15  # the median: robust to a busy CI box


def test_down_503_answers_every_operation_at_once(client: Client) -> None:
    client.admin_post("faults", {"down": True, "down_mode": "503"})
    for op, body in (("queryReminders", QUERY), ("uploadRegistration", UPLOAD)):
        t0 = time.monotonic()
        r = client.post(op, body)
        assert r.status_code == 503 and time.monotonic() - t0 < 0.2
    assert _stored(client) == 0 and client.admin("journal") == []  # nothing reached the platform
    assert client.admin("state")["counters"]["down"] == 2  # admin routes still answer


def test_down_hang_keeps_the_client_waiting(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.configure(down=True)  # default mode: hang
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.post("queryReminders", QUERY, timeout=0.3)
    sim.faults.configure(down_delay_ms=200)
    t0 = time.monotonic()
    assert client.post("queryReminders", QUERY).status_code == 503
    assert time.monotonic() - t0 >= 0.2


def test_down_drop_closes_at_once(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.configure(down=True, down_mode="drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(client.url("queryReminders"), json=QUERY, timeout=5)
    sim.faults.configure(down=False)
    assert client.call("queryReminders", QUERY)["code"] == "00000"


def test_plan_can_be_given_at_start() -> None:
    plan = FaultPlan.from_json({"rules": [{"kind": "http_500_after", "op": "uploadRegistration"}], "latency_ms": 10})
    with MutualSimulatorServer(faults=plan) as sim:
        c = Client(sim.url)
        assert _post(c).status_code == 500
        assert _stored(c) == 1 and c.admin("faults")["latency_ms"] == 10.0


def test_faults_are_counted_in_the_state(client: Client) -> None:
    _post(client, headers={"X-Sim-Fault": "http_500_before"})
    _post(client, headers={"X-Sim-Fault": "refuse"})
    counters = client.admin("state")["counters"]
    assert counters["fault_http_500_before"] == 1 and counters["fault_refuse"] == 1 and counters["requests"] == 2


@pytest.mark.parametrize("payload", [{"kind": "explode"}, {"kind": "slow", "op": "uploadEverything"},
                                     {"kind": "slow", "delay_ms": -1}, {"kind": "refuse", "code": 429},
                                     {"kind": "slow", "times": 0}, {"latency_ms": "50"}, {"down": "yes"},
                                     {"down_mode": "refused"}, {"rules": [], "colour": 1}, None])
def test_bad_fault_settings_are_refused_in_the_envelope(client: Client, payload: object) -> None:
    answer = client.admin_post("faults", payload, status=400)
    assert answer["code"] == "A0400" and answer["msg"]
    assert client.admin("faults")["rules"] == [] and client.admin("faults")["latency_ms"] == 0.0


def test_a_bad_rule_in_a_payload_changes_nothing(client: Client) -> None:
    client.admin_post("faults", {"rules": [{"kind": "nope"}], "latency_ms": 100}, status=400)
    assert client.admin("faults")["latency_ms"] == 0.0


def test_bad_fault_header_is_refused(client: Client) -> None:
    r = _post(client, headers={"X-Sim-Fault": "nope"})
    assert r.status_code == 400 and r.json()["code"] == "A0400"
    with pytest.raises(FaultSpecError):
        FaultRule.from_json({"kind": "slow", "entity": "x"})


def test_unknown_path_does_not_consume_a_fault(client: Client, sim: MutualSimulatorServer) -> None:
    sim.faults.add(FaultRule(kind="http_500_before"))
    r = client.session.post(client.base_url + "/api/v1/uploadEverything", json={}, timeout=5)
    assert r.status_code == 404 and r.json()["code"] == "C0113"
    assert len(sim.faults.rules()) == 1
