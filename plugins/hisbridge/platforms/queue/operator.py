"""The Airflow operator of the daily queue-views contract check (used by ``dags/queue_views_contract_check.py``).

A plain ``BaseOperator`` rather than ``@task``: the DAG file then imports only ``airflow.sdk`` and
``hisbridge`` (no ``airflow.providers.standard``), and the check is reusable with other arguments per site.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException


class QueueViewsCheckOperator(BaseOperator):
    """Check the hx_* views and their reader account against the contract.

    A database that cannot be reached raises (retries apply); a check that finds errors raises
    ``AirflowFailException`` with the report (no retry: someone has to fix the views or the grants).
    Returns the counts summary for XCom, never rows.

    :param his_conn_id: Airflow connection of the HIS database holding the views.
    :param reader_conn_id: Airflow connection whose login/password are the reader account's; when it does
        not exist the password comes from the environment variable the contract names, else the reader is
        checked in the catalog only (a warning).
    :param site: the contract's site overrides to apply; ``None`` means ``$HISBRIDGE_SITE`` or the default
        contract. (templated)
    """

    template_fields: Sequence[str] = ("site",)

    def __init__(
        self,
        *,
        his_conn_id: str = "his_db",
        reader_conn_id: str | None = "his_queue_reader",
        site: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.his_conn_id = his_conn_id
        self.reader_conn_id = reader_conn_id
        self.site = site

    def execute(self, context: Any) -> dict[str, object]:
        from hisbridge.platforms.queue.cli import run_check
        from hisbridge.task_summary import emit, queue_check_lines

        report = run_check(self.his_conn_id, site=self.site or None, reader_conn_id=self.reader_conn_id)
        if not report.passed:
            emit(self.log, queue_check_lines(report))
            raise AirflowFailException(report.render())
        self.log.info("%s", report.render())
        emit(self.log, queue_check_lines(report))  # last: what ops read first
        return report.summary()
