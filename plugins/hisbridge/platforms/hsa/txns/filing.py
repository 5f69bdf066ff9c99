"""备案: 2503 人员慢特病备案 and 2504 its 撤销 (hsa.md §4.4)."""

from __future__ import annotations

from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import (
    C6,
    C30,
    C50,
    C200,
    C300,
    C500,
    Date,
    HsaBody,
    HsaOutput,
    Insutype,
    OutText,
    f,
    o,
)


class ChronicFiling(HsaBody):
    """2503 人员慢特病备案, input node ``data``."""

    psn_no: C30 = f("人员编号", pii="patient")
    insutype: Insutype = f("险种类型")
    opsp_dise_code: C30 = f("门慢门特病种目录代码")
    opsp_dise_name: C300 = f("门慢门特病种名称")
    tel: C50 | None = f("联系电话", None, pii="patient")
    addr: C200 | None = f("联系地址", None, pii="patient")
    insu_optins: C6 = f("参保机构医保区划")
    ide_fixmedins_no: C30 = f("鉴定定点医药机构编号")
    ide_fixmedins_name: C200 = f("鉴定定点医药机构名称")
    hosp_ide_date: Date = f("医院鉴定日期")
    diag_dr_codg: C30 = f("诊断医师编码")
    diag_dr_name: C50 = f("诊断医师姓名", pii="staff")
    begndate: Date = f("开始日期")
    enddate: Date | None = f("结束日期", None)


class ChronicFilingResult(HsaOutput):
    """2503 output node ``result``."""

    trt_dcla_detl_sn: OutText | None = o("待遇申报明细流水号", required=True)


class ChronicFilingOutput(HsaOutput):
    """2503 ``output``."""

    result: ChronicFilingResult | None = o("备案结果", required=True)


class ChronicFilingRevoke(HsaBody):
    """2504 人员慢特病备案撤销, input node ``data``."""

    trt_dcla_detl_sn: C30 = f("待遇申报明细流水号")
    psn_no: C30 = f("人员编号", pii="patient")
    memo: C500 = f("撤销原因")


# fmt: off
ENTRIES = (
    Txn("2503", "人员慢特病备案", "data", ChronicFiling, output=ChronicFilingOutput, group="备案", section="4.4",
        undone_by="2504"),
    Txn("2504", "人员慢特病备案撤销", "data", ChronicFilingRevoke, group="备案", section="4.4"),
)
# fmt: on
