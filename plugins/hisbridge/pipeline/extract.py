"""Streaming extraction from the HIS: the feed's SQL over one data window, in chunks of whole records.

The SQL returns one row per (record, list item) ordered by the business key, so the rows of one record are
adjacent; they are folded into one :class:`SourceRecord`. A chunk never splits a record, and memory holds one
chunk at a time whatever the window's size (server-side cursor on PostgreSQL, ``arraysize`` on Oracle).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Engine, bindparam, text

from hisbridge.pipeline.spec import FeedSpec

KEY_SEP = "|"


@dataclass
class SourceRecord:
    key: str
    values: dict[str, Any]
    lists: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def voided(self) -> bool:
        return bool(self.values.get("__voided__"))


def business_key(spec: FeedSpec, row: dict[str, Any]) -> str:
    return KEY_SEP.join("" if row[c] is None else str(row[c]) for c in spec.business_key)


def extract_records(
    engine: Engine, spec: FeedSpec, window_start: datetime, window_end: datetime, chunk_size: int = 2000
) -> Iterator[list[SourceRecord]]:
    """Yield lists of at most ~``chunk_size`` records of the window ``[window_start, window_end)``.

    The bounds are naive local (Asia/Shanghai) times, as the HIS stores them.
    """
    stmt = text(spec.sql_text()).bindparams(
        bindparam("window_start", type_=DateTime()), bindparam("window_end", type_=DateTime())
    )
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk_size).execute(
            stmt, {"window_start": window_start, "window_end": window_end}
        )
        missing = spec.source_columns - set(result.keys())
        if missing:
            raise ValueError(f"feed {spec.feed}: SQL {spec.sql} does not return columns {sorted(missing)}")
        chunk: list[SourceRecord] = []
        current: SourceRecord | None = None
        for row in result.mappings():
            key = business_key(spec, row)
            if current is not None and current.key == key:
                _collect_lists(spec, current, row)
                continue
            if current is not None:
                chunk.append(current)
                if len(chunk) >= chunk_size:
                    yield chunk
                    chunk = []
            current = _new_record(spec, key, row)
        if current is not None:
            chunk.append(current)
        if chunk:
            yield chunk


def _new_record(spec: FeedSpec, key: str, row) -> SourceRecord:
    values = dict(row)
    if spec.voided_column:
        values["__voided__"] = values.get(spec.voided_column) in (1, "1", True)
    record = SourceRecord(key=key, values=values, lists={name: [] for name in spec.lists})
    _collect_lists(spec, record, row)
    return record


def _collect_lists(spec: FeedSpec, record: SourceRecord, row) -> None:
    for name, src in spec.lists.items():
        value = row[src.column]
        if value is not None and value not in record.lists[name]:
            record.lists[name].append(value)
