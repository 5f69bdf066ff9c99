"""Scale-out on Celery, proven on this machine: the stack of docker-compose.yaml (API server, scheduler,
dag-processor, two Celery workers) against the machine's real Redis and PostgreSQL runs real feed DAGs over several
windows of the demo day, and nothing is sent twice while both workers take tasks.

The feeds: 医保 商品销售 and 销售退货 (5-minute windows) and the 城市大脑 pushes (2-minute windows), backfilled through
the REST API as an operator would, the DAGs running side by side; then the sales windows once more ("Clear /
Backfill" after an incident), which must send nothing new whichever worker takes them. Checked from three sides:
the ledger (no record acknowledged by two messages), the simulators (what they received equals what the ledger
holds as acknowledged, no event received twice) and Airflow's metadata database (every task succeeded, both
workers ran tasks).

Needs Redis on 127.0.0.1:6379 (``redis-server --daemonize yes``) and PostgreSQL; without them the test skips with
a message, except in CI (``CI=true``) where it fails.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import create_engine, text

from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from tests.celery.stack import ROOT, CeleryStack, marked_pids, redis_problem
from tests.conftest import _create_database, _drop_database

DAY = date(2026, 11, 24)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SCALE, SEED = 300, 11
HSA_PAASID, HSA_SECRET = "hisbridge-demo", "demo-only-hsa-secret-not-for-production"  # airflow_settings.yaml's
#: DAG → the backfill's first and last logical date (window starts, inclusive), local time of the demo day
BACKFILLS = {
    "hsa_trace_sale": ("09:00", "09:15"),          # four 5-minute windows
    "hsa_trace_sale_return": ("09:00", "09:05"),   # two
    "city_brain_push": ("08:00", "08:06"),         # four 2-minute windows
}
RUNS = 10
#: the sales windows run again after the first pass, three at a time
RERUN = ("09:00", "09:10")
HSA_FEEDS = {"hsa_trace_sale": "3505", "hsa_trace_sale_return": "3506"}
RUN_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def redis_required() -> None:
    problem = redis_problem()
    if problem is None:
        return
    message = f"Redis not reachable at 127.0.0.1:6379 ({problem}); start it with `redis-server --daemonize yes`"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def settings_connection(conn_id: str, **override) -> str:
    """A connection of airflow_settings.yaml as AIRFLOW_CONN_* JSON (as scripts/airflow_demo.sh builds them)."""
    settings = yaml.safe_load((ROOT / "airflow_settings.yaml").read_text(encoding="utf-8"))["airflow"]
    conn = next(c for c in settings["connections"] if c["conn_id"] == conn_id)
    keys = {"conn_type": "conn_type", "host": "conn_host", "port": "conn_port", "schema": "conn_schema",
            "login": "conn_login", "password": "conn_password", "extra": "conn_extra"}
    made = {k: conn[v] for k, v in keys.items() if conn.get(v) is not None}
    return json.dumps({**made, **override}, ensure_ascii=False)


@pytest.fixture(scope="module")
def demo_his(tmp_path_factory) -> Path:
    """The demo HIS of ``make demo`` (SQLite): sales, returns and the 先诊疗后付费 journeys of the demo day."""
    from demo.his.city_brain import generate_city_brain
    from demo.his.emr import generate_emr
    from demo.his.generate import generate
    from demo.his.insurance import generate_insurance
    from demo.his.mutual import generate_mutual
    from demo.his.schema import create_schema

    path = tmp_path_factory.mktemp("his") / "his.db"
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    generate(engine, DAY, SCALE, seed=SEED)
    generate_insurance(engine, DAY, seed=SEED)
    generate_emr(engine, DAY, seed=SEED)
    generate_mutual(engine, DAY, seed=SEED)
    generate_city_brain(engine, DAY, seed=SEED)
    engine.dispose()
    return path


@pytest.fixture
def deployment(pg_required, redis_required, demo_his, tmp_path) -> Iterator[dict]:
    """Simulators, a fresh ledger and metadata database, and the stack with the workers wired to them."""
    from simulators.city_brain.server import CityBrainSimulatorServer
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    ledger_url, meta_url = _create_database(), _create_database()
    ledger = Ledger(make_engine(ledger_url))
    stack = None
    try:
        with SimServer(SimState(auth_mode="tif", paasid=HSA_PAASID, secret=HSA_SECRET)) as hsa, \
                CityBrainSimulatorServer() as brain:
            worker_env = {
                "AIRFLOW_CONN_HIS_DB": json.dumps({"conn_type": "sqlite", "host": str(demo_his)}),
                "AIRFLOW_CONN_HISBRIDGE_DB": json.dumps({
                    "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
                    "schema": ledger_url.rsplit("/", 1)[1]}),
                "AIRFLOW_CONN_HSA_PLATFORM": settings_connection(
                    "hsa_platform", host="127.0.0.1", port=hsa.port, password=HSA_SECRET),
                "AIRFLOW_CONN_CITY_BRAIN": settings_connection("city_brain", host="127.0.0.1", port=brain.port),
            }
            # the API server serves the plugin's apps (ledger pages, 医保 gateway, 互认 service, 城市大脑 API)
            api_env = {**worker_env,
                       "AIRFLOW_CONN_MUTUAL_RECOGNITION": settings_connection("mutual_recognition"),
                       "AIRFLOW_CONN_MUTUAL_WORKSTATION": settings_connection("mutual_workstation"),
                       "AIRFLOW_CONN_CITY_BRAIN_API": settings_connection("city_brain_api")}
            stack = CeleryStack(home=tmp_path / "stack", metadata_db=meta_url.rsplit("/", 1)[1],
                                dag_files=[ROOT / "dags" / f"{d}.py" for d in BACKFILLS], worker_env=worker_env,
                                api_env=api_env)
            try:
                stack.start(meanwhile=ledger.ensure_schema)
                yield {"stack": stack, "ledger": ledger, "hsa": hsa, "brain": brain, "meta_url": meta_url}
            finally:
                stack.stop(grace_s=10)
    finally:
        ledger.engine.dispose()
        _drop_database(ledger_url)
        _drop_database(meta_url)
        if stack is not None:
            left = marked_pids(stack.marker)
            assert left == [], f"processes of the stack left running: {left}"


def backfill(stack: CeleryStack, dag_id: str, first: str, last: str, reprocess: str = "none",
             max_active_runs: int = 1) -> int:
    def at(hhmm: str) -> str:
        return datetime.combine(DAY, datetime.strptime(hhmm, "%H:%M").time(), SHANGHAI).isoformat()

    made = stack.api("POST", "/backfills", json={
        "dag_id": dag_id, "from_date": at(first), "to_date": at(last), "max_active_runs": max_active_runs,
        "reprocess_behavior": reprocess})
    return made["id"]


def wait_for_backfills(stack: CeleryStack, ids: dict[int, str], timeout_s: float = RUN_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    pending = dict(ids)
    while pending:
        for backfill_id in list(pending):
            if stack.api("GET", f"/backfills/{backfill_id}")["completed_at"]:
                del pending[backfill_id]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"backfills of {sorted(pending.values())} not done within {timeout_s} s\n"
                               f"{stack.diagnostics()}")
        time.sleep(2)


def acknowledged_twice(ledger: Ledger) -> list[tuple]:
    """(feed, business key, n): records that more than one upload message carried with an acknowledged answer."""
    with ledger.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("""
            SELECT r.feed, r.business_key, COUNT(*) AS n
            FROM delivery_record r
            JOIN delivery_message_record l ON l.record_id = r.id
            JOIN delivery_message m ON m.id = l.message_id
            WHERE m.purpose = 'upload' AND m.outcome IN ('acknowledged', 'partial')
              AND COALESCE(l.outcome, m.outcome) = 'acknowledged'
            GROUP BY r.feed, r.business_key HAVING COUNT(*) > 1"""))]


def acknowledged_counts(ledger: Ledger) -> dict[str, int]:
    with ledger.engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT feed, COUNT(*) FROM delivery_record WHERE state = :s GROUP BY feed"), {"s": ls.ACKNOWLEDGED}).all())


def task_instances(meta_url: str) -> list[dict]:
    engine = create_engine(meta_url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(
                "SELECT dag_id, run_id, task_id, state, hostname, try_number FROM task_instance")).mappings()]
    finally:
        engine.dispose()


def test_two_celery_workers_share_the_feeds_and_nothing_is_sent_twice(deployment) -> None:
    stack, ledger, hsa, brain = (deployment[k] for k in ("stack", "ledger", "hsa", "brain"))
    started = time.monotonic()
    stack.wait_for_dags(BACKFILLS)
    for dag_id in BACKFILLS:
        stack.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    ids = {backfill(stack, dag_id, *span): dag_id for dag_id, span in BACKFILLS.items()}
    wait_for_backfills(stack, ids)
    first_pass = time.monotonic() - started

    tis = task_instances(deployment["meta_url"])
    assert len(tis) == RUNS, tis
    assert {ti["state"] for ti in tis} == {"success"}, [ti for ti in tis if ti["state"] != "success"]
    by_worker = {name: sum(ti["hostname"] == name for ti in tis) for name in stack.worker_names}
    assert all(by_worker.values()), f"a worker took no task: {by_worker}"

    acked = acknowledged_counts(ledger)
    # enough records that "nothing twice" says something
    assert acked.get("hsa_trace_sale", 0) >= 8 and sum(v for f, v in acked.items() if f.startswith("city_brain")) >= 3
    assert acknowledged_twice(ledger) == []
    received = hsa.state.summary()["records_by_infno"]
    for feed, infno in HSA_FEEDS.items():
        assert received.get(infno, 0) == acked.get(feed, 0), (feed, received, acked)
    assert hsa.state.counters.get("duplicate_msgids", 0) == 0
    events = brain.state.summary()["events"]
    assert events["duplicates"] == 0
    assert events["count"] == sum(v for f, v in acked.items() if f.startswith("city_brain_push"))

    # the sales windows again, as after an incident (side by side this time, as a backfill from the UI may run
    # them): every task runs again, wherever it lands, and nothing new reaches the platform
    messages_before = len(hsa.state.journal)
    rerun = {backfill(stack, "hsa_trace_sale", *RERUN, reprocess="completed", max_active_runs=3): "hsa_trace_sale"}
    wait_for_backfills(stack, rerun)
    tis = task_instances(deployment["meta_url"])
    assert {ti["state"] for ti in tis} == {"success"}
    assert sum(ti["dag_id"] == "hsa_trace_sale" and ti["try_number"] >= 2 for ti in tis) == 3
    assert hsa.state.summary()["records_by_infno"] == received
    assert len(hsa.state.journal) == messages_before  # not even a sign-in: nothing was left to send
    assert acknowledged_twice(ledger) == [] and acknowledged_counts(ledger) == acked

    by_worker = {name: sum(ti["hostname"] == name for ti in tis) for name in stack.worker_names}
    print(f"\nCelery scale-out: start-up {stack.timings}, first pass {first_pass:.0f} s, tasks by worker {by_worker}, "
          f"acknowledged {acked}, 医保 received {received}, 城市大脑 events {events['count']}")

