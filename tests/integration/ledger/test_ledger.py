"""The delivery ledger on real databases: PostgreSQL and SQLite, same tests (and a few PostgreSQL-only ones for
what only PostgreSQL does: one array parameter per look-up, advisory leases, concurrent counters)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import (
    JournalEntry,
    LeaseBusy,
    Ledger,
    LedgerItem,
    MessageResult,
    Prior,
    RunContext,
    dumps,
)
from hisbridge.platforms.hsa.msgid import CounterMsgIds


@pytest.fixture(params=["postgres", "sqlite"])
def ledger(request) -> Ledger:
    url = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    return ledger


@pytest.fixture
def pg_ledger(pg_url) -> Ledger:
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    return ledger


RUN = RunContext(run_id="scheduled__2026-11-24T01:00:00+00:00", window_start=datetime(2026, 11, 24),
                 window_end=datetime(2026, 11, 25))
LATER = RunContext(run_id="scheduled__2026-11-25T01:00:00+00:00", window_start=datetime(2026, 11, 25),
                   window_end=datetime(2026, 11, 26))


def _items(*keys: str) -> list[LedgerItem]:
    return [LedgerItem(k, f"hash-{k}", dumps({"k": k}), correction_key="B1") for k in keys]


def _trail(ledger: Ledger, feed: str, key: str) -> list[tuple[str | None, str]]:
    return [(e["from_state"], e["to_state"]) for e in ledger.events(ledger.lookup(feed, [key])[key].id)]


@contextlib.contextmanager
def statements(ledger: Ledger) -> Iterator[list[tuple[str, object]]]:
    """Every SQL statement the ledger's engine runs inside the block, with its parameters."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)


def test_message_moves_records_from_sent_to_answer_states(ledger: Ledger) -> None:
    ticket = ledger.begin_message(feed="f", platform="hsa", operation="3505A", purpose="upload", msgid="M1",
                                  items=_items("a", "b"), run=RUN)
    assert {k: r.state for k, r in ledger.lookup("f", ["a", "b"]).items()} == {"a": "sent", "b": "sent"}
    ledger.finish_message(ticket, MessageResult(outcome="partial", row_states=["acknowledged", "rejected"],
                                                row_errors=[None, "追溯码已销售"], platform_code="0",
                                                request='{"input":1}', response='{"infcode":0}'), RUN)
    got = ledger.lookup("f", ["a", "b"])
    assert got["a"].state == "acknowledged" and got["a"].attempts == 1 and got["a"].last_msgid == "M1"
    assert got["b"].state == "rejected" and got["b"].reason == "追溯码已销售"
    msg = ledger.message("M1")
    assert msg["outcome"] == "partial" and msg["record_count"] == 2 and msg["response"] == '{"infcode":0}'
    assert msg["operation"] == "3505A" and msg["platform_code"] == "0" and msg["request"] == '{"input":1}'
    # the audit trail: sent ×2, answer ×2 — told by the message and its links, plus one event for the message
    assert _trail(ledger, "f", "a") == [(None, "sent"), ("sent", "acknowledged")]
    assert _trail(ledger, "f", "b") == [(None, "sent"), ("sent", "rejected")]
    e = s.delivery_event.c
    with ledger.engine.connect() as conn:
        events = conn.execute(select(e.record_id, e.message_id, e.from_state, e.to_state, e.msgid)).all()
    assert [(r.record_id, r.from_state, r.to_state, r.msgid) for r in events] == [(None, "in_flight", "partial", "M1")]
    assert events[0].message_id is not None


def test_second_message_counts_attempts_and_keeps_history(ledger: Ledger) -> None:
    for n in (1, 2):
        ticket = ledger.begin_message(feed="f", platform="hsa", operation="3505", purpose="upload", msgid=f"M{n}",
                                      items=_items("a"), run=RUN)
        ledger.finish_message(ticket, MessageResult(outcome="unknown", row_states=["unknown"], row_errors=[None]),
                              RUN)
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
    source = CounterMsgIds(ledger.next_value, ledger.drop_counters)
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
    source = CounterMsgIds(ledger.next_value, ledger.drop_counters, clock=lambda: next(ticks), sleep=lambda _: None)
    assert ledger.next_value("hsa:msgid:H36010000001" + "20261124090000", 9998) == 9998  # 9998 numbers used
    assert source.next("H36010000001") == "H36010000001202611240900009999"
    assert source.next("H36010000001") == "H36010000001202611240900010001"


# -- priors ------------------------------------------------------------------------------------------------------
def test_priors_tell_only_known_keys_what_a_decision_needs(ledger: Ledger) -> None:
    keys = [f"k{n:04d}" for n in range(1200)]  # more than one SQLite chunk
    ledger.settle("f", "hsa", _items(*keys[:1100]), s.ACKNOWLEDGED, RUN)
    ledger.settle("other", "hsa", _items("k1199"), s.ACKNOWLEDGED, RUN)
    found = ledger.priors("f", keys + keys[:10])  # a key asked twice is looked up once
    assert set(found) == set(keys[:1100])
    assert found["k0007"] == Prior(ledger.lookup("f", ["k0007"])["k0007"].id, s.ACKNOWLEDGED, "hash-k0007", "B1")
    assert ledger.priors("f", []) == {}


def test_priors_on_postgresql_use_one_array_parameter_whatever_the_number_of_keys(pg_ledger: Ledger) -> None:
    keys = [f"k{n:04d}" for n in range(1200)]
    pg_ledger.settle("f", "hsa", _items(*keys[::2]), s.ACKNOWLEDGED, RUN)
    texts = []
    for wanted in (keys[:3], keys):
        with statements(pg_ledger) as seen:
            found = pg_ledger.priors("f", wanted)
        assert set(found) == set(wanted[::2])
        selects = [(sql, params) for sql, params in seen if "FROM delivery_record" in sql]
        assert len(selects) == 1, "one statement, not one per chunk"
        sql, params = selects[0]
        arrays = [v for v in params.values() if isinstance(v, list)]
        assert arrays == [wanted] and "ANY" in sql.upper()
        texts.append(sql)
    assert texts[0] == texts[1], "the statement (and so its plan) does not change with the number of keys"


# -- finishing a message ------------------------------------------------------------------------------------------
def test_finish_message_updates_records_once_per_final_state_and_links_each_in_order(ledger: Ledger) -> None:
    keys = [f"r{n:03d}" for n in range(300)]
    states = [s.REJECTED if n % 100 == 7 else s.ACKNOWLEDGED for n in range(300)]
    errors = ["追溯码已销售" if st == s.REJECTED else None for st in states]
    ticket = ledger.begin_message(feed="f", platform="hsa", operation="3505A", purpose="upload", msgid="M1",
                                  items=_items(*keys), run=RUN)
    assert ticket.msgid == "M1" and len(ticket.record_ids) == 300
    before = ledger.lookup("f", keys)
    assert ticket.record_ids == [before[k].id for k in keys], "the ticket lists the records in message order"
    with statements(ledger) as seen:
        ledger.finish_message(ticket, MessageResult(outcome="partial", row_states=states, row_errors=errors), RUN)
    if ledger.engine.dialect.name == "postgresql":
        # the answer, the records, the links and the event: one statement, whatever the states
        assert len([sql for sql, _ in seen if "delivery_record" in sql]) == 1
        assert "UPDATE delivery_record" in seen[-1][0] and "INSERT INTO delivery_message_record" in seen[-1][0]
    else:
        updates = [sql for sql, _ in seen if sql.lstrip().upper().startswith("UPDATE DELIVERY_RECORD")]
        assert len(updates) == 2, "one UPDATE per distinct (final state, reason), never one per record"
    got = ledger.lookup("f", keys)
    assert [got[k].state for k in keys] == states and [got[k].reason for k in keys] == errors
    assert ledger.record(got["r000"].id)["acknowledged_at"] is not None
    assert ledger.record(got["r007"].id)["acknowledged_at"] is None
    mr = s.delivery_message_record.c
    with ledger.engine.connect() as conn:
        links = conn.execute(select(mr.record_id, mr.row_index, mr.outcome).order_by(mr.row_index)).all()
    assert [tuple(x) for x in links] == [(rid, n, st) for n, (rid, st) in enumerate(zip(ticket.record_ids, states,
                                                                                       strict=True))]
    with ledger.engine.connect() as conn:
        reason = conn.execute(select(s.delivery_event.c.reason).where(s.delivery_event.c.msgid == "M1")).scalar_one()
    assert reason == "300 record(s) — 297 acknowledged, 3 rejected"


def test_a_message_with_distinct_refusals_gives_each_record_its_own_state_and_reason(ledger: Ledger) -> None:
    ticket = ledger.begin_message(feed="f", platform="hsa", operation="3505A", purpose="upload", msgid="M1",
                                  items=_items("a", "b", "c", "d", "e"), run=RUN)
    states = [s.ACKNOWLEDGED, s.REJECTED, s.REJECTED, s.ACKNOWLEDGED, s.REJECTED]
    errors = [None, "追溯码已销售", "批号不存在", None, "追溯码已销售"]
    with statements(ledger) as seen:
        ledger.finish_message(ticket, MessageResult(outcome="partial", row_states=states, row_errors=errors,
                                                    err_msg="部分失败"), RUN)
    if ledger.engine.dialect.name != "postgresql":  # PostgreSQL: one statement carries every state and reason
        assert sum(sql.lstrip().upper().startswith("UPDATE DELIVERY_RECORD") for sql, _ in seen) == 3
    got = ledger.lookup("f", list("abcde"))
    assert [(got[k].state, got[k].reason) for k in "abcde"] == list(zip(states, errors, strict=True))


# -- a run that died between sending and recording the answer -----------------------------------------------------
def test_resolve_in_flight_makes_a_dead_runs_message_and_its_sent_records_unknown(ledger: Ledger) -> None:
    ledger.begin_message(feed="f", platform="hsa", operation="3505A", purpose="upload", msgid="M1",
                         items=_items("a", "b", "c"), run=RUN)  # the run died here: no answer recorded
    # "c" travelled again in a later, answered message: that answer stands
    ticket = ledger.begin_message(feed="f", platform="hsa", operation="3505A", purpose="upload", msgid="M3",
                                  items=_items("c"), run=RUN)
    ledger.finish_message(ticket, MessageResult(outcome="acknowledged", row_states=[s.ACKNOWLEDGED],
                                                row_errors=[None]), RUN)
    ledger.begin_message(feed="g", platform="hsa", operation="3505A", purpose="upload", msgid="M2",
                         items=_items("x"), run=RUN)  # another feed's: not this scope's to resolve
    assert ledger.resolve_in_flight(["f"], LATER) == 1
    got = ledger.lookup("f", ["a", "b", "c"])
    assert {k: r.state for k, r in got.items()} == {"a": s.UNKNOWN, "b": s.UNKNOWN, "c": s.ACKNOWLEDGED}
    assert got["a"].reason == "M1: the run sending it died before the answer was recorded"
    msg = ledger.message("M1")
    assert msg["outcome"] == "unknown" and msg["answered_at"] is not None and "died" in msg["err_msg"]
    assert [(m["msgid"], m["row"]) for m in ledger.messages_for(got["a"].id)] == [("M1", s.UNKNOWN)]
    assert _trail(ledger, "f", "a") == [(None, s.SENT), (s.SENT, s.UNKNOWN)]
    assert ledger.message("M2")["outcome"] == "in_flight" and ledger.lookup("g", ["x"])["x"].state == s.SENT
    e = s.delivery_event.c
    with ledger.engine.connect() as conn:
        actor = conn.execute(select(e.actor).where(e.msgid == "M1", e.to_state == "unknown")).scalar_one()
    assert actor == LATER.run_id
    assert ledger.resolve_in_flight(["f"], LATER) == 0, "resolved once"
    assert ledger.resolve_in_flight(["f", "g"], LATER) == 1


def test_resolve_in_flight_of_a_correction_without_records(ledger: Ledger) -> None:
    ledger.begin_message(feed="f", platform="hsa", operation="3507", purpose="correct", msgid="D1", items=[],
                         run=RUN)
    assert ledger.resolve_in_flight(["f"], LATER) == 1
    assert ledger.message("D1")["outcome"] == "unknown"


# -- counters -----------------------------------------------------------------------------------------------------
def test_next_value_is_atomic_across_4_threads_on_postgresql(pg_ledger: Ledger) -> None:
    start = threading.Barrier(4)
    got: list[int] = []
    blocks: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        start.wait()
        mine = [pg_ledger.next_value("hsa:msgid:H3601000000120261124090000") for _ in range(50)]
        mine_blocks = [pg_ledger.next_value("block", 10) for _ in range(10)]
        with lock:
            got.extend(mine)
            blocks.extend(mine_blocks)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 201)), "distinct values, none skipped"
    assert sorted(blocks) == list(range(10, 401, 10)), "each caller owns the block ending at its value"


def test_drop_counters_forgets_only_older_counters_of_the_prefix(ledger: Ledger) -> None:
    for name in ("p:20261123235959", "p:20261124000001", "q:20261101000000"):
        ledger.next_value(name)
    ledger.drop_counters("p:", "p:20261124000000")
    assert ledger.next_value("p:20261123235959") == 1 and ledger.next_value("p:20261124000001") == 2
    assert ledger.next_value("q:20261101000000") == 2


# -- the journal of real-time calls -------------------------------------------------------------------------------
def _entry(n: int, **over) -> JournalEntry:
    values = dict(platform="hsa", operation="2207", direction="out", outcome="ok",
                  started_at=datetime(2026, 11, 24, 1, 0, n, tzinfo=UTC), caller="门诊收费-03",
                  msgid=f"H36010000001202611240900{n:02d}0001", platform_code="0", err_msg=None, http_status=200,
                  request='{"infno":"2207","input":{"data":{"psn_no":"P1"}}}', response='{"infcode":0}',
                  platform_ref=f"REF{n}", business_ref=f"SETL{n % 2}", duration_ms=120 + n)
    values.update(over)
    return JournalEntry(**values)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite keeps no zone


def test_journal_entries_round_trip(ledger: Ledger) -> None:
    entry = _entry(1)
    entry_id = ledger.journal(entry)
    [got] = ledger.journal_entries()
    assert got["id"] == entry_id
    stored = {k: v for k, v in entry.__dict__.items() if k not in ("extra", "started_at")}
    assert {k: got[k] for k in stored} == stored
    assert _aware(got["started_at"]) == entry.started_at


def test_journal_entries_filter_by_platform_and_business_ref_newest_first(ledger: Ledger) -> None:
    ids = [ledger.journal(_entry(n)) for n in range(5)]
    ledger.journal(_entry(9, platform="city_brain", direction="in", operation="patient", business_ref="SETL1"))
    assert [e["id"] for e in ledger.journal_entries(platform="hsa")] == ids[::-1]
    assert [e["id"] for e in ledger.journal_entries(platform="hsa", business_ref="SETL1")] == [ids[3], ids[1]]
    assert len(ledger.journal_entries(business_ref="SETL1")) == 3
    assert [e["id"] for e in ledger.journal_entries(platform="hsa", limit=2)] == ids[:-3:-1]


def test_journal_keeps_the_instant_of_a_shanghai_time_on_postgresql(pg_ledger: Ledger) -> None:
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    pg_ledger.journal(_entry(1, started_at=moment))
    assert pg_ledger.journal_entries()[0]["started_at"] == moment


def test_journal_keeps_the_instant_of_a_shanghai_time_on_sqlite(sqlite_url) -> None:
    from zoneinfo import ZoneInfo

    ledger = Ledger(make_engine(sqlite_url))
    ledger.ensure_schema()
    moment = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    ledger.journal(_entry(1, started_at=moment))
    assert _aware(ledger.journal_entries()[0]["started_at"]) == moment


# -- leases -------------------------------------------------------------------------------------------------------
def test_lease_on_postgresql_a_second_holder_waits_then_is_busy(pg_ledger: Ledger, pg_url) -> None:
    other = Ledger(make_engine(pg_url))
    with pg_ledger.lease("hsa:3507:4", "run-1"):
        started = time.monotonic()
        with pytest.raises(LeaseBusy, match="another run holds hsa:3507:4"), other.lease("hsa:3507:4", "run-2",
                                                                                          wait_s=0.6):
            pass
        assert time.monotonic() - started >= 0.6, "it waited before giving up"
        with other.lease("hsa:3507:3", "run-2", wait_s=0):  # another scope is free
            pass
    with other.lease("hsa:3507:4", "run-2", wait_s=0):  # released with the block
        pass


def test_lease_on_postgresql_a_waiting_holder_gets_it_when_released(pg_ledger: Ledger, pg_url) -> None:
    other = Ledger(make_engine(pg_url))
    got = threading.Event()

    def second() -> None:
        with other.lease("scope", "run-2", wait_s=10):
            got.set()

    with pg_ledger.lease("scope", "run-1"):
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.3)
        assert not got.is_set()
    waiter.join(10)
    assert got.is_set()


def test_lease_on_postgresql_is_free_at_once_when_the_holders_connection_dies(pg_ledger: Ledger, pg_url) -> None:
    other = Ledger(make_engine(pg_url))
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    taken_after = None
    # the holder's lost connection makes leaving its block fail (its unlock cannot reach the server): not the
    # subject here
    with contextlib.suppress(OperationalError), pg_ledger.lease("scope", "killed-run"):
        with pytest.raises(LeaseBusy):
            with other.lease("scope", "next-run", wait_s=0):
                pass
        with admin.connect() as conn:
            holders = conn.execute(text(
                "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()")).scalars()
            [pid] = list(holders)
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
            for _ in range(100):  # the backend goes away asynchronously
                if not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                    {"pid": pid}).scalar():
                    break
                time.sleep(0.02)
        started = time.monotonic()
        with other.lease("scope", "next-run", wait_s=0):
            taken_after = time.monotonic() - started
    admin.dispose()
    assert taken_after is not None and taken_after < 1, "the next run took the scope at once"


def test_lease_on_sqlite_is_a_row_that_a_second_holder_waits_for(sqlite_url) -> None:
    ledger = Ledger(make_engine(sqlite_url))
    ledger.ensure_schema()
    with ledger.lease("scope", "run-1"):
        with pytest.raises(LeaseBusy):
            with ledger.lease("scope", "run-2", wait_s=0.2):
                pass
        with ledger.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(s.feed_lease)).scalar_one() == 1
    with ledger.lease("scope", "run-2", wait_s=0):
        pass


def test_a_msgid_factory_takes_its_counter_in_the_same_transaction_as_the_message(ledger: Ledger) -> None:
    from sqlalchemy.exc import IntegrityError

    run = RunContext("r")
    ledger.begin_message(feed="f", platform="p", operation="op", purpose="upload", msgid="M-1", items=[], run=run)

    def reused_msgid() -> str:
        ledger.next_value("msgid-counter")
        return "M-1"  # already in the ledger: the message insert fails

    with pytest.raises(IntegrityError):
        ledger.begin_message(feed="f", platform="p", operation="op", purpose="upload", msgid=reused_msgid,
                             items=_items("k1"), run=run)
    # the failed message took no number: the counter rolled back with it
    assert ledger.next_value("msgid-counter") == 1
    ticket = ledger.begin_message(feed="f", platform="p", operation="op", purpose="upload",
                                  msgid=lambda: f"M-{ledger.next_value('msgid-counter') + 1}", items=_items("k1"),
                                  run=run)
    assert ticket.msgid == "M-3" and ledger.message("M-3")["record_count"] == 1


# -- a run's stage threads keep one connection ---------------------------------------------------------------------
def test_pinned_threads_write_messages_on_one_connection_and_answers_survive_unpinning(ledger: Ledger) -> None:
    checkouts: list[object] = []

    def checkout(*args: object) -> None:
        checkouts.append(args)

    event.listen(ledger.engine.pool, "checkout", checkout)
    try:
        ledger.pin()
        tickets = [ledger.begin_message(feed="f", platform="hsa", operation="3505A", purpose="upload", msgid=f"M{n}",
                                        items=_items(f"k{n}a", f"k{n}b"), run=RUN) for n in range(5)]
        ledger.unpin()
        ledger.pin_answers()
        for ticket in tickets:
            ledger.finish_message(ticket, MessageResult(outcome="acknowledged", row_states=[s.ACKNOWLEDGED] * 2,
                                                        row_errors=[None, None]), RUN)
        ledger.unpin()
    finally:
        event.remove(ledger.engine.pool, "checkout", checkout)
    assert len(checkouts) == 2, "one connection per pinned thread, not one per message"
    got = ledger.lookup("f", [f"k{n}{x}" for n in range(5) for x in "ab"])
    assert {r.state for r in got.values()} == {s.ACKNOWLEDGED} and len(got) == 10
    assert [m["outcome"] for m in ledger.messages(feed="f")] == ["acknowledged"] * 5
    if ledger.engine.dialect.name == "postgresql":  # the pooled connection went back with the server's default
        with ledger.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
