"""One valid record per entity, for tests and demos: ``sample("emrExLabItem", id="I1", exLabId="L1")``.

Written by hand from platforms.md §1.6 (not generated from :mod:`simulators.cdc.spec`), so the tests that post
them check the spec tables too. Identity data is made up. Every sample of a clinical table points at patient
``P001``; the child samples point at ``L001`` / ``C001`` / ``O001``: post those parents first
(:data:`PARENT_CHAIN` lists a valid order).
"""

from __future__ import annotations

import copy
from typing import Any

_TAIL = {"operatorId": "U001", "operationTime": "2025-03-01 10:00:00", "invalidFlag": "0"}
_ORG = {"orgCode": "360100001", "orgName": "南昌市示范医院", "deptCode": "A16", "deptName": "传染科"}
_IDENTITY = {
    "patientId": "P001",
    "serialNumber": "MZ20250301001",
    "patientName": "测试甲",
    "idCardTypeCode": "01",
    "idCardTypeName": "居民身份证",
    "idCard": "360102199001010011",
}

SAMPLES: dict[str, dict[str, Any]] = {
    "emrPatientInfo": {
        "id": "P001", "patientName": "测试甲", "idCardTypeCode": "01", "idCardTypeName": "居民身份证",
        "idCard": "360102199001010011", "genderCode": "1", "genderName": "男", "birthDate": "1990-01-01 00:00:00",
        "nationalityCode": "156", "nationalityName": "中国", "nationCode": "01", "nationName": "汉族",
        "currentAddrCode": "360102001", "currentAddrName": "南昌市东湖区", "currentAddrDetail": "八一大道1号",
        "maritalStatusCode": "10", "maritalStatusName": "未婚", "educationCode": "20", "educationName": "大学本科",
        "nultitudeTypeCode": "18", "nultitudeTypeName": "家务及待业", "tel": "13800000000",
        "orgCode": "360100001", "orgName": "南昌市示范医院", **_TAIL,
    },
    "emrActivityInfo": {
        "id": "A001", **_IDENTITY, "activityTypeCode": "1", "activityTypeName": "门诊",
        "activityTime": "2025-03-01 09:30:00", "chiefComplaint": "发热3天", "diagnoseTime": "2025-03-01 09:50:00",
        "wmDiseaseCode": "J11.1", "wmDiseaseName": "流行性感冒", "fillDoctor": "医生乙", **_ORG, **_TAIL,
    },
    "emrInfReport": {
        "id": "R001", **_IDENTITY, "activityTypeCode": "1", "activityTypeName": "门诊", "genderCode": "1",
        "genderName": "男", "birthDate": "1990-01-01 00:00:00", "onsetDate": "2025-02-27 00:00:00",
        "diagnoseTime": "2025-03-01 09:50:00", "diseaseCode": "J11", "diseaseName": "流行性感冒",
        "diagnoseStateCode": "3", "diagnoseStateName": "确诊病例", "reportDate": "2025-03-01 10:00:00",
        "fillDoctor": "医生乙", **_ORG, **_TAIL,
    },
    "emrOutpatientRecord": {
        "id": "OR001", **_IDENTITY, "allergyHisFlag": "0", "outpatientDate": "2025-03-01 09:30:00",
        "initalDiagnosisCode": "1", "chiefComplaint": "发热3天", "wmDiagnosisCode": "J11.1",
        "wmDiagnosisName": "流行性感冒", **_ORG, **_TAIL,
    },
    "emrOutpatientObs": {
        "id": "OB001", **_IDENTITY, "outpatientDate": "2025-03-01 21:00:00", "chiefComplaint": "腹泻",
        "course": "留观补液", "observationDate": "2025-03-01 21:30:00", "wmDiagnosisCode": "A09",
        "wmDiagnosisName": "感染性腹泻", **_ORG, **_TAIL,
    },
    "emrAdmissionInfo": {
        "id": "AI001", **_IDENTITY, "serialNumber": "ZY20250301001", "wardName": "传染科病区", "bedNo": "12",
        "admissionDate": "2025-03-01 14:00:00", "chiefComplaint": "咳嗽咳痰2月", "wmInitalDiagnosisCode": "A15.0",
        "wmInitalDiagnosisName": "肺结核", "initalDiagnosisDate": "2025-03-01 15:00:00",
        "residentPhysicianId": "U002", **_ORG, **_TAIL,
    },
    "emrFirstCourse": {
        "id": "FC001", **_IDENTITY, "serialNumber": "ZY20250301001", "createTime": "2025-03-01 16:00:00",
        "diagnosisBasis": "痰涂片阳性", "wmInitalDiagnosisCode": "A15.0", "wmInitalDiagnosisName": "肺结核",
        "treatmentPlan": "抗结核治疗", "diseaseProgressionCode": "9", **_ORG, **_TAIL,
    },
    "emrDailyCourse": {
        "id": "DC001", **_IDENTITY, "serialNumber": "ZY20250301001", "createTime": "2025-03-02 09:00:00",
        "course": "体温平稳", **_ORG, **_TAIL,
    },
    "emrAdmissionRecord": {
        "id": "AR001", **_IDENTITY, "serialNumber": "ZY20250301001", "payMethodCode": "99", "payMethodName": "其他",
        "admissionNum": "1", "regNo": "BA0001", "admissionDate": "2025-03-01 14:00:00",
        "dischargeDate": "2025-03-15 10:00:00", "admissionDays": "14", "dischargeDiagnosisCode": "A15.0",
        "dischargeDiagnosisName": "肺结核", **_ORG, **_TAIL,
    },
    "emrDischargeInfo": {
        "id": "DI001", **_IDENTITY, "serialNumber": "ZY20250301001", "admissionDate": "2025-03-01 14:00:00",
        "dischargeDate": "2025-03-15 10:00:00", "dischargeDiagnosisCode": "A15.0",
        "dischargeDiagnosisName": "肺结核", "dischargeOrder": "规律服药", "diseaseProgressionCode": "9",
        "diseaseProgressionName": "其他", **_ORG, **_TAIL,
    },
    "emrExClinical": {
        "id": "C001", **_IDENTITY, "activityTypeCode": "6", "activityTypeName": "住院",
        "examinationTypeCode": "10", "examinationTypeName": "影像学检查", "examinationReportNo": "CT0001",
        "examinationReportDate": "2025-03-02 11:00:00", "examinationReportId": "U003",
        "examinationSubjectiveDesc": "右上肺空洞", **_ORG, **_TAIL,
    },
    "emrExClinicalItem": {
        "id": "CI001", "exClinicalId": "C001", "itemCode": "1005", "itemName": "CT", "examinationResultCode": "02",
        "examinationResultName": "异常", **_TAIL,
    },
    "emrExLab": {
        "id": "L001", **_IDENTITY, "activityTypeCode": "1", "activityTypeName": "门诊", "specimenNo": "S0001",
        "specimenCategoryCode": "1", "specimenCategoryName": "血", "specimenSamplingDate": "2025-03-01 10:05:00",
        "examinationReportNo": "LIS0001", "examinationReportDate": "2025-03-01 12:00:00",
        "examinationReportId": "U004", **_ORG, **_TAIL,
    },
    "emrExLabItem": {
        "id": "LI001", "exLabId": "L001", "itemCode": "57", "itemName": "乙肝表面抗原定性",
        "examinationResultCode": "01", "examinationResultName": "阳性", "sourceExaminationResultCode": "+",
        "examinationQuantification": "250.3", "examinationQuantificationUnit": "IU/mL",
        "examinationQuantificationLower": "0", "examinationQuantificationUpper": "0.05",
        "examinationQuantificationRi": "2", **_TAIL,
    },
    "emrOrder": {
        "id": "O001", **_IDENTITY, "activityTypeCode": "1", "activityTypeName": "门诊", "prescriptionNo": "CF0001",
        "prescriptionIssuanceDate": "2025-03-01 10:10:00", "prescriptionIssuanceId": "U002", **_ORG, **_TAIL,
    },
    "emrOrderItem": {
        "id": "OI001", "orderId": "O001", "drugCode": "X0001", "drugName": "奥司他韦胶囊",
        "drugSpecifications": "75mg*10粒", "drugDosageCode": "75", "drugDosageUnitCode": "mg",
        "drugDosageUnitName": "毫克", "drugDosageTotal": "750", **_TAIL,
    },
    "emrDeathInfo": {
        "id": "DE001", **_IDENTITY, "activityTypeCode": "6", "activityTypeName": "住院",
        "deadDate": "2025-03-20 03:00:00", "directCauseCode": "J96.0", "directCauseName": "急性呼吸衰竭",
        "deathDiagnosisCode": "B20", "deathDiagnosisName": "HIV病导致的感染性疾病", "chiefPhysicianId": "U002",
        **_ORG, **_TAIL,
    },
    "emrVitalSignsRecord": {
        "id": "VS001", **_IDENTITY, "activityTypeCode": "6", "activityTypeName": "住院",
        "createDate": "2025-03-02 08:00:00", "ventilatorusedCode": "0", "ventilatorusedName": "否",
        "criticalCareCode": "0", "criticalCareName": "否", **_ORG, **_TAIL,
    },
    "baseUser": {
        "id": "U001", "userName": "医生乙", "idCardTypeCode": "01", "idCard": "360102198001010022",
        "physicianNo": "110360100000001", "orgCode": "360100001", "deptCode": "A16", "invalidFlag": "0",
        "loginName": "doctor2", "userTypeCode": "2", "createTime": "2024-01-01 08:00:00",
    },
    "baseDept": {
        "id": "0301", "deptCode": "0301", "deptName": "感染性疾病科", "targetDeptCode": "A16",
        "targetDeptName": "传染科", "createTime": "2024-01-01 08:00:00",
    },
}  # fmt: skip

#: a valid push order for all the samples: patient first, parents before children
PARENT_CHAIN: tuple[str, ...] = (
    "baseDept", "baseUser", "emrPatientInfo", "emrActivityInfo", "emrInfReport", "emrOutpatientRecord",
    "emrOutpatientObs", "emrAdmissionInfo", "emrFirstCourse", "emrDailyCourse", "emrAdmissionRecord",
    "emrDischargeInfo", "emrExClinical", "emrExClinicalItem", "emrExLab", "emrExLabItem", "emrOrder",
    "emrOrderItem", "emrDeathInfo", "emrVitalSignsRecord",
)  # fmt: skip


def sample(entity: str, **overrides: Any) -> dict[str, Any]:
    """A fresh copy of the entity's sample with ``overrides`` applied (a value ``None`` removes the key)."""
    record = copy.deepcopy(SAMPLES[entity])
    for key, value in overrides.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record
