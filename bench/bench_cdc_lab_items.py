"""Routine throughput of the CDC feeds (传染病前置监测, issue 9): 100,000 lab items (检验报告项目) through
``cdc_emr_ex_lab_item``, pushed to the front-end simulator over HTTP and written into a PostgreSQL front-end
database.

1. a throwaway PostgreSQL HIS: the small demo HIS (outpatient, 医保, EMR/LIS for the demo day and the day
   before), plus the benchmark's own lab reports on the day after (``--items`` results, ``--per-report`` to a
   report: 定量 results with reference ranges and flags, every fifth a 定性 result), so the window holds only them;
2. per mode, a fresh ledger (its own throwaway database) and a fresh front-end: **push** — the simulator
   (``python -m simulators.cdc``) in a process of its own, checking every field as the front-end does; **db** —
   the front-end's ``emr_*`` tables installed in a throwaway database;
3. the parents first, untimed for the rate: the patients (``cdc_emr_patient_info``) and the reports
   (``cdc_emr_ex_lab``) of the window are sent, so every item's parent is acknowledged in the ledger and held by
   the front-end;
4. the **items run** (timed): one ``cdc_emr_ex_lab_item`` run over the window — extraction, mapping, validation,
   parent check, one message per record, the ledger; then a **re-run** of the window (everything skipped).

Rates are items per second of the items run. ``--in-flight N`` overrides the feed's ``in_flight`` option (the
requests one run keeps on the wire; default: the feed YAML's).

    .venv/bin/python bench/bench_cdc_lab_items.py [--items 100000] [--per-report 10] [--modes push db]
                                                  [--in-flight N] [--chunk-size 2000] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pgdb
from common import DEMO_DAY, ROOT, add_project_paths, demo_window

add_project_paths()
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

#: the benchmark's reports are on the day after the demo day: the window holds nothing else
BENCH_DAY = DEMO_DAY + timedelta(days=1)
LAB_DEPT = "5010"  # 检验科 (mapped to A30)
REQUESTING = ("1020", "1110", "1180", "1190")  # departments the CDC dept map knows
QUANT = (("WBC", "白细胞计数", "10^9/L", 3.5, 9.5), ("NEUT%", "中性粒细胞百分比", "%", 40.0, 75.0),
         ("HGB", "血红蛋白", "g/L", 115.0, 150.0), ("PLT", "血小板计数", "10^9/L", 125.0, 350.0),
         ("CRP", "C反应蛋白", "mg/L", 0.0, 10.0), ("ALT", "丙氨酸氨基转移酶", "U/L", 7.0, 40.0),
         ("CREA", "肌酐", "μmol/L", 57.0, 111.0), ("GLU", "葡萄糖", "mmol/L", 3.9, 6.1))
QUAL = (("FLUA-Ag", "甲型流感病毒抗原"), ("HBsAg", "乙型肝炎表面抗原"))


def bench_window() -> tuple[datetime, datetime]:
    return demo_window(BENCH_DAY)


# ------------------------------------------------------------------------------------------------ the HIS


def seed_his(his_url: str, items: int, per_report: int) -> dict[str, int]:
    """The demo HIS plus ``items`` lab results of the benchmark's day; returns the counts written."""
    from sqlalchemy import func, insert, select

    from demo.his import schema as s
    from demo.his.emr import generate_emr
    from demo.his.emr_refdata import UNKNOWN_MARITAL
    from demo.his.generate import generate
    from demo.his.insurance import generate_insurance
    from hisbridge.db import make_engine

    his = make_engine(his_url)
    try:
        generate(his, DEMO_DAY, 300)
        generate_insurance(his, DEMO_DAY)
        generate_emr(his, DEMO_DAY)
        with his.connect() as conn:
            # not the patient planted with an unmapped marital status: his reports would wait for him
            patients = list(conn.execute(select(s.patient_extra.c.patient_id)
                                         .where(s.patient_extra.c.marital_code != UNKNOWN_MARITAL)
                                         .order_by(s.patient_extra.c.patient_id)).scalars())
            staff = conn.execute(select(s.staff.c.staff_code).where(s.staff.c.dept_code == LAB_DEPT)
                                 .order_by(s.staff.c.staff_code)).scalars().first()
            if staff is None:
                staff = conn.execute(select(func.min(s.staff.c.staff_code))).scalar_one()
        reports, results = _bench_rows(patients, staff, items, per_report)
        with his.begin() as conn:
            for start in range(0, len(reports), 5000):
                conn.execute(insert(s.lab_report), reports[start:start + 5000])
            for start in range(0, len(results), 10000):
                conn.execute(insert(s.lab_result), results[start:start + 10000])
        with his.begin() as conn:  # the planner needs the statistics to join 100k results sensibly
            conn.exec_driver_sql("ANALYZE")
    finally:
        his.dispose()
    return {"reports": len(reports), "results": len(results)}


def _bench_rows(patients: Sequence[str], staff: str, items: int, per_report: int
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Deterministic reports and results spread over the benchmark's day (no randomness: same rows each run)."""
    reports: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    n_reports = -(-items // per_report)
    day_start = datetime.combine(BENCH_DAY, datetime.min.time())
    for n in range(n_reports):
        sample = day_start + timedelta(seconds=30 + n * (82_000 // n_reports))  # reported before midnight
        reported = sample + timedelta(minutes=40)
        report_id = f"BJY{n:09d}"
        reports.append({
            "report_id": report_id, "apply_no": f"BSQ{n:09d}", "patient_id": patients[n % len(patients)],
            "visit_kind": "O", "reg_id": None, "adm_id": None, "apply_dept_code": REQUESTING[n % len(REQUESTING)],
            "apply_doctor_code": None, "panel_code": "BENCH", "panel_name": "基准测试组合", "micro_flag": "N",
            "specimen_no": f"B{n:09d}", "specimen_type": "SER", "sample_time": sample,
            "receive_time": sample + timedelta(minutes=10), "test_doctor_code": staff,
            "test_time": sample + timedelta(minutes=25), "report_no": f"BJYBG{n:09d}", "findings": None,
            "conclusion": None, "remark": None, "report_time": reported, "audit_doctor_code": staff,
            "report_dept_code": LAB_DEPT, "revision": 1, "status": "reported", "void_time": None,
            "void_reason": None, "updated_at": reported})
        for seq in range(1, min(per_report, items - n * per_report) + 1):
            row: dict[str, Any] = {
                "result_id": f"BJG{n:09d}{seq:03d}", "report_id": report_id, "seq_no": seq, "quant_value": None,
                "unit": None, "ref_low": None, "ref_high": None, "abn_flag": None, "qual_result": None,
                "germ_code": None, "germ_name": None, "test_time": sample + timedelta(minutes=25),
                "status": "normal", "void_time": None, "updated_at": reported}
            if seq % 5 == 0:
                code, name = QUAL[(n + seq) % len(QUAL)]
                row.update(item_code=code, item_name=name, result_kind="Q",
                           qual_result="阳性" if (n + seq) % 17 == 0 else "阴性")
            else:
                code, name, unit, low, high = QUANT[(n + seq) % len(QUANT)]
                value = low + (high - low) * (((n * 7 + seq * 13) % 120) / 100.0)
                row.update(item_code=code, item_name=name, result_kind="N", quant_value=f"{value:.1f}", unit=unit,
                           ref_low=f"{low:.1f}", ref_high=f"{high:.1f}", abn_flag="H" if value > high else "N")
            results.append(row)
    return reports, results


# ------------------------------------------------------------------------------------------------ front-ends


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def simulator(startup_timeout_s: float = 30.0) -> Iterator[str]:
    """The CDC front-end simulator in its own process (so it does not share our interpreter); yields its URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "simulators.cdc", "--port", str(port), "--log-level", "warning",
           "--journal-max", "1000"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"})
        try:
            deadline = time.monotonic() + startup_timeout_s
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError("the simulator exited: " + log.read()[-3000:].decode(errors="replace"))
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the simulator did not listen on {port} in {startup_timeout_s} s") from None
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


# ------------------------------------------------------------------------------------------------ one mode


@dataclass(frozen=True)
class ModeResult:
    mode: str
    in_flight: int
    parents: dict[str, dict[str, Any]]
    items: dict[str, Any]
    items_wall_s: float
    rerun: dict[str, Any]
    held: int  # items the front-end holds after the run

    @property
    def rate(self) -> float:
        return self.items["selected"] / self.items_wall_s


def run_mode(args: argparse.Namespace, mode: str, his_url: str) -> ModeResult:
    from hisbridge.db import make_engine
    from hisbridge.ledger.store import Ledger
    from hisbridge.pipeline.run import RunSettings, run_feed
    from hisbridge.pipeline.spec import FeedSpec, load_feed_spec

    his = make_engine(his_url)
    items_spec = load_feed_spec("cdc_emr_ex_lab_item")
    if args.in_flight:
        items_spec = FeedSpec.model_validate(
            {**items_spec.model_dump(), "options": {**items_spec.options, "in_flight": args.in_flight}})
    in_flight = items_spec.platform_options.in_flight
    window = bench_window()
    with pgdb.throwaway_database(args.pg, f"hb_bench_cdc_ledger_{mode}") as ledger_url, \
            _front_end(args, mode) as (sender, held):
        ledger = Ledger(make_engine(ledger_url))
        ledger.ensure_schema()
        sender = sender(ledger)
        parents = {}
        for feed in ("cdc_emr_patient_info", "cdc_emr_ex_lab"):
            t0 = time.perf_counter()
            summary = run_feed(load_feed_spec(feed), his, ledger, sender, window, RunSettings(run_id=f"bench-{feed}"))
            parents[feed] = {**summary.as_dict(), "wall_s": time.perf_counter() - t0}
            print(f"  {mode}: {feed}: {summary.acknowledged:,} acknowledged, {summary.quarantined:,} quarantined "
                  f"in {parents[feed]['wall_s']:.1f} s", flush=True)
        settings = RunSettings(run_id="bench-items", chunk_size=args.chunk_size)
        t0 = time.perf_counter()
        items = run_feed(items_spec, his, ledger, sender, window, settings)
        wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        rerun = run_feed(items_spec, his, ledger, sender, window, RunSettings(run_id="bench-items-again",
                                                                               chunk_size=args.chunk_size))
        rerun_wall = time.perf_counter() - t0
        result = ModeResult(mode, in_flight, parents, items.as_dict(), wall,
                            {**rerun.as_dict(), "wall_s": rerun_wall}, held())
    his.dispose()
    return result


@contextmanager
def _front_end(args: argparse.Namespace, mode: str) -> Iterator[tuple[Any, Any]]:
    """``(make_sender(ledger), held())`` for the mode; ``held()`` counts the items the front-end holds."""
    if mode == "push":
        import requests

        from hisbridge.platforms.cdc.client import CdcClient, CdcSettings
        from hisbridge.platforms.cdc.sender import CdcSender

        with simulator() as url:
            def held() -> int:
                state = requests.get(f"{url}/__admin__/state", timeout=30).json()
                return state["counts"]["emrExLabItem"]["live"]

            yield (lambda ledger: CdcSender(CdcClient(CdcSettings(base_url=url)), ledger=ledger)), held
        return
    from sqlalchemy import text

    from hisbridge.db import make_engine
    from hisbridge.platforms.cdc import ddl
    from hisbridge.platforms.cdc.frontend_db import FrontendDbSender

    with pgdb.throwaway_database(args.pg, "hb_bench_cdc_frontend") as frontend_url:
        engine = make_engine(frontend_url)
        ddl.install(engine)

        def count() -> int:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM emr_ex_lab_item")).scalar_one()

        try:
            yield (lambda ledger: FrontendDbSender(engine, ledger=ledger)), count
        finally:
            engine.dispose()


# ------------------------------------------------------------------------------------------------ report


def table(results: Sequence[ModeResult]) -> str:
    lines = ["| mode | in flight | items | acknowledged | quarantined | messages | items run (s) | items/s "
             "| held by the front-end | re-run (s) | re-run messages | parents (s) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        parents = sum(p["wall_s"] for p in r.parents.values())
        lines.append(f"| {r.mode} | {r.in_flight} | {r.items['selected']:,} | {r.items['acknowledged']:,} | "
                     f"{r.items['quarantined']:,} | {r.items['messages']:,} | {r.items_wall_s:.1f} | {r.rate:,.0f} | "
                     f"{r.held:,} | {r.rerun['wall_s']:.1f} | {r.rerun['messages']:,} | {parents:.1f} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=100_000, help="lab results (检验报告项目) in the window")
    p.add_argument("--per-report", type=int, default=10, help="results per report")
    p.add_argument("--modes", nargs="+", choices=("push", "db"), default=["push", "db"])
    p.add_argument("--in-flight", type=int, help="requests on the wire at once (1–8; default: the feed's option)")
    p.add_argument("--chunk-size", type=int, default=2000, help="records per extraction chunk")
    p.add_argument("--pg", default=os.environ.get("HISBRIDGE_BENCH_PG", pgdb.DEFAULT_ADMIN_URL),
                   help="libpq URL of a maintenance database on the server (env HISBRIDGE_BENCH_PG)")
    args = p.parse_args(argv)
    if args.items < 1 or args.per_report < 1 or (args.in_flight is not None and not 1 <= args.in_flight <= 8):
        p.error("--items and --per-report must be ≥ 1, --in-flight 1–8")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = []
    with pgdb.throwaway_database(args.pg, "hb_bench_cdc_his") as his_url:
        t0 = time.perf_counter()
        seeded = seed_his(his_url, args.items, args.per_report)
        print(f"HIS: demo day + {seeded['reports']:,} reports / {seeded['results']:,} results on {BENCH_DAY} "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)
        for mode in args.modes:
            print(f"{mode}: parents, then {args.items:,} items …", flush=True)
            result = run_mode(args, mode, his_url)
            print(f"{mode}: {result.items['selected']:,} items in {result.items_wall_s:.1f} s → "
                  f"{result.rate:,.0f} items/s (re-run {result.rerun['wall_s']:.1f} s, "
                  f"{result.rerun['messages']} messages)", flush=True)
            results.append(result)
    print()
    print(table(results))
    bad = [r.mode for r in results if r.items["acknowledged"] != args.items or r.held != args.items
           or r.rerun["messages"]]
    if bad:
        print(f"check: FAIL — not every item delivered exactly once in {', '.join(bad)}")
        return 1
    print(f"check: PASS — every item acknowledged and held by the front-end, re-runs sent nothing "
          f"({', '.join(r.mode for r in results)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
