"""The issue's case end to end with ``dag.test()``: the sale DAG runs only 10:10–10:15 (a backfill before unpausing);
at 10:30 the check DAG ``hisbridge_window_gaps`` finds the windows before it missing, alerts, and asks the Airflow
API (a stand-in: Airflow's own backfill code decides the runs, each run goes through the real pipeline) for one
backfill; the next check finds nothing, asks for nothing, and the incident is resolved.

Slow on purpose (three DAG runs, the DAG folder parsed inside the check task): few cases, the rules are unit tests.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hisbridge import PROJECT_DIR
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from tests.support.fake_airflow_api import PASSWORD, USER, FakeAirflow, FakeAirflowServer

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 24)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "e2e-window-secret-0123456789abcd"
HSA_EXTRA = {"fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院", "mdtrtarea_admvs": "360100",
             "recer_sys_code": "his", "infver": "V1.0", "auth": "csb", "paasid": "hb-e2e", "opter": "hisbridge",
             "opter_name": "数据集成平台", "opter_type": "1", "ip": "127.0.0.1"}


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(DAY.year, DAY.month, DAY.day, int(h), int(m))


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_DIR / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag.dags


@pytest.fixture
def deployment(airflow_home, dags, monkeypatch, tmp_path, pg_url):
    from demo.his.generate import generate
    from hisbridge.operators import local_naive
    from hisbridge.pipeline.run import RunSettings, run_feed
    from hisbridge.pipeline.spec import load_feed_spec
    from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
    from hisbridge.platforms.hsa.msgid import CounterMsgIds
    from hisbridge.platforms.hsa.sender import HsaSender
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    his_path = tmp_path / "his.db"
    his = make_engine(f"sqlite:///{his_path}")
    generate(his, DAY, 60, seed=5)
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    with SimServer(SimState(auth_mode="csb", paasid="hb-e2e", secret=SECRET)) as sim:
        settings = HsaSettings(base_url=sim.url, secret=SECRET, **{k: v for k, v in HSA_EXTRA.items()
                                                                    if k not in ("infver", "opter_type")})
        sender = HsaSender(HsaClient(settings, msgids=CounterMsgIds(ledger.next_value, ledger.drop_counters)))

        def scheduler_runs(dag_id: str, start: datetime, end: datetime) -> None:  # what the backfill's runs do
            run_feed(load_feed_spec("hsa_trace_sale"), his, ledger, sender, (local_naive(start), local_naive(end)),
                     RunSettings(run_id=f"backfill__{start.isoformat()}"))

        fake = FakeAirflow(dags={"hsa_trace_sale": dags["hsa_trace_sale"]}, run_window=scheduler_runs)
        with FakeAirflowServer(fake) as api:
            monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
            monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
                "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
                "schema": pg_url.rsplit("/", 1)[1]}))
            monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", json.dumps({
                "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http", "password": SECRET,
                "extra": HSA_EXTRA}))
            monkeypatch.setenv("AIRFLOW_CONN_AIRFLOW_API", json.dumps({
                "conn_type": "http", "host": "127.0.0.1", "port": api.port, "schema": "http", "login": USER,
                "password": PASSWORD}))
            # every other DAG is "paused on purpose" here: the test's HIS and API serve the sale feed only
            others = sorted(d for d in dags if d != "hsa_trace_sale")
            monkeypatch.setenv("AIRFLOW_VAR_HISBRIDGE_WINDOW_GAPS", json.dumps(
                {"lookback_days": 1 / 24, "grace_minutes": 15, "exclude": others}))
            yield {"fake": fake, "ledger": ledger}


@pytest.fixture(scope="module")
def airflow_home():
    import os
    import subprocess
    import sys
    from pathlib import Path

    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=dict(os.environ), check=True,
                   capture_output=True, timeout=300)
    return Path(os.environ["AIRFLOW_HOME"])


def _windows(ledger: Ledger) -> list[tuple[datetime, datetime]]:
    t = ls.feed_window
    with ledger.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.c.window_start, t.c.window_end)
                                                .where(t.c.feed == "hsa_trace_sale").order_by(t.c.window_start))]


def _incident(ledger: Ledger) -> dict | None:
    t = ls.alert_incident
    with ledger.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.key == "window_gap:hsa_trace_sale")).first()
    return dict(row._mapping) if row else None


def test_missed_windows_are_found_alerted_backfilled_once_and_then_clear(deployment, dags) -> None:
    from hisbridge.ops.windows import load_schedules  # noqa: F401 - the task parses the DAG folder the same way

    ledger, fake = deployment["ledger"], deployment["fake"]
    # a manual run of a data-interval DAG covers the window ending at its logical date: 10:10–10:15
    sale = dags["hsa_trace_sale"].test(logical_date=at("10:15").replace(tzinfo=SHANGHAI))
    assert sale.state == "success"
    assert _windows(ledger) == [(at("10:10"), at("10:15"))]  # recorded by the real FeedOperator task

    # the check of 10:00–10:30 looks at the windows of the hour before that had ended 15 minutes before 10:30
    check = dags["hisbridge_window_gaps"]
    first = check.test(logical_date=at("10:30").replace(tzinfo=SHANGHAI))
    assert first.state == "success"
    missed = [(at("09:30") + timedelta(minutes=5 * i), at("09:35") + timedelta(minutes=5 * i)) for i in range(8)]
    assert len(fake.backfills) == 1 and fake.backfills[0]["dag_id"] == "hsa_trace_sale"
    assert [(s.astimezone(SHANGHAI).replace(tzinfo=None), e.astimezone(SHANGHAI).replace(tzinfo=None))
            for _, s, e in fake.runs] == missed
    assert _windows(ledger) == sorted([*missed, (at("10:10"), at("10:15"))])
    incident = _incident(ledger)
    assert incident is not None and incident["kind"] == "window_gap" and "8 个" in incident["subject"]
    assert incident["since"].astimezone(SHANGHAI).replace(tzinfo=None) == at("09:30")

    second = check.test(logical_date=at("10:30").replace(tzinfo=SHANGHAI))
    assert second.state == "success"
    assert len(fake.backfills) == 1 and len(fake.runs) == len(missed)  # nothing asked for twice
    assert _incident(ledger)["status"] == "resolved"
