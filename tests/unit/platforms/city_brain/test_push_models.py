"""What we send, as models: every field the receiver's tables name (the simulator's own spec, written apart from
ours, is the yardstick), their formats, and the cross-field rules — so a record the city brain would refuse is
quarantined here with the reason instead of being sent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hisbridge.platforms.city_brain.outbound import (
    DATA_TYPES,
    BillRecord,
    NotifyEvent,
    PrescriptionItem,
    PrescriptionRecord,
    ReportItem,
    ReportRecord,
    VisitRecord,
)
from simulators.city_brain import spec as receiver

EVENT = {"eventId": "CHARGED:SF1", "eventType": "CHARGED", "patientId": "P0001", "visitId": "MZ1", "visitType": "1",
         "occurredAt": datetime(2026, 11, 24, 9, 0, 5), "deptCode": "1020", "deptName": "呼吸内科门诊",
         "summary": "门诊收费：3项（自费）", "amount": Decimal("37.5"), "itemCount": 3,
         "registrationEventId": "REGISTERED:MZ1"}
BILL = {"recordId": "SF1", "billNo": "SF1", "patientId": "P0001", "visitId": "MZ1", "visitType": "1",
        "totalAmount": 37.5, "insuranceAmount": Decimal("26.25"), "selfAmount": "11.25",
        "paidAt": "2026-11-24 09:00:05.000000", "status": "1"}
LIS = {"recordId": "LIS-JY1", "reportId": "JY1", "reportType": "LIS", "patientId": "P0001", "visitId": "MZ1",
       "itemName": "血常规", "reportTime": datetime(2026, 11, 24, 10, 0),
       "items": [{"itemCode": "WBC", "itemName": "白细胞", "result": "6.8", "unit": "10^9/L", "refRange": "3.5-9.5",
                  "abnormalFlag": "N"}]}
DRUG = {"itemCode": "YP1", "itemName": "阿莫西林胶囊", "dosage": Decimal("0.500"), "doseUnit": "g",
        "frequency": "tid", "route": "口服", "days": 3, "quantity": Decimal("2.0000"), "unit": "盒",
        "amount": Decimal("25.60")}
RX = {"recordId": "CF1", "prescriptionNo": "CF1", "patientId": "P0001", "visitId": "MZ1", "deptCode": "1020",
      "doctorCode": "D1", "issuedAt": datetime(2026, 11, 24, 9, 30), "items": [DRUG, {**DRUG, "itemCode": "YP2"}]}


def wire(model, data) -> dict:
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


@pytest.mark.parametrize(("model", "table", "helpers"), [
    (NotifyEvent, receiver.NOTIFY, {"registrationEventId"}),
    *((d.record, receiver.RECORDS[name], set()) for name, d in DATA_TYPES.items()),
    (PrescriptionItem, receiver.PRESCRIPTION_ITEM, {"doseUnit"}),
    (ReportItem, receiver.REPORT_ITEM, set()),
])
def test_our_fields_are_the_receivers_and_every_one_is_described(model, table, helpers) -> None:
    ours = set(model.model_fields) - helpers
    assert ours == set(table.names) - {"orgCode"}  # orgCode: the client adds the connection's
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert required == {f.name for f in table.fields if f.required} - {"orgCode"}
    assert all(f.description for f in model.model_fields.values())
    assert all(model.model_fields[h].exclude for h in helpers)  # never sent


@pytest.mark.parametrize(("model", "data", "table"), [
    (NotifyEvent, EVENT, receiver.NOTIFY),
    (BillRecord, BILL, receiver.RECORDS["bill"]),
    (ReportRecord, LIS, receiver.RECORDS["report"]),
    (PrescriptionRecord, RX, receiver.RECORDS["prescription"]),
    (VisitRecord, {"recordId": "ZY1", "patientId": "P1", "visitId": "ZY1", "visitType": "4", "deptCode": "4010",
                   "deptName": "心内科病区", "visitTime": "2026-11-20 10:00:00", "dischargeTime": "2026-11-24 09:00:00",
                   "cancelled": "0"}, receiver.RECORDS["visit"]),
])
def test_what_we_send_passes_the_receivers_own_checks(model, data, table) -> None:
    payload = wire(model, data)
    if table is receiver.NOTIFY:
        payload = {"orgCode": "360102001", **payload}
    assert receiver.check(table, payload) == []


def test_formats_on_the_wire() -> None:
    event = wire(NotifyEvent, EVENT)
    assert event["occurredAt"] == "2026-11-24 09:00:05" and event["amount"] == "37.50" and event["itemCount"] == 3
    assert "registrationEventId" not in event
    bill = wire(BillRecord, BILL)
    assert (bill["totalAmount"], bill["insuranceAmount"], bill["selfAmount"]) == ("37.50", "26.25", "11.25")
    assert bill["paidAt"] == "2026-11-24 09:00:05"
    rx = wire(PrescriptionRecord, RX)
    assert rx["items"][0]["dosage"] == "0.5g" and rx["items"][0]["quantity"] == "2"
    assert "doseUnit" not in rx["items"][0] and rx["totalAmount"] == "51.20"  # the sum of its priced items


def test_his_values_become_wire_text() -> None:
    event = wire(NotifyEvent, {**EVENT, "patientId": 20000106, "deptCode": "1020  ", "doctorCode": "",
                               "doctorName": "   "})
    assert event["patientId"] == "20000106" and event["deptCode"] == "1020"
    assert "doctorCode" not in event and "doctorName" not in event  # "" would be refused: no value instead


def test_long_free_text_is_cut_to_the_wire_limit() -> None:
    event = wire(NotifyEvent, {**EVENT, "summary": "收" * 250})
    assert len(event["summary"]) == 200 and event["summary"].endswith("…")
    pacs = wire(ReportRecord, {**LIS, "reportType": "PACS", "items": [], "conclusion": "见" * 3000})
    assert len(pacs["conclusion"]) == 2000 and "items" not in pacs


@pytest.mark.parametrize(("changes", "message"), [
    ({"eventId": "CHECKED_IN:SF1"}, "eventId 须为 CHARGED:<HIS业务键>"),
    ({"eventId": "CHARGED:"}, "eventId 须为"),
    ({"amount": None}, "收费事件须有 amount"),
    ({"eventType": "CHECKED_IN", "eventId": "CHECKED_IN:MZ1"}, "amount 仅收费/退费事件携带"),
    ({"eventType": "REGISTERED", "eventId": "REGISTERED:ZY1", "amount": None, "visitType": "4"},
     "挂号/退号事件的 visitType 须为 1 门诊或 2 急诊"),
    ({"summary": "收费 患者 360102199001011234"}, "summary 含疑似身份证号或手机号"),
    ({"summary": "联系 13912345678"}, "summary 含疑似身份证号或手机号"),
    ({"amount": Decimal("-1")}, "greater than or equal to 0"),
    ({"visitType": "3"}, "visitType"),
    ({"occurredAt": "2025-02-30 10:00:00"}, "occurredAt"),
    ({"deptName": None}, "deptName"),
])
def test_a_notify_event_the_city_brain_would_refuse_is_invalid_here(changes, message) -> None:
    with pytest.raises(ValidationError, match=message):
        NotifyEvent.model_validate({**EVENT, **changes})


@pytest.mark.parametrize(("model", "data", "message"), [
    (BillRecord, {**BILL, "selfAmount": "11.24"}, "insuranceAmount \\+ selfAmount ≠ totalAmount"),
    (BillRecord, {**BILL, "refundAmount": "1.00"}, "已收费（status 1）不填 refundAmount"),
    (BillRecord, {**BILL, "status": "2"}, "须有 refundAmount；退费（status 2）须有 refundedAt"),
    (BillRecord, {**BILL, "status": "2", "refundAmount": "10.00", "refundedAt": "2026-11-24 10:00:00"},
     "全额退费（status 2）的 refundAmount 须等于 totalAmount"),
    (BillRecord, {**BILL, "status": "3", "refundAmount": "37.50", "refundedAt": "2026-11-24 10:00:00"},
     "部分退费（status 3）的 refundAmount 须大于 0 且小于 totalAmount"),
    (BillRecord, {**BILL, "status": "3", "refundAmount": "1.00", "refundedAt": "2026-11-24 08:00:00"},
     "refundedAt 早于 paidAt"),
    (VisitRecord, {"recordId": "MZ1", "patientId": "P1", "visitId": "MZ1", "visitType": "1", "deptCode": "1",
                   "deptName": "内科", "visitTime": "2026-11-24 08:00:00", "dischargeTime": "2026-11-24 09:00:00"},
     "dischargeTime 仅住院"),
    (VisitRecord, {"recordId": "ZY1", "patientId": "P1", "visitId": "ZY1", "visitType": "4", "deptCode": "1",
                   "deptName": "内科", "visitTime": "2026-11-24 08:00:00", "dischargeTime": "2026-11-23 09:00:00"},
     "dischargeTime 早于 visitTime"),
    (ReportRecord, {**LIS, "reportType": "PACS"}, "检查报告（PACS）须有 conclusion"),
    (ReportRecord, {**LIS, "reportType": "PACS", "conclusion": "未见异常"}, "检查报告（PACS）不带 items"),
    (ReportRecord, {**LIS, "items": []}, "检验报告（LIS）须有 items 或 conclusion"),
    (PrescriptionRecord, {**RX, "items": []}, "items"),
    (PrescriptionRecord, {**RX, "totalAmount": "50.00"}, "totalAmount 不等于各明细 amount 之和"),
    (PrescriptionItem, {**DRUG, "quantity": "-1"}, "quantity"),
])
def test_a_record_the_city_brain_would_refuse_is_invalid_here(model, data, message) -> None:
    with pytest.raises(ValidationError, match=message):
        model.model_validate(data)


def test_sqlite_money_dust_is_rounded_to_the_cent_before_sums_are_checked() -> None:
    bill = BillRecord.model_validate({**BILL, "totalAmount": 4906.3, "insuranceAmount": 4144.86 + 380.72,
                                      "selfAmount": 380.72})
    assert bill.insuranceAmount == Decimal("4525.58")
