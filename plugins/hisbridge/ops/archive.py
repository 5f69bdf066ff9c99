"""Retention of old message bodies: archived, never lost, so the ledger stays fast after years of messages.

Every message keeps its full request and answer (design.md, invariant 5): in ``delivery_message`` (``request``,
``request_headers``, ``response``) and ``call_journal`` (``request``, ``response``). After years those bodies are
most of the ledger's bytes. A body older than the retention (default 180 days) moves, zlib-compressed as JSON of
the columns it came from, into ``message_body_archive`` in the same database; the metadata row stays where it was
(msgid, outcome, codes, times, links to records — everything the pages and counts read), its body columns set to
NULL and ``body_archive_id`` pointing at the archive row. Both happen in one transaction per batch, so a reader
sees a body in exactly one place. A body is read from either place with :func:`body_of` (one message) or
:func:`with_bodies` (the rows a page already has); the record page calls the latter.

Why a table in the same database rather than files or another database: the backup (``ops/backup.py``) takes
both in one consistent dump, a body is one indexed read away, and nothing new must be operated. Small bodies
(under PostgreSQL's ~2 kB TOAST threshold) sit uncompressed in the hot table's pages; archived, they take a
fraction of that and leave the hot tables' pages to the metadata the look-ups read.

Only settled messages are archived: an outcome still open (``in_flight``, ``unknown``, ``pending`` …, see
:data:`OPEN_OUTCOMES`) may need its body to be resolved, reversed or re-sent, and stays. Which rows are old is
decided from the run's data interval (``cutoff``), never from "now", so a re-run archives exactly the same rows.

Commands (``--url`` a SQLAlchemy URL, or ``--conn-id``, default ``hisbridge_db``)::

    python -m hisbridge.ops.archive run [--after-days 180] [--dry-run]   archive bodies older than that
    python -m hisbridge.ops.archive stats                                 rows and bytes archived / still hot
    python -m hisbridge.ops.archive show --msgid M | --journal-id N       one message's bodies (masked)
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, Table, bindparam, func, insert, or_, select, update

from hisbridge.ledger import schema as s

log = logging.getLogger("hisbridge.ops.archive")

DEFAULT_AFTER_DAYS = 180
DEFAULT_BATCH = 2000
#: outcomes whose body may still be needed to resolve, reverse or re-send the message: never archived
OPEN_OUTCOMES = ("in_flight", "pending", "sent", "unknown", "not_sent", "busy", "misconfigured")


@dataclass(frozen=True)
class Source:
    """A table whose bodies are archived: its time column and its body columns, in order."""

    table: Table
    time: str
    bodies: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.table.name


SOURCES: dict[str, Source] = {
    "delivery_message": Source(s.delivery_message, "sent_at", ("request", "request_headers", "response")),
    "call_journal": Source(s.call_journal, "started_at", ("request", "response")),
}


@dataclass(frozen=True)
class Body:
    """A message's bodies, wherever they are; ``archived_at`` is None while they are still in the hot row."""

    request: str | None
    response: str | None
    request_headers: str | None = None
    archived_at: datetime | None = None


@dataclass
class Archived:
    """What one archive run did to one source table."""

    rows: int = 0
    bytes_before: int = 0  # the bodies' JSON, uncompressed
    bytes_after: int = 0  # compressed, as stored
    batches: list[int] = field(default_factory=list)


class ArchiveIntegrityError(RuntimeError):
    """An archived body does not match the checksum taken when it was archived."""


def cutoff(moment: datetime, after_days: int = DEFAULT_AFTER_DAYS) -> datetime:
    """Bodies of messages before this are archived: ``after_days`` before ``moment`` (a run's data interval end)."""
    if after_days < 1:
        raise ValueError(f"after_days must be at least 1, not {after_days}")
    if moment.tzinfo is None:
        raise ValueError("the moment needs a time zone")
    return moment.astimezone(UTC) - timedelta(days=after_days)


def pack(values: Mapping[str, str | None]) -> tuple[bytes, int, str]:
    """(zlib-compressed JSON, its uncompressed size, the JSON's sha256) of a row's body columns."""
    raw = orjson.dumps(dict(values))
    return zlib.compress(raw, 6), len(raw), hashlib.sha256(raw).hexdigest()


def unpack(blob: bytes, sha256: str) -> dict[str, str | None]:
    raw = zlib.decompress(blob)
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise ArchiveIntegrityError(f"archived body fails its checksum (sha256 {sha256[:12]}…)")
    return orjson.loads(raw)


def archive_bodies(engine: Engine, before: datetime, *, actor: str, batch: int = DEFAULT_BATCH,
                   sources: Iterable[str] = tuple(SOURCES), dry_run: bool = False,
                   clock=lambda: datetime.now(UTC)) -> dict[str, Archived]:
    """Move the bodies of settled messages older than ``before`` into the archive, ``batch`` rows per
    transaction (short transactions: the feeds keep writing meanwhile). ``dry_run`` counts what would move."""
    before = before.astimezone(UTC)
    out: dict[str, Archived] = {}
    for name in sources:
        src = SOURCES[name]
        done = out[name] = Archived()
        if dry_run:
            with engine.connect() as conn:
                done.rows = conn.execute(select(func.count()).where(*_archivable(src, before))).scalar_one()
            continue
        while True:
            moved = _archive_batch(engine, src, before, actor, batch, clock(), done)
            if not moved:
                break
            done.batches.append(moved)
        if done.rows:
            log.info("archived the bodies of %d %s rows before %s: %d → %d bytes", done.rows, name,
                     f"{before:%Y-%m-%d %H:%M} UTC", done.bytes_before, done.bytes_after)
    return out


def _archivable(src: Source, before: datetime) -> list:
    t = src.table
    return [t.c.body_archive_id.is_(None), t.c[src.time] < before, t.c.outcome.not_in(OPEN_OUTCOMES),
            or_(*(t.c[c].is_not(None) for c in src.bodies))]


def _archive_batch(engine: Engine, src: Source, before: datetime, actor: str, batch: int, now: datetime,
                   done: Archived) -> int:
    t, a = src.table, s.message_body_archive
    with engine.begin() as conn:
        # SKIP LOCKED: a row a feed is updating right now is left for the next run (ignored on SQLite)
        rows = conn.execute(select(t.c.id, t.c[src.time], *(t.c[c] for c in src.bodies))
                            .where(*_archivable(src, before)).order_by(t.c[src.time]).limit(batch)
                            .with_for_update(skip_locked=True)).all()
        if not rows:
            return 0
        values = []
        for row in rows:
            blob, size, digest = pack({c: row._mapping[c] for c in src.bodies})
            values.append({"source": src.name, "source_id": row.id, "body": blob, "body_bytes": size,
                           "body_sha256": digest, "sent_at": row._mapping[src.time], "archived_at": now,
                           "archived_by": actor})
            done.bytes_before += size
            done.bytes_after += len(blob)
        ids = {sid: aid for aid, sid in conn.execute(
            insert(a).returning(a.c.id, a.c.source_id, sort_by_parameter_order=True), values)}
        conn.execute(update(t).where(t.c.id == bindparam("sid"))
                     .values(body_archive_id=bindparam("aid"), **dict.fromkeys(src.bodies)),
                     [{"sid": sid, "aid": aid} for sid, aid in ids.items()])
        done.rows += len(rows)
        return len(rows)


# -- reading a body from either place ---------------------------------------------------------------------------
def body_of(engine: Engine, source: str, key: int | str) -> Body | None:
    """The bodies of one message of ``source`` (``delivery_message`` or ``call_journal``), by row id, or by
    msgid for ``delivery_message`` (unique there); None when there is no such row."""
    src = SOURCES[source]
    t, a = src.table, s.message_body_archive
    where = t.c.msgid == key if isinstance(key, str) else t.c.id == key
    q = (select(*(t.c[c] for c in src.bodies), a.c.body, a.c.body_sha256, a.c.archived_at)
         .select_from(t.outerjoin(a, a.c.id == t.c.body_archive_id)).where(where))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None:
        return None
    m = row._mapping
    if m["body"] is None:
        return Body(request=m["request"], response=m["response"], request_headers=m.get("request_headers"))
    values = unpack(m["body"], m["body_sha256"])
    return Body(request=values.get("request"), response=values.get("response"),
                request_headers=values.get("request_headers"), archived_at=m["archived_at"])


def with_bodies(engine: Engine, source: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` of ``source`` (dicts with ``id``, or ``msgid`` for ``delivery_message``, as
    ``Ledger.messages_for`` returns them) with their archived bodies filled in, in one query; rows whose bodies
    are still in place are returned as they are. An archived row gets ``body_archived_at``."""
    src = SOURCES[source]
    t, a = src.table, s.message_body_archive
    out = [dict(r) for r in rows]
    if not out:
        return out
    by_id = "id" in out[0]
    col = t.c.id if by_id else t.c.msgid
    keys = [r["id" if by_id else "msgid"] for r in out if all(r.get(c) is None for c in src.bodies if c in r)]
    if not keys:
        return out
    found: dict[Any, tuple[dict, datetime]] = {}
    with engine.connect() as conn:
        for key, blob, digest, at in conn.execute(
                select(col, a.c.body, a.c.body_sha256, a.c.archived_at)
                .join(a, a.c.id == t.c.body_archive_id).where(col.in_(keys))):
            found[key] = (unpack(blob, digest), at)
    for r in out:
        hit = found.get(r["id" if by_id else "msgid"])
        if hit:
            r.update({c: hit[0].get(c) for c in src.bodies if c in r})
            r["body_archived_at"] = hit[1]
    return out


def stats(engine: Engine) -> dict[str, dict[str, int]]:
    """Per source: rows archived and their bytes (uncompressed / stored), rows whose bodies are still hot."""
    a = s.message_body_archive
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for name, src in SOURCES.items():
            n, raw, stored = conn.execute(select(func.count(), func.coalesce(func.sum(a.c.body_bytes), 0),
                                                 func.coalesce(func.sum(func.length(a.c.body)), 0))
                                          .where(a.c.source == name)).one()
            hot = conn.execute(select(func.count()).select_from(src.table)
                               .where(src.table.c.body_archive_id.is_(None))).scalar_one()
            out[name] = {"archived": n, "archived_bytes": int(raw), "stored_bytes": int(stored), "hot": hot}
    return out


# -- command line -----------------------------------------------------------------------------------------------
def _engine(args: argparse.Namespace) -> Engine:
    from hisbridge.db import command_engine
    from hisbridge.ledger.store import Ledger

    engine = command_engine(args.url, args.conn_id)
    Ledger(engine).ensure_schema()
    return engine


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n / 2**10:,.1f} KiB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hisbridge.ops.archive", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="SQLAlchemy URL of the ledger database (bypasses Airflow connections)")
    p.add_argument("--conn-id", default="hisbridge_db")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="archive the bodies of settled messages older than --after-days")
    r.add_argument("--after-days", type=int, default=DEFAULT_AFTER_DAYS)
    r.add_argument("--batch", type=int, default=DEFAULT_BATCH)
    r.add_argument("--by", default="ops-cli", help="who archives (kept on each archive row)")
    r.add_argument("--dry-run", action="store_true", help="count only")
    sub.add_parser("stats", help="rows and bytes archived and still in the hot tables")
    w = sub.add_parser("show", help="one message's bodies, from wherever they are (masked)")
    g = w.add_mutually_exclusive_group(required=True)
    g.add_argument("--msgid", help="a delivery_message msgid")
    g.add_argument("--journal-id", type=int, help="a call_journal id")
    args = p.parse_args(argv)
    engine = _engine(args)
    if args.command == "run":
        before = cutoff(datetime.now(UTC), args.after_days)
        done = archive_bodies(engine, before, actor=args.by, batch=args.batch, dry_run=args.dry_run)
        for name, d in done.items():
            if args.dry_run:
                print(f"{name}: {d.rows} row(s) before {before:%Y-%m-%d %H:%M} UTC would be archived")
            else:
                print(f"{name}: archived {d.rows} row(s) before {before:%Y-%m-%d %H:%M} UTC, "
                      f"{_mb(d.bytes_before)} → {_mb(d.bytes_after)}")
        return 0
    if args.command == "stats":
        for name, st in stats(engine).items():
            print(f"{name:18s} archived {st['archived']:>10,d} rows ({_mb(st['archived_bytes'])} as "
                  f"{_mb(st['stored_bytes'])})   bodies in place {st['hot']:>10,d} rows")
        return 0
    from hisbridge.logging import mask_text

    body = (body_of(engine, "delivery_message", args.msgid) if args.msgid
            else body_of(engine, "call_journal", args.journal_id))
    if body is None:
        print("no such message", file=sys.stderr)
        return 1
    where = f"archived {body.archived_at}" if body.archived_at else "in place"
    print(f"bodies {where}\n-- request\n{mask_text(body.request or '')}\n-- response\n{mask_text(body.response or '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
