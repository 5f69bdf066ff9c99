"""Reports are written as a workbook and a page with the same content, reproducibly and atomically, and the ledger
pages list and serve them."""

from __future__ import annotations

import time
from decimal import Decimal

import openpyxl
import pytest
from fastapi.testclient import TestClient

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.ops.ledger_pages import create_ledger_app
from hisbridge.reports import Column, Report, Sheet, list_reports, render_html, report_path, write_report

REPORT = Report(
    kind="hsa_daily_reconciliation", period="2026-11-24", title="医保日对账 2026-11-24",
    summary=[("对账组", 2), ("不平", 1), ("医疗费总额（HIS）", Decimal("1234.50"))],
    sheets=[Sheet("金额不符", [Column("setl_id", "结算ID"), Column("diff", "差额"), Column("todo", "处理建议")],
                  [{"setl_id": "S<1>", "diff": Decimal("-3.20"), "todo": "以平台为准核对"}], note="平台与 HIS 金额不一致"),
            Sheet("仅 HIS 有", [Column("setl_id", "结算ID")], [])],
)


def test_the_workbook_holds_the_summary_and_each_table(tmp_path) -> None:
    files = write_report(REPORT, tmp_path)
    wb = openpyxl.load_workbook(files.xlsx)
    assert wb.sheetnames == ["概要", "金额不符", "仅 HIS 有"]
    assert [c.value for c in wb["概要"][4]] == ["医疗费总额（HIS）", 1234.5]
    table = wb["金额不符"]
    assert [c.value for c in table[2]] == ["结算ID", "差额", "处理建议"]
    assert [c.value for c in table[3]] == ["S<1>", -3.2, "以平台为准核对"]


def test_the_page_escapes_values_and_says_when_a_table_is_empty(tmp_path) -> None:
    page = write_report(REPORT, tmp_path).html.read_text("utf-8")
    assert "S&lt;1&gt;" in page and "S<1>" not in page
    assert "1,234.50" in page and "金额不符（1）" in page and "仅 HIS 有（0）" in page and "无。" in page


def test_rewriting_the_same_report_gives_the_same_bytes(tmp_path) -> None:
    first = write_report(REPORT, tmp_path)
    xlsx, page = first.xlsx.read_bytes(), first.html.read_bytes()
    time.sleep(1.1)  # the zip members and the workbook's properties would carry a new second
    again = write_report(REPORT, tmp_path)
    assert again.xlsx.read_bytes() == xlsx and again.html.read_bytes() == page
    assert not [p for p in tmp_path.rglob(".*")], "no temporary file is left behind"


def test_a_kind_or_period_that_is_not_a_plain_name_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError):
        Report(kind="../etc", period="2026-11-24", title="x")
    write_report(REPORT, tmp_path)
    assert report_path("hsa_daily_reconciliation", "2026-11-24", ".html", tmp_path) is not None
    assert report_path("hsa_daily_reconciliation", "..", ".html", tmp_path) is None
    assert report_path("hsa_daily_reconciliation", "2026-11-24", ".py", tmp_path) is None


def test_reports_are_listed_newest_first(tmp_path) -> None:
    for period in ("2026-11-23", "2026-11-24"):
        write_report(Report(kind="hsa_fund_self_check", period=period, title=period), tmp_path)
    assert list_reports(tmp_path) == {"hsa_fund_self_check": ["2026-11-24", "2026-11-23"]}
    assert list_reports(tmp_path / "missing") == {}


def test_the_ledger_pages_list_and_serve_reports(tmp_path, sqlite_url) -> None:
    ledger = Ledger(make_engine(sqlite_url))
    ledger.ensure_schema()
    write_report(REPORT, tmp_path / "reports")
    http = TestClient(create_ledger_app(lambda: ledger, reports=tmp_path / "reports"))
    assert "../reports/" in http.get("/ledger/").text
    index = http.get("/reports/")
    assert index.status_code == 200 and "医保日对账" in index.text and "2026-11-24.xlsx" in index.text
    page = http.get("/reports/hsa_daily_reconciliation/2026-11-24.html")
    assert page.status_code == 200 and page.text == render_html(REPORT)
    workbook = http.get("/reports/hsa_daily_reconciliation/2026-11-24.xlsx")
    assert workbook.status_code == 200 and workbook.headers["content-type"].startswith("application/vnd.openxml")
    assert http.get("/reports/hsa_daily_reconciliation/2026-11-25.html").status_code == 404
    assert http.get("/reports/hsa_daily_reconciliation/2026-11-24.txt").status_code == 404


def test_no_reports_yet_is_said_plainly(tmp_path, sqlite_url) -> None:
    ledger = Ledger(make_engine(sqlite_url))
    http = TestClient(create_ledger_app(lambda: ledger, reports=tmp_path / "none"))
    assert "还没有报表" in http.get("/reports/").text
