"""未对照项目报告: the HIS drugs, medical service items and consumables still without a national code, ranked by
how much they were used in the 30 days before the run's window end — the 医保办's 贯标 worklist.

An unmapped drug keeps every traceability record that names it (3501–3506) quarantined ("药品无国家医保目录编码")
and an unmapped item or consumable leaves its 医保 fee lines refused or paid in full by the patient, so the items
used most come first. Usage is the HIS's fee lines (``fee_detail``) and, for drugs, the pharmacy's dispensing
(``sale_line``: self-paid sales have no 医保 fee line). The two are two books of the same use of a drug, so the
ranking amount is the larger of the two, not their sum.

A job (:mod:`hisbridge.platforms.hsa.jobs`) that reads only the HIS: it never signs in to the platform. The
report is a function of the window end: a re-run writes the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Engine, bindparam, text

from hisbridge import SQL_DIR
from hisbridge.platforms.hsa.jobs import JobContext
from hisbridge.reports import Column, Report, Sheet, write_report

KIND = "hsa_catalog_unmapped"
SQL_FILE = SQL_DIR / "hsa_catalog_unmapped.sql"
LOOKBACK = timedelta(days=30)
KIND_TITLES = {"drug": "药品", "item": "医疗服务项目", "material": "医用耗材"}

_CENT = Decimal("0.01")
_QTY = Decimal("0.0001")

COLUMNS = (
    Column("rank", "排名"),
    Column("kind_title", "类别"),
    Column("item_code", "HIS编码"),
    Column("item_name", "名称"),
    Column("spec", "规格"),
    Column("unit", "单位"),
    Column("category", "HIS分类"),
    Column("fee_count", "收费笔数"),
    Column("fee_qty", "收费数量"),
    Column("fee_amount", "收费金额(元)"),
    Column("sale_count", "发药笔数"),
    Column("sale_qty", "发药数量"),
    Column("sale_amount", "发药金额(元)"),
    Column("usage_amount", "使用金额(元)"),
)

NOTE = ("按近30天使用金额从高到低排列（使用金额取收费金额与发药金额中较大者：同一药品的收费与发药是同一次使用的两本账，"
        "不相加）。药品在完成目录对照前，医保追溯码各接口（3501–3506）中含该药品的记录都会因“药品无国家医保目录编码”"
        "被隔离；请在药品字典维护国家医保编码并完成目录对照（3301），再按追溯码各 DAG 的说明重新排队上传。"
        "医疗服务项目和医用耗材未对照时，医保结算的费用明细会被拒收或按全自费处理。")


@dataclass(frozen=True)
class Unmapped:
    """One unmapped HIS code and its usage in the report's 30 days."""

    item_kind: str
    item_code: str
    item_name: str
    spec: str | None
    unit: str | None
    category: str | None
    fee_count: int
    fee_qty: Decimal
    fee_amount: Decimal
    sale_count: int
    sale_qty: Decimal
    sale_amount: Decimal

    @property
    def usage_amount(self) -> Decimal:
        return max(self.fee_amount, self.sale_amount)

    @property
    def uses(self) -> int:
        return max(self.fee_count, self.sale_count)


def unmapped_report(ctx: JobContext) -> dict[str, Any]:
    """Job: write report ``hsa_catalog_unmapped/<day>`` for the day the run's window ends on."""
    _, end = ctx.window
    since = end - LOOKBACK
    items = rank(read_unmapped(ctx.his, since, end))
    report = build_report(items, since, end)
    write_report(report, ctx.reports_dir)
    kinds = Counter(i.item_kind for i in items)
    return {"period": report.period, "unmapped": len(items), "drugs": kinds["drug"], "items": kinds["item"],
            "materials": kinds["material"], "used": sum(1 for i in items if i.uses)}


def read_unmapped(his: Engine, since: datetime, end: datetime) -> list[Unmapped]:
    """Unmapped active codes with their usage in ``[since, end)`` (naive local times, as the HIS keeps them)."""
    stmt = text(SQL_FILE.read_text(encoding="utf-8")).bindparams(
        bindparam("window_start", type_=DateTime()), bindparam("window_end", type_=DateTime()))
    with his.connect() as conn:
        rows = conn.execute(stmt, {"window_start": since, "window_end": end}).mappings().all()
    return [_unmapped(r) for r in rows]


def rank(items: Iterable[Unmapped]) -> list[Unmapped]:
    """Most used first: by amount, then by how often, then by kind and code (a stable order for equal use)."""
    order = {kind: n for n, kind in enumerate(KIND_TITLES)}
    return sorted(items, key=lambda i: (-i.usage_amount, -i.uses, order.get(i.item_kind, len(order)), i.item_code))


def build_report(items: Sequence[Unmapped], since: datetime, end: datetime) -> Report:
    day = (end - timedelta(microseconds=1)).date().isoformat()
    kinds = Counter(i.item_kind for i in items)
    summary: list[tuple[str, Any]] = [
        ("统计区间（北京时间）", f"{since:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}（不含结束时刻）"),
        *((f"未对照{title}", kinds[kind]) for kind, title in KIND_TITLES.items()),
        ("近30天有使用的未对照项目", sum(1 for i in items if i.uses)),
        ("近30天收费金额合计(元)", sum((i.fee_amount for i in items), Decimal("0.00"))),
        ("近30天发药金额合计(元)", sum((i.sale_amount for i in items), Decimal("0.00"))),
    ]
    rows = [_row(n, i) for n, i in enumerate(items, 1)]
    return Report(kind=KIND, period=day, title=f"医保目录未对照项目（截至 {day}，按近30天使用排序）", summary=summary,
                  sheets=[Sheet("未对照项目", COLUMNS, rows, NOTE)])


def _row(n: int, i: Unmapped) -> Mapping[str, Any]:
    return {"rank": n, "kind_title": KIND_TITLES.get(i.item_kind, i.item_kind), "item_code": i.item_code,
            "item_name": i.item_name, "spec": i.spec, "unit": i.unit, "category": i.category,
            "fee_count": i.fee_count, "fee_qty": i.fee_qty, "fee_amount": i.fee_amount, "sale_count": i.sale_count,
            "sale_qty": i.sale_qty, "sale_amount": i.sale_amount, "usage_amount": i.usage_amount}


def _unmapped(r: Mapping[str, Any]) -> Unmapped:
    return Unmapped(item_kind=r["item_kind"], item_code=r["item_code"], item_name=r["item_name"], spec=r["spec"],
                    unit=r["unit"], category=r["category"], fee_count=int(r["fee_count"] or 0),
                    fee_qty=_dec(r["fee_qty"], _QTY), fee_amount=_dec(r["fee_amount"], _CENT),
                    sale_count=int(r["sale_count"] or 0), sale_qty=_dec(r["sale_qty"], _QTY),
                    sale_amount=_dec(r["sale_amount"], _CENT))


def _dec(value: Any, places: Decimal) -> Decimal:
    """Sums as exact decimals, whatever the driver returns (SQLite answers floats)."""
    return Decimal(str(value if value is not None else 0)).quantize(places)
