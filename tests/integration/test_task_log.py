"""The task log as ops read it: real tasks run by ``airflow tasks test`` in a fresh process (as a worker runs them:
the first import of Great Expectations happens inside the task), the whole log captured.

Issue 13 found a data-quality task log of 233 lines, 214 of them GX's import-time registration chatter, and the
only summary an English dict on the last line. Here: no GX line at INFO, the Chinese summary is there, and a
green feed task with quarantined records says so as a WARNING with the ledger page's address.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from hisbridge import PROJECT_DIR
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 24)
LOGICAL_DATE = "2026-11-25T00:00:00+08:00"  # the nightly run covering the demo day
SECRET = "task-log-demo-secret-0123456789abcdef"
BASE_URL = "http://airflow.hospital.example:8080"


@pytest.fixture(scope="module")
def airflow_home() -> Path:
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=dict(os.environ), check=True,
                   capture_output=True, timeout=300)
    return Path(os.environ["AIRFLOW_HOME"])


@pytest.fixture(scope="module")
def his(tmp_path_factory) -> dict:
    from demo.his.generate import generate

    path = tmp_path_factory.mktemp("task_log") / "his.db"
    demo = generate(make_engine(f"sqlite:///{path}"), DAY, 60, seed=5)
    return {"path": path, "pii": demo.pii}


def _env(**conns: dict) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env.update({
        "PYTHONPATH": f"{PROJECT_DIR / 'plugins'}:{PROJECT_DIR}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__API__BASE_URL": BASE_URL,
    })
    env.update({f"AIRFLOW_CONN_{name.upper()}": json.dumps(conn) for name, conn in conns.items()})
    return env


def _run_task(dag_id: str, task_id: str, env: dict[str, str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "airflow", "tasks", "test", dag_id, task_id, LOGICAL_DATE],
                          env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out.splitlines()


def _task_part(lines: list[str], task_id: str) -> list[str]:
    """The lines between the task's start and end (what the UI's task log shows; DAG parsing left out)."""
    start = next(i for i, line in enumerate(lines) if "[DAG TEST] starting" in line and task_id in line)
    end = next(i for i, line in enumerate(lines) if "[DAG TEST] end task" in line and task_id in line)
    return lines[start:end + 1]


def _gx_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if "great_expectations" in line]


def test_quality_task_log_has_no_gx_registration_noise_and_ends_with_a_chinese_summary(airflow_home, his,
                                                                                        tmp_path) -> None:
    env = _env(his_db={"conn_type": "sqlite", "host": str(his["path"])})
    env["HISBRIDGE_QUALITY_DIR"] = str(tmp_path / "quality")
    lines = _run_task("hisbridge_data_quality", "quality_hsa_trace_inventory", env)

    assert _gx_lines(lines) == []  # was 216 lines: GX logs while it is imported
    task = _task_part(lines, "quality_hsa_trace_inventory")
    ours = [line for line in task if "hisbridge.quality_operator" in line]
    assert "开始：数据质量检查 商品盘存（hsa_trace_inventory）" in ours[0]
    assert "2026-11-24 00:00–24:00（北京时间）" in ours[0]
    summary = next(line for line in ours if "汇总：数据质量" in line)
    assert re.search(r"记录 \d+ 条，已检查 \d+ 条", summary)
    # the planted drug without a national code fails a check: said as a warning, the task still succeeds
    assert any("[warning" in line and "任务成功，但有检查项不合格" in line and "国家医保目录编码" in line for line in ours)
    assert (tmp_path / "quality" / "hsa_trace_inventory" / "results" / "2026-11-24.json").is_file()


def test_feed_task_log_says_what_it_does_first_and_warns_of_quarantine_with_the_ledger_link(
        airflow_home, his, pg_url) -> None:
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    with SimServer(SimState(auth_mode="csb", paasid="hb-log", secret=SECRET)) as sim:
        env = _env(
            his_db={"conn_type": "sqlite", "host": str(his["path"])},
            hisbridge_db={"conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
                          "schema": pg_url.rsplit("/", 1)[1]},
            hsa_platform={"conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http",
                          "password": SECRET, "extra": {
                              "fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院",
                              "mdtrtarea_admvs": "360100", "recer_sys_code": "his", "infver": "V1.0", "auth": "csb",
                              "paasid": "hb-log", "opter": "hisbridge", "opter_name": "数据集成平台",
                              "opter_type": "1", "ip": "127.0.0.1"}},
        )
        lines = _run_task("hsa_trace_inventory", "upload_stock_takes", env)

    counts = Ledger(make_engine(pg_url)).counts("hsa_trace_inventory")["hsa_trace_inventory"]
    quarantined = counts[ls.QUARANTINED]
    assert quarantined >= 1 and counts[ls.ACKNOWLEDGED] > 0  # the demo's planted uncoded drugs
    task = _task_part(lines, "upload_stock_takes")
    ours = [line for line in task if "hisbridge.operators.FeedOperator" in line]
    assert "开始：商品盘存" in ours[0] and "2026-11-24 00:00–24:00（北京时间）" in ours[0] and "批量" in ours[0]
    summary = next(line for line in ours if "汇总：" in line)
    for label in ("抽取", "已确认", "平台拒收", "隔离", "结果未知", "跳过"):
        assert label in summary
    assert f"已确认 {counts[ls.ACKNOWLEDGED]}" in summary and f"隔离 {quarantined}" in summary
    warning = next(line for line in ours if "任务成功，但有记录未送达" in line)
    assert "[warning" in warning
    assert f"{quarantined} 条隔离、0 条被拒，见 {BASE_URL}/hisbridge/ledger/failures?feed=hsa_trace_inventory" \
        "&state=quarantined&state=rejected" in warning
    assert any("主要原因" in line and "国家医保目录编码" in line for line in ours)
    # the summary and its warnings close the task's own output: nothing of ours after them
    assert "主要原因" in ours[-1]
    assert _gx_lines(task) == []
    pii = his["pii"]
    assert [v for v in (*pii.names, *pii.id_card_nos, *pii.phones) if v in "\n".join(lines)] == []
