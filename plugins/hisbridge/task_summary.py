"""What a task log says first and last: a Chinese summary an operator reads without scrolling.

A feed task is green when records wait in quarantine or were refused by the platform (they never fail the
task: resending cannot help until someone fixes the data). Before this module the only trace of that was an
English dict on the task log's last line, below ~200 lines of library noise. Now every feed task logs:

* first, what it is about to do: the feed, its Chinese title and the data window in Asia/Shanghai time;
* last, the counts in Chinese (抽取 / 已确认 / 平台拒收 / 隔离 / 结果未知 / 跳过 …) — and, as a WARNING line,
  ``N 条隔离、M 条被拒，见 <URL of the ledger's failures page>`` whenever either is non-zero, plus a WARNING for
  records whose outcome is unknown and for a halted run.

Plain functions returning ``(level, text)`` lines, so they are tested without Airflow; the operators log them.
Counts and reasons only, never a record's values (the reasons are the pipeline's own texts, masked anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

DEFAULT_BASE_URL = "http://localhost:8080"  # Airflow's own fallback for [api] base_url in task-instance links
FAILURES_PATH = "/hisbridge/ledger/failures"
TOP_REASONS = 3

Line = tuple[int, str]


def base_url() -> str:
    """The Airflow UI's address as ops open it: ``[api] base_url`` (``AIRFLOW__API__BASE_URL``), else localhost."""
    try:
        from airflow.sdk import conf

        configured = conf.get("api", "base_url", fallback=None)
    except Exception:  # noqa: BLE001 - outside Airflow (CLI, demo): the local default
        configured = None
    return (configured or DEFAULT_BASE_URL).rstrip("/")


def failures_url(feed: str, states: tuple[str, ...] = ("quarantined", "rejected"), base: str | None = None) -> str:
    """The ledger page listing the feed's records in ``states`` (the page reads repeated ``state`` params)."""
    query = urlencode([("feed", feed), *(("state", s) for s in states)])
    return f"{base if base is not None else base_url()}{FAILURES_PATH}?{query}"


def window_text(start: datetime | str, end: datetime | str) -> str:
    """``2026-11-24 10:10–10:15（北京时间）``, ``2026-11-24 00:00–24:00（北京时间）`` for a day; naive times are the
    HIS's Asia/Shanghai wall clock, aware ones (Airflow's UTC bounds) are converted."""
    a, b = (_naive(t) for t in (start, end))
    if a.date() == b.date():
        return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}（北京时间）"
    if b == datetime.combine(a.date(), datetime.min.time()) + timedelta(days=1):  # up to midnight: one day's end
        return f"{a:%Y-%m-%d %H:%M}–24:00（北京时间）"
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M}（北京时间）"


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
    if n["quarantined"] or n["rejected"]:
        lines.append((logging.WARNING, (
            f"任务成功，但有记录未送达：{n['quarantined']} 条隔离、{n['rejected']} 条被拒，见 "
            f"{failures_url(feed, base=base)} （修正后在该页或用 python -m hisbridge ledger requeue 重新排队）")))
    if n["unknown"]:
        lines.append((logging.WARNING, (
            f"{n['unknown']} 条结果未知（已发出，平台是否收到尚不确定）：下次运行或重试时先向平台核实，不会盲目重发；"
            f"见 {failures_url(feed, ('unknown',), base=base)}")))
    if summary.get("halted"):
        lines.append((logging.WARNING, f"本次运行中途停止：{summary['halted']}"))
    reasons = summary.get("reasons") or {}
    if reasons and (n["quarantined"] or n["rejected"]):
        top = sorted(reasons.items(), key=lambda kv: -kv[1])[:TOP_REASONS]
        lines.append((logging.WARNING, "主要原因：" + "；".join(f"{why} × {count}" for why, count in top)))
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
