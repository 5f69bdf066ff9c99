"""The resend DAG's operator: counts for XCom when all is delivered; a retry while the platform is unreachable;
no retry when it refuses our credentials."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from hisbridge.platforms.mutual.service import wiring
from hisbridge.platforms.mutual.service.operator import RecordResendOperator


@pytest.fixture
def counts(monkeypatch):
    result: dict[str, int] = {}
    monkeypatch.setattr(wiring, "resend_from_airflow", lambda **kwargs: dict(result))
    return result


def test_delivered_records_are_counted(counts) -> None:
    counts.update(acknowledged=3, rejected=1)
    assert RecordResendOperator(task_id="resend").execute({}) == {"acknowledged": 3, "rejected": 1}


def test_records_still_undelivered_fail_the_task_for_a_retry(counts) -> None:
    counts.update(acknowledged=1, not_sent=2)
    with pytest.raises(RuntimeError, match="2 条仍未送达"):
        RecordResendOperator(task_id="resend").execute({})


def test_refused_credentials_fail_without_retry(counts) -> None:
    counts.update(misconfigured=1)
    with pytest.raises(AirflowFailException, match="mutual_recognition"):
        RecordResendOperator(task_id="resend").execute({})
