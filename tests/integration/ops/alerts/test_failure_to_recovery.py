"""Issue 13's "done when", as Airflow runs it: a real feed DAG (``hsa_trace_inventory``) with the 医保 simulator
down fails past its retries → ONE alert at the local robot receiver (and one e-mail), with the command that fixes
it; the check DAG's callable twice → nothing repeated; the simulator back, the window re-run → a recovery message.

The DAG gets the two notifiers exactly as ``platform_default_args`` puts them in ``default_args`` once the lead
applies the scheduling.py patch (the callbacks are set on its task here), and a 1-second retry instead of minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hisbridge import PROJECT_DIR
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.ops.alerts.state import IncidentStore
from simulators.webhook.server import WebhookServer
from tests.integration.ops.alerts.smtp_sink import SmtpSink

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 24)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "alerts-e2e-secret-0123456789abcdef"
KEY = "task:hsa_trace_inventory.upload_stock_takes"


@pytest.fixture(scope="module")
def airflow_home() -> Path:
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=dict(os.environ), check=True,
                   capture_output=True, timeout=300)
    return Path(os.environ["AIRFLOW_HOME"])


def _hsa_conn(port: int) -> str:
    return json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http", "password": SECRET,
        "extra": {"fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院", "mdtrtarea_admvs": "360100",
                  "recer_sys_code": "his", "infver": "V1.0", "auth": "csb", "paasid": "hb-e2e", "opter": "hisbridge",
                  "opter_name": "数据集成平台", "opter_type": "1", "ip": "127.0.0.1", "timeout": 2}})


@pytest.fixture
def site(airflow_home, monkeypatch, tmp_path, pg_url):
    from demo.his.generate import generate
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    his_path = tmp_path / "his.db"
    demo = generate(make_engine(f"sqlite:///{his_path}"), DAY, 60, seed=5)
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    with SimServer(SimState(auth_mode="csb", paasid="hb-e2e", secret=SECRET)) as probe:
        dead_port = probe.port  # the simulator is down: nothing listens on its port any more
    with WebhookServer(wecom_keys={"ROBOTKEY"}) as robot, SmtpSink() as smtp:
        monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
        monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
            "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
            "schema": pg_url.rsplit("/", 1)[1]}))
        monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", _hsa_conn(dead_port))
        monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_ALERT_WEBHOOK", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": robot.port, "schema": "http", "password": "ROBOTKEY",
            "extra": {"format": "wecom"}}))
        monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_ALERT_SMTP", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
            "extra": {"from_email": "hisbridge@hospital.local", "to": "ops@hospital.local", "disable_ssl": True,
                      "disable_tls": True, "retry_limit": 0}}))
        monkeypatch.setenv("AIRFLOW_VAR_HSA_BATCH_SIZE", "20")
        yield {"robot": robot, "smtp": smtp, "ledger": ledger, "pii": demo.pii}


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_DIR / "dags" / f"{dag_id}.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag(dag_id)


def _dag_with_notifiers():
    from hisbridge.ops.alerts import task_failure_notifier, task_recovery_notifier

    dag = _dag("hsa_trace_inventory")
    for task in dag.tasks:
        task.on_failure_callback = [task_failure_notifier()]
        task.on_success_callback = [task_recovery_notifier()]
        task.retries, task.retry_delay, task.retry_exponential_backoff = 1, timedelta(seconds=1), 0
    return dag


def _task_posts(robot) -> list[str]:
    return [r.text for r in robot.state.accepted("wecom") if "商品盘存" in r.text]


def test_a_failed_feed_alerts_once_with_the_fix_and_its_recovery_is_told(site, monkeypatch) -> None:
    from hisbridge.ops.alerts.task import check_all
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    robot, smtp, ledger = site["robot"], site["smtp"], site["ledger"]
    logical = datetime(2026, 11, 25, tzinfo=SHANGHAI)

    run = _dag_with_notifiers().test(logical_date=logical)
    assert run.state == "failed"
    [text] = _task_posts(robot)  # two attempts, one alert: on_failure_callback runs after the last retry only
    assert "【hisbridge告警】任务失败：医保追溯·商品盘存(3501) · 上传商品盘存 失败" in text
    assert "窗口 2026-11-24 00:00（北京时间） – 2026-11-25 00:00（北京时间）" in text
    assert "第 2 次尝试后仍失败" in text
    assert ("airflow tasks clear hsa_trace_inventory -t '^upload_stock_takes$' -s 2026-11-24T16:00:00+00:00 "
            "-e 2026-11-24T16:00:00+00:00 -y") in text
    assert "python -m hisbridge ledger failures --feed hsa_trace_inventory" in text
    assert len(smtp.messages) == 1 and "上传商品盘存" in smtp.messages[0][1]["Subject"]
    pii = site["pii"]
    assert [v for v in (*pii.names, *pii.id_card_nos, *pii.phones) if v in text] == []

    store = IncidentStore(ledger.engine)
    assert store.open_incident(KEY).notify_count == 1
    checked = _dag("hisbridge_alerts").test()  # the check DAG itself, then its callable: nothing repeated
    assert checked.state == "success"
    second = check_all()
    assert KEY not in second["fired"]
    assert len(_task_posts(robot)) == 1 and store.open_incident(KEY).notify_count == 1

    with SimServer(SimState(auth_mode="csb", paasid="hb-e2e", secret=SECRET)) as sim:
        monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", _hsa_conn(sim.port))
        again = _dag_with_notifiers().test(logical_date=logical)
    assert again.state == "success"
    posts = _task_posts(robot)
    assert len(posts) == 2 and posts[1].startswith("### 【hisbridge已恢复】任务失败：医保追溯·商品盘存(3501)")
    assert store.open_incident(KEY) is None and store.incidents(KEY)[0].status == "resolved"
    check_all()
    assert len(_task_posts(robot)) == 2
