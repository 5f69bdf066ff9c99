"""The export declarations (``jiulonghu_exports.yaml``) and their SQL: one portable SELECT each that Oracle and
PostgreSQL parse, binding exactly its window, returning every declared column; the Variable's settings; the
values the files show (age, times, money)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import text
from sqlglot import ErrorLevel, exp

from hisbridge import PROJECT_DIR, SQL_DIR
from hisbridge.platforms.jiulonghu.exports import (
    AGE,
    ExportConfigError,
    ExportError,
    ExportSpec,
    _value,
    age_text,
    export_spec,
    load_exports,
    parse_settings,
    window_for,
)

SPECS = load_exports()
SQL_FILES = sorted((SQL_DIR / "jiulonghu").glob("export_*.sql"))
WINDOW_BINDS = {"day": {"day_start", "day_end"}, "snapshot": {"snapshot_at"}}


def _code(sql: str) -> str:
    no_comments = re.sub(r"--[^\n]*", "", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", no_comments)


def test_both_exports_are_declared_with_their_sql() -> None:
    assert set(SPECS) == {"outpatient_registrations", "inpatients"}
    assert sorted(s.sql_path for s in SPECS.values()) == SQL_FILES
    assert (SPECS["outpatient_registrations"].window, SPECS["inpatients"].window) == ("day", "snapshot")


@pytest.mark.parametrize("dialect", ["oracle", "postgres"])
@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_parses_as_one_select(path: Path, dialect: str) -> None:
    sql = path.read_text(encoding="utf-8")
    statements = [s for s in sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE) if s]
    assert len(statements) == 1 and isinstance(statements[0], exp.Select)


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_uses_no_vendor_specific_constructs(path: Path) -> None:
    sql = path.read_text(encoding="utf-8")
    tree = sqlglot.parse_one(sql, read="postgres", error_level=ErrorLevel.RAISE)
    vendor = (exp.Limit, exp.Fetch, exp.ILike, exp.GroupConcat, exp.ArrayAgg, exp.TryCast)
    assert not [type(n).__name__ for n in tree.walk() if isinstance(n, vendor)]
    code = _code(sql)
    assert "::" not in code and ";" not in code
    for word in ("LIMIT", "TOP", "ILIKE", "STRING_AGG", "LISTAGG", "GROUP_CONCAT", "NVL", "SYSDATE", "NOW",
                 "CURRENT_DATE", "CURRENT_TIMESTAMP", "GETDATE", "LOCALTIMESTAMP"):
        assert not re.search(rf"\b{word}\b", code, re.IGNORECASE), f"{word}: not portable, or reads 'now'"
    assert not re.search(r"\b(FROM|JOIN)\s+\w+\s+AS\s+\w+", code, re.IGNORECASE)  # Oracle refuses it
    assert tree.args.get("order"), "files list rows in a stable order"
    comments = re.findall(r"--[^\n]*", sql)
    assert not [c for c in comments if re.search(r"(?<![:\w]):[A-Za-z_]", c)], "name binds without ':' in comments"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_sql_binds_exactly_its_window_and_returns_every_declared_column(name: str) -> None:
    spec = SPECS[name]
    sql = spec.sql_text()
    assert set(text(sql)._bindparams) == WINDOW_BINDS[spec.window]
    tree = sqlglot.parse_one(sql, read="oracle", error_level=ErrorLevel.RAISE)
    names = [sel.alias_or_name for sel in tree.selects]
    assert all(isinstance(sel, exp.Alias) for sel in tree.selects), "every output column is aliased"
    assert len(names) == len(set(names)) and all(len(n) <= 30 for n in names)
    assert set(spec.selected) <= set(names), set(spec.selected) - set(names)
    assert AGE not in names  # derived in Python: age arithmetic is not portable SQL


def test_every_column_has_a_chinese_title() -> None:
    for spec in SPECS.values():
        assert all(re.search(r"[\u4e00-\u9fff]", c.title) for c in spec.columns), spec.name


def _spec(**over) -> dict:
    body = {"name": "x", "title": "测试", "sql": "jiulonghu/export_inpatients.sql", "window": "day",
            "date_column": "t", "stem": "测试", "columns": [{"key": "t", "title": "时间", "type": "datetime"}]}
    return {**body, **over}


@pytest.mark.parametrize(("over", "message"), [
    ({"columns": [{"key": "t", "title": "时间", "type": "datetime"}] * 2}, "duplicate column keys"),
    ({"date_column": "nope"}, "must be a datetime column"),
    ({"columns": [{"key": "t", "title": "时间", "type": "datetime"}, {"key": "age", "title": "年龄"}]},
     "'age' and age_from go together"),
    ({"stem": "../etc"}, "plain file name"),
    ({"window": "week"}, "window"),
])
def test_invalid_declarations_are_refused(over: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ExportSpec.model_validate(_spec(**over))


def test_an_unknown_export_names_the_declared_ones() -> None:
    with pytest.raises(ExportError, match="declared: outpatient_registrations, inpatients"):
        export_spec("discharges")


def test_a_declaration_file_naming_a_missing_sql_file_is_refused(tmp_path) -> None:
    path = tmp_path / "exports.yaml"
    path.write_text("exports:\n  x:\n    title: 测试\n    sql: jiulonghu/export_none.sql\n    window: day\n"
                    "    date_column: t\n    stem: t\n    columns: [{key: t, title: 时间, type: datetime}]\n",
                    encoding="utf-8")
    with pytest.raises(ExportError, match="export_none.sql, which is not in include/sql"):
        load_exports(path)


# -- settings (the Variable jiulonghu_exports) ---------------------------------------------------------------------
@pytest.mark.parametrize("raw", [None, "", "  "])
def test_a_missing_variable_is_a_clear_error(raw) -> None:
    with pytest.raises(ExportConfigError, match=r"Airflow Variable 'jiulonghu_exports' is not set: set it to JSON"):
        parse_settings(raw)


@pytest.mark.parametrize(("raw", "message"), [
    ("{dir: x}", "is not valid JSON"),
    ("[1]", "must be a JSON object"),
    ('{"inpatient_snapshot_hour": 8}', "dir: Field required"),
    ('{"dir": "/x", "inpatient_snapshot_hour": 24}', "inpatient_snapshot_hour: Input should be less than or equal"),
    ('{"dir": "/x", "timezone": "Mars/Olympus"}', "unknown time zone 'Mars/Olympus'"),
    ('{"dir": "/x", "snapshot_hour": 9}', "snapshot_hour: Extra inputs are not permitted"),
])
def test_an_invalid_variable_names_the_variable_and_the_key(raw: str, message: str) -> None:
    with pytest.raises(ExportConfigError, match="Airflow Variable 'jiulonghu_exports'") as caught:
        parse_settings(raw)
    assert message in str(caught.value)


def test_settings_defaults_and_relative_folder() -> None:
    settings = parse_settings('{"dir": "var/exports/jiulonghu"}')
    assert settings.dir == PROJECT_DIR / "var" / "exports" / "jiulonghu"
    assert (settings.inpatient_snapshot_hour, settings.timezone, settings.his_conn_id) == (8, "Asia/Shanghai", "his_db")
    assert parse_settings({"dir": "/data/x", "inpatient_snapshot_hour": 0}).dir == Path("/data/x")


# -- windows and values -------------------------------------------------------------------------------------------
def test_windows_are_the_day_and_the_hour_of_the_day() -> None:
    day = window_for(SPECS["outpatient_registrations"], date(2026, 11, 24), snapshot_hour=8)
    assert day.binds() == {"day_start": datetime(2026, 11, 24), "day_end": datetime(2026, 11, 25)}
    assert day.holds(datetime(2026, 11, 24, 23, 59, 59)) and not day.holds(datetime(2026, 11, 25))
    snap = window_for(SPECS["inpatients"], date(2026, 11, 24), snapshot_hour=7)
    assert snap.binds() == {"snapshot_at": datetime(2026, 11, 24, 7)}
    with pytest.raises(ExportError, match="0–23"):
        window_for(SPECS["inpatients"], date(2026, 11, 24), snapshot_hour=24)


@pytest.mark.parametrize(("birth", "on", "shown"), [
    (date(1979, 5, 9), date(2026, 11, 24), "47岁"),
    (date(1979, 11, 24), date(2026, 11, 24), "47岁"),  # the birthday itself
    (date(1979, 11, 25), date(2026, 11, 24), "46岁"),  # the day before it
    (date(2025, 11, 25), date(2026, 11, 24), "11月"),
    (date(2026, 10, 24), date(2026, 11, 24), "1月"),
    (date(2026, 10, 25), date(2026, 11, 24), "30天"),
    (date(2026, 11, 24), date(2026, 11, 24), "0天"),
    (date(2024, 2, 29), date(2025, 2, 28), "11月"),
    (date(2024, 2, 29), date(2025, 3, 1), "1岁"),
    (None, date(2026, 11, 24), None),
    (date(2026, 11, 25), date(2026, 11, 24), None),  # a birth date after the day is bad data, not an age
])
def test_age_is_shown_as_clinical_lists_show_it(birth, on, shown) -> None:
    assert age_text(birth, on) == shown


def test_database_values_become_the_same_python_values() -> None:
    # SQLite hands back text for times and floats for money; Oracle numbers for every numeric code
    assert _value("datetime", "2026-11-24 08:00:00.000000") == datetime(2026, 11, 24, 8)
    assert _value("datetime", datetime(2026, 11, 24, 8, 0, 0, 999)) == datetime(2026, 11, 24, 8)
    assert _value("date", "2026-11-24 00:00:00.000000") == date(2026, 11, 24)
    assert _value("date", datetime(2026, 11, 24)) == date(2026, 11, 24)
    assert _value("money", 20.5) == Decimal("20.50") and _value("money", Decimal("3")) == Decimal("3.00")
    assert _value("int", Decimal("7")) == 7
    assert _value("text", Decimal("4030")) == "4030" and _value("text", "0020000007") == "0020000007"
    assert _value("text", None) is None
