"""Fault injection: every kind, by header and by plan, and whether the push was processed."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
import requests

from simulators.cdc.faults import FaultPlan, FaultRule, FaultSpecError
from simulators.cdc.samples import sample
from simulators.cdc.server import SimServer
from simulators.cdc.state import SimState
from tests.simulators.cdc._support import Client


def _post_patient(c: Client, **kw) -> requests.Response:
    return c.post("emrPatientInfo", sample("emrPatientInfo"), **kw)


def _stored(c: Client) -> int:
    return c.counts("emrPatientInfo")["live"]


def test_http_500_before_does_not_process(client: Client) -> None:
    r = _post_patient(client, headers={"X-Sim-Fault": "http_500_before"})
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert _stored(client) == 0
    (entry,) = client.admin("journal")
    assert (entry["fault"], entry["processed"], entry["http_status"], entry["reply"]) == (
        "http_500_before", False, 500, None)  # fmt: skip
    assert _post_patient(client).json()["result"] is True


def test_http_500_after_stores_and_answers_500(client: Client) -> None:
    r = _post_patient(client, headers={"X-Sim-Fault": "http_500_after"})
    assert r.status_code == 500
    with pytest.raises(ValueError):
        r.json()
    assert _stored(client) == 1  # the client cannot know: outcome unknown
    (entry,) = client.admin("journal")
    assert entry["processed"] is True and entry["reply"]["result"] is True and entry["http_status"] == 500
    again = _post_patient(client).json()  # re-sending the same record is harmless: an upsert
    assert (again["result"], again["desc"]) == (True, "更新成功")
    assert client.admin("records/emrPatientInfo/P001")["duplicates"] == 1


def test_slow_stores_before_the_client_times_out(client: Client) -> None:
    with pytest.raises(requests.exceptions.ReadTimeout):
        _post_patient(client, headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay": "1.0"}, timeout=0.3)
    assert _stored(client) == 1
    assert client.admin("journal")[0]["fault"] == "slow"


def test_slow_answers_normally_when_the_client_waits(client: Client) -> None:
    t0 = time.monotonic()
    r = _post_patient(client, headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay": "0.3"})
    assert time.monotonic() - t0 >= 0.3
    assert r.status_code == 200 and r.json()["result"] is True


def test_a_slow_answer_does_not_hold_other_pushes(client: Client, sim: SimServer) -> None:
    import threading

    sim.faults.add(FaultRule(kind="slow", entity="emrExLab", delay_s=1.0))
    _post_patient(client)
    t = threading.Thread(target=lambda: Client(sim.url).post("emrExLab", sample("emrExLab")))
    t.start()
    time.sleep(0.1)
    t0 = time.monotonic()
    assert client.push("emrOrder", sample("emrOrder"))["result"] is True
    assert time.monotonic() - t0 < 0.5
    t.join(5)


def test_refuse_answers_result_false_with_the_rule_words(client: Client, sim: SimServer) -> None:
    sim.faults.add(FaultRule(kind="refuse", error_name="前置机数据库空间不足", error_code="E500"))
    reply = _post_patient(client).json()
    assert reply == {"result": False, "desc": "前置机数据库空间不足", "id": "P001", "errorCode": "E500",
                     "errorName": "前置机数据库空间不足"}  # fmt: skip
    assert _stored(client) == 0
    assert client.admin("journal")[0]["processed"] is False


def test_refuse_by_header_with_percent_encoded_words(client: Client) -> None:
    headers = {"X-Sim-Fault": "refuse", "X-Sim-Fault-Error": quote("系统维护中")}
    reply = _post_patient(client, headers=headers).json()
    assert (reply["result"], reply["errorCode"], reply["errorName"]) == (False, "REFUSED", "系统维护中")
    default = _post_patient(client, headers={"X-Sim-Fault": "refuse"}).json()
    assert default["errorName"] and default["result"] is False


def test_plan_rules_match_entity_and_method_and_run_out(client: Client, sim: SimServer) -> None:
    r = client.session.post(
        sim.url + "/__admin__/faults",
        json={"rules": [{"kind": "http_500_before", "times": 2, "entity": "emrExLab", "method": "POST"}]},
        timeout=5,
    )
    assert r.status_code == 200 and r.json()["rules"][0]["times"] == 2
    _post_patient(client)  # another entity: not affected
    assert client.post("emrExLab", sample("emrExLab")).status_code == 500
    assert client.delete("emrExLab", {"id": "L001"}).status_code == 200  # another method: not affected
    assert client.post("emrExLab", sample("emrExLab")).status_code == 500
    assert client.post("emrExLab", sample("emrExLab")).status_code == 200
    assert client.admin("faults") == {"rules": []}


def test_rule_without_times_limit_until_cleared(client: Client, sim: SimServer) -> None:
    client.session.post(sim.url + "/__admin__/faults", json={"kind": "refuse", "times": None}, timeout=5)
    for _ in range(3):
        assert _post_patient(client).json()["errorCode"] == "REFUSED"
    assert client.session.delete(sim.url + "/__admin__/faults", timeout=5).json()["ok"] is True
    assert _post_patient(client).json()["result"] is True


def test_delete_can_fail_after_processing(client: Client, sim: SimServer) -> None:
    _post_patient(client)
    sim.faults.add(FaultRule(kind="http_500_after", method="DELETE"))
    assert client.delete("emrPatientInfo", {"id": "P001"}).status_code == 500
    assert client.counts("emrPatientInfo")["deleted"] == 1
    # repeating the lost delete is safe
    assert client.remove("emrPatientInfo", {"id": "P001"})["result"] is True


def test_plan_can_be_set_at_start() -> None:
    plan = FaultPlan.from_json([{"kind": "http_500_after", "entity": "emrPatientInfo"}])
    with SimServer(SimState(), plan) as sim:
        c = Client(sim.url)
        assert _post_patient(c).status_code == 500
        assert _stored(c) == 1


def test_faults_are_counted_in_the_state(client: Client) -> None:
    _post_patient(client, headers={"X-Sim-Fault": "http_500_before"})
    _post_patient(client, headers={"X-Sim-Fault": "refuse"})
    counters = client.admin("state")["counters"]
    assert (
        counters["fault_http_500_before"] == 1 and counters["fault_refuse"] == 1 and counters["requests"] == 2
    )


def test_bad_fault_rules_are_refused(sim: SimServer) -> None:
    r = requests.post(sim.url + "/__admin__/faults", json={"kind": "explode"}, timeout=5)
    assert r.status_code == 400 and "explode" in r.json()["error"]
    r = requests.post(sim.url + "/__admin__/faults", data=b"{bad", timeout=5)
    assert r.status_code == 400
    r = requests.post(sim.url + "/__admin__/faults", json={"kind": "slow", "method": "PUT"}, timeout=5)
    assert r.status_code == 400
    with pytest.raises(FaultSpecError):
        FaultRule(kind="slow", times=0)
    with pytest.raises(FaultSpecError):
        FaultRule.from_json({"kind": "slow", "infno": "3505"})
    r = requests.post(sim.receive_url("emrPatientInfo"), json={}, headers={"X-Sim-Fault": "nope"}, timeout=5)
    assert r.status_code == 400


def test_unknown_entity_does_not_consume_a_fault(client: Client, sim: SimServer) -> None:
    sim.faults.add(FaultRule(kind="http_500_before"))
    assert client.post("emrNothing", {"id": "1"}).status_code == 404
    assert len(sim.faults.rules()) == 1
