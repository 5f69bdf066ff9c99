"""Journey slices: a push window is cut just before an event whose visit already has, in the slice, an earlier
event of a type later in the journey order — so running the feeds in journey order, slice after slice, delivers
every visit's events in time order (pure function, a table of cases)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from hisbridge.platforms.city_brain.pushes import PUSH_FEEDS, Event, journey_slices

T0 = datetime(2026, 11, 24, 8, 0)
WINDOW = (T0, T0 + timedelta(minutes=2))
REGISTERED, CANCELLED, CHECKED_IN, ORDERED, REPORT_READY, CHARGED, REFUNDED = range(7)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ev(seconds: int, rank: int, visit: str = "V1") -> Event:
    return Event(at(seconds), rank, visit)


def test_the_journey_order_is_the_feeds_order() -> None:
    assert [f.removeprefix("city_brain_push_") for f in PUSH_FEEDS] == [
        "registered", "registration_cancelled", "checked_in", "ordered", "report_ready", "charged", "refunded"]


def test_events_in_journey_order_need_no_cut() -> None:
    events = [ev(1, REGISTERED), ev(20, CHECKED_IN), ev(30, ORDERED), ev(50, CHARGED), ev(55, REGISTERED, "V2")]
    assert journey_slices(events, WINDOW) == [WINDOW]
    assert journey_slices([], WINDOW) == [WINDOW]


def test_a_charge_seconds_before_the_sign_in_cuts_the_window_at_the_sign_in() -> None:
    events = [ev(1, REGISTERED), ev(10, CHARGED), ev(40, CHECKED_IN), ev(90, ORDERED)]
    assert journey_slices(events, WINDOW) == [(T0, at(40)), (at(40), WINDOW[1])]


def test_other_visits_do_not_cut_and_equal_times_do_not_cut() -> None:
    events = [ev(10, CHARGED, "V1"), ev(40, CHECKED_IN, "V2"), ev(50, REPORT_READY, "V3"), ev(50, ORDERED, "V3")]
    assert journey_slices(events, WINDOW) == [WINDOW]


def test_several_cuts_and_events_outside_the_window_ignored() -> None:
    events = [ev(-30, REFUNDED), ev(5, REPORT_READY), ev(10, ORDERED), ev(20, CHARGED), ev(30, CHECKED_IN),
              ev(130, REGISTERED)]
    assert journey_slices(events, WINDOW) == [(T0, at(10)), (at(10), at(30)), (at(30), WINDOW[1])]


@pytest.mark.parametrize(("seed", "seconds", "visits"), [(s, n, v) for s in range(12) for n, v in ((120, 12), (20, 5))])
def test_running_the_slices_in_journey_order_delivers_every_visit_in_time_order(seed, seconds, visits) -> None:
    """The property the slices exist for, over busy windows (many events at one instant in the second set): push
    order never puts a visit's later event before an earlier one."""
    rng = random.Random(seed)
    events = [Event(at(rng.randrange(0, seconds)), rng.randrange(0, 7), f"V{rng.randrange(0, visits)}")
              for _ in range(300)]
    pushed: list[Event] = []
    for start, end in journey_slices(events, WINDOW):
        inside = [e for e in events if start <= e.at < end]
        pushed += sorted(inside, key=lambda e: (e.rank, e.at))  # feed by feed, each feed in time order
    assert sorted(pushed) == sorted(events)
    latest: dict[str, datetime] = {}
    for e in pushed:
        assert e.at >= latest.get(e.visit, e.at), e
        latest[e.visit] = max(latest.get(e.visit, e.at), e.at)
