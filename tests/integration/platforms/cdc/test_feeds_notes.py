"""The routine same-day CDC feeds that carry clinical notes, end to end on a generated demo HIS in real PostgreSQL:
门（急）诊病历, 留观记录, 入院记录, 首次/日常病程记录, 生命体征 and 死亡信息, each after its patients
(``cdc_emr_patient_info``), delivered to the in-process front-end simulator (push) and to a PostgreSQL front-end
database (db mode).

One scenario per delivery mode, on one HIS (``day - 1`` and ``day`` generated, the planted changes of ``day``
rewound first):

1. the ``day - 1`` window (patients first, then every notes feed);
2. the planted changes of ``day`` replayed (the 伤寒 admission note gains its 修正诊断), then the ``day`` window;
3. changes of the next day made here: the observation still open at the end of ``day`` closes, an outpatient
   note is voided, a stay admitted on ``day`` is cancelled (取消入院) — then the next day's window;
4. every window run again: nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from demo.his import schema as s
from demo.his.emr import EmrSummary, generate_emr, replay_day_changes, rewind_day_changes
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger, RecordState
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.cdc import ddl
from hisbridge.platforms.cdc.client import CdcClient, CdcSettings
from hisbridge.platforms.cdc.frontend_db import FrontendDbSender
from hisbridge.platforms.cdc.sender import CdcSender, CdcSenderBase
from hisbridge.platforms.cdc.tables import table
from simulators.cdc.server import SimServer
from simulators.cdc.state import SimState

DAY = date(2026, 11, 24)
PREV, NEXT = DAY - timedelta(days=1), DAY + timedelta(days=1)
SCALE, SEED = 300, 42
PATIENTS = "cdc_emr_patient_info"
#: the feeds under test and their front-end tables, in the order a DAG runs them (after the patients)
FEEDS = {
    "cdc_emr_outpatient_record": "emr_outpatient_record",
    "cdc_emr_outpatient_obs": "emr_outpatient_obs",
    "cdc_emr_admission_info": "emr_admission_info",
    "cdc_emr_first_course": "emr_first_course",
    "cdc_emr_daily_course": "emr_daily_course",
    "cdc_emr_vital_signs_record": "emr_vital_signs_record",
    "cdc_emr_death_info": "emr_death_info",
}
#: every record each feed should deliver, as HIS keys (voided notes and notes of cancelled stays excluded)
EXPECTED_SQL = {
    "cdc_emr_outpatient_record": "SELECT note_id, patient_id FROM outpatient_note WHERE status <> 'voided'",
    "cdc_emr_outpatient_obs": "SELECT obs_id, patient_id FROM er_observation WHERE status <> 'voided'",
    "cdc_emr_admission_info": """SELECT a.note_id, a.patient_id FROM admission_note a
        JOIN inpatient_stay st ON st.adm_id = a.adm_id WHERE a.status <> 'voided' AND st.status <> 'cancelled'""",
    "cdc_emr_first_course": """SELECT c.note_id, c.patient_id FROM course_note c
        JOIN inpatient_stay st ON st.adm_id = c.adm_id
        WHERE c.note_type = 'SC' AND c.status <> 'voided' AND st.status <> 'cancelled'""",
    "cdc_emr_daily_course": """SELECT c.note_id, c.patient_id FROM course_note c
        JOIN inpatient_stay st ON st.adm_id = c.adm_id
        WHERE c.note_type = 'RC' AND c.status <> 'voided' AND st.status <> 'cancelled'""",
    "cdc_emr_vital_signs_record": """SELECT v.record_id, v.patient_id FROM vital_sign v
        JOIN inpatient_stay st ON st.adm_id = v.adm_id WHERE v.status <> 'voided' AND st.status <> 'cancelled'""",
    "cdc_emr_death_info": "SELECT death_id, patient_id FROM death_record WHERE status <> 'voided'",
}
FRONTEND_SCHEMA = "cdc_frontend"
PARENT_REASON = "父记录 emr_patient_info id={} 尚未上报传染病监测预警前置软件"


def _day(d: date) -> tuple[datetime, datetime]:
    start = datetime.combine(d, time())
    return start, start + timedelta(days=1)


def _at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


# ------------------------------------------------------------------------------------------------ the HIS


@dataclass
class NextDay:
    """Changes made on the day after ``day`` (by this test, not the generator): key, values before, after."""

    changes: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    obs_closed: str = ""
    note_voided: str = ""
    stay_cancelled: str = ""

    def apply(self, engine: Engine, which: int) -> None:
        with engine.begin() as conn:
            for table_name, key, *values in self.changes:
                t = s.metadata.tables[table_name]
                cond = [t.c[k] == v for k, v in key.items()]
                conn.execute(t.update().where(*cond).values(**values[which]))


@dataclass
class His:
    engine: Engine
    emr: EmrSummary
    next_day: NextDay

    def at_start(self) -> None:
        """The HIS as it stood at the end of ``day - 1``."""
        self.next_day.apply(self.engine, 0)
        rewind_day_changes(self.engine, self.emr)

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    def one(self, sql: str, **params: Any) -> dict[str, Any]:
        rows = self.rows(sql, **params)
        assert len(rows) == 1, rows
        return rows[0]


def _next_day_changes(his: His) -> NextDay:
    """Three changes of the next day: close the open observation, void an ordinary note of ``day``, cancel an
    ordinary stay admitted on ``day`` (its admission note, first course and vital signs go with it)."""
    edge = his.emr.edge_cases
    nd = NextDay()
    obs = his.one("SELECT obs_id, course_text, updated_at FROM er_observation WHERE obs_id = :o",
                  o=edge.er_obs_open)
    closed = _at(NEXT, 1, 30)
    nd.changes.append(("er_observation", {"obs_id": obs["obs_id"]},
                       {"out_time": None, "status": "observing", "course_text": obs["course_text"],
                        "updated_at": obs["updated_at"]},
                       {"out_time": closed, "status": "left",
                        "course_text": obs["course_text"] + "次日01:30复查症状缓解，生命体征平稳，准予离观。",
                        "updated_at": closed + timedelta(minutes=5)}))
    nd.obs_closed = obs["obs_id"]
    planted = {edge.unmapped_marital_patient, edge.patient_changed}
    note = next(r for r in his.rows(
        "SELECT note_id, patient_id, updated_at FROM outpatient_note WHERE visit_time >= :d ORDER BY note_id",
        d=_at(DAY, 0)) if r["patient_id"] not in planted)
    voided = _at(NEXT, 8, 0)
    nd.changes.append(("outpatient_note", {"note_id": note["note_id"]},
                       {"status": "signed", "void_time": None, "updated_at": note["updated_at"]},
                       {"status": "voided", "void_time": voided, "updated_at": voided}))
    nd.note_voided = note["note_id"]
    stay = his.rows("""SELECT st.adm_id, st.updated_at FROM inpatient_stay st
        WHERE st.adm_time >= :d AND st.adm_id NOT IN (:death, :typhoid)
          AND EXISTS (SELECT 1 FROM admission_note a WHERE a.adm_id = st.adm_id)
        ORDER BY st.adm_id""", d=_at(DAY, 0), death=edge.death_adm_id, typhoid=edge.typhoid_adm_id)[0]
    nd.changes.append(("inpatient_stay", {"adm_id": stay["adm_id"]},
                       {"status": "admitted", "updated_at": stay["updated_at"]},
                       {"status": "cancelled", "updated_at": _at(NEXT, 9, 0)}))
    nd.stay_cancelled = stay["adm_id"]
    return nd


@pytest.fixture(scope="module")
def his(pg_module_url) -> Iterator[His]:
    engine = make_engine(pg_module_url)
    generate(engine, DAY, SCALE, SEED)
    generate_insurance(engine, DAY, seed=SEED)
    summary = generate_emr(engine, DAY, seed=SEED)
    h = His(engine, summary, NextDay())
    h.next_day = _next_day_changes(h)
    try:
        yield h
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------------------ delivery


@dataclass
class Delivery:
    mode: str
    his: His
    ledger: Ledger
    sim: SimServer | None
    frontend: Engine | None
    runs: dict[tuple[date, str], FeedSummary] = field(default_factory=dict)
    reruns: dict[tuple[date, str], FeedSummary] = field(default_factory=dict)

    def live(self, feed: str) -> dict[str, dict[str, Any]]:
        """id → record (camelCase keys) of what the front-end holds and has not deleted."""
        t = table(FEEDS.get(feed, "emr_patient_info"))
        if self.sim is not None:
            return self.sim.state.live(t.entity)
        assert self.frontend is not None
        with self.frontend.connect() as conn:
            rows = conn.execute(text(f"SELECT * FROM {FRONTEND_SCHEMA}.{t.name}")).mappings().all()
        out = {}
        for row in rows:
            body = {}
            for col in t.columns:
                value = row[col.name]
                if isinstance(value, datetime):
                    value = value.strftime("%Y-%m-%d %H:%M:%S")
                if value is not None:
                    body[col.camel] = value
            out[row["id"]] = body
        return out

    def record(self, feed: str, key: str) -> RecordState:
        return self.ledger.lookup(feed, [key])[key]

    def messages(self, feed: str, key: str) -> list[dict[str, Any]]:
        return self.ledger.messages_for(self.record(feed, key).id)


def _run_window(d: Delivery, sender: CdcSenderBase, day: date,
                into: dict[tuple[date, str], FeedSummary]) -> None:
    for feed in (PATIENTS, *FEEDS):
        into[(day, feed)] = run_feed(load_feed_spec(feed), d.his.engine, d.ledger, sender, _day(day),
                                     RunSettings(run_id=f"test-{d.mode}-{day}-{len(into)}", raise_on_halt=True))


def _scenario(d: Delivery, sender: CdcSenderBase) -> None:
    his = d.his
    his.at_start()
    _run_window(d, sender, PREV, d.runs)
    replay_day_changes(his.engine, his.emr)
    _run_window(d, sender, DAY, d.runs)
    his.next_day.apply(his.engine, 1)
    _run_window(d, sender, NEXT, d.runs)
    for day in (PREV, DAY, NEXT):
        _run_window(d, sender, day, d.reruns)


def _ledger(url: str, schema: str) -> Ledger:
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    admin.dispose()
    ledger = Ledger(make_engine(url, connect_args={"options": f"-csearch_path={schema}"}))
    ledger.ensure_schema()
    return ledger


@pytest.fixture(scope="module", params=["api", "db"])
def delivered(request, his: His, pg_module_url: str) -> Iterator[Delivery]:
    ledger = _ledger(pg_module_url, f"ledger_{request.param}")
    if request.param == "api":
        with SimServer(SimState()) as sim:
            d = Delivery("api", his, ledger, sim, None)
            sender = CdcSender(CdcClient(CdcSettings(base_url=sim.url)), ledger=ledger)
            try:
                _scenario(d, sender)
                yield d
            finally:
                sender.close()
                ledger.engine.dispose()
        return
    frontend = make_engine(pg_module_url)
    with frontend.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {FRONTEND_SCHEMA}"))
    ddl.install(frontend, schema=FRONTEND_SCHEMA)
    d = Delivery("db", his, ledger, None, frontend)
    try:
        _scenario(d, FrontendDbSender(frontend, schema=FRONTEND_SCHEMA, ledger=ledger))
        yield d
    finally:
        frontend.dispose()
        ledger.engine.dispose()


# ------------------------------------------------------------------------------------------------ tests


def test_every_note_of_the_days_reaches_the_front_end_after_its_patient(delivered: Delivery) -> None:
    edge = delivered.his.emr.edge_cases
    patients = set(delivered.live(PATIENTS))
    for feed, sql in EXPECTED_SQL.items():
        rows = delivered.his.rows(sql)
        expected = {r[next(iter(r))] for r in rows if r["patient_id"] != edge.unmapped_marital_patient}
        live = delivered.live(feed)
        assert expected, feed
        assert set(live) == expected, feed
        assert {body["patientId"] for body in live.values()} <= patients, feed
        states = delivered.ledger.counts(feed)[feed]
        assert states.get(ls.REJECTED, 0) == 0 and states.get(ls.UNKNOWN, 0) == 0, (feed, states)
    for key, summary in delivered.runs.items():
        assert summary.balanced(), key
        assert summary.halted is None and summary.rejected == 0, (key, summary.reasons)


def test_routine_fields_are_mapped_to_the_national_codes(delivered: Delivery) -> None:
    his = delivered.his
    note = his.rows("""SELECT note_id, reg_id, visit_time, first_visit_flag, allergy_flag, diag_codes
        FROM outpatient_note WHERE dept_code = '1190' AND status = 'signed' AND patient_id <> :p
        ORDER BY note_id""", p=his.emr.edge_cases.unmapped_marital_patient)[-1]
    body = delivered.live("cdc_emr_outpatient_record")[note["note_id"]]
    assert body["serialNumber"] == note["reg_id"]
    assert body["outpatientDate"] == note["visit_time"].strftime("%Y-%m-%d %H:%M:%S")
    assert body["deptCode"] == "A53" and body["deptName"] == "发热门诊"  # 院内 1190 → 前置软件标准科室
    assert body["orgCode"] == "360102001" and body["invalidFlag"] == "0"
    assert body["initalDiagnosisCode"] == {"Y": "1", "N": "0"}[note["first_visit_flag"]]
    assert body["allergyHisFlag"] == {"Y": "1", "N": "0"}[note["allergy_flag"]]
    assert body["wmDiagnosisCode"] == note["diag_codes"]
    if body.get("idCard"):
        assert body["idCardTypeCode"] == "01" and body["idCardTypeName"] == "居民身份证"
    course = next(b for b in delivered.live("cdc_emr_daily_course").values() if b.get("diseaseProgressionName"))
    assert course["diseaseProgressionCode"] == {"治愈": "1", "好转": "2", "未愈": "3"}[course["diseaseProgressionName"]]
    assert course["wardName"] and course["bedNo"] and course["serialNumber"].startswith("ZY")


def test_a_patient_the_front_end_lacks_holds_back_his_notes_with_the_parent_reason(delivered: Delivery) -> None:
    pid = delivered.his.emr.edge_cases.unmapped_marital_patient
    assert delivered.record(PATIENTS, pid).state == ls.QUARANTINED  # his marital code has no mapping
    notes = delivered.his.rows("SELECT note_id FROM outpatient_note WHERE patient_id = :p", p=pid)
    assert notes
    for row in notes:
        rec = delivered.record("cdc_emr_outpatient_record", row["note_id"])
        assert rec.state == ls.QUARANTINED
        assert rec.reason == PARENT_REASON.format(pid)
        assert row["note_id"] not in delivered.live("cdc_emr_outpatient_record")
    assert delivered.runs[(DAY, "cdc_emr_outpatient_record")].reasons == {PARENT_REASON.format(pid): len(notes)}


def test_the_revised_admission_note_is_sent_again_as_an_upsert(delivered: Delivery) -> None:
    edge = delivered.his.emr.edge_cases
    key = edge.admission_note_revised
    revised = delivered.his.one("SELECT rev_diag_codes, rev_diag_names, rev_diag_time, adm_id FROM admission_note "
                                "WHERE note_id = :k", k=key)
    assert revised["adm_id"] == edge.typhoid_adm_id
    messages = delivered.messages("cdc_emr_admission_info", key)
    assert [(m["purpose"], m["outcome"]) for m in messages] == [("upload", "acknowledged")] * 2
    assert delivered.runs[(PREV, "cdc_emr_admission_info")].acknowledged >= 1
    body = delivered.live("cdc_emr_admission_info")[key]
    assert body["wmRevisedDiagnosisCode"] == revised["rev_diag_codes"]  # 伤寒 A01
    assert body["wmRevisedDiagnosisName"] == revised["rev_diag_names"]
    assert body["revisedDiagnosisDate"] == revised["rev_diag_time"].strftime("%Y-%m-%d %H:%M:%S")
    assert body["serialNumber"] == edge.typhoid_adm_id
    assert body["infectionCode"] == "1"
    if delivered.sim is not None:
        record = delivered.sim.state.get("emrAdmissionInfo", key)
        assert record.versions == 2 and record.duplicates == 0
        first, second = (e["request"] for e in delivered.sim.state.journal_entries("emrAdmissionInfo", key))
        assert "wmRevisedDiagnosisCode" not in first
        assert second["wmRevisedDiagnosisCode"] == revised["rev_diag_codes"]


def test_the_typhoid_stay_is_on_the_front_end_with_its_course_and_vital_signs(delivered: Delivery) -> None:
    adm_id = delivered.his.emr.edge_cases.typhoid_adm_id
    for feed in ("cdc_emr_admission_info", "cdc_emr_first_course", "cdc_emr_daily_course",
                 "cdc_emr_vital_signs_record"):
        bodies = [b for b in delivered.live(feed).values() if b.get("serialNumber") == adm_id]
        assert bodies, feed
        assert {b["deptCode"] for b in bodies} == {"A03"}, feed  # 4030 感染性疾病病区 → A03
    first = next(b for b in delivered.live("cdc_emr_first_course").values() if b["serialNumber"] == adm_id)
    assert first["wmInitalDiagnosisCode"] and first["treatmentPlan"]
    assert first["residentPhysicianId"] == first["operatorId"]


def test_the_death_is_delivered_with_the_ventilated_icu_stay_that_ended_in_it(delivered: Delivery) -> None:
    edge = delivered.his.emr.edge_cases
    death = delivered.his.one("SELECT * FROM death_record WHERE death_id = :d", d=edge.death_id)
    body = delivered.live("cdc_emr_death_info")[edge.death_id]
    assert body["activityTypeCode"] == "6" and body["activityTypeName"] == "住院"
    assert body["serialNumber"] == edge.death_adm_id
    assert body["deadDate"] == death["death_time"].strftime("%Y-%m-%d %H:%M:%S")
    assert body["directCauseCode"] == death["direct_cause_code"]
    assert body["deathDiagnosisCode"] == death["death_diag_code"]
    assert body["chiefPhysicianId"] == death["attending_code"] and body["deptCode"] == "A03.01"
    assert delivered.record("cdc_emr_death_info", edge.death_id).state == ls.ACKNOWLEDGED
    signs = [b for b in delivered.live("cdc_emr_vital_signs_record").values()
             if b["serialNumber"] == edge.death_adm_id]
    assert signs and {b["activityTypeCode"] for b in signs} == {"6"}
    on_ventilator = [b for b in signs if b["ventilatorusedCode"] == "1"]
    assert on_ventilator and all(b["criticalCareCode"] == "1" and b["ventilatorusedName"] == "是"
                                 for b in on_ventilator)
    assert any(b["ventilatorusedCode"] == "0" and b["ventilatorusedName"] == "否" for b in signs)


def test_an_open_observation_is_sent_and_sent_again_when_the_patient_leaves(delivered: Delivery) -> None:
    key = delivered.his.next_day.obs_closed
    assert key == delivered.his.emr.edge_cases.er_obs_open
    messages = delivered.messages("cdc_emr_outpatient_obs", key)
    assert [(m["purpose"], m["outcome"]) for m in messages] == [("upload", "acknowledged")] * 2
    body = delivered.live("cdc_emr_outpatient_obs")[key]
    assert body["course"].endswith("准予离观。") and body["observationDate"] and body["notes"]
    assert delivered.runs[(DAY, "cdc_emr_outpatient_obs")].acknowledged == 2  # both of the day's observations
    if delivered.sim is not None:
        assert delivered.sim.state.get("emrOutpatientObs", key).versions == 2


def test_a_voided_note_and_the_notes_of_a_cancelled_stay_are_removed(delivered: Delivery) -> None:
    nd = delivered.his.next_day
    removed = [("cdc_emr_outpatient_record", nd.note_voided)]
    by_feed = {}
    for feed, sql in (("cdc_emr_admission_info", "SELECT note_id AS k FROM admission_note WHERE adm_id = :a"),
                      ("cdc_emr_first_course", "SELECT note_id AS k FROM course_note WHERE adm_id = :a"),
                      ("cdc_emr_vital_signs_record", "SELECT record_id AS k FROM vital_sign WHERE adm_id = :a")):
        keys = [r["k"] for r in delivered.his.rows(sql, a=nd.stay_cancelled)]
        assert keys, feed
        by_feed[feed] = keys
        removed += [(feed, k) for k in keys]
    for feed, key in removed:
        assert key not in delivered.live(feed), (feed, key)
        rec = delivered.record(feed, key)
        assert rec.state == ls.WITHDRAWN, (feed, key)
        assert [m["operation"].split()[0] for m in delivered.messages(feed, key)] == [
            "POST" if delivered.sim is not None else "UPSERT"]
        # the void is its own message (a DELETE by id), named by the record's last event
        removal = [e["msgid"] for e in delivered.ledger.events(rec.id) if e["to_state"] == ls.WITHDRAWN]
        assert delivered.ledger.message(removal[-1])["operation"].startswith("DELETE"), (feed, key)
        if delivered.sim is not None:
            entity = table(FEEDS[feed]).entity
            assert delivered.sim.state.get(entity, key).deleted
    assert delivered.runs[(NEXT, "cdc_emr_outpatient_record")].withdrawn == 1
    for feed, keys in by_feed.items():
        assert delivered.runs[(NEXT, feed)].withdrawn == len(keys), feed


def test_running_every_window_again_sends_nothing(delivered: Delivery) -> None:
    for key, summary in delivered.reruns.items():
        assert summary.messages == 0, (key, summary.as_dict())
        assert summary.balanced(), key
    if delivered.sim is not None:
        state = delivered.sim.state.summary()
        assert sum(e["duplicates"] for e in state["counts"].values()) == 0, state["counts"]
