"""Schedules, default task arguments and tags shared by the DAG files, so each DAG file stays a few lines.

Windows are data intervals (``CronDataIntervalTimetable``) in Asia/Shanghai, and DAGs catch up: an
incremental feed that skipped a window while the scheduler was down would lose that window's records, so
every window runs, in order (``max_active_runs=1``; for backfills too: ``max_active_tis_per_dag=1`` in
:func:`platform_default_args`). ``HISBRIDGE_GO_LIVE`` (YYYY-MM-DD) sets the first window
at deployment; it is read from the environment, never from the database, so parsing stays cheap.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import CronDataIntervalTimetable

from hisbridge import MAPPINGS_DIR
from hisbridge.ops.alerts.notifier import task_failure_notifier, task_recovery_notifier
from hisbridge.pipeline.spec import read_yaml

SHANGHAI = "Asia/Shanghai"
OWNER = "hisbridge"

# Tags a DAG may carry: the module (what kind of work) and the platform (whom it talks to).
APPROVED_TAGS = frozenset({
    "hisbridge", "hsa", "trace", "settlement", "cdc", "mutual_recognition", "queue", "city_brain",
    "regional_platform", "jiulonghu", "dictionary", "contract_check", "quality",
})


def go_live() -> datetime:
    day = os.environ.get("HISBRIDGE_GO_LIVE", "2026-11-24")
    return datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(SHANGHAI))


#: how the demo and replays cut a ``continuous`` feed's day into windows (Airflow runs it back to back; any
#: contiguous cut of the day selects the same rows)
CONTINUOUS_REPLAY = "0 * * * *"


def cron_of(window: str) -> str:
    """A feed's ``window`` (its YAML) as a cron expression: ``5m``, ``2h``, ``daily`` or ``cron: <expr>``; a
    ``continuous`` feed is replayed in hourly windows."""
    if window == "continuous":
        return CONTINUOUS_REPLAY
    if window == "daily":
        return "0 0 * * *"
    if window.startswith("cron:"):
        return window.split(":", 1)[1].strip()
    number, unit = window[:-1], window[-1:]
    if number.isdigit() and int(number) > 0 and unit in ("m", "h"):
        return f"*/{int(number)} * * * *" if unit == "m" else f"0 */{int(number)} * * *"
    raise ValueError(f"unknown window {window!r}: use 5m, 2h, daily or 'cron: <expression>'")


def feed_window(feed: str) -> str:
    """The ``window`` a feed's YAML names (read as plain YAML: parsing a DAG file stays cheap)."""
    path = MAPPINGS_DIR / f"{feed}.yaml"
    window = (read_yaml(path) or {}).get("window")
    if not window:
        raise ValueError(f"{path.name} names no window")
    return str(window)


def feed_timetable(feed: str) -> CronDataIntervalTimetable | str:
    """The timetable of a feed's DAG, from the window its YAML declares: the one place schedules live. A
    ``continuous`` feed runs back to back (``"@continuous"``: each run's data interval starts where the last one
    ended, so no row is skipped, and a new row waits at most one run's duration plus the scheduler's loop)."""
    window = feed_window(feed)
    if window == "continuous":
        return "@continuous"
    return CronDataIntervalTimetable(cron_of(window), timezone=SHANGHAI)


def nightly() -> CronDataIntervalTimetable:
    """One window per calendar day, 00:00–24:00 local, run just after midnight."""
    return CronDataIntervalTimetable("0 0 * * *", timezone=SHANGHAI)


def day_end() -> CronDataIntervalTimetable:
    """One window per day ending at 23:55 local, run then: day-end work such as 签退 before midnight."""
    return CronDataIntervalTimetable("55 23 * * *", timezone=SHANGHAI)


def platform_default_args(pool: str) -> dict:
    """Transient faults retry with exponential back-off (1, 2, 4 … min, at most 30); refusals fail at once. A task
    that fails for good raises an alert, its next success sends the recovery (hisbridge.ops.alerts).

    One instance of each task at a time across all runs of its DAG (``max_active_tis_per_dag=1``): a feed's
    windows are delivered one after the other, oldest first, never side by side. The DAG's ``max_active_runs=1``
    does not give that alone: Airflow counts a backfill's runs apart from the scheduled ones (a backfill has its
    own ``max_active_runs``, 10 unless asked otherwise — from the UI, say), so a backfill window would run next to
    the scheduled one; the task limit counts every run, whoever created it."""
    return {
        "owner": OWNER,
        "retries": 4,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "pool": pool,
        "max_active_tis_per_dag": 1,
        **alerting_callbacks(),
    }


def alerting_callbacks() -> dict:
    """The callbacks every hisbridge DAG's tasks carry: an alert when a task fails for good (after its retries),
    the recovery message at its next success (hisbridge.ops.alerts; a DAG with default_args of its own adds them)."""
    return {"on_failure_callback": [task_failure_notifier()], "on_success_callback": [task_recovery_notifier()]}
