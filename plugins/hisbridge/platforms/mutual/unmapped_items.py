"""互认项目未对照清单: the HIS lab panels, lab items and exam items that have no platform item code in
``include/mappings/mutual_items.yaml``, ranked by how many reports used them in the 30 days before the run's
window end — the 检验科's and 影像科's 对照 worklist.

Why it exists: the upload feeds never guess a platform code. A report whose panel (or exam item) is unmapped, and
every indicator of an unmapped item or of a report of an unmapped panel, waits quarantined with the reason
``代码未对照：… 不在对照表 lab_data_code 中`` — shared with nobody, recognised by no other hospital. The items used
most come first, and each line says how many records wait because of it right now, so the lab knows what one
line of YAML frees.

Inputs: usage from the HIS (``include/sql/mutual_item_usage.sql``), the code tables through the pipeline's own
loader (:func:`hisbridge.pipeline.spec.shared_codes`, the same files the feeds read, so "unmapped" here is exactly
"quarantined there"), and the ledger's quarantined records of the feeds that map these codes, read in one
grouped query. A code still quarantined although it is mapped now is listed apart: its records wait for a
re-queue, not for the lab.

The report is a function of the window end and of the ledger's quarantine at the time of the run: a re-run on the
same data writes the same bytes. No Airflow here: :mod:`hisbridge.platforms.mutual.operators` runs it.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, String, bindparam, func, select, text

from hisbridge import MAPPINGS_DIR, SQL_DIR
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.spec import shared_codes
from hisbridge.reports import Column, Report, Sheet, write_report

KIND = "mutual_unmapped_items"
SQL_FILE = SQL_DIR / "mutual_item_usage.sql"
LOOKBACK = timedelta(days=30)
#: the code files the mutual_* feeds declare (``code_files``), in their order: a later file wins, as there
CODE_FILES = ("mutual_codes.yaml", "mutual_items.yaml")
#: the feeds whose records carry these codes (DataCode / ExamItemCode / CheckProjCode)
FEEDS = ("mutual_lab_report", "mutual_lab_indicator", "mutual_exam_report")


@dataclass(frozen=True)
class ItemKind:
    """One kind of HIS code the feeds map: its Chinese name and the code table that gives its platform code."""

    name: str  # item_kind of the SQL
    title: str
    table: str  # the table of mutual_items.yaml (and the one named in the quarantine reason)


KINDS: dict[str, ItemKind] = {k.name: k for k in (
    ItemKind("lab_panel", "检验组合", "lab_data_code"),  # lab_report.panel_code → DataCode
    ItemKind("lab_item", "检验项目", "lab_item_code"),  # lab_result.item_code (N/Q) → ExamItemCode
    ItemKind("exam_item", "检查项目", "exam_data_code"),  # exam_report_item.item_code → CheckProjCode, DataCode
)}
_TABLE_KIND = {k.table: k.name for k in KINDS.values()}

#: the quarantine reason hisbridge.pipeline.mapping writes: 代码未对照：<field> 的 HIS 代码 <repr(code)> 不在对照表
#: <table> 中 — one per unmapped field, joined by "; " (tests/unit/platforms/mutual/test_unmapped_items.py
#: builds it through the pipeline, so a change of wording fails there, not silently here)
_UNMAPPED = re.compile(r"HIS 代码 ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\") 不在对照表 (\w+) 中")

COLUMNS = (
    Column("rank", "排名"),
    Column("kind_title", "类别"),
    Column("item_code", "HIS编码"),
    Column("item_name", "名称"),
    Column("report_count", "近30天报告数"),
    Column("last_report", "最近报告时间"),
    Column("quarantined", "当前隔离记录数"),
    Column("table", "对照表"),
)
WAITING_COLUMNS = (
    Column("kind_title", "类别"),
    Column("item_code", "HIS编码"),
    Column("platform_code", "已对照平台项目"),
    Column("quarantined", "仍隔离记录数"),
)

NOTE = ("按近30天报告数从多到少排列（北京时间，作废的报告不计）。这些项目的检验报告、检验结果指标、检查报告上传时以"
        "“代码未对照”隔离，外院无法调阅互认；“当前隔离记录数”为生成本表时台账中因该项目隔离的记录。对照方法：检验科"
        "（检验组合、检验项目）或影像科（检查项目）与医务处确认省平台互认项目目录中的代码后，在 "
        "include/mappings/mutual_items.yaml 的“对照表”列所示表中加一行“HIS编码: 平台项目代码”，并在同组的名称（*_name）、"
        "互认标志（*_mtu_rec）与互认范围（*_mtu_limit）表中补齐；部署后执行 python -m hisbridge ledger requeue --feed "
        "mutual_lab_report --state quarantined --by <姓名> --reason 已补对照（检验结果指标 mutual_lab_indicator、检查报告 "
        "mutual_exam_report 同样），再按其提示清除（Clear）所列窗口，记录即重新上传。近30天没有报告但仍有隔离记录的项目"
        "排在最后。")
WAITING_NOTE = ("这些项目已在 mutual_items.yaml 中对照，但之前因未对照隔离的记录还没有重新排队：按上页的方法 requeue 并清除"
                "（Clear）所列窗口，记录即上传。")


@dataclass(frozen=True)
class ItemUsage:
    """One HIS code and its use in the report's 30 days (the SQL's row)."""

    item_kind: str
    item_code: str
    item_name: str | None
    report_count: int
    last_report: datetime | None


@dataclass(frozen=True)
class Unmapped:
    """A code without a platform item code: its use and the records it keeps in quarantine now."""

    item_kind: str
    item_code: str
    item_name: str | None
    report_count: int
    last_report: datetime | None
    quarantined: int

    @property
    def table(self) -> str:
        return KINDS[self.item_kind].table


@dataclass(frozen=True)
class AwaitingRequeue:
    """A code mapped now whose earlier records still wait in quarantine."""

    item_kind: str
    item_code: str
    platform_code: str
    quarantined: int


@dataclass(frozen=True)
class Quarantine:
    """Quarantined records by the (code table, HIS code) their reasons name, and how many records name any."""

    by_code: Counter[tuple[str, str]]
    records: int


def unmapped_items_report(his: Engine, ledger: Ledger, window_end: datetime, reports: Path | None = None,
                          mappings_dir: Path = MAPPINGS_DIR) -> dict[str, Any]:
    """Write report ``mutual_unmapped_items/<day>`` for the 30 days before ``window_end`` (naive Asia/Shanghai, as
    the HIS keeps times); returns a small count summary (for XCom and the log)."""
    since = window_end - LOOKBACK
    codes = shared_codes(list(CODE_FILES), mappings_dir)
    quarantine = quarantine_counts(read_quarantine_reasons(ledger))
    unmapped, waiting = compare(read_usage(his, since, window_end), codes, quarantine)
    items = rank(unmapped)
    report = build_report(items, waiting, quarantine, since, window_end)
    files = write_report(report, reports)
    kinds = Counter(i.item_kind for i in items)
    return {"period": report.period, "unmapped": len(items), **{k: kinds[k] for k in KINDS},
            "used": sum(1 for i in items if i.report_count), "quarantined": quarantine.records,
            "awaiting_requeue": sum(w.quarantined for w in waiting), "html": str(files.html)}


# -- reads ----------------------------------------------------------------------------------------------------------
def read_usage(his: Engine, since: datetime, end: datetime) -> list[ItemUsage]:
    """Every mapped-or-not code of the three kinds used by reports signed in ``[since, end)``."""
    stmt = text(SQL_FILE.read_text(encoding="utf-8")).bindparams(
        bindparam("window_start", type_=DateTime()), bindparam("window_end", type_=DateTime()),
    ).columns(item_kind=String(), item_code=String(), item_name=String(), report_count=Integer(),
              last_report_time=DateTime())  # typed: SQLite answers MAX(datetime) as text
    with his.connect() as conn:
        rows = conn.execute(stmt, {"window_start": since, "window_end": end}).mappings().all()
    return [ItemUsage(r["item_kind"], str(r["item_code"]), r["item_name"], int(r["report_count"] or 0),
                      r["last_report_time"]) for r in rows]


def read_quarantine_reasons(ledger: Ledger) -> list[tuple[str, int]]:
    """(reason, records) of the feeds' records quarantined now for an unmapped code — one grouped query: records
    of one report share their reason text, so the rows are far fewer than the records."""
    t = ls.delivery_record
    q = (select(t.c.reason, func.count()).where(t.c.feed.in_(FEEDS), t.c.state == ls.QUARANTINED,
                                               t.c.reason.contains("代码未对照", autoescape=True))
         .group_by(t.c.reason))
    with ledger.engine.connect() as conn:
        return [(reason, int(n)) for reason, n in conn.execute(q)]


# -- plain functions ------------------------------------------------------------------------------------------------
def unmapped_codes(reason: str) -> set[tuple[str, str]]:
    """The (code table, HIS code) pairs a quarantine reason names as unmapped."""
    found = set()
    for literal, table in _UNMAPPED.findall(reason):
        try:
            found.add((table, str(ast.literal_eval(literal))))
        except (ValueError, SyntaxError):  # not a Python literal after all: not ours to count
            continue
    return found


def quarantine_counts(reasons: Iterable[tuple[str, int]]) -> Quarantine:
    """Records per (table, code) of the item code tables; a record naming a code twice (DataCode and its name, a
    panel and an item) counts once per code, and once in the total."""
    by_code: Counter[tuple[str, str]] = Counter()
    records = 0
    for reason, n in reasons:
        keys = {k for k in unmapped_codes(reason) if k[0] in _TABLE_KIND}
        for key in keys:
            by_code[key] += n
        records += n if keys else 0
    return Quarantine(by_code, records)


def compare(usage: Iterable[ItemUsage], codes: Mapping[str, Mapping[str, str]],
            quarantine: Quarantine) -> tuple[list[Unmapped], list[AwaitingRequeue]]:
    """The used codes without a platform code (with their quarantined records), the codes only the quarantine
    names that are still unmapped (unused in the 30 days: listed all the same), and the mapped codes whose records
    still wait in quarantine. A code mapped to an empty value counts as unmapped: it would send no DataCode."""
    tables: dict[str, Mapping[str, str]] = {}
    for kind in KINDS.values():
        if kind.table not in codes:
            raise ValueError(f"code table {kind.table} is missing from {', '.join(CODE_FILES)}: every "
                             f"{kind.title} would be listed as unmapped")
        tables[kind.name] = codes[kind.table]
    unmapped: list[Unmapped] = []
    seen: set[tuple[str, str]] = set()
    for u in usage:
        if u.item_kind not in KINDS:
            raise ValueError(f"{SQL_FILE.name} returned an unknown item_kind {u.item_kind!r}")
        seen.add((u.item_kind, u.item_code))
        if not tables[u.item_kind].get(u.item_code):
            unmapped.append(Unmapped(u.item_kind, u.item_code, u.item_name, u.report_count, u.last_report,
                                     quarantine.by_code.get((KINDS[u.item_kind].table, u.item_code), 0)))
    waiting: list[AwaitingRequeue] = []
    for (table, code), n in sorted(quarantine.by_code.items()):
        kind = _TABLE_KIND[table]
        if (kind, code) in seen and not tables[kind].get(code):
            continue  # listed above with its use
        platform_code = tables[kind].get(code)
        if platform_code:
            waiting.append(AwaitingRequeue(kind, code, platform_code, n))
        else:
            unmapped.append(Unmapped(kind, code, None, 0, None, n))
    order = list(KINDS)
    waiting.sort(key=lambda w: (-w.quarantined, order.index(w.item_kind), w.item_code))
    return unmapped, waiting


def rank(items: Iterable[Unmapped]) -> list[Unmapped]:
    """Most used first: by reports, then by records waiting, then kind and code (a stable order for equal use)."""
    order = list(KINDS)
    return sorted(items, key=lambda i: (-i.report_count, -i.quarantined, order.index(i.item_kind), i.item_code))


def build_report(items: Sequence[Unmapped], waiting: Sequence[AwaitingRequeue], quarantine: Quarantine,
                 since: datetime, end: datetime) -> Report:
    day = (end - timedelta(microseconds=1)).date().isoformat()
    kinds = Counter(i.item_kind for i in items)
    summary: list[tuple[str, Any]] = [
        ("统计区间（北京时间）", f"{since:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}（不含结束时刻）"),
        *((f"未对照{k.title}", kinds[k.name]) for k in KINDS.values()),
        ("近30天有报告的未对照项目", sum(1 for i in items if i.report_count)),
        ("近30天未对照项目的报告数", sum(i.report_count for i in items)),
        ("因项目未对照隔离的记录（生成时）", quarantine.records),
        ("已对照、待重新排队的隔离记录", sum(w.quarantined for w in waiting)),
    ]
    rows = [_row(n, i) for n, i in enumerate(items, 1)]
    waiting_rows = [{"kind_title": KINDS[w.item_kind].title, "item_code": w.item_code,
                     "platform_code": w.platform_code, "quarantined": w.quarantined} for w in waiting]
    return Report(kind=KIND, period=day, title=f"检查检验互认项目未对照清单（截至 {end:%Y-%m-%d %H:%M}，按近30天报告数排序）",
                  summary=summary, sheets=[Sheet("未对照项目", COLUMNS, rows, NOTE),
                                           Sheet("已对照待重新排队", WAITING_COLUMNS, waiting_rows, WAITING_NOTE)])


def _row(n: int, i: Unmapped) -> Mapping[str, Any]:
    return {"rank": n, "kind_title": KINDS[i.item_kind].title, "item_code": i.item_code, "item_name": i.item_name,
            "report_count": i.report_count, "last_report": i.last_report, "quarantined": i.quarantined,
            "table": i.table}
