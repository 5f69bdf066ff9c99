"""Every DAG file: imports cleanly, carries the metadata ops rely on, and does no work at parse time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hisbridge import PROJECT_DIR

DAG_FILES = sorted((PROJECT_DIR / "dags").glob("*.py"))
CJK = re.compile(r"[\u4e00-\u9fff]")

# Run each DAG file in a fresh interpreter with every connection lookup made to fail, then report what it
# built and which heavy modules it pulled in. A fresh process is the only honest way to see module imports.
PROBE = r"""
import json, runpy, sys
from airflow.sdk import BaseHook
from airflow.sdk.definitions.dag import DAG

def _no_connections(*a, **k):
    raise AssertionError("a connection was fetched at parse time")

BaseHook.get_connection = classmethod(_no_connections)
runpy.run_path(sys.argv[1])
import gc
dags = [o for o in gc.get_objects() if isinstance(o, DAG)]
out = []
for d in dags:
    out.append({
        "dag_id": d.dag_id, "display": d.dag_display_name, "tags": sorted(d.tags), "doc_md": d.doc_md or "",
        "catchup": d.catchup, "max_active_runs": d.max_active_runs, "timetable": type(d.timetable).__name__,
        "tasks": [{"task_id": t.task_id, "display": t.task_display_name, "owner": t.owner, "retries": t.retries,
                   "pool": t.pool} for t in d.tasks],
    })
heavy = sorted(m for m in ("pandas", "great_expectations", "requests", "psycopg", "oracledb") if m in sys.modules)
print("PROBE" + json.dumps({"dags": out, "heavy": heavy}, ensure_ascii=False))
"""


def _probe(path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{PROJECT_DIR / 'plugins'}{os.pathsep}{PROJECT_DIR}")
    env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_")}
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE"))
    return json.loads(line[len("PROBE"):])


@pytest.fixture(scope="module", params=DAG_FILES, ids=[p.name for p in DAG_FILES])
def probed(request) -> dict:
    return _probe(request.param)


def test_dag_file_defines_one_dag_named_after_it(probed, request) -> None:
    path = Path(request.node.callspec.params["probed"])
    assert [d["dag_id"] for d in probed["dags"]] == [path.stem]


def test_dag_has_chinese_display_names_and_docs(probed) -> None:
    for d in probed["dags"]:
        assert CJK.search(d["display"]), d["dag_id"]
        assert CJK.search(d["doc_md"]), f"{d['dag_id']}: doc_md should explain the feed in Chinese"
        for t in d["tasks"]:
            assert CJK.search(t["display"] or ""), f"{d['dag_id']}.{t['task_id']} needs a Chinese display name"


def test_dag_has_owner_retries_and_approved_tags(probed) -> None:
    from hisbridge.scheduling import APPROVED_TAGS

    for d in probed["dags"]:
        assert d["tags"] and set(d["tags"]) <= APPROVED_TAGS, d["tags"]
        assert d["max_active_runs"] == 1
        for t in d["tasks"]:
            assert t["owner"] and t["owner"] != "airflow"
            assert t["retries"] >= 1


def test_feed_dags_use_data_intervals_and_a_platform_pool(probed) -> None:
    for d in probed["dags"]:
        if not d["dag_id"].startswith("hsa_"):
            continue
        assert d["timetable"] == "CronDataIntervalTimetable", "feeds need real data intervals"
        assert d["catchup"] is True, "an incremental feed must not skip windows"
        assert all(t["pool"] == "hsa_platform" for t in d["tasks"])


def test_cdc_dags_use_data_intervals_and_the_front_end_pool(probed) -> None:
    for d in probed["dags"]:
        if not d["dag_id"].startswith("cdc_"):
            continue
        # a continuous DAG's runs are windows too: each from the last run's end to this run's start
        assert d["timetable"] in ("CronDataIntervalTimetable", "ContinuousTimetable"), "feeds need data intervals"
        assert d["catchup"] is True and d["max_active_runs"] == 1
        assert all(t["pool"] == "cdc_frontend" for t in d["tasks"])


def test_dag_file_imports_nothing_heavy(probed) -> None:
    assert probed["heavy"] == []
