"""The nightly data-quality suite: a feed's YAML checks run by Great Expectations over a day of the demo HIS
find the seeded bad rows, keep results and Data Docs on disk, and never write a patient's data anywhere."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from airflow.sdk.exceptions import AirflowFailException

from demo.his.generate import DemoSummary, generate
from hisbridge.db import make_engine
from hisbridge.pipeline.extract import extract_records
from hisbridge.pipeline.spec import Check, all_feed_ids, load_feed_spec
from hisbridge.quality import QualityResult, plan_datasets, run_quality_suite, window_label
from hisbridge.quality_operator import DataQualityOperator, default_out_dir, feed_titles

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 24)
START, END = datetime(2026, 11, 24), datetime(2026, 11, 25)


@pytest.fixture(scope="module")
def his(tmp_path_factory) -> SimpleNamespace:
    path = tmp_path_factory.mktemp("his") / "his.db"
    engine = make_engine(f"sqlite:///{path}")
    return SimpleNamespace(path=path, engine=engine, demo=generate(engine, DAY, 60, seed=7))


@pytest.fixture(scope="module")
def sale(his, tmp_path_factory) -> QualityResult:
    spec = load_feed_spec("hsa_trace_sale")
    return run_quality_suite(spec, his.engine, START, END, tmp_path_factory.mktemp("quality"))


def _outcome(result: QualityResult, column: str, expect: str):
    return next(e for e in result.expectations if e.column == column and e.expect == expect)


def _personal_values(demo: DemoSummary) -> list[str]:
    return [*demo.pii.names, *demo.pii.id_card_nos, *demo.pii.phones]


def test_results_json_and_data_docs_are_written_per_feed_and_window(sale: QualityResult) -> None:
    assert sale.results_path.name == "2026-11-24.json" and sale.results_path.parent.parent.name == "hsa_trace_sale"
    stored = json.loads(sale.results_path.read_text(encoding="utf-8"))
    assert stored["quality"]["feed"] == "hsa_trace_sale" and len(stored["gx"]) == 2  # records + trace-code items
    assert sale.docs_index.name == "index.html" and sale.docs_index.is_file()
    pages = sorted(p.relative_to(sale.docs_index.parent).parts[:4]
                   for p in sale.docs_index.parent.glob("validations/**/*.html"))
    assert pages == [("validations", "hsa_trace_sale", "items_drugtracinfo", "2026-11-24"),
                     ("validations", "hsa_trace_sale", "records", "2026-11-24")]


def test_the_trace_code_expectations_report_the_seeded_bad_rows(sale: QualityResult, his) -> None:
    edge = his.demo.edge_cases
    assert sale.records == sale.rows_checked > 0 and sale.unmapped == 0 and not sale.success
    missing = _outcome(sale, "drugtracinfo", "min_items")
    assert not missing.success and missing.unexpected == 1 and missing.sample_keys == [edge.sale_without_trace_code]
    malformed = _outcome(sale, "drugtracinfo[].drug_trac_codg", "regex")
    assert malformed.dataset == "items_drugtracinfo" and malformed.checked == sale.items["drugtracinfo"]
    assert malformed.unexpected == 1 and malformed.sample_keys == [edge.sale_bad_trace_code]
    uncoded = _outcome(sale, "med_list_codg", "not_null")
    assert uncoded.unexpected == 1 and uncoded.sample_keys == [edge.sale_of_uncoded_drug]
    assert _outcome(sale, "med_list_codg", "regex").success
    assert sale.summary()["failed"] == {"med_list_codg not_null": 1, "drugtracinfo min_items when trace_required=Y": 1,
                                        "drugtracinfo[].drug_trac_codg regex": 1}


def test_no_patient_or_staff_data_reaches_the_result_files(sale: QualityResult, his) -> None:
    texts = [sale.results_path.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sale.results_path.parents[1].glob("gx/**/*.json")]
    texts += [p.read_text(encoding="utf-8") for p in sale.docs_index.parent.glob("validations/**/*.html")]
    leaked = {v for v in _personal_values(his.demo) for text in texts if v in text}
    assert not leaked


def test_checks_on_personal_fields_run_apart_and_report_counts_only(his, tmp_path) -> None:
    spec = load_feed_spec("hsa_trace_sale")
    spec = spec.model_copy(update={"checks": [
        Check(column="psn_name", expect="regex", regex="^X$", reason="姓名格式"),
        Check(column="med_list_codg", expect="not_null", reason="无编码"),
    ]})
    result = run_quality_suite(spec, his.engine, START, END, tmp_path)
    name = _outcome(result, "psn_name", "regex")
    assert name.dataset == "records_personal" and name.unexpected == result.rows_checked and name.sample_keys == []
    text = result.results_path.read_text(encoding="utf-8")
    assert not [v for v in his.demo.pii.names if v in text]
    assert _outcome(result, "med_list_codg", "not_null").sample_keys == [his.demo.edge_cases.sale_of_uncoded_drug]


def test_when_limits_a_check_to_the_rows_whose_sql_columns_match(his, tmp_path) -> None:
    spec = load_feed_spec("hsa_trace_sale")
    spec = spec.model_copy(update={"checks": [
        Check(column="drugtracinfo", expect="min_items", min=99, when={"voided": "1"}, reason="作废"),
    ]})
    voided = sum(1 for chunk in extract_records(his.engine, spec, START, END) for r in chunk if r.voided)
    result = run_quality_suite(spec, his.engine, START, END, tmp_path)
    check = result.expectations[0]
    assert 0 < voided < result.rows_checked
    assert check.checked == check.unexpected == voided


def test_records_whose_codes_do_not_map_are_counted_as_unmapped(his, tmp_path) -> None:
    spec = load_feed_spec("hsa_trace_sale")
    spec = spec.model_copy(update={"codes": {**spec.codes, "rx_flag": {"RX": "1"}}})  # OTC left unmapped
    otc = sum(1 for chunk in extract_records(his.engine, spec, START, END) for r in chunk
              if r.values["rx_type"] == "OTC")
    result = run_quality_suite(spec, his.engine, START, END, tmp_path)
    assert otc > 0 and result.unmapped == otc and result.rows_checked == result.records - otc
    assert all(e.checked <= result.rows_checked for e in result.expectations if e.dataset == "records")


def test_rechecking_a_window_replaces_its_result_and_an_empty_window_passes(his, tmp_path) -> None:
    spec = load_feed_spec("hsa_trace_sale")
    run_quality_suite(spec, his.engine, START, END, tmp_path)
    run_quality_suite(spec, his.engine, START, END, tmp_path)
    empty = run_quality_suite(spec, his.engine, datetime(2026, 11, 17), datetime(2026, 11, 18), tmp_path)
    stored = sorted(p.relative_to(tmp_path / "hsa_trace_sale").parts[5]
                    for p in (tmp_path / "hsa_trace_sale").glob("gx/uncommitted/validations/*/*/*/*/*.json"))
    assert stored == ["2026-11-17", "2026-11-17", "2026-11-24", "2026-11-24"]  # two datasets per window
    assert empty.records == 0 and empty.success and all(e.checked == 0 for e in empty.expectations)
    assert sorted(p.name for p in (tmp_path / "hsa_trace_sale" / "results").iterdir()) == [
        "2026-11-17.json", "2026-11-24.json"]


@pytest.mark.parametrize("feed", all_feed_ids())
def test_every_feed_checks_plan_into_records_and_list_item_datasets(feed: str) -> None:
    spec = load_feed_spec(feed)
    datasets = plan_datasets(spec)
    assert sorted(i for d in datasets for i, _ in d.checks) == list(range(len(spec.checks)))
    for d in datasets:
        assert d.name == "records" or d.name == f"items_{d.list_field}"
        assert all((c.item_field is None) == (d.list_field is None) for _, c in d.checks)


@pytest.mark.parametrize(("start", "end", "label"), [
    (START, END, "2026-11-24"),
    (datetime(2026, 11, 24, 6), datetime(2026, 11, 24, 12), "20261124T0600-20261124T1200"),
])
def test_window_label(start: datetime, end: datetime, label: str) -> None:
    assert window_label(start, end) == label


# --- the operator ------------------------------------------------------------------------------------------

@pytest.fixture
def his_conn(his, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his.path)}))


def _context(start: datetime | None, end: datetime | None) -> dict:
    return {"data_interval_start": start, "data_interval_end": end}


DAY_INTERVAL = (datetime(2026, 11, 24, tzinfo=SHANGHAI), datetime(2026, 11, 25, tzinfo=SHANGHAI))


def test_operator_returns_counts_and_succeeds_despite_findings(his_conn, tmp_path) -> None:
    op = DataQualityOperator(task_id="quality_hsa_trace_sale", feed="hsa_trace_sale", out_dir=str(tmp_path))
    summary = op.execute(_context(*DAY_INTERVAL))
    assert summary["window"] == "2026-11-24" and summary["records"] > 0 and summary["success"] is False
    assert summary["failed"]["drugtracinfo min_items when trace_required=Y"] == 1
    assert Path(summary["results_path"]).is_file() and Path(summary["docs_index"]).is_file()
    assert "FY2026" not in json.dumps(summary), "XCom gets counts and paths, not record keys"


def test_operator_fails_without_retry_when_the_suite_cannot_run(his_conn, tmp_path) -> None:
    op = DataQualityOperator(task_id="quality_nothing", feed="no_such_feed", out_dir=str(tmp_path))
    with pytest.raises(AirflowFailException, match="no_such_feed"):
        op.execute(_context(*DAY_INTERVAL))
    with pytest.raises(AirflowFailException, match="no data interval"):
        op.execute(_context(None, None))


def test_out_dir_defaults_to_the_environment_then_airflow_home(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HISBRIDGE_QUALITY_DIR", str(tmp_path / "q"))
    assert default_out_dir() == tmp_path / "q"
    monkeypatch.delenv("HISBRIDGE_QUALITY_DIR")
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    assert default_out_dir() == tmp_path / "home" / "hisbridge-quality"


def test_feed_titles_name_every_feed_in_chinese() -> None:
    titles = feed_titles()
    assert list(titles) == all_feed_ids() and titles["hsa_trace_sale"] == "商品销售"
