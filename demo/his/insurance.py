"""Deterministic 医保 settlement data for the demo HIS, and the platform's side of it for the 医保 simulator.

``generate_insurance(engine, day, seed=42, settlements=200)`` runs after :func:`demo.his.generate.generate` on
the same database and reads its patients, registrations, departments, staff and drugs. It writes the tables the
医保 jobs read — reconciliation (3201/3202), the settlement list (4101A/4102), 目录对照 (3301/3302 and the 未对照
report) and the fund self-check:

* ``charge_item`` (services, consumables; some 未对照), ``insu_item_limit``, ``catalog_map`` (every coded drug
  and item, mapped long ago; on ``day`` new, changed, withdrawn and mistyped 对照), and one 院内制剂 in
  ``drug_dict`` (active, no national code);
* outpatient 医保 settlements on ``day - 1`` and ``day`` for the insured registrations (1–3 per visit), and
  inpatient stays (new ward patients in ``patient``; diagnoses, operations, daily bed/nursing/drug/test fees)
  discharged and settled on ``day - 1`` and ``day``, every few days back to ``day - 25``, one at ``day - 36``,
  plus a few stays still in hospital (their fees unsettled);
* ``insu_settlement`` and ``fee_detail``: ``medfee_sumamt`` is the sum of the settlement's fee lines and
  ``fund_pay_sumamt + acct_pay + psn_cash_pay = medfee_sumamt`` (:func:`split_amounts`); a cancellation is a
  second row (``refd_setl_flag`` 1, negative amounts, ``cancel_of``), the original becomes ``cancelled`` and its
  lines ``refunded``.

Apart from the planted cases the data is clean for every job: no fee line breaks a 医保 limit (gender, age,
daily quantity, one 床位费 a day, indication), no fee lies outside its stay, no outpatient settlement falls on a
day of the same patient's stay. The planted cases are listed, by id, in :class:`InsuranceEdgeCases`.

``seed_platform(state, engine, day_from, day_to, edge)`` gives the 医保 simulator the platform's view of those
days: the HIS's settlements except the one the platform never had, plus the one the HIS lost, with one amount
altered; the insured demo patients as persons; the 对照 the platform held before ``day_from``; and the
settlement list of the settlement that is cancelled after its list was uploaded.

Same ``(database, day, seed, settlements)`` → identical rows (one ``random.Random`` and one seeded
``Faker("zh_CN")`` consumed in a fixed order; everything read from the database is ordered by key).

CLI: ``python -m demo.his.insurance --url URL --day 2026-11-24 [--seed 42] [--settlements 200]`` prints the
counts and the edge cases' ids (never names, ID numbers or phones).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from faker import Faker
from sqlalchemy import Connection, Engine, func, select

from demo.his import idcard, refdata
from demo.his import insurance_refdata as ir
from demo.his import schema as s
from demo.his.generate import PiiValues

if TYPE_CHECKING:  # pragma: no cover
    from simulators.hsa.state import SimState

#: the demo hospital's 定点医药机构编号 (the simulator's default and the tests' settings)
FIXMEDINS_CODE = "H36010000001"
#: the platform's fund_pay_sumamt of the amount_diff case is this much lower than the HIS's
AMOUNT_DIFF = Decimal("12.30")
#: 结算清单 upload deadline (days after discharge) the planted cases are built around
LIST_DEADLINE_DAYS = 30
#: the overdue discharge is this many days before ``day``
OVERDUE_DAYS = 36
MIN_SETTLEMENTS = 40
OLD_STAYS = 14  # discharged between day-25 and day-2
ONGOING_STAYS = 4
LOCAL_ADMDVS = "360100"

_Q2 = Decimal("0.01")
_ZERO = Decimal("0.00")
_RATIOS = {
    ("310", "O"): Decimal("0.70"),
    ("390", "O"): Decimal("0.50"),
    ("310", "I"): Decimal("0.85"),
    ("390", "I"): Decimal("0.70"),
}
_MY_TABLES = (
    "patient", "drug_dict", "charge_item", "catalog_map", "insu_item_limit", "inpatient_stay", "stay_diagnosis",
    "stay_operation", "insu_settlement", "fee_detail",
)  # fmt: skip


@dataclass(frozen=True)
class InsuranceEdgeCases:
    """Ids of the planted cases (settlement ids, fee ids, 对照 ids, HIS codes — never names). "On day" means the
    settlement's ``setl_time`` (and for fee lines the ``fee_time``) is on ``day``."""

    # -- reconciliation of ``day`` (all in 结算经办机构 360100)
    #: setl_id (outpatient, 310) the HIS has and the platform does not
    recon_his_only: str
    #: setl_id (outpatient, 390) only the platform has (seed_platform adds it) …
    recon_platform_only: str
    #: … for this visit, whose fee lines the HIS left unsettled (setl_id NULL)
    recon_platform_only_mdtrt_id: str
    #: setl_id (inpatient, 310) whose fund_pay_sumamt the platform has AMOUNT_DIFF lower
    recon_amount_diff: str
    #: setl_id of an outpatient settlement cancelled on day (status cancelled) …
    settlement_cancelled: str
    #: … and its cancellation row on day (refd_setl_flag 1, cancel_of set)
    settlement_cancellation: str
    # -- settlement list 4101A / 4102
    #: inpatient setl_ids discharged within the deadline, complete, live
    setl_list_valid: tuple[str, ...]
    #: those of them discharged on day
    setl_list_valid_on_day: tuple[str, ...]
    #: setl_id (discharged on day) whose stay has no main diagnosis: quarantine
    setl_list_no_main_diag: str
    #: setl_id discharged and settled OVERDUE_DAYS before day, complete: overdue
    setl_list_overdue: str
    #: setl_id discharged and settled on day-3, cancelled on day: its list needs 4102 …
    setl_list_cancelled: str
    #: … the cancellation row (on day)
    setl_list_cancellation: str
    # -- 目录对照 (catalog_map.map_id) and 未对照 ranking (HIS codes)
    #: map_ids added on day: two new charge items and one drug
    catalog_new: tuple[str, ...]
    #: (old map_id withdrawn on day, new map_id active from day), same item
    catalog_changed: tuple[str, str]
    #: map_id withdrawn on day (its item stopped, is_active 0)
    catalog_withdrawn: str
    #: map_id added on day with a malformed national code
    catalog_malformed: str
    #: active 未对照 codes used in the last 30 days, by fee amount, highest first
    uncoded_ranking: tuple[str, ...]
    #: 未对照 codes not to rank: used only 36+ days ago, never used, stopped
    uncoded_not_ranked: tuple[str, ...]
    # -- fund self-check on day: one positive per rule (fee_id unless said otherwise) …
    #: 限女性 TCT billed to a man (outpatient)
    check_gender: str
    #: 小儿推拿 (max 14) billed to an adult (outpatient)
    check_age: str
    #: two 床位费 lines on day for one stay: (regular, the duplicate)
    check_once_per_day: tuple[str, str]
    #: 末梢血糖 qty 12 (daily max 8) in one line
    check_over_daily_qty: str
    #: a 大换药 charged 35 minutes after the stay's dscg_time
    check_after_discharge: str
    #: setl_id: outpatient settlement on day inside the patient's stay …
    check_outpatient_in_stay: str
    #: … this stay (adm_id), discharged on day after the outpatient visit
    check_outpatient_in_stay_adm: str
    #: 阿卡波糖片 (限 E11) on an outpatient settlement whose diagnosis is I10
    check_indication: str
    # … and near-misses that must not be flagged
    #: TCT billed to a woman
    near_gender: str
    #: 小儿推拿 for a child of 12 or less (or 老年综合评估 for 65+ when no child was seen)
    near_age: str
    #: the single 床位费 line on day of another stay
    near_once_per_day: str
    #: 末梢血糖 qty 8 (= the daily max) on day
    near_daily_qty: str
    #: 出院带药 charged at exactly the discharge time
    near_after_discharge: str
    #: setl_id: outpatient on day, the patient's stay was discharged on day-1
    near_outpatient_after_stay: str
    #: 阿卡波糖片: outpatient main diagnosis E11; inpatient other diagnosis E11
    near_indication: tuple[str, str]


@dataclass(frozen=True)
class InsuranceSummary:
    day: date
    seed: int
    settlements: int  # the target given
    counts: dict[str, int]  # rows written per table (patient and drug_dict: rows added)
    edge_cases: InsuranceEdgeCases
    pii: PiiValues  # names, ID numbers and phones written (new ward patients, contact persons)


def q2(value: Decimal) -> Decimal:
    return value.quantize(_Q2, ROUND_HALF_UP)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def insutype_for(psn_no: str, birth_date: date | None, on: date) -> str:
    """The demo's 险种 of an insured patient: children are 城乡居民 (390); adults 职工 (310) or 居民 by psn_no."""
    if birth_date is not None and age_on(birth_date, on) < 18:
        return "390"
    return "310" if int(psn_no[-1]) < 6 else "390"


def split_amounts(
    medfee: Decimal, covered: Decimal, insutype: str, visit_kind: str, setl_id: str
) -> tuple[Decimal, Decimal, Decimal]:
    """fund_pay_sumamt, acct_pay, psn_cash_pay of a settlement (they add up to ``medfee``). ``covered`` is the
    amount of its lines with a national code; the personal account pays for some 职工 settlements (by id)."""
    fund = q2(covered * _RATIOS.get((insutype, visit_kind), Decimal("0.60")))
    rest = medfee - fund
    acct = _ZERO
    if insutype == "310":
        if visit_kind == "O":
            acct = rest if int(setl_id[-1]) % 3 else _ZERO
        elif int(setl_id[-1]) % 2:
            acct = q2(rest / 2)
    return fund, acct, rest - acct


# ------------------------------------------------------------------------------------------------ in memory


class _Patient(NamedTuple):
    patient_id: str
    gender: str
    birth_date: date
    psn_no: str
    insuplc: str
    insutype: str


class _Reg(NamedTuple):
    reg_id: str
    patient: _Patient
    dept_code: str
    doctor_code: str | None
    visit_date: date
    start: datetime  # when the patient was there (sign-in)


class _DrugRow(NamedTuple):
    code: str
    name: str
    kind: str  # X / Z / T / P (院内制剂)
    category: str
    price: Decimal
    coded: bool


class _Item(NamedTuple):
    kind: str  # drug / item / material
    code: str
    name: str
    price: Decimal
    coded: bool
    chrgitm_type: str | None


@dataclass
class _Line:
    seq: int
    item: _Item
    fee_time: datetime
    qty: Decimal
    dept: str
    doctor: str
    fee_id: str = ""

    @property
    def amount(self) -> Decimal:
        return q2(self.qty * self.item.price)


@dataclass
class _Bill:
    """What one settlement covers (or, unsettled, the fee lines of a visit so far)."""

    seq: int
    visit_kind: str  # O / I
    patient: _Patient
    mdtrt_id: str
    dept: str
    doctor: str
    med_type: str
    main_diag: str | None
    diag_codes: tuple[str, ...]
    reg_id: str | None = None
    adm_id: str | None = None
    lines: list[_Line] = field(default_factory=list)
    setl_time: datetime | None = None  # None: not settled
    cancel_time: datetime | None = None  # cancelled later (a cancellation row at this time)
    in_his: bool = True  # False: the HIS lost it (platform_only)
    special: bool = False  # a planted case: not used for background plantings
    setl_id: str = ""
    cancel_setl_id: str = ""


@dataclass
class _Stay:
    adm_id: str
    patient: _Patient
    ward: str
    case: ir.WardCase
    adm_time: datetime
    dscg_time: datetime | None
    diags: list[tuple[ir.Diag, str]]  # (diagnosis, maindiag_flag)
    doctor: str
    nurse: str
    bill: _Bill
    ops: list[dict[str, Any]] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ entry point


def generate_insurance(
    engine: Engine, day: date, *, seed: int = 42, settlements: int = 200
) -> InsuranceSummary:
    """Add the 医保 settlement data for ``day`` to a demo HIS filled by :func:`demo.his.generate.generate`.

    :param engine: the demo HIS database (SQLite or PostgreSQL).
    :param day: the demo day (the one ``generate`` was run for).
    :param seed: same seed, database and arguments → identical rows.
    :param settlements: about how many settlements to make on ``day - 1`` and ``day`` (outpatient ones are at most
        three per insured visit, so a small demo HIS gets fewer).
    :raises ValueError: if the database holds no demo HIS, already holds 医保 data, has too few insured visits
        on ``day`` for the planted cases, or ``settlements`` is below :data:`MIN_SETTLEMENTS`.
    """
    if settlements < MIN_SETTLEMENTS:
        raise ValueError(f"settlements must be at least {MIN_SETTLEMENTS}, got {settlements}")
    s.create_schema(engine)
    with engine.begin() as conn:
        if not conn.execute(select(func.count()).select_from(s.registration)).scalar_one():
            raise ValueError("the database holds no demo HIS; run demo.his.generate first")
        if conn.execute(select(func.count()).select_from(s.insu_settlement)).scalar_one():
            raise ValueError("the database already holds 医保 settlement data; drop the demo tables first")
        gen = _Generator(conn, day, seed, settlements)
        edge = gen.run()
        counts = gen.write(conn)
    return InsuranceSummary(day, seed, settlements, counts, edge, gen.pii())


class _Generator:
    def __init__(self, conn: Connection, day: date, seed: int, settlements: int) -> None:
        self.day = day
        self.prev = day - timedelta(days=1)
        self.target = settlements
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed + 7)
        self.ref_time = datetime.combine(day - timedelta(days=30), time(9, 0))
        self._seq: dict[str, int] = {}
        self.bills: list[_Bill] = []
        self.stays: list[_Stay] = []
        self.new_patients: list[dict[str, Any]] = []
        self.used: dict[tuple[str, date, str, str], Decimal] = {}
        self.blocked: dict[str, list[tuple[date, date]]] = {}
        self.edge: dict[str, Any] = {}
        self._names: dict[str, None] = {}
        self._ids: dict[str, None] = {}
        self._phones: dict[str, None] = {}
        self._line_seq = 0
        self.load(conn)

    # -------------------------------------------------------------------------------------------- helpers

    def next_seq(self, key: str) -> int:
        self._seq[key] = self._seq.get(key, 0) + 1
        return self._seq[key]

    def at(self, d: date, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(d, time(hh, mm))

    def minutes(self, lo: float, hi: float) -> timedelta:
        return timedelta(seconds=int(self.rng.uniform(lo, hi) * 60))

    def between(self, lo: datetime, hi: datetime) -> datetime:
        if hi <= lo:
            return lo
        return lo + timedelta(seconds=self.rng.randrange(int((hi - lo).total_seconds())))

    def pii(self) -> PiiValues:
        return PiiValues(tuple(self._names), tuple(self._ids), tuple(self._phones))

    # -------------------------------------------------------------------------------------------- load

    def load(self, conn: Connection) -> None:
        day = self.day
        self.existing_ids = {r[0] for r in conn.execute(select(s.patient.c.id_card_no)) if r[0]}
        self.existing_psn = {r[0] for r in conn.execute(select(s.patient.c.psn_no)) if r[0]}
        self.existing_pids = {r[0] for r in conn.execute(select(s.patient.c.patient_id))}
        self.staff: dict[tuple[str, str], list[str]] = {}
        for code, dept, role in conn.execute(
            select(s.staff.c.staff_code, s.staff.c.dept_code, s.staff.c.role).order_by(s.staff.c.staff_code)
        ):
            self.staff.setdefault((dept, role), []).append(code)
        by_name = {d.name: d for d in refdata.DRUGS}
        self.drugs: list[_DrugRow] = []
        self.drug_maps: list[tuple[str, str, str]] = []  # (drug_code, list_type, national code)
        dd = s.drug_dict.c
        for code, name, cat, national, price, active in conn.execute(
            select(
                dd.drug_code, dd.drug_name, dd.drug_cat, dd.med_list_codg, dd.retail_price, dd.is_active
            ).order_by(dd.drug_code)
        ):
            if national is not None:
                self.drug_maps.append((code, "102" if cat == "中药饮片" else "101", national))
            ref = by_name.get(name)
            if ref is not None and active:
                self.drugs.append(
                    _DrugRow(code, name, ref.kind, ref.category, q2(Decimal(price)), national is not None)
                )
        if not self.drugs:
            raise ValueError("the demo HIS has no drugs; run demo.his.generate first")
        q = (
            select(s.registration.c.reg_id, s.registration.c.patient_id, s.registration.c.dept_code,
                   s.registration.c.doctor_code, s.registration.c.visit_date, s.registration.c.reg_time,
                   s.registration.c.sign_in_time, s.patient.c.gender, s.patient.c.birth_date, s.patient.c.psn_no,
                   s.patient.c.insuplc_admdvs)
            .join(s.patient, s.patient.c.patient_id == s.registration.c.patient_id)
            .where(s.patient.c.psn_no.is_not(None), s.registration.c.status == "normal",
                   s.registration.c.visit_status.in_(("done", "called")),
                   s.registration.c.visit_date.in_((self.prev, day)))
            .order_by(s.registration.c.reg_id)
        )  # fmt: skip
        self.regs: list[_Reg] = []
        for r in conn.execute(q):
            p = _Patient(r.patient_id, r.gender, r.birth_date, r.psn_no, r.insuplc_admdvs or LOCAL_ADMDVS,
                         insutype_for(r.psn_no, r.birth_date, day))  # fmt: skip
            start = r.sign_in_time or r.reg_time
            start = max(start, self.at(r.visit_date, 7, 30))
            self.regs.append(_Reg(r.reg_id, p, r.dept_code, r.doctor_code, r.visit_date, start))

    # -------------------------------------------------------------------------------------------- run

    def run(self) -> InsuranceEdgeCases:
        self.dictionaries()
        self.choose_planted_visits()
        self.inpatient()
        self.outpatient()
        self.planted_outpatient()
        self.plant_uncoded_usage()
        self.number()
        return self.edge_cases()

    # -------------------------------------------------------------------------------------------- dictionaries

    def dictionaries(self) -> None:
        day = self.day
        self.items: dict[str, _Item] = {}
        self.item_rows: list[dict[str, Any]] = []
        for ref in ir.CHARGE_ITEMS:
            self.items[ref.code] = _Item(ref.kind, ref.code, ref.name, Decimal(ref.price), ref.national is not None,
                                         ref.chrgitm_type)  # fmt: skip
            updated = self.ref_time
            active = 1
            if ref.code in ir.NEW_ON_DAY:
                updated = self.at(day, 9, 50)
            elif ref.code == ir.MRI:
                updated = self.at(day, 9, 12)
            elif ref.code == ir.WITHDRAWN:
                updated, active = self.at(day, 9, 40), 0
            self.item_rows.append({
                "item_code": ref.code, "item_name": ref.name, "item_kind": ref.kind,
                "med_chrgitm_type": ref.chrgitm_type, "unit": ref.unit, "spec": ref.spec, "price": Decimal(ref.price),
                "med_list_codg": ref.national, "is_active": active, "updated_at": updated,
            })  # fmt: skip
        prep = ir.PREPARATION
        self.preparation = _Item("drug", prep["drug_code"], prep["drug_name"], Decimal(prep["retail_price"]), False,
                                 None)  # fmt: skip
        self.drug_items = {d.code: _Item("drug", d.code, d.name, d.price, d.coded, None) for d in self.drugs}
        self.limits: dict[tuple[str, str], ir.LimitRef] = {}
        for code, lim in ir.ITEM_LIMITS.items():
            self.limits[(self.items[code].kind, code)] = lim
        for d in self.drugs:
            if d.name in ir.DRUG_LIMITS:
                self.limits[("drug", d.code)] = ir.DRUG_LIMITS[d.name]
        self.limit_rows = [
            {"item_kind": kind, "item_code": code, "gender_limit": lim.gender_limit, "min_age": lim.min_age,
             "max_age": lim.max_age, "daily_max_qty": None if lim.daily_max_qty is None else Decimal(lim.daily_max_qty),
             "indication_diag": lim.indication_diag, "limit_note": lim.limit_note,
             "updated_at": self.ref_time - timedelta(days=70)}
            for (kind, code), lim in sorted(self.limits.items())
        ]  # fmt: skip
        self.indicated = [d for d in self.drugs if d.name == ir.INDICATED_DRUG and d.coded]
        if not self.indicated:
            raise ValueError(f"the demo HIS has no coded {ir.INDICATED_DRUG}")
        self.catalogue()

    def catalogue(self) -> None:
        day, rng = self.day, self.rng
        self.map_rows: list[dict[str, Any]] = []
        clerks = self.staff.get(("3050", "pharmacist"), []) + self.staff.get(("3050", "clerk"), [])
        far = date(2099, 12, 31)

        def add(kind: str, code: str, list_type: str, national: str, begn: date, end: date, status: str,
                updated: datetime) -> str:  # fmt: skip
            map_id = f"DZ{self.next_seq('map'):08d}"
            self.map_rows.append({
                "map_id": map_id, "item_kind": kind, "item_code": code, "list_type": list_type,
                "med_list_codg": national, "begndate": begn, "enddate": end, "status": status,
                "operator_code": rng.choice(clerks) if clerks else None, "updated_at": updated,
            })  # fmt: skip
            return map_id

        def long_ago() -> tuple[date, datetime]:
            begn = day - timedelta(days=rng.randint(400, 900))
            return begn, datetime.combine(begn, time(rng.randint(8, 17), rng.randint(0, 59)))

        new_drug = rng.choice([c for c, lt, _ in self.drug_maps if lt == "101"])
        new_ids = []
        for code, list_type, national in self.drug_maps:
            if code == new_drug:
                continue
            begn, updated = long_ago()
            add("drug", code, list_type, national, begn, far, "active", updated)
        list_types = {"item": "201", "material": "301"}
        for ref in ir.CHARGE_ITEMS:
            lt = list_types[ref.kind]
            if ref.code == ir.CT_CHEST:  # changed long ago: history that no run of the demo day touches
                begn, _ = long_ago()
                changed = day - timedelta(days=200)
                when = datetime.combine(changed, time(10, 30))
                add(
                    ref.kind,
                    ref.code,
                    lt,
                    ir.CT_CHEST_OLD_CODE,
                    begn,
                    changed - timedelta(days=1),
                    "withdrawn",
                    when,
                )
                add(ref.kind, ref.code, lt, str(ref.national), changed, far, "active", when)
            elif ref.code == ir.MRI:
                begn, _ = long_ago()
                old = add(ref.kind, ref.code, lt, ir.MRI_OLD_CODE, begn, day - timedelta(days=1), "withdrawn",
                          self.at(day, 9, 12))  # fmt: skip
                new = add(ref.kind, ref.code, lt, ir.MRI_NEW_CODE, day, far, "active",
                          self.at(day, 9, 12) + timedelta(seconds=30))  # fmt: skip
                self.edge["catalog_changed"] = (old, new)
            elif ref.code == ir.WITHDRAWN:
                begn, _ = long_ago()
                self.edge["catalog_withdrawn"] = add(
                    ref.kind,
                    ref.code,
                    lt,
                    ir.WITHDRAWN_CODE,
                    begn,
                    day - timedelta(days=1),
                    "withdrawn",
                    self.at(day, 9, 40),
                )
            elif ref.code in ir.NEW_ON_DAY:
                map_id = add(ref.kind, ref.code, lt, str(ref.national), day, far, "active",
                             self.at(day, 10, 0) + self.minutes(0, 50))  # fmt: skip
                if ref.code == ir.MALFORMED:
                    self.edge["catalog_malformed"] = map_id
                else:
                    new_ids.append(map_id)
            elif ref.national is not None:
                begn, updated = long_ago()
                add(ref.kind, ref.code, lt, ref.national, begn, far, "active", updated)
        national = next(n for c, _, n in self.drug_maps if c == new_drug)
        new_ids.append(add("drug", new_drug, "101", national, day, far, "active", self.at(day, 11, 5)))
        self.edge["catalog_new"] = tuple(new_ids)

    # -------------------------------------------------------------------------------------------- limits

    def allowed(self, bill: _Bill, item: _Item, qty: Decimal, when: datetime) -> bool:
        """Would this line keep the data clean (every 医保 limit met, one 床位费 a day)?"""
        p = bill.patient
        used = self.used.get((p.patient_id, when.date(), item.kind, item.code), _ZERO)
        if item.chrgitm_type == "01" and used + qty > 1:
            return False
        lim = self.limits.get((item.kind, item.code))
        if lim is None:
            return True
        age = age_on(p.birth_date, when.date())
        if lim.gender_limit is not None and p.gender != lim.gender_limit:
            return False
        if (lim.min_age is not None and age < lim.min_age) or (lim.max_age is not None and age > lim.max_age):
            return False
        if lim.daily_max_qty is not None and used + qty > lim.daily_max_qty:
            return False
        if lim.indication_diag is not None:
            prefixes = [x.strip() for x in lim.indication_diag.split(",")]
            if not any(d.startswith(x) for d in bill.diag_codes for x in prefixes):
                return False
        return True

    def add_line(self, bill: _Bill, item: _Item, when: datetime, qty: int | Decimal = 1, *,
                 check: bool = True) -> _Line | None:  # fmt: skip
        q = Decimal(qty)
        if check and not self.allowed(bill, item, q, when):
            return None
        key = (bill.patient.patient_id, when.date(), item.kind, item.code)
        self.used[key] = self.used.get(key, _ZERO) + q
        self._line_seq += 1
        line = _Line(self._line_seq, item, when, q, bill.dept, bill.doctor)
        bill.lines.append(line)
        return line

    def drop_lines(self, bill: _Bill, code: str, on: date) -> None:
        for line in [x for x in bill.lines if x.item.code == code and x.fee_time.date() == on]:
            bill.lines.remove(line)
            key = (bill.patient.patient_id, on, line.item.kind, code)
            self.used[key] -= line.qty

    def drug_pool(self, classes: Sequence[str]) -> list[_Item]:
        out = []
        for d in self.drugs:
            if not d.coded or d.kind == "T":
                continue
            if ("Z" in classes and d.kind == "Z") or (
                d.kind == "X" and d.category.startswith(tuple(classes))
            ):
                out.append(self.drug_items[d.code])
        return out

    # -------------------------------------------------------------------------------------------- patients

    def new_patient(self, ref: datetime, *, insutype: str | None = None, local: bool = False) -> _Patient:
        """A ward patient the outpatient day never saw (so no outpatient settlement falls into the stay)."""
        rng = self.rng
        age_days = int(rng.triangular(18 * 365.25, 92 * 365.25, 66 * 365.25))
        birth = ref.date() - timedelta(days=age_days)
        gender = "1" if rng.random() < 0.5 else "2"
        area = rng.choice(tuple(idcard.NANCHANG_AREAS))
        while True:
            id_no = idcard.make_id_card_no(
                area, birth, rng.randrange(0, 500) * 2 + (1 if gender == "1" else 0)
            )
            if id_no not in self.existing_ids:
                break
        while True:
            psn_no = f"36{rng.randrange(10**17, 10**18)}"
            if psn_no in self.existing_psn:
                continue
            if insutype is None or insutype_for(psn_no, birth, self.day) == insutype:
                break
        r = rng.random()
        if local or r < 0.85:
            insuplc = LOCAL_ADMDVS
        elif r < 0.95:
            insuplc = rng.choice(("360400", "360700", "361100"))
        else:
            insuplc = rng.choice(("330100", "440300", "430100"))
        while True:
            pid = f"{30_000_000 + self.next_seq('patient'):010d}"
            if pid not in self.existing_pids:
                break
        self.existing_ids.add(id_no)
        self.existing_psn.add(psn_no)
        name = self.fake.name_male() if gender == "1" else self.fake.name_female()
        phone = self.fake.phone_number()
        self._names[name] = None
        self._ids[id_no] = None
        self._phones[phone] = None
        created = ref - timedelta(days=rng.randint(0, 1800), minutes=rng.randint(30, 600))
        self.new_patients.append({
            "patient_id": pid, "name": name, "gender": gender, "birth_date": birth, "id_card_no": id_no,
            "phone": phone, "address": self.address(id_no), "psn_no": psn_no, "insuplc_admdvs": insuplc,
            "created_at": created,
        })  # fmt: skip
        return _Patient(pid, gender, birth, psn_no, insuplc, insutype_for(psn_no, birth, self.day))

    def address(self, id_no: str) -> str:
        rng = self.rng
        district = idcard.NANCHANG_AREAS.get(id_no[:6], "东湖区")
        unit = f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
        return f"江西省南昌市{district}{rng.choice(refdata.STREETS)}{rng.randint(1, 999)}号{unit}"

    # -------------------------------------------------------------------------------------------- planted visits

    def choose_planted_visits(self) -> None:
        """Insured outpatient visits on ``day`` for the planted outpatient cases, one patient per case."""
        self.pool = [r for r in self.regs if r.visit_date == self.day]
        self.taken: set[str] = set()
        self.taken_patients: set[str] = set()
        day = self.day

        def adult(r: _Reg, lo: int = 18) -> bool:
            return age_on(r.patient.birth_date, day) >= lo

        def local(r: _Reg) -> bool:
            return r.patient.insuplc == LOCAL_ADMDVS

        self.v_his_only = self.take(lambda r: local(r) and r.patient.insutype == "310", local)
        self.v_platform_only = self.take(lambda r: local(r) and r.patient.insutype == "390", local)
        self.v_cancelled = self.take(lambda r: True)
        self.v_gender = self.take(lambda r: r.patient.gender == "1" and adult(r))
        self.v_gender_near = self.take(lambda r: r.patient.gender == "2" and adult(r))
        self.v_age = self.take(lambda r: adult(r, 20))
        self.v_age_near = self.take(lambda r: age_on(r.patient.birth_date, day) <= 12,
                                    lambda r: age_on(r.patient.birth_date, day) >= 65)  # fmt: skip
        self.v_indication = self.take(lambda r: adult(r) and r.dept_code in ("1010", "2010"), adult)
        self.v_indication_near = self.take(lambda r: adult(r) and r.dept_code in ("1040", "2020"), adult)
        self.v_in_stay = self.take(lambda r: adult(r) and r.start.hour < 14, adult)
        self.v_after_stay = self.take(adult)

    def take(self, *preds: Callable[[_Reg], bool]) -> _Reg:
        for pred in preds:
            options = [r for r in self.pool
                       if r.reg_id not in self.taken and r.patient.patient_id not in self.taken_patients and pred(r)]  # fmt: skip
            if options:
                r = self.rng.choice(options)
                self.taken.add(r.reg_id)
                self.taken_patients.add(r.patient.patient_id)
                return r
        raise ValueError(
            f"the demo HIS has too few insured outpatient visits on {self.day} for the 医保 edge cases; "
            "generate it with a larger scale"
        )

    # -------------------------------------------------------------------------------------------- inpatient

    def inpatient(self) -> None:
        rng, day = self.rng, self.day
        wards = tuple(ir.WARD_CASES)

        def regular(dscg_day: date, **kw: Any) -> _Stay:
            ward = kw.pop("ward", None) or rng.choice(wards)
            case = kw.pop("case", None) or rng.choice(ir.WARD_CASES[ward])
            los = rng.randint(3, 11)
            adm = self.at(dscg_day - timedelta(days=los), rng.randint(8, 19), rng.randint(0, 59))
            dscg = kw.pop("dscg", None) or self.at(dscg_day, rng.randint(9, 11), rng.randint(0, 59))
            patient = self.new_patient(adm, **kw.pop("who", {}))
            return self.stay(ward, case, patient, adm, dscg, **kw)

        # planted stays discharged on day (self-check, settlement list, reconciliation)
        diabetic = next(c for c in ir.WARD_CASES["4030"] if c.main == ir.DIABETES)
        s_dup = regular(day, special=True)
        dup_bed = next(x for x in s_dup.bill.lines if x.item.code == ir.BED and x.fee_time.date() == day)
        dup = self.add_line(s_dup.bill, self.items[ir.BED], self.at(day, 8, 30), check=False)
        self.edge["check_once_per_day"] = (dup_bed, dup)

        s_qty = regular(day, ward="4030", case=diabetic, special=True)
        self.drop_lines(s_qty.bill, ir.GLUCOSE, day)
        self.edge["check_over_daily_qty"] = self.add_line(
            s_qty.bill, self.items[ir.GLUCOSE], self.between(self.at(day, 6, 30), s_qty.dscg_time - timedelta(hours=1)),
            12, check=False)  # fmt: skip
        self.edge["near_once_per_day"] = next(
            x for x in s_qty.bill.lines if x.item.code == ir.BED and x.fee_time.date() == day
        )

        s_after = regular(day, dscg=self.at(day, 9, 30), special=True)
        self.edge["check_after_discharge"] = self.add_line(
            s_after.bill, self.items[ir.DRESSING], self.at(day, 10, 5), check=False
        )

        cardio = ir.WARD_CASES["4010"][2]
        s_near = regular(day, ward="4010", case=cardio, extra=(ir.DIABETES,), special=True)
        assert s_near.dscg_time is not None
        self.drop_lines(s_near.bill, ir.GLUCOSE, day)
        self.edge["near_daily_qty"] = self.add_line(
            s_near.bill, self.items[ir.GLUCOSE], self.at(day, 7, 0), 8
        )
        self.edge["near_after_discharge"] = self.add_line(
            s_near.bill, self.drug_items[rng.choice(self.drug_pool(cardio.drugs)).code], s_near.dscg_time
        )
        acarbose = self.drug_items[rng.choice(self.indicated).code]
        near_ipt = self.add_line(s_near.bill, acarbose, self.at(day, 7, 30))
        assert near_ipt is not None, "a stay with an E11 diagnosis may have 阿卡波糖片"
        self.near_ipt = near_ipt

        s_amount = regular(day, who={"insutype": "310", "local": True}, special=True)
        self.edge["recon_amount_diff"] = s_amount.bill
        s_nomain = regular(day, no_main=True, special=True)
        self.edge["setl_list_no_main_diag"] = s_nomain.bill

        # an outpatient visit on day inside a stay of the same patient; one on day after a stay that ended day-1
        v = self.v_in_stay
        out_time = v.start + self.minutes(15, 50)
        s_in = self.stay(rng.choice(wards), None, v.patient,
                         self.at(day - timedelta(days=4), rng.randint(9, 16), rng.randint(0, 59)),
                         min(max(out_time + timedelta(hours=2), self.at(day, 16, 0)), self.at(day, 21, 0)),
                         special=True)  # fmt: skip
        self.out_in_stay_time = out_time
        self.edge["check_outpatient_in_stay_adm"] = s_in.adm_id
        v2 = self.v_after_stay
        self.stay(rng.choice(wards), None, v2.patient,
                  self.at(day - timedelta(days=6), rng.randint(9, 16), rng.randint(0, 59)),
                  self.at(self.prev, rng.randint(9, 10), rng.randint(0, 59)), special=True)  # fmt: skip

        # the settlement list's overdue discharge and the settlement cancelled after its list was uploaded
        overdue = regular(day - timedelta(days=OVERDUE_DAYS), special=True)
        self.edge["setl_list_overdue"] = overdue.bill
        self.overdue_stay = overdue
        cancelled = regular(day - timedelta(days=3), special=True)
        cancelled.bill.cancel_time = self.at(day, rng.randint(9, 11), rng.randint(0, 59))
        self.edge["setl_list_cancelled"] = cancelled.bill

        # the ward's ordinary days
        n = max(4, self.target // 8)
        for i in range(n):
            regular(day if i % 2 == 0 else self.prev)
        for i in range(OLD_STAYS):
            regular(day - timedelta(days=2 + round(i * 23 / (OLD_STAYS - 1))))
        for _ in range(ONGOING_STAYS):
            ward = rng.choice(wards)
            adm = self.at(day - timedelta(days=rng.randint(1, 8)), rng.randint(8, 19), rng.randint(0, 59))
            self.stay(ward, rng.choice(ir.WARD_CASES[ward]), self.new_patient(adm), adm, None)

    def stay(self, ward: str, case: ir.WardCase | None, patient: _Patient, adm: datetime, dscg: datetime | None,
             *, extra: Sequence[ir.Diag] = (), no_main: bool = False, special: bool = False) -> _Stay:  # fmt: skip
        rng = self.rng
        case = case or rng.choice(ir.WARD_CASES[ward])
        n = self.next_seq("stay")
        adm_id = f"ZY{adm:%Y%m%d}{n:04d}"
        others = [
            d for d in rng.sample(case.others, rng.randint(0, len(case.others))) if d.code != case.main.code
        ]
        others += [d for d in extra if d.code not in {o.code for o in others}]
        diags = [(case.main, "0" if no_main else "1")] + [(d, "0") for d in others]
        staff_depts = ir.WARD_STAFF[ward]
        doctors = [c for d in staff_depts for c in self.staff.get((d, "doctor"), [])]
        nurses = [c for d in staff_depts for c in self.staff.get((d, "nurse"), [])]
        doctor, nurse = rng.choice(doctors), rng.choice(nurses)
        mdtrt_id = f"3601{adm:%y%m%d}3{self.next_seq('mdtrt'):09d}"
        bill = _Bill(self.next_seq("bill"), "I", patient, mdtrt_id, ward, doctor, "21",
                     None if no_main else case.main.code, tuple(d.code for d, _ in diags), adm_id=adm_id,
                     special=special)  # fmt: skip
        st = _Stay(adm_id, patient, ward, case, adm, dscg, diags, doctor, nurse, bill)
        end = dscg.date() if dscg else self.day
        self.blocked.setdefault(patient.patient_id, []).append((adm.date(), end))
        # fees: the night's bed and nursing billed at 00:05 next morning, the day's care in between
        hi_cap = dscg - timedelta(minutes=30) if dscg else self.at(self.day, 11, 0)
        op_day = adm.date() + timedelta(days=1) if case.operation else None
        d = adm.date()
        night = 0
        diabetic = any(c.startswith("E11") for c in bill.diag_codes)
        pool = self.drug_pool(case.drugs)
        while d <= end:
            if d > adm.date():
                night += 1
                self.add_line(bill, self.items[ir.BED], self.at(d, 0, 5))
                level = case.nursing if night <= 2 else ir.NURSING_2
                self.add_line(bill, self.items[level], self.at(d, 0, 10))
            lo = max(adm + timedelta(minutes=10), self.at(d, 7, 30))
            hi = min(self.at(d, 20, 0), hi_cap)
            if hi > lo:
                if d == adm.date():
                    tests = ["XM0020", "XM0022", "XM0023", "XM0030"]
                    tests.append({"4010": "XM0031", "4020": ir.CT_CHEST, "4030": "XM0033"}[ward])
                    for code in tests:
                        self.add_line(bill, self.items[code], self.between(lo, hi))
                if d == op_day and case.operation is not None and hi - lo > timedelta(hours=3):
                    begin = self.between(lo, hi - timedelta(hours=3))
                    finish = begin + self.minutes(50, 170)
                    op = case.operation
                    anst = (
                        rng.choice([c for c in doctors if c != doctor] or doctors)
                        if op.anst_way == "1"
                        else None
                    )
                    st.ops.append({
                        "adm_id": adm_id, "seq_no": 1, "oprn_oprt_type": "1", "oprn_oprt_code": op.code,
                        "oprn_oprt_name": op.name, "begin_time": begin, "end_time": finish, "anst_way": op.anst_way,
                        "oper_dr_code": doctor, "anst_dr_code": anst,
                    })  # fmt: skip
                    for code in op.items:
                        self.add_line(bill, self.items[code], finish)
                for drug in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
                    self.add_line(bill, drug, self.between(lo, hi), rng.choice((1, 1, 2)))
                if night < 3 and rng.random() < 0.6:
                    when, k = self.between(lo, hi), rng.randint(1, 2)
                    self.add_line(bill, self.items[ir.IV_DRIP], when, k)
                    self.add_line(bill, self.items[ir.INFUSION_SET], when, k)
                if diabetic:
                    self.add_line(bill, self.items[ir.GLUCOSE], self.between(lo, hi), 4)
            d += timedelta(days=1)
        if dscg is not None:
            bill.setl_time = dscg + self.minutes(15, 60)
        self.bills.append(bill)
        self.stays.append(st)
        return st

    # -------------------------------------------------------------------------------------------- outpatient

    def diag_for(self, reg: _Reg) -> ir.Diag:
        options = [d for d in ir.OTP_DIAGS[reg.dept_code] if d.gender in (None, reg.patient.gender)]
        return self.rng.choice(options or ir.GENERAL)

    def doctor_for(self, reg: _Reg) -> str:
        return reg.doctor_code or self.rng.choice(self.staff[(reg.dept_code, "doctor")])

    def otp_bill(self, reg: _Reg, when: datetime, part: int, parts: int, diag: ir.Diag, mdtrt_id: str,
                 *, special: bool = False) -> _Bill:  # fmt: skip
        """One outpatient settlement at ``when``: the visit's fee (first), tests and drugs."""
        rng = self.rng
        med_type = "13" if reg.dept_code == refdata.EMERGENCY_DEPT else "11"
        bill = _Bill(self.next_seq("bill"), "O", reg.patient, mdtrt_id, reg.dept_code, self.doctor_for(reg),
                     med_type, diag.code, (diag.code,), reg_id=reg.reg_id, setl_time=when, special=special)  # fmt: skip

        def fee_time() -> datetime:
            return max(when - self.minutes(1, 25), self.at(when.date(), 7, 0))

        if part == 0:
            exam = ir.ER_EXAM if reg.dept_code == refdata.EMERGENCY_DEPT else ir.OTP_EXAM
            self.add_line(bill, self.items[exam], fee_time())
        if part in (0, 2) and (part == 2 or rng.random() < 0.6):
            tests = ir.OTP_ITEMS[reg.dept_code]
            for code in rng.sample(tests, min(len(tests), rng.randint(1, 2))):
                t = fee_time()
                if self.add_line(bill, self.items[code], t) and code == ir.IV_DRIP:
                    self.add_line(bill, self.items[ir.INFUSION_SET], t)
        if part == 1 or parts == 1 or (part == 2 and rng.random() < 0.5):
            pool = self.drug_pool(ir.OTP_DRUGS[reg.dept_code])
            for drug in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
                self.add_line(bill, drug, fee_time(), rng.choice((1, 1, 1, 2)))
        if not bill.lines:
            self.add_line(bill, self.items["XM0020"], fee_time())
        self.bills.append(bill)
        return bill

    def outpatient(self) -> None:
        """1–3 settlements per insured visit, until about the target (inpatient settlements count too)."""
        rng = self.rng
        window = (self.prev, self.day)
        ipt = sum(1 for b in self.bills if b.setl_time is not None and b.setl_time.date() in window)
        planted = 11
        regs = [
            r for r in self.regs if r.reg_id not in self.taken and not self.in_stay(r.patient, r.visit_date)
        ]
        remaining = max(0, self.target - ipt - planted)
        for i, reg in enumerate(regs):
            base = remaining / (len(regs) - i)
            k = int(base) + (1 if rng.random() < base - int(base) else 0)
            k = max(0, min(3, k, remaining))
            remaining -= k
            if not k:
                continue
            diag = self.diag_for(reg)
            mdtrt_id = self.otp_mdtrt(reg)
            when = reg.start + self.minutes(15, 60)
            for part in range(k):
                self.otp_bill(reg, min(when, self.at(reg.visit_date, 23, 0)), part, k, diag, mdtrt_id)
                when += self.minutes(15, 90)

    def otp_mdtrt(self, reg: _Reg) -> str:
        return f"3601{reg.visit_date:%y%m%d}1{self.next_seq('mdtrt'):09d}"

    def in_stay(self, patient: _Patient, on: date) -> bool:
        return any(a <= on <= b for a, b in self.blocked.get(patient.patient_id, ()))

    def planted_outpatient(self) -> None:
        rng = self.rng
        acarbose = self.drug_items[rng.choice(self.indicated).code]

        def visit(reg: _Reg, diag: ir.Diag | None = None, when: datetime | None = None) -> _Bill:
            when = when or min(reg.start + self.minutes(15, 60), self.at(reg.visit_date, 23, 0))
            return self.otp_bill(
                reg, when, 0, 1, diag or self.diag_for(reg), self.otp_mdtrt(reg), special=True
            )

        def late(bill: _Bill, item: _Item, qty: int = 1) -> _Line:
            assert bill.setl_time is not None
            line = self.add_line(bill, item, bill.setl_time - self.minutes(1, 5), qty, check=False)
            assert line is not None
            return line

        self.edge["recon_his_only"] = visit(self.v_his_only)
        platform_only = visit(self.v_platform_only)
        platform_only.in_his = False
        self.edge["recon_platform_only"] = platform_only
        cancelled = visit(self.v_cancelled)
        assert cancelled.setl_time is not None
        cancelled.cancel_time = cancelled.setl_time + self.minutes(20, 60)
        self.edge["settlement_cancelled"] = cancelled

        self.edge["check_gender"] = late(visit(self.v_gender), self.items[ir.TCT])
        self.edge["near_gender"] = late(visit(self.v_gender_near), self.items[ir.TCT])
        self.edge["check_age"] = late(visit(self.v_age), self.items[ir.CHILD_MASSAGE])
        near_age = visit(self.v_age_near)
        young = age_on(self.v_age_near.patient.birth_date, self.day) <= 12
        self.edge["near_age"] = late(near_age, self.items[ir.CHILD_MASSAGE if young else ir.GERIATRIC])
        self.edge["check_indication"] = late(visit(self.v_indication, ir.HYPERTENSION), acarbose)
        near_otp = late(visit(self.v_indication_near, ir.DIABETES), acarbose)
        self.edge["near_indication"] = (near_otp, self.near_ipt)
        self.edge["check_outpatient_in_stay"] = visit(self.v_in_stay, when=self.out_in_stay_time)
        self.edge["near_outpatient_after_stay"] = visit(self.v_after_stay)

    # -------------------------------------------------------------------------------------------- 未对照 usage

    def plant_uncoded_usage(self) -> None:
        """Fixed amounts of 未对照 items in the last 30 days (ranked 1200 > 420 > 162 > 60 yuan), a stopped item
        used while it was still mapped, and one item used only at the overdue discharge, 36 days ago."""
        rng, day = self.rng, self.day
        since = day - timedelta(days=25)
        stays = [st for st in self.stays if not st.bill.special and st.dscg_time is not None
                 and since <= st.dscg_time.date() <= day]  # fmt: skip
        otp = [b for b in self.bills if b.visit_kind == "O" and not b.special]

        def on_dscg_day(st: _Stay) -> datetime:
            assert st.dscg_time is not None
            lo = max(st.adm_time + timedelta(minutes=10), self.at(st.dscg_time.date(), 7, 0))
            return self.between(lo, st.dscg_time - timedelta(minutes=35))

        carer, left = self.items[ir.UNCODED_CARER_BED], 80
        ranked: list[str] = [ir.UNCODED_CARER_BED]
        for st in stays:
            nights = (st.dscg_time.date() - st.adm_time.date()).days if st.dscg_time else 0
            qty = min(nights, left)
            if qty:
                self.add_line(st.bill, carer, on_dscg_day(st), qty)
                left -= qty
            if not left:
                break
        if left:
            raise ValueError("not enough inpatient nights for the 陪护床位费 ranking case")
        for i in range(12):
            st = stays[i % len(stays)]
            self.add_line(st.bill, self.items[ir.UNCODED_DRESSING_PACK], on_dscg_day(st))
        ranked.append(ir.UNCODED_DRESSING_PACK)
        prep_bills = rng.sample(otp, min(9, len(otp)))
        for i in range(9):
            b = prep_bills[i % len(prep_bills)]
            assert b.setl_time is not None
            self.add_line(b, self.preparation, b.setl_time - self.minutes(1, 10))
        ranked.append(self.preparation.code)
        for st in rng.sample(stays, 3):
            self.add_line(st.bill, self.items[ir.UNCODED_DIET], on_dscg_day(st))
        ranked.append(ir.UNCODED_DIET)
        self.edge["uncoded_ranking"] = tuple(ranked)
        withdrawn = self.items[ir.WITHDRAWN]
        for st in [x for x in stays if x.dscg_time and x.dscg_time.date() < day][:5]:
            self.add_line(st.bill, withdrawn, on_dscg_day(st))
        for _ in range(3):
            self.add_line(self.overdue_stay.bill, self.items[ir.UNCODED_OLD], on_dscg_day(self.overdue_stay))
        self.edge["uncoded_not_ranked"] = (ir.UNCODED_OLD, ir.UNCODED_UNUSED, ir.WITHDRAWN)

    # -------------------------------------------------------------------------------------------- numbering

    def number(self) -> None:
        """Ids in time order: settlements (and cancellations) by time, fee lines by fee time."""
        events: list[tuple[datetime, int, int, _Bill]] = []
        for b in self.bills:
            if b.setl_time is not None:
                b.setl_time = max(b.setl_time, max(x.fee_time for x in b.lines) + timedelta(minutes=3))
                events.append((b.setl_time, b.seq, 0, b))
                if b.cancel_time is not None:
                    b.cancel_time = max(b.cancel_time, b.setl_time + timedelta(minutes=20))
                    events.append((b.cancel_time, b.seq, 1, b))
        for n, (t, _, kind, b) in enumerate(sorted(events, key=lambda e: e[:3]), start=1):
            setl_id = f"3601{t:%y%m%d}2{n:09d}"
            if kind:
                b.cancel_setl_id = setl_id
            else:
                b.setl_id = setl_id
        lines = sorted((x for b in self.bills for x in b.lines), key=lambda x: (x.fee_time, x.seq))
        for n, x in enumerate(lines, start=1):
            x.fee_id = f"MX{x.fee_time:%Y%m%d}{n:08d}"

    def edge_cases(self) -> InsuranceEdgeCases:
        e = self.edge
        lo = self.day - timedelta(days=LIST_DEADLINE_DAYS - 1)
        valid = [st for st in self.stays if st.dscg_time is not None and lo <= st.dscg_time.date() <= self.day
                 and st.bill.cancel_time is None and any(f == "1" for _, f in st.diags)]  # fmt: skip
        valid.sort(key=lambda st: st.bill.setl_id)

        def sid(key: str) -> str:
            return e[key].setl_id

        def fid(key: str) -> str:
            return e[key].fee_id

        return InsuranceEdgeCases(
            recon_his_only=sid("recon_his_only"),
            recon_platform_only=sid("recon_platform_only"),
            recon_platform_only_mdtrt_id=e["recon_platform_only"].mdtrt_id,
            recon_amount_diff=sid("recon_amount_diff"),
            settlement_cancelled=sid("settlement_cancelled"),
            settlement_cancellation=e["settlement_cancelled"].cancel_setl_id,
            setl_list_valid=tuple(st.bill.setl_id for st in valid),
            setl_list_valid_on_day=tuple(
                st.bill.setl_id for st in valid if st.dscg_time and st.dscg_time.date() == self.day
            ),
            setl_list_no_main_diag=sid("setl_list_no_main_diag"),
            setl_list_overdue=sid("setl_list_overdue"),
            setl_list_cancelled=sid("setl_list_cancelled"),
            setl_list_cancellation=e["setl_list_cancelled"].cancel_setl_id,
            catalog_new=e["catalog_new"],
            catalog_changed=e["catalog_changed"],
            catalog_withdrawn=e["catalog_withdrawn"],
            catalog_malformed=e["catalog_malformed"],
            uncoded_ranking=e["uncoded_ranking"],
            uncoded_not_ranked=e["uncoded_not_ranked"],
            check_gender=fid("check_gender"),
            check_age=fid("check_age"),
            check_once_per_day=(e["check_once_per_day"][0].fee_id, e["check_once_per_day"][1].fee_id),
            check_over_daily_qty=fid("check_over_daily_qty"),
            check_after_discharge=fid("check_after_discharge"),
            check_outpatient_in_stay=sid("check_outpatient_in_stay"),
            check_outpatient_in_stay_adm=e["check_outpatient_in_stay_adm"],
            check_indication=fid("check_indication"),
            near_gender=fid("near_gender"),
            near_age=fid("near_age"),
            near_once_per_day=fid("near_once_per_day"),
            near_daily_qty=fid("near_daily_qty"),
            near_after_discharge=fid("near_after_discharge"),
            near_outpatient_after_stay=sid("near_outpatient_after_stay"),
            near_indication=(e["near_indication"][0].fee_id, e["near_indication"][1].fee_id),
        )

    # -------------------------------------------------------------------------------------------- write

    def write(self, conn: Connection) -> dict[str, int]:
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _MY_TABLES}
        rows["patient"] = self.new_patients
        prep = dict(ir.PREPARATION)
        prep.update(retail_price=Decimal(prep["retail_price"]), med_list_codg=None, barcode=None, shelf_posi=None,
                    is_active=1, updated_at=self.ref_time)  # fmt: skip
        rows["drug_dict"] = [prep]
        rows["charge_item"] = self.item_rows
        rows["catalog_map"] = self.map_rows
        rows["insu_item_limit"] = self.limit_rows
        for st in sorted(self.stays, key=lambda x: x.adm_id):
            rows["inpatient_stay"].append(self.stay_row(st))
            for i, (d, flag) in enumerate(st.diags, start=1):
                rows["stay_diagnosis"].append({
                    "adm_id": st.adm_id, "seq_no": i, "diag_type": "1", "diag_code": d.code, "diag_name": d.name,
                    "maindiag_flag": flag, "adm_cond_type": "1" if i == 1 else self.rng.choice(("1", "1", "3")),
                })  # fmt: skip
            rows["stay_operation"].extend(st.ops)
        bill_no = 0
        for b in sorted((b for b in self.bills if b.setl_time is not None), key=lambda b: b.setl_id):
            if not b.in_his:
                continue
            bill_no += 1
            rows["insu_settlement"].extend(self.settlement_rows(b, bill_no))
        for b in self.bills:
            settled = b.setl_time is not None and b.in_his
            for x in b.lines:
                refunded = settled and b.cancel_time is not None
                rows["fee_detail"].append({
                    "fee_id": x.fee_id, "setl_id": b.setl_id if settled else None, "mdtrt_id": b.mdtrt_id,
                    "patient_id": b.patient.patient_id, "visit_kind": b.visit_kind, "item_kind": x.item.kind,
                    "item_code": x.item.code, "item_name": x.item.name, "fee_time": x.fee_time, "qty": x.qty,
                    "unit_price": x.item.price, "amount": x.amount, "dept_code": x.dept, "doctor_code": x.doctor,
                    "status": "refunded" if refunded else "normal",
                    "updated_at": b.cancel_time if refunded else x.fee_time,
                })  # fmt: skip
        rows["fee_detail"].sort(key=lambda r: r["fee_id"])
        tables = {t.name: t for t in s.metadata.sorted_tables}
        for t in s.metadata.sorted_tables:
            if t.name in rows and rows[t.name]:
                conn.execute(tables[t.name].insert(), rows[t.name])
        return {name: len(rows[name]) for name in _MY_TABLES}

    def stay_row(self, st: _Stay) -> dict[str, Any]:
        rng = self.rng
        name = self.fake.name()
        phone = self.fake.phone_number()
        self._names[name] = None
        self._phones[phone] = None
        age = age_on(st.patient.birth_date, st.adm_time.date())
        prfs = "80" if age >= 60 and rng.random() < 0.8 else rng.choice(ir.PROFESSIONS)
        last = max([x.fee_time for x in st.bill.lines] + [st.adm_time])
        return {
            "adm_id": st.adm_id, "patient_id": st.patient.patient_id, "mdtrt_id": st.bill.mdtrt_id,
            "medcasno": f"{260000 + int(st.adm_id[-4:]):08d}", "med_type": "21", "ipt_med_type": "1",
            "adm_way": rng.choices(("2", "1", "3"), (70, 25, 5))[0], "trt_type": "1", "adm_time": st.adm_time,
            "adm_dept_code": st.ward, "dscg_time": st.dscg_time, "dscg_dept_code": st.ward if st.dscg_time else None,
            "dscg_way": (rng.choices(("1", "4", "2"), (90, 6, 4))[0]) if st.dscg_time else None,
            "chfpdr_code": st.doctor, "resp_nurse_code": st.nurse, "coner_name": name,
            "coner_rlts": rng.choice(ir.RELATIONS), "coner_addr": self.address(rng.choice(tuple(idcard.NANCHANG_AREAS))),
            "coner_tel": phone, "prfs": prfs, "status": "discharged" if st.dscg_time else "admitted",
            "updated_at": st.dscg_time or last,
        }  # fmt: skip

    def settlement_rows(self, b: _Bill, bill_no: int) -> list[dict[str, Any]]:
        assert b.setl_time is not None
        medfee = sum((x.amount for x in b.lines), _ZERO)
        covered = sum((x.amount for x in b.lines if x.item.coded), _ZERO)
        fund, acct, cash = split_amounts(medfee, covered, b.patient.insutype, b.visit_kind, b.setl_id)
        cashiers = self.staff.get(("3010" if b.visit_kind == "O" else "3040", "clerk"), [None])
        row = {
            "setl_id": b.setl_id, "mdtrt_id": b.mdtrt_id, "psn_no": b.patient.psn_no,
            "patient_id": b.patient.patient_id, "visit_kind": b.visit_kind, "reg_id": b.reg_id, "adm_id": b.adm_id,
            "insutype": b.patient.insutype, "clr_type": "11" if b.visit_kind == "O" else "21",
            "clr_optins": b.patient.insuplc, "med_type": b.med_type, "setl_time": b.setl_time,
            "medfee_sumamt": medfee, "fund_pay_sumamt": fund, "acct_pay": acct, "psn_cash_pay": cash,
            "refd_setl_flag": "0", "cancel_of": None, "status": "cancelled" if b.cancel_time else "normal",
            "main_diag_code": b.main_diag, "msgid": _msgid(b.setl_time, bill_no),
            "bill_code": f"3601{b.setl_time:%y}01", "bill_no": f"{2_000_000 + bill_no:010d}",
            "operator_code": self.rng.choice(cashiers), "updated_at": b.cancel_time or b.setl_time,
        }  # fmt: skip
        out = [row]
        if b.cancel_time is not None:
            out.append(row | {
                "setl_id": b.cancel_setl_id, "setl_time": b.cancel_time, "medfee_sumamt": -medfee,
                "fund_pay_sumamt": -fund, "acct_pay": -acct, "psn_cash_pay": -cash, "refd_setl_flag": "1",
                "cancel_of": b.setl_id, "status": "normal", "msgid": _msgid(b.cancel_time, bill_no + 5000),
                "bill_code": None, "bill_no": None, "updated_at": b.cancel_time,
            })  # fmt: skip
        return out


def _msgid(t: datetime, n: int) -> str:
    """A 2207/2304 request msgid as the HIS sends it: 定点医药机构编号 + yyyyMMddHHmmss + 4-digit serial."""
    return f"{FIXMEDINS_CODE}{t:%Y%m%d%H%M%S}{n % 10000:04d}"


# ------------------------------------------------------------------------------------------------ the platform side


def seed_platform(
    state: SimState,
    engine: Engine,
    day_from: date,
    day_to: date,
    edge: InsuranceEdgeCases,
    *,
    fixmedins_code: str = FIXMEDINS_CODE,
    catalogue: bool = True,
    lists: bool = True,
) -> dict[str, int]:
    """Give the 医保 simulator the platform's side of the HIS's settlements of ``day_from``..``day_to``.

    * every insured demo patient the simulator does not know becomes a person (险种 and 参保地 as the HIS has
      them), so the platform can answer for them;
    * every HIS settlement (and cancellation row) settled in those days is added as the platform recorded it —
      except ``edge.recon_his_only``; ``edge.recon_platform_only`` (which the HIS lost: its fee lines are
      unsettled) is added; ``edge.recon_amount_diff`` gets a fund_pay_sumamt :data:`AMOUNT_DIFF` lower;
    * ``catalogue``: the 对照 the platform held before ``day_from`` (what the HIS had mapped by then, including
      those the HIS withdraws or changes later);
    * ``lists``: the settlement list of ``edge.setl_list_cancelled``, uploaded before the settlement was
      cancelled (so that 4102 has a list to change).

    Idempotent: what the simulator already has is left alone (also what a job changed since), so the days can
    be seeded one at a time before each day's runs — which is how a real platform's view grows. Seeding a later
    day first makes the earlier days' cancelled settlements cancelled already.
    Returns how many persons, settlements, 对照 and lists were added.
    """
    from simulators.hsa.settlement import Insu, Match, Person, SetlList

    start = datetime.combine(day_from, time())
    end = datetime.combine(day_to + timedelta(days=1), time())
    st, p = s.insu_settlement.c, s.patient.c
    with engine.connect() as conn:
        setls = [dict(r) for r in conn.execute(
            select(st.setl_id, st.mdtrt_id, st.psn_no, st.insutype, st.clr_type, st.clr_optins, st.med_type,
                   st.setl_time, st.medfee_sumamt, st.fund_pay_sumamt, st.acct_pay, st.cancel_of, st.msgid)
            .where(st.setl_time >= start, st.setl_time < end)
            .order_by(st.setl_time, st.setl_id)
        ).mappings()]  # fmt: skip
        insutypes = dict(
            conn.execute(select(st.psn_no, st.insutype).order_by(st.setl_time, st.setl_id)).all()
        )
        patients = conn.execute(
            select(
                p.patient_id,
                p.name,
                p.gender,
                p.birth_date,
                p.id_card_no,
                p.phone,
                p.psn_no,
                p.insuplc_admdvs,
            )
            .where(p.psn_no.is_not(None))
            .order_by(p.patient_id)
        ).all()
        lost = _lost_settlement(conn, edge, start, end)
        maps = _platform_matches(conn, start) if catalogue else []
        listed = None
        if lists:
            listed = conn.execute(
                select(st.setl_id, st.mdtrt_id, st.psn_no, s.inpatient_stay.c.medcasno, s.inpatient_stay.c.dscg_time)
                .join(s.inpatient_stay, s.inpatient_stay.c.adm_id == st.adm_id)
                .where(st.setl_id == edge.setl_list_cancelled)
            ).first()  # fmt: skip
    if lost is not None:
        setls.append(lost)
        setls.sort(key=lambda r: (r["setl_time"], r["setl_id"]))
    added = {"persons": 0, "settlements": 0, "matches": 0, "lists": 0}
    store = state.settlement
    with state.lock:
        for r in patients:
            if r.psn_no in store.persons:
                continue
            insutype = insutypes.get(r.psn_no) or insutype_for(r.psn_no, r.birth_date, day_to)
            insuplc = r.insuplc_admdvs or LOCAL_ADMDVS
            adult = r.birth_date is None or age_on(r.birth_date, day_to) >= 18
            psn_type = ("12" if r.birth_date and age_on(r.birth_date, day_to) >= 60 else "11") if insutype == "310" \
                else ("31" if adult else "32")  # fmt: skip
            store.add_person(Person(
                r.psn_no, r.name, r.id_card_no or "", r.gender, r.birth_date.isoformat() if r.birth_date else "",
                [Insu(insutype, psn_type, Decimal("3000.00") if insutype == "310" else _ZERO, insuplc)],
                f"EC{r.psn_no:0>22}", f"A{r.psn_no[-8:]}", f"{insuplc}D156000005{r.psn_no[-16:]:0>16}", tel=r.phone,
            ))  # fmt: skip
            added["persons"] += 1
        for r in setls:
            if r["setl_id"] == edge.recon_his_only or r["setl_id"] in store.settlements:
                continue
            # amounts as text: the simulator reads JSON numbers and numeric strings (a Decimal would count as 0)
            fund = Decimal(r["fund_pay_sumamt"])
            if r["setl_id"] == edge.recon_amount_diff:
                fund -= AMOUNT_DIFF
            store.add_settlement(
                setl_id=r["setl_id"], mdtrt_id=r["mdtrt_id"], psn_no=r["psn_no"],
                setl_time=r["setl_time"].strftime("%Y-%m-%d %H:%M:%S"), medfee_sumamt=str(r["medfee_sumamt"]),
                fund_pay_sumamt=str(fund), acct_pay=str(r["acct_pay"]), fixmedins_code=fixmedins_code,
                clr_type=r["clr_type"], clr_optins=r["clr_optins"], insutype=r["insutype"], med_type=r["med_type"],
                msgid=r["msgid"] or "", cancel_of=r["cancel_of"],
            )  # fmt: skip
            added["settlements"] += 1
        for m in maps:
            key = (fixmedins_code, m["item_code"], m["list_type"])
            if key in store.matches:
                continue
            data = {"fixmedins_hilist_id": m["item_code"], "fixmedins_hilist_name": m["name"],
                    "list_type": m["list_type"], "med_list_codg": m["med_list_codg"],
                    "begndate": m["begndate"].isoformat(), "enddate": m["enddate"].isoformat()}  # fmt: skip
            store.matches[key] = Match(fixmedins_code, m["item_code"], m["list_type"], m["med_list_codg"], data,
                                       f"seed{m['map_id']}")  # fmt: skip
            added["matches"] += 1
        if (
            listed is not None
            and listed.setl_id in store.settlements
            and listed.setl_id not in store.setl_lists
        ):
            uploaded = (listed.dscg_time + timedelta(days=1)).replace(hour=10, minute=0, second=0)
            nodes = {"setlinfo": {"setl_id": listed.setl_id, "mdtrt_id": listed.mdtrt_id, "psn_no": listed.psn_no,
                                  "medcasno": listed.medcasno}}  # fmt: skip
            store.setl_lists[listed.setl_id] = SetlList(
                f"{store.seq():09d}", listed.setl_id, listed.psn_no, fixmedins_code, "4101A", nodes,
                f"seed{listed.setl_id}"[:30], uploaded.strftime("%Y-%m-%d %H:%M:%S"),
            )  # fmt: skip
            added["lists"] += 1
    return added


def _lost_settlement(
    conn: Connection, edge: InsuranceEdgeCases, start: datetime, end: datetime
) -> dict[str, Any] | None:
    """The platform_only settlement as the platform made it from the visit's (HIS-unsettled) fee lines."""
    f, p, dd, ci = s.fee_detail.c, s.patient.c, s.drug_dict.c, s.charge_item.c
    rows = conn.execute(
        select(f.fee_time, f.amount, f.item_kind, f.dept_code, f.mdtrt_id, p.psn_no, p.birth_date, p.insuplc_admdvs,
               dd.med_list_codg.label("drug_code"), ci.med_list_codg.label("item_code"))
        .join(s.patient, p.patient_id == f.patient_id)
        .outerjoin(s.drug_dict, (f.item_kind == "drug") & (dd.drug_code == f.item_code))
        .outerjoin(s.charge_item, (f.item_kind != "drug") & (ci.item_code == f.item_code))
        .where(f.mdtrt_id == edge.recon_platform_only_mdtrt_id, f.setl_id.is_(None), f.status == "normal")
        .order_by(f.fee_id)
    ).all()  # fmt: skip
    if not rows:
        return None
    setl_time = max(r.fee_time for r in rows) + timedelta(minutes=3)
    if not start <= setl_time < end:
        return None
    first = rows[0]
    medfee = sum((Decimal(r.amount) for r in rows), _ZERO)
    covered = sum((Decimal(r.amount) for r in rows if (r.drug_code or r.item_code) is not None), _ZERO)
    insutype = insutype_for(first.psn_no, first.birth_date, setl_time.date())
    setl_id = edge.recon_platform_only
    fund, acct, _ = split_amounts(medfee, covered, insutype, "O", setl_id)
    return {
        "setl_id": setl_id, "mdtrt_id": first.mdtrt_id, "psn_no": first.psn_no, "insutype": insutype,
        "clr_type": "11", "clr_optins": first.insuplc_admdvs or LOCAL_ADMDVS,
        "med_type": "13" if first.dept_code == refdata.EMERGENCY_DEPT else "11", "setl_time": setl_time,
        "medfee_sumamt": medfee, "fund_pay_sumamt": fund, "acct_pay": acct, "cancel_of": None, "msgid": "",
    }  # fmt: skip


def _platform_matches(conn: Connection, start: datetime) -> list[dict[str, Any]]:
    """对照 the platform held just before ``start``: mapped before it and not withdrawn before it."""
    m, dd, ci = s.catalog_map.c, s.drug_dict.c, s.charge_item.c
    rows = conn.execute(
        select(m.map_id, m.item_kind, m.item_code, m.list_type, m.med_list_codg, m.begndate, m.enddate, m.status,
               m.updated_at, dd.drug_name, ci.item_name)
        .outerjoin(s.drug_dict, (m.item_kind == "drug") & (dd.drug_code == m.item_code))
        .outerjoin(s.charge_item, (m.item_kind != "drug") & (ci.item_code == m.item_code))
        .order_by(m.updated_at, m.map_id)
    ).all()  # fmt: skip
    out = []
    for r in rows:
        if r.begndate >= start.date() or (r.status == "active") != (r.updated_at < start):
            continue
        out.append({"map_id": r.map_id, "item_code": r.item_code, "list_type": r.list_type,
                    "med_list_codg": r.med_list_codg, "begndate": r.begndate, "enddate": r.enddate,
                    "name": r.drug_name or r.item_name or r.item_code})  # fmt: skip
    return out


# ------------------------------------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    from hisbridge.db import make_engine

    parser = argparse.ArgumentParser(
        prog="python -m demo.his.insurance", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--url", required=True, help="SQLAlchemy URL of a demo HIS filled by python -m demo.his"
    )
    parser.add_argument("--day", type=date.fromisoformat, required=True, help="the demo day, yyyy-mm-dd")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--settlements", type=int, default=200,
                        help=f"about how many settlements on day-1 and day (>= {MIN_SETTLEMENTS})")  # fmt: skip
    args = parser.parse_args(argv)

    engine = make_engine(args.url)
    try:
        started = _time.perf_counter()
        summary = generate_insurance(engine, args.day, seed=args.seed, settlements=args.settlements)
        elapsed = _time.perf_counter() - started
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()

    print(
        f"医保 data for {summary.day} (seed {summary.seed}, ~{summary.settlements} settlements) in {elapsed:.1f}s"
    )
    for table, count in sorted(summary.counts.items()):
        print(f"  {table:<20} {count:>9}")
    print("edge cases:")
    for name, value in dataclasses.asdict(summary.edge_cases).items():
        shown = ", ".join(value) if isinstance(value, tuple) else value
        print(f"  {name:<30} {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
