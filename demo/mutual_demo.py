"""Demo step for the 检查检验互认 platform: other hospitals' reports for the demo's patients on the simulator, and
what the ledger and the simulator must say of the planted 互认 cases after the uploads."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

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


def demo_page_settings() -> tuple[str, float]:
    """The demo's page-ticket secret and lifetime: those of the connection ``mutual_workstation`` in
    ``airflow_settings.yaml`` (what ``make airflow`` gives the Airflow API server), so a link printed by the
    demo opens there."""
    import yaml

    from hisbridge import PROJECT_DIR

    settings = yaml.safe_load((PROJECT_DIR / "airflow_settings.yaml").read_text(encoding="utf-8"))
    conn = next(c for c in settings["airflow"]["connections"] if c["conn_id"] == "mutual_workstation")
    return conn["conn_password"], float((conn.get("conn_extra") or {}).get("ticket_ttl_s", 600))


def workstation_step(sim, his: Engine, ledger, visits, echo) -> dict:
    """What a doctor's workstation does at a demo visit, through the workstation service's HTTP API (in-process):
    接诊提醒, 开单提醒 for a 血常规 and a 胸部CT, and the 互认 page's link for the Airflow API server."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from demo.his.schema import registration
    from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash
    from hisbridge.platforms.mutual.client import MutualClient
    from hisbridge.platforms.mutual.service import tickets
    from hisbridge.platforms.mutual.service.app import create_workstation_app
    from hisbridge.platforms.mutual.service.identity import PatientDirectory
    from hisbridge.platforms.mutual.service.items import load_item_map
    from hisbridge.platforms.mutual.service.service import WorkstationService
    from hisbridge.platforms.mutual.service.settings import WorkstationSettings
    from hisbridge.platforms.mutual.settings import MutualSettings

    secret, ttl_s = demo_page_settings()
    items = load_item_map()
    service = WorkstationService(
        ledger=ledger, client=MutualClient(MutualSettings(base_url=sim.url, org_code=ORG_CODE)),
        settings=WorkstationSettings(ticket_secret=secret, ticket_ttl_s=ttl_s),
        patients=PatientDirectory(his, items.id_types), items=items, quote_engine=his)
    token = new_token()
    ledger.add_token(WorkstationService.SERVICE, "演示门诊工作站", token_hash(token), actor="demo")
    patient_id, visit_id = visits[0][0], visits[0][1]
    with his.connect() as conn:
        doctor_id = conn.execute(select(registration.c.doctor_code)
                                 .where(registration.c.reg_id == visit_id)).scalar() or "demo"
    outer = FastAPI()
    outer.mount("/mutual", create_workstation_app(lambda: service))
    auth = {"Authorization": f"Bearer {token}"}
    who = {"patientId": patient_id, "visitId": visit_id, "doctorId": doctor_id}
    try:
        with TestClient(outer) as http:
            visit = http.post("/mutual/api/v1/reminders/visit", json=who, headers=auth).json()
            order = http.post("/mutual/api/v1/reminders/order", headers=auth, json={**who, "items": [
                {"hisItemCode": "XCG", "itemType": "LIS", "orderId": "DEMO-1"},
                {"hisItemCode": "CT0101", "itemType": "PACS", "orderId": "DEMO-2"}]}).json()
    finally:
        service.close()  # waits for the reminder records to be uploaded
    context = tickets.PageContext(patient_id, doctor_id, visit_id, "lab", "recognize")
    params = {"PatientID": patient_id, "doctorId": doctor_id, "GHId": visit_id, "type": "lab", "mode": "recognize",
              "ticket": tickets.issue(context, secret, ttl_s)}
    from urllib.parse import urlencode

    url = f"http://localhost:8080/mutual/page?{urlencode(params)}"
    recorded = len(sim.state.record_list("reminder"))
    echo(f"   接诊提醒：{visit['status']}，外院可互认报告 {len(visit['reminders'])} 份，{visit['elapsedMs']} ms；"
         f"开单提醒（血常规、胸部CT平扫）：{sum(len(m['reports']) for m in order['matches'])} 份；"
         f"平台收到提醒记录 {recorded} 条")
    return {"visit": visit, "order": order, "url": url, "reminder_records": recorded, "ttl_h": ttl_s / 3600}


def unmapped_items_step(his: Engine, ledger, day: date, reports: Path, echo) -> dict:
    """What dags/mutual_unmapped_items.py writes at 07:00 the morning after the demo day: the lab's 互认项目未对照清单
    (the planted panel THXHDB, with the records it keeps in quarantine), in the demo's reports folder."""
    from hisbridge.platforms.mutual.unmapped_items import unmapped_items_report

    summary = unmapped_items_report(his, ledger, datetime.combine(day + timedelta(days=1), time(7)), reports)
    echo(f"   互认项目未对照清单：未对照项目 {summary['unmapped']} 个，因此隔离的记录 {summary['quarantined']} 条："
         f"{summary['html']}")
    return summary


def main(argv: list[str] | None = None) -> int:
    """``python -m demo.mutual_demo seed --url http://127.0.0.1:8883``: seed a running simulator (``make airflow``)
    with other hospitals' reports of the demo day's patients, read from the demo HIS."""
    import argparse

    import requests

    from hisbridge import PROJECT_DIR
    from hisbridge.db import make_engine, sqlite_url

    p = argparse.ArgumentParser(prog="python -m demo.mutual_demo", description=main.__doc__)
    p.add_argument("command", choices=["seed"])
    p.add_argument("--url", default="http://127.0.0.1:8883")
    p.add_argument("--his", default=str(PROJECT_DIR / "var" / "demo" / "his.db"))
    p.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 24))
    args = p.parse_args(argv)
    visits = visit_patients(make_engine(sqlite_url(args.his)), args.day)
    persons = [{"idCardTypeCode": kind, "idCardValue": number, "patientName": "演示患者"}
               for _, _, kind, number in visits]
    answer = requests.post(f"{args.url}/admin/reports/generate", json={"persons": persons, "seed": 42}, timeout=30)
    answer.raise_for_status()
    print(f"互认平台模拟器：已为演示日 {len(persons)} 位就诊患者生成外院报告")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
