"""The contract's read-only reader account: it logs in and may SELECT the contract's objects, nothing else.

PostgreSQL: a ``LOGIN NOINHERIT`` role with a connection limit, read-only transactions by default, a statement
timeout, ``search_path`` (and optionally ``TimeZone``) set, ``USAGE`` on the schema and ``SELECT`` on the
objects; ``CREATE`` on the schema revoked. Oracle: a user with ``CREATE SESSION`` and ``SELECT`` per object
(views run with their owner's rights, so no grant on base tables is needed). SQLite has no accounts.

The password is never part of the rendered SQL that is logged: statements carrying it are marked ``secret``,
scripts carry a psql / SQL*Plus variable, and :func:`install <hisbridge.contracts.ddl.install>` hands
PostgreSQL a SCRAM verifier rather than the clear password.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from hisbridge.contracts.errors import InstallError
from hisbridge.contracts.model import DbContract
from hisbridge.contracts.sql import Dialect, Statement, qualifier, schema_for, sql_literal


def script_password(contract: DbContract, dialect: Dialect) -> str | None:
    """The password as a script variable: ``:'x_password'`` for psql, ``"&&x_password"`` for SQL*Plus."""
    if contract.reader is None or dialect == "sqlite":
        return None
    var = contract.reader.script_variable
    return f":'{var}'" if dialect == "postgresql" else f'"&&{var}"'


def render_reader(
    contract: DbContract, dialect: Dialect, *, password_sql: str | None, exists: bool | None
) -> list[Statement]:
    """The reader account's statements: log in, SELECT on the contract's objects, nothing else.

    :param password_sql: the password as SQL (a literal, a verifier, or a psql/SQL*Plus variable); ``None``
        keeps the current password of an existing account.
    :param exists: ``None`` when rendering a script (create only if missing), else whether the account exists.
    """
    r = contract.reader
    if r is None or dialect == "sqlite":
        return []
    q = qualifier(contract.schema_name, dialect)
    objects = [q(name) for name in contract.object_names]
    out: list[Statement] = []
    if dialect == "postgresql":
        schema = schema_for(contract.schema_name, dialect)
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
        if contract.session_timezone:
            out.append(
                Statement(
                    f"ALTER ROLE {r.name} SET TimeZone = {sql_literal(contract.session_timezone)}",
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
        noun = "views" if not contract.tables else "contract objects"
        out.append(
            Statement(f"GRANT SELECT ON {', '.join(objects)} TO {r.name}", f"grant select on the {noun}")
        )
    else:
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
        for name, qualified in zip(contract.object_names, objects, strict=True):
            out.append(Statement(f"GRANT SELECT ON {qualified} TO {r.name}", f"grant select on {name}"))
    return out


def reader_exists(conn: Connection, dialect: Dialect, name: str) -> bool:
    """Whether the account exists (PostgreSQL role names fold to lower case, Oracle user names to upper)."""
    if dialect == "postgresql":
        sql = "SELECT COUNT(*) FROM pg_roles WHERE rolname = :n"
        return bool(conn.execute(text(sql), {"n": name.lower()}).scalar())
    sql = "SELECT COUNT(*) FROM all_users WHERE username = :n"
    return bool(conn.execute(text(sql), {"n": name.upper()}).scalar())


def password_sql(conn: Connection, dialect: Dialect, user: str, password: str) -> str:
    """The password as SQL for ``ALTER ROLE … PASSWORD`` / ``IDENTIFIED BY``.

    PostgreSQL: a SCRAM verifier computed by libpq, so the clear password never reaches the server (or its
    log). Oracle: a quoted identifier (the caller has refused double quotes in it).
    """
    if dialect != "postgresql":
        return f'"{password}"'
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
