"""Delivery into a platform's own database tables (a 前置库): one transaction per message, and what became of it.

Used by every sender whose platform reads rows we write instead of taking pushes (a front-end database, a
前置库). The outcome follows from *when* the database failed:

======================================  =========================  ==============================================
failure                                 outcome (row state)        what happens next
======================================  =========================  ==============================================
no connection                           ``not_sent`` (pending)     nothing was written; the task retries
a row refused (too long, NOT NULL …)    ``rejected`` (rejected)    the database's first line is the reason
a table or column missing               ``refused_by_gateway``     the tables are not installed: no retry
                                        (pending)
any other statement failure             ``not_sent`` (pending)     rolled back; the task retries
the COMMIT itself                       ``unknown`` (unknown)      the next run writes it again (upserts repeat
                                                                   safely)
======================================  =========================  ==============================================

Each platform names its database and says how to install the missing tables (:class:`TableWords`); the
evidence kept in the ledger is the request bodies and which table and statement ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.sql.dml import Insert

from hisbridge.ledger.store import MessageResult


@dataclass(frozen=True)
class TableWords:
    """How a platform's messages name its database (``前置库``) and the fix for missing tables."""

    database: str
    install_hint: str
    rejected_prefix: str = ""


def first_line(exc: BaseException) -> str:
    """The database's own first line of an error (the driver's message, not SQLAlchemy's wrapper), capped."""
    words = str(getattr(exc, "orig", exc)).strip()
    return words.splitlines()[0][:300] if words else type(exc).__name__


def upsert_statement(table: Table, key: str, dialect: str) -> Insert:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` replacing every other column (PostgreSQL and SQLite; Oracle's
    ``MERGE`` is each platform's, as its bind names differ)."""
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(
        index_elements=[key], set_={c.name: insert.excluded[c.name] for c in table.columns if c.name != key})


def write_in_transaction(engine: Engine, *, words: TableWords, dialect: str, table: str, what: str,
                         bodies: Sequence[dict[str, Any]], run: Callable[[Connection], int], rows: int,
                         key: Any = None, started: float | None = None) -> MessageResult:
    """Run ``run`` in one transaction and say what became of it (the table in the module docstring).

    :param rows: how many record rows the message carries (their states); 0 for a correction
    :param key: the platform reference of an acknowledged single-row write
    :param started: ``time.monotonic()`` when the message began, if before this call
    """
    started = time.monotonic() if started is None else started
    request = orjson.dumps(bodies[0] if len(bodies) == 1 else list(bodies), default=str).decode()
    evidence = {"request": request,
                "request_headers": {"target": "db", "dialect": dialect, "table": table, "statement": what}}

    def result(outcome: str, state: str | None, reason: str | None, response: str | None = None,
               ref: str | None = None) -> MessageResult:
        return MessageResult(outcome, [state] * rows if state else [], [reason] * rows if state else [],
                             err_msg=reason, response=response, platform_ref=ref,
                             duration_ms=round((time.monotonic() - started) * 1000), **evidence)

    db = words.database
    try:
        conn = engine.connect()
    except DBAPIError as exc:
        return result("not_sent", "pending", f"{db}连接失败: {first_line(exc)}")
    with conn:
        trans = conn.begin()
        try:
            count = run(conn)
        except (IntegrityError, DataError) as exc:
            trans.rollback()
            return result("rejected", "rejected", f"{words.rejected_prefix}{first_line(exc)}")
        except ProgrammingError as exc:
            trans.rollback()
            return result("refused_by_gateway", "pending", f"{db}缺少表或列（{words.install_hint}）: {first_line(exc)}")
        except DBAPIError as exc:
            trans.rollback()
            return result("not_sent", "pending", f"{db}写入失败，已回滚: {first_line(exc)}")
        try:
            trans.commit()
        except DBAPIError as exc:
            return result("unknown", "unknown", f"{db}提交结果未知: {first_line(exc)}")
    return result("acknowledged", "acknowledged", None, orjson.dumps({"rowcount": count}).decode(),
                  None if key is None else str(key))
