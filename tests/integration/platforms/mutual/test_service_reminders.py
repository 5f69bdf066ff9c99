# ruff: noqa: F811 - the rig's fixtures are imported from service_support and taken by name
"""接诊提醒 and 开单提醒 as a workstation gets them: the platform's reports within the budget, "unavailable" (HTTP
200) when the platform is slow or down, every reminder shown recorded on the platform, nothing personal in the
journal or the logs."""

from __future__ import annotations

import logging
import time

import orjson
import pytest

from .service_support import (  # noqa: F401 - fixtures
    DOCTOR,
    ID_CARD,
    NAME,
    NO_ID_PATIENT,
    PASSPORT_PATIENT,
    PATIENT,
    VISIT,
    anyio_backend,
    closed_port,
    his_db,
    ledger,
    make_service,
    open_rig,
    order_report,
    rig,
    sim,
)

pytestmark = pytest.mark.anyio


async def test_visit_reminders_list_other_hospitals_reports_and_record_each_one_shown(rig) -> None:
    answer = await rig.visit()
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["reminders"], body
    assert body["message"] == f"外院有 {len(body['reminders'])} 份可互认的报告"
    assert isinstance(body["elapsedMs"], int) and body["elapsedMs"] >= 0  # the time it took is reported
    orgs = {r["reportOrgCode"] for r in body["reminders"]}
    assert "360102001" not in orgs, "only other hospitals' reports"
    times = [r["reportTime"] for r in body["reminders"]]
    assert times == sorted(times, reverse=True), "newest first"

    records = rig.records("reminder", GHId=VISIT)
    assert sorted(r.data["reportId"] for r in records) == sorted(r["reportId"] for r in body["reminders"])
    assert {r.data["searchType"] for r in records} == {"1"} and {r.data["DoctorId"] for r in records} == {DOCTOR}
    [upload] = [e for e in rig.journal() if e["operation"] == "uploadReminderRecords"]
    assert upload["outcome"] == "acknowledged" and upload["direction"] == "out" and upload["caller"] == "门诊医生工作站"


async def test_the_visit_call_is_journalled_without_the_patients_id_number(rig) -> None:
    await rig.visit()
    [call] = [e for e in rig.journal() if e["operation"] == "reminders/visit"]
    assert call["direction"] == "in" and call["outcome"] == "ok" and call["business_ref"] == VISIT
    assert ID_CARD not in (call["request"] or "") + (call["response"] or "")
    assert NAME not in (call["request"] or "") + (call["response"] or "")
    assert orjson.loads(call["response"])["reportIds"]


async def test_order_reminders_map_his_items_to_platform_codes_and_name_the_unmapped(rig) -> None:
    report_id = order_report(rig.sim, "L0001")  # XCG 血常规 → L0001 in mutual_items.yaml
    answer = await rig.post("reminders/order", {
        "patientId": PATIENT, "visitId": VISIT, "doctorId": DOCTOR,
        "items": [{"hisItemCode": "XCG", "itemType": "LIS", "orderId": "YZ001"},
                  {"hisItemCode": "CT0101", "itemType": "PACS", "orderId": "YZ002"},
                  {"hisItemCode": "THXHDB", "itemType": "LIS", "orderId": "YZ003"}]})
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "ok", body
    assert body["unmapped"] == ["THXHDB"]
    matches = {m["hisItemCode"]: m for m in body["matches"]}
    assert set(matches) == {"XCG", "CT0101"}  # the seeded reports include a 血常规 and a 胸部CT平扫 elsewhere
    assert (matches["XCG"]["dataCode"], matches["XCG"]["dataName"]) == ("L0001", "血常规")
    assert matches["CT0101"]["dataCode"] == "E0001"
    assert report_id in [r["reportId"] for r in matches["XCG"]["reports"]]
    assert {r["itemCode"] for r in matches["XCG"]["reports"]} == {"L0001"}
    assert {r["itemCode"] for r in matches["CT0101"]["reports"]} == {"E0001"}
    shown = sum(len(m["reports"]) for m in matches.values())
    records = rig.records("reminder", GHId=VISIT)
    assert len(records) == shown  # every reminder shown is recorded
    [record] = [r for r in records if r.data["reportId"] == report_id]
    assert (record.data["searchType"], record.data["OrderId"]) == ("2", "YZ001")


async def test_an_order_of_only_unmapped_items_asks_nothing(rig) -> None:
    answer = await rig.post("reminders/order", {"patientId": PATIENT, "visitId": VISIT, "doctorId": DOCTOR,
                                                "items": [{"hisItemCode": "THXHDB", "itemType": "LIS"}]})
    assert answer.json()["status"] == "ok" and answer.json()["unmapped"] == ["THXHDB"]
    assert not rig.sim.state.journal_entries("queryReminders")


async def test_a_slow_platform_gets_unavailable_within_the_budget(sim, his_db, ledger) -> None:
    sim.faults.configure(latency_ms=3000)  # every query answers 3 s late
    service = make_service(ledger, his_db, sim.url, query_timeout_s=5, reminder_budget_ms=400)
    async for made in open_rig(service, sim, his_db, ledger):
        started = time.monotonic()
        answer = await made.visit()
        took = time.monotonic() - started
        body = answer.json()
        assert answer.status_code == 200
        assert (body["status"], body["message"], body["reminders"]) == ("unavailable", "互认平台暂不可用，本次无提醒", [])
        assert took < 0.4 + 0.35 and body["elapsedMs"] <= 450, (took, body)
        assert not made.records("reminder"), "nothing shown, nothing recorded"
        [call] = [e for e in made.journal() if e["operation"] == "reminders/visit"]
        assert call["outcome"] == "unavailable"


@pytest.mark.parametrize("how", ["refused", "hanging"])
async def test_a_platform_that_is_down_gets_unavailable_within_the_budget(sim, his_db, ledger, how) -> None:
    if how == "hanging":
        sim.faults.configure(down=True, down_mode="hang", down_delay_ms=10_000)
        base = sim.url
    else:
        base = f"http://127.0.0.1:{closed_port()}"
    service = make_service(ledger, his_db, base, query_timeout_s=5)
    async for made in open_rig(service, sim, his_db, ledger):
        for order in (False, True):
            started = time.monotonic()
            if order:
                answer = await made.post("reminders/order", {
                    "patientId": PATIENT, "visitId": VISIT, "doctorId": DOCTOR,
                    "items": [{"hisItemCode": "XCG", "itemType": "LIS"}]})
            else:
                answer = await made.visit()
            assert answer.status_code == 200
            assert answer.json()["status"] == "unavailable"
            assert time.monotonic() - started < 0.8 + 0.35


async def test_a_platform_refusing_the_query_gets_unavailable(rig) -> None:
    rig.sim.faults.apply_json({"kind": "refuse", "op": "queryReminders", "code": "A0400", "msg": "参数错误"})
    answer = await rig.visit()
    assert answer.status_code == 200 and answer.json()["status"] == "unavailable"


@pytest.mark.parametrize(("patient", "words"), [
    ("P9999", "HIS 中没有该病人，本次无提醒"),
    (NO_ID_PATIENT, "病人没有证件号码，无法查询外院报告"),
])
async def test_a_patient_the_platform_cannot_match_gets_unavailable_with_the_reason(rig, patient, words) -> None:
    answer = await rig.visit(patient=patient)
    assert answer.status_code == 200 and answer.json() == {**answer.json(), "status": "unavailable", "message": words}
    assert not rig.sim.state.journal_entries("queryReminders")


async def test_a_passport_holder_is_asked_for_with_id_type_03(rig) -> None:
    answer = await rig.visit(patient=PASSPORT_PATIENT)
    assert answer.json()["status"] == "ok" and answer.json()["reminders"] == []
    [asked] = rig.sim.state.journal_entries("queryReminders")
    assert asked["request"]["idCardTypeCode"] == "03"


async def test_calls_without_a_live_token_are_refused(rig) -> None:
    for token in (None, "hb_not-a-token"):
        answer = await rig.post("reminders/visit", {"patientId": PATIENT, "visitId": VISIT, "doctorId": DOCTOR},
                                token=token)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
    assert not rig.sim.state.journal_entries("queryReminders")


async def test_a_malformed_request_is_refused_in_chinese(rig) -> None:
    answer = await rig.post("reminders/visit", {"patientId": PATIENT})
    assert answer.status_code == 422
    assert answer.json()["error"]["message"].startswith("请求不符合接口定义")


async def test_no_patient_name_or_id_number_reaches_the_logs(rig, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    order_report(rig.sim, "L0001")
    await rig.visit()
    await rig.post("reminders/order", {"patientId": PATIENT, "visitId": VISIT, "doctorId": DOCTOR,
                                       "items": [{"hisItemCode": "XCG", "itemType": "LIS"}]})
    rig.sim.faults.configure(latency_ms=3000)
    await rig.visit()
    rig.service.drain()
    assert caplog.records, "the service logs what it does"
    assert ID_CARD not in caplog.text and NAME not in caplog.text
