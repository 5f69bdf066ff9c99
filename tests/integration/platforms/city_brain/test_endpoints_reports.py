# ruff: noqa: F811 - fixtures are imported from the support modules and taken by name
"""检查检验报告 on the PostgreSQL demo HIS: each endpoint's SQL on its own (rows valid for the answer's model; the
journey's two reports out that morning; a corrected report answered as corrected, a withdrawn one as withdrawn, a
culture's organism and 药敏 flagged abnormal), then through the app: a good call, paging, a range over the limit
(2002), an unknown patient (an empty list)."""

from __future__ import annotations

from datetime import timedelta

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


def _patient_of(demo: Demo, table: str, report_id: str) -> str:
    return demo.one(f"SELECT patient_id FROM {table} WHERE report_id = :r", r=report_id)["patient_id"]


# -- the SQL ------------------------------------------------------------------------------------------------------
def test_the_journeys_reports_are_out_and_normal(demo: Demo) -> None:
    e = demo.edge
    rows = sql_items(demo, "reportConfirmations", {"patientId": e.journey_patient, **day_range()})
    assert [(r.report_id, r.report_kind, r.report_time, r.item_name) for r in rows] == [
        (e.journey_lab_report, "1", e.journey_times[5], "血常规"),
        (e.journey_exam_report, "2", e.journey_times[6], "胸部正位片")]
    assert all((r.report_status, r.abnormal_flag, r.visit_id, r.visit_type) == ("1", "0", e.journey_registration, "1")
               for r in rows)
    [lab] = sql_items(demo, "labReports", {"patientId": e.journey_patient, **day_range()})
    assert (lab.apply_no, lab.panel_code, lab.specimen_name, lab.receive_time) == (
        e.journey_lab_apply, "XCG", "全血", e.journey_times[5].replace(hour=9, minute=12))
    assert len(lab.results) == 5 and all(x.result_kind == "N" and x.abn_flag == "N" and x.ref_low for x in lab.results)
    [exam] = sql_items(demo, "examReports", {"patientId": e.journey_patient, **day_range()})
    assert (exam.apply_no, exam.exam_type, exam.exam_type_name, exam.exam_part) == (
        e.journey_exam_apply, "DR", "数字X线摄影", "胸部")
    assert [(i.item_code, i.result_flag) for i in exam.items] == [("DR0101", "N")] and exam.conclusion


def test_corrected_withdrawn_and_microbiology_reports(demo: Demo) -> None:
    m = demo.mutual
    revised = _patient_of(demo, "lab_report", m.lab_revised_report)
    [r] = [x for x in sql_items(demo, "labReports", {"patientId": revised, **DAYS}) if x.report_id == m.lab_revised_report]
    assert (r.report_status, r.revision, r.remark is not None) == ("2", 2, True)
    withdrawn = _patient_of(demo, "lab_report", m.lab_withdrawn_report)
    [w] = [x for x in sql_items(demo, "reportConfirmations", {"patientId": withdrawn, **DAYS})
           if x.report_id == m.lab_withdrawn_report]
    assert w.report_status == "9"
    micro = _patient_of(demo, "lab_report", m.micro_report)
    [c] = [x for x in sql_items(demo, "labReports", {"patientId": micro, **DAYS}) if x.report_id == m.micro_report]
    assert (c.micro_flag, c.abnormal_flag, c.visit_type) == ("1", "1", "4")
    assert {x.result_kind for x in c.results} == {"G", "A"} and {x.qual_result for x in c.results
                                                                 if x.result_kind == "A"} == {"S", "I", "R"}
    exam = _patient_of(demo, "exam_report", m.exam_revised_report)
    [x] = [x for x in sql_items(demo, "examReports", {"patientId": exam, **DAYS}) if x.report_id == m.exam_revised_report]
    assert (x.report_status, x.abnormal_flag, x.items[0].result_flag) == ("2", "1", "A")


def test_every_report_of_the_demo_days_validates(demo: Demo) -> None:
    patients = [r["patient_id"] for r in demo.rows(
        "SELECT patient_id FROM lab_report UNION SELECT patient_id FROM exam_report ORDER BY 1")]
    start, end = PREV - timedelta(days=5), DAY
    confirmations = labs = exams = 0
    for p in patients:
        rows = sql_items(demo, "reportConfirmations", {"patientId": p, **day_range(start, end)})
        lab = sql_items(demo, "labReports", {"patientId": p, **day_range(start, end)})
        exam = sql_items(demo, "examReports", {"patientId": p, **day_range(start, end)})
        assert sorted(r.report_id for r in rows) == sorted([x.report_id for x in lab] + [x.report_id for x in exam])
        confirmations, labs, exams = confirmations + len(rows), labs + len(lab), exams + len(exam)
    counted = demo.one("SELECT (SELECT COUNT(*) FROM lab_report WHERE report_time >= :s AND report_time < :e) AS l, "
                       "(SELECT COUNT(*) FROM exam_report WHERE report_time >= :s AND report_time < :e) AS x",
                       s=start, e=end + timedelta(days=1))
    assert (labs, exams) == (counted["l"], counted["x"]) and confirmations == labs + exams


# -- through the app ----------------------------------------------------------------------------------------------
@anyio
async def test_the_journeys_reports_through_the_app(demo_rig, demo: Demo) -> None:
    e = demo.edge
    data = ok(await demo_rig.call("reportConfirmations", {"patientId": e.journey_patient, **day_range()}))
    assert [(r["reportId"], r["reportTime"], r["abnormalFlag"]) for r in data["list"]] == [
        (e.journey_lab_report, wire_time(e.journey_times[5]), "0"),
        (e.journey_exam_report, wire_time(e.journey_times[6]), "0")]
    labs = ok(await demo_rig.call("labReports", {"patientId": e.journey_patient, **day_range()}))
    result = labs["list"][0]["results"][0]
    assert set(result) == {"seqNo", "itemCode", "itemName", "resultKind", "quantValue", "unit", "refLow", "refHigh",
                           "abnFlag", "qualResult", "germCode", "germName", "testTime"}
    assert result["itemCode"] == "WBC" and result["unit"] == "10^9/L"
    exams = ok(await demo_rig.call("examReports", {"patientId": e.journey_patient, **day_range()}))
    assert exams["list"][0]["items"][0]["itemName"] == "胸部正位片"


@anyio
@pytest.mark.parametrize("path", ["reportConfirmations", "labReports"])
async def test_a_ward_patients_reports_page_by_page(demo_rig, demo: Demo, path: str) -> None:
    patient = demo.rows("SELECT patient_id, COUNT(*) AS n FROM lab_report WHERE report_time >= :s "
                        "GROUP BY patient_id ORDER BY COUNT(*) DESC, patient_id", s=PREV)[0]["patient_id"]
    everything = ok(await demo_rig.call(path, {"patientId": patient, **DAYS, "pageSize": 200}))
    assert everything["total"] >= 3
    first = ok(await demo_rig.call(path, {"patientId": patient, **DAYS, "pageSize": 2}))
    second = ok(await demo_rig.call(path, {"patientId": patient, **DAYS, "pageNo": 2, "pageSize": 2}))
    assert first["list"] + second["list"] == everything["list"][:4]
    times = [r["reportTime"] for r in everything["list"]]
    assert times == sorted(times)


@anyio
@pytest.mark.parametrize("path", ["reportConfirmations", "examReports", "labReports"])
async def test_a_range_over_the_limit_is_2002_and_an_unknown_patient_has_none(demo_rig, demo: Demo,
                                                                             path: str) -> None:
    demo_rig.counter.reset()
    assert refused(await demo_rig.call(path, {"patientId": demo.edge.journey_patient, **TOO_LONG})) == "2002"
    assert demo_rig.counter.count == 0
    data = ok(await demo_rig.call(path, {"patientId": "NO-SUCH", **DAYS}))
    assert (data["total"], data["list"]) == (0, [])
