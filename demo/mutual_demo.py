"""Demo step for the 检查检验互认 platform: other hospitals' reports for the demo's patients on the simulator, and
what the ledger and the simulator must say of the planted 互认 cases after the uploads."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Engine, select

ORG_CODE = "360102001"  # the org code the feed YAMLs and the demo connection carry

# (feed, MutualEdgeCases field, ledger state, Chinese label)
MUTUAL_EXPECTED = (
    ("mutual_lab_report", "lab_unmapped_report", "quarantined", "互认：未对照的检验组合 → 隔离"),
    ("mutual_lab_report", "lab_revised_report", "acknowledged", "互认：修订的检验报告 → 重传"),
    ("mutual_lab_report", "lab_withdrawn_report", "withdrawn", "互认：作废的检验报告 → 撤回"),
    ("mutual_exam_report", "exam_revised_item", "acknowledged", "互认：修订的检查报告 → 重传"),
    ("mutual_microbe_bacteria", "micro_bacteria", "acknowledged", "互认：微生物细菌结果 → 已确认"),
    ("mutual_appointment", "appointment_cancelled", "acknowledged", "互认：取消的预约 → 重传(已取消)"),
    ("mutual_registration", "registration_cancelled", "acknowledged", "互认：退号 → 重传(已退号)"),
)
# (data type, MutualEdgeCases field, what the simulator must hold, label)
PLATFORM_EXPECTED = (
    ("labReport", "lab_revised_report", "version 2", "平台上的修订检验报告为第 2 版"),
    ("labReport", "lab_withdrawn_report", "deleted", "作废的检验报告已从平台撤回"),
    ("examReport", "exam_revised_item", "version 2", "平台上的修订检查报告为第 2 版"),
)


def visit_patients(his: Engine, day: date, limit: int = 12) -> list[tuple[str, str, str, str]]:
    """(patient_id, reg_id, id card type code on the wire, id card number) of the demo day's first outpatient
    visits with an ID card: the patients whose other-hospital reports the demo seeds."""
    from demo.his.schema import patient, patient_extra, registration
    from hisbridge.pipeline.spec import shared_codes

    wire_type = shared_codes(["mutual_codes.yaml"]).get("id_card_type", {})
    q = (select(registration.c.patient_id, registration.c.reg_id, patient_extra.c.id_type, patient.c.id_card_no)
         .join(patient, patient.c.patient_id == registration.c.patient_id)
         .join(patient_extra, patient_extra.c.patient_id == registration.c.patient_id, isouter=True)
         .where(registration.c.visit_date == day, registration.c.status == "normal",
                patient.c.id_card_no.is_not(None))
         .order_by(registration.c.reg_id).limit(limit))
    with his.connect() as conn:
        return [(r.patient_id, r.reg_id, wire_type.get(r.id_type or "SFZ", "01"), r.id_card_no)
                for r in conn.execute(q)]


def seed_foreign_reports(sim, his: Engine, day: date) -> list[tuple[str, str, str, str]]:
    """Other hospitals' reports (simulator samples, before the demo day's noon) for the day's first visits."""
    sim.state.set_clock(datetime.combine(day, time(12, 0)))
    visits = visit_patients(his, day)
    sim.seed_reports([(kind, number, "演示患者") for _, _, kind, number in visits], seed=42)
    return visits


def check_mutual_cases(ledger, edge, sim_state) -> list[dict]:
    out = []
    for feed, field, expected, label in MUTUAL_EXPECTED:
        key = getattr(edge, field)
        rec = ledger.lookup(feed, [key]).get(key)
        out.append({"feed": feed, "case": label, "key": key, "expected": expected,
                    "actual": rec.state if rec else "(not in ledger)"})
    for data_type, field, expected, label in PLATFORM_EXPECTED:
        key = getattr(edge, field)
        row = sim_state.get_row(ORG_CODE, data_type, key)
        actual = ("(not on the platform)" if row is None else "deleted" if row.deleted
                  else f"version {row.versions}")
        out.append({"feed": f"simulator:{data_type}", "case": label, "key": key, "expected": expected,
                    "actual": actual})
    return out
