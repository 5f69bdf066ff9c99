"""``python -m hisbridge alerts`` and the alert page's routes on a real PostgreSQL ledger holding a morning's
incidents, raised, reminded and resolved by the real alerter (``incident_support.py``)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hisbridge.__main__ import main as hisbridge_main
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.ops.alerts import cli
from hisbridge.ops.alerts.cli import width
from hisbridge.ops.alerts.state import IncidentStore
from hisbridge.ops.alerts_page import create_alerts_app
from tests.integration.ops.alerts.incident_support import CONFIG, MAIL_REFUSAL, Planted, plant_incidents, sh

NOW = sh(24, 10, 2)


@pytest.fixture(scope="module")
def ledger_url(pg_module_url: str) -> str:
    return pg_module_url


@pytest.fixture(scope="module")
def planted(ledger_url: str) -> Planted:
    ledger = Ledger(make_engine(ledger_url))
    ledger.ensure_schema()
    try:
        return plant_incidents(IncidentStore(ledger.engine))
    finally:
        ledger.engine.dispose()


def run(capsys, ledger_url: str, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--url", ledger_url, *args], now=NOW)
    out, err = capsys.readouterr()
    return code, out, err


def listed_ids(out: str) -> list[int]:
    """The incident numbers of the table's rows (a row starts with its right-aligned number)."""
    return [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)  ", out, re.MULTILINE)]


def column_of(line: str, text: str) -> int:
    """The display column where ``text`` starts in ``line``."""
    return width(line[: line.index(text)])


def test_list_shows_the_open_incidents_newest_first_with_their_fix(capsys, ledger_url, planted) -> None:
    code, out, _ = run(capsys, ledger_url, "list")
    assert code == 0
    assert listed_ids(out) == [planted.sla, planted.task, planted.backlog]
    lines = out.splitlines()
    assert lines[0].startswith("未恢复的告警 3 条（时间均为北京时间")
    assert lines[1].split() == ["告警编号", "类别", "对象", "状态", "首次", "最近提醒", "恢复时间", "次数", "摘要"]
    backlog = next(line for line in lines if re.match(rf"\s*{planted.backlog}  ", line))
    # since 06:05, told at 06:10 and reminded at 08:15 (Beijing time): two messages
    assert "待处理记录积压" in backlog and "接口 mutual_lab_indicator（隔离）" in backlog and "未恢复" in backlog
    assert "2026-11-24 06:05" in backlog and "2026-11-24 08:15" in backlog
    assert re.search(r"  2  接口 mutual_lab_indicator 有 2 条记录隔离", backlog)
    fix = lines[lines.index(backlog) + 1]
    assert fix.strip().startswith("处理命令：") and "ledger requeue --feed mutual_lab_indicator --state quarantined" in fix
    task = next(line for line in lines if re.match(rf"\s*{planted.task}  ", line))
    assert "DAG cdc_routine_same_day · 任务 emr_ex_lab" in task and "任务失败" in task


def at(line: str, col: int) -> str:
    """``line`` from display column ``col`` on ("" when ``col`` falls inside a wide character or past the end)."""
    for i in range(len(line) + 1):
        if width(line[:i]) == col:
            return line[i:]
    return ""


def test_list_columns_line_up_under_chinese_headings(capsys, ledger_url, planted) -> None:
    _, out, _ = run(capsys, ledger_url, "list", "--all")
    lines = out.splitlines()
    head, rows = lines[1], [line for line in lines[2:] if not line.strip().startswith("处理命令")]
    assert len(rows) == 5
    state, since, count_end = column_of(head, "状态"), column_of(head, "首次"), column_of(head, "次数") + width("次数")
    for row in rows:
        assert at(row, state).startswith(("未恢复", "已恢复")), row
        assert at(row, since).startswith("2026-11-2"), row
        assert at(row, count_end - 1)[:1].isdigit() and at(row, count_end)[:2] == "  ", row  # right-aligned


def test_list_all_shows_recovered_incidents_with_their_recovery_time(capsys, ledger_url, planted) -> None:
    _, out, _ = run(capsys, ledger_url, "list", "--all")
    assert listed_ids(out) == [planted.sla, planted.connection, planted.task, planted.backlog, planted.old]
    connection = next(line for line in out.splitlines() if re.match(rf"\s*{planted.connection}  ", line))
    assert "连接 his_db" in connection and "已恢复" in connection
    assert "2026-11-24 08:00" in connection and "2026-11-24 08:20" in connection  # since, recovered (Beijing)


def test_since_keeps_incidents_open_or_recovered_after_it(capsys, ledger_url, planted) -> None:
    _, out, _ = run(capsys, ledger_url, "list", "--all", "--since", "1d")
    assert listed_ids(out) == [planted.sla, planted.connection, planted.task, planted.backlog]
    _, out, _ = run(capsys, ledger_url, "list", "--all", "--since", "2026-11-24 08:30")  # after the recovery at 08:20
    assert listed_ids(out) == [planted.sla, planted.task, planted.backlog]
    _, out, _ = run(capsys, ledger_url, "list", "--all", "--since", "2026-11-21")
    assert planted.old in listed_ids(out)
    code, _, err = run(capsys, ledger_url, "list", "--since", "yesterday")
    assert code == 2 and "7d" in err


def test_feed_lists_the_incidents_of_the_feed_and_of_its_dag(capsys, ledger_url, planted) -> None:
    _, out, _ = run(capsys, ledger_url, "list", "--feed", "cdc_emr_ex_lab")
    assert listed_ids(out) == [planted.sla, planted.task]  # its SLA, and a failed task of its DAG
    _, out, _ = run(capsys, ledger_url, "list", "--feed", "cdc_emr_order")
    assert listed_ids(out) == [planted.task]  # same DAG (cdc_routine_same_day)
    _, out, _ = run(capsys, ledger_url, "list", "--all", "--feed", "hsa_trace_sale")
    assert listed_ids(out) == [planted.old]
    _, out, _ = run(capsys, ledger_url, "list", "--feed", "hsa_trace_sale")
    assert listed_ids(out) == [] and out.strip() == "没有未恢复的告警。"


def test_show_tells_what_since_when_every_message_and_the_fix(capsys, ledger_url, planted) -> None:
    code, out, _ = run(capsys, ledger_url, "show", str(planted.backlog))
    assert code == 0
    assert out.startswith(f"告警 {planted.backlog} · 待处理记录积压 · 未恢复")
    assert "问题：2 条隔离，最早一条自 2026-11-24 06:05（北京时间）" in out
    assert "开始于：2026-11-24 06:05（北京时间），已持续 3 小时 57 分钟" in out
    assert "最近提醒：2026-11-24 08:15 · 已通知 2 次" in out
    assert "处理命令：在 HIS 更正源数据" in out
    assert "台账待处理记录 http://localhost:8080/hisbridge/ledger/failures?feed=mutual_lab_indicator&state=quarantined" in out
    assert f"本告警 http://localhost:8080/hisbridge-alerts/{planted.backlog}" in out
    sent = [line.split() for line in out.splitlines() if line.startswith("    2026-")]
    assert [row[2:5] for row in sent] == [
        ["首次告警", "ops_robot（群机器人）", "已送达"], ["首次告警", "ops_mail（邮件）", "发送失败"],
        ["提醒（仍未恢复）", "ops_robot（群机器人）", "已送达"], ["提醒（仍未恢复）", "ops_mail（邮件）", "发送失败"]]
    assert [row[1] for row in sent] == ["06:10", "06:10", "08:15", "08:15"]
    assert MAIL_REFUSAL in out


def test_show_of_a_recovered_incident_tells_the_recovery(capsys, ledger_url, planted) -> None:
    _, out, _ = run(capsys, ledger_url, "show", str(planted.connection))
    assert "· 连接中断 · 已恢复" in out.splitlines()[0]
    assert "恢复时间：2026-11-24 08:20（hisbridge_alerts 发现已恢复）" in out
    assert "持续 20 分钟" in out
    assert re.search(r"2026-11-24 08:20\s+恢复通知\s+ops_robot（群机器人）\s+已送达", out)


def test_show_of_an_unknown_incident_fails_in_words(capsys, ledger_url, planted) -> None:
    code, out, err = run(capsys, ledger_url, "show", "999999")
    assert code == 1 and out == "" and "没有编号为 999999 的告警" in err


def test_a_ledger_without_the_alert_tables_says_how_to_upgrade(capsys, sqlite_url) -> None:
    code, _, err = run(capsys, sqlite_url, "list")
    assert code == 1 and "python -m hisbridge ledger upgrade" in err


def test_python_m_hisbridge_dispatches_alerts(capsys, ledger_url, planted) -> None:
    assert hisbridge_main(["alerts", "--url", ledger_url, "list", "--all", "--feed", "hsa_trace_sale"]) == 0
    assert f"{planted.old}  任务失败" in capsys.readouterr().out
    assert hisbridge_main([]) == 0
    assert "alerts" in capsys.readouterr().out


# -- the page's routes (the browser test reads them as an operator does) ----------------------------------------


@pytest.fixture(scope="module")
def client(ledger_url: str, planted: Planted):
    ledger = Ledger(make_engine(ledger_url))
    app = create_alerts_app(lambda: ledger, clock=lambda: NOW, config=lambda: CONFIG)
    with TestClient(app) as made:
        yield made
    ledger.engine.dispose()


def test_the_page_lists_open_incidents_by_default_and_all_on_request(client, planted) -> None:
    open_page = client.get("/").text
    ids = [int(i) for i in re.findall(r"data-incident=(\d+)", open_page)]
    assert ids == [planted.sla, planted.task, planted.backlog]
    every = client.get("/", params={"status": "all"}).text
    assert [int(i) for i in re.findall(r"data-incident=(\d+)", every)][:2] == [planted.sla, planted.connection]
    assert client.get("/", params={"feed": "cdc_emr_order"}).text.count("data-incident=") == 1


def test_the_page_refuses_in_chinese_without_a_stack(client) -> None:
    missing = client.get("/999999")
    assert missing.status_code == 404 and "没有这条告警" in missing.text
    wrong = client.get("/abc")
    assert wrong.status_code == 422 and "告警编号" in wrong.text
    assert client.get("/", params={"status": "closed"}).status_code == 422


def test_the_page_is_read_only(client, planted) -> None:
    assert client.post(f"/{planted.backlog}").status_code == 405
    assert "<form" not in client.get(f"/{planted.backlog}").text
