"""The 市区卫平台 as the feed pipeline sees it: a feed's options, its capabilities and correction scope.

Light on purpose (no database): the pipeline loads it through the registry when a feed is loaded; the 前置库
sender (``frontdb.py``) is imported only when a task runs.

A feed YAML's ``options`` for ``platform: regional``::

    options: {dataset: outpatient_visit}

* ``dataset`` — the data set of ``regional_datasets.yaml`` the feed delivers (its 前置库 table, key and columns);
  the data set must name this feed back.
* ``batch`` — rows per transaction written into the 前置库 (default 200).

Capabilities: rows are written in batches (one transaction each), in any order, corrected by **upsert**: a
changed record is written again over its row by the business key, its upload flag back to 待上传 so the platform
takes the new version; a record voided in the HIS is deleted from the 前置库 by key (what the platform has already
taken stays there: whether the platform needs a 作废 row instead is not public [unk]). A write whose COMMIT failed
is simply written again (an upsert by key is safe to repeat). One correction touches one row: each feed is its own
scope.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hisbridge.pipeline.platform import Capabilities, Correction, Platform
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.regional.datasets import Dataset, datasets


class RegionalFeedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str = Field(description="regional_datasets.yaml 中的数据集名, e.g. outpatient_visit")
    batch: int = Field(200, ge=1, le=1000, description="每个事务写入前置库的行数")

    @field_validator("dataset")
    @classmethod
    def _declared(cls, value: str) -> str:
        datasets().get(value)  # raises naming the declared data sets
        return value

    @property
    def declaration(self) -> Dataset:
        return datasets().get(self.dataset)


def capabilities(options: RegionalFeedOptions) -> Capabilities:
    return Capabilities(modes=("batch", "single"), max_batch=options.batch, ordered=False,
                        correction=Correction.UPSERT, max_in_flight=2, resend_unknown=True)


def correction_scope(spec: FeedSpec) -> str:
    return f"feed:{spec.feed}"


PLATFORM = Platform(
    name="regional",
    title="市区卫平台",
    options=RegionalFeedOptions,
    capabilities=capabilities,
    correction_scope=correction_scope,
    connect="hisbridge.platforms.regional.hooks:sender_from_airflow",
)
