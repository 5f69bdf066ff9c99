"""门诊: 2201 挂号 … 2208 结算撤销 (hsa.md §4.2).

The usual flow is 2201 → 2203 → 2204 → 2206 → 2207; each step that leaves data on the platform has its own
undo (2202, 2205, 2208), and 2601 冲正 may reverse 2207/2208 when their answer was lost (§5.2).
"""

from __future__ import annotations

from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import (
    C3,
    C6,
    C20,
    C30,
    C50,
    C100,
    C200,
    C500,
    C1000,
    N2,
    N6_2,
    N16_2,
    N16_4,
    N16_6,
    Caty,
    Date,
    DateTime,
    DiagType,
    ExpContent,
    Flag,
    HospApprFlag,
    HsaBody,
    HsaOutput,
    Insutype,
    MdtrtCertType,
    MedType,
    Nodes,
    OutDate,
    OutDateTime,
    OutNum,
    OutText,
    PsnSetlway,
    f,
    o,
)

#: ``N 2`` (诊断排序号, 孕周数): whole numbers of at most two digits — base.py has no integer N type
#: 扩展字段: "C 4000, JSON text or object" (§3) — provincial extensions, so both shapes are accepted

# -- 2201 / 2202 挂号 ------------------------------------------------------------------------------------------


class Registration(HsaBody):
    """2201 门诊挂号, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    insutype: Insutype = f("险种类型")
    begntime: DateTime = f("开始时间")  # 挂号时间
    mdtrt_cert_type: MdtrtCertType = f("就诊凭证类型")
    # the ID-card number when mdtrt_cert_type is 02, the e-voucher token for 01, the card number for 03
    mdtrt_cert_no: C50 = f("就诊凭证编号", pii="patient")
    ipt_otp_no: C30 = f("住院/门诊号")  # the HIS's own visit number (院内唯一流水)
    atddr_no: C30 = f("医师编码")
    dr_name: C50 = f("医师姓名", pii="staff")
    dept_code: C30 = f("科室编码")
    dept_name: C100 = f("科室名称")
    caty: Caty = f("科别")


class RegistrationResult(HsaOutput):
    """2201 output node ``data``."""

    # the platform's visit id: the key of every later step of the visit
    mdtrt_id: OutText | None = o("就诊ID", required=True)
    psn_no: OutText | None = o("人员编号", required=True, pii="patient")
    ipt_otp_no: OutText | None = o("住院/门诊号", required=True)


class RegistrationOutput(HsaOutput):
    """2201 ``output``."""

    data: RegistrationResult | None = o("挂号结果", required=True)


class RegistrationRevoke(HsaBody):
    """2202 门诊挂号撤销, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    mdtrt_id: C30 = f("就诊ID")
    ipt_otp_no: C30 = f("住院/门诊号")


# -- 2203 / 2203A 就诊信息 ---------------------------------------------------------------------------------------


class VisitInfo(HsaBody):
    """2203 门诊就诊信息上传, input node ``mdtrtinfo``."""

    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")
    med_type: MedType = f("医疗类别")
    begntime: DateTime = f("开始时间")  # 就诊时间
    main_cond_dscr: C1000 | None = f("主要病情描述", None)
    # 按病种结算病种目录代码 or 门诊慢特病病种目录代码, depending on med_type
    dise_codg: C30 | None = f("病种编码", None)
    dise_name: C500 | None = f("病种名称", None)
    birctrl_type: C6 | None = f("计划生育手术类别", None)  # 生育门诊 only; value set not captured
    birctrl_matn_date: Date | None = f("计划生育手术或生育日期", None)
    matn_type: C6 | None = f("生育类别", None)  # value set not captured
    geso_val: N2 | None = f("孕周数", None)


class Diagnosis(HsaBody):
    """2203 门诊就诊信息上传, input node ``diseinfo`` (one element)."""

    diag_type: DiagType = f("诊断类别")
    diag_srt_no: N2 = f("诊断排序号")
    diag_code: C20 = f("诊断代码")
    diag_name: C100 = f("诊断名称")
    diag_dept: C50 = f("诊断科室")
    dise_dor_no: C30 = f("诊断医生编码")
    dise_dor_name: C50 = f("诊断医生姓名", pii="staff")
    diag_time: DateTime = f("诊断时间")
    vali_flag: Flag = f("有效标志")


class VisitUpload(Nodes):
    """2203 / 2203A 门诊就诊信息上传: input nodes ``mdtrtinfo`` + ``diseinfo[]``."""

    mdtrtinfo: VisitInfo = f("就诊信息")
    # required even for 2203A, where one client leaves it out [1]: sending the diagnoses is always accepted
    diseinfo: list[Diagnosis] = f("诊断信息")


# -- 2204 / 2205 费用明细 ----------------------------------------------------------------------------------------


class FeeDetail(HsaBody):
    """2204 门诊费用明细信息上传, input node ``feedetail`` (one element)."""

    feedetl_sn: C30 = f("费用明细流水号")  # unique within one mdtrt_id
    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")
    # groups the rows 2206/2207 settle together; every row of a batch must carry the same dise_codg
    chrg_bchno: C30 = f("收费批次号")
    dise_codg: C30 | None = f("病种编码", None)
    rxno: C30 | None = f("处方号", None)  # the 外购处方号 when rx_circ_flag is 1, else the HIS's
    rx_circ_flag: Flag = f("外购处方标志")
    fee_ocur_time: DateTime = f("费用发生时间")
    med_list_codg: C50 = f("医疗目录编码")
    medins_list_codg: C200 = f("医药机构目录编码")  # C 150 in the spec: C200 is the nearest type
    det_item_fee_sumamt: N16_2 = f("明细项目费用总额")  # cnt × pric, rounded
    cnt: N16_4 = f("数量")
    pric: N16_6 = f("单价")
    sin_dos_dscr: C200 | None = f("单次剂量描述", None)
    used_frqu_dscr: C200 | None = f("使用频次描述", None)
    prd_days: N6_2 | None = f("周期天数", None)  # N 4,2 in the spec: N6_2 is the nearest type
    medc_way_dscr: C200 | None = f("用药途径描述", None)
    bilg_dept_codg: C30 = f("开单科室编码")
    bilg_dept_name: C100 = f("开单科室名称")
    bilg_dr_codg: C30 = f("开单医生编码")
    bilg_dr_name: C50 = f("开单医师姓名", pii="staff")
    acord_dept_codg: C30 | None = f("受单科室编码", None)
    acord_dept_name: C100 | None = f("受单科室名称", None)
    orders_dr_code: C30 | None = f("受单医生编码", None)
    orders_dr_name: C50 | None = f("受单医生姓名", None, pii="staff")
    hosp_appr_flag: HospApprFlag = f("医院审批标志")
    # the next four are dictionaries whose values the spec material does not give: open text
    tcmdrug_used_way: C6 | None = f("中药使用方式", None)
    etip_flag: C3 | None = f("外检标志", None)
    etip_hosp_code: C30 | None = f("外检医院编码", None)
    dscg_tkdrug_flag: C3 | None = f("出院带药标志", None)
    matn_fee_flag: C6 | None = f("生育费用标志", None)
    exp_content: ExpContent | None = f("扩展字段", None)  # e.g. Chongqing's er_flag 急诊标志 [1]


class FeeDetailResult(HsaOutput):
    """2204 / 2301 output node ``result`` (one element per uploaded row: 明细分割)."""

    feedetl_sn: OutText | None = o("费用明细流水号", required=True)
    det_item_fee_sumamt: OutNum | None = o("明细项目费用总额", required=True)
    cnt: OutNum | None = o("数量", required=True)
    pric: OutNum | None = o("单价", required=True)
    pric_uplmt_amt: OutNum | None = o("定价上限金额", required=True)
    selfpay_prop: OutNum | None = o("自付比例")
    fulamt_ownpay_amt: OutNum | None = o("全自费金额")
    overlmt_amt: OutNum | None = o("超限价金额")
    preselfpay_amt: OutNum | None = o("先行自付金额")
    inscp_scp_amt: OutNum | None = o("符合政策范围金额")
    chrgitm_lv: OutText | None = o("收费项目等级", required=True)
    med_chrgitm_type: OutText | None = o("医疗收费项目类别", required=True)
    bas_medn_flag: OutText | None = o("基本药物标志")
    hi_nego_drug_flag: OutText | None = o("医保谈判药品标志")
    chld_medc_flag: OutText | None = o("儿童用药标志")
    list_sp_item_flag: OutText | None = o("目录特项标志")
    lmt_used_flag: OutText | None = o("限制使用标志", required=True)
    drt_reim_flag: OutText | None = o("直报标志")
    memo: OutText | None = o("备注")  # 明细分割错误信息


class FeeDetailOutput(HsaOutput):
    """2204 / 2301 ``output``."""

    result: list[FeeDetailResult] | None = o("明细分割结果", required=True)


class FeeDetailRevoke(HsaBody):
    """2205 门诊费用明细信息撤销, input node ``data``: only unsettled details can be withdrawn."""

    mdtrt_id: C30 = f("就诊ID")
    chrg_bchno: C30 = f("收费批次号")  # "0000" withdraws every unsettled detail of the visit
    psn_no: C30 = f("人员编号", pii="patient")


# -- 2206 / 2207 / 2208 结算 -----------------------------------------------------------------------------------


class PreSettlement(HsaBody):
    """2206 门诊预结算, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    mdtrt_cert_type: MdtrtCertType = f("就诊凭证类型")
    mdtrt_cert_no: C50 = f("就诊凭证编号", pii="patient")
    med_type: MedType = f("医疗类别")
    medfee_sumamt: N16_2 = f("医疗费总额")  # must equal the sum of the batch's uploaded details
    psn_setlway: PsnSetlway = f("个人结算方式")
    mdtrt_id: C30 = f("就诊ID")
    chrg_bchno: C30 = f("收费批次号")
    acct_used_flag: Flag = f("个人账户使用标志")
    insutype: Insutype = f("险种类型")


class Settlement(PreSettlement):
    """2207 门诊结算, input node ``data``: the 2206 fields plus the invoice number and, in later versions, the
    policy split of the total."""

    invono: C20 | None = f("发票号", None)
    # later revisions only (also in a 2021 Chongqing traffic log); the Shenzhen model has only inscp_scp_amt
    fulamt_ownpay_amt: N16_2 | None = f("全自费金额", None)
    overlmt_selfpay: N16_2 | None = f("超限价金额", None)
    preselfpay_amt: N16_2 | None = f("先行自付金额", None)
    inscp_scp_amt: N16_2 | None = f("符合政策范围金额", None)


class SettlementRevoke(HsaBody):
    """2208 门诊结算撤销, input node ``data``."""

    setl_id: C30 = f("结算ID")
    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")
    exp_content: ExpContent | None = f("扩展字段", None)


class SettlementInfo(HsaOutput):
    """2206 / 2207 / 2208 and 2303 / 2304 / 2305 output node ``setlinfo`` (pre-settlements: ids, time and ``clr_*``
    may be null; cancels: the amounts negated, ``medins_setl_id`` the cancel request's msgid)."""

    mdtrt_id: OutText | None = o("就诊ID", required=True)
    setl_id: OutText | None = o("结算ID", required=True)
    psn_no: OutText | None = o("人员编号", required=True, pii="patient")
    psn_name: OutText | None = o("人员姓名", required=True, pii="patient")
    psn_cert_type: OutText | None = o("人员证件类型", required=True)
    certno: OutText | None = o("证件号码", required=True, pii="patient")
    gend: OutText | None = o("性别")
    naty: OutText | None = o("民族")
    brdy: OutDate | None = o("出生日期")
    age: OutNum | None = o("年龄")
    insutype: OutText | None = o("险种类型")
    psn_type: OutText | None = o("人员类别", required=True)
    cvlserv_flag: OutText | None = o("公务员标志", required=True)
    setl_time: OutDateTime | None = o("结算时间", required=True)
    mdtrt_cert_type: OutText | None = o("就诊凭证类型")
    med_type: OutText | None = o("医疗类别", required=True)
    medfee_sumamt: OutNum | None = o("医疗费总额", required=True)
    fulamt_ownpay_amt: OutNum | None = o("全自费金额", required=True)
    overlmt_selfpay: OutNum | None = o("超限价自费费用", required=True)
    preselfpay_amt: OutNum | None = o("先行自付金额", required=True)
    inscp_scp_amt: OutNum | None = o("符合政策范围金额", required=True)
    act_pay_dedc: OutNum | None = o("实际支付起付线")
    hifp_pay: OutNum | None = o("基本医疗保险统筹基金支出", required=True)
    pool_prop_selfpay: OutNum | None = o("基本医疗保险统筹基金支付比例", required=True)
    cvlserv_pay: OutNum | None = o("公务员医疗补助资金支出", required=True)
    hifes_pay: OutNum | None = o("企业补充医疗保险基金支出", required=True)
    hifmi_pay: OutNum | None = o("居民大病保险资金支出", required=True)
    hifob_pay: OutNum | None = o("职工大额医疗费用补助基金支出", required=True)
    maf_pay: OutNum | None = o("医疗救助基金支出", required=True)
    oth_pay: OutNum | None = o("其他支出", required=True)
    # whether it includes the personal account differs by province (Hunan excludes, Guangdong includes)
    fund_pay_sumamt: OutNum | None = o("基金支付总额", required=True)
    psn_part_amt: OutNum | None = o("个人负担总金额", required=True)
    acct_pay: OutNum | None = o("个人账户支出", required=True)
    psn_cash_pay: OutNum | None = o("个人现金支出", required=True)
    hosp_part_amt: OutNum | None = o("医院负担金额", required=True)
    balc: OutNum | None = o("余额", required=True)
    acct_mulaid_pay: OutNum | None = o("个人账户共济支付金额", required=True)
    medins_setl_id: OutText | None = o("医药机构结算ID", required=True)  # the request's msgid, stored back
    clr_optins: OutText | None = o("清算经办机构")
    clr_way: OutText | None = o("清算方式")
    clr_type: OutText | None = o("清算类别", required=True)


class FundDetail(HsaOutput):
    """The settlements' output node ``setldetail`` (one element per fund: 基金分项)."""

    fund_pay_type: OutText | None = o("基金支付类型", required=True)
    inscp_scp_amt: OutNum | None = o("符合政策范围金额", required=True)
    crt_payb_lmt_amt: OutNum | None = o("本次可支付限额金额", required=True)
    fund_payamt: OutNum | None = o("基金支付金额", required=True)
    fund_pay_type_name: OutText | None = o("基金支付类型名称")
    setl_proc_info: OutText | None = o("结算过程信息")


class SettlementOutput(HsaOutput):
    """2206 / 2207 / 2208 and 2303 / 2304 / 2305 ``output``."""

    setlinfo: SettlementInfo | None = o("结算信息", required=True)
    setldetail: list[FundDetail] | None = o("结算基金分项信息", required=True)


# Errors: §5.7 names situations for this group (2206/2207 medfee_sumamt ≠ the batch's details, 2204 on a
# settled batch, 2208 on a cancelled setl_id) but quotes no platform wording [U], so none is declared here.

# fmt: off
# a 2204 row is identified by its 费用明细流水号, unique within the 就诊 (§4.2, §5.1)
ENTRIES = (
    Txn("2201", "门诊挂号", "data", Registration, output=RegistrationOutput, group="门诊", section="4.2",
        undone_by="2202", unknowns="The caty (科别) value set is not captured, so it is sent as open text."),
    Txn("2202", "门诊挂号撤销", "data", RegistrationRevoke, group="门诊", section="4.2"),
    Txn("2203", "门诊就诊信息上传", None, VisitUpload, group="门诊", section="4.2",
        unknowns="The birctrl_type and matn_type value sets are not captured, so they are open text."),
    Txn("2203A", "门诊就诊信息上传", None, VisitUpload, group="门诊", section="4.2",
        unknowns="A later revision of 2203 with the same nodes [1]; one Chongqing client leaves diseinfo "
                 "optional, we still send it."),
    Txn("2204", "门诊费用明细信息上传", "feedetail", FeeDetail, many=True, row_id_fields=("mdtrt_id", "feedetl_sn"),
        output=FeeDetailOutput, group="门诊", section="4.2", undone_by="2205",
        unknowns="Whether re-uploading an existing feedetl_sn is refused is [U], and the value sets of "
                 "tcmdrug_used_way, etip_flag, dscg_tkdrug_flag and matn_fee_flag are not captured."),
    Txn("2205", "门诊费用明细信息撤销", "data", FeeDetailRevoke, group="门诊", section="4.2"),
    # a trial calculation ("no money moves"): a lost answer is resolved by asking again
    Txn("2206", "门诊预结算", "data", PreSettlement, output=SettlementOutput, changes_state=False, group="门诊",
        section="4.2",
        unknowns="Whether a pre-settlement leaves any record on the platform is not stated; it is treated as "
                 "safe to repeat."),
    Txn("2207", "门诊结算", "data", Settlement, output=SettlementOutput, group="门诊", section="4.2",
        undone_by="2208", reversible=True,
        unknowns="fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt and inscp_scp_amt exist only in later "
                 "versions (Shenzhen: only inscp_scp_amt), Chongqing's return_invono/return_date are not "
                 "declared, 验密 may be required, and whether fund_pay_sumamt includes the personal account "
                 "differs by province."),
    Txn("2208", "门诊结算撤销", "data", SettlementRevoke, output=SettlementOutput, group="门诊", section="4.2",
        reversible=True,
        unknowns="Whether the answer's setl_id is a new id for the cancel record or the original one "
                 "is [U]."),
)
# fmt: on
