"""The nightly data-quality task: one feed's YAML checks as a Great Expectations suite over the data interval."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from hisbridge import MAPPINGS_DIR
from hisbridge.hooks import engine_for
from hisbridge.operators import local_naive
from hisbridge.pipeline.spec import all_feed_ids


def default_out_dir() -> Path:
    """``HISBRIDGE_QUALITY_DIR``, else ``<AIRFLOW_HOME>/hisbridge-quality``."""
    configured = os.environ.get("HISBRIDGE_QUALITY_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow") / "hisbridge-quality"


def feed_titles() -> dict[str, str]:
    """Feed id → its Chinese title, from the feed YAML files (plain file reads: safe at DAG parse)."""
    titles = {}
    for feed in all_feed_ids():
        data = yaml.safe_load((MAPPINGS_DIR / f"{feed}.yaml").read_text(encoding="utf-8")) or {}
        titles[feed] = str(data.get("title") or feed)
    return titles


class DataQualityOperator(BaseOperator):
    """Run a feed's ``checks`` as a Great Expectations suite over the run's data interval, keep the results.

    Failed expectations are findings, not failures: the task logs their counts (never a row's values), keeps
    them in the results JSON and the Data Docs, and succeeds. It fails without retry
    (``AirflowFailException``) only when the suite cannot run — a broken feed declaration or SQL, GX failing;
    an unreachable HIS (``OperationalError``) propagates so that ``retries`` apply.

    :param feed: feed id, the name of ``include/mappings/<feed>.yaml`` (templated)
    :param his_conn_id: connection of the HIS database
    :param out_dir: where results and Data Docs go, one folder per feed (templated); default: environment
        variable ``HISBRIDGE_QUALITY_DIR``, else ``<AIRFLOW_HOME>/hisbridge-quality``
    """

    template_fields: Sequence[str] = ("feed", "out_dir")
    ui_color = "#eef2fb"

    def __init__(self, *, feed: str, his_conn_id: str = "his_db", out_dir: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feed = feed
        self.his_conn_id = his_conn_id
        self.out_dir = out_dir

    def execute(self, context) -> dict[str, Any]:
        from sqlalchemy.exc import OperationalError

        from hisbridge import logging as pii_logging
        from hisbridge.pipeline.spec import load_feed_spec
        from hisbridge.quality import quiet_great_expectations, run_quality_suite
        from hisbridge.task_summary import quality_start_line, quality_summary_lines

        quiet_great_expectations()  # before anything imports GX: its import logs ~214 INFO lines

        pii_logging.install()
        start, end = context["data_interval_start"], context["data_interval_end"]
        if start is None or end is None or start >= end:
            raise AirflowFailException(f"{self.feed}: run has no data interval ({start} → {end})")
        out_dir = Path(self.out_dir) if self.out_dir else default_out_dir()
        try:
            spec = load_feed_spec(self.feed)
            self.log.log(*quality_start_line(self.feed, spec.title, start, end))
            result = run_quality_suite(spec, engine_for(self.his_conn_id), local_naive(start), local_naive(end),
                                       out_dir)
        except OperationalError:
            raise  # the HIS did not answer: a retry may succeed
        except Exception as exc:
            raise AirflowFailException(
                f"{self.feed}: the data-quality suite could not run: {type(exc).__name__}: {exc}"
            ) from exc
        for e in result.expectations:
            level = self.log.info if e.success else self.log.warning
            level("%s (%s): %d of %d unexpected", e.label, e.reason, e.unexpected, e.checked)
        for level, line in quality_summary_lines(result):  # last: what ops read first
            self.log.log(level, line)
        return result.summary()
