"""The made-up contract installed on SQLite and checked: the generic findings and a platform's own rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text

from hisbridge.contracts.check import Rows, check
from hisbridge.contracts.ddl import install
from hisbridge.contracts.model import Table, View
from hisbridge.db import make_engine

from .lab import create_base_table, lab_contract


@dataclass(frozen=True)
class FlagIsZeroOrOne:
    """A platform rule as a platform would write one: its own code, and it reports the column's NULLs."""

    column: str

    def nulls_reported(self, obj: View | Table) -> frozenset[str]:
        return frozenset({self.column}) if self.column in {c.name for c in obj.columns} else frozenset()

    def check(self, rows: Rows) -> None:
        if self.column not in rows.present:
            return
        n = rows.count(f"SELECT COUNT(*) FROM {rows.qualified} WHERE {self.column} IS NULL OR {self.column} NOT IN (0, 1)")
        if n:
            rows.report.add("flag_value", f"{rows.obj.name}.{self.column}", f"{n} 行不是 0 或 1")


@pytest.fixture
def lis(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    create_base_table(engine)
    result = install(engine, lab_contract())
    assert result.executed == (
        "create table lab_result", "drop view lab_open_order", "create view lab_open_order",
    )  # fmt: skip
    assert result.notes == ("SQLite has no accounts: reader not installed",)
    yield engine
    engine.dispose()


def replace_view(engine: Engine, select: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP VIEW lab_open_order"))
        conn.execute(text(f"CREATE VIEW lab_open_order AS {select}"))


def test_a_fresh_install_passes(lis: Engine) -> None:
    report = check(lis, lab_contract(), rules=[FlagIsZeroOrOne("IS_OPEN")])
    assert report.passed and report.findings == [], report.render()
    assert report.render().startswith("检验接口契约检查：通过（错误 0，警告 0） — sqlite，站点 默认")
    assert report.notes == ["SQLite 没有账号：未检查只读账号"]


def test_install_again_keeps_the_tables_rows(lis: Engine) -> None:
    with lis.begin() as conn:
        conn.execute(text("INSERT INTO lab_result VALUES ('R1', 'O1', '5.6', '2026-03-01 10:00:00')"))
    install(lis, lab_contract())
    with lis.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM lab_result")).scalar() == 1
        assert conn.execute(text("SELECT ORDER_ID, IS_OPEN FROM lab_open_order ORDER BY 1")).all() == [
            ("O1", 1), ("O2", 0),
        ]  # fmt: skip


def test_missing_and_unexpected_columns_are_reported(lis: Engine) -> None:
    replace_view(lis, "SELECT order_id AS ORDER_ID, test_code AS TEST_CODE, 1 AS IS_OPEN, patient_name FROM lab_order")
    report = check(lis, lab_contract())
    found = {(f.code, f.subject) for f in report.findings}
    assert found == {
        ("column_missing", "lab_open_order.ORDERED_AT"),
        ("column_unexpected", "lab_open_order.PATIENT_NAME"),
    }


def test_a_platform_rule_reports_and_takes_over_the_null_check(lis: Engine) -> None:
    replace_view(lis, "SELECT order_id AS ORDER_ID, test_code AS TEST_CODE, ordered_at AS ORDERED_AT, "
                      "CASE WHEN status = 'open' THEN 2 END AS IS_OPEN FROM lab_order")  # fmt: skip
    without_rule = check(lis, lab_contract())
    assert {(f.code, f.subject) for f in without_rule.findings} == {("null_value", "lab_open_order.IS_OPEN")}
    with_rule = check(lis, lab_contract(), rules=[FlagIsZeroOrOne("IS_OPEN")])
    assert [(f.code, f.message) for f in with_rule.findings] == [("flag_value", "3 行不是 0 或 1")]


def test_duplicate_keys_are_reported(lis: Engine) -> None:
    with lis.begin() as conn:
        conn.execute(text("INSERT INTO lab_result VALUES ('R1', 'O1', NULL, NULL)"))
    replace_view(lis, "SELECT order_id AS ORDER_ID, test_code AS TEST_CODE, ordered_at AS ORDERED_AT, 1 AS IS_OPEN "
                      "FROM lab_order UNION ALL SELECT 'O1', 'GLU', NULL, 1")  # fmt: skip
    report = check(lis, lab_contract())
    assert [(f.code, f.subject, f.message) for f in report.findings] == [
        ("duplicate_key", "lab_open_order.ORDER_ID", "1 个键值重复（契约要求唯一）")
    ]


def test_missing_objects_are_reported_by_kind(lis: Engine) -> None:
    with lis.begin() as conn:
        conn.execute(text("DROP TABLE lab_result"))
        conn.execute(text("DROP VIEW lab_open_order"))
        conn.execute(text("CREATE TABLE lab_open_order (ORDER_ID TEXT)"))
    report = check(lis, lab_contract())
    assert [(f.code, f.subject, f.message) for f in report.findings] == [
        ("table_missing", "lab_result", "表不存在"),
        ("view_missing", "lab_open_order", "同名对象存在但不是视图（table）"),
    ]


def test_a_broken_view_definition_is_reported_before_the_next_install_fails(lis: Engine) -> None:
    with lis.begin() as conn:
        conn.execute(text("ALTER TABLE lab_order RENAME COLUMN status TO order_status"))
    report = check(lis, lab_contract())
    assert ("definition_broken", "lab_open_order") in {(f.code, f.subject) for f in report.findings}
