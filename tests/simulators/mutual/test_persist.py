"""``state_file``: the 互认 simulator answers after a restart as it did before — uploaded reports (their items in
upload order, corrections included), withdrawals, seeded reports, record GUIDs, the journal's numbering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from simulators.mutual.persist import MUTUAL
from simulators.mutual.samples import OUR_ORG, SAMPLE_REPORT, record, row
from simulators.mutual.server import MutualSimulatorServer
from simulators.mutual.state import SimState
from tests.simulators.mutual._support import CLOCK, Client

OTHER = "360000009"  # another hospital asking


def _queries(c: Client) -> dict[str, Any]:
    """What another hospital is answered (journalled, so counted in what is held)."""
    lab = c.call("getReport", {"orgCode": OTHER, "reportId": f"LIS-{OUR_ORG.code}-LR0001", "itemType": "LIS"})
    return {"lab": lab["data"], "reminders": c.reminders(OTHER)}


def _held(c: Client) -> dict[str, Any]:
    """What the admin routes show the platform holds."""
    return {"state": {k: v for k, v in c.admin("state").items() if k != "clock"}, "journal": c.admin("journal"),
            "records": c.admin("records"), "registration": c.rows("registration"), "reports": c.admin("reports")}  # fmt: skip


def _restarted(state_file: Path) -> MutualSimulatorServer:
    sim = MutualSimulatorServer(SimState(), state_file=state_file).start()
    sim.state.set_clock(CLOCK)  # the clock is the process's: set again, as a test or the demo does
    return sim


def test_a_restarted_simulator_answers_as_before(tmp_path) -> None:
    state_file = tmp_path / "mutual_simulator_state.json"
    with MutualSimulatorServer(state_file=state_file) as sim:
        sim.state.set_clock(CLOCK)
        c = Client(sim.url)
        c.upload("uploadLabReport", row("uploadLabReport"))
        c.upload("uploadLabIndicator", row("uploadLabIndicator"),
                 row("uploadLabIndicator", BusinessNo="LI0002", ExamItemCode="HGB", ExamItemName="血红蛋白",
                     TestIndexResult="150", TestIndexUnit="g/L", NormalRefLimit="130-175", AnomalyCode="N"))  # fmt: skip
        c.upload("uploadLabIndicator", row("uploadLabIndicator", TestIndexResult="13.10"))  # corrected: now last
        c.upload("uploadRegistration", row("uploadRegistration"))
        deleted = c.call("deleteData", {"orgCode": OUR_ORG.code, "dataType": "registration",
                                        "businessNos": ["GH20250614001"]})  # fmt: skip
        assert deleted["data"]["deleted"] == ["GH20250614001"]
        assert c.admin_post("reports", [SAMPLE_REPORT])["code"] == "00000"
        assert c.call("uploadReminderRecords", [record("uploadReminderRecords")])["code"] == "00000"
        answered, held = _queries(c), _held(c)
    assert [i["itemCode"] for i in answered["lab"]["items"]] == ["HGB", "WBC"]

    sim = _restarted(state_file)
    try:
        c = Client(sim.url)
        assert _held(c) == held
        assert _queries(c) == answered
        again = c.call("uploadReminderRecords", [record("uploadReminderRecords")])  # the same GUID
        assert again["code"] == "00000" and "此前已接收" in again["msg"]
        gone = c.call("deleteData", {"orgCode": OUR_ORG.code, "dataType": "registration",
                                     "businessNos": ["GH20250614001"]})  # fmt: skip
        assert [f["code"] for f in gone["data"]["failed"]] == ["A0404"]  # withdrawn before the restart
        seqs = [e["seq"] for e in c.admin("journal")]
        assert seqs == list(range(1, len(held["journal"]) + 5))  # kept, then the numbering went on
    finally:
        sim.stop()


def test_reset_empties_the_file_and_a_restart_starts_empty(tmp_path) -> None:
    state_file = tmp_path / "mutual.json"
    with MutualSimulatorServer(state_file=state_file) as sim:
        Client(sim.url).upload("uploadRegistration", row("uploadRegistration"))
        requests.post(sim.url + "/admin/reset", timeout=5).raise_for_status()
    back = SimState()
    assert MUTUAL.load(back, state_file) is True
    assert back.rows == {} and len(back.journal) == 0

    with MutualSimulatorServer(state_file=state_file) as sim:  # the in-process reset between tests, too
        Client(sim.url).upload("uploadRegistration", row("uploadRegistration"))
        sim.reset()
    assert MUTUAL.load(back, state_file) is True and back.rows == {}


def test_demo_seeding_does_not_pile_up_across_restarts(tmp_path) -> None:
    from simulators.mutual.__main__ import build, parse_args, seed_demo

    state_file = tmp_path / "mutual.json"
    args = parse_args(["--seed-demo", "--state", str(state_file)])
    state, _, _ = build(args)
    assert state.reports == {}  # with --state the seeding waits for the file
    seed_demo(state)
    seeded = set(state.reports)
    MUTUAL.save(state, state_file)
    state.set_clock("2031-01-01 10:00:00")  # another day: the same persons' reports would get new ids
    MUTUAL.load(state, state_file)
    seed_demo(state)
    assert set(state.reports) == seeded
