"""Rendering the made-up contract per dialect: tables, CAST-typed views, comments, the reader's grants."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from hisbridge.contracts.accounts import render_reader, script_password
from hisbridge.contracts.ddl import render_objects, render_script, select_sql
from hisbridge.contracts.errors import ContractError
from hisbridge.contracts.model import Column
from hisbridge.contracts.sql import DIALECTS

from .lab import lab_contract

SQLGLOT = {"postgresql": "postgres", "oracle": "oracle", "sqlite": "sqlite"}
HEADER = "-- lab contract\n"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_script_parses_and_creates_the_table_then_the_view(dialect: str) -> None:
    script = render_script(lab_contract(), dialect, header=HEADER)
    assert script.startswith(HEADER)
    creates = [s for s in sqlglot.parse(script, read=SQLGLOT[dialect]) if isinstance(s, exp.Create)]
    assert [(c.kind, c.find(exp.Table).name.lower()) for c in creates if c.kind in ("TABLE", "VIEW")] == [
        ("TABLE", "lab_result"),
        ("VIEW", "lab_open_order"),
    ]
    view = next(c for c in creates if c.kind == "VIEW")
    assert [s.alias for s in view.expression.selects] == ["ORDER_ID", "TEST_CODE", "ORDERED_AT", "IS_OPEN"]


def test_postgresql_script() -> None:
    script = render_script(lab_contract(), "postgresql", header=HEADER)
    assert (
        "CREATE TABLE IF NOT EXISTS public.lab_result (\n  RESULT_ID varchar(20) NOT NULL,\n"
        "  ORDER_ID varchar(20) NOT NULL,\n  VALUE_TEXT varchar(50),\n  REPORTED_AT timestamp(0),\n"
        "  PRIMARY KEY (RESULT_ID)\n);" in script
    )
    assert "CREATE VIEW public.lab_open_order WITH (security_barrier = true) AS" in script
    assert "CAST(CASE WHEN o.status = 'open' THEN 1 ELSE 0 END AS smallint) AS IS_OPEN" in script
    assert "FROM public.lab_order o" in script
    assert "COMMENT ON TABLE public.lab_result IS '检验结果（由检验系统写入）';" in script
    assert "COMMENT ON VIEW public.lab_open_order IS '未作废的检验申请';" in script
    assert "-- Reader account lab_reader: SELECT on the tables and views, nothing else" in script
    assert "GRANT SELECT ON public.lab_result, public.lab_open_order TO lab_reader;" in script
    assert "ALTER ROLE lab_reader PASSWORD :'lab_reader_password';" in script
    assert "TimeZone" not in script  # the contract sets no session time zone


def test_oracle_script() -> None:
    script = render_script(lab_contract(schema_name="LIS"), "oracle", header=HEADER)
    assert "CREATE TABLE LIS.lab_result (\n  RESULT_ID VARCHAR2(20 CHAR) NOT NULL," in script
    assert "ORA-00955" in script  # no IF NOT EXISTS before 23ai: the script says what to do
    assert "CREATE OR REPLACE VIEW LIS.lab_open_order AS" in script
    assert "CAST(SUBSTR(o.order_id, 1, 20) AS VARCHAR2(20 CHAR)) AS ORDER_ID" in script
    assert "FROM LIS.lab_order o" in script
    assert 'CREATE USER lab_reader IDENTIFIED BY "&&lab_reader_password";' in script
    assert "GRANT SELECT ON LIS.lab_result TO lab_reader;" in script
    assert "GRANT SELECT ON LIS.lab_open_order TO lab_reader;" in script


def test_sqlite_script_has_no_schema_comments_or_accounts() -> None:
    script = render_script(lab_contract(schema_name="LIS"), "sqlite", header=HEADER)
    assert "CREATE TABLE IF NOT EXISTS lab_result (\n  RESULT_ID TEXT NOT NULL," in script
    assert "strftime('%Y-%m-%d %H:%M:%S', o.ordered_at) AS ORDERED_AT" in script
    assert "LIS." not in script and "COMMENT" not in script and "lab_reader" not in script


def test_reader_gets_select_on_the_objects_and_nothing_else() -> None:
    contract = lab_contract()
    pg = [s.sql for s in render_reader(contract, "postgresql", password_sql=None, exists=True)]
    assert [s for s in pg if s.startswith(("GRANT", "REVOKE"))] == [
        "REVOKE CREATE ON SCHEMA public FROM lab_reader",
        "GRANT USAGE ON SCHEMA public TO lab_reader",
        "GRANT SELECT ON public.lab_result, public.lab_open_order TO lab_reader",
    ]
    assert "ALTER ROLE lab_reader SET default_transaction_read_only = on" in pg
    assert not any("PASSWORD" in s for s in pg)  # None keeps the existing password
    secret = render_reader(contract, "oracle", password_sql='"x"', exists=False)
    assert [s.secret for s in secret if "IDENTIFIED BY" in s.sql] == [True]
    assert script_password(contract, "sqlite") is None
    assert render_reader(contract.model_copy(update={"reader": None}), "postgresql", password_sql=None, exists=None) == []


def test_retired_views_are_dropped() -> None:
    contract = lab_contract().model_copy(update={"retired_views": ("lab_old_order",)})
    pg = [s.sql for s in render_objects(contract, "postgresql")]
    assert "DROP VIEW IF EXISTS public.lab_old_order" in pg
    oracle = render_script(contract, "oracle", header=HEADER)
    assert "-- lab_old_order is disabled for this site: DROP VIEW lab_old_order" in oracle


def test_a_view_column_without_sql_for_a_dialect_is_refused_naming_it() -> None:
    view = lab_contract().object("lab_open_order")
    partial = Column(name="note", type="string(10)", description="备注", expr={"postgresql": "'x'"})
    view = view.model_copy(update={"columns": (*view.columns, partial)})
    assert "AS NOTE" in select_sql(view, "postgresql")
    with pytest.raises(ContractError, match="lab_open_order.NOTE: no expression for oracle"):
        select_sql(view, "oracle")
