"""The 医保 transactions we use, as data: one :class:`Txn` line each (hsa.md §3, §4).

Generic code (envelope, client) reads everything it needs from here — the input node, whether the node is a
list, whether a lost answer leaves the platform in doubt, and how the rows of a batch answer are matched back to
the rows we sent. There is no ``if infno == …`` anywhere else.

* ``node`` — the key under ``input``: ``{"input": {node: body}}`` (a list when ``many``).
* ``changes_state`` — ``True`` when the transaction changes data on the platform, so a send without an answer
  leaves the outcome unknown (ledger ``unknown``); ``False`` for calls that are safe to repeat (sign-in/out).
* ``row_id_fields`` — wire fields that identify a row in a batch answer's ``<node>ErrDetail`` (each element there
  is a copy of the failed row plus ``errMsg``). The single transaction carries them too, for reference.
* ``err_node`` — where a batch answer lists its failed rows. Only ``purcinfoErrDetail`` (3504A) is seen in
  sources; the others follow the same pattern by analogy [U].
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hisbridge.platforms.hsa import models as m
from hisbridge.platforms.hsa import txns
from hisbridge.platforms.hsa.errors import UnknownTransaction
from hisbridge.platforms.hsa.txn import KnownError, Txn
from hisbridge.platforms.hsa.txns import outputs as out

__all__ = ["CATALOGUE", "KnownError", "Txn", "batch_of", "get"]


_STOCK_TAKE_ID = ("fixmedins_bchno", "fixmedins_hilist_id", "invdate")
_STOCK_CHANGE_ID = ("fixmedins_bchno", "fixmedins_hilist_id", "inv_chg_type", "inv_chg_time")
_PURCHASE_ID = ("fixmedins_bchno", "fixmedins_hilist_id", "purc_retn_stoin_time")
_SALE_ID = ("fixmedins_bchno", "fixmedins_hilist_id", "rtal_docno", "sel_retn_time")
_SALE_RETURN_ID = ("fixmedins_bchno", "fixmedins_hilist_id", "sel_retn_time", "medins_prod_sel_no")

#: every 进销存 upload: its group, its section and its ``result`` output
_TRACE = {"group": "进销存", "section": "4.8", "output": out.UploadOutput}

# fmt: off
_ENTRIES = (
    Txn("9001", "签到", "signIn", m.SignIn, changes_state=False, output=out.SignInOutput, group="签到",
        section="4.0", unknowns="sign_no lifetime is not specified: renewed once on a sign-in refusal (§5.3)"),
    Txn("9002", "签退", "signOut", m.SignOut, changes_state=False, output=out.SignOutOutput, group="签到",
        section="4.0", unknowns="wrapper node and fields differ by province (signOut vs top level; §4.0)"),
    Txn("2601", "冲正交易", "data", m.Reversal, group="冲正", section="4.5",
        errors=(KnownError("原交易不存在", "not_found", "the original never reached the platform: nothing to undo"),),
        unknowns="same-day-only and before-reconciliation limits are implementers' reports [U] (§5.2)"),
    Txn("3501", "商品盘存上传", "invinfo", m.StockTake, **_TRACE, row_id_fields=_STOCK_TAKE_ID),
    Txn("3501A", "商品盘存上传（批量）", "invinfoDetail", m.StockTake, **_TRACE, many=True,
        row_id_fields=_STOCK_TAKE_ID, err_node="invinfoErrDetail", single="3501"),
    Txn("3502", "商品库存变更", "invinfo", m.StockChange, **_TRACE, row_id_fields=_STOCK_CHANGE_ID),
    Txn("3502A", "商品库存变更（批量）", "invinfoDetail", m.StockChange, **_TRACE, many=True,
        row_id_fields=_STOCK_CHANGE_ID, err_node="invinfoErrDetail", single="3502"),
    Txn("3503", "商品采购", "purcinfo", m.Purchase, **_TRACE, row_id_fields=_PURCHASE_ID),
    Txn("3503A", "商品采购（批量）", "purcinfoDetail", m.Purchase, **_TRACE, many=True,
        row_id_fields=_PURCHASE_ID, err_node="purcinfoErrDetail", single="3503"),
    Txn("3504", "商品采购退货", "purcinfo", m.PurchaseReturn, **_TRACE, row_id_fields=_PURCHASE_ID),
    Txn("3504A", "商品采购退货（批量）", "purcinfoDetail", m.PurchaseReturn, **_TRACE, many=True,
        row_id_fields=_PURCHASE_ID, err_node="purcinfoErrDetail", single="3504"),
    Txn("3505", "商品销售", "selinfo", m.Sale, **_TRACE, row_id_fields=_SALE_ID),
    Txn("3505A", "商品销售（批量）", "selinfoDetail", m.Sale, **_TRACE, many=True,
        row_id_fields=_SALE_ID, err_node="selinfoErrDetail", single="3505"),
    Txn("3506", "商品销售退货", "selinfo", m.SaleReturn, **_TRACE, row_id_fields=_SALE_RETURN_ID),
    Txn("3506A", "商品销售退货（批量）", "selinfoDetail", m.SaleReturn, **_TRACE, many=True,
        row_id_fields=_SALE_RETURN_ID, err_node="selinfoErrDetail", single="3506"),
    Txn("3507", "商品信息删除", "data", m.InventoryDelete, **_TRACE,
        errors=(KnownError("未查询到", "not_found", "nothing stored for that batch: already deleted (ADR 3)"),)),
)
# fmt: on

_ENTRIES += txns.entries()

CATALOGUE: Mapping[str, Txn] = MappingProxyType({txn.infno: txn for txn in _ENTRIES})


def get(infno: str) -> Txn:
    """The catalogue entry of ``infno``; :class:`UnknownTransaction` names the known ones otherwise."""
    try:
        return CATALOGUE[infno]
    except KeyError:
        raise UnknownTransaction(infno, tuple(CATALOGUE)) from None


def batch_of(single_infno: str) -> Txn:
    """The batch ("A") variant of a single transaction (``3505`` → ``3505A``)."""
    get(single_infno)
    for txn in _ENTRIES:
        if txn.single == single_infno:
            return txn
    raise UnknownTransaction(f"{single_infno} (batch variant)", tuple(t.infno for t in _ENTRIES if t.single))
