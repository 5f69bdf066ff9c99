"""``python -m hisbridge ledger``: what ops need from the delivery ledger without opening a database client.

  summary   [--feed F]                                 records per feed and state
  failures  [--feed F] [--state S ...] [--limit N]     rejected / quarantined / unknown records with reasons
  show      ID                                         one record: content hash, messages, audit events
  requeue   (--id ID ... | --feed F --state S) --by NAME --reason TEXT
            send chosen records back to pending; prints the clear/backfill that re-sends them
  upgrade   [--url URL] [--revision REV]               migrate the ledger's schema (default: to head)
  current                                              the ledger's schema revision

The ledger is ``--url`` (a SQLAlchemy URL) or the Airflow connection ``--conn-id`` (default hisbridge_db).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from sqlalchemy import Engine

from hisbridge.db import command_engine
from hisbridge.ledger import migrate
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.logging import mask_text


def _ledger(args: argparse.Namespace) -> Ledger:
    ledger = Ledger(command_engine(args.url, args.conn_id))
    ledger.ensure_schema()
    return ledger


def _summary(ledger: Ledger, args: argparse.Namespace) -> int:
    counts = ledger.counts(args.feed)
    if not counts:
        print("ledger is empty")
        return 0
    states = [st for st in s.STATES if any(st in c for c in counts.values())]
    print(f"{'feed':28s}" + "".join(f"{st:>14s}" for st in states))
    for feed, c in sorted(counts.items()):
        print(f"{feed:28s}" + "".join(f"{c.get(st, 0):>14d}" for st in states))
    return 0


def _failures(ledger: Ledger, args: argparse.Namespace) -> int:
    rows = ledger.records(args.feed, args.state or s.FAILURE_STATES, limit=args.limit)
    if not rows:
        print("no failures")
        return 0
    print(f"{'id':>8s}  {'feed':26s} {'business key':24s} {'state':12s} {'tries':>5s}  {'last msgid':31s} reason")
    for r in rows:
        print(f"{r.id:>8d}  {r.feed:26s} {r.business_key:24s} {r.state:12s} {r.attempts:>5d}  "
              f"{(r.last_msgid or '-'):31s} {mask_text(r.reason or '')}")
    return 0


def _show(ledger: Ledger, args: argparse.Namespace) -> int:
    r = ledger.record(args.id)
    if r is None:
        print(f"no record {args.id}")
        return 1
    print(f"record {r['id']}  feed {r['feed']}  key {r['business_key']}  state {r['state']}  attempts {r['attempts']}")
    print(f"  window {r['window_start']} → {r['window_end']}  content {r['content_hash'][:16]}…  "
          f"correction key {r['correction_key']}")
    print(f"  reason: {mask_text(r['reason'] or '-')}")
    print("  messages:")
    for m in ledger.messages_for(args.id):
        print(f"    {m['sent_at']}  {m['msgid']}  {m['operation']:6s} {m['purpose']:8s} message {m['outcome']:12s} "
              f"row {m['row'] or '-':12s} {mask_text(m['err_msg'] or '')}")
    print("  events:")
    for e in ledger.events(args.id):
        print(f"    {e['at']}  {e['from_state'] or '-':>12s} → {e['to_state']:12s} by {e['actor']}  "
              f"{mask_text(e['reason'] or '')}")
    return 0


def _requeue(ledger: Ledger, args: argparse.Namespace) -> int:
    if args.id:
        ids = args.id
    elif args.feed and args.state:
        ids = [r.id for r in ledger.records(args.feed, args.state, limit=100_000)]
    else:
        print("requeue needs --id, or --feed with --state", file=sys.stderr)
        return 2
    done = ledger.requeue(ids, actor=args.by, reason=args.reason)
    print(f"re-queued {len(done)} record(s) (only rejected and quarantined ones; unknown ones are resolved by "
          "the next run of their window)")
    if not done:
        return 0
    by_feed = defaultdict(list)
    for window in ledger.record_windows(done):
        if window["window_start"] is not None:
            by_feed[window["feed"]].append(window["window_start"])
    for feed, starts in sorted(by_feed.items()):
        # runs are keyed by their window start; the CLI reads a date without offset as UTC, so say +08:00
        first, last = (f"{min(starts):%Y-%m-%dT%H:%M:%S}+08:00", f"{max(starts):%Y-%m-%dT%H:%M:%S}+08:00")
        print(f"  {feed}: re-run the window(s) starting {first} … {last}, e.g.\n"
              f"    airflow tasks clear {feed} --start-date '{first}' --end-date '{last}' --yes")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hisbridge ledger", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="SQLAlchemy URL of the ledger database (bypasses Airflow connections)")
    p.add_argument("--conn-id", default="hisbridge_db")
    sub = p.add_subparsers(dest="command", required=True)
    q = sub.add_parser("summary")
    q.add_argument("--feed")
    q = sub.add_parser("failures")
    q.add_argument("--feed")
    q.add_argument("--state", nargs="+", choices=s.STATES)
    q.add_argument("--limit", type=int, default=200)
    q = sub.add_parser("show")
    q.add_argument("id", type=int)
    q = sub.add_parser("requeue")
    q.add_argument("--id", type=int, nargs="+")
    q.add_argument("--feed")
    q.add_argument("--state", nargs="+", choices=[st for st in s.STATES if st != s.ACKNOWLEDGED])
    q.add_argument("--by", required=True, help="who re-queues (kept in the audit trail)")
    q.add_argument("--reason", required=True)
    # schema commands take --url after the command too; SUPPRESS keeps one given before it
    q = sub.add_parser("upgrade")
    q.add_argument("--url", default=argparse.SUPPRESS, help="SQLAlchemy URL of the ledger database")
    q.add_argument("--revision", default="head", help="target revision (default: head)")
    q = sub.add_parser("current")
    q.add_argument("--url", default=argparse.SUPPRESS, help="SQLAlchemy URL of the ledger database")
    return p


def _schema_engine(args: argparse.Namespace) -> Engine:
    return command_engine(args.url, args.conn_id)


def _upgrade(engine: Engine, args: argparse.Namespace) -> int:
    before = migrate.current(engine)
    migrate.upgrade(engine, args.revision)
    print(f"ledger schema: {before or 'none'} → {migrate.current(engine)}")
    return 0


def _current(engine: Engine, args: argparse.Namespace) -> int:
    revision = migrate.current(engine)
    if revision is None:
        print("none (not under Alembic: `python -m hisbridge ledger upgrade` adopts or creates it)")
    else:
        print(f"{revision}{' (head)' if revision == migrate.head() else ''}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("upgrade", "current"):  # never through _ledger: that would change the schema first
        return {"upgrade": _upgrade, "current": _current}[args.command](_schema_engine(args), args)
    handler = {"summary": _summary, "failures": _failures, "show": _show, "requeue": _requeue}[args.command]
    return handler(_ledger(args), args)


if __name__ == "__main__":
    sys.exit(main())
