"""The monthly operations report on a real ledger (PostgreSQL, and SQLite as the demo runs it): a month of planted
history written through the ledger's own write paths, with timestamps chosen so that every figure is known
exactly — records failing and recovering, outages, a platform with N failed calls out of M, served API calls —
then the workbook read back with openpyxl and the page searched for the same figures and for personal data."""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import insert

from hisbridge import PROJECT_DIR
from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import JournalEntry, Ledger, LedgerItem, MessageResult, RunContext, dumps
from hisbridge.ops.monthly_report import KIND, monthly_report, write_monthly_report
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

SH = ZoneInfo("Asia/Shanghai")
SALE, PATIENT_INFO, LEGACY = "hsa_trace_sale", "cdc_emr_patient_info", "legacy_upload"
RUN = RunContext(run_id="scheduled__2026-11", actor="airflow:hsa_trace_sale.deliver#1")
# personal data planted where a careless report could pick it up: a rejection's words, a request body, a
# gateway call's request
NAME_IN_REASON, NAME_IN_REQUEST, NAME_IN_GATEWAY = "张三", "王五", "李四"
CERTNO = "36010219800101001X"
TRACE_REFUSAL = "追溯码 {} 已被其他机构销售"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@dataclass
class Planter:
    ledger: Ledger
    now: datetime | None = None

    def __post_init__(self) -> None:
        # the ledger's clock is UTC (SQLite keeps a time's wall clock without its offset)
        self.ledger.clock = lambda: self.now.astimezone(UTC) if self.now else None
        self.msgids = itertools.count(1)

    def send(self, feed: str, platform: str, keys: list[str], sent: datetime, outcome: str, states: list[str],
             errors: list[str | None] | None = None, *, answered: datetime | None = None, err_msg: str | None = None,
             http_status: int | None = None, request: str | None = None, response: str | None = None) -> None:
        self.now = sent
        items = [LedgerItem(k, f"h-{k}", dumps({"trace": k, "psn_name": NAME_IN_REASON if k == "r6" else "赵六",
                                                "certno": CERTNO})) for k in keys]
        ticket = self.ledger.begin_message(feed=feed, platform=platform, operation="3505A", purpose="upload",
                                           msgid=f"H3601{next(self.msgids):012d}", items=items, run=RUN)
        self.now = answered or sent
        body = request or dumps({"input": [{"trace": k, "psn_name": NAME_IN_REQUEST, "certno": CERTNO} for k in keys]})
        self.ledger.finish_message(ticket, MessageResult(
            outcome, states, errors or [None] * len(keys), err_msg=err_msg, http_status=http_status, request=body,
            response=response or dumps({"infcode": 0})), RUN)

    def settle(self, feed: str, platform: str, key: str, moment: datetime, state: str, reason: str) -> None:
        self.now = moment
        self.ledger.settle(feed, platform, [LedgerItem(key, f"h-{key}", dumps({"trace": key}), reason=reason)],
                           state, RUN)

    def requeue(self, feed: str, key: str, moment: datetime) -> None:
        self.now = moment
        self.ledger.requeue([self.ledger.lookup(feed, [key])[key].id], "ops-li", "追溯码已更正")

    def call(self, platform: str, operation: str, direction: str, outcome: str, moment: datetime, **kw) -> None:
        self.ledger.journal(JournalEntry(platform=platform, operation=operation, direction=direction,
                                         outcome=outcome, started_at=moment, **kw))


def plant(ledger: Ledger) -> None:
    p = Planter(ledger)
    ACK, REJ, UNK, PEND = "acknowledged", "rejected", "unknown", "pending"
    # -- 商品销售 (hsa): five recoveries of 10, 30, 90, 120 and 240 minutes ---------------------------------------
    p.send(SALE, "hsa", ["r1"], at(11, 3, 10), REJ, [REJ], [TRACE_REFUSAL.format("12345678901234")])
    p.requeue(SALE, "r1", at(11, 3, 10, 20))
    p.send(SALE, "hsa", ["r1"], at(11, 3, 10, 30), ACK, [ACK])  # r1: 30 min
    p.settle(SALE, "hsa", "r2", at(11, 5, 8), "quarantined", "医疗目录编码缺失")
    p.send(SALE, "hsa", ["r2"], at(11, 5, 9, 30), ACK, [ACK])  # r2: 90 min
    # an outage of the feed: no answer at 12:00, connection refused at 13:00, answered at 14:00 (120 min)
    p.send(SALE, "hsa", ["r3"], at(11, 10, 12), UNK, [UNK], ["read timeout"], err_msg="read timeout", http_status=504)
    p.send(SALE, "hsa", ["r9"], at(11, 10, 13), "not_sent", [PEND], ["connect refused"], err_msg="connect refused")
    p.send(SALE, "hsa", ["r3", "r9"], at(11, 10, 14), ACK, [ACK, ACK])  # r3: 120 min (r9 never failed)
    p.send(SALE, "hsa", ["r4"], at(10, 31, 21), REJ, [REJ], ["追溯码状态异常"])  # October
    p.send(SALE, "hsa", ["r4"], at(11, 1, 1), ACK, [ACK])  # r4: 240 min, across the month's start
    p.send(SALE, "hsa", ["r5"], at(11, 2, 9), ACK, [ACK])  # never failed
    p.send(SALE, "hsa", ["r7"], at(11, 4, 9), ACK, [ACK])
    p.send(SALE, "hsa", ["r7"], at(11, 6, 9), REJ, [REJ], [TRACE_REFUSAL.format("98765432109876")])
    p.send(SALE, "hsa", ["r7"], at(11, 6, 9, 10), ACK, [ACK])  # r7: 10 min, counted from after its first ack
    p.send(SALE, "hsa", ["r6", "r8"], at(11, 20, 10), REJ, [REJ, REJ],
           [f"患者{NAME_IN_REASON}证件号码不符", TRACE_REFUSAL.format("11112222333344")])
    p.send(SALE, "hsa", ["r10"], at(11, 20, 10, 5), "not_sent", [PEND], ["not sent: run halted"],
           err_msg="not sent: run halted")  # a halted run's unsent message: no call
    p.send(SALE, "hsa", ["r8"], at(12, 2, 10), ACK, [ACK])  # December: r8 was still rejected when November ended
    # -- 患者信息 (cdc): three records quarantined, none recovered ------------------------------------------------
    for key, reason in (("q1", "出生日期缺失"), ("q2", "出生日期缺失"), ("q3", "性别代码不在值域")):
        p.settle(PATIENT_INFO, "cdc", key, at(11, 12, 8), "quarantined", reason)
    # -- a feed the ledger knows but no YAML declares (retired): still reported ---------------------------------
    p.send(LEGACY, "regional", ["x1"], at(11, 7, 9), ACK, [ACK], request="x" * 2048, response="y" * 1024)
    # -- 互认 platform, real-time calls: 4 of 40 calls failed -----------------------------------------------------
    # 15th: 10 calls from 10:00, 10:03 and 10:04 no answer (one a 503), 10:05 not sent → 7 of 10 answered; the
    # 10:06 call ends a 3-minute outage
    for i in range(10):
        outcome = {3: UNK, 4: UNK, 5: "not_sent"}.get(i, ACK)
        p.call("mutual", "uploadReminderRecords", "out", outcome, at(11, 15, 10, i),
               http_status=503 if i == 4 else None, request=dumps({"PatientName": NAME_IN_REQUEST}))
    # 16th (from 07:30 local, still the 15th in UTC): 30 calls, the last without an answer and none after it
    for i in range(30):
        p.call("mutual", "uploadReminderRecords", "out", UNK if i == 29 else ACK, at(11, 16, 7, 30 + i))
    p.call("mutual", "uploadReminderRecords", "out", "pending", at(11, 16, 9))  # journalled, never attempted
    # -- 医保 gateway: 5 HIS calls (4 acknowledged, 1 refused) and a job's own call ---------------------------------
    for i in range(5):
        p.call("hsa", "2207", "out", REJ if i == 4 else ACK, at(11, 8, 9, i), caller="his-outpatient",
               duration_ms=100 * (i + 1), request=dumps({"psn_name": NAME_IN_GATEWAY, "certno": CERTNO}))
    p.call("hsa", "3201", "out", ACK, at(11, 30, 23, 59), caller="airflow:hsa_monthly_reconciliation.reconcile#1")
    # -- served APIs: the city brain's calls and the 互认 workstation's ------------------------------------------
    for i in range(6):
        p.call("city_brain", "/api/his/bills", "in", "4001" if i == 5 else "ok", at(11, 9, 9, i), caller="cb-app",
               duration_ms=20)
    for i in range(3):
        p.call("mutual", "query-reminders", "in", "ok", at(11, 9, 10, i), caller="ws-1", duration_ms=40 + 20 * i)
    # -- windows the runs took to the end (Asia/Shanghai wall clock): two in November, one either side ------------
    def window(start: datetime, selected: int, acked: int, rejected: int) -> dict:
        return {"feed": SALE, "window_start": start, "window_end": start + timedelta(minutes=5), "run_id": "r",
                "selected": selected, "acknowledged": acked, "rejected": rejected, "quarantined": 0, "unknown": 0,
                "completed_at": datetime(2026, 12, 1, tzinfo=UTC)}

    with ledger.engine.begin() as conn:
        conn.execute(insert(s.feed_window), [
            window(datetime(2026, 11, 3, 10), 5, 3, 1), window(datetime(2026, 11, 30, 23, 55), 4, 4, 0),
            window(datetime(2026, 10, 31, 23, 55), 9, 9, 0), window(datetime(2026, 12, 1, 0, 0), 9, 9, 0)])
    # outside the month: nothing of it may count
    p.call("mutual", "uploadReminderRecords", "out", UNK, at(12, 1, 0))
    p.call("city_brain", "/api/his/bills", "in", "ok", at(10, 31, 23, 59))


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def planted(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "postgres":
        url = request.getfixturevalue("pg_module_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.db'}"
    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    plant(ledger)
    ledger.engine.dispose()
    yield url


@pytest.fixture(scope="module")
def written(planted, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    files, report = write_monthly_report(make_engine(planted), "2026-11", out)
    return files, report, out


def rows_of(ws) -> list[dict]:
    """A table sheet as dicts by header (the sheet's first row is its note, the second its headers)."""
    values = list(ws.iter_rows(values_only=True))
    header = values[1]
    return [dict(zip(header, r, strict=True)) for r in values[2:]]


def one(rows: list[dict], **match) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_the_workbook_opens_with_the_summary_then_each_table(written) -> None:
    files, _, out = written
    assert files.xlsx == out / KIND / "2026-11.xlsx" and files.html == out / KIND / "2026-11.html"
    wb = openpyxl.load_workbook(files.xlsx)
    assert wb.sheetnames == ["概要", "各接口记录", "运行窗口", "各接口报文", "实时调用", "失败原因", "记录恢复时间", "中断与恢复",
                             "中断明细", "平台可用率（全月）", "平台可用率（按日）", "对外服务调用"]
    summary = {r[0]: r[1] for r in wb["概要"].iter_rows(min_row=2, values_only=True)}
    assert summary["月份"] == "2026-11"
    assert summary["统计区间（北京时间）"] == "2026-11-01 00:00 至 2026-12-01 00:00"
    assert summary["本月恢复的记录（条）"] == 5 and summary["记录最长恢复时间（分钟）"] == 240
    assert summary["可用率·省检查检验结果互认平台（%）"] == 90
    assert summary["对外服务调用（次）"] == 5 + 6 + 3


def test_records_are_counted_once_in_their_state_at_the_end_of_the_month(written) -> None:
    rows = rows_of(openpyxl.load_workbook(written[0].xlsx)["各接口记录"])
    sale = one(rows, 接口ID=SALE)
    # r1–r10 touched; r4 was first seen in October; r8 was acknowledged only in December
    assert (sale["本月经手（条）"], sale["其中本月新增（条）"]) == (10, 9)
    assert (sale["月末已确认（条）"], sale["月末平台拒收（条）"], sale["月末待发送（条）"]) == (7, 2, 1)
    info = one(rows, 接口ID=PATIENT_INFO)
    assert (info["本月经手（条）"], info["月末已隔离（条）"]) == (3, 3)
    assert one(rows, 接口ID=LEGACY)["月末已确认（条）"] == 1  # known only to the ledger
    assert one(rows, 接口ID="cdc_base_dept")["本月经手（条）"] == 0  # declared, idle: listed with zeros


def test_windows_of_the_month_show_what_their_runs_skipped(written) -> None:
    rows = rows_of(openpyxl.load_workbook(written[0].xlsx)["运行窗口"])
    assert [(r["接口ID"], r["完成的窗口（个）"], r["选中记录（条）"], r["确认（条）"], r["跳过等其他（条）"]) for r in rows] == [
        (SALE, 2, 9, 7, 1)]


def test_messages_count_outcomes_records_and_sizes_but_not_a_halted_runs_unsent_message(written) -> None:
    rows = rows_of(openpyxl.load_workbook(written[0].xlsx)["各接口报文"])
    sale = one(rows, 接口ID=SALE)
    assert sale["报文（条）"] == 12
    assert (sale["确认（条）"], sale["拒收（条）"], sale["无应答（条）"], sale["未发出（条）"]) == (7, 3, 1, 1)
    assert (sale["其中 HTTP 5xx（条）"], sale["运行中止未发出（条）"], sale["携带记录（条）"]) == (1, 1, 14)
    legacy = one(rows, 接口ID=LEGACY)
    assert (legacy["请求（KB）"], legacy["应答（KB）"]) == (2.0, 1.0)


def test_time_to_recovery_of_records_is_from_first_failure_to_acknowledgement(written) -> None:
    rows = rows_of(openpyxl.load_workbook(written[0].xlsx)["记录恢复时间"])
    sale = one(rows, 接口ID=SALE)
    # 10, 30, 90, 120, 240 minutes
    assert (sale["本月恢复（条）"], sale["恢复时间中位数（分钟）"], sale["最长恢复时间（分钟）"]) == (5, 90, 240)
    assert sale["月末仍未恢复（条）"] == 2
    info = one(rows, 接口ID=PATIENT_INFO)
    assert (info["本月恢复（条）"], info["恢复时间中位数（分钟）"], info["月末仍未恢复（条）"]) == (0, None, 3)


def test_outages_run_from_the_first_failed_call_to_the_next_answered_one(written) -> None:
    wb = openpyxl.load_workbook(written[0].xlsx)
    rows = rows_of(wb["中断与恢复"])
    sale = one(rows, 对象="接口", 名称=f"商品销售（{SALE}）")
    assert (sale["中断（次）"], sale["已恢复（次）"], sale["恢复时间中位数（分钟）"], sale["失败调用（次）"]) == (1, 1, 120, 2)
    mutual = one(rows, 对象="平台实时调用", 名称="省检查检验结果互认平台")
    assert (mutual["中断（次）"], mutual["已恢复（次）"], mutual["最长恢复时间（分钟）"]) == (2, 1, 3)
    # open since 16 Nov 07:59 until 1 Dec 00:00: 14 days and 961 minutes
    assert (mutual["月末未恢复（次）"], mutual["未恢复已持续（分钟）"]) == (1, 14 * 1440 + 961)
    assert not [r for r in rows if r["名称"] == "国家医保平台"], "every 医保 real-time call was answered"
    detail = rows_of(wb["中断明细"])
    still = one(detail, 状态="月末未恢复")
    assert still["开始（北京时间）"] == datetime(2026, 11, 16, 7, 59) and still["恢复（北京时间）"] is None
    feed = one(detail, 名称=f"商品销售（{SALE}）")
    assert (feed["开始（北京时间）"], feed["恢复（北京时间）"], feed["持续（分钟）"]) == (
        datetime(2026, 11, 10, 12), datetime(2026, 11, 10, 14), 120)


def test_availability_is_answered_calls_over_calls_per_platform_and_local_day(written) -> None:
    wb = openpyxl.load_workbook(written[0].xlsx)
    month = rows_of(wb["平台可用率（全月）"])
    mutual = one(month, 平台="省检查检验结果互认平台")
    assert (mutual["调用（次）"], mutual["有应答（次）"], mutual["无应答·超时/5xx（次）"], mutual["未发出·连接失败（次）"],
            mutual["其中 HTTP 5xx（次）"], mutual["可用率（%）"]) == (40, 36, 3, 1, 1, 90)
    hsa = one(month, 平台="国家医保平台")
    # 12 feed messages (10 answered) + 6 real-time calls (all answered); the halted run's message is no call
    assert (hsa["调用（次）"], hsa["有应答（次）"], hsa["可用率（%）"]) == (18, 16, 88.89)
    daily = rows_of(wb["平台可用率（按日）"])
    assert one(daily, 平台="省检查检验结果互认平台", **{"日期（北京时间）": "2026-11-15"})["可用率（%）"] == 70
    sixteenth = one(daily, 平台="省检查检验结果互认平台", **{"日期（北京时间）": "2026-11-16"})
    assert (sixteenth["调用（次）"], sixteenth["可用率（%）"]) == (30, 96.67)


def test_served_api_calls_are_counted_by_service_operation_and_outcome(written) -> None:
    rows = rows_of(openpyxl.load_workbook(written[0].xlsx)["对外服务调用"])
    gateway = one(rows, 服务="医保实时网关", 结果="成功")
    assert (gateway["接口/交易"], gateway["调用（次）"], gateway["平均耗时（毫秒）"], gateway["最长耗时（毫秒）"]) == (
        "2207", 4, 250, 400)
    assert one(rows, 服务="医保实时网关", 结果="平台拒绝")["调用（次）"] == 1
    assert not [r for r in rows if r["接口/交易"] == "3201"], "a job's own 医保 call is not a served call"
    assert one(rows, 服务="城市大脑医院接口", 结果="成功")["调用（次）"] == 5
    assert one(rows, 服务="城市大脑医院接口", 结果="代码 4001")["调用（次）"] == 1
    workstation = one(rows, 服务="互认工作站服务")
    assert (workstation["调用（次）"], workstation["平均耗时（毫秒）"]) == (3, 60)


def test_failure_causes_are_grouped_masked_and_ranked(written) -> None:
    rows = rows_of(openpyxl.load_workbook(written[0].xlsx)["失败原因"])
    sale = [r for r in rows if r["接口ID"] == SALE]
    # the same refusal about three trace codes is one cause; October's refusal is not this month's
    assert (sale[0]["类别"], sale[0]["原因"], sale[0]["次数（次）"]) == ("平台拒收", "追溯码 # 已被其他机构销售", 3)
    causes = {(r["类别"], r["原因"]): r["次数（次）"] for r in sale}
    assert causes[("隔离", "医疗目录编码缺失")] == 1
    assert causes[("结果未知", "read timeout")] == 1 and causes[("报文无应答", "read timeout")] == 1
    assert causes[("报文未发出", "connect refused")] == 1
    assert ("平台拒收", "追溯码状态异常") not in causes
    assert not [c for c in causes if "halted" in c[1]], "a halted run's unsent message is no failure"
    assert causes[("平台拒收", "患者张*证件号码不符")] == 1
    info = {(r["类别"], r["原因"]): r["次数（次）"] for r in rows if r["接口ID"] == PATIENT_INFO}
    assert info == {("隔离", "出生日期缺失"): 2, ("隔离", "性别代码不在值域"): 1}


def test_no_personal_data_reaches_the_page_or_the_workbook(written) -> None:
    files = written[0]
    page = files.html.read_text("utf-8")
    cells = " ".join(str(v) for ws in openpyxl.load_workbook(files.xlsx) for row in ws.iter_rows(values_only=True)
                     for v in row if v is not None)
    for text in (page, cells):
        for pii in (NAME_IN_REASON, NAME_IN_REQUEST, NAME_IN_GATEWAY, "赵六", CERTNO):
            assert pii not in text
    assert "患者张*证件号码不符" in page


def test_the_page_shows_the_same_figures(written) -> None:
    page = written[0].html.read_text("utf-8")
    assert "运维·月度运行报告 2026-11" in page
    for heading in ("各接口记录", "记录恢复时间", "中断与恢复", "平台可用率（按日）", "对外服务调用"):
        assert f"<h3>{heading}（" in page
    assert "<td class=n>90.0</td>" in page  # the median recovery and the 互认 platform's availability
    assert "<td class=n>88.89</td>" in page and "<td class=n>96.67</td>" in page
    assert "2026-11-16 07:59:00" in page  # the open outage's start, Asia/Shanghai


def test_rewriting_the_month_gives_the_same_bytes(written, planted) -> None:
    files, _, out = written
    before = files.xlsx.read_bytes(), files.html.read_bytes()
    again, _ = write_monthly_report(make_engine(planted), "2026-11", out)
    assert (again.xlsx.read_bytes(), again.html.read_bytes()) == before


def test_a_month_without_activity_still_lists_every_feed(planted) -> None:
    report = monthly_report(make_engine(planted), "2026-09")
    records = report.sheets[0]
    assert records.rows and all(r["touched"] == 0 for r in records.rows)
    assert dict(report.summary)["报文（条）"] == 0


def test_the_command_line_writes_the_month(planted, tmp_path) -> None:
    env = dict(os.environ, PYTHONPATH=f"{PROJECT_DIR / 'plugins'}{os.pathsep}{PROJECT_DIR}")
    proc = subprocess.run([sys.executable, "-m", "hisbridge.ops.monthly_report", "--url", planted,
                           "--month", "2026-11", "--out", str(tmp_path)], capture_output=True, text=True, env=env,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "本月恢复的记录（条）：5" in proc.stdout
    assert (tmp_path / KIND / "2026-11.xlsx").is_file() and (tmp_path / KIND / "2026-11.html").is_file()
    bad = subprocess.run([sys.executable, "-m", "hisbridge.ops.monthly_report", "--url", planted, "--month", "2026-13"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


def test_the_report_goes_to_the_reports_dir_by_default(planted, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HISBRIDGE_REPORTS_DIR", str(tmp_path))
    files, _ = write_monthly_report(make_engine(planted), "2026-11")
    assert files.html == Path(tmp_path) / KIND / "2026-11.html"


@pytest.mark.usefixtures("task_log")
def test_the_operator_reports_the_month_its_data_interval_starts_in(planted, tmp_path, monkeypatch, caplog) -> None:
    import json

    from sqlalchemy.engine import make_url

    from hisbridge.ops.monthly_operator import MonthlyOpsReportOperator

    url = make_url(planted)
    conn = ({"conn_type": "sqlite", "host": url.database} if url.get_backend_name() == "sqlite" else
            {"conn_type": "postgres", "host": url.host, "port": url.port, "login": url.username,
             "schema": url.database})
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps(conn))
    monkeypatch.setenv("HISBRIDGE_REPORTS_DIR", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ops:8080")
    # the run of 1 December 00:00 Asia/Shanghai: its data interval starts on 31 October 16:00 UTC
    summary = MonthlyOpsReportOperator(task_id="report").execute(
        {"data_interval_start": datetime(2026, 10, 31, 16, tzinfo=UTC)})
    assert summary["month"] == "2026-11" and summary["本月恢复的记录（条）"] == 5
    assert Path(summary["html"]) == tmp_path / KIND / "2026-11.html" and Path(summary["xlsx"]).is_file()

    # the log ends with the month's figures in Chinese; what was still undelivered at the month's end is a warning
    *_, head, warning = operator_lines(caplog, MonthlyOpsReportOperator)
    assert head[0] == logging.INFO and head[1].startswith(
        f"汇总：运维·月度运行报告 2026-11：本月经手记录 {summary['本月经手记录（条）']}、月末已确认 {summary['月末已确认（条）']}、"
        f"月末平台拒收 {summary['月末平台拒收（条）']}、")
    assert "本月恢复的记录 5" in head[1] and head[1].endswith(f"/hisbridge/reports/{KIND}/2026-11.html")
    assert "可用率·" in head[1]
    assert summary["月末平台拒收（条）"] + summary["月末已隔离（条）"] + summary["月末结果未知（条）"] > 0
    assert warning == (logging.WARNING, (
        f"月末仍有记录未送达：平台拒收 {summary['月末平台拒收（条）']}、隔离 {summary['月末已隔离（条）']}、"
        f"结果未知 {summary['月末结果未知（条）']}（条），在台账 http://ops:8080/hisbridge/ledger/ 逐个接口处理"))
