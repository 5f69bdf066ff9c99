"""Whole-DAG runs with ``dag.test()``: the scheduler's data interval → FeedOperator → simulator → ledger.

Few and slow on purpose (each task costs seconds in the task supervisor); the pipeline's cases are covered as
plain functions in tests/integration/pipeline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hisbridge import PROJECT_DIR
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 24)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "e2e-demo-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def airflow_home() -> Path:
    """The metadata DB of the AIRFLOW_HOME this process already uses (tests/conftest.py), migrated."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=dict(os.environ), check=True,
                   capture_output=True, timeout=300)
    return Path(os.environ["AIRFLOW_HOME"])


@pytest.fixture
def deployment(airflow_home, monkeypatch, tmp_path, pg_url):
    """HIS in SQLite, ledger in real PostgreSQL, the 医保 simulator — wired through Airflow connections."""
    from demo.his.generate import generate
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    his_path = tmp_path / "his.db"
    demo = generate(make_engine(f"sqlite:///{his_path}"), DAY, 60, seed=5)
    with SimServer(SimState(auth_mode="csb", paasid="hb-e2e", secret=SECRET)) as sim:
        monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
        monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
            "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
            "schema": pg_url.rsplit("/", 1)[1]}))
        monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http", "password": SECRET,
            "extra": {"fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院", "mdtrtarea_admvs": "360100",
                      "recer_sys_code": "his", "infver": "V1.0", "auth": "csb", "paasid": "hb-e2e",
                      "opter": "hisbridge", "opter_name": "数据集成平台", "opter_type": "1", "ip": "127.0.0.1"}}))
        monkeypatch.setenv("AIRFLOW_VAR_HSA_BATCH_SIZE", "20")
        yield {"sim": sim, "demo": demo, "ledger": Ledger(make_engine(pg_url))}


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_DIR / "dags" / f"{dag_id}.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag(dag_id)


# A manual/test run of a CronDataIntervalTimetable DAG covers the interval that *ends* at its logical date.
def test_nightly_inventory_dag_uploads_its_day_and_a_rerun_sends_nothing(deployment) -> None:
    dag = _dag("hsa_trace_inventory")
    run = dag.test(logical_date=datetime(2026, 11, 25, tzinfo=SHANGHAI))
    assert run.state == "success"
    ledger, sim = deployment["ledger"], deployment["sim"]
    counts = ledger.counts("hsa_trace_inventory")["hsa_trace_inventory"]
    assert counts[ls.ACKNOWLEDGED] > 0 and counts[ls.QUARANTINED] >= 1
    assert sim.state.summary()["records"]["1"] == counts[ls.ACKNOWLEDGED]
    messages = len(sim.state.journal)

    again = _dag("hsa_trace_inventory").test(logical_date=datetime(2026, 11, 25, tzinfo=SHANGHAI))
    assert again.state == "success"
    assert len(sim.state.journal) == messages  # not even a sign-in: nothing to send


def test_five_minute_sale_dag_reads_only_its_window(deployment, capfd) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from demo.his import schema as his_schema

    his = make_engine(f"sqlite:///{json.loads(os.environ['AIRFLOW_CONN_HIS_DB'])['host']}")
    t = his_schema.sale_line
    with his.connect() as conn:
        first = conn.execute(select(t.c.sale_line_id, t.c.sale_time).where(
            t.c.status == "normal", t.c.sale_time >= datetime(2026, 11, 24)).order_by(t.c.sale_time).limit(1)).one()
        start = first.sale_time.replace(minute=first.sale_time.minute // 5 * 5, second=0, microsecond=0)
        in_window = set(conn.execute(select(t.c.sale_line_id).where(
            t.c.sale_time >= start, t.c.sale_time < start + timedelta(minutes=5))).scalars())

    run = _dag("hsa_trace_sale").test(logical_date=(start + timedelta(minutes=5)).replace(tzinfo=SHANGHAI))

    assert run.state == "success"
    keys = {r.business_key for r in deployment["ledger"].records("hsa_trace_sale", limit=1000)}
    assert first.sale_line_id in keys and keys <= in_window
    # the task log (captured from the task runner) names counts and msgids, never a patient
    out = "".join(capfd.readouterr())
    assert "hsa_trace_sale summary" in out
    pii = deployment["demo"].pii
    assert [v for v in (*pii.names, *pii.id_card_nos, *pii.phones) if v in out] == []


@pytest.fixture
def mutual_deployment(airflow_home, monkeypatch, tmp_path, pg_url):
    """The demo HIS with its LIS data in SQLite, the ledger in PostgreSQL, the 互认 simulator — through Airflow
    connections, as a site configures them."""
    from demo.his.emr import generate_emr
    from demo.his.generate import generate
    from demo.his.insurance import generate_insurance
    from demo.his.mutual import generate_mutual
    from simulators.mutual.server import MutualSimulatorServer

    his_path = tmp_path / "his.db"
    his = make_engine(f"sqlite:///{his_path}")
    demo = generate(his, DAY, 60, seed=5)
    insurance = generate_insurance(his, DAY, seed=5)
    emr = generate_emr(his, DAY, seed=5)
    generate_mutual(his, DAY, seed=5)
    with MutualSimulatorServer() as sim:
        monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
        monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
            "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
            "schema": pg_url.rsplit("/", 1)[1]}))
        monkeypatch.setenv("AIRFLOW_CONN_MUTUAL_RECOGNITION", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http",
            "extra": {"org_code": "360102001", "org_name": "南昌市第一医院", "auth": "none"}}))
        yield {"sim": sim, "his": his, "ledger": Ledger(make_engine(pg_url)), "pii": (demo.pii, insurance.pii, emr.pii)}


def test_lab_report_dag_uploads_a_report_with_its_results_in_its_window(mutual_deployment, capfd) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from demo.his import schema as his_schema

    r, res = his_schema.lab_report, his_schema.lab_result
    with mutual_deployment["his"].connect() as conn:
        report = conn.execute(select(r.c.report_id, r.c.updated_at).where(
            r.c.status == "reported", r.c.panel_code == "XCG", r.c.updated_at >= datetime(2026, 11, 24))
            .order_by(r.c.updated_at).limit(1)).one()
        results = set(conn.execute(select(res.c.result_id).where(
            res.c.report_id == report.report_id, res.c.result_kind.in_(("N", "Q")))).scalars())
    start = report.updated_at.replace(minute=report.updated_at.minute // 5 * 5, second=0, microsecond=0)

    run = _dag("mutual_lab_reports").test(logical_date=(start + timedelta(minutes=5)).replace(tzinfo=SHANGHAI))

    assert run.state == "success"
    ledger, sim = mutual_deployment["ledger"], mutual_deployment["sim"]
    assert ledger.lookup("mutual_lab_report", [report.report_id])[report.report_id].state == ls.ACKNOWLEDGED
    held = sim.state.live_row("360102001", "labReport", report.report_id)
    assert held is not None and held.data["DataCode"] == "L0001"  # XCG 血常规 → the platform's item code
    children = {key for _, key in sim.state.live_children("360102001", report.report_id)}
    assert results and results <= children  # its results went up after it, in the same run
    out = "".join(capfd.readouterr())
    leaked = [v for p in mutual_deployment["pii"] for v in (*p.names, *p.id_card_nos, *p.phones) if v in out]
    assert leaked == []
