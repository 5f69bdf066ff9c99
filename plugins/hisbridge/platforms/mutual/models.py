"""Bodies and answers of the 互认 platform, declared once: field names are the wire names exactly as the spec
spells them (``ReportClinialDiag`` included), every field carries its Chinese name as ``description``, patient
identifiers are flagged ``json_schema_extra={"pii": True}`` (:func:`pii_fields` derives the set from the flags).
The types and the input rules are :mod:`~hisbridge.platforms.mutual.fields`; the code sets and the 不互认
reasons :mod:`~hisbridge.platforms.mutual.codes`.

* Data uploads (one row each; a message carries up to ``max_batch`` of them): :class:`LabReport`,
  :class:`LabIndicator`, :class:`MicrobeBacteria`, :class:`MicrobeSuscept`, :class:`ExamReport`,
  :class:`Appointment`, :class:`Registration`; their withdrawal :class:`DeleteData`.
* Queries: :class:`ReminderQuery` → ``list[ReportSummary]``, :class:`ReportQuery` → :class:`ReportDetail`.
* Record uploads (the analogue's §3.2.2.5.8–12): :class:`ReminderRecord`, :class:`RecognitionRecord` (不互认),
  :class:`RetrievalRecord` (调阅 / 互认), :class:`QuoteLog`, :class:`RevokeNonRecognition`. Their GUIDs default
  to a new one: the platform dedupes by it, so a record whose answer was lost is re-sent with the same GUID.
* Answers' ``data``: :class:`UploadResult`, :class:`DeleteResult`, :class:`FieldError`.

Decided where the spec is silent (the docs say so): ``BirthDate``, ``AppointDate`` and ``VisitDate`` are dates;
every other ``…Time`` / ``…Date`` is a date-time; the record uploads carry their flags and ``searchType`` as text
(``"1"``), while ``queryReminders`` takes ``searchType`` as a number, as the spec writes them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from hisbridge.platforms.mutual.codes import (
    ANOMALIES,
    APPOINT_CHANNELS,
    APPOINT_STATUSES,
    APPOINT_TYPES,
    BACTERIA_RESULTS,
    CLIENT_TYPES,
    DIAG_TYPES,
    EXAM_RESULTS,
    GENDERS,
    ID_CARD_TYPES,
    ITEM_TYPES,
    MTU_REC_LIMIT_PATTERN,
    NEEDS_DIAG_NAME,
    REASONS,
    REGISTRATION_DIAG_TYPES,
    REGISTRATION_STATUSES,
    REGISTRATION_TYPES,
    SEARCH_TYPES,
    SUSCEPTIBILITIES,
)
from hisbridge.platforms.mutual.fields import (
    AnswerId,
    AnswerText,
    BusinessKey,
    Code,
    Date,
    DateTime,
    Flag,
    Guid,
    MutualAnswer,
    MutualBody,
    Name,
    Text,
    code_type,
    field,
    new_guid,
    pii_fields,
    text_type,
    wire_pii_values,
)

__all__ = [
    "REASONS", "Appointment", "BacteriaResult", "DeleteData", "DeleteResult", "ExamReport", "FieldError",
    "KeyFailure", "LabIndicator", "LabReport", "MicrobeBacteria", "MicrobeSuscept", "QuoteLog",
    "RecognitionRecord", "Registration", "ReminderQuery", "ReminderRecord", "ReportDetail", "ReportItem",
    "ReportQuery", "ReportSummary", "RetrievalRecord", "RevokeNonRecognition", "RowFailure", "SusceptResult",
    "UploadResult", "pii_fields", "wire_pii_values",
]

# -- coded types ---------------------------------------------------------------------------------------------------
Gender = code_type(GENDERS)
IdCardType = code_type(ID_CARD_TYPES)
DiagType = code_type(DIAG_TYPES)
RegistrationDiagType = code_type(REGISTRATION_DIAG_TYPES)
Anomaly = code_type(ANOMALIES)
BacteriaFinding = code_type(BACTERIA_RESULTS)
Susceptibility = code_type(SUSCEPTIBILITIES)
ExamResult = code_type(EXAM_RESULTS)
AppointKind = code_type(APPOINT_TYPES)
Channel = code_type(APPOINT_CHANNELS)
AppointState = code_type(APPOINT_STATUSES)
RegKind = code_type(REGISTRATION_TYPES)
RegState = code_type(REGISTRATION_STATUSES)
ItemType = code_type(ITEM_TYPES)
SearchTypeText = code_type(SEARCH_TYPES)
ClientType = code_type(CLIENT_TYPES)
ReasonCode = code_type(REASONS)
#: 互认范围: 1 省内, 2 市内, 3 院内 … (open set: one or two digits)
MtuRecLimit = text_type(2, pattern=MTU_REC_LIMIT_PATTERN)
#: 证件号码 (≤ 50)
IdCardNumber = text_type(50)

_PERSON = {
    "GenderCode": ("GenderName", GENDERS),
    "IdCardTypeCode": ("IdCardTypeName", ID_CARD_TYPES),
    "DiagTypeCode": ("DiagTypeName", DIAG_TYPES),
}


# =================================================================================================================
# data uploads
# =================================================================================================================


class LabReport(MutualBody):
    """检验报告（uploadLabReport, labReport）：一份检验报告单，含患者、就诊、申请、标本、审核与互认标志。"""

    named_codes = _PERSON

    BusinessNo: BusinessKey = field("业务流水号（HIS 主键，机构内唯一）")
    PatientId: Code = field("患者ID（院内）")
    PatientName: Name = field("患者姓名", pii=True)
    GenderCode: Gender = field("性别代码（GB/T 2261.1）")
    GenderName: Name | None = field("性别名称", None)
    BirthDate: Date | None = field("出生日期", None)
    IdCardTypeCode: IdCardType = field("证件类型代码")
    IdCardTypeName: Name | None = field("证件类型名称", None)
    IdCardValue: IdCardNumber = field("证件号码", pii=True)
    DiagTypeCode: DiagType = field("就诊类型代码（1 门诊 2 急诊 3 住院 4 体检）")
    DiagTypeName: Name | None = field("就诊类型名称", None)
    DiagNo: Code = field("就诊流水号（门急诊挂号ID或住院号）")
    PatNo: Code | None = field("门急诊号", None)
    HospitalNo: Code | None = field("住院号", None)
    WardName: Name | None = field("病区名称", None)
    RoomNo: Code | None = field("病房号", None)
    BedNo: Code | None = field("床号", None)
    OrderRecFormNo: Code = field("申请单号")
    ApplicationTime: DateTime | None = field("申请时间", None)
    ApplDoctNo: Code | None = field("申请医生工号", None)
    ApplDoctName: Name | None = field("申请医生姓名", None)
    TestApplyDepartCode: Code = field("申请科室代码")
    TestApplyDepartName: Name = field("申请科室名称")
    SpecimenNo: Code = field("标本号")
    SpecimenName: Name = field("标本名称")
    SampleTime: DateTime = field("采样时间")
    AcceptSampleTime: DateTime | None = field("标本接收时间", None)
    TestRecTime: DateTime | None = field("检验时间", None)
    TestDoctNo: Code | None = field("检验医生工号", None)
    TestDoctName: Name | None = field("检验医生姓名", None)
    AuditDoctNo: Code = field("审核医生工号")
    AuditDoctName: Name = field("审核医生姓名")
    TestAuditTime: DateTime | None = field("审核时间", None)
    ReportDoctNo: Code = field("报告医生工号")
    ReportDoctName: Name = field("报告医生姓名")
    TestReportNo: Code = field("检验报告单号")
    TestReportDate: DateTime = field("报告时间")
    TestReportDepartCode: Code = field("报告科室代码")
    TestReportDepartName: Name = field("报告科室名称")
    TestProjCategoryCode: Code | None = field("检验项目大类代码", None)
    TestProjCategoryName: Name | None = field("检验项目大类名称", None)
    TestReportComment: Text | None = field("报告备注", None)
    ReportClinialDiag: Text | None = field("临床诊断", None)
    MicrobeTestMark: Flag = field("微生物检验标志（0 否 1 是）")
    DataCode: Code = field("平台项目代码")
    DataName: Name = field("平台项目名称")
    MtuRecMark: Flag = field("是否互认项目（0 否 1 是）")
    MtuRecLimitMark: MtuRecLimit = field("互认范围（1 省内 2 市内 3 院内 …）")
    BusinessGenerTime: DateTime = field("业务发生时间")
    OrgCode: Code = field("机构代码")
    OrgName: Name = field("机构名称")
    UpdateTime: DateTime = field("更新时间")


class LabIndicator(MutualBody):
    """检验结果指标（uploadLabIndicator, labIndicator）：检验报告的一项结果，以 ReportBusinessNo 挂在报告下。"""

    BusinessNo: BusinessKey = field("业务流水号（HIS 主键，机构内唯一）")
    ReportBusinessNo: BusinessKey = field("所属检验报告的业务流水号")
    TestReportNo: Code = field("检验报告单号")
    ExamItemCode: Code = field("检验指标代码")
    ExamItemName: Name = field("检验指标名称")
    TestProjCodeExp: Code = field("院内明细项目代码")
    TestProjNameExp: Name = field("院内明细项目名称")
    TestIndexResult: Text = field("检验结果")
    TestIndexUnit: Code | None = field("计量单位", None)
    NormalRefLimit: Name | None = field("参考范围", None)
    AnomalyCode: Anomaly | None = field("异常标识（N 正常 H 偏高 L 偏低 A 异常）", None)
    AnomalyName: Name | None = field("异常标识名称", None)
    CriticalSign: Flag | None = field("危急值标志（0 否 1 是）", None)
    LoincCode: Code | None = field("LOINC 代码", None)
    InspectionMethods: Name | None = field("检验方法", None)
    DataCode: Code | None = field("平台项目代码", None)
    DataName: Name | None = field("平台项目名称", None)
    MtuRecMark: Flag = field("是否互认项目（0 否 1 是）")
    OrgCode: Code = field("机构代码")
    UpdateTime: DateTime = field("更新时间")

    named_codes = {"AnomalyCode": ("AnomalyName", ANOMALIES)}


class MicrobeBacteria(MutualBody):
    """微生物细菌结果（uploadMicrobeBacteria, microbeBacteria）：检验报告中检出或未检出的一种细菌。"""

    BusinessNo: BusinessKey = field("业务流水号（HIS 主键，机构内唯一）")
    ReportBusinessNo: BusinessKey = field("所属检验报告的业务流水号")
    TestReportNo: Code = field("检验报告单号")
    BacteriaId: Code = field("细菌代码")
    BacteriaName: Name = field("细菌名称")
    ColonyCount: Name | None = field("菌落计数", None)
    TestResult: BacteriaFinding = field("检出结果（检出/未检出）")
    OrgCode: Code = field("机构代码")
    UpdateTime: DateTime = field("更新时间")


class MicrobeSuscept(MutualBody):
    """药敏结果（uploadMicrobeSuscept, microbeSuscept）：一种细菌对一种抗菌药物的药敏试验结果。"""

    named_codes = {"DrugSusceptibilityCode": ("DrugSusceptibilityName", SUSCEPTIBILITIES)}

    BusinessNo: BusinessKey = field("业务流水号（HIS 主键，机构内唯一）")
    ReportBusinessNo: BusinessKey = field("所属检验报告的业务流水号")
    TestReportNo: Code = field("检验报告单号")
    BacteriaId: Code = field("细菌代码")
    BacteriaName: Name = field("细菌名称")
    DrugSusceptibleNo: Code = field("抗菌药物代码")
    DrugSusceptibleName: Name = field("抗菌药物名称")
    DrugSusceptibilityCode: Susceptibility = field("药敏结果代码（S 敏感 I 中介 R 耐药 SDD 剂量依赖性敏感）")
    DrugSusceptibilityName: Name = field("药敏结果名称")
    BacteriostaticConcentrate: Code | None = field("最低抑菌浓度（MIC）", None)
    BacteriostatRing: Code | None = field("抑菌圈直径（mm）", None)
    ReferenceValue: Name | None = field("参考值", None)
    OrgCode: Code = field("机构代码")
    UpdateTime: DateTime = field("更新时间")


class ExamReport(MutualBody):
    """检查报告（uploadExamReport, examReport）：一个检查项目的报告（一份检查一行）。"""

    BusinessNo: BusinessKey = field("业务流水号（HIS 主键，机构内唯一）")
    PatientId: Code = field("患者ID（院内）")
    PatientName: Name = field("患者姓名", pii=True)
    GenderCode: Gender = field("性别代码（GB/T 2261.1）")
    BirthDate: Date | None = field("出生日期", None)
    IdCardTypeCode: IdCardType = field("证件类型代码")
    IdCardValue: IdCardNumber = field("证件号码", pii=True)
    DiagTypeCode: DiagType = field("就诊类型代码（1 门诊 2 急诊 3 住院 4 体检）")
    DiagNo: Code = field("就诊流水号（门急诊挂号ID或住院号）")
    PatNo: Code | None = field("门急诊号", None)
    HospitalNo: Code | None = field("住院号", None)
    WardName: Name | None = field("病区名称", None)
    BedNo: Code | None = field("床号", None)
    OrderRecFormNo: Code = field("申请单号")
    ApplyTime: DateTime | None = field("申请时间", None)
    CheckApplyDepartNo: Code = field("申请科室代码")
    CheckApplyDepartName: Name = field("申请科室名称")
    ApplDoctNo: Code | None = field("申请医生工号", None)
    ApplDoctName: Name | None = field("申请医生姓名", None)
    CheckRecNo: Code = field("检查号")
    CheckTypeCode: Code = field("检查类型代码（CT/DR/US/MR …）")
    CheckTypeName: Name = field("检查类型名称")
    CheckProjCode: Code = field("检查项目代码（平台项目代码，同 DataCode）")
    CheckProjName: Name = field("检查项目名称")
    CheckProjCodeExp: Code = field("院内检查项目代码")
    CheckProjNameExp: Name = field("院内检查项目名称")
    CheckPartName: Name | None = field("检查部位", None)
    CheckMethodName: Name | None = field("检查方法", None)
    CheckResObj: Text = field("检查所见")
    CheckResSub: Text = field("检查结论")
    CheckResCode: ExamResult | None = field("检查结果代码（1 阴性 2 阳性 3 不确定）", None)
    ImageExistMark: Flag | None = field("是否有影像（0 否 1 是）", None)
    CheckDoctNo: Code | None = field("检查医生工号", None)
    CheckDoctName: Name | None = field("检查医生姓名", None)
    AuditDoctNo: Code = field("审核医生工号")
    AuditDoctName: Name = field("审核医生姓名")
    CheckAuditTime: DateTime | None = field("审核时间", None)
    ReportDoctNo: Code = field("报告医生工号")
    ReportDoctName: Name = field("报告医生姓名")
    CheckReportNo: Code = field("检查报告单号")
    CheckReportDate: DateTime = field("报告时间")
    CheckReportDepartCode: Code = field("报告科室代码")
    CheckReportDepartName: Name = field("报告科室名称")
    DataCode: Code = field("平台项目代码")
    DataName: Name = field("平台项目名称")
    MtuRecMark: Flag = field("是否互认项目（0 否 1 是）")
    MtuRecLimitMark: MtuRecLimit = field("互认范围（1 省内 2 市内 3 院内 …）")
    BusinessGenerTime: DateTime = field("业务发生时间")
    OrgCode: Code = field("机构代码")
    OrgName: Name = field("机构名称")
    UpdateTime: DateTime = field("更新时间")

    @model_validator(mode="after")
    def _platform_code_twice(self) -> Self:
        # the spec carries the platform item code twice; two different values would make the platform match
        # reminders on one and show the other
        if self.CheckProjCode != self.DataCode:
            raise PydanticCustomError("code_mismatch", "CheckProjCode 应与 DataCode 相同（均为平台项目代码）")
        return self


class Appointment(MutualBody):
    """预约信息（uploadAppointment, appointment）：门诊号源、检查或检验的一次预约。"""

    BusinessNo: BusinessKey = field("业务流水号（预约记录 HIS 主键）")
    PatientId: Code = field("患者ID（院内）")
    PatientName: Name = field("患者姓名", pii=True)
    IdCardTypeCode: IdCardType = field("证件类型代码")
    IdCardValue: IdCardNumber = field("证件号码", pii=True)
    AppointType: AppointKind = field("预约类型（1 门诊号源 2 检查 3 检验）")
    DeptCode: Code = field("预约科室代码")
    DeptName: Name = field("预约科室名称")
    DoctNo: Code | None = field("预约医生工号", None)
    DoctName: Name | None = field("预约医生姓名", None)
    ItemCode: Code | None = field("预约项目的平台项目代码（仅检查、检验预约）", None)
    ItemName: Name | None = field("预约项目名称", None)
    AppointDate: Date = field("预约就诊日期")
    AppointStartTime: DateTime = field("预约时段开始时间")
    AppointEndTime: DateTime = field("预约时段结束时间")
    AppointChannel: Channel = field("预约渠道（1 窗口 2 自助机 3 微信 4 电话 5 诊间 9 其他）")
    AppointStatus: AppointState = field("预约状态（1 已预约 2 已取消 3 已就诊 4 爽约）")
    AppointTime: DateTime = field("预约操作时间")
    CancelTime: DateTime | None = field("取消时间", None)
    OrgCode: Code = field("机构代码")
    OrgName: Name = field("机构名称")
    UpdateTime: DateTime = field("更新时间")

    @model_validator(mode="after")
    def _slot(self) -> Self:
        if self.AppointEndTime < self.AppointStartTime:
            raise PydanticCustomError("slot_order", "AppointEndTime 早于 AppointStartTime")
        return self


class Registration(MutualBody):
    """挂号信息（uploadRegistration, registration）：一次门急诊挂号（BusinessNo 即挂号ID GHId）。"""

    named_codes = {"RegTypeCode": ("RegTypeName", REGISTRATION_TYPES)}

    BusinessNo: BusinessKey = field("业务流水号（挂号ID GHId）")
    PatientId: Code = field("患者ID（院内）")
    PatientName: Name = field("患者姓名", pii=True)
    GenderCode: Gender = field("性别代码（GB/T 2261.1）")
    BirthDate: Date | None = field("出生日期", None)
    IdCardTypeCode: IdCardType = field("证件类型代码")
    IdCardValue: IdCardNumber = field("证件号码", pii=True)
    DiagTypeCode: RegistrationDiagType = field("就诊类型代码（1 门诊 2 急诊）")
    PatNo: Code = field("门急诊号")
    DeptCode: Code = field("挂号科室代码")
    DeptName: Name = field("挂号科室名称")
    DoctNo: Code | None = field("接诊医生工号", None)
    DoctName: Name | None = field("接诊医生姓名", None)
    RegTypeCode: RegKind = field("挂号类别代码（1 普通 2 专家 3 急诊）")
    RegTypeName: Name = field("挂号类别名称")
    VisitDate: Date = field("就诊日期")
    RegTime: DateTime = field("挂号时间")
    AppointMark: Flag = field("是否预约挂号（0 否 1 是）")
    RegStatus: RegState = field("挂号状态（1 正常 2 已退号）")
    CancelTime: DateTime | None = field("退号时间", None)
    OrgCode: Code = field("机构代码")
    OrgName: Name = field("机构名称")
    UpdateTime: DateTime = field("更新时间")


#: data type → the row it carries
DataType = Literal["labReport", "labIndicator", "microbeBacteria", "microbeSuscept", "examReport", "appointment",
                   "registration"]


class DeleteData(MutualBody):
    """数据撤回（deleteData）：按业务流水号撤回本机构某数据类型的记录。"""

    orgCode: Code = field("机构代码")
    dataType: DataType = field("数据类型（labReport、labIndicator …）")
    businessNos: list[BusinessKey] = field("要撤回的业务流水号", min_length=1)


# =================================================================================================================
# queries
# =================================================================================================================


class ReminderQuery(MutualBody):
    """提醒查询（queryReminders）：同一患者（按证件类型与号码）在其他机构、回看期内的可互认报告。"""

    orgCode: Code | None = field("本机构代码（留空由客户端按连接填写）", None)
    patientId: Code = field("患者ID（院内）")
    idCardTypeCode: IdCardType = field("证件类型代码")
    idCardValue: IdCardNumber = field("证件号码", pii=True)
    GHId: Code = field("就诊ID（挂号ID或住院号）")
    doctorId: Code = field("医生工号")
    searchType: Literal[1, 2] = field("提醒类型（1 接诊提醒 2 开单提醒）")
    itemType: Literal["LIS", "PACS", ""] = field("项目类型（LIS 检验 PACS 检查，空为全部）", "")
    dataCodes: list[Code] = field("开单项目的平台项目代码（开单提醒）", default_factory=list)
    lookbackDays: int = field("回看天数", 90, ge=1, le=3650)

    @model_validator(mode="before")
    @classmethod
    def _numbers(cls, data: Any) -> Any:
        # the HIS and the page send searchType as text too; the wire carries a number
        if isinstance(data, dict) and isinstance(data.get("searchType"), str) and data["searchType"].isdigit():
            data = {**data, "searchType": int(data["searchType"])}
        return data

    @model_validator(mode="after")
    def _codes_for_orders(self) -> Self:
        if self.searchType == 2 and not self.dataCodes:
            raise PydanticCustomError("order_codes", "开单提醒（searchType 2）须给出所开项目的 dataCodes")
        return self


class ReportQuery(MutualBody):
    """报告详情查询（getReport）。"""

    orgCode: Code | None = field("本机构代码（留空由客户端按连接填写）", None)
    reportId: Code = field("报告ID（提醒中的 reportId）")
    itemType: ItemType = field("项目类型（LIS 检验 PACS 检查）")


class ReportSummary(MutualAnswer):
    """提醒中的一份外院报告（queryReminders 的一项）。"""

    reportId: AnswerId = field("报告ID")
    itemType: AnswerId = field("项目类型（LIS/PACS）")
    itemCode: AnswerText = field("平台项目代码", None)
    itemName: AnswerText = field("平台项目名称", None)
    reportOrgCode: AnswerText = field("报告机构代码", None)
    reportOrgName: AnswerText = field("报告机构名称", None)
    reportNo: AnswerText = field("报告单号", None)
    reportName: AnswerText = field("报告名称", None)
    reportTime: DateTime | None = field("报告时间", None)
    resultSummary: AnswerText = field("结果摘要", None)
    abnormal: bool = field("是否有异常结果", False)
    mtuRecMark: AnswerText = field("是否互认项目", None)
    mtuRecLimitMark: AnswerText = field("互认范围", None)


class ReportItem(MutualAnswer):
    """报告详情中的一项结果。"""

    itemCode: AnswerText = field("项目代码", None)
    itemName: AnswerText = field("项目名称", None)
    result: AnswerText = field("结果", None)
    unit: AnswerText = field("单位", None)
    refRange: AnswerText = field("参考范围", None)
    abnormalFlag: AnswerText = field("异常标识", None)


class BacteriaResult(MutualAnswer):
    """报告详情中的一种细菌。"""

    bacteriaName: AnswerText = field("细菌名称", None)
    colonyCount: AnswerText = field("菌落计数", None)
    testResult: AnswerText = field("检出结果", None)


class SusceptResult(MutualAnswer):
    """报告详情中的一项药敏结果。"""

    bacteriaName: AnswerText = field("细菌名称", None)
    drugName: AnswerText = field("抗菌药物名称", None)
    result: AnswerText = field("药敏结果", None)
    mic: AnswerText = field("最低抑菌浓度（MIC）", None)


class ReportDetail(ReportSummary):
    """报告详情（getReport 的应答）。"""

    patientName: AnswerText = field("患者姓名", None, pii=True)
    specimenName: AnswerText = field("标本名称", None)
    diagName: AnswerText = field("临床诊断", None)
    findings: AnswerText = field("检查所见", None)
    conclusion: AnswerText = field("检查结论 / 报告结论", None)
    items: list[ReportItem] = field("检验结果项目", default_factory=list)
    bacteria: list[BacteriaResult] = field("细菌结果", default_factory=list)
    susceptibility: list[SusceptResult] = field("药敏结果", default_factory=list)


# =================================================================================================================
# record uploads (the analogue's §3.2.2.5.8–12; spelling — patientId next to DoctorId — is the analogue's)
# =================================================================================================================


class _ReportRef(MutualBody):
    """The report a record is about, as the reminder named it."""

    patientId: Code = field("患者ID（院内）")
    GHId: Code = field("就诊ID（挂号ID或住院号）")
    itemType: ItemType = field("项目类型（LIS 检验 PACS 检查）")
    itemCode: Code = field("平台项目代码")
    reportOrgCode: Code = field("报告机构代码")
    reportOrgName: Name = field("报告机构名称")
    reportNo: Code = field("报告单号")
    reportName: Name = field("报告名称")
    reportTime: DateTime = field("报告时间")


class ReminderRecord(_ReportRef):
    """提醒记录（uploadReminderRecords 的一项）：医生看到的一条提醒。"""

    operateTime: DateTime = field("提醒时间")
    remindId: Guid = field("提醒记录GUID（平台按其去重）", default_factory=new_guid)
    searchType: SearchTypeText = field("提醒类型（1 接诊提醒 2 开单提醒）")
    operateType: Literal["1"] = field("操作类型（1 提醒）", "1")
    reportId: Code = field("报告ID")
    DoctorId: Code = field("医生工号")
    OrderId: Code | None = field("医嘱ID（开单提醒）", None)


class RecognitionRecord(_ReportRef):
    """互认记录（uploadRecognitionRecord 的一项）：医生对一份外院报告的不互认决定及原因。"""

    mrId: Guid = field("互认记录GUID（平台按其去重）", default_factory=new_guid)
    idCardTypeCode: IdCardType = field("证件类型代码")
    operateTime: DateTime = field("操作时间")
    recognise: Literal["0"] = field("是否互认（0 不互认）", "0")
    reasonCode: ReasonCode = field("不互认原因代码（01–08、98、99）")
    reasonName: Name | None = field("不互认原因名称（留空按代码填写）", None)
    crossFlag: Flag = field("跨市标记", "0")
    diagName: Name | None = field("疾病名称（原因 99 连续性监测时必填）", None)
    reportId: Code = field("报告ID")
    DoctorId: Code = field("医生工号")

    named_codes = {"reasonCode": ("reasonName", REASONS)}

    @model_validator(mode="after")
    def _monitored_disease(self) -> Self:
        if self.reasonCode in NEEDS_DIAG_NAME and not self.diagName:
            raise PydanticCustomError("diag_name", "不互认原因 {code} 须填写疾病名称 diagName", {"code": self.reasonCode})
        return self


class RetrievalRecord(_ReportRef):
    """调阅记录（uploadRetrievalRecord 的一项）：医生调阅（并互认）一份外院报告。"""

    viewTime: DateTime = field("调阅时间")
    operateTime: DateTime = field("操作时间")
    idCardTypeCode: IdCardType = field("证件类型代码")
    SearchType: SearchTypeText | None = field("提醒类型（1 接诊提醒 2 开单提醒）", None)
    businessNo: Code | None = field("报告业务流水号", None)
    reviewId: Guid = field("调阅记录GUID（平台按其去重）", default_factory=new_guid)
    crossFlag: Flag = field("跨市标记", "0")
    DoctorId: Code = field("医生工号")
    OrderId: Code | None = field("医嘱ID", None)
    ReportId: Code = field("报告ID")


class QuoteLog(MutualBody):
    """引用记录（uploadQuoteLog）：外院报告被引用进本次就诊。"""

    patientId: Code = field("患者ID（院内）")
    GHId: Code = field("就诊ID（挂号ID或住院号）")
    reportId: Code = field("报告ID")
    itemType: ItemType = field("项目类型（LIS 检验 PACS 检查）")
    itemCode: Code = field("平台项目代码")
    clientType: ClientType = field("客户端类型（1 平台客户端 2 自研客户端）", "2")
    idCardTypeCode: IdCardType = field("证件类型代码")
    doctorId: Code = field("医生工号")
    quoteId: Guid = field("引用记录GUID（平台按其去重）", default_factory=new_guid)
    reportOrgCode: Code = field("报告机构代码")
    reportOrgName: Name = field("报告机构名称")
    reportName: Name = field("报告名称")
    reportTime: DateTime = field("报告时间")
    businessNo: Code | None = field("报告业务流水号", None)
    operateTime: DateTime = field("引用时间")
    reportNo: Code = field("报告单号")
    microbiaMark: Flag = field("微生物标记（0 否 1 是）", "0")


class RevokeNonRecognition(MutualBody):
    """撤销不互认（revokeNonRecognition）：撤回本次就诊对一份报告的不互认决定。"""

    patientId: Code = field("患者ID（院内）")
    GHId: Code = field("就诊ID（挂号ID或住院号）")
    reportId: Code = field("报告ID")
    itemType: ItemType = field("项目类型（LIS 检验 PACS 检查）")
    itemCode: Code = field("平台项目代码")
    clientType: ClientType = field("客户端类型（1 平台客户端 2 自研客户端）", "2")
    idCardTypeCode: IdCardType = field("证件类型代码")
    doctorId: Code = field("医生工号")


# =================================================================================================================
# answers' data
# =================================================================================================================


class RowFailure(MutualAnswer):
    """数据上传应答中一行的失败原因。"""

    index: int | None = field("行在报文 data 中的序号（从 0 起）", None)
    BusinessNo: AnswerText = field("业务流水号", None)
    code: AnswerText = field("应答码", None)
    msg: AnswerText = field("失败原因", None)


class UploadResult(MutualAnswer):
    """数据上传应答的 data。"""

    accepted: int | None = field("接收行数", None)
    failed: list[RowFailure] = field("失败的行", default_factory=list)


class KeyFailure(MutualAnswer):
    """数据撤回应答中一个业务流水号的失败原因。"""

    BusinessNo: AnswerText = field("业务流水号", None)
    code: AnswerText = field("应答码", None)
    msg: AnswerText = field("失败原因", None)


class DeleteResult(MutualAnswer):
    """数据撤回应答的 data。"""

    deleted: list[Annotated[str, Field(max_length=64)]] = field("已撤回的业务流水号", default_factory=list)
    failed: list[KeyFailure] = field("未撤回的业务流水号及原因", default_factory=list)


class FieldError(MutualAnswer):
    """参数校验失败（A0400）应答 data 中的一项。"""

    field: AnswerText = Field(None, description="字段")
    msg: AnswerText = Field(None, description="原因")
