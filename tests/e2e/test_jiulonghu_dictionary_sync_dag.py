"""The 九龙湖 dictionary-sync DAG run whole with ``dag.test()``: a dry run writes nothing, a real run fills the campus
HIS dictionary by dictionary, through the Airflow connections ``his_db``, ``jiulonghu_his`` and ``hisbridge_db``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, select

from hisbridge import PROJECT_DIR
from hisbridge.db import make_engine

pytestmark = pytest.mark.e2e


@pytest.fixture
def deployment(monkeypatch, tmp_path, pg_url):
    from demo.his.generate import generate
    from demo.jiulonghu.schema import create_schema

    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=dict(os.environ), check=True,
                   capture_output=True, timeout=300)
    his_path, campus_path = tmp_path / "his.db", tmp_path / "jiulonghu.db"
    generate(make_engine(f"sqlite:///{his_path}"), date(2026, 11, 24), 30, seed=7)
    campus = make_engine(f"sqlite:///{campus_path}")
    create_schema(campus)
    monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
    monkeypatch.setenv("AIRFLOW_CONN_JIULONGHU_HIS", json.dumps({"conn_type": "sqlite", "host": str(campus_path)}))
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
        "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
        "schema": pg_url.rsplit("/", 1)[1]}))
    yield campus
    campus.dispose()


def test_dry_run_then_real_run(deployment, capfd) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from demo.jiulonghu import schema as cs

    def load():
        bag = DagBag(dag_folder=str(PROJECT_DIR / "dags" / "jiulonghu_dictionary_sync.py"))
        return bag.get_dag("jiulonghu_dictionary_sync")

    def count() -> int:
        with deployment.connect() as conn:
            return sum(conn.execute(select(func.count()).select_from(t)).scalar_one()
                       for t in cs.metadata.sorted_tables)

    run = load().test(run_conf={"dry_run": True})
    assert run.state == "success"
    assert count() == 0
    assert "试运行" in "".join(capfd.readouterr())

    run = load().test()  # as scheduled: the parameter's default
    assert run.state == "success"
    assert count() > 0
    out = "".join(capfd.readouterr())
    assert "科室（dept）：选取" in out and "试运行" not in out
