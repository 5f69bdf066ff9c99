"""Render the hx_* views and the reader account from the contract, and install them.

Two outputs from one renderer:

* :func:`render_script` — a reviewable SQL file per dialect (what ``include/sql/queue_views/*.sql`` holds and
  what a hospital DBA runs by hand: ``psql -v hx_reader_password=… -f postgresql.sql`` or SQL*Plus with
  ``&&hx_reader_password``);
* :func:`install` — the same statements executed through SQLAlchemy against the HIS database. PostgreSQL and
  SQLite install in one transaction (the queue system never sees a half-built set of views); Oracle DDL
  commits per statement, and every statement is safe to repeat.

Every view column is ``CAST`` to its contract type, so the catalog shows exactly the contract's types and a
base-table type change cannot silently change what the queue system reads. The reader's password is never
logged: statements carry a label, and only labels are reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, text

from hisbridge.queue_views.contract import (
    VIEW_NAMES,
    ColumnSpec,
    Contract,
    ContractError,
    Dialect,
    dialect_type,
)
from hisbridge.queue_views.sources import LIBRARY, expression, sql_literal

PSQL_PASSWORD_VAR = ":'hx_reader_password'"
SQLPLUS_PASSWORD_VAR = '"&&hx_reader_password"'


class InstallError(RuntimeError):
    """The views or the reader account could not be installed."""


@dataclass(frozen=True)
class Statement:
    sql: str
    label: str
    secret: bool = False


def dialect_of(engine: Engine | Connection) -> Dialect:
    name = engine.dialect.name
    if name not in ("postgresql", "oracle", "sqlite"):
        raise InstallError(
            f"unsupported database {name!r}: queue views exist for PostgreSQL, Oracle and SQLite"
        )
    return name  # type: ignore[return-value]


def view_schema(contract: Contract, dialect: Dialect) -> str | None:
    """Where the views and base tables live: the configured schema, else PG ``public``, else unqualified."""
    if contract.settings.view_schema:
        return (
            contract.settings.view_schema.lower()
            if dialect == "postgresql"
            else contract.settings.view_schema
        )
    return "public" if dialect == "postgresql" else None


def qualifier(contract: Contract, dialect: Dialect) -> Callable[[str], str]:
    schema = view_schema(contract, dialect) if dialect != "sqlite" else None
    return (lambda name: f"{schema}.{name}") if schema else (lambda name: name)


# ---------------------------------------------------------------------------------------------- rendering


def _column_sql(view: str, col: ColumnSpec, contract: Contract, dialect: Dialect) -> str:
    if col.expr is not None:
        if dialect not in col.expr:
            raise ContractError(
                f"{view}.{col.name}: no expr for {dialect} and source {col.source!r} is site-only"
            )
        expr = col.expr[dialect]
    else:
        expr = expression(view, col.source, dialect, contract.settings)
    kind = col.type.split("(")[0]
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


def select_sql(contract: Contract, view: str, dialect: Dialect) -> str:
    """The SELECT that defines ``view`` (also used by the check to prove the base tables still fit)."""
    spec = contract.views[view]  # type: ignore[index]
    cols = ",\n".join(_column_sql(view, c, contract, dialect) for c in spec.columns)
    from_where = LIBRARY[view].from_where(dialect, contract.settings, qualifier(contract, dialect))
    return f"SELECT\n{cols}\n{from_where}"


def _comment(contract: Contract, view: str) -> str:
    spec = contract.views[view]  # type: ignore[index]
    site = f"，站点 {contract.site}" if contract.site else ""
    return f"{spec.title}（hisbridge 门诊候诊叫号视图契约 v1{site}）：{spec.description}"


def render_views(contract: Contract, dialect: Dialect) -> list[Statement]:
    q = qualifier(contract, dialect)
    out: list[Statement] = []
    for view in VIEW_NAMES:
        if view not in contract.views and dialect != "oracle":  # disabled for this site: no stale copy
            out.append(Statement(f"DROP VIEW IF EXISTS {q(view)}", f"drop disabled view {view}"))
    for view in contract.view_names:
        spec = contract.views[view]
        body = select_sql(contract, view, dialect)
        if dialect == "oracle":
            out.append(Statement(f"CREATE OR REPLACE VIEW {q(view)} AS\n{body}", f"create view {view}"))
        elif dialect == "postgresql":
            # Drop and create (not CREATE OR REPLACE, which cannot drop or rename columns); atomic in one
            # transaction. security_barrier: a reader's own functions cannot see rows the WHERE filters out.
            out.append(Statement(f"DROP VIEW IF EXISTS {q(view)}", f"drop view {view}"))
            out.append(
                Statement(
                    f"CREATE VIEW {q(view)} WITH (security_barrier = true) AS\n{body}", f"create view {view}"
                )
            )
        else:
            out.append(Statement(f"DROP VIEW IF EXISTS {view}", f"drop view {view}"))
            out.append(Statement(f"CREATE VIEW {view} AS\n{body}", f"create view {view}"))
        if dialect == "sqlite":
            continue
        kind = "VIEW" if dialect == "postgresql" else "TABLE"
        out.append(
            Statement(
                f"COMMENT ON {kind} {q(view)} IS {sql_literal(_comment(contract, view))}", f"comment {view}"
            )
        )
        for col in spec.columns:
            out.append(
                Statement(
                    f"COMMENT ON COLUMN {q(view)}.{col.name} IS {sql_literal(col.description)}",
                    f"comment {view}.{col.name}",
                )
            )
    return out


def render_reader(
    contract: Contract, dialect: Dialect, *, password_sql: str | None, exists: bool | None
) -> list[Statement]:
    """The reader account: log in, SELECT on the views, nothing else.

    ``exists``: ``None`` when rendering a script (create only if missing), else whether the account exists.
    ``password_sql``: the password as SQL (a literal, a verifier, or a psql/SQL*Plus variable); ``None`` keeps
    the current password of an existing account.
    """
    r = contract.reader
    q = qualifier(contract, dialect)
    views = [q(v) for v in contract.view_names]
    out: list[Statement] = []
    if dialect == "postgresql":
        schema = view_schema(contract, dialect)
        create = f"CREATE ROLE {r.name} LOGIN NOINHERIT"
        if exists is None:
            out.append(
                Statement(
                    f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {sql_literal(r.name)}) "
                    f"THEN {create}; END IF; END $$",
                    f"create role {r.name} if missing",
                )
            )
        elif not exists:
            out.append(Statement(create, f"create role {r.name}"))
        out.append(
            Statement(
                f"ALTER ROLE {r.name} WITH LOGIN NOINHERIT CONNECTION LIMIT {r.connection_limit}",
                f"role {r.name}: login, no inherit, connection limit",
            )
        )
        if password_sql is not None:
            out.append(
                Statement(f"ALTER ROLE {r.name} PASSWORD {password_sql}", f"role {r.name}: password", True)
            )
        out.append(
            Statement(f"ALTER ROLE {r.name} SET search_path = {schema}", f"role {r.name}: search_path")
        )
        if contract.settings.timezone:
            out.append(
                Statement(
                    f"ALTER ROLE {r.name} SET TimeZone = {sql_literal(contract.settings.timezone)}",
                    f"role {r.name}: time zone",
                )
            )
        out.append(
            Statement(
                f"ALTER ROLE {r.name} SET default_transaction_read_only = on", f"role {r.name}: read only"
            )
        )
        out.append(
            Statement(
                f"ALTER ROLE {r.name} SET statement_timeout = {sql_literal(r.statement_timeout)}",
                f"role {r.name}: statement timeout",
            )
        )
        out.append(Statement(f"REVOKE CREATE ON SCHEMA {schema} FROM {r.name}", f"revoke create on {schema}"))
        out.append(Statement(f"GRANT USAGE ON SCHEMA {schema} TO {r.name}", f"grant usage on {schema}"))
        out.append(Statement(f"GRANT SELECT ON {', '.join(views)} TO {r.name}", "grant select on the views"))
    elif dialect == "oracle":
        if exists is None or not exists:
            if password_sql is None:
                raise InstallError(f"creating Oracle user {r.name} needs a password")
            out.append(
                Statement(f"CREATE USER {r.name} IDENTIFIED BY {password_sql}", f"create user {r.name}", True)
            )
        elif password_sql is not None:
            out.append(
                Statement(
                    f"ALTER USER {r.name} IDENTIFIED BY {password_sql}", f"user {r.name}: password", True
                )
            )
        out.append(Statement(f"GRANT CREATE SESSION TO {r.name}", f"grant create session to {r.name}"))
        for view, qualified in zip(contract.view_names, views, strict=True):
            out.append(Statement(f"GRANT SELECT ON {qualified} TO {r.name}", f"grant select on {view}"))
    return out


def _header(contract: Contract, dialect: Dialect) -> str:
    site = contract.site or "(default contract)"
    lines = [
        f"-- 门诊候诊叫号 hx_* views — {dialect}, site: {site}",
        "-- GENERATED from include/mappings/queue_views.yaml by",
        f"--   python -m hisbridge queue-views render --dialect {dialect}"
        + (f" --site {contract.site}" if contract.site else ""),
        "-- Do not edit: change the YAML (or a site's overrides) and render again.",
        "-- The contract: docs/queue_views_contract.md",
    ]
    if dialect == "postgresql":
        lines += [
            "--",
            "-- Run as the owner of the HIS tables (the reader part needs CREATEROLE):",
            "--   psql -v ON_ERROR_STOP=1 -v hx_reader_password=… -d <his database> -f postgresql.sql",
            "-- The views are dropped and created again, so run the whole file: it also re-grants SELECT.",
        ]
    elif dialect == "oracle":
        lines += [
            "--",
            "-- Run in SQL*Plus/SQLcl as the owner of the HIS tables; the reader part needs CREATE USER and is",
            "-- usually run by the DBA. SQL*Plus asks for &&hx_reader_password once. CREATE USER fails with",
            "-- ORA-01920 when the user exists: that line may then be skipped.",
            "-- Views run with the owner's rights, so the reader needs no grant on the base tables.",
        ]
    else:
        lines += ["--", "-- SQLite (demo): views only; SQLite has no accounts."]
    return "\n".join(lines) + "\n"


def render_script(contract: Contract, dialect: Dialect) -> str:
    """The whole install script for ``dialect``, statements terminated for psql / SQL*Plus / sqlite3."""
    parts = [_header(contract, dialect), "\n-- Views\n"]
    if dialect == "oracle":
        parts += [
            f"-- {v} is disabled for this site: DROP VIEW {v} if an earlier install created it.\n"
            for v in VIEW_NAMES
            if v not in contract.views
        ]
    parts += [f"{s.sql};\n" for s in render_views(contract, dialect)]
    if dialect != "sqlite":
        password = PSQL_PASSWORD_VAR if dialect == "postgresql" else SQLPLUS_PASSWORD_VAR
        parts.append(f"\n-- Reader account {contract.reader.name}: SELECT on the views, nothing else\n")
        parts += [f"{s.sql};\n" for s in render_reader(contract, dialect, password_sql=password, exists=None)]
    return "".join(parts)


# ----------------------------------------------------------------------------------------------- install


@dataclass(frozen=True)
class InstallResult:
    dialect: Dialect
    executed: tuple[str, ...]
    notes: tuple[str, ...]


def install(
    engine: Engine,
    contract: Contract,
    *,
    password: str | None = None,
    views: bool = True,
    reader: bool = True,
    log: Callable[[str], None] | None = None,
) -> InstallResult:
    """Create (or re-create) the views and the reader account on ``engine``; idempotent.

    :param password: the reader's password; needed to create the account, optional when it exists.
    :param views: install the views.
    :param reader: install the reader account and its grants (ignored on SQLite).
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
        if views:
            grants = _pg_view_grants(conn, contract) if dialect == "postgresql" else []
            if dialect == "oracle":
                for stmt in _oracle_drop_disabled(conn, contract):
                    run(conn, stmt)
            for stmt in render_views(contract, dialect):
                run(conn, stmt)
            for stmt in grants:
                run(conn, stmt)
        if reader and dialect == "sqlite":
            notes.append("SQLite has no accounts: reader not installed")
        elif reader:
            exists = _reader_exists(conn, dialect, contract.reader.name)
            if not exists and password is None:
                raise InstallError(
                    f"reader account {contract.reader.name} does not exist; set "
                    f"{contract.reader.password_env} (or pass a reader connection) to create it"
                )
            password_sql = None
            if password is not None:
                password_sql = (
                    _pg_password_sql(conn, contract.reader.name, password)
                    if dialect == "postgresql"
                    else f'"{password}"'
                )
            for stmt in render_reader(contract, dialect, password_sql=password_sql, exists=exists):
                run(conn, stmt)
            if password is None:
                notes.append(f"reader {contract.reader.name} exists; password unchanged")
    return InstallResult(dialect, tuple(executed), tuple(notes))


def _reader_exists(conn: Connection, dialect: Dialect, name: str) -> bool:
    if dialect == "postgresql":
        sql = "SELECT COUNT(*) FROM pg_roles WHERE rolname = :n"
        return bool(conn.execute(text(sql), {"n": name.lower()}).scalar())
    sql = "SELECT COUNT(*) FROM all_users WHERE username = :n"
    return bool(conn.execute(text(sql), {"n": name.upper()}).scalar())


def _pg_password_sql(conn: Connection, user: str, password: str) -> str:
    """A SCRAM verifier computed by libpq, so the clear password never reaches the server (or its log)."""
    raw = conn.connection.dbapi_connection
    try:
        pgconn = getattr(raw, "pgconn", None)
        if pgconn is not None:  # psycopg 3
            verifier = pgconn.encrypt_password(password.encode(), user.encode(), None).decode()
        else:  # psycopg2
            from psycopg2.extensions import encrypt_password

            verifier = encrypt_password(password, user, raw, None)
        return sql_literal(verifier)
    except Exception:  # noqa: BLE001 - an old libpq: fall back to the clear password (still never logged here)
        return sql_literal(password)


def _pg_view_grants(conn: Connection, contract: Contract) -> list[Statement]:
    """Grants others hold on the views now, to be given back after DROP/CREATE (which forgets them)."""
    sql = text(
        "SELECT c.relname, a.grantee, a.privilege_type "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL aclexplode(c.relacl) a "
        "WHERE n.nspname = :schema AND c.relname IN :views AND c.relkind = 'v' AND a.grantee <> c.relowner"
    ).bindparams(bindparam("views", expanding=True))
    rows = conn.execute(
        sql, {"schema": view_schema(contract, "postgresql"), "views": list(contract.view_names)}
    ).all()
    q = qualifier(contract, "postgresql")
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


def _oracle_drop_disabled(
    conn: Connection, contract: Contract
) -> list[Statement]:  # pragma: no cover - Oracle
    """Oracle before 23ai has no DROP VIEW IF EXISTS: drop a view the site disabled only when it is there."""
    disabled = [v for v in VIEW_NAMES if v not in contract.views]
    if not disabled:
        return []
    owner = view_schema(contract, "oracle")
    sql = "SELECT view_name FROM all_views WHERE owner = " + (
        ":o" if owner else "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')"
    )
    existing = {r[0].lower() for r in conn.execute(text(sql), {"o": owner.upper()} if owner else {})}
    q = qualifier(contract, "oracle")
    return [Statement(f"DROP VIEW {q(v)}", f"drop disabled view {v}") for v in disabled if v in existing]
