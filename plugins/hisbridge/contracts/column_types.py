"""The contract's five column types and how each dialect spells them.

``string(N)`` · ``int`` · ``flag`` (small codes such as 0/1/2) · ``date`` · ``datetime`` (second precision).
PostgreSQL and Oracle spellings are exactly what their catalogs report, so the check compares strings.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from hisbridge.contracts.sql import Dialect

ColumnType = Annotated[str, Field(pattern=r"^(string\((\d{1,4})\)|int|flag|date|datetime)$")]


def parse_type(column_type: str) -> tuple[str, int | None]:
    """``"string(20)"`` → ``("string", 20)``; any other type → ``(type, None)``."""
    m = re.fullmatch(r"string\((\d+)\)", column_type)
    return ("string", int(m.group(1))) if m else (column_type, None)


def pg_type(column_type: str) -> str:
    """The PostgreSQL type of a contract type, spelled as the check reads it back from the catalog."""
    kind, n = parse_type(column_type)
    return {
        "string": f"varchar({n})",
        "int": "integer",
        "flag": "smallint",
        "date": "date",
        "datetime": "timestamp(0)",
    }[kind]


def oracle_type(column_type: str) -> str:
    """The Oracle type of a contract type (``DATE`` carries seconds, so it serves ``datetime`` too)."""
    kind, n = parse_type(column_type)
    return {
        "string": f"VARCHAR2({n} CHAR)",
        "int": "NUMBER(10)",
        "flag": "NUMBER(1)",
        "date": "DATE",
        "datetime": "DATE",
    }[kind]


def sqlite_type(column_type: str) -> str:
    """The SQLite storage class (SQLite keeps dates as ISO text)."""
    kind, _ = parse_type(column_type)
    return {"string": "TEXT", "int": "INTEGER", "flag": "INTEGER", "date": "TEXT", "datetime": "TEXT"}[kind]


def dialect_type(column_type: str, dialect: Dialect) -> str:
    return {"postgresql": pg_type, "oracle": oracle_type, "sqlite": sqlite_type}[dialect](column_type)
