"""The one operator every feed uses: run a feed's pipeline over the task's data interval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import BaseOperator, Variable
from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from hisbridge.hooks import LedgerHook, engine_for

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_naive(moment: datetime) -> datetime:
    """The HIS keeps Asia/Shanghai wall-clock times without a zone; Airflow hands us aware UTC bounds."""
    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


class FeedOperator(BaseOperator):
    """Extract, validate, map, deliver and record one feed for the run's data interval.

    Transport faults propagate after the ledger is written, so ``retries`` with back-off apply and the retry
    resolves what was left unknown. A refusal of everything we sent, or a gateway refusing our credentials,
    fails the task without retry: resending cannot help until someone changes the data or the connection.
    Quarantined rows never fail the task; they wait in the ledger with their reasons.

    :param feed: feed id, the name of ``include/mappings/<feed>.yaml`` (templated)
    :param his_conn_id: connection of the HIS database
    :param ledger_conn_id: connection of the delivery ledger database
    :param mode: ``batch`` or ``single``; default: Variable ``<platform>_delivery_mode``, else ``batch``
    :param batch_size: rows per batch message; default: Variable ``<platform>_batch_size``, else 200
    """

    template_fields: Sequence[str] = ("feed",)
    ui_color = "#e8f4ea"

    def __init__(
        self, *, feed: str, his_conn_id: str = "his_db", ledger_conn_id: str = "hisbridge_db",
        mode: str | None = None, batch_size: int | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.feed = feed
        self.his_conn_id = his_conn_id
        self.ledger_conn_id = ledger_conn_id
        self.mode = mode
        self.batch_size = batch_size

    @cached_property
    def his_engine(self) -> Engine:
        return engine_for(self.his_conn_id)

    @cached_property
    def ledger_hook(self) -> LedgerHook:
        return LedgerHook(self.ledger_conn_id)

    def execute(self, context) -> dict[str, Any]:
        from hisbridge import logging as pii_logging
        from hisbridge.pipeline.platform import DeliveryMisconfigured
        from hisbridge.pipeline.run import RunSettings, run_feed
        from hisbridge.pipeline.spec import load_feed_spec
        from hisbridge.platforms.registry import platform
        from hisbridge.task_summary import emit, feed_start_line, feed_summary_lines

        pii_logging.install()
        spec = load_feed_spec(self.feed)
        start, end = context["data_interval_start"], context["data_interval_end"]
        if start is None or end is None or start >= end:
            raise AirflowFailException(
                f"{self.feed}: run has no data interval ({start} → {end}); use a CronDataIntervalTimetable"
            )
        mode = self.mode or Variable.get(f"{spec.platform}_delivery_mode", default="batch")
        if mode not in ("batch", "single"):
            raise AirflowFailException(f"{self.feed}: delivery mode must be batch or single, not {mode!r}")
        batch_size = self.batch_size or int(Variable.get(f"{spec.platform}_batch_size", default="200"))
        ledger = self.ledger_hook.ledger
        sender = platform(spec.platform).sender_from_airflow(ledger)
        ti = context["ti"]
        settings = RunSettings(run_id=context["run_id"], mode=mode, batch_size=batch_size,
                               actor=f"airflow:{ti.dag_id}.{ti.task_id}#{ti.try_number}")
        self.log.log(*feed_start_line(self.feed, spec.title, start, end, mode))
        try:
            summary = run_feed(spec, self.his_engine, ledger, sender, (local_naive(start), local_naive(end)),
                               settings)
        except DeliveryMisconfigured as exc:
            raise AirflowFailException(str(exc)) from exc
        self.log.info("%s summary: %s", self.feed, summary.as_dict())
        emit(self.log, feed_summary_lines(summary.as_dict(), spec.title))  # last: what ops read first
        attempted = summary.acknowledged + summary.rejected
        if summary.rejected and not summary.acknowledged and attempted >= 5:
            raise AirflowFailException(
                f"{self.feed}: the platform refused all {summary.rejected} records sent; "
                f"top reasons {summary.reasons}. Fix the data or mapping, then re-queue (python -m hisbridge ledger)."
            )
        return summary.as_dict()


class HsaSignOutOperator(BaseOperator):
    """9002 for every open 医保 sign-in of the day the data interval ends in (Asia/Shanghai) and of earlier days;
    each is marked closed in the ledger. Returns the counts for XCom; the task log ends with them in Chinese. A
    sign-in that could not be signed out (platform unreachable) stays open and fails the task (retries apply)."""

    ui_color = "#eaf0f8"

    def execute(self, context) -> dict[str, int]:
        from hisbridge import logging as pii_logging
        from hisbridge.ledger.sessions import SessionStore
        from hisbridge.platforms.hsa.errors import HsaError
        from hisbridge.platforms.hsa.hooks import HsaHook
        from hisbridge.platforms.hsa.msgid import CounterMsgIds
        from hisbridge.platforms.hsa.signin import shanghai_day, sign_out_day
        from hisbridge.task_summary import emit, sign_out_failed_lines, sign_out_lines

        pii_logging.install()
        ledger = LedgerHook().ledger
        msgids = CounterMsgIds(ledger.next_value, ledger.drop_counters)

        def client():
            return HsaHook(msgids=msgids).client

        day = shanghai_day(context["data_interval_end"])
        try:
            counts = sign_out_day(SessionStore(ledger.engine), client, day, include_day=True).counts()
        except HsaError as exc:
            emit(self.log, sign_out_failed_lines(day, exc))
            raise
        emit(self.log, sign_out_lines(day, counts))
        return counts


class HsaJobOperator(BaseOperator):
    """Run a 医保 job (reconciliation, settlement list, self-check …: :mod:`hisbridge.platforms.hsa.jobs`) over the
    run's data interval. Transport faults propagate (retries apply); :class:`~hisbridge.platforms.hsa.jobs.JobRefused`
    (configuration or data must change first) fails the task without retry; the job's summary is returned for
    XCom.

    :param job: ``package.module:function`` of the job (templated)
    :param options: job parameters (templated), merged over Variable ``<dag_id>_params`` (JSON) when set
    :param his_conn_id: connection of the HIS database
    :param ledger_conn_id: connection of the delivery ledger database
    :param hsa_conn_id: connection of the 医保 platform
    """

    template_fields: Sequence[str] = ("job", "options")
    ui_color = "#eaf0f8"

    def __init__(self, *, job: str, options: dict[str, Any] | None = None, his_conn_id: str = "his_db",
                 ledger_conn_id: str = "hisbridge_db", hsa_conn_id: str = "hsa_platform", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.options = options or {}
        self.his_conn_id = his_conn_id
        self.ledger_conn_id = ledger_conn_id
        self.hsa_conn_id = hsa_conn_id

    def execute(self, context) -> dict[str, Any]:
        from hisbridge import logging as pii_logging
        from hisbridge.ledger.sessions import SessionStore
        from hisbridge.platforms.hsa.hooks import HsaHook
        from hisbridge.platforms.hsa.jobs import JobContext, JobRefused, run_job
        from hisbridge.platforms.hsa.msgid import CounterMsgIds
        from hisbridge.platforms.hsa.reconciliation import ReconciliationIncomplete
        from hisbridge.platforms.hsa.settlement_list import SettlementListHalted
        from hisbridge.task_summary import emit, hsa_job_failed_lines, hsa_job_lines

        pii_logging.install()
        start, end = context["data_interval_start"], context["data_interval_end"]
        if start is None or end is None or start >= end:
            raise AirflowFailException(f"{self.job}: run has no data interval ({start} → {end})")
        ledger = LedgerHook(self.ledger_conn_id).ledger
        ti = context["ti"]
        overrides = Variable.get(f"{ti.dag_id}_params", default=None, deserialize_json=True) or {}

        def client():
            msgids = CounterMsgIds(ledger.next_value, ledger.drop_counters)
            return HsaHook(self.hsa_conn_id, msgids=msgids, sessions=SessionStore(ledger.engine)).client

        window = (local_naive(start), local_naive(end))
        ctx = JobContext(his=engine_for(self.his_conn_id), ledger=ledger, window=window,
                         actor=f"airflow:{ti.dag_id}.{ti.task_id}#{ti.try_number}", client_factory=client,
                         params={**self.options, **overrides})
        try:
            summary = run_job(self.job, ctx)
        except JobRefused as exc:
            emit(self.log, hsa_job_failed_lines(self.job, f"{exc}（须先修改配置或数据，任务不重试）"))
            raise AirflowFailException(str(exc)) from exc
        except (ReconciliationIncomplete, SettlementListHalted) as exc:  # their words are Chinese, for ops
            emit(self.log, hsa_job_failed_lines(self.job, f"{exc}（报表已写出已完成的部分）"))
            raise
        except Exception as exc:  # only the type: a database error's text can carry a statement's parameters
            emit(self.log, hsa_job_failed_lines(self.job, f"{type(exc).__name__}，任务将按 retries 重试"))
            raise
        self.log.info("%s summary: %s", self.job, summary)
        emit(self.log, hsa_job_lines(self.job, summary, window))  # last: what ops read first
        return summary
