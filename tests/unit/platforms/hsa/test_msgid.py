"""msgid = fixmedins_code + yyyyMMddHHmmss (Asia/Shanghai) + 4-digit per-second sequence."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from hisbridge.platforms.hsa.msgid import SHANGHAI, LocalMsgIds, MsgIdSource, format_msgid

CODE = "H36010000001"


class SteppingClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_msgid_shape_is_code_local_time_and_sequence():
    clock = SteppingClock(datetime(2026, 11, 24, 1, 30, 15, tzinfo=UTC))  # 09:30:15 in Shanghai
    source = LocalMsgIds(clock=clock)
    first, second = source.next(CODE), source.next(CODE)
    assert first == "H36010000001202611240930150001" and len(first) == 30
    assert second == "H36010000001202611240930150002"
    clock.now += timedelta(seconds=1)
    assert source.next(CODE) == "H36010000001202611240930160001"


def test_local_source_satisfies_the_protocol():
    assert isinstance(LocalMsgIds(), MsgIdSource)


def test_msgids_are_unique_across_20_threads():
    source = LocalMsgIds()
    found: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def work() -> None:
        barrier.wait()
        mine = [source.next(CODE) for _ in range(200)]
        with lock:
            found.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4000 == len(set(found))
    assert all(len(msgid) == 30 and msgid.startswith(CODE) for msgid in found)


def test_an_exhausted_second_waits_for_the_next():
    clock = SteppingClock(datetime(2026, 11, 24, 9, 30, 15, tzinfo=SHANGHAI))
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.now += timedelta(seconds=1)

    source = LocalMsgIds(clock=clock, sleep=sleep)
    ids = [source.next(CODE) for _ in range(9999)]
    assert ids[-1].endswith("202611240930159999") and not waits
    assert source.next(CODE) == "H36010000001202611240930160001"
    assert len(waits) == 1


def test_a_clock_stepping_back_never_reuses_a_msgid():
    clock = SteppingClock(datetime(2026, 11, 24, 9, 30, 15, tzinfo=SHANGHAI))
    source = LocalMsgIds(clock=clock)
    before = {source.next(CODE) for _ in range(3)}
    clock.now -= timedelta(seconds=2)
    after = {source.next(CODE) for _ in range(3)}
    assert not before & after


def test_codes_count_separately():
    source = LocalMsgIds(clock=lambda: datetime(2026, 11, 24, 9, 30, 15, tzinfo=SHANGHAI))
    assert source.next(CODE).endswith("0001") and source.next("H36010000002").endswith("0001")


def test_a_code_that_would_not_give_30_characters_is_refused():
    with pytest.raises(ValueError, match="12 characters"):
        format_msgid("H3601000000123", datetime(2026, 11, 24, tzinfo=SHANGHAI), 1)


class _Counters:
    """``Ledger.next_value`` in memory, counting the calls that reach it."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, name: str, count: int = 1) -> int:
        with self.lock:
            self.calls += 1
            self.values[name] = self.values.get(name, 0) + count
            return self.values[name]


def test_a_counter_source_taking_blocks_asks_the_ledger_once_per_block_and_never_repeats():
    from hisbridge.platforms.hsa.msgid import CounterMsgIds

    counters, now = _Counters(), [datetime(2026, 11, 29, 9, 30, 0, tzinfo=SHANGHAI)]
    source = CounterMsgIds(counters, clock=lambda: now[0], block=10)
    first = [source.next("H36010000001") for _ in range(25)]
    assert counters.calls == 3 and len(set(first)) == 25
    assert [m[-4:] for m in first[:3]] == ["0001", "0002", "0003"]
    now[0] += timedelta(seconds=1)
    later = source.next("H36010000001")
    assert later.endswith("0001") and later[12:26] == "20261129093001" and counters.calls == 4
    # another process sharing the counter gets the numbers after this one's block
    other = CounterMsgIds(counters, clock=lambda: now[0], block=10)
    assert other.next("H36010000001").endswith("0011")


def test_a_block_source_shared_by_threads_gives_each_a_different_msgid():
    from hisbridge.platforms.hsa.msgid import CounterMsgIds

    source = CounterMsgIds(_Counters(), clock=lambda: datetime(2026, 11, 29, 9, 30, tzinfo=SHANGHAI), block=10)
    seen: list[str] = []

    def take() -> None:
        mine = [source.next("H36010000001") for _ in range(50)]
        seen.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == len(set(seen)) == 400
