"""The simulator's own specification: complete against the shared spec, well-formed, independent of hisbridge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulators.mutual import spec
from tests.simulators.mutual._support import Client

SPEC_OPERATIONS = {
    "uploadLabReport", "uploadLabIndicator", "uploadMicrobeBacteria", "uploadMicrobeSuscept", "uploadExamReport",
    "uploadAppointment", "uploadRegistration", "deleteData", "queryReminders", "getReport", "uploadReminderRecords",
    "uploadRecognitionRecord", "uploadRetrievalRecord", "uploadQuoteLog", "revokeNonRecognition",
}  # fmt: skip


def test_operations_cover_the_spec() -> None:
    assert set(spec.BY_OP) == SPEC_OPERATIONS
    assert {t.data_type for t in spec.UPLOADS} == set(spec.DATA_TYPES)
    assert spec.DEFAULT_PATHS["queryReminders"] == "/api/v1/queryReminders"
    assert spec.CHILD_TYPES["labReport"] == ("labIndicator", "microbeBacteria", "microbeSuscept")


@pytest.mark.parametrize("table", list(spec.BY_OP.values()), ids=lambda t: t.op)
def test_every_table_is_well_formed(table: spec.Table) -> None:
    names = [f.name for f in table.fields]
    assert len(names) == len(set(names)), table.op
    for f in table.fields:
        assert f.cn, f.name
        if f.codes:
            assert f.codes in spec.DICTS
    if table.data_type:
        for must in ("BusinessNo", "OrgCode", "UpdateTime"):
            assert table.field(must).required, (table.op, must)
        assert table.field("BusinessNo").max_length == 64
        assert "OrgName" in table.names
    if table.parent:
        assert table.field("ReportBusinessNo").required and table.parent == "labReport"
    if table.guid:
        assert table.field(table.guid).required


def test_required_fields_follow_the_starred_columns() -> None:
    """Spot checks against the spec's table (* = required)."""
    lab = spec.BY_OP["uploadLabReport"]
    assert lab.field("PatientName").required and lab.field("PatientName").pii
    assert lab.field("DataCode").required and lab.field("MtuRecLimitMark").required
    assert not lab.field("WardName").required and not lab.field("TestReportComment").required
    assert not spec.BY_OP["uploadLabIndicator"].field("DataCode").required
    assert spec.BY_OP["uploadLabIndicator"].field("MtuRecMark").required
    assert not spec.BY_OP["uploadLabIndicator"].field("OrgName").required  # children: OrgName not starred
    assert spec.BY_OP["uploadExamReport"].field("CheckResObj").required
    assert not spec.BY_OP["uploadAppointment"].field("ItemCode").required
    assert spec.BY_OP["uploadRegistration"].field("PatNo").required


def test_lengths_and_types() -> None:
    lab = spec.BY_OP["uploadLabReport"]
    assert (lab.field("PatientId").type, lab.field("PatientId").max_length) == ("code", 50)
    assert (lab.field("DataName").type, lab.field("DataName").max_length) == ("name", 100)
    assert (lab.field("ReportClinialDiag").type, lab.field("ReportClinialDiag").max_length) == ("text", 4000)
    assert lab.field("TestReportDate").type == "dt" and lab.field("BirthDate").type == "date"
    assert spec.BY_OP["uploadAppointment"].field("AppointDate").type == "date"
    assert spec.BY_OP["uploadRegistration"].field("VisitDate").type == "date"
    assert spec.QUERY_REMINDERS.field("searchType").type == "int"
    assert spec.BY_OP["uploadReminderRecords"].field("searchType").type == "intish"


def test_code_sets_from_the_spec() -> None:
    assert set(spec.DICTS["gender"].values or {}) == {"0", "1", "2", "9"}
    assert set(spec.DICTS["id_card_type"].values or {}) == {"01", "02", "03", "04", "06", "07", "99"}
    assert set(spec.DICTS["reason"].values or {}) == {"01", "02", "03", "04", "05", "06", "07", "08", "98", "99"}
    assert set(spec.DICTS["susceptibility"].values or {}) == {"S", "I", "R", "SDD"}
    assert spec.DICTS["check_type"].accepts("CT") and not spec.DICTS["check_type"].accepts("ct")


def test_record_spelling_is_exact() -> None:
    retrieval = spec.BY_OP["uploadRetrievalRecord"]
    assert {"ReportId", "SearchType", "DoctorId", "OrderId", "reviewId"} <= retrieval.names
    assert "reportId" not in retrieval.names
    assert {"doctorId", "quoteId", "microbiaMark"} <= spec.BY_OP["uploadQuoteLog"].names
    assert spec.RECORD_MANY == {"uploadReminderRecords": True, "uploadRecognitionRecord": True,
                                "uploadRetrievalRecord": True, "uploadQuoteLog": False,
                                "revokeNonRecognition": False}  # fmt: skip


def test_checker_reports_every_problem_in_a_stable_order() -> None:
    problems = spec.check(spec.GET_REPORT, {"orgCode": 1, "itemType": "X", "extra": True})
    assert [(p.kind, p.field) for p in problems] == [
        ("UNKNOWN_FIELD", "extra"), ("TYPE", "orgCode"), ("REQUIRED", "reportId"), ("CODE_VALUE", "itemType")]  # fmt: skip
    assert "[orgCode]" in problems[1].message and "数字" in problems[1].message


def test_rules_run_only_on_well_formed_bodies() -> None:
    body = {"orgCode": "X", "idCardTypeCode": "01", "idCardValue": "123", "searchType": "2"}
    assert [p.kind for p in spec.check(spec.QUERY_REMINDERS, body)] == ["TYPE"]  # no rule reads a bad value
    body["searchType"] = 2
    assert [(p.kind, p.field) for p in spec.check(spec.QUERY_REMINDERS, body)] == [
        ("RULE", "idCardValue"), ("RULE", "dataCodes")]  # fmt: skip
    body["idCardValue"], body["dataCodes"] = "360102199001010011", ["L0001"]
    assert spec.check(spec.QUERY_REMINDERS, body) == []


def test_spec_route_describes_every_operation(client: Client) -> None:
    body = client.admin("spec")
    assert set(body["operations"]) == SPEC_OPERATIONS
    indicator = body["operations"]["uploadLabIndicator"]
    assert indicator["kind"] == "upload" and indicator["parent"] == "labReport"
    anomaly = next(f for f in indicator["fields"] if f["name"] == "AnomalyCode")
    assert (anomaly["type"], anomaly["maxLength"], anomaly["codes"]) == ("code", 50, "anomaly")
    assert body["dictionaries"]["reason"]["values"]["99"].startswith("连续性监测需要")
    assert body["answerCodes"]["A0404"] == "数据不存在"
    assert body["paths"]["getReport"] == "/api/v1/getReport"


def test_simulator_never_imports_hisbridge() -> None:
    for path in Path(spec.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "hisbridge" for a in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "hisbridge", path
