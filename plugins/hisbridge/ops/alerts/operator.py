"""The operator of DAG ``hisbridge_alerts`` (a plain operator rather than ``@task``: DAG files import only
``airflow.sdk`` and hisbridge, and the check's code loads when the task runs, not when the DAG is parsed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator


class AlertCheckOperator(BaseOperator):
    """Run every alert check once (:func:`hisbridge.ops.alerts.task.check_all`); returns the keys fired, held,
    resolved and the scopes skipped.

    :param ledger_conn_id: the ledger holding the incidents (templated).
    """

    template_fields: Sequence[str] = ("ledger_conn_id",)

    def __init__(self, *, ledger_conn_id: str = "hisbridge_db", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ledger_conn_id = ledger_conn_id

    def execute(self, context: Any) -> dict:
        from hisbridge.ops.alerts.task import check_all

        return check_all(self.ledger_conn_id)
