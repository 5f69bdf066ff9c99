"""Throughput and memory of the sale feed (3505A) at two scales: is extraction really streaming?

For each scale: a demo HIS in SQLite (generated once, not timed), a fresh SQLite ledger, the 医保 simulator in
its own process (so its growing in-memory state is not counted), then one run of ``hsa_trace_sale`` over the
whole demo day in a fresh Python process, which reports rows/s and its peak RSS. The peak is compared with the
same process's RSS just before the run (after imports), so the difference is what the run itself needed.

    .venv/bin/python bench/bench_sale_feed.py [--scales 20000 200000] [--batch-size 200] [--chunk-size 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]

SECRET = "bench-secret-0123456789abcdef"

CHILD = r"""
import json, resource, sys, time
from datetime import datetime, timedelta
sys.path[:0] = [sys.argv[1] + "/plugins", sys.argv[1]]
his_path, ledger_path, url, batch_size, chunk_size, secret = sys.argv[2:8]
from hisbridge.db import make_engine, sqlite_url
from hisbridge.ledger.msgids import LedgerMsgIds
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.pipeline.validate import _gx_context
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.outbox import HsaOutbox
import great_expectations, pandas  # imported up front so the baseline includes them
_gx_context()

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
ledger = Ledger(make_engine(sqlite_url(ledger_path)))
ledger.ensure_schema()
settings = HsaSettings(base_url=url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院",
                       mdtrtarea_admvs="360100", recer_sys_code="his", auth="tif", paasid="bench", secret=secret,
                       opter="bench", opter_name="基准测试", ip="127.0.0.1")
outbox = HsaOutbox(HsaClient(settings, msgids=LedgerMsgIds(ledger.engine)))
baseline = rss_mb()
start = datetime(2026, 11, 24)
t0 = time.perf_counter()
summary = run_feed(load_feed_spec("hsa_trace_sale"), make_engine(sqlite_url(his_path)), ledger, outbox,
                   start, start + timedelta(days=1), run_id="bench", batch_size=int(batch_size),
                   chunk_size=int(chunk_size), raise_on_halt=False)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT" + json.dumps({"selected": summary.selected, "acknowledged": summary.acknowledged,
      "messages": summary.messages, "seconds": seconds, "baseline_mb": baseline, "peak_mb": peak}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench(scale: int, workdir: Path, batch_size: int, chunk_size: int) -> dict:
    from demo.his.generate import generate
    from hisbridge.db import make_engine, sqlite_url

    his_path = workdir / f"his_{scale}.db"
    if not his_path.exists():
        t0 = time.perf_counter()
        generate(make_engine(sqlite_url(str(his_path))), __import__("datetime").date(2026, 11, 24), scale)
        print(f"  generated HIS at scale {scale} in {time.perf_counter() - t0:.1f} s", flush=True)
    ledger_path = workdir / f"ledger_{scale}.db"
    ledger_path.unlink(missing_ok=True)
    port = _free_port()
    env = dict(os.environ, HSA_SIM_SECRET=SECRET, PYTHONPATH=str(ROOT))
    sim = subprocess.Popen([sys.executable, "-m", "simulators.hsa", "--port", str(port), "--auth", "tif",
                            "--paasid", "bench"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(his_path), str(ledger_path),
                              f"http://127.0.0.1:{port}", str(batch_size), str(chunk_size), SECRET],
                             capture_output=True, text=True, env=dict(os.environ, TQDM_DISABLE="1"))
        if out.returncode:
            raise SystemExit(f"benchmark run failed:\n{out.stderr[-3000:]}")
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT"))
    result = json.loads(line[len("RESULT"):])
    result["scale"] = scale
    result["rows_per_s"] = result["selected"] / result["seconds"]
    result["run_mb"] = result["peak_mb"] - result["baseline_mb"]
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", type=int, nargs="+", default=[20_000, 200_000])
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--chunk-size", type=int, default=2000)
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "hisbridge-bench")
    args = p.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for scale in args.scales:
        print(f"scale {scale}: running hsa_trace_sale over the whole demo day …", flush=True)
        rows.append(bench(scale, args.workdir, args.batch_size, args.chunk_size))
    print("\n| sale lines | records read | acknowledged | messages | seconds | rows/s | RSS before run (MB) "
          "| peak RSS (MB) | run needed (MB) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['scale']:,} | {r['selected']:,} | {r['acknowledged']:,} | {r['messages']:,} | "
              f"{r['seconds']:.1f} | {r['rows_per_s']:,.0f} | {r['baseline_mb']:.0f} | {r['peak_mb']:.0f} | "
              f"{r['run_mb']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
