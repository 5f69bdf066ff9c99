"""Ledger look-ups at years of data: are the pipeline's and the pages' hot look-ups flat from 100k to 10M records?

1. a throwaway PostgreSQL ledger at the current schema (``Ledger.ensure_schema``: every index the migrations make,
   and the triggers that keep ``delivery_state_count``, the records per (feed, state));
2. ``delivery_record`` grown in steps (``--sizes``, default 100k, 1M, 10M) by ``INSERT … SELECT generate_series``
   straight into the table: 28 real feed ids with a skewed share each (the busiest ~30 %, the quietest ~0.1 %),
   98.3 % acknowledged, 1 % rejected, 0.5 % quarantined, 0.2 % unknown; payloads of ~300 bytes; three years of
   first-seen times in id order; then ``VACUUM ANALYZE`` (what autovacuum does after a bulk load). The triggers
   stay on: each step's one INSERT appends its records per (feed, state) to ``delivery_state_count`` as any
   writer's would (the load time includes that), and the counts are checked against a GROUP BY over every record
   before anything is timed;
3. at each size, the look-ups as hisbridge makes them (the ``Ledger`` methods over SQLAlchemy), each repeated with
   random arguments; p50 and p99 in milliseconds, and the index the plan uses (``EXPLAIN`` of the exact statement):

   priors       the pipeline's batch look-up: 500 keys of one feed (half known, half new) by (feed, business key)
   key          one record by (feed, business key) (the CLI, a re-queue)
   failures     the failures page of a feed: rejected/quarantined/unknown/sent, oldest 200
   record       the record page: one record by id
   feed_counts  the summary of one feed (records per state): ``Ledger.counts(feed)``, from delivery_state_count
   counts       the summary page: records per feed and state over the whole ledger, from delivery_state_count
   counts_slack ``counts`` at its worst: the table holding ``Ledger.STATE_COUNT_SLACK`` unfolded changes (the most
                it holds before a read folds them)
   group_by     what ``counts`` did before delivery_state_count: GROUP BY over every record (for comparison)

A look-up is "flat" when its p50 at the largest size is within 3× (and 5 ms) of the smallest; ``group_by`` cannot
be (it counts every row) and is reported as what it is.

Disk: about 0.7 GB per million records (table, TOAST and indexes), plus up to ~0.5 GB per million rows of a step
in temporary files while its INSERT runs (the trigger's transition table holds the step's rows); the script checks
free space first and refuses a size that would not fit. 10M takes several minutes to generate on two cores.

    .venv/bin/python bench/bench_ledger_lookups.py [--sizes 100000,1000000,10000000] [--repeat 200] [--keep]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable

import pgdb
from common import add_project_paths

add_project_paths()

from sqlalchemy import event, func, insert, select  # noqa: E402

from hisbridge.db import make_engine  # noqa: E402
from hisbridge.ledger import schema as s  # noqa: E402
from hisbridge.ledger.store import Ledger  # noqa: E402

#: (feed, platform, weight): shares of a hospital's ledger after years (trace sales and lab results dominate)
FEEDS = [
    ("hsa_trace_sale", "hsa", 300), ("mutual_lab_indicator", "mutual", 150), ("mutual_lab_report", "mutual", 80),
    ("cdc_emr_order_item", "cdc", 70), ("cdc_emr_ex_lab_item", "cdc", 60), ("city_brain_push_ordered", "city_brain", 40),
    ("city_brain_push_charged", "city_brain", 40), ("city_brain_push_registered", "city_brain", 35),
    ("cdc_emr_vital_signs_record", "cdc", 30), ("regional_prescription", "regional", 30),
    ("regional_outpatient_visit", "regional", 25), ("city_brain_push_checked_in", "city_brain", 25),
    ("mutual_exam_report", "mutual", 20), ("hsa_trace_purchase", "hsa", 15), ("cdc_emr_outpatient_record", "cdc", 15),
    ("city_brain_push_report_ready", "city_brain", 12), ("hsa_trace_sale_return", "hsa", 10),
    ("cdc_emr_patient_info", "cdc", 10), ("regional_lab_report", "regional", 8), ("cdc_emr_daily_course", "cdc", 6),
    ("city_brain_push_refunded", "city_brain", 5), ("hsa_trace_stock_change", "hsa", 4),
    ("regional_admission", "regional", 3), ("regional_discharge", "regional", 3), ("hsa_settlement_list", "hsa", 3),
    ("cdc_emr_death_info", "cdc", 1), ("hsa_trace_purchase_return", "hsa", 1), ("hsa_trace_inventory", "hsa", 1),
]  # fmt: skip
BUCKETS = 1000
GB_PER_MILLION = 0.7
#: the trigger's transition table of one INSERT, spilled to temporary files while the statement runs
TEMP_GB_PER_MILLION = 0.5
PAD = "x" * 200  # with the other fields: a ~300-byte payload


def _bucket_array() -> str:
    """``BUCKETS`` feed indexes (1-based) in proportion to the weights: ``feed = feeds[buckets[hash % BUCKETS]]``."""
    total = sum(w for _, _, w in FEEDS)
    out: list[int] = []
    for i, (_, _, w) in enumerate(FEEDS, start=1):
        out += [i] * max(1, round(w * BUCKETS / total))
    out = out[len(out) - BUCKETS:] if len(out) > BUCKETS else [1] * (BUCKETS - len(out)) + out
    return "ARRAY[" + ",".join(map(str, out)) + "]"


def _text_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v + "'" for v in values) + "]::text[]"


def grow(engine, start: int, stop: int) -> float:
    """Insert records ``start+1 … stop`` (ids = n) in one ``INSERT … SELECT``; seconds taken."""
    feeds, platforms = _text_array([f for f, _, _ in FEEDS]), _text_array([p for _, p, _ in FEEDS])
    sql = f"""
    INSERT INTO delivery_record (id, feed, business_key, platform, state, content_hash, source_hash, correction_key,
                                 payload, reason, attempts, last_msgid, last_operation, window_start, window_end,
                                 run_id, first_seen_at, updated_at, acknowledged_at)
    SELECT n, ({feeds})[b], 'K' || lpad(n::text, 10, '0'), ({platforms})[b], st,
           md5(n::text) || md5((n + 1)::text), md5((n + 2)::text) || md5((n + 3)::text), 'C' || (n / 7),
           '{{"key":"K' || n || '","batch":"B' || (n % 9973) || '","amount":"' || (n % 997) || '.50","pad":"{PAD}"}}',
           CASE WHEN st IN ('rejected', 'quarantined') THEN '数量不能为负 (row ' || n || ')' END,
           CASE WHEN st = 'quarantined' THEN 0 ELSE 1 END,
           CASE WHEN st <> 'quarantined' THEN 'M' || lpad(n::text, 12, '0') END,
           CASE WHEN st <> 'quarantined' THEN 'upload' END,
           w, w + interval '5 minutes', 'scheduled__' || to_char(w, 'YYYY-MM-DD"T"HH24:MI:SS'),
           t, t + interval '2 seconds', CASE WHEN st = 'acknowledged' THEN t + interval '2 seconds' END
    FROM (
        SELECT n,
               ({_bucket_array()})[1 + (n * 2654435761) % {BUCKETS}] AS b,
               CASE WHEN h < 9830 THEN 'acknowledged' WHEN h < 9930 THEN 'rejected'
                    WHEN h < 9980 THEN 'quarantined' ELSE 'unknown' END AS st,
               timestamp '2023-11-24' + n * interval '9 seconds' AS w,
               timestamptz '2023-11-24 00:00:00+08' + n * interval '9 seconds' AS t
        FROM (SELECT n, (n * 40503 + 17) % 10000 AS h FROM generate_series({start + 1}::bigint, {stop}::bigint) n) g
    ) x
    """
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql(sql.replace("%", "%%"))  # a literal % for the driver's paramstyle
        conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('delivery_record', 'id'), {stop})")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE delivery_record")
    return time.perf_counter() - t0


def lookups(ledger: Ledger, size: int, rnd: random.Random) -> dict[str, Callable[[], object]]:
    feeds = [f for f, _, _ in FEEDS]
    weights = [w for _, _, w in FEEDS]

    def some_keys(feed: str, n: int) -> list[str]:
        with ledger.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT business_key FROM delivery_record WHERE feed = %(f)s AND id > %(i)s ORDER BY id LIMIT %(n)s",
                {"f": feed, "i": rnd.randint(1, max(1, size - 10 * n)), "n": n}).scalars().all()
        return list(rows) + [f"NEW{rnd.randint(0, 10**12)}" for _ in range(n - len(rows))]

    def pick() -> str:
        return rnd.choices(feeds, weights)[0]

    # argument pools drawn before timing, so that only the look-ups are timed
    pool = [(f, some_keys(f, 250) + [f"NEW{rnd.randint(0, 10**12)}" for _ in range(250)])
            for f in (pick() for _ in range(20))]
    singles = [(f, [k[rnd.randrange(250)]]) for f, k in pool]
    return {
        "priors": lambda: ledger.priors(*rnd.choice(pool)),
        "key": lambda: ledger.lookup(*rnd.choice(singles)),
        "failures": lambda: ledger.records(pick(), s.FAILURE_STATES, limit=200),
        "record": lambda: ledger.record(rnd.randint(1, size)),
        "feed_counts": lambda: ledger.counts(pick()),
        "counts": lambda: ledger.counts(),
    }


def group_by(ledger: Ledger) -> dict[str, dict[str, int]]:
    """Records per feed and state counted over every record (what ``Ledger.counts`` ran before the rollup)."""
    t = s.delivery_record
    out: dict[str, dict[str, int]] = {}
    with ledger.engine.connect() as conn:
        for feed, state, n in conn.execute(select(t.c.feed, t.c.state, func.count()).group_by(t.c.feed, t.c.state)):
            out.setdefault(feed, {})[state] = n
    return out


def unfolded(ledger: Ledger, rnd: random.Random) -> Ledger:
    """Fill delivery_state_count up to the most a read leaves unfolded (changes that sum to 0, as a day of sends
    and answers does) and return a Ledger that never folds, to time ``counts`` at that worst case."""
    c = s.delivery_state_count
    feeds = [f for f, _, _ in FEEDS]
    rows = []
    for _ in range(Ledger.STATE_COUNT_SLACK // 2):
        feed, n = rnd.choice(feeds), rnd.randint(1, 500)
        rows += [{"feed": feed, "state": s.SENT, "n": n}, {"feed": feed, "state": s.SENT, "n": -n}]
    with ledger.engine.begin() as conn:
        conn.execute(insert(c), rows)
    worst = Ledger(ledger.engine)
    worst.STATE_COUNT_SLACK = 10**12
    return worst


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm: the first call pays for connection set-up and cold pages
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


def plan_of(engine, fn: Callable[[], object]) -> str:
    """The scans of the (last) statement ``fn`` runs, from ``EXPLAIN`` with the same parameters."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, params = seen[-1]
    with engine.connect() as conn:
        lines = conn.exec_driver_sql("EXPLAIN " + statement, params).scalars().all()
    scans = [m.group(0) for ln in lines for m in [re.search(r"(Index Only Scan|Index Scan|Bitmap Index Scan|"
                                                             r"Seq Scan|Parallel Seq Scan)( using \w+| on \w+)", ln)]
             if m]
    return "; ".join(dict.fromkeys(scans)) or lines[0].strip()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="100000,1000000,10000000", help="comma-separated record counts, ascending")
    p.add_argument("--repeat", type=int, default=200, help="timed calls per look-up (the summaries: a tenth)")
    p.add_argument("--admin-url", default=pgdb.DEFAULT_ADMIN_URL)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = p.parse_args()
    sizes = sorted(int(x) for x in args.sizes.split(","))
    free_gb = shutil.disk_usage("/").free / 1e9
    step = sizes[-1] - (sizes[-2] if len(sizes) > 1 else 0)  # the largest step's rows pass through temp files
    need_gb = sizes[-1] / 1e6 * GB_PER_MILLION * 1.3 + step / 1e6 * TEMP_GB_PER_MILLION
    print(f"free disk {free_gb:.0f} GB; {sizes[-1]:,} records need about {need_gb:.1f} GB", flush=True)
    if need_gb > free_gb:
        print("not enough free disk for the largest size: pick smaller --sizes", file=sys.stderr)
        return 2
    rnd = random.Random(args.seed)
    name = f"hb_bench_ledger_{rnd.randrange(16**8):08x}"
    pgdb.create_database(args.admin_url, name)
    url = pgdb.sqlalchemy_url(args.admin_url, name)
    engine = make_engine(url)
    results: dict[int, dict[str, tuple[float, float]]] = {}
    plans: dict[str, str] = {}
    try:
        ledger = Ledger(engine)
        ledger.ensure_schema()
        have = 0
        for size in sizes:
            took = grow(engine, have, size)
            have = size
            with engine.connect() as conn:
                mb = conn.exec_driver_sql("SELECT pg_total_relation_size('delivery_record')").scalar() / 2**20
            print(f"\n{size:>12,} records: generated (+ VACUUM ANALYZE) in {took:.0f} s; table with indexes "
                  f"{mb:,.0f} MiB", flush=True)
            exact = ledger.counts() == group_by(ledger)
            print(f"  delivery_state_count after the load equals a GROUP BY over every record: "
                  f"{'yes' if exact else 'NO'}", flush=True)
            if not exact:
                return 1
            results[size] = {}
            worst = unfolded(ledger, rnd)
            timings = {**lookups(ledger, size, rnd), "counts_slack": worst.counts,
                       "group_by": lambda: group_by(ledger)}
            for name_, fn in timings.items():
                repeat = args.repeat if "counts" not in name_ else max(5, args.repeat // 10)
                if name_ == "group_by":
                    repeat = max(3, args.repeat // 40)
                results[size][name_] = timed(fn, repeat)
                plans[name_] = plan_of(engine, fn)
                p50, p99 = results[size][name_]
                print(f"  {name_:12s} p50 {p50:9.2f} ms   p99 {p99:9.2f} ms   {plans[name_]}", flush=True)
            assert ledger.compact_state_counts() and ledger.counts() == group_by(ledger)
    finally:
        engine.dispose()
        if args.keep:
            print(f"\nkept database {name}")
        else:
            pgdb.drop_database(args.admin_url, name)
    first, last = sizes[0], sizes[-1]
    print(f"\n{'look-up':12s}" + "".join(f"{f'{n:,}':>22s}" for n in sizes) + "   flat?")
    print(f"{'':12s}" + "".join(f"{'p50 / p99 ms':>22s}" for _ in sizes))
    for lookup in results[first]:
        row = "".join(f"{results[n][lookup][0]:>12.2f} / {results[n][lookup][1]:>7.2f}" for n in sizes)
        a, b = results[first][lookup][0], results[last][lookup][0]
        flat = "yes" if b <= max(3 * a, a + 5) else "NO"
        print(f"{lookup:12s}{row}   {flat}")
    print("\nindexes: " + "\n         ".join(f"{k}: {v}" for k, v in plans.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
