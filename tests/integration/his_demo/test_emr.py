"""The demo HIS's EMR / LIS / PACS data (the CDC feeds' source): deterministic, linked to the outpatient and 医保
data, inside the two demo days, every HIS code known to ``code_dict`` except the planted unknown ones, and every
planted edge case present as described — on SQLite and on real PostgreSQL."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from demo.his import emr_refdata as er
from demo.his import schema as s
from demo.his.emr import (
    ADDED_TO,
    EMR_TABLES,
    EmrSummary,
    generate_emr,
    main,
    replay_day_changes,
    rewind_day_changes,
)
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from hisbridge.db import make_engine

from .conftest import DAY, SCALE, SEED, Demo

PREV = DAY - timedelta(days=1)
WINDOW = (
    datetime.combine(PREV, datetime.min.time()),
    datetime.combine(DAY + timedelta(days=1), datetime.min.time()),
)
CLINICAL = [t for t in EMR_TABLES if t not in ("code_dict", "diag_dict", "patient_extra", "stay_bed")]


@dataclass
class Emr:
    backend: str
    engine: Engine
    summary: EmrSummary
    base_counts: dict[str, int]  # rows of ADDED_TO tables before generate_emr
    elapsed: float


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s.metadata.tables[table])).scalar_one()


def _rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def _one(engine: Engine, sql: str, **params: Any) -> dict[str, Any]:
    rows = _rows(engine, sql, **params)
    assert len(rows) == 1, rows
    return rows[0]


def _emr(demo: Demo) -> Emr:
    generate_insurance(demo.engine, DAY, seed=SEED)
    base = {t: _count(demo.engine, t) for t in ADDED_TO}
    started = time.perf_counter()
    summary = generate_emr(demo.engine, DAY, seed=SEED)
    return Emr(demo.backend, demo.engine, summary, base, time.perf_counter() - started)


@pytest.fixture(scope="module")
def sqlite_emr(sqlite_demo: Demo) -> Emr:
    return _emr(sqlite_demo)


@pytest.fixture(scope="module")
def pg_emr(pg_demo: Demo) -> Emr:
    return _emr(pg_demo)


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def emr(request) -> Emr:
    return request.getfixturevalue(f"{'pg' if request.param == 'postgresql' else 'sqlite'}_emr")


def _dt(value: Any) -> datetime:
    """SQLite hands text SQL back as strings, PostgreSQL as datetimes."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _d(value: Any) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else _dt(value).date()


# ------------------------------------------------------------------------------------------------ shape


def test_counts_are_the_rows_written_and_every_table_is_filled(emr: Emr) -> None:
    counts = emr.summary.counts
    for table in EMR_TABLES:
        assert counts[table] == _count(emr.engine, table), table
        assert counts[table] > 0, table
    for table in ADDED_TO:
        assert counts[table] == _count(emr.engine, table) - emr.base_counts[table], table
    empty = """SELECT p.report_id FROM lab_report p LEFT JOIN lab_result r ON r.report_id = p.report_id
               WHERE r.result_id IS NULL"""
    assert _rows(emr.engine, empty) == []
    assert counts["patient_extra"] == _count(emr.engine, "patient")
    assert counts["stay_bed"] == _count(emr.engine, "inpatient_stay")
    assert counts["admission_note"] >= 4 and counts["discharge_note"] >= 10 and counts["front_page"] >= 5
    assert counts["death_record"] == 1 and counts["er_observation"] == 2


def test_fast_enough(sqlite_emr: Emr) -> None:
    assert sqlite_emr.elapsed < 3.0


def test_every_outpatient_visit_of_both_days_has_one_note_and_a_main_diagnosis(emr: Emr) -> None:
    visits = _rows(emr.engine, """
        SELECT r.reg_id, COUNT(n.note_id) AS notes,
               SUM(CASE WHEN d.main_flag = '1' AND d.diag_type = '1' THEN 1 ELSE 0 END) AS mains
        FROM registration r
        LEFT JOIN outpatient_note n ON n.reg_id = r.reg_id
        LEFT JOIN visit_diagnosis d ON d.reg_id = r.reg_id AND d.main_flag = '1'
        WHERE r.visit_date IN (:prev, :day) AND r.status = 'normal' AND r.visit_status IN ('done', 'called')
        GROUP BY r.reg_id""", prev=PREV, day=DAY)  # fmt: skip
    assert visits and all(v["notes"] == 1 and v["mains"] == 1 for v in visits)
    # the note lists the visit's diagnoses, main first
    bad = _rows(
        emr.engine,
        """
        SELECT n.note_id FROM outpatient_note n
        JOIN visit_diagnosis d ON d.reg_id = n.reg_id AND d.main_flag = '1'
        WHERE n.diag_codes NOT LIKE d.diag_code || '%'""",
    )
    assert bad == []
    # a visit without a planted disease keeps its 医保 settlement's main diagnosis
    mismatched = _rows(
        emr.engine,
        """
        SELECT d.diag_id FROM visit_diagnosis d
        JOIN insu_settlement st ON st.reg_id = d.reg_id AND st.refd_setl_flag = '0'
        WHERE d.main_flag = '1' AND d.diag_type = '1' AND st.main_diag_code <> d.diag_code""",
    )
    assert {r["diag_id"] for r in mismatched} <= set(emr.summary.edge_cases.notifiable_reported)


def test_everything_happens_inside_the_two_demo_days(emr: Emr) -> None:
    lo, hi = WINDOW
    for table in CLINICAL:
        row = _one(emr.engine, f"SELECT MIN(updated_at) AS lo, MAX(updated_at) AS hi FROM {table}")
        assert lo <= _dt(row["lo"]) and _dt(row["hi"]) < hi, table
    for table, col in (("outpatient_note", "visit_time"), ("lab_report", "report_time"),
                       ("exam_report", "report_time"), ("course_note", "record_time"),
                       ("vital_sign", "record_time"), ("infectious_report", "report_time")):  # fmt: skip
        row = _one(emr.engine, f"SELECT MIN({col}) AS lo, MAX({col}) AS hi FROM {table}")
        assert lo <= _dt(row["lo"]) and _dt(row["hi"]) < hi, table
    # and a report never comes before its sample, a note never before the visit
    assert _rows(emr.engine, "SELECT report_id FROM lab_report WHERE report_time < sample_time") == []
    assert _rows(emr.engine, "SELECT report_id FROM exam_report WHERE report_time < exam_time") == []
    assert _rows(emr.engine, """SELECT n.note_id FROM admission_note n JOIN inpatient_stay st ON st.adm_id = n.adm_id
                                WHERE n.record_time < st.adm_time""") == []  # fmt: skip


def test_every_lab_result_has_its_report_except_the_planted_orphans(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    orphans = _rows(
        emr.engine,
        """
        SELECT r.result_id, r.report_id FROM lab_result r
        LEFT JOIN lab_report p ON p.report_id = r.report_id
        WHERE p.report_id IS NULL ORDER BY r.result_id""",
    )
    assert [o["result_id"] for o in orphans] == list(edge.lab_result_orphans)
    assert {o["report_id"] for o in orphans} == {edge.lab_orphan_report_id}
    assert len(edge.lab_result_orphans) >= 2


def test_children_and_links_point_at_existing_rows(emr: Emr) -> None:
    checks = {
        "exam item without report": """SELECT i.item_id FROM exam_report_item i
            LEFT JOIN exam_report r ON r.report_id = i.report_id WHERE r.report_id IS NULL""",
        "order item without order": """SELECT i.item_id FROM clinical_order_item i
            LEFT JOIN clinical_order o ON o.order_id = i.order_id WHERE o.order_id IS NULL""",
        "report without visit": """SELECT report_id FROM lab_report
            WHERE (reg_id IS NULL AND adm_id IS NULL) OR (reg_id IS NOT NULL AND adm_id IS NOT NULL)""",
        "inpatient report without stay": """SELECT report_id FROM exam_report
            WHERE (visit_kind = 'I') <> (adm_id IS NOT NULL)""",
        "card without visit": """SELECT report_id FROM infectious_report WHERE reg_id IS NULL AND adm_id IS NULL""",
        "order visit kind": """SELECT order_id FROM clinical_order WHERE (visit_kind = 'I') <> (adm_id IS NOT NULL)""",
        "report patient differs from visit": """SELECT r.report_id FROM lab_report r
            LEFT JOIN registration g ON g.reg_id = r.reg_id LEFT JOIN inpatient_stay st ON st.adm_id = r.adm_id
            WHERE r.patient_id <> COALESCE(g.patient_id, st.patient_id)""",
        "dept unknown": """SELECT report_id FROM lab_report r LEFT JOIN dept d ON d.dept_code = r.apply_dept_code
            WHERE d.dept_code IS NULL""",
        "outpatient prescription not linked": """SELECT o.order_id FROM clinical_order o
            LEFT JOIN prescription p ON p.rx_no = o.rx_no WHERE o.order_type = 'W' AND p.rx_no IS NULL""",
    }
    for what, sql in checks.items():
        assert _rows(emr.engine, sql) == [], what


def test_every_his_code_is_in_code_dict_except_the_planted_unknown_ones(emr: Emr) -> None:
    columns = [
        ("patient_extra", "id_type", "id_type"), ("patient_extra", "country_code", "country"),
        ("patient_extra", "nation_code", "nation"), ("patient_extra", "marital_code", "marital"),
        ("patient_extra", "education_code", "education"), ("patient_extra", "occupation_code", "occupation"),
        ("patient_extra", "contact_rel", "relation"), ("front_page", "pay_method", "pay_method"),
        ("lab_report", "specimen_type", "specimen"), ("exam_report", "exam_type", "exam_type"),
        ("exam_report_item", "result_code", "exam_result"), ("lab_result", "abn_flag", "abn_flag"),
        ("infectious_report", "case_type", "case_type"), ("course_note", "outcome", "outcome"),
        ("discharge_note", "outcome", "outcome"), ("clinical_order", "order_type", "order_type"),
        ("lab_report", "visit_kind", "visit_kind"), ("exam_report", "visit_kind", "visit_kind"),
        ("clinical_order", "visit_kind", "visit_kind"), ("infectious_report", "visit_kind", "visit_kind"),
    ]  # fmt: skip
    edge = emr.summary.edge_cases
    for table, col, dict_type in columns:
        unknown = _rows(emr.engine, f"""
            SELECT DISTINCT t.{col} AS code FROM {table} t
            LEFT JOIN code_dict c ON c.dict_type = :dict_type AND c.code = t.{col}
            WHERE t.{col} IS NOT NULL AND c.code IS NULL""", dict_type=dict_type)  # fmt: skip
        expected = [{"code": edge.unmapped_marital_code}] if col == "marital_code" else []
        assert unknown == expected, (table, col)
    marital = _rows(emr.engine, "SELECT patient_id FROM patient_extra WHERE marital_code = :c",
                    c=edge.unmapped_marital_code)  # fmt: skip
    assert marital == [{"patient_id": edge.unmapped_marital_patient}]
    texts = {r["qual_result"] for r in _rows(emr.engine, "SELECT DISTINCT qual_result FROM lab_result "
                                                         "WHERE qual_result IS NOT NULL")}  # fmt: skip
    assert texts <= set(er.QUAL_TEXTS) and {"+", "阳性", "检出", "S", "R"} <= texts
    unknown_text = _rows(
        emr.engine, "SELECT result_id FROM lab_result WHERE qual_result = :t", t=edge.unmapped_lab_text
    )
    assert unknown_text == [{"result_id": edge.unmapped_lab_result}]
    # every 9-digit address code is a county of Nanchang + a township
    bad = _rows(emr.engine, "SELECT patient_id FROM patient_extra WHERE LENGTH(perm_addr_code) <> 9 "
                            "OR LENGTH(curr_addr_code) <> 9")  # fmt: skip
    assert bad == []


def test_the_unmapped_department_exists_and_requests_one_lab_report(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    assert _one(emr.engine, "SELECT dept_type FROM dept WHERE dept_code = :d", d=edge.unmapped_dept)
    used = _rows(
        emr.engine, "SELECT report_id FROM lab_report WHERE apply_dept_code = :d", d=edge.unmapped_dept
    )
    assert used == [{"report_id": edge.unmapped_dept_lab_report}]


# ------------------------------------------------------------------------------------------------ edge cases


def test_a_lab_report_of_day_minus_1_is_voided_on_day_and_replaced(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    voided = _one(emr.engine, "SELECT * FROM lab_report WHERE report_id = :r", r=edge.lab_report_voided)
    assert voided["status"] == "voided" and voided["void_reason"]
    assert _d(voided["report_time"]) == PREV and _d(voided["void_time"]) == DAY
    assert _dt(voided["updated_at"]) == _dt(voided["void_time"])
    again = _one(emr.engine, "SELECT * FROM lab_report WHERE report_id = :r", r=edge.lab_report_replacement)
    assert again["status"] == "reported" and _d(again["report_time"]) == DAY
    assert (again["patient_id"], again["adm_id"], again["panel_code"]) == (
        voided["patient_id"],
        voided["adm_id"],
        voided["panel_code"],
    )
    assert _rows(emr.engine, "SELECT report_id FROM lab_report WHERE status = 'voided'") == [
        {"report_id": edge.lab_report_voided}
    ]


def test_a_result_row_of_day_minus_1_is_voided_on_day(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    row = _one(emr.engine, """SELECT r.status, r.void_time, r.updated_at, p.status AS report_status, p.report_time
                              FROM lab_result r JOIN lab_report p ON p.report_id = r.report_id
                              WHERE r.result_id = :r""", r=edge.lab_result_voided)  # fmt: skip
    assert (
        row["status"] == "voided"
        and _d(row["void_time"]) == DAY
        and _dt(row["updated_at"]) == _dt(row["void_time"])
    )
    assert row["report_status"] == "reported" and _d(row["report_time"]) == PREV
    assert _rows(emr.engine, "SELECT result_id FROM lab_result WHERE status = 'voided'") == [
        {"result_id": edge.lab_result_voided}
    ]


def test_a_patient_created_on_day_minus_1_changes_on_day(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    row = _one(emr.engine, """SELECT p.created_at, x.updated_at FROM patient p
                              JOIN patient_extra x ON x.patient_id = p.patient_id WHERE p.patient_id = :p""",
               p=edge.patient_changed)  # fmt: skip
    assert _d(row["created_at"]) == PREV and _d(row["updated_at"]) == DAY
    (change,) = [c for c in emr.summary.day_changes if c.table == "patient_extra"]
    assert change.key == {"patient_id": edge.patient_changed}
    assert change.before["updated_at"].date() == PREV
    assert change.before["curr_addr_code"] != change.after["curr_addr_code"]


def test_the_a15_diagnosis_has_its_card_and_the_lab_results_that_prove_it(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    diag = _one(emr.engine, "SELECT * FROM visit_diagnosis WHERE diag_id = :d", d=edge.notifiable_a15_diag)
    assert diag["diag_code"].startswith("A15") and diag["main_flag"] == "1" and _d(diag["diag_time"]) == DAY
    card = _one(
        emr.engine, "SELECT * FROM infectious_report WHERE report_id = :r", r=edge.notifiable_a15_report
    )
    assert (card["reg_id"], card["patient_id"], card["icd10_code"]) == (diag["reg_id"], diag["patient_id"],
                                                                        diag["diag_code"])  # fmt: skip
    dd = _one(emr.engine, "SELECT inf_disease_code, inf_disease_name, inf_class FROM diag_dict WHERE diag_code = :c",
              c=diag["diag_code"])  # fmt: skip
    assert card["disease_code"] == dd["inf_disease_code"] == "116" and dd["inf_class"] == "乙"
    assert card["disease_name"] == dd["inf_disease_name"] == "肺结核"
    assert _dt(card["report_time"]) >= _dt(diag["diag_time"]) and card["case_type"] == "QZ"
    results = {r["item_code"]: r["qual_result"] for r in _rows(emr.engine, """
        SELECT r.item_code, r.qual_result FROM lab_result r JOIN lab_report p ON p.report_id = r.report_id
        WHERE p.reg_id = :reg""", reg=diag["reg_id"])}  # fmt: skip
    assert results["AFB"] == "阳性" and results["MTB-DNA"] == "检出"
    ct = _one(emr.engine, "SELECT r.exam_type, i.result_code FROM exam_report r JOIN exam_report_item i "
                          "ON i.report_id = r.report_id WHERE r.reg_id = :reg", reg=diag["reg_id"])  # fmt: skip
    assert ct == {"exam_type": "CT", "result_code": "A"}


@pytest.mark.parametrize(
    ("prefix", "item", "value"),
    [
        ("J10.1", "FLUA-Ag", "阳性"),
        ("U07", "ORF1ab", "阳性"),
        ("A09.0", "ROTA-Ag", "+"),
        ("B20", "HIV-Ab", "阳性"),
    ],
)
def test_each_notifiable_visit_has_a_card_and_a_positive_result(
    emr: Emr, prefix: str, item: str, value: str
) -> None:
    edge = emr.summary.edge_cases
    (diag,) = [d for d in _rows(emr.engine, "SELECT * FROM visit_diagnosis WHERE diag_code LIKE :p", p=f"{prefix}%")
               if d["diag_id"] in edge.notifiable_reported]  # fmt: skip
    cards = _rows(emr.engine, "SELECT * FROM infectious_report WHERE reg_id = :r AND status <> 'voided'",
                  r=diag["reg_id"])  # fmt: skip
    assert len(cards) == 1 and cards[0]["icd10_code"] == diag["diag_code"]
    assert _rows(emr.engine, """SELECT r.result_id FROM lab_result r JOIN lab_report p ON p.report_id = r.report_id
                                WHERE p.reg_id = :reg AND r.item_code = :item AND r.qual_result = :v""",
                 reg=diag["reg_id"], item=item, v=value)  # fmt: skip


def test_the_duplicate_diarrhoea_card_is_voided(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    dup = _one(emr.engine, "SELECT * FROM infectious_report WHERE report_id = :r", r=edge.inf_report_voided)
    assert dup["status"] == "voided" and dup["void_reason"] and _d(dup["void_time"]) == DAY
    twin = _one(
        emr.engine,
        "SELECT * FROM infectious_report WHERE reg_id = :r AND status <> 'voided'",
        r=dup["reg_id"],
    )
    assert twin["icd10_code"] == dup["icd10_code"] and twin["reporter_code"] != dup["reporter_code"]


def test_unreported_notifiable_diagnoses_have_no_card(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    assert edge.notifiable_unreported
    for diag_id in edge.notifiable_unreported:
        d = _one(emr.engine, """SELECT d.reg_id, d.diag_code, x.inf_disease_code FROM visit_diagnosis d
                                JOIN diag_dict x ON x.diag_code = d.diag_code WHERE d.diag_id = :d""", d=diag_id)  # fmt: skip
        assert d["inf_disease_code"] is not None
        assert _rows(emr.engine, "SELECT report_id FROM infectious_report WHERE reg_id = :r AND icd10_code = :c",
                     r=d["reg_id"], c=d["diag_code"]) == []  # fmt: skip
    assert set(edge.notifiable_unreported).isdisjoint(edge.notifiable_reported)
    assert len(edge.inf_reports) == _count(emr.engine, "infectious_report")


def test_a_card_filed_on_day_minus_1_is_revised_twice(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    card = _one(emr.engine, "SELECT * FROM infectious_report WHERE report_id = :r", r=edge.updated_twice)
    assert card["revision"] == 3 and _d(card["report_time"]) == PREV and _d(card["updated_at"]) == DAY
    assert _d(card["death_date"]) == DAY and card["adm_id"] == edge.death_adm_id
    (change,) = [c for c in emr.summary.day_changes if c.table == "infectious_report"]
    assert change.before["revision"] == 2 and change.before["updated_at"].date() == PREV
    note = _one(emr.engine, "SELECT * FROM admission_note WHERE note_id = :n", n=edge.admission_note_revised)
    assert note["revision"] == 2 and _d(note["record_time"]) == PREV and _d(note["rev_diag_time"]) == DAY
    assert note["rev_diag_codes"].startswith("A01") and note["adm_id"] == edge.typhoid_adm_id


def test_the_typhoid_stay_has_a_blood_culture_with_susceptibility_and_a_card(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    report = _one(emr.engine, "SELECT * FROM lab_report WHERE report_id = :r", r=edge.micro_report)
    assert (
        report["micro_flag"] == "Y"
        and report["adm_id"] == edge.typhoid_adm_id
        and _d(report["report_time"]) == DAY
    )
    rows = _rows(
        emr.engine, "SELECT * FROM lab_result WHERE report_id = :r ORDER BY seq_no", r=edge.micro_report
    )
    assert rows[0]["result_kind"] == "G" and rows[0]["germ_name"] == "伤寒沙门菌"
    assert {r["qual_result"] for r in rows[1:]} == {"S", "I", "R"} and all(
        r["result_kind"] == "A" for r in rows[1:]
    )
    card = _one(emr.engine, "SELECT * FROM infectious_report WHERE adm_id = :a", a=edge.typhoid_adm_id)
    assert card["icd10_code"].startswith("A01") and card["disease_code"] == "113"


def test_the_death_is_recorded_with_ventilator_and_icu_care(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    death = _one(emr.engine, "SELECT * FROM death_record WHERE death_id = :d", d=edge.death_id)
    stay = _one(emr.engine, "SELECT * FROM inpatient_stay WHERE adm_id = :a", a=edge.death_adm_id)
    assert death["adm_id"] == edge.death_adm_id and _dt(stay["dscg_time"]) == _dt(death["death_time"])
    assert stay["dscg_way"] == "5" and _d(death["death_time"]) == DAY
    assert death["direct_cause_code"] and death["death_diag_code"].startswith("J10")
    flags = _rows(emr.engine, "SELECT DISTINCT ventilator_flag, icu_flag FROM vital_sign WHERE adm_id = :a",
                  a=edge.death_adm_id)  # fmt: skip
    assert {"ventilator_flag": "Y", "icu_flag": "Y"} in flags
    page = _one(
        emr.engine,
        "SELECT autopsy_flag, main_diag_code FROM front_page WHERE adm_id = :a",
        a=edge.death_adm_id,
    )
    assert page == {"autopsy_flag": "N", "main_diag_code": death["death_diag_code"]}


def test_one_er_observation_is_still_open(emr: Emr) -> None:
    rows = _rows(emr.engine, "SELECT obs_id, out_time, status FROM er_observation ORDER BY obs_id")
    assert [r["obs_id"] for r in rows if r["out_time"] is None] == [emr.summary.edge_cases.er_obs_open]
    assert {r["status"] for r in rows} == {"observing", "left"}


def test_edge_case_ids_hold_no_personal_data(emr: Emr) -> None:
    shown = repr(asdict(emr.summary.edge_cases))
    names = {r["name"] for r in _rows(emr.engine, "SELECT name FROM patient UNION SELECT name FROM staff")}
    ids = {
        r["id_card_no"]
        for r in _rows(emr.engine, "SELECT id_card_no FROM patient WHERE id_card_no IS NOT NULL")
    }
    for secret in (*names, *ids, *emr.summary.pii.names, *emr.summary.pii.phones):
        assert secret not in shown


# ------------------------------------------------------------------------------------------------ day changes


def test_rewind_restores_day_minus_1_and_replay_restores_the_generated_rows(emr: Emr) -> None:
    edge = emr.summary.edge_cases
    changes = emr.summary.day_changes
    assert {c.table for c in changes} == {"lab_report", "lab_result", "patient_extra", "infectious_report",
                                          "admission_note"}  # fmt: skip
    try:
        assert rewind_day_changes(emr.engine, emr.summary) == len(changes)
        for c in changes:
            where = " AND ".join(f"{k} = :{k}" for k in c.key)
            row = _one(emr.engine, f"SELECT updated_at FROM {c.table} WHERE {where}", **c.key)
            assert _d(row["updated_at"]) == PREV, c.table
        report = _one(emr.engine, "SELECT status, void_time FROM lab_report WHERE report_id = :r",
                      r=edge.lab_report_voided)  # fmt: skip
        assert report == {"status": "reported", "void_time": None}
        card = _one(emr.engine, "SELECT revision, death_date FROM infectious_report WHERE report_id = :r",
                    r=edge.updated_twice)  # fmt: skip
        assert card == {"revision": 2, "death_date": None}
    finally:
        assert replay_day_changes(emr.engine, emr.summary) == len(changes)
    result = _one(emr.engine, "SELECT status FROM lab_result WHERE result_id = :r", r=edge.lab_result_voided)
    assert result["status"] == "voided"


# ------------------------------------------------------------------------------------------------ determinism, CLI


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for name in ADDED_TO + EMR_TABLES:
            table = s.metadata.tables[name]
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def test_cli_is_deterministic_and_prints_ids_without_personal_data(sqlite_emr: Emr, tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'his.db'}"
    engine = make_engine(url)
    try:
        generate(engine, DAY, SCALE, SEED)
        generate_insurance(engine, DAY, seed=SEED)
        assert main(["--url", url, "--day", DAY.isoformat(), "--seed", str(SEED)]) == 0
        out = capsys.readouterr().out
        assert _snapshot(engine) == _snapshot(sqlite_emr.engine)
    finally:
        engine.dispose()
    edge = sqlite_emr.summary.edge_cases
    assert "lab_result" in out and edge.lab_report_voided in out and edge.notifiable_a15_report in out
    for secret in (
        *sqlite_emr.summary.pii.names,
        *sqlite_emr.summary.pii.phones,
        *sqlite_emr.summary.pii.id_card_nos,
    ):
        assert secret not in out
    assert main(["--url", url, "--day", DAY.isoformat()]) == 2
    assert "already holds" in capsys.readouterr().err


def test_refuses_a_database_without_the_outpatient_and_inpatient_data(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    try:
        with pytest.raises(ValueError, match="demo.his.generate"):
            generate_emr(engine, DAY)
        generate(engine, DAY, 100, seed=3)
        with pytest.raises(ValueError, match="demo.his.insurance"):
            generate_emr(engine, DAY)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("scale", "seed"), [(100, 3), (60, 7)])
def test_smaller_demo_days_still_carry_every_edge_case(tmp_path, scale: int, seed: int) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    try:
        generate(engine, DAY, scale, seed=seed)
        generate_insurance(engine, DAY, seed=seed, settlements=60)
        summary = generate_emr(engine, DAY, seed=seed)
    finally:
        engine.dispose()
    assert all(v for v in asdict(summary.edge_cases).values())


def test_postgresql_and_sqlite_get_the_same_rows(sqlite_emr: Emr, pg_emr: Emr) -> None:
    assert pg_emr.summary == sqlite_emr.summary
    assert _snapshot(pg_emr.engine) == _snapshot(sqlite_emr.engine)
