"""``python -m hisbridge demo``: every 医保 traceability feed, end to end, on the embedded default.

Builds a demo HIS in SQLite (deterministic, seeded), starts the 医保 simulator in-process (TIF signatures,
strict field checks, real inventory and traceability-code state), and runs each feed DAG's data windows — the
same windows the scheduler would create, through the same ``run_feed`` the ``FeedOperator`` calls — for the day
before the demo day (history, so later corrections have something to correct) and the demo day. Then it prints
a table per feed, checks the seeded edge cases against the ledger, re-runs a feed to show nothing is sent twice,
and says where the ledger and the logs are and how to open the Airflow UI on the same data.

The ledger is stamped in demo time (:mod:`demo.clock`): each window's run just after the window closed, as the
scheduler would have run it, so the health page read as of the end of the demo day judges the feeds as an
operator would the morning after (the real clock made every feed days late).
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import shutil
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

from hisbridge import PROJECT_DIR
from hisbridge import logging as pii_logging

DEMO_DAY = date(2026, 11, 24)
DEMO_SECRET = "demo-only-hsa-secret-not-for-production"  # the local simulator's; never a real one
DEMO_PAASID = "hisbridge-demo"
FIXMEDINS_CODE = "H36010000001"
COUNTS = ("selected", "acknowledged", "rejected", "quarantined", "withdrawn", "skipped", "unknown", "pending",
          "messages")

log = logging.getLogger("hisbridge.demo")


def feed_schedules() -> dict[str, str]:
    """feed id → cron expression of its data windows, from the window each feed's YAML declares (the DAG files
    read the same declaration through ``hisbridge.scheduling.feed_timetable``), parents before the feeds that
    name them (the DAGs order their tasks the same way)."""
    from hisbridge.pipeline.spec import all_feed_ids, load_feed_spec
    from hisbridge.scheduling import cron_of, feed_window  # imports Airflow, which configures logging

    _quiet_console()
    feeds = all_feed_ids()
    order: list[str] = []

    def visit(feed: str) -> None:
        if feed not in order:
            for parent in load_feed_spec(feed).parents:
                if parent.feed in feeds:
                    visit(parent.feed)
            order.append(feed)

    for feed in feeds:
        visit(feed)
    return {feed: cron_of(feed_window(feed)) for feed in order}


def feed_passes(schedules: dict[str, str]) -> list[str]:
    """The order the demo runs the feeds in, as the DAGs do: parents first, and the children of a header that can
    be voided (lab items of a lab report) also once before their header, so that the items of a voided header
    are withdrawn before the header is (the CDC front-end and the 互认 platform refuse to delete a record that
    still has items)."""
    from hisbridge.pipeline.spec import load_feed_spec

    passes: list[str] = []
    for feed in schedules:
        voidable = load_feed_spec(feed).voided_column is not None
        items = [f for f in schedules if voidable and any(p.feed == feed for p in load_feed_spec(f).parents)]
        passes += [*items, feed]
    return passes


class _LinesToLogging:
    """A file for Airflow's structlog loggers (they write rendered lines straight to stdout): each line becomes
    a record of the ``airflow`` logger, which goes where the demo's logging goes — the log file."""

    def write(self, data: str | bytes) -> int:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if text.strip():
            logging.getLogger("airflow").warning("%s", text.rstrip())
        return len(data)

    def flush(self) -> None:
        pass


_held: logging.Handler | None = None  # records logged before the log file is open (see _quiet_console)
_file_handler: logging.Handler | None = None
#: set by :func:`main`: this process is ``make demo``, its console is the report's. Tests calling run_demo keep
#: their process's logging (a test runner's capture, Airflow's task output) as it is.
_own_console = False


def _quiet_console() -> None:
    """Importing Airflow puts a console handler on the root logger, prints warnings and its own structlog lines
    on the terminal: before the report, a newcomer saw Airflow's lines. The demo's console is for its steps and
    its report; everything else is held here until :func:`_setup_logging` opens the log file, then goes there
    (WARNING and above; hisbridge's and the simulators' INFO lines too)."""
    global _held
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    for name in ("airflow", "great_expectations", "py.warnings"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if not _own_console:
        return
    consoles = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    for handler in list(root.handlers):  # a test runner's capturing handlers (not on a console) stay
        if (isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
                and getattr(handler, "stream", None) in consoles):
            root.removeHandler(handler)
    if _held is None and _file_handler is None:
        from logging.handlers import MemoryHandler

        _held = MemoryHandler(capacity=100_000, flushLevel=logging.CRITICAL + 1)
        root.addHandler(_held)
    logging.captureWarnings(True)  # warnings.warn → logger py.warnings (Airflow prints them otherwise)
    try:
        import structlog

        factory = structlog.get_config().get("logger_factory")
        if hasattr(factory, "io"):  # Airflow's LoggerFactory: the stream its loggers write to
            factory.io = _LinesToLogging()
    except ImportError:  # pragma: no cover - Airflow brings structlog
        pass


def windows(cron: str, day: date) -> list[tuple[datetime, datetime]]:
    """The data intervals of ``cron`` that cover ``day`` (naive Asia/Shanghai wall-clock, as the HIS keeps it)."""
    from croniter import croniter

    start = datetime.combine(day, datetime.min.time())
    end = start + timedelta(days=1)
    it = croniter(cron, start - timedelta(seconds=1))
    out, prev = [], it.get_next(datetime)
    while prev < end:
        nxt = it.get_next(datetime)
        out.append((prev, nxt))
        prev = nxt
    return out


def _setup_logging(log_dir: Path) -> Path:
    """Open ``log_dir/demo.log`` (PII masked) for every log line of the run: hisbridge's and the simulators' from
    INFO, any other library's (Airflow, uvicorn, warnings) from WARNING. Nothing goes to the console."""
    global _held, _file_handler
    pii_logging.install()
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "demo.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(pii_logging.PiiFilter())
    root = logging.getLogger()
    previous, _file_handler = _file_handler, handler
    for name in ("hisbridge", "simulators", *([""] if _own_console else [])):  # "": root, everything else
        logger = logging.getLogger(name)
        if previous is not None:  # a second run in the same process (tests): the old file is closed
            logger.removeHandler(previous)
        logger.addHandler(handler)
        if name:
            logger.setLevel(logging.INFO)
            logger.propagate = False  # the console shows the report
    if previous is not None:
        previous.close()
    if _held is not None:  # what was logged before the file was open
        root.removeHandler(_held)
        _held.setTarget(handler)
        _held.close()  # flushes into the file
        _held = None
    _quiet_console()  # in case something re-installed a console handler since
    return path


def run_demo(out_dir: Path, *, day: date = DEMO_DAY, scale: int = 300, mode: str = "batch", batch_size: int = 50,
             seed: int = 42, echo=print) -> dict:
    """Run the whole demo into ``out_dir``; returns per-feed totals, edge-case checks and paths (for tests)."""
    from demo.clock import DemoClock, as_of, shanghai, write_clock_file
    from demo.his.city_brain import generate_city_brain
    from demo.his.emr import generate_emr, replay_day_changes, rewind_day_changes
    from demo.his.generate import generate
    from demo.his.insurance import generate_insurance, seed_platform
    from demo.his.mutual import generate_mutual, replay_mutual_changes, rewind_mutual_changes
    from demo.his.schema import create_schema
    from demo.mutual_demo import ORG_CODE, check_mutual_cases, seed_foreign_reports, workstation_step
    from hisbridge.db import make_engine, sqlite_url
    from hisbridge.ledger.sessions import SessionStore
    from hisbridge.ledger.store import Ledger
    from hisbridge.pipeline.run import RunSettings, run_feed
    from hisbridge.pipeline.spec import load_feed_spec
    from hisbridge.platforms.cdc.client import CdcClient, CdcSettings
    from hisbridge.platforms.cdc.sender import CdcSender
    from hisbridge.platforms.city_brain.client import CityBrainClient, PushSettings
    from hisbridge.platforms.city_brain.pushes import PUSH_FEEDS, push_window
    from hisbridge.platforms.city_brain.sender import CityBrainSender
    from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
    from hisbridge.platforms.hsa.msgid import CounterMsgIds
    from hisbridge.platforms.hsa.sender import HsaSender
    from hisbridge.platforms.hsa.signin import SHANGHAI, SharedSignIns, shanghai_day, sign_out_day
    from hisbridge.platforms.mutual.client import MutualClient
    from hisbridge.platforms.mutual.sender import MutualSender
    from hisbridge.platforms.mutual.settings import MutualSettings
    from simulators.cdc.server import SimServer as CdcSimServer
    from simulators.cdc.state import SimState as CdcSimState
    from simulators.city_brain.server import DEMO_APP_ID as CITY_BRAIN_APP_ID
    from simulators.city_brain.server import DEMO_SECRET as CITY_BRAIN_SECRET
    from simulators.city_brain.server import CityBrainSimulatorServer
    from simulators.hsa.server import SimServer
    from simulators.hsa.state import SimState
    from simulators.mutual.server import MutualSimulatorServer

    schedules = feed_schedules()  # imports Airflow, which configures logging: do it first
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    log_path = _setup_logging(out_dir / "logs")
    his_path, ledger_path = out_dir / "his.db", out_dir / "ledger.db"
    clock_path = write_clock_file(out_dir, day)  # make airflow reads the health page's "now" from it

    echo(f"1. 生成演示 HIS 数据库（SQLite，{scale} 条发药明细，演示日 {day}）…")
    his = make_engine(sqlite_url(str(his_path)))
    create_schema(his)
    demo = generate(his, day, scale, seed=seed)
    insurance = generate_insurance(his, day, seed=seed)
    emr = generate_emr(his, day, seed=seed)
    mutual_data = generate_mutual(his, day, seed=seed)  # 预约 and the planted 互认 cases (revised, withdrawn, unmapped)
    city_brain = generate_city_brain(his, day, seed=seed)  # 先诊疗后付费: signs, 收费, 申请单 and the planted journey
    rewind_day_changes(his, emr)  # the EMR as it stood at the end of the day before; replayed after that day's runs
    rewind_mutual_changes(his, mutual_data)
    # demo time: every ledger stamp is when the scheduler would have made it (demo.clock), not the real clock
    clock = DemoClock(shanghai(datetime.combine(day - timedelta(days=1), datetime.min.time())))
    ledger = Ledger(make_engine(sqlite_url(str(ledger_path))), clock=clock)
    ledger.ensure_schema()

    totals: dict[str, dict[str, int]] = {}
    reasons: dict[str, dict[str, int]] = {}
    echo("2. 启动医保平台模拟器（TIF 签名校验）并按 DAG 的数据窗口运行各接口 …")
    with SimServer(SimState(auth_mode="tif", paasid=DEMO_PAASID, secret=DEMO_SECRET)) as sim, \
            CdcSimServer(CdcSimState()) as cdc, MutualSimulatorServer() as mutual, CityBrainSimulatorServer() as brain:
        mutual_visits = seed_foreign_reports(mutual, his, day)  # other hospitals' reports of the day's patients
        settings = HsaSettings(
            base_url=sim.url, fixmedins_code=FIXMEDINS_CODE, fixmedins_name="南昌市第一医院", mdtrtarea_admvs="360100",
            recer_sys_code="his", auth="tif", paasid=DEMO_PAASID, secret=DEMO_SECRET, opter="hisbridge",
            opter_name="数据集成平台", ip="127.0.0.1",
        )
        store = SessionStore(ledger.engine)
        # the platform's side of the settlements of the last 40 days (what the hospital settled there)
        seed_platform(sim.state, his, day - timedelta(days=40), day, insurance.edge_cases)

        def task_sender() -> HsaSender:
            """What each Airflow task builds: its own client, the ledger's msgids and the day's shared sign-in."""
            msgids = CounterMsgIds(ledger.next_value, ledger.drop_counters)
            return HsaSender(HsaClient(settings, msgids=msgids, sign_ins=SharedSignIns(store, actor="demo")))

        def sender_for(spec):
            if spec.platform == "city_brain":  # 城市大脑 (simulator): pushes of the visit's events, history pages
                return CityBrainSender(CityBrainClient(PushSettings(
                    base_url=brain.url, app_id=CITY_BRAIN_APP_ID, secret=CITY_BRAIN_SECRET)))
            if spec.platform == "mutual":  # 省检查检验互认平台 (simulator), batch uploads
                return MutualSender(MutualClient(MutualSettings(base_url=mutual.url, org_code=ORG_CODE)))
            if spec.platform == "cdc":  # the front-end's push API (the demo's Variable cdc_delivery_target=api)
                return CdcSender(CdcClient(CdcSettings(base_url=cdc.url)), ledger=ledger)
            return task_sender()

        for run_day in (day - timedelta(days=1), day):
            if run_day == day:
                replay_day_changes(his, emr)  # what the HIS changed on the demo day: voids, revisions, new codes
                replay_mutual_changes(his, mutual_data)
            for feed in feed_passes(schedules):
                if feed in PUSH_FEEDS:
                    continue  # the 城市大脑 pushes run together, below, as their DAG runs them
                cron = schedules[feed]
                spec = load_feed_spec(feed)
                if spec.platform == "regional":
                    continue  # step 9 (regional_step) delivers them into the simulated 前置库
                sender = sender_for(spec)
                agg = defaultdict(int)
                why: dict[str, int] = defaultdict(int)
                spans = windows(cron, run_day)
                for ws, we in spans:
                    clock.run_of((ws, we))
                    summary = run_feed(spec, his, ledger, sender, (ws, we), RunSettings(
                        run_id=f"demo__{feed}__{ws:%Y%m%dT%H%M}", mode=mode, batch_size=batch_size, actor="demo",
                        raise_on_halt=False))
                    for name in COUNTS:
                        agg[name] += getattr(summary, name)
                    for reason, n in summary.reasons.items():
                        why[reason] += n
                agg["windows"] = len(spans)
                if run_day == day:
                    totals[feed], reasons[feed] = dict(agg), dict(why)
            # 城市大脑推送 (DAG city_brain_push): every event type of a window in journey order, per visit; hourly
            # windows here (the DAG's are 2 minutes) — the slicing keeps a visit's events in order either way
            pushed = {feed: defaultdict(int) for feed in PUSH_FEEDS}
            brain_sender = sender_for(load_feed_spec(next(iter(PUSH_FEEDS))))
            hours = windows("0 * * * *", run_day)
            for ws, we in hours:
                clock.run_of((ws, we))
                summary = push_window(his, ledger, brain_sender, (ws, we), lambda feed, tag, ws=ws: RunSettings(
                    run_id=f"demo__{feed}__{ws:%Y%m%dT%H%M}{'__' + tag if tag else ''}", actor="demo",
                    raise_on_halt=False))
                for feed, counts in summary.feeds.items():
                    for name in COUNTS:
                        pushed[feed][name] += int(counts.get(name, 0))
            if run_day == day:
                for feed, agg in pushed.items():
                    totals[feed] = {**agg, "windows": len(hours)}
                    reasons[feed] = {}

        clock.after_day(day)  # everything below happens after the day's last window, before the page's as-of
        echo("3. 重跑演示日的商品销售全部窗口（模拟运维 Clear/Backfill）…")
        rerun = defaultdict(int)
        spec = load_feed_spec("hsa_trace_sale")
        sender = task_sender()
        for ws, we in windows(schedules["hsa_trace_sale"], day):
            summary = run_feed(spec, his, ledger, sender, (ws, we), RunSettings(
                run_id=f"demo_rerun__{ws:%H%M}", mode=mode, batch_size=batch_size, actor="demo-rerun",
                raise_on_halt=False))
            for name in COUNTS:
                rerun[name] += getattr(summary, name)
        from demo.gateway_visit import outpatient_settlement

        gateway_visit = outpatient_settlement(ledger, settings, echo)
        from demo.settlement_jobs import settlement_jobs

        def job_client() -> HsaClient:
            return HsaClient(settings, msgids=CounterMsgIds(ledger.next_value, ledger.drop_counters),
                             sign_ins=SharedSignIns(store, actor="demo"))

        jobs = settlement_jobs(his, ledger, job_client, day, insurance.edge_cases, out_dir / "reports", echo)
        # the 23:55 sign-out (DAG hsa_sign_out): each operator's shared sign-in of the day ends with one 9002
        sign_out_day(store, lambda: HsaClient(settings, msgids=CounterMsgIds(ledger.next_value)),
                     shanghai_day(datetime.now(SHANGHAI)), include_day=True, actor="demo")
        platform_state = sim.state.summary()
        cdc_records = {entity: {rid: rec.versions for rid, rec in by_id.items() if not rec.deleted}
                       for entity, by_id in cdc.state.records.items()}
        echo("6. 检查检验互认：医生工作站的接诊提醒、开单提醒与互认页面 …")
        workstation = workstation_step(mutual, his, ledger, mutual_visits, echo)
        from demo.mutual_demo import unmapped_items_step

        unmapped_items_step(his, ledger, day, out_dir / "reports", echo)  # the lab's 互认项目未对照清单
        mutual_checks = check_mutual_cases(ledger, mutual_data.edge_cases, mutual.state)
        echo("7. 城市大脑先诊疗后付费：城市大脑调用医院接口（签名），推送到达城市大脑 …")
        from demo.city_brain_demo import api_step

        city_brain_api = api_step(his, ledger, brain, city_brain.edge_cases, day, echo)
        echo("8. 九龙湖院区：业务数据导出（门诊挂号信息、在院患者信息），七类字典同步到院区 HIS …")
        from demo.jiulonghu_exports_demo import exports_step
        from demo.jiulonghu_sync_demo import sync_step

        jiulonghu_exports = exports_step(his, day, out_dir, echo)
        jiulonghu = sync_step(his, ledger, out_dir, echo, clock=clock)  # last: it edits a drug and a nurse in the HIS
        from demo.regional_demo import regional_step

        regional = regional_step(his, ledger, out_dir, day, echo, clock=clock)
        for name, n in regional["uploaded"].items():
            totals[f"regional_{name}"] = {"selected": n, "acknowledged": n, "windows": 1}
            reasons[f"regional_{name}"] = {}
        sign_calls = Counter(e["infno"] for e in sim.state.journal.values() if e["infno"] in ("9001", "9002"))
        from simulators.city_brain.persist import CITY_BRAIN
        from simulators.hsa.persist import HSA
        from simulators.mutual.persist import MUTUAL

        # make airflow's simulators start from what this demo delivered (a 3507 or a 互认 withdrawal finds the
        # records, a re-sent push is a duplicate); scripts/airflow_demo.sh passes these files as --state
        HSA.save(sim.state, out_dir / "hsa_simulator_state.json")
        MUTUAL.save(mutual.state, out_dir / "mutual_simulator_state.json")
        CITY_BRAIN.save(brain.state, out_dir / "city_brain_simulator_state.json")

    checks = (check_edge_cases(ledger, demo.edge_cases) + check_catalog_cases(ledger, his, insurance.edge_cases)
              + check_cdc_cases(ledger, emr.edge_cases, cdc_records) + mutual_checks)
    pii = type(demo.pii)(*(tuple(a) + tuple(b) + tuple(c) + tuple(d) for a, b, c, d in zip(
        (demo.pii.names, demo.pii.id_card_nos, demo.pii.phones),
        (insurance.pii.names, insurance.pii.id_card_nos, insurance.pii.phones),
        (emr.pii.names, emr.pii.id_card_nos, emr.pii.phones),
        (city_brain.pii.names, city_brain.pii.id_card_nos, city_brain.pii.phones), strict=True)))
    result = {"totals": totals, "reasons": reasons, "rerun": dict(rerun), "checks": checks,
              "his": his_path, "ledger": ledger_path, "log": log_path, "pii": pii, "platform": platform_state,
              "sign_calls": dict(sign_calls), "gateway_visit": gateway_visit, "jobs": jobs,
              "reports": out_dir / "reports", "workstation": workstation, "city_brain": city_brain.edge_cases,
              "city_brain_api": city_brain_api, "jiulonghu": jiulonghu, "exports": jiulonghu_exports,
              "regional": regional, "as_of": as_of(day), "clock_file": clock_path}
    _print_report(result, mode, echo)
    return result


# What the ledger must say about each seeded edge case after the demo: (feed, EdgeCases field, state, why).
EXPECTED = (
    ("hsa_trace_sale", "sale_without_trace_code", "quarantined", "缺少追溯码 → 隔离"),
    ("hsa_trace_sale", "sale_bad_trace_code", "quarantined", "追溯码 19 位 → 隔离"),
    ("hsa_trace_sale", "sale_of_uncoded_drug", "quarantined", "药品无国家编码 → 隔离"),
    ("hsa_trace_purchase", "purchase_of_uncoded_drug", "quarantined", "采购无国家编码药品 → 隔离"),
    ("hsa_trace_inventory", "stock_take_of_uncoded_drug", "quarantined", "盘存无国家编码药品 → 隔离"),
    ("hsa_trace_sale", "sale_cancelled_same_day", "withdrawn", "当日作废的销售 → 撤回(3507)/不上传"),
    ("hsa_trace_sale", "sale_cancelled_later", "withdrawn", "前一日销售、演示日作废 → 撤回"),
    ("hsa_trace_sale_return", "sale_return_of_earlier_sale", "acknowledged", "销售退货 → 已确认"),
    ("hsa_trace_stock_change", "stock_move_cancelled", "withdrawn", "作废的库存变更 → 撤回/不上传"),
)


def check_edge_cases(ledger, edge) -> list[dict]:
    out = []
    for feed, attr, expected, label in EXPECTED:
        key = getattr(edge, attr)
        rec = ledger.lookup(feed, [key]).get(key)
        out.append({"feed": feed, "case": label, "key": key, "expected": expected,
                    "actual": rec.state if rec else "(not in ledger)"})
    first, second = edge.duplicate_trace_code_sales
    recs = ledger.lookup("hsa_trace_sale", [first, second])
    out.append({"feed": "hsa_trace_sale", "case": "同一追溯码第二次销售 → 平台拒收", "key": second,
                "expected": "rejected", "actual": recs[second].state if second in recs else "(not in ledger)"})
    out.append({"feed": "hsa_trace_sale", "case": "同一追溯码第一次销售 → 已确认", "key": first,
                "expected": "acknowledged", "actual": recs[first].state if first in recs else "(not in ledger)"})
    for attr in ("purchase_cancelled_lines",):
        for key in getattr(edge, attr):
            rec = ledger.lookup("hsa_trace_purchase", [key]).get(key)
            out.append({"feed": "hsa_trace_purchase", "case": "冲红的采购单明细 → 撤回/不上传", "key": key,
                        "expected": "withdrawn", "actual": rec.state if rec else "(not in ledger)"})
    return out


#: (feed, EmrEdgeCases field, ledger state, label) — the CDC front-end's planted cases
CDC_EXPECTED = (
    ("cdc_emr_patient_info", "unmapped_marital_patient", "quarantined", "婚姻状况代码未对照 → 隔离"),
    ("cdc_emr_patient_info", "patient_changed", "acknowledged", "患者信息修改 → 覆盖推送"),
    ("cdc_emr_inf_report", "notifiable_a15_report", "acknowledged", "肺结核报告卡 → 已确认"),
    ("cdc_emr_inf_report", "inf_report_voided", "withdrawn", "重卡作废 → 删除/不推送"),
    ("cdc_emr_ex_lab", "lab_report_voided", "withdrawn", "检验报告作废 → 删除"),
    ("cdc_emr_ex_lab", "unmapped_dept_lab_report", "quarantined", "申请科室未对照 → 隔离"),
    ("cdc_emr_ex_lab_item", "lab_result_voided", "withdrawn", "检验结果作废 → 删除"),
    ("cdc_emr_ex_lab_item", "unmapped_lab_result", "quarantined", "定性结果「见备注」未对照 → 隔离"),
    ("cdc_emr_death_info", "death_id", "acknowledged", "死亡信息 → 已确认"),
    ("cdc_base_dept", "unmapped_dept", "quarantined", "科室未对照前置软件标准科室 → 隔离"),
)


def check_cdc_cases(ledger, edge, front: dict[str, dict[str, int]]) -> list[dict]:
    """传染病前置: what the ledger says of the planted cases, and what the front-end (simulator) holds."""
    out = []
    for feed, field, expected, label in CDC_EXPECTED:
        key = getattr(edge, field)
        rec = ledger.lookup(feed, [key]).get(key)
        out.append({"feed": feed, "case": label, "key": key, "expected": expected,
                    "actual": rec.state if rec else "(not in ledger)"})
    for key in edge.lab_result_orphans:
        rec = ledger.lookup("cdc_emr_ex_lab_item", [key]).get(key)
        out.append({"feed": "cdc_emr_ex_lab_item", "case": "检验结果无报告（孤儿）→ 隔离", "key": key,
                    "expected": "quarantined", "actual": rec.state if rec else "(not in ledger)"})
    versions = front.get("emrPatientInfo", {}).get(edge.patient_changed, 0)
    out.append({"feed": "cdc_emr_patient_info", "case": "前置软件上的修改后患者为第 2 版", "key": edge.patient_changed,
                "expected": "2", "actual": str(versions)})
    gone = edge.lab_report_voided not in front.get("emrExLab", {})
    out.append({"feed": "cdc_emr_ex_lab", "case": "作废的检验报告已从前置软件删除", "key": edge.lab_report_voided,
                "expected": "deleted", "actual": "deleted" if gone else "still there"})
    return out


def check_catalog_cases(ledger, his, edge) -> list[dict]:
    """目录对照 (feed hsa_catalog_mapping): what the ledger must say of the planted mappings. Its business key is
    the mapping's (HIS code, list type, national code), read here from the HIS row."""
    from sqlalchemy import select

    from demo.his.schema import catalog_map

    feed = "hsa_catalog_mapping"
    records = ledger.records(feed)
    old, new = edge.catalog_changed
    cases = (("目录对照：新增 → 已确认(3301)", new, "acknowledged"),
             ("目录对照：变更的旧编码 → 撤回(3302)", old, "withdrawn"),
             ("目录对照：撤销 → 撤回(3302)", edge.catalog_withdrawn, "withdrawn"),
             ("目录对照：编码格式错误 → 隔离", edge.catalog_malformed, "quarantined"))
    out = []
    with his.connect() as conn:
        for label, map_id, expected in cases:
            row = conn.execute(select(catalog_map.c.item_code, catalog_map.c.list_type, catalog_map.c.med_list_codg)
                               .where(catalog_map.c.map_id == map_id)).one()
            found = [r.state for r in records if all(part in r.business_key for part in row)]
            out.append({"feed": feed, "case": label, "key": map_id, "expected": expected,
                        "actual": found[0] if len(found) == 1 else f"({len(found)} records)"})
    return out


#: the report's table: (column head, key of the per-feed totals)
REPORT_COLUMNS = (("窗口", "windows"), ("抽取", "selected"), ("已确认", "acknowledged"), ("平台拒收", "rejected"),
                  ("隔离", "quarantined"), ("撤回", "withdrawn"), ("跳过", "skipped"), ("未知", "unknown"),
                  ("报文", "messages"))


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Chinese character takes two (``len`` counts one)."""
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)  # a control character: count it as one


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` terminal columns (``>``: right-aligned)."""
    gap = " " * max(0, width - display_width(text))
    return gap + text if align == ">" else text + gap


def table(heads: tuple[str, ...], rows: list[tuple[str, ...]], aligns: str) -> list[str]:
    """Lines of a table aligned by display width, two spaces between columns."""
    widths = [max(display_width(cell) for cell in column) for column in zip(heads, *rows, strict=True)]
    return ["  ".join(pad(cell, w, a) for cell, w, a in zip(row, widths, aligns, strict=True)).rstrip()
            for row in (heads, *rows)]


def venv_python() -> str:
    """How to call the project's Python in a command printed for the reader to paste: the venv's interpreter
    (its .pth puts plugins/ and the project on the path, so no PYTHONPATH is needed), relative to the current
    folder when that is the project, else absolute."""
    venv = PROJECT_DIR / ".venv" / "bin" / "python"
    exe = venv if venv.exists() else Path(sys.executable)
    if Path.cwd().resolve() == PROJECT_DIR.resolve() and exe.is_relative_to(PROJECT_DIR):
        return str(exe.relative_to(PROJECT_DIR))
    return shlex.quote(str(exe))


def hisbridge_command(*args: str) -> str:
    return " ".join([venv_python(), "-m", "hisbridge", *(shlex.quote(a) for a in args)])


def airflow_command(out_dir: Path) -> str:
    """``make airflow`` on this run's data: the script reads HISBRIDGE_DEMO_DIR when it is not var/demo."""
    default = (PROJECT_DIR / "var" / "demo").resolve()
    make = "make airflow" if Path.cwd().resolve() == PROJECT_DIR.resolve() else f"make -C {shlex.quote(str(PROJECT_DIR))} airflow"
    if Path(out_dir).resolve() == default:
        return make
    return f"HISBRIDGE_DEMO_DIR={shlex.quote(str(Path(out_dir).resolve()))} {make}"


def platform_records_line(platform: dict) -> str:
    """What the 医保 simulator holds, by transaction, in words (its summary keys records by 进销存数据类型)."""
    from simulators.hsa.spec import CATALOGUE

    by_infno = platform.get("records_by_infno") or {}
    parts = [f"{infno} {CATALOGUE[infno].title} {n} 条" if infno in CATALOGUE else f"{infno} {n} 条"
             for infno, n in sorted(by_infno.items())]
    return ("医保平台模拟器收到并保存的进销存记录（按交易）：" + ("、".join(parts) if parts else "无")
            + f"；其中追溯码在售 {platform.get('sold_codes', 0)} 个")


def _print_report(result: dict, mode: str, echo) -> None:
    totals = result["totals"]
    echo(f"\n演示日各接口结果（发送方式：{mode}；数字为记录条数，「窗口」为数据窗口个数）")
    rows = [(feed, *(str(t.get(key, 0)) for _, key in REPORT_COLUMNS)) for feed, t in totals.items()]
    for line in table(("接口 (feed)", *(head for head, _ in REPORT_COLUMNS)), rows, "<" + ">" * len(REPORT_COLUMNS)):
        echo(line)
    reasons = [(feed, reason, n) for feed, why in result["reasons"].items()
               for reason, n in sorted(why.items(), key=lambda kv: -kv[1])[:4]]
    if reasons:
        echo("\n隔离与拒收的主要原因（每个接口前 4 条）：")
        for feed, reason, n in reasons:
            echo(f"  {feed}: {n} × {reason}")
    echo("\n预置异常场景核对：")
    ok = True
    checks = []
    for c in result["checks"]:
        good = c["actual"] == c["expected"]
        ok &= good
        checks.append(("✓" if good else "✗", c["case"], f"{c['feed']}:{c['key']}",
                       f"期望 {c['expected']}，台账 {c['actual']}"))
    for c in result["jobs"]["checks"]:
        good = c["found"] == c["expect"]
        ok &= good
        checks.append(("✓" if good else "✗", c["case"], str(c["key"]), "见报表" if c["found"] else "报表中没有"))
    if checks:
        for line in table(("", "场景", "接口:业务键", "结果"), checks, "<<<<")[1:]:
            echo("  " + line)
    r = result["rerun"]
    echo(f"\n重跑商品销售：抽取 {r['selected']}，跳过(已确认未变化) {r['skipped']}，新发送报文 {r['messages']} 条 "
         f"→ {'无重复发送 ✓' if r['messages'] == 0 else '有新报文，请检查'}")
    signs = result["sign_calls"]
    echo(f"签到/签退：9001 × {signs.get('9001', 0)}，9002 × {signs.get('9002', 0)}（每个经办人当日一次签到：追溯码各任务共用"
         f"「hisbridge」的，网关的收费员另签；日终签退）")
    echo(platform_records_line(result["platform"]))
    ledger = Path(result["ledger"]).resolve()
    url = f"sqlite:///{ledger}"
    echo(f"\n台账（SQLite）：{ledger}\n  {hisbridge_command('ledger', '--url', url, 'summary')}"
         f"\n  {hisbridge_command('ledger', '--url', url, 'failures', '--feed', 'hsa_trace_sale')}")
    echo(f"日志（已脱敏；Airflow 与各库的日志也在这里，不在屏幕上）：{Path(result['log']).resolve()}")
    echo(f"报表（Excel + HTML）：{Path(result['reports']).resolve()}（Airflow 中：设置 HISBRIDGE_REPORTS_DIR 后见 "
         "/hisbridge/reports/）")
    exports = result["exports"]
    if exports:
        echo(f"九龙湖导出文件（CSV + Excel + manifest.json）：{next(iter(exports.values())).folder.parent.parent}")
    echo(f"九龙湖院区库（字典同步的目标，SQLite）：{result['jiulonghu']['campus_db']}")
    echo(f"市区卫平台前置库（模拟器，SQLite）：{result['regional']['frontdb']}")
    ws = result["workstation"]
    echo(f"互认页面（演示数据上的一次门诊，make airflow 之后在浏览器打开；链接 {ws['ttl_h']:.0f} 小时内有效）：\n  {ws['url']}")
    echo(f"在 Airflow 界面查看同一份数据：{airflow_command(Path(result['ledger']).parent)}\n"
         "  （医保模拟器 :8097、互认模拟器 :8883、城市大脑模拟器 :8885 + airflow standalone，http://localhost:8080；"
         "Ctrl-C 全部停止）")
    if result.get("as_of"):
        echo(f"  接口健康页 http://localhost:8080/hisbridge-health/ 按演示时刻 {result['as_of']:%Y-%m-%d %H:%M}"
             "（北京时间，演示日结束后）评估：台账中的时间是各窗口按排程运行的时间，不是本机时间")
    if not ok:
        echo("\n有预置场景与期望不符，见上。")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hisbridge demo", description=__doc__)
    p.add_argument("--dir", type=Path, default=PROJECT_DIR / "var" / "demo",
                   help="where the demo HIS, ledger and logs go (default var/demo; make airflow on another folder: "
                        "HISBRIDGE_DEMO_DIR=<dir> make airflow)")
    p.add_argument("--day", type=date.fromisoformat, default=DEMO_DAY)
    p.add_argument("--scale", type=int, default=300, help="sale lines per day in the demo HIS")
    p.add_argument("--mode", choices=("batch", "single"), default="batch")
    p.add_argument("--batch-size", type=int, default=50)
    args = p.parse_args(argv)
    os.environ.setdefault("AIRFLOW_HOME", str(PROJECT_DIR / "var" / "airflow"))
    global _own_console
    _own_console = True
    result = run_demo(args.dir.resolve(), day=args.day, scale=args.scale, mode=args.mode, batch_size=args.batch_size)
    return 0 if all(c["actual"] == c["expected"] for c in result["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
