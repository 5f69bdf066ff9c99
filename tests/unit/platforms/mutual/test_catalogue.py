"""The catalogue: every operation of the spec declared once, consistent with its models, and a docs table that
is not stale."""

from __future__ import annotations

from typing import get_args

import pytest

from hisbridge.platforms.mutual import catalogue, doc
from hisbridge.platforms.mutual import models as m
from hisbridge.platforms.mutual.errors import UnknownOperation

SPEC = {
    "uploadLabReport": ("upload", "labReport"), "uploadLabIndicator": ("upload", "labIndicator"),
    "uploadMicrobeBacteria": ("upload", "microbeBacteria"), "uploadMicrobeSuscept": ("upload", "microbeSuscept"),
    "uploadExamReport": ("upload", "examReport"), "uploadAppointment": ("upload", "appointment"),
    "uploadRegistration": ("upload", "registration"), "deleteData": ("delete", None),
    "queryReminders": ("query", None), "getReport": ("query", None),
    "uploadReminderRecords": ("record", None), "uploadRecognitionRecord": ("record", None),
    "uploadRetrievalRecord": ("record", None), "uploadQuoteLog": ("record", None),
    "revokeNonRecognition": ("record", None),
}


def test_every_operation_of_the_spec_is_declared_once() -> None:
    names = [op.name for op in catalogue._ENTRIES]
    assert len(names) == len(set(names)) == len(catalogue.OPERATIONS)
    assert {op.name: (op.kind, op.data_type) for op in catalogue.OPERATIONS.values()} == SPEC
    assert all(op.title and op.default_path == f"/api/v1/{op.name}" for op in catalogue.OPERATIONS.values())


def test_arrays_and_objects_are_as_the_spec_says() -> None:
    many = {op.name for op in catalogue.OPERATIONS.values() if op.many}
    assert many == {name for name, (kind, _) in SPEC.items() if kind == "upload"} | {
        "uploadReminderRecords", "uploadRecognitionRecord", "uploadRetrievalRecord"}


def test_uploads_are_withdrawn_by_data_type_and_business_no() -> None:
    data_types = [op.data_type for op in catalogue.uploads()]
    assert len(set(data_types)) == len(data_types)
    assert set(data_types) == set(get_args(m.DataType))  # deleteData's dataType names exactly these
    for op in catalogue.uploads():
        assert op.key == "BusinessNo" and op.key in op.body.model_fields
        assert op.body.model_fields["BusinessNo"].is_required()
        assert {"OrgCode", "UpdateTime"} <= set(op.body.model_fields)
        assert catalogue.by_data_type(op.data_type) is op


def test_children_name_their_report() -> None:
    children = {op.name: (op.parent_field, op.parent_op) for op in catalogue.OPERATIONS.values() if op.parent_field}
    assert children == {name: ("ReportBusinessNo", "uploadLabReport")
                        for name in ("uploadLabIndicator", "uploadMicrobeBacteria", "uploadMicrobeSuscept")}
    for name in children:
        assert "ReportBusinessNo" in catalogue.get(name).body.model_fields


def test_answers_are_declared_where_the_platform_returns_data() -> None:
    answers = {op.name: (op.answer, op.answer_many) for op in catalogue.OPERATIONS.values()
               if op.answer is not None and op.kind != "upload"}
    assert answers == {"deleteData": (m.DeleteResult, False), "queryReminders": (m.ReportSummary, True),
                       "getReport": (m.ReportDetail, False)}
    assert all(op.answer is None for op in catalogue.OPERATIONS.values() if op.kind == "record")


def test_an_unknown_operation_names_the_known_ones() -> None:
    with pytest.raises(UnknownOperation, match="uploadLabReport"):
        catalogue.get("uploadLabResult")
    with pytest.raises(UnknownOperation):
        catalogue.by_data_type("labResult")


def test_the_docs_table_is_up_to_date() -> None:
    text = doc.DOC.read_text(encoding="utf-8")
    assert doc.rendered(text) == text, "run `python -m hisbridge mutual doc --write`"
    for op in catalogue.OPERATIONS.values():
        assert f"### {op.name} — {op.title}" in text
    assert "| `A0404` | 数据不存在 |" in text and "| `99` | 连续性监测需要 | 否 | 是 |" in text
