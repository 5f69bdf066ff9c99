"""The Airflow operators of ``dags/hisbridge_ledger_backup.py``: back up the ledger, then archive old message bodies.

Plain ``BaseOperator``s: the DAG file imports only ``airflow.sdk`` and ``hisbridge``; the Variables and the
connection are read in ``execute()``, never at parse.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator, Variable
from airflow.sdk.exceptions import AirflowFailException

ARCHIVE_VARIABLE = "hisbridge_message_archive_days"


class LedgerBackupOperator(BaseOperator):
    """Back up the ledger (connection ``ledger_conn_id``) into the folder of the Variable ``hisbridge_ledger_backup``
    (JSON: ``dir``, ``keep_daily``, ``keep_monthly``; ``dir`` defaults to ``$HISBRIDGE_BACKUP_DIR``), then apply
    retention. The backup is verified as a restore would read it (sha256, ``pg_restore --list``) before older ones
    are pruned. The file, its size, sha256 and the record/message counts go to the task log and to XCom.

    A missing or invalid Variable, or no ``pg_dump`` able to dump the server, fails without retry (someone has to
    fix it); a failed ``pg_dump``, a full disk or a backup that fails its verification propagates (retries apply:
    the retry takes a new backup; nothing is pruned after a failed one).

    :param ledger_conn_id: the ledger database's connection
    """

    ui_color = "#eef2fb"

    def __init__(self, *, ledger_conn_id: str = "hisbridge_db", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ledger_conn_id = ledger_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from hisbridge import logging as pii_logging
        from hisbridge.hooks import engine_for
        from hisbridge.ops import backup as b
        from hisbridge.task_summary import backup_failed_lines, backup_lines, emit

        pii_logging.install()
        try:
            settings = b.parse_settings(Variable.get(b.VARIABLE, default=None))
        except b.BackupConfigError as exc:
            raise AirflowFailException(str(exc)) from exc
        engine = engine_for(self.ledger_conn_id)
        try:
            made = b.backup(engine, settings.dir)
        except b.ToolVersionError as exc:
            raise AirflowFailException(str(exc)) from exc
        finally:
            engine.dispose()
        m = made.manifest or {}
        try:  # before pruning: a backup that would not restore must not push a good one out of retention
            b.verify(made.path)
        except b.BackupError as exc:
            emit(self.log, backup_failed_lines(made.path, exc))
            raise
        gone = b.prune(settings.dir, settings.keep_daily, settings.keep_monthly)
        summary = {"file": str(made.path), "size": m["size"], "sha256": m["sha256"], "revision": m.get("revision"),
                   "records": m["counts"].get("delivery_record", 0),
                   "messages": m["counts"].get("delivery_message", 0), "deleted": [p.name for p in gone]}
        emit(self.log, backup_lines(summary, settings.keep_daily, settings.keep_monthly))
        return summary


class MessageArchiveOperator(BaseOperator):
    """Move the bodies of settled messages older than the Variable ``hisbridge_message_archive_days`` (default 180)
    days before the run's data interval end into the archive table (see :mod:`hisbridge.ops.archive`). A re-run
    of the same interval archives exactly the same rows (nothing, the second time).

    :param ledger_conn_id: the ledger database's connection
    """

    ui_color = "#eef2fb"

    def __init__(self, *, ledger_conn_id: str = "hisbridge_db", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ledger_conn_id = ledger_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from hisbridge import logging as pii_logging
        from hisbridge.hooks import LedgerHook
        from hisbridge.ops.archive import DEFAULT_AFTER_DAYS, archive_bodies, cutoff
        from hisbridge.task_summary import archive_lines, emit

        pii_logging.install()
        raw = Variable.get(ARCHIVE_VARIABLE, default=None)
        try:
            days = int(raw) if raw not in (None, "") else DEFAULT_AFTER_DAYS
            before = cutoff(context["data_interval_end"], days)
        except (TypeError, ValueError) as exc:
            raise AirflowFailException(f"Airflow Variable {ARCHIVE_VARIABLE!r} must be a whole number of days "
                                       f"(at least 1), not {raw!r}") from exc
        hook = LedgerHook(self.ledger_conn_id)
        done = archive_bodies(hook.ledger.engine, before, actor=context["run_id"])
        summary = {"before": before.isoformat(), "after_days": days, **{name: d.rows for name, d in done.items()}}
        emit(self.log, archive_lines(summary, {name: (d.bytes_before, d.bytes_after) for name, d in done.items()}))
        return summary
