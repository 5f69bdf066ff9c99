"""``demo/regional_demo.py`` as ``make demo`` runs it (SQLite, no PostgreSQL): the planted gap is found, closed by
re-sending, and the second check finds none; the ledger page then shows the day without a gap."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from demo.his.emr import generate_emr
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from demo.his.schema import create_schema
from demo.regional_demo import PLANTED_FAULTS, regional_step
from hisbridge.db import make_engine, sqlite_url
from hisbridge.ledger.store import Ledger
from hisbridge.ops.ledger_pages import create_ledger_app

DAY = date(2026, 11, 24)


def test_regional_step_finds_and_closes_the_planted_gap(tmp_path) -> None:
    his = make_engine(sqlite_url(str(tmp_path / "his.db")))
    create_schema(his)
    generate(his, DAY, 120, seed=42)
    generate_insurance(his, DAY, seed=42)
    generate_emr(his, DAY, seed=42)
    ledger = Ledger(make_engine(sqlite_url(str(tmp_path / "ledger.db"))))
    ledger.ensure_schema()
    lines: list[str] = []
    result = regional_step(his, ledger, tmp_path, DAY, echo=lines.append)
    assert {n: m for n, m in result["found"].items() if m} == {"prescription": 2, "lab_report": 3}
    assert result["resent"] == result["found"]
    assert set(result["remaining"].values()) == {0}
    assert len(result["failed"]["outpatient_visit"]) == PLANTED_FAULTS
    assert result["acknowledged"]["lab_report"] == result["uploaded"]["lab_report"]
    assert result["acknowledged"]["outpatient_visit"] == result["uploaded"]["outpatient_visit"] - PLANTED_FAULTS
    console = "\n".join(lines)
    assert "检验报告：HIS 59 · 前置库 56" in console and "已补传 3 条，仍缺 0" in console
    assert "再次检查：缺口 0 条" in console
    page = TestClient(create_ledger_app(lambda: ledger)).get("/ledger/regional").text
    assert "<td>2026-11-24</td>" in page and "<tr class='gap'>" not in page
