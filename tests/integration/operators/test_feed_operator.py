"""FeedOperator.execute with a real HIS (SQLite), ledger (PostgreSQL) and simulator: what Airflow sees —
the summary on success, a retryable error on transport faults, a non-retryable failure on refusals."""

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
from hisbridge.operators import FeedOperator
from hisbridge.pipeline.platform import DeliveryHalted
from simulators.hsa.faults import FaultRule
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "operator-test-secret-0123456789"


@pytest.fixture
def env(monkeypatch, tmp_path, pg_url):
    his_path = tmp_path / "his.db"
    generate(make_engine(f"sqlite:///{his_path}"), date(2026, 11, 24), 40, seed=3)
    with SimServer(SimState(auth_mode="tif", paasid="hb-op", secret=SECRET)) as sim:
        def connect(secret: str = SECRET) -> None:
            monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", json.dumps({
                "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http", "password": secret,
                "extra": {"fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院",
                          "mdtrtarea_admvs": "360100", "recer_sys_code": "his", "auth": "tif", "paasid": "hb-op",
                          "opter": "hisbridge", "opter_name": "数据集成平台", "ip": "127.0.0.1"}}))

        connect()
        monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
        monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
            "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
            "schema": pg_url.rsplit("/", 1)[1]}))
        monkeypatch.setenv("AIRFLOW_VAR_HSA_DELIVERY_MODE", "single")
        yield SimpleNamespace(sim=sim, ledger=Ledger(make_engine(pg_url)), connect=connect)


def _context(start: datetime | None, end: datetime | None) -> dict:
    ti = SimpleNamespace(dag_id="hsa_trace_inventory", task_id="upload_stock_takes", try_number=1)
    return {"data_interval_start": start, "data_interval_end": end, "ti": ti,
            "run_id": "scheduled__2026-11-23T16:00:00+00:00"}


DAY = (datetime(2026, 11, 24, tzinfo=SHANGHAI), datetime(2026, 11, 25, tzinfo=SHANGHAI))


def _operator() -> FeedOperator:
    return FeedOperator(task_id="upload_stock_takes", feed="hsa_trace_inventory")


def test_success_returns_a_small_summary_and_uses_the_configured_mode(env) -> None:
    summary = _operator().execute(_context(*DAY))
    assert summary["feed"] == "hsa_trace_inventory" and summary["mode"] == "single"
    assert summary["acknowledged"] > 0 and summary["window_start"] == "2026-11-24 00:00:00"
    assert {e["infno"] for e in env.sim.state.journal.values()} >= {"3501"}
    assert all(not isinstance(v, list) for v in summary.values())  # counts, never rows, go to XCom


def test_transport_fault_propagates_so_airflow_retries_with_backoff(env) -> None:
    env.sim.faults.add(FaultRule(kind="http_500_before", times=1, infno="3501"))
    with pytest.raises(DeliveryHalted):
        _operator().execute(_context(*DAY))
    states = env.ledger.counts("hsa_trace_inventory")["hsa_trace_inventory"]
    assert states.get("unknown", 0) == 1, "the one message that got a 500 is unknown, nothing lost"
    retry = _operator().execute(_context(*DAY))  # what Airflow's retry does: resolve, then finish
    assert retry["unknown"] == 0 and retry["acknowledged"] > 0


def test_gateway_refusing_the_secret_fails_without_retry(env) -> None:
    env.connect(secret="not-the-registered-secret")
    with pytest.raises(AirflowFailException, match="gateway refused"):
        _operator().execute(_context(*DAY))


def test_a_run_without_a_data_interval_fails_clearly(env) -> None:
    moment = datetime(2026, 11, 24, tzinfo=SHANGHAI)
    with pytest.raises(AirflowFailException, match="no data interval"):
        _operator().execute(_context(moment, moment))
