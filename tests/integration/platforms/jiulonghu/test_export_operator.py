"""JiulonghuExportOperator.execute: the day comes from the data interval (in Asia/Shanghai), the settings from the
Variable ``jiulonghu_exports``, the HIS from its connection; a backfill of a past day rewrites exactly that day's
files; the task log has counts, paths and checksums but no patient's name."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from airflow.sdk.exceptions import AirflowFailException

from hisbridge.db import make_engine
from hisbridge.platforms.jiulonghu.export_operator import JiulonghuExportOperator
from tests.integration.platforms.jiulonghu.test_exports import plant
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

UTC = ZoneInfo("UTC")
#: the data interval of the run for 2026-11-24 (00:00–24:00 Asia/Shanghai), as Airflow hands it over: in UTC
DAY_24 = (datetime(2026, 11, 23, 16, tzinfo=UTC), datetime(2026, 11, 24, 16, tzinfo=UTC))
NAMES = ("张三", "李四", "赵六", "HYPERLINK")


def _context(start: datetime | None, end: datetime | None) -> dict:
    ti = SimpleNamespace(dag_id="jiulonghu_exports", task_id="x", try_number=1)
    return {"data_interval_start": start, "data_interval_end": end, "ti": ti, "run_id": "scheduled__x"}


def _shift(interval: tuple[datetime, datetime], days: int) -> tuple[datetime, datetime]:
    return interval[0] + timedelta(days=days), interval[1] + timedelta(days=days)


@pytest.fixture
def env(monkeypatch, tmp_path):
    his_path = tmp_path / "his.db"
    engine = make_engine(f"sqlite:///{his_path}")
    plant(engine)
    monkeypatch.setenv("AIRFLOW_CONN_CAMPUS_HIS", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
    out = tmp_path / "exports"
    monkeypatch.setenv("AIRFLOW_VAR_JIULONGHU_EXPORTS", json.dumps(
        {"dir": str(out), "inpatient_snapshot_hour": 10, "his_conn_id": "campus_his"}))
    yield SimpleNamespace(out=out, engine=engine, monkeypatch=monkeypatch)
    engine.dispose()


def test_the_run_exports_the_day_of_its_data_interval_at_the_configured_hour(env) -> None:
    summary = JiulonghuExportOperator(task_id="inpatients", export="inpatients").execute(_context(*DAY_24))
    assert (summary["day"], summary["rows"]) == ("2026-11-24", 3)  # at 10:00: S1, S2 and S3 (admitted 08:00:01)
    folder = env.out / "inpatients" / "2026-11-24"
    assert summary["folder"] == str(folder)
    assert sorted(summary["files"]) == ["在院患者信息_2026-11-24_1000.csv", "在院患者信息_2026-11-24_1000.xlsx"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["source"], manifest["snapshot_at"]) == ("campus_his", "2026-11-24T10:00:00+08:00")


def test_a_backfill_of_a_past_day_rewrites_exactly_that_days_files(env) -> None:
    op = JiulonghuExportOperator(task_id="outpatient_registrations", export="outpatient_registrations")
    first = op.execute(_context(*DAY_24))
    folder = env.out / "outpatient_registrations" / "2026-11-24"
    files = {name: (folder / name).read_bytes() for name in first["files"]}
    nxt = op.execute(_context(*_shift(DAY_24, 1)))  # the next day: R5-next only
    assert (nxt["day"], nxt["rows"]) == ("2026-11-25", 1)
    again = op.execute(_context(*DAY_24))  # Clear / backfill of 2026-11-24, later
    assert again["files"] == first["files"]
    assert {name: (folder / name).read_bytes() for name in again["files"]} == files
    assert sorted(p.name for p in (env.out / "outpatient_registrations").iterdir()) == ["2026-11-24", "2026-11-25"]


def test_a_missing_variable_fails_without_retry_naming_it(env) -> None:
    env.monkeypatch.delenv("AIRFLOW_VAR_JIULONGHU_EXPORTS")
    with pytest.raises(AirflowFailException, match="Airflow Variable 'jiulonghu_exports' is not set"):
        JiulonghuExportOperator(task_id="inpatients", export="inpatients").execute(_context(*DAY_24))
    assert not env.out.exists()


def test_an_invalid_variable_fails_without_retry_naming_the_key(env) -> None:
    env.monkeypatch.setenv("AIRFLOW_VAR_JIULONGHU_EXPORTS", json.dumps({"dir": "/x", "inpatient_snapshot_hour": 25}))
    with pytest.raises(AirflowFailException, match="inpatient_snapshot_hour"):
        JiulonghuExportOperator(task_id="inpatients", export="inpatients").execute(_context(*DAY_24))


def test_a_run_without_a_data_interval_fails_without_retry(env) -> None:
    with pytest.raises(AirflowFailException, match="no data interval"):
        JiulonghuExportOperator(task_id="inpatients", export="inpatients").execute(_context(None, None))


def test_an_unknown_export_fails_without_retry(env) -> None:
    with pytest.raises(AirflowFailException, match="no export 'discharges'"):
        JiulonghuExportOperator(task_id="x", export="discharges").execute(_context(*DAY_24))


def test_the_task_log_has_counts_paths_and_checksums_but_no_patient(env, caplog) -> None:
    caplog.set_level(logging.INFO)
    summary = JiulonghuExportOperator(task_id="outpatient_registrations", export="outpatient_registrations").execute(
        _context(*DAY_24))
    text = caplog.text
    assert "门诊挂号信息" in text and "4 行" in text and str(env.out) in text
    assert all(sha in text for sha in summary["files"].values())
    assert not [name for name in NAMES if name in text]


@pytest.mark.usefixtures("task_log")
def test_the_task_log_ends_with_a_chinese_summary_of_the_days_export(env, caplog) -> None:
    summary = JiulonghuExportOperator(task_id="outpatient_registrations", export="outpatient_registrations").execute(
        _context(*DAY_24))
    files = "、".join(summary["files"])
    assert operator_lines(caplog, JiulonghuExportOperator)[-1] == (logging.INFO, (
        f"汇总：九龙湖导出 门诊挂号信息 2026-11-24：4 行，{len(summary['files'])} 个文件（{files}），目录 {summary['folder']}"))
