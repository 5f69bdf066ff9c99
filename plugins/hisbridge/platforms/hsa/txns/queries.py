"""查询: 5201–5204, 5206, 5301, 5303 (hsa.md §4.10) and the province-only 9903 (§4.12).

All only read: safe to repeat with a new msgid (§5.1), and how a lost state-changing call is resolved (5203, 5201,
5303). Their answers are described by field names (types partly), so outputs are text unless the name says
number, date or date-time; fields hsa.md only summarises ("maternity fields", "dosage fields") are kept as sent.
"""

from __future__ import annotations

from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import (
    C6,
    C30,
    DateTime,
    HsaBody,
    HsaOutput,
    MedType,
    OutDate,
    OutDateTime,
    OutNum,
    OutText,
    f,
    o,
)
from hisbridge.platforms.hsa.txns.configured import configured_body
from hisbridge.platforms.hsa.txns.outpatient import FundDetail, SettlementInfo

# -- 5201 就诊信息查询 ------------------------------------------------------------------------------------------


class VisitQuery(HsaBody):
    """5201 就诊信息查询, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    begntime: DateTime = f("开始时间")
    endtime: DateTime = f("结束时间")
    med_type: MedType | None = f("医疗类别", None)
    mdtrt_id: C30 | None = f("就诊ID", None)


class VisitRecord(HsaOutput):
    """5201 output node ``mdtrtinfo[]`` (node name [U])."""

    mdtrt_id: OutText | None = o("就诊ID")
    psn_no: OutText | None = o("人员编号", pii="patient")
    psn_cert_type: OutText | None = o("人员证件类型")
    certno: OutText | None = o("证件号码", pii="patient")
    psn_name: OutText | None = o("人员姓名", pii="patient")
    gend: OutText | None = o("性别")
    naty: OutText | None = o("民族")
    brdy: OutDate | None = o("出生日期")
    age: OutNum | None = o("年龄")
    coner_name: OutText | None = o("联系人姓名", pii="patient")
    tel: OutText | None = o("联系电话", pii="patient")
    insutype: OutText | None = o("险种类型")
    psn_type: OutText | None = o("人员类别")
    maf_psn_flag: OutText | None = o("医疗救助对象标志")
    cvlserv_flag: OutText | None = o("公务员标志")
    flxempe_flag: OutText | None = o("灵活就业标志")
    nwb_flag: OutText | None = o("新生儿标志")
    insu_optins: OutText | None = o("参保机构医保区划")
    emp_name: OutText | None = o("单位名称")
    begntime: OutDateTime | None = o("开始时间")
    endtime: OutDateTime | None = o("结束时间")
    mdtrt_cert_type: OutText | None = o("就诊凭证类型")
    med_type: OutText | None = o("医疗类别")
    ars_year_ipt_flag: OutText | None = o("跨年度住院标志")
    pre_pay_flag: OutText | None = o("先行支付标志")
    ipt_otp_no: OutText | None = o("住院/门诊号")
    medrcdno: OutText | None = o("病历号")
    atddr_no: OutText | None = o("主治医生编码")
    chfpdr_name: OutText | None = o("主诊医师姓名", pii="staff")
    adm_dept_codg: OutText | None = o("入院科室编码")
    adm_dept_name: OutText | None = o("入院科室名称")
    adm_bed: OutText | None = o("入院床位")
    dscg_maindiag_code: OutText | None = o("住院主诊断代码")
    dscg_maindiag_name: OutText | None = o("住院主诊断名称")
    dscg_dept_codg: OutText | None = o("出院科室编码")
    dscg_dept_name: OutText | None = o("出院科室名称")
    dscg_bed: OutText | None = o("出院床位")
    dscg_way: OutText | None = o("离院方式")
    main_cond_dscr: OutText | None = o("主要病情描述")
    dise_codg: OutText | None = o("病种编码")
    dise_name: OutText | None = o("病种名称")
    oprn_oprt_code: OutText | None = o("手术操作代码")
    oprn_oprt_name: OutText | None = o("手术操作名称")
    otp_diag_info: OutText | None = o("门诊诊断信息")
    inhosp_stas: OutText | None = o("在院状态")
    die_date: OutDate | None = o("死亡日期")
    ipt_days: OutNum | None = o("住院天数")
    cop_flag: OutText | None = o("伴有并发症标志")  # as 2401 names it (§4.3); 5201 lists it without a meaning
    opter_id: OutText | None = o("经办人ID")
    opter_name: OutText | None = o("经办人姓名", pii="staff")
    opt_time: OutDateTime | None = o("经办时间")
    memo: OutText | None = o("备注")


class VisitOutput(HsaOutput):
    """5201 ``output``."""

    mdtrtinfo: list[VisitRecord] | None = o("就诊信息")


# -- 5202 诊断信息查询 ------------------------------------------------------------------------------------------


class DiagnosisQuery(HsaBody):
    """5202 诊断信息查询, input node ``data``."""

    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")


class DiagnosisRecord(HsaOutput):
    """5202 output node ``diseinfo[]`` (node name [U])."""

    diag_info_id: OutText | None = o("诊断信息ID")
    mdtrt_id: OutText | None = o("就诊ID")
    psn_no: OutText | None = o("人员编号", pii="patient")
    inout_diag_type: OutText | None = o("出入院诊断类别")  # 1 入院 / 2 出院
    diag_type: OutText | None = o("诊断类别")
    maindiag_flag: OutText | None = o("主诊断标志")
    diag_srt_no: OutNum | None = o("诊断排序号")
    diag_code: OutText | None = o("诊断代码")
    diag_name: OutText | None = o("诊断名称")
    adm_cond: OutText | None = o("入院病情")
    diag_dept: OutText | None = o("诊断科室")
    dise_dor_no: OutText | None = o("诊断医生编码")
    dise_dor_name: OutText | None = o("诊断医生姓名", pii="staff")
    diag_time: OutDateTime | None = o("诊断时间")
    opter_id: OutText | None = o("经办人ID")
    opter_name: OutText | None = o("经办人姓名", pii="staff")
    opt_time: OutDateTime | None = o("经办时间")


class DiagnosisOutput(HsaOutput):
    """5202 ``output``."""

    diseinfo: list[DiagnosisRecord] | None = o("诊断信息")


# -- 5203 结算信息查询 ------------------------------------------------------------------------------------------


class SettlementQuery(HsaBody):
    """5203 结算信息查询, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    setl_id: C30 = f("结算ID")
    mdtrt_id: C30 | None = f("就诊ID", None)  # required in the Shenzhen model, optional in Chongqing's


class SettlementRecord(SettlementInfo):
    """5203 output node ``setlinfo``: the 2207 ``setlinfo`` fields (required flags as there) plus query fields."""

    # added by 5203
    flxempe_flag: OutText | None = o("灵活就业标志")
    nwb_flag: OutText | None = o("新生儿标志")
    insu_optins: OutText | None = o("参保机构医保区划")
    emp_name: OutText | None = o("单位名称")
    pay_loc: OutText | None = o("支付地点类别")
    fixmedins_code: OutText | None = o("定点医药机构编号")
    fixmedins_name: OutText | None = o("定点医药机构名称")
    hosp_lv: OutText | None = o("医院等级")
    fixmedins_poolarea: OutText | None = o("定点归属医保区划")
    lmtpric_hosp_lv: OutText | None = o("限价医院等级")
    dedc_hosp_lv: OutText | None = o("起付线医院等级")
    begndate: OutDate | None = o("开始日期")
    enddate: OutDate | None = o("结束日期")
    psn_pay: OutNum | None = o("个人支付金额")
    cash_payamt: OutNum | None = o("现金支付金额")
    refd_setl_flag: OutText | None = o("退费结算标志")
    year: OutText | None = o("年度")
    dise_name: OutText | None = o("病种名称")
    invono: OutText | None = o("发票号")
    opter_id: OutText | None = o("经办人ID")
    opter_name: OutText | None = o("经办人姓名", pii="staff")


class SettlementQueryOutput(HsaOutput):
    """5203 ``output``."""

    setlinfo: SettlementRecord | None = o("结算信息")
    setldetail: list[FundDetail] | None = o("基金分项结算信息")


# -- 5204 费用明细查询 ------------------------------------------------------------------------------------------


class FeeDetailQuery(HsaBody):
    """5204 费用明细查询, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    setl_id: C30 | None = f("结算ID", None)
    mdtrt_id: C30 = f("就诊ID")


class FeeDetailRecord(HsaOutput):
    """A 5204 detail row — in the answer (node name not captured) or in the 9102 file of a large result."""

    mdtrt_id: OutText | None = o("就诊ID")
    setl_id: OutText | None = o("结算ID")
    feedetl_sn: OutText | None = o("费用明细流水号")
    rx_drord_no: OutText | None = o("处方/医嘱号")
    med_type: OutText | None = o("医疗类别")
    fee_ocur_time: OutDateTime | None = o("费用发生时间")
    cnt: OutNum | None = o("数量")
    pric: OutNum | None = o("单价")
    det_item_fee_sumamt: OutNum | None = o("明细项目费用总额")
    pric_uplmt_amt: OutNum | None = o("定价上限金额")
    selfpay_prop: OutNum | None = o("自付比例")
    fulamt_ownpay_amt: OutNum | None = o("全自费金额")
    overlmt_amt: OutNum | None = o("超限价金额")
    preselfpay_amt: OutNum | None = o("先行自付金额")
    inscp_scp_amt: OutNum | None = o("符合政策范围金额")
    chrgitm_lv: OutText | None = o("收费项目等级")
    hilist_code: OutText | None = o("医保目录编码")
    hilist_name: OutText | None = o("医保目录名称")
    list_type: OutText | None = o("目录类别")
    med_list_codg: OutText | None = o("医疗目录编码")
    medins_list_codg: OutText | None = o("医药机构目录编码")
    medins_list_name: OutText | None = o("医药机构目录名称")
    med_chrgitm_type: OutText | None = o("医疗收费项目类别")
    prodname: OutText | None = o("商品名")
    spec: OutText | None = o("规格")
    dosform_name: OutText | None = o("剂型名称")
    memo: OutText | None = o("备注")
    opter_id: OutText | None = o("经办人ID")
    opter_name: OutText | None = o("经办人姓名", pii="staff")


class FeeDetailOutput(HsaOutput):
    """5204 ``output``: the node holding the rows is not captured, so nothing is declared and all is kept; read
    the rows with :class:`FeeDetailRecord`."""


# -- 5206 人员累计信息查询 ----------------------------------------------------------------------------------------


class CumulativeQuery(HsaBody):
    """5206 人员累计信息查询, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    cum_ym: C6 | None = f("累计年月", None)  # yyyyMM


class CumulativeRecord(HsaOutput):
    """5206 output node ``cuminfo[]``."""

    insutype: OutText | None = o("险种类型")
    year: OutText | None = o("年度")
    cum_ym: OutText | None = o("累计年月")
    cum_type_code: OutText | None = o("累计类别代码")  # province-defined (Q0000 累计起付线, C0000 住院次数 …)
    cum: OutNum | None = o("累计值")


class CumulativeOutput(HsaOutput):
    """5206 ``output``."""

    cuminfo: list[CumulativeRecord] | None = o("累计信息")


# -- 5301 人员慢特病备案查询 --------------------------------------------------------------------------------------


class ChronicFilingQuery(HsaBody):
    """5301 人员慢特病备案查询, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")


class ChronicFilingRecord(HsaOutput):
    """5301 output node ``feedetail[]`` (so named in real samples)."""

    opsp_dise_code: OutText | None = o("门慢门特病种目录代码", required=True)
    opsp_dise_name: OutText | None = o("门慢门特病种名称", required=True)
    begndate: OutDate | None = o("开始日期", required=True)
    enddate: OutDate | None = o("结束日期")


class ChronicFilingQueryOutput(HsaOutput):
    """5301 ``output``."""

    feedetail: list[ChronicFilingRecord] | None = o("备案信息")


# -- 5303 在院信息查询 ------------------------------------------------------------------------------------------


class InpatientQuery(HsaBody):
    """5303 在院信息查询, input node ``data``."""

    psn_no: C30 | None = f("人员编号", None, pii="patient")  # without it: everyone in hospital in the period
    begntime: DateTime = f("开始时间")
    endtime: DateTime = f("结束时间")


class InpatientRecord(HsaOutput):
    """5303 output node ``data[]``."""

    mdtrt_id: OutText | None = o("就诊ID")
    psn_no: OutText | None = o("人员编号", pii="patient")
    psn_cert_type: OutText | None = o("人员证件类型")
    certno: OutText | None = o("证件号码", pii="patient")
    psn_name: OutText | None = o("人员姓名", pii="patient")
    gend: OutText | None = o("性别")
    brdy: OutDate | None = o("出生日期")
    age: OutNum | None = o("年龄")
    insutype: OutText | None = o("险种类型")
    begndate: OutDate | None = o("入院日期")
    med_type: OutText | None = o("医疗类别")
    ipt_otp_no: OutText | None = o("住院/门诊号")
    out_flag: OutText | None = o("异地标志")


class InpatientOutput(HsaOutput):
    """5303 ``output``."""

    data: list[InpatientRecord] | None = o("在院信息")


# -- 9903 门慢门特认定资格信息查询 (province-only, §4.12) -----------------------------------------------------------


#: 9903's input, from ``include/mappings/hsa_9903.yaml`` (or ``HISBRIDGE_HSA_9903``): **all assumed** — 9903 is in
#: no public material; the shipped declaration (``psn_no`` required, ``insutype`` and ``opsp_dise_code`` optional,
#: node ``data``) is a guess from the name and from 2503/5301, to be replaced from the province's package.
OPSP_NODE, OpspQualificationQuery = configured_body("9903", "OpspQualificationQuery",
                                                    "9903 门慢门特认定资格信息查询 — assumed, configurable")


class OpspQualificationOutput(HsaOutput):
    """9903 ``output``: nothing is known, so nothing is declared and everything the platform sends is kept."""


# fmt: off
ENTRIES = (
    Txn("5201", "就诊信息查询", "data", VisitQuery, output=VisitOutput, changes_state=False, group="查询",
        section="4.10",
        unknowns="The output node name mdtrtinfo is uncertain and the maternity fields are not named."),
    Txn("5202", "诊断信息查询", "data", DiagnosisQuery, output=DiagnosisOutput, changes_state=False, group="查询",
        section="4.10", unknowns="The output node name diseinfo is uncertain."),
    Txn("5203", "结算信息查询", "data", SettlementQuery, output=SettlementQueryOutput, changes_state=False,
        group="查询", section="4.10",
        unknowns="mdtrt_id is required in one model and optional in another (optional here)."),
    Txn("5204", "费用明细查询", "data", FeeDetailQuery, output=FeeDetailOutput, changes_state=False, group="查询",
        section="4.10",
        unknowns="The output node holding the rows is not captured, and large results may come as a 9102 file."),
    Txn("5206", "人员累计信息查询", "data", CumulativeQuery, output=CumulativeOutput, changes_state=False,
        group="查询", section="4.10", unknowns="cum_type_code values are province-defined."),
    Txn("5301", "人员慢特病备案查询", "data", ChronicFilingQuery, output=ChronicFilingQueryOutput,
        changes_state=False, group="查询", section="4.10"),
    Txn("5303", "在院信息查询", "data", InpatientQuery, output=InpatientOutput, changes_state=False, group="查询",
        section="4.10"),
    Txn("9903", "门慢门特认定资格信息查询", OPSP_NODE, OpspQualificationQuery, output=OpspQualificationOutput,
        changes_state=False, group="查询", section="4.12",
        unknowns="Not in any public material: node and fields are assumed, declared in "
                 "include/mappings/hsa_9903.yaml (or HISBRIDGE_HSA_9903) to be set from the province's package; "
                 "the answer is kept whole."),
)
# fmt: on
