"""The Airflow operator of ``dags/city_brain_push.py``: 医院数据推送通知 for the run's data interval, the seven event
feeds in a visit's journey order (:func:`~hisbridge.platforms.city_brain.pushes.push_window`).

A plain ``BaseOperator``: the DAG file imports only ``airflow.sdk`` and ``hisbridge``; connections, the pipeline
and the client are touched in ``execute()`` only, never at parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException


class CityBrainPushOperator(BaseOperator):
    """Push the events of the data interval to the city brain (connection ``city_brain``), recorded in the ledger.

    Transport faults propagate once the ledger holds what was sent (retries apply; the retry pushes the rest and
    re-sends what is unknown — the city brain dedupes by eventId). A refusal of our credentials fails the task
    without retry. Events refused by the city brain, or waiting for their visit's REGISTERED, never fail the
    task: they wait in the ledger with their reasons (``python -m hisbridge ledger failures --feed <feed>``).
    Returns the counts per feed for XCom (never rows); the task log ends with them in Chinese, and a WARNING per
    feed with events refused, waiting in quarantine or of unknown outcome.

    :param feeds: the push feeds, in journey order (templated); default all seven.
    :param his_conn_id: connection of the HIS database.
    :param ledger_conn_id: connection of the delivery ledger database.
    """

    template_fields: Sequence[str] = ("feeds",)
    ui_color = "#e8f4ea"

    def __init__(self, *, feeds: Sequence[str] | None = None, his_conn_id: str = "his_db",
                 ledger_conn_id: str = "hisbridge_db", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feeds = list(feeds) if feeds is not None else None
        self.his_conn_id = his_conn_id
        self.ledger_conn_id = ledger_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from hisbridge import logging as pii_logging
        from hisbridge.hooks import LedgerHook, engine_for
        from hisbridge.operators import local_naive
        from hisbridge.pipeline.platform import DeliveryMisconfigured
        from hisbridge.pipeline.run import RunSettings
        from hisbridge.platforms.city_brain.pushes import PUSH_FEEDS, push_window
        from hisbridge.platforms.registry import platform
        from hisbridge.task_summary import city_brain_push_lines, emit

        pii_logging.install()
        start, end = context["data_interval_start"], context["data_interval_end"]
        if start is None or end is None or start >= end:
            raise AirflowFailException(f"城市大脑推送：本次运行没有数据区间（{start} → {end}）")
        ledger = LedgerHook(self.ledger_conn_id).ledger
        sender = platform("city_brain").sender_from_airflow(ledger)
        ti = context["ti"]

        def settings(feed: str, tag: str) -> RunSettings:
            run_id = f"{context['run_id']}#{tag}" if tag else context["run_id"]
            return RunSettings(run_id=run_id, mode="single", batch_size=1,
                               actor=f"airflow:{ti.dag_id}.{ti.task_id}#{ti.try_number}")

        try:
            summary = push_window(engine_for(self.his_conn_id), ledger, sender, (local_naive(start), local_naive(end)),
                                  settings, feeds=self.feeds or tuple(PUSH_FEEDS))
        except DeliveryMisconfigured as exc:
            raise AirflowFailException(str(exc)) from exc
        finally:
            sender.close()
        for feed, counts in summary.feeds.items():
            self.log.info("%s（%s）：%s", feed, PUSH_FEEDS.get(feed, feed),
                          {k: v for k, v in counts.items() if v and k != "seconds"})
        emit(self.log, city_brain_push_lines(summary.as_dict(), PUSH_FEEDS))  # last: what ops read first
        return summary.as_dict()
