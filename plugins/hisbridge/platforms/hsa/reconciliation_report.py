"""The 医保对账 reports (for 医保办 and finance): what was compared, what differs, and what to do about each
difference, in Chinese. Built only from the run's data and the platform's answers (journalled), so a re-run of
the same period writes the same bytes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hisbridge.platforms.hsa.reconciliation_detail import Finding, ScopeResult
from hisbridge.platforms.hsa.reconciliation_plan import (
    AMOUNTS,
    OUTCOME_NAMES,
    ZERO,
    GroupResult,
    ReconConfig,
    Totals,
)
from hisbridge.reports import Column, Report, Sheet

DAILY_KIND = "hsa_daily_reconciliation"
MONTHLY_KIND = "hsa_monthly_reconciliation"

_AMOUNT_TITLES = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支付"}
_GROUP = [Column("setl_optins", "结算经办机构"), Column("insutype", "险种"), Column("clr_type", "清算类别")]
_HIS_AMOUNTS = [Column(f"his_{n}", f"HIS {t}") for n, t in _AMOUNT_TITLES.items()]
_PLATFORM_AMOUNTS = [Column(f"platform_{n}", f"平台 {t}") for n, t in _AMOUNT_TITLES.items()]
_GROUP_COLUMNS = [*_GROUP, Column("count", "HIS 结算笔数"), Column("medfee_sumamt", "医疗费总额"),
                  Column("fund_pay_sumamt", "基金支付总额"), Column("acct_pay", "个人账户支付"),
                  Column("result", "对账结果"), Column("words", "平台说明"), Column("advice", "处理建议")]


def rule_text(config: ReconConfig) -> str:
    if config.refd_setl_flag == "1":
        return "含退费结算（refd_setl_flag=1：原结算与撤销产生的负数结算各计一笔，金额按正负合计）"
    return "不含退费结算（refd_setl_flag=0：只计未撤销的原结算）"


def _group_row(g: GroupResult, advice: str) -> dict[str, Any]:
    optins, insutype, clr_type = g.key
    return {"setl_optins": optins, "insutype": insutype, "clr_type": clr_type, "count": g.totals.count,
            "medfee_sumamt": g.totals.medfee_sumamt, "fund_pay_sumamt": g.totals.fund_pay_sumamt,
            "acct_pay": g.totals.acct_pay, "result": OUTCOME_NAMES[g.outcome], "words": g.words, "advice": advice}


def _group_advice(g: GroupResult, scopes: Mapping[tuple[str, str], ScopeResult], config: ReconConfig) -> str:
    if g.outcome == "refused":
        return config.advice.refused
    if g.outcome == "failed":
        return "平台暂不可达：任务将自动重试，重试后本表更新"
    if g.outcome == "balanced":
        return ""
    scope = scopes.get((g.key[0], g.key[2]))
    if scope is None or scope.outcome != "done":
        return "明细对账未完成，见“明细对账(3202)”"
    mine = [f for f in scope.findings if f.kind != "match" and (f.his is None or f.his.insutype == g.key[1])]
    return "见明细差异表（仅HIS有 / 仅平台有 / 金额或信息不一致）" if mine else config.advice.totals_only


def _amounts(prefix: str, values: Mapping[str, Decimal] | None) -> dict[str, Any]:
    return {f"{prefix}_{n}": (values[n] if values is not None else None) for n in AMOUNTS}


def _his_amounts(f: Finding) -> dict[str, Any]:
    return _amounts("his", None if f.his is None else {n: f.his.amount(n) for n in AMOUNTS})


def _finding_row(f: Finding, advice: str) -> dict[str, Any]:
    his = f.his
    return {"setl_id": f.setl_id, "mdtrt_id": f.mdtrt_id, "psn_no": f.psn_no, "setl_optins": f.scope[0],
            "clr_type": f.scope[1], "insutype": his.insutype if his else "", "setl_time": his.setl_time if his else None,
            "refd_setl_flag": f.refd_setl_flag, "msgid": f.msgid, "differences": f.differences, "memo": f.memo,
            "advice": advice, **_his_amounts(f), **_amounts("platform", f.platform)}


_SETTLEMENT = [Column("setl_id", "结算ID"), Column("mdtrt_id", "就诊ID"), Column("psn_no", "人员编号"),
               Column("setl_optins", "结算经办机构"), Column("insutype", "险种"), Column("clr_type", "清算类别")]


def _finding_sheets(findings: Sequence[Finding], config: ReconConfig) -> list[Sheet]:
    by_kind: dict[str, list[Finding]] = {"his_only": [], "platform_only": [], "differs": []}
    for f in findings:
        if f.kind in by_kind:
            by_kind[f.kind].append(f)
    a = config.advice
    return [
        Sheet("仅HIS有(中心无此结算)", [*_SETTLEMENT, Column("setl_time", "结算时间"), Column("refd_setl_flag", "退费标志"),
                                   *_HIS_AMOUNTS, Column("memo", "平台说明"), Column("advice", "处理建议")],
              [_finding_row(f, a.his_only) for f in by_kind["his_only"]],
              "HIS 有结算记录而医保平台没有（3202 结果 stmt_rslt=2）。"),
        Sheet("仅平台有(HIS无此结算)", [*_SETTLEMENT[:4], Column("clr_type", "清算类别"), Column("refd_setl_flag", "退费标志"),
                                   Column("msgid", "平台记录的报文ID"), *_PLATFORM_AMOUNTS, Column("memo", "平台说明"),
                                   Column("advice", "处理建议")],
              [_finding_row(f, a.platform_only) for f in by_kind["platform_only"]],
              "医保平台有结算记录而 HIS 没有（3202 结果 stmt_rslt=3）；险种以 5203 查询为准。"),
        Sheet("金额或信息不一致", [*_SETTLEMENT, Column("differences", "差异"), *_HIS_AMOUNTS, *_PLATFORM_AMOUNTS,
                               Column("msgid", "平台记录的报文ID"), Column("memo", "平台说明"), Column("advice", "处理建议")],
              [_finding_row(f, a.differs) for f in by_kind["differs"]],
              "双方都有但金额或信息不同（3202 结果 stmt_rslt=1）。"),
    ]


def _scope_row(s: ScopeResult) -> dict[str, Any]:
    platform = s.platform_totals() if s.outcome == "done" else None
    words = s.words or "；".join(s.problems)
    return {"setl_optins": s.scope[0], "clr_type": s.scope[1], "filename": s.filename, "count": s.totals.count,
            "medfee_sumamt": s.totals.medfee_sumamt,
            "platform_count": sum(1 for f in s.findings if f.platform is not None) if platform is not None else None,
            "platform_medfee": platform["medfee_sumamt"] if platform is not None else None,
            "match": s.count("match"), "differs": s.count("differs"), "his_only": s.count("his_only"),
            "platform_only": s.count("platform_only"),
            "result": {"done": "已比对", "refused": "平台拒绝", "failed": "未完成（平台不可达）"}[s.outcome], "words": words}


_SCOPE_COLUMNS = [Column("setl_optins", "结算经办机构"), Column("clr_type", "清算类别"), Column("filename", "上传文件"),
                  Column("count", "HIS 笔数"), Column("medfee_sumamt", "HIS 医疗费总额"),
                  Column("platform_count", "平台笔数"), Column("platform_medfee", "平台 医疗费总额"),
                  Column("match", "一致"), Column("differs", "金额或信息不一致"), Column("his_only", "仅HIS有"),
                  Column("platform_only", "仅平台有"), Column("result", "结果"), Column("words", "说明")]


@dataclass(frozen=True)
class DailyFigures:
    groups: int
    balanced: int
    unbalanced: int
    refused: int
    failed: int
    matched: int
    differs: int
    his_only: int
    platform_only: int


def daily_figures(groups: Sequence[GroupResult], scopes: Sequence[ScopeResult]) -> DailyFigures:
    def n(outcome: str) -> int:
        return sum(1 for g in groups if g.outcome == outcome)

    def k(kind: str) -> int:
        return sum(s.count(kind) for s in scopes)  # type: ignore[arg-type]

    refused = n("refused") + sum(1 for s in scopes if s.outcome == "refused")
    failed = n("failed") + sum(1 for s in scopes if s.outcome == "failed")
    return DailyFigures(len(groups), n("balanced"), n("unbalanced"), refused, failed, k("match"), k("differs"),
                        k("his_only"), k("platform_only"))


def _platform_side(groups: Sequence[GroupResult], scopes: Sequence[ScopeResult], his: Totals) -> Totals | str:
    """The platform's totals: the HIS's plus every difference the detail files showed — known only when every
    group was answered and every 不平 scope compared."""
    if any(g.outcome in ("refused", "failed") for g in groups) or any(s.outcome != "done" for s in scopes):
        return "无法推算（有对账组或明细对账被拒绝/未完成）"
    sums = {n: his.amount(n) for n in AMOUNTS}
    count = his.count
    for s in scopes:
        for f in s.findings:
            for n in AMOUNTS:
                sums[n] += (f.platform[n] if f.platform is not None else ZERO) - (f.his.amount(n) if f.his else ZERO)
            count += (f.platform is not None) - (f.his is not None)
    return Totals(count, sums["medfee_sumamt"], sums["fund_pay_sumamt"], sums["acct_pay"])


def daily_report(day: date, fixmedins_code: str, config: ReconConfig, groups: Sequence[GroupResult],
                 scopes: Sequence[ScopeResult]) -> Report:
    fig = daily_figures(groups, scopes)
    his = Totals(sum(g.totals.count for g in groups), *(sum((g.totals.amount(n) for g in groups), ZERO)
                                                         for n in AMOUNTS))
    platform = _platform_side(groups, scopes, his)
    by_scope = {s.scope: s for s in scopes}
    clean = fig.unbalanced == fig.refused == fig.failed == 0
    verdict = "全部平" if clean else ("未完成：平台暂不可达，任务将重试" if fig.failed else "有不平或被拒绝的对账组，见各表")
    summary: list[tuple[str, Any]] = [
        ("对账日期", day.isoformat()), ("定点医药机构编号", fixmedins_code), ("结论", verdict),
        ("退费结算口径", rule_text(config)), ("对账组数（3201）", fig.groups), ("平", fig.balanced),
        ("不平", fig.unbalanced), ("平台拒绝", fig.refused), ("未完成", fig.failed),
        ("明细对账范围数（3202）", len(scopes)), ("HIS 结算笔数", his.count),
        *((f"HIS {t}", his.amount(n)) for n, t in _AMOUNT_TITLES.items()),
    ]
    if isinstance(platform, Totals):
        summary += [("平台结算笔数（推算）", platform.count),
                    *((f"平台 {t}（推算）", platform.amount(n)) for n, t in _AMOUNT_TITLES.items())]
    else:
        summary.append(("平台合计", platform))
    summary += [("明细一致", fig.matched), ("金额或信息不一致", fig.differs), ("仅HIS有（中心无此结算）", fig.his_only),
                ("仅平台有（HIS无此结算）", fig.platform_only)]
    findings = [f for s in scopes for f in s.findings]
    return Report(DAILY_KIND, day.isoformat(), f"医保日对账（3201/3202）{day.isoformat()}", summary, [
        Sheet("总账对账(3201)", _GROUP_COLUMNS, [_group_row(g, _group_advice(g, by_scope, config)) for g in groups],
              "每个（结算经办机构、险种、清算类别）一组，HIS 合计发送 3201，由平台判定平/不平。"),
        Sheet("明细对账(3202)", _SCOPE_COLUMNS, [_scope_row(s) for s in scopes],
              "有不平的组时，按（结算经办机构、清算类别）上传逐笔明细文件（9101）比对（3202），下载结果文件（9102）。"),
        *_finding_sheets(findings, config),
    ])


# -- monthly ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayStatus:
    day: date
    totals: Totals
    status: str  # 平 / 不平 / 平台拒绝 / 未对账 / HIS 数据已变更
    problems: tuple[tuple[str, str, str], ...] = ()  # (group "360100/310/11", status, platform's words)


def monthly_report(month: date, fixmedins_code: str, config: ReconConfig, groups: Sequence[GroupResult],
                   days: Sequence[DayStatus]) -> Report:
    period = f"{month:%Y-%m}"
    his = Totals(sum(g.totals.count for g in groups), *(sum((g.totals.amount(n) for g in groups), ZERO)
                                                         for n in AMOUNTS))
    bad_days = [d for d in days if d.status != "平"]

    def n(outcome: str) -> int:
        return sum(1 for g in groups if g.outcome == outcome)

    verdict = "全月平，各日日对账均平" if n("balanced") == len(groups) and not bad_days else "有不平或未完成，见各表"
    summary: list[tuple[str, Any]] = [
        ("对账月份", period), ("定点医药机构编号", fixmedins_code), ("结论", verdict), ("退费结算口径", rule_text(config)),
        ("对账组数（3201，全月）", len(groups)), ("平", n("balanced")), ("不平", n("unbalanced")),
        ("平台拒绝", n("refused")), ("未完成", n("failed")), ("HIS 结算笔数", his.count),
        *((f"HIS {t}", his.amount(n_)) for n_, t in _AMOUNT_TITLES.items()),
        ("日对账非平的天数", len(bad_days)),
    ]
    day_rows = [{"day": d.day.isoformat(), "count": d.totals.count, "medfee_sumamt": d.totals.medfee_sumamt,
                 "fund_pay_sumamt": d.totals.fund_pay_sumamt, "acct_pay": d.totals.acct_pay, "status": d.status}
                for d in days]
    advice_for = {"不平": config.advice.unbalanced_day, "平台拒绝": config.advice.refused}
    problem_rows = []
    for d in bad_days:  # one line per day and status: the groups of a day that was not run at all fit in one
        for status in dict.fromkeys(p[1] for p in d.problems):
            mine = [p for p in d.problems if p[1] == status]
            problem_rows.append({"day": d.day.isoformat(), "group": "、".join(p[0] for p in mine), "status": status,
                                 "words": "；".join(p[2] for p in mine if p[2]),
                                 "advice": advice_for.get(status, config.advice.not_reconciled)})
    advice = {"refused": config.advice.refused, "unbalanced": "按“日对账非平的日期”逐日处理后重跑本月对账"}
    return Report(MONTHLY_KIND, period, f"医保月度对账（3201）{period}", summary, [
        Sheet("月度总账对账(3201)", _GROUP_COLUMNS, [_group_row(g, advice.get(g.outcome, "")) for g in groups],
              f"全月（{month:%Y-%m}-01 至月末）每个（结算经办机构、险种、清算类别）一组发送 3201。"),
        Sheet("每日HIS合计", [Column("day", "日期"), Column("count", "HIS 结算笔数"), Column("medfee_sumamt", "医疗费总额"),
                          Column("fund_pay_sumamt", "基金支付总额"), Column("acct_pay", "个人账户支付"),
                          Column("status", "日对账结果")], day_rows,
              "日对账结果取自台账（call_journal）中该日各组 3201 的应答；HIS 数据在日对账后有变化的记为“HIS 数据已变更”。"),
        Sheet("日对账非平的日期", [Column("day", "日期"), Column("group", "对账组（经办机构/险种/清算类别）"),
                            Column("status", "结果"), Column("words", "平台说明"), Column("advice", "处理建议")],
              problem_rows),
    ])
