"""The hospital's answers as the city brain reads them: every endpoint of ``docs/city_brain_api.md`` (26 queries and
``health``) as data — path, Chinese title, list or single object, the request parameters, the answer's fields —
and :func:`check`, which says in Chinese what is wrong with one answer's ``data``.

Written from the published spec, never from ``hisbridge`` (nothing here imports it): the hospital's models and this
table are two readings of the same document, so a slip in one (a field name, a code, a format) shows in the other.
``tests/simulators/city_brain/test_responses.py`` compares the two with the document itself.

Field kinds (:class:`Field`; ``null`` or absent is "no value"):

========== =====================================================================================================
kind       a present value must be
========== =====================================================================================================
``text``   a non-blank JSON string (and match ``pattern`` when the docs give a 格式)
``code``   a JSON string among ``codes`` (the docs' ``代码：`` types, and 文本 fields whose 说明 lists a closed set)
``int``    a JSON integer ≥ 0 (never a boolean, never a string)
``number`` a JSON number ≥ 0 (``latencyMs``)
``money``  a string with exactly two decimals, not negative: ``"12.50"``, ``"0.00"``
``date``   a real date written ``yyyy-MM-dd``
``dt``     a real time written ``yyyy-MM-dd HH:mm:ss``
``list``   a JSON array of objects, each checked against ``table``
``object`` a JSON object checked against ``table``
========== =====================================================================================================

A required field (the docs' 必填 是) must be present, non-null and non-blank; ``""`` in an optional field is a
problem too (the docs write "为空": null). Unknown keys are problems (a case-only slip names the right spelling;
a patient identity key — name, ID number, phone, address — says so). Outside ``patientProfile``, the only answer
whose docs mark 个人信息 fields, a text that holds a resident ID number (with a valid check digit) is a problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from simulators.city_brain.spec import ID_NUMBER_IN_TEXT, MONEY_SHAPE, PII_KEYS, TIME_FORMAT, TIME_SHAPE

Kind = Literal["text", "code", "int", "number", "money", "date", "dt", "list", "object"]
DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DECIMAL_TEXT = r"^-?\d+(\.\d+)?$"  # the docs' 格式 of a quantity or a dose
DEFAULT_PAGE_NO, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 1, 50, 200
PAGE_KEYS = ("total", "pageNo", "pageSize", "list")
QUOTE = 30  # at most this many characters of a wrong value are quoted (never of a personal field)


def codes(text: str) -> dict[str, str]:
    """``"1 门诊、2 急诊"`` → ``{"1": "门诊", "2": "急诊"}`` (the docs' way of listing a code set)."""
    found = {}
    for part in text.split("、"):
        value, _, meaning = part.strip().partition(" ")
        found[value] = meaning
    return found


# ------------------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Field:
    name: str
    cn: str
    kind: Kind = "text"
    required: bool = False
    codes: Mapping[str, str] | None = None  # kind "code"
    pattern: str | None = None  # kind "text": the docs' 格式
    table: Table | None = None  # kind "list" / "object"
    pii: bool = False  # the docs' 个人信息: never quoted in a problem
    max_length: int | None = None  # request parameters: the docs' 文本 ≤N

    def __post_init__(self) -> None:
        if (self.kind == "code") != (self.codes is not None):
            raise ValueError(f"field {self.name}: a code field, and only it, has codes")
        if (self.kind in ("list", "object")) != (self.table is not None):
            raise ValueError(f"field {self.name}: a list or object field, and only it, has a table")


def _f(spelling: str, cn: str, kind: Kind = "text", values: str | None = None, *, table: Table | None = None,
       pattern: str | None = None, pii: bool = False, max_length: int | None = None) -> Field:  # fmt: skip
    """``_f("visitType*", "就诊类型", "code", "1 门诊、2 急诊")`` — a trailing ``*`` marks the field required."""
    return Field(spelling.rstrip("*"), cn, kind, spelling.endswith("*"), codes(values) if values else None, pattern,
                 table, pii, max_length)  # fmt: skip


#: one row's cross-field rule: Chinese problems (each naming its field) of a row whose fields passed
Rule = Callable[[Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class Table:
    name: str  # the docs' type name where it has one (BillLine), else the endpoint's
    cn: str
    fields: tuple[Field, ...]
    key: str | None = None  # the field naming a row in a problem (never a personal one)
    rules: tuple[Rule, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class Endpoint:
    path: str  # POST /city-brain/api/v1/<path>
    title: str
    many: bool  # a paged list ``{total, pageNo, pageSize, list}``, or one object (2004 when there is none)
    params: tuple[Field, ...]  # bizContent
    answer: Table  # one list item, or the object
    #: the answer field the date range selects on (its date must lie in [startDate, endDate])
    range_field: str | None = None
    #: the field a page is ordered by first (a time or date: text order is time order)
    order: str | None = None
    #: the docs mark personal fields in this answer (patientProfile only)
    personal: bool = False

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def paged(self) -> bool:
        """The caller can ask for a page (``pageNo``): a list without it comes whole in its first page."""
        return "pageNo" in self.param_names


# ---- code sets the docs repeat

VISIT_OE = "1 门诊、2 急诊"
VISIT_ANY = "1 门诊、2 急诊、4 住院"
TIME_SLOT = "1 上午、2 下午、3 晚间"
VISIT_STATUS = "0 候诊、1 已叫号、2 已就诊、3 过号/未到"
REG_STATUS = "1 有效、2 已退号、3 已退费"
PAY_TYPE = "0 普通、1 医保先诊疗后付费、2 银联卡先诊疗后付费"
YES_NO = "1 是、0 否"
GENDER = "0 未知、1 男、2 女、9 未说明"  # GB/T 2261.1 (the docs name the standard and its two common codes)
REPORT_STATUS = "1 已出报告、2 已更正、9 已撤回"
CHARGE_STATUS = "0 未收费、1 已收费、2 已退费"
PAY_CHANNEL = "cash 现金、card 银行卡、wechat 微信、alipay 支付宝、none 无需个人支付"
ITEM_KIND = "drug 药品、item 医疗服务项目、material 医用耗材"
FEE_CAT = ("01 床位费、02 诊察费、03 检查费、04 化验费、05 治疗费、06 手术费、07 护理费、08 卫生材料费、09 西药费、"
           "10 中药饮片费、11 中成药费、12 一般诊疗费、13 挂号费、14 其他费")  # fmt: skip
RECORD_TYPE = "01 门（急）诊病历、02 急诊留观记录、03 入院记录、04 首次病程记录、05 日常病程记录、06 出院记录"
ID_CARD_TYPE = "01 居民身份证、02 居民户口簿、03 护照、06 港澳居民来往内地通行证、07 台湾居民来往大陆通行证、99 其他"
UP_DOWN = "UP 正常、DOWN 不可用"


# ---- cross-field rules (run on a row whose fields passed their own checks)


def _money(value: Any) -> Decimal | None:
    return Decimal(value) if isinstance(value, str) and MONEY_SHAPE.fullmatch(value) else None


def _refunded_matches(status_field: str, *, normal: str, whole: str, part: str) -> Rule:
    def rule(row: Mapping[str, Any]) -> list[str]:
        status, total, refunded = row.get(status_field), _money(row.get("totalAmount")), _money(row.get("refundedAmount"))
        if total is None or refunded is None:
            return []
        fits = {normal: refunded == 0, whole: refunded == total, part: 0 < refunded < total}.get(status, True)
        if not fits:
            return [f"字段[{status_field}]为{status}，但refundedAmount[{row['refundedAmount']}]与totalAmount"
                    f"[{row['totalAmount']}]不符(正常为0、全额等于总额、部分介于两者之间)"]
        return []

    rule.__doc__ = f"{status_field}与refundedAmount一致(正常为0、全额等于totalAmount、部分介于两者之间)"
    return rule


_bill_status_refunds = _refunded_matches("billStatus", normal="1", whole="3", part="2")
_void_flag_refunds = _refunded_matches("voidFlag", normal="0", whole="1", part="2")


def _lines_make_the_bill(row: Mapping[str, Any]) -> list[str]:
    """itemCount等于lines条数，lines金额之和等于totalAmount(门诊缴费详情含全部明细)"""
    lines = row.get("lines")
    if lines is None:
        return []
    found = []
    if row.get("itemCount") != len(lines):
        found.append(f"字段[itemCount]为{row.get('itemCount')}，但lines有{len(lines)}条")
    amounts = [_money(line.get("amount")) for line in lines]
    total = _money(row.get("totalAmount"))
    if lines and None not in amounts and total is not None and sum(amounts, Decimal("0.00")) != total:  # type: ignore[arg-type]
        found.append(f"lines金额之和[{sum(amounts, Decimal('0.00'))}]不等于totalAmount[{row['totalAmount']}]")  # type: ignore[arg-type]
    return found


def _refund_lines_are_this_refund(row: Mapping[str, Any]) -> list[str]:
    """退费明细均为已退费(lineStatus 2)且refundNo为本次退费单号"""
    return [f"lines[{i}]: 本次退费的明细应为lineStatus 2且refundNo为[{row.get('refundNo')}]"
            for i, line in enumerate(row.get("lines") or [])
            if line.get("lineStatus") != "2" or line.get("refundNo") != row.get("refundNo")]  # fmt: skip


def _line_refund_no(row: Mapping[str, Any]) -> list[str]:
    """已退费明细(lineStatus 2)有refundNo，正常明细没有"""
    if (row.get("lineStatus") == "2") != (row.get("refundNo") is not None):
        return [f"字段[refundNo]与lineStatus[{row.get('lineStatus')}]不符(已退费时才有退费单号)"]
    return []


def _fee_cats_make_the_total(row: Mapping[str, Any]) -> list[str]:
    """feeCats金额之和等于totalAmount"""
    cats, total = row.get("feeCats"), _money(row.get("totalAmount"))
    if not cats or total is None:
        return []
    amounts = [_money(c.get("amount")) for c in cats]
    if None not in amounts and sum(amounts, Decimal("0.00")) != total:  # type: ignore[arg-type]
        return [f"feeCats金额之和[{sum(amounts, Decimal('0.00'))}]不等于totalAmount[{row['totalAmount']}]"]  # type: ignore[arg-type]
    return []


def _present_when(field: str, status_field: str, present: frozenset[str], absent: frozenset[str]) -> Rule:
    def rule(row: Mapping[str, Any]) -> list[str]:
        status = row.get(status_field)
        if status in present and row.get(field) is None:
            return [f"字段[{status_field}]为{status}时字段[{field}]不应为空"]
        if status in absent and row.get(field) is not None:
            return [f"字段[{status_field}]为{status}时字段[{field}]应为空"]
        return []

    rule.__doc__ = f"{field}仅在{status_field}为{'/'.join(sorted(present))}时填写"
    return rule


def _visit_ids_agree(row: Mapping[str, Any]) -> list[str]:
    """visitId为门急诊的regId或住院的admId"""
    visit_type, visit_id = row.get("visitType"), row.get("visitId")
    own = row.get("admId") if visit_type == "4" else row.get("regId")
    name = "admId" if visit_type == "4" else "regId"
    if visit_id is not None and own is not None and visit_id != own:
        return [f"字段[visitId][{visit_id}]应等于{name}[{own}](visitType {visit_type})"]
    if visit_type == "4" and row.get("regId") is not None:
        return ["住院(visitType 4)的记录不应有regId"]
    if visit_type in ("1", "2") and row.get("admId") is not None:
        return [f"门急诊(visitType {visit_type})的记录不应有admId"]
    return []


def _visit_has_its_id(row: Mapping[str, Any]) -> list[str]:
    """就诊登记: 门急诊有regId，住院有admId"""
    name = "admId" if row.get("visitType") == "4" else "regId"
    return [] if row.get(name) is not None else [f"visitType {row.get('visitType')}的就诊登记字段[{name}]不应为空"]


def _revised_report(row: Mapping[str, Any]) -> list[str]:
    """已更正(reportStatus 2)的报告revision至少为2，revision从1起"""
    revision = row.get("revision")
    if isinstance(revision, int) and revision < 1:
        return [f"字段[revision]为{revision}，版本号从1起"]
    if row.get("reportStatus") == "2" and isinstance(revision, int) and revision < 2:
        return [f"已更正(reportStatus 2)的报告字段[revision]应至少为2，实际{revision}"]
    return []


def _session_in_order(row: Mapping[str, Any]) -> list[str]:
    """sessionStart早于sessionEnd，且同为stopDate当天"""
    start, end, day = row.get("sessionStart", ""), row.get("sessionEnd", ""), row.get("stopDate", "")
    found = []
    if start >= end:
        found.append(f"字段[sessionStart][{start}]不早于sessionEnd[{end}]")
    if not start.startswith(day):
        found.append(f"字段[sessionStart][{start}]不在stopDate[{day}]当天")
    return found


def _queue_counts(row: Mapping[str, Any]) -> list[str]:
    """waitingCount小于queueTotal"""
    waiting, total = row.get("waitingCount"), row.get("queueTotal")
    if isinstance(waiting, int) and isinstance(total, int) and waiting >= max(total, 1):
        return [f"字段[waitingCount]为{waiting}，不小于queueTotal[{total}]"]
    return []


def _health_adds_up(row: Mapping[str, Any]) -> list[str]:
    """status为UP当且仅当his与ledger均为UP"""
    parts_up = all((row.get(k) or {}).get("status") == "UP" for k in ("his", "ledger"))
    if (row.get("status") == "UP") != parts_up:
        return [f"字段[status]为{row.get('status')}，与his、ledger的状态不符(UP须两者均正常)"]
    return []



# ---- nested tables

BILL_LINE = Table("BillLine", "收费明细", (
    _f("lineNo*", "明细序号", "int"),
    _f("itemKind*", "项目类别", "code", ITEM_KIND),
    _f("itemCode*", "项目代码"),
    _f("itemName*", "项目名称"),
    _f("spec", "规格"),
    _f("unit", "单位"),
    _f("feeCat*", "医疗收费项目类别", "code", FEE_CAT),
    _f("feeCatName", "医疗收费项目类别名称"),
    _f("qty*", "数量", pattern=DECIMAL_TEXT),
    _f("unitPrice*", "单价", "money"),
    _f("amount*", "金额", "money"),
    _f("execDeptCode", "执行科室代码"),
    _f("execDeptName", "执行科室名称"),
    _f("sourceNo", "来源单号"),
    _f("lineStatus*", "明细状态", "code", "1 正常、2 已退费"),
    _f("refundNo", "退费单号"),
), key="lineNo", rules=(_line_refund_no,))  # fmt: skip

ORDER_ITEM = Table("OrderItem", "项目明细", (
    _f("seqNo*", "序号", "int"),
    _f("itemCode*", "项目代码"),
    _f("itemName*", "项目名称"),
    _f("spec", "规格"),
    _f("dose", "单次剂量", pattern=DECIMAL_TEXT),
    _f("doseUnit", "剂量单位"),
    _f("frequency", "用药频次"),
    _f("route", "给药途径"),
    _f("qty", "总量", pattern=DECIMAL_TEXT),
    _f("unit", "总量单位"),
), key="seqNo")  # fmt: skip

EXAM_ITEM = Table("ExamItem", "检查项目及结果", (
    _f("seqNo*", "序号", "int"),
    _f("itemCode*", "检查项目代码"),
    _f("itemName*", "检查项目名称"),
    _f("resultFlag", "检查结果", "code", "N 未见异常、A 异常、U 不确定"),
    _f("quantValue", "测量值"),
    _f("quantUnit", "测量单位"),
), key="seqNo")  # fmt: skip

LAB_RESULT = Table("LabResult", "检验结果", (
    _f("seqNo*", "序号", "int"),
    _f("itemCode*", "检验项目代码"),
    _f("itemName*", "检验项目名称"),
    _f("resultKind*", "结果类型", "code", "N 定量、Q 定性、G 培养菌株、A 药敏"),
    _f("quantValue", "定量结果"),
    _f("unit", "单位"),
    _f("refLow", "参考范围下限"),
    _f("refHigh", "参考范围上限"),
    _f("abnFlag", "结果提示", "code", "N 正常、H 偏高、L 偏低"),
    _f("qualResult", "定性结果"),
    _f("germCode", "细菌代码"),
    _f("germName", "细菌名称"),
    _f("testTime", "检测时间", "dt"),
), key="seqNo")  # fmt: skip

#: a 收费单 as 收费确认查询 lists it; 门诊缴费详情 answers the same fields and its lines
CHARGE_BILL: tuple[Field, ...] = (
        _f("billNo*", "收费单号"),
        _f("patientId*", "病人ID"),
        _f("regId", "挂号ID"),
        _f("visitType*", "就诊类型", "code", VISIT_OE),
        _f("deptCode*", "就诊科室代码"),
        _f("deptName", "就诊科室名称"),
        _f("doctorCode", "接诊医生工号"),
        _f("doctorName", "接诊医生姓名"),
        _f("paidAt*", "收费时间", "dt"),
        _f("totalAmount*", "总金额", "money"),
        _f("insuranceAmount*", "医保支付", "money"),
        _f("selfAmount*", "个人自付", "money"),
        _f("refundedAmount*", "已退费金额", "money"),
        _f("payChannel*", "支付渠道", "code", PAY_CHANNEL),
        _f("payChannelName", "支付渠道名称"),
        _f("payType*", "先诊疗后付费类型", "code", PAY_TYPE),
        _f("setlId", "医保结算ID"),
        _f("invoiceCode", "电子票据代码"),
        _f("invoiceNo", "电子票据号码"),
        _f("billStatus*", "收费单状态", "code", "1 正常、2 部分退费、3 全额退费"),
        _f("itemCount*", "明细条数", "int"),
)  # fmt: skip

STAFF_ROLE = "doctor 医生、nurse 护士、pharmacist 药师、technician 医技、clerk 其他"

FEE_CAT_AMOUNT = Table("FeeCat", "按医疗收费项目类别的金额", (
    _f("feeCat*", "医疗收费项目类别", "code", FEE_CAT),
    _f("feeCatName", "医疗收费项目类别名称"),
    _f("amount*", "金额", "money"),
), key="feeCat")  # fmt: skip

COMPONENT = Table("Component", "组件状态", (
    _f("status*", "状态", "code", UP_DOWN),
    _f("latencyMs", "探测查询用时(毫秒)", "number"),
))  # fmt: skip

PUSH_QUEUE = Table("PushQueue", "推送积压", (
    _f("unsent", "未送达的推送记录数", "int"),
    _f("oldestAgeSeconds", "最早一条未送达记录已等待的秒数", "int"),
    _f("oldestAt", "最早一条未送达记录的产生时间", "dt"),
))  # fmt: skip

# ---- request parameters


def _page_params() -> tuple[Field, ...]:
    return (_f("pageNo", "页码", "int"), _f("pageSize", "每页条数", "int"))


def _range_params(required: bool = True) -> tuple[Field, ...]:
    star = "*" if required else ""
    return (_f(f"startDate{star}", "开始日期", "date"), _f(f"endDate{star}", "结束日期", "date"))


def _id(spelling: str, cn: str, length: int = 20) -> Field:
    return _f(spelling, cn, max_length=length)


PATIENT_RANGE_PAGED = (*_range_params(), *_page_params(), _id("patientId*", "病人ID"))
ANY_PATIENT_RANGE_PAGED = (*_range_params(), *_page_params(), _id("patientId", "病人ID"))

# ---- the endpoints, in the order of the docs

_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("departments", "获取医院科室信息", True, (*_page_params(), _id("campus", "院区代码")), Table(
        "departments", "科室", (
            _f("deptCode*", "科室代码"),
            _f("deptName*", "科室名称"),
            _f("deptType*", "科室类别", "code", "outpatient 门诊、inpatient 住院、medtech 医技、pharmacy 药房、admin 行政"),
            _f("campus*", "院区代码"),
            _f("area", "诊区"),
            _f("floor", "楼层"),
            _f("status*", "状态", "code", "1 在用、0 停用"),
            _f("updatedAt*", "最后修改时间", "dt"),
        ), key="deptCode")),
    Endpoint("staff", "获取医院职工信息", True, (*_page_params(), _id("deptCode", "科室代码"), _f("role", "职工类别", "code", STAFF_ROLE)),
             Table("staff", "职工", (
                 _f("staffCode*", "职工工号"),
                 _f("staffName*", "职工姓名"),
                 _f("gender*", "性别代码", "code", GENDER),
                 _f("role*", "职工类别", "code", STAFF_ROLE),
                 _f("title", "职称"),
                 _f("deptCode*", "所属科室代码"),
                 _f("deptName", "所属科室名称"),
                 _f("specialty", "擅长"),
                 _f("status*", "状态", "code", "1 在职、0 停用"),
                 _f("updatedAt*", "最后修改时间", "dt"),
             ), key="staffCode")),
    Endpoint("patientProfile", "个人档案查询", False, (
        _f("idCardType", "证件类型", pattern=r"^\d{2}$"), _f("idCardNo", "证件号码", pii=True, max_length=18),
        _id("patientId", "病人ID")), Table("patientProfile", "个人档案", (
            _f("patientId*", "病人ID"),
            _f("patientName*", "姓名", pii=True),
            _f("gender*", "性别代码", "code", GENDER),
            _f("birthDate", "出生日期", "date"),
            _f("idCardType", "证件类型", "code", ID_CARD_TYPE),
            _f("idCardNo", "证件号码", pii=True),
            _f("phone", "联系电话", pii=True),
            _f("address", "现住址", pii=True),
            _f("insuranceArea", "参保地医保区划"),
            _f("healthCardNo", "居民健康卡号", pii=True),
            _f("createdAt*", "建档时间", "dt"),
        ), key="patientId"), personal=True),
    Endpoint("registrations", "挂号查询", True, PATIENT_RANGE_PAGED, Table("registrations", "挂号", (
        _f("regId*", "挂号ID"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", VISIT_OE),
        _f("regType*", "号别", "code", "1 普通号、2 专家号、3 急诊号"),
        _f("deptCode*", "挂号科室代码"),
        _f("deptName", "挂号科室名称"),
        _f("doctorCode", "医生工号"),
        _f("doctorName", "医生姓名"),
        _f("doctorTitle", "医生职称"),
        _f("roomCode", "诊室代码"),
        _f("roomName", "诊室名称"),
        _f("roomLocation", "诊室位置"),
        _f("visitDate*", "就诊日期", "date"),
        _f("timeSlot*", "就诊时段", "code", TIME_SLOT),
        _f("queueNo*", "就诊序号", "int"),
        _f("regTime*", "挂号时间", "dt"),
        _f("appointmentFlag*", "预约挂号", "code", YES_NO),
        _f("bookChannel", "预约渠道", "code", "wechat 微信、kiosk 自助机、window 窗口、phone 电话、clinic 诊间、other 其他"),
        _f("checkinTime", "签到时间", "dt"),
        _f("visitStatus*", "就诊状态", "code", VISIT_STATUS),
        _f("regStatus*", "挂号状态", "code", REG_STATUS),
        _f("cancelTime", "退号时间", "dt"),
        _f("payType*", "先诊疗后付费类型", "code", PAY_TYPE),
    ), key="regId", rules=(_present_when("cancelTime", "regStatus", frozenset("23"), frozenset("1")),)),
        range_field="regTime", order="regTime"),
    Endpoint("cancelledRegistrations", "退号查询", True, ANY_PATIENT_RANGE_PAGED, Table("cancelledRegistrations", "退号", (
        _f("regId*", "挂号ID"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", VISIT_OE),
        _f("regType*", "号别", "code", "1 普通号、2 专家号、3 急诊号"),
        _f("deptCode*", "挂号科室代码"),
        _f("deptName", "挂号科室名称"),
        _f("doctorCode", "医生工号"),
        _f("doctorName", "医生姓名"),
        _f("visitDate*", "原就诊日期", "date"),
        _f("timeSlot*", "就诊时段", "code", TIME_SLOT),
        _f("queueNo*", "原就诊序号", "int"),
        _f("regTime*", "挂号时间", "dt"),
        _f("appointmentFlag*", "预约挂号", "code", YES_NO),
        _f("regStatus*", "挂号状态", "code", "2 已退号、3 已退费"),
        _f("cancelTime*", "退号时间", "dt"),
        _f("payType*", "先诊疗后付费类型", "code", PAY_TYPE),
    ), key="regId"), range_field="cancelTime", order="cancelTime"),
    Endpoint("queueInfo", "门诊排队信息", False, (_id("regId*", "挂号ID"),), Table("queueInfo", "排队信息", (
        _f("regId*", "挂号ID"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", VISIT_OE),
        _f("deptCode*", "科室代码"),
        _f("deptName", "科室名称"),
        _f("doctorCode", "医生工号"),
        _f("doctorName", "医生姓名"),
        _f("roomCode", "诊室代码"),
        _f("roomName", "诊室名称"),
        _f("roomLocation", "诊室位置"),
        _f("visitDate*", "就诊日期", "date"),
        _f("timeSlot*", "就诊时段", "code", TIME_SLOT),
        _f("queueNo*", "本人就诊序号", "int"),
        _f("checkinTime", "签到时间", "dt"),
        _f("visitStatus*", "就诊状态", "code", VISIT_STATUS),
        _f("regStatus*", "挂号状态", "code", REG_STATUS),
        _f("currentNo", "当前叫号", "int"),
        _f("waitingCount*", "前面等候人数", "int"),
        _f("queueTotal*", "该医生本时段的有效挂号人数", "int"),
    ), key="regId", rules=(_queue_counts,))),
    Endpoint("scheduleStops", "挂号停诊查询", True, (*_range_params(), *_page_params(), _id("deptCode", "科室代码")),
             Table("scheduleStops", "停诊", (
                 _f("stopId*", "停诊记录ID"),
                 _f("deptCode*", "科室代码"),
                 _f("deptName", "科室名称"),
                 _f("doctorCode*", "停诊医生工号"),
                 _f("doctorName", "停诊医生姓名"),
                 _f("doctorTitle", "停诊医生职称"),
                 _f("stopDate*", "停诊日期", "date"),
                 _f("timeSlot*", "停诊时段", "code", TIME_SLOT),
                 _f("sessionStart*", "停诊时段开始时间", "dt"),
                 _f("sessionEnd*", "停诊时段结束时间", "dt"),
                 _f("reason*", "停诊原因"),
                 _f("subDoctorCode", "替诊医生工号"),
                 _f("subDoctorName", "替诊医生姓名"),
                 _f("announcedAt*", "停诊发布时间", "dt"),
                 _f("stopStatus*", "停诊状态", "code", "1 停诊、0 已撤销"),
                 _f("revokeTime", "撤销停诊时间", "dt"),
                 _f("affectedCount*", "受影响的有效预约数", "int"),
             ), key="stopId", rules=(_session_in_order,
                                     _present_when("revokeTime", "stopStatus", frozenset("0"), frozenset("1")))),
             range_field="stopDate", order="sessionStart"),
    Endpoint("selfCheckins", "自助签到查询", True, (*_range_params(), *_page_params(), _id("patientId*", "病人ID")), Table(
        "selfCheckins", "签到", (
            _f("regId*", "挂号ID"),
            _f("patientId*", "病人ID"),
            _f("visitType*", "就诊类型", "code", VISIT_OE),
            _f("checkinTime*", "签到时间", "dt"),
            _f("deptCode*", "科室代码"),
            _f("deptName", "科室名称"),
            _f("doctorCode", "医生工号"),
            _f("doctorName", "医生姓名"),
            _f("roomCode", "诊室代码"),
            _f("roomName", "诊室名称"),
            _f("roomLocation", "诊室位置"),
            _f("visitDate*", "就诊日期", "date"),
            _f("timeSlot*", "就诊时段", "code", TIME_SLOT),
            _f("queueNo*", "就诊序号", "int"),
            _f("visitStatus*", "就诊状态", "code", VISIT_STATUS),
            _f("regStatus*", "挂号状态", "code", REG_STATUS),
        ), key="regId"), range_field="checkinTime", order="checkinTime"),
    Endpoint("visitRegistrations", "就诊登记查询", True, PATIENT_RANGE_PAGED, Table("visitRegistrations", "就诊登记", (
        _f("visitId*", "就诊ID"),
        _f("visitType*", "就诊类型", "code", VISIT_ANY),
        _f("patientId*", "病人ID"),
        _f("regId", "挂号ID"),
        _f("admId", "住院号"),
        _f("visitTime*", "就诊开始时间", "dt"),
        _f("endTime", "就诊结束时间", "dt"),
        _f("deptCode*", "就诊科室代码"),
        _f("deptName", "就诊科室名称"),
        _f("doctorCode", "接诊医生工号"),
        _f("doctorName", "接诊医生姓名"),
        _f("diagCode", "主要诊断代码"),
        _f("diagName", "主要诊断名称"),
        _f("insuredFlag*", "参保病人", "code", YES_NO),
        _f("payType*", "先诊疗后付费类型", "code", PAY_TYPE),
        _f("visitStatus*", "就诊状态", "code", "1 就诊中、2 已完成"),
    ), key="visitId", rules=(_visit_ids_agree, _visit_has_its_id)), range_field="visitTime", order="visitTime"),
    Endpoint("admissions", "住院入科登记查询", True, ANY_PATIENT_RANGE_PAGED, Table("admissions", "住院登记", (
        _f("admId*", "住院号"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", "4 住院"),
        _f("medcasNo*", "病案号"),
        _f("admTime*", "入院时间", "dt"),
        _f("deptCode*", "入院科室代码"),
        _f("deptName", "入院科室名称"),
        _f("wardCode", "入住病区代码"),
        _f("wardName", "入住病区名称"),
        _f("roomNo", "病房号"),
        _f("bedNo", "床号"),
        _f("bedTime", "入科时间", "dt"),
        _f("doctorCode", "主诊医师工号"),
        _f("doctorName", "主诊医师姓名"),
        _f("nurseCode", "责任护士工号"),
        _f("nurseName", "责任护士姓名"),
        _f("diagCode", "主要诊断代码"),
        _f("diagName", "主要诊断名称"),
        _f("stayStatus*", "住院状态", "code", "1 在院、2 已出院、9 已取消入院"),
        _f("dscgTime", "出院时间", "dt"),
        _f("insuredFlag*", "参保病人", "code", YES_NO),
        _f("payType*", "先诊疗后付费类型", "code", PAY_TYPE),
    ), key="admId", rules=(_present_when("dscgTime", "stayStatus", frozenset("2"), frozenset("1")),)),
        range_field="admTime", order="admTime"),
    Endpoint("outpatientOrders", "门诊就诊开单查询", True, (*_page_params(), _id("regId*", "挂号ID")), Table("outpatientOrders", "开单", (
        _f("orderNo*", "单号"),
        _f("orderKind*", "开单类别", "code", "1 西药/中成药处方、2 中药饮片处方、3 检验申请、4 检查申请"),
        _f("regId*", "挂号ID"),
        _f("patientId*", "病人ID"),
        _f("orderTime*", "开单时间", "dt"),
        _f("deptCode*", "开单科室代码"),
        _f("deptName", "开单科室名称"),
        _f("doctorCode", "开单医生工号"),
        _f("doctorName", "开单医生姓名"),
        _f("execDeptCode", "执行科室代码"),
        _f("execDeptName", "执行科室名称"),
        _f("itemName", "项目名称"),
        _f("itemCount*", "项目数", "int"),
        _f("orderStatus*", "单据状态", "code", "1 已开立、2 已执行、3 已出报告、9 已作废/已取消"),
        _f("amount", "已收费金额", "money"),
        _f("chargeStatus*", "收费状态", "code", CHARGE_STATUS),
        _f("items", "项目明细", "list", table=ORDER_ITEM),
    ), key="orderNo"), order="orderTime"),
    Endpoint("medtechRegistrations", "医技登记查询", True, PATIENT_RANGE_PAGED, Table("medtechRegistrations", "医技登记", (
        _f("applyNo*", "申请单号"),
        _f("applyKind*", "申请类别", "code", "1 检验、2 检查"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", VISIT_ANY),
        _f("visitId", "就诊ID"),
        _f("regId", "挂号ID"),
        _f("admId", "住院号"),
        _f("itemCode*", "检验组合或检查项目代码"),
        _f("itemName*", "检验组合或检查项目名称"),
        _f("applyTime*", "开单时间", "dt"),
        _f("deptCode*", "申请科室代码"),
        _f("deptName", "申请科室名称"),
        _f("doctorCode", "申请医生工号"),
        _f("doctorName", "申请医生姓名"),
        _f("execDeptCode*", "执行科室代码"),
        _f("execDeptName", "执行科室名称"),
        _f("registerTime*", "医技登记时间", "dt"),
        _f("registerNo", "登记号"),
        _f("applyStatus*", "状态", "code", "2 已登记、3 已出报告、9 已取消"),
        _f("reportId", "报告ID"),
        _f("amount*", "金额", "money"),
    ), key="applyNo", rules=(_visit_ids_agree, _present_when("reportId", "applyStatus", frozenset("3"), frozenset("2")))),
        range_field="registerTime", order="registerTime"),
    Endpoint("inpatientOrders", "查询住院医嘱", True, (*_page_params(), _id("admId*", "住院号")), Table(
        "inpatientOrders", "住院医嘱", (
            _f("orderId*", "医嘱ID"),
            _f("orderNo*", "医嘱号"),
            _f("admId*", "住院号"),
            _f("patientId*", "病人ID"),
            _f("orderKind*", "医嘱类别", "code", "1 长期医嘱、2 临时医嘱、3 处方"),
            _f("issueTime*", "开立时间", "dt"),
            _f("deptCode*", "开立科室代码"),
            _f("deptName", "开立科室名称"),
            _f("doctorCode*", "开立医生工号"),
            _f("doctorName", "开立医生姓名"),
            _f("execTime", "执行时间", "dt"),
            _f("stopTime", "停止时间", "dt"),
            _f("pharmacistCode", "发药药师工号"),
            _f("pharmacistName", "发药药师姓名"),
            _f("orderStatus*", "医嘱状态", "code", "1 执行中、2 已停止、9 已作废"),
            _f("remark", "医嘱备注"),
            _f("items", "医嘱药品明细", "list", table=ORDER_ITEM),
        ), key="orderId"), order="issueTime"),
    Endpoint("prescriptions", "门急诊处方信息查询", True, (
        *_page_params(), _id("patientId", "病人ID"), *_range_params(required=False), _id("regId", "挂号ID")),
        Table("prescriptions", "处方", (
            _f("rxNo*", "处方号"),
            _f("regId*", "挂号ID"),
            _f("patientId*", "病人ID"),
            _f("visitType*", "就诊类型", "code", VISIT_OE),
            _f("rxKind*", "处方类别", "code", "1 西药/中成药处方、2 中药饮片处方"),
            _f("rxTime*", "开方时间", "dt"),
            _f("validDays", "处方有效天数", "int"),
            _f("deptCode*", "开方科室代码"),
            _f("deptName", "开方科室名称"),
            _f("doctorCode*", "开方医生工号"),
            _f("doctorName", "开方医生姓名"),
            _f("pharmacistCode", "审核/发药药师工号"),
            _f("pharmacistName", "审核/发药药师姓名"),
            _f("dispenseTime", "发药时间", "dt"),
            _f("tcmDoses", "中药剂数", "int"),
            _f("tcmUsage", "中药用法"),
            _f("tcmDecoction", "中药煎煮法"),
            _f("rxStatus*", "处方状态", "code", "1 有效、9 已作废"),
            _f("amount", "已收费金额", "money"),
            _f("chargeStatus*", "收费状态", "code", CHARGE_STATUS),
            _f("items", "处方药品明细", "list", table=ORDER_ITEM),
        ), key="rxNo"), range_field="rxTime", order="rxTime"),
    Endpoint("reportConfirmations", "检查检验报告确认查询", True, PATIENT_RANGE_PAGED, Table("reportConfirmations", "报告确认", (
        _f("reportId*", "报告ID"),
        _f("reportKind*", "报告类别", "code", "1 检验、2 检查"),
        _f("reportNo*", "报告单号"),
        _f("applyNo*", "申请单号"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", VISIT_ANY),
        _f("visitId", "就诊ID"),
        _f("regId", "挂号ID"),
        _f("admId", "住院号"),
        _f("itemName", "项目名称"),
        _f("reportTime*", "报告时间", "dt"),
        _f("reportDeptCode*", "报告科室代码"),
        _f("reportDeptName", "报告科室名称"),
        _f("reportDoctorCode", "报告医生工号"),
        _f("reportDoctorName", "报告医生姓名"),
        _f("reportStatus*", "报告状态", "code", REPORT_STATUS),
        _f("revision*", "报告版本号", "int"),
        _f("abnormalFlag*", "有异常结果", "code", YES_NO),
    ), key="reportId", rules=(_visit_ids_agree, _revised_report)), range_field="reportTime", order="reportTime"),
    Endpoint("examReports", "检查信息查询", True, PATIENT_RANGE_PAGED, Table("examReports", "检查报告", (
        _f("reportId*", "报告ID"),
        _f("reportNo*", "报告单号"),
        _f("applyNo*", "申请单号"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", VISIT_ANY),
        _f("visitId", "就诊ID"),
        _f("regId", "挂号ID"),
        _f("admId", "住院号"),
        _f("examType*", "检查类别代码", "code", "CT CT、DR 数字X线摄影、MR 磁共振、US 超声、BL 病理"),
        _f("examTypeName", "检查类别名称"),
        _f("examPart", "检查部位"),
        _f("examTime*", "检查时间", "dt"),
        _f("findings", "检查所见"),
        _f("conclusion", "诊断意见"),
        _f("reportTime*", "报告时间", "dt"),
        _f("applyDeptCode*", "申请科室代码"),
        _f("applyDeptName", "申请科室名称"),
        _f("applyDoctorCode", "申请医生工号"),
        _f("applyDoctorName", "申请医生姓名"),
        _f("reportDeptCode*", "报告科室代码"),
        _f("reportDeptName", "报告科室名称"),
        _f("reportDoctorCode*", "报告医生工号"),
        _f("reportDoctorName", "报告医生姓名"),
        _f("auditDoctorCode", "审核医生工号"),
        _f("auditDoctorName", "审核医生姓名"),
        _f("reportStatus*", "报告状态", "code", REPORT_STATUS),
        _f("revision*", "报告版本号", "int"),
        _f("abnormalFlag*", "有异常结果", "code", YES_NO),
        _f("items", "检查项目及结果", "list", table=EXAM_ITEM),
    ), key="reportId", rules=(_visit_ids_agree, _revised_report)), range_field="reportTime", order="reportTime"),
    Endpoint("labReports", "检验信息查询", True, PATIENT_RANGE_PAGED, Table("labReports", "检验报告", (
        _f("reportId*", "报告ID"),
        _f("reportNo*", "报告单号"),
        _f("applyNo*", "申请单号"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", VISIT_ANY),
        _f("visitId", "就诊ID"),
        _f("regId", "挂号ID"),
        _f("admId", "住院号"),
        _f("panelCode*", "检验组合代码"),
        _f("panelName*", "检验组合名称"),
        _f("microFlag*", "微生物检验", "code", YES_NO),
        _f("specimenNo*", "标本条码"),
        _f("specimenType*", "标本类型代码"),
        _f("specimenName", "标本类型名称"),
        _f("sampleTime*", "采样时间", "dt"),
        _f("receiveTime", "标本接收时间", "dt"),
        _f("reportTime*", "报告时间", "dt"),
        _f("applyDeptCode*", "申请科室代码"),
        _f("applyDeptName", "申请科室名称"),
        _f("applyDoctorCode", "申请医生工号"),
        _f("applyDoctorName", "申请医生姓名"),
        _f("reportDeptCode*", "报告科室代码"),
        _f("reportDeptName", "报告科室名称"),
        _f("testDoctorCode", "检验者工号"),
        _f("testDoctorName", "检验者姓名"),
        _f("auditDoctorCode*", "审核者工号"),
        _f("auditDoctorName", "审核者姓名"),
        _f("conclusion", "结论/提示"),
        _f("remark", "备注"),
        _f("reportStatus*", "报告状态", "code", REPORT_STATUS),
        _f("revision*", "报告版本号", "int"),
        _f("abnormalFlag*", "有异常结果", "code", YES_NO),
        _f("results", "检验结果", "list", table=LAB_RESULT),
    ), key="reportId", rules=(_visit_ids_agree, _revised_report)), range_field="reportTime", order="reportTime"),
    Endpoint("chargeConfirmations", "收费确认查询", True, PATIENT_RANGE_PAGED, Table("chargeConfirmations", "收费确认", (
        *CHARGE_BILL,
    ), key="billNo", rules=(_bill_status_refunds,)), range_field="paidAt", order="paidAt"),
    Endpoint("refunds", "退费查询", True, PATIENT_RANGE_PAGED, Table("refunds", "退费", (
        _f("refundNo*", "退费单号"),
        _f("billNo*", "原收费单号"),
        _f("patientId*", "病人ID"),
        _f("regId", "挂号ID"),
        _f("visitType*", "就诊类型", "code", VISIT_OE),
        _f("refundTime*", "退费时间", "dt"),
        _f("refundAmount*", "退费金额", "money"),
        _f("insuranceAmount*", "退回医保", "money"),
        _f("selfAmount*", "退回个人", "money"),
        _f("refundChannel*", "退费渠道", "code", PAY_CHANNEL),
        _f("refundChannelName", "退费渠道名称"),
        _f("reason", "退费原因"),
        _f("redInvoiceNo", "红冲电子票据号码"),
        _f("invoiceNo", "原电子票据号码"),
        _f("cancelSetlId", "医保撤销结算ID"),
        _f("paidAt*", "原收费时间", "dt"),
        _f("payType*", "先诊疗后付费类型", "code", PAY_TYPE),
        _f("lines", "本次退费的明细", "list", table=BILL_LINE),
    ), key="refundNo", rules=(_refund_lines_are_this_refund,)), range_field="refundTime", order="refundTime"),
    Endpoint("outpatientInvoices", "门诊发票清单查询", True, PATIENT_RANGE_PAGED, Table("outpatientInvoices", "门诊发票", (
        _f("invoiceCode", "电子票据代码"),
        _f("invoiceNo*", "电子票据号码"),
        _f("billNo*", "收费单号"),
        _f("patientId*", "病人ID"),
        _f("regId", "挂号ID"),
        _f("visitType*", "就诊类型", "code", VISIT_OE),
        _f("invoiceTime*", "开票时间", "dt"),
        _f("deptCode*", "就诊科室代码"),
        _f("deptName", "就诊科室名称"),
        _f("totalAmount*", "票面金额", "money"),
        _f("insuranceAmount*", "医保支付", "money"),
        _f("selfAmount*", "个人自付", "money"),
        _f("refundedAmount*", "已红冲金额", "money"),
        _f("voidFlag*", "红冲状态", "code", "0 正常、1 已全额红冲、2 部分红冲"),
        _f("payType*", "先诊疗后付费类型", "code", PAY_TYPE),
        _f("setlId", "医保结算ID"),
        _f("feeCats", "按医疗收费项目类别的金额", "list", table=FEE_CAT_AMOUNT),
    ), key="invoiceNo", rules=(_void_flag_refunds, _fee_cats_make_the_total)), range_field="invoiceTime",
        order="invoiceTime"),
    Endpoint("inpatientInvoices", "住院发票清单查询", True, (
        *_page_params(), _id("patientId", "病人ID"), _id("admId", "住院号")), Table("inpatientInvoices", "住院发票", (
            _f("invoiceCode", "票据代码"),
            _f("invoiceNo", "票据号码"),
            _f("setlId*", "医保结算ID"),
            _f("admId*", "住院号"),
            _f("patientId*", "病人ID"),
            _f("invoiceTime*", "结算时间", "dt"),
            _f("admTime*", "入院时间", "dt"),
            _f("dscgTime", "出院时间", "dt"),
            _f("deptCode*", "出院科室代码"),
            _f("deptName", "出院科室名称"),
            _f("totalAmount*", "医疗费用总额", "money"),
            _f("fundAmount*", "统筹基金支付", "money"),
            _f("accountAmount*", "个人账户支付", "money"),
            _f("selfAmount*", "个人现金支付", "money"),
            _f("voidFlag*", "作废", "code", "1 结算已撤销、0 正常"),
            _f("voidTime", "撤销结算时间", "dt"),
            _f("feeCats", "按医疗收费项目类别的金额", "list", table=FEE_CAT_AMOUNT),
        ), key="setlId", rules=(_fee_cats_make_the_total,
                                _present_when("voidTime", "voidFlag", frozenset("1"), frozenset("0")))),
        order="invoiceTime"),
    Endpoint("inpatientFees", "住院费用清单查询", True, (
        *_page_params(), _id("admId*", "住院号"), _f("feeDate", "费用日期", "date")), Table("inpatientFees", "住院费用", (
            _f("feeId*", "费用明细流水号"),
            _f("admId*", "住院号"),
            _f("patientId*", "病人ID"),
            _f("feeTime*", "费用发生时间", "dt"),
            _f("itemKind*", "项目类别", "code", ITEM_KIND),
            _f("itemCode*", "项目代码"),
            _f("itemName*", "项目名称"),
            _f("feeCat*", "医疗收费项目类别", "code", FEE_CAT),
            _f("feeCatName", "医疗收费项目类别名称"),
            _f("qty*", "数量", pattern=DECIMAL_TEXT),
            _f("unitPrice*", "单价", "money"),
            _f("amount*", "金额", "money"),
            _f("deptCode", "开单科室代码"),
            _f("deptName", "开单科室名称"),
            _f("doctorCode", "开单医生工号"),
            _f("doctorName", "开单医生姓名"),
            _f("feeStatus*", "费用状态", "code", "1 正常、2 已退费"),
            _f("settledFlag*", "已结算", "code", YES_NO),
            _f("setlId", "医保结算ID"),
        ), key="feeId"), range_field="feeTime", order="feeTime"),
    Endpoint("outpatientPaymentDetail", "门诊缴费详情", False, (_id("billNo*", "收费单号", 30),), Table(
        "outpatientPaymentDetail", "门诊缴费详情", (
            *CHARGE_BILL,
            _f("lines", "收费明细", "list", table=BILL_LINE),
        ), key="billNo", rules=(_bill_status_refunds, _lines_make_the_bill))),
    Endpoint("medicalRecords", "病历列表", True, PATIENT_RANGE_PAGED, Table("medicalRecords", "病历", (
        _f("recordType*", "病历类型", "code", RECORD_TYPE),
        _f("recordTypeName*", "病历类型名称"),
        _f("recordId*", "病历ID"),
        _f("patientId*", "病人ID"),
        _f("visitType*", "就诊类型", "code", VISIT_ANY),
        _f("visitId", "就诊ID"),
        _f("regId", "挂号ID"),
        _f("admId", "住院号"),
        _f("recordTime*", "书写时间", "dt"),
        _f("deptCode*", "科室代码"),
        _f("deptName", "科室名称"),
        _f("doctorCode", "书写医生工号"),
        _f("doctorName", "书写医生姓名"),
        _f("diagNames", "文书所列诊断"),
        _f("recordStatus*", "病历状态", "code", "1 已签名、9 已作废"),
        _f("revision*", "版本号", "int"),
    ), key="recordId", rules=(_visit_ids_agree,)), range_field="recordTime", order="recordTime"),
    Endpoint("medicalRecordDetail", "病历详情", False, (
        _f("recordType*", "病历类型", "code", RECORD_TYPE), _id("recordId*", "病历ID", 24)), Table(
        "medicalRecordDetail", "病历详情", (
            _f("recordType*", "病历类型", "code", RECORD_TYPE),
            _f("recordTypeName*", "病历类型名称"),
            _f("recordId*", "病历ID"),
            _f("patientId*", "病人ID"),
            _f("visitType*", "就诊类型", "code", VISIT_ANY),
            _f("visitId", "就诊ID"),
            _f("recordTime*", "书写时间", "dt"),
            _f("deptCode*", "科室代码"),
            _f("deptName", "科室名称"),
            _f("doctorCode", "书写医生工号"),
            _f("doctorName", "书写医生姓名"),
            _f("chiefComplaint", "主诉"),
            _f("presentIllness", "现病史"),
            _f("pastIllness", "既往史"),
            _f("personalHis", "个人史"),
            _f("familyHis", "家族史"),
            _f("allergyHis", "过敏史"),
            _f("physicalExam", "体格检查"),
            _f("specialtyExam", "专科情况"),
            _f("studiesSummary", "辅助检查"),
            _f("diagCodes", "诊断代码"),
            _f("diagNames", "诊断名称"),
            _f("tcmDiagName", "中医病名"),
            _f("tcmSyndromeName", "中医证候"),
            _f("courseText", "病程经过"),
            _f("treatment", "治则治法"),
            _f("advice", "处理意见"),
            _f("outcomeDesc", "出院情况"),
            _f("signTime", "签名时间", "dt"),
            _f("recordStatus*", "病历状态", "code", "1 已签名、9 已作废"),
            _f("revision*", "版本号", "int"),
        ), key="recordId")),
    Endpoint("allergies", "过敏史查询", True, (*_page_params(), _id("patientId*", "病人ID")), Table("allergies", "过敏史", (
        _f("allergyId*", "过敏记录ID"),
        _f("patientId*", "病人ID"),
        _f("allergenType*", "过敏原类别", "code", "1 药物、2 食物、3 环境及其他"),
        _f("allergenTypeName*", "过敏原类别名称"),
        _f("allergenCode", "过敏原代码"),
        _f("allergenName*", "过敏原名称"),
        _f("reaction", "过敏反应"),
        _f("severity", "严重程度", "code", "1 轻度、2 中度、3 重度"),
        _f("recordedAt*", "记录时间", "dt"),
        _f("recorderCode", "记录医生工号"),
        _f("recorderName", "记录医生姓名"),
        _f("deptCode", "记录科室代码"),
        _f("deptName", "记录科室名称"),
        _f("allergyStatus*", "记录状态", "code", "1 有效、9 已作废"),
    ), key="allergyId"), order="recordedAt"),
    Endpoint("health", "医院接口健康检查", False, (), Table("health", "健康检查", (
        _f("status*", "状态", "code", UP_DOWN),
        _f("his*", "HIS 数据库", "object", table=COMPONENT),
        _f("ledger*", "台账数据库", "object", table=COMPONENT),
        _f("pushes*", "推送积压", "object", table=PUSH_QUEUE),
        _f("checkedAt*", "检查时间", "dt"),
    ), rules=(_health_adds_up,))),
)  # fmt: skip

#: every endpoint by path, in the order of the docs
ENDPOINTS: dict[str, Endpoint] = {e.path: e for e in _ENDPOINTS}


# ------------------------------------------------------------------------------------------------ checker


def _quote(f: Field, value: Any) -> str:
    return "(个人信息，不显示)" if f.pii else f"[{str(value)[:QUOTE]}]"


def _valid_date(text: str, shape: re.Pattern[str], fmt: str) -> bool:
    if not shape.fullmatch(text):
        return False
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_in(text: str) -> bool:
    """``text`` holds an 18-character resident ID number (a real birth date and a valid check digit)."""
    for match in ID_NUMBER_IN_TEXT.finditer(text):
        number = match.group().upper()
        check = "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
        if number[17] == check and _valid_date(number[6:14], re.compile(r"^(19|20)\d{6}$"), "%Y%m%d"):
            return True
    return False


def _value_problems(f: Field, value: Any, where: str, personal: bool) -> list[str]:
    label = f"字段[{where}]({f.cn})"
    if f.kind in ("int", "number"):
        numeric = isinstance(value, int) or (f.kind == "number" and isinstance(value, float))
        if isinstance(value, bool) or not numeric or value < 0:
            return [f"{label}应为非负{'整数' if f.kind == 'int' else '数'}(JSON数字)，实际{type(value).__name__}"
                    f"{_quote(f, value)}"]
        return []
    if f.kind == "list":
        if not isinstance(value, list):
            return [f"{label}应为数组，实际{type(value).__name__}"]
        problems: list[str] = []
        for i, item in enumerate(value):
            problems += check_object(f.table, item, f"{where}[{i}]", personal=personal,  # type: ignore[arg-type]
                                     name=f"{f.name}[{i}]")  # fmt: skip
        return problems
    if f.kind == "object":
        return check_object(f.table, value, where, personal=personal, name=f.name)  # type: ignore[arg-type]
    if not isinstance(value, str):
        hint = "(金额应为两位小数的文本，如\"12.50\")" if f.kind == "money" else ""
        return [f"{label}应为文本，实际{type(value).__name__}{hint}"]
    if not value.strip():
        return [f"{label}为空文本: 无值应为null"]
    if f.kind == "code" and value not in f.codes:  # type: ignore[operator]
        allowed = "、".join(f"{k} {v}" for k, v in f.codes.items())  # type: ignore[union-attr]
        return [f"{label}代码值{_quote(f, value)}不在值域: {allowed}"]
    if f.kind == "money" and not MONEY_SHAPE.fullmatch(value):
        return [f"{label}金额{_quote(f, value)}格式错误: 应为两位小数的非负金额文本，如\"12.50\""]
    if f.kind == "date" and not _valid_date(value, DATE_SHAPE, "%Y-%m-%d"):
        return [f"{label}{_quote(f, value)}不是有效日期，格式应为yyyy-MM-dd"]
    if f.kind == "dt" and not _valid_date(value, TIME_SHAPE, TIME_FORMAT):
        return [f"{label}{_quote(f, value)}不是有效时间，格式应为yyyy-MM-dd HH:mm:ss"]
    if f.pattern is not None and not re.fullmatch(f.pattern, value):
        return [f"{label}{_quote(f, value)}不符合格式{f.pattern}"]
    if not personal and f.kind == "text" and resident_id_in(value):
        return [f"{label}含疑似居民身份证号: 该答复不应有病人身份信息"]
    return []


def check_object(table: Table, obj: Any, where: str = "", *, personal: bool = False,
                 name: str | None = None) -> list[str]:  # fmt: skip
    """The problems of one object against ``table``, each starting with the row (``where``: its path, e.g.
    ``list[3]``, or ``name`` for a nested one, with its key: ``list[3](regId=MZ001)``); ``personal``: the answer
    may carry patient identity (patientProfile)."""
    head = name or where or "data"
    if not isinstance(obj, Mapping):
        return [f"{head}应为JSON对象，实际{type(obj).__name__}"]
    if table.key is not None and isinstance(obj.get(table.key), str | int) and where:
        head = f"{head}({table.key}={str(obj[table.key])[:QUOTE]})"
    prefix = f"{where}." if where else ""
    problems: list[str] = []
    names = set(table.names)
    lowered = {n.lower(): n for n in names}
    for key in obj:
        if key in names:
            continue
        if str(key).lower() in PII_KEYS:
            problems.append(f"{head}: 字段[{prefix}{key}]为病人身份信息，接口文档中{table.cn}没有此字段")
        elif str(key).lower() in lowered:
            problems.append(f"{head}: 未知字段[{prefix}{key}]: 大小写不符，应为[{lowered[str(key).lower()]}]")
        else:
            problems.append(f"{head}: 未知字段[{prefix}{key}]({table.cn}无此字段)")
    for f in table.fields:
        value = obj.get(f.name)
        if value is None or (f.required and isinstance(value, str) and not value.strip()):
            if f.required:
                state = "缺失" if f.name not in obj else "为空"
                problems.append(f"{head}: 必填字段[{prefix}{f.name}]({f.cn}){state}")
            continue
        problems += [f"{head}: {p}" for p in _value_problems(f, value, f"{prefix}{f.name}", personal)]
    if not problems:
        for rule in table.rules:
            problems += [f"{head}: {p}" for p in rule(obj)]
    return problems


def _asked_int(params: Mapping[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _page_problems(endpoint: Endpoint, data: Any, params: Mapping[str, Any]) -> list[str]:
    if not isinstance(data, Mapping):
        return [f"data应为分页对象{{total,pageNo,pageSize,list}}，实际{type(data).__name__}"]
    problems = []
    if set(data) != set(PAGE_KEYS):
        problems.append(f"data的字段应为{list(PAGE_KEYS)}，实际{sorted(map(str, data))}")
    for key in ("total", "pageNo", "pageSize"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "total" else 1):
            problems.append(f"data.{key}应为{'非负' if key == 'total' else '正'}整数，实际{value!r}"[:120])
    if not isinstance(data.get("list"), list):
        problems.append(f"data.list应为数组，实际{type(data.get('list')).__name__}")
    if problems:
        return problems
    total, page_no, page_size, rows = data["total"], data["pageNo"], data["pageSize"], data["list"]
    asked_no = _asked_int(params, "pageNo", DEFAULT_PAGE_NO) if endpoint.paged else DEFAULT_PAGE_NO
    asked_size = _asked_int(params, "pageSize", DEFAULT_PAGE_SIZE) if endpoint.paged else page_size
    if page_no != asked_no:
        problems.append(f"data.pageNo为{page_no}，请求的是{asked_no}")
    if page_size != asked_size:
        problems.append(f"data.pageSize为{page_size}，请求的是{asked_size}")
    if page_size > MAX_PAGE_SIZE:
        problems.append(f"data.pageSize为{page_size}，超过上限{MAX_PAGE_SIZE}")
    expected = max(0, min(page_size, total - (page_no - 1) * page_size))
    if len(rows) != expected:
        problems.append(f"第{page_no}页(每页{page_size}条，共{total}条)应有{expected}条，实际{len(rows)}条")
    if not endpoint.paged and total > len(rows):
        problems.append(f"共{total}条但该接口没有翻页参数，只能取得{len(rows)}条")
    return problems


def _range_problems(endpoint: Endpoint, rows: Sequence[Any], params: Mapping[str, Any]) -> list[str]:
    start, end, name = params.get("startDate"), params.get("endDate"), endpoint.range_field
    if isinstance(params.get("feeDate"), str):  # inpatientFees: one day
        start = end = params["feeDate"]
    if name is None or not isinstance(start, str) or not isinstance(end, str):
        return []
    found = []
    for i, row in enumerate(rows):
        value = row.get(name) if isinstance(row, Mapping) else None
        if isinstance(value, str) and not start <= value[:10] <= end:
            found.append(f"list[{i}]: 字段[{name}][{value}]不在请求的日期范围{start}至{end}内")
    return found


def order_problems(endpoint: Endpoint, rows: Sequence[Any], where: str = "list") -> list[str]:
    """Rows out of the documented order (by the endpoint's first, time-valued sort field)."""
    name = endpoint.order
    if name is None:
        return []
    values = [row.get(name) if isinstance(row, Mapping) else None for row in rows]
    return [f"{where}[{i}]: 字段[{name}][{b}]早于上一条[{a}]，未按{name}排序"
            for i, (a, b) in enumerate(zip(values, values[1:], strict=False), start=1)
            if isinstance(a, str) and isinstance(b, str) and b < a]  # fmt: skip


def check(endpoint: str, data: Any, params: Mapping[str, Any] | None = None) -> list[str]:
    """Every problem of one answer's ``data`` (code 0) from ``endpoint``, in Chinese, each naming the field and the
    row. ``params``: the ``bizContent`` that was sent — the page asked for and the date range the rows must lie in.
    """
    spec = ENDPOINTS.get(endpoint)
    if spec is None:
        raise KeyError(f"no endpoint {endpoint!r} in the docs (known: {', '.join(ENDPOINTS)})")
    params = params or {}
    if not spec.many:
        if data is None:
            return ["data为null: 成功的答复应带对象"]
        return check_object(spec.answer, data, personal=spec.personal)
    problems = _page_problems(spec, data, params)
    rows = data.get("list") if isinstance(data, Mapping) else None
    if not isinstance(rows, list):
        return problems
    for i, row in enumerate(rows):
        problems += check_object(spec.answer, row, f"list[{i}]", personal=spec.personal)
    return problems + _range_problems(spec, rows, params) + order_problems(spec, rows)


def request(endpoint: str, **values: Any) -> dict[str, Any]:
    """The ``bizContent`` for ``endpoint`` from ``values`` (``None`` left out), refusing a name the endpoint does
    not take or a required one missing — a walker's slip, raised before anything is sent."""
    spec = ENDPOINTS[endpoint]
    biz = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items() if v is not None}
    unknown = sorted(set(biz) - set(spec.param_names))
    if unknown:
        raise ValueError(f"{endpoint} takes no parameter {', '.join(unknown)} (it takes {', '.join(spec.param_names)})")
    missing = [p.name for p in spec.params if p.required and p.name not in biz]
    if missing:
        raise ValueError(f"{endpoint} needs {', '.join(missing)}")
    return biz
