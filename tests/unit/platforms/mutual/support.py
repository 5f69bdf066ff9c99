"""Valid bodies of every operation (as a feed's mapping or the workstation service hands them over), and feed
declarations built like a feed YAML would be (feed ids are the tests' own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hisbridge.pipeline.spec import FeedSpec

ORG = "360102001"
ORG_NAME = "南昌市第一医院"
NAME = "张三"
ID_CARD = "360102199001011234"

LAB_REPORT = {
    "BusinessNo": "LR-1", "PatientId": "P001", "PatientName": NAME, "GenderCode": "1", "BirthDate": "1990-01-01",
    "IdCardTypeCode": "01", "IdCardValue": ID_CARD, "DiagTypeCode": "1", "DiagNo": "GH001", "PatNo": "MZ001",
    "OrderRecFormNo": "SQ001", "ApplicationTime": "2026-03-02 08:00:00", "TestApplyDepartCode": "0101",
    "TestApplyDepartName": "内科门诊", "SpecimenNo": "S001", "SpecimenName": "静脉血",
    "SampleTime": "2026-03-02 08:10:00", "AuditDoctNo": "D02", "AuditDoctName": "李审核", "ReportDoctNo": "D03",
    "ReportDoctName": "王报告", "TestReportNo": "TR001", "TestReportDate": "2026-03-02 10:00:00",
    "TestReportDepartCode": "0301", "TestReportDepartName": "检验科", "MicrobeTestMark": "0",
    "DataCode": "JX-LIS-0001", "DataName": "血常规", "MtuRecMark": "1", "MtuRecLimitMark": "1",
    "BusinessGenerTime": "2026-03-02 10:00:00", "OrgCode": ORG, "OrgName": ORG_NAME,
    "UpdateTime": "2026-03-02 10:00:05",
}
LAB_INDICATOR = {
    "BusinessNo": "LI-1", "ReportBusinessNo": "LR-1", "TestReportNo": "TR001", "ExamItemCode": "WBC",
    "ExamItemName": "白细胞计数", "TestProjCodeExp": "H-WBC", "TestProjNameExp": "白细胞", "TestIndexResult": "6.5",
    "TestIndexUnit": "10^9/L", "NormalRefLimit": "3.5-9.5", "AnomalyCode": "N", "MtuRecMark": "1", "OrgCode": ORG,
    "UpdateTime": "2026-03-02 10:00:05",
}
MICROBE_BACTERIA = {
    "BusinessNo": "MB-1", "ReportBusinessNo": "LR-1", "TestReportNo": "TR001", "BacteriaId": "ECO",
    "BacteriaName": "大肠埃希菌", "ColonyCount": "10^5 CFU/ml", "TestResult": "检出", "OrgCode": ORG,
    "UpdateTime": "2026-03-02 10:00:05",
}
MICROBE_SUSCEPT = {
    "BusinessNo": "MS-1", "ReportBusinessNo": "LR-1", "TestReportNo": "TR001", "BacteriaId": "ECO",
    "BacteriaName": "大肠埃希菌", "DrugSusceptibleNo": "AMK", "DrugSusceptibleName": "阿米卡星",
    "DrugSusceptibilityCode": "S", "DrugSusceptibilityName": "敏感", "BacteriostaticConcentrate": "<=2",
    "OrgCode": ORG, "UpdateTime": "2026-03-02 10:00:05",
}
EXAM_REPORT = {
    "BusinessNo": "ER-1", "PatientId": "P001", "PatientName": NAME, "GenderCode": "1", "IdCardTypeCode": "01",
    "IdCardValue": ID_CARD, "DiagTypeCode": "3", "DiagNo": "ZY001", "HospitalNo": "ZY001", "OrderRecFormNo": "SQ002",
    "CheckApplyDepartNo": "0201", "CheckApplyDepartName": "呼吸内科", "CheckRecNo": "CT0001", "CheckTypeCode": "CT",
    "CheckTypeName": "计算机断层扫描", "CheckProjCode": "JX-PACS-0101", "CheckProjName": "胸部CT平扫",
    "CheckProjCodeExp": "H-CT-01", "CheckProjNameExp": "胸部CT", "CheckResObj": "双肺纹理清晰。", "CheckResSub": "未见异常。",
    "CheckResCode": "1", "AuditDoctNo": "D12", "AuditDoctName": "赵审核", "ReportDoctNo": "D13",
    "ReportDoctName": "钱报告", "CheckReportNo": "CR001", "CheckReportDate": "2026-03-02 11:00:00",
    "CheckReportDepartCode": "0401", "CheckReportDepartName": "放射科", "DataCode": "JX-PACS-0101",
    "DataName": "胸部CT平扫", "MtuRecMark": "1", "MtuRecLimitMark": "1", "BusinessGenerTime": "2026-03-02 11:00:00",
    "OrgCode": ORG, "OrgName": ORG_NAME, "UpdateTime": "2026-03-02 11:00:05",
}
APPOINTMENT = {
    "BusinessNo": "AP-1", "PatientId": "P001", "PatientName": NAME, "IdCardTypeCode": "01", "IdCardValue": ID_CARD,
    "AppointType": "2", "DeptCode": "0401", "DeptName": "放射科", "ItemCode": "JX-PACS-0101", "ItemName": "胸部CT平扫",
    "AppointDate": "2026-03-05", "AppointStartTime": "2026-03-05 09:00:00", "AppointEndTime": "2026-03-05 09:30:00",
    "AppointChannel": "3", "AppointStatus": "1", "AppointTime": "2026-03-02 12:00:00", "OrgCode": ORG,
    "OrgName": ORG_NAME, "UpdateTime": "2026-03-02 12:00:00",
}
REGISTRATION = {
    "BusinessNo": "GH001", "PatientId": "P001", "PatientName": NAME, "GenderCode": "1", "IdCardTypeCode": "01",
    "IdCardValue": ID_CARD, "DiagTypeCode": "1", "PatNo": "MZ001", "DeptCode": "0101", "DeptName": "内科门诊",
    "RegTypeCode": "2", "RegTypeName": "专家", "VisitDate": "2026-03-02", "RegTime": "2026-03-02 07:50:00",
    "AppointMark": "0", "RegStatus": "1", "OrgCode": ORG, "OrgName": ORG_NAME, "UpdateTime": "2026-03-02 07:50:00",
}
DELETE = {"orgCode": ORG, "dataType": "labReport", "businessNos": ["LR-1"]}
REMINDER_QUERY = {"orgCode": ORG, "patientId": "P001", "idCardTypeCode": "01", "idCardValue": ID_CARD,
                  "GHId": "GH001", "doctorId": "D01", "searchType": 2, "itemType": "LIS",
                  "dataCodes": ["JX-LIS-0001"], "lookbackDays": 90}
REPORT_QUERY = {"orgCode": ORG, "reportId": "RPT-9", "itemType": "LIS"}
_REPORT_REF = {"patientId": "P001", "GHId": "GH001", "itemType": "LIS", "itemCode": "JX-LIS-0001",
               "reportOrgCode": "360100002", "reportOrgName": "江西省人民医院", "reportNo": "X-TR-9",
               "reportName": "血常规", "reportTime": "2026-02-20 09:00:00"}
REMINDER_RECORD = {**_REPORT_REF, "operateTime": "2026-03-02 08:01:00",
                   "remindId": "0f8fad5b-d9cb-469f-a165-70867728950e", "searchType": "1", "operateType": "1",
                   "reportId": "RPT-9", "DoctorId": "D01"}
RECOGNITION_RECORD = {**_REPORT_REF, "mrId": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "idCardTypeCode": "01",
                      "operateTime": "2026-03-02 08:05:00", "recognise": "0", "reasonCode": "99",
                      "reasonName": "连续性监测需要", "crossFlag": "0", "diagName": "2型糖尿病", "reportId": "RPT-9",
                      "DoctorId": "D01"}
RETRIEVAL_RECORD = {**_REPORT_REF, "viewTime": "2026-03-02 08:03:00", "operateTime": "2026-03-02 08:04:00",
                    "idCardTypeCode": "01", "SearchType": "1", "businessNo": "X-LR-9",
                    "reviewId": "16fd2706-8baf-433b-82eb-8c7fada847da", "crossFlag": "0", "DoctorId": "D01",
                    "OrderId": "YZ001", "ReportId": "RPT-9"}
QUOTE_LOG = {"patientId": "P001", "GHId": "GH001", "reportId": "RPT-9", "itemType": "LIS", "itemCode": "JX-LIS-0001",
             "clientType": "2", "idCardTypeCode": "01", "doctorId": "D01",
             "quoteId": "886313e1-3b8a-5372-9b90-0c9aee199e5d", "reportOrgCode": "360100002",
             "reportOrgName": "江西省人民医院", "reportName": "血常规", "reportTime": "2026-02-20 09:00:00",
             "businessNo": "X-LR-9", "operateTime": "2026-03-02 08:06:00", "reportNo": "X-TR-9", "microbiaMark": "0"}
REVOKE = {"patientId": "P001", "GHId": "GH001", "reportId": "RPT-9", "itemType": "LIS", "itemCode": "JX-LIS-0001",
          "clientType": "2", "idCardTypeCode": "01", "doctorId": "D01"}

#: a complete valid body of every operation, by operation name
BODIES: dict[str, dict[str, Any]] = {
    "uploadLabReport": LAB_REPORT, "uploadLabIndicator": LAB_INDICATOR, "uploadMicrobeBacteria": MICROBE_BACTERIA,
    "uploadMicrobeSuscept": MICROBE_SUSCEPT, "uploadExamReport": EXAM_REPORT, "uploadAppointment": APPOINTMENT,
    "uploadRegistration": REGISTRATION, "deleteData": DELETE, "queryReminders": REMINDER_QUERY,
    "getReport": REPORT_QUERY, "uploadReminderRecords": REMINDER_RECORD,
    "uploadRecognitionRecord": RECOGNITION_RECORD, "uploadRetrievalRecord": RETRIEVAL_RECORD,
    "uploadQuoteLog": QUOTE_LOG, "revokeNonRecognition": REVOKE,
}

SUMMARY = {"reportId": "RPT-9", "itemType": "LIS", "itemCode": "JX-LIS-0001", "itemName": "血常规",
           "reportOrgCode": "360100002", "reportOrgName": "江西省人民医院", "reportNo": "X-TR-9",
           "reportName": "血常规", "reportTime": "2026-02-20 09:00:00", "resultSummary": "白细胞 6.5 正常",
           "abnormal": False, "mtuRecMark": "1", "mtuRecLimitMark": "1"}
DETAIL = {**SUMMARY, "patientName": NAME, "specimenName": "静脉血", "diagName": "上呼吸道感染", "findings": None,
          "conclusion": "未见异常", "items": [{"itemCode": "WBC", "itemName": "白细胞计数", "result": 6.5,
                                             "unit": "10^9/L", "refRange": "3.5-9.5", "abnormalFlag": "N"}],
          "bacteria": [], "susceptibility": []}


def mutual_spec(tmp_path: Path, feed: str, operation: str, fields: dict[str, Any], **extra: Any) -> FeedSpec:
    path = tmp_path / f"{feed}.sql"
    path.write_text("SELECT * FROM t WHERE at >= :window_start AND at < :window_end", encoding="utf-8")
    return FeedSpec.model_validate({
        "feed": feed, "title": feed, "platform": "mutual", "window": "5m", "sql": str(path),
        "options": {"operation": operation, **extra.pop("options", {})},
        "business_key": extra.pop("business_key", ["id"]), "fields": fields, **extra,
    })


def all_fields(body: dict[str, Any], key_column: str = "id") -> dict[str, Any]:
    """A feed mapping every field of ``body`` from a same-named column (BusinessNo from ``key_column``)."""
    return {name: (key_column if name == "BusinessNo" else name) for name in body}
