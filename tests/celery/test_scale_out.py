"""Scale-out on Celery, proven on this machine: the stack of docker-compose.yaml (API server, scheduler,
dag-processor, two Celery workers) against the machine's real Redis and PostgreSQL runs real feed DAGs over several
windows of the demo day, and nothing is sent twice while both workers take tasks.

The feeds: 医保 商品销售 and 销售退货 (5-minute windows) and the 城市大脑 pushes (2-minute windows), backfilled through
the REST API as an operator would, the DAGs running side by side; then the sales windows once more ("Clear /
Backfill" after an incident, asking for several windows at once), which must run one window at a time and send
nothing new whichever worker takes them. Checked from three sides: the ledger (no record acknowledged by two
messages), the simulators (what they received equals what the ledger holds as acknowledged, no event received
twice) and Airflow's metadata database (every task succeeded, both workers ran tasks, no two windows of a feed
overlapped).

The second test runs the missed-window fill (issue 13) on the same stack: a window backfilled before the DAG was
unpaused leaves the windows before it missing; the check DAG ``hisbridge_window_gaps`` finds them on a worker and
asks the real API server for a backfill (JWT from ``/auth/token`` of the simple auth manager, connection
``airflow_api``), the scheduler runs its windows on the workers one at a time, and the ledger shows the gap closed.

The stack starts once for the module (about half a minute); each test uses its own windows of the demo day, so
either runs alone.

Needs Redis on 127.0.0.1:6379 (``redis-server --daemonize yes``) and PostgreSQL; without them the test skips with
a message, except in CI (``CI=true``) where it fails.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import create_engine, text

from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.ops.window_fill import PAUSED, RUNNING, AirflowApi, fill_gaps
from hisbridge.ops.windows import (
    SETTINGS_VARIABLE,
    FeedGaps,
    FeedSchedule,
    Window,
    expected_windows,
    missing_windows,
    window_rows,
)
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
#: the sales windows run again after the first pass, the backfill asking for them all at once
RERUN = ("09:00", "09:05")
HSA_FEEDS = {"hsa_trace_sale": "3505", "hsa_trace_sale_return": "3506"}
RUN_TIMEOUT_S = 300

#: the missed-window test (the issue's case): 10:10–10:15 backfilled before unpausing; the check at 10:30 looks at
#: the windows that started at 10:00 or later and ended by 10:15 (grace 15 min) → 10:00 and 10:05 are missing
GAP_DAG, GAP_FEED, CHECK_DAG = "hsa_trace_sale", "hsa_trace_sale", "hisbridge_window_gaps"
GAP_RECORDED, GAP_CHECK = ("10:10", "10:10"), ("10:00", "10:30")
GAP_MISSING = [("10:00", "10:05"), ("10:05", "10:10")]
GAP_SETTINGS = {"lookback_days": 0.5 / 24, "grace_minutes": 15,
                "exclude": [d for d in BACKFILLS if d != GAP_DAG]}  # the other DAGs of the stack: not this test's


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


def at(hhmm: str, aware: bool = True) -> datetime:
    """A time of the demo day, Asia/Shanghai (naive, as the ledger keeps windows, with ``aware=False``)."""
    moment = datetime.combine(DAY, datetime.strptime(hhmm, "%H:%M").time())
    return moment.replace(tzinfo=SHANGHAI) if aware else moment


@pytest.fixture(scope="module")
def deployment(pg_required, redis_required, demo_his, tmp_path_factory) -> Iterator[dict]:
    """Simulators, a fresh ledger and metadata database, and the stack with the workers wired to them (one for
    the module: starting it is the slow part)."""
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
            # the window-gap check reads each feed's first window from the DAG files it parses on the worker:
            # there, the DAGs went live on the demo day; the scheduler keeps the far go-live (no catch-up runs)
            worker_env["HISBRIDGE_GO_LIVE"] = DAY.isoformat()
            # the API server serves the plugin's apps (ledger pages, 医保 gateway, 互认 service, 城市大脑 API)
            api_env = {**worker_env,
                       "AIRFLOW_CONN_MUTUAL_RECOGNITION": settings_connection("mutual_recognition"),
                       "AIRFLOW_CONN_MUTUAL_WORKSTATION": settings_connection("mutual_workstation"),
                       "AIRFLOW_CONN_CITY_BRAIN_API": settings_connection("city_brain_api")}
            stack = CeleryStack(home=tmp_path_factory.mktemp("stack"), metadata_db=meta_url.rsplit("/", 1)[1],
                                dag_files=[ROOT / "dags" / f"{d}.py" for d in (*BACKFILLS, CHECK_DAG)],
                                worker_env=worker_env, api_env=api_env)
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
    made = stack.api("POST", "/backfills", json={
        "dag_id": dag_id, "from_date": at(first).isoformat(), "to_date": at(last).isoformat(),
        "max_active_runs": max_active_runs, "reprocess_behavior": reprocess})
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


def task_instances(meta_url: str, backfill_ids: Iterable[int]) -> list[dict]:
    """The task instances of the runs of these backfills, oldest window first (from the metadata database)."""
    engine = create_engine(meta_url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(text("""
                SELECT ti.dag_id, ti.run_id, ti.task_id, ti.state, ti.hostname, ti.try_number, ti.start_date,
                       ti.end_date, dr.backfill_id, dr.data_interval_start, dr.data_interval_end
                FROM task_instance ti JOIN dag_run dr ON dr.dag_id = ti.dag_id AND dr.run_id = ti.run_id
                WHERE dr.backfill_id = ANY(:ids) ORDER BY ti.dag_id, dr.data_interval_start"""),
                {"ids": list(backfill_ids)}).mappings()]
    finally:
        engine.dispose()


def overlapping(tis: list[dict]) -> list[tuple[str, str]]:
    """Pairs of task instances of one task that ran at the same time (each must start after the last ended)."""
    out = []
    by_task: dict[tuple[str, str], list[dict]] = {}
    for ti in tis:
        by_task.setdefault((ti["dag_id"], ti["task_id"]), []).append(ti)
    for runs in by_task.values():
        runs = sorted(runs, key=lambda ti: ti["start_date"])
        out += [(a["run_id"], b["run_id"]) for a, b in zip(runs, runs[1:], strict=False)
                if b["start_date"] < a["end_date"]]
    return out


def test_two_celery_workers_share_the_feeds_and_nothing_is_sent_twice(deployment) -> None:
    stack, ledger, hsa, brain = (deployment[k] for k in ("stack", "ledger", "hsa", "brain"))
    started = time.monotonic()
    stack.wait_for_dags(BACKFILLS)
    for dag_id in BACKFILLS:
        stack.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    ids = {backfill(stack, dag_id, *span): dag_id for dag_id, span in BACKFILLS.items()}
    wait_for_backfills(stack, ids)
    first_pass = time.monotonic() - started

    tis = task_instances(deployment["meta_url"], ids)
    assert len(tis) == RUNS, tis
    assert {ti["state"] for ti in tis} == {"success"}, [ti for ti in tis if ti["state"] != "success"]
    by_worker = {name: sum(ti["hostname"] == name for ti in tis) for name in stack.worker_names}
    assert all(by_worker.values()), f"a worker took no task: {by_worker}"
    assert overlapping(tis) == []  # the DAGs side by side, each feed's windows one after the other

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

    # the sales windows again, as after an incident, with a backfill asking for all of them at once (as one from
    # the UI may: Airflow's default is 10): the feed still runs one window at a time, oldest first
    # (max_active_tis_per_dag=1 of the push DAGs), every task runs again wherever it lands, and nothing new
    # reaches the platform
    messages_before = len(hsa.state.journal)
    rerun = {backfill(stack, "hsa_trace_sale", *RERUN, reprocess="completed", max_active_runs=3): "hsa_trace_sale"}
    wait_for_backfills(stack, rerun)
    again = task_instances(deployment["meta_url"], rerun)
    assert len(again) == 2 and {ti["state"] for ti in again} == {"success"}
    assert all(ti["try_number"] >= 2 for ti in again)
    assert overlapping(again) == [], again
    assert sorted(again, key=lambda ti: ti["start_date"]) == again  # oldest window first
    assert hsa.state.summary()["records_by_infno"] == received
    assert len(hsa.state.journal) == messages_before  # not even a sign-in: nothing was left to send
    assert acknowledged_twice(ledger) == [] and acknowledged_counts(ledger) == acked

    tis = task_instances(deployment["meta_url"], {**ids, **rerun})
    by_worker = {name: sum(ti["hostname"] == name for ti in tis) for name in stack.worker_names}
    print(f"\nCelery scale-out: start-up {stack.timings}, first pass {first_pass:.0f} s, tasks by worker {by_worker}, "
          f"acknowledged {acked}, 医保 received {received}, 城市大脑 events {events['count']}")


def acknowledged_in(ledger: Ledger, feed: str, start: datetime, end: datetime) -> int:
    """Records of ``feed`` acknowledged whose window lies in [start, end) (naive local)."""
    with ledger.engine.connect() as conn:
        return conn.scalar(text(
            "SELECT COUNT(*) FROM delivery_record WHERE feed = :f AND state = :s AND window_start >= :a"
            " AND window_end <= :b"), {"f": feed, "s": ls.ACKNOWLEDGED, "a": start, "b": end})


def xcom(stack: CeleryStack, dag_id: str, run_id: str, task_id: str) -> object:
    entry = stack.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value")
    value = entry["value"]
    return json.loads(value) if isinstance(value, str) else value


def set_slots(stack: CeleryStack, pool: str, slots: int) -> None:
    """``airflow pools set`` through the REST API (the body names the pool and its deferred rule; only the slots
    change)."""
    stack.api("PATCH", f"/pools/{pool}", params={"update_mask": "slots"},
              json={"pool": pool, "slots": slots, "include_deferred": False})


def test_missed_windows_are_found_and_filled_through_the_real_api_server(deployment) -> None:
    stack, ledger, hsa = (deployment[k] for k in ("stack", "ledger", "hsa"))
    started = time.monotonic()
    stack.wait_for_dags([GAP_DAG, CHECK_DAG])
    for dag_id in (GAP_DAG, CHECK_DAG):
        stack.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    stack.api("POST", "/variables", json={"key": SETTINGS_VARIABLE, "value": json.dumps(GAP_SETTINGS)})
    seen = {r.seq for rs in hsa.state.records.values() for r in rs}

    # the issue: one window backfilled before the DAG was unpaused, the windows before it never ran
    wait_for_backfills(stack, {backfill(stack, GAP_DAG, *GAP_RECORDED): GAP_DAG})
    recorded = {(r["window_start"], r["window_end"]) for r in window_rows(ledger.engine, GAP_FEED)}
    assert (at("10:10", False), at("10:15", False)) in recorded
    assert not recorded & {(at(a, False), at(b, False)) for a, b in GAP_MISSING}

    # the check, as its schedule would run it at 10:30 (its data interval ends then: that is its "now"); a
    # backfill of its window, because a manual run dated before the DAG's go-live (the stack's is far ahead) gets
    # no task instance at all
    check = backfill(stack, CHECK_DAG, GAP_CHECK[0], GAP_CHECK[0])
    wait_for_backfills(stack, {check: CHECK_DAG})
    (ran,) = task_instances(deployment["meta_url"], [check])
    assert (ran["state"], ran["data_interval_end"]) == ("success", at(GAP_CHECK[1])), stack.diagnostics()
    summary = xcom(stack, CHECK_DAG, ran["run_id"], "check_windows")
    assert summary["missing_windows"] == len(GAP_MISSING) and summary["by_feed"] == {GAP_FEED: len(GAP_MISSING)}
    (filled,) = summary["fill"]
    assert (filled["dag_id"], filled["status"], filled["windows"]) == (GAP_DAG, "submitted", len(GAP_MISSING))

    # the backfill the check created through the real API server: the missed windows, one at a time
    made = stack.api("GET", f"/backfills/{filled['backfill_id']}")
    assert (made["dag_id"], made["max_active_runs"], made["reprocess_behavior"]) == (GAP_DAG, 1, "completed")
    assert datetime.fromisoformat(made["from_date"]) == at(GAP_MISSING[0][0])
    wait_for_backfills(stack, {filled["backfill_id"]: GAP_DAG})
    tis = task_instances(deployment["meta_url"], [filled["backfill_id"]])
    assert [(ti["data_interval_start"], ti["data_interval_end"]) for ti in tis] == \
        [(at(a), at(b)) for a, b in GAP_MISSING]  # exactly the missed windows, each once
    assert {ti["state"] for ti in tis} == {"success"}, tis
    assert overlapping(tis) == [] and sorted(tis, key=lambda ti: ti["start_date"]) == tis  # in order, one by one

    # the ledger: the gap is closed
    done = [(r["window_start"], r["window_end"]) for r in window_rows(ledger.engine, GAP_FEED)]
    checked_windows = expected_windows("*/5 * * * *", at("10:00", False), at("10:15", False))
    assert len(checked_windows) == 3 and missing_windows(checked_windows, done) == []
    # the platform: every record of the filled windows received once, nothing of the recorded window again
    new = [r for rs in hsa.state.records.values() for r in rs if r.seq not in seen and r.infno == "3505"]
    acked = acknowledged_in(ledger, GAP_FEED, at("10:00", False), at("10:15", False))
    assert acked >= 2 and len(new) == acked, (len(new), acked)
    assert len({json.dumps(r.row, sort_keys=True) for r in new}) == len(new)
    assert acknowledged_twice(ledger) == [] and hsa.state.counters.get("duplicate_msgids", 0) == 0
    filled_at = time.monotonic() - started

    # "already filling": a backfill of the DAG that has not finished — held here by a pool with no free slot, as
    # ops hold a platform that is down (docs/scale-out.md §3). The fill sees it in the list; when it does not
    # (another check submitted in between) the API server's 409 says the same. Neither is a failure, and no
    # second backfill is made. Once paused by hand, the backfill fills nothing: that is said, and is a failure.
    other = "hsa_trace_sale_return"
    gaps = [FeedGaps(FeedSchedule(other, other, "*/5 * * * *", at("00:00", False)), at("11:00", False),
                     at("11:05", False), 1, [Window(at("11:00", False), at("11:05", False))])]
    api = AirflowApi(stack.api_url, user="admin", password=stack.password)

    class Raced(AirflowApi):
        def active_backfill(self, dag_id: str) -> None:
            return None

    set_slots(stack, "hsa_platform", 0)
    stack.api("PATCH", f"/dags/{other}", json={"is_paused": False})
    held = backfill(stack, other, "11:00", "11:00")
    try:
        listed = fill_gaps(api, gaps)
        assert [(d.status, d.backfill_id) for d in listed.dags] == [(RUNNING, held)] and not listed.left_open()
        raced = fill_gaps(Raced(stack.api_url, user="admin", password=stack.password), gaps)
        assert [d.status for d in raced.dags] == [RUNNING] and not raced.left_open(), raced.lines()
        made = stack.api("GET", "/backfills", params={"dag_id": other})["backfills"]
        assert [b["id"] for b in made if b["id"] >= held] == [held]  # none made after it
        stack.api("PUT", f"/backfills/{held}/pause")
        paused = fill_gaps(api, gaps)
        assert [(d.status, d.backfill_id) for d in paused.dags] == [(PAUSED, held)] and paused.left_open()
        assert f"#{held} 已被暂停" in paused.dags[0].text
    finally:  # the held window never runs: its backfill cancelled, its run failed, the pool as it was
        stack.api("PUT", f"/backfills/{held}/cancel")
        for ti in task_instances(deployment["meta_url"], [held]):
            if stack.api("GET", f"/dags/{other}/dagRuns/{ti['run_id']}")["state"] not in ("failed", "success"):
                stack.api("PATCH", f"/dags/{other}/dagRuns/{ti['run_id']}", json={"state": "failed"})
        set_slots(stack, "hsa_platform", stack.pools["hsa_platform"])
    print(f"\nWindow fill on the real API server: gap found and filled in {filled_at:.0f} s, "
          f"{len(new)} records of {len(GAP_MISSING) + 1} windows received once")
