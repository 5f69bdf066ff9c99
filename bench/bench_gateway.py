"""What the 医保 real-time gateway adds to a call, measured against calling the simulator directly, in the same
run, with 20 concurrent callers.

1. the 医保 simulator in its own process (``python -m simulators.hsa``, no gateway signature);
2. a fresh PostgreSQL ledger (the gateway journals every call twice: as leaving, then answered) with one token;
3. the gateway in its own process: uvicorn with ``--workers`` (production's way), wired by ``gateway_child.py``;
4. **direct**: ``--callers`` threads, each with its own ``HsaClient`` (one msgid source for all, from the ledger's
   counters in blocks of 50 a second, as the gateway takes them), call 1101 人员信息获取 ``--calls`` times;
5. **gateway**: the same threads POST the same business input to ``/hsa/v1/1101`` over keep-alive.

Both paths sign in, validate the input and parse the answer; the gateway adds HTTP to it, the token check, the
journal and its own validation. Printed: median and p99 of each path and the differences. Checks: the gateway
adds < 10 ms at the median and < 30 ms at p99.

    .venv/bin/python bench/bench_gateway.py [--callers 20] [--calls 50] [--workers 2] [--strict]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pgdb
import requests
from common import add_project_paths

add_project_paths()

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MEDIAN_LIMIT_MS, P99_LIMIT_MS = 10.0, 30.0
#: 张三, one of the simulator's seeded insured persons
PERSON = {"mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X", "psn_cert_type": "01",
          "certno": "36010219800101001X", "psn_name": "张三"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(args: list[str], url: str, env: dict[str, str]):
    proc = subprocess.Popen(args, cwd=BENCH, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(url)
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def measure(callers: int, calls: int, one_call: Callable[[int], Callable[[], None]]) -> list[float]:
    """``callers`` threads, each making ``calls`` calls with its own caller; latencies in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(callers)

    def work(n: int) -> None:
        call = one_call(n)
        call()  # warm up: connection, sign-in
        start.wait()
        mine = []
        for _ in range(calls):
            t0 = time.perf_counter()
            call()
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--callers", type=int, default=20)
    p.add_argument("--calls", type=int, default=50, help="calls per caller on each path")
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers of the gateway")
    p.add_argument("--pg", default=os.environ.get("HISBRIDGE_BENCH_PG", pgdb.DEFAULT_ADMIN_URL))
    p.add_argument("--strict", action="store_true", help="exit 1 when a check fails")
    args = p.parse_args(argv)

    from gateway_child import SETTINGS

    from hisbridge.db import make_engine
    from hisbridge.ledger.store import Ledger
    from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
    from hisbridge.platforms.hsa.gateway.service import HsaGateway
    from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash
    from hisbridge.platforms.hsa.msgid import CounterMsgIds

    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'plugins'}{os.pathsep}{ROOT}{os.pathsep}{BENCH}"}
    sim_port, gw_port = free_port(), free_port()
    sim_url, gw_url = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{gw_port}"
    with pgdb.throwaway_database(args.pg, "hb_bench_gateway") as ledger_url:
        ledger = Ledger(make_engine(ledger_url))
        ledger.ensure_schema()
        token = new_token()
        ledger.add_token(HsaGateway.SERVICE, "bench", token_hash(token), "bench")
        env |= {"HB_BENCH_LEDGER": ledger_url, "HB_BENCH_PLATFORM": sim_url}
        simulator = [sys.executable, "-m", "simulators.hsa", "--port", str(sim_port), "--auth", "none"]
        gateway = [sys.executable, "-m", "uvicorn", "gateway_child:app", "--factory", "--port", str(gw_port),
                   "--workers", str(args.workers), "--log-level", "warning", "--no-access-log"]
        with process(simulator, f"{sim_url}/__admin__/state", env), \
                process(gateway, f"{gw_url}/hsa/v1/health", env):

            # one msgid source for every direct caller, from the ledger's counters as the gateway's is (two sources
            # for one institution would collide within a second), in the same blocks of 50 a second
            msgids = CounterMsgIds(ledger.next_value, ledger.drop_counters, block=50)

            def direct(_: int) -> Callable[[], None]:
                client = HsaClient(HsaSettings(base_url=sim_url, **SETTINGS), msgids=msgids)
                return lambda: client.call("1101", PERSON)

            def through_gateway(_: int) -> Callable[[], None]:
                session = requests.Session()
                session.headers["Authorization"] = f"Bearer {token}"

                def call() -> None:
                    answer = session.post(f"{gw_url}/hsa/v1/1101", json=PERSON, timeout=30)
                    if answer.status_code != 200:
                        raise RuntimeError(f"gateway answered {answer.status_code}: {answer.text[:300]}")
                return call

            plain = measure(args.callers, args.calls, direct)
            gated = measure(args.callers, args.calls, through_gateway)
            journalled = len(ledger.journal_entries(platform="hsa", limit=100_000))
    med = statistics.median(gated) - statistics.median(plain)
    tail = p99(gated) - p99(plain)
    print(f"{args.callers} callers × {args.calls} calls of 1101, gateway with {args.workers} uvicorn workers, "
          f"{journalled} calls journalled")
    print(f"direct  : median {statistics.median(plain):6.1f} ms   p99 {p99(plain):6.1f} ms")
    print(f"gateway : median {statistics.median(gated):6.1f} ms   p99 {p99(gated):6.1f} ms")
    print(f"added   : median {med:6.1f} ms   p99 {tail:6.1f} ms")
    ok = med < MEDIAN_LIMIT_MS and tail < P99_LIMIT_MS
    print(f"check: adds < {MEDIAN_LIMIT_MS:.0f} ms at the median and < {P99_LIMIT_MS:.0f} ms at p99 "
          f"{'PASS' if ok else 'FAIL'}")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
