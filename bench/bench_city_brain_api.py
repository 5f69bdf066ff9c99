"""城市大脑 hospital API under an open-loop load: ``--rate`` signed requests a second for ``--seconds`` across every
query endpoint and the health check, answered by the API as production serves it.

1. a fresh PostgreSQL HIS with the demo's 先诊疗后付费 data (``demo.his``: generate → insurance → emr → mutual →
   city_brain for the demo day, ``--scale`` sale lines; 5000 gives ~2,700 patients, ~3,000 registrations over
   four days, ~3,800 bills, ~9,500 bill lines) and a fresh ledger (``Ledger.ensure_schema``), both dropped at the end;
2. the API in its own processes: ``python -m hisbridge city-brain serve --workers N`` (uvicorn, its default logging)
   built from Airflow connections in the environment — ``city_brain_api`` with one caller (SM3, allow-list
   127.0.0.1, a rate limit 20 × the offered rate so that the per-worker split of ``rate_per_s`` never refuses),
   ``his_db`` and ``hisbridge_db``;
3. the load: a plan of requests drawn from the HIS's own rows (patients that came, their registrations' days as
   ranges of one to seven days around a visit, reg ids, bill numbers, adm ids and fee days, record ids, ID numbers
   for 个人档案) in the mix of :data:`MIX` (what the city brain polls most: queue positions, registrations,
   reports, payments), sent by ``--generators`` processes (asyncio + uvloop, a minimal HTTP/1.1 keep-alive
   client, up to ``--connections`` connections each), each taking every G-th request at its scheduled time
   ``start + i / rate`` — an open loop: a slow answer does not delay the next request. Every request is signed when it is sent (fresh timestamp
   and nonce) by the simulator's signer (``simulators.city_brain.signing``, independent of hisbridge);
4. latency is measured from the request's *scheduled* time to its answer read whole (so queueing in front of a
   slow server counts, coordinated omission does not hide it); the first ``--warmup`` seconds are sent but not
   counted. The generators' own lag (scheduled → sent) is printed: it must stay small for the figures to be the
   server's;
5. afterwards: the ledger's journal must hold one entry per request (written after each answer), the server log
   no traceback.

Printed: workers, offered vs achieved rate, answers by code, p50/p95/p99/max overall, by 10 s of the run and per
endpoint (with the share of answers holding rows: the parameters find data), CPU during the measured window of the
server's processes, PostgreSQL (the bench's databases; backends that ended within the window — a pool smaller than
its threads opens and closes connections — counted apart, with the sessions opened), the generators and anything
else running on the machine. ``--timings DIR`` (``--profile``) serves through ``city_brain_child.py`` instead,
which accounts each request's CPU and wall time to the guard, the nonce, the endpoint's SQL and models and the
journal.
Check: p99 < 200 ms and no error (any code but "0", any HTTP error or timeout; a 2004 is counted apart — the plan
only asks for rows that exist, so one is a bug). ``--strict``: exit 1 when a check fails.

    .venv/bin/python bench/bench_city_brain_api.py [--rate 200] [--seconds 60] [--workers 2] [--scale 5000] [--strict]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

import pgdb
from common import DEMO_DAY, add_project_paths, code_root

add_project_paths()

from bench_mutual_reminders import free_port, load, pct, pg_conn, process  # noqa: E402 - after the paths

P99_LIMIT_MS = 200.0
APP_ID = "cb_bench"
SIGN_TYPE = "SM3"
SEED = 42
NOT_FOUND = "2004"
PREFIX = "/city-brain/api/v1"
BENCH = Path(__file__).resolve().parent
#: relative weights of the endpoints: the city brain polls queue positions, visits, reports and payments; it pulls
#: details, records and the directory now and then, the inpatient side rarely (few stays), the health check a
#: few times a minute
MIX: dict[str, int] = {
    "queueInfo": 12, "registrations": 8, "reportConfirmations": 8, "chargeConfirmations": 6, "outpatientOrders": 6,
    "patientProfile": 6, "visitRegistrations": 5, "prescriptions": 5, "labReports": 5, "outpatientPaymentDetail": 5,
    "selfCheckins": 4, "examReports": 4, "medtechRegistrations": 4, "outpatientInvoices": 3, "medicalRecords": 3,
    "medicalRecordDetail": 3, "allergies": 3, "refunds": 2, "cancelledRegistrations": 2, "scheduleStops": 2,
    "admissions": 1, "inpatientOrders": 1, "inpatientInvoices": 1, "inpatientFees": 1, "departments": 1, "staff": 1,
    "health": 1,
}
#: CV02.01.101 of the demo HIS's ID types (patient_extra.id_type), as patient_profile.sql translates them
ID_TYPES = {"SFZ": "01", "HKB": "02", "HZ": "03", "GAT": "06", "TW": "07"}


# -- the HIS and what requests are drawn from -----------------------------------------------------------------------
def build_his(url: str, scale: int, day: date, seed: int) -> dict[str, int]:
    """The demo HIS as ``make demo`` builds it (and ``demo_support.build_demo`` for the tests), with the indexes
    the API's SQL relies on (``demo.his.schema``; listed for sites in docs/city_brain_api.md §8), vacuumed and
    analysed; row counts of the tables the endpoints read most."""
    from sqlalchemy import text

    from demo.his.city_brain import generate_city_brain
    from demo.his.emr import generate_emr
    from demo.his.generate import generate
    from demo.his.insurance import generate_insurance
    from demo.his.mutual import generate_mutual
    from hisbridge.db import make_engine

    engine = make_engine(url)
    try:
        generate(engine, day, scale, seed)
        generate_insurance(engine, day, seed=seed)
        generate_emr(engine, day, seed=seed)
        generate_mutual(engine, day, seed=seed)
        generate_city_brain(engine, day, seed=seed)
        with engine.connect() as conn:
            # as a HIS that has been running: statistics for the planner, the visibility map set (VACUUM) — and the
            # build's writes flushed now (CHECKPOINT), not by a checkpoint in the middle of the measured minute
            autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
            for command in ("VACUUM (ANALYZE)", "CHECKPOINT"):
                autocommit.exec_driver_sql(command)
            return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()  # noqa: S608 - our names
                    for t in ("patient", "registration", "charge_bill", "charge_bill_line", "lab_report",
                              "exam_report", "clinical_order", "inpatient_stay", "fee_detail")}
    finally:
        engine.dispose()


@dataclass
class Pool:
    """Real keys of the HIS that the plan's parameters are drawn from. ``cards`` holds ID numbers: never printed."""

    visits: list[tuple[str, str, date]] = field(default_factory=list)  # (patient_id, reg_id, visit_date)
    bills: list[str] = field(default_factory=list)
    stays: list[tuple[str, str, date, list[date]]] = field(default_factory=list)  # adm, patient, admitted, fee days
    records: list[tuple[str, str]] = field(default_factory=list)  # (record_type, record_id)
    cards: list[tuple[str, str]] = field(default_factory=list, repr=False)  # (CV02.01.101 type, number)
    depts: list[str] = field(default_factory=list)
    days: list[date] = field(default_factory=list)

    def sizes(self) -> str:
        return (f"{len(self.visits)} registrations of {len({v[0] for v in self.visits})} patients on "
                f"{len(self.days)} days, {len(self.bills)} bills, {len(self.stays)} stays, {len(self.records)} "
                f"records, {len(self.cards)} ID numbers, {len(self.depts)} departments")


def read_pool(url: str) -> Pool:
    from sqlalchemy import text

    from hisbridge.db import make_engine

    def rows(sql: str) -> list[Any]:
        return list(conn.execute(text(sql)))

    engine = make_engine(url)
    pool = Pool()
    try:
        with engine.connect() as conn:
            pool.visits = [(p, r, d) for r, p, d in rows(
                "SELECT reg_id, patient_id, visit_date FROM registration ORDER BY reg_id")]
            pool.bills = [b for (b,) in rows("SELECT bill_no FROM charge_bill ORDER BY bill_no")]
            fee_days: dict[str, list[date]] = defaultdict(list)
            for adm, day in rows("SELECT DISTINCT i.adm_id, CAST(f.fee_time AS DATE) FROM inpatient_stay i "
                                 "JOIN fee_detail f ON f.mdtrt_id = i.mdtrt_id AND f.visit_kind = 'I' ORDER BY 1, 2"):
                fee_days[adm].append(day)
            pool.stays = [(a, p, t.date(), fee_days.get(a, [])) for a, p, t in rows(
                "SELECT adm_id, patient_id, adm_time FROM inpatient_stay ORDER BY adm_id")]
            pool.records = [(t, i) for t, i in rows(
                "SELECT '01', note_id FROM outpatient_note UNION ALL SELECT '02', obs_id FROM er_observation "
                "UNION ALL SELECT '03', note_id FROM admission_note UNION ALL "
                "SELECT CASE WHEN note_type = 'SC' THEN '04' ELSE '05' END, note_id FROM course_note "
                "UNION ALL SELECT '06', note_id FROM discharge_note ORDER BY 1, 2")]
            pool.cards = [(ID_TYPES[t], n) for t, n in rows(
                "SELECT x.id_type, p.id_card_no FROM patient p JOIN patient_extra x ON x.patient_id = p.patient_id "
                "WHERE p.id_card_no IS NOT NULL ORDER BY p.patient_id") if t in ID_TYPES]
            pool.depts = [d for (d,) in rows(
                "SELECT dept_code FROM dept WHERE dept_type = 'outpatient' ORDER BY dept_code")]
    finally:
        engine.dispose()
    pool.days = sorted({v[2] for v in pool.visits})
    return pool


def around(day: date, rng: random.Random) -> dict[str, str]:
    """A range of one to seven days holding ``day``."""
    length = rng.randint(1, 7)
    start = day - timedelta(days=rng.randint(0, length - 1))
    return {"startDate": start.isoformat(), "endDate": (start + timedelta(days=length - 1)).isoformat()}


def biz_for(endpoint: str, pool: Pool, rng: random.Random) -> dict[str, Any]:
    """The parameters of one request of ``endpoint``, from the HIS's rows."""
    patient, reg, day = rng.choice(pool.visits)
    page = {"pageNo": 1, "pageSize": 50}
    by_patient = {"patientId": patient, **around(day, rng)}
    if endpoint in ("registrations", "visitRegistrations", "medtechRegistrations", "reportConfirmations",
                    "examReports", "labReports", "chargeConfirmations", "refunds", "outpatientInvoices",
                    "medicalRecords"):
        return {**by_patient, **page}
    if endpoint == "selfCheckins":
        return by_patient
    if endpoint in ("queueInfo", "outpatientOrders"):
        return {"regId": reg}
    if endpoint == "prescriptions":
        return {"regId": reg, **page} if rng.random() < 0.5 else {**by_patient, **page}
    if endpoint == "patientProfile":
        if rng.random() < 0.5:
            card_type, number = rng.choice(pool.cards)
            return {"idCardType": card_type, "idCardNo": number}
        return {"patientId": patient}
    if endpoint == "allergies":
        return {"patientId": patient}
    if endpoint == "outpatientPaymentDetail":
        return {"billNo": rng.choice(pool.bills)}
    if endpoint == "medicalRecordDetail":
        record_type, record_id = rng.choice(pool.records)
        return {"recordType": record_type, "recordId": record_id}
    if endpoint == "cancelledRegistrations":  # the whole hospital's, now and then one patient's
        return {**around(rng.choice(pool.days), rng), "pageNo": 1, "pageSize": 100} if rng.random() < 0.7 \
            else {**by_patient, **page}
    if endpoint == "scheduleStops":
        stops = {**around(rng.choice(pool.days), rng), **page}
        return {**stops, "deptCode": rng.choice(pool.depts)} if rng.random() < 0.5 else stops
    adm, adm_patient, admitted, fee_days = rng.choice(pool.stays)
    if endpoint == "admissions":
        return {**around(admitted, rng), "pageNo": 1, "pageSize": 100}
    if endpoint == "inpatientOrders":
        return {"admId": adm, "pageNo": 1, "pageSize": 100}
    if endpoint == "inpatientInvoices":
        return {"admId": adm} if rng.random() < 0.5 else {"patientId": adm_patient}
    if endpoint == "inpatientFees":  # mostly one day's list (日清单), sometimes the whole stay
        if fee_days and rng.random() < 0.8:
            return {"admId": adm, "feeDate": rng.choice(fee_days).isoformat(), "pageNo": 1, "pageSize": 100}
        return {"admId": adm, "pageNo": 1, "pageSize": 200}
    if endpoint == "departments":
        return {"pageNo": 1, "pageSize": 200}
    if endpoint == "staff":
        return {"deptCode": rng.choice(pool.depts), "pageNo": 1, "pageSize": 100} if rng.random() < 0.7 \
            else {"role": "doctor", "pageNo": 1, "pageSize": 200}
    if endpoint == "health":
        return {}
    raise KeyError(f"no parameters for endpoint {endpoint!r}")


def make_plan(pool: Pool, count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` requests: endpoints drawn by :data:`MIX`, parameters by :func:`biz_for` (reproducible by seed)."""
    rng = random.Random(seed)
    names, weights = list(MIX), list(MIX.values())
    return [(name, biz_for(name, pool, rng)) for name in rng.choices(names, weights, k=count)]


# -- the load generators (each in a process of its own) ---------------------------------------------------------
class Sample(NamedTuple):
    endpoint: str
    due_s: float  # scheduled time, seconds after the start
    lag_ms: float  # scheduled → sent (the generator's own delay)
    latency_ms: float  # scheduled → answer read whole
    status: int | None  # HTTP status; None: no answer
    code: str  # the answer's code, or what went wrong ("timeout", "ClientConnectionError", "not-json")
    items: int  # list: total; single object: 1; else 0


@dataclass(frozen=True)
class GeneratorJob:
    base_url: str
    secret: str
    rate: float
    slot: int  # this generator sends requests slot, slot + of, slot + 2·of, …
    of: int
    connections: int
    requests: list[tuple[str, dict[str, Any]]]  # the plan's requests of this slot, in order


def generator_main(job: GeneratorJob, pipe: Connection) -> None:
    """Runs in a spawned process: says ``ready``, receives the start (epoch seconds), sends the plan, returns
    its samples and its own CPU seconds."""
    import uvloop

    samples = uvloop.run(_generate(job, pipe))
    usage = os.times()
    pipe.send((samples, usage.user + usage.system))
    pipe.close()


class KeepAlive:
    """HTTP/1.1 POSTs to one server over at most ``size`` keep-alive connections: all the load needs, at a fraction
    of a full client's CPU (aiohttp took ~1.3 ms a request here — on a 2-core machine shared with the server).
    Content-Length bodies only (what uvicorn sends for these answers); a connection idle longer than
    :attr:`IDLE_S` is dropped before uvicorn's keep-alive timeout (5 s) would close it under a request."""

    IDLE_S = 4.0

    def __init__(self, host: str, port: int, size: int) -> None:
        import asyncio

        self.host, self.port = host, port
        self.idle: list[tuple[Any, Any, float]] = []  # (reader, writer, last used), most recent last
        self.slots = asyncio.Semaphore(size)

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        import asyncio

        async with self.slots:
            now = time.monotonic()
            while self.idle and now - self.idle[-1][2] > self.IDLE_S:
                self.idle.pop()[1].close()
            reader, writer, _ = self.idle.pop() if self.idle else (
                *await asyncio.open_connection(self.host, self.port), now)
            try:
                writer.write(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (path.encode(), self.host.encode(), len(body), body))
                head = (await reader.readuntil(b"\r\n\r\n")).lower()
                status = int(head[9:12])
                length = int(head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
                answer = await reader.readexactly(length)
            except BaseException:
                writer.close()
                raise
            if b"connection: close" in head:
                writer.close()
            else:
                self.idle.append((reader, writer, time.monotonic()))
            return status, answer


async def _generate(job: GeneratorJob, pipe: Connection) -> list[Sample]:
    import asyncio
    from urllib.parse import urlsplit

    import orjson

    from simulators.city_brain import signing

    loop = asyncio.get_running_loop()
    url = urlsplit(job.base_url)
    http = KeepAlive(url.hostname or "127.0.0.1", url.port or 80, job.connections)
    pipe.send("ready")
    start_wall = await loop.run_in_executor(None, pipe.recv)
    start = loop.time() + (start_wall - time.time())

    async def one(endpoint: str, biz: dict[str, Any], due: float) -> Sample:
        sent = loop.time()
        envelope = signing.signed_envelope(APP_ID, job.secret, biz, sign_type=SIGN_TYPE)
        status: int | None = None
        items = 0
        try:
            async with asyncio.timeout(30):
                status, body = await http.post(f"{PREFIX}/{endpoint}", orjson.dumps(envelope))
            try:
                parsed = orjson.loads(body)
                code = str(parsed.get("code"))
                data = parsed.get("data")
                if isinstance(data, dict):
                    items = int(data["total"]) if "total" in data else 1
            except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
                code = "not-json"
        except TimeoutError:
            code = "timeout"
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as exc:
            code = type(exc).__name__
        done = loop.time()
        return Sample(endpoint, due - start, (sent - due) * 1000, (done - due) * 1000, status, code, items)

    tasks = []
    for k, (endpoint, biz) in enumerate(job.requests):
        due = start + (job.slot + k * job.of) / job.rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(endpoint, biz, due)))
    return list(await asyncio.gather(*tasks))


# -- CPU of the machine's processes -----------------------------------------------------------------------------
class ProcessCpu(NamedTuple):
    name: str  # a PostgreSQL process by its title: ``postgres: 15/main: postgres <database> …``, ``… walwriter``
    own: float  # CPU seconds so far
    ended_children: float  # CPU seconds of its children that ended and were reaped (a backend, a test run …)


def cpu_by_process() -> dict[int, ProcessCpu]:
    """Every process that can be read, by pid."""
    import psutil

    out = {}
    for p in psutil.process_iter(["name", "cpu_times", "cmdline"]):
        times = p.info.get("cpu_times")
        if times is None:
            continue
        name = p.info.get("name") or "?"
        cmdline = p.info.get("cmdline") or []
        if name.startswith("postgres") and cmdline:
            name = "postgres (postmaster)" if "-D" in cmdline else " ".join(cmdline)
        out[p.pid] = ProcessCpu(name, times.user + times.system, times.children_user + times.children_system)
    return out


def tree(pid: int) -> set[int]:
    import psutil

    try:
        parent = psutil.Process(pid)
        return {pid, *(c.pid for c in parent.children(recursive=True))}
    except psutil.NoSuchProcess:
        return set()


@dataclass
class CpuWindow:
    """CPU used during the measured window by the server's processes, PostgreSQL for the bench's databases (their
    backends, and the server's shared processes: WAL writer, checkpointer …), the generators, and the rest."""

    seconds: float
    server: float
    postgres: float  # the bench's databases' backends and the shared processes
    postgres_ended: float  # backends that ended in the window, of any database (a pool too small churns them)
    generators: float
    others: list[tuple[str, float]]  # the busiest other processes (name, CPU seconds)
    machine_busy: float  # share of all cores busy (0–1)

    def lines(self, cores: int) -> list[str]:
        def share(s: float) -> str:
            return f"{100 * s / self.seconds:5.1f} % of a core"

        rest = sum(s for _, s in self.others)
        known = self.server + self.postgres + self.postgres_ended + self.generators + rest
        top = ", ".join(f"{name[:40]} {100 * s / self.seconds:.0f} %" for name, s in self.others[:4]
                        if s > 0.05 * self.seconds / 100)
        return [f"server (all workers) {share(self.server)}, PostgreSQL {share(self.postgres)} (+ backends that "
                f"ended, any database: {share(self.postgres_ended)}), generators {share(self.generators)}, other "
                f"processes {share(rest)}" + (f" ({top})" if top else ""),
                f"machine: {100 * self.machine_busy:.0f} % of {cores} cores busy; not attributed to a process "
                f"{share(self.machine_busy * cores * self.seconds - known)}"
                " (the kernel's own work: loopback TCP, page cache; processes whose parent ended too)"]


def cpu_window(before: dict[int, ProcessCpu], after: dict[int, ProcessCpu], seconds: float, server: set[int],
               generators: set[int], databases: tuple[str, ...], busy: float) -> CpuWindow:
    """Who used the CPU between two readings. PostgreSQL: the backends of the bench's databases, its shared processes
    (WAL writer …) and the backends that ended within the window (the postmaster reaps them: its children's time —
    of every database, others' included); anything else ended within the window counts with its parent."""
    me = os.getpid()
    sums: Counter = Counter()
    others: Counter = Counter()
    for pid, now in after.items():
        then = before.get(pid, ProcessCpu(now.name, 0.0, 0.0))
        own, ended = now.own - then.own, now.ended_children - then.ended_children
        if pid in server:
            sums["server"] += own + ended
        elif pid in generators:
            sums["generators"] += own
        elif now.name == "postgres (postmaster)":
            sums["postgres_ended"] += own + ended
        elif now.name.startswith("postgres") and (any(f" {db} " in now.name for db in databases)
                                                  or now.name.count(" ") <= 3):  # ours, or a shared process
            sums["postgres"] += own
        elif pid != me:
            others[now.name.split(" 127.0.0.1")[0] if now.name.startswith("postgres") else now.name] += own + ended
    return CpuWindow(seconds, sums["server"], sums["postgres"], sums["postgres_ended"], sums["generators"],
                     others.most_common(), busy)


def pg_sessions(admin: Any, databases: tuple[str, ...]) -> int:
    """Sessions ever opened on ``databases`` (``pg_stat_database.sessions``, PostgreSQL 14+): a pool too small for
    its threads opens and closes connections under load, each a backend forked and torn down. ``admin`` is a
    connection opened before the load (the server may have none left to give during it)."""
    row = admin.execute("SELECT COALESCE(SUM(sessions), 0) FROM pg_stat_database WHERE datname = ANY(%s)",
                        (list(databases),)).fetchone()
    return int(row[0])


def machine_busy(before: Any, after: Any) -> float:
    """The share of all cores busy between two ``psutil.cpu_times()`` (idle and iowait count as idle; guest time
    is already in user time)."""
    fields = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    spent = {f: getattr(after, f, 0.0) - getattr(before, f, 0.0) for f in fields}
    total = sum(spent.values())
    return 1 - (spent["idle"] + spent["iowait"]) / total if total else 0.0


# -- figures ----------------------------------------------------------------------------------------------------
def spread(values: list[float]) -> str:
    if not values:
        return "—"
    return (f"p50 {pct(values, 50):6.1f}  p95 {pct(values, 95):6.1f}  p99 {pct(values, 99):6.1f}  "
            f"max {max(values):7.1f} ms")


def endpoint_table(samples: list[Sample]) -> list[str]:
    by: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by[s.endpoint].append(s)
    rows = []
    for name, mine in by.items():
        lat = [s.latency_ms for s in mine]
        errors = sum(1 for s in mine if s.code != "0" and s.code != NOT_FOUND)
        found = sum(1 for s in mine if s.code == "0" and s.items)
        rows.append((pct(lat, 99), name, len(mine), errors, sum(1 for s in mine if s.code == NOT_FOUND),
                     100 * found / len(mine), pct(lat, 50), pct(lat, 95), max(lat)))
    out = [f"  {'endpoint':24s} {'n':>5s} {'err':>4s} {'2004':>4s} {'rows%':>6s} {'p50':>7s} {'p95':>7s} "
           f"{'p99':>7s} {'max':>7s}  (ms; rows%: answers holding rows)"]
    for p99, name, n, errors, missing, found, p50, p95, top in sorted(rows, reverse=True):
        out.append(f"  {name:24s} {n:5d} {errors:4d} {missing:4d} {found:5.0f}% {p50:7.1f} {p95:7.1f} {p99:7.1f} "
                   f"{top:7.1f}")
    return out


def timeline(samples: list[Sample], start_s: float, step_s: float = 10.0) -> str:
    """p50/p99 (ms) of the requests scheduled in each ``step_s`` slice: a tail from one stall looks different from a
    tail all along."""
    slices: dict[int, list[float]] = defaultdict(list)
    for s in samples:
        slices[int((s.due_s - start_s) // step_s)].append(s.latency_ms)
    return "  ".join(f"{k * step_s:.0f}s {pct(v, 50):.0f}/{pct(v, 99):.0f}" for k, v in sorted(slices.items()))


def parts_table(timings: Path, requests: int) -> list[str]:
    """The workers' time accounts (city_brain_child.py), per request over the whole run (warm-up included)."""
    reports = [json.loads(f.read_text(encoding="utf-8")) for f in sorted(timings.glob("*.json"))]
    if not reports:
        return [f"timings: no report in {timings} (did the workers shut down cleanly?)"]
    parts: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for report in reports:
        for part, (n, cpu, wall) in report["parts"].items():
            parts[part][0] += n
            parts[part][1] += cpu
            parts[part][2] += wall
    process_cpu = sum(r["cpu_s"] for r in reports)
    out = [f"\nwhere a request's time goes ({len(reports)} workers, {requests} requests; ms per request — CPU of the "
           f"thread that ran the part, and wall):"]
    for part in ("call", "guard", "nonce", "endpoint", "his_sql", "pydantic", "journal", "ledger_sql"):
        n, cpu, wall = parts.get(part, (0, 0.0, 0.0))
        out.append(f"  {part:12s} {int(n):6d} times   CPU {1000 * cpu / requests:6.2f}   wall {1000 * wall / requests:6.2f}")
    threads = parts["call"][1] + parts["journal"][1]
    out.append(f"  workers' CPU in all {1000 * process_cpu / requests:6.2f} ms per request, of which in call + journal "
               f"{1000 * threads / requests:.2f}; the rest — event loop, uvicorn, Starlette/FastAPI, thread hand-offs "
               f"— {1000 * (process_cpu - threads) / requests:.2f}")
    return out


def journal_count(ledger_url: str) -> int:
    from sqlalchemy import func, select

    from hisbridge.db import make_engine
    from hisbridge.ledger import schema as s

    engine = make_engine(ledger_url)
    try:
        with engine.connect() as conn:
            j = s.call_journal
            return int(conn.execute(select(func.count()).where(j.c.platform == "city_brain",
                                                               j.c.caller == APP_ID)).scalar_one())
    finally:
        engine.dispose()


def wait_journal(ledger_url: str, expected: int, timeout_s: float = 30) -> tuple[int, float]:
    """The journal's entries of the bench's caller once it holds ``expected`` (or the timeout passed), and when;
    -1 when the ledger could not be read all that time (PostgreSQL out of connections: a finding, not a crash)."""
    from sqlalchemy.exc import OperationalError

    t0 = time.monotonic()
    held = -1
    while True:
        try:
            held = journal_count(ledger_url)
        except OperationalError as exc:
            print(f"  (the ledger cannot be read yet: {str(exc.orig).strip().splitlines()[-1][:120]})", flush=True)
        if held >= expected or time.monotonic() - t0 > timeout_s:
            return held, time.monotonic() - t0
        time.sleep(1)


def server_env(base: dict[str, str], *, his_url: str, ledger_url: str, secret: str, rate: float) -> dict[str, str]:
    """The environment ``python -m hisbridge city-brain serve`` builds the API from (wiring.service_from_airflow)."""
    limit = 20 * rate  # the whole service's; each of the N workers gives 1/N of it, and workers are not loaded evenly
    caller = {"secret": secret, "sign_type": SIGN_TYPE, "rate_per_s": limit, "burst": int(limit),
              "ips": ["127.0.0.1"], "name": "基准测试"}
    return {**base,
            "AIRFLOW_CONN_CITY_BRAIN_API": json.dumps({"conn_type": "generic", "extra": {"callers": {APP_ID: caller}}}),
            "AIRFLOW_CONN_HIS_DB": pg_conn(his_url),
            "AIRFLOW_CONN_HISBRIDGE_DB": pg_conn(ledger_url)}


def log_problems(log: Path) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if "Traceback" in line or " ERROR " in line or
            line.startswith("ERROR")][:5]


# -- the bench ---------------------------------------------------------------------------------------------------
def run_load(base_url: str, secret: str, plan: list[tuple[str, dict[str, Any]]], rate: float, generators: int,
             connections: int, on_start: Callable[[float], None]) -> tuple[list[Sample], dict[int, float]]:
    """The plan sent by ``generators`` spawned processes; their samples (by due time) and CPU seconds by pid.
    ``on_start(start_wall)`` runs once every generator is ready and the start time is set."""
    ctx = multiprocessing.get_context("spawn")
    procs, pipes = [], []
    for slot in range(generators):
        here, there = ctx.Pipe()
        job = GeneratorJob(base_url, secret, rate, slot, generators, connections, plan[slot::generators])
        proc = ctx.Process(target=generator_main, args=(job, there), name=f"city-brain-load-{slot}")
        proc.start()
        procs.append(proc)
        pipes.append(here)
    try:
        for pipe in pipes:
            if not pipe.poll(60) or pipe.recv() != "ready":
                raise RuntimeError("a load generator did not start")
        start_wall = time.time() + 0.5
        for pipe in pipes:
            pipe.send(start_wall)
        on_start(start_wall)
        samples: list[Sample] = []
        cpu: dict[int, float] = {}
        for proc, pipe in zip(procs, pipes, strict=True):
            got, seconds = pipe.recv()
            samples.extend(Sample(*s) for s in got)
            cpu[proc.pid] = seconds
        for proc in procs:
            proc.join(10)
        return sorted(samples, key=lambda s: s.due_s), cpu
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=200, help="requests offered per second (open loop)")
    p.add_argument("--seconds", type=float, default=60, help="measured seconds")
    p.add_argument("--warmup", type=float, default=5, help="seconds sent at the same rate first, not counted")
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers of the API (serve --workers)")
    p.add_argument("--scale", type=int, default=5000, help="the demo HIS's sale lines (≥ 7000 fails in demo.his."
                                                             "city_brain: no doctor free for its planted stop)")
    p.add_argument("--generators", type=int, default=2, help="load generator processes")
    p.add_argument("--connections", type=int, default=64, help="keep-alive connections per generator (at most)")
    p.add_argument("--seed", type=int, default=SEED, help="the plan's seed")
    p.add_argument("--pg", default=os.environ.get("HISBRIDGE_BENCH_PG", pgdb.DEFAULT_ADMIN_URL))
    p.add_argument("--logs", type=Path, help="keep the server's log in this directory")
    p.add_argument("--timings", type=Path, help="serve through city_brain_child.py, which times the API's parts "
                                                  "in each worker and writes them here (printed at the end)")
    p.add_argument("--profile", action="store_true", help="with --timings: cProfile the request threads and the "
                                                           "event loop too (slower: not for the check)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a check fails")
    args = p.parse_args(argv)

    import psycopg

    from hisbridge.db import make_engine
    from hisbridge.ledger.store import Ledger
    from hisbridge.platforms.city_brain import catalogue
    from hisbridge.platforms.city_brain.wiring import WORKERS_ENV

    if args.profile and not args.timings:
        p.error("--profile needs --timings DIR")
    if args.timings:
        args.timings.mkdir(parents=True, exist_ok=True)
        for old in args.timings.glob("*.json"):
            old.unlink()
    if set(MIX) != {*catalogue.ENDPOINTS, "health"}:  # a new endpoint must join the load
        missing, unknown = {*catalogue.ENDPOINTS, "health"} - set(MIX), set(MIX) - {*catalogue.ENDPOINTS, "health"}
        raise SystemExit(f"MIX does not match the catalogue: missing {sorted(missing)}, unknown {sorted(unknown)}")
    cores = os.cpu_count() or 1
    t_all = time.monotonic()
    print(f"machine: {cores} cores, load average {load()} at start; API: {args.workers} uvicorn workers; "
          f"offered {args.rate:g} requests/s for {args.seconds:g} s (+{args.warmup:g} s warm-up) by "
          f"{args.generators} generator processes", flush=True)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hb_bench_city_brain_")))
        logs = args.logs or tmp
        logs.mkdir(parents=True, exist_ok=True)
        his_url = stack.enter_context(pgdb.throwaway_database(args.pg, "hb_bench_cb_his"))
        ledger_url = stack.enter_context(pgdb.throwaway_database(args.pg, "hb_bench_cb_ledger"))
        t0 = time.perf_counter()
        counts = build_his(his_url, args.scale, DEMO_DAY, SEED)
        ledger = Ledger(make_engine(ledger_url))
        ledger.ensure_schema()
        ledger.engine.dispose()
        pool = read_pool(his_url)
        total = int(args.rate * (args.warmup + args.seconds))
        plan = make_plan(pool, total, args.seed)
        rows = ", ".join(f"{t} {n}" for t, n in counts.items())
        print(f"setup: demo HIS scale {args.scale} ({rows}) and "
              f"ledger in {time.perf_counter() - t0:.0f} s; drawing from {pool.sizes()}; {len(plan)} requests planned",
              flush=True)

        code = code_root()
        secret = secrets.token_urlsafe(32)  # this run's only: never a constant
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code / "plugins"), str(code)]),
               "AIRFLOW_HOME": str(tmp / "airflow")}
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = logs / "city-brain-api.log"
        t0 = time.perf_counter()
        served = server_env(env, his_url=his_url, ledger_url=ledger_url, secret=secret, rate=args.rate)
        command = [sys.executable, "-m", "hisbridge", "city-brain", "serve"]
        if args.timings:  # the same app, with its parts timed (city_brain_child.py)
            served |= {"PYTHONPATH": served["PYTHONPATH"] + os.pathsep + str(BENCH),
                       "HB_BENCH_TIMINGS": str(args.timings), "HB_BENCH_PROFILE": "1" if args.profile else "0",
                       "HB_BENCH_LEDGER_DB": ledger_url.rsplit("/", 1)[1], WORKERS_ENV: str(args.workers)}
            command = [sys.executable, "-m", "uvicorn", "city_brain_child:app", "--factory"]
        server = stack.enter_context(process(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)],
            f"{base_url}/city-brain/metrics", served, log, args.workers))
        print(f"API: up in {time.perf_counter() - t0:.1f} s (pid {server.pid}, {len(tree(server.pid)) - 1} worker "
              f"processes); caller {APP_ID} {SIGN_TYPE}, rate limit {20 * args.rate:g}/s for the service "
              f"({20 * args.rate / args.workers:g}/s per worker)", flush=True)

        window: dict[str, Any] = {}
        databases = tuple(url.rsplit("/", 1)[1] for url in (his_url, ledger_url))
        stats = stack.enter_context(psycopg.connect(args.pg, autocommit=True))

        def measure_cpu(start_wall: float) -> None:
            # the parent is idle while the generators send: it samples the machine at the window's two ends
            import psutil

            time.sleep(max(0.0, start_wall + args.warmup - time.time()))
            window["before"], window["busy0"] = cpu_by_process(), psutil.cpu_times()
            window["load0"], window["sessions0"] = load(), pg_sessions(stats, databases)
            time.sleep(max(0.0, start_wall + args.warmup + args.seconds - time.time()))
            window["after"], window["busy1"] = cpu_by_process(), psutil.cpu_times()
            window["sessions1"] = pg_sessions(stats, databases)
            window["server"] = tree(server.pid)
            window["load1"] = load()

        samples, generator_cpu = run_load(base_url, secret, plan, args.rate, args.generators, args.connections,
                                          measure_cpu)
        journal, after_s = wait_journal(ledger_url, len(samples))
        problems = log_problems(log)

    return report(args, samples, window, cpu_window(
        window["before"], window["after"], args.seconds, window["server"], set(generator_cpu), databases,
        machine_busy(window["busy0"], window["busy1"])), journal, after_s, problems, t_all)


def report(args: argparse.Namespace, samples: list[Sample], window: dict[str, Any], cpu: CpuWindow, journal: int,
           after_s: float, problems: list[str], t_all: float) -> int:
    """Print the run's figures and checks; the exit code (1 with ``--strict`` when a check failed)."""
    cores = os.cpu_count() or 1
    measured = [s for s in samples if s.due_s >= args.warmup]
    latencies = [s.latency_ms for s in measured]
    codes = Counter(s.code for s in measured)
    http = Counter(s.status for s in measured)
    errors = [s for s in measured if s.code not in ("0", NOT_FOUND) or s.status != 200]
    missing = [s for s in measured if s.code == NOT_FOUND]
    last_done = max(s.due_s + s.latency_ms / 1000 for s in measured)
    achieved = len(measured) / (last_done - args.warmup)
    lags = [s.lag_ms for s in measured]

    print(f"\n城市大脑 API, {args.workers} uvicorn workers: offered {args.rate:g}/s, achieved {achieved:.1f}/s over "
          f"{args.seconds:g} s — {len(measured)} requests measured ({len(samples) - len(measured)} warm-up)")
    print(f"  answers: {', '.join(f'{c} ×{n}' for c, n in codes.most_common())}; HTTP "
          f"{', '.join(f'{s} ×{n}' for s, n in http.most_common())}")
    print(f"  latency from the scheduled time: {spread(latencies)}")
    print(f"  by 10 s of the run (p50/p99 ms): {timeline(measured, args.warmup)}")
    print(f"  generators' lag (scheduled → sent): {spread(lags)}")
    print(f"  load average {window['load0']} → {window['load1']}")
    for line in cpu.lines(cores):
        print(f"  CPU: {line}")
    print(f"  PostgreSQL sessions opened on the HIS and the ledger during the window: "
          f"{window['sessions1'] - window['sessions0']}")
    answered = sum(1 for s in samples if s.status is not None
                   and args.warmup <= s.due_s + s.latency_ms / 1000 < args.warmup + args.seconds) or 1
    print(f"  per request answered in the window ({answered}): server {1000 * cpu.server / answered:.2f} ms CPU, "
          f"PostgreSQL {1000 * cpu.postgres / answered:.2f} ms, generators {1000 * cpu.generators / answered:.2f} ms")
    print("\nper endpoint (by p99):")
    print("\n".join(endpoint_table(measured)))
    print(f"\njournal: {journal} entries of {len(samples)} requests ({after_s:.1f} s after the last answer)")
    if problems:
        print("server log: " + " | ".join(problems))
    if args.timings:
        print("\n".join(parts_table(args.timings, len(samples))))

    p99 = pct(latencies, 99)
    failures = []
    if p99 >= P99_LIMIT_MS:
        failures.append(f"p99 {p99:.1f} ms is not under {P99_LIMIT_MS:.0f} ms")
    if errors:
        failures.append(f"{len(errors)} errors: " + ", ".join(
            f"{k} ×{n}" for k, n in Counter((s.endpoint, s.status, s.code) for s in errors).most_common(5)))
    if missing:
        failures.append(f"{len(missing)} answers 2004 (the plan asks for rows that exist): "
                        + ", ".join(f"{k} ×{n}" for k, n in Counter(s.endpoint for s in missing).items()))
    if journal != len(samples):
        failures.append(f"the journal holds {journal} entries for {len(samples)} requests")
    if problems:
        failures.append("the server logged errors")
    ok = not failures
    print(f"\ncheck ({args.workers} workers, {args.rate:g}/s): p99 {p99:.1f} ms < {P99_LIMIT_MS:.0f} ms and no error "
          f"{'PASS' if ok else 'FAIL'}; load average {load()} at the end; {time.monotonic() - t_all:.0f} s in all")
    for failure in failures:
        print(f"  FAIL: {failure}")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
