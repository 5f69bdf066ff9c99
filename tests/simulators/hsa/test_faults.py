"""Fault injection: every kind, by header and by plan, and whether the request was processed."""

from __future__ import annotations

import json
import time

import pytest
import requests

from simulators.hsa.faults import FaultPlan, FaultRule, FaultSpecError
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.simulators.hsa._support import Client, sel_row


def _sale(c: Client, **kw) -> tuple[dict, requests.Response]:
    env = c.envelope("3505", {"selinfo": sel_row()})
    return env, c.post(env, **kw)


def _stored(c: Client) -> int:
    return c.admin("state")["records"]["4"]


def test_http_500_before_does_not_process(client: Client) -> None:
    env, r = _sale(client, headers={"X-Sim-Fault": "http_500_before"})
    assert r.status_code == 500
    assert _stored(client) == 0
    assert env["msgid"] not in client.admin("journal")
    # the same message can be sent again: its msgid was never seen
    assert client.post(env).json()["infcode"] == 0


def test_http_502_after_processes_and_answers_html(client: Client) -> None:
    env, r = _sale(client, headers={"X-Sim-Fault": "http_502_after"})
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        r.json()
    assert _stored(client) == 1
    entry = client.admin("journal")[env["msgid"]]
    assert (entry["outcome"], entry["fault"]) == ("success", "http_502_after")
    assert "报文ID重复" in client.post(env).json()["err_msg"]


def test_slow_processes_before_the_client_times_out(client: Client) -> None:
    env = client.envelope("3505", {"selinfo": sel_row()})
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.post(env, headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay": "1.0"}, timeout=0.3)
    assert _stored(client) == 1
    assert client.admin("journal")[env["msgid"]]["fault"] == "slow"


def test_slow_answers_normally_when_the_client_waits(client: Client) -> None:
    t0 = time.monotonic()
    _, r = _sale(client, headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay": "0.3"})
    assert time.monotonic() - t0 >= 0.3
    assert r.json()["infcode"] == 0


def test_infcode_minus_1_is_busy_and_not_processed(client: Client) -> None:
    env, r = _sale(client, headers={"X-Sim-Fault": "infcode_-1"})
    assert r.status_code == 200
    ans = r.json()
    assert (ans["infcode"], ans["err_msg"]) == (-1, "系统繁忙，请稍后再试")
    assert _stored(client) == 0
    assert client.post(env).json()["infcode"] == 0


def test_malformed_processes_and_answers_non_json(client: Client) -> None:
    env, r = _sale(client, headers={"X-Sim-Fault": "malformed"})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.text)
    assert _stored(client) == 1


def test_drop_processes_and_closes_without_answer(client: Client) -> None:
    env = client.envelope("3505", {"selinfo": sel_row()})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(client.url, json=env, headers={"X-Sim-Fault": "drop"}, timeout=5)
    assert _stored(client) == 1
    assert client.admin("journal")[env["msgid"]]["fault"] == "drop"
    # the server keeps serving
    assert _sale(client)[1].json()["infcode"] == 0


def test_plan_rules_match_infno_and_run_out(client: Client, sim: SimServer) -> None:
    r = client.session.post(
        sim.url + "/__admin__/faults",
        json={"rules": [{"kind": "http_500_before", "times": 2, "infno": "3505"}]},
        timeout=5,
    )
    assert r.status_code == 200 and r.json()["rules"][0]["times"] == 2
    assert client.call("3503", {"purcinfo": {}})["infcode"] == -1  # other infno: not affected (field error)
    assert _sale(client)[1].status_code == 500
    assert _sale(client)[1].status_code == 500
    assert _sale(client)[1].status_code == 200
    assert client.admin("faults") == {"rules": []}


def test_plan_rule_without_times_limit_and_delete(client: Client, sim: SimServer) -> None:
    client.session.post(sim.url + "/__admin__/faults", json={"kind": "infcode_-1", "times": None}, timeout=5)
    for _ in range(3):
        assert _sale(client)[1].json()["err_msg"] == "系统繁忙，请稍后再试"
    assert client.session.delete(sim.url + "/__admin__/faults", timeout=5).json()["ok"] is True
    assert _sale(client)[1].json()["infcode"] == 0


def test_plan_can_be_set_at_start() -> None:
    plan = FaultPlan.from_json([{"kind": "http_502_after", "infno": "3505"}])
    with SimServer(SimState(), plan) as sim:
        c = Client(sim.url)
        c.sign_in()
        assert _sale(c)[1].status_code == 502
        assert _stored(c) == 1


def test_every_fault_kind_by_plan(sim: SimServer) -> None:
    c = Client(sim.url)
    c.sign_in()
    expectations = {
        "http_500_before": (500, False),
        "http_502_after": (502, True),
        "slow": (200, True),
        "infcode_-1": (200, False),
        "malformed": (200, True),
    }
    for kind, (status, processed) in expectations.items():
        sim.faults.add(FaultRule(kind=kind, infno="3505", delay_s=0.05))
        before = _stored(c)
        env, r = _sale(c)
        assert r.status_code == status, kind
        assert _stored(c) == before + int(processed), kind
        assert (env["msgid"] in c.admin("journal")) is processed, kind
    sim.faults.add(FaultRule(kind="drop"))
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(c.url, json=c.envelope("3505", {"selinfo": sel_row()}), timeout=5)


def test_bad_fault_rules_are_refused(sim: SimServer) -> None:
    r = requests.post(sim.url + "/__admin__/faults", json={"kind": "explode"}, timeout=5)
    assert r.status_code == 400 and "explode" in r.json()["error"]
    r = requests.post(sim.url + "/__admin__/faults", data=b"{bad", timeout=5)
    assert r.status_code == 400
    with pytest.raises(FaultSpecError):
        FaultRule(kind="slow", times=0)


def test_faults_do_not_bypass_the_gateway() -> None:
    from tests.simulators.hsa._support import PAASID, SECRET

    with SimServer(SimState(auth_mode="tif", paasid=PAASID, secret=SECRET)) as sim:
        sim.faults.add(FaultRule(kind="http_500_before"))
        r = requests.post(sim.url + "/fsi/api/rsfComIfsService/callService", json={}, timeout=5)
        assert r.status_code == 401
        assert len(sim.faults.rules()) == 1  # not consumed by the refused request


def test_admin_reset_and_state(client: Client, sim: SimServer) -> None:
    _sale(client)
    summary = client.admin("state")
    assert summary["records"]["4"] == 1 and summary["sold_codes"] == 1 and summary["inventory_size"] == 1
    assert summary["msgids_seen"] == 2  # 9001 + 3505
    assert client.session.post(sim.url + "/__admin__/reset", timeout=5).json() == {"ok": True}
    summary = client.admin("state")
    assert summary["records"]["4"] == 0 and summary["msgids_seen"] == 0 and client.admin("journal") == {}
