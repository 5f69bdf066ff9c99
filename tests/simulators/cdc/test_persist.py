"""``state_file``: the CDC front-end simulator answers after a restart as it did before — records and their
versions, a deleted record still deleted (when, too), a parent still holding its live children, the journal's
numbering."""

from __future__ import annotations

from simulators.cdc.samples import sample
from simulators.cdc.server import SimServer
from simulators.cdc.state import SimState
from tests.simulators.cdc._support import Client

ENTITIES = ("emrPatientInfo", "emrExLab", "emrExLabItem", "emrOrder")


def _answers(c: Client) -> dict:
    return {"records": {e: c.admin(f"records/{e}") for e in ENTITIES},
            "state": c.admin("state"), "journal": c.admin("journal")}  # fmt: skip


def test_a_restarted_front_end_answers_as_before(tmp_path) -> None:
    state_file = tmp_path / "cdc_simulator_state.json"
    with SimServer(SimState(), state_file=state_file) as sim:
        c = Client(sim.url)
        assert c.push("emrPatientInfo", sample("emrPatientInfo"))["result"] is True
        assert c.push("emrPatientInfo", sample("emrPatientInfo"))["result"] is True  # a duplicate
        assert c.push("emrExLab", sample("emrExLab"))["result"] is True
        assert c.push("emrExLabItem", sample("emrExLabItem"))["result"] is True
        assert c.push("emrOrder", sample("emrOrder"))["result"] is True
        deleted = c.remove("emrOrder", {"id": "O001"})
        assert deleted["result"] is True and deleted["desc"] == "删除成功"
        deleted_at = c.admin("records/emrOrder/O001")["deleted_at"]
        before = _answers(c)
    assert before["records"]["emrPatientInfo"][0]["duplicates"] == 1

    with SimServer(SimState(), state_file=state_file) as sim:
        c = Client(sim.url)
        assert _answers(c) == before
        again = c.remove("emrOrder", {"id": "O001"})  # deleted before the restart: still known as deleted
        assert again["result"] is True and again["desc"] == f"记录已删除(于{deleted_at})"
        # the lab still has its live item: the links were rebuilt on load
        refused = c.remove("emrExLab", {"id": "L001"})
        assert refused["result"] is False and refused["errorCode"]
        assert c.push("emrExLabItem", sample("emrExLabItem"))["desc"] != "新增成功"  # an update, not a new record
        last = c.admin("journal")[-1]["seq"]
    assert last == len(before["journal"]) + 3  # the numbering went on

    with SimServer(SimState(), state_file=state_file) as sim:
        c = Client(sim.url)
        assert c.remove("emrExLabItem", {"id": "LI001"})["result"] is True
        assert c.remove("emrExLab", {"id": "L001"})["result"] is True
        assert c.push("emrExLabItem", sample("emrExLabItem", id="LI002"))["errorCode"] == "PARENT_DELETED"
        assert c.counts("emrExLabItem") | {} == {**c.counts("emrExLabItem"), "live": 0, "deleted": 1, "versions": 2}
