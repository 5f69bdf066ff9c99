"""dags/queue_views_contract_check.py parses with no connection and no database, and fails on findings."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from types import ModuleType

import pytest
from airflow.sdk import BaseHook, CronTriggerTimetable
from airflow.sdk.exceptions import AirflowFailException

from hisbridge import PROJECT_DIR
from hisbridge.contracts.findings import CheckReport, Code
from hisbridge.platforms.queue import cli

DAG_FILE = PROJECT_DIR / "dags" / "queue_views_contract_check.py"


@pytest.fixture
def dag_module(monkeypatch) -> ModuleType:
    def no_connections(*_a, **_k):
        raise AssertionError("a connection was fetched at parse time")

    monkeypatch.setattr(BaseHook, "get_connection", no_connections)
    monkeypatch.delenv("AIRFLOW_CONN_HIS_DB", raising=False)
    spec = importlib.util.spec_from_file_location("queue_views_contract_check_dag", DAG_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dag_parses_without_touching_a_database(dag_module) -> None:
    dag = dag_module.queue_views_contract_check()
    assert dag.dag_id == "queue_views_contract_check"
    assert dag.dag_display_name == "候诊叫号·视图契约检查"
    assert dag.doc_md == dag_module.__doc__ and "### 候诊叫号·视图契约检查" in dag.doc_md
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == ("30 6 * * *", "Asia/Shanghai")
    assert dag.catchup is False and dag.max_active_runs == 1
    assert set(dag.tags) == {"hisbridge", "queue"}
    (task,) = dag.tasks
    assert task.owner == "hisbridge" and task.retries == 1 and task.retry_delay == timedelta(minutes=5)
    assert task.task_display_name == "检查候诊叫号视图契约"


def test_dag_file_imports_only_airflow_sdk_and_hisbridge() -> None:
    imports = [
        line.split()[1]
        for line in DAG_FILE.read_text(encoding="utf-8").splitlines()
        if line.startswith(("import ", "from "))
    ]
    assert all(m in ("datetime",) or m.startswith(("airflow.sdk", "hisbridge")) for m in imports), imports


def test_task_fails_without_retry_and_lists_the_findings(dag_module, monkeypatch) -> None:
    report = CheckReport(dialect="oracle", site=None)
    report.add(Code.VIEW_MISSING, "hx_queue", "视图不存在")
    calls = []
    monkeypatch.setattr(cli, "run_check", lambda *a, **k: calls.append((a, k)) or report)
    task = dag_module.queue_views_contract_check().task_dict["check_contract"]
    with pytest.raises(AirflowFailException, match=r"\[view_missing\] hx_queue"):
        task.execute({})
    assert calls == [(("his_db",), {"site": None, "reader_conn_id": "his_queue_reader"})]


def test_task_returns_counts_when_the_check_passes(dag_module, monkeypatch) -> None:
    report = CheckReport(dialect="oracle", site=None)
    monkeypatch.setattr(cli, "run_check", lambda *a, **k: report)
    task = dag_module.queue_views_contract_check().task_dict["check_contract"]
    assert task.execute({}) == {"passed": True, "errors": 0, "warnings": 0, "codes": []}
