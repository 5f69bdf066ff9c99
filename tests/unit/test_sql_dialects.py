"""Every extraction SQL file (``include/sql/*.sql``) is one portable SELECT that Oracle and PostgreSQL accept.

sqlglot parses leniently (it reads ``LIMIT`` or ``::`` even as Oracle), so besides parsing each file as Oracle and
as PostgreSQL the tests walk the tree for the constructs that are not portable across Oracle, PostgreSQL and
SQLite, and check the contract the pipeline relies on: exactly the bind parameters ``:window_start`` and
``:window_end``, lower-case unique column aliases, a ``trace_code`` and a ``voided`` column, an ORDER BY.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import text
from sqlglot import ErrorLevel, exp

from hisbridge import SQL_DIR

SQL_FILES = sorted(SQL_DIR.glob("*.sql"))
#: SQL of the served APIs (one folder per service): one portable SELECT each, bound to the request's parameters
API_SQL_FILES = sorted(SQL_DIR.glob("mutual/*.sql")) + sorted(SQL_DIR.glob("city_brain/*.sql"))
FEED_FILES = [p for p in SQL_FILES if p.name.startswith("hsa_trace_")]


def _sql(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _code(sql: str) -> str:
    """The SQL without ``--`` comments and string literals (for token scans)."""
    no_comments = re.sub(r"--[^\n]*", "", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", no_comments)


def test_there_are_sql_files_to_check() -> None:
    assert len(FEED_FILES) == 6
    assert "patient.sql" in [p.name for p in API_SQL_FILES]
    assert len([p for p in API_SQL_FILES if p.parent.name == "city_brain"]) >= 26


@pytest.mark.parametrize("dialect", ["oracle", "postgres"])
@pytest.mark.parametrize("path", SQL_FILES + API_SQL_FILES, ids=lambda p: p.name)
def test_sql_parses_as_one_select(path: Path, dialect: str) -> None:
    statements = [s for s in sqlglot.parse(_sql(path), read=dialect, error_level=ErrorLevel.RAISE) if s]
    assert len(statements) == 1
    tree = sqlglot.parse_one(_sql(path), read=dialect, error_level=ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select)


@pytest.mark.parametrize("path", SQL_FILES + API_SQL_FILES, ids=lambda p: p.name)
def test_sql_uses_no_vendor_specific_constructs(path: Path) -> None:
    tree = sqlglot.parse_one(_sql(path), read="postgres", error_level=ErrorLevel.RAISE)
    vendor = (exp.Limit, exp.Fetch, exp.ILike, exp.GroupConcat, exp.ArrayAgg, exp.TryCast)
    found = [type(node).__name__ for node in tree.walk() if isinstance(node, vendor)]
    assert not found, f"non-portable constructs: {found}"
    code = _code(_sql(path))
    assert "::" not in code, "PostgreSQL-only cast"
    for word in ("LIMIT", "TOP", "ILIKE", "STRING_AGG", "LISTAGG", "GROUP_CONCAT", "NVL", "SYSDATE", "NOW"):
        assert not re.search(rf"\b{word}\b", code, re.IGNORECASE), f"{word} is not portable"
    # Oracle refuses "FROM table AS alias"
    assert not re.search(r"\b(FROM|JOIN)\s+\w+\s+AS\s+\w+", code, re.IGNORECASE)
    assert ";" not in code


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_binds_exactly_the_window(path: Path) -> None:
    assert set(text(_sql(path))._bindparams) == {"window_start", "window_end"}


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_feed_sql_output_columns(path: Path) -> None:
    tree = sqlglot.parse_one(_sql(path), read="oracle", error_level=ErrorLevel.RAISE)
    names = [sel.alias_or_name for sel in tree.selects]
    assert all(isinstance(sel, exp.Alias) for sel in tree.selects), "every output column is aliased"
    assert names == [n.lower() for n in names]
    assert len(names) == len(set(names)), "duplicate column names"
    assert all(len(n) <= 30 for n in names)
    assert {"trace_code", "voided"} <= set(names)
    assert tree.args.get("order"), "rows of one record must come ordered by the business key"


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_comments_name_no_bind_parameter(path: Path) -> None:
    # SQLAlchemy's text() takes ":name" in a comment for a bind: SQLite's positional binds then miscount
    comments = re.findall(r"--[^\n]*", _sql(path))
    assert not [c for c in comments if re.search(r"(?<![:\w]):[A-Za-z_]", c)], "write window_start, not :window_start"
