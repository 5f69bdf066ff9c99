"""The task summary's lines as plain functions (the real task logs are in test_task_log.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from hisbridge.task_summary import failures_url, feed_summary_lines, window_text


def _summary(**counts) -> dict:
    base = {"feed": "hsa_trace_sale", "window_start": "2026-11-24 10:10:00", "window_end": "2026-11-24 10:15:00",
            "selected": 0, "acknowledged": 0, "rejected": 0, "quarantined": 0, "unknown": 0, "skipped": 0,
            "withdrawn": 0, "pending": 0, "messages": 0, "seconds": 0.4, "halted": None, "reasons": {}}
    return {**base, **counts}


def test_a_clean_run_is_one_info_line_with_every_count() -> None:
    lines = feed_summary_lines(_summary(selected=12, acknowledged=10, skipped=2, messages=1), "商品销售", base="")
    assert lines == [(logging.INFO, "汇总：商品销售（hsa_trace_sale）窗口 2026-11-24 10:10–10:15（北京时间）：抽取 12 条 — "
                      "已确认 10、平台拒收 0、隔离 0、结果未知 0、跳过(已确认未变化) 2、撤回 0、待发送 0；报文 1 条，用时 0.4 秒")]


def test_quarantine_and_refusals_are_a_warning_with_the_failures_page() -> None:
    lines = feed_summary_lines(_summary(selected=9, acknowledged=5, quarantined=3, rejected=1,
                                        reasons={"缺少追溯码": 2, "追溯码重复": 1, "x": 1}),
                               "商品销售", base="http://ops:8080")
    warnings = [text for level, text in lines if level == logging.WARNING]
    assert warnings[0].startswith("任务成功，但有记录未送达：3 条隔离、1 条被拒，见 "
                                  "http://ops:8080/hisbridge/ledger/failures?feed=hsa_trace_sale&state=quarantined"
                                  "&state=rejected")
    assert warnings[1] == "主要原因：缺少追溯码 × 2；追溯码重复 × 1；x × 1"


def test_unknown_outcomes_and_a_halt_are_warned_apart() -> None:
    lines = feed_summary_lines(_summary(selected=4, unknown=4, halted="read timeout"), "商品销售", base="")
    warnings = [text for level, text in lines if level == logging.WARNING]
    assert len(warnings) == 2
    assert warnings[0].startswith("4 条结果未知") and "state=unknown" in warnings[0]
    assert warnings[1] == "本次运行中途停止：read timeout"


def test_windows_read_in_shanghai_time_whatever_zone_they_come_in() -> None:
    utc = ZoneInfo("UTC")
    assert window_text(datetime(2026, 11, 24, 2, 10, tzinfo=utc), datetime(2026, 11, 24, 2, 15, tzinfo=utc)) \
        == "2026-11-24 10:10–10:15（北京时间）"
    assert window_text(datetime(2026, 11, 24), datetime(2026, 11, 25)) == "2026-11-24 00:00–24:00（北京时间）"
    assert window_text(datetime(2026, 11, 24, 23), datetime(2026, 11, 25, 1)) \
        == "2026-11-24 23:00 – 2026-11-25 01:00（北京时间）"


def test_failures_url_uses_the_configured_base_url(monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example/")
    assert failures_url("cdc_emr_ex_lab") == \
        "https://airflow.example/hisbridge/ledger/failures?feed=cdc_emr_ex_lab&state=quarantined&state=rejected"
