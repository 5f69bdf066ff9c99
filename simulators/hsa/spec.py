"""The simulator's own reading of the 医保 interface spec (hsa.md §2.1, §4.0, §4.8) as data, and its checker.

Deliberately independent of ``hisbridge``: the client and this simulator are both written from the same spec,
so a mistake shared by construction could pass silently if one imported the other.

Notation follows hsa.md: ``C n`` string of at most n characters, ``N p,s`` number of p digits of which s
decimals (JSON number or numeric string), ``D`` ``yyyy-MM-dd``, ``DT`` ``yyyy-MM-dd HH:mm:ss``. ``req`` is
``Y`` (required), ``-`` (optional), ``2025`` (required by the 2024–2025 models only; enforced when the
simulator's ``require_2025_fields`` is on) or ``cond`` (required by a rule checked elsewhere).

:func:`check_fields` answers the first field error of a node as the platform words it
(``[selinfo.med_list_codg]不能为空``), or ``None``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

FieldType = Literal["C", "N", "D", "DT", "LIST", "OBJ"]
Req = Literal["Y", "-", "2025", "cond"]


@dataclass(frozen=True)
class Field:
    """One wire field: name as the spec spells it, Chinese name, type, size, required flag, dictionary."""

    name: str
    cn: str
    type: FieldType
    length: int | None = None  # C: max characters; N: total digits
    scale: int = 0  # N: decimals
    req: Req = "-"
    dict_name: str | None = None  # name of a dictionary in DICTS; enforced when set
    items: tuple[Field, ...] = ()  # LIST: fields of each element (elements are objects)

    def required(self, *, require_2025: bool) -> bool:
        return self.req == "Y" or (self.req == "2025" and require_2025)


def C(name: str, cn: str, length: int, req: Req = "-", dict_name: str | None = None) -> Field:
    return Field(name, cn, "C", length, req=req, dict_name=dict_name)


def N(name: str, cn: str, precision: int, scale: int, req: Req = "-") -> Field:
    return Field(name, cn, "N", precision, scale, req=req)


def D(name: str, cn: str, req: Req = "-") -> Field:
    return Field(name, cn, "D", req=req)


def DT(name: str, cn: str, req: Req = "-") -> Field:
    return Field(name, cn, "DT", req=req)


# --------------------------------------------------------------------------------------------------------------
# Dictionaries (hsa.md §6). Only those whose value sets are known are enforced.

FLAG = frozenset({"0", "1"})
DICTS: dict[str, frozenset[str]] = {
    "opter_type": frozenset({"1", "2", "3"}),
    # rx_flag: 0/1, one enum adds 2 "双跨" [U] -> accept all three.
    "rx_flag": frozenset({"0", "1", "2"}),
    "trdn_flag": FLAG,
    "rx_circ_flag": FLAG,
    "prod_geay_flag": FLAG,
    "mdtrt_setl_type": frozenset({"1", "2"}),
    "inv_chg_type": frozenset({str(n) for n in range(101, 112)}),
    "inv_data_type": frozenset({"1", "2", "3", "4"}),
    "psn_cert_type": frozenset({f"{n:02d}" for n in range(1, 18)} | {"90", "99", "990201", "990102"}),
}

#: inv_chg_type (3502): which codes add to stock and which take from it.
INV_CHG_IN = frozenset({"101", "103", "106", "108", "110"})
INV_CHG_OUT = frozenset({"102", "104", "105", "107", "109", "111"})

# --------------------------------------------------------------------------------------------------------------
# Envelope (公共输入参数, §2.1)

ENVELOPE: tuple[Field, ...] = (
    # infno: C4 in the table, 5 with a letter suffix (3505A), "4 or 6" in models -> 6.
    C("infno", "交易编号", 6, "Y"),
    C("msgid", "发送方报文ID", 30, "Y"),
    C("mdtrtarea_admvs", "就医地医保区划", 6, "Y"),
    C("insuplc_admdvs", "参保地医保区划", 6, "cond"),  # only for person transactions; none simulated here
    C("recer_sys_code", "接收方系统代码", 10, "Y"),
    C("dev_no", "设备编号", 100),
    C("dev_safe_info", "设备安全信息", 2000),
    C("cainfo", "数字签名信息", 1024),
    C("signtype", "签名类型", 10),
    C("infver", "接口版本号", 6, "Y"),
    C("opter_type", "经办人类别", 3, "Y", "opter_type"),
    C("opter", "经办人", 30, "Y"),
    C("opter_name", "经办人姓名", 50, "Y"),
    DT("inf_time", "交易时间", "Y"),
    C("fixmedins_code", "定点医药机构编号", 30, "Y"),
    C("fixmedins_name", "定点医药机构名称", 200, "Y"),
    C("sign_no", "交易签到流水号", 30, "cond"),  # required for every infno except 9001 (checked in app)
    Field("input", "交易输入", "OBJ", req="Y"),
)

#: msgid = fixmedins_code + yyyyMMddHHmmss + 4-digit sequence (§2.1, §5.1)
MSGID_TAIL = re.compile(r"^(\d{14})(\d{4})$")

# --------------------------------------------------------------------------------------------------------------
# 9001 / 9002 (§4.0)

SIGN_IN: tuple[Field, ...] = (
    C("opter_no", "操作员编号", 20, "Y"),
    C("mac", "签到MAC地址", 20),  # Y only in the Shenzhen table
    C("ip", "签到IP地址", 20, "Y"),
)

#: 9002 with the ``signOut`` wrapper (Jilin 2025, Shenzhen)
SIGN_OUT_WRAPPED: tuple[Field, ...] = (
    C("sign_no", "签到编号", 30),
    C("opter_no", "操作员编号", 20, "Y"),
)

#: 9002 flat under ``input`` (Chongqing: sign_no + opter_no; Hunan: sign_time + sign_no)
SIGN_OUT_FLAT: tuple[Field, ...] = (
    C("sign_no", "签到编号", 30),
    C("opter_no", "操作员编号", 20),
    DT("sign_time", "签到时间"),
)

# --------------------------------------------------------------------------------------------------------------
# 进销存 3501–3507 (§4.8)

DRUGTRACINFO = Field(
    "drugtracinfo",
    "溯源码节点信息",
    "LIST",
    items=(C("drug_trac_codg", "药品追溯码", 100, "Y"),),
)

INV_3501: tuple[Field, ...] = (
    C("med_list_codg", "医疗目录编码", 50, "Y"),
    C("fixmedins_hilist_id", "定点医药机构目录编号", 30, "Y"),
    C("fixmedins_hilist_name", "定点医药机构目录名称", 200, "Y"),
    C("rx_flag", "处方药标志", 3, "Y", "rx_flag"),
    D("invdate", "盘存日期", "Y"),
    N("inv_cnt", "库存数量", 16, 2, "Y"),
    C("manu_lotnum", "生产批号", 30),
    C("fixmedins_bchno", "定点医药机构批次流水号", 30, "Y"),
    D("manu_date", "生产日期", "Y"),
    D("expy_end", "有效期止", "Y"),
    C("memo", "备注", 500),
    DRUGTRACINFO,
)

INV_3502: tuple[Field, ...] = (
    C("med_list_codg", "医疗目录编码", 50, "Y"),
    C("inv_chg_type", "库存变更类型", 6, "Y", "inv_chg_type"),
    C("fixmedins_hilist_id", "定点医药机构目录编号", 30, "Y"),
    C("fixmedins_hilist_name", "定点医药机构目录名称", 200, "Y"),
    C("fixmedins_bchno", "定点医药机构批次流水号", 30, "Y"),
    N("pric", "单价", 16, 6, "Y"),
    N("cnt", "数量", 16, 4, "Y"),
    C("rx_flag", "处方药标志", 3, "Y", "rx_flag"),
    DT("inv_chg_time", "库存变更时间", "Y"),
    C("inv_chg_opter_name", "经办人姓名", 50),
    C("memo", "备注", 500),
    C("trdn_flag", "拆零标志", 3, "2025", "trdn_flag"),
    DRUGTRACINFO,
)

PURC_3503: tuple[Field, ...] = (
    C("med_list_codg", "医疗目录编码", 50, "Y"),
    C("fixmedins_hilist_id", "定点医药机构目录编号", 30, "Y"),
    C("fixmedins_hilist_name", "定点医药机构目录名称", 200, "Y"),
    C("dynt_no", "随货单号", 50),
    C("fixmedins_bchno", "定点医药机构批次流水号", 30, "Y"),
    C("spler_name", "供应商名称", 200, "Y"),
    C("spler_pmtno", "供应商许可证号", 50),
    C("manu_lotnum", "生产批号", 30, "Y"),
    C("prodentp_name", "生产厂家名称", 200, "Y"),  # Shenzhen: prdr_name (not accepted here)
    C("aprvno", "批准文号", 100, "Y"),
    D("manu_date", "生产日期", "Y"),
    D("expy_end", "有效期止", "Y"),
    N("finl_trns_pric", "最终成交单价", 16, 6),
    N("purc_retn_cnt", "采购/退货数量", 16, 4, "Y"),
    C("purc_invo_codg", "采购发票编码", 50),
    C("purc_invo_no", "采购发票号", 50),
    C("rx_flag", "处方药标志", 3, "Y", "rx_flag"),
    DT("purc_retn_stoin_time", "采购/退货入库时间", "Y"),
    C("purc_retn_opter_name", "经办人姓名", 50, "Y"),
    C("prod_geay_flag", "商品赠送标志", 3, "Y", "prod_geay_flag"),
    C("memo", "备注", 500),
)

PURC_3504: tuple[Field, ...] = (
    C("med_list_codg", "医疗目录编码", 50, "Y"),
    C("fixmedins_hilist_id", "定点医药机构目录编号", 30, "Y"),
    C("fixmedins_hilist_name", "定点医药机构目录名称", 200, "Y"),
    C("fixmedins_bchno", "定点医药机构批次流水号", 30, "Y"),
    C("spler_name", "供应商名称", 200, "Y"),
    C("spler_pmtno", "供应商许可证号", 50),
    D("manu_date", "生产日期", "Y"),
    D("expy_end", "有效期止", "Y"),
    N("finl_trns_pric", "最终成交单价", 16, 6),
    N("purc_retn_cnt", "采购/退货数量", 16, 4, "Y"),
    C("purc_invo_codg", "采购发票编码", 50),
    C("purc_invo_no", "采购发票号", 50, "Y"),
    C("rx_flag", "处方药标志", 3, "Y", "rx_flag"),
    DT("purc_retn_stoin_time", "采购/退货入库时间", "Y"),
    C("purc_retn_opter_name", "经办人姓名", 50, "Y"),
    C("memo", "备注", 500),
    C("medins_prod_purc_no", "商品采购流水号", 50),
)

SEL_3505: tuple[Field, ...] = (
    C("med_list_codg", "医疗目录编码", 50, "Y"),
    C("fixmedins_hilist_id", "定点医药机构目录编号", 30, "Y"),
    C("fixmedins_hilist_name", "定点医药机构目录名称", 200, "Y"),
    C("fixmedins_bchno", "定点医药机构批次流水号", 30, "Y"),
    C("prsc_dr_cert_type", "开方医师证件类型", 6, "-", "psn_cert_type"),
    C("prsc_dr_certno", "开方医师证件号码", 50),
    C("prsc_dr_name", "开方医师姓名", 50, "Y"),
    C("phar_cert_type", "药师证件类型", 6, "-", "psn_cert_type"),
    C("phar_certno", "药师证件号码", 50),
    C("phar_name", "药师姓名", 50, "Y"),
    C("phar_prac_cert_no", "药师执业资格证号", 50, "Y"),
    C("hi_feesetl_type", "医保费用结算类型", 6, "Y"),  # value set unknown [U]: not enforced
    C("setl_id", "结算ID", 30, "cond"),  # required when mdtrt_setl_type = 1
    C("mdtrt_sn", "就医流水号", 30, "Y"),
    C("psn_no", "人员编号", 30),
    C("psn_cert_type", "人员证件类型", 6, "Y", "psn_cert_type"),
    C("certno", "证件号码", 50),
    C("psn_name", "人员姓名", 50),
    C("manu_lotnum", "生产批号", 30, "Y"),
    D("manu_date", "生产日期", "Y"),
    D("expy_end", "有效期止", "2025"),
    C("rx_flag", "处方药标志", 3, "Y", "rx_flag"),
    C("trdn_flag", "拆零标志", 3, "Y", "trdn_flag"),
    N("finl_trns_pric", "最终成交单价", 16, 6),
    C("rxno", "处方号", 40),
    C("rx_circ_flag", "外购处方标志", 3, "2025", "rx_circ_flag"),
    C("rtal_docno", "零售单据号", 40, "Y"),
    C("stoout_no", "销售出库单据号", 40),
    C("bchno", "批次号", 30),
    C("drug_trac_codg", "药品追溯码", 30),  # legacy single code, superseded by drugtracinfo
    C("drug_prod_barc", "药品条形码", 30),
    C("shelf_posi", "货架位", 20),
    N("sel_retn_cnt", "销售/退货数量", 16, 4, "Y"),
    DT("sel_retn_time", "销售/退货时间", "Y"),
    C("sel_retn_opter_name", "销售/退货经办人姓名", 50, "Y"),
    C("memo", "备注", 500),
    C("mdtrt_setl_type", "就医结算类型", 6, "-", "mdtrt_setl_type"),
    DRUGTRACINFO,
)

SEL_3506: tuple[Field, ...] = (
    C("med_list_codg", "医疗目录编码", 50, "Y"),
    C("fixmedins_hilist_id", "定点医药机构目录编号", 30, "Y"),
    C("fixmedins_hilist_name", "定点医药机构目录名称", 200, "Y"),
    C("fixmedins_bchno", "定点医药机构批次流水号", 30, "Y"),
    C("setl_id", "结算ID", 30),
    C("psn_no", "人员编号", 30),
    C("psn_cert_type", "人员证件类型", 6, "Y", "psn_cert_type"),
    C("certno", "证件号码", 50),
    C("psn_name", "人员姓名", 50),
    C("manu_lotnum", "生产批号", 30, "Y"),
    D("manu_date", "生产日期", "Y"),
    D("expy_end", "有效期止"),
    C("rx_flag", "处方药标志", 3, "Y", "rx_flag"),
    C("trdn_flag", "拆零标志", 3, "Y", "trdn_flag"),
    N("finl_trns_pric", "最终成交单价", 16, 6),
    N("sel_retn_cnt", "销售/退货数量", 16, 4, "Y"),
    DT("sel_retn_time", "销售/退货时间", "Y"),
    C("sel_retn_opter_name", "销售/退货经办人姓名", 50, "Y"),
    C("memo", "备注", 500),
    C("medins_prod_sel_no", "商品销售流水号", 50),
    C("mdtrt_sn", "就医流水号", 30, "Y"),
    DRUGTRACINFO,
)

DEL_3507: tuple[Field, ...] = (
    C("fixmedins_bchno", "定点医药机构批次流水号", 30, "Y"),
    C("inv_data_type", "进销存数据类型", 30, "Y", "inv_data_type"),
)


# --------------------------------------------------------------------------------------------------------------
# Transaction catalogue: one line of data per transaction.

Kind = Literal["sign_in", "sign_out", "upload", "delete", "settlement"]  # settlement: settlement_spec.CATALOGUE


@dataclass(frozen=True)
class Txn:
    infno: str
    title: str
    kind: Kind
    node: str | None  # input node name (None for 9002, whose shape varies)
    fields: tuple[Field, ...] = ()
    many: bool = False  # batch "A" variant: node is a list of rows
    base: str | None = None  # the single infno whose rules a row follows (3505 for 3505A)
    inv_data_type: str | None = None  # 进销存数据类型 the records belong to (3507 deletes by it)
    row_node: str | None = None  # single-row node name, for messages (selinfo for selinfoDetail)
    err_node: str | None = None  # batch output node listing failed rows
    extra: Mapping[str, Any] = field(default_factory=dict)


def _upload(infno: str, title: str, node: str, fields: tuple[Field, ...], inv_data_type: str) -> list[Txn]:
    single = Txn(infno, title, "upload", node, fields, base=infno, inv_data_type=inv_data_type, row_node=node)
    batch = Txn(
        f"{infno}A",
        f"{title}（批量）",
        "upload",
        f"{node}Detail",
        fields,
        many=True,
        base=infno,
        inv_data_type=inv_data_type,
        row_node=node,
        err_node=f"{node}ErrDetail",
    )
    return [single, batch]


CATALOGUE: dict[str, Txn] = {
    t.infno: t
    for t in [
        Txn("9001", "签到", "sign_in", "signIn", SIGN_IN),
        Txn("9002", "签退", "sign_out", None),
        *_upload("3501", "商品盘存上传", "invinfo", INV_3501, "1"),
        *_upload("3502", "商品库存变更", "invinfo", INV_3502, "2"),
        *_upload("3503", "商品采购", "purcinfo", PURC_3503, "3"),
        *_upload("3504", "商品采购退货", "purcinfo", PURC_3504, "3"),
        *_upload("3505", "商品销售", "selinfo", SEL_3505, "4"),
        *_upload("3506", "商品销售退货", "selinfo", SEL_3506, "4"),
        Txn("3507", "商品信息删除", "delete", "data", DEL_3507),
    ]
}

#: quantity field of each 35xx row, and how it moves the stock of (fixmedins_bchno, med_list_codg)
QUANTITY: dict[str, tuple[str, str]] = {
    "3501": ("inv_cnt", "set"),
    "3502": ("cnt", "by_inv_chg_type"),
    "3503": ("purc_retn_cnt", "+"),
    "3504": ("purc_retn_cnt", "-"),
    "3505": ("sel_retn_cnt", "-"),
    "3506": ("sel_retn_cnt", "+"),
}

# --------------------------------------------------------------------------------------------------------------
# Checker


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _check_date(value: str, fmt: str, pattern: str) -> bool:
    if not re.fullmatch(pattern, value):
        return False
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def is_date(value: str) -> bool:
    return _check_date(value, "%Y-%m-%d", r"\d{4}-\d{2}-\d{2}")


def is_datetime(value: str) -> bool:
    return _check_date(value, "%Y-%m-%d %H:%M:%S", r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number or numeric string as Decimal; ``None`` when it is neither (bools are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return Decimal(repr(value))
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*", value):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the regex already excludes these
            return None
    return None


def _fits(number: Decimal, precision: int, scale: int) -> bool:
    t = number.as_tuple()
    digits, exponent = list(t.digits), t.exponent
    assert isinstance(exponent, int)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:  # trailing zeros after the point
        digits.pop()
        exponent += 1
    if digits == [0]:
        return True
    decimals = max(0, -exponent)
    integer_digits = max(0, len(digits) + exponent)
    return decimals <= scale and integer_digits <= precision - scale


def check_value(f: Field, value: Any, path: str, *, require_2025: bool) -> str | None:
    """The error for one present, non-blank value of field ``f`` at ``path``, or ``None``."""
    where = f"[{path}]"
    if f.type == "C":
        if not isinstance(value, str):
            return f"{where}类型错误，应为字符型"
        if f.length is not None and len(value) > f.length:
            return f"{where}长度超过{f.length}"
        if f.dict_name is not None and value not in DICTS[f.dict_name]:
            return f"{where}值[{value}]不在字典{f.dict_name}范围内"
        return None
    if f.type == "N":
        number = to_decimal(value)
        if number is None:
            return f"{where}类型错误，应为数值型"
        assert f.length is not None
        if not _fits(number, f.length, f.scale):
            return f"{where}数值[{value}]超出精度N{f.length},{f.scale}"
        return None
    if f.type == "D":
        if not isinstance(value, str) or not is_date(value):
            return f"{where}日期格式错误，应为yyyy-MM-dd"
        return None
    if f.type == "DT":
        if not isinstance(value, str) or not is_datetime(value):
            return f"{where}日期时间格式错误，应为yyyy-MM-dd HH:mm:ss"
        return None
    if f.type == "OBJ":
        if not isinstance(value, dict):
            return f"{where}类型错误，应为JSON对象"
        return None
    if f.type == "LIST":
        if not isinstance(value, list):
            return f"{where}类型错误，应为数组"
        for i, element in enumerate(value):
            if not isinstance(element, dict):
                return f"[{path}[{i}]]类型错误，应为JSON对象"
            problem = check_fields(f.items, element, f"{path}[{i}]", require_2025=require_2025)
            if problem:
                return problem
        return None
    raise AssertionError(f"unknown field type {f.type}")  # pragma: no cover


def check_fields(
    fields: tuple[Field, ...], node: Mapping[str, Any], path: str, *, require_2025: bool
) -> str | None:
    """First field error of ``node`` against ``fields`` (in table order), or ``None``. Unknown keys are ignored."""
    for f in fields:
        value = node.get(f.name)
        where = f"{path}.{f.name}" if path else f.name
        if _blank(value) or (f.type == "LIST" and value == []):
            if f.required(require_2025=require_2025):
                return f"[{where}]不能为空"
            continue
        problem = check_value(f, value, where, require_2025=require_2025)
        if problem:
            return problem
    return None


def trace_codes(row: Mapping[str, Any]) -> list[str]:
    """The ``drugtracinfo[].drug_trac_codg`` values of a row that passed :func:`check_fields`."""
    return [str(e["drug_trac_codg"]) for e in row.get("drugtracinfo") or []]


def _sale_setl_id(row: Mapping[str, Any], path: str) -> str | None:
    """3505: ``setl_id`` is required for 医保 patients (``mdtrt_setl_type = 1``)."""
    if row.get("mdtrt_setl_type") == "1" and _blank(row.get("setl_id")):
        return f"[{path}.setl_id]不能为空(mdtrt_setl_type=1医保结算时必填)"
    return None


#: conditional requirements (``cond`` in the tables), per single infno
COND_RULES: dict[str, Callable[[Mapping[str, Any], str], str | None]] = {"3505": _sale_setl_id}


def check_row(txn: Txn, row: Mapping[str, Any], path: str, *, require_2025: bool) -> str | None:
    """First field error of one 35xx row (types, sizes, required, dictionaries, conditional fields)."""
    problem = check_fields(txn.fields, row, path, require_2025=require_2025)
    if problem:
        return problem
    rule = COND_RULES.get(txn.base or txn.infno)
    return rule(row, path) if rule else None


def blank(value: Any) -> bool:
    """``None`` or an all-blank string: what the platform calls 为空."""
    return _blank(value)
