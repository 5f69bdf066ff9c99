"""Times on the ledger pages: all in Asia/Shanghai, and said so.

The ledger keeps two kinds of time (``ledger/schema.py``): event times (``sent_at``, ``at``, ``updated_at`` …) are
instants, stored zone-aware — PostgreSQL hands them back in its session's zone, SQLite without a zone but as UTC
wall-clock —, while data windows (``window_start``/``window_end``) are the HIS's own wall-clock in Asia/Shanghai,
without a zone, as extraction binds them. Shown side by side without care, a 16:05 upload of the 08:00–09:00
window reads as 08:05. Every time on a page goes through here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: how a page says which clock it shows
LABEL = "北京时间"


def local(moment: datetime | None) -> datetime | None:
    """An event time (an instant) as Asia/Shanghai wall-clock; a value without a zone is UTC (SQLite)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)


def when(moment: datetime | None) -> str:
    """An event time as ``2026-11-24 16:05:01`` in Asia/Shanghai (label the column or the line with :data:`LABEL`)."""
    shown = local(moment)
    return f"{shown:%Y-%m-%d %H:%M:%S}" if shown else "-"


def window(start: datetime | None, end: datetime | None) -> str:
    """A data window (already Asia/Shanghai wall-clock) as ``2026-11-24 08:00 – 09:00（北京时间）``."""
    if start is None or end is None:
        return "-"
    tail = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {tail}（{LABEL}）"


def wall_clock_arg(start: datetime) -> str:
    """A window start (Asia/Shanghai wall-clock) with its offset, as the Airflow CLI takes a date
    (``2026-11-24T08:00:00+08:00``): a date without an offset would be read as UTC."""
    return start.replace(tzinfo=SHANGHAI).isoformat(timespec="seconds")
