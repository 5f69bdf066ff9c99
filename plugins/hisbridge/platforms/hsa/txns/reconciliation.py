"""对账: 3201 医药机构费用结算对总账 and 3202 医药机构费用结算对明细账 (hsa.md §4.6, semantics §5.4).

3201 sends the HIS totals of one (``setl_optins``, ``insutype``, ``clr_type``, date range) and the platform answers
平/不平. When 不平, 3202 sends the totals again with the ``file_qury_no`` of a per-settlement file uploaded by 9101;
the platform answers a result file to fetch with 9102. Both change state: the platform records the 对账, after
which 2601 冲正 is normally refused (§5.2), so a lost answer leaves the outcome in doubt.

The two files are not transaction nodes; their layouts are declared here for the code that writes and reads
them: :data:`DETAIL_FILE_COLUMNS` / :class:`DetailFileLine` (upload, single-source [1]; separator [U]) and
:class:`DetailResultRow` (the downloaded result, [C]).
"""

from __future__ import annotations

from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import (
    C6,
    C30,
    N10,
    N16_2,
    ClrType,
    Date,
    HsaBody,
    HsaOutput,
    Insutype,
    OutDateTime,
    OutNum,
    OutText,
    RefdSetlFlag,
    f,
    o,
)

#: N 10 (a count: no decimal places). base.py has no integer type yet.


class TotalsReconciliation(HsaBody):
    """3201 医药机构费用结算对总账, input node ``data``: the HIS totals of one 险种 and 清算类别 over a period."""

    insutype: Insutype = f("险种")
    clr_type: ClrType = f("清算类别")
    # the clr_optins the platform returned on each settlement (differs from the hospital's own area for 异地)
    setl_optins: C6 = f("结算经办机构")
    stmt_begndate: Date = f("对账开始日期")
    stmt_enddate: Date = f("对账结束日期")
    medfee_sumamt: N16_2 = f("医疗费总额")
    fund_pay_sumamt: N16_2 = f("基金支付总额")
    acct_pay: N16_2 = f("个人账户支付金额")
    # whether cancelled settlements count is a province rule (§5.4) [U]
    fixmedins_setl_cnt: N10 = f("定点医药机构结算笔数")
    refd_setl_flag: RefdSetlFlag | None = f("退费结算标志", None)  # some clients only [U]


class TotalsResult(HsaOutput):
    """3201 output node ``stmtinfo``."""

    setl_optins: OutText | None = o("结算经办机构")
    stmt_rslt: OutText | None = o("对账结果", required=True)  # 0 平 / 1 不平 [U]
    stmt_rslt_dscr: OutText | None = o("对账结果说明")


class TotalsOutput(HsaOutput):
    """3201 ``output``."""

    stmtinfo: TotalsResult | None = o("对账结果信息", required=True)


class DetailReconciliation(HsaBody):
    """3202 医药机构费用结算对明细账, input node ``data``: the totals again and the uploaded file's query number."""

    setl_optins: C6 = f("结算经办机构")
    file_qury_no: C30 = f("文件查询号")  # 上传明细文件后返回的号码 (9101)
    stmt_begndate: Date = f("对账开始日期")
    stmt_enddate: Date = f("对账结束日期")
    medfee_sumamt: N16_2 = f("医疗费总额")
    fund_pay_sumamt: N16_2 = f("基金支付总额")
    cash_payamt: N16_2 = f("现金支付金额")
    fixmedins_setl_cnt: N10 = f("定点医药机构结算笔数")
    # required in newer versions only (Jilin 2025): optional here so that older platforms are not sent them
    clr_type: ClrType | None = f("清算类别", None)
    refd_setl_flag: RefdSetlFlag | None = f("退费结算标志", None)


class DetailResultFile(HsaOutput):
    """3202 output node ``fileinfo``: the result file to download with 9102."""

    file_qury_no: OutText | None = o("文件查询号", required=True)
    filename: OutText | None = o("文件名", required=True)
    dld_endtime: OutDateTime | None = o("下载截止时间", required=True)


class DetailOutput(HsaOutput):
    """3202 ``output``."""

    fileinfo: DetailResultFile | None = o("文件信息", required=True)


# -- the 3202 files (not transaction nodes) -------------------------------------------------------------------


class DetailFileLine(HsaBody):
    """One line of the 3202 upload file: one settlement of the period, fields in column order (layout [1]; required
    flags assumed). Separator tab or space [U]; the .txt goes in a .zip uploaded with 9101."""

    setl_id: C30 = f("结算ID")
    mdtrt_id: C30 = f("就诊ID")
    psn_no: C30 = f("人员编号", pii="patient")
    medfee_sumamt: N16_2 = f("医疗费总额")
    fund_pay_sumamt: N16_2 = f("基金支付总额")
    acct_pay: N16_2 = f("个人账户支付金额")
    refd_setl_flag: RefdSetlFlag | None = f("退费结算标志", None)


#: columns of the upload file, in order (Jilin 2025 model [1])
DETAIL_FILE_COLUMNS = tuple(DetailFileLine.model_fields)


class DetailResultRow(HsaOutput):
    """One row of the 3202 result file (downloaded with 9102): ``msgid`` finds the original request."""

    psn_no: OutText | None = o("人员编号", required=True, pii="patient")
    mdtrt_id: OutText | None = o("就诊ID")
    setl_id: OutText | None = o("结算ID")
    msgid: OutText | None = o("发送方报文ID", required=True)
    stmt_rslt: OutText | None = o("对账结果", required=True)
    refd_setl_flag: OutText | None = o("退费结算标志", required=True)
    memo: OutText | None = o("备注")
    medfee_sumamt: OutNum | None = o("医疗费总额")
    fund_pay_sumamt: OutNum | None = o("基金支付总额")
    acct_pay: OutNum | None = o("个人账户支付金额")


# fmt: off
ENTRIES = (
    Txn("3201", "医药机构费用结算对总账", "data", TotalsReconciliation, output=TotalsOutput, group="对账",
        section="4.6",
        unknowns="stmt_rslt codes (0 平 / 1 不平) and whether refd_setl_flag is sent and cancelled settlements "
                 "count in fixmedins_setl_cnt vary by province."),
    Txn("3202", "医药机构费用结算对明细账", "data", DetailReconciliation, output=DetailOutput, group="对账",
        section="4.6",
        unknowns="The detail file's separator (tab or space) and column layout are single-source, clr_type and "
                 "refd_setl_flag are sent only by newer versions, and Guangzhou sends clr_optins/clr_way instead "
                 "of setl_optins."),
)
# fmt: on
