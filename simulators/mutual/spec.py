"""The simulator's own reading of the 检查检验互认 platform's wire spec (our declared analogue of the Jiangxi
platform, modelled on a provincial platform's shared report model and record endpoints), as data, with its checker.

Deliberately independent of ``hisbridge``: the client and this simulator are written from the same spec by
different hands, so a mistake in one (a field name, a length, a code, a date format) is caught by the other.
Never import ``hisbridge`` here.

Notation of a field (:func:`_f`): a trailing ``*`` on the name marks it required; the type says what a value is:

========== =====================================================================================================
type       a present, non-null value must be
========== =====================================================================================================
``bno``    a JSON string of at most 64 characters (业务流水号 ``BusinessNo`` / ``ReportBusinessNo``)
``code``   a JSON string of at most 50 characters (codes, numbers, ids)
``name``   a JSON string of at most 100 characters
``text``   a JSON string of at most 4000 characters
``id``     a JSON string of at most 128 characters (a platform ``reportId``: ours are ``LIS-<org>-<BusinessNo>``,
           longer than a code)
``dt``     a JSON string exactly ``yyyy-MM-dd HH:mm:ss`` naming a real instant (Asia/Shanghai local time)
``date``   a JSON string exactly ``yyyy-MM-dd`` naming a real day
``int``    a JSON integer (never a boolean, never a string)
``intish`` a JSON integer or a string of digits (the record ``searchType``: the spec does not say which)
``strs``   a JSON array of non-empty strings of at most 64 characters
========== =====================================================================================================

``null`` or an absent key means "no value"; ``""`` in a required field counts as missing, and ``""`` in an
optional coded, date or time field is refused (send ``null`` or leave the key out). Every value of an upload
row is a string: numbers (``12.5``) and booleans are refused.

Decisions where the shared spec is silent or ambiguous (the README lists them):

* ``TestReportDate`` / ``CheckReportDate`` are **times** (``yyyy-MM-dd HH:mm:ss``): they become the reminder's
  ``reportTime``. ``BirthDate``, ``AppointDate``, ``VisitDate`` are dates.
* ``OrgName`` is accepted on every row ("every row has … OrgName") but required only where the table stars it
  (reports, appointment, registration); the child rows' tables do not.
* ``MtuRecLimitMark``: exactly 1 省内 / 2 市内 / 3 院内 (the spec's "…" lists no more). ``CheckTypeCode``: any
  2–5 capital letters (CT/DR/US/MR/… is an open list).
* ``IdCardValue`` of a 居民身份证 (01) must look like one (18 characters, or 15 digits); no checksum.
* Cross-field rules (:data:`ROW_RULES`): ``CheckProjCode`` equals ``DataCode``; an appointment's ``ItemCode``
  only for AppointType 2/3; ``CancelTime`` required once an appointment is cancelled or a registration
  withdrawn; an appointment ends no earlier than it starts.
* Record uploads: identifiers, times, the GUID, the doctor and the coded fields are required, names optional;
  ``diagName`` required for reason 99; ``OrderId`` optional. A GUID is 32 hex digits or the 36-character
  canonical form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

FieldType = Literal["bno", "code", "name", "text", "id", "dt", "date", "int", "intish", "strs"]

LENGTHS: dict[str, int] = {"bno": 64, "code": 50, "name": 100, "text": 4000, "id": 128}
STRS_ITEM_LENGTH = 64
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
TIME_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GUID_SHAPE = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
ID_CARD_SHAPE = re.compile(r"^(?:\d{17}[\dXx]|\d{15})$")

OK = "00000"
REFUSED = "A0400"
AUTH_FAILED = "A0401"
NOT_FOUND = "A0404"
BUSY = "A0429"
INTERNAL = "B0001"
NO_SUCH_API = "C0113"  # the platform has no interface at that path (Alibaba manual's 接口不存在)

ANSWER_CODES: dict[str, str] = {
    OK: "成功",
    REFUSED: "参数校验失败",
    AUTH_FAILED: "认证失败/签名错误",
    NOT_FOUND: "数据不存在",
    BUSY: "请求过于频繁",
    INTERNAL: "平台内部错误",
    NO_SUCH_API: "接口不存在",
}


# --------------------------------------------------------------------------------------------------------------
# Code dictionaries


@dataclass(frozen=True)
class Dictionary:
    """A code set: either its values (enforced exactly) or, where the list is open, the shape of a code."""

    name: str
    cn: str
    values: Mapping[str, str] | None = None
    pattern: str | None = None
    examples: Mapping[str, str] | None = None  # an open list's usual codes, for messages and the spec route

    def accepts(self, code: str) -> bool:
        if self.values is not None:
            return code in self.values
        assert self.pattern is not None
        return re.fullmatch(self.pattern, code) is not None

    def describe(self) -> str:
        shown = self.values if self.values is not None else self.examples or {}
        listed = "、".join(f"{k} {v}".strip() if k else f'"" {v}' for k, v in shown.items())
        if self.values is not None:
            return listed
        return f"格式{self.pattern}，如{listed}" if listed else f"格式{self.pattern}"

    def to_json(self) -> dict[str, Any]:
        return {"cn": self.cn, "values": dict(self.values) if self.values is not None else None,
                "pattern": self.pattern, "examples": dict(self.examples) if self.examples else None}  # fmt: skip


REASONS: dict[str, str] = {
    "01": "病情变化、结果与临床不符",
    "02": "结果在病程中变化快",
    "03": "对诊疗意义重大（手术、输血等前）",
    "04": "急诊/急救/危重",
    "05": "司法/伤残/病退/劳动仲裁鉴定",
    "06": "需特定资质机构的项目",
    "07": "医师认为有必要复查",
    "08": "其他确需复查",
    "98": "未收到外院影像资料（不计入不互认）",
    "99": "连续性监测需要（不计入不互认，须填疾病名称）",
}
#: reason codes that need a disease name (diagName)
REASONS_NEEDING_DIAG: frozenset[str] = frozenset({"99"})

DATA_TYPES: dict[str, str] = {
    "labReport": "检验报告",
    "labIndicator": "检验结果指标",
    "microbeBacteria": "微生物细菌结果",
    "microbeSuscept": "药敏结果",
    "examReport": "检查报告",
    "appointment": "预约信息",
    "registration": "挂号信息",
}

DICTS: dict[str, Dictionary] = {
    d.name: d
    for d in (
        Dictionary("gender", "性别(GB/T 2261.1)", {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}),
        Dictionary("id_card_type", "身份证件类别",
                   {"01": "居民身份证", "02": "居民户口簿", "03": "护照", "04": "军官证",
                    "06": "港澳居民来往内地通行证", "07": "台湾居民来往内地通行证", "99": "其他"}),
        Dictionary("diag_type", "就诊类型", {"1": "门诊", "2": "急诊", "3": "住院", "4": "体检"}),
        Dictionary("reg_diag_type", "挂号就诊类型", {"1": "门诊", "2": "急诊"}),
        Dictionary("yes_no", "是否标志", {"0": "否", "1": "是"}),
        Dictionary("mtu_limit", "互认范围", {"1": "省内", "2": "市内", "3": "院内"}),
        Dictionary("anomaly", "异常标识", {"N": "正常", "H": "偏高", "L": "偏低", "A": "异常"}),
        Dictionary("bacteria_result", "细菌检出结果", {"检出": "", "未检出": ""}),
        Dictionary("susceptibility", "药敏结果", {"S": "敏感", "I": "中介", "R": "耐药", "SDD": "剂量依赖型敏感"}),
        Dictionary("check_type", "检查类别", pattern=r"[A-Z]{2,5}",
                   examples={"CT": "CT", "DR": "数字X线摄影", "MR": "磁共振", "US": "超声", "DSA": "血管造影",
                             "MG": "乳腺钼靶", "ES": "内镜", "ECG": "心电图"}),
        Dictionary("check_result", "检查结果", {"1": "阴性", "2": "阳性", "3": "不确定"}),
        Dictionary("appoint_type", "预约类型", {"1": "门诊号源", "2": "检查", "3": "检验"}),
        Dictionary("appoint_channel", "预约渠道",
                   {"1": "窗口", "2": "自助机", "3": "微信", "4": "电话", "5": "诊间", "9": "其他"}),
        Dictionary("appoint_status", "预约状态", {"1": "已预约", "2": "已取消", "3": "已就诊", "4": "爽约"}),
        Dictionary("reg_type", "号别", {"1": "普通", "2": "专家", "3": "急诊"}),
        Dictionary("reg_status", "挂号状态", {"1": "正常", "2": "已退号"}),
        Dictionary("data_type", "数据集", DATA_TYPES),
        Dictionary("item_type", "项目类型", {"LIS": "检验", "PACS": "检查"}),
        Dictionary("item_type_or_all", "项目类型", {"": "全部", "LIS": "检验", "PACS": "检查"}),
        Dictionary("search_type", "提醒类型", {"1": "接诊提醒", "2": "开单提醒"}),
        Dictionary("operate_type", "操作类型", {"1": "提醒展示"}),
        Dictionary("recognise", "互认结果", {"0": "不互认"}),
        Dictionary("reason", "不互认原因", REASONS),
        Dictionary("cross_flag", "跨市标记", {"0": "市内", "1": "跨市"}),
        Dictionary("client_type", "客户端类型", {"1": "平台客户端", "2": "自研客户端"}),
    )
}  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# Fields and tables


@dataclass(frozen=True)
class Field:
    """One wire field: exact spelling, Chinese name, type, required, code set, personal data."""

    name: str
    cn: str
    type: FieldType
    required: bool = False
    codes: str | None = None
    pii: bool = False

    @property
    def max_length(self) -> int | None:
        return LENGTHS.get(self.type)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "cn": self.cn, "type": self.type, "maxLength": self.max_length,
                "required": self.required, "codes": self.codes, "pii": self.pii}  # fmt: skip


def _f(spelling: str, cn: str, type_: FieldType, codes: str | None = None, *, pii: bool = False) -> Field:
    """``_f("PatientName*", "患者姓名", "name", pii=True)`` — a trailing ``*`` marks the field required."""
    required = spelling.endswith("*")
    return Field(spelling.rstrip("*"), cn, type_, required, codes, pii)


@dataclass(frozen=True)
class Problem:
    """One reason to refuse: what kind, the wire field (or ``None``), the Chinese sentence naming it."""

    kind: str  # UNKNOWN_FIELD REQUIRED TYPE LENGTH FORMAT CODE_VALUE RULE
    field: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "msg": self.message}


#: a cross-field rule of a table: the problems of one row (its fields already passed their own checks)
RowRule = Callable[[Mapping[str, Any]], list[Problem]]


@dataclass(frozen=True)
class Table:
    """The body of one operation (an upload row, a query, a record), as data."""

    op: str
    cn: str
    fields: tuple[Field, ...]
    data_type: str | None = None  # data uploads only
    parent: str | None = None  # child rows: the dataType their ReportBusinessNo points at
    guid: str | None = None  # record uploads: the field the platform dedupes by
    rules: tuple[RowRule, ...] = ()

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "cn": self.cn, "dataType": self.data_type, "parent": self.parent, "guid": self.guid,
                "fields": [f.to_json() for f in self.fields],
                "rules": [r.__doc__ or r.__name__ for r in self.rules]}  # fmt: skip


def _identity(*, gender: bool = True, names: bool = True) -> tuple[Field, ...]:
    """The patient identity block of a report, an appointment or a registration."""
    return tuple(f for f in (
        _f("PatientId*", "患者ID", "code"),
        _f("PatientName*", "患者姓名", "name", pii=True),
        _f("GenderCode*", "性别代码", "code", "gender") if gender else None,
        _f("GenderName", "性别名称", "name") if gender and names else None,
        _f("BirthDate", "出生日期", "date") if gender else None,
        _f("IdCardTypeCode*", "身份证件类别代码", "code", "id_card_type"),
        _f("IdCardTypeName", "身份证件类别名称", "name") if names else None,
        _f("IdCardValue*", "身份证件号码", "code", pii=True),
    ) if f is not None)  # fmt: skip


_TAIL_REPORT = (
    _f("DataCode*", "平台项目代码", "code"),
    _f("DataName*", "平台项目名称", "name"),
    _f("MtuRecMark*", "是否互认项目", "code", "yes_no"),
    _f("MtuRecLimitMark*", "互认范围", "code", "mtu_limit"),
    _f("BusinessGenerTime*", "业务发生时间", "dt"),
    _f("OrgCode*", "机构代码", "code"),
    _f("OrgName*", "机构名称", "name"),
    _f("UpdateTime*", "数据更新时间", "dt"),
)
_TAIL_CHILD = (
    _f("OrgCode*", "机构代码", "code"),
    _f("OrgName", "机构名称", "name"),
    _f("UpdateTime*", "数据更新时间", "dt"),
)
_CHILD_HEAD = (
    _f("BusinessNo*", "业务流水号", "bno"),
    _f("ReportBusinessNo*", "所属检验报告业务流水号", "bno"),
    _f("TestReportNo*", "检验报告单号", "code"),
)


def _id_card_looks_right(row: Mapping[str, Any], type_key: str = "IdCardTypeCode",
                         value_key: str = "IdCardValue") -> list[Problem]:  # fmt: skip
    """居民身份证号码须为18位(末位可为X)或15位数字"""
    value = row.get(value_key)
    if row.get(type_key) == "01" and isinstance(value, str) and value and not ID_CARD_SHAPE.fullmatch(value):
        return [Problem("RULE", value_key, f"字段[{value_key}](身份证件号码)不是有效的居民身份证号码: "
                                           f"应为18位(末位可为X)或15位数字，实际{len(value)}位")]  # fmt: skip
    return []


def _exam_code_is_data_code(row: Mapping[str, Any]) -> list[Problem]:
    """CheckProjCode(平台检查项目代码)须与DataCode一致"""
    if row.get("CheckProjCode") != row.get("DataCode"):
        return [Problem("RULE", "CheckProjCode", f"字段[CheckProjCode](检查项目代码)[{row.get('CheckProjCode')}]"
                                                 f"应与DataCode[{row.get('DataCode')}]一致(均为平台项目代码)")]
    return []


def _appointment_item_only_for_exams(row: Mapping[str, Any]) -> list[Problem]:
    """ItemCode仅用于检查/检验预约(AppointType 2/3)"""
    if row.get("AppointType") == "1" and row.get("ItemCode") not in (None, ""):
        return [Problem("RULE", "ItemCode", "字段[ItemCode](预约项目代码)仅用于检查/检验预约(AppointType 2/3)，"
                                            "门诊号源预约(AppointType 1)不应填写")]
    return []


def _appointment_times_ordered(row: Mapping[str, Any]) -> list[Problem]:
    """AppointEndTime不早于AppointStartTime"""
    start, end = row.get("AppointStartTime"), row.get("AppointEndTime")
    if isinstance(start, str) and isinstance(end, str) and end < start:  # same format: text order = time order
        return [Problem("RULE", "AppointEndTime",
                        f"字段[AppointEndTime](预约结束时间)[{end}]早于AppointStartTime[{start}]")]
    return []


def _cancel_time_when(status_key: str, status: str, cn: str) -> RowRule:
    def rule(row: Mapping[str, Any]) -> list[Problem]:
        if row.get(status_key) == status and row.get("CancelTime") in (None, ""):
            return [Problem("RULE", "CancelTime", f"{cn}时必填字段[CancelTime](取消时间)为空")]
        return []

    rule.__doc__ = f"{status_key}={status}({cn})时CancelTime必填"
    rule.__name__ = f"cancel_time_when_{status_key}_{status}"
    return rule


def _diag_name_for_reason_99(row: Mapping[str, Any]) -> list[Problem]:
    """reasonCode 99(连续性监测需要)须填疾病名称diagName"""
    if row.get("reasonCode") in REASONS_NEEDING_DIAG and row.get("diagName") in (None, ""):
        return [Problem("RULE", "diagName", f"reasonCode为{row.get('reasonCode')}(连续性监测需要)时必填字段"
                                            "[diagName](疾病名称)为空")]
    return []


def _query_id_card(row: Mapping[str, Any]) -> list[Problem]:
    """居民身份证号码须为18位(末位可为X)或15位数字"""
    return _id_card_looks_right(row, "idCardTypeCode", "idCardValue")


def _data_codes_for_order_reminder(row: Mapping[str, Any]) -> list[Problem]:
    """searchType 2(开单提醒)须给出dataCodes"""
    if row.get("searchType") == 2 and not row.get("dataCodes"):
        return [Problem("RULE", "dataCodes", "searchType为2(开单提醒)时字段[dataCodes](开单项目平台代码)不能为空")]
    return []


def _lookback_positive(row: Mapping[str, Any]) -> list[Problem]:
    """lookbackDays为1–3650的整数"""
    days = row.get("lookbackDays")
    if isinstance(days, int) and not 1 <= days <= 3650:
        return [Problem("RULE", "lookbackDays", f"字段[lookbackDays](回溯天数)应为1–3650，收到{days}")]
    return []


UPLOADS: tuple[Table, ...] = (
    Table("uploadLabReport", "检验报告", data_type="labReport", fields=(
        _f("BusinessNo*", "业务流水号", "bno"),
        *_identity(),
        _f("DiagTypeCode*", "就诊类型代码", "code", "diag_type"),
        _f("DiagTypeName", "就诊类型名称", "name"),
        _f("DiagNo*", "就诊流水号", "code"),
        _f("PatNo", "门急诊号", "code"),
        _f("HospitalNo", "住院号", "code"),
        _f("WardName", "病区名称", "name"),
        _f("RoomNo", "病房号", "code"),
        _f("BedNo", "床号", "code"),
        _f("OrderRecFormNo*", "申请单号", "code"),
        _f("ApplicationTime", "申请时间", "dt"),
        _f("ApplDoctNo", "申请医生工号", "code"),
        _f("ApplDoctName", "申请医生姓名", "name"),
        _f("TestApplyDepartCode*", "申请科室代码", "code"),
        _f("TestApplyDepartName*", "申请科室名称", "name"),
        _f("SpecimenNo*", "标本号", "code"),
        _f("SpecimenName*", "标本名称", "name"),
        _f("SampleTime*", "采样时间", "dt"),
        _f("AcceptSampleTime", "接收标本时间", "dt"),
        _f("TestRecTime", "检验时间", "dt"),
        _f("TestDoctNo", "检验医生工号", "code"),
        _f("TestDoctName", "检验医生姓名", "name"),
        _f("AuditDoctNo*", "审核医生工号", "code"),
        _f("AuditDoctName*", "审核医生姓名", "name"),
        _f("TestAuditTime", "审核时间", "dt"),
        _f("ReportDoctNo*", "报告医生工号", "code"),
        _f("ReportDoctName*", "报告医生姓名", "name"),
        _f("TestReportNo*", "检验报告单号", "code"),
        _f("TestReportDate*", "报告时间", "dt"),
        _f("TestReportDepartCode*", "报告科室代码", "code"),
        _f("TestReportDepartName*", "报告科室名称", "name"),
        _f("TestProjCategoryCode", "检验大项代码", "code"),
        _f("TestProjCategoryName", "检验大项名称", "name"),
        _f("TestReportComment", "报告备注", "text"),
        _f("ReportClinialDiag", "临床诊断", "text"),
        _f("MicrobeTestMark*", "是否微生物检验", "code", "yes_no"),
        *_TAIL_REPORT,
    ), rules=(_id_card_looks_right,)),
    Table("uploadLabIndicator", "检验结果指标", data_type="labIndicator", parent="labReport", fields=(
        *_CHILD_HEAD,
        _f("ExamItemCode*", "检验指标代码", "code"),
        _f("ExamItemName*", "检验指标名称", "name"),
        _f("TestProjCodeExp*", "院内明细项目代码", "code"),
        _f("TestProjNameExp*", "院内明细项目名称", "name"),
        _f("TestIndexResult*", "检验结果值", "text"),
        _f("TestIndexUnit", "计量单位", "code"),
        _f("NormalRefLimit", "参考范围", "name"),
        _f("AnomalyCode", "异常标识代码", "code", "anomaly"),
        _f("AnomalyName", "异常标识名称", "name"),
        _f("CriticalSign", "危急值标识", "code", "yes_no"),
        _f("LoincCode", "LOINC代码", "code"),
        _f("InspectionMethods", "检验方法", "name"),
        _f("DataCode", "平台项目代码", "code"),
        _f("DataName", "平台项目名称", "name"),
        _f("MtuRecMark*", "是否互认项目", "code", "yes_no"),
        *_TAIL_CHILD,
    )),
    Table("uploadMicrobeBacteria", "微生物细菌结果", data_type="microbeBacteria", parent="labReport", fields=(
        *_CHILD_HEAD,
        _f("BacteriaId*", "细菌代码", "code"),
        _f("BacteriaName*", "细菌名称", "name"),
        _f("ColonyCount", "菌落计数", "name"),
        _f("TestResult*", "检出结果", "code", "bacteria_result"),
        *_TAIL_CHILD,
    )),
    Table("uploadMicrobeSuscept", "药敏结果", data_type="microbeSuscept", parent="labReport", fields=(
        *_CHILD_HEAD,
        _f("BacteriaId*", "细菌代码", "code"),
        _f("BacteriaName*", "细菌名称", "name"),
        _f("DrugSusceptibleNo*", "抗菌药物代码", "code"),
        _f("DrugSusceptibleName*", "抗菌药物名称", "name"),
        _f("DrugSusceptibilityCode*", "药敏结果代码", "code", "susceptibility"),
        _f("DrugSusceptibilityName*", "药敏结果名称", "name"),
        _f("BacteriostaticConcentrate", "最低抑菌浓度(MIC)", "code"),
        _f("BacteriostatRing", "抑菌圈直径(mm)", "code"),
        _f("ReferenceValue", "参考值", "name"),
        *_TAIL_CHILD,
    )),
    Table("uploadExamReport", "检查报告", data_type="examReport", fields=(
        _f("BusinessNo*", "业务流水号", "bno"),
        *_identity(names=False),
        _f("DiagTypeCode*", "就诊类型代码", "code", "diag_type"),
        _f("DiagNo*", "就诊流水号", "code"),
        _f("PatNo", "门急诊号", "code"),
        _f("HospitalNo", "住院号", "code"),
        _f("WardName", "病区名称", "name"),
        _f("BedNo", "床号", "code"),
        _f("OrderRecFormNo*", "申请单号", "code"),
        _f("ApplyTime", "申请时间", "dt"),
        _f("CheckApplyDepartNo*", "申请科室代码", "code"),
        _f("CheckApplyDepartName*", "申请科室名称", "name"),
        _f("ApplDoctNo", "申请医生工号", "code"),
        _f("ApplDoctName", "申请医生姓名", "name"),
        _f("CheckRecNo*", "检查号", "code"),
        _f("CheckTypeCode*", "检查类别代码", "code", "check_type"),
        _f("CheckTypeName*", "检查类别名称", "name"),
        _f("CheckProjCode*", "检查项目代码(平台)", "code"),
        _f("CheckProjName*", "检查项目名称(平台)", "name"),
        _f("CheckProjCodeExp*", "院内检查项目代码", "code"),
        _f("CheckProjNameExp*", "院内检查项目名称", "name"),
        _f("CheckPartName", "检查部位", "name"),
        _f("CheckMethodName", "检查方法", "name"),
        _f("CheckResObj*", "检查所见", "text"),
        _f("CheckResSub*", "检查结论", "text"),
        _f("CheckResCode", "检查结果代码", "code", "check_result"),
        _f("ImageExistMark", "是否有影像", "code", "yes_no"),
        _f("CheckDoctNo", "检查医生工号", "code"),
        _f("CheckDoctName", "检查医生姓名", "name"),
        _f("AuditDoctNo*", "审核医生工号", "code"),
        _f("AuditDoctName*", "审核医生姓名", "name"),
        _f("CheckAuditTime", "审核时间", "dt"),
        _f("ReportDoctNo*", "报告医生工号", "code"),
        _f("ReportDoctName*", "报告医生姓名", "name"),
        _f("CheckReportNo*", "检查报告单号", "code"),
        _f("CheckReportDate*", "报告时间", "dt"),
        _f("CheckReportDepartCode*", "报告科室代码", "code"),
        _f("CheckReportDepartName*", "报告科室名称", "name"),
        *_TAIL_REPORT,
    ), rules=(_id_card_looks_right, _exam_code_is_data_code)),
    Table("uploadAppointment", "预约信息", data_type="appointment", fields=(
        _f("BusinessNo*", "业务流水号", "bno"),
        *_identity(gender=False, names=False),
        _f("AppointType*", "预约类型", "code", "appoint_type"),
        _f("DeptCode*", "科室代码", "code"),
        _f("DeptName*", "科室名称", "name"),
        _f("DoctNo", "医生工号", "code"),
        _f("DoctName", "医生姓名", "name"),
        _f("ItemCode", "预约项目代码(平台)", "code"),
        _f("ItemName", "预约项目名称", "name"),
        _f("AppointDate*", "预约日期", "date"),
        _f("AppointStartTime*", "预约开始时间", "dt"),
        _f("AppointEndTime*", "预约结束时间", "dt"),
        _f("AppointChannel*", "预约渠道", "code", "appoint_channel"),
        _f("AppointStatus*", "预约状态", "code", "appoint_status"),
        _f("AppointTime*", "预约操作时间", "dt"),
        _f("CancelTime", "取消时间", "dt"),
        _f("OrgCode*", "机构代码", "code"),
        _f("OrgName*", "机构名称", "name"),
        _f("UpdateTime*", "数据更新时间", "dt"),
    ), rules=(_id_card_looks_right, _appointment_item_only_for_exams, _appointment_times_ordered,
              _cancel_time_when("AppointStatus", "2", "预约已取消"))),
    Table("uploadRegistration", "挂号信息", data_type="registration", fields=(
        _f("BusinessNo*", "业务流水号(挂号ID)", "bno"),
        *_identity(names=False),
        _f("DiagTypeCode*", "就诊类型代码", "code", "reg_diag_type"),
        _f("PatNo*", "门急诊号", "code"),
        _f("DeptCode*", "科室代码", "code"),
        _f("DeptName*", "科室名称", "name"),
        _f("DoctNo", "医生工号", "code"),
        _f("DoctName", "医生姓名", "name"),
        _f("RegTypeCode*", "号别代码", "code", "reg_type"),
        _f("RegTypeName*", "号别名称", "name"),
        _f("VisitDate*", "就诊日期", "date"),
        _f("RegTime*", "挂号时间", "dt"),
        _f("AppointMark*", "是否预约挂号", "code", "yes_no"),
        _f("RegStatus*", "挂号状态", "code", "reg_status"),
        _f("CancelTime", "退号时间", "dt"),
        _f("OrgCode*", "机构代码", "code"),
        _f("OrgName*", "机构名称", "name"),
        _f("UpdateTime*", "数据更新时间", "dt"),
    ), rules=(_id_card_looks_right, _cancel_time_when("RegStatus", "2", "已退号"))),
)  # fmt: skip

DELETE = Table("deleteData", "数据撤回", fields=(
    _f("orgCode*", "机构代码", "code"),
    _f("dataType*", "数据集", "code", "data_type"),
    _f("businessNos*", "业务流水号列表", "strs"),
))  # fmt: skip

QUERY_REMINDERS = Table("queryReminders", "提醒查询", fields=(
    _f("orgCode*", "查询机构代码", "code"),
    _f("patientId", "患者ID", "code"),
    _f("idCardTypeCode*", "身份证件类别代码", "code", "id_card_type"),
    _f("idCardValue*", "身份证件号码", "code", pii=True),
    _f("GHId", "挂号ID/就诊流水", "code"),
    _f("doctorId", "医生工号", "code"),
    _f("searchType*", "提醒类型", "int", "search_type"),
    _f("itemType", "项目类型", "code", "item_type_or_all"),
    _f("dataCodes", "开单项目平台代码", "strs"),
    _f("lookbackDays", "回溯天数", "int"),
), rules=(_query_id_card, _data_codes_for_order_reminder, _lookback_positive))  # fmt: skip

GET_REPORT = Table("getReport", "报告详情", fields=(
    _f("orgCode*", "查询机构代码", "code"),
    _f("reportId*", "报告ID", "id"),
    _f("itemType*", "项目类型", "code", "item_type"),
))  # fmt: skip


def _report_ref(*, report_id: str = "reportId") -> tuple[Field, ...]:
    return (
        _f("reportOrgCode*", "报告机构代码", "code"),
        _f("reportOrgName", "报告机构名称", "name"),
        _f("reportNo*", "报告单号", "code"),
        _f("reportName", "报告名称", "name"),
        _f("reportTime*", "报告时间", "dt"),
        _f(f"{report_id}*", "报告ID", "id"),
    )


_VISIT = (
    _f("patientId*", "患者ID", "code"),
    _f("GHId*", "挂号ID/就诊流水", "code"),
    _f("itemType*", "项目类型", "code", "item_type"),
    _f("itemCode*", "平台项目代码", "code"),
)

RECORDS: tuple[Table, ...] = (
    Table("uploadReminderRecords", "提醒记录上传", guid="remindId", fields=(
        *_VISIT, *_report_ref(),
        _f("operateTime*", "操作时间", "dt"),
        _f("remindId*", "提醒记录ID(GUID)", "code"),
        _f("searchType*", "提醒类型", "intish", "search_type"),
        _f("operateType*", "操作类型", "code", "operate_type"),
        _f("DoctorId*", "医生工号", "code"),
        _f("OrderId", "医嘱ID", "code"),
    )),
    Table("uploadRecognitionRecord", "互认记录上传(不互认)", guid="mrId", fields=(
        *_VISIT, *_report_ref(),
        _f("mrId*", "互认记录ID(GUID)", "code"),
        _f("idCardTypeCode*", "身份证件类别代码", "code", "id_card_type"),
        _f("operateTime*", "操作时间", "dt"),
        _f("recognise*", "互认结果", "code", "recognise"),
        _f("reasonCode*", "不互认原因代码", "code", "reason"),
        _f("reasonName*", "不互认原因名称", "name"),
        _f("crossFlag*", "跨市标记", "code", "cross_flag"),
        _f("diagName", "疾病名称", "name"),
        _f("DoctorId*", "医生工号", "code"),
    ), rules=(_diag_name_for_reason_99,)),
    Table("uploadRetrievalRecord", "调阅记录上传(调阅/互认)", guid="reviewId", fields=(
        *_VISIT, *_report_ref(report_id="ReportId"),
        _f("viewTime*", "调阅时间", "dt"),
        _f("operateTime*", "操作时间", "dt"),
        _f("idCardTypeCode*", "身份证件类别代码", "code", "id_card_type"),
        _f("SearchType", "提醒类型", "intish", "search_type"),
        _f("businessNo", "报告业务流水号", "bno"),
        _f("reviewId*", "调阅记录ID(GUID)", "code"),
        _f("crossFlag*", "跨市标记", "code", "cross_flag"),
        _f("DoctorId*", "医生工号", "code"),
        _f("OrderId", "医嘱ID", "code"),
    )),
    Table("uploadQuoteLog", "引用记录上传", guid="quoteId", fields=(
        *_VISIT, *_report_ref(),
        _f("clientType*", "客户端类型", "code", "client_type"),
        _f("idCardTypeCode*", "身份证件类别代码", "code", "id_card_type"),
        _f("doctorId*", "医生工号", "code"),
        _f("quoteId*", "引用记录ID(GUID)", "code"),
        _f("businessNo", "报告业务流水号", "bno"),
        _f("operateTime*", "操作时间", "dt"),
        _f("microbiaMark", "微生物标记", "code", "yes_no"),
    )),
    Table("revokeNonRecognition", "撤销不互认", fields=(
        *_VISIT,
        _f("reportId*", "报告ID", "id"),
        _f("clientType*", "客户端类型", "code", "client_type"),
        _f("idCardTypeCode*", "身份证件类别代码", "code", "id_card_type"),
        _f("doctorId*", "医生工号", "code"),
    )),
)  # fmt: skip

#: whether a record operation's body is an array (True) or one object
RECORD_MANY: dict[str, bool] = {
    "uploadReminderRecords": True, "uploadRecognitionRecord": True, "uploadRetrievalRecord": True,
    "uploadQuoteLog": False, "revokeNonRecognition": False,
}  # fmt: skip
#: a record operation's kind, as /admin/records?kind= names it
RECORD_KIND: dict[str, str] = {
    "uploadReminderRecords": "reminder", "uploadRecognitionRecord": "recognition",
    "uploadRetrievalRecord": "retrieval", "uploadQuoteLog": "quote", "revokeNonRecognition": "revoke",
}  # fmt: skip
RECORD_KINDS: tuple[str, ...] = tuple(RECORD_KIND.values())

BY_OP: dict[str, Table] = {t.op: t for t in (*UPLOADS, DELETE, QUERY_REMINDERS, GET_REPORT, *RECORDS)}
UPLOAD_BY_DATA_TYPE: dict[str, Table] = {t.data_type: t for t in UPLOADS if t.data_type}
#: dataType of a child → nothing; of a report → the child dataTypes that point at it
CHILD_TYPES: dict[str, tuple[str, ...]] = {
    dt: tuple(t.data_type for t in UPLOADS if t.parent == dt and t.data_type) for dt in DATA_TYPES
}
OPERATION_KIND: dict[str, str] = {
    **{t.op: "upload" for t in UPLOADS}, "deleteData": "delete", "queryReminders": "query", "getReport": "query",
    **{t.op: "record" for t in RECORDS},
}  # fmt: skip
OPERATIONS: tuple[str, ...] = tuple(BY_OP)
DEFAULT_PATHS: dict[str, str] = {op: f"/api/v1/{op}" for op in OPERATIONS}


# --------------------------------------------------------------------------------------------------------------
# The checker


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, list):
        return "数组"
    if isinstance(value, dict):
        return "对象"
    if isinstance(value, str):
        return "字符串"
    return "null" if value is None else type(value).__name__


def unknown_key(table: Table, key: str) -> Problem:
    """Why ``key`` is not a field of ``table``, naming the right spelling when only the case differs."""
    by_lower = {f.name.lower(): f.name for f in table.fields}
    squeezed = key.replace("_", "").lower()
    hint = ""
    if squeezed in by_lower:
        hint = f"，字段名大小写不符，应为[{by_lower[squeezed]}]"
    return Problem("UNKNOWN_FIELD", key, f"未知字段[{key}]: 不是{table.cn}({table.op})的字段{hint}")


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def check_value(f: Field, value: Any) -> Problem | None:
    """Type, length, format and code set of one present, non-null value."""
    n, label = f.name, f"字段[{f.name}]({f.cn})"
    if f.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return Problem("TYPE", n, f"{label}类型错误: 应为整数，收到{_kind(value)}")
        text = str(value)
    elif f.type == "intish":
        if isinstance(value, bool) or not isinstance(value, int | str):
            return Problem("TYPE", n, f"{label}类型错误: 应为整数或数字字符串，收到{_kind(value)}")
        text = str(value)
    elif f.type == "strs":
        if not isinstance(value, list):
            return Problem("TYPE", n, f"{label}类型错误: 应为字符串数组，收到{_kind(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                return Problem("TYPE", n, f"{label}第{i + 1}个元素应为非空字符串，收到{_kind(item)}")
            if len(item) > STRS_ITEM_LENGTH:
                return Problem("LENGTH", n, f"{label}第{i + 1}个元素超长: 最多{STRS_ITEM_LENGTH}个字符，"
                                            f"实际{len(item)}个")  # fmt: skip
        return None
    else:
        if not isinstance(value, str):
            return Problem("TYPE", n, f"{label}类型错误: 应为字符串，收到{_kind(value)}")
        text = value
    empty_hint = "，空值请传null或省略该字段" if text == "" else ""
    if f.type == "dt":
        if not TIME_SHAPE.fullmatch(text):
            return Problem("FORMAT", n, f"{label}时间格式错误: 应为yyyy-MM-dd HH:mm:ss，收到[{text[:40]}]{empty_hint}")
        try:
            datetime.strptime(text, TIME_FORMAT)
        except ValueError:
            return Problem("FORMAT", n, f"{label}不是有效的时间: [{text}]")
        return None
    if f.type == "date":
        if not DATE_SHAPE.fullmatch(text):
            return Problem("FORMAT", n, f"{label}日期格式错误: 应为yyyy-MM-dd，收到[{text[:40]}]{empty_hint}")
        try:
            date.fromisoformat(text)
        except ValueError:
            return Problem("FORMAT", n, f"{label}不是有效的日期: [{text}]")
        return None
    limit = f.max_length
    if limit is not None and len(text) > limit:
        return Problem("LENGTH", n, f"{label}超长: 最多{limit}个字符，实际{len(text)}个")
    if f.codes is not None:
        d = DICTS[f.codes]
        if not d.accepts(text):
            return Problem("CODE_VALUE", n,
                           f"{label}代码值[{text[:40]}]不在值域{d.cn}中({d.describe()[:200]}){empty_hint}")
    return None


def check(table: Table, body: Any) -> list[Problem]:
    """Every problem of one row / query / record: the body's shape, unknown keys, then field by field, then the
    table's cross-field rules (only when every field passed, so a rule never reads a malformed value)."""
    if not isinstance(body, Mapping):
        return [Problem("TYPE", None, f"{table.cn}应为JSON对象，收到{_kind(body)}")]
    problems = [unknown_key(table, k) for k in body if k not in table.names]
    for f in table.fields:
        value = body.get(f.name)
        optional_empty = value == "" and not f.required
        if optional_empty and f.type not in ("dt", "date") and f.codes is None:
            continue  # "" in an optional free-text field is no value
        if _is_missing(value) and not optional_empty:
            if f.required:
                problems.append(Problem("REQUIRED", f.name, f"必填字段[{f.name}]({f.cn})为空"))
            continue
        # present, or "" in an optional coded / time field: refused with a hint (unless its code set has "")
        problem = check_value(f, value)
        if problem is None and f.name == table.guid and isinstance(value, str) and not GUID_SHAPE.fullmatch(value):
            problem = Problem("FORMAT", f.name, f"字段[{f.name}]({f.cn})不是GUID: 应为32位十六进制或"
                                                f"8-4-4-4-12格式，收到[{value[:40]}]")  # fmt: skip
        if problem is not None:
            problems.append(problem)
    if not problems:
        for rule in table.rules:
            problems.extend(rule(body))
    return problems


def summarise(problems: Sequence[Problem], limit: int = 5) -> str:
    """The Chinese message of a refusal: the first ``limit`` problems, and how many there are."""
    shown = "；".join(p.message for p in problems[:limit])
    return shown + (f"；等共{len(problems)}个问题" if len(problems) > limit else "")


def spec_json() -> dict[str, Any]:
    """The whole specification as JSON (``GET /admin/spec``), to compare with a client's declarations."""
    return {
        "operations": {op: {"kind": OPERATION_KIND[op], **t.to_json(), "many": RECORD_MANY.get(op)}
                       for op, t in BY_OP.items()},
        "dictionaries": {name: d.to_json() for name, d in DICTS.items()},
        "answerCodes": ANSWER_CODES,
        "lengths": LENGTHS,
        "defaultPaths": DEFAULT_PATHS,
    }  # fmt: skip
