"""Database delivery: rows upserted into the front-end database's ``emr_*`` / ``base_*`` tables (connection
``cdc_frontend_db``), for sites whose front-end reads its own tables instead of taking pushes.

The same feeds, models and ledger as the push API — only the last step differs:

=====================  ==========================================================================================
record                 ``INSERT … ON CONFLICT (key) DO UPDATE`` (PostgreSQL, SQLite) or ``MERGE`` (Oracle): the
                       whole row is replaced (a column the HIS no longer fills becomes NULL), one transaction per
                       message
void                   ``DELETE … WHERE key = :key`` (nothing to delete counts as done), or with ``void_mode:
                       flag`` the delivered row written again with ``invalid_flag = '1'``
=====================  ==========================================================================================

Outcomes, by when the database failed (:mod:`hisbridge.pipeline.table_write`, shared with the 市区卫平台 前置库):

* before the statement ran (no connection) or while it ran (rolled back): ``not_sent`` — nothing was written,
  the task retries;
* a row the database refuses (too long, NOT NULL, type): ``rejected`` with the database's first line;
* a table or column that does not exist: ``refused_by_gateway`` — the front-end database is not installed
  (``python -m hisbridge cdc ddl``); the task fails without retrying;
* the COMMIT itself failed: ``unknown`` — the next run writes it again (an upsert is safe to repeat).

The tables come from :mod:`~hisbridge.platforms.cdc.ddl` (rendered from the same declarations); :func:`install`
creates the missing ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CLOB,
    Column,
    Connection,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    text,
)

from hisbridge.contracts.sql import Dialect, dialect_of, qualifier
from hisbridge.ledger.store import MessageResult
from hisbridge.pipeline.platform import Mode
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.pipeline.table_write import TableWords, upsert_statement, write_in_transaction
from hisbridge.platforms.cdc import ddl
from hisbridge.platforms.cdc.client import VoidMode
from hisbridge.platforms.cdc.models import db_row
from hisbridge.platforms.cdc.sender import CdcSenderBase, check_feed, table_of
from hisbridge.platforms.cdc.tables import CdcTable

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger


def install(engine: Engine, *, schema: str | None = None) -> list[str]:
    """Create the front-end tables that are missing (see :func:`hisbridge.platforms.cdc.ddl.install`)."""
    return ddl.install(engine, schema=schema)


@cache
def sa_table(t: CdcTable, schema: str | None = None) -> Table:
    """The table as SQLAlchemy Core sees it (for the statements; the DDL is ``ddl.py``'s)."""
    def column(c) -> Column:
        kind = {"timestamp": DateTime(), "text": Text().with_variant(CLOB(), "oracle")}.get(c.kind) or String(c.length)
        return Column(c.name, kind, primary_key=c.name == t.key)

    return Table(t.name, MetaData(schema=schema), *(column(c) for c in t.columns))


def merge_sql(t: CdcTable, schema: str | None = None) -> str:
    """Oracle's upsert: ``MERGE`` on the key; bind names are positional (``:p0`` …) because Oracle limits bind
    names to 30 characters and five column names are longer."""
    q = qualifier(schema, "oracle")
    binds = [f":p{n} AS {c.name}" for n, c in enumerate(t.columns)]
    others = [c.name for c in t.columns if c.name != t.key]
    names = [c.name for c in t.columns]
    return (f"MERGE INTO {q(t.name)} t USING (SELECT {', '.join(binds)} FROM dual) s ON (t.{t.key} = s.{t.key}) "
            f"WHEN MATCHED THEN UPDATE SET {', '.join(f't.{n} = s.{n}' for n in others)} "
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) VALUES ({', '.join(f's.{n}' for n in names)})")


class FrontendDbSender(CdcSenderBase):
    """Writes each record as a row of the front-end database.

    :param engine: the front-end database (PostgreSQL, Oracle, or SQLite for the demo).
    :param schema: the PostgreSQL schema / Oracle owner of the tables (default: the connection's own).
    :param void_mode: ``delete`` (default) or ``flag`` (see :mod:`~hisbridge.platforms.cdc.sender`).
    :param ledger: where a flagged void finds the delivered row (needed for ``flag``).
    """

    def __init__(self, engine: Engine, *, schema: str | None = None, void_mode: VoidMode = "delete",
                 ledger: Ledger | None = None) -> None:
        super().__init__(void_mode=void_mode, ledger=ledger)
        self.engine = engine
        self.schema = schema
        self.dialect: Dialect = dialect_of(engine)

    def operation(self, spec: FeedSpec, mode: Mode) -> str:
        return f"UPSERT {table_of(spec).name}"

    def correction_operation(self, spec: FeedSpec) -> str:
        check_feed(spec)
        name = table_of(spec).name
        return f"UPSERT {name} invalid_flag=1" if self.flags_voids(spec) else f"DELETE {name}"

    def upload(self, spec: FeedSpec, rows: Sequence[dict[str, Any]], mode: Mode, msgid: str) -> MessageResult:
        t = table_of(spec)
        n = len(rows)
        return self._write(t, "upsert", rows, lambda conn: self._upsert(conn, t, rows), n)

    def _write_flagged(self, spec: FeedSpec, body: dict[str, Any], msgid: str) -> MessageResult:
        t = table_of(spec)
        return self._write(t, "upsert invalid_flag=1", [body], lambda conn: self._upsert(conn, t, [body]), 0)

    def _remove(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        t = table_of(spec)
        table = sa_table(t, self.schema)
        stmt = delete(table).where(table.c[t.key] == target)
        result = self._write(t, "delete", [{t.column(t.key).camel: target}],
                             lambda conn: conn.execute(stmt).rowcount, 0)
        if result.outcome == "acknowledged" and result.response == '{"rowcount":0}':
            result.err_msg = "nothing there"
        return result

    # -- statements ------------------------------------------------------------------------------------------
    def _upsert(self, conn: Connection, t: CdcTable, rows: Sequence[dict[str, Any]]) -> int:
        values = [db_row(t, body) for body in rows]
        if self.dialect == "oracle":  # pragma: no cover - no Oracle in the test rig; the SQL is parse-tested
            stmt = text(merge_sql(t, self.schema)).bindparams(
                *(bindparam(f"p{n}", type_=CLOB()) for n, c in enumerate(t.columns) if c.kind == "text"))
            conn.execute(stmt, [{f"p{n}": row[c.name] for n, c in enumerate(t.columns)} for row in values])
            return len(values)
        table = sa_table(t, self.schema)
        conn.execute(upsert_statement(table, t.key, self.dialect), values)
        return len(values)

    def _write(self, t: CdcTable, what: str, bodies: Sequence[dict[str, Any]], run: Callable[[Connection], int],
               n: int) -> MessageResult:
        """Run ``run`` in one transaction and say what became of it (see the module docstring)."""
        key = bodies[0].get(t.column(t.key).camel) if len(bodies) == 1 else None
        return write_in_transaction(self.engine, words=_WORDS, dialect=self.dialect, table=t.name, what=what,
                                    bodies=bodies, run=run, rows=n, key=key)


_WORDS = TableWords("前置数据库", "先执行 python -m hisbridge cdc ddl")
