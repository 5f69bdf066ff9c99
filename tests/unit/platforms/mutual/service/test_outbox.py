"""The outbox: every record journalled before it leaves; each platform answer becomes an outcome the resender
acts on (re-send what may not have arrived, never what was refused)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.mutual import errors as e
from hisbridge.platforms.mutual.models import ReminderRecord, RevokeNonRecognition
from hisbridge.platforms.mutual.service.outbox import Outbox, resend_pending_records

REF = {"patientId": "P1", "GHId": "GH1", "itemType": "LIS", "itemCode": "L0001", "reportOrgCode": "360000001",
       "reportOrgName": "江西省人民医院", "reportNo": "N1", "reportName": "血常规", "reportTime": "2026-11-20 09:00:00"}


class FakeClient:
    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, object]] = []

    def record(self, op, body):
        self.sent.append((op, body))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _exchange() -> e.Exchange:
    return e.Exchange("uploadReminderRecords", "POST", "http://p/api", "[]", {}, datetime.now(UTC), status=200,
                      response_text='{"code":"00000"}', request_id="RQ1")


@pytest.fixture
def ledger(tmp_path) -> Ledger:
    ledger = Ledger(make_engine(f"sqlite:///{tmp_path / 'ledger.db'}"))
    ledger.ensure_schema()
    return ledger


def _reminder() -> ReminderRecord:
    return ReminderRecord.model_validate({**REF, "operateTime": "2026-11-24 09:00:00", "searchType": "1",
                                          "reportId": "R1", "DoctorId": "D1"})


@pytest.mark.parametrize(("answer", "outcome", "words"), [
    (None, "acknowledged", "提醒记录已上传"),
    (e.Refused(operation="x", code="A0400", msg="字段错误"), "rejected", "平台拒收提醒记录：字段错误"),
    (e.Busy("busy", operation="x"), "busy", "平台繁忙"),
    (e.Misconfigured("auth", operation="x", code="A0401"), "misconfigured", "平台认证失败"),
    (e.OutcomeUnknown("read timeout", operation="x"), "unknown", "平台未应答"),
    (e.NotSent("refused", operation="x"), "not_sent", "平台暂不可用"),
])
def test_each_answer_becomes_an_outcome_and_a_sentence(ledger, answer, outcome, words) -> None:
    client = FakeClient(answer or _exchange())
    posted = Outbox(ledger, client).post("uploadReminderRecords", [_reminder()], caller="ws", business_ref="GH1")
    assert posted.outcome == outcome and posted.message.startswith(words)
    [entry] = ledger.journal_entries(platform="mutual")
    assert entry["outcome"] == outcome and entry["direction"] == "out" and entry["business_ref"] == "GH1"
    [row] = orjson.loads(entry["request"])
    assert entry["msgid"] == row["remindId"], "the GUID finds the entry again"
    if outcome == "acknowledged":
        assert (entry["platform_code"], entry["platform_ref"], entry["http_status"]) == ("00000", "RQ1", 200)


def test_a_revoke_of_nothing_left_counts_as_done(ledger) -> None:
    client = FakeClient(e.NotFound(operation="revokeNonRecognition", code="A0404", msg="无不互认记录"))
    body = RevokeNonRecognition(patientId="P1", GHId="GH1", reportId="R1", itemType="LIS", itemCode="L0001",
                                idCardTypeCode="01", doctorId="D1")
    posted = Outbox(ledger, client).post("revokeNonRecognition", body, caller="page", business_ref="GH1")
    assert posted.delivered and posted.code == "A0404"


def test_the_resender_sends_again_only_what_may_not_have_arrived(ledger) -> None:
    outbox = Outbox(ledger, FakeClient(e.NotSent("down", operation="x"),
                                       e.Refused(operation="x", code="A0400", msg="no"), _exchange()))
    for _ in range(3):
        outbox.post("uploadReminderRecords", [_reminder()], caller="ws", business_ref="GH1")
    later = lambda: datetime.now(UTC) + timedelta(minutes=5)  # noqa: E731
    client = FakeClient(_exchange())
    assert resend_pending_records(ledger, client, clock=later) == {"acknowledged": 1}
    [(op, body)] = client.sent
    assert op == "uploadReminderRecords" and isinstance(body[0], ReminderRecord)
    first = min(ledger.journal_entries(platform="mutual"), key=lambda r: r["id"])
    assert body[0].remindId == first["msgid"], "re-sent with its own GUID"
    assert resend_pending_records(ledger, FakeClient(), clock=later) == {}
