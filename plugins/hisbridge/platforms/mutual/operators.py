"""The Airflow operator of ``dags/mutual_unmapped_items.py``: write the 互认项目未对照清单
(:mod:`~hisbridge.platforms.mutual.unmapped_items`) for the run's window end.

A plain ``BaseOperator`` rather than ``@task``: the DAG file then imports only ``airflow.sdk`` and ``hisbridge``;
connections and the report's module are touched in ``execute()`` only, never at parse.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException


class UnmappedItemsOperator(BaseOperator):
    """Write report ``mutual_unmapped_items/<day>``: the HIS lab panels, lab items and exam items without a
    platform item code, by use in the 30 days before the data interval's end, with the records each keeps in
    quarantine. Reads the HIS and the ledger only; never calls the platform.

    Returns the counts for XCom. A database fault propagates (retries apply); a code file that lacks one of the
    item code tables fails the task without retry (someone has to fix ``include/mappings/mutual_items.yaml``).
    The report's folder is ``HISBRIDGE_REPORTS_DIR`` (listed at ``/hisbridge/reports/``).

    :param his_conn_id: Airflow connection of the HIS database.
    :param ledger_conn_id: Airflow connection of the ledger.
    """

    ui_color = "#eaf0f8"

    def __init__(self, *, his_conn_id: str = "his_db", ledger_conn_id: str = "hisbridge_db", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.his_conn_id = his_conn_id
        self.ledger_conn_id = ledger_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from hisbridge.hooks import LedgerHook, engine_for
        from hisbridge.operators import local_naive
        from hisbridge.platforms.mutual.unmapped_items import unmapped_items_report
        from hisbridge.task_summary import emit, mutual_unmapped_lines

        end = context["data_interval_end"]
        if end is None:
            raise AirflowFailException("互认项目未对照清单：本次运行没有数据区间（请用 CronDataIntervalTimetable）")
        try:
            summary = unmapped_items_report(engine_for(self.his_conn_id), LedgerHook(self.ledger_conn_id).ledger,
                                            local_naive(end))
        except ValueError as exc:  # a code table missing: retrying reads the same YAML
            raise AirflowFailException(str(exc)) from exc
        emit(self.log, mutual_unmapped_lines(summary))
        return summary
