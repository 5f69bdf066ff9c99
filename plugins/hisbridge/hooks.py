"""Airflow connections → SQLAlchemy engines for the HIS (``his_db``) and the ledger (``hisbridge_db``).

PostgreSQL and Oracle connections go through their providers' hooks (``get_sqlalchemy_engine``: psycopg and
python-oracledb). A ``sqlite`` connection (the demo) names its file in ``host``, as Airflow's SQLite provider
does; we build that engine ourselves so the demo needs no extra provider.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook
from sqlalchemy import Engine

from hisbridge.db import make_engine, sqlite_url
from hisbridge.ledger.store import Ledger


def engine_for(conn_id: str, **engine_kwargs: Any) -> Engine:
    """The SQLAlchemy engine of connection ``conn_id``; ``engine_kwargs`` (pool size, isolation level) go to
    ``create_engine`` for a server database (a SQLite file keeps its own settings)."""
    conn = BaseHook.get_connection(conn_id)
    if conn.conn_type == "sqlite":
        path = conn.host or conn.schema
        if not path:
            raise ValueError(f"connection {conn_id!r}: a sqlite connection names its file in 'host'")
        return make_engine(sqlite_url(path))
    hook = conn.get_hook()
    if not hasattr(hook, "get_sqlalchemy_engine"):
        raise ValueError(f"connection {conn_id!r}: conn_type {conn.conn_type!r} is not a SQL database")
    return hook.get_sqlalchemy_engine(engine_kwargs=engine_kwargs or None)


class LedgerHook(BaseHook):
    """The delivery ledger in our own database."""

    conn_name_attr = "ledger_conn_id"
    default_conn_name = "hisbridge_db"
    conn_type = "postgres"
    hook_name = "hisbridge 投递台账"

    def __init__(self, ledger_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.ledger_conn_id = ledger_conn_id

    @cached_property
    def engine(self) -> Engine:
        return engine_for(self.ledger_conn_id)

    @cached_property
    def ledger(self) -> Ledger:
        ledger = Ledger(self.engine)
        ledger.ensure_schema()
        return ledger
