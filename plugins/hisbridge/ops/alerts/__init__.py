"""Alerts (运维): what broke, since when, and how to fix it — told once per incident to a chat robot (企业微信 /
钉钉) and by e-mail, reminded after an interval, and followed by a recovery message when it clears.

Where alerts come from:

* **a task that failed for good** — :func:`task_failure_notifier` / :func:`task_recovery_notifier`, Airflow
  notifiers in a DAG's ``default_args`` (:mod:`.notifier`);
* **the periodic checks** — DAG ``hisbridge_alerts`` every 5 minutes: a feed past its SLA, a quarantine / refusal
  backlog above its threshold, the 医保 sign-in failing, the HIS or the ledger unreachable (:mod:`.checks`);
* **any module** — :func:`alert` (``kind, subject, detail, fix``) and :func:`resolve` (:mod:`.dispatch`).

Thresholds, channels and routes are data (``include/mappings/alerts.yaml``, :mod:`.config`); the robots' and the
mail server's addresses and secrets are Airflow connections (:mod:`.channels`); incidents and every message sent
are in the ledger (``alert_incident``, ``alert_notification``: :mod:`.state`). The texts are built in
:mod:`.message` and masked: no patient's name, ID number or phone reaches a chat group.

Ops read the incidents on the alert page (``/hisbridge-alerts``, :mod:`hisbridge.ops.alerts_page`), from the health
page's rows, and with ``python -m hisbridge alerts list|show`` (:mod:`.cli`); what an incident concerns is read
from its key (:mod:`.incidents`). An operator acknowledges (认领) an incident on its page or with ``python -m
hisbridge alerts ack``: no more reminders, the recovery names them (:meth:`Alerter.acknowledge`).
"""

from hisbridge.ops.alerts.dispatch import Alerter, alert, default_alerter, resolve
from hisbridge.ops.alerts.message import Alert, Notice

__all__ = ["Alert", "Alerter", "Notice", "alert", "default_alerter", "resolve", "task_failure_notifier",
           "task_recovery_notifier"]


def __getattr__(name: str):
    # the notifiers import Airflow's SDK: loaded only when asked for, so the checks and the message code stay
    # importable (and testable) without it
    if name in ("task_failure_notifier", "task_recovery_notifier", "TaskFailureNotifier", "TaskRecoveryNotifier"):
        from hisbridge.ops.alerts import notifier

        return getattr(notifier, name)
    raise AttributeError(name)
