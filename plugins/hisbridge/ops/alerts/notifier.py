"""Airflow's notifier mechanism for hisbridge: a task that fails for good raises an alert, its next success sends the
recovery.

Put both in a DAG's ``default_args`` (``hisbridge.scheduling.platform_default_args`` does it for every feed)::

    "on_failure_callback": [task_failure_notifier()],
    "on_success_callback": [task_recovery_notifier()],

Airflow runs ``on_failure_callback`` once, when the last retry has failed (earlier attempts call
``on_retry_callback``), in the task's own process after the task has ended; an error in a callback is logged and
never changes the task's state. The incident key is ``task:<dag_id>.<task_id>``: every later failing window of
the same task is the same incident (one alert, then a reminder after the re-notify interval), and the first
success of that task closes it with a recovery message. A success with no open incident costs one indexed look-up
in the ledger.

What the alert says: the DAG and task (their Chinese names), the window in Asia/Shanghai, the try, the error's
type and first line (masked; SQL and bound parameters cut off), the log page and the command that re-runs the
window once the cause is fixed.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import BaseNotifier

from hisbridge.ops.alerts.dispatch import LEDGER_CONN_ID, Alerter, alert, default_alerter, resolve
from hisbridge.ops.alerts.message import shanghai

log = logging.getLogger("hisbridge.alerts")

# SQLAlchemy appends the statement and its bound values (patients' data) to its messages: never forward those
_NOISE = re.compile(r"\s*(\[SQL:|\[parameters:|\(Background on this error).*", re.DOTALL)


def task_key(dag_id: str, task_id: str) -> str:
    return f"task:{dag_id}.{task_id}"


def error_line(error: object) -> str:
    """``Type: first line of the message`` without SQL or bound values (masked later with the rest)."""
    if error is None:
        return "未知错误"
    if isinstance(error, str):
        return _NOISE.sub("", error).strip().splitlines()[0][:300] if error.strip() else "未知错误"
    text = _NOISE.sub("", str(error)).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first[:300]}" if first else type(error).__name__


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return getattr(obj, name, default) if obj is not None else default


def failure_alert_args(context: dict) -> dict[str, Any]:
    """The :func:`~hisbridge.ops.alerts.dispatch.alert` arguments for a task that failed, from its context."""
    ti, dag, task = context.get("ti") or context.get("task_instance"), context.get("dag"), context.get("task")
    dag_id = _get(ti, "dag_id") or _get(dag, "dag_id") or "?"
    task_id = _get(ti, "task_id") or _get(task, "task_id") or "?"
    dag_name = _get(dag, "dag_display_name") or dag_id
    task_name = _get(task, "task_display_name") or task_id
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    window = f"窗口 {shanghai(start)} – {shanghai(end)}" if start and end else f"运行 {_get(ti, 'run_id', '?')}"
    tries = _get(ti, "try_number")
    detail = f"{window}，第 {tries} 次尝试后仍失败：{error_line(context.get('exception'))}"
    logical = context.get("logical_date")
    if logical is not None:
        stamp = logical.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        rerun = f"airflow tasks clear {dag_id} -t '^{task_id}$' -s {stamp} -e {stamp} -y"
    else:
        rerun = "在 Airflow 界面该任务实例上点 Clear"
    fix = f"看日志找原因并排除（网络、平台、数据）后重跑该窗口：{rerun}"
    feed = _get(task, "feed")
    if isinstance(feed, str) and feed:
        fix += f"；该接口的失败记录：python -m hisbridge ledger failures --feed {feed}"
    links: tuple[tuple[str, str], ...] = ()
    log_url = _get(ti, "log_url")
    if isinstance(log_url, str) and log_url:
        links = (("任务日志", log_url),)
    return {"kind": "task_failure", "key": task_key(dag_id, task_id), "subject": f"{dag_name} · {task_name} 失败",
            "detail": detail, "fix": fix, "since": datetime.now(UTC), "links": links}  # fmt: skip


class _LedgerNotifier(BaseNotifier):
    """A notifier whose incidents live in the ledger ``ledger_conn_id``; ``alerter`` is injected in tests."""

    template_fields = ()

    def __init__(self, *, ledger_conn_id: str = LEDGER_CONN_ID, alerter: Alerter | None = None) -> None:
        super().__init__()
        self.ledger_conn_id = ledger_conn_id
        self.alerter = alerter

    def _alerter(self) -> Alerter:
        return self.alerter or default_alerter(self.ledger_conn_id)


class TaskFailureNotifier(_LedgerNotifier):
    """``on_failure_callback``: one alert per failing task (see the module docstring).

    :param ledger_conn_id: the ledger holding the incidents (default ``hisbridge_db``).
    :param alerter: injected in tests; by default built from Airflow connections at notify time.
    """

    def notify(self, context: dict) -> None:
        args = failure_alert_args(context)
        event = alert(**args, alerter=self._alerter())
        log.info("task failure %s: %s", args["key"], event or "already told (no new message)")


class TaskRecoveryNotifier(_LedgerNotifier):
    """``on_success_callback``: closes the task's open failure incident and sends the recovery message."""

    def notify(self, context: dict) -> None:
        ti = context.get("ti") or context.get("task_instance")
        key = task_key(_get(ti, "dag_id", "?"), _get(ti, "task_id", "?"))
        alerter = self._alerter()
        if alerter.store is not None and alerter.store.open_incident(key) is None:
            return  # the common case: nothing was broken
        if resolve(key, by=f"{_get(ti, 'dag_id')}/{_get(ti, 'run_id')}", alerter=alerter):
            log.info("task %s recovered: recovery message sent", key)


def task_failure_notifier(ledger_conn_id: str = LEDGER_CONN_ID) -> TaskFailureNotifier:
    """For ``default_args["on_failure_callback"]``."""
    return TaskFailureNotifier(ledger_conn_id=ledger_conn_id)


def task_recovery_notifier(ledger_conn_id: str = LEDGER_CONN_ID) -> TaskRecoveryNotifier:
    """For ``default_args["on_success_callback"]``."""
    return TaskRecoveryNotifier(ledger_conn_id=ledger_conn_id)
