"""The queue's "today": the database's own clock, read in the hospital's zone (ADR 0006).

The tender says the queue system reads only today's registrations; which rows a reader sees must not depend
on the reader's session settings.
"""

from __future__ import annotations

from hisbridge.contracts.sql import Dialect, sql_literal
from hisbridge.platforms.queue.settings import Settings


def today(dialect: Dialect, settings: Settings) -> str:
    """The database's own current date.

    PostgreSQL: ``CURRENT_DATE`` follows the *session* time zone, which a client may set (the JDBC driver sends
    its JVM's zone), so with ``settings.timezone`` the database clock is read in the hospital's zone instead.
    Oracle: ``SYSDATE`` is the database server's clock and ignores the session zone. SQLite: local time of the
    process that opened the file.
    """
    if dialect == "postgresql":
        if settings.timezone:
            return f"CAST(CURRENT_TIMESTAMP AT TIME ZONE {sql_literal(settings.timezone)} AS DATE)"
        return "CURRENT_DATE"
    if dialect == "oracle":
        return "TRUNC(SYSDATE)"
    return "date('now', 'localtime')"


def is_today(dialect: Dialect, settings: Settings, column: str) -> str:
    """A predicate: ``column`` (a date) falls on today. Oracle DATEs may carry a time, so a half-open range."""
    t = today(dialect, settings)
    if dialect == "oracle":
        return f"{column} >= {t} AND {column} < {t} + 1"
    if dialect == "sqlite":
        return f"date({column}) = {t}"
    return f"{column} = {t}"
