"""The 检验报告 (report, indicators, organisms, 药敏) and 检查报告 uploads end to end on real PostgreSQL, to the
in-process platform simulator (which refuses a child before its report and the withdrawal of a report whose
children it still holds), as dags/mutual_lab_reports.py and dags/mutual_exam_reports.py run them.

Per window (day-1, then day with the day's changes replayed, then both again — feeds_support.py): the children
run once first (they withdraw the children of a report withdrawn in the window; children of reports the platform
lacks wait, quarantined), then the reports (sent, or withdrawn), then the children again (sent now that their
report is there). Checked: everything acknowledged is on the platform and nothing else; a re-run sends nothing;
a revised report and a revised exam report replace the old ones; a withdrawn report is deleted there after its
children; the unmapped panel's report waits quarantined with its reason, its indicator with it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from demo.his import mutual_refdata as mr
from hisbridge.ledger import schema as ls

from .feeds_support import EXAM_PASSES, LAB_PASSES, NOT_YET, Delivery, His, deliver, demo_his

LAB_FEEDS = ("mutual_lab_report", "mutual_lab_indicator", "mutual_microbe_bacteria", "mutual_microbe_suscept")
FEEDS = (*LAB_FEEDS, "mutual_exam_report")


@pytest.fixture(scope="module")
def his(pg_module_url) -> Iterator[His]:
    with demo_his(pg_module_url) as h:
        yield h


@pytest.fixture(scope="module")
def delivery(his: His) -> Iterator[Delivery]:
    with deliver(his, LAB_PASSES + EXAM_PASSES) as d:
        yield d


def _results_of(his: His, report_id: str, kinds: tuple[str, ...] = ("N", "Q", "G", "A")) -> dict[str, str]:
    """result_id → result_kind of a report's LIS rows."""
    with his.engine.connect() as conn:
        return dict(conn.execute(text("SELECT result_id, result_kind FROM lab_result WHERE report_id = :r"),
                                 {"r": report_id}).all())  # fmt: skip


# ------------------------------------------------------------------------------------------------ every feed


@pytest.mark.parametrize("feed", FEEDS)
def test_every_acknowledged_record_is_on_the_platform_and_nothing_else(delivery: Delivery, feed: str) -> None:
    acknowledged = delivery.acknowledged(feed)
    assert acknowledged, f"{feed}: nothing delivered"
    assert delivery.live(feed) == acknowledged


@pytest.mark.parametrize("feed", FEEDS)
def test_each_window_delivers_its_records(delivery: Delivery, feed: str) -> None:
    for runs in (delivery.prev, delivery.day):
        assert runs[feed].acknowledged > 0, (feed, runs[feed])
        assert runs[feed].rejected == 0, runs[feed].reasons


@pytest.mark.parametrize("feed", FEEDS)
def test_a_rerun_of_both_windows_sends_nothing(delivery: Delivery, feed: str) -> None:
    reruns = {k: x for k, x in delivery.rerun.items() if k.split(" ", 1)[1].split(":")[0] == feed}
    assert len(reruns) == (4 if feed in LAB_FEEDS[1:] else 2)
    for name, summary in reruns.items():
        assert summary.messages == 0 and summary.acknowledged == 0, (name, summary)
        assert summary.selected and summary.skipped + summary.quarantined + summary.withdrawn == summary.selected


def test_nothing_was_refused_by_the_platform(delivery: Delivery) -> None:
    answers = [e["answer"] for e in delivery.sim.state.journal_entries()]
    assert answers and all(a is not None for a in answers)
    failed = [f for a in answers for f in ((a.get("data") or {}).get("failed") or [])
              if isinstance(a.get("data"), dict)]  # fmt: skip
    assert failed == [], failed[:5]
    assert {a["code"] for a in answers} == {"00000"}


# ------------------------------------------------------------------------------------------------ planted cases


def test_a_revised_lab_report_replaces_the_old_one(delivery: Delivery) -> None:
    e = delivery.his.mutual.edge_cases
    report = delivery.row("mutual_lab_report", e.lab_revised_report)
    assert report is not None and not report.deleted and report.versions == 2
    assert report.data["TestReportComment"] == mr.REVISED_REMARK and report.data["DataCode"] == "L0001"
    value = delivery.row("mutual_lab_indicator", e.lab_revised_result)
    assert value is not None and value.versions == 2
    assert value.data["TestIndexResult"] == mr.REVISED_ITEM[3] and value.data["AnomalyCode"] == "N"
    first = [r for x in delivery.sim.state.journal_entries("uploadLabIndicator") for r in x["request"]["data"]
             if r["BusinessNo"] == e.lab_revised_result]  # fmt: skip
    assert [r["TestIndexResult"] for r in first] == [mr.REVISED_ITEM[1], mr.REVISED_ITEM[3]]
    # the revision brings the report's other results along (their UpdateTime is the report's): re-sent as they were
    others = [k for k in _results_of(delivery.his, e.lab_revised_report) if k != e.lab_revised_result]
    for k in others:
        row = delivery.row("mutual_lab_indicator", k)
        assert row is not None and row.versions == 2 and row.duplicates == 0
        assert [r["TestIndexResult"] for x in delivery.sim.state.journal_entries("uploadLabIndicator")
                for r in x["request"]["data"] if r["BusinessNo"] == k] == [row.data["TestIndexResult"]] * 2
    assert delivery.state("mutual_lab_report", e.lab_revised_report)[0] == ls.ACKNOWLEDGED


def test_a_withdrawn_lab_report_is_deleted_after_its_results(delivery: Delivery) -> None:
    e = delivery.his.mutual.edge_cases
    withdrawn = [(e.lab_withdrawn_report, e.lab_withdrawn_results),
                 (delivery.his.emr.edge_cases.lab_report_voided,
                  tuple(_results_of(delivery.his, delivery.his.emr.edge_cases.lab_report_voided)))]  # fmt: skip
    deletes = [(x["request"]["dataType"], bno) for x in delivery.sim.state.journal_entries("deleteData")
               for bno in x["request"]["businessNos"]]  # fmt: skip
    for report_id, results in withdrawn:
        assert len(results) >= 5
        assert delivery.state("mutual_lab_report", report_id)[0] == ls.WITHDRAWN
        row = delivery.row("mutual_lab_report", report_id)
        assert row is not None and row.deleted, "it was on the platform (day-1) and is withdrawn there"
        for rid in results:
            assert delivery.state("mutual_lab_indicator", rid)[0] == ls.WITHDRAWN
            assert delivery.row("mutual_lab_indicator", rid).deleted  # type: ignore[union-attr]
        at = deletes.index(("labReport", report_id))
        assert {bno for dt, bno in deletes[:at] if dt == "labIndicator"} >= set(results), "children first"
    assert delivery.day["mutual_lab_indicator:voids"].withdrawn >= 10
    assert delivery.day["mutual_lab_report"].withdrawn == 2
    refusals = [x for x in delivery.sim.state.journal_entries("deleteData")
                if (x["answer"].get("data") or {}).get("failed")]  # fmt: skip
    assert refusals == [], "no withdrawal was refused for children still held"


def test_a_voided_result_row_is_deleted_and_its_report_stays(delivery: Delivery) -> None:
    voided = delivery.his.emr.edge_cases.lab_result_voided
    assert delivery.state("mutual_lab_indicator", voided)[0] == ls.WITHDRAWN
    row = delivery.row("mutual_lab_indicator", voided)
    assert row is not None and row.deleted
    report = row.data["ReportBusinessNo"]
    assert delivery.row("mutual_lab_report", report) is not None
    assert not delivery.row("mutual_lab_report", report).deleted  # type: ignore[union-attr]


def test_the_unmapped_panel_waits_in_quarantine_with_its_reason(delivery: Delivery) -> None:
    e = delivery.his.mutual.edge_cases
    state, reason = delivery.state("mutual_lab_report", e.lab_unmapped_report)
    assert state == ls.QUARANTINED
    assert reason and "代码未对照" in reason and e.lab_unmapped_panel in reason and "lab_data_code" in reason
    assert delivery.row("mutual_lab_report", e.lab_unmapped_report) is None
    (item,) = _results_of(delivery.his, e.lab_unmapped_report)
    state, reason = delivery.state("mutual_lab_indicator", item)
    assert state == ls.QUARANTINED and reason and e.lab_unmapped_panel in reason
    assert f"父记录 检验报告 id={e.lab_unmapped_report} {NOT_YET}" in reason
    assert delivery.row("mutual_lab_indicator", item) is None
    assert delivery.day["mutual_lab_report"].reasons, "the run counts the quarantine reason"


def test_results_of_a_report_never_signed_are_quarantined_for_their_parent(delivery: Delivery) -> None:
    emr = delivery.his.emr.edge_cases
    for rid in emr.lab_result_orphans:
        state, reason = delivery.state("mutual_lab_indicator", rid)
        assert state == ls.QUARANTINED, rid
        assert reason == f"检验结果所属的检验报告不存在（报告未审核签发）; 父记录 检验报告 id={emr.lab_orphan_report_id} {NOT_YET}"
        assert delivery.row("mutual_lab_indicator", rid) is None


def test_a_culture_arrives_with_its_organism_and_susceptibility(delivery: Delivery) -> None:
    e = delivery.his.mutual.edge_cases
    report = delivery.row("mutual_lab_report", e.micro_report)
    assert report is not None and report.data["MicrobeTestMark"] == "1" and report.data["DataCode"] == "L0020"
    bacteria = delivery.row("mutual_microbe_bacteria", e.micro_bacteria)
    assert bacteria is not None and bacteria.data["BacteriaId"] == "SAU" and bacteria.data["TestResult"] == "检出"
    codes = {delivery.row("mutual_microbe_suscept", k).data["DrugSusceptibilityCode"]  # type: ignore[union-attr]
             for k in e.micro_suscept}  # fmt: skip
    assert codes == {"S", "I", "R"}
    held = set(delivery.sim.state.live_children("360102001", e.micro_report))
    assert held == {("microbeBacteria", e.micro_bacteria)} | {("microbeSuscept", k) for k in e.micro_suscept}


def test_children_of_a_report_not_yet_sent_wait_and_follow_it(delivery: Delivery) -> None:
    """A report signed on day: its results are quarantined by the first (voids) pass and sent by the second."""
    e = delivery.his.mutual.edge_cases
    first = delivery.day["mutual_microbe_suscept:voids"]
    assert first.quarantined >= len(e.micro_suscept)
    assert any(NOT_YET in reason for reason in first.reasons)
    assert all(delivery.state("mutual_microbe_suscept", k)[0] == ls.ACKNOWLEDGED for k in e.micro_suscept)


def test_a_revised_exam_report_replaces_the_old_one(delivery: Delivery) -> None:
    e = delivery.his.mutual.edge_cases
    row = delivery.row("mutual_exam_report", e.exam_revised_item)
    assert row is not None and not row.deleted and row.versions == 2
    assert row.data["CheckResSub"] == mr.EXAM_REVISED_SECOND[1] and row.data["CheckResCode"] == "2"
    assert (row.data["CheckProjCode"], row.data["CheckProjCodeExp"], row.data["CheckTypeCode"]) == ("E0001", "CT0101",
                                                                                                     "CT")  # fmt: skip
    sent = [r["CheckResSub"] for x in delivery.sim.state.journal_entries("uploadExamReport")
            for r in x["request"]["data"] if r["BusinessNo"] == e.exam_revised_item]  # fmt: skip
    assert sent == [mr.EXAM_REVISED_FIRST[1], mr.EXAM_REVISED_SECOND[1]]


def test_no_personal_data_in_the_ledger_reasons(delivery: Delivery) -> None:
    with delivery.his.engine.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM patient")).scalars())
    reasons = [r.reason for feed in FEEDS for r in delivery.ledger.records(feed, limit=100_000) if r.reason]
    assert reasons and not [r for r in reasons if any(n in r for n in names)]
