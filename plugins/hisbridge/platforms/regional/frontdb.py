"""The 前置库 (中间库) of the 市区卫平台: rows we write for the platform to take, and the upload flags it leaves.

**Writing** (:class:`FrontDbSender`, the pipeline's sender for ``platform: regional``):

=====================  ==========================================================================================
record                 ``INSERT … ON CONFLICT (key) DO UPDATE`` (PostgreSQL, SQLite) or ``MERGE`` (Oracle): the
                       whole row replaced, the upload flag back to 待上传 and the platform's error and pull time
                       cleared — a re-sent or changed row is taken again; one transaction per message
void                   ``DELETE … WHERE key = :key`` (nothing there counts as done)
=====================  ==========================================================================================

Outcomes, by when the database failed (:mod:`hisbridge.pipeline.table_write`, shared with the CDC front-end database): no connection or a statement
failing → ``not_sent`` (nothing written, the task retries); a row the database refuses (too long, NOT NULL) →
that row ``rejected`` with the database's first line, the others of the message written one by one; a table or
column missing → ``refused_by_gateway`` (the 前置库 is not what the data set declares: fix the declaration or
the connection; no retry); the COMMIT failing → ``unknown`` (the next run writes it again: safe for an upsert).

**Reading** (:class:`FrontDbReader`, for the health check): the rows of a day (by the data set's day column)
with their key, upload flag, the platform's error text and pull time.

Tables and columns are the data set's declaration (``regional_datasets.yaml``): we never create the 前置库's
tables — the platform operator does (the simulator, in tests and the demo).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    select,
    text,
)

from hisbridge.contracts.sql import dialect_of, qualifier
from hisbridge.ledger.store import MessageResult
from hisbridge.pipeline.platform import Mode
from hisbridge.pipeline.spec import ColumnSource, FeedSpec
from hisbridge.pipeline.table_write import TableWords, upsert_statement, write_in_transaction
from hisbridge.platforms.regional.datasets import Dataset, FrontDbReceipt
from hisbridge.platforms.regional.models import db_row, model_for, pii_columns

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_now() -> datetime:
    """The 前置库 keeps local wall-clock time, as the HIS does."""
    return datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


# -- the declaration against the feed ------------------------------------------------------------------------------


def dataset_of(spec: FeedSpec) -> Dataset:
    from hisbridge.platforms.regional.feeds import RegionalFeedOptions

    options = spec.platform_options
    assert isinstance(options, RegionalFeedOptions), f"{spec.feed} is not a 市区卫平台 feed"
    return options.declaration


def receipt_of(d: Dataset) -> FrontDbReceipt:
    if d.frontdb is None:
        raise ValueError(f"data set {d.name} ({d.title}) declares no 前置库 table (receipt {d.receipt})")
    return d.frontdb


_checked: dict[int, tuple[FeedSpec, Dataset]] = {}


def check_feed(spec: FeedSpec) -> Dataset:
    """The feed's data set once the declaration is known to fit it; ``ValueError`` naming what does not."""
    hit = _checked.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    d = dataset_of(spec)
    problems = []
    if d.feed != spec.feed:
        problems.append(f"data set {d.name} is delivered by feed {d.feed!r}, not {spec.feed!r}")
    if d.frontdb is None:
        problems.append(f"data set {d.name} has no 前置库 table to write into (receipt {d.receipt})")
    columns = {c.name for c in d.columns}
    unknown = sorted(set(spec.fields) - columns)
    if unknown:
        problems.append(f"fields {unknown} are not columns of the data set")
    missing = sorted(c.name for c in d.columns if c.required and c.name not in spec.fields)
    if missing:
        problems.append(f"required columns {missing} are not mapped")
    if spec.lists:
        problems.append("a 前置库 row is flat: no lists")
    source = spec.fields.get(d.key_column)
    if len(spec.business_key) != 1 or not isinstance(source, ColumnSource) or source.column != spec.business_key[0]:
        problems.append(f"the business key must be the one SQL column mapped to {d.key_column} (rows are upserted "
                        "and deleted by it)")
    if problems:
        raise ValueError(f"feed {spec.feed} (platform regional, data set {d.name}): " + "; ".join(problems))
    _checked[id(spec)] = (spec, d)
    return d


@cache
def sa_table(d: Dataset, schema: str | None = None) -> Table:
    """The 前置库 table as we see it: the declared columns, then the receipt's bookkeeping columns."""
    r = receipt_of(d)
    kinds = {"datetime": DateTime(), "date": Date(), "int": Integer()}
    cols = [Column(c.name, kinds.get(c.kind) or String(c.length), primary_key=c.key) for c in d.columns]
    cols.append(Column(r.flag_column, String(8)))
    if r.error_column:
        cols.append(Column(r.error_column, String(500)))
    if r.pulled_at_column:
        cols.append(Column(r.pulled_at_column, DateTime()))
    if r.written_at_column:
        cols.append(Column(r.written_at_column, DateTime()))
    return Table(r.table, MetaData(schema=schema), *cols)


def merge_sql(d: Dataset, schema: str | None = None) -> str:
    """Oracle's upsert (``MERGE`` on the key), binds positional (``:p0`` …) as Oracle limits bind names."""
    t = sa_table(d)
    q = qualifier(schema, "oracle")
    names = [c.name for c in t.columns]
    key = d.key_column
    binds = [f":p{n} AS {name}" for n, name in enumerate(names)]
    others = [n for n in names if n != key]
    return (f"MERGE INTO {q(t.name)} t USING (SELECT {', '.join(binds)} FROM dual) s ON (t.{key} = s.{key}) "
            f"WHEN MATCHED THEN UPDATE SET {', '.join(f't.{n} = s.{n}' for n in others)} "
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) VALUES ({', '.join(f's.{n}' for n in names)})")


# -- writing ---------------------------------------------------------------------------------------------------------


class FrontDbSender:
    """Writes each record as a row of its data set's 前置库 table.

    :param engine: the 前置库 (PostgreSQL, Oracle, or SQLite for the demo)
    :param schema: the PostgreSQL schema / Oracle owner of the tables (default: the login's own)
    :param clock: local wall-clock time of a write (the write-time column)
    """

    platform = "regional"

    def __init__(self, engine: Engine, *, schema: str | None = None, clock: Callable[[], datetime] = local_now) -> None:
        self.engine = engine
        self.schema = schema
        self.clock = clock
        self.dialect = dialect_of(engine)

    # -- what the pipeline asks ------------------------------------------------------------------------------------
    def model_for(self, spec: FeedSpec) -> type[BaseModel]:
        return model_for(check_feed(spec))

    def operation(self, spec: FeedSpec, mode: Mode) -> str:
        return f"UPSERT {receipt_of(check_feed(spec)).table}"

    def correction_operation(self, spec: FeedSpec) -> str:
        return f"DELETE {receipt_of(check_feed(spec)).table}"

    def row_identity(self, spec: FeedSpec, row: dict[str, Any]) -> str | None:
        value = row.get(check_feed(spec).key_column)
        return None if value is None else str(value)

    def personal_fields(self, spec: FeedSpec) -> Sequence[str]:
        return tuple(f for f in pii_columns(check_feed(spec)) if f in spec.fields)

    def new_msgid(self) -> str:
        return f"regional-{uuid.uuid4().hex}"

    def upload(self, spec: FeedSpec, rows: Sequence[dict[str, Any]], mode: Mode, msgid: str) -> MessageResult:
        d = check_feed(spec)
        started = time.monotonic()
        values = [self._row(d, body) for body in rows]
        result = self._write(d, "upsert", rows, lambda conn: self._upsert(conn, d, values), len(rows), started)
        if result.outcome != "rejected" or len(rows) == 1:
            return result
        # one row the database refused fails the whole transaction: write them one by one to tell which
        states, errors = [], []
        for body, value in zip(rows, values, strict=True):
            one = self._write(d, "upsert", [body], lambda conn, v=value: self._upsert(conn, d, [v]), 1, started)
            if one.outcome not in ("acknowledged", "rejected"):
                return one  # the database went away meanwhile: the run halts, the retry writes them again
            states.append(one.row_states[0])
            errors.append(one.row_errors[0])
        outcome = "partial" if "acknowledged" in states else "rejected"
        result.outcome, result.row_states, result.row_errors = outcome, states, errors
        result.err_msg = next((e for e in errors if e), None)
        return result

    def correct(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        """Withdraw the row of a record voided in the HIS (an upsert platform replaces changed rows by sending
        them again, so a void is the only correction)."""
        d = check_feed(spec)
        table = sa_table(d, self.schema)
        stmt = delete(table).where(table.c[d.key_column] == target)
        result = self._write(d, "delete", [{d.key_column: target}], lambda conn: conn.execute(stmt).rowcount, 0,
                             time.monotonic())
        if result.outcome == "acknowledged" and result.response == '{"rowcount":0}':
            result.err_msg = "nothing there"
        return result

    # -- statements ------------------------------------------------------------------------------------------------
    def _row(self, d: Dataset, body: dict[str, Any]) -> dict[str, Any]:
        r = receipt_of(d)
        row = db_row(d, body)
        row[r.flag_column] = r.pending
        for column in (r.error_column, r.pulled_at_column):
            if column:
                row[column] = None
        if r.written_at_column:
            row[r.written_at_column] = self.clock()
        return row

    def _upsert(self, conn: Connection, d: Dataset, values: list[dict[str, Any]]) -> int:
        table = sa_table(d, self.schema)
        if self.dialect == "oracle":  # pragma: no cover - no Oracle in the test rig; the SQL is parse-tested
            names = [c.name for c in table.columns]
            stmt = text(merge_sql(d, self.schema)).bindparams(*(bindparam(f"p{n}") for n in range(len(names))))
            conn.execute(stmt, [{f"p{n}": v[name] for n, name in enumerate(names)} for v in values])
            return len(values)
        conn.execute(upsert_statement(table, d.key_column, self.dialect), values)
        return len(values)

    def _write(self, d: Dataset, what: str, bodies: Sequence[dict[str, Any]], run: Callable[[Connection], int],
               n: int, started: float) -> MessageResult:
        key = bodies[0].get(d.key_column) if len(bodies) == 1 else None
        return write_in_transaction(self.engine, words=_WORDS, dialect=self.dialect, table=receipt_of(d).table,
                                    what=what, bodies=bodies, run=run, rows=n, key=key, started=started)


_WORDS = TableWords("前置库", "核对 regional_datasets.yaml 与连接 regional_frontdb", rejected_prefix="前置库拒绝写入: ")


# -- reading ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldRow:
    """A row the 前置库 holds, as the health check needs it (no personal data)."""

    key: str
    flag: str | None
    error: str | None = None
    pulled_at: datetime | None = None


class FrontDbReader:
    """The upload flags of a data set's rows in the 前置库."""

    def __init__(self, engine: Engine, *, schema: str | None = None) -> None:
        self.engine = engine
        self.schema = schema

    def day_rows(self, d: Dataset, start: datetime, end: datetime) -> dict[str, HeldRow]:
        """Rows whose day column falls in ``[start, end)`` (local time), by key."""
        r = receipt_of(d)
        t = sa_table(d, self.schema)
        cols = [t.c[d.key_column], t.c[r.flag_column],
                t.c[r.error_column] if r.error_column else None,
                t.c[r.pulled_at_column] if r.pulled_at_column else None]
        q = select(*(c for c in cols if c is not None)).where(t.c[r.day_column] >= start, t.c[r.day_column] < end)
        out: dict[str, HeldRow] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(q):
                values = list(row)
                key, flag = str(values[0]), None if values[1] is None else str(values[1]).strip()
                error = values[2] if r.error_column else None
                pulled = values[-1] if r.pulled_at_column else None
                out[key] = HeldRow(key, flag, error, pulled)
        return out
