"""The command line every add-on demo generator shares (``python -m demo.his.emr|mutual|city_brain``): a demo HIS
URL, the demo day and a seed in; the rows written per table, the planted edge cases and the day's planted
changes out. No personal data is printed."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any


def run_generator(argv: list[str] | None, *, prog: str, description: str, needs: str,
                  generate: Callable[..., Any], title: Callable[[Any], str], added_to: Sequence[str]) -> int:
    """Parse ``--url --day --seed``, run ``generate(engine, day, seed=…)`` and print its summary.

    :param needs: the generators that must have filled the database first (for the ``--url`` help)
    :param title: the summary's first line, from the summary
    :param added_to: tables the generator adds rows to (marked "(added)") rather than fills
    """
    from hisbridge.db import make_engine

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--url", required=True, help=f"SQLAlchemy URL of a demo HIS filled by {needs}")
    parser.add_argument("--day", type=date.fromisoformat, required=True, help="the demo day, yyyy-mm-dd")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    engine = make_engine(args.url)
    try:
        started = time.perf_counter()
        summary = generate(engine, args.day, seed=args.seed)
        elapsed = time.perf_counter() - started
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()

    print(f"{title(summary)} in {elapsed:.1f}s")
    for table, count in summary.counts.items():
        print(f"  {table:<20} {count:>9}{'  (added)' if table in added_to else ''}")
    print("edge cases:")
    for name, value in dataclasses.asdict(summary.edge_cases).items():
        shown = ", ".join(map(str, value)) if isinstance(value, tuple) else value
        print(f"  {name:<26} {shown}")
    changes = getattr(summary, "day_changes", ())
    if changes:
        print(f"planted changes on {summary.day}: "
              + ", ".join(f"{c.table} {','.join(map(str, c.key.values()))}" for c in changes))  # fmt: skip
    return 0
