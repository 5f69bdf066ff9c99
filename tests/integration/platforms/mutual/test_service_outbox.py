# ruff: noqa: F811 - the rig's fixtures are imported from service_support and taken by name
"""Record uploads go through the outbox in the ledger's journal: written before they leave, completed with the
answer, and re-sent by ``resend_pending_records`` (the DAG ``mutual_record_resend``) until the platform has them —
safely, because the platform keeps one record per GUID."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from hisbridge.ledger.store import JournalEntry
from hisbridge.platforms.mutual.client import MutualClient
from hisbridge.platforms.mutual.service.outbox import resend_pending_records
from hisbridge.platforms.mutual.settings import MutualSettings
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

from .service_support import (  # noqa: F401 - fixtures
    VISIT,
    anyio_backend,
    his_db,
    ledger,
    rig,
    sim,
)

pytestmark = pytest.mark.anyio


def _later() -> datetime:
    return datetime.now(UTC) + timedelta(minutes=5)


def _uploads(rig) -> list[dict]:
    return [e for e in rig.journal() if e["operation"] == "uploadReminderRecords"]


@pytest.mark.parametrize("fault", ["http_500_before", "http_500_after", "drop"])
async def test_a_reminder_upload_that_failed_is_re_sent_and_reaches_the_platform_once(rig, fault) -> None:
    rig.sim.faults.apply_json({"kind": fault, "op": "uploadReminderRecords"})
    shown = (await rig.visit()).json()["reminders"]
    [entry] = _uploads(rig)
    assert entry["outcome"] == "unknown", entry
    guids = [row["remindId"] for row in orjson.loads(entry["request"])]
    stored_before = len(rig.sim.state.record_list("reminder"))

    counts = resend_pending_records(rig.ledger, rig.service.client, clock=_later)

    assert counts == {"acknowledged": 1}
    [entry] = _uploads(rig)
    assert entry["outcome"] == "acknowledged" and entry["platform_code"] == "00000"
    records = rig.sim.state.record_list("reminder", GHId=VISIT)
    assert sorted(r.key for r in records) == sorted(guids), "the same GUIDs: nothing recorded twice"
    assert len(records) == len(shown)
    if fault == "http_500_after":  # it had arrived the first time: the re-send was a duplicate the platform ignored
        assert stored_before == len(shown) and {r.duplicates for r in records} == {1}
    assert resend_pending_records(rig.ledger, rig.service.client, clock=_later) == {}


async def test_a_recent_upload_is_left_alone_and_a_refused_one_is_not_re_sent(rig) -> None:
    rig.sim.faults.apply_json({"kind": "http_500_before", "op": "uploadReminderRecords"})
    await rig.visit()
    rig.service.drain()  # the upload after the answer has run (and failed) before the outbox is read
    assert resend_pending_records(rig.ledger, rig.service.client) == {}, "still within older_than_s"

    rig.sim.faults.apply_json({"kind": "refuse", "op": "uploadReminderRecords", "code": "A0400", "msg": "字段错误"})
    counts = resend_pending_records(rig.ledger, rig.service.client, clock=_later)
    assert counts == {"rejected": 1}
    [entry] = _uploads(rig)
    assert entry["outcome"] == "rejected" and entry["platform_code"] == "A0400" and "字段错误" in entry["err_msg"]
    assert resend_pending_records(rig.ledger, rig.service.client, clock=_later) == {}


async def test_an_upload_left_pending_by_a_dead_process_is_sent(rig) -> None:
    await rig.visit()
    [entry] = _uploads(rig)
    rows = orjson.loads(entry["request"])
    for row in rows:  # the same records, journalled by a process that died before sending them
        row["remindId"] = row["remindId"][:-4] + "beef"
    dead = rig.ledger.journal(JournalEntry(platform="mutual", operation="uploadReminderRecords", direction="out",
                                           outcome="pending", started_at=datetime.now(UTC) - timedelta(hours=1),
                                           request=orjson.dumps(rows).decode(), business_ref=VISIT))
    assert resend_pending_records(rig.ledger, rig.service.client) == {"acknowledged": 1}
    assert {e["id"]: e["outcome"] for e in _uploads(rig)}[dead] == "acknowledged"
    assert {r["remindId"] for r in rows} <= {r.key for r in rig.sim.state.record_list("reminder")}


async def test_a_platform_still_down_leaves_the_records_in_the_outbox(rig) -> None:
    rig.sim.faults.apply_json({"kind": "http_500_before", "op": "uploadReminderRecords"})
    await rig.visit()
    rig.service.drain()  # the upload after the answer has run (and failed) before the outbox is read
    down = MutualClient(MutualSettings(base_url="http://127.0.0.1:9", timeout_s=1))
    try:
        assert resend_pending_records(rig.ledger, down, clock=_later) == {"not_sent": 1}
    finally:
        down.close()
    [entry] = _uploads(rig)
    assert entry["outcome"] == "not_sent"
    assert resend_pending_records(rig.ledger, rig.service.client, clock=_later) == {"acknowledged": 1}


def _dead_upload(rig, entry: dict) -> int:
    """The visit's reminder records again under new GUIDs, journalled an hour ago by a process that died unsent."""
    rows = orjson.loads(entry["request"])
    for row in rows:
        row["remindId"] = row["remindId"][:-4] + "dead"
    return rig.ledger.journal(JournalEntry(platform="mutual", operation="uploadReminderRecords", direction="out",
                                           outcome="pending", started_at=datetime.now(UTC) - timedelta(hours=1),
                                           request=orjson.dumps(rows).decode(), business_ref=VISIT))


@pytest.mark.usefixtures("task_log")
async def test_the_resend_task_ends_its_log_with_the_counts_and_warns_of_refusals(rig, monkeypatch, caplog) -> None:
    from hisbridge.platforms.mutual.service.operator import RecordResendOperator

    u = rig.ledger.engine.url
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
        "conn_type": "postgres", "host": u.host, "port": u.port, "login": u.username, "schema": u.database}))
    monkeypatch.setenv("AIRFLOW_CONN_MUTUAL_RECOGNITION", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": rig.sim.port, "schema": "http",
        "extra": {"org_code": "360102001"}}))
    await rig.visit()
    [entry] = _uploads(rig)
    op = RecordResendOperator(task_id="resend")

    assert op.execute({}) == {}
    assert operator_lines(caplog, op)[-1] == (logging.INFO, "汇总：互认行为记录补传：没有待补传的记录")

    _dead_upload(rig, entry)
    caplog.clear()
    assert op.execute({}) == {"acknowledged": 1}
    assert operator_lines(caplog, op) == [(logging.INFO, "汇总：互认行为记录补传：已确认 1（条）")]

    rig.sim.faults.apply_json({"kind": "refuse", "op": "uploadReminderRecords", "code": "A0400", "msg": "字段错误"})
    _dead_upload(rig, entry)
    caplog.clear()
    assert op.execute({}) == {"rejected": 1}  # refused: green, not re-sent, and said as a warning
    assert operator_lines(caplog, op) == [
        (logging.INFO, "汇总：互认行为记录补传：平台拒收 1（条）"),
        (logging.WARNING, "任务成功，但 1 条记录被平台拒收，不再补传，需人工核查：平台给出的原因记在台账 call_journal 表"
                          "（platform=mutual、outcome=rejected）")]
