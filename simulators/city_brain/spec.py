"""The simulator's own reading of the city-brain wire (our declared analogue: Nanchang's spec is not public), as
data, with its checker: answer codes, code sets, and the field tables of the two calls the city brain receives —
``notify`` (医院数据推送通知) and ``history`` (医院历史数据抓取) with its four record types.

Deliberately independent of ``hisbridge``: the hospital's pusher and this simulator are written from the same
spec by different hands, so a slip in one (a field name, a code, a time or money format) is caught by the other.
Never import ``hisbridge`` here.

Field types (:class:`Field`):

========== =====================================================================================================
type       a present, non-null value must be
========== =====================================================================================================
``code``   a JSON string of at most 50 characters (codes, ids, numbers)
``key``    a JSON string of at most 64 characters (recordId, batchNo, bill / prescription / report numbers)
``event``  a JSON string of at most 128 characters (``eventId`` = ``<eventType>:<HIS key>``)
``name``   a JSON string of at most 100 characters
``text``   a JSON string of at most 2000 characters (``summary``: 200)
``dt``     a JSON string exactly ``yyyy-MM-dd HH:mm:ss`` naming a real instant (Asia/Shanghai)
``money``  a JSON string with exactly two decimals, not negative: ``"12.50"``, ``"0.00"`` (never a number)
``qty``    a JSON string of a non-negative decimal with at most 4 decimals: ``"2"``, ``"0.5"``
``int``    a JSON integer ≥ 0 (never a boolean, never a string)
``items``  a JSON array of objects, each checked against the field's own table
========== =====================================================================================================

``null`` or an absent key is "no value"; ``""`` or blanks in a required field count as missing, and ``""`` in an
optional field is refused (send ``null`` or leave the key out). Unknown keys are refused (a case-only slip names
the right spelling); patient identity keys (name, ID number, phone, address) are refused as such: the city brain
knows the patient by ``patientId`` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

FieldType = Literal["code", "key", "event", "name", "text", "dt", "money", "qty", "int", "items"]
LENGTHS: dict[str, int] = {"code": 50, "key": 64, "event": 128, "name": 100, "text": 2000}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIME_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY_SHAPE = re.compile(r"^(?:0|[1-9]\d{0,11})\.\d{2}$")
QTY_SHAPE = re.compile(r"^(?:0|[1-9]\d{0,9})(?:\.\d{1,4})?$")
#: what a patient identifier looks like in free text (a summary must carry none)
ID_NUMBER_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MAX_RECORDS = 200
MAX_ITEMS = 200
SUMMARY_MAX = 200

# ------------------------------------------------------------------------------------------------ answer codes

OK = "0"
MISSING_SIGN = "1001"
BAD_SIGN = "1002"
STALE = "1003"
REPLAY = "1004"
UNKNOWN_APP = "1005"
IP_REFUSED = "1006"
TOO_MANY = "1007"
BAD_PARAM = "2001"
RANGE_TOO_LONG = "2002"
NOT_FOUND = "2004"
INTERNAL = "5000"
UNAVAILABLE = "5003"

ANSWER_CODES: dict[str, str] = {
    OK: "成功",
    MISSING_SIGN: "缺少签名参数",
    BAD_SIGN: "签名错误",
    STALE: "时间戳超出允许范围",
    REPLAY: "重复的请求",
    UNKNOWN_APP: "未知或已停用的appId",
    IP_REFUSED: "来源IP不在白名单",
    TOO_MANY: "请求过于频繁",
    BAD_PARAM: "参数错误",
    RANGE_TOO_LONG: "日期范围超过上限",
    NOT_FOUND: "未找到",
    INTERNAL: "系统内部错误",
    UNAVAILABLE: "暂不可用",
}
#: the HTTP status a code is answered with (every other code: 200)
HTTP_STATUS: dict[str, int] = {TOO_MANY: 429, INTERNAL: 500, UNAVAILABLE: 503}

# ------------------------------------------------------------------------------------------------ code sets

EVENT_TYPES: dict[str, str] = {
    "REGISTERED": "挂号",
    "REGISTRATION_CANCELLED": "退号",
    "CHECKED_IN": "签到",
    "ORDERED": "开单",
    "REPORT_READY": "报告已出",
    "CHARGED": "收费",
    "REFUNDED": "退费",
}
#: events that carry an ``amount`` (and only they do)
MONEY_EVENTS: frozenset[str] = frozenset({"CHARGED", "REFUNDED"})
#: events of a registration: an outpatient or emergency visit by definition
REGISTRATION_EVENTS: frozenset[str] = frozenset({"REGISTERED", "REGISTRATION_CANCELLED"})
VISIT_TYPES: dict[str, str] = {"1": "门诊", "2": "急诊", "4": "住院"}
DATA_TYPES: dict[str, str] = {"visit": "就诊记录", "bill": "收费结算", "prescription": "处方", "report": "检查检验报告"}
DICTS: dict[str, dict[str, str]] = {
    "event_type": EVENT_TYPES,
    "visit_type": VISIT_TYPES,
    "data_type": DATA_TYPES,
    "report_type": {"LIS": "检验", "PACS": "检查"},
    "bill_status": {"1": "已收费", "2": "已全额退费", "3": "部分退费"},
    "pay_type": {"0": "普通", "1": "医保先诊疗后付费", "2": "银联卡先诊疗后付费"},
    "prescription_type": {"1": "西药", "2": "中成药", "3": "中草药"},
    "abnormal_flag": {"N": "正常", "H": "偏高", "L": "偏低", "A": "异常"},
    "yes_no": {"0": "否", "1": "是"},
}
#: keys that would carry who the patient is; refused with their own message wherever they appear
PII_KEYS: frozenset[str] = frozenset(k.lower() for k in (
    "patientName", "name", "idCardNo", "idCardType", "idNo", "idNumber", "certNo", "phone", "mobile",
    "telephone", "tel", "address",
))  # fmt: skip


# ------------------------------------------------------------------------------------------------ fields, tables


@dataclass(frozen=True)
class Problem:
    """One reason to refuse: the wire field (a path such as ``items[2].itemCode``, or ``None``) and the Chinese
    sentence naming it."""

    field: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True)
class Field:
    name: str
    cn: str
    type: FieldType
    required: bool = False
    codes: str | None = None  # a key of DICTS
    items: Table | None = None  # type "items": the table of each element
    max_length: int | None = None  # overrides LENGTHS[type]; type "items": the most elements (MAX_ITEMS)

    @property
    def limit(self) -> int | None:
        if self.type == "items":
            return self.max_length or MAX_ITEMS
        return self.max_length or LENGTHS.get(self.type)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "cn": self.cn, "type": self.type, "required": self.required,
                "maxLength": self.limit, "codes": self.codes,
                "items": self.items.to_json() if self.items else None}  # fmt: skip


def _f(spelling: str, cn: str, type_: FieldType, codes: str | None = None, *, items: Table | None = None,
       max_length: int | None = None) -> Field:  # fmt: skip
    """``_f("patientId*", "患者ID", "code")`` — a trailing ``*`` marks the field required."""
    return Field(spelling.rstrip("*"), cn, type_, spelling.endswith("*"), codes, items, max_length)


#: a cross-field rule: the problems of one object whose fields already passed their own checks
Rule = Callable[[Mapping[str, Any]], list[Problem]]


@dataclass(frozen=True)
class Table:
    name: str
    cn: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    key: str | None = None  # history records: the field the city brain upserts by

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "cn": self.cn, "key": self.key, "fields": [f.to_json() for f in self.fields],
                "rules": [r.__doc__ or r.__name__ for r in self.rules]}  # fmt: skip


def _money(value: Any) -> Decimal | None:
    return Decimal(value) if isinstance(value, str) and MONEY_SHAPE.fullmatch(value) else None


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


# ---- notify


def _event_id_names_its_type(obj: Mapping[str, Any]) -> list[Problem]:
    """eventId须为<eventType>:<HIS业务键>"""
    event_id, event_type = obj.get("eventId"), obj.get("eventType")
    prefix = f"{event_type}:"
    if not event_id.startswith(prefix) or len(event_id) == len(prefix):
        return [Problem("eventId", f"字段[eventId](事件ID)[{event_id[:60]}]应为\"{prefix}<HIS业务键>\"")]
    return []


def _amount_only_for_money_events(obj: Mapping[str, Any]) -> list[Problem]:
    """amount仅CHARGED/REFUNDED携带且必填"""
    event_type, amount = obj.get("eventType"), obj.get("amount")
    if event_type in MONEY_EVENTS and amount is None:
        return [Problem("amount", f"{EVENT_TYPES[event_type]}事件({event_type})必填字段[amount](金额)为空")]
    if event_type not in MONEY_EVENTS and amount is not None:
        return [Problem("amount", f"字段[amount](金额)仅收费/退费事件(CHARGED/REFUNDED)携带，"
                                  f"{event_type}事件不应填写")]  # fmt: skip
    return []


def _registration_is_outpatient(obj: Mapping[str, Any]) -> list[Problem]:
    """挂号/退号事件的visitType须为1门诊或2急诊"""
    if obj.get("eventType") in REGISTRATION_EVENTS and obj.get("visitType") not in ("1", "2"):
        return [Problem("visitType", f"挂号/退号事件的字段[visitType](就诊类型)应为1门诊或2急诊，"
                                     f"实际[{obj.get('visitType')}]")]  # fmt: skip
    return []


def _summary_without_identifiers(obj: Mapping[str, Any]) -> list[Problem]:
    """summary不得含身份证号或手机号"""
    text = obj.get("summary") or ""
    if ID_NUMBER_IN_TEXT.search(text) or PHONE_IN_TEXT.search(text):
        return [Problem("summary", "字段[summary](摘要)含疑似身份证号或手机号，摘要不得含患者身份信息")]
    return []


NOTIFY = Table("notify", "医院数据推送通知", (
    _f("orgCode*", "医疗机构代码", "code"),
    _f("eventId*", "事件ID(<eventType>:<HIS业务键>，城市大脑据此去重)", "event"),
    _f("eventType*", "事件类型", "code", "event_type"),
    _f("patientId*", "患者ID(HIS患者主索引)", "code"),
    _f("visitId*", "就诊ID(门急诊挂号号或住院号)", "code"),
    _f("visitType*", "就诊类型", "code", "visit_type"),
    _f("occurredAt*", "事件发生时间", "dt"),
    _f("deptCode*", "科室代码", "code"),
    _f("deptName*", "科室名称", "name"),
    _f("doctorCode", "医生工号", "code"),
    _f("doctorName", "医生姓名", "name"),
    _f("summary*", "事件摘要(中文短句，不含患者身份信息)", "text", max_length=SUMMARY_MAX),
    _f("amount", "金额(收费/退费，元，两位小数)", "money"),
    _f("itemCount", "项目数", "int"),
), rules=(_event_id_names_its_type, _amount_only_for_money_events, _registration_is_outpatient,
          _summary_without_identifiers))  # fmt: skip

# ---- history: the four record types


def _discharge_after_visit(obj: Mapping[str, Any]) -> list[Problem]:
    """dischargeTime仅住院(visitType 4)填写，且不早于visitTime"""
    discharge = obj.get("dischargeTime")
    if discharge is None:
        return []
    if obj.get("visitType") != "4":
        return [Problem("dischargeTime", "字段[dischargeTime](出院时间)仅住院(visitType 4)填写")]
    if discharge < obj.get("visitTime", ""):  # same format: text order = time order
        return [Problem("dischargeTime", f"字段[dischargeTime](出院时间)[{discharge}]早于visitTime"
                                         f"[{obj.get('visitTime')}]")]  # fmt: skip
    return []


def _bill_adds_up(obj: Mapping[str, Any]) -> list[Problem]:
    """insuranceAmount + selfAmount = totalAmount"""
    total, insurance, own = (_money(obj.get(k)) for k in ("totalAmount", "insuranceAmount", "selfAmount"))
    if None not in (total, insurance, own) and insurance + own != total:  # type: ignore[operator]
        return [Problem("totalAmount", f"金额不平: insuranceAmount[{obj['insuranceAmount']}] + selfAmount"
                                       f"[{obj['selfAmount']}] ≠ totalAmount[{obj['totalAmount']}]")]  # fmt: skip
    return []


def _bill_refund_matches_status(obj: Mapping[str, Any]) -> list[Problem]:
    """status 2/3 须有refundAmount与refundedAt(2: 等于totalAmount; 3: 大于0且小于totalAmount); status 1 不填"""
    status, total, refund = obj.get("status"), _money(obj.get("totalAmount")), _money(obj.get("refundAmount"))
    if status == "1":
        extra = [k for k in ("refundAmount", "refundedAt") if obj.get(k) is not None]
        return [Problem(k, f"已收费(status 1)的结算不应填写字段[{k}]") for k in extra]
    problems = [Problem(k, f"退费(status {status})时必填字段[{k}]为空")
                for k in ("refundAmount", "refundedAt") if obj.get(k) is None]  # fmt: skip
    if refund is not None and total is not None:
        if status == "2" and refund != total:
            problems.append(Problem("refundAmount", f"全额退费(status 2)的refundAmount[{obj['refundAmount']}]"
                                                    f"应等于totalAmount[{obj['totalAmount']}]"))  # fmt: skip
        if status == "3" and not (0 < refund < total):
            problems.append(Problem("refundAmount", f"部分退费(status 3)的refundAmount[{obj['refundAmount']}]"
                                                    f"应大于0且小于totalAmount[{obj['totalAmount']}]"))  # fmt: skip
    if obj.get("refundedAt") is not None and obj["refundedAt"] < obj.get("paidAt", ""):
        problems.append(Problem("refundedAt", f"字段[refundedAt](退费时间)早于paidAt[{obj.get('paidAt')}]"))
    return problems


def _prescription_total_is_its_items(obj: Mapping[str, Any]) -> list[Problem]:
    """totalAmount(如填)等于各items.amount之和(各项均填金额时)"""
    total = _money(obj.get("totalAmount"))
    amounts = [_money(i.get("amount")) for i in obj.get("items") or []]
    if total is None or not amounts or None in amounts:
        return []
    if sum(amounts, Decimal("0.00")) != total:  # type: ignore[arg-type]
        return [Problem("totalAmount", f"处方金额[{obj['totalAmount']}]不等于各药品金额之和"
                                       f"[{sum(amounts, Decimal('0.00'))}]")]  # type: ignore[arg-type]  # fmt: skip
    return []


def _report_has_content(obj: Mapping[str, Any]) -> list[Problem]:
    """PACS须有conclusion且不带items; LIS须有items或conclusion"""
    kind = obj.get("reportType")
    if kind == "PACS":
        problems = [] if _present(obj.get("conclusion")) else [
            Problem("conclusion", "检查报告(PACS)必填字段[conclusion](结论)为空")]
        if obj.get("items") is not None:
            problems.append(Problem("items", "字段[items](检验结果)仅检验报告(LIS)填写"))
        return problems
    if kind == "LIS" and not obj.get("items") and not _present(obj.get("conclusion")):
        return [Problem("items", "检验报告(LIS)须有字段[items](检验结果)或[conclusion](结论)")]
    return []


PRESCRIPTION_ITEM = Table("prescriptionItem", "处方明细", (
    _f("itemCode*", "药品/项目代码", "code"),
    _f("itemName*", "药品/项目名称", "name"),
    _f("spec", "规格", "name"),
    _f("dosage", "单次剂量(含单位，如0.5g)", "code"),
    _f("frequency", "频次(如tid)", "code"),
    _f("route", "给药途径", "name"),
    _f("days", "天数", "int"),
    _f("quantity*", "数量", "qty"),
    _f("unit*", "数量单位", "code"),
    _f("amount", "金额(元)", "money"),
))  # fmt: skip

REPORT_ITEM = Table("reportItem", "检验结果", (
    _f("itemCode*", "检验项目代码", "code"),
    _f("itemName*", "检验项目名称", "name"),
    _f("result*", "结果", "name"),
    _f("unit", "单位", "code"),
    _f("refRange", "参考范围", "name"),
    _f("abnormalFlag", "异常标识", "code", "abnormal_flag"),
))  # fmt: skip

RECORDS: dict[str, Table] = {t.name: t for t in (
    Table("visit", "就诊记录", (
        _f("recordId*", "记录ID(历史数据中唯一，通常为visitId)", "key"),
        _f("patientId*", "患者ID", "code"),
        _f("visitId*", "就诊ID(门急诊挂号号或住院号)", "code"),
        _f("visitType*", "就诊类型", "code", "visit_type"),
        _f("deptCode*", "科室代码", "code"),
        _f("deptName*", "科室名称", "name"),
        _f("doctorCode", "医生工号", "code"),
        _f("doctorName", "医生姓名", "name"),
        _f("visitTime*", "就诊(挂号/入院)时间", "dt"),
        _f("dischargeTime", "出院时间(住院)", "dt"),
        _f("diagnosisCode", "诊断代码(ICD-10)", "code"),
        _f("diagnosisName", "诊断名称", "name"),
        _f("payType", "付费方式", "code", "pay_type"),
        _f("cancelled", "是否已退号/取消", "code", "yes_no"),
    ), rules=(_discharge_after_visit,), key="recordId"),
    Table("bill", "收费结算", (
        _f("recordId*", "记录ID(通常为billNo)", "key"),
        _f("billNo*", "结算单号(收费单)", "key"),
        _f("patientId*", "患者ID", "code"),
        _f("visitId*", "就诊ID", "code"),
        _f("visitType", "就诊类型", "code", "visit_type"),
        _f("invoiceNo", "发票号", "key"),
        _f("totalAmount*", "总金额(元)", "money"),
        _f("insuranceAmount*", "医保统筹支付(元)", "money"),
        _f("selfAmount*", "个人支付(元)", "money"),
        _f("paidAt*", "结算时间", "dt"),
        _f("status*", "结算状态", "code", "bill_status"),
        _f("refundAmount", "退费金额(元)", "money"),
        _f("refundedAt", "退费时间", "dt"),
        _f("payType", "付费方式", "code", "pay_type"),
    ), rules=(_bill_adds_up, _bill_refund_matches_status), key="recordId"),
    Table("prescription", "处方", (
        _f("recordId*", "记录ID(通常为prescriptionNo)", "key"),
        _f("prescriptionNo*", "处方号", "key"),
        _f("patientId*", "患者ID", "code"),
        _f("visitId*", "就诊ID", "code"),
        _f("prescriptionType", "处方类别", "code", "prescription_type"),
        _f("deptCode*", "开方科室代码", "code"),
        _f("deptName", "开方科室名称", "name"),
        _f("doctorCode*", "开方医生工号", "code"),
        _f("doctorName", "开方医生姓名", "name"),
        _f("issuedAt*", "开方时间", "dt"),
        _f("totalAmount", "处方金额(元)", "money"),
        _f("items*", "处方明细", "items", items=PRESCRIPTION_ITEM),
    ), rules=(_prescription_total_is_its_items,), key="recordId"),
    Table("report", "检查检验报告", (
        _f("recordId*", "记录ID(通常为<reportType>-<reportId>)", "key"),
        _f("reportId*", "报告单号", "key"),
        _f("reportType*", "报告类型", "code", "report_type"),
        _f("patientId*", "患者ID", "code"),
        _f("visitId*", "就诊ID", "code"),
        _f("itemCode", "检查/检验项目代码", "code"),
        _f("itemName*", "检查/检验项目名称", "name"),
        _f("deptCode", "申请科室代码", "code"),
        _f("specimenName", "标本(检验)", "name"),
        _f("reportTime*", "报告时间", "dt"),
        _f("findings", "检查所见(检查)", "text"),
        _f("conclusion", "结论/诊断意见", "text"),
        _f("abnormal", "是否异常", "code", "yes_no"),
        _f("items", "检验结果(检验)", "items", items=REPORT_ITEM),
    ), rules=(_report_has_content,), key="recordId"),
)}  # fmt: skip

HISTORY = Table("history", "医院历史数据抓取", (
    _f("orgCode*", "医疗机构代码", "code"),
    _f("dataType*", "数据类型", "code", "data_type"),
    _f("batchNo*", "批次号(同一页重发时不变)", "key"),
    _f("records*", "记录(1–200条)", "items", max_length=MAX_RECORDS),  # each checked against RECORDS[dataType]
))  # fmt: skip


# ------------------------------------------------------------------------------------------------ checker


def _label(f: Field, path: str) -> str:
    return f"字段[{path}{f.name}]({f.cn})"


def _check_value(f: Field, value: Any, path: str) -> list[Problem]:
    where, label = f"{path}{f.name}", _label(f, path)
    if f.type == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return [Problem(where, f"{label}应为非负整数(JSON数字)，实际{value!r}"[:200])]
        return []
    if f.type == "items":
        if not isinstance(value, list) or not value:
            return [Problem(where, f"{label}应为非空数组")]
        most = f.limit or MAX_ITEMS
        if len(value) > most:
            return [Problem(where, f"{label}最多{most}条，实际{len(value)}条")]
        if f.items is None:  # history records: checked one by one against RECORDS[dataType] by the caller
            return []
        problems: list[Problem] = []
        for i, item in enumerate(value):
            problems += check(f.items, item, path=f"{where}[{i}].")
        return problems
    if not isinstance(value, str):
        hint = "(金额请传两位小数的字符串，如\"12.50\")" if f.type == "money" else ""
        return [Problem(where, f"{label}应为字符串，实际{type(value).__name__}{hint}")]
    if not value.strip():
        return [Problem(where, f"{label}为空字符串: 空值请传null或省略该字段")]
    if f.limit is not None and len(value) > f.limit:
        return [Problem(where, f"{label}超长: 最多{f.limit}个字符，实际{len(value)}个")]
    if f.type == "dt":
        try:
            if not TIME_SHAPE.fullmatch(value):
                raise ValueError
            datetime.strptime(value, TIME_FORMAT)
        except ValueError:
            return [Problem(where, f"{label}[{value[:30]}]不是有效时间，格式应为yyyy-MM-dd HH:mm:ss")]
    if f.type == "money" and not MONEY_SHAPE.fullmatch(value):
        return [Problem(where, f"{label}[{value[:30]}]格式错误: 应为两位小数的非负金额字符串，如\"12.50\"")]
    if f.type == "qty" and not QTY_SHAPE.fullmatch(value):
        return [Problem(where, f"{label}[{value[:30]}]格式错误: 应为非负数字字符串，最多4位小数")]
    if f.codes is not None and value not in DICTS[f.codes]:
        allowed = "、".join(f"{k} {v}" for k, v in DICTS[f.codes].items())
        return [Problem(where, f"{label}代码值[{value[:30]}]不在值域: {allowed}")]
    return []


def check(table: Table, obj: Any, *, path: str = "") -> list[Problem]:
    """Every problem of one object against ``table`` (fields in table order, then the cross-field rules, which
    run only when the fields themselves passed)."""
    if not isinstance(obj, Mapping):
        return [Problem(path.rstrip(".") or None, f"{path.rstrip('.') or table.cn}应为JSON对象")]
    problems: list[Problem] = []
    names = set(table.names)
    lowered = {n.lower(): n for n in names}
    for key in obj:
        if key in names:
            continue
        if not isinstance(key, str):  # pragma: no cover - JSON keys are strings
            continue
        if key.lower() in PII_KEYS:
            problems.append(Problem(f"{path}{key}", f"字段[{path}{key}]为患者身份信息，城市大脑不接收(以patientId关联)"))
        elif key.lower() in lowered:
            problems.append(Problem(f"{path}{key}", f"未知字段[{path}{key}]: 字段名大小写不符，应为[{lowered[key.lower()]}]"))
        else:
            problems.append(Problem(f"{path}{key}", f"未知字段[{path}{key}]({table.cn}无此字段)"))
    for f in table.fields:
        value = obj.get(f.name)
        if value is None or (f.required and isinstance(value, str) and not value.strip()):
            if f.required:
                problems.append(Problem(f"{path}{f.name}", f"必填{_label(f, path)}为空"))
            continue
        problems += _check_value(f, value, path)
    if not problems:
        for rule in table.rules:
            problems += [Problem(f"{path}{p.field}" if p.field else None, p.message) for p in rule(obj)]
    return problems


def summarise(problems: Sequence[Problem], limit: int = 5) -> str:
    """The first ``limit`` messages joined with ``；`` (and how many more)."""
    text = "；".join(p.message for p in problems[:limit])
    return text + (f"；等共{len(problems)}处错误" if len(problems) > limit else "")


def spec_json() -> dict[str, Any]:
    """The whole specification, for ``GET /admin/spec`` (and for a diff against a client's declarations)."""
    return {"notify": NOTIFY.to_json(), "history": HISTORY.to_json(),
            "records": {k: t.to_json() for k, t in RECORDS.items()}, "dictionaries": DICTS,
            "answerCodes": ANSWER_CODES, "httpStatus": HTTP_STATUS, "maxRecords": MAX_RECORDS,
            "timeFormat": "yyyy-MM-dd HH:mm:ss", "money": "两位小数字符串"}  # fmt: skip
