"""互认项目未对照清单 without PostgreSQL: reading the pipeline's quarantine reasons, comparing use with the code
tables, ranking, the report's content, its SQL and ledger query on SQLite, and the operator."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import create_engine, insert

from demo.his import schema as his
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger, LedgerItem, RunContext, dumps
from hisbridge.pipeline.extract import SourceRecord
from hisbridge.pipeline.mapping import MappingError, map_record
from hisbridge.pipeline.spec import load_feed_spec, shared_codes
from hisbridge.platforms.mutual import unmapped_items as mod
from hisbridge.platforms.mutual.operators import UnmappedItemsOperator
from hisbridge.platforms.mutual.unmapped_items import (
    CODE_FILES,
    AwaitingRequeue,
    ItemUsage,
    Quarantine,
    Unmapped,
    build_report,
    compare,
    quarantine_counts,
    rank,
    read_quarantine_reasons,
    read_usage,
    unmapped_codes,
)

END = datetime(2026, 11, 25, 7)
SINCE = END - timedelta(days=30)
AT = datetime(2026, 11, 24, 10, 30)
CODES = {"lab_data_code": {"XCG": "L0001", "BLANK": ""}, "lab_item_code": {"WBC": "L0001.01"},
         "exam_data_code": {"CT0101": "E0001"}, "lab_data_name": {"XCG": "血常规"}}


def _reason(feed: str, values: dict[str, str]) -> str:
    """The quarantine reason the pipeline itself writes for ``values`` (what the ledger then holds)."""
    with pytest.raises(MappingError) as caught:
        map_record(load_feed_spec(feed), SourceRecord("K1", values))
    return "; ".join(caught.value.problems)


def usage(kind: str, code: str, reports: int = 1, name: str | None = None) -> ItemUsage:
    return ItemUsage(kind, code, name or f"名称{code}", reports, AT if reports else None)


def unmapped(kind: str, code: str, reports: int = 0, quarantined: int = 0) -> Unmapped:
    return Unmapped(kind, code, f"名称{code}", reports, AT if reports else None, quarantined)


# ------------------------------------------------------------------------------------------ quarantine reasons


def test_a_reason_written_by_the_pipeline_names_its_unmapped_codes_and_tables() -> None:
    reason = _reason("mutual_lab_report", {"panel_code": "THXHDB"})
    assert unmapped_codes(reason) == {("lab_data_code", "THXHDB"), ("lab_data_name", "THXHDB"),
                                      ("lab_mtu_rec", "THXHDB"), ("lab_mtu_limit", "THXHDB")}
    indicator = _reason("mutual_lab_indicator", {"item_code": "NEUT%'X", "panel_code": "THXHDB"})
    assert {("lab_item_code", "NEUT%'X"), ("lab_data_code", "THXHDB")} <= unmapped_codes(indicator)


def test_a_record_counts_once_per_code_and_once_in_the_total() -> None:
    panel = _reason("mutual_lab_report", {"panel_code": "THXHDB"})
    both = _reason("mutual_lab_indicator", {"item_code": "NEWITEM", "panel_code": "THXHDB"})
    exam = _reason("mutual_exam_report", {"item_code": "CT9999"})
    other = "患者缺少证件号码，平台无法按身份互认; 代码未对照：AnomalyCode 的 HIS 代码 '见备注' 不在对照表 anomaly 中"
    q = quarantine_counts([(panel, 3), (both, 2), (exam, 1), (other, 5)])
    assert q.by_code == {("lab_data_code", "THXHDB"): 5, ("lab_item_code", "NEWITEM"): 2,
                         ("exam_data_code", "CT9999"): 1}
    assert q.records == 6  # the anomaly's quarantine is not an item's


# ------------------------------------------------------------------------------------------ comparison, ranking


def test_only_codes_without_a_platform_code_are_listed_with_their_quarantined_records() -> None:
    q = Quarantine(Counter({("lab_data_code", "THXHDB"): 2}), 2)
    items, waiting = compare([usage("lab_panel", "XCG", 40), usage("lab_panel", "THXHDB", 1),
                              usage("lab_item", "WBC", 40), usage("lab_item", "HbA1c", 3),
                              usage("exam_item", "CT0101", 9), usage("exam_item", "CT0301", 2),
                              usage("lab_panel", "BLANK", 1)], CODES, q)
    assert {(i.item_kind, i.item_code, i.quarantined) for i in items} == {
        ("lab_panel", "THXHDB", 2), ("lab_item", "HbA1c", 0), ("exam_item", "CT0301", 0), ("lab_panel", "BLANK", 0)}
    assert waiting == []


def test_a_code_only_the_quarantine_names_is_listed_unused_or_as_waiting_for_a_requeue() -> None:
    q = Quarantine(Counter({("lab_data_code", "OLDPNL"): 4, ("exam_data_code", "CT0101"): 7}), 11)
    items, waiting = compare([usage("exam_item", "CT0101", 9)], CODES, q)
    assert items == [Unmapped("lab_panel", "OLDPNL", None, 0, None, 4)]
    assert waiting == [AwaitingRequeue("exam_item", "CT0101", "E0001", 7)]


def test_a_missing_code_table_is_refused_rather_than_listing_everything() -> None:
    with pytest.raises(ValueError, match="exam_data_code"):
        compare([], {k: v for k, v in CODES.items() if k != "exam_data_code"}, Quarantine(Counter(), 0))


def test_most_reports_first_then_most_records_waiting_then_kind_and_code() -> None:
    ranked = rank([unmapped("exam_item", "E1", 5), unmapped("lab_item", "I1", 5), unmapped("lab_panel", "P2", 1, 1),
                   unmapped("lab_panel", "P1", 1, 3), unmapped("lab_panel", "P0", 0, 9), unmapped("lab_item", "I0")])
    assert [i.item_code for i in ranked] == ["I1", "E1", "P1", "P2", "P0", "I0"]


def test_the_real_code_tables_map_the_demo_panels_but_not_the_planted_one() -> None:
    codes = shared_codes(list(CODE_FILES))
    items, _ = compare([usage("lab_panel", "XCG"), usage("lab_panel", "THXHDB"), usage("lab_item", "HbA1c"),
                        usage("exam_item", "CT0101")], codes, Quarantine(Counter(), 0))
    assert [i.item_code for i in items] == ["THXHDB"]


# ------------------------------------------------------------------------------------------ the report


def test_report_is_dated_by_the_window_end_and_says_how_to_map() -> None:
    items = rank([unmapped("lab_panel", "THXHDB", 1, 2), unmapped("exam_item", "CT0301", 3)])
    waiting = [AwaitingRequeue("exam_item", "CT0101", "E0001", 7)]
    report = build_report(items, waiting, Quarantine(Counter(), 9), SINCE, END)
    assert report.kind == "mutual_unmapped_items" and report.period == "2026-11-25"
    summary = dict(report.summary)
    assert summary["未对照检验组合"] == 1 and summary["未对照检查项目"] == 1 and summary["未对照检验项目"] == 0
    assert summary["近30天未对照项目的报告数"] == 4 and summary["因项目未对照隔离的记录（生成时）"] == 9
    assert summary["已对照、待重新排队的隔离记录"] == 7
    assert "2026-10-26 07:00 至 2026-11-25 07:00" in summary["统计区间（北京时间）"]
    sheet, second = report.sheets
    assert [(r["rank"], r["kind_title"], r["item_code"], r["table"]) for r in sheet.rows] == [
        (1, "检查项目", "CT0301", "exam_data_code"), (2, "检验组合", "THXHDB", "lab_data_code")]
    assert sheet.rows[1]["quarantined"] == 2 and sheet.rows[1]["last_report"] == AT
    assert "mutual_items.yaml" in (sheet.note or "") and "requeue" in (sheet.note or "")
    assert second.rows == [{"kind_title": "检查项目", "item_code": "CT0101", "platform_code": "E0001", "quarantined": 7}]


# ------------------------------------------------------------------------------------------ SQL and ledger


def test_the_usage_sql_counts_signed_reports_of_the_30_days_on_sqlite(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)  # no foreign keys: the reports' patients and staff are not the point
    his.create_schema(engine)
    common = dict(apply_no="A", patient_id="P1", visit_kind="O", apply_dept_code="D", revision=1)
    lab = dict(common, panel_name="血常规", micro_flag="N", specimen_no="S", specimen_type="BLD", sample_time=AT,
               report_no="R", audit_doctor_code="U", report_dept_code="D", updated_at=AT)
    exam = dict(common, exam_type="CT", special_flag="N", exam_time=AT, report_no="R", report_doctor_code="U",
                report_dept_code="D", updated_at=AT)
    result = dict(seq_no=1, item_name="白细胞", result_kind="N", status="normal", updated_at=AT)
    with engine.begin() as conn:
        conn.execute(insert(his.lab_report), [
            dict(lab, report_id="L1", panel_code="XCG", report_time=AT, status="reported"),
            dict(lab, report_id="L2", panel_code="XCG", panel_name="血常规(五分类)", report_time=AT + timedelta(hours=1),
                 status="reported"),
            dict(lab, report_id="L3", panel_code="XCG", report_time=AT + timedelta(hours=2), status="voided"),
            dict(lab, report_id="L4", panel_code="OLD", report_time=SINCE - timedelta(seconds=1), status="reported"),
            dict(lab, report_id="L5", panel_code="NEW", report_time=SINCE, status="reported")])
        conn.execute(insert(his.lab_result), [
            dict(result, result_id="R1", report_id="L1", item_code="WBC"),
            dict(result, result_id="R2", report_id="L2", item_code="WBC"),
            dict(result, result_id="R3", report_id="L2", item_code="WBC", seq_no=2),  # the LIS repeated it
            dict(result, result_id="R4", report_id="L3", item_code="PLT"),  # its report is voided
            dict(result, result_id="R5", report_id="L1", item_code="HGB", status="voided"),
            dict(result, result_id="R6", report_id="L1", item_code="SAU", result_kind="G")])  # an organism
        conn.execute(insert(his.exam_report), [
            dict(exam, report_id="E1", report_time=AT, status="reported"),
            dict(exam, report_id="E2", report_time=END, status="reported")])  # the window's end is not in it
        conn.execute(insert(his.exam_report_item), [
            dict(item_id="I1", report_id="E1", seq_no=1, item_code="CT0101", item_name="胸部CT平扫", status="normal",
                 updated_at=AT),
            dict(item_id="I2", report_id="E2", seq_no=1, item_code="CT0101", item_name="胸部CT平扫", status="normal",
                 updated_at=AT)])
    rows = read_usage(engine, SINCE, END)
    assert [(r.item_kind, r.item_code, r.item_name, r.report_count, r.last_report) for r in rows] == [
        ("exam_item", "CT0101", "胸部CT平扫", 1, AT),
        ("lab_item", "WBC", "白细胞", 2, AT + timedelta(hours=1)),
        ("lab_panel", "NEW", "血常规", 1, SINCE),
        ("lab_panel", "XCG", "血常规(五分类)", 2, AT + timedelta(hours=1))]


def test_the_ledger_query_groups_the_feeds_records_quarantined_now(sqlite_url: str) -> None:
    ledger = Ledger(make_engine(sqlite_url))
    ledger.ensure_schema()
    run = RunContext(run_id="r1", window_start=AT, window_end=AT + timedelta(minutes=5))
    panel = _reason("mutual_lab_report", {"panel_code": "THXHDB"})

    def items(*keys: str, reason: str | None = panel) -> list[LedgerItem]:
        return [LedgerItem(k, k.ljust(64, "0"), dumps({"k": k}), reason=reason) for k in keys]

    ledger.settle("mutual_lab_report", "mutual", items("R1", "R2"), ls.QUARANTINED, run)
    ledger.settle("mutual_lab_report", "mutual", items("R3", reason="患者缺少证件号码"), ls.QUARANTINED, run)
    ledger.settle("mutual_lab_report", "mutual", items("R4"), ls.REJECTED, run)  # not quarantined now
    ledger.settle("mutual_registration", "mutual", items("G1"), ls.QUARANTINED, run)  # not an item feed
    assert read_quarantine_reasons(ledger) == [(panel, 2)]


# ------------------------------------------------------------------------------------------ the operator


@pytest.fixture
def wired(monkeypatch):
    import hisbridge.hooks as hooks

    calls: list[datetime] = []

    class FakeLedgerHook:
        def __init__(self, conn_id: str) -> None:
            self.ledger = f"ledger:{conn_id}"

    def fake_report(his_engine, ledger, end):
        calls.append(end)
        if his_engine == "broken":
            raise ValueError("code table exam_data_code is missing")
        return {"period": "2026-11-25", "unmapped": 1}

    monkeypatch.setattr(hooks, "engine_for", lambda conn_id: "broken" if conn_id == "broken" else "his")
    monkeypatch.setattr(hooks, "LedgerHook", FakeLedgerHook)
    monkeypatch.setattr(mod, "unmapped_items_report", fake_report)
    return calls


def test_the_operator_reports_for_the_interval_end_in_local_time(wired) -> None:
    end = datetime(2026, 11, 24, 23, tzinfo=ZoneInfo("UTC"))  # 07:00 on the 25th in Shanghai
    summary = UnmappedItemsOperator(task_id="t").execute({"data_interval_end": end})
    assert summary == {"period": "2026-11-25", "unmapped": 1} and wired == [END]


def test_the_operator_fails_without_retry_when_the_code_tables_are_broken(wired) -> None:
    end = datetime(2026, 11, 24, 23, tzinfo=ZoneInfo("UTC"))
    with pytest.raises(AirflowFailException, match="exam_data_code"):
        UnmappedItemsOperator(task_id="t", his_conn_id="broken").execute({"data_interval_end": end})
