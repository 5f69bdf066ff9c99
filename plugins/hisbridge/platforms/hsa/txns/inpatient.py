"""住院: 2401–2405 入院/出院 and their undo, 2301/2302 费用明细, 2303–2305 结算 (hsa.md §4.3).

The usual flow is 2401 入院 → 2301 (repeated) → 2303 → 2304 → 2402 出院 (2402 before 2304 in some provinces);
undo with 2305, 2302, 2405, 2404 (§0). 2304, 2305 and 2401 may also be reversed by 2601 冲正 (§5.2).
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
    C300,
    C500,
    C1000,
    N2,
    N3,
    N16_2,
    N16_4,
    N16_6,
    Date,
    DateTime,
    DiagType,
    DscgWay,
    ExpContent,
    Flag,
    HospApprFlag,
    HsaBody,
    HsaOutput,
    Insutype,
    MdtrtCertType,
    MedType,
    Nodes,
    OutText,
    PsnSetlway,
    f,
    o,
)
from hisbridge.platforms.hsa.txns.outpatient import FeeDetailOutput, SettlementOutput

# whole numbers (``N 2`` 孕周数 / 诊断排序号, ``N 3`` 胎次 / 胎儿数): base.py has no N type without decimals
#: 扩展字段: "C 4000, JSON text or object" (§3) — provincial extensions, so both shapes are accepted
# "C 3 dict" flags whose values hsa.md does not list (etip_flag, dscg_tkdrug_flag, latechb_flag, pret_flag,
# cop_flag) stay open text, as 2204's do; only flags §6 lists as 0/1 (acct_used_flag, mid_setl_flag,
# maindiag_flag) are ``Flag``

#: a 2301/2302 row is identified by its 费用明细流水号, unique within the 就诊 (§4.3, §5.1)
_FEE_ROW_ID = ("mdtrt_id", "feedetl_sn")


# -- 2301 / 2302 费用明细 ----------------------------------------------------------------------------------------


class InpatientFeeDetail(HsaBody):
    """2301 住院费用明细上传, input node ``feedetail`` (an array of these)."""

    feedetl_sn: C30 = f("费用明细流水号")
    init_feedetl_sn: C30 | None = f("原费用流水号", None)  # 退单 rows: the original row's feedetl_sn
    mdtrt_id: C30 = f("就诊ID")
    drord_no: C30 | None = f("医嘱号", None)
    psn_no: C30 = f("人员编号", pii="patient")
    med_type: MedType = f("医疗类别")
    fee_ocur_time: DateTime = f("费用发生时间")
    med_list_codg: C50 = f("医疗目录编码")
    medins_list_codg: C200 = f("医药机构目录编码")  # C 150
    det_item_fee_sumamt: N16_2 = f("明细项目费用总额")
    cnt: N16_4 = f("数量")  # 退单时数量填写负数: negative on refund rows
    pric: N16_6 = f("单价")
    bilg_dept_codg: C30 = f("开单科室编码")
    bilg_dept_name: C100 = f("开单科室名称")
    bilg_dr_codg: C30 = f("开单医生编码")
    bilg_dr_name: C50 = f("开单医师姓名", pii="staff")
    # 受单科室/医生: 2301 gives no types; these are 2204's
    acord_dept_codg: C30 | None = f("受单科室编码", None)
    acord_dept_name: C100 | None = f("受单科室名称", None)
    orders_dr_code: C30 | None = f("受单医生编码", None)
    orders_dr_name: C50 | None = f("受单医生姓名", None, pii="staff")
    hosp_appr_flag: HospApprFlag | None = f("医院审批标志", None)  # optional here, unlike 2204
    tcmdrug_used_way: C6 | None = f("中药使用方式", None)
    etip_flag: C3 | None = f("外检标志", None)
    etip_hosp_code: C30 | None = f("外检医院编码", None)
    dscg_tkdrug_flag: C3 | None = f("出院带药标志", None)
    matn_fee_flag: C6 | None = f("生育费用标志", None)  # C 6 dict: wider than a 0/1 flag, values not captured
    memo: C500 | None = f("备注", None)
    exp_content: ExpContent | None = f("扩展字段", None)


# 2301 answers as 2204 does: one 明细分割 row per uploaded detail
InpatientFeeOutput = FeeDetailOutput


class InpatientFeeDetailRevoke(HsaBody):
    """2302 住院费用明细撤销, input node ``data`` (an array of these)."""

    feedetl_sn: C30 = f("费用明细流水号")  # "0000": every unsettled detail of the visit
    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")
    exp_content: ExpContent | None = f("扩展字段", None)


# -- 2303 / 2304 / 2305 结算 -------------------------------------------------------------------------------------


class InpatientSettle(HsaBody):
    """2303 住院预结算 / 2304 住院结算, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    mdtrt_cert_type: MdtrtCertType = f("就诊凭证类型")
    mdtrt_cert_no: C50 = f("就诊凭证编号", pii="patient")  # the ID-card number when mdtrt_cert_type is 02
    medfee_sumamt: N16_2 = f("医疗费总额")  # must equal the stay's total (§5.7)
    psn_setlway: PsnSetlway = f("个人结算方式")
    mdtrt_id: C30 = f("就诊ID")
    insutype: Insutype = f("险种类型")
    acct_used_flag: Flag = f("个人账户使用标志")
    invono: C20 | None = f("发票号", None)
    mid_setl_flag: Flag = f("中途结算标志")
    # required for 2303 in the Chongqing model only, optional for 2304: optional for both
    fulamt_ownpay_amt: N16_2 | None = f("全自费金额", None)
    overlmt_selfpay: N16_2 | None = f("超限价金额", None)
    preselfpay_amt: N16_2 | None = f("先行自付金额", None)
    inscp_scp_amt: N16_2 | None = f("符合政策范围金额", None)
    exp_content: ExpContent | None = f("扩展字段", None)


# 2303/2304/2305 answer as 2206/2207/2208 do (2303 may leave ids and clr_* empty, 2305 negates the amounts)
InpatientSettlementOutput = SettlementOutput


class InpatientSettleRevoke(HsaBody):
    """2305 住院结算撤销, input node ``data``."""

    mdtrt_id: C30 = f("就诊ID")
    setl_id: C30 = f("结算ID")
    psn_no: C30 = f("人员编号", pii="patient")
    exp_content: ExpContent | None = f("扩展字段", None)


# -- 2401 入院办理 -----------------------------------------------------------------------------------------------


class _Maternity(HsaBody):
    """The 生育 / 计划生育 fields 2401, 2402 and 2403 share (2402 names them only; their types are 2401's). On a
    newborn admitted with the mother, ``birctrl_matn_date`` is the birth date."""

    fpsc_no: C50 | None = f("计划生育服务证号", None, pii="patient")
    matn_type: C6 | None = f("生育类别", None)
    birctrl_type: C6 | None = f("计划生育手术类别", None)
    latechb_flag: C3 | None = f("晚育标志", None)
    geso_val: N2 | None = f("孕周数", None)
    fetts: N3 | None = f("胎次", None)
    fetus_cnt: N3 | None = f("胎儿数", None)
    pret_flag: C3 | None = f("早产标志", None)
    birctrl_matn_date: Date | None = f("计划生育手术或生育日期", None)


class AdmissionInfo(_Maternity):
    """2401 入院办理, input node ``mdtrtinfo``."""

    psn_no: C30 = f("人员编号", pii="patient")
    insutype: Insutype = f("险种类型")
    coner_name: C50 | None = f("联系人姓名", None, pii="patient")
    tel: C50 | None = f("联系电话", None, pii="patient")
    begntime: DateTime = f("入院时间")
    mdtrt_cert_type: MdtrtCertType = f("就诊凭证类型")
    mdtrt_cert_no: C50 = f("就诊凭证编号", pii="patient")
    med_type: MedType = f("医疗类别")
    ipt_no: C30 = f("住院号")  # 院内就诊流水号
    medrcdno: C30 | None = f("病历号", None)
    atddr_no: C30 = f("主治医生编码")
    chfpdr_name: C50 = f("主诊医师姓名", pii="staff")
    adm_diag_dscr: C200 = f("入院诊断描述")
    adm_dept_codg: C30 = f("入院科室编码")
    adm_dept_name: C100 = f("入院科室名称")
    adm_bed: C30 = f("入院床位")
    dscg_maindiag_code: C20 = f("住院主诊断代码")
    dscg_maindiag_name: C300 = f("住院主诊断名称")
    main_cond_dscr: C1000 | None = f("主要病情描述", None)
    dise_codg: C30 | None = f("病种编码", None)  # 按病种 / 日间手术病种目录代码
    dise_name: C500 | None = f("病种名称", None)
    oprn_oprt_code: C30 | None = f("手术操作代码", None)  # required for 日间手术: not checked, the rule is the platform's
    oprn_oprt_name: C500 | None = f("手术操作名称", None)
    dise_type_code: C6 | None = f("病种类型", None)  # single source [1]
    exp_content: ExpContent | None = f("扩展字段", None)


class AdmissionDiagnosis(HsaBody):
    """2401 入院办理, input node ``diseinfo[]`` element."""

    psn_no: C30 = f("人员编号", pii="patient")
    diag_type: DiagType = f("诊断类别")
    maindiag_flag: Flag = f("主诊断标志")
    diag_srt_no: N2 = f("诊断排序号")
    diag_code: C20 = f("诊断代码")
    diag_name: C100 = f("诊断名称")
    adm_cond: C500 | None = f("入院病情", None)
    diag_dept: C50 = f("诊断科室")
    dise_dor_no: C30 = f("诊断医生编码")
    dise_dor_name: C50 = f("诊断医生姓名", pii="staff")
    diag_time: DateTime = f("诊断时间")


class Admission(Nodes):
    """2401 入院办理: ``mdtrtinfo`` + ``diseinfo[]``."""

    mdtrtinfo: AdmissionInfo = f("就诊信息")
    diseinfo: list[AdmissionDiagnosis] = f("诊断信息")


class AdmissionResult(HsaOutput):
    """2401 output node ``result``."""

    mdtrt_id: OutText | None = o("就诊ID", required=True)  # issued by the platform


class AdmissionOutput(HsaOutput):
    """2401 ``output``."""

    result: AdmissionResult | None = o("入院结果", required=True)


# -- 2402 出院办理 / 2403 住院信息变更 ----------------------------------------------------------------------------


class VisitDiagnosis(AdmissionDiagnosis):
    """2402 出院办理 / 2403 住院信息变更, input node ``diseinfo[]`` element: 2401's plus ``mdtrt_id``."""

    mdtrt_id: C30 | None = f("就诊ID", None)  # "some versions add" it (2402); the Chongqing model has it (2403)


class DischargeInfo(_Maternity):
    """2402 出院办理, input node ``dscginfo``."""

    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")
    insutype: Insutype = f("险种类型")
    endtime: DateTime = f("出院时间")
    dise_codg: C30 | None = f("病种编码", None)
    dise_name: C500 | None = f("病种名称", None)
    oprn_oprt_code: C30 | None = f("手术操作代码", None)
    oprn_oprt_name: C500 | None = f("手术操作名称", None)
    cop_flag: C3 | None = f("伴有并发症标志", None)
    dscg_dept_codg: C30 = f("出院科室编码")
    dscg_dept_name: C100 = f("出院科室名称")
    dscg_bed: C30 | None = f("出院床位", None)
    dscg_way: DscgWay = f("离院方式")  # C 3 dict, value set not captured [U]
    die_date: Date | None = f("死亡日期", None)


class Discharge(Nodes):
    """2402 出院办理: ``dscginfo`` + ``diseinfo[]``."""

    dscginfo: DischargeInfo = f("出院信息")
    diseinfo: list[VisitDiagnosis] = f("诊断信息")


class AdmissionChangeInfo(_Maternity):
    """2403 住院信息变更, input node ``adminfo``: 2401's ``mdtrtinfo`` with ``mdtrt_id`` and ``endtime``,
    ``ipt_otp_no`` for ``ipt_no``, and no ``insutype`` / ``mdtrt_cert_no`` (the Chongqing model)."""

    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")
    coner_name: C50 | None = f("联系人姓名", None, pii="patient")
    tel: C50 | None = f("联系电话", None, pii="patient")
    begntime: DateTime = f("入院时间")
    endtime: DateTime | None = f("出院时间", None)
    mdtrt_cert_type: MdtrtCertType = f("就诊凭证类型")
    med_type: MedType = f("医疗类别")
    ipt_otp_no: C30 = f("住院/门诊号")
    medrcdno: C30 | None = f("病历号", None)
    atddr_no: C30 = f("主治医生编码")
    chfpdr_name: C50 = f("主诊医师姓名", pii="staff")
    adm_diag_dscr: C200 = f("入院诊断描述")
    adm_dept_codg: C30 = f("入院科室编码")
    adm_dept_name: C100 = f("入院科室名称")
    adm_bed: C30 = f("入院床位")
    dscg_maindiag_code: C20 = f("住院主诊断代码")
    dscg_maindiag_name: C300 = f("住院主诊断名称")
    main_cond_dscr: C1000 | None = f("主要病情描述", None)
    dise_codg: C30 | None = f("病种编码", None)
    dise_name: C500 | None = f("病种名称", None)
    oprn_oprt_code: C30 | None = f("手术操作代码", None)
    oprn_oprt_name: C500 | None = f("手术操作名称", None)
    dise_type_code: C6 | None = f("病种类型", None)  # single source [1]
    exp_content: ExpContent | None = f("扩展字段", None)


class AdmissionChange(Nodes):
    """2403 住院信息变更: ``adminfo`` + ``diseinfo[]``."""

    adminfo: AdmissionChangeInfo = f("入院信息")
    diseinfo: list[VisitDiagnosis] = f("诊断信息")


# -- 2404 / 2405 撤销 ---------------------------------------------------------------------------------------------


class AdmissionRevoke(HsaBody):
    """2404 入院办理撤销, input node ``data``."""

    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")
    exp_content: ExpContent | None = f("扩展字段", None)


class DischargeRevoke(AdmissionRevoke):
    """2405 出院办理撤销, input node ``data`` (2404's fields)."""


# no error wordings are quoted for these transactions (§5.7 names situations, "wording [U]"): errors stay empty
# fmt: off
ENTRIES = (
    Txn("2301", "住院费用明细上传", "feedetail", InpatientFeeDetail, many=True, row_id_fields=_FEE_ROW_ID,
        output=InpatientFeeOutput, group="住院", section="4.3", undone_by="2302",
        unknowns="Whether rows must carry drug traceability codes in 2025 is open (§8.3), and refusing a "
                 "re-uploaded feedetl_sn is assumed [U] (§5.1)."),
    Txn("2302", "住院费用明细撤销", "data", InpatientFeeDetailRevoke, many=True, row_id_fields=_FEE_ROW_ID,
        group="住院", section="4.3",
        unknowns="The array under data comes from the Chongqing model; other clients may send one object."),
    Txn("2303", "住院预结算", "data", InpatientSettle, changes_state=False, output=InpatientSettlementOutput,
        group="住院", section="4.3",
        unknowns="The four policy amounts are required only in the Chongqing model (optional here); answer "
                 "extras (psn_pay, hifdm_pay, dedc_std …) vary by province and are kept undeclared."),
    Txn("2304", "住院结算", "data", InpatientSettle, output=InpatientSettlementOutput, group="住院",
        section="4.3", undone_by="2305", reversible=True,
        unknowns="Password verification may be required locally (§5.6), clr_way values disagree (§6) and "
                 "fund_pay_sumamt includes the personal account in some provinces only."),
    Txn("2305", "住院结算撤销", "data", InpatientSettleRevoke, output=InpatientSettlementOutput, group="住院",
        section="4.3", reversible=True,
        unknowns="Whether the answer's setl_id is a new id or the original is unconfirmed [U]; extras "
                 "setl_type, begndate, enddate, hifdm_pay are kept undeclared."),
    Txn("2401", "入院办理", None, Admission, output=AdmissionOutput, group="住院", section="4.3",
        undone_by="2404", reversible=True,
        unknowns="dise_type_code is single-source [1] and oprn_oprt_code's 日间手术 condition is left to the "
                 "platform."),
    Txn("2402", "出院办理", None, Discharge, group="住院", section="4.3", undone_by="2405",
        unknowns="The 离院方式 value set is not captured [U], diseinfo.mdtrt_id is sent by some versions only, "
                 "and 2402 precedes or follows 2304 by province."),
    Txn("2403", "住院信息变更", None, AdmissionChange, group="住院", section="4.3",
        unknowns="The adminfo layout (ipt_otp_no, no insutype/mdtrt_cert_no) follows the Chongqing model only."),
    Txn("2404", "入院办理撤销", "data", AdmissionRevoke, group="住院", section="4.3",
        unknowns="Refusal while fee details or a settlement remain is a platform rule reported as [U]."),
    Txn("2405", "出院办理撤销", "data", DischargeRevoke, group="住院", section="4.3"),
)
# fmt: on
