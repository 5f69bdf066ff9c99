"""The operator of the monthly operations report: the run's data interval names the month (Asia/Shanghai)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException


class MonthlyOpsReportOperator(BaseOperator):
    """Write the 运维·月度运行报告 of the month the run's data interval starts in (Asia/Shanghai), from the ledger
    alone (:mod:`hisbridge.ops.monthly_report`). A ledger that cannot be reached raises (retries apply); the
    summary lines are returned for XCom.

    :param ledger_conn_id: connection of the delivery ledger database
    :param month: ``YYYY-MM`` to report instead of the data interval's month (templated)
    """

    template_fields: Sequence[str] = ("month",)
    ui_color = "#f3f5f7"

    def __init__(self, *, ledger_conn_id: str = "hisbridge_db", month: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ledger_conn_id = ledger_conn_id
        self.month = month

    def execute(self, context) -> dict[str, Any]:
        from hisbridge import logging as pii_logging
        from hisbridge.hooks import LedgerHook
        from hisbridge.ops.monthly_report import headline, month_bounds, month_of, write_monthly_report
        from hisbridge.task_summary import emit, monthly_report_lines

        pii_logging.install()
        start = context["data_interval_start"]
        month = self.month or (month_of(start) if start is not None else None)
        if not month:
            raise AirflowFailException("monthly report: the run has no data interval and no month was given")
        try:
            month_bounds(month)
        except ValueError as exc:
            raise AirflowFailException(str(exc)) from exc
        files, report = write_monthly_report(LedgerHook(self.ledger_conn_id).ledger.engine, month)
        self.log.info("运维·月度运行报告 %s: %s, %s", month, files.xlsx, files.html)
        summary = {"month": month, "xlsx": str(files.xlsx), "html": str(files.html), **headline(report)}
        emit(self.log, monthly_report_lines(summary))  # last: what ops read first
        return summary
