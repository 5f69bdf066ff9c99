"""What a task log says first and last: a Chinese summary an operator reads without scrolling.

A feed task is green when records wait in quarantine or were refused by the platform (they never fail the
task: resending cannot help until someone fixes the data). Before this module the only trace of that was an
English dict on the task log's last line, below ~200 lines of library noise. Now every feed task logs:

* first, what it is about to do: the feed, its Chinese title and the data window in Asia/Shanghai time;
* last, the counts in Chinese (抽取 / 已确认 / 平台拒收 / 隔离 / 结果未知 / 跳过 …) — and, as a WARNING line,
  ``N 条隔离、M 条被拒，见 <URL of the ledger's failures page>`` whenever either is non-zero, plus a WARNING for
  records whose outcome is unknown and for a halted run.

Every other hisbridge task ends the same way (one mechanism, not one per operator): a ``汇总：`` INFO line saying
what it did — counts, the day or window, the outcome — then one WARNING line per thing that needs a person (a
reconciliation difference, a gap still open, records refused, a backup that failed its check …), each saying
where to look or what to run. The builders read the task's own XCom summary (plus what the operator knows: the
window, a title), so the log and XCom never disagree; the operators hand the lines to :func:`emit`.

Plain functions returning ``(level, text)`` lines, so they are tested without Airflow; the operators log them.
Counts and reasons only, never a record's values (the reasons are the pipeline's own texts, masked anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote, urlencode

DEFAULT_BASE_URL = "http://localhost:8080"  # Airflow's own fallback for [api] base_url in task-instance links
FAILURES_PATH = "/hisbridge/ledger/failures"
REPORTS_PATH = "/hisbridge/reports"
LEDGER_PATH = "/hisbridge/ledger/"
REGIONAL_PATH = "/hisbridge/ledger/regional"
TOP_REASONS = 3
REQUEUE_HINT = "修正后在该页或用 python -m hisbridge ledger requeue 重新排队"

Line = tuple[int, str]


class _Logger(Protocol):
    def log(self, level: int, msg: str) -> Any: ...


def emit(log: _Logger, lines: Iterable[Line]) -> None:
    """Log the lines at their levels (``self.log`` of an operator): the last thing a task logs, so the summary
    closes its log. A text is never a format string with arguments: a ``%`` in it is printed as it is."""
    for level, text in lines:
        log.log(level, text)


def base_url() -> str:
    """The Airflow UI's address as ops open it: ``[api] base_url`` (``AIRFLOW__API__BASE_URL``), else localhost."""
    try:
        from airflow.sdk import conf

        configured = conf.get("api", "base_url", fallback=None)
    except Exception:  # noqa: BLE001 - outside Airflow (CLI, demo): the local default
        configured = None
    return (configured or DEFAULT_BASE_URL).rstrip("/")


def _base(base: str | None) -> str:
    return base if base is not None else base_url()


def failures_url(feed: str, states: tuple[str, ...] = ("quarantined", "rejected"), base: str | None = None) -> str:
    """The ledger page listing the feed's records in ``states`` (the page reads repeated ``state`` params)."""
    query = urlencode([("feed", feed), *(("state", s) for s in states)])
    return f"{_base(base)}{FAILURES_PATH}?{query}"


def report_url(kind: str, period: str, base: str | None = None) -> str:
    """The report's page as the ledger pages serve it (``/hisbridge/reports/<kind>/<period>.html``)."""
    return f"{_base(base)}{REPORTS_PATH}/{quote(kind)}/{quote(period)}.html"


def window_text(start: datetime | str, end: datetime | str) -> str:
    """``2026-11-24 10:10–10:15（北京时间）``, ``2026-11-24 00:00–24:00（北京时间）`` for a day; naive times are the
    HIS's Asia/Shanghai wall clock, aware ones (Airflow's UTC bounds) are converted."""
    a, b = (_naive(t) for t in (start, end))
    if a.date() == b.date():
        return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}（北京时间）"
    if b == datetime.combine(a.date(), datetime.min.time()) + timedelta(days=1):  # up to midnight: one day's end
        return f"{a:%Y-%m-%d %H:%M}–24:00（北京时间）"
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M}（北京时间）"


def moment_text(moment: datetime | str) -> str:
    """``2026-11-24 10:15（北京时间）``."""
    return f"{_naive(moment):%Y-%m-%d %H:%M}（北京时间）"


def counts_text(pairs: Iterable[tuple[str, Any]]) -> str:
    """``已确认 10、隔离 2`` — label and count, in the order given."""
    return "、".join(f"{label} {value}" for label, value in pairs)


def headline(what: str, scope: str, body: str) -> Line:
    """The summary's first line: ``汇总：<what> <scope>：<body>`` (scope: the day, window or month; may be empty)."""
    return logging.INFO, f"汇总：{what}{f' {scope}' if scope else ''}：{body}"


def attention(text: str) -> Line:
    """Something a person has to look at (the task may still be green): a WARNING line."""
    return logging.WARNING, text


# -- feeds --------------------------------------------------------------------------------------------------------
def feed_start_line(feed: str, title: str, start: datetime, end: datetime, mode: str) -> Line:
    return logging.INFO, f"开始：{title}（{feed}），数据窗口 {window_text(start, end)}，发送方式 {_MODE.get(mode, mode)}"


def feed_summary_lines(summary: Mapping[str, Any], title: str, base: str | None = None) -> list[Line]:
    """The end of a feed task's log: counts, then a WARNING per thing that needs a person (none when clean)."""
    feed = str(summary["feed"])
    n = {key: int(summary.get(key) or 0) for key in _COUNTS}
    counts = "、".join(f"{label} {n[key]}" for key, label in _COUNTS.items() if key != "selected")
    seconds = float(summary.get("seconds") or 0)
    lines: list[Line] = [(logging.INFO, (
        f"汇总：{title}（{feed}）窗口 {window_text(summary['window_start'], summary['window_end'])}："
        f"抽取 {n['selected']} 条 — {counts}；报文 {int(summary.get('messages') or 0)} 条，用时 {seconds:.1f} 秒"))]
    return lines + delivery_warnings(feed, summary, base=base)


def delivery_warnings(feed: str, counts: Mapping[str, Any], subject: str = "", base: str | None = None) -> list[Line]:
    """What needs a person after records of ``feed`` were delivered: quarantined or refused records (with the
    failures page and the top reasons), unknown outcomes, a halted run. ``subject`` names the feed in a task that
    delivers several (``挂号（city_brain_push_registered）``)."""
    n = {key: int(counts.get(key) or 0) for key in ("quarantined", "rejected", "unknown")}
    about = f"{subject}：" if subject else ""
    lines: list[Line] = []
    if n["quarantined"] or n["rejected"]:
        lines.append(attention(
            f"任务成功，但{about}有记录未送达：{n['quarantined']} 条隔离、{n['rejected']} 条被拒，见 "
            f"{failures_url(feed, base=base)} （{REQUEUE_HINT}）"))
    if n["unknown"]:
        lines.append(attention(
            f"{about}{n['unknown']} 条结果未知（已发出，平台是否收到尚不确定）：下次运行或重试时先向平台核实，不会盲目重发；"
            f"见 {failures_url(feed, ('unknown',), base=base)}"))
    if counts.get("halted"):
        lines.append(attention(f"{about}本次运行中途停止：{counts['halted']}"))
    reasons = counts.get("reasons") or {}
    if reasons and (n["quarantined"] or n["rejected"]):
        top = sorted(reasons.items(), key=lambda kv: -kv[1])[:TOP_REASONS]
        lines.append(attention(f"{about}主要原因：" + "；".join(f"{why} × {count}" for why, count in top)))
    return lines


def quality_start_line(feed: str, title: str, start: datetime, end: datetime) -> Line:
    return logging.INFO, f"开始：数据质量检查 {title}（{feed}），数据窗口 {window_text(start, end)}"


def quality_summary_lines(result: Any) -> list[Line]:
    """The end of a data-quality task's log (``result``: a :class:`hisbridge.quality.QualityResult`)."""
    failed = result.failed
    head = (f"汇总：数据质量 {result.title}（{result.feed}）窗口 {window_text(result.window_start, result.window_end)}："
            f"记录 {result.records} 条，已检查 {result.rows_checked} 条，代码未对照 {result.unmapped} 条；"
            f"检查项 {len(result.expectations)} 个，不合格 {len(failed)} 个")
    lines: list[Line] = [(logging.INFO, head)]
    if failed:
        lines.append((logging.WARNING, "任务成功，但有检查项不合格：" + "；".join(
            f"{e.reason} {e.unexpected}/{e.checked} 条" for e in failed)))
    lines.append((logging.INFO, f"结果文件 {result.results_path}；Data Docs 报告 {result.docs_index}"))
    return lines


# -- 医保 ------------------------------------------------------------------------------------------------------------
def sign_out_lines(day: Any, counts: Mapping[str, int]) -> list[Line]:
    """HsaSignOutOperator: 9002 for the open sign-ins of ``day`` and earlier."""
    scope = f"{day} 及之前的签到"
    if not any(counts.values()):
        return [headline("医保签退", scope, "没有未签退的签到")]
    return [headline("医保签退", scope, counts_text((
        ("已签退", counts.get("signed_out", 0)), ("平台侧已结束(已关闭)", counts.get("refused", 0)),
        ("签退时被任务续签(保持打开)", counts.get("superseded", 0)))))]


def sign_out_failed_lines(day: Any, error: BaseException) -> list[Line]:
    return [attention(f"医保签退 {day} 未完成：{type(error).__name__}；未签退的签到保持打开，任务重试时再签退")]


def hsa_job_lines(job: str, summary: Mapping[str, Any], window: tuple[datetime, datetime],
                  base: str | None = None) -> list[Line]:
    """HsaJobOperator: the job's own summary when it is one of ours, else its counts as they are."""
    builder = _JOBS.get(job)
    if builder is None:
        return [headline(f"医保作业 {job}", window_text(*window), counts_text(summary.items()) or "完成")]
    return builder(summary, window, base)


def hsa_job_failed_lines(job: str, reason: str) -> list[Line]:
    """A job that stopped (platform unreachable, a rule that cannot run): said before the traceback."""
    title = _JOB_TITLES.get(job, f"医保作业 {job} ")
    return [attention(f"{title}未完成：{reason}")]


def _present(s: Mapping[str, Any], labels: Sequence[tuple[str, str]]) -> list[tuple[str, Any]]:
    """``(label, count)`` of each key of ``s`` with a count, in ``labels``' order."""
    return [(label, s[key]) for key, label in labels if s.get(key)]


def _daily_reconciliation(s: Mapping[str, Any], window: tuple[datetime, datetime], base: str | None) -> list[Line]:
    day = str(s["day"])
    url = report_url("hsa_daily_reconciliation", day, base)
    lines = [headline("医保日对账", day, (
        f"结算 {s.get('settlements', 0)} 笔，对账组 {s.get('groups', 0)} 个 — "
        + counts_text((("平", s.get("balanced", 0)), ("不平", s.get("unbalanced", 0)), ("平台拒绝", s.get("refused", 0))))
        + f"；明细对账 {s.get('detail_scopes', 0)} 组 — "
        + counts_text((("一致", s.get("matched", 0)), ("仅HIS有", s.get("his_only", 0)),
                       ("仅平台有", s.get("platform_only", 0)), ("金额不符", s.get("amount_diff", 0))))
        + f"；报表 {url}"))]
    differences = _present(s, (("unbalanced", "不平的对账组"), ("refused", "平台拒绝的对账组"),
                               ("his_only", "仅HIS有的结算"), ("platform_only", "仅平台有的结算"),
                               ("amount_diff", "金额不符的结算")))
    if differences:
        lines.append(attention(f"任务成功，但对账有差异需要处理：{counts_text(differences)}；逐笔差异和处理办法见报表 {url}"))
    return lines


def _monthly_reconciliation(s: Mapping[str, Any], window: tuple[datetime, datetime],
                            base: str | None) -> list[Line]:
    month = str(s["month"])
    url = report_url("hsa_monthly_reconciliation", month, base)
    lines = [headline("医保月度对账", month, (
        f"结算 {s.get('settlements', 0)} 笔，对账组 {s.get('groups', 0)} 个 — "
        + counts_text((("平", s.get("balanced", 0)), ("不平", s.get("unbalanced", 0)), ("平台拒绝", s.get("refused", 0))))
        + f"；{s.get('days', 0)} 天中日对账未平 {s.get('days_not_balanced', 0)} 天（不平、被拒、HIS 数据已变更或未对账）；"
        f"报表 {url}"))]
    differences = _present(s, (("unbalanced", "不平的对账组"), ("refused", "平台拒绝的对账组"),
                               ("days_not_balanced", "日对账未平的天数")))
    if differences:
        lines.append(attention(f"任务成功，但月度对账有差异需要处理：{counts_text(differences)}；见报表 {url}"))
    return lines


def _self_check(s: Mapping[str, Any], window: tuple[datetime, datetime], base: str | None) -> list[Line]:
    period = str(s["window"])
    url = report_url("hsa_fund_self_check", period, base)
    findings = {rule: int(n) for rule, n in (s.get("findings") or {}).items()}
    total = sum(findings.values())
    lines = [headline("医保基金自查", window_text(*window), (
        f"费用明细 {s.get('fee_lines', 0)} 行、结算 {s.get('settlements', 0)} 笔，规则 {len(findings)} 条；"
        f"疑点 {total} 条，涉及金额 {s.get('amount_at_risk', 0)} 元；报表 {url}"))]
    if total:
        titles = _self_check_titles()
        found = "；".join(f"{titles.get(rule, rule)} {n} 条" for rule, n in findings.items() if n)
        lines.append(attention(f"任务成功，但自查发现疑点 {total} 条（涉及金额 {s.get('amount_at_risk', 0)} 元），"
                               f"请医保办逐条核查：{found}；明细见报表 {url}"))
    return lines


def _settlement_list(s: Mapping[str, Any], window: tuple[datetime, datetime], base: str | None) -> list[Line]:
    day = f"{_naive(window[0]):%Y-%m-%d}"
    url = report_url("hsa_settlement_list", day, base)
    lines = [headline("医保结算清单上传", window_text(*window), (
        f"待处理结算 {s.get('selected', 0)} 笔 — "
        + counts_text((("已上传", s.get("uploaded", 0)), ("隔离", s.get("quarantined", 0)),
                       ("平台拒收", s.get("refused", 0)), ("逾期", s.get("overdue", 0)),
                       ("状态变更(4102)", s.get("status_changes", 0)), ("待下次处理", s.get("pending", 0))))
        + f"；报表 {url}"))]
    problems = _present(s, (("quarantined", "隔离(数据不全)"), ("refused", "平台拒收"), ("overdue", "逾期未上传")))
    if problems:
        lines.append(attention(f"任务成功，但有结算清单未上传：{counts_text(problems)}（份）；"
                               f"原因和处理办法见报表 {url}，修改 HIS 数据后下次运行自动上传"))
    return lines


def _catalog_unmapped(s: Mapping[str, Any], window: tuple[datetime, datetime], base: str | None) -> list[Line]:
    period = str(s["period"])
    url = report_url("hsa_catalog_unmapped", period, base)
    lines = [headline("医保目录未对照项目", period, (
        f"未对照 {s.get('unmapped', 0)} 项（"
        + counts_text((("药品", s.get("drugs", 0)), ("医疗服务项目", s.get("items", 0)), ("医用耗材", s.get("materials", 0))))
        + f"），其中近30天使用过 {s.get('used', 0)} 项；报表 {url}"))]
    if s.get("used"):
        lines.append(attention(f"任务成功，但有 {s['used']} 项近30天使用过的项目未对照医保目录（其费用和追溯码上传会被拒收或隔离）："
                               f"请在 HIS 中维护对照，目录对照任务会上传；清单见 {url}"))
    return lines


def _self_check_titles() -> dict[str, str]:
    """Rule id → its Chinese title, from the self-check YAML (a plain file read; ids when it cannot be read)."""
    try:
        import yaml

        from hisbridge import MAPPINGS_DIR

        data = yaml.safe_load((MAPPINGS_DIR / "hsa_fund_self_check.yaml").read_text(encoding="utf-8")) or {}
        return {str(r["id"]): str(r.get("title") or r["id"]) for r in data.get("rules") or []}
    except Exception:  # noqa: BLE001 - a title is a nicety; the ids are still right
        return {}


_JobLines = Callable[[Mapping[str, Any], tuple[datetime, datetime], str | None], list[Line]]
#: the 医保 jobs of the DAG files, by the name HsaJobOperator is given — data, not an ``if job == …`` chain
_JOBS: dict[str, _JobLines] = {
    "hisbridge.platforms.hsa.reconciliation:daily": _daily_reconciliation,
    "hisbridge.platforms.hsa.reconciliation:monthly": _monthly_reconciliation,
    "hisbridge.platforms.hsa.self_check:run": _self_check,
    "hisbridge.platforms.hsa.settlement_list:upload": _settlement_list,
    "hisbridge.platforms.hsa.catalog_report:unmapped_report": _catalog_unmapped,
}
_JOB_TITLES = {
    "hisbridge.platforms.hsa.reconciliation:daily": "医保日对账",
    "hisbridge.platforms.hsa.reconciliation:monthly": "医保月度对账",
    "hisbridge.platforms.hsa.self_check:run": "医保基金自查",
    "hisbridge.platforms.hsa.settlement_list:upload": "医保结算清单上传",
    "hisbridge.platforms.hsa.catalog_report:unmapped_report": "医保目录未对照项目报告",
}


# -- pushes, syncs, exports, checks of the other platforms ---------------------------------------------------------
def city_brain_push_lines(summary: Mapping[str, Any], titles: Mapping[str, str],
                          base: str | None = None) -> list[Line]:
    """CityBrainPushOperator: the window's totals over its feeds, then what needs a person, feed by feed."""
    feeds: Mapping[str, Mapping[str, Any]] = summary.get("feeds") or {}
    total = {key: sum(int(c.get(key) or 0) for c in feeds.values()) for key in _COUNTS}
    slices = int(summary.get("slices") or 0)
    body = (f"{len(feeds)} 类事件，抽取 {total['selected']} 条 — "
            + counts_text((label, total[key]) for key, label in _COUNTS.items() if key != "selected")
            + f"；报文 {sum(int(c.get('messages') or 0) for c in feeds.values())} 条"
            + (f"，窗口内同一就诊事件交错，分 {slices} 段按就诊顺序推送" if slices > 1 else ""))
    lines = [headline("城市大脑推送", f"窗口 {window_text(summary['window_start'], summary['window_end'])}", body)]
    for feed, counts in feeds.items():
        lines += delivery_warnings(feed, counts, f"{titles.get(feed, feed)}（{feed}）", base)
    return lines


def dictionary_sync_lines(title: str, name: str, dry_run: bool, counts: Mapping[str, Any]) -> list[Line]:
    """DictionarySyncOperator: one dictionary, main campus → 九龙湖 campus."""
    body = (counts_text((("选取", counts.get("selected", 0)), ("新增", counts.get("inserted", 0)),
                         ("更新", counts.get("updated", 0)), ("停用", counts.get("deactivated", 0)),
                         ("未变", counts.get("unchanged", 0)), ("冲突", counts.get("conflicts", 0)),
                         ("隔离", counts.get("quarantined", 0))))
            + f"；写入院区 {counts.get('campus_rows_written', 0)} 行")
    lines = [headline("九龙湖字典同步", f"{title}（{name}）{'［试运行，未写入］' if dry_run else ''}", body)]
    if counts.get("conflicts"):
        lines.append(attention(f"任务成功，但{title}有 {counts['conflicts']} 行冲突未覆盖（院区侧自上次同步后修改过）："
                               "用 python -m hisbridge jiulonghu conflicts 查看两边的版本，商定后处理（台账 dict_sync_conflict）"))
    if counts.get("quarantined"):
        lines.append(attention(f"任务成功，但{title}有 {counts['quarantined']} 行隔离未同步（原因见上，多为院区代码未对照）："
                               "补充 include/mappings/jiulonghu_codes.yaml 的对照或修正 HIS 数据后，下次同步写入"))
    return lines


def export_lines(title: str, day: Any, rows: int, folder: Any, files: Sequence[str]) -> list[Line]:
    """JiulonghuExportOperator: one export of one day."""
    return [headline("九龙湖导出", f"{title} {day}", f"{rows} 行，{len(files)} 个文件（{'、'.join(files)}），目录 {folder}")]


def mutual_unmapped_lines(summary: Mapping[str, Any], base: str | None = None) -> list[Line]:
    """UnmappedItemsOperator: the 互认项目未对照清单 of the window's end."""
    period = str(summary["period"])
    url = report_url("mutual_unmapped_items", period, base)
    lines = [headline("互认项目未对照清单", period, (
        f"未对照 {summary.get('unmapped', 0)} 项（"
        + counts_text((("检验组合", summary.get("lab_panel", 0)), ("检验项目", summary.get("lab_item", 0)),
                       ("检查项目", summary.get("exam_item", 0))))
        + f"），其中近30天有报告 {summary.get('used', 0)} 项；因代码未对照隔离的记录 {summary.get('quarantined', 0)} 条；"
        f"清单 {url}"))]
    if summary.get("used") or summary.get("quarantined"):
        lines.append(attention(f"任务成功，但有项目未对照互认平台代码：近30天有报告的 {summary.get('used', 0)} 项，"
                               f"其报告被隔离 {summary.get('quarantined', 0)} 条；按清单在 mutual_items.yaml 中补齐对照，见 {url}"))
    if summary.get("awaiting_requeue"):
        lines.append(attention(f"{summary['awaiting_requeue']} 条隔离记录的项目已对照，等待重新排队："
                               "python -m hisbridge ledger requeue（清单中有命令），之后清除该窗口的任务"))
    return lines


def regional_health_lines(dataset: str, title: str, summary: Mapping[str, Any], base: str | None = None) -> list[Line]:
    """RegionalHealthOperator: one data set, the run's day and the days before it."""
    days: Sequence[Mapping[str, Any]] = summary.get("days") or []
    final = [d.get("after_resend") or d.get("first") or {} for d in days]
    total = {key: sum(int(f.get(key) or 0) for f in final)
             for key in ("his_count", "uploaded", "acknowledged", "failed", "waiting")}
    span = f"{days[0]['day']} 至 {days[-1]['day']}" if len(days) > 1 else (days[0]["day"] if days else "")  # oldest first
    gap_days, open_days = list(summary.get("gap_days") or []), list(summary.get("open_gap_days") or [])
    body = (f"核对 {len(days)} 天 — "
            + counts_text((("HIS", total["his_count"]), ("前置库", total["uploaded"]), ("已上传", total["acknowledged"]),
                           ("失败", total["failed"]), ("待上传", total["waiting"])))
            + f"（条）；有缺口 {len(gap_days)} 天，补传 {sum(int(d.get('resent') or 0) for d in days)} 条，"
            f"仍有缺口 {len(open_days)} 天")
    lines = [headline(f"市区卫平台上传核对 {title}（{dataset}）", span, body)]
    page = f"{_base(base)}{REGIONAL_PATH}"
    if open_days:
        lines.append(attention(f"任务成功，但{title}仍有缺口：{'、'.join(sorted(open_days))}（补传后仍缺，原因见上方告警），"
                               f"见 {page}"))
    if total["failed"]:
        lines.append(attention(f"{title}有 {total['failed']} 条被平台拒收（失败），不会自动重发：更正数据或重新排队后下次检查补传，见 "
                               f"{failures_url(f'regional_{dataset}', ('rejected',), base=base)}"))
    stale = [a for a in summary.get("alerts") or [] if "平台尚未取走" in a]
    if stale:
        lines.append(attention(f"{title}有数据超过宽限期仍未被平台取走：检查市区卫平台的抽取任务，见 {page}"))
    return lines


def queue_check_lines(report: Any) -> list[Line]:
    """QueueViewsCheckOperator (``report``: a :class:`hisbridge.contracts.findings.CheckReport`)."""
    verdict = "通过" if report.passed else "不通过"
    lines = [headline(f"{report.title}检查", f"{report.dialect}，站点 {report.site or '默认'}",
                      f"{verdict}（错误 {len(report.errors)}，警告 {len(report.warnings)}，已检查 {len(report.notes)} 项）")]
    if not report.passed:
        lines.append(attention(f"{report.title}不符合契约：{'；'.join(str(f) for f in report.errors[:5])}"
                               "——须由 HIS 方修正视图或授权（python -m hisbridge queue-views check 复查）"))
    elif report.warnings:
        lines.append(attention(f"任务成功，但有警告：{'；'.join(str(f) for f in report.warnings[:5])}"))
    return lines


def record_resend_lines(counts: Mapping[str, int], stuck_outcomes: Sequence[str]) -> list[Line]:
    """RecordResendOperator: the 互认 behaviour records sent again from the outbox."""
    if not counts:
        return [headline("互认行为记录补传", "", "没有待补传的记录")]
    names = {"acknowledged": "已确认", "rejected": "平台拒收", "not_sent": "未发出", "unknown": "结果未知",
             "busy": "平台繁忙", "failed": "失败", "misconfigured": "认证失败"}
    lines = [headline("互认行为记录补传", "", counts_text((names.get(k, k), v) for k, v in counts.items()) + "（条）")]
    if counts.get("rejected"):
        lines.append(attention(f"任务成功，但 {counts['rejected']} 条记录被平台拒收，不再补传，需人工核查：平台给出的原因记在台账"
                               " call_journal 表（platform=mutual、outcome=rejected）"))
    stuck = sum(counts.get(k, 0) for k in stuck_outcomes)
    if stuck:
        lines.append(attention(f"{stuck} 条仍未送达（已保留在待补传队列），任务失败后重试或下次运行再发"))
    if counts.get("misconfigured"):
        lines.append(attention(f"{counts['misconfigured']} 条因互认平台拒绝本院认证未送达：检查连接 mutual_recognition"))
    return lines


# -- operations: backup, archive, monthly report, missed windows ---------------------------------------------------
def backup_lines(summary: Mapping[str, Any], keep_daily: int, keep_monthly: int) -> list[Line]:
    """LedgerBackupOperator: the backup written and checked, then retention."""
    body = (f"{summary['file']}，{int(summary['size']) / 2**20:.1f} MiB，sha256 {summary['sha256']}，"
            f"记录 {summary.get('records', 0)} 条、报文 {summary.get('messages', 0)} 条，校验通过（可读、校验和一致）；"
            f"保留策略（每日 {keep_daily} 份、每月 {keep_monthly} 份）删除 {len(summary.get('deleted') or [])} 份旧备份")
    return [headline("台账备份", "", body)]


def backup_failed_lines(path: Any, error: BaseException) -> list[Line]:
    return [attention(f"台账备份校验失败：{error}；该备份不可用于恢复（{path}），任务失败后重试会重新备份；"
                      "连续失败请检查磁盘和 pg_dump（python -m hisbridge.ops.backup list --verify）")]


def archive_lines(summary: Mapping[str, Any], bytes_moved: Mapping[str, tuple[int, int]]) -> list[Line]:
    """MessageArchiveOperator: bodies moved per table; ``bytes_moved``: table → (bytes before, bytes after)."""
    names = {"delivery_message": "投递报文", "call_journal": "实时调用日志"}
    parts = []
    for table, (before, after) in bytes_moved.items():
        parts.append(f"{names.get(table, table)} {summary.get(table, 0)} 条"
                     + (f"（{before / 2**20:.1f} MiB → 压缩后 {after / 2**20:.1f} MiB）" if summary.get(table) else ""))
    return [headline("报文正文归档", f"{moment_text(summary['before'])} 之前（保留 {summary['after_days']} 天）",
                     "、".join(parts) + "；正文移入归档表，记录页仍可查看")]


def monthly_report_lines(summary: Mapping[str, Any], base: str | None = None) -> list[Line]:
    """MonthlyOpsReportOperator: the report's headline figures (the report's own labels)."""
    month = str(summary["month"])
    url = report_url("hisbridge_monthly_ops_report", month, base)
    keys = ("本月经手记录（条）", "月末已确认（条）", "月末平台拒收（条）", "月末已隔离（条）", "月末结果未知（条）",
            "本月恢复的记录（条）", "接口/平台中断（次，含月末未恢复）")
    shown = [(k.replace("（条）", ""), summary[k]) for k in keys if k in summary]
    availability = [(k, v) for k, v in summary.items() if str(k).startswith("可用率·")]
    body = counts_text(shown) + (("；" + counts_text(availability)) if availability else "") + f"；报表 {url}"
    lines = [headline("运维·月度运行报告", month, body)]
    open_ = [(label, summary.get(key) or 0) for key, label in (
        ("月末平台拒收（条）", "平台拒收"), ("月末已隔离（条）", "隔离"), ("月末结果未知（条）", "结果未知"))]
    if any(n for _, n in open_):
        lines.append(attention(f"月末仍有记录未送达：{counts_text(open_)}（条），在台账 {_base(base)}{LEDGER_PATH} 逐个接口处理"))
    return lines


def window_gaps_lines(summary: Mapping[str, Any], end: datetime, open_dags: Sequence[str]) -> list[Line]:
    """WindowGapsOperator: the feeds checked, the windows missed, what was done (per-feed warnings are above)."""
    by_feed: Mapping[str, int] = summary.get("by_feed") or {}
    missing = int(summary.get("missing_windows") or 0)
    body = f"检查 {summary.get('feeds_checked', 0)} 个接口，漏跑 {missing} 个窗口"
    if not missing:
        return [headline("漏跑窗口检查", f"截至 {moment_text(end)}", body + "（全部按时完成）")]
    lines = [headline("漏跑窗口检查", f"截至 {moment_text(end)}",
                      body + "（" + counts_text(sorted(by_feed.items())) + "）")]
    fill = summary.get("fill") or []
    done = "；".join(str(d["text"]) for d in fill) if fill else "未开启自动回填（参数 fill=false）"
    if open_dags:
        lines.append(attention(f"漏跑窗口无人补跑：{'、'.join(open_dags)}；{done}"))
    else:
        lines.append(attention(f"已发现漏跑窗口，正在回填：{done}；回填完成后下次检查应为 0"))
    return lines


_COUNTS = {"selected": "抽取", "acknowledged": "已确认", "rejected": "平台拒收", "quarantined": "隔离",
           "unknown": "结果未知", "skipped": "跳过(已确认未变化)", "withdrawn": "撤回", "pending": "待发送"}
_MODE = {"batch": "批量", "single": "逐条"}


def _naive(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        from zoneinfo import ZoneInfo

        moment = moment.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    return moment
