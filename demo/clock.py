"""Demo time (演示时钟): the demo's ledger reads as if the scheduler had run the demo day on time.

Why: the demo runs two past days' windows (the day before the demo day, then the demo day) in a few minutes. With
the real clock, every event in the ledger carried "now" while its windows were on the demo day, so the health page
(which judges a feed by "now" minus its last window) showed every feed days late, red. So the demo's ledger gets
this clock: each window's run is stamped half a minute after the window closed, as a scheduled run sends it, and
the steps after the day (the re-run, the gateway visit, the nightly jobs, …) just after midnight. The page is then
read **as of** one minute after the demo day (:func:`as_of`): ``make airflow`` passes that instant to the health
page (``HISBRIDGE_HEALTH_AS_OF``, read from :data:`CLOCK_FILE`), which says on the page that it shows the demo's
time, not the real one.

The HIS, the simulators and the platforms' messages keep the real clock (signatures, msgids and sign-ins are
checked against it); only what the ledger stamps (messages sent, records' state changes, jobs' runs) is demo time.
Times here are aware; windows are naive Asia/Shanghai wall-clock, as the HIS keeps them.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: a window's run is stamped this long after the window closed (a scheduled run starts when its window ends)
RUN_DELAY = timedelta(seconds=30)
#: the steps after the demo day's windows are stamped this long after the day ended (before :data:`AS_OF_DELAY`)
LATE_STEPS_DELAY = timedelta(seconds=45)
#: the health page reads the demo's ledger this long after the demo day ended: every window of the day is due
#: and done, none of the next day's is due yet (the first 2-minute window ends at 00:02)
AS_OF_DELAY = timedelta(minutes=1)
#: written into the demo's folder: the demo day and the instant its ledger is read as of (``make airflow``)
CLOCK_FILE = "demo_clock.json"


def shanghai(wall: datetime) -> datetime:
    """A naive Asia/Shanghai wall-clock time (as windows are kept) as an aware time."""
    return wall.replace(tzinfo=SHANGHAI)


def day_end(day: date) -> datetime:
    """The end of ``day`` (24:00 Asia/Shanghai), aware."""
    return datetime.combine(day + timedelta(days=1), time(), SHANGHAI)


def as_of(day: date) -> datetime:
    """The instant the health page reads the ledger of a demo of ``day`` as of (aware)."""
    return day_end(day) + AS_OF_DELAY


class DemoClock:
    """The demo ledger's clock (``Ledger(engine, clock=…)``): returns the time the demo last set, aware UTC."""

    def __init__(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.at

    def run_of(self, window: tuple[datetime, datetime]) -> None:
        """Set the clock to when a scheduled run of ``window`` (naive Asia/Shanghai) sends: just after its end."""
        self.at = (shanghai(window[1]) + RUN_DELAY).astimezone(UTC)

    def after_day(self, day: date) -> None:
        """Set the clock to the steps that follow the day's windows (just after midnight, before :func:`as_of`)."""
        self.at = (day_end(day) + LATE_STEPS_DELAY).astimezone(UTC)


def write_clock_file(out_dir: Path, day: date) -> Path:
    """Write :data:`CLOCK_FILE` (the demo day and the as-of instant, ISO 8601 with the +08:00 offset)."""
    path = out_dir / CLOCK_FILE
    path.write_text(json.dumps({"day": day.isoformat(), "as_of": as_of(day).isoformat()}, indent=2) + "\n",
                    encoding="utf-8")
    return path


def read_as_of(out_dir: Path) -> datetime | None:
    """The as-of instant a demo folder records (``None`` for a folder of an older demo, without the file)."""
    path = out_dir / CLOCK_FILE
    if not path.is_file():
        return None
    return datetime.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["as_of"])
