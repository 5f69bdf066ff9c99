"""Bringing a ledger database to the current schema with Alembic (``ledger/migrations``; no alembic.ini on disk).

``ensure_schema(engine)`` is what a process calls before it uses the ledger. It decides by what it finds:

- the version table at head: nothing to do, after one query;
- no ledger table at all: ``metadata.create_all``, then stamp head (Alembic's "create then stamp" recipe);
- a version table below head: upgrade to head;
- ledger tables but no version table (a ledger created by ``create_all`` before Alembic): stamp
  ``0001_initial``, upgrade to head, and check that the result equals ``schema.metadata`` — a ledger that drifted
  from that shape fails with the differences and is left as it was.

Everything after the first query runs in one transaction under a lock, so concurrent processes wait for each
other instead of failing: on PostgreSQL a session advisory lock taken *before* the transaction starts (its
checks then see what the previous holder committed, whatever the isolation level), on SQLite the database write
lock (``BEGIN IMMEDIATE``) with foreign keys off, as SQLite requires while batch mode copies tables. On
PostgreSQL the ledger's tables are analysed afterwards: a never-analysed ledger picks bad plans for bulk look-ups.

The version table is ``hisbridge_ledger_version``, never ``alembic_version``: the ledger may share a PostgreSQL
database with Airflow's metadata. See docs/adr/0007-the-ledger-schema-is-managed-by-alembic.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, ProgrammingError

from hisbridge.ledger.schema import metadata

VERSION_TABLE = "hisbridge_ledger_version"
#: the shape ``create_all`` built before Alembic; a ledger without a version table is stamped with it
BASELINE = "0001_initial"
MIGRATIONS = Path(__file__).resolve().with_name("migrations")
#: every table a ledger has had in any revision: one of them without a version table means a pre-Alembic ledger
LEDGER_TABLES = frozenset(metadata.tables) | {"msgid_sequence"}
#: PostgreSQL advisory lock key serialising schema changes of the ledger ("hbledger" as a big-endian bigint)
LOCK_KEY = int.from_bytes(b"hbledger", "big")


class LedgerSchemaError(RuntimeError):
    """The ledger database is in a shape the migrations do not lead to the current schema from."""


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Comparisons look at the ledger's own tables only: the database may hold Airflow's as well."""
    return type_ != "table" or name in metadata.tables


def config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config built in code: ``connection`` is used as is (its transaction is the caller's)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def head() -> str:
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None, "the ledger has no migrations"
    return revision


def current(engine: Engine) -> str | None:
    """The ledger's revision, or None for a database not (yet) under Alembic."""
    with engine.connect() as conn:
        return _version(conn)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision``; a pre-Alembic ledger is first stamped ``0001_initial``."""
    with _locked(engine) as conn:
        if _version(conn) is None and _ledger_tables(conn):
            _adopt(conn, revision)
        else:
            command.upgrade(config(conn), revision)
        _analyze(conn)


def ensure_schema(engine: Engine) -> None:
    """Bring the ledger to head however it is found (see the module docstring); cheap when already there."""
    if _version_fast(engine) == head():
        return
    with _locked(engine) as conn:
        version = _version(conn)
        if version == head():  # another process did it while we waited for the lock
            return
        if version is None and not _ledger_tables(conn):
            metadata.create_all(conn)
            command.stamp(config(conn), "head")
        elif version is None:
            _adopt(conn, "head")
        else:
            command.upgrade(config(conn), "head")
        _analyze(conn)


def _adopt(conn: Connection, revision: str) -> None:
    command.stamp(config(conn), BASELINE)
    command.upgrade(config(conn), revision)
    if _version(conn) == head():
        diffs = compare_metadata(_context(conn), metadata)
        if diffs:
            raise LedgerSchemaError(
                "the ledger had no version table, so it was taken for the pre-Alembic shape "
                f"({BASELINE}), but after upgrading it still differs from the current schema; nothing was "
                f"changed. Bring it to the {BASELINE} shape first. Differences: {diffs}"
            )


def _context(conn: Connection) -> MigrationContext:
    return MigrationContext.configure(
        conn, opts={"version_table": VERSION_TABLE, "include_name": include_name, "compare_type": True}
    )


def _version(conn: Connection) -> str | None:
    return _context(conn).get_current_revision()


def _version_fast(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    except (ProgrammingError, OperationalError):  # no version table; the locked path reports any other fault
        return None


def _ledger_tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) & LEDGER_TABLES


def _analyze(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    tables = sorted(_ledger_tables(conn))
    if tables:
        conn.execute(text("ANALYZE " + ", ".join(quote(t) for t in tables)))


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction that holds the ledger's schema lock; committed when the block ends."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            conn.commit()
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.commit()
        elif conn.dialect.name == "sqlite":
            # copying a table (batch mode) drops the old one, which with foreign keys on would cascade-delete
            # its children; the pragma is ignored inside a transaction, so it comes first
            foreign_keys = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise LedgerSchemaError(f"foreign keys broken by the schema change: {broken[:5]}")
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                conn.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
                conn.commit()
        else:
            with conn.begin():
                yield conn
