"""The 城市大脑 as the feed pipeline sees it: a feed's options, its capabilities and correction scope.

Light on purpose (no HTTP): the pipeline loads it through the registry when a feed is loaded. The sender
(``sender.py``) is imported only when a task runs.

A feed YAML's ``options`` for ``platform: city_brain``::

    options: {operation: notify, event_type: CHECKED_IN}        # 医院数据推送通知: one event type per feed
    options: {operation: history, data_type: bill, batch: 200}  # 医院历史数据抓取: one data type per feed

* ``operation`` — ``notify`` (pushes, ``include/mappings/city_brain_push_<event>.yaml``) or ``history`` (the
  history capture, ``city_brain_history_<data type>.yaml``).
* ``event_type`` (notify) — the event the feed carries; its SQL builds ``eventId`` as ``<event_type>:<HIS key>``.
* ``data_type`` (history) — ``visit``, ``bill``, ``prescription`` or ``report``.
* ``batch`` (history) — records per page, at most 200 (default 200).

Capabilities:

* **notify** — one event per message, **in order**: one message in flight, the feed's SQL ordered by the event's
  time, so a visit's events of one type leave in the order they happened; the DAG runs the event types in the
  order of a visit's journey, and ``parents`` keep every outpatient event behind its visit's REGISTERED.
  Correction **none**: an event is a fact — what happened does not change, and a later change in the HIS is a
  new event with its own eventId (a 退号 is REGISTRATION_CANCELLED, not an edit of REGISTERED; a refund is
  REFUNDED, not an edit of CHARGED). A pushed event whose content the HIS later shows differently is refused
  with that reason (``rejected``; the city brain keeps the first version). An event whose outcome is unknown is
  simply pushed again: the city brain dedupes by eventId (``resend_unknown``).
* **history** — pages of up to 200 records, one page in flight, corrected by **upsert** by ``recordId``: a
  record whose content changed is delivered again in a later page and replaces the old one; an unknown page is
  delivered again (the same records, the same batchNo).

Each feed is its own correction scope: no message ever touches another feed's records.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hisbridge.pipeline.platform import Capabilities, Correction, Platform
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.city_brain.outbound import DATA_TYPES, EVENT_TYPES, MAX_RECORDS

EventTypeName = Literal["REGISTERED", "REGISTRATION_CANCELLED", "CHECKED_IN", "ORDERED", "REPORT_READY", "CHARGED",
                        "REFUNDED"]
DataTypeName = Literal["visit", "bill", "prescription", "report"]


class CityBrainFeedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    operation: Literal["notify", "history"] = Field(description="notify 医院数据推送通知 / history 医院历史数据抓取")
    event_type: EventTypeName | None = Field(None, description="notify：本 feed 推送的事件类型")
    data_type: DataTypeName | None = Field(None, description="history：本 feed 抓取的数据类型")
    batch: int | None = Field(None, ge=1, le=MAX_RECORDS, description="history：每页记录数（最多 200，默认 200）")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.operation == "notify":
            if self.event_type is None:
                raise ValueError(f"notify needs event_type, one of {', '.join(EVENT_TYPES)}")
            if self.data_type is not None or self.batch is not None:
                raise ValueError("notify pushes one event per message: no data_type, no batch")
        else:
            if self.data_type is None:
                raise ValueError(f"history needs data_type, one of {', '.join(DATA_TYPES)}")
            if self.event_type is not None:
                raise ValueError("history carries records, not events: no event_type")
        return self

    @property
    def page_size(self) -> int:
        return 1 if self.operation == "notify" else (self.batch or MAX_RECORDS)


def capabilities(options: CityBrainFeedOptions) -> Capabilities:
    if options.operation == "notify":
        return Capabilities(modes=("single",), max_batch=1, ordered=True, correction=Correction.NONE,
                            max_in_flight=1, resend_unknown=True)
    return Capabilities(modes=("batch",), max_batch=options.page_size, ordered=True, correction=Correction.UPSERT,
                        max_in_flight=1)


def correction_scope(spec: FeedSpec) -> str:
    """Nothing a message does reaches beyond its own records: each feed is its own scope."""
    return f"feed:{spec.feed}"


PLATFORM = Platform(
    name="city_brain",
    title="城市大脑",
    options=CityBrainFeedOptions,
    capabilities=capabilities,
    correction_scope=correction_scope,
    connect="hisbridge.platforms.city_brain.sender:from_airflow",
)
