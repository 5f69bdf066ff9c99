"""The task of DAG ``hisbridge_window_gaps``: find every feed's missed windows, alert, and fill them.

The check is a function of its run's data interval (it looks at the windows that had ended, plus the grace
period, when the interval ended), so a re-run of an old check finds what that check would have found, minus what
was filled since. Settings: Variable ``hisbridge_window_gaps`` (JSON of :class:`~hisbridge.ops.windows.GapSettings`:
``lookback_days``, ``grace_minutes``, ``since``, ``exclude``, ``fill``) and the DAG param ``fill``. A backfill runs
its windows one at a time (not a setting: :mod:`hisbridge.ops.window_fill` says why).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator, Variable
from airflow.sdk.exceptions import AirflowFailException

from hisbridge.hooks import LedgerHook


class WindowGapsOperator(BaseOperator):
    """List the windows each scheduled feed has missed (ledger ``feed_window`` against the DAGs' timetables),
    warn about them in Chinese, and — with ``fill`` — submit one backfill per DAG through the Airflow REST API.

    Fails (no retry) when gaps are left that nothing is filling (a paused or continuous DAG, the API refusing):
    a green task must mean every missed window is being filled.

    :param fill: submit backfills; default: the DAG run's param ``fill`` (else true)
    :param ledger_conn_id: connection of the delivery ledger database
    :param api_conn_id: connection of the Airflow API server (http; login/password of an Op or Admin user)
    :param dag_folder: the DAG folder to read the schedules from (default: Airflow's ``dags_folder``)
    """

    ui_color = "#fdf3e7"

    def __init__(self, *, fill: bool | None = None, ledger_conn_id: str = "hisbridge_db",
                 api_conn_id: str = "airflow_api", dag_folder: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fill = fill
        self.ledger_conn_id = ledger_conn_id
        self.api_conn_id = api_conn_id
        self.dag_folder = dag_folder

    def execute(self, context) -> dict[str, Any]:
        from hisbridge.ops.window_fill import AirflowApi, FillOutcome, fill_gaps, unfilled
        from hisbridge.ops.windows import SETTINGS_VARIABLE, GapSettings, find_gaps, load_schedules, warn
        from hisbridge.task_summary import emit, window_gaps_lines

        settings = GapSettings.model_validate(Variable.get(SETTINGS_VARIABLE, default=None,
                                                           deserialize_json=True) or {})
        fill = self.fill if self.fill is not None else bool((context.get("params") or {}).get("fill", True))
        fill = fill and settings.fill
        now = context["data_interval_end"]
        schedules = load_schedules(self.dag_folder)
        gaps = find_gaps(self.ledger_hook_engine(), schedules, settings, now)
        missing = {g.feed: len(g.missing) for g in gaps if g.missing}
        outcome = FillOutcome()
        if missing and fill:
            try:
                api = AirflowApi.from_connection(self.api_conn_id)
            except Exception as exc:  # noqa: BLE001 - a missing connection: say so in the alert, with the commands
                outcome = unfilled(gaps, f"无法连接 Airflow API（连接 {self.api_conn_id}：{type(exc).__name__}）")
            else:
                outcome = fill_gaps(api, gaps, settings)
        warn(gaps, outcome.detail())
        summary = {"feeds_checked": len(gaps), "missing_windows": sum(missing.values()), "by_feed": missing,
                   "fill": outcome.as_dict()}
        try:  # alerting never breaks the check: the warnings above are in the task log either way
            notify(gaps, outcome, fill, self.ledger_conn_id)
        except Exception:  # noqa: BLE001
            self.log.exception("漏跑窗口告警未能发出")
        open_dags = [d.dag_id for d in outcome.left_open()] if fill else sorted({g.schedule.dag_id for g in gaps
                                                                                  if g.missing})
        emit(self.log, window_gaps_lines(summary, now, open_dags))  # last (before a failure): what ops read first
        if open_dags:
            raise AirflowFailException(f"漏跑窗口无人补跑：{', '.join(open_dags)}；见上方告警中的处理办法 "
                                       f"（python -m hisbridge.ops.windows gaps 列出明细）")
        return summary

    def ledger_hook_engine(self):
        return LedgerHook(self.ledger_conn_id).ledger.engine


def notify(gaps, outcome, fill: bool, ledger_conn_id: str = "hisbridge_db") -> dict[str, str]:
    """One incident per DAG with missed windows (kind ``window_gap``, key ``window_gap:<dag_id>``): what was
    missed since when, what was done, the command; a DAG whose gaps are gone is resolved (the recovery message).
    Through :mod:`hisbridge.ops.alerts` (never raises); returns what was told, by key."""
    from zoneinfo import ZoneInfo

    from hisbridge.ops.alerts import alert, default_alerter, resolve
    from hisbridge.ops.windows import stretches

    alerter = default_alerter(ledger_conn_id)
    detail = outcome.detail()
    by_dag: dict[str, list] = {}
    for g in gaps:
        if g.missing:
            by_dag.setdefault(g.schedule.dag_id, []).append(g)
    told: dict[str, str] = {}
    for dag_id, feeds in sorted(by_dag.items()):
        first = min(w.start for g in feeds for w in g.missing)
        count = len({w for g in feeds for w in g.missing})
        done = detail.get(dag_id) or ("未开启自动回填（参数 fill=false）" if not fill else "")
        spans = "；".join(f"{x[0].start:%m-%d %H:%M} → {x[-1].end:%m-%d %H:%M}" for g in feeds
                         for x in stretches(g.missing)[:3])
        key = f"window_gap:{dag_id}"
        alert("window_gap", f"{dag_id} 漏跑 {count} 个数据窗口（Asia/Shanghai {spans}）",
              detail="\n".join(g.describe() for g in feeds) + (f"\n处理：{done}" if done else ""),
              fix=f"python -m hisbridge.ops.windows gaps --feed {feeds[0].feed}；{done}",
              key=key, since=first.replace(tzinfo=ZoneInfo(feeds[0].schedule.timezone)), alerter=alerter)
        told[key] = done
    for key in alerter.open_keys("window_gap:"):
        if key not in told:
            resolve(key, by="hisbridge_window_gaps", alerter=alerter)
    return told
