"""One valid payload of each kind (for tests, the demo, and whoever maps the hospital's pushes onto them).

``notify(**overrides)`` — a REGISTERED event; ``record(data_type, **overrides)`` — one history record;
``history(data_type, *records, batch_no=…)`` — a history bizContent. An override ``None`` removes the key.
"""

from __future__ import annotations

import copy
from typing import Any

OUR_ORG = "360102001"  # 南昌市第一医院 (the simulators' invention)
PATIENT = "P0001"
VISIT = "R20250615001"


def _apply(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


NOTIFY: dict[str, Any] = {
    "orgCode": OUR_ORG,
    "eventId": f"REGISTERED:{VISIT}",
    "eventType": "REGISTERED",
    "patientId": PATIENT,
    "visitId": VISIT,
    "visitType": "1",
    "occurredAt": "2025-06-15 08:05:00",
    "deptCode": "0301",
    "deptName": "心血管内科",
    "doctorCode": "D1001",
    "doctorName": "王医生",
    "summary": "已挂号: 心血管内科 专家号",
}

#: one event of each type of a visit's 先诊疗后付费 journey, in order (occurredAt rising)
JOURNEY: tuple[dict[str, Any], ...] = (
    {"eventType": "REGISTERED", "key": VISIT, "occurredAt": "2025-06-15 08:05:00", "summary": "已挂号: 心血管内科"},
    {"eventType": "CHECKED_IN", "key": VISIT, "occurredAt": "2025-06-15 08:40:00", "summary": "已签到，候诊中"},
    {"eventType": "ORDERED", "key": "O900001", "occurredAt": "2025-06-15 09:10:00", "summary": "开立检验2项、检查1项",
     "itemCount": 3},
    {"eventType": "REPORT_READY", "key": "LIS-L7001", "occurredAt": "2025-06-15 10:30:00", "summary": "血常规报告已出"},
    {"eventType": "CHARGED", "key": "B800001", "occurredAt": "2025-06-15 11:00:00", "summary": "先诊疗后付费结算",
     "amount": "356.20", "itemCount": 6},
    {"eventType": "REFUNDED", "key": "B800001-R1", "occurredAt": "2025-06-15 11:20:00", "summary": "退费1项",
     "amount": "45.00", "itemCount": 1},
)  # fmt: skip

RECORDS: dict[str, dict[str, Any]] = {
    "visit": {
        "recordId": VISIT, "patientId": PATIENT, "visitId": VISIT, "visitType": "1", "deptCode": "0301",
        "deptName": "心血管内科", "doctorCode": "D1001", "doctorName": "王医生", "visitTime": "2025-06-15 08:05:00",
        "diagnosisCode": "I10.x00", "diagnosisName": "原发性高血压", "payType": "1", "cancelled": "0",
    },
    "bill": {
        "recordId": "B800001", "billNo": "B800001", "patientId": PATIENT, "visitId": VISIT, "visitType": "1",
        "invoiceNo": "F2025000123", "totalAmount": "356.20", "insuranceAmount": "213.72", "selfAmount": "142.48",
        "paidAt": "2025-06-15 11:00:00", "status": "1", "payType": "1",
    },
    "prescription": {
        "recordId": "RX700001", "prescriptionNo": "RX700001", "patientId": PATIENT, "visitId": VISIT,
        "prescriptionType": "1", "deptCode": "0301", "deptName": "心血管内科", "doctorCode": "D1001",
        "doctorName": "王医生", "issuedAt": "2025-06-15 09:12:00", "totalAmount": "58.60",
        "items": [
            {"itemCode": "X0001", "itemName": "苯磺酸氨氯地平片", "spec": "5mg*28片", "dosage": "5mg", "frequency": "qd",
             "route": "口服", "days": 28, "quantity": "1", "unit": "盒", "amount": "32.40"},
            {"itemCode": "X0002", "itemName": "阿司匹林肠溶片", "spec": "100mg*30片", "dosage": "100mg",
             "frequency": "qd", "route": "口服", "days": 30, "quantity": "1", "unit": "盒", "amount": "26.20"},
        ],
    },
    "report": {
        "recordId": "LIS-L7001", "reportId": "L7001", "reportType": "LIS", "patientId": PATIENT, "visitId": VISIT,
        "itemCode": "L0001", "itemName": "血常规", "deptCode": "0301", "specimenName": "静脉血",
        "reportTime": "2025-06-15 10:30:00", "abnormal": "1",
        "items": [
            {"itemCode": "WBC", "itemName": "白细胞计数", "result": "12.6", "unit": "10^9/L", "refRange": "3.5-9.5",
             "abnormalFlag": "H"},
            {"itemCode": "HGB", "itemName": "血红蛋白", "result": "135", "unit": "g/L", "refRange": "130-175",
             "abnormalFlag": "N"},
        ],
    },
}  # fmt: skip

PACS_REPORT: dict[str, Any] = {
    "recordId": "PACS-E5001", "reportId": "E5001", "reportType": "PACS", "patientId": PATIENT, "visitId": VISIT,
    "itemCode": "E0001", "itemName": "胸部CT平扫", "reportTime": "2025-06-15 10:50:00",
    "findings": "双肺纹理清晰，未见明显实质性病变。", "conclusion": "胸部CT平扫未见明显异常。", "abnormal": "0",
}  # fmt: skip


def notify(**overrides: Any) -> dict[str, Any]:
    """A valid REGISTERED event, changed by ``overrides`` (``None`` removes a key)."""
    return _apply(NOTIFY, overrides)


def journey_events(visit_id: str = VISIT, patient_id: str = PATIENT) -> list[dict[str, Any]]:
    """The six events of one visit's journey, valid and in order."""
    events = []
    for step in JOURNEY:
        extra = {k: v for k, v in step.items() if k not in ("key", "eventType")}
        key = visit_id if step["key"] == VISIT else f"{step['key']}-{visit_id}"
        events.append(notify(eventType=step["eventType"], eventId=f"{step['eventType']}:{key}", visitId=visit_id,
                             patientId=patient_id, **extra))  # fmt: skip
    return events


def record(data_type: str, **overrides: Any) -> dict[str, Any]:
    """A valid history record of ``data_type``, changed by ``overrides`` (``None`` removes a key)."""
    return _apply(RECORDS[data_type], overrides)


def history(data_type: str, *records: dict[str, Any], batch_no: str = "visit-20250615-p1",
            org_code: str = OUR_ORG) -> dict[str, Any]:  # fmt: skip
    """A history bizContent; without records, the one sample record of ``data_type``."""
    return {"orgCode": org_code, "dataType": data_type, "batchNo": batch_no,
            "records": list(records) or [record(data_type)]}  # fmt: skip
