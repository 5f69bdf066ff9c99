"""The task of DAG ``hisbridge_alerts``: run every check with the deployment's connections, and return a small
summary (keys only, no text) for XCom and the task log."""

from __future__ import annotations

import logging

from hisbridge.ops.alerts.checks import run_checks
from hisbridge.ops.alerts.config import cached_config, feed_slas
from hisbridge.ops.alerts.dispatch import LEDGER_CONN_ID, default_alerter

log = logging.getLogger("hisbridge.alerts")


def check_all(ledger_conn_id: str = LEDGER_CONN_ID) -> dict:
    """Every check once (see :mod:`hisbridge.ops.alerts.checks`). Raises nothing for a fault it found: a fault
    is alerted, not a task failure; a bug in the checks fails the task (and that failure is alerted)."""
    alerter = default_alerter(ledger_conn_id, cached_config())
    ledger = alerter.store.engine if alerter.store is not None else None
    summary = run_checks(alerter, slas=feed_slas(), ledger=ledger)
    log.info("告警检查：新通知 %d（%s），未恢复且已通知 %d，已恢复 %d%s", len(summary.fired),
             ", ".join(f"{k}={v}" for k, v in summary.fired.items()) or "-", len(summary.held),
             len(summary.resolved), f"，未能检查：{', '.join(summary.skipped)}" if summary.skipped else "")
    return summary.as_dict()
