"""Referential checks, upsert by id with version counts, delete, and what a delete of a parent does."""

from __future__ import annotations

import pytest

from simulators.cdc import spec
from simulators.cdc.samples import sample
from simulators.cdc.server import SimServer
from simulators.cdc.state import SimState
from tests.simulators.cdc._support import Client


@pytest.mark.parametrize(
    ("child", "parent_key", "parent"),
    [("emrExLabItem", "exLabId", "emrExLab"), ("emrExClinicalItem", "exClinicalId", "emrExClinical"),
     ("emrOrderItem", "orderId", "emrOrder")],
)  # fmt: skip
def test_child_whose_parent_was_never_received_is_refused(
    client: Client, patient: str, child: str, parent_key: str, parent: str
) -> None:
    reply = client.push(child, sample(child))
    assert (reply["result"], reply["errorCode"]) == (False, "PARENT_NOT_FOUND")
    assert "父记录不存在" in reply["errorName"] and f"{parent_key}[" in reply["errorName"]
    assert parent in reply["errorName"]
    assert client.counts(child)["live"] == 0
    assert client.push(parent, sample(parent))["result"] is True
    assert client.push(child, sample(child))["result"] is True


@pytest.mark.parametrize("entity", [t.entity for t in spec.TABLES if t.has_patient])
def test_clinical_record_of_an_unknown_patient_is_refused(client: Client, entity: str) -> None:
    reply = client.push(entity, sample(entity))
    assert (reply["result"], reply["errorCode"]) == (False, "PATIENT_NOT_FOUND")
    assert "[P001]" in reply["errorName"] and "emrPatientInfo" in reply["errorName"]


def test_record_pointing_at_a_deleted_patient_or_parent_is_refused(client: Client, patient: str) -> None:
    client.push("emrExLab", sample("emrExLab"))
    client.push("emrExLabItem", sample("emrExLabItem"))
    assert client.remove("emrExLabItem", {"id": "LI001"})["result"] is True
    assert client.remove("emrExLab", {"id": "L001"})["result"] is True
    reply = client.push("emrExLabItem", sample("emrExLabItem", id="LI002"))
    assert reply["errorCode"] == "PARENT_DELETED"
    assert client.remove("emrPatientInfo", {"id": "P001"})["result"] is True
    assert client.push("emrOrder", sample("emrOrder"))["errorCode"] == "PATIENT_DELETED"


def test_upsert_replaces_by_id_and_counts_versions(client: Client, patient: str) -> None:
    first = client.push("emrExLab", sample("emrExLab"))
    assert (first["result"], first["desc"], first["id"]) == (True, "新增成功", "L001")
    second = client.push("emrExLab", sample("emrExLab", examinationSubjectiveDesc="HBsAg 阳性"))
    assert (second["result"], second["desc"]) == (True, "更新成功")
    third = client.push("emrExLab", sample("emrExLab", examinationSubjectiveDesc="HBsAg 阳性"))
    assert third["result"] is True
    record = client.admin("records/emrExLab/L001")
    assert record["versions"] == 3 and record["duplicates"] == 1
    assert record["data"]["examinationSubjectiveDesc"] == "HBsAg 阳性"
    assert client.counts("emrExLab") == {"live": 1, "deleted": 0, "voided": 0, "versions": 3, "duplicates": 1}


def test_upsert_with_invalid_flag_1_is_kept_as_voided(client: Client, patient: str) -> None:
    client.push("emrExLab", sample("emrExLab"))
    assert client.push("emrExLab", sample("emrExLab", invalidFlag="1"))["result"] is True
    assert client.admin("records/emrExLab/L001")["voided"] is True
    assert client.counts("emrExLab")["voided"] == 1


def test_delete_marks_the_record_deleted_and_remembers_it(client: Client, patient: str) -> None:
    client.push("emrOrder", sample("emrOrder"))
    reply = client.remove("emrOrder", {"id": "O001"})
    assert reply == {"result": True, "desc": "删除成功", "id": "O001", "errorCode": None, "errorName": None}
    record = client.admin("records/emrOrder/O001")
    assert record["deleted"] is True and record["deleted_at"]
    assert client.counts("emrOrder")["live"] == 0 and client.counts("emrOrder")["deleted"] == 1
    assert client.admin("records/emrOrder", live=1) == []


def test_delete_accepts_the_whole_record_as_body(client: Client, patient: str) -> None:
    client.push("emrOrder", sample("emrOrder"))
    assert client.remove("emrOrder", sample("emrOrder"))["result"] is True


def test_delete_body_with_a_foreign_key_or_without_id_is_refused(client: Client, patient: str) -> None:
    client.push("emrOrder", sample("emrOrder"))
    reply = client.remove("emrOrder", {"id": "O001", "order_no": "x"})
    assert reply["errorCode"] == "UNKNOWN_FIELD"
    assert client.remove("emrOrder", {"prescriptionNo": "CF0001"})["errorCode"] == "REQUIRED"
    assert client.counts("emrOrder")["live"] == 1


def test_deleting_an_unknown_id_is_an_error(client: Client) -> None:
    reply = client.remove("emrPatientInfo", {"id": "NOPE"})
    assert (reply["result"], reply["errorCode"], reply["id"]) == (False, "NOT_FOUND", "NOPE")
    assert "不存在" in reply["errorName"]


def test_deleting_again_is_idempotent(client: Client, patient: str) -> None:
    client.push("emrOrder", sample("emrOrder"))
    client.remove("emrOrder", {"id": "O001"})
    again = client.remove("emrOrder", {"id": "O001"})
    assert again["result"] is True and "已删除" in again["desc"]


def test_upsert_after_delete_revives_the_record(client: Client, patient: str) -> None:
    client.push("emrOrder", sample("emrOrder"))
    client.remove("emrOrder", {"id": "O001"})
    reply = client.push("emrOrder", sample("emrOrder"))
    assert (reply["result"], reply["desc"]) == (True, "新增成功")
    record = client.admin("records/emrOrder/O001")
    assert record["deleted"] is False and record["versions"] == 2


def test_deleting_a_parent_with_live_children_is_refused(client: Client, patient: str) -> None:
    client.push("emrExLab", sample("emrExLab"))
    client.push("emrExLabItem", sample("emrExLabItem"))
    client.push("emrExLabItem", sample("emrExLabItem", id="LI002"))
    reply = client.remove("emrExLab", {"id": "L001"})
    assert (reply["result"], reply["errorCode"]) == (False, "HAS_CHILDREN")
    assert "emrExLabItem 2条" in reply["errorName"]
    patient_reply = client.remove("emrPatientInfo", {"id": "P001"})
    assert patient_reply["errorCode"] == "HAS_CHILDREN" and "emrExLab 1条" in patient_reply["errorName"]
    # children first, then the parent
    client.remove("emrExLabItem", {"id": "LI001"})
    client.remove("emrExLabItem", {"id": "LI002"})
    assert client.remove("emrExLab", {"id": "L001"})["result"] is True


def test_moving_a_child_to_another_parent_updates_the_links(client: Client, patient: str) -> None:
    client.push("emrExLab", sample("emrExLab"))
    client.push("emrExLab", sample("emrExLab", id="L002"))
    client.push("emrExLabItem", sample("emrExLabItem"))
    client.push("emrExLabItem", sample("emrExLabItem", exLabId="L002"))
    assert client.remove("emrExLab", {"id": "L001"})["result"] is True
    assert client.remove("emrExLab", {"id": "L002"})["errorCode"] == "HAS_CHILDREN"


def test_cascade_deletes_descendants_children_first() -> None:
    with SimServer(SimState(delete_parent="cascade")) as sim:
        c = Client(sim.url)
        c.push("emrPatientInfo", sample("emrPatientInfo"))
        c.push("emrExLab", sample("emrExLab"))
        c.push("emrExLabItem", sample("emrExLabItem"))
        c.push("emrActivityInfo", sample("emrActivityInfo"))
        reply = c.remove("emrPatientInfo", {"id": "P001"})
        assert reply["result"] is True and "级联删除子记录3条" in reply["desc"]
        for entity in ("emrPatientInfo", "emrExLab", "emrExLabItem", "emrActivityInfo"):
            assert c.counts(entity) == {"live": 0, "deleted": 1, "voided": 0, "versions": 1, "duplicates": 0}


def test_times_come_from_the_clock_in_asia_shanghai() -> None:
    from simulators.cdc import receive

    now = [1_740_787_200.0]  # 2025-03-01 00:00:00 UTC
    state = SimState(clock=lambda: now[0])
    table = spec.BY_ENTITY["emrPatientInfo"]
    with state.lock:
        receive.upsert(state, table, sample("emrPatientInfo"))
        now[0] += 60
        receive.upsert(state, table, sample("emrPatientInfo"))  # same content: not an update
        record = state.get("emrPatientInfo", "P001")
        assert record is not None and (record.received_at, record.updated_at) == (
            "2025-03-01 08:01:00", "2025-03-01 08:00:00")  # fmt: skip
        now[0] += 60
        receive.upsert(state, table, sample("emrPatientInfo", tel="13900000000"))
    record = state.get("emrPatientInfo", "P001")
    assert record is not None
    assert (record.first_received_at, record.received_at, record.updated_at) == (
        "2025-03-01 08:00:00", "2025-03-01 08:02:00", "2025-03-01 08:02:00")  # fmt: skip
    assert (record.versions, record.duplicates) == (3, 1)


def test_bad_delete_parent_setting_is_refused() -> None:
    with pytest.raises(ValueError):
        SimState(delete_parent="ignore")  # type: ignore[arg-type]
