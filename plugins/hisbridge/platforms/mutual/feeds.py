"""The 互认 platform as the feed pipeline sees it: a feed's options, its capabilities and correction scope.

Light on purpose (no HTTP): the pipeline loads it through the registry when a feed is loaded. The sender
(``sender.py``) is imported only when a task runs.

A feed YAML's ``options`` for ``platform: mutual``::

    options: {operation: uploadLabReport}
    options: {operation: uploadLabIndicator, batch: 100}

* ``operation`` — the data upload the feed carries (:func:`hisbridge.platforms.mutual.catalogue.uploads`); its row
  model, data type and parent follow from the catalogue.
* ``batch`` — rows per message (default 50). The connection's ``max_batch`` is the platform's limit: a message
  larger than it is not sent and the task fails (fix the feed or the connection), so keep ``batch`` ≤ it.

Capabilities: batch messages (one row per message in single mode: the same operation), sent in order (a child
after its report), corrected by **upsert** — a changed record is uploaded again and replaces the old one by its
``BusinessNo``; a record voided in the HIS is withdrawn with ``deleteData`` by its key. One record's correction
touches that record only, so every feed is its own correction scope. Nothing reaches the platform but through
hisbridge (``unsent_may_exist`` false): a void the ledger never delivered is withdrawn quietly.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hisbridge.pipeline.platform import Capabilities, Correction, Platform
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.mutual import catalogue
from hisbridge.platforms.mutual.catalogue import Operation

#: the most rows a feed may ask for in one message (a sanity bound; the connection's max_batch is the real one)
MAX_BATCH = 1000


class MutualFeedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    operation: str = Field(description="数据上传接口, e.g. uploadLabReport")
    batch: int = Field(50, ge=1, le=MAX_BATCH, description="每条报文的行数（不超过连接的 max_batch）")

    @field_validator("operation")
    @classmethod
    def _an_upload(cls, value: str) -> str:
        names = [op.name for op in catalogue.uploads()]
        if value not in names:
            raise ValueError(f"{value!r} is not a data upload of the 互认 platform; use one of {', '.join(names)}")
        return value

    @property
    def op(self) -> Operation:
        return catalogue.get(self.operation)

    @property
    def data_type(self) -> str:
        assert self.op.data_type is not None
        return self.op.data_type


def capabilities(options: MutualFeedOptions) -> Capabilities:
    return Capabilities(
        modes=("batch", "single"),
        max_batch=options.batch,
        # a report before its children, and a re-upload after the withdrawal it follows
        ordered=True,
        correction=Correction.UPSERT,
        max_in_flight=1,
        unsent_may_exist=False,
    )


def correction_scope(spec: FeedSpec) -> str:
    """A withdrawal names one record of one data type: each feed is its own scope."""
    return f"feed:{spec.feed}"


PLATFORM = Platform(
    name="mutual",
    title="省检查检验结果互认平台",
    options=MutualFeedOptions,
    capabilities=capabilities,
    correction_scope=correction_scope,
    connect="hisbridge.platforms.mutual.sender:from_airflow",
)
