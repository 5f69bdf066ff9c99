"""结算清单: 4101 / 4101A 医疗保障基金结算清单信息上传, 4102 状态修改, 4103 信息查询 (hsa.md §4.9).

4101 (original) sends the whole list: ``setlinfo`` with the money and seven list nodes. 4101A (revised, now the
usual one) drops ``payinfo`` and ``iteminfo`` (the platform fills money and items from its own settlement record),
adds ``bldinfo`` and ``setlinfo.psn_no``, and carries operation times instead of dates and doctors' names.

Fields shared by both ``setlinfo`` bodies are declared once (:class:`_SetlInfoCommon`). hsa.md gives the types of
most fields; where it gives only a name, the type is a generous text (or the kind the name implies: date,
weight, count) and a comment says so. The 4103 answer repeats the uploaded nodes, so its output models are read
back from the input bodies (:func:`_read_back`): same fields, any length, nothing refused.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, get_args

from pydantic import create_model
from pydantic.fields import FieldInfo

from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import (
    C3,
    C6,
    C10,
    C15,
    C20,
    C30,
    C40,
    C50,
    C100,
    C200,
    C500,
    N3,
    N4_1,
    N6_2,
    N16_2,
    Caty,
    Date,
    DateTime,
    DiagType,
    DscgWay,
    Flag,
    FundPayType,
    Gend,
    HsaBody,
    HsaOutput,
    MedChrgitmType,
    Naty,
    Nodes,
    OutDate,
    OutDateTime,
    OutNum,
    OutText,
    f,
    o,
)

#: N 3 (days, counts: no decimal places). base.py has no integer type yet.

# -- setlinfo ---------------------------------------------------------------------------------------------------


class _SetlInfoCommon(HsaBody):
    """The ``setlinfo`` fields 4101 and 4101A share."""

    mdtrt_id: C30 = f("就诊ID")
    setl_id: C30 = f("结算ID")
    hi_no: C30 | None = f("医保编号", None, pii="patient")
    medcasno: C40 = f("病案号")
    dcla_time: DateTime | None = f("申报时间", None)
    nwb_age: N3 | None = f("（年龄不足1周岁）年龄", None)  # in days
    ntly: C6 = f("国籍")
    prfs: C6 = f("职业")
    curr_addr: C200 | None = f("现住址", None, pii="patient")
    # emp_* and poscode: hsa.md gives no lengths
    emp_name: C200 | None = f("工作单位名称", None)
    emp_addr: C200 | None = f("工作单位地址", None)
    emp_tel: C50 | None = f("单位电话", None)
    poscode: C6 | None = f("邮编", None)
    coner_name: C50 = f("联系人姓名", pii="patient")
    patn_rlts: C6 = f("与患者关系")
    coner_addr: C200 = f("联系人地址", pii="patient")
    coner_tel: C50 = f("联系人电话", pii="patient")
    nwb_adm_type: C6 | None = f("新生儿入院类型", None)  # length not given
    nwb_bir_wt: N6_2 | None = f("新生儿出生体重", None)  # grams
    nwb_adm_wt: N6_2 | None = f("新生儿入院体重", None)  # grams
    opsp_diag_caty: Caty | None = f("门诊慢特病诊断科别", None)
    opsp_mdtrt_date: Date | None = f("门诊慢特病就诊日期", None)
    ipt_med_type: C3 = f("住院医疗类型")
    adm_way: C3 | None = f("入院途径", None)
    trt_type: C3 | None = f("治疗类别", None)
    adm_time: DateTime | None = f("入院时间", None)
    # hsa.md says C 6, but several transfers are joined with "→": a single department code would not fit
    refldept_dept: C200 | None = f("转科科别", None)
    dscg_time: DateTime | None = f("出院时间", None)
    dscg_caty: Caty = f("出院科别")
    # diagnosis names/codes: lengths not given
    otp_wm_dise: C200 | None = f("门（急）诊西医诊断", None)
    wm_dise_code: C30 | None = f("西医诊断疾病代码", None)
    otp_tcm_dise: C200 | None = f("门（急）诊中医诊断", None)
    tcm_dise_code: C30 | None = f("中医诊断代码", None)
    # durations as 天数/小时数/分钟数 (``1/13/24``); length not given
    vent_used_dura: C30 | None = f("呼吸机使用时长", None)
    pwcry_bfadm_coma_dura: C30 | None = f("颅脑损伤患者入院前昏迷时长", None)
    pwcry_afadm_coma_dura: C30 | None = f("颅脑损伤患者入院后昏迷时长", None)
    spga_nurscare_days: N3 | None = f("特级护理天数", None)
    lv1_nurscare_days: N3 | None = f("一级护理天数", None)
    scd_nurscare_days: N3 | None = f("二级护理天数", None)
    lv3_nurscare_days: N3 | None = f("三级护理天数", None)
    dscg_way: DscgWay | None = f("离院方式", None)
    acp_medins_name: C100 | None = f("拟接收机构名称", None)
    acp_optins_code: C30 | None = f("拟接收机构代码", None)
    bill_code: C50 = f("票据代码")
    bill_no: C30 = f("票据号码")
    biz_sn: C50 = f("业务流水号")
    days_rinp_flag_31: C3 | None = f("出院31天内再住院计划标志", None)
    days_rinp_pup_31: C200 | None = f("出院31天内再住院目的", None)
    chfpdr_name: C50 | None = f("主诊医师姓名", None, pii="staff")
    chfpdr_code: C30 | None = f("主诊医师代码", None)
    setl_begn_date: Date = f("结算开始日期")
    setl_end_date: Date = f("结算结束日期")
    hi_paymtd: C3 = f("医保支付方式")
    medins_fill_dept: C100 = f("医疗机构填报部门")
    medins_fill_psn: C50 = f("医疗机构填报人", pii="staff")


class SetlInfo(_SetlInfoCommon):
    """4101 医疗保障基金结算清单信息上传, input node ``setlinfo`` (the 82 fields hsa.md names)."""

    fixmedins_name: C200 = f("定点医药机构名称")
    fixmedins_code: C15 = f("定点医药机构编号")  # C 12
    hi_setl_lv: C3 | None = f("医保结算等级", None)
    psn_name: C50 = f("人员姓名", pii="patient")
    gend: Gend = f("性别")
    brdy: Date = f("出生日期")
    age: N4_1 | None = f("年龄", None)  # required from one year of age (younger: nwb_age)
    naty: Naty = f("民族")
    patn_cert_type: C3 = f("患者证件类别")
    certno: C50 = f("证件号码", pii="patient")
    hi_type: C3 = f("医保类型")
    insuplc: C6 = f("参保地")
    sp_psn_type: C6 | None = f("特殊人员类型", None)
    adm_caty: Caty = f("入院科别")
    act_ipt_days: N3 | None = f("实际住院天数", None)
    diag_code_cnt: N3 | None = f("诊断代码计数", None)
    maindiag_flag: Flag = f("主诊断标志")
    oprn_oprt_code_cnt: N3 | None = f("手术操作代码计数", None)
    # blood transfusion: types not given (4101A moves them to bldinfo[])
    bld_cat: C30 | None = f("输血品种", None)
    bld_amt: N16_2 | None = f("输血量", None)
    bld_unt: C30 | None = f("输血计量单位", None)
    psn_selfpay: N16_2 = f("个人自付")
    psn_ownpay: N16_2 = f("个人自费")
    acct_pay: N16_2 = f("个人账户支出")
    psn_cashpay: N16_2 = f("个人现金支付")
    hsorg: C100 = f("医保机构")
    hsorg_opter: C50 = f("医保机构经办人", pii="staff")


class SetlInfoA(_SetlInfoCommon):
    """4101A 医疗保障基金结算清单信息上传, input node ``setlinfo`` (names and required flags only in hsa.md)."""

    psn_no: C30 = f("人员编号", pii="patient")
    # several newborns' weights in one field; format and length not given
    mul_nwb_bir_wt: C200 | None = f("多新生儿出生体重", None)
    mul_nwb_adm_wt: C200 | None = f("多新生儿入院体重", None)
    resp_nurs_code: C30 = f("责任护士代码")  # length not given
    stas_type: C6 | None = f("状态分类", None)  # value set not given
    prfs_name: C100 | None = f("职业名称", None)  # one client only


# -- list nodes -------------------------------------------------------------------------------------------------


class FundPayment(HsaBody):
    """4101 input node ``payinfo[]``: one row per fund."""

    fund_pay_type: FundPayType = f("基金支付类型")
    fund_payamt: N16_2 = f("基金支付金额")


class ChronicDiagnosis(HsaBody):
    """4101 / 4101A input node ``opspdiseinfo[]`` (门诊慢特病)."""

    diag_name: C100 = f("诊断名称")
    diag_code: C20 = f("诊断代码")
    oprn_oprt_name: C500 = f("手术操作名称")
    oprn_oprt_code: C30 = f("手术操作代码")


class Diagnosis(HsaBody):
    """4101 / 4101A input node ``diseinfo[]``."""

    diag_type: DiagType = f("诊断类别")
    diag_code: C20 = f("诊断代码")
    diag_name: C100 = f("诊断名称")
    adm_cond_type: C3 | None = f("入院病情类型", None)
    maindiag_flag: Flag | None = f("主诊断标志", None)  # type and required flag not given


class ChargeItem(HsaBody):
    """4101 input node ``iteminfo[]``: one row per 医疗收费项目."""

    med_chrgitm: MedChrgitmType = f("医疗收费项目")
    amt: N16_2 = f("金额")
    claa_sumfee: N16_2 = f("甲类费用合计")
    clab_amt: N16_2 = f("乙类金额")
    fulamt_ownpay_amt: N16_2 = f("全自费金额")
    oth_amt: N16_2 = f("其他金额")


class Operation(HsaBody):
    """4101 input node ``oprninfo[]``."""

    oprn_oprt_type: C3 = f("手术操作类别")
    oprn_oprt_name: C500 = f("手术操作名称")
    oprn_oprt_code: C30 = f("手术操作代码")
    oprn_oprt_date: Date = f("手术操作日期")
    anst_way: C6 | None = f("麻醉方式", None)
    oper_dr_name: C50 = f("术者医师姓名", pii="staff")
    oper_dr_code: C20 = f("术者医师代码")
    anst_dr_name: C50 | None = f("麻醉医师姓名", None, pii="staff")
    anst_dr_code: C20 | None = f("麻醉医师代码", None)


class OperationA(HsaBody):
    """4101A input node ``oprninfo[]``: times replace 4101's date and doctors' names (types from 4101)."""

    oprn_oprt_type: C3 = f("手术操作类别")
    oprn_oprt_name: C500 = f("手术操作名称")
    oprn_oprt_code: C30 = f("手术操作代码")
    anst_way: C6 | None = f("麻醉方式", None)
    oper_dr_code: C20 = f("术者医师代码")
    anst_dr_code: C20 | None = f("麻醉医师代码", None)
    oprn_oprt_begntime: DateTime | None = f("手术操作开始时间", None)
    oprn_oprt_endtime: DateTime | None = f("手术操作结束时间", None)
    anst_begntime: DateTime | None = f("麻醉开始时间", None)
    anst_endtime: DateTime | None = f("麻醉结束时间", None)


class IcuStay(HsaBody):
    """4101 / 4101A input node ``icuinfo[]``."""

    scs_cutd_ward_type: C6 = f("重症监护病房类型")
    scs_cutd_inpool_time: DateTime = f("重症监护进入时间")
    scs_cutd_exit_time: DateTime = f("重症监护退出时间")
    scs_cutd_sum_dura: C10 = f("重症监护合计时长")  # 天/时/分


class Transfusion(HsaBody):
    """4101A input node ``bldinfo[]`` (types as 4101's ``setlinfo.bld_*``, not given by hsa.md)."""

    bld_cat: C30 = f("输血品种")
    bld_amt: N16_2 = f("输血量")
    bld_unt: C30 = f("输血计量单位")


# -- the inputs -------------------------------------------------------------------------------------------------
# hsa.md does not say which list nodes are required: all optional (an empty list is sent as ``[]``).


class SettlementList(Nodes):
    """4101 医疗保障基金结算清单信息上传 (original): ``setlinfo`` + seven list nodes."""

    setlinfo: SetlInfo = f("结算清单信息")
    payinfo: list[FundPayment] | None = f("基金支付信息", None)
    opspdiseinfo: list[ChronicDiagnosis] | None = f("门诊慢特病诊断信息", None)
    diseinfo: list[Diagnosis] | None = f("住院诊断信息", None)
    iteminfo: list[ChargeItem] | None = f("住院收费项目信息", None)
    oprninfo: list[Operation] | None = f("手术操作信息", None)
    icuinfo: list[IcuStay] | None = f("重症监护信息", None)


class SettlementListA(Nodes):
    """4101A 医疗保障基金结算清单信息上传 (revised): no ``payinfo``/``iteminfo``, adds ``bldinfo``."""

    setlinfo: SetlInfoA = f("结算清单信息")
    opspdiseinfo: list[ChronicDiagnosis] | None = f("门诊慢特病诊断信息", None)
    diseinfo: list[Diagnosis] | None = f("住院诊断信息", None)
    oprninfo: list[OperationA] | None = f("手术操作信息", None)
    icuinfo: list[IcuStay] | None = f("重症监护信息", None)
    bldinfo: list[Transfusion] | None = f("输血信息", None)


class SettlementListOutput(HsaOutput):
    """4101 / 4101A ``output`` (hsa.md names no node: read at the top level; anything else is kept)."""

    setl_list_id: OutText | None = o("清单流水号")


# hsa.md gives 4102/4103 field names only: the ids that find a list (and the status to set) are taken as required,
# without them the call means nothing.


class ListStatus(HsaBody):
    """4102 one row of ``data.stastinfo[]``."""

    psn_no: C30 = f("人员编号", pii="patient")
    setl_id: C30 = f("结算ID")
    stas_type: C6 = f("状态分类")  # value set not given


class ListStatusChange(HsaBody):
    """4102 医疗保障基金结算清单状态修改, input node ``data`` (``{"stastinfo": [...]}``)."""

    stastinfo: list[ListStatus] = f("状态信息")


class ListQuery(HsaBody):
    """4103 医疗保障基金结算清单信息查询, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    setl_id: C30 = f("结算ID")


# -- 4103 output: the uploaded nodes read back ------------------------------------------------------------------


def _kind(annotation: Any) -> Any:
    """Decimal, datetime or date when a field's type is (or wraps) one of them, else ``None`` (text)."""
    if annotation in (Decimal, datetime, date):
        return annotation
    for arg in get_args(annotation):
        if (found := _kind(arg)) is not None:
            return found
    return None


def _read_field(info: FieldInfo) -> tuple[Any, Any]:
    out = {Decimal: OutNum, datetime: OutDateTime, date: OutDate}.get(_kind(info.annotation), OutText)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return out | None, o(info.description or "", pii=extra.get("pii_subject"))


def _read_back(*bodies: type[HsaBody]) -> Any:
    """An output model with the fields of input bodies, read as outputs are (optional, any length, extras kept;
    personal-data flags carried over). Required flags of the answer are not given: none is marked."""
    fields: dict[str, Any] = {}
    for body in bodies:
        for name, info in body.model_fields.items():
            fields.setdefault(name, _read_field(info))
    return create_model(f"_{bodies[0].__name__}Read", __base__=HsaOutput, __module__=__name__, **fields)


class ListSetlInfo(_read_back(SetlInfo, SetlInfoA)):
    """4103 output node ``setlinfo``: the uploaded fields of 4101 and 4101A, plus those named below."""

    setl_list_sn: OutText | None = o("清单流水号")
    age_days: OutNum | None = o("年龄（天）")
    psn_cert_type: OutText | None = o("人员证件类型")
    emp_poscode: OutText | None = o("单位邮编")
    insutype: OutText | None = o("险种类型")


class ListFundPayment(_read_back(FundPayment)):
    """4103 output node ``payinfo[]``."""


class ListChronicDiagnosis(_read_back(ChronicDiagnosis)):
    """4103 output node ``opspdiseinfo[]``."""


class ListDiagnosis(_read_back(Diagnosis)):
    """4103 output node ``diseinfo[]``."""


class ListChargeItem(_read_back(ChargeItem)):
    """4103 output node ``iteminfo[]``."""


class ListOperation(_read_back(Operation, OperationA)):
    """4103 output node ``oprninfo[]`` (4101 and 4101A fields)."""


class ListIcuStay(_read_back(IcuStay)):
    """4103 output node ``icuinfo[]``."""


class ListTransfusion(_read_back(Transfusion)):
    """4103 output node ``bldinfo[]``."""


class ListQueryOutput(HsaOutput):
    """4103 ``output``."""

    setlinfo: ListSetlInfo | None = o("结算清单信息")
    payinfo: list[ListFundPayment] | None = o("基金支付信息")
    opspdiseinfo: list[ListChronicDiagnosis] | None = o("门诊慢特病诊断信息")
    diseinfo: list[ListDiagnosis] | None = o("住院诊断信息")
    iteminfo: list[ListChargeItem] | None = o("住院收费项目信息")
    oprninfo: list[ListOperation] | None = o("手术操作信息")
    icuinfo: list[ListIcuStay] | None = o("重症监护信息")
    bldinfo: list[ListTransfusion] | None = o("输血信息")


# fmt: off
ENTRIES = (
    Txn("4101", "医疗保障基金结算清单信息上传", None, SettlementList, output=SettlementListOutput,
        group="结算清单", section="4.9",
        unknowns="Some setlinfo fields have no type or length in public material (declared as generous text) "
                 "and the output setl_list_id is single-source."),
    Txn("4101A", "医疗保障基金结算清单信息上传", None, SettlementListA, output=SettlementListOutput,
        group="结算清单", section="4.9",
        unknowns="Only field names and required flags are public (types follow 4101 where shared, the rest are "
                 "generous text), and the output setl_list_id is uncertain."),
    Txn("4102", "医疗保障基金结算清单状态修改", "data", ListStatusChange, group="结算清单", section="4.9",
        unknowns="Field names only: lengths, required flags and the stas_type value set are assumed."),
    Txn("4103", "医疗保障基金结算清单信息查询", "data", ListQuery, output=ListQueryOutput, changes_state=False,
        group="结算清单", section="4.9",
        unknowns="Single-source names only: input required flags are assumed and the answer's fields are read "
                 "back from the 4101/4101A bodies (unnamed fields kept as sent)."),
)
# fmt: on
