"""Asia/Shanghai wherever we configure Airflow, and what Airflow 3.3's UI does with times (issue 13: "the UI runs
on UTC (逻辑日期 02:10 is window 10:10–10:15), the home page counted 0 runs in 24 h after 40 had run").

What is ours to set, and is set: ``[core] default_timezone`` (naive datetimes in DAG files and CLI dates without an
offset) in ``make airflow``, the compose stack and the Celery test stack; every DAG's timetable in Asia/Shanghai.
What is not: the UI's display zone. Airflow 3.3 has no server option for it (``[webserver] default_ui_timezone``
is gone; ``airflow config lint`` lists it as removed): the UI shows the zone of the browser's operating system, or
the one picked in its user menu (用户 → 时区, kept in the browser's local storage). And the home page's history
counts runs by ``run_after`` — when the run was due, i.e. its window's end — not by when it ran: a backfill of
last week's windows ran now but counts last week. Both are documented in docs/运维手册.md (时区与首页统计).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from hisbridge import PROJECT_DIR

SHANGHAI = "Asia/Shanghai"
SCRIPT = PROJECT_DIR / "scripts" / "airflow_demo.sh"


def _demo_script(tmp_path: Path, *command: str) -> str:
    """``scripts/airflow_demo.sh <command>`` (its exec mode: the command in make airflow's environment) on a demo
    folder of its own, output only."""
    demo = tmp_path / "demo"
    demo.mkdir(exist_ok=True)
    (demo / "his.db").touch()  # the script refuses to start without make demo's files
    (demo / "demo_clock.json").write_text(json.dumps({"day": "2026-11-24", "as_of": "2026-11-25T00:01:00+08:00"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    env.update(HISBRIDGE_DEMO_DIR=str(demo), HISBRIDGE_AIRFLOW_HOME=str(tmp_path / "airflow"))
    proc = subprocess.run([str(SCRIPT), *command], capture_output=True, text=True, env=env, timeout=180,
                          cwd=PROJECT_DIR)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_make_airflow_runs_airflow_in_shanghai_time(tmp_path) -> None:
    # Airflow's own reading of its configuration in make airflow's environment, not a grep of the script
    out = _demo_script(tmp_path, str(PROJECT_DIR / ".venv" / "bin" / "airflow"), "config", "get-value", "core",
                       "default_timezone")
    assert out.strip().splitlines()[-1] == SHANGHAI


def test_make_airflow_shows_the_health_page_as_of_the_demo_day(tmp_path) -> None:
    out = _demo_script(tmp_path, "printenv", "HISBRIDGE_HEALTH_AS_OF")
    assert out.strip() == "2026-11-25T00:01:00+08:00"


def test_the_compose_stack_and_the_celery_test_stack_set_shanghai() -> None:
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yaml").read_text(encoding="utf-8"))
    assert compose["x-airflow-common"]["environment"]["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == SHANGHAI
    airflow_services = [name for name, svc in compose["services"].items() if name.startswith("airflow-")]
    assert airflow_services
    for name in airflow_services:
        env = compose["services"][name].get("environment", {})
        assert env.get("AIRFLOW__CORE__DEFAULT_TIMEZONE", SHANGHAI) == SHANGHAI, name  # none overrides it
    stack = (PROJECT_DIR / "tests" / "celery" / "stack.py").read_text(encoding="utf-8")
    assert f'"AIRFLOW__CORE__DEFAULT_TIMEZONE": "{SHANGHAI}"' in stack


# Every DAG file in one fresh interpreter: each DAG's timetable and the zone it walks in (the DAGs are taken
# right after their file ran: once its module namespace is gone, a DAG that no name holds is garbage)
PROBE = r"""
import gc, json, runpy, sys
from airflow.sdk.definitions.dag import DAG

gc.disable()
out = {}
for path in sys.argv[1:]:
    runpy.run_path(path)
    for d in (o for o in gc.get_objects() if isinstance(o, DAG)):
        tt, zone = d.timetable, getattr(d.timetable, "timezone", None)
        out[d.dag_id] = {"timetable": type(tt).__name__, "zone": None if zone is None else str(getattr(zone, "name", zone))}
print("PROBE" + json.dumps(out))
"""


def test_every_dag_walks_its_schedule_in_shanghai() -> None:
    files = sorted((PROJECT_DIR / "dags").glob("*.py"))
    # Airflow's default zone left at UTC: the zone must come from each DAG itself
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW__CORE__DEFAULT_TIMEZONE"))}
    env["PYTHONPATH"] = f"{PROJECT_DIR / 'plugins'}{os.pathsep}{PROJECT_DIR}"
    proc = subprocess.run([sys.executable, "-c", PROBE, *map(str, files)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    dags = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE"))[len("PROBE"):])
    assert set(dags) >= {p.stem for p in files}  # every file defines the DAG named after it (and was seen)
    clockless = ("ContinuousTimetable", "NullTimetable")  # runs back to back / by hand: no zone to walk in
    wrong = {dag_id: d for dag_id, d in dags.items() if d["timetable"] not in clockless and d["zone"] != SHANGHAI}
    assert wrong == {}
    assert {d["timetable"] for d in dags.values()} >= {"CronDataIntervalTimetable", "CronTriggerTimetable"}


# The home page's history panel (历史记录: 最近 1 小时 / 12 小时 / 24 小时 / 过去一周) is
# GET /ui/dashboard/historical_metrics_data; here its route is called on a metadata database holding 40 backfill
# runs of a day last week's windows and one scheduled run of a window that has just ended — all 41 ran two
# minutes ago.
DASHBOARD = r"""
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from airflow.api_fastapi.core_api.routes.ui.dashboard import historical_metrics
from airflow.models.dagrun import DagRun
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState
from airflow.utils.types import DagRunType

now = datetime.now(UTC).replace(microsecond=0)
past = now.replace(hour=2, minute=10, second=0) - timedelta(days=6)  # 10:10 Asia/Shanghai, six days ago
with create_session() as session:
    for n in range(41):
        fresh = n == 40
        start = now - timedelta(minutes=5) if fresh else past + timedelta(minutes=5 * n)
        end = start + timedelta(minutes=5)
        session.add(DagRun(dag_id="tz_probe", run_id=f"probe__{start:%Y%m%dT%H%M}", logical_date=start,
                           run_after=end, data_interval=(start, end), start_date=now - timedelta(minutes=2),
                           state=DagRunState.SUCCESS,
                           run_type=DagRunType.SCHEDULED if fresh else DagRunType.BACKFILL_JOB))
dags = SimpleNamespace(value={"tz_probe"})
with create_session() as session:
    counts = {name: historical_metrics(session=session, start_date=now - span, readable_dags_filter=dags)
              .dag_run_states.success for name, span in (("day", timedelta(hours=24)), ("week", timedelta(days=7)))}
    ran_today = session.query(DagRun).filter(DagRun.start_date >= now - timedelta(hours=24)).count()
print("PROBE" + json.dumps({**counts, "ran_today": ran_today}))
"""


def test_the_home_page_counts_runs_by_their_window_end_not_when_they_ran(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__DEFAULT_TIMEZONE=SHANGHAI)
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True, capture_output=True,
                   timeout=300)
    proc = subprocess.run([sys.executable, "-c", DASHBOARD], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE"))[len("PROBE"):])
    # 41 runs ran in the last two minutes; "最近 24 小时" finds the one whose window just ended, "过去一周" all
    assert counts == {"day": 1, "week": 41, "ran_today": 41}
