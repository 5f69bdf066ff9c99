"""The benchmark's PostgreSQL databases: a demo HIS per scale (cached across invocations) and a throwaway ledger
per feed run.

Generating 200,000 sale lines takes minutes, so the HIS database ``hb_bench_his_<scale>`` is kept and reused;
it counts as ready only when its marker table ``hb_bench_meta`` says it was generated — and ANALYZEd — completely
for that scale, day and seed (a half-generated database is dropped and generated again). Ledgers are created
per run and always dropped.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import psycopg
from common import add_project_paths
from psycopg import sql

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
META_TABLE = "hb_bench_meta"


def libpq_url(admin_url: str, database: str) -> str:
    """A libpq URL (for psycopg) for ``database`` on the admin URL's server."""
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{database}"


def sqlalchemy_url(admin_url: str, database: str) -> str:
    """The same database as a SQLAlchemy URL with the psycopg 3 driver (what hisbridge's engines use)."""
    url = libpq_url(admin_url, database)
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def _admin(admin_url: str) -> psycopg.Connection:
    """CREATE/DROP DATABASE cannot run in a transaction block."""
    return psycopg.connect(admin_url, autocommit=True)


def database_exists(admin_url: str, name: str) -> bool:
    with _admin(admin_url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def create_database(admin_url: str, name: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))


def drop_database(admin_url: str, name: str) -> None:
    """Drop ``name`` even if a crashed child still holds a connection to it."""
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _generated_as(admin_url: str, name: str) -> tuple[int, str, int] | None:
    """``(scale, day, seed)`` of a completely generated HIS, ``None`` when absent or unfinished."""
    if not database_exists(admin_url, name):
        return None
    with psycopg.connect(libpq_url(admin_url, name)) as conn:
        if conn.execute("SELECT to_regclass(%s)", (META_TABLE,)).fetchone()[0] is None:
            return None
        row = conn.execute(sql.SQL("SELECT scale, day, seed FROM {}").format(sql.Identifier(META_TABLE))).fetchone()
        return (row[0], row[1], row[2]) if row else None


def _generate(admin_url: str, name: str, scale: int, day: date, seed: int) -> None:
    """Fill a new database with the demo HIS, ANALYZE it (the planner needs the statistics to join 200k lines
    sensibly) and only then write the marker."""
    add_project_paths()
    from demo.his.generate import generate
    from hisbridge.db import make_engine

    engine = make_engine(sqlalchemy_url(admin_url, name))
    try:
        generate(engine, day, scale, seed=seed)
    finally:
        engine.dispose()
    with psycopg.connect(libpq_url(admin_url, name), autocommit=True) as conn:
        conn.execute("ANALYZE")
        conn.execute(sql.SQL("CREATE TABLE {} (scale integer, day text, seed integer)").format(
            sql.Identifier(META_TABLE)))
        conn.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s)").format(sql.Identifier(META_TABLE)),
                     (scale, day.isoformat(), seed))


def ensure_his(admin_url: str, scale: int, day: date, seed: int, *, regenerate: bool = False) -> str:
    """The SQLAlchemy URL of a demo HIS holding ``scale`` sale lines on ``day``; generated only when missing,
    incomplete, different, or when ``regenerate`` is asked for."""
    name = f"hb_bench_his_{scale}"
    if not regenerate and _generated_as(admin_url, name) == (scale, day.isoformat(), seed):
        print(f"  HIS {name}: reusing the cached database", flush=True)
        return sqlalchemy_url(admin_url, name)
    drop_database(admin_url, name)
    create_database(admin_url, name)
    t0 = time.perf_counter()
    try:
        _generate(admin_url, name, scale, day, seed)
    except BaseException:
        drop_database(admin_url, name)  # never leave a half-generated HIS behind
        raise
    print(f"  HIS {name}: generated and analysed in {time.perf_counter() - t0:.0f} s", flush=True)
    return sqlalchemy_url(admin_url, name)


@contextmanager
def throwaway_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A new empty database (its SQLAlchemy URL) that is dropped on exit, whatever happened."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    create_database(admin_url, name)
    try:
        yield sqlalchemy_url(admin_url, name)
    finally:
        drop_database(admin_url, name)
