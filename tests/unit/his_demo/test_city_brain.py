"""The demo HIS's 先诊疗后付费 data (demo.his.city_brain) on SQLite: the same rows for the same seed, the planted
journey and cases present and consistent, every visit of the demo days charged, references that resolve, and a
CLI that prints ids, never a name, ID number or phone."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from demo.his import schema as s
from demo.his.city_brain import CITY_BRAIN_TABLES, CityBrainSummary, generate_city_brain, main
from demo.his.emr import generate_emr
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from demo.his.mutual import generate_mutual
from hisbridge.db import make_engine

DAY = date(2026, 11, 24)
PREV = DAY - timedelta(days=1)
SCALE = 120


def _his(path: Path, seed: int = 42, *, city_brain: bool = True) -> tuple[Engine, CityBrainSummary | None]:
    engine = make_engine(f"sqlite:///{path}")
    generate(engine, DAY, SCALE, seed)
    generate_insurance(engine, DAY, seed=seed)
    generate_emr(engine, DAY, seed=seed)
    generate_mutual(engine, DAY, seed=seed)
    return engine, generate_city_brain(engine, DAY, seed=seed) if city_brain else None


@pytest.fixture(scope="module")
def his(tmp_path_factory) -> tuple[Engine, CityBrainSummary]:
    engine, summary = _his(tmp_path_factory.mktemp("his") / "his.db")
    assert summary is not None
    return engine, summary


def _rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def _dump(engine: Engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for name in CITY_BRAIN_TABLES:
            table = s.metadata.tables[name]
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def test_same_seed_same_rows_other_seed_other_rows(tmp_path, his) -> None:
    engine, summary = his
    again, summary2 = _his(tmp_path / "again.db")
    assert _dump(again) == _dump(engine) and summary2 == summary
    other, summary3 = _his(tmp_path / "other.db", seed=7)
    assert _dump(other) != _dump(engine) and summary3 is not None
    assert {k: v for k, v in summary.counts.items() if k in CITY_BRAIN_TABLES}.keys() == set(CITY_BRAIN_TABLES)
    assert all(summary.counts[name] > 0 for name in CITY_BRAIN_TABLES)


def test_runs_once_and_only_after_the_other_generators(tmp_path, his) -> None:
    engine, _ = his
    with pytest.raises(ValueError, match="already holds"):
        generate_city_brain(engine, DAY)
    bare = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    generate(bare, DAY, 60, 42)
    with pytest.raises(ValueError, match="demo.his.mutual first"):
        generate_city_brain(bare, DAY)


def test_the_journey_happens_in_order_on_the_demo_day(his) -> None:
    engine, summary = his
    e = summary.edge_cases
    times = e.journey_times
    assert list(times) == sorted(times) and {t.date() for t in times} == {DAY}
    booked, signed_in, seen, lab_ordered, exam_ordered, lab_reported, exam_reported, prescribed, paid, refunded = times
    patient = _rows(engine, "SELECT psn_no, created_at FROM patient WHERE patient_id = :p", p=e.journey_patient)[0]
    assert patient["psn_no"] is None  # self-paying: the 银联卡 sign, no 医保 settlement
    sign = _rows(engine, "SELECT sign_type, status, signed_at, end_time FROM credit_sign WHERE sign_id = :i",
                 i=e.journey_sign)[0]
    assert (sign["sign_type"], sign["status"], sign["end_time"]) == ("2", "active", None)
    reg = _rows(engine, "SELECT * FROM registration WHERE reg_id = :r", r=e.journey_registration)[0]
    assert (reg["is_appointment"], reg["visit_status"], reg["status"], reg["patient_id"]) == (
        1, "done", "normal", e.journey_patient)
    appt = _rows(engine, "SELECT reg_id, channel, status FROM appointment WHERE appt_id = :a", a=e.journey_appointment)
    assert appt == [{"reg_id": e.journey_registration, "channel": "wechat", "status": "attended"}]
    applies = _rows(engine, "SELECT apply_no, apply_kind, apply_time, report_id, status FROM medtech_apply "
                            "WHERE reg_id = :r ORDER BY apply_time", r=e.journey_registration)
    assert [(a["apply_no"], a["apply_kind"], a["report_id"], a["status"]) for a in applies] == [
        (e.journey_lab_apply, "lab", e.journey_lab_report, "reported"),
        (e.journey_exam_apply, "exam", e.journey_exam_report, "reported")]
    bills = _rows(engine, "SELECT bill_no, total_amount, refunded_amount, pay_type, status, operator_code "
                          "FROM charge_bill WHERE reg_id = :r", r=e.journey_registration)
    assert len(bills) == 1, "charged once, at the end"
    bill = bills[0]
    assert (bill["bill_no"], bill["pay_type"], bill["status"], bill["operator_code"]) == (
        e.journey_bill, "2", "part_refunded", None)
    lines = _rows(engine, "SELECT line_id, item_name, amount, status, refund_no FROM charge_bill_line "
                          "WHERE bill_no = :b ORDER BY line_no", b=e.journey_bill)
    assert len(lines) == 6 and Decimal(str(bill["total_amount"])) == sum(Decimal(str(x["amount"])) for x in lines)
    refunded_lines = [x for x in lines if x["status"] == "refunded"]
    assert [(x["line_id"], x["refund_no"]) for x in refunded_lines] == [(e.journey_refunded_line, e.journey_refund)]
    assert Decimal(str(bill["refunded_amount"])) == Decimal(str(refunded_lines[0]["amount"]))
    allergy = _rows(engine, "SELECT patient_id, allergen_name FROM patient_allergy WHERE allergy_id = :a",
                    a=e.journey_allergy)
    assert allergy == [{"patient_id": e.journey_patient, "allergen_name": "青霉素"}]


def test_every_visit_of_the_demo_days_is_charged_and_a_signed_up_patient_once(his) -> None:
    engine, _ = his
    visits = {r["reg_id"] for r in _rows(engine, "SELECT reg_id FROM registration WHERE status = 'normal' AND "
                                                 "visit_status IN ('called', 'done') AND visit_date IN (:p, :d)",
                                         p=PREV, d=DAY)}
    bills = _rows(engine, "SELECT bill_no, reg_id, pay_type, total_amount, insurance_amount, self_amount "
                          "FROM charge_bill")
    assert {b["reg_id"] for b in bills} == visits
    per_visit = Counter(b["reg_id"] for b in bills if b["pay_type"] != "0")
    assert per_visit and set(per_visit.values()) == {1}
    for b in bills:
        assert Decimal(str(b["total_amount"])) == Decimal(str(b["insurance_amount"])) + Decimal(str(b["self_amount"]))


def test_the_planted_cases_are_there(his) -> None:
    engine, summary = his
    e = summary.edge_cases

    def one(sql: str, **params: Any) -> dict[str, Any]:
        rows = _rows(engine, sql, **params)
        assert len(rows) == 1, rows
        return rows[0]

    assert one("SELECT status FROM credit_sign WHERE sign_id = :i", i=e.sign_frozen)["status"] == "frozen"
    assert one("SELECT status FROM credit_sign WHERE sign_id = :i", i=e.sign_cancelled)["status"] == "cancelled"
    assert one("SELECT status, report_id FROM medtech_apply WHERE apply_no = :a", a=e.apply_registered) == {
        "status": "registered", "report_id": None}
    assert one("SELECT status FROM medtech_apply WHERE apply_no = :a", a=e.apply_cancelled)["status"] == "cancelled"
    today = one("SELECT stop_date, time_slot, status FROM schedule_stop WHERE stop_id = :i", i=e.stop_today)
    assert (str(today["stop_date"]), today["time_slot"], today["status"]) == (DAY.isoformat(), "2", "active")
    assert one("SELECT status FROM schedule_stop WHERE stop_id = :i", i=e.stop_revoked)["status"] == "revoked"
    stop = one("SELECT doctor_code, session_start, session_end FROM schedule_stop WHERE stop_id = :i",
               i=e.stop_with_bookings)
    booked = _rows(engine, "SELECT appt_id FROM appointment WHERE appt_type = 'clinic' AND status = 'booked' AND "
                           "doctor_code = :d AND start_time >= :s AND start_time < :e", d=stop["doctor_code"],
                   s=stop["session_start"], e=stop["session_end"])
    assert booked
    refund = one("SELECT bill_no, cancel_setl_id FROM charge_refund WHERE refund_no = :r", r=e.settlement_refund)
    assert refund["bill_no"] == e.settlement_bill and refund["cancel_setl_id"]


def test_references_resolve(his) -> None:
    engine, _ = his
    orphans = {
        "line → bill": "SELECT COUNT(*) AS n FROM charge_bill_line l LEFT JOIN charge_bill b ON b.bill_no = l.bill_no "
                       "WHERE b.bill_no IS NULL",
        "line → refund": "SELECT COUNT(*) AS n FROM charge_bill_line l LEFT JOIN charge_refund r "
                         "ON r.refund_no = l.refund_no WHERE l.refund_no IS NOT NULL AND r.refund_no IS NULL",
        "refunded line without refund": "SELECT COUNT(*) AS n FROM charge_bill_line WHERE status = 'refunded' "
                                        "AND refund_no IS NULL",
        "apply → report": "SELECT COUNT(*) AS n FROM medtech_apply a WHERE a.report_id IS NOT NULL AND NOT EXISTS "
                          "(SELECT 1 FROM lab_report l WHERE l.report_id = a.report_id) AND NOT EXISTS "
                          "(SELECT 1 FROM exam_report x WHERE x.report_id = a.report_id)",
        "report → apply": "SELECT COUNT(*) AS n FROM lab_report l WHERE NOT EXISTS "
                          "(SELECT 1 FROM medtech_apply a WHERE a.apply_no = l.apply_no)",
        "sign → patient": "SELECT COUNT(*) AS n FROM credit_sign c LEFT JOIN patient p ON p.patient_id = c.patient_id "
                          "WHERE p.patient_id IS NULL",
        "allergy → patient": "SELECT COUNT(*) AS n FROM patient_allergy a LEFT JOIN patient p "
                             "ON p.patient_id = a.patient_id WHERE p.patient_id IS NULL",
        "fee category": "SELECT COUNT(*) AS n FROM charge_bill_line l LEFT JOIN code_dict c "
                        "ON c.dict_type = 'fee_cat' AND c.code = l.fee_cat WHERE c.code IS NULL",
        "two active signs": "SELECT COUNT(*) AS n FROM (SELECT patient_id FROM credit_sign WHERE status = 'active' "
                            "GROUP BY patient_id HAVING COUNT(*) > 1) x",
    }
    found = {name: _rows(engine, sql)[0]["n"] for name, sql in orphans.items()}
    assert found == dict.fromkeys(orphans, 0)


def test_the_cli_prints_ids_and_no_personal_data(tmp_path, capsys) -> None:
    engine, _ = _his(tmp_path / "cli.db", city_brain=False)
    engine.dispose()
    assert main(["--url", f"sqlite:///{tmp_path / 'cli.db'}", "--day", DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    e = _rows(make_engine(f"sqlite:///{tmp_path / 'cli.db'}"),
              "SELECT name, id_card_no, phone FROM patient WHERE patient_id = '0050000001'")[0]
    assert "journey_registration" in out and "charge_bill" in out
    assert not [v for v in e.values() if v and v in out]
    assert main(["--url", f"sqlite:///{tmp_path / 'cli.db'}", "--day", DAY.isoformat()]) == 2  # already there


def test_the_summary_names_the_new_persons_personal_data(his) -> None:
    engine, summary = his
    person = _rows(engine, "SELECT name, id_card_no, phone FROM patient WHERE patient_id = :p",
                   p=summary.edge_cases.journey_patient)[0]
    assert (person["name"], person["id_card_no"], person["phone"]) == (
        summary.pii.names[0], summary.pii.id_card_nos[0], summary.pii.phones[0])
    assert "journey_patient" in asdict(summary.edge_cases)
