"""The Airflow operator of ``dags/mutual_record_resend.py``: re-send the workstation's record uploads that the
platform has not acknowledged (the outbox, :mod:`~hisbridge.platforms.mutual.service.outbox`).

A plain ``BaseOperator`` rather than ``@task``: the DAG file then imports only ``airflow.sdk`` and ``hisbridge``.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

#: outcomes that leave records in the outbox after a run
STUCK = ("not_sent", "unknown", "busy", "failed")


class RecordResendOperator(BaseOperator):
    """Send again every record upload journalled more than ``older_than_s`` ago and not acknowledged.

    Returns the counts by outcome for XCom. Records still undelivered because the platform is unreachable or
    busy make the task fail with a retry (they stay in the outbox); the platform refusing our credentials fails
    it without retry (someone has to fix the connection ``mutual_recognition``). Refused records are not re-sent.

    :param older_than_s: leave alone records journalled more recently (their first send may still be on the wire).
    :param ledger_conn_id: Airflow connection of the ledger.
    :param mutual_conn_id: Airflow connection of the 互认 platform.
    """

    def __init__(self, *, older_than_s: float = 120, ledger_conn_id: str = "hisbridge_db",
                 mutual_conn_id: str = "mutual_recognition", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.older_than_s = older_than_s
        self.ledger_conn_id = ledger_conn_id
        self.mutual_conn_id = mutual_conn_id

    def execute(self, context: Any) -> dict[str, int]:
        from hisbridge.platforms.mutual.service.wiring import resend_from_airflow
        from hisbridge.task_summary import emit, record_resend_lines

        counts = resend_from_airflow(older_than_s=self.older_than_s, ledger_conn_id=self.ledger_conn_id,
                                     mutual_conn_id=self.mutual_conn_id)
        emit(self.log, record_resend_lines(counts, STUCK))  # before a failure too: what was and was not sent
        if counts.get("misconfigured"):
            raise AirflowFailException(f"互认平台拒绝了本院的认证（{counts['misconfigured']} 条未送达）："
                                       f"请检查连接 {self.mutual_conn_id}；记录已保留，修复后自动补传")
        stuck = sum(counts.get(k, 0) for k in STUCK)
        if stuck:
            raise RuntimeError(f"互认记录补传：{stuck} 条仍未送达 {counts}（已保留，重试或下次运行再发）")
        return counts
