"""The 对账 reports from made-up outcomes: the summary adds up (the platform's totals are the HIS's plus the
differences, and unknown when a group was refused), every difference gets its advice, and the month's table
folds a day's groups into one line per status."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hisbridge.platforms.hsa.reconciliation_detail import Finding, ScopeResult
from hisbridge.platforms.hsa.reconciliation_plan import GroupResult, HisSettlement, Totals, load_config
from hisbridge.platforms.hsa.reconciliation_report import DayStatus, daily_report, monthly_report
from hisbridge.reports import render_html, workbook_bytes

DAY = date(2026, 11, 24)
CONFIG = load_config()


def his(setl_id: str, medfee: str) -> HisSettlement:
    m = Decimal(medfee)
    return HisSettlement(setl_id, f"MD{setl_id}", "360100000000000001", "310", "11", "360100",
                         datetime(2026, 11, 24, 9), m, m / 2, Decimal(0), m / 2, "0", "normal")


def amounts(medfee: str) -> dict[str, Decimal]:
    m = Decimal(medfee)
    return {"medfee_sumamt": m, "fund_pay_sumamt": m / 2, "acct_pay": Decimal(0)}


def finding(kind, setl_id: str, h: HisSettlement | None, p: dict | None) -> Finding:
    return Finding(kind, ("360100", "11"), setl_id, f"MD{setl_id}", "360100000000000001", h, p, "0", "", "", "")


def _summary(report) -> dict:
    return dict(report.summary)


def test_daily_summary_infers_the_platform_side_from_the_differences() -> None:
    a, b = his("A", "100.00"), his("B", "40.00")
    group = GroupResult(("360100", "310", "11"), Totals.of([a, b]), "unbalanced", "不平")
    scope = ScopeResult(("360100", "11"), Totals.of([a, b]), "done", filename="f.zip", findings=(
        finding("match", "A", a, amounts("100.00")), finding("his_only", "B", b, None),
        finding("platform_only", "C", None, amounts("25.00"))))
    report = daily_report(DAY, "H36010000001", CONFIG, [group], [scope])
    s = _summary(report)
    assert s["HIS 结算笔数"] == 2 and s["HIS 医疗费总额"] == Decimal("140.00")
    assert s["平台结算笔数（推算）"] == 2 and s["平台 医疗费总额（推算）"] == Decimal("125.00")
    assert (s["仅HIS有（中心无此结算）"], s["仅平台有（HIS无此结算）"], s["明细一致"]) == (1, 1, 1)
    sheets = {sh.title: sh for sh in report.sheets}
    assert [r["advice"] for r in sheets["仅HIS有(中心无此结算)"].rows] == [CONFIG.advice.his_only]
    assert [r["advice"] for r in sheets["仅平台有(HIS无此结算)"].rows] == [CONFIG.advice.platform_only]
    assert sheets["总账对账(3201)"].rows[0]["advice"].startswith("见明细差异表")
    assert workbook_bytes(report) == workbook_bytes(report) and "H36010000001" in render_html(report)


def test_a_refused_group_leaves_the_platform_side_unknown_and_gets_its_advice() -> None:
    groups = [GroupResult(("360100", "310", "11"), Totals(), "balanced", "平"),
              GroupResult(("360100", "390", "11"), Totals(), "refused", "该险种本期已清算")]
    report = daily_report(DAY, "H36010000001", CONFIG, groups, [])
    s = _summary(report)
    assert s["平台拒绝"] == 1 and s["平台合计"].startswith("无法推算")
    rows = report.sheets[0].rows
    assert rows[1]["result"] == "平台拒绝" and rows[1]["advice"] == CONFIG.advice.refused


def test_unbalanced_totals_with_every_line_matching_point_at_the_counting_rule() -> None:
    a = his("A", "100.00")
    group = GroupResult(("360100", "310", "11"), Totals.of([a]), "unbalanced", "不平：结算笔数")
    scope = ScopeResult(("360100", "11"), Totals.of([a]), "done", findings=(finding("match", "A", a, amounts("100")),))
    report = daily_report(DAY, "H36010000001", CONFIG, [group], [scope])
    assert report.sheets[0].rows[0]["advice"] == CONFIG.advice.totals_only


def test_monthly_lists_each_bad_day_once_per_status() -> None:
    days = [DayStatus(date(2026, 11, 1), Totals(), "未对账", (("360100/310/11", "未对账", ""),
                                                           ("360100/390/11", "未对账", ""))),
            DayStatus(date(2026, 11, 2), Totals(), "平"),
            DayStatus(date(2026, 11, 3), Totals(), "不平", (("360100/310/11", "不平", "不平：笔数"),
                                                         ("360100/390/11", "未对账", "")))]
    report = monthly_report(date(2026, 11, 1), "H36010000001", CONFIG, [], days)
    assert report.period == "2026-11" and _summary(report)["日对账非平的天数"] == 2
    bad = report.sheets[2].rows
    assert [(r["day"], r["group"], r["status"]) for r in bad] == [
        ("2026-11-01", "360100/310/11、360100/390/11", "未对账"), ("2026-11-03", "360100/310/11", "不平"),
        ("2026-11-03", "360100/390/11", "未对账")]
    assert bad[1]["advice"] == CONFIG.advice.unbalanced_day and bad[1]["words"] == "不平：笔数"
