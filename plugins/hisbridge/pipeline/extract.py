"""Streaming extraction from the HIS: the feed's SQL over one data window, in chunks of whole records.

The SQL returns one row per (record, list item) ordered by the business key, so the rows of one record are
adjacent; they are folded into one :class:`SourceRecord`. A chunk never splits a record, and memory holds one
chunk at a time whatever the window's size (server-side cursor on PostgreSQL, ``arraysize`` on Oracle).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Engine, bindparam, column, func, select, text

from hisbridge.pipeline.spec import FeedSpec

KEY_SEP = "|"


class SourceRecord:
    """One business record: its key, its SQL values (the first of its rows) and its folded list columns.

    ``row`` is the SQL row as fetched; the name → value dict is built only when something reads ``values``
    (mapping, checks): a record a re-run skips by its source hash never needs it.
    """

    __slots__ = ("key", "row", "columns", "lists", "voided", "_values")

    def __init__(self, key: str, values: dict[str, Any] | None = None, lists: dict[str, list[Any]] | None = None,
                 *, row: tuple = (), columns: tuple[str, ...] = (), voided: bool | None = None) -> None:
        self.key = key
        self.lists = {} if lists is None else lists
        if values is not None:
            row, columns = tuple(values.values()), tuple(values)
        self.row, self.columns, self._values = row, columns, values
        self.voided = bool(values and values.get("__voided__")) if voided is None else voided

    @property
    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._values = dict(zip(self.columns, self.row, strict=True))
        return self._values

    def __repr__(self) -> str:  # the key only: values may be personal data
        return f"SourceRecord({self.key!r})"


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
        self.columns = tuple(columns)
        self.key_at = [index[c] for c in spec.business_key]
        self.voided_at = index[spec.voided_column] if spec.voided_column else None
        self.lists = [(name, index[src.column]) for name, src in spec.lists.items() if src.items is None]
        #: lists of objects: (name, position of the item's key, positions of the item's fields)
        self.objects = [(name, index[src.key], tuple(index[c.column] for c in src.items.values()))
                        for name, src in spec.lists.items() if src.items is not None and src.key]
        self.seen: dict[str, set[Any]] = {}  # item keys of the record being folded, per list of objects

    def key(self, row: tuple) -> str:
        if len(self.key_at) == 1:
            value = row[self.key_at[0]]
            return "" if value is None else str(value)
        return KEY_SEP.join("" if row[n] is None else str(row[n]) for n in self.key_at)

    def new(self, key: str, row: tuple) -> SourceRecord:
        voided = self.voided_at is not None and row[self.voided_at] in (1, "1", True)
        lists: dict[str, list[Any]] = {name: [] for name, _ in self.lists}
        lists.update((name, []) for name, _, _ in self.objects)
        self.seen = {name: set() for name, _, _ in self.objects}
        record = SourceRecord(key, lists=lists, row=tuple(row), columns=self.columns, voided=voided)
        self.collect(record, row)
        return record

    def collect(self, record: SourceRecord, row: tuple) -> None:
        for name, n in self.lists:
            value = row[n]
            if value is not None and value not in record.lists[name]:
                record.lists[name].append(value)
        for name, key_at, fields_at in self.objects:  # an object item: its fields' values, once per item key
            item_key = row[key_at]
            if item_key is not None and item_key not in self.seen[name]:
                self.seen[name].add(item_key)
                record.lists[name].append(tuple(row[n] for n in fields_at))


def count_records(engine: Engine, spec: FeedSpec, window_start: datetime, window_end: datetime) -> int:
    """How many records the feed's SQL selects in the window (distinct business keys: a record of several rows
    counts once) — one query the database answers without sending the rows."""
    stmt = text(spec.sql_text()).bindparams(
        bindparam("window_start", type_=DateTime()), bindparam("window_end", type_=DateTime())
    ).columns(*(column(c) for c in spec.business_key)).subquery("feed_rows")
    keys = select(*(stmt.c[c] for c in spec.business_key)).distinct().subquery("feed_keys")
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(keys),
                                {"window_start": window_start, "window_end": window_end}).scalar_one())


def read_ahead(chunks: Iterator[list[SourceRecord]], depth: int = 1) -> Iterator[list[SourceRecord]]:
    """The same chunks, with the next one read by a thread of its own while the caller works on this one (the
    HIS answers a fetch while the pipeline validates and looks up the ledger). At most ``depth`` chunks wait;
    an error in the reader is raised here; leaving early stops the reader and closes its cursor."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        box.put(("chunk", chunk), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            else:
                box.put(("end", None))
        except BaseException as exc:  # handed to the caller, raised there
            box.put(("error", exc))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # in this thread: the connection is closed where it was used

    reader = threading.Thread(target=read, name="his-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while reader.is_alive():
            try:
                box.get(timeout=0.1)
            except queue.Empty:
                pass
        reader.join()
