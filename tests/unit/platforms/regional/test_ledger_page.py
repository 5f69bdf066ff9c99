"""The ledger pages' 市区卫平台 page: the daily table per data set, a gap in red, linked from the summary."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.ops.ledger_pages import create_ledger_app
from hisbridge.platforms.regional.state import AFTER_RESEND, FIRST, Figures, HealthStore

AT = datetime(2026, 11, 25, 22, 5, tzinfo=UTC)  # 2026-11-26 06:05 in Shanghai


@pytest.fixture
def ledger(sqlite_url) -> Ledger:
    made = Ledger(make_engine(sqlite_url))
    made.ensure_schema()
    return made


def _rows(html: str, title: str) -> list[list[str]]:
    section = html.split(f"<h3>{title}", 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", section)[1:]]


def test_the_page_shows_each_datasets_days_with_the_gap_in_red(ledger) -> None:
    store = HealthStore(ledger.engine)
    store.save(dataset="lab_report", day=date(2026, 11, 25), check_name=FIRST, receipt="frontdb",
               figures=Figures(59, 56, 50, 2, 4, 3, 0), at=AT)
    store.save(dataset="lab_report", day=date(2026, 11, 25), check_name=AFTER_RESEND, receipt="frontdb",
               figures=Figures(59, 58, 50, 2, 6, 1, 0), resent=2, note="仍缺：已隔离：检验报告缺少患者姓名 ×1", at=AT)
    store.save(dataset="lab_report", day=date(2026, 11, 24), check_name=FIRST, receipt="frontdb",
               figures=Figures(32, 32, 32, 0, 0, 0, 0), at=AT)
    store.save(dataset="outpatient_visit", day=date(2026, 11, 25), check_name=FIRST, receipt="frontdb",
               figures=Figures(37, 37, 37, 0, 0, 0, 0), at=AT)
    client = TestClient(create_ledger_app(lambda: ledger))
    page = client.get("/ledger/regional")
    assert page.status_code == 200
    body = page.text
    assert "市区卫平台 · 上传健康检查" in body and body.index("门急诊就诊（outpatient_visit）") < body.index("检验报告（lab_report）")
    lab = _rows(body, "检验报告")
    assert lab[0][:8] == ["2026-11-25", "59", "58", "50", "2", "6", "1（发现 3）", "2"]
    assert lab[0][8] == "2026-11-26 06:05" and "已隔离" in lab[0][9]
    assert lab[1][:8] == ["2026-11-24", "32", "32", "32", "0", "0", "0", "0"]
    assert re.search(r"<tr class='gap'><td>2026-11-25</td>", body.split("<h3>检验报告", 1)[1])
    assert "<tr class=''><td>2026-11-24</td>" in body
    assert "<tr class='gap'>" not in body.split("<h3>门急诊就诊", 1)[1].split("</table>", 1)[0]
    assert client.get("/ledger/regional?days=1").text.count("<td>2026-11-24</td>") == 0
    assert "href='regional'" in client.get("/ledger/").text


def test_the_page_says_when_nothing_was_checked_yet(ledger) -> None:
    body = TestClient(create_ledger_app(lambda: ledger)).get("/ledger/regional").text
    assert "还没有检查结果" in body
