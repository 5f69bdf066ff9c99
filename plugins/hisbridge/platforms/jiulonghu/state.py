"""The dictionary sync's memory in the ledger (``dict_sync_state``, ``dict_sync_run``, ``dict_sync_conflict``).

Written after the campus's transaction committed: if the ledger write fails, the next run finds the campus rows
already equal to the main campus's and adopts them (``unchanged``, the state written then) — nothing is written
twice and no conflict is invented. Only rows whose state moved are written (executemany batches); a re-run of an
unchanged dictionary writes only its run row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hisbridge.ledger import schema as s
from hisbridge.ledger.store import dumps, loads
from hisbridge.platforms.jiulonghu.plan import OVERRULED, Action, Prior, Step

OPEN, RESOLVED = "open", "resolved"
KEEP_MAIN, KEEP_CAMPUS, SETTLED = "keep_main", "keep_campus", "settled"
BATCH = 1000


def utcnow() -> datetime:
    return datetime.now(UTC)


def priors(conn: Connection, dictionary: str) -> dict[str, Prior]:
    t = s.dict_sync_state.c
    rows = conn.execute(select(t.business_key, t.campus_key, t.source_hash, t.campus_hash)
                        .where(t.dictionary == dictionary))
    return {r.business_key: Prior(r.campus_key, r.source_hash, r.campus_hash) for r in rows}


def _upsert_states(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    t = s.dict_sync_state
    name = conn.dialect.name
    if name in ("postgresql", "sqlite"):
        ins = (postgresql.insert(t) if name == "postgresql" else sqlite.insert(t))
        stmt = ins.on_conflict_do_update(
            index_elements=[t.c.dictionary, t.c.business_key],
            set_={c: ins.excluded[c] for c in ("campus_key", "source_hash", "campus_hash", "action", "run_id",
                                              "synced_at")})
        for i in range(0, len(rows), BATCH):
            conn.execute(stmt, rows[i:i + BATCH])
        return
    keys = [{"d": r["dictionary"], "k": r["business_key"]} for r in rows]  # other databases: replace
    conn.execute(delete(t).where(t.c.dictionary == bindparam("d"), t.c.business_key == bindparam("k")), keys)
    conn.execute(insert(t), list(rows))


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    dictionary: str
    counts: dict[str, int]
    report: dict[str, Any]
    actor: str
    started_at: datetime
    finished_at: datetime


def record_run(engine: Engine, steps: Iterable[Step], run: RunRecord, conflicts: Sequence[Step]) -> int:
    """Write the states that moved, the conflicts (new or changed), settle the open conflicts that are no longer
    conflicts, and the run row — one transaction. Returns the ledger rows written besides the run row."""
    now = run.finished_at
    states = [{"dictionary": run.dictionary, "business_key": st.key, "campus_key": st.campus_key,
               "source_hash": st.source_hash, "campus_hash": st.campus_hash,
               "action": st.action.value if st.action is not Action.UNCHANGED else "adopt",
               "run_id": run.run_id, "synced_at": now} for st in steps if st.record]
    written = len(states)
    c = s.dict_sync_conflict.c
    with engine.begin() as conn:
        _upsert_states(conn, states)
        open_rows = {r.business_key: r for r in conn.execute(
            select(c.id, c.business_key, c.source_hash, c.campus_hash)
            .where(c.dictionary == run.dictionary, c.status == OPEN))}
        new, moved = [], []
        for st in conflicts:
            known = open_rows.pop(st.key, None)
            version = {"source_hash": st.source_hash, "campus_hash": _hash_of(st),
                       "source_version": dumps(st.wanted) if st.wanted is not None else None,
                       "campus_version": dumps(st.current), "last_seen_at": now,
                       "run_id": run.run_id}
            if known is None:
                new.append({"dictionary": run.dictionary, "business_key": st.key, "campus_key": st.campus_key,
                            "status": OPEN, "detected_at": now, **version})
            elif (known.source_hash, known.campus_hash) != (version["source_hash"], version["campus_hash"]):
                moved.append({"b_id": known.id, **{f"v_{k}": v for k, v in version.items()}})
        if new:
            conn.execute(insert(s.dict_sync_conflict), new)
        if moved:
            conn.execute(update(s.dict_sync_conflict).where(c.id == bindparam("b_id")).values(
                {k[2:]: bindparam(k) for k in moved[0] if k != "b_id"}), moved)
        if open_rows:  # open conflicts that this run no longer finds: both sides agree again, or the row left
            conn.execute(update(s.dict_sync_conflict).where(c.id.in_([r.id for r in open_rows.values()])).values(
                status=RESOLVED, resolution=SETTLED, resolved_by=run.actor, resolved_at=now,
                note="同步时两边已一致或该行已不再同步"))
        written += len(new) + len(moved) + len(open_rows)
        conn.execute(insert(s.dict_sync_run).values(
            run_id=run.run_id, dictionary=run.dictionary, actor=run.actor, report=dumps(run.report),
            started_at=run.started_at, finished_at=run.finished_at,
            **{k: run.counts.get(k, 0) for k in ("selected", "inserted", "updated", "deactivated", "unchanged",
                                                 "conflicts", "quarantined")}))
    return written


def _hash_of(step: Step) -> str:
    assert step.campus_hash is not None  # a conflict always has a campus row
    return step.campus_hash


def open_conflicts(engine: Engine, dictionary: str | None = None) -> list[dict[str, Any]]:
    c = s.dict_sync_conflict.c
    q = select(s.dict_sync_conflict).where(c.status == OPEN).order_by(c.dictionary, c.business_key)
    if dictionary:
        q = q.where(c.dictionary == dictionary)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    for r in rows:
        r["source_version"], r["campus_version"] = loads(r["source_version"]), loads(r["campus_version"])
    return rows


def resolve(engine: Engine, conflict_id: int, keep: str, *, by: str, note: str | None = None,
            clock=utcnow) -> dict[str, Any]:
    """Decide an open conflict. ``keep_main``: the next sync writes the main campus's version over the campus's
    (the ledger takes the campus's current row as ours). ``keep_campus``: the campus's version stays until the main
    campus changes the row again (the ledger takes both current versions as settled)."""
    if keep not in (KEEP_MAIN, KEEP_CAMPUS):
        raise ValueError(f"keep must be {KEEP_MAIN} or {KEEP_CAMPUS}, not {keep!r}")
    c, t = s.dict_sync_conflict.c, s.dict_sync_state
    now = clock()
    with engine.begin() as conn:
        row = conn.execute(select(s.dict_sync_conflict).where(c.id == conflict_id)).mappings().first()
        if row is None or row["status"] != OPEN:
            raise ValueError(f"no open conflict {conflict_id}")
        state = {"campus_key": row["campus_key"], "campus_hash": row["campus_hash"],
                 "source_hash": OVERRULED if keep == KEEP_MAIN else row["source_hash"],
                 "action": "kept" if keep == KEEP_CAMPUS else "overruled", "run_id": f"resolve:{conflict_id}",
                 "synced_at": now}
        where = and_(t.c.dictionary == row["dictionary"], t.c.business_key == row["business_key"])
        if conn.execute(update(t).where(where).values(state)).rowcount == 0:
            conn.execute(insert(t).values(dictionary=row["dictionary"], business_key=row["business_key"], **state))
        conn.execute(update(s.dict_sync_conflict).where(c.id == conflict_id).values(
            status=RESOLVED, resolution=keep, resolved_by=by, resolved_at=now, note=note))
    return dict(row)
