"""Render a contract's views and tables (and its reader account) per dialect, and install them.

Two outputs from one renderer:

* :func:`render_script` — a reviewable SQL file per dialect, what a DBA runs by hand (psql, SQL*Plus, sqlite3);
* :func:`install` — the same statements executed through SQLAlchemy. PostgreSQL and SQLite install in one
  transaction (a reader never sees a half-built set of views); Oracle DDL commits per statement, and every
  statement is safe to repeat.

Every view column is ``CAST`` to its contract type, so the catalog shows exactly the contract's types and a
base-table type change cannot silently change what the reader gets. Tables are created when missing and never
dropped. Statements carry a label; only labels are logged or reported, never SQL that may hold a password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, text

from hisbridge.contracts.accounts import password_sql, reader_exists, render_reader, script_password
from hisbridge.contracts.column_types import dialect_type, parse_type
from hisbridge.contracts.errors import ContractError, InstallError
from hisbridge.contracts.model import Column, DbContract, Table, View
from hisbridge.contracts.sql import Dialect, Statement, dialect_of, qualifier, schema_for, sql_literal

# ------------------------------------------------------------------------------------------------ views


def _column_sql(view: View, col: Column, dialect: Dialect) -> str:
    if col.expr is None or dialect not in col.expr:
        raise ContractError(f"{view.name}.{col.name}: no expression for {dialect}")
    expr = col.expr[dialect]
    kind = parse_type(col.type)[0]
    if dialect == "sqlite":
        wrapped = {
            "string": f"CAST({expr} AS TEXT)",
            "int": f"CAST({expr} AS INTEGER)",
            "flag": f"CAST({expr} AS INTEGER)",
            "date": f"date({expr})",
            "datetime": f"strftime('%Y-%m-%d %H:%M:%S', {expr})",
        }[kind]
    elif dialect == "oracle" and kind == "string":
        # Oracle raises ORA-25137 on a too-long CAST; cut explicitly, as PostgreSQL's varchar cast does.
        wrapped = f"CAST(SUBSTR({expr}, 1, {col.length}) AS {dialect_type(col.type, dialect)})"
    else:
        wrapped = f"CAST({expr} AS {dialect_type(col.type, dialect)})"
    return f"  {wrapped} AS {col.name}"


def select_sql(view: View, dialect: Dialect) -> str:
    """The SELECT that defines ``view`` (the check also runs it, to prove the base tables still fit)."""
    if dialect not in view.from_where:
        raise ContractError(f"{view.name}: no FROM/WHERE for {dialect}")
    cols = ",\n".join(_column_sql(view, c, dialect) for c in view.columns)
    return f"SELECT\n{cols}\n{view.from_where[dialect]}"


def _comments(contract: DbContract, obj: View | Table, dialect: Dialect) -> list[Statement]:
    if dialect == "sqlite":  # SQLite has no comments
        return []
    q = qualifier(contract.schema_name, dialect)
    kind = "VIEW" if isinstance(obj, View) and dialect == "postgresql" else "TABLE"
    out = [Statement(f"COMMENT ON {kind} {q(obj.name)} IS {sql_literal(obj.comment)}", f"comment {obj.name}")]
    out += [
        Statement(
            f"COMMENT ON COLUMN {q(obj.name)}.{col.name} IS {sql_literal(col.description)}",
            f"comment {obj.name}.{col.name}",
        )
        for col in obj.columns
    ]
    return out


def render_views(contract: DbContract, dialect: Dialect) -> list[Statement]:
    """Drop the retired views (not on Oracle: see :func:`install`), then (re)create every view with comments."""
    q = qualifier(contract.schema_name, dialect)
    out: list[Statement] = []
    if dialect != "oracle":  # Oracle before 23ai has no DROP VIEW IF EXISTS
        out += [
            Statement(f"DROP VIEW IF EXISTS {q(v)}", f"drop disabled view {v}")
            for v in contract.retired_views
        ]
    for view in contract.views:
        body = select_sql(view, dialect)
        if dialect == "oracle":
            out.append(
                Statement(f"CREATE OR REPLACE VIEW {q(view.name)} AS\n{body}", f"create view {view.name}")
            )
        elif dialect == "postgresql":
            # Drop and create (not CREATE OR REPLACE, which cannot drop or rename columns); atomic in one
            # transaction. security_barrier: a reader's own functions cannot see rows the WHERE filters out.
            out.append(Statement(f"DROP VIEW IF EXISTS {q(view.name)}", f"drop view {view.name}"))
            out.append(
                Statement(
                    f"CREATE VIEW {q(view.name)} WITH (security_barrier = true) AS\n{body}",
                    f"create view {view.name}",
                )
            )
        else:
            out.append(Statement(f"DROP VIEW IF EXISTS {view.name}", f"drop view {view.name}"))
            out.append(Statement(f"CREATE VIEW {view.name} AS\n{body}", f"create view {view.name}"))
        out += _comments(contract, view, dialect)
    return out


# ----------------------------------------------------------------------------------------------- tables


def _table_sql(table: Table, qualified: str, dialect: Dialect) -> str:
    lines = [
        f"  {c.name} {dialect_type(c.type, dialect)}{'' if c.nullable else ' NOT NULL'}"
        for c in table.columns
    ]
    if table.key_columns:
        lines.append(f"  PRIMARY KEY ({', '.join(c.name for c in table.key_columns)})")
    # Oracle before 23ai has no IF NOT EXISTS: install() skips tables that exist, a script reports ORA-00955.
    create = "CREATE TABLE" if dialect == "oracle" else "CREATE TABLE IF NOT EXISTS"
    return f"{create} {qualified} (\n" + ",\n".join(lines) + "\n)"


def render_tables(
    contract: DbContract, dialect: Dialect, *, existing: frozenset[str] = frozenset()
) -> list[Statement]:
    """Create every table that is missing (``existing``: names known to exist), with comments."""
    q = qualifier(contract.schema_name, dialect)
    out: list[Statement] = []
    for table in contract.tables:
        if table.name.lower() not in existing:
            out.append(Statement(_table_sql(table, q(table.name), dialect), f"create table {table.name}"))
        out += _comments(contract, table, dialect)
    return out


def render_objects(contract: DbContract, dialect: Dialect) -> list[Statement]:
    """Tables first (they hold data and are only ever added), then the views."""
    return render_tables(contract, dialect) + render_views(contract, dialect)


# ----------------------------------------------------------------------------------------------- script


def _english_noun(contract: DbContract) -> str:
    kinds = {o.kind for o in contract.objects}
    return "views" if kinds == {"view"} else "tables" if kinds == {"table"} else "tables and views"


def render_script(contract: DbContract, dialect: Dialect, *, header: str) -> str:
    """The whole install script for ``dialect`` after ``header`` (the platform's own comment lines),
    statements terminated for psql / SQL*Plus / sqlite3."""
    parts = [header]
    if contract.tables:
        parts.append("\n-- Tables\n")
        if dialect == "oracle":
            parts.append(
                "-- CREATE TABLE fails with ORA-00955 when the table exists: that line may then be skipped.\n"
            )
        parts += [f"{s.sql};\n" for s in render_tables(contract, dialect)]
    if contract.views or contract.retired_views:
        parts.append("\n-- Views\n")
        if dialect == "oracle":
            parts += [
                f"-- {v} is disabled for this site: DROP VIEW {v} if an earlier install created it.\n"
                for v in contract.retired_views
            ]
        parts += [f"{s.sql};\n" for s in render_views(contract, dialect)]
    if dialect != "sqlite" and contract.reader is not None:
        parts.append(
            f"\n-- Reader account {contract.reader.name}: SELECT on the {_english_noun(contract)}, nothing else\n"
        )
        parts += [
            f"{s.sql};\n"
            for s in render_reader(
                contract, dialect, password_sql=script_password(contract, dialect), exists=None
            )
        ]
    return "".join(parts)


# ----------------------------------------------------------------------------------------------- install


@dataclass(frozen=True)
class InstallResult:
    dialect: Dialect
    executed: tuple[str, ...]
    notes: tuple[str, ...]


def install(
    engine: Engine,
    contract: DbContract,
    *,
    password: str | None = None,
    objects: bool = True,
    reader: bool = True,
    log: Callable[[str], None] | None = None,
) -> InstallResult:
    """Create (or re-create) the contract's objects and its reader account on ``engine``; idempotent.

    :param password: the reader's password; needed to create the account, optional when it exists.
    :param objects: install the tables (when missing) and the views.
    :param reader: install the reader account and its grants (ignored on SQLite, which has no accounts).
    :param log: called with a label per executed statement (never the SQL: it may carry the password).
    """
    dialect = dialect_of(engine)
    executed: list[str] = []
    notes: list[str] = []

    def run(conn: Connection, stmt: Statement) -> None:
        try:
            conn.exec_driver_sql(stmt.sql)
        except Exception as exc:  # noqa: BLE001 - re-raised with the label, never the secret SQL
            detail = "" if stmt.secret else f": {str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}"
            raise InstallError(f"{stmt.label} failed{detail}") from (None if stmt.secret else exc)
        executed.append(stmt.label)
        if log:
            log(stmt.label)

    if password is not None and ('"' in password or "\x00" in password):
        raise InstallError("the reader password may not contain a double quote or NUL")

    with engine.begin() as conn:
        if objects:
            existing = _oracle_existing_tables(conn, contract) if dialect == "oracle" else frozenset()
            for stmt in render_tables(contract, dialect, existing=existing):
                run(conn, stmt)
            grants = _pg_view_grants(conn, contract) if dialect == "postgresql" else []
            if dialect == "oracle":
                for stmt in _oracle_drop_retired(conn, contract):
                    run(conn, stmt)
            for stmt in render_views(contract, dialect):
                run(conn, stmt)
            for stmt in grants:
                run(conn, stmt)
        if reader and dialect == "sqlite":
            notes.append("SQLite has no accounts: reader not installed")
        elif reader and contract.reader is not None:
            account = contract.reader
            exists = reader_exists(conn, dialect, account.name)
            if not exists and password is None:
                raise InstallError(
                    f"reader account {account.name} does not exist; set "
                    f"{account.password_env} (or pass a reader connection) to create it"
                )
            secret = None if password is None else password_sql(conn, dialect, account.name, password)
            for stmt in render_reader(contract, dialect, password_sql=secret, exists=exists):
                run(conn, stmt)
            if password is None:
                notes.append(f"reader {account.name} exists; password unchanged")
    return InstallResult(dialect, tuple(executed), tuple(notes))


def _pg_view_grants(conn: Connection, contract: DbContract) -> list[Statement]:
    """Grants others hold on the views now, to be given back after DROP/CREATE (which forgets them)."""
    views = [v.name for v in contract.views]
    if not views:
        return []
    sql = text(
        "SELECT c.relname, a.grantee, a.privilege_type "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL aclexplode(c.relacl) a "
        "WHERE n.nspname = :schema AND c.relname IN :views AND c.relkind = 'v' AND a.grantee <> c.relowner"
    ).bindparams(bindparam("views", expanding=True))
    rows = conn.execute(sql, {"schema": schema_for(contract.schema_name, "postgresql"), "views": views}).all()
    q = qualifier(contract.schema_name, "postgresql")
    out = []
    for view, grantee_oid, privilege in rows:
        if grantee_oid == 0:
            grantee = "PUBLIC"
        else:
            grantee = conn.execute(
                text("SELECT quote_ident(pg_get_userbyid(:o))"), {"o": grantee_oid}
            ).scalar()
        out.append(
            Statement(f"GRANT {privilege} ON {q(view)} TO {grantee}", f"re-grant {privilege} on {view}")
        )
    return out


def _oracle_owner_filter(contract: DbContract) -> tuple[str, dict[str, str]]:  # pragma: no cover - Oracle
    owner = schema_for(contract.schema_name, "oracle")
    if owner:
        return "owner = :o", {"o": owner.upper()}
    return "owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')", {}


def _oracle_drop_retired(
    conn: Connection, contract: DbContract
) -> list[Statement]:  # pragma: no cover - Oracle
    """Oracle before 23ai has no DROP VIEW IF EXISTS: drop a retired view only when it is there."""
    if not contract.retired_views:
        return []
    where, params = _oracle_owner_filter(contract)
    existing = {
        r[0].lower() for r in conn.execute(text(f"SELECT view_name FROM all_views WHERE {where}"), params)
    }
    q = qualifier(contract.schema_name, "oracle")
    return [
        Statement(f"DROP VIEW {q(v)}", f"drop disabled view {v}")
        for v in contract.retired_views
        if v in existing
    ]


def _oracle_existing_tables(
    conn: Connection, contract: DbContract
) -> frozenset[str]:  # pragma: no cover - Oracle
    if not contract.tables:
        return frozenset()
    where, params = _oracle_owner_filter(contract)
    rows = conn.execute(text(f"SELECT table_name FROM all_tables WHERE {where}"), params)
    return frozenset(r[0].lower() for r in rows)
