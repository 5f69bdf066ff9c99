"""The HIS-side tables of quoted reports: DDL for Oracle and PostgreSQL, and writes that never duplicate."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from hisbridge.db import make_engine
from hisbridge.platforms.mutual.service import quote_tables as q


@pytest.mark.parametrize("dialect", ["oracle", "postgresql"])
def test_the_script_creates_both_tables_and_comments_every_column(dialect) -> None:
    script = q.render_script(dialect)
    for table in q.TABLES:
        assert f"CREATE TABLE {'IF NOT EXISTS ' if dialect == 'postgresql' else ''}{table.name} (" in script
        assert f"COMMENT ON TABLE {table.name} IS '" in script
        for column in table.columns:
            assert f"COMMENT ON COLUMN {table.name}.{column.name} IS '" in script
    if dialect == "oracle":
        assert "CLOB" in script and "VARCHAR2(36 CHAR)" in script and "IF NOT EXISTS" not in script


def test_identifiers_fit_oracle() -> None:
    names = [t.name for t in q.TABLES] + [c.name for t in q.TABLES for c in t.columns]
    names += [c.name for t in q.TABLES for c in t.constraints if c.name]
    assert all(len(n) <= 30 and re.fullmatch(r"[a-z_]+", n) for n in names), names


def test_a_schema_qualifies_every_statement() -> None:
    script = q.render_script("postgresql", schema="emr")
    assert "CREATE TABLE IF NOT EXISTS emr.mutual_quoted_report" in script
    assert "REFERENCES emr.mutual_quoted_report" in script


def _quote(quote_id: str, visit: str = "GH1", report: str = "R1") -> q.QuotedReport:
    return q.QuotedReport(quote_id=quote_id, patient_id="P1", visit_id=visit, report_id=report, item_type="LIS",
                          report_org_code="360000001", doctor_id="D1", quoted_at=datetime(2026, 11, 24, 9, 30),
                          result_summary="x" * 2000,
                          lines=[q.QuotedLine("item", item_code="WBC", result_value="6.1"),
                                 q.QuotedLine("bacteria", bacteria_name="肺炎克雷伯菌", result_value="检出")])


def test_a_report_is_quoted_once_per_visit(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    q.install(engine)
    assert q.write_quote(engine, _quote("Q1")) == ("Q1", True)
    assert q.write_quote(engine, _quote("Q2")) == ("Q1", False), "same visit and report: the first quote stands"
    assert q.write_quote(engine, _quote("Q3", visit="GH2")) == ("Q3", True)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(q.quoted_report)).scalar() == 2
        assert conn.execute(select(func.count()).select_from(q.quoted_result)).scalar() == 4
        summary = conn.execute(select(q.quoted_report.c.result_summary)).scalars().first()
    assert len(summary) == 1000, "cut to the column, not refused"
