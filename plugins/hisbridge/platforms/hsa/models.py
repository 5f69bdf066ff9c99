"""Business bodies of the 医保 transactions we send, declared once (hsa.md §4.0, §4.5, §4.8).

Every field carries its wire name exactly as the spec spells it and its Chinese name as ``description``.
Constraints live on the reusable annotated types below (``C30``, ``N16_2``, ``Date``, ``Flag`` …), never in
comments.

**Input.** Values usually come straight from a database row, so every type accepts python values *or* text:

* strings are stripped; an empty / blank string counts as "no value" (``None``). A required field without a
  value is an error (``required_empty``), an optional one is left out of the wire body;
* integers (and integral ``Decimal``) are accepted for text and code fields (``1`` → ``"1"``), ``True/False``
  for flags (→ ``"1"/"0"``);
* numbers as ``Decimal``, ``int``, ``float`` or numeric text; a float's binary noise
  (``0.1 + 0.2``) is rounded away to the type's decimal places, anything beyond that is an error;
* ``Date`` accepts ``date``, ``datetime`` and text (``2026-11-24``, ``2026-11-24 09:30:00.000000``,
  ``20261124``); ``DateTime`` accepts ``datetime``, ``date`` (midnight) and text (``2026-11-24 09:30:00``,
  ``…T09:30:00``, ``…09:30:00.000000``, ``20261124093000``). Time-zone-aware values are converted to
  Asia/Shanghai (the hospital's and the platform's local time); sub-second parts are dropped because the wire
  format cannot carry them.

**Output.** ``model.model_dump(mode="json")`` *is* the wire body: dates as ``yyyy-MM-dd``, date-times as
``yyyy-MM-dd HH:mm:ss``, numbers as JSON numbers (a value a binary double cannot carry exactly goes as a
numeric string, which platforms accept too — §1.1), and fields without a value are **omitted** (never sent as
``null``; required fields always have one).

**Personal data.** Fields that identify a natural person are flagged ``json_schema_extra={"pii": True,
"pii_subject": "patient" | "staff"}``; :func:`pii_fields` derives the set from the flags and masking uses it.

* patient — ``psn_no`` (人员编号, the insurance person id), ``certno`` (证件号码, usually the ID-card number),
  ``psn_name`` (人员姓名): these identify the patient and, joined with the drug sold, reveal health data.
* staff — ``prsc_dr_certno`` / ``phar_certno`` (ID-card numbers of the prescriber / pharmacist),
  ``prsc_dr_name`` / ``phar_name`` / ``phar_prac_cert_no`` (name and practising-licence number) and the
  operator names ``inv_chg_opter_name``, ``purc_retn_opter_name``, ``sel_retn_opter_name``. Staff data is less
  sensitive but still personal information (PIPL); masking it costs nothing because logs carry counts and ids.

Not flagged (and why): ``setl_id``, ``mdtrt_sn``, ``rxno``, ``rtal_docno``, ``medins_prod_sel_no`` are ids of a
visit / settlement / document, not of a person; ``psn_cert_type`` is a code; ``opter_no``, ``mac``, ``ip`` (9001)
identify a terminal account. The envelope's ``opter_name`` is configuration, not a model field.

Building from a SQL row: ``Sale.model_validate(row)`` when the row's keys are exactly wire names (unknown keys
are rejected so that a misspelt mapping cannot silently drop a field) or ``Sale.from_row(row)`` to take only the
model's fields from a wider row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, Self, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainSerializer,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

PiiSubject = Literal["patient", "staff"]


# ---------------------------------------------------------------------------------------------------------------
# reusable annotated types
# ---------------------------------------------------------------------------------------------------------------


def _as_text(value: object) -> object:
    """Integers from numeric DB columns become text; everything else is left to the type to judge."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return value


def _as_flag(value: object) -> object:
    if isinstance(value, bool):
        return "1" if value else "0"
    return _as_text(value)


class _Coerce:
    """Marks a type whose SQL values :class:`HsaBody` converts before validation (one pass per row, instead of
    a Python validator per field: a body has ~40 fields and a feed validates thousands of rows a second)."""

    def __init__(self, convert: Callable[[object], object]) -> None:
        self.convert = convert


AS_TEXT, AS_FLAG = _Coerce(_as_text), _Coerce(_as_flag)


def _text(max_length: int) -> Any:
    return Annotated[str, AS_TEXT, Field(max_length=max_length)]


C2 = _text(2)
C3 = _text(3)
C4 = _text(4)
C6 = _text(6)
C20 = _text(20)
C30 = _text(30)
C40 = _text(40)
C50 = _text(50)
C100 = _text(100)
C200 = _text(200)
C500 = _text(500)

#: ``0`` 否 / ``1`` 是 (hsa.md §1.6, §6 "flags generally" [C]).
Flag = Annotated[Literal["0", "1"], AS_FLAG]

# Code dictionaries (§6). A closed Literal where the value set is confirmed [C]; a length-checked string where
# the value set is single-source or unknown ([1]/[U]) so that a valid provincial code is not refused by us.
#: 进销存数据类型 ``1`` 盘存, ``2`` 库存变更, ``3`` 采购, ``4`` 销售 [C].
InvDataType = Annotated[Literal["1", "2", "3", "4"], AS_TEXT]
#: 经办人类别 ``1`` 经办人, ``2`` 自助终端, ``3`` 移动终端 [C].
OpterType = Annotated[Literal["1", "2", "3"], AS_TEXT]
#: 处方药标志 — ``0``/``1``, one enum adds ``2`` 双跨 [U].
RxFlag = C3
#: 库存变更类型 ``101``–``111`` [1].
InvChgType = C6
#: 人员证件类型 (``01`` 居民身份证 …, provincial 6-digit codes) [C] but open-ended.
PsnCertType = C6
#: 医保费用结算类型 — value set unknown [U].
HiFeesetlType = C6
#: 就医结算类型 ``1`` 医保结算, ``2`` 自费结算 [1].
MdtrtSetlType = C6


def _decimal_in(places: int) -> Callable[[object], object]:
    def convert(value: object) -> object:
        if isinstance(value, float) and math.isfinite(value):
            rounded = round(value, places)
            if abs(value - rounded) <= 1e-9 * max(1.0, abs(value)):
                return Decimal(repr(rounded))
            return Decimal(repr(value))  # keeps its excess places: the type then refuses it
        if isinstance(value, str):
            return value.strip()
        return value

    return convert


def _decimal_out(value: Decimal) -> int | float | str:
    """A JSON number when a double carries the value exactly, else the numeric text (both accepted, §1.1)."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return format(value, "f")


def _number(digits: int, places: int) -> Any:
    return Annotated[
        Decimal,
        BeforeValidator(_decimal_in(places)),
        Field(max_digits=digits, decimal_places=places),
        PlainSerializer(_decimal_out, return_type=int | float | str, when_used="json"),
    ]


N16_2 = _number(16, 2)
N16_4 = _number(16, 4)
N16_6 = _number(16, 6)


def _local(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(SHANGHAI).replace(tzinfo=None)
    return value


def _date_in(value: object) -> object:
    if isinstance(value, datetime):
        return _local(value).date()
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 8 and text.isdigit():
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        if len(text) >= 10 and text[10:11] in ("", " ", "T"):
            try:
                return date.fromisoformat(text[:10])
            except ValueError:
                return value
    return value


def _datetime_in(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 14 and text.isdigit():
            text = f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}:{text[12:]}"
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return value
    return value


def _datetime_norm(value: datetime) -> datetime:
    return _local(value).replace(microsecond=0)


#: 日期型 ``yyyy-MM-dd``.
Date = Annotated[
    date,
    BeforeValidator(_date_in),
    PlainSerializer(lambda d: d.strftime(DATE_FORMAT), return_type=str, when_used="json"),
]
#: 日期时间型 ``yyyy-MM-dd HH:mm:ss`` (Asia/Shanghai local time, no time zone on the wire).
DateTime = Annotated[
    datetime,
    BeforeValidator(_datetime_in),
    AfterValidator(_datetime_norm),
    PlainSerializer(lambda d: d.strftime(DATETIME_FORMAT), return_type=str, when_used="json"),
]


def _f(description: str, default: Any = ..., *, pii: PiiSubject | None = None) -> Any:
    """A field with its Chinese name; ``default=...`` (the default) means required."""
    extra = {"pii": True, "pii_subject": pii} if pii else None
    return Field(default, description=description, json_schema_extra=extra)


def _metadata_of(info: Any) -> list[Any]:
    """A field's metadata, looking through ``X | None`` to the annotated type inside."""
    found = list(info.metadata)
    for arg in get_args(info.annotation):
        found += list(getattr(arg, "__metadata__", ()))
    return found


# ---------------------------------------------------------------------------------------------------------------
# base
# ---------------------------------------------------------------------------------------------------------------


class HsaBody(BaseModel):
    """Base of every business body: blank means missing, ``None`` is never sent, unknown keys are refused."""

    # validation errors name the field and the rule, never the value (it may be a patient's ID number)
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    #: per field, the conversion of SQL values its type asks for (text from numbers, flags from booleans)
    _coercions: ClassVar[dict[str, Callable[[object], object]]] = {}
    _required: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._coercions = {name: marks[0].convert for name, info in cls.model_fields.items()
                          if (marks := [m for m in _metadata_of(info) if isinstance(m, _Coerce)])}
        cls._required = frozenset(name for name, info in cls.model_fields.items() if info.is_required())

    @model_validator(mode="wrap")
    @classmethod
    def _normalise(cls, data: object, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Blank text is no value; a required field without one is ``required_empty`` (not pydantic's type
        error); numbers become text where the type is text. One pass over the row."""
        if not isinstance(data, dict):
            return handler(data)
        clean: dict[str, object] = {}
        empty: list[str] = []
        coercions, required = cls._coercions, cls._required
        for name, value in data.items():
            if isinstance(value, str):
                value = value.strip() or None
            elif value is not None and name in coercions:
                value = coercions[name](value)
            if value is None and name in required:
                empty.append(name)
                continue
            clean[name] = value
        if not empty:
            return handler(clean)
        errors = [InitErrorDetails(type=PydanticCustomError("required_empty", "required field has no value (必填项为空)"),
                                   loc=(name,), input=None) for name in empty]
        try:
            handler(clean)
        except ValidationError as exc:
            errors += [InitErrorDetails(type=PydanticCustomError(e["type"], e["msg"]), loc=e["loc"], input=None)
                       for e in exc.errors(include_url=False, include_input=False)
                       if not (e["type"] == "missing" and e["loc"][:1] and e["loc"][0] in empty)]
        raise ValidationError.from_exception_data(cls.__name__, errors, hide_input=True)

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """The wire body: fields without a value are left out (never sent as ``null``), nested bodies too."""
        kwargs.setdefault("exclude_none", True)
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("exclude_none", True)
        return super().model_dump_json(**kwargs)

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> Self:
        """Validate the model's fields taken from a wider mapping (other keys are ignored)."""
        return cls.model_validate({name: row[name] for name in cls.model_fields if name in row})


def pii_fields(model: type[BaseModel] | BaseModel, subject: PiiSubject | None = None) -> set[str]:
    """Wire names of the fields flagged as personal data (optionally only one subject: patient or staff)."""
    fields = type(model).model_fields if isinstance(model, BaseModel) else model.model_fields
    found = set()
    for name, info in fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("pii") and subject in (None, extra.get("pii_subject")):
            found.add(name)
    return found


def pii_values(body: BaseModel) -> set[str]:
    """The text of every flagged value in a body, nested nodes included (to scrub them from messages that echo
    them)."""
    return wire_pii_values(type(body), [body.model_dump(mode="json")])


def wire_pii_values(model: type[BaseModel], rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """:func:`pii_values` of wire dicts (already dumped bodies of ``model``), nested nodes included."""
    fields, nested = _pii_fields_of(model), _nested_of(model)
    found = {str(v) for row in rows for f in fields if (v := row.get(f)) not in (None, "")}
    for name, inner in nested:
        for row in rows:
            value = row.get(name)
            items = value if isinstance(value, list) else [value]
            found |= wire_pii_values(inner, [item for item in items if isinstance(item, Mapping)])
    return found


@cache
def _pii_fields_of(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(sorted(pii_fields(model)))


@cache
def _nested_of(model: type[BaseModel]) -> tuple[tuple[str, type[BaseModel]], ...]:
    """The fields of ``model`` that hold bodies (a node, or a list of rows), with the body's model."""
    out = []
    for name, info in model.model_fields.items():
        for arg in (info.annotation, *get_args(info.annotation)):
            for inner in (arg, *get_args(arg)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    out.append((name, inner))
                    break
            else:
                continue
            break
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------------
# 9001 / 9002 签到 / 签退 (§4.0)
# ---------------------------------------------------------------------------------------------------------------


class SignIn(HsaBody):
    """9001 签到, input node ``signIn``."""

    opter_no: C20 = _f("操作员编号")
    mac: C20 | None = _f("签到MAC地址", None)  # required in Shenzhen only
    ip: C20 = _f("签到IP地址")


class SignOut(HsaBody):
    """9002 签退, input node ``signOut`` (the wrapper shape disagrees between sources, §4.0)."""

    sign_no: C30 = _f("签到编号")
    opter_no: C20 = _f("操作员编号")


# ---------------------------------------------------------------------------------------------------------------
# 2601 冲正 (§4.5)
# ---------------------------------------------------------------------------------------------------------------


class Reversal(HsaBody):
    """2601 冲正交易, input node ``data``."""

    psn_no: C30 = _f("人员编号", pii="patient")
    omsgid: C30 = _f("原发送方报文ID")
    oinfno: C4 = _f("原交易编号")


# ---------------------------------------------------------------------------------------------------------------
# 3501–3507 进销存 (§4.8)
# ---------------------------------------------------------------------------------------------------------------


class DrugTracInfo(HsaBody):
    """One scanned drug traceability code (溯源码节点信息 element)."""

    drug_trac_codg: C100 = _f("药品追溯码")


class StockTake(HsaBody):
    """3501 商品盘存上传 (batch 3501A), node ``invinfo`` / ``invinfoDetail[]``."""

    med_list_codg: C50 = _f("医疗目录编码")
    fixmedins_hilist_id: C30 = _f("定点医药机构目录编号")
    fixmedins_hilist_name: C200 = _f("定点医药机构目录名称")
    rx_flag: RxFlag = _f("处方药标志")
    invdate: Date = _f("盘存日期")
    inv_cnt: N16_2 = _f("库存数量")
    manu_lotnum: C30 | None = _f("生产批号", None)
    fixmedins_bchno: C30 = _f("定点医药机构批次流水号")
    manu_date: Date = _f("生产日期")
    expy_end: Date = _f("有效期止")
    memo: C500 | None = _f("备注", None)
    drugtracinfo: list[DrugTracInfo] | None = _f("溯源码节点信息", None)


class StockChange(HsaBody):
    """3502 商品库存变更 (batch 3502A), node ``invinfo`` / ``invinfoDetail[]``."""

    med_list_codg: C50 = _f("医疗目录编码")
    inv_chg_type: InvChgType = _f("库存变更类型")
    fixmedins_hilist_id: C30 = _f("定点医药机构目录编号")
    fixmedins_hilist_name: C200 = _f("定点医药机构目录名称")
    fixmedins_bchno: C30 = _f("定点医药机构批次流水号")
    pric: N16_6 = _f("单价")
    cnt: N16_4 = _f("数量")
    rx_flag: RxFlag = _f("处方药标志")
    inv_chg_time: DateTime = _f("库存变更时间")
    inv_chg_opter_name: C50 | None = _f("经办人姓名", None, pii="staff")
    memo: C500 | None = _f("备注", None)
    trdn_flag: Flag = _f("拆零标志")  # required in the 2025 models (older: optional)
    drugtracinfo: list[DrugTracInfo] | None = _f("溯源码节点信息", None)


class Purchase(HsaBody):
    """3503 商品采购 (batch 3503A), node ``purcinfo`` / ``purcinfoDetail[]``."""

    med_list_codg: C50 = _f("医疗目录编码")
    fixmedins_hilist_id: C30 = _f("定点医药机构目录编号")
    fixmedins_hilist_name: C200 = _f("定点医药机构目录名称")
    dynt_no: C50 | None = _f("随货单号", None)
    fixmedins_bchno: C30 = _f("定点医药机构批次流水号")
    spler_name: C200 = _f("供应商名称")
    spler_pmtno: C50 | None = _f("供应商许可证号", None)
    manu_lotnum: C30 = _f("生产批号")
    prodentp_name: C200 = _f("生产厂家名称")
    aprvno: C100 = _f("批准文号")
    manu_date: Date = _f("生产日期")
    expy_end: Date = _f("有效期止")
    finl_trns_pric: N16_6 | None = _f("最终成交单价", None)
    purc_retn_cnt: N16_4 = _f("采购/退货数量")
    purc_invo_codg: C50 | None = _f("采购发票编码", None)
    purc_invo_no: C50 | None = _f("采购发票号", None)
    rx_flag: RxFlag = _f("处方药标志")
    purc_retn_stoin_time: DateTime = _f("采购/退货入库时间")
    purc_retn_opter_name: C50 = _f("经办人姓名", pii="staff")
    prod_geay_flag: Flag = _f("商品赠送标志")
    memo: C500 | None = _f("备注", None)


class PurchaseReturn(HsaBody):
    """3504 商品采购退货 (batch 3504A), node ``purcinfo`` / ``purcinfoDetail[]``."""

    med_list_codg: C50 = _f("医疗目录编码")
    fixmedins_hilist_id: C30 = _f("定点医药机构目录编号")
    fixmedins_hilist_name: C200 = _f("定点医药机构目录名称")
    fixmedins_bchno: C30 = _f("定点医药机构批次流水号")
    spler_name: C200 = _f("供应商名称")
    spler_pmtno: C50 | None = _f("供应商许可证号", None)
    manu_date: Date = _f("生产日期")
    expy_end: Date = _f("有效期止")
    finl_trns_pric: N16_6 | None = _f("最终成交单价", None)
    purc_retn_cnt: N16_4 = _f("采购/退货数量")
    purc_invo_codg: C50 | None = _f("采购发票编码", None)
    purc_invo_no: C50 = _f("采购发票号")
    rx_flag: RxFlag = _f("处方药标志")
    purc_retn_stoin_time: DateTime = _f("采购/退货入库时间")
    purc_retn_opter_name: C50 = _f("经办人姓名", pii="staff")
    memo: C500 | None = _f("备注", None)
    medins_prod_purc_no: C50 | None = _f("商品采购流水号", None)


class Sale(HsaBody):
    """3505 商品销售 (batch 3505A), node ``selinfo`` / ``selinfoDetail[]``.

    ``setl_id`` is required when ``mdtrt_setl_type`` is ``1`` (医保结算): "医保病人必填".
    """

    med_list_codg: C50 = _f("医疗目录编码")
    fixmedins_hilist_id: C30 = _f("定点医药机构目录编号")
    fixmedins_hilist_name: C200 = _f("定点医药机构目录名称")
    fixmedins_bchno: C30 = _f("定点医药机构批次流水号")
    prsc_dr_cert_type: PsnCertType | None = _f("开方医师证件类型", None)
    prsc_dr_certno: C50 | None = _f("开方医师证件号码", None, pii="staff")
    prsc_dr_name: C50 = _f("开方医师姓名", pii="staff")
    phar_cert_type: PsnCertType | None = _f("药师证件类型", None)
    phar_certno: C50 | None = _f("药师证件号码", None, pii="staff")
    phar_name: C50 = _f("药师姓名", pii="staff")
    phar_prac_cert_no: C50 = _f("药师执业资格证号", pii="staff")
    hi_feesetl_type: HiFeesetlType = _f("医保费用结算类型")
    setl_id: C30 | None = _f("结算ID", None)
    mdtrt_sn: C30 = _f("就医流水号")
    psn_no: C30 | None = _f("人员编号", None, pii="patient")
    psn_cert_type: PsnCertType = _f("人员证件类型")
    certno: C50 | None = _f("证件号码", None, pii="patient")
    psn_name: C50 | None = _f("人员姓名", None, pii="patient")
    manu_lotnum: C30 = _f("生产批号")
    manu_date: Date = _f("生产日期")
    expy_end: Date | None = _f("有效期止", None)
    rx_flag: RxFlag = _f("处方药标志")
    trdn_flag: Flag = _f("拆零标志")
    finl_trns_pric: N16_6 | None = _f("最终成交单价", None)
    rxno: C40 | None = _f("处方号", None)
    rx_circ_flag: Flag = _f("外购处方标志")
    rtal_docno: C40 = _f("零售单据号")
    stoout_no: C40 | None = _f("销售出库单据号", None)
    bchno: C30 | None = _f("批次号", None)
    drug_trac_codg: C30 | None = _f("药品追溯码", None)  # legacy single code, superseded by drugtracinfo
    drug_prod_barc: C30 | None = _f("药品条形码", None)
    shelf_posi: C20 | None = _f("货架位", None)
    sel_retn_cnt: N16_4 = _f("销售/退货数量")
    sel_retn_time: DateTime = _f("销售/退货时间")
    sel_retn_opter_name: C50 = _f("销售/退货经办人姓名", pii="staff")
    memo: C500 | None = _f("备注", None)
    mdtrt_setl_type: MdtrtSetlType | None = _f("就医结算类型", None)
    drugtracinfo: list[DrugTracInfo] | None = _f("溯源码节点信息", None)

    @model_validator(mode="after")
    def _setl_id_for_insured(self) -> Self:
        if self.mdtrt_setl_type == "1" and not self.setl_id:
            raise PydanticCustomError(
                "setl_id_required", "setl_id is required when mdtrt_setl_type is 1 (医保病人必填)"
            )
        return self


class SaleReturn(HsaBody):
    """3506 商品销售退货 (batch 3506A), node ``selinfo`` / ``selinfoDetail[]``."""

    med_list_codg: C50 = _f("医疗目录编码")
    fixmedins_hilist_id: C30 = _f("定点医药机构目录编号")
    fixmedins_hilist_name: C200 = _f("定点医药机构目录名称")
    fixmedins_bchno: C30 = _f("定点医药机构批次流水号")
    setl_id: C30 | None = _f("结算ID", None)
    psn_no: C30 | None = _f("人员编号", None, pii="patient")
    psn_cert_type: PsnCertType = _f("人员证件类型")
    certno: C50 | None = _f("证件号码", None, pii="patient")
    psn_name: C50 | None = _f("人员姓名", None, pii="patient")
    manu_lotnum: C30 = _f("生产批号")
    manu_date: Date = _f("生产日期")
    expy_end: Date | None = _f("有效期止", None)
    rx_flag: RxFlag = _f("处方药标志")
    trdn_flag: Flag = _f("拆零标志")
    finl_trns_pric: N16_6 | None = _f("最终成交单价", None)
    sel_retn_cnt: N16_4 = _f("销售/退货数量")
    sel_retn_time: DateTime = _f("销售/退货时间")
    sel_retn_opter_name: C50 = _f("销售/退货经办人姓名", pii="staff")
    memo: C500 | None = _f("备注", None)
    medins_prod_sel_no: C50 | None = _f("商品销售流水号", None)
    mdtrt_sn: C30 = _f("就医流水号")
    drugtracinfo: list[DrugTracInfo] | None = _f("溯源码节点信息", None)


class InventoryDelete(HsaBody):
    """3507 商品信息删除, node ``data``: deletes every record of one batch (lot) for one data type."""

    fixmedins_bchno: C30 = _f("定点医药机构批次流水号")
    inv_data_type: InvDataType = _f("进销存数据类型")
