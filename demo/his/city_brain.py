"""Deterministic 先诊疗后付费 data for the demo HIS — what the city brain's queries (``include/sql/city_brain/``) read.

``generate_city_brain(engine, day, seed=42)`` runs after :func:`demo.his.generate.generate`,
:func:`demo.his.insurance.generate_insurance`, :func:`demo.his.emr.generate_emr` and
:func:`demo.his.mutual.generate_mutual` on the same database, and fills the tables of the "城市大脑" section of
:mod:`demo.his.schema` from what those wrote:

* ``medtech_apply``: the 检验/检查申请单 behind every LIS and PACS report (ordered a little before the specimen was
  taken or the exam registered; registered when the lab received the specimen or the exam was registered), plus
  on ``day`` one exam registered and not yet reported and one lab test ordered and cancelled;
* ``credit_sign``: 先诊疗后付费 sign-ups — some self-paying patients of the demo days (银联卡), some insured ones
  with a single 医保 settlement (医保), a few other patients; one sign frozen (黑名单) before ``day - 1`` and one
  cancelled (解约) on ``day - 1``, both of patients who came on the demo days and paid as usual;
* ``charge_bill`` / ``charge_bill_line`` / ``charge_refund``: the 收费 of every outpatient and emergency visit of the
  demo days. An insured visit's 医保 settlement is its bill (the settlement's fee lines, its invoice; a cancelled
  settlement is a whole refund). A self-paying visit pays the 诊察费 and its tests before they are done and its
  drugs before they are dispensed (two bills); a signed-up patient pays once, after the visit; a dispensing
  cancelled by the pharmacy is refunded;
* ``schedule_stop``: a doctor's afternoon stopped on ``day``, a session after ``day`` with bookings to move, one
  stop revoked on ``day`` and one in the past;
* ``patient_allergy``: every allergy the EMR records (过敏史 of notes and 病案首页) and those a diagnosis reveals;
* ``code_dict`` rows ``fee_cat`` (医疗收费项目类别) and ``pay_channel``;
* the planted 先诊疗后付费 journey of :class:`CityBrainEdgeCases`: a new self-paying patient, signed up (银联卡) a
  month before, books a 呼吸科 visit on the morning of ``day`` by WeChat, signs in, is seen (a penicillin allergy
  recorded), gets a 血常规 and a 胸部正位片 (both reported), a prescription of three drugs, pays once at the end
  (one bill, no cashier) and is refunded one drug he did not take.

Only the journey writes rows to the earlier generators' tables (one patient and its ``patient_extra``, one
registration, appointment, note, diagnosis, lab and exam report, order and prescription); no 医保 settlement, sale
or stock row is added, so the 医保 feeds and jobs see the HIS as before.

Same ``(database, day, seed)`` → identical rows (one ``random.Random`` and one seeded ``Faker("zh_CN")`` consumed in
a fixed order; everything read from the database is ordered by key). Times are naive local.

CLI: ``python -m demo.his.city_brain --url URL --day 2026-11-24 [--seed 42]`` prints the counts and the journey's ids
(never names, ID numbers or phones).
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from faker import Faker
from sqlalchemy import Connection, Engine, func, select

from demo.his import city_brain_refdata as cr
from demo.his import emr_refdata as er
from demo.his import idcard, refdata
from demo.his import mutual_refdata as mr
from demo.his import schema as s
from demo.his.generate import PiiValues

#: Tables this generator fills, and the earlier generators' tables it adds rows to (the journey, code_dict)
CITY_BRAIN_TABLES = ("credit_sign", "schedule_stop", "patient_allergy", "medtech_apply", "charge_bill",
                     "charge_refund", "charge_bill_line")  # fmt: skip
ADDED_TO = ("code_dict", "patient", "patient_extra", "registration", "appointment", "outpatient_note",
            "visit_diagnosis", "lab_report", "lab_result", "exam_report", "exam_report_item", "prescription",
            "clinical_order", "clinical_order_item")  # fmt: skip
#: serials of the rows written here start above any the other generators reach (their ids share the prefixes)
SERIAL_BASE = 950_000
_Q2 = Decimal("0.01")
_ZERO = Decimal("0.00")


def q2(value: Decimal) -> Decimal:
    return value.quantize(_Q2, ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class CityBrainEdgeCases:
    """Ids of the planted 先诊疗后付费 journey (all on the demo day) and of the other planted cases."""

    #: patient.patient_id of the journey's patient (new, self-paying) …
    journey_patient: str
    #: … signed up for 先诊疗后付费 with a 银联卡 30 days before (credit_sign.sign_id, active)
    journey_sign: str
    #: appointment.appt_id booked by WeChat in the morning for the same morning (attended) …
    journey_appointment: str
    #: … the registration it made (reg_id; 预约挂号, signed in, seen: visit_status done)
    journey_registration: str
    #: outpatient_note.note_id of the consultation
    journey_note: str
    #: patient_allergy.allergy_id recorded at the consultation (青霉素)
    journey_allergy: str
    #: medtech_apply.apply_no of the 血常规 ordered, its lab_report.report_id (reported)
    journey_lab_apply: str
    journey_lab_report: str
    #: medtech_apply.apply_no of the 胸部正位片 ordered, its exam_report.report_id (reported)
    journey_exam_apply: str
    journey_exam_report: str
    #: clinical_order.order_id of the prescription and its order_no (= prescription.rx_no, the 处方号)
    journey_order: str
    journey_rx_no: str
    #: charge_bill.bill_no: the one payment after the visit (pay_type 2, no cashier), part refunded …
    journey_bill: str
    #: … charge_refund.refund_no of the refund of one drug …
    journey_refund: str
    #: … that drug's charge_bill_line.line_id
    journey_refunded_line: str
    #: the journey's times: booked, signed in, seen, lab ordered, exam ordered, lab reported, exam reported,
    #: prescribed, paid, refunded (in that order)
    journey_times: tuple[datetime, ...]
    #: schedule_stop.stop_id of an afternoon stopped on day (announced that morning) …
    stop_today: str
    #: … of a session after day with bookings still to move (affected appointments > 0) …
    stop_with_bookings: str
    #: … of a stop announced on day-1 and revoked on day
    stop_revoked: str
    #: credit_sign.sign_id frozen (黑名单) before the demo days, of a patient who came and paid as usual …
    sign_frozen: str
    #: … and one cancelled (解约) on day-1
    sign_cancelled: str
    #: medtech_apply.apply_no of an exam registered on day and not yet reported …
    apply_registered: str
    #: … and of a lab test ordered and cancelled on day
    apply_cancelled: str
    #: charge_refund.refund_no of the whole refund of the cancelled 医保 settlement (InsuranceEdgeCases
    #: settlement_cancelled) …
    settlement_refund: str
    #: … and the bill it refunds
    settlement_bill: str


@dataclass(frozen=True)
class CityBrainSummary:
    day: date
    seed: int
    counts: dict[str, int]  # rows written per table (ADDED_TO: rows added)
    edge_cases: CityBrainEdgeCases
    pii: PiiValues


# ------------------------------------------------------------------------------------------------ entry point


def generate_city_brain(engine: Engine, day: date, *, seed: int = 42) -> CityBrainSummary:
    """Add the 先诊疗后付费 data and the planted journey of ``day`` to a demo HIS with EMR and 互认 data.

    :param engine: the demo HIS database (SQLite or PostgreSQL).
    :param day: the demo day (the one the other generators were run for).
    :param seed: same seed, database and day → identical rows.
    :raises ValueError: if the database lacks the earlier generators' data, already holds 先诊疗后付费 data, or
        has too few visits on ``day`` for the planted cases, or so many that no doctor is free for the planted 停诊.
    """
    s.create_schema(engine)
    with engine.begin() as conn:
        if not conn.execute(select(func.count()).select_from(s.appointment)).scalar_one():
            raise ValueError("the database holds no appointments; run demo.his.mutual first")
        if conn.execute(select(func.count()).select_from(s.charge_bill)).scalar_one():
            raise ValueError("the database already holds 先诊疗后付费 data; drop the demo tables first")
        gen = _Generator(conn, day, seed)
        edge = gen.run()
        counts = gen.write(conn)
    return CityBrainSummary(day, seed, counts, edge, gen.pii())


# ------------------------------------------------------------------------------------------------ in memory


class _Visit(NamedTuple):
    reg_id: str
    patient_id: str
    psn_no: str | None
    dept_code: str
    doctor_code: str | None
    visit_date: date
    reg_type: str
    reg_time: datetime
    sign_in_time: datetime | None

    @property
    def start(self) -> datetime:
        return self.sign_in_time or self.reg_time

    @property
    def kind(self) -> str:
        return "E" if self.reg_type == "emergency" else "O"


@dataclass
class _Line:
    item_kind: str
    item_code: str
    item_name: str
    spec: str | None
    unit: str | None
    fee_cat: str
    qty: Decimal
    unit_price: Decimal
    amount: Decimal
    exec_dept: str | None
    source_no: str | None
    fee_id: str | None = None
    refund_at: datetime | None = None
    refund_reason: str | None = None


@dataclass
class _Bill:
    visit: _Visit
    paid_at: datetime
    lines: list[_Line]
    pay_type: str = "0"
    channel: str = "wechat"
    setl: dict[str, Any] | None = None
    cancel: dict[str, Any] | None = None  # the 医保 cancellation row of a cancelled settlement
    bill_no: str = ""
    refunds: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ generator


class _Generator:
    def __init__(self, conn: Connection, day: date, seed: int) -> None:
        self.day = day
        self.prev = day - timedelta(days=1)
        self.rng = random.Random(seed + 83)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed + 11)
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in s.metadata.sorted_tables}
        self.edge: dict[str, Any] = {}
        self._seq: dict[str, int] = {}
        self._names: dict[str, None] = {}
        self._ids: dict[str, None] = {}
        self._phones: dict[str, None] = {}
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

    def pii(self) -> PiiValues:
        return PiiValues(tuple(self._names), tuple(self._ids), tuple(self._phones))

    def weighted(self, options: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([c for c, _ in options], [w for _, w in options])[0]

    # -------------------------------------------------------------------------------------------- load

    def load(self, conn: Connection) -> None:
        r, p = s.registration.c, s.patient.c
        q = (
            select(r.reg_id, r.patient_id, p.psn_no, r.dept_code, r.doctor_code, r.visit_date, r.reg_type, r.reg_time,
                   r.sign_in_time)
            .join(s.patient, p.patient_id == r.patient_id)
            .where(r.status == "normal", r.visit_status.in_(("done", "called")),
                   r.visit_date.in_((self.prev, self.day)))
            .order_by(r.reg_id)
        )  # fmt: skip
        self.visits: list[_Visit] = [_Visit(*row) for row in conn.execute(q)]
        if sum(1 for v in self.visits if v.visit_date == self.day) < 10:
            raise ValueError(f"too few outpatient visits on {self.day} for the 先诊疗后付费 cases; use a larger scale")
        self.visit_by_id = {v.reg_id: v for v in self.visits}
        self.queue: dict[tuple[date, str, str, str], int] = {}
        self.rooms_used: dict[str, str] = {}
        for _reg, visit_date, dept, doctor, slot, queue_no, room in conn.execute(
            select(r.reg_id, r.visit_date, r.dept_code, r.doctor_code, r.time_slot, r.queue_no, r.room_code)
            .order_by(r.reg_id)
        ):
            key = (visit_date, dept, doctor or "", slot)
            self.queue[key] = max(self.queue.get(key, 0), queue_no)
            if doctor and room:
                self.rooms_used.setdefault(doctor, room)
        self.rooms: dict[str, list[str]] = defaultdict(list)
        for code, dept in conn.execute(select(s.room.c.room_code, s.room.c.dept_code).order_by(s.room.c.room_code)):
            self.rooms[dept].append(code)
        st = s.staff.c
        self.staff: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
        for code, dept, role, title in conn.execute(
            select(st.staff_code, st.dept_code, st.role, st.title).where(st.is_active == 1).order_by(st.staff_code)
        ):
            self.staff[(dept, role)].append((code, title))
        ci = s.charge_item.c
        self.items = {row.item_code: row for row in conn.execute(
            select(ci.item_code, ci.item_name, ci.item_kind, ci.med_chrgitm_type, ci.unit, ci.spec, ci.price)
            .order_by(ci.item_code))}  # fmt: skip
        dd = s.drug_dict.c
        self.drugs = {row.drug_code: row for row in conn.execute(
            select(dd.drug_code, dd.drug_name, dd.spec, dd.drug_cat, dd.pack_unit, dd.retail_price, dd.is_active)
            .order_by(dd.drug_code))}  # fmt: skip
        self.patients = {row.patient_id: row for row in conn.execute(
            select(p.patient_id, p.psn_no, p.birth_date, p.created_at).order_by(p.patient_id))}  # fmt: skip
        # 医保 settlements of the outpatient visits, their fee lines, their cancellations
        si = s.insu_settlement.c
        self.settlements: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.cancellations: dict[str, dict[str, Any]] = {}
        for row in conn.execute(select(s.insu_settlement).where(si.visit_kind == "O").order_by(si.setl_id)).mappings():
            if row["refd_setl_flag"] == "1":
                self.cancellations[row["cancel_of"]] = dict(row)
            elif row["reg_id"] is not None:
                self.settlements[row["reg_id"]].append(dict(row))
        fd = s.fee_detail.c
        self.fee_lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(select(s.fee_detail).where(fd.setl_id.is_not(None), fd.visit_kind == "O")
                                .order_by(fd.fee_id)).mappings():  # fmt: skip
            self.fee_lines[row["setl_id"]].append(dict(row))
        # reports → their 申请单
        lr = s.lab_report.c
        self.labs = [dict(row) for row in conn.execute(
            select(lr.report_id, lr.apply_no, lr.patient_id, lr.visit_kind, lr.reg_id, lr.adm_id, lr.apply_dept_code,
                   lr.apply_doctor_code, lr.panel_code, lr.panel_name, lr.specimen_no, lr.sample_time, lr.receive_time,
                   lr.report_dept_code, lr.report_time)
            .order_by(lr.report_id)).mappings()]  # fmt: skip
        xr, xi = s.exam_report.c, s.exam_report_item.c
        self.exams = [dict(row) for row in conn.execute(
            select(xr.report_id, xr.apply_no, xr.patient_id, xr.visit_kind, xr.reg_id, xr.adm_id, xr.apply_dept_code,
                   xr.apply_doctor_code, xr.report_no, xr.exam_time, xr.report_dept_code, xr.report_time, xi.item_code,
                   xi.item_name)
            .join(s.exam_report_item, (xi.report_id == xr.report_id) & (xi.seq_no == 1))
            .order_by(xr.report_id)).mappings()]  # fmt: skip
        # prescriptions of the visits and what the pharmacy dispensed for them
        co, sl = s.clinical_order.c, s.sale_line.c
        self.orders: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(select(co.order_no, co.reg_id, co.issue_time).where(co.rx_no.is_not(None),
                                co.reg_id.is_not(None)).order_by(co.order_id)).mappings():  # fmt: skip
            self.orders[row["reg_id"]].append(dict(row))
        self.sales: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(select(sl.sale_line_id, sl.rx_no, sl.dept_code, sl.drug_code, sl.qty, sl.sale_unit,
                                       sl.unit_price, sl.amount, sl.sale_time, sl.status, sl.cancel_time, sl.remark)
                                .order_by(sl.sale_line_id)).mappings():  # fmt: skip
            self.sales[row["rx_no"]].append(dict(row))
        # allergies as the EMR records them
        self.allergy_docs: list[tuple[str, str, datetime, str | None, str | None]] = []
        on = s.outpatient_note.c
        for row in conn.execute(select(on.patient_id, on.allergy_his, on.visit_time, on.doctor_code, on.dept_code)
                                .where(on.allergy_flag == "Y").order_by(on.note_id)):  # fmt: skip
            self.allergy_docs.append(tuple(row))  # type: ignore[arg-type]
        an = s.admission_note.c
        for row in conn.execute(select(an.patient_id, an.allergy_his, an.record_time, an.visit_doctor_code,
                                       an.dept_code).order_by(an.note_id)):  # fmt: skip
            self.allergy_docs.append(tuple(row))  # type: ignore[arg-type]
        fp = s.front_page.c
        for row in conn.execute(select(fp.patient_id, fp.allergy_drug, fp.completed_time, fp.attending_code,
                                       s.inpatient_stay.c.dscg_dept_code)
                                .join(s.inpatient_stay, s.inpatient_stay.c.adm_id == fp.adm_id)
                                .where(fp.allergy_flag == "Y").order_by(fp.adm_id)):  # fmt: skip
            self.allergy_docs.append(tuple(row))  # type: ignore[arg-type]
        vd = s.visit_diagnosis.c
        self.allergy_diags = [tuple(row) for row in conn.execute(
            select(vd.patient_id, vd.diag_code, vd.diag_time, vd.doctor_code, vd.dept_code)
            .where(vd.main_flag == "1", vd.status == "normal", vd.diag_code.in_(tuple(cr.ALLERGY_DIAGS)))
            .order_by(vd.diag_id))]  # fmt: skip
        a = s.appointment.c
        self.bookings = [dict(row) for row in conn.execute(
            select(a.appt_id, a.dept_code, a.doctor_code, a.appt_date, a.start_time)
            .where(a.appt_type == "clinic", a.status == "booked", a.doctor_code.is_not(None), a.appt_date > self.day)
            .order_by(a.appt_id)).mappings()]  # fmt: skip
        self.code_dict = {(t, c) for t, c in conn.execute(select(s.code_dict.c.dict_type, s.code_dict.c.code))}
        self.existing_pids = set(self.patients)

    def doctors(self, dept: str) -> list[tuple[str, str | None]]:
        return self.staff.get((dept, "doctor"), [])

    # -------------------------------------------------------------------------------------------- run

    def run(self) -> CityBrainEdgeCases:
        self.reference()
        self.applies()
        self.extra_applies()
        self.signs()
        self.journey()
        self.bills()
        self.stops()
        self.allergies()
        e = self.edge
        return CityBrainEdgeCases(**{f.name: e[f.name] for f in dataclasses.fields(CityBrainEdgeCases)})

    def reference(self) -> None:
        stamp = self.at(self.day - timedelta(days=30), 9)
        for dict_type, codes in (("fee_cat", cr.FEE_CATS), ("pay_channel", cr.PAY_CHANNELS)):
            for sort_no, (code, name) in enumerate(codes.items(), start=1):
                if (dict_type, code) not in self.code_dict:
                    self.add(s.code_dict, dict_type=dict_type, code=code, name=name, sort_no=sort_no, is_active=1,
                             updated_at=stamp)  # fmt: skip

    # -------------------------------------------------------------------------------------------- 医技申请

    def apply(self, *, apply_no: str, kind: str, patient_id: str, visit_kind: str, reg_id: str | None,
              adm_id: str | None, item: tuple[str, str], dept: str, doctor: str | None, exec_dept: str,
              apply_time: datetime, register_time: datetime | None, register_no: str | None,
              report_id: str | None, status: str, cancel_time: datetime | None = None) -> dict[str, Any]:  # fmt: skip
        table = cr.LAB_CHARGES if kind == "lab" else cr.EXAM_CHARGES
        charge = table.get(item[0], cr.DEFAULT_LAB_CHARGE if kind == "lab" else cr.DEFAULT_EXAM_CHARGE)
        updated = max(t for t in (apply_time, register_time, cancel_time) if t is not None)
        return self.add(
            s.medtech_apply, apply_no=apply_no, apply_kind=kind, patient_id=patient_id, visit_kind=visit_kind,
            reg_id=reg_id, adm_id=adm_id, item_code=item[0], item_name=item[1], apply_dept_code=dept,
            apply_doctor_code=doctor, exec_dept_code=exec_dept, apply_time=apply_time, charge_code=charge.charge_code,
            amount=charge.amount, register_time=register_time, register_no=register_no, report_id=report_id,
            status=status, cancel_time=cancel_time, updated_at=updated,
        )  # fmt: skip

    def applies(self) -> None:
        """The 申请单 of every report: ordered before the specimen was taken or the exam registered."""
        self.applies_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for x in self.labs:
            ordered = x["sample_time"] - self.minutes(4, 25)
            row = self.apply(apply_no=x["apply_no"], kind="lab", patient_id=x["patient_id"], visit_kind=x["visit_kind"],
                             reg_id=x["reg_id"], adm_id=x["adm_id"], item=(x["panel_code"], x["panel_name"]),
                             dept=x["apply_dept_code"], doctor=x["apply_doctor_code"], exec_dept=x["report_dept_code"],
                             apply_time=ordered, register_time=x["receive_time"] or x["sample_time"],
                             register_no=x["specimen_no"], report_id=x["report_id"], status="reported")  # fmt: skip
            if x["reg_id"]:
                self.applies_of[x["reg_id"]].append(row)
        for x in self.exams:
            registered = x["exam_time"] - self.minutes(5, 20)
            row = self.apply(apply_no=x["apply_no"], kind="exam", patient_id=x["patient_id"], visit_kind=x["visit_kind"],
                             reg_id=x["reg_id"], adm_id=x["adm_id"], item=(x["item_code"], x["item_name"]),
                             dept=x["apply_dept_code"], doctor=x["apply_doctor_code"], exec_dept=x["report_dept_code"],
                             apply_time=registered - self.minutes(8, 50), register_time=registered,
                             register_no=x["report_no"], report_id=x["report_id"], status="reported")  # fmt: skip
            if x["reg_id"]:
                self.applies_of[x["reg_id"]].append(row)

    def extra_applies(self) -> None:
        """On day: an exam registered late in the afternoon, not yet reported; a lab test ordered and cancelled."""
        rng = self.rng
        pool = [v for v in self.visits if v.visit_date == self.day and v.kind == "O" and v.doctor_code
                and not self.settlements.get(v.reg_id) and v.start.hour < 15]  # fmt: skip
        if len(pool) < 2:
            pool = [v for v in self.visits if v.visit_date == self.day and v.doctor_code]
        late, cancel = rng.sample(pool, 2)
        item = er.EXAM_ITEMS["US0101"]
        ordered = max(late.start + self.minutes(20, 40), self.at(self.day, 16))
        registered = ordered + self.minutes(15, 30)
        n = self.next_seq("lab_no")
        row = self.apply(apply_no=f"SQ{self.day:%Y%m%d}{n:06d}", kind="exam", patient_id=late.patient_id,
                         visit_kind="O", reg_id=late.reg_id, adm_id=None, item=(item.code, item.name),
                         dept=late.dept_code, doctor=late.doctor_code, exec_dept=er.EXAM_DEPT[item.exam_type],
                         apply_time=ordered, register_time=registered, register_no=f"US{self.day:%Y%m%d}{n % 10000:04d}",
                         report_id=None, status="registered")  # fmt: skip
        self.applies_of[late.reg_id].append(row)
        self.edge["apply_registered"] = row["apply_no"]
        panel = er.PANELS["CRP"]
        ordered = cancel.start + self.minutes(15, 30)
        row = self.apply(apply_no=f"SQ{self.day:%Y%m%d}{self.next_seq('lab_no'):06d}", kind="lab",
                         patient_id=cancel.patient_id, visit_kind="O", reg_id=cancel.reg_id, adm_id=None,
                         item=(panel.code, panel.name), dept=cancel.dept_code, doctor=cancel.doctor_code,
                         exec_dept=er.LAB_DEPT, apply_time=ordered, register_time=None, register_no=None, report_id=None,
                         status="cancelled", cancel_time=ordered + self.minutes(5, 15))  # fmt: skip
        self.applies_of[cancel.reg_id].append(row)
        self.edge["apply_cancelled"] = row["apply_no"]

    # -------------------------------------------------------------------------------------------- 签约

    def sign(self, patient_id: str, sign_type: str, signed: datetime, *, status: str = "active",
             end: datetime | None = None, reason: str | None = None,
             limit: Decimal | None = None) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        return self.add(
            s.credit_sign, sign_id=self.new_id("QY", signed), patient_id=patient_id, sign_type=sign_type,
            credit_limit=limit or rng.choice(cr.CREDIT_LIMITS[sign_type]), sign_channel=self.weighted(cr.SIGN_CHANNELS),
            signed_at=signed, status=status, end_time=end, end_reason=reason, updated_at=end or signed,
        )  # fmt: skip

    def signed_before(self, t: datetime, lo_days: int = 3, hi_days: int = 400) -> datetime:
        return self.at(t.date() - timedelta(days=self.rng.randint(lo_days, hi_days)), 8) + self.minutes(0, 720)

    def signs(self) -> None:
        """Who is signed up for 先诊疗后付费 when they come (credit_sign), and the frozen and cancelled signs."""
        rng = self.rng
        self.credit: dict[str, str] = {}  # patient_id → sign type active during the demo days
        first_visit: dict[str, _Visit] = {}
        for v in self.visits:
            first_visit.setdefault(v.patient_id, v)
        self_paying = sorted({v.patient_id for v in self.visits if not self.settlements.get(v.reg_id)
                              and self.patients[v.patient_id].psn_no is None})  # fmt: skip
        per_patient: dict[str, int] = defaultdict(int)  # 医保 settlements of the demo days: one means "paid once"
        for v in self.visits:
            per_patient[v.patient_id] += len(self.settlements.get(v.reg_id, ()))
        insured = sorted(pid for pid, n in per_patient.items() if n == 1 and self.patients[pid].psn_no is not None)
        k_self = max(2, round(len(self_paying) * cr.P_SIGNED_SELF))
        k_ins = max(2, round(len(insured) * cr.P_SIGNED_INSURED))
        chosen_self = rng.sample(self_paying, min(k_self, len(self_paying)))
        chosen_ins = rng.sample(insured, min(k_ins, len(insured)))
        for pid in sorted(chosen_self):
            self.sign(pid, cr.SIGN_UNIONPAY, self.signed_before(first_visit[pid].reg_time))
            self.credit[pid] = cr.SIGN_UNIONPAY
        for pid in sorted(chosen_ins):
            self.sign(pid, cr.SIGN_MEDICARE, self.signed_before(first_visit[pid].reg_time))
            self.credit[pid] = cr.SIGN_MEDICARE
        # a sign frozen before the demo days and one cancelled on the evening of day-1, of patients who registered
        # after that (the sign no longer in force): they pay as usual
        first_reg: dict[str, datetime] = {}
        for v in self.visits:
            first_reg[v.patient_id] = min(first_reg.get(v.patient_id, v.reg_time), v.reg_time)
        rest = sorted(pid for pid in first_visit if pid not in self.credit)
        frozen = rng.choice(rest)
        cancel_at = self.at(self.prev, 20) + self.minutes(0, 90)
        cancelled = rng.choice([pid for pid in rest if pid != frozen and first_reg[pid] > cancel_at])
        freeze_at = self.at(first_reg[frozen].date() - timedelta(days=rng.randint(3, 20)), 2)
        for pid, status, end, reason, key in (
            (frozen, "frozen", freeze_at, cr.FROZEN_REASON, "sign_frozen"),
            (cancelled, "cancelled", cancel_at, cr.CANCELLED_REASON, "sign_cancelled"),
        ):
            sign_type = cr.SIGN_MEDICARE if self.patients[pid].psn_no else cr.SIGN_UNIONPAY
            row = self.sign(pid, sign_type, self.signed_before(end, 30, 400), status=status, end=end, reason=reason)
            self.edge[key] = row["sign_id"]
        # other patients signed up at some time (no visit on the demo days)
        for pid, pat in self.patients.items():
            if pid in first_visit or rng.random() >= cr.P_SIGNED_OTHER:
                continue
            created = pat.created_at or self.at(self.day - timedelta(days=400), 9)
            signed = max(created, self.signed_before(self.at(self.day, 8), 1, 300))
            self.sign(pid, cr.SIGN_MEDICARE if pat.psn_no else cr.SIGN_UNIONPAY, signed)

    # -------------------------------------------------------------------------------------------- the journey

    def journey(self) -> None:
        rng, day = self.rng, self.day
        gender, age, area = cr.JOURNEY_PATIENT
        created = self.at(day - timedelta(days=412), 10, 5)
        pid = f"{50_000_000 + self.next_seq('patient') - SERIAL_BASE:010d}"
        assert pid not in self.existing_pids
        birth = day - timedelta(days=int(age * 365.25) + 97)
        seq = rng.randrange(0, 500) * 2 + (1 if gender == "1" else 0)
        id_no = idcard.make_id_card_no(area, birth, seq)
        name = self.fake.name_male() if gender == "1" else self.fake.name_female()
        phone = self.fake.phone_number()
        self._names[name], self._ids[id_no], self._phones[phone] = None, None, None
        code, township = er.TOWNSHIPS[area][0]
        area_name = f"江西省南昌市{idcard.NANCHANG_AREAS[area]}{township}"
        detail = (f"{area_name}{rng.choice(refdata.STREETS)}{rng.randint(1, 999)}号"
                  f"{rng.randint(1, 30)}栋{rng.randint(1, 30)}01室")
        self.add(s.patient, patient_id=pid, name=name, gender=gender, birth_date=birth, id_card_no=id_no, phone=phone,
                 address=detail, psn_no=None, insuplc_admdvs=None, created_at=created)  # fmt: skip
        self.add(s.patient_extra, patient_id=pid, id_type="SFZ", country_code="CHN", nation_code="HAN",
                 marital_code="M", education_code="2", occupation_code="GB", occupation_other=None,
                 perm_addr_code=f"{area}{code}", perm_addr_name=area_name, perm_addr_detail=detail,
                 curr_addr_code=f"{area}{code}", curr_addr_name=area_name, curr_addr_detail=detail,
                 workunit=self.fake.company(), contact_name=None, contact_rel=None, contact_tel=None,
                 health_card_no=None, updated_at=created)  # fmt: skip
        self.edge["journey_patient"] = pid
        signed = self.at(day - timedelta(days=30), 10, 20)
        sign = self.sign(pid, cr.SIGN_UNIONPAY, signed, limit=cr.JOURNEY_CREDIT_LIMIT)
        sign["sign_channel"] = "app"
        self.credit[pid] = cr.SIGN_UNIONPAY
        self.edge["journey_sign"] = sign["sign_id"]

        # 预约挂号 in the morning by WeChat, signed in at the kiosk, seen by the department's 主任医师
        dept = cr.JOURNEY_DEPT
        doctor = next((c for c, title in self.doctors(dept) if title and "主任" in title), self.doctors(dept)[0][0])
        room = self.rooms_used.get(doctor) or self.rooms[dept][0]
        booked, signed_in, seen = self.at(day, 7, 12), self.at(day, 8, 21), self.at(day, 8, 46)
        key = (day, dept, doctor, "1")
        self.queue[key] = self.queue.get(key, 0) + 1
        reg_id = f"MZ{day:%Y%m%d}{self.next_seq('reg'):06d}"
        self.add(s.registration, reg_id=reg_id, patient_id=pid, dept_code=dept, room_code=room, doctor_code=doctor,
                 visit_date=day, time_slot="1", queue_no=self.queue[key], reg_type="expert", reg_time=booked,
                 is_appointment=1, sign_in_time=signed_in, visit_status="done", is_revisit=1, status="normal",
                 cancel_time=None, updated_at=seen)  # fmt: skip
        slot = self.at(day, 8, 30)
        appt = self.add(s.appointment, appt_id=self.new_id("YY", booked), patient_id=pid, appt_type="clinic",
                        dept_code=dept, doctor_code=doctor, item_code=None, item_name=None, appt_date=day,
                        start_time=slot, end_time=slot + timedelta(minutes=mr.SLOT_MINUTES), channel="wechat",
                        status="attended", booked_at=booked, cancel_time=None, reg_id=reg_id,
                        updated_at=signed_in)  # fmt: skip
        visit = _Visit(reg_id, pid, None, dept, doctor, day, "expert", booked, signed_in)
        self.visits.append(visit)
        self.visit_by_id[reg_id] = visit
        self.edge.update(journey_registration=reg_id, journey_appointment=appt["appt_id"])

        # the consultation: note, diagnosis, a penicillin allergy
        diag_code, diag_name = cr.JOURNEY_DIAG
        text = er.OTP_TEXT.get(diag_code, er.GENERIC_TEXT)
        a = cr.JOURNEY_ALLERGY
        allergy_text = f"{a.allergen_name}过敏，表现为{a.reaction}"
        note_signed = seen + timedelta(minutes=14)
        note = self.add(
            s.outpatient_note, note_id=self.new_id("MB", seen), reg_id=reg_id, patient_id=pid, dept_code=dept,
            doctor_code=doctor, visit_time=seen, first_visit_flag="N", chief_complaint=text.complaint,
            present_illness=f"患者{text.present}。", past_illness="既往体健", infection_his="否认肝炎、结核等传染病史",
            vaccination_his="预防接种史不详", operation_his="否认手术外伤史", transfusion_his="否认输血史",
            personal_his="生于原籍，久居本地，无烟酒嗜好", marital_his="已婚，配偶体健", menstrual_his="47岁绝经",
            family_his="父母体健，否认家族遗传病史", allergy_flag="Y", allergy_his=allergy_text,
            physical_exam="T 37.3℃，P 86次/分，R 18次/分，BP 124/78mmHg。" + text.exam + "。", tcm_observation=None,
            studies_summary=None, diag_codes=diag_code, diag_names=diag_name, tcm_diag_code=None, tcm_diag_name=None,
            tcm_syndrome_code=None, tcm_syndrome_name=None, tcm_basis=None, treatment=None, advice=text.advice,
            sign_time=note_signed, revision=1, status="signed", void_time=None, updated_at=note_signed,
        )  # fmt: skip
        diag_time = seen + timedelta(minutes=4)
        self.add(s.visit_diagnosis, diag_id=self.new_id("ZD", diag_time), reg_id=reg_id, patient_id=pid, seq_no=1,
                 diag_type="1", main_flag="1", diag_code=diag_code, diag_name=diag_name, suspect_flag="N",
                 diag_time=diag_time, doctor_code=doctor, dept_code=dept, status="normal", void_time=None,
                 updated_at=diag_time)  # fmt: skip
        self.edge["journey_note"] = note["note_id"]
        recorded = seen + timedelta(minutes=2)
        allergy = self.add(s.patient_allergy, allergy_id=self.new_id("GM", recorded), patient_id=pid,
                           allergen_type=a.allergen_type, allergen_code=a.allergen_code, allergen_name=a.allergen_name,
                           reaction=a.reaction, severity=a.severity, recorded_at=recorded, recorder_code=doctor,
                           dept_code=dept, status="active", void_time=None, updated_at=recorded)  # fmt: skip
        self.edge["journey_allergy"] = allergy["allergy_id"]
        self.journey_allergy_patient = pid

        # 血常规 and 胸部正位片 ordered at the consultation, both reported in the morning
        lab_ordered, exam_ordered = seen + timedelta(minutes=9), seen + timedelta(minutes=10)
        panel = er.PANELS[cr.JOURNEY_LAB]
        sample, received = self.at(day, 9, 5), self.at(day, 9, 12)
        tested, lab_reported = self.at(day, 9, 25), self.at(day, 9, 48)
        techs = [c for c, _ in self.staff[(er.LAB_DEPT, "technician")]]
        n = self.next_seq("lab_no")
        lab_id, lab_apply = self.new_id("JY", sample), f"SQ{day:%Y%m%d}{n:06d}"
        for seq, item in enumerate(panel.items, start=1):
            assert item.low is not None and item.high is not None
            span = item.high - item.low
            value = round(rng.uniform(item.low + span * 0.2, item.high - span * 0.2), item.decimals)
            self.add(s.lab_result, result_id=self.new_id("JG", sample), report_id=lab_id, seq_no=seq,
                     item_code=item.code, item_name=item.name, result_kind="N",
                     quant_value=f"{value:.{item.decimals}f}", unit=item.unit, ref_low=f"{item.low:.{item.decimals}f}",
                     ref_high=f"{item.high:.{item.decimals}f}", abn_flag="N", qual_result=None, germ_code=None,
                     germ_name=None, test_time=tested, status="normal", void_time=None,
                     updated_at=lab_reported)  # fmt: skip
        self.add(s.lab_report, report_id=lab_id, apply_no=lab_apply, patient_id=pid, visit_kind="O", reg_id=reg_id,
                 adm_id=None, apply_dept_code=dept, apply_doctor_code=doctor, panel_code=panel.code,
                 panel_name=panel.name, micro_flag="N", specimen_no=f"{sample:%y%m%d}{n:06d}",
                 specimen_type=panel.specimen, sample_time=sample, receive_time=received, test_doctor_code=techs[-1],
                 test_time=tested, report_no=f"JYBG{sample:%Y%m%d}{n - SERIAL_BASE + 95_000:05d}", findings=None,
                 conclusion=None, remark=None, report_time=lab_reported, audit_doctor_code=techs[0],
                 report_dept_code=er.LAB_DEPT, revision=1, status="reported", void_time=None, void_reason=None,
                 updated_at=lab_reported)  # fmt: skip
        self.applies_of[reg_id].append(self.apply(
            apply_no=lab_apply, kind="lab", patient_id=pid, visit_kind="O", reg_id=reg_id, adm_id=None,
            item=(panel.code, panel.name), dept=dept, doctor=doctor, exec_dept=er.LAB_DEPT, apply_time=lab_ordered,
            register_time=received, register_no=f"{sample:%y%m%d}{n:06d}", report_id=lab_id, status="reported"))
        item = er.EXAM_ITEMS[cr.JOURNEY_EXAM]
        exam_dept = er.EXAM_DEPT[item.exam_type]
        radiologists = [c for c, _ in self.staff[(exam_dept, "doctor")]]
        registered, done, exam_reported = self.at(day, 9, 14), self.at(day, 9, 22), self.at(day, 10, 5)
        exam_id, exam_apply = self.new_id("JC", done), f"SQ{day:%Y%m%d}{self.next_seq('lab_no'):06d}"
        exam_no = f"{item.exam_type}{done:%Y%m%d}{9500 + self.next_seq('exam_no') - SERIAL_BASE:04d}"
        self.add(s.exam_report_item, item_id=self.new_id("JX", done), report_id=exam_id, seq_no=1, item_code=item.code,
                 item_name=item.name, result_code="N", quant_value=None, quant_unit=None, status="normal",
                 void_time=None, updated_at=exam_reported)  # fmt: skip
        self.add(s.exam_report, report_id=exam_id, apply_no=exam_apply, patient_id=pid, visit_kind="O", reg_id=reg_id,
                 adm_id=None, apply_dept_code=dept, apply_doctor_code=doctor, exam_type=item.exam_type,
                 exam_part=item.part, chief_complaint=text.complaint, symptom_start=None, symptom_end=None,
                 symptom_desc=None, treatment_desc=None, special_flag="N", exam_time=done, findings=item.findings,
                 conclusion=item.conclusion, remark=None, report_no=exam_no, report_time=exam_reported,
                 report_doctor_code=radiologists[-1], audit_doctor_code=radiologists[0], report_dept_code=exam_dept,
                 revision=1, status="reported", void_time=None, updated_at=exam_reported)  # fmt: skip
        self.applies_of[reg_id].append(self.apply(
            apply_no=exam_apply, kind="exam", patient_id=pid, visit_kind="O", reg_id=reg_id, adm_id=None,
            item=(item.code, item.name), dept=dept, doctor=doctor, exec_dept=exam_dept, apply_time=exam_ordered,
            register_time=registered, register_no=exam_no, report_id=exam_id, status="reported"))
        self.edge.update(journey_lab_apply=lab_apply, journey_lab_report=lab_id, journey_exam_apply=exam_apply,
                         journey_exam_report=exam_id)  # fmt: skip

        # the prescription after the results, dispensed by the 门诊西药房
        prescribed, dispensed = self.at(day, 10, 20), self.at(day, 10, 44)
        rx_no = f"CF{prescribed:%Y%m%d}{9_000_000 + self.next_seq('rx') - SERIAL_BASE:07d}"
        pharmacy = refdata.CAMPUS_PHARMACY["main"]
        pharmacist = self.staff[(pharmacy, "pharmacist")][0][0]
        self.add(s.prescription, rx_no=rx_no, reg_id=reg_id, patient_id=pid, doctor_code=doctor, dept_code=dept,
                 rx_time=prescribed, setl_type="ZF", setl_id=None, mdtrt_id=None, external_flag="N", status="normal",
                 updated_at=prescribed)  # fmt: skip
        order_id = self.new_id("YZ", prescribed)
        drug_lines: list[_Line] = []
        for seq, (drug_name, packs) in enumerate(cr.JOURNEY_DRUGS, start=1):
            drug = next(d for d in self.drugs.values() if d.drug_name == drug_name and d.is_active)
            self.add(s.clinical_order_item, item_id=self.new_id("YM", prescribed), order_id=order_id, seq_no=seq,
                     drug_code=drug.drug_code, drug_name=drug.drug_name, drug_spec=drug.spec, dose=Decimal(1),
                     dose_unit="片" if "片" in drug.drug_name else "粒" if "胶囊" in drug.drug_name else "ml",
                     frequency="tid" if seq > 1 else "qd", route="口服", total_qty=Decimal(packs),
                     total_unit=drug.pack_unit, status="normal", void_time=None, updated_at=prescribed)  # fmt: skip
            drug_lines.append(self.drug_line(drug, Decimal(packs), drug.pack_unit, q2(Decimal(drug.retail_price)),
                                             pharmacy, rx_no))  # fmt: skip
        self.add(s.clinical_order, order_id=order_id, order_no=rx_no, patient_id=pid, visit_kind="O", reg_id=reg_id,
                 adm_id=None, rx_no=rx_no, order_type="W", issue_time=prescribed, valid_days=3, exec_time=dispensed,
                 stop_time=None, doctor_code=doctor, pharmacist_code=pharmacist, dept_code=dept, tcm_recipe=None,
                 tcm_doses=None, tcm_decoction=None, tcm_usage=None, remark=None, status="normal", void_time=None,
                 updated_at=dispensed)  # fmt: skip
        self.edge.update(journey_order=order_id, journey_rx_no=rx_no)

        # one payment after the visit (the 银联卡 is charged, no cashier); one drug refunded: not taken
        paid, refunded = self.at(day, 10, 35), self.at(day, 10, 52)
        lines = [self.visit_fee(visit), *(self.apply_line(x) for x in self.applies_of[reg_id]), *drug_lines]
        lines[-1].refund_at, lines[-1].refund_reason = refunded, cr.JOURNEY_REFUND_REASON
        bill = _Bill(visit, paid, lines, pay_type=cr.SIGN_UNIONPAY, channel="card")
        self.journey_bill = bill
        self.edge["journey_times"] = (booked, signed_in, seen, lab_ordered, exam_ordered, lab_reported, exam_reported,
                                      prescribed, paid, refunded)  # fmt: skip

    # -------------------------------------------------------------------------------------------- 收费

    def drug_line(self, drug: Any, qty: Decimal, unit: str | None, price: Decimal, pharmacy: str,
                  rx_no: str) -> _Line:  # fmt: skip
        return _Line("drug", drug.drug_code, drug.drug_name, drug.spec, unit,
                     cr.DRUG_FEE_CAT.get(drug.drug_cat or "", cr.DEFAULT_DRUG_FEE_CAT), qty, price, q2(qty * price),
                     pharmacy, rx_no)  # fmt: skip

    def visit_fee(self, visit: _Visit) -> _Line:
        item = self.items[cr.ER_VISIT_FEE if visit.kind == "E" else cr.VISIT_FEE]
        price = q2(Decimal(item.price))
        return _Line("item", item.item_code, item.item_name, item.spec, item.unit, item.med_chrgitm_type or "02",
                     Decimal(1), price, price, visit.dept_code, visit.reg_id)  # fmt: skip

    def apply_line(self, apply: dict[str, Any]) -> _Line:
        code = apply["charge_code"]
        item = self.items.get(code) if code else None
        default_cat = "04" if apply["apply_kind"] == "lab" else "03"
        return _Line("item", item.item_code if item else apply["item_code"], item.item_name if item else
                     apply["item_name"], item.spec if item else None, item.unit if item else "次",
                     (item.med_chrgitm_type if item else None) or default_cat, Decimal(1), apply["amount"],
                     apply["amount"], apply["exec_dept_code"], apply["apply_no"])  # fmt: skip

    def fee_line(self, fee: dict[str, Any]) -> _Line:
        if fee["item_kind"] == "drug":
            drug = self.drugs.get(fee["item_code"])
            cat = cr.DRUG_FEE_CAT.get(drug.drug_cat or "", cr.DEFAULT_DRUG_FEE_CAT) if drug else cr.DEFAULT_DRUG_FEE_CAT
            spec, unit = (drug.spec, drug.pack_unit) if drug else (None, None)
        else:
            item = self.items.get(fee["item_code"])
            cat = cr.MATERIAL_FEE_CAT if fee["item_kind"] == "material" else (item.med_chrgitm_type if item else "14")
            spec, unit = (item.spec, item.unit) if item else (None, None)
        return _Line(fee["item_kind"], fee["item_code"], fee["item_name"], spec, unit, cat or "14", fee["qty"],
                     q2(fee["unit_price"]) if fee["unit_price"] is not None else _ZERO, fee["amount"],
                     fee["dept_code"], None, fee_id=fee["fee_id"])  # fmt: skip

    def sale_lines(self, visit: _Visit, *, until: datetime | None = None) -> list[_Line]:
        """The drugs dispensed for the visit's prescriptions; a dispensing the pharmacy cancelled is refunded then
        (or, for a patient paying once at ``until``, not charged when it was cancelled before)."""
        lines = []
        for order in self.orders.get(visit.reg_id, ()):
            for sale in self.sales.get(order["order_no"], ()):
                cancelled = sale["status"] == "cancelled"
                if cancelled and until is not None and sale["cancel_time"] <= until:
                    continue
                drug = self.drugs[sale["drug_code"]]
                line = self.drug_line(drug, Decimal(sale["qty"]), sale["sale_unit"], Decimal(sale["unit_price"]),
                                      sale["dept_code"], order["order_no"])  # fmt: skip
                line.amount = sale["amount"]
                if cancelled:
                    line.refund_at, line.refund_reason = sale["cancel_time"], sale["remark"] or "药房作废发药，退费"
                lines.append(line)
        return lines

    def bills(self) -> None:
        rng = self.rng
        self.bill_list: list[_Bill] = []
        reported = {x["report_id"]: x["report_time"] for x in self.labs + self.exams}
        for visit in self.visits:
            if visit.reg_id == self.edge["journey_registration"]:
                continue
            pay_type = self.credit.get(visit.patient_id, "0")
            settlements = self.settlements.get(visit.reg_id)
            if settlements:
                for setl in settlements:
                    lines = [self.fee_line(f) for f in self.fee_lines.get(setl["setl_id"], ())]
                    if not lines:
                        continue
                    self_amount = setl["psn_cash_pay"]
                    channel = ("none" if self_amount <= 0 else "card" if pay_type != "0"
                               else self.weighted(cr.CHANNEL_WEIGHTS))  # fmt: skip
                    self.bill_list.append(_Bill(visit, setl["setl_time"], lines, pay_type, channel, setl,
                                                self.cancellations.get(setl["setl_id"])))  # fmt: skip
                continue
            applies = [x for x in self.applies_of.get(visit.reg_id, ()) if x["status"] != "cancelled"]
            orders = self.orders.get(visit.reg_id, ())
            if pay_type != "0":  # 先诊疗后付费: one payment after everything
                events = [visit.start, *(x["register_time"] or x["apply_time"] for x in applies),
                          *(o["issue_time"] for o in orders),
                          *(sale["sale_time"] for o in orders for sale in self.sales.get(o["order_no"], ()))]
                events += [reported[x["report_id"]] for x in applies if x["report_id"] in reported]
                paid = min(max(events) + self.minutes(10, 40), self.at(visit.visit_date, 23, 30))
                lines = [self.visit_fee(visit), *(self.apply_line(x) for x in applies),
                         *self.sale_lines(visit, until=paid)]
                self.bill_list.append(_Bill(visit, paid, lines, pay_type, "card"))
                continue
            channel = self.weighted(cr.CHANNEL_WEIGHTS)
            fee_paid = False
            for batch in self.rounds(applies):  # the tests ordered together, paid before the first is done
                first = batch[0]
                limit = min((x["register_time"] for x in batch if x["register_time"]), default=None)
                paid = first["apply_time"] + self.minutes(1, 6)
                if limit is not None and paid >= limit:
                    paid = first["apply_time"] + (limit - first["apply_time"]) / 2
                lines = [*([] if fee_paid else [self.visit_fee(visit)]), *(self.apply_line(x) for x in batch)]
                self.bill_list.append(_Bill(visit, paid.replace(microsecond=0), lines, "0", channel))
                fee_paid = True
            drugs = self.sale_lines(visit)
            if drugs:  # the drugs, paid between the prescription and the dispensing
                rx_time = min(o["issue_time"] for o in orders)
                first_sale = min(sale["sale_time"] for o in orders for sale in self.sales.get(o["order_no"], ()))
                paid = rx_time + (first_sale - rx_time) / 2 if first_sale > rx_time else rx_time
                lines = drugs if fee_paid else [self.visit_fee(visit), *drugs]
                self.bill_list.append(_Bill(visit, paid.replace(microsecond=0), lines, "0",
                                            channel if rng.random() < 0.8 else self.weighted(cr.CHANNEL_WEIGHTS)))
            elif not fee_paid:
                self.bill_list.append(_Bill(visit, visit.start + self.minutes(1, 8), [self.visit_fee(visit)], "0",
                                            channel))  # fmt: skip
        self.bill_list.append(self.journey_bill)
        self.bill_list.sort(key=lambda b: (b.paid_at, b.visit.reg_id))
        cashiers = [c for c, _ in self.staff[(refdata.CAMPUS_PHARMACY["main"], "clerk")]]
        for n, bill in enumerate(self.bill_list, start=1):
            self.write_bill(bill, n, cashiers)
        self.edge["journey_bill"] = self.journey_bill.bill_no
        self.edge["journey_refund"] = self.journey_bill.refunds[0]
        self.edge["journey_refunded_line"] = f"{self.journey_bill.bill_no}-{len(self.journey_bill.lines):02d}"

    @staticmethod
    def rounds(applies: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """申请单 ordered within 15 minutes of the first of a round are paid together; a later one is a new payment."""
        out: list[list[dict[str, Any]]] = []
        for x in sorted(applies, key=lambda a: (a["apply_time"], a["apply_no"])):
            if out and x["apply_time"] - out[-1][0]["apply_time"] <= timedelta(minutes=15):
                out[-1].append(x)
            else:
                out.append([x])
        return out

    def write_bill(self, bill: _Bill, n: int, cashiers: list[str]) -> None:
        rng = self.rng
        visit, setl = bill.visit, bill.setl
        bill.bill_no = f"SF{bill.paid_at:%Y%m%d}{n:06d}"
        total = sum((x.amount for x in bill.lines), _ZERO)
        if setl is not None:
            insurance = setl["fund_pay_sumamt"] + setl["acct_pay"]
            invoice_code, invoice_no = setl["bill_code"], setl["bill_no"]
            operator = setl["operator_code"]
        else:
            insurance = _ZERO
            invoice_code, invoice_no = f"3601{bill.paid_at:%y}02", f"{3_000_000 + n:010d}"
            operator = None if bill.channel in cr.SELF_SERVICE or bill.pay_type != "0" else rng.choice(cashiers)
        self_amount = total - insurance
        refunds: dict[tuple[datetime, str], list[_Line]] = defaultdict(list)
        if bill.cancel is not None:  # the 医保 settlement was cancelled: the whole bill goes back
            for x in bill.lines:
                x.refund_at, x.refund_reason = bill.cancel["setl_time"], "撤销医保结算，全额退费"
        for x in bill.lines:
            if x.refund_at is not None:
                refunds[(x.refund_at, x.refund_reason or "")].append(x)
        refunded = _ZERO
        refund_of: dict[int, str] = {}
        refund_rows = []
        for k, ((when, reason), lines) in enumerate(sorted(refunds.items()), start=1):
            amount = sum((x.amount for x in lines), _ZERO)
            whole = len(lines) == len(bill.lines) and k == 1
            back_insurance = insurance if whole else _ZERO
            refund_no = f"TF{when:%Y%m%d}{n:06d}{k}"
            refund_rows.append(dict(
                refund_no=refund_no, bill_no=bill.bill_no, patient_id=visit.patient_id, refund_time=when,
                refund_amount=amount, insurance_amount=back_insurance, self_amount=amount - back_insurance,
                refund_channel=bill.channel, reason=reason, red_invoice_no=f"{4_000_000 + n * 10 + k:010d}",
                cancel_setl_id=bill.cancel["setl_id"] if bill.cancel is not None else None,
                operator_code=operator, updated_at=when,
            ))  # fmt: skip
            bill.refunds.append(refund_no)
            refunded += amount
            for x in lines:
                refund_of[id(x)] = refund_no
        status = "normal" if not refunded else "refunded" if refunded == total else "part_refunded"
        last = max([bill.paid_at, *(r["refund_time"] for r in refund_rows)])
        self.add(s.charge_bill, bill_no=bill.bill_no, patient_id=visit.patient_id, reg_id=visit.reg_id,
                 visit_kind=visit.kind, dept_code=visit.dept_code, doctor_code=visit.doctor_code, total_amount=total,
                 insurance_amount=insurance, self_amount=self_amount, pay_channel=bill.channel, pay_type=bill.pay_type,
                 setl_id=setl["setl_id"] if setl else None, invoice_code=invoice_code, invoice_no=invoice_no,
                 paid_at=bill.paid_at, operator_code=operator, status=status, refunded_amount=refunded,
                 updated_at=last)  # fmt: skip
        for row in refund_rows:
            self.add(s.charge_refund, **row)
        if bill.cancel is not None:  # the one cancelled outpatient settlement (InsuranceEdgeCases)
            self.edge["settlement_refund"], self.edge["settlement_bill"] = bill.refunds[0], bill.bill_no
        for i, x in enumerate(bill.lines, start=1):
            self.add(s.charge_bill_line, line_id=f"{bill.bill_no}-{i:02d}", bill_no=bill.bill_no, line_no=i,
                     item_kind=x.item_kind, item_code=x.item_code, item_name=x.item_name, spec=x.spec, unit=x.unit,
                     fee_cat=x.fee_cat, qty=x.qty, unit_price=x.unit_price, amount=x.amount,
                     exec_dept_code=x.exec_dept, source_no=x.source_no, fee_id=x.fee_id,
                     status="refunded" if x.refund_at else "normal", refund_no=refund_of.get(id(x)),
                     updated_at=x.refund_at or bill.paid_at)  # fmt: skip

    # -------------------------------------------------------------------------------------------- 停诊

    def stop(self, dept: str, doctor: str, on: date, slot: str, reason: str, announced: datetime, *,
             status: str = "active", revoked: datetime | None = None) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        lo, hi = mr.SESSIONS[slot]
        others = [c for c, _ in self.doctors(dept) if c != doctor]
        announcer = self.staff.get((dept, "nurse"), [(None, None)])[0][0]
        return self.add(
            s.schedule_stop, stop_id=self.new_id("TZ", announced), dept_code=dept, doctor_code=doctor, stop_date=on,
            time_slot=slot, session_start=datetime.combine(on, lo), session_end=datetime.combine(on, hi), reason=reason,
            sub_doctor_code=rng.choice(others) if others and rng.random() < 0.5 else None, announced_at=announced,
            announcer_code=announcer, status=status, revoke_time=revoked, updated_at=revoked or announced,
        )  # fmt: skip

    def stops(self) -> None:
        rng, day = self.rng, self.day
        # an afternoon of day stopped that morning: a doctor with nobody registered that afternoon
        busy = {(k[1], k[2]) for k in self.queue if k[0] == day and k[3] == "2"}
        free = [(d.code, c) for d in refdata.DEPTS if d.dept_type == "outpatient" and d.code != refdata.EMERGENCY_DEPT
                for c, _ in self.doctors(d.code) if (d.code, c) not in busy]  # fmt: skip
        if not free:  # at a few thousand visits a day every doctor sees someone in the afternoon
            raise ValueError(f"no outpatient doctor is free on the afternoon of {day} for the planted 停诊 case; "
                             "the 先诊疗后付费 data is planted for scales below about 7000")
        dept, doctor = rng.choice(free)
        row = self.stop(dept, doctor, day, "2", "临时手术", self.at(day, 7, 40) + self.minutes(0, 30))
        self.edge["stop_today"] = row["stop_id"]
        # a session after day with bookings still to move, announced on day afternoon
        booking = rng.choice([b for b in self.bookings if b["dept_code"] != refdata.EMERGENCY_DEPT] or self.bookings)
        slot = "1" if booking["start_time"].hour < 12 else "2"
        row = self.stop(booking["dept_code"], booking["doctor_code"], booking["appt_date"], slot, "外出会诊",
                        self.at(day, 16, 10) + self.minutes(0, 60))  # fmt: skip
        self.edge["stop_with_bookings"] = row["stop_id"]
        # announced on day-1 for day+3, revoked on day (恢复出诊)
        d = rng.choice([x for x in refdata.DEPTS if x.dept_type == "outpatient" and x.code != refdata.EMERGENCY_DEPT])
        doctor = rng.choice(self.doctors(d.code))[0]
        row = self.stop(d.code, doctor, day + timedelta(days=3), "1", cr.REVOKED_REASON, self.at(self.prev, 15, 20),
                        status="revoked", revoked=self.at(day, 11, 5))  # fmt: skip
        self.edge["stop_revoked"] = row["stop_id"]
        # a past one, and a few more ahead
        for offset, announce in ((-5, -7), (2, 0), (6, -1)):
            d = rng.choice([x for x in refdata.DEPTS if x.dept_type == "outpatient" and x.code != refdata.EMERGENCY_DEPT])
            doctor = rng.choice(self.doctors(d.code))[0]
            self.stop(d.code, doctor, day + timedelta(days=offset), rng.choice("12"), rng.choice(cr.STOP_REASONS),
                      self.at(day + timedelta(days=announce), 9) + self.minutes(0, 480))  # fmt: skip

    # -------------------------------------------------------------------------------------------- 过敏史

    def allergies(self) -> None:
        """One row per (patient, allergen), recorded by the first document that names it."""
        seen: set[tuple[str, str]] = {(self.journey_allergy_patient, cr.JOURNEY_ALLERGY.allergen_name)}
        found: list[tuple[datetime, str, cr.Allergy, str | None, str | None]] = []
        for pid, text, when, doctor, dept in self.allergy_docs:
            a = cr.ALLERGY_TEXTS.get((text or "").strip())
            if a is not None:
                found.append((when, pid, a, doctor, dept))
        for pid, code, when, doctor, dept in self.allergy_diags:
            found.append((when, pid, cr.ALLERGY_DIAGS[code], doctor, dept))
        for when, pid, a, doctor, dept in sorted(found, key=lambda x: (x[0], x[1], x[2].allergen_name)):
            if (pid, a.allergen_name) in seen:
                continue
            seen.add((pid, a.allergen_name))
            self.add(s.patient_allergy, allergy_id=self.new_id("GM", when), patient_id=pid,
                     allergen_type=a.allergen_type, allergen_code=a.allergen_code, allergen_name=a.allergen_name,
                     reaction=a.reaction, severity=a.severity, recorded_at=when, recorder_code=doctor, dept_code=dept,
                     status="active", void_time=None, updated_at=when)  # fmt: skip

    # -------------------------------------------------------------------------------------------- write

    def write(self, conn: Connection) -> dict[str, int]:
        for table in s.metadata.sorted_tables:
            rows = self.rows[table.name]
            if rows:
                conn.execute(table.insert(), rows)
        return {name: len(self.rows[name]) for name in CITY_BRAIN_TABLES + ADDED_TO}


# ------------------------------------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    from demo.his.generator_cli import run_generator

    return run_generator(argv, prog="python -m demo.his.city_brain", description=__doc__.split("\n\n")[0],
                         needs="python -m demo.his, demo.his.insurance, demo.his.emr and demo.his.mutual", generate=generate_city_brain, added_to=ADDED_TO,
                         title=lambda s: f"先诊疗后付费 data for {s.day} (seed {s.seed})")

if __name__ == "__main__":
    raise SystemExit(main())
