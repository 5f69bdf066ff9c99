"""Sender message ids (发送方报文ID, hsa.md §2.1, §5.1).

``msgid`` = ``fixmedins_code`` (12) + ``yyyyMMddHHmmss`` (Asia/Shanghai local time, 14) + 4-digit per-second
sequence = 30 characters. It must be unique per message: it is the key of 冲正 (``omsgid``) and of
reconciliation, and the platform is assumed to refuse a reused one. Random 4-digit suffixes collide when
several senders share a second, so the sequence is a real counter.

:class:`LocalMsgIds` is unique within one process (thread-safe). Parallel tasks and processes need a shared
counter: the ledger provides one implementing the same :class:`MsgIdSource` protocol.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MSGID_LENGTH = 30
SEQUENCE_MAX = 9999


@runtime_checkable
class MsgIdSource(Protocol):
    """Hands out msgids; every call returns a msgid never returned before for that ``fixmedins_code``."""

    def next(self, fixmedins_code: str) -> str: ...


def shanghai_now() -> datetime:
    return datetime.now(SHANGHAI)


def format_msgid(fixmedins_code: str, moment: datetime, sequence: int) -> str:
    """``fixmedins_code`` + local ``yyyyMMddHHmmss`` + 4-digit ``sequence``; refuses what would not be 30 chars."""
    if not 0 <= sequence <= SEQUENCE_MAX:
        raise ValueError(f"msgid sequence {sequence} is outside 0..{SEQUENCE_MAX}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    msgid = f"{fixmedins_code}{moment:%Y%m%d%H%M%S}{sequence:04d}"
    if len(msgid) != MSGID_LENGTH:
        raise ValueError(
            f"msgid would be {len(msgid)} characters; fixmedins_code must be 12 characters (got {len(fixmedins_code)})"
        )
    return msgid


class LocalMsgIds:
    """In-process msgid source: a per-second counter 0001…9999; when a second is used up, wait for the next.

    A clock that steps backwards never reuses a second: the source keeps counting in the latest second it used.
    """

    def __init__(
        self,
        clock: Callable[[], datetime] = shanghai_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last: dict[str, tuple[str, int]] = {}  # fixmedins_code -> (yyyyMMddHHmmss, last sequence)

    def next(self, fixmedins_code: str) -> str:
        while True:
            with self._lock:
                now = self._clock()
                if now.tzinfo is not None:
                    now = now.astimezone(SHANGHAI)
                stamp = f"{now:%Y%m%d%H%M%S}"
                last_stamp, last_seq = self._last.get(fixmedins_code, ("", 0))
                if stamp <= last_stamp:  # same second (or the clock stepped back): continue that second
                    stamp, seq = last_stamp, last_seq + 1
                else:
                    seq = 1
                if seq <= SEQUENCE_MAX:
                    msgid = format_msgid(fixmedins_code, datetime.strptime(stamp, "%Y%m%d%H%M%S"), seq)
                    self._last[fixmedins_code] = (stamp, seq)
                    return msgid
            self._sleep(0.01)  # this second's numbers are used up: wait for the clock to move on


class CounterMsgIds:
    """A msgid source shared by every task and process: the per-second sequence is a named counter in the
    ledger database (``Ledger.next_value``), advanced atomically in one statement.

    :param next_value: ``next_value(name, count) -> int`` — advance the counter by ``count``, return the last value
    :param drop_counters: ``drop_counters(prefix, below)`` — forgets past seconds' counters (once a day)
    :param block: numbers taken from the counter at once and handed out here within the same second (the real-time
        gateway: many callers per second would otherwise queue on the counter's row); what a second does not use
        is skipped — msgids need to be unique, not gapless. The feeds take one at a time, inside the transaction
        that records their message.
    """

    def __init__(
        self,
        next_value: Callable[..., int],
        drop_counters: Callable[[str, str], None] | None = None,
        clock: Callable[[], datetime] = shanghai_now,
        sleep: Callable[[float], None] = time.sleep,
        *,
        block: int = 1,
    ) -> None:
        self._next_value = next_value
        self._drop = drop_counters
        self._clock = clock
        self._sleep = sleep
        self._pruned_day = ""
        self._block = max(1, block)
        self._taken: dict[str, tuple[int, int]] = {}  # counter name → (next number to hand out, last taken)
        self._lock = threading.Lock()

    def next(self, fixmedins_code: str) -> str:
        while True:
            moment = self._clock()
            if moment.tzinfo is not None:
                moment = moment.astimezone(SHANGHAI)
            stamp = f"{moment:%Y%m%d%H%M%S}"
            prefix = f"hsa:msgid:{fixmedins_code}"
            self._prune(prefix, stamp[:8])
            sequence = self._take(prefix + stamp)
            if sequence <= SEQUENCE_MAX:
                return format_msgid(fixmedins_code, moment.replace(microsecond=0), sequence)
            self._sleep(0.05)  # this second's 9999 numbers are used up: wait for the next second

    def _take(self, name: str) -> int:
        if self._block == 1:
            return self._next_value(name)
        with self._lock:
            following, last = self._taken.get(name, (1, 0))
            if following > last:
                last = self._next_value(name, self._block)
                following = last - self._block + 1
                self._taken = {name: (following, last)}  # past seconds' blocks are never used again
            self._taken[name] = (following + 1, last)
            return following

    def _prune(self, prefix: str, day: str) -> None:
        if self._drop is not None and day != self._pruned_day:
            self._drop(prefix, f"{prefix}{day}000000")
            self._pruned_day = day
