"""The 市区卫平台 uploads end to end on PostgreSQL: the demo HIS, the feeds writing into the 前置库 simulator, the
platform's pull, and the health check — exact figures, a planted gap found and closed, refused rows listed with
the platform's words and re-sent only once re-queued or fixed, and nothing ever written twice."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, text

from demo.his.emr import generate_emr
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.regional.datasets import datasets, load_datasets
from hisbridge.platforms.regional.frontdb import FrontDbSender
from hisbridge.platforms.regional.health import (
    CheckSettings,
    HealthCheck,
    ReceiptNotSupported,
    check_days,
    day_window,
)
from hisbridge.platforms.regional.state import AFTER_RESEND, FIRST, HealthStore
from simulators.regional.faults import FAULT_WORDS, PullFaults
from simulators.regional.frontdb import counts, delete_rows, install, pull, rows
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

DAY = date(2026, 11, 24)
PULLED = datetime(2026, 11, 25, 2)
NAMES = list(datasets().datasets)
#: the day's valid HIS rows per data set, counted independently of the count SQL files
EXPECTED_SQL = {
    "outpatient_visit": "SELECT COUNT(*) FROM registration WHERE CAST(reg_time AS DATE) = :d "
                        "AND status = 'normal'",
    "admission": "SELECT COUNT(*) FROM inpatient_stay WHERE CAST(adm_time AS DATE) = :d AND status <> 'cancelled'",
    "discharge": "SELECT COUNT(*) FROM inpatient_stay WHERE CAST(dscg_time AS DATE) = :d AND status <> 'cancelled'",
    "prescription": "SELECT COUNT(*) FROM prescription WHERE CAST(rx_time AS DATE) = :d AND status = 'normal'",
    "lab_report": "SELECT COUNT(*) FROM lab_report WHERE CAST(report_time AS DATE) = :d AND status <> 'voided'",
    "exam_report": "SELECT COUNT(*) FROM exam_report WHERE CAST(report_time AS DATE) = :d AND status <> 'voided'",
}


@pytest.fixture(scope="module")
def his(pg_module_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_module_url)
    generate(engine, DAY, 120, seed=42)
    generate_insurance(engine, DAY, seed=42)
    generate_emr(engine, DAY, seed=42)
    yield engine
    engine.dispose()


@pytest.fixture
def rig(pg_url: str, his: Engine) -> Iterator[SimpleNamespace]:
    """A fresh ledger and 前置库 (schema qzk) in one new database; the HIS as the module built it."""
    engine = make_engine(pg_url)
    ledger = Ledger(engine)
    ledger.ensure_schema()
    install(engine, schema="qzk")
    yield SimpleNamespace(his=his, ledger=ledger, fe=engine, sender=FrontDbSender(engine, schema="qzk"))
    engine.dispose()


def upload(rig, day: date = DAY, names=NAMES) -> dict[str, dict]:
    out = {}
    for name in names:
        spec = load_feed_spec(f"regional_{name}")
        out[name] = run_feed(spec, rig.his, rig.ledger, rig.sender, day_window(day),
                             RunSettings(run_id=f"t__{name}__{day}")).as_dict()
    return out


def health(rig, name: str) -> HealthCheck:
    return HealthCheck(datasets().get(name), rig.his, rig.ledger, rig.fe, schema="qzk")


def expected(his: Engine, name: str, day: date = DAY) -> int:
    with his.connect() as conn:
        return conn.execute(text(EXPECTED_SQL[name]), {"d": day}).scalar_one()


def test_upload_then_pull_gives_exact_figures_and_no_gap(rig) -> None:
    sent = upload(rig)
    pull(rig.fe, now=PULLED, schema="qzk")
    for name in NAMES:
        n = expected(rig.his, name)
        assert n > 0 and sent[name]["acknowledged"] == n and sent[name]["selected"] >= n, name
        result = health(rig, name).check(DAY, CheckSettings(run_id="hc"))
        f = result.first
        assert (f.his_count, f.uploaded, f.acknowledged, f.failed, f.waiting, f.missing, f.surplus) == (
            n, n, n, 0, 0, 0, 0), name
        assert result.after is None and result.resent == 0 and result.alert is None
    stored = {(r.dataset, r.check_name): r.figures.his_count for r in HealthStore(rig.ledger.engine).rows()}
    assert stored == {(name, FIRST): expected(rig.his, name) for name in NAMES}


def test_a_planted_gap_is_found_alerted_and_closed_by_resending_only_the_missing(rig, caplog) -> None:
    upload(rig)
    pull(rig.fe, now=PULLED, schema="qzk")
    lost = [r["report_id"] for r in rows(rig.fe, "up_lab_report", schema="qzk")][3:6]
    assert delete_rows(rig.fe, "up_lab_report", lost, schema="qzk") == 3
    n = expected(rig.his, "lab_report")
    check = health(rig, "lab_report")
    with caplog.at_level("WARNING", logger="hisbridge.regional.health"):
        result = check.check(DAY, CheckSettings(run_id="hc_gap"))
    assert (result.first.uploaded, result.first.missing) == (n - 3, 3)
    assert result.requeued == 3 and result.resent == 3
    assert (result.after.uploaded, result.after.missing, result.after.waiting) == (n, 0, 3)
    assert "检验报告（lab_report）2026-11-24，前置库缺少 3 条，已补传 3 条，仍缺 0 条" in caplog.text
    assert result.alert and "前置库缺少 3 条" in result.alert
    held = {r["report_id"]: r["upload_flag"] for r in rows(rig.fe, "up_lab_report", schema="qzk")}
    assert all(held[k] == "0" for k in lost) and sum(1 for f in held.values() if f == "1") == n - 3
    records = rig.ledger.lookup("regional_lab_report", lost)
    assert all(r.state == ls.ACKNOWLEDGED and r.attempts == 2 for r in records.values())
    stored = {r.check_name: r for r in HealthStore(rig.ledger.engine).rows(datasets=["lab_report"])}
    assert stored[FIRST].figures.missing == 3 and stored[AFTER_RESEND].figures.missing == 0
    assert stored[AFTER_RESEND].resent == 3
    pull(rig.fe, now=PULLED + timedelta(hours=1), schema="qzk")
    again = check.check(DAY, CheckSettings(run_id="hc_gap_again"))
    assert (again.first.acknowledged, again.first.missing, again.resent, again.alert) == (n, 0, 0, None)
    assert {r.check_name for r in HealthStore(rig.ledger.engine).rows(datasets=["lab_report"])} == {FIRST}


def test_records_never_delivered_are_sent_by_the_check(rig) -> None:
    before = DAY - timedelta(days=1)
    n = expected(rig.his, "lab_report", before)
    results = check_days(health(rig, "lab_report"), DAY, 1, CheckSettings(run_id="hc_never"))
    assert [r.day for r in results] == [before.isoformat(), DAY.isoformat()]
    first = results[0]
    assert n > 0 and first.first.missing == n and first.requeued == 0 and first.resent == n
    assert first.after.missing == 0 and first.after.waiting == n


def test_refused_rows_are_listed_with_the_platforms_words_and_resent_only_once_fixed_or_requeued(rig, his) -> None:
    with his.connect() as conn:
        rx = conn.execute(text("SELECT rx_no, patient_id FROM prescription WHERE CAST(rx_time AS DATE) = :d "
                               "AND status = 'normal' ORDER BY rx_no"), {"d": DAY}).first()
        card = conn.execute(text("SELECT id_card_no FROM patient WHERE patient_id = :p"), {"p": rx.patient_id}).scalar()
    bad = card[:17] + ("0" if card[17] != "0" else "1")
    spec_rx, spec_visit = load_feed_spec("regional_prescription"), load_feed_spec("regional_outpatient_visit")
    try:
        with his.begin() as conn:
            conn.execute(text("UPDATE patient SET id_card_no = :c WHERE patient_id = :p"), {"c": bad, "p": rx.patient_id})
        upload(rig, names=["prescription", "outpatient_visit"])
        held_visits = rows(rig.fe, "up_outpatient_visit", schema="qzk")
        his_visits = {r["visit_no"] for r in held_visits if r["patient_id"] == rx.patient_id}  # the bad number too
        visits = [r["visit_no"] for r in held_visits if r["patient_id"] != rx.patient_id]
        pull(rig.fe, now=PULLED, faults=PullFaults(fail_keys=frozenset(visits[:2])), schema="qzk")

        refused = health(rig, "prescription").check(DAY, CheckSettings(run_id="hc_refused"))
        assert refused.failed and refused.failed[rx.rx_no] == "证件号码格式或校验位错误"
        assert refused.rejected_now == len(refused.failed) and refused.resent == 0
        assert bad not in json.dumps(refused.as_dict(), ensure_ascii=False)
        record = rig.ledger.lookup(spec_rx.feed, [rx.rx_no])[rx.rx_no]
        assert record.state == ls.REJECTED and record.reason.endswith("证件号码格式或校验位错误")

        again = health(rig, "prescription").check(DAY, CheckSettings(run_id="hc_refused_again"))
        assert again.resent == 0 and again.rejected_now == 0, "a refused row is not sent again every day"

        with his.begin() as conn:  # the HIS fixes the number: the changed record goes again, once
            conn.execute(text("UPDATE patient SET id_card_no = :c WHERE patient_id = :p"), {"c": card, "p": rx.patient_id})
        fixed = health(rig, "prescription").check(DAY, CheckSettings(run_id="hc_fixed"))
        assert fixed.resent >= 1 and rig.ledger.lookup(spec_rx.feed, [rx.rx_no])[rx.rx_no].state == ls.ACKNOWLEDGED
        pull(rig.fe, now=PULLED + timedelta(hours=1), schema="qzk")
        assert health(rig, "prescription").check(DAY, CheckSettings(run_id="hc_ok")).first.failed == 0

        # the platform's fault: listed, not re-sent; the patient's visits, refused for the number fixed since: re-sent
        faulted = health(rig, "outpatient_visit").check(DAY, CheckSettings(run_id="hc_fault"))
        assert his_visits and faulted.failed == {k: FAULT_WORDS for k in visits[:2]} | {
            k: "证件号码格式或校验位错误" for k in his_visits}
        assert faulted.resent == len(his_visits) and faulted.after.failed == 2
        ids = [r.id for r in rig.ledger.records(spec_visit.feed, [ls.REJECTED])]
        assert len(ids) == 2 and rig.ledger.requeue(ids[:1], actor="运维", reason="平台故障已恢复") == ids[:1]
        requeued = health(rig, "outpatient_visit").check(DAY, CheckSettings(run_id="hc_requeued"))
        assert requeued.resent == 1 and requeued.after.failed == 1
        assert health(rig, "outpatient_visit").check(DAY, CheckSettings(run_id="hc_quiet")).resent == 0
    finally:
        with his.begin() as conn:
            conn.execute(text("UPDATE patient SET id_card_no = :c WHERE patient_id = :p"), {"c": card, "p": rx.patient_id})


def test_a_rerun_writes_nothing_twice(rig) -> None:
    first = upload(rig)
    again = upload(rig)
    assert all(s["messages"] == 0 and s["skipped"] == first[n]["acknowledged"] for n, s in again.items())
    result = health(rig, "exam_report").check(DAY, CheckSettings(run_id="hc_rerun"))
    assert result.first.waiting == result.first.uploaded and result.resent == 0  # not pulled yet: nothing to send
    with rig.ledger.engine.connect() as conn:
        written = conn.execute(text("SELECT COALESCE(SUM(record_count), 0) FROM delivery_message "
                                    "WHERE feed = 'regional_exam_report' AND purpose = 'upload'")).scalar_one()
    assert written == expected(rig.his, "exam_report")
    assert counts(rig.fe, schema="qzk")["up_exam_report"] == {"0": written}


def test_an_acknowledgment_api_dataset_is_refused_with_the_reason(rig, tmp_path) -> None:
    import yaml

    from hisbridge import MAPPINGS_DIR

    data = yaml.safe_load((MAPPINGS_DIR / "regional_datasets.yaml").read_text(encoding="utf-8"))
    data["datasets"]["lab_report"].update(receipt="ack_api", frontdb=None,
                                          ack_api={"path": "/api/ack", "dataset_code": "JY01"})
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ReceiptNotSupported, match="ack_api"):
        HealthCheck(load_datasets(path).get("lab_report"), rig.his, rig.ledger, rig.fe)


@pytest.mark.usefixtures("task_log")
def test_the_operator_checks_the_runs_day_and_the_lookback(rig, pg_url, pg_module_url, monkeypatch, caplog) -> None:
    from hisbridge.platforms.regional.operators import RegionalHealthOperator
    from hisbridge.scheduling import SHANGHAI

    def conn(url: str, **extra) -> str:
        from sqlalchemy.engine import make_url

        u = make_url(url)
        return json.dumps({"conn_type": "postgres", "host": u.host, "port": u.port, "login": u.username,
                           "schema": u.database, "extra": extra})

    monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", conn(pg_module_url))
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", conn(pg_url))
    monkeypatch.setenv("AIRFLOW_CONN_REGIONAL_FRONTDB", conn(pg_url, table_schema="qzk"))
    upload(rig, names=["admission"])
    pull(rig.fe, now=PULLED, schema="qzk")
    from zoneinfo import ZoneInfo

    start = datetime(2026, 11, 24, 6, tzinfo=ZoneInfo(SHANGHAI))
    op = RegionalHealthOperator(task_id="admission", dataset="admission", lookback_days=1)
    ti = SimpleNamespace(dag_id="regional_upload_health", task_id="admission", try_number=1)
    summary = op.execute({"data_interval_start": start, "run_id": "manual__op", "ti": ti, "dag_run": None})
    assert [d["day"] for d in summary["days"]] == ["2026-11-23", "2026-11-24"]
    assert summary["days"][1]["first"]["missing"] == 0 and summary["days"][1]["first"]["acknowledged"] > 0
    n_before = expected(rig.his, "admission", DAY - timedelta(days=1))
    assert summary["days"][0]["first"]["missing"] == n_before and summary["days"][0]["resent"] == n_before
    assert summary["gap_days"] == (["2026-11-23"] if n_before else []) and summary["open_gap_days"] == []

    # the task log ends with both days in Chinese; the gap closed by the re-send needs nobody
    final = [d["after_resend"] or d["first"] for d in summary["days"]]
    total = {k: sum(f[k] for f in final) for k in ("his_count", "uploaded", "acknowledged", "failed", "waiting")}
    title = datasets().get("admission").title
    assert operator_lines(caplog, RegionalHealthOperator)[-1] == (logging.INFO, (
        f"汇总：市区卫平台上传核对 {title}（admission） 2026-11-23 至 2026-11-24：核对 2 天 — HIS {total['his_count']}、"
        f"前置库 {total['uploaded']}、已上传 {total['acknowledged']}、失败 {total['failed']}、待上传 {total['waiting']}（条）；"
        f"有缺口 {len(summary['gap_days'])} 天，补传 {n_before} 条，仍有缺口 0 天"))
