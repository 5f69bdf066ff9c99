"""Deterministic 预约 data and planted 互认 cases for the demo HIS — what the ``mutual_*`` upload feeds read.

``generate_mutual(engine, day, seed=42)`` runs after :func:`demo.his.generate.generate`,
:func:`demo.his.insurance.generate_insurance` and :func:`demo.his.emr.generate_emr` on the same database. The
LIS/PACS reports and the registrations those wrote are the 检验/检查报告 and 挂号 the feeds upload as they are;
this module adds:

* ``appointment`` (预约): every 预约挂号 among the registrations (attended, missed, still booked or cancelled as the
  registration went), most outpatient CT/MR/US exams and the fasting lab panels as booked beforehand, and
  bookings made on ``day - 1`` and ``day`` for later days (clinic, exam and lab; a few cancelled the same day);
* the planted cases of :class:`MutualEdgeCases`, each a new report or registration: a lab report of a panel the
  hospital has not mapped to a platform item (THXHDB), a lab report corrected on ``day`` (revision 2, one result
  changed), a lab report with results withdrawn on ``day``, a chest CT whose report is corrected on ``day``, a
  sputum culture with MRSA and its 药敏, and a 预约挂号 for ``day + 1`` booked on ``day - 1`` and cancelled (退号)
  on ``day`` together with its appointment.

The rows as generated are the HIS at the end of ``day``; :func:`rewind_mutual_changes` puts the planted changes of
``day`` back as they were at the end of ``day - 1`` and :func:`replay_mutual_changes` re-applies them (as
:mod:`demo.his.emr` does for its own), so a test can deliver the ``day - 1`` windows, replay, and see the revised
reports replace the old ones on the platform and the withdrawn one deleted there.

Same ``(database, day, seed)`` → identical rows (one ``random.Random`` consumed in a fixed order; everything read
from the database is ordered by key). No new person is written (no names, ID numbers or phones). Times are naive
local.

CLI: ``python -m demo.his.mutual --url URL --day 2026-11-24 [--seed 42]`` prints the counts and the edge cases' ids.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, and_, func, select

from demo.his import emr_refdata as er
from demo.his import mutual_refdata as mr
from demo.his import refdata
from demo.his import schema as s
from demo.his.emr import DayChange

#: Tables this generator only adds rows to (the planted reports and the planted registration)
ADDED_TO = ("registration", "lab_report", "lab_result", "exam_report", "exam_report_item")
MUTUAL_TABLES = ("appointment",)
#: serials of the rows written here start above any the other generators reach (their ids share the prefixes)
SERIAL_BASE = 900_000


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class MutualEdgeCases:
    """Ids of the planted 互认 cases. "day-1" and "day" are the demo day and the one before."""

    #: lab_report.report_id (reported on day) of a panel the hospital has not mapped: quarantined "代码未对照" …
    lab_unmapped_report: str
    #: … that panel (lab_report.panel_code), absent from include/mappings/mutual_items.yaml on purpose
    lab_unmapped_panel: str
    #: lab_report.report_id reported on day-1 and corrected on day (revision 2): re-sent, replaces the old one
    lab_revised_report: str
    #: … its lab_result.result_id whose value changed with the correction
    lab_revised_result: str
    #: lab_report.report_id reported on day-1 and withdrawn (voided) on day: deleted on the platform …
    lab_withdrawn_report: str
    #: … with its results (lab_result.result_ids, their rows unchanged: voided through their report), deleted first
    lab_withdrawn_results: tuple[str, ...]
    #: exam_report.report_id reported on day-1 and corrected on day (revision 2, conclusion and result changed) …
    exam_revised_report: str
    #: … its exam_report_item.item_id (the BusinessNo of the 检查报告 row on the wire)
    exam_revised_item: str
    #: lab_report.report_id of a sputum culture (reported on day) growing MRSA …
    micro_report: str
    #: … the organism's lab_result.result_id (kind G: 细菌结果) …
    micro_bacteria: str
    #: … and its 药敏 rows (kind A), S / I / R each present
    micro_suscept: tuple[str, ...]
    #: appointment.appt_id booked on day-1 for day+1 and cancelled on day: re-sent with AppointStatus 2 …
    appointment_cancelled: str
    #: … its registration (reg_id), booked on day-1 and 退号 on day: re-sent with RegStatus 2
    registration_cancelled: str


@dataclass(frozen=True)
class MutualSummary:
    day: date
    seed: int
    counts: dict[str, int]  # rows written per table (ADDED_TO: rows added)
    edge_cases: MutualEdgeCases
    day_changes: tuple[DayChange, ...]


# ------------------------------------------------------------------------------------------------ entry points


def generate_mutual(engine: Engine, day: date, *, seed: int = 42) -> MutualSummary:
    """Add the 预约 data and the planted 互认 cases of ``day - 1`` and ``day`` to a demo HIS with EMR data.

    :param engine: the demo HIS database (SQLite or PostgreSQL).
    :param day: the demo day (the one the other generators were run for).
    :param seed: same seed, database and day → identical rows.
    :raises ValueError: if the database lacks the EMR / LIS / PACS data, already holds appointments, or has too few
        visits and stays on the demo days for the planted cases.
    """
    s.create_schema(engine)
    with engine.begin() as conn:
        if not conn.execute(select(func.count()).select_from(s.lab_report)).scalar_one():
            raise ValueError("the database holds no LIS reports; run demo.his.emr first")
        if conn.execute(select(func.count()).select_from(s.appointment)).scalar_one():
            raise ValueError("the database already holds appointments; drop the demo tables first")
        gen = _Generator(conn, day, seed)
        edge = gen.run()
        counts = gen.write(conn)
    return MutualSummary(day, seed, counts, edge, tuple(gen.changes))


def rewind_mutual_changes(engine: Engine, summary: MutualSummary) -> int:
    """Put the planted changes of ``day`` back to their state at the end of ``day - 1``; returns rows updated."""
    return _apply(engine, summary.day_changes, "before")


def replay_mutual_changes(engine: Engine, summary: MutualSummary) -> int:
    """Re-apply the planted changes of ``day`` (the state as generated); returns rows updated."""
    return _apply(engine, summary.day_changes, "after")


def _apply(engine: Engine, changes: Sequence[DayChange], which: str) -> int:
    n = 0
    with engine.begin() as conn:
        for ch in changes:
            table = s.metadata.tables[ch.table]
            cond = and_(*(table.c[k] == v for k, v in ch.key.items()))
            n += conn.execute(table.update().where(cond).values(**getattr(ch, which))).rowcount
    return n


# ------------------------------------------------------------------------------------------------ in memory


class _Reg(NamedTuple):
    reg_id: str
    patient_id: str
    dept_code: str
    doctor_code: str | None
    visit_date: date
    time_slot: str
    reg_type: str
    reg_time: datetime
    is_appointment: int
    sign_in_time: datetime | None
    visit_status: str
    status: str
    cancel_time: datetime | None


class _Ctx(NamedTuple):
    """Whose report it is, and who asked for it."""

    patient_id: str
    kind: str  # O / E / I
    reg_id: str | None
    adm_id: str | None
    dept: str
    doctor: str


# ------------------------------------------------------------------------------------------------ generator


class _Generator:
    def __init__(self, conn: Connection, day: date, seed: int) -> None:
        self.day = day
        self.prev = day - timedelta(days=1)
        self.end = datetime.combine(day + timedelta(days=1), time())
        self.rng = random.Random(seed + 61)
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in s.metadata.sorted_tables}
        self.changes: list[DayChange] = []
        self.edge: dict[str, Any] = {}
        self._seq: dict[str, int] = {}
        self.load(conn)

    # -------------------------------------------------------------------------------------------- helpers

    def next_seq(self, key: str) -> int:
        self._seq[key] = self._seq.get(key, 0) + 1
        return SERIAL_BASE + self._seq[key]

    def new_id(self, prefix: str, t: datetime | date) -> str:
        return f"{prefix}{t:%Y%m%d}{self.next_seq(prefix):06d}"

    def at(self, d: date, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(d, time(hh, mm))

    def minutes(self, lo: float, hi: float) -> timedelta:
        return timedelta(seconds=int(self.rng.uniform(lo, hi) * 60))

    def add(self, table: Any, **row: Any) -> dict[str, Any]:
        self.rows[table.name].append(row)
        return row

    def channel(self, *, exclude: tuple[str, ...] = ()) -> str:
        options = [(c, w) for c, w in mr.CHANNEL_WEIGHTS if c not in exclude]
        return self.rng.choices([c for c, _ in options], [w for _, w in options])[0]

    def slot_of(self, t: datetime) -> tuple[datetime, datetime]:
        """The half-hour 号源 slot ``t`` falls in."""
        start = t.replace(minute=t.minute - t.minute % mr.SLOT_MINUTES, second=0, microsecond=0)
        return start, start + timedelta(minutes=mr.SLOT_MINUTES)

    def random_slot(self, d: date, session: str) -> tuple[datetime, datetime]:
        lo, hi = mr.SESSIONS[session]
        first = datetime.combine(d, lo)
        n = int((datetime.combine(d, hi) - first).total_seconds() // (mr.SLOT_MINUTES * 60))
        start = first + timedelta(minutes=mr.SLOT_MINUTES * self.rng.randrange(n))
        return start, start + timedelta(minutes=mr.SLOT_MINUTES)

    # -------------------------------------------------------------------------------------------- load

    def load(self, conn: Connection) -> None:
        r = s.registration.c
        self.regs: list[_Reg] = [
            _Reg(*row)
            for row in conn.execute(
                select(r.reg_id, r.patient_id, r.dept_code, r.doctor_code, r.visit_date, r.time_slot, r.reg_type,
                       r.reg_time, r.is_appointment, r.sign_in_time, r.visit_status, r.status, r.cancel_time)
                .order_by(r.reg_id)
            )
        ]  # fmt: skip
        self.staff: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
        st = s.staff.c
        for code, dept, role, title in conn.execute(
            select(st.staff_code, st.dept_code, st.role, st.title).where(st.is_active == 1).order_by(st.staff_code)
        ):
            self.staff.setdefault((dept, role), []).append((code, title))
        self.dept_type = dict(conn.execute(select(s.dept.c.dept_code, s.dept.c.dept_type)).all())
        i = s.inpatient_stay.c
        self.stays: list[tuple[str, str, str, str | None]] = [  # adm_id, patient, ward, 主诊医师
            tuple(row)  # type: ignore[misc]
            for row in conn.execute(
                select(i.adm_id, i.patient_id, i.adm_dept_code, i.chfpdr_code)
                .where(i.status != "cancelled", i.adm_time < self.at(self.prev, 6),
                       (i.dscg_time.is_(None)) | (i.dscg_time > self.at(self.day, 12)))
                .order_by(i.adm_id)
            )
        ]  # fmt: skip
        lr = s.lab_report.c
        self.labs = [
            dict(row)
            for row in conn.execute(
                select(lr.report_id, lr.patient_id, lr.reg_id, lr.panel_code, lr.panel_name, lr.sample_time)
                .where(lr.visit_kind == "O", lr.status == "reported", lr.panel_code.in_(mr.BOOKED_PANELS),
                       lr.sample_time >= self.at(self.prev, 0))
                .order_by(lr.report_id)
            ).mappings()
        ]  # fmt: skip
        xr, xi = s.exam_report.c, s.exam_report_item.c
        self.exams = [
            dict(row)
            for row in conn.execute(
                select(xr.report_id, xr.patient_id, xr.exam_type, xr.exam_time, xr.report_dept_code, xi.item_code,
                       xi.item_name)
                .join(s.exam_report_item, xi.report_id == xr.report_id)
                .where(xr.visit_kind == "O", xr.status == "reported", xr.exam_type.in_(("CT", "MR", "US")),
                       xi.seq_no == 1, xr.exam_time >= self.at(self.prev, 0))
                .order_by(xr.report_id)
            ).mappings()
        ]  # fmt: skip

    def doctors(self, dept: str) -> list[tuple[str, str | None]]:
        return self.staff.get((dept, "doctor"), [])

    # -------------------------------------------------------------------------------------------- run

    def run(self) -> MutualEdgeCases:
        self.demo_visits = [x for x in self.regs if x.visit_date in (self.prev, self.day) and x.status == "normal"
                            and x.visit_status in ("done", "called")]  # fmt: skip
        if len(self.demo_visits) < 10 or not self.stays:
            raise ValueError(f"too few visits and stays on {self.prev} and {self.day} for the 互认 edge cases")
        self.used_regs: set[str] = set()
        self.clinic_appointments()
        self.exam_and_lab_appointments()
        self.future_bookings()
        self.plant_cancelled_booking()
        self.plant_lab_cases()
        self.plant_exam_revision()
        e = self.edge
        return MutualEdgeCases(**{f.name: e[f.name] for f in dataclasses.fields(MutualEdgeCases)})

    # -------------------------------------------------------------------------------------------- appointments

    def appointment(self, patient_id: str, appt_type: str, dept: str, doctor: str | None, item: tuple[str, str] | None,
                    slot: tuple[datetime, datetime], channel: str, booked: datetime, status: str = "booked",
                    cancel_time: datetime | None = None, reg_id: str | None = None,
                    updated_at: datetime | None = None) -> dict[str, Any]:  # fmt: skip
        return self.add(
            s.appointment, appt_id=self.new_id("YY", booked), patient_id=patient_id, appt_type=appt_type,
            dept_code=dept, doctor_code=doctor, item_code=item[0] if item else None,
            item_name=item[1] if item else None, appt_date=slot[0].date(), start_time=slot[0], end_time=slot[1],
            channel=channel, status=status, booked_at=booked, cancel_time=cancel_time, reg_id=reg_id,
            updated_at=updated_at or cancel_time or booked,
        )  # fmt: skip

    def clinic_appointments(self) -> None:
        """Every 预约挂号 of the demo days: the registration was made when the patient booked (reg_time)."""
        for reg in self.regs:
            if not reg.is_appointment or reg.visit_date not in (self.prev, self.day):
                continue
            lo, hi = mr.SESSIONS[reg.time_slot]
            if reg.sign_in_time is not None:
                slot = self.slot_of(min(max(reg.sign_in_time, datetime.combine(reg.visit_date, lo)),
                                        datetime.combine(reg.visit_date, hi) - timedelta(minutes=1)))  # fmt: skip
            else:
                slot = self.random_slot(reg.visit_date, reg.time_slot)
            channel = self.channel(exclude=("clinic",) if reg.reg_time.date() == reg.visit_date else ())
            status, updated, cancel = "booked", reg.reg_time, None
            if reg.status != "normal":  # 退号 cancels the booking
                status, cancel = "cancelled", reg.cancel_time
                updated = cancel or reg.reg_time
            elif reg.visit_status in ("done", "called"):
                status, updated = "attended", max(reg.sign_in_time or slot[0], reg.reg_time)
            elif reg.visit_status == "absent" or (reg.sign_in_time is None and reg.visit_date < self.day):
                status, updated = "missed", datetime.combine(reg.visit_date, hi)  # 爽约: marked when the session ends
            elif reg.sign_in_time is not None:  # signed in, waiting to be called
                status, updated = "attended", max(reg.sign_in_time, reg.reg_time)
            self.appointment(reg.patient_id, "clinic", reg.dept_code, reg.doctor_code, None, slot, channel,
                             reg.reg_time, status, cancel, reg.reg_id, updated)  # fmt: skip

    def exam_and_lab_appointments(self) -> None:
        """Outpatient CT / MR / US exams and fasting panels of the demo days, most booked before they were done."""
        rng = self.rng
        for x in self.exams:
            if rng.random() >= mr.P_EXAM_BOOKED:
                continue
            done = x["exam_time"]
            booked = max(done - self.minutes(25, 120), self.at(done.date(), 7, 30))
            booked = min(booked, done - timedelta(minutes=5))
            self.appointment(x["patient_id"], "exam", x["report_dept_code"], None, (x["item_code"], x["item_name"]),
                             self.slot_of(done), rng.choice(("clinic", "clinic", "window", "kiosk")), booked,
                             "attended", updated_at=done)  # fmt: skip
        for lab in self.labs:
            if rng.random() >= mr.P_LAB_BOOKED:
                continue
            sampled = lab["sample_time"]
            booked = min(max(sampled - self.minutes(20, 90), self.at(sampled.date(), 7)),
                         sampled - timedelta(minutes=3))  # fmt: skip
            self.appointment(lab["patient_id"], "lab", er.LAB_DEPT, None, (lab["panel_code"], lab["panel_name"]),
                             self.slot_of(sampled), rng.choice(("clinic", "kiosk", "wechat")), booked, "attended",
                             updated_at=sampled)  # fmt: skip

    def future_bookings(self) -> None:
        """Bookings made on the demo days for later days: 复诊 号源, exams and fasting blood tests."""
        rng = self.rng
        for d in (self.prev, self.day):
            visits = [x for x in self.demo_visits if x.visit_date == d]
            n = max(3, len(visits) * mr.FUTURE_CLINIC_PER_100 // 100)
            for reg in rng.sample(visits, min(n, len(visits))):
                booked = min(max(reg.sign_in_time or reg.reg_time, self.at(d, 8)) + self.minutes(10, 60),
                             self.at(d, 22))  # fmt: skip
                kind = rng.choices(("clinic", "exam", "lab"), (70, 20, 10))[0]
                when = d + timedelta(days=rng.randint(2, 10))
                if kind == "clinic":
                    doctors = self.doctors(reg.dept_code)
                    doctor = reg.doctor_code or (rng.choice(doctors)[0] if doctors else None)
                    dept, item, slot = reg.dept_code, None, self.random_slot(when, rng.choice(("1", "1", "2")))
                    channel = self.channel()
                elif kind == "exam":
                    _, code, name, dept = rng.choice(mr.FUTURE_EXAMS)
                    doctor, item, slot, channel = None, (code, name), self.random_slot(when, "1"), "clinic"
                else:
                    panel = er.PANELS[mr.BOOKED_PANELS[0]]
                    doctor, dept, item = None, er.LAB_DEPT, (panel.code, panel.name)
                    slot, channel = self.random_slot(when, "1"), rng.choice(("clinic", "wechat"))
                status, cancel = "booked", None
                if rng.random() < mr.P_CANCEL_SAME_DAY:
                    status, cancel = "cancelled", min(booked + self.minutes(20, 300), self.at(d, 23, 30))
                self.appointment(reg.patient_id, kind, dept, doctor, item, slot, channel, booked, status, cancel)

    def plant_cancelled_booking(self) -> None:
        """A 复诊 booked by WeChat on the evening of day-1 for the morning of day+1 (a 预约挂号: registration and
        appointment together) and 退号 on day: both were uploaded on day-1 and are re-sent as cancelled on day.
        The patient is one of the demo days' (a small demo has few visits on day-1)."""
        rng = self.rng
        reg = self.pick(None, lambda x: x.dept_code in self.dept_type and self.doctors(x.dept_code)
                        and x.dept_code != refdata.EMERGENCY_DEPT)  # fmt: skip
        doctors = self.doctors(reg.dept_code)
        experts = [c for c, title in doctors if title and "主任" in title]
        doctor = reg.doctor_code or (experts[0] if experts else doctors[0][0])
        booked = self.at(self.prev, 20, 15) + self.minutes(0, 30)
        cancelled = self.at(self.day, 9, 30) + self.minutes(0, 40)
        visit = self.day + timedelta(days=1)
        slot = self.random_slot(visit, "1")
        reg_id = f"MZ{visit:%Y%m%d}{self.next_seq('reg'):06d}"
        row = self.add(s.registration, reg_id=reg_id, patient_id=reg.patient_id, dept_code=reg.dept_code,
                       room_code=None, doctor_code=doctor, visit_date=visit, time_slot="1",
                       queue_no=rng.randint(3, 18), reg_type="expert" if experts and doctor in experts else "normal",
                       reg_time=booked, is_appointment=1, sign_in_time=None, visit_status="waiting", is_revisit=1,
                       status="cancelled", cancel_time=cancelled, updated_at=cancelled)  # fmt: skip
        before = {"status": "normal", "cancel_time": None, "updated_at": booked}
        self.changes.append(DayChange("registration", {"reg_id": reg_id}, before,
                                      {k: row[k] for k in before}))  # fmt: skip
        appt = self.appointment(reg.patient_id, "clinic", reg.dept_code, doctor, None, slot, "wechat", booked,
                                "cancelled", cancelled, reg_id)  # fmt: skip
        before = {"status": "booked", "cancel_time": None, "updated_at": booked}
        self.changes.append(DayChange("appointment", {"appt_id": appt["appt_id"]}, before,
                                      {k: appt[k] for k in before}))  # fmt: skip
        self.edge["registration_cancelled"] = reg_id
        self.edge["appointment_cancelled"] = appt["appt_id"]

    def pick(self, d: date | None, pred: Any = None) -> _Reg:
        """A visit of ``d`` (of either demo day if None; done or called) not yet used by a planted case."""
        options = [x for x in self.demo_visits if d in (None, x.visit_date) and x.reg_id not in self.used_regs
                   and (pred is None or pred(x))]  # fmt: skip
        if not options:
            raise ValueError(f"too few outpatient visits on {d or 'the demo days'} for the 互认 edge cases; "
                             "use a larger scale")
        reg = self.rng.choice(options)
        self.used_regs.add(reg.reg_id)
        return reg

    # -------------------------------------------------------------------------------------------- LIS

    def visit_ctx(self, reg: _Reg) -> _Ctx:
        doctor = reg.doctor_code or self.doctors(reg.dept_code)[0][0]
        kind = "E" if reg.reg_type == "emergency" else "O"
        return _Ctx(reg.patient_id, kind, reg.reg_id, None, reg.dept_code, doctor)

    def stay_ctx(self, k: int) -> _Ctx:
        """The ``k``-th stay in hospital from before day-1 until after noon of day (a small demo has few)."""
        adm_id, patient_id, ward, chief = self.stays[k % len(self.stays)]
        doctor = chief or self.doctors(ward)[0][0]
        return _Ctx(patient_id, "I", None, adm_id, ward, doctor)

    def lab(self, ctx: _Ctx, panel: er.LabPanel, sample: datetime,
            values: dict[str, tuple[str, str]] | None = None, germ: er.Germ | None = None) -> dict[str, Any]:  # fmt: skip
        """A signed LIS report with its results; ``values``: item code → (value, flag) where not drawn in range."""
        rng = self.rng
        receive = sample + self.minutes(5, 25)
        tested = receive + self.minutes(10, 40)
        reported = tested + self.minutes(15, 50) + (timedelta(hours=20) if panel.micro else timedelta())
        techs = [c for c, _ in self.staff[(er.LAB_DEPT, "technician")]]
        report_id = self.new_id("JY", sample)
        n = self.next_seq("lab_no")
        conclusion: list[str] = []
        seq = 0

        def result(**row: Any) -> None:
            nonlocal seq
            seq += 1
            self.add(s.lab_result, result_id=self.new_id("JG", sample), report_id=report_id, seq_no=seq,
                     **{"quant_value": None, "unit": None, "ref_low": None, "ref_high": None, "abn_flag": None,
                        "qual_result": None, "germ_code": None, "germ_name": None} | row,
                     test_time=tested, status="normal", void_time=None, updated_at=reported)  # fmt: skip

        for item in panel.items:
            if item.kind == "N":
                assert item.low is not None and item.high is not None
                value, flag = (values or {}).get(item.code) or self.in_range(item)
                result(item_code=item.code, item_name=item.name, result_kind="N", quant_value=value, unit=item.unit,
                       ref_low=f"{item.low:.{item.decimals}f}", ref_high=f"{item.high:.{item.decimals}f}",
                       abn_flag=flag)  # fmt: skip
                if flag != "N":
                    conclusion.append(f"{item.name}{'升高' if flag == 'H' else '降低'}({value}{item.unit})")
            else:
                result(item_code=item.code, item_name=item.name, result_kind="Q", qual_result=item.normal_text)
        if germ is not None:
            result(item_code="CUL", item_name="培养结果", result_kind="G", qual_result="检出", germ_code=germ.code,
                   germ_name=germ.name)  # fmt: skip
            for code, name, sir, mic in germ.ast:
                result(item_code=code, item_name=name, result_kind="A", quant_value=mic, unit="μg/ml", qual_result=sir,
                       germ_code=germ.code, germ_name=germ.name)  # fmt: skip
            conclusion.append(f"检出{germ.name}，药敏结果见报告")
        return self.add(
            s.lab_report, report_id=report_id, apply_no=f"SQ{sample:%Y%m%d}{n:06d}", patient_id=ctx.patient_id,
            visit_kind=ctx.kind, reg_id=ctx.reg_id, adm_id=ctx.adm_id, apply_dept_code=ctx.dept,
            apply_doctor_code=ctx.doctor, panel_code=panel.code, panel_name=panel.name,
            micro_flag="Y" if panel.micro else "N", specimen_no=f"{sample:%y%m%d}{n:06d}", specimen_type=panel.specimen,
            sample_time=sample, receive_time=receive, test_doctor_code=rng.choice(techs), test_time=tested,
            report_no=f"JYBG{sample:%Y%m%d}{n - SERIAL_BASE + 90_000:05d}", findings=None,
            conclusion="；".join(conclusion) or None, remark=None, report_time=reported, audit_doctor_code=techs[0],
            report_dept_code=er.LAB_DEPT, revision=1, status="reported", void_time=None, void_reason=None,
            updated_at=reported,
        )  # fmt: skip

    def in_range(self, item: er.LabItem) -> tuple[str, str]:
        assert item.low is not None and item.high is not None
        span = item.high - item.low
        v = round(self.rng.uniform(item.low + span * 0.15, item.high - span * 0.15), item.decimals)
        return f"{v:.{item.decimals}f}", "N"

    def results_of(self, report_id: str) -> list[dict[str, Any]]:
        return [r for r in self.rows["lab_result"] if r["report_id"] == report_id]

    def plant_lab_cases(self) -> None:
        # a panel the lab started this week and has not mapped: every report of it waits in quarantine
        reg = self.pick(self.day, lambda x: x.dept_code in ("1040", "2020")) if any(
            x.dept_code in ("1040", "2020") and x.visit_date == self.day for x in self.demo_visits
        ) else self.pick(self.day)
        sample = max(reg.sign_in_time or reg.reg_time, self.at(self.day, 8)) + self.minutes(20, 40)
        panel = mr.UNMAPPED_PANEL
        report = self.lab(self.visit_ctx(reg), panel, sample, {panel.items[0].code: mr.UNMAPPED_VALUE})
        self.edge["lab_unmapped_report"] = report["report_id"]
        self.edge["lab_unmapped_panel"] = panel.code

        # a ward's 血常规 of day-1 whose 血小板 was corrected on day (revision 2)
        code, first, first_flag, fixed, fixed_flag = mr.REVISED_ITEM
        sample = self.at(self.prev, 6) + self.minutes(0, 40)
        report = self.lab(self.stay_ctx(2), er.PANELS["XCG"], sample, {code: (first, first_flag)})
        row = next(r for r in self.results_of(report["report_id"]) if r["item_code"] == code)
        revised = self.at(self.day, 10) + self.minutes(0, 30)
        before_report = {k: report[k] for k in ("revision", "conclusion", "remark", "report_time", "updated_at")}
        before_row = {k: row[k] for k in ("quant_value", "abn_flag", "test_time", "updated_at")}
        report.update(revision=2, conclusion=None, remark=mr.REVISED_REMARK, report_time=revised, updated_at=revised)
        row.update(quant_value=fixed, abn_flag=fixed_flag, test_time=revised - self.minutes(15, 30), updated_at=revised)
        self.changes.append(DayChange("lab_report", {"report_id": report["report_id"]}, before_report,
                                      {k: report[k] for k in before_report}))  # fmt: skip
        self.changes.append(DayChange("lab_result", {"result_id": row["result_id"]}, before_row,
                                      {k: row[k] for k in before_row}))  # fmt: skip
        self.edge["lab_revised_report"] = report["report_id"]
        self.edge["lab_revised_result"] = row["result_id"]

        # a ward's 肝肾功能 of day-1 withdrawn on day: the specimen was another patient's
        ctx = self.stay_ctx(0)
        report = self.lab(ctx, er.PANELS["SHQX"], self.at(self.prev, 6, 10) + self.minutes(0, 30))
        withdrawn = self.at(self.day, 11) + self.minutes(0, 40)
        before = {"status": "reported", "void_time": None, "void_reason": None, "updated_at": report["updated_at"]}
        report.update(status="voided", void_time=withdrawn, void_reason=mr.WITHDRAWN_REASON, updated_at=withdrawn)
        self.changes.append(DayChange("lab_report", {"report_id": report["report_id"]}, before,
                                      {k: report[k] for k in before}))  # fmt: skip
        self.edge["lab_withdrawn_report"] = report["report_id"]
        self.edge["lab_withdrawn_results"] = tuple(r["result_id"] for r in self.results_of(report["report_id"]))

        # a sputum culture sampled on day-1 morning, reported on day: MRSA with its 药敏
        ctx = self.stay_ctx(1)
        report = self.lab(ctx, er.PANELS["TPY"], self.at(self.prev, 7) + self.minutes(0, 40), germ=mr.MRSA)
        rows = self.results_of(report["report_id"])
        self.edge["micro_report"] = report["report_id"]
        self.edge["micro_bacteria"] = next(r["result_id"] for r in rows if r["result_kind"] == "G")
        self.edge["micro_suscept"] = tuple(r["result_id"] for r in rows if r["result_kind"] == "A")

    # -------------------------------------------------------------------------------------------- PACS

    def plant_exam_revision(self) -> None:
        """A ward patient's chest CT of day-1 reported normal, corrected on day by the auditing radiologist."""
        ctx = self.stay_ctx(3)
        item = er.EXAM_ITEMS["CT0101"]
        dept = er.EXAM_DEPT[item.exam_type]
        doctors = [c for c, _ in self.staff[(dept, "doctor")]]
        done = self.at(self.prev, 9) + self.minutes(0, 240)
        reported = done + self.minutes(30, 80)
        revised = self.at(self.day, 9) + self.minutes(0, 40)
        report_id = self.new_id("JC", done)
        n = self.next_seq("exam_no")
        x_item = self.add(s.exam_report_item, item_id=self.new_id("JX", done), report_id=report_id, seq_no=1,
                          item_code=item.code, item_name=item.name, result_code="A", quant_value="6", quant_unit="mm",
                          status="normal", void_time=None, updated_at=revised)  # fmt: skip
        report = self.add(
            s.exam_report, report_id=report_id, apply_no=f"SQ{done:%Y%m%d}{self.next_seq('lab_no'):06d}",
            patient_id=ctx.patient_id, visit_kind=ctx.kind, reg_id=ctx.reg_id, adm_id=ctx.adm_id, apply_dept_code=ctx.dept,
            apply_doctor_code=ctx.doctor, exam_type=item.exam_type, exam_part=item.part, chief_complaint=None,
            symptom_start=None, symptom_end=None, symptom_desc=None, treatment_desc=None, special_flag="N",
            exam_time=done, findings=mr.EXAM_REVISED_SECOND[0], conclusion=mr.EXAM_REVISED_SECOND[1],
            remark=mr.EXAM_REVISED_REMARK, report_no=f"{item.exam_type}{done:%Y%m%d}{n - SERIAL_BASE + 9000:04d}",
            report_time=revised, report_doctor_code=doctors[-1], audit_doctor_code=doctors[0], report_dept_code=dept,
            revision=2, status="reported", void_time=None, updated_at=revised,
        )  # fmt: skip
        before = {"findings": mr.EXAM_REVISED_FIRST[0], "conclusion": mr.EXAM_REVISED_FIRST[1], "remark": None,
                  "report_time": reported, "revision": 1, "updated_at": reported}  # fmt: skip
        self.changes.append(DayChange("exam_report", {"report_id": report_id}, before,
                                      {k: report[k] for k in before}))  # fmt: skip
        before = {"result_code": "N", "quant_value": None, "quant_unit": None, "updated_at": reported}
        self.changes.append(DayChange("exam_report_item", {"item_id": x_item["item_id"]}, before,
                                      {k: x_item[k] for k in before}))  # fmt: skip
        self.edge["exam_revised_report"] = report_id
        self.edge["exam_revised_item"] = x_item["item_id"]

    # -------------------------------------------------------------------------------------------- write

    def write(self, conn: Connection) -> dict[str, int]:
        for table in s.metadata.sorted_tables:
            rows = self.rows[table.name]
            if rows:
                conn.execute(table.insert(), rows)
        return {name: len(self.rows[name]) for name in ADDED_TO + MUTUAL_TABLES}


# ------------------------------------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    from demo.his.generator_cli import run_generator

    return run_generator(argv, prog="python -m demo.his.mutual", description=__doc__.split("\n\n")[0],
                         needs="python -m demo.his, demo.his.insurance and demo.his.emr", generate=generate_mutual, added_to=ADDED_TO,
                         title=lambda s: f"互认 data (预约, planted reports) for {s.day - timedelta(days=1)} and {s.day} (seed {s.seed})")

if __name__ == "__main__":
    raise SystemExit(main())
