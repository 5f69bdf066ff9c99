"""Admin routes, the journal, the spec route, and the server's lifecycle."""

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

from simulators.cdc import spec
from simulators.cdc.__main__ import parse_args
from simulators.cdc.samples import sample
from simulators.cdc.server import SimServer
from tests.simulators.cdc._support import Client

REPO = Path(__file__).resolve().parents[3]


def test_state_counts_every_entity(client: Client, patient: str) -> None:
    client.push("emrExLab", sample("emrExLab"))
    client.push("emrExLabItem", sample("emrExLabItem", exLabId="NOPE"))  # refused
    state = client.admin("state")
    assert set(state["counts"]) == {t.entity for t in spec.TABLES}
    assert state["counts"]["emrExLab"]["live"] == 1 and state["counts"]["emrExLabItem"]["live"] == 0
    assert state["counters"] == {"requests": 3, "accepted": 2, "refused": 1}
    assert state["config"]["delete_parent"] == "refuse"


def test_records_route_lists_live_and_deleted(client: Client, patient: str) -> None:
    client.push("emrOrder", sample("emrOrder"))
    client.push("emrOrder", sample("emrOrder", id="O002"))
    client.remove("emrOrder", {"id": "O002"})
    rows = {r["id"]: r for r in client.admin("records/emrOrder")}
    assert set(rows) == {"O001", "O002"} and rows["O002"]["deleted"] is True
    assert rows["O001"]["data"] == sample("emrOrder")
    assert [r["id"] for r in client.admin("records/emrOrder", live=1)] == ["O001"]
    r = requests.get(client.base_url + "/__admin__/records/emrOrder/NOPE", timeout=5)
    assert r.status_code == 404
    r = requests.get(client.base_url + "/__admin__/records/emrNothing", timeout=5)
    assert r.status_code == 404 and r.json()["errorCode"] == "UNKNOWN_ENTITY"


def test_journal_keeps_every_request_and_reply(client: Client, patient: str) -> None:
    client.push("emrExLabItem", sample("emrExLabItem"))
    client.session.post(
        client.url("emrOrder"), data=b"oops", timeout=5, headers={"Content-Type": "application/json"}
    )
    journal = client.admin("journal")
    assert [(e["seq"], e["method"], e["entity"], e["id"]) for e in journal] == [
        (1, "POST", "emrPatientInfo", "P001"), (2, "POST", "emrExLabItem", "LI001"), (3, "POST", "emrOrder", None)]  # fmt: skip
    assert journal[0]["request"] == sample("emrPatientInfo") and journal[0]["reply"]["result"] is True
    assert journal[1]["reply"]["errorCode"] == "PARENT_NOT_FOUND" and journal[1]["http_status"] == 200
    assert journal[2]["request"] == "oops"
    assert [e["seq"] for e in client.admin("journal", entity="emrExLabItem")] == [2]
    assert [e["seq"] for e in client.admin("journal", id="P001")] == [1]
    assert [e["seq"] for e in client.admin("journal", since=2)] == [3]


def test_reset_forgets_records_and_journal(client: Client, sim: SimServer, patient: str) -> None:
    assert requests.post(sim.url + "/__admin__/reset", timeout=5).json() == {"ok": True}
    assert client.counts("emrPatientInfo")["live"] == 0 and client.admin("journal") == []
    assert client.push("emrOrder", sample("emrOrder"))["errorCode"] == "PATIENT_NOT_FOUND"


def test_spec_route_describes_every_table(client: Client) -> None:
    body = client.admin("spec")
    tables = {t["entity"]: t for t in body["tables"]}
    assert len(tables) == 20
    lab_item = tables["emrExLabItem"]
    assert lab_item["parent"] == ["ex_lab_id", "emr_ex_lab"]
    ri = next(c for c in lab_item["columns"] if c["name"] == "examination_quantification_ri")
    assert (ri["wire"], ri["type"], ri["length"], ri["codes"]) == (
        "examinationQuantificationRi",
        "varchar",
        2,
        "lab_ri",
    )
    assert body["dictionaries"]["gender"]["values"] == {
        "0": "未知的性别",
        "1": "男",
        "2": "女",
        "9": "未说明的性别",
    }


def test_the_journal_is_bounded(sim: SimServer) -> None:
    from simulators.cdc.state import SimState

    with SimServer(SimState(journal_max=3)) as small:
        c = Client(small.url)
        for i in range(5):
            c.push("baseDept", sample("baseDept", id=f"D{i}"))
        assert [e["id"] for e in c.admin("journal")] == ["D2", "D3", "D4"]


def test_server_starts_and_stops_in_under_a_second() -> None:
    t0 = time.monotonic()
    server = SimServer().start()
    assert time.monotonic() - t0 < 1
    session = requests.Session()
    session.get(
        server.url + "/__admin__/state", timeout=5
    )  # a kept-alive connection must not hold the shutdown
    t1 = time.monotonic()
    server.stop()
    assert time.monotonic() - t1 < 1
    with pytest.raises(RuntimeError):
        _ = server.url


def test_stop_does_not_wait_for_a_pending_slow_answer() -> None:
    server = SimServer().start()
    c = Client(server.url)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(c.post("baseDept", sample("baseDept"), headers={"X-Sim-Fault": "slow",
                                                                          "X-Sim-Fault-Delay": "10"}).status_code)  # fmt: skip
        except requests.exceptions.ConnectionError as exc:
            outcome.append(exc)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    server.stop()
    assert time.monotonic() - t0 < 1.5
    t.join(5)
    assert outcome and outcome[0] != 200  # the client never got a normal answer


def test_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDC_SIM_DELETE_PARENT", "cascade")
    monkeypatch.setenv("CDC_SIM_REQUIRE_QUALITY_FIELDS", "1")
    args = parse_args(["--port", "9001"])
    assert (args.port, args.delete_parent, args.require_quality_fields) == (9001, "cascade", True)
    monkeypatch.delenv("CDC_SIM_DELETE_PARENT")
    assert parse_args([]).port == 8881 and parse_args([]).delete_parent == "refuse"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_module_runs_as_a_process() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.cdc", "--port", str(port), "--log-level", "warning",
         "--faults", '{"kind": "refuse", "entity": "baseUser"}'],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(base + "/__admin__/state", timeout=1)
                break
            except requests.exceptions.ConnectionError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "simulator process did not come up"
                time.sleep(0.1)
        c = Client(base)
        assert c.push("baseDept", sample("baseDept"))["result"] is True
        assert c.push("baseUser", sample("baseUser"))["errorCode"] == "REFUSED"
    finally:
        proc.terminate()
        proc.wait(10)
