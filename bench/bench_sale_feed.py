"""The sale feed (3505A) against a bare loop, in the same run: how far is ``hsa_trace_sale`` from the least any
feed has to do, and does its memory stay flat as the day grows?

For each scale (sale lines in the demo day):

1. a demo HIS in PostgreSQL (``hb_bench_his_<scale>``, generated and ANALYZEd once, then reused);
2. the **bare loop** (``bench/bare_loop.py``): the feed's SQL through a raw psycopg cursor, ``json.dumps`` into a
   医保-like envelope, 100-record POSTs over keep-alive — no mapping, validation or ledger;
3. the **sale feed** (``bench/feed_child.py``): one ``hsa_trace_sale`` run over the whole day with a fresh
   PostgreSQL ledger, then a **re-run** of the same window against that ledger (everything already acknowledged
   is skipped); each in a fresh process, so peak RSS is the run's own.

Both loops post to the same accept-all endpoint (``bench/accept_all.py``, its own process, validates nothing), so
neither pays for the simulator's checking. Rates are records (sale lines) per second for both; ``ratio`` is
feed ÷ bare. With ``--rounds N`` bare and feed alternate N times and the medians are reported.

Checks (PASS/FAIL; exit 0 unless ``--strict``): ratio ≥ 0.5 at every scale; peak RSS at the largest scale
≤ 1.2 × at the smallest; the re-run ≥ 5 × faster than the first run at every scale.

    .venv/bin/python bench/bench_sale_feed.py [--scales 20000 200000] [--rounds 1] [--regenerate] [--strict]
                                              [--batch-size 100] [--chunk-size 2000] [--code DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pgdb
from accept_all import serve
from common import CODE_ENV, DEMO_DAY, run_child

MIN_RATIO = 0.5
MAX_MEMORY_GROWTH = 1.2
MIN_RERUN_SPEEDUP = 5.0
CHILD_ENV = {"TQDM_DISABLE": "1", "GX_ANALYTICS_ENABLED": "false", "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}


@dataclass(frozen=True)
class Round:
    """One bare-loop run and one feed run + re-run at one scale."""

    bare: dict[str, Any]
    feed: dict[str, Any]
    rerun: dict[str, Any]

    @property
    def bare_rate(self) -> float:
        return self.bare["records"] / self.bare["seconds"]

    @property
    def feed_rate(self) -> float:
        return self.feed["summary"]["selected"] / self.feed["seconds"]


@dataclass(frozen=True)
class ScaleResult:
    """The medians over the rounds at one scale (a single round's values when ``--rounds 1``)."""

    scale: int
    records: int
    sql_rows: int
    messages: int
    bare_rate: float
    feed_rate: float
    baseline_mb: float
    peak_mb: float
    rerun_s: float
    first_s: float
    rerun_skipped: int
    rerun_messages: int

    @property
    def ratio(self) -> float:
        return self.feed_rate / self.bare_rate

    @property
    def run_mb(self) -> float:
        return self.peak_mb - self.baseline_mb

    @property
    def speedup(self) -> float:
        return self.first_s / self.rerun_s


def child_env() -> dict[str, str]:
    return {**os.environ, **CHILD_ENV}


def run_round(args: argparse.Namespace, scale: int, his_url: str, endpoint: str) -> Round:
    """Bare loop first, then the feed and its re-run on a ledger that exists only for this round."""
    env = child_env()
    bare = run_child("bare_loop.py", his_url.replace("postgresql+psycopg://", "postgresql://"), endpoint,
                     "--batch-size", args.batch_size, "--fetch-size", args.chunk_size, env=env)
    with pgdb.throwaway_database(args.pg, f"hb_bench_ledger_{scale}") as ledger_url:
        feed_args = (his_url, ledger_url, endpoint, "--batch-size", args.batch_size, "--chunk-size", args.chunk_size)
        feed = run_child("feed_child.py", *feed_args, "--run-id", "bench-first", env=env)
        rerun = run_child("feed_child.py", *feed_args, "--run-id", "bench-rerun", env=env)
    return Round(bare, feed, rerun)


def median_of(rounds: Sequence[Round], value: Callable[[Round], float]) -> float:
    return statistics.median(value(r) for r in rounds)


def summarise(scale: int, rounds: Sequence[Round]) -> ScaleResult:
    return ScaleResult(
        scale=scale,
        records=rounds[0].feed["summary"]["selected"],
        sql_rows=rounds[0].bare["sql_rows"],
        messages=rounds[0].feed["summary"]["messages"],
        bare_rate=median_of(rounds, lambda r: r.bare_rate),
        feed_rate=median_of(rounds, lambda r: r.feed_rate),
        baseline_mb=median_of(rounds, lambda r: r.feed["baseline_mb"]),
        peak_mb=median_of(rounds, lambda r: r.feed["peak_mb"]),
        rerun_s=median_of(rounds, lambda r: r.rerun["seconds"]),
        first_s=median_of(rounds, lambda r: r.feed["seconds"]),
        rerun_skipped=rounds[0].rerun["summary"]["skipped"],
        rerun_messages=rounds[0].rerun["summary"]["messages"],
    )


def bench_scale(args: argparse.Namespace, scale: int, endpoint: str) -> ScaleResult:
    print(f"scale {scale:,}: HIS …", flush=True)
    his_url = pgdb.ensure_his(args.pg, scale, DEMO_DAY, args.seed, regenerate=args.regenerate)
    rounds = []
    for n in range(1, args.rounds + 1):
        print(f"  round {n}/{args.rounds}: bare loop, feed, re-run …", flush=True)
        one = run_round(args, scale, his_url, endpoint)
        print(f"    bare {one.bare_rate:,.0f} rows/s · feed {one.feed_rate:,.0f} rows/s in "
              f"{one.feed['seconds']:.1f} s · re-run {one.rerun['seconds']:.1f} s", flush=True)
        rounds.append(one)
    result = summarise(scale, rounds)
    print(f"scale {scale:,}: feed {result.feed_rate:,.0f} rows/s ÷ bare loop {result.bare_rate:,.0f} rows/s "
          f"→ ratio {result.ratio:.2f}", flush=True)
    return result


def table(results: Sequence[ScaleResult]) -> str:
    lines = [
        "| sale lines | records | messages | bare rows/s | feed rows/s | ratio | RSS before run (MB) "
        "| peak RSS (MB) | run needed (MB) | re-run (s) | first run ÷ re-run |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.scale:,} | {r.records:,} | {r.messages:,} | {r.bare_rate:,.0f} | {r.feed_rate:,.0f} | "
            f"{r.ratio:.2f} | {r.baseline_mb:.0f} | {r.peak_mb:.0f} | {r.run_mb:.0f} | {r.rerun_s:.1f} | "
            f"{r.speedup:.1f}× |"
        )
    return "\n".join(lines)


def checks(results: Sequence[ScaleResult]) -> list[tuple[str, bool | None, str]]:
    """``(criterion, passed, evidence)``; ``passed`` is ``None`` when the run cannot tell (one scale only)."""
    ratio_ok = all(r.ratio >= MIN_RATIO for r in results)
    ratios = ", ".join(f"{r.scale:,}: {r.ratio:.2f}" for r in results)
    speed_ok = all(r.speedup >= MIN_RERUN_SPEEDUP for r in results)
    speeds = ", ".join(f"{r.scale:,}: {r.speedup:.1f}×" for r in results)
    small, large = min(results, key=lambda r: r.scale), max(results, key=lambda r: r.scale)
    if small is large:
        memory: tuple[str, bool | None, str] = (f"peak RSS growth ≤ {MAX_MEMORY_GROWTH}×", None, "one scale only")
    else:
        growth = large.peak_mb / small.peak_mb
        memory = (f"peak RSS at {large.scale:,} ≤ {MAX_MEMORY_GROWTH} × at {small.scale:,}",
                  growth <= MAX_MEMORY_GROWTH,
                  f"{large.peak_mb:.0f} / {small.peak_mb:.0f} MB = {growth:.2f}×")
    return [
        (f"ratio ≥ {MIN_RATIO} at each scale", ratio_ok, ratios),
        memory,
        (f"re-run ≥ {MIN_RERUN_SPEEDUP:.0f}× faster", speed_ok, speeds),
    ]


def check_line(verdicts: Sequence[tuple[str, bool | None, str]]) -> str:
    words = {True: "PASS", False: "FAIL", None: "SKIP"}
    return "check: " + "; ".join(f"{name} {words[ok]} ({why})" for name, ok, why in verdicts)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", type=int, nargs="+", default=[20_000, 200_000], help="sale lines per demo day")
    p.add_argument("--rounds", type=int, default=1, help="bare/feed rounds per scale; medians are reported")
    p.add_argument("--batch-size", type=int, default=100, help="records per 3505A message (both loops)")
    p.add_argument("--chunk-size", type=int, default=2000, help="feed chunk size and bare-loop fetchmany size")
    p.add_argument("--seed", type=int, default=42, help="demo HIS seed")
    p.add_argument("--regenerate", action="store_true", help="generate the HIS databases again")
    p.add_argument("--strict", action="store_true", help="exit 1 when a check fails")
    p.add_argument("--code", type=Path, help="measure the hisbridge, demo and SQL of this source tree instead of "
                   "the working tree (e.g. `git archive HEAD plugins include demo | tar -x -C DIR`)")
    p.add_argument("--pg", default=os.environ.get("HISBRIDGE_BENCH_PG", pgdb.DEFAULT_ADMIN_URL),
                   help="libpq URL of a maintenance database on the server (env HISBRIDGE_BENCH_PG)")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.batch_size < 1 or args.chunk_size < 1 or min(args.scales) < 30:
        p.error("--rounds, --batch-size and --chunk-size must be ≥ 1 and every scale ≥ 30")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.code:
        os.environ[CODE_ENV] = str(args.code.resolve())  # read by the children and by the HIS generator
    with serve() as endpoint:
        results = [bench_scale(args, scale, endpoint) for scale in args.scales]
    print()
    print(table(results))
    for r in results:
        print(f"re-run at {r.scale:,}: {r.rerun_skipped:,} of {r.records:,} records skipped, "
              f"{r.rerun_messages:,} messages sent")
    verdicts = checks(results)
    print(check_line(verdicts))
    failed = any(ok is False for _, ok, _ in verdicts)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
