"""The upload-health task: one data set of the 市区卫平台, the run's day and the days before it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator, Variable
from airflow.sdk.exceptions import AirflowFailException

from hisbridge.hooks import LedgerHook, engine_for
from hisbridge.operators import local_naive
from hisbridge.platforms.regional.hooks import RegionalFrontDbHook

LOOKBACK_VARIABLE = "regional_health_lookback_days"


class RegionalHealthOperator(BaseOperator):
    """Count a data set's rows per day — HIS, uploaded into the 前置库, taken (已上传) and refused (失败) by the
    platform — store the figures in the ledger, alert on a gap and send the missing rows again through the data
    set's feed (:mod:`hisbridge.platforms.regional.health`).

    The day checked is the one the data interval starts in (Asia/Shanghai), and the ``lookback_days`` days before
    it (rows the platform failed or lost later are found on the following days). A manual run may name
    ``{"day": "2026-11-24", "lookback_days": 7}`` in its conf. Transport faults propagate (retries apply); a data
    set whose receipt cannot be read (``ack_api``, no client yet) fails without retry. A gap does not fail the
    task: it is alerted, re-sent, and the summary says so.

    :param dataset: the data set of ``regional_datasets.yaml`` (templated)
    :param lookback_days: days before the run's day also checked; default Variable
        ``regional_health_lookback_days``, else 3
    :param resend: send the missing rows again (default True)
    :param his_conn_id: connection of the HIS database
    :param ledger_conn_id: connection of the delivery ledger database
    :param frontdb_conn_id: connection of the 前置库
    """

    template_fields: Sequence[str] = ("dataset",)
    ui_color = "#f4efe8"

    def __init__(self, *, dataset: str, lookback_days: int | None = None, resend: bool = True,
                 his_conn_id: str = "his_db", ledger_conn_id: str = "hisbridge_db",
                 frontdb_conn_id: str = "regional_frontdb", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dataset = dataset
        self.lookback_days = lookback_days
        self.resend = resend
        self.his_conn_id = his_conn_id
        self.ledger_conn_id = ledger_conn_id
        self.frontdb_conn_id = frontdb_conn_id

    @cached_property
    def frontdb(self) -> RegionalFrontDbHook:
        return RegionalFrontDbHook(self.frontdb_conn_id)

    def execute(self, context) -> dict[str, Any]:
        from datetime import date

        from hisbridge import logging as pii_logging
        from hisbridge.platforms.regional.datasets import datasets
        from hisbridge.platforms.regional.health import (
            CheckSettings,
            HealthCheck,
            ReceiptNotSupported,
            check_days,
        )
        from hisbridge.task_summary import emit, regional_health_lines

        pii_logging.install()
        start = context["data_interval_start"]
        if start is None:
            raise AirflowFailException(f"{self.dataset}: the run has no data interval")
        conf = (context.get("dag_run") and context["dag_run"].conf) or {}
        day = date.fromisoformat(conf["day"]) if conf.get("day") else local_naive(start).date()
        lookback = int(conf.get("lookback_days", self.lookback_days if self.lookback_days is not None
                                else Variable.get(LOOKBACK_VARIABLE, default="3")))
        ti = context["ti"]
        try:
            declared = datasets().get(self.dataset)
            check = HealthCheck(declared, engine_for(self.his_conn_id),
                                LedgerHook(self.ledger_conn_id).ledger, self.frontdb.engine,
                                schema=self.frontdb.settings.table_schema)
        except (ReceiptNotSupported, ValueError) as exc:
            raise AirflowFailException(str(exc)) from exc
        settings = CheckSettings(run_id=context["run_id"], actor=f"airflow:{ti.dag_id}.{ti.task_id}#{ti.try_number}",
                                 resend=self.resend)
        results = check_days(check, day, lookback, settings)
        alerts = [r.alert for r in results if r.alert]
        for r in results:
            f = r.final
            self.log.info("%s %s: HIS %d · 前置库 %d · 已上传 %d · 失败 %d · 待上传 %d · 缺口 %d · 补传 %d", self.dataset,
                          r.day, f.his_count, f.uploaded, f.acknowledged, f.failed, f.waiting, f.missing, r.resent)
        summary = {"dataset": self.dataset, "days": [r.as_dict() for r in results], "alerts": alerts,
                   "gap_days": [r.day for r in results if r.first.missing],
                   "open_gap_days": [r.day for r in results if r.final.missing]}
        # each gap was warned about above (with its counts and reasons) and alerted; the summary closes the log
        emit(self.log, regional_health_lines(self.dataset, declared.title, summary))
        return summary
