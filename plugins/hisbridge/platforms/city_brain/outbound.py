"""What the hospital sends the 城市大脑 (outbound, as data): the two operations, their bodies as typed models, and
what the city brain's answer codes mean (``include/mappings/city_brain_outbound_answers.yaml``).

==========  ===================  ============================================================================
operation   中文                  bizContent
==========  ===================  ============================================================================
notify      医院数据推送通知      one event: :class:`NotifyEvent` plus ``orgCode``; the city brain dedupes by
                                 ``eventId`` (``<eventType>:<HIS key>``), so a re-send is answered ``0`` again
history     医院历史数据抓取      ``{orgCode, dataType, batchNo, records}``: up to 200 records of one data type
                                 (:data:`DATA_TYPES`), upserted by (dataType, ``recordId``); the answer lists
                                 the records it refused (``data.failed``) and takes the others
==========  ===================  ============================================================================

The models mirror the receiver's field tables (simulators/city_brain/README.md; Nanchang's spec is not public, so
this is our declared analogue) closely enough that a record the city brain would refuse is quarantined here, with
the reason, before anything is sent: required fields, lengths, code sets, times ``yyyy-MM-dd HH:mm:ss``, money as
strings with two decimals (never negative), quantities with at most four decimals, and the cross-field rules
(an event's id names its type; only CHARGED/REFUNDED carry an amount; a bill adds up; a PACS report has a
conclusion and no items …). ``orgCode`` is not a feed field: the client adds the connection's ``org_code``.

Attributes are the wire names themselves (the pipeline validates a feed's wire row and dumps it as it is sent).
A value from the HIS is taken as text where the wire wants text (numbers become their digits, blanks and padding
are stripped, an empty string is no value: the city brain refuses ``""``). Long free text (a report's findings
and conclusion, an event's summary) is cut to the wire's limit with ``…`` rather than refused. Nothing here names
a patient: the city brain knows the patient by ``patientId`` only (names, ID numbers and phones are never fields).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar

import orjson
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from hisbridge import MAPPINGS_DIR
from hisbridge.platforms.city_brain.fields import DateTimeText, Money

ANSWERS_FILE = MAPPINGS_DIR / "city_brain_outbound_answers.yaml"
OK = "0"
#: the most records (and the most items of a record) one history call carries
MAX_RECORDS = 200
MAX_ITEMS = 200
SUMMARY_MAX = 200
TEXT_MAX = 2000

EVENT_TYPES: dict[str, str] = {
    "REGISTERED": "挂号", "REGISTRATION_CANCELLED": "退号", "CHECKED_IN": "签到", "ORDERED": "开单",
    "REPORT_READY": "报告已出", "CHARGED": "收费", "REFUNDED": "退费",
}  # fmt: skip
#: the events that carry an amount (and only they do)
MONEY_EVENTS = frozenset({"CHARGED", "REFUNDED"})
#: the events of a registration: an outpatient or emergency visit by definition
REGISTRATION_EVENTS = frozenset({"REGISTERED", "REGISTRATION_CANCELLED"})

#: what a patient identifier looks like in free text (a summary must carry none)
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
T = TypeVar("T")


# ------------------------------------------------------------------------------------------------ wire types


def _text(value: Any) -> Any:
    """A HIS value as wire text: digits of a number, no padding (Oracle CHAR), ``""`` as no value."""
    if isinstance(value, bool):
        return value  # refused by the string type: never a flag as text
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _clip(limit: int):
    def clip(value: str) -> str:
        return value if len(value) <= limit else value[: limit - 1] + "…"

    return clip


def _quantity(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("数量须为数字") from None
    return value


def _write_quantity(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _no_empty_list(value: Any) -> Any:
    return None if isinstance(value, list) and not value else value


def _blank_is_none(value: Any) -> Any:
    """An optional field's blank text is no value (the city brain refuses ``""`` in an optional field)."""
    return None if isinstance(value, str) and not value.strip() else value


def _cents(value: Decimal) -> Decimal:
    """To the cent before any sum is checked: SQLite's REAL arithmetic (``fund + acct``) leaves binary dust."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


#: an optional wire field: blank text is no value (left out), anything else is checked as ``T``
Opt = Annotated[T | None, BeforeValidator(_blank_is_none)]

Code = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=50)]
Key = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=64)]
EventKey = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=128)]
Name = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=100)]
LongText = Annotated[str, BeforeValidator(_text), AfterValidator(_clip(TEXT_MAX)), Field(min_length=1)]
Summary = Annotated[str, BeforeValidator(_text), AfterValidator(_clip(SUMMARY_MAX)), Field(min_length=1)]
Amount = Annotated[Money, AfterValidator(_cents), Field(ge=0)]
Quantity = Annotated[
    Decimal, BeforeValidator(_quantity), Field(ge=0), PlainSerializer(_write_quantity, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d{1,4})?$", "examples": ["2", "0.5"]}),
]
Count = Annotated[int, Field(ge=0)]
EventType = Literal["REGISTERED", "REGISTRATION_CANCELLED", "CHECKED_IN", "ORDERED", "REPORT_READY", "CHARGED",
                    "REFUNDED"]
VisitType = Annotated[Literal["1", "2", "4"], BeforeValidator(_text)]
PayType = Annotated[Literal["0", "1", "2"], BeforeValidator(_text)]
YesNo = Annotated[Literal["0", "1"], BeforeValidator(_text)]


class OutboundBody(BaseModel):
    """A body we send: wire names as attributes, unknown keys refused (a feed's YAML that names a field the city
    brain does not know fails when the feed is checked, not on the wire)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------------------------------ notify


class NotifyEvent(OutboundBody):
    """医院数据推送通知 — one event of a visit (the client adds ``orgCode``)."""

    eventId: EventKey = Field(description="事件ID：<eventType>:<HIS业务键>，城市大脑据此去重（重发安全）")
    eventType: EventType = Field(description="事件类型：REGISTERED 挂号、REGISTRATION_CANCELLED 退号、CHECKED_IN 签到、"
                                             "ORDERED 开单、REPORT_READY 报告已出、CHARGED 收费、REFUNDED 退费")
    patientId: Code = Field(description="患者ID（HIS患者主索引）")
    visitId: Code = Field(description="就诊ID：门急诊挂号ID或住院号")
    visitType: VisitType = Field(description="就诊类型：1 门诊、2 急诊、4 住院")
    occurredAt: DateTimeText = Field(description="事件发生时间 yyyy-MM-dd HH:mm:ss")
    deptCode: Code = Field(description="科室代码")
    deptName: Name = Field(description="科室名称")
    doctorCode: Opt[Code] = Field(None, description="医生工号（普通号挂号时可能尚无医生）")
    doctorName: Opt[Name] = Field(None, description="医生姓名")
    summary: Summary = Field(description="事件摘要：中文短句，不含患者身份信息（最多200字，超长截断）")
    amount: Opt[Amount] = Field(None, description="金额（元，两位小数）：仅收费/退费事件携带且必填；退费为退回的正数金额")
    itemCount: Opt[Count] = Field(None, description="项目数（开单的药品/项目数、报告的结果数、收费的明细数）")
    registrationEventId: Opt[Key] = Field(
        None, exclude=True,
        description="该就诊挂号事件的eventId（REGISTERED:<挂号ID>）：门急诊事件须在其挂号事件送达后才推送；"
                    "住院事件与挂号事件本身为空。仅供流水线核对父记录，不上送城市大脑")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = []
        prefix = f"{self.eventType}:"
        if not self.eventId.startswith(prefix) or len(self.eventId) == len(prefix):
            problems.append(f"eventId 须为 {prefix}<HIS业务键>")
        if self.eventType in MONEY_EVENTS and self.amount is None:
            problems.append(f"{EVENT_TYPES[self.eventType]}事件须有 amount")
        if self.eventType not in MONEY_EVENTS and self.amount is not None:
            problems.append("amount 仅收费/退费事件携带")
        if self.eventType in REGISTRATION_EVENTS and self.visitType not in ("1", "2"):
            problems.append("挂号/退号事件的 visitType 须为 1 门诊或 2 急诊")
        if _ID_NUMBER.search(self.summary) or _MOBILE.search(self.summary):
            problems.append("summary 含疑似身份证号或手机号")
        if problems:
            raise ValueError("；".join(problems))
        return self


# ------------------------------------------------------------------------------------------------ history records


class VisitRecord(OutboundBody):
    """就诊记录 (dataType ``visit``)."""

    recordId: Key = Field(description="记录ID：就诊ID（门急诊挂号ID或住院号）")
    patientId: Code = Field(description="患者ID")
    visitId: Code = Field(description="就诊ID：门急诊挂号ID或住院号")
    visitType: VisitType = Field(description="就诊类型：1 门诊、2 急诊、4 住院")
    deptCode: Code = Field(description="科室代码")
    deptName: Name = Field(description="科室名称")
    doctorCode: Opt[Code] = Field(None, description="医生工号")
    doctorName: Opt[Name] = Field(None, description="医生姓名")
    visitTime: DateTimeText = Field(description="就诊时间：挂号时间或入院时间")
    dischargeTime: Opt[DateTimeText] = Field(None, description="出院时间（仅住院）")
    diagnosisCode: Opt[Code] = Field(None, description="主诊断代码（ICD-10）")
    diagnosisName: Opt[Name] = Field(None, description="主诊断名称")
    payType: Opt[PayType] = Field(None, description="付费方式：0 普通、1 医保先诊疗后付费、2 银联卡先诊疗后付费")
    cancelled: Opt[YesNo] = Field(None, description="是否已退号/取消：0 否、1 是")

    @model_validator(mode="after")
    def _discharge(self) -> Self:
        if self.dischargeTime is not None:
            if self.visitType != "4":
                raise ValueError("dischargeTime 仅住院（visitType 4）填写")
            if self.dischargeTime < self.visitTime:
                raise ValueError("dischargeTime 早于 visitTime")
        return self


class BillRecord(OutboundBody):
    """收费结算 (dataType ``bill``)."""

    recordId: Key = Field(description="记录ID：结算单号")
    billNo: Key = Field(description="结算单号（门急诊收费单号或住院医保结算ID）")
    patientId: Code = Field(description="患者ID")
    visitId: Code = Field(description="就诊ID")
    visitType: Opt[VisitType] = Field(None, description="就诊类型：1 门诊、2 急诊、4 住院")
    invoiceNo: Opt[Key] = Field(None, description="发票号（电子票据号码）")
    totalAmount: Amount = Field(description="总金额（元）")
    insuranceAmount: Amount = Field(description="医保支付（元：统筹基金与个人账户）")
    selfAmount: Amount = Field(description="个人支付（元）")
    paidAt: DateTimeText = Field(description="结算时间")
    status: Annotated[Literal["1", "2", "3"], BeforeValidator(_text)] = Field(
        description="结算状态：1 已收费、2 已全额退费、3 部分退费")
    refundAmount: Opt[Amount] = Field(None, description="退费金额（元，累计；仅退费状态）")
    refundedAt: Opt[DateTimeText] = Field(None, description="退费时间（最近一次；仅退费状态）")
    payType: Opt[PayType] = Field(None, description="付费方式：0 普通、1 医保先诊疗后付费、2 银联卡先诊疗后付费")

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        problems = []
        if self.insuranceAmount + self.selfAmount != self.totalAmount:
            problems.append("insuranceAmount + selfAmount ≠ totalAmount")
        if self.status == "1":
            problems += [f"已收费（status 1）不填 {k}" for k in ("refundAmount", "refundedAt")
                         if getattr(self, k) is not None]
        else:
            problems += [f"退费（status {self.status}）须有 {k}" for k in ("refundAmount", "refundedAt")
                         if getattr(self, k) is None]
            refund = self.refundAmount
            if refund is not None and self.status == "2" and refund != self.totalAmount:
                problems.append("全额退费（status 2）的 refundAmount 须等于 totalAmount")
            if refund is not None and self.status == "3" and not 0 < refund < self.totalAmount:
                problems.append("部分退费（status 3）的 refundAmount 须大于 0 且小于 totalAmount")
            if self.refundedAt is not None and self.refundedAt < self.paidAt:
                problems.append("refundedAt 早于 paidAt")
        if problems:
            raise ValueError("；".join(problems))
        return self


class PrescriptionItem(OutboundBody):
    """处方明细 (an item of a prescription)."""

    itemCode: Code = Field(description="药品/项目代码")
    itemName: Name = Field(description="药品/项目名称")
    spec: Opt[Name] = Field(None, description="规格")
    dosage: Opt[Code] = Field(None, description="单次剂量（含单位，如 0.5g）")
    frequency: Opt[Code] = Field(None, description="频次（如 tid）")
    route: Opt[Name] = Field(None, description="给药途径")
    days: Opt[Count] = Field(None, description="天数")
    quantity: Quantity = Field(description="数量（最多4位小数）")
    unit: Code = Field(description="数量单位")
    amount: Opt[Amount] = Field(None, description="金额（元）")
    doseUnit: Opt[Code] = Field(
        None, exclude=True,
        description="单次剂量单位：HIS 分开保存剂量数值与单位时映射于此，与 dosage 的数值合成 dosage（如 0.5g）；本身不上送")

    @model_validator(mode="before")
    @classmethod
    def _dosage(cls, data: Any) -> Any:
        """A numeric dose and its unit become the wire's dosage text: ``0.500`` + ``g`` → ``0.5g``."""
        if not isinstance(data, Mapping) or data.get("doseUnit") in (None, ""):
            return data
        dose = _quantity(data.get("dosage"))
        if isinstance(dose, Decimal):
            return {**data, "dosage": f"{_write_quantity(dose)}{str(data['doseUnit']).strip()}"}
        return data


class PrescriptionRecord(OutboundBody):
    """处方 (dataType ``prescription``) with its items."""

    recordId: Key = Field(description="记录ID：处方号")
    prescriptionNo: Key = Field(description="处方号")
    patientId: Code = Field(description="患者ID")
    visitId: Code = Field(description="就诊ID（挂号ID）")
    prescriptionType: Opt[Annotated[Literal["1", "2", "3"], BeforeValidator(_text)]] = Field(
        None, description="处方类别：1 西药、2 中成药、3 中草药")
    deptCode: Code = Field(description="开方科室代码")
    deptName: Opt[Name] = Field(None, description="开方科室名称")
    doctorCode: Code = Field(description="开方医生工号")
    doctorName: Opt[Name] = Field(None, description="开方医生姓名")
    issuedAt: DateTimeText = Field(description="开方时间")
    totalAmount: Opt[Amount] = Field(
        None, description="处方金额（元）：未映射时，各明细均有金额则取其和（总与明细必然相符）")
    items: list[PrescriptionItem] = Field(min_length=1, max_length=MAX_ITEMS, description="处方明细（1–200项）")

    @model_validator(mode="before")
    @classmethod
    def _total_of_items(cls, data: Any) -> Any:
        """No totalAmount mapped and every item priced: the total is their sum."""
        if not isinstance(data, Mapping) or data.get("totalAmount") is not None:
            return data
        items = data.get("items")
        if not isinstance(items, list) or not items:
            return data
        amounts = [_quantity(i.get("amount")) if isinstance(i, Mapping) else None for i in items]
        if any(not isinstance(a, Decimal) for a in amounts):
            return data
        return {**data, "totalAmount": sum((_cents(a) for a in amounts), Decimal("0"))}

    @model_validator(mode="after")
    def _total(self) -> Self:
        amounts = [i.amount for i in self.items]
        if self.totalAmount is not None and None not in amounts and sum(amounts, Decimal("0")) != self.totalAmount:
            raise ValueError("totalAmount 不等于各明细 amount 之和")
        return self


class ReportItem(OutboundBody):
    """检验结果 (an item of a lab report)."""

    itemCode: Code = Field(description="检验项目代码")
    itemName: Name = Field(description="检验项目名称")
    result: Name = Field(description="结果（定量值、定性结果或培养结果）")
    unit: Opt[Code] = Field(None, description="单位")
    refRange: Opt[Name] = Field(None, description="参考范围")
    abnormalFlag: Opt[Annotated[Literal["N", "H", "L", "A"], BeforeValidator(_text)]] = Field(
        None, description="异常标识：N 正常、H 偏高、L 偏低、A 异常")


class ReportRecord(OutboundBody):
    """检查检验报告 (dataType ``report``): a lab report (LIS) with its results, or an exam report (PACS)."""

    recordId: Key = Field(description="记录ID：<reportType>-<报告单号>")
    reportId: Key = Field(description="报告单号")
    reportType: Literal["LIS", "PACS"] = Field(description="报告类型：LIS 检验、PACS 检查")
    patientId: Code = Field(description="患者ID")
    visitId: Code = Field(description="就诊ID：门急诊挂号ID或住院号")
    itemCode: Opt[Code] = Field(None, description="检查/检验项目代码")
    itemName: Name = Field(description="检查/检验项目名称")
    deptCode: Opt[Code] = Field(None, description="申请科室代码")
    specimenName: Opt[Name] = Field(None, description="标本（检验）")
    reportTime: DateTimeText = Field(description="报告时间")
    findings: Opt[LongText] = Field(None, description="检查所见/结果描述（最多2000字，超长截断）")
    conclusion: Opt[LongText] = Field(None, description="结论/诊断意见（最多2000字，超长截断）")
    abnormal: Opt[YesNo] = Field(None, description="是否异常：0 否、1 是")
    items: Annotated[list[ReportItem] | None, BeforeValidator(_no_empty_list)] = Field(
        None, max_length=MAX_ITEMS, description="检验结果（仅检验报告；无结果时不填）")

    @model_validator(mode="after")
    def _content(self) -> Self:
        if self.reportType == "PACS":
            if self.conclusion is None:
                raise ValueError("检查报告（PACS）须有 conclusion")
            if self.items is not None:
                raise ValueError("检查报告（PACS）不带 items")
        elif self.items is None and self.conclusion is None:
            raise ValueError("检验报告（LIS）须有 items 或 conclusion")
        return self


# ------------------------------------------------------------------------------------------------ operations


@dataclass(frozen=True)
class DataType:
    """A history data type: its record model and the field the city brain upserts it by."""

    name: str
    title: str
    record: type[OutboundBody]
    key: str = "recordId"


DATA_TYPES: dict[str, DataType] = {d.name: d for d in (
    DataType("visit", "就诊记录", VisitRecord),
    DataType("bill", "收费结算", BillRecord),
    DataType("prescription", "处方", PrescriptionRecord),
    DataType("report", "检查检验报告", ReportRecord),
)}  # fmt: skip


@dataclass(frozen=True)
class Operation:
    name: str
    title: str
    default_path: str


OPERATIONS: dict[str, Operation] = {o.name: o for o in (
    Operation("notify", "医院数据推送通知", "/api/v1/notify"),
    Operation("history", "医院历史数据抓取", "/api/v1/history"),
)}  # fmt: skip


# ------------------------------------------------------------------------------------------------ answers


class AnswerClass(StrEnum):
    """What an answer code means to hisbridge (the YAML's ``class``)."""

    OK = "ok"
    REFUSED = "refused"
    MISCONFIGURED = "misconfigured"
    BUSY = "busy"
    UNKNOWN = "unknown"


class AnswerCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    answer_class: AnswerClass = Field(alias="class", description="hisbridge 的处理方式")
    title: str = Field(description="中文含义")


class AnswerCodes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    codes: dict[str, AnswerCode]
    otherwise: AnswerClass = AnswerClass.REFUSED

    @field_validator("codes")
    @classmethod
    def _success_is_ok(cls, value: dict[str, AnswerCode]) -> dict[str, AnswerCode]:
        if value.get(OK) is None or value[OK].answer_class is not AnswerClass.OK:
            raise ValueError(f'code "{OK}" (success) must be declared with class ok')
        return value

    def classify(self, code: str | None) -> AnswerClass:
        known = self.codes.get(str(code)) if code is not None else None
        return known.answer_class if known else self.otherwise

    def title(self, code: str) -> str | None:
        known = self.codes.get(code)
        return known.title if known else None


@cache
def load_answer_codes(path: Path = ANSWERS_FILE) -> AnswerCodes:
    return AnswerCodes.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Reply:
    """The city brain's answer envelope ``{"code", "message", "requestId", "data"}``."""

    code: str
    message: str
    request_id: str | None
    data: Any


def read_reply(text: str | None) -> Reply | None:
    """The envelope, or ``None`` when the text is not one (a proxy's HTML, an empty body, JSON without a code)."""
    try:
        raw = orjson.loads(text or "")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(raw, Mapping) or raw.get("code") in (None, "") or isinstance(raw.get("code"), dict | list):
        return None
    words, request_id = raw.get("message", raw.get("msg")), raw.get("requestId")
    return Reply(code=str(raw["code"]), message="" if words is None else str(words),
                 request_id=None if request_id in (None, "") else str(request_id), data=raw.get("data"))
