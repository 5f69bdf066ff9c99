"""1101 人员信息获取 / 2001 人员待遇享受检查: the declared bodies accept what the spec lists and refuse what it
forbids; the outputs read both shapes platforms send and keep what they add."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get
from hisbridge.platforms.hsa.models import pii_fields
from hisbridge.platforms.hsa.txns.person import PersonInsuInfo, TreatmentInfo

PERSON_QUERY = {
    "mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X", "card_sn": "  ",
    "begntime": datetime(2026, 11, 24, 9, 30, 15, 123456), "psn_cert_type": "01",
    "certno": "36010219800101001X", "psn_name": "张三",
}
TREATMENT_CHECK = {
    "psn_no": "36000000000000000000001", "insutype": 310, "fixmedins_code": "H36010000001", "med_type": 11,
    "begntime": "20261124093000", "dise_codg": "", "oprn_oprt_code": "M03900",
}
PERSON_INFO = {
    "baseinfo": {"psn_no": "36000000000000000000001", "psn_cert_type": "01", "certno": "36010219800101001X",
                 "psn_name": "张三", "gend": "1", "naty": "01", "brdy": "1980-01-01", "age": 46.0,
                 "exp_content": {"poolarea_no": "360100"}},
    "insuinfo": [
        {"balc": 1234.56, "insutype": "310", "psn_type": "11", "psn_insu_stas": "1", "psn_insu_date": "2005-01-01",
         "paus_insu_date": None, "cvlserv_flag": "0", "insuplc_admdvs": "360100", "emp_name": "南昌某单位"},
        {"balc": 0, "insutype": 390, "psn_type": "1560", "psn_insu_stas": "4", "psn_insu_date": "2003-01-01",
         "paus_insu_date": "2005-01-01", "cvlserv_flag": 0, "insuplc_admdvs": "360199"},
    ],
    "idetinfo": [{"psn_idet_type": "21", "begntime": "2026-01-01 00:00:00", "endtime": None, "prov_flag": "1"}],
}


@pytest.mark.parametrize(("infno", "title"), [("1101", "人员信息获取"), ("2001", "人员待遇享受检查")])
def test_person_transactions_only_read_and_answer_an_output(infno: str, title: str) -> None:
    txn = get(infno)
    assert (txn.title, txn.node, txn.many, txn.group, txn.section) == (title, "data", False, "人员", "4.1")
    assert not txn.changes_state and txn.output is not None and txn.undone_by is None and not txn.reversible
    assert txn.unknowns


def test_1101_body_is_the_wire_body_with_times_formatted_and_blanks_left_out() -> None:
    wire = get("1101").body.model_validate(PERSON_QUERY).model_dump(mode="json")
    assert wire["mdtrt_cert_type"] == "02" and wire["psn_cert_type"] == "01"
    assert wire["begntime"] == "2026-11-24 09:30:15" and "card_sn" not in wire
    assert pii_fields(get("1101").body, "patient") == {"mdtrt_cert_no", "card_sn", "certno", "psn_name"}


def test_2001_body_is_the_wire_body_with_codes_as_text_and_blanks_left_out() -> None:
    wire = get("2001").body.model_validate(TREATMENT_CHECK).model_dump(mode="json")
    assert wire == {"psn_no": "36000000000000000000001", "insutype": "310", "fixmedins_code": "H36010000001",
                    "med_type": "11", "begntime": "2026-11-24 09:30:00", "oprn_oprt_code": "M03900"}


@pytest.mark.parametrize(("infno", "valid", "change", "field"), [
    ("1101", PERSON_QUERY, {"mdtrt_cert_no": " "}, "mdtrt_cert_no"),             # required
    ("1101", PERSON_QUERY, {"mdtrt_cert_type": "0201"}, "mdtrt_cert_type"),      # C3
    ("1101", PERSON_QUERY, {"card_sn": "x" * 33}, "card_sn"),                    # C32
    ("1101", PERSON_QUERY, {"begntime": "2026-11-31 08:00:00"}, "begntime"),     # not a date-time
    ("1101", PERSON_QUERY, {"insuplc_admdvs": "360100"}, "insuplc_admdvs"),      # an envelope field, not a body one
    ("2001", TREATMENT_CHECK, {"psn_no": None}, "psn_no"),                       # required
    ("2001", TREATMENT_CHECK, {"fixmedins_code": "H360100000010001"}, "fixmedins_code"),  # longer than C15
    ("2001", TREATMENT_CHECK, {"med_type": "1101011"}, "med_type"),              # C6
    ("2001", TREATMENT_CHECK, {"endtime": "2026-11-24 25:00:00"}, "endtime"),    # not a date-time
])
def test_person_bodies_refuse_what_the_spec_forbids_naming_the_field(
        infno: str, valid: dict, change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        get(infno).body.model_validate({**valid, **change})
    assert {e["loc"][0] for e in exc.value.errors()} == {field}


def test_2001_needs_its_start_time() -> None:
    body = {k: v for k, v in TREATMENT_CHECK.items() if k != "begntime"}
    with pytest.raises(ValidationError) as exc:
        get("2001").body.model_validate(body)
    assert [e["loc"] for e in exc.value.errors()] == [("begntime",)]


def test_1101_output_reads_every_insurance_row_and_keeps_fields_the_spec_does_not_name() -> None:
    out = get("1101").output.model_validate(PERSON_INFO)
    assert out.baseinfo.psn_no == "36000000000000000000001" and str(out.baseinfo.age) == "46.0"
    assert out.baseinfo.brdy.isoformat() == "1980-01-01" and out.baseinfo.exp_content == {"poolarea_no": "360100"}
    assert [(r.insutype, r.insuplc_admdvs, r.cvlserv_flag) for r in out.insuinfo] == [
        ("310", "360100", "0"), ("390", "360199", "0")]
    assert str(out.insuinfo[0].balc) == "1234.56" and out.insuinfo[1].paus_insu_date.year == 2005
    assert out.idetinfo[0].begntime == datetime(2026, 1, 1) and out.model_dump()["idetinfo"][0]["prov_flag"] == "1"


def test_1101_output_reads_the_early_draft_single_insurance_object_as_one_row() -> None:
    draft = {**PERSON_INFO, "insuinfo": {"balc": "10.00", "insutype": "310", "insu_admdvs": "360100",
                                         "psn_insu_rlts_id": "3600000000001"}, "baseinfo": {"expContent": "{}"}}
    out = get("1101").output.model_validate(draft)
    assert len(out.insuinfo) == 1 and out.insuinfo[0].insutype == "310"
    assert out.model_dump()["insuinfo"][0]["insu_admdvs"] == "360100"  # the draft's own field is kept
    assert out.model_dump()["baseinfo"]["expContent"] == "{}"


@pytest.mark.parametrize("shape", ["array", "object"])
def test_2001_output_reads_trtinfo_as_an_array_or_a_single_object(shape: str) -> None:
    row = {"psn_no": "36000000000000000000001", "trt_chk_type": "1", "fund_pay_type": 310100,
           "trt_enjymnt_flag": "0", "begndate": "2026-11-01", "enddate": None, "trt_chk_rslt": "人员参保状态异常",
           "trt_chk_rslt_code": "E01"}
    out = get("2001").output.model_validate({"trtinfo": [row] if shape == "array" else row})
    assert len(out.trtinfo) == 1 and out.trtinfo[0].fund_pay_type == "310100"
    assert out.trtinfo[0].begndate.isoformat() == "2026-11-01" and out.trtinfo[0].trt_chk_rslt == "人员参保状态异常"
    assert out.model_dump()["trtinfo"][0]["trt_chk_rslt_code"] == "E01"


def test_person_outputs_require_nothing_when_read_but_record_what_the_spec_requires() -> None:
    assert get("1101").output.model_validate({}).baseinfo is None
    assert get("2001").output.model_validate({}).trtinfo is None
    spec_required = {n for n, info in PersonInsuInfo.model_fields.items() if info.json_schema_extra["spec_required"]}
    assert "insuplc_admdvs" in spec_required and "emp_name" not in spec_required
    assert pii_fields(TreatmentInfo) == {"psn_no"}
