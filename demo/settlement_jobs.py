"""The demo's 医保两定 (2) step: the nightly jobs over the demo day — daily reconciliation, the settlement-list
upload, the fund self-check and the report of items without a national code — and the month's reconciliation,
each through the same job function its DAG's ``HsaJobOperator`` runs, against the demo's simulator and ledger.

The planted cases of :class:`demo.his.insurance.InsuranceEdgeCases` are then looked up in what the jobs wrote (the
reports' pages and the journal), so the console says, case by case, whether each was caught.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

#: (job, title) in the order the nightly DAGs run them
JOBS = (
    ("hisbridge.platforms.hsa.reconciliation:daily", "日对账(3201/3202)", "hsa_daily_reconciliation"),
    ("hisbridge.platforms.hsa.settlement_list:upload", "结算清单上传(4101A)", "hsa_settlement_list"),
    ("hisbridge.platforms.hsa.self_check:run", "基金自查", "hsa_fund_self_check"),
    ("hisbridge.platforms.hsa.catalog_report:unmapped_report", "未对照项目报告", "hsa_catalog_unmapped"),
)


def settlement_jobs(his, ledger, client: Callable[[], Any], day: date, edge, reports: Path,
                    echo: Callable[[str], None]) -> dict[str, Any]:
    """Run the day's jobs and the month's reconciliation; returns their summaries, report pages and checks."""
    from hisbridge.platforms.hsa.jobs import JobContext, run_job

    def context(start: datetime, end: datetime, actor: str) -> JobContext:
        return JobContext(his=his, ledger=ledger, window=(start, end), actor=actor, client_factory=client,
                          reports=reports)

    echo("5. 医保两定夜间任务：日对账、结算清单上传、基金自查、未对照报告，以及本月对账 …")
    start = datetime.combine(day, time())
    summaries: dict[str, dict[str, Any]] = {}
    pages: dict[str, Path] = {}
    for job, title, kind in JOBS:
        summaries[kind] = run_job(job, context(start, start + timedelta(days=1), f"demo:{kind}"))
        pages[kind] = reports / kind / f"{day:%Y-%m-%d}.html"
        echo(f"   {title}: {_brief(summaries[kind])}")
    month = start.replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    summaries["hsa_monthly_reconciliation"] = run_job("hisbridge.platforms.hsa.reconciliation:monthly",
                                                      context(month, following, "demo:hsa_monthly_reconciliation"))
    pages["hsa_monthly_reconciliation"] = reports / "hsa_monthly_reconciliation" / f"{month:%Y-%m}.html"
    echo(f"   月度对账({month:%Y-%m}): {_brief(summaries['hsa_monthly_reconciliation'])}")
    checks = check_planted(edge, pages)
    return {"summaries": summaries, "pages": pages, "checks": checks}


def _brief(summary: dict[str, Any]) -> str:
    return "，".join(f"{k} {v}" for k, v in summary.items() if isinstance(v, (int, str)) and v not in (0, "0"))


#: (report kind, InsuranceEdgeCases field, what the report must show) — a planted case is caught when its id is
#: on that report's page
PLANTED = (
    ("hsa_daily_reconciliation", "recon_his_only", "对账：仅 HIS 有的结算"),
    ("hsa_daily_reconciliation", "recon_platform_only", "对账：仅平台有的结算"),
    ("hsa_daily_reconciliation", "recon_amount_diff", "对账：金额不符的结算"),
    ("hsa_settlement_list", "setl_list_no_main_diag", "结算清单：无主诊断 → 隔离"),
    ("hsa_settlement_list", "setl_list_overdue", "结算清单：超期未上传"),
    ("hsa_settlement_list", "setl_list_cancelled", "结算清单：结算已撤销 → 4102"),
    ("hsa_fund_self_check", "check_gender", "自查：限性别项目"),
    ("hsa_fund_self_check", "check_age", "自查：限年龄项目"),
    ("hsa_fund_self_check", "check_over_daily_qty", "自查：超每日限量"),
    ("hsa_fund_self_check", "check_after_discharge", "自查：出院后计费"),
    ("hsa_fund_self_check", "check_outpatient_in_stay", "自查：住院期间门诊收费"),
    ("hsa_fund_self_check", "check_indication", "自查：超限定支付范围用药"),
)


def check_planted(edge, pages: dict[str, Path]) -> list[dict[str, Any]]:
    text = {kind: path.read_text("utf-8") if path.is_file() else "" for kind, path in pages.items()}
    out = [{"case": label, "key": getattr(edge, field), "found": getattr(edge, field) in text[kind], "expect": True}
           for kind, field, label in PLANTED]
    duplicate = edge.check_once_per_day[1]
    out.append({"case": "自查：同日重复收费", "key": duplicate, "found": duplicate in text["hsa_fund_self_check"],
                "expect": True})
    for field, label in (("near_gender", "自查近似（不应报）：限女项目用于女性"),
                         ("near_daily_qty", "自查近似（不应报）：恰好等于每日限量")):
        key = getattr(edge, field)
        out.append({"case": label, "key": key, "found": key in text["hsa_fund_self_check"], "expect": False})
    # the unmapped items in the order of their use in the last 30 days
    page = text["hsa_catalog_unmapped"]
    where = [page.find(code) for code in edge.uncoded_ranking]
    out.append({"case": "未对照：按30天用量排序", "key": " > ".join(edge.uncoded_ranking),
                "found": all(p >= 0 for p in where) and where == sorted(where), "expect": True})
    return out
