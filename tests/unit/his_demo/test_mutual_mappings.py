"""The seven 互认 upload feed declarations agree with the wire spec, their SQL and the demo HIS's codes; the item
对照 (mutual_items.yaml) covers every lab panel, lab item and exam item the demo HIS writes except the planted
unmapped panel.

The declarations are validated as :class:`FeedSpec` without binding the platform's options, so that the checks
against the spec's field table hold whatever the platform package says; the last test loads them as a task does
and runs the platform sender's own check of a declaration against its operation.
"""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import ErrorLevel

from demo.his import emr_refdata as er
from demo.his import mutual_refdata as mr
from hisbridge import MAPPINGS_DIR
from hisbridge.pipeline.spec import ColumnSource, ConstSource, FeedSpec, read_yaml, shared_codes

# Wire fields per feed as the spec's table lists them (mutual_spec.md "Data uploads"); * = required. Written out
# independently of the platform's typed models.
SPEC_FIELDS = {
    "mutual_lab_report": """BusinessNo* PatientId* PatientName* GenderCode* GenderName BirthDate IdCardTypeCode*
        IdCardTypeName IdCardValue* DiagTypeCode* DiagTypeName DiagNo* PatNo HospitalNo WardName RoomNo BedNo
        OrderRecFormNo* ApplicationTime ApplDoctNo ApplDoctName TestApplyDepartCode* TestApplyDepartName* SpecimenNo*
        SpecimenName* SampleTime* AcceptSampleTime TestRecTime TestDoctNo TestDoctName AuditDoctNo* AuditDoctName*
        TestAuditTime ReportDoctNo* ReportDoctName* TestReportNo* TestReportDate* TestReportDepartCode*
        TestReportDepartName* TestProjCategoryCode TestProjCategoryName TestReportComment ReportClinialDiag
        MicrobeTestMark* DataCode* DataName* MtuRecMark* MtuRecLimitMark* BusinessGenerTime* OrgCode* OrgName*
        UpdateTime*""",
    "mutual_lab_indicator": """BusinessNo* ReportBusinessNo* TestReportNo* ExamItemCode* ExamItemName*
        TestProjCodeExp* TestProjNameExp* TestIndexResult* TestIndexUnit NormalRefLimit AnomalyCode AnomalyName
        CriticalSign LoincCode InspectionMethods DataCode DataName MtuRecMark* OrgCode* UpdateTime*""",
    "mutual_microbe_bacteria": """BusinessNo* ReportBusinessNo* TestReportNo* BacteriaId* BacteriaName* ColonyCount
        TestResult* OrgCode* UpdateTime*""",
    "mutual_microbe_suscept": """BusinessNo* ReportBusinessNo* TestReportNo* BacteriaId* BacteriaName*
        DrugSusceptibleNo* DrugSusceptibleName* DrugSusceptibilityCode* DrugSusceptibilityName*
        BacteriostaticConcentrate BacteriostatRing ReferenceValue OrgCode* UpdateTime*""",
    "mutual_exam_report": """BusinessNo* PatientId* PatientName* GenderCode* BirthDate IdCardTypeCode* IdCardValue*
        DiagTypeCode* DiagNo* PatNo HospitalNo WardName BedNo OrderRecFormNo* ApplyTime CheckApplyDepartNo*
        CheckApplyDepartName* ApplDoctNo ApplDoctName CheckRecNo* CheckTypeCode* CheckTypeName* CheckProjCode*
        CheckProjName* CheckProjCodeExp* CheckProjNameExp* CheckPartName CheckMethodName CheckResObj* CheckResSub*
        CheckResCode ImageExistMark CheckDoctNo CheckDoctName AuditDoctNo* AuditDoctName* CheckAuditTime
        ReportDoctNo* ReportDoctName* CheckReportNo* CheckReportDate* CheckReportDepartCode* CheckReportDepartName*
        DataCode* DataName* MtuRecMark* MtuRecLimitMark* BusinessGenerTime* OrgCode* OrgName* UpdateTime*""",
    "mutual_appointment": """BusinessNo* PatientId* PatientName* IdCardTypeCode* IdCardValue* AppointType* DeptCode*
        DeptName* DoctNo DoctName ItemCode ItemName AppointDate* AppointStartTime* AppointEndTime* AppointChannel*
        AppointStatus* AppointTime* CancelTime OrgCode* OrgName* UpdateTime*""",
    "mutual_registration": """BusinessNo* PatientId* PatientName* GenderCode* BirthDate IdCardTypeCode* IdCardValue*
        DiagTypeCode* PatNo* DeptCode* DeptName* DoctNo DoctName RegTypeCode* RegTypeName* VisitDate* RegTime*
        AppointMark* RegStatus* CancelTime OrgCode* OrgName* UpdateTime*""",
}
OPERATIONS = {
    "mutual_lab_report": "uploadLabReport",
    "mutual_lab_indicator": "uploadLabIndicator",
    "mutual_microbe_bacteria": "uploadMicrobeBacteria",
    "mutual_microbe_suscept": "uploadMicrobeSuscept",
    "mutual_exam_report": "uploadExamReport",
    "mutual_appointment": "uploadAppointment",
    "mutual_registration": "uploadRegistration",
}
CHILDREN = ("mutual_lab_indicator", "mutual_microbe_bacteria", "mutual_microbe_suscept")
#: withdrawable: a voided HIS record is deleted on the platform; appointments and registrations only change status
VOIDABLE = ("mutual_lab_report", *CHILDREN, "mutual_exam_report")
FEEDS = sorted(SPEC_FIELDS)


def _spec(feed: str) -> FeedSpec:
    data = read_yaml(MAPPINGS_DIR / f"{feed}.yaml")
    data = {**data, "codes": {**shared_codes(data.get("code_files", [])), **(data.get("codes") or {})}}
    return FeedSpec.model_validate(data)


def _fields(feed: str) -> tuple[list[str], set[str]]:
    names = SPEC_FIELDS[feed].split()
    return [n.rstrip("*") for n in names], {n.rstrip("*") for n in names if n.endswith("*")}


def _codes() -> dict[str, dict[str, str]]:
    return shared_codes(["mutual_codes.yaml", "mutual_items.yaml"])


def _sql_columns(sql: str) -> list[str]:
    tree = sqlglot.parse_one(sql, read="oracle", error_level=ErrorLevel.RAISE)
    return [s.alias_or_name for s in tree.selects]


# ------------------------------------------------------------------------------------------------ declarations


def test_the_seven_feeds_are_declared() -> None:
    declared = sorted(p.stem for p in MAPPINGS_DIR.glob("mutual_*.yaml") if "feed" in (read_yaml(p) or {}))
    assert set(FEEDS) <= set(declared)


@pytest.mark.parametrize("feed", FEEDS)
def test_every_required_wire_field_is_mapped_and_nothing_off_the_spec(feed: str) -> None:
    spec = _spec(feed)
    spelled, required = _fields(feed)
    assert spec.platform == "mutual" and spec.options == {"operation": OPERATIONS[feed]}
    assert spec.window == "5m", "near-real-time: shareable minutes after signing"
    assert required <= set(spec.fields), f"required wire fields not mapped: {sorted(required - set(spec.fields))}"
    assert set(spec.fields) <= set(spelled), f"not in the spec: {sorted(set(spec.fields) - set(spelled))}"
    order = [f for f in spelled if f in spec.fields]
    assert list(spec.fields) == order, "fields in the spec's order"
    assert spec.fields["BusinessNo"] == ColumnSource(column=spec.business_key[0])


@pytest.mark.parametrize("feed", FEEDS)
def test_sql_returns_every_column_the_declaration_reads(feed: str) -> None:
    spec = _spec(feed)
    columns = _sql_columns(spec.sql_text())
    assert spec.sql == f"{feed}.sql"
    assert spec.source_columns <= set(columns), sorted(spec.source_columns - set(columns))
    assert columns[0] == spec.business_key[0], "the business key first"
    assert ("voided" in columns) == (feed in VOIDABLE)
    assert spec.voided_column == ("voided" if feed in VOIDABLE else None)


@pytest.mark.parametrize("feed", FEEDS)
def test_org_code_is_a_constant_and_checks_give_chinese_reasons(feed: str) -> None:
    spec = _spec(feed)
    assert isinstance(spec.fields["OrgCode"], ConstSource)
    assert spec.checks, "every feed checks what the platform requires"
    for check in spec.checks:
        assert re.search(r"[\u4e00-\u9fff]", check.reason), check.reason


@pytest.mark.parametrize("feed", CHILDREN)
def test_children_wait_for_their_report(feed: str) -> None:
    spec = _spec(feed)
    assert [(p.column, p.feed) for p in spec.parents] == [("ReportBusinessNo", "mutual_lab_report")]
    assert spec.fields["ReportBusinessNo"] == ColumnSource(column="report_id")
    assert spec.correction_key == "ReportBusinessNo"


@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_reads_the_shared_code_files(feed: str) -> None:
    spec = _spec(feed)
    assert spec.code_files == ["mutual_codes.yaml", "mutual_items.yaml"]
    assert not read_yaml(MAPPINGS_DIR / f"{feed}.yaml").get("codes"), "codes live in the shared files"


# ------------------------------------------------------------------------------------------------ item 对照


def test_every_lab_panel_but_the_planted_one_is_mapped_with_its_flags() -> None:
    codes = _codes()
    panels = set(er.PANELS)
    group = ("lab_data_code", "lab_data_name", "lab_mtu_rec", "lab_mtu_limit")
    for name in group:
        assert set(codes[name]) == panels, name
    assert mr.UNMAPPED_PANEL.code not in panels
    assert all(re.fullmatch(r"L\d{4}", v) for v in codes["lab_data_code"].values())
    assert set(codes["lab_mtu_rec"].values()) <= {"0", "1"}
    assert set(codes["lab_mtu_limit"].values()) <= {"1", "2", "3"}
    assert codes["lab_data_code"]["XCG"] == "L0001" and codes["lab_data_code"]["LGKY"] == "L0010"
    assert codes["lab_data_code"]["TPY"] == codes["lab_data_code"]["XPY"] == "L0020"


def test_every_lab_indicator_item_is_mapped() -> None:
    codes = _codes()
    items = {i.code for p in er.PANELS.values() for i in p.items} | {er.MISTAKEN_ITEM.code}
    items |= {i.code for i in mr.UNMAPPED_PANEL.items}  # an item the LIS already had (HbA1c): mapped
    for name in ("lab_item_code", "lab_item_name", "lab_item_mtu_rec"):
        assert set(codes[name]) == items, name
    assert all(re.fullmatch(r"L\d{4}\.\d{2}", v) for v in codes["lab_item_code"].values())
    assert len(set(codes["lab_item_code"].values())) == len(items), "one platform indicator per LIS item"
    assert set(codes["lab_item_mtu_rec"].values()) <= {"0", "1"}


def test_every_exam_item_is_mapped_with_its_flags() -> None:
    codes = _codes()
    items = set(er.EXAM_ITEMS)
    for name in ("exam_data_code", "exam_data_name", "exam_mtu_rec", "exam_mtu_limit"):
        assert set(codes[name]) == items, name
    assert all(re.fullmatch(r"E\d{4}", v) for v in codes["exam_data_code"].values())
    assert codes["exam_data_code"]["CT0101"] == "E0001" and codes["exam_data_code"]["DR0101"] == "E0020"
    assert {code for _, code, _, _ in mr.FUTURE_EXAMS} <= items


def test_appointment_items_are_the_lab_and_exam_maps_merged() -> None:
    codes = _codes()
    assert not set(codes["lab_data_code"]) & set(codes["exam_data_code"]), "the two HIS code sets must not overlap"
    assert codes["appt_item_code"] == codes["lab_data_code"] | codes["exam_data_code"]
    assert codes["appt_item_name"] == codes["lab_data_name"] | codes["exam_data_name"]
    assert set(mr.BOOKED_PANELS) <= set(codes["appt_item_code"])


# ------------------------------------------------------------------------------------------------ HIS codes


def test_every_his_code_the_demo_writes_is_mapped() -> None:
    codes = _codes()
    expected = {
        "gender": {"1", "2"},
        "id_card_type": {c for c, _ in er.CODE_DICT["id_type"]},
        "diag_type": {"O", "E", "I"},
        "reg_diag_type": {"normal", "expert", "emergency"},
        "reg_type": {"normal", "expert", "emergency"},
        "reg_status": {"normal", "cancelled", "refunded"},
        "yes_no": {"Y", "N", "1", "0"},
        "appt_type": {"clinic", "exam", "lab"},
        "appt_channel": {c for c, _ in mr.CHANNEL_WEIGHTS},
        "appt_status": {"booked", "cancelled", "attended", "missed"},
        "anomaly": {"N", "H", "L"} | (set(er.QUAL_TEXTS) - {er.UNKNOWN_QUAL_TEXT, "S", "I", "R"}),
        "bacteria_result": {"检出"},
        "susceptibility": {sir for g in (er.TYPHI, er.KPN, mr.MRSA) for _, _, sir, _ in g.ast},
        "exam_type": {c for c, _ in er.CODE_DICT["exam_type"]},
        "exam_result": {c for c, _ in er.CODE_DICT["exam_result"]},
        "image_mark": {c for c, _ in er.CODE_DICT["exam_type"]},
    }
    for name, his_codes in expected.items():
        assert his_codes <= set(codes[name]), f"{name}: {sorted(his_codes - set(codes[name]))}"
    assert er.UNKNOWN_QUAL_TEXT not in codes["anomaly"], "见备注 stays unmapped: the lab must decide"
    for name in ("gender", "id_card_type", "diag_type", "reg_type", "anomaly", "susceptibility", "exam_type"):
        assert set(codes[f"{name}_name"]) == set(codes[name]), f"{name}_name names every {name} code"


def test_platform_values_are_the_spec_s() -> None:
    codes = _codes()
    allowed = {
        "gender": {"0", "1", "2", "9"},
        "id_card_type": {"01", "02", "03", "04", "06", "07", "99"},
        "diag_type": {"1", "2", "3", "4"},
        "reg_diag_type": {"1", "2"},
        "reg_type": {"1", "2", "3"},
        "reg_status": {"1", "2"},
        "yes_no": {"0", "1"},
        "appt_type": {"1", "2", "3"},
        "appt_channel": {"1", "2", "3", "4", "5", "9"},
        "appt_status": {"1", "2", "3", "4"},
        "anomaly": {"N", "H", "L", "A"},
        "bacteria_result": {"检出", "未检出"},
        "susceptibility": {"S", "I", "R", "SDD"},
        "exam_result": {"1", "2", "3"},
        "image_mark": {"0", "1"},
    }
    for name, values in allowed.items():
        assert set(codes[name].values()) <= values, name


@pytest.mark.parametrize("feed", FEEDS)
def test_declaration_fits_the_platform_operation(feed: str) -> None:
    """Loaded as a task loads it (the platform's options bound) and checked as its sender checks it."""
    from hisbridge.pipeline.spec import load_feed_spec
    from hisbridge.platforms.mutual.sender import check_feed

    spec = load_feed_spec(feed)
    op = check_feed(spec)  # raises naming what does not fit
    assert op.name == OPERATIONS[feed]
    required = {n for n, f in op.body.model_fields.items() if f.is_required()}
    assert required <= set(spec.fields)
