"""The ledger's table of daily upload-health figures (``regional_upload_health``, migration 0008).

One row per (data set, day, check): ``first`` is what the check found, ``after_resend`` what was left once the
missing rows were sent again. A re-run of the same day replaces its rows (delete + insert in one transaction:
the same statements on PostgreSQL, Oracle and SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, and_, delete, insert, select

from hisbridge.ledger import schema as s

FIRST, AFTER_RESEND = "first", "after_resend"
CHECKS = (FIRST, AFTER_RESEND)


@dataclass(frozen=True)
class Figures:
    """A data set's day, counted. ``missing`` is the gap: HIS records of the day the 前置库 does not hold."""

    his_count: int
    uploaded: int
    acknowledged: int
    failed: int
    waiting: int
    missing: int
    surplus: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class HealthRow:
    dataset: str
    day: str
    check_name: str
    receipt: str
    figures: Figures
    resent: int
    note: str | None
    run_id: str | None
    checked_at: datetime


class HealthStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, *, dataset: str, day: date, check_name: str, receipt: str, figures: Figures, resent: int = 0,
             note: str | None = None, run_id: str | None = None, at: datetime | None = None) -> None:
        if check_name not in CHECKS:
            raise ValueError(f"check_name must be one of {CHECKS}, not {check_name!r}")
        t = s.regional_upload_health
        key = and_(t.c.dataset == dataset, t.c.day == day.isoformat(), t.c.check_name == check_name)
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(key))
            conn.execute(insert(t).values(dataset=dataset, day=day.isoformat(), check_name=check_name, receipt=receipt,
                                          resent=resent, note=note, run_id=run_id, checked_at=at or datetime.now(UTC),
                                          **figures.as_dict()))

    def forget(self, *, dataset: str, day: date, check_name: str) -> None:
        t = s.regional_upload_health
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.dataset == dataset, t.c.day == day.isoformat(),
                                         t.c.check_name == check_name))

    def rows(self, *, datasets: Sequence[str] | None = None, since: date | None = None,
             limit: int = 2000) -> list[HealthRow]:
        """Newest day first, data sets in name order, ``first`` before ``after_resend``."""
        t = s.regional_upload_health
        q = select(t).order_by(t.c.day.desc(), t.c.dataset, t.c.check_name.desc()).limit(limit)
        if datasets:
            q = q.where(t.c.dataset.in_(list(datasets)))
        if since is not None:
            q = q.where(t.c.day >= since.isoformat())
        with self.engine.connect() as conn:
            return [HealthRow(r.dataset, r.day, r.check_name, r.receipt,
                              Figures(r.his_count, r.uploaded, r.acknowledged, r.failed, r.waiting, r.missing,
                                      r.surplus), r.resent, r.note, r.run_id, r.checked_at)
                    for r in conn.execute(q)]
