"""The 医保 platform as the feed pipeline sees it: a feed's options, its capabilities and correction scope.

Light on purpose (no client, no HTTP): the pipeline loads it through the registry when a feed is loaded. The
sender (``sender.py``) is imported only when a task runs.

A feed YAML's ``options`` for ``platform: hsa``::

    options: {single: "3505", batch: "3505A", delete: "3507", inv_data_type: "4"}
    options: {single: "3301", delete: "3302"}

* ``single`` — the transaction carrying one record; ``batch`` — its batch ("A") variant, if the province has
  enabled it (the feed then supports batch mode).
* ``delete`` — the transaction that removes a delivered record; how it does so is :data:`CORRECTIONS` (data, not
  ``if infno == …``):

  - 3507 商品信息删除 deletes everything of one ``fixmedins_bchno`` (the feed's ``correction_key``) and
    ``inv_data_type``: a group delete, so feeds sharing (delete, inv_data_type) share one correction scope;
  - 3302 目录对照撤销 withdraws one 对照 named by the feed's business key, whose columns carry the names of the
    3302 body's fields (the institution code comes from the connection): a delete by id.
* ``max_batch`` — the most rows one batch message may carry [U: the province's limit is not published].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hisbridge.pipeline.platform import Capabilities, Correction, Platform
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.hsa import catalogue


@dataclass(frozen=True)
class CorrectionRule:
    """How one 医保 transaction removes what a feed delivered: read by the capabilities, the correction scope
    and the sender (which builds the body: ``sender._CORRECTION_BODIES`` by ``kind``)."""

    kind: Correction
    #: the transaction deletes by 进销存数据类型 too: the feed names its ``inv_data_type``
    by_data_type: bool = False


#: the correction transactions a feed may name under ``options.delete``
CORRECTIONS: Mapping[str, CorrectionRule] = MappingProxyType({
    "3507": CorrectionRule(Correction.GROUP_DELETE, by_data_type=True),  # 商品信息删除: a batch of one data type
    "3302": CorrectionRule(Correction.DELETE_BY_ID),  # 目录对照撤销: one 对照 by its business key
})


class HsaFeedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    single: str = Field(description="单条交易编号, e.g. 3505")
    batch: str | None = Field(None, description="批量交易编号, e.g. 3505A")
    delete: str | None = Field(None, description="删除/撤销交易编号 (3507 按批次删除, 3302 按主键撤销)")
    inv_data_type: str | None = Field(None, description="3507 进销存数据类型")
    max_batch: int = Field(1000, ge=1, description="largest batch message [U]")

    @model_validator(mode="after")
    def _known(self) -> Self:
        for infno in (self.single, self.batch, self.delete):
            if infno is not None and infno not in catalogue.CATALOGUE:
                raise ValueError(f"unknown 医保 transaction {infno!r}; the catalogue knows {', '.join(catalogue.CATALOGUE)}")
        if self.batch and catalogue.get(self.batch).single != self.single:
            raise ValueError(f"{self.batch} is not the batch variant of {self.single}")
        if self.delete:
            rule = CORRECTIONS.get(self.delete)
            if rule is None:
                raise ValueError(f"{self.delete} is not a correction transaction; "
                                 f"use one of {', '.join(CORRECTIONS)}")
            undone_by = catalogue.get(self.single).undone_by
            if undone_by and undone_by != self.delete:
                raise ValueError(f"{self.single} is undone by {undone_by}, not {self.delete}")
            if rule.kind is Correction.DELETE_BY_ID and undone_by != self.delete:  # its body names one such record
                raise ValueError(f"{self.delete} does not undo {self.single}")
            if rule.by_data_type and not self.inv_data_type:
                raise ValueError(f"a delete transaction needs inv_data_type "
                                 f"({self.delete} deletes by batch and data type)")
            if not rule.by_data_type and self.inv_data_type:
                raise ValueError(f"{self.delete} does not delete by inv_data_type")
        elif self.inv_data_type:
            raise ValueError("inv_data_type belongs to a 3507 correction: name delete too")
        return self

    @property
    def correction(self) -> Correction:
        return CORRECTIONS[self.delete].kind if self.delete else Correction.NONE


def capabilities(options: HsaFeedOptions) -> Capabilities:
    return Capabilities(
        modes=("batch", "single") if options.batch else ("single",),
        max_batch=options.max_batch if options.batch else 1,
        # the platform keeps state across messages (a 追溯码 sold once; a return after its sale; one active 对照
        # per item and list type, so a 3302 must land before the 3301 replacing it): send in order
        ordered=True,
        correction=options.correction,
        max_in_flight=1,
        # 对照 made in the 医保 client before go-live are on the platform but not in the ledger: withdrawing one
        # must still send 3302 (its "未查询到" answer counts as done)
        unsent_may_exist=options.correction is Correction.DELETE_BY_ID,
    )


def correction_scope(spec: FeedSpec) -> str:
    """3507 deletes by batch number *and data type*: sales and sale returns (type 4) share a scope. A delete by
    id touches only the feed's own record."""
    options = spec.platform_options
    assert isinstance(options, HsaFeedOptions)
    if options.correction is Correction.GROUP_DELETE:
        return f"hsa:{options.delete}:{options.inv_data_type}"
    return f"feed:{spec.feed}"


PLATFORM = Platform(
    name="hsa",
    title="国家医保平台",
    options=HsaFeedOptions,
    capabilities=capabilities,
    correction_scope=correction_scope,
    connect="hisbridge.platforms.hsa.sender:from_airflow",
)
