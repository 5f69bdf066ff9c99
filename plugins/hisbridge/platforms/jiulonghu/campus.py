"""Reading and writing a campus dictionary table (connection ``jiulonghu_his``), from its declaration alone.

Statements are plain SQLAlchemy Core on the table as the campus database describes it (reflected, only the declared
columns: the column types convert values, e.g. a price read as ``Decimal`` from one database and written to SQLite),
no vendor SQL, so they run unchanged on the campus's Oracle, on PostgreSQL (tests) and on SQLite (demo). A table or
column the campus lacks is an error naming it, before anything is written. Writes are executemany batches:

* insert: the row, version 1, 修改时间 and 修改人 ``hisbridge``;
* update: the compared columns, ``bbh = bbh + 1`` — ``WHERE`` key **and** the version read when planning, so a campus
  edit made between our read and our write is not overwritten: the batch then matches fewer rows than planned, the
  dictionary's transaction is rolled back and :class:`CampusMoved` tells the caller to plan again;
* deactivate: the active flag only (and the bookkeeping), under the same version check.

Columns the declaration does not name (campus-only columns such as 货位号) are never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, bindparam, insert, literal_column, select, update
from sqlalchemy.exc import NoSuchTableError

from hisbridge.platforms.jiulonghu.catalogue import Dictionary
from hisbridge.platforms.jiulonghu.plan import Step

ACTOR = "hisbridge"
BATCH = 1000


class CampusMoved(RuntimeError):
    """A campus row changed between planning and writing (its version moved): plan again."""


def campus_table(conn: Connection, d: Dictionary) -> Table:
    """The campus table with the declared columns, as the campus database has them."""
    names = (*d.campus_columns, d.version_column, d.modified_at_column, d.modified_by_column)
    try:
        t = Table(d.table, MetaData(), autoload_with=conn, include_columns=list(names))
    except NoSuchTableError:
        raise ValueError(f"九龙湖 HIS 中没有{d.title}表 {d.table}（连接 jiulonghu_his）") from None
    missing = [n for n in names if n not in t.c]
    if missing:
        raise ValueError(f"九龙湖 HIS 的{d.title}表 {d.table} 缺少列 {missing}")
    return t


def read_rows(conn: Connection, d: Dictionary, t: Table | None = None) -> dict[str, dict[str, Any]]:
    """Every campus row of the table by campus key: the compared columns and the version."""
    t = t if t is not None else campus_table(conn, d)
    cols = [t.c[n] for n in (*d.campus_columns, d.version_column)]
    names = [str(n) for n in (*d.campus_columns, d.version_column)]  # plain str: reflected names are quoted_name
    return {str(r[0]): dict(zip(names, r, strict=True)) for r in conn.execute(select(*cols))}


def _chunks(rows: Sequence[dict[str, Any]], size: int = BATCH):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def write(conn: Connection, d: Dictionary, inserts: Sequence[Step], updates: Sequence[Step],
          deactivations: Sequence[Step], now: datetime, t: Table | None = None) -> int:
    """Write the planned rows in ``conn``'s transaction; returns the rows written. Raises :class:`CampusMoved`
    when an update or deactivation found its row changed since it was read."""
    if not (inserts or updates or deactivations):
        return 0
    t = t if t is not None else campus_table(conn, d)
    key, version = d.campus_key, d.version_column
    book = {d.modified_at_column: now, d.modified_by_column: ACTOR}
    written = 0
    if inserts:
        rows = [{**s.values, version: 1, **book} for s in inserts]
        for chunk in _chunks(rows):
            conn.execute(insert(t), chunk)
        written += len(rows)
    for steps, columns in ((updates, [c for c in d.campus_columns if c != key]), (deactivations, [d.active.campus])):
        if not steps:
            continue
        stmt = (update(t).where(t.c[key] == bindparam("b_key"), t.c[version] == bindparam("b_version"))
                .values({**{c: bindparam(f"b_{c}") for c in columns}, version: literal_column(version) + 1,
                         d.modified_at_column: bindparam("b_at"), d.modified_by_column: bindparam("b_by")}))
        rows = [{"b_key": s.campus_key, "b_version": s.current[version], "b_at": now, "b_by": ACTOR,
                 **{f"b_{c}": s.values[c] for c in columns}} for s in steps]
        for chunk in _chunks(rows):
            result = conn.execute(stmt, chunk)
            if conn.dialect.supports_sane_multi_rowcount and result.rowcount not in (-1, len(chunk)):
                raise CampusMoved(f"{d.title}：{len(chunk) - result.rowcount} 行在计划后被院区修改")
        written += len(rows)
    return written
