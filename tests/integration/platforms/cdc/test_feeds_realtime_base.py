"""The CDC feeds of the real-time group (emr_patient_info, emr_activity_info, emr_inf_report), the base
dictionaries (base_dept, base_user) and the routine next-day group (emr_admission_record, emr_discharge_info),
run over two days of the demo HIS — by push API against the in-process front-end simulator, and by rows written
into a PostgreSQL front-end database — with the planted edge cases reaching the front-end as they should.

The HIS (one PostgreSQL database for the module) starts at the end of day-1 (``rewind_day_changes``); the
real-time feeds run day-1, then — the day's changes replayed — day in two continuous windows split at the moment
the duplicate card (重卡) is voided, so that the card is delivered first and withdrawn afterwards. The base and
next-day feeds run once per day. Every window is then run again: nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from demo.his import schema as s
from demo.his.emr import EmrSummary, generate_emr, replay_day_changes, rewind_day_changes
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.cdc import ddl
from hisbridge.platforms.cdc.client import CdcClient, CdcSettings
from hisbridge.platforms.cdc.frontend_db import FrontendDbSender
from hisbridge.platforms.cdc.sender import CdcSender
from hisbridge.platforms.cdc.tables import table
from simulators.cdc.server import SimServer
from simulators.cdc.state import SimState
from tests.conftest import _create_database, _drop_database

DAY = date(2026, 11, 24)
PREV = DAY - timedelta(days=1)
SCALE, SEED = 300, 42
SCHEMA = "frontend"

REALTIME = ("cdc_emr_patient_info", "cdc_emr_activity_info", "cdc_emr_inf_report")
DAILY = ("cdc_base_dept", "cdc_base_user", "cdc_emr_admission_record", "cdc_emr_discharge_info")
FEEDS = REALTIME + DAILY


def _at(d: date, t: time = time()) -> datetime:
    return datetime.combine(d, t)


@dataclass
class Delivery:
    """One way of delivering (push or database), after the whole scenario."""

    ledger: Ledger
    runs: list[tuple[str, FeedSummary]] = field(default_factory=list)  # (step, summary) in run order
    reruns: list[FeedSummary] = field(default_factory=list)

    def total(self, feed: str, state: str) -> int:
        return sum(getattr(summary, state) for _, summary in self.runs if summary.feed == feed)

    def keys(self, feed: str, state: str) -> set[str]:
        return {r.business_key for r in self.ledger.records(feed, [state], limit=10_000)}

    def reasons(self, feed: str, key: str) -> str:
        (record,) = [r for r in self.ledger.records(feed, limit=10_000) if r.business_key == key]
        return record.reason or ""


@dataclass
class His:
    engine: Engine
    emr: EmrSummary
    #: the duplicate card as it was before the 预防保健科 voided it (the generator writes it voided)
    card_before_void: dict[str, Any]
    card_void: dict[str, Any]


@pytest.fixture(scope="module")
def his(pg_module_url) -> His:
    engine = make_engine(pg_module_url)
    generate(engine, DAY, SCALE, SEED)
    generate_insurance(engine, DAY, seed=SEED)
    emr = generate_emr(engine, DAY, seed=SEED)
    card = s.infectious_report
    with engine.connect() as conn:
        row = conn.execute(select(card).where(card.c.report_id == emr.edge_cases.inf_report_voided)).mappings().one()
    assert row["status"] == "voided" and row["report_time"] < row["void_time"]
    void = {k: row[k] for k in ("status", "void_time", "void_reason", "updated_at")}
    before = {"status": "submitted", "void_time": None, "void_reason": None, "updated_at": row["report_time"]}
    return His(engine, emr, before, void)


def _set_card(his: His, values: dict[str, Any]) -> None:
    card = s.infectious_report
    with his.engine.begin() as conn:
        conn.execute(card.update().where(card.c.report_id == his.emr.edge_cases.inf_report_voided).values(**values))


def _scenario(his: His, ledger: Ledger, sender, tag: str) -> Delivery:
    """Day-1, then day (the real-time feeds in two windows around the card's void), then every window again."""
    rewind_day_changes(his.engine, his.emr)
    _set_card(his, his.card_before_void)
    split = his.card_void["void_time"]
    days = [("prev", [(_at(PREV), _at(DAY))], (_at(PREV), _at(DAY))),
            ("day", [(_at(DAY), split), (split, _at(DAY + timedelta(days=1)))], (_at(DAY), _at(DAY + timedelta(days=1))))]
    out = Delivery(ledger)

    def run(feed: str, window: tuple[datetime, datetime], step: str) -> FeedSummary:
        summary = run_feed(load_feed_spec(feed), his.engine, ledger, sender, window,
                           RunSettings(run_id=f"{tag}-{step}-{feed}-{window[0]:%d%H%M%S}"))
        assert summary.balanced() and summary.halted is None, summary
        return summary

    for label, realtime_windows, day_window in days:
        if label == "day":
            replay_day_changes(his.engine, his.emr)
        for n, window in enumerate(realtime_windows):
            if label == "day" and n == 1:
                _set_card(his, his.card_void)  # the 重卡 is voided after the first window delivered it
            out.runs += [(label, run(feed, window, label)) for feed in REALTIME]
        out.runs += [(label, run(feed, day_window, label)) for feed in DAILY]
    for label, realtime_windows, day_window in days:
        for window in realtime_windows:
            out.reruns += [run(feed, window, f"{label}-again") for feed in REALTIME]
        out.reruns += [run(feed, day_window, f"{label}-again") for feed in DAILY]
    return out


@pytest.fixture(scope="module")
def push(his) -> Iterator[tuple[SimServer, Delivery]]:
    ledger = Ledger(his.engine)
    ledger.ensure_schema()
    with SimServer(SimState()) as sim:
        sender = CdcSender(CdcClient(CdcSettings(base_url=sim.url)), ledger=ledger)
        yield sim, _scenario(his, ledger, sender, "push")


@pytest.fixture(scope="module")
def frontend(pg_required) -> Iterator[Engine]:
    """A second database: the front-end's tables (schema ``frontend``) and the database delivery's own ledger."""
    url = _create_database()
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        _drop_database(url)


@pytest.fixture(scope="module")
def db(his, frontend, push) -> tuple[Engine, Delivery]:  # after push: the scenario moves the HIS through time
    with frontend.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    ddl.install(frontend, schema=SCHEMA)
    ledger = Ledger(frontend)
    ledger.ensure_schema()
    return frontend, _scenario(his, ledger, FrontendDbSender(frontend, schema=SCHEMA, ledger=ledger), "db")


def _entity(feed: str) -> str:
    return table(feed.removeprefix("cdc_")).entity


def _his_rows(his: His, sql: str, **params: Any) -> list[dict[str, Any]]:
    with his.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


# ------------------------------------------------------------------------------------------------ every feed


@pytest.mark.parametrize("feed", FEEDS)
def test_each_feed_delivers_and_the_front_end_holds_exactly_what_was_acknowledged(push, feed) -> None:
    sim, delivery = push
    assert delivery.total(feed, "acknowledged") > 0 and delivery.total(feed, "messages") > 0
    assert set(sim.state.live(_entity(feed))) == delivery.keys(feed, ls.ACKNOWLEDGED)
    states = delivery.ledger.counts(feed).get(feed, {})
    assert set(states) <= {ls.ACKNOWLEDGED, ls.QUARANTINED, ls.WITHDRAWN}, states  # nothing pending or unknown
    assert sim.state.summary()["counters"].get("refused", 0) == 0


def test_a_rerun_of_every_window_sends_nothing(push, db) -> None:
    for delivery in (push[1], db[1]):
        assert delivery.reruns and all(r.messages == 0 and r.acknowledged == 0 for r in delivery.reruns)
        assert sum(r.skipped for r in delivery.reruns) > 0
    sim = push[0]
    assert all(c["duplicates"] == 0 for c in sim.state.summary()["counts"].values())


def test_the_database_delivery_holds_the_same_records_as_the_push_delivery(push, db) -> None:
    sim, _ = push
    engine, delivery = db
    for feed in FEEDS:
        t = table(feed.removeprefix("cdc_"))
        with engine.connect() as conn:
            ids = set(conn.execute(text(f"SELECT id FROM {SCHEMA}.{t.name}")).scalars())
        assert ids == set(sim.state.live(t.entity)) == delivery.keys(feed, ls.ACKNOWLEDGED), feed


# ------------------------------------------------------------------------------------------------ patients


def test_a_patient_whose_marital_code_has_no_mapping_is_quarantined_and_so_are_his_activities(push, his) -> None:
    sim, delivery = push
    edge = his.emr.edge_cases
    assert delivery.keys("cdc_emr_patient_info", ls.QUARANTINED) == {edge.unmapped_marital_patient}
    reason = delivery.reasons("cdc_emr_patient_info", edge.unmapped_marital_patient)
    assert "marital_status_code" in reason and repr(edge.unmapped_marital_code) in reason
    assert sim.state.get("emrPatientInfo", edge.unmapped_marital_patient) is None
    orphans = delivery.keys("cdc_emr_activity_info", ls.QUARANTINED)
    assert orphans, "the patient has visits in the window"
    for key in orphans:
        assert f"父记录 emr_patient_info id={edge.unmapped_marital_patient} 尚未上报" in \
            delivery.reasons("cdc_emr_activity_info", key)


def test_a_patient_changed_on_day_is_sent_again_as_an_upsert(push, db, his) -> None:
    sim, _ = push
    pid = his.emr.edge_cases.patient_changed
    (change,) = [c for c in his.emr.day_changes if c.table == "patient_extra" and c.key["patient_id"] == pid]
    record = sim.state.get("emrPatientInfo", pid)
    assert record.versions == 2 and not record.deleted
    assert record.data["currentAddrDetail"] == change.after["curr_addr_detail"] != change.before["curr_addr_detail"]
    assert record.data["operationTime"] == f"{change.after['updated_at']:%Y-%m-%d %H:%M:%S}"
    engine, _ = db
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT current_addr_detail FROM {SCHEMA}.emr_patient_info WHERE id = :id"),
                           {"id": pid}).one()
    assert row.current_addr_detail == change.after["curr_addr_detail"]


def test_an_old_patient_is_sent_with_his_visit_and_not_again_when_unchanged(push, his) -> None:
    """A patient created long before go-live is selected because his visit is in the window (his activities
    name him as their parent) — sent once, then skipped while unchanged."""
    sim, delivery = push
    old = {r["patient_id"] for r in _his_rows(his, """SELECT r.patient_id FROM registration r
        JOIN patient_extra x ON x.patient_id = r.patient_id
        WHERE r.updated_at >= :a AND r.updated_at < :b AND x.updated_at < :old""",
                                              a=_at(DAY), b=_at(DAY + timedelta(days=1)), old=_at(PREV))}
    old.discard(his.emr.edge_cases.unmapped_marital_patient)
    assert len(old) > 10
    assert all(sim.state.get("emrPatientInfo", pid).versions == 1 for pid in old)
    assert old <= delivery.keys("cdc_emr_patient_info", ls.ACKNOWLEDGED)


# ------------------------------------------------------------------------------------------------ activities


def test_activities_cover_every_kind_of_clinical_event_with_prefixed_ids(push) -> None:
    sim, _ = push
    live = sim.state.live("emrActivityInfo")
    kinds = {d["activityTypeCode"] for d in live.values()}
    assert kinds == {"1", "2", "3", "4", "5", "7", "8", "9"}
    prefix = {"1": "REG:", "2": "REG:", "3": "OBSIN:", "4": "OBSOUT:", "5": "ADM:", "7": "SC:", "8": "RC:",
              "9": "DSC:"}
    assert all(rid.startswith(prefix[d["activityTypeCode"]]) for rid, d in live.items())
    assert all(d["activityTypeName"] and d["patientId"] and d["activityTime"] for d in live.values())


def test_an_observation_still_open_has_its_admission_to_observation_but_no_leaving(push, his) -> None:
    sim, _ = push
    obs = his.emr.edge_cases.er_obs_open
    assert sim.state.get("emrActivityInfo", f"OBSIN:{obs}") is not None
    assert sim.state.get("emrActivityInfo", f"OBSOUT:{obs}") is None


def test_a_voided_registration_never_reaches_the_front_end(push, his) -> None:
    sim, delivery = push
    voided = {f"REG:{r['reg_id']}" for r in _his_rows(his, """SELECT reg_id FROM registration
        WHERE updated_at >= :a AND updated_at < :b AND (status <> 'normal' OR visit_status = 'absent')""",
                                                       a=_at(PREV), b=_at(DAY + timedelta(days=1)))}
    assert voided and voided <= delivery.keys("cdc_emr_activity_info", ls.WITHDRAWN)
    assert not voided & set(sim.state.live("emrActivityInfo"))


def test_the_tuberculosis_visit_carries_the_notifiable_disease_code_of_its_diagnosis(push, his) -> None:
    sim, _ = push
    (diag,) = _his_rows(his, """SELECT v.reg_id, v.diag_code, d.inf_disease_code, d.inf_disease_name
        FROM visit_diagnosis v JOIN diag_dict d ON d.diag_code = v.diag_code WHERE v.diag_id = :id""",
                        id=his.emr.edge_cases.notifiable_a15_diag)
    record = sim.state.get("emrActivityInfo", f"REG:{diag['reg_id']}")
    assert record.data["wmDiseaseCode"] == diag["diag_code"] and diag["diag_code"].startswith("A15")
    assert (record.data["diseaseCode"], record.data["diseaseName"]) == (diag["inf_disease_code"],
                                                                       diag["inf_disease_name"])


def test_the_death_ends_the_stay_as_a_discharge_activity(push, his) -> None:
    sim, _ = push
    edge = his.emr.edge_cases
    (death,) = _his_rows(his, "SELECT death_time, death_diag_code FROM death_record WHERE death_id = :id",
                         id=edge.death_id)
    record = sim.state.get("emrActivityInfo", f"DSC:{edge.death_adm_id}")
    assert record is not None and not record.deleted
    data = record.data
    assert (data["activityTypeCode"], data["activityTypeName"]) == ("9", "出院")
    assert data["activityTime"] == f"{death['death_time']:%Y-%m-%d %H:%M:%S}"
    assert data["wmDiseaseCode"] == death["death_diag_code"] and data["diseaseName"] == "流行性感冒"
    assert data["serialNumber"] == edge.death_adm_id


# ------------------------------------------------------------------------------------------------ report cards


def test_a_duplicate_card_voided_after_delivery_is_deleted_on_the_front_end(push, db, his) -> None:
    sim, delivery = push
    card = his.emr.edge_cases.inf_report_voided
    record = sim.state.get("emrInfReport", card)
    assert record is not None and record.deleted and record.versions == 1
    assert card in delivery.keys("cdc_emr_inf_report", ls.WITHDRAWN)
    deletes = [e for e in sim.state.journal_entries(entity="emrInfReport") if e["method"] == "DELETE"]
    assert [e["id"] for e in deletes] == [card]
    engine, db_delivery = db
    assert card in db_delivery.keys("cdc_emr_inf_report", ls.WITHDRAWN)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.emr_inf_report WHERE id = :id"),
                            {"id": card}).scalar() == 0


def test_a_card_revised_again_on_day_replaces_the_one_of_day_1(push, his) -> None:
    sim, _ = push
    card = his.emr.edge_cases.updated_twice
    (change,) = [c for c in his.emr.day_changes if c.table == "infectious_report" and c.key["report_id"] == card]
    record = sim.state.get("emrInfReport", card)
    assert record.versions == 2
    assert change.before["death_date"] is None and record.data["deadDate"] == f"{change.after['death_date']} 00:00:00"
    assert record.data["operationTime"] == f"{change.after['updated_at']:%Y-%m-%d %H:%M:%S}"


def test_the_tuberculosis_card_reaches_the_front_end_confirmed(push, his) -> None:
    sim, _ = push
    (card,) = _his_rows(his, "SELECT * FROM infectious_report WHERE report_id = :id",
                        id=his.emr.edge_cases.notifiable_a15_report)
    data = sim.state.live("emrInfReport")[card["report_id"]]
    assert (data["diseaseCode"], data["diseaseName"]) == (card["disease_code"], card["disease_name"])
    assert (data["diagnoseStateCode"], data["diagnoseStateName"]) == ("3", "确诊病例")
    assert data["patientId"] == card["patient_id"] and data["serialNumber"] == card["reg_id"]
    assert data["activityTypeCode"] in ("1", "2") and data["reportDate"] == f"{card['report_time']:%Y-%m-%d %H:%M:%S}"
    assert data["patientId"] in sim.state.live("emrPatientInfo")


# ------------------------------------------------------------------------------------------------ dictionaries


def test_the_department_without_a_standard_department_is_quarantined(push, his) -> None:
    sim, delivery = push
    dept = his.emr.edge_cases.unmapped_dept
    assert delivery.keys("cdc_base_dept", ls.QUARANTINED) == {dept}
    assert f"'{dept}'" in delivery.reasons("cdc_base_dept", dept)
    live = sim.state.live("baseDept")
    all_depts = {r["dept_code"] for r in _his_rows(his, "SELECT dept_code FROM dept WHERE is_active = 1")}
    assert set(live) == all_depts - {dept}
    assert live["1020"]["targetDeptCode"] == "A03.01" and live["1020"]["targetDeptName"] == "呼吸内科"
    # a dictionary is sent whole on the first day, then only what changed (nothing here)
    day = [summary for step, summary in delivery.runs if step == "day" and summary.feed == "cdc_base_dept"]
    assert day[0].messages == 0 and day[0].quarantined == 1


def test_every_active_staff_member_is_a_user(push, his) -> None:
    sim, _ = push
    live = sim.state.live("baseUser")
    staff = {r["staff_code"]: r["role"] for r in _his_rows(his, "SELECT staff_code, role FROM staff WHERE is_active = 1")}
    assert set(live) == set(staff)
    assert {live[code]["userTypeCode"] for code, role in staff.items() if role == "doctor"} == {"2"}
    assert all(d["idCardTypeCode"] == "01" and d["orgCode"] == "360102001" for d in live.values())


# ------------------------------------------------------------------------------------------------ next-day group


def test_front_pages_and_discharge_notes_of_both_days_are_delivered(push, his) -> None:
    sim, _ = push
    window = {"a": _at(PREV), "b": _at(DAY + timedelta(days=1))}
    pages = {r["adm_id"] for r in _his_rows(
        his, "SELECT adm_id FROM front_page WHERE updated_at >= :a AND updated_at < :b", **window)}
    notes = {r["note_id"] for r in _his_rows(
        his, "SELECT note_id FROM discharge_note WHERE updated_at >= :a AND updated_at < :b", **window)}
    assert pages and set(sim.state.live("emrAdmissionRecord")) == pages
    assert notes and set(sim.state.live("emrDischargeInfo")) == notes
    death = sim.state.live("emrAdmissionRecord")[his.emr.edge_cases.death_adm_id]
    assert death["autopsyCode"] == "0" and death["dischargeDiagnosisCode"].startswith("J10")
    assert death["payMethodCode"] in {"01", "02", "05", "06", "07", "99"}
    assert all(d["diseaseProgressionName"] for d in sim.state.live("emrDischargeInfo").values())
