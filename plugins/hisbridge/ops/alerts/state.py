"""Incidents in the ledger (``alert_incident``, ``alert_notification``): one alert per incident, a reminder only
after the re-notify interval, a recovery when it clears — agreed between every process by the database.

**What to say** is a pure function, :func:`decide`: nothing open → ``opened``; acknowledged (someone took it) →
nothing; open but never told (every channel failed last time) → ``opened`` again; told longer than
``renotify_after`` ago → ``reminder``; otherwise nothing.

**Who says it** is settled by conditional writes, so that two processes seeing the same fault (two failing tasks,
a callback and the check) send one message:

* the first notice: ``INSERT`` with ``open_key = key`` (unique; NULL once resolved) — the process whose insert
  commits sends; the other gets an integrity error and finds the incident open;
* a reminder or a retried first notice: ``UPDATE … SET notified_at = now WHERE id = … AND notify_count = n AND
  acked_at IS NULL AND (notified_at IS NULL OR notified_at <= now - renotify_after)`` — one process matches the
  row, and none once the incident is acknowledged;
* if every channel failed, ``notified_at`` goes back to what it was (``WHERE notify_count = n``) and the next
  check tries again; if one channel took it, ``notify_count`` goes up;
* a recovery: ``UPDATE … SET status = 'resolved', open_key = NULL WHERE id = … AND status = 'open'`` — the process
  that resolved it sends the recovery (naming who had acknowledged it), and only if ops had been told of the
  incident;
* an acknowledgement (:meth:`IncidentStore.acknowledge`, 告警认领): ``UPDATE … SET acked_at, acked_by, ack_note WHERE
  id = … AND status = 'open' AND acked_at IS NULL`` — the first to take it wins; an incident that recovered
  meanwhile cannot be taken. The incident stays open: it closes as any other, when the fault is gone.

The key keeps its meaning: one open incident per key. An acknowledged incident that worsens under the same key
(more records in quarantine) is still the same, acknowledged incident; once it has recovered, the same fault
again opens a new incident, told afresh and not acknowledged.

A recovery that no channel took is recorded as failed and not retried (the incident is closed; the
notification table shows it). Times are UTC in the database and Asia/Shanghai in every message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hisbridge.ledger.schema import alert_incident as t
from hisbridge.ledger.schema import alert_notification as n
from hisbridge.ops.alerts.message import Ack, Alert, Event

log = logging.getLogger("hisbridge.alerts")

OPEN, RESOLVED = "open", "resolved"
SENT, FAILED, SKIPPED = "sent", "failed", "skipped"


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Incident:
    id: int
    key: str
    kind: str
    status: str
    subject: str
    detail: str | None
    fix: str | None
    since: datetime
    opened_at: datetime
    last_seen_at: datetime
    notified_at: datetime | None
    notify_count: int
    resolved_at: datetime | None
    resolved_by: str | None
    acked_at: datetime | None = None
    acked_by: str | None = None
    ack_note: str | None = None

    @property
    def ack(self) -> Ack | None:
        """Who took it, if someone did."""
        if self.acked_at is None:
            return None
        return Ack(self.acked_by or "-", self.acked_at, self.ack_note)

    def as_alert(self) -> Alert:
        return Alert(kind=self.kind, key=self.key, subject=self.subject, detail=self.detail or "", fix=self.fix or "",
                     since=self.since)  # fmt: skip


def decide(existing: Incident | None, now: datetime, renotify_after: timedelta) -> Event | None:
    """What to tell ops about a fault seen now (see the module docstring)."""
    if existing is not None and existing.acked_at is not None:
        return None  # someone is on it: no reminders (the recovery is still told)
    if existing is None or existing.notified_at is None:
        return "opened"
    if now - existing.notified_at >= renotify_after:
        return "reminder"
    return None


@dataclass(frozen=True)
class Claim:
    """The right to send one notice for an incident, won by a conditional write."""

    incident: Incident
    event: Event
    previous_notified_at: datetime | None
    at: datetime


class IncidentStore:
    """:param engine: the ledger's engine (schema from the ledger's migrations, revision 0011_alerts)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    # -- reading -------------------------------------------------------------------------------------------------
    def open_incident(self, key: str) -> Incident | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.open_key == key)).mappings().first()
        return _incident(row) if row else None

    def open_incidents(self, prefix: str | None = None) -> list[Incident]:
        query = select(t).where(t.c.status == OPEN).order_by(t.c.id)
        if prefix:
            query = query.where(t.c.key.startswith(prefix, autoescape=True))
        with self.engine.connect() as conn:
            return [_incident(r) for r in conn.execute(query).mappings()]

    def incidents(self, key: str | None = None, limit: int = 200) -> list[Incident]:
        query = select(t).order_by(t.c.id.desc()).limit(limit)
        if key:
            query = query.where(t.c.key == key)
        with self.engine.connect() as conn:
            return [_incident(r) for r in conn.execute(query).mappings()]

    def incident(self, incident_id: int) -> Incident | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == incident_id)).mappings().first()
        return _incident(row) if row else None

    def search(self, *, status: str | None = None, active_since: datetime | None = None,
               keys: ColumnElement[bool] | None = None, limit: int = 200) -> list[Incident]:
        """Incidents for people to read, newest first: of ``status`` (``open`` | ``resolved`` | ``None``: both),
        not resolved before ``active_since`` (open ones always are), with a key matching ``keys`` (an expression
        on ``alert_incident.c.key``: :func:`hisbridge.ops.alerts.incidents.feed_keys`)."""
        query = select(t).order_by(t.c.id.desc()).limit(limit)
        if status:
            query = query.where(t.c.status == status)
        if active_since is not None:
            query = query.where(or_(t.c.resolved_at.is_(None), t.c.resolved_at >= active_since))
        if keys is not None:
            query = query.where(keys)
        with self.engine.connect() as conn:
            return [_incident(r) for r in conn.execute(query).mappings()]

    def notifications(self, incident_id: int | None = None) -> list[dict]:
        query = select(n).order_by(n.c.id)
        if incident_id is not None:
            query = query.where(n.c.incident_id == incident_id)
        with self.engine.connect() as conn:
            return [{**r, "at": _utc(r["at"])} for r in conn.execute(query).mappings()]

    # -- raising -------------------------------------------------------------------------------------------------
    def raise_alert(self, alert: Alert, renotify_after: timedelta) -> Claim | None:
        """Record that ``alert`` holds now; a :class:`Claim` when this caller is to send a notice."""
        now = self.clock()
        existing = self.open_incident(alert.key)
        if existing is None:
            claim = self._open(alert, now)
            if claim is not None:
                return claim
            existing = self.open_incident(alert.key)
            if existing is None:  # opened and resolved in between: nothing of ours to say
                return None
        self._seen(existing, alert, now)
        event = decide(existing, now, renotify_after)
        if event is None:
            return None
        cutoff = now - renotify_after
        with self.engine.begin() as conn:
            won = conn.execute(
                update(t)
                .where(t.c.id == existing.id, t.c.status == OPEN, t.c.notify_count == existing.notify_count,
                       t.c.acked_at.is_(None), or_(t.c.notified_at.is_(None), t.c.notified_at <= cutoff))
                .values(notified_at=now)
            ).rowcount  # fmt: skip
        if won != 1:
            return None
        return Claim(self.open_incident(alert.key) or existing, event, existing.notified_at, now)

    def _open(self, alert: Alert, now: datetime) -> Claim | None:
        values = {"key": alert.key, "open_key": alert.key, "kind": alert.kind, "status": OPEN,
                  "subject": alert.subject, "detail": alert.detail, "fix": alert.fix, "since": alert.since,
                  "opened_at": now, "last_seen_at": now, "notified_at": now, "notify_count": 0}  # fmt: skip
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t).values(**values))
        except IntegrityError:
            return None
        incident = self.open_incident(alert.key)
        return Claim(incident, "opened", None, now) if incident else None

    def _seen(self, incident: Incident, alert: Alert, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == incident.id, t.c.status == OPEN)
                         .values(last_seen_at=now, detail=alert.detail, fix=alert.fix or incident.fix))

    def delivered(self, claim: Claim, outcomes: Mapping[str, tuple[str, str | None]]) -> bool:
        """Record what each channel did with the claimed notice; ``True`` if at least one took it."""
        ok = any(outcome == SENT for outcome, _ in outcomes.values())
        with self.engine.begin() as conn:
            self._record(conn, claim.incident.id, claim.event, outcomes, claim.at)
            if claim.event in ("recovered", "acknowledged"):  # not a notice of the fault: the count stays
                return ok
            guard = (t.c.id == claim.incident.id, t.c.notify_count == claim.incident.notify_count)
            if ok:
                conn.execute(update(t).where(*guard).values(notify_count=t.c.notify_count + 1))
            else:
                conn.execute(update(t).where(*guard).values(notified_at=claim.previous_notified_at))
        return ok

    @staticmethod
    def _record(conn, incident_id: int, event: str, outcomes: Mapping[str, tuple[str, str | None]],
                at: datetime) -> None:  # fmt: skip
        rows = [{"incident_id": incident_id, "event": event, "channel": channel[:64], "outcome": outcome,
                 "error": error, "at": at} for channel, (outcome, error) in outcomes.items()]  # fmt: skip
        if not rows:
            rows = [{"incident_id": incident_id, "event": event, "channel": "-", "outcome": SKIPPED,
                     "error": "no channel routed", "at": at}]  # fmt: skip
        conn.execute(insert(n), rows)

    # -- resolving -----------------------------------------------------------------------------------------------
    def resolve(self, key: str, by: str) -> Claim | None:
        """Close the open incident of ``key``; a claim to send the recovery when ops had been told of it."""
        incident = self.open_incident(key)
        if incident is None:
            return None
        now = self.clock()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t).where(t.c.id == incident.id, t.c.status == OPEN)
                .values(status=RESOLVED, open_key=None, resolved_at=now, resolved_by=by[:250])
            ).rowcount  # fmt: skip
        if done != 1:
            return None
        # read again: an acknowledgement that came in after the read above is final now (a resolved incident
        # cannot be taken), and the recovery names who took it
        incident = self.incident(incident.id) or incident
        if incident.notify_count == 0:
            log.info("incident %s (%s) cleared before anyone was told: no recovery message", incident.id, key)
            return None
        return Claim(incident, "recovered", incident.notified_at, now)

    # -- acknowledging -------------------------------------------------------------------------------------------
    def acknowledge(self, incident_id: int, by: str, note: str | None = None) -> AckResult:
        """``by`` takes the open incident ``incident_id`` (see the module docstring); the first to take it wins.

        :param by: who (the logged-in Airflow user on the page, ``--by`` on the command line)
        :param note: what they said, optional ("已联系厂商")
        """
        incident = self.incident(incident_id)
        if incident is None:
            return AckResult(UNKNOWN_INCIDENT, None)
        now = self.clock()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t).where(t.c.id == incident_id, t.c.status == OPEN, t.c.acked_at.is_(None))
                .values(acked_at=now, acked_by=by.strip()[:250], ack_note=(note or "").strip()[:2000] or None)
            ).rowcount  # fmt: skip
        incident = self.incident(incident_id) or incident
        if done == 1:
            log.info("incident %s (%s) acknowledged", incident_id, incident.key)  # not who: the ledger has it
            return AckResult(ACKED, incident, Claim(incident, "acknowledged", incident.notified_at, now))
        return AckResult(RESOLVED if incident.status == RESOLVED else TAKEN, incident)


ACKED, TAKEN, UNKNOWN_INCIDENT = "acked", "taken", "unknown"


@dataclass(frozen=True)
class AckResult:
    """What :meth:`IncidentStore.acknowledge` did: ``acked`` (with the claim to tell the channels), ``taken``
    (someone had taken it before: ``incident.ack`` says who), ``resolved`` (it recovered: nothing to take) or
    ``unknown`` (no such incident)."""

    status: str
    incident: Incident | None
    claim: Claim | None = None
    told: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)  # channel → what it did with the note


def _incident(row) -> Incident:
    return Incident(
        id=row["id"], key=row["key"], kind=row["kind"], status=row["status"], subject=row["subject"],
        detail=row["detail"], fix=row["fix"], since=_utc(row["since"]), opened_at=_utc(row["opened_at"]),
        last_seen_at=_utc(row["last_seen_at"]), notified_at=_utc(row["notified_at"]),
        notify_count=row["notify_count"], resolved_at=_utc(row["resolved_at"]), resolved_by=row["resolved_by"],
        acked_at=_utc(row["acked_at"]), acked_by=row["acked_by"], ack_note=row["ack_note"],
    )  # fmt: skip
