"""The nightly DAG's operators: the backup task writes a checksummed backup into the Variable's folder and logs its
size and sha256; the archive task archives by the run's data interval; bad settings fail without retry."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException

from hisbridge.db import make_engine
from hisbridge.ops import backup
from hisbridge.ops.backup_operators import LedgerBackupOperator, MessageArchiveOperator
from tests.integration.ops.backup_support import NOW, build_ledger
from tests.integration.ops.test_backup import pg_tools  # noqa: F401 - the fixture


@pytest.fixture
def env(pg_url, monkeypatch, tmp_path):
    engine = make_engine(pg_url)
    made = build_ledger(engine)
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
        "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
        "schema": pg_url.rsplit("/", 1)[1]}))
    monkeypatch.setenv("AIRFLOW_VAR_HISBRIDGE_LEDGER_BACKUP", json.dumps({"dir": str(tmp_path), "keep_daily": 3}))
    monkeypatch.delenv(backup.ENV_DIR, raising=False)
    yield SimpleNamespace(engine=engine, made=made, dir=tmp_path, monkeypatch=monkeypatch)
    engine.dispose()


def _context() -> dict:
    ti = SimpleNamespace(dag_id="hisbridge_ledger_backup", task_id="x", try_number=1)
    return {"data_interval_start": NOW - timedelta(days=1), "data_interval_end": NOW, "ti": ti,
            "run_id": "scheduled__2026-11-23T17:30:00+00:00"}


@pytest.mark.usefixtures("pg_tools")
def test_the_backup_task_writes_a_checked_backup_and_logs_size_and_checksum(env, caplog) -> None:
    with caplog.at_level(logging.INFO):
        summary = LedgerBackupOperator(task_id="backup").execute(_context())
    [made] = backup.list_backups(env.dir)
    assert summary["file"] == str(made.path) and summary["records"] == 301 and summary["messages"] == 12
    assert summary["sha256"] == backup.sha256_of(made.path) and summary["size"] == made.size
    assert backup.verify(made.path)["revision"] == summary["revision"]
    assert summary["sha256"] in caplog.text and f"{made.size} 字节" in caplog.text  # the task log


def test_a_missing_backup_folder_fails_without_retry_naming_the_variable(env) -> None:
    env.monkeypatch.delenv("AIRFLOW_VAR_HISBRIDGE_LEDGER_BACKUP")
    with pytest.raises(AirflowFailException, match="hisbridge_ledger_backup"):
        LedgerBackupOperator(task_id="backup").execute(_context())


def test_the_archive_task_archives_by_the_runs_interval_and_a_rerun_archives_nothing(env) -> None:
    env.monkeypatch.setenv("AIRFLOW_VAR_HISBRIDGE_MESSAGE_ARCHIVE_DAYS", "180")
    first = MessageArchiveOperator(task_id="archive_bodies").execute(_context())
    assert (first["delivery_message"], first["call_journal"]) == (6, 2)
    assert first["before"] == "2026-05-28T02:00:00+00:00"
    again = MessageArchiveOperator(task_id="archive_bodies").execute(_context())
    assert (again["delivery_message"], again["call_journal"]) == (0, 0)


def test_a_bad_retention_variable_fails_without_retry(env) -> None:
    env.monkeypatch.setenv("AIRFLOW_VAR_HISBRIDGE_MESSAGE_ARCHIVE_DAYS", "half a year")
    with pytest.raises(AirflowFailException, match="hisbridge_message_archive_days"):
        MessageArchiveOperator(task_id="archive_bodies").execute(_context())
