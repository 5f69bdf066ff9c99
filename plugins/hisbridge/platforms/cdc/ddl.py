"""The front-end database's tables (``emr_*`` / ``base_*``) for PostgreSQL, Oracle and SQLite, rendered from the
same column declarations as the models (:mod:`~hisbridge.platforms.cdc.tables`).

Built on the shared DB-contract code (:mod:`hisbridge.contracts`): its dialects, qualified names, literals,
labelled statements, column-type spellings (``varchar(n)`` → the contract's ``string(n)``, ``timestamp`` → its
``datetime``) and comment rules. Two things the contract types do not have yet are handled here: ``text``
(PostgreSQL ``text``, Oracle ``CLOB``, SQLite ``TEXT``) and column names longer than 30 characters (the
front-end's own names; Oracle 12.2+). Tables are created when missing and never dropped (they hold the
front-end's data); every column carries its Chinese description as a comment.

``python -m hisbridge cdc ddl --dialect postgresql|oracle|sqlite`` prints the script; :func:`install` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Engine, inspect

from hisbridge.contracts.column_types import dialect_type
from hisbridge.contracts.errors import InstallError
from hisbridge.contracts.names import check_comment
from hisbridge.contracts.sql import Dialect, Statement, dialect_of, qualifier, sql_literal
from hisbridge.platforms.cdc.tables import TABLES, CdcTable, Col, Need

_TEXT = {"postgresql": "text", "oracle": "CLOB", "sqlite": "TEXT"}


def column_type(col: Col, dialect: Dialect) -> str:
    """The column's type in ``dialect``, spelled as the contract code spells it (and the catalogs report it)."""
    if col.kind == "text":
        return _TEXT[dialect]
    if col.kind == "timestamp":
        return dialect_type("datetime", dialect)
    return dialect_type(f"string({col.length})", dialect)


def create_table(t: CdcTable, dialect: Dialect, schema: str | None = None) -> Statement:
    q = qualifier(schema, dialect)
    lines = [f"  {c.name} {column_type(c, dialect)}{' NOT NULL' if c.need is Need.NOT_NULL else ''}"
             for c in t.columns]
    lines.append(f"  PRIMARY KEY ({t.key})")
    # Oracle before 23ai has no IF NOT EXISTS: install() skips tables that exist, a script reports ORA-00955
    create = "CREATE TABLE" if dialect == "oracle" else "CREATE TABLE IF NOT EXISTS"
    return Statement(f"{create} {q(t.name)} (\n" + ",\n".join(lines) + "\n)", f"create table {t.name}")


def comments(t: CdcTable, dialect: Dialect, schema: str | None = None) -> list[Statement]:
    if dialect == "sqlite":  # SQLite has no comments
        return []
    q = qualifier(schema, dialect)
    out = [Statement(f"COMMENT ON TABLE {q(t.name)} IS {sql_literal(check_comment(t.title))}", f"comment {t.name}")]
    out += [Statement(f"COMMENT ON COLUMN {q(t.name)}.{c.name} IS {sql_literal(check_comment(c.title))}",
                      f"comment {t.name}.{c.name}") for c in t.columns]
    return out


def statements(dialect: Dialect, *, schema: str | None = None, tables: Iterable[CdcTable] | None = None,
               existing: frozenset[str] = frozenset()) -> list[Statement]:
    """CREATE TABLE for every table not in ``existing`` (lower-case names), then the comments."""
    out: list[Statement] = []
    for t in tables if tables is not None else TABLES.values():
        if t.name not in existing:
            out.append(create_table(t, dialect, schema))
        out += comments(t, dialect, schema)
    return out


def render_script(dialect: Dialect, *, schema: str | None = None) -> str:
    """The whole script for psql / SQL*Plus / sqlite3."""
    head = [
        f"-- CDC front-end database (传染病智能监测预警前置软件): {len(TABLES)} tables, {dialect}",
        "-- Rendered by `python -m hisbridge cdc ddl` from hisbridge.platforms.cdc.tables; do not edit by hand.",
        "-- Tables are created when missing and never dropped: they hold the front-end's data.",
    ]
    if dialect == "oracle":
        head += ["-- Needs Oracle 12.2 or later (column names up to 33 characters, as the front-end spells them).",
                 "-- CREATE TABLE fails with ORA-00955 when the table exists: that statement may then be skipped."]
    return "\n".join(head) + "\n\n" + "".join(f"{s.sql};\n" for s in statements(dialect, schema=schema))


def install(engine: Engine, *, schema: str | None = None, log: Callable[[str], None] | None = None) -> list[str]:
    """Create the missing tables (with comments) on ``engine``; idempotent. Returns the executed labels."""
    dialect = dialect_of(engine)
    existing = frozenset(n.lower() for n in inspect(engine).get_table_names(schema=schema))
    done: list[str] = []
    with engine.begin() as conn:
        for stmt in statements(dialect, schema=schema, existing=existing):
            try:
                conn.exec_driver_sql(stmt.sql)
            except Exception as exc:  # noqa: BLE001 - re-raised with the statement's label
                first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                raise InstallError(f"{stmt.label} failed: {first}") from exc
            done.append(stmt.label)
            if log:
                log(stmt.label)
    return done
