"""What every 两定 transaction declaration (hsa.md §4.1–4.7, §4.9–4.11) is built from.

A transaction is declared once, in the module of its group, as

* its **input**: an :class:`~hisbridge.platforms.hsa.models.HsaBody` per input node (strict: lengths, required
  flags, code sets; blank is no value; unknown keys refused). When the input has several nodes (2203
  ``mdtrtinfo`` + ``diseinfo[]``), the body is a :class:`Nodes` model whose fields are the nodes;
* its **output**: an :class:`HsaOutput` — the whole ``output`` object, nodes as fields. Outputs are read, not
  judged: every field is optional (what the spec calls required is kept as ``spec_required`` for the docs and
  the simulator), text keeps any length, and fields the spec does not name are **kept** (``extra="allow"``);
* its :class:`~hisbridge.platforms.hsa.catalogue.Txn` line: node, whether it changes state, how it is undone
  (its own undo transaction, and whether 2601 冲正 may reverse it — §5.2), the errors the spec names for it, and
  what public material leaves open (``unknowns``: configurable, listed in the docs table).

Code sets (§6): a closed ``Literal`` only where the spec marks the set confirmed [C]; provinces extend most sets,
so the rest are length-checked text documented with the values seen.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from hisbridge.platforms.hsa.models import (
    AS_TEXT,
    C2,
    C3,
    C4,
    C6,
    C20,
    C30,
    C40,
    C50,
    C100,
    C200,
    C500,
    N16_2,
    N16_4,
    N16_6,
    Date,
    DateTime,
    Flag,
    HsaBody,
    OpterType,
    PiiSubject,
    _as_text,
    _f,
    _number,
    _text,
)

__all__ = [
    "C2", "C3", "C4", "C6", "C10", "C15", "C20", "C30", "C32", "C40", "C50", "C100", "C200", "C300", "C500", "C1000",
    "C2000", "C4000", "ExpContent", "N2", "N3", "N10", "N4_1", "N6_2", "N12_2", "N16_2", "N16_4", "N16_6", "Date", "DateTime", "Flag", "HsaBody",
    "Nodes", "HsaOutput", "f", "o", "OutText", "OutNum", "OutDate", "OutDateTime", "MdtrtCertType", "Gend",
    "ClrType", "OpterType", "DiagType", "InoutDiagType", "PsnSetlway", "HospApprFlag", "Insutype", "MedType",
    "PsnCertType", "ChrgitmLv", "MedChrgitmType", "ListType", "ClrWay", "PayLoc", "Naty", "FundPayType",
    "PsnType", "Caty", "DscgWay", "StmtRslt", "RefdSetlFlag",
]

C10 = _text(10)
C15 = _text(15)
C32 = _text(32)
C300 = _text(300)
C1000 = _text(1000)
C2000 = _text(2000)
C4000 = _text(4000)

#: whole numbers of at most 2, 3, 10 digits (sort orders, counts, days)
N2 = _number(2, 0)
N3 = _number(3, 0)
N10 = _number(10, 0)
N4_1 = _number(4, 1)
N6_2 = _number(6, 2)
N12_2 = _number(12, 2)

#: 扩展字段 ``exp_content``: JSON text or an object (hsa.md §3)
ExpContent = C4000 | dict[str, Any]

#: a field of an input body: its Chinese name; ``default=...`` means required (``pii`` flags personal data)
f = _f


class Nodes(HsaBody):
    """An input with several nodes (``mdtrtinfo`` + ``diseinfo[]``): its fields are the nodes, each a body."""


# -- outputs --------------------------------------------------------------------------------------------------


class HsaOutput(BaseModel):
    """The ``output`` object of an answer: read leniently, nothing dropped (unknown fields are kept)."""

    model_config = ConfigDict(extra="allow", hide_input_in_errors=True)


def o(description: str, *, required: bool = False, pii: PiiSubject | None = None) -> Any:
    """An output field, always optional when read; ``required`` says what the spec says (docs, simulator)."""
    extra: dict[str, Any] = {"spec_required": required}
    if pii:
        extra |= {"pii": True, "pii_subject": pii}
    return Field(None, description=description, json_schema_extra=extra)


#: output text: any length; numbers the platform sends for text become text
OutText = Annotated[str, BeforeValidator(_as_text)]
#: output numbers: JSON numbers or numeric text
OutNum = Decimal
OutDate = Date
OutDateTime = DateTime

# -- code sets (hsa.md §6) -----------------------------------------------------------------------------------
#: 就诊凭证类型 ``01`` 医保电子凭证, ``02`` 居民身份证, ``03`` 社会保障卡 [C]; later types exist [U] → open text.
MdtrtCertType = C3
#: 性别 ``0`` 未知, ``1`` 男, ``2`` 女, ``9`` 未说明 [C].
Gend = Annotated[Literal["0", "1", "2", "9"], AS_TEXT]
#: 清算类别 ``11`` 门诊, ``21`` 住院, ``41`` 药店购药, ``99`` 其他 [C]; provinces add sub-codes → open text.
ClrType = C30
#: 诊断类别 ``1`` 西医诊断, ``2`` 中医主病诊断, ``3`` 中医主证诊断.
DiagType = Annotated[Literal["1", "2", "3"], AS_TEXT]
#: 出入院诊断类别 ``1`` 入院诊断, ``2`` 出院诊断.
InoutDiagType = Annotated[Literal["1", "2"], AS_TEXT]
#: 个人结算方式 ``01`` 按项目结算, ``02`` 按定额结算 [C].
PsnSetlway = Annotated[Literal["01", "02"], AS_TEXT]
#: 医院审批标志 ``0`` 无须审批, ``1`` 审批通过, ``2`` 审批不通过.
HospApprFlag = Annotated[Literal["0", "1", "2"], AS_TEXT]
#: 险种类型 ``310`` 职工基本医疗保险 … ``390`` 城乡居民基本医疗保险 … [C], provinces add codes → open text.
Insutype = C6
#: 医疗类别 ``11`` 普通门诊, ``12`` 门诊挂号, ``13`` 急诊, ``14`` 门诊慢特病, ``21`` 普通住院 … — province-specific
#: beyond the core, sub-codes up to 6 digits → open text.
MedType = C6
#: 人员证件类型 ``01`` 居民身份证 … ``99`` 其他; local 6-digit codes → open text.
PsnCertType = C6
#: 收费项目等级 ``01`` 甲类, ``02`` 乙类, ``03`` 自费 (one enum uses ``1``–``3``) → open text.
ChrgitmLv = C3
#: 医疗收费项目类别 ``01`` 床位费 … ``14`` 其他费 [C].
MedChrgitmType = C6
#: 目录类别 ``101``…``301`` (provinces disagree) → open text.
ListType = C30
#: 清算方式 (sources disagree: ``01``… vs single digits) → open text.
ClrWay = C30
#: 支付地点类别 ``1`` 中心 … ``5`` 互联网医院 [1].
PayLoc = C6
#: 民族 GB 3304 two digits.
Naty = C3
#: 基金支付类型, 6 digits (``310100`` …), province-defined → open text.
FundPayType = C6
#: 人员类别, province-defined.
PsnType = C6
#: 科别 — value set not captured [U].
Caty = C6
#: 离院方式 — value set not captured [U].
DscgWay = C6
#: 对账结果 — value set not captured [U] (平/不平 codes differ by province).
StmtRslt = C6
#: 退费结算标志 — newer versions only [U].
RefdSetlFlag = C6
