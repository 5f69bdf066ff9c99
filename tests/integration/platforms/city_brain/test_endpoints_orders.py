# ruff: noqa: F811 - fixtures are imported from the support modules and taken by name
"""开单、医技登记、医嘱与处方 on the PostgreSQL demo HIS: each endpoint's SQL on its own (rows valid for the answer's
model, the journey's 血常规, 胸片 and prescription ordered, registered, charged and refunded as planted), then
through the app: a good call, paging, a range over the limit (2002), unknown ids (empty lists), and the
prescriptions' two ways to ask (a patient and a range, or a visit)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

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


# -- the SQL ------------------------------------------------------------------------------------------------------
def test_the_journeys_orders_in_the_order_they_were_made(demo: Demo) -> None:
    e = demo.edge
    _, _, _, lab_ordered, exam_ordered, _, _, prescribed, _, _ = e.journey_times
    orders = sql_items(demo, "outpatientOrders", {"regId": e.journey_registration})
    assert [(o.order_no, o.order_kind, o.order_time) for o in orders] == [
        (e.journey_lab_apply, "3", lab_ordered), (e.journey_exam_apply, "4", exam_ordered),
        (e.journey_rx_no, "1", prescribed)]
    lab, exam, rx = orders
    assert (lab.item_name, lab.exec_dept_code, lab.order_status, lab.amount, lab.charge_status) == (
        "血常规", "5010", "3", Decimal("25.00"), "1")
    assert (exam.item_name, exam.exec_dept_code, exam.order_status, exam.amount) == (
        "胸部正位片", "5020", "3", Decimal("70.00"))
    # the prescription: dispensed, its three drugs; one refunded, so what stays charged is the other two
    assert (rx.order_status, rx.item_count, rx.charge_status, rx.amount) == ("2", 3, "1", Decimal("35.00"))
    assert rx.exec_dept_code == "3010"  # 门诊西药房
    assert [i.item_name for i in rx.items] == ["阿奇霉素片", "盐酸氨溴索口服溶液", "连花清瘟胶囊"]
    assert [(i.item_code, i.qty, i.unit) for i in lab.items] == [("XCG", Decimal(1), "次")]


def test_orders_of_every_visit_validate_and_sum_to_their_charges(demo: Demo) -> None:
    regs = [r["reg_id"] for r in demo.rows("SELECT reg_id FROM registration WHERE visit_date = :d AND status = "
                                           "'normal' AND visit_status = 'done' ORDER BY reg_id", d=DAY)]
    kinds, statuses = set(), set()
    for reg_id in regs:
        for order in sql_items(demo, "outpatientOrders", {"regId": reg_id}):
            kinds.add(order.order_kind)
            statuses.add(order.charge_status)
            assert order.reg_id == reg_id and len(order.items) == order.item_count
    assert kinds == {"1", "2", "3", "4"} and statuses == {"0", "1"}


def test_medtech_registrations_of_the_journey_and_the_exam_still_to_report(demo: Demo) -> None:
    e = demo.edge
    rows = sql_items(demo, "medtechRegistrations", {"patientId": e.journey_patient, **day_range()})
    assert [(r.apply_no, r.apply_kind, r.apply_status, r.report_id) for r in rows] == [
        (e.journey_lab_apply, "1", "3", e.journey_lab_report), (e.journey_exam_apply, "2", "3", e.journey_exam_report)]
    assert all(r.visit_id == e.journey_registration and r.register_time > r.apply_time for r in rows)
    pending = demo.one("SELECT patient_id FROM medtech_apply WHERE apply_no = :a", a=e.apply_registered)
    found = sql_items(demo, "medtechRegistrations", {"patientId": pending["patient_id"], **day_range()})
    [still] = [r for r in found if r.apply_no == e.apply_registered]
    assert (still.apply_status, still.report_id, still.exec_dept_code) == ("2", None, "5030")
    cancelled = demo.one("SELECT patient_id FROM medtech_apply WHERE apply_no = :a", a=e.apply_cancelled)
    never = sql_items(demo, "medtechRegistrations", {"patientId": cancelled["patient_id"], **day_range()})
    assert e.apply_cancelled not in [r.apply_no for r in never]  # cancelled before the lab saw it


def test_inpatient_orders_of_a_stay_with_their_drugs(demo: Demo) -> None:
    stay = demo.rows("SELECT adm_id, COUNT(*) AS n FROM clinical_order WHERE adm_id IS NOT NULL "
                     "GROUP BY adm_id ORDER BY COUNT(*) DESC, adm_id")[0]
    rows = sql_items(demo, "inpatientOrders", {"admId": stay["adm_id"]})
    assert len(rows) == stay["n"] and all(r.adm_id == stay["adm_id"] and r.items for r in rows)
    assert [r.issue_time for r in rows] == sorted(r.issue_time for r in rows)
    assert {r.order_kind for r in rows} <= {"1", "2", "3"} and {r.order_status for r in rows} <= {"1", "2", "9"}


def test_prescriptions_by_patient_and_range_or_by_visit(demo: Demo) -> None:
    e = demo.edge
    [rx] = sql_items(demo, "prescriptions", {"patientId": e.journey_patient, **day_range()})
    assert (rx.rx_no, rx.reg_id, rx.rx_kind, rx.rx_time, rx.dispense_time.date()) == (
        e.journey_rx_no, e.journey_registration, "1", e.journey_times[7], DAY)
    assert (rx.amount, rx.charge_status, rx.pharmacist_code is not None) == (Decimal("35.00"), "1", True)
    assert [i.item_name for i in rx.items] == ["阿奇霉素片", "盐酸氨溴索口服溶液", "连花清瘟胶囊"]
    assert [r.rx_no for r in sql_items(demo, "prescriptions", {"regId": e.journey_registration})] == [rx.rx_no]
    both = {"regId": e.journey_registration, "patientId": e.journey_patient, **day_range()}
    assert [r.rx_no for r in sql_items(demo, "prescriptions", both)] == [rx.rx_no]
    assert sql_items(demo, "prescriptions", {**both, **day_range(PREV)}) == []  # the visit, but not that day
    assert sql_items(demo, "prescriptions", {"regId": e.journey_registration, "patientId": "NO-SUCH"}) == []


def test_every_outpatient_prescription_of_the_day_validates(demo: Demo) -> None:
    patients = [r["patient_id"] for r in demo.rows(
        "SELECT DISTINCT patient_id FROM clinical_order WHERE reg_id IS NOT NULL ORDER BY patient_id")]
    found = [rx for p in patients for rx in sql_items(demo, "prescriptions", {"patientId": p, **day_range(PREV, DAY)})]
    expected = demo.one("SELECT COUNT(*) AS n FROM clinical_order WHERE reg_id IS NOT NULL "
                        "AND order_type IN ('W', 'C')")["n"]
    assert len(found) == expected and {rx.rx_kind for rx in found} == {"1", "2"}
    assert all(rx.items for rx in found)


# -- through the app ----------------------------------------------------------------------------------------------
@anyio
async def test_the_journeys_orders_through_the_app(demo_rig, demo: Demo) -> None:
    e = demo.edge
    data = ok(await demo_rig.call("outpatientOrders", {"regId": e.journey_registration}))
    assert data["total"] == 3
    rx = data["list"][2]
    assert (rx["orderNo"], rx["amount"], rx["chargeStatus"], rx["orderTime"]) == (
        e.journey_rx_no, "35.00", "1", wire_time(e.journey_times[7]))
    assert rx["items"][0] == {"seqNo": 1, "itemCode": rx["items"][0]["itemCode"], "itemName": "阿奇霉素片",
                              "spec": rx["items"][0]["spec"], "dose": "1", "doseUnit": "片", "frequency": "qd",
                              "route": "口服", "qty": "1", "unit": "盒"}
    medtech = ok(await demo_rig.call("medtechRegistrations", {"patientId": e.journey_patient, **day_range()}))
    assert [m["applyNo"] for m in medtech["list"]] == [e.journey_lab_apply, e.journey_exam_apply]
    assert medtech["list"][0]["amount"] == "25.00"
    by_visit = ok(await demo_rig.call("prescriptions", {"regId": e.journey_registration}))
    assert [p["rxNo"] for p in by_visit["list"]] == [e.journey_rx_no] and len(by_visit["list"][0]["items"]) == 3


@anyio
async def test_inpatient_orders_page_by_page(demo_rig, demo: Demo) -> None:
    stay = demo.rows("SELECT adm_id, COUNT(*) AS n FROM clinical_order WHERE adm_id IS NOT NULL "
                     "GROUP BY adm_id ORDER BY COUNT(*) DESC, adm_id")[0]
    assert stay["n"] >= 2
    everything = ok(await demo_rig.call("inpatientOrders", {"admId": stay["adm_id"], "pageSize": 200}))
    first = ok(await demo_rig.call("inpatientOrders", {"admId": stay["adm_id"], "pageSize": 1}))
    second = ok(await demo_rig.call("inpatientOrders", {"admId": stay["adm_id"], "pageNo": 2, "pageSize": 1}))
    assert everything["total"] == first["total"] == second["total"] == stay["n"]
    assert first["list"] + second["list"] == everything["list"][:2]
    assert all(o["items"] for o in everything["list"])


@anyio
@pytest.mark.parametrize("path", ["medtechRegistrations", "prescriptions"])
async def test_a_range_over_the_limit_is_2002(demo_rig, demo: Demo, path: str) -> None:
    demo_rig.counter.reset()
    assert refused(await demo_rig.call(path, {"patientId": demo.edge.journey_patient, **TOO_LONG})) == "2002"
    assert demo_rig.counter.count == 0


@anyio
@pytest.mark.parametrize(("biz", "words"), [
    ({}, "regId"), ({"patientId": "P1"}, "regId"), ({"regId": "MZ1", "startDate": "2026-11-24"}, "endDate"),
    ({"patientId": "P1", "startDate": "2026-11-24", "endDate": "2026-11-20"}, "endDate"),
])
async def test_prescriptions_need_a_visit_or_a_patient_and_a_range(demo_rig, biz: dict, words: str) -> None:
    answer = await demo_rig.call("prescriptions", biz)
    assert refused(answer) == "2001" and words in answer.json()["message"]


@anyio
async def test_unknown_ids_answer_empty_lists(demo_rig) -> None:
    for path, biz in (("outpatientOrders", {"regId": "MZ-NO-SUCH"}), ("inpatientOrders", {"admId": "ZY-NO-SUCH"}),
                      ("prescriptions", {"regId": "MZ-NO-SUCH"}),
                      ("medtechRegistrations", {"patientId": "NO-SUCH", **day_range()})):
        data = ok(await demo_rig.call(path, biz))
        assert (data["total"], data["list"]) == (0, []), path


@anyio
async def test_the_day_before_has_prescriptions_too(demo_rig, demo: Demo) -> None:
    patient = demo.rows("SELECT patient_id FROM clinical_order WHERE reg_id IS NOT NULL AND issue_time < :d "
                        "ORDER BY order_id", d=DAY)[0]["patient_id"]
    data = ok(await demo_rig.call("prescriptions", {"patientId": patient, **day_range(PREV - timedelta(days=1),
                                                                                         PREV)}))
    assert data["total"] >= 1 and all(p["rxTime"] < DAY.isoformat() for p in data["list"])
