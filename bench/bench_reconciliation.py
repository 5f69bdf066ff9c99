"""医保日对账 of a busy day: 10,000 settlements, against the simulator over HTTP, with a few planted differences.

1. a throwaway PostgreSQL HIS (the demo schema) and a throwaway ledger;
2. ``--settlements`` settlements of one day in the HIS (outpatient and inpatient, 职工/居民, some 异地, about 2 %
   cancelled the same day with their negative rows) and the same settlements on the simulator (``add_settlement``),
   except ``--planted`` of each kind: only in the HIS, only on the platform, amounts differing;
3. ``daily()`` in this process, the simulator in a thread of it (``SimServer``: real HTTP on 127.0.0.1): 3201 per
   group, then 9101 → 3202 → 9102 for the (agency, 清算类别) scopes that are 不平, the report written;
4. the same day again: everything comes from the journal, nothing is sent.

Printed: both times and the counts. Checks: the first run under 60 s, the planted differences found exactly, the
re-run sends nothing.

    .venv/bin/python bench/bench_reconciliation.py [--settlements 10000] [--planted 3] [--strict]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pgdb
from common import DEMO_DAY, add_project_paths, demo_window

add_project_paths()

LIMIT_S = 60.0
PATIENTS = {"P1": ("360100000000000001", "310"), "P2": ("360100000000000002", "390"),
            "P3": ("440300000000000003", "310")}  # fmt: skip
SECRET = "bench-reconciliation-secret"


def plan_day(n: int, planted: int, seed: int) -> tuple[list[dict], list[dict]]:
    """(HIS rows, platform rows) of one day: the same settlements, but for ``planted`` of each difference."""
    rnd = random.Random(seed)
    start = datetime.combine(DEMO_DAY, datetime.min.time())
    his: list[dict] = []
    for i in range(n):
        pid = rnd.choice(("P1", "P1", "P2", "P2", "P3"))
        psn_no, insutype = PATIENTS[pid]
        inpatient = rnd.random() < 0.1
        medfee = Decimal(rnd.randint(1000, 500000 if inpatient else 50000)) / 100
        fund = (medfee * Decimal("0.6")).quantize(Decimal("0.01"))
        acct = min(medfee - fund, Decimal(rnd.randint(0, 3000)) / 100) if insutype == "310" else Decimal(0)
        at = start + timedelta(seconds=int(i * 86000 / n))
        his.append({"setl_id": f"S{i:08d}", "mdtrt_id": f"MD{i:08d}", "psn_no": psn_no, "patient_id": pid,
                    "visit_kind": "I" if inpatient else "O", "insutype": insutype, "clr_type": "21" if inpatient else "11",
                    "clr_optins": psn_no[:6], "med_type": "21" if inpatient else "11", "setl_time": at,
                    "medfee_sumamt": medfee, "fund_pay_sumamt": fund, "acct_pay": acct,
                    "psn_cash_pay": medfee - fund - acct, "refd_setl_flag": "0", "cancel_of": None, "status": "normal",
                    "msgid": f"H36010000001{i:018d}", "updated_at": at})  # fmt: skip
        if rnd.random() < 0.02:  # cancelled the same day: the original stays, a negative row follows
            his[-1]["status"] = "cancelled"
            twin = dict(his[-1], setl_id=f"R{i:08d}", refd_setl_flag="1", cancel_of=f"S{i:08d}", status="normal",
                        setl_time=at + timedelta(seconds=30), msgid=None)
            for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay"):
                twin[k] = -twin[k]
            his.append(twin)
    platform = [dict(r) for r in his]
    originals = [r for r in his if r["refd_setl_flag"] == "0" and r["status"] == "normal" and r["clr_type"] == "11"]
    picks = rnd.sample(originals, 3 * planted)
    lost_on_platform, lost_in_his, differ = picks[:planted], picks[planted:2 * planted], picks[2 * planted:]
    gone = {r["setl_id"] for r in lost_on_platform}
    platform = [r for r in platform if r["setl_id"] not in gone]
    his = [r for r in his if r["setl_id"] not in {x["setl_id"] for x in lost_in_his}]
    changed = {r["setl_id"] for r in differ}
    his = [dict(r, medfee_sumamt=r["medfee_sumamt"] + 1, psn_cash_pay=r["psn_cash_pay"] + 1)
           if r["setl_id"] in changed else r for r in his]
    return his, platform


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settlements", type=int, default=10_000)
    p.add_argument("--planted", type=int, default=3, help="settlements of each difference kind")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--strict", action="store_true", help="exit 1 when a check fails")
    p.add_argument("--pg", default=os.environ.get("HISBRIDGE_BENCH_PG", pgdb.DEFAULT_ADMIN_URL))
    args = p.parse_args(argv)

    from sqlalchemy import insert

    from demo.his.schema import create_schema, insu_settlement, patient
    from hisbridge.db import make_engine
    from hisbridge.ledger.store import Ledger
    from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
    from hisbridge.platforms.hsa.jobs import JobContext, run_job
    from hisbridge.platforms.hsa.msgid import CounterMsgIds
    from hisbridge.platforms.hsa.reconciliation import daily
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState

    his_rows, platform_rows = plan_day(args.settlements, args.planted, args.seed)
    with (pgdb.throwaway_database(args.pg, "hb_bench_recon_his") as his_url,
          pgdb.throwaway_database(args.pg, "hb_bench_recon_ledger") as ledger_url,
          SimServer(SimState(auth_mode="tif", paasid="hb-bench", secret=SECRET)) as sim,
          tempfile.TemporaryDirectory() as reports):  # fmt: skip
        his = make_engine(his_url)
        create_schema(his)
        with his.begin() as conn:
            conn.execute(insert(patient), [{"patient_id": pid, "name": "测试", "gender": "1", "psn_no": psn,
                                            "insuplc_admdvs": psn[:6], "created_at": datetime(2026, 1, 1)}
                                           for pid, (psn, _) in PATIENTS.items()])  # fmt: skip
            conn.execute(insert(insu_settlement), his_rows)
        with sim.state.lock:  # amounts as text: the simulator's add_settlement reads text or numbers, not Decimal
            for r in platform_rows:
                sim.state.settlement.add_settlement(
                    setl_id=r["setl_id"], mdtrt_id=r["mdtrt_id"], psn_no=r["psn_no"],
                    setl_time=r["setl_time"].strftime("%Y-%m-%d %H:%M:%S"), medfee_sumamt=str(r["medfee_sumamt"]),
                    fund_pay_sumamt=str(r["fund_pay_sumamt"]), acct_pay=str(r["acct_pay"]), clr_type=r["clr_type"],
                    clr_optins=r["clr_optins"], insutype=r["insutype"], cancel_of=r["cancel_of"])
        ledger = Ledger(make_engine(ledger_url))
        ledger.ensure_schema()
        settings = HsaSettings(base_url=sim.url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院",
                               mdtrtarea_admvs="360100", recer_sys_code="his", auth="tif", paasid="hb-bench",
                               secret=SECRET, opter="bench", opter_name="对账", ip="127.0.0.1", read_timeout=60)

        def run() -> tuple[dict, float]:
            ctx = JobContext(his=his, ledger=ledger, window=demo_window(), actor="bench",
                             client_factory=lambda: HsaClient(settings, msgids=CounterMsgIds(ledger.next_value)),
                             reports=Path(reports))
            started = time.perf_counter()
            summary = run_job(daily, ctx)
            return summary, time.perf_counter() - started

        first, first_s = run()
        messages = len(sim.state.journal)
        again, again_s = run()
        resent = len(sim.state.journal) - messages

    print(f"HIS settlements: {len(his_rows)}, platform settlements: {len(platform_rows)}, planted: {args.planted} "
          f"of each kind")
    print(f"daily(): {first_s:.2f} s — {first}")
    print(f"re-run:  {again_s:.2f} s — messages sent again: {resent}")
    checks = {
        f"first run under {LIMIT_S:.0f} s": first_s < LIMIT_S,
        "planted differences found": (first["his_only"], first["platform_only"], first["amount_diff"])
        == (args.planted,) * 3,
        "re-run sends nothing, same summary": resent == 0 and again == first,
    }
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    return 1 if args.strict and not all(checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
