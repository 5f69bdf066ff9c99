# ruff: noqa: F811 - fixtures are imported from the support modules and taken by name
"""病历与过敏史 on the PostgreSQL demo HIS: each endpoint's SQL on its own (rows valid for the answer's model; every
document type listed and readable in one shape; the journey's note and its penicillin allergy; the EMR's recorded
allergies all in the allergy list), then through the app: a good call, paging, a range over the limit (2002), an
unknown document (2004) or patient (an empty list)."""

from __future__ import annotations

import pytest

from tests.integration.platforms.city_brain.demo_support import (  # noqa: F401 - fixtures by name
    DAY,
    PREV,
    TOO_LONG,
    Demo,
    anyio_backend,
    day_range,
    demo,
    demo_ledger,
    demo_rig,
    ok,
    refused,
    sql_items,
    wire_time,
)

anyio = pytest.mark.anyio
DAYS = day_range(PREV, DAY)
DOCUMENTS = {"01": "outpatient_note", "02": "er_observation", "03": "admission_note", "04": "course_note",
             "05": "course_note", "06": "discharge_note"}


# -- the SQL ------------------------------------------------------------------------------------------------------
def test_the_journeys_note_and_allergy(demo: Demo) -> None:
    e = demo.edge
    [record] = sql_items(demo, "medicalRecords", {"patientId": e.journey_patient, **day_range()})
    assert (record.record_type, record.record_id, record.visit_id, record.record_time) == (
        "01", e.journey_note, e.journey_registration, e.journey_times[2])
    assert (record.diag_names, record.record_status, record.revision) == ("急性支气管炎", "1", 1)
    [detail] = sql_items(demo, "medicalRecordDetail", {"recordType": "01", "recordId": e.journey_note})
    assert (detail.allergy_his, detail.diag_codes, detail.visit_type) == ("青霉素过敏，表现为皮疹", "J20.900", "1")
    assert detail.chief_complaint and detail.present_illness and detail.advice and detail.sign_time
    assert (detail.course_text, detail.outcome_desc, detail.specialty_exam) == (None, None, None)
    [allergy] = sql_items(demo, "allergies", {"patientId": e.journey_patient})
    assert (allergy.allergy_id, allergy.allergen_name, allergy.allergen_type, allergy.allergen_type_name) == (
        e.journey_allergy, "青霉素", "1", "药物")
    assert (allergy.reaction, allergy.severity, allergy.recorder_code, allergy.allergy_status) == (
        "皮疹", "2", detail.doctor_code, "1")


def test_every_document_type_is_listed_and_read_in_one_shape(demo: Demo) -> None:
    seen = set()
    for record_type, table in DOCUMENTS.items():
        key = {"er_observation": "obs_id"}.get(table, "note_id")
        where = {"04": " WHERE note_type = 'SC'", "05": " WHERE note_type = 'RC'"}.get(record_type, "")
        row = demo.rows(f"SELECT {key} AS record_id, patient_id FROM {table}{where} ORDER BY {key}")[0]
        listed = sql_items(demo, "medicalRecords", {"patientId": row["patient_id"], **DAYS})
        assert (record_type, row["record_id"]) in {(r.record_type, r.record_id) for r in listed}, record_type
        [detail] = sql_items(demo, "medicalRecordDetail", {"recordType": record_type, "recordId": row["record_id"]})
        assert detail.record_id == row["record_id"] and detail.patient_id == row["patient_id"]
        seen.add(detail.record_type_name)
        if record_type == "06":
            assert detail.course_text and detail.advice is not None and detail.outcome_desc
        if record_type in ("03", "04"):
            assert detail.diag_names
    assert seen == {"门（急）诊病历", "急诊留观记录", "入院记录", "首次病程记录", "日常病程记录", "出院记录"}
    # the same id under another type is not that document
    assert sql_items(demo, "medicalRecordDetail", {"recordType": "06", "recordId": demo.edge.journey_note}) == []


def test_every_recorded_allergy_is_in_the_allergy_list(demo: Demo) -> None:
    noted = demo.rows("SELECT DISTINCT patient_id FROM outpatient_note WHERE allergy_flag = 'Y' ORDER BY patient_id")
    assert len(noted) >= 3
    for row in noted:
        allergies = sql_items(demo, "allergies", {"patientId": row["patient_id"]})
        assert allergies and all(a.allergen_type == "1" for a in allergies if a.allergen_code in ("GM001", "GM002",
                                                                                                   "GM003"))
    everyone = demo.rows("SELECT DISTINCT patient_id FROM patient_allergy ORDER BY patient_id")
    kinds = {a.allergen_type for p in everyone for a in sql_items(demo, "allergies", {"patientId": p["patient_id"]})}
    assert "1" in kinds and len(everyone) >= len(noted)


# -- through the app ----------------------------------------------------------------------------------------------
@anyio
async def test_the_journeys_records_through_the_app(demo_rig, demo: Demo) -> None:
    e = demo.edge
    data = ok(await demo_rig.call("medicalRecords", {"patientId": e.journey_patient, **day_range()}))
    assert [(r["recordType"], r["recordId"], r["recordTime"]) for r in data["list"]] == [
        ("01", e.journey_note, wire_time(e.journey_times[2]))]
    detail = ok(await demo_rig.call("medicalRecordDetail", {"recordType": "01", "recordId": e.journey_note}))
    assert detail["recordId"] == e.journey_note and detail["allergyHis"] == "青霉素过敏，表现为皮疹"
    allergies = ok(await demo_rig.call("allergies", {"patientId": e.journey_patient}))
    assert [(a["allergenName"], a["severity"], a["recordedAt"]) for a in allergies["list"]] == [
        ("青霉素", "2", wire_time(e.journey_times[2].replace(minute=48)))]


@anyio
async def test_a_ward_patients_records_page_by_page(demo_rig, demo: Demo) -> None:
    patient = demo.rows("SELECT patient_id FROM course_note GROUP BY patient_id ORDER BY COUNT(*) DESC, patient_id"
                        )[0]["patient_id"]
    everything = ok(await demo_rig.call("medicalRecords", {"patientId": patient, **DAYS, "pageSize": 200}))
    assert everything["total"] >= 3 and {r["recordType"] for r in everything["list"]} >= {"03", "05"}
    first = ok(await demo_rig.call("medicalRecords", {"patientId": patient, **DAYS, "pageSize": 2}))
    second = ok(await demo_rig.call("medicalRecords", {"patientId": patient, **DAYS, "pageNo": 2, "pageSize": 2}))
    assert first["list"] + second["list"] == everything["list"][:4]


@anyio
async def test_limits_and_unknown_ids(demo_rig, demo: Demo) -> None:
    demo_rig.counter.reset()
    assert refused(await demo_rig.call("medicalRecords", {"patientId": demo.edge.journey_patient,
                                                          **TOO_LONG})) == "2002"
    assert demo_rig.counter.count == 0
    answer = await demo_rig.call("medicalRecordDetail", {"recordType": "03", "recordId": "NO-SUCH"})
    assert refused(answer) == "2004" and "病历详情" in answer.json()["message"]
    answer = await demo_rig.call("medicalRecordDetail", {"recordType": "99", "recordId": demo.edge.journey_note})
    assert refused(answer) == "2001" and "recordType" in answer.json()["message"]
    for path, biz in (("allergies", {"patientId": "NO-SUCH"}), ("medicalRecords", {"patientId": "NO-SUCH", **DAYS})):
        data = ok(await demo_rig.call(path, biz))
        assert (data["total"], data["list"]) == (0, []), path
