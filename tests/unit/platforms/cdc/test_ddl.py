"""The front-end database's DDL, rendered from the declarations for PostgreSQL, Oracle and SQLite: every table
and column, the declared types, NOT NULL where declared, comments, and SQL that parses in its dialect."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlalchemy import inspect
from sqlglot import ErrorLevel, exp

from hisbridge.__main__ import main as hisbridge_main
from hisbridge.db import make_engine
from hisbridge.platforms.cdc import ddl
from hisbridge.platforms.cdc.frontend_db import merge_sql
from hisbridge.platforms.cdc.tables import TABLES, table


def _statements(script: str) -> list[str]:
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";\n") if s.strip()]


@pytest.mark.parametrize(("dialect", "read"), [("oracle", "oracle"), ("postgresql", "postgres"),
                                               ("sqlite", "sqlite")])
def test_script_parses_and_creates_every_declared_column(dialect, read) -> None:
    script = ddl.render_script(dialect)
    creates: dict[str, list[str]] = {}
    for sql in _statements(script):
        tree = sqlglot.parse_one(sql, read=read, error_level=ErrorLevel.RAISE)
        if isinstance(tree, exp.Create):
            name = tree.this.this.name
            creates[name] = [c.name for c in tree.this.expressions if isinstance(c, exp.ColumnDef)]
    assert creates == {t.name: [c.name for c in t.columns] for t in TABLES.values()}


def test_oracle_types_keys_and_comments() -> None:
    sql = ddl.create_table(table("emr_ex_lab_item"), "oracle").sql
    assert sql.startswith("CREATE TABLE emr_ex_lab_item (\n")  # Oracle has no IF NOT EXISTS
    assert "  id VARCHAR2(80 CHAR) NOT NULL," in sql
    assert "  ex_lab_id VARCHAR2(80 CHAR) NOT NULL," in sql
    assert "  item_name CLOB," in sql
    assert "  operation_time DATE," in sql
    assert sql.endswith("  PRIMARY KEY (id)\n)")
    comments = [s.sql for s in ddl.comments(table("emr_ex_lab_item"), "oracle", schema="CDC")]
    assert comments[0] == "COMMENT ON TABLE CDC.emr_ex_lab_item IS '检验报告项目'"
    assert "COMMENT ON COLUMN CDC.emr_ex_lab_item.ex_lab_id IS '检验报告ID（emr_ex_lab.id）'" in comments


def test_postgresql_types_and_keys() -> None:
    sql = ddl.create_table(table("base_dept"), "postgresql", schema="cdc").sql
    assert sql.startswith("CREATE TABLE IF NOT EXISTS cdc.base_dept (")
    assert "  create_time timestamp(0)," in sql
    assert "  dept_code varchar(40) NOT NULL," in sql and "PRIMARY KEY (id)" in sql  # every table keyed by id
    assert "  chief_complaint text," in ddl.create_table(table("emr_activity_info"), "postgresql").sql


def test_only_declared_not_null_columns_are_not_null() -> None:
    script = ddl.render_script("postgresql")
    not_null = re.findall(r"^  (\w+) \S+ NOT NULL,$", script, re.MULTILINE)
    assert sorted(not_null) == sorted(["dept_code"] + ["id"] * 20 + ["patient_id", "ex_lab_id"])


def test_oracle_upsert_is_a_merge_that_parses() -> None:
    t = table("emr_ex_lab_item")
    sql = merge_sql(t, "CDC")
    tree = sqlglot.parse_one(sql, read="oracle", error_level=ErrorLevel.RAISE)
    assert isinstance(tree, exp.Merge)
    assert sql.startswith("MERGE INTO CDC.emr_ex_lab_item t USING (SELECT :p0 AS id, :p1 AS ex_lab_id")
    assert "ON (t.id = s.id)" in sql and "t.id = s.id," not in sql  # the key is never updated
    assert max(len(b) for b in re.findall(r":(\w+)", sql)) <= 30


def test_install_on_sqlite_creates_every_table_once(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'frontend.db'}")
    done = ddl.install(engine)
    assert len(done) == len(TABLES)
    names = set(inspect(engine).get_table_names())
    assert names == set(TABLES)
    assert [c["name"] for c in inspect(engine).get_columns("emr_order_item")] == \
        [c.name for c in table("emr_order_item").columns]
    assert ddl.install(engine) == []  # idempotent: nothing is missing any more


def test_the_command_line_prints_the_script(capsys) -> None:
    assert hisbridge_main(["cdc", "ddl", "--dialect", "oracle"]) == 0
    out = capsys.readouterr().out
    assert out == ddl.render_script("oracle")
    assert out.count("\nCREATE TABLE ") == len(TABLES)
    with pytest.raises(SystemExit):
        hisbridge_main(["cdc", "ddl", "--dialect", "mysql"])
