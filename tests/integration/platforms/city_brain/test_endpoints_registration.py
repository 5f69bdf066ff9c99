# ruff: noqa: F811 - fixtures are imported from the support modules and taken by name
"""挂号、排队与就诊登记 on the PostgreSQL demo HIS: each endpoint's SQL on its own (rows valid for the answer's model,
the planted 先诊疗后付费 journey's registration where and as it should be), then through the app: a good call,
paging, a range over the limit (2002), an unknown id (2004 or an empty list)."""

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

# -- the SQL ------------------------------------------------------------------------------------------------------


def test_the_journeys_registration_is_a_signed_up_wechat_booking_seen_by_an_expert(demo: Demo) -> None:
    e = demo.edge
    booked, signed_in = e.journey_times[:2]
    [reg] = sql_items(demo, "registrations", {"patientId": e.journey_patient, **day_range()})
    assert reg.reg_id == e.journey_registration
    assert (reg.visit_type, reg.reg_type, reg.dept_code, reg.time_slot) == ("1", "2", "1020", "1")
    assert (reg.reg_time, reg.checkin_time) == (booked, signed_in)
    assert (reg.appointment_flag, reg.book_channel, reg.visit_status, reg.reg_status) == ("1", "wechat", "2", "1")
    assert reg.pay_type == "2" and reg.visit_date == DAY and reg.room_name and reg.doctor_title == "主任医师"


def test_registrations_of_every_patient_validate_and_say_who_was_signed_up(demo: Demo) -> None:
    patients = [r["patient_id"] for r in demo.rows(
        "SELECT DISTINCT patient_id FROM registration WHERE reg_time >= :s ORDER BY patient_id",
        s=PREV - timedelta(days=5))]  # fmt: skip
    regs = [r for p in patients for r in sql_items(demo, "registrations",
                                                  {"patientId": p, **day_range(PREV - timedelta(days=5), DAY)})]
    assert len(regs) == demo.one("SELECT COUNT(*) AS n FROM registration WHERE reg_time >= :s AND reg_time < :e",
                                 s=PREV - timedelta(days=5), e=DAY + timedelta(days=1))["n"]
    signed = {r["patient_id"]: r["sign_type"] for r in demo.rows(
        "SELECT patient_id, sign_type FROM credit_sign WHERE status = 'active'")}  # fmt: skip
    assert {r.pay_type for r in regs if r.patient_id in signed} <= {"1", "2"}
    assert {r.pay_type for r in regs if r.patient_id not in signed} == {"0"}
    assert {r.reg_status for r in regs} == {"1", "2", "3"} and {r.visit_status for r in regs} >= {"0", "2"}


def test_a_frozen_or_cancelled_sign_does_not_make_a_visit_credit(demo: Demo) -> None:
    for sign_id in (demo.edge.sign_frozen, demo.edge.sign_cancelled):
        sign = demo.one("SELECT patient_id, end_time FROM credit_sign WHERE sign_id = :i", i=sign_id)
        regs = sql_items(demo, "registrations", {"patientId": sign["patient_id"],
                                                 **day_range(DAY - timedelta(days=30), DAY)})
        assert regs and all(r.reg_time > sign["end_time"] and r.pay_type == "0" for r in regs)


def test_cancelled_registrations_include_the_refunded_and_the_booking_cancelled_for_tomorrow(demo: Demo) -> None:
    rows = sql_items(demo, "cancelledRegistrations", day_range(PREV, DAY))
    expected = demo.rows("SELECT reg_id FROM registration WHERE status <> 'normal' AND cancel_time >= :s "
                         "AND cancel_time < :e ORDER BY cancel_time, reg_id", s=PREV, e=DAY + timedelta(days=1))
    assert [r.reg_id for r in rows] == [r["reg_id"] for r in expected]
    by_id = {r.reg_id: r for r in rows}
    tomorrow = by_id[demo.mutual.registration_cancelled]
    assert (tomorrow.visit_date, tomorrow.reg_status, tomorrow.appointment_flag) == (DAY + timedelta(days=1), "2", "1")
    assert "3" in {r.reg_status for r in rows}
    one = sql_items(demo, "cancelledRegistrations", {"patientId": tomorrow.patient_id, **day_range(PREV, DAY)})
    assert tomorrow.reg_id in [r.reg_id for r in one] and {r.patient_id for r in one} == {tomorrow.patient_id}


def test_queue_info_counts_who_is_still_waiting_ahead(demo: Demo) -> None:
    waiting = demo.rows("SELECT reg_id, visit_date, dept_code, doctor_code, time_slot, queue_no FROM registration "
                        "WHERE status = 'normal' AND visit_status = 'waiting' AND sign_in_time IS NOT NULL "
                        "ORDER BY reg_id")
    assert waiting
    queue = demo.rows("SELECT visit_date, dept_code, doctor_code, time_slot, queue_no, visit_status, sign_in_time, "
                      "status FROM registration")
    for w in waiting:
        same = [q for q in queue if (q["visit_date"], q["dept_code"], q["doctor_code"], q["time_slot"])
                == (w["visit_date"], w["dept_code"], w["doctor_code"], w["time_slot"]) and q["status"] == "normal"]
        [info] = sql_items(demo, "queueInfo", {"regId": w["reg_id"]})
        assert info.queue_no == w["queue_no"] and info.visit_status == "0" and info.queue_total == len(same)
        assert info.waiting_count == sum(1 for q in same if q["visit_status"] == "waiting" and q["sign_in_time"]
                                         and q["queue_no"] < w["queue_no"])
        called = [q["queue_no"] for q in same if q["visit_status"] in ("called", "done")]
        assert info.current_no == (max(called) if called else None)


def test_the_journey_was_the_last_of_its_queue(demo: Demo) -> None:
    [info] = sql_items(demo, "queueInfo", {"regId": demo.edge.journey_registration})
    assert info.current_no == info.queue_no == info.queue_total and info.waiting_count == 0
    assert (info.visit_status, info.checkin_time) == ("2", demo.edge.journey_times[1])
    assert sql_items(demo, "queueInfo", {"regId": "MZ-NO-SUCH"}) == []


def test_schedule_stops_with_the_bookings_to_move(demo: Demo) -> None:
    e = demo.edge
    stops = {s.stop_id: s for s in sql_items(demo, "scheduleStops", day_range(DAY, DAY + timedelta(days=10)))}
    assert {e.stop_today, e.stop_with_bookings, e.stop_revoked} <= set(stops)
    today = stops[e.stop_today]
    assert (today.stop_date, today.time_slot, today.stop_status, today.reason) == (DAY, "2", "1", "临时手术")
    assert today.announced_at.date() == DAY and today.session_start.hour == 13
    assert stops[e.stop_with_bookings].affected_count >= 1
    revoked = stops[e.stop_revoked]
    assert (revoked.stop_status, revoked.revoke_time.date(), revoked.announced_at.date()) == ("0", DAY, PREV)
    only = sql_items(demo, "scheduleStops", {"deptCode": today.dept_code, **day_range(DAY, DAY + timedelta(days=10))})
    assert today.stop_id in [s.stop_id for s in only] and {s.dept_code for s in only} == {today.dept_code}
    past = sql_items(demo, "scheduleStops", day_range(DAY - timedelta(days=10), PREV))
    assert past and all(s.stop_date < DAY for s in past)


def test_self_checkins_and_visit_registrations_of_the_journey(demo: Demo) -> None:
    e = demo.edge
    [checkin] = sql_items(demo, "selfCheckins", {"patientId": e.journey_patient, **day_range()})
    assert (checkin.reg_id, checkin.checkin_time, checkin.queue_no) == (
        e.journey_registration, e.journey_times[1], sql_items(demo, "queueInfo", {"regId": e.journey_registration})[
            0].queue_no)
    [visit] = sql_items(demo, "visitRegistrations", {"patientId": e.journey_patient, **day_range()})
    assert (visit.visit_id, visit.reg_id, visit.adm_id, visit.visit_type) == (e.journey_registration,
                                                                              e.journey_registration, None, "1")
    assert (visit.visit_time, visit.diag_code, visit.diag_name) == (e.journey_times[1], "J20.900", "急性支气管炎")
    assert (visit.insured_flag, visit.pay_type, visit.visit_status) == ("0", "2", "2")


def test_visit_registrations_of_a_ward_patient_include_the_stay(demo: Demo) -> None:
    stay = demo.rows("SELECT adm_id, patient_id, adm_time FROM inpatient_stay WHERE adm_time >= :s "
                     "AND status <> 'cancelled' ORDER BY adm_id", s=PREV)[0]
    visits = sql_items(demo, "visitRegistrations", {"patientId": stay["patient_id"], **day_range(PREV, DAY)})
    [ward] = [v for v in visits if v.visit_type == "4"]
    assert (ward.visit_id, ward.adm_id, ward.visit_time) == (stay["adm_id"], stay["adm_id"], stay["adm_time"])


def test_admissions_of_the_demo_days_with_their_beds(demo: Demo) -> None:
    rows = sql_items(demo, "admissions", day_range(PREV, DAY))
    expected = demo.rows("SELECT adm_id FROM inpatient_stay WHERE adm_time >= :s AND adm_time < :e "
                         "ORDER BY adm_time, adm_id", s=PREV, e=DAY + timedelta(days=1))
    assert [r.adm_id for r in rows] == [r["adm_id"] for r in expected] and rows
    bedded = [r for r in rows if r.bed_no]
    assert bedded and all(r.bed_time >= r.adm_time and r.ward_name for r in bedded)
    assert all(r.visit_type == "4" and r.stay_status in ("1", "2") for r in rows)
    one = sql_items(demo, "admissions", {"patientId": rows[0].patient_id, **day_range(PREV, DAY)})
    assert [r.adm_id for r in one] == [r.adm_id for r in rows if r.patient_id == rows[0].patient_id]


# -- through the app ----------------------------------------------------------------------------------------------
pytestmark_app = pytest.mark.anyio

RANGED = ["registrations", "cancelledRegistrations", "scheduleStops", "selfCheckins", "visitRegistrations",
          "admissions"]


def _biz(path: str, demo: Demo) -> dict:
    patient = {"patientId": demo.edge.journey_patient}
    return {"registrations": patient, "selfCheckins": patient, "visitRegistrations": patient}.get(path, {})


@pytestmark_app
async def test_the_journeys_registration_through_the_app(demo_rig, demo: Demo) -> None:
    e = demo.edge
    data = ok(await demo_rig.call("registrations", {"patientId": e.journey_patient, **day_range()}))
    assert (data["total"], data["pageNo"], data["pageSize"]) == (1, 1, 50)
    [reg] = data["list"]
    assert reg["regId"] == e.journey_registration and reg["regTime"] == wire_time(e.journey_times[0])
    assert (reg["payType"], reg["appointmentFlag"], reg["visitDate"], reg["checkinTime"]) == (
        "2", "1", DAY.isoformat(), wire_time(e.journey_times[1]))
    queue = ok(await demo_rig.call("queueInfo", {"regId": e.journey_registration}))
    assert queue["regId"] == e.journey_registration and queue["waitingCount"] == 0
    checkins = ok(await demo_rig.call("selfCheckins", {"patientId": e.journey_patient, **day_range()}))
    assert [c["checkinTime"] for c in checkins["list"]] == [wire_time(e.journey_times[1])]
    visits = ok(await demo_rig.call("visitRegistrations", {"patientId": e.journey_patient, **day_range()}))
    assert [(v["visitId"], v["visitType"], v["payType"]) for v in visits["list"]] == [
        (e.journey_registration, "1", "2")]


@pytestmark_app
@pytest.mark.parametrize("path", ["cancelledRegistrations", "scheduleStops", "admissions"])
async def test_pages_follow_each_other_in_a_stable_order(demo_rig, demo: Demo, path: str) -> None:
    biz = day_range(PREV, DAY + timedelta(days=10))
    everything = ok(await demo_rig.call(path, {**biz, "pageSize": 200}))
    assert everything["total"] >= 3
    first = ok(await demo_rig.call(path, {**biz, "pageNo": 1, "pageSize": 2}))
    second = ok(await demo_rig.call(path, {**biz, "pageNo": 2, "pageSize": 2}))
    assert first["total"] == second["total"] == everything["total"]
    assert first["list"] + second["list"] == everything["list"][:4]
    beyond = ok(await demo_rig.call(path, {**biz, "pageNo": 99, "pageSize": 2}))
    assert beyond["list"] == [] and beyond["total"] == everything["total"]


@pytestmark_app
@pytest.mark.parametrize("path", RANGED)
async def test_a_range_over_the_limit_is_2002(demo_rig, demo: Demo, path: str) -> None:
    demo_rig.counter.reset()
    assert refused(await demo_rig.call(path, {**_biz(path, demo), **TOO_LONG})) == "2002"
    assert demo_rig.counter.count == 0


@pytestmark_app
async def test_unknown_ids_are_2004_or_an_empty_list(demo_rig) -> None:
    answer = await demo_rig.call("queueInfo", {"regId": "MZ-NO-SUCH"})
    assert refused(answer) == "2004" and "门诊排队信息" in answer.json()["message"]
    for path in ("registrations", "selfCheckins", "visitRegistrations"):
        data = ok(await demo_rig.call(path, {"patientId": "NO-SUCH", **day_range()}))
        assert (data["total"], data["list"]) == (0, [])
    data = ok(await demo_rig.call("scheduleStops", {"deptCode": "NO-SUCH", **day_range()}))
    assert data["total"] == 0


@pytestmark_app
async def test_missing_parameters_are_2001_naming_the_field(demo_rig) -> None:
    answer = await demo_rig.call("registrations", day_range())
    assert refused(answer) == "2001" and "patientId" in answer.json()["message"]
    answer = await demo_rig.call("queueInfo", {})
    assert refused(answer) == "2001" and "regId" in answer.json()["message"]
