"""``delivery_state_count``: records per (feed, state) kept exact by the database's triggers, on real PostgreSQL and
SQLite — after every kind of write the ledger makes (and a hand-written one), under concurrent writers of the same
and of different feeds, across the migration that introduces it and its downgrade.

The truth each test compares with is the GROUP BY over ``delivery_record`` that ``Ledger.counts`` used to run.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text

from hisbridge.db import make_engine
from hisbridge.ledger import migrate
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import _STATE_COUNT_LOCK, Ledger, LedgerItem, MessageResult, RunContext, dumps

RUN = RunContext(run_id="scheduled__2026-11-24T01:00:00+00:00", window_start=datetime(2026, 11, 24),
                 window_end=datetime(2026, 11, 25))
LATER = RunContext(run_id="scheduled__2026-11-25T01:00:00+00:00", window_start=datetime(2026, 11, 25),
                   window_end=datetime(2026, 11, 26))
PREVIOUS = "0011_alerts"


@pytest.fixture(params=["postgres", "sqlite"])
def url(request) -> str:
    return request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")


@pytest.fixture
def ledger(url) -> Ledger:
    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    yield ledger
    ledger.engine.dispose()


@pytest.fixture
def pg_ledger(pg_url) -> Ledger:
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    yield ledger
    ledger.engine.dispose()


def _items(*keys: str, version: str = "1") -> list[LedgerItem]:
    return [LedgerItem(k, f"hash-{k}-{version}", dumps({"k": k, "v": version}), correction_key="B1") for k in keys]


def truth(engine: Engine, feed: str | None = None) -> dict[str, dict[str, int]]:
    """Records per feed and state counted from ``delivery_record`` itself."""
    t = s.delivery_record
    q = select(t.c.feed, t.c.state, func.count()).group_by(t.c.feed, t.c.state)
    if feed:
        q = q.where(t.c.feed == feed)
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for f, state, n in conn.execute(q):
            out.setdefault(f, {})[state] = n
    return out


def rollup(engine: Engine) -> dict[str, dict[str, int]]:
    """The table as it stands, summed per pair (pairs summing to 0 left out, as ``counts`` does)."""
    c = s.delivery_state_count
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for f, state, n in conn.execute(select(c.c.feed, c.c.state, func.sum(c.c.n)).group_by(c.c.feed, c.c.state)):
            if n:
                out.setdefault(f, {})[state] = int(n)
    return out


def assert_exact(ledger: Ledger) -> None:
    expected = truth(ledger.engine)
    assert rollup(ledger.engine) == expected
    assert ledger.counts() == expected
    for feed in expected:
        assert ledger.counts(feed) == {feed: expected[feed]}


def triggers(engine: Engine) -> dict[str, str]:
    """The rollup's triggers on ``delivery_record`` (and, on PostgreSQL, their functions' bodies) by name."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found = dict(conn.execute(text(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = 'delivery_record'::regclass AND NOT tgisinternal")).all())
            found |= dict(conn.execute(text(
                "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'delivery_state_count%'")).all())
            return found
        return dict(conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'delivery_record'")).all())


# -- exact after every kind of write ------------------------------------------------------------------------------
def test_counts_equal_a_group_by_after_every_kind_of_ledger_write(ledger: Ledger) -> None:
    assert ledger.counts() == {} and rollup(ledger.engine) == {}
    # new records put in a state outside a message: quarantined, pending
    ledger.settle("sale", "hsa", _items("q1", "q2", "q3"), s.QUARANTINED, RUN)
    ledger.settle("sale", "hsa", _items("p1", "p2"), s.PENDING, RUN)
    assert ledger.counts() == {"sale": {s.QUARANTINED: 3, s.PENDING: 2}}
    assert_exact(ledger)
    # a message carrying known records (pending → sent) and new ones (→ sent): one upsert, inserts and updates
    ticket = ledger.begin_message(feed="sale", platform="hsa", operation="3505A", purpose="upload", msgid="M1",
                                  items=_items("p1", "p2", "n1", "n2", "n3", "n4"), run=RUN)
    assert ledger.counts("sale") == {"sale": {s.QUARANTINED: 3, s.SENT: 6}}
    assert_exact(ledger)
    # its answer: four states at once, one of them back to pending
    ledger.finish_message(ticket, MessageResult(
        outcome="partial", row_states=[s.ACKNOWLEDGED, s.REJECTED, s.ACKNOWLEDGED, s.UNKNOWN, s.PENDING, s.REJECTED],
        row_errors=[None, "追溯码已销售", None, None, None, "批号不存在"]), RUN)
    assert_exact(ledger)
    # an operator re-queues the refused and quarantined records of the feed: those states empty out, not reported
    refused = [r.id for r in ledger.records("sale", [s.REJECTED, s.QUARANTINED])]
    assert len(ledger.requeue(refused, actor="药剂科-王工", reason="data fixed")) == 5
    assert s.REJECTED not in ledger.counts("sale")["sale"] and s.QUARANTINED not in ledger.counts("sale")["sale"]
    assert_exact(ledger)
    # settling a record again in the state it has (a re-run's unchanged content) changes nothing
    ledger.settle("sale", "hsa", _items("n1"), s.ACKNOWLEDGED, LATER)
    assert_exact(ledger)
    # a run that died after sending; the next run resolves its records as unknown
    ledger.begin_message(feed="sale", platform="hsa", operation="3505A", purpose="upload", msgid="M2",
                         items=_items("q1", "q2", "x1", version="2"), run=LATER)
    ledger.begin_message(feed="other", platform="cdc", operation="push", purpose="upload", msgid="M3",
                         items=_items("o1", "o2"), run=LATER)
    assert ledger.resolve_in_flight(["sale", "other"], LATER) == 2
    assert ledger.counts("other") == {"other": {s.UNKNOWN: 2}}
    assert_exact(ledger)
    # a withdrawal outside a message, a feed of its own
    ledger.settle("sale", "hsa", _items("x1", version="3"), s.WITHDRAWN, LATER)
    ledger.settle("city", "city_brain", _items(*(f"c{n}" for n in range(1200))), s.PENDING, RUN)
    assert_exact(ledger)
    # hand-written SQL (an operator in psql): moving records between feeds and states, then deleting some
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE delivery_record SET state = 'acknowledged' WHERE feed = 'city' AND business_key < 'c5'"))
        conn.execute(text("UPDATE delivery_record SET feed = 'city2' WHERE feed = 'city' AND business_key LIKE 'c9%'"))
        conn.execute(text("UPDATE delivery_record SET reason = 'note' WHERE feed = 'city'"))  # no count changes
        conn.execute(text("DELETE FROM delivery_record WHERE feed = 'other'"))
    assert "other" not in ledger.counts()
    assert_exact(ledger)


def test_a_failed_transaction_leaves_the_counts_as_they_were(ledger: Ledger) -> None:
    ledger.settle("sale", "hsa", _items("a", "b"), s.PENDING, RUN)
    with pytest.raises(RuntimeError), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE delivery_record SET state = 'acknowledged'"))
        raise RuntimeError("the run died before its commit")
    assert ledger.counts() == {"sale": {s.PENDING: 2}}
    assert_exact(ledger)


def test_truncate_on_postgresql_empties_the_counts(pg_ledger: Ledger) -> None:
    pg_ledger.settle("sale", "hsa", _items("a", "b"), s.PENDING, RUN)
    with pg_ledger.engine.begin() as conn:
        conn.execute(text("TRUNCATE delivery_record CASCADE"))
    assert pg_ledger.counts() == {} and rollup(pg_ledger.engine) == {}


# -- folding the appended changes (PostgreSQL) --------------------------------------------------------------------
def test_postgresql_appends_each_statements_change_and_counts_folds_them_past_the_slack(pg_ledger: Ledger) -> None:
    c = s.delivery_state_count

    def rows() -> int:
        with pg_ledger.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(c)).scalar_one()

    for n in range(30):
        ticket = pg_ledger.begin_message(feed="sale", platform="hsa", operation="3505A", purpose="upload",
                                         msgid=f"M{n}", items=_items(*(f"k{n}-{i}" for i in range(50))), run=RUN)
        pg_ledger.finish_message(ticket, MessageResult(outcome="partial", row_states=[s.ACKNOWLEDGED] * 49 + [
            s.REJECTED], row_errors=[None] * 49 + ["追溯码已销售"]), RUN)
    # one row per message sent (+sent) and three per answer (−sent, +acknowledged, +rejected): none updated
    assert rows() == 30 * 4
    assert pg_ledger.counts() == {"sale": {s.ACKNOWLEDGED: 30 * 49, s.REJECTED: 30}}
    assert rows() == 120, "below the slack a read folds nothing"

    pg_ledger.STATE_COUNT_SLACK = 10
    assert pg_ledger.counts("sale") == {"sale": {s.ACKNOWLEDGED: 30 * 49, s.REJECTED: 30}}
    with pg_ledger.engine.connect() as conn:
        folded = conn.execute(select(c.c.feed, c.c.state, c.c.n).order_by(c.c.state)).all()
    # the pair "sent" summed to 0: folded away
    assert [tuple(r) for r in folded] == [("sale", s.ACKNOWLEDGED, 30 * 49), ("sale", s.REJECTED, 30)]
    assert_exact(pg_ledger)


def test_a_second_folder_skips_while_one_folds(pg_ledger: Ledger, pg_url: str) -> None:
    pg_ledger.settle("sale", "hsa", _items("a"), s.PENDING, RUN)
    holder = make_engine(pg_url)
    try:
        with holder.begin() as conn:
            assert pg_ledger.compact_state_counts() is True
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _STATE_COUNT_LOCK})
            assert pg_ledger.compact_state_counts() is False
    finally:
        holder.dispose()
    assert_exact(pg_ledger)


# -- concurrency (PostgreSQL) -------------------------------------------------------------------------------------
def test_writers_never_wait_for_an_open_transaction_of_the_same_or_another_feed(pg_ledger: Ledger,
                                                                                 pg_url: str) -> None:
    pg_ledger.settle("sale", "hsa", _items("a1", "a2"), s.PENDING, RUN)
    pg_ledger.settle("lab", "mutual", _items("b1"), s.PENDING, RUN)
    # a transaction of "sale" changes counts and stays open (a run's upload waiting for its commit)
    open_tx = make_engine(pg_url)
    others = Ledger(make_engine(pg_url, connect_args={"options": "-c lock_timeout=2000"}))
    try:
        with open_tx.begin() as conn:
            conn.execute(text("UPDATE delivery_record SET state = 'sent' WHERE feed = 'sale' AND business_key = 'a1'"))
            # other writers of the same feed, of another feed, and a fold: none waits (lock_timeout would raise)
            others.settle("sale", "hsa", _items("a2"), s.QUARANTINED, RUN)
            ticket = others.begin_message(feed="sale", platform="hsa", operation="3505A", purpose="upload",
                                          msgid="M1", items=_items("a3"), run=RUN)
            others.finish_message(ticket, MessageResult(outcome="acknowledged", row_states=[s.ACKNOWLEDGED],
                                                        row_errors=[None]), RUN)
            others.settle("lab", "mutual", _items("b1", "b2"), s.ACKNOWLEDGED, RUN)
            assert others.compact_state_counts() is True
            # the open transaction's change is not counted yet
            assert others.counts() == {"sale": {s.PENDING: 1, s.QUARANTINED: 1, s.ACKNOWLEDGED: 1},
                                       "lab": {s.ACKNOWLEDGED: 2}}
        assert others.counts("sale") == {"sale": {s.SENT: 1, s.QUARANTINED: 1, s.ACKNOWLEDGED: 1}}
        assert_exact(pg_ledger)
    finally:
        open_tx.dispose()
        others.engine.dispose()


def test_concurrent_writers_of_the_same_and_other_feeds_end_exact(pg_ledger: Ledger, pg_url: str) -> None:
    """Six writer threads (two on "sale", one on each of four other feeds), each on its own engine, sending,
    answering, settling and re-queueing at once, and a reader folding while they write."""
    feeds = ["sale", "sale", "lab", "push", "order", "report"]
    errors: list[BaseException] = []
    start = threading.Barrier(len(feeds) + 1)
    done = threading.Event()

    def writer(n: int, feed: str) -> None:
        own = Ledger(make_engine(pg_url))
        rnd = random.Random(n)
        try:
            start.wait()
            for batch in range(12):
                keys = [f"w{n}-{batch}-{i}" for i in range(rnd.randint(20, 80))]
                if batch:  # known records too (re-sent: an update, not an insert); each thread its own records,
                    keys += [f"w{n}-{batch - 1}-{i}" for i in range(5)]  # as leases keep runs apart
                ticket = own.begin_message(feed=feed, platform="hsa", operation="3505A", purpose="upload",
                                           msgid=f"M{n}-{batch}", items=_items(*keys, version=str(batch)), run=RUN)
                states = rnd.choices([s.ACKNOWLEDGED, s.REJECTED, s.UNKNOWN, s.PENDING], [80, 10, 5, 5],
                                     k=len(keys))
                own.finish_message(ticket, MessageResult(outcome="partial", row_states=states,
                                                         row_errors=[None] * len(keys)), RUN)
                own.settle(feed, "hsa", _items(f"q{n}-{batch}"), s.QUARANTINED, RUN)
                if batch % 3 == 2:
                    mine = [r.id for r in own.records(feed, [s.REJECTED, s.QUARANTINED], limit=10_000)
                            if r.business_key.startswith((f"w{n}-", f"q{n}-"))]
                    own.requeue(mine[:20], actor="ops", reason="fixed")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            own.engine.dispose()

    def reader() -> None:
        own = Ledger(make_engine(pg_url))
        own.STATE_COUNT_SLACK = 0  # fold at every read: folds race the writers
        try:
            start.wait()
            while not done.is_set():
                own.counts()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            own.engine.dispose()

    threads = [threading.Thread(target=writer, args=(n, f)) for n, f in enumerate(feeds)]
    folder = threading.Thread(target=reader)
    for thread in [*threads, folder]:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    folder.join(timeout=60)

    assert errors == []
    expected = truth(pg_ledger.engine)
    assert sum(sum(c.values()) for c in expected.values()) > 1500  # the writers did write
    assert set(expected) == set(feeds)
    assert_exact(pg_ledger)
    pg_ledger.compact_state_counts()
    assert_exact(pg_ledger)


# -- the migration ------------------------------------------------------------------------------------------------
def _downgrade(engine: Engine, revision: str) -> None:
    with migrate._locked(engine) as conn:
        command.downgrade(migrate.config(conn), revision)


def test_upgrade_from_the_previous_revision_counts_the_existing_records_then_keeps_them(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, PREVIOUS)
        old = Ledger(engine)  # the ledger's writes at 0011: no rollup yet
        old.settle("sale", "hsa", _items("a", "b", "c"), s.QUARANTINED, RUN)
        ticket = old.begin_message(feed="sale", platform="hsa", operation="3505A", purpose="upload", msgid="M1",
                                   items=_items("a", "d"), run=RUN)
        old.finish_message(ticket, MessageResult(outcome="partial", row_states=[s.ACKNOWLEDGED, s.REJECTED],
                                                 row_errors=[None, "x"]), RUN)
        old.settle("lab", "mutual", _items("l1"), s.PENDING, RUN)
        assert "delivery_state_count" not in inspect(engine).get_table_names()

        migrate.upgrade(engine)

        assert migrate.current(engine) == migrate.head()
        assert rollup(engine) == truth(engine) == {"sale": {s.QUARANTINED: 2, s.ACKNOWLEDGED: 1, s.REJECTED: 1},
                                                    "lab": {s.PENDING: 1}}
        ledger = Ledger(engine)
        ledger.requeue([r.id for r in ledger.records("sale", [s.REJECTED])], actor="ops", reason="fixed")
        ledger.settle("lab", "mutual", _items("l1", "l2"), s.ACKNOWLEDGED, RUN)
        assert_exact(ledger)
    finally:
        engine.dispose()


def test_downgrade_removes_the_table_and_its_triggers_and_the_ledger_still_writes(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        Ledger(engine).settle("sale", "hsa", _items("a"), s.PENDING, RUN)
        assert set(triggers(engine)) >= {"delivery_state_count_insert", "delivery_state_count_update",
                                         "delivery_state_count_delete"}

        _downgrade(engine, PREVIOUS)

        assert migrate.current(engine) == PREVIOUS
        assert "delivery_state_count" not in inspect(engine).get_table_names()
        assert triggers(engine) == {}
        old = Ledger(engine)  # no trigger left behind pointing at the dropped table
        old.settle("sale", "hsa", _items("a", "b"), s.ACKNOWLEDGED, RUN)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM delivery_record WHERE business_key = 'b'"))

        migrate.upgrade(engine)  # and up again: the fill counts what was written meanwhile
        assert rollup(engine) == truth(engine) == {"sale": {s.ACKNOWLEDGED: 1}}
    finally:
        engine.dispose()


def test_the_migration_and_create_all_make_the_same_triggers(url: str) -> None:
    """A new ledger gets its triggers from create_all (``ensure_schema``), an old one from migration 0012: the
    same definitions, which also proves head has them (a SQLite table copy in a later migration would drop them)."""
    engine = make_engine(url)
    try:
        migrate.ensure_schema(engine)  # empty database: create_all + stamp head
        made = triggers(engine)
        names = {"delivery_state_count_insert", "delivery_state_count_update", "delivery_state_count_delete"}
        if engine.dialect.name == "postgresql":
            names |= {"delivery_state_count_truncate", "delivery_state_count_apply", "delivery_state_count_clear"}
        assert set(made) == names

        _downgrade(engine, PREVIOUS)
        assert triggers(engine) == {}
        migrate.upgrade(engine)  # now made by the migration

        assert triggers(engine) == made
    finally:
        engine.dispose()


def test_sqlite_keeps_one_row_per_pair(sqlite_url: str) -> None:
    ledger = Ledger(make_engine(sqlite_url))
    ledger.ensure_schema()
    for n in range(5):
        ticket = ledger.begin_message(feed="sale", platform="hsa", operation="3505A", purpose="upload",
                                      msgid=f"M{n}", items=_items(*(f"k{n}-{i}" for i in range(40))), run=RUN)
        ledger.finish_message(ticket, MessageResult(outcome="acknowledged", row_states=[s.ACKNOWLEDGED] * 40,
                                                    row_errors=[None] * 40), RUN)
    c = s.delivery_state_count
    with ledger.engine.connect() as conn:
        rows = Counter((f, st) for f, st in conn.execute(select(c.c.feed, c.c.state)))
    assert rows == {("sale", s.SENT): 1, ("sale", s.ACKNOWLEDGED): 1}
    assert ledger.counts() == {"sale": {s.ACKNOWLEDGED: 200}}
    assert ledger.compact_state_counts() is False
    ledger.engine.dispose()
