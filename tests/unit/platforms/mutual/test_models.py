"""The bodies and answers: every model round-trips through its wire form, every field is described in Chinese,
patient identifiers are flagged, constraints live on the types, and what a database row hands over (numbers,
blanks, aware date-times) becomes what the wire carries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from hisbridge.platforms.mutual import codes
from hisbridge.platforms.mutual import models as m
from hisbridge.platforms.mutual.catalogue import OPERATIONS
from hisbridge.platforms.mutual.fields import MutualBody, pii_fields, wire_pii_values

from .support import (
    BODIES,
    DETAIL,
    EXAM_REPORT,
    ID_CARD,
    LAB_INDICATOR,
    LAB_REPORT,
    NAME,
    RECOGNITION_RECORD,
    SUMMARY,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for op in OPERATIONS.values():
        for model in (op.body, op.answer):
            if model is not None and model not in found:
                found.append(model)
    for extra in (m.ReportItem, m.BacteriaResult, m.SusceptResult, m.RowFailure, m.KeyFailure, m.FieldError):
        if extra not in found:
            found.append(extra)
    return found


MODELS = _models()
FIELDS = [(model, name) for model in MODELS for name in model.model_fields]


@pytest.mark.parametrize("op", list(BODIES))
def test_every_body_round_trips_through_its_wire_form(op) -> None:
    model = OPERATIONS[op].body
    first = model.model_validate(BODIES[op]).model_dump(mode="json", exclude_none=True)
    again = model.model_validate(first).model_dump(mode="json", exclude_none=True)
    assert first == again
    assert set(first) <= set(model.model_fields)
    assert {k: v for k, v in BODIES[op].items() if v is not None} == {k: first[k] for k in BODIES[op]}


@pytest.mark.parametrize(("model", "data"), [(m.ReportSummary, SUMMARY), (m.ReportDetail, DETAIL)])
def test_answers_round_trip(model, data) -> None:
    first = model.model_validate(data).model_dump(mode="json")
    assert model.model_validate(first).model_dump(mode="json") == first
    assert first["reportTime"] == "2026-02-20 09:00:00"


@pytest.mark.parametrize(("model", "name"), FIELDS, ids=[f"{mo.__name__}.{n}" for mo, n in FIELDS])
def test_every_field_has_a_chinese_description(model, name) -> None:
    description = model.model_fields[name].description or ""
    assert CJK.search(description), f"{model.__name__}.{name} needs its Chinese name as description"


def test_exactly_the_patient_identifiers_are_flagged_personal() -> None:
    flagged = {model.__name__: set(pii_fields(model)) for model in MODELS if pii_fields(model)}
    person = {"PatientName", "IdCardValue"}
    assert flagged == {"LabReport": person, "ExamReport": person, "Appointment": person, "Registration": person,
                       "ReminderQuery": {"idCardValue"}, "ReportDetail": {"patientName"}}
    assert wire_pii_values(m.LabReport, [LAB_REPORT, {"PatientName": ""}]) == {NAME, ID_CARD}


def test_named_code_pairs_point_at_fields_of_their_model() -> None:
    for model in MODELS:
        if issubclass(model, MutualBody):
            for code, (name, _) in model.named_codes.items():
                assert {code, name} <= set(model.model_fields), model.__name__


@pytest.mark.parametrize(("field", "value", "error"), [
    ("BusinessNo", "L" * 65, "at most 64"),
    ("BusinessNo", "LR 1", "pattern"),
    ("PatientId", "P" * 51, "at most 50"),
    ("PatientName", "张" * 101, "at most 100"),
    ("TestReportComment", "备" * 4001, "at most 4000"),
    ("GenderCode", "3", "'0', '1', '2' or '9'"),
    ("IdCardTypeCode", "05", "Input should be"),
    ("DiagTypeCode", "5", "Input should be"),
    ("MtuRecMark", "Y", "'0' or '1'"),
    ("MtuRecLimitMark", "省内", "pattern"),
    ("SampleTime", "2026/03/02", "datetime"),
    ("BirthDate", "1990-13-01", "date"),
])
def test_constraints_live_on_the_types(field, value, error) -> None:
    with pytest.raises(ValidationError, match=error) as info:
        m.LabReport.model_validate({**LAB_REPORT, field: value})
    assert [e["loc"] for e in info.value.errors()] == [(field,)]


def test_a_refusal_never_echoes_the_value() -> None:
    with pytest.raises(ValidationError) as info:
        m.LabReport.model_validate({**LAB_REPORT, "IdCardValue": ID_CARD + "0" * 40})
    assert ID_CARD not in str(info.value)


def test_blank_means_no_value() -> None:
    wire = m.LabReport.model_validate({**LAB_REPORT, "PatNo": "  ", "WardName": None}).wire()
    assert "PatNo" not in wire and "WardName" not in wire
    with pytest.raises(ValidationError) as info:
        m.LabReport.model_validate({**LAB_REPORT, "PatientName": "   ", "DataCode": None})
    assert {(e["loc"], e["type"]) for e in info.value.errors()} == {(("PatientName",), "missing"),
                                                                   (("DataCode",), "missing")}


def test_database_values_become_wire_text() -> None:
    row = {**LAB_INDICATOR, "TestIndexResult": Decimal("6.50"), "TestProjCodeExp": 1024, "MtuRecMark": True,
           "CriticalSign": False, "TestIndexUnit": 5.5}
    wire = m.LabIndicator.model_validate(row).wire()
    assert (wire["TestIndexResult"], wire["TestProjCodeExp"], wire["MtuRecMark"], wire["CriticalSign"],
            wire["TestIndexUnit"]) == ("6.50", "1024", "1", "0", "5.5")


def test_times_are_local_shanghai_whole_seconds() -> None:
    wire = m.LabReport.model_validate({
        **LAB_REPORT,
        "SampleTime": datetime(2026, 3, 2, 0, 10, 0, 123456, tzinfo=UTC),  # 08:10 in Nanchang
        "TestReportDate": "2026-03-02T10:00:00.5",
        "UpdateTime": "20260302100005",
        "BirthDate": datetime(1990, 1, 1, 12, 0),
        "BusinessGenerTime": date(2026, 3, 2),
    }).wire()
    assert (wire["SampleTime"], wire["TestReportDate"], wire["UpdateTime"], wire["BirthDate"],
            wire["BusinessGenerTime"]) == ("2026-03-02 08:10:00", "2026-03-02 10:00:00", "2026-03-02 10:00:05",
                                           "1990-01-01", "2026-03-02 00:00:00")


def test_names_are_filled_from_their_codes_when_left_empty() -> None:
    report = m.LabReport.model_validate({**LAB_REPORT, "GenderName": "", "DiagTypeCode": 3}).wire()
    assert (report["GenderName"], report["IdCardTypeName"], report["DiagTypeName"]) == ("男性", "居民身份证", "住院")
    kept = m.LabReport.model_validate({**LAB_REPORT, "GenderName": "男"}).wire()
    assert kept["GenderName"] == "男"  # the HIS's own name wins
    indicator = m.LabIndicator.model_validate({**LAB_INDICATOR, "AnomalyCode": "H"}).wire()
    assert indicator["AnomalyName"] == "偏高"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        m.LabIndicator.model_validate({**LAB_INDICATOR, "TestIndexResul": "1"})


def test_an_exam_report_carries_one_platform_code() -> None:
    with pytest.raises(ValidationError, match="CheckProjCode 应与 DataCode 相同"):
        m.ExamReport.model_validate({**EXAM_REPORT, "CheckProjCode": "JX-PACS-0999"})


def test_an_appointment_slot_ends_after_it_starts() -> None:
    from .support import APPOINTMENT

    with pytest.raises(ValidationError, match="AppointEndTime"):
        m.Appointment.model_validate({**APPOINTMENT, "AppointEndTime": "2026-03-05 08:00:00"})


# -- the 不互认 reasons ----------------------------------------------------------------------------------------


def test_reasons_are_data_with_their_rules() -> None:
    assert list(codes.REASONS) == ["01", "02", "03", "04", "05", "06", "07", "08", "98", "99"]
    assert m.REASONS is codes.REASONS and isinstance(m.REASONS, dict)
    assert codes.NOT_COUNTED == {"98", "99"}
    assert codes.NEEDS_DIAG_NAME == {"99"}
    assert codes.REASONS["07"] == "医师认为有必要复查"


def test_reason_99_needs_the_disease_and_other_reasons_do_not() -> None:
    with pytest.raises(ValidationError, match="diagName"):
        m.RecognitionRecord.model_validate({**RECOGNITION_RECORD, "diagName": ""})
    record = m.RecognitionRecord.model_validate({**RECOGNITION_RECORD, "reasonCode": "98", "diagName": None,
                                                 "reasonName": None}).wire()
    assert (record["reasonName"], record["recognise"], "diagName" in record) == ("未收到外院影像资料", "0", False)
    with pytest.raises(ValidationError, match="reasonCode"):
        m.RecognitionRecord.model_validate({**RECOGNITION_RECORD, "reasonCode": "09"})


def test_record_guids_default_to_new_ones_and_must_look_like_guids() -> None:
    base = {k: v for k, v in RECOGNITION_RECORD.items() if k != "mrId"}
    one, two = m.RecognitionRecord.model_validate(base), m.RecognitionRecord.model_validate(base)
    assert one.mrId != two.mrId and re.fullmatch(r"[0-9a-f-]{36}", one.mrId)
    assert m.RecognitionRecord.model_validate({**base, "mrId": "7c9e6679742540de944be07fc1f90ae7"})
    with pytest.raises(ValidationError, match="mrId"):
        m.RecognitionRecord.model_validate({**base, "mrId": "not-a-guid"})


# -- queries and answers -------------------------------------------------------------------------------------------


def test_an_order_reminder_names_the_items_being_ordered() -> None:
    from .support import REMINDER_QUERY

    with pytest.raises(ValidationError, match="dataCodes"):
        m.ReminderQuery.model_validate({**REMINDER_QUERY, "dataCodes": []})
    visit = m.ReminderQuery.model_validate({**REMINDER_QUERY, "searchType": "1", "dataCodes": [],
                                            "itemType": None, "lookbackDays": None}).wire()
    assert (visit["searchType"], visit["itemType"], visit["lookbackDays"]) == (1, "", 90)


def test_answers_are_lenient_about_what_the_platform_adds() -> None:
    summary = m.ReportSummary.model_validate({**SUMMARY, "reportId": 9001, "extraField": "x", "itemCode": None})
    assert (summary.reportId, summary.itemCode) == ("9001", None)
    detail = m.ReportDetail.model_validate(DETAIL)
    assert detail.items[0].result == "6.5" and detail.patientName == NAME
    with pytest.raises(ValidationError):
        m.ReportSummary.model_validate({"itemType": "LIS"})  # a report without id cannot be opened
