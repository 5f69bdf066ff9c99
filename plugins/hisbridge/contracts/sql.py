"""SQL that PostgreSQL, Oracle and SQLite all accept: the dialects, literals, qualified names, statements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, Engine

from hisbridge.contracts.errors import InstallError

Dialect = Literal["postgresql", "oracle", "sqlite"]
DIALECTS: tuple[Dialect, ...] = ("postgresql", "oracle", "sqlite")

#: ``name -> qualified name`` for one dialect.
Qualify = Callable[[str], str]


@dataclass(frozen=True)
class Statement:
    """One statement to execute, with the label that is logged in its place (the SQL may carry a password)."""

    sql: str
    label: str
    secret: bool = False


def dialect_of(engine: Engine | Connection) -> Dialect:
    """The dialect of ``engine``; any other database is refused before a statement is rendered for it."""
    name = engine.dialect.name
    if name not in DIALECTS:
        raise InstallError(
            f"unsupported database {name!r}: contracts are rendered for PostgreSQL, Oracle and SQLite"
        )
    return name  # type: ignore[return-value]


def sql_literal(value: str) -> str:
    """A string literal for all three dialects (standard quoting: a quote is doubled)."""
    if "\x00" in value:
        raise ValueError("NUL in an SQL literal")
    return "'" + value.replace("'", "''") + "'"


def schema_for(schema_name: str | None, dialect: Dialect) -> str | None:
    """Where the contract's objects and base tables live: the configured schema (PostgreSQL folds it to lower
    case, as it does unquoted names), else PostgreSQL's ``public``, else unqualified (Oracle: the session's
    own schema)."""
    if schema_name:
        return schema_name.lower() if dialect == "postgresql" else schema_name
    return "public" if dialect == "postgresql" else None


def qualifier(schema_name: str | None, dialect: Dialect) -> Qualify:
    """Qualify names with the schema; SQLite has a single schema, so its names stay bare."""
    schema = schema_for(schema_name, dialect) if dialect != "sqlite" else None
    return (lambda name: f"{schema}.{name}") if schema else (lambda name: name)
