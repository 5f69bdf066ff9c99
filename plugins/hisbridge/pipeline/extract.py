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
        columns = list(result.keys())
        missing = spec.source_columns - set(columns)
        if missing:
            raise ValueError(f"feed {spec.feed}: SQL {spec.sql} does not return columns {sorted(missing)}")
        fold = _Folder(spec, columns)
        chunk: list[SourceRecord] = []
        current: SourceRecord | None = None
        for row in result.tuples():  # plain tuples: no per-row mapping objects on the hot path
            key = fold.key(row)
            if current is not None and current.key == key:
                fold.collect(current, row)
                continue
            if current is not None:
                chunk.append(current)
                if len(chunk) >= chunk_size:
                    yield chunk
                    chunk = []
            current = fold.new(key, row)
        if current is not None:
            chunk.append(current)
        if chunk:
            yield chunk


class _Folder:
    """Turns the rows of one record into a :class:`SourceRecord`, by column position."""

    def __init__(self, spec: FeedSpec, columns: list[str]) -> None:
        index = {name: n for n, name in enumerate(columns)}
        self.columns = columns
        self.key_at = [index[c] for c in spec.business_key]
        self.voided_at = index[spec.voided_column] if spec.voided_column else None
        self.lists = [(name, index[src.column]) for name, src in spec.lists.items()]

    def key(self, row: tuple) -> str:
        if len(self.key_at) == 1:
            value = row[self.key_at[0]]
            return "" if value is None else str(value)
        return KEY_SEP.join("" if row[n] is None else str(row[n]) for n in self.key_at)

    def new(self, key: str, row: tuple) -> SourceRecord:
        values = dict(zip(self.columns, row, strict=True))
        if self.voided_at is not None:
            values["__voided__"] = row[self.voided_at] in (1, "1", True)
        record = SourceRecord(key=key, values=values, lists={name: [] for name, _ in self.lists})
        self.collect(record, row)
        return record

    def collect(self, record: SourceRecord, row: tuple) -> None:
        for name, n in self.lists:
            value = row[n]
            if value is not None and value not in record.lists[name]:
                record.lists[name].append(value)
