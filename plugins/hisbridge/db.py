"""SQLAlchemy engines for the HIS and the ledger.

Every database we touch (Oracle HIS in production, PostgreSQL in tests and for the ledger, SQLite in the demo)
is reached through SQLAlchemy Core, so extraction SQL with ``:name`` bind parameters and the ledger code run
unchanged on all three. Airflow connections are turned into URLs in ``hisbridge.hooks``; this module knows
nothing of Airflow.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url``; SQLite files get foreign keys on and a busy timeout for concurrent tasks."""
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


def command_engine(url: str | None, conn_id: str) -> Engine:
    """The database a command line names: ``--url`` (a SQLAlchemy URL), else the Airflow connection ``--conn-id``
    (Airflow is imported only then: a command given a URL starts without it)."""
    if url:
        return make_engine(url)
    from hisbridge.hooks import engine_for

    return engine_for(conn_id)
