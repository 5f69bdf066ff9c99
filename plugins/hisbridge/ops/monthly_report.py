"""运维·月度运行报告: one calendar month (Asia/Shanghai) of every feed and platform, from the ledger alone, as an
Excel workbook and an HTML page (:mod:`hisbridge.reports`: ``<reports dir>/hisbridge_monthly_ops_report/<yyyy-mm>``,
listed by the ledger pages under ``/reports/``). Written on the 1st for the month before by the DAG
``hisbridge_monthly_ops_report``, or by hand::

    python -m hisbridge.ops.monthly_report --url postgresql+psycopg://…/hisbridge --month 2026-11 [--out DIR]

How each figure is computed (every time is a ledger time, shown in Asia/Shanghai; "the month" is
``[1st 00:00, next 1st 00:00)`` local):

* **Records per feed** — the records the month *touched*: any record with a state change stamped in the month (a
  message that carried it was sent or answered, or an event of its own: quarantine, re-queue, resolution). Each
  is counted once, in the state it was in when the month ended (its last change in the month). "本月新增" are
  those first seen in the month. "Skipped" records (acknowledged before, unchanged) are not written to the
  ledger, so they are not counted here.
* **Windows per feed** — the data windows starting in the month that a run took to the end (``feed_window``),
  with the counts that run recorded; "skipped and other" = selected − acknowledged − rejected − quarantined −
  unknown (skipped as unchanged, voided, left pending).
* **Messages per feed** — messages sent in the month, by the platform's outcome, with the records they carried
  and the bytes of the stored request and answer (UTF-8; 0 once a body is archived). Messages a halted run
  recorded but never sent (``not sent: run halted``) are shown apart and count as no call.
* **Failure causes** — per feed, the month's failures grouped by reason: records put in a failure state
  (rejected / quarantined / unknown: the event's reason or the platform's words for that record) and messages
  that got no answer (their error). Reasons are masked (ID numbers, phones, values after personal-data keys, and
  the names and identifiers found in the failed records' payloads) and numbers of six digits or more become
  ``#``, so the same cause about different records counts as one; the top ten per feed are listed.
* **Time to recovery, records** — a record acknowledged in the month after it failed (rejected, quarantined or
  unknown) since its previous acknowledgement: from the first of those failures (which may precede the month) to
  the acknowledgement. Median (the middle value, or the mean of the two middle ones) and maximum per feed.
* **Outages and recovery** — per feed (its messages) and per platform (its real-time calls, ``call_journal``
  ``out``): an outage is a run of consecutive calls without an answer (no answer, not sent, busy), ended by the
  next call that got one. It lasts from the first failed call's sending to the answered call's sending (the
  ledger has no Airflow runs; a failed run is seen through the messages it sent). It counts in the month it
  ended in; one still open when the month ended is listed as such, with its length to the month's end. An outage
  open when the month began is traced back up to 31 days.
* **Availability per platform per day** — our calls to each platform (feed messages and real-time calls) sent
  that day: answered (any answer: acknowledged, refused, partial …) against no answer (timeout, reset, HTTP 5xx,
  unreadable answer, lost and reversed), not sent (connection failed) and busy (the platform said try later).
  Availability = answered ÷ calls. Calls journalled but not yet attempted are not calls.
* **Served APIs** — calls to the APIs we serve (``call_journal`` ``in``: 互认 workstation service, city-brain
  API; the 医保 gateway journals each HIS call as the transaction it makes, callers other than ``airflow:…``) by
  operation and outcome, with their durations.

The report holds counts, sizes, durations, reasons and feed names — never a request or answer body. Re-running a
month writes the same bytes unless the ledger changed (:mod:`hisbridge.reports`).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Engine, select

from hisbridge import MAPPINGS_DIR
from hisbridge.ledger import schema as s
from hisbridge.logging import is_pii_key, mask_text, register_pii
from hisbridge.ops.monthly_figures import (
    FAILURE_STATES,
    MonthlyFigures,
    Recovery,
    category,
    merge_counts,
    read_figures,
)
from hisbridge.reports import Column, Report, ReportFiles, Sheet, write_report

KIND = "hisbridge_monthly_ops_report"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOP_REASONS = 10
MAX_OUTAGE_ROWS = 500
#: failed records whose payloads are read for names to mask in the reasons (the most recent first)
MAX_SCRUB_RECORDS = 50_000

STATE_COLUMNS = [(s.ACKNOWLEDGED, "已确认"), (s.REJECTED, "平台拒收"), (s.QUARANTINED, "已隔离"),
                 (s.UNKNOWN, "结果未知"), (s.WITHDRAWN, "已撤回/作废"), (s.PENDING, "待发送"), (s.SENT, "已发送待应答")]
OUTCOME_COLUMNS = [("acknowledged", "确认"), ("partial", "部分确认"), ("rejected", "拒收"), ("other", "其他应答"),
                   ("no_answer", "无应答"), ("not_sent", "未发出"), ("busy", "繁忙")]
KIND_NAMES = {s.REJECTED: "平台拒收", s.QUARANTINED: "隔离", s.UNKNOWN: "结果未知",
              "message:unknown": "报文无应答", "message:in_flight": "报文无应答", "message:reversed": "报文无应答（已冲正）",
              "message:abandoned": "报文无应答", "message:not_sent": "报文未发出", "message:busy": "平台繁忙"}
SERVICE_NAMES = {"hsa_gateway": "医保实时网关", "mutual": "互认工作站服务", "city_brain": "城市大脑医院接口"}
SERVED_OUTCOMES = {"ok": "成功", "acknowledged": "成功", "unavailable": "平台或 HIS 暂不可用", "recorded": "已记录",
                   "queued": "已保存待补传", "rejected": "平台拒绝", "busy": "平台繁忙", "not_sent": "未发出",
                   "unknown": "无应答", "in_flight": "无应答（待冲正）", "reversed": "无应答（已冲正）",
                   "refused_by_gateway": "网关拒绝凭据", "abandoned": "无应答"}


# -- the month ----------------------------------------------------------------------------------------------------
def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``2026-11`` → (2026-11-01 00:00, 2026-12-01 00:00) in Asia/Shanghai."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    year, mon = int(month[:4]), int(month[5:])
    start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


def month_of(moment: datetime) -> str:
    """The month a moment falls in, in Asia/Shanghai (a run's data interval start)."""
    return f"{moment.astimezone(SHANGHAI):%Y-%m}"


def previous_month(now: datetime | None = None) -> str:
    first = (now or datetime.now(UTC)).astimezone(SHANGHAI).replace(day=1)
    return month_of(first - timedelta(days=1))


# -- names --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedInfo:
    feed: str
    title: str
    platform: str


def feed_catalogue(mappings_dir: Path = MAPPINGS_DIR) -> dict[str, FeedInfo]:
    """Every declared feed (its YAML: title and platform), read as plain YAML."""
    from hisbridge.pipeline.spec import all_feed_ids, read_yaml

    out = {}
    for feed in all_feed_ids(mappings_dir):
        data = read_yaml(mappings_dir / f"{feed}.yaml") or {}
        out[feed] = FeedInfo(feed, str(data.get("title") or feed), str(data.get("platform") or ""))
    return out


def platform_title(name: str) -> str:
    try:
        from hisbridge.platforms.registry import platform

        return platform(name).title
    except Exception:  # noqa: BLE001 - a platform no longer registered still has its rows in the ledger
        return name


# -- reasons ------------------------------------------------------------------------------------------------------
_LONG_NUMBER = re.compile(r"[0-9A-Za-z]*\d{6,}[0-9A-Za-z]*")
_SPACE = re.compile(r"\s+")


def normalise_reason(reason: str) -> str:
    """A reason as the report shows it: masked (hisbridge.logging), long numbers (msgids, keys, serials) as ``#``,
    whitespace collapsed, at most 200 characters."""
    text = _SPACE.sub(" ", mask_text(reason or "")).strip()
    text = _LONG_NUMBER.sub("#", text)
    return (text[:200] + "…") if len(text) > 200 else (text or "（未记录原因）")


def _pii_values(payload: Any) -> Iterator[str]:
    if isinstance(payload, dict):
        for key, value in payload.items():
            if isinstance(value, (dict, list)):
                yield from _pii_values(value)
            elif value is not None and is_pii_key(str(key)):
                yield str(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from _pii_values(item)


def scrub_reasons(engine: Engine, start: datetime, end: datetime, reasons: Sequence[str]) -> list[str]:
    """``reasons`` with the personal values of the month's failed records masked: a platform's words may name the
    patient ("…张三的证件号码…"), and a Chinese name has no pattern. The values come from the records' payloads
    (fields whose names say personal data), registered in chunks with the log masker, which then masks them."""
    if not reasons:
        return []
    e, m, mr, r = s.delivery_event, s.delivery_message, s.delivery_message_record, s.delivery_record
    t0, t1 = start.astimezone(UTC), end.astimezone(UTC)
    failed = (select(e.c.record_id).where(e.c.to_state.in_(FAILURE_STATES), e.c.at >= t0, e.c.at < t1)
              .union(select(mr.c.record_id).join(m, m.c.id == mr.c.message_id).where(
                  mr.c.outcome.in_(FAILURE_STATES), m.c.answered_at >= t0, m.c.answered_at < t1)))
    q = (select(r.c.payload).where(r.c.id.in_(failed)).order_by(r.c.id.desc()).limit(MAX_SCRUB_RECORDS))
    out = list(reasons)
    chunk: list[str] = []
    with engine.connect() as conn:
        for (payload,) in conn.execution_options(yield_per=2000).execute(q):
            try:
                chunk.extend(_pii_values(orjson.loads(payload)))
            except orjson.JSONDecodeError:
                continue
            if len(chunk) >= 5000:
                out = _mask_with(out, chunk)
                chunk = []
    return _mask_with(out, chunk) if chunk else out


def _mask_with(texts: list[str], values: list[str]) -> list[str]:
    register_pii(values)
    return [mask_text(t) for t in texts]


def top_reasons(rows: Iterable[tuple[str, str, int]], scrubbed: Mapping[str, str]) -> list[tuple[str, str, int]]:
    """(kind, reason, count) merged after normalising, the most frequent first (ties by kind and reason)."""
    merged = merge_counts((k, normalise_reason(scrubbed.get(reason, reason)), n) for k, reason, n in rows)
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [(k, reason, n) for (k, reason), n in ranked[:TOP_REASONS]]


# -- the report ---------------------------------------------------------------------------------------------------
def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _kb(n: int) -> float:
    return round(n / 1024, 1)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _local(moment: datetime | None) -> datetime | None:
    """Shanghai wall clock without a zone: what a workbook cell can hold (the column says 北京时间)."""
    return None if moment is None else moment.astimezone(SHANGHAI).replace(tzinfo=None)


def _outcome_column(outcome: str) -> str:
    if outcome in ("acknowledged", "partial", "rejected"):
        return outcome
    cat = category(outcome)
    return "other" if cat == "answered" else cat


def build_report(figures: MonthlyFigures, month: str, feeds: Mapping[str, FeedInfo],
                 scrubbed: Mapping[str, str] | None = None) -> Report:
    """The report of ``figures`` (:func:`read_figures`); ``scrubbed`` maps a recorded reason to its text with the
    failed records' personal values masked (:func:`scrub_reasons`)."""
    scrubbed = scrubbed or {}
    all_feeds = dict(feeds)
    for feed, platform in figures.feed_platform.items():
        all_feeds.setdefault(feed, FeedInfo(feed, feed, platform))
    titles: dict[str, str] = {}

    def ptitle(name: str) -> str:
        if name not in titles:
            titles[name] = platform_title(name)
        return titles[name]

    order = sorted(all_feeds.values(), key=lambda f: (f.platform, f.feed))
    base = [Column("platform", "平台"), Column("title", "接口"), Column("feed", "接口ID")]

    def who(f: FeedInfo) -> dict[str, Any]:
        return {"platform": ptitle(f.platform), "title": f.title, "feed": f.feed}

    # records
    record_rows, totals = [], defaultdict(int)
    for f in order:
        counts = figures.records.get(f.feed, {})
        touched = sum(n for k, n in counts.items() if k != "_new")
        row = {**who(f), "touched": touched, "new": counts.get("_new", 0)}
        for state, _ in STATE_COLUMNS:
            row[state] = counts.get(state, 0)
            totals[state] += row[state]
        totals["touched"] += touched
        record_rows.append(row)
    records = Sheet("各接口记录", [*base, Column("touched", "本月经手（条）"), Column("new", "其中本月新增（条）"),
                                *(Column(k, f"月末{t}（条）") for k, t in STATE_COLUMNS)], record_rows,
                    "本月有状态变化的记录，按月末所处状态计；跳过的记录（已确认且未变化）不写台账，不在此计，"
                    "见“运行窗口”。")

    # windows
    window_rows, window_totals = [], defaultdict(int)
    for f in order:
        w = figures.windows.get(f.feed)
        if not w:
            continue
        others = w["selected"] - sum(w[k] for k in ("acknowledged", "rejected", "quarantined", "unknown"))
        window_rows.append({**who(f), **w, "others": others})
        window_totals["windows"] += w["windows"]
        window_totals["others"] += others
    windows = Sheet("运行窗口", [*base, Column("windows", "完成的窗口（个）"), Column("selected", "选中记录（条）"),
                             Column("acknowledged", "确认（条）"), Column("rejected", "拒收（条）"),
                             Column("quarantined", "隔离（条）"), Column("unknown", "结果未知（条）"),
                             Column("others", "跳过等其他（条）")], window_rows,
                    "本月开始的数据窗口中运行到底的窗口及其运行时的计数；“跳过等其他”= 选中 − 确认 − 拒收 − 隔离 − 结果未知"
                    "（已确认且未变化而跳过的记录，以及作废、待发送的记录）。")

    # messages
    message_rows, msg_totals = [], defaultdict(int)
    for f in order:
        by_outcome = figures.messages.get((f.feed, f.platform)) or next(
            (v for (feed, _), v in figures.messages.items() if feed == f.feed), {})
        row = {**who(f), "messages": 0, "records": 0, "bytes_out": 0, "bytes_in": 0, "halted": 0, "http_5xx": 0}
        row |= {k: 0 for k, _ in OUTCOME_COLUMNS}
        for outcome, v in by_outcome.items():
            if outcome == "halted":
                row["halted"] += v["messages"]
                continue
            row[_outcome_column(outcome)] += v["messages"]
            row["messages"] += v["messages"]
            row["records"] += v["records"]
            row["bytes_out"] += v["bytes_out"]
            row["bytes_in"] += v["bytes_in"]
            row["http_5xx"] += v["http_5xx"]
        for k in ("messages", "records", "bytes_out", "bytes_in"):
            msg_totals[k] += row[k]
        row["bytes_out"], row["bytes_in"] = _kb(row["bytes_out"]), _kb(row["bytes_in"])
        message_rows.append(row)
    messages = Sheet("各接口报文", [*base, Column("messages", "报文（条）"),
                                *(Column(k, f"{t}（条）") for k, t in OUTCOME_COLUMNS),
                                Column("http_5xx", "其中 HTTP 5xx（条）"), Column("halted", "运行中止未发出（条）"),
                                Column("records", "携带记录（条）"), Column("bytes_out", "请求（KB）"),
                                Column("bytes_in", "应答（KB）")], message_rows,
                     "本月发出的报文，按平台应答分类；“运行中止未发出”为前一报文故障后本次运行未发出的报文，不计入报文数。")

    # real-time calls
    call_rows = []
    for (platform, operation), by_outcome in sorted(figures.journal_out.items()):
        row = {"platform": ptitle(platform), "operation": operation, "calls": 0, "answered": 0, "no_answer": 0,
               "not_sent": 0, "busy": 0, "bytes_out": 0, "bytes_in": 0}
        for outcome, v in by_outcome.items():
            cat = category(outcome)
            if cat == "not_a_call":
                continue
            row[cat] += v["calls"]
            row["calls"] += v["calls"]
            row["bytes_out"] += v["bytes_out"]
            row["bytes_in"] += v["bytes_in"]
        row["bytes_out"], row["bytes_in"] = _kb(row["bytes_out"]), _kb(row["bytes_in"])
        call_rows.append(row)
    calls = Sheet("实时调用", [Column("platform", "平台"), Column("operation", "交易/操作"), Column("calls", "调用（次）"),
                           Column("answered", "有应答（次）"), Column("no_answer", "无应答（次）"),
                           Column("not_sent", "未发出（次）"), Column("busy", "繁忙（次）"),
                           Column("bytes_out", "请求（KB）"), Column("bytes_in", "应答（KB）")], call_rows,
                  "不属于批量接口的调用（医保实时交易、对账、互认记录上传等，台账 call_journal 中我方发出的调用）。")

    # failure causes
    reason_rows = []
    for f in order:
        for kind, reason, n in top_reasons(figures.reasons.get(f.feed, ()), scrubbed):
            reason_rows.append({**who(f), "kind": KIND_NAMES.get(kind, kind), "reason": reason, "count": n})
    reasons = Sheet("失败原因", [*base, Column("kind", "类别"), Column("reason", "原因"), Column("count", "次数（次）")],
                    reason_rows, f"各接口本月失败原因，按次数排序，每个接口最多 {TOP_REASONS} 条；原因已脱敏，长编号显示为 #。")

    # time to recovery, records
    recovery_rows = []
    for f in order:
        rec = figures.record_recovery.get(f.feed)
        counts = figures.records.get(f.feed, {})
        still = sum(counts.get(st, 0) for st in FAILURE_STATES)
        if rec is None and not still:
            continue
        rec = rec or Recovery()
        recovery_rows.append({**who(f), "count": rec.count, "median": _minutes(rec.median_s),
                              "max": _minutes(rec.max_s), "still": still})
    recovery = Sheet("记录恢复时间", [*base, Column("count", "本月恢复（条）"), Column("median", "恢复时间中位数（分钟）"),
                                  Column("max", "最长恢复时间（分钟）"), Column("still", "月末仍未恢复（条）")],
                     recovery_rows, "记录自首次失败（拒收、隔离或结果未知）起到被平台确认为止的时间；只计本月确认的记录。")

    # outages
    def target(kind: str, key: str) -> tuple[str, str]:
        if kind == "feed":
            info = all_feeds.get(key)
            return "接口", f"{info.title}（{key}）" if info and info.title != key else key
        return "平台实时调用", ptitle(key)

    outage_rows = []
    for (kind, key), rec in sorted(figures.outage_recovery.items()):
        what, name = target(kind, key)
        outage_rows.append({"what": what, "name": name, "outages": rec.count + rec.open, "recovered": rec.count,
                            "median": _minutes(rec.median_s), "max": _minutes(rec.max_s),
                            "failed": rec.failed_calls, "open": rec.open, "open_for": _minutes(rec.open_max_s)})
    outages = Sheet("中断与恢复", [Column("what", "对象"), Column("name", "名称"), Column("outages", "中断（次）"),
                                Column("recovered", "已恢复（次）"), Column("median", "恢复时间中位数（分钟）"),
                                Column("max", "最长恢复时间（分钟）"), Column("failed", "失败调用（次）"),
                                Column("open", "月末未恢复（次）"), Column("open_for", "未恢复已持续（分钟）")],
                    outage_rows, "中断：连续的无应答、未发出或繁忙的调用，到下一次得到应答的调用为止（以发出时间计）。")
    detail_rows = []
    for o in figures.outages[:MAX_OUTAGE_ROWS]:
        what, name = target(o.kind, o.key)
        detail_rows.append({"what": what, "name": name, "started": _local(o.started), "ended": _local(o.ended),
                            "minutes": _minutes(o.seconds), "failed": o.failed_calls,
                            "state": "已恢复" if o.ended else "月末未恢复"})
    more = len(figures.outages) - len(detail_rows)
    detail = Sheet("中断明细", [Column("what", "对象"), Column("name", "名称"), Column("started", "开始（北京时间）"),
                            Column("ended", "恢复（北京时间）"), Column("minutes", "持续（分钟）"),
                            Column("failed", "失败调用（次）"), Column("state", "状态")], detail_rows,
                   "每次中断，按开始时间排序" + (f"；另有 {more} 次未列出" if more > 0 else "") + "。")

    # availability
    def avail_row(platform: str, counts: Mapping[str, int], day: str | None = None) -> dict[str, Any]:
        answered = counts.get("answered", 0)
        total = answered + counts.get("no_answer", 0) + counts.get("not_sent", 0) + counts.get("busy", 0)
        row = {"platform": ptitle(platform), "calls": total, "answered": answered,
               "no_answer": counts.get("no_answer", 0), "not_sent": counts.get("not_sent", 0),
               "busy": counts.get("busy", 0), "http_5xx": counts.get("http_5xx", 0),
               "availability": _percent(answered, total)}
        return row if day is None else {"day": day, **row}

    monthly: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    daily_rows = []
    for (platform, day), counts in sorted(figures.availability.items()):
        daily_rows.append(avail_row(platform, counts, day))
        totals_of = monthly[platform]  # listed even when every call of the month is still to be attempted
        for k, n in counts.items():
            if k != "not_a_call":
                totals_of[k] += n
    avail_cols = [Column("platform", "平台"), Column("calls", "调用（次）"), Column("answered", "有应答（次）"),
                  Column("no_answer", "无应答·超时/5xx（次）"), Column("not_sent", "未发出·连接失败（次）"),
                  Column("busy", "繁忙（次）"), Column("http_5xx", "其中 HTTP 5xx（次）"),
                  Column("availability", "可用率（%）")]
    month_rows = [avail_row(p, c) for p, c in sorted(monthly.items())]
    avail_month = Sheet("平台可用率（全月）", avail_cols, month_rows,
                        "我方对各平台的调用（批量报文与实时调用）中得到应答的比例：可用率 = 有应答 ÷ 调用。")
    avail_daily = Sheet("平台可用率（按日）", [Column("day", "日期（北京时间）"), *avail_cols], daily_rows,
                        "按调用发出的日期（北京时间）统计；无调用的日期不列出。")

    # served APIs
    served_rows = []
    served_total = 0
    for (service, operation), by_outcome in sorted(figures.served.items()):
        for outcome, v in sorted(by_outcome.items(), key=lambda kv: -kv[1]["calls"]):
            served_total += v["calls"]
            served_rows.append({"service": SERVICE_NAMES.get(service, service), "operation": operation,
                                "outcome": SERVED_OUTCOMES.get(outcome, f"代码 {outcome}"), "calls": v["calls"],
                                "avg_ms": round(v["total_ms"] / v["calls"]) if v["calls"] else None,
                                "max_ms": v["max_ms"]})
    served = Sheet("对外服务调用", [Column("service", "服务"), Column("operation", "接口/交易"), Column("outcome", "结果"),
                                Column("calls", "调用（次）"), Column("avg_ms", "平均耗时（毫秒）"),
                                Column("max_ms", "最长耗时（毫秒）")], served_rows,
                   "院内系统与外部平台调用我方服务的次数，按结果分类（医保实时网关含院内 HIS 经网关办理的交易）。")

    # summary
    start, end = month_bounds(month)
    all_recovered = [r for r in figures.record_recovery.values() if r.count]
    active = sum(1 for f in order if figures.records.get(f.feed) or any(
        k[0] == f.feed for k in figures.messages))
    summary: list[tuple[str, Any]] = [
        ("月份", month),
        ("统计区间（北京时间）", f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}"),
        ("接口（本月有活动 / 全部）", f"{active} / {len(order)}"),
        ("本月经手记录（条）", totals["touched"]),
        ("月末已确认（条）", totals[s.ACKNOWLEDGED]),
        ("月末平台拒收（条）", totals[s.REJECTED]),
        ("月末已隔离（条）", totals[s.QUARANTINED]),
        ("月末结果未知（条）", totals[s.UNKNOWN]),
        ("本月完成的数据窗口（个）", window_totals["windows"]),
        ("其中跳过等其他记录（条）", window_totals["others"]),
        ("报文（条）", msg_totals["messages"]),
        ("报文大小·请求+应答（MB）", round((msg_totals["bytes_out"] + msg_totals["bytes_in"]) / 1024 / 1024, 2)),
        ("本月恢复的记录（条）", sum(r.count for r in all_recovered)),
        ("记录最长恢复时间（分钟）", _minutes(max((r.max_s or 0 for r in all_recovered), default=None))),
        ("接口/平台中断（次，含月末未恢复）", sum(r.count + r.open for r in figures.outage_recovery.values())),
    ]
    for row in month_rows:
        summary.append((f"可用率·{row['platform']}（%）", row["availability"]))
    summary.append(("对外服务调用（次）", served_total))
    return Report(kind=KIND, period=month, title=f"运维·月度运行报告 {month}", summary=summary,
                  sheets=[records, windows, messages, calls, reasons, recovery, outages, detail, avail_month, avail_daily,
                          served])


def monthly_report(engine: Engine, month: str, feeds: Mapping[str, FeedInfo] | None = None) -> Report:
    """Read the month's figures from the ledger at ``engine`` and build its report."""
    start, end = month_bounds(month)
    figures = read_figures(engine, start, end)
    recorded = sorted({reason for rows in figures.reasons.values() for _, reason, _ in rows if reason})
    scrubbed = dict(zip(recorded, scrub_reasons(engine, start, end, recorded), strict=True))
    return build_report(figures, month, feed_catalogue() if feeds is None else feeds, scrubbed)


def write_monthly_report(engine: Engine, month: str, out: Path | None = None) -> tuple[ReportFiles, Report]:
    report = monthly_report(engine, month)
    return write_report(report, out), report


def headline(report: Report) -> dict[str, Any]:
    """The summary lines as a small dict (XCom, the command line)."""
    return {str(k): v for k, v in report.summary}


# -- command line -------------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hisbridge.ops.monthly_report",
                                     description="运维·月度运行报告（Excel 与 HTML），数据取自投递台账")
    parser.add_argument("--url", help="台账数据库的 SQLAlchemy URL（默认用 Airflow 连接 --conn-id）")
    parser.add_argument("--conn-id", default="hisbridge_db", help="台账的 Airflow 连接（未给 --url 时）")
    parser.add_argument("--month", help="月份 YYYY-MM（北京时间；默认上一个月）")
    parser.add_argument("--out", type=Path, help="报表目录（默认 $HISBRIDGE_REPORTS_DIR 或 var/reports）")
    args = parser.parse_args(argv)
    month = args.month or previous_month()
    try:
        month_bounds(month)
    except ValueError as exc:
        parser.error(str(exc))
    from hisbridge.db import command_engine

    engine = command_engine(args.url, args.conn_id)
    files, report = write_monthly_report(engine, month, args.out)
    for label, value in report.summary:
        print(f"{label}：{'' if value is None else value}")
    print(f"Excel：{files.xlsx}\nHTML：{files.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
