"""The simulator's own reading of the 两定 (settlement) transactions of hsa.md as data: field tables, dictionaries.

Covers §4.1 (1101, 2001), §4.2 (2201–2208), §4.3 (2301–2305, 2401–2405), §4.4 (2503/2504), §4.5 (2601), §4.6
(3201/3202), §4.7 (3301/3302), §4.9 (4101/4101A/4102/4103), §4.10 (5201–5206, 5301, 5303), §4.11 (9101/9102)
and the unpublished 9903 (§4.12; an assumption, see ``README.md``). Written from hsa.md only — like
:mod:`simulators.hsa.spec`, whose notation and checker it reuses (``C n``, ``N p,s``, ``D``, ``DT``; ``req`` ``Y`` /
``-`` / ``2025`` / ``cond``).

Dictionaries are enforced only where hsa.md gives a value set marked **[C]** (or lists the values in the field
table itself); province-defined or **[U]** code sets (``caty``, ``dscg_way``, ``matn_type``, ``stas_type`` …) are
checked for type and length only. ``med_type`` is enforced against the union of every value §6 lists (core
codes and the Jilin/Hunan sub-codes), so a typo is caught but a listed sub-code passes.

A transaction is an :class:`STxn`: its input nodes (:class:`Node`: object, array, or either) with their fields,
whether it concerns a person (then the envelope's ``insuplc_admdvs`` is required, hsa.md §2.1 / §7.2), and the
output node names it answers with (documentation; the handlers in :mod:`simulators.hsa.settlement` build them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from simulators.hsa import spec
from simulators.hsa.spec import DT, C, D, Field, N

# --------------------------------------------------------------------------------------------------------------
# Dictionaries (hsa.md §6) — registered into spec.DICTS so the shared checker can enforce them.

FLAG = frozenset({"0", "1"})
_MED_TYPE_CORE = {"11", "12", "13", "14", "15", "16", "21", "22", "23", "24", "25", "26", "27", "28", "29",
                  "41", "51", "52", "61"}  # fmt: skip
_MED_TYPE_SUB = {"140104", "140201", "2114", "3101", "3102", "5212", "9107", "990404", "2101", "2102", "9901"} | {
    f"99{n:02d}" for n in range(2, 33)
}
#: GB 3304 民族: 01–56, 97 其他未识别民族, 98 外国血统中国籍人士
_NATY = {f"{n:02d}" for n in range(1, 57)} | {"97", "98"}

DICTS: dict[str, frozenset[str]] = {
    "mdtrt_cert_type": frozenset({"01", "02", "03"}),
    "insutype": frozenset({"310", "320", "330", "340", "350", "360", "370", "380", "390", "391", "392", "399",
                           "410", "510", "39999"}),  # fmt: skip
    "med_type": frozenset(_MED_TYPE_CORE | _MED_TYPE_SUB),
    "clr_type": frozenset({"11", "21", "41", "99"}),
    "psn_setlway": frozenset({"01", "02"}),
    "flag": FLAG,
    "gend": frozenset({"0", "1", "2", "9"}),
    "naty": frozenset(_NATY),
    "hosp_appr_flag": frozenset({"0", "1", "2"}),
    "diag_type": frozenset({"1", "2", "3"}),
    # list_type: Jilin 2025 and Hunan 2021 disagree (§4.7) -> the union of both
    "list_type": frozenset({"101", "102", "103", "104", "105", "201", "301"}),
}
for _name, _values in DICTS.items():
    if spec.DICTS.get(_name, _values) != _values:  # pragma: no cover - a programming error
        raise RuntimeError(f"dictionary {_name} is defined differently in spec.py")
    spec.DICTS[_name] = _values


def F(name: str, cn: str, length: int, req: spec.Req = "-") -> Field:
    """A ``0``/``1`` flag (hsa.md §6: "flags generally — 0 否, 1 是 [C]")."""
    return C(name, cn, length, req, "flag")


def AMT(name: str, cn: str, req: spec.Req = "-") -> Field:
    """Money: ``N 16,2``."""
    return N(name, cn, 16, 2, req)


def LIST(name: str, cn: str, items: tuple[Field, ...], req: spec.Req = "-") -> Field:
    return Field(name, cn, "LIST", req=req, items=items)


# --------------------------------------------------------------------------------------------------------------
# Transaction shape


Shape = Literal["obj", "list", "obj_or_list"]


@dataclass(frozen=True)
class Node:
    """One input node: ``obj`` (a JSON object), ``list`` (an array of objects) or ``obj_or_list`` (either)."""

    name: str
    fields: tuple[Field, ...]
    shape: Shape = "obj"
    req: bool = True


@dataclass(frozen=True)
class STxn:
    infno: str
    title: str
    nodes: tuple[Node, ...]
    person: bool = True  # input carries psn_no -> envelope insuplc_admdvs required (§2.1, §7.2)
    output: tuple[str, ...] = ()  # output node names (documentation)


# --------------------------------------------------------------------------------------------------------------
# §4.1 Person / eligibility

DATA_1101 = (
    C("mdtrt_cert_type", "就诊凭证类型", 3, "Y", "mdtrt_cert_type"),
    C("mdtrt_cert_no", "就诊凭证编号", 50, "Y"),
    C("card_sn", "卡识别码", 32, "cond"),  # required when mdtrt_cert_type = 03
    DT("begntime", "开始时间"),
    C("psn_cert_type", "人员证件类型", 6, "Y", "psn_cert_type"),
    C("certno", "证件号码", 50),
    C("psn_name", "人员姓名", 50),
)

DATA_2001 = (
    C("psn_no", "人员编号", 30, "Y"),
    C("insutype", "险种类型", 6, "Y", "insutype"),
    C("fixmedins_code", "定点医药机构编号", 12, "Y"),
    C("med_type", "医疗类别", 6, "Y", "med_type"),
    DT("begntime", "开始时间", "Y"),
    DT("endtime", "结束时间"),
    C("dise_codg", "病种编码", 30),
    C("dise_name", "病种名称", 500),
    C("oprn_oprt_code", "手术操作代码", 30, "cond"),  # required for 日间手术 (med_type 28)
    C("oprn_oprt_name", "手术操作名称", 500),
    C("matn_type", "生育类别", 6),
    C("birctrl_type", "计划生育手术类别", 6),
)

# --------------------------------------------------------------------------------------------------------------
# §4.2 Outpatient

DATA_2201 = (
    C("psn_no", "人员编号", 30, "Y"),
    C("insutype", "险种类型", 6, "Y", "insutype"),
    DT("begntime", "开始时间", "Y"),
    C("mdtrt_cert_type", "就诊凭证类型", 3, "Y", "mdtrt_cert_type"),
    C("mdtrt_cert_no", "就诊凭证编号", 50, "Y"),
    C("ipt_otp_no", "住院/门诊号", 30, "Y"),
    C("atddr_no", "医师编码", 30, "Y"),
    C("dr_name", "医师姓名", 50, "Y"),
    C("dept_code", "科室编码", 30, "Y"),
    C("dept_name", "科室名称", 100, "Y"),
    C("caty", "科别", 6, "Y"),  # national dept dict, value set not in hsa.md
)

DATA_2202 = (
    C("psn_no", "人员编号", 30, "Y"),
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("ipt_otp_no", "住院/门诊号", 30, "Y"),
)

MDTRTINFO_2203 = (
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
    C("med_type", "医疗类别", 6, "Y", "med_type"),
    DT("begntime", "开始时间", "Y"),
    C("main_cond_dscr", "主要病情描述", 1000),
    C("dise_codg", "病种编码", 30),
    C("dise_name", "病种名称", 500),
    C("birctrl_type", "计划生育手术类别", 6),
    D("birctrl_matn_date", "计划生育手术或生育日期"),
    C("matn_type", "生育类别", 6),
    N("geso_val", "孕周数", 2, 0),
)

DISEINFO_2203 = (
    C("diag_type", "诊断类别", 3, "Y", "diag_type"),
    N("diag_srt_no", "诊断排序号", 2, 0, "Y"),
    C("diag_code", "诊断代码", 20, "Y"),
    C("diag_name", "诊断名称", 100, "Y"),
    C("diag_dept", "诊断科室", 50, "Y"),
    C("dise_dor_no", "诊断医生编码", 30, "Y"),
    C("dise_dor_name", "诊断医生姓名", 50, "Y"),
    DT("diag_time", "诊断时间", "Y"),
    F("vali_flag", "有效标志", 3, "Y"),
)

FEEDETAIL_2204 = (
    C("feedetl_sn", "费用明细流水号", 30, "Y"),
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
    C("chrg_bchno", "收费批次号", 30, "Y"),
    C("dise_codg", "病种编码", 30),
    C("rxno", "处方号", 30),
    F("rx_circ_flag", "外购处方标志", 3, "Y"),
    DT("fee_ocur_time", "费用发生时间", "Y"),
    C("med_list_codg", "医疗目录编码", 50, "Y"),
    C("medins_list_codg", "医药机构目录编码", 150, "Y"),
    AMT("det_item_fee_sumamt", "明细项目费用总额", "Y"),
    N("cnt", "数量", 16, 4, "Y"),
    N("pric", "单价", 16, 6, "Y"),
    C("sin_dos_dscr", "单次剂量描述", 200),
    C("used_frqu_dscr", "使用频次描述", 200),
    N("prd_days", "周期天数", 4, 2),
    C("medc_way_dscr", "用药途径描述", 200),
    C("bilg_dept_codg", "开单科室编码", 30, "Y"),
    C("bilg_dept_name", "开单科室名称", 100, "Y"),
    C("bilg_dr_codg", "开单医生编码", 30, "Y"),
    C("bilg_dr_name", "开单医师姓名", 50, "Y"),
    C("acord_dept_codg", "受单科室编码", 30),
    C("acord_dept_name", "受单科室名称", 100),
    C("orders_dr_code", "受单医生编码", 30),
    C("orders_dr_name", "受单医生姓名", 50),
    C("hosp_appr_flag", "医院审批标志", 3, "Y", "hosp_appr_flag"),
    C("tcmdrug_used_way", "中药使用方式", 6),
    F("etip_flag", "外检标志", 3),
    C("etip_hosp_code", "外检医院编码", 30),
    F("dscg_tkdrug_flag", "出院带药标志", 3),
    C("matn_fee_flag", "生育费用标志", 6),
)

DATA_2205 = (
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("chrg_bchno", "收费批次号", 30, "Y"),  # "0000": every unsettled detail of the visit
    C("psn_no", "人员编号", 30, "Y"),
)

DATA_2206 = (
    C("psn_no", "人员编号", 30, "Y"),
    C("mdtrt_cert_type", "就诊凭证类型", 3, "Y", "mdtrt_cert_type"),
    C("mdtrt_cert_no", "就诊凭证编号", 50, "Y"),
    C("med_type", "医疗类别", 6, "Y", "med_type"),
    AMT("medfee_sumamt", "医疗费总额", "Y"),
    C("psn_setlway", "个人结算方式", 6, "Y", "psn_setlway"),
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("chrg_bchno", "收费批次号", 30, "Y"),
    F("acct_used_flag", "个人账户使用标志", 1, "Y"),
    C("insutype", "险种类型", 6, "Y", "insutype"),
)

#: the four split amounts a later 2207 revision (and 2303/2304) carry
SPLIT_AMOUNTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")
_SPLIT_CN = {"fulamt_ownpay_amt": "全自费金额", "overlmt_selfpay": "超限价金额", "preselfpay_amt": "先行自付金额",
             "inscp_scp_amt": "符合政策范围金额"}  # fmt: skip

DATA_2207 = (
    *DATA_2206,
    C("invono", "发票号", 20),
    *(AMT(n, _SPLIT_CN[n]) for n in SPLIT_AMOUNTS),
)

DATA_2208 = (
    C("setl_id", "结算ID", 30, "Y"),
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
)

# --------------------------------------------------------------------------------------------------------------
# §4.3 Inpatient

_MDTRTINFO_2401_TAIL = (
    C("medrcdno", "病历号", 30),
    C("atddr_no", "主治医生编码", 30, "Y"),
    C("chfpdr_name", "主诊医师姓名", 50, "Y"),
    C("adm_diag_dscr", "入院诊断描述", 200, "Y"),
    C("adm_dept_codg", "入院科室编码", 30, "Y"),
    C("adm_dept_name", "入院科室名称", 100, "Y"),
    C("adm_bed", "入院床位", 30, "Y"),
    C("dscg_maindiag_code", "住院主诊断代码", 20, "Y"),
    C("dscg_maindiag_name", "住院主诊断名称", 300, "Y"),
    C("main_cond_dscr", "主要病情描述", 1000),
    C("dise_codg", "病种编码", 30),
    C("dise_name", "病种名称", 500),
    C("oprn_oprt_code", "手术操作代码", 30, "cond"),  # 日间手术 (med_type 28)
    C("oprn_oprt_name", "手术操作名称", 500),
    C("fpsc_no", "计划生育服务证号", 50),
    C("matn_type", "生育类别", 6),
    C("birctrl_type", "计划生育手术类别", 6),
    F("latechb_flag", "晚育标志", 3),
    N("geso_val", "孕周数", 2, 0),
    N("fetts", "胎次", 3, 0),
    N("fetus_cnt", "胎儿数", 3, 0),
    F("pret_flag", "早产标志", 3),
    D("birctrl_matn_date", "计划生育手术或生育日期"),
    C("dise_type_code", "病种类型", 6),
)

MDTRTINFO_2401 = (
    C("psn_no", "人员编号", 30, "Y"),
    C("insutype", "险种类型", 6, "Y", "insutype"),
    C("coner_name", "联系人姓名", 50),
    C("tel", "联系电话", 50),
    DT("begntime", "入院时间", "Y"),
    C("mdtrt_cert_type", "就诊凭证类型", 3, "Y", "mdtrt_cert_type"),
    C("mdtrt_cert_no", "就诊凭证编号", 50, "Y"),
    C("med_type", "医疗类别", 6, "Y", "med_type"),
    C("ipt_no", "住院号", 30, "Y"),
    *_MDTRTINFO_2401_TAIL,
)

DISEINFO_2401 = (
    C("psn_no", "人员编号", 30, "Y"),
    C("diag_type", "诊断类别", 3, "Y", "diag_type"),
    F("maindiag_flag", "主诊断标志", 3, "Y"),
    N("diag_srt_no", "诊断排序号", 2, 0, "Y"),
    C("diag_code", "诊断代码", 20, "Y"),
    C("diag_name", "诊断名称", 100, "Y"),
    C("adm_cond", "入院病情", 500),
    C("diag_dept", "诊断科室", 50, "Y"),
    C("dise_dor_no", "诊断医生编码", 30, "Y"),
    C("dise_dor_name", "诊断医生姓名", 50, "Y"),
    DT("diag_time", "诊断时间", "Y"),
)

DSCGINFO_2402 = (
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
    C("insutype", "险种类型", 6, "Y", "insutype"),
    DT("endtime", "出院时间", "Y"),
    C("dise_codg", "病种编码", 30),
    C("dise_name", "病种名称", 500),
    C("oprn_oprt_code", "手术操作代码", 30),
    C("oprn_oprt_name", "手术操作名称", 500),
    C("fpsc_no", "计划生育服务证号", 50),
    C("matn_type", "生育类别", 6),
    C("birctrl_type", "计划生育手术类别", 6),
    F("latechb_flag", "晚育标志", 3),
    N("geso_val", "孕周数", 2, 0),
    N("fetts", "胎次", 3, 0),
    N("fetus_cnt", "胎儿数", 3, 0),
    F("pret_flag", "早产标志", 3),
    D("birctrl_matn_date", "计划生育手术或生育日期"),
    F("cop_flag", "伴有并发症标志", 3),
    C("dscg_dept_codg", "出院科室编码", 30, "Y"),
    C("dscg_dept_name", "出院科室名称", 100, "Y"),
    C("dscg_bed", "出院床位", 30),
    C("dscg_way", "离院方式", 3, "Y"),  # value set [U]: not enforced
    D("die_date", "死亡日期"),
)

DISEINFO_2402 = (*DISEINFO_2401, C("mdtrt_id", "就诊ID", 30))

ADMINFO_2403 = (
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
    C("coner_name", "联系人姓名", 50),
    C("tel", "联系电话", 50),
    DT("begntime", "入院时间", "Y"),
    DT("endtime", "出院时间"),
    C("mdtrt_cert_type", "就诊凭证类型", 3, "Y", "mdtrt_cert_type"),
    C("med_type", "医疗类别", 6, "Y", "med_type"),
    C("ipt_otp_no", "住院/门诊号", 30, "Y"),
    *_MDTRTINFO_2401_TAIL,
)

DISEINFO_2403 = (*DISEINFO_2401, C("mdtrt_id", "就诊ID", 30, "Y"))

DATA_MDTRT_PSN = (  # 2404, 2405
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
)

FEEDETAIL_2301 = (
    C("feedetl_sn", "费用明细流水号", 30, "Y"),
    C("init_feedetl_sn", "原费用流水号", 30),
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("drord_no", "医嘱号", 30),
    C("psn_no", "人员编号", 30, "Y"),
    C("med_type", "医疗类别", 6, "Y", "med_type"),
    DT("fee_ocur_time", "费用发生时间", "Y"),
    C("med_list_codg", "医疗目录编码", 50, "Y"),
    C("medins_list_codg", "医药机构目录编码", 150, "Y"),
    AMT("det_item_fee_sumamt", "明细项目费用总额", "Y"),
    N("cnt", "数量", 16, 4, "Y"),  # negative for 退单 rows
    N("pric", "单价", 16, 6, "Y"),
    C("bilg_dept_codg", "开单科室编码", 30, "Y"),
    C("bilg_dept_name", "开单科室名称", 100, "Y"),
    C("bilg_dr_codg", "开单医生编码", 30, "Y"),
    C("bilg_dr_name", "开单医师姓名", 50, "Y"),
    C("acord_dept_codg", "受单科室编码", 30),
    C("acord_dept_name", "受单科室名称", 100),
    C("orders_dr_code", "受单医生编码", 30),
    C("orders_dr_name", "受单医生姓名", 50),
    C("hosp_appr_flag", "医院审批标志", 3, "-", "hosp_appr_flag"),
    C("tcmdrug_used_way", "中药使用方式", 6),
    F("etip_flag", "外检标志", 3),
    C("etip_hosp_code", "外检医院编码", 30),
    F("dscg_tkdrug_flag", "出院带药标志", 3),
    C("matn_fee_flag", "生育费用标志", 6),
    C("memo", "备注", 500),
)

DATA_2302 = (
    C("feedetl_sn", "费用明细流水号", 30, "Y"),  # "0000": every unsettled detail of the stay
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
)

_DATA_2303_HEAD = (
    C("psn_no", "人员编号", 30, "Y"),
    C("mdtrt_cert_type", "就诊凭证类型", 3, "Y", "mdtrt_cert_type"),
    C("mdtrt_cert_no", "就诊凭证编号", 50, "Y"),
    AMT("medfee_sumamt", "医疗费总额", "Y"),
    C("psn_setlway", "个人结算方式", 6, "Y", "psn_setlway"),
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("insutype", "险种类型", 6, "Y", "insutype"),
    F("acct_used_flag", "个人账户使用标志", 1, "Y"),
    C("invono", "发票号", 20),
    F("mid_setl_flag", "中途结算标志", 3, "Y"),
)
#: 2303: the four split amounts are required (Chongqing model); 2304: optional
DATA_2303 = (*_DATA_2303_HEAD, *(AMT(n, _SPLIT_CN[n], "Y") for n in SPLIT_AMOUNTS))
DATA_2304 = (*_DATA_2303_HEAD, *(AMT(n, _SPLIT_CN[n]) for n in SPLIT_AMOUNTS))

DATA_2305 = (
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("setl_id", "结算ID", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
)

# --------------------------------------------------------------------------------------------------------------
# §4.4 Filing, §4.5 冲正

DATA_2503 = (
    C("psn_no", "人员编号", 30, "Y"),
    C("insutype", "险种类型", 6, "Y", "insutype"),
    C("opsp_dise_code", "门慢门特病种目录代码", 30, "Y"),
    C("opsp_dise_name", "门慢门特病种名称", 300, "Y"),
    C("tel", "联系电话", 50),
    C("addr", "联系地址", 200),
    C("insu_optins", "参保机构医保区划", 6, "Y"),
    C("ide_fixmedins_no", "鉴定定点医药机构编号", 30, "Y"),
    C("ide_fixmedins_name", "鉴定定点医药机构名称", 200, "Y"),
    D("hosp_ide_date", "医院鉴定日期", "Y"),
    C("diag_dr_codg", "诊断医师编码", 30, "Y"),
    C("diag_dr_name", "诊断医师姓名", 50, "Y"),
    D("begndate", "开始日期", "Y"),
    D("enddate", "结束日期"),
)

DATA_2504 = (
    C("trt_dcla_detl_sn", "待遇申报明细流水号", 30, "Y"),
    C("psn_no", "人员编号", 30, "Y"),
    C("memo", "备注", 500, "Y"),
)

DATA_2601 = (
    C("psn_no", "人员编号", 30, "Y"),
    C("omsgid", "原发送方报文ID", 30, "Y"),
    C("oinfno", "原交易编号", 4, "Y"),
)

# --------------------------------------------------------------------------------------------------------------
# §4.6 Reconciliation, §4.7 Catalog matching

DATA_3201 = (
    C("insutype", "险种", 6, "Y", "insutype"),
    C("clr_type", "清算类别", 6, "Y", "clr_type"),
    C("setl_optins", "结算经办机构", 6, "Y"),
    D("stmt_begndate", "对账开始日期", "Y"),
    D("stmt_enddate", "对账结束日期", "Y"),
    AMT("medfee_sumamt", "医疗费总额", "Y"),
    AMT("fund_pay_sumamt", "基金支付总额", "Y"),
    AMT("acct_pay", "个人账户支付金额", "Y"),
    N("fixmedins_setl_cnt", "定点医药机构结算笔数", 10, 0, "Y"),
    C("refd_setl_flag", "退费结算标志", 3),  # value set [U]: "0"/"1" understood, others refused by the handler
)

DATA_3202 = (
    C("setl_optins", "结算经办机构", 6, "Y"),
    C("file_qury_no", "文件查询号", 30, "Y"),
    D("stmt_begndate", "对账开始日期", "Y"),
    D("stmt_enddate", "对账结束日期", "Y"),
    AMT("medfee_sumamt", "医疗费总额", "Y"),
    AMT("fund_pay_sumamt", "基金支付总额", "Y"),
    AMT("cash_payamt", "现金支付金额", "Y"),
    N("fixmedins_setl_cnt", "定点医药机构结算笔数", 10, 0, "Y"),
    C("clr_type", "清算类别", 6, "2025", "clr_type"),
    C("refd_setl_flag", "退费结算标志", 3, "2025"),
)

DATA_3301 = (
    C("fixmedins_hilist_id", "定点医药机构目录编号", 30, "Y"),
    C("fixmedins_hilist_name", "定点医药机构目录名称", 200, "Y"),
    C("list_type", "目录类别", 30, "Y", "list_type"),
    C("med_list_codg", "医疗目录编码", 30, "Y"),
    D("begndate", "开始日期", "Y"),
    D("enddate", "结束日期", "Y"),
    C("aprvno", "批准文号", 30),
    C("dosform", "剂型", 200),
    C("exct_cont", "除外内容", 2000),
    C("item_cont", "项目内涵", 2000),
    C("prcunt", "计价单位", 100),
    C("spec", "规格", 200),
    C("pacspec", "包装规格", 100),
    C("memo", "备注", 500),
)

DATA_3302 = (
    C("fixmedins_code", "定点医药机构编号", 30, "Y"),
    C("fixmedins_hilist_id", "定点医药机构目录编号", 30, "Y"),
    C("list_type", "目录类别", 30, "Y", "list_type"),
    C("med_list_codg", "医疗目录编码", 30, "Y"),
)

# --------------------------------------------------------------------------------------------------------------
# §4.9 Settlement list (医保结算清单). Fields whose type hsa.md does not give are C with a generous length [U].

_SETLINFO_COMMON_OPT = (
    C("hi_no", "医保编号", 30),
    DT("dcla_time", "申报时间"),
    N("nwb_age", "(不足1周岁)年龄(天)", 3, 0),
    C("curr_addr", "现住址", 200),
    C("emp_name", "工作单位名称", 200),
    C("emp_addr", "工作单位地址", 200),
    C("emp_tel", "单位电话", 50),
    C("poscode", "邮编", 6),
    C("nwb_adm_type", "新生儿入院类型", 3),
    N("nwb_bir_wt", "新生儿出生体重(g)", 6, 2),
    N("nwb_adm_wt", "新生儿入院体重(g)", 6, 2),
    C("opsp_diag_caty", "门诊慢特病诊断科别", 30),
    D("opsp_mdtrt_date", "门诊慢特病就诊日期"),
    C("adm_way", "入院途径", 3),
    C("trt_type", "治疗类别", 3),
    DT("adm_time", "入院时间"),
    C("refldept_dept", "转科科别", 100),  # "C 6" in hsa.md, but several joined with "→" [U]
    DT("dscg_time", "出院时间"),
    C("otp_wm_dise", "门(急)诊西医诊断", 200),
    C("wm_dise_code", "西医诊断疾病代码", 30),
    C("otp_tcm_dise", "门(急)诊中医诊断", 200),
    C("tcm_dise_code", "中医诊断代码", 30),
    C("vent_used_dura", "呼吸机使用时长", 20),
    C("pwcry_bfadm_coma_dura", "颅脑损伤患者入院前昏迷时长", 20),
    C("pwcry_afadm_coma_dura", "颅脑损伤患者入院后昏迷时长", 20),
    N("spga_nurscare_days", "特级护理天数", 3, 0),
    N("lv1_nurscare_days", "一级护理天数", 3, 0),
    N("scd_nurscare_days", "二级护理天数", 3, 0),
    N("lv3_nurscare_days", "三级护理天数", 3, 0),
    C("dscg_way", "离院方式", 3),
    C("acp_medins_name", "拟接收机构名称", 100),
    C("acp_optins_code", "拟接收机构代码", 30),
    C("days_rinp_flag_31", "出院31天内再住院计划标志", 3),
    C("days_rinp_pup_31", "出院31天内再住院目的", 200),
    C("chfpdr_name", "主诊医师姓名", 50),
    C("chfpdr_code", "主诊医师代码", 30),
)

SETLINFO_4101 = (
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("setl_id", "结算ID", 30, "Y"),
    C("fixmedins_name", "定点医药机构名称", 200, "Y"),
    C("fixmedins_code", "定点医药机构编号", 12, "Y"),
    C("hi_setl_lv", "医保结算等级", 3),
    C("medcasno", "病案号", 40, "Y"),
    C("psn_name", "人员姓名", 50, "Y"),
    C("gend", "性别", 6, "Y", "gend"),
    D("brdy", "出生日期", "Y"),
    N("age", "年龄", 4, 1, "cond"),  # ≥ 1 岁必填
    C("ntly", "国籍", 6, "Y"),
    C("naty", "民族", 3, "Y", "naty"),
    C("patn_cert_type", "患者证件类别", 3, "Y"),
    C("certno", "证件号码", 50, "Y"),
    C("prfs", "职业", 6, "Y"),
    C("coner_name", "联系人姓名", 50, "Y"),
    C("patn_rlts", "与患者关系", 6, "Y"),
    C("coner_addr", "联系人地址", 200, "Y"),
    C("coner_tel", "联系人电话", 50, "Y"),
    C("hi_type", "医保类型", 3, "Y"),
    C("insuplc", "参保地", 6, "Y"),
    C("sp_psn_type", "特殊人员类型", 6),
    C("ipt_med_type", "住院医疗类型", 3, "Y"),
    C("adm_caty", "入院科别", 6, "Y"),
    C("dscg_caty", "出院科别", 6, "Y"),
    N("act_ipt_days", "实际住院天数", 3, 0),
    N("diag_code_cnt", "诊断代码计数", 3, 0),
    C("maindiag_flag", "主诊断标志", 3, "Y"),
    N("oprn_oprt_code_cnt", "手术操作代码计数", 3, 0),
    C("bld_cat", "输血品种", 30),
    N("bld_amt", "输血量", 16, 2),
    C("bld_unt", "输血计量单位", 30),
    C("bill_code", "票据代码", 50, "Y"),
    C("bill_no", "票据号码", 30, "Y"),
    C("biz_sn", "业务流水号", 50, "Y"),
    D("setl_begn_date", "结算开始日期", "Y"),
    D("setl_end_date", "结算结束日期", "Y"),
    AMT("psn_selfpay", "个人自付", "Y"),
    AMT("psn_ownpay", "个人自费", "Y"),
    AMT("acct_pay", "个人账户支出", "Y"),
    AMT("psn_cashpay", "个人现金支付", "Y"),
    C("hi_paymtd", "医保支付方式", 3, "Y"),
    C("hsorg", "医保机构", 100, "Y"),
    C("hsorg_opter", "医保机构经办人", 50, "Y"),
    C("medins_fill_dept", "医疗机构填报部门", 100, "Y"),
    C("medins_fill_psn", "医疗机构填报人", 50, "Y"),
    *_SETLINFO_COMMON_OPT,
)

SETLINFO_4101A = (
    C("psn_no", "人员编号", 30, "Y"),
    C("mdtrt_id", "就诊ID", 30, "Y"),
    C("setl_id", "结算ID", 30, "Y"),
    C("medcasno", "病案号", 40, "Y"),
    C("ntly", "国籍", 6, "Y"),
    C("prfs", "职业", 6, "Y"),
    C("coner_name", "联系人姓名", 50, "Y"),
    C("patn_rlts", "与患者关系", 6, "Y"),
    C("coner_addr", "联系人地址", 200, "Y"),
    C("coner_tel", "联系人电话", 50, "Y"),
    C("ipt_med_type", "住院医疗类型", 3, "Y"),
    C("dscg_caty", "出院科别", 6, "Y"),
    C("bill_code", "票据代码", 50, "Y"),
    C("bill_no", "票据号码", 30, "Y"),
    C("biz_sn", "业务流水号", 50, "Y"),
    D("setl_begn_date", "结算开始日期", "Y"),
    D("setl_end_date", "结算结束日期", "Y"),
    C("hi_paymtd", "医保支付方式", 3, "Y"),
    C("medins_fill_dept", "医疗机构填报部门", 100, "Y"),
    C("medins_fill_psn", "医疗机构填报人", 50, "Y"),
    C("resp_nurs_code", "责任护士代码", 30, "Y"),
    C("mul_nwb_bir_wt", "多新生儿出生体重", 100),
    C("mul_nwb_adm_wt", "多新生儿入院体重", 100),
    C("stas_type", "状态分类", 6),
    C("prfs_name", "职业名称", 100),
    *_SETLINFO_COMMON_OPT,
)

PAYINFO_4101 = (C("fund_pay_type", "基金支付类型", 6, "Y"), AMT("fund_payamt", "基金支付金额", "Y"))
OPSPDISEINFO_4101 = (
    C("diag_name", "诊断名称", 100, "Y"),
    C("diag_code", "诊断代码", 20, "Y"),
    C("oprn_oprt_name", "手术操作名称", 500, "Y"),
    C("oprn_oprt_code", "手术操作代码", 30, "Y"),
)
DISEINFO_4101 = (
    C("diag_type", "诊断类别", 3, "Y", "diag_type"),
    C("diag_code", "诊断代码", 20, "Y"),
    C("diag_name", "诊断名称", 100, "Y"),
    C("adm_cond_type", "入院病情类型", 3),
    C("maindiag_flag", "主诊断标志", 3),
)
ITEMINFO_4101 = (
    C("med_chrgitm", "医疗收费项目", 6, "Y"),
    AMT("amt", "金额", "Y"),
    AMT("claa_sumfee", "甲类费用合计", "Y"),
    AMT("clab_amt", "乙类金额", "Y"),
    AMT("fulamt_ownpay_amt", "全自费金额", "Y"),
    AMT("oth_amt", "其他金额", "Y"),
)
OPRNINFO_4101 = (
    C("oprn_oprt_type", "手术操作类别", 3, "Y"),
    C("oprn_oprt_name", "手术操作名称", 500, "Y"),
    C("oprn_oprt_code", "手术操作代码", 30, "Y"),
    D("oprn_oprt_date", "手术操作日期", "Y"),
    C("anst_way", "麻醉方式", 6),
    C("oper_dr_name", "术者医师姓名", 50, "Y"),
    C("oper_dr_code", "术者医师代码", 20, "Y"),
    C("anst_dr_name", "麻醉医师姓名", 50),
    C("anst_dr_code", "麻醉医师代码", 20),
)
OPRNINFO_4101A = (
    C("oprn_oprt_type", "手术操作类别", 3, "Y"),
    C("oprn_oprt_name", "手术操作名称", 500, "Y"),
    C("oprn_oprt_code", "手术操作代码", 30, "Y"),
    C("anst_way", "麻醉方式", 6),
    C("oper_dr_code", "术者医师代码", 20, "Y"),
    C("anst_dr_code", "麻醉医师代码", 20),
    DT("oprn_oprt_begntime", "手术操作开始时间"),
    DT("oprn_oprt_endtime", "手术操作结束时间"),
    DT("anst_begntime", "麻醉开始时间"),
    DT("anst_endtime", "麻醉结束时间"),
)
ICUINFO_4101 = (
    C("scs_cutd_ward_type", "重症监护病房类型", 6, "Y"),
    DT("scs_cutd_inpool_time", "重症监护进入时间", "Y"),
    DT("scs_cutd_exit_time", "重症监护退出时间", "Y"),
    C("scs_cutd_sum_dura", "重症监护合计时长", 10, "Y"),
)
BLDINFO_4101A = (
    C("bld_cat", "输血品种", 30, "Y"),
    N("bld_amt", "输血量", 16, 2, "Y"),
    C("bld_unt", "输血计量单位", 30, "Y"),
)

DATA_4102 = (
    LIST(
        "stastinfo",
        "状态信息",
        (C("psn_no", "人员编号", 30, "Y"), C("setl_id", "结算ID", 30, "Y"), C("stas_type", "状态分类", 6, "Y")),
        "Y",
    ),
)

DATA_PSN_SETL = (C("psn_no", "人员编号", 30, "Y"), C("setl_id", "结算ID", 30, "Y"))  # 4103

# --------------------------------------------------------------------------------------------------------------
# §4.10 Queries

DATA_5201 = (
    C("psn_no", "人员编号", 30, "Y"),
    DT("begntime", "开始时间", "Y"),
    DT("endtime", "结束时间", "Y"),
    C("med_type", "医疗类别", 6, "-", "med_type"),
    C("mdtrt_id", "就诊ID", 30),
)
DATA_5202 = (C("mdtrt_id", "就诊ID", 30, "Y"), C("psn_no", "人员编号", 30, "Y"))
DATA_5203 = (C("psn_no", "人员编号", 30, "Y"), C("setl_id", "结算ID", 30, "Y"), C("mdtrt_id", "就诊ID", 30))
DATA_5204 = (C("psn_no", "人员编号", 30, "Y"), C("setl_id", "结算ID", 30), C("mdtrt_id", "就诊ID", 30, "Y"))
DATA_5206 = (C("psn_no", "人员编号", 30, "Y"), C("cum_ym", "累计年月", 6))
DATA_5301 = (C("psn_no", "人员编号", 30, "Y"),)
DATA_5303 = (C("psn_no", "人员编号", 30), DT("begntime", "开始时间", "Y"), DT("endtime", "结束时间", "Y"))

# --------------------------------------------------------------------------------------------------------------
# §4.11 Files, §4.12 9903

FSUPLOADIN_9101 = (
    Field("in", "文件数据", "C", None, req="Y"),  # Base64 text (a JSON byte array is converted first)
    C("filename", "文件名", 200, "Y"),
    C("fixmedins_code", "医药机构编号", 30, "Y"),
)
FSDOWNLOADIN_9102 = (
    C("file_qury_no", "文件查询号", 30, "Y"),
    C("filename", "文件名", 200, "Y"),
    C("fixmedins_code", "医药机构编号", 30, "Y"),
)
#: 9903 is not in any public source (§4.12): the simulator's assumption is a person-eligibility query
DATA_9903 = (C("psn_no", "人员编号", 30, "Y"), C("insutype", "险种类型", 6, "-", "insutype"))

# --------------------------------------------------------------------------------------------------------------
# Catalogue


def _data(fields: tuple[Field, ...]) -> tuple[Node, ...]:
    return (Node("data", fields),)


TRANSACTIONS: tuple[STxn, ...] = (
    STxn("1101", "人员信息获取", _data(DATA_1101), person=False, output=("baseinfo", "insuinfo", "idetinfo")),
    STxn("2001", "人员待遇享受检查", _data(DATA_2001), output=("trtinfo",)),
    STxn("2201", "门诊挂号", _data(DATA_2201), output=("data",)),
    STxn("2202", "门诊挂号撤销", _data(DATA_2202)),
    STxn("2203", "门诊就诊信息上传", (Node("mdtrtinfo", MDTRTINFO_2203), Node("diseinfo", DISEINFO_2203, "list"))),
    STxn("2203A", "门诊就诊信息上传(A)",
         (Node("mdtrtinfo", MDTRTINFO_2203), Node("diseinfo", DISEINFO_2203, "list", req=False))),
    STxn("2204", "门诊费用明细信息上传", (Node("feedetail", FEEDETAIL_2204, "list"),), output=("result",)),
    STxn("2205", "门诊费用明细信息撤销", _data(DATA_2205)),
    STxn("2206", "门诊预结算", _data(DATA_2206), output=("setlinfo", "setldetail")),
    STxn("2207", "门诊结算", _data(DATA_2207), output=("setlinfo", "setldetail")),
    STxn("2208", "门诊结算撤销", _data(DATA_2208), output=("setlinfo", "setldetail")),
    STxn("2301", "住院费用明细上传", (Node("feedetail", FEEDETAIL_2301, "list"),), output=("result",)),
    STxn("2302", "住院费用明细撤销", (Node("data", DATA_2302, "obj_or_list"),)),
    STxn("2303", "住院预结算", _data(DATA_2303), output=("setlinfo", "setldetail")),
    STxn("2304", "住院结算", _data(DATA_2304), output=("setlinfo", "setldetail")),
    STxn("2305", "住院结算撤销", _data(DATA_2305), output=("setlinfo", "setldetail")),
    STxn("2401", "入院办理", (Node("mdtrtinfo", MDTRTINFO_2401), Node("diseinfo", DISEINFO_2401, "list")),
         output=("result",)),
    STxn("2402", "出院办理", (Node("dscginfo", DSCGINFO_2402), Node("diseinfo", DISEINFO_2402, "list"))),
    STxn("2403", "住院信息变更",
         (Node("adminfo", ADMINFO_2403), Node("diseinfo", DISEINFO_2403, "list", req=False))),
    STxn("2404", "入院办理撤销", _data(DATA_MDTRT_PSN)),
    STxn("2405", "出院办理撤销", _data(DATA_MDTRT_PSN)),
    STxn("2503", "人员慢特病备案", _data(DATA_2503), output=("result",)),
    STxn("2504", "人员慢特病备案撤销", _data(DATA_2504)),
    STxn("2601", "冲正交易", _data(DATA_2601)),
    STxn("3201", "医药机构费用结算对总账", _data(DATA_3201), person=False, output=("stmtinfo",)),
    STxn("3202", "医药机构费用结算对明细账", _data(DATA_3202), person=False, output=("fileinfo",)),
    STxn("3301", "目录对照上传", (Node("data", DATA_3301, "obj_or_list"),), person=False),
    STxn("3302", "目录对照撤销", _data(DATA_3302), person=False),
    STxn(
        "4101",
        "医疗保障基金结算清单信息上传",
        (
            Node("setlinfo", SETLINFO_4101),
            Node("payinfo", PAYINFO_4101, "list", req=False),
            Node("opspdiseinfo", OPSPDISEINFO_4101, "list", req=False),
            Node("diseinfo", DISEINFO_4101, "list", req=False),
            Node("iteminfo", ITEMINFO_4101, "list", req=False),
            Node("oprninfo", OPRNINFO_4101, "list", req=False),
            Node("icuinfo", ICUINFO_4101, "list", req=False),
        ),
        person=False,
        output=("setl_list_id",),
    ),
    STxn(
        "4101A",
        "医疗保障基金结算清单信息上传(A)",
        (
            Node("setlinfo", SETLINFO_4101A),
            Node("opspdiseinfo", OPSPDISEINFO_4101, "list", req=False),
            Node("diseinfo", DISEINFO_4101, "list", req=False),
            Node("oprninfo", OPRNINFO_4101A, "list", req=False),
            Node("icuinfo", ICUINFO_4101, "list", req=False),
            Node("bldinfo", BLDINFO_4101A, "list", req=False),
        ),
        output=("setl_list_id",),
    ),
    STxn("4102", "医疗保障基金结算清单状态修改", _data(DATA_4102)),
    STxn("4103", "医疗保障基金结算清单信息查询", _data(DATA_PSN_SETL),
         output=("setlinfo", "payinfo", "opspdiseinfo", "diseinfo", "iteminfo", "oprninfo", "icuinfo", "bldinfo")),
    STxn("5201", "就诊信息查询", _data(DATA_5201), output=("mdtrtinfo",)),
    STxn("5202", "诊断信息查询", _data(DATA_5202), output=("diseinfo",)),
    STxn("5203", "结算信息查询", _data(DATA_5203), output=("setlinfo", "setldetail")),
    STxn("5204", "费用明细查询", _data(DATA_5204), output=("data",)),
    STxn("5206", "人员累计信息查询", _data(DATA_5206), output=("cuminfo",)),
    STxn("5301", "人员慢特病备案查询", _data(DATA_5301), output=("feedetail",)),
    STxn("5303", "在院信息查询", _data(DATA_5303), output=("data",)),
    STxn("9101", "文件上传", (Node("fsUploadIn", FSUPLOADIN_9101),), person=False,
         output=("file_qury_no", "filename", "dld_endtime")),
    STxn("9102", "文件下载", (Node("fsDownloadIn", FSDOWNLOADIN_9102),), person=False),
    STxn("9903", "人员资格查询(假设)", _data(DATA_9903), output=("data",)),
)  # fmt: skip

BY_INFNO: Mapping[str, STxn] = {t.infno: t for t in TRANSACTIONS}

#: the same transactions as entries of the shared catalogue shape (kind "settlement"), for the app's dispatch
CATALOGUE: dict[str, spec.Txn] = {
    t.infno: spec.Txn(t.infno, t.title, "settlement", t.nodes[0].name, t.nodes[0].fields, extra={"stxn": t})
    for t in TRANSACTIONS
}

#: 2601 may undo these (hsa.md §5.2)
REVERSIBLE = frozenset({"2207", "2208", "2304", "2305", "2401"})
