"""互认项目未对照清单 on real PostgreSQL: the demo HIS after the 检验报告 uploads ran (feeds_support.py: day-1, the
day, both again, as dags/mutual_lab_reports.py runs them), and the report the 07:00 run of the next morning writes.

Checked: the planted unmapped panel THXHDB heads the panels with the records it keeps in quarantine (its report and
its indicator, as the ledger says); a mapped panel is not listed; a panel unmapped in a site's YAML is ranked by its
use; a panel mapped since its records were quarantined is listed apart, for a re-queue; a re-run writes the same
bytes.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from hisbridge import MAPPINGS_DIR
from hisbridge.ledger import schema as ls
from hisbridge.platforms.mutual.unmapped_items import CODE_FILES, FEEDS, KIND, unmapped_items_report
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

from .feeds_support import DAY, LAB_PASSES, Delivery, His, deliver, demo_his

#: the DAG's run the morning after the demo day: its window ends at 07:00
END = datetime.combine(DAY + timedelta(days=1), time(7))
PERIOD = f"{END:%Y-%m-%d}"


@pytest.fixture(scope="module")
def his(pg_module_url) -> Iterator[His]:
    with demo_his(pg_module_url) as h:
        yield h


@pytest.fixture(scope="module")
def delivery(his: His) -> Iterator[Delivery]:
    with deliver(his, LAB_PASSES) as d:
        yield d


@pytest.fixture(scope="module")
def written(delivery: Delivery, tmp_path_factory) -> tuple[dict[str, Any], Path]:
    reports = tmp_path_factory.mktemp("reports")
    return unmapped_items_report(delivery.his.engine, delivery.ledger, END, reports), reports


def _sheet(path: Path, title: str) -> list[dict[str, Any]]:
    """The rows of one sheet of the workbook, by header (under the note line)."""
    ws = load_workbook(path, read_only=True)[title]
    _note, header, *rows = ws.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _mappings(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the code files with one line of mutual_items.yaml changed, as a site would edit it."""
    for name in CODE_FILES:
        shutil.copy(MAPPINGS_DIR / name, tmp_path / name)
    items = tmp_path / "mutual_items.yaml"
    text = items.read_text(encoding="utf-8")
    assert text.count(old) == 1
    items.write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path


def _quarantined_naming(delivery: Delivery, code: str) -> int:
    """Records of the item feeds quarantined now whose reason names ``code`` as unmapped, read record by record."""
    return sum(1 for feed in FEEDS for r in delivery.ledger.records(feed, states=[ls.QUARANTINED], limit=100_000)
               if f"HIS 代码 '{code}' 不在对照表 lab_data_code" in (r.reason or ""))


def test_the_planted_unmapped_panel_heads_the_panels_with_its_quarantined_records(delivery: Delivery,
                                                                                   written) -> None:
    summary, reports = written
    panel = delivery.his.mutual.edge_cases.lab_unmapped_panel
    rows = _sheet(reports / KIND / f"{PERIOD}.xlsx", "未对照项目")
    panels = [r for r in rows if r["类别"] == "检验组合"]
    first = panels[0]
    assert first["HIS编码"] == panel and first["名称"] == "糖化血红蛋白测定" and first["对照表"] == "lab_data_code"
    assert first["近30天报告数"] >= 1 and first["最近报告时间"].date() == DAY
    # its report and its indicator wait, and the ledger agrees record by record
    assert first["当前隔离记录数"] == _quarantined_naming(delivery, panel) >= 2
    assert summary["period"] == PERIOD and summary["lab_panel"] == len(panels)
    assert summary["quarantined"] >= first["当前隔离记录数"]


def test_mapped_panels_and_items_are_not_listed(delivery: Delivery, written) -> None:
    _, reports = written
    codes = {r["HIS编码"] for r in _sheet(reports / KIND / f"{PERIOD}.xlsx", "未对照项目")}
    assert not codes & {"XCG", "SHQX", "CRP", "WBC", "HbA1c", "CT0101"}
    page = (reports / KIND / f"{PERIOD}.html").read_text(encoding="utf-8")
    assert "互认项目未对照清单" in page and "mutual_items.yaml" in page and ">XCG<" not in page


def test_a_rerun_writes_the_same_bytes(delivery: Delivery, written) -> None:
    summary, reports = written
    folder = reports / KIND
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert set(before) == {f"{PERIOD}.html", f"{PERIOD}.xlsx"}
    assert unmapped_items_report(delivery.his.engine, delivery.ledger, END, reports) == summary
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_panel_the_site_has_not_mapped_is_ranked_by_its_use(delivery: Delivery, tmp_path: Path) -> None:
    mappings = _mappings(tmp_path, "    XCG: L0001\n", "")
    summary = unmapped_items_report(delivery.his.engine, delivery.ledger, END, tmp_path / "out", mappings)
    rows = _sheet(tmp_path / "out" / KIND / f"{PERIOD}.xlsx", "未对照项目")
    panels = [r for r in rows if r["类别"] == "检验组合"]
    # 血常规 is the demo's most ordered panel; it was mapped when the feeds ran, so nothing of it waits
    assert [r["HIS编码"] for r in panels[:2]] == ["XCG", delivery.his.mutual.edge_cases.lab_unmapped_panel]
    assert panels[0]["近30天报告数"] > panels[1]["近30天报告数"] and panels[0]["当前隔离记录数"] == 0
    assert summary["lab_panel"] == 2


def test_a_panel_mapped_since_its_records_were_quarantined_waits_for_a_requeue(delivery: Delivery,
                                                                                tmp_path: Path) -> None:
    panel = delivery.his.mutual.edge_cases.lab_unmapped_panel
    mappings = _mappings(tmp_path, "    XCG: L0001\n", f"    XCG: L0001\n    {panel}: L0018\n")
    summary = unmapped_items_report(delivery.his.engine, delivery.ledger, END, tmp_path / "out", mappings)
    path = tmp_path / "out" / KIND / f"{PERIOD}.xlsx"
    assert panel not in {r["HIS编码"] for r in _sheet(path, "未对照项目")}
    assert _sheet(path, "已对照待重新排队") == [{"类别": "检验组合", "HIS编码": panel, "已对照平台项目": "L0018",
                                              "仍隔离记录数": _quarantined_naming(delivery, panel)}]
    assert summary["awaiting_requeue"] == _quarantined_naming(delivery, panel)


@pytest.mark.usefixtures("task_log")
def test_the_operator_ends_its_log_with_the_counts_and_a_warning_naming_the_list(delivery: Delivery, tmp_path: Path,
                                                                                 monkeypatch, caplog) -> None:
    from zoneinfo import ZoneInfo

    from hisbridge.platforms.mutual.operators import UnmappedItemsOperator

    for conn_id, engine in (("HIS_DB", delivery.his.engine), ("HISBRIDGE_DB", delivery.ledger.engine)):
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id}", json.dumps({
            "conn_type": "postgres", "host": engine.url.host, "port": engine.url.port, "login": engine.url.username,
            "schema": engine.url.database}))
    monkeypatch.setenv("HISBRIDGE_REPORTS_DIR", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ops:8080")
    summary = UnmappedItemsOperator(task_id="t").execute(
        {"data_interval_end": END.replace(tzinfo=ZoneInfo("Asia/Shanghai"))})
    url = f"http://ops:8080/hisbridge/reports/{KIND}/{PERIOD}.html"
    lines = operator_lines(caplog, UnmappedItemsOperator)
    head = [line for line in lines if line[1].startswith("汇总：")]
    assert head == [(logging.INFO, (
        f"汇总：互认项目未对照清单 {PERIOD}：未对照 {summary['unmapped']} 项（检验组合 {summary['lab_panel']}、"
        f"检验项目 {summary['lab_item']}、检查项目 {summary['exam_item']}），其中近30天有报告 {summary['used']} 项；"
        f"因代码未对照隔离的记录 {summary['quarantined']} 条；清单 {url}"))]
    assert summary["used"] >= 1 and summary["quarantined"] >= 2  # the planted panel THXHDB: its report, its indicator
    assert lines[lines.index(head[0]) + 1] == (logging.WARNING, (
        f"任务成功，但有项目未对照互认平台代码：近30天有报告的 {summary['used']} 项，其报告被隔离 {summary['quarantined']} 条；"
        f"按清单在 mutual_items.yaml 中补齐对照，见 {url}"))
