"""Schedules, default task arguments and tags shared by the DAG files, so each DAG file stays a few lines.

Windows are data intervals (``CronDataIntervalTimetable``) in Asia/Shanghai, and DAGs catch up: an
incremental feed that skipped a window while the scheduler was down would lose that window's records, so
every window runs, in order (``max_active_runs=1``). ``HISBRIDGE_GO_LIVE`` (YYYY-MM-DD) sets the first window
at deployment; it is read from the environment, never from the database, so parsing stays cheap.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import CronDataIntervalTimetable

SHANGHAI = "Asia/Shanghai"
OWNER = "hisbridge"

# Tags a DAG may carry: the module (what kind of work) and the platform (whom it talks to).
APPROVED_TAGS = frozenset({
    "hisbridge", "hsa", "trace", "settlement", "cdc", "mutual_recognition", "queue", "city_brain",
    "regional_platform", "jiulonghu", "dictionary", "contract_check",
})


def go_live() -> datetime:
    day = os.environ.get("HISBRIDGE_GO_LIVE", "2026-11-24")
    return datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(SHANGHAI))


def every_minutes(minutes: int) -> CronDataIntervalTimetable:
    return CronDataIntervalTimetable(f"*/{minutes} * * * *", timezone=SHANGHAI)


def nightly() -> CronDataIntervalTimetable:
    """One window per calendar day, 00:00–24:00 local, run just after midnight."""
    return CronDataIntervalTimetable("0 0 * * *", timezone=SHANGHAI)


def platform_default_args(pool: str) -> dict:
    """Transient faults retry with exponential back-off (1, 2, 4 … min, at most 30); refusals fail at once."""
    return {
        "owner": OWNER,
        "retries": 4,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "pool": pool,
    }
