"""dags/jiulonghu_dictionary_sync.py: one task per dictionary, parents upstream of children, dry_run a parameter."""

from __future__ import annotations

import runpy

import pytest

from hisbridge import PROJECT_DIR
from hisbridge.platforms.jiulonghu.catalogue import DICTIONARIES
from hisbridge.platforms.jiulonghu.operators import as_bool


@pytest.fixture(scope="module")
def dag():
    # the file run as Python (a DagBag would need Airflow's metadata database, which a unit test does not have)
    return runpy.run_path(str(PROJECT_DIR / "dags" / "jiulonghu_dictionary_sync.py"))["jiulonghu_dictionary_sync"]()


def test_one_task_per_dictionary_with_parents_upstream(dag) -> None:
    assert dag.dag_display_name == "九龙湖·字典同步"
    assert sorted(dag.task_ids) == sorted(f"sync_{d.name}" for d in DICTIONARIES)
    for d in DICTIONARIES:
        task = dag.get_task(f"sync_{d.name}")
        assert task.dictionary == d.name
        assert task.task_display_name == f"同步{d.title}字典"
        assert task.upstream_task_ids == {f"sync_{p}" for p in d.parents}
    assert dag.get_task("sync_dept").downstream_task_ids == {"sync_staff", "sync_doctor", "sync_nurse",
                                                              "sync_pharmacist"}


def test_nightly_at_half_past_two_shanghai_and_dry_run_off_by_default(dag) -> None:
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"
    assert dag.timetable.expression == "30 2 * * *" and str(dag.timetable.timezone) == "Asia/Shanghai"
    assert dag.params["dry_run"] is False
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert all(t.dry_run == "{{ params.dry_run }}" for t in dag.tasks)


@pytest.mark.parametrize(("rendered", "expected"), [("True", True), ("true", True), ("False", False),
                                                    (False, False), (True, True), ("", False)])
def test_rendered_dry_run_flag(rendered, expected) -> None:
    assert as_bool(rendered) is expected
