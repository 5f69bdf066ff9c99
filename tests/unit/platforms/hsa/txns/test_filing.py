"""2503/2504 慢特病备案: the declared bodies accept what the spec lists and refuse what it forbids; the output
keeps what the platform adds."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get

FILING = {
    "psn_no": "36000000000000000000001", "insutype": 310, "opsp_dise_code": "M03900", "opsp_dise_name": "高血压",
    "insu_optins": "360100", "ide_fixmedins_no": "H36010000001", "ide_fixmedins_name": "南昌市第一医院",
    "hosp_ide_date": "2026-11-01", "diag_dr_codg": "D360100001", "diag_dr_name": "李医生", "begndate": "20261101",
    "tel": "  ",
}


def test_2503_body_is_the_wire_body_with_codes_as_text_dates_formatted_and_blanks_left_out() -> None:
    wire = get("2503").body.model_validate(FILING).model_dump(mode="json")
    assert wire["insutype"] == "310" and wire["begndate"] == "2026-11-01" and "tel" not in wire
    assert get("2503").node == "data" and get("2503").undone_by == "2504"


@pytest.mark.parametrize(("change", "field"), [
    ({"opsp_dise_code": ""}, "opsp_dise_code"),               # required
    ({"insu_optins": "3601001"}, "insu_optins"),              # C6
    ({"hosp_ide_date": "2026-13-01"}, "hosp_ide_date"),       # not a date
    ({"unknown_field": "x"}, "unknown_field"),                # unknown keys are refused
])
def test_2503_refuses_what_the_spec_forbids_naming_the_field(change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        get("2503").body.model_validate({**FILING, **change})
    assert {e["loc"][0] for e in exc.value.errors()} == {field}


def test_2503_output_keeps_fields_the_spec_does_not_name() -> None:
    out = get("2503").output.model_validate({"result": {"trt_dcla_detl_sn": 20261101001, "prov_flag": "1"}})
    assert out.result.trt_dcla_detl_sn == "20261101001"
    assert out.model_dump()["result"]["prov_flag"] == "1"


def test_2504_needs_a_reason_and_answers_nothing() -> None:
    with pytest.raises(ValidationError):
        get("2504").body.model_validate({"trt_dcla_detl_sn": "1", "psn_no": "2", "memo": " "})
    assert get("2504").output is None
