"""Probing a live database without changing it: every probe connection is rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine


@contextmanager
def probe(engine: Engine) -> Iterator[Connection]:
    """A connection whose work is always rolled back."""
    with engine.connect() as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def db_message(exc: BaseException) -> str:
    """The first line of the database's own error (what a finding quotes; the SQL itself is not repeated)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__
