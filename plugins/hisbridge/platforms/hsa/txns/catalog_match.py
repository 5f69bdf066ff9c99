"""目录对照: 3301 目录对照上传 and 3302 its 撤销 (hsa.md §4.7). Neither answers an ``output``.

A detail whose ``med_list_codg`` has no 对照 is refused or treated as 全自费 by 2204/2301 (§5.7), so matching
comes first.
"""

from __future__ import annotations

from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import (
    C30,
    C100,
    C200,
    C500,
    C2000,
    Date,
    HsaBody,
    ListType,
    f,
)


class CatalogMatch(HsaBody):
    """3301 目录对照上传, input node ``data``."""

    fixmedins_hilist_id: C30 = f("定点医药机构目录编号")
    fixmedins_hilist_name: C200 = f("定点医药机构目录名称")
    list_type: ListType = f("目录类别")
    med_list_codg: C30 = f("医疗目录编码")
    begndate: Date = f("开始日期")
    enddate: Date = f("结束日期")
    aprvno: C30 | None = f("批准文号", None)
    dosform: C200 | None = f("剂型", None)
    exct_cont: C2000 | None = f("除外内容", None)
    item_cont: C2000 | None = f("项目内涵", None)
    prcunt: C100 | None = f("计价单位", None)
    spec: C200 | None = f("规格", None)
    pacspec: C100 | None = f("包装规格", None)
    memo: C500 | None = f("备注", None)


class CatalogMatchRevoke(HsaBody):
    """3302 目录对照撤销, input node ``data``."""

    fixmedins_code: C30 = f("定点医药机构编号")
    fixmedins_hilist_id: C30 = f("定点医药机构目录编号")
    list_type: ListType = f("目录类别")
    med_list_codg: C30 = f("医疗目录编码")


_LIST_TYPE = "list_type codes disagree between Jilin 2025 and Hunan 2021 (open text)"

# fmt: off
ENTRIES = (
    Txn("3301", "目录对照上传", "data", CatalogMatch, group="目录对照", section="4.7", undone_by="3302",
        unknowns="data is one object in the Chongqing model but an array of rows under data in the Jilin 2025 client "
                 f"(declared as one object); {_LIST_TYPE}."),
    Txn("3302", "目录对照撤销", "data", CatalogMatchRevoke, group="目录对照", section="4.7",
        unknowns=f"The {_LIST_TYPE}."),
)
# fmt: on
