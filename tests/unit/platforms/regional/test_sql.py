"""The 市区卫平台 SQL (include/sql/regional/*.sql) is one portable SELECT each that Oracle and PostgreSQL accept,
binds exactly the day (:window_start, :window_end), and the extraction SQL returns what its feed maps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import text
from sqlglot import ErrorLevel, exp

from hisbridge import SQL_DIR
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.regional.datasets import datasets

SQL_FILES = sorted((SQL_DIR / "regional").glob("*.sql"))
EXTRACTION = [p for p in SQL_FILES if not p.stem.endswith("_count")]


def _code(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", sql))


def test_there_is_a_count_and_an_extraction_file_per_dataset() -> None:
    assert sorted(p.name for p in SQL_FILES) == sorted(
        f"{n}{suffix}.sql" for n in datasets().datasets for suffix in ("", "_count"))


@pytest.mark.parametrize("dialect", ["oracle", "postgres"])
@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_parses_as_one_select(path: Path, dialect: str) -> None:
    sql = path.read_text(encoding="utf-8")
    statements = [s for s in sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE) if s]
    assert len(statements) == 1 and isinstance(statements[0], exp.Select)


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_is_portable_and_binds_exactly_the_day(path: Path) -> None:
    sql = path.read_text(encoding="utf-8")
    tree = sqlglot.parse_one(sql, read="postgres", error_level=ErrorLevel.RAISE)
    assert not [n for n in tree.walk() if isinstance(n, exp.Limit | exp.Fetch | exp.ILike | exp.TryCast)]
    code = _code(sql)
    assert "::" not in code and ";" not in code
    for word in ("LIMIT", "TOP", "ILIKE", "NVL", "SYSDATE", "NOW", "GETDATE"):
        assert not re.search(rf"\b{word}\b", code, re.IGNORECASE), word
    assert not re.search(r"\b(FROM|JOIN)\s+\w+\s+AS\s+\w+", code, re.IGNORECASE), "Oracle refuses FROM t AS a"
    assert set(text(sql)._bindparams) == {"window_start", "window_end"}


@pytest.mark.parametrize("path", EXTRACTION, ids=lambda p: p.name)
def test_extraction_returns_what_the_feed_maps_in_key_order(path: Path) -> None:
    tree = sqlglot.parse_one(path.read_text(encoding="utf-8"), read="oracle", error_level=ErrorLevel.RAISE)
    names = [s.alias_or_name for s in tree.selects]
    assert all(isinstance(s, exp.Alias) for s in tree.selects) and len(names) == len(set(names))
    spec = load_feed_spec(f"regional_{path.stem}")
    assert spec.source_columns <= set(names)
    assert tree.args["order"].expressions[0].this.name == spec.business_key[0]


@pytest.mark.parametrize("path", [p for p in SQL_FILES if p.stem.endswith("_count")], ids=lambda p: p.name)
def test_count_sql_returns_one_number(path: Path) -> None:
    tree = sqlglot.parse_one(path.read_text(encoding="utf-8"), read="oracle", error_level=ErrorLevel.RAISE)
    assert [s.alias_or_name for s in tree.selects] == ["n"]
    assert isinstance(tree.selects[0].this, exp.Count)
