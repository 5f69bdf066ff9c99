"""The 医保 platform as the feed pipeline sees it: a feed's options, its capabilities and correction scope.

Light on purpose (no client, no HTTP): the pipeline loads it through the registry when a feed is loaded. The
sender (``sender.py``) is imported only when a task runs.

A feed YAML's ``options`` for ``platform: hsa``::

    options: {single: "3505", batch: "3505A", delete: "3507", inv_data_type: "4"}

* ``single`` — the transaction carrying one record; ``batch`` — its batch ("A") variant, if the province has
  enabled it (the feed then supports batch mode); ``delete`` + ``inv_data_type`` — the correction: 3507 deletes
  everything of one ``fixmedins_bchno`` (the feed's ``correction_key``) and data type, so feeds sharing
  (delete, inv_data_type) share one correction scope.
* ``max_batch`` — the most rows one batch message may carry [U: the province's limit is not published].
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hisbridge.pipeline.platform import Capabilities, Correction, Platform
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.hsa import catalogue


class HsaFeedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    single: str = Field(description="单条交易编号, e.g. 3505")
    batch: str | None = Field(None, description="批量交易编号, e.g. 3505A")
    delete: str | None = Field(None, description="删除交易编号 (3507)")
    inv_data_type: str | None = Field(None, description="3507 进销存数据类型")
    max_batch: int = Field(1000, ge=1, description="largest batch message [U]")

    @model_validator(mode="after")
    def _known(self) -> Self:
        for infno in (self.single, self.batch, self.delete):
            if infno is not None and infno not in catalogue.CATALOGUE:
                raise ValueError(f"unknown 医保 transaction {infno!r}; the catalogue knows {', '.join(catalogue.CATALOGUE)}")
        if self.batch and catalogue.get(self.batch).single != self.single:
            raise ValueError(f"{self.batch} is not the batch variant of {self.single}")
        if self.delete and not self.inv_data_type:
            raise ValueError("a delete transaction needs inv_data_type")
        return self


def capabilities(options: HsaFeedOptions) -> Capabilities:
    return Capabilities(
        modes=("batch", "single") if options.batch else ("single",),
        max_batch=options.max_batch if options.batch else 1,
        # the platform keeps state across messages (a 追溯码 sold once; a return after its sale): send in order
        ordered=True,
        correction=Correction.GROUP_DELETE if options.delete else Correction.NONE,
        max_in_flight=1,
    )


def correction_scope(spec: FeedSpec) -> str:
    """3507 deletes by batch number *and data type*: sales and sale returns (type 4) share a scope."""
    options = spec.platform_options
    assert isinstance(options, HsaFeedOptions)
    if options.delete:
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
