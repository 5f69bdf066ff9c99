"""The monthly operations report at a year of data: how long do its queries take on a large PostgreSQL ledger?

1. a throwaway PostgreSQL ledger at the current schema (``Ledger.ensure_schema``);
2. a year (Dec 2025 – Nov 2026) of history made with ``INSERT … SELECT generate_series`` (``--records``, default
   1M): 28 feed ids, records 98.3 % acknowledged, 1 % rejected, 0.5 % quarantined (an event each), 0.2 % unknown;
   one message per 100 records with a link per record (97 % acknowledged, 2 % rejected, 1 % unknown, request and
   answer of ~1 KB); 1 record in 200 failed an hour before it was acknowledged (a recovery); ``--calls`` real-time
   calls (default 300k) over three platforms, 1 % without an answer, and served calls; then ``VACUUM ANALYZE``;
3. the report of November 2026 (a twelfth of the data), timed: the figures alone (:func:`read_figures`) and the
   whole report with the scrub of failed records' payloads and the files written, best of ``--repeat``.

    .venv/bin/python bench/bench_monthly_report.py [--records 1000000] [--calls 300000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / "plugins"), str(Path(__file__).resolve().parent.parent)]

from hisbridge.db import make_engine  # noqa: E402
from hisbridge.ledger.store import Ledger  # noqa: E402
from hisbridge.ops.monthly_figures import read_figures  # noqa: E402
from hisbridge.ops.monthly_report import month_bounds, write_monthly_report  # noqa: E402

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
YEAR_START = "2025-11-30 16:00:00+00"  # 1 Dec 2025 00:00 Asia/Shanghai
YEAR_S = 365 * 86400

FILL = [
    # records: id order is time order over the year
    f"""INSERT INTO delivery_record (id, feed, business_key, platform, state, content_hash, payload, attempts,
            first_seen_at, updated_at, acknowledged_at)
        SELECT g, 'feed_' || (g % 28), 'k' || g, CASE WHEN g % 28 < 10 THEN 'hsa' WHEN g % 28 < 20 THEN 'cdc'
               ELSE 'city_brain' END,
               CASE WHEN g % 1000 < 983 THEN 'acknowledged' WHEN g % 1000 < 993 THEN 'rejected'
                    WHEN g % 1000 < 998 THEN 'quarantined' ELSE 'unknown' END,
               md5(g::text), '{{"psn_name":"某某"}}', 1,
               TIMESTAMPTZ '{YEAR_START}' + (g::float / :n * {YEAR_S}) * INTERVAL '1 second',
               TIMESTAMPTZ '{YEAR_START}' + (g::float / :n * {YEAR_S}) * INTERVAL '1 second',
               TIMESTAMPTZ '{YEAR_START}' + (g::float / :n * {YEAR_S}) * INTERVAL '1 second'
        FROM generate_series(1, :n) g""",
    f"""INSERT INTO delivery_message (id, msgid, feed, platform, operation, purpose, record_count, outcome, err_msg,
            http_status, request, response, sent_at, answered_at, duration_ms)
        SELECT g, 'M' || g, 'feed_' || ((g * 100) % 28), 'hsa', '3505A', 'upload', 100,
               CASE WHEN g % 100 < 97 THEN 'acknowledged' WHEN g % 100 < 99 THEN 'rejected' ELSE 'unknown' END,
               CASE WHEN g % 100 = 99 THEN 'read timeout' END, CASE WHEN g % 100 = 99 THEN 504 ELSE 200 END,
               repeat('x', 1000), repeat('y', 1000),
               TIMESTAMPTZ '{YEAR_START}' + ((g * 100)::float / :n * {YEAR_S}) * INTERVAL '1 second',
               TIMESTAMPTZ '{YEAR_START}' + ((g * 100)::float / :n * {YEAR_S} + 2) * INTERVAL '1 second', 2000
        FROM generate_series(1, :n / 100) g""",
    """INSERT INTO delivery_message_record (message_id, record_id, row_index, outcome, err_msg)
        SELECT (r.id - 1) / 100 + 1, r.id, (r.id - 1) % 100, r.state,
               CASE WHEN r.state = 'rejected' THEN '追溯码 ' || r.id || ' 已被其他机构销售' END
        FROM delivery_record r WHERE r.state <> 'quarantined' AND (r.id - 1) / 100 + 1 <= :n / 100""",
    """INSERT INTO delivery_event (record_id, from_state, to_state, reason, actor, at)
        SELECT id, NULL, 'quarantined', '出生日期缺失', 'bench', first_seen_at FROM delivery_record
        WHERE state = 'quarantined'""",
    """INSERT INTO delivery_event (record_id, from_state, to_state, reason, actor, at)
        SELECT id, 'pending', 'rejected', '医疗目录编码缺失', 'bench', first_seen_at - INTERVAL '1 hour'
        FROM delivery_record WHERE state = 'acknowledged' AND id % 200 = 0""",
    f"""INSERT INTO call_journal (platform, operation, direction, caller, outcome, http_status, request, response,
            started_at, duration_ms)
        SELECT CASE g % 3 WHEN 0 THEN 'hsa' WHEN 1 THEN 'mutual' ELSE 'city_brain' END, 'op' || (g % 7),
               CASE WHEN g % 3 = 2 THEN 'in' ELSE 'out' END, 'his',
               CASE WHEN g % 3 = 2 THEN 'ok' WHEN g % 100 = 0 THEN 'unknown' ELSE 'acknowledged' END, 200,
               repeat('q', 300), repeat('a', 300),
               TIMESTAMPTZ '{YEAR_START}' + (g::float / :c * {YEAR_S}) * INTERVAL '1 second', 50
        FROM generate_series(1, :c) g""",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = parser.parse_args()
    name = f"hb_bench_monthly_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        Ledger(engine).ensure_schema()
        started = time.perf_counter()
        with engine.begin() as conn:
            for sql in FILL:
                conn.execute(text(sql), {"n": args.records, "c": args.calls})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            size = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
        print(f"generated {args.records:,} records, {args.records // 100:,} messages, {args.calls:,} calls "
              f"in {time.perf_counter() - started:.0f}s; database {size}")
        start, end = month_bounds("2026-11")
        best_figures = best_report = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            figures = read_figures(engine, start, end)
            best_figures = min(best_figures, time.perf_counter() - t)
            with tempfile.TemporaryDirectory() as out:
                t = time.perf_counter()
                files, report = write_monthly_report(engine, "2026-11", Path(out))
                best_report = min(best_report, time.perf_counter() - t)
                xlsx_kb = files.xlsx.stat().st_size / 1024
        touched = sum(n for c in figures.records.values() for k, n in c.items() if k != "_new")
        recovered = sum(r.count for r in figures.record_recovery.values())
        print(f"November 2026: {touched:,} records touched, {recovered:,} recoveries, "
              f"{sum(len(v) for v in figures.messages.values()):,} (feed, outcome) message groups")
        print(f"figures (SQL only): best {best_figures:.2f}s of {args.repeat}")
        print(f"whole report (figures, scrub, Excel + HTML): best {best_report:.2f}s; workbook {xlsx_kb:.0f} KB")
        print(dict(report.summary))
        engine.dispose()
    finally:
        if args.keep:
            print(f"kept: {url}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
