"""The Airflow operator of ``dags/jiulonghu_exports.py``: write one 九龙湖 export
(:mod:`~hisbridge.platforms.jiulonghu.exports`) for the day of the run's data interval.

A plain ``BaseOperator`` rather than ``@task``: the DAG file then imports only ``airflow.sdk`` and ``hisbridge``;
the Variable, the connection and the export modules are touched in ``execute()`` only, never at parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import BaseOperator, Variable
from airflow.sdk.exceptions import AirflowFailException


class JiulonghuExportOperator(BaseOperator):
    """Write export ``export`` for the day the data interval starts on (in the configured time zone): that day's
    registrations, or the patients in hospital at the configured hour of that day. The day is the run's, never
    today's: a backfill of a past day rewrites exactly that day's files, replacing its folder atomically.

    Reads the Variable ``jiulonghu_exports`` (JSON: ``dir``, ``inpatient_snapshot_hour``, ``timezone``,
    ``his_conn_id``); a missing or invalid Variable, or an export whose SQL does not match its declaration, fails
    the task without retry (someone has to fix it). A database or file-system fault propagates (retries apply).
    Logs the row count, the folder and each file's size and sha256 — never a row. Returns the manifest's summary
    for XCom.

    :param export: an export declared in ``include/mappings/jiulonghu_exports.yaml`` (templated)
    :param variable: the Airflow Variable holding the settings
    """

    template_fields: Sequence[str] = ("export",)
    ui_color = "#eef6ee"

    def __init__(self, *, export: str, variable: str = "jiulonghu_exports", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.export = export
        self.variable = variable

    def execute(self, context: Any) -> dict[str, Any]:
        from hisbridge import logging as pii_logging
        from hisbridge.hooks import engine_for
        from hisbridge.platforms.jiulonghu.exports import ExportError, export_day, parse_settings
        from hisbridge.task_summary import emit, export_lines

        pii_logging.install()
        start, end = context["data_interval_start"], context["data_interval_end"]
        if start is None or end is None or start >= end:
            raise AirflowFailException(f"{self.export}: run has no data interval ({start} → {end})")
        try:
            settings = parse_settings(Variable.get(self.variable, default=None), self.variable)
        except ExportError as exc:  # retrying reads the same Variable
            raise AirflowFailException(str(exc)) from exc
        day = start.astimezone(ZoneInfo(settings.timezone)).date()
        try:
            manifest = export_day(engine_for(settings.his_conn_id), self.export, day, settings.dir,
                                  snapshot_hour=settings.inpatient_snapshot_hour, timezone=settings.timezone,
                                  source=settings.his_conn_id)
        except ExportError as exc:
            raise AirflowFailException(str(exc)) from exc
        # export_day has logged each file's size and sha256
        emit(self.log, export_lines(manifest.title, day, manifest.rows, manifest.folder,
                                    [f.name for f in manifest.files]))
        return {"export": manifest.export, "day": day.isoformat(), "rows": manifest.rows,
                "folder": str(manifest.folder), "files": {f.name: f.sha256 for f in manifest.files}}
