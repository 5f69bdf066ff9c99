"""The 互认 page's HTML: escaped, masked, with the hooks browser tests use; decisions only where allowed."""

from __future__ import annotations

from datetime import date, datetime

from hisbridge.platforms.mutual.models import ReportSummary
from hisbridge.platforms.mutual.service.identity import Identity
from hisbridge.platforms.mutual.service.page import error_page, render
from hisbridge.platforms.mutual.service.schemas import Decision, PageReport, PageReportsAnswer
from hisbridge.platforms.mutual.service.tickets import PageContext

IDENTITY = Identity("P1", "张三丰", "1", date(1990, 1, 1), "01", "360102199001010011")
REPORT = ReportSummary(reportId="R-1", itemType="LIS", itemCode="L0001", itemName="<b>血常规</b>",
                       reportOrgCode="360000001", reportOrgName="江西省人民医院", reportNo="N1",
                       reportTime=datetime(2026, 11, 20, 9, 5), resultSummary="WBC 12.6↑", abnormal=True)


def _html(mode: str = "recognize", type: str = "lab", state: Decision | None = None) -> str:
    listing = PageReportsAnswer(status="ok", message="外院有 1 份可互认的检验报告",
                                reports=[PageReport(report=REPORT, state=state or Decision())])
    ctx = PageContext("P1", "D1", "GH1", type, mode)  # type: ignore[arg-type]
    return render(ctx, IDENTITY, listing, ticket="tkt", base="/mutual").body.decode()


def test_the_page_shows_the_masked_patient_and_escapes_what_the_platform_sent() -> None:
    html = _html()
    assert "张*丰" in html and "张三丰" not in html and "360102199001010011" not in html
    assert "<b>血常规</b>" not in html and "&lt;b&gt;血常规&lt;/b&gt;" in html
    assert "data-report-id='R-1'" in html and "data-abnormal=true" in html
    assert "2026-11-20 09:05" in html and "北京时间" in html
    assert "src='/mutual/static/mutual-page.js'" in html and "data-api='/mutual/api/v1/page'" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_the_decision_bar_lists_every_reason_and_99_asks_for_a_disease() -> None:
    html = _html()
    for code in ("01", "02", "03", "04", "05", "06", "07", "08", "98", "99"):
        assert f"<option value={code}" in html
    assert "<option value=99 data-needs-diag=true>" in html and "id=diag-name" in html
    for hook in ("btn-recognise", "btn-reject", "btn-revoke", "btn-quote", "reason-select", "reject-form"):
        assert f"id={hook}" in html


def test_view_mode_has_no_decision_bar_and_exam_pages_no_quote() -> None:
    assert "id=decision-bar" not in _html(mode="view")
    exam = _html(type="exam")
    assert "id=decision-bar" in exam and "id=btn-quote" not in exam and "检查报告" in exam


def test_the_current_decision_is_shown_in_the_list() -> None:
    html = _html(state=Decision(decision="not_recognised", decisionName="不互认", reasonName="医师认为有必要复查"))
    assert "data-decision=not_recognised" in html and "不互认：医师认为有必要复查" in html


def test_an_error_page_says_why_in_chinese() -> None:
    page = error_page("页面票据已过期：请从 HIS 重新打开互认页面", 403)
    assert page.status_code == 403 and "页面票据已过期" in page.body.decode()
