"""The reminders' hard time budget: the doctor's screen never waits on the platform longer than the budget.

A reminder is advice; ordering must never be blocked by it. Each reminder request gets a :class:`Budget` (default
800 ms) from the moment it arrives. The HIS look-up and the platform query run in threads of a pool of their own
and are awaited with :func:`within`, which gives up when the budget is spent — the answer is then "unavailable",
at once, whatever the thread is still doing. The platform call is also given a timeout that ends within the
budget (:meth:`Budget.platform_timeout`), so an abandoned thread does not linger past it either.

A Python thread cannot be killed, so the pool is the bulkhead: a hung platform occupies at most the pool's
threads, each for at most its timeout, and never the web server's own threads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

#: a platform call with less than this left of the budget is not started: it could not answer in time
MIN_CALL_S = 0.02
#: kept back from the budget for building and writing the answer
ANSWER_MARGIN_S = 0.01


class OverBudget(TimeoutError):
    """The budget was spent before the work finished."""


@dataclass
class Budget:
    """``total_s`` seconds from ``started`` (a ``clock`` reading, monotonic by default)."""

    total_s: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=-1.0)

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def remaining_s(self) -> float:
        return max(0.0, self.total_s - (self.clock() - self.started))

    def elapsed_ms(self) -> int:
        return round((self.clock() - self.started) * 1000)

    def platform_timeout(self, query_timeout_s: float) -> float | None:
        """The timeout for a platform call started now: the client's query timeout, cut to what is left of the
        budget (less the answer's margin); ``None`` when too little is left to start one."""
        left = self.remaining_s() - ANSWER_MARGIN_S
        if left < MIN_CALL_S:
            return None
        return min(query_timeout_s, left)


async def within(budget: Budget, work: Callable[[], T], executor: Executor) -> T:
    """``work()`` run in ``executor``, or :class:`OverBudget` as soon as the budget is spent (the thread is left to
    finish on its own; its result is dropped)."""
    left = budget.remaining_s() - ANSWER_MARGIN_S
    if left <= 0:
        raise OverBudget("no time left")
    future = asyncio.get_running_loop().run_in_executor(executor, work)
    try:
        return await asyncio.wait_for(future, timeout=left)
    except TimeoutError:
        raise OverBudget(f"over the {budget.total_s * 1000:.0f} ms budget") from None
