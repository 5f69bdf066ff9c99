"""Reading and writing the delivery ledger, set-based. Names no platform.

A message is written twice: before it leaves (the message ``in_flight`` and its records ``sent`` with the
msgid, in one transaction) and when the answer is in (the answer, each record's final state, the message↔record
links and one audit event, in one transaction). A crash between the two leaves an ``in_flight`` message whose
records are ``sent``: the next run of the scope resolves them as unknown outcomes (:meth:`Ledger.resolve_in_flight`).
Nothing is silently lost and nothing is blindly re-sent.

Every statement works on a whole batch (multi-row ``INSERT … ON CONFLICT … RETURNING``, one ``UPDATE`` per
distinct final state); look-ups read only the columns a decision needs, by ``= ANY(array)`` on PostgreSQL so the
plan does not change with the number of keys.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Engine,
    String,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from hisbridge.ledger import schema as s

log = logging.getLogger("hisbridge.ledger")

CHUNK = 500
REUPLOAD = "re-upload after correction"


def utcnow() -> datetime:
    return datetime.now(UTC)


def dumps(value: object) -> str:
    """Compact JSON text (UTF-8, keys as given): how payloads and requests are stored."""
    return orjson.dumps(value, default=str).decode()


def loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


@dataclass(frozen=True)
class RunContext:
    """Who is acting and for which data window: stored on every record and event."""

    run_id: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    actor: str = "hisbridge"

    @property
    def who(self) -> str:
        return self.actor if self.actor != "hisbridge" else self.run_id


@dataclass(frozen=True)
class Prior:
    """What the ledger knows of a record when a run meets it again (only what a decision needs)."""

    id: int
    state: str
    content_hash: str
    correction_key: str | None
    source_hash: str | None = None


@dataclass(frozen=True)
class RecordState:
    id: int
    feed: str
    business_key: str
    state: str
    content_hash: str
    correction_key: str | None
    payload: str
    reason: str | None = None
    attempts: int = 0
    last_msgid: str | None = None

    def payload_dict(self) -> dict:
        return loads(self.payload)


@dataclass(frozen=True)
class LedgerItem:
    """A record as the pipeline hands it to the ledger: key, content (as stored text) and a reason."""

    business_key: str
    content_hash: str
    payload: str
    correction_key: str | None = None
    reason: str | None = None
    source_hash: str | None = None


@dataclass
class MessageResult:
    """What became of one message and of each record in it (by position in the message)."""

    # acknowledged | partial | rejected | unknown | not_sent | busy | refused_by_gateway
    outcome: str
    row_states: list[str]
    row_errors: list[str | None]
    platform_code: str | None = None
    err_msg: str | None = None
    http_status: int | None = None
    request: str | None = None  # the exact text sent
    request_headers: dict | None = None
    response: str | None = None
    platform_ref: str | None = None
    duration_ms: int | None = None
    #: the msgid the sender finally used, when it had to re-send under another one
    resent_as_msgid: str | None = None


@dataclass(frozen=True)
class Ticket:
    """A message recorded as leaving: its row, its msgid and its records' ids in message order."""

    message_id: int
    msgid: str
    record_ids: list[int]


@dataclass(frozen=True)
class JournalEntry:
    """A real-time call that belongs to no feed (a gateway transaction, a served API request)."""

    platform: str
    operation: str
    direction: str  # out | in
    outcome: str
    started_at: datetime
    caller: str | None = None
    msgid: str | None = None
    platform_code: str | None = None
    err_msg: str | None = None
    http_status: int | None = None
    request: str | None = None
    response: str | None = None
    platform_ref: str | None = None
    business_ref: str | None = None
    duration_ms: int | None = None


class Ledger:
    def __init__(self, engine: Engine, clock=utcnow, *, autocommit: Engine | None = None) -> None:
        """``autocommit``: an engine of the same database created with ``isolation_level="AUTOCOMMIT"`` for the
        one-statement writes (a served API's nonces): without it they switch a pooled connection's mode at each
        checkout, which costs more than the statement."""
        self.engine = engine
        self.clock = clock
        self._pg = engine.dialect.name == "postgresql"
        # per thread: the connection pinned by pin()/pin_answers(), and the transaction a msgid factory joins
        self._local = threading.local()
        self._autocommit = (autocommit or engine.execution_options(isolation_level="AUTOCOMMIT")) if self._pg \
            else engine
        self._nonces_purged: dict[str, float] = {}  # service → when this process last purged its old nonces
        self._nonce_lock = threading.Lock()

    # -- schema --------------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create or upgrade the schema (Alembic; cheap when already current)."""
        from hisbridge.ledger.migrate import ensure_schema

        ensure_schema(self.engine)

    def analyze(self) -> None:
        """Fresh planner statistics after a bulk load (PostgreSQL; a no-op elsewhere)."""
        if self._pg:
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE delivery_record"))

    # -- connections ---------------------------------------------------------------------------------------
    def pin(self) -> None:
        """This thread's ledger transactions use one connection until :meth:`unpin`: a run's stage thread writes
        a message every few milliseconds, and a pool check-out (with its ping) and reset per message would cost
        as much as the write."""
        self.unpin()
        self._local.conn = self.engine.connect()

    def pin_answers(self) -> None:
        """Like :meth:`pin`, for a thread that only records answers (:meth:`finish_message`). On PostgreSQL each
        answer is then one statement, committed on its own without waiting for the disk: an answer lost in a
        database crash leaves its message ``in_flight``, and the next run resolves it as an unknown outcome."""
        self.unpin()
        conn = self.engine.connect()
        if self._pg:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("SET synchronous_commit = off")
            self._local.answers = conn
        else:
            self._local.conn = conn

    def unpin(self) -> None:
        for name in ("conn", "answers"):
            conn = getattr(self._local, name, None)
            if conn is None:
                continue
            setattr(self._local, name, None)
            try:
                if name == "answers":
                    conn.exec_driver_sql("RESET synchronous_commit")  # the pooled connection goes back as it came
            finally:
                conn.close()

    @contextmanager
    def _single(self) -> Iterator[Connection]:
        """A connection for one statement that commits on its own (PostgreSQL: no BEGIN and COMMIT round trips,
        the statement is still durable when it returns); elsewhere a transaction."""
        if not self._pg:
            with self._begin() as conn:
                yield conn
            return
        with self._autocommit.connect() as conn:
            yield conn

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction on this thread's pinned connection, or on one from the pool."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with conn.begin():
            yield conn

    # -- reads for the pipeline ----------------------------------------------------------------------------
    def priors(self, feed: str, keys: Iterable[str]) -> dict[str, Prior]:
        """What a run needs to decide about ``keys``, in one look-up per chunk."""
        t = s.delivery_record
        cols = (t.c.business_key, t.c.id, t.c.state, t.c.content_hash, t.c.correction_key, t.c.source_hash)
        keys = list(dict.fromkeys(keys))
        found: dict[str, Prior] = {}
        with self.engine.connect() as conn:
            for part in self._key_parts(keys):
                for key, rid, state, digest, ck, source in conn.execute(
                        select(*cols).where(t.c.feed == feed, self._key_in(t.c.business_key, part))):
                    found[key] = Prior(rid, state, digest, ck, source)
        return found

    def lookup(self, feed: str, keys: Iterable[str]) -> dict[str, RecordState]:
        """Whole records by business key (for people and tests; runs use :meth:`priors`)."""
        t = s.delivery_record
        keys = list(dict.fromkeys(keys))
        found: dict[str, RecordState] = {}
        with self.engine.connect() as conn:
            for part in self._key_parts(keys):
                for row in conn.execute(select(*_record_cols()).where(
                        t.c.feed == feed, self._key_in(t.c.business_key, part))):
                    found[row.business_key] = RecordState(*row)
        return found

    def on_platform_by_correction_key(self, feed: str, correction_key: str) -> list[RecordState]:
        """Records of ``feed`` sharing a correction key that the platform holds or may hold."""
        t = s.delivery_record
        q = (select(*_record_cols()).where(t.c.feed == feed, t.c.correction_key == correction_key,
                                           t.c.state.in_(s.ON_PLATFORM)).order_by(t.c.id))
        with self.engine.connect() as conn:
            return [RecordState(*r) for r in conn.execute(q)]

    def awaiting_reupload(self, feed: str) -> list[RecordState]:
        """Records a correction removed from the platform that no run has uploaded again yet."""
        t = s.delivery_record
        q = select(*_record_cols()).where(t.c.feed == feed, t.c.state == s.PENDING,
                                          t.c.reason.like(f"{REUPLOAD}%")).order_by(t.c.id)
        with self.engine.connect() as conn:
            return [RecordState(*r) for r in conn.execute(q)]

    # -- reads for people (CLI, pages) ---------------------------------------------------------------------
    def records(self, feed: str | None = None, states: Sequence[str] | None = None,
                limit: int = 200) -> list[RecordState]:
        t = s.delivery_record
        q = select(*_record_cols()).order_by(t.c.feed, t.c.id).limit(limit)
        if feed:
            q = q.where(t.c.feed == feed)
        if states:
            q = q.where(t.c.state.in_(tuple(states)))
        with self.engine.connect() as conn:
            return [RecordState(*r) for r in conn.execute(q)]

    def record(self, record_id: int) -> dict | None:
        """Every column of one record (payload as stored text)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(s.delivery_record).where(s.delivery_record.c.id == record_id)).first()
        return dict(row._mapping) if row else None

    def record_windows(self, ids: Sequence[int]) -> list[dict]:
        t = s.delivery_record
        q = (select(t.c.feed, t.c.window_start, t.c.window_end).where(t.c.id.in_(list(ids)))
             .group_by(t.c.feed, t.c.window_start, t.c.window_end).order_by(t.c.feed, t.c.window_start))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    #: rows of delivery_state_count beyond one per (feed, state) that make :meth:`counts` fold them first
    STATE_COUNT_SLACK = 2000

    def counts(self, feed: str | None = None) -> dict[str, dict[str, int]]:
        """Records per feed and state (of ``feed`` only, if given): ``{feed: {state: n}}``, pairs with none left
        out. Read from ``delivery_state_count`` (kept by the database's triggers; schema.py), so it costs the
        same at 10M records as at 10k; when the changes appended since the last fold pass
        :attr:`STATE_COUNT_SLACK`, they are folded after the read (:meth:`compact_state_counts`)."""
        c = s.delivery_state_count
        q = select(c.c.feed, c.c.state, func.sum(c.c.n), func.count()).group_by(c.c.feed, c.c.state)
        if feed:
            q = q.where(c.c.feed == feed)
        out: dict[str, dict[str, int]] = {}
        rows = pairs = 0
        with self.engine.connect() as conn:
            for f, state, n, parts in conn.execute(q):
                rows, pairs = rows + parts, pairs + 1
                if n:
                    out.setdefault(f, {})[state] = int(n)
        if rows - pairs > self.STATE_COUNT_SLACK:
            self.compact_state_counts()
        return out

    def compact_state_counts(self) -> bool:
        """Fold ``delivery_state_count`` into one row per (feed, state) with records (PostgreSQL: the triggers
        append a few rows per statement). One statement deletes the rows it sees and inserts their sums, so the
        totals never change; rows that writers add meanwhile are not in its snapshot and stay for the next fold.
        It waits for no writer (writers only insert); a second folder finds the lock taken and returns ``False``.
        SQLite keeps one row per pair already: nothing to do."""
        if not self._pg:
            return False
        with self.engine.begin() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _STATE_COUNT_LOCK}).scalar():
                return False
            conn.execute(text("""
                WITH gone AS (DELETE FROM delivery_state_count RETURNING feed, state, n)
                INSERT INTO delivery_state_count (feed, state, n)
                SELECT feed, state, sum(n) FROM gone GROUP BY feed, state HAVING sum(n) <> 0"""))
        return True

    def events(self, record_id: int) -> list[dict]:
        """The record's audit trail: its own state changes and the messages it travelled in, oldest first."""
        e, mr, m = s.delivery_event, s.delivery_message_record, s.delivery_message
        own = select(e.c.at, e.c.from_state, e.c.to_state, e.c.reason, e.c.msgid, e.c.actor).where(
            e.c.record_id == record_id)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(own)]
            for r in conn.execute(
                    select(m.c.sent_at, m.c.answered_at, m.c.msgid, m.c.operation, m.c.purpose, m.c.actor,
                           mr.c.outcome, mr.c.err_msg)
                    .join(mr, mr.c.message_id == m.c.id).where(mr.c.record_id == record_id)):
                rows.append({"at": r.sent_at, "from_state": None, "to_state": s.SENT, "msgid": r.msgid,
                             "reason": f"{r.purpose} {r.operation}", "actor": r.actor})
                if r.answered_at is not None:
                    rows.append({"at": r.answered_at, "from_state": s.SENT, "to_state": r.outcome,
                                 "reason": r.err_msg, "msgid": r.msgid, "actor": r.actor})
        return sorted(rows, key=lambda row: (_aware(row["at"]), row["to_state"] != s.SENT))

    def messages_for(self, record_id: int) -> list[dict]:
        m, mr = s.delivery_message, s.delivery_message_record
        q = (select(m.c.msgid, m.c.operation, m.c.purpose, m.c.outcome, m.c.sent_at, m.c.actor, m.c.request,
                    m.c.response, m.c.http_status, m.c.duration_ms, m.c.platform_code, m.c.platform_ref,
                    mr.c.outcome.label("row"), mr.c.err_msg)
             .join(mr, mr.c.message_id == m.c.id).where(mr.c.record_id == record_id).order_by(m.c.id))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def message(self, msgid: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.delivery_message).where(s.delivery_message.c.msgid == msgid)).first()
            return dict(row._mapping) if row else None

    def messages(self, feed: str | None = None, operation: str | None = None, limit: int = 1000) -> list[dict]:
        m = s.delivery_message
        return self._rows(m, m.c.id, limit, feed=feed, operation=operation)

    # -- writes --------------------------------------------------------------------------------------------
    def settle(self, feed: str, platform: str, items: Sequence[LedgerItem], state: str, run: RunContext, *,
               msgid: str | None = None) -> None:
        """Put ``items`` in ``state`` outside a message (quarantine, a voided record never sent, siblings to
        re-send, what a halted run did not send), with one audit event per record."""
        if not items:
            return
        with self.engine.begin() as conn:
            before = self._states(conn, feed, [i.business_key for i in items])
            ids = self._upsert(conn, feed, platform, items, state, run, msgid=msgid, operation=None)
            self._record_events(conn, [(ids[i.business_key], before.get(i.business_key), state, i.reason)
                                       for i in items], run, msgid)

    def begin_message(self, *, feed: str, platform: str, operation: str, purpose: str,
                      msgid: str | Callable[[], str], items: Sequence[LedgerItem], run: RunContext) -> Ticket:
        """Record that a message is about to carry ``items``; they go to ``sent`` before anything leaves.

        ``msgid`` may be the platform's msgid factory: it is then called inside this transaction, so counters it
        takes with :meth:`next_value` are allocated in the same commit as the message they name.
        """
        with self._begin() as conn:
            if callable(msgid):
                self._local.tx = conn
                try:
                    msgid = msgid()
                finally:
                    self._local.tx = None
            if self._pg:
                return self._begin_pg(conn, feed, platform, operation, purpose, msgid, items, run)
            message_id = conn.execute(insert(s.delivery_message).values(
                msgid=msgid, feed=feed, platform=platform, operation=operation, purpose=purpose,
                record_count=len(items), outcome="in_flight", run_id=run.run_id, actor=run.who,
                sent_at=self.clock())).inserted_primary_key[0]
            ids = self._upsert(conn, feed, platform, items, s.SENT, run, msgid=msgid, operation=operation) \
                if items else {}
        return Ticket(message_id, msgid, [ids[i.business_key] for i in items])

    def _begin_pg(self, conn: Connection, feed: str, platform: str, operation: str, purpose: str, msgid: str,
                  items: Sequence[LedgerItem], run: RunContext) -> Ticket:
        """The message and its records in one statement (one round trip before the commit)."""
        upsert, params = self._upsert_arrays_sql(feed, platform, items, s.SENT, run, msgid=msgid,
                                                 operation=operation)
        rows = conn.execute(text(f"""
            WITH m AS (
                INSERT INTO delivery_message (msgid, feed, platform, operation, purpose, record_count, outcome,
                                              run_id, actor, sent_at)
                VALUES (:msgid, :feed, :platform, :operation, :purpose, :record_count, 'in_flight', :run_id, :actor,
                        :now)
                RETURNING id),
            up AS ({upsert})
            SELECT m.id, up.business_key, up.id FROM m LEFT JOIN up ON true"""),
            {**params, "purpose": purpose, "record_count": len(items), "actor": run.who}).all()
        ids = {key: rid for _, key, rid in rows if key is not None}
        return Ticket(rows[0][0], msgid, [ids[i.business_key] for i in items])

    def finish_message(self, ticket: Ticket, result: MessageResult, run: RunContext) -> None:
        """Store the answer, move each record of the message to the state the answer implies (one UPDATE per
        distinct state and reason), link them."""
        now = self.clock()
        if self._pg:
            self._finish_pg(ticket, result, run, now)
            return
        m, t = s.delivery_message, s.delivery_record
        message_id = ticket.message_id
        with self._begin() as conn:
            conn.execute(update(m).where(m.c.id == message_id).values(**self._answer_values(result, now)))
            ids = ticket.record_ids
            if ids:
                groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
                for rid, state, err in zip(ids, result.row_states, result.row_errors, strict=True):
                    groups[(state, err)].append(rid)
                for (state, err), group in groups.items():
                    values: dict[str, Any] = {"state": state, "reason": err, "updated_at": now}
                    if state == s.ACKNOWLEDGED:
                        values["acknowledged_at"] = now
                    for part in _parts(group):
                        conn.execute(update(t).where(self._id_in(t.c.id, part)).values(**values))
                conn.execute(insert(s.delivery_message_record), [
                    {"message_id": message_id, "record_id": rid, "row_index": n, "outcome": state, "err_msg": err}
                    for n, (rid, state, err) in enumerate(zip(ids, result.row_states, result.row_errors,
                                                              strict=True))])
            conn.execute(insert(s.delivery_event).values(self._answer_event(ticket, result, run, now)))

    _FINISH_PG = text("""
        WITH msg AS (
            UPDATE delivery_message SET outcome = :outcome, platform_code = :platform_code, err_msg = :err_msg,
                http_status = :http_status, request = :request, request_headers = :request_headers,
                response = :response, platform_ref = :platform_ref, answered_at = :answered_at,
                duration_ms = :duration_ms, resent_as_msgid = :resent_as_msgid
            WHERE id = :message_id),
        rows AS (
            SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:states AS text[]), CAST(:errs AS text[]))
                          WITH ORDINALITY AS u(r, st, er, n)),
        rec AS (
            UPDATE delivery_record t SET state = rows.st, reason = rows.er, updated_at = :answered_at,
                acknowledged_at = CASE WHEN rows.st = 'acknowledged' THEN :answered_at ELSE t.acknowledged_at END
            FROM rows WHERE t.id = rows.r),
        link AS (
            INSERT INTO delivery_message_record (message_id, record_id, row_index, outcome, err_msg)
            SELECT :message_id, r, n - 1, st, er FROM rows)
        INSERT INTO delivery_event (message_id, from_state, to_state, msgid, reason, actor, at)
        VALUES (:message_id, :from_state, :to_state, :msgid, :reason, :actor, :at)""")

    def _finish_pg(self, ticket: Ticket, result: MessageResult, run: RunContext, now: datetime) -> None:
        """The answer, every record's final state, the links and the event in one statement: on a thread that
        :meth:`pin_answers`, one round trip and no wait for the disk."""
        params = {**self._answer_values(result, now), **self._answer_event(ticket, result, run, now),
                  "ids": ticket.record_ids, "states": result.row_states, "errs": result.row_errors}
        conn = getattr(self._local, "answers", None)
        if conn is not None:
            conn.execute(self._FINISH_PG, params)
            return
        with self._begin() as conn:
            # safe to lose in a database crash: the records stay "sent" and the next run resolves them as
            # unknown outcomes. begin_message's commit, which must survive, stays synchronous.
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            conn.execute(self._FINISH_PG, params)

    @staticmethod
    def _answer_values(result: MessageResult, now: datetime) -> dict[str, Any]:
        return {"outcome": result.outcome, "platform_code": result.platform_code, "err_msg": result.err_msg,
                "http_status": result.http_status, "request": result.request,
                "request_headers": dumps(result.request_headers) if result.request_headers else None,
                "response": result.response, "platform_ref": result.platform_ref, "answered_at": now,
                "duration_ms": result.duration_ms, "resent_as_msgid": result.resent_as_msgid}

    @staticmethod
    def _answer_event(ticket: Ticket, result: MessageResult, run: RunContext, now: datetime) -> dict[str, Any]:
        return {"message_id": ticket.message_id, "from_state": "in_flight", "to_state": result.outcome,
                "msgid": ticket.msgid, "reason": _message_reason(result, len(ticket.record_ids)), "actor": run.who,
                "at": now}

    def resolve_in_flight(self, feeds: Sequence[str], run: RunContext) -> int:
        """Messages of ``feeds`` left ``in_flight`` by a run that died between sending and recording the answer
        become ``unknown``, and so do their records still ``sent``. Call it holding the scope's lease: then no
        live run can be sending them. Returns the number of messages resolved."""
        m, t, mr = s.delivery_message, s.delivery_record, s.delivery_message_record
        now = self.clock()
        with self.engine.begin() as conn:
            stuck = conn.execute(select(m.c.id, m.c.msgid, m.c.feed).where(
                m.c.feed.in_(list(feeds)), m.c.outcome == "in_flight")).all()
            for message_id, msgid, feed in stuck:
                records = conn.execute(select(t.c.id).where(
                    t.c.feed == feed, t.c.last_msgid == msgid, t.c.state == s.SENT).order_by(t.c.id)).scalars().all()
                reason = f"{msgid}: the run sending it died before the answer was recorded"
                conn.execute(update(m).where(m.c.id == message_id).values(
                    outcome="unknown", err_msg=reason, answered_at=now))
                if records:
                    conn.execute(update(t).where(t.c.id.in_(records)).values(
                        state=s.UNKNOWN, reason=reason, updated_at=now))
                    conn.execute(insert(mr), [{"message_id": message_id, "record_id": rid, "row_index": n,
                                               "outcome": s.UNKNOWN, "err_msg": reason}
                                              for n, rid in enumerate(records)])
                conn.execute(insert(s.delivery_event).values(
                    message_id=message_id, from_state="in_flight", to_state="unknown", msgid=msgid, reason=reason,
                    actor=run.who, at=now))
        return len(stuck)

    def requeue(self, ids: Sequence[int], actor: str, reason: str) -> list[int]:
        """An operator sends rejected/quarantined records back to ``pending``; the next run of their window
        re-sends them. Returns the ids that changed state."""
        t = s.delivery_record
        run = RunContext(run_id=f"manual:{actor}", actor=actor)
        with self.engine.begin() as conn:
            rows = conn.execute(select(t.c.id, t.c.state).where(t.c.id.in_(list(ids)))).all()
            # unknown/sent records are resolved by the next run (corrected, then uploaded), never simply re-sent
            targets = [(r.id, r.state) for r in rows if r.state in (s.REJECTED, s.QUARANTINED)]
            if not targets:
                return []
            conn.execute(update(t).where(t.c.id.in_([i for i, _ in targets])).values(
                state=s.PENDING, reason=f"re-queued: {reason}", updated_at=self.clock()))
            self._record_events(conn, [(i, st, s.PENDING, f"re-queued by {actor}: {reason}") for i, st in targets],
                                run, None)
        return [i for i, _ in targets]

    # -- leases --------------------------------------------------------------------------------------------
    @contextmanager
    def lease(self, scope: str, holder: str, wait_s: float = 300) -> Iterator[None]:
        """Hold ``scope`` for the block, waiting up to ``wait_s``; :class:`LeaseBusy` when another run holds it.

        PostgreSQL: a session advisory lock on a connection kept for the block, so a killed holder's lock dies
        with its connection at once. Elsewhere (SQLite, the demo): a row in ``feed_lease`` with an expiry.
        """
        deadline = time.monotonic() + wait_s
        if self._pg:
            key = _lock_key(scope)
            conn = self.engine.connect()
            try:
                while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                    conn.rollback()
                    if time.monotonic() >= deadline:
                        raise LeaseBusy(f"another run holds {scope}; this run will be retried")
                    time.sleep(min(1.0, max(0.05, wait_s / 10)))
                conn.commit()
                yield
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
                except DBAPIError:  # the connection died: the lock died with it; keep the block's own error
                    log.warning("lease %s: connection lost before unlock (the lock went with it)", scope)
                finally:
                    conn.close()
            return
        while not self.acquire_lease(scope, holder):
            if time.monotonic() >= deadline:
                raise LeaseBusy(f"another run holds {scope}; this run will be retried")
            time.sleep(min(1.0, max(0.05, wait_s / 10)))
        try:
            yield
        finally:
            self.release_lease(scope, holder)

    def acquire_lease(self, scope: str, holder: str, ttl_s: float = 600) -> bool:
        """The table lease (SQLite): take or renew it unless another holder has an unexpired one."""
        t = s.feed_lease
        now = time.time()
        try:
            with self.engine.begin() as conn:
                row = conn.execute(select(t.c.holder, t.c.expires_at).where(t.c.scope == scope)).first()
                if row is None:
                    conn.execute(insert(t).values(scope=scope, holder=holder, expires_at=now + ttl_s))
                    return True
                if row.holder != holder and row.expires_at > now:
                    return False
                # compare-and-set on what we read, so two takers of an expired lease cannot both win
                done = conn.execute(update(t).where(t.c.scope == scope, t.c.holder == row.holder,
                                                    t.c.expires_at == row.expires_at)
                                    .values(holder=holder, expires_at=now + ttl_s)).rowcount
                return done == 1
        except IntegrityError:
            return False

    def release_lease(self, scope: str, holder: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(s.feed_lease).where(s.feed_lease.c.scope == scope, s.feed_lease.c.holder == holder))

    # -- sequences and the journal -------------------------------------------------------------------------
    def next_value(self, name: str, count: int = 1) -> int:
        """Advance counter ``name`` by ``count`` atomically and return its new value (the last one taken)."""
        c = s.sequence_counter
        stmt = self._insert(c).values(name=name, value=count)
        stmt = stmt.on_conflict_do_update(index_elements=[c.c.name], set_={"value": c.c.value + count})
        joined = getattr(self._local, "tx", None)  # inside begin_message: join its transaction
        if joined is not None:
            return int(joined.execute(stmt.returning(c.c.value)).scalar_one())
        with self.engine.begin() as conn:
            if self._pg:
                # Concurrent callers take the same counter (one per second): its row lock must not be held while
                # the disk syncs. A value lost in a crash was never used durably — whatever carries it (a message,
                # a journal entry) commits synchronously afterwards, which flushes this commit with it.
                conn.execute(text("SET LOCAL synchronous_commit = off"))
            return int(conn.execute(stmt.returning(c.c.value)).scalar_one())

    def drop_counters(self, prefix: str, below: str) -> None:
        """Forget counters ``prefix…`` whose names sort below ``below`` (e.g. per-second counters of past days)."""
        c = s.sequence_counter
        with self.engine.begin() as conn:
            conn.execute(delete(c).where(c.c.name.like(f"{prefix}%"), c.c.name < below))

    def journal(self, entry: JournalEntry) -> int:
        with self._single() as conn:  # statement and parameters apart: the compiled statement is reused
            return int(conn.execute(_JOURNAL_INSERT, _journal_values(entry)).inserted_primary_key[0])

    def journal_many(self, entries: Sequence[JournalEntry]) -> None:
        """Write ``entries`` in one statement (a served API's batch: see ``journal_writer.py``)."""
        if entries:
            with self._single() as conn:
                conn.execute(_JOURNAL_INSERT, [_journal_values(e) for e in entries])

    def journal_update(self, entry_id: int, **answer: Any) -> None:
        """Complete a journal entry written before its call left (``outcome="in_flight"``) with the answer."""
        with self._single() as conn:
            conn.execute(_JOURNAL_UPDATE, {"entry_id": entry_id, **answer})

    def journal_in_flight(self, platform: str, started_before: datetime | None = None) -> list[dict]:
        """Calls of ``platform`` written as leaving whose answer was never recorded (a process died), started
        before ``started_before`` if given: oldest first."""
        j = s.call_journal
        q = select(j).where(j.c.platform == platform, j.c.outcome == "in_flight").order_by(j.c.id)
        if started_before is not None:
            q = q.where(j.c.started_at < _aware(started_before).astimezone(UTC))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- callers of served APIs ----------------------------------------------------------------------------
    def add_token(self, service: str, caller: str, token_hash: str, actor: str, note: str | None = None) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(insert(s.api_token).values(
                service=service, caller=caller, token_hash=token_hash, created_at=self.clock(), created_by=actor,
                note=note)).inserted_primary_key[0])

    def tokens(self, service: str) -> list[dict]:
        """The callers of ``service`` (hashes are not returned)."""
        t = s.api_token
        cols = (t.c.id, t.c.caller, t.c.created_at, t.c.created_by, t.c.revoked_at, t.c.note)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(*cols).where(t.c.service == service)
                                                           .order_by(t.c.id))]

    def revoke_token(self, service: str, token_id: int) -> bool:
        t = s.api_token
        with self.engine.begin() as conn:
            return conn.execute(update(t).where(t.c.service == service, t.c.id == token_id, t.c.revoked_at.is_(None))
                                .values(revoked_at=self.clock())).rowcount == 1

    def token_caller(self, service: str, token_hash: str) -> str | None:
        """Who holds the live token with this hash, or ``None``."""
        t = s.api_token
        with self.engine.connect() as conn:
            return conn.execute(select(t.c.caller).where(t.c.service == service, t.c.token_hash == token_hash,
                                                         t.c.revoked_at.is_(None))).scalar()

    def journal_entries(self, platform: str | None = None, business_ref: str | None = None,
                        limit: int = 200) -> list[dict]:
        j = s.call_journal
        return self._rows(j, j.c.id.desc(), limit, platform=platform, business_ref=business_ref)

    # -- served APIs: nonces and the health of the feeds behind them ------------------------------------------
    NONCE_PURGE_EVERY_S = 60.0

    def remember_nonce(self, service: str, app_id: str, nonce: str, window_s: float) -> bool:
        """Remember ``nonce`` of ``app_id``'s signed call to ``service``: ``True`` when it is new, ``False`` when it
        is a replay (seen within ``window_s``). One ``INSERT … ON CONFLICT DO NOTHING``: the primary key decides,
        across every process; rows older than ``window_s`` are purged, by each process at most once a minute."""
        now = _aware(self.clock()).astimezone(UTC)
        self._purge_nonces(service, now, window_s)
        with self._single() as conn:
            return conn.execute(_nonce_insert(self._pg), {"service": service, "app_id": app_id, "nonce": nonce,
                                                          "seen_at": now}).first() is not None

    def _purge_nonces(self, service: str, now: datetime, window_s: float) -> None:
        due = time.monotonic()
        with self._nonce_lock:
            last = self._nonces_purged.get(service)
            if last is not None and due - last < self.NONCE_PURGE_EVERY_S:
                return
            self._nonces_purged[service] = due
        t = s.api_nonce
        with self._single() as conn:
            conn.execute(delete(t).where(t.c.service == service,
                                         t.c.seen_at < now - timedelta(seconds=window_s)))

    def unsent(self, feed_prefix: str, states: Sequence[str] = (s.PENDING, s.UNKNOWN, s.QUARANTINED),
               ) -> tuple[int, datetime | None]:
        """How many records of the feeds named ``feed_prefix…`` wait in ``states``, and when the oldest of them
        was first seen (``None`` when none waits): a served API's health check reports its pushes' queue."""
        t = s.delivery_record
        q = select(func.count(), func.min(t.c.first_seen_at)).where(
            t.c.feed.startswith(feed_prefix, autoescape=True), t.c.state.in_(tuple(states)))
        with self.engine.connect() as conn:
            count, oldest = conn.execute(q).one()
        return int(count), (_aware(oldest) if oldest is not None else None)

    # -- the 检查检验互认 page's state ------------------------------------------------------------------------
    def remember_listed_reports(self, visit_id: str, patient_id: str,
                                reports: Sequence[tuple[str, str, str]]) -> None:
        """Keep the reports a page listed for ``visit_id`` — ``(report_id, item_type, summary JSON)`` — with their
        current summary; a decision already taken stays."""
        if not reports:
            return
        t = s.recognition_decision
        now = self.clock()
        rows = [{"visit_id": visit_id, "report_id": rid, "patient_id": patient_id, "item_type": kind,
                 "summary": summary, "decision": "none", "listed_at": now} for rid, kind, summary in reports]
        stmt = self._insert(t)
        stmt = stmt.on_conflict_do_update(index_elements=[t.c.visit_id, t.c.report_id], set_={
            "summary": stmt.excluded.summary, "item_type": stmt.excluded.item_type,
            "listed_at": stmt.excluded.listed_at})
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)

    def recognition_decisions(self, visit_id: str, report_ids: Sequence[str] | None = None) -> dict[str, dict]:
        """The page's rows of ``visit_id`` (all, or those of ``report_ids``) by report id."""
        t = s.recognition_decision
        q = select(t).where(t.c.visit_id == visit_id)
        if report_ids is not None:
            q = q.where(t.c.report_id.in_(list(report_ids)))
        with self.engine.connect() as conn:
            return {r.report_id: dict(r._mapping) for r in conn.execute(q)}

    def update_recognition_decision(self, visit_id: str, report_id: str, **values: Any) -> bool:
        """Set columns of one listed report (decision, reason, viewed_at …); ``False`` when it was never listed."""
        t = s.recognition_decision
        with self.engine.begin() as conn:
            return conn.execute(update(t).where(t.c.visit_id == visit_id, t.c.report_id == report_id)
                                .values(**values)).rowcount == 1

    # -- internals -----------------------------------------------------------------------------------------
    def _rows(self, table, order, limit: int, **equal: str | None) -> list[dict]:
        """Rows of ``table`` whose columns equal the given values (``None``: any), in ``order``."""
        q = select(table).order_by(order).limit(limit)
        for column, value in equal.items():
            if value:
                q = q.where(table.c[column] == value)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def _insert(self, table):
        return (postgresql.insert if self._pg else sqlite.insert)(table)

    def _key_in(self, column, keys: list[str]):
        if self._pg:  # one array parameter: the same plan whatever the number of keys
            return column == func.any(bindparam("keys", keys, type_=postgresql.ARRAY(String)))
        return column.in_(keys)

    def _id_in(self, column, ids: list[int]):
        if self._pg:
            return column == func.any(bindparam("ids", ids, type_=postgresql.ARRAY(BigInteger)))
        return column.in_(ids)

    def _key_parts(self, keys: list[str]) -> list[list[str]]:
        if self._pg:
            return [keys] if keys else []
        return [keys[i : i + CHUNK] for i in range(0, len(keys), CHUNK)]

    def _states(self, conn: Connection, feed: str, keys: list[str]) -> dict[str, str]:
        t = s.delivery_record
        out: dict[str, str] = {}
        for part in self._key_parts(keys):
            for key, state in conn.execute(select(t.c.business_key, t.c.state).where(
                    t.c.feed == feed, self._key_in(t.c.business_key, part))):
                out[key] = state
        return out

    def _upsert(self, conn: Connection, feed: str, platform: str, items: Sequence[LedgerItem], state: str,
                run: RunContext, *, msgid: str | None, operation: str | None) -> dict[str, int]:
        """Insert or update ``items`` in one statement; ``operation`` set means "sent in a message"."""
        if self._pg:
            return self._upsert_arrays(conn, feed, platform, items, state, run, msgid=msgid, operation=operation)
        t = s.delivery_record
        now = self.clock()
        sending = operation is not None
        rows = [{"feed": feed, "business_key": i.business_key, "platform": platform, "state": state,
                 "content_hash": i.content_hash, "source_hash": i.source_hash, "correction_key": i.correction_key,
                 "payload": i.payload,
                 "reason": i.reason, "attempts": 1 if sending else 0, "last_msgid": msgid,
                 "last_operation": operation, "window_start": run.window_start, "window_end": run.window_end,
                 "run_id": run.run_id, "first_seen_at": now, "updated_at": now}
                for i in items]
        stmt = self._insert(t)
        changes = {c: stmt.excluded[c] for c in ("state", "content_hash", "correction_key", "payload", "reason",
                                                 "run_id", "updated_at")}
        # a record re-sent from the ledger brings no source hash: keep the one its extraction stored
        changes["source_hash"] = func.coalesce(stmt.excluded.source_hash, t.c.source_hash)
        if sending:
            changes |= {"attempts": t.c.attempts + 1, "last_msgid": stmt.excluded.last_msgid,
                        "last_operation": stmt.excluded.last_operation}
        elif msgid is not None:
            changes["last_msgid"] = stmt.excluded.last_msgid
        if run.window_start is not None:
            changes |= {"window_start": stmt.excluded.window_start, "window_end": stmt.excluded.window_end}
        stmt = stmt.on_conflict_do_update(index_elements=[t.c.feed, t.c.business_key], set_=changes)
        ids: dict[str, int] = {}
        for part in _parts(rows):
            for key, rid in conn.execute(stmt.returning(t.c.business_key, t.c.id), part):  # matched by key
                ids[key] = rid
        return ids

    def _upsert_arrays(self, conn: Connection, feed: str, platform: str, items: Sequence[LedgerItem], state: str,
                       run: RunContext, *, msgid: str | None, operation: str | None) -> dict[str, int]:
        sql, params = self._upsert_arrays_sql(feed, platform, items, state, run, msgid=msgid, operation=operation)
        return {key: rid for key, rid in conn.execute(text(sql), params)}

    def _upsert_arrays_sql(self, feed: str, platform: str, items: Sequence[LedgerItem], state: str, run: RunContext,
                           *, msgid: str | None, operation: str | None) -> tuple[str, dict[str, Any]]:
        """PostgreSQL: the upsert with the batch as one JSON parameter (``json_to_recordset``): a batch of any
        size is one short statement; a multi-row VALUES list, or text arrays of JSON payloads, cost more to build
        and parse than to execute. The payload travels as JSON (``json`` keeps its text verbatim)."""
        sending = operation is not None
        changes = ["state", "content_hash", "correction_key", "payload", "reason", "run_id", "updated_at"]
        if sending:
            changes += ["last_msgid", "last_operation"]
        elif msgid is not None:
            changes.append("last_msgid")
        if run.window_start is not None:
            changes += ["window_start", "window_end"]
        assignments = [f"{c} = excluded.{c}" for c in changes]
        # a record re-sent from the ledger brings no source hash: keep the one its extraction stored
        assignments.append("source_hash = COALESCE(excluded.source_hash, delivery_record.source_hash)")
        if sending:
            assignments.append("attempts = delivery_record.attempts + 1")
        sql = f"""
            INSERT INTO delivery_record (feed, business_key, platform, state, content_hash, source_hash,
                correction_key, payload, reason, attempts, last_msgid, last_operation, window_start, window_end,
                run_id, first_seen_at, updated_at)
            SELECT :feed, u.k, :platform, :state, u.h, u.s, u.ck, u.p::text, u.r, :attempts, :msgid, :operation,
                   CAST(:ws AS timestamp), CAST(:we AS timestamp), :run_id, :now, :now
            FROM json_to_recordset(CAST(:rows AS json)) AS u(k text, h text, s text, ck text, p json, r text)
            ON CONFLICT (feed, business_key) DO UPDATE SET {", ".join(assignments)}
            RETURNING business_key, id"""
        return sql, {
            "feed": feed, "platform": platform, "state": state, "attempts": 1 if sending else 0, "msgid": msgid,
            "operation": operation, "ws": run.window_start, "we": run.window_end, "run_id": run.run_id,
            "now": self.clock(), "rows": orjson.dumps([
                {"k": i.business_key, "h": i.content_hash, "s": i.source_hash, "ck": i.correction_key,
                 "p": orjson.Fragment(i.payload), "r": i.reason} for i in items]).decode()}

    def _record_events(self, conn: Connection, changes: Sequence[tuple[int, str | None, str, str | None]],
                       run: RunContext, msgid: str | None) -> None:
        now = self.clock()
        for part in _parts(list(changes)):
            conn.execute(insert(s.delivery_event), [
                {"record_id": rid, "from_state": before, "to_state": after, "reason": reason, "msgid": msgid,
                 "actor": run.who, "at": now}
                for rid, before, after, reason in part])


_JOURNAL_INSERT = insert(s.call_journal)


@cache
def _nonce_insert(pg: bool):
    """``INSERT … ON CONFLICT DO NOTHING RETURNING nonce`` with its values as parameters: built once (at up to
    hundreds of calls a second, building and compiling the statement per call cost more than running it).
    RETURNING says whether a row went in (rowcount is not reported for an INSERT by every driver)."""
    t = s.api_nonce
    stmt = (postgresql.insert if pg else sqlite.insert)(t).values(
        service=bindparam("service"), app_id=bindparam("app_id"), nonce=bindparam("nonce"),
        seen_at=bindparam("seen_at"))
    return stmt.on_conflict_do_nothing(index_elements=[t.c.service, t.c.app_id, t.c.nonce]).returning(t.c.nonce)


def _journal_values(entry: JournalEntry) -> dict[str, Any]:
    values = dict(entry.__dict__)
    # stored as UTC: SQLite keeps a zone-aware time's wall clock without its offset
    values["started_at"] = _aware(entry.started_at).astimezone(UTC)
    return values
_JOURNAL_UPDATE = update(s.call_journal).where(s.call_journal.c.id == bindparam("entry_id"))


class LeaseBusy(RuntimeError):
    """Another run holds the scope."""


def _lock_key(scope: str) -> int:
    return int.from_bytes(hashlib.sha256(f"hisbridge:{scope}".encode()).digest()[:8], "big", signed=True)


#: the advisory lock of whoever folds delivery_state_count (one folder at a time; the others skip)
_STATE_COUNT_LOCK = _lock_key("delivery_state_count")


def _parts(rows: list, size: int = 1000) -> list[list]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _message_reason(result: MessageResult, rows: int) -> str:
    counts: dict[str, int] = defaultdict(int)
    for state in result.row_states:
        counts[state] += 1
    detail = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    words = f": {result.err_msg}" if result.err_msg else ""
    return f"{rows} record(s){' — ' + detail if detail else ''}{words}"


def _record_cols():
    t = s.delivery_record
    return (t.c.id, t.c.feed, t.c.business_key, t.c.state, t.c.content_hash, t.c.correction_key, t.c.payload,
            t.c.reason, t.c.attempts, t.c.last_msgid)
