"""The nightly DAG's operators: the backup task writes a checksummed backup into the Variable's folder, verifies it
and logs its size and sha256 (a backup that fails its check fails the task and prunes nothing); the archive task
archives by the run's data interval; bad settings fail without retry. Each ends its log with a Chinese summary."""

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
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture


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


@pytest.mark.usefixtures("pg_tools", "task_log")
def test_the_backup_task_writes_a_checked_backup_and_logs_size_and_checksum(env, caplog) -> None:
    summary = LedgerBackupOperator(task_id="backup").execute(_context())
    [made] = backup.list_backups(env.dir)
    assert summary["file"] == str(made.path) and summary["records"] == 301 and summary["messages"] == 12
    assert summary["sha256"] == backup.sha256_of(made.path) and summary["size"] == made.size
    assert backup.verify(made.path)["revision"] == summary["revision"]
    assert summary["sha256"] in caplog.text and f"{made.size} 字节" in caplog.text  # the task log
    assert operator_lines(caplog, LedgerBackupOperator)[-1] == (logging.INFO, (
        f"汇总：台账备份：{made.path}，{made.size / 2**20:.1f} MiB，sha256 {summary['sha256']}，记录 301 条、报文 12 条，"
        "校验通过（可读、校验和一致）；保留策略（每日 3 份、每月 12 份）删除 0 份旧备份"))


@pytest.mark.usefixtures("pg_tools", "task_log")
def test_a_backup_that_fails_its_check_fails_the_task_and_prunes_nothing(env, caplog) -> None:
    real = backup.backup

    def damaged(engine, folder):  # the disk garbles the file after pg_dump wrote it and its checksum
        made = real(engine, folder)
        data = bytearray(made.path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        made.path.write_bytes(bytes(data))
        return made

    env.monkeypatch.setattr(backup, "backup", damaged)
    env.monkeypatch.setattr(backup, "prune", lambda *a, **k: pytest.fail("pruned after a failed backup"))
    with pytest.raises(backup.BackupError, match="damaged"):
        LedgerBackupOperator(task_id="backup").execute(_context())
    [(level, text)] = operator_lines(caplog, LedgerBackupOperator)
    assert level == logging.WARNING and text.startswith("台账备份校验失败：") and "damaged" in text
    assert "任务失败后重试会重新备份" in text


def test_a_missing_backup_folder_fails_without_retry_naming_the_variable(env) -> None:
    env.monkeypatch.delenv("AIRFLOW_VAR_HISBRIDGE_LEDGER_BACKUP")
    with pytest.raises(AirflowFailException, match="hisbridge_ledger_backup"):
        LedgerBackupOperator(task_id="backup").execute(_context())


@pytest.mark.usefixtures("task_log")
def test_the_archive_task_archives_by_the_runs_interval_and_a_rerun_archives_nothing(env, caplog) -> None:
    env.monkeypatch.setenv("AIRFLOW_VAR_HISBRIDGE_MESSAGE_ARCHIVE_DAYS", "180")
    first = MessageArchiveOperator(task_id="archive_bodies").execute(_context())
    assert (first["delivery_message"], first["call_journal"]) == (6, 2)
    assert first["before"] == "2026-05-28T02:00:00+00:00"
    [(level, text)] = [line for line in operator_lines(caplog, MessageArchiveOperator) if "汇总" in line[1]]
    assert level == logging.INFO and text.startswith(
        "汇总：报文正文归档 2026-05-28 10:00（北京时间） 之前（保留 180 天）：投递报文 6 条（")
    assert "实时调用日志 2 条（" in text and text.endswith("；正文移入归档表，记录页仍可查看")
    caplog.clear()
    again = MessageArchiveOperator(task_id="archive_bodies").execute(_context())
    assert (again["delivery_message"], again["call_journal"]) == (0, 0)
    assert operator_lines(caplog, MessageArchiveOperator)[-1] == (logging.INFO, (
        "汇总：报文正文归档 2026-05-28 10:00（北京时间） 之前（保留 180 天）：投递报文 0 条、实时调用日志 0 条；正文移入归档表，记录页仍可查看"))


def test_a_bad_retention_variable_fails_without_retry(env) -> None:
    env.monkeypatch.setenv("AIRFLOW_VAR_HISBRIDGE_MESSAGE_ARCHIVE_DAYS", "half a year")
    with pytest.raises(AirflowFailException, match="hisbridge_message_archive_days"):
        MessageArchiveOperator(task_id="archive_bodies").execute(_context())
