"""Benchmark: the 九龙湖 dictionary sync of 50,000 drug and charge-item rows, then of 1% of them changed.

Criterion (issue 12): the second sync takes under 30 s and writes only the changed rows.

Three throwaway PostgreSQL databases — the main campus's HIS (demo schema, ``--rows`` synthetic drugs and as many
charge items), the campus's HIS (demo/jiulonghu) and the ledger — then:

1. the first sync (every row inserted);
2. ``--changed`` (default 1%) of each dictionary changed at the source (a price), the second sync timed;
3. a third sync with nothing changed (should write nothing).

Prints the times and the rows written (counted by the sync and, independently, as campus rows whose version moved);
``--strict`` exits 1 when the criterion is not met::

    .venv/bin/python bench/bench_jiulonghu_sync.py [--rows 25000] [--changed 0.01] [--strict]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import datetime
from decimal import Decimal

from common import add_project_paths
from pgdb import DEFAULT_ADMIN_URL, create_database, drop_database, sqlalchemy_url

add_project_paths()

LIMIT_S = 30.0
AT = datetime(2026, 11, 24, 8, 0)


def _plant(his, rows: int) -> None:
    from demo.his import schema as s

    drugs = [dict(drug_code=f"YP{i:07d}", drug_name=f"药品{i}", spec="10mg*24片", dosage_form="片剂",
                  drug_cat=("西药", "中成药", "中药饮片")[i % 3], pack_unit="盒", dose_unit="片", pack_qty=24,
                  prodentp_name="某某药业有限公司", aprvno=f"国药准字H{i:08d}", med_list_codg=f"XA01AAA{i:016d}",
                  rx_type="RX" if i % 4 else "OTC", retail_price=Decimal(i % 997) + Decimal("0.35"),
                  trace_required="Y" if i % 2 else "N", is_active=1, updated_at=AT) for i in range(rows)]
    items = [dict(item_code=f"XM{i:07d}", item_name=f"项目{i}", item_kind="item" if i % 5 else "material",
                  med_chrgitm_type="02", unit="次", spec=None, price=Decimal(i % 313) + Decimal("0.5"),
                  med_list_codg=f"00{i:010d}", is_active=1, updated_at=AT) for i in range(rows)]
    with his.begin() as conn:
        for table, values in ((s.drug_dict, drugs), (s.charge_item, items)):
            for i in range(0, len(values), 5000):
                conn.execute(table.insert(), values[i:i + 5000])


def _change(his, rows: int, share: float) -> int:
    from sqlalchemy import bindparam, update

    from demo.his import schema as s

    step = max(1, round(1 / share))
    picked = range(0, rows, step)
    with his.begin() as conn:
        conn.execute(update(s.drug_dict).where(s.drug_dict.c.drug_code == bindparam("k"))
                     .values(retail_price=s.drug_dict.c.retail_price + 1), [{"k": f"YP{i:07d}"} for i in picked])
        conn.execute(update(s.charge_item).where(s.charge_item.c.item_code == bindparam("k"))
                     .values(price=s.charge_item.c.price + 1), [{"k": f"XM{i:07d}"} for i in picked])
    return 2 * len(picked)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=25_000, help="drugs, and as many charge items (default 25,000)")
    p.add_argument("--changed", type=float, default=0.01, help="share changed before the second sync")
    p.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    p.add_argument("--strict", action="store_true", help="exit 1 when the criterion is not met")
    args = p.parse_args(argv)

    from sqlalchemy import event, func, select

    from demo.his.schema import create_schema
    from demo.jiulonghu import schema as cs
    from hisbridge.db import make_engine
    from hisbridge.platforms.jiulonghu.sync import sync_all

    tag = uuid.uuid4().hex[:8]
    names = {k: f"hb_bench_jlh_{k}_{tag}" for k in ("his", "campus", "ledger")}
    for name in names.values():
        create_database(args.admin_url, name)
    engines = {k: make_engine(sqlalchemy_url(args.admin_url, n)) for k, n in names.items()}
    try:
        his, campus, ledger = engines["his"], engines["campus"], engines["ledger"]
        create_schema(his)
        cs.create_schema(campus)
        t0 = time.perf_counter()
        _plant(his, args.rows)
        print(f"planted {2 * args.rows:,} rows in {time.perf_counter() - t0:.1f} s")
        statements: list[int] = [0]

        @event.listens_for(campus, "before_cursor_execute")
        def _count(conn, cursor, statement, parameters, context, executemany) -> None:
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                statements[0] += len(parameters) if executemany else 1

        def run(label: str):
            statements[0] = 0
            t = time.perf_counter()
            report = sync_all(his, campus, ledger, only="drug,charge_item")
            seconds = time.perf_counter() - t
            written = sum(r.campus_rows_written for r in report.dictionaries)
            counts = {r.name: {k: v for k, v in r.counts.items() if v} for r in report.dictionaries}
            print(f"{label:14s} {seconds:7.2f} s   campus rows written {written:,} (statement rows {statements[0]:,})"
                  f"   {counts}")
            return seconds, written, statements[0]

        run("first sync")
        changed = _change(his, args.rows, args.changed)
        print(f"changed {changed:,} rows at the source ({args.changed:.1%} of each dictionary)")
        seconds, written, rows_sent = run("second sync")
        with campus.connect() as conn:
            moved = sum(conn.execute(select(func.count()).select_from(t).where(t.c.bbh > 1)).scalar_one()
                        for t in (cs.yp_dict, cs.sfxm_dict))
        print(f"campus rows whose version moved: {moved:,}")
        again, written_again, _ = run("third sync")
        ok = seconds < LIMIT_S and written == rows_sent == moved == changed and written_again == 0
        print(f"criterion (second sync < {LIMIT_S:.0f} s, writes only the {changed:,} changed rows, a re-run writes "
              f"nothing): {'met' if ok else 'NOT met'}")
        return 0 if ok or not args.strict else 1
    finally:
        for engine in engines.values():
            engine.dispose()
        for name in names.values():
            drop_database(args.admin_url, name)


if __name__ == "__main__":
    sys.exit(main())
