"""未对照项目报告 without a platform: ranking, the report's content, and its SQL on SQLite."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from demo.his import schema as his
from hisbridge.db import make_engine
from hisbridge.platforms.hsa.catalog_report import Unmapped, build_report, rank, read_unmapped

END = datetime(2026, 11, 25)
SINCE = END - timedelta(days=30)


def item(code: str, kind: str = "drug", *, fee: str = "0", sale: str = "0", fees: int = 0, sales: int = 0) -> Unmapped:
    return Unmapped(kind, code, f"名称{code}", None, None, None, fees, Decimal(fees), Decimal(fee), sales,
                    Decimal(sales), Decimal(sale))


def test_usage_is_the_larger_of_the_fee_lines_and_the_dispensing_not_their_sum() -> None:
    assert item("D1", fee="60.00", sale="90.00").usage_amount == Decimal("90.00")
    assert item("M1", "material", fee="200.00").usage_amount == Decimal("200.00")


def test_most_used_first_then_most_often_then_kind_and_code() -> None:
    ranked = rank([
        item("D9"),  # never used
        item("D2", fee="50", fees=1),
        item("I1", "item", fee="50", fees=3),  # as much money, used more often
        item("M1", "material", fee="80", fees=1),
        item("D1"),
        item("I0", "item"),
    ])
    assert [i.item_code for i in ranked] == ["M1", "I1", "D2", "D1", "D9", "I0"]


def test_report_is_dated_by_the_day_the_window_ends_on_and_says_why_it_matters() -> None:
    report = build_report(rank([item("D1", sale="12.50", sales=2), item("M1", "material")]), SINCE, END)
    assert report.kind == "hsa_catalog_unmapped" and report.period == "2026-11-24"
    summary = dict(report.summary)
    assert summary["未对照药品"] == 1 and summary["未对照医用耗材"] == 1 and summary["未对照医疗服务项目"] == 0
    assert summary["近30天有使用的未对照项目"] == 1 and summary["近30天发药金额合计(元)"] == Decimal("12.50")
    assert "2026-10-26 00:00 至 2026-11-25 00:00" in summary["统计区间（北京时间）"]
    [sheet] = report.sheets
    assert [r["rank"] for r in sheet.rows] == [1, 2] and sheet.rows[0]["kind_title"] == "药品"
    assert "药品无国家医保目录编码" in (sheet.note or "")


def test_the_sql_reads_the_same_on_sqlite(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    his.create_schema(engine)
    at = datetime(2026, 11, 1)
    with engine.begin() as conn:
        conn.execute(insert(his.drug_dict), [
            dict(drug_code="D1", drug_name="布洛芬片", med_list_codg=None, rx_type="OTC", trace_required="N", is_active=1, updated_at=at),
            dict(drug_code="D2", drug_name="已对照药", med_list_codg="XM01AEB001A001010100001", rx_type="OTC",
                 trace_required="N", is_active=1, updated_at=at)])
        conn.execute(insert(his.charge_item), [
            dict(item_code="M1", item_name="一次性输液器", item_kind="material", is_active=1, updated_at=at)])
        conn.execute(insert(his.patient), [dict(patient_id="P1", name="患者", gender="1", created_at=at)])
        conn.execute(insert(his.fee_detail), [
            dict(fee_id="F1", mdtrt_id="MD1", patient_id="P1", visit_kind="O", item_kind="material", item_code="M1",
                 item_name="一次性输液器", fee_time=at, qty=2, unit_price=5, amount=Decimal("10.00"), status="normal",
                 updated_at=at),
            dict(fee_id="F2", mdtrt_id="MD1", patient_id="P1", visit_kind="O", item_kind="material", item_code="M1",
                 item_name="一次性输液器", fee_time=at - timedelta(days=40), qty=9, unit_price=5, amount=Decimal("45"),
                 status="normal", updated_at=at)])
    rows = read_unmapped(engine, SINCE, END)
    assert [(r.item_kind, r.item_code, r.fee_count, r.fee_amount) for r in rows] == [
        ("drug", "D1", 0, Decimal("0.00")), ("material", "M1", 1, Decimal("10.00"))]
