"""Admin routes (state, data, records, reports, reset, clock, journal), path overrides, envelopes everywhere, and
the server's lifecycle."""

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

from simulators.mutual.__main__ import build, parse_args
from simulators.mutual.samples import SAMPLE_REPORT, row
from simulators.mutual.server import MutualSimulatorServer
from simulators.mutual.state import SimState
from tests.simulators.mutual._support import ENVELOPE_KEYS, PERSON, Client

REPO = Path(__file__).resolve().parents[3]


def test_state_counts_per_org_data_type_and_record_kind(client: Client, sim: MutualSimulatorServer) -> None:
    client.upload("uploadLabReport", row("uploadLabReport"))
    client.upload("uploadLabReport", row("uploadLabReport", OrgCode="360102002", OrgName="南昌市第二医院"),
                  org="360102002")  # fmt: skip
    client.upload("uploadLabIndicator", row("uploadLabIndicator", ReportBusinessNo="NOPE"))  # refused
    sim.state.add_reports([SAMPLE_REPORT])
    state = client.admin("state")
    assert state["data"]["360102001"] == {"labReport": {"live": 1, "deleted": 0, "versions": 1, "duplicates": 0}}
    assert set(state["data"]) == {"360102001", "360102002"}
    assert state["records"]["reminder"] == {"count": 0, "duplicates": 0}
    assert state["seeded_reports"] == {"360000001": 1}
    assert state["counters"]["rows_accepted"] == 2 and state["counters"]["rows_failed"] == 1
    assert state["counters"]["uploadLabReport_ok"] == 2 and state["counters"]["requests"] == 3
    assert state["clock"] == {"now": "2025-06-15 10:00:00", "mode": "fixed", "offset_s": 0.0,
                              "timezone": "Asia/Shanghai"}  # fmt: skip
    assert state["auth"]["mode"] == "none" and state["config"]["max_batch"] == 50


def test_data_route_filters(client: Client) -> None:
    client.upload("uploadRegistration", row("uploadRegistration"), row("uploadRegistration", BusinessNo="G2"))
    client.upload("uploadAppointment", row("uploadAppointment"))
    assert len(client.admin("data")) == 3
    assert [r["BusinessNo"] for r in client.admin("data", dataType="registration", businessNo="G2")] == ["G2"]
    assert client.admin("data", orgCode="360000001") == []
    (appointment,) = client.admin("data", dataType="appointment")
    assert appointment["data"] == row("uploadAppointment") and appointment["orgCode"] == "360102001"
    assert set(appointment) >= {"versions", "duplicates", "received_at", "updated_at", "deleted", "deleted_at"}


def test_reports_route_posts_lists_and_clears_seeded_reports(client: Client) -> None:
    answer = client.admin_post("reports", {"reports": [SAMPLE_REPORT, {**SAMPLE_REPORT, "reportId": None,
                                                                       "reportNo": "X2"}]})  # fmt: skip
    assert answer["code"] == "00000" and answer["data"]["added"] == 2
    second = answer["data"]["reportIds"][1]
    assert second.startswith("SEED-")  # an id is given when the report has none
    listed = client.admin("reports", idCardValue=PERSON[1])
    assert {r["reportId"] for r in listed} == {SAMPLE_REPORT["reportId"], second}
    assert listed[0]["source"] == "seeded" and listed[0]["items"] == SAMPLE_REPORT["items"]
    assert client.reminders("360102001")[0]["reportId"] in {SAMPLE_REPORT["reportId"], second}
    one = client.admin_post("reports", {**SAMPLE_REPORT, "reportId": "ONE"})  # a single object works too
    assert one["data"]["reportIds"] == ["ONE"]
    r = client.session.delete(client.base_url + "/admin/reports", timeout=5)
    assert r.json()["data"] == {"removed": 3} and client.admin("reports") == []


def test_reports_route_lists_our_uploads_too(client: Client) -> None:
    client.upload("uploadExamReport", row("uploadExamReport"))
    (exam,) = client.admin("reports", source="uploaded")
    assert exam["reportId"] == "PACS-360102001-ER0001" and exam["businessNo"] == "ER0001"
    assert client.admin("reports", itemType="LIS") == []


@pytest.mark.parametrize(("report", "words"), [
    ({**SAMPLE_REPORT, "itemType": "RIS"}, "[itemType]"),
    ({**SAMPLE_REPORT, "reportTime": "2025-06-01"}, "[reportTime]"),
    ({k: v for k, v in SAMPLE_REPORT.items() if k != "idCardValue"}, "[idCardValue]"),
    ({**SAMPLE_REPORT, "items": [{"itemCode": "WBC"}]}, "items第1条"),
    ({**SAMPLE_REPORT, "items": [{**SAMPLE_REPORT["items"][0], "abnormalFlag": "X"}]}, "[abnormalFlag]"),
    ({**SAMPLE_REPORT, "bacteria": [{"bacteriaName": "x", "testResult": "有"}]}, "[testResult]"),
    ({**SAMPLE_REPORT, "abnormal": "yes"}, "[abnormal]"),
    ({**SAMPLE_REPORT, "colour": "red"}, "未知字段[colour]"),
    ("report", "JSON对象"),
])  # fmt: skip
def test_a_bad_seeded_report_is_refused_and_nothing_is_added(client: Client, report: object, words: str) -> None:
    answer = client.admin_post("reports", [SAMPLE_REPORT | {"reportId": "FIRST"}, report], status=400)
    assert answer["code"] == "A0400" and "第2份报告" in answer["msg"] and words in answer["msg"], answer
    assert client.admin("reports") == []


def test_generate_route_seeds_sample_reports_for_persons(client: Client) -> None:
    body = {"persons": [{"idCardTypeCode": "01", "idCardValue": PERSON[1], "patientName": PERSON[2]},
                        ["01", "360103198505152024", "测试乙"]], "seed": 7, "perPerson": 3}  # fmt: skip
    answer = client.admin_post("reports/generate", body)
    assert answer["data"]["added"] == 6
    reports = client.admin("reports", idCardValue=PERSON[1])
    assert len(reports) == 3 and {r["itemCode"] for r in reports} >= {"L0001", "E0001"}
    assert all(r["reportTime"] < "2025-06-15 10:00:00" for r in reports)  # before the simulator's clock
    assert client.admin_post("reports/generate", {"persons": []}, status=400)["code"] == "A0400"
    assert client.admin_post("reports/generate", {"persons": [{"idCardValue": "1"}]}, status=400)["code"] == "A0400"


def test_reset_forgets_everything_but_the_clock(client: Client, sim: MutualSimulatorServer) -> None:
    client.upload("uploadRegistration", row("uploadRegistration"))
    sim.state.add_reports([SAMPLE_REPORT])
    answer = client.admin_post("reset")
    assert answer["data"] == {"reset": True}
    state = client.admin("state")
    assert state["data"] == {} and state["seeded_reports"] == {} and state["journal_size"] == 0
    assert state["clock"]["now"] == "2025-06-15 10:00:00"


def test_clock_can_be_fixed_shifted_and_made_real(client: Client) -> None:
    assert client.admin("clock")["now"] == "2025-06-15 10:00:00"
    fixed = client.admin_post("clock", {"now": "2025-01-02 03:04:05"})["data"]
    assert (fixed["now"], fixed["mode"]) == ("2025-01-02 03:04:05", "fixed")
    shifted = client.admin_post("clock", {"offset_s": -86400})["data"]
    assert shifted["mode"] == "offset"
    real = client.session.delete(client.base_url + "/admin/clock", timeout=5).json()["data"]
    assert real["mode"] == "real" and real["now"][:4] >= "2025"
    assert client.admin_post("clock", {"now": "2025-01-02"}, status=400)["code"] == "A0400"
    assert client.admin_post("clock", {"offset_s": "x"}, status=400)["code"] == "A0400"


def test_uploads_are_stamped_with_the_simulators_clock(client: Client) -> None:
    client.upload("uploadRegistration", row("uploadRegistration"))
    client.admin_post("clock", {"now": "2025-06-15 11:00:00"})
    client.upload("uploadRegistration", row("uploadRegistration", DeptName="改"))
    (kept,) = client.rows("registration")
    assert (kept["first_received_at"], kept["updated_at"]) == ("2025-06-15 10:00:00", "2025-06-15 11:00:00")


def test_journal_keeps_every_call_and_answer(client: Client) -> None:
    client.call("uploadRegistration", {"orgCode": "360102001", "data": [row("uploadRegistration")]})
    client.session.post(client.url("getReport"), data=b"oops", timeout=5)
    journal = client.admin("journal")
    assert [(e["seq"], e["op"]) for e in journal] == [(1, "uploadRegistration"), (2, "getReport")]
    assert journal[0]["request"]["data"][0]["BusinessNo"] == "GH20250614001"
    assert journal[0]["answer"]["code"] == "00000" and journal[0]["processed"] is True
    assert journal[1]["request"] == "oops" and journal[1]["answer"]["code"] == "A0400"
    assert journal[1]["processed"] is False
    assert [e["seq"] for e in client.admin("journal", op="getReport")] == [2]
    assert [e["seq"] for e in client.admin("journal", since=1)] == [2]


def test_the_journal_is_bounded() -> None:
    with MutualSimulatorServer(SimState(journal_max=2)) as small:
        c = Client(small.url)
        for i in range(4):
            c.call("uploadRegistration", {"orgCode": "360102001", "data": [row("uploadRegistration", BusinessNo=f"G{i}")]})
        assert [e["seq"] for e in c.admin("journal")] == [3, 4]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/api/v1/queryReminders", 405), ("post", "/api/v2/queryReminders", 404), ("get", "/", 405),
    ("post", "/admin/state", 404),
])  # fmt: skip
def test_unknown_paths_answer_in_the_envelope(client: Client, method: str, path: str, status: int) -> None:
    r = getattr(client.session, method)(client.base_url + path, timeout=5)
    assert r.status_code == status
    answer = r.json()
    assert set(answer) == ENVELOPE_KEYS and answer["code"] == "C0113"


def test_paths_can_be_moved_per_operation() -> None:
    with MutualSimulatorServer(paths={"queryReminders": "/remind/search"}) as sim:
        query = {"orgCode": "1", "idCardTypeCode": PERSON[0], "idCardValue": PERSON[1], "searchType": 1}
        assert requests.post(sim.url + "/remind/search", json=query, timeout=5).json()["code"] == "00000"
        assert requests.post(sim.url + "/api/v1/queryReminders", json=query, timeout=5).status_code == 404
        assert sim.op_url("queryReminders") == sim.url + "/remind/search"
        assert requests.get(sim.url + "/admin/spec", timeout=5).json()["data"]["paths"]["queryReminders"] == "/remind/search"
    with pytest.raises(ValueError):
        MutualSimulatorServer(paths={"queryEverything": "/x"}).make_app()


def test_seed_reports_uses_the_simulators_clock(sim: MutualSimulatorServer) -> None:
    ids = sim.seed_reports([PERSON], seed=3, per_person=2)
    assert len(ids) == 2 and all(sim.state.get_report(i) is not None for i in ids)


def test_server_starts_and_stops_in_under_a_second() -> None:
    t0 = time.monotonic()
    server = MutualSimulatorServer().start()
    assert time.monotonic() - t0 < 1
    requests.Session().get(server.url + "/admin/state", timeout=5)  # a kept-alive connection must not hold it
    t1 = time.monotonic()
    server.stop()
    assert time.monotonic() - t1 < 1
    with pytest.raises(RuntimeError):
        _ = server.url


def test_stop_does_not_wait_for_a_hanging_down_platform() -> None:
    server = MutualSimulatorServer().start()
    server.faults.configure(down=True, down_mode="hang")
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(requests.post(server.op_url("queryReminders"), json={}, timeout=10).status_code)
        except requests.exceptions.ConnectionError as exc:
            outcome.append(exc)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    server.stop()
    assert time.monotonic() - t0 < 1.5
    t.join(5)
    assert outcome and outcome[0] != 200


def test_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTUAL_SIM_AUTH", "hmac")
    monkeypatch.setenv("MUTUAL_SIM_APP_ID", "app")
    monkeypatch.setenv("MUTUAL_SIM_SECRET", "key")
    monkeypatch.setenv("MUTUAL_SIM_CLOCK", "2025-06-15 10:00:00")
    args = parse_args(["--port", "9001", "--seed-demo"])
    assert (args.port, args.auth, args.app_id, args.seed_demo) == (9001, "hmac", "app", True)
    state, faults, auth = build(args)
    assert auth.mode == "hmac" and state.now_text() == "2025-06-15 10:00:00" and len(state.reports) > 0
    monkeypatch.delenv("MUTUAL_SIM_AUTH")
    assert parse_args([]).port == 8883 and parse_args([]).auth == "none" and parse_args([]).seed_demo is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_module_runs_as_a_process() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.mutual", "--port", str(port), "--log-level", "warning", "--seed-demo",
         "--clock", "2025-06-15 10:00:00", "--faults", '{"kind": "refuse", "op": "uploadQuoteLog"}'],
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
        c = Client(base)
        assert c.reminders("360102001")  # the demo persons have reports
        assert c.call("uploadQuoteLog", {})["code"] == "A0400"
    finally:
        proc.terminate()
        proc.wait(10)
