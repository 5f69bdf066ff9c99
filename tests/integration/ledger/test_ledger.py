"""The delivery ledger on real databases: PostgreSQL and SQLite, same tests."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.msgids import LedgerMsgIds
from hisbridge.ledger.store import Ledger, LedgerItem, MessageResult, RunContext


@pytest.fixture(params=["postgres", "sqlite"])
def ledger(request) -> Ledger:
    url = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    return ledger


RUN = RunContext(run_id="scheduled__2026-11-24T01:00:00+00:00", window_start=datetime(2026, 11, 24),
                 window_end=datetime(2026, 11, 25))


def _items(*keys: str) -> list[LedgerItem]:
    return [LedgerItem(k, f"hash-{k}", {"k": k}, correction_key="B1") for k in keys]


def test_message_moves_records_from_sent_to_answer_states(ledger: Ledger) -> None:
    mid = ledger.begin_message(feed="f", platform="hsa", infno="3505A", purpose="upload", msgid="M1",
                               items=_items("a", "b"), run=RUN, request={"input": 1})
    assert {k: r.state for k, r in ledger.lookup("f", ["a", "b"]).items()} == {"a": "sent", "b": "sent"}
    ledger.finish_message(mid, MessageResult(outcome="partial", row_states=["acknowledged", "rejected"],
                                             row_errors=[None, "追溯码已销售"], infcode=0, response='{"infcode":0}'),
                          RUN)
    got = ledger.lookup("f", ["a", "b"])
    assert got["a"].state == "acknowledged" and got["a"].attempts == 1 and got["a"].last_msgid == "M1"
    assert got["b"].state == "rejected" and got["b"].reason == "追溯码已销售"
    msg = ledger.message("M1")
    assert msg["outcome"] == "partial" and msg["record_count"] == 2 and msg["response"] == '{"infcode":0}'
    with ledger.engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(s.delivery_event)).scalar_one()
    assert events == 4  # sent ×2, answer ×2


def test_second_message_counts_attempts_and_keeps_history(ledger: Ledger) -> None:
    for n in (1, 2):
        mid = ledger.begin_message(feed="f", platform="hsa", infno="3505", purpose="upload", msgid=f"M{n}",
                                   items=_items("a"), run=RUN)
        ledger.finish_message(mid, MessageResult(outcome="unknown", row_states=["unknown"], row_errors=[None]), RUN)
    rec = ledger.lookup("f", ["a"])["a"]
    assert rec.attempts == 2 and rec.state == "unknown"
    assert [m["msgid"] for m in ledger.messages_for(rec.id)] == ["M1", "M2"]


def test_requeue_only_moves_refused_records_and_records_who(ledger: Ledger) -> None:
    ledger.settle("f", "hsa", _items("q"), s.QUARANTINED, RUN)
    ledger.settle("f", "hsa", _items("u"), s.UNKNOWN, RUN)
    ledger.settle("f", "hsa", _items("k"), s.ACKNOWLEDGED, RUN)
    ids = [r.id for r in ledger.lookup("f", ["q", "u", "k"]).values()]
    assert len(ledger.requeue(ids, actor="药剂科-王工", reason="data fixed")) == 1
    states = {k: r.state for k, r in ledger.lookup("f", ["q", "u", "k"]).items()}
    assert states == {"q": "pending", "u": "unknown", "k": "acknowledged"}
    with ledger.engine.connect() as conn:
        actors = conn.execute(select(s.delivery_event.c.actor).where(s.delivery_event.c.to_state == "pending")).all()
    assert actors == [("药剂科-王工",)]


def test_on_platform_by_correction_key_lists_what_a_withdrawal_removes(ledger: Ledger) -> None:
    ledger.settle("f", "hsa", _items("a", "b"), s.ACKNOWLEDGED, RUN)
    ledger.settle("f", "hsa", _items("c"), s.REJECTED, RUN)
    assert sorted(r.business_key for r in ledger.on_platform_by_correction_key("f", "B1")) == ["a", "b"]


def test_msgids_are_unique_across_threads(ledger: Ledger) -> None:
    source = LedgerMsgIds(ledger.engine)
    got: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        mine = [source.next("H36010000001") for _ in range(25)]
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 200 and len(set(got)) == 200
    assert all(len(m) == 30 and m.startswith("H36010000001") and m[12:].isdigit() for m in got)


def test_msgid_waits_for_next_second_when_sequence_exhausted(ledger: Ledger) -> None:
    from zoneinfo import ZoneInfo

    ticks = iter([datetime(2026, 11, 24, 9, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))] * 2
                 + [datetime(2026, 11, 24, 9, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai"))] * 5)
    source = LedgerMsgIds(ledger.engine, clock=lambda: next(ticks), sleep=lambda _: None)
    with ledger.engine.begin() as conn:
        conn.execute(s.msgid_sequence.insert().values(prefix="H36010000001" + "20261124090000", seq=9998))
    assert source.next("H36010000001") == "H36010000001202611240900009999"
    assert source.next("H36010000001") == "H36010000001202611240900010001"
