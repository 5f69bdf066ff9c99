"""The shared session store on real databases (PostgreSQL and SQLite), with a fake opener: who opens, who waits,
who renews, what a close leaves behind."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from hisbridge.db import make_engine
from hisbridge.ledger.schema import platform_session
from hisbridge.ledger.sessions import (
    CLOSED,
    EXPIRED,
    OPEN,
    OPENING,
    SessionStore,
    SessionUnavailable,
    day_text,
)

DAY = date(2026, 11, 24)
P = "platform-x"


class Opener:
    """Hands out tokens T1, T2, …; counts calls; optionally slow or failing."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
            n = next(self._numbers)
        time.sleep(self.delay)
        return f"T{n}"


@pytest.fixture(params=["postgres", "sqlite"])
def url(request) -> str:
    return request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")


def new_store(url: str, **kwargs) -> SessionStore:
    """A store with its own engine, as another process would have."""
    store = SessionStore(make_engine(url), **kwargs)
    platform_session.create(store.engine, checkfirst=True)
    return store


def test_first_caller_opens_and_every_other_store_reuses_the_token(url) -> None:
    opener = Opener()
    a, b = new_store(url), new_store(url)
    assert a.get_or_open(P, "op1", DAY, opener, "task-a") == "T1"
    assert b.get_or_open(P, "op1", DAY, opener, "task-b") == "T1"
    assert opener.calls == 1
    row = b.get(P, "op1", DAY)
    assert row.state == OPEN and row.token == "T1" and row.day == "2026-11-24"
    assert row.opened_by.startswith("task-a #") and row.opened_at.tzinfo is not None


def test_sessions_are_per_principal_and_per_day(url) -> None:
    opener, store = Opener(), new_store(url)
    tokens = {
        store.get_or_open(P, "op1", DAY, opener),
        store.get_or_open(P, "op2", DAY, opener),
        store.get_or_open(P, "op1", DAY + timedelta(days=1), opener),
        store.get_or_open("platform-y", "op1", DAY, opener),
    }
    assert len(tokens) == 4 and opener.calls == 4


def test_concurrent_callers_in_separate_stores_call_the_opener_once(url) -> None:
    opener = Opener(delay=0.3)
    stores = [new_store(url) for _ in range(6)]
    start = threading.Barrier(len(stores))
    got: list[str] = []
    errors: list[BaseException] = []

    def task(store: SessionStore, n: int) -> None:
        start.wait()
        try:
            got.append(store.get_or_open(P, "op1", DAY, opener, f"task-{n}"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=task, args=(s, n)) for n, s in enumerate(stores)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not errors
    assert opener.calls == 1 and got == ["T1"] * len(stores)


def test_renew_replaces_the_refused_token_once_and_others_pick_up_the_new_one(url) -> None:
    opener = Opener()
    a, b = new_store(url), new_store(url)
    assert a.get_or_open(P, "op1", DAY, opener) == "T1"
    assert a.renew(P, "op1", DAY, "T1", opener, "task-a") == "T2"
    assert b.renew(P, "op1", DAY, "T1", opener, "task-b") == "T2"  # compare-and-set: T1 is gone, no new call
    assert opener.calls == 2
    assert b.get(P, "op1", DAY).note is None


def test_concurrent_renewals_of_the_same_token_call_the_opener_once(url) -> None:
    opener = Opener()
    new_store(url).get_or_open(P, "op1", DAY, opener)
    opener.delay = 0.3
    stores = [new_store(url) for _ in range(4)]
    start = threading.Barrier(len(stores))
    got: list[str] = []

    def task(store: SessionStore) -> None:
        start.wait()
        got.append(store.renew(P, "op1", DAY, "T1", opener))

    threads = [threading.Thread(target=task, args=(s,)) for s in stores]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert opener.calls == 2 and got == ["T2"] * 4


def test_renew_with_no_session_yet_opens_one(url) -> None:
    opener = Opener()
    assert new_store(url).renew(P, "op1", DAY, "T-from-yesterday", opener) == "T1"


def test_a_failed_opener_marks_the_row_expired_and_the_next_caller_tries_again(url) -> None:
    store = new_store(url)

    def failing() -> str:
        raise ConnectionError("platform down")

    with pytest.raises(ConnectionError):
        store.get_or_open(P, "op1", DAY, failing)
    row = store.get(P, "op1", DAY)
    assert row.state == EXPIRED and row.token is None and "ConnectionError" in row.note
    opener = Opener()
    assert store.get_or_open(P, "op1", DAY, opener) == "T1" and opener.calls == 1


def test_an_empty_token_is_a_failed_opening(url) -> None:
    store = new_store(url)
    with pytest.raises(ValueError, match="empty token"):
        store.get_or_open(P, "op1", DAY, lambda: "")
    assert store.get(P, "op1", DAY).state == EXPIRED


def test_a_stale_opening_is_taken_over_and_the_late_opener_yields_to_the_new_owner(url) -> None:
    now = [datetime(2026, 11, 24, 1, 0, tzinfo=UTC)]
    slow = new_store(url, stale_after=60, clock=lambda: now[0])
    other = new_store(url, stale_after=60, clock=lambda: now[0])
    other_opener = Opener()

    def stuck_opener() -> str:
        # while this opener hangs, time passes beyond stale_after and another process takes the row over
        now[0] += timedelta(seconds=61)
        assert other.get_or_open(P, "op1", DAY, other_opener, "task-b") == "T1"
        return "LATE"

    assert slow.get_or_open(P, "op1", DAY, stuck_opener, "task-a") == "T1"  # its own token is discarded
    assert other_opener.calls == 1
    row = slow.get(P, "op1", DAY)
    assert row.token == "T1" and row.opened_by.startswith("task-b #")


def test_a_fresh_opening_is_waited_for_and_waiting_has_a_limit(url) -> None:
    ticks = itertools.count()
    holder = new_store(url)
    waiter = new_store(url, wait=5, sleep=lambda s: None, monotonic=lambda: float(next(ticks)))
    opener = Opener()

    def opener_that_watches_a_waiter() -> str:
        with pytest.raises(SessionUnavailable, match="still opening"):
            waiter.get_or_open(P, "op1", DAY, opener, "task-b")
        return "T-holder"

    assert holder.get_or_open(P, "op1", DAY, opener_that_watches_a_waiter, "task-a") == "T-holder"
    assert opener.calls == 0  # the waiter never called its opener while the row was a fresh opening


def test_close_calls_the_closer_with_the_token_and_marks_the_row_closed(url) -> None:
    store, opener = new_store(url), Opener()
    store.get_or_open(P, "op1", DAY, opener)
    closed: list[str] = []
    assert store.close(P, "op1", DAY, lambda token: closed.append(token) or "bye (ref 42)", "day-end") is True
    row = store.get(P, "op1", DAY)
    assert closed == ["T1"] and row.state == CLOSED and row.closed_at is not None
    assert row.note == "closed by day-end: bye (ref 42)"
    assert store.close(P, "op1", DAY, closed.append) is False  # nothing open any more
    assert closed == ["T1"]


def test_a_closed_session_is_reopened_when_needed_again_the_same_day(url) -> None:
    store, opener = new_store(url), Opener()
    store.get_or_open(P, "op1", DAY, opener)
    store.close(P, "op1", DAY, lambda token: None)
    assert store.get_or_open(P, "op1", DAY, opener) == "T2"
    row = store.get(P, "op1", DAY)
    assert row.state == OPEN and row.closed_at is None


def test_a_closer_failure_leaves_the_session_open(url) -> None:
    store, opener = new_store(url), Opener()
    store.get_or_open(P, "op1", DAY, opener)

    def closer(token: str) -> None:
        raise TimeoutError("no answer")

    with pytest.raises(TimeoutError):
        store.close(P, "op1", DAY, closer)
    assert store.get(P, "op1", DAY).state == OPEN


def test_a_session_renewed_while_closing_stays_open(url) -> None:
    store, opener = new_store(url), Opener()
    store.get_or_open(P, "op1", DAY, opener)

    def closer(token: str) -> None:
        new_store(url).renew(P, "op1", DAY, token, opener)  # a task was refused meanwhile and renewed

    assert store.close(P, "op1", DAY, closer) is False
    row = store.get(P, "op1", DAY)
    assert row.state == OPEN and row.token == "T2"


def test_open_sessions_lists_open_rows_before_a_day(url) -> None:
    store, opener = new_store(url), Opener()
    for day in (DAY - timedelta(days=2), DAY - timedelta(days=1), DAY):
        store.get_or_open(P, "op1", day, opener)
    store.get_or_open(P, "op2", DAY - timedelta(days=1), opener)
    store.get_or_open("platform-y", "op1", DAY - timedelta(days=1), opener)
    store.close(P, "op1", DAY - timedelta(days=2), lambda token: None)

    before = store.open_sessions(P, before_day=DAY)
    assert [(s.principal, s.day) for s in before] == [("op1", "2026-11-23"), ("op2", "2026-11-23")]
    assert len(store.open_sessions(P)) == 3
    assert {s.state for s in store.open_sessions(P)} == {OPEN}


def test_opening_rows_are_not_open_sessions(url) -> None:
    store = new_store(url)

    def opener() -> str:
        assert [s.state for s in store.open_sessions(P)] == []
        assert store.get(P, "op1", DAY).state == OPENING
        return "T1"

    store.get_or_open(P, "op1", DAY, opener)


def test_days_are_dates_not_datetimes() -> None:
    assert day_text(DAY) == day_text("2026-11-24") == "2026-11-24"
    with pytest.raises(TypeError):
        day_text(datetime(2026, 11, 24, 12))
    with pytest.raises(ValueError):
        day_text("24.11.2026")
