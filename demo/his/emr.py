"""Deterministic EMR / LIS / PACS data for the demo HIS — the source the CDC feeds (传染病前置监测) read.

``generate_emr(engine, day, seed=42)`` runs after :func:`demo.his.generate.generate` and
:func:`demo.his.insurance.generate_insurance` on the same database. It reads their patients, registrations,
prescriptions, inpatient stays (with their diagnoses, operations and drug fees) and staff, and writes the clinical
record of ``day - 1`` and ``day`` into the tables of the "EMR / LIS / PACS" section of :mod:`demo.his.schema`:

* reference: ``code_dict`` (every HIS code used below), ``diag_dict`` (ICD-10 with the notifiable ones marked),
  ``patient_extra`` for every patient, ``stay_bed`` for every stay, plus four departments (超声, 病理, 预防保健科
  and a temporary sampling point) and the lab, radiology, pathology, public-health and coding staff;
* outpatient and ER visits: a note, diagnoses, lab and exam reports by department, the 医嘱处方 of the visit's
  prescriptions (and a 中药饮片处方 at the TCM clinic); two ER visits go to observation (one still observed);
* inpatient stays present on those days: admission notes and first course notes (admitted on those days), daily
  course notes, vital signs four times a day, admission labs and imaging, orders, discharge notes, 病案首页
  completed on those days, pathology of operations, a sputum culture with 药敏;
* notifiable diseases with matching lab results and report cards: 肺结核 (A15, smear positive), 甲型流感
  (J10), COVID-19 (U07.1), 感染性腹泻 (A09, a duplicate card voided), HIV (B20), and two stays added here — 伤寒
  (A01, blood culture with 药敏, diagnosis revised on ``day``) and a 重症甲型流感 patient on a ventilator in ICU
  who dies on ``day`` (death record, card revised twice). Insurance-era visits diagnosed A09/J11 have no card:
  the 漏报 the front-end is there to find (:attr:`EmrEdgeCases.notifiable_unreported`).

Planted edge cases are listed by id in :class:`EmrEdgeCases`. The rows as generated are the HIS at the end of
``day``; :func:`rewind_day_changes` puts the planted changes back as they were at the end of ``day - 1`` and
:func:`replay_day_changes` re-applies them, so a test can run the ``day - 1`` window, replay, and run ``day`` to see
a void, a delete and an upsert reach the front-end.

Same ``(database, day, seed)`` → identical rows (one ``random.Random`` and one seeded ``Faker("zh_CN")`` consumed
in a fixed order; everything read from the database is ordered by key). Times are naive local.

CLI: ``python -m demo.his.emr --url URL --day 2026-11-24 [--seed 42]`` prints the counts and the edge cases' ids
(never names, ID numbers or phones).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from faker import Faker
from sqlalchemy import Connection, Engine, Table, and_, func, select

from demo.his import emr_refdata as er
from demo.his import idcard, refdata
from demo.his import insurance_refdata as ir
from demo.his import schema as s
from demo.his.generate import PiiValues
from demo.his.insurance import age_on, insutype_for
from demo.his.insurance_refdata import Diag

#: Tables this generator fills (the first five only get rows added).
ADDED_TO = ("dept", "staff", "patient", "inpatient_stay", "stay_diagnosis")
EMR_TABLES = (
    "code_dict", "diag_dict", "patient_extra", "stay_bed", "visit_diagnosis", "outpatient_note", "er_observation",
    "admission_note", "course_note", "discharge_note", "front_page", "exam_report", "exam_report_item", "lab_report",
    "lab_result", "clinical_order", "clinical_order_item", "vital_sign", "death_record", "infectious_report",
)  # fmt: skip
VITAL_HOURS = (6, 10, 14, 18)
#: ordinary admissions added on day-1 and day (besides the two planted stays)
ADMISSIONS = 6
#: an organisation the front page names as 拟接收医疗机构 for 医嘱转院
ACCEPT_ORG = ("360111002", "南昌市第九医院")


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class EmrEdgeCases:
    """Ids of the planted cases (never names). "day-1" and "day" are the demo day and the one before."""

    #: lab_report.report_id reported on day-1, voided (作废) on day: must reach the front-end as void/delete
    lab_report_voided: str
    #: lab_report.report_id of its replacement, reported on day
    lab_report_replacement: str
    #: lab_result.result_id (of a report reported on day-1) voided on day: a deleted result row
    lab_result_voided: str
    #: lab_result.result_ids whose report never existed (never signed): orphans → quarantine
    lab_result_orphans: tuple[str, ...]
    #: the report_id those orphans point to (no lab_report row has it)
    lab_orphan_report_id: str
    #: patient_id whose patient_extra.marital_code no dictionary knows …
    unmapped_marital_patient: str
    #: … that code
    unmapped_marital_code: str
    #: lab_result.result_id whose qualitative text no dictionary knows …
    unmapped_lab_result: str
    #: … that text
    unmapped_lab_text: str
    #: a dept_code the CDC dept mapping does not know …
    unmapped_dept: str
    #: … the lab_report.report_id requested by it (apply_dept_code)
    unmapped_dept_lab_report: str
    #: patient_id created on day-1 whose patient_extra (现住址, contact) changed on day: re-sent as upsert
    patient_changed: str
    #: visit_diagnosis.diag_id of the A15 肺结核 diagnosis on day …
    notifiable_a15_diag: str
    #: … its infectious_report.report_id
    notifiable_a15_report: str
    #: infectious_report.report_id filed on day-1, revised on day-1 and again on day (revision 3)
    updated_twice: str
    #: admission_note.note_id written on day-1 whose 修正诊断 was added on day (revision 2)
    admission_note_revised: str
    #: infectious_report.report_id filed twice for one case and voided on day (重卡)
    inf_report_voided: str
    #: visit_diagnosis.diag_ids of the planted notifiable outpatient diagnoses (each has a card)
    notifiable_reported: tuple[str, ...]
    #: visit_diagnosis.diag_ids with a notifiable ICD-10 code and no card (漏报 for the front-end to find)
    notifiable_unreported: tuple[str, ...]
    #: every infectious_report.report_id (the voided one included)
    inf_reports: tuple[str, ...]
    #: death_record.death_id …
    death_id: str
    #: … and the stay (adm_id) that ended in it
    death_adm_id: str
    #: the typhoid stay (adm_id), admitted on day-1
    typhoid_adm_id: str
    #: lab_report.report_id of the blood culture with 药敏 (伤寒沙门菌)
    micro_report: str
    #: er_observation.obs_id still in observation at the end of day (out_time NULL)
    er_obs_open: str


@dataclass(frozen=True)
class DayChange:
    """One planted change made on ``day`` to a row that existed at the end of ``day - 1``."""

    table: str
    key: dict[str, Any]
    before: dict[str, Any]  # the row's values at the end of day-1
    after: dict[str, Any]  # its values as generated (end of day)


@dataclass(frozen=True)
class EmrSummary:
    day: date
    seed: int
    counts: dict[str, int]  # rows written per table (ADDED_TO: rows added)
    edge_cases: EmrEdgeCases
    day_changes: tuple[DayChange, ...]
    pii: PiiValues  # names, ID numbers and phones written (new patients and staff, contacts)


# ------------------------------------------------------------------------------------------------ entry points


def generate_emr(engine: Engine, day: date, *, seed: int = 42) -> EmrSummary:
    """Add the EMR / LIS / PACS data of ``day - 1`` and ``day`` to a demo HIS with outpatient and 医保 data.

    :param engine: the demo HIS database (SQLite or PostgreSQL).
    :param day: the demo day (the one ``generate`` and ``generate_insurance`` were run for).
    :param seed: same seed, database and day → identical rows.
    :raises ValueError: if the database lacks the outpatient or inpatient demo data, already holds EMR data, or has
        too few visits on ``day`` for the planted cases.
    """
    s.create_schema(engine)
    with engine.begin() as conn:
        if not conn.execute(select(func.count()).select_from(s.registration)).scalar_one():
            raise ValueError("the database holds no demo HIS; run demo.his.generate first")
        if not conn.execute(select(func.count()).select_from(s.inpatient_stay)).scalar_one():
            raise ValueError("the database holds no inpatient stays; run demo.his.insurance first")
        if conn.execute(select(func.count()).select_from(s.outpatient_note)).scalar_one():
            raise ValueError("the database already holds EMR data; drop the demo tables first")
        gen = _Generator(conn, day, seed)
        edge = gen.run()
        counts = gen.write(conn)
    return EmrSummary(day, seed, counts, edge, tuple(gen.changes), gen.pii())


def rewind_day_changes(engine: Engine, summary: EmrSummary) -> int:
    """Put the planted changes of ``day`` back to their state at the end of ``day - 1``; returns rows updated."""
    return _apply(engine, summary.day_changes, "before")


def replay_day_changes(engine: Engine, summary: EmrSummary) -> int:
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


class _Patient(NamedTuple):
    patient_id: str
    gender: str
    birth_date: date
    psn_no: str | None
    created_at: datetime


class _Reg(NamedTuple):
    reg_id: str
    patient: _Patient
    dept_code: str
    doctor_code: str | None
    visit_date: date
    reg_type: str
    start: datetime
    first_visit: bool


class _Stay(NamedTuple):
    adm_id: str
    patient: _Patient
    ward: str
    adm_time: datetime
    dscg_time: datetime | None
    dscg_way: str | None
    chief: str  # 主诊医师 (attending)
    nurse: str
    status: str
    diags: tuple[tuple[Diag, str], ...]  # (diagnosis, maindiag_flag)


class _DrugRow(NamedTuple):
    code: str
    name: str
    spec: str | None
    form: str | None
    dose_unit: str | None
    pack_qty: int
    cat: str


class _Ctx(NamedTuple):
    """Who and where a report or order belongs to."""

    patient: _Patient
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
        self.start = datetime.combine(self.prev, time())
        self.end = datetime.combine(day + timedelta(days=1), time())
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed + 23)
        self.ref_time = datetime.combine(day - timedelta(days=30), time(9, 0))
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in s.metadata.sorted_tables}
        self.changes: list[DayChange] = []
        self.edge: dict[str, Any] = {}
        self._seq: dict[str, int] = {}
        self._names: dict[str, None] = {}
        self._ids: dict[str, None] = {}
        self._phones: dict[str, None] = {}
        self.extra: dict[str, dict[str, Any]] = {}  # patient_id → patient_extra row
        self.allergy: dict[str, str | None] = {}  # patient_id → 过敏史 (None = 无)
        self.beds: dict[str, dict[str, Any]] = {}  # adm_id → stay_bed row
        self.load(conn)

    # -------------------------------------------------------------------------------------------- helpers

    def next_seq(self, key: str) -> int:
        self._seq[key] = self._seq.get(key, 0) + 1
        return self._seq[key]

    def new_id(self, prefix: str, t: datetime) -> str:
        return f"{prefix}{t:%Y%m%d}{self.next_seq(prefix):06d}"

    def at(self, d: date, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(d, time(hh, mm))

    def minutes(self, lo: float, hi: float) -> timedelta:
        return timedelta(seconds=int(self.rng.uniform(lo, hi) * 60))

    def cap(self, t: datetime) -> datetime:
        """Keep an event inside the demo days (the HIS cannot hold tomorrow's reports)."""
        return min(t, self.end - timedelta(minutes=self.rng.randint(3, 9)))

    def add(self, table: Table, **row: Any) -> dict[str, Any]:
        self.rows[table.name].append(row)
        return row

    def pii(self) -> PiiValues:
        return PiiValues(tuple(self._names), tuple(self._ids), tuple(self._phones))

    def person_name(self, gender: str | None = None) -> str:
        name = (
            self.fake.name_male()
            if gender == "1"
            else self.fake.name_female()
            if gender == "2"
            else self.fake.name()
        )
        self._names[name] = None
        return name

    def phone(self) -> str:
        p = self.fake.phone_number()
        self._phones[p] = None
        return p

    def in_window(self, t: datetime | None) -> bool:
        return t is not None and self.start <= t < self.end

    # -------------------------------------------------------------------------------------------- load

    def load(self, conn: Connection) -> None:
        p, r, st = s.patient.c, s.registration.c, s.inpatient_stay.c
        self.patients: dict[str, _Patient] = {}
        self.addresses: dict[str, tuple[str | None, str | None]] = {}  # patient_id → (id_card_no, address)
        for row in conn.execute(
            select(
                p.patient_id, p.gender, p.birth_date, p.psn_no, p.created_at, p.id_card_no, p.address
            ).order_by(p.patient_id)
        ):
            self.patients[row.patient_id] = _Patient(
                row.patient_id, row.gender, row.birth_date or date(1970, 1, 1), row.psn_no, row.created_at
            )
            self.addresses[row.patient_id] = (row.id_card_no, row.address)
        self.existing_ids = {v[0] for v in self.addresses.values() if v[0]}
        self.staff: dict[tuple[str, str], list[str]] = {}
        max_code = 10000
        for code, dept, role in conn.execute(
            select(s.staff.c.staff_code, s.staff.c.dept_code, s.staff.c.role).order_by(s.staff.c.staff_code)
        ):
            self.staff.setdefault((dept, role), []).append(code)
            if code.isdigit():
                max_code = max(max_code, int(code))
        self.next_staff = max_code + 1
        self.depts = {d.code: d for d in refdata.DEPTS}
        self.existing_depts = set(conn.execute(select(s.dept.c.dept_code)).scalars())
        self.regs: list[_Reg] = []
        for row in conn.execute(
            select(r.reg_id, r.patient_id, r.dept_code, r.doctor_code, r.visit_date, r.reg_type, r.reg_time,
                   r.sign_in_time, r.is_revisit)
            .where(r.status == "normal", r.visit_status.in_(("done", "called")),
                   r.visit_date.in_((self.prev, self.day)))
            .order_by(r.reg_id)
        ):  # fmt: skip
            start = max(row.sign_in_time or row.reg_time, self.at(row.visit_date, 7, 40))
            self.regs.append(_Reg(row.reg_id, self.patients[row.patient_id], row.dept_code, row.doctor_code,
                                  row.visit_date, row.reg_type, start, not row.is_revisit))  # fmt: skip
        self.insu_diag: dict[str, str] = {}
        isc = s.insu_settlement.c
        for reg_id, code in conn.execute(
            select(isc.reg_id, isc.main_diag_code)
            .where(isc.reg_id.is_not(None), isc.refd_setl_flag == "0", isc.main_diag_code.is_not(None))
            .order_by(isc.setl_time, isc.setl_id)
        ):
            self.insu_diag.setdefault(reg_id, code)
        self.diag_names: dict[str, str] = {}
        for d in self._all_ref_diags():
            self.diag_names.setdefault(d.code, d.name)
        sd = s.stay_diagnosis.c
        stay_diags: dict[str, list[tuple[Diag, str]]] = {}
        for row in conn.execute(select(sd.adm_id, sd.diag_code, sd.diag_name, sd.maindiag_flag).order_by(sd.adm_id,
                                                                                                          sd.seq_no)):  # fmt: skip
            self.diag_names.setdefault(row.diag_code, row.diag_name)
            stay_diags.setdefault(row.adm_id, []).append(
                (Diag(row.diag_code, row.diag_name), row.maindiag_flag)
            )
        self.stays: list[_Stay] = []
        for row in conn.execute(
            select(st.adm_id, st.patient_id, st.adm_dept_code, st.adm_time, st.dscg_time, st.dscg_way, st.chfpdr_code,
                   st.resp_nurse_code, st.status).order_by(st.adm_id)
        ):  # fmt: skip
            self.stays.append(_Stay(row.adm_id, self.patients[row.patient_id], row.adm_dept_code, row.adm_time,
                                    row.dscg_time, row.dscg_way, row.chfpdr_code, row.resp_nurse_code, row.status,
                                    tuple(stay_diags.get(row.adm_id, ()))))  # fmt: skip
        so = s.stay_operation.c
        self.ops: dict[str, list[tuple[str, datetime]]] = {}
        for adm_id, code, end in conn.execute(
            select(so.adm_id, so.oprn_oprt_code, so.end_time).order_by(so.adm_id, so.seq_no)
        ):
            if end is not None:
                self.ops.setdefault(adm_id, []).append((code, end))
        dd = s.drug_dict.c
        self.drugs: dict[str, _DrugRow] = {}
        self.drug_by_name: dict[str, _DrugRow] = {}
        for row in conn.execute(
            select(dd.drug_code, dd.drug_name, dd.spec, dd.dosage_form, dd.dose_unit, dd.pack_qty, dd.drug_cat,
                   dd.is_active).order_by(dd.drug_code)
        ):  # fmt: skip
            drug = _DrugRow(row.drug_code, row.drug_name, row.spec, row.dosage_form, row.dose_unit,
                            row.pack_qty or 1, row.drug_cat or "")  # fmt: skip
            self.drugs[drug.code] = drug
            if row.is_active:
                self.drug_by_name.setdefault(drug.name, drug)
        # inpatient drug fees per stay (the orders behind them)
        f = s.fee_detail.c
        self.stay_drugs: dict[str, list[str]] = {}
        for adm_id, code in conn.execute(
            select(st.adm_id, f.item_code)
            .join(s.inpatient_stay, st.mdtrt_id == f.mdtrt_id)
            .where(f.visit_kind == "I", f.item_kind == "drug")
            .order_by(st.adm_id, f.fee_time, f.fee_id)
        ):
            codes = self.stay_drugs.setdefault(adm_id, [])
            if code not in codes and code in self.drugs:
                codes.append(code)
        # outpatient prescriptions of the visits (the pharmacy's view of the orders)
        pr, sl = s.prescription.c, s.sale_line.c
        reg_ids = {x.reg_id for x in self.regs}
        self.rx: dict[str, list[dict[str, Any]]] = {}
        for row in conn.execute(
            select(pr.rx_no, pr.reg_id, pr.rx_time, pr.doctor_code, pr.dept_code, sl.drug_code, sl.qty, sl.sale_unit,
                   sl.sale_time, sl.pharmacist_code)
            .join(s.sale_line, sl.rx_no == pr.rx_no)
            .where(pr.rx_time >= self.start, pr.rx_time < self.end)
            .order_by(pr.rx_no, sl.line_no)
        ).mappings():  # fmt: skip
            if row["reg_id"] in reg_ids:
                self.rx.setdefault(row["reg_id"], []).append(dict(row))

    def _all_ref_diags(self) -> list[Diag]:
        out: list[Diag] = []
        for diags in ir.OTP_DIAGS.values():
            out.extend(diags)
        for cases in ir.WARD_CASES.values():
            for c in cases:
                out.append(c.main)
                out.extend(c.others)
        for text in er.WARD_TEXT.values():
            out.extend(text.diff)
        out.extend(er.EMR_DIAGS)
        out.extend(p[2] for p in er.PATHOLOGY.values())
        out.append(ir.DIABETES)
        out.append(ir.HYPERTENSION)
        return out

    # -------------------------------------------------------------------------------------------- run

    def run(self) -> EmrEdgeCases:
        self.reference()
        self.population()
        self.plan_planted()
        self.outpatient()
        self.observations()
        self.planted_stays()
        self.admissions()
        self.inpatient()
        self.outpatient_cards()
        self.plant_lab_cases()
        self.plant_patient_cases()
        self.rows["patient_extra"] = [self.extra[k] for k in sorted(self.extra)]
        self.diag_dictionary()
        return self.edge_cases()

    # -------------------------------------------------------------------------------------------- reference

    def reference(self) -> None:
        for sort_no, (code, name, kind, area, floor, spell) in enumerate(er.EXTRA_DEPTS, start=100):
            if code in self.existing_depts:
                continue
            self.add(s.dept, dept_code=code, dept_name=name, dept_type=kind, campus="main", area=area, floor=floor,
                     spell_code=spell, sort_no=sort_no, caty=refdata.DEPT_CATY.get(code), is_active=1,
                     updated_at=self.ref_time)  # fmt: skip
        for dept, role, titles in er.EXTRA_STAFF:
            if self.staff.get((dept, role)):
                continue
            for title in titles:
                self.staff.setdefault((dept, role), []).append(self.staff_row(dept, role, title))
        for dict_type, entries in er.CODE_DICT.items():
            for sort_no, (code, name) in enumerate(entries, start=1):
                self.add(s.code_dict, dict_type=dict_type, code=code, name=name, sort_no=sort_no, is_active=1,
                         updated_at=self.ref_time)  # fmt: skip

    def staff_row(self, dept: str, role: str, title: str) -> str:
        rng = self.rng
        code = str(self.next_staff)
        self.next_staff += 1
        gender = "1" if rng.random() < 0.5 else "2"
        birth = self.day - timedelta(days=int(rng.uniform(26, 58) * 365.25))
        id_no = self.id_card(birth, gender)
        cert = None
        if role == "doctor":
            cert = f"1{rng.choice('1234')}0{rng.choice(tuple(idcard.NANCHANG_AREAS))}{rng.randrange(10**5, 10**6)}"
        self.add(s.staff, staff_code=code, name=self.person_name(gender), gender=gender, birth_date=birth,
                 id_card_no=id_no, phone=self.phone(), role=role, title=title, dept_code=dept, prac_cert_no=cert,
                 specialty=None, hi_psn_codg=refdata.hi_psn_codg(role, code), is_active=1,
                 updated_at=self.ref_time)  # fmt: skip
        return code

    def id_card(self, birth: date, gender: str) -> str:
        while True:
            area = self.rng.choice(tuple(idcard.NANCHANG_AREAS))
            seq = self.rng.randrange(0, 500) * 2 + (1 if gender == "1" else 0)
            id_no = idcard.make_id_card_no(area, birth, seq)
            if id_no not in self.existing_ids:
                self.existing_ids.add(id_no)
                self._ids[id_no] = None
                return id_no

    def diag_dictionary(self) -> None:
        for code in sorted(self.diag_names):
            disease = er.inf_disease(code)
            self.add(s.diag_dict, diag_code=code, diag_name=self.diag_names[code], icd10_code=_category(code),
                     inf_disease_code=disease.code if disease else None,
                     inf_disease_name=disease.name if disease else None, inf_class=disease.klass if disease else None,
                     is_active=1, updated_at=self.ref_time - timedelta(days=200))  # fmt: skip

    def doctors(self, dept: str) -> list[str]:
        if dept in ir.WARD_STAFF:
            return [c for d in ir.WARD_STAFF[dept] for c in self.staff.get((d, "doctor"), [])]
        return self.staff.get((dept, "doctor"), [])

    def nurses(self, ward: str) -> list[str]:
        return [c for d in ir.WARD_STAFF.get(ward, (ward,)) for c in self.staff.get((d, "nurse"), [])]

    # -------------------------------------------------------------------------------------------- patients

    def population(self) -> None:
        """patient_extra for every patient the earlier generators wrote."""
        for pid in sorted(self.patients):
            pat = self.patients[pid]
            id_no, address = self.addresses[pid]
            self.extra_row(pat, id_no, address, pat.created_at)

    def extra_row(self, pat: _Patient, id_no: str | None, address: str | None, created: datetime,
                  occupation: str | None = None) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        age = age_on(pat.birth_date, self.day)
        nation = rng.choices([c for c, _ in er.NATION_WEIGHTS], [w for _, w in er.NATION_WEIGHTS])[0]
        if age < 20:
            marital = "S"
        elif age < 30:
            marital = rng.choice(("S", "M"))
        elif age < 65:
            marital = rng.choices(("M", "D", "S", "U"), (85, 7, 5, 3))[0]
        else:
            marital = rng.choices(("M", "W", "D"), (70, 25, 5))[0]
        if age < 7:
            education = None
        elif age < 19:
            education = "7" if age < 13 else "6" if age < 16 else "5"
        else:
            education = rng.choices(("1", "2", "3", "4", "5", "6", "7", "8"), (4, 22, 18, 10, 18, 18, 7, 3))[
                0
            ]
        if occupation is None:
            if age < 3:
                occupation = "SS"
            elif age < 7:
                occupation = "YT" if rng.random() < 0.7 else "SS"
            elif age < 23 and rng.random() < 0.9:
                occupation = "XS"
            elif age >= 60:
                occupation = rng.choices(("LT", "NM", "JW"), (70, 20, 10))[0]
            else:
                occupation = rng.choices(("GR", "NM", "GB", "SY", "JS", "YW", "MG", "CY", "JW", "QT", "GG"),
                                         (18, 12, 16, 14, 5, 4, 8, 5, 8, 6, 4))[0]  # fmt: skip
        county = (id_no or "")[:6]
        if county not in er.TOWNSHIPS:
            county = rng.choice(tuple(er.TOWNSHIPS))
        perm = self.area(county)
        if rng.random() < 0.85:
            curr, curr_detail = perm, address
        else:
            curr = self.area(rng.choice(tuple(er.TOWNSHIPS)))
            curr_detail = self.detail(curr[1])
        workunit = None
        if occupation == "XS":
            workunit = rng.choice(er.SCHOOLS)
        elif occupation == "YT":
            workunit = rng.choice(er.KINDERGARTENS)
        elif occupation in ("GR", "GB", "SY", "JS", "YW", "CY", "GG", "MG"):
            workunit = self.fake.company()
        contact_name = contact_rel = contact_tel = None
        if age < 18 or rng.random() < 0.7:
            contact_rel = (
                "FM"
                if age < 18
                else rng.choice(("PO", "ZN", "XD"))
                if age >= 30
                else rng.choice(("FM", "PO"))
            )
            contact_name = self.person_name()
            contact_tel = self.phone()
        updated = created
        if rng.random() < 0.1 and created < self.at(self.day - timedelta(days=3), 0):
            span = (self.at(self.day - timedelta(days=2), 0) - created).total_seconds()
            updated = created + timedelta(seconds=rng.randrange(int(span)))
        row = {
            "patient_id": pat.patient_id, "id_type": "SFZ" if id_no else "QT", "country_code": "CHN",
            "nation_code": nation, "marital_code": marital, "education_code": education,
            "occupation_code": occupation, "occupation_other": "自由职业" if occupation == "QT" else None,
            "perm_addr_code": perm[0], "perm_addr_name": perm[1], "perm_addr_detail": address,
            "curr_addr_code": curr[0], "curr_addr_name": curr[1], "curr_addr_detail": curr_detail,
            "workunit": workunit, "contact_name": contact_name, "contact_rel": contact_rel, "contact_tel": contact_tel,
            "health_card_no": f"3601{rng.randrange(10**13, 10**14)}" if rng.random() < 0.3 else None,
            "updated_at": updated,
        }  # fmt: skip
        self.extra[pat.patient_id] = row
        self.allergy[pat.patient_id] = (
            rng.choice(("青霉素过敏，表现为皮疹", "磺胺类药物过敏", "头孢类抗生素过敏"))
            if rng.random() < 0.1
            else None
        )
        return row

    def area(self, county: str) -> tuple[str, str]:
        code, township = self.rng.choice(er.TOWNSHIPS[county])
        return f"{county}{code}", f"江西省南昌市{idcard.NANCHANG_AREAS[county]}{township}"

    def detail(self, area_name: str) -> str:
        rng = self.rng
        unit = f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
        return f"{area_name}{rng.choice(refdata.STREETS)}{rng.randint(1, 999)}号{unit}"

    def new_patient(
        self, gender: str, age: int, created: datetime, occupation: str | None = None
    ) -> _Patient:
        rng = self.rng
        birth = self.day - timedelta(days=int(age * 365.25) + rng.randint(30, 300))
        pid = f"{40_000_000 + self.next_seq('patient'):010d}"
        id_no = self.id_card(birth, gender)
        county = id_no[:6]
        address = self.detail(f"江西省南昌市{idcard.NANCHANG_AREAS[county]}")
        self.add(s.patient, patient_id=pid, name=self.person_name(gender), gender=gender, birth_date=birth,
                 id_card_no=id_no, phone=self.phone(), address=address, psn_no=None, insuplc_admdvs=None,
                 created_at=created)  # fmt: skip
        pat = _Patient(pid, gender, birth, None, created)
        self.patients[pid] = pat
        self.extra_row(pat, id_no, address, created, occupation)
        return pat

    # -------------------------------------------------------------------------------------------- texts

    def vitals(self, febrile: bool, age: int) -> tuple[str, Decimal]:
        rng = self.rng
        temp = Decimal(str(round(rng.uniform(38.2, 39.6) if febrile else rng.uniform(36.2, 37.1), 1)))
        pulse = rng.randint(90, 118) if febrile else rng.randint(66, 92)
        if age < 14:
            return (
                f"T {temp}℃，P {pulse + 15}次/分，R {rng.randint(22, 30)}次/分，体重{max(4, age * 2 + 8)}kg。",
                temp,
            )
        return (f"T {temp}℃，P {pulse}次/分，R {rng.randint(16, 21)}次/分，BP {rng.randint(108, 148)}/"
                f"{rng.randint(64, 92)}mmHg。", temp)  # fmt: skip

    def histories(self, pat: _Patient, on: date) -> dict[str, Any]:
        rng = self.rng
        age = age_on(pat.birth_date, on)
        marital = self.extra[pat.patient_id]["marital_code"]
        allergy = self.allergy.get(pat.patient_id)
        menstrual = None
        if pat.gender == "2" and 13 <= age <= 50:
            lmp = on - timedelta(days=rng.randint(3, 27))
            menstrual = f"初潮13岁，经期5-6天，周期28-30天，末次月经{lmp:%Y-%m-%d}，量中，无痛经"
        elif pat.gender == "2" and age > 50:
            menstrual = f"{rng.randint(48, 53)}岁绝经"
        return {
            "past_illness": "既往体健" if age < 40 or rng.random() < 0.5 else rng.choice(
                ("高血压病史5年，规律服药", "2型糖尿病病史3年", "慢性胃炎病史多年")),
            "infection_his": "否认肝炎、结核等传染病史",
            "vaccination_his": "按计划预防接种" if age < 14 else "预防接种史不详",
            "operation_his": "否认手术外伤史" if rng.random() < 0.85 else "10年前行阑尾切除术",
            "transfusion_his": "否认输血史",
            "personal_his": "生于原籍，久居本地，无烟酒嗜好" if pat.gender == "2" or rng.random() < 0.6
            else "吸烟20年，每日约10支，偶饮酒",
            "marital_his": None if age < 18 else {"S": "未婚", "M": "已婚，配偶体健", "W": "丧偶", "D": "离异"}.get(
                marital, "未述"),
            "menstrual_his": menstrual,
            "family_his": "父母体健，否认家族遗传病史",
            "allergy_flag": "Y" if allergy else "N",
            "allergy_his": allergy or "否认药物及食物过敏史",
        }  # fmt: skip

    # -------------------------------------------------------------------------------------------- planted visits

    def plan_planted(self) -> None:
        """Visits on day for the notifiable outpatient cases and the unmapped-code cases, one patient each."""
        self.day_regs = [r for r in self.regs if r.visit_date == self.day]
        self.taken: set[str] = set()
        self.taken_patients: set[str] = set()

        def adult(lo: int = 18, hi: int = 80):
            return lambda r: lo <= age_on(r.patient.birth_date, self.day) <= hi

        # observation first: ER visits are the scarcest (a small demo day falls back on the fever clinic's 留观)
        self.v_obs = sorted((self.take((refdata.EMERGENCY_DEPT, "1190"), lambda r: r.start.hour < 20)
                             for _ in range(2)), key=lambda r: r.reg_id)  # fmt: skip
        self.v_tb = self.take(("1020", "1170", "2040", "1190"), adult(20, 75))
        self.v_flu = self.take(("1190", "1110", "2030", "1170"), lambda r: True)
        self.v_covid = self.take(("1190", "1170", "2040", "1020"), adult())
        self.v_diarrhoea = self.take(("1110", "2030", "1030", "1180"), lambda r: True)
        self.v_hiv = self.take(("1170", "2040", "1180", "1020", "1030"), adult(20, 60))
        self.v_marital = self.take((), adult(20, 90))
        self.v_unknown_text = self.take(("1060", "1090", "1170"), lambda r: True)
        self.v_unmapped_dept = self.take(("1190", "1020", "1170", "1180"), lambda r: True)
        self.v_orphan = self.take(("1110", "1180", "1020"), lambda r: True)
        self.planted_diag = {
            self.v_tb.reg_id: er.TB, self.v_flu.reg_id: er.FLU_A, self.v_covid.reg_id: er.COVID,
            self.v_diarrhoea.reg_id: er.INF_DIARRHOEA, self.v_hiv.reg_id: er.HIV,
        }  # fmt: skip

    def take(self, depts: Sequence[str], pred: Any) -> _Reg:
        """A day visit meeting ``pred`` in ``depts[0]``, else in one of ``depts``, else anywhere; among them one
        without a 医保 settlement if possible (so that the settlement's diagnosis stays the visit's main one)."""
        for group in ((depts[0],), tuple(depts), None) if depts else (None,):
            options = [r for r in self.day_regs
                       if r.reg_id not in self.taken and r.patient.patient_id not in self.taken_patients
                       and (group is None or r.dept_code in group) and pred(r)]  # fmt: skip
            unsettled = [r for r in options if r.reg_id not in self.insu_diag]
            pool = unsettled or options
            if pool:
                r = self.rng.choice(pool)
                self.taken.add(r.reg_id)
                self.taken_patients.add(r.patient.patient_id)
                return r
        raise ValueError(
            f"too few outpatient visits on {self.day} for the EMR edge cases; use a larger scale"
        )

    # -------------------------------------------------------------------------------------------- outpatient

    def outpatient(self) -> None:
        self.visit_diag_rows: dict[str, dict[str, Any]] = {}  # reg_id → main diagnosis row
        self.visit_note: dict[str, dict[str, Any]] = {}
        for reg in self.regs:
            self.visit(reg)

    def diag_for(self, reg: _Reg) -> Diag:
        code = self.insu_diag.get(reg.reg_id)
        if code is not None and code in self.diag_names:
            return Diag(code, self.diag_names[code])
        options = [
            d for d in ir.OTP_DIAGS.get(reg.dept_code, ir.GENERAL) if d.gender in (None, reg.patient.gender)
        ]
        return self.rng.choice(options or ir.GENERAL)

    def visit(self, reg: _Reg) -> None:
        rng = self.rng
        pat = reg.patient
        age = age_on(pat.birth_date, reg.visit_date)
        doctor = reg.doctor_code or rng.choice(self.doctors(reg.dept_code))
        kind = "E" if reg.reg_type == "emergency" else "O"
        planted = self.planted_diag.get(reg.reg_id)
        main = planted or self.diag_for(reg)
        diags = [main]
        insu = self.insu_diag.get(reg.reg_id)
        if planted and insu and insu != planted.code and insu in self.diag_names:
            diags.append(Diag(insu, self.diag_names[insu]))
        if planted == er.HIV:
            diags.append(er.ORAL_CANDIDA)
        elif not planted and rng.random() < 0.2:
            others = [d for d in ir.OTP_DIAGS.get(reg.dept_code, ()) if d.code != main.code
                      and d.gender in (None, pat.gender)]  # fmt: skip
            if others:
                diags.append(rng.choice(others))
        t_note = reg.start + self.minutes(3, 12)
        t_diag = t_note + self.minutes(2, 8)
        for seq, d in enumerate(diags, start=1):
            row = self.add(s.visit_diagnosis, diag_id=self.new_id("ZD", t_diag), reg_id=reg.reg_id,
                           patient_id=pat.patient_id, seq_no=seq, diag_type="1", main_flag="1" if seq == 1 else "0",
                           diag_code=d.code, diag_name=d.name, suspect_flag="N", diag_time=t_diag, doctor_code=doctor,
                           dept_code=reg.dept_code, status="normal", void_time=None, updated_at=t_diag)  # fmt: skip
            if seq == 1:
                self.visit_diag_rows[reg.reg_id] = row
        tcm = er.TCM.get(main.code) if reg.dept_code == "1160" else None
        if tcm:
            for seq, (code, name) in enumerate(((tcm[0], tcm[1]), (tcm[2], tcm[3])), start=len(diags) + 1):
                self.add(s.visit_diagnosis, diag_id=self.new_id("ZD", t_diag), reg_id=reg.reg_id,
                         patient_id=pat.patient_id, seq_no=seq, diag_type="2" if seq == len(diags) + 1 else "3",
                         main_flag="0", diag_code=code, diag_name=name, suspect_flag="N", diag_time=t_diag,
                         doctor_code=doctor, dept_code=reg.dept_code, status="normal", void_time=None,
                         updated_at=t_diag)  # fmt: skip
        text = er.OTP_TEXT.get(main.code, er.GENERIC_TEXT)
        febrile = main.code.startswith(("J1", "J06", "R50", "A0", "U07", "B20", "A15"))
        vit, _ = self.vitals(febrile and main.code != er.TB.code, age)
        signed = t_note + self.minutes(8, 20)
        note = self.add(s.outpatient_note, note_id=self.new_id("MB", t_note), reg_id=reg.reg_id,
                        patient_id=pat.patient_id, dept_code=reg.dept_code, doctor_code=doctor, visit_time=t_note,
                        first_visit_flag="Y" if reg.first_visit else "N", chief_complaint=text.complaint,
                        present_illness=f"患者{text.present}。", **self.histories(pat, reg.visit_date),
                        physical_exam=vit + text.exam + "。",
                        tcm_observation="神清，面色少华，舌淡苔薄白，脉细弱" if tcm else None, studies_summary=None,
                        diag_codes=",".join(d.code for d in diags), diag_names=",".join(d.name for d in diags),
                        tcm_diag_code=tcm[0] if tcm else None, tcm_diag_name=tcm[1] if tcm else None,
                        tcm_syndrome_code=tcm[2] if tcm else None, tcm_syndrome_name=tcm[3] if tcm else None,
                        tcm_basis=tcm[4] if tcm else None, treatment=tcm[5] if tcm else None, advice=text.advice,
                        sign_time=signed, revision=1, status="signed", void_time=None, updated_at=signed)  # fmt: skip
        self.visit_note[reg.reg_id] = note
        ctx = _Ctx(pat, kind, reg.reg_id, None, reg.dept_code, doctor)
        results = self.visit_tests(reg, ctx, main, t_diag)
        if results:
            note["studies_summary"] = "；".join(results)
        for lines in [self.rx[reg.reg_id]] if reg.reg_id in self.rx else []:
            self.rx_order(ctx, lines)
        if tcm and rng.random() < 0.6:
            self.herbal_order(ctx, t_diag + self.minutes(3, 10))

    def visit_tests(self, reg: _Reg, ctx: _Ctx, main: Diag, t: datetime) -> list[str]:
        """Lab and exam reports of a visit; returns the summaries the note quotes."""
        rng = self.rng
        out: list[str] = []
        sample = t + self.minutes(8, 30)
        profile = _profile(main.code)
        planted_panels: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
            er.TB.code: (("XCG", "KSGJ", "JHHS"), {"AFB": "阳性", "MTB-DNA": "检出"}),
            er.FLU_A.code: (("XCG", "LGKY"), {"FLUA-Ag": "阳性"}),
            er.COVID.code: (("XCG", "XGHS"), {"ORF1ab": "阳性", "N-gene": "阳性"}),
            er.INF_DIARRHOEA.code: (("FCG", "LZBD"), {"F-WBC": "阳性", "ROTA-Ag": "+"}),
            er.HIV.code: (("XCG", "HIVKT", "CD4"), {"HIV-Ab": "阳性"}),
        }
        if main.code in planted_panels:
            panels, positives = planted_panels[main.code]
        else:
            panels, p = er.OTP_LABS.get(reg.dept_code, ((), 0.0))
            if rng.random() >= p:
                panels = ()
            positives = {}
            if main.code.startswith("J11") and "LGKY" in panels and rng.random() < 0.5:
                positives = {"FLUA-Ag": "阳性"}
        for code in panels:
            report = self.lab(ctx, code, sample, profile, positives)
            if report["conclusion"]:
                out.append(report["conclusion"])
        exam_code = None
        abnormal = er.ABNORMAL_EXAMS.get(main.code)
        options, p = er.OTP_EXAMS.get(reg.dept_code, ((), 0.0))
        if abnormal and (main.code == er.TB.code or rng.random() < 0.6):
            exam_code = abnormal[0]
        elif options and rng.random() < p:
            exam_code = rng.choice(options)
        if exam_code:
            report = self.exam(ctx, exam_code, sample + self.minutes(5, 40), main)
            out.append(f"{er.EXAM_ITEMS[exam_code].name}：{report['conclusion']}")
        return out

    # -------------------------------------------------------------------------------------------- LIS

    def lab(self, ctx: _Ctx, panel_code: str, sample: datetime, profile: str, positives: dict[str, str], *,
            apply_dept: str | None = None, report_time: datetime | None = None,
            germ: er.Germ | None = None) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        panel = er.PANELS[panel_code]
        sample = self.cap(sample)
        receive = self.cap(sample + self.minutes(5, 25))
        tested = self.cap(receive + self.minutes(10, 40))
        reported = report_time or self.cap(tested + self.minutes(10, 50))
        techs = self.staff[(er.LAB_DEPT, "technician")]
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
                value, flag = self.value(item, profile, ctx.patient)
                result(
                    item_code=item.code,
                    item_name=item.name,
                    result_kind="N",
                    quant_value=value,
                    unit=item.unit,
                    ref_low=_fmt(item.low, item.decimals),
                    ref_high=_fmt(item.high, item.decimals),
                    abn_flag=flag,
                )
                if flag != "N" and item.code in ("WBC", "CRP", "CD4", "ALT"):
                    conclusion.append(f"{item.name}{'升高' if flag == 'H' else '降低'}({value}{item.unit})")
            else:
                text = positives.get(item.code, item.normal_text)
                result(item_code=item.code, item_name=item.name, result_kind="Q", qual_result=text)
                if text != item.normal_text:
                    conclusion.append(f"{item.name}{text}")
        if panel.micro and germ is not None:
            result(
                item_code="CUL",
                item_name="培养结果",
                result_kind="G",
                qual_result="检出",
                germ_code=germ.code,
                germ_name=germ.name,
            )
            for code, name, sir, mic in germ.ast:
                result(
                    item_code=code,
                    item_name=name,
                    result_kind="A",
                    quant_value=mic,
                    unit="μg/ml",
                    qual_result=sir,
                    germ_code=germ.code,
                    germ_name=germ.name,
                )
            conclusion.append(f"检出{germ.name}，药敏结果见报告")
        return self.add(
            s.lab_report, report_id=report_id, apply_no=f"SQ{sample:%Y%m%d}{n:06d}", patient_id=ctx.patient.patient_id,
            visit_kind=ctx.kind, reg_id=ctx.reg_id, adm_id=ctx.adm_id, apply_dept_code=apply_dept or ctx.dept,
            apply_doctor_code=ctx.doctor, panel_code=panel.code, panel_name=panel.name,
            micro_flag="Y" if panel.micro else "N", specimen_no=f"{sample:%y%m%d}{n:06d}", specimen_type=panel.specimen,
            sample_time=sample, receive_time=receive, test_doctor_code=rng.choice(techs), test_time=tested,
            report_no=f"JYBG{sample:%Y%m%d}{n:05d}", findings=None, conclusion="；".join(conclusion) or None,
            remark=None, report_time=reported, audit_doctor_code=techs[0], report_dept_code=er.LAB_DEPT, revision=1,
            status="reported", void_time=None, void_reason=None, updated_at=reported,
        )  # fmt: skip

    def value(self, item: er.LabItem, profile: str, pat: _Patient) -> tuple[str, str]:
        assert item.low is not None and item.high is not None
        lo, hi = _PROFILES.get(profile, {}).get(item.code, (None, None))
        if lo is None:
            span = item.high - item.low
            lo, hi = item.low + span * 0.1, item.high - span * 0.1
            if item.code == "HGB" and pat.gender == "2":
                hi = 145
        v = round(self.rng.uniform(lo, hi), item.decimals)
        flag = "H" if v > item.high else "L" if v < item.low else "N"
        return _fmt(v, item.decimals) or "", flag

    # -------------------------------------------------------------------------------------------- PACS

    def exam(self, ctx: _Ctx, item_code: str, t: datetime, diag: Diag | None, *,
             pathology: tuple[str, str, Diag] | None = None, report_time: datetime | None = None) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        item = er.EXAM_ITEMS[item_code]
        dept = er.EXAM_DEPT[item.exam_type]
        doctors = self.staff[(dept, "doctor")]
        t = self.cap(t)
        reported = report_time or self.cap(t + self.minutes(20, 90))
        findings, conclusion, result, quant, unit = item.findings, item.conclusion, "N", None, None
        abnormal = er.ABNORMAL_EXAMS.get(diag.code) if diag else None
        if pathology is not None:
            findings, conclusion, result = pathology[0], pathology[1], "A"
        elif abnormal and abnormal[0] == item_code:
            findings, conclusion, result, quant, unit = (
                abnormal[1],
                abnormal[2],
                "A",
                abnormal[3],
                abnormal[4],
            )
        n = self.next_seq("exam_no")
        report_id = self.new_id("JC", t)
        self.add(s.exam_report_item, item_id=self.new_id("JX", t), report_id=report_id, seq_no=1, item_code=item.code,
                 item_name=item.name, result_code=result, quant_value=quant, quant_unit=unit, status="normal",
                 void_time=None, updated_at=reported)  # fmt: skip
        return self.add(
            s.exam_report, report_id=report_id, apply_no=f"SQ{t:%Y%m%d}{self.next_seq('lab_no'):06d}",
            patient_id=ctx.patient.patient_id, visit_kind=ctx.kind, reg_id=ctx.reg_id, adm_id=ctx.adm_id,
            apply_dept_code=ctx.dept, apply_doctor_code=ctx.doctor, exam_type=item.exam_type, exam_part=item.part,
            chief_complaint=None, symptom_start=None, symptom_end=None, symptom_desc=None, treatment_desc=None,
            special_flag="N", exam_time=t, findings=findings, conclusion=conclusion, remark=None,
            report_no=f"{item.exam_type}{t:%Y%m%d}{n:04d}", report_time=reported, report_doctor_code=rng.choice(doctors),
            audit_doctor_code=doctors[0], report_dept_code=dept, revision=1, status="reported", void_time=None,
            updated_at=reported,
        )  # fmt: skip

    # -------------------------------------------------------------------------------------------- orders

    def rx_order(self, ctx: _Ctx, lines: list[dict[str, Any]]) -> None:
        """The doctor's 处方 behind a pharmacy prescription: one item per drug dispensed."""
        rng = self.rng
        first = lines[0]
        herbal = all(self.drugs[x["drug_code"]].cat == "中药饮片" for x in lines)
        issued = first["rx_time"]
        order_id = self.new_id("YZ", issued)
        done: set[str] = set()
        seq = 0
        for line in lines:
            drug = self.drugs[line["drug_code"]]
            if drug.code in done:
                continue
            done.add(drug.code)
            seq += 1
            dose, freq, route = self.dosage(drug)
            self.add(s.clinical_order_item, item_id=self.new_id("YM", issued), order_id=order_id, seq_no=seq,
                     drug_code=drug.code, drug_name=drug.name, drug_spec=drug.spec, dose=dose,
                     dose_unit=drug.dose_unit, frequency=freq, route=route, total_qty=Decimal(line["qty"]),
                     total_unit=line["sale_unit"], status="normal", void_time=None, updated_at=issued)  # fmt: skip
        exec_time = min(x["sale_time"] for x in lines)
        self.add(s.clinical_order, order_id=order_id, order_no=first["rx_no"], patient_id=ctx.patient.patient_id,
                 visit_kind=ctx.kind, reg_id=ctx.reg_id, adm_id=None, rx_no=first["rx_no"],
                 order_type="C" if herbal else "W", issue_time=issued, valid_days=rng.choice((1, 3, 3, 7)),
                 exec_time=exec_time, stop_time=None, doctor_code=first["doctor_code"] or ctx.doctor,
                 pharmacist_code=first["pharmacist_code"], dept_code=first["dept_code"], tcm_recipe=None, tcm_doses=None,
                 tcm_decoction=None, tcm_usage=None, remark=None, status="normal", void_time=None,
                 updated_at=max(issued, exec_time))  # fmt: skip

    def dosage(self, drug: _DrugRow) -> tuple[Decimal, str, str]:
        rng = self.rng
        external = drug.form is not None and any(k in drug.form for k in ("软膏", "滴眼", "眼膏"))
        dose = Decimal(1 if external or drug.dose_unit in ("支", "瓶") else rng.choice((1, 1, 2)))
        return dose, rng.choice(("qd", "bid", "tid")), "外用" if external else "口服"

    def herbal_order(self, ctx: _Ctx, issued: datetime) -> None:
        herbs = [
            (self.drug_by_name[name], grams) for name, grams in er.TCM_HERBS if name in self.drug_by_name
        ]
        if not herbs:
            return
        doses = 7
        order_id = self.new_id("YZ", issued)
        for seq, (drug, grams) in enumerate(herbs, start=1):
            self.add(s.clinical_order_item, item_id=self.new_id("YM", issued), order_id=order_id, seq_no=seq,
                     drug_code=drug.code, drug_name=drug.name, drug_spec=drug.spec, dose=Decimal(grams), dose_unit="g",
                     frequency="qd", route="水煎服", total_qty=Decimal(grams * doses), total_unit="g", status="normal",
                     void_time=None, updated_at=issued)  # fmt: skip
        self.add(s.clinical_order, order_id=order_id, order_no=f"ZYCF{issued:%Y%m%d}{self.next_seq('tcm'):04d}",
                 patient_id=ctx.patient.patient_id, visit_kind=ctx.kind, reg_id=ctx.reg_id, adm_id=None, rx_no=None,
                 order_type="C", issue_time=issued, valid_days=3, exec_time=None, stop_time=None,
                 doctor_code=ctx.doctor, pharmacist_code=None, dept_code=ctx.dept,
                 tcm_recipe=" ".join(f"{d.name}{g}g" for d, g in herbs), tcm_doses=doses,
                 tcm_decoction="水煎煮，每剂煎两次，取汁400ml", tcm_usage="每日1剂，早晚分服", remark=None,
                 status="normal", void_time=None, updated_at=issued)  # fmt: skip

    def ward_order(self, ctx: _Ctx, adm_id: str, kind: str, issued: datetime, drug_codes: Sequence[str],
                   remark: str | None = None, stop: datetime | None = None) -> str:  # fmt: skip
        rng = self.rng
        order_id = self.new_id("YZ", issued)
        n = self.next_seq(f"order:{adm_id}")
        for seq, code in enumerate(drug_codes, start=1):
            drug = self.drugs[code]
            dose, freq, route = self.dosage(drug)
            days = rng.randint(1, 3) if kind == "T" else rng.randint(3, 7)
            per_day = {"qd": 1, "bid": 2, "tid": 3}[freq]
            self.add(s.clinical_order_item, item_id=self.new_id("YM", issued), order_id=order_id, seq_no=seq,
                     drug_code=drug.code, drug_name=drug.name, drug_spec=drug.spec, dose=dose,
                     dose_unit=drug.dose_unit, frequency=freq, route=route, total_qty=dose * per_day * days,
                     total_unit=drug.dose_unit, status="normal", void_time=None, updated_at=issued)  # fmt: skip
        pharmacists = self.staff.get((refdata.INPATIENT_PHARMACY, "pharmacist"), [None])
        self.add(s.clinical_order, order_id=order_id, order_no=f"{adm_id}-{n:03d}", patient_id=ctx.patient.patient_id,
                 visit_kind="I", reg_id=None, adm_id=adm_id, rx_no=None, order_type=kind, issue_time=issued,
                 valid_days=None, exec_time=self.cap(issued + self.minutes(20, 90)), stop_time=stop,
                 doctor_code=ctx.doctor, pharmacist_code=rng.choice(pharmacists), dept_code=ctx.dept, tcm_recipe=None,
                 tcm_doses=None, tcm_decoction=None, tcm_usage=None, remark=remark,
                 status="stopped" if stop else "normal", void_time=None, updated_at=stop or issued)  # fmt: skip
        return order_id

    # -------------------------------------------------------------------------------------------- ER observation

    def observations(self) -> None:
        rng = self.rng
        for i, reg in enumerate(self.v_obs):
            note = self.visit_note[reg.reg_id]
            diag = self.visit_diag_rows[reg.reg_id]
            t_in = note["sign_time"] + self.minutes(15, 45)
            t_out = None if i == 1 else min(t_in + self.minutes(240, 420), self.at(self.day, 23, 30))
            obs_id = self.new_id("LG", t_in)
            course = (f"{t_in:%H:%M}收入急诊观察室，予心电监护、补液对症治疗。"
                      f"{'' if t_out is None else f'{t_out:%H:%M}复查症状缓解，生命体征平稳，准予离观。'}")  # fmt: skip
            self.add(s.er_observation, obs_id=obs_id, reg_id=reg.reg_id, patient_id=reg.patient.patient_id,
                     dept_code=reg.dept_code, doctor_code=note["doctor_code"], in_time=t_in, out_time=t_out,
                     bed_no=f"LG{rng.randint(1, 12):02d}", chief_complaint=note["chief_complaint"],
                     present_illness=note["present_illness"], past_illness=note["past_illness"],
                     allergy_flag=note["allergy_flag"], allergy_his=note["allergy_his"],
                     physical_exam=note["physical_exam"], tcm_observation=None,
                     studies_summary=note["studies_summary"], diag_codes=diag["diag_code"],
                     diag_names=diag["diag_name"], tcm_diag_code=None, tcm_diag_name=None, tcm_syndrome_code=None,
                     tcm_syndrome_name=None, tcm_basis=None, treatment=None, course_text=course,
                     precautions="密切观察生命体征及症状变化，如有加重立即告知医护人员；禁食水至复查结果回报",
                     revision=1, status="observing" if t_out is None else "left", void_time=None,
                     updated_at=t_out or t_in + self.minutes(10, 30))  # fmt: skip
            if t_out is None:
                self.edge["er_obs_open"] = obs_id

    # -------------------------------------------------------------------------------------------- planted stays

    def add_stay(self, pat: _Patient, ward: str, adm: datetime, dscg: datetime | None, dscg_way: str | None,
                 diags: Sequence[Diag]) -> _Stay:  # fmt: skip
        rng = self.rng
        n = 9000 + self.next_seq("stay")
        adm_id = f"ZY{adm:%Y%m%d}{n:04d}"
        doctors = self.doctors(ward)
        chief, nurse = doctors[0], rng.choice(self.nurses(ward))
        self.add(s.inpatient_stay, adm_id=adm_id, patient_id=pat.patient_id, mdtrt_id=None,
                 medcasno=f"{260000 + n:08d}", med_type="21", ipt_med_type="1", adm_way="2", trt_type="1",
                 adm_time=adm, adm_dept_code=ward, dscg_time=dscg, dscg_dept_code=ward if dscg else None,
                 dscg_way=dscg_way, chfpdr_code=chief, resp_nurse_code=nurse, coner_name=self.person_name(),
                 coner_rlts="1", coner_addr=None, coner_tel=self.phone(), prfs=None,
                 status="discharged" if dscg else "admitted", updated_at=dscg or adm)  # fmt: skip
        for seq, d in enumerate(diags, start=1):
            self.diag_names.setdefault(d.code, d.name)
            self.add(s.stay_diagnosis, adm_id=adm_id, seq_no=seq, diag_type="1", diag_code=d.code, diag_name=d.name,
                     maindiag_flag="1" if seq == 1 else "0", adm_cond_type="1")  # fmt: skip
        stay = _Stay(adm_id, pat, ward, adm, dscg, dscg_way, chief, nurse, "discharged" if dscg else "admitted",
                     tuple((d, "1" if i == 0 else "0") for i, d in enumerate(diags)))  # fmt: skip
        return stay

    def planted_stays(self) -> None:
        """The 重症甲型流感 death and the 伤寒 stay, both admitted on day-1 (their whole record is in the window)."""
        rng, prev, day = self.rng, self.prev, self.day
        # -- 重症甲型流感病毒性肺炎: admitted day-1 00:40 via ER, ICU and ventilator on day-1, dies on day at 03:40
        pat = self.new_patient("1", 68, self.at(day - timedelta(days=400), 10), occupation="LT")
        adm, death = self.at(prev, 0, 40), self.at(day, 3, 40)
        stay = self.add_stay(
            pat, "4020", adm, death, "5", (er.FLU_A_PNEUMONIA, er.RESP_FAILURE, ir.HYPERTENSION)
        )
        self.death_stay = stay
        self.edge["death_adm_id"] = stay.adm_id
        doctor = stay.chief
        ctx = _Ctx(pat, "I", None, stay.adm_id, "4020", doctor)
        self.bed(stay)
        text = er.WARD_TEXT[er.FLU_A_PNEUMONIA.code]
        self.lab(ctx, "LGKY", adm + timedelta(minutes=35), "severe", {"FLUA-Ag": "阳性"})
        self.lab(ctx, "XCG", adm + timedelta(minutes=35), "severe", {})
        self.lab(ctx, "CRP", adm + timedelta(minutes=35), "severe", {})
        self.lab(ctx, "SHQX", adm + timedelta(minutes=35), "severe", {})
        self.lab(
            ctx,
            "LGHS",
            self.at(prev, 9, 30),
            "severe",
            {"FLUA-RNA": "阳性"},
            report_time=self.at(prev, 16, 20),
        )
        self.exam(ctx, "CT0101", adm + timedelta(minutes=80), er.FLU_A_PNEUMONIA)
        self.first_course(stay, self.at(prev, 2, 50), text, doctor, (er.FLU_A_PNEUMONIA, er.RESP_FAILURE))
        self.admission_note(stay, self.at(prev, 6, 30), text, doctor, (er.FLU_A_PNEUMONIA, er.RESP_FAILURE))
        self.course(
            stay,
            self.at(prev, 12, 30),
            doctor,
            text.course[0],
            "未愈",
            "气管插管，呼吸机辅助通气，转入重症监护",
        )
        self.course(
            stay, self.at(prev, 21, 10), doctor, text.course[1], "未愈", "去甲肾上腺素泵入，维持平均动脉压"
        )
        oseltamivir = self.drug_by_name["磷酸奥司他韦胶囊"].code
        levo = self.drug_by_name["左氧氟沙星片"].code
        self.ward_order(ctx, stay.adm_id, "L", adm + timedelta(minutes=50), (oseltamivir, levo), stop=death)
        t = adm + timedelta(minutes=20)
        while t < death:
            icu, vent = t >= self.at(prev, 6, 0), t >= self.at(prev, 12, 0)
            late = t >= self.at(prev, 20, 0)
            self.add(s.vital_sign, record_id=self.new_id("TZ", t), adm_id=stay.adm_id, patient_id=pat.patient_id,
                     dept_code="4020", record_time=t, temperature=Decimal(str(round(rng.uniform(38.6, 39.8), 1))),
                     pulse=rng.randint(112, 136), breath=rng.randint(28, 36) if not vent else rng.randint(18, 22),
                     sbp=rng.randint(78, 92) if late else rng.randint(100, 124), dbp=rng.randint(42, 56) if late
                     else rng.randint(58, 72), spo2=rng.randint(78, 88), ventilator_flag="Y" if vent else "N",
                     icu_flag="Y" if icu else "N", nurse_code=stay.nurse, status="normal", void_time=None,
                     updated_at=t + self.minutes(2, 10))  # fmt: skip
            t += timedelta(hours=2)
        record = self.at(day, 6, 10)
        self.edge["death_id"] = self.new_id("SW", death)
        self.add(s.death_record, death_id=self.edge["death_id"], patient_id=pat.patient_id, adm_id=stay.adm_id,
                 dept_code="4020", death_time=death,
                 treatment_desc="入院后予奥司他韦抗病毒、抗感染、气管插管机械通气、血管活性药物等治疗，病情持续恶化，"
                 "今晨03:10心率血压进行性下降，经心肺复苏抢救30分钟无效，于03:40宣布临床死亡。",
                 direct_cause_code=er.RESP_FAILURE.code, direct_cause_name=er.RESP_FAILURE.name,
                 death_diag_code=er.FLU_A_PNEUMONIA.code, death_diag_name=er.FLU_A_PNEUMONIA.name,
                 attending_code=doctor, record_time=record, status="normal", void_time=None,
                 updated_at=record)  # fmt: skip
        self.front_page(stay, self.at(day, 10, 20))
        # its card: filed on day-1 as 临床诊断 (antigen), 订正 to 确诊 after the PCR, 订正 again on day (death)
        card = self.card(ctx, er.FLU_A_PNEUMONIA, "LC", self.at(prev, 2, 20), self.at(prev, 3, 5), prev - timedelta(days=3),
                         "4020", "阳性")  # fmt: skip
        card.update(case_type="QZ", revision=2, remark="甲型流感病毒核酸阳性，订正为确诊病例",
                    audit_by=self.staff[(er.PUBLIC_HEALTH_DEPT, "doctor")][0], audit_time=self.at(prev, 9, 10),
                    status="audited", updated_at=self.at(prev, 16, 45))  # fmt: skip
        before = {k: card[k] for k in ("death_date", "revision", "remark", "updated_at")}
        card.update(death_date=day, revision=3, remark="甲型流感病毒核酸阳性，订正为确诊病例；患者已死亡，订正死亡日期",
                    updated_at=self.at(day, 8, 5))  # fmt: skip
        self.changes.append(DayChange("infectious_report", {"report_id": card["report_id"]}, before,
                                      {k: card[k] for k in before}))  # fmt: skip
        self.edge["updated_twice"] = card["report_id"]

        # -- 伤寒: a 餐饮 worker admitted day-1 with 发热待查; the blood culture grows S. Typhi on day
        created = self.at(prev, 10, 5)
        pat = self.new_patient("2", 34, created, occupation="CY")
        adm = self.at(prev, 10, 20)
        stay = self.add_stay(pat, "4030", adm, None, None, (er.TYPHOID,))
        self.typhoid_stay = stay
        self.edge["typhoid_adm_id"] = stay.adm_id
        doctor = self.doctors("4030")[-1]
        ctx = _Ctx(pat, "I", None, stay.adm_id, "4030", doctor)
        self.bed(stay)
        text = er.WARD_TEXT[er.TYPHOID.code]
        for code in ("XCG", "CRP", "SHQX"):
            self.lab(ctx, code, adm + timedelta(minutes=30), "typhoid", {})
        culture = self.lab(ctx, "XPY", adm + timedelta(minutes=40), "typhoid", {}, germ=er.TYPHI,
                           report_time=self.at(day, 15, 30))  # fmt: skip
        self.edge["micro_report"] = culture["report_id"]
        self.exam(ctx, "US0101", adm + timedelta(minutes=120), None)
        self.first_course(stay, self.at(prev, 13, 0), text, doctor, (er.FEVER,))
        note = self.admission_note(stay, self.at(prev, 15, 40), text, doctor, (er.FEVER,))
        before = {
            k: note[k]
            for k in ("rev_diag_codes", "rev_diag_names", "rev_diag_time", "revision", "updated_at")
        }
        note.update(rev_diag_codes=er.TYPHOID.code, rev_diag_names=er.TYPHOID.name, rev_diag_time=self.at(day, 16, 10),
                    revision=2, updated_at=self.at(day, 16, 40))  # fmt: skip
        self.changes.append(DayChange("admission_note", {"note_id": note["note_id"]}, before,
                                      {k: note[k] for k in before}))  # fmt: skip
        self.edge["admission_note_revised"] = note["note_id"]
        self.course(
            stay, self.at(day, 16, 15), doctor, text.course[0], "未愈", "改用头孢曲松抗感染，消化道隔离"
        )
        cefixime = self.drug_by_name["头孢克肟分散片"].code
        azithro = self.drug_by_name["阿奇霉素片"].code
        self.ward_order(ctx, stay.adm_id, "L", adm + timedelta(minutes=45), (cefixime,))
        self.ward_order(ctx, stay.adm_id, "T", self.at(day, 16, 20), (azithro,))
        for d in (prev, day):
            for hh in VITAL_HOURS:
                t = self.at(d, hh)
                if adm < t < self.end:
                    self.vital(stay, t, febrile=True)
        card = self.card(ctx, er.TYPHOID, "QZ", self.at(day, 16, 10), self.at(day, 17, 10), prev - timedelta(days=5),
                         "4030", "阳性")  # fmt: skip
        card.update(audit_by=self.staff[(er.PUBLIC_HEALTH_DEPT, "doctor")][-1], audit_time=self.at(day, 18, 30),
                    status="audited", updated_at=self.at(day, 18, 30))  # fmt: skip
        # the 流调 corrects where she lives (re-sent as an upsert on day)
        extra = self.extra[pat.patient_id]
        keys = ("curr_addr_code", "curr_addr_name", "curr_addr_detail", "contact_tel", "updated_at")
        before = {k: extra[k] for k in keys}
        curr = self.area(rng.choice([c for c in er.TOWNSHIPS if c != (extra["curr_addr_code"] or "")[:6]]))
        extra.update(curr_addr_code=curr[0], curr_addr_name=curr[1], curr_addr_detail=self.detail(curr[1]),
                     contact_tel=self.phone(), updated_at=self.at(day, 17, 20))  # fmt: skip
        self.changes.append(DayChange("patient_extra", {"patient_id": pat.patient_id}, before,
                                      {k: extra[k] for k in keys}))  # fmt: skip
        self.edge["patient_changed"] = pat.patient_id

    def admissions(self) -> None:
        """Ordinary admissions on day-1 and day (new, self-paying patients: the 医保 data stays as it was), so the
        admission and first-course tables have more than the planted stays."""
        rng = self.rng
        wards = tuple(ir.WARD_CASES)
        by_class: dict[str, list[str]] = {}
        for ref in refdata.DRUGS:
            drug = self.drug_by_name.get(ref.name)
            if drug is not None:
                by_class.setdefault(ref.category[:3], []).append(drug.code)
        for i in range(ADMISSIONS):
            ward = wards[i % len(wards)]
            case = rng.choice(ir.WARD_CASES[ward])
            d = self.prev if i < ADMISSIONS // 2 else self.day
            adm = self.at(d, rng.randint(8, 17), rng.randint(0, 59))
            pat = self.new_patient(
                rng.choice("12"), rng.randint(35, 85), adm - self.minutes(10, 60 * 24 * 900)
            )
            others = [x for x in case.others if rng.random() < 0.5 and x.code != case.main.code]
            stay = self.add_stay(pat, ward, adm, None, None, (case.main, *others))
            self.stays.append(stay)
            pool = [c for cls in case.drugs for c in by_class.get(cls[:3], [])]
            self.stay_drugs[stay.adm_id] = rng.sample(pool, min(3, len(pool)))

    # -------------------------------------------------------------------------------------------- inpatient

    def bed(self, stay: _Stay) -> dict[str, Any]:
        n = self.next_seq(f"bed:{stay.ward}") % 45 + 1
        floor = self.depts[stay.ward].floor.removesuffix("F")
        t = stay.adm_time + self.minutes(10, 40)
        row = self.add(s.stay_bed, adm_id=stay.adm_id, ward_code=stay.ward, room_no=f"{floor}{(n - 1) // 3 + 1:02d}",
                       bed_no=f"{n:02d}", bed_time=t, updated_at=t)  # fmt: skip
        self.beds[stay.adm_id] = row
        return row

    def inpatient(self) -> None:
        rng, start, end = self.rng, self.start, self.end
        self.sputum_done = False
        for stay in self.stays:
            self.bed(stay)
            if stay.status == "cancelled" or stay.adm_time >= end:
                continue
            if stay.dscg_time is not None and stay.dscg_time < start - timedelta(days=2):
                continue
            main = next(
                (d for d, f in stay.diags if f == "1"), stay.diags[0][0] if stay.diags else ir.GENERAL[0]
            )
            text = er.WARD_TEXT.get(main.code, er.GENERIC_WARD)
            doctors = self.doctors(stay.ward)
            resident = rng.choice([d for d in doctors if d != stay.chief] or doctors)
            ctx = _Ctx(stay.patient, "I", None, stay.adm_id, stay.ward, resident)
            profile = _profile(main.code)
            diags = tuple(d for d, _ in stay.diags)
            if self.in_window(stay.adm_time):
                adm = stay.adm_time
                if adm + timedelta(hours=1) < end:
                    self.first_course(stay, adm + self.minutes(60, 300), text, resident, diags[:1])
                if adm + timedelta(hours=2) < end:
                    self.admission_note(stay, self.cap(adm + self.minutes(120, 600)), text, resident, diags)
                for code in ("XCG", "SHQX") + (("CRP",) if profile != "normal" else ()):
                    self.lab(ctx, code, adm + self.minutes(30, 90), profile, {})
                abnormal = er.ABNORMAL_EXAMS.get(main.code)
                exam_code = (
                    abnormal[0] if abnormal else {"4010": "DR0101", "4020": "DR0101"}.get(stay.ward, "US0101")
                )
                self.exam(ctx, exam_code, adm + self.minutes(60, 240), main)
                drugs = self.stay_drugs.get(stay.adm_id, [])[:3]
                if drugs:
                    self.ward_order(ctx, stay.adm_id, "L", adm + self.minutes(20, 60), drugs)
            for d in (self.prev, self.day):
                d0, d1 = self.at(d, 0), self.at(d + timedelta(days=1), 0)
                if not (stay.adm_time < d1 and (stay.dscg_time is None or stay.dscg_time > d0)):
                    continue
                if stay.adm_time.date() < d:
                    t = self.at(d, 9) + self.minutes(0, 150)
                    if stay.dscg_time is not None and t > stay.dscg_time - timedelta(minutes=30):
                        t = stay.dscg_time - self.minutes(30, 60)
                    if t > d0:
                        n = (d - stay.adm_time.date()).days
                        self.course(stay, t, resident, text.course[min(n, len(text.course)) - 1],
                                    "好转" if n > 1 else "未愈", None)  # fmt: skip
                    if rng.random() < 0.35:
                        self.lab(ctx, "XCG", self.at(d, 6, 30) + self.minutes(0, 30), profile, {})
                    drugs = self.stay_drugs.get(stay.adm_id, [])
                    if drugs and rng.random() < 0.3:
                        when = self.at(d, 10) + self.minutes(0, 240)
                        if stay.dscg_time is None or when < stay.dscg_time:
                            self.ward_order(ctx, stay.adm_id, "T", when, [rng.choice(drugs)])
                for hh in VITAL_HOURS:
                    t = self.at(d, hh)
                    if stay.adm_time < t and (stay.dscg_time is None or t < stay.dscg_time):
                        self.vital(
                            stay, t, febrile=profile in ("bacterial", "viral") and d == stay.adm_time.date()
                        )
                if main.code == "J18.900" and not self.sputum_done and stay.adm_time.date() < d:
                    report = self.at(d, 15, 0)
                    if stay.dscg_time is None or report < stay.dscg_time:
                        sample = max(stay.adm_time + timedelta(hours=2), report - timedelta(hours=48))
                        self.lab(ctx, "TPY", sample, profile, {}, germ=er.KPN, report_time=report)
                        self.sputum_done = True
            for code, op_end in self.ops.get(stay.adm_id, []):
                if code in er.PATHOLOGY:
                    reported = self.at(op_end.date() + timedelta(days=3), 10) + self.minutes(0, 300)
                    if self.in_window(reported):
                        path = er.PATHOLOGY[code]
                        self.exam(ctx, "BL0101", op_end, None, pathology=path, report_time=reported)
            if self.in_window(stay.dscg_time):
                assert stay.dscg_time is not None
                self.discharge_note(stay, text, resident, diags)
                drugs = self.stay_drugs.get(stay.adm_id, [])
                if drugs and rng.random() < 0.5:
                    self.ward_order(ctx, stay.adm_id, "T", stay.dscg_time - self.minutes(40, 90), drugs[:2],
                                    remark="出院带药")  # fmt: skip
            if stay.dscg_time is not None:  # 病案首页: completed by the coder the next working day (次日)
                done = self.at(stay.dscg_time.date() + timedelta(days=1), 8, 30) + self.minutes(0, 540)
                if self.in_window(done):
                    self.front_page(stay, done)

    def vital(self, stay: _Stay, t: datetime, febrile: bool) -> None:
        rng = self.rng
        temp = rng.uniform(38.0, 39.4) if febrile else rng.uniform(36.2, 37.2)
        self.add(s.vital_sign, record_id=self.new_id("TZ", t), adm_id=stay.adm_id, patient_id=stay.patient.patient_id,
                 dept_code=stay.ward, record_time=t, temperature=Decimal(str(round(temp, 1))),
                 pulse=rng.randint(88, 110) if febrile else rng.randint(62, 90), breath=rng.randint(16, 22),
                 sbp=rng.randint(105, 150), dbp=rng.randint(62, 92), spo2=rng.randint(94, 99), ventilator_flag="N",
                 icu_flag="N", nurse_code=rng.choice([stay.nurse] + self.nurses(stay.ward)), status="normal",
                 void_time=None, updated_at=t + self.minutes(2, 20))  # fmt: skip

    def first_course(
        self, stay: _Stay, t: datetime, text: er.WardText, doctor: str, diags: Sequence[Diag]
    ) -> None:
        t = self.cap(t)
        self.add(s.course_note, note_id=self.new_id("BC", t), adm_id=stay.adm_id, patient_id=stay.patient.patient_id,
                 note_type="SC", dept_code=stay.ward, record_time=t, chief_complaint=text.complaint,
                 case_summary=f"患者{age_on(stay.patient.birth_date, t.date())}岁，{text.present}。{text.exam}。",
                 tcm_observation=None, diag_basis=text.basis, diag_codes=",".join(d.code for d in diags),
                 diag_names=",".join(d.name for d in diags), tcm_diag_code=None, tcm_diag_name=None, tcm_syn_code=None,
                 tcm_syn_name=None, diff_diag_codes=",".join(d.code for d in text.diff) or None,
                 diff_diag_names=",".join(d.name for d in text.diff) or None, diff_tcm_code=None, diff_tcm_name=None,
                 diff_syn_code=None, diff_syn_name=None, treatment_plan=text.plan, treatment=None, course_text=None,
                 order_content=None, outcome=None, doctor_code=doctor, sign_time=t, revision=1, status="signed",
                 void_time=None, updated_at=t)  # fmt: skip

    def course(
        self, stay: _Stay, t: datetime, doctor: str, content: str, outcome: str, orders: str | None
    ) -> None:
        t = self.cap(t)
        self.add(s.course_note, note_id=self.new_id("BC", t), adm_id=stay.adm_id, patient_id=stay.patient.patient_id,
                 note_type="RC", dept_code=stay.ward, record_time=t, chief_complaint=None, case_summary=None,
                 tcm_observation=None, diag_basis=None, diag_codes=None, diag_names=None, tcm_diag_code=None,
                 tcm_diag_name=None, tcm_syn_code=None, tcm_syn_name=None, diff_diag_codes=None, diff_diag_names=None,
                 diff_tcm_code=None, diff_tcm_name=None, diff_syn_code=None, diff_syn_name=None, treatment_plan=None,
                 treatment=None, course_text=f"{t:%Y-%m-%d %H:%M} 查房记录：{content}。", order_content=orders or "继续目前治疗",
                 outcome=outcome, doctor_code=doctor, sign_time=t, revision=1, status="signed", void_time=None,
                 updated_at=t)  # fmt: skip

    def admission_note(self, stay: _Stay, t: datetime, text: er.WardText, doctor: str,
                       diags: Sequence[Diag]) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        pat = stay.patient
        h = self.histories(pat, t.date())
        infectious = any(er.inf_disease(d.code) for d in diags) or stay is getattr(self, "typhoid_stay", None)
        vit, _ = self.vitals(_profile(diags[0].code) != "normal", age_on(pat.birth_date, t.date()))
        return self.add(
            s.admission_note, note_id=self.new_id("RY", t), adm_id=stay.adm_id, patient_id=pat.patient_id,
            dept_code=stay.ward, adm_time=stay.adm_time, record_time=t, chief_complaint=text.complaint,
            present_illness=f"患者{text.present}。", health_good_flag="N" if rng.random() < 0.3 else "Y",
            past_illness=h["past_illness"], infectious_flag="Y" if infectious else "N",
            infection_his=h["infection_his"], vaccination_his=h["vaccination_his"], operation_his=h["operation_his"],
            transfusion_his=h["transfusion_his"], allergy_his=h["allergy_his"], personal_his=h["personal_his"],
            marital_his=h["marital_his"], menstrual_his=h["menstrual_his"], family_his=h["family_his"],
            physical_exam=f"{vit}{text.exam}。", specialty_exam=text.specialty, studies_summary=None,
            tcm_observation=None, treatment=None, init_diag_codes=",".join(d.code for d in diags),
            init_diag_names=",".join(d.name for d in diags), init_tcm_code=None, init_tcm_name=None, init_syn_code=None,
            init_syn_name=None, init_diag_time=t, rev_diag_codes=None, rev_diag_names=None, rev_tcm_code=None,
            rev_tcm_name=None, rev_syn_code=None, rev_syn_name=None, rev_diag_time=None, conf_diag_codes=None,
            conf_diag_names=None, conf_tcm_code=None, conf_tcm_name=None, conf_syn_code=None, conf_syn_name=None,
            conf_diag_time=None, supp_diag_code=None, supp_diag_name=None, supp_diag_time=None, diag_order="1",
            visit_doctor_code=doctor, resident_code=doctor, attending_code=stay.chief, sign_time=t, revision=1,
            status="signed", void_time=None, updated_at=t,
        )  # fmt: skip

    def discharge_note(self, stay: _Stay, text: er.WardText, doctor: str, diags: Sequence[Diag]) -> None:
        assert stay.dscg_time is not None
        t = self.cap(stay.dscg_time + self.minutes(20, 120))
        surgical = bool(self.ops.get(stay.adm_id))
        self.add(s.discharge_note, note_id=self.new_id("CY", t), adm_id=stay.adm_id, patient_id=stay.patient.patient_id,
                 dept_code=stay.ward, adm_time=stay.adm_time, adm_desc=f"{text.complaint}入院。{text.exam}。",
                 adm_diag_codes=",".join(d.code for d in diags[:1]), adm_diag_names=",".join(d.name for d in diags[:1]),
                 studies_summary=text.basis, tcm_observation=None, treatment=None,
                 treatment_desc=f"入院后{text.plan}。", tcm_decoction=None, tcm_usage=None, dscg_desc=text.dscg_desc,
                 dscg_time=stay.dscg_time, dscg_diag_codes=",".join(d.code for d in diags),
                 dscg_diag_names=",".join(d.name for d in diags), dscg_tcm_code=None, dscg_tcm_name=None,
                 dscg_syn_code=None, dscg_syn_name=None, dscg_signs="生命体征平稳，" + text.dscg_desc,
                 dscg_advice=text.dscg_advice, outcome="治愈" if surgical else "好转", resident_code=doctor,
                 attending_code=stay.chief, record_time=t, revision=1, status="signed", void_time=None,
                 updated_at=t)  # fmt: skip

    def front_page(self, stay: _Stay, done: datetime) -> None:
        rng = self.rng
        assert stay.dscg_time is not None
        pat = stay.patient
        main = next((d for d, f in stay.diags if f == "1"), None)
        others = [d for d, f in stay.diags if f != "1"]
        pay = "ZF"
        if pat.psn_no:
            pay = "ZG" if insutype_for(pat.psn_no, pat.birth_date, self.day) == "310" else "JM"
        path = next((er.PATHOLOGY[c] for c, _ in self.ops.get(stay.adm_id, []) if c in er.PATHOLOGY), None)
        bed = self.beds[stay.adm_id]
        transfer = stay.dscg_way == "2"
        allergy = self.allergy.get(pat.patient_id)
        self.add(s.front_page, adm_id=stay.adm_id, patient_id=pat.patient_id, pay_method=pay,
                 health_card_no=self.extra[pat.patient_id]["health_card_no"],
                 adm_times=rng.choice((1, 1, 1, 2, 3)) if main and main.code.startswith(("I50", "J44")) else 1,
                 ipt_days=max(1, (stay.dscg_time.date() - stay.adm_time.date()).days), adm_room_no=bed["room_no"],
                 dscg_room_no=bed["room_no"], otp_diag_code=main.code if main else None,
                 otp_diag_name=main.name if main else None, main_diag_code=main.code if main else None,
                 main_diag_name=main.name if main else None,
                 other_diag_codes=",".join(d.code for d in others) or None,
                 other_diag_names=",".join(d.name for d in others) or None, ext_cause_code=None, ext_cause_name=None,
                 path_diag_code=path[2].code if path else None, path_diag_name=path[1] if path else None,
                 path_no=f"BL{stay.adm_id[-8:]}" if path else None, allergy_flag="Y" if allergy else "N",
                 allergy_drug=allergy, autopsy_flag="N" if stay.dscg_way == "5" else None,
                 attending_code=stay.chief, resident_code=rng.choice(self.doctors(stay.ward)),
                 accept_org_code=ACCEPT_ORG[0] if transfer else None, accept_org_name=ACCEPT_ORG[1] if transfer else None,
                 coder_code=self.staff[("6020", "clerk")][0], completed_time=done, revision=1, status="normal",
                 void_time=None, updated_at=done)  # fmt: skip

    # -------------------------------------------------------------------------------------------- report cards

    def card(self, ctx: _Ctx, diag: Diag, case_type: str, diag_time: datetime, report_time: datetime,
             onset: date, dept: str, lab: str) -> dict[str, Any]:  # fmt: skip
        disease = er.inf_disease(diag.code)
        assert disease is not None, diag
        n = self.next_seq("card")
        return self.add(
            s.infectious_report, report_id=self.new_id("CRB", report_time),
            card_no=f"360102{report_time:%Y%m%d}{n:04d}", patient_id=ctx.patient.patient_id, visit_kind=ctx.kind,
            reg_id=ctx.reg_id, adm_id=ctx.adm_id, disease_code=disease.code, disease_name=disease.name,
            icd10_code=diag.code, icd10_name=diag.name, case_type=case_type, onset_date=onset, diag_time=diag_time,
            death_date=None, lab_conclusion=lab, report_time=report_time, reporter_code=ctx.doctor, dept_code=dept,
            audit_by=None, audit_time=None, remark=None, revision=1, status="submitted", void_time=None,
            void_reason=None, updated_at=report_time,
        )  # fmt: skip

    def outpatient_cards(self) -> None:
        rng = self.rng
        auditors = self.staff[(er.PUBLIC_HEALTH_DEPT, "doctor")]
        self.reported_diags: list[str] = []
        for reg, case_type in ((self.v_tb, "QZ"), (self.v_flu, "QZ"), (self.v_covid, "QZ"),
                               (self.v_diarrhoea, "QZ"), (self.v_hiv, "QZ")):  # fmt: skip
            drow = self.visit_diag_rows[reg.reg_id]
            note = self.visit_note[reg.reg_id]
            diag = Diag(drow["diag_code"], drow["diag_name"])
            ctx = _Ctx(reg.patient, "E" if reg.reg_type == "emergency" else "O", reg.reg_id, None, reg.dept_code,
                       note["doctor_code"])  # fmt: skip
            filed = self.cap(note["sign_time"] + self.minutes(60, 150))
            onset = reg.visit_date - timedelta(days=rng.randint(1, 5) if diag != er.TB else 60)
            card = self.card(ctx, diag, case_type, drow["diag_time"], filed, onset, reg.dept_code, "阳性")
            audited = filed + self.minutes(40, 180)
            if audited < self.end:
                card.update(
                    audit_by=rng.choice(auditors), audit_time=audited, status="audited", updated_at=audited
                )
            self.reported_diags.append(drow["diag_id"])
            if diag == er.TB:
                self.edge["notifiable_a15_diag"] = drow["diag_id"]
                self.edge["notifiable_a15_report"] = card["report_id"]
            if (
                diag == er.INF_DIARRHOEA
            ):  # a second doctor files the same case again; 预防保健科 voids the 重卡
                colleagues = [d for d in self.doctors(reg.dept_code) if d != ctx.doctor] or [ctx.doctor]
                dup = self.card(ctx._replace(doctor=rng.choice(colleagues)), diag, case_type, drow["diag_time"],
                                self.cap(filed + self.minutes(20, 40)), onset, reg.dept_code, "阳性")  # fmt: skip
                voided = self.cap(dup["report_time"] + self.minutes(30, 90))
                dup.update(status="voided", void_time=voided, void_reason="重复报卡", updated_at=voided)
                self.edge["inf_report_voided"] = dup["report_id"]

    # -------------------------------------------------------------------------------------------- planted lab cases

    def plant_lab_cases(self) -> None:
        rng, prev = self.rng, self.prev
        # a report of day-1 voided on day (specimen haemolysed) and replaced; a mistaken result row deleted on day
        ongoing = [st for st in self.stays if st.adm_time < self.at(prev, 6) and st.status != "cancelled"
                   and (st.dscg_time is None or st.dscg_time > self.at(self.day, 12))]  # fmt: skip
        if len(ongoing) < 2:
            raise ValueError("too few inpatients over both demo days for the lab edge cases")
        a, b = rng.sample(ongoing, 2)
        for stay, key in ((a, "void"), (b, "row")):
            ctx = _Ctx(stay.patient, "I", None, stay.adm_id, stay.ward, stay.chief)
            main = next((d for d, f in stay.diags if f == "1"), ir.GENERAL[0])
            if key == "void":
                report = self.lab(ctx, "XCG", self.at(prev, 6, 40), _profile(main.code), {})
                voided = self.at(self.day, 8, 20)
                before = {"status": "reported", "void_time": None, "void_reason": None,
                          "updated_at": report["updated_at"]}  # fmt: skip
                report.update(status="voided", void_time=voided, void_reason="标本溶血，报告作废，已重新采样",
                              updated_at=voided)  # fmt: skip
                self.changes.append(DayChange("lab_report", {"report_id": report["report_id"]}, before,
                                              {k: report[k] for k in before}))  # fmt: skip
                self.edge["lab_report_voided"] = report["report_id"]
                again = self.lab(ctx, "XCG", self.at(self.day, 8, 40), _profile(main.code), {})
                self.edge["lab_report_replacement"] = again["report_id"]
            else:
                report = self.lab(ctx, "SHQX", self.at(prev, 7, 10), _profile(main.code), {})
                item = er.MISTAKEN_ITEM
                row = self.add(s.lab_result, result_id=self.new_id("JG", report["sample_time"]),
                               report_id=report["report_id"], seq_no=len(er.PANELS["SHQX"].items) + 1,
                               item_code=item.code, item_name=item.name, result_kind="N", quant_value="5.6",
                               unit=item.unit, ref_low="4.0", ref_high="6.0", abn_flag="N", qual_result=None,
                               germ_code=None, germ_name=None, test_time=report["test_time"], status="normal",
                               void_time=None, updated_at=report["report_time"])  # fmt: skip
                before = {"status": "normal", "void_time": None, "updated_at": row["updated_at"]}
                row.update(
                    status="voided", void_time=self.at(self.day, 9, 10), updated_at=self.at(self.day, 9, 10)
                )
                self.changes.append(DayChange("lab_result", {"result_id": row["result_id"]}, before,
                                              {k: row[k] for k in before}))  # fmt: skip
                self.edge["lab_result_voided"] = row["result_id"]
        # results of a specimen whose report was never signed: their report_id has no lab_report row
        reg = self.v_orphan
        ctx = _Ctx(reg.patient, "E" if reg.reg_type == "emergency" else "O", reg.reg_id, None, reg.dept_code,
                   self.visit_note[reg.reg_id]["doctor_code"])  # fmt: skip
        orphan = self.lab(
            ctx, "XCG", self.visit_note[reg.reg_id]["sign_time"] + self.minutes(5, 20), "normal", {}
        )
        self.rows["lab_report"].remove(orphan)
        self.edge["lab_orphan_report_id"] = orphan["report_id"]
        self.edge["lab_result_orphans"] = tuple(
            r["result_id"] for r in self.rows["lab_result"] if r["report_id"] == orphan["report_id"]
        )
        # a qualitative text no dictionary knows
        reg = self.v_unknown_text
        ctx = _Ctx(reg.patient, "E" if reg.reg_type == "emergency" else "O", reg.reg_id, None, reg.dept_code,
                   self.visit_note[reg.reg_id]["doctor_code"])  # fmt: skip
        report = self.lab(ctx, "NCG", self.visit_note[reg.reg_id]["sign_time"] + self.minutes(5, 20), "normal",
                          {"U-LEU": er.UNKNOWN_QUAL_TEXT})  # fmt: skip
        report["remark"] = "白细胞酯酶：标本量不足，仅供参考"
        self.edge["unmapped_lab_result"] = next(
            r["result_id"]
            for r in self.rows["lab_result"]
            if r["report_id"] == report["report_id"] and r["item_code"] == "U-LEU"
        )
        # a screening test requested by a department the CDC mapping does not know
        reg = self.v_unmapped_dept
        ctx = _Ctx(reg.patient, "E" if reg.reg_type == "emergency" else "O", reg.reg_id, None, reg.dept_code,
                   self.visit_note[reg.reg_id]["doctor_code"])  # fmt: skip
        report = self.lab(ctx, "XGHS", self.visit_note[reg.reg_id]["sign_time"] + self.minutes(5, 20), "normal", {},
                          apply_dept=er.UNMAPPED_DEPT)  # fmt: skip
        self.edge["unmapped_dept_lab_report"] = report["report_id"]

    def plant_patient_cases(self) -> None:
        pid = self.v_marital.patient.patient_id
        self.extra[pid]["marital_code"] = er.UNKNOWN_MARITAL
        self.edge["unmapped_marital_patient"] = pid

    # -------------------------------------------------------------------------------------------- summary

    def edge_cases(self) -> EmrEdgeCases:
        e = self.edge
        reported = set(self.reported_diags)
        unreported = tuple(
            r["diag_id"] for r in self.rows["visit_diagnosis"]
            if r["diag_type"] == "1" and er.inf_disease(r["diag_code"]) and r["diag_id"] not in reported
        )  # fmt: skip
        return EmrEdgeCases(
            lab_report_voided=e["lab_report_voided"], lab_report_replacement=e["lab_report_replacement"],
            lab_result_voided=e["lab_result_voided"], lab_result_orphans=e["lab_result_orphans"],
            lab_orphan_report_id=e["lab_orphan_report_id"], unmapped_marital_patient=e["unmapped_marital_patient"],
            unmapped_marital_code=er.UNKNOWN_MARITAL, unmapped_lab_result=e["unmapped_lab_result"],
            unmapped_lab_text=er.UNKNOWN_QUAL_TEXT, unmapped_dept=er.UNMAPPED_DEPT,
            unmapped_dept_lab_report=e["unmapped_dept_lab_report"], patient_changed=e["patient_changed"],
            notifiable_a15_diag=e["notifiable_a15_diag"], notifiable_a15_report=e["notifiable_a15_report"],
            updated_twice=e["updated_twice"], admission_note_revised=e["admission_note_revised"],
            inf_report_voided=e["inf_report_voided"], notifiable_reported=tuple(self.reported_diags),
            notifiable_unreported=unreported,
            inf_reports=tuple(r["report_id"] for r in self.rows["infectious_report"]), death_id=e["death_id"],
            death_adm_id=e["death_adm_id"], typhoid_adm_id=e["typhoid_adm_id"], micro_report=e["micro_report"],
            er_obs_open=e["er_obs_open"],
        )  # fmt: skip

    # -------------------------------------------------------------------------------------------- write

    def write(self, conn: Connection) -> dict[str, int]:
        for table in s.metadata.sorted_tables:
            rows = self.rows[table.name]
            if rows:
                conn.execute(table.insert(), rows)
        return {name: len(self.rows[name]) for name in ADDED_TO + EMR_TABLES}


# ------------------------------------------------------------------------------------------------ lab profiles

#: value ranges per result profile (item code → (lo, hi)); items not listed are drawn inside their reference range
_PROFILES: dict[str, dict[str, tuple[float, float]]] = {
    "bacterial": {"WBC": (11.0, 17.5), "NEUT%": (78, 90), "LYM%": (8, 18), "CRP": (30, 120)},
    "viral": {"WBC": (3.0, 6.5), "NEUT%": (40, 62), "LYM%": (32, 52), "CRP": (4, 24)},
    "typhoid": {"WBC": (2.6, 3.4), "CRP": (20, 45), "ALT": (62, 110), "AST": (45, 80)},
    "severe": {"WBC": (1.8, 3.2), "LYM%": (5, 12), "PLT": (70, 110), "CRP": (80, 160), "AST": (60, 120),
               "CREA": (120, 180), "K": (3.1, 3.4)},
    "hiv": {"CD4": (150, 260), "LYM%": (12, 18)},
    "diabetes": {"GLU": (8.2, 13.5)},
}  # fmt: skip


def _profile(diag_code: str) -> str:
    if diag_code.startswith(("J18", "J44.1", "K35", "K80.1", "L02", "N39")):
        return "bacterial"
    if diag_code.startswith(("J06", "J10.1", "J11", "U07", "J20", "A09", "R50")):
        return "viral"
    if diag_code.startswith("A01"):
        return "typhoid"
    if diag_code.startswith(("J10.0", "J96")):
        return "severe"
    if diag_code.startswith("B20"):
        return "hiv"
    if diag_code.startswith("E11"):
        return "diabetes"
    return "normal"


def _category(diag_code: str) -> str:
    """The ICD-10 category of a 医保版 code: A15.000 → A15.0, I10.x00 → I10."""
    head = diag_code[:5]
    return head[:3] if head.endswith(("x", ".")) else head


def _fmt(value: float | None, decimals: int) -> str | None:
    if value is None:
        return None
    return f"{value:.{decimals}f}"


# ------------------------------------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    from demo.his.generator_cli import run_generator

    return run_generator(argv, prog="python -m demo.his.emr", description=__doc__.split("\n\n")[0],
                         needs="python -m demo.his and demo.his.insurance", generate=generate_emr, added_to=ADDED_TO,
                         title=lambda s: f"EMR / LIS / PACS data for {s.day - timedelta(days=1)} and {s.day} (seed {s.seed})")

if __name__ == "__main__":
    raise SystemExit(main())
