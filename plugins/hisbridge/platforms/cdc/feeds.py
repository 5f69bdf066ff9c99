"""The CDC front-end as the feed pipeline sees it: a feed's options, its capabilities and correction scope.

Light on purpose (no HTTP, no database): the pipeline loads it through the registry when a feed is loaded. The
senders (``sender.py`` push, ``frontend_db.py`` database) are imported only when a task runs.

A feed YAML's ``options`` for ``platform: cdc``::

    options: {table: emr_ex_lab_item}
    options: {table: emr_patient_info, in_flight: 4}

* ``table`` — the declared table the feed fills (:data:`hisbridge.platforms.cdc.tables.TABLES`); its entity
  (``emrExLabItem``), model, key and parents follow from the declaration.
* ``in_flight`` — requests one run may have on the wire at once (default 1: one after another, in extraction
  order). Records of one feed are independent upserts by id, so more is safe where the front-end keeps up.

Capabilities: one record per message (the front-end takes one JSON object per request), corrected by
**upsert** — a changed record is simply sent again and replaces the old one by its key; a record voided in the
HIS is removed with a ``DELETE`` by key (or, with the site's ``void_mode: flag``, sent again with
``invalid_flag = 1``). One record's correction touches that record only, so every feed is its own scope.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hisbridge.pipeline.platform import Capabilities, Correction, Platform
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.cdc.tables import TABLES, CdcTable


class CdcFeedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str = Field(description="前置软件的表名, e.g. emr_ex_lab_item")
    in_flight: int = Field(1, ge=1, le=8, description="同时在途的请求数（默认 1：逐条按序发送）")

    @field_validator("table")
    @classmethod
    def _declared(cls, value: str) -> str:
        if value not in TABLES:
            raise ValueError(f"unknown CDC table {value!r}; declared: {', '.join(TABLES)}")
        return value

    @property
    def cdc_table(self) -> CdcTable:
        return TABLES[self.table]

    @property
    def entity(self) -> str:
        return self.cdc_table.entity


def capabilities(options: CdcFeedOptions) -> Capabilities:
    return Capabilities(
        modes=("single",),
        max_batch=1,
        ordered=options.in_flight == 1,
        correction=Correction.UPSERT,
        max_in_flight=options.in_flight,
        unsent_may_exist=False,
    )


def correction_scope(spec: FeedSpec) -> str:
    """A DELETE (or a flagged re-send) touches one record of one table: each feed is its own scope."""
    return f"feed:{spec.feed}"


PLATFORM = Platform(
    name="cdc",
    title="传染病监测预警前置软件",
    options=CdcFeedOptions,
    capabilities=capabilities,
    correction_scope=correction_scope,
    connect="hisbridge.platforms.cdc.sender:from_airflow",
)
