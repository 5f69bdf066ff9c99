"""Thirty days of HIS history for the history-capture tests (``test_history*.py``): the demo's reference data
(departments, staff, drugs: :func:`demo.his.generate.generate`) and, for every day of October 2026, synthetic
visits, bills (some refunded), prescriptions with their drugs, lab reports with their results and exam reports —
about 470 records a day, 14 000 in all, deterministic (one seeded ``random.Random``). Patients are synthetic too
(``HP…``, ``患者…``); nothing here is personal data.

:func:`capture` runs the four history feeds over a range of days as the backfilled ``city_brain_history`` DAG does
(one run per day, the data types one after another), through the same ``run_feed`` as ``FeedOperator``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select, text

from demo.his import schema as s
from demo.his.generate import generate
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.platform import Sender
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec

FIRST_DAY, DAYS = date(2026, 10, 1), 30
HISTORY_DAYS = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
DATA_TYPES = ("visit", "bill", "prescription", "report")
FEEDS = [f"city_brain_history_{d}" for d in DATA_TYPES]
CENT = Decimal("0.01")


def day_window(d: date) -> tuple[datetime, datetime]:
    start = datetime.combine(d, time())
    return start, start + timedelta(days=1)


@dataclass
class History:
    engine: Engine
    #: records per data type the 30 days hold (counted from the HIS, independently of the feeds' SQL)
    expected: dict[str, int]


class _Month:
    def __init__(self, conn, seed: int) -> None:
        self.rng = random.Random(seed)
        self.conn = conn
        depts = conn.execute(select(s.dept.c.dept_code, s.dept.c.dept_type)).all()
        self.clinics = sorted(c for c, t in depts if t == "outpatient")
        self.wards = sorted(c for c, t in depts if t == "inpatient")
        doctors = conn.execute(select(s.staff.c.staff_code, s.staff.c.dept_code)
                               .where(s.staff.c.role == "doctor")).all()
        self.doctors: dict[str, list[str]] = {}
        for code, dept in sorted(doctors):
            self.doctors.setdefault(dept, []).append(code)
        self.any_doctor = sorted(code for code, _ in doctors)
        self.drugs = conn.execute(select(s.drug_dict.c.drug_code, s.drug_dict.c.drug_name, s.drug_dict.c.spec)
                                  .order_by(s.drug_dict.c.drug_code)).all()
        self.rows: dict[Any, list[dict[str, Any]]] = {}

    def add(self, table, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def doctor(self, dept: str) -> str:
        return self.rng.choice(self.doctors.get(dept) or self.any_doctor)

    def at(self, d: date, lo: float = 7.0, hi: float = 20.0) -> datetime:
        return datetime.combine(d, time()) + timedelta(seconds=int(self.rng.uniform(lo, hi) * 3600))

    def money(self, lo: float, hi: float) -> Decimal:
        return Decimal(str(round(self.rng.uniform(lo, hi), 2))).quantize(CENT)

    def patients(self, n: int) -> list[str]:
        ids = [f"HP{i:06d}" for i in range(1, n + 1)]
        for i, pid in enumerate(ids):
            self.add(s.patient, patient_id=pid, name=f"患者{i + 1}", gender=str(1 + i % 2), birth_date=None,
                     id_card_no=None, phone=None, address=None, psn_no=None, insuplc_admdvs=None,
                     created_at=datetime(2026, 1, 1))
        return ids

    def day(self, d: date, n: int, patients: list[str]) -> None:
        rng, stamp = self.rng, d.strftime("%Y%m%d")
        for i in range(1, n + 1):
            reg, pid, dept = f"HR{stamp}{i:04d}", rng.choice(patients), rng.choice(self.clinics)
            doctor, reg_time = self.doctor(dept), self.at(d)
            cancelled = rng.random() < 0.05
            self.add(s.registration, reg_id=reg, patient_id=pid, dept_code=dept, room_code=None, doctor_code=doctor,
                     visit_date=d, time_slot="1" if reg_time.hour < 12 else "2", queue_no=i,
                     reg_type=rng.choice(("normal", "normal", "expert", "emergency")), reg_time=reg_time,
                     is_appointment=0, sign_in_time=None if cancelled else reg_time + timedelta(minutes=5),
                     visit_status="absent" if cancelled else "done", is_revisit=0,
                     status="cancelled" if cancelled else "normal",
                     cancel_time=reg_time + timedelta(minutes=3) if cancelled else None, updated_at=reg_time)
            if cancelled:
                continue
            self.add(s.visit_diagnosis, diag_id=f"HG{stamp}{i:04d}", reg_id=reg, patient_id=pid, seq_no=1,
                     diag_type="1", main_flag="1", diag_code="J06.900", diag_name="急性上呼吸道感染",
                     suspect_flag="N", diag_time=reg_time + timedelta(minutes=10), doctor_code=doctor, dept_code=dept,
                     status="normal", void_time=None, updated_at=reg_time)
            self.bill(d, f"HB{stamp}{i:04d}", reg, pid, dept, doctor, reg_time + timedelta(minutes=40))
            if rng.random() < 0.6:
                self.prescription(f"HC{stamp}{i:04d}", reg, pid, dept, doctor, reg_time + timedelta(minutes=20))
            if rng.random() < 0.4:
                self.lab(f"HL{stamp}{i:04d}", reg, pid, dept, doctor, reg_time + timedelta(hours=1))
            if rng.random() < 0.13:
                self.exam(f"HE{stamp}{i:04d}", reg, pid, dept, doctor, reg_time + timedelta(hours=2))
        for i in range(1, 6):
            adm, pid, ward = f"HZ{stamp}{i:02d}", rng.choice(patients), rng.choice(self.wards)
            doctor, adm_time = self.doctor(ward), self.at(d, 8, 18)
            discharged = adm_time + timedelta(days=rng.randint(2, 9))
            self.add(s.inpatient_stay, adm_id=adm, patient_id=pid, mdtrt_id=None, medcasno=f"BA{stamp}{i:02d}",
                     med_type="21", ipt_med_type="1", adm_way=None, trt_type=None, adm_time=adm_time,
                     adm_dept_code=ward, dscg_time=discharged, dscg_dept_code=ward, dscg_way=None,
                     chfpdr_code=doctor, resp_nurse_code=None, coner_name=None, coner_rlts=None, coner_addr=None,
                     coner_tel=None, prfs=None, status="discharged", updated_at=discharged)
            self.add(s.stay_diagnosis, adm_id=adm, seq_no=1, diag_type="1", diag_code="I10.x00", diag_name="高血压",
                     maindiag_flag="1", adm_cond_type="1")
            if i <= 3:
                self.settlement(f"HS{stamp}{i:02d}", adm, pid, adm_time + timedelta(hours=2), cancel=i == 3 and d.day % 10 == 0)
            self.lab(f"HL{stamp}9{i:03d}", None, pid, ward, doctor, adm_time + timedelta(hours=3), adm=adm)

    def bill(self, d: date, bill_no: str, reg: str, pid: str, dept: str, doctor: str, paid: datetime) -> None:
        rng = self.rng
        total = self.money(20, 600)
        insurance = (total * Decimal(str(rng.choice((0, 0.6, 0.7))))).quantize(CENT)
        roll = rng.random()
        status, refunded = ("refunded", total) if roll < 0.02 else (
            ("part_refunded", (total / 3).quantize(CENT)) if roll < 0.05 else ("normal", Decimal("0.00")))
        self.add(s.charge_bill, bill_no=bill_no, patient_id=pid, reg_id=reg, visit_kind="O", dept_code=dept,
                 doctor_code=doctor, total_amount=total, insurance_amount=insurance, self_amount=total - insurance,
                 pay_channel="wechat", pay_type=rng.choice("0001"), setl_id=None, invoice_code=None,
                 invoice_no=f"I{bill_no}", paid_at=paid, operator_code=None, status=status,
                 refunded_amount=refunded, updated_at=paid)
        if status != "normal":
            self.add(s.charge_refund, refund_no=f"T{bill_no}", bill_no=bill_no, patient_id=pid,
                     refund_time=paid + timedelta(hours=1), refund_amount=refunded, insurance_amount=Decimal("0.00"),
                     self_amount=refunded, refund_channel="wechat", reason=None, red_invoice_no=None,
                     cancel_setl_id=None, operator_code=None, updated_at=paid + timedelta(hours=1))

    def settlement(self, setl_id: str, adm: str, pid: str, at: datetime, cancel: bool) -> None:
        total = self.money(2000, 20000)
        fund = (total * Decimal("0.7")).quantize(CENT)
        common = dict(mdtrt_id=f"M{setl_id}", psn_no=f"PSN{pid}", patient_id=pid, visit_kind="I", reg_id=None,
                      adm_id=adm, insutype="310", clr_type="21", clr_optins="360100", med_type="21",
                      main_diag_code="I10.x00", msgid=None, bill_code=None, bill_no=f"I{setl_id}", operator_code=None)
        self.add(s.insu_settlement, setl_id=setl_id, setl_time=at, medfee_sumamt=total, fund_pay_sumamt=fund,
                 acct_pay=Decimal("0.00"), psn_cash_pay=total - fund, refd_setl_flag="0", cancel_of=None,
                 status="cancelled" if cancel else "normal", updated_at=at, **common)
        if cancel:
            self.add(s.insu_settlement, setl_id=f"{setl_id}X", setl_time=at + timedelta(hours=3), medfee_sumamt=-total,
                     fund_pay_sumamt=-fund, acct_pay=Decimal("0.00"), psn_cash_pay=fund - total, refd_setl_flag="1",
                     cancel_of=setl_id, status="normal", updated_at=at + timedelta(hours=3), **common)

    def prescription(self, order_no: str, reg: str, pid: str, dept: str, doctor: str, at: datetime) -> None:
        order_id = f"Y{order_no}"
        self.add(s.clinical_order, order_id=order_id, order_no=order_no, patient_id=pid, visit_kind="O", reg_id=reg,
                 adm_id=None, rx_no=None, order_type="W", issue_time=at, valid_days=3, exec_time=None, stop_time=None,
                 doctor_code=doctor, pharmacist_code=None, dept_code=dept, tcm_recipe=None, tcm_doses=None,
                 tcm_decoction=None, tcm_usage=None, remark=None, status="normal", void_time=None, updated_at=at)
        for n, (code, name, spec) in enumerate(self.rng.sample(self.drugs, self.rng.randint(1, 4)), start=1):
            self.add(s.clinical_order_item, item_id=f"{order_id}-{n}", order_id=order_id, seq_no=n, drug_code=code,
                     drug_name=name, drug_spec=spec, dose=Decimal("0.5"), dose_unit="g", frequency="tid",
                     route="口服", total_qty=Decimal(self.rng.randint(1, 3)), total_unit="盒", status="normal",
                     void_time=None, updated_at=at)

    def lab(self, report_id: str, reg: str | None, pid: str, dept: str, doctor: str, at: datetime,
            adm: str | None = None) -> None:
        self.add(s.lab_report, report_id=report_id, apply_no=f"A{report_id}", patient_id=pid,
                 visit_kind="I" if adm else "O", reg_id=reg, adm_id=adm, apply_dept_code=dept,
                 apply_doctor_code=doctor, panel_code="XCG", panel_name="血常规", micro_flag="N",
                 specimen_no=f"S{report_id}", specimen_type="BLD", sample_time=at - timedelta(minutes=30),
                 receive_time=None, test_doctor_code=None, test_time=None, report_no=f"N{report_id}", findings=None,
                 conclusion=None, remark=None, report_time=at, audit_doctor_code=doctor, report_dept_code="5010",
                 revision=1, status="reported", void_time=None, void_reason=None, updated_at=at)
        for n, (code, name, unit, lo, hi) in enumerate((("WBC", "白细胞", "10^9/L", 3.5, 9.5),
                                                        ("RBC", "红细胞", "10^12/L", 4.3, 5.8),
                                                        ("HGB", "血红蛋白", "g/L", 130, 175),
                                                        ("PLT", "血小板", "10^9/L", 125, 350),
                                                        ("NEUT%", "中性粒细胞百分比", "%", 40, 75)), start=1):
            value = round(self.rng.uniform(lo * 0.8, hi * 1.2), 1)
            flag = "H" if value > hi else ("L" if value < lo else "N")
            self.add(s.lab_result, result_id=f"{report_id}-{n}", report_id=report_id, seq_no=n, item_code=code,
                     item_name=name, result_kind="N", quant_value=str(value), unit=unit, ref_low=str(lo),
                     ref_high=str(hi), abn_flag=flag, qual_result=None, germ_code=None, germ_name=None, test_time=at,
                     status="normal", void_time=None, updated_at=at)

    def exam(self, report_id: str, reg: str, pid: str, dept: str, doctor: str, at: datetime) -> None:
        self.add(s.exam_report, report_id=report_id, apply_no=f"A{report_id}", patient_id=pid, visit_kind="O",
                 reg_id=reg, adm_id=None, apply_dept_code=dept, apply_doctor_code=doctor, exam_type="DR",
                 exam_part="胸部", chief_complaint=None, symptom_start=None, symptom_end=None, symptom_desc=None,
                 treatment_desc=None, special_flag="N", exam_time=at - timedelta(minutes=30),
                 findings="双肺纹理清晰，未见实质性病变。", conclusion="胸部正位片未见明显异常。", remark=None,
                 report_no=f"N{report_id}", report_time=at, report_doctor_code=doctor, audit_doctor_code=None,
                 report_dept_code="5020", revision=1, status="reported", void_time=None, updated_at=at)
        self.add(s.exam_report_item, item_id=f"{report_id}-1", report_id=report_id, seq_no=1, item_code="DR0101",
                 item_name="胸部正位片", result_code="N", quant_value=None, quant_unit=None, status="normal",
                 void_time=None, updated_at=at)

    def write(self) -> None:
        order = (s.patient, s.registration, s.visit_diagnosis, s.inpatient_stay, s.stay_diagnosis, s.charge_bill,
                 s.charge_refund, s.insu_settlement, s.clinical_order, s.clinical_order_item, s.lab_report,
                 s.lab_result, s.exam_report, s.exam_report_item)
        for table in order:
            rows = self.rows.get(table, [])
            for n in range(0, len(rows), 5000):
                self.conn.execute(table.insert(), rows[n:n + 5000])


def build_history(engine: Engine, *, visits_per_day: int = 150, seed: int = 11) -> History:
    """The demo's reference data, then 30 days of history (October 2026)."""
    generate(engine, date(2026, 11, 24), 40, seed=seed)
    with engine.begin() as conn:
        month = _Month(conn, seed)
        patients = month.patients(800)
        for d in HISTORY_DAYS:
            month.day(d, visits_per_day, patients)
        month.write()
    return History(engine, expected_counts(engine))


def expected_counts(engine: Engine) -> dict[str, int]:
    a, b = day_window(HISTORY_DAYS[0])[0], day_window(HISTORY_DAYS[-1])[1]
    queries = {
        "visit": "SELECT (SELECT COUNT(*) FROM registration WHERE reg_time >= :a AND reg_time < :b) + "
                 "(SELECT COUNT(*) FROM inpatient_stay WHERE adm_time >= :a AND adm_time < :b)",
        "bill": "SELECT (SELECT COUNT(*) FROM charge_bill WHERE paid_at >= :a AND paid_at < :b) + (SELECT COUNT(*) "
                "FROM insu_settlement WHERE visit_kind = 'I' AND refd_setl_flag = '0' AND setl_time >= :a "
                "AND setl_time < :b)",
        "prescription": "SELECT COUNT(*) FROM clinical_order WHERE order_type IN ('W', 'C') AND visit_kind <> 'I' "
                        "AND issue_time >= :a AND issue_time < :b",
        "report": "SELECT (SELECT COUNT(*) FROM lab_report WHERE report_time >= :a AND report_time < :b) + "
                  "(SELECT COUNT(*) FROM exam_report WHERE report_time >= :a AND report_time < :b)",
    }
    with engine.connect() as conn:
        return {k: int(conn.execute(text(q), {"a": a, "b": b}).scalar_one()) for k, q in queries.items()}


@contextmanager
def history_his(url: str) -> Iterator[History]:
    engine = make_engine(url)
    try:
        yield build_history(engine)
    finally:
        engine.dispose()


def capture(his: Engine, ledger: Ledger, sender: Sender, *, days: list[date] = HISTORY_DAYS, batch_size: int = 200,
            tag: str = "backfill", on_summary: Callable[[FeedSummary], None] | None = None) -> list[FeedSummary]:
    """The history DAG backfilled over ``days``: one run per day, the four data types one after another."""
    specs = [load_feed_spec(f) for f in FEEDS]
    out = []
    for d in days:
        for spec in specs:
            summary = run_feed(spec, his, ledger, sender, day_window(d),
                               RunSettings(run_id=f"{tag}__{d}", batch_size=batch_size))
            assert summary.balanced(), summary
            out.append(summary)
            if on_summary is not None:
                on_summary(summary)
    return out


def count_rows(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def killed_capture_main(argv: list[str] | None = None) -> None:
    """``python -c "…; killed_capture_main()" HIS_URL LEDGER_URL CITY_BRAIN_URL BATCH KILL_AT`` — the backfill in a
    process of its own that is killed (SIGKILL: no ``finally``, no clean-up) as it starts sending page ``KILL_AT``,
    once the answer of the page before is in the ledger: page ``KILL_AT`` is recorded as leaving, never sent."""
    import os
    import signal
    import sys
    import time as clock

    from hisbridge.platforms.city_brain.client import CityBrainClient, PushSettings
    from hisbridge.platforms.city_brain.sender import CityBrainSender
    from tests.integration.platforms.city_brain.push_support import APP_ID, ORG, SECRET

    his_url, ledger_url, base_url, batch, kill_at = (argv or sys.argv[1:])[:5]
    ledger = Ledger(make_engine(ledger_url))

    class KilledMidWay(CityBrainSender):
        pages, last_msgid = 0, None

        def upload(self, spec, rows, mode, msgid):
            self.pages += 1
            if self.pages == int(kill_at):
                while (ledger.message(self.last_msgid) or {}).get("outcome") == "in_flight":
                    clock.sleep(0.01)
                os.kill(os.getpid(), signal.SIGKILL)
            self.last_msgid = msgid
            return super().upload(spec, rows, mode, msgid)

    settings = PushSettings(base_url=base_url, app_id=APP_ID, secret=SECRET, org_code=ORG)
    capture(make_engine(his_url), ledger, KilledMidWay(CityBrainClient(settings)), batch_size=int(batch),
            tag="killed")
    raise SystemExit("the capture finished: it should have been killed")
