"""The demo HIS's 预约 data and planted 互认 cases (the mutual_* feeds' source): deterministic, consistent with the
registrations and reports they come from, every planted case present as described and undone/redone by
rewind/replay, and the feeds' SQL and declarations seeing them as the platform must — on SQLite and on real
PostgreSQL."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from demo.his import mutual_refdata as mr
from demo.his import schema as s
from demo.his.emr import EmrSummary, generate_emr
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from demo.his.mutual import (
    ADDED_TO,
    MUTUAL_TABLES,
    MutualSummary,
    generate_mutual,
    main,
    replay_mutual_changes,
    rewind_mutual_changes,
)
from hisbridge import MAPPINGS_DIR
from hisbridge.db import make_engine
from hisbridge.pipeline.checks import compile_checks, failed_checks
from hisbridge.pipeline.mapping import MappingError, map_record
from hisbridge.pipeline.spec import FeedSpec, read_yaml, shared_codes

from .conftest import DAY, SCALE, SEED, Demo, day_window, run_feed_sql

PREV = DAY - timedelta(days=1)
DEMO_DAYS = (datetime.combine(PREV, datetime.min.time()), datetime.combine(DAY + timedelta(days=1),
                                                                          datetime.min.time()))  # fmt: skip


@dataclass
class Mutual:
    backend: str
    engine: Engine
    emr: EmrSummary
    summary: MutualSummary
    base_counts: dict[str, int]


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


def _dt(value: Any) -> datetime:
    """SQLite hands text SQL back as strings, PostgreSQL as datetimes."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _d(value: Any) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else _dt(value).date()


def _mutual(demo: Demo) -> Mutual:
    generate_insurance(demo.engine, DAY, seed=SEED)
    emr = generate_emr(demo.engine, DAY, seed=SEED)
    base = {t: _count(demo.engine, t) for t in ADDED_TO}
    return Mutual(demo.backend, demo.engine, emr, generate_mutual(demo.engine, DAY, seed=SEED), base)


@pytest.fixture(scope="module")
def sqlite_mutual(sqlite_demo: Demo) -> Mutual:
    return _mutual(sqlite_demo)


@pytest.fixture(scope="module")
def pg_mutual(pg_demo: Demo) -> Mutual:
    return _mutual(pg_demo)


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def mutual(request) -> Mutual:
    return request.getfixturevalue(f"{'pg' if request.param == 'postgresql' else 'sqlite'}_mutual")


def _spec(feed: str) -> FeedSpec:
    data = read_yaml(MAPPINGS_DIR / f"{feed}.yaml")
    return FeedSpec.model_validate({**data, "codes": shared_codes(data["code_files"])})


class _Record:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values, self.lists = values, {}


def _mapped(feed: str, rows: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """business key → (wire row, mapping problems and failed checks' reasons), as the pipeline sees each row."""
    spec = _spec(feed)
    checks = compile_checks(spec)
    out = {}
    for row in rows:
        try:
            wire, problems = map_record(spec, _Record(row)), []  # type: ignore[arg-type]
        except MappingError as exc:
            wire, problems = exc.wire, list(exc.problems)
        problems += [c.reason for c in failed_checks(checks, wire, row)]
        out[str(row[spec.business_key[0]])] = (wire, problems)
    return out


# ------------------------------------------------------------------------------------------------ shape


def test_counts_are_the_rows_written(mutual: Mutual) -> None:
    counts = mutual.summary.counts
    for table in MUTUAL_TABLES:
        assert counts[table] == _count(mutual.engine, table) > 50, table
    for table in ADDED_TO:
        assert counts[table] == _count(mutual.engine, table) - mutual.base_counts[table], table
    assert counts["registration"] == 1 and counts["lab_report"] == 4 and counts["exam_report"] == 1


def test_every_kind_and_status_of_appointment_is_there(mutual: Mutual) -> None:
    seen = {(r["appt_type"], r["status"]) for r in _rows(mutual.engine, "SELECT appt_type, status FROM appointment")}
    assert {("clinic", "attended"), ("clinic", "booked"), ("clinic", "cancelled"), ("clinic", "missed"),
            ("exam", "attended"), ("exam", "booked"), ("lab", "attended")} <= seen  # fmt: skip
    channels = {r["channel"] for r in _rows(mutual.engine, "SELECT DISTINCT channel FROM appointment")}
    assert channels <= {c for c, _ in mr.CHANNEL_WEIGHTS} and len(channels) >= 4


def test_appointments_are_consistent(mutual: Mutual) -> None:
    rows = _rows(mutual.engine, "SELECT * FROM appointment ORDER BY appt_id")
    end = DEMO_DAYS[1]
    for a in rows:
        start, stop, booked, updated = (_dt(a[k]) for k in ("start_time", "end_time", "booked_at", "updated_at"))
        assert start < stop and start.date() == _d(a["appt_date"]), a["appt_id"]
        assert booked <= updated < end, a["appt_id"]
        assert (a["status"] == "cancelled") == (a["cancel_time"] is not None), a["appt_id"]
        assert (a["item_code"] is not None) == (a["appt_type"] != "clinic"), a["appt_id"]
        if a["status"] == "booked":
            assert updated == booked
    # a clinic booking follows its registration: 退号 cancels it, a seen patient attended
    linked = _rows(mutual.engine, """SELECT a.status AS appt, r.status AS reg, r.visit_status AS visit,
        r.is_appointment AS booked FROM appointment a JOIN registration r ON r.reg_id = a.reg_id""")
    assert linked and all(x["booked"] == 1 for x in linked)
    for x in linked:
        if x["reg"] != "normal":
            assert x["appt"] == "cancelled"
        elif x["visit"] in ("done", "called"):
            assert x["appt"] == "attended"
    unlinked = _one(mutual.engine, """SELECT COUNT(*) AS n FROM registration r WHERE r.is_appointment = 1
        AND r.visit_date >= :d AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.reg_id = r.reg_id)""", d=PREV)
    assert unlinked["n"] == 0, "every 预约挂号 of the demo days has its appointment"


# ------------------------------------------------------------------------------------------------ planted cases


def test_planted_cases_are_as_described(mutual: Mutual) -> None:
    e, eng = mutual.summary.edge_cases, mutual.engine
    assert all(asdict(e).values())
    report = _one(eng, "SELECT panel_code, status, report_time FROM lab_report WHERE report_id = :r",
                  r=e.lab_unmapped_report)  # fmt: skip
    assert report["panel_code"] == e.lab_unmapped_panel == mr.UNMAPPED_PANEL.code and report["status"] == "reported"
    assert _d(report["report_time"]) == DAY

    revised = _one(eng, "SELECT revision, remark, report_time FROM lab_report WHERE report_id = :r",
                   r=e.lab_revised_report)  # fmt: skip
    assert revised["revision"] == 2 and revised["remark"] == mr.REVISED_REMARK and _d(revised["report_time"]) == DAY
    value = _one(eng, "SELECT report_id, item_code, quant_value, abn_flag FROM lab_result WHERE result_id = :r",
                 r=e.lab_revised_result)  # fmt: skip
    assert value == {"report_id": e.lab_revised_report, "item_code": mr.REVISED_ITEM[0],
                     "quant_value": mr.REVISED_ITEM[3], "abn_flag": mr.REVISED_ITEM[4]}  # fmt: skip

    withdrawn = _one(eng, "SELECT status, void_reason, void_time FROM lab_report WHERE report_id = :r",
                     r=e.lab_withdrawn_report)  # fmt: skip
    assert withdrawn["status"] == "voided" and withdrawn["void_reason"] == mr.WITHDRAWN_REASON
    results = _rows(eng, "SELECT result_id, status FROM lab_result WHERE report_id = :r ORDER BY result_id",
                    r=e.lab_withdrawn_report)  # fmt: skip
    assert tuple(r["result_id"] for r in results) == e.lab_withdrawn_results and len(results) >= 3
    assert {r["status"] for r in results} == {"normal"}, "results are withdrawn through their report"

    exam = _one(eng, "SELECT revision, conclusion FROM exam_report WHERE report_id = :r", r=e.exam_revised_report)
    assert exam == {"revision": 2, "conclusion": mr.EXAM_REVISED_SECOND[1]}
    item = _one(eng, "SELECT report_id, result_code FROM exam_report_item WHERE item_id = :i", i=e.exam_revised_item)
    assert item == {"report_id": e.exam_revised_report, "result_code": "A"}

    micro = _rows(eng, "SELECT result_id, result_kind, qual_result, germ_code FROM lab_result WHERE report_id = :r "
                       "ORDER BY seq_no", r=e.micro_report)  # fmt: skip
    assert [r["result_id"] for r in micro if r["result_kind"] == "G"] == [e.micro_bacteria]
    suscept = [r for r in micro if r["result_kind"] == "A"]
    assert tuple(r["result_id"] for r in suscept) == e.micro_suscept
    assert {r["qual_result"] for r in suscept} == {"S", "I", "R"} and {r["germ_code"] for r in micro} == {"SAU"}
    assert _one(eng, "SELECT micro_flag FROM lab_report WHERE report_id = :r", r=e.micro_report)["micro_flag"] == "Y"

    appt = _one(eng, "SELECT status, channel, booked_at, cancel_time, reg_id, appt_date FROM appointment "
                     "WHERE appt_id = :a", a=e.appointment_cancelled)  # fmt: skip
    assert appt["status"] == "cancelled" and appt["reg_id"] == e.registration_cancelled
    assert _d(appt["booked_at"]) == PREV and _d(appt["cancel_time"]) == DAY
    assert _d(appt["appt_date"]) == DAY + timedelta(days=1)
    reg = _one(eng, "SELECT status, is_appointment, cancel_time, updated_at FROM registration WHERE reg_id = :r",
               r=e.registration_cancelled)  # fmt: skip
    assert reg["status"] == "cancelled" and reg["is_appointment"] == 1 and _d(reg["updated_at"]) == DAY


def test_rewind_restores_day_minus_1_and_replay_restores_the_generated_rows(mutual: Mutual) -> None:
    e, eng, changes = mutual.summary.edge_cases, mutual.engine, mutual.summary.day_changes
    assert {c.table for c in changes} == {"registration", "appointment", "lab_report", "lab_result", "exam_report",
                                          "exam_report_item"}  # fmt: skip
    for c in changes:
        assert _d(c.after["updated_at"]) == DAY and _d(c.before["updated_at"]) == PREV, c
    try:
        assert rewind_mutual_changes(eng, mutual.summary) == len(changes)
        assert _one(eng, "SELECT revision FROM lab_report WHERE report_id = :r", r=e.lab_revised_report) == {
            "revision": 1}
        assert _one(eng, "SELECT quant_value, abn_flag FROM lab_result WHERE result_id = :r",
                    r=e.lab_revised_result) == {"quant_value": mr.REVISED_ITEM[1], "abn_flag": mr.REVISED_ITEM[2]}
        assert _one(eng, "SELECT status FROM lab_report WHERE report_id = :r", r=e.lab_withdrawn_report) == {
            "status": "reported"}
        assert _one(eng, "SELECT conclusion FROM exam_report WHERE report_id = :r", r=e.exam_revised_report) == {
            "conclusion": mr.EXAM_REVISED_FIRST[1]}
        assert _one(eng, "SELECT status, cancel_time FROM appointment WHERE appt_id = :a",
                    a=e.appointment_cancelled) == {"status": "booked", "cancel_time": None}
        assert _one(eng, "SELECT status FROM registration WHERE reg_id = :r", r=e.registration_cancelled) == {
            "status": "normal"}
    finally:
        assert replay_mutual_changes(eng, mutual.summary) == len(changes)
    assert _one(eng, "SELECT status FROM lab_report WHERE report_id = :r", r=e.lab_withdrawn_report) == {
        "status": "voided"}


# ------------------------------------------------------------------------------------------------ the feeds' view


def test_day_minus_1_windows_deliver_the_first_versions(mutual: Mutual) -> None:
    e, eng = mutual.summary.edge_cases, mutual.engine
    rewind_mutual_changes(eng, mutual.summary)
    try:
        reports = {r["report_id"]: r for r in run_feed_sql(eng, "mutual_lab_report", *day_window(PREV))}
        assert reports[e.lab_revised_report]["voided"] == 0 and reports[e.lab_withdrawn_report]["voided"] == 0
        values = {r["result_id"]: r for r in run_feed_sql(eng, "mutual_lab_indicator", *day_window(PREV))}
        assert values[e.lab_revised_result]["result_value"] == mr.REVISED_ITEM[1]
        exams = {r["item_id"]: r for r in run_feed_sql(eng, "mutual_exam_report", *day_window(PREV))}
        assert exams[e.exam_revised_item]["conclusion"] == mr.EXAM_REVISED_FIRST[1]
        appts = {r["appt_id"]: r for r in run_feed_sql(eng, "mutual_appointment", *day_window(PREV))}
        assert appts[e.appointment_cancelled]["status"] == "booked"
        regs = {r["reg_id"]: r for r in run_feed_sql(eng, "mutual_registration", *day_window(PREV))}
        assert regs[e.registration_cancelled]["status"] == "normal"
    finally:
        replay_mutual_changes(eng, mutual.summary)


def test_day_windows_carry_the_corrections(mutual: Mutual) -> None:
    e, eng = mutual.summary.edge_cases, mutual.engine
    reports = {r["report_id"]: r for r in run_feed_sql(eng, "mutual_lab_report", *day_window(DAY))}
    assert reports[e.lab_withdrawn_report]["voided"] == 1
    assert reports[e.lab_revised_report]["voided"] == 0 and reports[e.lab_revised_report]["remark"]
    values = {r["result_id"]: r for r in run_feed_sql(eng, "mutual_lab_indicator", *day_window(DAY))}
    assert values[e.lab_revised_result]["result_value"] == mr.REVISED_ITEM[3]
    assert {k for k, r in values.items() if r["report_id"] == e.lab_withdrawn_report} == set(e.lab_withdrawn_results)
    assert all(values[k]["voided"] == 1 for k in e.lab_withdrawn_results)
    exams = {r["item_id"]: r for r in run_feed_sql(eng, "mutual_exam_report", *day_window(DAY))}
    assert exams[e.exam_revised_item]["conclusion"] == mr.EXAM_REVISED_SECOND[1]
    bacteria = run_feed_sql(eng, "mutual_microbe_bacteria", *day_window(DAY))
    assert e.micro_bacteria in {r["result_id"] for r in bacteria}
    suscept = run_feed_sql(eng, "mutual_microbe_suscept", *day_window(DAY))
    assert set(e.micro_suscept) <= {r["result_id"] for r in suscept}
    appts = {r["appt_id"]: r for r in run_feed_sql(eng, "mutual_appointment", *day_window(DAY))}
    assert appts[e.appointment_cancelled]["status"] == "cancelled"
    regs = {r["reg_id"]: r for r in run_feed_sql(eng, "mutual_registration", *day_window(DAY))}
    assert regs[e.registration_cancelled]["status"] == "cancelled"


def test_each_window_row_is_selected_once_and_in_key_order(mutual: Mutual) -> None:
    for feed, key in (("mutual_lab_report", "report_id"), ("mutual_lab_indicator", "result_id"),
                      ("mutual_microbe_bacteria", "result_id"), ("mutual_microbe_suscept", "result_id"),
                      ("mutual_exam_report", "item_id"), ("mutual_appointment", "appt_id"),
                      ("mutual_registration", "reg_id")):  # fmt: skip
        keys = [r[key] for r in run_feed_sql(mutual.engine, feed, *DEMO_DAYS)]
        assert keys and keys == sorted(set(keys)), feed


def test_only_the_planted_and_emr_cases_fail_mapping_or_checks(mutual: Mutual) -> None:
    """Everything the demo HIS holds maps cleanly to the wire, except: the unmapped panel's report (and its one
    indicator), the EMR's 见备注 text, and the EMR's results without a report."""
    e, emr = mutual.summary.edge_cases, mutual.emr.edge_cases
    failing: dict[str, dict[str, list[str]]] = {}
    for feed in ("mutual_lab_report", "mutual_lab_indicator", "mutual_microbe_bacteria", "mutual_microbe_suscept",
                 "mutual_exam_report", "mutual_appointment", "mutual_registration"):  # fmt: skip
        mapped = _mapped(feed, run_feed_sql(mutual.engine, feed, *DEMO_DAYS))
        failing[feed] = {k: problems for k, (_, problems) in mapped.items() if problems}
    assert set(failing["mutual_lab_report"]) == {e.lab_unmapped_report}
    reason = "；".join(failing["mutual_lab_report"][e.lab_unmapped_report])
    assert "代码未对照" in reason and e.lab_unmapped_panel in reason and "lab_data_code" in reason
    unmapped_item = _one(mutual.engine, "SELECT result_id FROM lab_result WHERE report_id = :r",
                         r=e.lab_unmapped_report)["result_id"]  # fmt: skip
    assert set(failing["mutual_lab_indicator"]) == {unmapped_item, emr.unmapped_lab_result, *emr.lab_result_orphans}
    assert any("见备注" in p for p in failing["mutual_lab_indicator"][emr.unmapped_lab_result])
    for orphan in emr.lab_result_orphans:
        assert failing["mutual_lab_indicator"][orphan] == ["检验结果所属的检验报告不存在（报告未审核签发）"]
    for feed in ("mutual_microbe_bacteria", "mutual_microbe_suscept", "mutual_exam_report", "mutual_appointment",
                 "mutual_registration"):  # fmt: skip
        assert failing[feed] == {}, feed


def test_wire_rows_carry_the_platform_codes(sqlite_mutual: Mutual) -> None:
    e, eng = sqlite_mutual.summary.edge_cases, sqlite_mutual.engine
    reports = _mapped("mutual_lab_report", run_feed_sql(eng, "mutual_lab_report", *DEMO_DAYS))
    wire = reports[e.lab_revised_report][0]
    assert wire["DataCode"] == "L0001" and wire["DataName"] == "血常规" and wire["MtuRecMark"] == "1"
    assert wire["DiagTypeCode"] == "3" and wire["HospitalNo"] == wire["DiagNo"] and wire["IdCardTypeCode"] == "01"
    assert wire["MicrobeTestMark"] == "0" and reports[e.micro_report][0]["MicrobeTestMark"] == "1"
    indicators = _mapped("mutual_lab_indicator", run_feed_sql(eng, "mutual_lab_indicator", *DEMO_DAYS))
    plt = indicators[e.lab_revised_result][0]
    assert plt["ExamItemCode"] == "L0001.05" and plt["TestProjCodeExp"] == "PLT" and plt["AnomalyCode"] == "N"
    assert plt["ReportBusinessNo"] == e.lab_revised_report and plt["NormalRefLimit"] == "125-350"
    suscept = _mapped("mutual_microbe_suscept", run_feed_sql(eng, "mutual_microbe_suscept", *DEMO_DAYS))
    oxa = suscept[e.micro_suscept[0]][0]
    assert oxa["DrugSusceptibilityCode"] == "R" and oxa["DrugSusceptibilityName"] == "耐药"
    assert oxa["BacteriaId"] == "SAU" and oxa["BacteriostaticConcentrate"] == "≥4"
    exams = _mapped("mutual_exam_report", run_feed_sql(eng, "mutual_exam_report", *DEMO_DAYS))
    ct = exams[e.exam_revised_item][0]
    assert (ct["CheckProjCode"], ct["DataCode"], ct["CheckTypeCode"], ct["CheckResCode"]) == ("E0001", "E0001",
                                                                                              "CT", "2")  # fmt: skip
    appts = _mapped("mutual_appointment", run_feed_sql(eng, "mutual_appointment", *DEMO_DAYS))
    cancelled = appts[e.appointment_cancelled][0]
    assert (cancelled["AppointType"], cancelled["AppointChannel"], cancelled["AppointStatus"]) == ("1", "3", "2")
    regs = _mapped("mutual_registration", run_feed_sql(eng, "mutual_registration", *DEMO_DAYS))
    reg = regs[e.registration_cancelled][0]
    assert (reg["RegStatus"], reg["AppointMark"], reg["DiagTypeCode"]) == ("2", "1", "1") and reg["CancelTime"]


# ------------------------------------------------------------------------------------------------ determinism, CLI


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for name in ADDED_TO + MUTUAL_TABLES:
            table = s.metadata.tables[name]
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def test_cli_is_deterministic_and_prints_ids(sqlite_mutual: Mutual, tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'his.db'}"
    engine = make_engine(url)
    try:
        generate(engine, DAY, SCALE, SEED)
        generate_insurance(engine, DAY, seed=SEED)
        generate_emr(engine, DAY, seed=SEED)
        assert main(["--url", url, "--day", DAY.isoformat(), "--seed", str(SEED)]) == 0
        out = capsys.readouterr().out
        assert _snapshot(engine) == _snapshot(sqlite_mutual.engine)
    finally:
        engine.dispose()
    e = sqlite_mutual.summary.edge_cases
    assert "appointment" in out and e.lab_unmapped_report in out and e.appointment_cancelled in out
    assert main(["--url", url, "--day", DAY.isoformat()]) == 2
    assert "already holds" in capsys.readouterr().err


def test_refuses_a_database_without_emr_data(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    try:
        generate(engine, DAY, 100, seed=3)
        with pytest.raises(ValueError, match="demo.his.emr"):
            generate_mutual(engine, DAY)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("scale", "seed"), [(100, 3), (60, 7)])
def test_smaller_demo_days_still_carry_every_edge_case(tmp_path, scale: int, seed: int) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    try:
        generate(engine, DAY, scale, seed=seed)
        generate_insurance(engine, DAY, seed=seed, settlements=60)
        generate_emr(engine, DAY, seed=seed)
        summary = generate_mutual(engine, DAY, seed=seed)
    finally:
        engine.dispose()
    assert all(v for v in asdict(summary.edge_cases).values())


def test_postgresql_and_sqlite_get_the_same_rows(sqlite_mutual: Mutual, pg_mutual: Mutual) -> None:
    assert pg_mutual.summary == sqlite_mutual.summary
    assert _snapshot(pg_mutual.engine) == _snapshot(sqlite_mutual.engine)
