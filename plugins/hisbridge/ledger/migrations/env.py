"""Alembic environment of the delivery ledger, run by ``hisbridge.ledger.migrate`` (there is no alembic.ini).

The caller hands over an open connection in ``config.attributes["connection"]`` (Alembic's "sharing a
connection" recipe), already inside the transaction and the lock ``migrate`` holds; only when none is given is
``sqlalchemy.url`` opened here (e.g. ``command.revision(config(url=...), autogenerate=True)``). The version table is
``hisbridge_ledger_version``: the ledger may share a PostgreSQL database with Airflow, whose ``alembic_version``
this never touches, and autogenerate looks only at the ledger's own tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from hisbridge.db import make_engine
from hisbridge.ledger.migrate import VERSION_TABLE, include_name
from hisbridge.ledger.schema import metadata

target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        compare_type=True,
        # SQLite alters most columns only by copying the table: batch mode does that for every migration
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    if context.is_offline_mode():
        raise RuntimeError("the ledger's migrations run against a database, not as SQL scripts (--sql)")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url: use hisbridge.ledger.migrate.config(...)")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # copying a table drops the old one, which with foreign keys on would cascade-delete its children
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


run_migrations()
