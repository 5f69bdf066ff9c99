"""Admin routes, unknown paths, path overrides, the journal, and the server's lifecycle (in-process and as a
process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from simulators.city_brain import samples
from simulators.city_brain.__main__ import build, parse_args
from simulators.city_brain.caller import CityBrainCaller
from simulators.city_brain.server import DEMO_APP_ID, DEMO_SECRET, CityBrainSimulatorServer
from simulators.city_brain.state import SimState
from tests.simulators.city_brain._support import APP_ID, ENVELOPE_KEYS, Admin

REPO = Path(__file__).resolve().parents[3]


def test_state_sums_up_events_history_counters_and_configuration(pusher: CityBrainCaller, admin: Admin) -> None:
    for event in samples.journey_events()[:2]:
        pusher.call("notify", event)
    pusher.call("history", samples.history("bill"))
    pusher.bad_signature("notify", samples.notify())
    state = admin.get("state")
    assert state["events"] == {"count": 2, "by_type": {"CHECKED_IN": 1, "REGISTERED": 1}, "duplicates": 0,
                               "conflicts": 0, "late": 0, "visits": 1}  # fmt: skip
    assert state["history"] == {"records": {"bill": 1}, "batches": 1, "repeated_batches": {}, "repeated_records": 0}
    counters = state["counters"]
    assert (counters["notify_ok"], counters["notify_1002"], counters["history_ok"], counters["requests"]) == (2, 1, 1, 4)
    assert counters["refused"] == 1 and counters["events_accepted"] == 2
    assert state["verifier"]["hospitals"][APP_ID] == {"sign_type": "SM3", "enabled": True, "org_code": None,
                                                      "ips": None}  # fmt: skip
    assert state["nonces_seen"] == 3 and state["paths"] == {"notify": "/api/v1/notify", "history": "/api/v1/history"}
    assert "s3cr3t" not in str(state)


def test_events_route_filters_on_any_field(pusher: CityBrainCaller, admin: Admin) -> None:
    for event in samples.journey_events() + samples.journey_events(visit_id="R2", patient_id="P2")[:1]:
        pusher.call("notify", event)
    assert len(admin.get("events")) == 7
    assert [e["eventType"] for e in admin.get("events", visitId="R2")] == ["REGISTERED"]
    (charged,) = admin.get("events", eventType="CHARGED")
    assert charged["data"]["amount"] == "356.20" and charged["seq"] == 5
    assert admin.get("events", patientId="nobody") == []


def test_history_route_refuses_an_unknown_data_type(admin: Admin) -> None:
    r = admin.session.get(admin.base_url + "/admin/history", params={"dataType": "lab"}, timeout=5)
    assert r.status_code == 400 and r.json()["code"] == "2001"


def test_journal_keeps_every_call_with_its_keys_and_answer(sim: CityBrainSimulatorServer, pusher: CityBrainCaller,
                                                           admin: Admin) -> None:  # fmt: skip
    pusher.call("notify", samples.notify())
    pusher.call("history", samples.history("visit", batch_no="p7"))
    pusher.send("history", raw=b"oops")
    journal = admin.get("journal")
    assert [(e["seq"], e["op"]) for e in journal] == [(1, "notify"), (2, "history"), (3, "history")]
    assert (journal[0]["eventId"], journal[0]["eventType"], journal[0]["appId"]) == (
        "REGISTERED:R20250615001", "REGISTERED", APP_ID)  # fmt: skip
    assert (journal[1]["dataType"], journal[1]["batchNo"], journal[1]["records"]) == ("visit", "p7", 1)
    assert journal[1]["answer"]["data"] == {"accepted": 1, "failed": []} and journal[1]["processed"] is True
    assert journal[2]["request"] == "oops" and journal[2]["answer"]["code"] == "2001"
    assert [e["seq"] for e in admin.get("journal", op="history", since=2)] == [3]
    r = admin.session.get(admin.base_url + "/admin/journal", params={"since": "x"}, timeout=5)
    assert r.status_code == 400


def test_the_journal_is_bounded() -> None:
    with CityBrainSimulatorServer(SimState(journal_max=2)) as sim:
        for i in range(4):
            sim.pusher().call("notify", samples.notify(eventId=f"REGISTERED:{i}"))
        assert [e["seq"] for e in Admin(sim.url).get("journal")] == [3, 4]


def test_spec_route_describes_the_payloads(admin: Admin) -> None:
    body = admin.get("spec")
    assert set(body["records"]) == {"visit", "bill", "prescription", "report"}
    amount = next(f for f in body["notify"]["fields"] if f["name"] == "amount")
    assert (amount["type"], amount["required"]) == ("money", False)
    assert body["answerCodes"]["1004"] == "重复的请求" and body["httpStatus"]["1007"] == 429
    assert body["paths"]["history"] == "/api/v1/history" and body["maxRecords"] == 200


def test_reset_forgets_everything_and_the_nonces(pusher: CityBrainCaller, admin: Admin) -> None:
    envelope = pusher.envelope(samples.notify())
    assert pusher.send("notify", envelope).ok
    pusher.call("history", samples.history("bill"))
    assert admin.post("reset")["data"] == {"reset": True}
    state = admin.get("state")
    assert state["events"]["count"] == 0 and state["history"]["batches"] == 0 and state["journal_size"] == 0
    assert state["nonces_seen"] == 0 and pusher.send("notify", envelope).ok


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/api/v1/notify", 405), ("post", "/api/v2/notify", 404), ("post", "/admin/state", 404),
    ("get", "/", 405), ("post", "/city-brain/api/v1/health", 404),
])  # fmt: skip
def test_unknown_paths_answer_2004_in_the_envelope(admin: Admin, method: str, path: str, status: int) -> None:
    r = getattr(admin.session, method)(admin.base_url + path, timeout=5)
    assert r.status_code == status
    assert set(r.json()) == ENVELOPE_KEYS and r.json()["code"] == "2004"


def test_paths_can_be_moved() -> None:
    with CityBrainSimulatorServer(paths={"notify": "/push/notify"}) as sim:
        envelope = sim.pusher().envelope(samples.notify())
        assert requests.post(sim.url + "/push/notify", json=envelope, timeout=5).json()["code"] == "0"
        assert requests.post(sim.url + "/api/v1/notify", json=envelope, timeout=5).status_code == 404
        assert sim.op_url("notify") == sim.url + "/push/notify" and sim.op_url("history").endswith("/api/v1/history")
    with pytest.raises(ValueError):
        CityBrainSimulatorServer(paths={"everything": "/x"}).make_app()


def test_server_starts_and_stops_in_under_a_second() -> None:
    t0 = time.monotonic()
    server = CityBrainSimulatorServer().start()
    assert time.monotonic() - t0 < 1
    requests.Session().get(server.url + "/admin/state", timeout=5)  # a kept-alive connection must not hold it
    t1 = time.monotonic()
    server.stop()
    assert time.monotonic() - t1 < 1
    with pytest.raises(RuntimeError):
        _ = server.url


def test_stop_does_not_wait_for_a_hanging_city_brain() -> None:
    server = CityBrainSimulatorServer().start()
    server.faults.configure(down=True, down_mode="hang")
    pusher = server.pusher()
    pusher.timeout = 10
    outcome: list[object] = []
    t = threading.Thread(target=lambda: outcome.append(pusher.call("notify", samples.notify()).status))
    t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    server.stop()
    assert time.monotonic() - t0 < 1.5
    t.join(5)
    assert outcome and outcome[0] != 200


def test_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITY_BRAIN_SIM_APP_ID", "app")
    monkeypatch.setenv("CITY_BRAIN_SIM_SECRET", "key")
    monkeypatch.setenv("CITY_BRAIN_SIM_SIGN_TYPE", "HMAC-SHA256")
    monkeypatch.setenv("CITY_BRAIN_SIM_IPS", "127.0.0.1, 10.0.0.0/8")
    args = parse_args(["--port", "9001", "--org-code", "360102001"])
    assert (args.port, args.app_id, args.sign_type) == (9001, "app", "HMAC-SHA256")
    _, faults, verifier = build(args)
    hospital = verifier.hospitals["app"]
    assert (hospital.secret, hospital.sign_type, hospital.org_code, hospital.ips) == (
        "key", "HMAC-SHA256", "360102001", ("127.0.0.1", "10.0.0.0/8"))  # fmt: skip
    for name in ("APP_ID", "SECRET", "SIGN_TYPE", "IPS"):
        monkeypatch.delenv(f"CITY_BRAIN_SIM_{name}")
    defaults = parse_args([])
    assert defaults.port == 8885 and defaults.sign_type == "SM3"
    assert build(defaults)[2].hospitals[DEMO_APP_ID].secret == DEMO_SECRET
    with pytest.raises(ValueError):
        build(parse_args(["--ips", "not-a-network"]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_module_runs_as_a_process() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.city_brain", "--port", str(port), "--log-level", "warning",
         "--app-id", "hosp", "--secret", "k3y", "--sign-type", "SHA256",
         "--faults", '{"kind": "refuse", "op": "history", "code": "1007"}'],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(base + "/admin/state", timeout=1)
                break
            except requests.exceptions.ConnectionError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "simulator process did not come up"
                time.sleep(0.1)
        pusher = CityBrainCaller(base, "hosp", "k3y", sign_type="SHA256", prefix="/api/v1", timeout=5)
        assert pusher.call("notify", samples.notify()).ok
        assert pusher.call("history", samples.history("visit")).code == "1007"
        assert pusher.other_sign_type("notify", samples.notify()).code == "1002"
    finally:
        proc.terminate()
        proc.wait(10)
