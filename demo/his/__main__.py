"""Fill a demo HIS database: ``python -m demo.his --url URL --day 2026-11-24 --scale 300 [--seed 42]``.

Prints row counts and the edge cases' business keys (ids only — never names, ID numbers or phones).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from datetime import date

from demo.his.generate import MIN_SCALE, generate
from demo.his.schema import drop_schema
from hisbridge.db import make_engine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.his", description=__doc__)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the demo HIS database")
    parser.add_argument("--day", type=date.fromisoformat, required=True, help="demo day, yyyy-mm-dd")
    parser.add_argument("--scale", type=int, default=300, help=f"sale lines to generate (>= {MIN_SCALE})")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reset", action="store_true", help="drop the demo tables first")
    args = parser.parse_args(argv)

    engine = make_engine(args.url)
    try:
        if args.reset:
            drop_schema(engine)
        started = time.perf_counter()
        summary = generate(engine, args.day, args.scale, args.seed)
        elapsed = time.perf_counter() - started
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()

    print(f"demo HIS for {summary.day} (scale {summary.scale}, seed {summary.seed}) in {elapsed:.1f}s")
    for table, count in sorted(summary.counts.items()):
        print(f"  {table:<20} {count:>9}")
    print("edge cases:")
    for name, value in dataclasses.asdict(summary.edge_cases).items():
        print(f"  {name:<30} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
