"""Demo time (demo/clock.py): a window's run is stamped just after the window closed, the steps after the day
just after midnight, and the health page reads the ledger one minute after the demo day — the instant written
into the demo's folder for make airflow."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from demo.clock import CLOCK_FILE, DemoClock, as_of, read_as_of, write_clock_file

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 24)


def test_a_window_is_stamped_half_a_minute_after_it_closed_in_utc() -> None:
    clock = DemoClock(datetime(2026, 11, 23, tzinfo=SH))
    clock.run_of((datetime(2026, 11, 24, 10, 10), datetime(2026, 11, 24, 10, 15)))  # naive Shanghai, as windows
    assert clock() == datetime(2026, 11, 24, 2, 15, 30, tzinfo=UTC)


def test_the_later_steps_come_after_the_last_window_and_before_the_page_reads_the_ledger() -> None:
    clock = DemoClock(datetime(2026, 11, 23, tzinfo=SH))
    clock.run_of((datetime(2026, 11, 24, 23, 55), datetime(2026, 11, 25, 0, 0)))
    last_window = clock()
    clock.after_day(DAY)
    assert last_window < clock() < as_of(DAY) == datetime(2026, 11, 25, 0, 1, tzinfo=SH)


def test_the_as_of_instant_is_written_for_make_airflow_with_its_offset(tmp_path) -> None:
    path = write_clock_file(tmp_path, DAY)
    assert path.name == CLOCK_FILE and '"as_of": "2026-11-25T00:01:00+08:00"' in path.read_text(encoding="utf-8")
    assert read_as_of(tmp_path) == as_of(DAY)
    assert read_as_of(tmp_path / "elsewhere") is None  # an older demo's folder: no file, the page keeps the clock
