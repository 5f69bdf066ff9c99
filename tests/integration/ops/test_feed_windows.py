"""Completed windows recorded by real pipeline runs (demo HIS and ledger on PostgreSQL, the 医保 simulator), gaps
found against the real DAG's timetable, and the fill: a backfill through the REST API creates exactly the missed
windows once (the stand-in API server computes them with Airflow's own backfill code and runs each one through the
pipeline, as the scheduler would), and the next check finds nothing and submits nothing."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from demo.his.generate import generate
from hisbridge import PROJECT_DIR
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.operators import local_naive
from hisbridge.ops.window_fill import PAUSED, RUNNING, SUBMITTED, AirflowApi, fill_gaps
from hisbridge.ops.windows import GapSettings, find_gaps, load_schedules, window_rows
from hisbridge.pipeline.platform import DeliveryHalted
from hisbridge.pipeline.run import RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from simulators.hsa.faults import FaultRule
from tests.integration.pipeline.conftest import DAY, make_sender
from tests.support.fake_airflow_api import PASSWORD, USER, FakeAirflow, FakeAirflowServer
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEED = "hsa_trace_sale"


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime.combine(DAY, datetime.min.time()) + timedelta(hours=int(h), minutes=int(m))


@pytest.fixture(scope="module")
def his(pg_module_url):
    engine = make_engine(pg_module_url)
    generate(engine, DAY, 60, seed=7)
    return engine


@pytest.fixture
def ledger(pg_url) -> Ledger:
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    return ledger


@pytest.fixture
def sim():
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState
    from tests.integration.pipeline.conftest import SECRET

    with SimServer(SimState(auth_mode="tif", paasid="hb-test", secret=SECRET)) as server:
        yield server


@pytest.fixture(scope="module")
def sale_dag():
    from airflow.dag_processing.dagbag import DagBag

    # the DagBag reads Airflow's metadata database: migrated first, as on a fresh machine it may not exist yet
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=dict(os.environ), check=True,
                   capture_output=True, timeout=300)
    bag = DagBag(dag_folder=str(PROJECT_DIR / "dags" / f"{FEED}.py"))
    assert not bag.import_errors
    return bag.get_dag(FEED)


def run_window(his, ledger, sender, start: datetime, end: datetime, run_id: str, **settings):
    return run_feed(load_feed_spec(FEED), his, ledger, sender, (start, end), RunSettings(run_id=run_id, **settings))


def test_a_pipeline_run_records_its_window_and_a_rerun_replaces_it(his, ledger, sim) -> None:
    sender = make_sender(sim, ledger)
    busy = max(((at(f"{h:02d}:00"), at(f"{h:02d}:00") + timedelta(hours=1)) for h in range(8, 12)),
               key=lambda w: run_window(his, ledger, sender, *w, run_id=f"probe-{w[0]:%H}").selected)
    summary = run_window(his, ledger, sender, *busy, run_id="scheduled__x")  # again: all skipped
    first = run_window(his, ledger, sender, busy[0] - timedelta(hours=8), busy[0] - timedelta(hours=7),
                       run_id="night")

    rows = {(r["window_start"], r["window_end"]): r for r in window_rows(ledger.engine, FEED)}
    assert set(rows) == {(at(f"{h:02d}:00"), at(f"{h + 1:02d}:00")) for h in range(8, 12)} \
        | {(busy[0] - timedelta(hours=8), busy[0] - timedelta(hours=7))}
    row = rows[busy]
    assert row["run_id"] == "scheduled__x"  # the re-run replaced the probe's row: one row per window
    assert (row["selected"], row["acknowledged"], row["quarantined"]) == \
        (summary.selected, summary.acknowledged, summary.quarantined)
    assert summary.selected > 0 and summary.messages == 0 and summary.balanced()  # the re-run sent nothing
    assert rows[(busy[0] - timedelta(hours=8), busy[0] - timedelta(hours=7))]["selected"] == first.selected
    with ledger.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ls.feed_window)) == 5


def test_a_halted_run_records_no_window(his, ledger, sim) -> None:
    sender = make_sender(sim, ledger)
    sim.faults.add(FaultRule(kind="http_500_before", times=None, infno="3505A"))
    with pytest.raises(DeliveryHalted):
        run_window(his, ledger, sender, at("00:00"), at("23:59"), run_id="halted")
    assert window_rows(ledger.engine, FEED) == []
    summary = run_window(his, ledger, sender, at("00:00"), at("23:59"), run_id="halted-demo", raise_on_halt=False)
    assert summary.halted and window_rows(ledger.engine, FEED) == []


def test_the_real_dag_folder_gives_each_delivering_feed_its_dags_timetable() -> None:
    schedules = load_schedules(str(PROJECT_DIR / "dags"))
    by_feed = {(x.feed, x.dag_id): x for x in schedules}
    sale = by_feed[(FEED, FEED)]
    assert (sale.cron, sale.timezone, sale.start) == ("*/5 * * * *", "Asia/Shanghai", datetime(2026, 11, 24))
    assert by_feed[("cdc_emr_patient_info", "cdc_realtime")].cron is None  # continuous: checked, not fillable
    from hisbridge.platforms.city_brain.pushes import PUSH_FEEDS

    assert {f for f, d in by_feed if d == "city_brain_push"} == set(PUSH_FEEDS)
    # a quality check names a feed but delivers no window; a health check runs no schedule of feeds
    assert not {d for _, d in by_feed} & {"hisbridge_data_quality", "regional_upload_health", "hisbridge_window_gaps"}
    # every feed that a delivering DAG runs has a YAML, and parents share their children's DAG schedule
    assert all((PROJECT_DIR / "include" / "mappings" / f"{f}.yaml").exists() for f, _ in by_feed)


def test_fill_backfills_exactly_the_missed_windows_once_then_finds_nothing(his, ledger, sim, sale_dag) -> None:
    sender = make_sender(sim, ledger)
    schedules = [x for x in load_schedules(str(PROJECT_DIR / "dags" / f"{FEED}.py")) if x.feed == FEED]
    # the issue: 10:10–10:15 backfilled, the DAG unpaused at 10:20 (look back 1 h to keep the test short)
    run_window(his, ledger, sender, at("10:10"), at("10:15"), run_id="backfill__10:10")
    now = at("10:20").replace(tzinfo=SHANGHAI)
    settings = GapSettings(grace_minutes=5, lookback_days=1 / 24)
    (gaps,) = find_gaps(ledger.engine, schedules, settings, now)
    missing = [(w.start, w.end) for w in gaps.missing]
    assert missing == [(at("09:20") + timedelta(minutes=5 * i), at("09:25") + timedelta(minutes=5 * i))
                       for i in range(10)]

    def scheduler_runs(dag_id: str, start: datetime, end: datetime) -> None:
        run_window(his, ledger, sender, local_naive(start), local_naive(end), run_id=f"backfill__{start:%H%M}")

    fake = FakeAirflow(dags={FEED: sale_dag}, run_window=scheduler_runs)
    with FakeAirflowServer(fake) as server:
        api = AirflowApi(server.url, user=USER, password=PASSWORD)
        outcome = fill_gaps(api, [gaps], settings)
        assert [d.status for d in outcome.dags] == [SUBMITTED]
        assert [(local_naive(s), local_naive(e)) for _, s, e in fake.runs] == missing  # exactly, each once
        assert fake.backfills[0]["reprocess_behavior"] == "completed"

        (again,) = find_gaps(ledger.engine, schedules, settings, now)
        assert again.missing == []
        assert fill_gaps(api, [again], settings).dags == []
        assert len(fake.backfills) == 1 and len(fake.runs) == len(missing)


def test_a_running_backfill_or_a_paused_dag_gets_no_new_backfill(ledger, sale_dag) -> None:
    schedules = [x for x in load_schedules(str(PROJECT_DIR / "dags" / f"{FEED}.py")) if x.feed == FEED]
    settings = GapSettings(grace_minutes=5, lookback_days=1 / 24)
    now = at("10:20").replace(tzinfo=SHANGHAI)
    gaps = find_gaps(ledger.engine, schedules, settings, now)
    assert len(gaps[0].missing) == 11

    fake = FakeAirflow(dags={FEED: sale_dag}, run_window=lambda *_: None, hold=True)
    with FakeAirflowServer(fake) as server:
        api = AirflowApi(server.url, user=USER, password=PASSWORD)
        assert [d.status for d in fill_gaps(api, gaps, settings).dags] == [SUBMITTED]
        second = fill_gaps(api, find_gaps(ledger.engine, schedules, settings, now), settings)
        assert [d.status for d in second.dags] == [RUNNING] and "#1" in second.dags[0].text
        assert len(fake.backfills) == 1 and len(fake.runs) == 11

        fake.backfills.clear()
        fake.paused.add(FEED)
        paused = fill_gaps(api, gaps, settings)
        assert [d.status for d in paused.dags] == [PAUSED] and fake.backfills == []
        assert "airflow backfill create --dag-id hsa_trace_sale" in paused.dags[0].text
        assert paused.left_open()


def test_the_command_lists_gaps_and_done_windows(his, ledger, sim, pg_url, capsys) -> None:
    from hisbridge.ops.windows import main

    run_window(his, ledger, make_sender(sim, ledger), at("10:10"), at("10:15"), run_id="backfill__10:10")
    base = ["--url", pg_url, "--dags", str(PROJECT_DIR / "dags" / f"{FEED}.py")]
    code = main([*base, "gaps", "--now", "2026-11-24T10:20", "--grace-minutes", "5", "--lookback-days", "1"])
    out = capsys.readouterr().out
    assert code == 1  # gaps found: a cron job or a script can act on the exit code
    assert "hsa_trace_sale" in out and "122" in out and "11-24 00:00 → 11-24 10:10" in out
    assert main([*base, "fill", "--dry-run", "--now", "2026-11-24T10:20", "--grace-minutes", "5"]) == 0
    assert "--from-date 2026-11-24T00:00:00+08:00 --to-date 2026-11-24T10:05:00+08:00" in capsys.readouterr().out
    assert main([*base, "done", "--feed", FEED]) == 0
    assert "2026-11-24 10:10 → 2026-11-24 10:15" in capsys.readouterr().out


@pytest.mark.usefixtures("task_log")
def test_the_gap_task_ends_its_log_with_what_was_missed_and_done(his, ledger, sim, sale_dag, monkeypatch,
                                                                 caplog) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from hisbridge.ops.window_tasks import WindowGapsOperator

    sender = make_sender(sim, ledger)
    run_window(his, ledger, sender, at("10:10"), at("10:15"), run_id="backfill__10:10")
    u = ledger.engine.url
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
        "conn_type": "postgres", "host": u.host, "port": u.port, "login": u.username, "schema": u.database}))
    monkeypatch.setenv("AIRFLOW_VAR_HISBRIDGE_WINDOW_GAPS", json.dumps({"grace_minutes": 5, "lookback_days": 1 / 24}))
    context = {"data_interval_end": at("10:20").replace(tzinfo=SHANGHAI), "params": {}}

    def check() -> list[tuple[int, str]]:
        caplog.clear()
        WindowGapsOperator(task_id="check_windows", dag_folder=str(PROJECT_DIR / "dags" / f"{FEED}.py")).execute(context)
        return operator_lines(caplog, WindowGapsOperator)

    fake = FakeAirflow(dags={FEED: sale_dag}, run_window=lambda _dag, start, end: run_window(
        his, ledger, sender, local_naive(start), local_naive(end), run_id=f"backfill__{start:%H%M}"))
    with FakeAirflowServer(fake) as server:
        host, port = server.url.rsplit(":", 1)
        monkeypatch.setenv("AIRFLOW_CONN_AIRFLOW_API", json.dumps({
            "conn_type": "http", "host": host, "port": int(port), "login": USER, "password": PASSWORD}))
        *_, head, warning = check()
        assert head == (logging.INFO, "汇总：漏跑窗口检查 截至 2026-11-24 10:20（北京时间）：检查 1 个接口，漏跑 10 个窗口（hsa_trace_sale 10）")
        assert warning[0] == logging.WARNING and warning[1].startswith("已发现漏跑窗口，正在回填：已提交")
        assert "回填 #" in warning[1] and warning[1].endswith("回填完成后下次检查应为 0")

        assert check()[-1] == (logging.INFO, "汇总：漏跑窗口检查 截至 2026-11-24 10:20（北京时间）：检查 1 个接口，漏跑 0 个窗口（全部按时完成）")

        fake.paused.add(FEED)  # a paused DAG gets no backfill: the task fails, and says so last
        context["data_interval_end"] = at("10:30").replace(tzinfo=SHANGHAI)
        with pytest.raises(AirflowFailException, match="漏跑窗口无人补跑"):
            check()
        *_, head, warning = operator_lines(caplog, WindowGapsOperator)
        assert head[1].endswith("漏跑 2 个窗口（hsa_trace_sale 2）")  # 10:15 and 10:20, past the grace
        assert warning[0] == logging.WARNING and warning[1].startswith(f"漏跑窗口无人补跑：{FEED}；{FEED} 已暂停，未提交回填")
