"""Platform sessions shared by every task and process: one per (platform, principal, day), kept in the ledger.

A platform that wants a sign-in before business calls (an operator's login, an access token per working day)
should see one per principal and day, not one per task. :class:`SessionStore` keeps that session in the
``platform_session`` table; it knows nothing of any platform: the caller passes an ``opener`` (makes a session
and returns its token) and a ``closer`` (ends one).

How concurrent callers agree (PostgreSQL and SQLite, SQLAlchemy Core, short transactions):

* **Claim, call, record.** No transaction is held across ``opener`` / ``closer`` (network calls). A caller first
  *claims* the row in its own committed transaction, then calls, then records the result with a
  compare-and-set on its claim. Each claim writes a fresh ``opened_by`` (``actor #nonce``), so a write after
  the call cannot overwrite a newer claim.
* **The unique constraint decides who opens.** With no row for the day, callers INSERT an ``opening`` row; the
  one whose INSERT commits calls ``opener()``, the others get an integrity error and poll until the row is
  ``open``. ``opener`` therefore runs once across processes per session.
* **Take-overs are conditional UPDATEs** of the row exactly as it was read (id, state, ``opened_by``, token):
  of two processes taking over the same row, the database lets one UPDATE match and the other sees zero rows
  and waits for the winner. A row is taken over when it is ``closed`` (a caller needs the day's session again
  after the day-end close), ``expired`` (an opener failed), ``opening`` for longer than ``stale_after``
  seconds (its opener died), or — for :meth:`SessionStore.renew` only — ``open`` with the refused token.
* **Renewal is a compare-and-set on the token.** ``renew(stale_token)`` replaces the session only while the row
  still holds ``stale_token``; a caller that finds another token there gets it without calling ``opener``.
* A claim taken over while its opener was still running (it exceeded ``stale_after``) discards its token and
  reads the new owner's: the platform session it made is left to expire. Choose ``stale_after`` well above
  the opener's own timeout.
* Waiters give up after ``wait`` seconds with :class:`SessionUnavailable`.
* Times (``opened_at`` / ``closed_at``) come from the store's clock in UTC; processes on different hosts compare
  them, so keep the hosts' clocks in sync.

States: ``opening`` → ``open`` → ``closed``; ``expired`` marks an opening whose opener failed (the next caller
tries again). ``closed`` and ``expired`` rows are reopened in place, so a row is always the latest session of
its day.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from hisbridge.ledger.schema import platform_session as t

log = logging.getLogger(__name__)

OPENING, OPEN, EXPIRED, CLOSED = "opening", "open", "expired", "closed"
STATES = (OPENING, OPEN, EXPIRED, CLOSED)
_ACTOR_MAX = 230  # opened_by is String(250): room for " #" + 8 hex digits of the claim nonce


class SessionUnavailable(TimeoutError):
    """Another process kept the session in ``opening`` for longer than the store waits."""


@dataclass(frozen=True)
class Session:
    """One row of ``platform_session``."""

    id: int
    platform: str
    principal: str
    day: str
    token: str | None
    state: str
    opened_at: datetime
    closed_at: datetime | None
    opened_by: str | None
    note: str | None


@dataclass(frozen=True)
class _Claim:
    id: int
    opened_by: str


def default_actor() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def day_text(day: date | str) -> str:
    """A working day as stored: ``yyyy-mm-dd``."""
    if isinstance(day, datetime):
        raise TypeError("a session day is a date, not a datetime (take .date() in the right time zone)")
    if isinstance(day, date):
        return day.isoformat()
    return date.fromisoformat(day).isoformat()


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SessionStore:
    """Shared platform sessions in the ledger database.

    :param engine: the ledger's engine (its schema, with ``platform_session``, is the ledger's migrations').
    :param stale_after: seconds after which an ``opening`` row is presumed abandoned and may be taken over.
    :param wait: seconds a caller waits for another process's opening before :class:`SessionUnavailable`.
    :param poll: first pause between looks while waiting (doubles up to ``max_poll``).
    :param clock: aware current time (UTC by default); :param sleep: pauses (tests pass fakes).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        stale_after: float = 120.0,
        wait: float = 300.0,
        poll: float = 0.05,
        max_poll: float = 1.0,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.stale_after = stale_after
        self.wait = wait
        self.poll = poll
        self.max_poll = max_poll
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic

    # -- reads -----------------------------------------------------------------------------------------------

    def get(self, platform: str, principal: str, day: date | str) -> Session | None:
        """The day's row, whatever its state."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(t).where(
                        t.c.platform == platform, t.c.principal == principal, t.c.day == day_text(day)
                    )
                )
                .mappings()
                .first()
            )
        return self._session(row) if row is not None else None

    def open_sessions(self, platform: str, before_day: date | str | None = None) -> list[Session]:
        """Open sessions of ``platform`` (of days before ``before_day`` when given), oldest day first."""
        query = select(t).where(t.c.platform == platform, t.c.state == OPEN)
        if before_day is not None:
            query = query.where(t.c.day < day_text(before_day))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.day, t.c.principal)).mappings().all()
        return [self._session(row) for row in rows]

    # -- opening ---------------------------------------------------------------------------------------------

    def get_or_open(
        self,
        platform: str,
        principal: str,
        day: date | str,
        opener: Callable[[], str],
        actor: str | None = None,
    ) -> str:
        """The day's open token; if there is none, ``opener()`` is called by exactly one caller across processes
        (this one, or another that everyone waits for) and its token is stored and returned.

        :raises SessionUnavailable: another caller's opening did not finish within ``wait`` seconds.
        :raises Exception: whatever ``opener`` raised (the row is then marked ``expired``: the next caller retries).
        """
        return self._acquire(
            platform, principal, day_text(day), opener, actor or default_actor(), refused=None
        )

    def renew(
        self,
        platform: str,
        principal: str,
        day: date | str,
        stale_token: str,
        opener: Callable[[], str],
        actor: str | None = None,
    ) -> str:
        """A token other than ``stale_token`` (which the platform refused): if the row still holds
        ``stale_token``, this caller replaces it by calling ``opener()``; if another caller already did (or is
        doing it), that caller's token is returned without calling ``opener``."""
        return self._acquire(
            platform, principal, day_text(day), opener, actor or default_actor(), refused=stale_token
        )

    def _acquire(
        self,
        platform: str,
        principal: str,
        day: str,
        opener: Callable[[], str],
        actor: str,
        refused: str | None,
    ) -> str:
        deadline = self._monotonic() + self.wait
        delay = self.poll
        while True:
            row = self.get(platform, principal, day)
            if row is not None and row.state == OPEN and row.token and row.token != refused:
                return row.token
            claim: _Claim | None = None
            if row is None:
                claim = self._insert_opening(platform, principal, day, actor)
            elif row.state != OPENING or self._stale(row):
                why = {
                    OPEN: "renewal: the platform refused the token",
                    CLOSED: "reopened after close",
                    EXPIRED: "retry after a failed opening",
                }.get(row.state, "take-over of a stale opening")
                claim = self._take_over(row, actor, why)
            if claim is not None:
                log.info("session %s/%s/%s: opening (claim %s)", platform, principal, day, claim.opened_by)
                token = self._open(claim, opener)
                if token is not None:
                    return token
                continue  # our claim was taken over meanwhile: read what the new owner made
            if self._monotonic() >= deadline:
                raise SessionUnavailable(
                    f"session {platform}/{principal}/{day}: still {row.state if row else 'missing'} after "
                    f"{self.wait:.0f}s (opened by {row.opened_by if row else '?'})"
                )
            self._sleep(delay)
            delay = min(delay * 2, self.max_poll)

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)  # SQLite keeps the wall-clock digits only: always write UTC

    def _stale(self, row: Session) -> bool:
        return self._now() - row.opened_at > timedelta(seconds=self.stale_after)

    @staticmethod
    def _claimant(actor: str) -> str:
        return f"{actor[:_ACTOR_MAX]} #{secrets.token_hex(4)}"

    def _insert_opening(self, platform: str, principal: str, day: str, actor: str) -> _Claim | None:
        by = self._claimant(actor)
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    insert(t).values(
                        platform=platform,
                        principal=principal,
                        day=day,
                        token=None,
                        state=OPENING,
                        opened_at=self._now(),
                        opened_by=by,
                    )  # fmt: skip
                )
                (row_id,) = result.inserted_primary_key
        except IntegrityError:
            return None  # another caller inserted the day's row first: wait for it
        return _Claim(int(row_id), by)

    def _take_over(self, row: Session, actor: str, why: str) -> _Claim | None:
        by = self._claimant(actor)
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t)
                .where(*self._as_read(row))
                .values(
                    state=OPENING, token=None, opened_at=self._now(), opened_by=by, closed_at=None, note=why
                )
            ).rowcount
        if done != 1:
            return None  # another caller changed the row first
        log.info("session %s/%s/%s: %s", row.platform, row.principal, row.day, why)
        return _Claim(row.id, by)

    def _open(self, claim: _Claim, opener: Callable[[], str]) -> str | None:
        try:
            token = opener()
            if not token:
                raise ValueError("the opener returned an empty token")
        except BaseException as exc:
            with self.engine.begin() as conn:
                conn.execute(
                    update(t)
                    .where(t.c.id == claim.id, t.c.state == OPENING, t.c.opened_by == claim.opened_by)
                    .values(state=EXPIRED, note=f"opening failed: {type(exc).__name__}")
                )
            raise
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t)
                .where(t.c.id == claim.id, t.c.state == OPENING, t.c.opened_by == claim.opened_by)
                .values(state=OPEN, token=token, opened_at=self._now(), note=None)
            ).rowcount
        if done == 1:
            return token
        log.warning(
            "session row %d: taken over while our opener ran (over %.0fs); discarding the token it made",
            claim.id,
            self.stale_after,
        )
        return None

    # -- closing ---------------------------------------------------------------------------------------------

    def close(
        self,
        platform: str,
        principal: str,
        day: date | str,
        closer: Callable[[str], object],
        actor: str | None = None,
    ) -> bool:
        """End the day's open session: ``closer(token)`` (outside any transaction), then mark the row
        ``closed`` if it still holds that token. ``closer`` may return a short note for the row.

        :returns: ``False`` if there was no open session, or it was renewed while ``closer`` ran (the new
            one stays open).
        :raises Exception: whatever ``closer`` raised; the row stays ``open``.
        """
        row = self.get(platform, principal, day)
        if row is None or row.state != OPEN or not row.token:
            return False
        result = closer(row.token)
        note = f"closed by {actor or default_actor()}" + (
            f": {result}" if isinstance(result, str) and result else ""
        )
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t)
                .where(*self._as_read(row))
                .values(state=CLOSED, closed_at=self._now(), note=note[:2000])
            ).rowcount
        if done != 1:
            log.info(
                "session %s/%s/%s: renewed while closing; the new one stays open",
                platform,
                principal,
                row.day,
            )
        return done == 1

    # -- helpers ---------------------------------------------------------------------------------------------

    @staticmethod
    def _as_read(row: Session) -> list:
        """WHERE clauses matching the row only as it was read (compare-and-set)."""
        return [
            t.c.id == row.id,
            t.c.state == row.state,
            t.c.opened_by.is_(None) if row.opened_by is None else t.c.opened_by == row.opened_by,
            t.c.token.is_(None) if row.token is None else t.c.token == row.token,
        ]

    @staticmethod
    def _session(row) -> Session:
        return Session(
            id=int(row["id"]), platform=row["platform"], principal=row["principal"], day=row["day"],
            token=row["token"], state=row["state"], opened_at=_utc(row["opened_at"]),
            closed_at=_utc(row["closed_at"]), opened_by=row["opened_by"], note=row["note"],
        )  # fmt: skip
