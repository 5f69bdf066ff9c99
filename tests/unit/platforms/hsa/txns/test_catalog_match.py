"""3301 目录对照上传 / 3302 目录对照撤销: the declared bodies accept what the spec lists and refuse what it
forbids; neither answers an output."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get

MATCH = {
    "fixmedins_hilist_id": "YP000123", "fixmedins_hilist_name": "阿莫西林胶囊", "list_type": 101,
    "med_list_codg": "XJ01CAA040A001010101445", "begndate": date(2026, 11, 1), "enddate": "20991231",
    "aprvno": "国药准字H20003263", "dosform": "胶囊剂", "prcunt": "盒", "spec": "0.25g*24粒", "pacspec": "24粒/盒",
    "exct_cont": "", "memo": "  ",
}
REVOKE = {
    "fixmedins_code": "H36010000001", "fixmedins_hilist_id": "YP000123", "list_type": "101",
    "med_list_codg": "XJ01CAA040A001010101445",
}


def test_3301_body_is_the_wire_body_with_codes_as_text_dates_formatted_and_blanks_left_out() -> None:
    wire = get("3301").body.model_validate(MATCH).model_dump(mode="json")
    assert wire["list_type"] == "101" and wire["begndate"] == "2026-11-01" and wire["enddate"] == "2099-12-31"
    assert wire["aprvno"] == "国药准字H20003263" and "exct_cont" not in wire and "memo" not in wire


def test_3302_body_is_the_wire_body() -> None:
    assert get("3302").body.model_validate({**REVOKE, "list_type": 101}).model_dump(mode="json") == REVOKE


@pytest.mark.parametrize(("infno", "title", "undone_by"), [
    ("3301", "目录对照上传", "3302"),
    ("3302", "目录对照撤销", None),
])
def test_catalog_match_changes_platform_data_and_answers_no_output(
        infno: str, title: str, undone_by: str | None) -> None:
    txn = get(infno)
    assert (txn.title, txn.node, txn.many, txn.group, txn.section) == (title, "data", False, "目录对照", "4.7")
    assert txn.changes_state and txn.output is None and txn.undone_by == undone_by and not txn.reversible
    assert "list_type" in txn.unknowns


def test_3301_unknowns_say_some_clients_send_an_array() -> None:
    assert "array" in get("3301").unknowns


@pytest.mark.parametrize(("infno", "valid", "change", "field"), [
    ("3301", MATCH, {"med_list_codg": ""}, "med_list_codg"),                       # required
    ("3301", MATCH, {"fixmedins_hilist_name": "药" * 201}, "fixmedins_hilist_name"),  # C200
    ("3301", MATCH, {"list_type": "1" * 31}, "list_type"),                         # C30
    ("3301", MATCH, {"enddate": "2099-02-30"}, "enddate"),                         # not a date
    ("3301", MATCH, {"exct_cont": "x" * 2001}, "exct_cont"),                       # C2000
    ("3301", MATCH, {"fixmedins_code": "H36010000001"}, "fixmedins_code"),         # not a 3301 field
    ("3302", REVOKE, {"fixmedins_code": None}, "fixmedins_code"),                  # required
    ("3302", REVOKE, {"fixmedins_hilist_id": "Y" * 31}, "fixmedins_hilist_id"),    # C30
    ("3302", REVOKE, {"memo": "对照错误"}, "memo"),                                  # unknown keys are refused
])
def test_catalog_match_bodies_refuse_what_the_spec_forbids_naming_the_field(
        infno: str, valid: dict, change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        get(infno).body.model_validate({**valid, **change})
    assert {e["loc"][0] for e in exc.value.errors()} == {field}


def test_3301_needs_both_dates() -> None:
    body = {k: v for k, v in MATCH.items() if k not in ("begndate", "enddate")}
    with pytest.raises(ValidationError) as exc:
        get("3301").body.model_validate(body)
    assert {e["loc"][0] for e in exc.value.errors()} == {"begndate", "enddate"}
