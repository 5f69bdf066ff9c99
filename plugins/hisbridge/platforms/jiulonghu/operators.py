"""The Airflow operator of ``dags/jiulonghu_dictionary_sync.py``: one dictionary, main campus → 九龙湖 campus.

A plain ``BaseOperator``: the DAG file imports only ``airflow.sdk`` and ``hisbridge``; connections and the sync are
touched in ``execute()`` only, never at parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator


def as_bool(value: object) -> bool:
    """A templated flag: ``True``/``"true"``/``"True"``/``"1"`` (Airflow renders params as text by default)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "y", "on")


class DictionarySyncOperator(BaseOperator):
    """Sync one dictionary from the main campus's HIS to the campus HIS, recorded in the ledger.

    Writes only changed rows, in one campus transaction. Conflicts (rows edited on the campus since our last write)
    and quarantined rows (unmapped codes) never fail the task: they are logged with their keys and reasons and
    kept in the ledger (``dict_sync_conflict``, ``dict_sync_run``). A database that cannot be reached raises
    (retries apply; the retry plans again from what was committed). Returns the counts for XCom (never rows).

    :param dictionary: the dictionary's name in :mod:`~hisbridge.platforms.jiulonghu.catalogue` (``dept`` …).
    :param dry_run: only report what would change (counts, the first changed keys and column names); writes
        nothing. (templated)
    :param his_conn_id: connection of the main campus's HIS.
    :param campus_conn_id: connection of the campus's HIS.
    :param ledger_conn_id: connection of the ledger.
    """

    template_fields: Sequence[str] = ("dry_run",)
    ui_color = "#eef3fb"

    def __init__(self, *, dictionary: str, dry_run: bool | str = False, his_conn_id: str = "his_db",
                 campus_conn_id: str = "jiulonghu_his", ledger_conn_id: str = "hisbridge_db", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dictionary = dictionary
        self.dry_run = dry_run
        self.his_conn_id = his_conn_id
        self.campus_conn_id = campus_conn_id
        self.ledger_conn_id = ledger_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from hisbridge import logging as pii_logging
        from hisbridge.hooks import LedgerHook, engine_for
        from hisbridge.platforms.jiulonghu.catalogue import BY_NAME
        from hisbridge.platforms.jiulonghu.sync import sync_dictionary
        from hisbridge.task_summary import dictionary_sync_lines, emit

        pii_logging.install()
        d = BY_NAME[self.dictionary]
        ti = context["ti"]
        ledger = LedgerHook(self.ledger_conn_id).ledger
        report = sync_dictionary(d, engine_for(self.his_conn_id), engine_for(self.campus_conn_id), ledger.engine,
                                 dry_run=as_bool(self.dry_run), run_id=context["run_id"],
                                 actor=f"airflow:{ti.dag_id}.{ti.task_id}#{ti.try_number}")
        for line in report.lines():
            self.log.info("%s", line)
        counts = report.as_dict()
        emit(self.log, dictionary_sync_lines(d.title, d.name, report.dry_run, counts))  # last: what ops read first
        return counts
