"""HsaJobOperator.execute builds a job's context from Airflow's connections and variables: the window in local
time, the actor, journalled 医保 calls through the shared sign-in, and the options merged with the DAG's Variable."""

from __future__ import annotations

import json
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from airflow.sdk.exceptions import AirflowFailException

from demo.his.generate import generate
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.operators import HsaJobOperator
from hisbridge.platforms.hsa.jobs import JobContext, JobRefused, load_job, run_job
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "job-operator-test-secret-0123456789"


def person_lookup(ctx: JobContext) -> dict:
    """A job for this test: one journalled 1101, and what the context held."""
    answer = ctx.gateway.call("1101", {"mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X",
                                       "psn_cert_type": "01", "certno": "36010219800101001X"}, caller=ctx.actor)
    return {"msgid": answer.msgid, "window": [str(w) for w in ctx.window], "options": dict(ctx.params)}


def no_platform(ctx: JobContext) -> dict:
    return {"ok": 1}


def misconfigured(ctx: JobContext) -> dict:
    raise JobRefused("rule broken_sql could not run")


@pytest.fixture
def env(monkeypatch, tmp_path, pg_url):
    his_path = tmp_path / "his.db"
    generate(make_engine(f"sqlite:///{his_path}"), date(2026, 11, 24), 40, seed=3)
    with SimServer(SimState(auth_mode="tif", paasid="hb-job", secret=SECRET)) as sim:
        monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http", "password": SECRET,
            "extra": {"fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院", "mdtrtarea_admvs": "360100",
                      "recer_sys_code": "his", "auth": "tif", "paasid": "hb-job", "opter": "hisbridge",
                      "opter_name": "数据集成平台", "ip": "127.0.0.1"}}))
        monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
        monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
            "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
            "schema": pg_url.rsplit("/", 1)[1]}))
        yield SimpleNamespace(sim=sim, ledger=Ledger(make_engine(pg_url)), monkeypatch=monkeypatch)


def _context(start, end) -> dict:
    ti = SimpleNamespace(dag_id="hsa_job_test", task_id="lookup", try_number=2)
    return {"data_interval_start": start, "data_interval_end": end, "ti": ti, "run_id": "manual__x"}


DAY = (datetime(2026, 11, 23, 16, tzinfo=ZoneInfo("UTC")), datetime(2026, 11, 24, 16, tzinfo=ZoneInfo("UTC")))


def test_a_job_gets_the_local_window_the_actor_and_journalled_calls(env) -> None:
    env.monkeypatch.setenv("AIRFLOW_VAR_HSA_JOB_TEST_PARAMS", json.dumps({"deadline_days": 10}))
    op = HsaJobOperator(task_id="lookup", job=f"{__name__}:person_lookup", options={"deadline_days": 30, "x": 1})
    summary = op.execute(_context(*DAY))
    assert summary["window"] == ["2026-11-24 00:00:00", "2026-11-25 00:00:00"]  # Asia/Shanghai wall clock
    assert summary["options"] == {"deadline_days": 10, "x": 1}  # the Variable overrides the DAG file's options
    entry = env.ledger.journal_entries(platform="hsa")[0]
    assert (entry["operation"], entry["msgid"], entry["outcome"]) == ("1101", summary["msgid"], "acknowledged")
    assert entry["caller"] == "airflow:hsa_job_test.lookup#2"
    assert [e["infno"] for e in env.sim.state.journal.values()] == ["9001", "1101"]  # signed in once, shared


def test_a_job_that_never_calls_the_platform_never_signs_in(env) -> None:
    assert HsaJobOperator(task_id="lookup", job=f"{__name__}:no_platform").execute(_context(*DAY)) == {"ok": 1}
    assert not env.sim.state.journal


def test_a_run_without_data_interval_fails_without_retry(env) -> None:
    with pytest.raises(AirflowFailException, match="no data interval"):
        HsaJobOperator(task_id="lookup", job=f"{__name__}:no_platform").execute(_context(None, None))


def test_a_refused_job_fails_without_retry(env) -> None:
    with pytest.raises(AirflowFailException, match="broken_sql"):
        HsaJobOperator(task_id="lookup", job=f"{__name__}:misconfigured").execute(_context(*DAY))


def test_job_names_are_checked() -> None:
    with pytest.raises(ValueError, match="package.module:function"):
        load_job("hisbridge.platforms.hsa.jobs")
    with pytest.raises(ValueError, match="no such job"):
        load_job("hisbridge.platforms.hsa.jobs:nothing_here")
    ctx = JobContext(his=None, ledger=None, window=(datetime(2026, 11, 24), datetime(2026, 11, 25)),  # type: ignore[arg-type]
                     actor="t")
    with pytest.raises(RuntimeError, match="no 医保 client"):
        run_job(lambda c: {"n": c.client}, ctx)
