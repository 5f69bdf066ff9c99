"""Reading and writing the delivery ledger.

The ledger is written *before* a message leaves (records go to ``sent`` with the msgid) and again when the
answer is in, so a crash between the two leaves ``sent`` records that the next run treats as unknown: nothing
is silently lost and nothing is blindly re-sent. Every state change also writes a ``delivery_event`` row with
the actor (an Airflow run id or an operator's name) for auditors.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from hisbridge.ledger import schema as s

CHUNK = 500
REUPLOAD = "re-upload after withdrawal"


def utcnow() -> datetime:
    return datetime.now(UTC)


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class RunContext:
    """Who is acting and for which data window: stored on every record and event."""

    run_id: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    actor: str = "hisbridge"


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
        return json.loads(self.payload)


@dataclass(frozen=True)
class LedgerItem:
    """A record as the pipeline hands it to the ledger: key, content and (for a refusal) the reason."""

    business_key: str
    content_hash: str
    payload: dict
    correction_key: str | None = None
    reason: str | None = None


@dataclass
class MessageResult:
    """What became of one message and of each record in it (by position in the message)."""

    outcome: str  # acknowledged | partial | rejected | unknown | not_sent
    row_states: list[str]
    row_errors: list[str | None]
    infcode: int | None = None
    err_msg: str | None = None
    http_status: int | None = None
    request: dict | None = None
    request_headers: dict | None = None
    response: str | None = None
    inf_refmsgid: str | None = None
    duration_ms: int | None = None
    extra: dict = field(default_factory=dict)


class Ledger:
    def __init__(self, engine: Engine, clock=utcnow) -> None:
        self.engine = engine
        self.clock = clock

    # -- schema --------------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        s.metadata.create_all(self.engine)

    # -- reads ---------------------------------------------------------------------------------------------
    def lookup(self, feed: str, keys: Iterable[str]) -> dict[str, RecordState]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, RecordState] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(keys), CHUNK):
                part = keys[i : i + CHUNK]
                rows = conn.execute(
                    select(*_record_cols()).where(
                        s.delivery_record.c.feed == feed, s.delivery_record.c.business_key.in_(part)
                    )
                )
                for row in rows:
                    rec = RecordState(**row._mapping)
                    found[rec.business_key] = rec
        return found

    def on_platform_by_correction_key(self, feed: str, correction_key: str) -> list[RecordState]:
        """Records of ``feed`` sharing a correction key that the platform holds or may hold."""
        t = s.delivery_record
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*_record_cols())
                .where(
                    t.c.feed == feed,
                    t.c.correction_key == correction_key,
                    t.c.state.in_((s.ACKNOWLEDGED, s.UNKNOWN, s.SENT)),
                )
                .order_by(t.c.id)
            )
            return [RecordState(**r._mapping) for r in rows]

    def awaiting_reupload(self, feed: str) -> list[RecordState]:
        """Records a withdrawal removed from the platform that no run has uploaded again yet."""
        t = s.delivery_record
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_record_cols()).where(
                t.c.feed == feed, t.c.state == s.PENDING, t.c.reason.like(f"{REUPLOAD}%")).order_by(t.c.id))
            return [RecordState(**r._mapping) for r in rows]

    def records(
        self, feed: str | None = None, states: Sequence[str] | None = None, limit: int = 200
    ) -> list[RecordState]:
        t = s.delivery_record
        q = select(*_record_cols()).order_by(t.c.feed, t.c.id).limit(limit)
        if feed:
            q = q.where(t.c.feed == feed)
        if states:
            q = q.where(t.c.state.in_(tuple(states)))
        with self.engine.connect() as conn:
            return [RecordState(**r._mapping) for r in conn.execute(q)]

    def counts(self, feed: str | None = None) -> dict[str, dict[str, int]]:
        t = s.delivery_record
        q = select(t.c.feed, t.c.state, func.count()).group_by(t.c.feed, t.c.state)
        if feed:
            q = q.where(t.c.feed == feed)
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for f, state, n in conn.execute(q):
                out.setdefault(f, {})[state] = n
        return out

    def messages_for(self, record_id: int) -> list[dict]:
        m, mr = s.delivery_message, s.delivery_message_record
        q = (
            select(m.c.msgid, m.c.infno, m.c.purpose, m.c.outcome, m.c.sent_at, m.c.actor, mr.c.outcome.label("row"),
                   mr.c.err_msg)
            .join(mr, mr.c.message_id == m.c.id)
            .where(mr.c.record_id == record_id)
            .order_by(m.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def message(self, msgid: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.delivery_message).where(s.delivery_message.c.msgid == msgid)).first()
            return dict(row._mapping) if row else None

    # -- writes --------------------------------------------------------------------------------------------
    def settle(
        self, feed: str, platform: str, items: Sequence[LedgerItem], state: str, run: RunContext, *,
        msgid: str | None = None,
    ) -> None:
        """Put ``items`` in ``state`` (quarantine, withdrawal of a never-sent record, re-queue of siblings)."""
        if not items:
            return
        with self.engine.begin() as conn:
            ids, before = self._upsert(conn, feed, platform, items, state, run, msgid=msgid, count_attempt=False)
            self._events(conn, ids, state, run, msgid, [i.reason for i in items], from_states=before)

    def begin_message(
        self, *, feed: str, platform: str, infno: str, purpose: str, msgid: str, items: Sequence[LedgerItem],
        run: RunContext, request: dict | None = None,
    ) -> int:
        """Record that ``msgid`` is about to carry ``items``; they go to ``sent`` before anything leaves."""
        now = self.clock()
        with self.engine.begin() as conn:
            message_id = conn.execute(
                insert(s.delivery_message).values(
                    msgid=msgid, feed=feed, platform=platform, infno=infno, purpose=purpose,
                    record_count=len(items), outcome="in_flight", run_id=run.run_id, actor=run.actor,
                    sent_at=now, request=dumps(request) if request is not None else None,
                )
            ).inserted_primary_key[0]
            if not items:  # a withdrawal: the records it concerns are settled by the caller from its answer
                return message_id
            ids, before = self._upsert(conn, feed, platform, items, s.SENT, run, msgid=msgid, count_attempt=True,
                                       set_infno=infno)
            conn.execute(
                insert(s.delivery_message_record),
                [{"message_id": message_id, "record_id": rid, "row_index": n, "outcome": "in_flight"}
                 for n, rid in enumerate(ids)],
            )
            self._events(conn, ids, s.SENT, run, msgid, [f"{purpose} {infno}"] * len(ids), from_states=before)
        return message_id

    def finish_message(self, message_id: int, result: MessageResult, run: RunContext) -> None:
        """Store the answer and move each record of the message to the state the answer implies."""
        now = self.clock()
        m, mr, t = s.delivery_message, s.delivery_message_record, s.delivery_record
        with self.engine.begin() as conn:
            msg = conn.execute(select(m.c.msgid, m.c.sent_at).where(m.c.id == message_id)).one()
            conn.execute(
                update(m).where(m.c.id == message_id).values(
                    outcome=result.outcome, infcode=result.infcode, err_msg=result.err_msg,
                    http_status=result.http_status,
                    request=dumps(result.request) if result.request is not None else m.c.request,
                    request_headers=dumps(result.request_headers) if result.request_headers else None,
                    response=result.response, inf_refmsgid=result.inf_refmsgid, answered_at=now,
                    duration_ms=result.duration_ms,
                    resent_as_msgid=sent if (sent := result.extra.get("msgid_sent")) != msg.msgid else None,
                )
            )
            links = conn.execute(
                select(mr.c.record_id, mr.c.row_index).where(mr.c.message_id == message_id).order_by(mr.c.row_index)
            ).all()
            rows = []
            for record_id, idx in links:
                rows.append({
                    "b_id": record_id, "b_state": result.row_states[idx], "b_reason": result.row_errors[idx],
                    "b_now": now, "b_ack": now if result.row_states[idx] == s.ACKNOWLEDGED else None,
                })
            if rows:
                conn.execute(
                    update(t).where(t.c.id == bindparam("b_id")).values(
                        state=bindparam("b_state"), reason=bindparam("b_reason"), updated_at=bindparam("b_now"),
                        acknowledged_at=func.coalesce(bindparam("b_ack", type_=t.c.acknowledged_at.type),
                                                      t.c.acknowledged_at),
                    ),
                    rows,
                )
                conn.execute(
                    update(mr).where(and_(mr.c.message_id == message_id, mr.c.record_id == bindparam("b_id")))
                    .values(outcome=bindparam("b_state"), err_msg=bindparam("b_reason")),
                    [{"b_id": r["b_id"], "b_state": r["b_state"], "b_reason": r["b_reason"]} for r in rows],
                )
                self._events(conn, [r["b_id"] for r in rows], None, run, msg.msgid,
                             [r["b_reason"] for r in rows], to_states=[r["b_state"] for r in rows],
                             from_states=[s.SENT] * len(rows))

    def requeue(self, ids: Sequence[int], actor: str, reason: str) -> list[int]:
        """An operator sends rejected/quarantined records back to ``pending``; the next run of their window
        re-sends them. Returns the ids that changed state."""
        t = s.delivery_record
        run = RunContext(run_id=f"manual:{actor}", actor=actor)
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(t.c.id, t.c.state).where(t.c.id.in_(list(ids)), t.c.state != s.PENDING)
            ).all()
            # unknown/sent records are resolved by the next run (withdraw, then upload), never simply re-sent
            targets = [r.id for r in rows if r.state in (s.REJECTED, s.QUARANTINED)]
            if not targets:
                return []
            conn.execute(update(t).where(t.c.id.in_(targets)).values(
                state=s.PENDING, reason=f"re-queued: {reason}", updated_at=self.clock()))
            self._events(conn, targets, s.PENDING, run, None, [f"re-queued by {actor}: {reason}"] * len(targets),
                         from_states=[r.state for r in rows if r.id in targets])
        return targets

    # -- leases --------------------------------------------------------------------------------------------
    def acquire_lease(self, scope: str, holder: str, ttl_s: float = 600) -> bool:
        """Take (or renew) the lease on ``scope`` unless another holder has an unexpired one."""
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
        t = s.feed_lease
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.scope == scope, t.c.holder == holder))

    # -- internals -----------------------------------------------------------------------------------------
    def _upsert(
        self, conn: Connection, feed: str, platform: str, items: Sequence[LedgerItem], state: str,
        run: RunContext, *, msgid: str | None, count_attempt: bool, set_infno: str | None = None,
    ) -> tuple[list[int], list[str | None]]:
        t = s.delivery_record
        now = self.clock()
        keys = [i.business_key for i in items]
        existing: dict[str, tuple[int, str]] = {}
        for n in range(0, len(keys), CHUNK):
            for rid, key, st in conn.execute(
                select(t.c.id, t.c.business_key, t.c.state).where(t.c.feed == feed,
                                                                  t.c.business_key.in_(keys[n : n + CHUNK]))
            ):
                existing[key] = (rid, st)
        prior = {k: v[1] for k, v in existing.items()}
        new = [i for i in items if i.business_key not in existing]
        if new:
            conn.execute(insert(t), [
                {"feed": feed, "business_key": i.business_key, "platform": platform, "state": state,
                 "content_hash": i.content_hash, "correction_key": i.correction_key, "payload": dumps(i.payload),
                 "reason": i.reason, "attempts": 1 if count_attempt else 0, "last_msgid": msgid,
                 "last_infno": set_infno, "window_start": run.window_start, "window_end": run.window_end,
                 "run_id": run.run_id, "first_seen_at": now, "updated_at": now}
                for i in new
            ])
            for n in range(0, len(new), CHUNK):
                part = [i.business_key for i in new[n : n + CHUNK]]
                for rid, key in conn.execute(
                    select(t.c.id, t.c.business_key).where(t.c.feed == feed, t.c.business_key.in_(part))
                ):
                    existing[key] = (rid, None)
        old = [i for i in items if i.business_key in prior]
        if old:
            values = {
                "state": bindparam("b_state"), "content_hash": bindparam("b_hash"),
                "correction_key": bindparam("b_ck"), "payload": bindparam("b_payload"),
                "reason": bindparam("b_reason"), "updated_at": bindparam("b_now"), "run_id": bindparam("b_run"),
            }
            if count_attempt:
                values["attempts"] = t.c.attempts + 1
                values["last_msgid"] = bindparam("b_msgid")
                values["last_infno"] = bindparam("b_infno")
            if run.window_start is not None:
                values["window_start"] = bindparam("b_ws")
                values["window_end"] = bindparam("b_we")
            conn.execute(update(t).where(t.c.id == bindparam("b_id")).values(**values), [
                {"b_id": existing[i.business_key][0], "b_state": state, "b_hash": i.content_hash,
                 "b_ck": i.correction_key, "b_payload": dumps(i.payload), "b_reason": i.reason, "b_now": now,
                 "b_run": run.run_id, "b_msgid": msgid, "b_infno": set_infno, "b_ws": run.window_start,
                 "b_we": run.window_end}
                for i in old
            ])
        return [existing[k][0] for k in keys], [prior.get(k) for k in keys]

    def _events(
        self, conn: Connection, ids: Sequence[int], to_state: str | None, run: RunContext, msgid: str | None,
        reasons: Sequence[str | None], *, to_states: Sequence[str] | None = None,
        from_states: Sequence[str | None] | None = None,
    ) -> None:
        if not ids:
            return
        now = self.clock()
        conn.execute(insert(s.delivery_event), [
            {"record_id": rid, "from_state": from_states[n] if from_states else None,
             "to_state": to_states[n] if to_states else to_state, "reason": reasons[n], "msgid": msgid,
             "actor": run.actor if run.actor != "hisbridge" else run.run_id, "at": now}
            for n, rid in enumerate(ids)
        ])


def _record_cols():
    t = s.delivery_record
    return (t.c.id, t.c.feed, t.c.business_key, t.c.state, t.c.content_hash, t.c.correction_key, t.c.payload,
            t.c.reason, t.c.attempts, t.c.last_msgid)
