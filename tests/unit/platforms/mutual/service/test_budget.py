"""The reminders' time budget: the platform call gets what is left of it, and the answer never waits longer."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from hisbridge.platforms.mutual.service.budget import ANSWER_MARGIN_S, MIN_CALL_S, Budget, OverBudget, within


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_the_platform_timeout_is_the_query_timeout_cut_to_what_is_left() -> None:
    clock = Clock()
    budget = Budget(0.8, clock=clock)
    assert budget.platform_timeout(0.5) == 0.5
    clock.t += 0.5
    assert budget.platform_timeout(0.5) == pytest.approx(0.3 - ANSWER_MARGIN_S)
    assert budget.elapsed_ms() == 500


def test_no_platform_call_starts_when_too_little_is_left() -> None:
    clock = Clock()
    budget = Budget(0.8, clock=clock)
    clock.t += 0.8 - ANSWER_MARGIN_S - MIN_CALL_S / 2
    assert budget.platform_timeout(0.5) is None
    clock.t += 5
    assert budget.remaining_s() == 0


def test_work_within_the_budget_gives_its_result() -> None:
    with ThreadPoolExecutor(2) as pool:
        assert asyncio.run(within(Budget(0.5), lambda: 42, pool)) == 42


def test_slow_work_is_abandoned_when_the_budget_is_spent() -> None:
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "late"

    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        with pytest.raises(OverBudget):
            asyncio.run(within(Budget(0.2), slow, pool))
        assert time.monotonic() - started < 0.35, "the answer does not wait for the thread"
        release.set()


def test_a_spent_budget_starts_nothing() -> None:
    clock = Clock()
    budget = Budget(0.1, clock=clock)
    clock.t += 1
    ran = []
    with ThreadPoolExecutor(1) as pool, pytest.raises(OverBudget):
        asyncio.run(within(budget, lambda: ran.append(1), pool))
    assert ran == []


def test_a_failure_of_the_work_is_raised_as_it_is() -> None:
    def broken() -> None:
        raise ConnectionError("down")

    with ThreadPoolExecutor(1) as pool, pytest.raises(ConnectionError):
        asyncio.run(within(Budget(0.5), broken, pool))
