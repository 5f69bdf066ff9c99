"""The hx_* views on SQLite (the demo HIS): today's rows, ADD_STATE, masking, the check and the command."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from hisbridge.platforms.queue.cli import main
from hisbridge.platforms.queue.declaration import QueueContract, load_contract
from hisbridge.platforms.queue.views import check, install
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

from .his_tables import build_his, db_today


@pytest.fixture
def his(sqlite_url: str, contract: QueueContract) -> Iterator[Engine]:
    engine = build_his(sqlite_url, contract)
    result = install(engine, contract)
    assert result.notes == ("SQLite has no accounts: reader not installed",)
    yield engine
    engine.dispose()


def rows(engine: Engine, view: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(f"SELECT * FROM {view}")).mappings()]


def test_only_todays_outpatient_registrations_are_in_the_queue(his: Engine, contract: QueueContract) -> None:
    queue = {r["QUEUE_ID"]: r for r in rows(his, "hx_queue")}
    assert set(queue) == {"R001", "R002", "R003", "R007"}
    assert {r["VISIT_DATE"] for r in queue.values()} == {db_today(his, contract).isoformat()}


def test_cancelled_registration_stays_with_add_state_0(his: Engine) -> None:
    with his.begin() as conn:
        conn.execute(text("UPDATE registration SET status = 'cancelled' WHERE reg_id = 'R002'"))
    queue = {r["QUEUE_ID"]: r["ADD_STATE"] for r in rows(his, "hx_queue")}
    assert queue == {"R001": 2, "R002": 0, "R003": 2, "R007": 0}


def test_sqlite_rows_carry_masked_names_priorities_and_second_precision_times(his: Engine) -> None:
    queue = {r["QUEUE_ID"]: r for r in rows(his, "hx_queue")}
    assert [queue[k]["PATIENT_NAME"] for k in ("R001", "R002", "R003", "R007")] == [
        "张*三",
        "李*",
        "欧*明",
        "赵*",
    ]
    assert [queue[k]["PRIORITY"] for k in ("R001", "R002", "R003")] == [0, 2, 1]
    assert len(queue["R001"]["REG_TIME"]) == 19  # 'YYYY-MM-DD HH:MM:SS'
    assert queue["R002"]["SIGN_IN_TIME"] is None and queue["R001"]["SIGN_IN_STATE"] == 1


def test_sqlite_reference_views_list_inactive_rows_as_0(his: Engine) -> None:
    assert {r["DEPT_ID"]: r["ADD_STATE"] for r in rows(his, "hx_department")} == {"1010": 2, "1020": 0}
    assert {r["DOCTOR_ID"]: r["ADD_STATE"] for r in rows(his, "hx_doctor")} == {"D10231": 2, "D10232": 0}


def test_check_passes_on_sqlite_and_skips_the_reader(his: Engine, contract: QueueContract) -> None:
    report = check(his, contract)
    assert report.passed, report.render()
    assert any("SQLite" in n for n in report.notes)


def test_check_reports_a_dropped_column_on_sqlite(his: Engine, contract: QueueContract) -> None:
    with his.begin() as conn:
        conn.execute(text("DROP VIEW hx_room"))
        conn.execute(text("CREATE VIEW hx_room AS SELECT room_code AS ROOM_ID, 2 AS ADD_STATE FROM room"))
    report = check(his, contract)
    assert not report.passed
    assert "hx_room.ROOM_NAME" in {f.subject for f in report.findings if f.code == "column_missing"}


def test_cli_through_the_airflow_connection_his_db(sqlite_url: str, monkeypatch, capsys) -> None:
    contract = load_contract()
    engine = build_his(sqlite_url, contract)
    engine.dispose()
    path = sqlite_url.removeprefix("sqlite:///")
    monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", f'{{"conn_type": "sqlite", "host": "{path}"}}')
    assert main(["install", "--site", "demo"]) == 0
    assert main(["check", "--site", "demo", "--json"]) == 0
    assert '"passed": true' in capsys.readouterr().out


@pytest.mark.usefixtures("task_log")
def test_the_dag_task_ends_its_log_with_the_verdict_and_fails_naming_what_is_wrong(
        his: Engine, contract: QueueContract, sqlite_url: str, monkeypatch, caplog) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from hisbridge.platforms.queue.operator import QueueViewsCheckOperator

    path = sqlite_url.removeprefix("sqlite:///")
    monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", f'{{"conn_type": "sqlite", "host": "{path}"}}')
    op = QueueViewsCheckOperator(task_id="check_contract", reader_conn_id=None)
    summary = op.execute({})
    report = check(his, contract)
    assert summary["passed"] and operator_lines(caplog, op)[-1] == (logging.INFO, (
        f"汇总：{report.title}检查 sqlite，站点 默认：通过（错误 0，警告 {summary['warnings']}，已检查 {len(report.notes)} 项）"))

    with his.begin() as conn:
        conn.execute(text("DROP VIEW hx_room"))
        conn.execute(text("CREATE VIEW hx_room AS SELECT room_code AS ROOM_ID, 2 AS ADD_STATE FROM room"))
    caplog.clear()
    with pytest.raises(AirflowFailException, match="hx_room.ROOM_NAME"):
        op.execute({})
    head, warning = operator_lines(caplog, op)
    assert head[0] == logging.INFO and "：不通过（错误 " in head[1]
    assert warning[0] == logging.WARNING and warning[1].startswith(f"{report.title}不符合契约：")
    assert "hx_room.ROOM_NAME" in warning[1] and warning[1].endswith("python -m hisbridge queue-views check 复查）")
