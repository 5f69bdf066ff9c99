"""One run of the ``hsa_trace_sale`` feed over the whole demo day, in a process of its own.

A fresh interpreter per run, so that ``ru_maxrss`` is this run's peak and not the parent's; the RSS just before
the run (everything imported and built) is reported too, so the difference is what the run itself needed.

Everything that knows the pipeline's API is in :func:`run_sale_feed`; when that API changes, only it changes.

    python bench/feed_child.py HIS_URL LEDGER_URL ENDPOINT_URL --run-id bench-1 [--batch-size 100] [--chunk-size 2000]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from common import add_project_paths, demo_window, emit_result, peak_rss_mb, rss_mb

add_project_paths()
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def run_sale_feed(his_url: str, ledger_url: str, endpoint_url: str, batch_size: int, chunk_size: int, *,
                  run_id: str = "bench", on_ready: Callable[[], None] = lambda: None) -> dict[str, Any]:
    """Build the ledger, the 医保 sender and the HIS engine, call ``on_ready()`` (it takes the baseline RSS and
    starts the clock), then run the feed over the demo day; return the run's counts.

    The result must carry ``selected`` (records read), ``messages`` (uploads sent) and, for the re-run check,
    ``skipped``; other counts are reported as they come. Written against the pipeline API of 2026-11-29 (platform-neutral core).
    """
    from hisbridge.db import make_engine
    from hisbridge.ledger.store import Ledger
    from hisbridge.pipeline.run import RunSettings, run_feed
    from hisbridge.pipeline.spec import load_feed_spec
    from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
    from hisbridge.platforms.hsa.msgid import CounterMsgIds
    from hisbridge.platforms.hsa.sender import HsaSender

    ledger = Ledger(make_engine(ledger_url))
    ledger.ensure_schema()
    settings = HsaSettings(base_url=endpoint_url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院",
                           mdtrtarea_admvs="360100", recer_sys_code="his", auth="none", opter="bench",
                           opter_name="基准测试", ip="127.0.0.1")
    sender = HsaSender(HsaClient(settings, msgids=CounterMsgIds(ledger.next_value, ledger.drop_counters)))
    spec, his = load_feed_spec("hsa_trace_sale"), make_engine(his_url)
    window = demo_window()
    on_ready()
    summary = run_feed(spec, his, ledger, sender, window, RunSettings(
        run_id=run_id, mode="batch", batch_size=batch_size, chunk_size=chunk_size, raise_on_halt=False))
    return summary.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("his_url", help="SQLAlchemy URL of the demo HIS")
    parser.add_argument("ledger_url", help="SQLAlchemy URL of the ledger")
    parser.add_argument("endpoint", help="base URL of the accept-all endpoint")
    parser.add_argument("--run-id", default="bench")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--chunk-size", type=int, default=2000)
    args = parser.parse_args()
    ready: dict[str, float] = {}

    def on_ready() -> None:
        ready["baseline_mb"] = rss_mb()
        ready["t0"] = time.perf_counter()

    summary = run_sale_feed(args.his_url, args.ledger_url, args.endpoint, args.batch_size, args.chunk_size,
                            run_id=args.run_id, on_ready=on_ready)
    seconds = time.perf_counter() - ready["t0"]
    emit_result({"summary": summary, "seconds": seconds, "baseline_mb": ready["baseline_mb"],
                 "peak_mb": peak_rss_mb()})


if __name__ == "__main__":
    main()
