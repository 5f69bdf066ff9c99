"""The 前置库 simulator on PostgreSQL: its tables, the platform's pull (flags, pull time, its words for a refused
row), faults, the command line — and its independence from hisbridge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, insert, inspect, select

from simulators.regional.__main__ import main
from simulators.regional.faults import FAULT_WORDS, PullFailed, PullFaults
from simulators.regional.frontdb import counts, delete_rows, install, pull, refusal, rows, table
from simulators.regional.spec import FAILED, PENDING, TABLES, UPLOADED, id_card_ok

NOW = datetime(2026, 11, 25, 2, 0)
GOOD_ID = "11010519491231002X"  # GB 11643's example: a valid check character


@pytest.fixture
def engine(pg_url):
    made = create_engine(pg_url)
    install(made, schema="qzk")
    yield made
    made.dispose()


def _lab(key: str, **change) -> dict:
    row = {"report_id": key, "org_code": "360102001", "patient_id": "P1", "patient_name": "张三", "gender": "1",
           "birth_date": date(1949, 12, 31), "id_card_type": "01", "id_card_no": GOOD_ID, "panel_code": "XCG",
           "sample_time": datetime(2026, 11, 24, 8), "report_time": datetime(2026, 11, 24, 10),
           "upload_flag": PENDING, "upload_error": None, "create_time": datetime(2026, 11, 24, 23)}
    return {**row, **change}


def _put(engine, *lab_rows: dict) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table("up_lab_report", "qzk")), list(lab_rows))


def _flags(engine) -> dict[str, tuple[str, str | None]]:
    return {r["report_id"]: (r["upload_flag"], r["upload_error"]) for r in rows(engine, "up_lab_report", schema="qzk")}


def test_install_creates_every_table_once(engine) -> None:
    assert set(inspect(engine).get_table_names(schema="qzk")) == set(TABLES)
    assert install(engine, schema="qzk") == []
    cols = {c["name"] for c in inspect(engine).get_columns("up_lab_report", schema="qzk")}
    assert {"upload_flag", "upload_time", "upload_error", "create_time", "report_id"} <= cols


def test_pull_takes_good_rows_and_refuses_bad_ones_with_its_words(engine) -> None:
    _put(engine, _lab("ok"), _lab("no_id", id_card_no=None), _lab("bad_check", id_card_no=GOOD_ID[:-1] + "1"),
         _lab("backwards", sample_time=datetime(2026, 11, 24, 11)), _lab("future", report_time=datetime(2026, 12, 1)),
         _lab("passport", id_card_type="03", id_card_no="E12345678"))
    report = pull(engine, now=NOW, schema="qzk")
    assert report.taken["up_lab_report"] == 2 and report.failed["up_lab_report"] == 4
    flags = _flags(engine)
    assert flags["ok"] == (UPLOADED, None) and flags["passport"] == (UPLOADED, None)
    assert flags["no_id"] == (FAILED, "证件号码为空")
    assert flags["bad_check"] == (FAILED, "证件号码格式或校验位错误")
    assert flags["backwards"] == (FAILED, "报告时间早于采样时间")
    assert flags["future"] == (FAILED, "report_time晚于抽取时间")
    assert all(GOOD_ID not in (e or "") for _, e in flags.values()), "the words never quote a value"
    with engine.connect() as conn:
        t = table("up_lab_report", "qzk")
        assert conn.execute(select(t.c.upload_time).where(t.c.report_id == "ok")).scalar_one() == NOW


def test_pull_touches_only_pending_rows(engine) -> None:
    _put(engine, _lab("a"), _lab("b", upload_flag=FAILED, upload_error="earlier"))
    pull(engine, now=NOW, schema="qzk")
    assert _flags(engine) == {"a": (UPLOADED, None), "b": (FAILED, "earlier")}
    assert pull(engine, now=NOW, schema="qzk").as_dict() == {"taken": {}, "failed": {}, "skipped": {}, "reasons": {}}


def test_faults_skip_and_fail_rows_deterministically(engine) -> None:
    _put(engine, *(_lab(f"r{n:03d}") for n in range(200)))
    faults = PullFaults(skip_share=0.2, fail_share=0.1, skip_keys=frozenset({"r000"}), seed=7)
    report = pull(engine, now=NOW, faults=faults, schema="qzk")
    flags = _flags(engine)
    skipped = {k for k, (f, _) in flags.items() if f == PENDING}
    failed = {k for k, (f, e) in flags.items() if f == FAILED and e == FAULT_WORDS}
    assert "r000" in skipped and 20 <= len(skipped) <= 60 and 5 <= len(failed) <= 40
    assert skipped == {k for k in flags if faults.skips("up_lab_report", k)}
    assert report.skipped["up_lab_report"] == len(skipped) and report.failed["up_lab_report"] == len(failed)


def test_a_pull_that_is_down_changes_nothing(engine) -> None:
    _put(engine, _lab("a"))
    with pytest.raises(PullFailed):
        pull(engine, now=NOW, faults=PullFaults(down=True), schema="qzk")
    assert _flags(engine) == {"a": (PENDING, None)}


def test_deleted_rows_are_gone_and_counts_say_so(engine) -> None:
    _put(engine, _lab("a"), _lab("b"), _lab("c"))
    pull(engine, now=NOW, faults=PullFaults(fail_keys=frozenset({"c"})), schema="qzk")
    assert delete_rows(engine, "up_lab_report", ["a", "zz"], schema="qzk") == 1
    assert counts(engine, schema="qzk")["up_lab_report"] == {UPLOADED: 1, FAILED: 1}


@pytest.mark.parametrize(("number", "ok"), [(GOOD_ID, True), ("110105194912310021", False), ("11010519491231002", False),
                                            ("1101051949123100XX", False)])
def test_id_card_check_character(number: str, ok: bool) -> None:
    assert id_card_ok(number) is ok


def test_every_table_refuses_a_row_missing_its_required_columns() -> None:
    for spec in TABLES.values():
        words = refusal(spec, {}, NOW) or ""
        assert all(f"{c}为空" in words for c in spec.required), spec.name


def test_command_line_installs_pulls_and_reports(pg_url, capsys) -> None:
    assert main(["install", "--url", pg_url]) == 0
    assert json.loads(capsys.readouterr().out)["created"] == list(TABLES)
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(insert(table("up_lab_report")), [_lab("a"), _lab("b", id_card_no=None)])
    engine.dispose()
    assert main(["pull", "--url", pg_url, "--now", "2026-11-25T02:00:00"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["taken"] == {"up_lab_report": 1} and report["reasons"] == {"证件号码为空": 1}
    assert main(["status", "--url", pg_url]) == 0
    assert json.loads(capsys.readouterr().out)["up_lab_report"] == {"1": 1, "2": 1}
    assert main(["pull", "--url", pg_url, "--down"]) == 1


def test_the_simulator_never_imports_hisbridge() -> None:
    probe = ("import sys, simulators.regional.frontdb, simulators.regional.__main__; "
             "print([m for m in sys.modules if m.split('.')[0] == 'hisbridge'])")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": os.getcwd()}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"
