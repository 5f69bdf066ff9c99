"""The journal written in batches by one thread (``journal_writer.py``), on real PostgreSQL: nothing queued is lost
on a clean stop, entries that arrive together are written together, and one bad entry loses only itself."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from hisbridge.db import make_engine
from hisbridge.ledger.journal_writer import JournalWriter
from hisbridge.ledger.store import JournalEntry, Ledger


@pytest.fixture
def ledger(pg_url: str) -> Iterator[Ledger]:
    made = Ledger(make_engine(pg_url))
    made.ensure_schema()
    yield made
    made.engine.dispose()


def entry(n: int, **changes) -> JournalEntry:
    values = {"platform": "city_brain", "operation": "registrations", "direction": "in", "outcome": "ok",
              "started_at": datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "caller": "cb01", "msgid": f"R{n:06d}",
              "duration_ms": 3} | changes
    return JournalEntry(**values)


def msgids(ledger: Ledger) -> list[str]:
    return sorted(e["msgid"] for e in ledger.journal_entries(platform="city_brain", limit=100_000))


def test_every_entry_put_from_many_threads_is_written_by_a_clean_stop(ledger: Ledger) -> None:
    writer = JournalWriter(ledger)

    def calls(first: int) -> None:
        for n in range(first, first + 250):
            writer.put(entry(n))

    threads = [threading.Thread(target=calls, args=(k * 1000,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    assert msgids(ledger) == sorted(f"R{k * 1000 + n:06d}" for k in range(8) for n in range(250))
    assert (writer.written, writer.dropped) == (2000, 0)


def test_flush_makes_the_entries_so_far_readable(ledger: Ledger) -> None:
    writer = JournalWriter(ledger)
    try:
        writer.put(entry(1))
        writer.put(entry(2))
        assert writer.flush(timeout=10)
        assert msgids(ledger) == ["R000001", "R000002"]
    finally:
        writer.close()


def test_entries_that_queue_together_are_written_in_one_statement(ledger: Ledger) -> None:
    inserts: list[str] = []

    @event.listens_for(ledger.engine, "before_cursor_execute")
    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CALL_JOURNAL"):
            inserts.append(statement)

    writer = JournalWriter(ledger, max_batch=100)
    gate = threading.Event()
    batches: list[int] = []
    original = ledger.journal_many

    def held(entries):  # the first write waits: meanwhile the others queue behind it
        gate.wait(10)
        batches.append(len(entries))
        return original(entries)

    ledger.journal_many = held  # type: ignore[method-assign]
    try:
        for n in range(301):
            writer.put(entry(n))
        gate.set()
        writer.close()
    finally:
        event.remove(ledger.engine, "before_cursor_execute", seen)
    assert len(msgids(ledger)) == writer.written == sum(batches) == 301
    assert max(batches) == 100 and len(batches) <= 5  # the first entry alone, then full batches
    assert len(inserts) == len(batches)  # one statement per batch, not one per entry


def test_a_bad_entry_loses_only_itself_and_is_logged_by_its_call_id(ledger: Ledger, caplog) -> None:
    writer = JournalWriter(ledger, name="test journal")
    gate = threading.Event()
    original = ledger.journal_many

    def held(entries):
        gate.wait(10)
        return original(entries)

    ledger.journal_many = held  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="hisbridge.ledger.journal"):
        writer.put(entry(1))
        writer.put(entry(2, caller="x" * 500))  # longer than the column: PostgreSQL refuses the batch
        writer.put(entry(3))
        gate.set()
        writer.close()
    assert msgids(ledger) == ["R000001", "R000003"]
    assert (writer.written, writer.dropped) == (2, 1)
    assert "request R000002" in caplog.text and "x" * 50 not in caplog.text


def test_an_entry_put_after_close_is_written_at_once(ledger: Ledger) -> None:
    writer = JournalWriter(ledger)
    writer.put(entry(1))
    writer.close()
    writer.put(entry(2))  # a late background task after the app shut down
    assert msgids(ledger) == ["R000001", "R000002"]
    writer.close()  # idempotent
